"""The scanner page in headless Chromium on the networks of a venue: Wi-Fi that stays
connected while the link behind it hangs, a proxy answering for the app, an upload
racing a live scan; and the keys of a hand scanner typing with the Korean input
method on."""

import json
import time as clock
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from eventapp.badges import services as badges
from eventapp.badges.models import Badge
from eventapp.booths.models import Exhibitor
from eventapp.checkin.models import CheckIn, Scan
from eventapp.exhibitors import services as registrations
from eventapp.extensions import db
from tests.checkin.test_scanner_browser import (
    VENDOR,
    _gate_scanner,
    _ready,
    _sign_in,
    _type_code,
    _upload_queue,
    _wait_online,
    hand_scanner_keys,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not (VENDOR / "qr-scanner" / "qr-scanner.min.js").exists(),
        reason="front-end packages missing: run `make frontend` (npm ci + vendor copy)",
    ),
]

SCAN_URL = "**/api/checkin/scan"
API_URLS = "**/api/checkin/**"
BATCH_URL = "**/api/checkin/scans"


def _checkins():
    db.session.remove()
    return db.session.scalar(select(func.count()).select_from(CheckIn))


def test_a_link_that_hangs_costs_one_wait_not_one_per_scan(scanning, live_server, launch_chromium):
    """The access point stays up, the line behind it does not answer: the first scan
    waits its time limit, the next ones are judged at once, and once the server
    answers again the queue goes up and scans are live."""
    page = _gate_scanner(scanning, live_server, launch_chromium, "hung link")
    hung = []
    page.context.route(API_URLS, lambda route: hung.append(route))
    page.context.route("**/healthz", lambda route: hung.append(route))
    _type_code(page, scanning.code("attendee"), "ok")  # after the 6 s limit
    assert page.inner_text("#net-state") == "offline"
    started = clock.monotonic()
    _type_code(page, scanning.code("staff"), "ok")
    _type_code(page, scanning.code("organizer"), "ok")
    assert clock.monotonic() - started < 3
    assert page.inner_text("#count-queue") == "3"

    page.context.unroute(API_URLS)
    page.context.unroute("**/healthz")
    _wait_online(page)
    page.wait_for_function(
        "document.getElementById('count-queue').textContent === '0'", timeout=20000
    )
    _type_code(page, scanning.code("exhibitor_staff"), "ok")
    assert page.inner_text("#count-queue") == "0"
    assert _checkins() == 4


def test_a_proxy_answering_for_the_app_does_not_turn_the_visitor_away(
    scanning, live_server, launch_chromium
):
    """A proxy's 429 (or 408) is no answer of the app: the gate gets the device's own
    answer and the scan is queued. The app's own refusal of a request is shown."""
    page = _gate_scanner(scanning, live_server, launch_chromium, "behind a proxy")
    page.context.route(
        SCAN_URL,
        lambda route: route.fulfill(
            status=429, body="<html>Too Many Requests</html>", content_type="text/html"
        ),
    )
    _type_code(page, scanning.code("attendee"), "ok")
    assert page.inner_text("#count-queue") == "1"
    assert "HTTP 429" in page.inner_text("#sync-note")
    page.context.unroute(SCAN_URL)
    _upload_queue(page)
    assert _checkins() == 1
    # The app's own refusal of a request is said, and nothing queued.
    page.context.route(
        SCAN_URL,
        lambda route: route.fulfill(
            status=400,
            json={"error": "Bad Request", "message": "nonce must be 8-64 characters"},
        ),
    )
    _type_code(page, scanning.code("attendee"), "error")
    assert "nonce must be 8-64 characters" in page.inner_text("#result-message")
    assert page.inner_text("#count-queue") == "0"


def _seconds_of_day(moment_ms):
    seoul = datetime.fromtimestamp(moment_ms / 1000, UTC).astimezone(ZoneInfo("Asia/Seoul"))
    return seoul.hour * 3600 + seoul.minute * 60 + seoul.second


