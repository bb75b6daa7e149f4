"""On-site scanning: scan points, scanner devices, scans, check-ins and leads.

The database is the referee of every race:

- `Scan` is the audit trail: every scan, failed ones too, is one row. UNIQUE
  (scan_point_id, nonce) makes a retried upload (same client nonce) record
  nothing new; the retry gets the stored first answer.
- `CheckIn` is the first entry of a badge on a fair day through one entrance
  group. UNIQUE (event_id, badge_id, day, entrance_group): of two gates scanning
  the same badge at the same moment exactly one inserts it (`ok`), the other
  sees the row (`already_checked_in`).
- `Lead` is one visitor captured by one exhibitor company (UNIQUE per company
  and badge).
- `MeetingArrival` is one side of a meetup meeting arriving at the meeting zone
  (UNIQUE per meeting, slot and side); the meeting is attended once both are in.
"""

from datetime import date

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventapp.core.db import UTCDateTime, utcnow
from eventapp.core.i18n import LocalizedMixin
from eventapp.core.i18n import gettext as _
from eventapp.core.i18n import lazy_gettext as _l
from eventapp.extensions import db

SCAN_POINT_KINDS = {
    "entrance": _l("entrance check-in"),
    "meeting_zone": _l("meeting zone"),
    "booth": _l("booth lead capture"),
}

# The answers of the scan API (in the spirit of pretix's check-in).
# How long a scanner device may scan, at most (its set-up code stays valid as long).
DEVICE_HOURS_MAX = 24 * 30
# The longest name an organizer gives a scanner device (its page and the command line).
DEVICE_LABEL_MAX = 100

SCAN_RESULTS = {
    "ok": _l("OK"),
    "already_checked_in": _l("already checked in"),
    "invalid": _l("invalid"),
    "revoked": _l("revoked"),
    "not_valid_today": _l("not valid today"),
    "not_allowed": _l("not allowed here"),
}

# The finer reason a scan log row gives (Scan.reason); "malformed:<detail>" is
# shown by its first part.
SCAN_REASONS = {
    "malformed": _l("not a badge code"),
    "bad_signature": _l("forged or damaged code"),
    "other_event": _l("badge of another event"),
    "unknown_badge": _l("no such badge"),
    "unknown_issue": _l("a print newer than any issued"),
    "revoked": _l("badge revoked"),
    "superseded": _l("an older print of a reprinted badge"),
    "point_closed": _l("scan point closed"),
    "category": _l("badge category not admitted here"),
    "not_exhibiting": _l("the company no longer exhibits"),
    "day": _l("not a day this point admits"),
    "meeting": _l("meeting arrival"),
    "own_company": _l("a badge of the company's own people: not a lead"),
    "lead_removed": _l("taken off the company's leads after this scan: not added again"),
    "earlier_scan": _l("an earlier scan, uploaded later, came first"),
    "timed_scan": _l("a scan with a known time, uploaded later, was taken as the first"),
}


def open_days_of(fair_days, valid_days):
    """The fair days a point admits on, in order, by its valid days (ISO texts; none:
    every fair day)."""
    if not valid_days:
        return list(fair_days)
    chosen = {date.fromisoformat(d) for d in valid_days}
    return [d for d in fair_days if d in chosen]


def scan_result_label(result, kind=None):
    """A scan's result as its scan point's scanner showed it: a booth scans leads, so a
    badge scanned there again was already captured, not checked in."""
    if kind == "booth" and result == "already_checked_in":
        return _l("already captured")
    return SCAN_RESULTS.get(result, result)


def scan_result_choices(kinds):
    """The results a filter of scans at points of these kinds offers, named as their
    scanners showed them; where booths and other points mix, the repeat is both."""
    choices = dict(SCAN_RESULTS)
    if "booth" in kinds:
        choices["already_checked_in"] = (
            scan_result_label("already_checked_in", "booth")
            if set(kinds) == {"booth"}
            else _l("already checked in or captured")
        )
    return choices


