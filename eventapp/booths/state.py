"""Read-only views of the floor: what the floor plan, the booth list, the JSON
endpoint, the exports and the violations page show.

Status of a booth as seen by one viewer: `blocked`, `yours` (the viewer's
company holds or has it), `held` (someone's hold, not expired), `taken`
(placed or confirmed) or `free` (no allocation, or only an expired hold).
"""

import math
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from eventapp.booths import rules
from eventapp.booths.models import (
    ALLOCATION_STATES,
    EXHIBITOR_STATUSES,
    Booth,
    BoothAllocation,
    Exhibitor,
    ExhibitorAvoid,
)
from eventapp.booths.services import is_active, neighbour_map
from eventapp.core.db import utcnow
from eventapp.core.i18n import lazy_gettext as _l
from eventapp.extensions import db
from eventapp.organizations.models import SECTORS

STATUSES = {
    "free": _l("free"),
    "held": _l("held"),
    "taken": _l("taken"),
    "blocked": _l("blocked"),
    "yours": _l("yours"),
}
ZONE_COLOURS = {
    "ai": "#2563eb",
    "eco": "#16a34a",
    "bio": "#db2777",
    "robotics": "#7c3aed",
    "battery": "#ea580c",
    "other": "#64748b",
}
HALL_GAP = 8.0  # metres between halls drawn next to each other
HALL_MARGIN = 2.0
# Room above the top hall for its name (2.6 m type on a baseline 0.7 m above the
# hall): 5 m left an empty band above it.
NAME_ROOM = 4.0


def zone_label(zone):
    return SECTORS.get(zone, zone)


def _both_names(organization):
    """The Korean and the English name of `organization`, once each, for searching."""
    if organization is None:
        return ""
    names = [organization.name_ko or "", organization.name_en or ""]
    return " / ".join(dict.fromkeys(n for n in names if n))


@dataclass
class BoothView:
    code: str
    hall: str
    zone: str
    x: float  # absolute drawing coordinates (hall offset added), metres
    y: float
    w: float
    h: float
    corner: bool
    tier: str
    status: str
    state: str = ""  # allocation state: hold, placed, confirmed
    exhibitor_id: int | None = None
    exhibitor_name: str = ""
    # The exhibitor's names in both languages, which the search finds whatever the
    # page's language ("Samwon" on the Korean plan, "삼원" on the English one).
    exhibitor_names: str = ""
    expires_at: object = None
    blocked_reason: str = ""
    extra: set = field(default_factory=set)  # extra CSS classes (selected, proposed, ...)
    note: str = ""  # shown in the details panel, e.g. who a proposal puts here

    @property
    def status_label(self):
        return STATUSES.get(self.status, self.status)

    @property
    def zone_label(self):
        return zone_label(self.zone)

    @property
    def label_size(self):
        return round(max(0.35, min(self.w, self.h) * 0.24), 2)


@dataclass
class HallView:
    code: str
    name: str
    x: float
    y: float
    width: float
    height: float


@dataclass
class PlanView:
    halls: list
    booths: list
    width: float
    height: float
    exhibitors: dict  # id -> {"name", "booths": [...]}
    zones: list  # zone codes present

    @property
    def view_box(self):
        width, height = self.width + 2 * HALL_MARGIN, self.height + HALL_MARGIN + NAME_ROOM
        return f"{-HALL_MARGIN:g} {-NAME_ROOM:g} {width:g} {height:g}"

    @property
    def aspect_ratio(self):
        box = [float(v) for v in self.view_box.split()]
        return f"{box[2]:g} / {box[3]:g}"

    def by_code(self):
        return {b.code: b for b in self.booths}

    def hall_names(self, booths):
        """The names of the halls `booths` stand in, in the plan's order."""
        codes = {b.hall for b in booths}
        return [hall.name for hall in self.halls if hall.code in codes]


