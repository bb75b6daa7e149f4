"""Who may reach which scanning page and API (the role matrix)."""

import re

import pytest
from flask import url_for

from eventapp.checkin import services
from eventapp.checkin.models import Lead
from eventapp.core import static_files
from eventapp.extensions import db
from tests.checkin.conftest import nonce, scan
from tests.conftest import ROLE_NAMES, assert_access

EXHIBITORS = ("exhibitor_admin", "exhibitor_staff", "other_exhibitor")
ALPHA = ("exhibitor_admin", "exhibitor_staff")


@pytest.fixture
def ids(scanning):
    device = services.create_device(scanning.points["gate"], label="x", hours=2)
    db.session.flush()
    lead = Lead(
        event_id=scanning.event.id,
        organization_id=scanning.companies["alpha"].id,
        badge_id=scanning.badges["attendee"].id,
        user_id=scanning.attendee.id,
        scan_point_id=scanning.points["alpha_booth"].id,
        captured_at=services.utcnow(),
    )
    db.session.add(lead)
    db.session.commit()
    return {
        "gate": scanning.points["gate"].id,
        "meeting": scanning.points["meeting"].id,
        "alpha_booth": scanning.points["alpha_booth"].id,
        "device": device.id,
        "lead": lead.id,
    }


def test_organizer_pages(login_as, ids):
    base = "/e/test-expo/checkin"
    for url in (
        f"{base}/",
        f"{base}/points/new",
        f"{base}/points/{ids['gate']}",
        f"{base}/devices/{ids['device']}",
        f"{base}/scans",
    ):
        assert_access(login_as, url, ["organizer"])
    assert_access(
        login_as,
        f"{base}/points/new",
        ["organizer"],
        method="post",
        data={
            "name_ko": "새 입구",
            "name_en": "New gate",
            "kind": "entrance",
            "organization_id": 0,
        },
    )
    assert_access(
        login_as,
        f"{base}/points/{ids['gate']}/devices",
        ["organizer"],
        method="post",
        data={"label": "p", "hours": 3},
    )
    assert_access(login_as, f"{base}/devices/{ids['device']}/revoke", ["organizer"], method="post")


def test_meeting_zone_page(login_as, ids):
    url = f"/e/test-expo/checkin/points/{ids['meeting']}/meetings"
    assert_access(login_as, url, ["staff", "organizer"])
    assert_access(login_as, url, ["organizer"], method="post")


def test_scanner_pages(login_as, ids):
    assert_access(login_as, "/e/test-expo/scan/", ["staff", "organizer", *EXHIBITORS])
    assert_access(login_as, f"/e/test-expo/scan/{ids['gate']}", ["staff", "organizer"])
    assert_access(login_as, f"/e/test-expo/scan/{ids['alpha_booth']}", ["organizer", *ALPHA])
    assert_access(login_as, "/e/test-expo/scan/booth", list(EXHIBITORS), method="post")


def test_lead_pages_never_cross_companies(login_as, ids):
    assert_access(login_as, "/e/test-expo/leads/", ["organizer", *EXHIBITORS])
    assert_access(login_as, "/e/test-expo/leads/export.csv", ["organizer", *EXHIBITORS])
    assert_access(login_as, "/e/test-expo/leads/export.xlsx", ["organizer", *EXHIBITORS])
    assert_access(
        login_as,
        f"/e/test-expo/leads/{ids['lead']}",
        ["organizer", *ALPHA],
        method="post",
        data={"rating": "hot", "notes": ""},
    )


def test_contact_sharing_page(login_as, ids):
    everyone = ["attendee", "staff", "organizer", *EXHIBITORS]
    assert_access(login_as, "/e/test-expo/contact-sharing", everyone)
    assert_access(login_as, "/e/test-expo/contact-sharing", everyone, method="post", data={})


def test_public_service_worker(client, scanning):
    response = client.get("/e/test-expo/scan/sw.js")
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    assert "kicxup-scanner" in response.get_data(as_text=True)


def _sw_cache(client):
    text = client.get("/e/test-expo/scan/sw.js").get_data(as_text=True)
    return re.search(r'const CACHE = "([^"]+)"', text).group(1), text


def test_scanner_cache_changes_with_its_files(client, login_as, scanning, monkeypatch):
    """A deploy that changes a scanner file changes the service worker, so the
    browser installs it and replaces its cache (the page names the same cache)."""
    cache, text = _sw_cache(client)
    page = login_as("staff").get(f"/e/test-expo/scan/{scanning.points['gate'].id}")
    assert f'data-sw-cache="{cache}"' in page.get_data(as_text=True)
    with client.application.test_request_context():
        assert url_for("static", filename="checkin/scanner.js") in text
    real = static_files.static_version

    def changed(folder, filename):
        version = real(folder, filename)
        return "0123456789ab" if filename == "checkin/offline.js" else version

    monkeypatch.setattr(static_files, "static_version", changed)
    new_cache, new_text = _sw_cache(client)
    assert new_cache != cache
    assert "checkin/offline.js?v=0123456789ab" in new_text


@pytest.mark.parametrize(
    "point,allowed",
    [
        ("gate", {"staff", "organizer"}),
        ("meeting", {"staff", "organizer"}),
        ("alpha_booth", {"organizer", *ALPHA}),
    ],
)
def test_scan_api_with_a_session(login_as, scanning, ids, point, allowed):
    target = scanning.points[point]
    code = scanning.code("attendee")
    for role in ROLE_NAMES:
        client = login_as(role)
        response = scan(client, target, code)
        config = client.get(f"/api/checkin/points/{target.id}/config")
        batch = client.post(
            "/api/checkin/scans",
            json={"scan_point": target.id, "scans": [{"code": code, "nonce": nonce()}]},
        )
        expected = 200 if role in allowed else (401 if role == "anonymous" else 403)
        assert (response.status_code, config.status_code, batch.status_code) == (
            expected,
            expected,
            expected,
        ), role


def test_unknown_point_is_404_for_a_session(login_as, scanning):
    client = login_as("staff")
    response = client.post(
        "/api/checkin/scan", json={"scan_point": 999999, "code": "x", "nonce": nonce()}
    )
    assert response.status_code == 404
    assert client.get("/e/test-expo/scan/999999").status_code == 404


def test_ids_too_large_for_a_row_are_not_server_errors(login_as, ids):
    # PostgreSQL refuses a number beyond the 32-bit id column instead of finding nothing.
    organizer = login_as("organizer")
    huge = 2**40
    assert organizer.get(f"/e/test-expo/checkin/scans?point={huge}").status_code == 200
    assert organizer.get(f"/e/test-expo/leads/?org={huge}").status_code == 404
    assert organizer.get(f"/e/test-expo/leads/export.csv?org={huge}").status_code == 404
