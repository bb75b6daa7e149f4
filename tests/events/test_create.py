"""Platform administrators create events: the New event page and `flask events create`."""

from datetime import date, time

import pytest
from sqlalchemy import select

from eventapp.accounts.models import User
from eventapp.core.audit import AuditEntry
from eventapp.core.permissions import roles_of
from eventapp.events.models import Event
from eventapp.extensions import db
from tests.conftest import PASSWORD, assert_access, login


@pytest.fixture
def admin(small_event):
    user = User(email="admin@example.org", name_en="Admin", locale="en", is_admin=True)
    user.set_password(PASSWORD)
    db.session.add(user)
    db.session.commit()
    return user


def form(**changes):
    data = {
        "slug": "kicxup-2026",
        "name_ko": "킥스업 글로벌 2026",
        "name_en": "KICXUP Global 2026",
        "fair_name_ko": "대한민국 산업단지 수출박람회",
        "fair_name_en": "KICEF",
        "venue_ko": "코엑스",
        "venue_en": "COEX",
        "city": "Seoul",
        "starts_on": "2026-09-16",
        "ends_on": "2026-09-17",
        "opens_at": "10:00",
        "closes_at": "17:00",
        "timezone": "Asia/Seoul",
        "contact_email": "expo@example.org",
        "description_ko": "설명",
        "description_en": "About",
        "organizers": "organizer@example.org\nattendee@example.org",
    }
    data.update(changes)
    return data


def test_admin_creates_an_event_and_appoints_its_organizers(client, small_event, admin):
    login(client, admin)
    page = client.get("/events/new?lang=en").get_data(as_text=True)
    assert 'value="Asia/Seoul"' in page
    response = client.post("/events/new?lang=en", data=form())
    assert response.status_code == 302
    assert response.location.endswith("/e/kicxup-2026/manage/?lang=en")
    event = db.session.scalar(select(Event).where(Event.slug == "kicxup-2026"))
    assert (event.name_en, event.venue_ko, event.city) == ("KICXUP Global 2026", "코엑스", "Seoul")
    assert (event.starts_on, event.ends_on) == (date(2026, 9, 16), date(2026, 9, 17))
    assert (event.opens_at, event.closes_at, event.timezone) == (time(10), time(17), "Asia/Seoul")
    assert roles_of(small_event.organizer, event) == {"organizer"}
    assert roles_of(small_event.attendee, event) == {"organizer"}
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "event.created"))
    # The new organizer runs the new event, not only the old one.
    login(client, small_event.attendee)
    assert client.get("/e/kicxup-2026/manage/settings").status_code == 200


def test_a_time_zone_typed_in_any_case_is_the_zone(client, admin):
    """ "asia/seoul" was refused as no time zone; it is stored as Asia/Seoul."""
    login(client, admin)
    response = client.post("/events/new?lang=en", data=form(timezone=" asia/SEOUL "))
    assert response.status_code == 302
    event = db.session.scalar(select(Event).where(Event.slug == "kicxup-2026"))
    assert event.timezone == "Asia/Seoul"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"slug": "test-expo"}, "The address test-expo is taken by another event."),
        ({"slug": "Kicxup 2026!"}, "is not usable"),
        ({"slug": "-kicxup"}, "is not usable"),
        ({"timezone": "Asia/Busan"}, "Asia/Busan is not a time zone"),
        ({"ends_on": "2026-09-15"}, "The last day cannot come before the first day."),
        ({"closes_at": "09:00"}, "The fair must close after it opens."),
        # The calendar's last day has no midnight after it: every page of the event
        # failed working out whether the fair was over.
        (
            {"starts_on": "9999-12-31", "ends_on": "9999-12-31"},
            "The days of the fair must fall between the years 2000 and 2100.",
        ),
        (
            {"starts_on": "0001-01-01", "ends_on": "0001-01-01"},
            "The days of the fair must fall between the years 2000 and 2100.",
        ),
        (
            {"organizers": "nobody@example.org"},
            "No account uses the e-mail address nobody@example.org",
        ),
    ],
)
def test_a_refused_event_says_why_and_creates_nothing(client, admin, changes, message):
    login(client, admin)
    response = client.post("/events/new?lang=en", data=form(**changes))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(Event).where(Event.slug == "kicxup-2026")) is None
    # What was typed stays in the form.
    assert "KICXUP Global 2026" in response.get_data(as_text=True)


