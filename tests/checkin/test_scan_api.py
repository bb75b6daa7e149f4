"""The scan API: every answer kind, nonce idempotency, the audit trail, days and categories."""

import base64
import json
import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from eventapp.badges import codes
from eventapp.badges import services as badges
from eventapp.checkin import services
from eventapp.checkin.models import CheckIn, Lead, Scan
from eventapp.events.models import Event
from eventapp.extensions import db
from tests.checkin.conftest import another_event, nonce, scan

HANGUL = re.compile(r"[\uac00-\ud7a3]")


def _count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _flip_signature_bit(text):
    raw = bytearray(base64.b32decode(text[2:]))
    raw[40] ^= 0x01
    return "K1" + base64.b32encode(bytes(raw)).decode()


def test_ok_then_already_at_another_gate_of_the_group(scanning, client, device_token, server_clock):
    gate, side = scanning.points["gate"], scanning.points["side_gate"]
    code = scanning.code("attendee")
    at = scanning.at(0, time(9, 41, 7))
    token = device_token("gate")
    received = server_clock(0, time(9, 41, 7))
    first = scan(client, gate, code, token=token, at=at)
    assert first.status_code == 200
    answer = first.get_json()
    assert answer["status"] == "ok"
    assert answer["badge"]["name_en"] == "Attendee"
    assert answer["badge"]["category"] == "large_firm"
    assert answer["badge"]["category_label_ko"] and answer["badge"]["category_label_en"]
    assert HANGUL.search(answer["message_ko"]) and "Attendee" in answer["message_en"]
    assert answer["day"] == scanning.event.days[0].isoformat()
    row = db.session.get(Scan, answer["scan_id"])
    assert row.scanned_at == datetime.fromisoformat(at).astimezone(UTC)
    # The scanner's time is kept as sent; the server stamps its own time of receipt.
    assert row.received_at == received
    assert datetime.fromisoformat(answer["received_at"]) == row.received_at
    assert row.device_id is not None and row.result == "ok"

    later = scanning.at(0, time(11, 5))
    server_clock(0, time(11, 5))
    second = scan(client, side, code, token=device_token("side_gate"), at=later).get_json()
    assert second["status"] == "already_checked_in"
    assert second["first"]["scan_point_id"] == gate.id
    assert second["first"]["scan_point_en"] == "Main gate"
    assert datetime.fromisoformat(second["first"]["at"]) == datetime.fromisoformat(at)
    # Checked in today: the time is said without the date ("today at 10-07 09:41").
    assert "Already checked in today at 09:41 (Main gate)." in second["message_en"]
    assert "오늘 09:41에" in second["message_ko"] and "정문" in second["message_ko"]
    assert second["badge"]["name_en"] == "Attendee"
    assert _count(CheckIn) == 1
    assert _count(Scan) == 2


def test_a_new_fair_day_checks_in_again(scanning, client, device_token, server_clock):
    token = device_token("gate")
    code = scanning.code("attendee")
    gate = scanning.points["gate"]
    server_clock(0)
    assert scan(client, gate, code, token=token, at=scanning.at(0)).get_json()["status"] == "ok"
    server_clock(1)
    assert scan(client, gate, code, token=token, at=scanning.at(1)).get_json()["status"] == "ok"
    server_clock(1, time(15, 0))
    again = scan(client, gate, code, token=token, at=scanning.at(1, time(15, 0))).get_json()
    assert again["status"] == "already_checked_in"
    assert sorted(d for (d,) in db.session.execute(select(CheckIn.day))) == scanning.event.days


def test_invalid_codes_malformed_forged_other_event_unknown_badge(scanning, client, device_token):
    token = device_token("gate")
    gate = scanning.points["gate"]
    event = scanning.event
    good = scanning.code("attendee")

    other_badge = badges.issue_badge(another_event(scanning), scanning.attendee)
    db.session.commit()
    foreign = badges.badge_code(other_badge)
    key = badges.event_key(event)
    unknown = codes.encode(bytes(key.private_key), event.id, 999_999, 1)
    wrong_key = codes.encode(codes.generate_private_key(), event.id, scanning.badges["staff"].id, 1)

    cases = {
        "hello": "malformed",
        good[:-1]: "malformed",
        _flip_signature_bit(good): "bad_signature",
        wrong_key: "bad_signature",
        foreign: "other_event",
        unknown: "unknown_badge",
    }
    for code, reason in cases.items():
        answer = scan(client, gate, code, token=token, at=scanning.at(0)).get_json()
        assert answer["status"] == "invalid", (code, answer)
        assert answer["reason"].startswith(reason)
        assert answer["message_ko"] and answer["message_en"]
        assert answer["message_ko"] != answer["message_en"]
    # Every failed scan is in the audit trail, none made a check-in.
    stored = db.session.scalars(select(Scan.reason).where(Scan.result == "invalid")).all()
    assert len(stored) == len(cases)
    assert {r.split(":")[0] for r in stored} == set(cases.values())
    assert _count(CheckIn) == 0
    forged = db.session.scalar(select(Scan).where(Scan.reason == "bad_signature"))
    assert forged.code.startswith("K1") and forged.badge_id is None


