"""The pure meeting scheduler: feasibility, optimality on small cases, reasons, command line.

Self-contained: the feasibility checker and the brute-force optimum below are written
from the spec, independently of the scheduler, and no file from ../shared is needed.
"""

import contextlib
import copy
import json
import math
import subprocess
import sys
from collections import Counter, defaultdict
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eventapp.meetings import scheduler
from eventapp.meetings.generate import generate
from eventapp.meetings.scheduler import ProblemError, parse_problem, solve

FORMAT = "kicxup-meetings/1"


# --------------------------------------------------------------------------- spec helpers


def violations(problem: dict, solution: dict) -> list[str]:
    """Every broken feasibility rule of the spec, checked on the plain JSON data, and a
    booth holding two meetings in one slot (firms at one booth), unless both are fixed."""
    bad = []
    fixed = {f["request"] for f in problem.get("fixed", [])}
    at_booth = defaultdict(list)
    slots = [s["id"] for s in problem["slots"]]
    people = {p["id"]: p for p in problem["participants"]}
    requests = {r["id"]: r for r in problem["requests"]}
    tables = set(problem.get("tables", []))
    busy, used, count, placed = set(), set(), Counter(), {}
    for m in solution["meetings"]:
        rid, slot, table = m["request"], m["slot"], m["table"]
        if rid not in requests or rid in placed or slot not in slots:
            bad.append(f"bad meeting {m}")
            continue
        placed[rid] = (slot, table)
        r = requests[rid]
        for pid in (r["startup"], r["firm"]):
            available = people[pid].get("available")
            if available is not None and slot not in available:
                bad.append(f"{pid} unavailable in {slot}")
            if (pid, slot) in busy:
                bad.append(f"{pid} twice in {slot}")
            busy.add((pid, slot))
            count[pid] += 1
        if people[r["firm"]].get("location"):
            at_booth[people[r["firm"]]["location"], slot].append(rid)
            if table is not None:
                bad.append(f"{rid} at a table although the firm receives at its booth")
        elif table not in tables or (table, slot) in used:
            bad.append(f"{rid} has a bad or taken table {table!r}")
        else:
            used.add((table, slot))
    for pid, n in count.items():
        cap = people[pid].get("max_meetings")
        if cap is not None and n > cap:
            bad.append(f"{pid} over its cap")
    for f in problem.get("fixed", []):
        if placed.get(f["request"]) != (f["slot"], f.get("table")):
            bad.append(f"fixed {f['request']} moved")
    for (booth, slot), here in at_booth.items():
        if len(here) > 1 and not fixed.issuperset(here):
            bad.append(f"booth {booth} holds {here} in {slot}")
    return bad


def spec_score(problem: dict, solution: dict) -> int:
    requests = {r["id"]: r for r in problem["requests"]}
    scheduled = [requests[m["request"]] for m in solution["meetings"]]
    served = {r["startup"] for r in scheduled}
    return sum(r["weight"] for r in scheduled) + problem.get("first_meeting_bonus", 3) * len(served)


def brute_force_optimum(problem: dict) -> int:
    """Best score over every way to give each request a slot or none (depth-first)."""
    slots = [s["id"] for s in problem["slots"]]
    people = {p["id"]: p for p in problem["participants"]}
    n_tables = len(problem.get("tables", []))
    bonus = problem.get("first_meeting_bonus", 3)
    fixed = {f["request"]: f["slot"] for f in problem.get("fixed", [])}
    # Fixed meetings first: they must fit, whatever the other requests do.
    requests = sorted(problem["requests"], key=lambda r: r["id"] not in fixed)
    busy, count, tables, served = set(), Counter(), Counter(), Counter()
    booths = Counter()  # (location, slot) -> meetings there

    def free(pid, slot):
        p = people[pid]
        return (
            (p.get("available") is None or slot in p["available"])
            and (pid, slot) not in busy
            and (p.get("max_meetings") is None or count[pid] < p["max_meetings"])
        )

    def best_from(i: int) -> float:
        if i == len(requests):
            return 0
        r = requests[i]
        pids = (r["startup"], r["firm"])
        booth = people[r["firm"]].get("location")
        uses_table = not booth
        options = [fixed[r["id"]]] if r["id"] in fixed else [None, *slots]
        best = -math.inf
        for slot in options:
            if slot is None:
                best = max(best, best_from(i + 1))
                continue
            if not all(free(pid, slot) for pid in pids):
                continue
            if uses_table and tables[slot] >= n_tables:
                continue
            # Fixed meetings stay even at a booth taken in their slot (data from before).
            if booth and booths[booth, slot] and r["id"] not in fixed:
                continue
            gain = r["weight"] + (bonus if not served[r["startup"]] else 0)
            for pid in pids:
                busy.add((pid, slot))
                count[pid] += 1
            tables[slot] += uses_table
            booths[booth, slot] += 1
            served[r["startup"]] += 1
            best = max(best, gain + best_from(i + 1))
            for pid in pids:
                busy.discard((pid, slot))
                count[pid] -= 1
            tables[slot] -= uses_table
            booths[booth, slot] -= 1
            served[r["startup"]] -= 1
        return best

    return best_from(0)


