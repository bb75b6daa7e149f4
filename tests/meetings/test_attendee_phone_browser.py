"""An attendee's meetup pages on a 390 px phone, in both languages: finding partners
and coming back to the list as filtered, the partner's page, and the colleagues card."""

import pytest

from eventapp.extensions import db
from tests.conftest import browser_signed_in, page_width

pytestmark = pytest.mark.browser
WIDTH = 390
PHONE = {"viewport": {"width": WIDTH, "height": 844}, "is_mobile": True, "has_touch": True}
LANGUAGES = ["ko", "en"]
LABELS = {
    "ko": {"tab": "파트너 찾기", "back": "파트너 목록으로", "clear": "필터 지우기"},
    "en": {"tab": "Find partners", "back": "Back to the partner list", "clear": "Clear filters"},
}


def _phone(meetup, live_server, browser, user, lang):
    user.locale = lang  # the pages speak the account's language
    email = user.email
    db.session.commit()
    db.session.remove()  # the browser's requests must not wait for this session
    return browser_signed_in(browser, live_server.url, email, f"{lang}-KR", **PHONE)


def _thumb_sized_on_screen(locator):
    box = locator.bounding_box()
    assert box["height"] >= 44 and box["x"] >= 0 and box["x"] + box["width"] <= WIDTH


def _filtered(page, gamma_id):
    """The list shows gamma alone, its filters still set in the form."""
    assert page.locator("#kind").input_value() == "large_firm"
    assert page.locator("#q").input_value() == "vision"
    cards = page.locator(".meet-rec")
    assert cards.count() == 1 and cards.first.get_attribute("data-profile") == str(gamma_id)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_partner_list_keeps_its_filters_back_from_a_partner(meetup, live_server, browser, lang):
    gamma_id = meetup.profiles["gamma"].id
    page = _phone(meetup, live_server, browser, meetup.exhibitor_admin, lang)  # alpha
    labels = LABELS[lang]
    page.goto("/e/test-expo/meetings/partners")
    assert page.locator(".meet-rec").count() == 2
    page.select_option("#kind", "large_firm")
    page.fill("#q", "vision")
    page.click(".meet-filters button[type=submit]")
    page.wait_for_url("**/partners?*kind=large_firm*")
    _filtered(page, gamma_id)
    assert page_width(page) <= WIDTH

    # Through the tab, then through the page's back link: the list as it was left.
    for way_back in (f".meet-subnav a:text-is('{labels['tab']}')", "#back-to-partners"):
        page.click(".meet-rec h2 a")
        page.wait_for_url("**/partners/*")
        assert page.locator("#back-to-partners").inner_text() == labels["back"]
        _thumb_sized_on_screen(page.locator("#back-to-partners"))
        assert page_width(page) <= WIDTH
        page.click(way_back)
        page.wait_for_url("**/partners?*")
        _filtered(page, gamma_id)

    clear = page.locator("#clear-filters")
    assert clear.inner_text() == labels["clear"]
    _thumb_sized_on_screen(clear)
    clear.click()
    page.wait_for_url("**/partners?clear=1")
    assert page.locator("#kind").input_value() == "" and page.locator("#q").input_value() == ""
    assert page.locator(".meet-rec").count() == 2 and page.locator("#clear-filters").count() == 0
    page.click(".meet-rec h2 a >> nth=0")
    page.wait_for_url("**/partners/*")
    page.click("#back-to-partners")
    page.wait_for_load_state()
    assert page.locator(".meet-rec").count() == 2


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_partners_page_opens_with_its_name(meetup, live_server, browser, lang):
    gamma_id = meetup.profiles["gamma"].id
    name = {"ko": "감마그룹", "en": "Gamma Group"}[lang]
    page = _phone(meetup, live_server, browser, meetup.exhibitor_admin, lang)
    page.goto(f"/e/test-expo/meetings/partners/{gamma_id}")
    heading = page.locator("main h1")
    assert heading.inner_text() == name
    # The first heading of the page, above the tabs, on the first screen.
    assert page.locator("main :is(h1, h2, h3)").first.inner_text() == name
    top = heading.bounding_box()["y"]
    assert 0 <= top < page.locator(".meet-subnav").bounding_box()["y"] < 844
    for tab in page.locator(".meet-subnav a").all():
        _thumb_sized_on_screen(tab)
    assert page_width(page) <= WIDTH


@pytest.mark.parametrize("lang", LANGUAGES)
def test_colleague_invitations_on_a_phone(meetup, live_server, browser, lang):
    """The card came back with an empty box, the reason at its top: the address was
    to be typed again on the phone's keyboard."""
    from tests.meetings.test_colleagues import _account

    _account("colleague", attendee_of=meetup.event)
    page = _phone(meetup, live_server, browser, meetup.attendee, lang)  # Gamma Group's
    page.goto("/e/test-expo/meetings/profile")
    box = page.locator("#colleagues input[type=email]")
    # Sent, the invitation is listed on the card as waiting, within the screen.
    box.fill("colleague@example.org")
    page.click("#colleagues button[type=submit]")
    page.wait_for_url("**/meetings/profile*#colleagues")
    waiting = page.locator("#colleagues li[data-invitation]")
    assert waiting.count() == 1 and "colleague@example.org" in waiting.inner_text()
    assert ("valid until" in waiting.inner_text()) == (lang == "en")
    box_of = waiting.bounding_box()
    assert box_of["x"] >= 0 and box_of["x"] + box_of["width"] <= WIDTH
    assert page_width(page) <= WIDTH
    box.fill("nobdy@example.org")
    page.click("#colleagues button[type=submit]")
    page.wait_for_url("**/meetings/colleagues#colleagues")
    assert box.input_value() == "nobdy@example.org"
    error = page.locator("#colleagues .field .error")
    assert error.count() == 1 and "nobdy@example.org" in error.inner_text()
    assert ("No account uses" in error.inner_text()) == (lang == "en")
    # On the screen the page opens at, under its box.
    top = error.evaluate("el => el.getBoundingClientRect().top")
    assert box.bounding_box()["y"] < top < 844 - 20
    _thumb_sized_on_screen(page.locator("#colleagues button[type=submit]"))
    assert page_width(page) <= WIDTH


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_request_and_a_meeting_open_with_their_heading(meetup, live_server, browser, lang):
    from tests.meetings.conftest import booked_meeting

    meeting = booked_meeting(meetup)
    paths = [f"requests/{meeting.request_id}", f"m/{meeting.id}"]
    page = _phone(meetup, live_server, browser, meetup.exhibitor_admin, lang)
    for path in paths:
        page.goto(f"/e/test-expo/meetings/{path}")
        heading = page.locator("main h1")
        # The first heading of the page, above the tabs, on the first screen.
        assert page.locator("main :is(h1, h2, h3)").first.inner_text() == heading.inner_text()
        top = heading.bounding_box()["y"]
        assert 0 <= top < page.locator(".meet-subnav").bounding_box()["y"] < 844, path
        assert page_width(page) <= WIDTH, path
