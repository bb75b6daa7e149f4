"""The request flow: request -> accept/decline -> book -> remind -> attended/no-show ->
follow-up; cancelling frees the slot and tells the other side."""

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import delete, func, select, update

from eventapp.core.db import utcnow
from eventapp.extensions import db
from eventapp.meetings import services
from eventapp.meetings.models import Meeting, MeetingRequest, MeetingSeat, MeetingTable
from tests.conftest import login, statements_of
from tests.meetings.conftest import (
    accepted_request,
    add_company,
    booked_meeting,
    uncommitted_elsewhere,
)


def _seats(meeting_id=None):
    query = select(func.count()).select_from(MeetingSeat)
    if meeting_id is not None:
        query = query.where(MeetingSeat.meeting_id == meeting_id)
    return db.session.scalar(query)


def test_full_flow_over_http(meetup, client, outbox):
    alpha, gamma = meetup.profiles["alpha"], meetup.profiles["gamma"]
    login(client, meetup.exhibitor_admin)  # acts for alpha (startup)
    response = client.post(
        f"/e/test-expo/meetings/partners/{gamma.id}/request",
        data={"message": "We inspect welds with machine vision."},
    )
    assert response.status_code == 302
    request = db.session.scalar(select(MeetingRequest))
    assert (request.startup_id, request.firm_id, request.status) == (
        alpha.id,
        gamma.id,
        "requested",
    )
    assert request.requester_side == "startup" and request.weight == 1
    assert request.requested_by_id == meetup.exhibitor_admin.id
    mails = outbox("meeting_request")
    assert [m[0] for m in mails] == ["attendee@example.org"]
    assert "machine vision" in mails[0][2].lower()

    # The requester cannot accept its own request.
    assert client.post(f"/e/test-expo/meetings/requests/{request.id}/accept").status_code == 302
    db.session.expire_all()
    assert db.session.get(MeetingRequest, request.id).status == "requested"

    client.post("/logout")
    login(client, meetup.attendee)  # acts for gamma (firm)
    page = client.get(f"/e/test-expo/meetings/requests/{request.id}")
    assert "We inspect welds" in page.get_data(as_text=True)
    client.post(f"/e/test-expo/meetings/requests/{request.id}/accept")
    db.session.expire_all()
    assert db.session.get(MeetingRequest, request.id).status == "accepted"
    assert {m[0] for m in outbox("meeting_request_accepted")} == {
        "exhibitor_admin@example.org",
        "exhibitor_staff@example.org",
    }

    # Common free slots are listed; book the third one.
    page = client.get(f"/e/test-expo/meetings/requests/{request.id}").get_data(as_text=True)
    slot = meetup.slots[2]
    assert f'data-slot="{slot.code}"' in page
    response = client.post(
        f"/e/test-expo/meetings/requests/{request.id}/book", data={"slot_id": slot.id}
    )
    assert response.status_code == 302 and "/meetings/m/" in response.location
    meeting = db.session.scalar(select(Meeting))
    assert meeting.slot_id == slot.id and meeting.table.code == "T01"
    assert meeting.status == "scheduled" and meeting.sequence == 0
    assert meeting.uid.startswith("meeting-") and meeting.uid.endswith("@kicxup.eventapp")
    assert _seats(meeting.id) == 3  # startup, firm, table
    assert len(outbox("meeting_scheduled")) == 3  # two alpha users + gamma's

    # Booked slot is gone from the free list of both.
    db.session.expire_all()
    assert slot not in services.common_free_slots(db.session.get(MeetingRequest, request.id))

    # Agenda of both sides shows it.
    agenda = client.get("/e/test-expo/meetings/agenda").get_data(as_text=True)
    assert "Alpha Robotics" in agenda and "T01" in agenda


def test_decline_needs_a_reason_and_tells_the_requester(meetup, outbox):
    alpha, beta = meetup.profiles["alpha"], meetup.profiles["beta"]
    request = services.send_request(meetup.event, alpha, beta, meetup.exhibitor_admin, "Hi")
    with pytest.raises(services.MeetingError):
        services.decline_request(request, beta, meetup.other_exhibitor, "  ")
    services.decline_request(request, beta, meetup.other_exhibitor, "Not our field this year")
    db.session.commit()
    assert request.status == "declined"
    mails = outbox("meeting_request_declined")
    assert len(mails) == 2 and all("Not our field this year" in m[2] for m in mails)
    # The declined side may not ask again; the firm that declined may.
    with pytest.raises(services.MeetingError):
        services.send_request(meetup.event, alpha, beta, meetup.exhibitor_admin)
    again = services.send_request(meetup.event, beta, alpha, meetup.other_exhibitor)
    assert again.status == "requested" and again.requester_side == "firm"


def test_a_declined_requester_is_not_offered_the_request_form_again(meetup, client):
    """The partner page of a company that declined our request still showed "Request
    a meeting": whatever was typed there was lost to "This company has declined a
    meeting request from you." The page now says so instead of offering the form;
    the company that declined may still ask, from its own page."""
    alpha, beta = meetup.profiles["alpha"], meetup.profiles["beta"]
    request = services.send_request(meetup.event, alpha, beta, meetup.exhibitor_admin, "Hi")
    services.decline_request(request, beta, meetup.other_exhibitor, "Not our field this year")
    db.session.commit()
    login(client, meetup.exhibitor_admin)  # alpha
    page = client.get(f"/e/test-expo/meetings/partners/{beta.id}").get_data(as_text=True)
    assert f"/meetings/partners/{beta.id}/request" not in page
    assert "This company has declined a meeting request from you." in page
    client.post("/logout")
    login(client, meetup.other_exhibitor)  # beta
    page = client.get(f"/e/test-expo/meetings/partners/{alpha.id}").get_data(as_text=True)
    assert f"/meetings/partners/{alpha.id}/request" in page and "has declined" not in page


def test_outside_the_booking_window_the_partner_page_offers_no_request_form(meetup, client):
    """Before requests open, the partner page still offered "Request a meeting": what
    was typed there was lost to "Meeting requests and bookings are closed at the
    moment." The page says so instead; the organizers may still request."""

    meetup.settings.booking_opens_at = utcnow() + timedelta(days=3)
    db.session.commit()
    gamma = meetup.profiles["gamma"]
    login(client, meetup.exhibitor_admin)  # alpha
    page = client.get(f"/e/test-expo/meetings/partners/{gamma.id}").get_data(as_text=True)
    assert f"/meetings/partners/{gamma.id}/request" not in page
    assert "Meeting requests and bookings open on " in page
    meetup.settings.booking_opens_at = None
    db.session.commit()
    page = client.get(f"/e/test-expo/meetings/partners/{gamma.id}").get_data(as_text=True)
    assert f"/meetings/partners/{gamma.id}/request" in page and "bookings open on" not in page


def test_the_korean_request_page_names_the_requesting_company_as_a_company(meetup, client):
    """The request came "from 알파로보틱스 님", the honorific of a person given to a company."""
    alpha, gamma = meetup.profiles["alpha"], meetup.profiles["gamma"]
    request = services.send_request(meetup.event, alpha, gamma, meetup.exhibitor_admin)
    db.session.commit()
    login(client, meetup.attendee)
    page = client.get(f"/e/test-expo/meetings/requests/{request.id}?lang=ko")
    text = page.get_data(as_text=True)
    assert "알파로보틱스에서 " in text and "알파로보틱스 님" not in text


def test_a_closed_booking_window_says_when_it_opens_or_closed(meetup, client):
    """ "Closed at the moment" left people guessing when to come back: the meetup's
    pages and the refusal name the moment, in the event's time zone."""
    alpha, gamma = meetup.profiles["alpha"], meetup.profiles["gamma"]
    request = services.send_request(meetup.event, alpha, gamma, meetup.exhibitor_admin)
    services.accept_request(request, gamma, meetup.attendee)
    tz = meetup.event.tz
    opens = datetime(2030, 3, 2, 23, 30, tzinfo=UTC)  # 08:30 on 3 March in Seoul
    meetup.settings.booking_opens_at = opens
    db.session.commit()
    login(client, meetup.exhibitor_admin)
    said = "Meeting requests and bookings open on 2030-03-03 08:30 (South Korea Time)."
    for url in ("/e/test-expo/meetings/", f"/e/test-expo/meetings/requests/{request.id}"):
        page = html.unescape(client.get(url + "?lang=en").get_data(as_text=True))
        assert said in page, url
    page = html.unescape(client.get("/e/test-expo/meetings/?lang=ko").get_data(as_text=True))
    assert "미팅 신청과 예약은 2030-03-03 08:30(대한민국 시간)에 열립니다." in page

    closed = utcnow() - timedelta(hours=2)
    meetup.settings.booking_opens_at = None
    meetup.settings.booking_closes_at = closed
    db.session.commit()
    with force_locale("en"), pytest.raises(services.MeetingError) as refused:
        services.book(request, meetup.slots[1], meetup.exhibitor_admin)
    db.session.rollback()
    assert str(refused.value) == (
        "Meeting requests and bookings closed on "
        f"{closed.astimezone(tz):%Y-%m-%d %H:%M} (South Korea Time)."
    )


def test_no_request_once_the_meetup_s_last_slot_has_begun(meetup, client, outbox, monkeypatch):
    """With no closing time set, a startup could still ask a firm for a meeting after
    the meetup: the firm was mailed a request no slot was left to book, and the page
    of an accepted request sent both to their availability for a free slot."""
    alpha, beta, gamma = (meetup.profiles[key] for key in ("alpha", "beta", "gamma"))
    accepted = accepted_request(meetup.event, alpha, beta, meetup.exhibitor_admin)
    db.session.commit()
    last = meetup.slots[-1]
    login(client, meetup.exhibitor_admin)  # alpha
    partner = f"/e/test-expo/meetings/partners/{gamma.id}"
    # While the last slot is still to come, it can be asked for and booked.
    monkeypatch.setattr(services, "_now", lambda: last.starts_at - timedelta(minutes=1))
    assert f"{partner}/request" in client.get(partner + "?lang=en").get_data(as_text=True)

    monkeypatch.setattr(services, "_now", lambda: last.starts_at)
    said = (
        f"The meetup's last time slot began on {last.local_start():%Y-%m-%d %H:%M} "
        "(South Korea Time): no more meetings can be requested or booked."
    )
    page = html.unescape(client.get(partner + "?lang=en").get_data(as_text=True))
    assert f"{partner}/request" not in page and said in page
    sent_before = len(outbox("meeting_request"))
    response = client.post(f"{partner}/request?lang=en", data={"message": "Still here?"})
    assert response.status_code == 302
    assert db.session.scalar(select(MeetingRequest).filter_by(firm_id=gamma.id)) is None
    assert len(outbox("meeting_request")) == sent_before
    page = html.unescape(
        client.get(f"/e/test-expo/meetings/requests/{accepted.id}?lang=en").get_data(as_text=True)
    )
    assert said in page and "Check your availability" not in page
    page = html.unescape(client.get("/e/test-expo/meetings/?lang=ko").get_data(as_text=True))
    assert "글로벌 밋업의 마지막 시간대가 " in page


