"""Organizers manage scan points: what a change may do to scans already made and
to the devices handed out."""

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import delete, func, select, update

from eventapp.checkin import services
from eventapp.checkin.models import Lead, ScanDevice, ScanPoint
from eventapp.extensions import db
from tests.checkin.conftest import scan


def _form(point, **changes):
    """The point's edit form as its page shows it, with `changes`."""
    return {
        "name_ko": point.name_ko,
        "name_en": point.name_en,
        "kind": point.kind,
        "organization_id": point.organization_id or 0,
        "entrance_group": point.entrance_group,
        "valid_days": list(point.valid_days or []),
        "allowed_categories": list(point.allowed_categories or []),
        "active": "y" if point.active else "",
        **changes,
    }


def _edit(login_as, point, **changes):
    return login_as("organizer").post(
        f"/e/test-expo/checkin/points/{point.id}",
        data=_form(point, **changes),
        follow_redirects=True,
    )


def test_a_point_with_scans_keeps_its_kind(scanning, login_as):
    gate, side = scanning.points["gate"], scanning.points["side_gate"]
    assert scan(login_as("staff"), gate, scanning.code("attendee")).get_json()["status"] == "ok"
    page = _edit(login_as, gate, kind="meeting_zone").get_data(as_text=True)
    assert "keeps its kind" in page
    db.session.expire_all()
    assert db.session.get(ScanPoint, gate.id).kind == "entrance"
    # A point nobody scanned at yet may still become another kind.
    _edit(login_as, side, kind="meeting_zone")
    db.session.expire_all()
    assert db.session.get(ScanPoint, side.id).kind == "meeting_zone"


def test_giving_a_booth_point_to_another_company_revokes_its_devices(scanning, login_as):
    booth = scanning.points["alpha_booth"]
    device = services.create_device(booth, label="alpha tablet", hours=5)
    gate_device = services.create_device(scanning.points["gate"], label="gate", hours=5)
    db.session.commit()
    token = services.device_token(device)
    assert (
        scan(login_as("anonymous"), booth, scanning.code("attendee"), token=token).status_code
        == 200
    )

    # The form says beforehand what another company would do to the phone.
    form = login_as("organizer").get(f"/e/test-expo/checkin/points/{booth.id}?lang=en")
    warning = form.get_data(as_text=True).split('id="company-devices"', 1)[1].split("</p>")[0]
    assert "revokes the scanner device set up here for" in warning
    page = _edit(login_as, booth, organization_id=scanning.companies["beta"].id)
    assert "Its scanner device was revoked" in page.get_data(as_text=True)
    answer = scan(login_as("anonymous"), booth, scanning.code("staff"), token=token)
    assert answer.status_code == 401
    db.session.expire_all()
    assert db.session.get(ScanDevice, device.id).revoked_at is not None
    assert db.session.get(ScanDevice, gate_device.id).revoked_at is None
    # Renaming the point leaves its devices alone.
    fresh = services.create_device(booth, label="beta tablet", hours=5)
    db.session.commit()
    page = _edit(login_as, db.session.get(ScanPoint, booth.id), name_en="Beta corner")
    assert "scanner device" not in page.get_data(as_text=True).split("<main", 1)[1].split("<h1")[0]
    assert db.session.get(ScanDevice, fresh.id).revoked_at is None