def hall_layout(halls, booths):
    """Drawing offset and size of every hall.

    Halls keep their site-plan position when they have distinct, non-overlapping
    outlines; otherwise (e.g. all at 0,0) they are drawn side by side.
    """
    extent = defaultdict(lambda: [0.0, 0.0])
    for b in booths:
        box = extent[b.hall_id]
        box[0] = max(box[0], b.x + b.w)
        box[1] = max(box[1], b.y + b.h)
    sized = []
    for hall in halls:
        width = max(float(hall.width or 0), extent[hall.id][0] + HALL_MARGIN)
        height = max(float(hall.height or 0), extent[hall.id][1] + HALL_MARGIN)
        sized.append((hall, width, height))

    def overlap(a, b):
        (ha, wa, hha), (hb, wb, hhb) = a, b
        return min(ha.x + wa, hb.x + wb) > max(ha.x, hb.x) and min(ha.y + hha, hb.y + hhb) > max(
            ha.y, hb.y
        )

    keep = all(
        not overlap(sized[i], sized[j]) for i in range(len(sized)) for j in range(i + 1, len(sized))
    )
    if keep:
        return {hall.id: (float(hall.x or 0), float(hall.y or 0), w, h) for hall, w, h in sized}
    # In a row or in a column, whichever is nearer a 4:3 screen: wide halls in
    # a row would otherwise shrink the booths to unreadable slivers.
    row_width = sum(w for _h, w, _ in sized) + HALL_GAP * (len(sized) - 1)
    row_height = max((h for _h, _w, h in sized), default=0.0)
    column_width = max((w for _h, w, _ in sized), default=0.0)
    column_height = sum(h for _h, _w, h in sized) + HALL_GAP * (len(sized) - 1)

    def misfit(width, height):
        return abs(math.log((width or 1) / (height or 1) / (4 / 3)))

    in_column = misfit(column_width, column_height) < misfit(row_width, row_height)
    layout = {}
    cursor = 0.0
    for hall, width, height in sized:
        if in_column:
            layout[hall.id] = (0.0, cursor, width, height)
            cursor += height + HALL_GAP
        else:
            layout[hall.id] = (cursor, 0.0, width, height)
            cursor += width + HALL_GAP
    return layout


def _allocations(event, now):
    rows = db.session.scalars(
        select(BoothAllocation)
        .join(Booth)
        .where(Booth.event_id == event.id)
        .options(selectinload(BoothAllocation.exhibitor).selectinload(Exhibitor.organization))
    )
    return {a.booth_id: a for a in rows if is_active(a, now)}


def plan_view(event, viewer_exhibitor_id=None, show_holders=False, now=None):
    """Everything needed to draw the floor plan for one viewer."""
    now = now or utcnow()
    halls = list(event.halls)
    booths = list(
        db.session.scalars(
            select(Booth).where(Booth.event_id == event.id).order_by(Booth.hall_id, Booth.code)
        )
    )
    allocations = _allocations(event, now)
    layout = hall_layout(halls, booths)
    hall_code = {h.id: h.code for h in halls}
    views, exhibitors, zones = [], {}, []
    for b in booths:
        ox, oy, _w, _h = layout.get(b.hall_id, (0.0, 0.0, 0.0, 0.0))
        allocation = allocations.get(b.id)
        view = BoothView(
            code=b.code,
            hall=hall_code.get(b.hall_id, ""),
            zone=b.zone,
            x=round(ox + b.x, 3),
            y=round(oy + b.y, 3),
            w=b.w,
            h=b.h,
            corner=bool(b.corner),
            tier=b.tier or "standard",
            status="free",
            blocked_reason=b.blocked_reason or "",
        )
        if b.zone not in zones:
            zones.append(b.zone)
        if b.blocked:
            view.status = "blocked"
        elif allocation is not None:
            exhibitor = allocation.exhibitor
            mine = viewer_exhibitor_id is not None and exhibitor.id == viewer_exhibitor_id
            view.state = allocation.state
            view.status = "yours" if mine else ("held" if allocation.state == "hold" else "taken")
            if mine or allocation.state != "hold" or show_holders:
                name = exhibitor.organization.name if exhibitor.organization else ""
                view.exhibitor_id = exhibitor.id
                view.exhibitor_name = name
                view.exhibitor_names = _both_names(exhibitor.organization)
                entry = exhibitors.setdefault(exhibitor.id, {"name": name, "booths": []})
                entry["booths"].append(b.code)
            if mine:
                view.expires_at = allocation.expires_at
        views.append(view)
    hall_views = []
    width = height = 0.0
    for hall in halls:
        x, y, w, h = layout[hall.id]
        hall_views.append(HallView(hall.code, hall.name, x, y, w, h))
        width, height = max(width, x + w), max(height, y + h)
    ordered_zones = [z for z in ZONE_COLOURS if z in zones] + [
        z for z in zones if z not in ZONE_COLOURS
    ]
    return PlanView(hall_views, views, width, height, exhibitors, ordered_zones)