def test_a_company_nobody_acts_for_is_no_partner_to_ask(meetup, client, outbox):
    """Delta's one person went over to Beta's team: nobody acts for Delta any more. It
    was still listed among the partners, and a request sent to it waited for an
    answer nobody could give. It is no longer listed, and asking it is refused."""
    from eventapp.events.models import EventRole

    person, delta = add_company(meetup.event, "delta", "large_firm", keywords="machine vision")
    db.session.commit()
    login(client, meetup.exhibitor_admin)  # alpha
    partners = "/e/test-expo/meetings/partners?lang=en"
    assert f'data-profile="{delta.id}"' in client.get(partners).get_data(as_text=True)
    db.session.add(
        EventRole(
            event=meetup.event,
            user=person,
            role="exhibitor_staff",
            organization=meetup.companies["beta"],
        )
    )
    db.session.commit()
    assert delta.contacts() == []
    assert f'data-profile="{delta.id}"' not in client.get(partners).get_data(as_text=True)
    said = (
        "Nobody takes part in the meetup for Delta Co at the moment: it cannot be asked "
        "for a meeting."
    )
    url = f"/e/test-expo/meetings/partners/{delta.id}"
    page = html.unescape(client.get(url + "?lang=en").get_data(as_text=True))
    assert said in page and f"{url}/request" not in page
    response = client.post(f"{url}/request?lang=en", data={"message": "Hello"})
    assert said in html.unescape(client.get(response.location).get_data(as_text=True))
    assert db.session.scalar(select(MeetingRequest).filter_by(firm_id=delta.id)) is None
    page = html.unescape(client.get(url + "?lang=ko").get_data(as_text=True))
    assert "현재 delta 회사 소속으로 글로벌 밋업에 참여하는 사람이 없어" in page


def test_accepted_while_booking_is_closed_the_request_is_not_to_book_now(meetup, client):
    """Accepted after booking closed, the request said "Book a time slot now." above a
    page saying that bookings closed."""
    alpha, beta, gamma = (meetup.profiles[key] for key in ("alpha", "beta", "gamma"))
    early = services.send_request(meetup.event, alpha, gamma, meetup.exhibitor_admin)
    late = services.send_request(meetup.event, alpha, beta, meetup.exhibitor_admin)
    db.session.commit()
    login(client, meetup.attendee)  # gamma
    url = f"/e/test-expo/meetings/requests/{early.id}"
    page = client.post(f"{url}/accept?lang=en", follow_redirects=True).get_data(as_text=True)
    assert "Request accepted. Book a time slot now." in page
    meetup.settings.booking_closes_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    client.post("/logout")
    login(client, meetup.other_exhibitor)  # beta
    url = f"/e/test-expo/meetings/requests/{late.id}"
    page = client.post(f"{url}/accept?lang=en", follow_redirects=True).get_data(as_text=True)
    assert "Request accepted." in page and "Book a time slot now" not in page
    assert "Meeting requests and bookings closed on " in page
    assert db.session.get(MeetingRequest, late.id).status == "accepted"


def test_the_invited_company_declines_a_request_but_cannot_withdraw_it(meetup, client, outbox):
    """The invited company's page of a request waiting for its answer offered, beside
    Accept and Decline, "Withdraw the request": a decline without the reason a decline
    needs, told to the sender as if the request had been withdrawn, and which let it
    be sent again. Only the sender withdraws it now."""
    alpha, gamma = meetup.profiles["alpha"], meetup.profiles["gamma"]
    request = services.send_request(meetup.event, alpha, gamma, meetup.exhibitor_admin, "Hi")
    db.session.commit()
    url = f"/e/test-expo/meetings/requests/{request.id}"
    login(client, meetup.attendee)  # gamma, the invited firm
    page = client.get(url).get_data(as_text=True)
    assert f"{url}/accept" in page and f"{url}/decline" in page and f"{url}/cancel" not in page
    client.post(f"{url}/cancel", data={"reason": ""})
    page = client.get(url).get_data(as_text=True)
    assert "Only the company that sent this request can withdraw it." in page
    db.session.expire_all()
    assert db.session.get(MeetingRequest, request.id).status == "requested"
    assert outbox("meeting_request_cancelled") == []
    client.post("/logout")
    login(client, meetup.exhibitor_admin)  # alpha, the sender
    assert f"{url}/cancel" in client.get(url).get_data(as_text=True)
    client.post(f"{url}/cancel", data={"reason": "Plans changed"})
    db.session.expire_all()
    assert db.session.get(MeetingRequest, request.id).status == "cancelled"
    assert [m[0] for m in outbox("meeting_request_cancelled")] == ["attendee@example.org"]


def test_accepting_again_from_another_tab_says_the_request_is_accepted(meetup, client):
    """A second Accept (a double tap, another tab, a colleague) was answered "This
    request is no longer open.", as if it had been withdrawn, above a request shown as
    accepted. It now says the request is already accepted; so does a Decline there."""
    alpha, gamma = meetup.profiles["alpha"], meetup.profiles["gamma"]
    request = services.send_request(meetup.event, alpha, gamma, meetup.exhibitor_admin, "Hi")
    db.session.commit()
    url = f"/e/test-expo/meetings/requests/{request.id}"
    login(client, meetup.attendee)  # gamma, the invited firm
    client.post(f"{url}/accept")
    page = client.post(f"{url}/accept", follow_redirects=True).get_data(as_text=True)
    assert "This request is already accepted." in page and "no longer open" not in page
    page = client.post(f"{url}/decline", data={"reason": "No"}, follow_redirects=True)
    assert "This request is already accepted." in page.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(MeetingRequest, request.id).status == "accepted"


def test_a_second_tap_on_cancel_or_decline_says_it_is_done_already(meetup, client, outbox):
    """A second Cancel (a double tap, another tab, the other side first) was answered
    "Only scheduled meetings can be cancelled." or "This request is no longer open.",
    as if the first had failed; a second Decline likewise. Each now says what was
    done, and the other side is told once."""
    alpha, beta, gamma = (meetup.profiles[key] for key in ("alpha", "beta", "gamma"))
    meeting = booked_meeting(meetup)  # alpha and gamma
    waiting = services.send_request(meetup.event, alpha, beta, meetup.exhibitor_admin)
    db.session.commit()
    base = "/e/test-expo/meetings"
    login(client, meetup.exhibitor_admin)  # alpha
    page = client.post(f"{base}/m/{meeting.id}/cancel?lang=en", follow_redirects=True)
    assert "The meeting is cancelled and the slot is free again." in page.get_data(as_text=True)
    told = len(outbox("meeting_cancelled"))
    assert told
    for url in (f"{base}/m/{meeting.id}/cancel", f"{base}/requests/{meeting.request_id}/cancel"):
        text = client.post(url + "?lang=en", follow_redirects=True).get_data(as_text=True)
        assert "This meeting is already cancelled." in text, url
        assert "Only scheduled" not in text and "no longer open" not in text, url
    assert len(outbox("meeting_cancelled")) == told
    url = f"{base}/requests/{waiting.id}/cancel?lang=en"
    client.post(url)
    text = client.post(url, follow_redirects=True).get_data(as_text=True)
    assert "This request is already withdrawn." in text and "no longer open" not in text

    declined = services.send_request(meetup.event, alpha, gamma, meetup.exhibitor_admin)
    db.session.commit()
    client.post("/logout")
    login(client, meetup.attendee)  # gamma, the invited firm
    url = f"{base}/requests/{declined.id}/decline?lang=en"
    client.post(url, data={"reason": "Not this year"})
    text = client.post(url, data={"reason": "No"}, follow_redirects=True).get_data(as_text=True)
    assert "This request is already declined." in text and "no longer open" not in text
    page = client.post(f"{base}/requests/{declined.id}/accept?lang=en", follow_redirects=True)
    assert "This request is already declined." in page.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(MeetingRequest, declined.id).decline_reason == "Not this year"


def test_a_page_left_open_while_the_other_side_called_it_off_says_what_happened(
    meetup, client, outbox
):
    """The invited company answering a request its sender withdrew meanwhile was told
    "This request is no longer open."; a slot booked on the page of an accepted request
    withdrawn meanwhile, "Only accepted requests can be scheduled.", as if it had never
    been accepted; the sender withdrawing a request declined meanwhile, "no longer
    open" too. Each now says what the other side did, and nothing changes."""
    alpha, gamma = meetup.profiles["alpha"], meetup.profiles["gamma"]
    base = "/e/test-expo/meetings/requests"
    withdrawn = services.send_request(meetup.event, alpha, gamma, meetup.exhibitor_admin)
    services.cancel_request(withdrawn, meetup.exhibitor_admin, profile=alpha)
    db.session.commit()
    login(client, meetup.attendee)  # gamma, the invited firm, with the page still open
    said = "This request was withdrawn meanwhile: there is nothing to answer."
    for action, data in (("accept", {}), ("decline", {"reason": "Not now"})):
        response = client.post(f"{base}/{withdrawn.id}/{action}?lang=en", data=data)
        assert response.location.split("?")[0].endswith(f"{base}/{withdrawn.id}")
        page = client.get(response.location).get_data(as_text=True)
        assert said in page and "no longer open" not in page, action
    page = client.post(f"{base}/{withdrawn.id}/accept?lang=ko", follow_redirects=True)
    assert "이 신청은 그사이 철회되었습니다" in page.get_data(as_text=True)
    # Declined without a reason, it is the withdrawal that is said, not the reason missing.
    page = client.post(f"{base}/{withdrawn.id}/decline?lang=en", data={"reason": " "})
    page = client.get(page.location).get_data(as_text=True)
    assert said in page and "Please give a reason" not in page

    def book(request):
        url = f"{base}/{request.id}/book?lang=en"
        response = client.post(url, data={"slot_id": meetup.slots[1].id}, follow_redirects=True)
        return response.get_data(as_text=True)

    accepted = accepted_request(meetup.event, alpha, gamma, meetup.exhibitor_admin)
    services.cancel_request(accepted, meetup.exhibitor_admin, profile=alpha)
    db.session.commit()
    page = book(accepted)
    assert "This request was withdrawn meanwhile: no meeting can be booked for it." in page
    assert "Only accepted requests" not in page
    # Booked and then cancelled by the other side: it is the meeting that was called off.
    booked = accepted_request(meetup.event, alpha, gamma, meetup.exhibitor_admin)
    services.cancel_meeting(
        services.book(booked, meetup.slots[0], meetup.exhibitor_admin),
        meetup.exhibitor_admin,
        profile=alpha,
    )
    db.session.commit()
    page = book(booked)
    assert "This meeting was cancelled." in page and "Only accepted requests" not in page
    assert _seats() == 0

    declined = services.send_request(meetup.event, alpha, gamma, meetup.exhibitor_admin)
    services.decline_request(declined, gamma, meetup.attendee, "Not this year")
    db.session.commit()
    told = len(outbox("meeting_request_cancelled"))
    login(client, meetup.exhibitor_admin)  # alpha, the sender, with the page still open
    page = client.post(f"{base}/{declined.id}/cancel?lang=en", follow_redirects=True)
    page = page.get_data(as_text=True)
    assert "This request is already declined." in page and "no longer open" not in page
    db.session.expire_all()
    assert [
        db.session.get(MeetingRequest, r.id).status for r in (withdrawn, accepted, declined)
    ] == [
        "cancelled",
        "cancelled",
        "declined",
    ]
    assert len(outbox("meeting_request_cancelled")) == told