def slot_list(n: int, days: int = 1) -> list[dict]:
    per_day = -(-n // days)
    slots = []
    for i in range(n):
        day, k = divmod(i, per_day)
        hour = 10 + k
        slots.append(
            {
                "id": f"D{day + 1}-{hour}",
                "start": f"2025-09-{17 + day}T{hour:02d}:00:00+09:00",
                "end": f"2025-09-{17 + day}T{hour:02d}:30:00+09:00",
            }
        )
    return slots


def problem_of(
    slots=3, tables=("T1",), startups=("S1",), firms=("F1",), requests=(), fixed=(), **extra
):
    """A small problem; participants are given as ids or as full dicts."""

    def person(p, side):
        if isinstance(p, dict):
            return {"side": side, "available": None, "max_meetings": None, **p}
        return {"id": p, "side": side, "available": None, "max_meetings": None}

    data = {
        "format": FORMAT,
        "slots": slot_list(slots) if isinstance(slots, int) else slots,
        "tables": list(tables),
        "participants": [person(p, "startup") for p in startups]
        + [person(p, "firm") for p in firms],
        "requests": [
            {"id": f"R{i + 1}", "startup": s, "firm": f, "weight": w}
            for i, (s, f, w) in enumerate(requests)
        ],
        "fixed": list(fixed),
    }
    data.update(extra)
    return data


def assert_sound(data: dict, solution, limit_greedy: bool = True) -> None:
    """Feasible, scored as the spec says, every left-out request explained."""
    plan = solution.to_json()
    assert plan["format"] == FORMAT
    assert violations(data, plan) == []
    problem = parse_problem(data)
    figures = scheduler.score(problem, solution)
    assert figures["score"] == spec_score(data, plan)
    scheduled = {m["request"] for m in plan["meetings"]}
    every = {r["id"] for r in data["requests"]}
    assert set(solution.left_out) == every - scheduled
    assert set(solution.left_out.values()) <= set(scheduler.REASONS)
    if solution.upper_bound is not None:
        assert figures["score"] <= solution.upper_bound
    if limit_greedy:
        baseline = scheduler.greedy(problem)
        assert violations(data, baseline.to_json()) == []
        assert figures["score"] >= scheduler.score(problem, baseline)["score"]


# --------------------------------------------------------------------------- random problems


@st.composite
def problems(draw, max_slots=5, max_startups=4, max_firms=3):
    """Small problems with random availability, caps, tables, booths and fixed meetings."""
    n_slots = draw(st.integers(1, max_slots))
    days = draw(st.integers(1, min(2, n_slots)))
    slots = slot_list(n_slots, days)
    ids = [s["id"] for s in slots]
    tables = [f"T{i}" for i in range(draw(st.integers(0, 3)))]

    def availability():
        return draw(st.one_of(st.none(), st.lists(st.sampled_from(ids), unique=True)))

    def cap():
        return draw(st.one_of(st.none(), st.integers(0, 3)))

    startups = [
        {"id": f"S{i}", "available": availability(), "max_meetings": cap()}
        for i in range(draw(st.integers(1, max_startups)))
    ]
    firms = [
        {
            "id": f"F{i}",
            "available": availability(),
            "max_meetings": cap(),
            # "A-9": a stand lent to several firms, one meeting at a time
            "location": draw(st.sampled_from([None, f"A-{i}", "A-9"])),
        }
        for i in range(draw(st.integers(1, max_firms)))
    ]
    pairs = [(s["id"], f["id"]) for s in startups for f in firms]
    chosen = draw(st.lists(st.sampled_from(pairs), unique=True, max_size=7))
    requests = [(s, f, draw(st.integers(1, 3))) for s, f in chosen]
    data = problem_of(
        slots,
        tables,
        startups,
        firms,
        requests,
        first_meeting_bonus=draw(st.integers(0, 4)),
    )
    data["fixed"] = draw_fixed(draw, data)
    return data


def draw_fixed(draw, data) -> list[dict]:
    """Some requests confirmed in slots that keep the problem feasible."""
    people = {p["id"]: p for p in data["participants"]}
    busy, used, count, fixed = set(), set(), Counter(), []
    for r in data["requests"]:
        if not draw(st.booleans()) or not draw(st.booleans()):
            continue
        pair = [people[r["startup"]], people[r["firm"]]]
        if any(p["max_meetings"] is not None and count[p["id"]] >= p["max_meetings"] for p in pair):
            continue
        for slot in [s["id"] for s in data["slots"]]:
            if any(
                (p["available"] is not None and slot not in p["available"])
                or (p["id"], slot) in busy
                for p in pair
            ):
                continue
            table = None
            if not pair[1].get("location"):
                free = [t for t in data["tables"] if (t, slot) not in used]
                if not free:
                    continue
                table = free[-1]
                used.add((table, slot))
            for p in pair:
                busy.add((p["id"], slot))
                count[p["id"]] += 1
            fixed.append({"request": r["id"], "slot": slot, "table": table})
            break
    return fixed


@contextlib.contextmanager
def only_through(stage: str):
    """Make `solve` reach its optimum through one stage: on small problems the selection
    flow and the start plan nearly always settle it, so the later stages are forced by
    starting from an empty plan and skipping what comes before them."""
    with contextlib.ExitStack() as stack:
        if stage != "start plan":
            stack.enter_context(
                mock.patch.object(
                    scheduler, "_place_selection", lambda ctx, chosen: ctx.fixed_board.copy()
                )
            )
            stack.enter_context(mock.patch.object(scheduler, "_filled", lambda board: board.copy()))
        if stage in ("focused model", "full model"):
            stack.enter_context(
                mock.patch.object(scheduler, "_relaxation", lambda ctx, deadline: None)
            )
        if stage == "full model":
            stack.enter_context(
                mock.patch.object(
                    scheduler,
                    "_best_selection",
                    lambda ctx, board: ([], scheduler._trivial_bound(ctx, board)),
                )
            )
        yield


@pytest.mark.parametrize("stage", ["start plan", "relaxation", "focused model", "full model"])
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=problems())
def test_random_problems_are_solved_feasibly_and_optimally(stage, data):
    with only_through(stage):
        solution = solve(parse_problem(data), time_limit=2.0)
    assert_sound(data, solution)
    assert solution.status == "optimal"
    assert spec_score(data, solution.to_json()) == brute_force_optimum(data)


