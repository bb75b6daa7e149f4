"""Who may do what: role checks used by every view.

Views name the roles they admit; organizers of an event pass every check of
that event, and platform administrators pass everything.
"""

from functools import wraps

from flask import abort, g
from flask_login import current_user
from sqlalchemy import select

from eventapp.events.models import EXHIBITOR_ROLES, Event, EventRole
from eventapp.extensions import db, login_manager


def roles_of(user, event):
    if not user or not user.is_authenticated:
        return set()
    return set(
        db.session.scalars(
            select(EventRole.role).where(
                EventRole.user_id == user.id, EventRole.event_id == event.id
            )
        )
    )


def has_role(user, event, *roles):
    if not user or not user.is_authenticated:
        return False
    if user.is_admin:
        return True
    mine = roles_of(user, event)
    return "organizer" in mine or bool(mine & set(roles))


def is_organizer(user, event):
    return has_role(user, event)


def company_of(user, event):
    """The organization the user represents as exhibitor at the event, if any."""
    if not user or not user.is_authenticated:
        return None
    role = db.session.scalar(
        select(EventRole)
        .where(EventRole.user_id == user.id, EventRole.event_id == event.id)
        .where(EventRole.role.in_(EXHIBITOR_ROLES))
        .order_by(EventRole.role)
    )
    return role.organization if role else None


def load_event(slug):
    event = db.session.scalar(select(Event).where(Event.slug == slug))
    if event is None:
        abort(404)
    g.event = event
    return event


# Row ids are 32-bit integer columns: PostgreSQL answers a larger number with an
# error (SQLite one beyond 64 bits) instead of finding nothing.
MAX_ID = 2**31 - 1


def parse_id(value):
    """`value` (an int, or digits from a URL, a form or a JSON body) as a row id, or
    None when it cannot name a row. `isdigit()` alone admits "²", which int() refuses."""
    if isinstance(value, str):
        digits = value.isascii() and value.isdigit() and len(value) <= 10
        value = int(value) if digits else None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_ID:
        return None
    return value


def event_object_or_404(model, object_id, event):
    """The `model` row `object_id` if it belongs to `event`: ids in a URL must
    not reach another event's data. An id that is no row id (from a form or a
    JSON body) is not found either."""
    object_id = parse_id(object_id)
    if object_id is None:
        abort(404)
    item = db.session.get(model, object_id)
    if item is None or item.event_id != event.id:
        abort(404)
    return item


def event_view(*roles, public=False):
    """Decorate a view taking `slug`: loads the event into `g.event` and
    passes it as `event`; unless `public`, requires login and one of `roles`."""

    def decorator(view):
        @wraps(view)
        def wrapper(slug, *args, **kwargs):
            event = load_event(slug)
            if not public:
                if not current_user.is_authenticated:
                    return login_manager.unauthorized()
                if not has_role(current_user, event, *roles):
                    abort(403)
            return view(event, *args, **kwargs)

        return wrapper

    return decorator


def organizer_view(view):
    return event_view()(view)


def require_same_company(user, event, organization_id):
    """Exhibitors act only for their own company; organizers for anyone."""
    if is_organizer(user, event):
        return
    company = company_of(user, event)
    if company is None or company.id != organization_id:
        abort(403)
