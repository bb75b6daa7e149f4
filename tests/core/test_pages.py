import re

import pytest
from sqlalchemy import event as sa_event

from eventapp.core.db import UTCDateTime
from eventapp.extensions import db


def test_healthz_checks_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_pages_name_an_icon_and_favicon_ico_finds_it(client, small_event):
    page = client.get("/e/test-expo/?lang=en").get_data(as_text=True)
    match = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', page)
    assert match
    icon = client.get(match.group(1))
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
    assert b"<svg" in icon.data
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response.headers["Location"].split("?")[0] == "/static/favicon.svg"


def test_event_home_shows_dates_and_halls(client, small_event):
    page = client.get("/e/test-expo/?lang=en").get_data(as_text=True)
    assert "Test Expo" in page
    assert "Hall A" in page and "Hall B" in page
    assert "2025" in page


def test_not_found_page_in_both_languages(client):
    english = client.get("/no-such-page?lang=en")
    assert english.status_code == 404
    assert "We could not find this page." in english.get_data(as_text=True)
    korean = client.get("/no-such-page?lang=ko")
    assert korean.status_code == 404
    assert "페이지를 찾을 수 없습니다" in korean.get_data(as_text=True)


def test_unknown_event_is_404(client):
    assert client.get("/e/nope/").status_code == 404


def test_forbidden_page_is_friendly(login_as):
    client = login_as("attendee")
    response = client.get("/e/test-expo/manage/?lang=en")
    assert response.status_code == 403
    assert "You do not have access to this page." in response.get_data(as_text=True)
    korean = client.get("/e/test-expo/manage/?lang=ko")
    assert korean.status_code == 403
    page = korean.get_data(as_text=True)
    assert "접근 권한 없음" in page
    assert "이 페이지에 접근할 권한이 없습니다." in page
    assert "운영자가 등록한 계정으로 로그인" in page


def test_server_error_page(app):
    from eventapp import create_app

    fresh = create_app(dict(app.config))

    @fresh.get("/boom-for-test")
    def boom():
        raise RuntimeError("boom")

    response = fresh.test_client().get("/boom-for-test?lang=en")
    assert response.status_code == 500
    assert "Something went wrong" in response.get_data(as_text=True)


def test_utc_datetime_refuses_naive_values():
    import datetime

    import pytest

    with pytest.raises(ValueError):
        UTCDateTime().process_bind_param(datetime.datetime(2025, 9, 17, 10), None)


def test_local_time_shows_seoul_wall_clock(app):
    from datetime import UTC, datetime

    from eventapp.core.templating import local_time

    with app.test_request_context("/?lang=en"):
        # 01:00 UTC is 10:00 in Seoul, and must not be shifted twice.
        assert local_time(datetime(2025, 9, 17, 1, 0, tzinfo=UTC)) == "2025-09-17 10:00"
        assert local_time(None) == ""


def test_local_clock_names_the_day_unless_it_is_today_in_seoul(app):
    """A hold may end up to a day later: "until 10:00" must not be tomorrow's 10:00."""
    from datetime import UTC, datetime

    from eventapp.core.templating import local_clock

    ten_am = datetime(2025, 9, 17, 1, 0, tzinfo=UTC)  # 10:00 in Seoul
    half_past_midnight = datetime(2025, 9, 16, 15, 30, tzinfo=UTC)  # 00:30 on the 17th
    morning = datetime(2025, 9, 17, 0, 0, tzinfo=UTC)  # 09:00 on the 17th in Seoul
    late_evening = datetime(2025, 9, 16, 14, 0, tzinfo=UTC)  # 23:00 on the 16th in Seoul
    with app.test_request_context("/?lang=en"):
        assert local_clock(ten_am, now=morning) == "10:00"
        assert local_clock(ten_am, now=late_evening) == "Sep 17 10:00"
        # Same day in UTC, the next one in Seoul.
        assert local_clock(half_past_midnight, now=late_evening) == "Sep 17 00:30"
        assert local_clock(None) == ""
    with app.test_request_context("/?lang=ko"):
        assert local_clock(ten_am, now=morning) == "10:00"
        assert local_clock(ten_am, now=late_evening) == "9월 17일 10:00"


def test_pages_show_times_in_their_events_time_zone(app):
    """A page of an event held outside Seoul (the leads list, the scan log, device
    expiry) shows that event's wall clock without each template naming the event."""
    from datetime import UTC, datetime
    from types import SimpleNamespace
    from zoneinfo import ZoneInfo

    from flask import render_template_string

    moment = datetime(2025, 9, 17, 1, 0, tzinfo=UTC)
    page = "{{ t|local_time }}|{{ t|local_time('HH:mm') }}"
    with app.test_request_context("/?lang=en"):
        berlin = SimpleNamespace(tz=ZoneInfo("Europe/Berlin"))
        assert render_template_string(page, t=moment, event=berlin) == "2025-09-17 03:00|03:00"
        assert render_template_string(page, t=moment) == "2025-09-17 10:00|10:00"
        # Something else called "event" (a form field's name, say) is not a time zone.
        assert render_template_string(page, t=moment, event="click") == "2025-09-17 10:00|10:00"


