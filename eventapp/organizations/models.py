from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from eventapp.core.db import UTCDateTime, utcnow
from eventapp.core.i18n import LocalizedMixin
from eventapp.core.i18n import lazy_gettext as _l
from eventapp.extensions import db

ORGANIZATION_KINDS = {
    "startup": _l("startup"),
    "large_firm": _l("large firm"),
    "midsize_firm": _l("mid-size firm"),
    "university": _l("university"),
    "institute": _l("research institute"),
    "public_body": _l("public body"),
    "investor": _l("buyer / investor"),
}

# Firms are the technology demand side of the global meetup; the rest supply.
DEMAND_KINDS = frozenset({"large_firm", "midsize_firm"})

SECTORS = {
    "ai": _l("AI·digital"),
    "eco": _l("eco-friendly"),
    "bio": _l("bio-health"),
    "robotics": _l("robotics"),
    "battery": _l("secondary batteries"),
    "other": _l("other"),
}


class Organization(LocalizedMixin, db.Model):
    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name_ko: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), index=True)
    sector: Mapped[str] = mapped_column(String(20), index=True)
    country: Mapped[str] = mapped_column(String(2), default="KR")
    website: Mapped[str | None] = mapped_column(String(300))
    description_ko: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def name(self):
        return self.localized("name")

    @property
    def description(self):
        return self.localized("description")

    @property
    def kind_label(self):
        return ORGANIZATION_KINDS.get(self.kind, self.kind)

    @property
    def sector_label(self):
        return SECTORS.get(self.sector, self.sector)

    @property
    def is_demand_side(self):
        return self.kind in DEMAND_KINDS

    def __repr__(self):
        return f"<Organization {self.name_en}>"
