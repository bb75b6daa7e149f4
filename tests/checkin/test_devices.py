"""Scanner devices: the organizer's set-up QR, the signed device token, expiry and revocation."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from eventapp.checkin import services
from eventapp.checkin.models import ScanDevice
from eventapp.core.audit import AuditEntry
from eventapp.extensions import db
from tests.badges.readers import qr_codes_in_image
from tests.checkin.conftest import scan, set_up_phone


def test_organizer_creates_a_device_and_sees_its_setup_qr(scanning, login_as):
    client = login_as("organizer")
    gate = scanning.points["gate"]
    response = client.post(
        f"/e/test-expo/checkin/points/{gate.id}/devices",
        data={"label": "Gate 1 phone", "hours": 10},
    )
    assert response.status_code == 302
    device = db.session.scalar(select(ScanDevice))
    assert device.label == "Gate 1 phone" and device.scan_point_id == gate.id
    assert (
        timedelta(hours=9, minutes=59)
        < device.expires_at - device.created_at
        <= timedelta(hours=10)
    )
    page = client.get(response.location)
    html = page.get_data(as_text=True)
    token = services.setup_token(device)
    assert page.status_code == 200 and "<svg" in html
    assert f"http://testserver/e/test-expo/scan/setup/{token}" in html
    assert db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "checkin.device_created")
    )


@pytest.mark.browser
def test_setup_qr_on_screen_reads_as_the_setup_link(scanning, login_as, launch_chromium):
    """The organizer's screen shows the QR; a phone's reader must get the set-up
    address from it. Chromium draws the page's own SVG, zbarimg reads the picture."""
    client = login_as("organizer")
    gate = scanning.points["gate"]
    response = client.post(
        f"/e/test-expo/checkin/points/{gate.id}/devices", data={"label": "Gate 2", "hours": 4}
    )
    device = db.session.scalar(select(ScanDevice))
    html = client.get(response.location).get_data(as_text=True)
    svg = html[html.index("<svg") : html.index("</svg>") + len("</svg>")]
    page = launch_chromium().new_page()
    page.set_content(f'<body style="margin:0;background:#fff"><div style="width:360px">{svg}</div>')
    picture = page.locator("svg").screenshot()

    [decoded] = qr_codes_in_image(picture)
    token = services.setup_token(device)
    assert decoded == f"http://testserver/e/test-expo/scan/setup/{token}"
    # And it is the working address: it sets the device up for its scan point.
    setup = set_up_phone(login_as("anonymous"), decoded.removeprefix("http://testserver"))
    assert setup.status_code == 302 and setup.location.endswith(f"/e/test-expo/scan/{gate.id}")