def test_revoked_and_superseded_badges(scanning, client, device_token):
    token = device_token("gate")
    gate = scanning.points["gate"]
    staff_badge = scanning.badges["staff"]
    old_code = badges.badge_code(staff_badge)
    badges.reissue_badge(staff_badge)
    db.session.commit()
    new_code = badges.badge_code(staff_badge)

    superseded = scan(client, gate, old_code, token=token, at=scanning.at(0)).get_json()
    assert superseded["status"] == "revoked" and superseded["reason"] == "superseded"
    assert superseded["badge"]["name_en"] == "Staff"
    assert scan(client, gate, new_code, token=token, at=scanning.at(0)).get_json()["status"] == "ok"

    badges.revoke_badge(scanning.badges["attendee"])
    db.session.commit()
    answer = scan(
        client, gate, scanning.code("attendee"), token=token, at=scanning.at(0)
    ).get_json()
    assert answer["status"] == "revoked" and answer["reason"] == "revoked"
    assert HANGUL.search(answer["message_ko"])
    assert _count(Scan, Scan.result == "revoked") == 2


def test_not_valid_today_follows_the_points_valid_days(
    scanning, client, device_token, server_clock
):
    token = device_token("day2_gate")
    day2 = scanning.points["day2_gate"]
    code = scanning.code("attendee")
    server_clock(0)
    today = scan(client, day2, code, token=token, at=scanning.at(0)).get_json()
    assert today["status"] == "not_valid_today"
    assert scanning.event.days[0].isoformat() in today["message_en"]
    server_clock(1)
    assert scan(client, day2, code, token=token, at=scanning.at(1)).get_json()["status"] == "ok"
    # The day before the fair is no fair day at any entrance.
    gate_token = device_token("gate")
    before = scanning.event.local_datetime(
        scanning.event.starts_on - timedelta(days=1), time(12, 0)
    )
    server_clock(scanning.event.starts_on - timedelta(days=1), time(12, 0))
    answer = scan(
        client, scanning.points["gate"], code, token=gate_token, at=before.isoformat()
    ).get_json()
    assert answer["status"] == "not_valid_today"
    assert answer["day"] == (scanning.event.starts_on - timedelta(days=1)).isoformat()


def test_a_live_scan_from_a_clock_a_day_behind_is_dated_on_receipt(
    scanning, client, device_token, server_clock
):
    """A tablet set a day behind by hand scans the visitor live on day 2: the visitor
    was checked in for day 1 (and then let in again on day 2 as a first entry). A live
    scan reaches the server within seconds, so a time further behind is the clock's
    error: the scan counts from its receipt. A scan sent as made offline keeps its time."""
    gate, side = scanning.points["gate"], scanning.points["side_gate"]
    attendee, staff = scanning.code("attendee"), scanning.code("staff")
    received = server_clock(1, time(10, 0))
    answer = scan(client, gate, attendee, token=device_token("gate"), at=scanning.at(0)).get_json()
    assert (answer["status"], answer["day"]) == ("ok", scanning.event.days[1].isoformat())
    assert answer["scan_time_behind_s"] == 86400 + 2
    row = db.session.get(Scan, answer["scan_id"])
    assert row.scanned_at == received and row.answer["scan_time_behind_s"] == 86402
    [checkin] = db.session.scalars(select(CheckIn)).all()
    assert (checkin.day, checkin.checked_in_at) == (scanning.event.days[1], received)
    # The gate at the other side, with a right clock, sees the same entry.
    again = scan(client, side, attendee, token=device_token("side_gate")).get_json()
    assert again["status"] == "already_checked_in"

    # Minutes behind is a live scan's own delay (a retry): its time is kept.
    lagging = scanning.at(1, time(9, 56))
    kept = scan(client, gate, staff, token=device_token("gate"), at=lagging).get_json()
    assert "scan_time_behind_s" not in kept
    assert db.session.get(Scan, kept["scan_id"]).scanned_at == datetime.fromisoformat(lagging)

    # A clock reset by years, or set a century ahead: a live scan is still the visitor
    # at the gate now (refused, it was shown as an error and lost).
    for sent, note in (
        ("2000-01-01T00:03:00Z", "scan_time_behind_s"),
        ("2100-01-01T00:00:00Z", "scan_time_refused"),
    ):
        code = scanning.code("exhibitor_admin" if note == "scan_time_behind_s" else "outsider")
        far = scan(client, side, code, token=device_token("side_gate"), at=sent)
        assert far.status_code == 200
        assert far.get_json()["status"] in ("ok", "not_allowed") and note in far.get_json()
        assert db.session.get(Scan, far.get_json()["scan_id"]).scanned_at == received

    # Uploaded as made offline on day 1, a scan keeps its day.
    offline = scan(
        client,
        gate,
        scanning.code("organizer"),
        token=device_token("gate"),
        at=scanning.at(0),
        offline=True,
    ).get_json()
    assert (offline["status"], offline["day"]) == ("ok", scanning.event.days[0].isoformat())
    assert "scan_time_behind_s" not in offline