def test_a_scan_waiting_behind_a_slow_one_is_listed_when_it_was_read(
    scanning, live_server, launch_chromium
):
    """The recent scans listed each at its answer's time: a badge read while the one
    before it waited seconds for the server was listed seconds late."""
    page = _gate_scanner(scanning, live_server, launch_chromium, "slow answer")
    held = []

    def hold_the_first(route):
        if held:
            route.continue_()
        else:
            held.append(route)

    page.context.route(SCAN_URL, hold_the_first)
    page.fill("#code-input", scanning.code("attendee"))
    page.press("#code-input", "Enter")
    while not held:
        page.wait_for_timeout(50)
    read_at = page.evaluate("Date.now()")
    page.fill("#code-input", scanning.code("staff"))
    page.press("#code-input", "Enter")
    page.wait_for_timeout(3000)
    held[0].continue_()
    page.wait_for_function("document.querySelectorAll('#recent li').length === 2", timeout=10000)
    answered_at = page.evaluate("Date.now()")
    shown = page.locator("#recent li").first.inner_text().split(" · ", 1)[0]
    hours, minutes, seconds = (int(part) for part in shown.split(":"))
    listed = hours * 3600 + minutes * 60 + seconds
    assert _seconds_of_day(answered_at) - _seconds_of_day(read_at) >= 3
    assert (listed - _seconds_of_day(read_at)) % 86400 <= 1, (shown, read_at)


def test_two_tabs_of_a_scanner_upload_its_queue_once(scanning, live_server, launch_chromium):
    """Both tabs of a tablet read the one queue: each sent it while the other's upload
    was on its way, and each said the scans were uploaded."""
    page = _gate_scanner(scanning, live_server, launch_chromium, "two tabs")
    other = page.context.new_page()
    other.goto(page.url)
    _ready(other)
    sent = []
    page.context.on(
        "request",
        lambda request: sent.append(request.post_data) if request.url.endswith("/scans") else None,
    )
    held, released = [], []

    def hold(route):
        if released:
            route.continue_()
        else:
            held.append(route)

    page.context.route(BATCH_URL, hold)
    page.context.route(SCAN_URL, lambda route: route.abort())
    _type_code(page, scanning.code("attendee"), "ok")
    page.context.unroute(SCAN_URL)
    for tab in (page, other):
        tab.evaluate("() => { window.kicxupScanner.flushQueue(); }")
    page.wait_for_timeout(2000)
    released.append(True)
    for route in held:
        route.continue_()
    for tab in (page, other):
        tab.evaluate("() => window.kicxupScanner.flushQueue()")
        assert tab.inner_text("#count-queue") == "0"
    nonces = [scan["nonce"] for body in sent for scan in json.loads(body)["scans"]]
    assert len(nonces) == 1, nonces
    db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(Scan)) == 1


def _clear_queue_behind_the_pages_back(page):
    """As if the queued scans went up while a live scan was on its way."""
    page.evaluate(
        """() => new Promise((resolve, reject) => {
      const open = indexedDB.open("kicxup-scanner");
      open.onsuccess = () => {
        const tx = open.result.transaction("queue", "readwrite");
        tx.objectStore("queue").clear();
        tx.oncomplete = () => resolve();
        tx.onerror = () => reject(tx.error);
      };
    })"""
    )


def test_a_badge_let_in_on_the_device_stays_let_in_when_its_upload_overtakes(
    scanning, live_server, launch_chromium
):
    """The device let the badge in while its request failed. Handed over the fence,
    the badge is scanned again; the server takes this live scan before the queued one
    (so it answers "ok"), and the queued scan has gone up by the time the answer comes:
    the gate still sees "already", from the device's own record."""
    code = scanning.code("attendee")
    page = _gate_scanner(scanning, live_server, launch_chromium, "overtaken")
    # The upload is held up until the live scan is under way.
    page.context.route(BATCH_URL, lambda route: route.fulfill(status=503, body="busy"))
    page.context.route(SCAN_URL, lambda route: route.abort())
    _type_code(page, code, "ok")
    page.context.unroute(SCAN_URL)
    _wait_online(page)
    _clear_queue_behind_the_pages_back(page)
    _type_code(page, code, "already_checked_in")
    assert "admitted on this scanner before" in page.inner_text("#result-status")


