"""Scans uploaded late: an offline scanner's earlier scan of a badge that another gate
checked in online since then takes the day's check-in over."""

from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import select

from eventapp.badges import services as badges
from eventapp.badges.models import BadgeIssueEnd
from eventapp.checkin import services
from eventapp.checkin.models import CheckIn, Lead, Scan
from eventapp.core import periods
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
    scanning, client, device_token, server_clock, how_found, login_as
):
    gate, side = scanning.points["gate"], scanning.points["side_gate"]
    badge, code = scanning.badges["attendee"], scanning.code("attendee")
    gate_token, side_token = device_token("gate"), device_token("side_gate")
    online_nonce = nonce()
    server_clock(0, time(10, 30))
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
    assert "an earlier scan, uploaded later, came first; this scanner showed OK" in log

    server_clock(0, time(11, 0))
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


def test_queued_scans_from_a_broken_clock_count_from_their_upload(scanning, client, device_token):
    """A tablet's clock reset to 2000 by a flat battery while it was offline: its
    queued admissions were answered "error" and deleted by the device, lost to the
    server too. They now count from their upload, and the answer says why."""
    gate = scanning.points["gate"]
    token = device_token("gate")
    sent = [
        ("attendee", "2000-01-01T00:03:00Z", "scan_time_far"),
        ("staff", "yesterday", "scan_time_format"),
        ("organizer", "2026-12-04T10:00:00", "scan_time_zone"),
    ]
    before = datetime.now(UTC)
    results = client.post(
        "/api/checkin/scans",
        json={
            "scan_point": gate.id,
            "scans": [
                {"code": scanning.code(who), "nonce": nonce(), "scanned_at": at}
                for who, at, _ in sent
            ],
        },
        headers={"X-Device-Token": token},
    ).get_json()["results"]
    assert [r["status"] for r in results] == ["ok", "ok", "ok"], results
    assert [r["scan_time_refused"] for r in results] == [key for *_, key in sent]
    rows = db.session.scalars(select(Scan).order_by(Scan.id)).all()
    assert len(rows) == 3 and all(r.offline and r.scanned_at >= before for r in rows)
    assert rows[0].answer["scan_time_refused"] == "scan_time_far"
    assert len(db.session.scalars(select(CheckIn)).all()) == 3


def test_a_gate_moved_to_another_group_still_hands_its_entry_over(
    scanning, client, device_token, server_clock
):
    """The side gate checked the visitor in at 10:30, then became a group of its own
    (hall B). An earlier offline scan at the main gate takes the entry over; the side
    gate's scan is no longer an `ok`, though its point left the group."""
    gate, side = scanning.points["gate"], scanning.points["side_gate"]
    badge, code = scanning.badges["attendee"], scanning.code("attendee")
    side_token = device_token("side_gate")
    server_clock(0, time(10, 30))
    online = scan(client, side, code, token=side_token, at=scanning.at(0, time(10, 30)))
    assert online.get_json()["status"] == "ok"
    services.update_scan_point(side, entrance_group="hall-b")
    db.session.commit()
    uploaded = _upload(client, gate, device_token("gate"), code, scanning.at(0, time(10, 0)))
    assert uploaded["status"] == "ok"
    assert [s.id for s in _ok_scans(badge)] == [uploaded["scan_id"]]


def test_a_fast_clock_does_not_date_an_entry_after_a_later_one(
    scanning, client, device_token, monkeypatch
):
    """At 10:00 a gate whose clock runs 8 minutes fast admits the visitor; at 10:05 an
    offline gate with a right clock sees them again (a re-entry), uploaded at 11:00.
    The entry is the 10:00 one: it is dated by its receipt, not its clock's 10:08."""
    gate, side = scanning.points["gate"], scanning.points["side_gate"]
    code = scanning.code("attendee")
    event = scanning.event
    real = event.local_datetime(event.days[0], time(10, 0)).astimezone(UTC)
    monkeypatch.setattr(services, "utcnow", lambda: real)
    fast = (real + timedelta(minutes=8)).isoformat()
    online = scan(client, gate, code, token=device_token("gate"), at=fast).get_json()
    assert online["status"] == "ok"
    assert db.session.get(Scan, online["scan_id"]).scanned_at == _moment(fast)
    monkeypatch.setattr(services, "utcnow", lambda: real + timedelta(hours=1))
    re_entry = (real + timedelta(minutes=5)).isoformat()
    uploaded = _upload(client, side, device_token("side_gate"), code, re_entry)
    assert uploaded["status"] == "already_checked_in"
    checkin = db.session.scalars(select(CheckIn)).one()
    assert (checkin.scan_point_id, checkin.checked_in_at) == (gate.id, real)


