"""Very long company names without a space (Latin names of 100+ letters) wrap
where they are shown instead of running off the page."""

import pytest

from eventapp.extensions import db
from tests.conftest import browser_signed_in, page_width

pytestmark = pytest.mark.browser
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
LONG_NAME = "Gaonintelligenceindustrialautomation" * 3 + "Co"  # 110 letters, no space


def _long_names(small_event, *companies):
    for key in companies:
        small_event.companies[key].name_en = LONG_NAME + key.capitalize()
    db.session.commit()
    people = (
        small_event.exhibitors["alpha"].id,
        small_event.exhibitor_admin.email,
        small_event.organizer.email,
    )
    db.session.remove()  # the browser's requests must not wait for this session
    return people


def _fits(page, selector):
    """No element of `selector` is wider inside than its box (its text sticking out)."""
    return page.eval_on_selector_all(
        selector, "els => els.length > 0 && els.every(el => el.scrollWidth <= el.clientWidth)"
    )


def test_a_long_company_name_wraps_in_the_page_heading(small_event, live_server, browser):
    alpha_id, admin, organizer = _long_names(small_event, "alpha")
    for email, url in (
        (admin, f"/e/test-expo/exhibitors/{alpha_id}/?lang=en"),
        (organizer, f"/e/test-expo/manage/exhibitors/{alpha_id}?lang=en"),
    ):
        for screen in (DESKTOP, PHONE):
            page = browser_signed_in(browser, live_server.url, email, "en-US", **screen)
            page.goto(url)
            assert LONG_NAME in page.locator("h1").inner_text()
            assert page_width(page) <= screen["viewport"]["width"], (url, screen)
            assert _fits(page, "main h1"), (url, screen)
            page.context.close()


def test_a_heading_of_short_names_looks_as_before(small_event, live_server, browser):
    """Normal names keep to one line: the wrapping is only for what does not fit."""
    alpha_id, admin, _organizer = _long_names(small_event)
    page = browser_signed_in(browser, live_server.url, admin, "en-US", **PHONE)
    page.goto(f"/e/test-expo/exhibitors/{alpha_id}/?lang=en")
    heading = page.locator("main h1")
    line = float(heading.evaluate("el => parseFloat(getComputedStyle(el).lineHeight)"))
    assert heading.bounding_box()["height"] < 1.5 * line


def test_long_competitor_names_wrap_on_the_phone_edit_page(small_event, live_server, browser):
    alpha_id, admin, _organizer = _long_names(small_event, "beta", "gamma")
    page = browser_signed_in(browser, live_server.url, admin, "en-US", **PHONE)
    page.goto(f"/e/test-expo/exhibitors/{alpha_id}/edit?lang=en")
    labels = page.locator("label.check:has(input[name=avoid])")
    assert labels.count() >= 1
    assert LONG_NAME in labels.first.inner_text()
    assert page_width(page) <= 390
    for index in range(labels.count()):
        box = labels.nth(index).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390