def test_an_entrance_made_a_booth_point_revokes_its_gate_devices(scanning, login_as):
    """The gate staff's tablet would capture leads for the company, reading visitors'
    names; a meeting zone made an entrance keeps its staff's phones."""
    gate = services.create_scan_point(
        scanning.event, name_ko="북문", name_en="North gate", kind="entrance"
    )
    zone = services.create_scan_point(
        scanning.event, name_ko="상담존 2", name_en="Zone 2", kind="meeting_zone"
    )
    db.session.commit()
    device = services.create_device(gate, label="gate tablet", hours=24)
    zone_device = services.create_device(zone, label="zone tablet", hours=24)
    db.session.commit()
    token = services.device_token(device)

    form = login_as("organizer").get(f"/e/test-expo/checkin/points/{gate.id}?lang=en")
    warning = form.get_data(as_text=True).split('id="company-devices"', 1)[1].split("</p>")[0]
    assert 'data-for-kinds="booth"' in warning and "Making this a booth lead point" in warning
    page = _edit(login_as, gate, kind="booth", organization_id=scanning.companies["alpha"].id)
    html = page.get_data(as_text=True)
    assert "Its scanner device was revoked: it was set up for on-site staff." in html
    answer = scan(login_as("anonymous"), gate, scanning.code("attendee"), token=token)
    assert answer.status_code == 401
    assert db.session.scalar(select(func.count()).select_from(Lead)) == 0
    _edit(login_as, zone, kind="entrance")
    db.session.expire_all()
    assert db.session.get(ScanDevice, device.id).revoked_at is not None
    assert db.session.get(ScanDevice, zone_device.id).revoked_at is None


def _field_of(html, name):
    """The form field block of the input named `name`."""
    start = html.index(f'name="{name}"')
    return html[html.rindex('<div class="field', 0, start) : html.index("</div>", start)]


def test_a_device_form_error_names_the_field_and_keeps_what_was_typed(scanning, login_as):
    gate = scanning.points["gate"]
    page = login_as("organizer").post(
        f"/e/test-expo/checkin/points/{gate.id}/devices?lang=en",
        data={"label": "x" * 101, "hours": 5},
    )
    assert page.status_code == 400
    html = page.get_data(as_text=True)
    label = _field_of(html, "label")
    assert "Field cannot be longer than 100 characters." in label and "x" * 101 in label
    assert db.session.scalar(select(func.count()).select_from(ScanDevice)) == 0
    # The point's own form shows the point as saved, not the device form's fields.
    assert 'value="Main gate"' in _field_of(html, "name_en")
    page = login_as("organizer").post(
        f"/e/test-expo/checkin/points/{gate.id}/devices?lang=en",
        data={"label": "Galaxy Tab at the left desk", "hours": 721},
    )
    html = page.get_data(as_text=True)
    assert "Number must be between 1 and 720." in _field_of(html, "hours")
    assert 'value="Galaxy Tab at the left desk"' in _field_of(html, "label")
    # 0 hours is out of range too, not a missing number.
    page = login_as("organizer").post(
        f"/e/test-expo/checkin/points/{gate.id}/devices?lang=en", data={"label": "", "hours": 0}
    )
    hours = _field_of(page.get_data(as_text=True), "hours")
    assert "Number must be between 1 and 720." in hours and "This field is required" not in hours
    # Letters are not a number, and that is all that is said of them.
    for lang, not_a_number in (("en", "Not a valid integer value."), ("ko", "정수")):
        page = login_as("organizer").post(
            f"/e/test-expo/checkin/points/{gate.id}/devices?lang={lang}",
            data={"label": "", "hours": "abc"},
        )
        hours = _field_of(page.get_data(as_text=True), "hours")
        assert not_a_number in hours and hours.count('class="error"') == 1, hours


def test_the_scan_log_says_why_in_the_readers_language(scanning, login_as):
    answer = scan(login_as("staff"), scanning.points["vip_gate"], scanning.code("attendee"))
    assert answer.get_json()["reason"] == "category"
    scan(login_as("staff"), scanning.points["gate"], "K1-not-a-code")
    organizer = login_as("organizer")
    html = organizer.get("/e/test-expo/checkin/scans?lang=en").get_data(as_text=True)
    assert "Badge category not admitted here" in html and "Not a badge code" in html
    html = organizer.get("/e/test-expo/checkin/scans?lang=ko").get_data(as_text=True)
    assert '">category</small>' not in html and "badge category not admitted" not in html
    assert "이 곳에 입장할 수 없는 출입증 분류" in html


