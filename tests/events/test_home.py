"""The event's home page: what it offers to whom, before and after the fair."""

import re
from datetime import date, timedelta

import time_machine
from sqlalchemy import func, select

from eventapp.events.models import EventRole
from eventapp.extensions import db


def _roles_of(user):
    return db.session.scalar(
        select(func.count()).select_from(EventRole).where(EventRole.user_id == user.id)
    )


def _move_to_the_future(event):
    event.starts_on = date.today() + timedelta(days=30)
    event.ends_on = event.starts_on + timedelta(days=1)
    db.session.commit()


def test_a_fair_that_is_over_says_so_and_offers_no_registration(login_as, small_event):
    # The small event was held on 17-18 September 2025.
    page = login_as("anonymous").get("/e/test-expo/?lang=en").get_data(as_text=True)
    assert "This event ended on September 18, 2025. Registration is closed." in page
    assert "Sign up to take part" not in page
    assert ">Exhibit<" not in page
    korean = login_as("anonymous").get("/e/test-expo/?lang=ko").get_data(as_text=True)
    assert "2025년 9월 18일에 끝난 행사입니다. 참가 등록은 마감되었습니다." in korean

    client = login_as("outsider")
    page = client.get("/e/test-expo/?lang=en").get_data(as_text=True)
    assert "This event ended" in page and "Register as attendee" not in page
    # Posted anyway (an old tab): refused, saying why, and nothing written.
    response = client.post("/e/test-expo/join?lang=en")
    assert response.status_code == 302 and response.location.endswith("/e/test-expo/?lang=en")
    page = client.get(response.location).get_data(as_text=True)
    assert "Test Expo ended on September 18, 2025: registration is closed." in page
    assert _roles_of(small_event.outsider) == 0


def test_a_fair_to_come_offers_sign_up_and_registration(login_as, small_event):
    _move_to_the_future(small_event.event)
    page = login_as("anonymous").get("/e/test-expo/?lang=en").get_data(as_text=True)
    assert "Sign up to take part" in page and ">Exhibit<" in page
    assert "This event ended" not in page
    client = login_as("outsider")
    assert "Register as attendee" in client.get("/e/test-expo/?lang=en").get_data(as_text=True)
    assert client.post("/e/test-expo/join").status_code == 302
    assert _roles_of(small_event.outsider) == 1


def test_the_fair_ends_at_midnight_in_its_own_time_zone(login_as, small_event):
    """The last day (18 September) ends at midnight in Seoul, 15:00 UTC: registering
    stays open through the evening of the last day there, and no longer."""
    with time_machine.travel("2025-09-18T15:00:00Z", tick=False):
        client = login_as("outsider")
        page = client.get("/e/test-expo/?lang=en").get_data(as_text=True)
        assert "This event ended" in page and "Register as attendee" not in page
        client.post("/e/test-expo/join")
        assert _roles_of(small_event.outsider) == 0
    with time_machine.travel("2025-09-18T14:59:00Z", tick=False):
        client = login_as("outsider")
        page = client.get("/e/test-expo/?lang=en").get_data(as_text=True)
        assert "Register as attendee" in page and "This event ended" not in page
        client.post("/e/test-expo/join")
        assert _roles_of(small_event.outsider) == 1


def test_the_home_page_shows_the_details_the_event_has(client, small_event):
    """The small event names no venue, city, host fair nor description: no empty
    "Venue" is shown. Its contact address is how people reach the organizers."""
    page = client.get("/e/test-expo/?lang=en").get_data(as_text=True)
    assert "<dt>Venue</dt>" not in page and 'class="eyebrow"' not in page
    assert (
        '<dt>Contact e-mail</dt><dd><a href="mailto:expo@example.org">expo@example.org</a>' in page
    )
    small_event.event.venue_en, small_event.event.city = "COEX Hall B", "Seoul"
    db.session.commit()
    page = client.get("/e/test-expo/?lang=en").get_data(as_text=True)
    assert "<dt>Venue</dt><dd>COEX Hall B, Seoul</dd>" in page


def test_the_list_of_events_says_which_are_over(client, small_event):
    from tests.conftest import add_other_event

    add_other_event("later-expo", starts_on=date.today() + timedelta(days=60))
    db.session.commit()
    page = client.get("/events?lang=en").get_data(as_text=True)
    cards = {
        slug: page.split(f'href="/e/{slug}/"', 1)[1].split("</a>", 1)[0]
        for slug in ("test-expo", "later-expo")
    }
    assert ">ended<" in cards["test-expo"] and ">ended<" not in cards["later-expo"]
    # No venue named: no dangling separator after the dates.
    assert "· </p>" not in cards["later-expo"] and " · \n" not in cards["later-expo"]
    assert ">종료<" in client.get("/events?lang=ko").get_data(as_text=True)


