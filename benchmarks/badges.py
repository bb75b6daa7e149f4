"""Badge PDF benchmark: 1,000 badges as A4 sheets (4 x A6), time and memory.

Builds a temporary SQLite database with one event and 1,000 synthetic people
(exhibitor staff with booths, attendees of every kind, staff and organizers),
issues their badges, then renders the batch PDF in a fresh child process per
measurement so that each peak RSS is its own:

- the real renderer (pages compressed as soon as they are finished) for 250
  and 1,000 badges: the difference shows what memory grows with the batch;
- the baseline, reportlab's stock canvas (every page kept as text until the
  file is written), for 1,000 badges.

Prints the figures and rewrites only the badges section of docs/benchmarks.md.

    python benchmarks/badges.py [--people 1000] [--no-docs]
"""

import argparse
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.docs_section import DOCS, rewrite_section  # noqa: E402


def make_app(database):
    os.environ.setdefault("EVENTAPP_INSTANCE", str(Path(database).parent))
    from eventapp import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}", "TESTING": True})


def rss_now_mb():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def build(database, people):
    """The synthetic event; returns the seconds taken to issue the badges."""
    from sqlalchemy import insert, select
    from werkzeug.security import generate_password_hash

    from eventapp.accounts.models import User
    from eventapp.badges.services import sync_badges
    from eventapp.booths.models import Booth, BoothAllocation, Exhibitor
    from eventapp.events.models import Event, EventRole, Hall
    from eventapp.extensions import db
    from eventapp.organizations.models import Organization

    rng = random.Random(1000)
    app = make_app(database)
    with app.app_context():
        db.create_all()
        event = Event(
            slug="bench",
            name_ko="KICXUP 글로벌 2025",
            name_en="KICXUP Global 2025",
            fair_name_ko="2025 대한민국 산업단지 수출박람회 (KICEF)",
            venue_en="KICEF exhibition centre",
            starts_on=date(2025, 9, 17),
            ends_on=date(2025, 9, 18),
        )
        hall = Hall(event=event, code="A", name_ko="제1전시홀", name_en="Hall 1")
        db.session.add_all([event, hall])
        db.session.flush()
        family = ["김", "이", "박", "최", "정", "강", "조", "윤", "장", "임", "남궁", "황보"]
        given = ["민준", "서연", "도윤", "하은", "시우", "지호", "수아", "예준", "지유", "현우"]
        kinds = ["startup"] * 5 + ["large_firm", "midsize_firm", "investor", "university"]
        organizations = [
            {
                "name_ko": f"{rng.choice(['한빛', '미래', '누리', '세움', '다온'])}테크{i:03d}",
                "name_en": f"{rng.choice(['Hanbit', 'Mirae', 'Nuri', 'Seum', 'Daon'])} Tech {i:03d} Co., Ltd.",
                "kind": rng.choice(kinds),
                "sector": "ai",
                "country": rng.choice(["KR"] * 8 + ["US", "VN", "DE"]),
            }
            for i in range(300)
        ]
        db.session.execute(insert(Organization), organizations)
        org_ids = db.session.scalars(select(Organization.id).order_by(Organization.id)).all()
        exhibiting = org_ids[:150]
        db.session.execute(
            insert(Booth),
            [
                {
                    "event_id": event.id,
                    "hall_id": hall.id,
                    "code": f"A-{n:03d}",
                    "zone": "ai",
                    "x": n * 3.0,
                    "y": 0.0,
                }
                for n in range(1, 301)
            ],
        )
        db.session.execute(
            insert(Exhibitor),
            [
                {
                    "event_id": event.id,
                    "organization_id": o,
                    "status": "confirmed",
                    "zones": [],
                    "wishes": [],
                }
                for o in exhibiting
            ],
        )
        exhibitor_ids = db.session.scalars(select(Exhibitor.id).order_by(Exhibitor.id)).all()
        booth_ids = db.session.scalars(select(Booth.id).order_by(Booth.id)).all()
        db.session.execute(
            insert(BoothAllocation),
            [
                {"booth_id": booth_ids[2 * i + k], "exhibitor_id": e, "state": "confirmed"}
                for i, e in enumerate(exhibitor_ids)
                for k in range(1 + i % 2)
            ],
        )
        password_hash = generate_password_hash("benchmark", method="pbkdf2:sha256:1000")
        users = []
        for n in range(people):
            ko = rng.choice(family) + rng.choice(given)
            users.append(
                {
                    "email": f"person{n:05d}@bench.example",
                    "password_hash": password_hash,
                    "name_ko": ko,
                    "name_en": f"Person Number {n:05d}",
                    "locale": "ko",
                    "organization_id": org_ids[n % len(org_ids)],
                    "job_title": rng.choice(["CEO", "CTO", "Manager", "Researcher", ""]),
                }
            )
        db.session.execute(insert(User), users)
        user_ids = db.session.scalars(select(User.id).order_by(User.id)).all()
        roles = []
        for n, user_id in enumerate(user_ids):
            share = n / len(user_ids)
            if share < 0.6:
                roles.append(
                    {
                        "event_id": event.id,
                        "user_id": user_id,
                        "role": "exhibitor_staff" if n % 4 else "exhibitor_admin",
                        "organization_id": exhibiting[n % len(exhibiting)],
                    }
                )
            elif share < 0.97:
                roles.append({"event_id": event.id, "user_id": user_id, "role": "attendee"})
            else:
                roles.append(
                    {
                        "event_id": event.id,
                        "user_id": user_id,
                        "role": rng.choice(["staff", "organizer"]),
                    }
                )
        db.session.execute(insert(EventRole), roles)
        db.session.commit()
        started = time.perf_counter()
        issued, _refreshed = sync_badges(event)
        db.session.commit()
        seconds = time.perf_counter() - started
        assert issued == people, issued
    return seconds


