"""Booth assignment benchmark: first come, first served against the optimal assigner.

    python benchmarks/booths.py [--no-write] [--reference-seconds S]

Runs both in the same process on the shared sample problems (../shared from the
project root, skipped with a message when absent) and on generated fairs of
300 exhibitors / 500 booths and 600 / 1000. Every solution is validated with the
shared checker when it is there. The shared problems are compared with their
published optimum; the generated ones with a long run of the assigner, which is
the optimum when that run proves it and otherwise is reported with its bound.
Rewrites the booths section of docs/benchmarks.md unless told not to.
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
DOCS = ROOT / "docs" / "benchmarks.md"
START, END = "<!-- booths:start -->", "<!-- booths:end -->"
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


def instances():
    """(name, problem data, time limit, best known score or None)."""
    folder = SHARED / "instances"
    for name, best in BEST_KNOWN.items():
        path = folder / name
        if not path.exists():
            print(f"skipping {name}: {path} not found", file=sys.stderr)
            continue
        data = json.loads(path.read_text(encoding="utf-8"))
        yield name, data, 20.0, best
    for name, exhibitors, booths, seed, limit in GENERATED:
        yield name, generate(exhibitors, booths, seed), float(limit), None


def validate(data, problem, solution) -> dict:
    """The official checker's verdict when it is available, the assigner's own otherwise."""
    if not CHECKER.exists():
        found = violations(problem, solution.assignments)
        return {"feasible": not found, **score(problem, solution)}
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
    return json.loads(done.stdout)


def points(result: dict) -> int:
    return result["score"] - PLACED_POINTS * result["placed"]


def run_one(name, data, limit, best_known, reference_seconds) -> dict:
    problem = parse_problem(data)
    started = time.monotonic()
    first_come = greedy(problem)
    greedy_seconds = time.monotonic() - started
    started = time.monotonic()
    assigned = solve(problem, time_limit=limit, workers=WORKERS)
    assigner_seconds = time.monotonic() - started

    baseline = validate(data, problem, first_come)
    result = validate(data, problem, assigned)
    if not (baseline["feasible"] and result["feasible"]):
        raise SystemExit(f"{name}: infeasible solution: {baseline} {result}")

    if best_known is not None:
        best_score, best_placed = best_known
        reference = {"score": best_score, "placed": best_placed, "how": "published optimum"}
    elif assigned.status == "OPTIMAL":
        reference = {**result, "how": "optimum (proven in the run)"}
    else:
        long_run = solve(problem, time_limit=reference_seconds, workers=WORKERS)
        checked = validate(data, problem, long_run)
        best = max(result, checked, key=lambda r: r["score"])
        if long_run.status == "OPTIMAL":
            reference = {**best, "how": f"optimum (proven in {long_run.seconds:.0f} s)"}
        else:
            bound = long_run.bound if long_run.bound is not None else best["score"]
            reference = {**best, "how": f"best of {reference_seconds:.0f} s run, bound {bound}"}
    # Wish and corner points of the reference, whose placed count is the leading 1000s.
    reference_points = reference["score"] - PLACED_POINTS * reference["placed"]
    ratio = points(result) / reference_points if reference_points else 1.0
    met = (
        result["placed"] >= reference["placed"]
        and ratio >= 0.99
        and assigner_seconds <= limit + 0.5
    )
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
        "met": met,
    }
    print(
        f"{name}: greedy {baseline['score']} ({greedy_seconds:.2f} s), "
        f"assigner {result['score']} {assigned.status.lower()} ({assigner_seconds:.1f} s), "
        f"reference {reference['score']} ({reference['how']}), points ratio {ratio:.4f}",
        flush=True,
    )
    return row


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
            f"| {row['assigner_seconds']:.1f} s ({row['limit']:.0f} s) "
            f"| {ref['score']} ({ref['placed']}, {ref['score'] - PLACED_POINTS * ref['placed']}), "
            f"{ref['how']} | {100 * row['ratio']:.2f}% | {'yes' if row['met'] else 'no'} |"
        )
    return "\n".join(lines)


def write_docs(rows) -> None:
    text = DOCS.read_text(encoding="utf-8")
    if START not in text or END not in text:
        raise SystemExit(f"{DOCS} has no {START} ... {END} section")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
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
            "(20 s for about 300 exhibitors, 60 s for 600); its time includes building "
            "the model. Points are wish and corner points (the score less 1000 per placed "
            "exhibitor). Every solution above passed `shared/tools/check_booths.py`. Target: "
            "place everyone the reference places, reach 99% of its points, within the limit.",
            "",
        ]
    )
    DOCS.write_text(head + START + body + END + tail, encoding="utf-8")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-write", action="store_true", help="do not touch docs/benchmarks.md")
    parser.add_argument(
        "--reference-seconds",
        type=float,
        default=300.0,
        help="time limit of the long reference run on generated fairs (default 300)",
    )
    args = parser.parse_args(argv)
    if not CHECKER.exists():
        print(f"{CHECKER} not found: validating with the assigner's own checks", file=sys.stderr)
    rows = [
        run_one(name, data, limit, best, args.reference_seconds)
        for name, data, limit, best in instances()
    ]
    print()
    print(table(rows))
    if not args.no_write:
        write_docs(rows)
        print(f"\nwrote {DOCS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
