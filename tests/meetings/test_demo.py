"""The meetup part of the demo event: deterministic, consistent, and the demo accounts
startup@kicxup.kr and firm@kicxup.kr have something to show."""

import re
from datetime import time

from sqlalchemy import func, select

from eventapp.accounts.models import User
from eventapp.extensions import db
from eventapp.meetings import planning, scheduler, services
from eventapp.meetings.models import Meeting, MeetingRequest, MeetingSeat


def test_demo_meetup(app_ctx, request_ctx):
    from eventapp.demo import seed_demo

    event = seed_demo(log=lambda *_: None)
    settings = services.get_settings(event)
    assert settings.slot_minutes == 30 and settings.breaks == [["12:00", "13:00"]]
    slots = services.slots_of(event)
    assert len(slots) == 2 * 12  # 10:00-17:00 without lunch, two days
    assert len(services.tables_of(event)) == 30

    statuses = dict(
        db.session.execute(
            select(MeetingRequest.status, func.count()).group_by(MeetingRequest.status)
        ).all()
    )
    assert sum(statuses.values()) >= 300
    assert {"requested", "accepted", "declined", "cancelled"} <= set(statuses)
    meetings = db.session.scalars(select(Meeting)).all()
    assert len(meetings) >= 100
    assert all(m.request.status == "accepted" for m in meetings)
    assert all((m.table_id is None) == bool(m.booth_code) for m in meetings)

    for email in ("startup@kicxup.kr", "firm@kicxup.kr"):
        user = db.session.scalar(select(User).where(User.email == email))
        profile = services.acting_profile(user, event)
        assert profile is not None, email
        requests = services.requests_of(profile)
        assert len(requests) >= 5
        assert any(
            r.status == "requested" and r.requester_side != profile.side for r in requests
        ), "something to answer"
        assert len(services.meetings_of(profile)) >= 3

    # The demo accounts meet each other.
    startup = services.acting_profile(
        db.session.scalar(select(User).where(User.email == "startup@kicxup.kr")), event
    )
    firm_user = db.session.scalar(select(User).where(User.email == "firm@kicxup.kr"))
    assert any(
        m.request.firm.organization_id == firm_user.organization_id
        for m in services.meetings_of(startup)
    )

    # Seats match the meetings exactly; the scheduler accepts the event's problem.
    seats = db.session.scalar(select(func.count()).select_from(MeetingSeat))
    assert seats == 2 * len(meetings) + sum(1 for m in meetings if m.table_id)
    before_fair = event.local_datetime(event.starts_on, time(8, 0))
    data = planning.build_problem(event, now=before_fair)
    problem = scheduler.parse_problem(data)
    assert len(problem.fixed) == len(meetings)
    assert scheduler.violations(problem, problem.fixed) == []

    # The demo meeting zone lets in everyone whose company meets at its tables.
    from eventapp.checkin import meetings_link
    from eventapp.checkin.models import ScanPoint

    zone = db.session.scalar(select(ScanPoint).where(ScanPoint.kind == "meeting_zone"))
    assert zone.allowed_categories
    assert meetings_link.turned_away(zone, meetings_link.zone_meetings(event)) == {}


def test_demo_meeting_places_read_in_the_page_s_language(app, client):
    """The demo's tables were labelled "글로벌 밋업존 · Meetup zone, Hall 1", which every
    meeting's place repeated on Korean and English pages alike."""
    from eventapp.demo import DEMO_PASSWORD, seed_demo

    with app.app_context():
        event = seed_demo(log=lambda *_: None)
        meeting_id = db.session.scalar(
            select(Meeting.id)
            .where(Meeting.event_id == event.id, Meeting.table_id.is_not(None))
            .order_by(Meeting.id)
        )
        slug = event.slug
    client.post("/login", data={"email": "organizer@kicxup.kr", "password": DEMO_PASSWORD})
    for lang, foreign in (("ko", r"[A-Za-z]{2,}"), ("en", r"[가-힣]")):
        page = client.get(f"/e/{slug}/meetings/m/{meeting_id}?lang={lang}")
        assert page.status_code == 200
        place = re.search(r'id="meeting-place">([^<]*)<', page.get_data(as_text=True))[1]
        assert place.startswith("T") and not re.search(foreign, place), (lang, place)
        # The tables are named in both languages, each page reading its own.
        assert place.endswith(
            {"ko": "(글로벌 밋업존, 1홀)", "en": "(Global meetup zone, Hall 1)"}[lang]
        ), (lang, place)
