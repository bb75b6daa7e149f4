from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from eventapp.core.db import UTCDateTime, utcnow
from eventapp.extensions import db


class OutboxMessage(db.Model):
    """An e-mail waiting to be sent, stored whole as RFC 5322 bytes.

    Requests only add rows here; `flask outbox send` delivers them, so no page
    waits on SMTP and a crash between the two loses nothing.
    """

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("events.id", ondelete="SET NULL"), index=True
    )
    recipient: Mapped[str] = mapped_column(String(254), index=True)
    subject: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(40), default="notice", index=True)
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    # A sender claims a row until this moment, so two senders never send it twice.
    claimed_until: Mapped[object | None] = mapped_column(UTCDateTime)
    # Which sender holds the claim. A claim may expire while its sender is
    # still busy and be taken by another; the token lets the first one see
    # that the row is no longer its own, instead of sending or marking it.
    claim_token: Mapped[str | None] = mapped_column(String(32))
    # After a failed attempt the row waits until this moment (growing backoff).
    next_attempt_at: Mapped[object | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[object | None] = mapped_column(UTCDateTime)