def test_a_request_sent_twice_leads_to_the_request_sent(meetup, client, outbox):
    """A double tap on "Send request" (or a second tab): the second post was answered
    "There is already a meeting request between you." on the partner's page, the last
    page the sender saw, as if sending had failed. Both now lead to the request's
    page, which the second says was sent already; one request, one mail."""
    gamma = meetup.profiles["gamma"]
    login(client, meetup.exhibitor_admin)  # alpha
    url = f"/e/test-expo/meetings/partners/{gamma.id}/request?lang=en"
    first = client.post(url, data={"message": "Let's meet"})
    second = client.post(url, data={"message": "Let's meet"})
    (request,) = db.session.scalars(select(MeetingRequest)).all()
    detail = f"/e/test-expo/meetings/requests/{request.id}"
    assert [r.location.split("?")[0] for r in (first, second)] == [detail, detail]
    page = client.get(second.location).get_data(as_text=True)
    said = "Your meeting request to Gamma Group was sent already and waits for an answer."
    assert f'<div class="flash flash-info" role="status">{said}</div>' in page
    assert "There is already" not in page
    assert len(outbox("meeting_request")) == 1
    # Accepted meanwhile, an old partner page leads to the request, to book it there.
    services.accept_request(request, gamma, meetup.attendee)
    db.session.commit()
    response = client.post(url, data={"message": "Again"})
    assert response.location.split("?")[0] == detail
    assert "There is already a meeting request between you." in client.get(
        response.location
    ).get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(MeetingRequest)) == 1


def test_a_slot_booked_twice_or_by_both_sides_says_when_it_is_booked(meetup, client, outbox):
    """A double tap on a slot, or both sides booking from their request pages at once:
    the second was answered "This meeting is already scheduled." as an error, without
    saying when. It now says when and where the meeting is booked, above the request's
    page that links to it; one meeting, one invitation each."""
    alpha, gamma = meetup.profiles["alpha"], meetup.profiles["gamma"]
    request = accepted_request(meetup.event, alpha, gamma, meetup.exhibitor_admin)
    db.session.commit()
    url = f"/e/test-expo/meetings/requests/{request.id}/book?lang=en"
    login(client, meetup.exhibitor_admin)  # alpha
    client.post(url, data={"slot_id": meetup.slots[0].id})
    client.get("/e/test-expo/meetings/requests")  # the first answer is read
    second = client.post(url, data={"slot_id": meetup.slots[0].id}, follow_redirects=True)
    (meeting,) = db.session.scalars(select(Meeting)).all()
    said = f"This meeting is booked already: {meetup.slots[0].label}, T01 (Meeting zone)."
    page = second.get_data(as_text=True)
    assert f'<div class="flash flash-info" role="status">{said}</div>' in page
    assert f"/e/test-expo/meetings/m/{meeting.id}" in page and "already scheduled" not in page
    # The other side, its page still offering every slot, books another one.
    login(client, meetup.attendee)  # gamma
    page = client.post(url, data={"slot_id": meetup.slots[2].id}, follow_redirects=True)
    assert said in page.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).slot_id == meetup.slots[0].id
    assert _seats() == 3
    assert len(outbox("meeting_scheduled")) == 3  # alpha's two people and gamma's one


def test_mutual_requests_become_one_accepted_request_of_weight_three(meetup, client, outbox):
    alpha, gamma = meetup.profiles["alpha"], meetup.profiles["gamma"]
    first = services.send_request(
        meetup.event, alpha, gamma, meetup.exhibitor_admin, "We inspect welds"
    )
    db.session.commit()
    second = services.send_request(
        meetup.event, gamma, alpha, meetup.attendee, "Our lines need inspection"
    )
    db.session.commit()
    assert second.id == first.id
    assert (first.status, first.mutual, first.weight) == ("accepted", True, 3)
    assert db.session.scalar(select(func.count()).select_from(MeetingRequest)) == 1
    # Both messages are kept, each with its sender.
    assert first.message == "We inspect welds"
    assert first.receiver_message == "Our lines need inspection"
    mails = outbox("meeting_request_accepted")
    assert {m[0] for m in mails} == {"exhibitor_admin@example.org", "exhibitor_staff@example.org"}
    assert all("Our lines need inspection" in m[2] for m in mails)
    login(client, meetup.exhibitor_staff)
    page = client.get(f"/e/test-expo/meetings/requests/{first.id}").get_data(as_text=True)
    assert "We inspect welds" in page and "Our lines need inspection" in page
    with pytest.raises(services.MeetingError):
        services.send_request(meetup.event, alpha, gamma, meetup.exhibitor_admin)


def test_opposite_requests_that_race_end_as_one_mutual_request(meetup, monkeypatch):
    """Two opposite requests at the same moment: the second sender looked before the
    first one's request was visible (as on PostgreSQL without a lock), so its insert
    hits the unique index of open pairs; it must look again and make the pair mutual
    instead of failing."""
    alpha, gamma = meetup.profiles["alpha"], meetup.profiles["gamma"]
    first = services.send_request(meetup.event, alpha, gamma, meetup.exhibitor_admin, "A")
    db.session.commit()
    looks = []
    real = services.pair_requests

    def first_look_misses_it(startup, firm):
        looks.append(1)
        return [] if len(looks) == 1 else real(startup, firm)

    monkeypatch.setattr(services, "pair_requests", first_look_misses_it)
    second = services.send_request(meetup.event, gamma, alpha, meetup.attendee, "G")
    db.session.commit()
    assert len(looks) == 2
    assert second.id == first.id
    assert (second.status, second.mutual, second.message, second.receiver_message) == (
        "accepted",
        True,
        "A",
        "G",
    )
    assert db.session.scalar(select(func.count()).select_from(MeetingRequest)) == 1


def test_same_side_and_duplicate_requests_are_refused(meetup):
    beta, gamma = meetup.profiles["beta"], meetup.profiles["gamma"]
    with force_locale("en"), pytest.raises(services.MeetingError) as refused:
        services.send_request(meetup.event, beta, gamma, meetup.other_exhibitor)
    assert str(refused.value) == "Gamma Group is a firm too: meetups pair a startup with a firm."
    with force_locale("ko"), pytest.raises(services.MeetingError) as refused:
        services.send_request(meetup.event, beta, gamma, meetup.other_exhibitor)
    assert str(refused.value) == "감마그룹도 기업입니다. 밋업은 스타트업과 기업을 연결합니다."
    alpha = meetup.profiles["alpha"]
    services.send_request(meetup.event, alpha, gamma, meetup.exhibitor_admin)
    with pytest.raises(services.MeetingError):
        services.send_request(meetup.event, alpha, gamma, meetup.exhibitor_staff)


def test_a_startup_asking_a_startup_is_told_it_is_a_startup_too(meetup, client, outbox):
    """A request to a company of one's own side (an old page, a hand-made request)
    was refused with "Meetings are between a startup and a firm.", which did not say
    what was wrong: the page names the company and its side."""
    _delta_user, delta = add_company(meetup.event, "delta", "startup")
    db.session.commit()
    with force_locale("en"), pytest.raises(services.MeetingError) as refused:
        services.send_request(meetup.event, meetup.profiles["alpha"], delta, meetup.exhibitor_admin)
    db.session.rollback()
    assert str(refused.value) == "Delta Co is a startup too: meetups pair a startup with a firm."

    login(client, meetup.exhibitor_admin)  # acts for alpha (startup)
    partner = f"/e/test-expo/meetings/partners/{delta.id}"
    said = "Delta Co is a startup too: meetups pair a startup with a firm."
    page = html.unescape(client.get(partner + "?lang=en").get_data(as_text=True))
    assert said in page and f"{partner}/request" not in page
    # Posted as the request form does (the form of a page from before, or made by hand).
    response = client.post(f"{partner}/request?lang=en", data={"message": "Hello"})
    assert response.status_code == 302 and response.location.split("?")[0].endswith(partner)
    page = html.unescape(client.get(partner + "?lang=en").get_data(as_text=True))
    assert said in page.split('id="same-side"')[0]  # the flash, above the page's note
    client.post(f"{partner}/request?lang=ko", data={"message": "Hello"})
    page = html.unescape(client.get(partner + "?lang=ko").get_data(as_text=True))
    said = "delta 회사도 스타트업입니다. 밋업은 스타트업과 기업을 연결합니다."
    assert said in page.split('id="same-side"')[0]
    assert db.session.scalar(select(func.count()).select_from(MeetingRequest)) == 0
    assert outbox("meeting_request") == []


def test_a_firm_posting_a_request_to_a_firm_is_told_it_is_a_firm_too(meetup, client):
    beta, gamma = meetup.profiles["beta"], meetup.profiles["gamma"]
    login(client, meetup.other_exhibitor)  # acts for beta (firm)
    partner = f"/e/test-expo/meetings/partners/{gamma.id}"
    response = client.post(
        f"{partner}/request?lang=en", data={"message": "Hello"}, follow_redirects=True
    )
    page = html.unescape(response.get_data(as_text=True))
    assert page.count("Gamma Group is a firm too: meetups pair a startup with a firm.") == 2
    assert services.pair_requests(beta, gamma) == []
    assert db.session.scalar(select(func.count()).select_from(MeetingRequest)) == 0


def test_the_partner_list_offers_only_the_other_side(meetup, client):
    """A startup finds firms only, whatever it searches for; a startup's own page
    is not offered either."""
    _delta_user, delta = add_company(meetup.event, "delta", "startup", sector="ai")
    db.session.commit()
    alpha, beta, gamma = (meetup.profiles[key] for key in ("alpha", "beta", "gamma"))
    login(client, meetup.exhibitor_admin)  # alpha (startup)
    base = "/e/test-expo/meetings/partners"
    for query in ("?lang=en&clear=1", "?lang=en&q=delta", "?lang=en&kind=startup", "?lang=en&q=co"):
        page = client.get(base + query).get_data(as_text=True)
        assert f'{base}/{delta.id}"' not in page, query
        assert f'{base}/{alpha.id}"' not in page, query
    page = client.get(base + "?lang=en&clear=1").get_data(as_text=True)
    assert f'{base}/{beta.id}"' in page and f'{base}/{gamma.id}"' in page


def test_cancelling_a_meeting_frees_the_slot_and_tells_the_other_side(meetup, outbox):
    alpha, gamma = meetup.profiles["alpha"], meetup.profiles["gamma"]
    request = services.send_request(meetup.event, alpha, gamma, meetup.exhibitor_admin)
    services.accept_request(request, gamma, meetup.attendee)
    slot = meetup.slots[0]
    meeting = services.book(request, slot, meetup.attendee)
    db.session.commit()
    assert _seats() == 3
    before = len(outbox("meeting_cancelled"))

    services.cancel_meeting(meeting, meetup.attendee, profile=gamma, reason="Travel changed")
    db.session.commit()
    assert meeting.status == "cancelled" and meeting.sequence == 1
    assert request.status == "cancelled"
    assert _seats() == 0
    # One mail each, the side that cancelled too: it carries the calendar's CANCEL.
    cancelled = {to: text for to, _subject, text in outbox("meeting_cancelled")}
    assert sorted(cancelled) == [
        "attendee@example.org",
        "exhibitor_admin@example.org",
        "exhibitor_staff@example.org",
    ]
    assert all("Travel changed" in text for text in cancelled.values())
    assert (
        "Gamma Group cancelled its meeting with Alpha Robotics"
        in (cancelled["exhibitor_admin@example.org"])
    )
    assert (
        "Gamma Group cancelled its meeting with Alpha Robotics"
        in (cancelled["attendee@example.org"])
    )
    assert before == 0

    # The freed slot and table can be booked by another pair right away.
    _user, other = _another_startup(meetup)
    second = services.send_request(meetup.event, other, gamma, _user)
    services.accept_request(second, gamma, meetup.attendee)
    assert slot in services.common_free_slots(second)
    again = services.book(second, slot, _user)
    db.session.commit()
    assert again.table.code == "T01"


