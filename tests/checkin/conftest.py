"""Fixtures of the scanning tests: the small event moved to today and tomorrow
(Seoul), badges for its people, and one scan point of each kind."""

import socket
import threading
import uuid
from datetime import datetime, time, timedelta

import pytest

from eventapp.extensions import db
from tests.conftest import add_other_event


def seoul_today():
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo("Asia/Seoul")).date()


class Scanning(dict):
    def __getattr__(self, name):
        return self[name]

    def at(self, day_index, clock=time(10, 0)):
        """An RFC 3339 scan time on fair day `day_index` (0-based), Seoul time."""
        day = self.event.days[day_index]
        return self.event.local_datetime(day, clock).isoformat()

    def code(self, role):
        from eventapp.badges import services

        return services.badge_code(self.badges[role])


@pytest.fixture
def scanning(small_event):
    from eventapp.badges import services as badges
    from eventapp.checkin import services

    event = small_event.event
    first = seoul_today()
    event.starts_on, event.ends_on = first, first + timedelta(days=1)
    db.session.flush()
    roles = (
        "attendee",
        "exhibitor_admin",
        "exhibitor_staff",
        "other_exhibitor",
        "staff",
        "organizer",
        "outsider",
    )
    issued = {role: badges.issue_badge(event, small_event[role]) for role in roles}
    issued["outsider"].category = "visitor"
    for badge in issued.values():
        # Printed well before the fair: a queued scan is never dated before its badge.
        badge.created_at = badge_printing_time(event)
    points = {
        "gate": services.create_scan_point(
            event, name_ko="정문", name_en="Main gate", kind="entrance"
        ),
        "side_gate": services.create_scan_point(
            event, name_ko="측문", name_en="Side gate", kind="entrance"
        ),
        "day2_gate": services.create_scan_point(
            event,
            name_ko="2일차 입구",
            name_en="Day 2 gate",
            kind="entrance",
            valid_days=[event.days[1]],
        ),
        "vip_gate": services.create_scan_point(
            event,
            name_ko="VIP 라운지",
            name_en="VIP lounge",
            kind="entrance",
            entrance_group="vip",
            allowed_categories=["vip", "organizer", "staff"],
        ),
        "meeting": services.create_scan_point(
            event,
            name_ko="미팅 구역",
            name_en="Meeting zone",
            kind="meeting_zone",
            allowed_categories=["startup", "large_firm", "buyer", "exhibitor"],
        ),
        "alpha_booth": services.create_scan_point(
            event,
            name_ko="알파 부스",
            name_en="Alpha booth",
            kind="booth",
            organization_id=small_event.companies["alpha"].id,
        ),
        "beta_booth": services.create_scan_point(
            event,
            name_ko="베타 부스",
            name_en="Beta booth",
            kind="booth",
            organization_id=small_event.companies["beta"].id,
        ),
    }
    db.session.commit()
    return Scanning(small_event, badges=issued, points=points)


def badge_printing_time(event):
    """A week before the fair (UTC): when the tests' badges were printed."""
    from eventapp.checkin import services

    return event.local_datetime(event.days[0] - timedelta(days=7), time(9, 0)).astimezone(
        services.UTC
    )


def nonce():
    return uuid.uuid4().hex


@pytest.fixture
def device_token(scanning):
    """A usable device token for a scan point (by fixture name)."""
    from eventapp.checkin import services

    def make(point_name="gate", hours=72):
        device = services.create_device(scanning.points[point_name], label="test", hours=hours)
        db.session.commit()
        return services.device_token(device)

    return make


def scan(client, point, code, *, token=None, at=None, nonce_=None, **extra):
    body = {"scan_point": point.id, "code": code, "nonce": nonce_ or nonce(), **extra}
    if at is not None:
        body["scanned_at"] = at
    headers = {"X-Device-Token": token} if token else {}
    return client.post("/api/checkin/scan", json=body, headers=headers)


