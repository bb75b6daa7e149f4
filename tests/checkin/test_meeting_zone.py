"""Meeting-zone scans mark the scanned company's current meeting attended; meetings
nobody came to are listed (and marked) as no-shows."""

from datetime import timedelta

import pytest

from eventapp.badges import services as badges
from eventapp.checkin import meetings_link, services
from eventapp.extensions import db
from tests.meetings.conftest import meetup, request_ctx  # noqa: F401 (fixtures)

meetings = pytest.importorskip("eventapp.meetings.services")


def test_scan_marks_attended_and_lists_no_shows(meetup, login_as):  # noqa: F811
    event = meetup.event
    alpha, beta, gamma = (meetup.profiles[k] for k in ("alpha", "beta", "gamma"))
    first = meetings.send_request(event, alpha, gamma, meetup.exhibitor_admin)
    meetings.accept_request(first, gamma, meetup.attendee)
    attended = meetings.book(first, meetup.slots[0], meetup.attendee, notify=False)
    second = meetings.send_request(event, alpha, beta, meetup.exhibitor_admin)
    meetings.accept_request(second, beta, meetup.other_exhibitor)
    missed = meetings.book(second, meetup.slots[1], meetup.other_exhibitor, notify=False)
    zone = services.create_scan_point(
        event, name_ko="미팅 구역", name_en="Meeting zone", kind="meeting_zone"
    )
    code = badges.badge_code(badges.issue_badge(event, meetup.attendee))
    db.session.commit()

    # The gamma person arrives five minutes before their slot.
    moment = attended.starts_at - timedelta(minutes=5)
    ctx = services.context_for_point(zone.id)
    answer, _ = services.record_scan(
        ctx, code=code, nonce="meeting-001", scanned_at=moment, now=moment
    )
    db.session.commit()
    assert answer["status"] == "ok" and answer["reason"] == "meeting"
    assert answer["meeting"]["id"] == attended.id
    assert answer["meeting"]["partner_en"] == "Alpha Robotics"
    assert "Alpha Robotics" in answer["message_en"] and "알파로보틱스" in answer["message_ko"]
    db.session.refresh(attended)
    assert attended.status == "attended"

    # After the second slot, its meeting is a no-show; the attended one is not.
    after = missed.ends_at + timedelta(minutes=11)
    assert [m.id for m in meetings_link.no_shows(event, now=after)] == [missed.id]
    assert meetings_link.no_shows(event, now=missed.ends_at) == []
    page = login_as("staff").get(
        f"/e/test-expo/checkin/points/{zone.id}/meetings?day={missed.starts_at.astimezone(event.tz).date()}"
    )
    assert page.status_code == 200 and "Beta Bio" in page.get_data(as_text=True)
    assert meetings_link.mark_no_shows(event, meetup.organizer, now=after) == 1
    db.session.commit()
    db.session.refresh(missed)
    db.session.refresh(attended)
    assert (missed.status, attended.status) == ("no_show", "attended")
