"""Meeting-zone scans record the arrival of each side of a table meeting; the meeting
is attended only when both sides came, and the no-show list says who did not come."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from eventapp.badges import services as badges
from eventapp.badges.models import CATEGORIES
from eventapp.checkin import meetings_link, services
from eventapp.checkin.models import MeetingArrival, Scan
from eventapp.extensions import db
from tests.conftest import page_width, statements_of
from tests.meetings.conftest import add_company, meetup, request_ctx  # noqa: F401 (fixtures)

meetings = pytest.importorskip("eventapp.meetings.services")


def _zone(event):
    zone = services.create_scan_point(
        event, name_ko="미팅 구역", name_en="Meeting zone", kind="meeting_zone"
    )
    db.session.commit()
    return zone


def _scan(zone, user, moment, nonce, now=None, offline=False):
    code = badges.badge_code(badges.issue_badge(zone.event, user))
    db.session.commit()
    answer, _ = services.record_scan(
        services.context_for_point(zone.id),
        code=code,
        nonce=nonce,
        scanned_at=moment,
        now=now or moment,
        offline=offline,
    )
    db.session.commit()
    return answer


def _meeting(event, startup, firm, slot, user):
    request = meetings.send_request(event, startup, firm, user)
    meetings.accept_request(request, firm, user)
    meeting = meetings.book(request, slot, user, notify=False)
    db.session.commit()
    return meeting


def test_a_meeting_is_attended_only_when_both_sides_are_scanned(meetup, login_as):  # noqa: F811
    event = meetup.event
    alpha, gamma = meetup.profiles["alpha"], meetup.profiles["gamma"]
    meeting = _meeting(event, alpha, gamma, meetup.slots[0], meetup.organizer)
    zone = _zone(event)

    # The firm's person (gamma) arrives five minutes early: recorded, but the
    # meeting is not attended while the startup is missing.
    early = meeting.starts_at - timedelta(minutes=5)
    first = _scan(zone, meetup.attendee, early, "meeting-001")
    assert first["status"] == "ok" and first["reason"] == "meeting"
    assert first["meeting"]["id"] == meeting.id
    assert first["meeting"]["side"] == "firm" and first["meeting"]["arrived"] == ["firm"]
    assert first["meeting"]["complete"] is False
    assert first["meeting"]["partner_en"] == "Alpha Robotics"
    assert "not here yet" in first["message_en"] and "알파로보틱스" in first["message_ko"]
    db.session.refresh(meeting)
    assert meeting.status == "scheduled"
    # Scanning the same side again changes nothing.
    again = _scan(zone, meetup.attendee, early + timedelta(minutes=1), "meeting-002")
    assert again["meeting"]["arrived"] == ["firm"]

    # The startup's person arrives: now both are in and the meeting is attended.
    second = _scan(zone, meetup.exhibitor_staff, meeting.starts_at, "meeting-003")
    assert second["meeting"]["side"] == "startup" and second["meeting"]["complete"] is True
    assert second["meeting"]["arrived"] == ["firm", "startup"]
    assert "Gamma Group" in second["message_en"] and "attended" in second["message_en"]
    db.session.refresh(meeting)
    assert meeting.status == "attended"
    assert db.session.scalar(select(func.count()).select_from(MeetingArrival)) == 2
    after = meeting.ends_at + timedelta(hours=1)
    assert meetings_link.no_shows(event, now=after) == []


def test_no_shows_say_which_side_did_not_come(meetup, login_as, monkeypatch):  # noqa: F811
    event = meetup.event
    alpha, beta, gamma = (meetup.profiles[k] for k in ("alpha", "beta", "gamma"))
    delta_user, delta = add_company(event, "delta", "startup", need_en="", offer_en="Sensors")
    db.session.commit()
    firm_only = _meeting(event, alpha, beta, meetup.slots[1], meetup.organizer)
    nobody = _meeting(event, delta, gamma, meetup.slots[1], meetup.organizer)
    startup_only = _meeting(event, alpha, gamma, meetup.slots[2], meetup.organizer)
    zone = _zone(event)

    _scan(zone, meetup.other_exhibitor, firm_only.starts_at, "meeting-101")  # beta, the firm
    _scan(zone, meetup.exhibitor_admin, startup_only.starts_at, "meeting-102")  # alpha

    after = startup_only.ends_at + meetings_link.NO_SHOW_AFTER
    found = {item.meeting.id: item.missing for item in meetings_link.no_shows(event, now=after)}
    assert found == {firm_only.id: "startup", nobody.id: "both", startup_only.id: "firm"}
    # Not before NO_SHOW_AFTER has passed after the slot.
    assert meetings_link.no_shows(event, now=firm_only.ends_at) == []

    day = firm_only.starts_at.astimezone(event.tz).date()
    monkeypatch.setattr(meetings_link, "utcnow", lambda: after)  # what is due "now"
    page = login_as("staff").get(f"/e/test-expo/checkin/points/{zone.id}/meetings?day={day}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    section = html.split('id="no-shows"', 1)[1].split("</section>", 1)[0]
    assert f'data-meeting="{firm_only.id}" data-missing="startup"' in section
    assert f'data-meeting="{nobody.id}" data-missing="both"' in section
    assert f'data-meeting="{startup_only.id}" data-missing="firm"' in section
    assert "the startup did not come" in section and "neither side came" in section
    # In the day's table each side says whether it came.
    row = html.split(f'id="meeting-{firm_only.id}"', 1)[1].split("</tr>", 1)[0]
    startup_cell, firm_cell = _cells(row)[2:4]
    arrived_at = firm_only.starts_at.astimezone(event.tz).strftime("%H:%M")
    # Each stands on its own, with a capital in English.
    assert "Did not come" in startup_cell and f"Arrived {arrived_at}" in firm_cell

    assert meetings_link.mark_no_shows(event, meetup.organizer, now=after) == 3
    db.session.commit()
    for meeting, side in ((firm_only, "startup"), (nobody, "both"), (startup_only, "firm")):
        db.session.refresh(meeting)
        assert meeting.status == "no_show"
        if hasattr(meeting, "no_show_side"):
            assert meeting.no_show_side == side
    assert delta_user is not None


def test_booth_meetings_are_not_the_meeting_zones(meetup, login_as):  # noqa: F811
    event = meetup.event
    alpha, beta, gamma = (meetup.profiles[k] for k in ("alpha", "beta", "gamma"))
    meetings.set_booth_reception(event, meetup.organizer, beta, True, "B-01")
    db.session.commit()
    at_booth = _meeting(event, alpha, beta, meetup.slots[0], meetup.organizer)
    at_table = _meeting(event, alpha, gamma, meetup.slots[1], meetup.organizer)
    assert at_booth.booth_code == "B-01" and at_booth.table_id is None
    zone = _zone(event)

    # Beta's person shows up at the meeting zone at the time of its booth meeting:
    # admitted, but no table meeting of theirs is marked.
    answer = _scan(zone, meetup.other_exhibitor, at_booth.starts_at, "meeting-201")
    assert answer["status"] == "ok" and answer["meeting"] is None
    assert db.session.scalar(select(func.count()).select_from(MeetingArrival)) == 0
    # Alpha's person during slot 0 has only the booth meeting then: nothing either.
    answer = _scan(zone, meetup.exhibitor_admin, at_booth.starts_at, "meeting-202")
    assert answer["meeting"] is None
    # The zone's list and its no-shows are the table meetings only.
    day = at_booth.starts_at.astimezone(event.tz).date()
    assert [m.id for m in meetings_link.zone_meetings(event, day)] == [at_table.id]
    after = at_table.ends_at + timedelta(hours=1)
    assert [item.meeting.id for item in meetings_link.no_shows(event, now=after)] == [at_table.id]


def _scan_at_device(client, zone, user, moment, nonce, monkeypatch):
    """A scan through the API from a set-up tablet, with the server's clock at `moment`."""
    monkeypatch.setattr(services, "utcnow", lambda: moment)
    code = badges.badge_code(badges.issue_badge(zone.event, user))
    token = services.device_token(services.create_device(zone, label="table"))
    db.session.commit()
    body = {"scan_point": zone.id, "code": code, "nonce": nonce, "scanned_at": moment.isoformat()}
    return client.post("/api/checkin/scan", json=body, headers={"X-Device-Token": token})


