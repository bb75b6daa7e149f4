"""The KICXUP Global 2025 demo event, built deterministically.

`flask seed-demo` calls `seed_demo()`. The fair opens on 17 September 2025, as it
did, unless another first day is given (`make run` gives today's, so that badges
are valid at the gates and meetings can still be booked). The core part (event, halls, booths,
organizations, people, exhibitors and placements) is here; other domains add
their part through a `demo.py` module of their own with a `seed(event, rng)`
function, run in the order of `DOMAIN_SEEDS`.
"""

import importlib
import random
from datetime import date, time, timedelta

from sqlalchemy import select

from eventapp.accounts.models import User
from eventapp.booths.geometry import Rect, adjacency, corners
from eventapp.booths.models import (
    Booth,
    BoothAdjacency,
    BoothAllocation,
    BoothSettings,
    Exhibitor,
    ExhibitorAvoid,
)
from eventapp.core import audit
from eventapp.core.particles import particle
from eventapp.demo import names
from eventapp.events.models import Event, EventRole, Hall
from eventapp.extensions import db
from eventapp.organizations.models import Organization

SLUG = "kicxup-2025"
DEMO_PASSWORD = "kicxup2025!"
SEED = 2025
FIRST_DAY = date(2025, 9, 17)

DOMAIN_SEEDS = (
    "eventapp.booths.demo",
    "eventapp.meetings.demo",
    "eventapp.badges.demo",
    "eventapp.checkin.demo",
)

# Sector mix of the program's record; the booth zones follow it.
SECTOR_MIX = [
    ("ai", 0.58),
    ("eco", 0.11),
    ("bio", 0.11),
    ("robotics", 0.08),
    ("battery", 0.04),
    ("other", 0.08),
]

# Each hall: code, names, and how many booths of each zone it holds.
HALLS = [
    ("A", "제1전시홀", "Hall 1", [("ai", 290)]),
    ("B", "제2전시홀", "Hall 2", [("eco", 55), ("bio", 55)]),
    ("C", "제3전시홀", "Hall 3", [("robotics", 40), ("battery", 20), ("other", 40)]),
]
ISLAND_COLUMNS = 10  # booths per row of an island; islands are two rows back to back
ISLANDS_ACROSS = 3
BOOTH = 3.0
AISLE = 4.0

DEMO_ACCOUNTS = [
    ("organizer@kicxup.kr", "organizer", "김운영", "Organizer Kim"),
    ("exhibitor@kicxup.kr", "exhibitor_admin", "이전시", "Exhibitor Lee"),
    ("exhibitor.staff@kicxup.kr", "exhibitor_staff", "박스태프", "Booth Staff Park"),
    ("startup@kicxup.kr", "attendee", "최창업", "Startup Choi"),
    ("firm@kicxup.kr", "attendee", "정수요", "Firm Jung"),
    ("attendee@kicxup.kr", "attendee", "한참관", "Visitor Han"),
    ("staff@kicxup.kr", "staff", "오현장", "Gate Staff Oh"),
]


