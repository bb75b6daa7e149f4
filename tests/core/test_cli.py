"""`flask create-admin` through click's runner."""

import pytest
from sqlalchemy import func, select

from eventapp.accounts.models import User
from eventapp.extensions import db
from tests.conftest import run_command_as_flask_does


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def admins():
    return db.session.scalar(select(func.count()).select_from(User).where(User.is_admin.is_(True)))


def test_create_admin(runner, app_ctx):
    result = runner.invoke(args=["create-admin", "Boss@Example.org", "--password", "long enough"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "boss@example.org"))
    assert user.is_admin and user.check_password("long enough")
    assert user.email_confirmed  # signs in without a confirmation mail


@pytest.mark.parametrize(
    ("args", "told"),
    [
        (["not-an-email", "--password", "long enough"], "EMAIL"),
        (["boss@example.org", "--password", ""], "--password"),
        (["boss@example.org", "--password", "short"], "--password"),
    ],
)
def test_create_admin_refuses_what_sign_up_refuses(runner, app_ctx, args, told):
    """The most powerful account gets no password the sign-up form would refuse,
    and no address that cannot receive its password-reset mail."""
    result = runner.invoke(args=["create-admin", *args])
    assert result.exit_code == 2, result.output
    assert told in result.output
    assert admins() == 0


def test_create_admin_with_a_taken_address_says_so(runner, small_event):
    result = runner.invoke(
        args=["create-admin", small_event.organizer.email, "--password", "long enough"]
    )
    # A message, not a traceback.
    assert isinstance(result.exception, SystemExit) and result.exit_code == 1
    assert "exists" in result.output
    assert admins() == 0


def test_create_admin_takes_the_address_as_the_account_keeps_it(runner, small_event):
    """Spaces pasted around the address were refused as characters of it, and a taken
    address was named as typed ('Organizer@Example.ORG') rather than as the account's."""
    result = runner.invoke(args=["create-admin", " Boss@Example.org ", "--password", "long enough"])
    assert (result.exit_code, result.output) == (0, "Administrator boss@example.org created.\n")
    result = runner.invoke(
        args=["create-admin", "Organizer@Example.ORG ", "--password", "long enough"]
    )
    assert result.exit_code == 1
    assert result.output == "Error: an account with the e-mail 'organizer@example.org' exists\n"
    assert admins() == 1


TOO_LONG_ID = "99999999999999999999"


@pytest.mark.parametrize(
    ("args", "told"),
    [
        (["badges", "reissue", TOO_LONG_ID], "'BADGE_ID'"),
        (["badges", "revoke", TOO_LONG_ID], "'BADGE_ID'"),
        (
            ["badges", "pdf", "--event", "test-expo", "--out", "{out}", "--person", TOO_LONG_ID],
            "'--person'",
        ),
        (
            ["badges", "pdf", "--event", "test-expo", "--out", "{out}", "--company", TOO_LONG_ID],
            "'--company'",
        ),
        (["checkin", "device-token", "test-expo", TOO_LONG_ID], "'POINT_ID'"),
    ],
)
def test_an_id_too_long_for_the_database_is_refused_in_one_line(
    runner, small_event, tmp_path, args, told
):
    """A mistyped or pasted number longer than any id ended in a database traceback."""
    out = tmp_path / "badges.pdf"
    result = runner.invoke(args=[arg.format(out=out) for arg in args])
    assert result.exit_code == 2, result.output
    assert f"Invalid value for {told}: {TOO_LONG_ID} is not in the range" in result.output
    assert not out.exists()


def test_a_service_refusal_is_told_in_english(app_ctx):
    """The services speak the app's default language (Korean) outside a request: their
    refusals came in Korean amid click's English and the commands' own."""
    args = ["events", "create", "kicxup-2026", "--name-ko", "킥스업 2026"]
    args += ["--name-en", "KICXUP 2026", "--starts-on", "2026-09-16", "--closes-at", "09:00"]
    result = run_command_as_flask_does(app_ctx, args)
    assert (result.exit_code, result.output) == (
        1,
        "Error: The fair must close after it opens.\n",
    )
