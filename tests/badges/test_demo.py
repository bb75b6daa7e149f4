import random

from sqlalchemy import func, select

from eventapp.badges import demo, services
from eventapp.badges.models import Badge, EventKey
from eventapp.events.models import EventRole
from eventapp.extensions import db


def test_seed_gives_everybody_with_a_role_one_badge(small_event):
    event = small_event.event
    demo.seed(event, random.Random(7))
    db.session.commit()
    people = set(
        db.session.scalars(select(EventRole.user_id).where(EventRole.event_id == event.id))
    )
    badges = db.session.scalars(select(Badge).where(Badge.event_id == event.id)).all()
    assert sorted(b.user_id for b in badges) == sorted(people)
    assert db.session.scalar(select(func.count()).select_from(EventKey)) == 1
    # The one large-firm attendee became the VIP; everybody's current code verifies
    # unless the badge was revoked.
    assert {b.category for b in badges if b.user_id == small_event.attendee.id} == {"vip"}
    for badge in badges:
        verdict = services.verify_code(services.badge_code(badge), event)
        assert verdict.status == ("revoked" if badge.revoked_at else "valid")
    # Seeding again adds nothing.
    demo.seed(event, random.Random(7))
    assert db.session.scalar(select(func.count()).select_from(Badge)) == len(people)
