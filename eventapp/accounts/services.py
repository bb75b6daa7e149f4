"""Sign-up and its e-mail confirmation, login throttling and password reset."""

import functools
import secrets
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from flask import current_app, render_template
from flask_babel import force_locale
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import String, cast, delete, func, null, select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from eventapp.accounts.models import LoginAttempt, User
from eventapp.core import audit
from eventapp.core.db import utcnow
from eventapp.core.i18n import gettext as _
from eventapp.core.i18n import ngettext
from eventapp.extensions import db
from eventapp.notifications.models import OutboxMessage
from eventapp.notifications.services import mail_link, queue_mail


class AccountError(Exception):
    pass


class EmailNotConfirmed(AccountError):
    """The password was right, but the address has not been confirmed yet."""


def normalize_email(email):
    """The address as stored and compared: lower case, and a domain in non-Latin letters
    in its ASCII form (xn--...). Mail servers without SMTPUTF8 take only that form,
    so the confirmation and reset mails reach it, and signing in with either form finds
    the one account."""
    email = (email or "").strip().lower()
    if not email.isascii():
        try:
            ascii_email = validate_email(email, check_deliverability=False).ascii_email
        except EmailNotValidError:
            return email
        if ascii_email:  # None when the part before the @ is not ASCII
            return ascii_email.lower()
    return email


def find_user(email):
    return db.session.scalar(select(User).where(User.email == normalize_email(email)))


def create_user(email, password, *, name_ko="", name_en="", locale="ko", **extra):
    email = normalize_email(email)
    if find_user(email) is not None:
        raise AccountError(_("An account with this e-mail address already exists."))
    user = User(email=email, name_ko=name_ko or "", name_en=name_en or "", locale=locale, **extra)
    user.set_password(password)
    # Two sign-ups with one address can both pass the check above; the unique
    # key decides. The savepoint undoes only this insert, so the loser gets
    # the same answer as if it had come second, and the caller's
    # transaction stays usable.
    try:
        with db.session.begin_nested():
            db.session.add(user)
    except IntegrityError:
        if find_user(email) is None:
            raise
        raise AccountError(_("An account with this e-mail address already exists.")) from None
    audit.record("user.created", user, user=user, data={"email": email})
    return user


def _recent_failures(email, remote_addr):
    window = timedelta(seconds=current_app.config["LOGIN_FAILURE_WINDOW_SECONDS"])
    since = utcnow() - window
    by_email = db.session.scalar(
        select(func.count()).where(LoginAttempt.email == email, LoginAttempt.created_at >= since)
    )
    by_addr = db.session.scalar(
        select(func.count()).where(
            LoginAttempt.remote_addr == remote_addr, LoginAttempt.created_at >= since
        )
    )
    return by_email, by_addr


def login_blocked(email, remote_addr, pending=0):
    """Too many recent failures for this address or this client. `pending`: attempts
    of the asking request already recorded (and so counted) as failures."""
    limit = current_app.config["LOGIN_MAX_FAILURES"]
    by_email, by_addr = _recent_failures(normalize_email(email), remote_addr)
    # A client may mistype several accounts; allow it a little more room.
    return by_email - pending >= limit or by_addr - pending >= limit * 4


@functools.cache
def _unknown_account_hash():
    return generate_password_hash(secrets.token_hex(16))


def _counted_attempt(email, remote_addr):
    """Record a password attempt for `email`, refused (AccountError) once there are too
    many. The attempt counts as a failure from before its password is checked,
    committed at once: guesses sent together (to several workers) each see those
    committed before them, so no more than the limit get a password checked. Counted
    only after the check, they all saw the same few failures and were all tried."""
    maybe_prune_login_attempts()
    attempt = LoginAttempt(email=email, remote_addr=remote_addr)
    db.session.add(attempt)
    db.session.commit()
    if login_blocked(email, remote_addr, pending=1):
        # A refused attempt tries no password: it does not prolong the wait. (By its
        # id: a sign-in meanwhile may have cleared the account's failures already.)
        db.session.execute(delete(LoginAttempt).where(LoginAttempt.id == attempt.id))
        db.session.commit()
        raise AccountError(_lockout_message(email, remote_addr))
    return attempt