def render(database, limit, variant, out):
    """Child process: render `limit` badges, print JSON figures."""
    from sqlalchemy import select

    from eventapp.badges import pdf
    from eventapp.badges.models import Badge
    from eventapp.events.models import Event
    from eventapp.extensions import db

    if variant == "stock":
        from reportlab.pdfgen.canvas import Canvas

        pdf.StreamingCanvas = Canvas  # the baseline: reportlab keeps every page as text
    app = make_app(database)
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == "bench"))
        ids = db.session.scalars(select(Badge.id).order_by(Badge.id).limit(limit)).all()
        # Warm up: fonts registered, modules imported, one QR made.
        pdf.batch_pdf(event, os.devnull, badge_ids=ids[:1])
        before = rss_now_mb()
        peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        started = time.perf_counter()
        count = pdf.batch_pdf(event, out, badge_ids=ids)
        seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "variant": variant,
                "badges": count,
                "pages": -(-count // 4),
                "seconds": seconds,
                "rss_before_mb": before,
                "peak_rss_mb": max(peak, peak_before),
                "bytes": os.path.getsize(out),
            }
        )
    )


def measure(database, limit, variant, directory):
    out = Path(directory) / f"{variant}-{limit}.pdf"
    result = subprocess.run(
        [sys.executable, __file__, "--child", database, str(limit), variant, str(out)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def qr_milliseconds(samples=200):
    """Mean time to make one badge's QR matrix (encode + sign + QR)."""
    from eventapp.badges import codes
    from eventapp.badges.pdf import qr_matrix

    key = codes.generate_private_key()
    started = time.perf_counter()
    for n in range(samples):
        qr_matrix(codes.encode(key, 1, n, 1))
    return (time.perf_counter() - started) / samples * 1000


def report(people, issue_seconds, runs, qr_ms, load):
    machine = f"{os.cpu_count()} CPUs, Python {platform.python_version()}, {platform.system()}"
    lines = [
        f"Measured {datetime.now(UTC):%Y-%m-%d} on {machine} by `benchmarks/badges.py`: "
        f"{people} synthetic people (Hangul names, 150 exhibiting companies with booths), "
        "SQLite, A4 sheets of four A6 badges, vector QR codes, NanumGothic embedded. "
        "Each rendering runs in a fresh process; RSS is the whole process "
        "(Python, Flask app, reportlab, fonts). The machine is shared: load average "
        f"{load[0]:.1f} before / {load[1]:.1f} after the run, so times vary between runs.",
        "",
        f"Issuing {people} badges (one bulk insert): {issue_seconds:.2f} s.",
        "",
        "| renderer | badges | pages | seconds | pages/s | badges/s | PDF size | RSS before | peak RSS | growth |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        name = (
            "streaming (ours)"
            if run["variant"] == "streaming"
            else "baseline: stock reportlab canvas"
        )
        lines.append(
            f"| {name} | {run['badges']} | {run['pages']} | {run['seconds']:.1f} | "
            f"{run['pages'] / run['seconds']:.1f} | {run['badges'] / run['seconds']:.0f} | "
            f"{run['bytes'] / 1e6:.2f} MB | {run['rss_before_mb']:.0f} MB | "
            f"{run['peak_rss_mb']:.0f} MB | {run['peak_rss_mb'] - run['rss_before_mb']:+.1f} MB |"
        )
    small = next(r for r in runs if r["variant"] == "streaming" and r["badges"] < people)
    large = next(r for r in runs if r["variant"] == "streaming" and r["badges"] == people)
    stock = next(r for r in runs if r["variant"] == "stock")
    per_1000 = (
        (large["peak_rss_mb"] - small["peak_rss_mb"]) / (large["badges"] - small["badges"]) * 1000
    )
    lines += [
        "",
        f"Memory that grows with the batch: {per_1000:+.1f} MB per 1,000 badges with the "
        f"streaming renderer (each finished page, ~{large['bytes'] / large['pages'] / 1024:.0f} KB "
        "compressed, goes to a spool file and is copied to the output page by page; what "
        "remains is reportlab's bookkeeping of about 2 KB a page; badge rows are read 200 at "
        "a time). The stock canvas grows by "
        f"{stock['peak_rss_mb'] - stock['rss_before_mb']:+.1f} MB for the same 1,000 badges. "
        f"Time is dominated by making the QR codes: {qr_ms:.1f} ms each (signing, pure-Python "
        "QR encoding with mask selection), measured in the same run.",
    ]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--no-docs", action="store_true", help="Do not rewrite docs/benchmarks.md.")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        database, limit, variant, out = args.child
        render(database, int(limit), variant, out)
        return
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="badges-bench-") as directory:
        database = str(Path(directory) / "bench.sqlite")
        issue_seconds = build(database, args.people)
        runs = [
            measure(database, args.people // 4, "streaming", directory),
            measure(database, args.people, "streaming", directory),
            measure(database, args.people, "stock", directory),
        ]
    qr_ms = qr_milliseconds()
    section = report(args.people, issue_seconds, runs, qr_ms, (load_before, os.getloadavg()[0]))
    print(section)
    if not args.no_docs:
        rewrite_section("badges", section)
        print(f"\n(rewrote the badges section of {DOCS.relative_to(ROOT)})")


if __name__ == "__main__":
    main()