def test_setup_link_lets_the_device_scan_without_login(scanning, client):
    gate = scanning.points["gate"]
    device = services.create_device(gate, label="tablet", hours=5)
    db.session.commit()
    token = services.device_token(device)
    response = set_up_phone(client, f"/e/test-expo/scan/setup/{services.setup_token(device)}")
    assert response.status_code == 302
    assert response.location.endswith(f"/e/test-expo/scan/{gate.id}")
    cookie = client.get_cookie("checkin_device", path="/e/test-expo/scan/")
    assert cookie is not None and cookie.value == token
    page = client.get(f"/e/test-expo/scan/{gate.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'data-token="{token}"' in html
    # The phone was never signed in: the upload warning's button does not say "again".
    button = html.split('id="upload-signin"')[1].split("</a>")[0]
    assert button.endswith(">로그인") and "다시" not in button
    # The cookie is only for its own scan point; another point needs a login.
    other = client.get(f"/e/test-expo/scan/{scanning.points['side_gate'].id}")
    assert other.status_code == 302 and "/login" in other.location
    answer = scan(client, gate, scanning.code("attendee"), token=token).get_json()
    assert answer["status"] == "ok"


def test_tampered_expired_and_revoked_tokens_are_refused(scanning, client):
    gate = scanning.points["gate"]
    device = services.create_device(gate, label="old", hours=1)
    db.session.commit()
    token = services.device_token(device)
    code = scanning.code("attendee")

    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert scan(client, gate, code, token=tampered).status_code == 401
    assert client.get(f"/e/test-expo/scan/setup/{tampered}").status_code == 403
    # A token for another device id, not signed by us.
    assert scan(client, gate, code, token="eyJkIjo5OTl9.abc").status_code == 401

    device.expires_at = services.utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert scan(client, gate, code, token=token).status_code == 401
    setup = services.setup_token(device)
    assert client.get(f"/e/test-expo/scan/setup/{setup}").status_code == 403

    fresh = services.create_device(gate, label="new", hours=1)
    db.session.commit()
    fresh_token = services.device_token(fresh)
    assert scan(client, gate, code, token=fresh_token).status_code == 200
    services.revoke_device(fresh)
    db.session.commit()
    response = scan(client, gate, code, token=fresh_token)
    assert response.status_code == 401 and response.get_json()["message"]
    assert services.device_from_token(fresh_token) is None


def test_a_device_scans_only_at_its_own_point(scanning, client, device_token):
    token = device_token("gate")
    side = scanning.points["side_gate"]
    response = scan(client, side, scanning.code("attendee"), token=token)
    assert response.status_code == 403
    config = client.get(f"/api/checkin/points/{side.id}/config", headers={"X-Device-Token": token})
    assert config.status_code == 403


def test_a_deleted_and_recreated_device_id_does_not_revive_old_tokens(scanning, client):
    gate = scanning.points["gate"]
    device = services.create_device(gate, label="first", hours=3)
    db.session.commit()
    token = services.device_token(device)
    db.session.delete(device)
    db.session.commit()
    again = services.create_device(gate, label="second", hours=3)
    again.created_at = again.created_at + timedelta(seconds=5)
    db.session.commit()
    assert scan(client, gate, scanning.code("attendee"), token=token).status_code == 401


def test_organizer_revokes_from_the_page(scanning, login_as):
    client = login_as("organizer")
    gate = scanning.points["gate"]
    device = services.create_device(gate, label="lost phone", hours=3)
    db.session.commit()
    response = client.post(f"/e/test-expo/checkin/devices/{device.id}/revoke")
    assert response.status_code == 302
    db.session.refresh(device)
    assert device.revoked_at is not None
    page = client.get(f"/e/test-expo/checkin/devices/{device.id}").get_data(as_text=True)
    assert "<svg" not in page


def test_cli_prints_a_working_token(scanning, app):
    gate = scanning.points["gate"]
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "checkin",
            "device-token",
            "test-expo",
            str(gate.id),
            "--label",
            "cli",
            "--hours",
            "2",
        ]
    )
    assert result.exit_code == 0, result.output
    token = next(
        line.split(": ", 1)[1]
        for line in result.output.splitlines()
        if line.startswith("device token")
    )
    db.session.remove()
    device = services.device_from_token(token)
    assert device is not None and device.label == "cli" and device.scan_point_id == gate.id


def test_cli_refuses_a_label_the_device_page_would_refuse(scanning, app):
    """A label over 100 characters was cut to its first 100 without a word."""
    gate = scanning.points["gate"]
    args = ["checkin", "device-token", "test-expo", str(gate.id), "--label"]
    before = db.session.scalars(select(ScanDevice.id)).all()
    result = app.test_cli_runner().invoke(args=[*args, "x" * 101])
    assert result.exit_code == 2
    assert "Invalid value for --label: at most 100 characters (given 101)" in result.output
    assert db.session.scalars(select(ScanDevice.id)).all() == before
    result = app.test_cli_runner().invoke(args=[*args, " " + "x" * 100 + " "])
    assert result.exit_code == 0, result.output
    labels = db.session.scalars(select(ScanDevice.label).where(ScanDevice.id.not_in(before)))
    assert labels.all() == ["x" * 100]


def test_a_withdrawn_set_up_says_so_on_the_scanner_page(scanning, client, login_as):
    gate = scanning.points["gate"]
    device = services.create_device(gate, label="gate phone", hours=5)
    db.session.commit()
    setup = f"/e/test-expo/scan/setup/{services.setup_token(device)}"
    assert set_up_phone(client, setup).status_code == 302
    assert client.get(f"/e/test-expo/scan/{gate.id}").status_code == 200
    services.revoke_device(device)
    db.session.commit()

    page = client.get(f"/e/test-expo/scan/{gate.id}?lang=en")
    html = page.get_data(as_text=True)
    assert page.status_code == 403
    assert "no longer set up as a scanner" in html and "withdrawn" in html
    assert f'href="/login?next=/e/test-expo/scan/{gate.id}"' in html
    # Signed in, staff scan here as themselves.
    staff = login_as("staff")
    staff.set_cookie("checkin_device", services.device_token(device), path="/e/test-expo/scan/")
    assert staff.get(f"/e/test-expo/scan/{gate.id}").status_code == 200


