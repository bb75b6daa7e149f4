"""The scanner page in headless Chromium: a fake camera shows a real printed badge,
hand scanners type into the page, scans made offline are uploaded exactly once
when the network returns, and at every kind of scan point the right thing is
recorded: a check-in at the gate, an arrival at a meeting table, a lead at a booth."""

import subprocess
import threading
import time as clock
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from eventapp.checkin import services
from eventapp.checkin.models import CheckIn, Lead, MeetingArrival, Scan, ScanDevice
from eventapp.extensions import db
from tests.badges.readers import qr_codes_in_image, require_tools
from tests.checkin.conftest import scan
from tests.conftest import PASSWORD

VENDOR = Path(__file__).resolve().parents[2] / "static" / "vendor"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not (VENDOR / "qr-scanner" / "qr-scanner.min.js").exists(),
        reason="front-end packages missing: run `make frontend` (npm ci + vendor copy)",
    ),
]


def write_y4m(path, image, frames=10):
    """A short Y4M (4:2:0) video of a greyscale PIL image, for Chromium's fake camera."""
    width, height = image.size
    luma = image.convert("L").tobytes()
    chroma = bytes([128]) * ((width // 2) * (height // 2))
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n")
            out.write(luma)
            out.write(chroma)
            out.write(chroma)
    return path


def badge_frame(badge, workdir, width=640, height=480, dpi=200):
    """What a phone held over a printed badge sees: the badge's own A6 PDF rendered
    by poppler, framed on its QR code (with the category band and part of the
    name around it), the code taking half the frame's height so that it lies
    inside qr-scanner's scan region (the middle two thirds)."""
    from PIL import Image
    from reportlab.lib.pagesizes import A6
    from reportlab.lib.units import mm

    from eventapp.badges import pdf as badge_pdf

    require_tools()
    source = workdir / f"badge-{badge.id}.pdf"
    badge_pdf.badge_pdf(badge, str(source))
    stem = workdir / f"badge-{badge.id}"
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-gray", "-png", "-singlefile", str(source), str(stem)],
        check=True,
        timeout=60,
    )
    page = Image.open(f"{stem}.png").convert("L")
    scale = dpi / 72
    # Where BadgeRenderer.draw puts the code on an A6 page (points, from the bottom).
    qr_bottom = badge_pdf.MARGIN + badge_pdf.BAND_HEIGHT + 5 * mm + badge_pdf.QR_QUIET_ZONE * 2 / 3
    centre_x = A6[0] / 2 * scale
    centre_y = (A6[1] - qr_bottom - badge_pdf.QR_SIZE / 2) * scale
    view_height = 2 * badge_pdf.QR_SIZE * scale
    view_width = view_height * width / height
    box = (
        centre_x - view_width / 2,
        centre_y - view_height / 2,
        centre_x + view_width / 2,
        centre_y + view_height / 2,
    )
    frame = page.crop(tuple(round(v) for v in box)).resize((width, height), Image.LANCZOS)
    frame.save(workdir / f"frame-{badge.id}.png")
    return frame


def _setup_path(scanning, point_name, label):
    device = services.create_device(scanning.points[point_name], label=label, hours=24)
    db.session.commit()
    return f"/e/{scanning.event.slug}/scan/setup/{services.setup_token(device)}", device


def _set_up(page, url):
    """Open a set-up address and tap its button, as staff do at the fair."""
    page.goto(url)
    page.click("#device-setup button")


def _ready(page):
    page.wait_for_selector("#scanner[data-ready='1']", timeout=15000)


def _physical_key(character):
    """The key a hand scanner presses for a code's character ("\n": Enter)."""
    if character == "\n":
        return "Enter"
    return f"Digit{character}" if character.isdigit() else f"Key{character.upper()}"


def hand_scanner_keys(cdp, keys, pressed_at, through_input_method=False):
    """A hand scanner's burst: the keys of `keys` ("\n" is Enter), 10 ms apart from
    `pressed_at` (seconds since the epoch). The page starts a new code after a gap
    of 300 ms, timed by when the keys were pressed: given here, a loaded machine
    handing them on slowly splits no code. Through the Korean input method each key
    comes as the input method's ("Process", keyCode 229), the physical key saying
    which it was."""
    for step, character in enumerate(keys):
        physical = _physical_key(character)
        if through_input_method:
            key, key_code, text = "Process", 229, None
        elif character == "\n":
            key, key_code, text = "Enter", 13, "\r"
        else:
            key, key_code, text = character, ord(character.upper()), character
        for kind in ("rawKeyDown" if text is None else "keyDown", "keyUp"):
            event = {"type": kind, "key": key, "code": physical, "windowsVirtualKeyCode": key_code}
            if text is not None and kind == "keyDown":
                event["text"] = text
            event["timestamp"] = pressed_at + step * 0.01
            cdp.send("Input.dispatchKeyEvent", event)


def hand_scanner_types(page, code):
    """A hand scanner types `code` and Enter wherever the page has the focus."""
    hand_scanner_keys(page.context.new_cdp_session(page), code + "\n", clock.time())


def _type_code(page, code, expect):
    # Forget the previous answer, so that waiting for `expect` waits for this one.
    page.evaluate("document.getElementById('result').dataset.status = 'waiting'")
    page.fill("#code-input", code)
    page.press("#code-input", "Enter")
    page.wait_for_selector(f"#result[data-status='{expect}']", timeout=10000)


def _gate_scanner(
    scanning, live_server, launch_chromium, label, clock=None, gate="gate", **context_options
):
    """The page of a gate scanner set up just now, ready to scan; its tablet's clock
    at `clock` if given (set to the server's, the page learns no correction)."""
    path, _device = _setup_path(scanning, gate, label)
    page = launch_chromium().new_context(locale="en-US", **context_options).new_page()
    if clock is not None:
        page.clock.set_fixed_time(clock)
    _set_up(page, live_server.url + path)
    _ready(page)
    # Installed, as at the fair. Whether the worker has taken the page over yet
    # also changes which requests a test's routes see.
    page.wait_for_selector("#scanner[data-sw='ready']", timeout=15000)
    return page


def _upload_queue(page):
    """Upload the queued scans now and wait until none is left."""
    page.evaluate("window.kicxupScanner.flushQueue()")
    page.wait_for_function(
        "document.getElementById('count-queue').textContent === '0'", timeout=20000
    )


def _wait_online(page):
    """Until the page sees the server answer again: after a request that got no
    answer it judges scans itself, and asks every few seconds (scanner.js probeSoon)."""
    page.wait_for_function(
        "document.getElementById('net-state').textContent === 'online'", timeout=15000
    )


def _sign_in(page, base_url, email):
    page.goto(base_url + "/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.press("input[name=password]", "Enter")
    assert "/login" not in page.url, "sign-in failed"


def _seoul(day, clock):
    from zoneinfo import ZoneInfo

    return datetime.combine(day, clock, tzinfo=ZoneInfo("Asia/Seoul"))


def test_camera_scans_a_printed_badge_at_the_entrance(
    scanning, live_server, launch_chromium, tmp_path
):
    code = scanning.code("attendee")
    frame = badge_frame(scanning.badges["attendee"], tmp_path)
    assert qr_codes_in_image(tmp_path / f"frame-{scanning.badges['attendee'].id}.png") == [code]
    video = write_y4m(tmp_path / "badge.y4m", frame)
    path, device = _setup_path(scanning, "gate", "gate phone")
    badge_id, gate_id, device_id = (
        scanning.badges["attendee"].id,
        scanning.points["gate"].id,
        device.id,
    )
    browser = launch_chromium(
        [
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ]
    )
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    _set_up(page, live_server.url + path)
    page.wait_for_url(f"**/scan/{gate_id}", timeout=15000)  # the set-up page sent itself
    _ready(page)
    page.click("#camera-toggle")
    page.wait_for_selector("#result[data-status='ok']", timeout=30000)
    assert page.inner_text("#result-name") == "Attendee"
    assert "Large / mid-size firm" in page.inner_text("#result-category")
    # The badge stays in front of the camera (the video loops, qr-scanner decodes
    # several frames a second) for longer than the 4 s pause between two reads of
    # one code: it is still one scan.
    page.wait_for_timeout(6000)
    assert page.get_attribute("#result", "data-status") == "ok"
    page.click("#camera-toggle")
    assert page.inner_text("#count-ok") == "1"
    assert page.locator("#recent li").count() == 1
    context.close()

    db.session.remove()
    checkin = db.session.scalar(select(CheckIn).where(CheckIn.badge_id == badge_id))
    assert checkin is not None and checkin.scan_point_id == gate_id
    scans = db.session.scalars(select(Scan).where(Scan.badge_id == badge_id)).all()
    assert [(s.result, s.device_id) for s in scans] == [("ok", device_id)]


def test_keyboard_wedge_scanner_types_into_the_page(scanning, live_server, launch_chromium):
    """A hand scanner is a keyboard: it types the code and Enter wherever the focus
    is. The page must catch it without anybody tapping the input field first."""
    code = scanning.code("staff")
    badge_id = scanning.badges["staff"].id
    page = _gate_scanner(scanning, live_server, launch_chromium, "gate desk")
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.mouse.click(5, 5)  # somewhere on the page that is no field
    assert page.evaluate("document.activeElement.id") != "code-input"
    page.keyboard.type(code)
    page.keyboard.press("Enter")
    page.wait_for_selector("#result[data-status='ok']", timeout=10000)
    assert page.inner_text("#result-name") == "Staff"
    assert page.input_value("#code-input") == ""  # ready for the next badge

    db.session.remove()
    rows = db.session.scalars(select(Scan).where(Scan.badge_id == badge_id)).all()
    assert [r.result for r in rows] == ["ok"]
    assert db.session.scalar(select(func.count()).select_from(CheckIn)) == 1


def test_text_far_longer_than_a_badge_code_is_not_a_badge_online_or_offline(
    scanning, live_server, launch_chromium
):
    """A paste or a hand scanner gone wild, longer than the server decodes: staff see
    the same answer as for any other text that is not a badge, in their language and
    the other, online and offline; the queued one goes up as the device answered it."""
    path, _device = _setup_path(scanning, "gate", "long code")
    context = launch_chromium().new_context(locale="ko-KR")
    page = context.new_page()
    _set_up(page, live_server.url + path)
    _ready(page)
    long_text = "x" * 2500
    _type_code(page, long_text, "invalid")
    assert page.inner_text("#result-message") == "출입증 코드가 아닙니다."
    assert page.inner_text("#result-message-other") == "Not a badge code."
    assert page.inner_text("#count-queue") == "0"

    context.set_offline(True)
    _type_code(page, long_text, "invalid")
    assert page.inner_text("#result-message") == "출입증 코드가 아닙니다."
    assert page.inner_text("#count-queue") == "1"
    context.set_offline(False)
    _upload_queue(page)
    assert not page.locator("#recent li[data-changed='1']").count()
    context.close()

    db.session.remove()
    rows = db.session.scalars(select(Scan).order_by(Scan.id)).all()
    assert [(r.result, r.reason, r.offline) for r in rows] == [
        ("invalid", "malformed:too long", False),
        ("invalid", "malformed:too long", True),
    ]


def test_meeting_table_scan_point_records_each_side(
    scanning, live_server, launch_chromium, app, monkeypatch
):
    """At the meeting zone, scanning the firm's person records the firm's arrival at
    its table meeting; scanning the startup's person then makes it attended."""
    meetings = pytest.importorskip("eventapp.meetings.services")
    event = scanning.event
    today = event.days[0]
    with app.test_request_context():
        meetings.save_settings(
            event,
            scanning.organizer,
            meeting_days=[today.isoformat()],
            slot_minutes=30,
            day_starts_at=time(0, 0),
            day_ends_at=time(1, 0),
            breaks=[],
            table_count=2,
            table_label="Meeting zone",
        )
        alpha = meetings.create_profile(event, scanning.companies["alpha"], offer_en="Robots")
        gamma = meetings.create_profile(event, scanning.companies["gamma"], need_en="Vision")
        request = meetings.send_request(event, alpha, gamma, scanning.organizer)
        meetings.accept_request(request, gamma, scanning.organizer)
        slot = meetings.slots_of(event)[0]  # 00:00-00:30 today, Seoul
        meeting = meetings.book(
            request, slot, scanning.organizer, via="organizer", notify=False, check_window=False
        )
        db.session.commit()
    meeting_id, firm_code, startup_code = (
        meeting.id,
        scanning.code("attendee"),
        scanning.code("exhibitor_staff"),
    )
    path, _device = _setup_path(scanning, "meeting", "table tablet")

    page = launch_chromium().new_context(locale="en-US").new_page()
    # The scans happen during the slot: the server's clock and the scanner's say so
    # (the scanner corrects its clock by the server's).
    during = _seoul(today, time(0, 5))
    monkeypatch.setattr(services, "utcnow", lambda: during.astimezone(UTC))
    page.clock.set_fixed_time(during)
    _set_up(page, live_server.url + path)
    _ready(page)
    _type_code(page, firm_code, "ok")
    assert "not here yet" in page.inner_text("#result-message")
    db.session.remove()
    arrivals = db.session.scalars(select(MeetingArrival)).all()
    assert [(a.meeting_id, a.side) for a in arrivals] == [(meeting_id, "firm")]
    assert db.session.get(type(meeting), meeting_id).status == "scheduled"

    page.fill("#code-input", startup_code)
    page.press("#code-input", "Enter")
    page.wait_for_function(
        "document.getElementById('result-message').textContent.includes('attended')",
        timeout=10000,
    )
    db.session.remove()
    assert db.session.get(type(meeting), meeting_id).status == "attended"
    sides = db.session.scalars(select(MeetingArrival.side).order_by(MeetingArrival.id)).all()
    assert sides == ["firm", "startup"]


def test_booth_lead_point_online_and_offline(scanning, live_server, launch_chromium):
    """Exhibitor staff capture leads at their booth: online with the visitor's name,
    offline without any roster ("captured, details after upload"), once per company
    whatever the day, and everything is uploaded once."""
    alpha_id = scanning.companies["alpha"].id
    booth = scanning.points["alpha_booth"]
    booth_id = booth.id
    outsider_badge = scanning.badges["outsider"].id
    attendee_code, outsider_code = scanning.code("attendee"), scanning.code("outsider")
    attendee_id, outsider_id = scanning.attendee.id, scanning.outsider.id
    tomorrow = scanning.event.days[1]
    page = launch_chromium().new_context(locale="en-US").new_page()
    _sign_in(page, live_server.url, scanning.exhibitor_staff.email)
    page.goto(f"{live_server.url}/e/test-expo/scan/{booth_id}")
    _ready(page)
    page.wait_for_selector("#scanner[data-sw='ready']", timeout=15000)
    # The booth scanner holds no list of attendees.
    stored = page.evaluate("(id) => window.kicxupScanner.db.get('config', id)", booth_id)
    assert stored["data"]["holders"] == {}

    _type_code(page, attendee_code, "ok")
    assert page.inner_text("#result-name") == "Attendee"
    db.session.remove()
    assert [lead.user_id for lead in db.session.scalars(select(Lead))] == [attendee_id]

    page.context.set_offline(True)
    _type_code(page, outsider_code, "ok")
    assert page.inner_text("#result-name") == ""
    assert "captured offline" in page.inner_text("#result-message")
    # The next fair day, still offline: the same visitor is a lead already (the
    # server counts a lead once per company, not per day).
    page.clock.set_fixed_time(_seoul(tomorrow, time(10, 0)))
    _type_code(page, outsider_code, "already_checked_in")
    assert page.inner_text("#count-queue") == "2"
    # In a booth's words: a lead is captured, nobody checked in.
    assert page.inner_text("#result-status").startswith("Already captured")

    page.clock.set_fixed_time(datetime.now(UTC) + timedelta(seconds=2))
    page.context.set_offline(False)
    page.wait_for_function(
        "document.getElementById('count-queue').textContent === '0'", timeout=20000
    )
    assert page.inner_text("#sync-note").startswith("2 queued scans uploaded.")
    db.session.remove()
    leads = db.session.scalars(select(Lead).where(Lead.organization_id == alpha_id)).all()
    assert sorted(lead.user_id for lead in leads) == sorted([attendee_id, outsider_id])
    results = db.session.scalars(
        select(Scan.result).where(Scan.badge_id == outsider_badge).order_by(Scan.scanned_at)
    ).all()
    assert results == ["ok", "already_checked_in"]


def test_offline_without_scanner_data_says_unverified(scanning, live_server, launch_chromium):
    """A scanner that never got its configuration cannot check anything offline: it
    must say so (red, "unverified"), never "already checked in" (orange)."""
    path, _device = _setup_path(scanning, "gate", "new phone")
    context = launch_chromium().new_context(locale="en-US")
    context.route("**/api/checkin/points/*/config", lambda route: route.abort())
    page = context.new_page()
    _set_up(page, live_server.url + path)
    _ready(page)
    assert page.evaluate("window.kicxupScanner.keyKind()") is None

    context.set_offline(True)
    _type_code(page, scanning.code("attendee"), "unverified")
    classes = page.get_attribute("#result", "class")
    assert "result-unverified" in classes and "result-already" not in classes
    # Its own sound (the buzz reads "turn away"), and both languages, as every answer.
    assert page.get_attribute("#scanner", "data-sound") == "check"
    assert "nothing could be checked" in page.inner_text("#result-message")
    assert "확인하지 못한 채" in page.inner_text("#result-message-other")
    assert page.inner_text("#count-queue") == "1"
    assert page.inner_text("#count-ok") == "0"

    context.unroute("**/api/checkin/points/*/config")
    context.set_offline(False)
    page.wait_for_function(
        "document.getElementById('count-queue').textContent === '0'", timeout=20000
    )
    db.session.remove()
    assert db.session.scalar(select(Scan.result)) == "ok"


def test_refused_upload_keeps_the_scans_and_says_what_to_do(
    scanning, live_server, launch_chromium, writing
):
    """When the server refuses the queued scans (the device's token was revoked),
    they stay queued, a warning says how many and what to do, and they are
    uploaded once the scanner is allowed again (here: staff sign in)."""
    path, device = _setup_path(scanning, "gate", "lost and found")
    badge_id, code = scanning.badges["attendee"].id, scanning.code("attendee")
    staff_email, staff_id = scanning.staff.email, scanning.staff.id
    context = launch_chromium().new_context(locale="en-US")
    page = context.new_page()
    _set_up(page, live_server.url + path)
    _ready(page)
    context.set_offline(True)
    _type_code(page, code, "ok")
    assert page.inner_text("#count-queue") == "1"

    # The organizer revokes the device while the page runs.
    device_id = device.id
    with writing():
        db.session.get(ScanDevice, device_id).revoked_at = services.utcnow()
    context.set_offline(False)
    page.evaluate("window.kicxupScanner.flushQueue()")
    warning = page.wait_for_selector("#upload-warning:not([hidden])", timeout=10000)
    text = warning.inner_text()
    assert "1 scan is not uploaded" in text and "Sign in again" in text
    assert "set-up code" in text
    assert page.inner_text("#count-queue") == "1"
    assert page.get_attribute("#scanner", "data-upload-problem") == "auth"
    db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(Scan)) == 0
    # Still refused on the next attempt: the warning stays, nothing is lost.
    page.click("#upload-retry")
    page.wait_for_timeout(500)
    assert page.is_visible("#upload-warning") and page.inner_text("#count-queue") == "1"

    # A staff member signs in (another tab of the same browser) and comes back.
    other = context.new_page()
    _sign_in(other, live_server.url, staff_email)
    other.close()
    page.bring_to_front()
    page.click("#upload-retry")
    page.wait_for_function(
        "document.getElementById('count-queue').textContent === '0'", timeout=20000
    )
    assert not page.is_visible("#upload-warning")
    db.session.remove()
    [row] = db.session.scalars(select(Scan).where(Scan.badge_id == badge_id)).all()
    assert row.result == "ok" and row.offline and row.user_id == staff_id


def test_offline_scan_is_uploaded_once_with_its_time(
    scanning, live_server, venue_link, launch_chromium
):
    code = scanning.code("exhibitor_staff")
    badge_id = scanning.badges["exhibitor_staff"].id
    path, _device = _setup_path(scanning, "gate", "gate tablet")
    browser = launch_chromium()
    context = browser.new_context(locale="ko-KR")
    page = context.new_page()
    _set_up(page, venue_link.url + path)
    _ready(page)
    page.wait_for_selector("#scanner[data-sw='ready']", timeout=15000)
    # Chromium verifies Ed25519 with WebCrypto (the JS fallback is for older browsers).
    assert page.evaluate("window.kicxupScanner.keyKind()") == "webcrypto"

    # The page is told it is offline, and the link is down too: the reload's page
    # could send its upload before Chromium's offline emulation reached it.
    context.set_offline(True)
    venue_link.cut()
    page.fill("#code-input", code)
    page.press("#code-input", "Enter")
    page.wait_for_selector("#result[data-status='ok']", timeout=10000)
    assert page.inner_text("#count-queue") == "1"
    assert page.get_attribute("#scanner", "data-online") == "0"
    queued = page.evaluate("window.kicxupScanner.db.getAll('queue')")
    assert len(queued) == 1
    nonce, scanned_at = queued[0]["nonce"], queued[0]["scanned_at"]

    # The service worker serves the page (and its scripts) without network.
    page.reload()
    _ready(page)
    assert page.inner_text("#count-queue") == "1"
    # The same badge again, still offline: this device already admitted it.
    page.fill("#code-input", code)
    page.press("#code-input", "Enter")
    page.wait_for_selector("#result[data-status='already_checked_in']", timeout=10000)
    assert page.inner_text("#count-queue") == "2"

    page.wait_for_timeout(1200)
    venue_link.restore()
    context.set_offline(False)
    page.wait_for_function(
        "document.getElementById('count-queue').textContent === '0'", timeout=20000
    )
    page.evaluate("window.kicxupScanner.flushQueue()")  # a second upload changes nothing
    page.wait_for_timeout(300)
    context.close()

    db.session.remove()
    rows = db.session.scalars(select(Scan).where(Scan.nonce == nonce)).all()
    assert len(rows) == 1
    row = rows[0]
    sent = datetime.fromisoformat(scanned_at.replace("Z", "+00:00")).astimezone(UTC)
    assert abs((row.scanned_at - sent).total_seconds()) < 0.001
    assert (row.received_at - row.scanned_at).total_seconds() >= 1
    assert row.offline and row.result == "ok"
    results = db.session.scalars(
        select(Scan.result).where(Scan.badge_id == badge_id).order_by(Scan.scanned_at)
    ).all()
    assert results == ["ok", "already_checked_in"]
    assert len(db.session.scalars(select(CheckIn).where(CheckIn.badge_id == badge_id)).all()) == 1


def test_on_weak_wifi_the_cached_page_opens_without_waiting(
    scanning, live_server, launch_chromium, app, monkeypatch
):
    """Weak Wi-Fi: the request for the page neither answers nor fails. The service
    worker used to wait for it as long as the browser does; after a few seconds it
    shows the cached page, and the late answer still refreshes the cache."""
    page = _gate_scanner(scanning, live_server, launch_chromium, "weak wifi")

    release, answered = threading.Event(), []
    real = app.view_functions["checkin.scanner"]

    def hanging(*args, **kwargs):
        release.wait(40)
        answered.append(1)
        return real(*args, **kwargs)

    monkeypatch.setitem(app.view_functions, "checkin.scanner", hanging)
    try:
        page.reload(timeout=20000)
        _ready(page)
        assert not answered  # shown from the cache, the server still working on it
        _type_code(page, scanning.code("attendee"), "ok")
    finally:
        release.set()
    db.session.remove()
    assert db.session.scalars(select(Scan.result)).all() == ["ok"]


def test_badge_admitted_online_is_already_in_when_offline(scanning, live_server, launch_chromium):
    """The offline check knows the badges this device admitted online, not only those
    it admitted offline: scanned online (green), then again after the network is gone,
    a badge is orange "already", whether this device or another one admitted it first."""
    path, _device = _setup_path(scanning, "gate", "gate phone")
    other_device = services.create_device(scanning.points["gate"], label="other phone", hours=24)
    db.session.commit()
    other_token = services.device_token(other_device)
    gate_id = scanning.points["gate"].id
    attendee_code, staff_code = scanning.code("attendee"), scanning.code("staff")
    attendee_id, staff_id = scanning.badges["attendee"].id, scanning.badges["staff"].id
    context = launch_chromium().new_context(locale="en-US")
    page = context.new_page()
    _set_up(page, live_server.url + path)
    _ready(page)

    # The staff member was checked in by another scanner of the gate.
    answer = page.request.post(
        live_server.url + "/api/checkin/scan",
        data={"scan_point": gate_id, "code": staff_code, "nonce": "elsewhere-1"},
        headers={"X-Device-Token": other_token},
    )
    assert answer.ok and answer.json()["status"] == "ok"

    _type_code(page, attendee_code, "ok")
    _type_code(page, staff_code, "already_checked_in")

    context.set_offline(True)
    _type_code(page, attendee_code, "already_checked_in")
    assert "result-already" in page.get_attribute("#result", "class")
    assert "Already checked in" in page.inner_text("#result-status")
    _type_code(page, staff_code, "already_checked_in")
    assert "result-already" in page.get_attribute("#result", "class")
    assert page.inner_text("#count-queue") == "2"
    assert page.inner_text("#count-ok") == "1"

    context.set_offline(False)
    page.wait_for_function(
        "document.getElementById('count-queue').textContent === '0'", timeout=20000
    )
    context.close()
    db.session.remove()
    for badge_id, expected in (
        (attendee_id, ["ok", "already_checked_in"]),
        (staff_id, ["ok", "already_checked_in", "already_checked_in"]),
    ):
        results = db.session.scalars(
            select(Scan.result).where(Scan.badge_id == badge_id).order_by(Scan.scanned_at)
        ).all()
        assert results == expected
        checkins = db.session.scalars(select(CheckIn).where(CheckIn.badge_id == badge_id)).all()
        assert len(checkins) == 1


def _queued_at_the_gate_signed_in(scanning, live_server, launch_chromium):
    """Staff signed in admit the attendee at the gate while offline (the scan queued);
    (page, gate id, side gate id, badge id), the page still offline."""
    gate_id, side_id = scanning.points["gate"].id, scanning.points["side_gate"].id
    badge_id, code = scanning.badges["attendee"].id, scanning.code("attendee")
    context = launch_chromium().new_context(locale="en-US")
    page = context.new_page()
    _sign_in(page, live_server.url, scanning.staff.email)
    page.goto(f"{live_server.url}/e/test-expo/scan/{gate_id}")
    _ready(page)
    context.set_offline(True)
    _type_code(page, code, "ok")
    return page, gate_id, side_id, badge_id


def test_queued_count_is_every_scan_waiting_on_the_device(scanning, live_server, launch_chromium):
    """One device, two scan points: each point's page uploads the scans queued at the
    other too, so its queued count is all of them (the side gate's page said "0"
    while the gate's scan waited)."""
    page, gate_id, side_id, badge_id = _queued_at_the_gate_signed_in(
        scanning, live_server, launch_chromium
    )
    context = page.context
    assert page.inner_text("#count-queue") == "1"

    # Back online, but the upload does not get through yet: the scan stays queued at
    # the gate while the device is taken to the side gate.
    context.route("**/api/checkin/scans", lambda route: route.abort())
    context.set_offline(False)
    page.goto(f"{live_server.url}/e/test-expo/scan/{side_id}")
    _ready(page)
    assert page.inner_text("#count-queue") == "1"
    queued = page.evaluate("window.kicxupScanner.db.getAll('queue')")
    assert [q["scan_point"] for q in queued] == [gate_id]

    # The network is back: the side gate's page sends the gate's scan to the gate.
    context.unroute("**/api/checkin/scans")
    _upload_queue(page)
    context.close()
    db.session.remove()
    rows = db.session.scalars(select(Scan).where(Scan.badge_id == badge_id)).all()
    assert [(r.result, r.scan_point_id, r.offline) for r in rows] == [("ok", gate_id, True)]


def test_scans_of_a_revoked_gate_device_are_shown_and_go_up_with_a_sign_in(
    scanning, live_server, launch_chromium, writing
):
    """A phone queued a scan at the gate offline; the organizer revoked the gate's
    device and set the phone up for the side gate. The side gate's page counts the
    gate's scan and warns it is refused; once staff sign in it goes up with the
    sign-in (it was sent with the revoked token only, and refused forever)."""
    badge_id, code = scanning.badges["attendee"].id, scanning.code("attendee")
    gate_id = scanning.points["gate"].id
    staff_email, staff_id = scanning.staff.email, scanning.staff.id
    side_path, _side = _setup_path(scanning, "side_gate", "same phone, side gate")
    page = _gate_scanner(scanning, live_server, launch_chromium, "gate phone")
    context = page.context
    context.set_offline(True)
    _type_code(page, code, "ok")
    [queued] = page.evaluate("window.kicxupScanner.db.getAll('queue')")
    assert queued["token"]
    with writing():
        for device in db.session.scalars(
            select(ScanDevice).where(ScanDevice.scan_point_id == gate_id)
        ):
            device.revoked_at = services.utcnow()
    context.set_offline(False)
    _set_up(page, live_server.url + side_path)
    _ready(page)
    page.evaluate("window.kicxupScanner.flushQueue()")
    warning = page.wait_for_selector("#upload-warning:not([hidden])", timeout=10000)
    assert "1 scan is not uploaded" in warning.inner_text()
    assert page.inner_text("#count-queue") == "1"

    other = context.new_page()
    _sign_in(other, live_server.url, staff_email)
    other.close()
    page.bring_to_front()
    page.click("#upload-retry")
    page.wait_for_function(
        "document.getElementById('count-queue').textContent === '0'", timeout=20000
    )
    assert not page.is_visible("#upload-warning")
    context.close()
    db.session.remove()
    rows = db.session.scalars(select(Scan).where(Scan.badge_id == badge_id)).all()
    assert [(r.scan_point_id, r.result, r.user_id) for r in rows] == [(gate_id, "ok", staff_id)]


def _server_busy_for(point_id):
    """A route answering 503 to scans and uploads of one scan point."""
    import json

    def busy(route):
        if json.loads(route.request.post_data or "{}").get("scan_point") == point_id:
            route.fulfill(status=503, body="busy")
        else:
            route.continue_()

    return busy


def test_each_reason_scans_are_held_up_is_said(scanning, live_server, launch_chromium, writing):
    """A tablet queued a gate scan under the gate's device, since revoked; an
    exhibitor signs in on it and scans at the booth while the server fails. The
    warning says both: the booth's scan waits for the server, and the gate's scan
    waits for someone who may scan at the gate (signing in again would not help
    the exhibitor: it was not "sign in again")."""

    gate_id, booth_id = scanning.points["gate"].id, scanning.points["alpha_booth"].id
    exhibitor_email, visitor = scanning.exhibitor_staff.email, scanning.code("outsider")
    page = _gate_scanner(scanning, live_server, launch_chromium, "borrowed tablet")
    context = page.context
    context.set_offline(True)
    _type_code(page, scanning.code("attendee"), "ok")
    with writing():
        for device in db.session.scalars(
            select(ScanDevice).where(ScanDevice.scan_point_id == gate_id)
        ):
            device.revoked_at = services.utcnow()
    context.set_offline(False)

    _sign_in(page, live_server.url, exhibitor_email)
    page.goto(f"{live_server.url}/e/test-expo/scan/{booth_id}")
    _ready(page)
    context.route("**/api/checkin/scan*", _server_busy_for(booth_id))
    _type_code(page, visitor, "ok")
    page.evaluate("window.kicxupScanner.flushQueue()")
    page.wait_for_function(
        "document.getElementById('scanner').dataset.uploadProblem === 'server forbidden'",
        timeout=10000,
    )
    text = page.inner_text("#upload-warning-text")
    assert "1 scan is not uploaded yet: the server refused the upload (HTTP 503)" in text
    assert "1 scan made at another scan point is not uploaded" in text
    assert not page.is_visible("#upload-signin") and page.inner_text("#count-queue") == "2"
    context.close()


def test_two_other_points_held_up_for_different_reasons_are_both_said(
    scanning, live_server, launch_chromium
):
    """Staff's tablet holds a scan queued at the gate (staff may scan there; the
    server is busy, 503) and one queued at a booth (staff may not scan there,
    403). Both go up from the side gate's page: the warning says each reason, it does
    not file both scans under the last one's."""
    page, gate_id, side_id, _badge_id = _queued_at_the_gate_signed_in(
        scanning, live_server, launch_chromium
    )
    context, booth_id = page.context, scanning.points["alpha_booth"].id
    # The same kind of queued scan, made at the booth (a tablet an exhibitor used).
    page.evaluate(
        """async (booth) => {
          const db = window.kicxupScanner.db;
          const [item] = await db.getAll('queue');
          await db.put('queue', { ...item, nonce: item.nonce + 'b', scan_point: booth,
                                  token: null, queued: (item.queued || 0) + 1 });
        }""",
        booth_id,
    )
    context.route("**/api/checkin/scan*", _server_busy_for(gate_id))
    context.set_offline(False)
    page.goto(f"{live_server.url}/e/test-expo/scan/{side_id}")
    _ready(page)
    page.evaluate("window.kicxupScanner.flushQueue()")
    page.wait_for_function(
        "document.getElementById('scanner').dataset.uploadProblem === 'server forbidden'",
        timeout=10000,
    )
    text = page.inner_text("#upload-warning-text")
    assert page.inner_text("#count-queue") == "2"
    assert "1 scan is not uploaded yet: the server refused the upload (HTTP 503)" in text
    assert "1 scan made at another scan point is not uploaded" in text
    context.close()


def test_a_scan_made_after_the_token_was_refused_is_kept_without_it(
    scanning, live_server, launch_chromium, writing
):
    """The server refused the device (revoked): a scan queued after that is stored
    to go up with the sign-in, not with the token it knows is dead."""
    page = _gate_scanner(scanning, live_server, launch_chromium, "refused tablet")
    gate_id, code = scanning.points["gate"].id, scanning.code("attendee")
    with writing():
        for device in db.session.scalars(
            select(ScanDevice).where(ScanDevice.scan_point_id == gate_id)
        ):
            device.revoked_at = services.utcnow()
    page.evaluate("document.getElementById('result').dataset.status = 'waiting'")
    page.fill("#code-input", code)
    page.press("#code-input", "Enter")
    page.wait_for_selector("#upload-warning:not([hidden])", timeout=10000)
    [queued] = page.evaluate("window.kicxupScanner.db.getAll('queue')")
    assert queued["token"] is None


def _fake_camera(launch_chromium, scanning, tmp_path, who="attendee"):
    video = write_y4m(tmp_path / "badge.y4m", badge_frame(scanning.badges[who], tmp_path))
    return launch_chromium(
        [
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ]
    )


def test_two_quick_taps_on_start_camera_start_one_camera(
    scanning, live_server, launch_chromium, tmp_path
):
    """A double tap used to start two scanners; the first one's failure then tore
    down the one in use, leaving a hidden video that scanned nothing."""
    path, _device = _setup_path(scanning, "gate", "double tap")
    page = _fake_camera(launch_chromium, scanning, tmp_path).new_context(locale="en-US").new_page()
    _set_up(page, live_server.url + path)
    _ready(page)
    page.dblclick("#camera-toggle")
    page.wait_for_selector("#result[data-status='ok']", timeout=30000)
    assert page.get_attribute("#scanner", "data-camera") == "on"
    assert page.is_visible("#camera")
    page.click("#camera-toggle")
    assert page.get_attribute("#scanner", "data-camera") == "off"
    assert page.inner_text("#camera-toggle") == "Start camera"


TOUCH_TABLET = {"has_touch": True, "is_mobile": True, "viewport": {"width": 800, "height": 1280}}


@pytest.mark.parametrize("device", ["desk", "touch tablet"])
def test_hand_scanner_while_the_camera_button_has_focus(
    scanning, live_server, launch_chromium, device
):
    """After a tap on "Start camera" the focus stays on that button: a hand scanner's
    code is still scanned, and its Enter does not press the button. A gate tablet
    with a Bluetooth hand scanner has a touch screen: there the page used to leave
    such keys alone, and the badge did nothing."""
    options = TOUCH_TABLET if device == "touch tablet" else {}
    page = _gate_scanner(scanning, live_server, launch_chromium, device, **options)
    fine_pointer = page.evaluate("matchMedia('(pointer: fine)').matches")
    assert fine_pointer is (device == "desk")
    page.focus("#camera-toggle")
    page.evaluate("document.getElementById('result').dataset.status = 'waiting'")
    hand_scanner_types(page, scanning.code("staff"))
    page.wait_for_selector("#result[data-status='ok']", timeout=10000)
    assert page.get_attribute("#scanner", "data-camera") != "on"
    assert page.inner_text("#camera-note") == ""
    if device == "touch tablet":  # the on-screen keyboard stays down
        assert page.evaluate("document.activeElement.id") != "code-input"
    db.session.remove()
    assert db.session.scalars(select(Scan.result)).all() == ["ok"]


def test_scan_time_is_when_the_code_was_read(scanning, live_server, launch_chromium):
    """On a slow network scans wait for the ones before them; each keeps the time
    its code was read."""
    path, _device = _setup_path(scanning, "gate", "slow network")
    context = launch_chromium().new_context(locale="en-US")
    context.add_init_script(
        """
        const realFetch = window.fetch.bind(window);
        window.fetch = async (url, options) => {
          if (String(url).endsWith("/api/checkin/scan")) await new Promise((r) => setTimeout(r, 2500));
          return realFetch(url, options);
        };
        """
    )
    page = context.new_page()
    _set_up(page, live_server.url + path)
    _ready(page)
    read_at = page.evaluate(
        """async ([first, second]) => {
            window.kicxupScanner.handle(first);
            await new Promise((r) => setTimeout(r, 100));
            const at = new Date().toISOString();
            await window.kicxupScanner.handle(second);
            return at;
        }""",
        [scanning.code("attendee"), scanning.code("staff")],
    )
    staff_badge = scanning.badges["staff"].id
    db.session.remove()
    stored = db.session.scalar(select(Scan.scanned_at).where(Scan.badge_id == staff_badge))
    read = datetime.fromisoformat(read_at.replace("Z", "+00:00"))
    assert abs((stored.replace(tzinfo=stored.tzinfo or UTC) - read).total_seconds()) < 1


def test_a_scan_the_server_refuses_is_judged_on_the_device(
    scanning, live_server, launch_chromium, writing
):
    """The device's set-up code was withdrawn while the page was open: a genuine
    badge gets the device's own answer (green, "not uploaded"), not a red error,
    and the scan is uploaded with that answer once staff sign in."""
    path, device = _setup_path(scanning, "gate", "withdrawn")
    badge_id, code = scanning.badges["attendee"].id, scanning.code("attendee")
    staff_email = scanning.staff.email
    context = launch_chromium().new_context(locale="en-US")
    page = context.new_page()
    _set_up(page, live_server.url + path)
    _ready(page)
    device_id = device.id
    with writing():
        db.session.get(ScanDevice, device_id).revoked_at = services.utcnow()
    _type_code(page, code, "ok")
    assert "not uploaded" in page.inner_text("#result-status")
    assert page.inner_text("#result-name") == "Attendee"
    assert page.inner_text("#count-queue") == "1"
    page.wait_for_selector("#upload-warning:not([hidden])", timeout=5000)

    other = context.new_page()
    _sign_in(other, live_server.url, staff_email)
    other.close()
    _upload_queue(page)
    assert "answered differently" not in page.inner_text("#sync-note")
    db.session.remove()
    assert db.session.scalars(select(Scan.result).where(Scan.badge_id == badge_id)).all() == ["ok"]


def test_a_reprint_after_the_last_sync_is_not_called_invalid_offline(
    scanning, live_server, launch_chromium, writing
):
    """A badge reprinted after the scanner last synced is signed by the organizer:
    offline it is unverified (check the person), not "invalid"; the server admits
    it on upload."""
    from eventapp.badges import services as badges
    from eventapp.badges.models import Badge

    path, _device = _setup_path(scanning, "gate", "reprint")
    context = launch_chromium().new_context(locale="en-US")
    page = context.new_page()
    _set_up(page, live_server.url + path)
    _ready(page)
    badge_id = scanning.badges["attendee"].id
    with writing():
        badge = db.session.get(Badge, badge_id)
        badges.reissue_badge(badge)
    new_code = badges.badge_code(badge)

    context.set_offline(True)
    _type_code(page, new_code, "unverified")
    assert "issued after this scanner's last update" in page.inner_text("#result-message")
    # The device checked the signature: it has its data, unlike a scanner never set up.
    assert "checked on this device" in page.inner_text("#sync-note")
    assert "마지막 업데이트" in page.inner_text("#result-message-other")
    context.set_offline(False)
    _upload_queue(page)
    db.session.remove()
    assert db.session.scalars(select(Scan.result).where(Scan.badge_id == badge_id)).all() == ["ok"]


def _deploy_new_version(monkeypatch, name):
    """As if a deploy changed the static file `name`: its address gets version
    0123456789ab. Returns the real versioning, to undo it."""
    from eventapp.core import static_files

    real = static_files.static_version
    monkeypatch.setattr(
        static_files,
        "static_version",
        lambda folder, asset: "0123456789ab" if asset == name else real(folder, asset),
    )
    return real


def _page_with_worker(scanning, live_server, launch_chromium, label):
    """A gate scanner page whose service worker is ready: (context, page, its cache)."""
    path, _device = _setup_path(scanning, "gate", label)
    context = launch_chromium().new_context(locale="en-US")
    page = context.new_page()
    _set_up(page, live_server.url + path)
    _ready(page)
    page.wait_for_selector("#scanner[data-sw='ready']", timeout=15000)
    return context, page, page.get_attribute("#scanner", "data-sw-cache")


def test_after_a_deploy_the_page_runs_the_new_script(
    scanning, live_server, launch_chromium, monkeypatch
):
    """The service worker serves static files from its cache. After a deploy that
    changes scanner.js, the next load must run the new script beside the new page
    (it used to get the cached old one, matched without the version)."""

    context, page, old_cache = _page_with_worker(scanning, live_server, launch_chromium, "deploy")
    # Another scan point's page, opened on this phone before the deploy.
    other_page = f"{live_server.url}/e/test-expo/scan/999"
    page.evaluate(
        "async ([name, url]) => (await caches.open(name)).put(url, new Response('other point'))",
        [old_cache, other_page],
    )

    _deploy_new_version(monkeypatch, "checkin/scanner.js")

    def new_script(route):
        response = route.fetch()
        route.fulfill(response=response, body=response.text() + "\nwindow.deployed = 'new';\n")

    context.route("**/static/checkin/scanner.js?v=0123456789ab", new_script)
    page.reload()
    _ready(page)
    assert page.evaluate("window.deployed || 'old'") == "new"
    # The new worker (its cache named after the new files) took over and dropped
    # the old cache.
    new_cache = page.get_attribute("#scanner", "data-sw-cache")
    assert new_cache != old_cache
    swapped = page.evaluate(
        """async ([old, fresh]) => {
            for (let i = 0; i < 100; i++) {
                const keys = await caches.keys();
                if (!keys.includes(old) && keys.includes(fresh)) return true;
                await new Promise((r) => setTimeout(r, 100));
            }
            return false;
        }""",
        [old_cache, new_cache],
    )
    assert swapped
    carried = page.evaluate(
        "async ([name, url]) => { const r = await (await caches.open(name)).match(url);"
        " return r ? r.text() : null; }",
        [new_cache, other_page],
    )
    assert carried == "other point"


def test_a_deploy_half_downloaded_keeps_the_old_offline_copy(
    scanning, live_server, launch_chromium, monkeypatch
):
    """Weak Wi-Fi during a deploy: one new file fails to download. The new worker
    used to take over anyway and drop the old cache, leaving a scanner that would not
    start offline; now its install fails and the old worker keeps its cache."""
    from eventapp.core import static_files

    context, page, old_cache = _page_with_worker(
        scanning, live_server, launch_chromium, "half deploy"
    )

    real = _deploy_new_version(monkeypatch, "checkin/offline.js")

    def worker_download_fails(route):
        # The page gets the file; the new worker's copy for offline use does not.
        if route.request.service_worker is not None:
            route.abort()
        else:
            route.continue_()

    context.route("**/static/checkin/offline.js?v=0123456789ab", worker_download_fails)
    page.reload()
    _ready(page)
    kept = page.evaluate(
        """async (name) => {
            const registration = await navigator.serviceWorker.getRegistration();
            await registration.update().catch(() => null);
            for (let i = 0; i < 50; i++) {
                if (!(await caches.keys()).includes(name)) return false;
                await new Promise((r) => setTimeout(r, 100));
            }
            return true;
        }""",
        old_cache,
    )
    assert kept
    monkeypatch.setattr(static_files, "static_version", real)
    context.unroute("**/static/checkin/offline.js?v=0123456789ab")
    context.set_offline(True)
    page.reload()
    _ready(page)


def test_a_refused_config_refresh_does_not_paint_the_result_red(
    scanning, live_server, launch_chromium, writing
):
    """The device's set-up code is withdrawn. Its scans are judged on the device and
    kept; the config refresh (every 2 minutes, and when the network returns) used to
    show a red error with the buzz, with nobody scanned."""
    path, device = _setup_path(scanning, "gate", "refresh")
    context = launch_chromium().new_context(locale="en-US")
    page = context.new_page()
    _set_up(page, live_server.url + path)
    _ready(page)
    code, device_id = scanning.code("attendee"), device.id
    with writing():
        db.session.get(ScanDevice, device_id).revoked_at = services.utcnow()
    _type_code(page, code, "ok")
    recent = page.inner_text("#recent")
    context.set_offline(True)
    page.wait_for_timeout(300)
    context.set_offline(False)  # 'online': the config is fetched again, and refused
    page.wait_for_function(
        "document.getElementById('sync-note').textContent.includes('not (or no longer) allowed')",
        timeout=10000,
    )
    assert page.get_attribute("#result", "data-status") == "ok"
    assert page.inner_text("#recent") == recent


def test_on_weak_wifi_the_stored_config_judges_at_once(scanning, live_server, launch_chromium):
    """Reopened on weak Wi-Fi, the page waited up to 15 s for a fresh config before
    using the one it holds; a scan meanwhile was 'unverified' though the device
    could check it."""
    page = _gate_scanner(scanning, live_server, launch_chromium, "stored config")
    held = []
    page.context.route("**/api/checkin/points/*/config", lambda route: held.append(route))
    page.context.route("**/api/checkin/scan", lambda route: route.abort())
    page.reload()
    page.wait_for_selector("#scanner[data-ready='1']", timeout=5000)
    _type_code(page, scanning.code("attendee"), "ok")
    assert held  # the fresh config was still on its way
    assert page.inner_text("#count-queue") == "1"


def test_an_answer_whose_body_stalls_is_kept_for_upload(
    scanning, live_server, launch_chromium, app, monkeypatch
):
    """Weak Wi-Fi: the answer's headers arrive, its body does not. The time limit
    used to end with the headers, and the scan (and every scan after it) waited for
    the body; now the scan is judged on the device and queued."""
    from flask import Response

    code = scanning.code("attendee")
    page = _gate_scanner(scanning, live_server, launch_chromium, "stalled body")
    release = threading.Event()

    def stalled(*args, **kwargs):
        def body():
            yield b'{"status": '
            release.wait(40)
            yield b'"ok"}'

        return Response(body(), mimetype="application/json")

    monkeypatch.setitem(app.view_functions, "checkin.api.scan", stalled)
    try:
        _type_code(page, code, "ok")  # within the 6 s limit plus the local check
        assert page.inner_text("#count-queue") == "1"
    finally:
        release.set()


def test_a_badge_admitted_while_the_network_failed_is_not_admitted_again(
    scanning, live_server, launch_chromium
):
    """Weak Wi-Fi: the first scan's request fails, the device admits the badge and
    queues the scan. Handed back over the fence and scanned again once the request
    goes through, the server (not knowing the queued scan) says ok: the gate must
    see "already", from the device's own record."""
    code = scanning.code("attendee")
    badge_id = scanning.badges["attendee"].id
    page = _gate_scanner(scanning, live_server, launch_chromium, "fence")
    page.context.route("**/api/checkin/scan", lambda route: route.abort())
    # The queued scan does not go up before the second scan (see flushQueue).
    page.context.route("**/api/checkin/scans", lambda route: route.fulfill(status=503))
    _type_code(page, code, "ok")
    assert page.inner_text("#count-queue") == "1"
    page.context.unroute("**/api/checkin/scan")
    _wait_online(page)
    _type_code(page, code, "already_checked_in")
    assert "admitted on this scanner before" in page.inner_text("#result-status")
    assert page.inner_text("#count-ok") == "1"
    page.context.unroute("**/api/checkin/scans")
    _upload_queue(page)
    db.session.remove()
    results = db.session.scalars(select(Scan.result).where(Scan.badge_id == badge_id)).all()
    assert sorted(results) == ["already_checked_in", "ok"]
    assert db.session.scalar(select(func.count()).select_from(CheckIn)) == 1


def test_a_server_error_is_not_called_offline(scanning, live_server, launch_chromium):
    """The server answers 503 (a deploy, an overloaded database): the network is up,
    so the page says online; the gate gets the device's own answer, the scan is
    queued with a note naming the server's status, and uploaded once it recovers."""
    code = scanning.code("attendee")
    badge_id = scanning.badges["attendee"].id
    page = _gate_scanner(scanning, live_server, launch_chromium, "busy server")
    page.context.route(
        "**/api/checkin/scan",
        lambda route: route.fulfill(status=503, body="Service Unavailable"),
    )
    _type_code(page, code, "ok")
    assert page.inner_text("#net-state") == "online"
    assert "not uploaded" in page.inner_text("#result-status")
    assert "HTTP 503" in page.inner_text("#sync-note")
    assert page.inner_text("#count-queue") == "1"
    page.wait_for_selector("#upload-warning:not([hidden])", timeout=5000)
    assert page.get_attribute("#scanner", "data-upload-problem") == "server"

    # The next scan goes through: the queued one follows at once, and the warning goes.
    page.context.unroute("**/api/checkin/scan")
    _type_code(page, scanning.code("staff"), "ok")
    page.wait_for_function(
        "document.getElementById('count-queue').textContent === '0'", timeout=5000
    )
    page.wait_for_selector("#upload-warning", state="hidden", timeout=5000)
    db.session.remove()
    [row] = db.session.scalars(select(Scan).where(Scan.badge_id == badge_id)).all()
    assert row.result == "ok" and row.offline


@pytest.mark.parametrize("off_by", [timedelta(days=-1), timedelta(hours=3)])
def test_a_scanner_whose_clock_is_off_dates_its_scans_by_the_servers(
    scanning, live_server, launch_chromium, off_by
):
    """A tablet set a day behind (or hours ahead) by hand: its scans used to carry
    that time, and a day behind checked visitors in for yesterday. The page corrects
    its clock by the server's, online and then offline."""
    path, _device = _setup_path(scanning, "gate", "wrong clock")
    attendee, staff = scanning.code("attendee"), scanning.code("staff")
    staff_badge = scanning.badges["staff"].id
    today = scanning.event.days[0]
    context = launch_chromium().new_context(locale="en-US")
    page = context.new_page()
    page.clock.set_fixed_time(datetime.now(UTC) + off_by)
    _set_up(page, live_server.url + path)
    _ready(page)
    _type_code(page, attendee, "ok")
    context.set_offline(True)
    _type_code(page, staff, "ok")
    context.set_offline(False)
    _upload_queue(page)
    db.session.remove()
    rows = db.session.scalars(select(Scan).order_by(Scan.id)).all()
    assert [(r.result, r.offline, r.day) for r in rows] == [
        ("ok", False, today),
        ("ok", True, today),
    ]
    now = datetime.now(UTC)
    assert all(abs(r.scanned_at - now) < timedelta(minutes=2) for r in rows)
    checkin = db.session.scalar(select(CheckIn).where(CheckIn.badge_id == staff_badge))
    assert checkin.day == today


def test_a_clock_set_right_while_the_page_was_out_of_view_is_noticed(
    scanning, live_server, launch_chromium, server_clock
):
    """A tablet set a day behind by hand: the page dates its scans by the server's
    clock. The phone goes into a pocket, sleeps two hours, and its automatic time sets
    the clock right meanwhile: the step (a day and two hours) looks like neither the
    correction nor a sleep. The page kept the correction and dated the scans a day
    ahead until its next look at the server, minutes later; offline, not at all. It
    asks the server again as it comes back into view."""
    day1 = scanning.event.days[0]
    heard = server_clock(0, time(10, 0))
    page = _gate_scanner(
        scanning, live_server, launch_chromium, "set right", heard - timedelta(days=1)
    )
    page.wait_for_function("document.getElementById('scanner').dataset.clockOffset")
    assert int(page.get_attribute("#scanner", "data-clock-offset")) == 86_400_000

    _show(page, "hidden")
    later = server_clock(0, time(12, 0))
    page.clock.set_fixed_time(later)
    _show(page, "visible")
    page.wait_for_function(
        "document.getElementById('scanner').dataset.clockOffset === '0'", timeout=10000
    )
    page.context.set_offline(True)
    _type_code(page, scanning.code("attendee"), "ok")
    [queued] = page.evaluate("window.kicxupScanner.db.getAll('queue')")
    assert queued["scanned_at"].startswith(later.strftime("%Y-%m-%dT%H:%M"))
    page.context.set_offline(False)
    _upload_queue(page)
    db.session.remove()
    row = db.session.scalars(select(Scan)).one()
    assert abs(row.scanned_at - later) < timedelta(minutes=1)
    assert (row.result, row.offline, row.day) == ("ok", True, day1)


def test_a_clock_reset_while_offline_is_corrected_on_upload(scanning, live_server, launch_chromium):
    """The tablet's clock falls back to 2000-01-01 while it is offline (a flat
    battery): its queued scan carries that time, and the upload says what the clock
    read when it was sent, so the server dates the scan right."""
    page = _gate_scanner(scanning, live_server, launch_chromium, "battery")
    badge_id = scanning.badges["attendee"].id
    page.context.set_offline(True)
    reset = datetime(2000, 1, 1, 0, 3, tzinfo=UTC)
    page.clock.set_fixed_time(reset)
    # Judged by the last time the server gave: a genuine badge, and staff are told.
    _type_code(page, scanning.code("attendee"), "ok")
    assert "clock went back" in page.inner_text("#sync-note")
    page.clock.set_fixed_time(reset + timedelta(minutes=1))
    page.context.set_offline(False)
    _upload_queue(page)
    db.session.remove()
    row = db.session.scalars(select(Scan).where(Scan.badge_id == badge_id)).one()
    assert (row.result, row.day) == ("ok", scanning.event.days[0])
    assert abs(row.scanned_at - (datetime.now(UTC) - timedelta(minutes=1))) < timedelta(minutes=1)


def test_a_live_scan_with_a_clock_that_went_back_is_recorded(
    scanning, live_server, launch_chromium
):
    """The tablet restarts online with its clock at 2000-01-01: its scans went with
    that time, were refused as implausible (a red error to a genuine visitor) and
    lost. A live scan now goes by the server's own time."""
    page = _gate_scanner(scanning, live_server, launch_chromium, "reset online")
    page.clock.set_fixed_time(datetime(2000, 1, 1, 0, 3, tzinfo=UTC))
    _type_code(page, scanning.code("attendee"), "ok")
    db.session.remove()
    row = db.session.scalars(select(Scan)).one()
    assert (row.result, row.offline, row.day) == ("ok", False, scanning.event.days[0])
    assert abs(row.scanned_at - datetime.now(UTC)) < timedelta(minutes=1)


def test_a_fresh_scanner_with_a_reset_clock_scans_live(
    scanning, live_server, launch_chromium, app, monkeypatch
):
    """A new tablet whose clock says 2000 (a flat battery), on Wi-Fi so weak that its
    config takes over 5 s: it has no server time to correct its clock by, and sends
    that time. The server used to refuse it as implausible: a genuine visitor got a
    red error and the scan was neither recorded nor queued."""
    config = app.view_functions["checkin.api.config"]

    def slow_config(*args, **kwargs):
        threading.Event().wait(5.5)  # too slow to measure the clock by
        return config(*args, **kwargs)

    monkeypatch.setitem(app.view_functions, "checkin.api.config", slow_config)
    path, _device = _setup_path(scanning, "gate", "fresh tablet")
    page = launch_chromium().new_context(locale="en-US").new_page()
    page.clock.install(time=datetime(2000, 1, 1, 0, 3, tzinfo=UTC))
    _set_up(page, live_server.url + path)
    page.wait_for_selector("#scanner[data-ready='1']", timeout=30000)
    before = datetime.now(UTC)
    _type_code(page, scanning.code("attendee"), "ok")
    assert page.evaluate("window.kicxupScanner.db.getAll('queue')") == []
    db.session.remove()
    [row] = db.session.scalars(select(Scan)).all()
    assert row.result == "ok" and row.scanned_at >= before


RESET_CLOCK = datetime(2000, 1, 1, 0, 3, tzinfo=UTC)  # a flat battery's


def _cut_off(page, link=None):
    """Offline; with the page opened through `link` (a VenueLink), that is cut too:
    a page reloaded meanwhile may send a request before the emulation reaches it."""
    page.context.set_offline(True)
    page.context.route("**/api/checkin/**", lambda route: route.abort())
    if link is not None:
        link.cut()


def _back_online_at(page, moment, link=None):
    """The tablet's clock set to `moment` (by automatic time), then the network
    returns and the queue goes up."""
    page.clock.set_fixed_time(moment)
    if link is not None:
        link.restore()
    page.context.unroute("**/api/checkin/**")
    page.context.set_offline(False)
    _upload_queue(page)
    db.session.remove()


def _show(page, state):
    page.evaluate(
        """(state) => {
            Object.defineProperty(document, "visibilityState", { value: state, configurable: true });
            document.dispatchEvent(new Event("visibilitychange"));
        }""",
        state,
    )


def _wake(page, clock):
    """The tablet sleeps (the screen off hides the page) and wakes with its wall
    clock at `clock`: the page sees it as it comes back into view."""
    _show(page, "hidden")
    page.clock.set_fixed_time(clock)
    _show(page, "visible")


@pytest.mark.parametrize("page_reloaded", [False, True], ids=["page open", "page reloaded"])
def test_a_clock_reset_offline_and_set_right_before_the_upload(
    scanning, venue_link, launch_chromium, server_clock, page_reloaded
):
    """Day 1, 10:00: the gate is offline and a flat battery resets its tablet to 2000;
    a visitor is admitted. The tablet sleeps the night (its clock runs on), and next
    morning its automatic time sets the clock right as the network returns. The
    queued scan carried only the broken time, so it counted from the upload: checked
    in on day 2, not day 1. With the page open, the clock's step dates the scan;
    reloaded, the page no longer knows the step, and the scan says it came after the
    last time the server gave."""
    day1, day2 = scanning.event.days
    heard = server_clock(0, time(10, 0))
    page = _gate_scanner(scanning, venue_link, launch_chromium, "automatic time", heard)
    badge_id = scanning.badges["attendee"].id
    _cut_off(page, venue_link)
    page.clock.set_fixed_time(RESET_CLOCK)
    _type_code(page, scanning.code("attendee"), "ok")
    _wake(page, RESET_CLOCK + timedelta(hours=23))

    server_clock(1, time(9, 0))
    if page_reloaded:  # the clock set right while the page was out of view
        _show(page, "hidden")
        page.clock.set_fixed_time(_seoul(day2, time(9, 0)))
        page.reload()
        _ready(page)
    _back_online_at(page, _seoul(day2, time(9, 0)), venue_link)
    row = db.session.scalars(select(Scan).where(Scan.badge_id == badge_id)).one()
    checkin = db.session.scalars(select(CheckIn).where(CheckIn.badge_id == badge_id)).one()
    assert (row.day, checkin.day) == (day1, day1), row.answer
    if page_reloaded:
        assert abs(row.scanned_at - heard) < timedelta(seconds=30)
        assert row.answer["scan_time_refused"] == "clock_went_back"
    else:
        assert abs(row.scanned_at - _seoul(day1, time(10, 0))) < timedelta(minutes=1)
        assert "scan_time_refused" not in row.answer, row.answer


def test_a_tablet_reset_overnight_dates_the_mornings_scans_when_set_right(
    scanning, live_server, launch_chromium, server_clock
):
    """Day 1, 18:00: the tablet last hears the server. Its battery goes flat in the
    night, and on day 2 it restarts at the gate, offline, with its clock at 2000, and
    admits a visitor at 08:00. At 08:30 automatic time sets the clock right. The scan
    said only that it came after day 1, 18:00, and was filed under day 1."""
    day1, day2 = scanning.event.days
    heard = server_clock(0, time(18, 0))
    page = _gate_scanner(scanning, live_server, launch_chromium, "flat overnight", heard)
    _cut_off(page)
    page.clock.set_fixed_time(RESET_CLOCK)
    _type_code(page, scanning.code("attendee"), "ok")
    _wake(page, RESET_CLOCK + timedelta(minutes=30))

    server_clock(1, time(8, 31))
    _back_online_at(page, _seoul(day2, time(8, 30)))
    badge_id = scanning.badges["attendee"].id
    row = db.session.scalars(select(Scan).where(Scan.badge_id == badge_id)).one()
    checkin = db.session.scalars(select(CheckIn).where(CheckIn.badge_id == badge_id)).one()
    assert (row.day, checkin.day) == (day2, day2), row.answer
    assert abs(row.scanned_at - _seoul(day2, time(8, 0))) < timedelta(minutes=1)
    assert checkin.latest_at is None


def _day_of_entry(scanning, role="attendee"):
    """(the fair day of the badge's scan, of its check-in)."""
    badge_id = scanning.badges[role].id
    row = db.session.scalars(select(Scan).where(Scan.badge_id == badge_id)).one()
    checkin = db.session.scalars(select(CheckIn).where(CheckIn.badge_id == badge_id)).one()
    return row.day, checkin.day


@pytest.mark.parametrize(
    "clock_at_reset", [RESET_CLOCK, None], ids=["reset to 2000", "set back 15 minutes"]
)
def test_a_night_asleep_is_no_clock_set_right(
    scanning, live_server, launch_chromium, server_clock, clock_at_reset
):
    """Day 1, 17:50 the offline gate last heard the server; its clock goes back (a
    flat battery, or set back by hand) and it admits a visitor. It sleeps the night
    with the page open, and wakes on day 2 with a clock that is right (automatic time
    in the night) or has just caught up. The page saw one step as it woke, took it
    for the clock set right, and moved the scan by the night, to day 2."""
    day1, day2 = scanning.event.days
    heard = server_clock(0, time(17, 50))
    page = _gate_scanner(scanning, live_server, launch_chromium, "asleep", heard)
    _cut_off(page)
    page.clock.set_fixed_time(clock_at_reset or _seoul(day1, time(17, 40)))
    _type_code(page, scanning.code("attendee"), "ok")
    _wake(page, _seoul(day2, time(7, 40)))

    server_clock(1, time(7, 56))
    _back_online_at(page, _seoul(day2, time(7, 41)))
    assert _day_of_entry(scanning) == (day1, day1)


def _reset_at_the_gate(scanning, page):
    """Offline since day 1, 18:00 (weak Wi-Fi: every request fails), the tablet's
    clock reset to 2000; a visitor admitted."""
    page.context.route("**/api/checkin/**", lambda route: route.abort())
    page.clock.set_fixed_time(RESET_CLOCK)
    _type_code(page, scanning.code("attendee"), "ok")


@pytest.mark.parametrize("then_set_right", [False, True], ids=["learned", "learned, set right"])
def test_a_clock_error_learned_before_the_upload_dates_the_queue(
    scanning, live_server, launch_chromium, server_clock, then_set_right
):
    """Day 2, 08:00: the queue holds a scan from the reset clock. The Wi-Fi returns,
    the next visitor's scan goes live and the page learns its clock's error (and
    maybe automatic time then sets the clock right). The queue went up with `sent_at`
    corrected and the queued time not: the server saw no clock error and dated the
    scan by `not_before`, day 1."""
    day2 = scanning.event.days[1]
    heard = server_clock(0, time(18, 0))
    page = _gate_scanner(scanning, live_server, launch_chromium, "learned first", heard)
    _reset_at_the_gate(scanning, page)
    page.clock.set_fixed_time(RESET_CLOCK + timedelta(minutes=1))
    server_clock(1, time(8, 1))
    page.context.unroute("**/api/checkin/**")
    page.route("**/api/checkin/scans", lambda route: route.fulfill(status=503, body="{}"))
    _wait_online(page)
    _type_code(page, scanning.code("staff"), "ok")  # live: the page learns its error
    if then_set_right:
        page.clock.set_fixed_time(_seoul(day2, time(8, 2)))
        server_clock(1, time(8, 2))
    page.unroute("**/api/checkin/scans")
    _upload_queue(page)
    db.session.remove()
    assert _day_of_entry(scanning) == (day2, day2)


def test_a_day_2_gate_set_up_the_evening_before_admits_after_its_clock_went_back(
    scanning, live_server, launch_chromium, server_clock
):
    """The day 2 gate's tablet last heard the server on day 1 at 18:00; overnight its
    clock reset to 2000, and on day 2 the Wi-Fi is down. Judged at 18:00 on day 1 (the
    last server time), every visitor was "not valid today", and the day note said
    the gate admitted nobody: the gate admits on day 2 only, so it is day 2 at least.
    Uploaded, the entry is of day 2."""
    day2 = scanning.event.days[1]
    heard = server_clock(0, time(18, 0))
    page = _gate_scanner(scanning, live_server, launch_chromium, "day 2", heard, gate="day2_gate")
    _reset_at_the_gate(scanning, page)
    assert page.is_hidden("#day-note")
    server_clock(1, time(8, 1))
    _back_online_at(page, _seoul(day2, time(8, 1)))
    assert _day_of_entry(scanning) == (day2, day2)


def test_a_scan_under_way_when_the_clock_is_set_right_is_dated(
    scanning, live_server, launch_chromium, server_clock
):
    """Day 2 at the gate, the clock reset to 2000 and the Wi-Fi weak: a scan first
    tries the server (up to 6 s). Meanwhile automatic time sets the clock right. The
    page dated the queue as it stood, and the scan, queued a moment later, went up
    with only `not_before`: day 1."""
    day2 = scanning.event.days[1]
    heard = server_clock(0, time(18, 0))
    page = _gate_scanner(scanning, live_server, launch_chromium, "under way", heard)
    hanging = []
    page.context.route("**/api/checkin/**", lambda route: hanging.append(route))  # no answer
    page.clock.set_fixed_time(RESET_CLOCK)
    page.evaluate("document.getElementById('result').dataset.status = 'waiting'")
    page.fill("#code-input", scanning.code("attendee"))
    page.press("#code-input", "Enter")
    while not hanging:
        page.wait_for_timeout(50)
    page.clock.set_fixed_time(_seoul(day2, time(8, 0)))
    page.evaluate("window.kicxupScanner.flushQueue()")  # the page looks at the clock
    page.wait_for_selector("#result[data-status='ok']", timeout=15000)
    for route in hanging:
        route.abort()
    page.context.unroute("**/api/checkin/**")
    server_clock(1, time(8, 1))
    _back_online_at(page, _seoul(day2, time(8, 1)))
    assert _day_of_entry(scanning) == (day2, day2)


def test_a_long_queue_keeps_its_day_past_the_first_batch(
    scanning, live_server, launch_chromium, server_clock
):
    """101 scans queued from a clock reset to 2000. The network returns, the clock
    still wrong: the page uploads and refreshes its config at once. The first 100
    went up with the clock's own `sent_at`; by the second batch the config's answer
    had taught the page its clock's error, and the 101st scan was dated day 1."""
    day2 = scanning.event.days[1]
    heard = server_clock(0, time(18, 0))
    page = _gate_scanner(scanning, live_server, launch_chromium, "long queue", heard)
    _cut_off(page)
    page.clock.set_fixed_time(RESET_CLOCK)
    page.evaluate(
        """async (code) => {
            for (let i = 0; i < 100; i++) await window.kicxupScanner.handle(code);
        }""",
        scanning.code("attendee"),
    )
    _type_code(page, scanning.code("staff"), "ok")
    server_clock(1, time(8, 1))
    page.clock.set_fixed_time(RESET_CLOCK + timedelta(minutes=1))
    page.context.unroute("**/api/checkin/**")
    page.context.set_offline(False)  # the "online" event: upload and config refresh
    page.wait_for_function(
        "document.getElementById('count-queue').textContent === '0'", timeout=30000
    )
    db.session.remove()
    for role in ("attendee", "staff"):
        checkin = db.session.scalars(
            select(CheckIn).where(CheckIn.badge_id == scanning.badges[role].id)
        ).one()
        assert checkin.day == day2, role


def test_a_date_set_right_by_hand_keeps_earlier_scans_on_their_day(
    scanning, live_server, launch_chromium, server_clock
):
    """Day 2, 10:00: the tablet's clock is a day and 3 minutes behind (set by hand),
    and the page learned to add that. Offline, a visitor is admitted. Staff then set
    the date right, not the time: the step is not the learned correction to the
    minute, and the page took it for time going on. Back on weak Wi-Fi, the config
    answered first and its 3 minutes replaced the stretch's error: the queued scan
    was dated a day early."""
    day1, day2 = scanning.event.days
    heard = server_clock(1, time(10, 0))
    page = _gate_scanner(
        scanning, live_server, launch_chromium, "day off", heard - timedelta(days=1, minutes=3)
    )
    assert int(page.get_attribute("#scanner", "data-clock-offset")) > 86_000_000
    _cut_off(page)
    _type_code(page, scanning.code("attendee"), "ok")
    # Staff set the date right; the time stays 3 minutes slow.
    page.clock.set_fixed_time(heard + timedelta(minutes=1) - timedelta(minutes=3))
    page.evaluate("window.kicxupScanner.flushQueue()")  # the page looks at the clock
    server_clock(1, time(10, 2))
    page.context.unroute("**/api/checkin/**")
    page.route("**/api/checkin/scans", lambda route: route.fulfill(status=503, body="{}"))
    page.context.set_offline(False)
    page.wait_for_function(
        "Math.abs(Number(document.getElementById('scanner').dataset.clockOffset)) < 600000",
        timeout=20000,
    )
    page.unroute("**/api/checkin/scans")
    _upload_queue(page)
    db.session.remove()
    assert _day_of_entry(scanning) == (day2, day2)


@pytest.mark.parametrize("other_tab", [False, True], ids=["alone", "side gate tab open"])
def test_a_learned_stretch_error_survives_another_scan_points_tab(
    scanning, live_server, launch_chromium, server_clock, other_tab
):
    """Day 2, the gate's tablet restarted with its clock at 2000 and admitted a
    visitor offline; automatic time set the clock right with the page in view, and
    the page stored the clock's error. The side gate's page, open in another tab,
    refreshed its config and wrote its own old copy of the errors over it; the gate
    page, reloaded before its queue got through, sent the scan with only
    `not_before`: day 1."""
    day1, day2 = scanning.event.days
    gate_id, side_id = scanning.points["gate"].id, scanning.points["side_gate"].id
    heard = server_clock(0, time(18, 0))
    context = launch_chromium().new_context(locale="en-US")
    gate = context.new_page()
    _sign_in(gate, live_server.url, scanning.staff.email)
    context.clock.set_fixed_time(heard)
    gate.goto(f"{live_server.url}/e/test-expo/scan/{gate_id}")
    _ready(gate)
    side = context.new_page()
    side.goto(f"{live_server.url}/e/test-expo/scan/{side_id}")
    _ready(side)

    gate.route("**/api/checkin/**", lambda route: route.abort())  # weak Wi-Fi at the gate
    side.route("**/api/checkin/**", lambda route: route.abort())
    context.clock.set_fixed_time(RESET_CLOCK)
    _type_code(gate, scanning.code("attendee"), "ok")
    context.clock.set_fixed_time(_seoul(day2, time(8, 0)))  # automatic time, page in view
    gate.evaluate("window.kicxupScanner.flushQueue()")
    stored = gate.evaluate("JSON.parse(localStorage.getItem('kicxup-clock-stretches'))")
    assert any(abs(v) > 10**11 for v in stored.values()), stored

    server_clock(1, time(8, 1))
    if other_tab:  # the side gate's config refresh gets through
        side.unroute("**/api/checkin/**")
        side.evaluate("window.dispatchEvent(new Event('online'))")
        side.wait_for_timeout(2000)
    gate.unroute("**/api/checkin/**")
    gate.reload()
    _ready(gate)
    _upload_queue(gate)
    db.session.remove()
    assert _day_of_entry(scanning) == (day2, day2)


def test_a_sleep_as_long_as_the_clocks_error_keeps_the_correction(
    scanning, live_server, launch_chromium
):
    """The tablet's clock is ten minutes slow, and it sleeps ten minutes offline: its
    wall clock went on, the page's monotonic clock stood still, which looks like the
    clock set right by ten minutes. The page dropped its correction, and its scans
    went ten minutes early."""
    path, _device = _setup_path(scanning, "gate", "asleep")
    page = launch_chromium().new_context(locale="en-US").new_page()
    slow = timedelta(minutes=10)
    page.clock.set_fixed_time(datetime.now(UTC) - slow)
    _set_up(page, live_server.url + path)
    _ready(page)
    learned = int(page.get_attribute("#scanner", "data-clock-offset"))
    assert abs(learned - slow.total_seconds() * 1000) < 30_000
    page.context.set_offline(True)
    page.clock.set_fixed_time(datetime.now(UTC))  # ten minutes later, still slow
    _type_code(page, scanning.code("attendee"), "ok")
    assert page.get_attribute("#scanner", "data-clock-offset") == str(learned)
    [queued] = page.evaluate("window.kicxupScanner.db.getAll('queue')")
    scanned = datetime.fromisoformat(queued["scanned_at"].replace("Z", "+00:00"))
    assert abs(scanned - (datetime.now(UTC) + slow)) < timedelta(minutes=1)


def test_queued_scans_go_up_in_the_order_they_were_made(
    scanning, live_server, launch_chromium, server_clock
):
    """Offline at 10:00 the gate admits a visitor; then a flat battery resets the
    tablet to 2000, and the visitor, back at the gate, is "already" in. The queue went
    up sorted by the scans' times, the reset clock's first: the server answered that
    later scan `ok`, unlike the gate, and only the 10:00 scan's upload put it right."""
    day1 = scanning.event.days[0]
    heard = server_clock(0, time(10, 0))
    page = _gate_scanner(scanning, live_server, launch_chromium, "queue order", heard)
    page.clock.set_fixed_time(_seoul(day1, time(10, 0)))
    _cut_off(page)
    _type_code(page, scanning.code("attendee"), "ok")
    page.clock.set_fixed_time(RESET_CLOCK)
    _type_code(page, scanning.code("attendee"), "already_checked_in")

    server_clock(0, time(12, 0))
    _back_online_at(page, _seoul(day1, time(12, 0)))
    badge_id = scanning.badges["attendee"].id
    rows = db.session.scalars(select(Scan).where(Scan.badge_id == badge_id)).all()
    uploaded = sorted(rows, key=lambda row: row.id)
    assert [row.answer["status"] for row in uploaded] == ["ok", "already_checked_in"]
    checkin = db.session.scalars(select(CheckIn).where(CheckIn.badge_id == badge_id)).one()
    assert checkin.checked_in_at == _seoul(day1, time(10, 0))


def test_a_clock_set_right_while_offline_drops_the_learned_correction(
    scanning, live_server, launch_chromium
):
    """The tablet's date was a day behind: the page learned to add a day. Offline,
    staff set the date right; the page went on adding the day and judged by
    tomorrow, so at a gate open only tomorrow today's visitor was shown green."""
    path, _device = _setup_path(scanning, "day2_gate", "set right")
    context = launch_chromium().new_context(locale="en-US")
    page = context.new_page()
    page.clock.set_fixed_time(datetime.now(UTC) - timedelta(days=1))
    _set_up(page, live_server.url + path)
    _ready(page)
    assert int(page.get_attribute("#scanner", "data-clock-offset")) > 86_000_000
    context.set_offline(True)
    page.clock.set_fixed_time(datetime.now(UTC))  # the date set right
    _type_code(page, scanning.code("attendee"), "not_valid_today")
    assert page.get_attribute("#scanner", "data-clock-offset") == "0"


def test_a_server_error_on_reload_opens_the_saved_scanner(
    scanning, live_server, launch_chromium, app, monkeypatch
):
    """During a deploy the server answers 503 at once: staff reloading the gate page
    get the saved scanner (which scans and queues), not the error page."""
    page = _gate_scanner(scanning, live_server, launch_chromium, "deploy")
    monkeypatch.setitem(
        app.view_functions, "checkin.scanner", lambda *a, **k: ("Service Unavailable", 503)
    )
    page.reload()
    assert "Service Unavailable" not in page.content()
    _ready(page)


def test_a_scan_that_could_not_be_queued_is_not_remembered_as_admitted(
    scanning, live_server, launch_chromium
):
    """Storage full: the scan is refused with an error, and the visitor's next try is
    admitted (it used to say "already checked in" though nothing was queued)."""
    code = scanning.code("attendee")
    page = _gate_scanner(scanning, live_server, launch_chromium, "full tablet")
    page.context.set_offline(True)
    page.context.route("**/api/checkin/**", lambda route: route.abort())
    page.evaluate(
        """() => {
      const put = IDBObjectStore.prototype.put; let failed = false;
      IDBObjectStore.prototype.put = function (...args) {
        if (this.name === "queue" && !failed) {
          failed = true;
          throw new DOMException("The quota has been exceeded.", "QuotaExceededError");
        }
        return put.apply(this, args);
      };
    }"""
    )
    _type_code(page, code, "error")
    assert page.inner_text("#count-queue") == "0"
    _type_code(page, code, "ok")
    assert page.inner_text("#count-queue") == "1"


def test_the_days_count_starts_again_at_midnight(
    scanning, live_server, launch_chromium, monkeypatch
):
    day0, day1 = scanning.event.days[0], scanning.event.days[1]
    now = [_seoul(day0, time(23, 59, 30))]
    monkeypatch.setattr(services, "utcnow", lambda: now[0].astimezone(UTC))
    page = _gate_scanner(scanning, live_server, launch_chromium, "night gate", clock=now[0])
    _type_code(page, scanning.code("attendee"), "ok")
    assert page.inner_text("#count-ok") == "1"
    now[0] = _seoul(day1, time(0, 0, 10))
    page.clock.set_fixed_time(now[0])
    _type_code(page, "K1NOTABADGE", "invalid")
    assert page.inner_text("#count-ok") == "0"


def test_scans_queued_before_the_tablet_moves_to_another_point_are_uploaded(
    scanning, live_server, launch_chromium
):
    """The gate's tablet queues a scan offline, and is set up for the side gate before
    the upload gets through: the gate's page no longer opens on it, so the side gate's
    page uploads the gate's scan, with the gate's token, to the gate."""
    badge_id, code = scanning.badges["attendee"].id, scanning.code("attendee")
    gate_id = scanning.points["gate"].id
    side_path, _side = _setup_path(scanning, "side_gate", "same tablet, side gate")
    page = _gate_scanner(scanning, live_server, launch_chromium, "gate tablet")
    context = page.context
    context.set_offline(True)
    context.route("**/api/checkin/**", lambda route: route.abort())
    _type_code(page, code, "ok")
    assert page.inner_text("#count-queue") == "1"
    context.route("**/api/checkin/scans", lambda route: route.abort())
    context.unroute("**/api/checkin/**")
    context.set_offline(False)
    _set_up(page, live_server.url + side_path)
    _ready(page)
    context.unroute("**/api/checkin/scans")
    page.evaluate("window.kicxupScanner.flushQueue()")  # awaited: the upload is done
    assert page.evaluate("window.kicxupScanner.db.getAll('queue')") == []
    db.session.remove()
    uploaded = db.session.scalars(select(Scan).where(Scan.badge_id == badge_id)).all()
    assert [(s.scan_point_id, s.result) for s in uploaded] == [(gate_id, "ok")]


def test_a_signed_in_persons_scans_queued_at_one_point_go_up_from_the_next(
    scanning, live_server, launch_chromium
):
    """Signed in, a staff member queues a scan at the gate, then walks to the side gate
    before the network is back: the side gate's page uploads the gate's scan, with the
    sign-in, to the gate."""
    page, gate_id, side_id, badge_id = _queued_at_the_gate_signed_in(
        scanning, live_server, launch_chromium
    )
    context = page.context
    assert page.evaluate("window.kicxupScanner.db.getAll('queue')")[0]["token"] is None
    context.set_offline(False)
    page.goto(f"{live_server.url}/e/test-expo/scan/{side_id}")
    _ready(page)
    page.evaluate("window.kicxupScanner.flushQueue()")  # awaited: the upload is done
    assert page.evaluate("window.kicxupScanner.db.getAll('queue')") == []
    context.close()
    db.session.remove()
    uploaded = db.session.scalars(select(Scan).where(Scan.badge_id == badge_id)).all()
    assert [(s.scan_point_id, s.result, s.offline, s.user_id) for s in uploaded] == [
        (gate_id, "ok", True, scanning.staff.id)
    ]


def test_an_upload_asked_for_while_one_runs_waits_for_it(scanning, live_server, launch_chromium):
    """The page's own upload (coming online) was under way when another was asked
    for: that call returned at once, saying nothing of the scan still going up."""
    page = _gate_scanner(scanning, live_server, launch_chromium, "busy tablet")
    context = page.context
    context.set_offline(True)
    _type_code(page, scanning.code("attendee"), "ok")

    def slow(route):
        clock.sleep(0.5)
        route.continue_()

    context.route("**/api/checkin/scans", slow)
    context.set_offline(False)
    left = page.evaluate(
        """async () => {
          const scanner = window.kicxupScanner;
          scanner.flushQueue();  // under way
          await scanner.flushQueue();  // asked for meanwhile
          return (await scanner.db.getAll('queue')).length;
        }"""
    )
    assert left == 0


def test_an_upload_answered_otherwise_lists_whom_it_concerns(
    scanning, live_server, launch_chromium
):
    """The gate tablet admits a visitor offline, who had come in at the side gate
    minutes before: on upload the server answers "already checked in", and the recent
    list says so under the visitor's name, not only as a count."""
    other = services.create_device(scanning.points["side_gate"], label="side", hours=24)
    db.session.commit()
    token = services.device_token(other)
    page = _gate_scanner(scanning, live_server, launch_chromium, "gate tablet")
    answer = page.request.post(
        live_server.url + "/api/checkin/scan",
        data={
            "scan_point": scanning.points["side_gate"].id,
            "code": scanning.code("attendee"),
            "nonce": "side-gate-1",
        },
        headers={"X-Device-Token": token},
    )
    assert answer.ok and answer.json()["status"] == "ok"
    page.context.set_offline(True)
    page.context.route("**/api/checkin/**", lambda route: route.abort())
    _type_code(page, scanning.code("attendee"), "ok")
    _type_code(page, scanning.code("staff"), "ok")
    page.context.unroute("**/api/checkin/**")
    page.context.set_offline(False)
    _upload_queue(page)
    page.wait_for_selector("#recent li[data-changed]", timeout=10000)
    changed = page.locator("#recent li[data-changed]")
    assert changed.count() == 1
    text = changed.inner_text()
    assert "Attendee" in text and "Already checked in" in text, text
    assert "answered so on upload" in text
    assert "1 uploaded scan was answered differently" in page.inner_text("#sync-note")


def test_a_scan_uploaded_from_another_points_page_is_listed_when_answered_otherwise(
    scanning, live_server, launch_chromium, login_as
):
    """The attendee came in at the side gate; offline, the gate's page admitted them
    again. The side gate's page uploads that queued gate scan: "already checked in",
    and it lists it, as the gate's own page would."""
    answer = scan(login_as("staff"), scanning.points["side_gate"], scanning.code("attendee"))
    assert answer.get_json()["status"] == "ok"
    db.session.commit()
    page, _gate_id, side_id, _badge_id = _queued_at_the_gate_signed_in(
        scanning, live_server, launch_chromium
    )
    # The gate's page does not get its scan up before the tablet moves.
    page.context.route("**/api/checkin/scans", lambda route: route.abort())
    page.context.set_offline(False)
    page.goto(f"{live_server.url}/e/test-expo/scan/{side_id}")
    _ready(page)
    page.context.unroute("**/api/checkin/scans")
    page.evaluate("window.kicxupScanner.flushQueue()")  # awaited: the upload is done
    assert page.evaluate("window.kicxupScanner.db.getAll('queue')") == []
    changed = page.locator("#recent li[data-changed]")
    assert changed.count() == 1 and "Already checked in" in changed.inner_text()
    assert "1 uploaded scan was answered differently" in page.inner_text("#sync-note")


def test_a_point_that_admits_nobody_today_says_so_before_the_first_scan(
    scanning, live_server, launch_chromium
):
    """The day-2 gate's tablet, set up on day 1: staff read that every scan is refused
    today before turning the first visitor away; at the main gate nothing is said."""
    day2_path, _ = _setup_path(scanning, "day2_gate", "day 2 tablet")
    gate_path, _ = _setup_path(scanning, "gate", "gate tablet")
    context = launch_chromium().new_context(locale="en-US")
    page = context.new_page()
    _set_up(page, live_server.url + day2_path)
    _ready(page)
    note = page.locator("#day-note")
    note.wait_for(state="visible", timeout=10000)
    assert "admits nobody today" in note.inner_text()
    assert scanning.event.days[1].isoformat() in note.inner_text()
    other = context.new_page()
    _set_up(other, live_server.url + gate_path)
    _ready(other)
    other.wait_for_timeout(500)
    assert not other.locator("#day-note").is_visible()


def test_a_device_given_more_hours_scans_on_in_the_open_page(
    scanning, live_server, launch_chromium, writing
):
    """The tablet ran out mid-shift (its scan kept for upload); the organizer gives it
    more hours. At its next look at the configuration the open page scans with its
    token again, and the kept scan goes up."""
    page = _gate_scanner(scanning, live_server, launch_chromium, "shift tablet")
    gate_id = scanning.points["gate"].id
    attendee_code, staff_code = scanning.code("attendee"), scanning.code("staff")

    def devices(session):
        return session.scalars(select(ScanDevice).where(ScanDevice.scan_point_id == gate_id))

    with writing() as session:
        for device in devices(session):
            device.expires_at = services.utcnow() - timedelta(minutes=1)
    _type_code(page, attendee_code, "ok")
    page.wait_for_selector("#upload-warning:not([hidden])", timeout=10000)
    assert page.inner_text("#count-queue") == "1"
    with writing() as session:
        for device in devices(session):
            services.extend_device(device, 8)
    page.evaluate("window.kicxupScanner.loadConfig()")
    _type_code(page, staff_code, "ok")
    _upload_queue(page)
    db.session.remove()
    rows = db.session.scalars(select(Scan).where(Scan.scan_point_id == gate_id)).all()
    assert sorted((r.offline, r.result, r.device_id is not None) for r in rows) == [
        (False, "ok", True),
        (True, "ok", True),
    ]


def test_a_phone_forgets_entrances_of_past_days_when_the_page_starts(
    scanning, live_server, launch_chromium
):
    """A gate phone remembers each badge it let in, per fair day. Days before
    yesterday judge nothing any more: they are forgotten when the page starts, with
    their counts, except an entry a queued scan still names. Yesterday's stay (a
    clock a day ahead would otherwise forget today's), and so do booth leads, which
    are kept whatever the day."""
    path, _device = _setup_path(scanning, "gate", "phone kept for years")
    gate = scanning.points["gate"]
    event_id, group, point_id = scanning.event.id, gate.entrance_group, gate.id
    db.session.commit()
    context = launch_chromium().new_context(locale="en-US")
    page = context.new_page()
    _set_up(page, live_server.url + path)
    _ready(page)
    today = datetime.now(UTC).astimezone(scanning.event.tz).date()
    day = {n: (today - timedelta(days=n)).isoformat() for n in (0, 1, 3)}
    keys = {
        "today": f"entrance|{event_id}|{group}|{day[0]}|1",
        # An entrance group is free text: a "|" in it is no day.
        "today_bar": f"entrance|{event_id}|Gate 1|2|{day[0]}|6",
        "yesterday": f"entrance|{event_id}|{group}|{day[1]}|2",
        "old": f"entrance|{event_id}|{group}|{day[3]}|3",
        "old_queued": f"entrance|{event_id}|{group}|{day[3]}|4",
        "lead": f"lead|{event_id}|7|5",
    }
    page.evaluate(
        """async ([keys, pointId, oldDay, today]) => {
          const db = window.kicxupScanner.db;
          for (const key of Object.values(keys)) await db.put("seen", { key, at: "2020-01-01T00:00:00Z" });
          await db.put("queue", { nonce: "kept-for-upload", scan_point: pointId, code: "X",
            scanned_at: oldDay + "T01:00:00Z", local_status: "ok", seen_key: keys.old_queued });
          localStorage.setItem(`kicxup-count|${pointId}|${oldDay}`, "12");
          localStorage.setItem(`kicxup-count|${pointId}|${today}`, "3");
        }""",
        [keys, point_id, day[3], day[0]],
    )
    # The queued scan stays queued: its upload is held back.
    context.route("**/api/checkin/scans", lambda route: route.fulfill(status=503))
    page.reload()
    _ready(page)
    deadline = clock.monotonic() + 10
    while keys["old"] in (left := page.evaluate("window.kicxupScanner.db.getAllKeys('seen')")):
        assert clock.monotonic() < deadline, left
        page.wait_for_timeout(100)
    assert sorted(left) == sorted(
        keys[k] for k in ("today", "today_bar", "yesterday", "old_queued", "lead")
    )
    counts = page.evaluate(
        "Object.keys(localStorage).filter((key) => key.startsWith('kicxup-count|'))"
    )
    assert counts == [f"kicxup-count|{point_id}|{day[0]}"]
    context.close()