def test_an_admission_the_server_refused_is_forgotten_on_the_device(
    scanning, live_server, launch_chromium, writing
):
    """The badge was revoked after the tablet's last sync: offline, the tablet let it
    in; the upload is refused. Reprinted, the new badge is scanned live and admitted:
    the tablet must not call it "admitted before"."""
    badge_id, first_code = scanning.badges["attendee"].id, scanning.code("attendee")
    page = _gate_scanner(scanning, live_server, launch_chromium, "stale list")
    with writing() as session:
        badges.revoke_badge(session.get(Badge, badge_id), "lost")
    page.context.route(SCAN_URL, lambda route: route.abort())
    _type_code(page, first_code, "ok")
    page.context.unroute(SCAN_URL)
    _wait_online(page)
    _upload_queue(page)
    db.session.remove()
    assert db.session.scalars(select(Scan.result)).all() == ["revoked"]
    with writing() as session:
        badge = session.get(Badge, badge_id)
        badges.reissue_badge(badge)
        session.flush()
        code = badges.badge_code(badge)
    page.evaluate("window.kicxupScanner.loadConfig()")  # the tablet knows the reprint
    _type_code(page, code, "ok")
    assert "admitted on this scanner before" not in page.inner_text("#result-status")
    assert _checkins() == 1


def test_staff_scanning_when_their_company_stops_see_it_refused(
    scanning, live_server, launch_chromium, writing
):
    """The company withdraws while its staff's page is open: the next scan is refused
    on the page ("not exhibiting", not a green "captured" with "sign in again"), kept
    for the audit trail, and the page says why."""
    booth = scanning.points["alpha_booth"]
    visitor, next_visitor = scanning.code("attendee"), scanning.code("outsider")
    third_visitor = scanning.code("staff")
    page = launch_chromium().new_context(locale="en-US").new_page()
    _sign_in(page, live_server.url, scanning.exhibitor_staff.email)
    page.goto(f"{live_server.url}/e/test-expo/scan/{booth.id}")
    _ready(page)
    _type_code(page, visitor, "ok")
    alpha = scanning.exhibitors["alpha"].id
    with writing() as session:
        registrations.withdraw(session.get(Exhibitor, alpha), "plans changed")
    _type_code(page, next_visitor, "not_allowed")
    assert "no longer exhibits" in page.inner_text("#result-message")
    page.wait_for_selector("#upload-only:not([hidden])", timeout=5000)
    assert page.is_hidden("#upload-warning")
    # Approved again: the next configuration says so, and leads are captured again.
    with writing() as session:
        exhibitor = session.get(Exhibitor, alpha)
        registrations.register_again(exhibitor)
        registrations.set_status(exhibitor, "approved", notify=False)
    page.evaluate("window.kicxupScanner.loadConfig()")
    assert page.is_hidden("#upload-only")
    _type_code(page, third_visitor, "ok")
    assert page.inner_text("#result-name") == "Staff"


@pytest.mark.parametrize("device", ["desk", "touch tablet"])
def test_a_hand_scanner_typing_with_the_korean_input_method_on(
    scanning, live_server, launch_chromium, device
):
    """In 두벌식 mode the scanner's letter keys reach the page as jamo (joined into
    syllables in the field), or as the input method's "Process" key with the physical
    key's code: the badge is still read."""
    code = scanning.code("staff")
    options = {"has_touch": True, "is_mobile": True} if device == "touch tablet" else {}
    page = _gate_scanner(scanning, live_server, launch_chromium, f"ime {device}", **options)
    if device == "desk":
        # What the field holds: the keys as the input method joined them.
        _type_code(page, _as_dubeolsik(code), "ok")
    else:
        page.evaluate("document.activeElement && document.activeElement.blur()")
        page.evaluate(
            """(code) => {
          for (const character of code) {
            const physical = /[0-9]/.test(character) ? `Digit${character}` : `Key${character}`;
            document.dispatchEvent(new KeyboardEvent("keydown", {
              key: "Process", code: physical, bubbles: true, cancelable: true }));
          }
          document.dispatchEvent(new KeyboardEvent("keydown", {
            key: "Enter", code: "Enter", bubbles: true, cancelable: true }));
        }""",
            code,
        )
        page.wait_for_selector("#result[data-status='ok']", timeout=10000)
    assert page.inner_text("#result-name") == "Staff"
    assert _checkins() == 1


