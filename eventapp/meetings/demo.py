"""Demo data of the global meetup for KICXUP Global 2025 (called by `seed_demo()`).

Settings for both fair days (10:00-17:00, 30-minute slots, lunch 12:00-13:00), 30 meeting
tables, profiles for the attendee startups, firms and buyers and for the approved
exhibitors, a few hundred requests in every state and their meetings. The demo accounts
startup@kicxup.kr and firm@kicxup.kr get requests both ways and meetings with each other
and with others. Bulk inserts, no mail, deterministic for a given `rng`.
"""

from collections import defaultdict
from datetime import time, timedelta

from sqlalchemy import select

from eventapp.accounts.models import User
from eventapp.booths.models import Booth, BoothAllocation, Exhibitor
from eventapp.core.db import utcnow
from eventapp.events.models import EventRole
from eventapp.extensions import db
from eventapp.meetings import services
from eventapp.meetings.models import (
    MUTUAL_WEIGHT,
    Meeting,
    MeetingProfile,
    MeetingRequest,
    MeetingSeat,
    Unavailability,
    side_for_kind,
)
from eventapp.organizations.models import Organization

TABLES = 30

# Per sector: what startups offer and firms need, in Korean and English, and tags.
TOPICS = {
    "ai": [
        (
            "머신비전 기반 불량 검사",
            "machine vision defect inspection",
            ["machine vision", "quality"],
        ),
        (
            "설비 예지보전 AI",
            "predictive maintenance AI for equipment",
            ["predictive maintenance", "iot"],
        ),
        ("제조 데이터 플랫폼", "manufacturing data platform", ["data platform", "smart factory"]),
        (
            "생성형 AI 문서 자동화",
            "generative AI document automation",
            ["generative ai", "automation"],
        ),
        (
            "디지털 트윈 공정 시뮬레이션",
            "digital twin process simulation",
            ["digital twin", "smart factory"],
        ),
        (
            "산업 보안 이상탐지",
            "industrial security anomaly detection",
            ["security", "anomaly detection"],
        ),
    ],
    "eco": [
        ("탄소 배출 측정·관리", "carbon emission monitoring", ["carbon", "esg"]),
        ("폐수 재이용 처리", "wastewater reuse treatment", ["water", "recycling"]),
        ("공장 에너지 절감 솔루션", "factory energy saving", ["energy efficiency", "iot"]),
        ("친환경 포장 소재", "eco-friendly packaging materials", ["materials", "recycling"]),
    ],
    "bio": [
        ("바이오 시료 자동화", "bio sample handling automation", ["lab automation", "bio"]),
        ("의료기기 센서", "medical device sensors", ["sensors", "medical device"]),
        ("헬스케어 데이터 분석", "healthcare data analytics", ["data platform", "healthcare"]),
    ],
    "robotics": [
        ("협동로봇 조립 자동화", "collaborative robot assembly", ["cobot", "automation"]),
        ("물류 자율이동로봇", "autonomous mobile robots for logistics", ["amr", "logistics"]),
        ("로봇 그리퍼 설계", "robot gripper design", ["gripper", "cobot"]),
    ],
    "battery": [
        ("배터리 셀 검사", "battery cell inspection", ["battery", "machine vision"]),
        ("배터리 재활용 공정", "battery recycling process", ["battery", "recycling"]),
        ("BMS 상태 추정", "battery management state estimation", ["bms", "battery"]),
    ],
    "other": [
        (
            "정밀 가공 공정 개선",
            "precision machining process improvement",
            ["machining", "quality"],
        ),
        ("신소재 코팅", "advanced material coating", ["materials", "coating"]),
        ("스마트 물류 관리", "smart logistics management", ["logistics", "iot"]),
    ],
}
STAGES = ["idea", "seed", "seed", "early", "early", "growth"]
DECLINE_REASONS = [
    "Not in our technology roadmap this year.",
    "Our schedule at the fair is full.",
    "We already work with a supplier for this.",
]
MESSAGES = [
    "We would like to present our solution and discuss a PoC at your plant.",
    "Your technology demand matches our product; could we meet at the fair?",
    "귀사의 기술 수요와 저희 솔루션이 잘 맞을 것 같아 미팅을 요청드립니다.",
    "We are looking for a pilot partner in Korea's industrial complexes.",
    "",
]


def _texts(rng, sector, side):
    topics = rng.sample(TOPICS[sector], min(2, len(TOPICS[sector])))
    if rng.random() < 0.3:
        topics.append(rng.choice(TOPICS["ai"]))
    ko = ", ".join(t[0] for t in topics)
    en = ", ".join(t[1] for t in topics)
    tags = []
    for topic in topics:
        for tag in topic[2]:
            if tag not in tags:
                tags.append(tag)
    if side == "startup":
        return {
            "offer_ko": f"{ko} 기술과 제품을 제공합니다.",
            "offer_en": f"We offer {en}.",
            "need_ko": "실증(PoC) 파트너와 수요기업을 찾습니다.",
            "need_en": "Looking for PoC partners and first industrial customers.",
            "stage": rng.choice(STAGES),
            "keywords": tags,
        }
    return {
        "offer_ko": "실증 현장과 공동 개발 기회를 제공합니다.",
        "offer_en": "We offer test sites and joint development.",
        "need_ko": f"{ko} 분야의 기술을 찾습니다.",
        "need_en": f"We look for {en}.",
        "poc_themes_ko": f"{topics[0][0]} 실증",
        "poc_themes_en": f"PoC on {topics[0][1]}",
        "keywords": tags,
    }


