"""Calendar invitations queued by the meetings flow (booking, schedule-all, move,
cancel): content of the iTIP messages, read back by icalendar and vobject."""

import email
import email.policy
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from eventapp.calendar import services as calendar
from eventapp.extensions import db
from eventapp.meetings import planning
from eventapp.meetings import services as meetings
from eventapp.meetings.models import Meeting
from tests.calendar.helpers import (
    message_calendar,
    outbox,
    outbox_calendar_list,
    outbox_calendars,
    parse_calendar,
    vevent,
)
from tests.conftest import login

SEOUL = ZoneInfo("Asia/Seoul")
ALPHA_PEOPLE = {"exhibitor_admin@example.org", "exhibitor_staff@example.org"}
GAMMA_PEOPLE = {"attendee@example.org"}
EVERYBODY = ALPHA_PEOPLE | GAMMA_PEOPLE


def attendees(component):
    return {
        str(a).removeprefix("mailto:"): {k: str(v) for k, v in a.params.items()}
        for a in component.attendees
    }


def updates_of(meeting, first):
    """{recipient: (mail, VEVENT, vobject)} of the update each person of both sides got:
    a REQUEST that a calendar matches to `first`, the first invitation (same UID, the
    sequence one higher)."""
    updates = outbox_calendars("meeting_moved")
    assert set(updates) == EVERYBODY
    found = {}
    for recipient, (message, method, parsed, other) in updates.items():
        assert method == "REQUEST"
        event = vevent(parsed)
        assert str(event["UID"]) == str(first["UID"]) == meeting.uid
        assert event["SEQUENCE"] == 1 > first["SEQUENCE"]
        found[recipient] = (message, event, other)
    return found


def test_booking_queues_one_invitation_per_person_of_both_sides(meetup):
    meeting = meetup.schedule(code="D1-1000")
    invites = outbox_calendars("meeting_scheduled")
    assert set(invites) == EVERYBODY
    slot = meetup.slots["D1-1000"]
    for recipient, (message, method, parsed, other) in invites.items():
        assert method == "REQUEST"
        assert message["To"] == recipient
        event = vevent(parsed)
        # Stable UID of the meeting, first SEQUENCE.
        assert str(event["UID"]) == meeting.uid
        assert event["SEQUENCE"] == 0
        assert event["STATUS"] == "CONFIRMED"
        # DTSTART/DTEND in Seoul with a TZID, and the matching VTIMEZONE.
        assert event["DTSTART"].params["TZID"] == "Asia/Seoul"
        assert event["DTEND"].params["TZID"] == "Asia/Seoul"
        assert event.start == slot.starts_at and event.end == slot.ends_at
        assert event.start.astimezone(SEOUL).strftime("%H:%M") == "10:00"
        assert [str(tz["TZID"]) for tz in parsed.walk("VTIMEZONE")] == ["Asia/Seoul"]
        assert parsed.get_missing_tzids() == set()
        assert event["DTSTAMP"].dt.utcoffset().total_seconds() == 0
        assert "DTSTAMP:" in parsed.to_ical().decode() and event["DTSTAMP"].to_ical().endswith(b"Z")
        # The event's address organizes; both organizations' people attend.
        assert str(event["ORGANIZER"]) == "mailto:expo@example.org"
        assert str(event["ORGANIZER"].params["CN"]) == "Test Expo"
        people = attendees(event)
        assert set(people) == EVERYBODY
        assert all(p["RSVP"] == "FALSE" and p["CUTYPE"] == "INDIVIDUAL" for p in people.values())
        # Who sent the request and who accepted it are required and have accepted.
        for key in ("exhibitor_admin@example.org", "attendee@example.org"):
            assert people[key]["ROLE"] == "REQ-PARTICIPANT"
            assert people[key]["PARTSTAT"] == "ACCEPTED"
        assert people["exhibitor_staff@example.org"]["ROLE"] == "OPT-PARTICIPANT"
        assert people["exhibitor_staff@example.org"]["PARTSTAT"] == "NEEDS-ACTION"
        assert str(event["LOCATION"]) == f"Table {meeting.table.code}, Hall A meeting zone"
        description = str(event["DESCRIPTION"])
        assert "http://testserver/e/test-expo/meetings/agenda" in description
        assert "Time: 2025-09-17 10:00–10:30 (Asia/Seoul)" in description
        # The independent parser reads the same invitation.
        assert other.vevent.uid.value == meeting.uid
        assert other.vevent.organizer.value == "mailto:expo@example.org"
        assert {a.value.removeprefix("mailto:") for a in other.vevent.attendee_list} == EVERYBODY
        assert other.vevent.dtstart.value == slot.starts_at
        assert other.vtimezone.tzid.value == "Asia/Seoul"
    # Summary and description name the partner, seen from each side.
    staff_event = vevent(invites["exhibitor_staff@example.org"][2])
    assert str(staff_event["SUMMARY"]) == "Meeting with Gamma Group"
    assert "Partner: Gamma Group" in str(staff_event["DESCRIPTION"])
    assert "Partner contacts: Attendee" in str(staff_event["DESCRIPTION"])
    gamma_event = vevent(invites["attendee@example.org"][2])
    assert str(gamma_event["SUMMARY"]) == "Meeting with Alpha Robotics"
    assert "Partner contacts: Exhibitor_Admin, Exhibitor_Staff" in str(gamma_event["DESCRIPTION"])
    subject = invites["attendee@example.org"][0]["Subject"]
    assert subject == "Invitation: meeting with Alpha Robotics, 2025-09-17 10:00–10:30"


def _mails_of(change, *, meetings_only=False):
    """{recipient: (message, method, icalendar Calendar)} of every mail `change` queues,
    whatever its kind (`meetings_only`: not the team's own mails, such as the invitation
    to join); fails when a person gets more than one."""
    before = {row.id for row in outbox()}
    change()
    found = {}
    for row in outbox():
        if row.id in before or (meetings_only and not row.kind.startswith("meeting_")):
            continue
        assert row.recipient not in found, f"two mails to {row.recipient}"
        message = email.message_from_bytes(row.raw, policy=email.policy.default)
        method, parsed, _other = message_calendar(message)
        found[row.recipient] = (message, method, parsed)
    return found


