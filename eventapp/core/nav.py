"""The event menu: each domain adds its own entries from its views module,
so the base layout never needs editing when a domain grows a page."""

from dataclasses import dataclass

from flask import url_for
from flask_login import current_user

from eventapp.core.permissions import has_role


@dataclass(frozen=True)
class NavItem:
    label: object  # a lazy string, translated when shown
    endpoint: str
    roles: tuple = ()
    public: bool = False
    order: int = 50


_ITEMS: list[NavItem] = []


def add_nav_item(label, endpoint, *roles, public=False, order=50):
    item = NavItem(label, endpoint, tuple(roles), public, order)
    if item not in _ITEMS:
        _ITEMS.append(item)


def event_nav_items(event):
    shown = []
    for item in sorted(_ITEMS, key=lambda i: i.order):
        if item.public or (item.roles and has_role(current_user, event, *item.roles)):
            shown.append({"label": item.label, "url": url_for(item.endpoint, slug=event.slug)})
    return shown


# Templates that domains add to the organizer overview (each gets `event`).
OVERVIEW_PANELS: list[str] = []


def add_overview_panel(template):
    if template not in OVERVIEW_PANELS:
        OVERVIEW_PANELS.append(template)
