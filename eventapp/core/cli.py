import functools
import math
import time
from datetime import date

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import force_locale

from eventapp.core.db import utcnow
from eventapp.core.templating import SEOUL
from eventapp.extensions import db

# An id as the database keeps one: a longer number, mistyped or pasted, stopped the
# command with a traceback (SQLite: int too large; PostgreSQL: out of range for integer).
RECORD_ID = click.IntRange(1, 2**31 - 1)


# The longest pause between two rounds of a service: a day. Longer (or "inf")
# stopped it with a traceback once the first round was done, when it went to sleep.
MAX_INTERVAL = 86400.0


class Seconds(click.FloatRange):
    """A pause in seconds, 0 to MAX_INTERVAL: "nan" passes any range, and
    stopped the service as a longer one did."""

    name = "seconds"

    def __init__(self):
        super().__init__(min=0, max=MAX_INTERVAL)

    def convert(self, value, param, ctx):
        seconds = super().convert(value, param, ctx)
        if math.isnan(seconds):
            self.fail(f"{value!r} is not a number of seconds.", param, ctx)
        return seconds


def rounds_options(interval, what):
    """The --loop and --interval options of a command that `run_rounds` runs as a
    service: `what` is between two rounds ("batches")."""

    def decorate(command):
        command = click.option(
            "--interval",
            default=interval,
            show_default=True,
            # A negative pause would stop the service after one round.
            type=Seconds(),
            help=f"Seconds between {what} with --loop.",
        )(command)
        return click.option(
            "--loop", is_flag=True, help="Keep going until interrupted (a service)."
        )(command)

    return decorate


def run_rounds(one_round, *, loop, interval, name):
    """Run `one_round()` once, or with `loop` every `interval` seconds until
    interrupted. As a service it must outlive a database restart or a bug in
    one item: a failed round is logged and the next one retries."""
    if not loop:
        one_round()
        return
    while True:
        try:
            one_round()
        except Exception as error:
            current_app.logger.exception("%s failed", name)
            click.echo(f"{name} failed: {error.__class__.__name__}: {error}", err=True)
            _reset_session()
        time.sleep(interval)


def _reset_session():
    try:
        db.session.rollback()
    except Exception:  # a dead connection; the next round starts a new session
        pass
    db.session.remove()


# The language of the command line: click's own messages and the commands' output are
# English, and a service's refusal came in the app's default language (Korean) amid
# them. Mails a command queues are still written in each recipient's own language:
# they are rendered inside force_locale(recipient's language).
CLI_LANGUAGE = "en"


def speak_english(app):
    """Run every command of ours under `flask` in CLI_LANGUAGE; called once all are
    registered. Flask-Migrate's `db` commands speak English anyway, and their objects
    are shared by every app: they are left as they are."""

    def wrap(command):
        for subcommand in getattr(command, "commands", {}).values():
            wrap(subcommand)
        callback = command.callback
        if (
            callback is None
            or not callback.__module__.startswith("eventapp.")
            # The `outbox` group is made once per process, not per app.
            or getattr(callback, "in_cli_language", False)
        ):
            return
        command.callback = _in_cli_language(callback)

    for command in app.cli.commands.values():
        wrap(command)


def _in_cli_language(callback):
    @functools.wraps(callback)
    def run(*args, **kwargs):
        with force_locale(CLI_LANGUAGE):
            return callback(*args, **kwargs)

    run.in_cli_language = True
    # Inside the app context: force_locale keeps the language there (in `g`) and does
    # nothing without one. `flask` pushes it before any command; click's runner does
    # so only for an AppGroup's commands.
    return with_appcontext(run)


def demo_first_day(given, default):
    if not given:
        return default
    if given == "today":
        return utcnow().astimezone(SEOUL).date()
    try:
        day = date.fromisoformat(given)
    except ValueError:
        raise click.BadParameter(
            f"{given!r} is not a date: give YYYY-MM-DD or today.", param_hint="--starts-on"
        ) from None
    from eventapp.events.services import FIRST_YEAR, LAST_YEAR

    # The years an event may be held in: at the calendar's ends the demo's days and
    # booking windows cannot even be computed, and failed half-way with a traceback.
    if not date(FIRST_YEAR, 1, 1) <= day < date(LAST_YEAR, 12, 31):
        raise click.BadParameter(
            f"{given!r}: the two fair days must fall between {FIRST_YEAR} and {LAST_YEAR}.",
            param_hint="--starts-on",
        )
    return day


def register(app):
    @app.cli.command("seed-demo")
    @click.option(
        "--starts-on",
        metavar="YYYY-MM-DD|today",
        help="First of the two fair days (default: 2025-09-17, when the fair was held); "
        "`today` is today in Seoul.",
    )
    def seed_demo_command(starts_on):
        """Load the KICXUP Global 2025 demo event (does nothing if present: a loaded
        demo keeps its days)."""
        from eventapp.demo import FIRST_DAY, seed_demo

        first_day = demo_first_day(starts_on, FIRST_DAY)
        event = seed_demo(log=click.echo, starts_on=first_day)
        if starts_on and event.starts_on != first_day:
            # A loaded demo keeps its days. A warning rather than a refusal: run again,
            # seed-demo leaves the demo as it is and succeeds, and `make run` runs it
            # with --starts-on today on every start.
            given = first_day.isoformat()
            if starts_on == "today":
                given = f"today ({given})"
            click.echo(
                f"Warning: the demo is loaded already, starting on "
                f"{event.starts_on.isoformat()}; --starts-on {given} has no effect.",
                err=True,
            )
        click.echo(
            f"Demo event: {event.name_en} ({event.slug}), "
            f"{event.starts_on.isoformat()} to {event.ends_on.isoformat()}"
        )

    @app.cli.command("demo-accounts")
    def demo_accounts_command():
        """Print the demo sign-in accounts."""
        from eventapp.demo import DEMO_ACCOUNTS, DEMO_PASSWORD

        click.echo(f"Demo accounts (password: {DEMO_PASSWORD})")
        for email, role, _name_ko, name_en in DEMO_ACCOUNTS:
            click.echo(f"  {role:<16} {email:<28} {name_en}")

    @app.cli.command("create-admin")
    @click.argument("email")
    @click.password_option()
    def create_admin_command(email, password):
        """Create a platform administrator."""
        from email_validator import EmailNotValidError, validate_email

        from eventapp.accounts.services import AccountError, create_user, normalize_email

        # Spaces pasted around the address were refused as characters of the address,
        # where the sign-up form and `flask events create --organizer` drop them.
        email = email.strip()
        # The rules of the sign-up form: the account that may do everything gets no
        # weaker password, and an address that can receive the password-reset mail.
        try:
            validate_email(email, check_deliverability=False, allow_smtputf8=False)
        except EmailNotValidError as error:
            raise click.BadParameter(str(error), param_hint="EMAIL") from None
        if not 10 <= len(password) <= 128:
            raise click.BadParameter("give 10 to 128 characters", param_hint="--password")
        try:
            user = create_user(email, password, name_en="Administrator", is_admin=True)
        except AccountError:
            db.session.rollback()
            raise click.ClickException(
                f"an account with the e-mail {normalize_email(email)!r} exists"
            ) from None
        db.session.commit()
        click.echo(f"Administrator {user.email} created.")
