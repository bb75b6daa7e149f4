"""The meetup pages on a phone (360x740, touch), in Korean."""

import pytest

from eventapp.extensions import db
from eventapp.meetings import services
from tests.conftest import browser_signed_in, page_width

pytestmark = pytest.mark.browser
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}


def _firm_with_requests(meetup, live_server, browser):
    """A phone signed in as the firm (gamma) that a startup with a long Korean name
    asked for a meeting, beside a request of the startup to another firm."""
    alpha, beta, gamma = (meetup.profiles[k] for k in ("alpha", "beta", "gamma"))
    alpha.organization.name_ko = "부산공과대학교 산학협력단 스마트팩토리센터"
    services.send_request(meetup.event, alpha, gamma, meetup.exhibitor_admin)
    services.send_request(meetup.event, alpha, beta, meetup.exhibitor_admin)
    firm = meetup.attendee.email  # gamma's
    db.session.commit()
    db.session.remove()  # the browser's requests must not wait for this session
    return browser_signed_in(browser, live_server.url, firm, "ko-KR", **PHONE)


def _open_buttons_on_screen(page, count):
    buttons = page.locator(".table a.button")
    assert buttons.count() == count
    for box in (buttons.nth(i).bounding_box() for i in range(count)):
        assert box["x"] >= 0 and box["x"] + box["width"] <= 360
    for wrap in page.locator(".table-wrap").all():
        assert not wrap.evaluate("el => el.scrollWidth > el.clientWidth")
    assert page_width(page) <= 360


def test_meetup_home_with_requests_does_not_scroll_sideways(meetup, live_server, browser):
    """Its request tables once made the cards (in a grid) grow to their width and the
    whole page scrolled sideways; then they scrolled in their cards, the "Open"
    button of each row beyond the phone's right edge. Each request is now a card."""
    page = _firm_with_requests(meetup, live_server, browser)
    page.goto("/e/test-expo/meetings/?lang=ko")
    _open_buttons_on_screen(page, 1)


def test_a_partners_page_shows_the_open_button_of_its_request(meetup, live_server, browser):
    alpha_id = meetup.profiles["alpha"].id
    page = _firm_with_requests(meetup, live_server, browser)
    page.goto(f"/e/test-expo/meetings/partners/{alpha_id}?lang=ko")
    _open_buttons_on_screen(page, 1)


def test_every_request_shows_its_open_button_on_a_phone(meetup, live_server, browser):
    """The requests list was a wide table scrolling in its card: the "Open" button of
    each row lay beyond the phone's right edge, reached only by swiping the table.
    Now each request is a card of its own, its button on screen."""
    page = _firm_with_requests(meetup, live_server, browser)
    page.goto("/e/test-expo/meetings/requests?lang=ko")
    wrap = page.locator(".table-wrap")
    assert not wrap.evaluate("el => el.scrollWidth > el.clientWidth")
    buttons = page.locator(".table a.button")
    assert buttons.count() == 1
    for box in (buttons.nth(i).bounding_box() for i in range(buttons.count())):
        assert box["x"] >= 0 and box["x"] + box["width"] <= 360
    assert page_width(page) <= 360


def test_a_proposed_time_is_answered_on_the_agenda_of_a_phone(meetup, live_server, browser):
    """The firm finds the startup's proposal on its agenda, in Korean, with both
    answers on screen; accepting moves the meeting there."""
    from eventapp.meetings.models import Meeting
    from tests.meetings.conftest import booked_meeting

    alpha = meetup.profiles["alpha"]
    alpha.organization.name_ko = "부산공과대학교 산학협력단 스마트팩토리센터"
    meeting = booked_meeting(meetup)
    target = meetup.slots[3]
    services.propose_time(
        meeting, target, alpha, meetup.exhibitor_admin, "https://example.org/" + "x" * 120
    )
    meeting_id, target_id, firm = meeting.id, target.id, meetup.attendee.email
    db.session.commit()
    db.session.remove()
    page = browser_signed_in(browser, live_server.url, firm, "ko-KR", **PHONE)
    # The meeting's page, with the proposal and the form for a counter-proposal.
    page.goto(f"/e/test-expo/meetings/m/{meeting_id}?lang=ko")
    assert page_width(page) <= 360
    box = page.locator("#another-time select").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360
    page.goto("/e/test-expo/meetings/agenda?lang=ko")
    assert page_width(page) <= 360
    buttons = page.locator(".meet-proposal button")
    assert buttons.count() == 2
    for box in (buttons.nth(i).bounding_box() for i in range(2)):
        assert box["x"] >= 0 and box["x"] + box["width"] <= 360 and box["height"] >= 44
    page.click("button[data-answer=accept]")
    page.wait_for_url("**/meetings/agenda?lang=ko")
    assert page.locator(".meet-proposal").count() == 0
    assert db.session.get(Meeting, meeting_id).slot_id == target_id
    db.session.remove()


