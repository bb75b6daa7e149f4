"""The company pages on a phone (390x844, touch)."""

import pytest

from eventapp.extensions import db
from tests.conftest import browser_signed_in, page_width

pytestmark = pytest.mark.browser
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def _company(small_event, website=None):
    alpha = small_event.exhibitors["alpha"]
    alpha.organization.website = website
    people = alpha.id, small_event.exhibitor_admin.email, small_event.organizer.email
    db.session.commit()
    db.session.remove()  # the browser's requests must not wait for this session
    return people


def test_team_table_reads_on_a_phone_without_scrolling_sideways(small_event, live_server, browser):
    """The hidden header of the team table's buttons' column (position: absolute)
    made the whole page scroll sideways. Then the table scrolled sideways in its
    box, each person's role and Remove button off screen. Each person is now a card
    of labelled lines, on the company page and on the organizers' page of it."""
    alpha_id, admin, organizer = _company(small_event)
    page = browser_signed_in(browser, live_server.url, admin, "ko-KR", **PHONE)
    for url in (
        f"/e/test-expo/exhibitors/{alpha_id}/",
        f"/e/test-expo/manage/exhibitors/{alpha_id}",
    ):
        if "manage" in url:
            page = browser_signed_in(browser, live_server.url, organizer, "ko-KR", **PHONE)
        page.goto(url)
        table = page.locator("#team-table")
        wrap = page.locator(".table-wrap", has=table)
        assert not wrap.evaluate("el => el.scrollWidth > el.clientWidth"), url
        assert page_width(page) <= 390
        cells = table.locator("td, button")
        for box in (cells.nth(i).bounding_box() for i in range(cells.count())):
            assert box["x"] >= 0 and box["x"] + box["width"] <= 390, url


def test_a_long_website_wraps_on_the_company_pages(small_event, live_server, browser):
    website = "https://www.gaonintelligence-industrial96.example/ko/company"
    alpha_id, admin, organizer = _company(small_event, website)
    page = browser_signed_in(browser, live_server.url, admin, "ko-KR", **PHONE)
    page.goto(f"/e/test-expo/exhibitors/{alpha_id}/")
    link = page.locator(f'a[href="{website}"]')
    assert link.count() == 1
    assert page_width(page) <= 390
    box = link.bounding_box()
    assert box["x"] + box["width"] <= 390  # readable, not cut off at the card's edge
    # The organizer's page of the company shows the same profile card.
    page = browser_signed_in(browser, live_server.url, organizer, "ko-KR", **PHONE)
    page.goto(f"/e/test-expo/manage/exhibitors/{alpha_id}")
    assert page.locator(f'a[href="{website}"]').count() == 1
    assert page_width(page) <= 390


def test_a_description_keeps_its_paragraphs(small_event, live_server, browser):
    """A company describes itself in a textarea, in paragraphs: the page showed them
    as one run-on paragraph."""
    alpha = small_event.exhibitors["alpha"]
    alpha.organization.description_ko = "비전 검사 로봇을 만듭니다.\n\n- 용접 검사\n- 도장 검사"
    alpha_id, admin, _organizer = _company(small_event)
    page = browser_signed_in(browser, live_server.url, admin, "ko-KR", **PHONE)
    page.goto(f"/e/test-expo/exhibitors/{alpha_id}/?lang=ko")
    shown = page.locator("p", has_text="비전 검사 로봇").inner_text()
    assert shown.splitlines() == ["비전 검사 로봇을 만듭니다.", "", "- 용접 검사", "- 도장 검사"]


def test_a_long_email_address_wraps_on_a_phone(small_event, live_server, browser):
    """Adding a team member with a long (real-world) address: the message naming it,
    and the organizers' page of the person's badge, did not fit a phone."""
    from eventapp.accounts.models import User
    from eventapp.badges import services as badges
    from eventapp.events.models import Event

    email = "international.business.development.team@gaonintelligence.co.kr"
    event_id = small_event.event.id
    alpha_id, admin, organizer = _company(small_event)
    page = browser_signed_in(browser, live_server.url, admin, "ko-KR", **PHONE)
    page.goto(f"/e/test-expo/exhibitors/{alpha_id}/")
    team_form = "form[action$='/team']"
    page.fill(f"{team_form} input[name=email]", email)
    page.fill(f"{team_form} input[name=name]", "김해외")
    page.click(f"{team_form} button[type=submit]")
    page.wait_for_load_state()
    assert email in page.locator(".flash").first.inner_text()
    assert page_width(page) <= 390
    member = db.session.scalar(db.select(User).where(User.email == email))
    badge = badges.issue_badge(db.session.get(Event, event_id), member)
    db.session.commit()
    badge_id = badge.id
    db.session.remove()
    page = browser_signed_in(browser, live_server.url, organizer, "ko-KR", **PHONE)
    page.goto(f"/e/test-expo/manage/badges/{badge_id}")
    assert page.get_by_text(email).count() == 1
    assert page_width(page) <= 390


