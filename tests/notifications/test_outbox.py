import asyncio
import email
import email.header
import email.policy
import socket
import threading
import time
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select, update

from eventapp.core.db import utcnow
from eventapp.extensions import db
from eventapp.notifications import services
from eventapp.notifications.models import OutboxMessage
from eventapp.notifications.services import queue_mail, retry_delay, send_pending


class Inbox:
    def __init__(self):
        self.messages = []
        self.delay = 0
        self.port = None
        # address -> the server's answer to RCPT TO (refused addresses)
        self.refuse = {}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
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
    inbox.port = controller.port
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


def wait_for(inbox, count):
    for _ in range(100):
        if len(inbox.messages) >= count:
            break
        time.sleep(0.05)
    return inbox.messages


def test_failed_delivery_is_kept_and_retried(app_ctx, smtp_server, monkeypatch):
    # Nothing listens on this port: the connection itself is refused.
    app_ctx.config["MAIL_PORT"] = _free_port()
    monkeypatch.setitem(app_ctx.config, "MAIL_TIMEOUT", 2)
    queue_mail("b@example.org", "Subject", "Text")
    db.session.commit()
    assert send_pending() == (0, 1)
    row = db.session.scalar(select(OutboxMessage))
    assert row.status == "pending"
    assert row.attempts == 1
    assert row.last_error
    # The claim is given back, and the next attempt waits.
    assert row.claim_token is None and row.claimed_until is None
    assert row.next_attempt_at > services._now()
    assert send_pending() == (0, 0)

    # Later, with the server back, the message goes out.
    app_ctx.config["MAIL_PORT"] = smtp_server.port
    row.next_attempt_at = services._now() - timedelta(seconds=1)
    db.session.commit()
    assert send_pending() == (1, 0)
    row = db.session.scalar(select(OutboxMessage))
    assert row.status == "sent" and row.attempts == 2
    assert [recipients for recipients, _raw in wait_for(smtp_server, 1)] == [["b@example.org"]]


def test_retries_back_off_and_give_up(app_ctx, monkeypatch):
    settings = {
        "MAIL_RETRY_BASE_SECONDS": 60,
        "MAIL_RETRY_MAX_SECONDS": 600,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": _free_port(),
        "MAIL_TIMEOUT": 2,
    }
    for key, value in settings.items():
        monkeypatch.setitem(app_ctx.config, key, value)
    assert [retry_delay(n) for n in range(1, 7)] == [60, 120, 240, 480, 600, 600]

    queue_mail("b@example.org", "Subject", "Text")
    db.session.commit()
    waits = []
    for _ in range(app_ctx.config["MAIL_MAX_ATTEMPTS"]):
        # Retries are timed by the senders' shared clock (the database's on PostgreSQL).
        before = services._now()
        assert send_pending() == (0, 1)
        row = db.session.scalar(select(OutboxMessage))
        if row.next_attempt_at is not None:
            waits.append(round((row.next_attempt_at - before).total_seconds()))
            row.next_attempt_at = services._now() - timedelta(seconds=1)  # let the time pass
            db.session.commit()
    assert waits == [60, 120, 240, 480, 600, 600, 600]
    assert row.status == "failed" and row.attempts == app_ctx.config["MAIL_MAX_ATTEMPTS"]
    assert send_pending() == (0, 0)


class RecordingTransport:
    def __init__(self, on_send=None):
        self.sent = []
        self.on_send = on_send

    def send(self, message):
        self.sent.append(message.id)
        if self.on_send:
            self.on_send(message)

    def close(self):
        pass


def test_a_sender_does_not_send_or_mark_what_another_has_taken(app_ctx, monkeypatch):
    """A claim can expire during a slow batch and be taken by another sender;
    the first one must then leave those messages alone."""
    first = queue_mail("one@example.org", "1", "Text")
    second = queue_mail("two@example.org", "2", "Text")
    db.session.commit()
    first_id, second_id = first.id, second.id

    def taken_meanwhile(message):
        # While the first message is on the wire, another sender claims both.
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_([first_id, second_id]))
            .values(claim_token="other-sender")
        )
        db.session.commit()

    transport = RecordingTransport(on_send=taken_meanwhile)
    monkeypatch.setattr(services, "_transport", lambda: transport)
    assert send_pending() == (1, 0)
    assert transport.sent == [first_id]
    for row in db.session.scalars(select(OutboxMessage)):
        # Neither is marked: the other sender owns them and decides.
        assert (row.status, row.attempts, row.claim_token) == ("pending", 0, "other-sender")


