"""Meeting scheduler of the global meetup: places accepted requests in slots and at tables.

Pure functions on plain data (format `kicxup-meetings/1`, see the meetings spec): no Flask,
no database, no network. The web app parses a problem with `parse_problem`, calls `solve`
and stores the meetings; organizers can run the same step from the command line:

    python -m eventapp.meetings.scheduler PROBLEM.json SOLUTION.json [--time-limit SECONDS]

Score of a plan = sum of the weights of the scheduled requests + `first_meeting_bonus` for
every startup with at least one meeting; fewer idle gaps (empty slots between a
participant's first and last meeting of a day) breaks ties.

A request's `weight` and the `first_meeting_bonus` are at most MAX_WEIGHT (1,000,000), and
`--workers` at most MAX_WORKERS (64): the flow and CP-SAT models work in 64-bit integers,
which a score of absurdly large weights overflows, and CP-SAT takes its number of workers
as a 32-bit one. Larger values are refused with a one-line error naming the field, like
any other malformed problem.

How `solve` works:
1. Fixed (confirmed) meetings are placed first and never move.
2. Which requests to schedule, ignoring clashes in time, is an exact min-cost flow (each
   participant may take min(cap, free slots) meetings; the first meeting of a startup
   earns the bonus). Its value bounds the score. The chosen requests are placed hardest
   first with small repairs, then anything else that still fits is added. On most
   problems this already meets the bound, which proves it optimal.
3. Otherwise the linear relaxation of the (request, slot) model (GLOP) gives a tighter
   bound and, often being integral, an optimal plan; then CP-SAT, first on the requests
   the flow or the relaxation take, then (small problems) on all requests. Tables are
   interchangeable, so the models only count table-using meetings per slot; actual
   tables are handed out at the end, a firm keeping its table when it can.
4. With the set of scheduled requests (so the score) unchanged, meetings move between
   slots to remove idle gaps: Kempe-chain local search, then CP-SAT on small plans.
5. Every request left out gets the reason it could not be placed (see REASONS).

Firms that give the same `location` receive at one booth (a stand lent to two firms): it
holds one meeting at a time, so their meetings take different slots. Every stage keeps to
that; fixed meetings already at such a booth together stay as they are.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

FORMAT = "kicxup-meetings/1"
DEFAULT_FIRST_MEETING_BONUS = 3
# The largest request weight and first-meeting bonus: far above any sensible one (the app
# uses 1 to 3 and a bonus up to 100), and small enough that a score summed over millions
# of meetings, scaled as the min-cost flow does, stays inside OR-Tools' 64-bit integers.
MAX_WEIGHT = 1_000_000
# CP-SAT takes its number of workers as a 32-bit integer.
MAX_WORKERS = 64

# Why a request is left out of the plan, in the order they are checked (the first that
# applies is reported). The web app shows them to organizers in "who is left out and why".
NO_COMMON_SLOT = "no common free slot"
STARTUP_CAP = "startup cap reached"
FIRM_CAP = "firm cap reached"
SLOTS_TAKEN = "common slots taken by other meetings"
NO_TABLE = "no table/slot capacity left"
REASONS = (NO_COMMON_SLOT, STARTUP_CAP, FIRM_CAP, SLOTS_TAKEN, NO_TABLE)

# Building a model takes about this long per (request, slot) pair; a model that could not
# be built and solved in the time left is skipped.
_SECONDS_PER_PAIR = 3e-5

# The CP-SAT model over all requests only pays off on small problems; larger ones focus on
# the requests the flow or the relaxation take.
_MAX_FULL_MODEL_PAIRS = 60_000

# The idle-gap model only pays off on small plans; larger ones rely on the local search.
_MAX_GAP_MODEL_PAIRS = 20_000


class ProblemError(ValueError):
    """A malformed problem; the message is one line, meant for the person who wrote it."""


@dataclass(frozen=True)
class Slot:
    id: str
    start: str
    end: str | None
    day: str  # the calendar date of `start`, as written: idle gaps are counted per day


@dataclass(frozen=True)
class Participant:
    id: str
    side: str  # "startup" or "firm"
    available: frozenset[str] | None  # slot ids, None for every slot
    max_meetings: int | None
    location: str | None = None  # a firm's booth: its meetings take no shared table


@dataclass(frozen=True)
class Request:
    id: str
    startup: str
    firm: str
    weight: int


@dataclass(frozen=True)
class Meeting:
    request: str
    slot: str
    table: str | None


@dataclass(frozen=True)
class Problem:
    slots: tuple[Slot, ...]
    tables: tuple[str, ...]
    participants: tuple[Participant, ...]
    requests: tuple[Request, ...]
    fixed: tuple[Meeting, ...] = ()
    first_meeting_bonus: int = DEFAULT_FIRST_MEETING_BONUS


@dataclass
class Solution:
    meetings: list[Meeting]
    # request id -> one of REASONS, for every request that is not scheduled
    left_out: dict[str, str] = field(default_factory=dict)
    # "optimal" when the score is proven best, else "feasible"
    status: str = "feasible"
    # a proven upper bound on the score, when one is known
    upper_bound: int | None = None

    def to_json(self) -> dict:
        return {
            "format": FORMAT,
            "meetings": [
                {"request": m.request, "slot": m.slot, "table": m.table} for m in self.meetings
            ],
        }


# --------------------------------------------------------------------------- parsing


def _fail(message: str):
    raise ProblemError(message)


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _list_of_objects(data: dict, key: str, required: bool = True) -> list[dict]:
    if key not in data:
        if required:
            _fail(f"missing key {key!r}")
        return []
    items = data[key]
    if not isinstance(items, list):
        _fail(f"{key!r} must be a list")
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            _fail(f"{key}[{i}] must be an object")
    return items


def _field(item: dict, key: str, where: str):
    if key not in item:
        _fail(f"{where}: missing key {key!r}")
    return item[key]


def _id(item: dict, key: str, where: str) -> str:
    value = _field(item, key, where)
    if not isinstance(value, str) or not value:
        _fail(f"{where}: {key!r} must be a non-empty string")
    return value


def _cap(item: dict, where: str) -> int | None:
    value = item.get("max_meetings")
    if value is not None and (not _is_int(value) or value < 0):
        _fail(f"{where}: 'max_meetings' must be null or an integer >= 0")
    return value


def _time(value, key: str, where: str) -> datetime:
    if not isinstance(value, str):
        _fail(f"{where}: {key!r} must be an ISO 8601 date-time string")
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        _fail(f"{where}: {key!r} is not an ISO 8601 date-time: {value!r}")


def _parse_slots(data: dict) -> tuple[Slot, ...]:
    slots = []
    seen: set[str] = set()
    previous_end = previous_start = None
    for i, item in enumerate(_list_of_objects(data, "slots")):
        where = f"slots[{i}]"
        sid = _id(item, "id", where)
        where = f"slot {sid}"
        if sid in seen:
            _fail(f"duplicate slot id {sid!r}")
        seen.add(sid)
        start_text = _field(item, "start", where)
        start = _time(start_text, "start", where)
        end_text = item.get("end")
        end = None if end_text is None else _time(end_text, "end", where)
        try:
            if end is not None and end <= start:
                _fail(f"{where}: does not end after it starts")
            # Slots must be in time order and disjoint: idle gaps and "one meeting at a
            # time" both rely on it.
            if previous_start is not None and start <= previous_start:
                _fail(f"{where}: slots must be listed in time order")
            if previous_end is not None and start < previous_end:
                _fail(f"{where}: overlaps the previous slot")
        except TypeError:
            _fail(f"{where}: mixes times with and without a time zone")
        previous_start, previous_end = start, end
        slots.append(Slot(sid, start_text, end_text, start_text[:10]))
    return tuple(slots)


def _first_duplicate(values: Iterable[str]) -> str:
    seen = set()
    for v in values:
        if v in seen:
            return v
        seen.add(v)
    return ""


def _parse_tables(data: dict) -> tuple[str, ...]:
    tables = data.get("tables", [])
    if not isinstance(tables, list) or not all(isinstance(t, str) and t for t in tables):
        _fail("'tables' must be a list of non-empty strings")
    if len(set(tables)) != len(tables):
        _fail(f"duplicate table {_first_duplicate(tables)!r}")
    return tuple(tables)


def _parse_participants(data: dict, slot_ids: set[str]) -> tuple[Participant, ...]:
    participants = []
    seen: set[str] = set()
    for i, item in enumerate(_list_of_objects(data, "participants")):
        pid = _id(item, "id", f"participants[{i}]")
        where = f"participant {pid}"
        if pid in seen:
            _fail(f"duplicate participant id {pid!r}")
        seen.add(pid)
        side = _field(item, "side", where)
        if side not in ("startup", "firm"):
            _fail(f"{where}: 'side' must be 'startup' or 'firm', not {side!r}")
        available = item.get("available")
        if available is not None:
            if not isinstance(available, list):
                _fail(f"{where}: 'available' must be null or a list of slot ids")
            for sid in available:
                if not isinstance(sid, str) or sid not in slot_ids:
                    _fail(f"{where}: unknown slot {sid!r} in 'available'")
            available = frozenset(available)
        location = item.get("location")
        if location is not None:
            if side != "firm":
                _fail(f"{where}: only firms receive at a 'location'")
            if not isinstance(location, str):
                _fail(f"{where}: 'location' must be null or a string")
        participants.append(Participant(pid, side, available, _cap(item, where), location or None))
    return tuple(participants)


def _parse_requests(data: dict, people: dict[str, Participant]) -> tuple[Request, ...]:
    requests = []
    seen: set[str] = set()
    pairs: set[tuple[str, str]] = set()
    for i, item in enumerate(_list_of_objects(data, "requests")):
        rid = _id(item, "id", f"requests[{i}]")
        where = f"request {rid}"
        if rid in seen:
            _fail(f"duplicate request id {rid!r}")
        seen.add(rid)
        ends = {}
        for side in ("startup", "firm"):
            pid = _id(item, side, where)
            if pid not in people:
                _fail(f"{where}: unknown participant {pid!r}")
            if people[pid].side != side:
                _fail(f"{where}: {pid} is a {people[pid].side}, not a {side}")
            ends[side] = pid
        pair = (ends["startup"], ends["firm"])
        if pair in pairs:
            _fail(f"{where}: {pair[0]} and {pair[1]} already have a request")
        pairs.add(pair)
        weight = _field(item, "weight", where)
        if not _is_int(weight) or not 1 <= weight <= MAX_WEIGHT:
            _fail(f"{where}: 'weight' must be an integer from 1 to {MAX_WEIGHT}")
        requests.append(Request(rid, ends["startup"], ends["firm"], weight))
    return tuple(requests)


def _parse_fixed(data, requests, slot_ids, tables, people) -> tuple[Meeting, ...]:
    fixed = []
    seen: set[str] = set()
    for i, item in enumerate(_list_of_objects(data, "fixed", required=False)):
        rid = _id(item, "request", f"fixed[{i}]")
        where = f"fixed meeting {rid}"
        if rid not in requests:
            _fail(f"{where}: unknown request")
        if rid in seen:
            _fail(f"{where}: fixed twice")
        seen.add(rid)
        slot = _id(item, "slot", where)
        if slot not in slot_ids:
            _fail(f"{where}: unknown slot {slot!r}")
        table = item.get("table")
        if table is not None and not isinstance(table, str):
            _fail(f"{where}: 'table' must be null or a table id")
        if people[requests[rid].firm].location:
            if table is not None:
                _fail(f"{where}: firm receives at its booth, table must be null")
        elif table not in tables:
            _fail(f"{where}: unknown table {table!r}")
        fixed.append(Meeting(rid, slot, table))
    return tuple(fixed)


def _check_fixed_fit(problem: Problem) -> None:
    """Fixed meetings that clash make every plan infeasible: report the first clash."""
    people = {p.id: p for p in problem.participants}
    requests = {r.id: r for r in problem.requests}
    busy: set[tuple[str, str]] = set()
    tables: set[tuple[str, str]] = set()
    count: dict[str, int] = defaultdict(int)
    for m in problem.fixed:
        r = requests[m.request]
        for pid in (r.startup, r.firm):
            p = people[pid]
            if p.available is not None and m.slot not in p.available:
                _fail(f"fixed meeting {m.request}: {pid} is not available in {m.slot}")
            if (pid, m.slot) in busy:
                _fail(f"fixed meeting {m.request}: {pid} already has a meeting in {m.slot}")
            busy.add((pid, m.slot))
            count[pid] += 1
            if p.max_meetings is not None and count[pid] > p.max_meetings:
                _fail(f"fixed meetings exceed max_meetings of {pid}")
        if m.table is not None:
            if (m.table, m.slot) in tables:
                _fail(f"fixed meeting {m.request}: table {m.table} already used in {m.slot}")
            tables.add((m.table, m.slot))


def parse_problem(data: dict) -> Problem:
    """Validate a `kicxup-meetings/1` problem (as loaded from JSON) and build a Problem.

    Raises ProblemError with a one-line message on anything malformed, including fixed
    meetings that clash with each other (no feasible plan would exist).
    """
    if not isinstance(data, dict):
        _fail("a problem must be a JSON object")
    if data.get("format") != FORMAT:
        _fail(f"'format' must be {FORMAT!r}, not {data.get('format')!r}")
    slots = _parse_slots(data)
    slot_ids = {s.id for s in slots}
    tables = _parse_tables(data)
    participants = _parse_participants(data, slot_ids)
    people = {p.id: p for p in participants}
    requests = _parse_requests(data, people)
    by_id = {r.id: r for r in requests}
    fixed = _parse_fixed(data, by_id, slot_ids, set(tables), people)
    bonus = data.get("first_meeting_bonus", DEFAULT_FIRST_MEETING_BONUS)
    if not _is_int(bonus) or not 0 <= bonus <= MAX_WEIGHT:
        _fail(f"'first_meeting_bonus' must be an integer from 0 to {MAX_WEIGHT}")
    problem = Problem(slots, tables, participants, requests, fixed, bonus)
    _check_fixed_fit(problem)
    return problem


# --------------------------------------------------------------------------- plan state


class _Context:
    """The problem in integer indices, with what fixed meetings already take."""

    def __init__(self, problem: Problem):
        self.problem = problem
        n_slots = len(problem.slots)
        self.n_slots = n_slots
        self.slot_index = {s.id: i for i, s in enumerate(problem.slots)}
        day_ids: dict[str, int] = {}
        self.slot_day = [day_ids.setdefault(s.day, len(day_ids)) for s in problem.slots]
        self.n_tables = len(problem.tables)

        self.person_index = {p.id: i for i, p in enumerate(problem.participants)}
        everyone = frozenset(range(n_slots))
        self.available = [
            everyone if p.available is None else frozenset(self.slot_index[s] for s in p.available)
            for p in problem.participants
        ]
        self.cap = [
            math.inf if p.max_meetings is None else p.max_meetings for p in problem.participants
        ]
        self.is_startup = [p.side == "startup" for p in problem.participants]
        booth = [bool(p.location) for p in problem.participants]
        firms_at = Counter(p.location for p in problem.participants if p.location)
        stands: dict[str, int] = {}

        self.request_index = {r.id: i for i, r in enumerate(problem.requests)}
        self.startup = [self.person_index[r.startup] for r in problem.requests]
        self.firm = [self.person_index[r.firm] for r in problem.requests]
        self.weight = [r.weight for r in problem.requests]
        self.uses_table = [not booth[f] for f in self.firm]
        # The booth a request's meeting shares with another firm's meetings, as an index,
        # or None: a firm alone at its booth is busy there whenever its booth is.
        self.stand: list[int | None] = []
        for f in self.firm:
            location = problem.participants[f].location
            shared = location and firms_at[location] > 1
            self.stand.append(stands.setdefault(location, len(stands)) if shared else None)
        self.n_stands = len(stands)
        self.bonus = problem.first_meeting_bonus
        self.requests_of: list[list[int]] = [[] for _ in problem.participants]
        for r in range(len(problem.requests)):
            self.requests_of[self.startup[r]].append(r)
            self.requests_of[self.firm[r]].append(r)

        self.fixed_slot: dict[int, int] = {}
        self.fixed_table: dict[int, str | None] = {}
        for m in problem.fixed:
            r = self.request_index[m.request]
            self.fixed_slot[r] = self.slot_index[m.slot]
            self.fixed_table[r] = m.table

        start = _Board(self)
        for r, s in self.fixed_slot.items():
            start.place(r, s)
        self.fixed_board = start
        # Slots a request could ever use: both free of fixed meetings and a table left.
        self.candidates: list[list[int]] = []
        for r in range(len(problem.requests)):
            a, b = self.startup[r], self.firm[r]
            if r in self.fixed_slot or not (start.room(a) and start.room(b)):
                self.candidates.append([])
                continue
            common = self.available[a] & self.available[b]
            self.candidates.append(
                sorted(
                    s
                    for s in common
                    if s not in start.busy[a]
                    and s not in start.busy[b]
                    and not start.stand_taken(r, s)
                    and (not self.uses_table[r] or start.tables_used[s] < self.n_tables)
                )
            )
        self.candidate_set = [frozenset(c) for c in self.candidates]
        self.open = [r for r in range(len(problem.requests)) if self.candidates[r]]


class _Board:
    """A plan under construction: who meets when, counts, and tables taken per slot."""

    def __init__(self, ctx: _Context):
        self.ctx = ctx
        self.busy: list[dict[int, int]] = [{} for _ in ctx.problem.participants]
        self.count = [0] * len(ctx.problem.participants)
        self.tables_used = [0] * ctx.n_slots
        self.slot_of: dict[int, int] = {}
        self.at_slot: list[set[int]] = [set() for _ in range(ctx.n_slots)]
        # (stand, slot) -> the meetings there: one, or several fixed ones (legacy data)
        self.at_stand: dict[tuple[int, int], set[int]] = {}

    def copy(self) -> _Board:
        other = _Board.__new__(_Board)
        other.ctx = self.ctx
        other.busy = [dict(b) for b in self.busy]
        other.count = list(self.count)
        other.tables_used = list(self.tables_used)
        other.slot_of = dict(self.slot_of)
        other.at_slot = [set(m) for m in self.at_slot]
        other.at_stand = {key: set(m) for key, m in self.at_stand.items()}
        return other

    def stand_taken(self, r: int, s: int) -> bool:
        """Whether r's booth, shared with another firm, holds a meeting in slot s."""
        stand = self.ctx.stand[r]
        return stand is not None and bool(self.at_stand.get((stand, s)))

    def at_stand_of(self, r: int, s: int) -> set[int]:
        stand = self.ctx.stand[r]
        return set() if stand is None else set(self.at_stand.get((stand, s), ()))

    def room(self, p: int) -> bool:
        return self.count[p] < self.ctx.cap[p]

    def fits(self, r: int, s: int) -> bool:
        ctx = self.ctx
        a, b = ctx.startup[r], ctx.firm[r]
        return (
            s not in self.busy[a]
            and s not in self.busy[b]
            and not self.stand_taken(r, s)
            and (not ctx.uses_table[r] or self.tables_used[s] < ctx.n_tables)
        )

    def place(self, r: int, s: int) -> None:
        ctx = self.ctx
        for p in (ctx.startup[r], ctx.firm[r]):
            self.busy[p][s] = r
            self.count[p] += 1
        if ctx.uses_table[r]:
            self.tables_used[s] += 1
        if ctx.stand[r] is not None:
            self.at_stand.setdefault((ctx.stand[r], s), set()).add(r)
        self.slot_of[r] = s
        self.at_slot[s].add(r)

    def remove(self, r: int) -> int:
        ctx = self.ctx
        s = self.slot_of.pop(r)
        for p in (ctx.startup[r], ctx.firm[r]):
            del self.busy[p][s]
            self.count[p] -= 1
        if ctx.uses_table[r]:
            self.tables_used[s] -= 1
        if ctx.stand[r] is not None:
            held = self.at_stand[ctx.stand[r], s]
            held.discard(r)
            if not held:
                del self.at_stand[ctx.stand[r], s]
        self.at_slot[s].discard(r)
        return s

    def first_fit(self, r: int) -> int | None:
        ctx = self.ctx
        if not (self.room(ctx.startup[r]) and self.room(ctx.firm[r])):
            return None
        for s in ctx.candidates[r]:
            if self.fits(r, s):
                return s
        return None

    def score(self) -> int:
        ctx = self.ctx
        served = {ctx.startup[r] for r in self.slot_of}
        return sum(ctx.weight[r] for r in self.slot_of) + ctx.bonus * len(served)