@st.composite
def open_problems(draw):
    """Everyone free in every slot, no caps, enough tables, slots >= busiest participant's
    number of requests: König's theorem says every request fits. Firms at one booth
    count as one participant there (its meetings are the edges of a bipartite multigraph)."""
    n_startups = draw(st.integers(1, 6))
    n_firms = draw(st.integers(1, 5))
    pairs = [(f"S{i}", f"F{j}") for i in range(n_startups) for j in range(n_firms)]
    chosen = draw(st.lists(st.sampled_from(pairs), unique=True, min_size=1, max_size=18))
    booths = draw(st.booleans())
    location = {f"F{j}": "A-1" if booths and j % 2 else None for j in range(n_firms)}
    degree = Counter(p for s, f in chosen for p in (s, location[f] or f))
    n_slots = max(degree.values()) + draw(st.integers(0, 1))
    firms = [{"id": f, "location": booth} for f, booth in location.items()]
    return problem_of(
        n_slots,
        [f"T{i}" for i in range(min(n_startups, n_firms))],
        [f"S{i}" for i in range(n_startups)],
        firms,
        [(s, f, draw(st.integers(1, 3))) for s, f in chosen],
    )


@settings(max_examples=40, deadline=None)
@given(open_problems())
def test_every_request_fits_when_slots_reach_the_busiest_participant(data):
    solution = solve(parse_problem(data), time_limit=2.0)
    assert_sound(data, solution)
    assert len(solution.meetings) == len(data["requests"])
    assert solution.left_out == {}


