"""Organizers edit their event's details on the event settings page."""

import threading
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from eventapp.core.audit import AuditEntry
from eventapp.core.db import utcnow
from eventapp.core.permissions import roles_of
from eventapp.events import services
from eventapp.events.models import Event, EventRole
from eventapp.extensions import db
from tests.conftest import add_other_event, assert_access
from tests.meetings.conftest import accepted_request, meetup, request_ctx  # noqa: F401

URL = "/e/test-expo/manage/settings"


def details(event, **changes):
    data = {
        key: getattr(event, key).strftime("%H:%M")
        if isinstance(getattr(event, key), time)
        else str(getattr(event, key) or "")
        for key in services.DETAIL_FIELDS
    }
    data["version"] = services.details_version(event)
    data.update({k: v.isoformat() if isinstance(v, date) else v for k, v in changes.items()})
    return data


def post(client, event, **changes):
    return client.post(URL + "?lang=en", data=details(event, **changes))


def test_organizer_edits_the_details(login_as, small_event):
    event = small_event.event
    client = login_as("organizer")
    page = client.get("/e/test-expo/manage/?lang=en").get_data(as_text=True)
    assert URL in page
    response = post(
        client,
        event,
        name_en="Test Expo 2025",
        venue_ko="코엑스",
        ends_on=date(2025, 9, 19),
        closes_at="18:00",
        timezone="Asia/Tokyo",
        contact_email="hello@example.org",
    )
    assert response.status_code == 302
    db.session.refresh(event)
    assert (event.name_en, event.venue_ko, event.ends_on) == (
        "Test Expo 2025",
        "코엑스",
        date(2025, 9, 19),
    )
    assert (event.closes_at, event.timezone, event.contact_email) == (
        time(18),
        "Asia/Tokyo",
        "hello@example.org",
    )
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "event.updated"))
    assert entry.data["ends_on"] == "2025-09-19" and "slug" not in entry.data


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name_ko": ""}, "This field is required."),
        ({"timezone": "Mars/Olympus"}, "Mars/Olympus is not a time zone"),
        ({"ends_on": date(2025, 9, 16)}, "The last day cannot come before the first day."),
        ({"closes_at": "10:00"}, "The fair must close after it opens."),
        ({"slug": "other-expo"}, "The address other-expo is taken by another event."),
        # Was a server error: the moment the last day ends lies past the calendar's end.
        (
            {"starts_on": date(9999, 12, 30), "ends_on": date(9999, 12, 31)},
            "The days of the fair must fall between the years 2000 and 2100.",
        ),
    ],
)
def test_bad_details_are_refused_and_kept_in_the_form(login_as, small_event, changes, message):
    add_other_event()
    db.session.commit()
    response = post(login_as("organizer"), small_event.event, name_en="Renamed", **changes)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert 'value="Renamed"' in response.get_data(as_text=True)
    db.session.refresh(small_event.event)
    assert small_event.event.name_en == "Test Expo"


def test_the_slug_stays_once_people_registered(login_as, small_event):
    # The small event has attendees and exhibitors.
    client = login_as("organizer")
    assert "readonly" in client.get(URL + "?lang=en").get_data(as_text=True)
    response = post(client, small_event.event, slug="test-expo-2025")
    assert "The address stays test-expo: people have registered" in response.get_data(as_text=True)
    assert db.session.scalar(select(Event.slug)) == "test-expo"


def test_the_slug_of_an_event_nobody_joined_yet_changes(login_as, small_event):
    other = add_other_event()
    services.grant_role(other, small_event.organizer, "organizer")
    db.session.commit()
    client = login_as("organizer")
    data = details(other, slug="other-expo-2026")
    response = client.post("/e/other-expo/manage/settings", data=data)
    assert response.location.endswith("/e/other-expo-2026/manage/settings")
    db.session.refresh(other)
    assert other.slug == "other-expo-2026"


