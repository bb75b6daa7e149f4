"""JSON bodies of the picking endpoints that are not what the API expects get a
clear 400 naming the `booths` field, never a server error."""

import json

import pytest

from eventapp.booths import services
from tests.booths.conftest import allocations

BASE = "/e/test-expo/my-booths"
BAD_BODIES = [
    [1],
    "A-01",
    {"booths": 5},
    {"booths": [1, 2]},
    {"booths": {"A-01": True}},
    None,
    # PostgreSQL text cannot hold NUL: looked up, such a code was a server error there.
    {"booths": ["A-01", "A-02\x00"]},
    {"booths": "A-01 \x00"},
]


@pytest.mark.parametrize("action", ["hold", "confirm", "release"])
@pytest.mark.parametrize("body", BAD_BODIES, ids=repr)
def test_malformed_json_body_is_a_400_naming_booths(login_as, picking_open, action, body):
    client = login_as("exhibitor_admin")
    response = client.post(
        f"{BASE}/{action}", data=json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 400, response.get_data(as_text=True)
    answer = response.get_json()
    assert answer["ok"] is False
    assert "booths" in answer["message"]
    assert allocations() == {}


@pytest.mark.parametrize("action", ["hold", "confirm", "release"])
def test_unparseable_json_body_is_a_400(login_as, picking_open, action):
    client = login_as("exhibitor_admin")
    response = client.post(
        f"{BASE}/{action}", data='{"booths": ["A-01"', content_type="application/json"
    )
    assert response.status_code == 400
    assert "booths" in response.get_json()["message"]


def test_well_formed_json_bodies_still_work(login_as, picking_open):
    client = login_as("exhibitor_admin")
    held = client.post(f"{BASE}/hold", json={"booths": "A-01, A-02"})
    assert held.status_code == 200, held.get_json()
    assert client.post(f"{BASE}/release", json={}).status_code == 200
    held = client.post(f"{BASE}/hold", json={"booths": ["A-01", "A-02"]})
    assert held.status_code == 200, held.get_json()
    # An empty JSON request (no body at all) acts as before.
    confirmed = client.post(f"{BASE}/confirm", content_type="application/json")
    assert confirmed.status_code == 200, confirmed.get_json()
    alpha = picking_open.exhibitors["alpha"]
    assert allocations() == {"A-01": (alpha.id, "confirmed"), "A-02": (alpha.id, "confirmed")}


@pytest.mark.parametrize("value", [5, [1, 2], {"A-01": True}, ["A-01", 2], b"A-01"], ids=repr)
def test_parse_codes_refuses_what_is_no_booth_code(app_ctx, value):
    with pytest.raises(services.BoothError) as refused:
        services.parse_codes(value)
    assert "booths" in refused.value.message


def test_parse_codes_reads_text_and_lists(app_ctx):
    assert services.parse_codes(None) == []
    assert services.parse_codes("A-01, a-02;A-01  B-03") == ["A-01", "a-02", "B-03"]
    assert services.parse_codes(["A-01 A-02", "", None, "A-03"]) == ["A-01", "A-02", "A-03"]
    assert services.parse_codes(("A-01",)) == ["A-01"]


def test_body_is_checked_also_when_the_exhibitor_is_in_the_url(login_as, picking_open):
    alpha = picking_open.exhibitors["alpha"]
    client = login_as("organizer")
    for action in ("hold", "confirm", "release"):
        response = client.post(
            f"{BASE}/{action}?exhibitor={alpha.id}", data="[1]", content_type="application/json"
        )
        assert response.status_code == 400, action
        assert "booths" in response.get_json()["message"]