def test_day_is_the_event_local_day_of_the_scan(scanning, client, device_token, late_clock):
    token = device_token("day2_gate")
    day2 = scanning.points["day2_gate"]
    # 23:30 UTC on day 1 is 08:30 on day 2 in Seoul.
    moment = datetime.combine(scanning.event.days[0], time(23, 30), tzinfo=UTC)
    answer = scan(
        client, day2, scanning.code("attendee"), token=token, at=moment.isoformat()
    ).get_json()
    assert answer["status"] == "ok" and answer["day"] == scanning.event.days[1].isoformat()


def test_a_blank_entrance_group_is_the_main_one(scanning, client, device_token):
    """A gate saved with a blank (or padded) group used to form a group of its own:
    a visitor admitted at the main gate was admitted again there, and the offline
    scanner, keying check-ins by the group's text, disagreed with the server."""
    side = scanning.points["side_gate"]
    services.update_scan_point(side, entrance_group="  ")
    vip = scanning.points["vip_gate"]
    services.update_scan_point(vip, entrance_group=" vip ")
    db.session.commit()
    assert (side.entrance_group, vip.entrance_group) == ("main", "vip")
    blank = services.create_scan_point(
        scanning.event, name_ko="동문", name_en="East gate", kind="entrance", entrance_group=" "
    )
    db.session.commit()
    assert blank.entrance_group == "main"
    code = scanning.code("attendee")
    at = scanning.at(0)
    first = scan(client, scanning.points["gate"], code, token=device_token("gate"), at=at)
    assert first.get_json()["status"] == "ok"
    again = scan(client, side, code, token=device_token("side_gate"), at=at).get_json()
    assert again["status"] == "already_checked_in"
    assert _count(CheckIn) == 1


def test_category_rules_and_entrance_groups(scanning, client, device_token):
    vip = scanning.points["vip_gate"]
    token = device_token("vip_gate")
    refused = scan(client, vip, scanning.code("attendee"), token=token, at=scanning.at(0))
    refused = refused.get_json()
    assert refused["status"] == "not_allowed" and refused["reason"] == "category"
    assert refused["badge"]["category"] == "large_firm"
    assert "Large / mid-size firm" in refused["message_en"]
    assert "대·중견기업" in refused["message_ko"]
    # An organizer admitted at the main gate is admitted again in the separate vip group.
    gate_token = device_token("gate")
    organizer_code = scanning.code("organizer")
    gate = scanning.points["gate"]
    assert (
        scan(client, gate, organizer_code, token=gate_token, at=scanning.at(0)).get_json()["status"]
        == "ok"
    )
    assert (
        scan(client, vip, organizer_code, token=token, at=scanning.at(0)).get_json()["status"]
        == "ok"
    )
    assert _count(CheckIn) == 2
    # The meeting zone refuses visitors.
    meeting_token = device_token("meeting")
    visitor = scan(
        client,
        scanning.points["meeting"],
        scanning.code("outsider"),
        token=meeting_token,
        at=scanning.at(0),
    ).get_json()
    assert visitor["status"] == "not_allowed"
    firm = scan(
        client,
        scanning.points["meeting"],
        scanning.code("attendee"),
        token=meeting_token,
        at=scanning.at(0),
    ).get_json()
    assert firm["status"] == "ok" and firm["meeting"] is None


def test_closed_point_refuses(scanning, client, device_token):
    token = device_token("gate")
    scanning.points["gate"].active = False
    db.session.commit()
    answer = scan(
        client, scanning.points["gate"], scanning.code("attendee"), token=token, at=scanning.at(0)
    ).get_json()
    assert answer["status"] == "not_allowed" and answer["reason"] == "point_closed"


def test_same_nonce_returns_the_first_answer_and_records_nothing(scanning, client, device_token):
    token = device_token("gate")
    gate = scanning.points["gate"]
    once = nonce()
    code = scanning.code("attendee")
    first = scan(client, gate, code, token=token, at=scanning.at(0), nonce_=once).get_json()
    retry = scan(client, gate, code, token=token, at=scanning.at(0), nonce_=once).get_json()
    assert first["status"] == "ok" and retry["status"] == "ok"
    assert retry["replayed"] is True and first["replayed"] is False
    assert retry["scan_id"] == first["scan_id"]
    assert retry["message_en"] == first["message_en"]
    # Even another code under the same nonce changes nothing.
    other = scan(
        client, gate, scanning.code("staff"), token=token, at=scanning.at(0), nonce_=once
    ).get_json()
    assert other["badge"]["name_en"] == "Attendee" and other["replayed"] is True
    assert _count(Scan) == 1 and _count(CheckIn) == 1
    # A failed scan retried is stored once too.
    bad = nonce()
    scan(client, gate, "garbage", token=token, nonce_=bad)
    scan(client, gate, "garbage", token=token, nonce_=bad)
    assert _count(Scan, Scan.nonce == bad) == 1


