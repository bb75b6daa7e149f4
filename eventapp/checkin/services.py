"""Scan points, scanner devices, scanning, leads and contact consent.

Functions that change data write an audit entry in the same transaction and
leave the commit to the caller, except the scan itself: a scan's row in
`checkin_scans` *is* its audit entry (one per scan, failed ones too), so the
scan path writes no second row per scan.

The scan path is built for many gunicorn workers on PostgreSQL: a handful of
statements, races settled by unique keys (`INSERT ... ON CONFLICT DO NOTHING`),
nothing kept in process memory except parsed public keys (which never change).
"""

import dataclasses
import hashlib
import re
from collections import namedtuple
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from types import MappingProxyType
from zoneinfo import ZoneInfo

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import (
    BigInteger,
    Date,
    Integer,
    and_,
    bindparam,
    cast,
    delete,
    exists,
    func,
    null,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import aliased, selectinload

from eventapp.accounts.models import User
from eventapp.badges import codes
from eventapp.badges.models import CATEGORIES, Badge, BadgeCategoryEnd, BadgeIssueEnd, EventKey
from eventapp.badges.services import badge_number_id
from eventapp.booths.models import EXHIBITING_STATUSES, Exhibitor
from eventapp.checkin.messages import bilingual
from eventapp.checkin.models import (
    DEFAULT_ENTRANCE_GROUP,
    DEVICE_HOURS_MAX,
    LEAD_NOTES_MAX,
    LEAD_RATINGS,
    SCAN_POINT_KINDS,
    CheckIn,
    Lead,
    LeadConsent,
    LeadRemoval,
    MeetingArrival,
    Scan,
    ScanDevice,
    ScanPoint,
    lead_names,
    open_days_of,
)
from eventapp.core import audit, periods
from eventapp.core.db import contains_text, insert_on_conflict, utcnow
from eventapp.core.driver_sql import DriverStatement
from eventapp.core.i18n import gettext as _
from eventapp.core.i18n import lazy_gettext as _l
from eventapp.core.permissions import MAX_ID, company_of, has_role
from eventapp.events.models import EXHIBITOR_ROLES, Event, EventRole
from eventapp.events.services import lock_event
from eventapp.extensions import db
from eventapp.organizations.models import Organization


class CheckinError(Exception):
    pass


# Scan times further than this from now are refused as implausible.
MAX_SCAN_AGE = timedelta(days=366)
NONCE_RE = re.compile(r"^[A-Za-z0-9_.:-]{8,64}$")
MAX_CODE_LENGTH = 2000
STORED_CODE_LENGTH = 200
DEVICE_SALT = "eventapp.checkin.device"
SETUP_SALT = "eventapp.checkin.device-setup"
DEVICE_HOURS_DEFAULT = 72
LEAD_EXHIBITOR_STATUSES = EXHIBITING_STATUSES


# -- scan points ------------------------------------------------------------------------------


def _clean_days(event, days):
    chosen = sorted({(d.isoformat() if isinstance(d, date) else str(d)) for d in days or ()})
    if chosen:
        # Checked against the days as stored, under the lock a change of them takes
        # (update_event): one saved at the same moment either comes first, and is
        # checked against here, or waits and sees these days. A point of every day
        # (none named; the booth point made when a company starts scanning) waits
        # for nothing.
        event = lock_event(event)
    allowed = {d.isoformat() for d in event.days}
    unknown = [d for d in chosen if d not in allowed]
    if unknown:
        raise CheckinError(_l("Not a fair day: %(days)s", days=", ".join(unknown)))
    return chosen


def _clean_categories(categories):
    chosen = sorted(set(categories or ()))
    unknown = [c for c in chosen if c not in CATEGORIES]
    if unknown:
        raise CheckinError(_l("Unknown badge category: %(names)s", names=", ".join(unknown)))
    return chosen


def create_scan_point(
    event,
    *,
    name_ko,
    name_en,
    kind,
    organization_id=None,
    entrance_group=DEFAULT_ENTRANCE_GROUP,
    valid_days=(),
    allowed_categories=(),
    active=True,
    check_names=True,
):
    if kind not in SCAN_POINT_KINDS:
        raise CheckinError(_l("Unknown kind of scan point."))
    if kind == "booth" and organization_id is None:
        raise CheckinError(_l("A booth lead point belongs to an exhibitor company."))
    if check_names:
        _check_names_free(event.id, name_ko, name_en)
    point = ScanPoint(
        event_id=event.id,
        name_ko=name_ko,
        name_en=name_en,
        kind=kind,
        organization_id=organization_id if kind == "booth" else None,
        entrance_group=_entrance_group(entrance_group, event.id),
        valid_days=_clean_days(event, valid_days),
        allowed_categories=_clean_categories(allowed_categories),
        active=active,
    )
    if not active:
        # Closed from the start: a scan its scanner queued before the point first
        # opened must not count once it is open (see _closed).
        _note_closing(point, utcnow())
    db.session.add(point)
    audit.record(
        "checkin.point_created",
        point,
        event=event,
        data={"kind": kind, "name": name_en, "organization": point.organization_id},
    )
    return point


def entrance_groups(event):
    """The entrance groups the event's entrances use, to pick from."""
    return sorted(
        db.session.scalars(
            select(ScanPoint.entrance_group)
            .where(ScanPoint.event_id == event.id, ScanPoint.kind == "entrance")
            .distinct()
        ),
        key=str.casefold,
    )


def _entrance_group(value, event_id, current=None):
    """One spelling per group: the offline scanner keys its check-ins by this text,
    so " " or "" must not become a group apart from the default, nor "Main" a group
    apart from "main" (a visitor would be checked in twice a day). A group the
    event's points already use is written as most of them write it; a point keeps
    its own spelling of it (its check-ins are keyed by that)."""
    group = (value or "").strip()[:40] or DEFAULT_ENTRANCE_GROUP
    if current is not None and current.casefold() == group.casefold():
        return current
    spellings = db.session.execute(
        select(ScanPoint.entrance_group, func.count())
        .where(ScanPoint.event_id == event_id)
        .group_by(ScanPoint.entrance_group)
    ).all()
    same = [(-count, g) for g, count in spellings if g and g.casefold() == group.casefold()]
    return min(same)[1] if same else group


def _check_names_free(event_id, name_ko, name_en, point_id=None):
    """Staff pick their scan point by name: two of one name would look the same."""
    others = db.session.execute(
        select(ScanPoint.name_ko, ScanPoint.name_en).where(
            ScanPoint.event_id == event_id, ScanPoint.id != (point_id or 0)
        )
    ).all()
    for other_ko, other_en in others:
        if (other_ko or "").strip() == (name_ko or "").strip():
            taken = name_ko
        elif (other_en or "").strip().casefold() == (name_en or "").strip().casefold():
            taken = name_en
        else:
            continue
        raise CheckinError(_l("Another scan point is already called %(name)s.", name=taken))


def update_scan_point(point, **changes):
    """Change a scan point; returns the scanner devices the change revoked."""
    event = db.session.get(Event, point.event_id)
    if "valid_days" in changes:
        changes["valid_days"] = _clean_days(event, changes["valid_days"])
    if "allowed_categories" in changes:
        changes["allowed_categories"] = _clean_categories(changes["allowed_categories"])
    if changes.get("kind", point.kind) not in SCAN_POINT_KINDS:
        raise CheckinError(_l("Unknown kind of scan point."))
    kind = changes.get("kind", point.kind)
    if kind != point.kind and _has_scans(point):
        # Its check-ins, arrivals or leads, and its devices, mean what the kind says.
        raise CheckinError(
            _l("A scan point with scans keeps its kind: make a new scan point for the other kind.")
        )
    if kind == "booth" and changes.get("organization_id", point.organization_id) is None:
        raise CheckinError(_l("A booth lead point belongs to an exhibitor company."))
    if kind != "booth":
        changes["organization_id"] = None
    if "entrance_group" in changes:
        changes["entrance_group"] = _entrance_group(
            changes["entrance_group"], point.event_id, point.entrance_group
        )
    # Only a new name is checked: a point named like another (a booth point made for
    # its company) is still saved, closed or moved under its own.
    if (
        changes.get("name_ko", point.name_ko) != point.name_ko
        or changes.get("name_en", point.name_en) != point.name_en
    ):
        _check_names_free(
            point.event_id,
            changes.get("name_ko", point.name_ko),
            changes.get("name_en", point.name_en),
            point.id,
        )
    rules_before = [point.valid_days or [], point.allowed_categories or [], point.entrance_group]
    changed = {}
    for name, value in changes.items():
        if getattr(point, name) != value:
            changed[name] = value
            setattr(point, name, value)
    if "active" in changed:
        _note_closing(point, utcnow())
    if changed.keys() & {"valid_days", "allowed_categories", "entrance_group"}:
        point.rules_history = [*(point.rules_history or []), [_iso(utcnow()), *rules_before]]
    revoked = []
    if "organization_id" in changed:
        # Its scanners were handed to the former company's staff: they would go on
        # reading visitors' names and capturing leads for the new company, or, with
        # the point turned into an entrance, checking people in there. Those of an
        # entrance or meeting zone made a booth point were handed to gate staff.
        revoked = active_devices(point)
        for device in revoked:
            revoke_device(device)
    if changed:
        audit.record(
            "checkin.point_changed",
            point,
            event=event,
            data={k: (v if not isinstance(v, date) else v.isoformat()) for k, v in changed.items()},
        )
    return revoked


def has_records(point):
    """Whether anything was scanned at the point: scans, check-ins, leads, arrivals."""
    return any(
        db.session.scalar(select(model.id).where(model.scan_point_id == point.id).limit(1))
        is not None
        for model in (Scan, CheckIn, Lead, MeetingArrival)
    )


def why_kept(point):
    """Why the scan point may not be deleted (a message), or None when it may be: the
    point's page offers deletion by this, and delete_scan_point refuses by it."""
    if has_records(point):
        return _l("Something was scanned here: the scan point stays. Close it instead.")
    set_up = db.session.scalar(
        select(ScanDevice.id)
        .where(
            ScanDevice.scan_point_id == point.id,
            # Set up on a phone, or used with its device token (a hand scanner).
            or_(ScanDevice.set_up_at.is_not(None), ScanDevice.last_seen_at.is_not(None)),
        )
        .limit(1)
    )
    if set_up is not None:
        # Its scans may wait on it, offline, for a point that would be gone.
        return _l(
            "A phone was set up here and may hold scans not uploaded: the scan point stays. Close it instead."
        )
    if point.scanner_opened_at is not None:
        # As a set-up phone: scans queued offline by someone signed in could never
        # be uploaded once the point is gone.
        return _l(
            "Its scanner page was opened, and a phone may hold scans not uploaded: the scan point stays. Close it instead."
        )
    return None


def _locked_afresh(model, row_id):
    """The row of `model`, read afresh and held (FOR UPDATE) until the transaction
    ends; None when it is gone."""
    return db.session.scalar(
        select(model)
        .where(model.id == row_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def delete_scan_point(point):
    """Delete a scan point made by mistake. One that anything was scanned at stays
    (close it instead): its scans, check-ins and leads are the fair's record; so does
    one where a phone may hold scans not uploaded yet (see why_kept). Its scanner
    devices go with it."""
    # The point's row first, read afresh: a scan being written holds it (FOR KEY
    # SHARE, see _context_query) until its commit, so why_kept sees that scan instead
    # of deleting it with the point; a scan that comes later waits, then finds the
    # point gone. The point before its devices, in the order scans lock them.
    if _locked_afresh(ScanPoint, point.id) is None:
        raise CheckinError(_l("This scan point was already deleted."))
    refusal = why_kept(point)
    if refusal is not None:
        raise CheckinError(refusal)
    # Each device gets its own entry, with its label: the log names the device of
    # its earlier entries (created, extended) by it once the row is gone.
    for device in db.session.scalars(
        select(ScanDevice).where(ScanDevice.scan_point_id == point.id).order_by(ScanDevice.id)
    ):
        audit.record(
            "checkin.device_deleted",
            device,
            event=point.event_id,
            data={"scan_point": point.id, "name": device.label or None},
        )
    audit.record(
        "checkin.point_deleted",
        point,
        event=point.event_id,
        data={
            "kind": point.kind,
            "name": point.name_en,
            "name_ko": point.name_ko,
            "organization": point.organization_id,
        },
    )
    db.session.execute(delete(ScanDevice).where(ScanDevice.scan_point_id == point.id))
    db.session.delete(point)


def _has_scans(point):
    return (
        db.session.scalar(select(Scan.id).where(Scan.scan_point_id == point.id).limit(1))
        is not None
    )


def active_devices(point, now=None):
    return db.session.scalars(
        select(ScanDevice).where(
            ScanDevice.scan_point_id == point.id,
            ScanDevice.revoked_at.is_(None),
            ScanDevice.expires_at > (now or utcnow()),
        )
    ).all()


def _note_closing(point, now):
    point.closed_periods = periods.noted(point.closed_periods, not point.active, now)


def exhibiting(event, organization_id, lock=False):
    """True when the organization exhibits at the event (approved or placed); with
    `lock`, its registration stays locked until the transaction ends (PostgreSQL)."""
    return _exhibits(event.id, organization_id, lock)


def _exhibits(event_id, organization_id, lock=False):
    query = select(Exhibitor.id).where(
        Exhibitor.event_id == event_id,
        Exhibitor.organization_id == organization_id,
        Exhibitor.status.in_(LEAD_EXHIBITOR_STATUSES),
    )
    if lock:
        query = query.with_for_update()
    return db.session.scalar(query) is not None


def booth_point_for(event, organization, create=True):
    """The company's booth lead point, made on first use."""
    query = (
        select(ScanPoint)
        .where(
            ScanPoint.event_id == event.id,
            ScanPoint.kind == "booth",
            ScanPoint.organization_id == organization.id,
        )
        .order_by(ScanPoint.id)
    )
    point = db.session.scalar(query)
    if point is None and create:
        # No unique key can hold one booth point per company (a company may have more
        # points, e.g. made by the organizer), so two first calls at once would each
        # make one. The company's registration row, locked, lets the second wait and
        # then find the first one's point (SQLite's BEGIN IMMEDIATE serializes anyway).
        if not exhibiting(event, organization.id, lock=True):
            raise CheckinError(_l("This company does not exhibit at the event."))
        point = db.session.scalar(query)
    if point is None and create:
        # A company name may run to 200 characters, a point name to 100.
        room = ScanPoint.name_ko.type.length - len(" booth")
        point = create_scan_point(
            event,
            name_ko=f"{organization.name_ko[:room].rstrip()} 부스",
            name_en=f"{organization.name_en[:room].rstrip()} booth",
            kind="booth",
            organization_id=organization.id,
            # Made when its staff first scan: named after the company, whatever the
            # organizers named their own points.
            check_names=False,
        )
    return point


def may_scan(user, point, event=None, uploading=False):
    """May this signed-in person scan at the point?

    Entrances and meeting zones: on-site staff (and organizers). Booth lead
    points: the owning company's exhibitor staff while it exhibits (and organizers);
    `uploading` scans queued offline, also after it stopped exhibiting.
    """
    event = event or db.session.get(Event, point.event_id)
    if user is None or not user.is_authenticated:
        return False
    if point.kind == "booth":
        if has_role(user, event):  # organizer or platform admin
            return True
        if not has_role(user, event, "exhibitor_admin", "exhibitor_staff"):
            return False
        company = company_of(user, event)
        if company is None or company.id != point.organization_id:
            return False
        # A company that withdrew or was turned away captures no more leads (it
        # would still read visitors' names and shared contact details); what its
        # staff queued before is uploaded, and counts if scanned before it stopped.
        if exhibiting(event, company.id):
            return True
        return uploading and _stopped_exhibiting(event.id, company.id)
    return has_role(user, event, "staff")


def _stopped_exhibiting(event_id, organization_id):
    """Whether the company exhibited at the event and stopped."""
    until = db.session.scalar(
        select(Exhibitor.exhibiting_until).where(
            Exhibitor.event_id == event_id, Exhibitor.organization_id == organization_id
        )
    )
    return until is not None


def event_points(event):
    """The event's scan points in the order every list shows them: by kind, then name."""
    return db.session.scalars(
        select(ScanPoint)
        .where(ScanPoint.event_id == event.id)
        .order_by(ScanPoint.kind, ScanPoint.name_en, ScanPoint.id)
    ).all()


def points_for(user, event):
    """The scan points the person may scan at, in a stable order."""
    return [p for p in event_points(event) if may_scan(user, p, event)]


# -- devices ----------------------------------------------------------------------------------


def _serializer(salt=DEVICE_SALT):
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=salt)


def create_device(point, *, label="", hours=DEVICE_HOURS_DEFAULT, created_by=None, now=None):
    """Register a scanner for a point; its set-up QR carries `setup_token(device)`."""
    now = now or utcnow()
    hours = max(1, min(int(hours), DEVICE_HOURS_MAX))
    device = ScanDevice(
        event_id=point.event_id,
        scan_point_id=point.id,
        label=(label or "").strip()[:100],
        created_by_id=getattr(created_by, "id", created_by),
        created_at=now,
        expires_at=now + timedelta(hours=hours),
    )
    db.session.add(device)
    audit.record(
        "checkin.device_created",
        device,
        event=point.event_id,
        data={"scan_point": point.id, "label": device.label, "hours": hours},
    )
    return device


def _device_claims(device):
    return {"d": device.id, "p": device.scan_point_id, "t": int(device.created_at.timestamp())}


def device_token(device):
    """The signed token naming the device, which the phone sends as X-Device-Token
    (it gets it by opening the set-up code)."""
    return _serializer().dumps(_device_claims(device))


def setup_token(device):
    """What the set-up QR carries: it sets up one phone (`claim_setup`), and is no
    device token (another salt)."""
    return _serializer(SETUP_SALT).dumps(_device_claims(device))


def setup_device(token):
    """The device a set-up token names, used or not (to say why a code does not
    work); None if the token is none of ours. A device token works here too: the
    set-up codes handed out before set-up tokens carried one (a device token is
    the stronger key, so it opens nothing new)."""
    claims = _token_claims(token, SETUP_SALT) or _token_claims(token, DEVICE_SALT)
    device = db.session.get(ScanDevice, claims["d"]) if claims is not None else None
    return device if device is not None and _device_claims(device) == claims else None


def _claim_digest(claim):
    return hashlib.sha256(claim.encode()).hexdigest()


def claim_setup(token, claim, now=None):
    """The device whose set-up code `token` is, now set up on the phone whose
    set-up page carried `claim`; None if the code is bad, expired, revoked, or
    another phone claimed it (the check and the claim are one UPDATE: two phones
    confirming at once get it once). The same claim again (the phone sent the
    page twice, its first answer lost) sets the same phone up again."""
    now = now or utcnow()
    device = setup_device(token)
    if device is None or not claim or len(claim) > 200:
        return None
    digest = _claim_digest(claim)
    usable = (
        ScanDevice.id == device.id,
        ScanDevice.revoked_at.is_(None),
        ScanDevice.expires_at > now,
    )

    def claimed(*where, **values):
        statement = update(ScanDevice).where(*usable, *where).values(**values)
        return db.session.execute(statement.execution_options(synchronize_session=False)).rowcount

    first = claimed(ScanDevice.set_up_at.is_(None), set_up_at=now, setup_claim=digest) == 1
    # Again only while the phone has not shown it got its answer (it fetches its
    # configuration with the device token first thing): after that the claim
    # would be a second key to the device.
    again = not first and claimed(
        ScanDevice.setup_claim == digest, ScanDevice.last_seen_at.is_(None), setup_claim=digest
    )
    if not first and again != 1:
        return None
    db.session.refresh(device)
    _audit_device("checkin.device_set_up" if first else "checkin.device_set_up_again", device)
    return device


def _token_claims(token, salt=DEVICE_SALT):
    if not token or len(token) > 512:
        return None
    return _verified_claims(current_app.config["SECRET_KEY"], token, salt)


# A token's claims are a pure function of the secret and the token (expiry and
# revocation are checked against the database on every use), and a scanner sends
# the same token with each scan: checking the signature once per process is enough.
@lru_cache(maxsize=4096)
def _verified_claims(secret, token, salt):
    try:
        claims = URLSafeSerializer(secret, salt=salt).loads(token)
    except BadSignature:
        return None
    if not isinstance(claims, dict) or not isinstance(claims.get("d"), int):
        return None
    return MappingProxyType(claims)


def device_from_token(token, now=None):
    """The usable device the token names, or None (bad, expired or revoked)."""
    claims = _token_claims(token)
    if claims is None:
        return None
    device = db.session.get(ScanDevice, claims["d"])
    if device is None or device.scan_point_id != claims.get("p"):
        return None
    if int(device.created_at.timestamp()) != claims.get("t"):
        return None
    if not device.is_usable(now or utcnow()):
        return None
    return device


def scan_point_held(point_id):
    """Whether the scan point still exists, its row held against deletion until the
    transaction ends (see delete_scan_point). The context statements hold it along;
    a scan written in a later transaction than its context was read in (a retry, the
    next scan of an uploaded queue) holds it here, before its device."""
    held = db.session.scalar(
        select(ScanPoint.id)
        .where(ScanPoint.id == point_id)
        .with_for_update(read=True, key_share=True)
    )
    return held is not None


def device_usable(device_id, now=None):
    """Whether the device may still scan, read under a share lock held until the
    transaction ends: a revocation committed before is seen, and one being written
    waits for the scan (PostgreSQL; SQLite has one writer at a time)."""
    row = db.session.execute(
        select(ScanDevice.revoked_at, ScanDevice.expires_at)
        .where(ScanDevice.id == device_id)
        .with_for_update(read=True)
    ).first()
    return row is not None and row.revoked_at is None and row.expires_at > (now or utcnow())


def extend_device(device, hours, now=None):
    """Let a device scan for `hours` more from now (an expired one too: its phone
    keeps its token). A revoked device stays revoked."""
    if device.revoked_at is not None:
        raise CheckinError(_l("A revoked device stays revoked: create a new set-up code."))
    now = now or utcnow()
    if device.set_up_at is None and device.expires_at <= now:
        # Its set-up code, printed or photographed, would work again.
        raise CheckinError(_l("This set-up code ran out unused: create a new one."))
    until = now + timedelta(hours=max(1, min(int(hours), DEVICE_HOURS_MAX)))
    # More hours, never fewer: a device with three days left keeps them.
    device.expires_at = max(device.expires_at, until)
    _audit_device("checkin.device_extended", device)
    return device


def revoke_device(device):
    if device.revoked_at is None:
        device.revoked_at = utcnow()
        _audit_device("checkin.device_revoked", device)
    return device


def _audit_device(action, device):
    audit.record(
        action,
        device,
        event=device.event_id,
        data={"scan_point": device.scan_point_id, "label": device.label},
    )


# -- the scan context -------------------------------------------------------------------------


@dataclass
class ScanContext:
    """Everything a scan needs about where it happens, loaded in one query."""

    event_id: int
    timezone: str
    fair_days: tuple
    point_id: int
    kind: str
    name_ko: str
    name_en: str
    organization_id: int | None
    entrance_group: str
    valid_days: list
    allowed_categories: list
    active: bool
    signing_key: bytes | None
    device_id: int | None = None
    user_id: int | None = None
    # Signed-in exhibitor staff uploading queued scans after their company stopped
    # exhibiting: each lead counts only if scanned before (see _capture_lead).
    company_stopped: bool = False
    # The badge the scanned code names, read in the same query when it was known.
    prefetched_badge_id: int | None = None
    prefetched_badge: object = None
    # That badge's check-in at this point's entrances on `prefetched_day`, when the
    # day was known before the query (see _context_params): (at, point id, name ko, name en).
    prefetched_day: date | None = None
    prefetched_checkin: tuple | None = None
    open_days: frozenset = field(init=False)

    def __post_init__(self):
        self.open_days = frozenset(open_days_of(self.fair_days, self.valid_days))

    @property
    def tz(self):
        return ZoneInfo(self.timezone)


def _context_query():
    return (
        select(
            Event.id,
            Event.timezone,
            Event.starts_on,
            Event.ends_on,
            ScanPoint.id,
            ScanPoint.kind,
            ScanPoint.name_ko,
            ScanPoint.name_en,
            ScanPoint.organization_id,
            ScanPoint.entrance_group,
            ScanPoint.valid_days,
            ScanPoint.allowed_categories,
            ScanPoint.active,
            EventKey.private_key,
        )
        .select_from(ScanPoint)
        .join(Event, Event.id == ScanPoint.event_id)
        .outerjoin(EventKey, EventKey.event_id == Event.id)
        # Held until the scan commits, so that the point cannot be deleted with the
        # scan in between (see delete_scan_point); a point being deleted is waited
        # for and then not found. FOR KEY SHARE, the weakest lock: the scan's insert
        # takes it anyway (its foreign key), so this costs the scan nothing more, and
        # closing or editing the point does not wait for scans.
        .with_for_update(read=True, key_share=True, of=ScanPoint)
    )


def _context_from_row(row, device_id=None, user_id=None):
    (
        event_id,
        timezone,
        starts_on,
        ends_on,
        point_id,
        kind,
        name_ko,
        name_en,
        organization_id,
        entrance_group,
        valid_days,
        allowed_categories,
        active,
        signing_key,
    ) = row[:14]
    days = tuple(starts_on + timedelta(days=i) for i in range((ends_on - starts_on).days + 1))
    _POINT_TIMEZONES[point_id] = timezone
    return ScanContext(
        event_id=event_id,
        timezone=timezone,
        fair_days=days,
        point_id=point_id,
        kind=kind,
        name_ko=name_ko,
        name_en=name_en,
        organization_id=organization_id,
        entrance_group=entrance_group or DEFAULT_ENTRANCE_GROUP,
        valid_days=list(valid_days or []),
        allowed_categories=list(allowed_categories or []),
        active=bool(active),
        signing_key=bytes(signing_key) if signing_key is not None else None,
        device_id=device_id,
        user_id=user_id,
    )


def _first(name, params):
    """The first row of the scan path's statement `name` (see core.driver_sql), run in
    the session's transaction."""
    connection = db.session.connection()
    return _statements_for(connection.dialect)[name].first(connection, params)


def _with_badge(query, with_badge):
    """Also read the badge named by :badge_id of the point's event, and its check-in
    at the point's entrances on :day (one round trip less for each)."""
    if not with_badge:
        return query
    first_point = aliased(ScanPoint)
    group = func.coalesce(func.nullif(ScanPoint.entrance_group, ""), DEFAULT_ENTRANCE_GROUP)
    return (
        query.add_columns(*_BADGE_COLUMNS)
        .add_columns(
            CheckIn.checked_in_at, first_point.id, first_point.name_ko, first_point.name_en
        )
        .outerjoin(Badge, and_(Badge.id == bindparam("badge_id"), Badge.event_id == Event.id))
        .outerjoin(
            CheckIn,
            and_(
                CheckIn.event_id == Event.id,
                CheckIn.badge_id == bindparam("badge_id"),
                CheckIn.day == bindparam("day", type_=Date),
                CheckIn.entrance_group == group,
            ),
        )
        .outerjoin(first_point, first_point.id == CheckIn.scan_point_id)
    )


def _context_statements():
    device = (
        _context_query()
        .add_columns(ScanDevice.expires_at, ScanDevice.revoked_at, ScanDevice.created_at)
        .join(ScanDevice, ScanDevice.scan_point_id == ScanPoint.id)
        .where(ScanDevice.id == bindparam("device_id"), ScanPoint.id == bindparam("point_id"))
    )
    point = _context_query().where(ScanPoint.id == bindparam("point_id"))
    return {
        "device_context": device,
        "device_context_badge": _with_badge(device, True),
        "point_context": point,
        "point_context_badge": _with_badge(point, True),
    }


def _attach_badge(ctx, row, offset, params):
    if "badge_id" in params:
        end = offset + len(_BADGE_COLUMNS)
        values = tuple(row[offset:end])
        ctx.prefetched_badge_id = params["badge_id"]
        ctx.prefetched_badge = BadgeRow(*values) if values[0] is not None else None
        if params["day"] is not None:
            ctx.prefetched_day = params["day"]
            ctx.prefetched_checkin = tuple(row[end : end + 4]) if row[end] is not None else None
    return ctx


# point id -> its event's time zone, as last read. It only serves to guess the
# day of a scan before the scan context is read, so that the context query can
# bring the badge's check-in of that day along; a stale guess costs the round
# trip it meant to spare, never a wrong answer (_check_in compares the days).
_POINT_TIMEZONES = {}


def _scan_basis(scanned_at, now):
    """The moment that decides a scan's fair day and its check-in's, lead's or arrival's
    time: when it was scanned, but no later than its receipt. A scanner whose clock
    runs ahead, even by minutes, would otherwise date an entry after a later one at
    another gate (and an offline scan uploaded later would take that entry over);
    the scan row keeps the time the scanner sent."""
    return min(scanned_at, now)


def _context_params(params, point_id, badge_id, scanned_at, now):
    if badge_id is not None:
        params["badge_id"] = badge_id
        timezone = _POINT_TIMEZONES.get(point_id)
        params["day"] = None
        if timezone is not None:
            now = now or utcnow()
            basis = _scan_basis(scanned_at or now, now)
            params["day"] = basis.astimezone(ZoneInfo(timezone)).date()
    return params


def context_for_device_token(token, now=None, badge_id=None, scanned_at=None):
    """The scan context of a set-up device, or None if the token is not usable.

    With `badge_id` (from the scanned code), that badge is read in the same query,
    and its check-in of the day of `scanned_at` (default now) where that day is
    known beforehand.
    """
    claims = _token_claims(token)
    if claims is None:
        return None
    point_id = claims.get("p")
    if not isinstance(point_id, int):
        return None
    params = {"device_id": claims["d"], "point_id": point_id}
    params = _context_params(params, point_id, badge_id, scanned_at, now)
    row = _first("device_context_badge" if badge_id is not None else "device_context", params)
    if row is None:
        return None
    expires_at, revoked_at, created_at = row[14:17]
    if revoked_at is not None or expires_at <= (now or utcnow()):
        return None
    if int(created_at.timestamp()) != claims.get("t"):
        return None
    return _attach_badge(_context_from_row(row, device_id=claims["d"]), row, 17, params)


def context_for_point(point_id, user=None, badge_id=None, scanned_at=None, now=None):
    params = _context_params({"point_id": point_id}, point_id, badge_id, scanned_at, now)
    row = _first("point_context_badge" if badge_id is not None else "point_context", params)
    if row is None:
        return None
    ctx = _context_from_row(row, user_id=getattr(user, "id", None))
    return _attach_badge(ctx, row, 14, params)


# The API reads the badge id from the code before the scan is judged; the
# judgement parses the same text again. Parsing is pure, so it is remembered.
@lru_cache(maxsize=256)
def _decode(text):
    return codes.decode(text)


def badge_id_of(text):
    """The badge id a code names (unchecked), or None for a malformed code."""
    if not isinstance(text, str) or len(text) > MAX_CODE_LENGTH:
        return None  # refused as the scan is recorded; not kept in _decode's memory
    try:
        badge_id = _decode(text).badge_id
    except codes.MalformedCode:
        return None
    # The payload holds 32 bits, the column 31: an unsigned code naming a larger id
    # would make PostgreSQL fail the context query instead of finding no badge.
    return badge_id if badge_id is not None and 0 < badge_id <= MAX_ID else None


# -- scanning ---------------------------------------------------------------------------------


class ScanRequestError(ValueError):
    """The request itself is unusable (HTTP 400), as opposed to a rejected badge.

    `str()` is the English text; `messages` holds it in both languages, as a badge's
    answer does, for the scanner that shows the one its staff read.
    """

    def __init__(self, key, status=400, **params):
        self.key = key
        self.status = status
        self.messages = bilingual(key, **params)
        super().__init__(self.messages["message_en"])


def parse_scan_time(value, now=None, shift=None, plausible=True):
    """An aware UTC datetime from the client's RFC 3339 text (None -> now), moved by
    `shift` (the scanner's clock error); with `plausible`, no further than a year
    from now."""
    now = now or utcnow()
    if value is None:
        return now
    if not isinstance(value, str) or len(value) > 64:
        raise ScanRequestError("scan_time_format")
    try:
        moment = datetime.fromisoformat(_without_leap_second(value.strip()))
    except ValueError:
        raise ScanRequestError("scan_time_format") from None
    if moment.tzinfo is None:
        raise ScanRequestError("scan_time_zone")
    try:
        moment = moment.astimezone(UTC) + (shift or timedelta(0))
    except (OverflowError, ValueError):
        raise ScanRequestError("scan_time_range") from None
    if plausible and abs(moment - now) > MAX_SCAN_AGE:
        raise ScanRequestError("scan_time_far")
    return moment


# RFC 3339 allows a 60th second (a leap second), which Python's datetime cannot hold.
LEAP_SECOND_RE = re.compile(r"(T\d\d:\d\d):60(\.\d+)?")


def _without_leap_second(text):
    return LEAP_SECOND_RE.sub(r"\1:59.999999", text, count=1)


def check_scan_fields(code, nonce):
    if code is None:
        raise ScanRequestError("code_missing")
    # Text of any length is a scan: longer than MAX_CODE_LENGTH, it is judged no badge
    # code (_judge) like any other text that is not one.
    if not isinstance(code, str):
        raise ScanRequestError("code_not_text")
    if not isinstance(nonce, str) or not NONCE_RE.fullmatch(nonce):
        raise ScanRequestError("bad_nonce")


_iso = periods.iso


def _local_hm(moment, tz, *, date=True):
    return moment.astimezone(tz).strftime("%m-%d %H:%M" if date else "%H:%M")


def _category_label(category, language):
    info = CATEGORIES.get(category)
    return getattr(info, f"label_{language}") if info else category


def _badge_info(row, language="en"):
    name = (row.name_en or row.name_ko) if language == "en" else (row.name_ko or row.name_en)
    return {
        "id": row.id,
        "name": name,
        "name_ko": row.name_ko or row.name_en,
        "name_en": row.name_en or row.name_ko,
        "organization_ko": row.organization_ko or row.organization_en,
        "organization_en": row.organization_en or row.organization_ko,
        "category": row.category,
        "category_label_ko": _category_label(row.category, "ko"),
        "category_label_en": _category_label(row.category, "en"),
    }


def _bilingual_person(badge, key, **params):
    """A message naming the holder: Korean name in Korean, English name in English."""
    ko = bilingual(key, name=badge["name_ko"], **params.get("ko", {}))["message_ko"]
    en = bilingual(key, name=badge["name_en"], **params.get("en", {}))["message_en"]
    return {"message_ko": ko, "message_en": en}


@dataclass
class Judgement:
    result: str
    reason: str
    messages: dict
    badge_id: int | None = None
    badge: dict | None = None
    first: dict | None = None
    meeting: dict | None = None
    # The check-in an `ok` at an entrance makes, when the database writes it in one
    # statement with the scan row (see record_scan).
    pending_checkin: dict | None = None


BadgeRow = namedtuple(
    "BadgeRow",
    "id user_id category issue revoked_at name_ko name_en "
    "organization_id organization_ko organization_en",
)

_BADGE_COLUMNS = (
    Badge.id,
    Badge.user_id,
    Badge.category,
    Badge.issue,
    Badge.revoked_at,
    Badge.name_ko,
    Badge.name_en,
    Badge.organization_id,
    Badge.organization_ko,
    Badge.organization_en,
)


SCAN_COLUMNS = (
    "event_id",
    "scan_point_id",
    "device_id",
    "user_id",
    "nonce",
    "code",
    "badge_id",
    "result",
    "reason",
    "scanned_at",
    "received_at",
    "day",
    "offline",
    "answer",
)


def _insert_or_nothing(dialect, model, names, conflict):
    """INSERT ... ON CONFLICT (...) DO NOTHING RETURNING id."""
    table = model.__table__
    return (
        insert_on_conflict(table, dialect)
        .values({name: bindparam(name, type_=table.c[name].type) for name in names})
        .on_conflict_do_nothing(index_elements=list(conflict))
        .returning(table.c.id)
    )


def _insert_or_first(dialect, model, names, conflict, first, also=None):
    """Insert a row unless its key is taken; first row (*first's columns, new id).

    The new id is NULL when the key was taken: the other columns then come from
    `first`, the SELECT of the row that holds the key. On PostgreSQL that is one
    statement (a data-modifying WITH); SQLite has no such statements, so there the
    row is just (new id,) and the caller runs `first` itself when nothing came back,
    as it does on PostgreSQL when the row that holds the key was committed while
    this statement waited for it (the statement's snapshot does not see that row).

    `also` (PostgreSQL) turns the WITH of the new row into an INSERT ... RETURNING id
    that is written only with it; its new id is one more column (NULL when that
    insert did nothing).
    """
    insert = _insert_or_nothing(dialect, model, names, conflict)
    if dialect.name != "postgresql":
        return insert
    inserted = insert.cte("inserted")
    ids = [inserted.c.id]
    if also is not None:
        ids.append(select(also(inserted).cte("also").c.id).scalar_subquery())
    taken = first.add_columns(*[null()] * len(ids)).where(~exists(select(inserted.c.id)))
    nulls = [null()] * len(first.selected_columns)
    return taken.union_all(select(*nulls, *ids))


@lru_cache(maxsize=4)
def _statements_for(dialect):
    """The scan path's statements for one database, built and compiled once per process
    with bind parameters, so that each request only binds values."""
    checkin_key = ("event_id", "badge_id", "day", "entrance_group")
    lead_key = ("event_id", "organization_id", "badge_id")
    first_checkin = (
        select(CheckIn.checked_in_at, ScanPoint.id, ScanPoint.name_ko, ScanPoint.name_en)
        .join(ScanPoint, ScanPoint.id == CheckIn.scan_point_id)
        .where(*(getattr(CheckIn, k) == bindparam(k) for k in checkin_key))
    )
    first_lead = (
        select(Lead.captured_at, ScanPoint.id, ScanPoint.name_ko, ScanPoint.name_en)
        .outerjoin(ScanPoint, ScanPoint.id == Lead.scan_point_id)
        .where(*(getattr(Lead, k) == bindparam(k) for k in lead_key))
    )
    statements = {
        **_context_statements(),
        "badge": select(*_BADGE_COLUMNS).where(
            Badge.id == bindparam("badge_id"), Badge.event_id == bindparam("event_id")
        ),
        "first_checkin": first_checkin,
        "lead": _insert_or_first(
            dialect,
            Lead,
            [
                *lead_key,
                "user_id",
                "scan_point_id",
                "captured_by_id",
                "captured_at",
                "latest_at",
                "notes",
                "updated_at",
            ],
            lead_key,
            first_lead,
        ),
        "first_lead": first_lead,
        "scan": _insert_or_nothing(dialect, Scan, SCAN_COLUMNS, ("scan_point_id", "nonce")),
    }
    checkin_names = [*checkin_key, "scan_point_id", "checked_in_at", "latest_at"]
    if dialect.name == "postgresql":
        # An `ok`'s check-in and its scan row in one statement (see record_scan): the
        # row is (*first_checkin's columns, new check-in id, new scan id).
        statements["checkin_and_scan"] = _insert_or_first(
            dialect, CheckIn, checkin_names, checkin_key, first_checkin, also=_scan_with
        )
    else:
        statements["checkin"] = _insert_or_nothing(dialect, CheckIn, checkin_names, checkin_key)
    return {name: DriverStatement(statement, dialect) for name, statement in statements.items()}


def _scan_with(inserted):
    """The scan row, written only with the row of `inserted` (a WITH)."""
    scans = Scan.__table__
    row = select(*(bindparam(name, type_=scans.c[name].type) for name in SCAN_COLUMNS))
    return (
        postgresql.insert(scans)
        .from_select(SCAN_COLUMNS, row.select_from(inserted))
        .on_conflict_do_nothing(index_elements=["scan_point_id", "nonce"])
        .returning(scans.c.id)
    )


def _judge(ctx, text, day, scanned_at, language, offline=False, latest=None):
    """Decide the answer for a code at a point; inserts the check-in or lead. With
    `latest`, `scanned_at` is only the earliest the scan can have been, and `latest`
    the latest (see record_scan)."""
    if len(text) > MAX_CODE_LENGTH:
        # A paste or a hand scanner gone wild: not decoded, nor kept in _decode's memory.
        return Judgement("invalid", "malformed:too long", bilingual("malformed"))
    try:
        code = _decode(text)
    except codes.MalformedCode as error:
        return Judgement("invalid", f"malformed:{error.reason}"[:40], bilingual("malformed"))
    if code.event_id != ctx.event_id:
        return Judgement("invalid", "other_event", bilingual("other_event"))
    if ctx.signing_key is None or not codes.is_issued_signature(
        codes.load_private_key(ctx.signing_key), code
    ):
        return Judgement("invalid", "bad_signature", bilingual("bad_signature"))
    if ctx.prefetched_badge_id == code.badge_id:
        row = ctx.prefetched_badge
    else:
        params = {"badge_id": code.badge_id, "event_id": ctx.event_id}
        row = _first("badge", params)
        row = BadgeRow(*row) if row is not None else None
    if row is None:
        return Judgement("invalid", "unknown_badge", bilingual("unknown_badge"))
    if code.issue > row.issue:
        return Judgement("invalid", "unknown_issue", bilingual("unknown_badge"), row.id)
    badge = _badge_info(row, language)
    # An offline scanner's upload may come after the badge was revoked or reissued:
    # a scan made before then admitted a valid badge, and counts.
    before = _made_before if offline else _never_before
    if row.revoked_at is not None and not before(row.revoked_at, scanned_at, latest):
        return Judgement("revoked", "revoked", bilingual("revoked"), row.id, badge)
    if code.issue < row.issue and not (
        offline and _issue_admitted_then(row.id, code.issue, scanned_at, latest)
    ):
        return Judgement("revoked", "superseded", bilingual("superseded"), row.id, badge)
    if not ctx.active:
        return Judgement("not_allowed", "point_closed", bilingual("point_closed"), row.id, badge)
    category = _category_then(row, scanned_at) if offline else row.category
    if ctx.allowed_categories and category not in ctx.allowed_categories:
        messages = {
            f"message_{lang}": bilingual("not_allowed", category=_category_label(category, lang))[
                f"message_{lang}"
            ]
            for lang in ("ko", "en")
        }
        return Judgement("not_allowed", "category", messages, row.id, badge)
    if day not in ctx.open_days:
        return Judgement(
            "not_valid_today",
            "day",
            bilingual("not_valid_today", day=day.isoformat()),
            row.id,
            badge,
        )
    # A time that is only a bound is no evidence of an earlier entry or meeting.
    earlier = offline and latest is None
    if ctx.kind == "entrance":
        return _check_in(ctx, row, badge, day, scanned_at, earlier, latest)
    if ctx.kind == "booth":
        return _capture_lead(ctx, row, badge, scanned_at, earlier, latest)
    if latest is not None:
        # Nor does it tell which of the person's meetings they came to.
        return Judgement("ok", "", _bilingual_person(badge, "ok_meeting"), row.id, badge)
    return _meeting_zone(ctx, row, badge, scanned_at, offline)


def _made_before(moment, scanned_at, latest):
    """Whether an uploaded scan was made before `moment` (with `latest`, the latest it
    can have been made, see record_scan)."""
    return (latest or scanned_at) < moment


def _issue_admitted_then(badge_id, issue, scanned_at, latest):
    """Whether an earlier issue of the badge still admitted when an uploaded scan was
    made: before it ended (was revoked, or else reprinted). An issue whose end is
    not known (reprinted before these ends were kept) is over for good."""
    ended_at = _issue_ended_at(badge_id, issue)
    return ended_at is not None and _made_before(ended_at, scanned_at, latest)


def _issue_ended_at(badge_id, issue):
    """When an issue (print) of the badge ended, or None if it has not (or ended
    before these ends were kept)."""
    return db.session.scalar(
        select(BadgeIssueEnd.ended_at).where(
            BadgeIssueEnd.badge_id == badge_id, BadgeIssueEnd.issue == issue
        )
    )


def _category_then(row, scanned_at):
    """The category the badge had when an uploaded scan was made: the first one that
    ended after the scan, or else its category now."""
    ended = db.session.scalar(
        select(BadgeCategoryEnd.category)
        .where(BadgeCategoryEnd.badge_id == row.id, BadgeCategoryEnd.ended_at > scanned_at)
        .order_by(BadgeCategoryEnd.ended_at, BadgeCategoryEnd.id)
        .limit(1)
    )
    return ended or row.category


def _never_before(moment, scanned_at, latest):
    # A live scan is judged as of now.
    return False


def _point_then(ctx, scanned_at):
    """The scan context as the point was when an uploaded scan was made: open or
    closed, its days, categories and entrance group. The upload from a scanner that
    was offline may come after the point closed or opened again, or after its rules
    changed: a gate closed at the end of the day must not lose the entries its
    scanner queued before, nor a scan made while it was closed (its synced scanner
    said so) count once reopened; a visitor let in by this morning's rules stays let
    in, checked in to the entrance group the gate was in."""
    closed_periods, history = db.session.execute(
        select(ScanPoint.closed_periods, ScanPoint.rules_history).where(
            ScanPoint.id == ctx.point_id
        )
    ).one()
    # Without periods: closed before they were recorded, or never.
    active = (
        not periods.overlaps(closed_periods, scanned_at, scanned_at)
        if closed_periods
        else ctx.active
    )
    then = {"active": active}
    history = history or []
    for index, (until, valid_days, allowed_categories, *_group) in enumerate(history):
        if scanned_at < datetime.fromisoformat(until):
            then.update(valid_days=valid_days, allowed_categories=allowed_categories)
            # Entries written before the group was kept have none: the group is the
            # one the next entry that has one says, or else today's.
            kept = [entry[3] for entry in history[index:] if len(entry) > 3]
            group = (kept[0] or DEFAULT_ENTRANCE_GROUP) if kept else ctx.entrance_group
            if group != ctx.entrance_group:
                then.update(entrance_group=group, prefetched_day=None, prefetched_checkin=None)
            break
    return dataclasses.replace(ctx, **then)


def _checkin_key(ctx, badge_id, day):
    return {
        "event_id": ctx.event_id,
        "badge_id": badge_id,
        "day": day,
        "entrance_group": ctx.entrance_group,
    }


def _check_in(ctx, row, badge, day, scanned_at, offline=False, latest=None):
    key = _checkin_key(ctx, row.id, day)
    if ctx.prefetched_checkin and ctx.prefetched_badge_id == row.id and ctx.prefetched_day == day:
        # Read with the scan context: a committed check-in of this day stays.
        return _checked_in_before(ctx, badge, key, ctx.prefetched_checkin, scanned_at, offline)
    checkin = {
        **key,
        "scan_point_id": ctx.point_id,
        "checked_in_at": scanned_at,
        "latest_at": latest,
    }
    if "checkin_and_scan" in _statements_for(db.session.connection().dialect):
        # Written with the scan row, in one statement (see record_scan).
        pending = checkin
    elif _first("checkin", checkin) is not None:
        pending = None
    else:
        first = _first("first_checkin", key)
        return _checked_in_before(ctx, badge, key, first, scanned_at, offline)
    ok = _bilingual_person(badge, "ok_entrance")
    return Judgement("ok", "", ok, row.id, badge, pending_checkin=pending)


def _checked_in_before(ctx, badge, key, first, scanned_at, offline):
    """The answer for a badge that holds this day's check-in at the point's entrances.

    A scanner that lost its network admits people on its own and uploads their scans
    later, maybe after another gate's online scan of the same badge. The person came
    in at the earlier scan, so an uploaded scan older than the check-in takes it over
    (its time and place) and is the day's `ok`; the scan that held it becomes
    `already_checked_in` with hindsight (its stored answer stays what its scanner was
    told). Online scans carry no such claim: their time is the scanner's own clock.
    A check-in known only to come after some time (`latest_at` set) is taken over by
    a scan up to its latest time too: the scan's time is known, its time is not.
    """
    badge_id = key["badge_id"]
    if offline:
        if _take_over(ctx, CheckIn, key, CheckIn.checked_in_at, scanned_at):
            return Judgement("ok", "", _bilingual_person(badge, "ok_entrance"), badge_id, badge)
        if scanned_at < first[0]:
            # An even earlier scan took it over since `first` was read.
            first = _first("first_checkin", key)
    return _already(ctx, badge_id, badge, first, "already_entrance")


def _take_over(ctx, model, key, at, scanned_at, **also):
    """Give the row of `key` (a check-in or a lead) the time and place of a scan that
    came first, and make the scan that held it `already_checked_in`; False if the row
    is not later than that scan (any more), nor a bound that may be (see
    _checked_in_before). The held scan's reason says which: `earlier_scan`, or
    `timed_scan` for a scan known only to come after some time.

    The holder is the `ok` scan at the row's point whose time the row took (a scan's
    time, or its receipt when its clock ran ahead; see _scan_basis), wherever that
    point belongs now. The row's lock orders concurrent take-overs: the WHERE is
    checked again once a competing one commits.
    """
    held = db.session.execute(
        select(model.id, model.scan_point_id, at, model.latest_at)
        .where(*(getattr(model, name) == value for name, value in key.items()))
        .where(
            or_(
                at > scanned_at,
                and_(model.latest_at.is_not(None), model.latest_at >= scanned_at),
            )
        )
        .with_for_update()
    ).first()
    if held is None:
        return False
    held_id, held_point, held_at, held_latest = held
    reason = "timed_scan" if held_latest is not None and held_at <= scanned_at else "earlier_scan"
    db.session.execute(
        update(model)
        .where(model.id == held_id)
        .values({at.key: scanned_at, "scan_point_id": ctx.point_id, "latest_at": None, **also})
    )
    db.session.execute(
        update(Scan)
        .where(
            Scan.scan_point_id == held_point,
            Scan.badge_id == key["badge_id"],
            Scan.result == "ok",
            or_(
                Scan.scanned_at == held_at,
                Scan.received_at == held_at,
                Scan.id.in_(_dated_by_print(ctx, held_point, key["badge_id"], held_at)),
            ),
        )
        .values(result="already_checked_in", reason=reason)
    )
    return True


def _dated_by_print(ctx, point_id, badge_id, at):
    """Ids of the point's `ok` queued scans of the badge that took the time `at` from
    the issue of the print they read, their own time being earlier (see record_scan)."""
    rows = db.session.execute(
        select(Scan.id, Scan.code).where(
            Scan.scan_point_id == point_id,
            Scan.badge_id == badge_id,
            Scan.result == "ok",
            Scan.offline.is_(True),
            Scan.scanned_at < at,
        )
    ).all()
    return [scan_id for scan_id, code in rows if _issued_at(ctx, code) == at]


def _already(ctx, badge_id, badge, first, key):
    at, point_id, point_ko, point_en = first
    # An entrance's first check-in is of the same fair day ("today at 09:41"); a lead
    # may have been captured on another day, so its date is said.
    when = _local_hm(at, ctx.tz, date=key != "already_entrance")
    messages = {
        "message_ko": bilingual(key, time=when, place=point_ko)["message_ko"],
        "message_en": bilingual(key, time=when, place=point_en)["message_en"],
    }
    info = {"at": _iso(at), "scan_point_id": point_id, "scan_point_ko": point_ko}
    info["scan_point_en"] = point_en
    return Judgement("already_checked_in", "", messages, badge_id, badge, first=info)


def _exhibited_then(ctx, scanned_at, uploaded, latest):
    """Whether the point's company exhibits, or, for an uploaded scan, exhibited when
    the scan was made (before it stopped: a lead captured then is its lead)."""
    row = db.session.execute(
        select(Exhibitor.status, Exhibitor.exhibiting_until, Exhibitor.stopped_periods).where(
            Exhibitor.event_id == ctx.event_id,
            Exhibitor.organization_id == ctx.organization_id,
        )
    ).first()
    if row is None:
        return False
    exhibits = row.status in LEAD_EXHIBITOR_STATUSES
    if not uploaded:
        return exhibits
    if not exhibits and row.exhibiting_until is not None:
        # A phone's queue goes up within hours of the network coming back. Long after
        # the company left, a scan's time is only the uploader's word, and taking it
        # would hand a company that left the contacts of visitors it may never have met.
        grace = timedelta(hours=current_app.config["LEAD_UPLOAD_GRACE_HOURS"])
        if utcnow() - row.exhibiting_until > grace:
            return False
    if row.stopped_periods:
        # Also when it exhibits again: a scan made, or maybe made (its time known only
        # as a range), while it did not is no lead.
        return not periods.overlaps(row.stopped_periods, scanned_at, latest or scanned_at)
    # Stopped before its periods were kept: only the last stop is known.
    until = row.exhibiting_until
    return exhibits or (until is not None and _made_before(until, scanned_at, latest))


def _capture_lead(ctx, row, badge, scanned_at, offline=False, latest=None):
    # A device set up before the company stopped exhibiting, or its staff uploading
    # what they queued, must not go on capturing leads (organizers may scan).
    uploaded = offline or latest is not None
    checked = (
        ctx.device_id is not None
        or ctx.company_stopped
        # The company's own staff, uploading what they scanned while it did not exhibit.
        or (uploaded and _colleague(ctx.event_id, ctx.organization_id, ctx.user_id))
    )
    if checked and not _exhibited_then(ctx, scanned_at, uploaded, latest):
        return Judgement(
            "not_allowed", "not_exhibiting", bilingual("not_exhibiting"), row.id, badge
        )
    if _colleague(ctx.event_id, ctx.organization_id, row.user_id):
        # A colleague (or the phone tried on one's own badge): not a visitor to follow up.
        return Judgement("not_allowed", "own_company", bilingual("own_company"), row.id, badge)
    key = {"event_id": ctx.event_id, "organization_id": ctx.organization_id, "badge_id": row.id}
    if uploaded:
        # A removal of the lead that is being written holds the lead's row: wait for
        # it, so that the check below sees its time (PostgreSQL; otherwise the insert
        # below would wait for the deleted row instead and bring the lead back).
        db.session.execute(
            select(Lead.id)
            .where(*(getattr(Lead, name) == value for name, value in key.items()))
            .with_for_update()
        )
    if uploaded and _removed_since(ctx, row.id, scanned_at):
        # Scanned when the phone said "saved", taken off the list since: the exhibitor's
        # removal stands. Captured again after the removal, the lead keeps that time.
        return _already_lead(ctx, row, badge, _first("first_lead", key))
    outcome = _first(
        "lead",
        {
            **key,
            "user_id": row.user_id,
            "scan_point_id": ctx.point_id,
            "captured_by_id": ctx.user_id,
            "captured_at": scanned_at,
            "latest_at": latest,
            "notes": "",
            "updated_at": utcnow(),
        },
    )
    ok = Judgement("ok", "", _bilingual_person(badge, "ok_lead"), row.id, badge)
    if outcome is not None and outcome[-1] is not None:
        return ok
    first = outcome[:-1] if outcome is not None else _first("first_lead", key)
    if offline:
        # As at the gates (see _checked_in_before): the visitor was met at the earlier
        # scan. The exhibitor's notes and rating stay.
        # A set-up device names nobody: the colleague who captured the lead stays named.
        by = {"captured_by_id": ctx.user_id} if ctx.user_id is not None else {}
        if _take_over(ctx, Lead, key, Lead.captured_at, scanned_at, **by):
            return ok
        if first is not None and scanned_at < first[0]:
            first = _first("first_lead", key)
    return _already_lead(ctx, row, badge, first)


def _already_lead(ctx, row, badge, first):
    """The visitor is a lead since `first`; None: taken off the leads (also by a removal
    committed while this scan was being written)."""
    if first is None:
        return Judgement(
            "ok", "lead_removed", _bilingual_person(badge, "lead_removed"), row.id, badge
        )
    return _already(ctx, row.id, badge, _named_here(ctx, first), "already_lead")


def _named_here(ctx, first):
    """A lead's first scan (at, point id, names), named after this point when its own
    point is gone."""
    at, point_id, point_ko, point_en = first
    return (at, point_id, point_ko or ctx.name_ko, point_en or ctx.name_en)


def _meeting_zone(ctx, row, badge, scanned_at, offline=False):
    from eventapp.checkin import meetings_link

    meeting = meetings_link.mark_attended(ctx, row, scanned_at, offline)
    if meeting is None:
        return Judgement("ok", "", _bilingual_person(badge, "ok_meeting"), row.id, badge)
    # Attended once both sides are in; until then the table knows who it waits for.
    # An arrival uploaded after the meeting was marked a no-show leaves that mark
    # for the organizers (meetings_link), so the answer must not say attended.
    # One recorded attended by hand (an organizer, a participant) is attended whoever
    # was scanned: "the partner is not here yet" would send staff looking for them.
    if meeting["status"] == "no_show":
        key = "ok_meeting_after_no_show"
    elif meeting["complete"] or meeting["status"] == "attended":
        key = "ok_meeting_attended"
    else:
        key = "ok_meeting_waiting"
    place = f"{meeting['place']} {meeting['time']}"
    messages = {
        "message_ko": bilingual(
            key, name=badge["name_ko"], partner=meeting["partner_ko"], place=place
        )["message_ko"],
        "message_en": bilingual(
            key, name=badge["name_en"], partner=meeting["partner_en"], place=place
        )["message_en"],
    }
    return Judgement("ok", "meeting", messages, row.id, badge, meeting=meeting)


def record_scan(
    ctx,
    *,
    code,
    nonce,
    scanned_at=None,
    offline=False,
    language="en",
    now=None,
    clock=None,
    bound=False,
):
    """Judge and store one scan; returns (answer, replayed).

    A retry with a nonce already stored for the point gets the stored answer
    and changes nothing (`replayed` True). The caller commits. `clock` (a dict) says
    how the scanner's time was corrected or why it was not used (see api.scan_batch):
    it is kept in the answer. With `bound`, `scanned_at` is only the earliest the
    scan can have been (its scanner's clock had gone back), and now the latest.
    """
    check_scan_fields(code, nonce)
    now = now or utcnow()
    scanned_at = scanned_at or now
    latest = now if bound else None
    # A scanner whose clock runs ahead keeps its time in the scan's record only: the
    # fair day, the check-in's or lead's time and the meeting slot go by the server's.
    basis = _scan_basis(scanned_at, now)
    if offline:
        # Nor can a queued scan have been made before the print it read was issued:
        # a time the scanner sends is no reason to judge it by rules of before then
        # (a company that stopped exhibiting backdating a visitor registered since).
        basis = max(basis, _issued_at(ctx, code) or basis)
    day = basis.astimezone(ctx.tz).date()

    now_ctx = ctx
    if offline:
        ctx = _point_then(ctx, basis)
    if latest is not None and day not in ctx.open_days:
        basis, day, ctx = _first_open_day(now_ctx, day, latest) or (basis, day, ctx)
    judgement = _judge(ctx, code, day, basis, language, offline, latest)
    answer, row = _scan_row(ctx, judgement, code, nonce, scanned_at, now, day, offline, clock)
    if judgement.pending_checkin is None:
        stored = _first("scan", row)
    else:
        outcome = _first("checkin_and_scan", {**judgement.pending_checkin, **row})
        checkin_id, scan_id = outcome[-2:] if outcome is not None else (None, None)
        if checkin_id is not None:
            # Both rows; or the check-in alone, when the nonce was stored before.
            stored = (scan_id,) if scan_id is not None else None
        else:
            # Checked in before: the answer names the first check-in. No row at all
            # means it was committed while the statement waited for it, unseen by
            # the statement's snapshot; a statement of its own sees it.
            key = _checkin_key(ctx, judgement.badge_id, day)
            first = outcome[:-2] if outcome is not None else _first("first_checkin", key)
            judgement = _checked_in_before(
                ctx, judgement.badge, key, first, basis, offline and not bound
            )
            answer, row = _scan_row(
                ctx, judgement, code, nonce, scanned_at, now, day, offline, clock
            )
            stored = _first("scan", row)
    if stored is None:
        # The nonce was recorded before: undo this attempt, answer as the first time.
        db.session.rollback()
        first = db.session.execute(
            select(Scan.id, Scan.answer).where(
                Scan.scan_point_id == ctx.point_id, Scan.nonce == nonce
            )
        ).first()
        return {**(first.answer or {}), "scan_id": first.id, "replayed": True}, True
    answer["scan_id"] = stored[0]
    return answer, False


def _first_open_day(ctx, day, latest):
    """(basis, day, context as the point was then) of a scan known only to come after
    a time on `day`, which the point does not admit on, and by `latest`: the start of
    the point's first open day in between; None if there is none. The gate's staff
    scanned on a day it admits on, not when its tablet last heard the server before
    its clock went back (the evening before, say): judged then, every entry of the
    day was "not valid today". `ctx` is the point as it is now."""
    for fair_day in ctx.fair_days:
        start = datetime.combine(fair_day, datetime.min.time(), tzinfo=ctx.tz).astimezone(UTC)
        if fair_day <= day or start > latest:
            continue
        then = _point_then(ctx, start)
        if fair_day in then.open_days:
            return start, fair_day, then
    return None


def _issued_at(ctx, text):
    """When the print of the badge that `text` names was issued (the badge made, or
    the print before it ended); None for a code that names no badge of the event."""
    if len(text) > MAX_CODE_LENGTH:
        return None
    try:
        code = _decode(text)
    except codes.MalformedCode:
        return None
    if code.event_id != ctx.event_id or not code.badge_id or not 0 < code.badge_id <= MAX_ID:
        return None
    ended = _issue_ended_at(code.badge_id, code.issue - 1) if code.issue > 1 else None
    if ended is not None:
        return ended
    return db.session.scalar(
        select(Badge.created_at).where(Badge.id == code.badge_id, Badge.event_id == ctx.event_id)
    )


def _stored_code(code):
    """The scanned text as the audit trail keeps it. A JSON body may carry NUL and lone
    surrogates (a misread code, a hand scanner's control characters), which PostgreSQL
    text cannot hold: failing there would lose the scan, and in an uploaded batch
    keep every later queued scan from ever being stored."""
    return encodable(code.strip()[:STORED_CODE_LENGTH].replace("\x00", "\ufffd"))


def encodable(text):
    """`text` with lone surrogates replaced: what UTF-8 (a JSON answer, PostgreSQL
    text) can hold."""
    return text.encode("utf-8", "replace").decode("utf-8")


def _scan_row(ctx, judgement, code, nonce, scanned_at, now, day, offline, clock=None):
    """The answer to the scanner and the values of the scan's row."""
    answer = {
        "status": judgement.result,
        "reason": judgement.reason,
        **judgement.messages,
        "nonce": nonce,
        "scan_point_id": ctx.point_id,
        "scanned_at": _iso(scanned_at),
        "received_at": _iso(now),
        "day": day.isoformat(),
        "badge": judgement.badge,
        "first": judgement.first,
        "meeting": judgement.meeting,
        "offline": bool(offline),
        "replayed": False,
    }
    if clock:
        answer.update(clock)
    row = {
        "event_id": ctx.event_id,
        "scan_point_id": ctx.point_id,
        "device_id": ctx.device_id,
        "user_id": ctx.user_id,
        "nonce": nonce,
        "code": _stored_code(code),
        "badge_id": judgement.badge_id,
        "result": judgement.result,
        "reason": judgement.reason,
        "scanned_at": scanned_at,
        "received_at": now,
        "day": day,
        "offline": bool(offline),
        "answer": answer,
    }
    return answer, row


# -- configuration for scanners ---------------------------------------------------------------


# What an offline scanner may show of each badge holder, by kind of scan point.
# Entrances and meeting zones are run by the organizer's staff: the name lets them
# compare the screen with the printed badge (a photographed QR shows someone
# else's name), the category lets them apply the point's category rules offline.
# Booth lead points are run by exhibitors: they get no roster at all (it would
# be the whole attendee list, without the visitors' consent); offline they verify
# the signature and revocations and learn the name once the scan is uploaded.
ROSTER_FIELDS = {
    "entrance": ("name_ko", "name_en", "category"),
    "meeting_zone": ("name_ko", "name_en", "category"),
    "booth": (),
}


def scanner_holders(event, kind):
    """badge id (text) -> what the scan point's kind may show offline (see ROSTER_FIELDS)."""
    fields = ROSTER_FIELDS.get(kind, ())
    if not fields:
        return {}
    holders = {}
    rows = db.session.execute(
        select(Badge.id, Badge.name_ko, Badge.name_en, Badge.category).where(
            Badge.event_id == event.id
        )
    )
    for badge_id, name_ko, name_en, category in rows:
        holder = {
            "name_ko": name_ko or name_en,
            "name_en": name_en or name_ko,
            "category": category,
        }
        holders[str(badge_id)] = {key: holder[key] for key in fields}
    return holders


def badge_categories(event):
    """badge id (text) -> its category."""
    rows = db.session.execute(select(Badge.id, Badge.category).where(Badge.event_id == event.id))
    return {str(badge_id): category for badge_id, category in rows}


def _lead_badges(event, organization_id):
    return sorted(
        db.session.scalars(
            select(Lead.badge_id).where(
                Lead.event_id == event.id, Lead.organization_id == organization_id
            )
        )
    )


def _colleagues(event_id, organization_id):
    """Who works for the company now: its exhibitor staff at the event and its members
    (not the company a badge was printed with, which a move does not reprint)."""
    staff = select(EventRole.user_id).where(
        EventRole.event_id == event_id,
        EventRole.organization_id == organization_id,
        EventRole.role.in_(EXHIBITOR_ROLES),
    )
    members = select(User.id).where(User.organization_id == organization_id)
    return staff.union(members)


def _colleague(event_id, organization_id, user_id):
    colleagues = _colleagues(event_id, organization_id).subquery()
    return (
        db.session.scalar(select(colleagues.c[0]).where(colleagues.c[0] == user_id).limit(1))
        is not None
    )


def _own_badges(event, organization_id):
    colleagues = _colleagues(event.id, organization_id).subquery()
    return sorted(
        db.session.scalars(
            select(Badge.id).where(
                Badge.event_id == event.id, Badge.user_id.in_(select(colleagues.c[0]))
            )
        )
    )


# Changed whenever the form of scanner_config's answer changes (a field added, say):
# the version of every scanner's copy changes with it, and they fetch the new form.
CONFIG_FORM = 1


def _config_head(event, point, device):
    """The parts of a scanner's configuration read from a few rows (the event, the point,
    the device, a booth company's leads and people): exact, and cheap to build."""
    from eventapp.badges import services as badge_services

    booth = point.kind == "booth"
    return {
        "event": {
            "id": event.id,
            "slug": event.slug,
            "name_ko": event.name_ko,
            "name_en": event.name_en,
            "timezone": event.timezone,
            "days": [d.isoformat() for d in event.days],
        },
        "scan_point": {
            "id": point.id,
            "name_ko": point.name_ko,
            "name_en": point.name_en,
            "kind": point.kind,
            "entrance_group": point.entrance_group,
            "valid_days": [d.isoformat() for d in point.open_days(event)],
            "allowed_categories": list(point.allowed_categories or []),
            "active": point.active,
            "organization_id": point.organization_id,
            # Devices of a company that no longer exhibits capture no leads.
            "exhibiting": _exhibits(event.id, point.organization_id) if booth else None,
        },
        "public_key": badge_services.public_key_b64(event),
        "holder_fields": list(ROSTER_FIELDS.get(point.kind, ())),
        # The company's leads as badge ids (no names): a phone forgets the leads it
        # remembers that were removed since, which a scan then captures again.
        "lead_badges": _lead_badges(event, point.organization_id) if booth else None,
        # The company's own people's badges (ids only), which are no leads.
        "own_badges": _own_badges(event, point.organization_id) if booth else None,
        "categories": {
            key: {"label_ko": c.label_ko, "label_en": c.label_en, "colour": c.colour}
            for key, c in CATEGORIES.items()
        },
        "device": (
            {"id": device.id, "label": device.label, "expires_at": _iso(device.expires_at)}
            if device is not None
            else None
        ),
    }


def _whole_seconds(column):
    """A stamp as whole seconds since 1970, exact in SQL (a sum of them is too)."""
    if db.engine.dialect.name == "sqlite":
        return cast(func.strftime("%s", column), Integer)
    return cast(func.floor(func.extract("epoch", column)), BigInteger)


def _badges_stamp(event_id):
    """A few aggregates of the event's badges, one of which changes with whatever the
    configuration shows of them (revocations, issues, names, categories): a badge made
    or deleted changes the count or the highest id; one revoked or let in again the
    number revoked; one reissued the sum of issues; any other change to its row
    stamps it (Badge.updated_at): the latest stamp moves, and the sum of the stamps'
    seconds moves too where a server whose clock is behind wrote a stamp earlier than
    the latest (several app servers), unless two changes of the same row fall in the
    same second there."""
    row = db.session.execute(
        select(
            func.count(),
            func.max(Badge.id),
            func.max(Badge.updated_at),
            func.sum(_whole_seconds(Badge.updated_at)),
            func.sum(Badge.issue),
            func.count(Badge.revoked_at),
        ).where(Badge.event_id == event_id)
    ).one()
    return [value if isinstance(value, int | None) else str(value) for value in row]


def scanner_config_version(point, device=None):
    """The version of scanner_config(point, device) (all of it but server_time): it
    changes whenever the configuration does, and is read without the badge holders'
    list, which a scanner asks for every two minutes and rarely finds changed.

    Read before the configuration: a change committed in between goes out with the
    version from before it, and so once more at the next ask, never the other way."""
    event = db.session.get(Event, point.event_id)
    parts = [CONFIG_FORM, _config_head(event, point, device), _badges_stamp(event.id)]
    text = current_app.json.dumps(parts)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def scanner_config(point, device=None, now=None):
    """What a scanner needs to work offline: key, revocations, the point, and as much
    of the badge holders as its kind of point may show (ROSTER_FIELDS)."""
    from eventapp.badges import services as badge_services

    event = db.session.get(Event, point.event_id)
    head = _config_head(event, point, device)
    revocation = badge_services.revocation_list(event)
    booth = point.kind == "booth"
    return {
        **head,
        "revocation": {
            "revoked": revocation["revoked"],
            "min_issue": {str(k): v for k, v in revocation["min_issue"].items()},
        },
        "holders": scanner_holders(event, point.kind),
        # A booth point gets no roster; when it admits only some categories, the
        # badges' categories alone (no names) let it judge offline as the server does.
        "badge_categories": (badge_categories(event) if booth and point.allowed_categories else {}),
        "server_time": _iso(now or utcnow()),
    }


def scanner_opened(point):
    """Someone signed in opened the point's scanner page (see why_kept). Whether this
    is the first time (the caller then has a change to commit)."""
    if point.scanner_opened_at is not None:
        return False
    point.scanner_opened_at = utcnow()
    return True


def device_seen(device, now=None):
    """A set-up device asked for its configuration: it is in use."""
    if device is not None:
        device.last_seen_at = now or utcnow()


# -- statistics -------------------------------------------------------------------------------


def point_counts(event, day=None):
    """scan point id -> {"scans", "ok", "already", "rejected"} counts (of `day` if given);
    the last three add up to the first."""
    counts = {}
    query = (
        select(Scan.scan_point_id, Scan.result, func.count())
        .where(Scan.event_id == event.id)
        .group_by(Scan.scan_point_id, Scan.result)
    )
    if day is not None:
        query = query.where(Scan.day == day)
    for point_id, result, n in db.session.execute(query):
        entry = counts.setdefault(point_id, {"scans": 0, "ok": 0, "already": 0, "rejected": 0})
        entry["scans"] += n
        if result == "ok":
            entry["ok"] += n
        elif result == "already_checked_in":
            entry["already"] += n
        else:
            entry["rejected"] += n
    return counts


def checkins_by_day(event):
    """People checked in per fair day: one who entered the main gate and the VIP
    lounge (two entrance groups, two check-ins) is one person."""
    rows = db.session.execute(
        select(CheckIn.day, func.count(func.distinct(CheckIn.badge_id)))
        .where(CheckIn.event_id == event.id)
        .group_by(CheckIn.day)
        .order_by(CheckIn.day)
    )
    return {day: n for day, n in rows}


# -- leads ------------------------------------------------------------------------------------


# Leads on one page of a company's leads.
LEADS_PAGE = 50


@dataclass
class NewestFirstPage:
    """One page of a list that grows at the top while someone reads it (leads, the
    scan log): pages go on after a row, since a page number would show rows twice
    or skip them."""

    items: list
    total: int  # rows matching the filter, on every page
    older: dict | None  # the address arguments of the next page, if there is one
    # Whether the page goes on after a row (not the newest page). A `before` that
    # names no row of the list (another event's, a mistyped link) gives the newest
    # page, and says so.
    anchored: bool = False


def leads_query(event, organization_id, *, rating=None, text=None):
    """The company's leads, newest first. `rating`: one of LEAD_RATINGS, or "none"
    for the leads not rated yet; `text` is looked for in the name and company on
    the badge and in the notes."""
    query = select(Lead).where(Lead.event_id == event.id, Lead.organization_id == organization_id)
    if rating == "none":
        query = query.where(Lead.rating.is_(None))
    elif rating:
        query = query.where(Lead.rating == rating)
    if text and text.strip():
        query = query.join(Badge, Badge.id == Lead.badge_id).where(
            contains_text(
                text,
                Badge.name_ko,
                Badge.name_en,
                Badge.organization_ko,
                Badge.organization_en,
                Lead.notes,
            )
        )
    return query


def _newest_first(query):
    relations = (selectinload(Lead.badge), selectinload(Lead.user), selectinload(Lead.captured_by))
    return query.options(*relations).order_by(Lead.captured_at.desc(), Lead.id.desc())


def consents(event, user_ids):
    """user id -> True for the visitors who share their contact details."""
    user_ids = list(user_ids)
    if not user_ids:
        return {}
    rows = db.session.execute(
        select(LeadConsent.user_id).where(
            LeadConsent.event_id == event.id,
            LeadConsent.user_id.in_(user_ids),
            LeadConsent.share_contact.is_(True),
        )
    )
    return {user_id: True for (user_id,) in rows}


def lead_rows(event, organization_id, language="en", *, rating=None, text=None):
    """The company's leads (those the filter keeps) as plain rows, newest first."""
    query = _newest_first(leads_query(event, organization_id, rating=rating, text=text))
    return _lead_rows(event, db.session.scalars(query).all(), language)


def leads_page(
    event, organization_id, language="en", *, rating=None, text=None, before=None, before_at=None
):
    """One page of the company's leads, newest first; `before` (a lead id) goes on
    after that lead, as the scan log does: leads arrive at the top while the
    exhibitor reads. `before_at` is that lead's time as the page before showed it:
    an upload of an earlier scan may have moved the lead back since, or a colleague
    removed it, and the next page must still go on where the reader was."""
    query = leads_query(event, organization_id, rating=rating, text=text)
    total = _count(query)
    anchor = None
    if before and before_at is not None:
        anchor = (before_at, before)
    elif before:
        lead = db.session.get(Lead, before)
        if lead is not None and (lead.event_id, lead.organization_id) == (
            event.id,
            organization_id,
        ):
            anchor = (lead.captured_at, lead.id)
    order = (Lead.captured_at, Lead.id)
    leads, older = _page_after(_newest_first(query), order, anchor, LEADS_PAGE)
    if older is not None:
        older = {"before": older[1], "at": older[0].isoformat()}
    return NewestFirstPage(_lead_rows(event, leads, language), total, older, anchor is not None)


def _count(query):
    return db.session.scalar(select(func.count()).select_from(query.subquery()))


def _page_after(query, order, anchor, limit):
    """Up to `limit` rows of `query` (sorted newest first by `order`: a time, then the
    id) after `anchor` (a time and an id), or from the top without one; and the
    anchor of the next page if there is one."""
    moment, row_id = order
    if anchor is not None:
        at, anchor_id = anchor
        query = query.where(or_(moment < at, and_(moment == at, row_id < anchor_id)))
    rows = db.session.scalars(query.limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if more else None
    return rows, ((getattr(last, moment.key), last.id) if last is not None else None)


def lead_rows_of(event, lead_ids, language="en"):
    """The rows of these leads of the event."""
    query = select(Lead).where(Lead.event_id == event.id, Lead.id.in_(list(lead_ids)))
    return _lead_rows(event, db.session.scalars(_newest_first(query)).all(), language)


def lead_companies(event):
    """(id, name_ko, name_en) of the companies organizers may open the leads of: those
    with a booth lead point, and those that captured leads (a booth point given to
    another company since, or a company that withdrew, keeps its leads)."""
    with_point = select(ScanPoint.organization_id).where(
        ScanPoint.event_id == event.id, ScanPoint.kind == "booth"
    )
    with_leads = select(Lead.organization_id).where(Lead.event_id == event.id)
    return db.session.execute(
        select(Organization.id, Organization.name_ko, Organization.name_en)
        .where(or_(Organization.id.in_(with_point), Organization.id.in_(with_leads)))
        .order_by(Organization.id)
    ).all()


def _lead_rows(event, leads, language):
    """Plain rows; contact details only where the visitor agreed."""
    shared = consents(event, [lead.user_id for lead in leads])
    rows = []
    for lead in leads:
        badge = lead.badge
        category = CATEGORIES.get(badge.category) if badge else None
        share = shared.get(lead.user_id, False)
        user = lead.user
        rows.append(
            {
                "id": lead.id,
                "lead": lead,
                "captured_at": lead.captured_at,
                "name": (badge.localized("name", language) if badge else "") or user.name,
                "organization": badge.localized("organization", language) if badge else "",
                "country": badge.country if badge else "",
                "category": (
                    (category.label_en if language == "en" else category.label_ko)
                    if category
                    else ""
                ),
                "rating": lead.rating or "",
                "notes": lead.notes or "",
                # The colleague signed in; a set-up scanner names nobody.
                "captured_by": lead.captured_by.name if lead.captured_by else "",
                "shares_contact": share,
                "email": user.email if share else "",
                "phone": (user.phone or "") if share else "",
                "job_title": (user.job_title or "") if share else "",
            }
        )
    return rows


def update_lead(lead, *, rating=None, notes=None, rating_was=None, notes_was=None):
    """Set the lead's rating and notes; None leaves one as it is. With `rating_was` or
    `notes_was` (what the editing page showed), a value the person left as shown is
    not written, and one a colleague changed since the page was shown is not
    overwritten: returns the names of those fields (conflicts), changing the rest."""
    if rating not in (None, "", *LEAD_RATINGS):
        raise CheckinError(_l("The rating must be hot, warm or cold."))
    if notes is not None and len(notes) > LEAD_NOTES_MAX:
        raise CheckinError(_l("Notes may hold at most %(count)s characters.", count=LEAD_NOTES_MAX))
    # Compared with the row as it is now, held until the commit: a colleague's save
    # committed after this request read the lead is met as a conflict, not lost.
    _lock_lead(lead)
    keep = object()
    edits = {
        "rating": (keep if rating is None else rating or None, rating_was, lead.rating),
        # Notes saved before line breaks were stored as LF may hold CRLF.
        "notes": (
            keep if notes is None else notes,
            notes_was,
            (lead.notes or "").replace("\r\n", "\n"),
        ),
    }
    changed, conflicts = {}, []
    for name, (value, was, current) in edits.items():
        if value is keep or value == current:
            continue
        if was is not None:
            was = (was or None) if name == "rating" else was
            if value == was:
                continue
            if current != was:
                conflicts.append(name)
                continue
        setattr(lead, name, value)
        changed[name] = value if name == "rating" else True
    if changed:
        audit.record(
            "checkin.lead_updated", lead, event=lead.event_id, data={"changed": sorted(changed)}
        )
    return conflicts


class LeadRemoved(CheckinError):
    """A colleague removed the lead after this request found it (another phone)."""


def _lock_lead(lead):
    """Hold the lead's row until the commit, read afresh. A colleague's removal that
    committed since the request found the lead raises LeadRemoved: the save or the
    second removal is then answered as when the removal came first."""
    if _locked_afresh(Lead, lead.id) is None:
        raise LeadRemoved(_l("This lead was already removed."))


def remove_lead(lead):
    """Take a lead off the company's list (a badge scanned by mistake). Its scans
    stay in the scan log, and its notes and rating in the audit log; scanning the
    badge again captures it afresh. Raises LeadRemoved when a colleague removed it
    first (one removal, one entry in the log)."""
    _lock_lead(lead)
    # The log names the lead by these once its row is gone (core.audit.DELETIONS).
    name_ko, name_en = lead_names(
        lead.badge.name_ko,
        lead.badge.name_en,
        lead.organization.name_ko,
        lead.organization.name_en,
    )
    audit.record(
        "checkin.lead_removed",
        lead,
        event=lead.event_id,
        data={
            "name_ko": name_ko,
            "name": name_en,
            "organization_id": lead.organization_id,
            "badge_id": lead.badge_id,
            "user_id": lead.user_id,
            "captured_at": lead.captured_at.isoformat(),
            "rating": lead.rating,
            "notes": lead.notes or "",
        },
    )
    key = {
        "event_id": lead.event_id,
        "organization_id": lead.organization_id,
        "badge_id": lead.badge_id,
    }
    now = utcnow()
    db.session.execute(
        insert_on_conflict(LeadRemoval)
        .values(**key, removed_at=now)
        .on_conflict_do_update(index_elements=list(key), set_={"removed_at": now})
    )
    db.session.delete(lead)


def removed_lead_company(event, lead_id):
    """The company whose lead `lead_id` was, if someone removed it (a colleague's page
    still shows it); None for an id that was never one of the event's leads."""
    entry = db.session.scalar(
        select(audit.AuditEntry)
        .where(
            audit.AuditEntry.event_id == event.id,
            audit.AuditEntry.action == "checkin.lead_removed",
            audit.AuditEntry.object_type == "Lead",
            audit.AuditEntry.object_id == str(lead_id),
        )
        .order_by(audit.AuditEntry.id.desc())
        .limit(1)
    )
    return entry.data.get("organization_id") if entry is not None else None


def _removed_since(ctx, badge_id, scanned_at):
    """Whether the company took the visitor off its leads after an uploaded scan was,
    or may have been, made (`scanned_at` is the earliest it can have been): only a scan
    certainly made after the removal captures the visitor again."""
    removed_at = db.session.scalar(
        select(LeadRemoval.removed_at).where(
            LeadRemoval.event_id == ctx.event_id,
            LeadRemoval.organization_id == ctx.organization_id,
            LeadRemoval.badge_id == badge_id,
        )
    )
    return removed_at is not None and scanned_at < removed_at


def consent_of(event, user):
    return db.session.get(LeadConsent, (event.id, user.id))


def shares_contact(event, user):
    consent = consent_of(event, user)
    return bool(consent and consent.share_contact)


def set_contact_sharing(event, user, share):
    """Record the visitor's choice (one row per event and person; races settle on the key)."""
    share = bool(share)
    existing = consent_of(event, user)
    if existing is None:
        db.session.execute(
            insert_on_conflict(LeadConsent)
            .values(event_id=event.id, user_id=user.id, share_contact=share, updated_at=utcnow())
            .on_conflict_do_nothing(index_elements=["event_id", "user_id"])
        )
    db.session.execute(
        update(LeadConsent)
        .where(and_(LeadConsent.event_id == event.id, LeadConsent.user_id == user.id))
        .values(share_contact=share, updated_at=utcnow())
    )
    db.session.expire_all()
    audit.record(
        "checkin.contact_sharing",
        object_type="LeadConsent",
        object_id=user.id,
        event=event,
        user=user,
        data={"share_contact": share},
    )


# Rows on one page of the scan log.
SCAN_LOG_PAGE = 100
# The scan log's filter value for every refused scan, whatever the refusal: all
# results but these two.
REFUSED = "rejected"
NOT_REFUSED = ("ok", "already_checked_in")


def _scan_log_query(event, point_id=None, result=None, day=None, text=None, scanner=None):
    query = select(Scan).where(Scan.event_id == event.id)
    if scanner:
        # ("device", id) or ("user", id): which phone, or whose sign-in, scanned.
        kind, scanner_id = scanner
        query = query.where((Scan.device_id if kind == "device" else Scan.user_id) == scanner_id)
    if text and text.strip():
        # The holder's name on the badge, the number printed under its QR code, or a
        # whole code as the scanner read it (a help desk asked "did this badge get
        # in?"). Only whole: a code scanned here may be another event's badge, which
        # parts found one by one would rebuild.
        found = [contains_text(text, Badge.name_ko, Badge.name_en), Scan.code == text.strip()]
        number = badge_number_id(text)
        if number is not None:
            found.append(Scan.badge_id == number)
        query = query.outerjoin(Badge, Badge.id == Scan.badge_id).where(or_(*found))
    if point_id:
        query = query.where(Scan.scan_point_id == point_id)
    if result == REFUSED:
        # As the scan points' "Rejected" counts them.
        query = query.where(Scan.result.not_in(NOT_REFUSED))
    elif result:
        query = query.where(Scan.result == result)
    if day:
        query = query.where(Scan.day == day)
    return query


def scan_log_days(event):
    """The days the scan log filters by, in order: the fair's, and every other day scans
    count for (the day in the event's time zone each was recorded on). Scans keep
    their day when the organizers move the fair, and would otherwise be out of the
    filter's reach."""
    recorded = db.session.scalars(select(Scan.day).where(Scan.event_id == event.id).distinct())
    return sorted(set(event.days).union(recorded))


def log_scanners(event, language="en"):
    """Who scanned, for the scan log's filter: [(value, label)], the event's devices
    ("d<id>", with their scan point) and the people who scanned signed in ("u<id>")."""
    devices = db.session.execute(
        select(ScanDevice.id, ScanDevice.label, ScanPoint.name_ko, ScanPoint.name_en)
        .join(ScanPoint, ScanPoint.id == ScanDevice.scan_point_id)
        .where(ScanDevice.event_id == event.id)
    ).all()
    korean = language == "ko"
    choices = sorted(
        (
            (
                scanner_value("device", device_id),
                f"{label or _('Device %(number)s', number=device_id)} ({(ko if korean else en) or en})",
            )
            for device_id, label, ko, en in devices
        ),
        key=lambda choice: choice[1].casefold(),
    )
    people = db.session.scalars(
        select(User).where(
            User.id.in_(select(Scan.user_id).where(Scan.event_id == event.id).distinct())
        )
    ).all()
    choices += sorted(
        ((scanner_value("user", p.id), p.name) for p in people), key=lambda c: c[1].casefold()
    )
    return choices


def scanner_value(kind, scanner_id):
    """The scan log filter's value for a device or a person: "d12", "u7"."""
    return f"{kind[0]}{scanner_id}"


def parse_scanner(value):
    """("device" | "user", id) from the filter's "d12" / "u7", or None."""
    match = re.fullmatch(r"([du])(\d{1,9})", value or "")
    if match is None:
        return None
    return ("device" if match[1] == "d" else "user", int(match[2]))


def _with_log_relations(query):
    from sqlalchemy.orm import selectinload

    return query.options(
        selectinload(Scan.scan_point),
        selectinload(Scan.badge),
        selectinload(Scan.user),
        selectinload(Scan.device),
    ).order_by(Scan.received_at.desc(), Scan.id.desc())


def scan_log(
    event,
    *,
    point_id=None,
    result=None,
    day=None,
    text=None,
    scanner=None,
    before=None,
    limit=None,
):
    """One page of the scan log, newest received first. `before` (a scan id) goes on
    after that scan: the log grows at the top while someone reads it, and a page
    number would then show rows twice or skip them."""
    limit = limit or SCAN_LOG_PAGE
    query = _scan_log_query(event, point_id, result, day, text, scanner)
    total = _count(query)
    # A scan's time of receipt never changes, nor is a scan removed: its id is anchor
    # enough.
    scan = db.session.get(Scan, before) if before else None
    anchor = (scan.received_at, scan.id) if scan is not None and scan.event_id == event.id else None
    order = (Scan.received_at, Scan.id)
    rows, older = _page_after(_with_log_relations(query), order, anchor, limit)
    older = {"before": older[1]} if older is not None else None
    return NewestFirstPage(rows, total, older, anchor is not None)


def scan_log_all(event, *, point_id=None, result=None, day=None, text=None, scanner=None):
    """Every scan of the filter, newest first, read a few hundred at a time (the
    export of a fair's log runs to tens of thousands)."""
    query = _with_log_relations(_scan_log_query(event, point_id, result, day, text, scanner))
    return db.session.scalars(query.execution_options(yield_per=500))