# --------------------------------------------------------------------------- baseline


def greedy(problem: Problem) -> Solution:
    """First come, first served: requests in file order, each in its earliest free slot.

    The baseline the scheduler is measured against.
    """
    ctx = _Context(problem)
    board = ctx.fixed_board.copy()
    for r in range(len(problem.requests)):
        if r not in ctx.fixed_slot:
            s = board.first_fit(r)
            if s is not None:
                board.place(r, s)
    return _finish(ctx, board)


# --------------------------------------------------------------------------- start plan


def _best_selection(ctx: _Context, board: _Board) -> tuple[list[int], int]:
    """Requests to schedule when clashes in time are ignored, and the score bound it gives.

    Exact for that relaxation, as a min-cost flow: source -> startup -> request -> firm ->
    sink, where a participant may take min(cap, free slots) meetings, table-using meetings
    all together fit the free tables, and the first unit through a startup earns the
    first-meeting bonus (its marginal value only decreases, so a flow handles it). Firms
    at one booth go through it, and it takes no more meetings than it has free slots.
    """
    from ortools.graph.python import min_cost_flow

    problem = ctx.problem
    n_people = len(problem.participants)
    source, sink, table_pool = n_people, n_people + 1, n_people + 2
    flow = min_cost_flow.SimpleMinCostFlow()
    usable: list[set[int]] = [set() for _ in range(n_people)]
    stand_usable: list[set[int]] = [set() for _ in range(ctx.n_stands)]
    stand_of: dict[int, int] = {}
    for r in ctx.open:
        usable[ctx.startup[r]].update(ctx.candidates[r])
        usable[ctx.firm[r]].update(ctx.candidates[r])
        if ctx.stand[r] is not None:
            stand_usable[ctx.stand[r]].update(ctx.candidates[r])
            stand_of[ctx.firm[r]] = ctx.stand[r]

    def capacity(p: int) -> int:
        return int(min(ctx.cap[p] - board.count[p], len(usable[p]), len(ctx.requests_of[p])))

    served = {ctx.startup[r] for r in board.slot_of}
    total = 0
    for p in range(n_people):
        c = capacity(p)
        if c <= 0:
            continue
        if ctx.is_startup[p]:
            if p not in served and ctx.bonus:
                flow.add_arc_with_capacity_and_unit_cost(source, p, 1, -ctx.bonus)
                c -= 1
            if c:
                flow.add_arc_with_capacity_and_unit_cost(source, p, c, 0)
        else:
            firm_has_booth = not any(ctx.uses_table[r] for r in ctx.requests_of[p])
            to = sink if firm_has_booth else table_pool
            if p in stand_of:
                to = table_pool + 1 + stand_of[p]
            flow.add_arc_with_capacity_and_unit_cost(p, to, c, 0)
            total += c
    for stand, slots in enumerate(stand_usable):
        if slots:
            flow.add_arc_with_capacity_and_unit_cost(table_pool + 1 + stand, sink, len(slots), 0)
    free_tables = sum(ctx.n_tables - board.tables_used[s] for s in range(ctx.n_slots))
    flow.add_arc_with_capacity_and_unit_cost(table_pool, sink, free_tables, 0)
    arcs = {}
    for r in ctx.open:
        arcs[r] = flow.add_arc_with_capacity_and_unit_cost(
            ctx.startup[r], ctx.firm[r], 1, -ctx.weight[r]
        )
    # Not every unit of supply has to go through a request: the rest bypasses at no cost.
    flow.add_arc_with_capacity_and_unit_cost(source, sink, total, 0)
    flow.set_node_supply(source, total)
    flow.set_node_supply(sink, -total)
    if flow.solve() != flow.OPTIMAL:  # cannot happen on this network; keep going without it
        return list(ctx.open), _trivial_bound(ctx, board)
    chosen = [r for r, arc in arcs.items() if flow.flow(arc)]
    return chosen, board.score() - flow.optimal_cost()