def plan_json(event, plan, mine=None):
    """The plan state as JSON (GET /e/<slug>/floorplan.json), for refreshing a drawn plan.

    halls: code, name, x, y, width, height (drawing position, metres); zones: code,
    label, colour; booths: code, hall, zone, x, y, w, h (absolute drawing position),
    corner, tier, status (free/held/taken/blocked/yours), state (hold/placed/confirmed
    or null), exhibitor ({id, name} or null: holds stay anonymous except to organizers);
    exhibitors: id, name, booths; mine: the viewer's own allocation or null.
    """
    return {
        "event": event.slug,
        "generated_at": utcnow().isoformat(),
        "halls": [
            {
                "code": h.code,
                "name": h.name,
                "x": h.x,
                "y": h.y,
                "width": h.width,
                "height": h.height,
            }
            for h in plan.halls
        ],
        "zones": [
            {"code": z, "label": str(zone_label(z)), "colour": ZONE_COLOURS.get(z, "#64748b")}
            for z in plan.zones
        ],
        "booths": [
            {
                "code": b.code,
                "hall": b.hall,
                "zone": b.zone,
                "x": b.x,
                "y": b.y,
                "w": b.w,
                "h": b.h,
                "corner": b.corner,
                "tier": b.tier,
                "status": b.status,
                "state": b.state or None,
                "exhibitor": (
                    {"id": b.exhibitor_id, "name": b.exhibitor_name, "names": b.exhibitor_names}
                    if b.exhibitor_id
                    else None
                ),
            }
            for b in plan.booths
        ],
        "exhibitors": [
            {"id": eid, "name": data["name"], "booths": data["booths"]}
            for eid, data in sorted(plan.exhibitors.items(), key=lambda item: item[1]["name"])
        ],
        "mine": mine,
    }


def mine_summary(exhibitor, now=None):
    """The viewer's own allocation, for the picking page and the JSON endpoint."""
    if exhibitor is None:
        return None
    now = now or utcnow()
    allocations = [
        a
        for a in db.session.scalars(
            select(BoothAllocation).where(BoothAllocation.exhibitor_id == exhibitor.id)
        )
        if is_active(a, now)
    ]
    states = {a.state for a in allocations}
    state = None
    for candidate in ("hold", "placed", "confirmed"):
        if candidate in states:
            state = candidate
            break
    expires = min((a.expires_at for a in allocations if a.expires_at), default=None)
    return {
        "exhibitor_id": exhibitor.id,
        "status": exhibitor.status,
        "booth_count": exhibitor.booth_count,
        "zones": list(exhibitor.zones or ()),
        "state": state,
        "booths": sorted(a.booth.code for a in allocations),
        "expires_at": expires.isoformat() if expires else None,
        # What is left by the server's clock: the page counts it down by the device's
        # clock, which may be minutes (or a time zone) off.
        "seconds_left": max(0, round((expires - now).total_seconds())) if expires else None,
    }


def booth_rows(event, now=None, show_holders=True):
    """One row per booth with who stands there, sorted by hall and code."""
    plan = plan_view(event, show_holders=show_holders, now=now)
    status_of = {}
    for e in db.session.scalars(
        select(Exhibitor)
        .where(Exhibitor.event_id == event.id)
        .options(selectinload(Exhibitor.organization))
    ):
        status_of[e.id] = e
    rows = []
    for b in sorted(plan.booths, key=lambda b: (b.hall, b.code)):
        exhibitor = status_of.get(b.exhibitor_id)
        org = exhibitor.organization if exhibitor else None
        rows.append(
            {
                "booth": b.code,
                "hall": b.hall,
                "zone": b.zone,
                "zone_label": str(b.zone_label),
                "corner": b.corner,
                "tier": b.tier,
                "status": b.status,
                "status_label": str(b.status_label),
                "state": b.state,
                "state_label": str(ALLOCATION_STATES.get(b.state, "")) if b.state else "",
                "blocked_reason": b.blocked_reason,
                "exhibitor_id": b.exhibitor_id,
                "company": b.exhibitor_name,
                "company_ko": org.name_ko if org else "",
                "company_en": org.name_en if org else "",
                "country": org.country if org else "",
                "exhibitor_status": exhibitor.status if exhibitor else "",
            }
        )
    return rows


