"""The audit log: who changed what, when, on which object.

Service functions call `record()` inside the transaction that makes the change,
so the entry is committed (or rolled back) together with it.
"""

from flask import has_request_context
from flask_login import current_user
from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventapp.core.db import UTCDateTime, utcnow
from eventapp.extensions import db


class AuditEntry(db.Model):
    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow, index=True)
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str] = mapped_column(String(64))
    object_id: Mapped[str | None] = mapped_column(String(64))
    data: Mapped[dict] = mapped_column(JSON, default=dict)

    user = relationship("User")

    def __repr__(self):
        return f"<AuditEntry {self.action} {self.object_type}:{self.object_id}>"


def acting_user_id():
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user.id
    return None


def record(action, obj=None, *, event=None, data=None, user=None, object_type=None, object_id=None):
    """Add an audit entry to the current session (committed with the change)."""
    if obj is not None and getattr(obj, "id", 0) is None:
        db.session.flush()  # the entry needs the new object's id
    if obj is not None:
        object_type = object_type or obj.__class__.__name__
        object_id = object_id if object_id is not None else getattr(obj, "id", None)
    if event is None and obj is not None:
        event = getattr(obj, "event", None)
    entry = AuditEntry(
        action=action,
        object_type=object_type or "-",
        object_id=None if object_id is None else str(object_id),
        event_id=getattr(event, "id", event),
        user_id=getattr(user, "id", user) if user is not None else acting_user_id(),
        data=data or {},
    )
    db.session.add(entry)
    return entry