def _lockout_lifts(column, value, limit):
    """When failures matching `column == value` fall below `limit` again, or None
    while they are fewer: the oldest failures leave the window one by one, and the
    lock lifts as the one leaves that brings the count under the limit."""
    window = timedelta(seconds=current_app.config["LOGIN_FAILURE_WINDOW_SECONDS"])
    since = utcnow() - window
    times = db.session.scalars(
        select(LoginAttempt.created_at)
        .where(column == value, LoginAttempt.created_at >= since)
        .order_by(LoginAttempt.created_at.desc())
    ).all()
    return times[limit - 1] + window if len(times) >= limit else None


def _lockout_message(email, remote_addr):
    """How long to wait, counted, rather than "a few minutes" (the window is 15): and
    when the account's own failures hold it, that a new password lifts the lock."""
    limit = current_app.config["LOGIN_MAX_FAILURES"]
    by_email = _lockout_lifts(LoginAttempt.email, email, limit)
    by_addr = _lockout_lifts(LoginAttempt.remote_addr, remote_addr, limit * 4)
    lifts = max(moment for moment in (by_email, by_addr, utcnow()) if moment is not None)
    minutes = max(1, -(-int((lifts - utcnow()).total_seconds()) // 60))
    if by_email is not None and (by_addr is None or by_addr <= by_email):
        return ngettext(
            "Too many failed attempts. Try again in %(num)s minute, or choose a new "
            "password with “Forgot your password?”.",
            "Too many failed attempts. Try again in %(num)s minutes, or choose a new "
            "password with “Forgot your password?”.",
            minutes,
        )
    return ngettext(
        "Too many failed attempts. Try again in %(num)s minute.",
        "Too many failed attempts. Try again in %(num)s minutes.",
        minutes,
    )


def check_confirming_password(user, password, remote_addr):
    """Whoever confirms an address gives the password chosen at sign-up. Owning the
    mailbox is not enough: someone else may have signed up with the address, and
    confirming would make their password open an account in the owner's name.
    Wrong guesses count against the sign-in limit. Raises AccountError."""
    _counted_attempt(user.email, remote_addr)
    if not user.check_password(password):
        raise AccountError(_("This is not the password chosen when signing up."))
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.email == user.email))
    db.session.commit()


def authenticate(email, password, remote_addr):
    """Return the user, or raise AccountError with a message to show."""
    email = normalize_email(email)
    attempt = _counted_attempt(email, remote_addr)
    user = find_user(email)
    if user is None:
        # As slow as a wrong password, so the answer time does not tell
        # whether an account exists.
        check_password_hash(_unknown_account_hash(), password)
    if user is None or not user.check_password(password) or not user.is_active:
        raise AccountError(_("Wrong e-mail address or password."))
    if not user.email_confirmed:
        # Told only to whoever knows the password. It was right: not a failure.
        db.session.execute(delete(LoginAttempt).where(LoginAttempt.id == attempt.id))
        db.session.commit()
        raise EmailNotConfirmed(
            _(
                "Please confirm your e-mail address first: open the link in the mail we "
                "sent you when you signed up."
            )
        )
    # A success clears this account's failures so a later typo is not punished.
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.email == email))
    audit.record("user.login", user, user=user)
    db.session.commit()
    return user


def prune_login_attempts():
    """Forget failures older than the window; they no longer count."""
    cutoff = utcnow() - timedelta(seconds=current_app.config["LOGIN_FAILURE_WINDOW_SECONDS"])
    return db.session.execute(delete(LoginAttempt).where(LoginAttempt.created_at < cutoff)).rowcount


# Monotonic time of this process's last prune. Only logins add failures, so
# pruning from the login itself keeps the table small exactly when it grows,
# and needs no scheduler; the per-process clock keeps it to one cheap DELETE
# per interval however many logins arrive.
_last_prune = None


def maybe_prune_login_attempts():
    global _last_prune
    now = time.monotonic()
    interval = current_app.config["LOGIN_PRUNE_INTERVAL_SECONDS"]
    if _last_prune is not None and now - _last_prune < interval:
        return False
    _last_prune = now
    prune_login_attempts()
    db.session.commit()
    return True