def test_a_save_over_a_newer_change_is_refused(login_as, small_event):
    """The page was opened before a newer save; saving from it would undo that change."""
    event = small_event.event
    first, second = details(event, name_en="First's name"), details(event, city="Busan")
    client = login_as("organizer")
    assert client.post(URL, data=first).status_code == 302
    response = client.post(URL + "?lang=en", data=second)
    page = response.get_data(as_text=True)
    assert "You saved other details of the event since this page was opened" in page
    db.session.refresh(event)
    assert (event.name_en, event.city) == ("First's name", "")
    # The page shows the newer details, and saving from it works.
    assert 'value="First&#39;s name"' in page
    assert client.post(URL, data=details(event, city="Busan")).status_code == 302
    db.session.refresh(event)
    assert (event.name_en, event.city) == ("First's name", "Busan")


def test_settings_are_for_the_event_organizers_only(login_as, small_event):
    assert_access(login_as, URL, allowed={"organizer"})
    data = details(small_event.event, name_en="Taken over")
    for role in ("anonymous", "attendee", "exhibitor_admin", "exhibitor_staff", "staff"):
        client = login_as(role)
        for path, form in (
            (URL, data),
            ("/e/test-expo/manage/organizers", {"email": "x@y.org"}),
            (f"/e/test-expo/manage/organizers/{small_event.organizer.id}/remove", {}),
        ):
            response = client.post(path, data=form)
            assert response.status_code == 403 or "/login" in response.location, (role, path)
    db.session.refresh(small_event.event)
    assert small_event.event.name_en == "Test Expo"
    assert roles_of(small_event.organizer, small_event.event) == {"organizer"}


def test_an_organizer_of_another_event_cannot_edit_this_one(login_as, small_event):
    other = add_other_event()
    db.session.commit()
    client = login_as("organizer")
    response = client.post("/e/other-expo/manage/settings", data=details(other, name_en="Mine"))
    assert response.status_code == 403
    assert (
        client.post(
            "/e/other-expo/manage/organizers", data={"email": "outsider@example.org"}
        ).status_code
        == 403
    )
    services.grant_role(other, small_event.outsider, "organizer")
    db.session.commit()
    removal = f"/e/other-expo/manage/organizers/{small_event.outsider.id}/remove"
    assert client.post(removal).status_code == 403
    assert roles_of(small_event.outsider, other) == {"organizer"}
    db.session.refresh(other)
    assert other.name_en == "Other Expo"


def test_organizers_appoint_organizers_by_e_mail(login_as, small_event):
    client = login_as("organizer")
    unknown = client.post(
        "/e/test-expo/manage/organizers?lang=en", data={"email": "nobody@example.org"}
    )
    assert "No account uses the e-mail address nobody@example.org" in client.get(
        unknown.location
    ).get_data(as_text=True)
    client.post("/e/test-expo/manage/organizers", data={"email": "Outsider@Example.org"})
    assert roles_of(small_event.outsider, small_event.event) == {"organizer"}
    assert "outsider@example.org" in client.get(URL).get_data(as_text=True)


def test_the_appointed_organizer_is_named_by_the_address_of_the_account(login_as, small_event):
    """The message repeated the address as typed, spaces and capitals included."""
    client = login_as("organizer")
    response = client.post(
        "/e/test-expo/manage/organizers?lang=en", data={"email": " Outsider@Example.ORG "}
    )
    page = client.get(response.location).get_data(as_text=True)
    assert "outsider@example.org is an organizer of the event." in page
    assert "Outsider@Example.ORG" not in page
    assert roles_of(small_event.outsider, small_event.event) == {"organizer"}


