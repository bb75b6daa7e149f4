"""From the database to the assigner's problem (format kicxup-booths/1) and back.

`build_problem()` reads the event: every booth with its zone, corner and
adjacency; blocked booths become `blocked`. Every booth someone has -- held
while picking, placed or confirmed -- stays with it: its exhibitor becomes a
`fixed` placement with its competitors in `avoid`, so the assigner never puts
anybody next to a competitor who holds booths now and confirms them later.
Approved exhibitors without any booth that are not locked are the ones to
place. Locked exhibitors without booths are left out entirely.

The format wants a fixed placement to be 1 to 4 touching, unblocked booths.
Booths that organizers gave against that rule are still occupied: they are
split into such groups, each a fixed entry ``E<id>.<n>`` with the holder's
competitors, and the organizer is warned.

Exhibitor ids in the problem are ``E<database id>``; booth ids are booth codes.
Wished booths match booth codes whatever their case.
"""

import time
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from eventapp.booths.models import Booth, BoothAllocation, Exhibitor, ExhibitorAvoid
from eventapp.booths.services import is_active, neighbour_map
from eventapp.core.db import utcnow
from eventapp.core.i18n import current_language, one_full_stop
from eventapp.core.i18n import gettext as _
from eventapp.core.i18n import lazy_gettext as _l
from eventapp.extensions import db

FORMAT = "kicxup-booths/1"
MAX_SIZE = 4
MAX_WISHES = 5


# What the organizer is warned of. A proposal keeps its warnings (the kind and the
# values, each company's name in both languages) and each reader sees them in their
# own language: kept as text, a plan proposed in Korean warned in Korean for good.
WARNINGS = {
    "rules_broken": _l(
        "The booths of %(name)s (%(booths)s) break the rules; the assigner keeps "
        "them as they are and away from its competitors."
    ),
    "size": _l("%(name)s rents %(count)s booths; the assigner places 1 to 4."),
    "side_by_side": _l(
        "%(first)s and %(second)s stand next to each other although they avoid "
        "each other; the assigner leaves them where they are."
    ),
}

# The assigner's solver status, said to the organizer (the proposal page).
SOLVER_STATUSES = {
    "OPTIMAL": _l("the best plan possible"),
    "FEASIBLE": _l("the best plan found within the time limit, not proven the best"),
    "GREEDY": _l("a first-come plan: the solver found none better within the time limit"),
    "EMPTY": _l("nobody to place"),
}


def left_out_text(entry):
    """Why the assigner left a company out (an entry of a proposal's `left_out`), in the
    current language; "" for a proposal stored before reasons were kept. Kept like the
    warnings, as the kind and the values (names in both languages)."""
    from eventapp.booths.state import zone_label

    if not isinstance(entry, dict) or entry.get("reason") is None:
        return ""
    language = current_language()
    values = dict(entry.get("values") or {})
    zones = values.get("zones") or []
    size = values.get("size") or 0
    values["zones"] = ", ".join(str(zone_label(zone)) for zone in zones)
    values["rivals"] = ", ".join(
        names.get(language) or next(iter(names.values()), "") for names in values.get("rivals", ())
    )
    values.setdefault("largest", 0)
    reason = entry["reason"]
    if reason == "none_free" and zones:
        return _("No booth is free in its zones (%(zones)s).", **values)
    if reason == "none_free":
        return _("No booth is free on the floor.")
    # One booth or several touching ones, no two touching or a few: different
    # sentences, not plural forms of one (Korean has a single form).
    one = size == 1
    if reason == "too_small" and values["largest"] == 1:
        if zones:
            return _(
                "It needs %(size)s touching booths, but no two free booths touch each other "
                "in its zones (%(zones)s).",
                **values,
            )
        return _(
            "It needs %(size)s touching booths, but no two free booths touch each other "
            "on the floor.",
            **values,
        )
    if reason == "too_small":
        if zones:
            return _(
                "It needs %(size)s touching booths, but at most %(largest)s free booths "
                "touch each other in its zones (%(zones)s).",
                **values,
            )
        return _(
            "It needs %(size)s touching booths, but at most %(largest)s free booths "
            "touch each other on the floor.",
            **values,
        )
    if reason == "rivals" and one:
        if zones:
            return _(
                "Every free booth in its zones (%(zones)s) stands next to a competitor it "
                "avoids: %(rivals)s.",
                **values,
            )
        return _(
            "Every free booth on the floor stands next to a competitor it avoids: %(rivals)s.",
            **values,
        )
    if reason == "rivals":
        if zones:
            return _(
                "Every free place for %(size)s touching booths in its zones (%(zones)s) "
                "stands next to a competitor it avoids: %(rivals)s.",
                **values,
            )
        return _(
            "Every free place for %(size)s touching booths on the floor stands next to a "
            "competitor it avoids: %(rivals)s.",
            **values,
        )
    if reason == "taken" and one:
        if zones:
            return _(
                "The exhibitors placed in this plan took every free booth in its zones "
                "(%(zones)s).",
                **values,
            )
        return _("The exhibitors placed in this plan took every free booth on the floor.")
    if reason == "taken":
        if zones:
            return _(
                "The exhibitors placed in this plan took every free place for %(size)s "
                "touching booths in its zones (%(zones)s).",
                **values,
            )
        return _(
            "The exhibitors placed in this plan took every free place for %(size)s "
            "touching booths on the floor.",
            **values,
        )
    if reason == "time" and zones:
        return _(
            "The time limit ended before it was placed: there is still room for it in its "
            "zones (%(zones)s). Run again with a longer time limit.",
            **values,
        )
    if reason == "time":
        return _(
            "The time limit ended before it was placed: there is still room for it on the "
            "floor. Run again with a longer time limit."
        )
    return ""


