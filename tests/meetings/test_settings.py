"""The organizer's settings page: days, slot length, breaks, tables, caps, booking window
and the firms that receive at their own booth."""

import re
from datetime import datetime

import pytest
from sqlalchemy import select

from eventapp.extensions import db
from eventapp.meetings import services
from tests.conftest import assert_access, login


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


def test_a_meeting_zone_of_over_99_tables_lists_them_in_number_order(meetup, client):
    """Tables are numbered T01 ... T99, T100 ...: ordered as text, T100 to T109 came
    between T10 and T11 on the grid, the move form and the free tables handed out."""
    services.save_settings(meetup.event, meetup.organizer, table_count=120)
    db.session.commit()
    numbered = [f"T{n:02d}" for n in range(1, 121)]
    assert [t.code for t in services.tables_of(meetup.event)] == numbered
    slot = meetup.slots[0]
    assert [t.code for t in services._free_tables(meetup.event, slot)] == numbered
    login(client, meetup.organizer)
    day = slot.local_start().date().isoformat()
    page = client.get(f"/e/test-expo/meetings/manage/grid?day={day}").get_data(as_text=True)
    assert re.findall(r'<th scope="col">(T\d+)</th>', page) == numbered


def test_the_tables_place_is_read_in_each_reader_s_language(meetup, client):
    """One label for where the tables are was shown as typed on pages, calendar files
    and the meeting zone's hours of both languages: its words were foreign on half."""
    from eventapp.calendar import services as calendar
    from tests.meetings.conftest import booked_meeting

    login(client, meetup.organizer)
    page = client.get("/e/test-expo/meetings/manage/settings?lang=en").get_data(as_text=True)
    assert "Where the tables are (hall / zone), in English" in page
    data = {
        "meeting_days": [meetup.event.starts_on.isoformat()],
        "slot_minutes": "30",
        "day_starts_at": "10:00",
        "day_ends_at": "12:00",
        "breaks": "",
        "table_count": "2",
        "table_label": "밋업존, B홀",
        "table_label_en": "Meetup zone, Hall B",
        "first_meeting_bonus": "3",
    }
    response = client.post("/e/test-expo/meetings/manage/settings", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    meeting = booked_meeting(meetup)
    for lang, place in (("ko", "밋업존, B홀"), ("en", "Meetup zone, Hall B")):
        shown = client.get(f"/e/test-expo/meetings/m/{meeting.id}?lang={lang}")
        assert f"({place})</dd>" in shown.get_data(as_text=True), lang
        assert place in calendar.meeting_location(meeting, lang), lang
        hours = calendar.meeting_zone_events(meetup.event, lang, meeting.created_at)
        assert hours and all(place in str(e.get("location")) for e in hours), lang
    # Named in one language only, the tables go by it on pages of both.
    client.post("/e/test-expo/meetings/manage/settings", data={**data, "table_label_en": ""})
    db.session.expire_all()
    english = client.get(f"/e/test-expo/meetings/m/{meeting.id}?lang=en")
    assert "(밋업존, B홀)</dd>" in english.get_data(as_text=True)


def test_moving_the_tables_to_another_hall_tells_the_meetings_there(meetup, client):
    from tests.meetings.conftest import booked_meeting

    meeting = booked_meeting(meetup)
    assert meeting.table is not None and meeting.sequence == 0
    login(client, meetup.organizer)
    response = client.post(
        "/e/test-expo/meetings/manage/settings?lang=en",
        data={
            "meeting_days": [d.isoformat() for d in meetup.event.days],
            "slot_minutes": "30",
            "day_starts_at": "10:00",
            "day_ends_at": "12:00",
            "breaks": "",
            "table_count": "2",
            "table_label": "Hall C meeting zone",
            "first_meeting_bonus": "3",
        },
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "1 meeting still to come is at the tables&#39; new place" in page
    db.session.expire_all()
    assert db.session.get(type(meeting), meeting.id).sequence == 1


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
    # A firm without a booth allocation needs a code: refused, and nothing changes
    # (beta, left unticked in this post, keeps its booth too).
    response = client.post(
        "/e/test-expo/meetings/manage/booths",
        data={"at_booth": [str(gamma.id)]},
        follow_redirects=True,
    )
    assert "Gamma Group has no booth; give a booth code." in response.get_data(as_text=True)
    db.session.expire_all()
    assert gamma.receives_at_booth is False and gamma.location is None
    assert beta.receives_at_booth is True and beta.location == "B-05"


def _profile_form(**fields):
    return {"sector": "bio", "country": "KR", "stage": "", **fields}


def test_firms_can_only_name_their_own_booth(meetup, client):
    from eventapp.booths.models import BoothAllocation

    beta = meetup.profiles["beta"]
    own, held = meetup.booths["B-02"], meetup.booths["B-03"]
    exhibitor = meetup.exhibitors["beta"]
    db.session.add_all(
        [
            BoothAllocation(booth_id=own.id, exhibitor_id=exhibitor.id, state="placed"),
            BoothAllocation(booth_id=held.id, exhibitor_id=exhibitor.id, state="hold"),
        ]
    )
    db.session.commit()
    login(client, meetup.other_exhibitor)  # acts for beta
    url = "/e/test-expo/meetings/profile"
    for code in ("A-01", "B-03"):  # somebody else's booth; only held, not given yet
        response = client.post(url, data=_profile_form(receives_at_booth="y", booth_code=code))
        page = response.get_data(as_text=True)
        assert response.status_code == 200
        assert f"Booth {code} is not your company&#39;s booth. Your booths: B-02." in page
        db.session.expire_all()
        assert (beta.receives_at_booth, beta.booth_code) == (False, None)
    response = client.post(url, data=_profile_form(receives_at_booth="y", booth_code="b-02"))
    assert response.status_code == 302
    db.session.expire_all()
    assert beta.location == "B-02"

    # A firm without any booth cannot receive at one.
    client.post("/logout")
    login(client, meetup.attendee)  # gamma
    response = client.post(
        url, data=_profile_form(sector="ai", receives_at_booth="y", booth_code="B-02")
    )
    assert "has no booth at this event" in response.get_data(as_text=True)
    db.session.expire_all()
    assert meetup.profiles["gamma"].location is None


def test_a_firm_without_a_booth_is_told_so_when_it_ticks_its_own_booth(meetup, client, english):
    """Gamma has no booth. Ticking "We receive our meetings at our own booth" with no
    code asked it to "Give the booth code", and the code then typed was refused as
    not its booth: it is told at once that it has none."""
    login(client, meetup.attendee)  # gamma
    response = client.post(
        "/e/test-expo/meetings/profile?lang=en",
        data=_profile_form(sector="ai", receives_at_booth="y", booth_code=""),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Your company has no booth at this event, so it cannot receive meetings" in page
    assert "Give the booth code" not in page
    db.session.expire_all()
    gamma = meetup.profiles["gamma"]
    assert (gamma.receives_at_booth, gamma.location) == (False, None)


def test_a_booth_the_organizer_set_stays_when_the_firm_saves(meetup, client):
    beta = meetup.profiles["beta"]
    services.set_booth_reception(meetup.event, meetup.organizer, beta, True, "A-07")
    db.session.commit()
    login(client, meetup.other_exhibitor)
    response = client.post(
        "/e/test-expo/meetings/profile",
        data=_profile_form(receives_at_booth="y", booth_code="A-07", keywords="assays"),
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert beta.location == "A-07" and beta.keywords == ["assays"]


def test_organizer_names_a_booth_of_the_event_not_given_to_another(meetup, client, english):
    from eventapp.booths.models import BoothAllocation

    beta, gamma = meetup.profiles["beta"], meetup.profiles["gamma"]
    db.session.add(
        BoothAllocation(
            booth_id=meetup.booths["A-02"].id,
            exhibitor_id=meetup.exhibitors["alpha"].id,
            state="confirmed",
        )
    )
    db.session.commit()
    refused = {
        "Z-99": "Booth code Z-99: the event has no booth with this code.",
        "a-02": "Booth code a-02: booth A-02 is given to Alpha Robotics.",
    }
    for code, message in refused.items():
        with pytest.raises(services.MeetingError) as error:
            services.set_booth_reception(meetup.event, meetup.organizer, beta, True, code)
        assert str(error.value) == message
        db.session.rollback()
        assert (beta.receives_at_booth, beta.booth_code) == (False, None)
    # A free booth of the event, whatever its case, is stored as the floor plan spells it.
    services.set_booth_reception(meetup.event, meetup.organizer, gamma, True, "b-05")
    db.session.commit()
    assert gamma.location == "B-05"

    # The settings page says which firm's code is wrong and keeps everything as it was.
    login(client, meetup.organizer)
    response = client.post(
        "/e/test-expo/meetings/manage/booths",
        data={"at_booth": [str(beta.id), str(gamma.id)], f"booth_{beta.id}": "Z-99"},
        follow_redirects=True,
    )
    assert "Booth code Z-99: the event has no booth with this code." in response.get_data(
        as_text=True
    )
    db.session.expire_all()
    assert (beta.receives_at_booth, gamma.location) == (False, "B-05")


def test_settings_show_each_slots_day_and_time_and_name_each_booth_field(meetup, client, english):
    from babel.dates import format_date

    def text(fragment):
        return " ".join(re.sub(r"<[^>]+>", " ", fragment).split())

    login(client, meetup.organizer)
    page = client.get("/e/test-expo/meetings/manage/settings?lang=en").get_data(as_text=True)
    # Each code stands beside its time, under its day (the time was only a tooltip).
    days = re.findall(r'<h3 class="meet-slot-day">(.*?)</h3>', page)
    assert days == [format_date(d, "full", locale="en") for d in meetup.event.days]
    slots = [text(item) for item in re.findall(r"<li>(.*?)</li>", page.split("meet-slot-list")[1])]
    assert slots == [
        "D1-1000 10:00–10:30",
        "D1-1030 10:30–11:00",
        "D1-1100 11:00–11:30",
        "D1-1130 11:30–12:00",
    ]
    assert "D2-1000 10:00–10:30" in text(page.split("meet-slot-list")[2])
    # A screen reader hears whose booth code a field is, not "Booth code" on every row.
    fields = dict(re.findall(r'name="(booth_\d+)" [^>]*aria-label="([^"]*)"', page))
    beta, gamma = meetup.profiles["beta"], meetup.profiles["gamma"]
    assert fields == {
        f"booth_{beta.id}": "Booth code of Beta Bio",
        f"booth_{gamma.id}": "Booth code of Gamma Group",
    }


def test_organizer_sets_per_participant_caps(meetup, client, login_as, english):
    from eventapp.core.audit import AuditEntry
    from tests.meetings.conftest import accepted_request, add_company

    alpha, gamma = meetup.profiles["alpha"], meetup.profiles["gamma"]
    meetup.settings.firm_cap = 5
    services.book(
        accepted_request(meetup.event, alpha, gamma, meetup.exhibitor_admin),
        meetup.slots[0],
        meetup.attendee,
    )
    db.session.commit()
    page_url = "/e/test-expo/meetings/manage/participants"
    cap_url = f"{page_url}/{gamma.id}/cap"
    assert_access(login_as, page_url, {"organizer"})
    assert_access(login_as, cap_url, {"organizer"}, method="post", data={"max_meetings": ""})

    login_as("organizer")
    page = client.get(page_url).get_data(as_text=True)
    row = page.split(f'id="p{gamma.id}"', 1)[1].split("</tr>", 1)[0]
    assert "Gamma Group" in row and '<td class="num" data-label="Meetings">1</td>' in row
    assert 'data-label="Cap in force">5 <span class="muted">(side)</span>' in row

    response = client.post(cap_url, data={"max_meetings": "1"}, follow_redirects=True)
    # One meeting in the singular: it read "at most 1 meetings".
    assert "Gamma Group may have at most 1 meeting." in response.get_data(as_text=True)
    # Said in the participant's row, where the page opens (#p<id>): on top, above a
    # list of hundreds, nobody saw it.
    assert response.request.args.get("saved") == str(gamma.id)
    page = response.get_data(as_text=True)
    row = page.split(f'id="p{gamma.id}"', 1)[1].split('<tr id="p', 1)[0]
    assert "Gamma Group may have at most 1 meeting." in row
    assert page.count("Gamma Group may have at most 1 meeting.") == 1
    db.session.expire_all()
    assert gamma.max_meetings == 1
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "meeting_profile.cap"))
    assert entry.object_id == str(gamma.id) and entry.data == {"from": None, "to": 1}
    assert entry.user_id == meetup.organizer.id
    # The cap holds for bookings.
    user, delta = add_company(meetup.event, "delta", "startup")
    second = accepted_request(meetup.event, delta, gamma, user)
    db.session.commit()
    with pytest.raises(services.MeetingError, match="maximum of 1 meetings"):
        services.book(second, meetup.slots[1], user)
    db.session.rollback()

    # Below the meetings it has: allowed, with a warning; out of range: refused.
    response = client.post(cap_url, data={"max_meetings": "0"}, follow_redirects=True)
    assert "already has 1 meeting. It stays" in response.get_data(as_text=True)
    client.post(cap_url, data={"max_meetings": "-3"})
    db.session.expire_all()
    assert gamma.max_meetings == 0
    # Empty: back to the side's cap.
    client.post(cap_url, data={"max_meetings": ""})
    db.session.expire_all()
    assert gamma.max_meetings is None and gamma.effective_cap(meetup.settings) == 5


def _many_startups(event, count):
    """`count` more startups in the meetup ("Startup 01" ..., sector robotics)."""
    from eventapp.organizations.models import Organization

    for number in range(1, count + 1):
        org = Organization(
            name_ko=f"스타트업 {number:02d}",
            name_en=f"Startup {number:02d}",
            kind="startup",
            sector="robotics",
        )
        db.session.add(org)
        services.create_profile(event, org)
    db.session.commit()


def _participant_rows(page):
    return re.findall(r'<tr id="p(\d+)">', page)


def test_participants_are_searched_filtered_and_paged(meetup, client, english):
    from tests.conftest import statements_of

    alpha, beta, gamma = (meetup.profiles[key] for key in ("alpha", "beta", "gamma"))
    login(client, meetup.organizer)
    url = "/e/test-expo/meetings/manage/participants"

    def shown(query=""):
        return client.get(f"{url}?lang=en&{query}").get_data(as_text=True)

    db.session.commit()  # each count begins with nothing loaded
    _page, few = statements_of(lambda: shown())
    _many_startups(meetup.event, 57)
    gamma.max_meetings = 2
    db.session.commit()

    # 60 companies: 50 a page, with the way to the rest; the same few queries for 60
    # companies as for 3 (none a row).
    page, many = statements_of(lambda: shown())
    assert many == few
    assert len(_participant_rows(page)) == 50 and "60 participants" in page
    assert "Page 1 of 2" in page and "page=2" in page
    page = shown("page=2")
    assert len(_participant_rows(page)) == 10
    # Startups first: the firms end the last page.
    assert _participant_rows(page)[-2:] == [str(beta.id), str(gamma.id)]

    # A company is found by either of its names, whatever their case.
    assert _participant_rows(shown("q=gamma+GROUP")) == [str(gamma.id)]
    assert _participant_rows(shown("q=%EA%B0%90%EB%A7%88")) == [str(gamma.id)]  # 감마
    assert len(_participant_rows(shown("q=startup+0"))) == 9
    # One side, one sector, those with a cap of their own.
    assert _participant_rows(shown("side=firm")) == [str(beta.id), str(gamma.id)]
    assert _participant_rows(shown("sector=ai")) == [str(alpha.id), str(gamma.id)]
    assert _participant_rows(shown("cap=own")) == [str(gamma.id)]
    page = shown("side=firm&q=alpha")
    assert _participant_rows(page) == [] and "No participant matches these filters." in page
    # The pages keep the filters, and unknown values filter nothing.
    assert "side=startup" in shown("side=startup")
    assert len(_participant_rows(shown("side=investor&sector=space&cap=all"))) == 50


def test_a_cap_saved_from_a_filtered_page_returns_to_it(meetup, client, english):
    alpha, beta, gamma = (meetup.profiles[key] for key in ("alpha", "beta", "gamma"))
    _many_startups(meetup.event, 57)
    login(client, meetup.organizer)
    url = "/e/test-expo/meetings/manage/participants"
    page = client.get(f"{url}?lang=en&side=startup&q=startup&page=2").get_data(as_text=True)
    # The second page of the startups named "Startup": 51 to 57.
    rows = _participant_rows(page)
    assert len(rows) == 7
    action = re.search(rf'action="([^"]*/{rows[0]}/cap[^"]*)"', page).group(1)
    response = client.post(action.replace("&amp;", "&"), data={"max_meetings": "4"})
    location = response.headers["Location"]
    assert "side=startup" in location and "q=startup" in location and "page=2" in location
    assert location.endswith(f"#p{rows[0]}")
    page = client.get(location).get_data(as_text=True)
    assert _participant_rows(page) == rows
    row = page.split(f'id="p{rows[0]}"', 1)[1].split('<tr id="p', 1)[0]
    assert "may have at most 4 meetings." in row
    # Only the row saved changed.
    from eventapp.meetings.models import MeetingProfile

    db.session.expire_all()
    capped = db.session.scalars(
        select(MeetingProfile.id).where(MeetingProfile.max_meetings.is_not(None))
    ).all()
    assert capped == [int(rows[0])]
    assert (alpha.max_meetings, beta.max_meetings, gamma.max_meetings) == (None, None, None)


def test_slots_are_renumbered_when_the_event_gains_an_earlier_day(meetup):
    from datetime import timedelta

    from eventapp.meetings.models import MeetingSlot

    alpha, gamma = meetup.profiles["alpha"], meetup.profiles["gamma"]
    request = services.send_request(meetup.event, alpha, gamma, meetup.exhibitor_admin)
    services.accept_request(request, gamma, meetup.attendee)
    meeting = services.book(request, meetup.slots[4], meetup.attendee)  # D2-1000
    ids = {s.code: s.id for s in meetup.slots}
    # The fair opens a day earlier; the meetup keeps its two days, now fair days 2 and 3,
    # so D2-1000 passes from the second meetup day's slot to the first one's.
    event = meetup.event
    event.starts_on -= timedelta(days=1)
    db.session.commit()
    services.save_settings(
        event, meetup.organizer, meeting_days=[d.isoformat() for d in event.days[1:]]
    )
    db.session.commit()
    db.session.expire_all()
    slots = services.slots_of(event)
    assert [s.code for s in slots] == [
        f"D{day}-{hour}" for day in (2, 3) for hour in ("1000", "1030", "1100", "1130")
    ]
    assert db.session.get(MeetingSlot, ids["D1-1000"]).code == "D2-1000"
    assert db.session.get(MeetingSlot, ids["D2-1000"]).code == "D3-1000"
    assert meeting.slot.code == "D3-1000" and meeting.slot_id == ids["D2-1000"]


def test_unavailability_carries_over_to_the_new_slots_of_a_new_slot_length(meetup):
    alpha, gamma = meetup.profiles["alpha"], meetup.profiles["gamma"]
    by_code = {s.code: s for s in meetup.slots}
    # Alpha cannot come 10:30-11:00 on day 1, Gamma not 11:30-12:00 on day 2.
    services.set_unavailable(alpha, [by_code["D1-1030"].id])
    services.set_unavailable(gamma, [by_code["D2-1130"].id])
    db.session.commit()

    # 20-minute slots: 10:00, 10:20, 10:40, 11:00, 11:20, 11:40 on both days.
    services.save_settings(meetup.event, meetup.organizer, slot_minutes=20)
    db.session.commit()
    db.session.expire_all()
    codes = {s.id: s.code for s in services.slots_of(meetup.event)}
    # Every new slot that overlaps a period somebody could not attend stays unavailable
    # to them: nobody is booked into a time they said they are away.
    assert sorted(codes[i] for i in services.unavailable_slot_ids(alpha)) == [
        "D1-1020",
        "D1-1040",
    ]
    assert sorted(codes[i] for i in services.unavailable_slot_ids(gamma)) == [
        "D2-1120",
        "D2-1140",
    ]
    # Saving the same settings again keeps them as they are.
    services.save_settings(meetup.event, meetup.organizer, slot_minutes=20)
    db.session.commit()
    assert len(services.unavailable_slot_ids(alpha)) == 2


def test_a_booking_window_past_the_fair_is_refused(meetup, english):
    """Requests for a fair that is over would be taken: booking closes by the end of
    the last day (midnight after it, local time), and may close just then."""
    from datetime import time, timedelta

    event = meetup.event
    over = event.local_datetime(event.ends_on + timedelta(days=1), time(0))
    for window in (
        {"booking_closes_at": over + timedelta(minutes=1)},
        {"booking_opens_at": over, "booking_closes_at": None},
    ):
        with pytest.raises(services.MeetingError, match="by the end of the fair's last day"):
            services.save_settings(event, meetup.organizer, **window)
        db.session.rollback()
    settings, _slots, _tables = services.save_settings(
        event, meetup.organizer, booking_closes_at=over
    )
    db.session.commit()
    assert services.get_settings(event).booking_closes_at == over


@pytest.mark.parametrize(
    "lang, slots, tables", [("ko", "시간대", "상담 테이블"), ("en", "time slots", "meeting tables")]
)
def test_the_meetup_overview_counts_slots_and_tables_apart(meetup, client, lang, slots, tables):
    """ "8 / 2 slots / tables" read as 8 of 2, or as 8 slots of which 2 used."""
    login(client, meetup.organizer)
    page = client.get(f"/e/test-expo/meetings/manage/?lang={lang}").get_data(as_text=True)
    assert f'id="stat-slots">{len(meetup.slots)}</span><span class="stat-label">{slots}<' in page
    assert f'id="stat-tables">2</span><span class="stat-label">{tables}<' in page
    assert " / " not in re.sub(
        r"<[^>]+>", "", page.split('class="stats"')[1].split("</section>")[0]
    )
