"""Fixtures of the meetup tests: the small event moved into the future, with meetup
settings (2 days x 4 half-hour slots, 2 tables) and profiles for its companies:
alpha (startup; exhibitor_admin, exhibitor_staff), beta (mid-size firm; other_exhibitor)
and gamma (large firm; attendee)."""

import threading
from contextlib import contextmanager
from datetime import date, time, timedelta

import pytest

from tests.conftest import PASSWORD, Actors


@pytest.fixture
def request_ctx(app_ctx):
    """A request context: service messages are translated (gettext needs a locale)."""
    with app_ctx.test_request_context():
        yield


@pytest.fixture
def meetup(small_event, request_ctx):
    from eventapp.extensions import db
    from eventapp.meetings import services

    event = small_event.event
    first = date.today() + timedelta(days=30)
    event.starts_on, event.ends_on = first, first + timedelta(days=1)
    db.session.flush()
    settings, _slots, _tables = services.save_settings(
        event,
        small_event.organizer,
        meeting_days=[first.isoformat(), (first + timedelta(days=1)).isoformat()],
        slot_minutes=30,
        day_starts_at=time(10, 0),
        day_ends_at=time(12, 0),
        breaks=[],
        table_count=2,
        table_label="Meeting zone",
    )
    profiles = {
        "alpha": services.create_profile(
            event,
            small_event.companies["alpha"],
            offer_en="Machine vision robots for factory inspection",
            offer_ko="공장 검사용 머신비전 로봇",
            keywords="machine vision, robotics",
            stage="seed",
        ),
        "beta": services.create_profile(
            event,
            small_event.companies["beta"],
            need_en="Lab automation and bio sample handling",
            need_ko="바이오 시료 자동화",
            keywords="lab automation",
        ),
        "gamma": services.create_profile(
            event,
            small_event.companies["gamma"],
            need_en="Machine vision inspection for our production lines",
            need_ko="생산라인 머신비전 검사",
            keywords="machine vision, smart factory",
        ),
    }
    db.session.commit()
    return Actors(
        small_event,
        settings=settings,
        profiles=profiles,
        slots=services.slots_of(event),
        tables=services.tables_of(event),
    )


def add_company(event, key, kind, sector="ai", role="attendee", **profile_fields):
    """A new organization with one user (role at the event) and a meetup profile."""
    from eventapp.accounts.models import User
    from eventapp.events.models import EventRole
    from eventapp.extensions import db
    from eventapp.meetings import services
    from eventapp.organizations.models import Organization

    org = Organization(name_ko=f"{key} 회사", name_en=f"{key.title()} Co", kind=kind, sector=sector)
    user = User(
        email=f"{key}@example.org",
        name_ko=f"{key} 님",
        name_en=key.title(),
        locale="en",
        organization=org,
    )
    user.set_password(PASSWORD)
    db.session.add_all([org, user])
    db.session.add(
        EventRole(
            event=event,
            user=user,
            role=role,
            organization=org if role.startswith("exhibitor") else None,
        )
    )
    db.session.flush()
    profile = services.create_profile(event, org, **profile_fields)
    return user, profile


def accepted_request(event, startup, firm, user):
    """An accepted request between two profiles (created as the startup's)."""
    from eventapp.meetings import services

    request = services.send_request(event, startup, firm, user, "Let's meet")
    firm_user = firm.contacts()[0] if firm.contacts() else user
    services.accept_request(request, firm, firm_user)
    return request


def booked_meeting(meetup, slot_index=0):
    """A committed meeting of alpha (startup; exhibitor_admin, exhibitor_staff) and gamma
    (firm; attendee) in the slot `slot_index`."""
    from eventapp.extensions import db
    from eventapp.meetings import services

    alpha, gamma = meetup.profiles["alpha"], meetup.profiles["gamma"]
    request = accepted_request(meetup.event, alpha, gamma, meetup.exhibitor_admin)
    meeting = services.book(request, meetup.slots[slot_index], meetup.attendee)
    db.session.commit()
    return meeting


@contextmanager
def uncommitted_elsewhere(app, change):
    """`change()` done in another thread's transaction and left uncommitted while the
    body runs: what the body locks after it waits. The other side commits when the
    body is done, or after 1.5 s when the body waits on it."""
    from eventapp.extensions import db

    ready, done = threading.Event(), threading.Event()

    def other():
        with app.app_context(), app.test_request_context():
            change()
            db.session.flush()
            ready.set()
            done.wait(1.5)
            db.session.commit()
            db.session.remove()

    thread = threading.Thread(target=other)
    thread.start()
    try:
        assert ready.wait(30)
        yield
    finally:
        done.set()
        thread.join(30)


class HttpSession:
    """A signed-in browser-like client for the live server (stdlib only, no redirects)."""

    def __init__(self, base_url):
        from urllib.parse import urlsplit

        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port
        self.cookies = {}

    def request(self, method, path, data=None):
        import http.client
        from urllib.parse import urlencode

        connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        headers = {}
        body = None
        if data is not None:
            body = urlencode(data)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            content = response.read()
            for header, value in response.getheaders():
                if header.lower() == "set-cookie":
                    name, _, rest = value.partition("=")
                    self.cookies[name] = rest.split(";", 1)[0]
            return response.status, response.getheader("Location") or "", content
        finally:
            connection.close()

    def login(self, email, password=PASSWORD):
        status, location, _body = self.request(
            "POST", "/login", {"email": email, "password": password}
        )
        assert status == 302, f"login of {email} failed: {status}"
        return self
