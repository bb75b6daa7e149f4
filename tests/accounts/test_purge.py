"""`flask accounts purge-unconfirmed`: sign-ups never confirmed go, unless anything
is attached to them."""

import email
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from eventapp.accounts.models import User
from eventapp.badges.services import issue_badge
from eventapp.core.audit import AuditEntry
from eventapp.core.db import utcnow
from eventapp.events.models import EventRole
from eventapp.exhibitors.models import TeamInvitation
from eventapp.extensions import db
from eventapp.notifications.models import OutboxMessage
from eventapp.notifications.services import send_pending
from tests.accounts.test_confirmation import sign_up


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def signed_up(client, app_ctx):
    """`signed_up(name, days_ago)`: an account made by the sign-up form and never
    confirmed, as if `days_ago` days ago (its sign-up's audit entries too)."""

    def make(name, days_ago):
        address = f"{name}@example.org"
        assert sign_up(client, address).status_code == 302
        user = db.session.scalar(select(User).where(User.email == address))
        assert user.email_confirmed_at is None
        then = utcnow() - timedelta(days=days_ago)
        user.created_at = then
        db.session.execute(
            update(AuditEntry)
            .where(AuditEntry.object_type == "User", AuditEntry.object_id == str(user.id))
            .values(created_at=then)
        )
        db.session.commit()
        return user

    return make


def _emails():
    db.session.expire_all()
    return set(db.session.scalars(select(User.email)))


def _purges():
    return db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "user.unconfirmed_purged")
    ).all()


def test_old_unconfirmed_accounts_go_and_the_others_stay(
    app, runner, small_event, signed_up, tmp_path
):
    event = small_event.event
    old = signed_up("old", days_ago=10)
    signed_up("recent", days_ago=2)
    with_role = signed_up("with.role", days_ago=30)
    db.session.add(EventRole(event=event, user=with_role, role="attendee"))
    with_company = signed_up("with.company", days_ago=30)
    with_company.organization = small_event.companies["gamma"]
    # An organizer's account is confirmed, however old.
    small_event.organizer.created_at = utcnow() - timedelta(days=400)
    db.session.commit()
    old_id = old.id

    result = runner.invoke(args=["accounts", "purge-unconfirmed"])
    assert result.exit_code == 0, result.output
    assert "1 unconfirmed account(s) signed up before" in result.output
    assert "removed, 2 kept." in result.output
    assert "kept 1: a role at an event" in result.output
    assert "kept 1: linked to a company" in result.output
    emails = _emails()
    assert "old@example.org" not in emails
    assert {
        "recent@example.org",
        "with.role@example.org",
        "with.company@example.org",
        "organizer@example.org",
    } <= emails
    assert db.session.scalar(select(func.count()).select_from(EventRole)) == 7
    (purge,) = _purges()
    assert purge.data == {
        "days": 7,
        "removed": 1,
        "kept": 2,
        "accounts": [old_id],
        "mail_cancelled": 1,
    }
    # The link mailed to the removed account is not sent any more; the others' are.
    assert "1 mail(s) waiting for them cancelled" in result.output
    waiting = dict(db.session.execute(select(OutboxMessage.recipient, OutboxMessage.status)).all())
    assert waiting["old@example.org"] == "cancelled"
    assert waiting["recent@example.org"] == "pending"
    app.config["MAIL_FILE_DIR"] = str(tmp_path)
    assert send_pending()[0] == 3
    delivered = {
        email.message_from_bytes(path.read_bytes())["To"] for path in tmp_path.glob("*.eml")
    }
    assert delivered == {"recent@example.org", "with.role@example.org", "with.company@example.org"}
    assert purge.label == "Unconfirmed accounts removed"
    # The sign-up's own entries stay in the log, without their account.
    created = db.session.scalar(
        select(AuditEntry).where(
            AuditEntry.action == "user.created", AuditEntry.object_id == str(old_id)
        )
    )
    assert created is not None and created.user_id is None

    # A second run finds nothing more, and logs nothing.
    result = runner.invoke(args=["accounts", "purge-unconfirmed", "--days", "3"])
    assert result.exit_code == 0, result.output
    assert "0 unconfirmed account(s)" in result.output and "removed, 2 kept." in result.output
    assert len(_purges()) == 1