def test_each_change_sends_each_person_one_mail_with_text_and_invitation(meetup):
    meeting = None

    def book():
        nonlocal meeting
        meeting = meetup.schedule(code="D1-1000")

    booked = _mails_of(book)
    assert set(booked) == EVERYBODY
    for message, method, parsed in booked.values():
        text = message.get_body(("plain",)).get_content()
        assert "is scheduled" in text and "Time: 2025-09-17 10:00–10:30 (Asia/Seoul)" in text
        assert "The calendar invitation is attached." in text
        assert method == "REQUEST" and str(parsed["METHOD"]) == "REQUEST"
        assert str(vevent(parsed)["UID"]) == meeting.uid and vevent(parsed)["SEQUENCE"] == 0

    def move():
        meetings.move_meeting(meeting, meetup.slots["D2-1100"], meetup.organizer)
        db.session.commit()

    moved = _mails_of(move)
    assert set(moved) == EVERYBODY
    for message, method, parsed in moved.values():
        text = message.get_body(("plain",)).get_content()
        assert "The organizer moved" in text and "Time: 2025-09-18 11:00–11:30" in text
        assert method == "REQUEST"
        assert str(vevent(parsed)["UID"]) == meeting.uid and vevent(parsed)["SEQUENCE"] == 1

    def cancel():
        meetings.cancel_meeting(meeting, meetup.attendee, profile=meetup.gamma, reason="Ill")
        db.session.commit()

    cancelled = _mails_of(cancel)
    assert set(cancelled) == EVERYBODY
    for recipient, (message, method, parsed) in cancelled.items():
        text = message.get_body(("plain",)).get_content()
        assert "Gamma Group cancelled its meeting with Alpha Robotics" in text, recipient
        assert "Reason: Ill" in text
        assert method == "CANCEL" and str(parsed["METHOD"]) == "CANCEL"
        assert str(vevent(parsed)["UID"]) == meeting.uid and vevent(parsed)["SEQUENCE"] == 2


def test_the_mail_of_an_agreed_time_says_so(meetup):
    meeting = meetup.schedule(code="D1-1000")
    proposal = meetings.propose_time(
        meeting, meetup.slots["D1-1130"], meetup.alpha, meetup.exhibitor_admin
    )
    db.session.commit()

    def accept():
        meetings.accept_time_proposal(proposal, meetup.gamma, meetup.attendee)
        db.session.commit()

    moved = _mails_of(accept)
    assert set(moved) == EVERYBODY
    text = moved["attendee@example.org"][0].get_body(("plain",)).get_content()
    assert "Gamma Group and Alpha Robotics agreed on another time" in text
    assert "Time: 2025-09-17 11:30–12:00" in text


def test_an_organizer_cancelling_is_named_in_the_mail(meetup):
    meeting = meetup.schedule(code="D1-1000")

    def cancel():
        meetings.cancel_meeting(meeting, meetup.organizer, reason="Hall closed")
        db.session.commit()

    cancelled = _mails_of(cancel)
    assert set(cancelled) == EVERYBODY
    text = cancelled["exhibitor_staff@example.org"][0].get_body(("plain",)).get_content()
    assert "The organizer cancelled the meeting of Alpha Robotics with Gamma Group" in text


def test_move_sends_update_with_same_uid_and_higher_sequence(meetup):
    meeting = meetup.schedule(code="D1-1000")
    first = vevent(outbox_calendars("meeting_scheduled")["attendee@example.org"][2])
    target = meetup.slots["D2-1100"]
    meetings.move_meeting(meeting, target, meetup.organizer)
    db.session.commit()
    updates = updates_of(meeting, first)
    for _message, event, other in updates.values():
        assert event.start == target.starts_at != first.start
        assert event.start.astimezone(SEOUL) == datetime(2025, 9, 18, 11, 0, tzinfo=SEOUL)
        assert int(other.vevent.sequence.value) == 1
    assert "2025-09-18 11:00" in updates["attendee@example.org"][0]["Subject"]
    # A second move raises the sequence again.
    meetings.move_meeting(meeting, meetup.slots["D2-1130"], meetup.organizer)
    db.session.commit()
    sequences = sorted(vevent(c[2])["SEQUENCE"] for c in outbox_calendar_list("meeting_moved"))
    assert sequences == [1, 1, 1, 2, 2, 2]


def test_tables_moving_to_another_hall_update_the_calendars_of_their_meetings(meetup):
    meeting = meetup.schedule(code="D1-1000")
    first = vevent(outbox_calendars("meeting_scheduled")["attendee@example.org"][2])
    assert "Hall A" in str(first["LOCATION"])
    meetings.save_settings(
        meetup.event, meetup.organizer, table_label="Hall C meeting zone", table_label_en=""
    )
    db.session.commit()
    for message, event, _other in updates_of(meeting, first).values():
        assert event.start == first.start
        assert str(event["LOCATION"]).startswith("Table T01, Hall C meeting zone")
        text = message.get_body(("plain",)).get_content()
        assert "The meeting tables of the global meetup of Test Expo have moved." in text
        assert "Hall C meeting zone" in text
    # Saved again with the same zone (give or take a space), nothing has moved.
    meetings.save_settings(meetup.event, meetup.organizer, table_label=" Hall C  meeting zone")
    db.session.commit()
    assert len(outbox("meeting_moved")) == len(EVERYBODY)


@pytest.mark.parametrize("place", ["table", "booth"])
def test_a_new_venue_updates_the_calendars_of_the_meetings_to_come(meetup, place):
    """The venue is in every meeting's LOCATION, after the table or the booth: saved
    anew in the event's settings, it left the invitations sent with the old one."""
    from eventapp.events import services as events

    if place == "booth":
        meetings.set_booth_reception(meetup.event, meetup.organizer, meetup.gamma, True, "A-03")
        db.session.commit()
    meeting = meetup.schedule(code="D1-1000")
    first = vevent(outbox_calendars("meeting_scheduled")["attendee@example.org"][2])
    before = str(first["LOCATION"])
    assert "COEX" not in before

    def save(**values):
        result = events.update_event(meetup.event, values, events.details_version(meetup.event))
        db.session.commit()
        return result

    _event, changed, told = save(venue_en="COEX", city="Seoul")
    assert changed == ["city", "venue_en"] and told == 1
    for message, event, _other in updates_of(meeting, first).values():
        assert event.start == first.start
        assert str(event["LOCATION"]) == f"{before} — COEX, Seoul"
        text = message.get_body(("plain",)).get_content()
        assert "The venue of Test Expo has changed." in text
        assert f"Place: {before} — COEX, Seoul" in text
    # Saved again in other case and spacing, the venue is the same.
    _event, changed, told = save(venue_en="coex", city="SEOUL")
    assert changed == ["city", "venue_en"] and told == 0
    assert len(outbox("meeting_moved")) == len(EVERYBODY)
    # Other details tell nobody either.
    assert save(name_en="Test Expo 2025")[2] == 0
    assert len(outbox("meeting_moved")) == len(EVERYBODY)


