"""Queueing and delivering e-mail through the outbox."""

import smtplib
import uuid
from datetime import timedelta
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import current_app
from sqlalchemy import or_, select, update

from eventapp.core.db import utcnow
from eventapp.extensions import db
from eventapp.notifications.models import OutboxMessage

CLAIM_SECONDS = 300


def build_message(recipient, subject, text, *, html=None, alternatives=(), attachments=()):
    """An EmailMessage with a text body, optional HTML, extra text alternatives
    such as `text/calendar; method=REQUEST`, and attachments.

    alternatives: (text, subtype, params)   e.g. (ics, "calendar", {"method": "REQUEST"})
    attachments: (content bytes, maintype, subtype, filename)
    """
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = recipient
    message["Subject"] = subject
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


def queue_mail(recipient, subject, text, *, event=None, kind="notice", **parts):
    """Add a message to the outbox in the caller's transaction."""
    message = build_message(recipient, subject, text, **parts)
    row = OutboxMessage(
        recipient=recipient,
        subject=subject,
        kind=kind,
        raw=message.as_bytes(policy=SMTP),
        event_id=getattr(event, "id", event),
    )
    db.session.add(row)
    return row


def _claim_batch(limit):
    """Mark up to `limit` due messages as ours for a while and return them."""
    now = utcnow()
    due = (
        select(OutboxMessage.id)
        .where(OutboxMessage.status == "pending")
        .where(or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now))
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    if db.engine.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    ids = list(db.session.scalars(due))
    if not ids:
        db.session.commit()
        return []
    token_until = now + timedelta(seconds=CLAIM_SECONDS)
    # The guarded UPDATE makes the claim safe even where SKIP LOCKED is absent.
    claimed = []
    for message_id in ids:
        result = db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.status == "pending")
            .where(or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now))
            .values(claimed_until=token_until)
        )
        if result.rowcount:
            claimed.append(message_id)
    db.session.commit()
    return [db.session.get(OutboxMessage, i) for i in claimed]


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
        if config["MAIL_USE_TLS"]:
            self.smtp.starttls()
        if config["MAIL_USERNAME"]:
            self.smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        self.sender = config["MAIL_FROM"]

    def send(self, row):
        self.smtp.sendmail(self.sender, [row.recipient], row.raw)

    def close(self):
        try:
            self.smtp.quit()
        except smtplib.SMTPException:
            pass


def _transport():
    config = current_app.config
    if config.get("MAIL_SERVER"):
        return _SMTPTransport(config)
    return _FileTransport(config["MAIL_FILE_DIR"])


def send_pending(limit=100):
    """Deliver due messages; returns (sent, failed). Safe to run from many workers."""
    batch = _claim_batch(limit)
    if not batch:
        return 0, 0
    sent = failed = 0
    transport = _transport()
    try:
        for row in batch:
            try:
                transport.send(row)
            except (OSError, smtplib.SMTPException) as error:
                row.attempts += 1
                row.last_error = str(error)[:2000]
                row.claimed_until = None
                if row.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
                    row.status = "failed"
                failed += 1
            else:
                row.attempts += 1
                row.status = "sent"
                row.sent_at = utcnow()
                sent += 1
            db.session.commit()
    finally:
        transport.close()
    return sent, failed