def _trivial_bound(ctx: _Context, board: _Board) -> int:
    served = {ctx.startup[r] for r in board.slot_of} | {ctx.startup[r] for r in ctx.open}
    return sum(ctx.weight[r] for r in list(board.slot_of) + ctx.open) + ctx.bonus * len(served)


def _place_with_repair(board: _Board, r: int, attempts: int = 40) -> bool:
    """Place r in a free slot, or make room by moving one meeting to another free slot: the
    meeting of r's startup or firm in that slot, or, when only the tables are full, a
    table-using meeting there. At most `attempts` moves are tried."""
    s = board.first_fit(r)
    if s is not None:
        board.place(r, s)
        return True
    ctx = board.ctx
    if not (board.room(ctx.startup[r]) and board.room(ctx.firm[r])):
        return False
    with_table = None  # slots with a free table, worked out when first needed
    for s in ctx.candidates[r]:
        blockers = {board.busy[p][s] for p in (ctx.startup[r], ctx.firm[r]) if s in board.busy[p]}
        blockers |= board.at_stand_of(r, s)
        if len(blockers) > 1:
            continue
        if not blockers:  # the tables are full: some table-using meeting has to go elsewhere
            if with_table is None:
                with_table = {
                    s2 for s2 in range(ctx.n_slots) if board.tables_used[s2] < ctx.n_tables
                }
            blockers = {
                m
                for m in board.at_slot[s]
                if ctx.uses_table[m] and not with_table.isdisjoint(ctx.candidate_set[m])
            }
        for blocker in blockers:
            if blocker in ctx.fixed_slot:
                continue
            attempts -= 1
            if attempts < 0:
                return False
            board.remove(blocker)
            if board.fits(r, s):
                board.place(r, s)
                for s2 in ctx.candidates[blocker]:
                    if s2 != s and board.fits(blocker, s2):
                        board.place(blocker, s2)
                        return True
                board.remove(r)
            board.place(blocker, s)
    return False


