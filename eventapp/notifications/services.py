"""Queueing and delivering e-mail through the outbox."""

import re
import smtplib
import uuid
from dataclasses import dataclass
from datetime import timedelta
from email.header import Header
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import current_app, has_request_context, url_for
from markupsafe import escape
from sqlalchemy import func, or_, select, update

from eventapp.core.db import utcnow
from eventapp.core.i18n import current_language
from eventapp.extensions import db
from eventapp.notifications.models import OutboxMessage

CLAIM_SECONDS = 300
# Seven-bit bodies (quoted-printable or base64 where Korean text needs it): an
# 8bit body would need BODY=8BITMIME, which not every relay offers.
MAIL_POLICY = SMTP.clone(cte_type="7bit")


def _header_text(value):
    """`value` made safe for a header: names that people typed end up in subjects.

    A line break would make the header invalid (and the booking or invite that
    sends it fail). And the email package decodes RFC 2047 encoded words in what
    it is given, then writes what they hold as is: a name such as
    "=?utf-8?q?=0D=0ABcc:...?=" would add headers of its own. A zero-width space
    keeps such text from reading as an encoded word and looks the same.
    """
    return " ".join(str(value).split()).replace("=?", "=\u200b?")


def _set_text_header(message, name, value):
    """Set a free-text header such as the subject, folded so that no space is lost.

    The email package folds a long non-ASCII header into encoded words at a space
    and leaves that space out of them; readers drop the whitespace between encoded
    words (RFC 2047), so "미팅, 변경된 시간" arrived as "미팅,변경된 시간". Encoded
    here, the spaces stay inside the encoded words and the lines are written as is.
    """
    if value.isascii():
        message[name] = value
        return
    folded = Header(value, "utf-8", header_name=name).encode(linesep=MAIL_POLICY.linesep)
    message.set_raw(name, folded)


def build_message(recipient, subject, text, *, html=None, alternatives=(), attachments=()):
    """An EmailMessage with a text body, optional HTML, extra text alternatives
    such as `text/calendar; method=REQUEST`, and attachments.

    alternatives: (text, subtype, params)   e.g. (ics, "calendar", {"method": "REQUEST"})
    attachments: (content bytes, maintype, subtype, filename)
    """
    message = EmailMessage(policy=MAIL_POLICY)
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = _header_text(recipient)
    _set_text_header(message, "Subject", _header_text(subject))
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="kicxup.eventapp")
    message.set_content(text)
    if html:
        message.add_alternative(html, subtype="html")
    for content, subtype, params in alternatives:
        message.add_alternative(content, subtype=subtype, params=params or {})
    for content, maintype, subtype, filename in attachments:
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return message


def absolute_url(endpoint, **values):
    """The address of `endpoint` on SERVER_URL, also outside a request (commands,
    workers)."""
    base = current_app.config["SERVER_URL"].rstrip("/")
    if has_request_context():
        return base + url_for(endpoint, **values)
    with current_app.test_request_context():
        return base + url_for(endpoint, **values)


class MailLink:
    """A link for a mail, carrying its reader's language (`?lang=`): opened by a
    reader not signed in, the page followed their browser's language, which may not
    be the one the mail was written in. The language is the one the link is written
    out in, the mail's (`force_locale(reader's language)`), so a link made once for
    a mail sent to many people reads right in each one's mail."""

    def __init__(self, endpoint, values):
        self.endpoint, self.values = endpoint, values

    def __str__(self):
        return absolute_url(self.endpoint, **self.values, lang=current_language())

    def __html__(self):
        return str(escape(str(self)))

    def __repr__(self):
        return f"<MailLink {self.endpoint} {self.values}>"


def mail_link(endpoint, **values):
    """The link to `endpoint` to put into a mail (see MailLink)."""
    return MailLink(endpoint, values)


def queue_mail(recipient, subject, text, *, event=None, kind="notice", **parts):
    """Add a message to the outbox in the caller's transaction."""
    message = build_message(recipient, subject, text, **parts)
    # The row's subject only lists the message (the mail carries it whole): names of
    # an event, a person and a company together can outgrow the column, which
    # PostgreSQL refuses, failing the action that sends the mail.
    limit = OutboxMessage.subject.type.length
    if len(subject) > limit:
        subject = subject[: limit - 1] + "…"
    row = OutboxMessage(
        recipient=recipient,
        subject=subject,
        kind=kind,
        raw=message.as_bytes(),
        event_id=getattr(event, "id", event),
    )
    db.session.add(row)
    return row