# --------------------------------------------------------------------------- generated problems


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_generated_problems(seed):
    data = generate(40, 10, 2, seed=seed, slots_per_day=6, tables=4, fixed_rate=0.05)
    assert data["fixed"], "the generator confirms some meetings"
    solution = solve(parse_problem(data), time_limit=3.0)
    assert_sound(data, solution)


def test_generator_is_deterministic_and_valid():
    first = generate(60, 12, 2, seed=7)
    assert first == generate(60, 12, 2, seed=7)
    assert first != generate(60, 12, 2, seed=8)
    problem = parse_problem(first)
    counts = Counter(r.startup for r in problem.requests)
    assert 1 <= min(counts.values()) and max(counts.values()) <= 8
    assert any(p.location for p in problem.participants)
    assert any(p.available is not None for p in problem.participants)
    assert violations(first, {"meetings": first["fixed"]}) == []


def test_solve_beats_first_come_first_served_and_matches_the_bound():
    data = generate(120, 25, 2, seed=4, tables=6)
    problem = parse_problem(data)
    solution = solve(problem, time_limit=5.0)
    assert_sound(data, solution)
    baseline = scheduler.score(problem, scheduler.greedy(problem))["score"]
    best = scheduler.score(problem, solution)["score"]
    assert best > baseline
    bound = scheduler.upper_bound(problem)
    assert best <= bound
    assert best >= 0.99 * bound


# --------------------------------------------------------------------------- behaviour


def test_greedy_takes_requests_in_file_order_in_the_earliest_slot():
    data = problem_of(
        2,
        ["T1", "T2"],
        ["S1", "S2"],
        ["F1"],
        [("S1", "F1", 1), ("S2", "F1", 3)],
    )
    plan = scheduler.greedy(parse_problem(data)).to_json()["meetings"]
    assert plan == [
        {"request": "R1", "slot": "D1-10", "table": "T1"},
        {"request": "R2", "slot": "D1-11", "table": "T1"},
    ]


def test_first_meeting_bonus_spreads_meetings_over_startups():
    # One slot: the firm meets either S1 (weight 3) or S2 (weight 1); S1 already has a
    # fixed meeting elsewhere, so serving S2 earns the bonus and wins 1 + 5 > 3.
    data = problem_of(
        2,
        ["T1", "T2"],
        ["S1", "S2"],
        [{"id": "F1", "available": ["D1-11"]}, "F2"],
        [("S1", "F1", 3), ("S2", "F1", 1), ("S1", "F2", 1)],
        fixed=[{"request": "R3", "slot": "D1-10", "table": "T2"}],
        first_meeting_bonus=5,
    )
    solution = solve(parse_problem(data))
    assert {m.request for m in solution.meetings} == {"R2", "R3"}
    assert solution.status == "optimal"


def test_fixed_meetings_keep_slot_and_table():
    data = problem_of(
        3,
        ["T1", "T2"],
        ["S1", "S2"],
        ["F1"],
        [("S1", "F1", 1), ("S2", "F1", 1)],
        fixed=[{"request": "R2", "slot": "D1-11", "table": "T2"}],
    )
    solution = solve(parse_problem(data))
    assert_sound(data, solution)
    assert scheduler.Meeting("R2", "D1-11", "T2") in solution.meetings


def test_booth_firms_take_no_table():
    data = problem_of(
        1,
        [],
        ["S1", "S2"],
        [{"id": "F1", "location": "A-001"}, "F2"],
        [("S1", "F1", 1), ("S2", "F2", 1)],
    )
    solution = solve(parse_problem(data))
    assert [(m.request, m.table) for m in solution.meetings] == [("R1", None)]
    assert solution.left_out == {"R2": scheduler.NO_TABLE}