def test_a_sender_whose_clock_runs_ahead_leaves_held_claims_alone(app_ctx, monkeypatch):
    """Senders on several machines: one whose clock is some minutes ahead must not
    see the claims of the others as expired while they are still held."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("an SQLite file is written from one machine: there is one clock")
    queue_mail("one@example.org", "Subject", "Text")
    db.session.commit()
    assert len(services._claim_batch(10, "sender-on-another-machine")) == 1
    ahead = timedelta(seconds=services.CLAIM_SECONDS + 60)
    monkeypatch.setattr(services, "utcnow", lambda: utcnow() + ahead)
    transport = RecordingTransport()
    monkeypatch.setattr(services, "_transport", lambda: transport)
    assert send_pending() == (0, 0)
    assert transport.sent == []
    row = db.session.scalar(select(OutboxMessage))
    assert (row.status, row.claim_token) == ("pending", "sender-on-another-machine")


def test_an_unexpected_error_gives_the_claims_back(app_ctx, monkeypatch):
    for n in range(3):
        queue_mail(f"r{n}@example.org", "Subject", "Text")
    db.session.commit()

    def crash(message):
        raise RuntimeError("bug in a transport")

    monkeypatch.setattr(services, "_transport", lambda: RecordingTransport(on_send=crash))
    with pytest.raises(RuntimeError):
        send_pending()
    rows = list(db.session.scalars(select(OutboxMessage)))
    assert all(r.claim_token is None and r.claimed_until is None for r in rows)
    monkeypatch.setattr(services, "_transport", lambda: RecordingTransport())
    assert send_pending() == (3, 0)


def test_two_senders_at_once_deliver_each_message_exactly_once(app, app_ctx, smtp_server):
    smtp_server.delay = 0.01  # keep both senders busy at the same time
    count = 40
    for n in range(count):
        queue_mail(f"r{n}@example.org", f"Message {n}", "Text")
    db.session.commit()

    start = threading.Barrier(2)
    totals, errors = [], []

    def sender():
        try:
            with app.app_context():
                start.wait()
                total = 0
                while True:
                    sent, failed = send_pending(limit=3)
                    assert failed == 0
                    if not sent:
                        break
                    total += sent
                totals.append(total)
        except Exception as error:  # reported by the main thread
            errors.append(error)

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors
    assert sum(totals) == count
    delivered = [recipients[0] for recipients, _raw in wait_for(smtp_server, count)]
    assert sorted(delivered) == sorted(f"r{n}@example.org" for n in range(count))
    time.sleep(0.2)  # nothing else arrives late
    assert len(smtp_server.messages) == count
    rows = list(db.session.scalars(select(OutboxMessage)))
    assert {(r.status, r.attempts, r.claim_token) for r in rows} == {("sent", 1, None)}


def test_outbox_loop_survives_errors(app, monkeypatch):
    """`flask outbox send --loop` is a service: an error in one batch (the
    database restarting, say) is logged and the next batch runs."""
    outcomes = [RuntimeError("database restarting"), (2, 0), KeyboardInterrupt()]

    def fake_send_pending(limit):
        outcome = outcomes.pop(0)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    monkeypatch.setattr(services, "send_pending", fake_send_pending)
    result = app.test_cli_runner().invoke(args=["outbox", "send", "--loop", "--interval", "0"])
    assert outcomes == []
    assert "batch failed: RuntimeError: database restarting" in result.output
    assert "sent 2, failed 0" in result.output


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


def test_korean_mail_is_seven_bit_for_relays_without_8bitmime(app_ctx):
    invite = "BEGIN:VCALENDAR\r\nSUMMARY:미팅 회의\r\nEND:VCALENDAR\r\n"
    row = queue_mail(
        "k@example.org",
        "초대",
        "짧은 본문",  # short lines: by default sent as 8bit
        html="<p>본문</p>",
        alternatives=[(invite, "calendar", {"method": "REQUEST"})],
    )
    assert row.raw.isascii()
    message = email.message_from_bytes(row.raw, policy=email.policy.default)
    assert message.get_body(("plain",)).get_content().strip() == "짧은 본문"
    calendar_part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    assert "SUMMARY:미팅 회의" in calendar_part.get_content()


def test_outbox_cli_sends(app, tmp_path):
    with app.app_context():
        app.config["MAIL_FILE_DIR"] = str(tmp_path)
        queue_mail("d@example.org", "Subject", "Text")
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["outbox", "send"])
    assert "sent 1, failed 0" in result.output
    assert len(list(tmp_path.glob("*.eml"))) == 1


def test_an_address_smtp_cannot_carry_does_not_block_the_queue(app_ctx, smtp_server):
    # The server offers no SMTPUTF8: smtplib cannot even write this recipient.
    queue_mail("한글@example.org", "Subject", "Text")
    queue_mail("ok@example.org", "Subject", "Text")
    db.session.commit()
    assert send_pending() == (1, 1)
    rows = {r.recipient: r for r in db.session.scalars(select(OutboxMessage))}
    assert (rows["한글@example.org"].status, rows["한글@example.org"].attempts) == ("failed", 1)
    assert "UnicodeEncodeError" in rows["한글@example.org"].last_error
    assert rows["ok@example.org"].status == "sent"
    assert [r for r, _raw in wait_for(smtp_server, 1)] == [["ok@example.org"]]


def test_an_address_that_does_not_exist_is_given_up_at_once(app_ctx, smtp_server):
    """A mistyped address (550 5.1.1, no such user) was tried again for two hours,
    and the outbox called it pending all that time. A refusal that the relay's
    settings may cause (5.7.1, relaying denied) is still retried."""
    smtp_server.refuse = {
        "nobody@example.org": "550 5.1.1 <nobody@example.org>: Recipient address rejected",
        "far@example.net": "554 5.7.1 <far@example.net>: Relay access denied",
    }
    for address in ("nobody@example.org", "far@example.net", "ok@example.org"):
        queue_mail(address, "Subject", "Text")
    db.session.commit()
    assert send_pending() == (1, 2)
    rows = {r.recipient: r for r in db.session.scalars(select(OutboxMessage))}
    assert (rows["nobody@example.org"].status, rows["nobody@example.org"].attempts) == (
        "failed",
        1,
    )
    assert "5.1.1" in rows["nobody@example.org"].last_error
    assert rows["far@example.net"].status == "pending"
    assert rows["far@example.net"].next_attempt_at is not None
    assert rows["ok@example.org"].status == "sent"


def test_a_dropped_connection_gives_the_rest_of_the_batch_back_uncounted(app_ctx, monkeypatch):
    import smtplib

    class DropsAfterOne:
        sent = 0

        def send(self, row):
            if self.sent:
                raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
            self.sent += 1

        def close(self):
            pass

    monkeypatch.setattr(services, "_transport", DropsAfterOne)
    for n in range(5):
        queue_mail(f"p{n}@example.org", "Subject", "Text")
    db.session.commit()
    assert send_pending() == (1, 1)
    rows = list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
    assert [(r.status, r.attempts) for r in rows] == [
        ("sent", 1),
        ("pending", 1),
        ("pending", 0),
        ("pending", 0),
        ("pending", 0),
    ]
    assert all(r.claim_token is None for r in rows)
    # The three untried ones are due at once, not backed off.
    assert all(r.next_attempt_at is None or r.next_attempt_at <= services._now() for r in rows[2:])


def test_line_breaks_in_a_subject_stay_out_of_the_headers(app_ctx):
    message = services.build_message(
        "x@example.org", "Meeting with Alpha\r\nBcc: victim@evil.example", "Text"
    )
    assert message["Subject"] == "Meeting with Alpha Bcc: victim@evil.example"
    assert message["Bcc"] is None
    assert b"\r\nBcc:" not in message.as_bytes()


@pytest.mark.parametrize(
    "subject",
    [
        "=?utf-8?q?=0D=0ABcc:_victim@evil.example?=",
        "Meeting with =?utf-8?q?Alpha=0D=0A=0D=0AClick_here?= now",
        "회의: =?utf-8?b?DQpCY2M6IHZpY3RpbUBldmlsLmV4YW1wbGU=?=",
    ],
)
def test_encoded_words_in_a_subject_add_no_headers(app_ctx, subject):
    # An organization or person may be named like an RFC 2047 encoded word that
    # holds a line break; the email package would decode it and write it as is.
    row = queue_mail("x@example.org", subject, "Text")
    headers = row.raw.split(b"\r\n\r\n", 1)[0]
    assert b"\r\nBcc:" not in headers
    assert b"\r\n\r\n" not in headers
    assert all(line[:1] in b" \t" or b":" in line for line in headers.split(b"\r\n"))
    message = email.message_from_bytes(row.raw, policy=email.policy.default)
    assert message["Bcc"] is None
    assert "\n" not in message["Subject"] and "\r" not in message["Subject"]
    assert message.get_content().strip() == "Text"


@pytest.mark.parametrize(
    "subject",
    [
        # Folded at the space after the comma, which readers then dropped.
        "변경됨: Seoul Angels과(와)의 미팅, 변경된 시간 2025-09-17 13:30–14:00",
        "취소됨: 한국산업단지공단 스마트제조혁신센터과(와)의 미팅, 2025-09-17 13:30–14:00",
        "Updated: meeting with Société Générale Ventures Coréennes, now 2025-09-17 13:30",
        ("가 나 " * 40).strip(),
    ],
)
def test_long_korean_subjects_arrive_with_every_space(app_ctx, smtp_server, subject):
    queue_mail("k@example.org", subject, "본문", kind="test")
    db.session.commit()
    assert send_pending() == (1, 0)
    for _ in range(50):
        if smtp_server.messages:
            break
        time.sleep(0.05)
    _recipients, raw = smtp_server.messages[0]
    headers = raw.split(b"\r\n\r\n", 1)[0]
    assert headers.isascii()
    assert max(len(line) for line in headers.split(b"\r\n")) <= 78
    assert email.message_from_bytes(raw, policy=email.policy.default)["Subject"] == subject
    # The older parser reads the same.
    legacy = email.message_from_bytes(raw)["Subject"]
    assert str(email.header.make_header(email.header.decode_header(legacy))) == subject


@pytest.mark.parametrize(
    "args",
    [
        ["--limit", "-1"],
        ["--limit", "0"],
        ["--limit", "99999999999999999999"],
        ["--loop", "--interval", "-1"],
        ["--loop", "--interval", "1e300"],
        ["--loop", "--interval", "inf"],
        ["--loop", "--interval", "nan"],
    ],
)
def test_send_refuses_a_batch_or_pause_out_of_range(app_ctx, args):
    """A negative limit sent every message at once on SQLite and failed with a
    database error on PostgreSQL; a negative pause ended the service in a traceback,
    as a pause too long to sleep did after the first batch, and a limit longer than
    the database's integers at once."""
    result = app_ctx.test_cli_runner().invoke(args=["outbox", "send", *args])
    assert result.exit_code == 2, result.output
    assert args[-2] in result.output


