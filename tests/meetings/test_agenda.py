"""Agendas: the participant's page (Seoul time, partner, table or booth), the firm's day
sheet, printable PDFs (read back with pdftotext) and the organizer's grid."""

import os
import shutil
import subprocess
from datetime import timedelta

import pytest

from eventapp.core import pdf as core_pdf
from eventapp.extensions import db
from eventapp.meetings import services
from tests.conftest import login, statements_of
from tests.meetings.conftest import accepted_request, add_company


@pytest.fixture
def booked(meetup):
    """alpha meets gamma (table) on day 1 at 10:30 and beta (at booth B-04) at 11:00."""
    alpha, beta, gamma = (meetup.profiles[k] for k in ("alpha", "beta", "gamma"))
    services.set_booth_reception(meetup.event, meetup.organizer, beta, True, "B-04")
    with_gamma = services.book(
        accepted_request(meetup.event, alpha, gamma, meetup.exhibitor_admin),
        meetup.slots[1],
        meetup.attendee,
    )
    with_beta = services.book(
        accepted_request(meetup.event, alpha, beta, meetup.exhibitor_admin),
        meetup.slots[2],
        meetup.other_exhibitor,
    )
    db.session.commit()
    return meetup, with_gamma, with_beta


def test_agenda_page_shows_time_in_seoul_partner_and_place(booked, client):
    meetup, with_gamma, with_beta = booked
    login(client, meetup.exhibitor_staff)  # alpha's staff sees alpha's agenda
    page = client.get("/e/test-expo/meetings/agenda").get_data(as_text=True)
    assert "10:30–11:00" in page and "11:00–11:30" in page  # local (UTC+9), not UTC
    assert "01:30" not in page
    assert "Gamma Group" in page and "Beta Bio" in page
    assert "T01" in page and "Booth B-04" in page
    assert page.index("Gamma Group") < page.index("Beta Bio")  # in time order
    # The partner profile is one click away.
    detail = client.get(f"/e/test-expo/meetings/m/{with_gamma.id}").get_data(as_text=True)
    assert "Machine vision inspection for our production lines" in detail


def test_firm_sees_the_meeting_on_its_agenda_and_day_sheet(booked, client):
    meetup, with_gamma, _with_beta = booked
    services.set_unavailable(meetup.profiles["gamma"], [meetup.slots[3].id])
    db.session.commit()
    login(client, meetup.attendee)  # gamma
    page = client.get("/e/test-expo/meetings/agenda").get_data(as_text=True)
    assert "Alpha Robotics" in page and "Beta Bio" not in page
    day = meetup.slots[0].starts_at.astimezone(meetup.event.tz).date().isoformat()
    sheet = client.get(f"/e/test-expo/meetings/day-sheet?day={day}").get_data(as_text=True)
    # Every slot of the day, with who comes when: 10:00 free, 10:30 alpha (and its
    # people), 11:00 free (beta's meeting with alpha is not gamma's), 11:30 away.
    rows = sheet.split("<tbody>", 1)[1].split("</tbody>", 1)[0].split("</tr>")[:-1]
    assert len(rows) == 4
    cells = [row.split("</td>", 1)[1] for row in rows]  # what follows the time
    assert ">no meeting</td>" in cells[0] and ">no meeting</td>" in cells[2]
    assert "Alpha Robotics" in cells[1] and "Exhibitor_Admin" in cells[1]
    assert f"/meetings/m/{with_gamma.id}" in cells[1] and "no meeting" not in cells[1]
    assert ">not available</td>" in cells[3]
    assert sheet.count(">no meeting</td>") == 2