def test_a_meeting_cancelled_while_its_scan_runs_leaves_the_scan_answered(
    meetup,  # noqa: F811
    client,
    monkeypatch,
):
    """The organizer cancels the meeting after the scan found it and before it is
    marked attended: the scan is answered and stored, without the meeting."""
    from eventapp.meetings.models import Meeting

    event = meetup.event
    alpha, gamma = meetup.profiles["alpha"], meetup.profiles["gamma"]
    meeting = _meeting(event, alpha, gamma, meetup.slots[0], meetup.organizer)
    meeting_id, moment = meeting.id, meeting.starts_at
    zone = _zone(event)
    _scan(zone, meetup.attendee, moment, "meeting-301")  # the firm is in
    # Called while the scan picks its meeting, before it locks the meeting's row.
    found_sides = meetings_link._arrivals_of

    def cancelled_meanwhile(found):
        # As committed by the organizer's request: the scan's objects do not see it.
        db.session.execute(
            update(Meeting)
            .where(Meeting.id == meeting_id)
            .values(status="cancelled")
            .execution_options(synchronize_session=False)
        )
        monkeypatch.setattr(meetings_link, "_arrivals_of", found_sides)
        return found_sides(found)

    monkeypatch.setattr(meetings_link, "_arrivals_of", cancelled_meanwhile)
    response = _scan_at_device(
        client, zone, meetup.exhibitor_staff, moment, "meeting-302", monkeypatch
    )
    assert response.status_code == 200
    answer = response.get_json()
    assert answer["status"] == "ok" and answer["meeting"] is None
    assert answer["message_en"] and answer["message_ko"]
    db.session.remove()
    assert db.session.get(Scan, answer["scan_id"]).nonce == "meeting-302"
    assert db.session.get(Meeting, meeting_id).status == "cancelled"
    assert db.session.scalar(select(func.count()).select_from(MeetingArrival)) == 1


def test_a_meeting_moved_while_its_scan_runs_gets_no_arrival(
    meetup,  # noqa: F811
    client,
    monkeypatch,
):
    """The organizer moves the meeting to a later slot after the scan found it: the
    arrival is not recorded for a slot the person is not there for."""
    from eventapp.meetings.models import Meeting

    event = meetup.event
    alpha, gamma = meetup.profiles["alpha"], meetup.profiles["gamma"]
    meeting = _meeting(event, alpha, gamma, meetup.slots[0], meetup.organizer)
    meeting_id, moment = meeting.id, meeting.starts_at
    later = meetup.slots[1]
    assert later.starts_at > moment + meetings_link.EARLY
    later_id = later.id
    zone = _zone(event)
    # Called while the scan picks its meeting, before it locks the meeting's row.
    found_sides = meetings_link._arrivals_of

    def moved_meanwhile(found):
        db.session.execute(
            update(Meeting)
            .where(Meeting.id == meeting_id)
            .values(slot_id=later_id)
            .execution_options(synchronize_session=False)
        )
        monkeypatch.setattr(meetings_link, "_arrivals_of", found_sides)
        return found_sides(found)

    monkeypatch.setattr(meetings_link, "_arrivals_of", moved_meanwhile)
    response = _scan_at_device(
        client, zone, meetup.exhibitor_staff, moment, "meeting-305", monkeypatch
    )
    assert response.status_code == 200
    answer = response.get_json()
    assert answer["status"] == "ok" and answer["meeting"] is None
    db.session.remove()
    assert db.session.get(Meeting, meeting_id).slot_id == later_id
    assert db.session.scalar(select(func.count()).select_from(MeetingArrival)) == 0


