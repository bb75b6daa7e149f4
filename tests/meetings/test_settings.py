"""The organizer's settings page: days, slot length, breaks, tables, caps, booking window
and the firms that receive at their own booth."""

from datetime import datetime

from eventapp.extensions import db
from eventapp.meetings import services
from tests.conftest import login


def test_settings_page_generates_slots_and_tables(meetup, client):
    day = meetup.event.starts_on.isoformat()
    login(client, meetup.organizer)
    page = client.get("/e/test-expo/meetings/manage/settings").get_data(as_text=True)
    assert "D1-1000" in page and "T02" in page
    response = client.post(
        "/e/test-expo/meetings/manage/settings",
        data={
            "meeting_days": [day],
            "slot_minutes": "20",
            "day_starts_at": "10:00",
            "day_ends_at": "11:00",
            "breaks": "10:20-10:40",
            "table_count": "3",
            "table_label": "Hall B meeting zone",
            "booking_opens_at": "2026-01-05T09:00",
            "booking_closes_at": "",
            "startup_cap": "4",
            "firm_cap": "",
            "first_meeting_bonus": "5",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.session.expire_all()
    settings = services.get_settings(meetup.event)
    assert (settings.slot_minutes, settings.startup_cap, settings.firm_cap) == (20, 4, None)
    assert settings.breaks == [["10:20", "10:40"]] and settings.first_meeting_bonus == 5
    opens = settings.booking_opens_at.astimezone(meetup.event.tz)
    assert opens.replace(tzinfo=None) == datetime(2026, 1, 5, 9, 0)
    assert [s.code for s in services.slots_of(meetup.event)] == ["D1-1000", "D1-1040"]
    tables = services.tables_of(meetup.event)
    assert [t.code for t in tables] == ["T01", "T02", "T03"]
    assert {t.label for t in tables} == {"Hall B meeting zone"}


def test_invalid_settings_change_nothing(meetup, client):
    login(client, meetup.organizer)
    response = client.post(
        "/e/test-expo/meetings/manage/settings",
        data={
            "meeting_days": [meetup.event.starts_on.isoformat()],
            "slot_minutes": "30",
            "day_starts_at": "12:00",
            "day_ends_at": "10:00",
            "breaks": "",
            "table_count": "1",
        },
    )
    assert response.status_code == 200
    assert "must end after it starts" in response.get_data(as_text=True)
    db.session.expire_all()
    assert len(services.slots_of(meetup.event)) == 8
    assert len(services.tables_of(meetup.event)) == 2


def test_booth_reception_form(meetup, client):
    beta, gamma = meetup.profiles["beta"], meetup.profiles["gamma"]
    login(client, meetup.organizer)
    response = client.post(
        "/e/test-expo/meetings/manage/booths",
        data={"at_booth": [str(beta.id)], f"booth_{beta.id}": "B-05", f"booth_{gamma.id}": ""},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert beta.location == "B-05" and gamma.location is None
    # A firm without a booth allocation needs a code.
    response = client.post(
        "/e/test-expo/meetings/manage/booths", data={"at_booth": [str(gamma.id)]}
    )
    db.session.expire_all()
    assert gamma.location is None