def _another_startup(meetup):
    from tests.meetings.conftest import add_company

    return add_company(meetup.event, "delta", "startup")


def test_cancel_over_http_by_the_startup(meetup, client, outbox):
    alpha, beta = meetup.profiles["alpha"], meetup.profiles["beta"]
    request = services.send_request(meetup.event, alpha, beta, meetup.exhibitor_admin)
    services.accept_request(request, beta, meetup.other_exhibitor)
    meeting = services.book(request, meetup.slots[1], meetup.other_exhibitor)
    db.session.commit()
    login(client, meetup.exhibitor_staff)  # any person of alpha may act for it
    # A `next` that a browser reads as another site is not followed.
    response = client.post(
        f"/e/test-expo/meetings/m/{meeting.id}/cancel",
        data={"reason": "Ill", "next": "/\\evil.example"},
    )
    assert response.status_code == 302
    assert response.location == f"/e/test-expo/meetings/m/{meeting.id}"
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).status == "cancelled"
    assert sorted(m[0] for m in outbox("meeting_cancelled")) == [
        "exhibitor_admin@example.org",
        "exhibitor_staff@example.org",
        "other_exhibitor@example.org",
    ]


def test_cancel_reasons_keep_to_the_form_limit(meetup, client, outbox):
    from eventapp.core.audit import AuditEntry

    alpha, beta, gamma = (meetup.profiles[k] for k in ("alpha", "beta", "gamma"))
    pending = services.send_request(meetup.event, alpha, beta, meetup.exhibitor_admin)
    request = accepted_request(meetup.event, alpha, gamma, meetup.exhibitor_admin)
    meeting = services.book(request, meetup.slots[1], meetup.attendee)
    db.session.commit()
    login(client, meetup.exhibitor_admin)
    # The form allows 2000 characters; the cancel views go on with an invalid form.
    long_reason = "x" * 2100 + "END"
    client.post(f"/e/test-expo/meetings/requests/{pending.id}/cancel", data={"reason": long_reason})
    client.post(f"/e/test-expo/meetings/m/{meeting.id}/cancel", data={"reason": long_reason})
    db.session.expire_all()
    assert db.session.get(MeetingRequest, pending.id).status == "cancelled"
    assert db.session.get(Meeting, meeting.id).status == "cancelled"
    mails = outbox("meeting_request_cancelled") + outbox("meeting_cancelled")
    assert len(mails) == 1 + 3  # the withdrawn request to gamma; the meeting to everybody
    assert all("x" * 2000 in text and "END" not in text for _to, _subject, text in mails)
    cancelled = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "meeting.cancelled")
    )
    assert len(cancelled.data["reason"]) == 2000


def test_book_respects_unavailability_caps_and_past_slots(meetup, monkeypatch, english):
    alpha, beta, gamma = (meetup.profiles[k] for k in ("alpha", "beta", "gamma"))
    r1 = services.send_request(meetup.event, alpha, beta, meetup.exhibitor_admin)
    services.accept_request(r1, beta, meetup.other_exhibitor)
    r2 = services.send_request(meetup.event, alpha, gamma, meetup.exhibitor_admin)
    services.accept_request(r2, gamma, meetup.attendee)
    db.session.commit()

    services.set_unavailable(beta, [meetup.slots[0].id])
    db.session.commit()
    assert meetup.slots[0] not in services.common_free_slots(r1)
    with pytest.raises(services.MeetingError):
        services.book(r1, meetup.slots[0], meetup.other_exhibitor)
    db.session.rollback()

    meetup.settings.startup_cap = 1
    services.book(r1, meetup.slots[1], meetup.other_exhibitor)
    db.session.commit()
    with pytest.raises(services.MeetingError, match="maximum"):
        services.book(r2, meetup.slots[2], meetup.attendee)
    db.session.rollback()

    # Alpha is busy in slot 1 now: the same person cannot be booked twice.
    meetup.settings.startup_cap = None
    db.session.commit()
    with pytest.raises(services.SlotTaken):
        services.book(r2, meetup.slots[1], meetup.attendee)
    db.session.rollback()

    # A slot that has started cannot be booked by participants.
    later = meetup.slots[3].starts_at + timedelta(minutes=1)
    monkeypatch.setattr(services, "_now", lambda: later)
    assert meetup.slots[3] not in services.common_free_slots(r2)
    with pytest.raises(services.MeetingError, match="started"):
        services.book(r2, meetup.slots[3], meetup.attendee)
    db.session.rollback()
    monkeypatch.undo()
    assert services.book(r2, meetup.slots[3], meetup.attendee).slot_id == meetup.slots[3].id


