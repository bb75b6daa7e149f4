"""The interactive floor plan in a real browser: filters, search, zoom, keyboard,
touch gestures and a phone-sized screen (headless Chromium through Playwright)."""

import re

import pytest

from eventapp.extensions import db
from tests.booths.conftest import place
from tests.conftest import sign_in_page

pytestmark = pytest.mark.browser

FLOORPLAN = "/e/test-expo/floorplan?lang=en"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@pytest.fixture
def occupied(small_event):
    """Alpha stands on A-01 and A-02, Beta on B-03; the browser gets the database."""
    place(small_event.exhibitors["alpha"], ["A-01", "A-02"], state="confirmed")
    place(small_event.exhibitors["beta"], ["B-03"])
    db.session.remove()  # the server's requests must not wait for this session
    return small_event


def new_page(browser, base_url, **options):
    context = browser.new_context(base_url=base_url, locale="en-US", **options)
    context.set_default_timeout(15000)
    return context.new_page()


def booth(page, code):
    return page.locator(f'svg#floorplan g.booth[data-booth="{code}"]')


def view_box(page):
    return [float(v) for v in page.get_attribute("svg#floorplan", "viewBox").split()]


def tab_to_a_booth(page, presses=80):
    """Press Tab until a booth has the focus; its code."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        code = page.evaluate(
            "() => { const g = document.activeElement;"
            " return g && g.matches && g.matches('g.booth') ? g.dataset.booth : null; }"
        )
        if code:
            return code
    raise AssertionError("no booth is reachable with Tab")


def test_filter_search_zoom_and_keyboard(live_server, occupied, browser):
    from playwright.sync_api import expect

    page = new_page(browser, live_server.url, viewport={"width": 1280, "height": 900})
    page.goto(FLOORPLAN)

    # The zone filter dims the booths of other zones.
    page.select_option("#zone-filter", "bio")
    expect(booth(page, "A-01")).to_have_class(re.compile(r"\bdim\b"))
    expect(booth(page, "B-01")).not_to_have_class(re.compile(r"\bdim\b"))
    assert page.locator("g.booth.dim").count() == 10
    page.select_option("#zone-filter", "")
    expect(page.locator("g.booth.dim")).to_have_count(0)

    # Searching an exhibitor lights up its booths, and only those.
    page.fill("#exhibitor-search", "alpha")
    expect(page.locator("g.booth.hit")).to_have_count(2)
    expect(booth(page, "A-01")).to_have_class(re.compile(r"\bhit\b"))
    expect(booth(page, "A-02")).to_have_class(re.compile(r"\bhit\b"))
    expect(page.locator("#search-result")).to_contain_text("2 booths found")
    page.fill("#exhibitor-search", "beta")
    expect(page.locator("#search-result")).to_have_text("1 booth found")
    page.fill("#exhibitor-search", "")
    expect(page.locator("g.booth.hit")).to_have_count(0)

    # The zoom buttons change the visible part of the plan.
    whole = view_box(page)
    page.click("#zoom-in")
    zoomed = view_box(page)
    assert zoomed[2] < whole[2] and zoomed[3] < whole[3]
    page.click("#zoom-out")
    assert view_box(page)[2] > zoomed[2]
    page.click("#zoom-reset")
    assert view_box(page) == pytest.approx(whole)

    # Tab reaches a booth; its details show on focus and on Enter; arrows move on.
    code = tab_to_a_booth(page)
    expect(page.locator("#booth-details h3")).to_contain_text(code)
    page.keyboard.press("Enter")
    expect(page.locator("#booth-details h3")).to_contain_text(code)
    expect(page.locator("#booth-details")).to_contain_text("Alpha Robotics")
    page.keyboard.press("ArrowRight")
    moved = page.evaluate("() => document.activeElement.dataset.booth")
    assert moved and moved != code
    expect(page.locator("#booth-details h3")).to_contain_text(moved)


def test_the_plan_finds_an_exhibitor_by_its_name_in_the_other_language(
    live_server, occupied, browser
):
    """On the Korean plan, "alpha" (the English name of 알파로보틱스) found no booth;
    on the English plan, "알파" none either."""
    from playwright.sync_api import expect

    page = new_page(browser, live_server.url, viewport={"width": 1280, "height": 900})
    for url, query in (("/e/test-expo/floorplan?lang=ko", "alpha"), (FLOORPLAN, "알파")):
        page.goto(url)
        page.fill("#exhibitor-search", query)
        expect(page.locator("g.booth.hit")).to_have_count(2)
        expect(booth(page, "A-01")).to_have_class(re.compile(r"\bhit\b"))


def test_organizer_selects_booths_by_keyboard(live_server, occupied, browser):
    from playwright.sync_api import expect

    page = new_page(browser, live_server.url, viewport={"width": 1280, "height": 900})
    sign_in_page(page, "organizer@example.org")
    page.goto("/e/test-expo/manage/booths/?lang=en")
    code = tab_to_a_booth(page)
    page.keyboard.press("Space")
    expect(booth(page, code)).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#org-booth-codes")).to_have_value(code)
    expect(page.locator("#booth-details h3")).to_contain_text(code)
    page.keyboard.press("ArrowRight")
    other = page.evaluate("() => document.activeElement.dataset.booth")
    page.keyboard.press("Enter")
    expect(booth(page, other)).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#org-booth-codes")).to_have_value(f"{code} {other}")
    page.keyboard.press("Enter")  # and off again
    expect(booth(page, other)).to_have_attribute("aria-pressed", "false")
    expect(page.locator("#org-booth-codes")).to_have_value(code)


def test_organizer_types_booth_codes_in_any_case(live_server, occupied, browser):
    """Typed codes are matched whatever their case, as the server matches them, and a
    code of no booth reaches the server, which names it: the page dropped both, and
    the server said to select at least one booth."""
    from playwright.sync_api import expect

    page = new_page(browser, live_server.url, viewport={"width": 1280, "height": 900})
    sign_in_page(page, "organizer@example.org")
    page.goto("/e/test-expo/manage/booths/?lang=en")
    page.fill("#org-booth-codes", "a-04;a-05 zz-99")
    page.locator("#org-booth-codes").press("Tab")
    expect(booth(page, "A-04")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#org-booth-codes")).to_have_value("A-04 A-05 zz-99")
    page.click("#block-button")
    expect(page.locator(".flash")).to_contain_text("Unknown booth: zz-99.")
    page.fill("#org-booth-codes", "a-04")
    page.locator("#org-booth-codes").press("Tab")
    page.click("#block-button")
    expect(page.locator(".flash")).to_contain_text("Blocked A-04.")


def test_the_plan_takes_codes_and_names_typed_in_full_width(live_server, occupied, browser):
    """A Korean input method in full-width mode types "ＡＬＰＨＡ" and "Ａ－０４，ａ－０５":
    the search lit no booth, and the codes typed selected none on the plan (the
    server reads them as A-04 and A-05)."""
    from playwright.sync_api import expect

    page = new_page(browser, live_server.url, viewport={"width": 1280, "height": 900})
    sign_in_page(page, "organizer@example.org")
    page.goto("/e/test-expo/manage/booths/?lang=en")
    page.fill("#exhibitor-search", "ＡＬＰＨＡ")
    expect(page.locator("g.booth.hit")).to_have_count(2)
    page.fill("#exhibitor-search", "Ｂ－０３")
    expect(page.locator("g.booth.hit")).to_have_count(1)
    expect(booth(page, "B-03")).to_have_class(re.compile(r"\bhit\b"))
    page.fill("#org-booth-codes", "Ａ－０４，ａ－０５")
    page.locator("#org-booth-codes").press("Tab")
    expect(booth(page, "A-04")).to_have_attribute("aria-pressed", "true")
    expect(booth(page, "A-05")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#org-booth-codes")).to_have_value("A-04 A-05")


def test_plan_fits_a_phone_without_sideways_scrolling(live_server, occupied, browser):
    page = new_page(browser, live_server.url, device_scale_factor=3, **PHONE)
    page.goto(FLOORPLAN)
    page.wait_for_selector("svg#floorplan g.booth")
    sizes = page.evaluate(
        """() => {
          const svg = document.querySelector('svg#floorplan').getBoundingClientRect();
          return {
            page: document.documentElement.scrollWidth,
            body: document.body.scrollWidth,
            window: window.innerWidth,
            left: svg.left,
            right: svg.right,
            width: svg.width,
          };
        }"""
    )
    assert sizes["window"] == 390
    assert sizes["page"] <= 390 and sizes["body"] <= 390, sizes
    assert sizes["left"] >= 0 and sizes["right"] <= 390 and sizes["width"] > 300, sizes
    # Every booth can still be reached: a tap shows its details.
    booth(page, "A-01").tap()
    assert "A-01" in page.inner_text("#booth-details h3")


def test_the_organizers_exhibitor_table_reads_on_a_phone(live_server, occupied, browser):
    """Below the plan, the exhibitors' table scrolled sideways in its card: the
    Unassign, Lock and picking-page buttons of each row were off screen. Each
    exhibitor is now a card of labelled lines, its buttons on screen."""
    page = new_page(
        browser, live_server.url, viewport={"width": 375, "height": 812}, is_mobile=True
    )
    sign_in_page(page, "organizer@example.org")
    page.goto("/e/test-expo/manage/booths/?lang=en")
    table = page.locator("#exhibitor-table")
    wrap = page.locator(".table-wrap", has=table)
    assert not wrap.evaluate("el => el.scrollWidth > el.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    buttons = table.locator("button, a.button")
    assert buttons.count() >= 4
    for box in (buttons.nth(i).bounding_box() for i in range(buttons.count())):
        assert box["x"] >= 0 and box["x"] + box["width"] <= 375


def test_one_finger_pan_after_a_pinch_starts_where_the_finger_is(live_server, occupied, browser):
    """After a pinch the remaining finger used to pan from where it first touched, with
    the view from before the pinch: the plan jumped back."""
    page = new_page(browser, live_server.url, viewport={"width": 1280, "height": 900})
    page.goto(FLOORPLAN)
    result = page.evaluate(
        """() => {
          const svg = document.querySelector('svg#floorplan');
          const r = svg.getBoundingClientRect();
          const cx = r.left + r.width / 2, cy = r.top + r.height / 2;
          const fire = (type, id, x, y) => svg.dispatchEvent(new PointerEvent(type, {
            pointerId: id, clientX: x, clientY: y, bubbles: true,
            pointerType: 'touch', isPrimary: id === 1,
          }));
          const box = () => svg.getAttribute('viewBox').split(' ').map(Number);
          fire('pointerdown', 1, cx - 50, cy);
          fire('pointerdown', 2, cx + 50, cy);
          fire('pointermove', 2, cx + 150, cy);  // spread the fingers: zoom in
          fire('pointerup', 2, cx + 150, cy);
          const before = box();
          fire('pointermove', 1, cx - 40, cy);  // the remaining finger moves 10 px right
          const after = box();
          fire('pointerup', 1, cx - 40, cy);
          return {before, after, width: r.width, height: r.height};
        }"""
    )
    before, after = result["before"], result["after"]
    scale = max(before[2] / result["width"], before[3] / result["height"])
    # The plan follows the finger by 10 px, no more, and keeps its zoom.
    assert after[2] == pytest.approx(before[2]) and after[3] == pytest.approx(before[3])
    assert after[0] == pytest.approx(before[0] - 10 * scale, abs=scale), result
    assert after[1] == pytest.approx(before[1], abs=scale), result


def test_hold_countdown_follows_the_servers_clock(live_server, small_event, browser):
    """A phone whose clock runs an hour fast still sees the ten minutes of its hold."""
    from playwright.sync_api import expect

    from eventapp.booths import services
    from tests.booths.conftest import open_window

    open_window(small_event.event, hold_minutes=10)
    services.hold_booths(small_event.exhibitors["alpha"], ["A-01", "A-02"])
    db.session.commit()
    db.session.remove()
    page = new_page(browser, live_server.url, viewport={"width": 390, "height": 844})
    page.add_init_script(
        "(() => { const now = Date.now; Date.now = () => now.call(Date) + 3600 * 1000; })();"
    )
    sign_in_page(page, "exhibitor_admin@example.org")
    page.goto("/e/test-expo/my-booths?lang=en")
    expect(page.locator("#hold-countdown")).to_have_text(re.compile(r"^(10:00|9:[0-5]\d)$"))


def test_booth_details_name_the_hall(live_server, occupied, browser):
    """The details of a booth named its hall by its code ("A"), which the plan, its hall
    filter and the company page call by its name."""
    from playwright.sync_api import expect

    page = new_page(browser, live_server.url, viewport={"width": 1280, "height": 900})
    page.goto("/e/test-expo/floorplan?lang=ko")
    booth(page, "A-01").dispatch_event("click")
    expect(page.locator("#booth-details dd").first).to_have_text("A홀")
    page.goto(FLOORPLAN)
    booth(page, "B-03").dispatch_event("click")
    expect(page.locator("#booth-details dd").first).to_have_text("Hall B")


def _refresh(page):
    """Run the plan's 30-second refresh now and wait for its answer to be applied."""
    with page.expect_response(lambda r: "/floorplan.json" in r.url):
        page.evaluate("() => document.querySelector('.fp').fpRefresh()")
    page.evaluate("() => new Promise(r => setTimeout(r, 50))")


