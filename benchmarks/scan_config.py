"""Scanner configuration poll: what a 304 costs next to the full configuration.

Every scanner asks for its scan point's configuration (badge holders, revocations,
the point's rules) every two minutes and whenever it comes back into view; almost
always nothing has changed and the answer is 304. This loads the KICXUP Global
2025 demo (1,071 badges) into a temporary SQLite database, sets up a device at an
entrance and at a booth, and times, in the same run, the full answer (200) and
the answer to a scanner that holds the current version (304, If-None-Match).

Prints the figures and rewrites only the scan-config section of docs/benchmarks.md.

    python benchmarks/scan_config.py [--requests 300] [--no-docs]
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.docs_section import rewrite_section  # noqa: E402


def median_ms(client, url, headers, count):
    times = []
    for _ in range(count):
        started = time.perf_counter()
        response = client.get(url, headers=headers)
        times.append((time.perf_counter() - started) * 1000)
    return response, statistics.median(times)


def measure(directory, count):
    os.environ.setdefault("EVENTAPP_INSTANCE", directory)
    from sqlalchemy import func, select

    from eventapp import create_app
    from eventapp.badges.models import Badge
    from eventapp.checkin import services
    from eventapp.checkin.models import ScanPoint
    from eventapp.demo import seed_demo
    from eventapp.extensions import db

    database = Path(directory) / "bench.sqlite"
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}", "TESTING": True})
    rows = []
    with app.app_context():
        db.create_all()
        seed_demo(log=lambda *_: None)
        badges = db.session.scalar(select(func.count()).select_from(Badge))
        devices = []
        for kind in ("entrance", "booth"):
            point = db.session.scalars(
                select(ScanPoint).where(ScanPoint.kind == kind).order_by(ScanPoint.id)
            ).first()
            device = services.create_device(point, label="benchmark", hours=24)
            db.session.commit()
            devices.append((kind, point.id, services.device_token(device)))
    client = app.test_client()
    for kind, point_id, token in devices:
        url = f"/api/checkin/points/{point_id}/config"
        headers = {"X-Device-Token": token, "Accept-Encoding": "gzip"}
        first = client.get(url, headers=headers)
        full, full_ms = median_ms(client, url, headers, count)
        same = {**headers, "If-None-Match": first.headers["ETag"]}
        unchanged, unchanged_ms = median_ms(client, url, same, count)
        assert (full.status_code, unchanged.status_code) == (200, 304), kind
        rows.append((kind, full_ms, len(full.data), unchanged_ms))
    return badges, rows


def report(badges, rows, count, load):
    lines = [
        f"Demo event, {badges} badges, SQLite, Flask test client (no network), median of "
        f"{count} requests each; load average {load[0]:.1f} before, {load[1]:.1f} after.",
        "",
        "| scan point | full configuration (200) | unchanged (304) | 304 / 200 |",
        "|---|---:|---:|---:|",
    ]
    for kind, full_ms, size, unchanged_ms in rows:
        lines.append(
            f"| {kind} | {full_ms:.1f} ms ({size / 1024:.1f} KiB gzip) | {unchanged_ms:.1f} ms "
            f"| {unchanged_ms / full_ms:.0%} |"
        )
    lines += [
        "",
        "The 304 is answered from a version made of the event's, the point's and the "
        "device's rows and a few aggregates of the badges; the badge list is read only "
        "when that version changed. What a 304 still costs is the request itself: the "
        "device's token, its context and its last-seen time.",
    ]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--no-docs", action="store_true", help="Do not rewrite docs/benchmarks.md.")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="scan-config-bench-") as directory:
        badges, rows = measure(directory, args.requests)
    section = report(badges, rows, args.requests, (load_before, os.getloadavg()[0]))
    print(section)
    if not args.no_docs:
        rewrite_section("scan-config", section, heading="Scanner configuration poll")


if __name__ == "__main__":
    main()
