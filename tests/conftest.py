"""Fixtures shared by the whole suite.

The database is SQLite in a temporary file by default, or the server named by
TEST_DATABASE_URL (the CI runs both). The schema is built once per run from the
models and every test starts from empty tables; nothing here ever touches a
developer's own database.
"""

import os
import tempfile
import threading
from contextlib import contextmanager
from datetime import date, timedelta
from email import message_from_bytes, policy
from functools import partial

import pytest
from sqlalchemy import select, text
from werkzeug.security import generate_password_hash
from werkzeug.serving import make_server

from eventapp import create_app
from eventapp.extensions import db

PASSWORD = "correct horse battery"
ROLE_NAMES = (
    "anonymous",
    "attendee",
    "exhibitor_admin",
    "exhibitor_staff",
    "other_exhibitor",
    "staff",
    "organizer",
)


def fair_to_come(event):
    """Move the fair a month ahead (its first day 30 days after today in Seoul): the
    small event's days have passed, and a fair that is over takes no registration,
    nor a change of one."""
    from eventapp.core.db import utcnow
    from eventapp.core.templating import SEOUL

    event.starts_on = utcnow().astimezone(SEOUL).date() + timedelta(days=30)
    event.ends_on = event.starts_on + timedelta(days=1)
    db.session.commit()


def _database_url(tmp_dir):
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{os.path.join(tmp_dir, 'test.sqlite')}"
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    return _worker_database(url, worker) if worker else url


def _worker_database(url, worker):
    """Under pytest-xdist each worker gets its own server database (`test_gw0`,
    ...), created beside the named one, so workers never empty each other's tables."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    base = make_url(url)
    name = f"{base.database}_{worker}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
        ).scalar()
        if not exists:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def pytest_configure(config):
    """`EVENTAPP_TEST_NOW=2026-12-05T00:30:00Z make test` runs the suite as if it
    were started at that moment (the clock ticks on from there): the suite must
    pass at any hour, and failures tied to the hour (a fair day starting at
    midnight in Seoul, a 10:00 scan still ahead) show up only when looked for.
    Browser pages start at that moment too (see _pages_on_the_test_clock); the
    browser keeps the real clock for cookies, which the app sets with Max-Age
    (counted from their arrival), so a moment in the past serves as well."""
    moment = os.environ.get("EVENTAPP_TEST_NOW")
    if moment:
        import time_machine

        config._eventapp_travel = time_machine.travel(moment, tick=True)
        config._eventapp_travel.start()


@pytest.fixture(scope="session")
def app():
    tmp_dir = tempfile.mkdtemp(prefix="eventapp-test-")
    os.environ["EVENTAPP_INSTANCE"] = tmp_dir
    from config import TestingConfig

    class Settings(TestingConfig):
        SQLALCHEMY_DATABASE_URI = _database_url(tmp_dir)
        MAIL_FILE_DIR = os.path.join(tmp_dir, "outbox")
        SERVER_URL = "http://testserver"

    application = create_app(Settings)
    _isolate_test_requests(application)
    with application.app_context():
        _let_test_thread_read_without_locking(application)
        reset_schema()
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _settings_kept(request):
    """Tests that set `app.config[...]` by hand set it for one test: the app lives for
    the whole session, and a setting left behind changed what later tests saw (a
    shorter reset link lifetime made the reset mail's test fail after the import's)."""
    if "app" not in request.fixturenames:
        yield
        return
    application = request.getfixturevalue("app")
    kept = dict(application.config)
    yield
    application.config.clear()
    application.config.update(kept)


def _isolate_test_requests(application):
    """Test-client requests share the test's app context (and so its `g`);
    forget the previous request's user and language as a new context would.
    Answers are read whole and closed, as a server does: a streamed file (a
    badge PDF) is otherwise left open."""
    import flask_babel
    from flask import g
    from flask.testing import FlaskClient

    class Client(FlaskClient):
        def open(self, *args, buffered=True, **kwargs):
            return super().open(*args, buffered=buffered, **kwargs)

    application.test_client_class = Client

    def _fresh_request_state():
        g.pop("_login_user", None)
        flask_babel.refresh()

    # First of all: a check of the app's own that refuses the request (an upload
    # too large) would otherwise leave the previous request's language in place.
    application.before_request_funcs.setdefault(None, []).insert(0, _fresh_request_state)


def _let_test_thread_read_without_locking(application):
    """On SQLite the app begins every transaction with BEGIN IMMEDIATE. A test
    that reads the database while a live server works would then hold the write
    lock and stall the server; the test's own thread uses plain BEGIN instead."""
    listener = application.extensions.get("sqlite_begin")
    if listener is None:
        return
    from sqlalchemy import event as sa_event

    main_thread = threading.main_thread()
    sa_event.remove(db.engine, "begin", listener)

    @sa_event.listens_for(db.engine, "begin")
    def _begin(connection):
        if threading.current_thread() is main_thread and not _TEST_THREAD_WRITES.is_set():
            connection.exec_driver_sql("BEGIN")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")


