"""Real concurrent requests against the live server: the first visit of "My calendar"
creates exactly one feed, and concurrent rotations all count."""

import http.cookiejar
import re
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import delete, func, select

from eventapp.calendar.models import CalendarFeed
from eventapp.extensions import db
from tests.conftest import PASSWORD

THREADS = 4
ROUNDS = 4


def signed_in_opener(base, user):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    data = urllib.parse.urlencode({"email": user.email, "password": PASSWORD}).encode()
    with opener.open(f"{base}/login", data=data, timeout=30) as response:
        assert response.status == 200
    return opener


def fetch(opener, url, data=None):
    with opener.open(url, data=data, timeout=60) as response:
        return response.status, response.read().decode()


def feed_url(page, base=None):
    """The feed address shown on the page (on the live server when `base` is given;
    the page shows SERVER_URL addresses)."""
    url = re.search(r'id="feed-url" value="([^"]+)"', page).group(1)
    return url.replace("http://testserver", base) if base else url


def test_first_visits_at_the_same_time_make_one_feed(small_event, live_server):
    user = small_event.attendee
    openers = [signed_in_opener(live_server.url, user) for _ in range(THREADS)]
    page = f"{live_server.url}/e/test-expo/calendar/"
    for _round in range(ROUNDS):
        with ThreadPoolExecutor(THREADS) as pool:
            results = list(pool.map(lambda opener: fetch(opener, page), openers))
        assert [status for status, _body in results] == [200] * THREADS
        # Everybody was shown the one feed that exists.
        assert len({feed_url(body) for _status, body in results}) == 1
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(CalendarFeed)) == 1
        db.session.execute(delete(CalendarFeed))
        db.session.commit()


def test_concurrent_rotations_all_count(small_event, live_server):
    user = small_event.exhibitor_admin
    openers = [signed_in_opener(live_server.url, user) for _ in range(THREADS)]
    page = f"{live_server.url}/e/test-expo/calendar/"
    rotate = f"{live_server.url}/e/test-expo/calendar/rotate"
    status, body = fetch(openers[0], page)
    first_url = feed_url(body, live_server.url)
    for round_number in range(1, ROUNDS + 1):
        with ThreadPoolExecutor(THREADS) as pool:
            results = list(pool.map(lambda opener: fetch(opener, rotate, data=b""), openers))
        assert [status for status, _body in results] == [200] * THREADS
        db.session.rollback()
        feed = db.session.scalar(select(CalendarFeed))
        assert feed.version == 1 + round_number * THREADS
    # Only the address shown now works; the first one is gone.
    status, body = fetch(openers[0], page)
    current = feed_url(body, live_server.url)
    assert fetch(openers[0], current)[0] == 200
    try:
        fetch(openers[0], first_url)
    except urllib.error.HTTPError as error:
        assert error.code == 404
    else:
        raise AssertionError("the rotated address still works")
