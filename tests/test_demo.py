"""The KICXUP Global 2025 demo: realistic, deterministic, idempotent."""

from collections import Counter

import pytest
from sqlalchemy import func, select

from eventapp.accounts.models import User
from eventapp.booths.models import Booth, BoothAllocation, Exhibitor
from eventapp.demo import DEMO_ACCOUNTS, seed_demo
from eventapp.events.models import Event, EventRole, Hall
from eventapp.extensions import db
from eventapp.organizations.models import Organization


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


def test_the_demo_loaded_on_today_can_be_tried_at_the_gates_and_the_meetup(app_ctx):
    """`make run` loads the demo with its fair opening today: the demo dated 2025 had
    badges not valid at any gate and every meeting slot in the past. Nothing is
    recorded after the moment it is loaded, booth picking closes by the fair's end
    (as an organizer would have to set it), and an accepted request can be booked."""
    from datetime import timedelta

    from eventapp.booths.services import settings_for
    from eventapp.checkin.models import CheckIn, Lead, Scan
    from eventapp.core.db import utcnow
    from eventapp.core.templating import SEOUL
    from eventapp.meetings import services as meetings
    from eventapp.meetings.models import MeetingRequest, MeetingSlot

    today = utcnow().astimezone(SEOUL).date()
    event = seed_demo(log=lambda *_: None, starts_on=today)
    loaded = utcnow()
    assert event.days == [today, today + timedelta(days=1)]
    # Company descriptions read "(주)성진메카는 ...", not "(주)성진메카은(는) ...".
    descriptions = db.session.scalars(select(Organization.description_ko)).all()
    assert any(d.endswith("분야 기업·기관입니다.") for d in descriptions if d)
    assert not [d for d in descriptions if d and "(는)" in d]
    # Every company described in English is described in Korean too: the foreign
    # buyers' English descriptions stood alone on Korean pages.
    assert not db.session.scalars(
        select(Organization.name_en).where(
            Organization.description_en != "", func.coalesce(Organization.description_ko, "") == ""
        )
    ).all()
    for model, moment in (
        (CheckIn, CheckIn.checked_in_at),
        (Scan, Scan.scanned_at),
        (Lead, Lead.captured_at),
    ):
        latest = db.session.scalar(select(func.max(moment)).where(model.event_id == event.id))
        assert latest is None or latest <= loaded, model
    picking = settings_for(event)
    assert picking.picking_opens_at <= loaded < picking.picking_closes_at
    assert picking.picking_closes_at <= event.over_at

    # Accepted requests not scheduled yet, booked by the one who sent them: one of
    # them finds a slot ahead free for both sides, at whatever hour the test runs (a
    # given pair may have no common free slot left later today).
    requests = [
        r
        for r in db.session.scalars(
            select(MeetingRequest)
            .where(MeetingRequest.event_id == event.id, MeetingRequest.status == "accepted")
            .order_by(MeetingRequest.id)
        )
        if r.meeting is None and r.requested_by_id is not None
    ]
    slots = db.session.scalars(
        select(MeetingSlot)
        .where(MeetingSlot.event_id == event.id, MeetingSlot.starts_at > utcnow())
        .order_by(MeetingSlot.starts_at)
    ).all()
    assert requests and slots, "accepted requests and meeting slots are left to book"
    meeting = None
    for request in requests:
        sender = db.session.get(User, request.requested_by_id)
        for slot in slots:
            try:
                meeting = meetings.book(request, slot, sender)
            except meetings.MeetingError:
                db.session.rollback()
                continue
            break
        if meeting is not None:
            break
    assert meeting is not None, "no slot ahead could be booked"
    db.session.commit()
    assert meeting.slot.starts_at > loaded


def test_seed_demo_reads_its_first_day_or_says_what_to_give(app):
    result = app.test_cli_runner().invoke(args=["seed-demo", "--starts-on", "17.9.2025"])
    assert result.exit_code == 2
    assert "'17.9.2025' is not a date: give YYYY-MM-DD or today." in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Event)) == 0


@pytest.mark.parametrize("given", ["0001-01-01", "1999-12-31", "2100-12-31", "9999-12-31"])
def test_seed_demo_refuses_a_first_day_out_of_the_years_of_events(app, given):
    """At the calendar's ends the demo's dates could not be computed: a traceback."""
    result = app.test_cli_runner().invoke(args=["seed-demo", "--starts-on", given])
    assert result.exit_code == 2
    assert f"'{given}': the two fair days must fall between 2000 and 2100." in result.output
    assert not isinstance(result.exception, OverflowError)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Event)) == 0


def test_seed_demo_says_a_loaded_demo_keeps_its_days(app_ctx):
    """--starts-on was silently ignored once the demo was loaded: the fair seemed
    moved and was not. A warning, not a refusal: `make run` runs seed-demo with
    --starts-on today on every start, and without the option a second run succeeds."""
    from datetime import date

    from eventapp.core.db import utcnow
    from eventapp.core.templating import SEOUL
    from eventapp.demo import SLUG
    from tests.conftest import add_other_event

    add_other_event(SLUG, starts_on=date(2025, 9, 17), ends_on=date(2025, 9, 18))
    db.session.commit()
    runner = app_ctx.test_cli_runner()
    result = runner.invoke(args=["seed-demo", "--starts-on", "2026-03-02"])
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        "Warning: the demo is loaded already, starting on 2025-09-17; "
        "--starts-on 2026-03-02 has no effect.\n"
    )
    before = utcnow().astimezone(SEOUL).date()
    result = runner.invoke(args=["seed-demo", "--starts-on", "today"])
    after = utcnow().astimezone(SEOUL).date()
    assert result.exit_code == 0, result.output
    # Either side of midnight in Seoul.
    assert any(
        f"--starts-on today ({day.isoformat()}) has no effect." in result.stderr
        for day in (before, after)
    ), result.stderr
    # The days it has, or none given: nothing to warn of.
    for args in (["--starts-on", "2025-09-17"], []):
        result = runner.invoke(args=["seed-demo", *args])
        assert (result.exit_code, result.stderr) == (0, "")
        assert "already loaded" in result.output
    db.session.expire_all()
    assert db.session.scalars(select(Event.starts_on)).all() == [date(2025, 9, 17)]
