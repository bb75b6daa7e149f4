"""Demo data of the booth domain: open the picking window so that the demo
exhibitor (an approved AI startup without booths) can pick right away."""

from datetime import timedelta

from eventapp.booths.services import settings_for
from eventapp.core.db import utcnow


def seed(event, rng):
    settings = settings_for(event)
    now = utcnow().replace(minute=0, second=0, microsecond=0)
    settings.priority_opens_at = now - timedelta(days=2)
    settings.picking_opens_at = now - timedelta(days=1)
    settings.picking_closes_at = now + timedelta(days=30)
    # Picking closes by the end of the fair (an organizer could not save a window
    # reaching past it), unless the fair is already over: a demo of the fair of 2025
    # loaded today still lets its exhibitor pick.
    if now < event.over_at:
        settings.picking_closes_at = min(settings.picking_closes_at, event.over_at)
    settings.hold_minutes = 10
    settings.assigner_time_limit = 20