def test_attendance_refused_by_the_meetings_package_leaves_the_scan_answered(
    meetup,  # noqa: F811
    client,
    monkeypatch,
):
    """Whatever makes the meetings package refuse to mark a meeting attended, the scan
    is answered and stored; the meeting stays as it was."""
    from eventapp.meetings.models import Meeting

    event = meetup.event
    alpha, gamma = meetup.profiles["alpha"], meetup.profiles["gamma"]
    meeting = _meeting(event, alpha, gamma, meetup.slots[0], meetup.organizer)
    meeting_id, moment = meeting.id, meeting.starts_at
    zone = _zone(event)
    _scan(zone, meetup.attendee, moment, "meeting-311")  # the firm is in

    def refuse(*args, **kwargs):
        raise meetings.MeetingError("refused")

    monkeypatch.setattr(meetings, "mark_attendance", refuse)
    response = _scan_at_device(
        client, zone, meetup.exhibitor_staff, moment, "meeting-312", monkeypatch
    )
    assert response.status_code == 200
    answer = response.get_json()
    assert answer["status"] == "ok" and answer["meeting"] is None
    db.session.remove()
    assert db.session.get(Scan, answer["scan_id"]).nonce == "meeting-312"
    assert db.session.get(Meeting, meeting_id).status == "scheduled"


def test_a_scanner_clock_a_day_ahead_does_not_attend_tomorrows_meeting(meetup):  # noqa: F811
    """The server goes by its own time when the scanner's clock runs ahead (beyond
    the tolerated skew): the fair day, and the meeting slot too. Tomorrow's meeting
    of the pair was marked attended today by such a scanner."""
    event = meetup.event
    alpha, gamma = meetup.profiles["alpha"], meetup.profiles["gamma"]
    today = meetup.slots[0]
    tomorrow = next(s for s in meetup.slots if s.starts_at - today.starts_at == timedelta(days=1))
    meeting = _meeting(event, alpha, gamma, tomorrow, meetup.organizer)
    zone = _zone(event)
    now = today.starts_at + timedelta(minutes=5)
    ahead = now + timedelta(days=1)
    first = _scan(zone, meetup.attendee, ahead, "ahead-001", now=now)
    second = _scan(zone, meetup.exhibitor_staff, ahead, "ahead-002", now=now)
    assert first["day"] == second["day"] == today.starts_at.astimezone(event.tz).date().isoformat()
    assert first["meeting"] is None and second["meeting"] is None
    db.session.refresh(meeting)
    assert meeting.status == "scheduled"
    assert db.session.scalar(select(func.count()).select_from(MeetingArrival)) == 0
    # The scan rows keep the times the scanner sent.
    assert {row.scanned_at for row in db.session.scalars(select(Scan))} == {ahead}


def test_a_meeting_cancelled_while_no_shows_are_marked_is_left_cancelled(
    meetup,  # noqa: F811
    monkeypatch,
):
    """The organizer marks the no-shows while someone cancels one of them: the
    cancelled one is skipped (was a server error that undid every mark)."""
    event = meetup.event
    alpha, beta, gamma = (meetup.profiles[k] for k in ("alpha", "beta", "gamma"))
    cancelled = _meeting(event, alpha, beta, meetup.slots[1], meetup.organizer)
    missed = _meeting(event, alpha, gamma, meetup.slots[2], meetup.organizer)
    after = missed.ends_at + meetings_link.NO_SHOW_AFTER
    listed = meetings_link.no_shows(event, now=after)
    assert {item.meeting.id for item in listed} == {cancelled.id, missed.id}
    meetings.cancel_meeting(cancelled, meetup.organizer, reason="flight delayed")
    db.session.commit()
    monkeypatch.setattr(meetings_link, "no_shows", lambda event, now=None, day=None: listed)

    assert meetings_link.mark_no_shows(event, meetup.organizer, now=after) == 1
    db.session.commit()
    db.session.refresh(cancelled)
    db.session.refresh(missed)
    assert (cancelled.status, missed.status) == ("cancelled", "no_show")


def test_a_side_scanned_while_no_shows_are_marked_is_not_overruled(
    meetup,  # noqa: F811
    monkeypatch,
):
    """The organizer marks the no-shows from a list read a moment before a late
    scan: the meeting that scan made attended stays attended, and one whose missing
    side changed is marked for the side still missing."""
    event = meetup.event
    alpha, beta, gamma = (meetup.profiles[k] for k in ("alpha", "beta", "gamma"))
    came_late = _meeting(event, alpha, beta, meetup.slots[1], meetup.organizer)
    half = _meeting(event, alpha, gamma, meetup.slots[2], meetup.organizer)
    zone = _zone(event)
    _scan(zone, meetup.other_exhibitor, came_late.starts_at, "meeting-late-1")  # beta, the firm
    after = half.ends_at + meetings_link.NO_SHOW_AFTER
    listed = meetings_link.no_shows(event, now=after)
    assert {(i.meeting.id, i.missing) for i in listed} == {
        (came_late.id, "startup"),
        (half.id, "both"),
    }
    # Scanned after the list was read: alpha's person at both tables.
    _scan(zone, meetup.exhibitor_admin, came_late.starts_at, "meeting-late-2")
    _scan(zone, meetup.exhibitor_admin, half.starts_at, "meeting-late-3")
    db.session.refresh(came_late)
    assert came_late.status == "attended"
    monkeypatch.setattr(meetings_link, "no_shows", lambda event, now=None, day=None: listed)

    assert meetings_link.mark_no_shows(event, meetup.organizer, now=after) == 1
    db.session.commit()
    db.session.refresh(came_late)
    db.session.refresh(half)
    assert came_late.status == "attended"
    assert half.status == "no_show"
    if hasattr(half, "no_show_side"):
        assert half.no_show_side == "firm"