def test_valid_days_left_outside_a_moved_fair_are_shown(scanning, login_as, server_clock):
    event, day2 = scanning.event, scanning.points["day2_gate"]
    stale = day2.valid_days[0]
    event.starts_on += timedelta(days=7)
    event.ends_on += timedelta(days=7)
    db.session.commit()
    server_clock(1)
    assert scan(login_as("staff"), day2, scanning.code("attendee")).get_json()["status"] == (
        "not_valid_today"
    )
    organizer = login_as("organizer")
    manage = organizer.get("/e/test-expo/checkin/").get_data(as_text=True)
    assert "no fair day: its valid days lie outside the fair" in manage
    form = organizer.get(f"/e/test-expo/checkin/points/{day2.id}").get_data(as_text=True)
    shown = f"{date.fromisoformat(stale):%b} {date.fromisoformat(stale).day}"
    assert f"{shown} (not a fair day any more)" in form
    assert (
        f'<input checked id="valid_days-2" name="valid_days" type="checkbox" value="{stale}">'
        in form
    )
    # Saved as shown, the point is not silently opened on every day: the stale day
    # is named.
    page = _edit(login_as, day2).get_data(as_text=True)
    assert f"Not a fair day: {stale}" in page
    db.session.expire_all()
    assert db.session.get(ScanPoint, day2.id).valid_days == [stale]


def test_check_ins_of_a_day_the_fair_no_longer_holds_are_still_counted(
    scanning, login_as, server_clock
):
    """After the fair's dates moved, the counts per day left out the day its gates
    had admitted people on, which the scan log still lists."""
    event = scanning.event
    assert (
        scan(login_as("staff"), scanning.points["gate"], scanning.code("attendee")).get_json()[
            "status"
        ]
        == "ok"
    )
    first_day = event.days[0]
    event.starts_on += timedelta(days=7)
    event.ends_on += timedelta(days=7)
    db.session.commit()
    shown = f"{first_day:%b} {first_day.day}"
    for path in ("/e/test-expo/checkin/?lang=en", "/e/test-expo/manage/?lang=en"):
        page = login_as("organizer").get(path).get_data(as_text=True)
        stats = (
            page.split('class="stats', 2)[-1]
            if "checkin/" in path
            else page.split('id="overview-checkins"', 1)[1]
        )
        assert re.search(
            rf'stat-num">1</span><span class="stat-label">check-ins on {shown} \(not a fair day any more\)',
            stats,
        ), stats[:600]


def test_a_booth_point_with_no_company_to_choose_says_why(scanning, login_as):
    """Before any company is approved the form said "Choose the exhibitor company."
    over a list with nothing to choose."""
    from eventapp.booths.models import Exhibitor

    db.session.execute(
        update(Exhibitor).where(Exhibitor.event_id == scanning.event.id).values(status="pending")
    )
    db.session.commit()
    form = {"name_ko": "부스", "name_en": "Booth", "kind": "booth", "organization_id": 0}
    page = login_as("organizer").post("/e/test-expo/checkin/points/new?lang=en", data=form)
    said = _field_of(page.get_data(as_text=True), "organization_id")
    assert "No company exhibits yet" in said and "Choose the exhibitor company" not in said
    # With a company to choose, the form asks for the choice.
    db.session.execute(
        update(Exhibitor).where(Exhibitor.event_id == scanning.event.id).values(status="approved")
    )
    db.session.commit()
    page = login_as("organizer").post("/e/test-expo/checkin/points/new?lang=en", data=form)
    assert "Choose the exhibitor company." in page.get_data(as_text=True)


def test_the_point_form_names_its_days_as_people_read_them(scanning, login_as):
    """The valid days read "2025-09-17" on the form, where every other check-in page
    says "Sep 17" or "9월 17일"."""
    point, day = scanning.points["gate"], scanning.event.days[0]
    organizer = login_as("organizer")
    for lang, shown in (("en", f"{day:%b} {day.day}"), ("ko", f"{day.month}월 {day.day}일")):
        form = organizer.get(f"/e/test-expo/checkin/points/{point.id}?lang={lang}")
        html = form.get_data(as_text=True)
        assert f'value="{day.isoformat()}"> <label for="valid_days-0">{shown}</label>' in html