def _fill(board: _Board, requests: Iterable[int]) -> None:
    """Add every request that still fits, most valuable first."""
    ctx = board.ctx
    served = {ctx.startup[r] for r in board.slot_of}

    def value(r: int) -> tuple:
        new_startup = ctx.startup[r] not in served
        return (-(ctx.weight[r] + (ctx.bonus if new_startup else 0)), len(ctx.candidates[r]))

    for r in sorted((r for r in requests if r not in board.slot_of), key=value):
        if _place_with_repair(board, r):
            served.add(ctx.startup[r])


def _place_selection(ctx: _Context, chosen: list[int]) -> _Board:
    """Place the chosen requests, hardest first: few possible slots, then busy people."""
    board = ctx.fixed_board.copy()
    load = defaultdict(int)
    for r in chosen:
        load[ctx.startup[r]] += 1
        load[ctx.firm[r]] += 1
    for r in sorted(
        chosen,
        key=lambda r: (len(ctx.candidates[r]), -max(load[ctx.startup[r]], load[ctx.firm[r]])),
    ):
        _place_with_repair(board, r)
    return board


def _filled(board: _Board) -> _Board:
    full = board.copy()
    _fill(full, board.ctx.open)
    return full


# --------------------------------------------------------------------------- score models


@dataclass
class _Rows:
    """The score model on (request, slot) pairs, shared by the LP and CP-SAT.

    `rows` are "sum of these pairs <= limit": at most one slot per request, one meeting per
    participant and slot, one per booth shared by firms and slot, the caps, and the tables of each slot (tables are interchangeable,
    so counting table-using meetings per slot is exact). `startups` lists the pairs of every
    startup that would earn the first-meeting bonus.
    """

    pairs: list[tuple[int, int]]
    rows: list[tuple[list[int], int]]
    startups: dict[int, list[int]]


