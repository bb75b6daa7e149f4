"""The booth assigner against an independent reading of the kicxup-booths/1 rules.

Nothing here needs the shared instances: problems are built by hand, by the
generator, or drawn by Hypothesis, and every solution is judged by `check` below,
which is written from the format description and shares no code with the solver.
"""

import copy
import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eventapp.booths.assigner import (
    ProblemError,
    Solution,
    _connected_blocks,
    greedy,
    left_out_reasons,
    parse_problem,
    score,
    solve,
)
from eventapp.booths.generate import generate

ROOT = Path(__file__).resolve().parents[2]
FORMAT = "kicxup-booths/1"

# The booth tests run inside the app fixture of their conftest, which Hypothesis
# would otherwise flag; the assigner itself touches neither the app nor the database.
quick = settings(
    deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture], derandomize=True
)


# --------------------------------------------------------------------------- independent checker


def neighbours_of(data):
    near = {b["id"]: set() for b in data["booths"]}
    for a, b in data.get("adjacent", []):
        near[a].add(b)
        near[b].add(a)
    return near


def is_connected(booths, near):
    booths = set(booths)
    start = next(iter(booths))
    seen, todo = {start}, [start]
    while todo:
        for n in near[todo.pop()] & booths:
            if n not in seen:
                seen.add(n)
                todo.append(n)
    return seen == booths


def check(data, solution):
    """(problems found, score) of a solution, straight from the format description."""
    booths = {b["id"]: b for b in data["booths"]}
    exhibitors = {e["id"]: e for e in data["exhibitors"]}
    near = neighbours_of(data)
    blocked = set(data.get("blocked", []))
    rivals = {eid: set(e.get("avoid", [])) for eid, e in exhibitors.items()}
    for eid, e in exhibitors.items():
        for other in e.get("avoid", []):
            rivals[other].add(eid)

    problems, placed, owner = [], {}, {}
    assert solution["format"] == FORMAT
    for item in solution["assignments"]:
        eid, got = item["exhibitor"], item["booths"]
        e = exhibitors[eid]
        if eid in placed:
            problems.append(f"{eid} twice")
        if len(got) != e["size"] or len(set(got)) != len(got):
            problems.append(f"{eid} has {got}")
        for b in got:
            if b not in booths or b in blocked:
                problems.append(f"{eid} on missing or blocked {b}")
                continue
            if b in owner:
                problems.append(f"{b} given twice")
            owner[b] = eid
            if e.get("zones") and booths[b]["zone"] not in e["zones"]:
                problems.append(f"{eid} outside its zones on {b}")
        if got and all(b in booths for b in got) and not is_connected(got, near):
            problems.append(f"{eid} booths apart")
        placed[eid] = set(got)
    for eid, got in placed.items():
        for b in got:
            for n in near.get(b, ()):
                if owner.get(n) in rivals[eid]:
                    problems.append(f"{eid} next to {owner[n]}")
    for f in data.get("fixed", []):
        if placed.get(f["exhibitor"]) != set(f["booths"]):
            problems.append(f"fixed {f['exhibitor']} moved")

    total = 0
    for eid, got in placed.items():
        e = exhibitors[eid]
        wishes = e.get("wishes", [])
        total += 1000 + sum(5 - wishes.index(b) for b in got if b in wishes)
        if e.get("corner") and any(booths[b].get("corner") for b in got):
            total += 20
    return problems, total


def best_by_brute_force(data):
    """Highest score over every feasible assignment (tiny problems only)."""
    booths = {b["id"]: b for b in data["booths"]}
    near = neighbours_of(data)
    blocked = set(data.get("blocked", []))
    fixed = {f["exhibitor"]: list(f["booths"]) for f in data.get("fixed", [])}
    people = [e for e in data["exhibitors"] if e["id"] not in fixed]
    taken_by_fixed = {b for got in fixed.values() for b in got}
    free = [b for b in booths if b not in blocked and b not in taken_by_fixed]

    def blocks_for(e):
        allowed = [b for b in free if not e.get("zones") or booths[b]["zone"] in e["zones"]]
        return [c for c in itertools.combinations(allowed, e["size"]) if is_connected(c, near)]

    choices = [[None, *blocks_for(e)] for e in people]
    base = [{"exhibitor": eid, "booths": got} for eid, got in fixed.items()]
    best = check(data, {"format": FORMAT, "assignments": base})[1]

    def walk(i, used, picked):
        nonlocal best
        if i == len(people):
            solution = {"format": FORMAT, "assignments": base + picked}
            problems, total = check(data, solution)
            if not problems:
                best = max(best, total)
            return
        for block in choices[i]:
            if block is None:
                walk(i + 1, used, picked)
            elif used.isdisjoint(block):
                item = {"exhibitor": people[i]["id"], "booths": list(block)}
                walk(i + 1, used | set(block), [*picked, item])

    walk(0, set(taken_by_fixed), [])
    return best


