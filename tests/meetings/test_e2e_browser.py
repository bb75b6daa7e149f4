"""The meetup issue's "done means", in a real browser: a startup finds a firm in its
recommendations and requests a meeting; the firm accepts and books a common free slot
(live booking); both see the meeting on their agenda pages."""

import pytest
from sqlalchemy import func, select

from eventapp.extensions import db
from eventapp.meetings.models import Meeting, MeetingRequest, MeetingSeat
from eventapp.notifications.models import OutboxMessage
from tests.conftest import browser_signed_in

pytestmark = pytest.mark.browser


def test_request_accept_book_and_agendas(live_server, meetup, browser):
    from playwright.sync_api import expect

    gamma_id, alpha_id = meetup.profiles["gamma"].id, meetup.profiles["alpha"].id
    startup_user = (meetup.exhibitor_admin.id, meetup.exhibitor_admin.email)
    firm_user = (meetup.attendee.id, meetup.attendee.email)
    slot_count = len(meetup.slots)
    db.session.commit()
    db.session.remove()  # the browser's requests must not wait for this session

    # The startup (alpha's company admin) finds Gamma Group among its recommendations.
    startup = browser_signed_in(browser, live_server.url, startup_user[1])
    startup.goto("/e/test-expo/")
    startup.get_by_role("link", name="Global meetup", exact=True).click()
    startup.locator(".meet-subnav").get_by_role("link", name="Find partners").click()
    first = startup.locator(".meet-rec").first
    expect(first).to_have_attribute("data-profile", str(gamma_id))  # best match first
    expect(first.locator(".meet-why")).to_contain_text("#machine vision")
    first.get_by_role("link", name="Gamma Group").click()
    startup.fill("#message", "We inspect weld seams with machine vision; a PoC at your line?")
    startup.get_by_role("button", name="Send request").click()
    expect(startup.locator("#request-status")).to_have_text("Requested")

    # The firm (Gamma Group's attendee) sees it, accepts, and books a common free slot.
    firm = browser_signed_in(browser, live_server.url, firm_user[1])
    firm.goto("/e/test-expo/meetings/")
    firm.get_by_role("link", name="Open").first.click()
    expect(firm.locator(".meet-message")).to_contain_text("weld seams")
    firm.click("#accept-request")
    expect(firm.locator("#request-status")).to_have_text("Accepted")
    slots = firm.locator("#free-slots button.meet-slot")
    expect(slots).to_have_count(slot_count)
    chosen = slots.nth(2)
    chosen_code = chosen.get_attribute("data-slot")
    chosen_time = chosen.inner_text().strip()
    chosen.click()
    expect(firm.locator(".flash-success")).to_contain_text("Meeting booked")
    expect(firm.locator("#meeting-place")).to_contain_text("T01")

    # Both see it on their agenda pages, at the same time and table.
    firm.get_by_role("link", name="My agenda", exact=True).first.click()
    item = firm.locator(".meet-agenda-item").first
    expect(item).to_contain_text("Alpha Robotics")
    expect(item.locator(".meet-time")).to_have_text(chosen_time)
    expect(item).to_contain_text("T01")

    startup.goto("/e/test-expo/meetings/agenda")
    item = startup.locator(".meet-agenda-item").first
    expect(item).to_contain_text("Gamma Group")
    expect(item.locator(".meet-time")).to_have_text(chosen_time)
    expect(item).to_contain_text("T01")
    # The booked slot is no longer free for the startup's other requests.
    startup.goto("/e/test-expo/meetings/availability")
    expect(startup.locator(".meet-check.is-busy")).to_have_count(1)

    # And in the database.
    request = db.session.scalar(select(MeetingRequest))
    assert (request.startup_id, request.firm_id) == (alpha_id, gamma_id)
    assert request.status == "accepted" and request.requester_side == "startup"
    assert request.requested_by_id == startup_user[0]
    assert request.responded_by_id == firm_user[0]
    meeting = db.session.scalar(select(Meeting))
    assert meeting.request_id == request.id and meeting.status == "scheduled"
    assert meeting.slot.code == chosen_code and meeting.table.code == "T01"
    assert meeting.scheduled_via == "booking" and meeting.scheduled_by_id == firm_user[0]
    assert db.session.scalar(select(func.count()).select_from(MeetingSeat)) == 3
    kinds = set(db.session.scalars(select(OutboxMessage.kind)))
    assert {"meeting_request", "meeting_request_accepted", "meeting_scheduled"} <= kinds
    db.session.commit()


def test_a_long_link_in_what_people_wrote_fits_a_phone_screen(live_server, meetup, browser):
    from eventapp.meetings import services
    from tests.meetings.conftest import accepted_request

    link = "https://drive.example.com/file/d/1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789/view?usp=sharing"
    alpha, beta, gamma = (meetup.profiles[k] for k in ("alpha", "beta", "gamma"))
    services.update_profile(gamma, need_en=f"Our PoC programme: {link}")
    request = services.send_request(meetup.event, alpha, beta, meetup.exhibitor_admin, link)
    services.decline_request(request, beta, meetup.other_exhibitor, f"See {link}")
    booked = accepted_request(meetup.event, alpha, gamma, meetup.exhibitor_admin)
    booked.message = f"Our deck: {link}"
    meeting = services.book(booked, meetup.slots[0], meetup.attendee)
    db.session.commit()
    paths = [
        f"/e/test-expo/meetings/requests/{request.id}",
        f"/e/test-expo/meetings/requests/{booked.id}",
        f"/e/test-expo/meetings/m/{meeting.id}",
        f"/e/test-expo/meetings/partners/{gamma.id}",
        "/e/test-expo/meetings/partners",
        "/e/test-expo/meetings/agenda",
    ]
    email = meetup.exhibitor_admin.email
    db.session.remove()

    page = browser_signed_in(
        browser, live_server.url, email, viewport={"width": 360, "height": 740}
    )
    for path in paths:
        page.goto(path)
        assert link.split("/")[-1] in page.content(), path
        # The page does not scroll sideways: the link wraps within the screen.
        widths = page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert widths[0] <= widths[1], (path, widths)
