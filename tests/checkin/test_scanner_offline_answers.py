"""The scanner's offline answer is the server's: what a tablet shows at the gate
without network, from the data it synced, is what the server answers online at the
same point and moment, and what it stores once the scan is uploaded."""

import json
import urllib.request
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from eventapp.badges.models import Badge
from eventapp.checkin import services
from eventapp.checkin.models import CheckIn, Scan
from eventapp.extensions import db
from tests.checkin.test_scanner_browser import _ready, _set_up, _setup_path

pytestmark = pytest.mark.browser


def _page_at(scanning, live_server, launch_chromium, point_name, label="review"):
    path, device = _setup_path(scanning, point_name, label)
    context = launch_chromium().new_context(locale="en-US")
    page = context.new_page()
    _set_up(page, live_server.url + path)
    _ready(page)
    page.wait_for_selector("#scanner[data-sw='ready']", timeout=15000)
    return page, device


def _scan(page, code, raw=False):
    """Scan `code`; (status, English message, Korean message) of the answer shown."""
    page.evaluate("document.getElementById('result').dataset.status = 'waiting'")
    if raw:
        page.evaluate("(c) => window.kicxupScanner.handle(c)", code)
    else:
        page.fill("#code-input", code)
        page.press("#code-input", "Enter")
    page.wait_for_selector("#result:not([data-status='waiting'])", timeout=10000)
    return (
        page.get_attribute("#result", "data-status"),
        page.inner_text("#result-message"),
        page.inner_text("#result-message-other"),
    )


def _stored_once_online(page, badge):
    """Back online, the queue uploaded: what the server stored for the badge's scan."""
    badge_id = badge.id
    page.context.set_offline(False)
    _upload(page)
    db.session.remove()
    return db.session.scalar(select(Scan.result).where(Scan.badge_id == badge_id))


def _upload(page):
    page.evaluate("window.kicxupScanner.flushQueue()")
    page.wait_for_function(
        "document.getElementById('count-queue').textContent === '0'", timeout=20000
    )


def test_offline_already_names_the_gate_of_the_first_check_in(
    scanning, live_server, launch_chromium
):
    """Main gate and side gate are one entrance group. The attendee came in at the
    main gate; the side gate's server answer says so ("... (Main gate)"). Offline, the
    side gate's device must say the same, not name itself."""
    gate = scanning.points["gate"]
    other = services.create_device(gate, label="main gate phone", hours=24)
    db.session.commit()
    other_token, gate_id = services.device_token(other), gate.id
    code = scanning.code("attendee")
    page, _device = _page_at(scanning, live_server, launch_chromium, "side_gate")
    answer = page.request.post(
        live_server.url + "/api/checkin/scan",
        data={"scan_point": gate_id, "code": code, "nonce": "main-gate-1"},
        headers={"X-Device-Token": other_token},
    )
    assert answer.ok and answer.json()["status"] == "ok"

    online = _scan(page, code)
    assert online[0] == "already_checked_in" and "(Main gate)" in online[1]

    page.context.set_offline(True)
    offline = _scan(page, code)
    assert offline == online


def test_offline_booth_of_a_company_that_withdrew(scanning, live_server, launch_chromium):
    """A booth device set up before its company withdrew: the server refuses every lead
    (not_allowed / not_exhibiting), online and on upload, and so does the device
    offline, with the config it synced after the withdrawal."""
    path, _device = _setup_path(scanning, "alpha_booth", "alpha tablet")  # set up first
    scanning.exhibitors["alpha"].status = "withdrawn"
    db.session.commit()
    page = launch_chromium().new_context(locale="en-US").new_page()
    _set_up(page, live_server.url + path)  # the config is synced after the withdrawal
    _ready(page)
    page.wait_for_selector("#scanner[data-sw='ready']", timeout=15000)

    online = _scan(page, scanning.code("attendee"))
    assert online[0] == "not_allowed" and "no longer exhibits" in online[1]

    page.context.set_offline(True)
    offline = _scan(page, scanning.code("outsider"))
    assert offline[0] == _stored_once_online(page, scanning.badges["outsider"]) == "not_allowed"


