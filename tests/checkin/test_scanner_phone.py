"""The staff scanner and the leads page on a phone (360x640, touch)."""

import pytest

from eventapp.checkin import services
from eventapp.extensions import db
from tests.checkin.conftest import scan
from tests.checkin.test_scanner_browser import _ready, _setup_path, _sign_in, _type_code

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
    page.goto(live_server.url + path)
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
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_upload_warning_buttons_are_44px(scanning, live_server, launch_chromium):
    page = _phone_scanner(scanning, live_server, launch_chromium)
    page.evaluate("document.getElementById('upload-warning').hidden = false")
    for selector in ("#upload-signin", "#upload-retry"):
        assert page.locator(selector).bounding_box()["height"] >= 44, selector
