"""Odd input from a browser or a hand-made request is refused or not found, never a
server error: ids beyond the id columns, digits that int() refuses, values that no
column or datetime can hold."""

from sqlalchemy import select

from eventapp.extensions import db
from eventapp.meetings import services
from eventapp.meetings.models import Meeting, MeetingProfile, MeetingSettings, Unavailability
from tests.conftest import login
from tests.meetings.conftest import accepted_request

BASE = "/e/test-expo/meetings"
HUGE = "9" * 25  # more than any id column (and than SQLite's 64 bits) holds
BEYOND_INT4 = str(2**31)  # PostgreSQL's integer ids stop one below


def test_ids_too_large_for_the_database_are_not_found(meetup, client):
    alpha, gamma = meetup.profiles["alpha"], meetup.profiles["gamma"]
    request = accepted_request(meetup.event, alpha, gamma, meetup.exhibitor_admin)
    db.session.commit()
    login(client, meetup.exhibitor_admin)
    for number in (HUGE, BEYOND_INT4):
        for path in (f"/requests/{number}", f"/m/{number}", f"/partners/{number}"):
            assert client.get(BASE + path).status_code == 404, path
        response = client.post(f"{BASE}/requests/{request.id}/book", data={"slot_id": number})
        assert response.status_code == 302
        response = client.post(f"{BASE}/availability", data={"unavailable": number})
        assert response.status_code == 302
    client.post("/logout")
    login(client, meetup.organizer)
    for number in (HUGE, BEYOND_INT4):
        for path in (f"/agenda?profile={number}", f"/manage/plans/{number}"):
            assert client.get(BASE + path).status_code == 404, path
    assert db.session.scalar(select(Meeting)) is None


def test_digits_that_are_no_number_are_ignored(meetup, client):
    # "²".isdigit() is true, but int("²") fails.
    slot = meetup.slots[0]
    login(client, meetup.exhibitor_admin)
    response = client.post(f"{BASE}/availability", data={"unavailable": ["²", str(slot.id)]})
    assert response.status_code == 302
    assert db.session.scalars(select(Unavailability.slot_id)).all() == [slot.id]
    client.post("/logout")
    login(client, meetup.organizer)
    response = client.post(f"{BASE}/manage/booths", data={"at_booth": "²"})
    assert response.status_code == 302