def _serializer(purpose):
    # The salt keeps each kind of link to its purpose: a reset link confirms no
    # address, a confirmation link resets no password.
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=purpose)


def _load_token(purpose, token, max_age, *, expired, invalid):
    try:
        return _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired as error:
        raise AccountError(expired) from error
    except BadSignature as error:
        raise AccountError(invalid) from error


def make_reset_token(user):
    # Binding the token to the current hash makes it single-use: once the
    # password changes, the old link stops working.
    return _serializer("password-reset").dumps({"uid": user.id, "ph": user.password_hash[-16:]})


def user_from_reset_token(token):
    data = _load_token(
        "password-reset",
        token,
        current_app.config["PASSWORD_RESET_MAX_AGE_SECONDS"],
        expired=_("This reset link has expired. Please ask for a new one."),
        invalid=_("This reset link is not valid."),
    )
    user = db.session.get(User, data.get("uid"))
    if user is None or user.password_hash[-16:] != data.get("ph"):
        raise AccountError(_("This reset link has already been used."))
    if not user.is_active:
        # Shut for a reason: a new password would not let its owner in anyway, and
        # it would confirm the address of an account nobody may use.
        raise AccountError(_("This reset link is not valid."))
    return user


# Reset mails per address within the window; more requests are dropped quietly
# so that nobody can flood someone's inbox through the reset form.
RESET_MAILS_PER_WINDOW = 3
RESET_MAIL_WINDOW = timedelta(minutes=15)


def _recent_mails(address, kind):
    return db.session.scalar(
        select(func.count())
        .select_from(OutboxMessage)
        .where(
            OutboxMessage.recipient == address,
            OutboxMessage.kind == kind,
            OutboxMessage.created_at >= utcnow() - RESET_MAIL_WINDOW,
        )
    )


def request_password_reset(email, remote_addr):
    """Queue a reset mail when the account exists; say nothing either way."""
    user = find_user(email)
    if (
        user is None
        # Its link could only lead to "Please sign in", and signing in to a refusal.
        or not user.is_active
        or _recent_mails(user.email, "password_reset") >= RESET_MAILS_PER_WINDOW
    ):
        return None
    link = mail_link("accounts.reset_password", token=make_reset_token(user))
    # In the account's language, not the language of whoever asked.
    with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        text = render_template(
            "accounts/mail/reset.txt",
            user=user,
            link=link,
            minutes=current_app.config["PASSWORD_RESET_MAX_AGE_SECONDS"] // 60,
        )
        subject = _("Reset your KICXUP password")
    queue_mail(user.email, subject, text, kind="password_reset")
    audit.record("user.reset_requested", user, data={"remote_addr": remote_addr})
    db.session.commit()
    return user


def reset_password(user, password):
    """Set the new password. Every other session of the user ends (its stamp no
    longer matches), and failed logins no longer lock the account out."""
    user.set_password(password)
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.email == user.email))
    audit.record("user.password_reset", user, user=user)
    # The link came to the address (an invitation's too): that proves it is theirs.
    _mark_confirmed(user, "password_reset")
    db.session.commit()


def change_password(user, current, password, remote_addr):
    """A signed-in person changes their password, giving the current one (a session
    left open elsewhere does not let someone else lock the owner out). Wrong
    guesses count against the sign-in limit. Other sessions end, as after a reset.
    Raises AccountError; commits."""
    _counted_attempt(user.email, remote_addr)
    if not user.check_password(current):
        raise AccountError(_("Your current password is not right."))
    user.set_password(password)
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.email == user.email))
    audit.record("user.password_changed", user, user=user)
    db.session.commit()


# -- e-mail confirmation ----------------------------------------------------------------------

# Per address within RESET_MAIL_WINDOW, the sign-up's own mail included; like the
# reset mails, more requests are dropped quietly (counted in the outbox, so across
# every worker).
CONFIRMATION_MAILS_PER_WINDOW = 3


