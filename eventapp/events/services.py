"""Creating events and granting people their part in them."""

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from eventapp.core import audit
from eventapp.events.models import EXHIBITOR_ROLES, ROLES, Event, EventRole, Hall
from eventapp.extensions import db


class EventError(Exception):
    pass


def create_event(**fields):
    halls = fields.pop("halls", ())
    event = Event(**fields)
    db.session.add(event)
    for hall in halls:
        event.halls.append(Hall(**hall))
    audit.record("event.created", event, event=event, data={"slug": event.slug})
    return event


def grant_role(event, user, role, organization=None):
    """Give `user` a role at `event` (idempotent)."""
    if role not in ROLES:
        raise EventError(f"unknown role {role!r}")
    if role in EXHIBITOR_ROLES and organization is None:
        raise EventError("exhibitor roles need an organization")
    existing = db.session.scalar(
        select(EventRole).where(
            EventRole.event_id == event.id, EventRole.user_id == user.id, EventRole.role == role
        )
    )
    if existing is not None:
        return existing
    granted = EventRole(event=event, user=user, role=role, organization=organization)
    db.session.add(granted)
    audit.record(
        "role.granted",
        granted,
        event=event,
        data={"user": user.id, "role": role, "organization": getattr(organization, "id", None)},
    )
    return granted


def register_attendee(event, user):
    event_id, user_id = event.id, user.id
    try:
        role = grant_role(event, user, "attendee", organization=user.organization)
        db.session.commit()
    except IntegrityError:
        # A second click raced the first, which registered the person: done all the same.
        db.session.rollback()
        role = db.session.scalar(
            select(EventRole).where(
                EventRole.event_id == event_id,
                EventRole.user_id == user_id,
                EventRole.role == "attendee",
            )
        )
        if role is None:
            raise
    return role


def role_counts(event):
    rows = db.session.execute(
        select(EventRole.role, func.count())
        .where(EventRole.event_id == event.id)
        .group_by(EventRole.role)
    )
    return dict(rows.all())