def test_the_command_line_refuses_hours_out_of_range(scanning, app):
    gate = scanning.points["gate"]
    runner = app.test_cli_runner()
    for hours in ("0", "-5", "100000"):
        result = runner.invoke(
            args=["checkin", "device-token", "test-expo", str(gate.id), "--hours", hours]
        )
        assert result.exit_code == 2 and "1<=x<=720" in result.output, result.output
    assert db.session.scalar(select(func.count()).select_from(ScanDevice)) == 0
    result = runner.invoke(args=["checkin", "device-token", "test-expo", str(gate.id)])
    assert result.exit_code == 0, result.output


def test_a_booth_point_turned_into_an_entrance_revokes_the_exhibitors_devices(scanning, login_as):
    """The exhibitor's phone went on scanning at what became an entrance: it read
    every badge holder's name and checked people in."""
    booth = scanning.points["alpha_booth"]
    device = services.create_device(booth, label="alpha staff phone", hours=24)
    db.session.commit()
    token = services.device_token(device)
    page = _edit(login_as, booth, kind="entrance", organization_id=0)
    text = page.get_data(as_text=True)
    # Said without a "new company" that an entrance does not have.
    assert "Its scanner device was revoked" in text and "new company" not in text
    db.session.expire_all()
    assert db.session.get(ScanPoint, booth.id).kind == "entrance"
    assert db.session.get(ScanDevice, device.id).revoked_at is not None
    answer = scan(login_as("anonymous"), booth, scanning.code("attendee"), token=token)
    assert answer.status_code == 401


def test_the_sign_in_request_is_in_the_readers_language(scanning, client):
    """A phone whose set-up code was withdrawn lands on the sign-in page: the
    message there was Flask-Login's, in English on a Korean page."""
    gate = scanning.points["gate"]
    answer = client.get(f"/e/test-expo/scan/{gate.id}", headers={"Accept-Language": "ko"})
    assert answer.status_code == 302 and "/login" in answer.location
    page = client.get(answer.location, headers={"Accept-Language": "ko"}).get_data(as_text=True)
    assert "Please log in" not in page and "로그인" in page


def test_the_overview_counts_every_scan_in_one_column(scanning, login_as):
    gate, staff = scanning.points["gate"], login_as("staff")
    answers = [
        scan(staff, gate, scanning.code("attendee")).get_json()["status"],
        scan(staff, gate, scanning.code("attendee")).get_json()["status"],
        scan(staff, gate, "K1-not-a-code").get_json()["status"],
    ]
    assert answers == ["ok", "already_checked_in", "invalid"]
    counts = services.point_counts(scanning.event)[gate.id]
    assert counts == {"scans": 3, "ok": 1, "already": 1, "rejected": 1}

    html = login_as("organizer").get("/e/test-expo/checkin/?lang=en").get_data(as_text=True)
    # One column for entrances (already checked in) and booths (already captured).
    assert '<th class="num">Scanned before</th>' in html
    assert 'data-label="Already checked in"' in html and 'data-label="Already captured"' in html
    row = html.split(">Main gate</a>", 1)[1].split("</tr>", 1)[0]
    assert re.findall(r'<td class="num"[^>]*>(?:<a [^>]*>)?(\d+)<', row) == ["3", "1", "1", "1"]
    # Each count opens its scans in the log.
    assert f'href="/e/test-expo/checkin/scans?point={gate.id}&amp;result=ok">1<' in row