def test_an_earlier_offline_arrival_uploaded_late_keeps_its_time(meetup):  # noqa: F811
    """One tablet was offline when the firm's person sat down at 2 past; the other
    tablet scanned them online at 10 past. The arrival is the earlier one."""
    event = meetup.event
    alpha, beta = meetup.profiles["alpha"], meetup.profiles["beta"]
    meeting = _meeting(event, alpha, beta, meetup.slots[1], meetup.organizer)
    zone = _zone(event)
    start = meeting.starts_at
    later, earlier = start + timedelta(minutes=10), start + timedelta(minutes=2)
    _scan(zone, meetup.other_exhibitor, later, "arrival-online")
    answer = _scan(
        zone, meetup.other_exhibitor, earlier, "arrival-offline", now=later, offline=True
    )
    assert answer["status"] == "ok" and answer["meeting"]["id"] == meeting.id
    [arrival] = db.session.scalars(select(MeetingArrival)).all()
    db.session.refresh(arrival)
    assert arrival.arrived_at == earlier
    # An online scan's clock running behind does not move it.
    _scan(zone, meetup.other_exhibitor, start, "arrival-behind", now=later)
    db.session.refresh(arrival)
    assert arrival.arrived_at == earlier


def test_an_arrival_known_only_to_come_after_a_time_attends_no_meeting(meetup):  # noqa: F811
    """A table tablet whose clock had gone back scanned a person; its upload only says
    the scan came after the last time it heard the server, an hour before their
    meeting. Which of their meetings that was is unknown: none is marked (the earlier
    slot's meeting used to be credited with an arrival at that hour)."""
    event = meetup.event
    alpha, gamma = meetup.profiles["alpha"], meetup.profiles["gamma"]
    meeting = _meeting(event, alpha, gamma, meetup.slots[0], meetup.organizer)
    zone = _zone(event)
    code = badges.badge_code(badges.issue_badge(event, meetup.attendee))
    db.session.commit()
    answer, _ = services.record_scan(
        services.context_for_point(zone.id),
        code=code,
        nonce="bound-001",
        scanned_at=meeting.starts_at,
        now=meeting.ends_at + timedelta(hours=3),
        offline=True,
        clock={"scan_time_refused": "clock_went_back"},
        bound=True,
    )
    db.session.commit()
    assert answer["status"] == "ok" and answer["meeting"] is None
    assert db.session.scalar(select(func.count()).select_from(MeetingArrival)) == 0
    # The same scan with a time of its own is the arrival.
    timed = _scan(zone, meetup.attendee, meeting.starts_at, "bound-002", offline=True)
    assert timed["meeting"]["id"] == meeting.id


def test_an_arrival_uploaded_after_the_no_shows_were_marked_is_kept(
    meetup,  # noqa: F811
    login_as,
):
    """The firm's person sat down at a tablet that was offline; the startup's was
    scanned online. The no-shows were marked before the tablet uploaded: its arrival
    is kept, and the meeting zone page asks the organizer to look again."""
    event = meetup.event
    alpha, gamma = meetup.profiles["alpha"], meetup.profiles["gamma"]
    meeting = _meeting(event, alpha, gamma, meetup.slots[0], meetup.organizer)
    zone = _zone(event)
    start = meeting.starts_at
    _scan(zone, meetup.exhibitor_staff, start, "meeting-online")
    after = meeting.ends_at + meetings_link.NO_SHOW_AFTER
    assert meetings_link.mark_no_shows(event, meetup.organizer, now=after) == 1
    db.session.commit()
    answer = _scan(
        zone,
        meetup.attendee,
        start + timedelta(minutes=1),
        "meeting-offline",
        now=after,
        offline=True,
    )
    assert answer["status"] == "ok" and answer["meeting"]["complete"] is True
    assert db.session.scalar(select(func.count()).select_from(MeetingArrival)) == 2
    db.session.refresh(meeting)
    assert meeting.status == "no_show"
    # The table is told the arrival counts but the no-show stands, not "attended".
    assert answer["meeting"]["status"] == "no_show"
    assert "marked as a no-show" in answer["message_en"]
    assert "attended" not in answer["message_en"]
    assert "노쇼" in answer["message_ko"]
    row = _zone_row(login_as, zone, meeting)
    # Only the firm's side came in since: the startup's scan was known when marked.
    assert 'data-contradicted="firm"' in row and "The firm was scanned since" in row


def test_a_meeting_moved_while_no_shows_are_marked_is_not_marked(
    meetup,  # noqa: F811
    monkeypatch,
):
    """The list was read, then the organizer moved one of its meetings to a later slot
    that has not started: it must not be marked "neither side came"."""
    event = meetup.event
    alpha, gamma = meetup.profiles["alpha"], meetup.profiles["gamma"]
    meeting = _meeting(event, alpha, gamma, meetup.slots[0], meetup.organizer)
    after = meeting.ends_at + meetings_link.NO_SHOW_AFTER
    listed = meetings_link.no_shows(event, now=after)
    assert [item.meeting.id for item in listed] == [meeting.id]
    later = meetup.slots[3]
    assert later.starts_at > after
    meetings.move_meeting(meeting, later, meetup.organizer, now=after)
    db.session.commit()
    monkeypatch.setattr(meetings_link, "no_shows", lambda event, now=None, day=None: listed)
    assert meetings_link.mark_no_shows(event, meetup.organizer, now=after) == 0
    db.session.commit()
    db.session.refresh(meeting)
    assert meeting.status == "scheduled"


@pytest.mark.parametrize(
    ("marked", "came", "flagged"),
    [
        ("both", set(), None),
        ("both", {"startup"}, "startup"),
        ("both", {"startup", "firm"}, "both"),
        ("firm", {"startup"}, None),
        ("firm", {"startup", "firm"}, "firm"),
        (None, {"startup"}, None),
        (None, {"startup", "firm"}, "both"),
    ],
)
def test_a_no_show_is_contradicted_by_a_side_scanned_since(marked, came, flagged):
    assert meetings_link.scanned_since(marked, came) == flagged