def test_the_import_preview_reads_on_a_phone(small_event, live_server, browser, tmp_path):
    """The preview's eleven columns scrolled sideways in their card: on a phone the
    zones, wished booths, booth picking and contact of each row were off screen.
    Each row is now a card of labelled lines."""
    organizer = small_event.organizer.email
    db.session.remove()  # the browser's requests must not wait for this session
    upload = tmp_path / "exhibitors.csv"
    upload.write_text(
        "\ufeffname_ko,name_en,kind,sector,booths,zones,wishes,contact_email,contact_name,"
        "priority_tier\n"
        "델타인공지능,Delta AI,startup,ai,2,ai,A-03;A-04,delta@example.org,김델타,1\n",
        encoding="utf-8",
    )
    page = browser_signed_in(browser, live_server.url, organizer, "en-US", **PHONE)
    page.goto("/e/test-expo/manage/exhibitors/import?lang=en")
    page.set_input_files("input[type=file]", str(upload))
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_selector("#import-preview")
    wrap = page.locator("#import-preview .table-wrap")
    assert not wrap.evaluate("el => el.scrollWidth > el.clientWidth")
    assert page_width(page) <= 390
    picking = page.locator("#import-preview td[data-label='Booth picking']")
    assert picking.inner_text() == "Priority (may pick early, e.g. sponsors)"
    box = picking.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390


def test_the_organizers_exhibitor_list_reads_on_a_phone(small_event, live_server, browser):
    """Its seven columns scrolled sideways in their card: each exhibitor's status and
    zones were off screen. Each exhibitor is now a card of labelled lines."""
    _alpha_id, _admin, organizer = _company(small_event)
    page = browser_signed_in(browser, live_server.url, organizer, "ko-KR", **PHONE)
    page.goto("/e/test-expo/manage/exhibitors/?lang=ko")
    assert not page.locator(".table-wrap").evaluate("el => el.scrollWidth > el.clientWidth")
    assert page_width(page) <= 390
    status = page.locator("#exhibitor-list td[data-label='상태']").first
    box = status.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390


def test_the_competitors_to_avoid_fit_a_box_and_can_be_found(small_event, live_server, browser):
    """Every other exhibitor of the fair was a check box down the page: with the
    demo's 300 the registration was some 14,000 pixels tall on a phone, and a
    competitor was found by scrolling. The list is now a box of its own, with a
    filter that keeps the companies ticked in view."""
    from eventapp.booths.models import Exhibitor
    from eventapp.organizations.models import Organization

    for n in range(60):
        org = Organization(
            name_ko=f"경쟁사{n:02d}", name_en=f"Rival {n:02d} Ltd", kind="startup", sector="ai"
        )
        db.session.add_all(
            [org, Exhibitor(event=small_event.event, organization=org, status="approved")]
        )
    alpha_id, admin, _organizer = _company(small_event)
    page = browser_signed_in(browser, live_server.url, admin, "en-US", **PHONE)
    page.goto(f"/e/test-expo/exhibitors/{alpha_id}/edit?lang=en")
    box = page.locator("#avoid-list")
    assert box.evaluate("el => el.scrollHeight > el.clientHeight")
    assert box.bounding_box()["height"] < 420
    assert page.evaluate("document.documentElement.scrollHeight") < 6000
    assert page_width(page) <= 390

    page.locator("#avoid-list label", has_text="Rival 07 Ltd").locator("input").check()
    page.fill("#avoid-filter", "rival 1")
    visible = page.locator("#avoid-list label:visible")
    shown = sorted(visible.all_inner_texts())
    assert shown == ["Rival 07 Ltd"] + [f"Rival {n} Ltd" for n in range(10, 20)]
    page.fill("#avoid-filter", "")
    assert page.locator("#avoid-list label:visible").count() == 61  # and Beta Bio


def test_the_zones_hint_starts_its_own_line_on_a_phone(small_event, newcomer, live_server, browser):
    """On a touch screen the zones' tick boxes sit in a row, and their hint ("leave
    them all unticked if any zone will do") ran on right after the last one."""
    email = newcomer.email
    db.session.remove()
    page = browser_signed_in(browser, live_server.url, email, "en-US", **PHONE)
    page.goto("/e/test-expo/exhibit?lang=en")
    fieldset = page.locator("fieldset", has=page.locator('input[name="zones"]'))
    last = fieldset.locator("label.check").last.bounding_box()
    hint = fieldset.locator(".hint").bounding_box()
    assert hint["y"] >= last["y"] + last["height"] - 1
    assert hint["x"] < last["x"]
