"""The staff scanner and the leads page on a phone (360x640, touch)."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from eventapp.checkin import services
from eventapp.checkin.models import Scan
from eventapp.extensions import db
from tests.checkin.conftest import scan
from tests.checkin.test_scanner_browser import (
    _fake_camera,
    _ready,
    _set_up,
    _setup_path,
    _sign_in,
    _type_code,
    hand_scanner_types,
)
from tests.conftest import page_width

pytestmark = pytest.mark.browser
PHONE = {"viewport": {"width": 360, "height": 640}, "is_mobile": True, "has_touch": True}

CONTRAST = """(el) => {
  const rgb = (s) => s.match(/[\\d.]+/g).slice(0, 4).map(Number);
  const lum = ([r, g, b]) => [r, g, b].map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
    .reduce((a, v, i) => a + v * [0.2126, 0.7152, 0.0722][i], 0);
  const cs = getComputedStyle(el);
  let [r, g, b, a] = rgb(cs.color); a = (a === undefined ? 1 : a) * Number(cs.opacity);
  let node = el, bg;
  while (node) { const c = rgb(getComputedStyle(node).backgroundColor); if (c.length < 4 || c[3] > 0) { bg = c; break; } node = node.parentElement; }
  const fg = [r, g, b].map((v, i) => a * v + (1 - a) * bg[i]);
  const [hi, lo] = [lum(fg), lum(bg)].sort((x, y) => y - x);
  return { ratio: (hi + 0.05) / (lo + 0.05), size: parseFloat(cs.fontSize), weight: cs.fontWeight };
}"""


def _phone_scanner(scanning, live_server, launch_chromium, locale="ko-KR", **extra):
    path, _ = _setup_path(scanning, "gate", "phone")
    page = launch_chromium().new_context(locale=locale, **PHONE, **extra).new_page()
    _set_up(page, live_server.url + path)
    _ready(page)
    return page


def test_touch_phone_does_not_focus_the_code_field_on_load(scanning, live_server, launch_chromium):
    page = _phone_scanner(scanning, live_server, launch_chromium)
    assert page.evaluate("matchMedia('(pointer: fine)').matches") is False
    # Focused on load = on-screen keyboard up, covering the result panel.
    assert page.evaluate("document.activeElement.id") != "code-input"


def test_result_text_on_green_meets_wcag_aa(scanning, live_server, launch_chromium):
    page = _phone_scanner(scanning, live_server, launch_chromium, locale="en-US")
    _type_code(page, scanning.code("attendee"), "ok")
    page.wait_for_timeout(500)  # past the panel's colour transition
    for part in ("#result-category", "#result-message", "#result-message-other"):
        measured = page.eval_on_selector(part, CONTRAST)
        assert measured["ratio"] >= 4.5, (part, measured)


def test_leads_page_with_a_long_email_does_not_scroll_sideways(
    scanning, login_as, live_server, launch_chromium
):
    visitor = scanning.attendee
    visitor.email = "international.business.development@hankookindustrialcomplex.co.kr"
    services.set_contact_sharing(scanning.event, visitor, True)
    db.session.commit()
    scan(login_as("exhibitor_staff"), scanning.points["alpha_booth"], scanning.code("attendee"))
    page = launch_chromium().new_context(locale="ko-KR", **PHONE).new_page()
    _sign_in(page, live_server.url, scanning.exhibitor_staff.email)
    page.goto(f"{live_server.url}/e/test-expo/leads/")
    assert page.locator(".contact a[href^=mailto]").count() == 1
    assert page_width(page) <= 360


def test_upload_warning_buttons_are_44px(scanning, live_server, launch_chromium):
    page = _phone_scanner(scanning, live_server, launch_chromium)
    page.evaluate("document.getElementById('upload-warning').hidden = false")
    for selector in ("#upload-signin", "#upload-retry"):
        assert page.locator(selector).bounding_box()["height"] >= 44, selector


def _top(page, selector):
    """Where `selector` starts on the page (typing a code scrolls the field into view)."""
    return page.eval_on_selector(selector, "e => e.getBoundingClientRect().top + scrollY")


@pytest.mark.parametrize("locale", ["ko-KR", "en-US"])
def test_camera_preview_stays_put_from_answer_to_answer(
    scanning, live_server, launch_chromium, tmp_path, locale
):
    """The answer panel is taller for an admission (name, category) than for a
    rejection: below it, the preview jumped by up to 109 px between two badges,
    and started below a phone's screen."""
    path, _ = _setup_path(scanning, "gate", "phone camera")
    browser = _fake_camera(launch_chromium, scanning, tmp_path)
    page = browser.new_context(locale=locale, **PHONE).new_page()
    _set_up(page, live_server.url + path)
    _ready(page)
    page.click("#camera-toggle")
    page.wait_for_selector("#result[data-status='ok']", timeout=30000)
    preview = page.locator(".video-wrap").bounding_box()
    assert preview["height"] > 100
    # The whole preview and the answer's first line are on the screen.
    assert preview["y"] + preview["height"] <= 640
    assert _top(page, "#result-status") < 600
    tops = {_top(page, ".video-wrap")}
    _type_code(page, "NOT-A-BADGE", "invalid")
    tops.add(_top(page, ".video-wrap"))
    _type_code(page, scanning.code("staff"), "ok")
    tops.add(_top(page, ".video-wrap"))
    assert len(tops) == 1, tops