def test_the_refresh_keeps_booth_codes_typed_and_not_yet_sent(live_server, occupied, browser):
    """The 30-second refresh wrote the plan's selection into the organizer's booth
    field, and codes typed there but not yet sent disappeared."""
    from playwright.sync_api import expect

    page = new_page(browser, live_server.url, viewport={"width": 1280, "height": 900})
    sign_in_page(page, "organizer@example.org")
    page.goto("/e/test-expo/manage/booths/?lang=en")
    field = page.locator("#org-booth-codes")
    booth(page, "A-04").dispatch_event("click")
    expect(field).to_have_value("A-04")
    field.fill("a-05 a-06")  # still typing: the field has not been left
    _refresh(page)
    expect(field).to_have_value("a-05 a-06")
    expect(booth(page, "A-04")).to_have_attribute("aria-pressed", "true")
    # Left, the field selects its booths; refreshes then keep to the plan's selection.
    field.press("Tab")
    expect(field).to_have_value("A-05 A-06")
    _refresh(page)
    expect(field).to_have_value("A-05 A-06")
    # A code of no booth, kept for the server to name, is not dropped by a refresh either.
    field.fill("a-07 zz-99")
    field.press("Tab")
    expect(field).to_have_value("A-07 zz-99")
    _refresh(page)
    expect(field).to_have_value("A-07 zz-99")


