"""The organizers' badge list on a phone (375 px wide)."""

import pytest

from eventapp.badges import services
from eventapp.extensions import db
from tests.conftest import browser_signed_in, page_width

pytestmark = pytest.mark.browser
PHONE = {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True}


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_the_badge_list_reads_on_a_phone_without_scrolling_sideways(
    small_event, live_server, browser, lang
):
    """Its six columns (number, name with the English name, company, category,
    booth, status) were a table wider than the phone, swiped sideways inside its
    card. Each badge is now a card of labelled lines."""
    alpha = small_event.companies["alpha"]
    alpha.name_ko = "부산공과대학교 산학협력단 스마트팩토리센터"
    alpha.name_en = "Busan Institute of Technology Industry-Academia Smart Factory Center"
    services.sync_badges(small_event.event)
    email = small_event.organizer.email
    db.session.commit()
    db.session.remove()  # the browser's requests must not wait for this session
    page = browser_signed_in(
        browser, live_server.url, email, "ko-KR" if lang == "ko" else "en-US", **PHONE
    )
    page.goto(f"/e/test-expo/manage/badges/?lang={lang}")
    assert page.locator(".table tbody tr").count() >= 4
    assert page_width(page) <= 375
    assert page.evaluate("document.scrollingElement.scrollWidth <= innerWidth")
    wrap = page.locator(".table-wrap")
    assert not wrap.evaluate("el => el.scrollWidth > el.clientWidth")
    # Each line still says what it is: the company and the booth of a badge.
    row = page.locator(".table tbody tr", has_text="exhibitor_staff").first
    company = row.locator("td").nth(2)
    label = company.evaluate("el => getComputedStyle(el, '::before').content")
    assert ("Company" if lang == "en" else "기업·기관") in label
    assert ("Busan Institute" if lang == "en" else "부산공과대학교") in company.inner_text()


def test_the_badge_links_are_thumb_sized_on_a_phone(small_event, live_server, browser):
    """A badge's number and name open it: each link was one line of text high (17 px)."""
    services.sync_badges(small_event.event)
    email = small_event.organizer.email
    db.session.commit()
    db.session.remove()
    page = browser_signed_in(browser, live_server.url, email, "ko-KR", **PHONE)
    page.goto("/e/test-expo/manage/badges/?lang=ko")
    links = page.locator(".table tbody td a[href*='/manage/badges/']")
    assert links.count() >= 8
    for i in range(links.count()):
        box = links.nth(i).bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44, (i, box)
    assert page.evaluate("document.scrollingElement.scrollWidth <= innerWidth")