def test_batch_upload_answers_each_and_keeps_client_times(scanning, client, device_token):
    token = device_token("gate")
    gate = scanning.points["gate"]
    code = scanning.code("attendee")
    times = [scanning.at(0, time(9, 1, 30)), scanning.at(0, time(9, 2)), scanning.at(0, time(9, 3))]
    shared = nonce()
    items = [
        {"code": code, "nonce": shared, "scanned_at": times[0]},
        {"code": code, "nonce": nonce(), "scanned_at": times[1]},
        {"code": "broken", "nonce": nonce(), "scanned_at": times[2]},
        {"code": code, "nonce": "bad nonce!", "scanned_at": times[2]},
        {"code": code, "nonce": shared, "scanned_at": times[2]},
        "not an object",
    ]
    response = client.post(
        "/api/checkin/scans",
        json={"scan_point": gate.id, "scans": items},
        headers={"X-Device-Token": token},
    )
    assert response.status_code == 200
    results = response.get_json()["results"]
    assert [r["status"] for r in results] == [
        "ok",
        "already_checked_in",
        "invalid",
        "error",
        "ok",
        "error",
    ]
    assert results[4]["replayed"] is True and results[4]["scan_id"] == results[0]["scan_id"]
    assert results[3]["nonce"] == "bad nonce!" and "nonce" in results[3]["error"]
    rows = db.session.scalars(select(Scan).order_by(Scan.id)).all()
    assert len(rows) == 3 and all(r.offline for r in rows)
    assert [r.scanned_at for r in rows] == [
        datetime.fromisoformat(t).astimezone(UTC) for t in times
    ]
    # Uploading the same batch again records nothing new.
    again = client.post(
        "/api/checkin/scans",
        json={"scan_point": gate.id, "scans": items[:3]},
        headers={"X-Device-Token": token},
    ).get_json()["results"]
    assert all(r["replayed"] for r in again)
    assert _count(Scan) == 3


def test_client_clock_ahead_keeps_its_time_but_the_server_day_counts(
    scanning, client, device_token
):
    token = device_token("day2_gate")
    ahead = datetime.now(UTC) + timedelta(days=1, hours=1)
    answer = scan(
        client,
        scanning.points["day2_gate"],
        scanning.code("attendee"),
        token=token,
        at=ahead.isoformat(),
    ).get_json()
    # Scanned "tomorrow" by its own clock, but the server says it is still today.
    assert answer["status"] == "not_valid_today"
    assert answer["day"] == scanning.event.days[0].isoformat()
    row = db.session.get(Scan, answer["scan_id"])
    assert abs(row.scanned_at - ahead) < timedelta(seconds=1)


def test_a_check_in_from_a_clock_running_ahead_has_the_servers_time(scanning, client, device_token):
    """The next gate answered "already checked in at 13:00" at 10:00: the check-in
    kept the time of a scanner whose clock ran three hours ahead."""
    ahead = datetime.now(UTC) + timedelta(hours=3)
    answer = scan(
        client,
        scanning.points["gate"],
        scanning.code("attendee"),
        token=device_token("gate"),
        at=ahead.isoformat(),
    ).get_json()
    assert answer["status"] == "ok"
    checkin = db.session.scalar(select(CheckIn))
    assert abs(checkin.checked_in_at - datetime.now(UTC)) < timedelta(minutes=1)
    assert abs(db.session.get(Scan, answer["scan_id"]).scanned_at - ahead) < timedelta(seconds=1)


def test_booth_lead_capture(scanning, client, device_token, login_as, late_clock):
    alpha = scanning.points["alpha_booth"]
    staff_client = login_as("exhibitor_staff")
    first = scan(staff_client, alpha, scanning.code("attendee"), at=scanning.at(0)).get_json()
    assert first["status"] == "ok" and "Attendee" in first["message_en"]
    again = scan(staff_client, alpha, scanning.code("attendee"), at=scanning.at(1)).get_json()
    assert again["status"] == "already_checked_in"
    assert again["first"]["scan_point_id"] == alpha.id
    lead = db.session.scalar(select(Lead))
    assert lead.organization_id == scanning.companies["alpha"].id
    assert lead.user_id == scanning.attendee.id
    assert lead.captured_by_id == scanning.exhibitor_staff.id
    # Another company's booth gets its own lead of the same visitor.
    beta = scan(
        client,
        scanning.points["beta_booth"],
        scanning.code("attendee"),
        token=device_token("beta_booth"),
        at=scanning.at(0),
    ).get_json()
    assert beta["status"] == "ok"
    assert _count(Lead) == 2 and _count(CheckIn) == 0