def test_the_refresh_still_takes_a_booth_gone_out_of_the_pickers_field(
    live_server, small_event, browser
):
    """What the plan wrote in the field follows the plan: a booth someone else took
    meanwhile leaves the selection and the field."""
    from playwright.sync_api import expect

    from tests.booths.conftest import open_window

    open_window(small_event.event)
    beta_id = small_event.exhibitors["beta"].id
    db.session.commit()
    db.session.remove()
    page = new_page(browser, live_server.url, viewport={"width": 1280, "height": 900})
    sign_in_page(page, "exhibitor_admin@example.org")
    page.goto("/e/test-expo/my-booths?lang=en")
    field = page.locator("#booth-codes")
    booth(page, "A-03").dispatch_event("click")
    booth(page, "A-04").dispatch_event("click")
    expect(field).to_have_value("A-03 A-04")
    from eventapp.booths.models import Exhibitor

    place(db.session.get(Exhibitor, beta_id), ["A-04"])
    db.session.commit()
    db.session.remove()
    _refresh(page)
    expect(field).to_have_value("A-03")
    expect(page.locator("#pick-message")).to_contain_text("A-04")


def test_a_selected_booth_the_organizers_block_is_said_to_be_closed(
    live_server, small_event, browser
):
    """A booth blocked while selected was said to be "just taken by someone else":
    the exhibitor would wait for it to come free."""
    from playwright.sync_api import expect

    from eventapp.booths import services
    from tests.booths.conftest import open_window

    open_window(small_event.event)
    event_id = small_event.event.id
    db.session.commit()
    db.session.remove()
    page = new_page(browser, live_server.url, viewport={"width": 1280, "height": 900})
    sign_in_page(page, "exhibitor_admin@example.org")
    page.goto("/e/test-expo/my-booths?lang=en")
    booth(page, "A-03").dispatch_event("click")
    from eventapp.events.models import Event

    services.block_booths(db.session.get(Event, event_id), ["A-03"], reason="pillar")
    db.session.commit()
    db.session.remove()
    _refresh(page)
    expect(page.locator("#booth-codes")).to_have_value("")
    message = page.locator("#pick-message")
    expect(message).to_contain_text("Booth A-03 is no longer available: the organizers closed it.")
    expect(message).not_to_contain_text("someone else")