def test_uploads_are_judged_by_the_gate_as_it_was_when_scanned(
    scanning, client, device_token, monkeypatch
):
    """The side gate closes for lunch (12-13) and for the night (18:00) while its tablet
    is offline. Its queue, uploaded at 19:00, is judged by the gate as it was at each
    scan: entries while it was open are kept (they were refused and lost), scans while
    it was closed stay refused (they used to count once it had opened again)."""
    side = scanning.points["side_gate"]
    token = device_token("side_gate")
    event = scanning.event
    day = event.days[0]

    def clock(hour):
        moment = event.local_datetime(day, time(hour, 0)).astimezone(UTC)
        monkeypatch.setattr(services, "utcnow", lambda: moment)

    def upload(who, hour, minute):
        at = scanning.at(0, time(hour, minute))
        answer = _upload(client, side, token, scanning.code(who), at)
        return answer["status"], answer["reason"]

    def hour(value):
        return _moment(scanning.at(0, time(value, 0)))

    clock(12)
    services.update_scan_point(side, active=False)
    db.session.commit()
    clock(13)
    services.update_scan_point(side, active=True)
    db.session.commit()
    # Open again: an upload of a lunchtime scan is still refused.
    clock(14)
    assert upload("staff", 12, 30) == ("not_allowed", "point_closed")
    clock(18)
    services.update_scan_point(side, active=False)
    db.session.commit()
    periods = [[_moment(a), b and _moment(b)] for a, b in side.closed_periods]
    assert periods == [[hour(12), hour(13)], [hour(18), None]]
    clock(19)
    assert upload("attendee", 10, 0) == ("ok", "")
    assert upload("organizer", 12, 45) == ("not_allowed", "point_closed")
    assert upload("exhibitor_admin", 13, 30) == ("ok", "")
    assert upload("exhibitor_staff", 18, 30) == ("not_allowed", "point_closed")
    online = scan(client, side, scanning.code("other_exhibitor"), token=token).get_json()
    assert (online["status"], online["reason"]) == ("not_allowed", "point_closed")
    assert len(db.session.scalars(select(CheckIn)).all()) == 2


def test_a_scan_before_a_point_made_closed_first_opened_stays_refused(
    scanning, client, device_token, monkeypatch
):
    """The east gate is set up at 07:00 but not opened for scanning; it opens at 09:00.
    A scan its tablet queued at 08:30 (refused on the spot) is uploaded at 10:00: it
    stays refused, and nobody is checked in by it."""
    event = scanning.event

    def clock(hour):
        moment = event.local_datetime(event.days[0], time(hour, 0)).astimezone(UTC)
        monkeypatch.setattr(services, "utcnow", lambda: moment)

    clock(7)
    east = services.create_scan_point(
        event, name_ko="동문", name_en="East gate", kind="entrance", active=False
    )
    db.session.commit()
    scanning.points["east"] = east
    token = device_token("east")
    clock(9)
    services.update_scan_point(east, active=True)
    db.session.commit()
    clock(10)
    early = _upload(client, east, token, scanning.code("attendee"), scanning.at(0, time(8, 30)))
    assert (early["status"], early["reason"]) == ("not_allowed", "point_closed")
    assert db.session.scalars(select(CheckIn)).all() == []
    opened = _upload(client, east, token, scanning.code("staff"), scanning.at(0, time(9, 30)))
    assert opened["status"] == "ok"


def test_an_upload_from_a_clock_reset_while_offline_keeps_the_scans_day(
    scanning, client, device_token, monkeypatch
):
    """A flat battery reset the side gate's tablet to 2000-01-01 before it scanned the
    visitor on day 1 at 10:00 (its clock said 00:03). It uploads on day 2 at 08:00,
    saying its clock reads 22:03: the scan is dated day 1, 10:00, and the visitor's
    real arrival on day 2 is a first entry, not "already checked in at 08:00"."""
    side, gate = scanning.points["side_gate"], scanning.points["gate"]
    event = scanning.event
    day2_8am = event.local_datetime(event.days[1], time(8, 0)).astimezone(UTC)
    monkeypatch.setattr(services, "utcnow", lambda: day2_8am)
    item = {
        "code": scanning.code("attendee"),
        "nonce": nonce(),
        "scanned_at": "2000-01-01T00:03:00Z",
    }
    [answer] = client.post(
        "/api/checkin/scans",
        json={"scan_point": side.id, "sent_at": "2000-01-01T22:03:00Z", "scans": [item]},
        headers={"X-Device-Token": device_token("side_gate")},
    ).get_json()["results"]
    assert answer["status"] == "ok" and answer["day"] == event.days[0].isoformat()
    assert _moment(answer["scanned_at"]) == _moment(scanning.at(0, time(10, 0)))
    assert answer["scan_time_shifted_s"] > 0 and "scan_time_refused" not in answer
    later = day2_8am + timedelta(hours=1, minutes=30)
    monkeypatch.setattr(services, "utcnow", lambda: later)
    today = scan(client, gate, scanning.code("attendee"), token=device_token("gate")).get_json()
    assert today["status"] == "ok"