@pytest.fixture
def database_down(app_ctx):
    """Every statement fails the way a lost database connection does."""
    dbapi_error = db.engine.dialect.loaded_dbapi.OperationalError

    def refuse(*_args, **_kwargs):
        raise dbapi_error("server closed the connection unexpectedly")

    def switch(on=True):
        if on:
            # Test requests share the test's session; a real request would not
            # find the signed-in user already loaded in it.
            db.session.remove()
            sa_event.listen(db.engine, "before_cursor_execute", refuse)
        elif sa_event.contains(db.engine, "before_cursor_execute", refuse):
            sa_event.remove(db.engine, "before_cursor_execute", refuse)

    yield switch
    switch(False)


ENGLISH_500 = "Something went wrong on our side. Nothing you entered was half-saved"
KOREAN_500 = "서버에서 문제가 발생했습니다. 입력하신 내용이 일부만 저장되는 일은 없으니"


def test_server_error_page_shows_when_the_database_is_down(login_as, database_down):
    client = login_as("attendee")  # signed in, so the layout would load the user
    database_down()
    for url in ("/e/test-expo/?lang=en", "/account?lang=en", "/"):
        response = client.get(url)
        assert response.status_code == 500, url
        page = response.get_data(as_text=True)
        # The user prefers English; without the database that is known from the session.
        assert ENGLISH_500 in page, url
        assert '<html lang="en">' in page

    korean = client.get("/e/test-expo/?lang=ko").get_data(as_text=True)
    assert KOREAN_500 in korean and '<html lang="ko">' in korean


def test_server_error_page_in_korean_for_anonymous_visitors(client, small_event, database_down):
    database_down()
    response = client.get("/e/test-expo/", headers={"Accept-Language": "ko-KR,ko;q=0.9"})
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert KOREAN_500 in page
    assert "문제가 발생했습니다" in page  # the title
    english = client.get("/e/test-expo/", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert ENGLISH_500 in english.get_data(as_text=True)


def test_other_error_pages_fall_back_when_the_database_is_down(login_as, database_down):
    client = login_as("attendee")
    database_down()
    # The 404 page's layout needs the signed-in user; the plain page still shows.
    response = client.get("/no-such-page?lang=en")
    assert response.status_code == 500
    assert ENGLISH_500 in response.get_data(as_text=True)


def test_server_error_json_when_the_database_is_down(client, small_event, database_down):
    database_down()
    response = client.get("/e/test-expo/", headers={"Accept": "application/json"})
    assert response.status_code == 500
    assert response.get_json()["error"] == "Internal Server Error"


def test_other_error_pages_do_not_show_werkzeugs_english(client, small_event, monkeypatch):
    """Korean readers hitting a refused method or an oversized upload see the
    page's own words, never Werkzeug's built-in English description."""
    monkeypatch.setitem(client.application.config, "MAX_CONTENT_LENGTH", 1000)
    for lang in ("en", "ko"):
        refused = client.put(f"/events?lang={lang}")
        assert refused.status_code == 405
        assert "The method is not allowed" not in refused.get_data(as_text=True), lang
        too_large = client.post(f"/login?lang={lang}", data={"email": "x" * 5000})
        assert too_large.status_code == 413
        assert "capacity limit" not in too_large.get_data(as_text=True), lang
    english = client.post("/login?lang=en", data={"email": "x" * 5000}).get_data(as_text=True)
    assert "What you sent is too large." in english
    korean = client.post("/login?lang=ko", data={"email": "x" * 5000}).get_data(as_text=True)
    assert "보낸 내용이 너무 큽니다." in korean


def test_the_front_door_keeps_the_language_of_the_link(client, small_event):
    """ "/?lang=en" on a poster leads to the event's page in English, whatever the
    reader's saved language; a language the app does not speak is dropped."""
    assert client.get("/?lang=en").location.endswith("/e/test-expo/?lang=en")
    assert client.get("/?lang=xx").location.endswith("/e/test-expo/")


def test_the_front_door_leads_a_signed_in_person_to_their_event(login_as, small_event):
    """Signing in (or confirming the address) without a page to return to leads to the
    event the person takes part in, not to a newer one of the site."""
    from datetime import date

    from eventapp.extensions import db
    from tests.conftest import add_other_event

    add_other_event("later-expo", starts_on=date(2099, 1, 1))
    db.session.commit()
    client = login_as("attendee")
    assert client.get("/").location.endswith("/e/test-expo/")
    assert client.get("/?lang=en").location.endswith("/e/test-expo/?lang=en")
    # Without a part anywhere, or signed out: the newest event.
    client.post("/logout")
    assert client.get("/").location.endswith("/e/later-expo/")
