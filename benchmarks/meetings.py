"""Meeting scheduler benchmark: first come, first served against the optimal scheduler.

Runs both in this process on the shared sample problems (`../shared/instances`, skipped
with a message when absent) and on seeded generated problems up to 1,500 startups x 200
firms x 3 days, checks every plan with `../shared/tools/check_meetings.py` when present,
prints a table and rewrites only the meetings section of docs/benchmarks.md.

The ratio compares the scheduler's score with the best known score of a shared problem
(a proven optimum), or for a generated problem with an upper bound: the better of the
selection flow bound and the linear relaxation, computed outside the timed run.

    python benchmarks/meetings.py [--quick] [--no-docs]
"""

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared"
CHECKER = SHARED / "tools" / "check_meetings.py"
DOCS = ROOT / "docs" / "benchmarks.md"
START, END = "<!-- meetings:start -->", "<!-- meetings:end -->"

from eventapp.meetings import scheduler  # noqa: E402
from eventapp.meetings.generate import generate  # noqa: E402

# (name, generator arguments, time limit in seconds): the sizes, each also with
# scarce tables, and a heavy variant with about 15,000 requests.
GENERATED = [
    ("gen 300x60x2", dict(startups=300, firms=60, days=2, seed=1), 10),
    ("gen 300x60x2 few tables", dict(startups=300, firms=60, days=2, seed=2, tables=8), 10),
    ("gen 1500x200x3", dict(startups=1500, firms=200, days=3, seed=1, slots_per_day=14), 60),
    (
        "gen 1500x200x3 few tables",
        dict(startups=1500, firms=200, days=3, seed=2, slots_per_day=14, tables=25),
        60,
    ),
    (
        "gen 1500x200x3 heavy",
        dict(
            startups=1500,
            firms=200,
            days=3,
            seed=3,
            slots_per_day=14,
            requests_per_startup=(4, 16),
        ),
        60,
    ),
]
QUICK = {"gen 300x60x2", "gen 300x60x2 few tables"}


def best_known() -> dict[str, int]:
    """Best known scores of the shared meeting problems, from the instances README."""
    readme = SHARED / "instances" / "README.md"
    known = {}
    for line in readme.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and cells[0].startswith("meetings-"):
            match = re.match(r"\d+", cells[2])
            if match:
                known[cells[0]] = int(match.group())
    return known


def instances(quick: bool):
    """(name, problem data, time limit, best known score or None) for every problem."""
    folder = SHARED / "instances"
    if folder.is_dir():
        known = best_known()
        for path in sorted(folder.glob("meetings-*.json"), key=lambda p: p.stat().st_size):
            data = json.loads(path.read_text(encoding="utf-8"))
            yield path.name, data, 10, known.get(path.name)
    else:
        print(f"note: {folder} not found, shared sample problems skipped", file=sys.stderr)
    for name, kwargs, limit in GENERATED:
        if not quick or name in QUICK:
            yield name, generate(**kwargs), limit, None


def check(data: dict, solution: dict, directory: str) -> str:
    """The official checker's verdict, or "-" when the checker is absent."""
    if not CHECKER.is_file():
        return "-"
    problem_path = Path(directory, "problem.json")
    solution_path = Path(directory, "solution.json")
    problem_path.write_text(json.dumps(data), encoding="utf-8")
    solution_path.write_text(json.dumps(solution), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(CHECKER), str(problem_path), str(solution_path)],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        return "FAILED: " + (result.stdout or result.stderr).strip()[:200]
    return "ok"