def test_a_scan_from_a_clock_that_went_back_counts_from_the_last_server_time(
    scanning, client, device_token, server_clock
):
    """Day 1: the side gate's tablet last heard the server at 09:30; offline, a flat
    battery reset it to 2000 and it admitted the visitor (clock 00:03). Its scan says
    it came after 09:30 (`not_before`). Set right by automatic time when the network
    returned next morning, the tablet's upload no longer tells its clock's error: the
    scan used to count from the upload, on day 2, leaving day 1 without the entry and
    the visitor "already checked in" on day 2. Still broken at the upload, the clock's
    error dates the scan precisely."""
    side = scanning.points["side_gate"]
    event = scanning.event
    token = device_token("side_gate")
    last_heard = scanning.at(0, time(9, 30))

    def upload(who, scanned_at, sent_at, not_before=last_heard):
        item = {"code": scanning.code(who), "nonce": nonce(), "scanned_at": scanned_at}
        if not_before is not None:
            item["not_before"] = not_before
        [answer] = client.post(
            "/api/checkin/scans",
            json={"scan_point": side.id, "sent_at": sent_at, "scans": [item]},
            headers={"X-Device-Token": token},
        ).get_json()["results"]
        return answer

    upload_time = server_clock(1, time(8, 0), after=timedelta(0))
    fixed = upload("attendee", "2000-01-01T00:03:00Z", upload_time.isoformat())
    assert (fixed["status"], fixed["day"]) == ("ok", event.days[0].isoformat())
    assert _moment(fixed["scanned_at"]) == _moment(last_heard)
    assert fixed["scan_time_refused"] == "clock_went_back"
    # A clock reset to a date within the year is no more right: its time is not used.
    recent = (upload_time - timedelta(days=40)).isoformat()
    month_off = upload("staff", recent, upload_time.isoformat())
    assert month_off["day"] == event.days[0].isoformat()

    # Still broken at the upload (day 2, 08:00, clock 22:03): dated day 1, 10:00.
    broken = upload("organizer", "2000-01-01T00:03:00Z", "2000-01-01T22:03:00Z")
    assert _moment(broken["scanned_at"]) == _moment(scanning.at(0, time(10, 0)))
    assert broken["scan_time_shifted_s"] > 0
    # A not_before after the upload is no bound: the scan is judged as before.
    future = (upload_time + timedelta(hours=1)).isoformat()
    unbounded = upload("exhibitor_admin", scanning.at(0, time(11, 0)), future, future)
    assert _moment(unbounded["scanned_at"]) == _moment(scanning.at(0, time(11, 0)))
    days = {c.day for c in db.session.scalars(select(CheckIn))}
    assert days == {event.days[0]}


def _bounded_upload(client, point, token, code, not_before, uploaded_at):
    """An upload from a tablet whose clock had gone back when it scanned and was set
    right since: the scan only says it came after `not_before`."""
    item = {
        "code": code,
        "nonce": nonce(),
        "scanned_at": "2000-01-01T04:30:00Z",
        "not_before": not_before,
    }
    response = client.post(
        "/api/checkin/scans",
        json={"scan_point": point.id, "sent_at": uploaded_at.isoformat(), "scans": [item]},
        headers={"X-Device-Token": token},
    )
    [answer] = response.get_json()["results"]
    assert answer["scan_time_refused"] == "clock_went_back"
    return answer


def test_a_scan_known_only_to_come_after_a_time_takes_nothing_over(
    scanning, client, device_token, server_clock, login_as
):
    """10:00: the visitor enters at the main gate, and a colleague captures them at
    the booth. The side gate's and the booth's tablets last heard the server at 08:00,
    their clocks went back, and they scanned the visitor at 12:30; uploaded at 13:00,
    clocks set right. "Some time after 08:00" is no earlier entry: it used to move
    the check-in and the lead to 08:00 and take the 10:00 scans' `ok` away."""
    gate, side = scanning.points["gate"], scanning.points["side_gate"]
    booth = scanning.points["alpha_booth"]
    code = scanning.code("attendee")
    server_clock(0, time(10, 0))
    entry = scan(client, gate, code, token=device_token("gate"), at=scanning.at(0, time(10, 0)))
    met = scan(login_as("exhibitor_staff"), booth, code, at=scanning.at(0, time(10, 0)))
    uploaded_at = server_clock(0, time(13, 0))
    eight = scanning.at(0, time(8, 0))
    again = _bounded_upload(client, side, device_token("side_gate"), code, eight, uploaded_at)
    assert again["status"] == "already_checked_in"
    lead = _bounded_upload(client, booth, device_token("alpha_booth"), code, eight, uploaded_at)
    assert lead["status"] == "already_checked_in"
    db.session.expire_all()
    ten = _moment(scanning.at(0, time(10, 0)))
    checkin = db.session.scalars(select(CheckIn)).one()
    assert (checkin.scan_point_id, checkin.checked_in_at) == (gate.id, ten)
    assert db.session.scalars(select(Lead)).one().captured_at == ten
    for answer in (entry.get_json(), met.get_json()):
        assert db.session.get(Scan, answer["scan_id"]).result == "ok"


