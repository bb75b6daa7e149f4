"""Reading back what the calendar package produces: outbox mails and iCalendar data,
each calendar parsed by icalendar and, independently, by vobject."""

import email
import email.policy

import icalendar
import vobject
from sqlalchemy import select

from eventapp.extensions import db
from eventapp.notifications.models import OutboxMessage


def parse_calendar(data):
    """(icalendar Calendar, vobject component) of `data`; both parsers must agree on
    the method and on every VEVENT's UID, SEQUENCE and start."""
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    parsed = icalendar.Calendar.from_ical(text)
    other = vobject.readOne(text)
    assert str(parsed["METHOD"]) == other.method.value
    ours = [(str(e["UID"]), int(e.get("SEQUENCE", 0)), e.start) for e in parsed.walk("VEVENT")]
    theirs = [
        (
            e.uid.value,
            int(e.sequence.value) if hasattr(e, "sequence") else 0,
            e.dtstart.value,
        )
        for e in other.contents.get("vevent", [])
    ]
    assert ours == theirs
    return parsed, other


def vevent(calendar):
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 1
    return events[0]


def calendar_parts(message):
    """(alternative text/calendar part, .ics attachment part) of a parsed e-mail."""
    alternative = attachment = None
    for part in message.walk():
        if part.get_content_type() == "text/calendar" and not part.get_filename():
            alternative = part
        elif (part.get_filename() or "").endswith(".ics"):
            attachment = part
    return alternative, attachment


def message_calendar(message):
    """Check the two calendar parts of a mail agree and return (method, parsed, vobj)."""
    alternative, attachment = calendar_parts(message)
    assert alternative is not None and attachment is not None
    method = alternative.get_param("method")
    text = alternative.get_content()
    assert attachment.get_content().decode("utf-8").replace("\r\n", "\n") == text.replace(
        "\r\n", "\n"
    )
    parsed, other = parse_calendar(text)
    assert str(parsed["METHOD"]) == method
    return method, parsed, other


def outbox(kind=None):
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    return db.session.scalars(query).all()


def outbox_calendar_list(kind):
    """[(message, method, icalendar Calendar, vobject)] of the outbox rows of `kind`."""
    result = []
    for row in outbox(kind):
        message = email.message_from_bytes(row.raw, policy=email.policy.default)
        result.append((message, *message_calendar(message)))
    return result


def outbox_calendars(kind):
    """{recipient: (message, method, icalendar Calendar, vobject)} of the outbox rows."""
    result = {}
    for row in outbox(kind):
        message = email.message_from_bytes(row.raw, policy=email.policy.default)
        assert row.recipient not in result, "one mail per recipient"
        result[row.recipient] = (message, *message_calendar(message))
    return result