def test_a_slot_booked_by_one_side_meanwhile_names_that_side(meetup, client):
    """The request page offered a slot free to both; meanwhile the partner (or a
    colleague) booked another meeting in it. Booking it said "This time slot has just
    been taken.", as if the last table had gone, and nobody could tell whose time it
    was; it now names the company that has another meeting there."""
    alpha, beta, gamma = (meetup.profiles[k] for k in ("alpha", "beta", "gamma"))
    _delta_user, delta = add_company(meetup.event, "delta", "startup")
    ours = accepted_request(meetup.event, alpha, gamma, meetup.exhibitor_admin)
    gammas = accepted_request(meetup.event, delta, gamma, _delta_user)
    alphas = accepted_request(meetup.event, alpha, beta, meetup.exhibitor_admin)
    db.session.commit()
    login(client, meetup.exhibitor_admin)  # alpha, with the request's page open
    page = client.get(f"/e/test-expo/meetings/requests/{ours.id}").get_data(as_text=True)
    assert page.count('name="slot_id"') == len(meetup.slots)
    services.book(gammas, meetup.slots[0], meetup.attendee)
    services.book(alphas, meetup.slots[1], meetup.exhibitor_staff)
    db.session.commit()
    for slot, name in ((meetup.slots[0], "Gamma Group"), (meetup.slots[1], "Alpha Robotics")):
        page = client.post(
            f"/e/test-expo/meetings/requests/{ours.id}/book?lang=en",
            data={"slot_id": slot.id},
            follow_redirects=True,
        ).get_data(as_text=True)
        said = f"{name} has another meeting in this time slot now. Please choose another one."
        assert said in page and "just been taken" not in page, name
    page = client.post(
        f"/e/test-expo/meetings/requests/{ours.id}/book?lang=ko",
        data={"slot_id": meetup.slots[0].id},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "감마그룹은 그사이 이 시간대에 다른 미팅이 잡혔습니다." in page
    db.session.expire_all()
    assert db.session.get(MeetingRequest, ours.id).meeting is None
    assert _seats() == 2 * 2 + 2  # the two other meetings' people and tables


def test_reminder_attendance_and_follow_up(meetup, client, outbox):
    alpha, gamma = meetup.profiles["alpha"], meetup.profiles["gamma"]
    request = services.send_request(meetup.event, alpha, gamma, meetup.exhibitor_admin)
    services.accept_request(request, gamma, meetup.attendee)
    meeting = services.book(request, meetup.slots[0], meetup.attendee)
    db.session.commit()

    start = meeting.starts_at
    assert services.send_reminders(meetup.event, now=start - timedelta(hours=30)) == 0
    assert services.send_reminders(meetup.event, now=start - timedelta(hours=2)) == 1
    db.session.commit()
    assert meeting.reminded_at is not None
    reminders = outbox("meeting_reminder")
    assert len(reminders) == 3
    assert "10:00–10:30" in reminders[0][2] and "T01" in reminders[0][2]  # Seoul time
    # Once only.
    assert services.send_reminders(meetup.event, now=start - timedelta(hours=1)) == 0

    # Attendance only once the meeting has started (for participants).
    with pytest.raises(services.MeetingError):
        services.mark_attendance(meeting, "attended", meetup.attendee, now=start - timedelta(1))
    services.mark_attendance(meeting, "attended", meetup.attendee, now=start + timedelta(minutes=5))
    services.save_notes(meeting, gamma, "Send PoC proposal by October")
    db.session.commit()
    assert meeting.status == "attended" and meeting.firm_notes.startswith("Send PoC")
    assert meeting.startup_notes == ""
    # The organizer may record a no-show at any time.
    login(client, meetup.organizer)
    response = client.post(
        f"/e/test-expo/meetings/m/{meeting.id}/attendance", data={"status": "no_show"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).status == "no_show"
    # Seats of meetings that took place stay (history stays consistent).
    assert _seats(meeting.id) == 3


def test_a_no_show_is_not_confirmed_in_korean_as_attended(meetup, client, monkeypatch):
    """Marking the partner as not come was answered "참석이 기록되었습니다." (their
    presence is recorded); it now says that the attendance (참석 여부) is recorded."""
    meeting = booked_meeting(meetup)
    monkeypatch.setattr(services, "_now", lambda: meeting.starts_at + timedelta(minutes=10))
    login(client, meetup.exhibitor_admin)  # alpha
    url = f"/e/test-expo/meetings/m/{meeting.id}"
    client.post(f"{url}/attendance?lang=ko", data={"status": "no_show"})
    page = client.get(f"{url}?lang=ko").get_data(as_text=True)
    assert "참석 여부를 기록했습니다." in page and "참석이 기록되었습니다" not in page
    assert db.session.get(Meeting, meeting.id).status == "no_show"


def test_irreversible_meeting_actions_ask_first(meetup, client, monkeypatch):
    """Cancelling a meeting or a request and recording a no-show (which only the
    organizer can change afterwards) happened at the first tap; their forms now ask
    first (data-confirm), and "We met" stays a tap of its own."""
    meeting = booked_meeting(meetup)
    pending = services.send_request(
        meetup.event, meetup.profiles["alpha"], meetup.profiles["beta"], meetup.exhibitor_admin
    )
    db.session.commit()
    login(client, meetup.exhibitor_admin)  # alpha

    def confirm_of(page, action):
        form = re.search(rf'<form[^>]*action="[^"]*{action}"[^>]*>', page, re.S).group(0)
        found = re.search(r'data-confirm="([^"]*)"', form)
        return html.unescape(found.group(1)) if found else None

    page = client.get(f"/e/test-expo/meetings/m/{meeting.id}").get_data(as_text=True)
    assert "Cancel the meeting of Alpha Robotics and Gamma Group?" in confirm_of(page, "/cancel")
    page = client.get(f"/e/test-expo/meetings/requests/{meeting.request_id}").get_data(as_text=True)
    assert confirm_of(page, "/cancel").startswith("Cancel the meeting of")
    page = client.get(f"/e/test-expo/meetings/requests/{pending.id}").get_data(as_text=True)
    assert confirm_of(page, "/cancel").startswith("Withdraw the meeting request between")
    monkeypatch.setattr(services, "_now", lambda: meeting.starts_at + timedelta(minutes=5))
    page = client.get(f"/e/test-expo/meetings/m/{meeting.id}").get_data(as_text=True)
    forms = re.findall(r"<form[^>]*/attendance\"[^>]*>.*?</form>", page, re.S)
    assert len(forms) == 2
    attended, no_show = sorted(forms, key=lambda form: "no_show" in form)
    assert 'value="attended"' in attended and "data-confirm" not in attended
    assert "Record that Gamma Group did not come?" in html.unescape(no_show)


def test_organizer_move_raises_sequence_and_mails_both(meetup, client, outbox):
    alpha, gamma = meetup.profiles["alpha"], meetup.profiles["gamma"]
    request = services.send_request(meetup.event, alpha, gamma, meetup.exhibitor_admin)
    services.accept_request(request, gamma, meetup.attendee)
    meeting = services.book(request, meetup.slots[0], meetup.attendee)
    db.session.commit()
    uid = meeting.uid
    login(client, meetup.organizer)
    target, table = meetup.slots[4], meetup.tables[1]
    response = client.post(
        f"/e/test-expo/meetings/manage/m/{meeting.id}/move",
        data={"slot_id": target.id, "table_id": table.id},
    )
    assert response.status_code == 302
    db.session.expire_all()
    moved = db.session.get(Meeting, meeting.id)
    assert (moved.slot_id, moved.table_id, moved.sequence, moved.uid) == (
        target.id,
        table.id,
        1,
        uid,
    )
    seats = db.session.execute(
        select(MeetingSeat.slot_id, MeetingSeat.profile_id, MeetingSeat.table_id).where(
            MeetingSeat.meeting_id == meeting.id
        )
    ).all()
    assert {s[0] for s in seats} == {target.id}
    assert {s[2] for s in seats if s[2]} == {table.id}
    assert len(outbox("meeting_moved")) == 3


def test_firm_receiving_at_its_booth_uses_no_table(meetup):
    beta = meetup.profiles["beta"]
    services.set_booth_reception(meetup.event, meetup.organizer, beta, True, "B-03")
    alpha = meetup.profiles["alpha"]
    request = services.send_request(meetup.event, alpha, beta, meetup.exhibitor_admin)
    services.accept_request(request, beta, meetup.other_exhibitor)
    meeting = services.book(request, meetup.slots[0], meetup.other_exhibitor)
    db.session.commit()
    assert meeting.table is None and meeting.booth_code == "B-03"
    assert _seats(meeting.id) == 2
    assert "B-03" in meeting.location_label


def test_settings_regenerate_slots_and_refuse_removing_used_ones(meetup):
    from datetime import time

    alpha, gamma = meetup.profiles["alpha"], meetup.profiles["gamma"]
    request = services.send_request(meetup.event, alpha, gamma, meetup.exhibitor_admin)
    services.accept_request(request, gamma, meetup.attendee)
    services.book(request, meetup.slots[0], meetup.attendee)  # 10:00 on day 1
    db.session.commit()
    # A lunch-style break 11:00-11:30 removes one slot per day; 10:00 stays.
    settings, slots, tables = services.save_settings(
        meetup.event, meetup.organizer, breaks=[["11:00", "11:30"]], table_count=3
    )
    db.session.commit()
    codes = [s.code for s in services.slots_of(meetup.event)]
    assert codes == ["D1-1000", "D1-1030", "D1-1130", "D2-1000", "D2-1030", "D2-1130"]
    assert slots == {"added": 0, "removed": 2, "total": 6}
    assert [t.code for t in services.tables_of(meetup.event)] == ["T01", "T02", "T03"]
    # Starting at 10:30 would remove the 10:00 slot, which holds a meeting.
    with pytest.raises(services.MeetingError, match="D1-1000"):
        services.save_settings(meetup.event, meetup.organizer, day_starts_at=time(10, 30))
    db.session.rollback()
    assert len(services.slots_of(meetup.event)) == 6


def test_fewer_tables_are_refused_while_meetings_to_come_sit_at_the_removed_ones(
    meetup, english, monkeypatch
):
    alpha, beta, gamma = (meetup.profiles[k] for k in ("alpha", "beta", "gamma"))
    t01, t02 = meetup.tables
    first, second = (
        services.book(
            accepted_request(meetup.event, alpha, firm, meetup.exhibitor_admin),
            slot,
            meetup.organizer,
            table=t02,
        )
        for firm, slot in ((gamma, meetup.slots[0]), (beta, meetup.slots[1]))
    )
    db.session.commit()
    assert first.table_id == second.table_id == t02.id

    with pytest.raises(services.MeetingError) as error:
        services.save_settings(meetup.event, meetup.organizer, table_count=1)
    assert str(error.value) == (
        "These tables hold meetings still to come and cannot be removed: "
        "T02 D1-1000 Alpha Robotics – Gamma Group, T02 D1-1030 Alpha Robotics – Beta Bio. "
        "Move or cancel those meetings first."
    )
    db.session.rollback()
    assert [t.code for t in services.tables_of(meetup.event)] == ["T01", "T02"]

    # Once they are over the table may go: it is switched off, the meetings keep it.
    monkeypatch.setattr(services, "_now", lambda: second.ends_at)
    settings, _slots, tables = services.save_settings(meetup.event, meetup.organizer, table_count=1)
    db.session.commit()
    assert tables == {"added": 0, "switched_off": 1, "total": 1, "meetings_told": 0}
    assert [t.code for t in services.tables_of(meetup.event)] == ["T01"]
    assert first.table_id == t02.id and t01.active


def test_fewer_tables_at_the_moment_of_a_booking_never_leave_a_meeting_at_a_removed_table(
    app, meetup, english
):
    """The organizer goes from two tables to one while a participant books the last
    free table, T02: the booking waits for the settings and then finds no table, or the
    settings see its meeting and refuse. Never a meeting at a table that is gone."""
    from eventapp.meetings.models import MeetingTable

    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite serializes writing transactions: the race cannot happen there")
    alpha, beta, gamma = (meetup.profiles[k] for k in ("alpha", "beta", "gamma"))
    slot = meetup.slots[0]
    services.book(
        accepted_request(meetup.event, alpha, gamma, meetup.exhibitor_admin),
        slot,
        meetup.organizer,
    )  # at T01
    user, delta = add_company(meetup.event, "delta", "startup")
    request = accepted_request(meetup.event, delta, beta, user)
    db.session.commit()
    event_id, organizer_id = meetup.event.id, meetup.organizer.id

    def organizer():
        from eventapp.accounts.models import User
        from eventapp.events.models import Event

        event = db.session.get(Event, event_id)
        services.save_settings(event, db.session.get(User, organizer_id), table_count=1)

    with uncommitted_elsewhere(app, organizer):  # switched off, not committed yet
        try:
            services.book(request, slot, user)
            db.session.commit()
        except services.MeetingError:
            db.session.rollback()
    db.session.expire_all()
    off = db.session.scalar(select(MeetingTable).where(MeetingTable.code == "T02"))
    placed = db.session.scalars(select(Meeting).where(Meeting.status == "scheduled")).all()
    assert not off.active
    assert [m.table.code for m in placed] == ["T01"]


def test_parse_breaks():
    assert services.parse_breaks("12:00-13:00, 15:00–15:15") == [
        ["12:00", "13:00"],
        ["15:00", "15:15"],
    ]
    assert services.parse_breaks("") == []
    with pytest.raises(services.MeetingError):
        services.parse_breaks("13:00-12:00")
    with pytest.raises(services.MeetingError):
        services.parse_breaks("noon")


def test_move_respects_unavailability_unless_overridden(meetup, client, english):
    meeting = booked_meeting(meetup)
    gamma = meetup.profiles["gamma"]
    away = meetup.slots[5]
    services.set_unavailable(gamma, [away.id])
    db.session.commit()
    with pytest.raises(services.MeetingError, match="Gamma Group marked this time slot"):
        services.move_meeting(meeting, away, meetup.organizer)
    db.session.rollback()
    assert meeting.slot_id == meetup.slots[0].id

    # Over HTTP: refused without the box, done with it (agreed with the participants).
    login(client, meetup.organizer)
    url = f"/e/test-expo/meetings/manage/m/{meeting.id}/move"
    page = client.get(url).get_data(as_text=True)
    assert "marked unavailable" in page
    response = client.post(url, data={"slot_id": away.id, "table_id": 0}, follow_redirects=True)
    assert "marked this time slot as unavailable" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).slot_id == meetup.slots[0].id
    response = client.post(
        url, data={"slot_id": away.id, "table_id": 0, "override_unavailable": "y"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    moved = db.session.get(Meeting, meeting.id)
    assert moved.slot_id == away.id and moved.sequence == 1


def test_moving_a_meeting_cancelled_while_the_form_was_open_says_so(meetup, client, outbox):
    """The organizer opened the move form; meanwhile a participant cancelled the meeting.
    Moving it said "Only scheduled meetings can be moved.", which did not tell the
    organizer that it had been called off; it now says so, and nothing moves."""
    meeting = booked_meeting(meetup)
    login(client, meetup.organizer)
    url = f"/e/test-expo/meetings/manage/m/{meeting.id}/move?lang=en"
    assert client.get(url).status_code == 200
    services.cancel_meeting(meeting, meetup.exhibitor_admin, profile=meetup.profiles["alpha"])
    db.session.commit()
    page = client.post(url, data={"slot_id": meetup.slots[2].id, "table_id": 0})
    page = page.get_data(as_text=True)
    assert "This meeting was cancelled." in page and "Only scheduled" not in page
    db.session.expire_all()
    kept = db.session.get(Meeting, meeting.id)
    assert (kept.status, kept.slot_id) == ("cancelled", meetup.slots[0].id)
    assert _seats(meeting.id) == 0 and outbox("meeting_moved") == []


def test_a_move_to_a_slot_where_a_side_has_another_meeting_says_so(meetup, client, english):
    """The move form lists every slot to come. One where Alpha already meets Beta was
    refused as "This time slot has just been taken.", which sent the organizer looking
    for somebody booking at the same moment: the form marks it, the refusal names who
    is busy there."""
    meeting = booked_meeting(meetup)  # alpha and gamma, slot 0
    alpha, beta = meetup.profiles["alpha"], meetup.profiles["beta"]
    other = services.book(
        accepted_request(meetup.event, alpha, beta, meetup.exhibitor_admin),
        meetup.slots[1],
        meetup.organizer,
    )
    db.session.commit()
    login(client, meetup.organizer)
    url = f"/e/test-expo/meetings/manage/m/{meeting.id}/move"
    page = html.unescape(client.get(url).get_data(as_text=True))
    assert f"{meetup.slots[1].label} (has another meeting)</option>" in page
    assert f"{meetup.slots[2].label}</option>" in page
    response = client.post(url, data={"slot_id": meetup.slots[1].id, "table_id": 0})
    text = html.unescape(response.get_data(as_text=True))
    assert "Alpha Robotics already has another meeting in this time slot." in text
    assert "just been taken" not in text
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).slot_id == meetup.slots[0].id
    assert db.session.get(Meeting, other.id).slot_id == meetup.slots[1].id
    # Its own slot, at another table, is no clash with itself.
    table = meetup.tables[1]
    assert (
        client.post(url, data={"slot_id": meetup.slots[0].id, "table_id": table.id}).status_code
        == 302
    )
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).table_id == table.id


def test_move_never_goes_to_a_slot_that_has_started(meetup, client, monkeypatch, english):
    meeting = booked_meeting(meetup, slot_index=4)
    started = meetup.slots[1]
    monkeypatch.setattr(services, "_now", lambda: started.starts_at)
    with pytest.raises(services.MeetingError, match="already started"):
        services.move_meeting(meeting, started, meetup.organizer, override_unavailable=True)
    db.session.rollback()
    with pytest.raises(services.MeetingError, match="already started"):
        services.move_meeting(meeting, meetup.slots[0], meetup.organizer)
    db.session.rollback()
    services.move_meeting(meeting, meetup.slots[2], meetup.organizer)
    db.session.commit()
    assert meeting.slot_id == meetup.slots[2].id
    monkeypatch.undo()
    # The organizer's form only offers slots still to come.
    monkeypatch.setattr(services, "_now", lambda: meetup.slots[3].starts_at - timedelta(seconds=1))
    login(client, meetup.organizer)
    page = client.get(f"/e/test-expo/meetings/manage/m/{meeting.id}/move").get_data(as_text=True)
    select_slot = page.split('name="slot_id"', 1)[1].split("</select>", 1)[0]
    offered = [int(v) for v in re.findall(r'value="(\d+)"', select_slot)]
    assert offered == [s.id for s in meetup.slots[3:]]


def test_a_moved_meeting_is_reminded_again_for_its_new_time(meetup, outbox):
    meeting = booked_meeting(meetup)
    first_day = meetup.slots[0].starts_at
    assert services.send_reminders(meetup.event, now=first_day - timedelta(hours=2)) == 1
    db.session.commit()
    assert meeting.reminded_at is not None
    next_day = meetup.slots[4]  # day 2, 10:00
    services.move_meeting(meeting, next_day, meetup.organizer)
    db.session.commit()
    assert meeting.reminded_at is None
    before = len(outbox("meeting_reminder"))
    now = next_day.starts_at - timedelta(hours=2)
    assert services.send_reminders(meetup.event, now=now) == 1
    db.session.commit()
    reminders = outbox("meeting_reminder")[before:]
    assert len(reminders) == 3 and all("10:00–10:30" in m[2] for m in reminders)
    # Another table in the same slot: the reminder named the old table, so again.
    services.move_meeting(meeting, next_day, meetup.organizer, table=meetup.tables[1])
    db.session.commit()
    assert meeting.sequence == 2 and meeting.reminded_at is None


def test_a_meeting_moved_while_reminders_go_out_is_reminded_of_its_new_time(
    meetup, outbox, monkeypatch
):
    """The reminder round read the meetings due, then another worker's move
    committed before the round claimed this one: it reminded of the old time and
    marked the meeting reminded, so the new time got no reminder at all."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite serializes writing transactions: the race cannot happen there")
    from types import SimpleNamespace

    meeting = booked_meeting(meetup)  # day 1, 10:00
    new_slot = meetup.slots[2]  # day 1, 11:00: due in the same round
    table = Meeting.__table__
    read = db.session.scalars
    moved = []

    def read_then_move(*args, **kwargs):
        items = read(*args, **kwargs).all()
        if not moved:
            moved.append(True)
            with db.engine.begin() as other:
                other.execute(
                    update(table)
                    .where(table.c.id == meeting.id)
                    .values(slot_id=new_slot.id, sequence=table.c.sequence + 1)
                )
        return SimpleNamespace(all=lambda: items)

    now = meetup.slots[0].starts_at - timedelta(hours=2)
    monkeypatch.setattr(db.session, "scalars", read_then_move)
    services.send_reminders(meetup.event, now=now)
    db.session.commit()
    monkeypatch.undo()
    assert outbox("meeting_reminder") == []
    db.session.expire_all()
    assert services.send_reminders(meetup.event, now=now) == 1
    db.session.commit()
    reminders = outbox("meeting_reminder")
    assert len(reminders) == 3 and all("11:00–11:30" in text for _to, _s, text in reminders)


def test_a_reminder_claimed_while_a_meeting_moves_is_given_again(meetup, outbox, monkeypatch):
    """A reminder round claimed the meeting after the move to an agreed time had read it
    and before the move was written: the move set `reminded_at` back to what it had
    read (none), wrote nothing, and the new time was never reminded. Moves now lock
    the meeting's row before reading it, so the claim comes in just before: once the
    pair is locked, before the meeting is."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite serializes writing transactions: the race cannot happen there")
    meeting = booked_meeting(meetup)
    proposal = services.propose_time(
        meeting, meetup.slots[4], meetup.profiles["alpha"], meetup.exhibitor_admin
    )
    db.session.commit()
    table = Meeting.__table__
    fresh = services._fresh

    def fresh_then_remind(obj):
        fresh(obj)
        if isinstance(obj, MeetingRequest):
            with db.engine.begin() as other:
                other.execute(
                    update(table).where(table.c.id == meeting.id).values(reminded_at=utcnow())
                )
        return obj

    monkeypatch.setattr(services, "_fresh", fresh_then_remind)
    services.accept_time_proposal(proposal, meetup.profiles["gamma"], meetup.attendee)
    db.session.commit()
    monkeypatch.undo()
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).reminded_at is None