def measure(name, data, limit, known, directory):
    problem = scheduler.parse_problem(data)
    started = time.perf_counter()
    baseline = scheduler.greedy(problem)
    greedy_seconds = time.perf_counter() - started
    started = time.perf_counter()
    solution = scheduler.solve(problem, time_limit=limit, workers=2)
    seconds = time.perf_counter() - started

    if known is not None:
        reference, kind = known, "best known"
    else:
        reference = scheduler.upper_bound(problem)
        if solution.upper_bound is not None:
            reference = min(reference, solution.upper_bound)
        kind = "upper bound"
    figures = scheduler.score(problem, solution)
    greedy_figures = scheduler.score(problem, baseline)
    verdicts = [check(data, plan.to_json(), directory) for plan in (baseline, solution)]
    failed = [v for v in verdicts if v.startswith("FAILED")]
    startups = sum(1 for p in problem.participants if p.side == "startup")
    firms = len(problem.participants) - startups
    days = len({s.day for s in problem.slots})
    return {
        "name": name,
        "size": (
            f"{startups}x{firms}, {days} d, {len(problem.slots)} slots, "
            f"{len(problem.tables)} tables, {len(problem.requests)} req"
        ),
        "greedy": greedy_figures["score"],
        "greedy_seconds": greedy_seconds,
        "greedy_gaps": greedy_figures["idle_gaps"],
        "score": figures["score"],
        "seconds": seconds,
        "limit": limit,
        "status": solution.status,
        "gaps": figures["idle_gaps"],
        "unserved": figures["startups_unserved"],
        "greedy_unserved": greedy_figures["startups_unserved"],
        "reference": reference,
        "kind": kind,
        "ratio": figures["score"] / reference if reference else 1.0,
        "check": failed[0] if failed else verdicts[0],
    }


def table(rows) -> str:
    lines = [
        "| instance | size | first come, first served | scheduler (limit) | proven | "
        "idle gaps | startups without a meeting | ratio | checker |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['name']} | {r['size']} "
            f"| {r['greedy']} ({r['greedy_seconds'] * 1000:.0f} ms) "
            f"| {r['score']} ({r['seconds']:.1f} s of {r['limit']} s) "
            f"| {'optimal' if r['status'] == 'optimal' else 'no'} "
            f"| {r['greedy_gaps']} → {r['gaps']} "
            f"| {r['greedy_unserved']} → {r['unserved']} "
            f"| {r['ratio']:.2%} of {r['kind']} {r['reference']} "
            f"| {r['check']} |"
        )
    return "\n".join(lines)


def section(rows) -> str:
    import ortools

    today = datetime.now(UTC).date().isoformat()
    machine = (
        f"nproc {os.cpu_count()}, Python {platform.python_version()}, "
        f"OR-Tools {ortools.__version__}, 2 solver workers"
    )
    checker = "every plan accepted by `shared/tools/check_meetings.py`"
    if not CHECKER.is_file():
        checker = "the official checker was absent"
    return "\n".join(
        [
            f"Measured {today} ({machine}) by `benchmarks/meetings.py`; {checker}.",
            "",
            table(rows),
            "",
            "Scores: sum of request weights + first-meeting bonus x startups served; idle gaps",
            "(empty slots between a participant's first and last meeting of a day) break ties.",
            "The ratio is to the proven optimum (shared problems) or to an upper bound (the",
            "better of the selection flow and the linear relaxation) for generated ones;",
            '"optimal" means the scheduler proved its score optimal within the run.',
        ]
    )


def rewrite_docs(text: str) -> None:
    page = DOCS.read_text(encoding="utf-8")
    start, end = page.index(START) + len(START), page.index(END)
    DOCS.write_text(page[:start] + "\n" + text + "\n" + page[end:], encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the 1,500-startup problems")
    parser.add_argument("--no-docs", action="store_true", help="do not rewrite the docs page")
    args = parser.parse_args()

    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-meetings-") as directory:
        for name, data, limit, known in instances(args.quick):
            row = measure(name, data, limit, known, directory)
            rows.append(row)
            print(
                f"{name}: greedy {row['greedy']}, scheduler {row['score']} ({row['status']}) "
                f"in {row['seconds']:.1f} s, {row['ratio']:.2%} of {row['kind']} "
                f"{row['reference']}, idle gaps {row['gaps']}, checker {row['check']}",
                flush=True,
            )
    print()
    print(table(rows))
    if not args.no_docs:
        rewrite_docs(section(rows))
        print(f"\nrewrote the meetings section of {DOCS.relative_to(ROOT)}")
    return 1 if any(r["check"].startswith("FAILED") for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
