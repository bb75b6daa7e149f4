"""The "My calendar" page's copy buttons in a real browser."""

import pytest

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


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
