from dataclasses import dataclass

from sqlalchemy import Boolean, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventapp.core.db import UTCDateTime, utcnow
from eventapp.core.i18n import LocalizedMixin
from eventapp.extensions import db


@dataclass(frozen=True)
class Category(LocalizedMixin):
    """A badge category: the colour band and the label printed on it.

    Both labels are printed on every badge, so they are data (ko/en), not
    messages of the interface.
    """

    key: str
    colour: str  # band colour, #rrggbb
    text_colour: str  # label colour on the band
    label_ko: str
    label_en: str
    order: int

    @property
    def label(self):
        return self.localized("label")


# The longest reason kept for revoking a badge (badge page and `flask badges revoke`).
REVOKE_REASON_MAX = 200

CATEGORIES = {
    c.key: c
    for c in (
        Category("organizer", "#202124", "#ffffff", "주최 측", "Organizer", 1),
        Category("staff", "#00796b", "#ffffff", "현장 스태프", "Staff", 2),
        Category("vip", "#b8860b", "#000000", "VIP", "VIP", 3),
        Category("press", "#c62828", "#ffffff", "프레스", "Press", 4),
        Category("exhibitor", "#1a56c4", "#ffffff", "참가기업", "Exhibitor", 5),
        Category("startup", "#2e7d32", "#ffffff", "스타트업", "Startup", 6),
        Category("large_firm", "#6a1b9a", "#ffffff", "대·중견기업", "Large / mid-size firm", 7),
        Category("buyer", "#ef6c00", "#000000", "바이어·투자자", "Buyer / investor", 8),
        Category("visitor", "#757575", "#ffffff", "참관객", "Visitor", 9),
    )
}


class EventKey(db.Model):
    """The Ed25519 key pair that signs an event's badge codes.

    Made on first use (services.event_key); the public half goes to scanners.
    """

    __tablename__ = "badge_event_keys"

    event_id: Mapped[int] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    private_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)

    event = relationship("Event")


class Badge(LocalizedMixin, db.Model):
    """A person's badge at one event.

    `issue` counts printings: reissuing a badge increments it, and a code of a
    lower issue no longer admits anybody (BadgeIssueEnd keeps since when). The
    name, company, country and booth are a snapshot taken when the badge was
    issued (refreshed by issue_badge), so a printed badge and its record agree.
    """

    __tablename__ = "badges"
    __table_args__ = (
        UniqueConstraint("event_id", "user_id"),
        Index("ix_badges_event_category", "event_id", "category"),
        Index("ix_badges_event_organization", "event_id", "organization_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    category: Mapped[str] = mapped_column(String(20))
    # Set by hand (kept), or following the person's roles (refreshed).
    category_manual: Mapped[bool] = mapped_column(Boolean, default=False)
    issue: Mapped[int] = mapped_column(Integer, default=1)
    revoked_at: Mapped[object | None] = mapped_column(UTCDateTime)
    name_ko: Mapped[str] = mapped_column(String(100), default="")
    name_en: Mapped[str] = mapped_column(String(100), default="")
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="SET NULL")
    )
    organization_ko: Mapped[str] = mapped_column(String(200), default="")
    organization_en: Mapped[str] = mapped_column(String(200), default="")
    country: Mapped[str] = mapped_column(String(2), default="")
    job_title: Mapped[str] = mapped_column(String(100), default="")
    # Booth codes of an exhibitor's company, e.g. "A-012, A-013".
    booth: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    event = relationship("Event")
    user = relationship("User")
    organization = relationship("Organization")

    @property
    def category_info(self):
        return CATEGORIES.get(self.category, CATEGORIES["visitor"])

    @property
    def name(self):
        return self.localized("name")

    @property
    def organization_name(self):
        return self.localized("organization")

    @property
    def number(self):
        """The number printed under the badge's QR code: its id, six digits, and the
        issue ("000123-2"); services.badge_number_id reads it back."""
        return f"{self.id:06d}-{self.issue}"

    @property
    def is_revoked(self):
        return self.revoked_at is not None

    def __repr__(self):
        return f"<Badge {self.id} event={self.event_id} user={self.user_id} issue={self.issue}>"


class BadgeIssueEnd(db.Model):
    """When an earlier issue of a badge stopped admitting: its revocation, or else
    the reprint that replaced it. A scanner that was offline may upload a scan of
    that issue's code made before then, which admitted its holder."""

    __tablename__ = "badge_issue_ends"

    badge_id: Mapped[int] = mapped_column(
        ForeignKey("badges.id", ondelete="CASCADE"), primary_key=True
    )
    issue: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    ended_at: Mapped[object] = mapped_column(UTCDateTime)


class BadgeCategoryEnd(db.Model):
    """A category a badge had until `ended_at`. A scanner that was offline judged its
    scans by the categories of its last sync: its upload, after the badge's category
    changed, is judged by the category the badge had at the scan's time."""

    __tablename__ = "badge_category_ends"

    id: Mapped[int] = mapped_column(primary_key=True)
    badge_id: Mapped[int] = mapped_column(ForeignKey("badges.id", ondelete="CASCADE"))
    category: Mapped[str] = mapped_column(String(20))
    ended_at: Mapped[object] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_badge_category_ends_badge", "badge_id", "ended_at"),)
