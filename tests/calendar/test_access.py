"""Who may open the calendar pages."""

from datetime import date

from eventapp.calendar import services as calendar
from eventapp.extensions import db
from eventapp.meetings import services as meetings
from tests.conftest import ROLE_NAMES, add_other_event, assert_access, login

EVERY_ROLE = set(ROLE_NAMES) - {"anonymous"}


def test_my_calendar_page_for_everybody_with_a_role(meetup, login_as, client):
    assert_access(login_as, "/e/test-expo/calendar/", EVERY_ROLE)
    login(client, meetup.outsider)
    assert client.get("/e/test-expo/calendar/").status_code == 403


def test_rotate_for_everybody_with_a_role(meetup, login_as, client):
    assert_access(login_as, "/e/test-expo/calendar/rotate", EVERY_ROLE, method="post")
    login(client, meetup.outsider)
    assert client.post("/e/test-expo/calendar/rotate").status_code == 403


def test_rotate_only_touches_ones_own_feed(meetup, client):
    theirs = calendar.feed_of(meetup.other_exhibitor, meetup.event)
    db.session.commit()
    secret = theirs.secret
    login(client, meetup.exhibitor_admin)
    client.post("/e/test-expo/calendar/rotate")
    db.session.expire_all()
    assert theirs.secret == secret and theirs.version == 1


def test_meeting_download_only_for_its_participants(meetup, login_as):
    meeting = meetup.schedule()  # alpha (exhibitor admin and staff) with gamma (attendee)
    outcomes = assert_access(
        login_as,
        f"/e/test-expo/calendar/meetings/{meeting.id}.ics",
        {"attendee", "exhibitor_admin", "exhibitor_staff", "organizer"},
    )
    # beta's exhibitor takes part in the meetup but not in this meeting.
    assert outcomes["other_exhibitor"] == 403


def test_another_companys_meeting_cannot_be_downloaded(meetup, client):
    second = meetings.send_request(meetup.event, meetup.alpha, meetup.beta, meetup.exhibitor_admin)
    meetings.accept_request(second, meetup.beta, meetup.other_exhibitor)
    db.session.commit()
    beta_meeting = meetup.schedule(second, code="D1-1100")
    login(client, meetup.attendee)  # gamma
    assert client.get(f"/e/test-expo/calendar/meetings/{beta_meeting.id}.ics").status_code == 403
    login(client, meetup.other_exhibitor)  # beta
    assert client.get(f"/e/test-expo/calendar/meetings/{beta_meeting.id}.ics").status_code == 200


def test_meeting_of_another_event_or_unknown_is_not_found(meetup, client):
    meeting = meetup.schedule()
    add_other_event(starts_on=date(2025, 10, 1))
    db.session.commit()
    login(client, meetup.organizer)
    assert client.get(f"/e/test-expo/calendar/meetings/{meeting.id + 100}.ics").status_code == 404
    meetup.organizer.is_admin = True
    db.session.commit()
    assert client.get(f"/e/other-expo/calendar/meetings/{meeting.id}.ics").status_code == 404


def test_a_meeting_number_too_long_for_the_database_is_not_found(meetup, client):
    login(client, meetup.organizer)
    for number in (2**31, 2**63, 10**30):
        response = client.get(f"/e/test-expo/calendar/meetings/{number}.ics")
        assert response.status_code == 404, number


def test_event_calendar_is_public(meetup, login_as):
    assert_access(login_as, "/e/test-expo/calendar.ics", set(ROLE_NAMES))


def test_feed_needs_only_its_token(meetup, login_as):
    feed = calendar.feed_of(meetup.exhibitor_staff, meetup.event)
    db.session.commit()
    url = f"/e/test-expo/calendar/feed/{calendar.feed_token(feed)}.ics"
    # Calendar apps cannot sign in: the token is the credential, for anybody who has it.
    assert_access(login_as, url, set(ROLE_NAMES))


def test_menu_shows_my_calendar_to_participants(meetup, login_as):
    page = login_as("exhibitor_staff").get("/e/test-expo/").get_data(as_text=True)
    assert 'href="/e/test-expo/calendar/"' in page
    page = login_as("anonymous").get("/e/test-expo/").get_data(as_text=True)
    assert 'href="/e/test-expo/calendar/"' not in page