def test_scanner_labels_meet_wcag_aa(scanning, live_server, launch_chromium):
    page = _phone_scanner(scanning, live_server, launch_chromium, locale="en-US")
    for part in (".scanner-head .eyebrow", "#net-state"):
        measured = page.eval_on_selector(part, CONTRAST)
        assert measured["ratio"] >= 4.5, (part, measured)
    page.context.set_offline(True)
    page.wait_for_function("document.getElementById('scanner').dataset.online === '0'")
    measured = page.eval_on_selector("#net-state", CONTRAST)
    assert measured["ratio"] >= 4.5, measured


def test_menu_button_is_thumb_sized_and_reachable(scanning, live_server, launch_chromium):
    page = _phone_scanner(scanning, live_server, launch_chromium, locale="en-US")
    box = page.locator(".nav-toggle-label").bounding_box()
    assert box["width"] >= 44 and box["height"] >= 44, box
    # Screen readers and keyboards reach it by its name, and it opens the menu.
    toggle = page.get_by_role("checkbox", name="Menu")
    assert toggle.count() == 1
    assert not page.locator(".mainnav").is_visible()
    toggle.focus()
    page.keyboard.press("Space")
    assert page.locator(".mainnav").is_visible()
    page.locator(".nav-toggle-label").click()
    assert not page.locator(".mainnav").is_visible()


def test_answer_colour_does_not_fade_with_reduced_motion(scanning, live_server, launch_chromium):
    page = _phone_scanner(scanning, live_server, launch_chromium, reduced_motion="reduce")
    duration = "getComputedStyle(document.getElementById('result')).transitionDuration"
    assert page.evaluate(duration) == "0s"
    page.emulate_media(reduced_motion="no-preference")
    assert page.evaluate(duration) != "0s"


@pytest.mark.parametrize("locale", ["ko-KR", "en-US"])
def test_code_field_hint_fits_a_phone(scanning, live_server, launch_chromium, locale):
    page = _phone_scanner(scanning, live_server, launch_chromium, locale=locale)
    text, room = page.eval_on_selector(
        "#code-input",
        """(e) => {
          const cs = getComputedStyle(e);
          const pen = document.createElement('canvas').getContext('2d');
          pen.font = `${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
          const room = e.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
          return [pen.measureText(e.placeholder).width, room];
        }""",
    )
    assert 0 < text <= room, (text, room)


def test_recent_scans_are_timed_on_the_fairs_clock(scanning, live_server, launch_chromium):
    """A phone set to another time zone (a visiting organizer's) listed its own hours."""
    page = _phone_scanner(
        scanning, live_server, launch_chromium, locale="en-US", timezone_id="America/New_York"
    )
    _type_code(page, scanning.code("attendee"), "ok")
    shown = page.inner_text("#recent li").split(" · ", 1)[0]
    moment = datetime.fromtimestamp(page.evaluate("Date.now()") / 1000, UTC)
    seoul = moment.astimezone(ZoneInfo("Asia/Seoul"))
    hours, minutes, seconds = (int(part) for part in shown.split(":"))
    listed = hours * 3600 + minutes * 60 + seconds
    now = seoul.hour * 3600 + seoul.minute * 60 + seoul.second
    assert (now - listed) % 86400 < 30, (shown, seoul)