def test_an_entrance_group_is_one_group_whatever_its_case(scanning, login_as):
    """ "Main" beside "main" made two groups: a visitor checked in at one gate would
    be checked in again at the other on the same day."""
    event = scanning.event
    east = services.create_scan_point(
        event, name_ko="동문", name_en="East gate", kind="entrance", entrance_group=" MAIN "
    )
    db.session.commit()
    assert east.entrance_group == scanning.points["gate"].entrance_group == "main"
    staff = login_as("staff")
    assert (
        scan(staff, scanning.points["gate"], scanning.code("attendee")).get_json()["status"] == "ok"
    )
    again = scan(staff, east, scanning.code("attendee")).get_json()
    assert again["status"] == "already_checked_in"
    # A new group keeps its spelling; the next point written otherwise joins it.
    services.update_scan_point(east, entrance_group="Hall B")
    services.update_scan_point(scanning.points["side_gate"], entrance_group="hall b")
    db.session.commit()
    assert scanning.points["side_gate"].entrance_group == "Hall B"


def test_two_scan_points_may_not_share_a_name(scanning, login_as):
    organizer = login_as("organizer")
    page = organizer.post(
        "/e/test-expo/checkin/points/new?lang=en",
        data={"name_ko": "새 문", "name_en": "main gate", "kind": "entrance", "active": "y"},
    ).get_data(as_text=True)
    assert "Another scan point is already called main gate." in page
    assert (
        db.session.scalar(
            select(func.count()).select_from(ScanPoint).where(ScanPoint.name_ko == "새 문")
        )
        == 0
    )
    side = scanning.points["side_gate"]
    page = _edit(login_as, side, name_ko="정문").get_data(as_text=True)
    assert "Another scan point is already called 정문." in page
    db.session.expire_all()
    assert db.session.get(ScanPoint, side.id).name_ko == "측문"
    # Saving a point under its own name is no clash.
    assert "already called" not in _edit(login_as, side).get_data(as_text=True)


def test_companies_are_listed_in_the_readers_alphabet(scanning, login_as, app):
    html = (
        login_as("organizer").get("/e/test-expo/checkin/points/new?lang=ko").get_data(as_text=True)
    )
    select_html = html.split('name="organization_id"', 1)[1].split("</select>", 1)[0]
    names = [n for n in re.findall(r">([^<]+)</option>", select_html) if n != "—"]
    assert len(names) >= 2 and names == sorted(names, key=str.casefold)


def test_a_device_page_names_the_device_and_says_why_it_stopped(scanning, login_as):
    gate = scanning.points["gate"]
    device = services.create_device(gate, label="동문 태블릿 1", hours=5)
    db.session.commit()
    organizer = login_as("organizer")
    url = f"/e/test-expo/checkin/devices/{device.id}?lang=en"
    page = organizer.get(url).get_data(as_text=True)
    assert "Device: 동문 태블릿 1" in page
    revoke = page.split(f'/checkin/devices/{device.id}/revoke"', 1)[1].split(">", 1)[0]
    assert "data-confirm=" in revoke and "Revoke 동문 태블릿 1?" in revoke
    form = organizer.get(f"/e/test-expo/checkin/points/{gate.id}?lang=en").get_data(as_text=True)
    assert "It stops scanning at once." in form.split(f"/devices/{device.id}/revoke", 1)[1]
    assert organizer.post(f"/e/test-expo/checkin/devices/{device.id}/revoke").status_code == 302
    page = organizer.get(url).get_data(as_text=True)
    assert "This device was revoked at" in page and "/revoke" not in page


@pytest.mark.browser
def test_the_form_shows_the_fields_of_the_chosen_kind(scanning, live_server, launch_chromium):
    from tests.checkin.test_scanner_browser import _sign_in

    page = launch_chromium().new_context(locale="en-US").new_page()
    _sign_in(page, live_server.url, scanning.organizer.email)
    page.goto(f"{live_server.url}/e/test-expo/checkin/points/new")
    company, group = page.locator("#organization_id"), page.locator("#entrance_group")
    page.select_option("#kind", "entrance")
    assert group.is_visible() and not company.is_visible()
    # The groups in use are offered.
    assert page.locator("#entrance-groups option[value='vip']").count() == 1
    page.select_option("#kind", "booth")
    assert company.is_visible() and not group.is_visible()
    page.select_option("#kind", "meeting_zone")
    assert not company.is_visible() and not group.is_visible()


