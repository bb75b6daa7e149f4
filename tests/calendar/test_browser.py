"""The "My calendar" page in a real browser."""

import pytest

from eventapp.extensions import db
from tests.conftest import PASSWORD, browser_signed_in, page_width

pytestmark = pytest.mark.browser
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def test_copy_button_returns_to_its_label_after_quick_clicks(browser, live_server, small_event):
    page = browser.new_context().new_page()
    page.goto(f"{live_server.url}/login?lang=en")
    page.fill("input[name=email]", small_event.attendee.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.goto(f"{live_server.url}/e/test-expo/calendar/")
    button = page.locator("[data-copy=feed-url]")
    label = button.text_content()
    button.click()
    button.click()  # while "Copied" still shows
    assert button.text_content() != label
    page.wait_for_timeout(1800)
    assert button.text_content() == label


def test_every_meeting_shows_its_ics_button_on_a_phone(meetup, live_server, browser):
    """The "My meetings" table scrolled sideways in its card on a phone, its ".ics
    file" buttons beyond the screen's right edge. Now each meeting is a card of its
    own, its button on screen."""
    meetup.schedule()
    firm = meetup.attendee.email  # gamma's
    db.session.remove()  # the browser's requests must not wait for this session

    page = browser_signed_in(browser, live_server.url, firm, "ko-KR", **PHONE)
    page.goto("/e/test-expo/calendar/?lang=ko")
    wrap = page.locator("#my-meetings .table-wrap")
    assert not wrap.evaluate("el => el.scrollWidth > el.clientWidth")
    buttons = page.locator("#my-meetings a.button")
    assert buttons.count() == 1
    box = buttons.first.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert page_width(page) <= 390


@pytest.mark.parametrize("width", [1280, 390])
def test_copy_buttons_keep_their_label_on_one_line(browser, live_server, small_event, width):
    """On a desktop the long address squeezed the Korean "복사" button to one
    syllable a line."""
    email = small_event.attendee.email
    db.session.remove()
    page = browser_signed_in(
        browser, live_server.url, email, "ko-KR", viewport={"width": width, "height": 900}
    )
    page.goto("/e/test-expo/calendar/?lang=ko")
    buttons = page.locator(".copy-row button")
    assert buttons.count() == 2
    for button in buttons.all():
        # One line box per line of the label.
        lines = button.evaluate(
            "el => { const r = document.createRange(); r.selectNodeContents(el);"
            " return new Set([...r.getClientRects()].map(rect => Math.round(rect.top))).size }"
        )
        assert lines == 1
    assert page_width(page) <= width