@pytest.fixture
def server_clock(scanning, monkeypatch):
    """Set the server's clock: `server_clock(day, clock)` puts it at `clock` (Seoul)
    on fair day `day` (an index, or a date), `after` later; returns the UTC moment.
    A live scan at some time is received seconds later: one whose time lags its
    receipt by more than minutes is taken for a wrong clock."""
    from eventapp.badges import services as badges
    from eventapp.checkin import services
    from eventapp.exhibitors import services as exhibitors

    def set_clock(day, clock=time(10, 0), after=timedelta(seconds=2)):
        event = scanning.event
        day = event.days[day] if isinstance(day, int) else day
        moment = event.local_datetime(day, clock).astimezone(services.UTC) + after
        # Also the clock of what organizers and exhibitors change meanwhile.
        for module in (services, badges, exhibitors):
            monkeypatch.setattr(module, "utcnow", lambda: moment)
        return moment

    return set_clock


@pytest.fixture
def late_clock(server_clock):
    """The server's clock at 18:00 (Seoul) on the last fair day, so that uploads of
    scans on every fair day lie in its past (the server uses its own day for scans
    "from the future")."""
    return server_clock(-1, time(18, 0), after=timedelta(0))


def set_up_phone(client, setup_path):
    """What a phone's browser does with a set-up address: open it, then send the
    page's form back (its script does so at once). The answer to the form."""
    import re

    page = client.get(setup_path)
    if page.status_code != 200:
        return page
    claim = re.search(r'name="claim" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    return client.post(setup_path, data={"claim": claim})


def another_event(scanning):
    """A second event on the same days: its badges are genuine, and not this one's."""
    event = scanning.event
    other = add_other_event(starts_on=event.starts_on, ends_on=event.ends_on)
    db.session.flush()
    return other


def visitors(event, count, prefix="visitor"):
    """`count` new attendees of the event with badges: their badge codes."""
    from eventapp.accounts.models import User
    from eventapp.badges import services as badges
    from eventapp.events.models import EventRole

    people = []
    for index in range(count):
        user = User(
            email=f"{prefix}{index}@example.org", name_en=f"Visitor {index}", password_hash="-"
        )
        db.session.add(user)
        db.session.add(EventRole(event=event, user=user, role="attendee"))
        people.append(user)
    db.session.flush()
    issued = [badges.issue_badge(event, user) for user in people]
    for badge in issued:
        badge.created_at = badge_printing_time(event)
    codes = [badges.badge_code(badge) for badge in issued]
    db.session.commit()
    return codes


class VenueLink:
    """The venue's network between the scanners and the server: a TCP relay to the
    live server that can be cut. Chromium's offline emulation can miss a request
    that a page sends as it loads (after a reload, say); a cut link refuses it, as
    Wi-Fi that is down does."""

    def __init__(self, target_url):
        host, port = target_url.removeprefix("http://").split(":")
        self.target = (host, int(port))
        self.listener = socket.create_server((host, 0))
        self.url = f"http://{host}:{self.listener.getsockname()[1]}"
        self.up = threading.Event()
        self.up.set()
        self.lock = threading.Lock()
        self.open = set()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return  # closed
            if not self.up.is_set():
                client.close()
                continue
            try:
                server = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.open.update((client, server))
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    def _pipe(self, source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            self._drop(source, sink)

    def _drop(self, *sockets):
        for one in sockets:
            with self.lock:
                self.open.discard(one)
            try:
                one.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            one.close()

    def cut(self):
        """Down: open connections are broken, new ones closed at once."""
        self.up.clear()
        with self.lock:
            connections = list(self.open)
        self._drop(*connections)

    def restore(self):
        self.up.set()

    def close(self):
        try:
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread
        except OSError:
            pass
        self.listener.close()
        self.cut()


@pytest.fixture
def venue_link(live_server):
    link = VenueLink(live_server.url)
    yield link
    link.close()
