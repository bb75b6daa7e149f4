"""The first requests of an event create its BoothSettings row; two of them at
the same moment must not fail on the primary key (the second one loads the row
the first one wrote)."""

import threading

import pytest
from sqlalchemy import delete, func, select

from eventapp.booths import services
from eventapp.booths.models import BoothSettings
from eventapp.events.models import Event
from eventapp.extensions import db


def _forget_settings(event):
    db.session.execute(delete(BoothSettings).where(BoothSettings.event_id == event.id))
    db.session.commit()
    db.session.expire_all()


def _settings_rows(event_id):
    count = db.session.scalar(
        select(func.count()).select_from(BoothSettings).where(BoothSettings.event_id == event_id)
    )
    db.session.commit()
    return count


def test_settings_created_on_first_use(app, small_event):
    event = small_event.event
    _forget_settings(event)
    settings = services.settings_for(event)
    db.session.commit()
    assert settings.event_id == event.id
    assert settings.hold_minutes == app.config.get("BOOTH_HOLD_MINUTES", 10)
    assert settings.assigner_time_limit == 20
    assert services.settings_for(event) is settings
    assert _settings_rows(event.id) == 1


def test_settings_written_by_another_request_after_our_read(app, small_event, monkeypatch):
    """Another request inserts (and commits) the row between our read, which found
    none, and our insert: we get that row instead of an IntegrityError."""
    event = small_event.event
    _forget_settings(event)
    real_get = type(db.session).get
    reads = []

    def get(session, model, ident, *args, **kwargs):
        found = real_get(session, model, ident, *args, **kwargs)
        if model is BoothSettings and not reads:
            reads.append(found)
            if db.engine.dialect.name == "sqlite":
                # A SQLite reader keeps its snapshot to the end of its transaction, and
                # no other connection could commit before then: end the read first.
                session.commit()
            # The other request, on its own connection, wins the race.
            with db.engine.begin() as connection:
                connection.execute(
                    BoothSettings.__table__.insert().values(
                        event_id=ident, hold_minutes=7, assigner_time_limit=20
                    )
                )
        return found

    monkeypatch.setattr(type(db.session), "get", get)
    settings = services.settings_for(event)
    db.session.commit()
    assert reads == [None]
    assert settings.hold_minutes == 7  # the row the other request wrote
    assert _settings_rows(event.id) == 1


def test_two_first_requests_at_once(app, small_event, monkeypatch):
    """Two threads (own sessions) both find no settings, then both create them."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite serializes writing transactions: the race cannot happen there")
    event_id = small_event.event.id
    _forget_settings(small_event.event)
    db.session.remove()
    barrier = threading.Barrier(2)
    real_get = type(db.session).get
    local = threading.local()

    def get(session, model, ident, *args, **kwargs):
        found = real_get(session, model, ident, *args, **kwargs)
        if model is BoothSettings and not getattr(local, "read", False):
            local.read = True
            barrier.wait(timeout=20)  # both have read (and found nothing) before either writes
        return found

    monkeypatch.setattr(type(db.session), "get", get)
    results, errors = [], []

    def first_request():
        try:
            with app.app_context():
                event = db.session.get(Event, event_id)
                settings = services.settings_for(event)
                results.append(settings.event_id)
                db.session.commit()
        except Exception as error:  # reported below
            barrier.abort()
            errors.append(error)

    threads = [threading.Thread(target=first_request) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert results == [event_id, event_id]
    assert _settings_rows(event_id) == 1