def test_updates_and_cancellation_keep_the_organizer_of_the_first_invitation(meetup):
    """Calendars match an update or a cancellation to the invitation by its UID and its
    organizer: one from another organizer is not the invitation's to change."""
    meeting = meetup.schedule(code="D1-1000")
    first = vevent(outbox_calendars("meeting_scheduled")["attendee@example.org"][2])
    assert str(first["ORGANIZER"]) == "mailto:expo@example.org"
    meetup.event.contact_email = "meetup-desk@example.org"
    db.session.commit()
    meetings.move_meeting(meeting, meetup.slots["D2-1100"], meetup.organizer)
    db.session.commit()
    for _message, event, _other in updates_of(meeting, first).values():
        assert str(event["ORGANIZER"]) == "mailto:expo@example.org"
    meetings.cancel_meeting(meeting, meetup.organizer, reason="Moved online")
    db.session.commit()
    cancels = outbox_calendars("meeting_cancelled")
    assert set(cancels) == EVERYBODY
    for _message, _method, parsed, _other in cancels.values():
        assert str(vevent(parsed)["ORGANIZER"]) == "mailto:expo@example.org"
    # A meeting invited after the change names the event's new address.
    second = meetings.send_request(
        meetup.event, meetup.alpha, meetup.beta, meetup.exhibitor_admin, ""
    )
    meetings.accept_request(second, meetup.beta, meetup.other_exhibitor)
    db.session.commit()
    later = meetup.schedule(second, code="D1-1030")
    invites = [
        c for c in outbox_calendar_list("meeting_scheduled") if vevent(c[2])["UID"] == later.uid
    ]
    assert invites
    for _message, _method, parsed, _other in invites:
        assert str(vevent(parsed)["ORGANIZER"]) == "mailto:meetup-desk@example.org"


def test_cancellation_sends_cancel_to_both_sides(meetup):
    meeting = meetup.schedule(code="D1-1030")
    meetings.cancel_meeting(
        meeting, meetup.exhibitor_admin, profile=meetup.alpha, reason="Flight delayed"
    )
    db.session.commit()
    cancels = outbox_calendars("meeting_cancelled")
    # The side that cancelled gets the CANCEL too: the meeting is in its calendars.
    assert set(cancels) == EVERYBODY
    for message, method, parsed, other in cancels.values():
        assert method == "CANCEL"
        assert str(parsed["METHOD"]) == "CANCEL"
        event = vevent(parsed)
        assert str(event["UID"]) == meeting.uid
        assert event["STATUS"] == "CANCELLED"
        assert event["SEQUENCE"] == 1
        assert not list(event.walk("VALARM"))
        assert other.vevent.status.value == "CANCELLED"
        assert message.get_body(("plain",)).get_content().count("Flight delayed") == 1
        assert any(p.get_filename() == "cancel.ics" for p in message.walk())


def test_invitations_speak_the_recipients_language(meetup):
    meetup.attendee.locale = "ko"
    db.session.commit()
    meetup.schedule()
    invites = outbox_calendars("meeting_scheduled")
    korean = vevent(invites["attendee@example.org"][2])
    assert "알파로보틱스" in str(korean["SUMMARY"])
    assert "exhibitor_admin 님" in str(korean["DESCRIPTION"])
    assert "알파로보틱스" in invites["attendee@example.org"][0]["Subject"]
    english = vevent(invites["exhibitor_admin@example.org"][2])
    assert "Gamma Group" in str(english["SUMMARY"])


def test_meeting_at_the_firms_booth_names_booth_and_hall(meetup):
    meetings.set_booth_reception(meetup.event, meetup.organizer, meetup.gamma, True, "A-03")
    db.session.commit()
    meeting = meetup.schedule()
    assert meeting.booth_code == "A-03" and meeting.table is None
    event = vevent(outbox_calendars("meeting_scheduled")["attendee@example.org"][2])
    assert str(event["LOCATION"]) == "Booth A-03, Hall A"


def test_a_booth_imported_again_in_another_case_is_still_named_with_its_hall(meetup):
    from eventapp.booths.models import Booth

    meetings.set_booth_reception(meetup.event, meetup.organizer, meetup.gamma, True, "A-03")
    db.session.commit()
    meeting = meetup.schedule()
    first = vevent(outbox_calendars("meeting_scheduled")["attendee@example.org"][2])
    booth = db.session.scalar(
        select(Booth).where(Booth.event_id == meetup.event.id, Booth.code == "A-03")
    )
    booth.code = "a-03"  # as the floor plan's import keeps a booth whose code changed case
    db.session.commit()
    meetings.move_meeting(meeting, meetup.slots["D1-1030"], meetup.organizer)
    db.session.commit()
    for message, event, _other in updates_of(meeting, first).values():
        assert str(event["LOCATION"]) == "Booth A-03, Hall A"
        text = message.get_body(("plain",)).get_content()
        assert "Place: Booth A-03, Hall A\r\n" in text


def test_schedule_all_plan_sends_invitations(meetup):
    second = meetings.send_request(
        meetup.event, meetup.alpha, meetup.beta, meetup.exhibitor_admin, ""
    )
    meetings.accept_request(second, meetup.beta, meetup.other_exhibitor)
    db.session.commit()
    # The test event lies in the past: plan as if it were before the fair.
    before = datetime(2025, 9, 1, tzinfo=UTC)
    plan = planning.run_plan(meetup.event, meetup.organizer, now=before, time_limit=5, workers=1)
    db.session.commit()
    created = planning.apply_plan(plan, meetup.organizer)
    db.session.commit()
    assert len(created) == 2
    rows = outbox("meeting_scheduled")
    # alpha's two people get both meetings, gamma's and beta's one person one each.
    assert len(rows) == 2 * 2 + 1 + 1
    uids = {vevent(c[2])["UID"] for c in outbox_calendar_list("meeting_scheduled")}
    assert uids == {m.uid for m in created}