# --------------------------------------------------------------------------- problem builders


def grid(rows, cols, zones=None, corners=None):
    """A hall of `rows` x `cols` booths named r0c0..., touching left-right and up-down."""
    booths, adjacent = [], []
    for r, c in itertools.product(range(rows), range(cols)):
        zone = zones[r][c] if zones else "AI"
        corner = (c in (0, cols - 1)) if corners is None else (r, c) in corners
        booths.append({"id": f"r{r}c{c}", "hall": "A", "zone": zone, "corner": corner})
        if c + 1 < cols:
            adjacent.append([f"r{r}c{c}", f"r{r}c{c + 1}"])
        if r + 1 < rows:
            adjacent.append([f"r{r}c{c}", f"r{r + 1}c{c}"])
    return booths, adjacent


def problem_data(booths, adjacent, exhibitors, blocked=(), fixed=()):
    people = []
    for e in exhibitors:
        person = {"zones": [], "wishes": [], "corner": False, "avoid": []}
        person.update(e)
        people.append(person)
    return {
        "format": FORMAT,
        "booths": booths,
        "adjacent": adjacent,
        "blocked": list(blocked),
        "exhibitors": people,
        "fixed": list(fixed),
    }


def solved(data, time_limit=5.0):
    return solve(parse_problem(data), time_limit=time_limit).to_json()


