"""Models of the global meetup.

Who meets whom
    A `MeetingProfile` is an organization taking part in the meetup of one event, on the
    startup side (technology suppliers: startups, universities, institutes, ...) or on the
    firm side (large and mid-size firms, and investors/buyers). Either side sends a
    `MeetingRequest` to the other; the other side accepts or declines it.

When and where
    The organizer's `MeetingSettings` generate the event's `MeetingSlot` rows (fixed
    periods, e.g. 10:00-10:30) and `MeetingTable` rows (numbered tables in the meeting
    zone). An accepted request becomes a `Meeting` in one slot, at one table or at the
    firm's own booth (`Meeting.booth_code`).

Another time
    Either side of a scheduled meeting may propose another slot (`MeetingTimeProposal`);
    the meeting keeps its time until the other side accepts, and then moves as an
    organizer's move does.

No double booking, enforced by the database
    Every active meeting owns `MeetingSeat` rows: one per participant (slot, profile) and
    one for its table (slot, table). Both pairs are UNIQUE, so of two concurrent
    transactions booking the same person, firm or table in the same slot exactly one can
    commit, on PostgreSQL (any isolation level) and SQLite alike. Seats are deleted when a
    meeting is cancelled and re-created when it is moved.

For calendar invites (iCalendar)
    `Meeting.uid` is a stable, globally unique id (the VEVENT UID); `Meeting.sequence`
    starts at 0 and is raised by one on every change of time or place and on
    cancellation (the VEVENT SEQUENCE); `Meeting.starts_at` / `ends_at` are aware UTC
    datetimes (from the slot); `Meeting.location_label` names the table or booth;
    `Meeting.status` "cancelled" maps to STATUS:CANCELLED. `Meeting.updated_at` is the
    DTSTAMP/LAST-MODIFIED candidate. Participants' people: `MeetingProfile.contacts()`.
"""

import uuid
from datetime import time

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    select,
    text,
    union,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventapp.core.db import UTCDateTime, utcnow
from eventapp.core.i18n import LocalizedMixin, in_language
from eventapp.core.i18n import lazy_gettext as _l
from eventapp.extensions import db

SIDES = {"startup": _l("startup"), "firm": _l("firm")}

# Organization kinds that meet on the firm side: the technology demand side, and
# investors/buyers who meet startups as buyers. Everybody else supplies technology.
FIRM_SIDE_KINDS = frozenset({"large_firm", "midsize_firm", "investor"})

STARTUP_STAGES = {
    "": _l("not given"),
    "idea": _l("idea / prototype"),
    "seed": _l("seed"),
    "early": _l("early (series A)"),
    "growth": _l("growth (series B+)"),
    "established": _l("established"),
}

REQUEST_STATUSES = {
    "requested": _l("requested"),
    "accepted": _l("accepted"),
    "declined": _l("declined"),
    "cancelled": _l("cancelled"),
}
# Requests that still count: at most one of these per (startup, firm) pair.
OPEN_REQUEST_STATUSES = ("requested", "accepted")
# The highest cap of meetings an organizer may set, per side or per company.
MAX_MEETINGS_LIMIT = 200

MEETING_STATUSES = {
    "scheduled": _l("scheduled"),
    "attended": _l("attended"),
    "no_show": _l("no-show"),
    "cancelled": _l("cancelled"),
}
ACTIVE_MEETING_STATUSES = ("scheduled", "attended", "no_show")

# Who did not come to a no-show meeting (Meeting.no_show_side); None: not known.
NO_SHOW_SIDES = {
    "startup": _l("the startup did not come"),
    "firm": _l("the firm did not come"),
    "both": _l("neither side came"),
}

# Weight of a request for the scheduler: both sides asked to meet -> 3, one side -> 1.
MUTUAL_WEIGHT = 3
ONE_SIDED_WEIGHT = 1


def side_for_kind(kind):
    """The meetup side of an organization kind: "firm" or "startup"."""
    return "firm" if kind in FIRM_SIDE_KINDS else "startup"