def test_a_hand_scanners_first_key_through_the_korean_input_method_is_not_lost(
    scanning, live_server, launch_chromium
):
    """At a desk (a real keyboard), the hand scanner's first key moves the focus to the
    field. With the Korean input method on, that key comes as the input method's
    ("Process", with no text of its own; the physical key says which it was): the
    field got the code without its first character, and the badge was "not a badge
    code"."""
    code = scanning.code("staff")
    page = _gate_scanner(scanning, live_server, launch_chromium, "ime first key")
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.mouse.click(5, 5)
    cdp = page.context.new_cdp_session(page)
    for kind in ("rawKeyDown", "keyUp"):
        cdp.send(
            "Input.dispatchKeyEvent",
            {"type": kind, "key": "Process", "code": "KeyK", "windowsVirtualKeyCode": 229},
        )
    assert page.evaluate("document.activeElement.id") == "code-input"
    page.keyboard.type(code[1:])
    page.keyboard.press("Enter")
    page.wait_for_selector("#result[data-status='ok']", timeout=10000)
    assert page.inner_text("#result-name") == "Staff"
    assert _checkins() == 1


PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def _key(cdp, kind, key, code, key_code, text=None):
    event = {"type": kind, "key": key, "code": code, "windowsVirtualKeyCode": key_code}
    if text is not None:
        event["text"] = text
    cdp.send("Input.dispatchKeyEvent", event)


# How the Enter pressed while the input method still composes the last syllable
# reaches Chromium: on Windows as the input method's key, then the syllable is
# committed and Enter follows; on a Mac as an Enter of its own (which also types a
# line break) before the commit, and the real Enter after; some input methods commit
# and keep the Enter; and one may hand the Enter on while still composing.
COMPOSING_ENTERS = {
    "windows": [
        ("rawKeyDown", "Process", 229, None),
        "commit",
        ("keyUp", "Process", 229, None),
        ("keyDown", "Enter", 13, "\r"),
        ("keyUp", "Enter", 13, None),
    ],
    "mac": [
        ("keyDown", "Enter", 229, "\r"),
        "commit",
        ("keyUp", "Enter", 13, None),
        ("keyDown", "Enter", 13, "\r"),
        ("keyUp", "Enter", 13, None),
    ],
    "enter kept": [("rawKeyDown", "Enter", 229, None), "commit", ("keyUp", "Enter", 229, None)],
    "still composing": [("keyDown", "Enter", 13, "\r"), ("keyUp", "Enter", 13, None)],
}


def _scans():
    db.session.remove()
    return db.session.execute(select(Scan.code, Scan.result).order_by(Scan.id)).all()


@pytest.mark.parametrize("enter", list(COMPOSING_ENTERS))
@pytest.mark.parametrize("device", ["desk", "phone"])
def test_a_hand_scanners_enter_while_the_korean_input_method_composes(
    scanning, live_server, launch_chromium, device, enter
):
    """The hand scanner's Enter comes while the 두벌식 input method still composes the
    code's last syllable: the badge is scanned once, with its whole code, and the field
    is left empty for the next one. The page took the code while the syllable was
    still composing and emptied the field, and the input method then put the syllable
    back: it stayed in the field, and was scanned as a second, wrong code with the
    next Enter (or the Enter that ended the composition scanned nothing)."""
    code, next_code = scanning.code("staff"), scanning.code("attendee")
    options = PHONE if device == "phone" else {}
    page = _gate_scanner(scanning, live_server, launch_chromium, f"{device} {enter}", **options)
    if device == "phone":
        page.tap("#code-input")
    assert page.evaluate("document.activeElement.id") == "code-input"
    text = _as_dubeolsik(code)
    cdp = page.context.new_cdp_session(page)
    cdp.send("Input.insertText", {"text": text[:-1]})
    cdp.send("Input.imeSetComposition", {"text": text[-1], "selectionStart": 1, "selectionEnd": 1})
    for step in COMPOSING_ENTERS[enter]:
        if step == "commit":
            cdp.send("Input.insertText", {"text": text[-1]})
        else:
            kind, key, key_code, typed = step
            _key(cdp, kind, key, "Enter", key_code, typed)
    page.wait_for_selector("#result[data-status='ok']", timeout=10000)
    # Time for a second scan to show up, had the page made one.
    page.wait_for_timeout(700)
    assert _scans() == [(code, "ok")]
    assert page.input_value("#code-input") == ""
    # And the next badge goes through as the first did.
    page.evaluate("document.getElementById('result').dataset.status = 'waiting'")
    cdp.send("Input.insertText", {"text": _as_dubeolsik(next_code)})
    _key(cdp, "keyDown", "Enter", "Enter", 13, "\r")
    _key(cdp, "keyUp", "Enter", "Enter", 13)
    page.wait_for_selector("#result:not([data-status='waiting'])", timeout=10000)
    page.wait_for_timeout(300)
    assert [row.code for row in _scans()] == [code, next_code]