def test_a_known_time_takes_over_an_entry_known_only_to_come_after_a_time(
    scanning, client, device_token, server_clock, login_as
):
    """The side gate's tablet, its clock gone back, uploads at 13:00 a scan known only
    to come after 08:00: the check-in and the lead hold 08:00 till 13:00. The main
    gate's and a colleague's offline scans of 09:30, uploaded later, are real times in
    that span: they used to be "already" and leave 08:00, a time nobody scanned at,
    as the visitor's entry and first meeting."""
    gate, side = scanning.points["gate"], scanning.points["side_gate"]
    booth = scanning.points["alpha_booth"]
    code = scanning.code("attendee")
    uploaded_at = server_clock(0, time(13, 0))
    eight = scanning.at(0, time(8, 0))
    bound_entry = _bounded_upload(client, side, device_token("side_gate"), code, eight, uploaded_at)
    bound_lead = _bounded_upload(
        client, booth, device_token("alpha_booth"), code, eight, uploaded_at
    )
    assert bound_entry["status"] == bound_lead["status"] == "ok"
    db.session.expire_all()
    assert db.session.scalars(select(CheckIn)).one().latest_at == uploaded_at

    server_clock(0, time(15, 0))
    half_past_nine = scanning.at(0, time(9, 30))
    entry = _upload(client, gate, device_token("gate"), code, half_past_nine)
    staff = login_as("exhibitor_staff")
    met = staff.post(
        "/api/checkin/scans",
        json={
            "scan_point": booth.id,
            "scans": [{"code": code, "nonce": nonce(), "scanned_at": half_past_nine}],
        },
    ).get_json()["results"][0]
    assert entry["status"] == met["status"] == "ok"
    db.session.expire_all()
    checkin, lead = (
        db.session.scalars(select(CheckIn)).one(),
        db.session.scalars(select(Lead)).one(),
    )
    assert (checkin.scan_point_id, checkin.checked_in_at, checkin.latest_at) == (
        gate.id,
        _moment(half_past_nine),
        None,
    )
    assert (lead.captured_at, lead.latest_at) == (_moment(half_past_nine), None)
    for answer in (bound_entry, bound_lead):
        held = db.session.get(Scan, answer["scan_id"])
        assert (held.result, held.reason) == ("already_checked_in", "timed_scan")
    log = login_as("organizer").get("/e/test-expo/checkin/scans").get_data(as_text=True)
    assert "a scan with a known time, uploaded later, was taken as the first" in log


def test_a_scan_made_after_an_entry_was_uploaded_does_not_take_it_over(
    scanning, client, device_token, server_clock
):
    """Uploaded at 13:00, the side gate's scan came before any scan made after 13:00,
    though its recorded time (after 08:00) says nothing more."""
    gate, side = scanning.points["gate"], scanning.points["side_gate"]
    code = scanning.code("attendee")
    uploaded_at = server_clock(0, time(13, 0))
    eight = scanning.at(0, time(8, 0))
    first = _bounded_upload(client, side, device_token("side_gate"), code, eight, uploaded_at)
    server_clock(0, time(15, 0))
    later = _upload(client, gate, device_token("gate"), code, scanning.at(0, time(13, 30)))
    assert later["status"] == "already_checked_in"
    db.session.expire_all()
    checkin = db.session.scalars(select(CheckIn)).one()
    assert (checkin.scan_point_id, checkin.checked_in_at) == (side.id, _moment(eight))
    assert db.session.get(Scan, first["scan_id"]).result == "ok"


def test_an_upload_from_a_right_clock_is_left_alone(scanning, client, device_token, late_clock):
    at = scanning.at(0, time(10, 0))
    sent = (services.utcnow() + timedelta(seconds=20)).isoformat()
    item = {"code": scanning.code("attendee"), "nonce": nonce(), "scanned_at": at}
    [answer] = client.post(
        "/api/checkin/scans",
        json={"scan_point": scanning.points["gate"].id, "sent_at": sent, "scans": [item]},
        headers={"X-Device-Token": device_token("gate")},
    ).get_json()["results"]
    assert _moment(answer["scanned_at"]) == _moment(at)
    assert "scan_time_shifted_s" not in answer


def test_scans_from_before_a_reset_keep_their_right_times(
    scanning, client, device_token, monkeypatch
):
    """The tablet scanned on day 1 at 17:00 with a right clock, was reset to 2000 by a
    flat battery overnight, scanned again at 07:50 on day 2 (its clock said 00:10)
    and uploads at 08:00 (clock 00:20). Only the scan stamped by the broken clock is
    corrected: moving the right one by the reset put it on the upload's day."""
    side = scanning.points["side_gate"]
    event = scanning.event
    day2_8am = event.local_datetime(event.days[1], time(8, 0)).astimezone(UTC)
    monkeypatch.setattr(services, "utcnow", lambda: day2_8am)
    items = [
        {
            "code": scanning.code("attendee"),
            "nonce": nonce(),
            "scanned_at": scanning.at(0, time(17, 0)),
        },
        {"code": scanning.code("staff"), "nonce": nonce(), "scanned_at": "2000-01-01T00:10:00Z"},
    ]
    results = client.post(
        "/api/checkin/scans",
        json={"scan_point": side.id, "sent_at": "2000-01-01T00:20:00Z", "scans": items},
        headers={"X-Device-Token": device_token("side_gate")},
    ).get_json()["results"]
    assert [r["day"] for r in results] == [d.isoformat() for d in event.days]
    assert _moment(results[0]["scanned_at"]) == _moment(scanning.at(0, time(17, 0)))
    assert "scan_time_shifted_s" not in results[0]
    assert _moment(results[1]["scanned_at"]) == day2_8am - timedelta(minutes=10)


