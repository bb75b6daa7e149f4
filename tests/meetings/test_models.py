"""Models of the meetup and the guarantees the database itself gives."""

from datetime import time, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from eventapp.accounts.models import User
from eventapp.core.db import utcnow
from eventapp.extensions import db
from eventapp.meetings import services
from eventapp.meetings.models import (
    Meeting,
    MeetingRequest,
    MeetingSeat,
    MeetingSettings,
    side_for_kind,
)
from tests.meetings.conftest import accepted_request


def test_side_from_kind():
    assert side_for_kind("large_firm") == "firm"
    assert side_for_kind("midsize_firm") == "firm"
    assert side_for_kind("investor") == "firm"
    for kind in ("startup", "university", "institute", "public_body"):
        assert side_for_kind(kind) == "startup"


def test_profiles_of_the_fixture(meetup):
    alpha, beta, gamma = (meetup.profiles[k] for k in ("alpha", "beta", "gamma"))
    assert (alpha.side, beta.side, gamma.side) == ("startup", "firm", "firm")
    assert alpha.keywords == ["machine vision", "robotics"]
    assert [u.email for u in alpha.contacts()] == [
        "exhibitor_admin@example.org",
        "exhibitor_staff@example.org",
    ]
    assert [u.email for u in gamma.contacts()] == ["attendee@example.org"]
    assert beta.location is None
    beta.receives_at_booth, beta.booth_code = True, "B-01"
    assert beta.location == "B-01"
    alpha.receives_at_booth, alpha.booth_code = True, "A-01"
    assert alpha.location is None  # startups always meet at tables


def test_contacts_are_who_acts_for_the_profile(meetup):
    """The exhibitor role names the company, whatever the account says; an attendee
    who exhibits for another company acts for that one."""
    from eventapp.events.models import EventRole
    from eventapp.meetings.services import acting_profile

    alpha, gamma = meetup.profiles["alpha"], meetup.profiles["gamma"]
    admin = meetup.exhibitor_admin
    admin.organization_id = gamma.organization_id
    attendee = db.session.scalar(select(User).where(User.email == "attendee@example.org"))
    db.session.add(
        EventRole(
            event_id=meetup.event.id,
            user=attendee,
            role="exhibitor_staff",
            organization_id=alpha.organization_id,
        )
    )
    db.session.flush()
    for user in (admin, attendee):
        assert acting_profile(user, meetup.event) == alpha
    assert admin in alpha.contacts() and attendee in alpha.contacts()
    assert gamma.contacts() == []


def test_slots_and_tables_generated_in_local_time(meetup):
    codes = [s.code for s in meetup.slots]
    assert codes == [f"D{d}-{t}" for d in (1, 2) for t in ("1000", "1030", "1100", "1130")]
    first = meetup.slots[0]
    local = first.starts_at.astimezone(meetup.event.tz)
    assert (local.hour, local.minute) == (10, 0)
    assert first.starts_at.utcoffset() == timedelta(0)  # stored and read as aware UTC
    assert first.ends_at - first.starts_at == timedelta(minutes=30)
    assert [t.code for t in meetup.tables] == ["T01", "T02"]
    assert meetup.tables[0].label == "Meeting zone"


def test_planned_slots_skip_breaks(meetup):
    settings = MeetingSettings(
        meeting_days=[meetup.event.starts_on.isoformat()],
        slot_minutes=45,
        day_starts_at=time(10, 0),
        day_ends_at=time(14, 0),
        breaks=[["11:30", "12:30"]],
    )
    codes = [code for code, _s, _e in services.planned_slots(meetup.event, settings)]
    # 10:00, 10:45 (ends 11:30), then after the break 12:30, 13:15 (ends 14:00).
    assert codes == ["D1-1000", "D1-1045", "D1-1230", "D1-1315"]