def test_no_invitation_when_the_caller_asks_for_no_mail(meetup):
    meetup.schedule(notify=False)
    assert outbox("meeting_scheduled") == []


def test_invitations_roll_back_with_the_booking(meetup):
    meetings.book(meetup.request, meetup.slots["D1-1000"], meetup.organizer, via="organizer")
    assert len(outbox("meeting_scheduled")) == 3  # queued in the caller's transaction
    db.session.rollback()
    assert outbox("meeting_scheduled") == []
    assert db.session.scalar(db.select(Meeting)) is None


def test_participant_cancelling_on_the_meetings_page_queues_cancel(meetup, client):
    meeting = meetup.schedule()
    login(client, meetup.attendee)
    response = client.post(f"/e/test-expo/meetings/m/{meeting.id}/cancel", data={"reason": "Sorry"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).status == "cancelled"
    assert set(outbox_calendars("meeting_cancelled")) == EVERYBODY


def test_organizer_moving_on_the_grid_queues_update(meetup, client):
    meeting = meetup.schedule()
    login(client, meetup.organizer)
    target = meetup.slots["D1-1130"]
    response = client.post(
        f"/e/test-expo/meetings/manage/m/{meeting.id}/move",
        data={"slot_id": target.id, "table_id": 0},
    )
    assert response.status_code == 302
    updates = outbox_calendars("meeting_moved")
    assert set(updates) == EVERYBODY
    assert {vevent(parsed)["SEQUENCE"] for _m, _method, parsed, _v in updates.values()} == {1}


def test_invite_can_be_switched_off(meetup, app):
    """Without invitations the people still get their one mail, the text alone."""
    app.config["CALENDAR_INVITES"] = False
    try:
        meetup.schedule()
    finally:
        app.config.pop("CALENDAR_INVITES")
    rows = outbox("meeting_scheduled")
    assert sorted(row.recipient for row in rows) == sorted(EVERYBODY)
    for row in rows:
        message = email.message_from_bytes(row.raw, policy=email.policy.default)
        assert [part.get_content_type() for part in message.walk()] == ["text/plain"]
        text = message.get_content()
        assert "Time: 2025-09-17 10:00–10:30 (Asia/Seoul)" in text
        assert "attached" not in text and "invitation" not in text


def test_meeting_download_is_a_publish_calendar_without_attendees(meetup):
    meeting = meetup.schedule()
    data = calendar.meeting_calendar(meeting, "en", meetup.gamma)
    parsed, other = parse_calendar(data)
    assert str(parsed["METHOD"]) == "PUBLISH"
    event = vevent(parsed)
    assert str(event["UID"]) == meeting.uid
    assert "ATTENDEE" not in event  # RFC 5546: PUBLISH carries no attendees
    assert str(event["ORGANIZER"]) == "mailto:expo@example.org"
    assert str(event["SUMMARY"]) == "Meeting with Alpha Robotics"
    # Seen by an organizer: both organizations.
    neutral = vevent(parse_calendar(calendar.meeting_calendar(meeting, "en"))[0])
    assert str(neutral["SUMMARY"]) == "Meeting: Alpha Robotics – Gamma Group"


@pytest.mark.parametrize("method", ["PUBLISH", "REFRESH"])
def test_invite_calendar_refuses_other_methods(meetup, method):
    meeting = meetup.schedule(notify=False)
    with pytest.raises(ValueError):
        calendar.invite_calendar(meeting, method, "en", viewer=meetup.alpha, attendees=[])


def test_korean_invitations_write_the_particle_as_the_mails_do(meetup):
    """Invitations wrote "알파로보틱스와(과)" where the meetup's mails write
    "과(와)" for the same thing (a meeting with a company): one way everywhere."""
    meetup.attendee.locale = "ko"
    db.session.commit()
    meeting = meetup.schedule()
    meetings.move_meeting(meeting, meetup.slots["D1-1030"], meetup.organizer)
    db.session.commit()
    meetings.cancel_meeting(meeting, meetup.organizer)
    db.session.commit()
    for kind in ("meeting_scheduled", "meeting_moved", "meeting_cancelled"):
        message, _method, parsed, _other = outbox_calendars(kind)["attendee@example.org"]
        event = vevent(parsed)
        texts = [
            message["Subject"],
            message.get_body(("plain",)).get_content(),
            str(event["SUMMARY"]),
            str(event.get("DESCRIPTION", "")),
        ]
        assert "알파로보틱스와" in message["Subject"], kind
        # Written "과(와)" in the catalog, the particle fits the name once it is in.
        assert not [text for text in texts if "와(과)" in text or "과(와)" in text], kind


def _remove_staff(meetup):
    from eventapp.exhibitors import services as exhibitors

    exhibitors.remove_member(meetup.exhibitors["alpha"], meetup.exhibitor_staff.id)
    db.session.commit()


def test_a_person_leaving_the_team_gets_its_meetings_off_their_calendar(meetup):
    """They kept every invitation of the company's meetings, and were told of no
    change after leaving: the calendar showed meetings they no longer attend."""
    meeting = meetup.schedule(code="D1-1000")
    left = _mails_of(lambda: _remove_staff(meetup))
    assert set(left) == EVERYBODY
    message, method, parsed = left["exhibitor_staff@example.org"]
    assert method == "CANCEL"
    event = vevent(parsed)
    assert str(event["UID"]) == meeting.uid and event["STATUS"] == "CANCELLED"
    assert event["SEQUENCE"] == meeting.sequence
    assert message["Subject"] == (
        "Off your calendar: meeting with Gamma Group, 2025-09-17 10:00–10:30"
    )
    text = message.get_body(("plain",)).get_content()
    assert "You are no longer on the team of Alpha Robotics at Test Expo" in text
    assert "The meeting itself goes on." in text
    assert "The attached cancellation removes it from your calendar." in text
    assert "agenda" not in text  # no longer theirs to open
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).status == "scheduled"
    # Later changes reach the team as it is now.
    cancelled = _mails_of(
        lambda: (meetings.cancel_meeting(meeting, meetup.organizer), db.session.commit())
    )
    assert set(cancelled) == EVERYBODY - {"exhibitor_staff@example.org"}