def test_one_side_uploaded_after_neither_came_is_flagged(meetup, login_as):  # noqa: F811
    event = meetup.event
    alpha, gamma = meetup.profiles["alpha"], meetup.profiles["gamma"]
    meeting = _meeting(event, alpha, gamma, meetup.slots[0], meetup.organizer)
    zone = _zone(event)
    after = meeting.ends_at + meetings_link.NO_SHOW_AFTER
    assert meetings_link.mark_no_shows(event, meetup.organizer, now=after) == 1
    db.session.commit()
    start = meeting.starts_at + timedelta(minutes=1)
    _scan(zone, meetup.exhibitor_staff, start, "meeting-upload-1", now=after, offline=True)
    row = _zone_row(login_as, zone, meeting)
    assert 'data-contradicted="startup"' in row and "both sides" not in row


def test_partner_without_korean_name_is_named_in_the_korean_answer(meetup):  # noqa: F811
    """An organization may have only an English name (name_ko ''): the Korean answer
    must still name the partner (badges fall back to the other language)."""
    event = meetup.event
    alpha, gamma = meetup.profiles["alpha"], meetup.profiles["gamma"]
    gamma.organization.name_ko = ""
    db.session.commit()
    meeting = _meeting(event, alpha, gamma, meetup.slots[0], meetup.organizer)
    zone = _zone(event)
    answer = _scan(zone, meetup.exhibitor_staff, meeting.starts_at, "ko-name-1")  # alpha
    assert answer["meeting"]["id"] == meeting.id
    assert answer["meeting"]["partner_ko"] == "Gamma Group"
    assert "Gamma Group" in answer["message_ko"]


def test_late_side_scanned_online_after_partner_reported_no_show_is_kept(meetup):  # noqa: F811
    """The startup reports at 2 past that the firm did not come (allowed once the
    meeting started); the firm's person arrives at 5 past and is scanned online,
    within the slot. Its arrival must not be dropped (an offline upload of the same
    scan is kept and flagged on the meeting-zone page)."""
    event = meetup.event
    alpha, gamma = meetup.profiles["alpha"], meetup.profiles["gamma"]
    meeting = _meeting(event, alpha, gamma, meetup.slots[0], meetup.organizer)
    zone = _zone(event)
    start = meeting.starts_at
    meetings.mark_attendance(
        meeting, "no_show", meetup.exhibitor_admin, profile=alpha, now=start + timedelta(minutes=2)
    )
    db.session.commit()
    assert (meeting.status, meeting.no_show_side) == ("no_show", "firm")
    answer = _scan(zone, meetup.attendee, start + timedelta(minutes=5), "late-firm-1")  # gamma
    assert answer["meeting"] is not None and answer["meeting"]["status"] == "no_show"
    assert db.session.scalar(select(func.count()).select_from(MeetingArrival)) == 1


def test_same_badge_scanned_twice_does_not_arrive_for_the_next_meeting(meetup):  # noqa: F811
    """Alpha's person comes late to the 10:00 meeting and is scanned at 10:16; the
    tablet did not beep, so staff scan the badge again ten seconds later. That
    second scan was credited as alpha's arrival for the 10:30 meeting with beta:
    beta arriving then marks that meeting attended though alpha never came."""
    event = meetup.event
    alpha, beta, gamma = (meetup.profiles[k] for k in ("alpha", "beta", "gamma"))
    first = _meeting(event, alpha, gamma, meetup.slots[0], meetup.organizer)
    second = _meeting(event, alpha, beta, meetup.slots[1], meetup.organizer)
    assert first.ends_at == second.starts_at
    zone = _zone(event)
    at = first.starts_at + timedelta(minutes=16)
    one = _scan(zone, meetup.exhibitor_staff, at, "twice-001")
    two = _scan(zone, meetup.exhibitor_staff, at + timedelta(seconds=10), "twice-002")
    assert one["meeting"]["id"] == first.id
    assert two["meeting"]["id"] == first.id
    came = meetings_link.arrivals([second])[second.id]
    assert "startup" not in came
    # Back at the zone minutes later, before the next slot: that is the next meeting.
    later = at + meetings_link.SAME_ARRIVAL + timedelta(seconds=30)
    three = _scan(zone, meetup.exhibitor_staff, later, "twice-003")
    assert three["meeting"]["id"] == second.id


def test_the_answer_says_when_the_meeting_is(meetup):  # noqa: F811
    """With back-to-back meetings at the same table the answer must say which one the
    arrival was recorded for: its time, in Seoul time, in both languages."""
    event = meetup.event
    alpha, gamma = meetup.profiles["alpha"], meetup.profiles["gamma"]
    meeting = _meeting(event, alpha, gamma, meetup.slots[1], meetup.organizer)
    zone = _zone(event)
    answer = _scan(
        zone, meetup.exhibitor_staff, meeting.starts_at - timedelta(minutes=10), "time-0001"
    )
    hours = "–".join(
        moment.astimezone(event.tz).strftime("%H:%M")
        for moment in (meeting.starts_at, meeting.ends_at)
    )
    assert answer["meeting"]["time"] == hours
    assert hours in answer["message_en"] and hours in answer["message_ko"]


def _both_scanned(meetup):  # noqa: F811
    """A table meeting in the first slot, both sides scanned at its start."""
    alpha, gamma = meetup.profiles["alpha"], meetup.profiles["gamma"]
    meeting = _meeting(meetup.event, alpha, gamma, meetup.slots[0], meetup.organizer)
    zone = _zone(meetup.event)
    _scan(zone, meetup.attendee, meeting.starts_at, f"both-{meeting.id}-firm")
    _scan(zone, meetup.exhibitor_staff, meeting.starts_at, f"both-{meeting.id}-startup")
    db.session.refresh(meeting)
    return meeting, zone