def test_korean_tables_keep_words_whole_on_a_phone(
    scanning, login_as, live_server, launch_chromium
):
    """A narrow column stacked a Korean word one syllable a line ("정" over "문"), and
    the scan log's "확인" pill broke in two."""
    scan(login_as("organizer"), scanning.points["gate"], scanning.code("attendee"))
    scanning.organizer.locale = "ko"
    db.session.commit()
    page = launch_chromium().new_context(locale="ko-KR", **PHONE).new_page()
    _sign_in(page, live_server.url, scanning.organizer.email)
    page.goto(f"{live_server.url}/e/test-expo/checkin/")
    name = page.locator("table a", has_text="정문").first.bounding_box()
    assert name["height"] < 30, name
    # Each point a card: its Scan button is on the screen, not past a sideways swipe.
    assert page_width(page) <= 360
    button = page.locator("tbody tr").first.locator("a.button").first.bounding_box()
    assert button["x"] + button["width"] <= 360, button
    lines = "e => e.getBoundingClientRect().height / parseFloat(getComputedStyle(e).lineHeight)"
    # A date ("25. 9. 17.") broke over three lines in the narrow valid-days column.
    dates = page.locator("tbody tr td:nth-child(3) .nowrap")
    assert dates.count() >= 1
    assert max(dates.nth(i).evaluate(lines) for i in range(dates.count())) < 1.5
    page.goto(f"{live_server.url}/e/test-expo/checkin/scans")
    pill = page.locator("td .badge-pill").first
    assert pill.evaluate(lines) < 1.5


def test_lead_time_and_device_label_read_as_written_on_a_phone(
    scanning, login_as, live_server, launch_chromium
):
    scan(login_as("exhibitor_staff"), scanning.points["alpha_booth"], scanning.code("attendee"))
    page = _phone_scanner(scanning, live_server, launch_chromium)
    # The organizer's label for the phone, not shouted in capitals like the kind.
    assert "phone" in page.locator(".scanner-head .eyebrow").inner_text()
    page = launch_chromium().new_context(locale="ko-KR", **PHONE).new_page()
    _sign_in(page, live_server.url, scanning.exhibitor_staff.email)
    page.goto(f"{live_server.url}/e/test-expo/leads/")
    # The capture time broke inside the date ("2025-09-" / "18 15:32").
    when = page.locator(".lead .nowrap").first
    lines = "e => e.getBoundingClientRect().height / parseFloat(getComputedStyle(e).lineHeight)"
    assert when.evaluate(lines) < 1.5


def _too_small(page, selector):
    """The elements of `selector` shown on the page less than 44 px high, by their text
    (a field the form hides for this kind of scan point is not shown)."""
    small = page.eval_on_selector_all(
        selector,
        "els => els.filter(e => e.getClientRects().length)"
        ".map(e => [e.textContent.trim().slice(0, 30), e.getBoundingClientRect().height])",
    )
    assert small, f"nothing matches {selector}"
    return [(text, height) for text, height in small if height < 44]


