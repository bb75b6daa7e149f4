"""Real concurrent requests against a live server: a company is registered once."""

import http.cookiejar
import threading
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from eventapp.accounts.models import User
from eventapp.booths.models import Exhibitor
from eventapp.events.models import EventRole
from eventapp.extensions import db
from eventapp.organizations.models import Organization
from tests.conftest import PASSWORD
from tests.exhibitors.conftest import registration_data

ROUNDS = 6
WORKERS = 3


def session(base_url, email):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    body = urllib.parse.urlencode({"email": email, "password": PASSWORD}).encode()
    opener.open(base_url + "/login", body, timeout=30).read()
    return opener


def post(opener, url, data):
    body = urllib.parse.urlencode(data, doseq=True).encode()
    with opener.open(url, body, timeout=60) as response:
        return response.status, response.geturl(), response.read().decode()


def test_colleagues_registering_their_company_at_once_get_one_registration(
    live_server, small_event
):
    for round_number in range(ROUNDS):
        org = Organization(
            name_ko=f"동시{round_number}",
            name_en=f"Race {round_number}",
            kind="startup",
            sector="ai",
        )
        emails = [f"race{round_number}.{i}@example.org" for i in range(WORKERS)]
        for email in emails:
            user = User(email=email, name_en=email, locale="en", organization=org)
            user.set_password(PASSWORD)
            db.session.add(user)
        db.session.commit()
        org_id = org.id
        db.session.remove()  # hold no lock while the server works
        openers = [session(live_server.url, email) for email in emails]
        barrier = threading.Barrier(WORKERS)
        data = registration_data(name_ko=f"동시{round_number}", name_en=f"Race {round_number}")

        def register(opener, data=data, barrier=barrier):
            barrier.wait()
            return post(opener, live_server.url + "/e/test-expo/exhibit?lang=en", data)

        with ThreadPoolExecutor(WORKERS) as pool:
            answers = list(pool.map(register, openers))
        assert all(status == 200 for status, _url, _page in answers)
        winners = [url for _status, url, _page in answers if "/exhibitors/" in url]
        assert len(winners) == 1, [url for _status, url, _page in answers]
        for _status, url, page in answers:
            if url not in winners:  # the others are told, whichever way they lost
                assert "already registered" in page or "a moment ago" in page
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(Exhibitor)
                .where(Exhibitor.organization_id == org_id)
            )
            == 1
        )
        admins = db.session.scalar(
            select(func.count())
            .select_from(EventRole)
            .where(EventRole.organization_id == org_id, EventRole.role == "exhibitor_admin")
        )
        assert admins == 1
        db.session.remove()