def test_firms_at_one_booth_meet_there_one_at_a_time():
    """A stand lent to two firms holds one meeting per slot: both firms' meetings were
    planned there in the first slot, as if each had a booth of its own."""
    firms = [{"id": "F1", "location": "B-09"}, {"id": "F2", "location": "B-09"}]
    data = problem_of(2, [], ["S1", "S2"], firms, [("S1", "F1", 1), ("S2", "F2", 1)])
    solution = solve(parse_problem(data))
    assert_sound(data, solution)
    assert sorted((m.slot, m.table) for m in solution.meetings) == [
        ("D1-10", None),
        ("D1-11", None),
    ]
    assert solution.status == "optimal"
    # One slot: one of them is left out, the booth being taken then.
    data = problem_of(1, [], ["S1", "S2"], firms, [("S1", "F1", 1), ("S2", "F2", 3)])
    solution = solve(parse_problem(data))
    assert_sound(data, solution)
    assert [m.request for m in solution.meetings] == ["R2"]
    assert solution.left_out == {"R1": scheduler.SLOTS_TAKEN}
    assert solution.upper_bound == 3 + 3  # the weight and one startup's bonus


def test_meetings_fixed_together_at_one_booth_stay_and_keep_it_taken():
    """Meetings booked at a stand lent twice, before that was refused, are data: the
    plan keeps them and puts nothing else at the booth in their slot."""
    firms = [{"id": "F1", "location": "B-09"}, {"id": "F2", "location": "B-09"}]
    data = problem_of(
        2,
        [],
        ["S1", "S2", "S3"],
        firms,
        [("S1", "F1", 1), ("S2", "F2", 1), ("S3", "F1", 1)],
        fixed=[
            {"request": "R1", "slot": "D1-10", "table": None},
            {"request": "R2", "slot": "D1-10", "table": None},
        ],
    )
    solution = solve(parse_problem(data))
    assert_sound(data, solution)
    assert sorted((m.request, m.slot) for m in solution.meetings) == [
        ("R1", "D1-10"),
        ("R2", "D1-10"),
        ("R3", "D1-11"),
    ]


def test_a_firm_keeps_its_table_through_the_day():
    data = problem_of(
        4,
        ["T1", "T2", "T3"],
        ["S1", "S2", "S3", "S4"],
        ["F1", "F2"],
        [(s, f, 1) for s in ("S1", "S2", "S3", "S4") for f in ("F1", "F2")][:6],
    )
    solution = solve(parse_problem(data))
    assert_sound(data, solution)
    tables_of = defaultdict(set)
    firm = {r["id"]: r["firm"] for r in data["requests"]}
    for m in solution.meetings:
        tables_of[firm[m.request]].add(m.table)
    assert all(len(t) == 1 for t in tables_of.values())


def test_idle_gaps_break_ties():
    # F1 meets S1 (only free at 10:00) and S2 (free all day): 11:00 leaves no gap, 12:00
    # scores the same but leaves F1 idle in between.
    data = problem_of(
        3,
        ["T1"],
        [{"id": "S1", "available": ["D1-10"]}, "S2"],
        ["F1"],
        [("S1", "F1", 1), ("S2", "F1", 1)],
    )
    solution = solve(parse_problem(data))
    assert {(m.request, m.slot) for m in solution.meetings} == {("R1", "D1-10"), ("R2", "D1-11")}
    assert scheduler.score(parse_problem(data), solution)["idle_gaps"] == 0


def test_idle_gaps_are_reduced_on_a_busy_day():
    data = generate(30, 6, 1, seed=11, slots_per_day=10, tables=3, fixed_rate=0)
    problem = parse_problem(data)
    solution = solve(problem, time_limit=3.0)
    assert_sound(data, solution)
    mine = scheduler.score(problem, solution)["idle_gaps"]
    assert mine <= scheduler.score(problem, scheduler.greedy(problem))["idle_gaps"]


