"""Helpers for the booth tests: open the picking window, add exhibitors, read allocations."""

from datetime import timedelta

import pytest
from sqlalchemy import delete, or_, select, update
from werkzeug.security import generate_password_hash

from eventapp.core.db import utcnow
from eventapp.extensions import db
from tests.conftest import PASSWORD


@pytest.fixture(autouse=True)
def _cheap_password_hashes(monkeypatch):
    """Accounts made here hash with few iterations: these tests sign in hundreds of times
    and password hashing is not what they are about."""
    import eventapp.accounts.models as account_models

    monkeypatch.setattr(
        account_models,
        "generate_password_hash",
        lambda password: generate_password_hash(password, method="pbkdf2:sha256:1000"),
    )


@pytest.fixture(autouse=True)
def _english_request(app):
    """Service calls translate their messages, which needs a request (English here)."""
    with app.test_request_context("/?lang=en"):
        yield


def open_window(event, *, opens=None, closes=None, priority=None, hold_minutes=10):
    from eventapp.booths.models import BoothSettings

    settings = db.session.get(BoothSettings, event.id)
    now = utcnow()
    settings.picking_opens_at = opens if opens is not None else now - timedelta(hours=1)
    settings.picking_closes_at = closes if closes is not None else now + timedelta(days=1)
    settings.priority_opens_at = priority
    settings.hold_minutes = hold_minutes
    db.session.commit()
    return settings


@pytest.fixture
def picking_open(small_event):
    open_window(small_event.event)
    return small_event


def add_exhibitor(event, key, *, zones=("ai",), count=1, status="approved", tier=0, kind="startup"):
    """A company with an approved exhibitor and a company-admin user `<key>@example.org`."""
    from eventapp.accounts.models import User
    from eventapp.booths.models import Exhibitor
    from eventapp.events.models import EventRole
    from eventapp.organizations.models import Organization

    org = Organization(
        name_ko=f"{key} 주식회사", name_en=f"{key.title()} Ltd", kind=kind, sector="ai"
    )
    exhibitor = Exhibitor(
        event=event,
        organization=org,
        status=status,
        booth_count=count,
        zones=list(zones),
        priority_tier=tier,
    )
    user = User(
        email=f"{key}@example.org", name_ko=key, name_en=key.title(), locale="en", organization=org
    )
    # A cheap hash: these tests create many accounts (check_password reads any method).
    user.password_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
    db.session.add_all([org, exhibitor, user])
    db.session.add(EventRole(event=event, user=user, role="exhibitor_admin", organization=org))
    db.session.commit()
    return exhibitor, user


def allocations(event=None):
    """booth code -> (exhibitor id, state) of every allocation row."""
    from eventapp.booths.models import Booth, BoothAllocation

    db.session.expire_all()
    rows = db.session.execute(
        select(Booth.code, BoothAllocation.exhibitor_id, BoothAllocation.state).join(
            BoothAllocation, BoothAllocation.booth_id == Booth.id
        )
    ).all()
    return {code: (exhibitor_id, state) for code, exhibitor_id, state in rows}


def audit_actions():
    from eventapp.core.audit import AuditEntry

    return [e.action for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]


def place(exhibitor, codes, state="placed"):
    """Put allocations straight into the database (bypassing the rules)."""
    from eventapp.booths.models import Booth, BoothAllocation

    for code in codes:
        booth = db.session.scalar(select(Booth).where(Booth.code == code))
        db.session.add(BoothAllocation(booth_id=booth.id, exhibitor_id=exhibitor.id, state=state))
    exhibitor.status = "confirmed" if state == "confirmed" else "placed"
    db.session.commit()


def change_before_lock(monkeypatch, change, lock="lock_booths"):
    """Another request runs `change(connection)` and commits after the service read
    the booths (or what `lock` locks) but before it locks them (an organizer importing
    the floor plan again)."""
    from eventapp.booths import services

    real = getattr(services, lock)
    done = []

    def locking(ids):
        if not done:
            done.append(change)
            if db.engine.dialect.name == "sqlite":
                # SQLite serializes writers: end this transaction so the other can commit.
                db.session.commit()
            with db.engine.begin() as connection:
                change(connection)
        return real(ids)

    monkeypatch.setattr(services, lock, locking)


def delete_booth_before_lock(monkeypatch, code):
    """The floor plan imported again without `code` deletes the booth meanwhile."""
    from eventapp.booths.models import Booth

    change_before_lock(
        monkeypatch, lambda connection: connection.execute(delete(Booth).where(Booth.code == code))
    )


def move_booth_before_lock(monkeypatch, code, x):
    """The floor plan imported again puts booth `code` at `x`, apart from its old
    neighbours, after the service read which booths touch."""
    from eventapp.booths.models import Booth, BoothAdjacency

    def move(connection):
        booth_id = connection.scalar(select(Booth.id).where(Booth.code == code))
        connection.execute(update(Booth).where(Booth.id == booth_id).values(x=x))
        connection.execute(
            delete(BoothAdjacency).where(
                or_(BoothAdjacency.booth_id == booth_id, BoothAdjacency.neighbour_id == booth_id)
            )
        )

    change_before_lock(monkeypatch, move)
