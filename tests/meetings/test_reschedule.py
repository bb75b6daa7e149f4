"""A participant proposes another time for a scheduled meeting; the other side accepts
(the meeting moves, as an organizer's move does) or declines. The meeting keeps its
time until then."""

import re
from datetime import time, timedelta

import pytest
from sqlalchemy import delete, func, select

from eventapp.core.audit import AuditEntry
from eventapp.extensions import db
from eventapp.meetings import services
from eventapp.meetings.models import (
    Meeting,
    MeetingRequest,
    MeetingSeat,
    MeetingSlot,
    MeetingTimeProposal,
)
from tests.conftest import login
from tests.meetings.conftest import accepted_request, add_company, booked_meeting
from tests.meetings.test_booking_concurrency import _assert_no_double_booking, _fire, _sessions


def _seats(meeting):
    return db.session.execute(
        select(MeetingSeat.slot_id, func.count())
        .where(MeetingSeat.meeting_id == meeting.id)
        .group_by(MeetingSeat.slot_id)
    ).all()


def _actions():
    return db.session.scalars(
        select(AuditEntry.action)
        .where(AuditEntry.action.like("meeting_time_proposal.%"))
        .order_by(AuditEntry.id)
    ).all()


def _act(client, proposal, action):
    """POST an answer to `proposal`, or its withdrawal; the page it leads to, in English."""
    return client.post(
        f"/e/test-expo/meetings/proposals/{proposal.id}/{action}?lang=en", follow_redirects=True
    ).get_data(as_text=True)


def test_proposing_and_accepting_moves_the_meeting_and_tells_both(meetup, client, outbox):
    meeting = booked_meeting(meetup)
    target = meetup.slots[2]
    login(client, meetup.exhibitor_admin)  # acts for alpha
    page = client.get(f"/e/test-expo/meetings/m/{meeting.id}?lang=en").get_data(as_text=True)
    offered = page.split('name="slot_id"', 1)[1].split("</select>", 1)[0]
    offered = [int(v) for v in re.findall(r'value="(\d+)"', offered)]
    assert offered == [s.id for s in meetup.slots[1:]]  # not its own slot
    response = client.post(
        f"/e/test-expo/meetings/m/{meeting.id}/propose",
        data={"slot_id": target.id, "message": "Our CTO lands at 10:30."},
    )
    assert response.status_code == 302
    proposal = db.session.scalar(select(MeetingTimeProposal))
    assert (proposal.status, proposal.proposer_side, proposal.slot_id) == (
        "open",
        "startup",
        target.id,
    )
    db.session.expire_all()
    kept = db.session.get(Meeting, meeting.id)
    assert (kept.slot_id, kept.sequence) == (meetup.slots[0].id, 0)  # until answered
    mails = outbox("meeting_time_proposed")
    assert [m[0] for m in mails] == ["attendee@example.org"]
    assert "Our CTO lands at 10:30." in mails[0][2] and "10:00–10:30" in mails[0][2]
    # Both times say their zone, the meeting's present one too.
    now_line = next(line for line in mails[0][2].splitlines() if "10:00–10:30" in line)
    assert now_line.endswith("(Asia/Seoul)")

    # The firm sees it on its agenda, in Korean and in English, with its answers.
    client.post("/logout")
    login(client, meetup.attendee)
    agenda = client.get("/e/test-expo/meetings/agenda?lang=ko").get_data(as_text=True)
    assert f'id="proposal-{proposal.id}"' in agenda and "Our CTO lands" in agenda
    assert "새 시간 수락" in agenda
    agenda = client.get("/e/test-expo/meetings/agenda?lang=en").get_data(as_text=True)
    assert "Alpha Robotics proposes another time:" in agenda
    assert 'data-answer="accept"' in agenda and 'data-answer="decline"' in agenda
    response = client.post(
        f"/e/test-expo/meetings/proposals/{proposal.id}/accept",
        data={"next": "/e/test-expo/meetings/agenda"},
    )
    assert response.status_code == 302 and response.location.endswith("/meetings/agenda")

    db.session.expire_all()
    moved = db.session.get(Meeting, meeting.id)
    assert (moved.slot_id, moved.sequence, moved.reminded_at) == (target.id, 1, None)
    assert moved.table is not None and _seats(moved) == [(target.id, 3)]
    assert db.session.get(MeetingTimeProposal, proposal.id).status == "accepted"
    moved_mails = outbox("meeting_moved")
    assert len(moved_mails) == 3  # alpha's two people and gamma's
    assert all("agreed on another time" in m[2] for m in moved_mails)
    assert len(outbox("meeting_moved")) == 3  # calendars take the new time (SEQUENCE 1)
    assert _actions() == ["meeting_time_proposal.made", "meeting_time_proposal.accepted"]
    # The old slot is free again, and the agenda shows nothing left to answer.
    assert meetup.slots[0] in services.common_free_slots(moved.request)
    agenda = client.get("/e/test-expo/meetings/agenda?lang=en").get_data(as_text=True)
    assert "proposal-" not in agenda