def _badge_clock(monkeypatch, scanning, clock):
    """Revocations and reissues happen at `clock` (Seoul) on the first fair day."""
    from eventapp.badges import services as badges

    moment = _moment(scanning.at(0, clock))
    monkeypatch.setattr(badges, "utcnow", lambda: moment)


def test_an_offline_scan_made_before_the_revocation_admitted_its_holder(
    scanning, client, device_token, server_clock, monkeypatch
):
    from eventapp.badges import services as badges

    gate, side = scanning.points["gate"], scanning.points["side_gate"]
    badge, code = scanning.badges["attendee"], scanning.code("attendee")
    other, other_code = scanning.badges["staff"], scanning.code("staff")
    _badge_clock(monkeypatch, scanning, time(11, 0))
    badges.revoke_badge(badge)
    badges.revoke_badge(other)
    db.session.commit()
    server_clock(0, time(11, 30))

    # The gate's scanner, offline since 10:00, admitted the holder at 10:30.
    before = _upload(client, gate, device_token("gate"), code, scanning.at(0, time(10, 30)))
    assert before["status"] == "ok", before
    assert db.session.scalars(select(CheckIn)).one().badge_id == badge.id
    # Scans after the revocation, uploaded or live, are refused.
    after = _upload(
        client, side, device_token("side_gate"), other_code, scanning.at(0, time(11, 5))
    )
    assert (after["status"], after["reason"]) == ("revoked", "revoked")
    live = scan(
        client, side, code, token=device_token("side_gate"), at=scanning.at(0, time(11, 30))
    )
    assert live.get_json()["status"] == "revoked"
    assert db.session.scalars(select(CheckIn.badge_id)).all() == [badge.id]


def test_an_offline_scan_of_the_previous_issue_counts_until_the_reissue(
    scanning, client, device_token, server_clock, monkeypatch
):
    from eventapp.badges import services as badges

    gate = scanning.points["gate"]
    token = device_token("gate")
    staff, attendee = scanning.badges["staff"], scanning.badges["attendee"]
    staff_first, attendee_first = scanning.code("staff"), scanning.code("attendee")
    _badge_clock(monkeypatch, scanning, time(11, 0))
    badges.reissue_badge(staff)
    badges.reissue_badge(attendee)
    db.session.commit()
    assert db.session.get(BadgeIssueEnd, (staff.id, 1)).ended_at == _moment(
        scanning.at(0, time(11, 0))
    )
    server_clock(0, time(11, 30))

    assert _upload(client, gate, token, staff_first, scanning.at(0, time(10, 45)))["status"] == "ok"
    late = _upload(client, gate, token, attendee_first, scanning.at(0, time(11, 1)))
    assert (late["status"], late["reason"]) == ("revoked", "superseded")
    live = scan(client, gate, attendee_first, token=token, at=scanning.at(0, time(11, 30)))
    assert live.get_json()["reason"] == "superseded"
    assert db.session.scalars(select(CheckIn.badge_id)).all() == [staff.id]


def test_the_previous_issue_of_a_revoked_badge_stopped_at_the_revocation(
    scanning, client, device_token, server_clock, monkeypatch
):
    """Lost at 10:00 (revoked), reprinted at 11:00: the lost badge admitted nobody
    after 10:00, however many reprints later its scan is uploaded."""
    from eventapp.badges import services as badges

    gate = scanning.points["gate"]
    token = device_token("gate")
    badge, first_code = scanning.badges["attendee"], scanning.code("attendee")
    _badge_clock(monkeypatch, scanning, time(10, 0))
    badges.revoke_badge(badge)
    _badge_clock(monkeypatch, scanning, time(11, 0))
    badges.reissue_badge(badge)
    db.session.commit()
    assert db.session.get(BadgeIssueEnd, (badge.id, 1)).ended_at == _moment(
        scanning.at(0, time(10, 0))
    )
    server_clock(0, time(12, 30))

    lost = _upload(client, gate, token, first_code, scanning.at(0, time(10, 30)))
    assert (lost["status"], lost["reason"]) == ("revoked", "superseded")
    _badge_clock(monkeypatch, scanning, time(12, 0))
    badges.reissue_badge(badge)
    db.session.commit()
    lost = _upload(client, gate, token, first_code, scanning.at(0, time(10, 31)))
    assert (lost["status"], lost["reason"]) == ("revoked", "superseded")
    assert db.session.scalars(select(CheckIn)).all() == []