def _rows(ctx: _Context, requests: Iterable[int]) -> _Rows:
    pairs: list[tuple[int, int]] = []
    of_request: list[list[int]] = []
    at: dict[tuple[int, int], list[int]] = defaultdict(list)
    of_person: dict[int, list[int]] = defaultdict(list)
    at_tables: dict[int, list[int]] = defaultdict(list)
    for r in requests:
        mine = []
        for s in ctx.candidates[r]:
            i = len(pairs)
            pairs.append((r, s))
            mine.append(i)
            at[ctx.startup[r], s].append(i)
            at[ctx.firm[r], s].append(i)
            if ctx.stand[r] is not None:  # after the participants' indices
                at[len(ctx.problem.participants) + ctx.stand[r], s].append(i)
            if ctx.uses_table[r]:
                at_tables[s].append(i)
        of_request.append(mine)
        of_person[ctx.startup[r]].extend(mine)
        of_person[ctx.firm[r]].extend(mine)
    rows = [(g, 1) for g in of_request if len(g) > 1]
    rows += [(g, 1) for g in at.values() if len(g) > 1]
    for p, g in of_person.items():
        room = ctx.cap[p] - ctx.fixed_board.count[p]
        if room < len(ctx.requests_of[p]):
            rows.append((g, int(room)))
    for s, g in at_tables.items():
        room = ctx.n_tables - ctx.fixed_board.tables_used[s]
        if len(g) > room:
            rows.append((g, room))
    already = {ctx.startup[r] for r in ctx.fixed_slot}
    startups = {
        p: g for p, g in of_person.items() if ctx.is_startup[p] and p not in already and ctx.bonus
    }
    return _Rows(pairs, rows, startups)


def _relaxation(ctx: _Context, deadline: float) -> tuple[int, dict[tuple[int, int], float]] | None:
    """The linear relaxation of the score model, solved with GLOP: (score bound, value of
    every (request, slot) pair), or None if it did not finish in time.

    On these problems its optimum is often integral, which then is an optimal plan.
    """
    from ortools.linear_solver.python import model_builder as mb

    m = _rows(ctx, ctx.open)
    model = mb.Model()
    x = [model.new_num_var(0, 1, "") for _ in m.pairs]
    for group, limit in m.rows:
        model.add(mb.LinearExpr.sum([x[i] for i in group]) <= limit)
    served = []
    for group in m.startups.values():
        v = model.new_num_var(0, 1, "")
        model.add(v <= mb.LinearExpr.sum([x[i] for i in group]))
        served.append(v)
    weights = [ctx.weight[r] for r, _ in m.pairs] + [ctx.bonus] * len(served)
    model.maximize(mb.LinearExpr.weighted_sum(x + served, weights))
    solver = mb.Solver("GLOP")
    solver.set_time_limit_in_seconds(max(0.1, deadline - time.monotonic()))
    if solver.solve(model) != mb.SolveStatus.OPTIMAL:
        return None
    values = solver.values(x)
    # A small tolerance: the bound may only round up, never down, on floating-point noise.
    bound = ctx.fixed_board.score() + math.floor(solver.objective_value + 0.01)
    return bound, {pair: float(v) for pair, v in zip(m.pairs, values, strict=True) if v > 1e-6}


def _rounded(ctx: _Context, values: dict[tuple[int, int], float]) -> _Board:
    """The pairs the relaxation takes (mostly whole), then anything else that fits."""
    board = ctx.fixed_board.copy()
    for (r, s), v in sorted(values.items(), key=lambda item: -item[1]):
        if v < 0.5:
            break
        a, b = ctx.startup[r], ctx.firm[r]
        if r not in board.slot_of and board.room(a) and board.room(b) and board.fits(r, s):
            board.place(r, s)
    _fill(board, ctx.open)
    return board


def upper_bound(problem: Problem, time_limit: float = 60.0) -> int:
    """A proven upper bound on the score: the better of the selection flow bound and the
    linear relaxation of the (request, slot) model.

    For reporting how far a plan can be from the optimum when the optimum is unknown.
    """
    ctx = _Context(problem)
    _, bound = _best_selection(ctx, ctx.fixed_board)
    relaxed = _relaxation(ctx, time.monotonic() + time_limit)
    return bound if relaxed is None else min(bound, relaxed[0])


def _new_solver(seconds: float, workers: int):
    from ortools.sat.python import cp_model

    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.05, seconds)
    solver.parameters.num_workers = max(1, workers)
    return solver


def _maximize_score(
    ctx: _Context,
    board: _Board,
    requests: Iterable[int],
    bound: int,
    deadline: float,
    workers: int,
) -> tuple[_Board, bool, int | None]:
    """CP-SAT on the (request, slot) pairs of `requests`, hinted with `board` (whose
    meetings must be among them), knowing that no plan scores more than `bound`.

    Returns (best board, proven optimal for these requests, bound from CP-SAT).
    """
    from ortools.sat.python import cp_model

    m = _rows(ctx, requests)
    model = cp_model.CpModel()
    x = [model.new_bool_var(f"x{r}_{s}") for r, s in m.pairs]
    for group, limit in m.rows:
        if limit == 1:
            model.add_at_most_one(x[i] for i in group)
        else:
            model.add(sum(x[i] for i in group) <= limit)
    served = {}
    for p, group in m.startups.items():
        served[p] = model.new_bool_var(f"served{p}")
        model.add(served[p] <= sum(x[i] for i in group))
    objective = sum(ctx.weight[r] * v for (r, _), v in zip(m.pairs, x, strict=True))
    objective += sum(ctx.bonus * v for v in served.values())
    base = ctx.fixed_board.score()
    # CP-SAT's own bound is weak here; told the known bound, it stops once it meets it.
    model.add(objective <= bound - base)
    model.maximize(objective)

    scheduled_startups = {ctx.startup[r] for r in board.slot_of}
    for (r, s), v in zip(m.pairs, x, strict=True):
        model.add_hint(v, board.slot_of.get(r) == s)
    for p, v in served.items():
        model.add_hint(v, p in scheduled_startups)

    solver = _new_solver(deadline - time.monotonic(), workers)
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return board, False, None
    optimal = status == cp_model.OPTIMAL
    cp_bound = base + math.floor(solver.best_objective_bound + 1e-6)
    if base + round(solver.objective_value) <= board.score():
        return board, optimal, cp_bound
    better = ctx.fixed_board.copy()
    for (r, s), v in zip(m.pairs, x, strict=True):
        if solver.boolean_value(v):
            better.place(r, s)
    return better, optimal, cp_bound


# --------------------------------------------------------------------------- idle gaps


def _day_gaps(slots: Iterable[int]) -> int:
    ordered = sorted(slots)
    if len(ordered) < 2:
        return 0
    return ordered[-1] - ordered[0] + 1 - len(ordered)


def _person_gaps(ctx: _Context, busy: Iterable[int], day: int) -> int:
    return _day_gaps(s for s in busy if ctx.slot_day[s] == day)


def _idle_gaps(ctx: _Context, board: _Board) -> int:
    total = 0
    for busy in board.busy:
        by_day = defaultdict(list)
        for s in busy:
            by_day[ctx.slot_day[s]].append(s)
        total += sum(_day_gaps(v) for v in by_day.values())
    return total