def scan_reason_label(reason):
    return SCAN_REASONS.get((reason or "").split(":", 1)[0], reason)


LEAD_NOTES_MAX = 5000

LEAD_RATINGS = {
    "hot": _l("hot"),
    "warm": _l("warm"),
    "cold": _l("cold"),
}

DEFAULT_ENTRANCE_GROUP = "main"


class ScanPoint(LocalizedMixin, db.Model):
    """A gate, a meeting zone or an exhibitor's booth where badges are scanned."""

    __tablename__ = "checkin_scan_points"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    name_ko: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20), index=True)
    # The exhibitor company that owns a booth lead point (None for other kinds).
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    # Entrances of one group share the "first check-in of the day".
    entrance_group: Mapped[str] = mapped_column(String(40), default=DEFAULT_ENTRANCE_GROUP)
    # ISO dates on which the point admits; empty = every fair day.
    valid_days: Mapped[list] = mapped_column(JSON, default=list)
    # Badge categories admitted; empty = every category.
    allowed_categories: Mapped[list] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # When it was closed: [[from, until or None], ...] as RFC 3339 UTC texts. A scan
    # uploaded later by a scanner that was offline is judged by the point as it was
    # when the scan was made (closed for lunch, open again, closed for the night).
    closed_periods: Mapped[list | None] = mapped_column(JSON, default=list)
    # The days, categories and entrance group it had before each change of them:
    # [[until, valid_days, allowed_categories, entrance_group], ...], oldest first,
    # `until` an RFC 3339 UTC text (the group is missing from entries made before it
    # was kept). An offline scanner admitted by the rules of its last sync; its upload,
    # after the organizers changed them, is judged by the rules of the scan's time.
    rules_history: Mapped[list | None] = mapped_column(JSON, default=list)
    # When someone signed in first opened its scanner page: from then on a phone may
    # hold scans queued here offline, as a set-up device may.
    scanner_opened_at: Mapped[object | None] = mapped_column(UTCDateTime)
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    event = relationship("Event")
    organization = relationship("Organization")

    @property
    def name(self):
        return self.localized("name")

    @property
    def kind_label(self):
        return SCAN_POINT_KINDS.get(self.kind, self.kind)

    def open_days(self, event=None):
        """The fair days on which this point admits (dates)."""
        return open_days_of((event or self.event).days, self.valid_days)

    def admits_category(self, category):
        return not self.allowed_categories or category in self.allowed_categories

    def __repr__(self):
        return f"<ScanPoint {self.id} {self.kind} {self.name_en}>"