def test_no_time_is_proposed_until_one_is_chosen(meetup, client, outbox):
    """The menu opened on the first free slot, which a tap on "Propose this time"
    proposed unread; it now opens on an empty choice that the form requires."""
    meeting = booked_meeting(meetup)
    login(client, meetup.exhibitor_admin)
    page = client.get(f"/e/test-expo/meetings/m/{meeting.id}?lang=en").get_data(as_text=True)
    menu = page.split('name="slot_id"', 1)[0].rsplit("<select", 1)[1]
    menu += page.split('name="slot_id"', 1)[1].split("</select>", 1)[0]
    assert "required" in menu
    first = re.search(r"<option([^>]*)>([^<]*)</option>", menu)
    assert first.groups() == (' value=""', "— choose —")
    assert "selected" not in menu  # so the browser shows the first, the empty one
    page = client.post(
        f"/e/test-expo/meetings/m/{meeting.id}/propose?lang=en",
        data={"slot_id": "", "message": ""},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Choose a time slot." in page
    assert db.session.scalar(select(func.count()).select_from(MeetingTimeProposal)) == 0
    assert outbox("meeting_time_proposed") == []


def test_declining_keeps_the_time_and_tells_the_proposer(meetup, client, outbox):
    meeting = booked_meeting(meetup)
    gamma = meetup.profiles["gamma"]
    proposal = services.propose_time(meeting, meetup.slots[3], gamma, meetup.attendee)
    db.session.commit()
    assert {m[0] for m in outbox("meeting_time_proposed")} == {
        "exhibitor_admin@example.org",
        "exhibitor_staff@example.org",
    }
    # The proposing side cannot answer its own proposal.
    with pytest.raises(services.MeetingError):
        services.accept_time_proposal(proposal, gamma, meetup.attendee)
    db.session.rollback()

    login(client, meetup.exhibitor_staff)  # acts for alpha
    page = client.get(f"/e/test-expo/meetings/m/{meeting.id}?lang=en").get_data(as_text=True)
    assert "Gamma Group proposes another time:" in page
    client.post(f"/e/test-expo/meetings/proposals/{proposal.id}/decline")
    db.session.expire_all()
    assert db.session.get(MeetingTimeProposal, proposal.id).status == "declined"
    kept = db.session.get(Meeting, meeting.id)
    assert (kept.slot_id, kept.sequence) == (meetup.slots[0].id, 0)
    assert _seats(kept) == [(meetup.slots[0].id, 3)]
    assert [m[0] for m in outbox("meeting_time_declined")] == ["attendee@example.org"]
    assert outbox("meeting_moved") == []
    assert _actions() == ["meeting_time_proposal.made", "meeting_time_proposal.declined"]
    # A declined proposal is answered once.
    with pytest.raises(services.MeetingError, match="no longer open"):
        services.accept_time_proposal(proposal, meetup.profiles["alpha"], meetup.exhibitor_admin)
    db.session.rollback()


def test_the_proposing_side_withdraws_its_proposal(meetup, client, outbox):
    meeting = booked_meeting(meetup)
    alpha = meetup.profiles["alpha"]
    proposal = services.propose_time(meeting, meetup.slots[2], alpha, meetup.exhibitor_admin)
    meetup.attendee.locale = "ko"  # gamma's contact is told in its own language
    db.session.commit()

    # The answering side has no withdraw button, and posting it is refused.
    login(client, meetup.attendee)
    agenda = client.get("/e/test-expo/meetings/agenda?lang=en").get_data(as_text=True)
    assert 'data-answer="accept"' in agenda and 'data-answer="withdraw"' not in agenda
    assert "Only the side that proposed this time can withdraw it." in _act(
        client, proposal, "withdraw"
    )
    db.session.expire_all()
    assert db.session.get(MeetingTimeProposal, proposal.id).status == "open"
    client.post("/logout")

    # Anyone acting for the proposing side withdraws it, from its agenda or the meeting.
    login(client, meetup.exhibitor_staff)
    for path in ("agenda", f"m/{meeting.id}"):
        page = client.get(f"/e/test-expo/meetings/{path}?lang=en").get_data(as_text=True)
        assert 'data-answer="withdraw"' in page and 'data-answer="accept"' not in page
        assert "Withdraw the proposal" in page
    response = client.post(
        f"/e/test-expo/meetings/proposals/{proposal.id}/withdraw?lang=en",
        data={"next": "/e/test-expo/meetings/agenda"},
        follow_redirects=True,
    )
    assert "Proposal withdrawn." in response.get_data(as_text=True)
    db.session.expire_all()
    withdrawn = db.session.get(MeetingTimeProposal, proposal.id)
    assert (withdrawn.status, withdrawn.answered_by_id) == ("withdrawn", meetup.exhibitor_staff.id)
    kept = db.session.get(Meeting, meeting.id)
    assert (kept.slot_id, kept.sequence) == (meetup.slots[0].id, 0)
    assert _actions() == ["meeting_time_proposal.made", "meeting_time_proposal.withdrawn"]
    told = outbox("meeting_time_withdrawn")
    assert [m[0] for m in told] == ["attendee@example.org"]
    assert (
        told[0][1] == "알파로보틱스에서 제안한 시간을 철회했습니다"
        and "알파로보틱스가" in told[0][2]
    )
    assert outbox("meeting_moved") == []
    client.post("/logout")

    # The partner no longer sees it, nor can it accept it.
    login(client, meetup.attendee)
    agenda = client.get("/e/test-expo/meetings/agenda?lang=en").get_data(as_text=True)
    assert f'id="proposal-{proposal.id}"' not in agenda
    said = "This proposal is no longer open: Alpha Robotics withdrew it."
    assert said in _act(client, proposal, "accept")
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).slot_id == meetup.slots[0].id
    assert services.open_time_proposals([meeting]) == {}