def test_staff_reach_the_meeting_zone_page_from_the_scanner(scanning, login_as):
    zone, gate = scanning.points["meeting"], scanning.points["gate"]
    staff = login_as("staff")
    listing = f"/e/test-expo/checkin/points/{zone.id}/meetings"
    assert staff.get(listing).status_code == 200
    assert f'href="{listing}"' in staff.get("/e/test-expo/scan/").get_data(as_text=True)
    assert f'href="{listing}"' in staff.get(f"/e/test-expo/scan/{zone.id}").get_data(as_text=True)
    assert '/meetings"' not in staff.get(f"/e/test-expo/scan/{gate.id}").get_data(as_text=True)


def test_a_set_up_code_sets_up_one_phone(scanning, login_as, app):
    gate = scanning.points["gate"]
    device = services.create_device(gate, label="gate phone", hours=5)
    db.session.commit()
    setup = f"/e/test-expo/scan/setup/{services.setup_token(device)}"
    overview = login_as("organizer").get("/e/test-expo/checkin/?lang=en").get_data(as_text=True)
    assert "code not used yet" in overview.split("gate phone</a>", 1)[1].split("</tr>", 1)[0]
    # The QR's token is no device token: a photo of it scans nothing.
    assert (
        scan(login_as("anonymous"), gate, scanning.code("attendee"), token=setup.split("/")[-1])
    ).status_code == 401

    phone = app.test_client()
    assert set_up_phone(phone, setup).status_code == 302
    # Opened again on the same phone (the QR read twice): still its scanner.
    again = phone.get(setup)
    assert again.status_code == 302 and again.location.endswith(f"/scan/{gate.id}")
    assert phone.get(f"/e/test-expo/scan/{gate.id}").status_code == 200

    other = app.test_client()
    refused = other.get(f"{setup}?lang=en")
    assert refused.status_code == 403
    assert "already used" in refused.get_data(as_text=True)
    # Nor does another claim sent straight to the form.
    refused = other.post(f"{setup}?lang=en", data={"claim": "another phone"})
    assert refused.status_code == 403 and "already used" in refused.get_data(as_text=True)
    assert other.get_cookie("checkin_device", path="/e/test-expo/scan/") is None
    db.session.expire_all()
    assert db.session.get(ScanDevice, device.id).set_up_at is not None
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "checkin.device_set_up"))
    # The organizer's page no longer shows the code, and says it was used.
    page = login_as("organizer").get(f"/e/test-expo/checkin/devices/{device.id}?lang=en")
    html = page.get_data(as_text=True)
    assert "<svg" not in html and setup not in html and "Set up on a phone at" in html
    overview = login_as("organizer").get("/e/test-expo/checkin/?lang=en").get_data(as_text=True)
    assert ">active<" in overview.split("gate phone</a>", 1)[1].split("</tr>", 1)[0]


def test_two_phones_opening_one_code_at_once_get_it_once(scanning, live_server, monkeypatch):
    """Both phones' set-up pages come back after both read the code unused: the
    claim is one UPDATE, so one phone gets the scanner and the other is told.
    (On SQLite every transaction takes the write lock first: the two requests run
    one after the other, and no barrier can hold them both.)"""
    import re
    import threading
    import urllib.error
    import urllib.parse
    import urllib.request
    from concurrent.futures import ThreadPoolExecutor

    gate = scanning.points["gate"]
    device = services.create_device(gate, label="contested", hours=5)
    db.session.commit()
    url = f"{live_server.url}/e/test-expo/scan/setup/{services.setup_token(device)}"
    both_read = threading.Barrier(2, timeout=10)
    claim_setup = services.claim_setup

    def claim_once_both_read(token, claim, now=None):
        both_read.wait()
        return claim_setup(token, claim, now)

    if db.engine.dialect.name != "sqlite":
        monkeypatch.setattr(services, "claim_setup", claim_once_both_read)

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args):
            return None

    def open_code(_):
        try:
            page = urllib.request.urlopen(url, timeout=30).read().decode()
            claim = re.search(r'name="claim" value="([^"]+)"', page).group(1)
            form = urllib.parse.urlencode({"claim": claim}).encode()
            return urllib.request.build_opener(NoRedirect).open(url, form, timeout=30).status
        except urllib.error.HTTPError as answer:
            return answer.code

    with ThreadPoolExecutor(2) as pool:
        statuses = sorted(pool.map(open_code, range(2)))
    assert statuses == [302, 403]