# Set while the test's own thread changes data beside a live server.
_TEST_THREAD_WRITES = threading.Event()


@pytest.fixture
def writing():
    """`with writing(): ...` changes data from the test while a live server runs.

    The test thread's plain BEGIN reads a WAL snapshot; had the server committed
    since, SQLite refuses to turn that snapshot into a write ("database is
    locked") at once, whatever the busy timeout. Inside the block the transaction
    takes the write lock first (BEGIN IMMEDIATE), and it is committed on leaving.
    """

    @contextmanager
    def block():
        db.session.remove()
        _TEST_THREAD_WRITES.set()
        try:
            yield db.session
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
        finally:
            _TEST_THREAD_WRITES.clear()

    return block


def reset_schema():
    """Drop everything (also what migrations made) and build the models' schema."""
    db.session.remove()
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    else:
        db.drop_all()
        with db.engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    db.create_all()
    if db.engine.dialect.name == "postgresql":
        # Tables are emptied with DELETE (see empty_tables): a vacuum would hand the
        # freed space back to new rows, and a query without ORDER BY would return
        # them out of their insertion order from one test to the next.
        with db.engine.begin() as connection:
            for table in db.metadata.sorted_tables:
                connection.execute(
                    text(f'ALTER TABLE "{table.name}" SET (autovacuum_enabled = false)')
                )


# TRUNCATE of every table after each test cost 0.12 s on PostgreSQL (a new file
# per table), even of the fifteen a test fills. Only the tables a test filled are
# emptied, with DELETE, and every sequence starts at 1 again, in one round trip;
# autovacuum is off for them (reset_schema) so rows keep their written order.
_EMPTY_POSTGRESQL_TABLES = """
DO $$
DECLARE
    name text;
    has_rows boolean;
BEGIN
    FOREACH name IN ARRAY :tables LOOP
        EXECUTE 'SELECT EXISTS (SELECT 1 FROM ' || quote_ident(name) || ')' INTO has_rows;
        IF has_rows THEN
            EXECUTE 'DELETE FROM ' || quote_ident(name);
        END IF;
    END LOOP;
    PERFORM setval(c.oid, 1, false)
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind = 'S' AND n.nspname = 'public';
END $$
"""


def empty_tables():
    db.session.remove()
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as connection:
        if db.engine.dialect.name == "postgresql":
            array = "ARRAY[" + ", ".join(f"'{name}'" for name in tables) + "]"
            connection.exec_driver_sql(_EMPTY_POSTGRESQL_TABLES.replace(":tables", array))
        else:
            for name in tables:
                connection.execute(text(f"DELETE FROM {name}"))


@pytest.fixture(autouse=True)
def _clean_database(request, app):
    yield
    with app.app_context():
        empty_tables()