def make_confirmation_token(user):
    # Bound to the password too: a later sign-up with the address takes the
    # unconfirmed account over with a new password, and the earlier link stops working.
    return _serializer("email-confirmation").dumps(
        {"uid": user.id, "em": user.email, "ph": user.password_hash[-16:]}
    )


def user_from_confirmation_token(token):
    data = _load_token(
        "email-confirmation",
        token,
        current_app.config["EMAIL_CONFIRMATION_MAX_AGE_SECONDS"],
        expired=_("This confirmation link has expired. We can send you a new one."),
        invalid=_("This confirmation link is not valid. We can send you a new one."),
    )
    user = db.session.get(User, data.get("uid"))
    if (
        user is None
        or user.email != data.get("em")
        or user.password_hash[-16:] != data.get("ph")
        or not user.is_active
    ):
        raise AccountError(_("This confirmation link is not valid. We can send you a new one."))
    return user


def _queue_confirmation_mail(user, next_url=None):
    link = mail_link(
        "accounts.confirm_email", token=make_confirmation_token(user), next=next_url or None
    )
    with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        text = render_template(
            "accounts/mail/confirm.txt",
            user=user,
            link=link,
            hours=current_app.config["EMAIL_CONFIRMATION_MAX_AGE_SECONDS"] // 3600,
        )
        subject = _("Confirm your e-mail address for KICXUP")
    queue_mail(user.email, subject, text, kind="email_confirmation")


# "Someone tried to sign up with your address" mails per address within
# RESET_MAIL_WINDOW; more are dropped quietly, as the confirmation mails are.
SIGNUP_NOTICE_MAILS_PER_WINDOW = 3