def test_an_address_that_is_none_is_named_when_refused(login_as, small_event):
    """An address the browser lets through (no dot in the domain) was answered "Give
    the e-mail address of the organizer to appoint", as if none had been typed."""
    client = login_as("organizer")
    for lang, expected in (
        ("en", "kim@kicxup is not an e-mail address."),
        ("ko", "이메일 주소가 아닙니다."),
    ):
        response = client.post(
            f"/e/test-expo/manage/organizers?lang={lang}", data={"email": "kim@kicxup"}
        )
        page = client.get(response.location).get_data(as_text=True)
        assert expected in page and "kim@kicxup" in page
        assert "Give the e-mail address" not in page and "이메일 주소를 입력하세요" not in page
    response = client.post("/e/test-expo/manage/organizers?lang=en", data={"email": ""})
    page = client.get(response.location).get_data(as_text=True)
    assert "Give the e-mail address of the organizer to appoint." in page


def test_an_account_that_cannot_sign_in_is_not_appointed(login_as, small_event):
    """An unconfirmed account (maybe someone else's sign-up with the address) or a
    deactivated one was appointed like any other."""
    outsider = small_event.outsider
    client = login_as("organizer")
    outsider.email_confirmed_at = None
    db.session.commit()
    response = client.post(
        "/e/test-expo/manage/organizers?lang=en", data={"email": "OUTSIDER@example.org"}
    )
    assert "outsider@example.org has not confirmed the address yet" in client.get(
        response.location
    ).get_data(as_text=True)
    outsider.email_confirmed_at, outsider.active = utcnow(), False
    db.session.commit()
    response = client.post("/e/test-expo/manage/organizers?lang=ko", data={"email": outsider.email})
    assert "outsider@example.org 계정은 비활성화되어 있습니다." in client.get(
        response.location
    ).get_data(as_text=True)
    assert roles_of(outsider, small_event.event) == set()
    outsider.active = True
    db.session.commit()
    client.post("/e/test-expo/manage/organizers", data={"email": outsider.email})
    assert roles_of(outsider, small_event.event) == {"organizer"}


def test_organizers_remove_organizers_but_the_event_keeps_one(login_as, small_event):
    event, organizer, outsider = small_event.event, small_event.organizer, small_event.outsider
    client = login_as("organizer")
    client.post("/e/test-expo/manage/organizers", data={"email": outsider.email})
    page = client.get(URL + "?lang=en").get_data(as_text=True)
    remove = "/e/test-expo/manage/organizers/{}/remove"
    assert remove.format(outsider.id) in page
    assert remove.format(organizer.id) not in page  # another organizer removes them
    # Removing is asked first: a click on the red button beside a name did it at once.
    outsider_name = outsider.name or outsider.email
    assert (
        f'data-confirm="Remove {outsider_name} from the organizers? They can no longer '
        'manage this event."'
    ) in page
    page_ko = client.get(URL + "?lang=ko").get_data(as_text=True)
    assert ' 님을 주최 측에서 제외할까요? 더 이상 이 행사를 관리할 수 없습니다."' in page_ko
    response = client.post(remove.format(outsider.id) + "?lang=en")
    assert "outsider@example.org is no longer an organizer of the event." in client.get(
        response.location
    ).get_data(as_text=True)
    assert roles_of(outsider, event) == set()
    # The last organizer stays, and is told why.
    response = client.post(remove.format(organizer.id) + "?lang=en")
    assert (
        "organizer@example.org is the event&#39;s last organizer and stays one: appoint "
        "another organizer first." in client.get(response.location).get_data(as_text=True)
    )
    assert roles_of(organizer, event) == {"organizer"}
    # The log says who appointed and removed whom.
    log = client.get("/e/test-expo/manage/audit?lang=en").get_data(as_text=True)
    assert ">Organizer appointed: outsider@example.org<" in log
    assert ">Organizer removed: outsider@example.org<" in log
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "role.revoked"))
    assert (entry.user_id, entry.data["user"]) == (organizer.id, outsider.id)