def test_events_starting_the_same_day_are_listed_by_name(client, small_event):
    """Ordered by the first day alone, they came in no fixed order."""
    from tests.conftest import add_other_event

    day = date(2026, 5, 1)
    for slug, english, korean in (
        ("zeta-expo", "Zeta Expo", "가나 엑스포"),
        ("alpha-expo", "alpha Expo", "하늘 엑스포"),
        ("alpha-twin", "alpha Expo", "다른 엑스포"),
        ("mid-expo", "Mid Expo", "나무 엑스포"),
    ):
        event = add_other_event(slug, starts_on=day)
        event.name_en, event.name_ko = english, korean
    add_other_event("later-expo", starts_on=day + timedelta(days=1))
    db.session.commit()

    def order(lang):
        page = client.get(f"/events?lang={lang}").get_data(as_text=True)
        return [slug for slug in re.findall(r'href="/e/([a-z-]+)/"', page) if slug != "test-expo"]

    # Same name: the event created first comes first.
    assert order("en") == ["later-expo", "alpha-expo", "alpha-twin", "mid-expo", "zeta-expo"]
    assert order("ko") == ["later-expo", "zeta-expo", "mid-expo", "alpha-twin", "alpha-expo"]


def test_the_description_keeps_its_paragraphs(client, small_event):
    small_event.event.description_en = "Meet startups.\n\nBook one-on-one meetings."
    db.session.commit()
    page = client.get("/e/test-expo/?lang=en").get_data(as_text=True)
    assert '<p class="lead multiline">Meet startups.\n\nBook one-on-one meetings.</p>' in page


def test_people_registered_see_as_what_they_take_part(login_as, small_event):
    page = login_as("exhibitor_admin").get("/e/test-expo/?lang=en").get_data(as_text=True)
    assert "You take part as exhibitor (company admin)." in page
    _move_to_the_future(small_event.event)
    client = login_as("outsider")
    assert 'id="my-roles"' not in client.get("/e/test-expo/?lang=en").get_data(as_text=True)
    client.post("/e/test-expo/join")
    page = client.get("/e/test-expo/?lang=en").get_data(as_text=True)
    assert "You take part as attendee." in page and "Register as attendee" not in page
    korean = client.get("/e/test-expo/?lang=ko").get_data(as_text=True)
    assert 'id="my-roles">참관객' in korean


def test_the_list_of_events_gives_each_fair_its_dates_with_the_year(client, small_event):
    """The list showed "26. 12. 10. – 26. 12. 11." in Korean (and "Dec 10, 2026 – Dec 11,
    2026"): one range, with its year, that reads at a glance, across years too."""
    from tests.conftest import add_other_event

    small_event.event.starts_on, small_event.event.ends_on = date(2026, 12, 10), date(2026, 12, 11)
    add_other_event("winter-expo", starts_on=date(2026, 12, 30), ends_on=date(2027, 1, 2))
    db.session.commit()
    page = client.get("/events?lang=en").get_data(as_text=True)
    assert "<p>Dec 10\u2009–\u200911, 2026</p>" in page
    assert "<p>Dec 30, 2026\u2009–\u2009Jan 2, 2027</p>" in page
    korean = client.get("/events?lang=ko").get_data(as_text=True)
    assert "<p>2026년 12월 10일~11일</p>" in korean
    assert "<p>2026년 12월 30일 ~ 2027년 1월 2일</p>" in korean
    assert "26. 12. 10." not in korean


def test_the_home_page_gives_the_fair_days_as_one_range_with_weekdays(client, small_event):
    """Visitors planning their trip read the days at a glance: "Wed, Sep 17 – Thu,
    Sep 18, 2025", not two long dates each with its year."""
    page = client.get("/e/test-expo/?lang=en").get_data(as_text=True)
    # Babel sets the dash between thin spaces.
    assert "<dt>Dates</dt><dd>Wed, Sep 17\u2009–\u2009Thu, Sep 18, 2025</dd>" in page
    page = client.get("/e/test-expo/?lang=ko").get_data(as_text=True)
    assert "<dd>2025년 9월 17일 (수) ~ 18일 (목)</dd>" in page