def test_bad_requests_get_400(scanning, client, device_token):
    token = device_token("gate")
    gate = scanning.points["gate"]
    headers = {"X-Device-Token": token}
    code = scanning.code("attendee")
    bodies = [
        {"scan_point": gate.id, "code": code},  # no nonce
        {"scan_point": gate.id, "code": code, "nonce": "short"},
        {"scan_point": gate.id, "code": 5, "nonce": nonce()},
        {"scan_point": gate.id, "code": code, "nonce": nonce(), "scanned_at": "2025-09-17 10:00"},
        {"scan_point": gate.id, "code": code, "nonce": nonce(), "scanned_at": "yesterday"},
        {
            "scan_point": gate.id,
            "code": code,
            "nonce": nonce(),
            "scanned_at": "0001-01-01T00:00:00+14:00",
        },
        {
            "scan_point": gate.id,
            "code": code,
            "nonce": nonce(),
            "scanned_at": "2001-01-01T00:00:00Z",
            "offline": True,  # a live scan from such a clock is dated on receipt
        },
        {"scan_point": gate.id, "code": code, "nonce": nonce(), "offline": "yes"},
        {"scan_point": str(gate.id), "code": code, "nonce": nonce()},
        {"scan_point": True, "code": code, "nonce": nonce()},
    ]
    for body in bodies:
        response = client.post("/api/checkin/scan", json=body, headers=headers)
        assert response.status_code == 400, body
        assert response.get_json()["message"]
    raw = client.post(
        "/api/checkin/scan", data="{", headers={**headers, "Content-Type": "application/json"}
    )
    assert raw.status_code == 400
    assert _count(Scan) == 0


def test_an_unusable_scan_is_explained_in_both_languages(scanning, client, device_token):
    """The scanner shows staff the reason in their language: a clock a year off
    used to come back in English only."""
    headers = {"X-Device-Token": device_token("gate")}
    body = {
        "scan_point": scanning.points["gate"].id,
        "code": scanning.code("attendee"),
        "nonce": nonce(),
        "scanned_at": "2001-01-01T00:00:00Z",
        "offline": True,
    }
    korean = client.post(
        "/api/checkin/scan", json=body, headers={**headers, "Accept-Language": "ko"}
    ).get_json()
    assert "스캐너의 시계를 확인하세요" in korean["message_ko"]
    assert "check the scanner's clock" in korean["message_en"]
    assert korean["message"] == korean["message_ko"]
    english = client.post(
        "/api/checkin/scan", json=body, headers={**headers, "Accept-Language": "en"}
    ).get_json()
    assert english["message"] == english["message_en"]
    listed = {**body, "code": ["K1"], "scanned_at": None}
    answer = client.post("/api/checkin/scan", json=listed, headers=headers).get_json()
    assert "텍스트여야" in answer["message_ko"] and "code must be text" in answer["message_en"]
    batch = client.post(
        "/api/checkin/scans",
        json={
            "scan_point": body["scan_point"],
            "scans": [{**listed, "code": body["code"], "nonce": "bad nonce!"}],
        },
        headers=headers,
    ).get_json()["results"]
    assert batch[0]["status"] == "error"
    assert "nonce는" in batch[0]["message_ko"] and batch[0]["message_en"] == batch[0]["error"]
    assert _count(Scan) == 0


def test_text_too_long_for_a_badge_is_answered_as_no_badge_code(scanning, client, device_token):
    """A paste or a hand scanner gone wild is text that is no badge code, whatever its
    length: the scanner shows staff the usual answer (live and uploaded alike), and
    the scan is in the audit trail like any other."""
    gate = scanning.points["gate"]
    token = device_token("gate")
    long_text = scanning.code("attendee") + "x" * services.MAX_CODE_LENGTH
    services._decode.cache_clear()
    live = scan(client, gate, long_text, token=token)
    assert live.status_code == 200
    answer = live.get_json()
    assert (answer["status"], answer["reason"]) == ("invalid", "malformed:too long")
    assert answer["message_en"] == "Not a badge code."
    assert answer["message_ko"] == "출입증 코드가 아닙니다."
    assert answer["badge"] is None
    row = db.session.get(Scan, answer["scan_id"])
    assert row.result == "invalid" and row.badge_id is None
    assert row.code == long_text[: services.STORED_CODE_LENGTH]

    queued = [
        {"code": "y" * (services.MAX_CODE_LENGTH + 1), "nonce": nonce()},
        {"code": scanning.code("attendee"), "nonce": nonce()},
    ]
    results = client.post(
        "/api/checkin/scans",
        json={"scan_point": gate.id, "scans": queued},
        headers={"X-Device-Token": token},
    ).get_json()["results"]
    assert [(r["status"], r["reason"]) for r in results] == [
        ("invalid", "malformed:too long"),
        ("ok", ""),
    ]
    assert results[0]["message_en"] == "Not a badge code." and results[0]["offline"]
    assert _count(Scan, Scan.result == "invalid") == 2
    # Not decoded: only the real badge's code is in the parser's memory.
    assert services._decode.cache_info().currsize == 1


