"""The demo part of scanning: scan points of every kind, check-ins for issued badges."""

import random
from datetime import timedelta

from sqlalchemy import func, select

from eventapp.checkin import demo
from eventapp.checkin.models import CheckIn, Scan, ScanPoint
from eventapp.extensions import db


def _counts():
    return {
        model.__name__: db.session.scalar(select(func.count()).select_from(model))
        for model in (ScanPoint, CheckIn, Scan)
    }


def test_seed_adds_points_checkins_and_scans(scanning, app):
    event = scanning.event
    # A fair that is over: all its entries are recorded (one running today gets
    # only those before now).
    event.starts_on -= timedelta(days=7)
    event.ends_on -= timedelta(days=7)
    before = _counts()
    demo.seed(event, random.Random(7))
    db.session.commit()
    after = _counts()
    kinds = db.session.scalars(
        select(ScanPoint.kind).where(ScanPoint.id > max(p.id for p in scanning.points.values()))
    ).all()
    assert sorted(kinds) == ["entrance", "entrance", "entrance", "meeting_zone"]
    added_checkins = after["CheckIn"] - before["CheckIn"]
    assert added_checkins > 0
    # One ok scan row per check-in, and a few rejected ones.
    ok = db.session.scalar(select(func.count()).select_from(Scan).where(Scan.result == "ok"))
    assert ok == added_checkins
    assert after["Scan"] - before["Scan"] == added_checkins + 6

    result = app.test_cli_runner().invoke(args=["checkin", "stats", "test-expo"])
    assert result.exit_code == 0 and "check-ins" in result.output
    assert (
        app.test_cli_runner().invoke(args=["checkin", "mark-no-shows", "test-expo"]).exit_code == 0
    )
