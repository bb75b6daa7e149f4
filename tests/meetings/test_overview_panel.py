"""The meetup's figures on the organizer overview."""

import re

from eventapp.extensions import db
from tests.meetings.conftest import accepted_request, add_company, booked_meeting


def test_the_overview_counts_sides_requests_and_meetings(meetup, login_as):
    from eventapp.meetings import services

    booked_meeting(meetup)  # alpha (startup) and gamma (firm): one accepted, one meeting
    _user, delta = add_company(meetup.event, "delta", "startup")
    services.send_request(meetup.event, delta, meetup.profiles["beta"], _user, "Hello")
    _user, epsilon = add_company(meetup.event, "epsilon", "startup")
    accepted_request(meetup.event, epsilon, meetup.profiles["beta"], _user)
    db.session.commit()
    page = login_as("organizer").get("/e/test-expo/manage/?lang=en").get_data(as_text=True)
    panel = page[page.index("Global meetup") :].split("</section>")[0]
    figures = dict(re.findall(r"<dt>([^<]+)</dt><dd>(\d+)</dd>", panel))
    assert figures == {
        "Startups": "3",
        "Firms": "2",
        "Open requests": "1",
        "Accepted requests": "2",
        "Meetings scheduled": "1",
        "Meetings attended": "0",
        "No-shows": "0",
    }


def test_the_overview_keeps_counting_meetings_once_they_took_place(meetup, login_as):
    """During the fair the meetings marked attended or no-show left the overview's only
    figure of meetings ("scheduled"), which fell to zero as the day went on."""
    from eventapp.meetings import services

    met = booked_meeting(meetup, 0)
    _user, delta = add_company(meetup.event, "delta", "startup")
    request = accepted_request(meetup.event, delta, meetup.profiles["gamma"], _user)
    missed = services.book(request, meetup.slots[1], meetup.attendee)
    services.mark_attendance(met, "attended", meetup.organizer)
    services.mark_attendance(missed, "no_show", meetup.organizer, no_show_side="startup")
    db.session.commit()
    page = login_as("organizer").get("/e/test-expo/manage/?lang=en").get_data(as_text=True)
    panel = page[page.index("Global meetup") :].split("</section>")[0]
    figures = dict(re.findall(r"<dt>([^<]+)</dt><dd>(\d+)</dd>", panel))
    assert figures["Meetings scheduled"] == "0"
    assert (figures["Meetings attended"], figures["No-shows"]) == ("1", "1")


def test_counted_lines_read_in_the_singular_for_one(meetup, login_as):
    booked_meeting(meetup)  # one meeting, on the first meetup day
    organizer = login_as("organizer")
    grid = organizer.get("/e/test-expo/meetings/manage/grid?lang=en").get_data(as_text=True)
    assert "1 meeting on this day." in grid
    home = organizer.get("/e/test-expo/?lang=en").get_data(as_text=True)
    assert "10 booths" in home
    attendee = login_as("attendee")  # gamma, the firm: alpha is its one startup partner
    partners = attendee.get("/e/test-expo/meetings/partners?lang=en").get_data(as_text=True)
    assert "1 company, best matches first." in partners