def test_opening_a_set_up_address_uses_nothing_up(scanning, client, app):
    """A link preview, a HEAD request or a reader that fetches the address first
    gets the set-up page, not the phone's cookie; the phone that then opens the
    code is set up."""
    gate = scanning.points["gate"]
    device = services.create_device(gate, label="previewed", hours=5)
    db.session.commit()
    setup = f"/e/test-expo/scan/setup/{services.setup_token(device)}"
    assert client.head(setup).status_code == 200
    preview = client.get(f"{setup}?lang=en")
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "Set up this phone" in html
    assert preview.headers["Cache-Control"] == "no-store"
    assert client.get_cookie("checkin_device", path="/e/test-expo/scan/") is None
    db.session.expire_all()
    assert db.session.get(ScanDevice, device.id).set_up_at is None

    phone = app.test_client()
    response = set_up_phone(phone, setup)
    assert response.status_code == 302 and response.location.endswith(f"/scan/{gate.id}")
    assert phone.get_cookie("checkin_device", path="/e/test-expo/scan/") is not None


def test_the_phone_whose_answer_was_lost_is_set_up_again(scanning, app):
    """The phone's form reached the server, but the answer with the cookie did not
    reach the phone: the same claim sent again sets it up; another claim does not."""
    import re

    gate = scanning.points["gate"]
    device = services.create_device(gate, label="lost answer", hours=5)
    db.session.commit()
    setup = f"/e/test-expo/scan/setup/{services.setup_token(device)}"
    page = app.test_client().get(setup).get_data(as_text=True)
    claim = re.search(r'name="claim" value="([^"]+)"', page).group(1)
    assert app.test_client().post(setup, data={"claim": claim}).status_code == 302  # lost

    phone = app.test_client()  # the same phone, without the cookie it never got
    response = phone.post(setup, data={"claim": claim})
    assert response.status_code == 302 and response.location.endswith(f"/scan/{gate.id}")
    cookie = phone.get_cookie("checkin_device", path="/e/test-expo/scan/")
    assert cookie is not None and cookie.value == services.device_token(device)
    assert app.test_client().post(setup, data={"claim": claim + "x"}).status_code == 403
    assert app.test_client().post(setup, data={"claim": ""}).status_code == 403
    set_up = select(AuditEntry).where(AuditEntry.action == "checkin.device_set_up")
    assert len(db.session.scalars(set_up).all()) == 1
    # A withdrawn device is not set up again, whatever the claim.
    services.revoke_device(db.session.get(ScanDevice, device.id))
    db.session.commit()
    assert app.test_client().post(setup, data={"claim": claim}).status_code == 403


def test_a_set_up_address_from_before_set_up_codes_still_sets_up_one_phone(scanning, app):
    """Set-up codes handed out before single-use codes carried the device token
    itself: a printed one still sets up its first phone, and only that one."""
    gate = scanning.points["gate"]
    device = services.create_device(gate, label="printed code", hours=5)
    db.session.commit()
    setup = f"/e/test-expo/scan/setup/{services.device_token(device)}"
    phone = app.test_client()
    assert set_up_phone(phone, setup).status_code == 302
    assert phone.get(f"/e/test-expo/scan/{gate.id}").status_code == 200
    assert set_up_phone(app.test_client(), setup).status_code == 403


@pytest.mark.browser
def test_a_preview_that_runs_scripts_uses_nothing_up(scanning, live_server, launch_chromium):
    """Some link previews and mail scanners open the address in a real browser: the
    code is used only by a tap on the page's button."""
    gate = scanning.points["gate"]
    device = services.create_device(gate, label="previewed by a browser", hours=5)
    db.session.commit()
    gate_id, device_id = gate.id, device.id
    url = f"{live_server.url}/e/test-expo/scan/setup/{services.setup_token(device)}"
    preview = launch_chromium().new_context(locale="en-US").new_page()
    preview.goto(url)
    preview.wait_for_load_state("networkidle")
    preview.wait_for_timeout(300)
    assert "/scan/setup/" in preview.url
    db.session.remove()  # a new snapshot: the server's writes
    assert db.session.get(ScanDevice, device_id).set_up_at is None

    phone = launch_chromium().new_context(locale="en-US").new_page()
    phone.goto(url)
    phone.click("#device-setup button")
    phone.wait_for_url(f"**/scan/{gate_id}", timeout=15000)


