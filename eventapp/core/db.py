"""Column types and helpers shared by every domain's models."""

from datetime import UTC, datetime

from sqlalchemy import DateTime, TypeDecorator, func, or_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError, OperationalError


def utcnow():
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A datetime stored in UTC and always read back time-zone aware.

    SQLite has no time zones and hands back naive values; PostgreSQL keeps
    `timestamptz`. Either way, application code only ever sees aware UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} given; use an aware datetime")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def insert_on_conflict(model, dialect=None):
    """An INSERT that can say ON CONFLICT ... DO NOTHING/UPDATE on this database
    (the session's, unless `dialect` is given)."""
    if dialect is None:
        from eventapp.extensions import db

        dialect = db.session.get_bind().dialect
    return (postgresql.insert if dialect.name == "postgresql" else sqlite.insert)(model)


def is_conflict(error):
    """True when a write lost a race: a unique key taken, or a lock/serialization failure."""
    if isinstance(error, IntegrityError):
        return True
    if isinstance(error, OperationalError):
        text = str(error.orig).lower()
        return "locked" in text or "could not serialize" in text or "deadlock" in text
    return False


def contains_text(text, *columns):
    """Any of the columns holds `text`, ignoring case. `%` and `_` in what was typed
    are the characters themselves, not LIKE's wildcards."""
    needle = text.strip().lower()
    return or_(*(func.lower(column).contains(needle, autoescape=True) for column in columns))