def _chain(board: _Board, r: int, s_to: int) -> list[int] | None:
    """Meetings to swap between r's slot and `s_to` so that r can move there (a Kempe chain).

    Meetings in the two slots form paths: r's startup may already meet someone in `s_to`,
    that meeting goes to r's old slot, where its other participant may meet someone, and so
    on. Swapping the two slots along the whole path keeps everyone in one meeting at a time.
    None when the path closes into a cycle, runs into a fixed meeting, or gets long.
    """
    ctx = board.ctx
    s_from = board.slot_of[r]
    chain = [r]
    for p in (ctx.startup[r], ctx.firm[r]):
        want = s_to  # the slot the meeting arriving at p moves into
        current = r
        while True:
            other = board.busy[p].get(want)
            if other is None:
                break
            if other == r or other in ctx.fixed_slot or len(chain) > 40:
                return None
            chain.append(other)
            current = other
            p = ctx.firm[current] if ctx.startup[current] == p else ctx.startup[current]
            want = s_from if want == s_to else s_to
    return chain


def _gaps_after(ctx: _Context, busy: Iterable[int], lose: int, gain: int) -> int:
    """Idle gaps a participant adds by leaving slot `lose` for slot `gain`."""
    before = list(busy)
    after = [s for s in before if s != lose] + [gain]
    change = 0
    for d in {ctx.slot_day[lose], ctx.slot_day[gain]}:
        change += _person_gaps(ctx, after, d) - _person_gaps(ctx, before, d)
    return change


def _chain_effect(board: _Board, r: int, s_to: int) -> tuple[list[int], int, int] | None:
    """Swapping r's chain into `s_to`: (the chain, idle gaps removed, table-using meetings
    it brings into `s_to` net), or None when some meeting of the chain cannot go there."""
    ctx = board.ctx
    s_from = board.slot_of[r]
    chain = _chain(board, r, s_to)
    if chain is None:
        return None
    shift = 0
    moving = set(chain)
    for m in chain:
        new = s_to if board.slot_of[m] == s_from else s_from
        if new not in ctx.candidate_set[m]:
            return None
        # A booth shared by firms is not on the path: a meeting staying there blocks it.
        if board.at_stand_of(m, new) - moving:
            return None
        if ctx.uses_table[m]:
            shift += 1 if new == s_to else -1
    # Only the two ends of the path change their set of slots.
    gain = 0
    ends = defaultdict(int)
    for m in chain:
        ends[ctx.startup[m]] += 1
        ends[ctx.firm[m]] += 1
    for p, n in ends.items():
        if n == 1:
            m = next(m for m in chain if p in (ctx.startup[m], ctx.firm[m]))
            old = board.slot_of[m]
            new = s_to if old == s_from else s_from
            gain -= _gaps_after(ctx, board.busy[p], old, new)
    return chain, gain, shift


def _swap(board: _Board, chain: list[int], s_a: int, s_b: int) -> None:
    """Swap the chain's meetings between slots a and b (doing it twice undoes it)."""
    olds = [board.remove(m) for m in chain]
    for m, old in zip(chain, olds, strict=True):
        board.place(m, s_b if old == s_a else s_a)


def _tables_over(board: _Board, s: int) -> int:
    return board.tables_used[s] - board.ctx.n_tables


def _compensate(board: _Board, chain: list[int], s_from: int, s_to: int, floor: int):
    """When all tables are taken, a chain that brings one more table-using meeting into a
    slot needs another chain taking one back out. Finds the best such second chain, worth
    more than `floor` idle gaps, as (chain, gain), or None."""
    ctx = board.ctx
    _swap(board, chain, s_from, s_to)
    try:
        full = next((s for s in (s_from, s_to) if _tables_over(board, s) > 0), None)
        if full is None or _tables_over(board, full) > 1:
            return None
        other = s_to if full == s_from else s_from
        best = None
        for r2 in list(board.at_slot[full]):
            if not ctx.uses_table[r2] or r2 in ctx.fixed_slot or other not in ctx.candidate_set[r2]:
                continue
            effect = _chain_effect(board, r2, other)
            if effect is None:
                continue
            chain2, gain2, shift2 = effect
            fits = (
                board.tables_used[other] + shift2 <= ctx.n_tables
                and board.tables_used[full] - shift2 <= ctx.n_tables
            )
            if fits and gain2 > floor:
                best, floor = (chain2, gain2), gain2
        return best
    finally:
        _swap(board, chain, s_from, s_to)


def _compact(board: _Board, deadline: float, seed: int = 0, patience: int = 3) -> _Board:
    """Local search on idle gaps: each meeting in turn takes its best Kempe-chain move.

    Moves that keep the gaps equal are taken too (one of the best at random), so the search
    walks across plateaus; it stops after `patience` rounds over all meetings without a
    new best. Returns the best plan seen.
    """
    ctx = board.ctx
    rng = random.Random(seed)
    best_board, best_gaps = board.copy(), _idle_gaps(ctx, board)
    gaps = best_gaps
    stale = 0
    while stale < patience and gaps and time.monotonic() < deadline:
        meetings = [r for r in board.slot_of if r not in ctx.fixed_slot]
        rng.shuffle(meetings)
        for r in meetings:
            if time.monotonic() >= deadline:
                break
            s_from = board.slot_of[r]
            best, best_gain, ties = None, 0, 0
            for s in ctx.candidates[r]:
                if s == s_from:
                    continue
                effect = _chain_effect(board, r, s)
                if effect is None:
                    continue
                chain, gain, shift = effect
                moves = [(chain, s_from, s)]
                if board.tables_used[s] + shift > ctx.n_tables or (
                    board.tables_used[s_from] - shift > ctx.n_tables
                ):
                    if gain <= 0:
                        continue
                    second = _compensate(board, chain, s_from, s, best_gain - gain - 1)
                    if second is None:
                        continue
                    # The second chain is applied after the first, between the same slots.
                    moves.append((second[0], s_from, s))
                    gain += second[1]
                if gain < best_gain:
                    continue
                if gain > best_gain:
                    best, best_gain, ties = moves, gain, 1
                else:  # an equal move: pick one of them at random
                    ties += 1
                    if rng.random() * ties < 1:
                        best = moves
            if best is not None:
                for chain, s_a, s_b in best:
                    _swap(board, chain, s_a, s_b)
                gaps -= best_gain
        if gaps < best_gaps:
            best_board, best_gaps, stale = board.copy(), gaps, 0
        else:
            stale += 1
    return best_board