def test_the_others_calendars_stop_listing_a_person_who_left_the_team(meetup):
    """The leaver's calendar lost the meeting, but both sides' copies still listed them
    as an ATTENDEE: the partner expected somebody who no longer comes."""
    meetup.attendee.locale = "ko"
    db.session.commit()
    meeting = meetup.schedule(code="D1-1000")
    first = vevent(outbox_calendars("meeting_scheduled")["attendee@example.org"][2])
    left = _mails_of(lambda: _remove_staff(meetup))
    staying = EVERYBODY - {"exhibitor_staff@example.org"}
    assert {row.recipient for row in outbox("meeting_team_changed")} == staying
    event = _assert_attendees_now(left, meeting, first, staying)
    # Each in their own language.
    text = left["exhibitor_admin@example.org"][0].get_body(("plain",)).get_content()
    assert "Exhibitor_Staff is no longer on the team of Alpha Robotics." in text
    assert "The attached update replaces the earlier invitation in your calendar." in text
    korean = left["attendee@example.org"][0]
    assert "알파로보틱스" in korean.get_body(("plain",)).get_content()
    assert "exhibitor_staff 님" in korean.get_body(("plain",)).get_content()
    # The leaver's cancellation carries the raised sequence too.
    assert vevent(left["exhibitor_staff@example.org"][2])["SEQUENCE"] == event["SEQUENCE"]


def _assert_attendees_now(mails, meeting, first, people):
    """Each of `people` got an update of `first` (the same meeting at the same time,
    the sequence one higher) listing them as who attends. Returns one such VEVENT."""
    for recipient in people:
        _message, method, parsed = mails[recipient]
        event = vevent(parsed)
        assert method == "REQUEST" and str(event["UID"]) == meeting.uid
        assert event["SEQUENCE"] == first["SEQUENCE"] + 1
        assert event.start == first.start and event["STATUS"] == "CONFIRMED"
        assert set(attendees(event)) == people
    return event


def test_a_move_while_a_person_leaves_the_team_keeps_the_sequences_apart(app, meetup):
    """An organizer moves a meeting while a company admin takes a colleague off the
    team: both raised the sequence they had read, one update then carried no higher
    sequence than the other, and calendars kept whichever came first."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs one writing transaction at a time: the race cannot happen there")
    from eventapp.accounts.models import User
    from eventapp.meetings.models import MeetingSlot
    from tests.meetings.conftest import uncommitted_elsewhere

    meeting_id = meetup.schedule(code="D1-1000").id
    slot_id, organizer_id = meetup.slots["D2-1100"].id, meetup.organizer.id

    def move():
        meetings.move_meeting(
            db.session.get(Meeting, meeting_id),
            db.session.get(MeetingSlot, slot_id),
            db.session.get(User, organizer_id),
        )

    with uncommitted_elsewhere(app, move):
        _remove_staff(meetup)
    db.session.expire_all()
    assert db.session.get(Meeting, meeting_id).sequence == 2
    updates = [vevent(c[2])["SEQUENCE"] for c in outbox_calendar_list("meeting_team_changed")]
    assert updates == [2] * len(EVERYBODY - {"exhibitor_staff@example.org"})


@pytest.fixture
def team_open(monkeypatch, before_the_fair):
    """The fair not over yet, for the team's changes (the meetup's clock alone is
    moved back by `before_the_fair`)."""
    from eventapp.events import models

    monkeypatch.setattr(models, "utcnow", lambda: before_the_fair)


def test_a_newcomer_to_the_team_gets_the_invitations_of_the_meetings_to_come(meetup, team_open):
    """A person added to the company's team got no invitation for the meetings it had
    already: they attend, but their calendar did not know of them."""
    from eventapp.exhibitors import services as exhibitors

    meeting = meetup.schedule(code="D1-1000")
    second = meetings.send_request(
        meetup.event, meetup.alpha, meetup.beta, meetup.exhibitor_admin, ""
    )
    meetings.accept_request(second, meetup.beta, meetup.other_exhibitor)
    meetings.cancel_meeting(meetup.schedule(second, code="D2-1100"), meetup.organizer)
    db.session.commit()
    first = vevent(outbox_calendar_list("meeting_scheduled")[0][2])
    assert str(first["UID"]) == meeting.uid

    def add():
        exhibitors.add_member(
            meetup.exhibitors["alpha"], "newcomer@example.org", name="Newcomer", locale="ko"
        )

    joined = _mails_of(add, meetings_only=True)
    newcomer = "newcomer@example.org"
    everybody = EVERYBODY | {newcomer}
    # Their invitation (one: the cancelled meeting is none of theirs), in Korean, and
    # everybody else's update, all listing who attends now.
    assert {row.recipient for row in outbox("meeting_joined")} == {newcomer}
    assert {row.recipient for row in outbox("meeting_team_changed")} == EVERYBODY
    _assert_attendees_now(joined, meeting, first, everybody)
    assert attendees(vevent(joined[newcomer][2]))[newcomer]["ROLE"] == "OPT-PARTICIPANT"
    text = joined[newcomer][0].get_body(("plain",)).get_content()
    assert "알파로보틱스" in text and "감마그룹" in text
    assert joined[newcomer][0]["Subject"].startswith("초대")
    text = joined["attendee@example.org"][0].get_body(("plain",)).get_content()
    assert "Newcomer joined the team of Alpha Robotics" in text


def test_an_account_accepting_the_team_invitation_gets_the_invitations(meetup, team_open):
    from eventapp.exhibitors import services as exhibitors

    meeting = meetup.schedule(code="D1-1000")
    alpha = meetup.exhibitors["alpha"]
    # Invited, not joined yet: no invitation of a meeting.
    assert (
        _mails_of(lambda: exhibitors.add_member(alpha, meetup.outsider.email), meetings_only=True)
        == {}
    )
    (invitation,) = exhibitors.pending_invitations(alpha)
    joined = _mails_of(
        lambda: exhibitors.accept_invitation(invitation.id, meetup.outsider), meetings_only=True
    )
    assert set(joined) == EVERYBODY | {"outsider@example.org"}
    message, method, parsed = joined["outsider@example.org"]
    assert method == "REQUEST" and str(vevent(parsed)["UID"]) == meeting.uid
    assert message["Subject"] == "Invitation: meeting with Gamma Group, 2025-09-17 10:00–10:30"
    text = message.get_body(("plain",)).get_content()
    assert "You are now on the team of Alpha Robotics at Test Expo" in text
    assert "The calendar invitation is attached." in text


def test_a_person_already_acting_for_the_company_is_not_invited_again(meetup, team_open):
    """An attendee of the company acts for it in the meetup: joining its team, they
    have its meetings in their calendar already, and nobody's attendees change."""
    from eventapp.events.services import grant_role
    from eventapp.exhibitors import services as exhibitors

    outsider = meetup.outsider
    outsider.organization = meetup.companies["alpha"]
    grant_role(meetup.event, outsider, "attendee", organization=outsider.organization)
    db.session.commit()
    meeting = meetup.schedule(code="D1-1000")
    assert "outsider@example.org" in {row.recipient for row in outbox("meeting_scheduled")}
    alpha = meetup.exhibitors["alpha"]
    exhibitors.add_member(alpha, outsider.email)
    (invitation,) = exhibitors.pending_invitations(alpha)
    assert (
        _mails_of(lambda: exhibitors.accept_invitation(invitation.id, outsider), meetings_only=True)
        == {}
    )
    assert db.session.get(Meeting, meeting.id).sequence == 0