def test_after_an_action_the_editor_shows_where_it_was_taken(live_server, occupied, browser):
    """Each action reloaded the editor at its top, the phone's plan on the first hall:
    Lock far down the exhibitors brought the organizer back up, blocking a booth of
    hall B showed hall A. Now the page opens where the action was taken, saying there
    how it went, and the plan on the hall acted in."""
    page = new_page(
        browser, live_server.url, viewport={"width": 390, "height": 844}, is_mobile=True
    )
    sign_in_page(page, "organizer@example.org")
    page.goto("/e/test-expo/manage/booths/?lang=en")
    beta_row = page.locator("#exhibitor-table tr[data-exhibitor]").last
    beta_row.locator("button", has_text="Lock").click()
    page.wait_for_url(re.compile(r"#action-result$"))
    page.wait_for_load_state()
    result = page.locator("#action-result")
    assert "is locked" in result.inner_text()
    assert page.evaluate("window.scrollY") > 500
    box = result.bounding_box()
    assert 0 <= box["y"] < 844

    page.fill("#booth-action-form input[data-fp-selection]", "B-07")
    page.click("#block-button")
    page.wait_for_url(re.compile(r"#action-result$"))
    page.wait_for_load_state()
    assert "Blocked B-07." in page.locator("#action-result").inner_text()
    assert page.input_value("#hall-filter") == "B"
    # The plan shows hall B, not hall A where a phone starts.
    hall_b = [float(v) for v in page.get_attribute('g.hall[data-hall="B"]', "data-box").split()]
    x, y, w, h = view_box(page)
    assert x <= hall_b[0] and x + w >= hall_b[0] + hall_b[2]
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_the_booth_list_reads_on_a_phone(live_server, occupied, browser):
    """The list scrolled sideways in its box on a phone, the exhibitor on each booth
    (its last column) off screen. Each booth is now a card of labelled lines."""
    page = new_page(
        browser, live_server.url, viewport={"width": 390, "height": 844}, is_mobile=True
    )
    page.goto("/e/test-expo/booths?lang=en&hall=A")
    table = page.locator("#booth-table")
    wrap = page.locator(".table-wrap", has=table)
    assert not wrap.evaluate("el => el.scrollWidth > el.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    row = table.locator('tr[data-booth="A-01"]')
    cell = row.locator('td[data-label="Exhibitor"]')
    assert cell.inner_text() == "Alpha Robotics"
    box = cell.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390


def _picking_on_a_phone(live_server, small_event, browser, lang="en", hall_width=None):
    """*My booths* on a phone, picking open; its halls `hall_width` m wide if given (a
    hall wider than the phone's view of it)."""
    from tests.booths.conftest import open_window

    open_window(small_event.event)
    if hall_width:
        for hall in small_event.event.halls:
            hall.width = hall_width
    db.session.commit()
    db.session.remove()  # the browser's requests must not wait for this session
    page = new_page(browser, live_server.url, **PHONE)
    sign_in_page(page, "exhibitor_admin@example.org")
    page.goto(f"/e/test-expo/my-booths?lang={lang}")
    return page


def test_the_hold_button_stays_in_reach_while_booths_are_tapped_on_a_phone(
    live_server, small_event, browser
):
    """On a phone the hold form sits a screen above the plan: whoever tapped two
    booths saw neither what they had selected nor the button to hold it, and had
    to scroll back up to find it."""
    page = _picking_on_a_phone(live_server, small_event, browser)
    page.locator(".fp-frame").evaluate("frame => frame.scrollIntoView()")
    booth(page, "A-03").tap()
    booth(page, "A-04").tap()
    button = page.locator("#hold-button")
    page.wait_for_function(
        "() => { const r = document.querySelector('#hold-button').getBoundingClientRect();"
        " return r.top >= 0 && r.bottom <= innerHeight; }"
    )
    assert "A-03, A-04" in page.inner_text("#selected-count")
    assert page.locator("#selected-count").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    button.click()
    page.wait_for_url("**/my-booths**")
    assert "A-03" in page.inner_text("#pick-message")


def test_the_zoom_buttons_are_big_enough_for_a_thumb(live_server, occupied, browser):
    """ "+" and "−" were 31 pixels wide on a phone, under the 44 a finger needs."""
    page = new_page(browser, live_server.url, **PHONE)
    page.goto(FLOORPLAN)
    for button in ("#zoom-in", "#zoom-out", "#zoom-reset"):
        box = page.locator(button).bounding_box()
        assert box["width"] >= 44 and box["height"] >= 44, (button, box)


def _in_view_and_readable(page, selector):
    """Whether the element is on the phone's screen, inside its width, in type one reads."""
    return page.evaluate(
        """sel => { const el = document.querySelector(sel); const r = el.getBoundingClientRect();
           const size = parseFloat(getComputedStyle(el).fontSize);
           return r.height > 0 && r.top >= 0 && r.bottom <= innerHeight && r.left >= 0
             && r.right <= innerWidth && r.width >= 300 && size >= 14; }""",
        selector,
    )


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_picking_messages_show_where_the_booths_are_tapped_on_a_phone(
    live_server, small_event, browser, lang
):
    """The answers to a tap ("you cannot pick this booth", "unselect one first") and to
    a hold ("these booths do not touch") were said at the top of the page, a screen
    above the plan being tapped: they now ride with the hold form at the foot of the
    screen, read out as they come."""
    page = _picking_on_a_phone(live_server, small_event, browser, lang)
    message = page.locator("#pick-message")
    assert message.get_attribute("aria-live") == "polite"
    page.locator(".fp-frame").evaluate("frame => frame.scrollIntoView()")

    # A booth outside Alpha's zone.
    page.select_option("#hall-filter", "B")
    booth(page, "B-03").tap()
    page.wait_for_function("() => document.querySelector('#pick-message').textContent.trim()")
    assert {"en": "You cannot pick this booth.", "ko": "이 부스는 선택할 수 없습니다."}[
        lang
    ] in message.inner_text()
    assert _in_view_and_readable(page, "#pick-message")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # Alpha rents two booths: a third is refused, in view.
    page.select_option("#hall-filter", "A")
    for code in ("A-03", "A-04"):
        booth(page, code).tap()
    assert message.inner_text().strip() == ""  # the refusal of B-03 is over
    booth(page, "A-05").tap()
    page.wait_for_function("() => document.querySelector('#pick-message').textContent.trim()")
    assert {"en": "You rent 2 booths", "ko": "부스 2개"}[lang] in message.inner_text()
    assert _in_view_and_readable(page, "#pick-message")

    # A hold the server refuses: its answer stays in view while picking again.
    for code in ("A-03", "A-04", "A-01", "A-05"):  # do not touch
        booth(page, code).tap()
    page.click("#hold-button")
    page.wait_for_url("**/my-booths**")
    page.wait_for_load_state()
    assert message.inner_text().strip()
    page.locator(".fp-frame").evaluate("frame => frame.scrollIntoView()")
    page.wait_for_function(
        "() => document.querySelector('#hold-form').classList.contains('floating')"
    )
    assert _in_view_and_readable(page, "#pick-message")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


@pytest.fixture
def large_halls(small_event):
    """Halls 120 m wide with the small event's 3 m booths, as a fair's halls are:
    on a phone the whole of one is some 360 px wide, a booth a few pixels."""
    for hall in small_event.event.halls:
        hall.width = 120
    db.session.commit()
    db.session.remove()
    return small_event


def _band_above_first_hall(page):
    """Pixels between the top of the plan and the top of the first hall's name."""
    frame = page.locator("svg#floorplan").bounding_box()
    name = page.locator('g.hall[data-hall="A"] text.hall-name').bounding_box()
    return name["y"] - frame["y"]


def _booth_width(page, code):
    return booth(page, code).locator("rect.b").bounding_box()["width"]


@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_the_whole_plan_starts_right_under_the_top_of_its_frame(
    live_server, large_halls, browser, screen
):
    """An empty band stood above the first hall: the plan's drawing began 5 m above
    it, and a plan lower than the frame's least height was centred in it."""
    options = PHONE if screen == "phone" else {"viewport": {"width": 1280, "height": 900}}
    page = new_page(browser, live_server.url, **options)
    page.goto(FLOORPLAN)
    page.click("#zoom-reset")
    band = _band_above_first_hall(page)
    assert 0 <= band <= 8, band


def test_a_phone_opens_the_plan_with_booths_big_enough_to_tap(live_server, large_halls, browser):
    """On a phone the plan opened on a whole hall, its booths some 9 px wide."""
    page = new_page(browser, live_server.url, **PHONE)
    page.goto(FLOORPLAN)
    assert _booth_width(page, "A-01") >= 24
    # It opens at the top left of the hall, under its name, without a band above it.
    assert 0 <= _band_above_first_hall(page) <= 24
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # The rest of the hall is a drag away.
    x, _y, w, _h = view_box(page)
    assert w < 120
    frame = page.locator("svg#floorplan").bounding_box()
    middle = frame["y"] + frame["height"] / 2
    page.mouse.move(frame["x"] + 300, middle)
    page.mouse.down()
    page.mouse.move(frame["x"] + 200, middle, steps=5)
    page.mouse.move(frame["x"] + 100, middle, steps=5)
    page.mouse.up()
    assert view_box(page)[0] > x
    # The zoom buttons still zoom, and "Whole plan" still shows the whole of it.
    before = _booth_width(page, "A-01")
    page.click("#zoom-out")
    assert _booth_width(page, "A-01") < before
    page.click("#zoom-in")
    page.click("#zoom-in")
    assert _booth_width(page, "A-01") > before
    page.click("#zoom-reset")
    assert view_box(page)[2] >= 120


def test_the_booths_to_pick_open_big_enough_to_tap_on_a_phone(live_server, small_event, browser):
    small_event.booths["A-05"].x = 110  # the booths Alpha may pick span the hall
    page = _picking_on_a_phone(live_server, small_event, browser, hall_width=120)
    assert _booth_width(page, "A-01") >= 24
    frame = page.locator("svg#floorplan").bounding_box()
    first = booth(page, "A-01").locator("rect.b").bounding_box()
    assert frame["x"] <= first["x"] and first["x"] + first["width"] <= frame["x"] + frame["width"]
    booth(page, "A-01").tap()
    assert booth(page, "A-01").get_attribute("aria-pressed") == "true"


def test_the_hold_bar_leaves_the_foot_of_the_page_readable(live_server, small_event, browser):
    """Riding at the foot of the screen, the hold form covered the last lines of the
    page (the plan's legend, the footer) with no way to scroll them out from under it."""
    page = _picking_on_a_phone(live_server, small_event, browser)
    page.locator(".fp-frame").evaluate("frame => frame.scrollIntoView()")
    booth(page, "A-03").tap()
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    page.wait_for_function(
        "() => document.querySelector('#hold-form').classList.contains('floating')"
    )
    bar_top = page.locator("#hold-form").bounding_box()["y"]
    for last in (".fp-legend > :last-child", "footer.footer"):
        box = page.locator(last).bounding_box()
        assert box["y"] + box["height"] <= bar_top, (last, box, bar_top)


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_a_refused_tap_is_said_in_view_with_the_hold_form_half_on_screen(
    live_server, small_event, browser, lang
):
    """Scrolled so that only the foot of the hold form showed at the top of the screen,
    the form stayed in its place and the answer to a tap, said at its top, was above
    the screen: the booth seemed to ignore the tap."""
    page = _picking_on_a_phone(live_server, small_event, browser, lang)
    page.select_option("#hall-filter", "B")
    # The hold button at the top of the screen, the message's place above it.
    page.evaluate(
        "() => { const r = document.querySelector('#hold-button').getBoundingClientRect();"
        " window.scrollBy(0, r.bottom - 60); }"
    )
    page.wait_for_timeout(100)
    booth(page, "B-03").dispatch_event("click")
    page.wait_for_function("() => document.querySelector('#pick-message').textContent.trim()")
    assert {"en": "You cannot pick this booth.", "ko": "이 부스는 선택할 수 없습니다."}[
        lang
    ] in page.inner_text("#pick-message")
    page.wait_for_timeout(100)
    assert _in_view_and_readable(page, "#pick-message")


def test_the_plans_filters_are_big_enough_for_a_thumb(live_server, occupied, browser):
    """The zone and hall choices and the exhibitor search were 40 pixels high on a
    phone, under the 44 a finger needs, beside 44 px zoom buttons."""
    page = new_page(browser, live_server.url, **PHONE)
    page.goto(FLOORPLAN)
    for control in ("#zone-filter", "#hall-filter", "#exhibitor-search"):
        box = page.locator(control).bounding_box()
        assert box["height"] >= 44 and box["x"] + box["width"] <= 390, (control, box)


def test_the_booths_to_pick_open_under_their_halls_whole_name_on_a_phone(
    live_server, small_event, browser
):
    """Opened on the booths to pick, the plan began a metre left of and above the first
    of them: the hall's name above them was cut ("all 1") or left out."""
    page = _picking_on_a_phone(live_server, small_event, browser, hall_width=120)
    assert _booth_width(page, "A-01") >= 24
    frame = page.locator("svg#floorplan").bounding_box()
    name = page.locator('g.hall[data-hall="A"] text.hall-name').bounding_box()
    assert frame["x"] <= name["x"] and frame["y"] <= name["y"], (frame, name)
    assert name["x"] + name["width"] <= frame["x"] + frame["width"]