def test_a_proposal_answered_meanwhile_cannot_be_withdrawn(meetup, client, outbox):
    meeting = booked_meeting(meetup)
    alpha, gamma = meetup.profiles["alpha"], meetup.profiles["gamma"]
    proposal = services.propose_time(meeting, meetup.slots[2], alpha, meetup.exhibitor_admin)
    db.session.commit()
    services.accept_time_proposal(proposal, gamma, meetup.attendee)
    db.session.commit()
    login(client, meetup.exhibitor_admin)
    assert "This proposal is already accepted." in _act(client, proposal, "withdraw")
    db.session.expire_all()
    assert db.session.get(MeetingTimeProposal, proposal.id).status == "accepted"
    assert db.session.get(Meeting, meeting.id).slot_id == meetup.slots[2].id
    assert outbox("meeting_time_withdrawn") == []
    assert _actions() == ["meeting_time_proposal.made", "meeting_time_proposal.accepted"]


def test_a_page_left_open_while_the_other_side_acted_says_what_happened(meetup, client, outbox):
    """Answering from a page opened before the other side acted said "This proposal is
    no longer open." whatever had happened, and proposing a time for a meeting cancelled
    meanwhile "Only scheduled meetings can be moved.": each now says what became of the
    proposal or the meeting, and nothing moves."""
    meeting = booked_meeting(meetup)  # alpha (startup) and gamma (firm)
    alpha, gamma = meetup.profiles["alpha"], meetup.profiles["gamma"]
    withdrawn = services.propose_time(meeting, meetup.slots[1], alpha, meetup.exhibitor_admin)
    services.withdraw_time_proposal(withdrawn, alpha, meetup.exhibitor_admin)
    declined = services.propose_time(meeting, meetup.slots[2], gamma, meetup.attendee)
    services.decline_time_proposal(declined, alpha, meetup.exhibitor_admin)
    replaced = services.propose_time(meeting, meetup.slots[1], alpha, meetup.exhibitor_admin)
    services.propose_time(meeting, meetup.slots[3], alpha, meetup.exhibitor_admin)
    db.session.commit()
    login(client, meetup.attendee)  # gamma
    stays = " The meeting stays at its time."
    for proposal, action, said in (
        (withdrawn, "accept", "no longer open: Alpha Robotics withdrew it." + stays),
        (withdrawn, "decline", "no longer open: Alpha Robotics withdrew it." + stays),
        (declined, "withdraw", "no longer open: Alpha Robotics declined it." + stays),
        (replaced, "accept", "no longer open: a newer one replaced it."),
    ):
        assert said in _act(client, proposal, action), action
    page = client.post(
        f"/e/test-expo/meetings/proposals/{withdrawn.id}/accept?lang=ko", follow_redirects=True
    ).get_data(as_text=True)
    assert "알파로보틱스가 이 제안을 철회했습니다." in page

    services.cancel_meeting(meeting, meetup.exhibitor_admin, profile=alpha)
    db.session.commit()
    open_one = db.session.scalar(
        select(MeetingTimeProposal).where(MeetingTimeProposal.slot_id == meetup.slots[3].id)
    )
    assert "no longer open: the meeting was cancelled." in _act(client, open_one, "accept")
    page = client.post(
        f"/e/test-expo/meetings/m/{meeting.id}/propose?lang=en",
        data={"slot_id": meetup.slots[2].id},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "This meeting was cancelled." in page and "Only scheduled" not in page
    db.session.expire_all()
    kept = db.session.get(Meeting, meeting.id)
    assert (kept.status, kept.slot_id) == ("cancelled", meetup.slots[0].id)
    assert db.session.scalar(select(func.count()).select_from(MeetingTimeProposal)) == 4
    assert outbox("meeting_moved") == []


def test_only_common_free_slots_can_be_proposed(meetup, english):
    meeting = booked_meeting(meetup)
    alpha, gamma = meetup.profiles["alpha"], meetup.profiles["gamma"]
    # gamma meets another startup in slot 1; alpha is away in slot 2; both tables of
    # slot 3 are taken by two other pairs; slot 0 is the meeting's own.
    _user, delta = add_company(meetup.event, "delta", "startup")
    services.book(accepted_request(meetup.event, delta, gamma, _user), meetup.slots[1], _user)
    services.set_unavailable(alpha, [meetup.slots[2].id])
    for key in ("e", "f"):
        s_user, startup = add_company(meetup.event, f"s{key}", "startup")
        _f_user, firm = add_company(meetup.event, f"f{key}", "large_firm")
        request = accepted_request(meetup.event, startup, firm, s_user)
        services.book(request, meetup.slots[3], s_user)
    db.session.commit()
    for index in (1, 2, 3):
        with pytest.raises(services.MeetingError, match="not free for both sides"):
            services.propose_time(meeting, meetup.slots[index], alpha, meetup.exhibitor_admin)
        db.session.rollback()
    with pytest.raises(services.MeetingError, match="already at this time"):
        services.propose_time(meeting, meetup.slots[0], alpha, meetup.exhibitor_admin)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(MeetingTimeProposal)) == 0
    services.propose_time(meeting, meetup.slots[4], alpha, meetup.exhibitor_admin)
    db.session.commit()


