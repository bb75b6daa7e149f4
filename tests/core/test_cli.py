"""`flask create-admin` through click's runner."""

import pytest
from sqlalchemy import func, select

from eventapp.accounts.models import User
from eventapp.extensions import db


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