def test_a_hand_scanners_enter_as_the_input_methods_key_on_a_phone(
    scanning, live_server, launch_chromium
):
    """On a phone the page collects the keys typed outside a field. With the Korean
    input method on, the hand scanner's Enter may come as the input method's key too
    ("Process", keyCode 229; the physical key says Enter): it scanned nothing, and
    the code's keys were forgotten."""
    code = scanning.code("staff")
    page = _gate_scanner(scanning, live_server, launch_chromium, "phone process enter", **PHONE)
    assert page.evaluate("document.activeElement.id") != "code-input"
    cdp = page.context.new_cdp_session(page)
    hand_scanner_keys(cdp, code + "\n", clock.time(), through_input_method=True)
    page.wait_for_selector("#result[data-status='ok']", timeout=10000)
    page.wait_for_timeout(500)
    assert _scans() == [(code, "ok")]
    assert page.evaluate("document.activeElement.id") != "code-input"


def test_keys_pressed_apart_start_a_new_code_however_late_the_page_gets_them(
    scanning, live_server, launch_chromium
):
    """A stray key pressed a second before the hand scanner's burst is not part of the
    code, even when the page gets both at once (busy, or on a loaded machine), and a
    burst the page gets slowly stays one code. The page timed the keys as it got
    them: a stray key glued itself to the code, and a slow page split a code."""
    code = scanning.code("staff")
    page = _gate_scanner(scanning, live_server, launch_chromium, "phone key gaps", **PHONE)
    cdp = page.context.new_cdp_session(page)
    # Times ahead of now: the page counts time from its own start, and clamps earlier
    # times to that start.
    pressed = clock.time() + 5
    hand_scanner_keys(cdp, "Q", pressed, through_input_method=True)
    hand_scanner_keys(cdp, code + "\n", pressed + 1, through_input_method=True)
    page.wait_for_selector("#result[data-status='ok']", timeout=10000)
    page.wait_for_timeout(500)
    assert _scans() == [(code, "ok")]


JAMO = dict(
    zip(
        "QWERTYUIOPASDFGHJKLZXCVBNM",
        "ㅂㅈㄷㄱㅅㅛㅕㅑㅐㅔㅁㄴㅇㄹㅎㅗㅓㅏㅣㅋㅌㅊㅍㅠㅜㅡ",
        strict=True,
    )
)
INITIALS = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
VOWELS = "ㅏㅐㅑㅒㅓㅔㅕㅖㅗㅘㅙㅚㅛㅜㅝㅞㅟㅠㅡㅢㅣ"
FINALS = " ㄱㄲㄳㄴㄵㄶㄷㄹㄺㄻㄼㄽㄾㄿㅀㅁㅂㅄㅅㅆㅇㅈㅊㅋㅌㅍㅎ"


def _as_dubeolsik(code):
    """The text a 두벌식 input method makes of the code's keys: a consonant and the
    vowel after it join into a syllable, which takes the next consonant as its final
    unless a vowel follows that one (compound vowels and finals are left apart, which
    only makes the text longer, never other keys)."""
    jamo = [JAMO.get(character, character) for character in code]
    out, i = [], 0
    while i < len(jamo):
        lead = jamo[i]
        if lead in INITIALS and i + 1 < len(jamo) and jamo[i + 1] in VOWELS:
            vowel = jamo[i + 1]
            final, step = " ", 2
            after = jamo[i + 2] if i + 2 < len(jamo) else ""
            beyond = jamo[i + 3] if i + 3 < len(jamo) else ""
            if after and after in FINALS.strip() and not (beyond and beyond in VOWELS):
                final, step = after, 3
            index = (INITIALS.index(lead) * 21 + VOWELS.index(vowel)) * 28 + FINALS.index(final)
            out.append(chr(0xAC00 + index))
            i += step
        else:
            out.append(lead)
            i += 1
    return "".join(out)


