"""Links in mails name their reader's language (`?lang=`): a reader not signed in
whose browser speaks the other language landed on a page in that one."""

import email
import email.policy
import re
from datetime import timedelta

from sqlalchemy import select

from eventapp.extensions import db
from eventapp.meetings import services as meetings
from eventapp.notifications.models import OutboxMessage
from tests.meetings.conftest import meetup, request_ctx  # noqa: F401

LINK = re.compile(r"http://testserver(/\S+)")


def links_by_reader(kind):
    """{recipient: [paths of the links in the text]} of the outbox rows of `kind`."""
    found = {}
    rows = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
    )
    for row in rows:
        message = email.message_from_bytes(row.raw, policy=email.policy.default)
        text = message.get_body(("plain",)).get_content()
        found.setdefault(row.recipient, []).extend(LINK.findall(text))
    return found


def test_one_meetup_mail_to_several_people_links_each_in_their_language(meetup):  # noqa: F811
    """The request's link is made once for the company's people, then written into
    each one's mail in their own language."""
    meetup.exhibitor_staff.locale = "ko"
    alpha, gamma = meetup.profiles["alpha"], meetup.profiles["gamma"]
    request = meetings.send_request(meetup.event, alpha, gamma, meetup.exhibitor_admin, "Hi")
    meetings.accept_request(request, gamma, meetup.attendee)
    meeting = meetings.book(request, meetup.slots[0], meetup.attendee)
    db.session.commit()
    page = f"/e/test-expo/meetings/requests/{request.id}"
    assert links_by_reader("meeting_request_accepted") == {
        "exhibitor_admin@example.org": [page + "?lang=en"],
        "exhibitor_staff@example.org": [page + "?lang=ko"],
    }
    assert meetings.send_reminders(meetup.event, now=meeting.starts_at - timedelta(hours=2))
    db.session.commit()
    agenda = "/e/test-expo/meetings/agenda"
    assert links_by_reader("meeting_reminder") == {
        "attendee@example.org": [agenda + "?lang=en"],
        "exhibitor_admin@example.org": [agenda + "?lang=en"],
        "exhibitor_staff@example.org": [agenda + "?lang=ko"],
    }


def test_calendar_invitations_link_the_agenda_in_the_reader_s_language(meetup):  # noqa: F811
    import icalendar

    meetup.attendee.locale = "ko"
    alpha, gamma = meetup.profiles["alpha"], meetup.profiles["gamma"]
    request = meetings.send_request(meetup.event, alpha, gamma, meetup.exhibitor_admin, "Hi")
    meetings.accept_request(request, gamma, meetup.attendee)
    meetings.book(request, meetup.slots[0], meetup.attendee)
    db.session.commit()
    agenda = "/e/test-expo/meetings/agenda"
    links = links_by_reader("meeting_scheduled")
    assert links["attendee@example.org"] == [agenda + "?lang=ko"]
    assert links["exhibitor_admin@example.org"] == [agenda + "?lang=en"]
    row = db.session.scalar(
        select(OutboxMessage).where(
            OutboxMessage.kind == "meeting_scheduled",
            OutboxMessage.recipient == "attendee@example.org",
        )
    )
    message = email.message_from_bytes(row.raw, policy=email.policy.default)
    (part,) = [p for p in message.walk() if p.get_content_type() == "text/calendar"][:1]
    (event,) = icalendar.Calendar.from_ical(part.get_content()).walk("VEVENT")
    assert str(event["URL"]) == "http://testserver" + agenda + "?lang=ko"


def test_a_reset_link_opens_in_the_account_s_language_whatever_the_browser(client, small_event):
    small_event.attendee.locale = "ko"
    db.session.commit()
    client.post("/reset", data={"email": "attendee@example.org"})
    ((path,),) = links_by_reader("password_reset").values()
    assert path.startswith("/reset/") and path.endswith("?lang=ko")
    client.get("/logout")
    page = client.get(path, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="ko"' in page