def test_only_the_two_sides_propose_and_answer(meetup, client, english):
    meeting = booked_meeting(meetup)
    beta = meetup.profiles["beta"]
    with pytest.raises(services.MeetingError, match="Only the two sides"):
        services.propose_time(meeting, meetup.slots[2], beta, meetup.other_exhibitor)
    db.session.rollback()
    proposal = services.propose_time(
        meeting, meetup.slots[2], meetup.profiles["alpha"], meetup.exhibitor_admin
    )
    db.session.commit()
    with pytest.raises(services.MeetingError, match="Only the other side"):
        services.accept_time_proposal(proposal, beta, meetup.other_exhibitor)
    db.session.rollback()
    # Over HTTP, somebody of another company is turned away; so is an organizer, who
    # moves meetings instead.
    for user in (meetup.other_exhibitor, meetup.organizer):
        login(client, user)
        for url in (
            f"/e/test-expo/meetings/m/{meeting.id}/propose",
            f"/e/test-expo/meetings/proposals/{proposal.id}/accept",
            f"/e/test-expo/meetings/proposals/{proposal.id}/decline",
            f"/e/test-expo/meetings/proposals/{proposal.id}/withdraw",
        ):
            assert client.post(url, data={"slot_id": meetup.slots[3].id}).status_code == 403
        client.post("/logout")
    db.session.expire_all()
    assert db.session.get(MeetingTimeProposal, proposal.id).status == "open"
    assert db.session.get(Meeting, meeting.id).slot_id == meetup.slots[0].id


def test_a_meeting_that_has_started_keeps_its_time(meetup, client, monkeypatch, english):
    meeting = booked_meeting(meetup, slot_index=1)
    alpha, gamma = meetup.profiles["alpha"], meetup.profiles["gamma"]
    # A slot that has started cannot be proposed.
    monkeypatch.setattr(services, "_now", lambda: meetup.slots[0].starts_at)
    with pytest.raises(services.MeetingError, match="already started"):
        services.propose_time(meeting, meetup.slots[0], alpha, meetup.exhibitor_admin)
    db.session.rollback()
    proposal = services.propose_time(meeting, meetup.slots[5], alpha, meetup.exhibitor_admin)
    db.session.commit()
    # Once the meeting is under way, nobody proposes and the proposal can no longer be
    # accepted: it closes.
    under_way = meeting.starts_at + timedelta(minutes=5)
    monkeypatch.setattr(services, "_now", lambda: under_way)
    with pytest.raises(services.MeetingError, match="already started"):
        services.propose_time(meeting, meetup.slots[6], alpha, meetup.exhibitor_admin)
    db.session.rollback()
    assert services.open_time_proposals([meeting]) == {}
    with pytest.raises(services.ProposalClosed, match="already started"):
        services.accept_time_proposal(proposal, gamma, meetup.attendee)
    db.session.commit()
    assert proposal.status == "closed"
    assert (meeting.slot_id, meeting.sequence) == (meetup.slots[1].id, 0)
    login(client, meetup.exhibitor_admin)
    page = client.get(f"/e/test-expo/meetings/m/{meeting.id}?lang=en").get_data(as_text=True)
    assert 'id="another-time"' not in page


def test_a_proposal_lapses_when_its_slot_starts(meetup, monkeypatch, english):
    meeting = booked_meeting(meetup, slot_index=4)
    alpha, gamma = meetup.profiles["alpha"], meetup.profiles["gamma"]
    proposal = services.propose_time(meeting, meetup.slots[1], alpha, meetup.exhibitor_admin)
    db.session.commit()
    assert services.open_time_proposals([meeting]) == {meeting.id: proposal}
    monkeypatch.setattr(services, "_now", lambda: meetup.slots[1].starts_at)
    assert services.open_time_proposals([meeting]) == {}
    with pytest.raises(services.ProposalClosed, match="That time has already started"):
        services.accept_time_proposal(proposal, gamma, meetup.attendee)
    db.session.commit()
    assert proposal.status == "closed" and meeting.slot_id == meetup.slots[4].id


def test_proposals_respect_the_booking_window(meetup, client, english):
    meeting = booked_meeting(meetup)
    alpha, gamma = meetup.profiles["alpha"], meetup.profiles["gamma"]
    proposal = services.propose_time(meeting, meetup.slots[2], alpha, meetup.exhibitor_admin)
    db.session.commit()
    meetup.settings.booking_closes_at = services._now() - timedelta(minutes=1)
    db.session.commit()
    with pytest.raises(services.MeetingError, match="bookings closed on"):
        services.propose_time(meeting, meetup.slots[3], alpha, meetup.exhibitor_admin)
    db.session.rollback()
    with pytest.raises(services.MeetingError, match="bookings closed on"):
        services.accept_time_proposal(proposal, gamma, meetup.attendee)
    db.session.rollback()
    assert proposal.status == "open" and meeting.slot_id == meetup.slots[0].id
    login(client, meetup.exhibitor_admin)
    page = client.get(f"/e/test-expo/meetings/m/{meeting.id}?lang=en").get_data(as_text=True)
    assert 'name="slot_id"' not in page  # no form to propose while booking is closed
    # ... and the page says why, and since when.
    closed = meetup.settings.booking_closes_at.astimezone(meetup.event.tz)
    assert f"Meeting requests and bookings closed on {closed:%Y-%m-%d %H:%M} (" in page


def test_a_proposal_closes_when_the_meeting_is_cancelled_or_moved(meetup, english):
    meeting = booked_meeting(meetup)
    alpha, gamma = meetup.profiles["alpha"], meetup.profiles["gamma"]
    first = services.propose_time(meeting, meetup.slots[2], alpha, meetup.exhibitor_admin)
    db.session.commit()
    services.move_meeting(meeting, meetup.slots[5], meetup.organizer)
    db.session.commit()
    assert first.status == "closed"
    second = services.propose_time(meeting, meetup.slots[2], gamma, meetup.attendee)
    db.session.commit()
    services.cancel_meeting(meeting, meetup.exhibitor_admin, profile=alpha, reason="Ill")
    db.session.commit()
    assert second.status == "closed"
    with pytest.raises(services.MeetingError, match="no longer open"):
        services.accept_time_proposal(second, alpha, meetup.exhibitor_admin)
    db.session.rollback()
    assert meeting.status == "cancelled" and meeting.slot_id == meetup.slots[5].id
    whys = db.session.scalars(
        select(AuditEntry.data)
        .where(AuditEntry.action == "meeting_time_proposal.closed")
        .order_by(AuditEntry.id)
    ).all()
    assert [w["why"] for w in whys] == ["moved", "cancelled"]