def test_an_organizer_steps_down_while_another_remains(login_as, small_event):
    services.grant_role(small_event.event, small_event.outsider, "organizer")
    db.session.commit()
    client = login_as("organizer")
    response = client.post(f"/e/test-expo/manage/organizers/{small_event.organizer.id}/remove")
    assert response.location.endswith("/e/test-expo/")
    assert roles_of(small_event.organizer, small_event.event) == set()
    assert client.get(URL).status_code == 403


# -- days that data stands on ----------------------------------------------------------------------


def test_a_day_with_scheduled_meetings_stays(login_as, meetup):  # noqa: F811
    from eventapp.meetings import services as meetings

    event = meetup.event
    request = accepted_request(
        event, meetup.profiles["alpha"], meetup.profiles["gamma"], meetup.exhibitor_admin
    )
    last_day = event.ends_on
    slots = [s for s in meetup.slots if s.local_start().date() == last_day]
    meetings.book(request, slots[0], meetup.organizer, via="organizer", check_window=False)
    db.session.commit()
    client = login_as("organizer")
    page = post(client, event, ends_on=event.starts_on).get_data(as_text=True)
    assert f"1 meeting is scheduled on {last_day.isoformat()}." in page
    assert f"The meetup settings hold meetings on {last_day.isoformat()}" in page
    db.session.refresh(event)
    assert event.ends_on == last_day
    # Moving the whole fair strands the meetup days as well.
    later = event.starts_on + timedelta(days=7)
    page = post(client, event, starts_on=later, ends_on=later).get_data(as_text=True)
    assert "The meetup settings hold meetings on" in page
    # Adding a day strands nothing.
    assert post(client, event, ends_on=last_day + timedelta(days=1)).status_code == 302


def test_the_page_says_how_many_meetings_were_told_of_a_new_venue(login_as, meetup):  # noqa: F811
    from tests.meetings.conftest import booked_meeting

    meeting = booked_meeting(meetup)
    client = login_as("organizer")
    event = meetup.event
    response = client.post(
        URL + "?lang=en", data=details(event, venue_en="COEX Hall C"), follow_redirects=True
    )
    page = response.get_data(as_text=True)
    assert "1 meeting still to come is at the new venue" in page
    db.session.expire_all()
    assert db.session.get(type(meeting), meeting.id).sequence == 1
    # The same venue in other letters is no news.
    response = client.post(
        URL + "?lang=en", data=details(event, venue_en="coex hall c"), follow_redirects=True
    )
    page = response.get_data(as_text=True)
    assert "Event details saved." in page and "at the new venue" not in page
    assert db.session.get(type(meeting), meeting.id).sequence == 1


