"""The audit log names the meetup's meetings, requests and proposed times by their two
companies (and a meeting's day and time), linked to their pages, as it names badges
and scan points (tests/events/test_overview.py)."""

from babel.dates import format_date

from eventapp.extensions import db
from eventapp.meetings import services
from tests.conftest import statements_of
from tests.meetings.conftest import accepted_request, booked_meeting

AUDIT = "/e/test-expo/manage/audit"


def _cell(page, kind, object_id):
    """The text and link of the Object cell of the entries about `kind` `object_id`."""
    start = page.index(f'title="{kind} {object_id}">') + len(f'title="{kind} {object_id}">')
    return page[start : page.index("</td>", start)]


def test_the_audit_log_names_meetings_requests_and_proposed_times(login_as, meetup):
    """ "Meeting 12" and "Meeting request 31" told organizers nothing: the log names
    the two companies, in the page's language, with the meeting's day and time (or the
    time proposed), linked to the meeting's or the request's page."""
    # Signed in first, as the entries of the two readings are then alike: the
    # organizer's, with an account to name in the Who column.
    client = login_as("organizer")
    meeting = booked_meeting(meetup)  # alpha ↔ gamma, first slot (10:00 on the first day)
    request = meeting.request
    alpha = meetup.profiles["alpha"]
    proposal = services.propose_time(meeting, meetup.slots[2], alpha, meetup.exhibitor_admin)
    db.session.commit()
    first = meetup.event.starts_on
    page = client.get(f"{AUDIT}?lang=en").get_data(as_text=True)
    day = day_en = format_date(first, "MMM d", locale="en")
    assert _cell(page, "MeetingRequest", request.id) == (
        f'<a class="tap" href="/e/test-expo/meetings/requests/{request.id}">'
        "Meeting request Alpha Robotics ↔ Gamma Group</a>"
    )
    assert _cell(page, "Meeting", meeting.id) == (
        f'<a class="tap" href="/e/test-expo/meetings/m/{meeting.id}">'
        f"Meeting Alpha Robotics ↔ Gamma Group · {day} 10:00</a>"
    )
    assert _cell(page, "MeetingTimeProposal", proposal.id) == (
        f'<a class="tap" href="/e/test-expo/meetings/m/{meeting.id}">'
        f"Proposed meeting time Alpha Robotics ↔ Gamma Group · {day} 11:00</a>"
    )
    # Organizers may open what the log links to.
    for url in (
        f"/e/test-expo/meetings/requests/{request.id}",
        f"/e/test-expo/meetings/m/{meeting.id}",
    ):
        assert client.get(f"{url}?lang=en").status_code == 200, url
    korean = client.get(f"{AUDIT}?lang=ko").get_data(as_text=True)
    day = f"{first.month}월 {first.day}일"
    assert ">미팅 신청 알파로보틱스 ↔ 감마그룹</a>" in korean
    assert f">미팅 알파로보틱스 ↔ 감마그룹 · {day} 10:00</a>" in korean
    assert f">제안된 미팅 시간 알파로보틱스 ↔ 감마그룹 · {day} 11:00</a>" in korean
    # One query per type: more meetings, requests and proposals, no more queries.
    _, few = statements_of(lambda: client.get(f"{AUDIT}?lang=en"))
    other = accepted_request(meetup.event, alpha, meetup.profiles["beta"], meetup.exhibitor_admin)
    second = services.book(other, meetup.slots[1], meetup.exhibitor_admin)
    services.propose_time(second, meetup.slots[3], alpha, meetup.exhibitor_admin)
    db.session.commit()
    page = client.get(f"{AUDIT}?lang=en").get_data(as_text=True)
    assert f">Meeting Alpha Robotics ↔ Beta Bio · {day_en} 10:30</a>" in page
    _, many = statements_of(lambda: client.get(f"{AUDIT}?lang=en"))
    assert many == few
