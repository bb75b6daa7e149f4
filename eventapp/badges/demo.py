"""Demo badges: everybody with a role at the demo event gets one."""

from sqlalchemy import select

from eventapp.badges import services
from eventapp.badges.models import Badge
from eventapp.extensions import db


def _sample(rng, event, category, count):
    ids = db.session.scalars(
        select(Badge)
        .where(Badge.event_id == event.id, Badge.category == category)
        .order_by(Badge.id)
    ).all()
    return rng.sample(ids, min(count, len(ids)))


def seed(event, rng):
    """Issue every badge in one bulk insert (the event key made once), then give
    the list some variety: VIP and press badges, a few reissued, two revoked."""
    services.sync_badges(event)
    db.session.flush()
    for badge in _sample(rng, event, "large_firm", 4):
        services.set_category(badge, "vip")
    for badge in _sample(rng, event, "visitor", 3):
        services.set_category(badge, "press")
    for badge in _sample(rng, event, "startup", 5):
        services.reissue_badge(badge)
    for badge in _sample(rng, event, "visitor", 2):
        services.revoke_badge(badge, reason="demo: reported lost")
    db.session.flush()
