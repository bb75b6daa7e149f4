"""A company's website becomes a link on its pages: only http(s) addresses may be links."""

import pytest
from sqlalchemy import func, select

from eventapp.booths.models import Exhibitor
from eventapp.exhibitors.forms import WEB_ADDRESS, normalize_website
from eventapp.extensions import db
from eventapp.meetings.models import MeetingProfile
from eventapp.organizations.models import Organization
from tests.conftest import login
from tests.exhibitors.conftest import registration_data
from tests.meetings.conftest import meetup, request_ctx  # noqa: F401  (fixtures)

REGISTER = "/e/test-expo/exhibit"
SCRIPT_URL = "javascript://example.com/%0Aalert(document.domain)"


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize(
    "value, stored",
    [
        ("delta.example", "https://delta.example"),
        ("http://delta.example/about", "http://delta.example/about"),
        ("HTTPS://Delta.example", "HTTPS://Delta.example"),
        ("delta.example/?next=http://x.example", "https://delta.example/?next=http://x.example"),
        ("javascript:alert(document.domain)", "https://javascript:alert(document.domain)"),
    ],
)
def test_web_addresses_are_normalized_to_http_or_https(value, stored):
    assert normalize_website(value) == stored
    assert WEB_ADDRESS.match(stored)


@pytest.mark.parametrize(
    "value",
    [SCRIPT_URL, "JavaScript://example.com/%0Aalert(1)", "data://text.html/x", "ftp://a.example"],
)
def test_other_schemes_are_not_web_addresses(value):
    assert not WEB_ADDRESS.match(normalize_website(value))


def test_registration_with_a_javascript_website_is_refused(client, small_event, newcomer):
    login(client, newcomer)
    before = count(Exhibitor), count(Organization)
    response = client.post(REGISTER + "?lang=en", data=registration_data(website=SCRIPT_URL))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Give a web address" in page
    assert (count(Exhibitor), count(Organization)) == before


def test_editing_to_a_javascript_website_is_refused(login_as, small_event):
    alpha = small_event.exhibitors["alpha"]
    client = login_as("exhibitor_admin")
    response = client.post(
        f"/e/test-expo/exhibitors/{alpha.id}/edit?lang=en",
        data=registration_data(
            name_ko="알파로보틱스", name_en="Alpha Robotics", website=SCRIPT_URL
        ),
    )
    assert response.status_code == 200
    assert "Give a web address" in response.get_data(as_text=True)
    db.session.expire_all()
    assert small_event.companies["alpha"].website is None


def assert_not_a_link(page):
    assert SCRIPT_URL in page  # still shown, as text
    assert 'href="javascript' not in page.lower()
    assert f'href="{SCRIPT_URL}"' not in page


def test_a_stored_javascript_website_is_not_a_link_on_the_company_pages(login_as, small_event):
    alpha = small_event.exhibitors["alpha"]
    small_event.companies["alpha"].website = SCRIPT_URL  # e.g. saved before the check
    db.session.commit()
    page = login_as("exhibitor_admin").get(f"/e/test-expo/exhibitors/{alpha.id}/")
    assert page.status_code == 200
    assert_not_a_link(page.get_data(as_text=True))
    page = login_as("organizer").get(f"/e/test-expo/manage/exhibitors/{alpha.id}")
    assert page.status_code == 200
    assert_not_a_link(page.get_data(as_text=True))


def test_a_web_address_stays_a_link_on_the_company_page(login_as, small_event):
    alpha = small_event.exhibitors["alpha"]
    small_event.companies["alpha"].website = "HTTPS://alpha.example"
    db.session.commit()
    page = login_as("exhibitor_admin").get(f"/e/test-expo/exhibitors/{alpha.id}/")
    assert '<a href="HTTPS://alpha.example"' in page.get_data(as_text=True)


@pytest.mark.usefixtures("meetup")
def test_a_stored_javascript_website_is_not_a_link_on_the_meetup_profile(login_as, small_event):
    gamma = small_event.companies["gamma"]
    gamma.website = SCRIPT_URL
    db.session.commit()
    profile = db.session.scalar(
        select(MeetingProfile).where(MeetingProfile.organization_id == gamma.id)
    )
    client = login_as("exhibitor_admin")
    page = client.get(f"/e/test-expo/meetings/partners/{profile.id}")
    assert page.status_code == 200
    assert_not_a_link(page.get_data(as_text=True))
    gamma.website = "https://gamma.example"
    db.session.commit()
    page = client.get(f"/e/test-expo/meetings/partners/{profile.id}").get_data(as_text=True)
    assert '<a href="https://gamma.example"' in page