class Demo:
    def __init__(self, rng):
        self.rng = rng
        self.password_hash = None
        self.used_names = set()
        self.used_emails = set()
        self.user_count = 0

    # -- people ---------------------------------------------------------------------------
    def person_names(self):
        family_ko, family_en = self.rng.choice(names.FAMILY_NAMES)
        given_ko, given_en = self.rng.choice(names.GIVEN_NAMES)
        return family_ko + given_ko, f"{given_en} {family_en}"

    def user(self, email=None, name_ko=None, name_en=None, locale="ko", organization=None):
        if name_ko is None:
            name_ko, name_en = self.person_names()
        if email is None:
            self.user_count += 1
            email = f"user{self.user_count:04d}@demo.kicxup.kr"
        user = User(
            email=email,
            name_ko=name_ko,
            name_en=name_en,
            locale=locale,
            password_hash=self.password_hash,
            organization=organization,
        )
        db.session.add(user)
        return user

    # -- organizations ----------------------------------------------------------------------
    def company_name(self, sector, kind):
        for _attempt in range(200):
            prefix_ko, prefix_en = self.rng.choice(names.PREFIXES)
            word_ko, word_en = self.rng.choice(names.SECTOR_WORDS[sector])
            if kind == "large_firm":
                ko, en = f"{prefix_ko}{word_ko}그룹", f"{prefix_en} {word_en} Group"
            elif kind == "midsize_firm":
                ko, en = f"(주){prefix_ko}{word_ko}", f"{prefix_en} {word_en} Co., Ltd."
            else:
                ko, en = f"{prefix_ko}{word_ko}", f"{prefix_en}{word_en.replace(' ', '')} Inc."
            if ko not in self.used_names:
                self.used_names.add(ko)
                return ko, en
        raise RuntimeError("ran out of demo names")

    def organization(self, kind, sector, country="KR"):
        if kind == "university":
            city_ko, city_en = self.rng.choice(names.CITIES)
            ko, en = f"{city_ko}과학기술대학교", f"{city_en} University of Science and Technology"
            if ko in self.used_names:
                ko, en = f"{city_ko}공과대학교", f"{city_en} Institute of Technology"
        elif kind == "institute":
            field_ko, field_en = self.rng.choice(names.INSTITUTE_FIELDS)
            city_ko, city_en = self.rng.choice(names.CITIES)
            ko, en = (
                f"한국{field_ko}연구원 {city_ko}센터",
                f"Korea {field_en} Institute, {city_en} Center",
            )
        else:
            ko, en = self.company_name(sector, kind)
        suffix = 2
        base_ko, base_en = ko, en
        while ko in self.used_names and kind in ("university", "institute"):
            ko, en = f"{base_ko} {suffix}", f"{base_en} {suffix}"
            suffix += 1
        self.used_names.add(ko)
        sector_ko = {
            "ai": "AI·디지털",
            "eco": "친환경",
            "bio": "바이오헬스",
            "robotics": "로봇",
            "battery": "이차전지",
            "other": "제조·소재",
        }[sector]
        sector_en = {
            "ai": "AI and digital",
            "eco": "eco-friendly",
            "bio": "bio-health",
            "robotics": "robotics",
            "battery": "secondary battery",
            "other": "manufacturing and materials",
        }[sector]
        org = Organization(
            name_ko=ko,
            name_en=en,
            kind=kind,
            sector=sector,
            country=country,
            website=f"https://www.{en.split()[0].lower().replace(',', '')}{self.rng.randint(1, 99)}.example",
            description_ko=f"{ko}{particle('은(는)', ko)} 산업단지 기반의 {sector_ko} 분야 기업·기관입니다.",
            description_en=f"{en} works in {sector_en} with manufacturers of Korea's industrial complexes.",
        )
        db.session.add(org)
        return org


def sector_quotas(total):
    """`total` sectors in the record's exact proportions (largest remainder), so
    that the demo shows the program's mix rather than a random draw near it."""
    exact = [(sector, share * total) for sector, share in SECTOR_MIX]
    counts = {sector: int(value) for sector, value in exact}
    by_remainder = sorted(exact, key=lambda item: item[1] - int(item[1]), reverse=True)
    for sector, _value in by_remainder[: total - sum(counts.values())]:
        counts[sector] += 1
    return [sector for sector, _share in SECTOR_MIX for _ in range(counts[sector])]


def pick_sector(rng):
    roll = rng.random()
    total = 0.0
    for sector, share in SECTOR_MIX:
        total += share
        if roll < total:
            return sector
    return SECTOR_MIX[-1][0]


