"""The KICXUP Global 2025 demo: realistic, deterministic, idempotent."""

from collections import Counter

from sqlalchemy import func, select

from eventapp.accounts.models import User
from eventapp.booths.models import Booth, BoothAllocation, Exhibitor
from eventapp.demo import DEMO_ACCOUNTS, seed_demo
from eventapp.events.models import Event, EventRole, Hall
from eventapp.extensions import db


def count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def snapshot():
    return {
        "booths": sorted(
            db.session.execute(select(Booth.code, Booth.zone, Booth.x, Booth.y)).all()
        ),
        "exhibitors": sorted(
            db.session.execute(
                select(Exhibitor.organization_id, Exhibitor.status, Exhibitor.booth_count)
            ).all()
        ),
        "allocations": sorted(
            db.session.execute(select(BoothAllocation.booth_id, BoothAllocation.exhibitor_id)).all()
        ),
        "users": sorted(db.session.scalars(select(User.email)).all()),
    }


def test_demo_event_has_the_programs_shape(app_ctx):
    event = seed_demo(log=lambda *_: None)
    assert event.slug == "kicxup-2025"
    assert event.timezone == "Asia/Seoul"
    assert [d.month for d in event.days] == [9, 9] and len(event.days) == 2
    assert count(Hall, Hall.event_id == event.id) == 3
    assert count(Booth, Booth.event_id == event.id) == 500
    assert count(Exhibitor, Exhibitor.event_id == event.id) == 300
    sectors = Counter(e.organization.sector for e in db.session.scalars(select(Exhibitor)))
    # The program's record: AI/digital 58%, eco 11%, bio 11%, robotics 8%,
    # batteries 4%, the rest other.
    assert sectors == {"ai": 174, "eco": 33, "bio": 33, "robotics": 24, "battery": 12, "other": 24}
    kinds = Counter(e.organization.kind for e in db.session.scalars(select(Exhibitor)))
    assert {"startup", "large_firm", "midsize_firm", "university", "institute"} <= set(kinds)
    attendees = count(EventRole, EventRole.event_id == event.id, EventRole.role == "attendee")
    assert attendees >= 200
    for email, role, *_ in DEMO_ACCOUNTS:
        user = db.session.scalar(select(User).where(User.email == email))
        assert user is not None and user.check_password("kicxup2025!")
        assert user.email_confirmed  # signs in without a confirmation mail
        assert role in {r.role for r in user.event_roles}
    # Every placed booth block is in the exhibitor's zone and no booth is used twice.
    allocations = db.session.scalars(select(BoothAllocation)).all()
    assert len({a.booth_id for a in allocations}) == len(allocations)
    for allocation in allocations:
        assert allocation.booth.zone in allocation.exhibitor.zones
        assert not allocation.booth.blocked
    # The demo exhibitor account's company is approved without booths: it can pick.
    demo_admin = db.session.scalar(select(User).where(User.email == "exhibitor@kicxup.kr"))
    showcase = db.session.scalar(
        select(Exhibitor).where(Exhibitor.organization_id == demo_admin.organization_id)
    )
    assert showcase.status == "approved"
    assert not [a for a in allocations if a.exhibitor_id == showcase.id]


def test_demo_is_idempotent_and_deterministic(app_ctx):
    from tests.conftest import empty_tables

    seed_demo(log=lambda *_: None)
    first = snapshot()
    messages = []
    seed_demo(log=messages.append)
    assert "already loaded" in messages[0]
    assert count(Event) == 1
    empty_tables()
    seed_demo(log=lambda *_: None)
    assert snapshot() == first


def test_demo_pages_render(app, client):
    with app.app_context():
        seed_demo(log=lambda *_: None)
    assert client.get("/e/kicxup-2025/").status_code == 200
    client.post("/login", data={"email": "organizer@kicxup.kr", "password": "kicxup2025!"})
    assert client.get("/e/kicxup-2025/manage/").status_code == 200


def test_demo_loads_beside_another_event(small_event):
    """A database that already holds an event with a floor plan: the demo is built
    from its own booths' walls, not from the other event's."""
    event = seed_demo(log=lambda *_: None)
    allocations = db.session.scalars(
        select(BoothAllocation).join(Exhibitor).where(Exhibitor.event_id == event.id)
    ).all()
    assert allocations
    assert {a.booth.event_id for a in allocations} == {event.id}
    other_booths = [booth.id for booth in small_event.booths.values()]
    assert count(BoothAllocation, BoothAllocation.booth_id.in_(other_booths)) == 0


def test_the_demo_s_requests_come_before_its_fair(app_ctx):
    """Loaded after the fair of 2025, the demo dated its meeting requests in the days
    before loading: sent and answered after the fair was over."""
    from datetime import time

    from eventapp.meetings.models import MeetingRequest

    event = seed_demo(log=lambda *_: None)
    fair_opens = event.local_datetime(event.starts_on, time(0, 0))
    requests = db.session.scalars(select(MeetingRequest)).all()
    assert requests
    assert max(r.created_at for r in requests) < fair_opens
    assert max(r.responded_at for r in requests if r.responded_at) < fair_opens