def test_the_proposer_withdraws_its_time_on_a_phone(meetup, live_server, browser):
    """The startup's proposal, on its own agenda: the withdraw button is as easy to tap
    as the partner's answers, and withdrawing leaves the meeting where it was."""
    from eventapp.meetings.models import MeetingTimeProposal
    from tests.meetings.conftest import booked_meeting

    meeting = booked_meeting(meetup)
    proposal = services.propose_time(
        meeting, meetup.slots[3], meetup.profiles["alpha"], meetup.exhibitor_admin
    )
    proposal_id, startup = proposal.id, meetup.exhibitor_staff.email
    db.session.commit()
    db.session.remove()
    page = browser_signed_in(browser, live_server.url, startup, "ko-KR", **PHONE)
    page.goto("/e/test-expo/meetings/agenda?lang=ko")
    assert page_width(page) <= 360
    button = page.locator(".meet-proposal button")
    assert button.count() == 1 and button.get_attribute("data-answer") == "withdraw"
    box = button.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360 and box["height"] >= 44
    button.click()
    page.wait_for_url("**/meetings/agenda?lang=ko")
    assert page.locator(".meet-proposal").count() == 0
    assert db.session.get(MeetingTimeProposal, proposal_id).status == "withdrawn"
    db.session.remove()


def test_cancelling_a_meeting_on_a_phone_asks_first(meetup, live_server, browser):
    """ "Cancel the meeting" cancelled at the first tap, for good, and mailed the
    partner: the page now asks first, and a "no" leaves the meeting as it was."""
    from eventapp.meetings.models import Meeting
    from tests.meetings.conftest import booked_meeting

    meeting = booked_meeting(meetup)
    meeting_id, startup = meeting.id, meetup.exhibitor_admin.email
    db.session.commit()
    db.session.remove()
    page = browser_signed_in(browser, live_server.url, startup, "ko-KR", **PHONE)
    page.goto(f"/e/test-expo/meetings/m/{meeting_id}?lang=ko")
    asked = []

    def answer(dialog, accept):
        asked.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", lambda dialog: answer(dialog, False))
    page.click("form[action$='/cancel'] button")
    page.wait_for_timeout(300)
    assert asked and "취소할까요" in asked[0]
    assert db.session.get(Meeting, meeting_id).status == "scheduled"
    db.session.remove()
    page.once("dialog", lambda dialog: answer(dialog, True))
    page.click("form[action$='/cancel'] button")
    page.wait_for_load_state()
    page.wait_for_function("() => document.querySelector('#meeting-status')")
    assert len(asked) == 2
    assert db.session.get(Meeting, meeting_id).status == "cancelled"
    db.session.remove()


def test_the_participants_caps_are_set_on_a_phone(meetup, live_server, browser):
    """The caps table scrolled sideways in its card: the box and the Save button of
    each participant were off screen. Each participant is now a card."""
    organizer = meetup.organizer.email
    db.session.remove()  # the browser's requests must not wait for this session
    page = browser_signed_in(browser, live_server.url, organizer, "ko-KR", **PHONE)
    page.goto("/e/test-expo/meetings/manage/participants?lang=ko")
    assert not page.locator(".table-wrap").evaluate("el => el.scrollWidth > el.clientWidth")
    assert page_width(page) <= 360
    buttons = page.locator(".table button[type=submit]")
    assert buttons.count() >= 3
    for box in (buttons.nth(i).bounding_box() for i in range(buttons.count())):
        assert box["x"] >= 0 and box["x"] + box["width"] <= 360


def test_inviting_a_colleague_on_a_phone_shows_the_answer_on_screen(meetup, live_server, browser):
    """The invitation's answer was shown at the top of the page while the page opened
    at the Colleagues card, a screen and more below: tapping "Invite" seemed to do
    nothing, whether the invitation was sent or refused."""
    from tests.meetings.test_colleagues import _account

    _account("colleague", attendee_of=meetup.event)
    attendee = meetup.attendee.email  # Gamma Group's, which does not exhibit
    db.session.remove()
    page = browser_signed_in(browser, live_server.url, attendee, **PHONE)
    # Sent, the answer is a message atop the card; refused, it is under the address.
    for email, answer, shown in (
        ("colleague@example.org", "An invitation is sent", ".flash"),
        ("nobody@example.org", "No account uses", "#colleagues .field .error"),
    ):
        page.goto("/e/test-expo/meetings/profile")
        page.fill("#colleagues input[type=email]", email)
        page.click("#colleagues button[type=submit]")
        page.wait_for_url("**/meetings/*#colleagues")
        flash = page.locator(shown)
        assert flash.count() == 1 and answer in flash.inner_text()
        top = flash.evaluate("el => el.getBoundingClientRect().top")
        assert 0 <= top < 740 - 40
        assert page_width(page) <= 360


def test_the_availability_slots_are_thumb_sized_on_a_phone(meetup, live_server, browser):
    """Each slot to tick on "My availability" was 40 px high, under the 44 px of every
    other button of the meetup: easy to miss, or to tick the neighbour."""
    startup = meetup.exhibitor_admin.email
    db.session.remove()
    page = browser_signed_in(browser, live_server.url, startup, "ko-KR", **PHONE)
    page.goto("/e/test-expo/meetings/availability?lang=ko")
    slots = page.locator(".meet-check")
    assert slots.count() == 8
    for box in (slots.nth(i).bounding_box() for i in range(slots.count())):
        assert box["height"] >= 44 and box["x"] >= 0 and box["x"] + box["width"] <= 360
    assert page_width(page) <= 360
