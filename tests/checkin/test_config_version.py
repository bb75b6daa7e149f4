"""The scanner configuration's version (its ETag): every scanner asks for the
configuration every two minutes with the version of its copy, and gets a 304 without
the server reading the badge holders' list. Whatever changes the configuration must
change the version, or scanners would go on judging offline by an old copy."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from eventapp.accounts.models import User
from eventapp.badges import codes
from eventapp.badges import services as badges
from eventapp.badges.models import Badge, EventKey
from eventapp.checkin import services
from eventapp.checkin.models import Lead
from eventapp.events.models import EventRole
from eventapp.extensions import db
from tests.checkin.conftest import scan


def _get(client, point, token, etag=None):
    headers = {"X-Device-Token": token, "Accept-Encoding": "identity"}
    if etag:
        headers["If-None-Match"] = etag
    return client.get(f"/api/checkin/points/{point.id}/config", headers=headers)


def _device(point):
    device = services.create_device(point, label="config", hours=24)
    db.session.commit()
    return device, services.device_token(device)


def _person(scanning, key):
    user = User(email=f"{key}@example.org", name_ko=f"{key} 님", name_en=key.title())
    user.set_password("x" * 12)
    db.session.add(user)
    db.session.add(EventRole(event=scanning.event, user=user, role="attendee"))
    db.session.flush()
    return user


def _badge_id(scanning, role):
    return scanning.badges[role].id


# Each change: (scan point, what it does, what the new configuration shows).


def _revoked(scanning, ctx):
    badges.revoke_badge(scanning.badges["attendee"], "lost")
    return lambda data: _badge_id(scanning, "attendee") in data["revocation"]["revoked"]


def _reissued(scanning, ctx):
    badges.reissue_badge(scanning.badges["attendee"])
    return lambda data: data["revocation"]["min_issue"][str(_badge_id(scanning, "attendee"))] == 2


def _revoked_then_reissued(scanning, ctx):
    # Revoked before the scanner's copy; reissued, the badge admits again.
    badge_id = _badge_id(scanning, "attendee")
    assert badge_id in ctx["before"]["revocation"]["revoked"]
    badges.reissue_badge(scanning.badges["attendee"])
    return lambda data: badge_id not in data["revocation"]["revoked"]


def _new_badge(scanning, ctx):
    badge = badges.issue_badge(scanning.event, _person(scanning, "newcomer"))
    db.session.flush()
    return lambda data: data["holders"][str(badge.id)]["name_en"] == "Newcomer"


def _renamed(scanning, ctx):
    scanning.badges["staff"].name_en = "Renamed Staff"
    return lambda data: (
        data["holders"][str(_badge_id(scanning, "staff"))]["name_en"] == ("Renamed Staff")
    )


def _category_changed(scanning, ctx):
    badges.set_category(scanning.badges["staff"], "vip")
    return lambda data: data["holders"][str(_badge_id(scanning, "staff"))]["category"] == "vip"


def _deleted(scanning, ctx):
    # Neither the newest badge nor the last changed.
    badge_id = _badge_id(scanning, "attendee")
    db.session.delete(scanning.badges["attendee"])
    return lambda data: str(badge_id) not in data["revocation"]["min_issue"]


def _replaced(scanning, ctx):
    # The newest badge deleted and another made: as many badges as before, and SQLite
    # may give the new one the deleted one's id.
    newest = db.session.scalars(select(Badge).order_by(Badge.id.desc())).first()
    db.session.delete(newest)
    db.session.flush()
    badge = badges.issue_badge(scanning.event, _person(scanning, "replacement"))
    db.session.flush()
    return lambda data: data["holders"][str(badge.id)]["name_en"] == "Replacement"


def _point_renamed(scanning, ctx):
    services.update_scan_point(scanning.points["gate"], name_en="North gate")
    return lambda data: data["scan_point"]["name_en"] == "North gate"


def _point_days(scanning, ctx):
    second = scanning.event.days[1]
    services.update_scan_point(scanning.points["gate"], valid_days=[second])
    return lambda data: data["scan_point"]["valid_days"] == [second.isoformat()]


def _point_categories(scanning, ctx):
    services.update_scan_point(scanning.points["gate"], allowed_categories=["vip"])
    return lambda data: data["scan_point"]["allowed_categories"] == ["vip"]


def _point_closed(scanning, ctx):
    services.update_scan_point(scanning.points["gate"], active=False)
    return lambda data: data["scan_point"]["active"] is False


def _event_longer(scanning, ctx):
    scanning.event.ends_on += timedelta(days=1)
    last = scanning.event.ends_on.isoformat()
    return lambda data: (
        data["event"]["days"][-1] == last and last in (data["scan_point"]["valid_days"])
    )


def _event_timezone(scanning, ctx):
    scanning.event.timezone = "Asia/Tokyo"
    return lambda data: data["event"]["timezone"] == "Asia/Tokyo"


def _event_key(scanning, ctx):
    key = db.session.get(EventKey, scanning.event.id)
    private = codes.generate_private_key()
    key.private_key = codes.private_key_bytes(private)
    key.public_key = codes.public_key_bytes(private)
    new = codes.public_key_b64(key.public_key)
    return lambda data: data["public_key"] == new


def _device_extended(scanning, ctx):
    services.extend_device(ctx["device"], 48)
    expires = ctx["device"].expires_at
    return lambda data: data["device"]["expires_at"] == services.periods.iso(expires)


def _lead_captured(scanning, ctx):
    answer = scan(ctx["client"], ctx["point"], scanning.code("attendee"), token=ctx["token"])
    assert answer.get_json()["status"] == "ok"
    return lambda data: data["lead_badges"] == [_badge_id(scanning, "attendee")]


def _lead_removed(scanning, ctx):
    assert ctx["before"]["lead_badges"] == [_badge_id(scanning, "attendee")]
    services.remove_lead(db.session.scalars(select(Lead)).one())
    return lambda data: data["lead_badges"] == []


def _company_withdrew(scanning, ctx):
    scanning.exhibitors["alpha"].status = "withdrawn"
    return lambda data: data["scan_point"]["exhibiting"] is False


def _colleague_joined(scanning, ctx):
    scanning.outsider.organization_id = scanning.companies["alpha"].id
    return lambda data: _badge_id(scanning, "outsider") in data["own_badges"]


def _booth_categories(scanning, ctx):
    # A booth admitting some categories gets the badges' categories (no names).
    badges.set_category(scanning.badges["staff"], "buyer")
    return lambda data: data["badge_categories"][str(_badge_id(scanning, "staff"))] == "buyer"


def _revoke_first(scanning, client):
    badges.revoke_badge(scanning.badges["attendee"], "lost")


def _lead_first(scanning, client):
    token = services.device_token(services.create_device(scanning.points["alpha_booth"]))
    db.session.commit()
    scan(client, scanning.points["alpha_booth"], scanning.code("attendee"), token=token)


def _booth_admits_some(scanning, client):
    services.update_scan_point(
        scanning.points["alpha_booth"], allowed_categories=["buyer", "large_firm"]
    )


CHANGES = [
    ("gate", None, _revoked),
    ("gate", None, _reissued),
    ("gate", _revoke_first, _revoked_then_reissued),
    ("gate", None, _new_badge),
    ("gate", None, _renamed),
    ("gate", None, _category_changed),
    ("gate", None, _deleted),
    ("gate", None, _replaced),
    ("gate", None, _point_renamed),
    ("gate", None, _point_days),
    ("gate", None, _point_categories),
    ("gate", None, _point_closed),
    ("gate", None, _event_longer),
    ("gate", None, _event_timezone),
    ("gate", None, _event_key),
    ("gate", None, _device_extended),
    ("alpha_booth", None, _lead_captured),
    ("alpha_booth", _lead_first, _lead_removed),
    ("alpha_booth", None, _company_withdrew),
    ("alpha_booth", None, _colleague_joined),
    ("alpha_booth", _booth_admits_some, _booth_categories),
]


@pytest.mark.parametrize(
    "point_name, prepare, change", CHANGES, ids=[change.__name__[1:] for *_, change in CHANGES]
)
def test_a_change_to_the_configuration_changes_its_version(
    scanning, client, point_name, prepare, change
):
    point = scanning.points[point_name]
    if prepare is not None:
        prepare(scanning, client)
        db.session.commit()
    device, token = _device(point)
    first = _get(client, point, token)
    assert first.status_code == 200
    etag = first.headers["ETag"]
    assert _get(client, point, token, etag).status_code == 304
    ctx = {"before": first.get_json(), "device": device, "client": client, "point": point}
    ctx["token"] = token
    shows = change(scanning, ctx)
    db.session.commit()

    changed = _get(client, point, token, etag)
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag
    assert shows(changed.get_json())
    assert _get(client, point, token, changed.headers["ETag"]).status_code == 304


def test_an_unchanged_configuration_is_answered_without_building_it(scanning, client, monkeypatch):
    """A scan at the gate, a device set up for another point: nothing the gate's
    scanners hold has changed, and the 304 reads no badge holders' list."""
    gate = scanning.points["gate"]
    device, token = _device(gate)
    first = _get(client, gate, token)
    etag = first.headers["ETag"]
    assert scan(client, gate, scanning.code("attendee"), token=token).get_json()["status"] == "ok"
    _device(scanning.points["side_gate"])

    def not_built(*args, **kwargs):
        raise AssertionError("the configuration was built for a 304")

    device.last_seen_at = None
    db.session.commit()
    monkeypatch.setattr(services, "scanner_config", not_built)
    monkeypatch.setattr(services, "scanner_holders", not_built)
    monkeypatch.setattr(badges, "revocation_list", not_built)
    again = _get(client, gate, token, etag)
    assert again.status_code == 304 and again.headers["ETag"] == etag
    assert again.headers["X-Server-Time"]
    # The device is seen all the same.
    db.session.refresh(device)
    assert device.last_seen_at is not None


def test_a_change_stamped_by_a_server_whose_clock_is_behind_changes_the_version(scanning, client):
    """With several app servers, one whose clock is behind stamps a badge it renames
    earlier than the latest stamp already written: the latest stamp stays, and only
    the sum of the stamps tells the change."""
    point = scanning.points["gate"]
    now = services.utcnow()
    for badge in scanning.badges.values():
        badge.updated_at = now - timedelta(hours=1)
    scanning.badges["attendee"].updated_at = now  # the latest, from a server ahead
    db.session.commit()
    _device_row, token = _device(point)
    etag = _get(client, point, token).headers["ETag"]
    staff = scanning.badges["staff"]
    staff.name_en = "Renamed Behind"
    staff.updated_at = now - timedelta(minutes=50)  # later than its own, before the latest
    db.session.commit()
    changed = _get(client, point, token, etag)
    assert changed.status_code == 200
    assert changed.get_json()["holders"][str(staff.id)]["name_en"] == "Renamed Behind"