def test_offline_booth_with_allowed_categories(scanning, live_server, launch_chromium):
    """A booth point restricted to buyers: the device, which gets no roster at booths,
    knows the badges' categories and refuses a visitor's badge as the server does."""
    services.update_scan_point(scanning.points["alpha_booth"], allowed_categories=["buyer"])
    db.session.commit()
    page, _device = _page_at(scanning, live_server, launch_chromium, "alpha_booth")

    online = _scan(page, scanning.code("outsider"))
    assert online[0] == "not_allowed"

    page.context.set_offline(True)
    offline = _scan(page, scanning.code("attendee"))
    assert offline[0] == _stored_once_online(page, scanning.badges["attendee"]) == "not_allowed"


@pytest.mark.parametrize("junk", ["\x1d", "\x1e", "\x85"], ids=["GS", "RS", "NEL"])
def test_code_with_trailing_control_character(scanning, live_server, launch_chromium, junk):
    """A read with a trailing group separator (GS1 style) or NEL: the server strips
    it, and so does the device."""
    page, _device = _page_at(scanning, live_server, launch_chromium, "gate")
    online = _scan(page, scanning.code("staff") + junk, raw=True)
    assert online[0] == "ok"

    page.context.set_offline(True)
    offline = _scan(page, scanning.code("attendee") + junk, raw=True)
    assert offline[0] == _stored_once_online(page, scanning.badges["attendee"]) == "ok"


def test_offline_answers_match_the_servers(scanning, live_server, launch_chromium):
    """Parity sweep: a tablet in another time zone (local date != Seoul's), offline,
    against the server's online answer at the same point and moment."""
    from eventapp.badges import codes
    from eventapp.badges import services as badges

    event = scanning.event
    old_staff = scanning.code("staff")
    badges.reissue_badge(scanning.badges["staff"])
    badges.revoke_badge(scanning.badges["outsider"], reason="test")
    services.update_scan_point(scanning.points["side_gate"], active=False)
    db.session.commit()
    stranger = codes.generate_private_key()
    cases = {
        "gate": [
            "  " + scanning.code("attendee").lower() + " ",
            old_staff,
            scanning.code("outsider"),
            "K1ABC",
            codes.encode(stranger, event.id, scanning.badges["attendee"].id, 1),
            codes.encode(stranger, event.id + 1000, 1, 1),
        ],
        "day2_gate": [scanning.code("exhibitor_admin")],
        "vip_gate": [scanning.code("exhibitor_admin")],
        "meeting": [scanning.code("organizer"), scanning.code("exhibitor_staff")],
        "side_gate": [scanning.code("exhibitor_staff")],
        # A colleague's badge at the company's own booth.
        "alpha_booth": [scanning.code("exhibitor_admin")],
    }
    setups = {}
    for point_name in cases:
        path, _ = _setup_path(scanning, point_name, "tablet")
        other = services.create_device(scanning.points[point_name], label="online", hours=24)
        db.session.commit()
        setups[point_name] = (path, services.device_token(other), scanning.points[point_name].id)
    db.session.remove()
    mismatches = []
    for point_name, point_codes in cases.items():
        path, token, point_id = setups[point_name]
        context = launch_chromium().new_context(locale="en-US", timezone_id="Pacific/Pago_Pago")
        page = context.new_page()
        _set_up(page, live_server.url + path)
        _ready(page)
        context.set_offline(True)
        device = [_scan(page, code, raw=True) for code in point_codes]
        # The tablet stays offline (its queue not uploaded) while the server answers.
        for i, code in enumerate(point_codes):
            body = {"scan_point": point_id, "code": code, "nonce": f"online-{point_name}-{i}"}
            request = urllib.request.Request(
                live_server.url + "/api/checkin/scan",
                data=json.dumps(body).encode(),
                headers={"X-Device-Token": token, "Content-Type": "application/json"},
            )
            answer = json.load(urllib.request.urlopen(request))
            server = (answer["status"], answer["message_en"], answer["message_ko"])
            if device[i] != server:
                mismatches.append((point_name, code[:12], device[i], server))
        context.close()
    assert mismatches == []