def test_a_badge_of_someone_taken_off_the_team_scans_revoked(scanning, client, device_token):
    """Online and on a scanner working from its synced revocation list alike."""
    from eventapp.exhibitors.services import remove_member

    token = device_token("gate")
    gate = scanning.points["gate"]
    code = scanning.code("exhibitor_staff")
    assert scan(client, gate, code, token=token, at=scanning.at(0)).get_json()["status"] == "ok"
    remove_member(scanning.exhibitors["alpha"], scanning.exhibitor_staff.id)
    answer = scan(client, gate, code, token=token, at=scanning.at(1)).get_json()
    assert answer["status"] == "revoked" and answer["reason"] == "revoked"
    config = client.get(
        f"/api/checkin/points/{gate.id}/config", headers={"X-Device-Token": token}
    ).get_json()
    assert config["revocation"]["revoked"] == [scanning.badges["exhibitor_staff"].id]


def test_the_badges_of_a_company_that_withdrew_scan_revoked(scanning, client, device_token):
    """Online and on a scanner working from its synced revocation list alike; the
    visitor working for another company keeps passing."""
    from eventapp.exhibitors.services import withdraw

    token = device_token("gate")
    gate = scanning.points["gate"]
    code = scanning.code("exhibitor_staff")
    assert scan(client, gate, code, token=token, at=scanning.at(0)).get_json()["status"] == "ok"
    withdraw(scanning.exhibitors["alpha"], "budget cut")
    answer = scan(client, gate, code, token=token, at=scanning.at(1)).get_json()
    assert answer["status"] == "revoked" and answer["reason"] == "revoked"
    visitor = scan(client, gate, scanning.code("attendee"), token=token, at=scanning.at(1))
    assert visitor.get_json()["status"] == "ok"
    config = client.get(
        f"/api/checkin/points/{gate.id}/config", headers={"X-Device-Token": token}
    ).get_json()
    assert config["revocation"]["revoked"] == sorted(
        scanning.badges[key].id for key in ("exhibitor_admin", "exhibitor_staff")
    )


def test_config_gives_key_revocations_and_holders(scanning, client, device_token):
    token = device_token("gate")
    badges.revoke_badge(scanning.badges["outsider"])
    badges.reissue_badge(scanning.badges["staff"])
    db.session.commit()
    gate = scanning.points["gate"]
    response = client.get(
        f"/api/checkin/points/{gate.id}/config", headers={"X-Device-Token": token}
    )
    assert response.status_code == 200
    data = response.get_json()
    assert data["public_key"] == badges.public_key_b64(scanning.event)
    assert data["revocation"]["revoked"] == [scanning.badges["outsider"].id]
    assert data["revocation"]["min_issue"][str(scanning.badges["staff"].id)] == 2
    holder = data["holders"][str(scanning.badges["attendee"].id)]
    assert holder["name_en"] == "Attendee" and holder["category"] == "large_firm"
    assert len(data["holders"]) == len(scanning.badges)
    assert data["scan_point"]["valid_days"] == [d.isoformat() for d in scanning.event.days]
    assert data["device"]["label"] == "test"
    assert data["event"]["timezone"] == "Asia/Seoul"
    # Another event's badges never appear.
    other = Event(slug="x", name_ko="x", name_en="x", starts_on=date.today(), ends_on=date.today())
    db.session.add(other)
    db.session.flush()
    foreign = badges.issue_badge(other, scanning.outsider)
    db.session.commit()
    data = client.get(
        f"/api/checkin/points/{gate.id}/config", headers={"X-Device-Token": token}
    ).get_json()
    assert str(foreign.id) not in data["holders"]
    assert client.get(f"/api/checkin/points/{gate.id}/config").status_code == 401


def test_booth_scanners_get_no_roster_of_badge_holders(scanning, client, login_as, device_token):
    """Exhibitor staff at a booth lead point must not be able to download the
    attendee list: their config verifies codes but names nobody."""
    alpha = scanning.points["alpha_booth"]
    people = [scanning.badges[role] for role in ("attendee", "outsider", "other_exhibitor")]
    names = {text for b in people for text in (b.name_ko, b.name_en, b.organization_en) if text}
    assert "Attendee" in names and "Gamma Group" in names

    staff = login_as("exhibitor_staff")
    by_session = staff.get(f"/api/checkin/points/{alpha.id}/config")
    by_device = client.get(
        f"/api/checkin/points/{alpha.id}/config",
        headers={"X-Device-Token": device_token("alpha_booth")},
    )
    for response in (by_session, by_device):
        assert response.status_code == 200
        data = response.get_json()
        assert data["holders"] == {} and data["holder_fields"] == []
        text = response.get_data(as_text=True)
        assert not [name for name in names if name in text]
        # What it needs to check codes offline is all there.
        assert data["public_key"] == badges.public_key_b64(scanning.event)
        assert str(people[0].id) in data["revocation"]["min_issue"]
    # Scanning online still tells the exhibitor whom they captured (that is the lead).
    answer = scan(staff, alpha, scanning.code("attendee")).get_json()
    assert answer["status"] == "ok" and answer["badge"]["name_en"] == "Attendee"

    # Entrances (the organizer's staff) keep name and category for the gate screen,
    # and nothing more.
    gate = client.get(
        f"/api/checkin/points/{scanning.points['gate'].id}/config",
        headers={"X-Device-Token": device_token("gate")},
    ).get_json()
    holder = gate["holders"][str(scanning.badges["attendee"].id)]
    assert holder == {"name_ko": "attendee 님", "name_en": "Attendee", "category": "large_firm"}
    assert "Gamma Group" not in json.dumps(gate, ensure_ascii=False)