def test_an_offline_scan_two_reprints_back_counts_if_made_before_the_first(
    scanning, client, device_token, server_clock, monkeypatch
):
    """A gate offline all morning admitted a visitor at 9:30 whose badge was then
    reprinted at 10:00 and again at 11:00: the upload at 12:30 counts the entry
    (only the issue just before the current one was judged by its end; older
    codes were refused whenever scanned)."""
    from eventapp.badges import services as badges

    gate = scanning.points["gate"]
    token = device_token("gate")
    badge, first_code = scanning.badges["attendee"], scanning.code("attendee")
    for clock in (time(10, 0), time(11, 0)):
        _badge_clock(monkeypatch, scanning, clock)
        badges.reissue_badge(badge)
    db.session.commit()
    third_code = badges.badge_code(badge)
    server_clock(0, time(12, 30))

    late = _upload(client, gate, token, first_code, scanning.at(0, time(10, 5)))
    assert (late["status"], late["reason"]) == ("revoked", "superseded")
    early = _upload(client, gate, token, first_code, scanning.at(0, time(9, 30)))
    assert early["status"] == "ok", early
    # Live, an old code admits nobody, and the entry stands at 9:30.
    live = scan(client, gate, first_code, token=token, at=scanning.at(0, time(12, 30)))
    assert live.get_json()["reason"] == "superseded"
    again = scan(client, gate, third_code, token=token, at=scanning.at(0, time(12, 30)))
    assert again.get_json()["status"] == "already_checked_in"
    checkin = db.session.scalars(select(CheckIn)).one()
    assert (checkin.badge_id, checkin.checked_in_at) == (
        badge.id,
        _moment(scanning.at(0, time(9, 30))),
    )


def test_uploads_are_judged_by_the_days_and_categories_of_their_time(
    scanning, client, device_token, monkeypatch
):
    """The side gate admits every category on both days. At 12:00 the organizers keep
    it for VIPs; at 14:00 they open it to everyone again, on day 2 only. A tablet that
    was offline all day uploads in the evening: who came in at 10:00 stays in, who it
    turned away at 13:00 stays out, and the 15:00 scan on day 1 is not valid that day."""
    event = scanning.event
    side = scanning.points["side_gate"]
    token = device_token("side_gate")

    def clock(hour):
        moment = event.local_datetime(event.days[0], time(hour, 0)).astimezone(UTC)
        monkeypatch.setattr(services, "utcnow", lambda: moment)

    def upload(role, hour):
        answer = _upload(client, side, token, scanning.code(role), scanning.at(0, time(hour)))
        return answer["status"], answer["reason"]

    clock(12)
    services.update_scan_point(side, allowed_categories=["vip"])
    db.session.commit()
    clock(14)
    services.update_scan_point(side, allowed_categories=[], valid_days=[event.days[1]])
    db.session.commit()
    assert [rules[1:] for rules in side.rules_history] == [[[], [], "main"], [[], ["vip"], "main"]]
    clock(18)
    assert upload("attendee", 10) == ("ok", "")
    assert upload("exhibitor_admin", 13) == ("not_allowed", "category")
    assert upload("exhibitor_staff", 15) == ("not_valid_today", "day")
    # A live scan is judged by the rules of now.
    online = scan(client, side, scanning.code("organizer"), token=token).get_json()
    assert (online["status"], online["reason"]) == ("not_valid_today", "day")
    assert [c.badge_id for c in db.session.scalars(select(CheckIn))] == [
        scanning.badges["attendee"].id
    ]
    # Renaming the gate changes no rules: nothing is added to the history.
    services.update_scan_point(side, name_en="Side gate (east)")
    db.session.commit()
    assert len(side.rules_history) == 2


def test_uploads_are_judged_by_the_badge_category_of_their_time(
    scanning, client, device_token, monkeypatch
):
    """The side gate is for VIPs. At 12:00 the organizers make a visitor a VIP and
    another VIP a visitor again. A tablet offline all morning uploads at 13:00: the
    first was turned away at 10:00, the second let in at 11:00, and so it stays."""
    from eventapp.badges import services as badges

    event = scanning.event
    side = scanning.points["side_gate"]
    token = device_token("side_gate")
    promoted, demoted = scanning.badges["attendee"], scanning.badges["exhibitor_staff"]

    def clock(hour):
        moment = event.local_datetime(event.days[0], time(hour, 0)).astimezone(UTC)
        monkeypatch.setattr(services, "utcnow", lambda: moment)
        monkeypatch.setattr(badges, "utcnow", lambda: moment)

    clock(9)
    services.update_scan_point(side, allowed_categories=["vip"])
    badges.set_category(demoted, "vip")
    db.session.commit()
    was = promoted.category
    assert was != "vip"
    clock(12)
    badges.set_category(promoted, "vip")
    badges.set_category(demoted, "visitor")
    db.session.commit()
    clock(13)
    turned_away = _upload(client, side, token, scanning.code("attendee"), scanning.at(0, time(10)))
    assert (turned_away["status"], turned_away["reason"]) == ("not_allowed", "category")
    label = badges.CATEGORIES[was].label_en
    assert label in turned_away["message_en"] and "VIP" not in turned_away["message_en"]
    let_in = _upload(
        client, side, token, scanning.code("exhibitor_staff"), scanning.at(0, time(11))
    )
    assert let_in["status"] == "ok", let_in
    # Live, each is judged by the category of now.
    live = scan(client, side, scanning.code("attendee"), token=token).get_json()
    assert live["status"] == "ok"
    live = scan(client, side, scanning.code("exhibitor_staff"), token=token).get_json()
    assert (live["status"], live["reason"]) == ("not_allowed", "category")
    assert sorted(c.badge_id for c in db.session.scalars(select(CheckIn))) == sorted(
        [promoted.id, demoted.id]
    )


