"""The scanner page in headless Chromium: a fake camera shows a real badge's QR
code, and scans made offline are uploaded exactly once when the network returns."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from eventapp.checkin import services
from eventapp.checkin.models import CheckIn, Scan
from eventapp.extensions import db

VENDOR = Path(__file__).resolve().parents[2] / "static" / "vendor"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not (VENDOR / "qr-scanner" / "qr-scanner.min.js").exists(),
        reason="front-end packages missing: run `make frontend` (npm ci + vendor copy)",
    ),
]


def write_y4m(path, text, width=640, height=480, frames=10):
    """A short Y4M (4:2:0) video of the QR code of `text` on white, for the fake camera."""
    import qrcode
    from PIL import Image

    # Small enough to lie inside qr-scanner's scan region (the middle 2/3 of the frame).
    qr = qrcode.QRCode(error_correction=qrcode.ERROR_CORRECT_M, border=4, box_size=5)
    qr.add_data(text)
    qr.make(fit=True)
    image = qr.make_image(fill_color="black", back_color="white").get_image().convert("L")
    side = image.size[0]
    assert side <= (2 * min(width, height)) // 3
    canvas = Image.new("L", (width, height), 255)
    canvas.paste(image, ((width - side) // 2, (height - side) // 2))
    luma = canvas.tobytes()
    chroma = bytes([128]) * ((width // 2) * (height // 2))
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n")
            out.write(luma)
            out.write(chroma)
            out.write(chroma)
    return path


def _setup_path(scanning, point_name, label):
    device = services.create_device(scanning.points[point_name], label=label, hours=24)
    db.session.commit()
    return f"/e/{scanning.event.slug}/scan/setup/{services.device_token(device)}", device


def test_camera_scans_a_badge_at_the_entrance(scanning, live_server, launch_chromium, tmp_path):
    code = scanning.code("attendee")
    video = write_y4m(tmp_path / "badge.y4m", code)
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
    page.goto(live_server.url + path)
    assert f"/scan/{gate_id}" in page.url
    page.wait_for_selector("#scanner[data-ready='1']", timeout=15000)
    page.click("#camera-toggle")
    page.wait_for_selector("#result[data-status='ok']", timeout=30000)
    assert page.inner_text("#result-name") == "Attendee"
    assert "Large / mid-size firm" in page.inner_text("#result-category")
    assert page.inner_text("#count-ok") == "1"
    context.close()

    db.session.remove()
    checkin = db.session.scalar(select(CheckIn).where(CheckIn.badge_id == badge_id))
    assert checkin is not None and checkin.scan_point_id == gate_id
    # The camera keeps seeing the badge: it is scanned once, not once per frame.
    scans = db.session.scalars(select(Scan).where(Scan.badge_id == badge_id)).all()
    assert [s.result for s in scans][:1] == ["ok"]
    assert all(s.device_id == device_id for s in scans)


def test_offline_scan_is_uploaded_once_with_its_time(scanning, live_server, launch_chromium):
    code = scanning.code("exhibitor_staff")
    badge_id = scanning.badges["exhibitor_staff"].id
    path, _device = _setup_path(scanning, "gate", "gate tablet")
    browser = launch_chromium()
    context = browser.new_context(locale="ko-KR")
    page = context.new_page()
    page.goto(live_server.url + path)
    page.wait_for_selector("#scanner[data-ready='1']", timeout=15000)
    page.wait_for_selector("#scanner[data-sw='ready']", timeout=15000)
    # Chromium verifies Ed25519 with WebCrypto (the JS fallback is for older browsers).
    assert page.evaluate("window.kicxupScanner.keyKind()") == "webcrypto"

    context.set_offline(True)
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
    page.wait_for_selector("#scanner[data-ready='1']", timeout=15000)
    assert page.inner_text("#count-queue") == "1"
    # The same badge again, still offline: this device already admitted it.
    page.fill("#code-input", code)
    page.press("#code-input", "Enter")
    page.wait_for_selector("#result[data-status='already_checked_in']", timeout=10000)
    assert page.inner_text("#count-queue") == "2"

    page.wait_for_timeout(1200)
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
