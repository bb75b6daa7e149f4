"""Private subscription feeds (signed, rotatable tokens) and the public event calendar."""

import json
from datetime import date, time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from itsdangerous import URLSafeSerializer
from itsdangerous.encoding import base64_encode
from sqlalchemy import delete

from eventapp.calendar import services as calendar
from eventapp.calendar.models import CalendarFeed
from eventapp.events.models import EventRole
from eventapp.extensions import db
from eventapp.meetings import services as meetings
from tests.calendar.helpers import parse_calendar
from tests.conftest import add_other_event, login


def feed_path(user, event):
    feed = calendar.feed_of(user, event)
    db.session.commit()
    url = calendar.feed_urls(feed)["https"]
    assert url.startswith("http://testserver/e/test-expo/calendar/feed/")
    return url.removeprefix("http://testserver")


def uids(data):
    parsed, _other = parse_calendar(data)
    return [str(e["UID"]) for e in parsed.walk("VEVENT")]


def test_feed_lists_fair_days_and_own_meetings(meetup, client):
    meeting = meetup.schedule()
    response = client.get(feed_path(meetup.exhibitor_staff, meetup.event))  # no login
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    parsed, other = parse_calendar(response.data)
    assert str(parsed["METHOD"]) == "PUBLISH" == other.method.value
    assert str(parsed["X-WR-CALNAME"]) == "Test Expo: my calendar"
    assert parsed["REFRESH-INTERVAL"].params["VALUE"] == "DURATION"
    assert uids(response.data) == [
        f"event{meetup.event.id}-day-20250917@kicxup.eventapp",
        f"event{meetup.event.id}-day-20250918@kicxup.eventapp",
        meeting.uid,
    ]
    event = list(parsed.walk("VEVENT"))[2]
    assert str(event["SUMMARY"]) == "Meeting with Gamma Group"
    assert "ATTENDEE" not in event
    assert [str(tz["TZID"]) for tz in parsed.walk("VTIMEZONE")] == ["Asia/Seoul"]


def test_feed_holds_only_the_users_own_meetings(meetup, client):
    meeting = meetup.schedule()
    beta_feed = client.get(feed_path(meetup.other_exhibitor, meetup.event))
    assert beta_feed.status_code == 200
    assert meeting.uid not in uids(beta_feed.data)
    gamma_feed = client.get(feed_path(meetup.attendee, meetup.event))
    assert meeting.uid in uids(gamma_feed.data)
    # Cancelled meetings leave the feed.
    meetings.cancel_meeting(meeting, meetup.organizer)
    db.session.commit()
    assert meeting.uid not in uids(client.get(feed_path(meetup.attendee, meetup.event)).data)


def test_fair_days_are_timed_in_seoul(small_event, client):
    data = client.get(feed_path(small_event.staff, small_event.event)).data
    parsed, _other = parse_calendar(data)
    days = list(parsed.walk("VEVENT"))
    assert [(e.start.isoformat(), e.end.isoformat()) for e in days] == [
        ("2025-09-17T10:00:00+09:00", "2025-09-17T17:00:00+09:00"),
        ("2025-09-18T10:00:00+09:00", "2025-09-18T17:00:00+09:00"),
    ]
    assert all(e["DTSTART"].params["TZID"] == "Asia/Seoul" for e in days)
    assert all(e["TRANSP"] == "TRANSPARENT" for e in days)


def test_rotating_the_feed_invalidates_the_old_address(meetup, client):
    old = feed_path(meetup.exhibitor_admin, meetup.event)
    assert client.get(old).status_code == 200
    login(client, meetup.exhibitor_admin)
    response = client.post("/e/test-expo/calendar/rotate")
    assert response.status_code == 302
    client.post("/logout")
    db.session.expire_all()
    new = feed_path(meetup.exhibitor_admin, meetup.event)
    assert new != old
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200
    feed = db.session.scalar(db.select(CalendarFeed))
    assert feed.version == 2 and feed.rotated_at is not None


def test_page_shows_https_and_webcal_addresses(meetup, client):
    login(client, meetup.attendee)
    page = client.get("/e/test-expo/calendar/").get_data(as_text=True)
    path = feed_path(meetup.attendee, meetup.event)
    assert f'value="http://testserver{path}"' in page
    assert f'href="webcal://testserver{path}"' in page
    assert 'action="/e/test-expo/calendar/rotate"' in page


def test_page_with_the_secret_address_is_not_kept_in_caches(meetup, client):
    login(client, meetup.attendee)
    response = client.get("/e/test-expo/calendar/")
    assert calendar.feed_urls(calendar.feed_of(meetup.attendee, meetup.event))["https"] in (
        response.get_data(as_text=True)
    )
    assert "no-store" in response.cache_control
    assert response.cache_control.private


def test_another_users_feed_cannot_be_opened_or_forged(meetup, app, client):
    mine = calendar.feed_of(meetup.exhibitor_admin, meetup.event)
    theirs = calendar.feed_of(meetup.attendee, meetup.event)
    db.session.commit()
    assert calendar.feed_token(mine) != calendar.feed_token(theirs)
    assert mine.secret != theirs.secret
    base = "/e/test-expo/calendar/feed/"
    right_key = URLSafeSerializer(app.config["SECRET_KEY"], salt="eventapp.calendar.feed")
    wrong_key = URLSafeSerializer("guessed-secret-key", salt="eventapp.calendar.feed")
    edited_payload = base64_encode(json.dumps([theirs.id, theirs.secret])).decode()
    forged = [
        # My secret with their feed id: the secret belongs to the row.
        right_key.dumps([theirs.id, mine.secret]),
        # Their id and secret, signed with a guessed key.
        wrong_key.dumps([theirs.id, theirs.secret]),
        # Their id and secret under the signature of my token.
        edited_payload + "." + calendar.feed_token(mine).rsplit(".", 1)[1],
        right_key.dumps([theirs.id, ""]),
        right_key.dumps({"id": theirs.id}),
        "not-a-token",
    ]
    for token in forged:
        assert client.get(f"{base}{token}.ics").status_code == 404, token
    assert client.get(f"{base}{calendar.feed_token(theirs)}.ics").status_code == 200