@pytest.fixture(autouse=True)
def _quick_password_hashes(monkeypatch):
    # The default scrypt hash costs ~0.2 s per account; the tests create many.
    monkeypatch.setattr(
        "eventapp.accounts.models.generate_password_hash",
        partial(generate_password_hash, method="pbkdf2:sha256:1000"),
    )


@pytest.fixture
def outbox(app_ctx):
    """The messages queued so far, as (recipient, subject, text), of one kind or all."""
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


@pytest.fixture
def app_ctx(app):
    with app.app_context():
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


class Actors(dict):
    """Users of the small test event, by role name, with their event."""

    def __getattr__(self, name):
        return self[name]


@pytest.fixture
def small_event(app_ctx):
    """A small event: two halls, a 2x5 island of booths in each, two exhibitor
    companies, and one user for each role."""
    from eventapp.accounts.models import User
    from eventapp.booths.geometry import Rect, adjacency, corners
    from eventapp.booths.models import Booth, BoothAdjacency, BoothSettings, Exhibitor
    from eventapp.events.models import Event, EventRole, Hall
    from eventapp.organizations.models import Organization

    event = Event(
        slug="test-expo",
        name_ko="테스트 엑스포",
        name_en="Test Expo",
        starts_on=date(2025, 9, 17),
        ends_on=date(2025, 9, 18),
        contact_email="expo@example.org",
    )
    db.session.add(event)
    halls = {
        code: Hall(
            event=event, code=code, name_ko=f"{code}홀", name_en=f"Hall {code}", width=40, height=20
        )
        for code in ("A", "B")
    }
    booths = []
    for code, hall in halls.items():
        zone = "ai" if code == "A" else "bio"
        for index in range(10):
            row, column = divmod(index, 5)
            booths.append(
                Booth(
                    event=event,
                    hall=hall,
                    code=f"{code}-{index + 1:02d}",
                    zone=zone,
                    x=4 + column * 3,
                    y=4 + row * 3,
                    w=3,
                    h=3,
                )
            )
    db.session.add_all(booths)
    db.session.add(BoothSettings(event=event, hold_minutes=10))
    db.session.flush()
    by_code = {b.code: b for b in booths}
    rects = [Rect(b.code, b.hall.code, b.x, b.y, b.w, b.h) for b in booths]
    for code in corners(rects):
        by_code[code].corner = True
    for a, b in adjacency(rects):
        first, second = sorted((by_code[a].id, by_code[b].id))
        db.session.add(BoothAdjacency(booth_id=first, neighbour_id=second))

    companies = {
        "alpha": Organization(
            name_ko="알파로보틱스", name_en="Alpha Robotics", kind="startup", sector="ai"
        ),
        "beta": Organization(
            name_ko="베타바이오", name_en="Beta Bio", kind="midsize_firm", sector="bio"
        ),
        "gamma": Organization(
            name_ko="감마그룹", name_en="Gamma Group", kind="large_firm", sector="ai"
        ),
    }
    db.session.add_all(companies.values())
    exhibitors = {
        "alpha": Exhibitor(
            event=event,
            organization=companies["alpha"],
            status="approved",
            booth_count=2,
            zones=["ai"],
        ),
        "beta": Exhibitor(
            event=event,
            organization=companies["beta"],
            status="approved",
            booth_count=1,
            zones=["bio"],
        ),
    }
    db.session.add_all(exhibitors.values())

    def person(key, role, organization=None, **extra):
        user = User(
            email=f"{key}@example.org",
            name_ko=f"{key} 님",
            name_en=key.title(),
            locale="en",
            organization=organization,
            **extra,
        )
        user.set_password(PASSWORD)
        db.session.add(user)
        if role:
            db.session.add(
                EventRole(
                    event=event,
                    user=user,
                    role=role,
                    organization=organization if role.startswith("exhibitor") else None,
                )
            )
        return user

    actors = Actors(
        event=event,
        booths=by_code,
        companies=companies,
        exhibitors=exhibitors,
        organizer=person("organizer", "organizer"),
        exhibitor_admin=person("exhibitor_admin", "exhibitor_admin", companies["alpha"]),
        exhibitor_staff=person("exhibitor_staff", "exhibitor_staff", companies["alpha"]),
        other_exhibitor=person("other_exhibitor", "exhibitor_admin", companies["beta"]),
        attendee=person("attendee", "attendee", companies["gamma"]),
        staff=person("staff", "staff"),
        outsider=person("outsider", None),
    )
    db.session.commit()
    return actors


