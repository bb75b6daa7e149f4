"""Exhibitors racing for the same booths through real concurrent HTTP requests.

Threads fire hold requests at a live server at the same moment (a barrier
releases them together), round after round, on whatever database the suite
runs on (SQLite by default, PostgreSQL with TEST_DATABASE_URL). Every round
must end with each booth held at most once, every winner holding exactly the
booths it asked for, and every loser holding nothing and told why.
"""

import http.cookiejar
import json
import random
import threading
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import delete, select

from eventapp.booths.models import Booth, BoothAllocation
from eventapp.extensions import db
from tests.booths.conftest import add_exhibitor, open_window
from tests.conftest import PASSWORD

ROUNDS = 30
OVERLAP_ROUNDS = 20
RACERS = 6


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """One signed-in person: a cookie jar and an opener that does not follow redirects."""

    def __init__(self, base_url):
        self.base_url = base_url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect()
        )

    def post(self, path, data, accept_json=False):
        body = urllib.parse.urlencode(data, doseq=True).encode()
        request = urllib.request.Request(self.base_url + path, data=body, method="POST")
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
        if accept_json:
            request.add_header("Accept", "application/json")
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def login(self, email):
        status, _ = self.post("/login", {"email": email, "password": PASSWORD})
        assert status == 302, f"login of {email} failed with {status}"


def _race(browsers, requests):
    """Send every (browser, booths) hold request at the same moment; (status, json) each."""
    barrier = threading.Barrier(len(requests))

    def fire(item):
        browser, codes = item
        barrier.wait(timeout=30)
        status, body = browser.post(
            "/e/test-expo/my-booths/hold", {"booths": " ".join(codes)}, accept_json=True
        )
        return status, json.loads(body)

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        return list(pool.map(fire, requests))


def _allocations():
    db.session.rollback()  # start from a fresh snapshot: the server has written since
    rows = db.session.execute(
        select(Booth.code, BoothAllocation.exhibitor_id, BoothAllocation.state).join(
            BoothAllocation, BoothAllocation.booth_id == Booth.id
        )
    ).all()
    db.session.commit()  # never keep a transaction open while the server works
    return rows


def _reset():
    db.session.rollback()
    db.session.execute(delete(BoothAllocation))
    db.session.commit()


def _neighbours():
    from eventapp.booths.services import neighbour_map

    event_id = db.session.scalar(select(Booth.event_id))
    from eventapp.events.models import Event

    result = neighbour_map(db.session.get(Event, event_id))
    db.session.commit()
    return result


def _setup_racers(small_event, live_server):
    event = small_event.event
    open_window(event, hold_minutes=10)
    racers = []
    for index in range(RACERS):
        exhibitor, user = add_exhibitor(event, f"racer{index}", count=1 + index % 2)
        racers.append((exhibitor.id, exhibitor.booth_count, user.email))
    db.session.commit()
    browsers = {}
    for exhibitor_id, _count, email in racers:
        browser = Browser(live_server.url)
        browser.login(email)
        browsers[exhibitor_id] = browser
    return racers, browsers


def _check_round(racers, wanted, results, rows):
    holder = {}
    for code, exhibitor_id, state in rows:
        assert code not in holder, f"booth {code} allocated twice"
        assert state == "hold"
        holder[code] = exhibitor_id
    winners = set()
    for (exhibitor_id, _count, _email), (status, body) in zip(racers, results, strict=True):
        mine = sorted(code for code, eid in holder.items() if eid == exhibitor_id)
        if status == 200:
            assert body["ok"] is True
            assert mine == sorted(wanted[exhibitor_id]), "a winner must hold exactly its booths"
            winners.add(exhibitor_id)
        else:
            assert status == 409, f"a loser gets 409 with a message, not {status}: {body}"
            assert body["ok"] is False and body["message"]
            assert mine == [], "a loser must not keep a partial hold"
    assert set(holder.values()) == winners
    return winners


def test_many_exhibitors_race_for_one_hot_booth(small_event, live_server):
    """Everybody's selection contains the same booth: exactly one winner per round."""
    racers, browsers = _setup_racers(small_event, live_server)
    neighbours = _neighbours()
    rng = random.Random(7)
    hall_a = sorted(code for code in neighbours if code.startswith("A-"))
    for _round in range(ROUNDS):
        _reset()
        hot = rng.choice(hall_a)
        wanted = {}
        for exhibitor_id, count, _email in racers:
            codes = [hot]
            if count == 2:
                codes.append(rng.choice(sorted(neighbours[hot])))
            wanted[exhibitor_id] = codes
        order = racers[:]
        rng.shuffle(order)
        results = _race(browsers, [(browsers[eid], wanted[eid]) for eid, _c, _e in order])
        winners = _check_round(order, wanted, results, _allocations())
        assert len(winners) == 1, f"round {_round}: {len(winners)} winners for booth {hot}"


def test_overlapping_selections_never_double_book(small_event, live_server):
    """Selections overlap in chains: some win, losers hold nothing, no booth twice."""
    racers, browsers = _setup_racers(small_event, live_server)
    neighbours = _neighbours()
    rng = random.Random(11)
    region = sorted(code for code in neighbours if code.startswith("A-"))
    for _round in range(OVERLAP_ROUNDS):
        _reset()
        wanted = {}
        for exhibitor_id, count, _email in racers:
            first = rng.choice(region)
            codes = [first]
            if count == 2:
                codes.append(rng.choice(sorted(neighbours[first])))
            wanted[exhibitor_id] = codes
        results = _race(browsers, [(browsers[eid], wanted[eid]) for eid, _c, _e in racers])
        winners = _check_round(racers, wanted, results, _allocations())
        assert winners, "somebody always gets booths"
        # Whoever lost asked for a booth that a winner holds.
        taken = {code for eid in winners for code in wanted[eid]}
        for exhibitor_id, _count, _email in racers:
            if exhibitor_id not in winners:
                assert set(wanted[exhibitor_id]) & taken


def test_one_exhibitor_in_many_tabs_ends_with_one_selection(small_event, live_server):
    """Concurrent holds by the same exhibitor replace each other; never more than rented."""
    event = small_event.event
    open_window(event)
    exhibitor, user = add_exhibitor(event, "tabs", count=2)
    exhibitor_id = exhibitor.id
    browsers = []
    for _ in range(4):
        browser = Browser(live_server.url)
        browser.login(user.email)
        browsers.append(browser)
    pairs = [["A-01", "A-02"], ["A-03", "A-04"], ["A-06", "A-07"], ["A-09", "A-10"]]
    for _round in range(10):
        _reset()
        results = _race(browsers, list(zip(browsers, pairs, strict=True)))
        assert all(status == 200 for status, _body in results)
        mine = sorted(code for code, eid, _state in _allocations() if eid == exhibitor_id)
        assert mine in pairs