def _import(event, rows):
    from eventapp.exhibitors import importer
    from tests.exhibitors.test_import import csv_bytes

    plan = importer.prepare(event, "x.csv", csv_bytes(rows))
    assert plan.ok, plan.problems
    return importer.apply(event, plan, "approved")


def _import_row(name_ko, name_en, email, name=""):
    from tests.exhibitors.test_import import row

    return row(
        name_ko=name_ko,
        name_en=name_en,
        avoid="",
        wishes="",
        corner="",
        contact_email=email,
        contact_name=name,
    )


GAMMA_ADMIN = "gamma.admin@example.org"


def test_a_contact_the_import_makes_for_a_company_with_meetings_gets_their_invitations(
    meetup, team_open
):
    """The organizers import the company an attendee takes part in the meetup for,
    naming a contact new to the platform: made its company admin, they attend its
    meetings, but their calendar did not know of them, nor did the partner's list them."""
    meeting = meetup.schedule(code="D1-1000")
    first = vevent(outbox_calendar_list("meeting_scheduled")[0][2])
    rows = [
        _import_row("델타인공지능", "Delta AI", "delta@example.org", "김델타"),
        _import_row("감마그룹", "Gamma Group", GAMMA_ADMIN, "Gamma Admin"),
    ]
    joined = _mails_of(lambda: _import(meetup.event, rows), meetings_only=True)
    everybody = EVERYBODY | {GAMMA_ADMIN}
    assert {row.recipient for row in outbox("meeting_joined")} == {GAMMA_ADMIN}
    assert {row.recipient for row in outbox("meeting_team_changed")} == EVERYBODY
    _assert_attendees_now(joined, meeting, first, everybody)
    text = joined[GAMMA_ADMIN][0].get_body(("plain",)).get_content()
    assert "알파로보틱스" in text  # a Korean company's contact reads Korean
    text = joined["exhibitor_admin@example.org"][0].get_body(("plain",)).get_content()
    assert "Gamma Admin joined the team of Gamma Group" in text


def test_an_import_of_companies_without_meetings_sends_no_meeting_mail(meetup, team_open):
    """Gamma's request is accepted, not booked: there is nothing to invite anybody to."""
    rows = [
        _import_row("델타인공지능", "Delta AI", "delta@example.org", "김델타"),
        _import_row("감마그룹", "Gamma Group", GAMMA_ADMIN, "Gamma Admin"),
    ]
    assert _mails_of(lambda: _import(meetup.event, rows), meetings_only=True) == {}
    assert {row.recipient for row in outbox("exhibitor_member")} == {
        "delta@example.org",
        GAMMA_ADMIN,
    }


def test_an_import_that_fails_takes_back_the_invitations_of_its_newcomers(meetup, team_open):
    """One transaction: a row that cannot be written after the newcomer's invitations
    were queued takes them back, with the raised sequence."""
    from eventapp.events.services import grant_role
    from eventapp.exhibitors.services import ExhibitorError

    meeting = meetup.schedule(code="D1-1000")
    rows = [
        _import_row("감마그룹", "Gamma Group", GAMMA_ADMIN, "Gamma Admin"),
        _import_row("델타인공지능", "Delta AI", meetup.outsider.email),
    ]
    queued = len(outbox())
    # The existing contact joins Beta's team between the check and the writing.
    beta = meetup.exhibitors["beta"]

    def conflicting_import():
        from eventapp.exhibitors import importer
        from tests.exhibitors.test_import import csv_bytes

        plan = importer.prepare(meetup.event, "x.csv", csv_bytes(rows))
        assert plan.ok, plan.problems
        grant_role(meetup.event, meetup.outsider, "exhibitor_staff", beta.organization)
        importer.apply(meetup.event, plan, "approved")

    with pytest.raises(ExhibitorError, match="outsider@example.org"):
        conflicting_import()
    assert [row.recipient for row in outbox("meeting_joined")] == [GAMMA_ADMIN]
    db.session.rollback()
    assert len(outbox()) == queued
    assert db.session.get(Meeting, meeting.id).sequence == 0


def _linked_to_gamma(meetup):
    """The outsider, their account linked to Gamma Group (on its team at another
    fair), with no role at the event."""
    outsider = meetup.outsider
    outsider.organization = meetup.companies["gamma"]
    db.session.commit()
    return outsider


def _register_gamma(meetup):
    from eventapp.exhibitors import services as exhibitors

    exhibitors.register(
        meetup.event,
        meetup.outsider,
        {"name_ko": "감마그룹", "name_en": "Gamma Group"},
        exhibitors.BoothRequest(zones=["ai"]),
    )