def test_the_dubeolsik_text_of_a_code_holds_syllables():
    """The helper above makes what the test needs: joined syllables, not bare jamo."""
    text = _as_dubeolsik("K1RKQNPFRA")
    assert text.startswith("ㅏ1") and "가" in text
    assert any(0xAC00 <= ord(c) <= 0xD7A3 for c in text)


def test_a_queue_with_a_pasted_novel_still_goes_up(scanning, live_server, launch_chromium):
    """Text far longer than any code, typed while offline, is cut just past the
    longest code the server decodes: the upload is not too large to send, and the
    server answers that scan as no badge code and takes the badge queued after it."""
    page = _gate_scanner(scanning, live_server, launch_chromium, "pasted")
    page.context.set_offline(True)
    page.evaluate("""() => window.kicxupScanner.handle("K1" + "A".repeat(3 * 1024 * 1024))""")
    _type_code(page, scanning.code("attendee"), "ok")
    assert page.inner_text("#count-queue") == "2"
    page.context.set_offline(False)
    page.wait_for_function(
        "document.getElementById('count-queue').textContent === '0'", timeout=20000
    )
    assert _checkins() == 1
    db.session.remove()
    stored = db.session.scalars(select(Scan).order_by(Scan.id)).all()
    assert [(s.result, s.reason) for s in stored] == [
        ("invalid", "malformed:too long"),
        ("ok", ""),
    ]
    assert stored[0].code == "K1" + "A" * 198


def test_the_page_fetches_its_configuration_again_only_when_it_changed(
    scanning, live_server, launch_chromium, writing
):
    """The refresh every two minutes brings a 304 while nothing changed (the page keeps
    its copy and learns the server's time), and the new list once a badge is revoked."""
    page = _gate_scanner(scanning, live_server, launch_chromium, "refresh")
    badge_id, code = scanning.badges["attendee"].id, scanning.code("attendee")

    def refresh():
        with page.expect_response(lambda r: "/config" in r.url) as answer:
            page.evaluate("window.kicxupScanner.loadConfig()")
        return answer.value

    assert refresh().status == 304
    with writing() as session:
        badges.revoke_badge(session.get(Badge, badge_id), "lost")
    changed = refresh()
    assert changed.status == 200 and changed.headers.get("content-encoding") == "gzip"
    page.context.set_offline(True)
    _type_code(page, code, "revoked")


def test_a_stray_admission_the_server_refused_is_forgotten_too(
    scanning, live_server, launch_chromium, writing
):
    """As above, with the refused scan uploaded from the next point's page: the gate's
    tablet, set up for the side gate (same entrance group) before the upload, must not
    call the reprinted badge "admitted before" there either."""
    from tests.checkin.test_scanner_browser import _set_up, _setup_path

    badge_id, first_code = scanning.badges["attendee"].id, scanning.code("attendee")
    side_path, _side = _setup_path(scanning, "side_gate", "same tablet, side gate")
    page = _gate_scanner(scanning, live_server, launch_chromium, "moving tablet")
    with writing() as session:
        badges.revoke_badge(session.get(Badge, badge_id), "lost")
    context = page.context
    context.route(API_URLS, lambda route: route.abort())
    _type_code(page, first_code, "ok")
    context.unroute(API_URLS)
    context.route(BATCH_URL, lambda route: route.abort())
    _set_up(page, live_server.url + side_path)
    _ready(page)
    context.unroute(BATCH_URL)
    page.evaluate("window.kicxupScanner.flushQueue()")
    assert page.evaluate("window.kicxupScanner.db.getAll('queue')") == []
    with writing() as session:
        badge = session.get(Badge, badge_id)
        badges.reissue_badge(badge)
        session.flush()
        code = badges.badge_code(badge)
    page.evaluate("window.kicxupScanner.loadConfig()")
    _type_code(page, code, "ok")
    assert "admitted on this scanner before" not in page.inner_text("#result-status")