def test_the_korean_day_sheet_speaks_of_meetings_not_booths(booked, client):
    """Its words were those of other pages: the partner column was headed "변경자" (who
    changed an entry of the audit log) and a slot without a meeting read "빈 부스"
    (a free booth of the floor plan)."""
    meetup, _with_gamma, _with_beta = booked
    services.set_unavailable(meetup.profiles["gamma"], [meetup.slots[3].id])
    db.session.commit()
    login(client, meetup.attendee)  # gamma
    day = meetup.slots[0].starts_at.astimezone(meetup.event.tz).date().isoformat()
    sheet = client.get(f"/e/test-expo/meetings/day-sheet?day={day}&lang=ko").get_data(as_text=True)
    head = sheet.split("<thead>", 1)[1].split("</thead>", 1)[0]
    assert "<th>파트너</th>" in head and "변경자" not in head
    assert sheet.count(">미팅 없음</td>") == 2 and "빈 부스" not in sheet
    assert ">미팅 불가</td>" in sheet


def test_the_korean_pages_head_the_place_of_a_meeting_as_a_place(booked, client):
    """The place of a meeting (its table or booth) was headed "배치" (placing booths
    on the floor plan) on the meeting page, the agenda and the day sheet."""
    meetup, with_gamma, _with_beta = booked
    login(client, meetup.attendee)  # gamma
    detail = client.get(f"/e/test-expo/meetings/m/{with_gamma.id}?lang=ko").get_data(as_text=True)
    assert "<dt>장소</dt>" in detail and "<dt>배치</dt>" not in detail
    agenda = client.get("/e/test-expo/meetings/agenda?lang=ko").get_data(as_text=True)
    assert "장소: <strong>T01" in agenda
    sheet = client.get("/e/test-expo/meetings/day-sheet?lang=ko").get_data(as_text=True)
    assert "<th>장소</th>" in sheet and "<th>배치</th>" not in sheet


def test_cancelled_meetings_are_marked_on_the_agenda(booked, client):
    meetup, with_gamma, _with_beta = booked
    services.cancel_meeting(with_gamma, meetup.attendee, profile=meetup.profiles["gamma"])
    db.session.commit()
    login(client, meetup.exhibitor_admin)
    page = client.get("/e/test-expo/meetings/agenda").get_data(as_text=True)
    assert "is-cancelled" in page