def test_a_point_made_by_mistake_is_deleted_but_one_with_scans_stays(scanning, login_as):
    from eventapp.core.audit import AuditEntry

    organizer = login_as("organizer")
    side = scanning.points["side_gate"]
    device = services.create_device(side, label="side tablet", hours=5)
    db.session.commit()
    side_id, device_id = side.id, device.id
    form = organizer.get(f"/e/test-expo/checkin/points/{side_id}?lang=en").get_data(as_text=True)
    delete = form.split(f"/checkin/points/{side_id}/delete", 1)[1].split(">", 1)[0]
    assert "data-confirm=" in delete
    page = organizer.post(
        f"/e/test-expo/checkin/points/{side_id}/delete?lang=en", follow_redirects=True
    ).get_data(as_text=True)
    assert "Scan point Side gate deleted." in page
    db.session.expire_all()
    assert db.session.get(ScanPoint, side_id) is None
    assert db.session.get(ScanDevice, device_id) is None
    assert (
        db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "checkin.point_deleted")
        ).data["name"]
        == "Side gate"
    )

    gate = scanning.points["gate"]
    assert scan(login_as("staff"), gate, scanning.code("attendee")).get_json()["status"] == "ok"
    organizer = login_as("organizer")
    form = organizer.get(f"/e/test-expo/checkin/points/{gate.id}").get_data(as_text=True)
    assert "/delete" not in form
    page = organizer.post(
        f"/e/test-expo/checkin/points/{gate.id}/delete?lang=en", follow_redirects=True
    ).get_data(as_text=True)
    assert "Something was scanned here: the scan point stays." in page
    db.session.expire_all()
    assert db.session.get(ScanPoint, gate.id) is not None
    assert login_as("staff").post(f"/e/test-expo/checkin/points/{gate.id}/delete").status_code in (
        403,
        404,
    )


def test_a_point_keeps_its_own_spelling_of_its_group(scanning, login_as):
    """An older point wrote the group "Main"; saving the gate ("main") unchanged must
    not move it to "Main", or its visitors would be checked in afresh."""
    gate = scanning.points["gate"]
    staff = login_as("staff")
    assert scan(staff, gate, scanning.code("attendee")).get_json()["status"] == "ok"
    db.session.add(
        ScanPoint(
            event_id=scanning.event.id,
            name_ko="옛 문",
            name_en="Old gate",
            kind="entrance",
            entrance_group="Main",
        )
    )
    db.session.commit()
    _edit(login_as, gate)
    db.session.expire_all()
    assert db.session.get(ScanPoint, gate.id).entrance_group == "main"
    again = scan(login_as("staff"), gate, scanning.code("attendee")).get_json()
    assert again["status"] == "already_checked_in"
    # A new point joins the spelling most points use.
    east = services.create_scan_point(
        scanning.event, name_ko="동문", name_en="East gate", kind="entrance", entrance_group="MAIN"
    )
    assert east.entrance_group == "main"


def test_a_point_named_like_a_booth_point_made_for_its_company_still_saves(scanning, login_as):
    alpha, beta = scanning.companies["alpha"], scanning.companies["beta"]
    booth = scanning.points["alpha_booth"]
    services.update_scan_point(booth, name_en=f"{alpha.name_en} booth")
    db.session.commit()
    _edit(login_as, booth, organization_id=beta.id)
    auto = services.booth_point_for(scanning.event, alpha)
    db.session.commit()
    assert auto.id != booth.id and auto.name_en == f"{alpha.name_en} booth"
    page = _edit(login_as, auto, active="").get_data(as_text=True)
    assert "already called" not in page
    db.session.expire_all()
    assert db.session.get(ScanPoint, auto.id).active is False