@pytest.mark.parametrize(
    ("data", "reasons"),
    [
        (
            problem_of(
                2,
                ["T1"],
                [{"id": "S1", "available": ["D1-10"]}],
                [{"id": "F1", "available": ["D1-11"]}],
                [("S1", "F1", 1)],
            ),
            {"R1": scheduler.NO_COMMON_SLOT},
        ),
        (
            problem_of(
                3,
                ["T1"],
                [{"id": "S1", "max_meetings": 1}],
                ["F1", "F2"],
                [("S1", "F1", 3), ("S1", "F2", 1)],
            ),
            {"R2": scheduler.STARTUP_CAP},
        ),
        (
            problem_of(
                3,
                ["T1"],
                ["S1", "S2"],
                [{"id": "F1", "max_meetings": 1}],
                [("S1", "F1", 3), ("S2", "F1", 1)],
            ),
            {"R2": scheduler.FIRM_CAP},
        ),
        (
            problem_of(1, ["T1", "T2"], ["S1", "S2"], ["F1"], [("S1", "F1", 3), ("S2", "F1", 1)]),
            {"R2": scheduler.SLOTS_TAKEN},
        ),
        (
            problem_of(1, ["T1"], ["S1", "S2"], ["F1", "F2"], [("S1", "F1", 3), ("S2", "F2", 1)]),
            {"R2": scheduler.NO_TABLE},
        ),
    ],
)
def test_reasons_for_requests_left_out(data, reasons):
    solution = solve(parse_problem(data))
    assert_sound(data, solution)
    assert solution.left_out == reasons


def test_empty_problem():
    data = problem_of(0, [], [], [], [])
    solution = solve(parse_problem(data))
    assert solution.meetings == [] and solution.left_out == {}
    assert scheduler.score(parse_problem(data), solution)["score"] == 0


def test_score_matches_the_spec():
    data = problem_of(
        3,
        ["T1"],
        ["S1", "S2"],
        ["F1"],
        [("S1", "F1", 3), ("S2", "F1", 1)],
        first_meeting_bonus=2,
    )
    plan = {
        "meetings": [
            {"request": "R1", "slot": "D1-10", "table": "T1"},
            {"request": "R2", "slot": "D1-12", "table": "T1"},
        ]
    }
    figures = scheduler.score(parse_problem(data), plan)
    assert figures == {
        "score": 3 + 1 + 2 * 2,
        "weight": 4,
        "meetings": 2,
        "startups_served": 2,
        "startups_unserved": 0,
        "idle_gaps": 1,
    }


# --------------------------------------------------------------------------- malformed problems


def _base():
    return problem_of(
        2,
        ["T1"],
        ["S1", "S2"],
        [{"id": "F1", "location": "A-1"}, "F2"],
        [("S1", "F1", 1), ("S2", "F2", 1)],
    )


def _broken(change):
    data = copy.deepcopy(_base())
    change(data)
    return data


