from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventapp.core.db import UTCDateTime, utcnow
from eventapp.core.i18n import lazy_gettext as _l
from eventapp.extensions import db

INVITATION_STATUSES = {
    "pending": _l("waiting for an answer"),
    "accepted": _l("accepted"),
    "declined": _l("declined"),
    "withdrawn": _l("withdrawn"),
}


class TeamInvitation(db.Model):
    """A company admin's offer to an existing account to join the company's team.

    An account belongs to its owner: it joins a team (and so acts for the company,
    is linked to it and gets its badge) only once its owner accepts. One row per
    company and person: inviting again reuses it, so there is never a second
    pending invitation; the audit log keeps the earlier answers.

    A pending invitation is open until `expires_at` (TEAM_INVITATION_DAYS after it
    was sent, stored so that the date the mail gave stays true when the setting
    changes); after that its owner can no longer answer it, and the company's admin
    may invite them again, which restarts the clock."""

    __tablename__ = "team_invitations"
    __table_args__ = (UniqueConstraint("exhibitor_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    exhibitor_id: Mapped[int] = mapped_column(ForeignKey("exhibitors.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="pending")
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    answered_at: Mapped[object | None] = mapped_column(UTCDateTime, nullable=True)
    expires_at: Mapped[object] = mapped_column(UTCDateTime)

    event = relationship("Event")
    exhibitor = relationship("Exhibitor")
    user = relationship("User", foreign_keys=[user_id])
    invited_by = relationship("User", foreign_keys=[invited_by_id])

    @property
    def expired(self):
        """Pending, but past its time: no longer answerable."""
        return self.status == "pending" and self.expires_at <= utcnow()

    @property
    def status_label(self):
        if self.expired:
            return _l("expired")
        return INVITATION_STATUSES.get(self.status, self.status)

    def __repr__(self):
        return f"<TeamInvitation {self.id} {self.status}>"