class MeetingSettings(db.Model):
    """The organizer's meetup rules for one event.

    Times of day are local (the event's time zone); `breaks` is a list of
    ["HH:MM", "HH:MM"] pairs in which no slot starts or runs. Caps are the default
    maximum number of meetings per participant (None = no cap); a profile's own
    `max_meetings` overrides them.
    """

    __tablename__ = "meeting_settings"

    event_id: Mapped[int] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    meeting_days: Mapped[list] = mapped_column(JSON, default=list)  # ISO dates
    slot_minutes: Mapped[int] = mapped_column(Integer, default=30)
    day_starts_at: Mapped[time] = mapped_column(default=time(10, 0))
    day_ends_at: Mapped[time] = mapped_column(default=time(17, 0))
    breaks: Mapped[list] = mapped_column(JSON, default=list)
    table_count: Mapped[int] = mapped_column(Integer, default=0)
    # Where the tables are (hall / zone), in Korean and in English: one label read on
    # pages of both languages was foreign on half of them.
    table_label: Mapped[str] = mapped_column(String(100), default="")
    table_label_en: Mapped[str] = mapped_column(String(100), default="")
    booking_opens_at: Mapped[object | None] = mapped_column(UTCDateTime)
    booking_closes_at: Mapped[object | None] = mapped_column(UTCDateTime)
    startup_cap: Mapped[int | None] = mapped_column(Integer)
    firm_cap: Mapped[int | None] = mapped_column(Integer)
    first_meeting_bonus: Mapped[int] = mapped_column(Integer, default=3)
    updated_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    event = relationship("Event")

    def cap_for(self, side):
        return self.startup_cap if side == "startup" else self.firm_cap

    def tables_place(self, language=None):
        """Where the tables are, in `language` (the current one), else in the other."""
        return in_language(self.table_label, self.table_label_en, language)

    def booking_open(self, moment=None):
        moment = moment or utcnow()
        if self.booking_opens_at and moment < self.booking_opens_at:
            return False
        if self.booking_closes_at and moment >= self.booking_closes_at:
            return False
        return True