@pytest.mark.browser
def test_a_phone_that_lost_the_answer_opens_the_code_again(scanning, live_server, launch_chromium):
    """In the browser: the phone taps to set up; the answer is lost on the way
    (the server has set the phone up, the phone has no cookie); the phone scans
    the QR again, is told the code was used, and its page sends the kept claim:
    it is the scanner."""
    gate = scanning.points["gate"]
    device = services.create_device(gate, label="flaky wifi", hours=5)
    db.session.commit()
    url = f"{live_server.url}/e/test-expo/scan/setup/{services.setup_token(device)}"
    page = launch_chromium().new_context(locale="en-US").new_page()
    lost = []

    def lose_the_answer(route):
        if route.request.method == "POST" and not lost:
            lost.append(route.fetch(max_redirects=0).status)  # reached the server
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route("**/scan/setup/**", lose_the_answer)
    page.goto(url)
    page.click("#device-setup button")
    page.wait_for_function("() => document.readyState === 'complete'")
    page.wait_for_timeout(500)
    assert lost == [302]
    assert f"/scan/{gate.id}" not in page.url
    db.session.remove()  # a new snapshot: the server's commit
    assert db.session.get(ScanDevice, device.id).set_up_at is not None

    page.goto(url)
    page.wait_for_url(f"**/scan/{gate.id}", timeout=15000)
    page.wait_for_selector("#scanner[data-ready='1']", timeout=15000)
    # Another browser opening the code is told it was used, and stays so.
    other = launch_chromium().new_context(locale="en-US").new_page()
    other.goto(url)
    other.wait_for_timeout(500)
    assert "already used" in other.content() and "/scan/setup/" in other.url


def test_a_withdrawn_booth_phone_is_told_to_sign_in_as_the_exhibitor(scanning, app):
    booth = scanning.points["alpha_booth"]
    device = services.create_device(booth, label="booth tablet", hours=5)
    db.session.commit()
    phone = app.test_client()
    assert (
        set_up_phone(phone, f"/e/test-expo/scan/setup/{services.setup_token(device)}").status_code
        == 302
    )
    services.revoke_device(device)
    db.session.commit()
    page = phone.get(f"/e/test-expo/scan/{booth.id}?lang=en")
    html = page.get_data(as_text=True).replace("&#39;", "'")
    assert page.status_code == 403 and "your company's exhibitor account" in html
    assert "Sign in as staff" not in html


def test_set_up_page_posts_back_over_https_with_csrf_on(scanning, app):
    """Production: HTTPS and CSRF protection on. Flask-WTF refuses a form sent over
    HTTPS without a same-site Referer, so the set-up page may not hide the Referer
    from its own site (it hid it from every site: no phone could be set up)."""
    import re

    from eventapp import create_app

    secure_app = create_app({**app.config, "WTF_CSRF_ENABLED": True})
    gate = scanning.points["gate"]
    device = services.create_device(gate, label="https phone", hours=5)
    db.session.commit()
    setup = f"/e/test-expo/scan/setup/{services.setup_token(device)}"
    phone = secure_app.test_client()
    page = phone.get(setup, base_url="https://testserver")
    assert page.status_code == 200
    assert page.headers["Referrer-Policy"] == "same-origin"
    html = page.get_data(as_text=True)
    form = {
        "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', html).group(1),
        "claim": re.search(r'name="claim" value="([^"]+)"', html).group(1),
    }
    # What the browser sends under that policy: the form, with the page as Referer.
    answer = phone.post(
        setup,
        data=form,
        base_url="https://testserver",
        headers={"Referer": f"https://testserver{setup}"},
    )
    assert answer.status_code == 302 and answer.location.endswith(f"/e/test-expo/scan/{gate.id}")


