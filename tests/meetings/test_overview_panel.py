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
    }