def test_a_counter_proposal_replaces_the_open_one(meetup, english):
    meeting = booked_meeting(meetup)
    alpha, gamma = meetup.profiles["alpha"], meetup.profiles["gamma"]
    first = services.propose_time(meeting, meetup.slots[2], alpha, meetup.exhibitor_admin)
    db.session.commit()
    second = services.propose_time(meeting, meetup.slots[3], gamma, meetup.attendee, "Later?")
    db.session.commit()
    assert (first.status, second.status) == ("replaced", "open")
    assert services.open_time_proposals([meeting]) == {meeting.id: second}
    with pytest.raises(services.MeetingError, match="no longer open"):
        services.accept_time_proposal(first, gamma, meetup.attendee)
    db.session.rollback()
    services.accept_time_proposal(second, alpha, meetup.exhibitor_admin)
    db.session.commit()
    assert meeting.slot_id == meetup.slots[3].id and meeting.sequence == 1


def test_a_time_taken_meanwhile_closes_the_proposal(meetup, client, outbox, english):
    meeting = booked_meeting(meetup)
    alpha, gamma = meetup.profiles["alpha"], meetup.profiles["gamma"]
    proposal = services.propose_time(meeting, meetup.slots[3], alpha, meetup.exhibitor_admin)
    db.session.commit()
    # Meanwhile gamma books another startup in that slot.
    d_user, delta = add_company(meetup.event, "delta", "startup")
    services.book(accepted_request(meetup.event, delta, gamma, d_user), meetup.slots[3], d_user)
    db.session.commit()
    login(client, meetup.attendee)
    assert "That time was taken meanwhile" in _act(client, proposal, "accept")
    db.session.expire_all()
    assert db.session.get(MeetingTimeProposal, proposal.id).status == "taken"
    kept = db.session.get(Meeting, meeting.id)
    assert (kept.slot_id, kept.sequence) == (meetup.slots[0].id, 0)
    assert _seats(kept) == [(meetup.slots[0].id, 3)]
    assert outbox("meeting_moved") == []
    told = outbox("meeting_time_taken")
    assert len(told) == 2 and all("taken meanwhile" in m[2] for m in told)


# --------------------------------------------------------------------------- races

ROUNDS = 6


def _in_slot(slot_id):
    return db.session.scalar(
        select(func.count())
        .select_from(Meeting)
        .where(Meeting.slot_id == slot_id, Meeting.status != "cancelled")
    )


def _meet_and_propose(session, request_id, slot_id, target_id, side):
    """Book the request in `slot_id` and let `side` of it propose `target_id`; the ids
    of the meeting's proposal. Inside `writing()`: the test's objects are detached."""
    request = session.get(MeetingRequest, request_id)
    profile = request.startup if side == "startup" else request.firm
    user = profile.contacts()[0]
    meeting = services.book(request, session.get(MeetingSlot, slot_id), user)
    return services.propose_time(meeting, session.get(MeetingSlot, target_id), profile, user).id


def _clear_meetings(session):
    session.execute(delete(MeetingTimeProposal))
    session.execute(delete(MeetingSeat))
    session.execute(delete(Meeting))


def _racing_pair(meetup, live_server, users):
    """Alpha and gamma's accepted request and signed-in HTTP sessions of `users`:
    (request id, [session of each user], slot ids)."""
    alpha, gamma = meetup.profiles["alpha"], meetup.profiles["gamma"]
    request_id = accepted_request(meetup.event, alpha, gamma, meetup.exhibitor_admin).id
    db.session.commit()
    sessions = list(_sessions(live_server, users).values())
    slot_ids = [slot.id for slot in meetup.slots]
    db.session.commit()
    return request_id, sessions, slot_ids


def _round_proposal(writing, request_id, slot_ids, round_number, side):
    """A round afresh: the pair meets in the first slot and `side` proposes another
    one, a different one each round. (proposal id, proposed slot id)"""
    target_id = slot_ids[1 + round_number % 7]
    with writing() as session:
        _clear_meetings(session)
        proposal_id = _meet_and_propose(session, request_id, slot_ids[0], target_id, side)
    return proposal_id, target_id