def test_only_platform_administrators_create_events(login_as, admin):
    assert_access(login_as, "/events/new", allowed=set())
    assert_access(login_as, "/events/new", allowed=set(), method="post", data=form())
    assert db.session.scalar(select(Event).where(Event.slug == "kicxup-2026")) is None


def test_the_event_list_offers_new_event_to_administrators_only(client, small_event, admin):
    login(client, small_event.organizer)
    assert "/events/new" not in client.get("/events").get_data(as_text=True)
    login(client, admin)
    assert "/events/new" in client.get("/events").get_data(as_text=True)


# -- flask events create -------------------------------------------------------------------------

CLI_ARGS = [
    "events",
    "create",
    "kicxup-2026",
    "--name-ko",
    "킥스업 2026",
    "--name-en",
    "KICXUP 2026",
    "--starts-on",
    "2026-09-16",
    "--ends-on",
    "2026-09-17",
]


def test_cli_creates_an_event_with_organizers(app, small_event):
    result = app.test_cli_runner().invoke(
        args=[*CLI_ARGS, "--venue-en", "COEX", "--organizer", "organizer@example.org"]
    )
    assert result.exit_code == 0, result.output
    assert "Created kicxup-2026" in result.output
    event = db.session.scalar(select(Event).where(Event.slug == "kicxup-2026"))
    assert (event.venue_en, event.timezone, event.opens_at) == ("COEX", "Asia/Seoul", time(10))
    assert roles_of(small_event.organizer, event) == {"organizer"}


def test_cli_names_the_organizers_it_appointed(app, small_event):
    """It counted the addresses as typed: "2 organizer(s)" for one address given twice,
    "1 organizer(s)" for an empty one."""
    runner = app.test_cli_runner()
    twice = ["--organizer", "organizer@example.org", "--organizer", " Organizer@Example.ORG"]
    result = runner.invoke(args=[*CLI_ARGS, *twice])
    assert result.exit_code == 0, result.output
    assert result.output.endswith("; organizers: organizer@example.org.\n")
    result = runner.invoke(args=[*CLI_ARGS[:2], "kicxup-2027", *CLI_ARGS[3:], "--organizer", ""])
    assert result.exit_code == 0, result.output
    assert result.output.endswith("; organizers: none yet.\n")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--organizer", "nobody@example.org"], "nobody@example.org"),
        (["--timezone", "Seoul"], "Seoul"),
        (["--closes-at", "09:00"], "Error: "),
        (["--contact-email", "not-an-address"], "not-an-address"),
    ],
)
def test_cli_refuses_with_one_line(app, small_event, extra, message):
    """One line, naming what was refused (in English, as every command speaks)."""
    result = app.test_cli_runner().invoke(args=[*CLI_ARGS, *extra])
    assert result.exit_code == 1
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert db.session.scalar(select(Event).where(Event.slug == "kicxup-2026")) is None


def test_cli_refuses_a_taken_or_malformed_slug(app, small_event):
    runner = app.test_cli_runner()
    taken = runner.invoke(args=["events", "create", "test-expo", *CLI_ARGS[3:]])
    assert taken.exit_code == 1
    assert "test-expo" in taken.output
    malformed = runner.invoke(args=["events", "create", "Test Expo", *CLI_ARGS[3:]])
    assert malformed.exit_code == 1
    assert "test expo" in malformed.output and len(malformed.output.splitlines()) == 1


def test_administrators_reach_the_event_list_from_the_menu(client, small_event, admin, login_as):
    """The front page leads to an event; the list of events, with New event, was
    reachable only by typing its address."""
    login(client, admin)
    page = client.get("/e/test-expo/?lang=en").get_data(as_text=True)
    assert '<a href="/events">All events</a>' in page
    assert 'href="/events/new"' in client.get("/events?lang=en").get_data(as_text=True)
    organizer = login_as("organizer").get("/e/test-expo/?lang=en").get_data(as_text=True)
    assert "All events" not in organizer
