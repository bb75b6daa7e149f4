"""Scans uploaded late: an offline scanner's earlier scan of a badge that another gate
checked in online since then takes the day's check-in over."""

from datetime import UTC, datetime, time

import pytest
from sqlalchemy import select

from eventapp.checkin import services
from eventapp.checkin.models import CheckIn, Lead, Scan
from eventapp.extensions import db
from tests.checkin.conftest import nonce, scan


def _upload(client, point, token, code, at, nonce_=None):
    response = client.post(
        "/api/checkin/scans",
        json={
            "scan_point": point.id,
            "scans": [{"code": code, "nonce": nonce_ or nonce(), "scanned_at": at}],
        },
        headers={"X-Device-Token": token},
    )
    assert response.status_code == 200
    return response.get_json()["results"][0]


def _moment(text):
    return datetime.fromisoformat(text).astimezone(UTC)


def _ok_scans(badge):
    return db.session.scalars(
        select(Scan).where(Scan.badge_id == badge.id, Scan.result == "ok")
    ).all()


@pytest.fixture(params=["read with the context", "read by the write"])
def how_found(request, monkeypatch):
    """The check-in is found with the scan context (its day known from an earlier
    scan at the point), or only when the check-in's write finds its key taken."""
    if request.param == "read by the write":
        monkeypatch.setattr(services, "_POINT_TIMEZONES", _Forgetful())
    return request.param


class _Forgetful(dict):
    def __setitem__(self, key, value):
        pass


def test_an_earlier_offline_scan_takes_the_check_in_over(
    scanning, client, device_token, late_clock, how_found, login_as
):
    gate, side = scanning.points["gate"], scanning.points["side_gate"]
    badge, code = scanning.badges["attendee"], scanning.code("attendee")
    gate_token, side_token = device_token("gate"), device_token("side_gate")
    online_nonce = nonce()
    online = scan(
        client, side, code, token=side_token, at=scanning.at(0, time(10, 30)), nonce_=online_nonce
    ).get_json()
    assert online["status"] == "ok"

    # The main gate's scanner lost its network at 9:55 and admitted the visitor at 10:00.
    uploaded = _upload(client, gate, gate_token, code, scanning.at(0, time(10, 0)))
    assert uploaded["status"] == "ok", uploaded
    checkin = db.session.scalars(select(CheckIn)).one()
    assert checkin.scan_point_id == gate.id
    assert checkin.checked_in_at == _moment(scanning.at(0, time(10, 0)))
    # With hindsight the 10:30 scan was the second entry: exactly one `ok` a day.
    assert [s.id for s in _ok_scans(badge)] == [uploaded["scan_id"]]
    earlier = db.session.get(Scan, online["scan_id"])
    assert (earlier.result, earlier.reason) == ("already_checked_in", "earlier_scan")
    # What the side gate's scanner was told stays its answer to a retry.
    retry = scan(
        client, side, code, token=side_token, at=scanning.at(0, time(10, 30)), nonce_=online_nonce
    ).get_json()
    assert retry["status"] == "ok" and retry["replayed"] is True

    # The scan log says why the 10:30 scan is no longer the entry, and what its
    # scanner showed.
    log = login_as("organizer").get("/e/test-expo/checkin/scans").get_data(as_text=True)
    assert "an earlier scan, uploaded later, holds the entry; this scanner showed OK" in log

    later = scan(client, side, code, token=side_token, at=scanning.at(0, time(11, 0))).get_json()
    assert later["status"] == "already_checked_in"
    assert later["first"]["scan_point_id"] == gate.id
    assert "10:00" in later["message_en"] and "Main gate" in later["message_en"]


