"""The main menu on a phone: opened with ☰, its entries are thumb-sized."""

import pytest

from eventapp.extensions import db
from tests.conftest import browser_signed_in, page_width

pytestmark = pytest.mark.browser
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
TARGETS = ".mainnav a, .mainnav button, .mainnav summary"


def _heights(page):
    """{text: height} of the menu's links, buttons and summaries on screen."""
    return {
        target.inner_text().strip(): target.bounding_box()["height"]
        for target in page.locator(TARGETS).all()
        if target.is_visible()
    }


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_phone_menu_entries_are_44_px_tall(small_event, live_server, browser, lang):
    """The menu's links were about 27 px tall on a phone, small to tap one of a
    column of them; each link, button and the organizer's submenu is 44 px now."""
    email = small_event.organizer.email
    db.session.remove()  # the browser's requests must not wait for this session
    page = browser_signed_in(browser, live_server.url, email, f"{lang}-KR", **PHONE)
    page.goto(f"/e/test-expo/?lang={lang}")
    assert not page.locator(".mainnav").is_visible()
    page.click(".nav-toggle-label")
    page.click(".mainnav .navmenu summary")  # the organizer's submenu
    heights = _heights(page)
    assert len(heights) > 8, heights
    short = {text: height for text, height in heights.items() if height < 44}
    assert not short, short
    assert page_width(page) <= 390


def test_desktop_menu_keeps_its_compact_links(small_event, live_server, browser):
    """Wide screens keep the one-line menu of text links."""
    email = small_event.organizer.email
    db.session.remove()
    page = browser_signed_in(browser, live_server.url, email, "en-US", **DESKTOP)
    page.goto("/e/test-expo/?lang=en")
    assert not page.locator(".nav-toggle-label").is_visible()
    heights = _heights(page)
    assert heights and max(heights.values()) < 30, heights
    assert page.locator(".topbar").bounding_box()["height"] < 60
