"""The secret behind a person's private calendar feed of one event.

A feed URL carries a token signed with the application's SECRET_KEY that names the
feed row and its current random `secret`. Rotating the feed draws a new secret (and
raises `version`), so every URL handed out before stops working at once, in every
worker: the check always reads the row.
"""

import secrets

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventapp.core.db import UTCDateTime, utcnow
from eventapp.extensions import db


def new_feed_secret():
    return secrets.token_urlsafe(24)


class CalendarFeed(db.Model):
    __tablename__ = "calendar_feeds"
    __table_args__ = (UniqueConstraint("user_id", "event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    secret: Mapped[str] = mapped_column(String(64), default=new_feed_secret)
    # 1 for the first URL, raised on every rotation.
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    rotated_at: Mapped[object | None] = mapped_column(UTCDateTime)

    user = relationship("User")
    event = relationship("Event")

    def __repr__(self):
        return f"<CalendarFeed user={self.user_id} event={self.event_id} v{self.version}>"