class ScanDevice(db.Model):
    """A scanner: one phone or tablet, set up with an organizer's set-up QR.

    The QR carries a set-up token that works once: the first phone to confirm
    the set-up page gets the device token (itsdangerous, signed with the app's secret, another
    salt), which names this row in every request it makes; the row says until
    when it works and whether it was revoked. A photo of the QR on the
    organizer's screen sets up nothing more.
    """

    __tablename__ = "checkin_devices"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    scan_point_id: Mapped[int] = mapped_column(
        ForeignKey("checkin_scan_points.id", ondelete="CASCADE"), index=True
    )
    label: Mapped[str] = mapped_column(String(DEVICE_LABEL_MAX), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[object] = mapped_column(UTCDateTime)
    revoked_at: Mapped[object | None] = mapped_column(UTCDateTime)
    # When a phone opened the set-up code: from then on the code sets up no other.
    set_up_at: Mapped[object | None] = mapped_column(UTCDateTime)
    # A digest of the claim the set-up page gave that phone: the same page sent
    # again (its answer lost on the way) sets the same phone up again.
    setup_claim: Mapped[str | None] = mapped_column(String(64))
    # Updated when the device fetches its configuration (not on every scan).
    last_seen_at: Mapped[object | None] = mapped_column(UTCDateTime)

    scan_point = relationship("ScanPoint")
    created_by = relationship("User")

    @property
    def name(self):
        """Its label, or "Device 3" ("기기 3") when the organizer gave none: "#3"
        read as a code, not as a phone on a desk."""
        return self.label or _("Device %(number)s", number=self.id)

    def is_usable(self, now):
        return self.revoked_at is None and self.expires_at > now


# How much of an unreadable code the scan log shows.
CODE_SHOWN = 40


class Scan(db.Model):
    """One scan as the scanner sent it, and the answer it got (the audit trail)."""

    __tablename__ = "checkin_scans"
    __table_args__ = (
        UniqueConstraint("scan_point_id", "nonce"),
        Index("ix_checkin_scans_event_scanned", "event_id", "scanned_at"),
        # The scan log lists the days an event's scans count for (scan_log_days) and
        # filters by one; without it both read every scan of the event.
        Index("ix_checkin_scans_event_day", "event_id", "day"),
        Index("ix_checkin_scans_badge", "badge_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    scan_point_id: Mapped[int] = mapped_column(
        ForeignKey("checkin_scan_points.id", ondelete="CASCADE")
    )
    device_id: Mapped[int | None] = mapped_column(
        ForeignKey("checkin_devices.id", ondelete="SET NULL")
    )
    # The signed-in scanning person, when not a set-up device.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    nonce: Mapped[str] = mapped_column(String(64))
    code: Mapped[str] = mapped_column(String(200), default="")
    badge_id: Mapped[int | None] = mapped_column(ForeignKey("badges.id", ondelete="SET NULL"))
    # The verdict. It differs from the answer given in one case: an entrance `ok`
    # becomes `already_checked_in` (reason earlier_scan) when an offline scanner
    # uploads an earlier scan of the badge that day, which then holds the check-in
    # (timed_scan: a scan with a known time, where this one's was only a bound).
    result: Mapped[str] = mapped_column(String(24), index=True)
    # The finer reason: malformed, bad_signature, other_event, superseded, ...
    reason: Mapped[str] = mapped_column(String(40), default="")
    # When the scanner saw the badge (its clock) and when the server got it.
    scanned_at: Mapped[object] = mapped_column(UTCDateTime)
    received_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    # The fair day (event-local) the scan counts for.
    day: Mapped[date] = mapped_column(Date)
    offline: Mapped[bool] = mapped_column(Boolean, default=False)
    # The JSON answer given, returned as it was to a retry with the same nonce.
    answer: Mapped[dict] = mapped_column(JSON, default=dict)

    scan_point = relationship("ScanPoint")
    device = relationship("ScanDevice")
    badge = relationship("Badge")
    user = relationship("User")

    @property
    def code_shown(self):
        """What an unreadable scan held, as the log shows it: enough to tell a
        wrong QR from a damaged badge, never a whole code (another event's badge
        would be a working one there)."""
        if len(self.code) <= CODE_SHOWN:
            return self.code
        return self.code[:CODE_SHOWN] + "…"


class CheckIn(db.Model):
    """The first entry of a badge on one fair day through one entrance group."""

    __tablename__ = "checkin_checkins"
    __table_args__ = (UniqueConstraint("event_id", "badge_id", "day", "entrance_group"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    badge_id: Mapped[int] = mapped_column(ForeignKey("badges.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date, index=True)
    entrance_group: Mapped[str] = mapped_column(String(40))
    scan_point_id: Mapped[int] = mapped_column(
        ForeignKey("checkin_scan_points.id", ondelete="CASCADE")
    )
    checked_in_at: Mapped[object] = mapped_column(UTCDateTime)
    # Set when `checked_in_at` is only the earliest the entry can have been (a scanner
    # whose clock had gone back; see api._upload_time): the latest it can have been,
    # its upload. A scan with a known time up to then takes the check-in over.
    latest_at: Mapped[object | None] = mapped_column(UTCDateTime, nullable=True)

    scan_point = relationship("ScanPoint")
    badge = relationship("Badge")


def lead_names(visitor_ko, visitor_en, company_ko, company_en):
    """How the audit log names a lead, in Korean and in English: the visitor, then the
    company that scanned them ("김민수 (알파로보틱스)"); either language stands in for
    the other where it is empty."""
    visitor = (visitor_ko or visitor_en or "", visitor_en or visitor_ko or "")
    company = (company_ko or company_en or "", company_en or company_ko or "")
    return tuple(f"{v} ({c})" if c else v for v, c in zip(visitor, company, strict=True))


class Lead(db.Model):
    """A visitor whose badge an exhibitor company's staff scanned at its booth."""

    __tablename__ = "checkin_leads"
    __table_args__ = (UniqueConstraint("event_id", "organization_id", "badge_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    badge_id: Mapped[int] = mapped_column(ForeignKey("badges.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    scan_point_id: Mapped[int | None] = mapped_column(
        ForeignKey("checkin_scan_points.id", ondelete="SET NULL")
    )
    captured_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    captured_at: Mapped[object] = mapped_column(UTCDateTime)
    latest_at: Mapped[object | None] = mapped_column(UTCDateTime, nullable=True)  # as CheckIn's
    rating: Mapped[str | None] = mapped_column(String(8))
    notes: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    organization = relationship("Organization")
    badge = relationship("Badge")
    user = relationship("User", foreign_keys=[user_id])
    captured_by = relationship("User", foreign_keys=[captured_by_id])
    scan_point = relationship("ScanPoint")

    @property
    def rating_label(self):
        return LEAD_RATINGS.get(self.rating, "") if self.rating else ""


class LeadRemoval(db.Model):
    """When a company last took a visitor off its leads. A scan of the badge made
    before then, uploaded later by a phone that was offline, does not bring the
    lead back; one made after captures it afresh."""

    __tablename__ = "checkin_lead_removals"

    event_id: Mapped[int] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    badge_id: Mapped[int] = mapped_column(
        ForeignKey("badges.id", ondelete="CASCADE"), primary_key=True
    )
    removed_at: Mapped[object] = mapped_column(UTCDateTime)


class LeadConsent(db.Model):
    """A visitor's choice to share contact details (e-mail, phone, job title)
    with the exhibitors who scan their badge at one event."""

    __tablename__ = "checkin_lead_consents"

    event_id: Mapped[int] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    share_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


MEETING_SIDES = ("startup", "firm")


class MeetingArrival(db.Model):
    """One side of a meetup meeting arrived at the meeting zone: a person of that
    company was scanned there around the meeting's slot.

    A meeting counts as attended only when both sides have arrived, and a meeting
    that ends with one side (or none) here is a no-show of the other. One row per
    meeting, slot and side: the first scan of either of a company's people counts;
    a meeting moved to another slot needs new arrivals.

    The meetings package is optional (see meetings_link), so meeting, slot and
    profile are plain ids without foreign keys into its tables.
    """

    __tablename__ = "checkin_meeting_arrivals"
    __table_args__ = (UniqueConstraint("meeting_id", "slot_id", "side"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    meeting_id: Mapped[int] = mapped_column(index=True)
    slot_id: Mapped[int] = mapped_column()
    side: Mapped[str] = mapped_column(String(10))
    profile_id: Mapped[int] = mapped_column()
    badge_id: Mapped[int | None] = mapped_column(ForeignKey("badges.id", ondelete="SET NULL"))
    scan_point_id: Mapped[int | None] = mapped_column(
        ForeignKey("checkin_scan_points.id", ondelete="SET NULL")
    )
    arrived_at: Mapped[object] = mapped_column(UTCDateTime)
    # When the server recorded it (an offline tablet's upload may come hours later);
    # None for arrivals recorded before this was kept.
    recorded_at: Mapped[object | None] = mapped_column(UTCDateTime)

    badge = relationship("Badge")
    scan_point = relationship("ScanPoint")