def add_other_event(slug="other-expo", starts_on=date(2026, 5, 1), ends_on=None):
    """A second event, added to the session: what belongs to one event must not be
    reached through the other."""
    from eventapp.events.models import Event

    other = Event(
        slug=slug,
        name_ko="다른 행사",
        name_en="Other Expo",
        starts_on=starts_on,
        ends_on=ends_on or starts_on,
    )
    db.session.add(other)
    return other


def errors_under(page, name):
    """The error messages shown in the form field `name` of an HTML page (see the
    `field` macro of templates/_forms.html, and the fieldsets of lists and boxes)."""
    import re
    from html import unescape

    blocks = re.findall(r'<(div|fieldset) class="field[^"]*">(.*?)</\1>', page, re.S)
    for _tag, block in blocks:
        if f'name="{name}"' in block or f'name="{name}-' in block:  # or a list's entries
            return [unescape(m) for m in re.findall(r'<p class="error"[^>]*>(.*?)</p>', block)]
    raise AssertionError(f"no field {name} on the page")


def statements_of(action):
    """(what `action()` returns, the number of SQL statements it ran): how tests see
    that a page or a service reads a set at once, not one row at a time."""
    from sqlalchemy import event as sa_event

    count = [0]

    def counted(*_args, **_kwargs):
        count[0] += 1

    sa_event.listen(db.engine, "before_cursor_execute", counted)
    try:
        result = action()
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", counted)
    return result, count[0]


def run_command_as_flask_does(app, args):
    """Invoke a command as `flask` does: in an app context of its own and no request
    (a thread of its own has neither the test's request context nor its app context,
    nor the language a request of the test left there)."""
    results = []

    def run():
        with app.app_context():
            results.append(app.test_cli_runner().invoke(args=args))

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    return results[0]