def test_booth_code_longer_than_its_column_is_refused(meetup, client, english):
    gamma = meetup.profiles["gamma"]
    login(client, meetup.organizer)
    response = client.post(
        f"{BASE}/manage/booths",
        data={"at_booth": str(gamma.id), f"booth_{gamma.id}": "B" * 40},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "is longer than 16 characters" in response.get_data(as_text=True)
    db.session.expire_all()
    profile = db.session.get(MeetingProfile, gamma.id)
    assert (profile.receives_at_booth, profile.booth_code) == (False, None)
    # A code that fits (and is a booth of the event) is taken.
    client.post(
        f"{BASE}/manage/booths", data={"at_booth": str(gamma.id), f"booth_{gamma.id}": "A-09"}
    )
    db.session.expire_all()
    assert db.session.get(MeetingProfile, gamma.id).booth_code == "A-09"


def test_booking_times_no_utc_datetime_holds_are_refused(meetup, client):
    day = meetup.event.starts_on.isoformat()
    login(client, meetup.organizer)
    # Midnight of 1 January of year 1 in Seoul is still in year 0 in UTC.
    response = client.post(
        f"{BASE}/manage/settings",
        data={
            "meeting_days": day,
            "slot_minutes": "30",
            "day_starts_at": "10:00",
            "day_ends_at": "12:00",
            "booking_opens_at": "0001-01-01T00:00",
        },
    )
    assert response.status_code == 200  # the form again, with its error
    assert "Not a valid date and time." in response.get_data(as_text=True)
    db.session.expire_all()
    settings = db.session.get(MeetingSettings, meetup.event.id)
    assert settings.booking_opens_at is None and settings.slot_minutes == 30
    assert len(services.slots_of(meetup.event)) == 8


def test_texts_with_line_breaks_that_the_page_took_are_saved(meetup, client, english):
    """The page's textareas count a line break as one character, but a browser
    sends it as CRLF: a text at the page's limit arrives longer than the limit."""
    alpha, gamma = meetup.profiles["alpha"], meetup.profiles["gamma"]
    request = accepted_request(meetup.event, alpha, gamma, meetup.exhibitor_admin)
    meeting = services.book(request, meetup.slots[0], meetup.attendee)
    db.session.commit()
    login(client, meetup.exhibitor_admin)
    page = client.get(f"{BASE}/partners/{meetup.profiles['beta'].id}").get_data(as_text=True)
    assert 'maxlength="2000"' in page  # the request's message, like the notes, is limited
    # 5000 characters as the page counts them, 5900 as sent.
    notes = "call\r\n" * 900 + "x" * (5000 - 900 * 5)
    response = client.post(f"{BASE}/m/{meeting.id}/notes", data={"notes": notes})
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Meeting, meeting.id).startup_notes
    assert saved == notes.replace("\r\n", "\n").strip()
    # A request message too, with its line breaks kept as one kind.
    beta = meetup.profiles["beta"]
    message = "Hello,\r\n\r\n" + "y" * 1990
    client.post(f"{BASE}/partners/{beta.id}/request", data={"message": message})
    sent = db.session.scalar(select(services.MeetingRequest).filter_by(firm_id=beta.id))
    assert sent is not None and sent.message == message.replace("\r\n", "\n")


def test_notes_that_are_not_saved_say_why(meetup, client):
    alpha, gamma = meetup.profiles["alpha"], meetup.profiles["gamma"]
    request = accepted_request(meetup.event, alpha, gamma, meetup.exhibitor_admin)
    meeting = services.book(request, meetup.slots[0], meetup.attendee)
    services.save_notes(meeting, alpha, "Send the PoC plan")
    db.session.commit()
    login(client, meetup.exhibitor_admin)
    response = client.post(
        f"{BASE}/m/{meeting.id}/notes?lang=en", data={"notes": "z" * 5001}, follow_redirects=True
    )
    page = response.get_data(as_text=True)
    assert "Follow-up notes: Field cannot be longer than 5000 characters." in page
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).startup_notes == "Send the PoC plan"
    # The request form names its field and the reason too.
    beta = meetup.profiles["beta"]
    response = client.post(
        f"{BASE}/partners/{beta.id}/request?lang=en",
        data={"message": "m" * 2001},
        follow_redirects=True,
    )
    assert "Message: Field cannot be longer than 2000 characters." in response.get_data(
        as_text=True
    )


def test_a_country_not_in_the_list_is_refused(meetup, client):
    """The country is chosen from a list (a typed "한국" or "Korea" would hide the
    company from every partner filter); a tampered value is refused, nothing saved."""
    login(client, meetup.exhibitor_admin)
    form = client.get(f"{BASE}/profile?lang=en").get_data(as_text=True)
    assert '<select id="country" name="country"' in form and '<option selected value="KR">' in form
    for typed in ("한국", "12", "Korea", "XX"):
        response = client.post(
            f"{BASE}/profile?lang=en", data={"sector": "ai", "stage": "", "country": typed}
        )
        assert response.status_code == 200, typed  # the form again, with its error
        assert "The value sent is not one of the choices" in response.get_data(as_text=True), typed
        db.session.expire_all()
        assert db.session.get(MeetingProfile, meetup.profiles["alpha"].id).country == "KR"
    # A code in any case is the country (links and older pages sent it typed).
    response = client.post(f"{BASE}/profile", data={"sector": "ai", "stage": "", "country": "jp"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(MeetingProfile, meetup.profiles["alpha"].id).country == "JP"