def test_status_counts_each_status_in_order_and_says_when_the_queue_is_empty(app_ctx):
    """An empty queue printed nothing; the lines came in the database's grouping order."""
    runner = app_ctx.test_cli_runner()
    assert runner.invoke(args=["outbox", "status"]).output == "no messages\n"
    for number, status in enumerate(["sent", "failed", "pending", "sent", "failed", "sent"]):
        queue_mail(f"p{number}@example.org", "Hello", "Body").status = status
    db.session.commit()
    result = runner.invoke(args=["outbox", "status"])
    assert (result.exit_code, result.output) == (0, "failed: 2\npending: 1\nsent: 3\n")


def test_mail_given_up_during_an_outage_can_be_sent_once_the_server_is_back(
    app_ctx, smtp_server, monkeypatch
):
    """Past its retries every message queued while the server was down stayed failed for
    good: the mails of a night without a relay were lost."""
    monkeypatch.setitem(app_ctx.config, "MAIL_MAX_ATTEMPTS", 1)
    monkeypatch.setitem(app_ctx.config, "MAIL_PORT", _free_port())  # nothing listens
    monkeypatch.setitem(app_ctx.config, "MAIL_TIMEOUT", 2)
    old = queue_mail("old@example.org", "Last week", "Text")
    queue_mail("new@example.org", "Tonight", "Text")
    db.session.commit()
    assert send_pending() == (0, 2)
    old.created_at = services._now() - timedelta(days=3)
    db.session.commit()

    monkeypatch.setitem(app_ctx.config, "MAIL_PORT", smtp_server.port)
    result = app_ctx.test_cli_runner().invoke(args=["outbox", "retry"])
    assert (result.exit_code, result.output) == (0, "queued again: 1\n")
    assert send_pending() == (1, 0)
    assert [r for r, _raw in wait_for(smtp_server, 1)] == [["new@example.org"]]
    rows = {r.recipient: r for r in db.session.scalars(select(OutboxMessage))}
    assert (rows["new@example.org"].status, rows["new@example.org"].attempts) == ("sent", 1)
    assert rows["old@example.org"].status == "failed"  # too old to be worth sending now