def _warning(kind, **values):
    return {"kind": kind, "values": values}


def warning_text(warning):
    """A warning of `build_problem()` (or of a stored proposal) in the current language."""
    if isinstance(warning, str):  # a proposal stored when warnings were kept as text
        return warning
    language = current_language()
    values = {
        key: value.get(language) or next(iter(value.values()), "")
        if isinstance(value, dict)
        else value
        for key, value in warning["values"].items()
    }
    return one_full_stop(str(WARNINGS[warning["kind"]]), values)


def problem_id(exhibitor_id):
    return f"E{exhibitor_id}"


def database_id(problem_exhibitor_id):
    return int(problem_exhibitor_id[1:])


@dataclass
class BuiltProblem:
    problem: dict
    to_place: list = field(default_factory=list)  # Exhibitor objects the assigner may place
    fixed: dict = field(default_factory=dict)  # exhibitor id -> booth codes kept as they are
    warnings: list = field(default_factory=list)  # for the organizer: see warning_text()
    # Ids of `to_place`, so that solving needs no database (nor a loaded object) at all.
    to_place_ids: list = field(default_factory=list)
    # Exhibitor id -> name in each language, of those a competitor avoids: the reasons
    # a company is left out name its competitors.
    names: dict = field(default_factory=dict)

    @property
    def free_booths(self):
        taken = set(self.problem["blocked"]) | {c for codes in self.fixed.values() for c in codes}
        return sum(1 for b in self.problem["booths"] if b["id"] not in taken)


def split_into_groups(codes, neighbours):
    """The booths as groups of at most MAX_SIZE touching booths (each grown from its
    lowest code through neighbours), which the format accepts as fixed placements."""
    left = set(codes)
    groups = []
    while left:
        seed = min(left)
        left.discard(seed)
        group, frontier = [seed], [seed]
        while frontier and len(group) < MAX_SIZE:
            for near in sorted(neighbours.get(frontier.pop(0), ())):
                if near in left and len(group) < MAX_SIZE:
                    left.discard(near)
                    group.append(near)
                    frontier.append(near)
        groups.append(sorted(group))
    return groups