def test_a_point_where_a_phone_was_set_up_is_not_deleted(scanning, login_as):
    side = scanning.points["side_gate"]
    device = services.create_device(side, label="side tablet", hours=5)
    device.set_up_at = services.utcnow()
    db.session.commit()
    from flask_babel import force_locale

    with (
        force_locale("en"),
        pytest.raises(services.CheckinError, match="may hold scans not uploaded"),
    ):
        services.delete_scan_point(side)


def test_a_point_deleted_meanwhile_is_said_to_be_deleted(scanning):
    """Two organizers delete one point at once: the second, whose page still showed
    it, is told so rather than failing on a row that is gone."""
    from flask_babel import force_locale

    side = scanning.points["side_gate"]
    db.session.execute(delete(ScanPoint).where(ScanPoint.id == side.id))
    with (
        force_locale("en"),
        pytest.raises(services.CheckinError, match="^This scan point was already deleted.$"),
    ):
        services.delete_scan_point(side)


def test_a_point_whose_device_token_is_in_use_is_not_deleted(scanning, login_as, client):
    """A device registered for a hand scanner (the CLI prints its device token) is
    never "set up" through the set-up page: once it has fetched the point's
    configuration it may hold scans made offline, like a set-up phone. Deleting
    the point would delete the device too, and its queued scans could never be
    uploaded."""
    point = scanning.points["side_gate"]
    device = services.create_device(point, label="hand scanner", hours=5)
    db.session.commit()
    token = services.device_token(device)
    answer = client.get(f"/api/checkin/points/{point.id}/config", headers={"X-Device-Token": token})
    assert answer.status_code == 200
    db.session.expire_all()
    assert db.session.get(ScanDevice, device.id).last_seen_at is not None

    page = login_as("organizer").post(
        f"/e/test-expo/checkin/points/{point.id}/delete?lang=en", follow_redirects=True
    )
    db.session.expire_all()
    assert db.session.get(ScanPoint, point.id) is not None, "point deleted under a device in use"
    assert db.session.get(ScanDevice, device.id) is not None
    assert "may hold scans not uploaded" in page.get_data(as_text=True)


def test_a_point_whose_scanner_page_someone_signed_in_opened_is_not_deleted(scanning, login_as):
    """Staff signed in opened the side gate's scanner and scanned offline: deleting
    the point left their phone with scans no upload could ever take (404)."""
    point = scanning.points["side_gate"]
    assert login_as("staff").get(f"/e/test-expo/scan/{point.id}").status_code == 200
    page = (
        login_as("organizer")
        .post(f"/e/test-expo/checkin/points/{point.id}/delete?lang=en", follow_redirects=True)
        .get_data(as_text=True)
    )
    db.session.expire_all()
    assert db.session.get(ScanPoint, point.id) is not None, "point deleted under a phone"
    assert "a phone may hold scans not uploaded: the scan point stays" in page


def test_a_point_kept_for_a_phones_scans_offers_no_deletion(scanning, login_as):
    """The point's page offered "Nothing was scanned here yet: a point made by
    mistake can be deleted" where a phone was set up or the scanner page opened, and
    the deletion it asked to confirm was then refused."""
    side, east = scanning.points["side_gate"], scanning.points["day2_gate"]
    device = services.create_device(side, label="side tablet", hours=5)
    device.set_up_at = services.utcnow()
    db.session.commit()
    assert login_as("staff").get(f"/e/test-expo/scan/{east.id}").status_code == 200
    organizer = login_as("organizer")
    for point in (side, east):
        page = organizer.get(f"/e/test-expo/checkin/points/{point.id}?lang=en")
        html = page.get_data(as_text=True)
        assert f"/checkin/points/{point.id}/delete" not in html, point.name_en
        assert "can be deleted" not in html, point.name_en
    # One nobody scanned at nor set a phone up for is still offered for deletion.
    vip = scanning.points["vip_gate"]
    html = organizer.get(f"/e/test-expo/checkin/points/{vip.id}?lang=en").get_data(as_text=True)
    assert f"/checkin/points/{vip.id}/delete" in html and "can be deleted" in html


