"""Companies: which one a name typed by a person already means."""

from sqlalchemy import select

from eventapp.accounts.models import User
from eventapp.events.models import EventRole
from eventapp.extensions import db
from eventapp.organizations.models import Organization


def attendee_company_named(event, names):
    """The company that an attendee of `event` takes part for (named by them when
    they signed up alone) whose Korean or English name is one of `names`, compared
    as exhibitors' names are (whatever the case and the spaces); None if there is
    none. The earliest named wins."""
    from eventapp.exhibitors.services import company_name_key

    keys = {company_name_key(name) for name in names if name and name.strip()}
    if not keys:
        return None
    rows = db.session.execute(
        select(Organization.id, Organization.name_ko, Organization.name_en)
        .join(User, User.organization_id == Organization.id)
        .join(EventRole, EventRole.user_id == User.id)
        .where(EventRole.event_id == event.id, EventRole.role == "attendee")
        .distinct()
        .order_by(Organization.id)
    )
    for organization_id, name_ko, name_en in rows:
        if keys & {company_name_key(name) for name in (name_ko, name_en) if name}:
            return db.session.get(Organization, organization_id)
    return None
