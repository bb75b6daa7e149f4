"""What a participant reads on the meetup pages: where they are, and what each
form asks of them."""

import re

from eventapp.extensions import db
from tests.conftest import login
from tests.meetings.conftest import booked_meeting

BASE = "/e/test-expo/meetings"


def _current_tabs(page):
    return re.findall(r'<a class="button small" href="([^"]+)" aria-current="(\w+)"', page)


def test_the_meetup_tabs_mark_the_page_one_is_on(meetup, client):
    """The six tabs above every meetup page looked alike: nothing told which page was
    open, nor, on a request's or a meeting's page, which list it belonged to."""
    meeting = booked_meeting(meetup)
    gamma_id, request_id, meeting_id = (
        meetup.profiles["gamma"].id,
        meeting.request_id,
        meeting.id,
    )
    db.session.commit()
    login(client, meetup.exhibitor_admin)
    for path, tab, current in (
        ("/", "/", "page"),
        ("/partners", "/partners", "page"),
        (f"/partners/{gamma_id}", "/partners", "true"),
        ("/requests", "/requests", "page"),
        (f"/requests/{request_id}", "/requests", "true"),
        ("/availability", "/availability", "page"),
        ("/agenda", "/agenda", "page"),
        (f"/m/{meeting_id}", "/agenda", "true"),
        ("/profile", "/profile", "page"),
    ):
        page = client.get(f"{BASE}{path}?lang=en").get_data(as_text=True)
        assert _current_tabs(page) == [(f"{BASE}{tab}", current)], path