def test_a_move_at_the_moment_of_a_new_venue_gets_its_own_sequence(app, meetup):  # noqa: F811
    """An organizer moves a meeting while another saves a new venue: the venue's
    update waits for the move, then raises the sequence past it. Both read the same
    sequence before, and the calendars got two updates of one sequence, the second
    one ignored."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs one writing transaction at a time: the race cannot happen there")
    from eventapp.meetings import services as meetings
    from eventapp.meetings.models import Meeting
    from tests.meetings.conftest import booked_meeting, uncommitted_elsewhere

    meeting_id = booked_meeting(meetup).id
    target_id, organizer_id = meetup.slots[1].id, meetup.organizer.id
    event = meetup.event

    def move():
        from eventapp.accounts.models import User
        from eventapp.meetings.models import MeetingSlot

        meeting = db.session.get(Meeting, meeting_id)
        slot = db.session.get(MeetingSlot, target_id)
        meetings.move_meeting(meeting, slot, db.session.get(User, organizer_id))

    assert db.session.get(Meeting, meeting_id).sequence == 0
    with uncommitted_elsewhere(app, move):
        services.update_event(event, {"venue_en": "COEX"}, services.details_version(event))
        db.session.commit()
    db.session.expire_all()
    assert db.session.get(Meeting, meeting_id).sequence == 2


def test_the_time_zone_stays_under_laid_out_meeting_slots(login_as, meetup):  # noqa: F811
    page = post(login_as("organizer"), meetup.event, timezone="Asia/Tokyo").get_data(as_text=True)
    assert "8 meeting slots are laid out in Asia/Seoul time." in page
    db.session.refresh(meetup.event)
    assert meetup.event.timezone == "Asia/Seoul"


def test_a_day_a_scan_point_or_check_ins_use_stays(login_as, small_event):
    from eventapp.badges.services import issue_badge
    from eventapp.checkin import services as checkin
    from eventapp.checkin.models import CheckIn

    event = small_event.event
    gate = checkin.create_scan_point(
        event,
        name_ko="2일차 입구",
        name_en="Day 2 gate",
        kind="entrance",
        valid_days=[event.ends_on],
    )
    badge = issue_badge(event, small_event.attendee)
    db.session.flush()
    db.session.add(
        CheckIn(
            event_id=event.id,
            badge_id=badge.id,
            day=event.ends_on,
            entrance_group="main",
            scan_point_id=gate.id,
            checked_in_at=datetime.fromisoformat("2025-09-18T01:00:00+00:00"),
        )
    )
    db.session.commit()
    client = login_as("organizer")
    page = post(client, event, ends_on=date(2025, 9, 17)).get_data(as_text=True)
    assert "Scan point Day 2 gate admits on 2025-09-18; change its days first." in page
    assert "1 check-in is recorded on 2025-09-18." in page
    db.session.refresh(event)
    assert event.ends_on == date(2025, 9, 18)


def test_a_booth_picking_window_past_the_fair_stays(login_as, small_event):
    from eventapp.booths.models import BoothSettings

    settings = db.session.get(BoothSettings, small_event.event.id)
    client = login_as("organizer")

    def move_to_the_first_two_days_of_september(picking_closes_at):
        settings.picking_closes_at = datetime.fromisoformat(picking_closes_at)
        db.session.commit()
        days = {"starts_on": date(2025, 9, 1), "ends_on": date(2025, 9, 2)}
        return post(client, small_event.event, **days)

    page = move_to_the_first_two_days_of_september("2025-09-10T09:00:00+00:00")
    assert (
        "Booth picking runs until 2025-09-10 18:00 (Asia/Seoul), after the fair&#39;s last day"
        in page.get_data(as_text=True)
    )
    # Asked with another time zone too (refused as well), the moment is the one the
    # organizers set, in the zone the event has: not 11:00, Berlin's, unnamed.
    page = post(
        client,
        small_event.event,
        starts_on=date(2025, 9, 1),
        ends_on=date(2025, 9, 2),
        timezone="Europe/Berlin",
    ).get_data(as_text=True)
    assert "Booth picking runs until 2025-09-10 18:00 (Asia/Seoul)" in page
    # Closing as the new last day ends (midnight, Seoul time) is in time.
    response = move_to_the_first_two_days_of_september("2025-09-02T15:00:00+00:00")
    assert response.status_code == 302


def test_a_meetup_booking_window_past_the_fair_stays(login_as, small_event):
    from eventapp.meetings.models import MeetingSettings

    event = small_event.event
    settings = MeetingSettings(
        event_id=event.id,
        meeting_days=["2025-09-17"],
        booking_closes_at=datetime.fromisoformat("2025-09-18T09:00:00+00:00"),
    )
    db.session.add(settings)
    db.session.commit()
    client = login_as("organizer")
    page = post(client, event, ends_on=date(2025, 9, 17)).get_data(as_text=True)
    assert (
        "The meetup&#39;s booking window reaches 2025-09-18 18:00 (Asia/Seoul), after the "
        "fair&#39;s last "
        "day; change it in the meetup settings first." in page
    )
    db.session.refresh(event)
    assert event.ends_on == date(2025, 9, 18)
    # Closing as the new last day ends (midnight, Seoul time) is in time.
    settings.booking_closes_at = datetime.fromisoformat("2025-09-17T15:00:00+00:00")
    db.session.commit()
    assert post(client, event, ends_on=date(2025, 9, 17)).status_code == 302
    db.session.refresh(event)
    assert event.ends_on == date(2025, 9, 17)


def test_moving_the_days_warns_about_printed_badges(login_as, small_event):
    from eventapp.badges.services import issue_badge

    issue_badge(small_event.event, small_event.attendee)
    db.session.commit()
    client = login_as("organizer")
    response = post(client, small_event.event, ends_on=date(2025, 9, 19))
    page = client.get(response.location).get_data(as_text=True)
    assert "1 badge was printed with the old dates" in page


# -- two organizers at once (PostgreSQL) -------------------------------------------------------------


def test_two_organizers_saving_at_once_do_not_lose_a_change(app, small_event):
    """The second save waits on the first's row lock, then sees its change and is
    refused, instead of reading the row before the first commits and writing over it."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs one writing transaction at a time: the race cannot happen there")
    event_id = small_event.event.id
    seen = services.details_version(small_event.event)
    db.session.commit()

    def save(changes):
        return lambda: services.update_event(db.session.get(Event, event_id), changes, seen)

    outcome = _one_after_the_other(app, save({"name_en": "First"}), save({"city": "Busan"}))
    event = db.session.get(Event, event_id)
    db.session.refresh(event)
    assert outcome == "EventConflict"
    assert (event.name_en, event.city) == ("First", "")