def test_acceptances_and_bookings_at_once_never_double_book(meetup, live_server, writing):
    """Two pairs accept a proposed time while two other pairs book that very slot, all
    at once, round after round. One of the bookers shares a startup with one of the
    accepting pairs, and the slot has two tables: exactly two meetings end there, no
    person or table twice, and an acceptance that lost closes its proposal as taken,
    its meeting left where it was with its seats."""
    event = meetup.event
    startups = [add_company(event, f"s{i}", "startup") for i in range(3)]
    firms = [add_company(event, f"f{i}", "large_firm") for i in range(4)]
    # s0-f0 and s1-f1 meet and propose; s2-f2 and s0-f3 book the proposed slot.
    couples = [(0, 0), (1, 1), (2, 2), (0, 3)]
    request_ids = [
        accepted_request(event, startups[s][1], firms[f][1], startups[s][0]).id for s, f in couples
    ]
    db.session.commit()
    sessions = _sessions(live_server, [user for user, _profile in firms])
    firm_sessions = [sessions[firms[f][0].id] for _s, f in couples]
    slot_ids = [slot.id for slot in meetup.slots]
    db.session.commit()
    for round_number in range(ROUNDS):
        target_id = slot_ids[2 + round_number % 6]
        with writing() as session:
            _clear_meetings(session)
            proposals = [
                _meet_and_propose(session, request_ids[i], slot_ids[i], target_id, "startup")
                for i in (0, 1)
            ]
        accepting = [
            (firm_sessions[i], f"/e/test-expo/meetings/proposals/{proposals[i]}/accept", {})
            for i in (0, 1)
        ]
        booking = [
            (
                firm_sessions[i],
                f"/e/test-expo/meetings/requests/{request_ids[i]}/book",
                {"slot_id": target_id},
            )
            for i in (2, 3)
        ]
        results = _fire(accepting + booking)
        assert all(status == 302 for status, _l in results), results
        db.session.commit()  # a fresh read
        assert _in_slot(target_id) == 2
        accepted = 0
        for index, proposal_id in enumerate(proposals):
            proposal = db.session.get(MeetingTimeProposal, proposal_id)
            meeting = proposal.meeting
            if proposal.status == "accepted":
                accepted += 1
                assert (meeting.slot_id, meeting.sequence) == (target_id, 1)
            else:
                assert proposal.status == "taken", proposal.status
                assert (meeting.slot_id, meeting.sequence) == (slot_ids[index], 0)
        db.session.commit()
        # The two proposing pairs' meetings, and a booking for each table they left.
        assert _assert_no_double_booking() == 2 + (2 - accepted)


def test_one_proposal_accepted_twice_at_once_moves_the_meeting_once(
    meetup, live_server, outbox, writing
):
    """Both people of the startup accept the firm's proposal at the same instant."""
    request_id, sessions, slot_ids = _racing_pair(
        meetup, live_server, [meetup.exhibitor_admin, meetup.exhibitor_staff]
    )
    for round_number in range(ROUNDS):
        proposal_id, target_id = _round_proposal(
            writing, request_id, slot_ids, round_number, "firm"
        )
        moved_before = len(outbox("meeting_moved"))
        path = f"/e/test-expo/meetings/proposals/{proposal_id}/accept"
        results = _fire([(session, path, {}) for session in sessions])
        assert all(status == 302 for status, _l in results), results
        db.session.commit()  # a fresh read
        proposal = db.session.get(MeetingTimeProposal, proposal_id)
        assert proposal.status == "accepted"
        assert (proposal.meeting.slot_id, proposal.meeting.sequence) == (target_id, 1)
        assert len(outbox("meeting_moved")) - moved_before == 3
        db.session.commit()
        assert _assert_no_double_booking() == 1


def test_a_withdrawal_and_an_acceptance_at_once_give_one_outcome(
    meetup, live_server, outbox, writing
):
    """The startup withdraws its proposal at the instant the firm accepts it: either the
    meeting moves and the proposal stays accepted, or it stays and is withdrawn."""
    request_id, (startup_session, firm_session), slot_ids = _racing_pair(
        meetup, live_server, [meetup.exhibitor_admin, meetup.attendee]
    )
    for round_number in range(ROUNDS):
        proposal_id, target_id = _round_proposal(
            writing, request_id, slot_ids, round_number, "startup"
        )
        base = f"/e/test-expo/meetings/proposals/{proposal_id}"
        moved_before = len(outbox("meeting_moved"))
        withdrawn_before = len(outbox("meeting_time_withdrawn"))
        results = _fire(
            [
                (startup_session, f"{base}/withdraw", {}),
                (firm_session, f"{base}/accept", {}),
            ]
        )
        assert all(status == 302 for status, _l in results), results
        db.session.commit()  # a fresh read
        proposal = db.session.get(MeetingTimeProposal, proposal_id)
        meeting = proposal.meeting
        moved = len(outbox("meeting_moved")) - moved_before
        withdrawn = len(outbox("meeting_time_withdrawn")) - withdrawn_before
        if proposal.status == "accepted":
            assert (meeting.slot_id, meeting.sequence, moved, withdrawn) == (target_id, 1, 3, 0)
        else:
            assert proposal.status == "withdrawn", proposal.status
            assert (meeting.slot_id, meeting.sequence, moved, withdrawn) == (slot_ids[0], 0, 0, 1)
        db.session.commit()
        assert _assert_no_double_booking() == 1


def test_a_slot_removed_by_the_organizer_closes_its_proposal(meetup, english):
    """The organizer ends the meeting days earlier: the proposed slot, which keeps a
    cancelled meeting of another pair as history, is retired and cannot be taken."""
    from datetime import time

    meeting = booked_meeting(meetup)
    alpha, beta, gamma = (meetup.profiles[k] for k in ("alpha", "beta", "gamma"))
    last = meetup.slots[3]  # day 1, 11:30
    other = services.book(
        accepted_request(meetup.event, alpha, beta, meetup.exhibitor_admin),
        last,
        meetup.exhibitor_admin,
    )
    services.cancel_meeting(other, meetup.exhibitor_admin, profile=alpha)
    proposal = services.propose_time(meeting, last, gamma, meetup.attendee)
    db.session.commit()
    services.save_settings(meetup.event, meetup.organizer, day_ends_at=time(11, 30))
    db.session.commit()
    assert last.retired and services.open_time_proposals([meeting]) == {}
    assert proposal.status == "closed"
    assert _actions()[-1] == "meeting_time_proposal.closed"
    with pytest.raises(services.MeetingError, match="no longer open"):
        services.accept_time_proposal(proposal, alpha, meetup.exhibitor_admin)
    db.session.rollback()
    assert meeting.slot_id == meetup.slots[0].id