def _pdf_text(data, tmp_path):
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "agenda.pdf"
    path.write_bytes(data)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def test_agenda_pdf_has_hangul_names(booked, client, tmp_path):
    meetup, _with_gamma, _with_beta = booked
    login(client, meetup.exhibitor_admin)
    response = client.get("/e/test-expo/meetings/agenda.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    text = _pdf_text(response.data, tmp_path)
    assert "알파로보틱스" in text  # the participant
    assert "감마그룹" in text and "베타바이오" in text  # partners, in Hangul
    assert "10:30" in text and "T01" in text and "B-04" in text


def test_the_korean_agenda_pdf_says_its_time_zone_in_korean(booked, client, tmp_path):
    """Its heading ended in "times in Asia/Seoul" in Korean too: the message sat in an
    f-string, where the catalog's extraction never found it to be translated."""
    meetup, _with_gamma, _with_beta = booked
    login(client, meetup.exhibitor_admin)
    response = client.get("/e/test-expo/meetings/agenda.pdf?lang=ko")
    text = _pdf_text(response.data, tmp_path)
    assert "시간은 대한민국 시간 기준" in text and "times in" not in text
    assert "글로벌 밋업" in text


def test_organizer_prints_every_agenda(booked, client, tmp_path):
    meetup, _with_gamma, _with_beta = booked
    login(client, meetup.organizer)
    response = client.get("/e/test-expo/meetings/manage/agendas.pdf")
    text = _pdf_text(response.data, tmp_path)
    # alpha, beta and gamma each have a section (a page) of their own.
    assert text.count("\f") >= 3
    for name in ("알파로보틱스", "베타바이오", "감마그룹"):
        assert name in text
    # An organizer can open anybody's agenda; participants only their own.
    gamma = meetup.profiles["gamma"]
    page = client.get(f"/e/test-expo/meetings/agenda?profile={gamma.id}").get_data(as_text=True)
    assert "Alpha Robotics" in page


def test_agenda_pdfs_print_letters_nanum_gothic_lacks(booked, client, tmp_path):
    """NanumGothic has no š, ř or Č: a partner from Czechia was printed as
    "koda Auto" with "árka Dvo áková" as its contact, the letters left blank, on
    the company's agenda and on the organizers' agendas of all companies."""
    if not os.path.exists(core_pdf.DEJAVU_SANS):
        pytest.skip("needs DejaVu Sans (apt-get install fonts-dejavu-core)")
    meetup, _with_gamma, _with_beta = booked
    meetup.companies["gamma"].name_en = "Škoda Auto"
    meetup.attendee.name_ko = ""
    meetup.attendee.name_en = "Šárka Dvořáková"
    for table in meetup.tables:
        table.label = table.label_en = "Sál Čeřovka"
    db.session.commit()
    expected = ("Škoda Auto", "Šárka Dvořáková", "Sál Čeřovka")
    login(client, meetup.exhibitor_admin)  # alpha, who meets gamma
    text = " ".join(
        _pdf_text(client.get("/e/test-expo/meetings/agenda.pdf").data, tmp_path).split()
    )
    for name in expected:
        assert name in text, text
    login(client, meetup.organizer)
    response = client.get("/e/test-expo/meetings/manage/agendas.pdf")
    text = " ".join(_pdf_text(response.data, tmp_path).split())
    for name in expected:
        assert name in text, text


def _statements_of_page(client, path):
    """(the answer to GET `path`, its number of statements), as a request of its own:
    the commit leaves nothing the test read loaded in the shared session."""
    db.session.commit()
    return statements_of(lambda: client.get(path))


def _more_meetings(meetup, count, first_slot=3):
    """`count` new startups, each meeting gamma (at a table) in its own slot."""
    gamma = meetup.profiles["gamma"]
    for n in range(count):
        user, startup = add_company(meetup.event, f"more{first_slot + n}", "startup")
        request = accepted_request(meetup.event, startup, gamma, user)
        services.book(request, meetup.slots[first_slot + n], meetup.attendee)
    db.session.commit()


def test_the_organizers_agendas_read_every_meeting_and_contact_at_once(booked, client, tmp_path):
    """All agendas at once read each company's meetings, then each meeting's partner's
    contacts, one query apiece: a thousand statements and seconds for the demo fair."""
    meetup, _with_gamma, _with_beta = booked
    login(client, meetup.organizer)
    path = "/e/test-expo/meetings/manage/agendas.pdf"
    _, few = _statements_of_page(client, path)
    _more_meetings(meetup, 3)
    response, many = _statements_of_page(client, path)
    assert many == few
    text = _pdf_text(response.data, tmp_path)
    # Gamma's agenda lists each startup with its contact; theirs name gamma's.
    for n in (3, 4, 5):
        assert f"more{n}@example.org" in text
    assert text.count(meetup.attendee.email) == 4  # alpha's and the three startups'


def test_participant_cannot_open_another_agenda(booked, client):
    meetup, _g, _b = booked
    login(client, meetup.other_exhibitor)  # beta
    gamma = meetup.profiles["gamma"]
    page = client.get(f"/e/test-expo/meetings/agenda?profile={gamma.id}").get_data(as_text=True)
    # The parameter is ignored: beta sees its own agenda (with alpha at its booth).
    assert "Beta Bio" in page and "Booth B-04" in page and "T01" not in page


def test_the_grid_reads_both_companies_with_the_meetings(booked, client):
    """Each cell names the startup and the firm: they were read one meeting at a time,
    some 140 statements a day for the demo fair."""
    meetup, _with_gamma, _with_beta = booked
    login(client, meetup.organizer)
    day = meetup.slots[0].starts_at.astimezone(meetup.event.tz).date().isoformat()
    path = f"/e/test-expo/meetings/manage/grid?day={day}"
    _, few = _statements_of_page(client, path)
    _more_meetings(meetup, 1, first_slot=3)
    _more_meetings(meetup, 1, first_slot=0)
    response, many = _statements_of_page(client, path)
    assert many == few
    page = response.get_data(as_text=True)
    assert "More3 Co" in page and "More0 Co" in page


def test_the_day_sheet_reads_partners_and_their_people_with_the_meetings(booked, client):
    """Each slot names the partner and two of its people: read one meeting at a time,
    a busy firm's day sheet grew by two statements a meeting."""
    meetup, _with_gamma, _with_beta = booked
    login(client, meetup.attendee)  # gamma
    day = meetup.slots[0].starts_at.astimezone(meetup.event.tz).date().isoformat()
    path = f"/e/test-expo/meetings/day-sheet?day={day}&lang=en"
    _, few = _statements_of_page(client, path)
    _more_meetings(meetup, 2, first_slot=2)
    response, many = _statements_of_page(client, path)
    assert many == few
    page = response.get_data(as_text=True)
    for n in (2, 3):  # the company, then its person
        assert f'More{n} Co</a>\n          <div class="muted small">More{n}</div>' in page


def test_grid_shows_meetings_per_slot_and_table(booked, client):
    meetup, with_gamma, with_beta = booked
    login(client, meetup.organizer)
    day = meetup.slots[0].starts_at.astimezone(meetup.event.tz).date().isoformat()
    page = client.get(f"/e/test-expo/meetings/manage/grid?day={day}").get_data(as_text=True)
    assert f"/meetings/m/{with_gamma.id}" in page and f"/meetings/m/{with_beta.id}" in page
    assert "B-04: Alpha Robotics" in page  # booth meetings in their own column
    assert f"/manage/m/{with_gamma.id}/move" in page
    # The 10:30 row holds gamma's meeting at T01 (first table column).
    row = page.split(">10:30<", 1)[1].split("</tr>", 1)[0]
    assert f"/meetings/m/{with_gamma.id}" in row


def test_the_grid_lists_the_booths_of_a_slot_in_code_order(meetup, client):
    """Meetings at booths share the slot's last cell: they came in the order the
    database returned them, which a move changes on PostgreSQL."""
    alpha, beta, gamma = (meetup.profiles[k] for k in ("alpha", "beta", "gamma"))
    services.set_booth_reception(meetup.event, meetup.organizer, beta, True, "B-04")
    services.set_booth_reception(meetup.event, meetup.organizer, gamma, True, "A-09")
    _user, other = add_company(meetup.event, "delta", "startup")
    slot = meetup.slots[0]
    at_b = services.book(
        accepted_request(meetup.event, alpha, beta, meetup.exhibitor_admin), slot, meetup.organizer
    )
    at_a = services.book(
        accepted_request(meetup.event, other, gamma, meetup.exhibitor_admin),
        meetup.slots[1],
        meetup.organizer,
    )
    db.session.commit()
    services.move_meeting(at_a, slot, meetup.organizer)
    db.session.commit()
    login(client, meetup.organizer)
    day = slot.local_start().date().isoformat()
    page = client.get(f"/e/test-expo/meetings/manage/grid?day={day}").get_data(as_text=True)
    row = page.split(f">{slot.local_start():%H:%M}<", 1)[1].split("</tr>", 1)[0]
    assert row.index(f"/meetings/m/{at_a.id}") < row.index(f"/meetings/m/{at_b.id}")
    assert row.index("A-09: Delta Co") < row.index("B-04: Alpha Robotics")


def _fair_days(meetup, language):
    """The meetup's days as the day buttons read them: "Dec 10", "12월 10일" (the year
    only for a day outside the fair's year)."""
    from babel.dates import format_date

    days = sorted({slot.starts_at.astimezone(meetup.event.tz).date() for slot in meetup.slots})
    year = meetup.event.starts_on.year
    if language == "ko":
        return [(f"{d.year}년 " if d.year != year else "") + f"{d.month}월 {d.day}일" for d in days]
    return [format_date(d, "MMM d" if d.year == year else "MMM d, y", locale="en") for d in days]


@pytest.mark.parametrize("language", ["en", "ko"])
def test_the_grid_and_the_day_sheet_name_their_days_as_people_read_them(booked, client, language):
    """The day buttons read "2026. 12. 10." in Korean and "Dec 10, 2026" in English."""
    meetup, _with_gamma, _with_beta = booked
    login(client, meetup.organizer)
    gamma = meetup.profiles["gamma"]
    for url in (
        f"/e/test-expo/meetings/manage/grid?lang={language}",
        f"/e/test-expo/meetings/day-sheet?profile={gamma.id}&lang={language}",
    ):
        page = client.get(url).get_data(as_text=True)
        for day in _fair_days(meetup, language):
            assert f">{day}</a>" in page, (url, day)
        first = meetup.event.starts_on
        assert f"{first.year}. {first.month}. {first.day}." not in page, url
        assert f"{first:%b} {first.day}, {first.year}</a>" not in page, url


def test_overview_lists_the_meetings_still_to_come(meetup, client, monkeypatch):
    from tests.meetings.conftest import add_company

    alpha = meetup.profiles["alpha"]
    firms = [meetup.profiles["beta"], meetup.profiles["gamma"]]
    firms += [add_company(meetup.event, f"firm{n}", "large_firm")[1] for n in range(4)]
    # Alpha meets the six firms in the four slots of day 1 and the first two of day 2.
    for firm, slot in zip(firms, meetup.slots, strict=False):
        request = accepted_request(meetup.event, alpha, firm, meetup.exhibitor_admin)
        services.book(request, slot, meetup.organizer, via="organizer")
    db.session.commit()
    names = [firm.organization.name_en for firm in firms]

    # On the morning of day 2, the overview's next meetings are day 2's, not day 1's.
    day_two = meetup.slots[4].starts_at
    monkeypatch.setattr(services, "_now", lambda: day_two - timedelta(minutes=30))
    login(client, meetup.exhibitor_admin)
    page = client.get("/e/test-expo/meetings/").get_data(as_text=True)
    listed = page.split('class="meet-list"', 1)[1].split("</ul>", 1)[0]
    assert [name for name in names if name in listed] == names[4:]
    assert "Full agenda" in page
    # Once every meeting is over, the overview still leads to the agenda.
    monkeypatch.setattr(services, "_now", lambda: day_two + timedelta(days=1))
    page = client.get("/e/test-expo/meetings/").get_data(as_text=True)
    assert 'class="meet-list"' not in page and "Full agenda" in page
    assert "No meetings yet." not in page


def test_the_meeting_page_offers_the_meeting_for_the_readers_calendar(booked, client):
    meetup, with_gamma, _with_beta = booked
    login(client, meetup.exhibitor_staff)
    detail = client.get(f"/e/test-expo/meetings/m/{with_gamma.id}?lang=en").get_data(as_text=True)
    link = f"/e/test-expo/calendar/meetings/{with_gamma.id}.ics"
    assert f'href="{link}"' in detail and "Add to my calendar (.ics)" in detail
    # The time says its zone: a partner from abroad reads it as the event's clock.
    time = detail.split('id="meeting-time">', 1)[1].split("</dd>", 1)[0]
    assert time.endswith("(South Korea Time)")
    korean = client.get(f"/e/test-expo/meetings/m/{with_gamma.id}?lang=ko").get_data(as_text=True)
    # Named as people read it; "Asia/Seoul" told Korean readers nothing.
    assert korean.split('id="meeting-time">', 1)[1].split("</dd>", 1)[0].endswith("(대한민국 시간)")
    ics = client.get(link)
    assert ics.status_code == 200 and ics.mimetype == "text/calendar"
    assert with_gamma.uid in ics.get_data(as_text=True)
    # A cancelled meeting is no longer offered.
    services.cancel_meeting(with_gamma, meetup.attendee, profile=meetup.profiles["gamma"])
    db.session.commit()
    detail = client.get(f"/e/test-expo/meetings/m/{with_gamma.id}?lang=en").get_data(as_text=True)
    assert link not in detail
