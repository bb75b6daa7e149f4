import email
import email.policy
import socket
import time

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from eventapp.extensions import db
from eventapp.notifications.models import OutboxMessage
from eventapp.notifications.services import queue_mail, send_pending


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, envelope.content))
        return "250 OK"


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server(app):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    saved = {k: app.config[k] for k in ("MAIL_SERVER", "MAIL_PORT")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    yield inbox
    app.config.update(saved)
    controller.stop()


def test_queued_mail_is_delivered_over_smtp(app_ctx, smtp_server):
    queue_mail("someone@example.org", "Hello 안녕하세요", "Body text 본문", kind="test")
    db.session.commit()
    assert send_pending() == (1, 0)
    for _ in range(50):
        if smtp_server.messages:
            break
        time.sleep(0.05)
    recipients, raw = smtp_server.messages[0]
    assert recipients == ["someone@example.org"]
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["Subject"] == "Hello 안녕하세요"
    assert "본문" in message.get_body().get_content()
    row = db.session.scalar(select(OutboxMessage))
    assert row.status == "sent" and row.sent_at is not None
    # Sending again delivers nothing twice.
    assert send_pending() == (0, 0)


def test_without_smtp_messages_become_eml_files(app_ctx, tmp_path):
    app_ctx.config["MAIL_FILE_DIR"] = str(tmp_path)
    queue_mail("a@example.org", "Subject", "Text")
    db.session.commit()
    assert send_pending() == (1, 0)
    files = list(tmp_path.glob("*.eml"))
    assert len(files) == 1
    assert email.message_from_bytes(files[0].read_bytes())["To"] == "a@example.org"


def test_failed_delivery_is_kept_and_retried(app_ctx):
    app_ctx.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=_free_port(), MAIL_TIMEOUT=2)
    try:
        queue_mail("b@example.org", "Subject", "Text")
        db.session.commit()
        with pytest.raises(OSError):
            send_pending()
        row = db.session.scalar(select(OutboxMessage))
        assert row.status == "pending"
    finally:
        app_ctx.config.update(MAIL_SERVER=None, MAIL_PORT=25)


def test_calendar_alternative_and_attachment(app_ctx):
    row = queue_mail(
        "c@example.org",
        "Invite",
        "See attached",
        alternatives=[("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "calendar", {"method": "REQUEST"})],
        attachments=[(b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text", "calendar", "invite.ics")],
    )
    message = email.message_from_bytes(row.raw, policy=email.policy.default)
    types = [part.get_content_type() for part in message.walk()]
    assert "text/calendar" in types
    calendar_part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    assert calendar_part.get_param("method") == "REQUEST"
    assert any(p.get_filename() == "invite.ics" for p in message.walk())


def test_outbox_cli_sends(app, tmp_path):
    with app.app_context():
        app.config["MAIL_FILE_DIR"] = str(tmp_path)
        queue_mail("d@example.org", "Subject", "Text")
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["outbox", "send"])
    assert "sent 1, failed 0" in result.output
    assert len(list(tmp_path.glob("*.eml"))) == 1