def sign_up(
    email, password, *, name_ko="", name_en="", locale="ko", next_url=None, remote_addr="-"
):
    """The sign-up form, answered alike for every address (the answer must not tell
    whether an address has an account, nor let a stranger keep its owner out):

    - a new address gets an unconfirmed account and the mail that confirms it;
    - an unconfirmed account is taken over: only the mailbox owner can use the link,
      so whoever signed up before without confirming has no claim on the address.
      It gets this sign-up's password, names and language and a new link; the
      earlier links stop working (they are bound to the password);
    - a confirmed account is left as it is; its owner is told by mail that someone
      tried to sign up, and where to reset a forgotten password.

    Committed. `next_url`: where the confirmation link leads once signed in."""
    email = normalize_email(email)
    user = find_user(email)
    if user is None:
        try:
            # null(), not None: None would leave the column to its default, confirmed.
            user = create_user(
                email,
                password,
                name_ko=name_ko,
                name_en=name_en,
                locale=locale,
                email_confirmed_at=null(),
            )
        except AccountError:
            # A sign-up with the address at the same moment made it first.
            user = find_user(email)
        else:
            _queue_confirmation_mail(user, next_url)
            audit.record("user.confirmation_sent", user, user=user)
            db.session.commit()
            return user
    # Locked: the earlier link confirming at this moment, or a second sign-up,
    # waits for this one (and then finds the link dead or the account confirmed).
    user = db.session.scalar(
        select(User)
        .where(User.id == user.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    # A take-over whose link cannot go out now (too many mails) would leave nobody
    # a working link: the account then stays as it is until the window has passed.
    if (
        user.is_active
        and not user.email_confirmed
        and _recent_mails(user.email, "email_confirmation") < CONFIRMATION_MAILS_PER_WINDOW
    ):
        _take_over_unconfirmed(user, password, name_ko, name_en, locale, next_url, remote_addr)
    else:
        # As slow as the answers that hash a password.
        generate_password_hash(password)
        if user.email_confirmed:
            _queue_signup_notice(user, remote_addr)
    db.session.commit()
    return None


def _take_over_unconfirmed(user, password, name_ko, name_en, locale, next_url, remote_addr):
    user.set_password(password)
    user.name_ko = name_ko or ""
    user.name_en = name_en or ""
    user.locale = locale
    audit.record("user.signup_replaced", user, user=user, data={"remote_addr": remote_addr})
    _queue_confirmation_mail(user, next_url)
    audit.record("user.confirmation_sent", user, user=user)


def _queue_signup_notice(user, remote_addr):
    if not user.is_active or (
        _recent_mails(user.email, "signup_existing") >= SIGNUP_NOTICE_MAILS_PER_WINDOW
    ):
        return
    link = mail_link("accounts.request_reset")
    with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        text = render_template("accounts/mail/signup_existing.txt", user=user, link=link)
        subject = _("Someone tried to sign up for KICXUP with your address")
    queue_mail(user.email, subject, text, kind="signup_existing")
    audit.record("user.signup_attempted", user, data={"remote_addr": remote_addr})


def request_confirmation_mail(email, remote_addr):
    """Mail a new confirmation link when an unconfirmed account has this address;
    say nothing either way."""
    user = find_user(email)
    if (
        user is None
        or user.email_confirmed
        # Its link is refused (user_from_confirmation_token): a dead end, mailed.
        or not user.is_active
        or _recent_mails(user.email, "email_confirmation") >= CONFIRMATION_MAILS_PER_WINDOW
    ):
        return None
    _queue_confirmation_mail(user)
    audit.record("user.confirmation_sent", user, data={"remote_addr": remote_addr})
    db.session.commit()
    return user


def _mark_confirmed(user, by, *, password_hash=None):
    """Confirm the address unless it already is; True when this call did. One
    conditional UPDATE, so of two confirmations at once only one counts.
    `password_hash`: confirm only while the account still has it."""
    query = update(User).where(User.id == user.id, User.email_confirmed_at.is_(None))
    if password_hash is not None:
        query = query.where(User.password_hash == password_hash)
    confirmed = db.session.execute(
        query.values(email_confirmed_at=utcnow()).execution_options(synchronize_session=False)
    ).rowcount
    if not confirmed:
        return False
    db.session.refresh(user, ["email_confirmed_at"])
    audit.record("user.email_confirmed", user, user=user, data={"by": by})
    return True


def confirm_email(user):
    """The link of the confirmation mail was opened. Committed. False when the
    address was confirmed already (the link then signs nobody in)."""
    # Its link was checked against the password before; a sign-up taking the account
    # over since then (new password, new link) makes this old link confirm nothing.
    confirmed = _mark_confirmed(user, "link", password_hash=user.password_hash)
    db.session.commit()
    return confirmed


def update_profile(user, **fields):
    """Save the user's own profile fields (the profile form, the header's
    language switch); the audit entry names each change with its old value."""
    before = {
        key: getattr(user, key) for key, value in fields.items() if getattr(user, key) != value
    }
    for key in before:
        setattr(user, key, fields[key])
    if before:
        audit.record(
            "user.updated",
            user,
            user=user,
            data={
                "fields": sorted(before),
                "from": before,
                "to": {key: fields[key] for key in before},
            },
        )
    db.session.commit()
    return {key: fields[key] for key in before}


# -- unconfirmed accounts ------------------------------------------------------------------------

# Why an unconfirmed account is kept, by the column that refers to it (the command's
# report is in English, as every command's). The columns are found in the schema, so
# a table added later keeps accounts too, under its own name, until it is named here.
ACCOUNT_LINKS = {
    "audit_entries.user_id": "acted in the audit log",
    "badges.user_id": "a badge",
    "booth_plan_proposals.created_by_id": "booth placements proposed",
    "calendar_feeds.user_id": "a calendar feed",
    "checkin_devices.created_by_id": "scanner devices set up",
    "checkin_lead_consents.user_id": "contact sharing chosen",
    "checkin_leads.captured_by_id": "leads captured",
    "checkin_leads.user_id": "a lead of an exhibitor",
    "checkin_scans.user_id": "scans made",
    "event_roles.user_id": "a role at an event",
    "meeting_plans.created_by_id": "meeting schedules computed",
    "meeting_requests.requested_by_id": "meeting requests made",
    "meeting_requests.responded_by_id": "meeting requests answered",
    "meetings.cancelled_by_id": "meetings cancelled",
    "meetings.scheduled_by_id": "meetings scheduled",
    "team_invitations.invited_by_id": "team invitations sent",
    "team_invitations.user_id": "a team invitation",
}


@dataclass
class Purge:
    """What `purge_unconfirmed` did: accounts removed, and those kept by reason (an
    account kept for two reasons counts under both)."""

    cutoff: object
    removed: int = 0
    kept: int = 0
    mail_cancelled: int = 0
    reasons: Counter = field(default_factory=Counter)


def _links_to_accounts():
    """(reason, column) of every column of another row that refers to an account."""
    users = User.__table__
    for table in db.metadata.sorted_tables:
        for foreign_key in table.foreign_keys:
            if foreign_key.column.table is users:
                name = f"{table.name}.{foreign_key.parent.name}"
                yield ACCOUNT_LINKS.get(name, f"rows of {name}"), foreign_key.parent


def _attached(column, candidates):
    """Ids among `candidates` (a subquery) that `column` refers to. The entries the
    sign-up wrote about the account itself (created, link mailed) hold nobody back:
    every unconfirmed account has them."""
    query = select(column).where(column.in_(candidates)).distinct()
    if column.table is audit.AuditEntry.__table__:
        query = query.where(
            ~(
                (audit.AuditEntry.object_type == "User")
                & (audit.AuditEntry.object_id == cast(column, String))
            )
        )
    return set(db.session.scalars(query))


def purge_unconfirmed(days):
    """Delete the accounts whose address was never confirmed, signed up more than
    `days` ago, with nothing attached. Not committed; one audit entry when any is
    removed.

    Kept, and counted by reason: any row of another table that refers to the
    account (deleting the account would delete a role, a badge or a lead with it, or
    forget who did something); a link to a company; an administrator's or a
    deactivated account (deleting it would free the address for anybody); and one
    mailed a confirmation link within the `days` (a sign-up taking the account
    over, or a new link asked for: its owner may be about to confirm).

    The candidates are locked first: a role given or an address confirmed at this
    moment either waits for the purge or is seen by it.
    """
    purge = Purge(cutoff=utcnow() - timedelta(days=days))
    unconfirmed = (User.email_confirmed_at.is_(None), User.created_at < purge.cutoff)
    candidates = set(db.session.scalars(select(User.id).where(*unconfirmed).with_for_update()))
    if not candidates:
        return purge
    in_purge = select(User.id).where(*unconfirmed).scalar_subquery()
    keep = {}
    for reason, column in _links_to_accounts():
        for user_id in _attached(column, in_purge):
            keep.setdefault(user_id, set()).add(reason)
    for reason, condition in (
        ("linked to a company", User.organization_id.is_not(None)),
        ("an administrator", User.is_admin.is_(True)),
        ("deactivated", User.active.is_(False)),
    ):
        for user_id in db.session.scalars(select(User.id).where(*unconfirmed, condition)):
            keep.setdefault(user_id, set()).add(reason)
    mailed = select(audit.AuditEntry.object_id).where(
        audit.AuditEntry.action == "user.confirmation_sent",
        audit.AuditEntry.object_type == "User",
        audit.AuditEntry.created_at >= purge.cutoff,
    )
    for object_id in db.session.scalars(mailed.distinct()):
        if object_id.isdigit() and int(object_id) in candidates:
            keep.setdefault(int(object_id), set()).add("a confirmation link mailed recently")

    removed = sorted(candidates - set(keep))
    for start in range(0, len(removed), 500):
        chunk = removed[start : start + 500]
        addresses = list(db.session.scalars(select(User.email).where(User.id.in_(chunk))))
        # Mail still waiting for them (a link, a retry's backoff) is not sent: the
        # address is free now, for a new sign-up whose link it is not.
        purge.mail_cancelled += db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.recipient.in_(addresses), OutboxMessage.status == "pending")
            .values(status="cancelled", last_error="account removed: never confirmed")
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.execute(
            delete(User).where(User.id.in_(chunk)).execution_options(synchronize_session=False)
        )
    purge.removed, purge.kept = len(removed), len(keep)
    for reasons in keep.values():
        purge.reasons.update(reasons)
    if removed:
        audit.record(
            "user.unconfirmed_purged",
            object_type="User",
            data={
                "days": days,
                "removed": purge.removed,
                "kept": purge.kept,
                "accounts": removed,
                "mail_cancelled": purge.mail_cancelled,
            },
        )
    return purge
