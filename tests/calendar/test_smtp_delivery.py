"""Invitation, update and cancellation go out through the outbox to a real SMTP server
on loopback and arrive as valid calendar messages."""

import email
import email.policy
import socket
import time

import pytest
from aiosmtpd.controller import Controller

from eventapp.extensions import db
from eventapp.meetings import services as meetings
from eventapp.notifications.services import send_pending
from tests.calendar.helpers import message_calendar, vevent


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((list(envelope.rcpt_tos), envelope.content))
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


def deliver(inbox, expected):
    """Send the outbox and wait until `expected` more messages have arrived."""
    before = len(inbox.messages)
    sent, failed = send_pending()
    assert failed == 0
    for _ in range(100):
        if len(inbox.messages) - before >= sent:
            break
        time.sleep(0.05)
    arrived = inbox.messages[before:]
    # One mail per person and change: the readable text and the calendar parts in it,
    # no second mail saying the same.
    assert len(arrived) == expected
    assert len({recipients[0] for recipients, _raw in arrived}) == expected
    calendars = []
    for recipients, raw in arrived:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        text = message.get_body(("plain",)).get_content()
        assert "Time: " in text and "/e/test-expo/meetings/agenda" in text
        calendars.append((recipients, message, *message_calendar(message)))
    return calendars


def test_invite_update_and_cancel_arrive_over_smtp(meetup, smtp_server):
    send_pending()  # the request and its acceptance
    smtp_server.messages.clear()
    meeting = meetup.schedule(code="D1-1000")
    invites = deliver(smtp_server, 3)
    assert sorted(r[0] for r, *_rest in invites) == [
        "attendee@example.org",
        "exhibitor_admin@example.org",
        "exhibitor_staff@example.org",
    ]
    by_person = {recipients[0]: rest for recipients, *rest in invites}
    message, method, parsed, other = by_person["attendee@example.org"]
    assert method == "REQUEST"
    assert message["Subject"].startswith("Invitation: meeting with Alpha Robotics")
    first = vevent(parsed)
    assert str(first["UID"]) == meeting.uid and first["SEQUENCE"] == 0
    assert other.vevent.uid.value == meeting.uid

    meetings.move_meeting(meeting, meetup.slots["D2-1030"], meetup.organizer)
    db.session.commit()
    updates = deliver(smtp_server, 3)
    for _recipients, _message, method, parsed, other in updates:
        assert method == "REQUEST"
        update = vevent(parsed)
        assert str(update["UID"]) == meeting.uid
        assert update["SEQUENCE"] > first["SEQUENCE"]
        assert update.start == meetup.slots["D2-1030"].starts_at != first.start
        assert other.vevent.dtstart.value == meetup.slots["D2-1030"].starts_at

    meetings.cancel_meeting(meeting, meetup.attendee, profile=meetup.gamma, reason="Ill")
    db.session.commit()
    cancels = deliver(smtp_server, 3)
    for _recipients, message, method, parsed, other in cancels:
        assert method == "CANCEL"
        assert "Reason: Ill" in message.get_body(("plain",)).get_content()
        assert message["Subject"].startswith("Cancelled: meeting with")
        cancelled = vevent(parsed)
        assert str(cancelled["UID"]) == meeting.uid
        assert cancelled["STATUS"] == "CANCELLED"
        assert cancelled["SEQUENCE"] == 2
        assert other.method.value == "CANCEL" and other.vevent.status.value == "CANCELLED"
    # Nothing is left to send, nothing goes out twice.
    assert send_pending() == (0, 0)