def test_registering_a_company_of_the_meetup_as_exhibitor_gets_its_admin_the_invitations(
    meetup, team_open
):
    """A person whose account is linked to the company (on its team at another fair)
    registers it as exhibitor where it takes part in the meetup, an attendee's, with a
    meeting booked: made its company admin, they attend it."""
    _linked_to_gamma(meetup)
    meeting = meetup.schedule(code="D1-1000")
    first = vevent(outbox_calendar_list("meeting_scheduled")[0][2])
    assert "outsider@example.org" not in {row.recipient for row in outbox("meeting_scheduled")}

    joined = _mails_of(lambda: _register_gamma(meetup), meetings_only=True)
    assert {row.recipient for row in outbox("meeting_joined")} == {"outsider@example.org"}
    assert {row.recipient for row in outbox("meeting_team_changed")} == EVERYBODY
    _assert_attendees_now(joined, meeting, first, EVERYBODY | {"outsider@example.org"})
    message = joined["outsider@example.org"][0]
    assert message["Subject"] == "Invitation: meeting with Alpha Robotics, 2025-09-17 10:00–10:30"


def test_registering_a_company_without_meetings_sends_no_meeting_mail(meetup, team_open):
    outsider = _linked_to_gamma(meetup)
    assert _mails_of(lambda: _register_gamma(meetup), meetings_only=True) == {}
    assert calendar.acts_for(outsider, meetup.companies["gamma"], meetup.event)


def test_registering_for_the_event_with_an_account_of_the_company_gets_its_meetings(
    meetup, team_open
):
    """An account linked to the company (on its team at another fair) registers for
    the event as a visitor: they act for the company in the meetup, so they attend its
    meetings there."""
    from eventapp.events.services import register_attendee

    outsider = _linked_to_gamma(meetup)
    meeting = meetup.schedule(code="D1-1000")
    first = vevent(outbox_calendar_list("meeting_scheduled")[0][2])
    joined = _mails_of(lambda: register_attendee(meetup.event, outsider), meetings_only=True)
    assert {row.recipient for row in outbox("meeting_joined")} == {"outsider@example.org"}
    assert {row.recipient for row in outbox("meeting_team_changed")} == EVERYBODY
    _assert_attendees_now(joined, meeting, first, EVERYBODY | {"outsider@example.org"})
    # Registering again changes nothing.
    assert _mails_of(lambda: register_attendee(meetup.event, outsider)) == {}


def test_registering_for_the_event_without_a_company_sends_no_meeting_mail(meetup, team_open):
    from eventapp.events.services import register_attendee

    meetup.schedule(code="D1-1000")
    assert _mails_of(lambda: register_attendee(meetup.event, meetup.outsider)) == {}


@pytest.fixture
def next_fair(meetup):
    """Alpha Robotics' registration at another fair, a year after the small event."""
    from datetime import date

    from eventapp.booths.models import Exhibitor
    from eventapp.events.models import Event

    event = Event(
        slug="next-expo",
        name_ko="넥스트 엑스포",
        name_en="Next Expo",
        starts_on=date(2026, 9, 16),
        ends_on=date(2026, 9, 17),
    )
    exhibitor = Exhibitor(
        event=event, organization=meetup.companies["alpha"], status="approved", zones=["ai"]
    )
    db.session.add_all([event, exhibitor])
    db.session.commit()
    return exhibitor


OUTSIDER = "outsider@example.org"


def _visitor_joins_next_fair_team(meetup, next_fair):
    """The outsider, registered here on their own (no company), joins Alpha Robotics'
    team at the next fair: their account is linked to it."""
    from eventapp.events.services import register_attendee
    from eventapp.exhibitors import services as exhibitors

    register_attendee(meetup.event, meetup.outsider)
    exhibitors.add_member(next_fair, OUTSIDER)
    (invitation,) = exhibitors.pending_invitations(next_fair)
    exhibitors.accept_invitation(invitation.id, meetup.outsider)


def test_joining_a_team_at_another_fair_brings_the_company_s_meetings_here(
    meetup, team_open, next_fair
):
    """A visitor acts for their account's company in the meetup: joining Alpha's team
    at the next fair links the account to it, so they attend its meetings here too,
    where their calendar did not know of them."""
    meeting = meetup.schedule(code="D1-1000")
    first = vevent(outbox_calendar_list("meeting_scheduled")[0][2])
    joined = _mails_of(lambda: _visitor_joins_next_fair_team(meetup, next_fair), meetings_only=True)
    assert {row.recipient for row in outbox("meeting_joined")} == {OUTSIDER}
    assert {row.recipient for row in outbox("meeting_team_changed")} == EVERYBODY
    _assert_attendees_now(joined, meeting, first, EVERYBODY | {OUTSIDER})
    assert joined[OUTSIDER][0]["Subject"].startswith("Invitation: meeting with Gamma Group")


def test_leaving_a_team_at_another_fair_takes_the_company_s_meetings_off_here(
    meetup, team_open, next_fair
):
    """Taken off Alpha's team at the next fair, the account is no longer linked to it:
    the visitor no longer acts for it here, and its meetings leave their calendar."""
    from eventapp.exhibitors import services as exhibitors

    _visitor_joins_next_fair_team(meetup, next_fair)
    meeting = meetup.schedule(code="D1-1000")
    assert OUTSIDER in {row.recipient for row in outbox("meeting_scheduled")}
    first = vevent(outbox_calendars("meeting_scheduled")[OUTSIDER][2])
    left = _mails_of(
        lambda: exhibitors.remove_member(next_fair, meetup.outsider.id), meetings_only=True
    )
    assert {row.recipient for row in outbox("meeting_left")} == {OUTSIDER}
    assert left[OUTSIDER][1] == "CANCEL"
    assert {row.recipient for row in outbox("meeting_team_changed")} == EVERYBODY
    _assert_attendees_now(left, meeting, first, EVERYBODY)
    assert not calendar.acts_for(meetup.outsider, meetup.companies["alpha"], meetup.event)