def test_an_upload_checks_in_to_the_entrance_group_of_its_time(
    scanning, client, device_token, server_clock
):
    """The side gate was in the main group at 10:00, when its offline tablet let the
    visitor in; at 10:30 it became hall B's own gate. The 10:00 entry is the main
    group's (taking over the 10:15 one at the main gate), and the visitor's first
    entry to hall B at 12:00 is a check-in there."""
    gate, side = scanning.points["gate"], scanning.points["side_gate"]
    code = scanning.code("attendee")
    server_clock(0, time(10, 15))
    assert scan(client, gate, code, token=device_token("gate")).get_json()["status"] == "ok"
    server_clock(0, time(10, 30))
    services.update_scan_point(side, entrance_group="hall-b")
    db.session.commit()
    server_clock(0, time(11, 0))
    token = device_token("side_gate")
    uploaded = _upload(client, side, token, code, scanning.at(0, time(10, 0)))
    assert (uploaded["status"], uploaded["reason"]) == ("ok", ""), uploaded
    server_clock(0, time(12, 0))
    live = scan(client, side, code, token=token).get_json()
    assert live["status"] == "ok", live
    checkins = {
        c.entrance_group: (c.scan_point_id, c.checked_in_at)
        for c in db.session.scalars(select(CheckIn))
    }
    assert checkins == {
        "main": (side.id, _moment(scanning.at(0, time(10, 0)))),
        "hall-b": (side.id, server_clock(0, time(12, 0))),
    }


def test_history_kept_before_the_entrance_group_was_takes_the_next_entrys_group(
    scanning, client, device_token, server_clock
):
    """A gate's rules history written before the group was kept (three fields), then
    a change of group from main to hall-b (four): a scan older than both was in the
    main group, which the later entry names, not in today's hall-b."""
    side, code = scanning.points["side_gate"], scanning.code("attendee")
    side.rules_history = [
        [periods.iso(_moment(scanning.at(0, time(9)))), [], []],
        [periods.iso(_moment(scanning.at(0, time(10)))), [], [], "main"],
    ]
    side.entrance_group = "hall-b"
    db.session.commit()
    server_clock(0, time(11, 0))
    answer = _upload(client, side, device_token("side_gate"), code, scanning.at(0, time(8, 30)))
    assert answer["status"] == "ok", answer
    assert [c.entrance_group for c in db.session.scalars(select(CheckIn))] == ["main"]


def _moment(text):
    return datetime.fromisoformat(text).astimezone(UTC)


def _upload(client, point, token, code, at):
    response = client.post(
        "/api/checkin/scans",
        json={
            "scan_point": point.id,
            "scans": [{"code": code, "nonce": nonce(), "scanned_at": at}],
        },
        headers={"X-Device-Token": token},
    )
    assert response.status_code == 200
    return response.get_json()["results"][0]


def _badge_clock(monkeypatch, scanning, clock):
    moment = scanning.event.local_datetime(scanning.event.days[0], clock).astimezone(UTC)
    monkeypatch.setattr(badges, "utcnow", lambda: moment)