def _cells(row):
    """A meeting row's cells: slot and table, startup, firm, state (after what precedes)."""
    return re.split(r"<td[^>]*>", row)


def _zone_row(login_as, zone, meeting):
    """The meeting's row on the meeting-zone page of its day, as an organizer sees it."""
    day = meeting.starts_at.astimezone(zone.event.tz).date()
    page = login_as("organizer").get(f"/e/test-expo/checkin/points/{zone.id}/meetings?day={day}")
    return page.get_data(as_text=True).split(f'id="meeting-{meeting.id}"', 1)[1].split("</tr>")[0]


def test_a_rescan_does_not_undo_the_organizers_reset(meetup):  # noqa: F811
    """Both sides were scanned, the meeting was attended; the organizer sets it back
    to scheduled. A repeat scan of a side already in brings no new arrival and leaves
    the organizer's word standing."""
    meeting, zone = _both_scanned(meetup)
    start = meeting.starts_at
    assert meeting.status == "attended"
    meetings.mark_attendance(meeting, "scheduled", meetup.organizer, now=start)
    db.session.commit()
    _scan(zone, meetup.attendee, start + timedelta(minutes=5), "reset-003")
    db.session.refresh(meeting)
    assert meeting.status == "scheduled"
    assert db.session.scalar(select(func.count()).select_from(MeetingArrival)) == 2


def test_a_no_show_marked_after_the_scans_is_not_flagged_as_scanned_since(
    meetup,  # noqa: F811
    login_as,
):
    """Both sides were scanned; afterwards the organizer, knowing better, marks the
    firm a no-show. No scan came since: the page has nothing to flag."""
    meeting, zone = _both_scanned(meetup)
    meetings.mark_attendance(
        meeting, "no_show", meetup.organizer, now=meeting.ends_at, no_show_side="firm"
    )
    db.session.commit()
    row = _zone_row(login_as, zone, meeting)
    assert "data-contradicted" not in row


def test_a_meeting_recorded_attended_by_hand_is_not_waiting_for_the_partner(meetup):  # noqa: F811
    event = meetup.event
    alpha, gamma = meetup.profiles["alpha"], meetup.profiles["gamma"]
    meeting = _meeting(event, alpha, gamma, meetup.slots[0], meetup.organizer)
    zone = _zone(event)
    meetings.mark_attendance(meeting, "attended", meetup.organizer, now=meeting.starts_at)
    db.session.commit()
    answer = _scan(zone, meetup.attendee, meeting.starts_at + timedelta(minutes=3), "by-hand-1")
    assert answer["meeting"]["complete"] is False
    assert "marked as attended" in answer["message_en"]
    assert "not here yet" not in answer["message_en"]


def test_the_no_show_button_marks_the_days_no_shows_it_counts(
    meetup,  # noqa: F811
    login_as,
    monkeypatch,
):
    event = meetup.event
    alpha, beta, gamma = (meetup.profiles[k] for k in ("alpha", "beta", "gamma"))
    first_day = _meeting(event, alpha, gamma, meetup.slots[0], meetup.organizer)
    second_day = _meeting(event, alpha, beta, meetup.slots[5], meetup.organizer)
    zone = _zone(event)
    day_one = first_day.starts_at.astimezone(event.tz).date()
    day_two = second_day.starts_at.astimezone(event.tz).date()
    assert day_one != day_two
    after = second_day.ends_at + meetings_link.NO_SHOW_AFTER
    monkeypatch.setattr(meetings_link, "utcnow", lambda: after)

    client = login_as("organizer")
    url = f"/e/test-expo/checkin/points/{zone.id}/meetings"
    html = client.get(f"{url}?day={day_one}").get_data(as_text=True)
    # Both meetings are due no-shows, but the button speaks of the day shown (of one
    # meeting, in the singular: it said "Mark 1 no-shows").
    assert "Mark 1 no-show</button>" in html
    assert 'data-confirm="Mark 1 meeting of ' in html
    answer = client.post(url, data={"day": day_one.isoformat()})
    assert answer.status_code == 302 and f"day={day_one}" in answer.headers["Location"]
    db.session.expire_all()
    assert db.session.get(type(first_day), first_day.id).status == "no_show"
    assert db.session.get(type(second_day), second_day.id).status == "scheduled"
    assert "Mark 1 no-show</button>" in client.get(f"{url}?day={day_two}").get_data(as_text=True)


def test_a_due_meeting_not_yet_marked_is_not_shown_as_a_no_show(
    meetup,  # noqa: F811
    login_as,
    monkeypatch,
):
    event = meetup.event
    alpha, gamma = meetup.profiles["alpha"], meetup.profiles["gamma"]
    meeting = _meeting(event, alpha, gamma, meetup.slots[0], meetup.organizer)
    zone = _zone(event)
    _scan(zone, meetup.attendee, meeting.starts_at, "due-firm")
    after = meeting.ends_at + meetings_link.NO_SHOW_AFTER
    monkeypatch.setattr(meetings_link, "utcnow", lambda: after)

    row = _zone_row(login_as, zone, meeting)
    state = _cells(row)[-1]
    assert "Not yet marked" in state and "the startup did not come" in state
    assert "pill-bad" not in state and ">No-show<" not in state
    meetings_link.mark_no_shows(event, meetup.organizer, now=after)
    db.session.commit()
    state = _cells(_zone_row(login_as, zone, meeting))[-1]
    assert 'pill-bad">No-show<' in state and "Not yet marked" not in state


