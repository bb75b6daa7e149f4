from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventapp.core.db import UTCDateTime, utcnow
from eventapp.core.i18n import lazy_gettext as _l
from eventapp.extensions import db

EXHIBITOR_STATUSES = {
    "pending": _l("pending"),
    "approved": _l("approved"),
    "placed": _l("placed"),
    "confirmed": _l("confirmed"),
    "rejected": _l("rejected"),
    "withdrawn": _l("withdrawn"),
}

# The statuses in which a company exhibits: it has (or is getting) booths, and its
# staff capture leads.
EXHIBITING_STATUSES = ("approved", "placed", "confirmed")
# The statuses in which a company has left the event: its booths are given back
# and the badges printed for its team no longer admit.
RELEASING_STATUSES = frozenset({"rejected", "withdrawn"})

ALLOCATION_STATES = {
    "hold": _l("held"),
    "placed": _l("placed"),
    "confirmed": _l("confirmed"),
}


class Booth(db.Model):
    __tablename__ = "booths"
    __table_args__ = (UniqueConstraint("event_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(16))
    zone: Mapped[str] = mapped_column(String(20), index=True)
    # Rectangle on the hall plan, in metres.
    x: Mapped[float] = mapped_column(Float)
    y: Mapped[float] = mapped_column(Float)
    w: Mapped[float] = mapped_column(Float, default=3.0)
    h: Mapped[float] = mapped_column(Float, default=3.0)
    corner: Mapped[bool] = mapped_column(Boolean, default=False)
    tier: Mapped[str] = mapped_column(String(20), default="standard")
    blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    blocked_reason: Mapped[str] = mapped_column(String(200), default="")

    event = relationship("Event")
    hall = relationship("Hall")
    allocation = relationship("BoothAllocation", back_populates="booth", uselist=False)

    def __repr__(self):
        return f"<Booth {self.code}>"


class BoothAdjacency(db.Model):
    """Two booths sharing a wall, stored once with booth_id < neighbour_id."""

    __tablename__ = "booth_adjacencies"

    booth_id: Mapped[int] = mapped_column(
        ForeignKey("booths.id", ondelete="CASCADE"), primary_key=True
    )
    neighbour_id: Mapped[int] = mapped_column(
        ForeignKey("booths.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Exhibitor(db.Model):
    """An organization's registration as exhibitor at one event."""

    __tablename__ = "exhibitors"
    __table_args__ = (UniqueConstraint("event_id", "organization_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    booth_count: Mapped[int] = mapped_column(Integer, default=1)
    zones: Mapped[list] = mapped_column(JSON, default=list)
    wishes: Mapped[list] = mapped_column(JSON, default=list)
    wants_corner: Mapped[bool] = mapped_column(Boolean, default=False)
    # Tier 1 (sponsors) may pick before everybody else.
    priority_tier: Mapped[int] = mapped_column(Integer, default=0)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    status_reason: Mapped[str] = mapped_column(Text, default="")
    # When it last stopped exhibiting (withdrew, was turned away); None while it
    # exhibits. Lead scans made before, and uploaded after, still count.
    exhibiting_until: Mapped[object | None] = mapped_column(UTCDateTime, nullable=True)
    # Each time it did not exhibit after it had: [[start, end], ...] (core.periods).
    # A company may withdraw and be approved again; a lead scan made in between, and
    # uploaded later, does not count.
    stopped_periods: Mapped[list | None] = mapped_column(JSON)
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    event = relationship("Event")
    organization = relationship("Organization")
    allocations = relationship("BoothAllocation", back_populates="exhibitor")
    avoids = relationship(
        "Exhibitor",
        secondary="exhibitor_avoids",
        primaryjoin="Exhibitor.id == ExhibitorAvoid.exhibitor_id",
        secondaryjoin="Exhibitor.id == ExhibitorAvoid.avoided_id",
    )

    @property
    def status_label(self):
        return EXHIBITOR_STATUSES.get(self.status, self.status)

    def __repr__(self):
        return f"<Exhibitor {self.id} {self.status}>"


class ExhibitorAvoid(db.Model):
    """A competitor an exhibitor must not stand next to (symmetric in effect)."""

    __tablename__ = "exhibitor_avoids"

    exhibitor_id: Mapped[int] = mapped_column(
        ForeignKey("exhibitors.id", ondelete="CASCADE"), primary_key=True
    )
    avoided_id: Mapped[int] = mapped_column(
        ForeignKey("exhibitors.id", ondelete="CASCADE"), primary_key=True
    )


class BoothAllocation(db.Model):
    """A booth given to an exhibitor: held for minutes, placed, or confirmed.

    The unique booth_id is what makes double-booking impossible: of two
    concurrent transactions inserting a row for one booth, the database lets
    exactly one commit.
    """

    __tablename__ = "booth_allocations"

    id: Mapped[int] = mapped_column(primary_key=True)
    booth_id: Mapped[int] = mapped_column(ForeignKey("booths.id", ondelete="CASCADE"), unique=True)
    exhibitor_id: Mapped[int] = mapped_column(
        ForeignKey("exhibitors.id", ondelete="CASCADE"), index=True
    )
    state: Mapped[str] = mapped_column(String(20), default="hold")
    expires_at: Mapped[object | None] = mapped_column(UTCDateTime, index=True)
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)

    booth = relationship("Booth", back_populates="allocation")
    exhibitor = relationship("Exhibitor", back_populates="allocations")


class BoothSettings(db.Model):
    """Per-event picking rules."""

    __tablename__ = "booth_settings"

    event_id: Mapped[int] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    picking_opens_at: Mapped[object | None] = mapped_column(UTCDateTime)
    priority_opens_at: Mapped[object | None] = mapped_column(UTCDateTime)
    picking_closes_at: Mapped[object | None] = mapped_column(UTCDateTime)
    hold_minutes: Mapped[int] = mapped_column(Integer, default=10)
    # Seconds the "place the rest" page gives the assigner.
    assigner_time_limit: Mapped[int] = mapped_column(Integer, default=20)

    event = relationship("Event")


class BoothPlanProposal(db.Model):
    """A plan the assigner proposed for the exhibitors still without booths.

    Kept until the organizer applies it (or runs the assigner again), so the
    proposal page and the apply request see the same plan. `assignments` maps
    exhibitor ids (as strings) to booth codes; `left_out` lists the exhibitors
    the assigner could not place, each ``{"exhibitor": id, "reason": ..., "values":
    {...}}`` (planning.left_out_text() words it); proposals stored before reasons
    were kept list bare ids.
    """

    __tablename__ = "booth_plan_proposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    time_limit: Mapped[int] = mapped_column(Integer, default=20)
    solver_status: Mapped[str] = mapped_column(String(20), default="")
    score: Mapped[int] = mapped_column(Integer, default=0)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
    assignments: Mapped[dict] = mapped_column(JSON, default=dict)
    left_out: Mapped[list] = mapped_column(JSON, default=list)
    warnings: Mapped[list] = mapped_column(JSON, default=list)
    applied_at: Mapped[object | None] = mapped_column(UTCDateTime)

    event = relationship("Event")
    created_by = relationship("User")

    @property
    def left_out_ids(self):
        return [e["exhibitor"] if isinstance(e, dict) else e for e in self.left_out or ()]