def test_joining_a_company_by_a_colleague_link_at_another_fair_brings_its_meetings_here(
    meetup, team_open, next_fair
):
    """Gamma's attendee invites a colleague to the next fair's meetup: accepting links
    their account to Gamma, and registered here as a visitor they attend its meetings."""
    from eventapp.events.services import grant_role, register_attendee

    event = next_fair.event
    grant_role(event, meetup.attendee, "attendee")
    register_attendee(meetup.event, meetup.outsider)
    meeting = meetup.schedule(code="D1-1000")
    first = vevent(outbox_calendar_list("meeting_scheduled")[0][2])
    meetings.invite_colleague(event, meetup.attendee, OUTSIDER)
    ids = {"e": event.id, "o": meetup.companies["gamma"].id, "u": meetup.outsider.id}
    token = meetings._colleague_serializer().dumps({**ids, "by": meetup.attendee.id})
    joined = _mails_of(
        lambda: meetings.join_company(event, meetup.outsider, token), meetings_only=True
    )
    assert {row.recipient for row in outbox("meeting_joined")} == {OUTSIDER}
    assert {row.recipient for row in outbox("meeting_team_changed")} == EVERYBODY
    _assert_attendees_now(joined, meeting, first, EVERYBODY | {OUTSIDER})


def test_an_attendee_joining_another_company_s_team_leaves_their_company_s_meetings(
    meetup, team_open
):
    """An attendee acts for their account's company while on no other company's team:
    joining Beta's, they no longer attend Gamma's meetings, which go on for the others,
    and their calendar kept them."""
    from eventapp.events.services import grant_role
    from eventapp.exhibitors import services as exhibitors

    outsider = _linked_to_gamma(meetup)
    grant_role(meetup.event, outsider, "attendee")
    db.session.commit()
    meeting = meetup.schedule(code="D1-1000")
    first = vevent(outbox_calendars("meeting_scheduled")[OUTSIDER][2])
    beta = meetup.exhibitors["beta"]
    exhibitors.add_member(beta, OUTSIDER)
    (invitation,) = exhibitors.pending_invitations(beta)
    left = _mails_of(
        lambda: exhibitors.accept_invitation(invitation.id, outsider), meetings_only=True
    )
    assert {row.recipient for row in outbox("meeting_left")} == {OUTSIDER}
    assert left[OUTSIDER][1] == "CANCEL"
    assert {row.recipient for row in outbox("meeting_team_changed")} == EVERYBODY
    _assert_attendees_now(left, meeting, first, EVERYBODY)
    text = left["exhibitor_admin@example.org"][0].get_body(("plain",)).get_content()
    assert "Outsider is no longer on the team of Gamma Group." in text


def test_an_attendee_taken_off_another_company_s_team_is_back_at_their_company_s_meetings(
    meetup, team_open
):
    """Off Beta's team, the attendee acts for their account's company again: they
    attend Gamma's meetings once more, which their calendar no longer had."""
    from eventapp.events.services import grant_role
    from eventapp.exhibitors import services as exhibitors

    outsider = _linked_to_gamma(meetup)
    grant_role(meetup.event, outsider, "attendee")
    beta = meetup.exhibitors["beta"]
    grant_role(meetup.event, outsider, "exhibitor_staff", beta.organization)
    db.session.commit()
    meeting = meetup.schedule(code="D1-1000")
    assert OUTSIDER not in {row.recipient for row in outbox("meeting_scheduled")}
    first = vevent(outbox_calendar_list("meeting_scheduled")[0][2])
    back = _mails_of(lambda: exhibitors.remove_member(beta, outsider.id), meetings_only=True)
    assert {row.recipient for row in outbox("meeting_joined")} == {OUTSIDER}
    assert {row.recipient for row in outbox("meeting_team_changed")} == EVERYBODY
    _assert_attendees_now(back, meeting, first, EVERYBODY | {OUTSIDER})
    assert outsider.organization_id == meetup.companies["gamma"].id


def test_meetings_that_have_started_are_left_in_the_calendar_of_a_leaver(meetup, monkeypatch):
    meetup.schedule(code="D1-1000")
    started = datetime(2025, 9, 17, 1, 5, tzinfo=UTC)  # 10:05 in Seoul
    monkeypatch.setattr(meetings, "_now", lambda: started)
    assert _mails_of(lambda: _remove_staff(meetup)) == {}


def _locks_taken(monkeypatch):
    """The participant rows each lock of the change takes, in the order taken."""
    taken = []
    lock = meetings._lock_profiles

    def recording(*profile_ids):
        taken.append({i for i in profile_ids if i is not None})
        return lock(*profile_ids)

    monkeypatch.setattr(meetings, "_lock_profiles", recording)
    return taken


def _assert_in_id_order(taken):
    """Every row locked anew comes after the rows held: a booking between the two
    companies, which locks both in id order, cannot wait on a row this change holds
    while this change waits on the other."""
    held = set()
    for rows in taken:
        new = rows - held
        assert not (held and new and min(new) < max(held)), taken
        held |= new


def test_an_attendee_joining_another_company_s_team_locks_both_companies_in_id_order(
    meetup, team_open, monkeypatch
):
    from eventapp.events.services import grant_role
    from eventapp.exhibitors import services as exhibitors

    outsider = _linked_to_gamma(meetup)
    grant_role(meetup.event, outsider, "attendee")
    db.session.commit()
    meetup.schedule(code="D1-1000")
    beta = meetup.exhibitors["beta"]
    exhibitors.add_member(beta, OUTSIDER)
    (invitation,) = exhibitors.pending_invitations(beta)
    taken = _locks_taken(monkeypatch)
    exhibitors.accept_invitation(invitation.id, outsider)
    assert set().union(*taken) == {meetup.beta.id, meetup.gamma.id}
    _assert_in_id_order(taken)


def test_an_attendee_taken_off_another_company_s_team_locks_both_companies_in_id_order(
    meetup, team_open, monkeypatch
):
    from eventapp.events.services import grant_role
    from eventapp.exhibitors import services as exhibitors

    outsider = _linked_to_gamma(meetup)
    grant_role(meetup.event, outsider, "attendee")
    beta = meetup.exhibitors["beta"]
    grant_role(meetup.event, outsider, "exhibitor_staff", beta.organization)
    db.session.commit()
    meetup.schedule(code="D1-1000")
    taken = _locks_taken(monkeypatch)
    exhibitors.remove_member(beta, outsider.id)
    assert set().union(*taken) == {meetup.beta.id, meetup.gamma.id}
    _assert_in_id_order(taken)