def test_a_no_show_marked_without_a_side_after_both_came_says_so(
    meetup,  # noqa: F811
    login_as,
):
    meeting, zone = _both_scanned(meetup)
    meetings.mark_attendance(meeting, "no_show", meetup.organizer, now=meeting.ends_at)
    db.session.commit()
    db.session.refresh(meeting)
    assert meeting.status == "no_show" and meeting.no_show_side is None
    day = meeting.starts_at.astimezone(zone.event.tz).date()
    html = (
        login_as("organizer")
        .get(f"/e/test-expo/checkin/points/{zone.id}/meetings?day={day}")
        .get_data(as_text=True)
    )
    section = html.split('id="no-shows"', 1)[1].split("</section>", 1)[0]
    assert f'data-meeting="{meeting.id}" data-missing="not_recorded"' in section
    assert "who stayed away was not recorded" in section
    assert "None" not in section
    row = _zone_row(login_as, zone, meeting)
    assert "who stayed away was not recorded" in _cells(row)[-1]


def test_organizers_are_warned_of_meeting_companies_whose_badges_the_zone_refuses(
    meetup,  # noqa: F811
    login_as,
):
    event = meetup.event
    alpha, gamma = meetup.profiles["alpha"], meetup.profiles["gamma"]
    meeting = _meeting(event, alpha, gamma, meetup.slots[0], meetup.organizer)
    startup_badge = badges.issue_badge(event, meetup.exhibitor_staff)
    firm_badge = badges.issue_badge(event, meetup.attendee)
    db.session.commit()
    assert startup_badge.category != firm_badge.category
    zone = services.create_scan_point(
        event,
        name_ko="미팅 구역",
        name_en="Meeting zone",
        kind="meeting_zone",
        allowed_categories=[firm_badge.category],
    )
    db.session.commit()
    day = meeting.starts_at.astimezone(event.tz).date()
    url = f"/e/test-expo/checkin/points/{zone.id}/meetings?day={day}"
    html = login_as("organizer").get(url).get_data(as_text=True)
    assert 'id="turned-away"' in html
    assert f"{CATEGORIES[startup_badge.category].label_en} (1)" in html
    assert CATEGORIES[firm_badge.category].label_en not in html.split('id="turned-away"')[1]
    # The scan itself answers not_allowed: the warning speaks of what happens.
    answer, _ = services.record_scan(
        services.context_for_point(zone.id),
        code=badges.badge_code(startup_badge),
        nonce="refused-startup",
        scanned_at=meeting.starts_at,
        now=meeting.starts_at,
    )
    assert answer["status"] == "not_allowed"
    db.session.rollback()

    services.update_scan_point(
        zone, allowed_categories=[firm_badge.category, startup_badge.category]
    )
    db.session.commit()
    assert 'id="turned-away"' not in login_as("organizer").get(url).get_data(as_text=True)
    # Staff scanning there are not organizers: the page has no warning for them.
    services.update_scan_point(zone, allowed_categories=[firm_badge.category])
    db.session.commit()
    assert 'id="turned-away"' not in login_as("staff").get(url).get_data(as_text=True)


def test_the_no_show_button_asks_before_marking(meetup, login_as, monkeypatch):  # noqa: F811
    event = meetup.event
    alpha, gamma = meetup.profiles["alpha"], meetup.profiles["gamma"]
    meeting = _meeting(event, alpha, gamma, meetup.slots[0], meetup.organizer)
    zone = _zone(event)
    monkeypatch.setattr(
        meetings_link, "utcnow", lambda: meeting.ends_at + meetings_link.NO_SHOW_AFTER
    )
    day = meeting.starts_at.astimezone(event.tz).date()
    html = (
        login_as("organizer")
        .get(f"/e/test-expo/checkin/points/{zone.id}/meetings?day={day}")
        .get_data(as_text=True)
    )
    form = html.split("Mark 1 no-show")[0].rsplit("<form", 1)[1]
    assert "data-confirm=" in form and "as no-show?" in form


def test_a_long_day_links_down_to_the_meetings_of_now(meetup, login_as, monkeypatch):  # noqa: F811
    event = meetup.event
    alpha, beta, gamma = (meetup.profiles[k] for k in ("alpha", "beta", "gamma"))
    early = _meeting(event, alpha, gamma, meetup.slots[0], meetup.organizer)
    later = _meeting(event, alpha, beta, meetup.slots[2], meetup.organizer)
    assert later.starts_at.date() == early.starts_at.date()
    zone = _zone(event)
    day = early.starts_at.astimezone(event.tz).date()
    url = f"/e/test-expo/checkin/points/{zone.id}/meetings?day={day}"

    def page_at(moment):
        monkeypatch.setattr(meetings_link, "utcnow", lambda: moment)
        return login_as("organizer").get(url).get_data(as_text=True)

    assert f'href="#meeting-{later.id}"' in page_at(early.ends_at + timedelta(minutes=1))
    # Before the first meeting ends, or after the last, there is nothing to jump to.
    assert "#meeting-" not in page_at(early.starts_at)
    assert "#meeting-" not in page_at(later.ends_at + timedelta(minutes=1))


@pytest.mark.browser
def test_the_days_meetings_fit_a_phone(meetup, live_server, launch_chromium):  # noqa: F811
    from tests.checkin.test_scanner_browser import _sign_in

    event = meetup.event
    alpha, beta, gamma = (meetup.profiles[k] for k in ("alpha", "beta", "gamma"))
    meeting = _meeting(event, alpha, gamma, meetup.slots[0], meetup.organizer)
    _meeting(event, alpha, beta, meetup.slots[1], meetup.organizer)
    zone = _zone(event)
    day = meeting.starts_at.astimezone(event.tz).date()
    email, meeting_id, zone_id = meetup.organizer.email, meeting.id, zone.id
    db.session.remove()
    page = (
        launch_chromium()
        .new_context(locale="ko-KR", viewport={"width": 360, "height": 640}, is_mobile=True)
        .new_page()
    )
    _sign_in(page, live_server.url, email)
    page.goto(f"{live_server.url}/e/test-expo/checkin/points/{zone_id}/meetings?day={day}")
    assert page.locator("tbody tr").count() == 2
    # Each meeting a card: nothing to swipe sideways for, and each side labelled.
    assert page_width(page) <= 360
    firm = page.locator(f"#meeting-{meeting_id} td[data-label]").nth(1)
    label = firm.evaluate("e => getComputedStyle(e, '::before').content")
    assert "기업" in label or "Firm" in label, label