def _participants(event):
    """Organizations of the meetup: approved exhibitors and attendees' companies."""
    exhibiting = db.session.scalars(
        select(Organization)
        .join(Exhibitor, Exhibitor.organization_id == Organization.id)
        .where(Exhibitor.event_id == event.id)
        .where(Exhibitor.status.in_(("approved", "placed", "confirmed")))
        .order_by(Organization.id)
    ).all()
    attending = db.session.scalars(
        select(Organization)
        .join(User, User.organization_id == Organization.id)
        .join(EventRole, EventRole.user_id == User.id)
        .where(EventRole.event_id == event.id, EventRole.role == "attendee")
        .distinct()
        .order_by(Organization.id)
    ).all()
    seen, result = set(), []
    for org in list(attending) + list(exhibiting):
        if org.id not in seen and org.kind != "public_body":
            seen.add(org.id)
            result.append(org)
    return result


def seed(event, rng):
    settings = services.default_settings(event)
    settings.day_starts_at, settings.day_ends_at = time(10, 0), time(17, 0)
    settings.breaks = [["12:00", "13:00"]]
    settings.table_count = TABLES
    settings.table_label = "글로벌 밋업존, 1홀"
    settings.table_label_en = "Global meetup zone, Hall 1"
    settings.startup_cap, settings.firm_cap = 8, 14
    first_day = event.local_datetime(event.starts_on, time(9, 0))
    # Open from a month before the fair, with no closing date so that the demo stays
    # usable (requests, answers) whatever today's date is.
    settings.booking_opens_at = first_day - timedelta(days=30)
    settings.booking_closes_at = None
    db.session.add(settings)
    db.session.flush()
    services.sync_slots(event, settings)
    services.sync_tables(event, settings)
    slots = services.slots_of(event)
    tables = services.tables_of(event)

    booths = dict(
        db.session.execute(
            select(Exhibitor.organization_id, Booth.code)
            .join(BoothAllocation, BoothAllocation.exhibitor_id == Exhibitor.id)
            .join(Booth, Booth.id == BoothAllocation.booth_id)
            .where(Exhibitor.event_id == event.id)
            .order_by(Booth.code.desc())
        ).all()
    )
    startup_user = db.session.scalar(select(User).where(User.email == "startup@kicxup.kr"))
    firm_user = db.session.scalar(select(User).where(User.email == "firm@kicxup.kr"))
    demo_orgs = {getattr(u, "organization_id", None) for u in (startup_user, firm_user)}

    profiles = []
    for org in _participants(event):
        side = side_for_kind(org.kind)
        fields = _texts(rng, org.sector, side)
        profile = MeetingProfile(
            event_id=event.id,
            organization=org,
            side=side,
            sector=org.sector,
            country=org.country or "KR",
            **fields,
        )
        if side == "firm" and org.id in booths and org.id not in demo_orgs and rng.random() < 0.3:
            profile.receives_at_booth = True
            profile.booth_code = booths[org.id]
        profiles.append(profile)
    db.session.add_all(profiles)
    db.session.flush()

    startups = [p for p in profiles if p.side == "startup"]
    firms = [p for p in profiles if p.side == "firm"]
    by_org = {p.organization_id: p for p in profiles}
    demo_startup = by_org.get(getattr(startup_user, "organization_id", None))
    demo_firm = by_org.get(getattr(firm_user, "organization_id", None))

    # Some participants are away for part of the fair.
    unavailable = defaultdict(set)
    for profile in rng.sample(profiles, len(profiles) // 8):
        day = rng.randrange(2)
        per_day = len(slots) // 2
        start = rng.randrange(per_day - 3)
        for slot in slots[day * per_day + start : day * per_day + start + rng.randint(2, 4)]:
            unavailable[profile.id].add(slot.id)
    db.session.add_all(
        Unavailability(profile_id=pid, slot_id=sid)
        for pid, ids in sorted(unavailable.items())
        for sid in sorted(ids)
    )

    # Requests: popular firms draw more; each pair once.
    pairs = set()
    planned = []
    # The demo accounts: meetings booked, requests waiting both ways, one declined.
    demo_states = [
        ("startup", "accepted", True),
        ("firm", "accepted", True),
        ("startup", "accepted", True),
        ("startup", "accepted", False),
        ("firm", "requested", None),
        ("startup", "requested", None),
        ("startup", "declined", None),
    ]
    if demo_startup and demo_firm:
        planned.append((demo_startup, demo_firm, "startup", "accepted", True))
    others = [f for f in firms if f is not demo_firm]
    for firm, (side, status, book) in zip(
        rng.sample(others, len(demo_states)), demo_states, strict=True
    ):
        if demo_startup:
            planned.append((demo_startup, firm, side, status, book))
    others = [s for s in startups if s is not demo_startup]
    for startup, (side, status, book) in zip(
        rng.sample(others, len(demo_states) + 3), demo_states + demo_states[:3], strict=True
    ):
        if demo_firm:
            planned.append((startup, demo_firm, side, status, book))
    weights = [3 if i < len(firms) // 5 else 1 for i in range(len(firms))]
    while len(planned) < 420:
        startup = rng.choice(startups)
        firm = rng.choices(firms, weights=weights)[0]
        planned.append((startup, firm, "startup" if rng.random() < 0.7 else "firm", None, None))

    now = utcnow()
    requests = []
    users_of = defaultdict(list)
    for user_id, org_id in db.session.execute(
        select(User.id, User.organization_id)
        .join(EventRole, EventRole.user_id == User.id)
        .where(EventRole.event_id == event.id, User.organization_id.is_not(None))
        .order_by(User.id)
    ).all():
        if user_id not in users_of[org_id]:
            users_of[org_id].append(user_id)
    for startup, firm, side, status, book in planned:
        if (startup.id, firm.id) in pairs:
            continue
        pairs.add((startup.id, firm.id))
        if status is None:
            status = rng.choices(
                ["accepted", "requested", "declined", "cancelled"], weights=[55, 27, 12, 6]
            )[0]
        requester, receiver = (startup, firm) if side == "startup" else (firm, startup)
        mutual = status == "accepted" and rng.random() < 0.15
        # Sent (and answered, within two days) before the fair, also when the demo is
        # loaded after it.
        sent_by = min(now, event.local_datetime(event.starts_on, time(0, 0)))
        created = sent_by - timedelta(days=2 + rng.randint(1, 20), minutes=rng.randint(0, 600))
        request = MeetingRequest(
            event_id=event.id,
            startup_id=startup.id,
            firm_id=firm.id,
            requested_by_id=(users_of[requester.organization_id] or [None])[0],
            requester_side=side,
            message=rng.choice(MESSAGES),
            status=status,
            mutual=mutual,
            weight=MUTUAL_WEIGHT if mutual else 1,
            decline_reason=rng.choice(DECLINE_REASONS) if status == "declined" else "",
            created_at=created,
        )
        if status in ("accepted", "declined"):
            request.responded_by_id = (users_of[receiver.organization_id] or [None])[0]
            request.responded_at = created + timedelta(hours=rng.randint(1, 48))
        requests.append((request, book))
    db.session.add_all(r for r, _book in requests)
    db.session.flush()

    # Book about 60% of the accepted requests (always the demo pair) in the first common
    # free slot with a free table or at the firm's booth.
    profile_by_id = {p.id: p for p in profiles}
    busy = defaultdict(set)
    used_tables = defaultdict(set)
    count = defaultdict(int)
    meetings, seats = [], []
    accepted = [(r, b) for r, b in requests if r.status == "accepted"]
    for request, book in accepted:
        if not (book or rng.random() < 0.6):
            continue
        startup, firm = profile_by_id[request.startup_id], profile_by_id[request.firm_id]
        if count[startup.id] >= settings.startup_cap or count[firm.id] >= settings.firm_cap:
            continue
        order = list(slots)
        rng.shuffle(order)
        for slot in order:
            if slot.id in busy[startup.id] or slot.id in busy[firm.id]:
                continue
            if slot.id in unavailable[startup.id] or slot.id in unavailable[firm.id]:
                continue
            table = None
            if not firm.location:
                table = next((t for t in tables if t.id not in used_tables[slot.id]), None)
                if table is None:
                    continue
                used_tables[slot.id].add(table.id)
            busy[startup.id].add(slot.id)
            busy[firm.id].add(slot.id)
            count[startup.id] += 1
            count[firm.id] += 1
            meetings.append(
                (
                    Meeting(
                        event_id=event.id,
                        request_id=request.id,
                        slot_id=slot.id,
                        table_id=table.id if table else None,
                        booth_code=None if table else firm.location,
                        status="scheduled",
                        scheduled_via="demo",
                        created_at=request.responded_at or now,
                    ),
                    startup.id,
                    firm.id,
                )
            )
            break
    db.session.add_all(m for m, _s, _f in meetings)
    db.session.flush()
    for meeting, startup_id, firm_id in meetings:
        seats.append(
            MeetingSeat(meeting_id=meeting.id, slot_id=meeting.slot_id, profile_id=startup_id)
        )
        seats.append(
            MeetingSeat(meeting_id=meeting.id, slot_id=meeting.slot_id, profile_id=firm_id)
        )
        if meeting.table_id:
            seats.append(
                MeetingSeat(
                    meeting_id=meeting.id, slot_id=meeting.slot_id, table_id=meeting.table_id
                )
            )
    db.session.add_all(seats)
    db.session.flush()