@pytest.mark.browser
def test_a_phone_is_set_up_over_https_in_the_browser(scanning, app, launch_chromium, tmp_path):
    """Chromium opens the set-up address served over HTTPS with CSRF protection on:
    the page sends itself back and the phone lands on the scanner."""
    import shutil
    import subprocess
    import threading

    from werkzeug.serving import make_server

    from eventapp import create_app

    if shutil.which("openssl") is None:
        pytest.skip("openssl is missing")
    secure_app = create_app({**app.config, "WTF_CSRF_ENABLED": True})
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        + ["-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    server = make_server(
        "127.0.0.1", 0, secure_app, threaded=True, ssl_context=(str(cert), str(key))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        gate = scanning.points["gate"]
        device = services.create_device(gate, label="https browser", hours=5)
        db.session.commit()
        port, setup = server.server_port, services.setup_token(device)
        url = f"https://127.0.0.1:{port}/e/test-expo/scan/setup/{setup}"
        context = launch_chromium().new_context(locale="en-US", ignore_https_errors=True)
        page = context.new_page()
        page.goto(url)
        page.click("#device-setup button")
        page.wait_for_url(f"**/scan/{gate.id}", timeout=15000)
        context.close()
    finally:
        server.shutdown()


def test_a_claim_replayed_after_the_phone_got_its_answer_sets_up_nothing(
    scanning, app, monkeypatch
):
    """The kept claim is for a lost answer. Once the phone's scanner has fetched its
    configuration with the device token, the claim is no second key to the device;
    a set-up again before that is in the audit log."""
    import re

    gate = scanning.points["gate"]
    device = services.create_device(gate, label="replayed", hours=24)
    db.session.commit()
    setup = f"/e/test-expo/scan/setup/{services.setup_token(device)}"
    phone = app.test_client()
    page = phone.get(setup).get_data(as_text=True)
    claim = re.search(r'name="claim" value="([^"]+)"', page).group(1)
    assert phone.post(setup, data={"claim": claim}).status_code == 302
    assert app.test_client().post(setup, data={"claim": claim}).status_code == 302  # lost
    token = services.device_token(device)
    config = phone.get(f"/api/checkin/points/{gate.id}/config", headers={"X-Device-Token": token})
    assert config.status_code == 200

    stranger = app.test_client()
    answer = stranger.post(setup, data={"claim": claim})
    assert answer.status_code == 403
    assert stranger.get_cookie("checkin_device", path="/e/test-expo/scan/") is None
    actions = db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.action.like("checkin.device_set_up%"))
    ).all()
    assert sorted(actions) == ["checkin.device_set_up", "checkin.device_set_up_again"]


def test_a_phone_in_use_is_given_more_hours_without_a_new_set_up(scanning, login_as, client):
    """The gate tablet was set up for 5 hours on day 1; the organizer extends it at the
    end of the day instead of setting it up again, and its token scans on."""
    gate = scanning.points["gate"]
    device = services.create_device(gate, label="gate tablet", hours=5)
    db.session.commit()
    token = services.device_token(device)
    set_up_phone(client, f"/e/test-expo/scan/setup/{services.setup_token(device)}")
    organizer = login_as("organizer")
    form = organizer.get(f"/e/test-expo/checkin/points/{gate.id}?lang=en").get_data(as_text=True)
    assert f"/checkin/devices/{device.id}/extend" in form

    def extend(hours):
        return organizer.post(
            f"/e/test-expo/checkin/devices/{device.id}/extend?lang=en",
            data={"hours": hours},
            follow_redirects=True,
        ).get_data(as_text=True)

    assert "gate tablet scans until" in extend("48")
    db.session.expire_all()
    device = db.session.get(ScanDevice, device.id)
    left = device.expires_at - services.utcnow()
    assert timedelta(hours=47) < left <= timedelta(hours=48)
    assert scan(client, gate, scanning.code("attendee"), token=token).get_json()["status"] == "ok"
    # Out of range: said, nothing changed.
    assert "Valid for (hours)" in extend("0")
    db.session.expire_all()
    assert db.session.get(ScanDevice, device.id).expires_at == device.expires_at
    # A revoked device stays revoked.
    services.revoke_device(device)
    db.session.commit()
    assert "A revoked device stays revoked" in extend("24")
    assert scan(client, gate, scanning.code("staff"), token=token).status_code == 401