def build_floor_plan(event):
    """Three halls of two-row islands with aisles; zones fill islands in order."""
    booths = []
    # The halls stand one behind the other on the site plan, as at KICEF; the
    # drawing is then about as tall as wide and the booths stay legible.
    hall_y = 0
    for code, name_ko, name_en, zones in HALLS:
        count = sum(n for _, n in zones)
        island_w = ISLAND_COLUMNS * BOOTH
        island_h = 2 * BOOTH
        islands = -(-count // (2 * ISLAND_COLUMNS))
        rows = -(-islands // ISLANDS_ACROSS)
        width = int(AISLE + ISLANDS_ACROSS * (island_w + AISLE))
        height = int(AISLE + rows * (island_h + AISLE))
        hall = Hall(
            event=event,
            code=code,
            name_ko=name_ko,
            name_en=name_en,
            x=0,
            y=hall_y,
            width=width,
            height=height,
        )
        db.session.add(hall)
        hall_y += height + 12
        zone_sequence = [zone for zone, n in zones for _ in range(n)]
        for index, zone in enumerate(zone_sequence):
            island, within = divmod(index, 2 * ISLAND_COLUMNS)
            row_in_island, column = divmod(within, ISLAND_COLUMNS)
            island_row, island_col = divmod(island, ISLANDS_ACROSS)
            booth = Booth(
                event=event,
                hall=hall,
                code=f"{code}-{index + 1:03d}",
                zone=zone,
                x=AISLE + island_col * (island_w + AISLE) + column * BOOTH,
                y=AISLE + island_row * (island_h + AISLE) + row_in_island * BOOTH,
                w=BOOTH,
                h=BOOTH,
            )
            booths.append(booth)
    db.session.add_all(booths)
    db.session.flush()
    rects = [Rect(b.code, b.hall.code, b.x, b.y, b.w, b.h) for b in booths]
    by_code = {b.code: b for b in booths}
    for code in corners(rects):
        by_code[code].corner = True
    for a, b in adjacency(rects):
        first, second = sorted((by_code[a].id, by_code[b].id))
        db.session.add(BoothAdjacency(booth_id=first, neighbour_id=second))
    # Pillars and service points.
    for code in ("A-045", "A-136", "A-227", "B-050", "C-061"):
        by_code[code].blocked = True
        by_code[code].blocked_reason = "pillar"
    return booths


def _free_block(start, size, zone_ok, neighbours, taken):
    """Grow a connected set of free booths from `start`, nearest first."""
    if start in taken or not zone_ok(start):
        return None
    block, frontier = [start], [start]
    while frontier and len(block) < size:
        current = frontier.pop(0)
        for nxt in sorted(neighbours[current]):
            if nxt not in taken and nxt not in block and zone_ok(nxt) and len(block) < size:
                block.append(nxt)
                frontier.append(nxt)
    return block if len(block) == size else None


def seed_core(event, rng):
    demo = Demo(rng)
    from werkzeug.security import generate_password_hash

    # One hash for every demo account: hashing a thousand passwords would take a minute.
    demo.password_hash = generate_password_hash(DEMO_PASSWORD)
    booths = build_floor_plan(event)
    db.session.add(BoothSettings(event=event, hold_minutes=10))

    accounts = {}
    for email, _role, name_ko, name_en in DEMO_ACCOUNTS:
        accounts[email] = demo.user(
            email, name_ko, name_en, locale="en" if "firm" in email else "ko"
        )

    # Exhibitors: the record's mix of kinds and sectors.
    kinds = (
        ["large_firm"] * 30
        + ["midsize_firm"] * 45
        + ["startup"] * 180
        + ["university"] * 25
        + ["institute"] * 20
    )
    rng.shuffle(kinds)
    sectors = sector_quotas(len(kinds))
    rng.shuffle(sectors)
    exhibitors = []
    for number, (kind, sector) in enumerate(zip(kinds, sectors, strict=True)):
        org = demo.organization(kind, sector)
        size = rng.choices([1, 2, 3, 4], weights=[55, 30, 10, 5])[0]
        if kind == "large_firm":
            size = max(size, 2)
        zone_booths = [b for b in booths if b.zone == sector and not b.blocked]
        popular = zone_booths[: max(5, len(zone_booths) // 5)]
        wishes = [b.code for b in rng.sample(popular, min(len(popular), rng.randint(0, 5)))]
        exhibitor = Exhibitor(
            event=event,
            organization=org,
            booth_count=size,
            zones=[sector],
            wishes=wishes,
            wants_corner=rng.random() < 0.2,
            priority_tier=1 if kind == "large_firm" and number % 3 == 0 else 0,
        )
        db.session.add(exhibitor)
        exhibitors.append(exhibitor)
        admin = demo.user(organization=org)
        db.session.add(EventRole(event=event, user=admin, role="exhibitor_admin", organization=org))
        for _ in range(rng.randint(1, 2)):
            staff = demo.user(organization=org)
            db.session.add(
                EventRole(event=event, user=staff, role="exhibitor_staff", organization=org)
            )
    db.session.flush()

    # The demo exhibitor accounts represent the first startup in the AI zone.
    showcase = next(e for e in exhibitors if e.organization.kind == "startup" and e.zones == ["ai"])
    for email in ("exhibitor@kicxup.kr", "exhibitor.staff@kicxup.kr"):
        role = DEMO_ACCOUNTS[[a[0] for a in DEMO_ACCOUNTS].index(email)][1]
        accounts[email].organization = showcase.organization
        db.session.add(
            EventRole(
                event=event, user=accounts[email], role=role, organization=showcase.organization
            )
        )

    # A few competitors who must not stand side by side.
    large = [e for e in exhibitors if e.organization.kind == "large_firm"]
    for first, second in zip(large[::2], large[1::2], strict=False):
        if first.zones == second.zones:
            db.session.add(ExhibitorAvoid(exhibitor_id=first.id, avoided_id=second.id))

    # Statuses: most are placed, some wait for the assigner, some for review.
    statuses = (
        ["confirmed"] * 150
        + ["placed"] * 50
        + ["approved"] * 60
        + ["pending"] * 30
        + ["rejected"] * 6
        + ["withdrawn"] * 4
    )
    rng.shuffle(statuses)
    # The demo exhibitor is approved and has no booth yet, so it can pick at once.
    showcase_index = exhibitors.index(showcase)
    approved_index = statuses.index("approved")
    statuses[showcase_index], statuses[approved_index] = "approved", statuses[showcase_index]
    neighbours = {b.id: set() for b in booths}
    # Only this event's walls: the database may already hold other events' booths.
    for pair in db.session.execute(
        select(BoothAdjacency.booth_id, BoothAdjacency.neighbour_id)
        .join(Booth, Booth.id == BoothAdjacency.booth_id)
        .where(Booth.event_id == event.id)
    ):
        neighbours[pair[0]].add(pair[1])
        neighbours[pair[1]].add(pair[0])
    booth_by_id = {b.id: b for b in booths}
    taken = {b.id for b in booths if b.blocked}
    for exhibitor, status in zip(exhibitors, statuses, strict=True):
        exhibitor.status = status
        if status == "rejected":
            exhibitor.status_reason = "Outside the scope of the open-innovation program."
        if status not in ("placed", "confirmed"):
            continue
        zone_ok = lambda booth_id, zones=exhibitor.zones: booth_by_id[booth_id].zone in zones  # noqa: E731
        block = None
        for booth in booths:
            block = _free_block(booth.id, exhibitor.booth_count, zone_ok, neighbours, taken)
            if block:
                break
        if block is None:
            exhibitor.status = "approved"
            continue
        taken.update(block)
        for booth_id in block:
            db.session.add(BoothAllocation(booth_id=booth_id, exhibitor=exhibitor, state=status))

    # Attendees: startups and firms of the meetup, foreign buyers, visitors.
    for email in ("startup@kicxup.kr", "firm@kicxup.kr", "attendee@kicxup.kr"):
        db.session.add(EventRole(event=event, user=accounts[email], role="attendee"))
    accounts["startup@kicxup.kr"].organization = demo.organization("startup", "ai")
    accounts["firm@kicxup.kr"].organization = demo.organization("large_firm", "ai")
    for _ in range(120):
        org = demo.organization("startup", pick_sector(rng))
        db.session.add(EventRole(event=event, user=demo.user(organization=org), role="attendee"))
    for _ in range(40):
        org = demo.organization(rng.choice(["large_firm", "midsize_firm"]), pick_sector(rng))
        db.session.add(EventRole(event=event, user=demo.user(organization=org), role="attendee"))
    for index, (country, buyer) in enumerate(names.FOREIGN_BUYERS * 3):
        person_country, person = names.FOREIGN_PEOPLE[index % len(names.FOREIGN_PEOPLE)]
        label = (
            buyer
            if index < len(names.FOREIGN_BUYERS)
            else f"{buyer} {index // len(names.FOREIGN_BUYERS) + 1}"
        )
        org = Organization(
            name_ko=label,
            name_en=label,
            kind="investor",
            sector=pick_sector(rng),
            country=country,
            description_ko=f"{label}{particle('은(는)', label)} 한국 산업 기술을 찾는 해외 바이어입니다.",
            description_en=f"{label} sources Korean industrial technology.",
        )
        db.session.add(org)
        user = demo.user(name_ko=person, name_en=person, locale="en", organization=org)
        db.session.add(EventRole(event=event, user=user, role="attendee"))
    for _ in range(110):
        db.session.add(EventRole(event=event, user=demo.user(), role="attendee"))

    db.session.add(EventRole(event=event, user=accounts["organizer@kicxup.kr"], role="organizer"))
    db.session.add(EventRole(event=event, user=accounts["staff@kicxup.kr"], role="staff"))
    for _ in range(2):
        db.session.add(EventRole(event=event, user=demo.user(), role="organizer"))
    for _ in range(12):
        db.session.add(EventRole(event=event, user=demo.user(), role="staff"))
    db.session.flush()
    return accounts


def seed_demo(log=print, starts_on=FIRST_DAY):
    """Build the demo event unless it exists, its two fair days from `starts_on`;
    returns the event."""
    existing = db.session.scalar(select(Event).where(Event.slug == SLUG))
    if existing is not None:
        log(f"The demo event {SLUG!r} is already loaded.")
        return existing
    rng = random.Random(SEED)
    event = Event(
        slug=SLUG,
        name_ko="KICXUP 글로벌 2025",
        name_en="KICXUP Global 2025",
        fair_name_ko="2025 대한민국 산업단지 수출박람회 (KICEF)",
        fair_name_en="KICEF 2025 — Korea Industrial Complex Export Fair",
        venue_ko="KICEF 전시장",
        venue_en="KICEF exhibition centre",
        city="Seoul",
        description_ko="산업단지 입주기업과 스타트업이 만나는 오픈이노베이션 엑스포: 글로벌 밋업, 기술연계, 협업 실증(PoC), 수출컨설팅.",
        description_en="The open-innovation expo where industrial-complex firms meet startups: "
        "global meetups, tech matching, joint PoC projects and export consulting.",
        starts_on=starts_on,
        ends_on=starts_on + timedelta(days=1),
        opens_at=time(10, 0),
        closes_at=time(17, 0),
        timezone="Asia/Seoul",
        contact_email="kicxup@kicox.example",
    )
    db.session.add(event)
    db.session.flush()
    seed_core(event, rng)
    for module_name in DOMAIN_SEEDS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if not (error.name and module_name.startswith(error.name)):
                raise
            continue
        module.seed(event, random.Random(f"{SEED}-{module_name}"))
    audit.record(
        "event.demo_loaded",
        event,
        event=event,
        data={"seed": SEED, "starts_on": starts_on.isoformat()},
    )
    db.session.commit()
    return event