def test_a_device_never_used_says_so_under_last_seen(scanning, login_as, device_token):
    """A device whose code no phone used yet showed an empty "Last seen:" line on a
    phone, as if the page had failed to load it."""
    device_token("gate")
    organizer = login_as("organizer")
    for lang, never in (("en", "not yet"), ("ko", "아직 없음")):
        html = organizer.get(f"/e/test-expo/checkin/?lang={lang}").get_data(as_text=True)
        row = html.split('<tr id="device-', 1)[1].split("</tr>", 1)[0]
        seen = row.split('data-label="', 3)[3].split("</td>", 1)[0]
        assert seen.endswith(f'<span class="muted">{never}</span>'), seen


@pytest.mark.parametrize(
    "lang, main, vip",
    [
        ("ko", "기본 출입구 그룹", "출입구 그룹 vip"),
        ("en", "main entrance group", "entrance group vip"),
    ],
)
def test_the_point_list_says_which_entrance_group_a_gate_is_in(scanning, login_as, lang, main, vip):
    """The list showed a gate's group bare, "(main)": the app's own default in
    English on the Korean page, and with nothing to say what the word was."""
    page = login_as("organizer").get(f"/e/test-expo/checkin/?lang={lang}").get_data(as_text=True)
    groups = re.findall(r'<small class="muted entrance-group">\(([^)]*)\)</small>', page)
    assert groups.count(main) == 3  # the main, side and day-2 gates
    assert groups.count(vip) == 1
    assert "(main)" not in page


def test_check_in_pages_name_days_as_people_read_them(scanning, login_as, app):
    """The locale's short date read "26. 12. 10. 입장 확인" and "check-ins on
    12/10/26": the day is "12월 10일" / "Dec 10", with the year only when it is not
    the fair's."""
    from babel.dates import format_date

    event = scanning.event
    first = event.starts_on
    organizer = login_as("organizer")
    korean = organizer.get("/e/test-expo/checkin/?lang=ko").get_data(as_text=True)
    english = organizer.get("/e/test-expo/checkin/?lang=en").get_data(as_text=True)
    assert f"{first.month}월 {first.day}일 입장 확인" in korean
    assert f"check-ins on {format_date(first, 'MMM d', locale='en')}<" in english
    for page, locale in ((korean, "ko"), (english, "en")):
        assert format_date(first, "short", locale=locale) not in page
    overview = organizer.get("/e/test-expo/manage/?lang=ko").get_data(as_text=True)
    assert f"{first.month}월 {first.day}일 입장 확인" in overview
    # A day of another year than the fair's says its year.
    from flask_babel import force_locale

    from eventapp.core.templating import fair_day

    before = first.replace(year=first.year - 1)
    with app.test_request_context("/"), force_locale("en"):
        assert fair_day(first, event) == format_date(first, "MMM d", locale="en")
        assert fair_day(before, event) == format_date(before, "MMM d, y", locale="en")
    with app.test_request_context("/"), force_locale("ko"):
        assert fair_day(before, event) == f"{before.year}년 {before.month}월 {before.day}일"


def test_stats_command_lists_points_as_the_scanning_page_does(scanning, app):
    """`flask checkin stats` listed the points in whatever order the database
    returned them; it lists them as the scanning page does, by kind and name."""
    output = app.test_cli_runner().invoke(args=["checkin", "stats", "test-expo"]).output
    names = [
        "Alpha booth",
        "Beta booth",
        "Day 2 gate",
        "Main gate",
        "Side gate",
        "VIP lounge",
        "Meeting zone",
    ]
    assert [output.index(name) for name in names] == sorted(output.index(name) for name in names)


def test_stats_command_says_when_there_is_nothing_to_count(small_event, app):
    """An event without scan points or check-ins printed nothing at all."""
    result = app.test_cli_runner().invoke(args=["checkin", "stats", "test-expo"])
    assert (result.exit_code, result.output) == (0, "no check-ins yet\nno scan points\n")