@dataclass(frozen=True)
class _Claimed:
    """What a sender needs of a claimed row, copied out of the session: the
    send happens between transactions, and reading an expired ORM row there
    would start one (on SQLite, a write-locking one) for the whole send."""

    id: int
    recipient: str
    raw: bytes
    created_at: object
    attempts: int


def _now():
    """The clock claims and retries are measured by. Senders run on several
    machines and compare claims that others wrote: on PostgreSQL that is the
    database's clock, the one they share. By its own clock, a machine that runs
    ahead would see claims still held as expired and send those messages again.
    (An SQLite file is written from one machine only.)"""
    if db.engine.dialect.name == "postgresql":
        return db.session.scalar(select(func.clock_timestamp()))
    return utcnow()


def _due(now):
    return (
        (OutboxMessage.status == "pending")
        & or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now)
        & or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now)
    )


def _claim_batch(limit, token):
    """Mark up to `limit` due messages as claimed by `token` and return them."""
    now = _now()
    due = select(OutboxMessage.id).where(_due(now)).order_by(OutboxMessage.id).limit(limit)
    if db.engine.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    ids = list(db.session.scalars(due))
    if not ids:
        db.session.commit()
        return []
    # The guarded UPDATE makes the claim safe even where SKIP LOCKED is absent.
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids), _due(now))
        .values(claim_token=token, claimed_until=now + timedelta(seconds=CLAIM_SECONDS))
        .execution_options(synchronize_session=False)
    )
    claimed = []
    if result.rowcount:
        rows = db.session.execute(
            select(
                OutboxMessage.id,
                OutboxMessage.recipient,
                OutboxMessage.raw,
                OutboxMessage.created_at,
                OutboxMessage.attempts,
            )
            .where(OutboxMessage.claim_token == token, OutboxMessage.status == "pending")
            .order_by(OutboxMessage.id)
        )
        claimed = [_Claimed(*row) for row in rows]
    db.session.commit()
    return claimed


def _renew_claim(message, token):
    """True when the row is still ours; then it stays ours for CLAIM_SECONDS more.

    Checked right before each send: the batch was claimed at the start, and a
    slow batch can outlive the claim and see its rows taken by another sender.
    """
    result = db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message.id,
            OutboxMessage.claim_token == token,
            OutboxMessage.status == "pending",
        )
        .values(claimed_until=_now() + timedelta(seconds=CLAIM_SECONDS))
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


def retry_delay(attempts):
    """Seconds to wait after the `attempts`-th failure: doubling, with a ceiling."""
    config = current_app.config
    base = config["MAIL_RETRY_BASE_SECONDS"]
    return min(base * 2 ** max(attempts - 1, 0), config["MAIL_RETRY_MAX_SECONDS"])


def _finish(message, token, **values):
    """Write the outcome of an attempt, only if the row is still ours."""
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message.id, OutboxMessage.claim_token == token)
        .values(claim_token=None, claimed_until=None, **values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if not result.rowcount:
        current_app.logger.warning(
            "outbox message %s was claimed by another sender before its result was stored",
            message.id,
        )
    return bool(result.rowcount)


def _record_failure(message, token, error, *, permanent=False):
    """Count a failed attempt: retried later with back-off, or given up when the
    attempts are used up or no retry can succeed (`permanent`)."""
    attempts = message.attempts + 1
    exhausted = permanent or attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]
    return _finish(
        message,
        token,
        attempts=attempts,
        last_error=str(error)[:2000] or error.__class__.__name__,
        status="failed" if exhausted else "pending",
        next_attempt_at=None if exhausted else _now() + timedelta(seconds=retry_delay(attempts)),
    )


# RFC 3463 5.1.x: the address itself is bad (no such mailbox, no such domain, bad
# syntax). Other permanent refusals, such as relaying denied (5.7.1), are often the
# relay's settings, put right within the retries.
_BAD_ADDRESS = re.compile(rb"5\.1\.\d{1,3}\b")


def _address_refused_for_good(error):
    """Whether the server refused the recipient's address as one that does not exist:
    no retry delivers it, and retrying it for hours only hides the typo."""
    if not isinstance(error, smtplib.SMTPRecipientsRefused) or not error.recipients:
        return False
    return all(
        500 <= code < 600 and _BAD_ADDRESS.match(text if isinstance(text, bytes) else text.encode())
        for code, text in error.recipients.values()
    )