def test_only_organizers_change_recorded_attendance(meetup, client, english):
    from eventapp.core.audit import AuditEntry

    alpha, gamma = meetup.profiles["alpha"], meetup.profiles["gamma"]
    meeting = booked_meeting(meetup)
    after = meeting.starts_at + timedelta(minutes=10)
    # The startup reports that the firm did not come.
    services.mark_attendance(meeting, "no_show", meetup.exhibitor_admin, now=after, profile=alpha)
    db.session.commit()
    assert (meeting.status, meeting.no_show_side) == ("no_show", "firm")
    # The firm cannot undo it, nor turn it into "attended".
    for status in ("scheduled", "attended"):
        with pytest.raises(services.MeetingError, match="organizer"):
            services.mark_attendance(meeting, status, meetup.attendee, now=after, profile=gamma)
        db.session.rollback()
    # Reporting a no-show again changes nothing: the first word stands.
    services.mark_attendance(meeting, "no_show", meetup.attendee, now=after, profile=gamma)
    db.session.commit()
    assert (meeting.status, meeting.no_show_side) == ("no_show", "firm")
    # Not over HTTP either.
    login(client, meetup.attendee)
    url = f"/e/test-expo/meetings/m/{meeting.id}/attendance"
    response = client.post(url, data={"status": "scheduled"}, follow_redirects=True)
    assert "Ask the organizer" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).status == "no_show"

    # The organizer sets it back, then records that neither side came.
    client.post("/logout")
    login(client, meetup.organizer)
    page = client.get(f"/e/test-expo/meetings/m/{meeting.id}").get_data(as_text=True)
    assert "the firm did not come" in page and "Set back to scheduled" in page
    client.post(url, data={"status": "scheduled"})
    db.session.expire_all()
    assert (db.session.get(Meeting, meeting.id).status, meeting.no_show_side) == (
        "scheduled",
        None,
    )
    client.post(url, data={"status": "no_show", "side": "both"})
    db.session.expire_all()
    meeting = db.session.get(Meeting, meeting.id)
    assert (meeting.status, meeting.no_show_side) == ("no_show", "both")
    changes = [
        e.data
        for e in db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == "meeting.attendance")
            .order_by(AuditEntry.id)
        )
    ]
    assert [(c["to"], c["no_show_side"]) for c in changes] == [
        ("no_show", "firm"),
        ("scheduled", None),
        ("no_show", "both"),
    ]


def test_attendance_recorded_meanwhile_by_the_other_side_stands(meetup, english):
    from sqlalchemy.orm.attributes import set_committed_value

    alpha, gamma = meetup.profiles["alpha"], meetup.profiles["gamma"]
    meeting = booked_meeting(meetup)
    after = meeting.starts_at + timedelta(minutes=10)
    services.mark_attendance(meeting, "attended", meetup.attendee, now=after, profile=gamma)
    db.session.commit()
    # The startup's request read the meeting before the firm's answer was committed.
    set_committed_value(meeting, "status", "scheduled")
    with pytest.raises(services.MeetingError, match="organizer"):
        services.mark_attendance(
            meeting, "no_show", meetup.exhibitor_admin, now=after, profile=alpha
        )
    db.session.rollback()
    assert (db.session.get(Meeting, meeting.id).status, meeting.no_show_side) == (
        "attended",
        None,
    )


@pytest.mark.parametrize("change", ["cancel", "move", "accept a new time"])
def test_an_organizer_changing_a_meeting_the_check_in_is_recording_keeps_its_attendance(
    app, meetup, english, change
):
    """The check-in records that both sides came (holding the meeting's row) while an
    organizer cancels the meeting or moves it: the organizer's change waits and is then
    refused. It had read the meeting as scheduled, and its write made the meeting that
    took place a cancelled one, or an attended one at a later time."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite serializes writing transactions: the race cannot happen there")
    meeting = booked_meeting(meetup)
    meeting_id, started, slot_id = meeting.id, meeting.starts_at, meeting.slot_id
    if change == "accept a new time":
        # A participant accepting a new time moves the meeting too.
        proposal = services.propose_time(
            meeting, meetup.slots[5], meetup.profiles["alpha"], meetup.exhibitor_admin
        )
        db.session.commit()

    def check_in():
        scanned = db.session.get(Meeting, meeting_id)
        services.mark_attendance(scanned, "attended", None, now=started)

    with uncommitted_elsewhere(app, check_in):  # the row is locked, not committed yet
        if change == "accept a new time":
            # Attendance recorded, the proposal has lapsed.
            with pytest.raises(services.ProposalClosed):
                services.accept_time_proposal(proposal, meetup.profiles["gamma"], meetup.attendee)
        else:
            with pytest.raises(services.MeetingError, match="Only scheduled meetings"):
                if change == "cancel":
                    services.cancel_meeting(meeting, meetup.organizer, reason="Firm called off")
                else:
                    services.move_meeting(meeting, meetup.slots[5], meetup.organizer)
        db.session.rollback()
    db.session.expire_all()
    kept = db.session.get(Meeting, meeting_id)
    assert (kept.status, kept.slot_id, kept.sequence) == ("attended", slot_id, 0)
    seats = db.session.scalar(
        select(func.count()).select_from(MeetingSeat).where(MeetingSeat.meeting_id == meeting_id)
    )
    assert seats == 3  # both people and the table


def test_no_shows_marked_from_the_shell_say_who_did_not_come(app, meetup, monkeypatch):
    """`flask checkin mark-no-shows` runs without a user: it must record the missing
    side as the organizer's button on the check-in page does, "both" included."""
    checkin = pytest.importorskip("eventapp.checkin.meetings_link")
    from eventapp.checkin.models import MeetingArrival

    alpha, beta = meetup.profiles["alpha"], meetup.profiles["beta"]
    nobody = booked_meeting(meetup, slot_index=0)
    startup_only = services.book(
        accepted_request(meetup.event, alpha, beta, meetup.exhibitor_admin),
        meetup.slots[1],
        meetup.organizer,
    )
    db.session.add(
        MeetingArrival(
            event_id=meetup.event.id,
            meeting_id=startup_only.id,
            slot_id=startup_only.slot_id,
            side="startup",
            profile_id=alpha.id,
            arrived_at=startup_only.starts_at,
        )
    )
    db.session.commit()
    after = startup_only.ends_at + checkin.NO_SHOW_AFTER
    monkeypatch.setattr(checkin, "utcnow", lambda: after)

    result = app.test_cli_runner().invoke(args=["checkin", "mark-no-shows", "test-expo"])
    assert result.exit_code == 0, result.output
    assert "2 meetings marked as no-show" in result.output
    db.session.expire_all()
    assert (nobody.status, nobody.no_show_side) == ("no_show", "both")
    assert (startup_only.status, startup_only.no_show_side) == ("no_show", "firm")


