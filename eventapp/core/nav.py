"""The event menu: each domain adds its own entries from its views module,
so the base layout never needs editing when a domain grows a page."""

from dataclasses import dataclass

from flask import url_for
from flask_login import current_user

from eventapp.core.permissions import roles_of


@dataclass(frozen=True)
class NavItem:
    label: object  # a lazy string, translated when shown
    endpoint: str
    roles: tuple = ()
    public: bool = False
    order: int = 50
    also: object = None  # also(event) true: shown to this person without the roles
    # Offers to take part (register, exhibit): pointless, and misleading, once the
    # fair is over.
    until_over: bool = False


_ITEMS: list[NavItem] = []


def add_nav_item(label, endpoint, *roles, public=False, order=50, also=None, until_over=False):
    item = NavItem(label, endpoint, tuple(roles), public, order, also, until_over)
    if item not in _ITEMS:
        _ITEMS.append(item)


def event_nav_items(event):
    """Menu entries for the current user, split into their own pages and the
    organizer's tools. Unlike access checks, the menu takes roles literally:
    organizers may open an exhibitor's page, but it would only crowd their menu."""
    mine = roles_of(current_user, event)
    if getattr(current_user, "is_admin", False):
        mine = mine | {"organizer"}
    own, manage = [], []
    for item in sorted(_ITEMS, key=lambda i: i.order):
        if item.until_over and event.is_over:
            continue
        entry = {"label": item.label, "url": url_for(item.endpoint, slug=event.slug)}
        if item.roles == ("organizer",):
            if "organizer" in mine:
                manage.append(entry)
        elif item.public or mine & set(item.roles) or (item.also and item.also(event)):
            own.append(entry)
    return {"own": own, "manage": manage}


# Templates that domains add to the organizer overview (each gets `event`).
OVERVIEW_PANELS: list[str] = []


def add_overview_panel(template):
    if template not in OVERVIEW_PANELS:
        OVERVIEW_PANELS.append(template)


# Templates that domains add to the event's home page, where people land when
# they sign in (each gets `event`): things waiting for the person's answer.
HOME_PANELS: list[str] = []


def add_home_panel(template):
    if template not in HOME_PANELS:
        HOME_PANELS.append(template)
