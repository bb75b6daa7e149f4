"""Fixtures of the exhibitor tests."""

import pytest


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


@pytest.fixture
def small_event(small_event):
    """The small event, moved a month ahead: a fair that is over takes no
    registration and no team member (see fair_over for the tests of that)."""
    from tests.conftest import fair_to_come

    fair_to_come(small_event.event)
    return small_event


def end_the_fair(event):
    """End the event yesterday (in Seoul)."""
    from datetime import timedelta

    from eventapp.core.db import utcnow
    from eventapp.core.templating import SEOUL
    from eventapp.extensions import db

    event.ends_on = utcnow().astimezone(SEOUL).date() - timedelta(days=1)
    event.starts_on = event.ends_on - timedelta(days=1)
    db.session.commit()
    return event


@pytest.fixture
def fair_over(small_event):
    return end_the_fair(small_event.event)