def build_problem(event, now=None):
    now = now or utcnow()
    booths = list(
        db.session.scalars(
            select(Booth).where(Booth.event_id == event.id).order_by(Booth.hall_id, Booth.code)
        )
    )
    code_of = {b.id: b.code for b in booths}
    zone_of = {b.code: b.zone for b in booths}
    neighbours = neighbour_map(event)
    exhibitors = {
        e.id: e
        for e in db.session.scalars(
            select(Exhibitor)
            .where(Exhibitor.event_id == event.id)
            .order_by(Exhibitor.id)
            # Warnings and the page name the companies: read with them, not one by one.
            .options(joinedload(Exhibitor.organization))
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
    occupied = defaultdict(list)  # exhibitor id -> codes: held, placed or confirmed alike
    for allocation in allocations:
        occupied[allocation.exhibitor_id].append(code_of[allocation.booth_id])
    warnings = []

    avoid = defaultdict(set)
    for a, b in db.session.execute(select(ExhibitorAvoid.exhibitor_id, ExhibitorAvoid.avoided_id)):
        if a in exhibitors and b in exhibitors and a != b:
            avoid[a].add(b)
            avoid[b].add(a)

    entries = {}  # problem id -> (exhibitor id, fixed codes or None)
    fixed = {}  # exhibitor id -> every code it occupies that the problem keeps for it
    for exhibitor_id in sorted(occupied):
        exhibitor = exhibitors[exhibitor_id]
        codes = sorted(occupied[exhibitor_id])
        usable = [c for c in codes if c not in blocked]
        groups = split_into_groups(usable, neighbours)
        if len(groups) == 1 and len(usable) == len(codes):
            entries[problem_id(exhibitor_id)] = (exhibitor_id, groups[0])
        else:
            for number, group in enumerate(groups, start=1):
                entries[f"{problem_id(exhibitor_id)}.{number}"] = (exhibitor_id, group)
            warnings.append(
                _warning("rules_broken", name=_names(exhibitor), booths=", ".join(codes))
            )
        if usable:
            fixed[exhibitor_id] = usable

    to_place = []
    for exhibitor in exhibitors.values():
        if exhibitor.status != "approved" or exhibitor.locked or exhibitor.id in occupied:
            continue
        if not 1 <= (exhibitor.booth_count or 0) <= MAX_SIZE:
            warnings.append(_warning("size", name=_names(exhibitor), count=exhibitor.booth_count))
            continue
        to_place.append(exhibitor)
        entries[problem_id(exhibitor.id)] = (exhibitor.id, None)

    # Competitors the organizers already put side by side cannot be kept apart any more;
    # the format refuses such fixed pairs, so that one pair (only) is not listed.
    holder = {code: pid for pid, (_e, codes) in entries.items() for code in codes or ()}
    touching = set()
    for pid, (exhibitor_id, codes) in entries.items():
        for code in codes or ():
            for near in neighbours[code]:
                other = holder.get(near)
                if other is not None and entries[other][0] in avoid[exhibitor_id]:
                    touching.add(frozenset((pid, other)))
    side_by_side = sorted({tuple(sorted(entries[pid][0] for pid in pair)) for pair in touching})
    for first_id, second_id in side_by_side:
        first, second = exhibitors[first_id], exhibitors[second_id]
        warnings.append(_warning("side_by_side", first=_names(first), second=_names(second)))

    known = {b.code.upper(): b.code for b in booths}
    problem_exhibitors = []
    for pid in sorted(entries, key=_entry_order):
        exhibitor_id, codes = entries[pid]
        exhibitor = exhibitors[exhibitor_id]
        if codes is not None:
            zones = sorted(set(exhibitor.zones or ()))
            # Organizers may have placed it outside its zones; keep the placement valid.
            if zones and any(zone_of[c] not in zones for c in codes):
                zones = []
            entry = {"id": pid, "size": len(codes), "zones": zones}
        else:
            wishes = [known[w.upper()] for w in (exhibitor.wishes or []) if w.upper() in known]
            entry = {
                "id": pid,
                "size": exhibitor.booth_count,
                "zones": sorted(set(exhibitor.zones or ())),
                "wishes": list(dict.fromkeys(wishes))[:MAX_WISHES],
                "corner": bool(exhibitor.wants_corner),
            }
        others = sorted(
            (
                other
                for other, (other_id, _codes) in entries.items()
                if other_id in avoid[exhibitor_id] and frozenset((pid, other)) not in touching
            ),
            key=_entry_order,
        )
        if others:
            entry["avoid"] = others
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
            {"exhibitor": pid, "booths": codes}
            for pid, (_e, codes) in sorted(entries.items(), key=lambda item: _entry_order(item[0]))
            if codes is not None
        ],
    }
    return BuiltProblem(
        problem=problem,
        to_place=to_place,
        fixed=fixed,
        warnings=warnings,
        to_place_ids=[e.id for e in to_place],
        names={i: _names(exhibitors[i]) for i in avoid},
    )


def _entry_order(pid):
    """E12 before E12.1 before E12.2 before E13: by database id, then group."""
    number, _dot, group = pid[1:].partition(".")
    return int(number), int(group or 0)


def _names(exhibitor):
    """The company's name in each language, for a warning read in either."""
    organization = exhibitor.organization
    if organization is None:
        return {"ko": f"#{exhibitor.id}", "en": f"#{exhibitor.id}"}
    return {language: organization.localized("name", language) for language in ("ko", "en")}


def run(built, time_limit=20, workers=2):
    """Solve the problem; returns the proposal for the exhibitors to place."""
    from eventapp.booths import assigner

    started = time.monotonic()
    problem = assigner.parse_problem(built.problem)
    if not built.to_place_ids:
        return {"assignments": {}, "left_out": [], "status": "EMPTY", "score": 0, "seconds": 0.0}
    solution = assigner.solve(problem, time_limit=time_limit, workers=workers, started=started)
    wanted = {problem_id(i) for i in built.to_place_ids}
    assignments = {
        database_id(eid): sorted(booths)
        for eid, booths in solution.assignments.items()
        if eid in wanted
    }
    reasons = assigner.left_out_reasons(problem, solution.assignments)
    left_out = []
    for i in built.to_place_ids:
        if i in assignments:
            continue
        found = reasons.get(problem_id(i), {})
        values = {"size": found.get("size"), "zones": found.get("zones", [])}
        if "largest" in found:
            values["largest"] = found["largest"]
        if "rivals" in found:
            # A fixed entry of a company the organizers placed against the rules is
            # E<id>.<n>: each of its companies is named once.
            rivals = dict.fromkeys(_entry_order(pid)[0] for pid in found["rivals"])
            values["rivals"] = [built.names.get(r, {"ko": f"#{r}", "en": f"#{r}"}) for r in rivals]
        left_out.append({"exhibitor": i, "reason": found.get("reason"), "values": values})
    return {
        "assignments": assignments,
        "left_out": left_out,
        "status": solution.status,
        "score": assigner.score(problem, solution)["score"],
        "seconds": solution.seconds,
    }