def test_a_save_in_progress_does_not_hold_up_scans(app, small_event):
    """Rows naming the event (scans, check-ins, audit entries) are inserted while an
    organizer's save holds the event row: their foreign-key check must not wait."""
    from sqlalchemy import text

    from eventapp.core import audit

    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs one writing transaction at a time")
    event_id = small_event.event.id
    seen = services.details_version(small_event.event)
    db.session.commit()
    locked, done, outcome = threading.Event(), threading.Event(), {}

    def save():
        with app.app_context():
            event = db.session.get(Event, event_id)
            services.update_event(event, {"name_en": "Saving"}, seen)
            db.session.flush()
            locked.set()
            done.wait(10)
            db.session.commit()

    def insert():
        with app.app_context():
            locked.wait(10)
            db.session.execute(text("SET LOCAL lock_timeout = '2s'"))
            audit.record("checkin.scan", event=event_id, object_type="Scan", object_id=1)
            db.session.commit()
            outcome["inserted"] = True
        done.set()

    threads = [threading.Thread(target=save), threading.Thread(target=insert)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    done.set()
    assert outcome == {"inserted": True}


def test_two_organizers_removing_each_other_at_once_leave_one(app, small_event):
    """Each removal counts the organizers left; without waiting for the other, both
    would count two and the event would have none."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs one writing transaction at a time: the race cannot happen there")
    event_id = small_event.event.id
    first_id, second_id = small_event.organizer.id, small_event.outsider.id
    services.grant_role(small_event.event, small_event.outsider, "organizer")
    db.session.commit()

    def remove(user_id):
        return lambda: services.remove_organizer(db.session.get(Event, event_id), user_id)

    outcome = _one_after_the_other(app, remove(second_id), remove(first_id))
    left = db.session.scalars(
        select(EventRole.user_id).where(
            EventRole.event_id == event_id, EventRole.role == "organizer"
        )
    ).all()
    assert (outcome, left) == ("EventError", [first_id])


def _one_after_the_other(app, first, second):
    """Run `first` up to its flush and hold its transaction open for a second while
    `second` runs; then commit both. Returns what `second` did: "saved", or the
    name of the error that refused it."""
    started, outcome = threading.Event(), {}

    def run_first():
        with app.app_context(), app.test_request_context():
            first()
            db.session.flush()
            started.set()
            threading.Event().wait(1.0)  # the second save starts meanwhile
            db.session.commit()

    def run_second():
        with app.app_context(), app.test_request_context():
            started.wait(10)
            try:
                second()
                db.session.commit()
                outcome["second"] = "saved"
            except Exception as error:  # noqa: BLE001 - what refused it is the answer
                db.session.rollback()
                outcome["second"] = type(error).__name__

    threads = [threading.Thread(target=run_first), threading.Thread(target=run_second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    db.session.rollback()
    return outcome.get("second")


@pytest.mark.parametrize("days_first", [True, False], ids=["days-first", "meetup-first"])
def test_a_meetup_save_at_the_same_moment_cannot_keep_a_dropped_day(app, meetup, days_first):  # noqa: F811
    """Dropping the last day and putting it in the meetup days at once: whichever
    commits second sees the first, and is refused."""
    from eventapp.accounts.models import User
    from eventapp.meetings import services as meetings
    from eventapp.meetings.models import MeetingSettings

    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs one writing transaction at a time: the race cannot happen there")
    event = meetup.event
    first_day, last_day = event.starts_on, event.ends_on
    meetings.save_settings(event, meetup.organizer, meeting_days=[first_day.isoformat()])
    event_id, organizer_id, seen = event.id, meetup.organizer.id, services.details_version(event)
    db.session.commit()

    def drop_the_day():
        services.update_event(db.session.get(Event, event_id), {"ends_on": first_day}, seen)

    def meet_on_it():
        meetings.save_settings(
            db.session.get(Event, event_id),
            db.session.get(User, organizer_id),
            meeting_days=[first_day.isoformat(), last_day.isoformat()],
        )

    if days_first:
        assert _one_after_the_other(app, drop_the_day, meet_on_it) == "MeetingError"
    else:
        assert _one_after_the_other(app, meet_on_it, drop_the_day) == "EventError"
    event = db.session.get(Event, event_id)
    db.session.refresh(event)
    settings = db.session.get(MeetingSettings, event_id)
    db.session.refresh(settings)
    assert set(settings.meeting_days) <= {day.isoformat() for day in event.days}


@pytest.mark.parametrize("days_first", [True, False], ids=["days-first", "window-first"])
@pytest.mark.parametrize("window", ["booth", "meetup"])
def test_a_window_saved_at_the_same_moment_cannot_reach_past_a_dropped_day(
    app,
    meetup,  # noqa: F811
    days_first,
    window,
):
    """Dropping the last day while booth picking or the meetup's booking is set to close
    on it: whichever commits second sees the first, and is refused."""
    from eventapp.accounts.models import User
    from eventapp.booths import services as booths
    from eventapp.meetings import services as meetings

    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs one writing transaction at a time: the race cannot happen there")
    event = meetup.event
    first_day = event.starts_on
    meetings.save_settings(event, meetup.organizer, meeting_days=[first_day.isoformat()])
    event_id, organizer_id, seen = event.id, meetup.organizer.id, services.details_version(event)
    closes = event.local_datetime(event.ends_on, time(12, 0))
    db.session.commit()

    def drop_the_day():
        services.update_event(db.session.get(Event, event_id), {"ends_on": first_day}, seen)

    def close_on_it():
        event = db.session.get(Event, event_id)
        if window == "booth":
            booths.update_settings(event, picking_closes_at=closes)
        else:
            meetings.save_settings(
                event, db.session.get(User, organizer_id), booking_closes_at=closes
            )

    refusal = "BoothError" if window == "booth" else "MeetingError"
    if days_first:
        assert _one_after_the_other(app, drop_the_day, close_on_it) == refusal
    else:
        assert _one_after_the_other(app, close_on_it, drop_the_day) == "EventError"
    event = db.session.get(Event, event_id)
    db.session.refresh(event)
    over = services.fair_over(event.ends_on, event.timezone)
    for settings in (booths.settings_for(event), meetings.get_settings(event)):
        db.session.refresh(settings)
        for moment in ("picking_closes_at", "booking_closes_at"):
            assert (getattr(settings, moment, None) or over) <= over


@pytest.mark.parametrize("days_first", [True, False], ids=["days-first", "scan-point-first"])
@pytest.mark.parametrize("new_point", [False, True], ids=["changed-point", "new-point"])
def test_a_scan_point_save_at_the_same_moment_cannot_keep_a_dropped_day(
    app, small_event, days_first, new_point
):
    from eventapp.checkin import services as checkin
    from eventapp.checkin.models import ScanPoint

    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs one writing transaction at a time: the race cannot happen there")
    event = small_event.event
    first_day, last_day = event.starts_on, event.ends_on
    gate = checkin.create_scan_point(
        event, name_ko="입구", name_en="Gate", kind="entrance", valid_days=[first_day]
    )
    db.session.commit()
    event_id, gate_id, seen = event.id, gate.id, services.details_version(event)

    def drop_the_day():
        services.update_event(db.session.get(Event, event_id), {"ends_on": first_day}, seen)

    def admit_on_it():
        if new_point:
            checkin.create_scan_point(
                db.session.get(Event, event_id),
                name_ko="2일차 입구",
                name_en="Day 2 gate",
                kind="entrance",
                valid_days=[last_day],
            )
        else:
            checkin.update_scan_point(db.session.get(ScanPoint, gate_id), valid_days=[last_day])

    if days_first:
        assert _one_after_the_other(app, drop_the_day, admit_on_it) == "CheckinError"
    else:
        assert _one_after_the_other(app, admit_on_it, drop_the_day) == "EventError"
    event = db.session.get(Event, event_id)
    db.session.refresh(event)
    fair_days = {day.isoformat() for day in event.days}
    for point in db.session.scalars(select(ScanPoint)):
        db.session.refresh(point)
        assert set(point.valid_days) <= fair_days, point.name_en


def test_saving_again_after_going_back_is_not_a_conflict(login_as, small_event):
    """Save, Back, Save: the form sends what is stored now; nothing to refuse."""
    event = small_event.event
    client = login_as("organizer")
    sent = details(event, name_en="Renamed once")
    assert client.post(URL, data=sent).status_code == 302
    again = client.post(URL + "?lang=en", data=sent)
    assert again.status_code == 302
    db.session.refresh(event)
    assert event.name_en == "Renamed once"


def test_an_own_newer_save_is_not_blamed_on_another_organizer(login_as, small_event):
    event = small_event.event
    client = login_as("organizer")
    opened = details(event)  # this page, and another tab, opened now
    assert client.post(URL, data=details(event, name_en="From the other tab")).status_code == 302
    page = client.post(URL + "?lang=en", data={**opened, "city": "Busan"}).get_data(as_text=True)
    assert "You saved other details of the event since this page was opened" in page
    assert "Another organizer" not in page
    db.session.refresh(event)
    assert (event.name_en, event.city) == ("From the other tab", "")


def test_a_conflict_names_the_organizer_who_saved(login_as, small_event):
    event = small_event.event
    colleague = small_event.organizer.__class__(email="colleague@example.org", name_en="Mina Park")
    colleague.set_password("x" * 12)
    db.session.add(colleague)
    db.session.flush()
    services.grant_role(event, colleague, "organizer")
    db.session.commit()
    opened = details(event)
    client = login_as("organizer")
    assert client.post(URL, data={**opened, "name_en": "Mina's name"}).status_code == 302
    # That save was Mina's, from her own desk.
    saved = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "event.updated"))
    saved.user_id = colleague.id
    db.session.commit()
    page = client.post(URL + "?lang=en", data={**opened, "city": "Busan"})
    assert "Mina Park changed the event&#39;s details since you opened" in page.get_data(
        as_text=True
    )