class MeetingSlot(db.Model):
    """A fixed meeting period. `code` like "D1-1000" (day 1, 10:00 local).

    A slot the settings no longer describe is deleted, unless cancelled meetings point
    to it: then it is `retired` instead (and its code freed), so that those meetings
    keep their time, calendar UID and sequence. Retired slots are never listed, booked
    or planned; they come back when the settings describe the same period again.
    """

    __tablename__ = "meeting_slots"
    __table_args__ = (
        UniqueConstraint("event_id", "code"),
        Index("ix_meeting_slots_event_start", "event_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    starts_at: Mapped[object] = mapped_column(UTCDateTime)
    ends_at: Mapped[object] = mapped_column(UTCDateTime)
    retired: Mapped[bool] = mapped_column(Boolean, default=False)

    event = relationship("Event")

    def local_start(self):
        return self.starts_at.astimezone(self.event.tz)

    def local_end(self):
        return self.ends_at.astimezone(self.event.tz)

    @property
    def label(self):
        start, end = self.local_start(), self.local_end()
        return f"{start:%m-%d} {start:%H:%M}–{end:%H:%M}"

    def __repr__(self):
        return f"<MeetingSlot {self.code}>"


class MeetingTable(db.Model):
    """A numbered meeting table, e.g. "T01", in the meeting zone named by `label`."""

    __tablename__ = "meeting_tables"
    __table_args__ = (UniqueConstraint("event_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(String(100), default="")  # hall / zone, in Korean
    label_en: Mapped[str] = mapped_column(String(100), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    event = relationship("Event")

    def place(self, language=None):
        """Where the table is, in `language` (the current one), else in the other."""
        return in_language(self.label, self.label_en, language)

    def __repr__(self):
        return f"<MeetingTable {self.code}>"


class MeetingProfile(LocalizedMixin, db.Model):
    """An organization taking part in the meetup of one event.

    Startups describe what they offer (technology, product) and their stage; firms
    describe their technology demand (`need_*`) and PoC themes. Firms that receive
    at their own booth set `receives_at_booth` and `booth_code`.
    """

    __tablename__ = "meeting_profiles"
    __table_args__ = (
        UniqueConstraint("event_id", "organization_id"),
        CheckConstraint("side IN ('startup', 'firm')", name="side"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    side: Mapped[str] = mapped_column(String(10), index=True)
    offer_ko: Mapped[str] = mapped_column(Text, default="")
    offer_en: Mapped[str] = mapped_column(Text, default="")
    need_ko: Mapped[str] = mapped_column(Text, default="")
    need_en: Mapped[str] = mapped_column(Text, default="")
    poc_themes_ko: Mapped[str] = mapped_column(Text, default="")
    poc_themes_en: Mapped[str] = mapped_column(Text, default="")
    stage: Mapped[str] = mapped_column(String(20), default="")
    sector: Mapped[str] = mapped_column(String(20), index=True)
    # Tags as written (lower-case in profiles saved before); matched ignoring case.
    keywords: Mapped[list] = mapped_column(JSON, default=list)
    country: Mapped[str] = mapped_column(String(2), default="KR")
    receives_at_booth: Mapped[bool] = mapped_column(Boolean, default=False)
    booth_code: Mapped[str | None] = mapped_column(String(16))
    max_meetings: Mapped[int | None] = mapped_column(Integer)  # overrides the side's cap
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    event = relationship("Event")
    organization = relationship("Organization", lazy="joined")
    unavailable = relationship(
        "Unavailability", back_populates="profile", cascade="all, delete-orphan"
    )

    @property
    def name(self):
        return self.organization.name

    @property
    def offer(self):
        return self.localized("offer")

    @property
    def need(self):
        return self.localized("need")

    @property
    def poc_themes(self):
        return self.localized("poc_themes")

    @property
    def side_label(self):
        return SIDES.get(self.side, self.side)

    @property
    def stage_label(self):
        return STARTUP_STAGES.get(self.stage, self.stage)

    @property
    def location(self):
        """The booth where this firm receives, or None for the shared tables."""
        if self.side == "firm" and self.receives_at_booth and self.booth_code:
            return self.booth_code
        return None

    def effective_cap(self, settings):
        if self.max_meetings is not None:
            return self.max_meetings
        return settings.cap_for(self.side) if settings is not None else None

    def contacts(self):
        """Users who act for this profile (as `services.participant_organization` decides):
        people whose exhibitor role at the event names the organization, and attendees
        of the organization with no exhibitor role for another one. They receive the
        meetup's mails."""
        return contacts_of([self])[self.id]

    def __repr__(self):
        return f"<MeetingProfile {self.side} org={self.organization_id}>"


def contacts_of(profiles):
    """{profile id: `MeetingProfile.contacts()`} of all `profiles`, one query per event:
    a page listing many companies' contacts (the organizers' agendas) read them one
    company at a time."""
    from eventapp.accounts.models import User
    from eventapp.events.models import EXHIBITOR_ROLES, EventRole

    found = {profile.id: [] for profile in profiles}
    by_event = {}
    for profile in profiles:
        by_event.setdefault(profile.event_id, []).append(profile)
    for event_id, group in by_event.items():
        organizations = {p.organization_id for p in group}
        roles = select(EventRole.user_id).where(EventRole.event_id == event_id)
        exhibitor_roles = roles.where(
            EventRole.role.in_(EXHIBITOR_ROLES), EventRole.organization_id.is_not(None)
        )
        acting = union(
            select(EventRole.organization_id.label("organization_id"), EventRole.user_id).where(
                EventRole.event_id == event_id,
                EventRole.role.in_(EXHIBITOR_ROLES),
                EventRole.organization_id.in_(organizations),
            ),
            select(User.organization_id, User.id).where(
                User.organization_id.in_(organizations),
                User.id.in_(roles.where(EventRole.role == "attendee")),
                User.id.not_in(exhibitor_roles),
            ),
        ).subquery()
        users = {}
        for organization_id, user in db.session.execute(
            select(acting.c.organization_id, User)
            .join(User, User.id == acting.c.user_id)
            .where(User.active.is_(True))
            .order_by(User.id)
        ):
            users.setdefault(organization_id, []).append(user)
        for profile in group:
            found[profile.id] = list(users.get(profile.organization_id, []))
    return found


class Unavailability(db.Model):
    """A slot a participant cannot attend."""

    __tablename__ = "meeting_unavailabilities"

    profile_id: Mapped[int] = mapped_column(
        ForeignKey("meeting_profiles.id", ondelete="CASCADE"), primary_key=True
    )
    slot_id: Mapped[int] = mapped_column(
        ForeignKey("meeting_slots.id", ondelete="CASCADE"), primary_key=True, index=True
    )

    profile = relationship("MeetingProfile", back_populates="unavailable")
    slot = relationship("MeetingSlot")


class MeetingRequest(db.Model):
    """A proposal to meet, between one startup profile and one firm profile.

    Either side may send it (`requester_side`); the other side accepts or declines.
    `weight` (for the scheduler) is MUTUAL_WEIGHT when both sides asked for the meeting:
    if side B requests a pair that side A already requested, A's request is accepted at
    once and marked `mutual`, and B's message is kept as `receiver_message` (`message`
    stays A's). Otherwise it is ONE_SIDED_WEIGHT.
    At most one open request (requested/accepted) exists per pair.
    """

    __tablename__ = "meeting_requests"
    __table_args__ = (
        Index(
            "uq_meeting_requests_open_pair",
            "startup_id",
            "firm_id",
            unique=True,
            sqlite_where=text("status IN ('requested', 'accepted')"),
            postgresql_where=text("status IN ('requested', 'accepted')"),
        ),
        CheckConstraint("requester_side IN ('startup', 'firm')", name="requester_side"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    startup_id: Mapped[int] = mapped_column(
        ForeignKey("meeting_profiles.id", ondelete="CASCADE"), index=True
    )
    firm_id: Mapped[int] = mapped_column(
        ForeignKey("meeting_profiles.id", ondelete="CASCADE"), index=True
    )
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    requester_side: Mapped[str] = mapped_column(String(10))
    message: Mapped[str] = mapped_column(Text, default="")
    receiver_message: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(12), default="requested", index=True)
    decline_reason: Mapped[str] = mapped_column(Text, default="")
    mutual: Mapped[bool] = mapped_column(Boolean, default=False)
    weight: Mapped[int] = mapped_column(Integer, default=ONE_SIDED_WEIGHT)
    responded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    responded_at: Mapped[object | None] = mapped_column(UTCDateTime)
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    event = relationship("Event")
    startup = relationship("MeetingProfile", foreign_keys=[startup_id])
    firm = relationship("MeetingProfile", foreign_keys=[firm_id])
    requested_by = relationship("User", foreign_keys=[requested_by_id])
    responded_by = relationship("User", foreign_keys=[responded_by_id])
    meeting = relationship("Meeting", back_populates="request", uselist=False)

    @property
    def status_label(self):
        return REQUEST_STATUSES.get(self.status, self.status)

    @property
    def requester(self):
        return self.startup if self.requester_side == "startup" else self.firm

    @property
    def receiver(self):
        return self.firm if self.requester_side == "startup" else self.startup

    def side_of(self, profile):
        if profile is None:
            return None
        if profile.id == self.startup_id:
            return "startup"
        if profile.id == self.firm_id:
            return "firm"
        return None

    def other(self, profile):
        return self.firm if profile.id == self.startup_id else self.startup

    def __repr__(self):
        return f"<MeetingRequest {self.id} {self.status}>"


class Meeting(db.Model):
    """A scheduled meeting of an accepted request: one slot, a table or the firm's booth.

    Exactly one of `table_id` / `booth_code` is set while the meeting is active.
    `sequence` is raised on every move and on cancellation; `uid` never changes.
    """

    __tablename__ = "meetings"
    __table_args__ = (
        Index(
            "uq_meetings_active_slot_table",
            "slot_id",
            "table_id",
            unique=True,
            sqlite_where=text("status != 'cancelled' AND table_id IS NOT NULL"),
            postgresql_where=text("status != 'cancelled' AND table_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("meeting_requests.id", ondelete="CASCADE"), unique=True
    )
    slot_id: Mapped[int] = mapped_column(
        ForeignKey("meeting_slots.id", ondelete="RESTRICT"), index=True
    )
    table_id: Mapped[int | None] = mapped_column(
        ForeignKey("meeting_tables.id", ondelete="RESTRICT"), index=True
    )
    booth_code: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(12), default="scheduled", index=True)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    uid: Mapped[str] = mapped_column(String(100), unique=True, default=lambda: new_uid())
    # The ORGANIZER address of the first invitation, kept for the updates and the
    # cancellation: calendars match those to the invitation by UID and organizer, and
    # the event's contact address may change in between.
    organizer_email: Mapped[str | None] = mapped_column(String(254))
    # How it got its slot: "booking" (a participant), "planner" (the scheduler run),
    # "organizer" (moved/placed by hand), "demo".
    scheduled_via: Mapped[str] = mapped_column(String(12), default="booking")
    scheduled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reminded_at: Mapped[object | None] = mapped_column(UTCDateTime)
    # With status "no_show": which side stayed away (a key of NO_SHOW_SIDES) or None.
    no_show_side: Mapped[str | None] = mapped_column(String(10))
    cancelled_at: Mapped[object | None] = mapped_column(UTCDateTime)
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    # Follow-up notes, each side writes its own.
    startup_notes: Mapped[str] = mapped_column(Text, default="")
    firm_notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    event = relationship("Event")
    request = relationship("MeetingRequest", back_populates="meeting", lazy="joined")
    slot = relationship("MeetingSlot", lazy="joined")
    table = relationship("MeetingTable", lazy="joined")
    seats = relationship("MeetingSeat", back_populates="meeting", cascade="all, delete-orphan")

    @property
    def startup(self):
        return self.request.startup

    @property
    def firm(self):
        return self.request.firm

    @property
    def starts_at(self):
        return self.slot.starts_at

    @property
    def ends_at(self):
        return self.slot.ends_at

    @property
    def is_active(self):
        return self.status in ACTIVE_MEETING_STATUSES

    @property
    def status_label(self):
        return MEETING_STATUSES.get(self.status, self.status)

    @property
    def no_show_label(self):
        if self.status != "no_show" or not self.no_show_side:
            return None
        return NO_SHOW_SIDES.get(self.no_show_side, self.no_show_side)

    @property
    def location_label(self):
        """ "T07 (Hall 1 meeting zone)" or "Booth A-012"; plain text for invites and PDFs."""
        if self.table is not None:
            place = self.table.place()
            return f"{self.table.code} ({place})" if place else self.table.code
        if self.booth_code:
            return str(_l("Booth %(code)s", code=self.booth_code))
        return ""

    def __repr__(self):
        return f"<Meeting {self.id} {self.status} slot={self.slot_id}>"


def new_uid():
    return f"meeting-{uuid.uuid4().hex}@kicxup.eventapp"


class MeetingSeat(db.Model):
    """One resource an active meeting occupies in its slot: a participant or a table.

    UNIQUE (slot_id, profile_id) and UNIQUE (slot_id, table_id) make double booking
    impossible at the database level (NULLs never collide, so a row is either a person
    seat or a table seat). Rows exist only for active meetings.
    """

    __tablename__ = "meeting_seats"
    __table_args__ = (
        UniqueConstraint("slot_id", "profile_id", name="uq_meeting_seats_slot_profile"),
        UniqueConstraint("slot_id", "table_id", name="uq_meeting_seats_slot_table"),
        CheckConstraint("(profile_id IS NULL) != (table_id IS NULL)", name="one_resource"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    slot_id: Mapped[int] = mapped_column(ForeignKey("meeting_slots.id", ondelete="CASCADE"))
    profile_id: Mapped[int | None] = mapped_column(
        ForeignKey("meeting_profiles.id", ondelete="CASCADE"), index=True
    )
    table_id: Mapped[int | None] = mapped_column(
        ForeignKey("meeting_tables.id", ondelete="CASCADE"), index=True
    )

    meeting = relationship("Meeting", back_populates="seats")


class MeetingTimeProposal(db.Model):
    """One side of a scheduled meeting asks the other to move it to `slot`.

    The meeting keeps its time until the other side accepts (the meeting moves) or
    declines. At most one proposal of a meeting is "open": a newer one replaces it.
    An open proposal whose slot, or whose meeting, has started can no longer be
    accepted (see `is_open`); it is closed when somebody acts on it next. Statuses:
    open, accepted, declined, withdrawn (by the proposing side), replaced (by a newer
    proposal), taken (the slot was no longer free for both when accepted), closed (the
    meeting was cancelled or moved by the organizer, the settings removed the slot or
    a side marked it unavailable, or the time had started).
    """

    __tablename__ = "meeting_time_proposals"
    __table_args__ = (
        Index(
            "uq_meeting_time_proposals_open",
            "meeting_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
        CheckConstraint("proposer_side IN ('startup', 'firm')", name="proposer_side"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    slot_id: Mapped[int] = mapped_column(
        ForeignKey("meeting_slots.id", ondelete="CASCADE"), index=True
    )
    proposer_side: Mapped[str] = mapped_column(String(10))
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    message: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(12), default="open")
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    answered_at: Mapped[object | None] = mapped_column(UTCDateTime)
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)

    meeting = relationship("Meeting", lazy="joined")
    slot = relationship("MeetingSlot", lazy="joined")

    @property
    def proposer(self):
        request = self.meeting.request
        return request.startup if self.proposer_side == "startup" else request.firm

    @property
    def receiver(self):
        request = self.meeting.request
        return request.firm if self.proposer_side == "startup" else request.startup

    def is_open(self, now):
        """Still to be answered: open, its meeting still scheduled (an organizer may
        record attendance early), and neither its slot nor its meeting started."""
        return (
            self.status == "open"
            and self.meeting.status == "scheduled"
            and self.slot.starts_at > now
            and self.meeting.starts_at > now
        )

    def __repr__(self):
        return f"<MeetingTimeProposal {self.id} {self.status}>"


PLAN_STATUSES = {
    "preview": _l("preview"),
    "applied": _l("applied"),
    "stale": _l("out of date"),
}


class MeetingPlan(db.Model):
    """A scheduler run waiting for the organizer's decision (preview, then apply).

    `fingerprint` digests the data the problem was built from; applying refuses when the
    database no longer gives the same fingerprint (stale plan).
    """

    __tablename__ = "meeting_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    fingerprint: Mapped[str] = mapped_column(String(64))
    problem: Mapped[dict] = mapped_column(JSON)
    solution: Mapped[dict] = mapped_column(JSON)  # {"meetings": [...], "left_out": {...}}
    summary: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(12), default="preview")  # preview/applied/stale
    applied_at: Mapped[object | None] = mapped_column(UTCDateTime)

    event = relationship("Event")

    @property
    def status_label(self):
        return PLAN_STATUSES.get(self.status, self.status)


class ColleagueInvitation(db.Model):
    """A colleague link sent for a company an attendee named (see
    services.invite_colleague): the card of the company's colleagues lists those still
    waiting. The link itself is signed and checked on its own; this row is the record.

    One row per event, company and person: inviting again sends a new link, so the row
    tells the newest (`created_at`, `expires_at`). `accepted_at` is set when the person
    joins through any link of theirs."""

    __tablename__ = "colleague_invitations"
    __table_args__ = (UniqueConstraint("event_id", "organization_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[object] = mapped_column(UTCDateTime)
    accepted_at: Mapped[object | None] = mapped_column(UTCDateTime, nullable=True)

    user = relationship("User", foreign_keys=[user_id])
    invited_by = relationship("User", foreign_keys=[invited_by_id])