def test_booking_window(meetup, english):
    settings = meetup.settings
    now = utcnow()
    assert settings.booking_open(now)
    settings.booking_opens_at = now + timedelta(hours=1)
    assert not settings.booking_open(now)
    settings.booking_opens_at = now - timedelta(hours=2)
    settings.booking_closes_at = now - timedelta(hours=1)
    assert not settings.booking_open(now)
    db.session.commit()
    alpha, gamma = meetup.profiles["alpha"], meetup.profiles["gamma"]
    with pytest.raises(services.MeetingError, match="closed"):
        services.send_request(meetup.event, alpha, gamma, meetup.exhibitor_admin)
    # Organizers are not bound by the window.
    services.send_request(meetup.event, alpha, gamma, meetup.organizer)


def test_one_open_request_per_pair_in_the_database(meetup):
    alpha, gamma = meetup.profiles["alpha"], meetup.profiles["gamma"]
    first = MeetingRequest(
        event_id=meetup.event.id, startup_id=alpha.id, firm_id=gamma.id, requester_side="startup"
    )
    db.session.add(first)
    db.session.commit()
    db.session.add(
        MeetingRequest(
            event_id=meetup.event.id, startup_id=alpha.id, firm_id=gamma.id, requester_side="firm"
        )
    )
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    first.status = "cancelled"
    db.session.commit()
    db.session.add(
        MeetingRequest(
            event_id=meetup.event.id, startup_id=alpha.id, firm_id=gamma.id, requester_side="firm"
        )
    )
    db.session.commit()  # a closed request does not block a new one


def test_seat_is_a_person_or_a_table_never_both(meetup):
    alpha, gamma = meetup.profiles["alpha"], meetup.profiles["gamma"]
    request = accepted_request(meetup.event, alpha, gamma, meetup.exhibitor_admin)
    meeting = services.book(request, meetup.slots[0], meetup.attendee)
    db.session.commit()
    for profile_id, table_id in ((None, None), (alpha.id, meetup.tables[1].id)):
        db.session.add(
            MeetingSeat(
                meeting_id=meeting.id,
                slot_id=meetup.slots[1].id,
                profile_id=profile_id,
                table_id=table_id,
            )
        )
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_active_meetings_never_share_slot_and_table(meetup):
    alpha, beta, gamma = (meetup.profiles[k] for k in ("alpha", "beta", "gamma"))
    r1 = accepted_request(meetup.event, alpha, gamma, meetup.exhibitor_admin)
    r2 = accepted_request(meetup.event, alpha, beta, meetup.exhibitor_admin)
    slot, table = meetup.slots[0], meetup.tables[0]
    first = Meeting(event_id=meetup.event.id, request=r1, slot=slot, table=table)
    db.session.add(first)
    db.session.commit()
    db.session.add(Meeting(event_id=meetup.event.id, request=r2, slot=slot, table=table))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    first.status = "cancelled"
    db.session.commit()
    db.session.add(Meeting(event_id=meetup.event.id, request=r2, slot=slot, table=table))
    db.session.commit()


def test_meeting_fields_for_calendar_invites(meetup):
    alpha, gamma = meetup.profiles["alpha"], meetup.profiles["gamma"]
    request = accepted_request(meetup.event, alpha, gamma, meetup.exhibitor_admin)
    meeting = services.book(request, meetup.slots[0], meetup.attendee)
    other = services.book(
        accepted_request(meetup.event, alpha, meetup.profiles["beta"], meetup.exhibitor_admin),
        meetup.slots[1],
        meetup.exhibitor_admin,
    )
    db.session.commit()
    assert meeting.uid != other.uid and len(meeting.uid) <= 100
    assert meeting.sequence == 0
    assert meeting.starts_at == meetup.slots[0].starts_at
    assert meeting.ends_at == meetup.slots[0].ends_at
    assert meeting.starts_at.tzinfo is not None
    assert meeting.startup is alpha and meeting.firm is gamma
    assert meeting.location_label == "T01 (Meeting zone)"
    assert meeting.updated_at is not None and meeting.created_at is not None