@st.composite
def small_problems(draw, max_rows=3, max_cols=4, max_exhibitors=6):
    """Random floors with zones, blocked booths, rivals and valid fixed placements."""
    rows = draw(st.integers(1, max_rows))
    cols = draw(st.integers(1, max_cols))
    zone_names = ["AI", "ECO", "BIO"]
    zones = [[draw(st.sampled_from(zone_names)) for _ in range(cols)] for _ in range(rows)]
    booths, adjacent = grid(rows, cols, zones)
    ids = [b["id"] for b in booths]
    blocked = draw(st.lists(st.sampled_from(ids), unique=True, max_size=max(0, len(ids) // 4)))
    count = draw(st.integers(0, max_exhibitors))
    exhibitors = []
    for n in range(count):
        exhibitors.append(
            {
                "id": f"E{n}",
                "size": draw(st.integers(1, 4)),
                "zones": draw(st.lists(st.sampled_from(zone_names), unique=True, max_size=2)),
                "wishes": draw(st.lists(st.sampled_from(ids), unique=True, max_size=5)),
                "corner": draw(st.booleans()),
                "avoid": [],
            }
        )
    if count >= 2:
        for a, b in draw(st.lists(st.tuples(st.integers(0, count - 1), st.integers(0, count - 1)))):
            if a != b and f"E{b}" not in exhibitors[a]["avoid"]:
                exhibitors[a]["avoid"].append(f"E{b}")
    data = problem_data(booths, adjacent, exhibitors, blocked)

    # Fixed placements as organizers make them: valid on their own.
    near = neighbours_of(data)
    sponsors = st.lists(st.sampled_from(exhibitors), unique_by=lambda e: e["id"], max_size=2)
    for e in draw(sponsors) if exhibitors else []:
        taken = {b for f in data["fixed"] for b in f["booths"]}
        fixed_rivals = {
            b
            for f in data["fixed"]
            if f["exhibitor"] in e["avoid"] or e["id"] in _avoid_of(data, f["exhibitor"])
            for b in f["booths"]
        }
        spots = [
            c
            for c in itertools.combinations(
                [b for b in ids if b not in blocked and b not in taken], e["size"]
            )
            if is_connected(c, near)
            and all(not e["zones"] or zones_of(data, b) in e["zones"] for b in c)
            and not any(n in fixed_rivals for b in c for n in near[b])
        ]
        if spots:
            spot = draw(st.sampled_from(spots))
            data["fixed"].append({"exhibitor": e["id"], "booths": list(spot)})
    return data


def _avoid_of(data, eid):
    return next(e["avoid"] for e in data["exhibitors"] if e["id"] == eid)


def zones_of(data, booth_id):
    return next(b["zone"] for b in data["booths"] if b["id"] == booth_id)


# --------------------------------------------------------------------------- parsing


def valid_data():
    booths, adjacent = grid(1, 3)
    return problem_data(
        booths,
        adjacent,
        [
            {"id": "E1", "size": 1, "wishes": ["r0c1"]},
            {"id": "E2", "size": 2, "avoid": ["E1"]},
        ],
        fixed=[{"exhibitor": "E1", "booths": ["r0c0"]}],
    )


def broken(change):
    data = valid_data()
    change(data)
    return data


MALFORMED = {
    "wrong format": lambda d: d.update(format="kicxup-booths/2"),
    "missing format": lambda d: d.pop("format"),
    "missing booths": lambda d: d.pop("booths"),
    "missing exhibitors": lambda d: d.pop("exhibitors"),
    "booth without id": lambda d: d["booths"][0].pop("id"),
    "duplicate booth": lambda d: d["booths"].append(dict(d["booths"][0])),
    "unknown booth in adjacent": lambda d: d["adjacent"].append(["r0c0", "Z-9"]),
    "unknown booth in blocked": lambda d: d["blocked"].append("Z-9"),
    "unknown booth in wishes": lambda d: d["exhibitors"][0]["wishes"].append("Z-9"),
    "unknown booth in fixed": lambda d: d["fixed"][0].update(booths=["Z-9"]),
    "size 0": lambda d: d["exhibitors"][1].update(size=0),
    "size 5": lambda d: d["exhibitors"][1].update(size=5),
    "size not integer": lambda d: d["exhibitors"][1].update(size=1.5),
    "size as text": lambda d: d["exhibitors"][1].update(size="2"),
    "exhibitor without size": lambda d: d["exhibitors"][1].pop("size"),
    "duplicate exhibitor": lambda d: d["exhibitors"].append(dict(d["exhibitors"][0])),
    "unknown exhibitor in avoid": lambda d: d["exhibitors"][1]["avoid"].append("E9"),
    "unknown exhibitor in fixed": lambda d: d["fixed"][0].update(exhibitor="E9"),
    "fixed of wrong size": lambda d: d["fixed"][0].update(booths=["r0c0", "r0c1"]),
    "fixed on blocked booth": lambda d: d["blocked"].append("r0c0"),
    "six wishes": lambda d: d["exhibitors"][0].update(wishes=["r0c0"] * 6),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_problems_are_refused_in_one_line(case):
    data = broken(MALFORMED[case])
    with pytest.raises(ProblemError) as caught:
        parse_problem(data)
    message = str(caught.value)
    assert message and "\n" not in message


def test_fixed_placements_must_be_feasible_on_their_own():
    booths, adjacent = grid(1, 4)
    people = [{"id": "E1", "size": 2}, {"id": "E2", "size": 1, "avoid": ["E1"]}]
    apart = problem_data(
        booths, adjacent, people, fixed=[{"exhibitor": "E1", "booths": ["r0c0", "r0c2"]}]
    )
    with pytest.raises(ProblemError, match="touch"):
        parse_problem(apart)
    rivals = problem_data(
        booths,
        adjacent,
        people,
        fixed=[
            {"exhibitor": "E1", "booths": ["r0c0", "r0c1"]},
            {"exhibitor": "E2", "booths": ["r0c2"]},
        ],
    )
    with pytest.raises(ProblemError, match="avoid"):
        parse_problem(rivals)


def test_problem_must_be_an_object():
    with pytest.raises(ProblemError, match="object"):
        parse_problem([])


def test_optional_keys_default_to_empty():
    data = {
        "format": FORMAT,
        "booths": [{"id": "A", "zone": "AI"}],
        "exhibitors": [{"id": "E1", "size": 1}],
    }
    problem = parse_problem(data)
    assert solve(problem, time_limit=2).assignments == {"E1": ["A"]}


# --------------------------------------------------------------------------- blocks and scoring


@pytest.mark.parametrize("rows,cols", [(1, 6), (2, 5), (3, 3), (4, 4)])
@pytest.mark.parametrize("size", [1, 2, 3, 4])
def test_every_connected_block_is_found_once(rows, cols, size):
    booths, adjacent = grid(rows, cols)
    data = problem_data(booths, adjacent, [])
    near = neighbours_of(data)
    ids = [b["id"] for b in booths]
    free = [i % 5 != 3 for i in range(len(ids))]
    expected = {
        c
        for c in itertools.combinations(range(len(ids)), size)
        if all(free[i] for i in c) and is_connected([ids[i] for i in c], near)
    }
    index = {bid: i for i, bid in enumerate(ids)}
    neighbours = [tuple(index[n] for n in near[bid]) for bid in ids]
    found = _connected_blocks(neighbours, free, size)
    assert len(found) == len(set(found))
    assert set(found) == expected


def test_score_counts_wishes_corners_and_placements():
    booths, adjacent = grid(1, 3)
    data = problem_data(
        booths,
        adjacent,
        [
            {"id": "E1", "size": 2, "wishes": ["r0c1", "r0c0"], "corner": True},
            {"id": "E2", "size": 1, "wishes": ["r0c0"]},
        ],
    )
    solution = Solution(assignments={"E1": ["r0c0", "r0c1"]})
    result = score(parse_problem(data), solution)
    assert result == {"score": 1000 + 5 + 4 + 20, "placed": 1, "wish_points": 9, "corners": 1}
    assert check(data, solution.to_json()) == ([], result["score"])


# --------------------------------------------------------------------------- solving


def test_greedy_is_first_come_first_served():
    booths, adjacent = grid(1, 3)
    data = problem_data(
        booths,
        adjacent,
        [
            {"id": "E1", "size": 1, "wishes": ["r0c1"]},
            {"id": "E2", "size": 2},
        ],
    )
    first_come = greedy(parse_problem(data)).to_json()
    # E1 takes its wish in the middle and leaves no room for the pair.
    assert first_come["assignments"] == [{"exhibitor": "E1", "booths": ["r0c1"]}]
    best = solved(data)
    assert check(data, best) == ([], 2000)


def test_rivals_never_stand_side_by_side():
    booths, adjacent = grid(1, 3)
    people = [
        {"id": "E1", "size": 1, "wishes": ["r0c1"]},
        {"id": "E2", "size": 1, "avoid": ["E1"], "wishes": ["r0c0"]},
    ]
    data = problem_data(booths, adjacent, people)
    best = solved(data)
    problems, total = check(data, best)
    assert not problems
    # Side by side E1 would get its wish; apart, both are placed.
    assert total == best_by_brute_force(data) == 2005


def test_exhibitors_that_cannot_fit_are_left_out():
    booths, adjacent = grid(1, 3, zones=[["AI", "AI", "ECO"]])
    people = [
        {"id": "SPONSOR", "size": 1},
        {"id": "BIG", "size": 2, "zones": ["AI"]},  # the sponsor splits the AI booths
        {"id": "NOWHERE", "size": 1, "zones": ["ROBOT"]},
        {"id": "SMALL", "size": 1, "zones": ["ECO"]},
    ]
    data = problem_data(
        booths, adjacent, people, fixed=[{"exhibitor": "SPONSOR", "booths": ["r0c1"]}]
    )
    best = solved(data)
    assert check(data, best) == ([], 2000)
    assert {a["exhibitor"] for a in best["assignments"]} == {"SPONSOR", "SMALL"}


def test_empty_problem():
    data = problem_data([], [], [])
    assert solved(data)["assignments"] == []
    assert greedy(parse_problem(data)).assignments == {}


@pytest.mark.parametrize("seed", range(4))
def test_solve_reaches_the_brute_force_optimum(seed):
    data = generate(exhibitors=6, booths=10, seed=seed, row_length=5, halls=1)
    best = solved(data)
    problems, total = check(data, best)
    assert not problems
    assert total == best_by_brute_force(data)


@pytest.mark.parametrize("seed", range(2))
def test_generated_fair_is_solved_feasibly_and_beats_greedy(seed):
    data = generate(exhibitors=60, booths=100, seed=seed)
    problem = parse_problem(copy.deepcopy(data))
    first_come = greedy(problem)
    best = solve(problem, time_limit=10)
    assert check(data, first_come.to_json())[0] == []
    problems, total = check(data, best.to_json())
    assert not problems
    assert total == score(problem, best)["score"] >= score(problem, first_come)["score"]
    if best.bound is not None:
        assert total <= best.bound


@settings(quick, max_examples=100)
@given(small_problems())
def test_solutions_are_feasible_and_never_worse_than_greedy(data):
    problem = parse_problem(copy.deepcopy(data))
    first_come = greedy(problem).to_json()
    problems, baseline = check(data, first_come)
    assert not problems
    best = solve(problem, time_limit=5).to_json()
    problems, total = check(data, best)
    assert not problems
    assert total >= baseline


@settings(quick, max_examples=50)
@given(small_problems(max_rows=2, max_cols=4, max_exhibitors=4))
def test_small_problems_are_solved_to_optimality(data):
    best = solved(data)
    problems, total = check(data, best)
    assert not problems
    assert total == best_by_brute_force(data)


# --------------------------------------------------------------------------- command line


def run_cli(tmp_path, data, *extra):
    problem_file = tmp_path / "problem.json"
    solution_file = tmp_path / "solution.json"
    problem_file.write_text(data if isinstance(data, str) else json.dumps(data))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "eventapp.booths.assigner",
            str(problem_file),
            str(solution_file),
            *extra,
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done, solution_file


def test_cli_writes_a_feasible_solution(tmp_path):
    data = generate(exhibitors=30, booths=50, seed=7)
    done, solution_file = run_cli(tmp_path, data, "--time-limit", "5")
    assert done.returncode == 0, done.stderr
    problems, total = check(data, json.loads(solution_file.read_text()))
    assert not problems
    assert total >= 1000


def test_cli_leaves_out_exhibitors_that_cannot_be_placed(tmp_path):
    booths, adjacent = grid(1, 3)
    people = [{"id": "SPONSOR", "size": 1}, {"id": "PAIR", "size": 2}, {"id": "SOLO", "size": 1}]
    data = problem_data(
        booths, adjacent, people, fixed=[{"exhibitor": "SPONSOR", "booths": ["r0c1"]}]
    )
    done, solution_file = run_cli(tmp_path, data, "--time-limit", "2")
    assert done.returncode == 0, done.stderr
    solution = json.loads(solution_file.read_text())
    assert check(data, solution) == ([], 2000)
    assert "PAIR" not in {a["exhibitor"] for a in solution["assignments"]}


@pytest.mark.parametrize(
    "case",
    ["unknown booth in adjacent", "unknown booth in wishes", "size 0", "size 5", "missing booths"],
)
def test_cli_refuses_malformed_problems_in_one_line(tmp_path, case):
    done, solution_file = run_cli(tmp_path, broken(MALFORMED[case]))
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:")
    assert not solution_file.exists()


@pytest.mark.parametrize(
    ("option", "value", "words"),
    [
        ("--workers", str(10**20), "error: --workers must be at most 64"),
        ("--time-limit", "1e30", "error: --time-limit must be at most 86400"),
        ("--time-limit", "nan", "error: --time-limit must be at most 86400"),
    ],
)
def test_cli_refuses_limits_too_large_for_the_solver_in_one_line(
    tmp_path, capsys, option, value, words
):
    """OR-Tools takes them as fixed-size integers: an overflow, not a limit."""
    from eventapp.booths import assigner

    booths, adjacent = grid(1, 3)
    problem_file, solution_file = tmp_path / "problem.json", tmp_path / "solution.json"
    problem_file.write_text(json.dumps(problem_data(booths, adjacent, [{"id": "E", "size": 1}])))
    code = assigner.main([str(problem_file), str(solution_file), option, value])
    err = capsys.readouterr().err
    assert code != 0
    assert len(err.strip().splitlines()) == 1 and err.startswith(words)
    assert not solution_file.exists()


def test_cli_refuses_a_file_that_is_not_json(tmp_path):
    done, _ = run_cli(tmp_path, "{not json")
    assert done.returncode != 0
    assert len(done.stderr.strip().splitlines()) == 1


# --------------------------------------------------------------------------- why left out


def reasons_for(data, assignments=None):
    problem = parse_problem(data)
    if assignments is None:
        assignments = solve(problem, time_limit=2.0).assignments
    return left_out_reasons(problem, assignments)


def test_a_zone_without_free_booths_is_the_reason():
    booths, adjacent = grid(1, 3, zones=[["AI", "AI", "ECO"]])
    data = problem_data(
        booths,
        adjacent,
        [{"id": "ROBOT", "size": 1, "zones": ["ROBOT"]}, {"id": "ANY", "size": 1}],
        blocked=["r0c0", "r0c1", "r0c2"],
    )
    assert reasons_for(data) == {
        "ROBOT": {"reason": "none_free", "size": 1, "zones": ["ROBOT"]},
        "ANY": {"reason": "none_free", "size": 1, "zones": []},
    }


def test_no_group_of_touching_booths_large_enough_is_the_reason():
    # AI booths r0c0, r0c1 | sponsor on r0c2 | AI r0c3: three free, two at most touching.
    booths, adjacent = grid(1, 5, zones=[["AI", "AI", "AI", "AI", "ECO"]])
    data = problem_data(
        booths,
        adjacent,
        [{"id": "SPONSOR", "size": 1}, {"id": "BIG", "size": 3, "zones": ["AI"]}],
        fixed=[{"exhibitor": "SPONSOR", "booths": ["r0c2"]}],
    )
    assert reasons_for(data) == {
        "BIG": {"reason": "too_small", "size": 3, "zones": ["AI"], "largest": 2}
    }


def test_competitors_around_every_free_place_are_the_reason():
    # A 1 x 3 row: the rival placed in the middle touches both free booths.
    booths, adjacent = grid(1, 3)
    data = problem_data(
        booths,
        adjacent,
        [{"id": "RIVAL", "size": 1}, {"id": "SHY", "size": 1, "avoid": ["RIVAL"]}],
        fixed=[{"exhibitor": "RIVAL", "booths": ["r0c1"]}],
    )
    assert reasons_for(data) == {
        "SHY": {"reason": "rivals", "size": 1, "zones": [], "rivals": ["RIVAL"]}
    }
    # Placed by this plan rather than by the organizers: the same reason.
    data = problem_data(
        booths, adjacent, [{"id": "RIVAL", "size": 1}, {"id": "SHY", "size": 1, "avoid": ["RIVAL"]}]
    )
    assignments = {"RIVAL": ["r0c1"]}
    assert reasons_for(data, assignments)["SHY"]["reason"] == "rivals"


def test_others_of_the_plan_taking_every_place_is_the_reason():
    booths, adjacent = grid(1, 2)
    data = problem_data(
        booths, adjacent, [{"id": f"E{n}", "size": 1, "zones": ["AI"]} for n in range(3)]
    )
    reasons = reasons_for(data)
    assert list(reasons.values()) == [{"reason": "taken", "size": 1, "zones": ["AI"]}]


def test_room_still_free_means_the_time_ran_out():
    booths, adjacent = grid(2, 2)
    data = problem_data(booths, adjacent, [{"id": "E1", "size": 2}, {"id": "E2", "size": 2}])
    # As if the search had stopped after placing E1 only.
    reasons = reasons_for(data, {"E1": ["r0c0", "r0c1"]})
    assert reasons == {"E2": {"reason": "time", "size": 2, "zones": []}}


@quick
@given(small_problems())
def test_every_exhibitor_left_out_gets_a_reason_and_only_they(data):
    problem = parse_problem(data)
    solution = solve(problem, time_limit=1.0)
    reasons = left_out_reasons(problem, solution.assignments)
    assert set(reasons) == set(problem.exhibitors) - set(solution.assignments)
    if solution.status == "OPTIMAL":
        # An optimal plan leaves nobody out that still fits somewhere.
        assert all(r["reason"] != "time" for r in reasons.values())
