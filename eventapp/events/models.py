from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventapp.core.db import UTCDateTime, utcnow
from eventapp.core.i18n import LocalizedMixin
from eventapp.core.i18n import lazy_gettext as _l
from eventapp.extensions import db

ROLES = {
    "organizer": _l("organizer"),
    "exhibitor_admin": _l("exhibitor (company admin)"),
    "exhibitor_staff": _l("exhibitor (company staff)"),
    "attendee": _l("attendee"),
    "staff": _l("on-site staff"),
}
EXHIBITOR_ROLES = frozenset({"exhibitor_admin", "exhibitor_staff"})


def fair_over(ends_on, timezone):
    """The moment a fair whose last day is `ends_on` ends, in its time zone `timezone`
    (also for days and a zone not saved yet, when a change of them is checked)."""
    return datetime.combine(ends_on + timedelta(days=1), time(0), tzinfo=ZoneInfo(timezone))


class Event(LocalizedMixin, db.Model):
    """One edition of KICXUP at one site; everything else hangs off an event."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name_ko: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    fair_name_ko: Mapped[str] = mapped_column(String(200), default="")
    fair_name_en: Mapped[str] = mapped_column(String(200), default="")
    venue_ko: Mapped[str] = mapped_column(String(200), default="")
    venue_en: Mapped[str] = mapped_column(String(200), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    description_ko: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    # Opening hours of each fair day, local time.
    opens_at: Mapped[time] = mapped_column(default=time(10, 0))
    closes_at: Mapped[time] = mapped_column(default=time(17, 0))
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Seoul")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)

    halls = relationship(
        "Hall", back_populates="event", order_by="Hall.code", cascade="all, delete-orphan"
    )
    roles = relationship("EventRole", back_populates="event", cascade="all, delete-orphan")

    @property
    def name(self):
        return self.localized("name")

    @property
    def fair_name(self):
        return self.localized("fair_name")

    @property
    def venue(self):
        return self.localized("venue")

    @property
    def description(self):
        return self.localized("description")

    @property
    def tz(self):
        return ZoneInfo(self.timezone)

    @property
    def days(self):
        count = (self.ends_on - self.starts_on).days + 1
        return [self.starts_on + timedelta(days=i) for i in range(count)]

    def day_asked(self, raw, days=None):
        """The day `raw` (ISO) names if it is one of `days` (the fair's by default);
        else today's if today is one of them; else the first of them."""
        days = self.days if days is None else days
        try:
            day = date.fromisoformat(raw or "")
        except ValueError:
            day = None
        if day in days:
            return day
        today = utcnow().astimezone(self.tz).date()
        return today if today in days else (days[0] if days else self.starts_on)

    @property
    def over_at(self):
        """The moment the fair's last day ends, in its time zone."""
        return fair_over(self.ends_on, self.timezone)

    @property
    def is_over(self):
        """Whether the fair's last day has ended (in its own time zone): nobody
        registers for it any more."""
        return utcnow() >= self.over_at

    def local_datetime(self, day, clock):
        """An aware datetime for a wall-clock time on a fair day."""
        return datetime.combine(day, clock, tzinfo=self.tz)

    def to_local(self, moment):
        return moment.astimezone(self.tz)

    def __repr__(self):
        return f"<Event {self.slug}>"


class Hall(LocalizedMixin, db.Model):
    __tablename__ = "halls"
    __table_args__ = (UniqueConstraint("event_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(16))
    name_ko: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    # Outline on the site plan, in metres; booths are drawn inside it.
    x: Mapped[int] = mapped_column(Integer, default=0)
    y: Mapped[int] = mapped_column(Integer, default=0)
    width: Mapped[int] = mapped_column(Integer, default=0)
    height: Mapped[int] = mapped_column(Integer, default=0)

    event = relationship("Event", back_populates="halls")

    @property
    def name(self):
        return self.localized("name")


class EventRole(db.Model):
    """A person's part in one event. Exhibitor roles name their company."""

    __tablename__ = "event_roles"
    __table_args__ = (UniqueConstraint("event_id", "user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)

    event = relationship("Event", back_populates="roles")
    user = relationship("User", back_populates="event_roles")
    organization = relationship("Organization")

    @property
    def label(self):
        return ROLES.get(self.role, self.role)
