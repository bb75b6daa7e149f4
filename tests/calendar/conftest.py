"""A small meetup on the small test event, built through the meetings services:
settings (two meeting days, 10:00-12:00 in 30-minute slots, two tables in "Hall A
meeting zone"), profiles of alpha (startup), beta and gamma (firms), and an accepted
request alpha -> gamma (sent by alpha's exhibitor admin, accepted by gamma's attendee)."""

from datetime import time

import pytest

from eventapp.extensions import db
from eventapp.meetings import services as meetings
from tests.conftest import Actors


@pytest.fixture
def test_event(small_event):
    return small_event.event


@pytest.fixture
def before_the_fair(monkeypatch):
    """The meetup's clock a fortnight before the small event (17-18 September 2025):
    the meetings package refuses to book, move or plan slots that have started, and
    these tests check invites for those fixed dates."""
    from datetime import UTC, datetime

    from eventapp.meetings import planning

    moment = datetime(2025, 9, 3, 0, 0, tzinfo=UTC)
    monkeypatch.setattr(meetings, "_now", lambda: moment)
    monkeypatch.setattr(planning, "utcnow", lambda: moment)
    return moment


@pytest.fixture
def meetup(small_event, before_the_fair):
    event = small_event.event
    organizer = small_event.organizer
    meetings.save_settings(
        event,
        organizer,
        meeting_days=[d.isoformat() for d in event.days],
        slot_minutes=30,
        day_starts_at=time(10, 0),
        day_ends_at=time(12, 0),
        breaks=[],
        table_count=2,
        table_label="Hall A meeting zone",
    )
    companies = small_event.companies
    alpha = meetings.create_profile(event, companies["alpha"])
    beta = meetings.create_profile(event, companies["beta"])
    gamma = meetings.create_profile(event, companies["gamma"])
    request = meetings.send_request(event, alpha, gamma, small_event.exhibitor_admin, "Hello")
    meetings.accept_request(request, gamma, small_event.attendee)
    db.session.commit()
    slots = {slot.code: slot for slot in meetings.slots_of(event)}

    def schedule(item=None, code="D1-1000", **options):
        """Book `item` (default: the alpha-gamma request) as the organizer and commit."""
        meeting = meetings.book(item or request, slots[code], organizer, via="organizer", **options)
        db.session.commit()
        return meeting

    return Actors(
        small_event,
        alpha=alpha,
        beta=beta,
        gamma=gamma,
        request=request,
        slots=slots,
        schedule=schedule,
    )