def test_an_online_check_in_is_remembered_at_the_servers_time(
    scanning, live_server, launch_chromium
):
    """A tablet whose clock runs ahead by less than the page corrects: the server dates
    the check-in by its own time, and the device remembers that time for its offline
    "already checked in at HH:MM"."""
    path, _device = _setup_path(scanning, "gate", "tablet")
    code = scanning.code("attendee")
    db.session.remove()
    page = launch_chromium().new_context(locale="en-US").new_page()
    _set_up(page, live_server.url + path)
    _ready(page)
    page.clock.set_fixed_time(datetime.now(UTC) + timedelta(seconds=40))
    assert _scan(page, code)[0] == "ok"
    seen = page.evaluate("window.kicxupScanner.db.getAll('seen')")
    db.session.remove()
    checked_in = db.session.scalar(select(CheckIn.checked_in_at))
    assert [datetime.fromisoformat(row["at"]) for row in seen] == [checked_in]
    assert seen[0]["place_en"] == "Main gate"


@pytest.mark.parametrize("change", ["revoked", "reprinted"])
def test_a_badge_the_server_refused_online_is_refused_offline_too(
    scanning, live_server, launch_chromium, writing, change
):
    """The organizer revokes (or reprints) a badge after the tablet synced its list: the
    server refuses it live, and when the holder tries again after the network has gone,
    on the open page or one reopened from the cache, the tablet must not let them in by
    its older list (it is asked for only every two minutes)."""
    from eventapp.badges import services as badges
    from tests.checkin.test_scanner_browser import _cut_off

    page, _device = _page_at(scanning, live_server, launch_chromium, "gate")
    code = scanning.code("attendee")
    badge_id = scanning.badges["attendee"].id
    with writing():
        badge = db.session.get(Badge, badge_id)
        if change == "revoked":
            badges.revoke_badge(badge, "stolen")
        else:
            badges.reissue_badge(badge)
    db.session.remove()

    assert _scan(page, code)[0] == "revoked"
    _cut_off(page)
    assert _scan(page, code)[0] == "revoked"
    page.reload()
    _ready(page)
    assert _scan(page, code)[0] == "revoked"


def test_an_offline_tablet_says_how_old_its_revocation_list_is(
    scanning, live_server, launch_chromium
):
    """Offline, the tablet admits by the revocation list it last synced. Cut off for
    hours, a badge revoked meanwhile (a stolen one) passes as OK: the page says since
    when its list is, and says no more once it has a fresh one."""
    from tests.checkin.test_scanner_browser import _cut_off

    zone = scanning.event.timezone
    page, _device = _page_at(scanning, live_server, launch_chromium, "gate")
    point_id = scanning.points["gate"].id
    synced = page.evaluate("(point) => window.kicxupScanner.db.get('config', point)", point_id)
    as_of = datetime.fromisoformat(synced["data"]["server_time"])
    _cut_off(page)
    assert _scan(page, scanning.code("attendee"))[0] == "ok"
    assert page.is_hidden("#stale-note")

    page.clock.set_fixed_time(datetime.now(UTC) + timedelta(hours=2))
    assert _scan(page, scanning.code("staff"))[0] == "ok"
    assert page.is_visible("#stale-note")
    note = page.inner_text("#stale-note")
    assert as_of.astimezone(ZoneInfo(zone)).strftime("%m-%d %H:%M") in note
    assert "revoked since then" in note

    page.context.unroute("**/api/checkin/**")
    page.context.set_offline(False)
    page.evaluate("window.kicxupScanner.loadConfig()")
    page.wait_for_selector("#stale-note", state="hidden", timeout=10000)