def test_removing_slots_keeps_cancelled_meetings(meetup, english):
    from datetime import time

    meeting = booked_meeting(meetup, slot_index=3)  # day 1, 11:30
    slot = meeting.slot
    services.cancel_meeting(meeting, meetup.organizer, reason="Rescheduled")
    db.session.commit()
    uid, sequence, starts_at = meeting.uid, meeting.sequence, slot.starts_at

    # Meetings now end at 11:30: the 11:30 slots go; one held a cancelled meeting.
    _settings, changes, _tables = services.save_settings(
        meetup.event, meetup.organizer, day_ends_at=time(11, 30)
    )
    db.session.commit()
    assert changes == {"added": 0, "removed": 2, "total": 6}
    codes = [s.code for s in services.slots_of(meetup.event)]
    assert codes == ["D1-1000", "D1-1030", "D1-1100", "D2-1000", "D2-1030", "D2-1100"]
    db.session.expire_all()
    kept = db.session.get(Meeting, meeting.id)
    assert kept is not None, "the cancelled meeting's history was deleted"
    assert (kept.status, kept.uid, kept.sequence) == ("cancelled", uid, sequence)
    assert kept.slot.starts_at == starts_at and kept.slot.retired
    alpha = meetup.profiles["alpha"]
    assert kept in services.meetings_of(alpha, include_cancelled=True)
    # A retired slot is never offered or booked.
    _user, delta = add_company(meetup.event, "delta", "startup")
    other = accepted_request(meetup.event, delta, meetup.profiles["gamma"], _user)
    assert kept.slot not in services.common_free_slots(other)
    with pytest.raises(services.MeetingError, match="Unknown time slot"):
        services.book(other, kept.slot, meetup.organizer, via="organizer")
    db.session.rollback()

    # Back to 12:00: the slot returns (same row, its code again).
    _settings, changes, _tables = services.save_settings(
        meetup.event, meetup.organizer, day_ends_at=time(12, 0)
    )
    db.session.commit()
    assert changes == {"added": 2, "removed": 0, "total": 8}
    db.session.expire_all()
    assert (kept.slot.code, kept.slot.retired) == ("D1-1130", False)
    assert len(services.slots_of(meetup.event)) == 8


def _settings_saved_meanwhile(slot, *, delete_it=False):
    """What an organizer's settings, committed while a booking or a move waited for
    the pair's lock, do to `slot` (retire it, or delete it when nothing points to it):
    written behind the session, whose `slot` as loaded still says it is in the grid."""
    from eventapp.meetings.models import MeetingSlot

    statement = (
        delete(MeetingSlot).where(MeetingSlot.id == slot.id)
        if delete_it
        else update(MeetingSlot)
        .where(MeetingSlot.id == slot.id)
        .values(retired=True, code=f"~{slot.id}")
    )
    db.session.execute(statement.execution_options(synchronize_session=False))


def test_a_slot_the_settings_remove_meanwhile_is_not_booked_or_moved_into(meetup, english):
    from eventapp.meetings.models import MeetingSlot

    # A cancelled meeting in the last slot of day 1 keeps that slot as history.
    old = booked_meeting(meetup, slot_index=3)
    services.cancel_meeting(old, meetup.organizer)
    db.session.commit()
    last, spare = meetup.slots[3], meetup.slots[2]
    user, delta = add_company(meetup.event, "delta", "startup")
    gamma = meetup.profiles["gamma"]
    waiting = accepted_request(meetup.event, delta, gamma, user)
    db.session.commit()

    slot = db.session.get(MeetingSlot, last.id)  # as the booking form posted it
    _settings_saved_meanwhile(slot)
    with pytest.raises(services.MeetingError, match="Unknown time slot"):
        services.book(waiting, slot, user)
    db.session.rollback()

    slot = db.session.get(MeetingSlot, spare.id)  # nothing points to it: deleted
    _settings_saved_meanwhile(slot, delete_it=True)
    with pytest.raises(services.MeetingError, match="Unknown time slot"):
        services.book(waiting, slot, user)
    db.session.rollback()

    # The organizer's move form, likewise.
    meeting = services.book(waiting, meetup.slots[0], user)
    db.session.commit()
    slot = db.session.get(MeetingSlot, last.id)
    _settings_saved_meanwhile(slot)
    with pytest.raises(services.MeetingError, match="Unknown time slot"):
        services.move_meeting(meeting, slot, meetup.organizer)
    db.session.rollback()
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).slot_id == meetup.slots[0].id
    placed = db.session.scalars(
        select(Meeting.slot_id).where(Meeting.status != "cancelled").order_by(Meeting.id)
    ).all()
    assert placed == [meetup.slots[0].id]


def test_a_booking_waiting_for_the_settings_finds_its_slot_retired(app, meetup, english):
    """The organizer ends the meeting day earlier while a participant books its last
    slot, which holds a cancelled meeting and is retired: the booking waits for the
    settings and is then refused. Never a meeting in a slot that left the grid."""
    from datetime import time

    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite serializes writing transactions: the race cannot happen there")
    old = booked_meeting(meetup, slot_index=3)
    services.cancel_meeting(old, meetup.organizer)
    user, delta = add_company(meetup.event, "delta", "startup")
    request = accepted_request(meetup.event, delta, meetup.profiles["gamma"], user)
    db.session.commit()
    slot = meetup.slots[3]
    assert not slot.retired  # read before the settings change, as the posted form was
    event_id, organizer_id = meetup.event.id, meetup.organizer.id

    def organizer():
        from eventapp.accounts.models import User
        from eventapp.events.models import Event

        event = db.session.get(Event, event_id)
        organizer = db.session.get(User, organizer_id)
        services.save_settings(event, organizer, day_ends_at=time(11, 30))

    with uncommitted_elsewhere(app, organizer):  # retired, not committed yet
        with pytest.raises(services.MeetingError, match="Unknown time slot"):
            services.book(request, slot, user)
        db.session.rollback()
    db.session.expire_all()
    assert db.session.get(type(slot), slot.id).retired
    assert db.session.scalars(select(Meeting).where(Meeting.status == "scheduled")).all() == []


def test_organizer_grid_moves_booth_meetings_and_cancels(meetup, client, outbox):
    alpha, beta = meetup.profiles["alpha"], meetup.profiles["beta"]
    services.set_booth_reception(meetup.event, meetup.organizer, beta, True, "B-04")
    request = accepted_request(meetup.event, alpha, beta, meetup.exhibitor_admin)
    meeting = services.book(request, meetup.slots[1], meetup.other_exhibitor)
    db.session.commit()
    day = meetup.slots[1].local_start().date().isoformat()
    grid = f"/e/test-expo/meetings/manage/grid?day={day}"
    login(client, meetup.organizer)
    page = client.get(grid).get_data(as_text=True)
    booth_cell = page.split("B-04: Alpha Robotics", 1)[1].split("</td>", 1)[0]
    assert f"/manage/m/{meeting.id}/move" in booth_cell
    assert f"/meetings/m/{meeting.id}/cancel" in booth_cell

    # Moving a booth meeting keeps it at the booth.
    response = client.post(
        f"/e/test-expo/meetings/manage/m/{meeting.id}/move",
        data={"slot_id": meetup.slots[2].id, "table_id": 0},
    )
    assert response.status_code == 302
    db.session.expire_all()
    meeting = db.session.get(Meeting, meeting.id)
    assert (meeting.slot_id, meeting.booth_code, meeting.table_id) == (
        meetup.slots[2].id,
        "B-04",
        None,
    )

    # Cancelling from the grid: back to the grid, both sides are told.
    response = client.post(
        f"/e/test-expo/meetings/m/{meeting.id}/cancel",
        data={"reason": "Firm left the fair", "next": grid},
    )
    assert response.status_code == 302 and response.location.endswith(grid)
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).status == "cancelled"
    cancelled = outbox("meeting_cancelled")
    assert sorted(m[0] for m in cancelled) == [
        "exhibitor_admin@example.org",
        "exhibitor_staff@example.org",
        "other_exhibitor@example.org",
    ]
    assert all("Firm left the fair" in m[2] for m in cancelled)
    assert _seats(meeting.id) == 0


def test_a_cap_set_while_booking_counts(meetup, english):
    """The organizer caps the startup at 0 after this booking loaded the profiles and
    before it locks them: the booking decides on the cap as locked."""
    from eventapp.meetings.models import MeetingProfile

    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite serializes writing transactions: the race cannot happen there")
    alpha, beta = meetup.profiles["alpha"], meetup.profiles["beta"]
    request = services.send_request(meetup.event, alpha, beta, meetup.exhibitor_admin)
    services.accept_request(request, beta, meetup.other_exhibitor)
    db.session.commit()
    assert request.startup.max_meetings is None  # loaded, as the view loads it
    with db.engine.begin() as connection:
        connection.execute(
            MeetingProfile.__table__.update()
            .where(MeetingProfile.__table__.c.id == alpha.id)
            .values(max_meetings=0)
        )
    with pytest.raises(services.MeetingError, match="maximum of 0"):
        services.book(request, meetup.slots[1], meetup.exhibitor_admin)
    db.session.rollback()


def test_participants_cannot_cancel_a_meeting_once_it_has_started(
    meetup, client, monkeypatch, outbox, english
):
    meeting = booked_meeting(meetup)
    request_id = meeting.request_id
    # Half-way through the meeting, or after it: calling it off now would erase whether
    # it took place, e.g. a side that stayed away would turn its no-show into nothing.
    under_way = meeting.starts_at + timedelta(minutes=15)
    monkeypatch.setattr(services, "_now", lambda: under_way)
    with pytest.raises(services.MeetingError, match="already started"):
        services.cancel_meeting(meeting, meetup.attendee, profile=meetup.profiles["gamma"])
    db.session.rollback()

    login(client, meetup.attendee)
    page = client.get(f"/e/test-expo/meetings/m/{meeting.id}").get_data(as_text=True)
    assert "Cancel the meeting" not in page and "We met" in page
    page = client.get(f"/e/test-expo/meetings/requests/{request_id}").get_data(as_text=True)
    assert "Cancel the meeting" not in page
    for url in (f"/m/{meeting.id}/cancel", f"/requests/{request_id}/cancel"):
        response = client.post(
            "/e/test-expo/meetings" + url, data={"reason": "Late"}, follow_redirects=True
        )
        assert "already started" in response.get_data(as_text=True)
    db.session.expire_all()
    kept = db.session.get(Meeting, meeting.id)
    assert kept.status == "scheduled" and kept.sequence == 0
    assert kept.request.status == "accepted" and _seats(meeting.id) == 3
    assert outbox("meeting_cancelled") == [] and outbox("meeting_cancelled") == []

    # The organizer still can (e.g. the hall had to close).
    client.post("/logout")
    login(client, meetup.organizer)
    client.post(f"/e/test-expo/meetings/m/{meeting.id}/cancel", data={"reason": "Hall closed"})
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).status == "cancelled"