def test_a_proposal_closed_by_a_slot_removal_names_the_slot_in_the_log(meetup, english):
    """The log says which time was proposed, as the slot was called then: a retired
    slot gives up its code for a placeholder that names nothing."""
    from datetime import time

    meeting = booked_meeting(meetup)
    last = meetup.slots[3]  # day 1, 11:30
    code = last.code
    proposal = services.propose_time(meeting, last, meetup.profiles["gamma"], meetup.attendee)
    db.session.commit()
    services.save_settings(meetup.event, meetup.organizer, day_ends_at=time(11, 30))
    db.session.commit()
    closed = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "meeting_time_proposal.closed")
    )
    assert closed.data == {"meeting": meeting.id, "slot": code, "why": "slot_removed"}
    assert proposal.status == "closed" and last.retired


def test_a_slot_brought_back_does_not_reopen_its_proposal(meetup, english):
    """The organizer shortens the day, then lengthens it again: the slot comes back,
    but what was proposed for it before stays closed; a time nobody offered since
    cannot be accepted."""
    meeting = booked_meeting(meetup)
    alpha, gamma = meetup.profiles["alpha"], meetup.profiles["gamma"]
    last = meetup.slots[3]  # day 1, 11:30
    proposal = services.propose_time(meeting, last, gamma, meetup.attendee)
    db.session.commit()
    services.save_settings(meetup.event, meetup.organizer, day_ends_at=time(11, 30))
    db.session.commit()
    services.save_settings(meetup.event, meetup.organizer, day_ends_at=time(12, 0))
    db.session.commit()
    db.session.expire_all()
    assert not db.session.get(MeetingSlot, last.id).retired
    assert services.open_time_proposals([meeting]) == {}
    with pytest.raises(services.MeetingError, match="no longer open"):
        services.accept_time_proposal(
            db.session.get(MeetingTimeProposal, proposal.id), alpha, meetup.exhibitor_admin
        )
    db.session.rollback()
    assert db.session.get(Meeting, meeting.id).slot_id == meetup.slots[0].id
    # The slot is free to propose afresh.
    again = services.propose_time(meeting, last, gamma, meetup.attendee)
    db.session.commit()
    services.accept_time_proposal(again, alpha, meetup.exhibitor_admin)
    db.session.commit()
    assert db.session.get(Meeting, meeting.id).slot_id == last.id


@pytest.mark.parametrize("posted", ["99999999999999999999", "2147483648", "-3", "0"])
def test_a_slot_id_beyond_any_row_is_refused_saying_so(meetup, client, posted):
    """A number no slot can have (past the 32-bit id column) is told as a missing
    choice, not a server error from the database."""
    meeting = booked_meeting(meetup)
    login(client, meetup.exhibitor_admin)
    response = client.post(
        f"/e/test-expo/meetings/m/{meeting.id}/propose?lang=en",
        data={"slot_id": posted},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "Choose a time slot." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(MeetingTimeProposal)) == 0


def test_a_meeting_whose_attendance_is_recorded_keeps_its_time(meetup, client, english):
    """An organizer records attendance before the slot (the pair met early): the
    proposal waiting for an answer is no longer shown, and accepting it closes it
    instead of moving a meeting that took place."""
    meeting = booked_meeting(meetup)
    alpha, gamma = meetup.profiles["alpha"], meetup.profiles["gamma"]
    proposal = services.propose_time(meeting, meetup.slots[2], gamma, meetup.attendee)
    db.session.commit()
    services.mark_attendance(meeting, "attended", meetup.organizer)
    db.session.commit()
    seats = _seats(meeting)
    assert services.open_time_proposals([meeting]) == {}
    login(client, meetup.exhibitor_admin)
    page = client.get(f"/e/test-expo/meetings/m/{meeting.id}?lang=en").get_data(as_text=True)
    assert f'id="proposal-{proposal.id}"' not in page
    with pytest.raises(services.ProposalClosed, match="Only scheduled meetings"):
        services.accept_time_proposal(proposal, alpha, meetup.exhibitor_admin)
    db.session.commit()
    db.session.expire_all()
    kept = db.session.get(Meeting, meeting.id)
    assert (kept.status, kept.slot_id, kept.sequence) == ("attended", meetup.slots[0].id, 0)
    assert _seats(kept) == seats
    assert db.session.get(MeetingTimeProposal, proposal.id).status == "closed"


def test_a_removed_slot_keeps_the_proposals_made_for_it(meetup, english):
    """The organizer shortens the day: a slot nothing but time proposals point to is
    retired, not deleted, so the proposals (answered ones too) and their audit trail
    stay; the open one closes and can no longer be answered."""
    meeting = booked_meeting(meetup)
    alpha, gamma = meetup.profiles["alpha"], meetup.profiles["gamma"]
    last = meetup.slots[3]  # day 1, 11:30
    declined = services.propose_time(meeting, last, gamma, meetup.attendee, "Late lunch?")
    db.session.commit()
    services.decline_time_proposal(declined, alpha, meetup.exhibitor_admin)
    db.session.commit()
    waiting = services.propose_time(meeting, last, gamma, meetup.attendee)
    db.session.commit()
    ids = (declined.id, waiting.id)
    services.save_settings(meetup.event, meetup.organizer, day_ends_at=time(11, 30))
    db.session.commit()
    db.session.expire_all()
    kept = [db.session.get(MeetingTimeProposal, pid) for pid in ids]
    assert [p and p.status for p in kept] == ["declined", "closed"]
    assert db.session.get(MeetingSlot, last.id).retired
    assert services.open_time_proposals([meeting]) == {}
    with pytest.raises(services.MeetingError, match="no longer open"):
        services.accept_time_proposal(kept[1], alpha, meetup.exhibitor_admin)
    db.session.rollback()
    assert db.session.get(Meeting, meeting.id).slot_id == meetup.slots[0].id