def login(client, user, password=PASSWORD):
    response = client.post("/login", data={"email": user.email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


def mailed_path(text, prefix="/"):
    """The path of the first link to `prefix` in a mail's `text`, without the reader's
    language that mailed links name last (`?lang=`, checked by
    tests/notifications/test_mail_links.py): a test that follows it chooses its own."""
    import re

    match = re.search(rf"http://testserver({re.escape(prefix)}\S*)", text)
    assert match is not None, text
    return re.sub(r"[?&]lang=\w+$", "", match.group(1))


def confirmation_link(address):
    """The path of the newest sign-up confirmation link mailed to `address`."""

    from eventapp.notifications.models import OutboxMessage

    row = db.session.scalar(
        select(OutboxMessage)
        .where(OutboxMessage.kind == "email_confirmation", OutboxMessage.recipient == address)
        .order_by(OutboxMessage.id.desc())
    )
    assert row is not None, f"no confirmation mail to {address}"
    text = message_from_bytes(row.raw, policy=policy.default).get_body(("plain",)).get_content()
    return mailed_path(text, "/confirm/")


@pytest.fixture
def login_as(client, small_event):
    """Sign the test client in as one of the small event's roles."""

    def sign_in(role):
        client.post("/logout")
        if role != "anonymous":
            login(client, small_event[role])
        return client

    return sign_in


def assert_access(login_as, url, allowed, method="get", data=None):
    """Check every role against `url`: allowed roles get a non-error answer,
    others 403, anonymous a redirect to the login page (or 401/403 for APIs)."""
    outcomes = {}
    for role in ROLE_NAMES:
        client = login_as(role)
        response = getattr(client, method)(url, data=data or {})
        outcomes[role] = response.status_code
        if role in allowed:
            assert response.status_code < 400, (
                f"{role} should reach {method.upper()} {url}, got {response.status_code}"
            )
        elif role == "anonymous":
            assert response.status_code in (302, 401, 403), (
                f"anonymous got {response.status_code} at {url}"
            )
            if response.status_code == 302:
                assert "/login" in response.location
        else:
            assert response.status_code == 403, (
                f"{role} must not reach {method.upper()} {url}, got {response.status_code}"
            )
    return outcomes


class LiveServer:
    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.thread.join(5)


@pytest.fixture
def live_server(app):
    """The app served by a real threaded HTTP server on a free loopback port."""
    server = LiveServer(app).start()
    yield server
    server.stop()


CHROMIUM = "/usr/bin/chromium"
# Flags for a machine with no screen and a closed network: without the
# background-networking ones Chromium keeps dialling Google's hosts.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def launch_chromium():
    """Start Debian's headless Chromium through Playwright (no browser download),
    with extra command-line flags; every browser started is closed afterwards."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    sync_api.Page.wait_for_function = _wait_for_function_under_csp
    playwright = sync_api.sync_playwright().start()
    started = []

    def launch(extra_args=()):
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS + list(extra_args)
        )
        started.append(browser)
        if os.environ.get("EVENTAPP_TEST_NOW"):
            _pages_on_the_test_clock(browser)
        return browser

    yield launch
    for browser in started:
        browser.close()
    playwright.stop()


def _wait_for_function_under_csp(page, expression, *, arg=None, timeout=None, polling=None):
    """Page.wait_for_function that works under the site's content security policy,
    which refuses the eval() Playwright's own runs its predicate with: the predicate
    is evaluated from outside the page (as page.evaluate does) until it is truthy.
    The tests thus drive every page under the policy it has in production."""
    import time

    from playwright.sync_api import Error
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    interval = (polling if isinstance(polling, (int, float)) else 50) / 1000
    deadline = time.monotonic() + (15000 if timeout is None else timeout or 1e9) / 1000
    while True:
        try:
            value = page.evaluate(expression, arg)
        except Error as error:
            if "context was destroyed" not in str(error) and "navigat" not in str(error):
                raise
            value = None  # a page being left or loaded: ask the next one
        if value:
            return value
        if time.monotonic() > deadline:
            raise PlaywrightTimeout(f"wait_for_function: {expression!r} still false")
        time.sleep(interval)


def _pages_on_the_test_clock(browser):
    """Under EVENTAPP_TEST_NOW, every page's clock starts at the suite's (travelled)
    time and ticks on, as the server's does; a test may still set it otherwise."""
    from datetime import UTC, datetime

    new_context = browser.new_context

    def on_the_test_clock(**options):
        context = new_context(**options)
        context.clock.install(time=datetime.now(UTC))
        return context

    def new_page(**options):
        return on_the_test_clock(**options).new_page()

    browser.new_context = on_the_test_clock
    browser.new_page = new_page


@pytest.fixture
def browser(launch_chromium):
    return launch_chromium()


def sign_in_page(page, email, password=PASSWORD):
    """Sign `page` in as `email` on the sign-in form, as a person would."""
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    return page


def page_width(page):
    """How wide the page lays itself out, once loaded: just after a link is
    clicked the old document may be gone and the new one not yet there."""
    page.wait_for_load_state()
    return page.evaluate("document.documentElement.scrollWidth")


def browser_signed_in(browser, base_url, email, locale="en-US", **context):
    """A page in a browser context of its own (a phone: `**PHONE`), signed in."""
    page = browser.new_context(base_url=base_url, locale=locale, **context).new_page()
    page.set_default_timeout(15000)
    return sign_in_page(page, email)


@pytest.fixture
def english(app_ctx):
    """Messages of services called outside a request in English: there the app
    speaks its default language, Korean."""
    from flask import g
    from flask_babel import force_locale

    # force_locale does nothing while `g` is empty.
    g.test_language = "en"
    with force_locale("en"):
        yield