def _statements_run(monkeypatch):
    from eventapp.checkin import services

    names = []
    original = services._first

    def spy(name, params):
        names.append(name)
        return original(name, params)

    monkeypatch.setattr(services, "_first", spy)
    return names


def test_a_repeated_scan_reads_the_check_in_with_the_scan_context(
    scanning, client, device_token, monkeypatch, server_clock
):
    from eventapp.checkin import services

    gate = scanning.points["gate"]
    token = device_token("gate")
    code = scanning.code("attendee")
    server_clock(0, time(9, 41))
    first = scan(client, gate, code, token=token, at=scanning.at(0, time(9, 41))).get_json()
    names = _statements_run(monkeypatch)

    # The point's time zone is known from the first scan: the day is known before
    # the context is read, which brings the check-in along.
    server_clock(0, time(10, 0))
    again = scan(client, gate, code, token=token, at=scanning.at(0, time(10, 0))).get_json()
    assert again["status"] == "already_checked_in"
    assert again["first"]["scan_point_id"] == gate.id
    assert datetime.fromisoformat(again["first"]["at"]) == datetime.fromisoformat(
        first["scanned_at"]
    )
    assert names == ["device_context_badge", "scan"]

    # A wrong or missing guess of the time zone costs the statements, not the answer.
    # (Of UTC+14 and UTC-11, one gives another day than Seoul at any moment.)
    missed = {}
    for guess in ("Pacific/Kiritimati", "Pacific/Pago_Pago", None):
        names.clear()
        if guess:
            services._POINT_TIMEZONES[gate.id] = guess
        else:
            services._POINT_TIMEZONES.pop(gate.id, None)
        server_clock(0, time(23, 30))
        third = scan(client, gate, code, token=token, at=scanning.at(0, time(23, 30))).get_json()
        assert third["status"] == "already_checked_in"
        assert third["first"] == again["first"]
        missed[guess] = any(name.startswith("checkin") for name in names)
    assert missed[None] and (missed["Pacific/Kiritimati"] or missed["Pacific/Pago_Pago"])
    assert _count(CheckIn) == 1


def test_answers_are_utf8_json(scanning, client, device_token):
    response = scan(
        client, scanning.points["gate"], scanning.code("attendee"), token=device_token("gate")
    )
    assert response.mimetype == "application/json"
    assert "정문".encode() in response.data or HANGUL.search(response.data.decode("utf-8"))
    assert b"\\u" not in response.data


def test_a_check_in_committed_while_the_write_waited_is_found_again(
    scanning, client, device_token, monkeypatch, server_clock
):
    """PostgreSQL writes an `ok`'s check-in and scan row in one statement, whose
    snapshot misses a check-in committed while it waited for that row's lock: the
    statement then answers no row, and the check-in is read by a statement of its own."""
    from eventapp.checkin import services

    if db.engine.dialect.name != "postgresql":
        pytest.skip("one statement writes check-in and scan row on PostgreSQL only")
    gate, side = scanning.points["gate"], scanning.points["side_gate"]
    code = scanning.code("attendee")
    server_clock(0)
    first = scan(client, gate, code, token=device_token("gate"), at=scanning.at(0)).get_json()
    services._POINT_TIMEZONES.clear()  # no check-in read with the context
    original = services._first

    def unseen(name, params):
        return None if name == "checkin_and_scan" else original(name, params)

    monkeypatch.setattr(services, "_first", unseen)
    later = scanning.at(0, time(12, 0))
    server_clock(0, time(12, 0))
    second = scan(client, side, code, token=device_token("side_gate"), at=later).get_json()
    assert second["status"] == "already_checked_in"
    assert second["first"]["scan_point_id"] == gate.id
    assert second["first"]["at"] == first["scanned_at"]
    assert db.session.get(Scan, second["scan_id"]).result == "already_checked_in"
    assert _count(CheckIn) == 1


def test_an_unsigned_code_naming_a_huge_badge_id_is_invalid_not_a_server_error(
    scanning, client, device_token
):
    # The payload's badge id has 32 bits, the column 31; the id is read before the
    # signature is checked.
    token = device_token("gate")
    forged = codes.encode(codes.generate_private_key(), scanning.event.id, 4_000_000_000, 1)
    response = scan(client, scanning.points["gate"], forged, token=token, at=scanning.at(0))
    assert response.status_code == 200
    assert response.get_json()["reason"] == "bad_signature"
    assert _count(Scan, Scan.reason == "bad_signature") == 1


