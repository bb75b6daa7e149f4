from eventapp.core.db import UTCDateTime


def test_healthz_checks_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


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
