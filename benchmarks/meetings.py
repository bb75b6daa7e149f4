"""Meeting scheduler benchmark: first come, first served against the optimal scheduler.

Runs both in this process on the shared sample problems (`../shared/instances`, skipped
with a message when absent) and on seeded generated problems up to 1,500 startups x 200
firms x 3 days, checks every plan with `../shared/tools/check_meetings.py` when present,
prints a table and rewrites only the meetings section of docs/benchmarks.md.

The ratio compares the scheduler's score with the best known score of a shared problem
(a proven optimum), or for a generated problem with an upper bound: the better of the
selection flow bound and the linear relaxation, computed outside the timed run.

Targets (issue 4): a score of at least 99% of that reference, in at most 10 s for
problems up to 300 startups x 60 firms and 60 s for the larger ones (up to the largest,
1,500 x 200), timed from reading the problem to the finished plan. The "target" column
says whether each run met them; the script exits with 1 when one did not (or when the
checker refused a plan), so it can guard a CI job.

    python benchmarks/meetings.py [--quick] [--only NAME ...] [--no-docs]
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

from benchmarks.docs_section import DOCS, rewrite_section  # noqa: E402

SHARED = ROOT.parent / "shared"
CHECKER = SHARED / "tools" / "check_meetings.py"

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

SCORE_TARGET = 0.99


def time_target(startups: int, firms: int) -> int:
    """Seconds allowed by the issue: 10 up to 300 x 60, 60 for anything larger."""
    return 10 if startups <= 300 and firms <= 60 else 60


def sample_time_limit(data) -> int:
    """The issue's limit for a shared problem, by its numbers of startups and firms."""
    sides = [participant.get("side") for participant in data.get("participants", [])]
    return time_target(sides.count("startup"), sides.count("firm"))


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


def instances(quick: bool, only=()):
    """(name, problem data, time limit, best known score or None) for every problem;
    with `only`, just those whose name contains one of its words."""

    def wanted(name):
        return not only or any(word in name for word in only)

    folder = SHARED / "instances"
    if folder.is_dir():
        known = best_known()
        for path in sorted(folder.glob("meetings-*.json"), key=lambda p: p.stat().st_size):
            if wanted(path.name):
                data = json.loads(path.read_text(encoding="utf-8"))
                yield path.name, data, sample_time_limit(data), known.get(path.name)
    else:
        print(f"note: {folder} not found, shared sample problems skipped", file=sys.stderr)
    for name, kwargs, limit in GENERATED:
        if (not quick or name in QUICK) and wanted(name):
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
    started = time.perf_counter()
    problem = scheduler.parse_problem(data)
    parse_seconds = time.perf_counter() - started
    started = time.perf_counter()
    baseline = scheduler.greedy(problem)
    greedy_seconds = time.perf_counter() - started
    started = time.perf_counter()
    solution = scheduler.solve(problem, time_limit=limit, workers=2)
    seconds = parse_seconds + time.perf_counter() - started

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
    ratio = figures["score"] / reference if reference else 1.0
    allowed = time_target(startups, firms)
    misses = []
    if ratio < SCORE_TARGET:
        misses.append(f"score {ratio:.2%} < {SCORE_TARGET:.0%}")
    if seconds > allowed:
        misses.append(f"{seconds:.1f} s > {allowed} s")
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
        "ratio": ratio,
        "check": failed[0] if failed else verdicts[0],
        "target_seconds": allowed,
        "target_met": not misses,
        "target": "yes" if not misses else "NO: " + ", ".join(misses),
    }


def table(rows) -> str:
    lines = [
        "| instance | size | first come, first served | scheduler (limit) | proven | "
        "idle gaps | startups without a meeting | ratio | target met | checker |",
        "|---|---|---|---|---|---|---|---|---|---|",
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
            f"| {r['target']} "
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
            f"Target met: a ratio of at least {SCORE_TARGET:.0%}, within 10 s up to 300 startups",
            "x 60 firms and 60 s beyond, from reading the problem to the plan.",
        ]
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the 1,500-startup problems")
    parser.add_argument(
        "--only",
        nargs="+",
        default=(),
        metavar="NAME",
        help="only the problems whose name contains one of these, e.g. meetings-small",
    )
    parser.add_argument("--no-docs", action="store_true", help="do not rewrite the docs page")
    args = parser.parse_args()
    if args.only and not args.no_docs:
        parser.error("--only measures a part of the problems: add --no-docs")

    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-meetings-") as directory:
        for name, data, limit, known in instances(args.quick, args.only):
            row = measure(name, data, limit, known, directory)
            rows.append(row)
            print(
                f"{name}: greedy {row['greedy']}, scheduler {row['score']} ({row['status']}) "
                f"in {row['seconds']:.1f} s, {row['ratio']:.2%} of {row['kind']} "
                f"{row['reference']}, idle gaps {row['gaps']}, checker {row['check']}, "
                f"target met: {row['target']}",
                flush=True,
            )
    print()
    print(table(rows))
    if not args.no_docs:
        rewrite_section("meetings", section(rows))
        print(f"\nrewrote the meetings section of {DOCS.relative_to(ROOT)}")
    missed = [r["name"] for r in rows if not r["target_met"]]
    if missed:
        print(f"\ntarget missed: {', '.join(missed)}", file=sys.stderr)
    if not rows:
        print("no problem measured", file=sys.stderr)
        return 1
    return 1 if missed or any(r["check"].startswith("FAILED") for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
