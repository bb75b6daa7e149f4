"""The event settings page on a phone (360x740, touch), in Korean."""

import pytest

from eventapp.events.models import Event
from eventapp.extensions import db
from tests.conftest import browser_signed_in, page_width

pytestmark = pytest.mark.browser
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}


def test_an_organizer_edits_the_event_on_a_phone(small_event, live_server, browser):
    event_id = small_event.event.id
    db.session.remove()  # the browser's requests must not wait for this session

    page = browser_signed_in(browser, live_server.url, "organizer@example.org", "ko-KR", **PHONE)
    page.goto("/e/test-expo/manage/?lang=ko")
    page.click("a[href='/e/test-expo/manage/settings']")
    page.wait_for_url("**/manage/settings")
    assert page_width(page) <= 360
    # People registered: the address is shown but cannot be typed over.
    assert page.locator("#slug").get_attribute("readonly") is not None
    page.fill("#city", "부산")
    page.fill("#ends_on", "2025-09-19")
    page.click("#event-settings-form button[type=submit]")
    page.wait_for_selector(".flash-success")
    assert page_width(page) <= 360
    event = db.session.get(Event, event_id)
    assert (event.city, event.ends_on.isoformat()) == ("부산", "2025-09-19")


def test_the_days_and_hours_are_thumb_sized_on_a_phone(small_event, live_server, browser):
    """The date and time boxes kept the browser's small default (13 px text, about
    20 px high) beside full-size text boxes: hard to hit with a thumb, and iOS
    zooms the page in on a box whose text is under 16 px."""
    db.session.remove()  # the browser's requests must not wait for this session
    page = browser_signed_in(browser, live_server.url, "organizer@example.org", "ko-KR", **PHONE)
    page.goto("/e/test-expo/manage/settings?lang=ko")
    for selector in ("#starts_on", "#ends_on", "#opens_at", "#closes_at"):
        box = page.locator(selector).bounding_box()
        size = page.eval_on_selector(selector, "e => getComputedStyle(e).fontSize")
        assert box["height"] >= 44 and float(size.removesuffix("px")) >= 16, selector
    assert page_width(page) <= 360


def test_the_audit_log_reads_entry_by_entry_on_a_phone(small_event, live_server, browser):
    """Four narrow columns broke each time over three lines and each action a word a
    line; on a phone each entry is now a card of labelled lines."""
    from eventapp.core import audit

    for _ in range(3):
        audit.record("event.updated", small_event.event, event=small_event.event, data={})
    db.session.commit()
    db.session.remove()  # the browser's requests must not wait for this session
    page = browser_signed_in(browser, live_server.url, "organizer@example.org", "en-US", **PHONE)
    page.goto("/e/test-expo/manage/audit?lang=en")
    when = page.locator("tbody tr td:first-child").first
    label = when.evaluate("cell => getComputedStyle(cell, '::before').content")
    assert label == '"When: "'
    line = float(when.evaluate("cell => getComputedStyle(cell).lineHeight").rstrip("px"))
    assert when.bounding_box()["height"] < 2 * line
    assert page_width(page) <= 360