def test_the_devices_list_revokes_and_folds_away_stopped_devices(scanning, login_as):
    gate = scanning.points["gate"]
    working = services.create_device(gate, label="gate tablet", hours=5)
    stopped = services.create_device(gate, label="old tablet", hours=5)
    services.revoke_device(stopped)
    db.session.commit()
    organizer = login_as("organizer")
    page = organizer.get("/e/test-expo/checkin/?lang=en").get_data(as_text=True)
    folded = page.split('id="stopped-devices"', 1)[1].split("</details>", 1)[0]
    assert "1 device revoked or expired" in folded and "old tablet" in folded
    assert "gate tablet" not in folded
    row = page.split(f'id="device-{working.id}"', 1)[1].split("</tr>", 1)[0]
    assert "data-confirm=" in row and f"/devices/{working.id}/revoke" in row
    answer = organizer.post(
        f"/e/test-expo/checkin/devices/{working.id}/revoke",
        data={"next": "/e/test-expo/checkin/"},
    )
    assert answer.status_code == 302 and answer.location.endswith("/e/test-expo/checkin/")
    db.session.expire_all()
    assert db.session.get(ScanDevice, working.id).revoked_at is not None
    # Elsewhere is no place to go back to.
    other = services.create_device(gate, label="third", hours=5)
    db.session.commit()
    answer = organizer.post(
        f"/e/test-expo/checkin/devices/{other.id}/revoke", data={"next": "https://evil.example/"}
    )
    assert "evil.example" not in answer.location


def test_more_hours_reach_a_phone_whose_device_ran_out(scanning, login_as, app):
    """The cookie on the phone outlives the device's hours: the organizer extends a
    tablet that ran out overnight and it scans on, without a new set-up."""
    gate = scanning.points["gate"]
    device = services.create_device(gate, label="gate tablet", hours=5)
    db.session.commit()
    phone = app.test_client()
    set_up_phone(phone, f"/e/test-expo/scan/setup/{services.setup_token(device)}")
    cookie = phone.get_cookie("checkin_device", path="/e/test-expo/scan/")
    assert cookie.max_age > 30 * 86400
    device.expires_at = services.utcnow() - timedelta(hours=1)
    db.session.commit()
    assert phone.get(f"/e/test-expo/scan/{gate.id}").status_code == 403
    assert phone.get_cookie("checkin_device", path="/e/test-expo/scan/") is not None
    organizer = login_as("organizer")
    answer = organizer.post(
        f"/e/test-expo/checkin/devices/{device.id}/extend", data={"hours": "24"}
    )
    assert answer.status_code == 302
    assert phone.get(f"/e/test-expo/scan/{gate.id}").status_code == 200


def test_extending_never_shortens_nor_revives_an_unused_code(scanning, login_as):
    gate = scanning.points["gate"]
    device = services.create_device(gate, label="gate tablet", hours=72)
    unused = services.create_device(gate, label="spare", hours=1)
    device.set_up_at = services.utcnow()
    db.session.commit()
    before = device.expires_at
    services.extend_device(device, 24)
    assert device.expires_at == before
    unused.expires_at = services.utcnow() - timedelta(minutes=1)
    db.session.commit()
    from flask_babel import force_locale

    with force_locale("en"), pytest.raises(services.CheckinError, match="ran out unused"):
        services.extend_device(unused, 24)
    form = (
        login_as("organizer").get(f"/e/test-expo/checkin/points/{gate.id}").get_data(as_text=True)
    )
    assert f"/devices/{unused.id}/extend" not in form


