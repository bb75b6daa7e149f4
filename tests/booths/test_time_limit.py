"""The assigner's time limit covers building its model (and, from the command line,
reading the problem); the benchmark counts a run over the limit as a miss and
compares which exhibitors are placed, not only how many."""

import importlib.util
import time
from pathlib import Path

import pytest

from eventapp.booths import assigner
from eventapp.booths.generate import generate

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_booths", ROOT / "benchmarks" / "booths.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def fair():
    return generate(300, 500, 3)


def test_time_spent_before_solving_counts_against_the_limit(fair, monkeypatch):
    """The solver's deadline is counted from `started`, not from when solving begins.
    Read from the deadline it is handed, not from the wall clock: on a busy machine a
    run ends late either way. Here no relaxation is found and the search proves
    nothing, so the whole problem is searched until the deadline."""
    problem = assigner.parse_problem(fair)
    # Long enough that building the model on a loaded machine leaves time to search
    # (the search is a stand-in that answers at once).
    limit = 60.0
    deadlines = []

    def search(plan, start, cap, deadline, workers, fixed_on=(), **params):
        deadlines.append(deadline)
        return start, "FEASIBLE", None

    monkeypatch.setattr(assigner, "_relaxation", lambda plan, until: None)
    monkeypatch.setattr(assigner, "_search", search)
    # As if reading the problem had already taken 1.2 of the seconds.
    started = time.monotonic() - 1.2
    solution = assigner.solve(problem, time_limit=limit, workers=1, started=started)
    assert deadlines == [pytest.approx(started + limit - assigner.time_reserve(limit))]
    assert assigner.violations(problem, solution.assignments) == []


def test_no_time_left_still_gives_a_feasible_answer_at_once(fair):
    problem = assigner.parse_problem(fair)
    before = time.monotonic()
    solution = assigner.solve(problem, time_limit=1.0, workers=1, started=before - 5)
    assert time.monotonic() - before < 3.0  # building only, no solver run
    assert assigner.violations(problem, solution.assignments) == []
    assert len(solution.assignments) >= len(assigner.greedy(problem).assignments)


def test_command_line_counts_reading_the_problem(fair, tmp_path, monkeypatch):
    import json

    problem_file = tmp_path / "problem.json"
    problem_file.write_text(json.dumps(fair), encoding="utf-8")
    seen = {}
    real_solve = assigner.solve

    def solve(problem, **kwargs):
        seen.update(kwargs)
        return real_solve(problem, **kwargs)

    monkeypatch.setattr(assigner, "solve", solve)
    before = time.monotonic()
    code = assigner.main(
        [str(problem_file), str(tmp_path / "solution.json"), "--time-limit", "1", "--workers", "1"]
    )
    assert code == 0
    assert before <= seen["started"] <= before + 0.5  # the clock started before reading


def test_a_run_over_the_limit_does_not_meet_the_target(bench, monkeypatch):
    data = generate(20, 40, 1)
    real_solve = bench.solve

    def slow(problem, **kwargs):
        solution = real_solve(problem, **kwargs)
        time.sleep(0.6)  # over the 0.5 s limit, whatever the solver did
        return solution

    monkeypatch.setattr(bench, "solve", slow)
    monkeypatch.setattr(assigner, "solve", slow)
    row = bench.run_one("tiny", data, 0.5, None, reference_seconds=1)
    assert row["assigner_seconds"] > 0.5
    assert row["met"] is False and not row["within_limit"]
    assert "over the limit" in bench.table([row])


def test_placed_target_compares_the_exhibitors_not_their_count(bench):
    assert bench.placed_target({"E1", "E2"}, 2, {"E1", "E3"}, 2) == (False, ["E2"])
    assert bench.placed_target({"E1", "E2"}, 2, {"E1", "E2", "E3"}, 3) == (True, [])
    # A reference known by its count only can only be compared by count.
    assert bench.placed_target(None, 2, {"E1", "E3"}, 2) == (True, None)
    assert bench.placed_target(None, 3, {"E1", "E3"}, 2) == (False, None)


def test_write_up_claims_the_shared_checker_only_where_it_ran(bench):
    def row(name, checker):
        return {"name": name, "assigner": {"checker": checker}}

    assert "Every solution above passed" in bench.checker_sentence([row("a", "shared")])
    only_own = bench.checker_sentence([row("a", "own"), row("b", "own")])
    assert "not available" in only_own and "Every solution" not in only_own
    mixed = bench.checker_sentence([row("a", "shared"), row("b", "own")])
    assert mixed.startswith("Solutions of a passed") and "own feasibility checks" in mixed


class _Clock:
    """A monotonic clock that the test moves by hand."""

    def __init__(self):
        self.now = 1000.0

    def monotonic(self):
        return self.now


def test_building_the_lp_counts_against_its_time(fair, monkeypatch):
    """On a loaded machine building the LP row by row took 0.48 s of the 0.04 s
    meant for the whole relaxation, and the assigner overshot its limit."""
    problem = assigner.parse_problem(fair)
    floor = assigner._build_floor(problem)
    plan = assigner._Formulation(problem, floor, assigner._options(problem, floor))
    clock = _Clock()
    monkeypatch.setattr(assigner, "time", clock)
    built = []
    real_constraint = assigner.pywraplp.Solver.Constraint

    def constraint(lp, *args):
        built.append(1)
        clock.now += 0.001  # each row takes a millisecond
        return real_constraint(lp, *args)

    monkeypatch.setattr(assigner.pywraplp.Solver, "Constraint", constraint)
    assert assigner._relaxation(plan, until=clock.now + 0.05) is None
    assert len(built) < len(plan.rows) / 2  # it stopped building, not only solving
    assert clock.now < 1000.05 + 0.256 + 0.01


def test_the_lp_bound_is_had_when_there_is_time(fair):
    problem = assigner.parse_problem(fair)
    floor = assigner._build_floor(problem)
    options = assigner._options(problem, floor)
    plan = assigner._Formulation(problem, floor, options)
    relaxation = assigner._relaxation(plan, until=time.monotonic() + 30)
    assert relaxation is not None
    bound, _solution = relaxation
    assert bound >= plan.value(assigner._starting_blocks(problem, floor, options)) - 1e-6
