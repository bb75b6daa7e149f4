"""The meeting benchmark gives each problem the time the issue allows for its size:
10 s up to 300 startups x 60 firms, 60 s beyond. Shared samples all got 10 s."""

import importlib.util
from pathlib import Path

import pytest

from eventapp.meetings.generate import generate

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location(
        "bench_meetings", ROOT / "benchmarks" / "meetings.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("startups", "firms", "seconds"),
    [(40, 10, 10), (300, 60, 10), (301, 60, 60), (300, 61, 60), (1500, 200, 60)],
)
def test_a_shared_problem_gets_the_limit_of_its_size(bench, startups, firms, seconds):
    problem = generate(startups=startups, firms=firms, days=1, seed=3)
    sides = [p["side"] for p in problem["participants"]]
    assert (sides.count("startup"), sides.count("firm")) == (startups, firms)
    assert bench.sample_time_limit(problem) == seconds
