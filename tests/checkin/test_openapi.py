"""The OpenAPI document describes the scanner API truthfully: schemathesis
generates requests from it (valid and invalid ones, with a real device token so
they reach the scan logic) and checks every answer against it."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

schemathesis = pytest.importorskip("schemathesis")
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.generation import GenerationMode  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

SCHEMA_PATH = "/api/checkin/openapi.json"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def test_document_lists_the_endpoints(client):
    document = client.get(SCHEMA_PATH).get_json()
    assert document["openapi"].startswith("3.")
    assert set(document["paths"]) == {
        "/api/checkin/scan",
        "/api/checkin/scans",
        "/api/checkin/points/{point_id}/config",
    }


def _schema(app):
    return schemathesis.openapi.from_wsgi(SCHEMA_PATH, app)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_api_conforms_to_its_document(app, scanning, device_token, mode):
    token = device_token("gate")
    gate = scanning.points["gate"]
    good_codes = [scanning.code(role) for role in ("attendee", "staff", "organizer")]
    schema = _schema(app)
    strategy = schema.as_strategy(
        generation_mode=mode,
        # Its WSGI transport asks for gzip and reads the body undecoded (browsers
        # decode it; tests/checkin/test_devices.py reads the compressed config).
        headers={"X-Device-Token": token, "Accept-Encoding": "identity"},
        path_parameters={"point_id": gate.id} if mode.is_positive else None,
    )
    seen = {"statuses": set()}

    @settings(
        max_examples=200,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy, pick=st.integers(0, 5))
    def run(case, pick):
        body = case.body
        if mode.is_positive and isinstance(body, dict):
            # Aim at the device's own scan point, and sometimes scan a real badge.
            body["scan_point"] = gate.id
            if "code" in body and pick < len(good_codes):
                body["code"] = good_codes[pick]
            for item in body.get("scans") or []:
                if isinstance(item, dict) and pick < len(good_codes):
                    item["code"] = good_codes[pick]
        checks = CHECKS + ([negative_data_rejection] if not mode.is_positive else [])
        response = case.call_and_validate(checks=checks)
        seen["statuses"].add(response.status_code)
        if response.status_code == 200 and case.path == "/api/checkin/scan":
            seen.setdefault("answers", set()).add(response.json()["status"])

    run()
    if mode.is_positive:
        # The generated requests reached the scan logic, with forged and real badges.
        assert {"ok", "invalid"} <= seen.get("answers", set()), seen
    else:
        assert seen["statuses"] & {400, 404}  # and invalid ones were refused


def test_without_a_token_every_operation_answers_401(app, scanning):
    schema = _schema(app)

    @settings(
        max_examples=15, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(case=schema.as_strategy())
    def run(case):
        response = case.call_and_validate(checks=CHECKS)
        assert response.status_code in (400, 401)

    run()