def _badge(small_event, user):
    issue_badge(small_event.event, user)


def _invited(small_event, user):
    alpha = small_event.exhibitors["alpha"]
    db.session.add(
        TeamInvitation(
            event=small_event.event,
            exhibitor=alpha,
            user=user,
            role="exhibitor_staff",
            expires_at=utcnow() + timedelta(days=14),
        )
    )


def _inviting(small_event, user):
    alpha = small_event.exhibitors["alpha"]
    db.session.add(
        TeamInvitation(
            event=small_event.event,
            exhibitor=alpha,
            user=small_event.outsider,
            role="exhibitor_staff",
            invited_by_id=user.id,
            expires_at=utcnow() + timedelta(days=14),
        )
    )


def _acting(small_event, user):
    db.session.add(
        AuditEntry(action="event.updated", object_type="Event", object_id="1", user_id=user.id)
    )


def _mailed_again(small_event, user):
    """A new link asked for yesterday: its owner may be about to confirm."""
    db.session.add(
        AuditEntry(
            action="user.confirmation_sent",
            object_type="User",
            object_id=str(user.id),
            created_at=utcnow() - timedelta(days=1),
        )
    )


@pytest.mark.parametrize(
    ("attach", "reason"),
    [
        (_badge, "a badge"),
        (_invited, "a team invitation"),
        (_inviting, "team invitations sent"),
        (_acting, "acted in the audit log"),
        (_mailed_again, "a confirmation link mailed recently"),
    ],
)
def test_an_account_with_anything_attached_is_kept(runner, small_event, signed_up, attach, reason):
    user = signed_up("attached", days_ago=30)
    attach(small_event, user)
    db.session.commit()
    result = runner.invoke(args=["accounts", "purge-unconfirmed"])
    assert result.exit_code == 0, result.output
    assert "0 unconfirmed account(s)" in result.output and "removed, 1 kept." in result.output
    assert f"kept 1: {reason}" in result.output
    assert "attached@example.org" in _emails()
    assert _purges() == []


@pytest.mark.parametrize(
    ("days", "told"),
    [
        ("-1", "-1 is not in the range"),
        ("0", "0 is not in the range"),
        ("a week", "'a week' is not a valid integer"),
        ("99999", "99999 is not in the range"),
        ("2", "at least 3: a confirmation link works for 3 days"),
    ],
)
def test_bad_days_are_refused_with_a_message(runner, signed_up, days, told):
    signed_up("old", days_ago=400)
    result = runner.invoke(args=["accounts", "purge-unconfirmed", "--days", days])
    # A message, not a traceback.
    assert isinstance(result.exception, SystemExit) and result.exit_code == 2
    assert told in result.output and "--days" in result.output
    assert "old@example.org" in _emails()


@pytest.mark.parametrize("role_first", [True, False], ids=["role-first", "purge-first"])
def test_a_role_given_during_the_purge_is_never_lost(app, small_event, signed_up, role_first):
    """An organizer giving the account a role while the purge runs: either the purge
    sees the role and keeps the account, or the role is refused; never is the role
    deleted with the account."""
    from eventapp.accounts.services import purge_unconfirmed
    from tests.events.test_settings import _one_after_the_other

    user_id = signed_up("late", days_ago=30).id
    event_id = small_event.event.id

    def give_role():
        db.session.add(EventRole(event_id=event_id, user_id=user_id, role="attendee"))

    def purge():
        purge_unconfirmed(7)

    second = _one_after_the_other(app, *((give_role, purge) if role_first else (purge, give_role)))
    db.session.expire_all()
    role = db.session.scalar(select(EventRole).where(EventRole.user_id == user_id))
    if role_first:
        assert second == "saved"
        assert db.session.get(User, user_id) is not None and role is not None
    else:
        assert second == "IntegrityError"
        assert db.session.get(User, user_id) is None and role is None