@pytest.mark.parametrize("action", ["decline", "withdraw"])
def test_a_lapsed_proposal_is_closed_not_declined_or_withdrawn(
    meetup, client, outbox, monkeypatch, action
):
    """Answered from a page left open until the proposed time started: the proposal
    closes, and nobody is mailed that a time was declined or withdrawn while the
    meeting 'stays at its time'."""
    meeting = booked_meeting(meetup, slot_index=4)
    proposal = services.propose_time(
        meeting, meetup.slots[1], meetup.profiles["alpha"], meetup.exhibitor_admin
    )
    db.session.commit()
    monkeypatch.setattr(services, "_now", lambda: meetup.slots[1].starts_at)
    login(client, meetup.attendee if action == "decline" else meetup.exhibitor_admin)
    page = _act(client, proposal, action)
    assert "This proposal is no longer open." in page
    db.session.expire_all()
    assert db.session.get(MeetingTimeProposal, proposal.id).status == "closed"
    assert outbox("meeting_time_declined") == [] and outbox("meeting_time_withdrawn") == []
    assert db.session.get(Meeting, meeting.id).slot_id == meetup.slots[4].id


@pytest.mark.parametrize("marking", ["receiver", "proposer"])
def test_marking_the_proposed_slot_unavailable_closes_the_proposal(meetup, client, marking):
    """A side marks the proposed slot as unavailable: the proposal closes, as when the
    settings remove its slot, instead of staying open to be refused as taken when
    accepted. Proposals of other pairs for that slot stay open."""
    meeting = booked_meeting(meetup)
    alpha, beta, gamma = (meetup.profiles[k] for k in ("alpha", "beta", "gamma"))
    target = meetup.slots[2]
    proposal = services.propose_time(meeting, target, gamma, meetup.attendee)
    d_user, delta = add_company(meetup.event, "delta", "startup")
    other = services.book(
        accepted_request(meetup.event, delta, beta, d_user), meetup.slots[1], d_user
    )
    untouched = services.propose_time(other, target, delta, d_user)
    db.session.commit()

    marker, user = (
        (alpha, meetup.exhibitor_admin) if marking == "receiver" else (gamma, meetup.attendee)
    )
    login(client, user)
    client.post("/e/test-expo/meetings/availability", data={"unavailable": [str(target.id)]})
    db.session.expire_all()
    assert services.unavailable_slot_ids(marker) == {target.id}
    assert db.session.get(MeetingTimeProposal, proposal.id).status == "closed"
    assert db.session.get(MeetingTimeProposal, untouched.id).status == "open"
    closed = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "meeting_time_proposal.closed")
    )
    assert closed.data == {"meeting": meeting.id, "slot": target.code, "why": "unavailable"}
    assert services.open_time_proposals([meeting]) == {}

    client.post("/logout")
    login(client, meetup.exhibitor_admin)  # alpha answers
    page = _act(client, db.session.get(MeetingTimeProposal, proposal.id), "accept")
    assert "This proposal is no longer open." in page
    assert "taken meanwhile" not in page
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).slot_id == meetup.slots[0].id


def test_accepting_a_proposal_again_says_it_is_already_accepted(meetup, client, outbox):
    """A second tap on Accept (or another tab, a colleague) was answered "This proposal
    is no longer open." although the meeting had moved to the proposed time; it now
    says the proposal is already accepted, and so does a Decline there."""
    meeting = booked_meeting(meetup)
    target = meetup.slots[2]
    proposal = services.propose_time(
        meeting, target, meetup.profiles["alpha"], meetup.exhibitor_admin
    )
    db.session.commit()
    login(client, meetup.attendee)  # gamma answers
    assert "The meeting is moved to the new time" in _act(client, proposal, "accept")
    page = _act(client, proposal, "accept")
    assert "This proposal is already accepted." in page and "no longer open" not in page
    assert "This proposal is already accepted." in _act(client, proposal, "decline")
    db.session.expire_all()
    assert db.session.get(MeetingTimeProposal, proposal.id).status == "accepted"
    moved = db.session.get(Meeting, meeting.id)
    assert (moved.slot_id, moved.sequence) == (target.id, 1)
    assert len(outbox("meeting_moved")) == 3  # once: two alpha users + gamma's
    assert outbox("meeting_time_declined") == []


def test_a_proposal_answered_or_withdrawn_is_told_with_its_time_zone(meetup, outbox):
    """The proposed time came without its zone, unlike the meeting's time under it: a
    partner abroad read it on their own clock."""
    meeting = booked_meeting(meetup)
    gamma, alpha = meetup.profiles["gamma"], meetup.profiles["alpha"]
    slot = meetup.slots[3]
    proposed = slot.starts_at.astimezone(meetup.event.tz).strftime("%Y-%m-%d %H:%M")
    proposal = services.propose_time(meeting, slot, gamma, meetup.attendee)
    services.decline_time_proposal(proposal, alpha, meetup.exhibitor_admin)
    proposal = services.propose_time(meeting, slot, alpha, meetup.exhibitor_admin)
    services.withdraw_time_proposal(proposal, alpha, meetup.exhibitor_admin)
    db.session.commit()
    for kind in ("meeting_time_declined", "meeting_time_withdrawn"):
        (_to, _subject, text), *_ = outbox(kind)
        assert f"({proposed} Asia/Seoul)" in text, (kind, text)