MALFORMED = {
    "not an object": ([], "JSON object"),
    "wrong format": (_broken(lambda d: d.update(format="other/1")), "format"),
    "missing slots": (_broken(lambda d: d.pop("slots")), "'slots'"),
    "missing requests": (_broken(lambda d: d.pop("requests")), "'requests'"),
    "slot without id": (_broken(lambda d: d["slots"][0].pop("id")), "'id'"),
    "duplicate slot": (
        _broken(lambda d: d["slots"].append(dict(d["slots"][0]))),
        "duplicate slot id",
    ),
    "bad slot time": (_broken(lambda d: d["slots"][0].update(start="10 am")), "ISO 8601"),
    "slots out of order": (_broken(lambda d: d["slots"].reverse()), "time order"),
    "unknown side": (_broken(lambda d: d["participants"][0].update(side="investor")), "side"),
    "unknown available slot": (
        _broken(lambda d: d["participants"][0].update(available=["D9-99"])),
        "unknown slot",
    ),
    "negative cap": (
        _broken(lambda d: d["participants"][0].update(max_meetings=-1)),
        "max_meetings",
    ),
    "duplicate participant": (
        _broken(lambda d: d["participants"].append(dict(d["participants"][0]))),
        "duplicate participant",
    ),
    "unknown participant": (
        _broken(lambda d: d["requests"][0].update(firm="F9")),
        "unknown participant",
    ),
    "two startups": (_broken(lambda d: d["requests"][0].update(firm="S2")), "not a firm"),
    "duplicate pair": (
        _broken(lambda d: d["requests"].append({**d["requests"][0], "id": "R9"})),
        "already have a request",
    ),
    "duplicate request id": (
        _broken(lambda d: d["requests"].append({**d["requests"][1], "startup": "S1"})),
        "duplicate request",
    ),
    "weight zero": (_broken(lambda d: d["requests"][0].update(weight=0)), "weight"),
    "weight not an integer": (_broken(lambda d: d["requests"][0].update(weight="3")), "weight"),
    "fixed unknown request": (
        _broken(lambda d: d["fixed"].append({"request": "R9", "slot": "D1-10", "table": None})),
        "unknown request",
    ),
    "fixed unknown slot": (
        _broken(lambda d: d["fixed"].append({"request": "R2", "slot": "D9", "table": "T1"})),
        "unknown slot",
    ),
    "fixed unknown table": (
        _broken(lambda d: d["fixed"].append({"request": "R2", "slot": "D1-10", "table": "T9"})),
        "unknown table",
    ),
    "fixed table at a booth": (
        _broken(lambda d: d["fixed"].append({"request": "R1", "slot": "D1-10", "table": "T1"})),
        "booth",
    ),
    "fixed clash": (
        _broken(
            lambda d: (
                d["requests"].append({"id": "R3", "startup": "S1", "firm": "F2", "weight": 1}),
                d["fixed"].extend(
                    [
                        {"request": "R1", "slot": "D1-10", "table": None},
                        {"request": "R3", "slot": "D1-10", "table": "T1"},
                    ]
                ),
            )
        ),
        "S1 already has a meeting in D1-10",
    ),
    "fixed table taken twice": (
        _broken(
            lambda d: (
                d["participants"].append({"id": "F3", "side": "firm", "available": None}),
                d["requests"].append({"id": "R3", "startup": "S1", "firm": "F3", "weight": 1}),
                d["fixed"].extend(
                    [
                        {"request": "R2", "slot": "D1-10", "table": "T1"},
                        {"request": "R3", "slot": "D1-10", "table": "T1"},
                    ]
                ),
            )
        ),
        "table T1 already used in D1-10",
    ),
    "fixed where unavailable": (
        _broken(
            lambda d: (
                d["participants"][1].update(available=["D1-11"]),
                d["fixed"].append({"request": "R2", "slot": "D1-10", "table": "T1"}),
            )
        ),
        "S2 is not available in D1-10",
    ),
    "bad bonus": (_broken(lambda d: d.update(first_meeting_bonus=-2)), "first_meeting_bonus"),
    "weight too large": (
        _broken(lambda d: d["requests"][0].update(weight=10**30)),
        "'weight' must be an integer from 1 to 1000000",
    ),
    "bonus too large": (
        _broken(lambda d: d.update(first_meeting_bonus=2**62)),
        "'first_meeting_bonus' must be an integer from 0 to 1000000",
    ),
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_problems_are_refused_with_one_line(name):
    data, words = MALFORMED[name]
    with pytest.raises(ProblemError) as error:
        parse_problem(data)
    message = str(error.value)
    assert message and "\n" not in message
    assert words in message


def test_fixed_meetings_over_a_cap_are_refused():
    data = _base()
    data["participants"][0]["max_meetings"] = 0
    data["fixed"] = [{"request": "R1", "slot": "D1-10", "table": None}]
    with pytest.raises(ProblemError, match="max_meetings of S1"):
        parse_problem(data)


# --------------------------------------------------------------------------- command line


def _run_cli(directory, *args):
    """Run the solver's command line from `directory`: not the project directory, as an
    organizer would, with the project installed (pip install -e .)."""
    return subprocess.run(
        [sys.executable, "-m", "eventapp.meetings.scheduler", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=directory,
    )


def test_the_solver_imports_without_flask_database_or_settings(tmp_path):
    code = (
        "import sys, eventapp.meetings.scheduler; "
        "print(sorted(m for m in ('config', 'flask', 'sqlalchemy') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_command_line_writes_a_feasible_solution(tmp_path):
    data = generate(30, 8, 1, seed=5, slots_per_day=8, tables=4)
    problem_path, solution_path = tmp_path / "problem.json", tmp_path / "solution.json"
    problem_path.write_text(json.dumps(data), encoding="utf-8")
    result = _run_cli(tmp_path, problem_path, solution_path, "--time-limit", "2")
    assert result.returncode == 0, result.stderr
    plan = json.loads(solution_path.read_text(encoding="utf-8"))
    assert plan["format"] == FORMAT and plan["meetings"]
    assert violations(data, plan) == []


def test_command_line_refuses_a_malformed_problem(tmp_path):
    data = _base()
    data["requests"][0]["firm"] = "S2"
    problem_path, solution_path = tmp_path / "problem.json", tmp_path / "solution.json"
    problem_path.write_text(json.dumps(data), encoding="utf-8")
    result = _run_cli(tmp_path, problem_path, solution_path)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "S2 is a startup" in result.stderr
    assert not solution_path.exists()


@pytest.mark.parametrize(
    ("content", "words"),
    [("{not json", "not valid JSON"), (None, "cannot read"), ('{"format": "x"}', "format")],
)
def test_main_reports_bad_input_on_one_line(tmp_path, capsys, content, words):
    problem_path = tmp_path / "problem.json"
    if content is not None:
        problem_path.write_text(content, encoding="utf-8")
    code = scheduler.main([str(problem_path), str(tmp_path / "out.json")])
    err = capsys.readouterr().err
    assert code != 0
    assert len(err.strip().splitlines()) == 1 and words in err


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda d: d["requests"][0].update(weight=10**30), "'weight' must be an integer from 1 to"),
        (lambda d: d.update(first_meeting_bonus=2**62), "'first_meeting_bonus' must be an integer"),
        (lambda d: d["requests"][0].update(weight=scheduler.MAX_WEIGHT + 1), "to 1000000"),
    ],
    ids=["weight", "bonus", "weight just over"],
)
def test_main_refuses_numbers_too_large_for_the_solver_on_one_line(tmp_path, capsys, change, words):
    """Not an OR-Tools overflow with a long traceback: the field and the largest value."""
    problem_path, solution_path = tmp_path / "problem.json", tmp_path / "solution.json"
    problem_path.write_text(json.dumps(_broken(change)), encoding="utf-8")
    code = scheduler.main([str(problem_path), str(solution_path), "--time-limit", "1"])
    err = capsys.readouterr().err
    assert code != 0
    assert len(err.strip().splitlines()) == 1 and words in err
    assert not solution_path.exists()


