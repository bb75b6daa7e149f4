"""Booth assignment for the expo floor, exchange format ``kicxup-booths/1``.

A pure solver: plain data in, plain data out, no Flask and no database, so it can
be run, checked and benchmarked on its own::

    python -m eventapp.booths.assigner PROBLEM.json SOLUTION.json [--time-limit SECONDS]

``--time-limit`` is at most MAX_TIME_LIMIT (86400 s, a day) and ``--workers`` at most
MAX_WORKERS (64): OR-Tools takes them as fixed-size integers, and larger values are
refused with an error naming the option instead of crashing the solver. The problem
itself holds no free integers (sizes are 1 to 4, points are fixed), so it needs no bound.

Every exhibitor rents 1 to 4 booths that must touch each other. A *block* is such
a connected set of free booths; the assigner chooses at most one block per
exhibitor and maximises ``1000 * placed + wish points + 20 * corners``.

How it gets there, within the time limit:

1. Candidate blocks are enumerated once per size and zone set. Exhibitors of the
   same size and zones with no competitor to avoid form a *pool* sharing one 0/1
   decision per plain block; only blocks worth wish or corner points to someone
   (and every block of an exhibitor with a competitor) are decisions of their own.
   The model stays small and interchangeable exhibitors stop being symmetric, yet
   its optimum is the true one: a plain block handed to a member is worth at least
   what the model counted. Knapsack bounds per crowded zone group tighten it.
2. The LP relaxation (GLOP) gives a proven bound and is nearly integral on expo
   floors. Rounded, it is a good start; keeping its sure decisions away from the
   booths it hesitates over leaves a small problem that CP-SAT solves in seconds.
3. CP-SAT then works on the whole problem from the best placement so far, with
   LP-heavy workers that close the last points of the gap, and stops as soon as a
   placement reaches a proven bound.

First come, first served (:func:`greedy`) is the baseline; the assigner never does
worse, since that order is one of its own starting points.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field

from ortools.linear_solver import pywraplp
from ortools.sat.python import cp_model

FORMAT = "kicxup-booths/1"
MAX_SIZE = 4
MAX_WISHES = 5
PLACED_POINTS = 1000
CORNER_POINTS = 20
# The largest --time-limit (seconds, a day) and --workers of the command line.
MAX_TIME_LIMIT = 86_400
MAX_WORKERS = 64

log = logging.getLogger(__name__)


class ProblemError(ValueError):
    """A problem file that does not follow the format; the message is one line."""


@dataclass(frozen=True)
class Booth:
    id: str
    zone: str
    hall: str = ""
    corner: bool = False


@dataclass(frozen=True)
class Exhibitor:
    id: str
    size: int
    zones: frozenset[str] = frozenset()
    wishes: tuple[str, ...] = ()
    corner: bool = False
    # Symmetric: holds both the competitors this exhibitor names and those naming it.
    avoid: frozenset[str] = frozenset()

    def wish_points(self, booth_id: str) -> int:
        if booth_id in self.wishes:
            return MAX_WISHES - self.wishes.index(booth_id)
        return 0

    def allows(self, booth: Booth) -> bool:
        return not self.zones or booth.zone in self.zones


@dataclass(frozen=True)
class Problem:
    booths: dict[str, Booth]  # in file order
    neighbours: dict[str, frozenset[str]]
    blocked: frozenset[str]
    exhibitors: dict[str, Exhibitor]  # in file order
    fixed: dict[str, tuple[str, ...]]  # exhibitor id -> booths placed by the organizers


@dataclass
class Solution:
    assignments: dict[str, list[str]]  # exhibitor id -> booth ids
    status: str = "GREEDY"  # GREEDY, FEASIBLE or OPTIMAL
    bound: int | None = None  # proven upper bound on the score, when the solver found one
    seconds: float = 0.0

    def to_json(self) -> dict:
        return {
            "format": FORMAT,
            "assignments": [
                {"exhibitor": eid, "booths": list(booths)}
                for eid, booths in self.assignments.items()
            ],
        }


# --------------------------------------------------------------------------- parsing


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ProblemError(message)


def _string_list(value, where: str) -> list[str]:
    _require(
        isinstance(value, list) and all(isinstance(v, str) for v in value),
        f"{where} must be a list of strings",
    )
    return value


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def parse_problem(data) -> Problem:
    """Validate a decoded ``kicxup-booths/1`` problem and build a :class:`Problem`.

    Raises :class:`ProblemError` with a one-line message on the first defect found.
    """
    _require(isinstance(data, dict), "problem must be a JSON object")
    _require("format" in data, "missing key 'format'")
    _require(data["format"] == FORMAT, f"format must be {FORMAT!r}, got {data['format']!r}")
    for key in ("booths", "exhibitors"):
        _require(key in data, f"missing key {key!r}")
        _require(isinstance(data[key], list), f"{key!r} must be a list")

    booths: dict[str, Booth] = {}
    for i, raw in enumerate(data["booths"]):
        where = f"booths[{i}]"
        _require(isinstance(raw, dict), f"{where} must be an object")
        for key in ("id", "zone"):
            _require(key in raw, f"{where}: missing key {key!r}")
            _require(isinstance(raw[key], str) and raw[key], f"{where}: {key!r} must be a string")
        bid = raw["id"]
        _require(bid not in booths, f"{where}: duplicate booth id {bid!r}")
        corner = raw.get("corner", False)
        _require(isinstance(corner, bool), f"booth {bid}: 'corner' must be true or false")
        hall = raw.get("hall", "")
        _require(isinstance(hall, str), f"booth {bid}: 'hall' must be a string")
        booths[bid] = Booth(id=bid, zone=raw["zone"], hall=hall, corner=corner)

    def known_booth(bid, where: str) -> str:
        _require(isinstance(bid, str), f"{where}: booth ids must be strings")
        _require(bid in booths, f"{where}: unknown booth {bid!r}")
        return bid

    neighbours: dict[str, set[str]] = {bid: set() for bid in booths}
    adjacent = data.get("adjacent", [])
    _require(isinstance(adjacent, list), "'adjacent' must be a list")
    for i, pair in enumerate(adjacent):
        where = f"adjacent[{i}]"
        _require(isinstance(pair, list) and len(pair) == 2, f"{where} must be a pair of booths")
        a, b = (known_booth(bid, where) for bid in pair)
        _require(a != b, f"{where}: booth {a!r} cannot touch itself")
        neighbours[a].add(b)
        neighbours[b].add(a)

    blocked = frozenset(
        known_booth(bid, "blocked") for bid in _string_list(data.get("blocked", []), "'blocked'")
    )

    raw_exhibitors: dict[str, dict] = {}
    for i, raw in enumerate(data["exhibitors"]):
        where = f"exhibitors[{i}]"
        _require(isinstance(raw, dict), f"{where} must be an object")
        for key in ("id", "size"):
            _require(key in raw, f"{where}: missing key {key!r}")
        eid = raw["id"]
        _require(isinstance(eid, str) and eid, f"{where}: 'id' must be a string")
        _require(eid not in raw_exhibitors, f"{where}: duplicate exhibitor id {eid!r}")
        raw_exhibitors[eid] = raw

    avoid: dict[str, set[str]] = defaultdict(set)
    for eid, raw in raw_exhibitors.items():
        for other in _string_list(raw.get("avoid", []), f"exhibitor {eid}: 'avoid'"):
            _require(
                other in raw_exhibitors, f"exhibitor {eid}: avoids unknown exhibitor {other!r}"
            )
            _require(other != eid, f"exhibitor {eid}: cannot avoid itself")
            avoid[eid].add(other)
            avoid[other].add(eid)

    exhibitors: dict[str, Exhibitor] = {}
    for eid, raw in raw_exhibitors.items():
        size = raw["size"]
        _require(
            _is_int(size) and 1 <= size <= MAX_SIZE,
            f"exhibitor {eid}: 'size' must be an integer from 1 to {MAX_SIZE}, got {size!r}",
        )
        zones = _string_list(raw.get("zones", []), f"exhibitor {eid}: 'zones'")
        wishes = _string_list(raw.get("wishes", []), f"exhibitor {eid}: 'wishes'")
        _require(
            len(wishes) <= MAX_WISHES,
            f"exhibitor {eid}: at most {MAX_WISHES} wishes, got {len(wishes)}",
        )
        for bid in wishes:
            known_booth(bid, f"exhibitor {eid}: 'wishes'")
        corner = raw.get("corner", False)
        _require(isinstance(corner, bool), f"exhibitor {eid}: 'corner' must be true or false")
        exhibitors[eid] = Exhibitor(
            id=eid,
            size=size,
            zones=frozenset(zones),
            wishes=tuple(wishes),
            corner=corner,
            avoid=frozenset(avoid[eid]),
        )

    problem = Problem(
        booths=booths,
        neighbours={bid: frozenset(n) for bid, n in neighbours.items()},
        blocked=blocked,
        exhibitors=exhibitors,
        fixed=_parse_fixed(data.get("fixed", []), booths, exhibitors, blocked),
    )
    _check_fixed_avoid(problem)
    return problem


def _parse_fixed(fixed, booths, exhibitors, blocked) -> dict[str, tuple[str, ...]]:
    _require(isinstance(fixed, list), "'fixed' must be a list")
    placements: dict[str, tuple[str, ...]] = {}
    holder: dict[str, str] = {}
    for i, raw in enumerate(fixed):
        where = f"fixed[{i}]"
        _require(isinstance(raw, dict), f"{where} must be an object")
        for key in ("exhibitor", "booths"):
            _require(key in raw, f"{where}: missing key {key!r}")
        eid = raw["exhibitor"]
        _require(isinstance(eid, str) and eid in exhibitors, f"{where}: unknown exhibitor {eid!r}")
        _require(eid not in placements, f"{where}: exhibitor {eid} is fixed twice")
        held = _string_list(raw["booths"], f"{where}: 'booths'")
        exhibitor = exhibitors[eid]
        _require(
            len(held) == exhibitor.size and len(set(held)) == len(held),
            f"{where}: exhibitor {eid} rents {exhibitor.size} booth(s), fixed on {len(held)}",
        )
        for bid in held:
            _require(bid in booths, f"{where}: unknown booth {bid!r}")
            _require(bid not in blocked, f"{where}: booth {bid} is blocked")
            _require(
                bid not in holder, f"{where}: booth {bid} is already fixed for {holder.get(bid)}"
            )
            _require(
                exhibitor.allows(booths[bid]),
                f"{where}: booth {bid} lies outside the zones of exhibitor {eid}",
            )
            holder[bid] = eid
        placements[eid] = tuple(held)
    return placements


def _check_fixed_avoid(problem: Problem) -> None:
    """Fixed placements must be feasible on their own: connected, apart from competitors."""
    holder = {bid: eid for eid, held in problem.fixed.items() for bid in held}
    for eid, held in problem.fixed.items():
        _require(
            _connected(held, problem.neighbours),
            f"fixed placement of {eid}: booths {list(held)} do not touch each other",
        )
        for bid in held:
            for near in problem.neighbours[bid]:
                other = holder.get(near)
                _require(
                    other is None or other not in problem.exhibitors[eid].avoid,
                    f"fixed placements of {eid} and {other} stand next to each other "
                    "but they avoid each other",
                )


def _groups(booth_ids, neighbours):
    """The sets of touching booths that `booth_ids` falls into, one at a time."""
    members = set(booth_ids)
    seen: set[str] = set()
    for start in members:
        if start in seen:
            continue
        seen.add(start)
        group, todo = {start}, [start]
        while todo:
            for near in neighbours[todo.pop()]:
                if near in members and near not in seen:
                    seen.add(near)
                    group.add(near)
                    todo.append(near)
        yield group


def _connected(booth_ids, neighbours) -> bool:
    groups = _groups(booth_ids, neighbours)
    return next(groups, None) is not None and next(groups, None) is None


def load_problem(path: str) -> Problem:
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except OSError as exc:
        raise ProblemError(f"cannot read {path}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise ProblemError(f"{path} is not valid JSON: {exc}") from None
    return parse_problem(data)


# --------------------------------------------------------------------------- scoring


def block_points(problem: Problem, exhibitor: Exhibitor, booth_ids) -> int:
    """Wish and corner points an exhibitor earns on these booths (the 1000 not included)."""
    points = sum(exhibitor.wish_points(bid) for bid in booth_ids)
    if exhibitor.corner and any(problem.booths[bid].corner for bid in booth_ids):
        points += CORNER_POINTS
    return points


def score(problem: Problem, solution: Solution) -> dict:
    """Score as defined by the format: 1000 per placed exhibitor plus wish and corner points."""
    wish_points = corners = 0
    for eid, held in solution.assignments.items():
        exhibitor = problem.exhibitors[eid]
        wish_points += sum(exhibitor.wish_points(bid) for bid in held)
        if exhibitor.corner and any(problem.booths[bid].corner for bid in held):
            corners += 1
    placed = len(solution.assignments)
    return {
        "score": PLACED_POINTS * placed + wish_points + CORNER_POINTS * corners,
        "placed": placed,
        "wish_points": wish_points,
        "corners": corners,
    }


def violations(problem: Problem, assignments: dict[str, list[str]]) -> list[str]:
    """Broken feasibility rules; the solver refuses to return a solution with any."""
    found = []
    holder: dict[str, str] = {}
    for eid, held in assignments.items():
        exhibitor = problem.exhibitors.get(eid)
        if exhibitor is None:
            found.append(f"unknown exhibitor {eid}")
            continue
        if len(held) != exhibitor.size or len(set(held)) != len(held):
            found.append(f"{eid} holds {held}, needs {exhibitor.size} distinct booths")
        for bid in held:
            if bid not in problem.booths:
                found.append(f"{eid} holds unknown booth {bid}")
                continue
            if bid in problem.blocked:
                found.append(f"{eid} holds blocked booth {bid}")
            if bid in holder:
                found.append(f"booth {bid} given to {holder[bid]} and {eid}")
            if not exhibitor.allows(problem.booths[bid]):
                found.append(f"{eid} holds {bid} outside its zones")
            holder[bid] = eid
        if held and all(bid in problem.booths for bid in held):
            if not _connected(held, problem.neighbours):
                found.append(f"booths of {eid} do not touch each other")
    for eid, held in assignments.items():
        if eid not in problem.exhibitors:
            continue
        for bid in held:
            for near in problem.neighbours.get(bid, ()):
                other = holder.get(near)
                if other and other in problem.exhibitors[eid].avoid and eid < other:
                    found.append(f"{eid} stands next to {other}")
    for eid, held in problem.fixed.items():
        if set(assignments.get(eid, ())) != set(held):
            found.append(f"fixed placement of {eid} moved or missing")
    return found


# --------------------------------------------------------------------------- left out


def _largest_group(booth_ids: set[str], neighbours) -> int:
    """Size of the largest set of touching booths among `booth_ids`: any connected set
    that large also holds a connected set of every smaller size."""
    return max(map(len, _groups(booth_ids, neighbours)), default=0)


def _groups_of_at_least(booth_ids: set[str], neighbours, size: int) -> set[str]:
    """The booths of `booth_ids` that lie in a set of at least `size` touching ones."""
    return {bid for group in _groups(booth_ids, neighbours) if len(group) >= size for bid in group}


def left_out_reasons(problem: Problem, assignments: dict[str, list[str]]) -> dict[str, dict]:
    """Why each exhibitor to place that `assignments` leaves out has no booths, as plain data.

    For every such exhibitor id: ``{"reason": ..., "size": booths it rents, "zones":
    its zones, sorted (empty: the whole floor)}`` and, by reason:

    - ``none_free``: no booth in its zones is free (blocked or fixed by the organizers);
    - ``too_small``: free booths there, but no ``size`` of them touch; ``largest`` is
      the most that do;
    - ``rivals``: every free place for it stands next to a competitor it avoids,
      ``rivals`` (their ids), placed by the organizers or in `assignments`;
    - ``taken``: the exhibitors `assignments` places took every free place for it;
    - ``time``: a place that breaks no rule is still free, so the search ended before
      finding it (the solver's time limit).
    """
    neighbours = problem.neighbours
    fixed_on = {bid: eid for eid, held in problem.fixed.items() for bid in held}
    placed_on = {bid: eid for eid, held in assignments.items() for bid in held}
    free = {bid for bid in problem.booths if bid not in problem.blocked and bid not in fixed_on}
    reasons: dict[str, dict] = {}
    for eid, exhibitor in problem.exhibitors.items():
        if eid in assignments or eid in problem.fixed:
            continue
        size = exhibitor.size
        found = {"size": size, "zones": sorted(exhibitor.zones)}
        reasons[eid] = found
        mine = {bid for bid in free if exhibitor.allows(problem.booths[bid])}
        largest = _largest_group(mine, neighbours)
        if largest < size:
            if largest:
                found.update(reason="too_small", largest=largest)
            else:
                found["reason"] = "none_free"
            continue

        avoid = exhibitor.avoid
        if _largest_group(mine - _next_to(fixed_on, avoid, neighbours), neighbours) < size:
            places = _groups_of_at_least(mine, neighbours, size)
            found.update(reason="rivals", rivals=_around(places, fixed_on, avoid, neighbours))
            continue
        left = mine - placed_on.keys()
        if _largest_group(left - _next_to(placed_on, avoid, neighbours), neighbours) >= size:
            found["reason"] = "time"
        elif _largest_group(left, neighbours) < size:
            found["reason"] = "taken"
        else:
            places = _groups_of_at_least(left, neighbours, size)
            found.update(reason="rivals", rivals=_around(places, placed_on, avoid, neighbours))
    return reasons


def _next_to(holders: dict[str, str], rivals, neighbours) -> set[str]:
    """Booths next to one held by any of `rivals`."""
    return {near for bid, other in holders.items() if other in rivals for near in neighbours[bid]}


def _around(booth_ids, holders: dict[str, str], rivals, neighbours) -> list[str]:
    """Those of `rivals` holding a booth next to one of `booth_ids`."""
    return sorted(
        {
            holders[near]
            for bid in booth_ids
            for near in neighbours[bid]
            if holders.get(near) in rivals
        }
    )


# --------------------------------------------------------------------------- candidate blocks


@dataclass
class _Floor:
    """Index-based view of the floor, with every connected block of free booths."""

    ids: list[str]
    neighbours: list[tuple[int, ...]]
    corner: list[bool]
    zone: list[str]
    holder: list[str | None]  # exhibitor id on each booth fixed by the organizers
    blocks: dict[int, list[tuple[int, ...]]] = field(default_factory=dict)


def _build_floor(problem: Problem) -> _Floor:
    ids = list(problem.booths)
    index = {bid: i for i, bid in enumerate(ids)}
    holder: list[str | None] = [None] * len(ids)
    for eid, held in problem.fixed.items():
        for bid in held:
            holder[index[bid]] = eid
    floor = _Floor(
        ids=ids,
        neighbours=[tuple(sorted(index[n] for n in problem.neighbours[bid])) for bid in ids],
        corner=[problem.booths[bid].corner for bid in ids],
        zone=[problem.booths[bid].zone for bid in ids],
        holder=holder,
    )
    free = [bid not in problem.blocked and holder[i] is None for i, bid in enumerate(ids)]
    sizes = {e.size for eid, e in problem.exhibitors.items() if eid not in problem.fixed}
    for size in sizes:
        floor.blocks[size] = _connected_blocks(floor.neighbours, free, size)
    return floor


def _connected_blocks(neighbours, free, size: int) -> list[tuple[int, ...]]:
    """Every connected set of `size` free booths, each exactly once.

    Grows each set from its lowest booth, only ever adding higher booths reached
    through a neighbour that is new to the set (the ESU scheme of Wernicke), which
    yields every set once without a duplicate check.
    """
    blocks: list[tuple[int, ...]] = []

    def grow(members: list[int], seen: set[int], frontier: list[int], root: int) -> None:
        if len(members) == size:
            blocks.append(tuple(sorted(members)))
            return
        frontier = list(frontier)
        while frontier:
            booth = frontier.pop()
            fresh = [n for n in neighbours[booth] if n > root and free[n] and n not in seen]
            grow(members + [booth], seen | set(fresh), frontier + fresh, root)

    for root, is_free in enumerate(free):
        if is_free:
            start = [n for n in neighbours[root] if n > root and free[n]]
            grow([root], {root, *neighbours[root]}, start, root)
    return blocks


@dataclass
class _Options:
    """The blocks an exhibitor may take, and what the valuable ones are worth to it."""

    blocks: list[tuple[int, ...]]  # shared between exhibitors of the same size and zones
    points: dict[int, int]  # position in `blocks` -> wish and corner points, when any

    def by_preference(self):
        """Positions of the blocks, best first; equally good ones in floor order."""
        yield from sorted(self.points, key=lambda k: (-self.points[k], k))
        yield from (k for k in range(len(self.blocks)) if k not in self.points)

    def points_of(self, block: tuple[int, ...]) -> int:
        return next((p for k, p in self.points.items() if self.blocks[k] == block), 0)


def _options(problem: Problem, floor: _Floor) -> dict[str, _Options]:
    """The blocks each exhibitor to place may take, with the points they are worth to it."""
    index = {bid: i for i, bid in enumerate(floor.ids)}
    # Blocks by (size, zones), with the positions of the blocks holding each booth.
    shared: dict[tuple[int, frozenset[str]], tuple[list, dict[int, list[int]]]] = {}
    options: dict[str, _Options] = {}
    for eid, exhibitor in problem.exhibitors.items():
        if eid in problem.fixed:
            continue
        key = (exhibitor.size, exhibitor.zones)
        if key not in shared:
            blocks = [
                block
                for block in floor.blocks[exhibitor.size]
                if not exhibitor.zones or all(floor.zone[b] in exhibitor.zones for b in block)
            ]
            holding = defaultdict(list)
            for k, block in enumerate(blocks):
                for b in block:
                    holding[b].append(k)
            shared[key] = (blocks, holding)
        blocks, holding = shared[key]
        wish = {index[bid]: exhibitor.wish_points(bid) for bid in exhibitor.wishes}
        # Booths next to a fixed competitor are out of reach for good.
        near_rival = {
            n
            for other in exhibitor.avoid
            for bid in problem.fixed.get(other, ())
            for n in floor.neighbours[index[bid]]
        }
        if near_rival:
            blocks = [block for block in blocks if near_rival.isdisjoint(block)]
            holding = defaultdict(list)
            for k, block in enumerate(blocks):
                for b in block:
                    holding[b].append(k)
        points: dict[int, int] = defaultdict(int)
        for b, gain in wish.items():
            for k in holding.get(b, ()):
                points[k] += gain
        if exhibitor.corner:
            with_corner = {k for b in holding if floor.corner[b] for k in holding[b]}
            for k in with_corner:
                points[k] += CORNER_POINTS
        options[eid] = _Options(blocks, dict(points))
    return options


def _to_solution(floor: _Floor, problem: Problem, chosen: dict[str, tuple[int, ...]], **info):
    assignments = {eid: list(held) for eid, held in problem.fixed.items()}
    for eid in problem.exhibitors:
        if eid in chosen:
            assignments[eid] = [floor.ids[b] for b in chosen[eid]]
    # Keep the file order of exhibitors, which makes solutions easy to compare by eye.
    ordered = {eid: assignments[eid] for eid in problem.exhibitors if eid in assignments}
    return Solution(assignments=ordered, **info)


# --------------------------------------------------------------------------- greedy


def _greedy_blocks(
    problem: Problem,
    floor: _Floor,
    options: dict[str, _Options],
    order: list[str] | None = None,
    holder: list[str | None] | None = None,
    chosen: dict[str, tuple[int, ...]] | None = None,
) -> dict[str, tuple[int, ...]]:
    """Place exhibitors one by one (file order unless told), each on its best free block.

    `holder` (who is on each booth) and `chosen` carry on from a partial placement.
    """
    holder = list(floor.holder) if holder is None else holder
    chosen = {} if chosen is None else chosen
    for eid in order or list(options):
        if eid in chosen:
            continue
        exhibitor = problem.exhibitors[eid]
        mine = options[eid]
        for k in mine.by_preference():
            block = mine.blocks[k]
            if any(holder[b] is not None for b in block):
                continue
            if exhibitor.avoid and any(
                holder[n] in exhibitor.avoid for b in block for n in floor.neighbours[b]
            ):
                continue
            chosen[eid] = block
            for b in block:
                holder[b] = eid
            break
    return chosen


def _starting_blocks(problem, floor, options) -> dict[str, tuple[int, ...]]:
    """The best of a few greedy orders, as the solver's starting point.

    File order spreads wishes well but strands big exhibitors in a crowded zone;
    serving first those with the fewest blocks per booth rented places more of them.
    """

    def blocks(eid):
        return len(options[eid].blocks)

    scarce = sorted(options, key=lambda eid: blocks(eid) / problem.exhibitors[eid].size)
    big_first = sorted(options, key=lambda eid: (-problem.exhibitors[eid].size, blocks(eid)))
    best, best_score = {}, -1
    for order in (list(options), scarce, big_first):
        chosen = _greedy_blocks(problem, floor, options, order)
        total = sum(PLACED_POINTS + options[eid].points_of(block) for eid, block in chosen.items())
        if total > best_score:
            best, best_score = chosen, total
    return best


def greedy(problem: Problem) -> Solution:
    """First come, first served: exhibitors in file order, each taking its best free block."""
    started = time.monotonic()
    floor = _build_floor(problem)
    chosen = _greedy_blocks(problem, floor, _options(problem, floor))
    return _to_solution(floor, problem, chosen, seconds=time.monotonic() - started)


# --------------------------------------------------------------------------- CP-SAT model


def time_reserve(time_limit: float) -> float:
    """Seconds kept back from the solvers: CP-SAT stops a little after its limit (0.2 s
    late seen on a loaded 2-core machine), and reading its answer back and checking
    it take time too."""
    return 0.25 + min(1.0, 0.02 * time_limit)


def solve(
    problem: Problem, time_limit: float = 20.0, workers: int = 2, started: float | None = None
) -> Solution:
    """Best assignment found within `time_limit` seconds; exhibitors that fit nowhere are left out.

    The limit covers everything from `started` (a ``time.monotonic()`` reading, by
    default the call; pass an earlier one to count reading the problem too): the
    candidate blocks and the models are built on that clock and the solvers get
    only what is left of it, less a small reserve.

    Never worse than :func:`greedy`. The LP relaxation gives both a proven bound
    (the search stops as soon as it is reached) and, rounded, a starting point that is
    usually close to optimal; CP-SAT then improves on the best start it is given.
    """
    started = time.monotonic() if started is None else started
    deadline = started + time_limit - time_reserve(time_limit)

    def remaining() -> float:
        return deadline - time.monotonic()

    floor = _build_floor(problem)
    options = _options(problem, floor)
    plan = _Formulation(problem, floor, options)
    fixed_score = _fixed_score(problem)
    # At least as good as first come, first served, which is one of the orders tried.
    start = _starting_blocks(problem, floor, options)
    fallback = _to_solution(floor, problem, start, status="GREEDY")
    log.debug("%.2fs: greedy start %d", time.monotonic() - started, plan.value(start))
    cap = rounded = None
    relaxation = None
    if remaining() > 0.05:
        relaxation = _relaxation(plan, until=time.monotonic() + 0.3 * remaining())
    if relaxation is not None:
        lp_value, lp_solution = relaxation
        # Scores are integers: no placement beats the relaxation rounded down.
        cap = math.floor(lp_value + 1e-3)
        rounded = _round(plan, options, lp_solution)
        log.debug(
            "%.2fs: LP bound %d, rounded %d", time.monotonic() - started, cap, plan.value(rounded)
        )

    chosen, status, bound = max(start, rounded or {}, key=plan.value), "FEASIBLE", cap
    if cap is not None and plan.value(chosen) >= cap:
        status = "OPTIMAL"
    if rounded is not None:
        # The relaxation is nearly integral: keeping its sure decisions away from the
        # spots it hesitates over leaves a small problem that CP-SAT solves in seconds.
        # A tight neighbourhood first, then a wider one starting from its result.
        for ring, share in ((0, 0.25), (1, 0.4)):
            if status == "OPTIMAL" or remaining() < 1.0:
                break
            sure = _sure_choices(plan, lp_solution, ring)
            part = time.monotonic() + share * remaining()
            found, status, _ = _search(
                plan, max(rounded, chosen, key=plan.value), cap, part, workers, sure
            )
            chosen = max(chosen, found, key=plan.value)
            log.debug(
                "%.2fs: ring %d kept %d %s",
                time.monotonic() - started,
                ring,
                plan.value(chosen),
                status,
            )
    if status != "OPTIMAL" and remaining() > 0.1:
        # The whole problem, to close the last points between the relaxation and the
        # placement found. Workers that keep the full LP relaxation (linearization
        # level 2) prove these set-packing models far sooner than the default portfolio.
        if workers >= 2:
            lp_heavy = {"subsolvers": ["max_lp", "pseudo_costs"]}
        else:
            lp_heavy = {"linearization_level": 2}
        chosen, status, cp_bound = _search(plan, chosen, cap, deadline, workers, **lp_heavy)
        if cp_bound is not None:
            bound = cp_bound if bound is None else min(bound, cp_bound)
        log.debug("%.2fs: search %d %s", time.monotonic() - started, plan.value(chosen), status)

    solution = _to_solution(
        floor,
        problem,
        chosen,
        status=status,
        # The model leaves out the organizers' own placements, which score all the same.
        bound=None if bound is None else bound + fixed_score,
    )
    if violations(problem, solution.assignments) or (
        score(problem, solution)["score"] < score(problem, fallback)["score"]
    ):
        solution = fallback
    solution.seconds = time.monotonic() - started
    return solution


@dataclass(frozen=True)
class _Choice:
    """One yes/no decision: a block for one exhibitor, or a plain block of a pool."""

    block: tuple[int, ...]
    points: int
    exhibitor: str | None = None
    pool: int | None = None


class _Formulation:
    """The placement decisions and linear rows, shared by CP-SAT and the LP relaxation.

    Exhibitors of the same size and zones without competitors to avoid form a pool
    that shares one decision per plain block; only blocks worth points to a given
    exhibitor (and every block of one with a competitor) are decisions of its own.
    A row ``(choices, weights, limit)`` reads ``sum(weight * choice) <= limit``,
    with ``weights`` None for all ones.
    """

    def __init__(self, problem: Problem, floor: _Floor, options: dict[str, _Options]):
        self.problem, self.floor = problem, floor
        self.choices: list[_Choice] = []
        self.rows: list[tuple[list[int], list[int] | None, int]] = []
        self.own: dict[str, list[int]] = {}
        self.pools: list[list[str]] = []
        self.pool_of: dict[str, int] = {}
        covering: list[list[int]] = [[] for _ in floor.ids]  # choices that take each booth

        def add(choice: _Choice) -> int:
            for b in choice.block:
                covering[b].append(len(self.choices))
            self.choices.append(choice)
            return len(self.choices) - 1

        pooled: dict[tuple[int, frozenset[str]], list[str]] = defaultdict(list)
        for eid, exhibitor in problem.exhibitors.items():
            if eid not in options:
                continue
            # A competitor to keep apart needs the exhibitor's own position: no pooling.
            if not exhibitor.avoid:
                pooled[(exhibitor.size, exhibitor.zones)].append(eid)
            self.own[eid] = [
                add(_Choice(block, options[eid].points.get(k, 0), exhibitor=eid))
                for k, block in enumerate(options[eid].blocks)
                if exhibitor.avoid or k in options[eid].points
            ]
            self.rows.append((self.own[eid], None, 1))

        for members in pooled.values():
            pool = len(self.pools)
            self.pools.append(members)
            self.pool_of.update((eid, pool) for eid in members)
            # Members share the same blocks: no competitor on the floor shrinks them.
            shared = [add(_Choice(block, 0, pool=pool)) for block in options[members[0]].blocks]
            # No more blocks than members, counting those placed on a block worth points.
            self.rows.append(
                (shared + [i for eid in members for i in self.own[eid]], None, len(members))
            )

        self.rows.extend((takers, None, 1) for takers in covering if len(takers) > 1)
        self._add_avoid()
        self._add_zone_capacity()
        self.weights = [PLACED_POINTS + c.points for c in self.choices]

    def _add_avoid(self) -> None:
        """Keep competitors apart: if one holds booth b, the other holds nothing on or next to b.

        Each side takes at most one block, so "e on b" and "f touches b" are each a sum
        of exclusive choices and a single at-most-one row covers every forbidden pair.
        """
        done = set()
        for eid, exhibitor in self.problem.exhibitors.items():
            for other in sorted(exhibitor.avoid):
                pair = tuple(sorted((eid, other)))
                if pair in done or eid not in self.own or other not in self.own:
                    continue
                done.add(pair)
                on_booth = defaultdict(list)
                for i in self.own[eid]:
                    for b in self.choices[i].block:
                        on_booth[b].append(i)
                for b, here in on_booth.items():
                    reach = {b, *self.floor.neighbours[b]}
                    touching = [
                        i for i in self.own[other] if not reach.isdisjoint(self.choices[i].block)
                    ]
                    if touching:
                        self.rows.append((here + touching, None, 1))

    def _add_zone_capacity(self, most_zone_sets: int = 4096) -> None:
        """Tell the solvers how many exhibitors a crowded group of zones can take at most.

        Implied by the booth rows, but a relaxation happily fills the last booths with
        a fraction of an exhibitor; a count bound from a knapsack over the sizes closes
        most of that gap at once.
        """
        groups = []  # (zones, size, choices, how many exhibitors)
        for pool, members in enumerate(self.pools):
            lead = self.problem.exhibitors[members[0]]
            mine = [i for i, c in enumerate(self.choices) if c.pool == pool]
            mine += [i for eid in members for i in self.own[eid]]
            groups.append((lead.zones, lead.size, mine, len(members)))
        for eid, mine in self.own.items():
            if eid not in self.pool_of:
                exhibitor = self.problem.exhibitors[eid]
                groups.append((exhibitor.zones, exhibitor.size, mine, 1))

        every_zone = frozenset(self.floor.zone)
        free_in: dict[str, int] = defaultdict(int)
        for b, zone in enumerate(self.floor.zone):
            if self.floor.holder[b] is None and self.floor.ids[b] not in self.problem.blocked:
                free_in[zone] += 1

        # Only unions of the exhibitors' own zone sets can give bounds of their own.
        zone_sets = {zones or every_zone for zones, *_ in groups}
        frontier = set(zone_sets)
        while frontier and len(zone_sets) < most_zone_sets:
            grown = {a | b for a in frontier for b in list(zone_sets)} - zone_sets
            zone_sets |= grown
            frontier = grown

        for zone_set in sorted(zone_sets, key=lambda zones: (len(zones), sorted(zones))):
            inside = [g for g in groups if (g[0] or every_zone) <= zone_set]
            booths = sum(free_in[zone] for zone in zone_set)
            if sum(size * count for _, size, _, count in inside) <= booths:
                continue
            sizes = sorted(size for _, size, _, count in inside for _ in range(count))
            fit = used = 0
            while fit < len(sizes) and used + sizes[fit] <= booths:
                used += sizes[fit]
                fit += 1
            mine = [i for _, _, group, _ in inside for i in group]
            self.rows.append((mine, [size for _, size, group, _ in inside for _ in group], booths))
            self.rows.append((mine, None, fit))

    def value(self, chosen: dict[str, tuple[int, ...]]) -> int:
        """Objective of a placement of the exhibitors left to place."""
        problem, ids = self.problem, self.floor.ids
        return sum(
            PLACED_POINTS + block_points(problem, problem.exhibitors[eid], [ids[b] for b in block])
            for eid, block in chosen.items()
        )

    def encode(self, chosen: dict[str, tuple[int, ...]]) -> list[bool]:
        """The decisions that make up a placement, as a complete hint."""
        taken = [False] * len(self.choices)
        by_block = defaultdict(list)
        for i, choice in enumerate(self.choices):
            by_block[choice.block].append(i)
        for eid, block in chosen.items():
            mine = [i for i in by_block[block] if self.choices[i].exhibitor == eid]
            if not mine:
                pool = self.pool_of[eid]
                mine = [i for i in by_block[block] if self.choices[i].pool == pool]
            taken[mine[0]] = True
        return taken

    def decode(self, taken) -> dict[str, tuple[int, ...]]:
        """The placement a set of decisions stands for; plain blocks go to waiting members."""
        chosen = {}
        plain = defaultdict(list)
        for i, choice in enumerate(self.choices):
            if taken[i]:
                if choice.exhibitor is not None:
                    chosen[choice.exhibitor] = choice.block
                else:
                    plain[choice.pool].append(choice.block)
        for pool, blocks in plain.items():
            waiting = [eid for eid in self.pools[pool] if eid not in chosen]
            _hand_out(self.problem, self.floor, waiting, blocks, chosen)
        return chosen


def _relaxation(plan: _Formulation, until: float) -> tuple[float, list[float]] | None:
    """Optimum of the LP relaxation and its solution, or None when it could not be had
    by `until` (monotonic clock).

    Building the LP row by row costs more than solving it on a loaded machine, so the
    clock covers the building too: GLOP gets only what is left of it.
    """
    lp = pywraplp.Solver.CreateSolver("GLOP")
    if lp is None:
        return None
    try:
        xs = [lp.NumVar(0.0, 1.0, "") for _ in _in_time(plan.choices, until)]
        for members, weights, limit in _in_time(plan.rows, until):
            row = lp.Constraint(-lp.infinity(), limit)
            for k, i in enumerate(members):
                row.SetCoefficient(xs[i], weights[k] if weights else 1)
        objective = lp.Objective()
        for x, weight in _in_time(zip(xs, plan.weights, strict=True), until):
            objective.SetCoefficient(x, weight)
    except _OutOfTime:
        return None
    objective.SetMaximization()
    left = until - time.monotonic()
    if left <= 0:
        return None
    lp.SetTimeLimit(max(1, int(left * 1000)))
    if lp.Solve() != pywraplp.Solver.OPTIMAL:
        return None
    return objective.Value(), [x.solution_value() for x in xs]


def _round(plan: _Formulation, options, lp_solution: list[float]) -> dict[str, tuple[int, ...]]:
    """A placement that follows the LP solution, its surest decisions first.

    The relaxation is nearly integral on expo floors, so taking its decisions by
    decreasing value and then placing whoever is left greedily lands close to optimal.
    """
    problem, floor = plan.problem, plan.floor
    holder = list(floor.holder)
    chosen: dict[str, tuple[int, ...]] = {}
    open_slots = [len(members) for members in plan.pools]
    plain: dict[int, list[tuple[int, ...]]] = defaultdict(list)
    order = sorted(
        (i for i, x in enumerate(lp_solution) if x > 1e-3),
        key=lambda i: (-lp_solution[i], -plan.weights[i]),
    )
    for i in order:
        choice = plan.choices[i]
        block = choice.block
        if any(holder[b] is not None for b in block):
            continue
        eid = choice.exhibitor
        if eid is not None:
            exhibitor = problem.exhibitors[eid]
            pool = plan.pool_of.get(eid)
            if eid in chosen or (pool is not None and open_slots[pool] == 0):
                continue
            if exhibitor.avoid and any(
                holder[n] in exhibitor.avoid for b in block for n in floor.neighbours[b]
            ):
                continue
            chosen[eid] = block
            if pool is not None:
                open_slots[pool] -= 1
        else:
            if open_slots[choice.pool] == 0:
                continue
            open_slots[choice.pool] -= 1
            plain[choice.pool].append(block)
            eid = ""  # a pool member, named once the blocks are handed out
        for b in block:
            holder[b] = eid
    for pool, blocks in plain.items():
        waiting = [eid for eid in plan.pools[pool] if eid not in chosen]
        _hand_out(problem, floor, waiting, blocks, chosen)
    # Whoever the relaxation left out gets the best block still free.
    return _greedy_blocks(problem, floor, options, holder=holder, chosen=chosen)


def _sure_choices(plan: _Formulation, lp_solution: list[float], ring: int) -> list[int]:
    """Decisions the relaxation takes outright, away from the booths it hesitates over.

    Keeping `ring` rings of booths free around every fractional decision lets the
    search move the neighbours too, which the optimum sometimes needs.
    """
    undecided = {
        b for i, x in enumerate(lp_solution) if 1e-6 < x <= 0.999 for b in plan.choices[i].block
    }
    for _ in range(ring):
        undecided |= {n for b in undecided for n in plan.floor.neighbours[b]}
    return [
        i
        for i, x in enumerate(lp_solution)
        if x > 0.999 and undecided.isdisjoint(plan.choices[i].block)
    ]


def _search(plan: _Formulation, start, cap, deadline: float, workers: int, fixed_on=(), **params):
    """CP-SAT from `start` until `deadline` (monotonic clock), taking `fixed_on` for granted.

    Returns (placement, status, proven bound or None); OPTIMAL only when the whole
    problem is solved, i.e. nothing is fixed or the placement reaches `cap`.
    """
    model = cp_model.CpModel()
    try:
        xs = [model.new_bool_var("") for _ in _in_time(plan.choices, deadline)]
        for members, weights, limit in _in_time(plan.rows, deadline):
            if weights is None and limit == 1:
                model.add_at_most_one(xs[i] for i in members)
            elif weights is None:
                model.add(cp_model.LinearExpr.sum([xs[i] for i in members]) <= limit)
            else:
                model.add(
                    cp_model.LinearExpr.weighted_sum([xs[i] for i in members], weights) <= limit
                )
        for i in fixed_on:
            model.add(xs[i] == 1)
        model.maximize(cp_model.LinearExpr.weighted_sum(xs, plan.weights))
        hint = plan.encode(start)
        if all(hint[i] for i in fixed_on):
            for x, hinted in _in_time(zip(xs, hint, strict=True), deadline):
                model.add_hint(x, hinted)
    except _OutOfTime:
        return start, "FEASIBLE", None

    solver = cp_model.CpSolver()
    solver.parameters.num_workers = max(1, workers)
    # What is left once the model is built; the caller's reserve covers reading it back.
    left = deadline - time.monotonic()
    if left < 0.05:
        return start, "FEASIBLE", None
    solver.parameters.max_time_in_seconds = left
    for name, value in params.items():
        if name == "subsolvers":
            solver.parameters.subsolvers.extend(value)
        else:
            setattr(solver.parameters, name, value)
    status = solver.solve(model, _StopAtBound(cap) if cap is not None else None)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return start, "FEASIBLE", None
    chosen = plan.decode([solver.boolean_value(x) for x in xs])
    if plan.value(chosen) < plan.value(start):
        chosen = start
    proven = status == cp_model.OPTIMAL and not fixed_on
    if proven or (cap is not None and plan.value(chosen) >= cap):
        return chosen, "OPTIMAL", None if fixed_on else int(solver.best_objective_bound + 1e-6)
    return chosen, "FEASIBLE", None if fixed_on else int(solver.best_objective_bound + 1e-6)


class _OutOfTime(Exception):
    """The time for building a model ran out."""


def _in_time(items, until: float):
    """`items`, reading the clock every 256th and stopping with _OutOfTime once it
    passed `until`: on a loaded machine building a model takes longer than solving it."""
    for n, item in enumerate(items):
        if n % 256 == 0 and time.monotonic() >= until:
            raise _OutOfTime
        yield item


class _StopAtBound(cp_model.CpSolverSolutionCallback):
    """Stops the search once a solution reaches a bound proven elsewhere."""

    def __init__(self, cap: int):
        super().__init__()
        self.cap = cap

    def on_solution_callback(self) -> None:
        if self.objective_value >= self.cap - 1e-6:
            self.stop_search()


def _fixed_score(problem: Problem) -> int:
    return sum(
        PLACED_POINTS + block_points(problem, problem.exhibitors[eid], held)
        for eid, held in problem.fixed.items()
    )


def _hand_out(problem, floor, members, blocks, chosen) -> None:
    """Give a pool's plain blocks to its unplaced members, the best-paying pairs first."""
    points = []
    for block in blocks:
        booth_ids = [floor.ids[b] for b in block]
        for eid in members:
            gain = block_points(problem, problem.exhibitors[eid], booth_ids)
            points.append((-gain, block, eid))
    points.sort()
    given, taken = set(), set()
    for _, block, eid in points:
        if block not in given and eid not in taken:
            chosen[eid] = block
            given.add(block)
            taken.add(eid)


# --------------------------------------------------------------------------- command line


def _positive(kind):
    def parse(text: str):
        value = kind(text)
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be positive, got {text}")
        return value

    parse.__name__ = kind.__name__
    return parse


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m eventapp.booths.assigner",
        description=f"Assign booths to exhibitors ({FORMAT}).",
    )
    parser.add_argument("problem", help="problem JSON file")
    parser.add_argument("solution", help="where to write the solution JSON")
    parser.add_argument(
        "--time-limit",
        type=_positive(float),
        default=20.0,
        help=f"seconds, at most {MAX_TIME_LIMIT} (default 20)",
    )
    parser.add_argument(
        "--workers",
        type=_positive(int),
        default=2,
        help=f"solver threads, 1 to {MAX_WORKERS} (default 2)",
    )
    args = parser.parse_args(argv)
    # OR-Tools takes these as fixed-size integers (milliseconds, threads): a larger value,
    # or an infinite or undefined time, is no longer a limit but a crash in the solver.
    for option, value, largest in (
        ("--time-limit", args.time_limit, MAX_TIME_LIMIT),
        ("--workers", args.workers, MAX_WORKERS),
    ):
        if not value <= largest:
            print(f"error: {option} must be at most {largest}, got {value}", file=sys.stderr)
            return 2
    started = time.monotonic()  # reading the problem counts against the limit too
    try:
        problem = load_problem(args.problem)
    except ProblemError as exc:
        # One line whatever the ids in the file hold.
        print("error: " + " ".join(str(exc).split()), file=sys.stderr)
        return 2
    solution = solve(problem, time_limit=args.time_limit, workers=args.workers, started=started)
    try:
        with open(args.solution, "w", encoding="utf-8") as f:
            json.dump(solution.to_json(), f, ensure_ascii=False, indent=1)
            f.write("\n")
    except OSError as exc:
        print(f"error: cannot write {args.solution}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    result = score(problem, solution)
    print(
        f"placed {result['placed']}/{len(problem.exhibitors)}, score {result['score']} "
        f"({solution.status.lower()}, {solution.seconds:.1f} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