def test_filters_ratings_and_tick_boxes_are_thumb_sized(
    scanning, login_as, live_server, launch_chromium
):
    """Below 44 px they were: the scan log's and leads page's filter selects (19 px),
    the leads rating labels (27 px), the scan point form's tick-box labels (25 px)
    and its selects (43 px)."""
    scan(login_as("exhibitor_staff"), scanning.points["alpha_booth"], scanning.code("attendee"))
    gate_id = scanning.points["gate"].id
    organizer_email, staff_email = scanning.organizer.email, scanning.exhibitor_staff.email
    browser = launch_chromium()
    page = browser.new_context(locale="en-US", **PHONE).new_page()
    _sign_in(page, live_server.url, organizer_email)
    page.goto(f"{live_server.url}/e/test-expo/checkin/scans")
    assert _too_small(page, "form.toolbar select") == []
    page.goto(f"{live_server.url}/e/test-expo/leads/")
    assert _too_small(page, "form.toolbar select") == []
    # The search boxes beside them too, in the page's 16 px (iOS zooms in on less).
    assert _too_small(page, "form.toolbar input[type=search]") == []
    size = page.eval_on_selector(
        "form.toolbar input[type=search]", "e => getComputedStyle(e).fontSize"
    )
    assert float(size.removesuffix("px")) >= 16
    # A small link button's label sits in its middle, not at its top.
    export = page.get_by_role("link", name="Export CSV")
    box = export.bounding_box()
    text = export.evaluate(
        "e => { const r = document.createRange(); r.selectNodeContents(e);"
        " const b = r.getBoundingClientRect(); return b.top + b.height / 2; }"
    )
    assert abs(text - (box["y"] + box["height"] / 2)) < 3, (text, box)
    page.goto(f"{live_server.url}/e/test-expo/checkin/points/{gate_id}")
    assert _too_small(page, ".checks li label") == []
    assert _too_small(page, ".field select") == []
    assert _too_small(page, ".field label.check") == []  # "Open for scanning"

    page = browser.new_context(locale="ko-KR", **PHONE).new_page()
    _sign_in(page, live_server.url, staff_email)
    page.goto(f"{live_server.url}/e/test-expo/leads/")
    assert _too_small(page, ".rating label") == []


def test_filters_with_long_names_fit_the_phone(scanning, live_server, launch_chromium):
    """A select is as wide as its longest option: a company's full legal name, a
    point named after its hall and gate, a device label with its point."""
    alpha = scanning.companies["alpha"]
    alpha.name_en = "Doosan Robotics Smart Manufacturing Solutions Co., Ltd."
    alpha.name_ko = "두산로보틱스 스마트제조솔루션 주식회사"
    gate = scanning.points["gate"]
    gate.name_en, gate.name_ko = (
        "North Hall Main Entrance (Gate 1)",
        "북쪽 전시홀 주 출입구 (1번 게이트)",
    )
    services.create_device(gate, label="Galaxy Tab 2 at the left desk", hours=5)
    db.session.commit()
    alpha_id = alpha.id
    page = launch_chromium().new_context(**PHONE).new_page()
    _sign_in(page, live_server.url, scanning.organizer.email)
    for lang in ("en", "ko"):
        for path in ("/e/test-expo/checkin/scans?", f"/e/test-expo/leads/?org={alpha_id}&"):
            page.goto(f"{live_server.url}{path}lang={lang}")
            width = page_width(page)
            assert width <= 360, (path, lang, width)


@pytest.mark.parametrize("locale", ["ko-KR", "en-US"])
def test_hand_scanner_after_the_menu_was_opened_and_closed(
    scanning, live_server, launch_chromium, locale
):
    """On a phone the menu is a hidden tick box toggled by the ☰ label: a tap on it
    leaves the focus on that tick box. The page took it for a text field and left
    the keys alone, so a Bluetooth hand scanner's code and Enter did nothing at all:
    no answer, no beep, no scan recorded, until someone tapped the code field."""
    path, _device = _setup_path(scanning, "gate", "phone with hand scanner")
    code = scanning.code("staff")
    db.session.commit()
    page = launch_chromium().new_context(locale=locale, **PHONE).new_page()
    _set_up(page, live_server.url + path)
    _ready(page)
    page.tap(".nav-toggle-label")  # open the menu
    assert page.locator(".mainnav").is_visible()
    page.tap(".nav-toggle-label")  # and close it again
    assert not page.locator(".mainnav").is_visible()
    hand_scanner_types(page, code)
    page.wait_for_selector("#result[data-status='ok']", timeout=10000)
    # The on-screen keyboard stays down, and the menu stays closed.
    assert page.evaluate("document.activeElement.id") != "code-input"
    assert not page.locator(".mainnav").is_visible()
    db.session.remove()
    assert db.session.scalars(select(Scan.result)).all() == ["ok"]
