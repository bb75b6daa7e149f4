"""Booth assignment benchmark: first come, first served against the optimal assigner.

    python benchmarks/booths.py [--no-write] [--reference-seconds S] [--only NAME]

Runs both in the same process on the shared sample problems (../shared from the
project root, skipped with a message when absent) and on generated fairs of
300 exhibitors / 500 booths and 600 / 1000. Every solution is validated with the
shared checker when it is there, with the assigner's own checks otherwise (the
write-up says which). The shared problems are compared with their published
optimum; the generated ones with a long run of the assigner, which is the
optimum when that run proves it and otherwise is reported with its bound.

A target is met when the assigner places every exhibitor the reference places
(the same exhibitors, not just as many), reaches 99% of its wish and corner
points, and finishes within the time limit, reading the problem included.
Rewrites the booths section of docs/benchmarks.md unless told not to (or run
on some instances only with --only).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.docs_section import DOCS, markers, rewrite_section  # noqa: E402
from eventapp.booths.assigner import (  # noqa: E402
    PLACED_POINTS,
    greedy,
    parse_problem,
    score,
    solve,
    violations,
)
from eventapp.booths.generate import generate  # noqa: E402

SHARED = ROOT.parent / "shared"
CHECKER = SHARED / "tools" / "check_booths.py"
START, END = markers("booths")
WORKERS = 2

# Proven optima published in shared/instances/README.md: (score, placed).
BEST_KNOWN = {"booths-small.json": (60319, 60), "booths-kicef.json": (301756, 300)}
# (name, exhibitors, booths, seed, time limit of the issue in seconds)
GENERATED = [
    ("generated 300/500 seed 1", 300, 500, 1, 20),
    ("generated 300/500 seed 2", 300, 500, 2, 20),
    ("generated 600/1000 seed 1", 600, 1000, 1, 60),
    ("generated 600/1000 seed 2", 600, 1000, 2, 60),
]


def instances(only=None):
    """(name, problem data, time limit, best known score or None), those named in `only`."""

    def wanted(name):
        return not only or any(part in name for part in only)

    folder = SHARED / "instances"
    for name, best in BEST_KNOWN.items():
        if not wanted(name):
            continue
        path = folder / name
        if not path.exists():
            print(f"skipping {name}: {path} not found", file=sys.stderr)
            continue
        data = json.loads(path.read_text(encoding="utf-8"))
        yield name, data, 20.0, best
    for name, exhibitors, booths, seed, limit in GENERATED:
        if wanted(name):
            yield name, generate(exhibitors, booths, seed), float(limit), None


def validate(data, problem, solution) -> dict:
    """The official checker's verdict when it is available, the assigner's own otherwise;
    `checker` says which ("shared" or "own")."""
    if not CHECKER.exists():
        found = violations(problem, solution.assignments)
        return {"feasible": not found, **score(problem, solution), "checker": "own"}
    with tempfile.TemporaryDirectory() as folder:
        problem_file = Path(folder, "problem.json")
        solution_file = Path(folder, "solution.json")
        problem_file.write_text(json.dumps(data), encoding="utf-8")
        solution_file.write_text(json.dumps(solution.to_json()), encoding="utf-8")
        done = subprocess.run(
            [sys.executable, str(CHECKER), str(problem_file), str(solution_file)],
            capture_output=True,
            text=True,
            check=False,
        )
    return {**json.loads(done.stdout), "checker": "shared"}


def points(result: dict) -> int:
    return result["score"] - PLACED_POINTS * result["placed"]


def run_one(name, data, limit, best_known, reference_seconds) -> dict:
    problem = parse_problem(data)
    started = time.monotonic()
    first_come = greedy(problem)
    greedy_seconds = time.monotonic() - started
    # The assigner's clock starts before it reads the problem, as on the command line.
    started = time.monotonic()
    assigned = solve(parse_problem(data), time_limit=limit, workers=WORKERS, started=started)
    assigner_seconds = time.monotonic() - started

    baseline = validate(data, problem, first_come)
    result = validate(data, problem, assigned)
    if not (baseline["feasible"] and result["feasible"]):
        raise SystemExit(f"{name}: infeasible solution: {baseline} {result}")

    # `reference["ids"]`: the exhibitors the reference places, None when unknown.
    if best_known is not None:
        best_score, best_placed = best_known
        everyone = best_placed == len(problem.exhibitors)
        reference = {
            "score": best_score,
            "placed": best_placed,
            "how": "published optimum",
            # A published optimum comes as figures only; it names its exhibitors
            # when it places all of them.
            "ids": set(problem.exhibitors) if everyone else None,
        }
    elif assigned.status == "OPTIMAL":
        reference = {**result, "how": "optimum (proven in the run)"}
        reference["ids"] = set(assigned.assignments)
    else:
        long_run = solve(problem, time_limit=reference_seconds, workers=WORKERS)
        checked = validate(data, problem, long_run)
        best, best_solution = max(
            ((result, assigned), (checked, long_run)), key=lambda pair: pair[0]["score"]
        )
        if long_run.status == "OPTIMAL":
            reference = {**best, "how": f"optimum (proven in {long_run.seconds:.0f} s)"}
        else:
            bound = long_run.bound if long_run.bound is not None else best["score"]
            reference = {**best, "how": f"best of {reference_seconds:.0f} s run, bound {bound}"}
        reference["ids"] = set(best_solution.assignments)
    # Wish and corner points of the reference, whose placed count is the leading 1000s.
    reference_points = reference["score"] - PLACED_POINTS * reference["placed"]
    ratio = points(result) / reference_points if reference_points else 1.0
    placed_ok, missing = placed_target(
        reference["ids"], reference["placed"], set(assigned.assignments), result["placed"]
    )
    within_limit = assigner_seconds <= limit
    met = placed_ok and ratio >= 0.99 and within_limit
    row = {
        "name": name,
        "size": f"{len(data['exhibitors'])} / {len(data['booths'])}",
        "greedy": baseline,
        "greedy_seconds": greedy_seconds,
        "assigner": result,
        "assigner_seconds": assigner_seconds,
        "status": assigned.status.lower(),
        "limit": limit,
        "reference": reference,
        "ratio": ratio,
        "missing": missing,
        "placed_ok": placed_ok,
        "within_limit": within_limit,
        "met": met,
    }
    print(
        f"{name}: greedy {baseline['score']} ({greedy_seconds:.2f} s), "
        f"assigner {result['score']} {assigned.status.lower()} ({assigner_seconds:.2f} s), "
        f"reference {reference['score']} ({reference['how']}), points ratio {ratio:.4f}, "
        f"{_placed_note(row)}, checked by the {result['checker']} checker",
        flush=True,
    )
    return row


def placed_target(reference_ids, reference_placed, placed_ids, placed) -> tuple[bool, list | None]:
    """(met, exhibitors the reference places that the assigner leaves out).

    The target is the same exhibitors, not just as many; when the reference names
    no exhibitors (`reference_ids` None) only the count can be compared, and the
    missing list is None.
    """
    if reference_ids is None:
        return placed >= reference_placed, None
    missing = sorted(set(reference_ids) - set(placed_ids))
    return not missing, missing


def _placed_note(row) -> str:
    if row["missing"] is None:
        return "placed count only (the reference names no exhibitors)"
    if row["missing"]:
        return "leaves out " + ", ".join(row["missing"]) + " that the reference places"
    return "places every exhibitor the reference places"


def _met(row) -> str:
    if row["met"]:
        return "yes"
    reasons = []
    if not row["placed_ok"]:
        reasons.append("placed")
    if row["ratio"] < 0.99:
        reasons.append("points")
    if not row["within_limit"]:
        reasons.append("over the limit")
    return "no (" + ", ".join(reasons) + ")"


def table(rows) -> str:
    lines = [
        "| instance | exhibitors / booths | first come, first served: score (placed, points) "
        "| time | assigner: score (placed, points) | time (limit) | reference: score (placed, points) "
        "| points vs reference | target met |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        g, a, ref = row["greedy"], row["assigner"], row["reference"]
        lines.append(
            f"| {row['name']} | {row['size']} "
            f"| {g['score']} ({g['placed']}, {points(g)}) | {row['greedy_seconds']:.2f} s "
            f"| {a['score']} ({a['placed']}, {points(a)}), {row['status']} "
            f"| {row['assigner_seconds']:.2f} s ({row['limit']:.0f} s) "
            f"| {ref['score']} ({ref['placed']}, {ref['score'] - PLACED_POINTS * ref['placed']}), "
            f"{ref['how']} | {100 * row['ratio']:.2f}% | {_met(row)} |"
        )
    return "\n".join(lines)


def checker_sentence(rows) -> str:
    """Which checker accepted the solutions: claim the shared one only where it ran."""
    shared = [row["name"] for row in rows if row["assigner"]["checker"] == "shared"]
    if len(shared) == len(rows):
        return "Every solution above passed `shared/tools/check_booths.py`."
    if not shared:
        return (
            "`shared/tools/check_booths.py` was not available: every solution above was "
            "validated with the assigner's own feasibility checks only."
        )
    return (
        "Solutions of " + ", ".join(shared) + " passed `shared/tools/check_booths.py`; "
        "the others were validated with the assigner's own feasibility checks only."
    )


def write_docs(rows) -> None:
    text = DOCS.read_text(encoding="utf-8")
    if START not in text or END not in text:
        raise SystemExit(f"{DOCS} has no {START} ... {END} section")
    today = datetime.date.today().isoformat()
    body = "\n".join(
        [
            "",
            f"Measured {today} on {os.cpu_count()} cores (nproc), {platform.machine()}, "
            f"Python {platform.python_version()}; `python benchmarks/booths.py`.",
            "",
            table(rows),
            "",
            f"The assigner runs with {WORKERS} workers and the time limit of the issue "
            "(20 s for about 300 exhibitors, 60 s for 600); its time includes reading the "
            "problem and building the model, and a run over the limit does not meet the "
            "target. Points are wish and corner points (the score less 1000 per placed "
            f"exhibitor). {checker_sentence(rows)} Target: place every exhibitor the "
            "reference places (the same exhibitors; a published optimum is compared by "
            "count unless it places everyone), reach 99% of its points, within the limit.",
            "",
        ]
    )
    rewrite_section("booths", body[1:-1])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-write", action="store_true", help="do not touch docs/benchmarks.md")
    parser.add_argument(
        "--reference-seconds",
        type=float,
        default=300.0,
        help="time limit of the long reference run on generated fairs (default 300)",
    )
    parser.add_argument(
        "--only",
        action="append",
        metavar="NAME",
        help="run only the instances whose name contains NAME (repeatable); "
        "implies --no-write, since the table would be partial",
    )
    args = parser.parse_args(argv)
    if not CHECKER.exists():
        print(f"{CHECKER} not found: validating with the assigner's own checks", file=sys.stderr)
    rows = [
        run_one(name, data, limit, best, args.reference_seconds)
        for name, data, limit, best in instances(args.only)
    ]
    print()
    print(table(rows))
    print()
    print(checker_sentence(rows))
    if not args.no_write and not args.only:
        write_docs(rows)
        print(f"\nwrote {DOCS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
