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


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_the_scan_log_search_shows_its_whole_hint_on_a_phone(scanning, live_server, browser, lang):
    """The search box's hint was cut ("이름, 출입증 번호 또…"): the box is now as wide
    as the row allows, and the hint fits in it."""
    email = scanning.organizer.email
    db.session.remove()
    page = browser_signed_in(
        browser, live_server.url, email, "ko-KR" if lang == "ko" else "en-US", **PHONE
    )
    page.goto(f"/e/test-expo/checkin/scans?lang={lang}")
    search = page.locator("input[name=q]")
    hint, room = search.evaluate(
        """box => {
          const style = getComputedStyle(box);
          const ruler = document.createElement("canvas").getContext("2d");
          ruler.font = `${style.fontSize} ${style.fontFamily}`;
          const room = box.clientWidth - parseFloat(style.paddingLeft)
            - parseFloat(style.paddingRight);
          return [ruler.measureText(box.placeholder).width, room];
        }"""
    )
    assert hint <= room, (hint, room)
    assert page.evaluate("document.scrollingElement.scrollWidth <= innerWidth")


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_the_scan_counts_are_thumb_sized_links_on_a_phone(scanning, live_server, browser, lang):
    """On the set-up page each point's counts link to its scans: a "0" was a 9x17 px
    target. On a touch screen each is at least 44 px each way."""
    email = scanning.organizer.email
    db.session.remove()
    page = browser_signed_in(
        browser, live_server.url, email, "ko-KR" if lang == "ko" else "en-US", **PHONE
    )
    page.goto(f"/e/test-expo/checkin/?lang={lang}")
    counts = page.locator("tbody td.num a")
    assert counts.count() >= 4
    for i in range(counts.count()):
        box = counts.nth(i).bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44, (i, box)
    assert page.evaluate("document.scrollingElement.scrollWidth <= innerWidth")
