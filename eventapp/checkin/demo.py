"""Demo scan points, check-ins and leads for KICXUP Global 2025.

Scan points: the main entrance for each fair day, an all-days east gate, the
meetup's meeting zone and a lead point for the demo exhibitor's company. When
the badges demo has issued badges, a share of them gets check-ins on the fair
days (with their scan rows) and the demo company gets some leads.
"""

from datetime import time, timedelta

from sqlalchemy import insert, select

from eventapp.accounts.models import User
from eventapp.badges.models import Badge
from eventapp.checkin import services
from eventapp.checkin.models import CheckIn, Lead, LeadConsent, Scan
from eventapp.core.db import utcnow
from eventapp.extensions import db

NOTES = [
    "Interested in a PoC with our vision module; send the deck.",
    "Asked about pricing for 50+ units.",
    "Met at the seminar; follow up after the fair.",
    "Looking for a distributor in Vietnam.",
    "",
]


def seed(event, rng):
    days = event.days
    entrances = []
    for number, day in enumerate(days, start=1):
        entrances.append(
            services.create_scan_point(
                event,
                name_ko=f"정문 입장 — {number}일차",
                name_en=f"Main entrance — day {number}",
                kind="entrance",
                valid_days=[day],
            )
        )
    entrances.append(
        services.create_scan_point(event, name_ko="동문 입장", name_en="East gate", kind="entrance")
    )
    services.create_scan_point(
        event,
        name_ko="글로벌 밋업 미팅 구역",
        name_en="Global meetup meeting zone",
        kind="meeting_zone",
        allowed_categories=[
            "exhibitor",
            "startup",
            "large_firm",
            "buyer",
            "organizer",
            "staff",
            "vip",
        ],
    )
    exhibitor = db.session.scalar(select(User).where(User.email == "exhibitor@kicxup.kr"))
    booth = None
    if exhibitor is not None and exhibitor.organization is not None:
        booth = services.booth_point_for(event, exhibitor.organization)
    db.session.flush()

    badges = db.session.execute(
        select(Badge.id, Badge.user_id, Badge.category, Badge.name_ko, Badge.name_en)
        .where(Badge.event_id == event.id, Badge.revoked_at.is_(None))
        .order_by(Badge.id)
    ).all()
    if not badges:
        return
    now = utcnow()
    checkins, scans = [], []
    for day_index, day in enumerate(days):
        share = 0.6 if day_index == 0 else 0.4
        point = entrances[day_index]
        for badge in badges:
            if rng.random() >= share:
                continue
            minute = rng.randint(0, 150)
            at = event.local_datetime(day, time(9, 30)) + timedelta(minutes=minute)
            if at > now:  # a fair running today (or still to come) has no later entries
                continue
            checkins.append(
                {
                    "event_id": event.id,
                    "badge_id": badge.id,
                    "day": day,
                    "entrance_group": point.entrance_group,
                    "scan_point_id": point.id,
                    "checked_in_at": at,
                }
            )
            scans.append(_scan(event, point, badge, at, day, "ok", rng, now))
    # A few rejected scans for the log: damaged codes at the gates.
    for _ in range(6):
        day = rng.choice(days)
        at = event.local_datetime(day, time(10, rng.randint(0, 59)))
        point = entrances[days.index(day)]
        if at > now:
            continue
        scans.append(_scan(event, point, None, at, day, "invalid", rng, now))
    if checkins:
        db.session.execute(insert(CheckIn), checkins)
    if scans:
        db.session.execute(insert(Scan), scans)

    visitors = [b for b in badges if b.category in ("visitor", "buyer", "large_firm", "startup")]
    for badge in rng.sample(visitors, min(len(visitors), len(visitors) // 2)):
        db.session.add(LeadConsent(event_id=event.id, user_id=badge.user_id, share_contact=True))
    if booth is not None:
        for badge in rng.sample(visitors, min(len(visitors), 14)):
            day = rng.choice(days)
            at = event.local_datetime(day, time(rng.randint(10, 16), rng.randint(0, 59)))
            if at > now:
                continue
            db.session.add(
                Lead(
                    event_id=event.id,
                    organization_id=booth.organization_id,
                    badge_id=badge.id,
                    user_id=badge.user_id,
                    scan_point_id=booth.id,
                    captured_by_id=exhibitor.id,
                    captured_at=at,
                    rating=rng.choice(["hot", "warm", "cold", None]),
                    notes=rng.choice(NOTES),
                )
            )
    db.session.flush()


def _scan(event, point, badge, at, day, result, rng, now):
    nonce = "demo-" + "".join(rng.choice("0123456789abcdef") for _ in range(24))
    return {
        "event_id": event.id,
        "scan_point_id": point.id,
        "nonce": nonce,
        "code": "" if badge is None else f"badge {badge.id}",
        "badge_id": badge.id if badge else None,
        "result": result,
        "reason": "" if badge else "malformed:wrong length",
        "scanned_at": at,
        "received_at": at + timedelta(seconds=rng.randint(0, 2)),
        "day": day,
        "offline": False,
        "answer": {"status": result, "demo": True},
    }