def test_codes_with_nul_or_lone_surrogates_are_stored_not_a_server_error(
    scanning, client, device_token
):
    """A misread code may carry characters PostgreSQL text cannot hold; in an upload
    such a scan must not fail the batch (which would block every later queued scan)."""
    token = device_token("gate")
    gate = scanning.points["gate"]
    headers = {"X-Device-Token": token, "Content-Type": "application/json"}
    good = scanning.code("attendee")
    single = json.dumps({"scan_point": gate.id, "code": "K1\x00AB", "nonce": nonce()})
    response = client.post("/api/checkin/scan", data=single, headers=headers)
    assert response.status_code == 200 and response.get_json()["status"] == "invalid"
    items = [
        {"code": "K1AB\ud800", "nonce": nonce()},
        {"code": good, "nonce": nonce(), "scanned_at": scanning.at(0)},
    ]
    batch = json.dumps({"scan_point": gate.id, "scans": items})
    response = client.post("/api/checkin/scans", data=batch, headers=headers)
    assert response.status_code == 200
    assert [r["status"] for r in response.get_json()["results"]] == ["invalid", "ok"]
    assert _count(Scan) == 3 and _count(CheckIn) == 1
    # A nonce the server refuses is echoed in the item's error: a lone surrogate in it
    # made the whole answer unencodable (a 500 that kept the queue from uploading).
    bad_nonce = json.dumps(
        {"scan_point": gate.id, "scans": [{"code": good, "nonce": "ab\ud800cdefgh"}]}
    )
    response = client.post("/api/checkin/scans", data=bad_nonce, headers=headers)
    assert response.status_code == 200
    [error] = response.get_json()["results"]
    assert error["status"] == "error" and error["nonce"] == "ab?cdefgh"


def test_a_nonce_with_a_trailing_newline_is_refused_not_a_server_error(
    scanning, client, device_token
):
    """`$` matched before a final newline: 65 characters reached a 64-character column
    (a server error on PostgreSQL that failed the whole uploaded batch)."""
    headers = {"X-Device-Token": device_token("gate")}
    gate = scanning.points["gate"]
    response = scan(
        client,
        gate,
        scanning.code("attendee"),
        token=headers["X-Device-Token"],
        nonce_="a" * 64 + "\n",
    )
    assert response.status_code == 400 and "nonce" in response.get_json()["message_en"]
    batch = client.post(
        "/api/checkin/scans",
        json={
            "scan_point": gate.id,
            "scans": [
                {"code": scanning.code("attendee"), "nonce": "b" * 64 + "\n"},
                {"code": scanning.code("staff"), "nonce": nonce()},
            ],
        },
        headers=headers,
    )
    assert batch.status_code == 200
    assert [r["status"] for r in batch.get_json()["results"]] == ["error", "ok"]
    assert _count(Scan) == 1


def test_checkins_by_day_counts_each_person_once(scanning, client, device_token):
    """Main gate and VIP lounge are two entrance groups, so two check-ins; the day's
    figure on the organizer's dashboard is people, not check-ins."""
    for point in ("gate", "vip_gate"):
        answer = scan(
            client,
            scanning.points[point],
            scanning.code("organizer"),
            token=device_token(point),
            at=scanning.at(0),
        ).get_json()
        assert answer["status"] == "ok"
    assert _count(CheckIn) == 2
    assert services.checkins_by_day(scanning.event) == {scanning.event.days[0]: 1}


def test_the_overview_shows_each_days_check_ins(scanning, client, device_token, login_as):
    """The organizers' overview, where they look during the fair, linked to the scan
    pages but said nothing of how many people had come in."""
    answer = scan(
        client,
        scanning.points["gate"],
        scanning.code("attendee"),
        token=device_token("gate"),
        at=scanning.at(0),
    ).get_json()
    assert answer["status"] == "ok"
    first, second = scanning.event.days
    page = login_as("organizer").get("/e/test-expo/manage/?lang=en").get_data(as_text=True)
    panel = page.split('id="overview-checkins"', 1)[1].split("</section>", 1)[0]
    numbers = re.findall(r'stat-num">(\d+)<', panel)
    assert numbers == ["1", "0"]
    assert f"check-ins on {first:%b} {first.day}<" in panel


def test_a_signed_in_scan_at_a_point_deleted_meanwhile_is_answered_404(
    scanning, login_as, monkeypatch
):
    """The point was deleted between its first reading and the scan's context (which
    waits for a deletion being written): answered as at a point that does not
    exist, not with a server error."""
    client = login_as("organizer")
    monkeypatch.setattr(services, "context_for_point", lambda *args, **kwargs: None)
    response = scan(client, scanning.points["gate"], scanning.code("attendee"))
    assert response.status_code == 404
    assert db.session.scalar(select(func.count()).select_from(Scan)) == 0