def test_the_earliest_of_several_uploads_holds_the_check_in(
    scanning, client, device_token, late_clock, how_found
):
    gate, side = scanning.points["gate"], scanning.points["side_gate"]
    badge, code = scanning.badges["attendee"], scanning.code("attendee")
    gate_token, side_token = device_token("gate"), device_token("side_gate")
    assert _upload(client, gate, gate_token, code, scanning.at(0, time(10, 0)))["status"] == "ok"
    earliest = _upload(client, side, side_token, code, scanning.at(0, time(9, 50)))
    assert earliest["status"] == "ok"
    latest = _upload(client, gate, gate_token, code, scanning.at(0, time(10, 10)))
    assert latest["status"] == "already_checked_in"
    assert latest["first"]["scan_point_id"] == side.id
    assert "09:50" in latest["message_en"]
    assert [s.id for s in _ok_scans(badge)] == [earliest["scan_id"]]
    checkin = db.session.scalars(select(CheckIn)).one()
    assert checkin.checked_in_at == _moment(scanning.at(0, time(9, 50)))


def test_an_online_scan_never_claims_an_earlier_entry(
    scanning, client, device_token, late_clock, how_found
):
    """An online scan's time is its scanner's clock, which may run behind."""
    gate, side = scanning.points["gate"], scanning.points["side_gate"]
    code = scanning.code("attendee")
    scan(client, gate, code, token=device_token("gate"), at=scanning.at(0, time(10, 30)))
    behind = scan(
        client, side, code, token=device_token("side_gate"), at=scanning.at(0, time(10, 0))
    ).get_json()
    assert behind["status"] == "already_checked_in"
    assert behind["first"]["scan_point_id"] == gate.id
    assert db.session.scalars(select(CheckIn)).one().scan_point_id == gate.id


def test_other_entrance_groups_and_days_are_left_alone(scanning, client, device_token, late_clock):
    gate, vip = scanning.points["gate"], scanning.points["vip_gate"]
    badge, code = scanning.badges["staff"], scanning.code("staff")
    gate_token = device_token("gate")
    lounge = scan(
        client, vip, code, token=device_token("vip_gate"), at=scanning.at(0, time(10, 30))
    )
    day2 = scan(client, gate, code, token=gate_token, at=scanning.at(1, time(10, 30)))
    assert lounge.get_json()["status"] == "ok" and day2.get_json()["status"] == "ok"
    uploaded = _upload(client, gate, gate_token, code, scanning.at(0, time(10, 0)))
    # Day 1 at the main entrances had no check-in: a plain first entry.
    assert uploaded["status"] == "ok"
    assert len(_ok_scans(badge)) == 3
    assert len(db.session.scalars(select(CheckIn)).all()) == 3


def test_an_earlier_offline_booth_scan_takes_the_lead_over(
    scanning, client, device_token, login_as, late_clock
):
    """The booth's own phone was offline when it met the visitor at 10:00; a colleague
    signed in scanned them online at 10:30. The lead dates from 10:00 and keeps the
    notes and rating given since."""
    booth = scanning.points["alpha_booth"]
    badge, code = scanning.badges["attendee"], scanning.code("attendee")
    staff = login_as("exhibitor_staff")
    online = scan(staff, booth, code, at=scanning.at(0, time(10, 30))).get_json()
    assert online["status"] == "ok"
    lead = db.session.scalars(select(Lead)).one()
    services.update_lead(lead, rating="hot", notes="Wants a PoC in March")
    db.session.commit()

    uploaded = _upload(
        client, booth, device_token("alpha_booth"), code, scanning.at(0, time(10, 0))
    )
    assert uploaded["status"] == "ok", uploaded
    db.session.expire_all()
    lead = db.session.scalars(select(Lead)).one()
    assert lead.captured_at == _moment(scanning.at(0, time(10, 0)))
    assert (lead.rating, lead.notes) == ("hot", "Wants a PoC in March")
    assert [s.id for s in _ok_scans(badge)] == [uploaded["scan_id"]]
    held = db.session.get(Scan, online["scan_id"])
    assert (held.result, held.reason) == ("already_checked_in", "earlier_scan")
    # An even later upload, and an online scan, name the 10:00 scan.
    late = _upload(client, booth, device_token("alpha_booth"), code, scanning.at(0, time(11, 0)))
    assert late["status"] == "already_checked_in" and "10:00" in late["message_en"]