def test_token_is_bound_to_its_event(meetup, client):
    other = add_other_event(starts_on=date(2025, 10, 1))
    db.session.add(EventRole(event=other, user=meetup.attendee, role="attendee"))
    db.session.commit()
    token = calendar.feed_token(calendar.feed_of(meetup.attendee, meetup.event))
    db.session.commit()
    assert client.get(f"/e/other-expo/calendar/feed/{token}.ics").status_code == 404
    assert client.get(f"/e/test-expo/calendar/feed/{token}.ics").status_code == 200


def test_feed_closes_when_the_user_leaves_the_event(meetup, client):
    path = feed_path(meetup.attendee, meetup.event)
    db.session.execute(delete(EventRole).where(EventRole.user_id == meetup.attendee.id))
    db.session.commit()
    assert client.get(path).status_code == 404


def test_first_use_is_safe_against_a_concurrent_first_use(meetup):
    first = calendar.feed_of(meetup.staff, meetup.event)
    db.session.commit()
    # Another worker's row exists: a second call returns it instead of failing.
    assert calendar.feed_of(meetup.staff, meetup.event).id == first.id
    assert db.session.scalar(db.select(db.func.count()).select_from(CalendarFeed)) == 1


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(token=st.text(max_size=120))
def test_any_text_as_token_opens_nothing(test_event, token):
    assert calendar.resolve_token(test_event, token) is None


def test_event_calendar_is_public(small_event, client):
    response = client.get("/e/test-expo/calendar.ics?lang=en")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert "public" in response.headers["Cache-Control"]
    parsed, other = parse_calendar(response.data)
    assert str(parsed["METHOD"]) == "PUBLISH"
    assert str(parsed["X-WR-CALNAME"]) == "Test Expo"
    assert uids(response.data) == [
        f"event{small_event.event.id}-day-20250917@kicxup.eventapp",
        f"event{small_event.event.id}-day-20250918@kicxup.eventapp",
    ]
    assert len(other.contents["vevent"]) == 2
    korean, _other = parse_calendar(client.get("/e/test-expo/calendar.ics?lang=ko").data)
    assert str(korean["X-WR-CALNAME"]) == "테스트 엑스포"


def test_shared_caches_keep_the_languages_of_the_event_calendar_apart(small_event, client):
    # One address, two languages (by header): a public cache must key on the header
    # and on the cookie (a signed-in person's or the session's language choice).
    english = client.get("/e/test-expo/calendar.ics", headers={"Accept-Language": "en"})
    korean = client.get("/e/test-expo/calendar.ics", headers={"Accept-Language": "ko"})
    assert str(parse_calendar(english.data)[0]["X-WR-CALNAME"]) == "Test Expo"
    assert str(parse_calendar(korean.data)[0]["X-WR-CALNAME"]) == "테스트 엑스포"
    for response in (english, korean):
        assert "public" in response.headers["Cache-Control"]
        assert {"accept-language", "cookie"} <= {v.lower() for v in response.vary}
    # "My calendar" offers an address that names the language itself, for calendar
    # apps, which send neither the cookie nor the reader's language.
    login(client, small_event.attendee)
    page = client.get("/e/test-expo/calendar/?lang=ko").get_data(as_text=True)
    assert "/e/test-expo/calendar.ics?lang=ko" in page


def test_event_calendar_shows_meeting_zone_hours(small_event, client):
    meetings.save_settings(
        small_event.event,
        small_event.organizer,
        meeting_days=["2025-09-18"],
        day_starts_at=time(13, 0),
        day_ends_at=time(16, 30),
        breaks=[["14:00", "14:15"]],
        table_count=1,
        table_label="Hall B lounge",
    )
    db.session.commit()
    parsed, _other = parse_calendar(client.get("/e/test-expo/calendar.ics").data)
    zone = [e for e in parsed.walk("VEVENT") if "meetup" in str(e["UID"])]
    assert len(zone) == 1
    assert zone[0].start.isoformat() == "2025-09-18T13:00:00+09:00"
    assert zone[0].end.isoformat() == "2025-09-18T16:30:00+09:00"
    assert "Hall B lounge" in str(zone[0]["LOCATION"])
    assert "14:00-14:15" in str(zone[0]["DESCRIPTION"])


def test_meeting_download_for_participants(meetup, client):
    meeting = meetup.schedule()
    login(client, meetup.exhibitor_staff)
    response = client.get(f"/e/test-expo/calendar/meetings/{meeting.id}.ics")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    parsed, _other = parse_calendar(response.data)
    assert str(parsed["METHOD"]) == "PUBLISH"
    assert uids(response.data) == [meeting.uid]
    page = client.get("/e/test-expo/calendar/").get_data(as_text=True)
    assert f"/e/test-expo/calendar/meetings/{meeting.id}.ics" in page
    assert "2025-09-17 10:00–10:30" in page  # Seoul time


def test_the_fair_days_keep_their_uids_when_the_slug_changes(small_event, client):
    """Calendars match events by UID: named after the slug, the days of a fair whose
    address changed were imported a second time beside the first."""
    before = uids(client.get("/e/test-expo/calendar.ics").data)
    small_event.event.slug = "kicxup-global"
    db.session.commit()
    assert uids(client.get("/e/kicxup-global/calendar.ics").data) == before
