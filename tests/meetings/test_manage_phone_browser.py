"""The organizers' meetup pages on a phone (390 px wide, touch)."""

import pytest
from sqlalchemy import select

from eventapp.extensions import db
from eventapp.meetings.models import MeetingPlan
from tests.conftest import browser_signed_in, login, page_width
from tests.meetings.conftest import accepted_request, add_company, booked_meeting

pytestmark = pytest.mark.browser
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
LOCALES = {"ko": "ko-KR", "en": "en-US"}


def _organizer_phone(meetup, live_server, browser, lang):
    email = meetup.organizer.email
    db.session.commit()
    db.session.remove()  # the browser's requests must not wait for this session
    return browser_signed_in(browser, live_server.url, email, LOCALES[lang], **PHONE)


def _heights(locator):
    return [round(box["height"]) for box in (el.bounding_box() for el in locator.all())]


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_the_grid_moves_and_cancels_a_meeting_at_a_thumbs_size(meetup, live_server, browser, lang):
    """ "move" and "cancel" were lines of small text in each meeting's cell, 14 and
    20 px high: on a phone a thumb hit the meeting's link or the next cell."""
    day = booked_meeting(meetup).slot.local_start().date().isoformat()
    page = _organizer_phone(meetup, live_server, browser, lang)
    page.goto(f"/e/test-expo/meetings/manage/grid?day={day}&lang={lang}")
    moves, cancels = page.locator(".meet-move"), page.locator(".meet-cancel > summary")
    assert moves.count() == cancels.count() == 1
    assert min(_heights(moves) + _heights(cancels)) >= 44


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_a_participants_cap_field_is_a_thumbs_size(meetup, live_server, browser, lang):
    """The cap of each participant was a bare number field 21 px high."""
    page = _organizer_phone(meetup, live_server, browser, lang)
    page.goto(f"/e/test-expo/meetings/manage/participants?lang={lang}")
    fields = page.locator("input[name=max_meetings]")
    assert fields.count() == len(meetup.profiles)
    assert min(_heights(fields)) >= 44
    page.goto(f"/e/test-expo/meetings/manage/settings?lang={lang}")
    booths = page.locator("#booths input[type=text]")
    assert booths.count() >= 1
    assert min(_heights(booths)) >= 44


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_the_participants_are_filtered_on_a_phone(meetup, live_server, browser, lang):
    """Hundreds of participants were one list with no search: the search and filters
    fit the phone, each a thumb's size, and find the company typed."""
    page = _organizer_phone(meetup, live_server, browser, lang)
    page.goto(f"/e/test-expo/meetings/manage/participants?lang={lang}")
    controls = page.locator("form[role=search] input, form[role=search] select")
    assert controls.count() == 4
    assert min(_heights(controls)) >= 44
    assert page_width(page) <= 390
    page.fill("#f-q", "gamma")
    page.locator("form[role=search] button[type=submit]").click()
    page.wait_for_url("**q=gamma**")
    assert page.locator("input[name=max_meetings]").count() == 1
    assert page_width(page) <= 390


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_a_plan_reads_on_a_phone_without_scrolling_sideways(
    meetup, app, client, live_server, browser, lang, monkeypatch
):
    """Its tables of new and left-out meetings were wider than the phone: the firm
    and the place of each new meeting lay beyond the card's right edge."""
    monkeypatch.setitem(app.config, "MEETINGS_SOLVER_SECONDS", 2)
    monkeypatch.setitem(app.config, "MEETINGS_SOLVER_WORKERS", 1)
    for key in ("s0", "s1"):
        user, startup = add_company(meetup.event, key, "startup")
        startup.organization.name_ko = f"부산공과대학교 산학협력단 스마트팩토리센터 {key}"
        startup.organization.name_en = f"Busan Institute of Technology Smart Factory Center {key}"
        for firm in (meetup.profiles["beta"], meetup.profiles["gamma"]):
            accepted_request(meetup.event, startup, firm, user)
    db.session.commit()
    login(client, meetup.organizer)
    assert client.post("/e/test-expo/meetings/manage/schedule").status_code == 302
    plan_id = db.session.scalar(select(MeetingPlan.id))
    page = _organizer_phone(meetup, live_server, browser, lang)
    # Reached from the meetup's overview by a link a thumb can hit: it was "#1",
    # 19 px square.
    page.goto(f"/e/test-expo/meetings/manage/?lang={lang}")
    link = page.locator("a.plan-link")
    assert (
        link.inner_text()
        == ("Scheduling plan" if lang == "en" else "일정 배정 계획안") + f" #{plan_id}"
    )
    assert min(_heights(link)) >= 44
    link.click()
    page.wait_for_url(f"**/plans/{plan_id}")
    page.goto(f"/e/test-expo/meetings/manage/plans/{plan_id}?lang={lang}")
    assert page.locator(".table tbody tr").count() >= 4
    assert page_width(page) <= 390
    for wrap in page.locator(".table-wrap").all():
        assert not wrap.evaluate("el => el.scrollWidth > el.clientWidth")
    firm = page.locator(".table tbody tr").first.locator("td").nth(2)
    label = firm.evaluate("el => getComputedStyle(el, '::before').content")
    assert ("Firm" if lang == "en" else "대·중견기업") in label
