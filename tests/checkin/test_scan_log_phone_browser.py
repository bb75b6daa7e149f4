"""The organizers' scan log on a phone (390x844)."""

import pytest

from eventapp.extensions import db
from tests.checkin.conftest import scan
from tests.conftest import browser_signed_in, page_width

pytestmark = pytest.mark.browser
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_the_scan_log_reads_on_a_phone_without_scrolling_sideways(
    scanning, login_as, live_server, browser, lang
):
    """Its six columns (time, answer, holder, point, who scanned, received) were a
    table wider than the phone, swiped sideways inside its frame. Each scan is now
    a card of labelled lines, as the badge and exhibitor lists are."""
    staff = login_as("staff")
    scan(staff, scanning.points["gate"], scanning.code("attendee"))
    scan(staff, scanning.points["vip_gate"], scanning.code("outsider"))
    scan(staff, scanning.points["gate"], "K1-not-a-badge-code-at-all")
    email = scanning.organizer.email
    db.session.remove()  # the browser's requests must not wait for this session
    page = browser_signed_in(
        browser, live_server.url, email, "ko-KR" if lang == "ko" else "en-US", **PHONE
    )
    page.goto(f"/e/test-expo/checkin/scans?lang={lang}")
    assert page.locator(".table tbody tr").count() == 3
    assert page_width(page) <= 390
    assert page.evaluate("document.scrollingElement.scrollWidth <= innerWidth")
    wrap = page.locator(".table-wrap")
    assert not wrap.evaluate("el => el.scrollWidth > el.clientWidth")
    # Each line still says what it is: where the VIP lounge's refusal happened.
    row = page.locator(".table tbody tr", has_text="Outsider").first
    point = row.locator("td").nth(3)
    label = point.evaluate("el => getComputedStyle(el, '::before').content")
    assert ("Scan point" if lang == "en" else "스캔 지점") in label
    assert ("VIP lounge" if lang == "en" else "VIP 라운지") in point.inner_text()
