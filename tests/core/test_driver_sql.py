"""Driver statements read and write what SQLAlchemy would, inside the session's transaction."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import bindparam, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from eventapp.checkin.models import ScanPoint
from eventapp.core.driver_sql import DriverStatement
from eventapp.events.models import Event
from eventapp.extensions import db


def _dialect():
    return db.session.connection().dialect


def _point(event, **fields):
    point = ScanPoint(
        event=event,
        name_ko="정문",
        name_en="Main gate",
        kind="entrance",
        valid_days=["2025-09-17"],
        allowed_categories=["visitor", "buyer"],
        **fields,
    )
    db.session.add(point)
    db.session.flush()
    return point


def test_a_row_reads_as_sqlalchemy_reads_it(small_event):
    point = _point(small_event["event"])
    query = select(
        ScanPoint.id,
        ScanPoint.valid_days,
        ScanPoint.allowed_categories,
        ScanPoint.active,
        ScanPoint.created_at,
        Event.starts_on,
    ).join(Event, Event.id == ScanPoint.event_id)
    query = query.where(ScanPoint.id == bindparam("point_id"))
    expected = tuple(db.session.execute(query, {"point_id": point.id}).one())

    row = DriverStatement(query, _dialect()).first(db.session.connection(), {"point_id": point.id})

    assert row == expected
    assert row[1] == ["2025-09-17"] and row[3] is True
    assert row[4].tzinfo is not None and row[4].utcoffset().total_seconds() == 0
    assert row[5] == date(2025, 9, 17)
    assert (
        DriverStatement(query, _dialect()).first(db.session.connection(), {"point_id": -1}) is None
    )


def _insert_point(dialect):
    table = ScanPoint.__table__
    names = ["event_id", "name_ko", "name_en", "kind", "entrance_group", "valid_days"]
    names += ["allowed_categories", "active", "created_at", "updated_at"]
    insert_for = postgresql.insert if dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert_for(table)
        .values({name: bindparam(name, type_=table.c[name].type) for name in names})
        .returning(table.c.id)
    )
    return DriverStatement(statement, dialect)


def _point_values(event_id, **changes):
    moment = datetime(2025, 9, 17, 0, 30, tzinfo=UTC)
    return {
        "event_id": event_id,
        "name_ko": "동문",
        "name_en": "East gate",
        "kind": "entrance",
        "entrance_group": "east",
        "valid_days": ["2025-09-18"],
        "allowed_categories": [],
        "active": False,
        "created_at": moment,
        "updated_at": moment,
        **changes,
    }


def test_writes_join_the_session_transaction_and_convert_values(small_event):
    event = small_event["event"]
    statement = _insert_point(_dialect())

    (point_id,) = statement.first(db.session.connection(), _point_values(event.id))

    point = db.session.get(ScanPoint, point_id)
    assert (point.name_en, point.entrance_group, point.active) == ("East gate", "east", False)
    assert point.valid_days == ["2025-09-18"]
    assert point.created_at == datetime(2025, 9, 17, 0, 30, tzinfo=UTC)
    db.session.rollback()
    assert db.session.get(ScanPoint, point_id) is None


def test_driver_errors_are_sqlalchemy_errors_and_roll_back(small_event):
    event = small_event["event"]
    statement = _insert_point(_dialect())
    before = db.session.scalar(select(func.count()).select_from(ScanPoint))

    with pytest.raises(IntegrityError):
        statement.first(db.session.connection(), _point_values(event.id + 1000))
    db.session.rollback()

    assert db.session.scalar(select(func.count()).select_from(ScanPoint)) == before


def test_naive_datetimes_are_refused_as_the_column_type_refuses_them(small_event):
    statement = _insert_point(_dialect())
    naive = datetime(2025, 9, 17, 9, 0)
    with pytest.raises(ValueError, match="naive datetime"):
        statement.first(
            db.session.connection(), _point_values(small_event["event"].id, created_at=naive)
        )