@pytest.mark.parametrize("upload_late", [False, True], ids=["in time order", "uploaded late"])
def test_back_to_back_arrivals_do_not_depend_on_the_order_of_uploads(
    meetup,  # noqa: F811
    upload_late,
):
    """alpha meets gamma at 10:00 and beta at 10:30. Its first person sits down at 10:02
    (a tablet offline then), its second at 10:20 for the next meeting. Uploaded after
    the 10:20 scan, the 10:02 one takes the first meeting's arrival over, and the 10:20
    scan becomes alpha's arrival for the 10:30 meeting, as in time order."""
    event = meetup.event
    alpha, beta, gamma = (meetup.profiles[k] for k in ("alpha", "beta", "gamma"))
    first = _meeting(event, alpha, gamma, meetup.slots[0], meetup.organizer)
    second = _meeting(event, alpha, beta, meetup.slots[1], meetup.organizer)
    zone = _zone(event)
    early, later = (first.starts_at + timedelta(minutes=m) for m in (2, 20))
    if upload_late:
        _scan(zone, meetup.exhibitor_staff, later, "b-online-1")
        _scan(zone, meetup.exhibitor_admin, early, "a-offline-1", now=later, offline=True)
    else:
        _scan(zone, meetup.exhibitor_admin, early, "a-offline-1")
        _scan(zone, meetup.exhibitor_staff, later, "b-online-1")
    came = meetings_link.arrivals([first, second])
    assert came[first.id]["startup"].arrived_at == early
    assert came[second.id]["startup"].arrived_at == later
    # A second tap at the table a minute later is the same arrival, not the next one.
    _scan(
        zone,
        meetup.exhibitor_admin,
        early - timedelta(minutes=1),
        "a-second-tap",
        now=later,
        offline=True,
    )
    came = meetings_link.arrivals([first, second])
    assert came[first.id]["startup"].arrived_at == early - timedelta(minutes=1)
    assert came[second.id]["startup"].arrived_at == later


def test_a_displaced_arrival_takes_over_a_later_one_in_its_turn(meetup):  # noqa: F811
    """Live scans of alpha's people at 10:20 (counted for the 10:00 meeting, for want
    of an earlier one) and 10:40 (the 10:30 one); the 10:02 scan uploaded late makes
    10:20 the arrival for 10:30, as in time order."""
    event = meetup.event
    alpha, beta, gamma = (meetup.profiles[k] for k in ("alpha", "beta", "gamma"))
    first = _meeting(event, alpha, gamma, meetup.slots[0], meetup.organizer)
    second = _meeting(event, alpha, beta, meetup.slots[1], meetup.organizer)
    zone = _zone(event)
    early, later, latest = (first.starts_at + timedelta(minutes=m) for m in (2, 20, 40))
    _scan(zone, meetup.exhibitor_staff, later, "b-online-1")
    _scan(zone, meetup.exhibitor_admin, latest, "a-online-2")
    came = meetings_link.arrivals([first, second])
    assert came[second.id]["startup"].arrived_at == latest
    _scan(zone, meetup.exhibitor_admin, early, "a-offline-1", now=latest, offline=True)
    came = meetings_link.arrivals([first, second])
    assert came[first.id]["startup"].arrived_at == early
    assert came[second.id]["startup"].arrived_at == later


def test_the_zone_page_reads_both_companies_with_the_meetings(meetup, login_as):  # noqa: F811
    """Each row names the startup and the firm: they were read one meeting at a time,
    some 130 statements a day for the demo fair's gate staff."""
    event = meetup.event
    gamma = meetup.profiles["gamma"]
    _meeting(event, meetup.profiles["alpha"], gamma, meetup.slots[0], meetup.organizer)
    zone = _zone(event)
    day = meetup.slots[0].starts_at.astimezone(event.tz).date()
    client = login_as("staff")
    path = f"/e/test-expo/checkin/points/{zone.id}/meetings?day={day}"

    def statements():
        # As a request of its own: the commit leaves nothing the test read loaded.
        db.session.commit()
        return statements_of(lambda: client.get(path))

    _, few = statements()
    for n in (1, 2, 3):
        _user, startup = add_company(event, f"zone{n}", "startup")
        _meeting(event, startup, gamma, meetup.slots[n], meetup.organizer)
    page, many = statements()
    assert many == few
    html = page.get_data(as_text=True)
    assert all(f"Zone{n} Co" in html for n in (1, 2, 3))


@pytest.mark.browser
def test_the_desk_sees_arrivals_without_reloading(meetup, live_server, launch_chromium):  # noqa: F811
    """The meeting zone's page stays open at the desk all day: an arrival scanned at
    a table showed only once someone reloaded it."""
    from tests.checkin.test_scanner_browser import _sign_in

    event = meetup.event
    alpha, gamma = meetup.profiles["alpha"], meetup.profiles["gamma"]
    meeting = _meeting(event, alpha, gamma, meetup.slots[0], meetup.organizer)
    zone = _zone(event)
    day = meeting.starts_at.astimezone(event.tz).date()
    path = f"/e/test-expo/checkin/points/{zone.id}/meetings?day={day}&lang=en"
    email, row_id, starts_at = meetup.organizer.email, f"#meeting-{meeting.id}", meeting.starts_at
    db.session.commit()
    page = launch_chromium().new_context(locale="en-US").new_page()
    _sign_in(page, live_server.url, email)
    page.goto(live_server.url + path)
    assert page.locator(row_id).inner_text().lower().count("not arrived") == 2
    _scan(zone, meetup.attendee, starts_at, "meeting-live-1")
    db.session.remove()
    page.evaluate("window.kicxupLive.refresh()")
    assert page.locator(row_id).inner_text().lower().count("not arrived") == 1