def test_an_unchanged_configuration_is_not_sent_again(scanning, client, device_token):
    """The page asks every two minutes; an entrance's list of holders is large. With
    the ETag of its copy it gets a 304 and the server's time; after a change, the new
    configuration, compressed when the phone takes gzip."""
    import gzip
    import json

    gate = scanning.points["gate"]
    url = f"/api/checkin/points/{gate.id}/config"
    headers = {"X-Device-Token": device_token("gate"), "Accept-Encoding": "gzip"}
    first = client.get(url, headers=headers)
    assert first.status_code == 200 and first.headers["Content-Encoding"] == "gzip"
    data = json.loads(gzip.decompress(first.data))
    assert first.headers["X-Server-Time"] == data["server_time"]
    etag = first.headers["ETag"]
    again = client.get(url, headers={**headers, "If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag and again.headers["X-Server-Time"]
    # A badge revoked since: the configuration has changed.
    from eventapp.badges import services as badges

    badges.revoke_badge(scanning.badges["attendee"], "lost")
    db.session.commit()
    changed = client.get(url, headers={**headers, "If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    revoked = json.loads(gzip.decompress(changed.data))["revocation"]["revoked"]
    assert scanning.badges["attendee"].id in revoked
    # Without gzip, plain JSON.
    plain = client.get(url, headers={"X-Device-Token": device_token("gate")})
    assert (
        "Content-Encoding" not in plain.headers and plain.get_json()["scan_point"]["id"] == gate.id
    )


@pytest.mark.browser
def test_a_long_device_name_fits_a_phone(scanning, live_server, launch_chromium):
    """A device named with one long word (a serial number, say) ran off the phone's
    screen on the scanning overview, the point's page and the device's page."""
    from tests.checkin.test_scanner_browser import _sign_in
    from tests.conftest import page_width

    gate = scanning.points["gate"]
    device = services.create_device(gate, label="GATE-SCANNER-" + "X7" * 40)
    db.session.commit()
    point_id, device_id = gate.id, device.id
    email = "organizer@example.org"
    db.session.remove()
    page = (
        launch_chromium()
        .new_context(locale="ko-KR", viewport={"width": 390, "height": 844}, is_mobile=True)
        .new_page()
    )
    _sign_in(page, live_server.url, email)
    for path in ("/checkin/", f"/checkin/points/{point_id}", f"/checkin/devices/{device_id}"):
        page.goto(f"{live_server.url}/e/test-expo{path}")
        assert page.locator("text=GATE-SCANNER-").count(), path
        assert page_width(page) <= 390, path


def test_a_device_without_a_label_is_named_in_words(scanning, login_as):
    """A phone set up without a label read "#3" in the list and on its page: a code,
    not a device on a desk. It is "Device 3" ("기기 3")."""
    gate = scanning.points["gate"]
    device = services.create_device(gate, label="", hours=5)
    db.session.commit()
    organizer = login_as("organizer")
    for lang, name in (("en", f"Device {device.id}"), ("ko", f"기기 {device.id}")):
        page = organizer.get(f"/e/test-expo/checkin/?lang={lang}").get_data(as_text=True)
        row = page.split(f'id="device-{device.id}"', 1)[1].split("</tr>", 1)[0]
        assert f'class="device-name">{name}</a>' in row and f"#{device.id}" not in row
        shown = organizer.get(f"/e/test-expo/checkin/devices/{device.id}?lang={lang}")
        html = shown.get_data(as_text=True)
        assert f'id="device-label">{name}</p>' in html and f"#{device.id}" not in html
        log = organizer.get(f"/e/test-expo/checkin/scans?lang={lang}").get_data(as_text=True)
        scanners = log.split('name="scanner"', 1)[1].split("</select>", 1)[0]
        assert f">{name} (" in scanners and f"#{device.id}" not in scanners


def test_a_run_out_phones_page_offers_more_hours_not_a_new_set_up(scanning, login_as, app):
    """The page of a gate tablet that ran out overnight told the organizer to create
    a new set-up code, though more hours let the phone scan on as it is; a code that
    ran out unused still needs a new one (it gets no more hours)."""
    gate = scanning.points["gate"]
    used = services.create_device(gate, label="gate tablet", hours=5)
    unused = services.create_device(gate, label="spare", hours=5)
    db.session.commit()
    phone = app.test_client()
    set_up_phone(phone, f"/e/test-expo/scan/setup/{services.setup_token(used)}")
    for device in (used, unused):
        device.expires_at = services.utcnow() - timedelta(hours=1)
    db.session.commit()
    organizer = login_as("organizer")

    page = organizer.get(f"/e/test-expo/checkin/devices/{used.id}?lang=en").get_data(as_text=True)
    assert "Create a new set-up code" not in page
    assert "Give it more hours, and its phone scans again without a new set-up." in page
    form = page.split(f'action="/e/test-expo/checkin/devices/{used.id}/extend"', 1)[1]
    assert 'name="hours"' in form.split("</form>", 1)[0]
    korean = organizer.get(f"/e/test-expo/checkin/devices/{used.id}?lang=ko").get_data(as_text=True)
    assert "새 설정 코드를 만드세요" not in korean and "시간을 더 주면" in korean
    answer = organizer.post(f"/e/test-expo/checkin/devices/{used.id}/extend", data={"hours": "24"})
    assert answer.status_code == 302
    assert phone.get(f"/e/test-expo/scan/{gate.id}").status_code == 200

    page = organizer.get(f"/e/test-expo/checkin/devices/{unused.id}?lang=en").get_data(as_text=True)
    assert "Create a new set-up code." in page and f"/devices/{unused.id}/extend" not in page