def _minimize_gaps(ctx: _Context, board: _Board, deadline: float, workers: int) -> _Board:
    """Re-slot the scheduled requests (same set, so same score) to minimize idle gaps."""
    from ortools.sat.python import cp_model

    model = cp_model.CpModel()
    x: dict[tuple[int, int], cp_model.IntVar] = {}
    at: dict[tuple[int, int], list] = defaultdict(list)  # (participant, slot) -> literals
    table_users: dict[int, list] = defaultdict(list)
    # (stand, slot) -> literals; fixed meetings are left out, as new ones never join them
    at_stand: dict[tuple[int, int], list] = defaultdict(list)
    for r, s0 in board.slot_of.items():
        options = [s0] if r in ctx.fixed_slot else ctx.candidates[r]
        mine = []
        for s in options:
            v = model.new_bool_var(f"x{r}_{s}")
            x[r, s] = v
            mine.append(v)
            at[ctx.startup[r], s].append(v)
            at[ctx.firm[r], s].append(v)
            if ctx.uses_table[r]:
                table_users[s].append(v)
            if ctx.stand[r] is not None and r not in ctx.fixed_slot:
                at_stand[ctx.stand[r], s].append(v)
        model.add_exactly_one(mine)
    for group in [*at.values(), *at_stand.values()]:
        if len(group) > 1:
            model.add_at_most_one(group)
    for group in table_users.values():
        if len(group) > ctx.n_tables:
            model.add(sum(group) <= ctx.n_tables)

    # Per participant and day: started[s] (a meeting at or before s) only turns on, going[s]
    # (a meeting at or after s) only turns off, and one of them holds in every slot. The
    # slots where both hold run from the first to the last meeting, so their count minus
    # the meetings is the idle gaps, and minimizing sum(started + going) minimizes those.
    slots_of_day = defaultdict(list)
    for s in range(ctx.n_slots):
        slots_of_day[ctx.slot_day[s]].append(s)
    reachable = defaultdict(set)  # (participant, day) -> slots a meeting could take
    for p, s in at:
        reachable[p, ctx.slot_day[s]].add(s)
    spans = []
    for (p, d), slots in reachable.items():
        if len(slots) < 2 or sum(1 for r in ctx.requests_of[p] if r in board.slot_of) < 2:
            continue
        window = [s for s in slots_of_day[d] if min(slots) <= s <= max(slots)]
        started = [model.new_bool_var("") for _ in window]
        going = [model.new_bool_var("") for _ in window]
        # A complete hint lets CP-SAT start from the current plan instead of from scratch.
        now = [s for s in window if s in board.busy[p]]
        for i, s in enumerate(window):
            model.add_hint(started[i], bool(now) and s >= now[0])
            model.add_hint(going[i], not now or s <= now[-1])
        for i, s in enumerate(window):
            for v in at.get((p, s), ()):
                model.add_implication(v, started[i])
                model.add_implication(v, going[i])
            model.add_bool_or([started[i], going[i]])
            if i:
                model.add_implication(started[i - 1], started[i])
                model.add_implication(going[i], going[i - 1])
        spans.extend(started)
        spans.extend(going)
    if not spans:
        return board
    model.minimize(sum(spans))
    for (r, s), v in x.items():
        model.add_hint(v, board.slot_of[r] == s)

    solver = _new_solver(deadline - time.monotonic(), workers)
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return board
    better = ctx.fixed_board.copy()
    for (r, s), v in x.items():
        if r not in ctx.fixed_slot and solver.boolean_value(v):
            better.place(r, s)
    if _idle_gaps(ctx, better) < _idle_gaps(ctx, board):
        return better
    return board


# --------------------------------------------------------------------------- finishing


def _assign_tables(ctx: _Context, board: _Board) -> dict[int, str | None]:
    """Hand out tables slot by slot. Each firm gets a table of its own while there are
    enough (its confirmed meeting's table if it has one) and keeps it whenever it is free,
    so that startups come to the firm rather than the firm moving around the zone."""
    tables = ctx.problem.tables
    own: dict[int, str] = {}
    for r, t in ctx.fixed_table.items():
        if t is not None and ctx.firm[r] not in own and t not in own.values():
            own[ctx.firm[r]] = t
    spare = iter([t for t in tables if t not in own.values()])
    load = Counter(ctx.firm[r] for r in board.slot_of if ctx.uses_table[r])
    for f, _ in sorted(load.items(), key=lambda item: (-item[1], item[0])):
        if f not in own:
            t = next(spare, None)
            if t is None:
                break
            own[f] = t

    table_of: dict[int, str | None] = {}
    for s in range(ctx.n_slots):
        here = sorted(board.at_slot[s])
        taken = set()
        for r in here:
            if not ctx.uses_table[r]:
                table_of[r] = None
            elif r in ctx.fixed_table:
                table_of[r] = ctx.fixed_table[r]
                taken.add(table_of[r])
        waiting = []
        for r in here:
            if r in table_of:
                continue
            t = own.get(ctx.firm[r])
            if t is not None and t not in taken:
                table_of[r] = t
                taken.add(t)
            else:
                waiting.append(r)
        free = iter([t for t in tables if t not in taken])
        for r in waiting:
            table_of[r] = next(free)
    return table_of


def _reason(ctx: _Context, board: _Board, r: int) -> str:
    a, b = ctx.startup[r], ctx.firm[r]
    common = [
        s
        for s in ctx.available[a] & ctx.available[b]
        if s not in ctx.fixed_board.busy[a] and s not in ctx.fixed_board.busy[b]
    ]
    if not common:
        return NO_COMMON_SLOT
    if not board.room(a):
        return STARTUP_CAP
    if not board.room(b):
        return FIRM_CAP
    if all(s in board.busy[a] or s in board.busy[b] or board.stand_taken(r, s) for s in common):
        return SLOTS_TAKEN
    return NO_TABLE


def _finish(ctx: _Context, board: _Board, status: str = "feasible", bound=None) -> Solution:
    table_of = _assign_tables(ctx, board)
    problem = ctx.problem
    meetings = [
        Meeting(problem.requests[r].id, problem.slots[s].id, table_of[r])
        for r, s in sorted(board.slot_of.items(), key=lambda item: (item[1], item[0]))
    ]
    left_out = {
        problem.requests[r].id: _reason(ctx, board, r)
        for r in range(len(problem.requests))
        if r not in board.slot_of
    }
    return Solution(meetings, left_out, status, bound)


def solve(problem: Problem, time_limit: float = 10.0, workers: int = 2) -> Solution:
    """The best plan found within about `time_limit` seconds using at most `workers` threads.

    Always feasible, fixed meetings kept exactly. `status` is "optimal" when the score is
    proven best, `upper_bound` is a proven bound on the score, and `left_out` gives the
    reason for every request not scheduled.
    """
    started = time.monotonic()

    def by(share: float) -> float:
        return started + share * time_limit

    ctx = _Context(problem)
    chosen, bound = _best_selection(ctx, ctx.fixed_board)
    board = _filled(_place_selection(ctx, chosen))
    optimal = board.score() >= bound
    support: set[int] = set()

    def affordable(requests: Iterable[int], until: float) -> bool:
        """Whether a model on these requests can be built well before `until`."""
        pairs = sum(len(ctx.candidates[r]) for r in requests)
        return pairs * _SECONDS_PER_PAIR < 0.5 * (until - time.monotonic())

    if not optimal and affordable(ctx.open, by(0.3)):
        relaxed = _relaxation(ctx, by(0.3))
        if relaxed is not None:
            lp_bound, values = relaxed
            bound = min(bound, lp_bound)
            board = max(board, _rounded(ctx, values), key=_Board.score)
            support = {r for r, _ in values}
            optimal = board.score() >= bound
    # Few requests are worth more than a glance: those the flow or the relaxation take.
    focus = (set(chosen) | support | set(board.slot_of)) - set(ctx.fixed_slot)
    if not optimal and affordable(focus, by(0.45)):
        focused, _, _ = _maximize_score(ctx, board, focus, bound, by(0.45), workers)
        board = max(board, _filled(focused), key=_Board.score)
        optimal = board.score() >= bound
    pairs = sum(len(ctx.candidates[r]) for r in ctx.open)
    if not optimal and pairs <= _MAX_FULL_MODEL_PAIRS and affordable(ctx.open, by(0.6)):
        full, proven, cp_bound = _maximize_score(ctx, board, ctx.open, bound, by(0.6), workers)
        board = max(board, _filled(full), key=_Board.score)
        if cp_bound is not None:
            bound = min(bound, cp_bound)
        optimal = proven or board.score() >= bound

    # Idle gaps only break ties, so they get a bounded share of the time, and a little is
    # left at the end to hand out tables and explain who is left out.
    end = by(0.97) - 0.05
    board = _compact(board, min(end, time.monotonic() + 0.4 * time_limit), patience=10)
    scheduled_pairs = sum(len(ctx.candidates[r]) for r in board.slot_of)
    if _idle_gaps(ctx, board) and scheduled_pairs <= _MAX_GAP_MODEL_PAIRS:
        gap_end = min(end, time.monotonic() + 0.2 * time_limit)
        if gap_end - time.monotonic() > 0.2:
            board = _minimize_gaps(ctx, board, gap_end, workers)
    return _finish(ctx, board, "optimal" if optimal else "feasible", bound)


