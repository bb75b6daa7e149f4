"""From the database to the assigner's problem (format kicxup-booths/1) and back.

`build_problem()` reads the event: every booth with its zone, corner and
adjacency; blocked booths and booths under an active hold become `blocked`;
exhibitors with placed or confirmed booths become `fixed` (locked or not);
approved exhibitors without any booth that are not locked are the ones to
place. Locked exhibitors without booths are left out entirely.

Exhibitor ids in the problem are ``E<database id>``; booth ids are booth codes.
"""

from dataclasses import dataclass, field

from sqlalchemy import select

from eventapp.booths import rules
from eventapp.booths.models import Booth, BoothAllocation, Exhibitor, ExhibitorAvoid
from eventapp.booths.services import is_active, neighbour_map
from eventapp.core.db import utcnow
from eventapp.core.i18n import gettext as _
from eventapp.extensions import db

FORMAT = "kicxup-booths/1"
MAX_SIZE = 4
MAX_WISHES = 5


def problem_id(exhibitor_id):
    return f"E{exhibitor_id}"


def database_id(problem_exhibitor_id):
    return int(problem_exhibitor_id[1:])


@dataclass
class BuiltProblem:
    problem: dict
    to_place: list = field(default_factory=list)  # Exhibitor objects the assigner may place
    fixed: dict = field(default_factory=dict)  # exhibitor id -> booth codes kept as they are
    warnings: list = field(default_factory=list)  # text for the organizer

    @property
    def free_booths(self):
        taken = set(self.problem["blocked"]) | {c for codes in self.fixed.values() for c in codes}
        return sum(1 for b in self.problem["booths"] if b["id"] not in taken)