def requeue_failed(hours):
    """Put the messages given up on in the last `hours` back in the queue, their
    attempts counted afresh; returns how many. A mail server down for longer than
    the retries last (a relay whose password expired overnight) failed every
    message queued meanwhile, and nothing short of editing the database sent them.
    Older ones stay failed: a reminder of a meeting that is over helps nobody."""
    since = _now() - timedelta(hours=hours)
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == "failed", OutboxMessage.created_at >= since)
        .values(
            status="pending", attempts=0, next_attempt_at=None, claim_token=None, claimed_until=None
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount


def _release(token):
    """Give back whatever this sender claimed and did not get to."""
    try:
        db.session.rollback()
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.claim_token == token, OutboxMessage.status == "pending")
            .values(claim_token=None, claimed_until=None)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
    except Exception:  # the claims expire by themselves; the original error matters more
        db.session.rollback()
        current_app.logger.exception("could not release outbox claims")


class _FileTransport:
    """Development delivery: each message becomes an .eml file."""

    def __init__(self, directory):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)

    def send(self, row):
        name = f"{row.created_at:%Y%m%d-%H%M%S}-{row.id}-{uuid.uuid4().hex[:6]}.eml"
        (self.directory / name).write_bytes(row.raw)

    def close(self):
        pass


class _SMTPTransport:
    def __init__(self, config):
        cls = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
        self.smtp = cls(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"])
        try:
            if config["MAIL_USE_TLS"]:
                self.smtp.starttls()
            if config["MAIL_USERNAME"]:
                self.smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        except BaseException:
            self.smtp.close()  # a refused TLS or login must not leak the socket
            raise
        self.sender = config["MAIL_FROM"]

    def send(self, row):
        try:
            self.smtp.sendmail(self.sender, [row.recipient], row.raw)
        except (UnicodeError, ValueError):
            # Failed halfway through a command: start the next message afresh.
            try:
                self.smtp.rset()
            except (OSError, smtplib.SMTPException):
                pass
            raise

    def close(self):
        try:
            self.smtp.quit()
        except (OSError, smtplib.SMTPException):
            # The messages are already recorded; a connection that dies on
            # QUIT must not turn the batch into an error.
            self.smtp.close()


def _transport():
    config = current_app.config
    if config.get("MAIL_SERVER"):
        return _SMTPTransport(config)
    return _FileTransport(config["MAIL_FILE_DIR"])


def send_pending(limit=100):
    """Deliver due messages; returns (sent, failed). Safe to run from many workers."""
    token = uuid.uuid4().hex
    batch = _claim_batch(limit, token)
    if not batch:
        return 0, 0
    sent = failed = 0
    try:
        try:
            transport = _transport()
        except (OSError, smtplib.SMTPException) as error:
            # An unreachable server is a failed attempt for every claimed
            # message: counted, backed off, and the claims given back.
            current_app.logger.warning("mail server unavailable: %s", error)
            for message in batch:
                failed += _record_failure(message, token, error)
            return sent, failed
        try:
            for message in batch:
                if not _renew_claim(message, token):
                    continue
                try:
                    transport.send(message)
                except smtplib.SMTPServerDisconnected as error:
                    # The connection is gone: this message's attempt counts,
                    # the rest of the batch goes back uncounted (released below).
                    failed += _record_failure(message, token, error)
                    _release(token)
                    break
                except (OSError, smtplib.SMTPException) as error:
                    failed += _record_failure(
                        message, token, error, permanent=_address_refused_for_good(error)
                    )
                except (UnicodeError, ValueError) as error:
                    # The message itself cannot be sent (an address SMTP cannot
                    # carry): no retry helps, and it must not block the queue.
                    failed += _record_failure(
                        message, token, f"{error.__class__.__name__}: {error}", permanent=True
                    )
                else:
                    _finish(
                        message,
                        token,
                        attempts=message.attempts + 1,
                        status="sent",
                        sent_at=utcnow(),
                        next_attempt_at=None,
                    )
                    sent += 1
        finally:
            transport.close()
    except BaseException:
        # After an unexpected error the rest of the batch is free again at
        # once instead of after CLAIM_SECONDS.
        _release(token)
        raise
    return sent, failed
