"""Fixtures of the exhibitor tests."""

from functools import partial

import pytest
from werkzeug.security import generate_password_hash


@pytest.fixture(autouse=True)
def _quick_password_hashes(monkeypatch):
    # The default scrypt hash costs ~0.2 s; the tests create many accounts.
    monkeypatch.setattr(
        "eventapp.accounts.models.generate_password_hash",
        partial(generate_password_hash, method="pbkdf2:sha256:1000"),
    )


@pytest.fixture
def outbox(app_ctx):
    """The messages queued so far, as (recipient, subject, text)."""
    from email import message_from_bytes, policy

    from sqlalchemy import select

    from eventapp.extensions import db
    from eventapp.notifications.models import OutboxMessage

    def messages(kind=None):
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        if kind:
            query = query.where(OutboxMessage.kind == kind)
        found = []
        for row in db.session.scalars(query):
            mail = message_from_bytes(row.raw, policy=policy.default)
            found.append((row.recipient, row.subject, mail.get_body(("plain",)).get_content()))
        return found

    return messages


def registration_data(**overrides):
    """A valid registration form for the small event (zone ai, 2 booths)."""
    data = {
        "name_ko": "델타인공지능",
        "name_en": "Delta AI",
        "kind": "startup",
        "sector": "ai",
        "country": "KR",
        "website": "delta.example",
        "description_ko": "",
        "description_en": "Vision models for factories.",
        "booth_count": "2",
        "zones": ["ai"],
        "wishes-0": "a-03",
        "wishes-1": "A-04",
        "wants_corner": "y",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def newcomer(small_event):
    """A signed-up user without a company or any role at the event."""
    from eventapp.accounts.models import User
    from eventapp.extensions import db
    from tests.conftest import PASSWORD

    user = User(email="newcomer@example.org", name_en="Newcomer", locale="en")
    user.set_password(PASSWORD)
    db.session.add(user)
    db.session.commit()
    return user