def directory(event, now=None):
    """Exhibitors with booths, by name: (name, name_ko, name_en, booth codes, zones)."""
    plan = plan_view(event, now=now)
    booths = plan.by_code()
    exhibitors = {
        e.id: e
        for e in db.session.scalars(
            select(Exhibitor)
            .where(Exhibitor.id.in_(list(plan.exhibitors)))
            .options(selectinload(Exhibitor.organization))
        )
    }
    entries = []
    for eid, data in plan.exhibitors.items():
        org = exhibitors[eid].organization
        codes = sorted(data["booths"])
        entries.append(
            {
                "id": eid,
                "name": data["name"],
                "name_ko": org.name_ko,
                "name_en": org.name_en,
                "booths": codes,
                "zones": sorted({booths[c].zone for c in codes}),
            }
        )
    entries.sort(key=lambda e: e["name"].casefold())
    return entries


@dataclass
class Violation:
    exhibitor: object
    booths: list
    breaches: list


def violations(event, now=None):
    """Every exhibitor whose booths break a rule, with what is broken."""
    now = now or utcnow()
    neighbours = neighbour_map(event)
    booths = {
        b.code: b for b in db.session.scalars(select(Booth).where(Booth.event_id == event.id))
    }
    code_of = {b.id: b.code for b in booths.values()}
    allocations = _allocations(event, now)
    holder_of = {code_of[booth_id]: a.exhibitor_id for booth_id, a in allocations.items()}
    held = defaultdict(list)
    exhibitors = {}
    for booth_id, allocation in allocations.items():
        held[allocation.exhibitor_id].append(code_of[booth_id])
        exhibitors[allocation.exhibitor_id] = allocation.exhibitor
    avoid = defaultdict(set)
    for a, b in db.session.execute(select(ExhibitorAvoid.exhibitor_id, ExhibitorAvoid.avoided_id)):
        avoid[a].add(b)
        avoid[b].add(a)

    def name_of(eid):
        exhibitor = exhibitors.get(eid) or db.session.get(Exhibitor, eid)
        return exhibitor.organization.name if exhibitor and exhibitor.organization else f"#{eid}"

    found = []
    for eid, codes in sorted(held.items(), key=lambda item: name_of(item[0]).casefold()):
        exhibitor = exhibitors[eid]
        breaches = rules.check_placement(
            sorted(codes),
            wanted=exhibitor.booth_count,
            zones=set(exhibitor.zones or ()),
            zone_of={c: booths[c].zone for c in codes},
            neighbours=neighbours,
            holder_of={c: h for c, h in holder_of.items() if h != eid},
            avoided=avoid[eid],
            name_of=name_of,
            blocked={c for c in codes if booths[c].blocked},
        )
        if breaches:
            found.append(Violation(exhibitor, sorted(codes), breaches))
    return found


def exhibitor_rows(event, now=None):
    """Exhibitors that can have booths, with their booths, for the organizer page."""
    now = now or utcnow()
    allocations = _allocations(event, now)
    booths = dict(
        db.session.execute(select(Booth.id, Booth.code).where(Booth.event_id == event.id)).all()
    )
    held = defaultdict(list)
    states = defaultdict(set)
    for booth_id, allocation in allocations.items():
        held[allocation.exhibitor_id].append(booths[booth_id])
        states[allocation.exhibitor_id].add(allocation.state)
    rows = []
    for e in db.session.scalars(
        select(Exhibitor)
        .where(
            Exhibitor.event_id == event.id,
            Exhibitor.status.in_(("approved", "placed", "confirmed")),
        )
        .options(selectinload(Exhibitor.organization))
    ):
        rows.append(
            {
                "exhibitor": e,
                "name": e.organization.name if e.organization else f"#{e.id}",
                "status_label": EXHIBITOR_STATUSES.get(e.status, e.status),
                "booths": sorted(held.get(e.id, [])),
                "states": sorted(states.get(e.id, set())),
            }
        )
    rows.sort(key=lambda r: r["name"].casefold())
    return rows
