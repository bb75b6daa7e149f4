"""Real concurrent scans against a threaded server: of two gates scanning one badge
at the same moment exactly one admits it; a nonce sent twice at once is stored once."""

import json
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import time, timedelta

import pytest
from sqlalchemy import func, select

from eventapp.badges import services as badges
from eventapp.checkin import services
from eventapp.checkin.models import CheckIn, Lead, MeetingArrival, Scan
from eventapp.extensions import db
from tests.checkin.conftest import nonce, seoul_today, visitors

ROUNDS = 12


def _post(url, body, token):
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "X-Device-Token": token},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def _race(live_server, calls):
    """Run the calls (url, body, token) at once, released by a barrier."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait()
        return _post(*call)

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def test_two_gates_one_badge_exactly_one_ok(scanning, live_server, device_token):
    url = live_server.url + "/api/checkin/scan"
    gates = [
        (scanning.points["gate"], device_token("gate")),
        (scanning.points["side_gate"], device_token("side_gate")),
        (scanning.points["gate"], device_token("gate")),
    ]
    codes = visitors(scanning.event, ROUNDS)
    for code in codes:
        calls = [
            (url, {"scan_point": point.id, "code": code, "nonce": nonce()}, token)
            for point, token in gates
        ]
        results = _race(live_server, calls)
        assert all(status == 200 for status, _ in results), results
        statuses = sorted(answer["status"] for _, answer in results)
        assert statuses == ["already_checked_in", "already_checked_in", "ok"], results
        winner = next(a for _, a in results if a["status"] == "ok")
        for _, answer in results:
            if answer["status"] == "already_checked_in":
                assert answer["first"]["scan_point_id"] == winner["scan_point_id"]
    db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(CheckIn)) == ROUNDS
    assert db.session.scalar(select(func.count()).select_from(Scan)) == ROUNDS * len(gates)
    per_badge = db.session.execute(
        select(Scan.badge_id, func.count()).where(Scan.result == "ok").group_by(Scan.badge_id)
    ).all()
    assert len(per_badge) == ROUNDS and all(n == 1 for _, n in per_badge)


def test_same_nonce_at_once_is_stored_once(scanning, live_server, device_token):
    url = live_server.url + "/api/checkin/scan"
    token = device_token("gate")
    point = scanning.points["gate"]
    codes = visitors(scanning.event, ROUNDS // 2)
    for code in codes:
        once = nonce()
        body = {"scan_point": point.id, "code": code, "nonce": once}
        results = _race(live_server, [(url, body, token)] * 3)
        assert all(status == 200 for status, _ in results), results
        answers = [a for _, a in results]
        assert {a["status"] for a in answers} == {"ok"}
        assert len({a["scan_id"] for a in answers}) == 1
        assert sorted(a["replayed"] for a in answers) == [False, True, True]
    db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(Scan)) == len(codes)
    assert db.session.scalar(select(func.count()).select_from(CheckIn)) == len(codes)


def test_two_staff_capture_one_lead(scanning, live_server):
    url = live_server.url + "/api/checkin/scan"
    point = scanning.points["alpha_booth"]
    tokens = []
    for _ in range(2):
        device = services.create_device(point, label="booth")
        db.session.commit()
        tokens.append(services.device_token(device))
    codes = visitors(scanning.event, ROUNDS // 2)
    for code in codes:
        calls = [(url, {"scan_point": point.id, "code": code, "nonce": nonce()}, t) for t in tokens]
        statuses = sorted(a["status"] for _, a in _race(live_server, calls))
        assert statuses == ["already_checked_in", "ok"]
    db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(Lead)) == len(codes)


def test_both_sides_of_a_meeting_at_once_make_it_attended(scanning, live_server, app, monkeypatch):
    """The startup's and the firm's person scanned at the same moment at two tablets:
    whichever commits second sees both arrivals, so the meeting is attended."""
    meetings = pytest.importorskip("eventapp.meetings.services")
    from eventapp.meetings.models import Meeting
    from tests.meetings.conftest import add_company

    event = scanning.event
    rounds = ROUNDS // 2
    with app.test_request_context():
        meetings.save_settings(
            event,
            scanning.organizer,
            meeting_days=[event.days[0].isoformat()],
            slot_minutes=30,
            day_starts_at=time(0, 0),
            day_ends_at=time(0, 30),
            breaks=[],
            table_count=rounds,
            table_label="Meeting zone",
        )
        slot = meetings.slots_of(event)[0]
        pairs = []
        for index in range(rounds):
            startup_user, startup = add_company(event, f"s{index}", "startup", offer_en="x")
            firm_user, firm = add_company(event, f"f{index}", "large_firm", need_en="y")
            request = meetings.send_request(event, startup, firm, scanning.organizer)
            meetings.accept_request(request, firm, scanning.organizer)
            meeting = meetings.book(
                request, slot, scanning.organizer, via="organizer", notify=False
            )
            pairs.append((meeting.id, startup_user, firm_user))
        db.session.commit()
        rounds_codes = [
            (meeting_id, [badges.badge_code(badges.issue_badge(event, u)) for u in users])
            for meeting_id, *users in pairs
        ]
        db.session.commit()
    at = slot.starts_at.isoformat()
    arrived = slot.starts_at + timedelta(seconds=2)
    monkeypatch.setattr(services, "utcnow", lambda: arrived)
    point = scanning.points["meeting"]
    point.allowed_categories = []
    db.session.commit()
    tokens = []
    for label in ("table 1", "table 2"):
        tokens.append(services.device_token(services.create_device(point, label=label)))
        db.session.commit()

    url = live_server.url + "/api/checkin/scan"
    for meeting_id, codes in rounds_codes:
        calls = [
            (url, {"scan_point": point.id, "code": code, "nonce": nonce(), "scanned_at": at}, t)
            for code, t in zip(codes, tokens, strict=True)
        ]
        answers = [answer for _status, answer in _race(live_server, calls)]
        assert all(a["meeting"]["id"] == meeting_id for a in answers), answers
        assert sorted(a["meeting"]["complete"] for a in answers) == [False, True], answers
    db.session.remove()
    statuses = db.session.scalars(select(Meeting.status).order_by(Meeting.id)).all()
    assert statuses == ["attended"] * rounds
    assert db.session.scalar(select(func.count()).select_from(MeetingArrival)) == 2 * rounds


def _waits_for(waiter, holder, release, failure):
    """Check that the started thread `waiter` waits for the transaction `holder` keeps
    open, then let `holder` end it (`release`) and both finish."""
    waiter.join(timeout=0.5)
    assert waiter.is_alive(), failure
    release.set()
    holder.join(timeout=30)
    waiter.join(timeout=30)


@pytest.mark.parametrize("point_name", ["gate", "alpha_booth"])
@pytest.mark.parametrize("first_ends", ["commit", "rollback"])
def test_a_retry_while_the_first_attempt_of_its_nonce_is_open(
    scanning, app, point_name, first_ends
):
    """A retry that comes while the first attempt with its nonce is still open waits for
    it (the unique key on PostgreSQL, BEGIN IMMEDIATE on SQLite): it replays the first
    answer once that is committed, and is answered afresh when the first attempt failed;
    never a server error."""
    point_id = scanning.points[point_name].id
    code, once = scanning.code("attendee"), nonce()
    first_open, first_may_end = threading.Event(), threading.Event()
    answers, errors = {}, []

    def attempt(name):
        try:
            with app.app_context():
                ctx = services.context_for_point(point_id)
                answers[name], _ = services.record_scan(ctx, code=code, nonce=once)
                if name == "first":
                    first_open.set()
                    first_may_end.wait(timeout=20)
                    if first_ends == "rollback":
                        db.session.rollback()
                        return
                db.session.commit()
        except Exception as error:  # reported below
            errors.append(error)
            first_open.set()

    first = threading.Thread(target=attempt, args=("first",))
    first.start()
    assert first_open.wait(timeout=20)
    retry = threading.Thread(target=attempt, args=("retry",))
    retry.start()
    _waits_for(retry, first, first_may_end, "the retry did not wait for the first attempt")
    assert not errors, errors
    db.session.remove()
    stored = db.session.execute(select(Scan.id, Scan.result).where(Scan.nonce == once)).all()
    assert len(stored) == 1
    answer = answers["retry"]
    assert answer["status"] == "ok" and answer["scan_id"] == stored[0].id
    assert answer["replayed"] is (first_ends == "commit")
    if first_ends == "commit":
        assert answer["scan_id"] == answers["first"]["scan_id"]


def test_two_first_booth_scanners_at_once_make_one_booth_point(app, small_event, monkeypatch):
    """Two of a company's staff open the booth scanner for the first time at the same
    moment: both find no booth point, and one company still gets one point."""
    from eventapp.checkin.models import ScanPoint
    from eventapp.events.models import Event
    from eventapp.organizations.models import Organization

    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite serializes writing transactions: the race cannot happen there")
    event_id, company_id = small_event.event.id, small_event.companies["alpha"].id
    db.session.remove()
    barrier = threading.Barrier(2)
    real_scalar = type(db.session).scalar
    local = threading.local()

    def scalar(session, statement, *args, **kwargs):
        found = real_scalar(session, statement, *args, **kwargs)
        entity = statement.column_descriptions[0].get("entity")
        if entity is ScanPoint and not getattr(local, "looked", False):
            local.looked = True
            barrier.wait(timeout=20)  # both have looked (and found none) before either writes
        return found

    monkeypatch.setattr(type(db.session), "scalar", scalar)
    points, errors = [], []

    def first_call():
        try:
            with app.app_context():
                event = db.session.get(Event, event_id)
                company = db.session.get(Organization, company_id)
                points.append(services.booth_point_for(event, company).id)
                db.session.commit()
        except Exception as error:  # reported below
            barrier.abort()
            errors.append(error)

    threads = [threading.Thread(target=first_call) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    monkeypatch.undo()
    booth_points = db.session.scalars(
        select(ScanPoint.id).where(
            ScanPoint.kind == "booth", ScanPoint.organization_id == company_id
        )
    ).all()
    assert len(booth_points) == 1
    assert points == booth_points * 2


def test_late_uploads_at_once_leave_the_earliest_scan_holding_the_check_in(
    scanning, live_server, device_token, server_clock
):
    """Scanners that were offline upload their scans of one badge at the moment a gate
    scans it online: whatever the order, the earliest scan holds the day's check-in
    and is the badge's only `ok`."""
    url = live_server.url
    gate, side = scanning.points["gate"], scanning.points["side_gate"]
    tokens = {gate.id: device_token("gate"), side.id: device_token("side_gate")}
    times = [time(10, 0), time(9, 40), time(9, 50)]
    server_clock(0, time(10, 30))
    codes = visitors(scanning.event, ROUNDS // 2)
    for code in codes:
        calls = [
            (
                url + "/api/checkin/scan",
                {
                    "scan_point": gate.id,
                    "code": code,
                    "nonce": nonce(),
                    "scanned_at": scanning.at(0, time(10, 30)),
                },
                tokens[gate.id],
            )
        ]
        for index, clock in enumerate(times):
            point = (gate, side)[index % 2]
            item = {"code": code, "nonce": nonce(), "scanned_at": scanning.at(0, clock)}
            calls.append(
                (
                    url + "/api/checkin/scans",
                    {"scan_point": point.id, "scans": [item]},
                    tokens[point.id],
                )
            )
        assert all(status == 200 for status, _ in _race(live_server, calls))
    db.session.remove()
    checkins = db.session.scalars(select(CheckIn)).all()
    assert len(checkins) == len(codes)
    earliest = scanning.event.local_datetime(scanning.event.days[0], time(9, 40))
    assert {c.checked_in_at for c in checkins} == {earliest}
    assert {c.scan_point_id for c in checkins} == {side.id}
    oks = db.session.scalars(select(Scan).where(Scan.result == "ok")).all()
    assert len(oks) == len(codes)
    assert {s.scanned_at for s in oks} == {earliest}


def _in_thread(app, work, errors):
    def run():
        try:
            with app.app_context():
                work()
        except Exception as error:  # reported by the test
            errors.append(error)
        finally:
            with app.app_context():
                db.session.remove()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_an_older_queued_scan_uploaded_while_the_lead_is_removed_does_not_bring_it_back(
    scanning, app
):
    """Staff capture a visitor and take the lead off the list (the wrong badge) at
    the very moment a second booth phone, offline since, uploads its later scan of
    the same badge. The removal is newer than that scan, so it must stand (as
    it does when the upload comes a moment later): the lead must not come back."""
    point_id = scanning.points["alpha_booth"].id
    code = scanning.code("attendee")
    now = services.utcnow()
    # Both scans earlier today (Seoul), the first before the second: two hours back
    # would be yesterday, no fair day, in the first hours after midnight.
    today = scanning.event.local_datetime(seoul_today(), time(0, 0))
    earlier, later = now - (now - today) * 2 / 3, now - (now - today) / 3
    ctx = services.context_for_point(point_id)
    first, _ = services.record_scan(ctx, code=code, nonce=nonce(), scanned_at=earlier, offline=True)
    assert first["status"] == "ok"
    db.session.commit()
    db.session.remove()

    removal_open, removal_may_commit = threading.Event(), threading.Event()
    answers, errors = {}, []

    def remove():
        lead = db.session.scalar(select(Lead))
        services.remove_lead(lead)
        db.session.flush()
        removal_open.set()
        removal_may_commit.wait(timeout=20)
        db.session.commit()

    def upload():
        ctx = services.context_for_point(point_id)
        answers["upload"], _ = services.record_scan(
            ctx, code=code, nonce=nonce(), scanned_at=later, offline=True
        )
        db.session.commit()

    remover = _in_thread(app, remove, errors)
    assert removal_open.wait(timeout=20), errors
    uploader = _in_thread(app, upload, errors)
    uploader.join(timeout=1)  # it reaches the lead (PostgreSQL) or waits to begin (SQLite)
    removal_may_commit.set()
    remover.join(timeout=30)
    uploader.join(timeout=30)
    assert not errors, errors
    db.session.remove()
    assert db.session.scalars(select(Lead)).all() == []
    answer = answers["upload"]
    assert (answer["status"], answer["reason"]) == ("ok", "lead_removed"), answer


def test_an_upload_stops_being_accepted_once_its_device_is_revoked(
    scanning, live_server, writing, monkeypatch
):
    """An organizer revokes a lost scanner while it uploads its queue. A request that
    comes a moment after the revocation is refused whole (401); the request already
    running goes on storing the rest of its queue under the revoked device, each scan
    committed, and received, after the revocation."""
    from eventapp.checkin import api
    from eventapp.checkin.models import ScanDevice
    from tests.checkin.test_concurrency import _post

    gate = scanning.points["gate"]
    device = services.create_device(gate, label="lost phone")
    db.session.commit()
    device_id, token = device.id, services.device_token(device)
    first_stored, revoked = threading.Event(), threading.Event()
    real_record = api._record
    calls = []

    def record(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:  # between the first queued scan and the second
            first_stored.set()
            revoked.wait(timeout=20)
        return real_record(*args, **kwargs)

    monkeypatch.setattr(api, "_record", record)
    items = [
        {"code": scanning.code(role), "nonce": nonce(), "scanned_at": scanning.at(0)}
        for role in ("attendee", "staff", "organizer")
    ]
    body = {"scan_point": gate.id, "scans": items}
    result = {}
    uploader = threading.Thread(
        target=lambda: result.update(
            answer=_post(live_server.url + "/api/checkin/scans", body, token)
        )
    )
    uploader.start()
    assert first_stored.wait(timeout=20)
    with writing() as session:
        services.revoke_device(session.get(ScanDevice, device_id))
    revoked.set()
    uploader.join(timeout=30)
    db.session.remove()
    revoked_at = db.session.get(ScanDevice, device_id).revoked_at
    after = db.session.scalars(
        select(Scan).where(Scan.device_id == device_id, Scan.received_at >= revoked_at)
    ).all()
    assert [(s.code[:12], s.result, s.received_at) for s in after] == [], result


def _deletable_point(scanning):
    """A scan point nothing was scanned at, with a hand scanner's device token that
    was never used: the point may be deleted (why_kept)."""
    from eventapp.checkin.models import ScanPoint

    point = services.create_scan_point(
        scanning.event, name_ko="임시 입구", name_en="Pop-up gate", kind="entrance"
    )
    device = services.create_device(point, label="hand scanner")
    db.session.commit()
    assert services.why_kept(point) is None
    return db.session.get(ScanPoint, point.id).id, services.device_token(device)


def test_a_first_scan_while_its_point_is_deleted_keeps_the_point_and_the_scan(scanning, app):
    """The first scan at a point is being written when an organizer deletes the point
    (made by mistake, it seemed unused): the deletion waits for the scan and is then
    refused. It used to go ahead and take the scan with the point, out of the
    audit trail."""
    from eventapp.checkin.models import ScanPoint

    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite serializes writing transactions: the race cannot happen there")
    point_id, token = _deletable_point(scanning)
    code = scanning.code("attendee")
    db.session.remove()
    scan_open, scan_may_commit = threading.Event(), threading.Event()
    answers, refusals, errors = {}, [], []

    def scan():
        ctx = services.context_for_device_token(token)
        answers["scan"], _ = services.record_scan(ctx, code=code, nonce=nonce())
        scan_open.set()
        scan_may_commit.wait(timeout=20)
        db.session.commit()

    def delete():
        try:
            services.delete_scan_point(db.session.get(ScanPoint, point_id))
        except services.CheckinError as refused:
            refusals.append(refused)
            db.session.rollback()
            return
        db.session.commit()

    scanner = _in_thread(app, scan, errors)
    assert scan_open.wait(timeout=20), errors
    deleter = _in_thread(app, delete, errors)
    _waits_for(deleter, scanner, scan_may_commit, "the deletion did not wait for the scan")
    assert not errors, errors
    assert answers["scan"]["status"] == "ok"
    assert len(refusals) == 1
    db.session.remove()
    assert db.session.get(ScanPoint, point_id) is not None
    stored = db.session.scalars(select(Scan.id).where(Scan.scan_point_id == point_id)).all()
    assert stored == [answers["scan"]["scan_id"]]


def test_a_scan_while_its_point_is_being_deleted_is_answered_as_at_a_deleted_point(
    scanning, app, live_server
):
    """The deletion came first: the scan waits for it, and its device is answered as
    any device of a deleted point (401), not with a server error."""
    from eventapp.checkin.models import ScanPoint

    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite serializes writing transactions: the race cannot happen there")
    point_id, token = _deletable_point(scanning)
    body = {"scan_point": point_id, "code": scanning.code("attendee"), "nonce": nonce()}
    db.session.remove()
    deletion_open, deletion_may_commit = threading.Event(), threading.Event()
    errors, result = [], {}

    def delete():
        services.delete_scan_point(db.session.get(ScanPoint, point_id))
        db.session.flush()
        deletion_open.set()
        deletion_may_commit.wait(timeout=20)
        db.session.commit()

    deleter = _in_thread(app, delete, errors)
    assert deletion_open.wait(timeout=20), errors
    scanner = threading.Thread(
        target=lambda: result.update(
            answer=_post(live_server.url + "/api/checkin/scan", body, token)
        )
    )
    scanner.start()
    _waits_for(scanner, deleter, deletion_may_commit, "the scan did not wait for the deletion")
    assert not errors, errors
    status, _answer = result["answer"]
    assert status == 401
    db.session.remove()
    assert db.session.get(ScanPoint, point_id) is None
    assert db.session.scalars(select(Scan.id).where(Scan.scan_point_id == point_id)).all() == []