def build_problem(event, now=None):
    now = now or utcnow()
    booths = list(
        db.session.scalars(
            select(Booth).where(Booth.event_id == event.id).order_by(Booth.hall_id, Booth.code)
        )
    )
    code_of = {b.id: b.code for b in booths}
    neighbours = neighbour_map(event)
    exhibitors = {
        e.id: e
        for e in db.session.scalars(
            select(Exhibitor).where(Exhibitor.event_id == event.id).order_by(Exhibitor.id)
        )
    }
    allocations = [
        a
        for a in db.session.scalars(
            select(BoothAllocation).where(BoothAllocation.booth_id.in_(list(code_of)))
        )
        if is_active(a, now)
    ]
    blocked = {b.code for b in booths if b.blocked}
    held_by = {}  # exhibitor id -> codes
    warnings = []
    for allocation in allocations:
        code = code_of[allocation.booth_id]
        if allocation.state == "hold":
            blocked.add(code)
        held_by.setdefault(allocation.exhibitor_id, []).append(code)
    holding = {a.exhibitor_id for a in allocations if a.state == "hold"}

    fixed = {}
    for exhibitor_id, codes in held_by.items():
        if exhibitor_id in holding:
            continue
        exhibitor = exhibitors[exhibitor_id]
        codes = sorted(codes)
        if len(codes) > MAX_SIZE or not rules.connected(codes, neighbours) or set(codes) & blocked:
            blocked.update(codes)
            warnings.append(
                _(
                    "The booths of %(name)s (%(booths)s) break the rules; the assigner treats "
                    "them as blocked.",
                    name=_name(exhibitor),
                    booths=", ".join(codes),
                )
            )
            continue
        fixed[exhibitor_id] = codes

    avoid_pairs = set()
    for a, b in db.session.execute(select(ExhibitorAvoid.exhibitor_id, ExhibitorAvoid.avoided_id)):
        if a in exhibitors and b in exhibitors and a != b:
            avoid_pairs.add(tuple(sorted((a, b))))
    # Fixed competitors already side by side cannot both stay fixed in the problem.
    holder = {code: eid for eid, codes in fixed.items() for code in codes}
    for a, b in sorted(avoid_pairs):
        if a in fixed and b in fixed:
            touching = any(holder.get(n) == b for code in fixed[a] for n in neighbours[code])
            if touching:
                for eid in (a, b):
                    blocked.update(fixed.pop(eid))
                warnings.append(
                    _(
                        "%(first)s and %(second)s stand next to each other although they avoid "
                        "each other; the assigner treats their booths as blocked.",
                        first=_name(exhibitors[a]),
                        second=_name(exhibitors[b]),
                    )
                )
                holder = {code: eid for eid, codes in fixed.items() for code in codes}

    to_place = []
    for exhibitor in exhibitors.values():
        if exhibitor.status != "approved" or exhibitor.locked or exhibitor.id in held_by:
            continue
        if not 1 <= (exhibitor.booth_count or 0) <= MAX_SIZE:
            warnings.append(
                _(
                    "%(name)s rents %(count)s booths; the assigner places 1 to 4.",
                    name=_name(exhibitor),
                    count=exhibitor.booth_count,
                )
            )
            continue
        to_place.append(exhibitor)

    in_problem = set(fixed) | {e.id for e in to_place}
    known = {b.code for b in booths}
    problem_exhibitors = []
    for exhibitor_id in sorted(in_problem):
        exhibitor = exhibitors[exhibitor_id]
        if exhibitor_id in fixed:
            codes = fixed[exhibitor_id]
            zone_of = {b.code: b.zone for b in booths}
            zones = list(exhibitor.zones or ())
            # Organizers may have placed it outside its zones; keep the placement valid.
            if zones and any(zone_of[c] not in zones for c in codes):
                zones = []
            entry = {"id": problem_id(exhibitor_id), "size": len(codes), "zones": zones}
        else:
            wishes = [w for w in (exhibitor.wishes or []) if w in known]
            entry = {
                "id": problem_id(exhibitor_id),
                "size": exhibitor.booth_count,
                "zones": sorted(set(exhibitor.zones or ())),
                "wishes": list(dict.fromkeys(wishes))[:MAX_WISHES],
                "corner": bool(exhibitor.wants_corner),
            }
        avoid = sorted(
            problem_id(other)
            for pair in avoid_pairs
            if exhibitor_id in pair
            for other in pair
            if other != exhibitor_id and other in in_problem
        )
        if avoid:
            entry["avoid"] = avoid
        problem_exhibitors.append(entry)

    by_hall = {}
    for b in booths:
        by_hall.setdefault(b.hall_id, b.hall.code if b.hall else "")
    problem = {
        "format": FORMAT,
        "booths": [
            {
                "id": b.code,
                "hall": by_hall[b.hall_id],
                "zone": b.zone,
                "x": b.x,
                "y": b.y,
                "w": b.w,
                "h": b.h,
                "corner": bool(b.corner),
            }
            for b in booths
        ],
        "adjacent": sorted([a, b] for a, near in neighbours.items() for b in near if a < b),
        "blocked": sorted(blocked),
        "exhibitors": problem_exhibitors,
        "fixed": [
            {"exhibitor": problem_id(eid), "booths": codes} for eid, codes in sorted(fixed.items())
        ],
    }
    return BuiltProblem(problem=problem, to_place=to_place, fixed=fixed, warnings=warnings)


def _name(exhibitor):
    return exhibitor.organization.name if exhibitor.organization else f"#{exhibitor.id}"


def run(built, time_limit=20, workers=2):
    """Solve the problem; returns the proposal for the exhibitors to place."""
    from eventapp.booths import assigner

    problem = assigner.parse_problem(built.problem)
    if not built.to_place:
        return {"assignments": {}, "left_out": [], "status": "EMPTY", "score": 0, "seconds": 0.0}
    solution = assigner.solve(problem, time_limit=time_limit, workers=workers)
    wanted = {problem_id(e.id) for e in built.to_place}
    assignments = {
        database_id(eid): sorted(booths)
        for eid, booths in solution.assignments.items()
        if eid in wanted
    }
    left_out = [e.id for e in built.to_place if e.id not in assignments]
    return {
        "assignments": assignments,
        "left_out": left_out,
        "status": solution.status,
        "score": assigner.score(problem, solution)["score"],
        "seconds": solution.seconds,
    }