def test_request_page_says_which_side_reached_its_cap_instead_of_offering_slots(
    meetup, client, english
):
    """A side at its meeting cap would have every booking refused: the page of an
    accepted request says who reached the cap rather than list slots to pick."""
    alpha, beta, gamma = (meetup.profiles[k] for k in ("alpha", "beta", "gamma"))
    first = accepted_request(meetup.event, alpha, beta, meetup.exhibitor_admin)
    services.book(first, meetup.slots[0], meetup.exhibitor_admin)
    request = accepted_request(meetup.event, alpha, gamma, meetup.exhibitor_admin)
    db.session.commit()
    url = f"/e/test-expo/meetings/requests/{request.id}"

    login(client, meetup.attendee)  # gamma, the firm
    page = html.unescape(client.get(url).get_data(as_text=True))
    assert "data-slot=" in page and "maximum" not in page

    meetup.settings.startup_cap = 1
    db.session.commit()
    page = html.unescape(client.get(url).get_data(as_text=True))
    assert "data-slot=" not in page
    assert "Alpha Robotics has reached its maximum of 1 meeting:" in page
    client.post("/logout")
    login(client, meetup.exhibitor_admin)  # alpha, the startup at its cap
    page = html.unescape(client.get(url).get_data(as_text=True))
    assert "data-slot=" not in page
    assert "Your company has reached its maximum of 1 meeting:" in page
    assert "Gamma Group has reached" not in page

    # The firm's cap is named the same way, from the startup's side.
    meetup.settings.startup_cap = None
    meetup.settings.firm_cap = 0
    db.session.commit()
    page = html.unescape(client.get(url).get_data(as_text=True))
    assert "data-slot=" not in page
    assert "Gamma Group has reached its maximum of 0 meetings" in page
    assert "Your company has reached" not in page


def test_request_mails_link_to_the_request_itself(meetup, outbox):
    alpha, gamma = meetup.profiles["alpha"], meetup.profiles["gamma"]
    request = services.send_request(meetup.event, alpha, gamma, meetup.exhibitor_admin, "Hi")
    db.session.commit()
    link = f"/e/test-expo/meetings/requests/{request.id}?lang=en\r\n"
    ((_to, _subject, received),) = outbox("meeting_request")
    assert link in received
    services.accept_request(request, gamma, meetup.attendee)
    db.session.commit()
    accepted = outbox("meeting_request_accepted")
    assert accepted and all(link in text for _to, _subject, text in accepted)


def test_meetup_mails_name_the_partner_in_their_subject(meetup, outbox):
    """A company with many meetings tells "Meeting cancelled" mails apart only by
    opening them; the subject names the partner, in the reader's language."""
    alpha, gamma = meetup.profiles["alpha"], meetup.profiles["gamma"]
    meetup.exhibitor_staff.locale = "ko"
    request = services.send_request(meetup.event, alpha, gamma, meetup.exhibitor_admin)
    services.accept_request(request, gamma, meetup.attendee)
    meeting = services.book(request, meetup.slots[0], meetup.attendee)
    services.move_meeting(meeting, meetup.slots[1], meetup.organizer)
    proposal = services.propose_time(meeting, meetup.slots[2], gamma, meetup.attendee)
    services.withdraw_time_proposal(proposal, gamma, meetup.attendee)
    proposal = services.propose_time(meeting, meetup.slots[2], alpha, meetup.exhibitor_admin)
    services.decline_time_proposal(proposal, gamma, meetup.attendee)
    services.send_reminders(meetup.event, now=meeting.starts_at - timedelta(hours=1))
    services.cancel_meeting(meeting, meetup.attendee, profile=gamma, reason="Travel")
    db.session.commit()

    def subjects(kind):
        return {to: subject for to, subject, _text in outbox(kind)}

    assert subjects("meeting_request_accepted") == {
        "exhibitor_admin@example.org": "Gamma Group accepted your meeting request",
        "exhibitor_staff@example.org": "감마그룹에서 미팅 신청을 수락했습니다",
    }

    def at(slot):
        start, end = (
            moment.astimezone(meetup.event.tz) for moment in (slot.starts_at, slot.ends_at)
        )
        return f"{start:%Y-%m-%d %H:%M}–{end:%H:%M}"

    assert subjects("meeting_scheduled") == {
        "exhibitor_admin@example.org": f"Invitation: meeting with Gamma Group, {at(meetup.slots[0])}",
        "exhibitor_staff@example.org": f"초대: 감마그룹과의 미팅, {at(meetup.slots[0])}",
        "attendee@example.org": f"Invitation: meeting with Alpha Robotics, {at(meetup.slots[0])}",
    }
    assert subjects("meeting_moved")["attendee@example.org"] == (
        f"Updated: meeting with Alpha Robotics, now {at(meetup.slots[1])}"
    )
    assert subjects("meeting_reminder")["exhibitor_admin@example.org"] == (
        "Reminder: your meeting with Gamma Group"
    )
    assert subjects("meeting_time_withdrawn")["exhibitor_admin@example.org"] == (
        "Gamma Group withdrew the time it proposed"
    )
    assert subjects("meeting_time_declined")["exhibitor_admin@example.org"] == (
        "Gamma Group declined the time you proposed"
    )
    assert subjects("meeting_cancelled") == {
        "exhibitor_admin@example.org": f"Cancelled: meeting with Gamma Group, {at(meetup.slots[1])}",
        "exhibitor_staff@example.org": f"취소됨: 감마그룹과의 미팅, {at(meetup.slots[1])}",
        "attendee@example.org": f"Cancelled: meeting with Alpha Robotics, {at(meetup.slots[1])}",
    }

    alpha_request = services.send_request(meetup.event, alpha, gamma, meetup.exhibitor_admin)
    services.decline_request(alpha_request, gamma, meetup.attendee, "Not now")
    other = services.send_request(
        meetup.event, alpha, meetup.profiles["beta"], meetup.exhibitor_admin
    )
    services.cancel_request(other, meetup.exhibitor_admin, profile=alpha)
    db.session.commit()
    assert subjects("meeting_request_declined")["exhibitor_admin@example.org"] == (
        "Gamma Group declined your meeting request"
    )
    assert subjects("meeting_request_cancelled") == {
        "other_exhibitor@example.org": "Meeting request with Alpha Robotics withdrawn"
    }


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_the_move_page_names_times_not_slot_codes(meetup, client, lang):
    """It said where a meeting is now as "D1-1000" and began each time of its list
    with such a code; in Korean it also said both sides "were informed" before
    anything was moved."""
    meeting = booked_meeting(meetup)
    login(client, meetup.organizer)
    url = f"/e/test-expo/meetings/manage/m/{meeting.id}/move?lang={lang}"
    page = client.get(url).get_data(as_text=True)
    assert meeting.slot.label in page
    assert not any(slot.code in page for slot in meetup.slots)
    options = re.findall(r"<option[^>]*>([^<]*)</option>", page)
    assert any(option.startswith(meetup.slots[1].label) for option in options)
    if lang == "ko":
        assert "변경하면 양측에 알리고" in page
        assert "알렸으며" not in page


def test_a_move_that_would_change_nothing_says_so(meetup, client, english, outbox):
    """A table chosen for a firm that receives at its booth was ignored, and the same
    time at the same place moved nothing: the page said "Meeting moved; both sides are
    informed." all the same. Both are refused with what to do."""
    alpha, beta = meetup.profiles["alpha"], meetup.profiles["beta"]
    services.set_booth_reception(meetup.event, meetup.organizer, beta, True, "B-04")
    at_booth = services.book(
        accepted_request(meetup.event, alpha, beta, meetup.exhibitor_admin),
        meetup.slots[1],
        meetup.other_exhibitor,
    )
    db.session.commit()
    login(client, meetup.organizer)
    table = db.session.scalars(
        select(MeetingTable)
        .where(MeetingTable.event_id == meetup.event.id)
        .order_by(MeetingTable.id)
    ).first()
    page = client.post(
        f"/e/test-expo/meetings/manage/m/{at_booth.id}/move",
        data={"slot_id": meetup.slots[2].id, "table_id": table.id},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "receives its partners at its booth B-04" in html.unescape(page)
    db.session.expire_all()
    assert db.session.get(Meeting, at_booth.id).slot_id == meetup.slots[1].id
    # The same time at the booth.
    page = client.post(
        f"/e/test-expo/meetings/manage/m/{at_booth.id}/move",
        data={"slot_id": meetup.slots[1].id, "table_id": 0},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "nothing to move" in page
    # The same time at the same table.
    at_table = booked_meeting(meetup)
    page = client.post(
        f"/e/test-expo/meetings/manage/m/{at_table.id}/move",
        data={"slot_id": at_table.slot_id, "table_id": at_table.table_id},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "nothing to move" in page
    assert outbox("meeting_moved") == []
    db.session.expire_all()
    assert db.session.get(Meeting, at_table.id).sequence == 0


def test_the_requests_page_reads_partners_and_meetings_with_the_requests(meetup, client):
    """Each row names the partner and its meeting's status: read one request at a
    time, the demo fair's firm ran 43 statements for 17 requests."""
    gamma = meetup.profiles["gamma"]
    booked_meeting(meetup)  # alpha ↔ gamma
    login(client, meetup.attendee)  # gamma
    path = "/e/test-expo/meetings/requests?lang=en"

    def statements():
        # As a request of its own: the commit leaves nothing the test read loaded.
        db.session.commit()
        return statements_of(lambda: client.get(path))

    _, few = statements()
    for n in (1, 2, 3):  # booked, accepted, waiting for gamma's answer
        user, startup = add_company(meetup.event, f"asks{n}", "startup")
        if n == 3:
            services.send_request(meetup.event, startup, gamma, user)
            continue
        request = accepted_request(meetup.event, startup, gamma, user)
        if n == 1:
            services.book(request, meetup.slots[n], user)
    response, many = statements()
    assert many == few
    page = response.get_data(as_text=True)
    assert all(f"Asks{n} Co" in page for n in (1, 2, 3))


def test_a_decline_whose_reason_is_too_long_says_so(meetup, client):
    """A reason over 2000 characters was answered "Please give a reason for
    declining.", as if none had been given; the page says what is wrong with it."""
    alpha, gamma = meetup.profiles["alpha"], meetup.profiles["gamma"]
    request = services.send_request(meetup.event, alpha, gamma, meetup.exhibitor_admin, "Hi")
    db.session.commit()
    url = f"/e/test-expo/meetings/requests/{request.id}"
    login(client, meetup.attendee)  # gamma, the invited firm
    page = client.post(
        f"{url}/decline?lang=en", data={"reason": "x" * 2001}, follow_redirects=True
    ).get_data(as_text=True)
    assert "Reason for declining: " in page and "2000" in page
    assert "Please give a reason for declining." not in page
    page = client.post(
        f"{url}/decline?lang=en", data={"reason": "  "}, follow_redirects=True
    ).get_data(as_text=True)
    assert "Please give a reason for declining." in page
    db.session.expire_all()
    assert db.session.get(MeetingRequest, request.id).status == "requested"
