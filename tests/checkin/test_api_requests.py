"""Requests the scan API cannot use: each is refused with its status, in both
languages, naming the field; none costs the server more than its size allows."""

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from eventapp.checkin import services
from eventapp.checkin.models import Scan
from eventapp.extensions import db
from tests.checkin.conftest import nonce

HANGUL = "가"  # any Korean text has a syllable at or after U+AC00


def _korean(text):
    return any(ch >= HANGUL for ch in text)


def _scans():
    return db.session.scalar(select(func.count()).select_from(Scan))


@pytest.mark.parametrize("path", ["/api/checkin/scan", "/api/checkin/scans"])
def test_deeply_nested_json_is_refused(scanning, client, device_token, path):
    response = client.post(
        path,
        data="[" * 100_000 + "]" * 100_000,
        headers={"X-Device-Token": device_token("gate"), "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.get_json()["message_en"] == "the JSON body is nested too deeply"


def test_an_oversized_body_is_refused_before_it_is_read(scanning, client):
    big = b'{"scan_point": 1, "code": "' + b"x" * 3_000_000 + b'", "nonce": "abcdefgh"}'
    response = client.post(
        "/api/checkin/scan", data=big, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.get_json()["error"] == "Request Entity Too Large"
    # A full batch of the longest codes fits.
    gate = scanning.points["gate"]
    batch = {
        "scan_point": gate.id,
        "scans": [{"code": "x" * 2000, "nonce": nonce()} for _ in range(500)],
    }
    assert len(json.dumps(batch)) > 1_000_000
    response = client.post("/api/checkin/scans", json=batch, headers={"X-Device-Token": "x"})
    assert response.status_code == 401


def test_a_huge_code_is_not_decoded_before_the_sign_in_is_checked(scanning, client):
    services._decode.cache_clear()
    padded = scanning.code("attendee") + " " * 1_000_000
    response = client.post(
        "/api/checkin/scan",
        json={"scan_point": scanning.points["gate"].id, "code": padded, "nonce": nonce()},
    )
    assert response.status_code == 401
    assert services._decode.cache_info().currsize == 0


def test_a_body_not_sent_as_json_says_so(scanning, client, device_token):
    body = {"scan_point": scanning.points["gate"].id, "code": "K1", "nonce": nonce()}
    response = client.post(
        "/api/checkin/scan",
        data=json.dumps(body),
        headers={"X-Device-Token": device_token("gate"), "Content-Type": "text/plain"},
    )
    assert response.status_code == 415
    answer = response.get_json()
    assert "Content-Type: application/json" in answer["message_en"]
    assert _korean(answer["message_ko"])
    assert _scans() == 0


@pytest.mark.parametrize(
    "body, field_says",
    [
        ({"scan_point": None, "code": "K1"}, "scan_point must be a positive integer"),
        ({"scan_point": "1", "code": "K1"}, "scan_point must be a positive integer"),
        ({"offline": "yes", "code": "K1"}, "offline must be true or false"),
        ({}, "code is missing"),
        ({"code": 12}, "code must be text: the text the scanner read"),
        ({"code": "K1", "not_before": {}}, "not_before must be text"),
        ({"code": "K1", "scanned_at": 1700000000}, "scanned_at must be an RFC 3339 date-time"),
    ],
)
def test_a_single_scan_names_the_field_in_both_languages(
    scanning, client, device_token, body, field_says
):
    sent = {"scan_point": scanning.points["gate"].id, "nonce": nonce(), **body}
    response = client.post(
        "/api/checkin/scan", json=sent, headers={"X-Device-Token": device_token("gate")}
    )
    assert response.status_code == 400
    answer = response.get_json()
    assert answer["message_en"].startswith(field_says), answer
    assert _korean(answer["message_ko"]) and answer["error"] == "Bad Request"
    assert _scans() == 0


@pytest.mark.parametrize(
    "body, field_says",
    [
        ({"scans": "none"}, "scans must be a list of at most 500 scans"),
        ({"scans": [], "sent_at": []}, "sent_at must be text"),
        ({"scan_point": 0, "scans": []}, "scan_point must be a positive integer"),
    ],
)
def test_an_upload_names_the_field_in_both_languages(
    scanning, client, device_token, body, field_says
):
    sent = {"scan_point": scanning.points["gate"].id, **body}
    response = client.post(
        "/api/checkin/scans", json=sent, headers={"X-Device-Token": device_token("gate")}
    )
    assert response.status_code == 400
    answer = response.get_json()
    assert answer["message_en"].startswith(field_says), answer
    assert _korean(answer["message_ko"])


def test_an_upload_item_that_is_no_object_is_answered_in_both_languages(
    scanning, client, device_token
):
    gate = scanning.points["gate"]
    good = {"code": scanning.code("attendee"), "nonce": nonce()}
    response = client.post(
        "/api/checkin/scans",
        json={"scan_point": gate.id, "scans": ["not an object", good]},
        headers={"X-Device-Token": device_token("gate")},
    )
    first, second = response.get_json()["results"]
    assert first["status"] == "error" and first["message_en"] == "each scan must be a JSON object"
    assert _korean(first["message_ko"])
    assert second["status"] == "ok"


def test_a_live_scan_in_a_leap_second_is_recorded(scanning, client, device_token):
    leap = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:60Z")
    response = client.post(
        "/api/checkin/scan",
        json={
            "scan_point": scanning.points["gate"].id,
            "code": scanning.code("attendee"),
            "nonce": nonce(),
            "scanned_at": leap,
        },
        headers={"X-Device-Token": device_token("gate")},
    )
    assert response.status_code == 200
    assert response.get_json()["status"] == "ok"
    stored = db.session.scalar(select(Scan.scanned_at))
    assert stored.second == 59 and stored.microsecond == 999999


def test_every_status_of_the_config_endpoint_is_documented(scanning, client, device_token):
    gate = scanning.points["gate"]
    response = client.get(
        f"/api/checkin/points/{gate.id}/config?x=%00",
        headers={"X-Device-Token": device_token("gate")},
    )
    assert response.status_code == 400
    document = client.get("/api/checkin/openapi.json").get_json()
    paths = document["paths"]
    assert "400" in paths["/api/checkin/points/{point_id}/config"]["get"]["responses"]
    for path in ("/api/checkin/scan", "/api/checkin/scans"):
        assert {"400", "413", "415"} <= set(paths[path]["post"]["responses"])


def test_a_scan_answer_is_not_compressed(scanning, login_as):
    """Under a network packet: compressing it would cost the gate's server time and
    save no round trip."""
    answer = login_as("staff").post(
        "/api/checkin/scan",
        json={
            "code": scanning.code("staff"),
            "scan_point": scanning.points["gate"].id,
            "nonce": "compression-test-nonce-0001",
        },
        headers={"Accept-Encoding": "gzip"},
    )
    assert answer.status_code == 200 and answer.get_json()["status"] == "ok"
    assert "Content-Encoding" not in answer.headers