def test_an_earlier_old_print_scan_takes_over_an_entry_dated_at_the_reprint(
    scanning, client, device_token, server_clock, monkeypatch
):
    """Reprinted at 11:00. The main gate's tablet, its clock behind, admitted the new
    print (its time says 10:40, before the reprint: the server dates the entry 11:00,
    when that print was issued). The side gate's tablet had admitted the old print at
    10:20. Uploaded last, the 10:20 scan takes the entry over: the main gate's scan
    must no longer count as the day's `ok` (one person, one entry)."""
    gate, side = scanning.points["gate"], scanning.points["side_gate"]
    badge = scanning.badges["attendee"]
    old_code = scanning.code("attendee")
    _badge_clock(monkeypatch, scanning, time(11, 0))
    badges.reissue_badge(badge)
    db.session.commit()
    new_code = badges.badge_code(badge)
    server_clock(0, time(12, 0))

    first = _upload(client, gate, device_token("gate"), new_code, scanning.at(0, time(10, 40)))
    assert first["status"] == "ok", first
    checkin = db.session.scalars(select(CheckIn)).one()
    assert checkin.checked_in_at == _moment(scanning.at(0, time(11, 0)))

    earlier = _upload(
        client, side, device_token("side_gate"), old_code, scanning.at(0, time(10, 20))
    )
    assert earlier["status"] == "ok", earlier
    db.session.expire_all()
    checkin = db.session.scalars(select(CheckIn)).one()
    assert (checkin.scan_point_id, checkin.checked_in_at) == (
        side.id,
        _moment(scanning.at(0, time(10, 20))),
    )
    results = dict(
        db.session.execute(
            select(Scan.scan_point_id, Scan.result).where(Scan.badge_id == badge.id)
        ).all()
    )
    assert results == {side.id: "ok", gate.id: "already_checked_in"}
    counts = services.point_counts(scanning.event)
    assert counts[gate.id]["ok"] + counts[side.id]["ok"] == 1


def test_a_known_time_takes_over_an_entry_dated_at_an_on_site_badges_issue(
    scanning, client, device_token, server_clock
):
    """A visitor registered on site at 9:30 got a badge. The main gate's tablet, whose
    clock went back (last server time 9:00), admitted them: the upload counts the entry
    from 9:30 (the badge's issue, later than 9:00), known only to come after then. The
    side gate's upload of a scan at 10:00 takes it over (a known time): the main
    gate's scan then no longer counts as the day's `ok`."""
    gate, side = scanning.points["gate"], scanning.points["side_gate"]
    badge, code = scanning.badges["attendee"], scanning.code("attendee")
    badge.created_at = _moment(scanning.at(0, time(9, 30)))
    db.session.commit()
    server_clock(0, time(12, 0))

    response = client.post(
        "/api/checkin/scans",
        json={
            "scan_point": gate.id,
            "scans": [
                {
                    "code": code,
                    "nonce": nonce(),
                    "scanned_at": "2000-01-01T00:05:00Z",
                    "not_before": scanning.at(0, time(9, 0)),
                }
            ],
        },
        headers={"X-Device-Token": device_token("gate")},
    )
    first = response.get_json()["results"][0]
    assert first["status"] == "ok", first
    assert db.session.scalars(select(CheckIn.checked_in_at)).one() == _moment(
        scanning.at(0, time(9, 30))
    )

    later = _upload(client, side, device_token("side_gate"), code, scanning.at(0, time(10, 0)))
    assert later["status"] == "ok", later
    db.session.expire_all()
    results = dict(
        db.session.execute(
            select(Scan.scan_point_id, Scan.result).where(Scan.badge_id == badge.id)
        ).all()
    )
    assert results == {side.id: "ok", gate.id: "already_checked_in"}


def test_a_scan_known_only_to_come_after_a_closed_day_counts_on_the_gates_next_open_day(
    scanning, client, device_token, server_clock
):
    """The day 2 gate's tablet last heard the server on day 1 at 17:00 (set up the
    evening before); overnight a flat battery reset its clock. It admitted visitors on
    day 2 and uploaded at 10:00, its clock set right. Judged at 17:00 on day 1, every
    entry was 'not valid today' and day 2 lost them: the gate admits only on day 2,
    so the scans were made on day 2 at the earliest. A scan that can only have been
    made on day 1 stays refused."""
    event = scanning.event
    day2_gate = scanning.points["day2_gate"]
    token = device_token("day2_gate")
    uploaded_at = server_clock(1, time(10, 0))
    evening_before = scanning.at(0, time(17, 0))
    answer = _bounded_upload(
        client, day2_gate, token, scanning.code("attendee"), evening_before, uploaded_at
    )
    assert (answer["status"], answer["day"]) == ("ok", event.days[1].isoformat())
    [checkin] = db.session.scalars(select(CheckIn)).all()
    assert checkin.day == event.days[1]
    # The earliest the scan can have been: the start of day 2, and at the latest the upload.
    start = event.local_datetime(event.days[1], time(0, 0))
    assert _moment(periods.iso(checkin.checked_in_at)) == start
    assert _moment(periods.iso(checkin.latest_at)) == uploaded_at

    uploaded_at = server_clock(0, time(18, 0))
    same_day = _bounded_upload(
        client, day2_gate, token, scanning.code("staff"), evening_before, uploaded_at
    )
    assert (same_day["status"], same_day["day"]) == ("not_valid_today", event.days[0].isoformat())

    # Set up the day before the fair: the main gate's entries are of the first day.
    gate = scanning.points["gate"]
    set_up = event.local_datetime(event.days[0] - timedelta(days=1), time(18, 0)).isoformat()
    code = scanning.code("organizer")
    first = _bounded_upload(client, gate, device_token("gate"), code, set_up, uploaded_at)
    assert (first["status"], first["day"]) == ("ok", event.days[0].isoformat())