# --------------------------------------------------------------------------- scoring


def _meetings_of(solution) -> list[Meeting]:
    if isinstance(solution, Solution):
        return list(solution.meetings)
    if isinstance(solution, dict):
        solution = solution.get("meetings", [])
    return [
        m if isinstance(m, Meeting) else Meeting(m["request"], m["slot"], m.get("table"))
        for m in solution
    ]


def score(problem: Problem, solution) -> dict:
    """Score figures of a feasible plan, as the spec defines them.

    `solution` is a Solution, its JSON form, or a list of meetings. Returns score, weight,
    meetings, startups_served, startups_unserved and idle_gaps.
    """
    meetings = _meetings_of(solution)
    requests = {r.id: r for r in problem.requests}
    index = {s.id: i for i, s in enumerate(problem.slots)}
    day = {s.id: s.day for s in problem.slots}
    scheduled = {m.request: m for m in meetings}
    weight = sum(requests[rid].weight for rid in scheduled)
    served = {requests[rid].startup for rid in scheduled}
    asking = {r.startup for r in problem.requests}
    busy = defaultdict(list)
    for m in scheduled.values():
        r = requests[m.request]
        for pid in (r.startup, r.firm):
            busy[pid, day[m.slot]].append(index[m.slot])
    return {
        "score": weight + problem.first_meeting_bonus * len(served),
        "weight": weight,
        "meetings": len(scheduled),
        "startups_served": len(served),
        "startups_unserved": len(asking - served),
        "idle_gaps": sum(_day_gaps(v) for v in busy.values()),
    }


def violations(problem: Problem, solution) -> list[str]:
    """Every broken rule of the spec's feasibility section, and a new meeting at a booth
    that holds another one in its slot (firms at one booth); empty for a feasible plan."""
    bad = []
    people = {p.id: p for p in problem.participants}
    requests = {r.id: r for r in problem.requests}
    slot_ids = {s.id for s in problem.slots}
    tables = set(problem.tables)
    busy: set[tuple[str, str]] = set()
    used: set[tuple[str, str]] = set()
    count: dict[str, int] = defaultdict(int)
    placed: dict[str, tuple[str, str | None]] = {}
    at_booth: dict[tuple[str, str], list[str]] = defaultdict(list)
    for m in _meetings_of(solution):
        if m.request not in requests:
            bad.append(f"unknown request {m.request!r}")
            continue
        if m.request in placed:
            bad.append(f"request {m.request} scheduled twice")
            continue
        if m.slot not in slot_ids:
            bad.append(f"{m.request}: unknown slot {m.slot!r}")
            continue
        placed[m.request] = (m.slot, m.table)
        r = requests[m.request]
        for pid in (r.startup, r.firm):
            p = people[pid]
            if p.available is not None and m.slot not in p.available:
                bad.append(f"{m.request}: {pid} not available in {m.slot}")
            if (pid, m.slot) in busy:
                bad.append(f"{m.request}: {pid} double-booked in {m.slot}")
            busy.add((pid, m.slot))
            count[pid] += 1
        if people[r.firm].location:
            at_booth[people[r.firm].location, m.slot].append(m.request)
            if m.table is not None:
                bad.append(f"{m.request}: firm {r.firm} receives at its booth, table must be null")
        elif m.table not in tables:
            bad.append(f"{m.request}: unknown table {m.table!r}")
        elif (m.table, m.slot) in used:
            bad.append(f"{m.request}: table {m.table} used twice in {m.slot}")
        else:
            used.add((m.table, m.slot))
    for pid, n in count.items():
        cap = people[pid].max_meetings
        if cap is not None and n > cap:
            bad.append(f"{pid}: {n} meetings exceeds max_meetings {cap}")
    for f in problem.fixed:
        if placed.get(f.request) != (f.slot, f.table):
            bad.append(f"fixed meeting {f.request} moved or missing")
    fixed = {f.request for f in problem.fixed}
    for (booth, slot), here in at_booth.items():
        # Fixed meetings are given: two already at one booth together stay.
        if len(here) > 1 and not fixed.issuperset(here):
            bad.append(f"{', '.join(here)}: booth {booth} holds two meetings in {slot}")
    return bad


# --------------------------------------------------------------------------- command line


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m eventapp.meetings.scheduler",
        description="Schedule the meetup's meeting requests (format kicxup-meetings/1).",
    )
    parser.add_argument("problem", help="problem JSON file")
    parser.add_argument("solution", help="where to write the solution JSON")
    parser.add_argument("--time-limit", type=float, default=10.0, help="seconds (default 10)")
    parser.add_argument(
        "--workers",
        type=int,
        default=2,
        help=f"solver threads, 1 to {MAX_WORKERS} (default 2)",
    )
    args = parser.parse_args(argv)
    if not args.time_limit > 0 or args.workers < 1:
        print("error: --time-limit and --workers must be positive", file=sys.stderr)
        return 2
    if args.workers > MAX_WORKERS:
        print(f"error: --workers must be at most {MAX_WORKERS}", file=sys.stderr)
        return 2
    try:
        with open(args.problem, encoding="utf-8") as f:
            data = json.load(f)
    except OSError as exc:
        print(f"error: cannot read {args.problem}: {exc.strerror}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"error: {args.problem} is not valid JSON: {exc}", file=sys.stderr)
        return 2
    try:
        problem = parse_problem(data)
    except ProblemError as exc:
        print(f"error: {args.problem}: {exc}", file=sys.stderr)
        return 2

    solution = solve(problem, time_limit=args.time_limit, workers=args.workers)
    try:
        with open(args.solution, "w", encoding="utf-8") as f:
            json.dump(solution.to_json(), f, ensure_ascii=False, indent=1)
            f.write("\n")
    except OSError as exc:
        print(f"error: cannot write {args.solution}: {exc.strerror}", file=sys.stderr)
        return 2
    figures = score(problem, solution)
    print(
        f"scheduled {figures['meetings']} of {len(problem.requests)} requests, "
        f"score {figures['score']} ({solution.status}), idle gaps {figures['idle_gaps']}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