def test_main_refuses_more_workers_than_the_solver_takes(tmp_path, capsys):
    problem_path, solution_path = tmp_path / "problem.json", tmp_path / "solution.json"
    problem_path.write_text(json.dumps(_base()), encoding="utf-8")
    code = scheduler.main([str(problem_path), str(solution_path), "--workers", str(10**20)])
    err = capsys.readouterr().err
    assert code != 0
    assert err.strip() == "error: --workers must be at most 64"
    assert not solution_path.exists()


def test_the_largest_weight_and_bonus_are_solved():
    data = generate(30, 8, 1, seed=5, slots_per_day=8, tables=4)
    data["first_meeting_bonus"] = scheduler.MAX_WEIGHT
    for request in data["requests"]:
        request["weight"] = scheduler.MAX_WEIGHT
    problem = parse_problem(data)
    solution = solve(problem, time_limit=2)
    assert scheduler.violations(problem, solution) == []
    assert scheduler.score(problem, solution)["score"] >= scheduler.MAX_WEIGHT


def test_main_writes_an_empty_plan_when_nothing_fits(tmp_path, capsys):
    data = problem_of(1, [], ["S1"], ["F1"], [("S1", "F1", 1)])
    problem_path, solution_path = tmp_path / "problem.json", tmp_path / "solution.json"
    problem_path.write_text(json.dumps(data), encoding="utf-8")
    assert scheduler.main([str(problem_path), str(solution_path), "--time-limit", "1"]) == 0
    assert json.loads(solution_path.read_text()) == {"format": FORMAT, "meetings": []}
