"""Exhibitors' leads: own company only, contact details only with the visitor's
consent, notes and ratings, CSV and Excel export."""

import csv
import io
import re
import zipfile
from datetime import datetime, time, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from eventapp.accounts.models import User
from eventapp.badges.models import Badge
from eventapp.checkin import services
from eventapp.checkin.models import Lead, LeadConsent, ScanPoint
from eventapp.events.models import EventRole
from eventapp.extensions import db
from tests.checkin.conftest import nonce, scan, visitors
from tests.conftest import statements_of


def _capture(scanning, login_as, device_token):
    """alpha's staff scans the attendee (who shares) and the outsider (who does not);
    beta scans the attendee too."""
    scanning.attendee.phone = "+82-10-1234-5678"
    scanning.attendee.job_title = "Head of Smart Factory"
    scanning.outsider.phone = "+82-10-9999-0000"
    db.session.commit()
    attendee = login_as("attendee")
    response = attendee.post("/e/test-expo/contact-sharing", data={"share_contact": "y"})
    assert response.status_code == 302
    staff = login_as("exhibitor_staff")
    for role in ("attendee", "outsider"):
        answer = scan(staff, scanning.points["alpha_booth"], scanning.code(role)).get_json()
        assert answer["status"] == "ok"
    beta_token = device_token("beta_booth")
    beta_scan = scan(
        staff, scanning.points["beta_booth"], scanning.code("attendee"), token=beta_token
    )
    assert beta_scan.status_code == 200 and beta_scan.get_json()["status"] == "ok"
    beta_lead = db.session.scalar(
        select(Lead).where(Lead.organization_id == scanning.companies["beta"].id)
    )
    services.update_lead(beta_lead, rating="hot", notes="beta secret note")
    db.session.commit()
    return db.session.scalars(select(Lead)).all()


def test_exhibitor_sees_only_own_leads_and_consented_contacts(scanning, login_as, device_token):
    _capture(scanning, login_as, device_token)
    page = login_as("exhibitor_admin").get("/e/test-expo/leads/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Attendee" in html and "Outsider" in html
    assert "attendee@example.org" in html and "Head of Smart Factory" in html
    assert "+82-10-1234-5678" in html
    assert f"Scanned by {scanning.exhibitor_staff.name_en}" in html
    assert "outsider@example.org" not in html and "+82-10-9999-0000" not in html
    assert "beta secret note" not in html

    beta = login_as("other_exhibitor").get("/e/test-expo/leads/").get_data(as_text=True)
    assert "beta secret note" in beta and "Outsider" not in beta
    # An exhibitor cannot pick another company with ?org=.
    alpha_id = scanning.companies["alpha"].id
    forced = login_as("other_exhibitor").get(f"/e/test-expo/leads/?org={alpha_id}")
    assert "Outsider" not in forced.get_data(as_text=True)
    # Organizers may look at any company's leads.
    organizer = login_as("organizer").get(f"/e/test-expo/leads/?org={alpha_id}")
    assert "Outsider" in organizer.get_data(as_text=True)


def test_notes_and_rating_only_by_the_own_company(scanning, login_as, device_token):
    leads = _capture(scanning, login_as, device_token)
    alpha_lead = next(
        lead
        for lead in leads
        if lead.organization_id == scanning.companies["alpha"].id
        and lead.user_id == scanning.attendee.id
    )
    url = f"/e/test-expo/leads/{alpha_lead.id}"
    response = login_as("exhibitor_staff").post(
        url, data={"rating": "warm", "notes": "Wants a PoC"}
    )
    assert response.status_code == 302
    db.session.refresh(alpha_lead)
    assert (alpha_lead.rating, alpha_lead.notes) == ("warm", "Wants a PoC")
    assert login_as("other_exhibitor").post(url, data={"rating": "cold"}).status_code == 403
    assert login_as("attendee").post(url, data={"rating": "cold"}).status_code == 403
    refused = login_as("exhibitor_admin").post(url, data={"rating": "lukewarm"})
    assert refused.status_code == 400
    assert "Rating: The value sent is not one of the choices; choose again." in refused.get_data(
        as_text=True
    )
    db.session.refresh(alpha_lead)
    assert alpha_lead.rating == "warm"  # an unknown rating is refused
    # The rating stands on its own on the page: a capital in English (the export keeps
    # the value as written), Korean as it is.
    page = login_as("exhibitor_staff").get("/e/test-expo/leads/?lang=en").get_data(as_text=True)
    assert '<span class="badge-pill rating-warm">Warm</span>' in page
    assert '<option value="hot" >Hot</option>' in page and ">Not rated</option>" in page
    page = login_as("exhibitor_staff").get("/e/test-expo/leads/?lang=ko").get_data(as_text=True)
    assert '<span class="badge-pill rating-warm">보통</span>' in page


def test_csv_and_xlsx_exports(scanning, login_as, device_token):
    leads = _capture(scanning, login_as, device_token)
    outsider_lead = next(lead for lead in leads if lead.user_id == scanning.outsider.id)
    services.update_lead(outsider_lead, rating="cold", notes='=HYPERLINK("http://x")')
    attendee_lead = next(
        lead
        for lead in leads
        if lead.user_id == scanning.attendee.id
        and lead.organization_id == scanning.companies["alpha"].id
    )
    services.update_lead(attendee_lead, notes="=cmd()")
    db.session.commit()
    client = login_as("exhibitor_admin")

    response = client.get("/e/test-expo/leads/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    header, body = rows[0], rows[1:]
    assert len(body) == 2
    by_name = {row[header.index("Name")]: dict(zip(header, row, strict=True)) for row in body}
    assert by_name["Attendee"]["E-mail"] == "attendee@example.org"
    assert by_name["Attendee"]["Job title"] == "Head of Smart Factory"
    assert by_name["Attendee"]["Company / organization"] == "Gamma Group"
    assert by_name["Outsider"]["E-mail"] == "" and by_name["Outsider"]["Phone"] == ""
    assert by_name["Outsider"]["Rating"] == "cold"
    assert by_name["Outsider"]["Notes"].startswith("'=")
    # Formulas are defused with an apostrophe, also a phone number that Excel would
    # compute (=82-10-1234-5678).
    assert by_name["Attendee"]["Notes"] == "'=cmd()"
    assert by_name["Attendee"]["Phone"] == "'+82-10-1234-5678"
    seoul = outsider_lead.captured_at.astimezone(scanning.event.tz)
    assert by_name["Outsider"]["Scanned at (South Korea Time)"] == seoul.strftime("%Y-%m-%d %H:%M")
    assert "beta secret note" not in response.get_data(as_text=True)
    # The colleague who scanned the visitor is named.
    assert by_name["Outsider"]["Scanned by"] == scanning.exhibitor_staff.name_en

    response = client.get("/e/test-expo/leads/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0] == header
    # Each column as wide as its contents want: the notes widest, the country's name
    # ("United Arab Emirates") less so.
    widths = {name: sheet.column_dimensions[chr(65 + i)].width for i, name in enumerate(header)}
    assert widths["Notes"] == 40 and widths["Country"] == 16 and widths["E-mail"] == 28
    emails = {row[header.index("Name")]: row[header.index("E-mail")] for row in values[1:]}
    assert emails["Attendee"] == "attendee@example.org"
    assert emails["Outsider"] in ("", None)
    assert len(values) == 3
    # In Excel only formula cells run: "=..." is stored as text (quote prefix, no
    # apostrophe in the value), a phone number exactly as typed.
    cells = {
        row[header.index("Name")].value: {h: c for h, c in zip(header, row, strict=True)}
        for row in sheet.iter_rows(min_row=2)
    }
    notes = cells["Attendee"]["Notes"]
    assert (notes.value, notes.data_type, notes.quotePrefix) == ("=cmd()", "s", True)
    assert cells["Outsider"]["Notes"].value == '=HYPERLINK("http://x")'
    assert cells["Outsider"]["Notes"].data_type == "s"
    assert cells["Attendee"]["Phone"].value == "+82-10-1234-5678"
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        assert "<f>" not in archive.read("xl/worksheets/sheet1.xml").decode()

    assert client.get("/e/test-expo/leads/export.pdf").status_code == 404
    other = login_as("other_exhibitor").get("/e/test-expo/leads/export.csv")
    assert "Outsider" not in other.get_data(as_text=True)


def test_a_leads_country_is_named_in_the_readers_language(scanning, login_as):
    """The page and both exports said "US": the country's name, as the meetup's
    cards give it, reads "미국" to a Korean exhibitor."""
    scanning.badges["attendee"].country = "US"
    db.session.commit()
    staff = login_as("exhibitor_staff")
    assert scan(staff, scanning.points["alpha_booth"], scanning.code("attendee")).status_code == 200
    for lang, name in (("en", "United States"), ("ko", "미국")):
        html = staff.get(f"/e/test-expo/leads/?lang={lang}").get_data(as_text=True)
        lead = html.split('class="card lead"', 1)[1].split("</article>", 1)[0]
        facts = lead.split('<p class="muted">', 1)[1].split("</p>", 1)[0]
        assert f" · {name} · " in facts and " · US · " not in facts, facts
        text = staff.get(f"/e/test-expo/leads/export.csv?lang={lang}").get_data(as_text=True)
        header, row = csv.reader(io.StringIO(text.lstrip("\ufeff")))
        assert row[3] == name, (header[3], row[3])
        sheet = load_workbook(
            io.BytesIO(staff.get(f"/e/test-expo/leads/export.xlsx?lang={lang}").data)
        ).active
        assert sheet["D2"].value == name


def test_contact_sharing_choice(scanning, login_as):
    client = login_as("attendee")
    page = client.get("/e/test-expo/contact-sharing")
    assert (
        page.status_code == 200
        and "checked" not in page.get_data(as_text=True).split('name="share_contact"')[1][:40]
    )
    client.post("/e/test-expo/contact-sharing", data={"share_contact": "y"})
    consent = db.session.get(LeadConsent, (scanning.event.id, scanning.attendee.id))
    assert consent.share_contact is True
    client.post("/e/test-expo/contact-sharing", data={})
    db.session.refresh(consent)
    assert consent.share_contact is False
    # Safe redirect only to a local page.
    response = client.post(
        "/e/test-expo/contact-sharing", data={"share_contact": "y", "next": "//evil.example/"}
    )
    assert response.location.endswith("/e/test-expo/contact-sharing")


def test_someone_taken_off_the_event_can_still_withdraw_contact_sharing(scanning, login_as):
    """A person who agreed to share their contact details and was then taken off a
    company's team had no role left: the page refused them, and the exhibitors who
    had scanned them went on seeing their e-mail and phone."""
    staff_user = scanning.exhibitor_staff
    staff_user.phone = "+82-10-5555-0101"
    db.session.commit()
    url = "/e/test-expo/contact-sharing"
    assert login_as("exhibitor_staff").post(url, data={"share_contact": "y"}).status_code == 302
    beta = login_as("other_exhibitor")
    answer = scan(beta, scanning.points["beta_booth"], scanning.code("exhibitor_staff")).get_json()
    assert answer["status"] == "ok"
    export = beta.get("/e/test-expo/leads/export.csv").get_data(as_text=True)
    assert "exhibitor_staff@example.org" in export
    alpha = scanning.exhibitors["alpha"]
    removed = login_as("exhibitor_admin").post(
        f"/e/test-expo/exhibitors/{alpha.id}/team/{staff_user.id}/remove"
    )
    assert removed.status_code == 302
    roles = select(EventRole).where(EventRole.user_id == staff_user.id)
    assert db.session.scalars(roles).all() == []

    client = login_as("exhibitor_staff")
    menu_link = f'href="{url}"'
    assert menu_link in client.get("/e/test-expo/").get_data(as_text=True)
    page = client.get(url)
    assert page.status_code == 200
    assert "Stop sharing my contact details" in page.get_data(as_text=True)
    # Withdrawing only: without a part in the event nobody gives their consent.
    assert client.post(url, data={"share_contact": "y"}).status_code == 403
    response = client.post(url, data={})
    assert response.status_code == 302 and response.location.endswith(url)
    page = client.get(url)
    assert page.status_code == 200
    assert "see only your name and company" in page.get_data(as_text=True)
    assert "Stop sharing" not in page.get_data(as_text=True)
    assert menu_link not in client.get("/e/test-expo/").get_data(as_text=True)
    assert client.post(url, data={}).status_code == 302  # a second click changes nothing
    assert client.post(url, data={"share_contact": "y"}).status_code == 403
    assert services.shares_contact(scanning.event, staff_user) is False

    (row,) = services.lead_rows(scanning.event, scanning.companies["beta"].id)
    assert row["name"] == "Exhibitor_Staff" and not row["shares_contact"]
    assert (row["email"], row["phone"], row["job_title"]) == ("", "", "")
    beta = login_as("other_exhibitor")
    export = beta.get("/e/test-expo/leads/export.csv").get_data(as_text=True)
    assert "Exhibitor_Staff" in export
    assert "exhibitor_staff@example.org" not in export and "5555-0101" not in export
    # Someone who never agreed to anything at the event still finds no page there.
    assert login_as("outsider").get(url).status_code == 403


def test_contact_sharing_never_redirects_off_site(scanning, login_as):
    client = login_as("attendee")
    for target in ("/\t/evil.example/", "/\\evil.example", "https://evil.example/"):
        response = client.post(
            "/e/test-expo/contact-sharing", data={"share_contact": "y", "next": target}
        )
        assert response.location.endswith("/e/test-expo/contact-sharing"), target


def test_xlsx_export_with_a_control_character_in_a_note(scanning, login_as):
    """openpyxl refuses control characters: one pasted into a note made the
    company's whole Excel export a server error."""
    staff = login_as("exhibitor_staff")
    answer = scan(staff, scanning.points["alpha_booth"], scanning.code("attendee")).get_json()
    assert answer["status"] == "ok"
    lead = db.session.scalar(select(Lead))
    response = staff.post(
        f"/e/test-expo/leads/{lead.id}", data={"rating": "hot", "notes": "call\x0bback\x1b"}
    )
    assert response.status_code == 302
    response = staff.get("/e/test-expo/leads/export.xlsx")
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
    assert "callback" in rows[1]
    # The CSV keeps the note as typed.
    assert "call\x0bback" in staff.get("/e/test-expo/leads/export.csv").get_data(as_text=True)


def test_lead_scanner_of_a_company_with_a_long_name(small_event, login_as):
    """Company names hold 200 characters, scan point names 100: the booth point's
    name is cut to fit (PostgreSQL refused it, a server error)."""
    from eventapp.checkin.models import ScanPoint

    company = small_event.companies["alpha"]
    company.name_en = "A" * 150
    company.name_ko = "가" * 150
    db.session.commit()
    response = login_as("exhibitor_admin").post("/e/test-expo/scan/booth")
    assert response.status_code == 302
    db.session.remove()
    point = db.session.scalar(select(ScanPoint).where(ScanPoint.kind == "booth"))
    assert point.name_en == "A" * 94 + " booth" and len(point.name_ko) <= 100
    assert point.name_ko.endswith("가 부스")


def test_a_company_that_withdrew_captures_no_more_leads(scanning, login_as):
    scanning.exhibitors["alpha"].status = "withdrawn"
    db.session.commit()
    staff = login_as("exhibitor_staff")
    assert scan(staff, scanning.points["alpha_booth"], scanning.code("attendee")).status_code == 403
    point_id = scanning.points["alpha_booth"].id
    assert staff.get(f"/e/test-expo/scan/{point_id}").status_code == 403
    assert f"/scan/{point_id}" not in staff.get("/e/test-expo/scan/").get_data(as_text=True)
    assert db.session.scalar(select(Lead)) is None
    # The organizer still may scan there.
    organizer = login_as("organizer")
    answer = scan(organizer, scanning.points["alpha_booth"], scanning.code("attendee"))
    assert answer.get_json()["status"] == "ok"


def test_a_company_that_withdrew_is_offered_no_lead_scanner(scanning, login_as):
    """Its old booth point made the scanner home offer the lead scanner, which led
    to a bare 403."""
    admin = login_as("exhibitor_admin")
    assert "Open the lead scanner" in admin.get("/e/test-expo/scan/").get_data(as_text=True)
    scanning.exhibitors["alpha"].status = "withdrawn"
    db.session.commit()
    home = admin.get("/e/test-expo/scan/").get_data(as_text=True)
    assert "Open the lead scanner" not in home and "/scan/booth" not in home
    response = admin.post("/e/test-expo/scan/booth")
    assert response.status_code == 302 and response.location.endswith("/e/test-expo/scan/")
    home = admin.get(response.location)
    assert home.status_code == 200
    assert "not (or no longer) exhibiting at this event" in home.get_data(as_text=True)
    # A company that does not exhibit (yet) and has no booth point is told the same,
    # and gets none.
    scanning.exhibitors["beta"].status = "pending"
    db.session.delete(scanning.points["beta_booth"])
    db.session.commit()
    response = login_as("other_exhibitor").post("/e/test-expo/scan/booth", follow_redirects=True)
    assert response.request.path == "/e/test-expo/scan/"
    assert "not (or no longer) exhibiting at this event" in response.get_data(as_text=True)
    booth_points = select(ScanPoint.organization_id).where(ScanPoint.kind == "booth")
    assert db.session.scalars(booth_points).all() == [scanning.companies["alpha"].id]


def test_the_scanner_home_of_a_company_that_withdrew_leads_to_the_upload(scanning, login_as, app):
    """Its staff found a page with a heading and nothing else: no word that the
    company no longer captures leads, and no way to the lead scanner, which still
    uploads what their phones queued before (for the grace hours). A company that
    never exhibited is told so, and offered no scanner."""
    from eventapp.exhibitors import services as registrations

    app.config["LEAD_UPLOAD_GRACE_HOURS"] = 6
    booth = scanning.points["alpha_booth"]
    registrations.withdraw(scanning.exhibitors["alpha"], "plans changed")
    db.session.commit()
    staff = login_as("exhibitor_staff")
    home = staff.get("/e/test-expo/scan/?lang=en").get_data(as_text=True)
    assert "no longer exhibits at this event" in home
    assert "within 6 hours" in home
    assert f'href="/e/test-expo/scan/{booth.id}"' in home
    assert 'href="/e/test-expo/leads/"' in home
    assert staff.get(f"/e/test-expo/scan/{booth.id}").status_code == 200

    scanning.exhibitors["beta"].status = "pending"
    db.session.commit()
    other = login_as("other_exhibitor").get("/e/test-expo/scan/?lang=en").get_data(as_text=True)
    assert "not (or no longer) exhibiting at this event" in other
    assert f"/e/test-expo/scan/{scanning.points['beta_booth'].id}" not in other


def test_a_device_of_a_company_that_withdrew_captures_no_leads(
    scanning, client, device_token, login_as
):
    """The company's staff are refused the point; a scanner set up before it withdrew
    went on capturing leads (names and shared contacts) with its set-up code."""
    token = device_token("alpha_booth")
    scanning.exhibitors["alpha"].status = "withdrawn"
    db.session.commit()
    answer = scan(
        client, scanning.points["alpha_booth"], scanning.code("attendee"), token=token
    ).get_json()
    assert answer["status"] == "not_allowed" and answer["reason"] == "not_exhibiting"
    assert "더 이상 이 행사에 참가하지 않아" in answer["message_ko"]
    assert db.session.scalar(select(Lead)) is None
    # The organizer can still edit the point, e.g. close it.
    point = scanning.points["alpha_booth"]
    response = login_as("organizer").post(
        f"/e/test-expo/checkin/points/{point.id}",
        data={
            "name_ko": point.name_ko,
            "name_en": point.name_en,
            "kind": "booth",
            "organization_id": str(point.organization_id),
            "entrance_group": "main",
        },
    )
    assert response.status_code == 302
    db.session.remove()
    assert db.session.get(type(point), point.id).active is False


def _withdraw_at(scanning, server_clock, clock):
    """alpha withdraws (the way exhibitors do) at `clock` on the first fair day."""
    from eventapp.exhibitors import services as registrations

    moment = server_clock(0, clock, after=timedelta(0))
    registrations.withdraw(scanning.exhibitors["alpha"], "plans changed")
    db.session.commit()
    assert scanning.exhibitors["alpha"].exhibiting_until == moment


def _away_between(scanning, server_clock, withdrew, approved):
    """alpha withdraws at `withdrew` and is approved again at `approved`."""
    from eventapp.exhibitors import services as registrations

    _withdraw_at(scanning, server_clock, withdrew)
    server_clock(0, approved, after=timedelta(0))
    exhibitor = scanning.exhibitors["alpha"]
    registrations.register_again(exhibitor)
    registrations.set_status(exhibitor, "approved", notify=False)
    db.session.commit()


def _queued(client, point, code, at, token=None):
    headers = {"X-Device-Token": token} if token else {}
    body = {"scan_point": point.id, "scans": [{"code": code, "nonce": nonce(), "scanned_at": at}]}
    response = client.post("/api/checkin/scans", json=body, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["results"][0]


def _lead_people(scanning):
    alpha = scanning.companies["alpha"].id
    return {
        lead.user_id
        for lead in db.session.scalars(select(Lead).where(Lead.organization_id == alpha))
    }


def test_a_booth_tablets_queued_scans_from_before_the_company_withdrew_count(
    scanning, client, device_token, server_clock
):
    """The tablet met visitors offline while the company exhibited; the company
    withdrew before the network came back. Those leads are its leads; a scan made
    after it withdrew is not."""
    booth, token = scanning.points["alpha_booth"], device_token("alpha_booth")
    _withdraw_at(scanning, server_clock, time(11, 0))
    server_clock(0, time(12, 0))
    before = _queued(client, booth, scanning.code("attendee"), scanning.at(0, time(10, 30)), token)
    assert before["status"] == "ok", before
    after = _queued(client, booth, scanning.code("outsider"), scanning.at(0, time(11, 30)), token)
    assert (after["status"], after["reason"]) == ("not_allowed", "not_exhibiting")
    live = scan(client, booth, scanning.code("outsider"), token=token).get_json()
    assert live["status"] == "not_allowed"
    assert _lead_people(scanning) == {scanning.attendee.id}


def test_exhibitor_staffs_queued_scans_from_before_the_company_withdrew_count(
    scanning, login_as, server_clock
):
    """The same for a phone signed in as the company's staff: its upload is taken,
    each scan judged by when it was made; scanning on stays refused."""
    booth = scanning.points["alpha_booth"]
    staff = login_as("exhibitor_staff")
    _withdraw_at(scanning, server_clock, time(11, 0))
    server_clock(0, time(12, 0))
    before = _queued(staff, booth, scanning.code("attendee"), scanning.at(0, time(10, 30)))
    assert before["status"] == "ok", before
    after = _queued(staff, booth, scanning.code("outsider"), scanning.at(0, time(11, 30)))
    assert (after["status"], after["reason"]) == ("not_allowed", "not_exhibiting")
    assert scan(staff, booth, scanning.code("outsider")).status_code == 403
    single = scan(
        staff, booth, scanning.code("outsider"), at=scanning.at(0, time(11, 45)), offline=True
    )
    assert single.get_json()["status"] == "not_allowed"
    assert _lead_people(scanning) == {scanning.attendee.id}
    # Another company's staff, and a company that never exhibited, upload nothing there.
    other = login_as("other_exhibitor")
    assert (
        other.post(
            "/api/checkin/scans",
            json={"scan_point": booth.id, "scans": []},
        ).status_code
        == 403
    )


@pytest.mark.parametrize("scanner", ["device", "staff"])
def test_scans_from_before_the_company_withdrew_go_up_within_the_grace_only(
    scanning, client, login_as, device_token, server_clock, app, scanner
):
    """A queue goes up within hours of the network coming back. Days after the
    company left, a scan "from before" is only the uploader's word: refused."""
    booth = scanning.points["alpha_booth"]
    app.config["LEAD_UPLOAD_GRACE_HOURS"] = 24
    if scanner == "device":
        token = device_token("alpha_booth")
    else:
        token, client = None, login_as("exhibitor_staff")
    _withdraw_at(scanning, server_clock, time(11, 0))
    server_clock(1, time(10, 59))  # 23 h 59 min after the company withdrew
    within = _queued(client, booth, scanning.code("attendee"), scanning.at(0, time(10, 30)), token)
    assert within["status"] == "ok", within
    server_clock(1, time(11, 1))
    late = _queued(client, booth, scanning.code("outsider"), scanning.at(0, time(10, 40)), token)
    assert (late["status"], late["reason"]) == ("not_allowed", "not_exhibiting")
    assert _lead_people(scanning) == {scanning.attendee.id}


@pytest.mark.parametrize("scanner", ["device", "staff"])
def test_scans_queued_while_the_company_did_not_exhibit_do_not_count(
    scanning, client, device_token, server_clock, login_as, scanner
):
    """alpha withdraws at 10:00 and is approved again at 12:00. A phone offline all
    morning uploads at 13:00: the 9:30 and 12:30 scans are leads, the 11:00 one (made
    while alpha did not exhibit) is not, whoever uploads it."""

    booth = scanning.points["alpha_booth"]
    token = device_token("alpha_booth") if scanner == "device" else None
    uploader = client if scanner == "device" else login_as("exhibitor_staff")
    _away_between(scanning, server_clock, time(10, 0), time(12, 0))
    assert scanning.exhibitors["alpha"].exhibiting_until is None
    server_clock(0, time(13, 0))

    def upload(role, clock):
        answer = _queued(uploader, booth, scanning.code(role), scanning.at(0, clock), token)
        return answer["status"], answer["reason"]

    assert upload("attendee", time(9, 30)) == ("ok", "")
    assert upload("outsider", time(11, 0)) == ("not_allowed", "not_exhibiting")
    assert upload("organizer", time(12, 30)) == ("ok", "")
    assert _lead_people(scanning) == {scanning.attendee.id, scanning.badges["organizer"].user_id}


def test_a_scan_of_unknown_time_that_may_fall_in_a_stop_is_no_lead(
    scanning, client, device_token, server_clock
):
    """alpha stopped from 10:00 to 10:30. A phone whose clock went back uploads at 11:00
    a scan made some time after 09:00: it may have been made during the stop, so it
    is no lead; one made some time after 10:40 is."""

    booth, token = scanning.points["alpha_booth"], device_token("alpha_booth")
    _away_between(scanning, server_clock, time(10, 0), time(10, 30))
    server_clock(0, time(11, 0))

    def upload(role, not_before):
        item = {
            "code": scanning.code(role),
            "nonce": nonce(),
            "scanned_at": "2000-01-01T00:00:00Z",
            "not_before": scanning.at(0, not_before),
        }
        body = {"scan_point": booth.id, "scans": [item]}
        answer = client.post("/api/checkin/scans", json=body, headers={"X-Device-Token": token})
        result = answer.get_json()["results"][0]
        return result["status"], result["reason"]

    assert upload("attendee", time(9, 0)) == ("not_allowed", "not_exhibiting")
    assert upload("outsider", time(10, 40)) == ("ok", "")
    assert _lead_people(scanning) == {scanning.outsider.id}


def test_a_company_that_exhibits_again_has_no_end(scanning):
    from eventapp.exhibitors import services as registrations

    exhibitor = scanning.exhibitors["alpha"]
    registrations.withdraw(exhibitor)
    assert exhibitor.exhibiting_until is not None
    registrations.register_again(exhibitor)
    assert exhibitor.exhibiting_until is not None  # pending: it still stopped then
    registrations.set_status(exhibitor, "approved", notify=False)
    db.session.commit()
    assert exhibitor.exhibiting_until is None


def _one_lead(scanning, login_as):
    staff = login_as("exhibitor_staff")
    answer = scan(staff, scanning.points["alpha_booth"], scanning.code("attendee")).get_json()
    assert answer["status"] == "ok"
    return db.session.scalar(select(Lead))


def _as_shown(lead, **changes):
    """The lead's form as the page showed it (what it was), with `changes`."""
    shown = {"rating": lead.rating or "", "notes": lead.notes or ""}
    return {**shown, "rating_was": shown["rating"], "notes_was": shown["notes"], **changes}


def test_a_save_from_an_older_page_keeps_a_colleagues_change(scanning, login_as):
    lead = _one_lead(scanning, login_as)
    url = f"/e/test-expo/leads/{lead.id}"
    page = login_as("exhibitor_admin").get("/e/test-expo/leads/").get_data(as_text=True)
    assert 'name="rating_was" value=""' in page
    admins_page = _as_shown(lead)
    staff_post = login_as("exhibitor_staff").post(url, data=_as_shown(lead, rating="hot"))
    assert staff_post.status_code == 302
    # The admin, on the page loaded before, writes a note: the rating stays hot.
    saved = login_as("exhibitor_admin").post(url, data={**admins_page, "notes": "Wants a PoC"})
    assert saved.status_code == 302
    db.session.refresh(lead)
    assert (lead.rating, lead.notes) == ("hot", "Wants a PoC")

    # Both change the notes: the second is not written over the first, and gets the
    # page back with both versions, the colleague's saved and theirs in the form.
    stale = _as_shown(lead)
    login_as("exhibitor_staff").post(url, data=_as_shown(lead, notes="Call on Monday"))
    clash = login_as("exhibitor_admin").post(url, data={**stale, "notes": "Send the deck"})
    assert clash.status_code == 409
    html = clash.get_data(as_text=True)
    assert "A colleague changed this lead while you were editing it" in html
    assert "Call on Monday</blockquote>" in html and ">\nSend the deck</textarea>" in html
    db.session.refresh(lead)
    assert lead.notes == "Call on Monday"
    # Saved again from the page it got back, the admin's version wins, knowingly.
    again = login_as("exhibitor_admin").post(url, data=_as_shown(lead, notes="Send the deck"))
    assert again.status_code == 302
    db.session.refresh(lead)
    assert (lead.rating, lead.notes) == ("hot", "Send the deck")


def test_a_field_left_out_of_the_form_is_kept(scanning, login_as):
    lead = _one_lead(scanning, login_as)
    url = f"/e/test-expo/leads/{lead.id}"
    staff = login_as("exhibitor_staff")
    assert staff.post(url, data={"rating": "warm", "notes": "Met at 10"}).status_code == 302
    assert staff.post(url, data={"notes": "Met at 10:30"}).status_code == 302
    assert staff.post(url, data={"rating": "hot"}).status_code == 302
    db.session.refresh(lead)
    assert (lead.rating, lead.notes) == ("hot", "Met at 10:30")


def test_a_note_the_page_takes_is_saved_whole(scanning, login_as):
    """Browsers count a line break as one character against maxlength but send two."""
    lead = _one_lead(scanning, login_as)
    staff = login_as("exhibitor_staff")
    assert 'maxlength="5000"' in staff.get("/e/test-expo/leads/").get_data(as_text=True)
    note = "\n".join(["x" * 49] * 100)  # 4,999 characters as the page counts them
    sent = _as_shown(lead, notes=note.replace("\n", "\r\n"))
    assert staff.post(f"/e/test-expo/leads/{lead.id}", data=sent).status_code == 302
    db.session.refresh(lead)
    assert lead.notes == note
    # Too long even so: the page comes back with the text and says why.
    too_long = _as_shown(lead, notes="y" * 5001)
    answer = staff.post(f"/e/test-expo/leads/{lead.id}", data=too_long)
    assert answer.status_code == 400
    html = answer.get_data(as_text=True)
    assert "Notes: Field cannot be longer than 5000 characters." in html
    assert "y" * 5001 + "</textarea>" in html
    db.session.refresh(lead)
    assert lead.notes == note


def test_a_lead_without_a_company_shows_no_stray_separator(scanning, login_as):
    badge = scanning.badges["outsider"]
    badge.organization_ko = badge.organization_en = ""
    badge.organization_id = None
    db.session.commit()
    staff = login_as("exhibitor_staff")
    answer = scan(staff, scanning.points["alpha_booth"], scanning.code("outsider")).get_json()
    assert answer["status"] == "ok"
    html = staff.get("/e/test-expo/leads/").get_data(as_text=True)
    lead = html.split('class="card lead"', 1)[1].split("</article>", 1)[0]
    facts = lead.split('<p class="muted">', 1)[1].split("</p>", 1)[0].strip()
    assert facts.startswith("Visitor") and " ·  · " not in facts, facts


def test_the_company_picker_names_a_company_named_in_one_language(scanning, login_as):
    alpha = scanning.companies["alpha"]
    alpha.name_ko = ""
    scanning.organizer.locale = "ko"
    db.session.commit()
    html = login_as("organizer").get("/e/test-expo/leads/").get_data(as_text=True)
    option = html.split(f'<option value="{alpha.id}"', 1)[1].split("</option>", 1)[0]
    assert option.rsplit(">", 1)[1] == alpha.name_en


def test_a_refused_save_does_not_forget_what_the_page_showed(scanning, login_as):
    """A save refused (notes too long) is shown again for correcting; a colleague
    saved meanwhile: the corrected save is met as a conflict, not written over the
    colleague's note."""
    import re

    lead = _one_lead(scanning, login_as)
    url = f"/e/test-expo/leads/{lead.id}"
    admins_page = _as_shown(lead)  # the admin opens the leads page (empty note)
    colleague = login_as("exhibitor_staff").post(url, data=_as_shown(lead, notes="Call on Monday"))
    assert colleague.status_code == 302
    admin = login_as("exhibitor_admin")
    refused = admin.post(url, data={**admins_page, "notes": "z" * 5001})
    assert refused.status_code == 400
    card = refused.get_data(as_text=True).split(f'id="lead-{lead.id}"', 1)[1]
    notes_was = re.search(r'name="notes_was" value="([^"]*)"', card).group(1)
    assert notes_was == ""
    again = admin.post(url, data={**admins_page, "notes": "Send the deck", "notes_was": notes_was})
    db.session.refresh(lead)
    assert again.status_code == 409 and lead.notes == "Call on Monday"


def test_two_saves_at_the_same_moment_do_not_lose_a_colleagues_note(
    scanning, login_as, monkeypatch
):
    """A colleague's save commits after this request read the lead and before it
    writes: met as a conflict. (On SQLite every writing transaction takes the lock
    first, and the two saves run one after the other.)"""
    import pytest
    from sqlalchemy import update

    from eventapp.checkin import views

    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL: on SQLite the app serializes writing transactions")
    lead = _one_lead(scanning, login_as)
    lead_id, url = lead.id, f"/e/test-expo/leads/{lead.id}"
    admins_page = _as_shown(lead)
    checked = views.require_same_company

    def colleague_saves_meanwhile(user, event, organization_id):
        checked(user, event, organization_id)
        with db.engine.begin() as other:
            other.execute(update(Lead).where(Lead.id == lead_id).values(notes="Call on Monday"))

    monkeypatch.setattr(views, "require_same_company", colleague_saves_meanwhile)
    admin = login_as("exhibitor_admin")
    db.session.expire_all()
    answer = admin.post(url, data={**admins_page, "notes": "Send the deck"})
    db.session.remove()
    assert answer.status_code == 409
    assert db.session.get(Lead, lead_id).notes == "Call on Monday"


def _many_leads(scanning, login_as, count, prefix):
    codes = visitors(scanning.event, count, prefix)
    staff = login_as("exhibitor_staff")
    for code in codes:
        assert scan(staff, scanning.points["alpha_booth"], code).get_json()["status"] == "ok"
    return staff


def _statements(client, url):
    db.session.expire_all()
    response, count = statements_of(lambda: client.get(url))
    assert response.status_code == 200
    return count


def test_leads_page_and_exports_do_not_query_per_lead(scanning, login_as):
    staff = _many_leads(scanning, login_as, 3, "few")
    urls = ("/e/test-expo/leads/", "/e/test-expo/leads/export.csv")
    few = {url: _statements(staff, url) for url in urls}
    _many_leads(scanning, login_as, 40, "many")
    many = {url: _statements(staff, url) for url in urls}
    for url in urls:
        assert many[url] - few[url] < 10, (url, few[url], many[url])


def test_exhibitor_staff_and_staff_find_the_contact_sharing_choice(scanning, login_as):
    """They are scanned at other companies' booths too."""
    for role in ("exhibitor_staff", "exhibitor_admin", "staff", "attendee"):
        client = login_as(role)
        assert client.get("/e/test-expo/contact-sharing").status_code == 200
        home = client.get("/e/test-expo/").get_data(as_text=True)
        assert 'href="/e/test-expo/contact-sharing"' in home, role


def test_xlsx_sheet_is_named_in_the_readers_language(scanning, login_as):
    _one_lead(scanning, login_as)
    scanning.exhibitor_admin.locale = "ko"
    db.session.commit()
    response = login_as("exhibitor_admin").get("/e/test-expo/leads/export.xlsx")
    book = load_workbook(io.BytesIO(response.data))
    assert book.active["B1"].value == "이름"
    assert book.active.title == "잠재 고객(리드)"


@pytest.mark.browser
def test_a_note_beginning_with_a_line_break_keeps_it_in_the_browser(
    scanning, login_as, live_server, launch_chromium
):
    """HTML drops a line break right after `<textarea>`: a note that begins with one
    lost it in the form, and a save of the rating alone then changed the note (or
    met a colleague's change that was none)."""
    from tests.checkin.test_scanner_browser import _sign_in

    lead = _one_lead(scanning, login_as)
    lead.notes = "\nasked for the catalogue"
    db.session.commit()
    lead_id, email = lead.id, scanning.exhibitor_admin.email
    page = launch_chromium().new_context(locale="en-US").new_page()
    _sign_in(page, live_server.url, email)
    page.goto(f"{live_server.url}/e/test-expo/leads/")
    card = page.locator(f"#lead-{lead_id}")
    card.locator("summary").click()  # noted, its form is folded away
    assert card.locator("textarea[name=notes]").input_value() == "\nasked for the catalogue"
    card.locator("input[name=rating][value=hot]").check()
    card.get_by_role("button", name="Save").click()
    page.wait_for_url("**/leads/?saved=*#lead-*")
    db.session.remove()
    saved = db.session.get(Lead, lead_id)
    assert (saved.rating, saved.notes) == ("hot", "\nasked for the catalogue")


def _lead_names(html):
    import re

    return re.findall(
        r'<article class="card lead" id="lead-\d+">\s*<header class="lead-head">\s*<h3>([^<]*)</h3>',
        html,
    )


def _older_link(html):
    import re

    found = re.search(r'href="([^"]*before=\d+[^"]*)">Older leads', html)
    return found.group(1).replace("&amp;", "&") if found else None


def test_leads_come_a_page_at_a_time_and_new_ones_shift_no_page(scanning, login_as, monkeypatch):
    monkeypatch.setattr(services, "LEADS_PAGE", 3)
    staff = _many_leads(scanning, login_as, 7, "paged")
    first = staff.get("/e/test-expo/leads/").get_data(as_text=True)
    assert _lead_names(first) == ["Visitor 6", "Visitor 5", "Visitor 4"]
    assert "7 leads match; 3 shown here" in first
    second_url = _older_link(first)
    # A visitor scanned meanwhile goes on top of the first page, not onto the next.
    _many_leads(scanning, login_as, 1, "late")
    second = staff.get(second_url).get_data(as_text=True)
    assert _lead_names(second) == ["Visitor 3", "Visitor 2", "Visitor 1"]
    assert "Newest" in second
    third = staff.get(_older_link(second)).get_data(as_text=True)
    assert _lead_names(third) == ["Visitor 0"]
    assert _older_link(third) is None
    # Another company's lead named as the anchor gives the newest page, saying so.
    beta_lead = _beta_lead(scanning, login_as)
    foreign = staff.get(f"/e/test-expo/leads/?before={beta_lead.id}").get_data(as_text=True)
    assert _lead_names(foreign)[0] == "Visitor 0" and "Newest" not in foreign


def _beta_lead(scanning, login_as):
    admin = login_as("organizer")
    answer = scan(admin, scanning.points["beta_booth"], scanning.code("attendee")).get_json()
    assert answer["status"] == "ok"
    return db.session.scalar(
        select(Lead).where(Lead.organization_id == scanning.companies["beta"].id)
    )


def test_leads_filtered_by_rating_and_text(scanning, login_as):
    staff = _many_leads(scanning, login_as, 12, "filtered")
    leads = {lead.user.name_en: lead for lead in db.session.scalars(select(Lead))}
    services.update_lead(leads["Visitor 1"], rating="hot", notes="Wants 100% PoC")
    services.update_lead(leads["Visitor 2"], rating="cold", notes="price_list sent")
    db.session.commit()

    def names(query):
        return _lead_names(staff.get(f"/e/test-expo/leads/?{query}").get_data(as_text=True))

    assert names("rating=hot") == ["Visitor 1"]
    assert len(names("rating=none")) == 10 and "Visitor 1" not in names("rating=none")
    assert names("q=visitor+1") == ["Visitor 11", "Visitor 10", "Visitor 1"]
    assert names("q=100%25") == ["Visitor 1"]  # a note
    # % and _ are what was typed, not wildcards.
    assert names("q=price_list") == ["Visitor 2"] and names("q=price%25list") == []
    assert names("q=Visitor+1&rating=hot") == ["Visitor 1"]
    assert "No lead matches the filter." in staff.get("/e/test-expo/leads/?q=nobody").get_data(
        as_text=True
    )
    # A rating the page does not know shows every lead.
    assert len(names("rating=lukewarm")) == 12
    exported = staff.get("/e/test-expo/leads/export.csv?rating=cold").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(exported.lstrip("\ufeff"))))
    assert [row[1] for row in rows[1:]] == ["Visitor 2"]


def test_a_save_returns_to_the_page_and_filter_it_was_made_on(scanning, login_as, monkeypatch):
    monkeypatch.setattr(services, "LEADS_PAGE", 2)
    staff = _many_leads(scanning, login_as, 5, "back")
    first = staff.get("/e/test-expo/leads/?rating=none").get_data(as_text=True)
    second_url = _older_link(first)
    assert "rating=none" in second_url
    lead = db.session.scalar(select(Lead).join(Lead.user).where(Lead.user.has(name_en="Visitor 2")))
    import re

    action = (
        re.search(
            rf'action="(/e/test-expo/leads/{lead.id}[^"]*)"',
            staff.get(second_url).get_data(as_text=True),
        )
        .group(1)
        .replace("&amp;", "&")
    )
    answer = staff.post(action, data=_as_shown(lead, notes="Call back"))
    assert answer.status_code == 302
    location = answer.headers["Location"]
    assert "rating=none" in location and "before=" in location
    assert location.endswith(f"#lead-{lead.id}")
    assert "Visitor 2" in _lead_names(staff.get(location).get_data(as_text=True))


def test_a_conflict_shows_the_lead_even_when_it_left_the_filter(scanning, login_as):
    staff = _many_leads(scanning, login_as, 3, "left")
    lead = db.session.scalar(select(Lead).join(Lead.user).where(Lead.user.has(name_en="Visitor 1")))
    shown = _as_shown(lead, notes="My long note")
    # A colleague rates it hot and notes it meanwhile: it leaves the "not rated" filter.
    services.update_lead(lead, rating="hot", notes="Their note")
    db.session.commit()
    answer = staff.post(f"/e/test-expo/leads/{lead.id}?rating=none", data=shown)
    assert answer.status_code == 409
    html = answer.get_data(as_text=True)
    assert "Visitor 1" in _lead_names(html) and "My long note" in html


def test_organizers_find_a_company_whose_booth_point_went_to_another(scanning, login_as):
    _one_lead(scanning, login_as)  # alpha's lead
    alpha, beta = scanning.companies["alpha"], scanning.companies["beta"]
    point = scanning.points["alpha_booth"]
    services.update_scan_point(point, organization_id=beta.id)
    db.session.commit()
    html = login_as("organizer").get("/e/test-expo/leads/?org=" + str(beta.id))
    html = html.get_data(as_text=True)
    assert f'<option value="{alpha.id}"' in html


def test_a_lead_scanned_by_mistake_is_removed_by_its_company_only(scanning, login_as):
    from eventapp.checkin.models import Scan
    from eventapp.core.audit import AuditEntry

    lead = _one_lead(scanning, login_as)
    services.update_lead(lead, rating="cold", notes="Wrong badge")
    db.session.commit()
    lead_id = lead.id
    url = f"/e/test-expo/leads/{lead_id}/remove"
    other = login_as("other_exhibitor").post(url)
    assert other.status_code in (403, 404)
    assert db.session.get(Lead, lead_id) is not None

    staff = login_as("exhibitor_staff")
    response = staff.post(f"{url}?rating=cold")
    assert response.status_code == 302 and "rating=cold" in response.location
    db.session.expire_all()
    assert db.session.get(Lead, lead_id) is None
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "checkin.lead_removed"))
    assert entry.data["notes"] == "Wrong badge" and entry.data["rating"] == "cold"
    # The scan stays in the log; scanning the badge again captures it afresh.
    assert db.session.scalar(select(Scan).where(Scan.result == "ok")) is not None
    again = scan(staff, scanning.points["alpha_booth"], scanning.code("attendee")).get_json()
    assert again["status"] == "ok"
    assert db.session.scalar(select(Lead)).notes == ""


def test_a_save_of_a_lead_a_colleague_removed_meanwhile_says_so(scanning, login_as):
    """The staff member writes a note while the admin removes the lead (another
    phone): the save answers on the leads page, with the note as typed, not with a
    bare "page not found" that loses it."""
    lead = _one_lead(scanning, login_as)
    shown = _as_shown(lead, rating="hot", notes="Wants 200 units, call Monday")
    url = f"/e/test-expo/leads/{lead.id}"
    assert login_as("exhibitor_admin").post(f"{url}/remove").status_code == 302

    staff = login_as("exhibitor_staff")
    saved = staff.post(f"{url}?rating=hot", data=shown)
    assert saved.status_code == 409
    html = saved.get_data(as_text=True)
    assert "removed this lead while you were editing it" in html
    assert "Wants 200 units, call Monday</blockquote>" in html
    assert db.session.scalars(select(Lead)).all() == []
    # Removed twice (two tabs): the second says it is done already.
    again = staff.post(f"{url}/remove?rating=hot")
    assert again.status_code == 302 and "rating=hot" in again.location
    assert "already removed" in staff.get(again.location).get_data(as_text=True)
    # Another company's staff learn nothing of it; an id never used is not found.
    assert login_as("other_exhibitor").post(url, data=shown).status_code in (403, 404)
    assert staff.post(f"/e/test-expo/leads/{lead.id + 100}", data=shown).status_code == 404
    assert staff.post(f"/e/test-expo/leads/{lead.id + 100}/remove").status_code == 404


def _leads_a_minute_apart(scanning, login_as, server_clock, count, prefix):
    """`count` leads of alpha, scanned live a minute apart from 11:00 (Seoul)."""
    codes = visitors(scanning.event, count, prefix)
    staff = login_as("exhibitor_staff")
    for index, code in enumerate(codes):
        server_clock(0, time(11, index))
        assert scan(staff, scanning.points["alpha_booth"], code).get_json()["status"] == "ok"
    return staff, codes


def test_an_older_page_goes_on_where_the_reader_was_when_its_anchor_moved(
    scanning, login_as, server_clock, monkeypatch
):
    """The exhibitor reads Visitors 6, 5, 4; a booth phone that was offline uploads
    its 09:00 scan of Visitor 4, which moves the lead back. "Older leads" still
    shows Visitors 3, 2, 1, not nothing; and so after a colleague removed Visitor 4,
    not the newest page again."""
    monkeypatch.setattr(services, "LEADS_PAGE", 3)
    staff, codes = _leads_a_minute_apart(scanning, login_as, server_clock, 7, "anchor")
    first = staff.get("/e/test-expo/leads/").get_data(as_text=True)
    assert _lead_names(first) == ["Visitor 6", "Visitor 5", "Visitor 4"]
    second_url = _older_link(first)
    server_clock(0, time(12, 0))
    moved = _queued(staff, scanning.points["alpha_booth"], codes[4], scanning.at(0, time(9, 0)))
    assert moved["status"] == "ok", moved  # the lead dates from 09:00 now
    assert _lead_names(staff.get(second_url).get_data(as_text=True)) == [
        "Visitor 3",
        "Visitor 2",
        "Visitor 1",
    ]
    anchor = db.session.scalar(select(Lead).where(Lead.user.has(name_en="Visitor 4")))
    assert staff.post(f"/e/test-expo/leads/{anchor.id}/remove").status_code == 302
    second = staff.get(second_url).get_data(as_text=True)
    assert _lead_names(second) == ["Visitor 3", "Visitor 2", "Visitor 1"]
    # A save there returns to that page.
    lead = db.session.scalar(select(Lead).where(Lead.user.has(name_en="Visitor 2")))
    import re

    action = re.search(rf'action="(/e/test-expo/leads/{lead.id}\?[^"]*)"', second).group(1)
    answer = staff.post(action.replace("&amp;", "&"), data=_as_shown(lead, notes="Call"))
    back = staff.get(answer.headers["Location"]).get_data(as_text=True)
    assert _lead_names(back) == ["Visitor 3", "Visitor 2", "Visitor 1"]
    # A time that is none, or at the edge of the calendar, is read from the lead.
    for at in ("yesterday", "0001-01-01T00:00:00%2B01:00", "2026-01-01T00:00:00"):
        page = staff.get(f"/e/test-expo/leads/?before={lead.id}&at={at}")
        assert page.status_code == 200 and _lead_names(page.get_data(as_text=True))


def test_the_scanner_page_opens_to_upload_for_staff_of_a_company_that_withdrew(
    scanning, login_as, app
):
    """It uploads what the phone queued when it opens, and says for how long they
    count; it scans nothing new. Staff of another company, or of one that never
    exhibited, get no page."""
    from eventapp.exhibitors import services as registrations

    app.config["LEAD_UPLOAD_GRACE_HOURS"] = 6
    booth = scanning.points["alpha_booth"]
    url = f"/e/test-expo/scan/{booth.id}?lang=en"
    staff = login_as("exhibitor_staff")
    html = staff.get(url).get_data(as_text=True)
    # Hidden until the company stops while the page is open (the page then shows it).
    assert 'data-upload-only=""' in html and 'id="upload-only" role="status" hidden' in html
    registrations.withdraw(scanning.exhibitors["alpha"], "plans changed")
    db.session.commit()
    page = staff.get(url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-upload-only="1"' in html and 'id="upload-only" role="status">' in html
    assert "if they go up within 6 hours of it" in html
    config = staff.get(f"/api/checkin/points/{booth.id}/config").get_json()
    assert config["scan_point"]["exhibiting"] is False and config["holders"] == {}
    assert login_as("other_exhibitor").get(url).status_code == 403


def test_the_notes_box_is_as_tall_as_the_note(scanning, login_as):
    """Two lines showed of a long note, the rest hidden in a tiny scrolling box."""
    import re

    lead = _one_lead(scanning, login_as)
    staff = login_as("exhibitor_staff")

    def rows():
        html = staff.get("/e/test-expo/leads/").get_data(as_text=True)
        return int(re.search(r'<textarea name="notes" rows="(\d+)"', html).group(1))

    assert rows() == 2
    services.update_lead(lead, notes="one\ntwo\nthree\nfour\nfive")
    db.session.commit()
    assert rows() == 5
    services.update_lead(lead, notes="x" * 2000)
    db.session.commit()
    assert rows() == 8


def test_a_lead_rated_or_noted_folds_its_form_away(scanning, login_as):
    """Fifty full forms made a long page on a phone: a fresh lead shows its form, one
    rated or noted shows its note and folds the form, unless it is being edited."""
    import re

    lead = _one_lead(scanning, login_as)
    staff = login_as("exhibitor_staff")

    def fold(html):
        return re.search(r'<details class="lead-edit"( open)?>', html).group(1) is None

    assert not fold(staff.get("/e/test-expo/leads/").get_data(as_text=True))
    shown = _as_shown(lead)
    services.update_lead(lead, notes="Send the <deck>")
    db.session.commit()
    html = staff.get("/e/test-expo/leads/").get_data(as_text=True)
    assert fold(html) and '<p class="lead-note">Send the &lt;deck&gt;</p>' in html
    # Met by a colleague's change, the editor's form stays open.
    answer = staff.post(f"/e/test-expo/leads/{lead.id}", data={**shown, "notes": "Mine"})
    assert answer.status_code == 409 and not fold(answer.get_data(as_text=True))


def _captured_and_removed(scanning, login_as, server_clock):
    """The attendee, scanned at alpha's booth at 10:00, taken off its leads at 10:30;
    the clock then at 11:00. Returns (booth point, staff client)."""
    booth = scanning.points["alpha_booth"]
    staff = login_as("exhibitor_staff")
    server_clock(0, time(10, 0))
    assert scan(staff, booth, scanning.code("attendee")).get_json()["status"] == "ok"
    server_clock(0, time(10, 30))
    lead = db.session.scalar(select(Lead))
    assert staff.post(f"/e/test-expo/leads/{lead.id}/remove").status_code == 302
    server_clock(0, time(11, 0))
    return booth, staff


def test_a_removed_lead_stays_removed_when_an_older_queued_scan_comes_in(
    scanning, login_as, server_clock, device_token
):
    """Staff scan a visitor at 10:00 and remove the lead at 10:30 (the wrong badge).
    A second phone, offline since 09:00, uploads at 11:00 its 09:55 scan of the same
    badge: the lead does not come back. Its 10:45 scan, after the removal, captures
    the visitor afresh."""
    booth, staff = _captured_and_removed(scanning, login_as, server_clock)
    token = device_token("alpha_booth")
    older = _queued(staff, booth, scanning.code("attendee"), scanning.at(0, time(9, 55)), token)
    assert (older["status"], older["reason"]) == ("ok", "lead_removed"), older
    assert "taken off your leads" in older["message_en"] and "삭제" in older["message_ko"]
    assert db.session.scalars(select(Lead)).all() == []
    later = _queued(staff, booth, scanning.code("attendee"), scanning.at(0, time(10, 45)), token)
    assert (later["status"], later["reason"]) == ("ok", ""), later
    assert db.session.scalar(select(Lead)).captured_at == datetime.fromisoformat(
        scanning.at(0, time(10, 45))
    )
    # Another phone's 10:20 scan, uploaded now: the visitor is a lead again (since
    # 10:45), and the answer says so rather than "not added again".
    between = _queued(staff, booth, scanning.code("attendee"), scanning.at(0, time(10, 20)), token)
    assert between["status"] == "already_checked_in" and between["reason"] == "", between
    # Removed again at 11:30, then scanned live at 11:40: captured afresh, as before.
    server_clock(0, time(11, 30))
    lead = db.session.scalar(select(Lead))
    assert staff.post(f"/e/test-expo/leads/{lead.id}/remove").status_code == 302
    server_clock(0, time(11, 40))
    assert scan(staff, booth, scanning.code("attendee")).get_json()["status"] == "ok"
    assert len(db.session.scalars(select(Lead)).all()) == 1


def test_a_scan_of_unknown_time_does_not_bring_a_removed_lead_back(
    scanning, login_as, server_clock, device_token, client
):
    """A phone whose clock went back uploads a scan made between 09:00 and 11:00: it
    may well be older than the 10:30 removal, which stands. One known to be made after
    the removal (from 10:40 on) captures the visitor again, from 10:40."""
    booth, staff = _captured_and_removed(scanning, login_as, server_clock)

    def upload(not_before):
        body = {
            "scan_point": booth.id,
            "scans": [
                {
                    "code": scanning.code("attendee"),
                    "nonce": nonce(),
                    "scanned_at": "2000-01-01T00:00:00Z",
                    "not_before": scanning.at(0, not_before),
                }
            ],
        }
        headers = {"X-Device-Token": device_token("alpha_booth")}
        answer = client.post("/api/checkin/scans", json=body, headers=headers)
        return answer.get_json()["results"][0]

    answer = upload(time(9, 0))
    assert answer["scan_time_refused"] == "clock_went_back"
    assert (answer["status"], answer["reason"]) == ("ok", "lead_removed"), answer
    assert db.session.scalars(select(Lead)).all() == []
    answer = upload(time(10, 40))
    assert (answer["status"], answer["reason"]) == ("ok", ""), answer
    assert db.session.scalar(select(Lead)).captured_at == datetime.fromisoformat(
        scanning.at(0, time(10, 40))
    )


def test_a_lead_removed_while_its_scan_is_written_is_answered_removed(
    scanning, login_as, monkeypatch
):
    """On PostgreSQL the lead's insert may wait for another capture of the visitor
    and then find nothing in its snapshot; if the company removed that lead in the
    meantime, there is no first capture to name either."""
    staff = login_as("exhibitor_staff")
    real_first = services._first

    def raced(name, params):
        if name in ("lead", "first_lead"):
            return None
        return real_first(name, params)

    monkeypatch.setattr(services, "_first", raced)
    answer = scan(staff, scanning.points["alpha_booth"], scanning.code("attendee"))
    assert answer.status_code == 200
    assert (answer.get_json()["status"], answer.get_json()["reason"]) == ("ok", "lead_removed")


def test_a_colleagues_badge_is_not_a_lead(scanning, login_as, device_token, client):
    booth = scanning.points["alpha_booth"]
    alpha_company = scanning.companies["alpha"]
    staff = login_as("exhibitor_staff")
    answer = scan(staff, booth, scanning.code("exhibitor_admin")).get_json()
    assert (answer["status"], answer["reason"]) == ("not_allowed", "own_company"), answer
    assert "own company" in answer["message_en"] and "우리 회사" in answer["message_ko"]
    assert db.session.scalars(select(Lead)).all() == []
    # Another company's person is a lead, and the phone knows the colleagues offline.
    assert scan(staff, booth, scanning.code("other_exhibitor")).get_json()["status"] == "ok"
    token = device_token("alpha_booth")
    config = client.get(
        f"/api/checkin/points/{booth.id}/config", headers={"X-Device-Token": token}
    ).get_json()
    alpha = {scanning.badges[r].id for r in ("exhibitor_admin", "exhibitor_staff")}
    assert alpha <= set(config["own_badges"])
    assert scanning.badges["other_exhibitor"].id not in config["own_badges"]
    # Someone who joined the company's staff since their badge was printed (as a
    # visitor) is a colleague too.
    from eventapp.events.services import grant_role

    grant_role(scanning.event, scanning.attendee, "exhibitor_staff", organization=alpha_company)
    db.session.commit()
    moved = scan(staff, booth, scanning.code("attendee")).get_json()
    assert (moved["status"], moved["reason"]) == ("not_allowed", "own_company"), moved
    config = client.get(
        f"/api/checkin/points/{booth.id}/config", headers={"X-Device-Token": token}
    ).get_json()
    assert scanning.badges["attendee"].id in config["own_badges"]
    gate = client.get(
        f"/api/checkin/points/{scanning.points['gate'].id}/config",
        headers={"X-Device-Token": device_token("gate")},
    ).get_json()
    assert gate["own_badges"] is None


def test_a_lead_rated_out_of_the_filter_is_said_saved(scanning, login_as):
    """Working down the "not rated" list: once rated, the lead leaves the list, and
    the page still says it was saved."""
    staff = login_as("exhibitor_staff")
    assert scan(staff, scanning.points["alpha_booth"], scanning.code("attendee")).status_code == 200
    lead = db.session.scalar(select(Lead))
    answer = staff.post(
        f"/e/test-expo/leads/{lead.id}?rating=none&lang=en",
        data={"rating": "hot", "notes": "", "rating_was": "", "notes_was": ""},
    )
    assert answer.status_code == 302
    html = staff.get(answer.headers["Location"]).get_data(as_text=True)
    assert 'id="saved-elsewhere"' in html and "not among the leads shown here" in html
    # Saved where it still shows: said in its card, not at the top.
    answer = staff.post(
        f"/e/test-expo/leads/{lead.id}?lang=en",
        data={"rating": "warm", "notes": "", "rating_was": "hot", "notes_was": ""},
    )
    html = staff.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Lead saved." in html and 'id="saved-elsewhere"' not in html


def test_organizers_pick_companies_in_their_languages_order(scanning, login_as):
    """알파로보틱스 and 베타바이오 are A-Z as Alpha and Beta, 가나다 the other way."""
    organizer = login_as("organizer")

    def picker(lang):
        html = organizer.get(f"/e/test-expo/leads/?lang={lang}").get_data(as_text=True)
        return html.split('name="org"', 1)[1].split("</select>", 1)[0]

    korean = picker("ko")
    assert korean.index("베타바이오") < korean.index("알파로보틱스")
    english = picker("en")
    assert english.index("Alpha Robotics") < english.index("Beta Bio")


def test_a_company_that_withdrew_cannot_backdate_a_scan_of_a_badge_printed_after_it_left(
    scanning, login_as, server_clock
):
    """alpha withdraws at 11:00. At 12:00 a visitor registers on site, gets a badge
    and agrees to share their contact details. alpha's staff, no longer exhibiting,
    scan that badge and upload it as "queued offline at 10:30" (a time the client
    chooses): the server takes it as made while alpha exhibited, makes the visitor
    alpha's lead and shows alpha their e-mail. A badge printed at 12:00 cannot have
    been scanned at 10:30."""
    from eventapp.exhibitors import services as registrations

    event, booth = scanning.event, scanning.points["alpha_booth"]
    server_clock(0, time(11, 0), after=timedelta(0))
    registrations.withdraw(scanning.exhibitors["alpha"], "plans changed")
    db.session.commit()

    printed_at = server_clock(0, time(12, 0))
    (code,) = visitors(event, 1, prefix="walkin")
    visitor = db.session.scalar(select(User).where(User.email == "walkin0@example.org"))
    badge = db.session.scalar(select(Badge).where(Badge.user_id == visitor.id))
    badge.created_at = printed_at  # issued on site at 12:00
    db.session.commit()
    services.set_contact_sharing(event, visitor, True)
    db.session.commit()

    server_clock(0, time(12, 30))
    staff = login_as("exhibitor_staff")
    body = {
        "scan_point": booth.id,
        "scans": [{"code": code, "nonce": nonce(), "scanned_at": scanning.at(0, time(10, 30))}],
    }
    answer = staff.post("/api/checkin/scans", json=body).get_json()["results"][0]

    assert answer["status"] != "ok", answer
    assert db.session.scalar(select(Lead).where(Lead.user_id == visitor.id)) is None
    export = login_as("exhibitor_admin").get("/e/test-expo/leads/export.csv")
    assert "walkin0@example.org" not in export.get_data(as_text=True)


def test_the_audit_log_names_a_lead_by_its_visitor_and_company(scanning, login_as):
    """ "Lead 12" said nothing to organizers: a lead is named by the visitor the
    company scanned and the company, in the page's language, also once removed."""
    lead = _one_lead(scanning, login_as)
    lead.badge.name_ko, lead.badge.name_en = "김민수", "Minsu Kim"
    company = lead.organization
    services.update_lead(lead, rating="hot")
    db.session.commit()
    organizer = login_as("organizer")
    english = f"Lead Minsu Kim ({company.name_en})"
    korean = f"김민수 ({company.name_ko or company.name_en})"
    page = organizer.get("/e/test-expo/manage/audit?lang=en").get_data(as_text=True)
    assert f">{english}<" in page
    lead_id = lead.id
    services.remove_lead(lead)
    db.session.commit()
    page = organizer.get("/e/test-expo/manage/audit?lang=en").get_data(as_text=True)
    assert page.count(f">{english} (deleted)<") == 2  # rated, removed
    page = organizer.get("/e/test-expo/manage/audit?lang=ko").get_data(as_text=True)
    assert f"{korean} (삭제됨)<" in page
    assert f">Lead {lead_id}" not in page


def test_a_phone_number_of_digits_keeps_its_leading_zero_in_excel(scanning, login_as):
    """Korean mobile numbers are often typed without hyphens (01012345678): the CSV
    gave the digits bare, and Excel opened them as the number 1012345678 (twelve
    digits or more as 8.21012E+11)."""
    scanning.attendee.phone = "01012345678"
    db.session.commit()
    sharing = login_as("attendee").post("/e/test-expo/contact-sharing", data={"share_contact": "y"})
    assert sharing.status_code == 302
    staff = login_as("exhibitor_staff")
    answer = scan(staff, scanning.points["alpha_booth"], scanning.code("attendee")).get_json()
    assert answer["status"] == "ok"
    lead = db.session.scalar(select(Lead))
    services.update_lead(lead, rating="hot", notes="821012345678")
    db.session.commit()

    text = staff.get("/e/test-expo/leads/export.csv?lang=en").get_data(as_text=True)
    (row,) = csv.DictReader(io.StringIO(text.removeprefix("\ufeff")))
    assert row["Phone"] == "'01012345678"
    assert row["Notes"] == "'821012345678"
    # Other values are written as they were.
    assert row["Rating"] == "hot" and row["E-mail"] == "attendee@example.org"
    # An Excel file's cells are text already: the digits exactly as typed.
    sheet = load_workbook(io.BytesIO(staff.get("/e/test-expo/leads/export.xlsx").data)).active
    header, values = (list(r) for r in sheet.iter_rows(max_row=2))
    phone = values[[cell.value for cell in header].index("Phone")]
    assert (phone.value, phone.data_type) == ("01012345678", "s")


def test_organizers_reach_the_exhibitors_leads_from_the_scanning_page(scanning, login_as):
    """Organizers may read any company's leads (the page lets them pick one), but
    since the menu lists exhibitors' pages to exhibitors only, no link led there."""
    staff = login_as("exhibitor_staff")
    answer = scan(staff, scanning.points["alpha_booth"], scanning.code("outsider")).get_json()
    assert answer["status"] == "ok"
    organizer = login_as("organizer")
    manage = organizer.get("/e/test-expo/checkin/?lang=en").get_data(as_text=True)
    link = re.search(r'<a class="button" href="([^"]+)">Leads</a>', manage)
    assert link is not None
    page = organizer.get(link.group(1).replace("&amp;", "&") + "?lang=en")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Outsider" in html
    assert '<select name="org"' in html


def _removed_by_a_colleague_meanwhile(app, monkeypatch, lead_id):
    """A colleague's phone removes the lead after this request found it and before
    it writes (their removal commits in between)."""
    from eventapp.checkin import views
    from tests.checkin.test_concurrency import _in_thread

    checked = views.require_same_company

    def colleague_removes(user, event, organization_id):
        checked(user, event, organization_id)
        errors = []

        def remove():
            services.remove_lead(db.session.get(Lead, lead_id))
            db.session.commit()

        _in_thread(app, remove, errors).join(timeout=30)
        assert not errors, errors

    monkeypatch.setattr(views, "require_same_company", colleague_removes)


def test_a_save_racing_a_colleagues_removal_keeps_the_note_typed(
    scanning, login_as, app, monkeypatch
):
    """Two phones on one lead: the admin removes it while the staff member's save is
    under way. The save answered with a server error, and the note typed was lost;
    it answers as when the removal came first, the note shown to keep elsewhere.
    (On SQLite every writing transaction takes the lock first: no removal commits
    in between.)"""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL: on SQLite the app serializes writing transactions")
    lead = _one_lead(scanning, login_as)
    lead_id, url = lead.id, f"/e/test-expo/leads/{lead.id}"
    shown = _as_shown(lead, rating="hot", notes="Wants 200 units, call Monday")
    staff = login_as("exhibitor_staff")
    _removed_by_a_colleague_meanwhile(app, monkeypatch, lead_id)
    db.session.expire_all()
    saved = staff.post(f"{url}?lang=en", data=shown)
    db.session.remove()
    assert saved.status_code == 409
    html = saved.get_data(as_text=True)
    assert "removed this lead while you were editing it" in html
    assert "Wants 200 units, call Monday</blockquote>" in html
    assert db.session.scalars(select(Lead)).all() == []


def test_a_removal_racing_a_colleagues_removal_is_one_removal(scanning, login_as, app, monkeypatch):
    """Two phones remove one lead at the same moment: the second says it was removed
    already, and the audit log records one removal, not two."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL: on SQLite the app serializes writing transactions")
    from eventapp.core.audit import AuditEntry

    lead = _one_lead(scanning, login_as)
    lead_id = lead.id
    staff = login_as("exhibitor_staff")
    _removed_by_a_colleague_meanwhile(app, monkeypatch, lead_id)
    db.session.expire_all()
    removed = staff.post(f"/e/test-expo/leads/{lead_id}/remove?lang=en")
    db.session.remove()
    assert removed.status_code == 302
    assert "already removed" in staff.get(removed.location).get_data(as_text=True)
    assert db.session.scalars(select(Lead)).all() == []
    removals = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "checkin.lead_removed")
    ).all()
    assert len(removals) == 1


def test_the_excel_export_gives_the_scan_time_as_a_date_in_the_fairs_zone(scanning, login_as):
    """The Excel file held "2026-09-17 10:05" as text, with no time zone: Excel could
    neither sort nor filter the leads by date, and an exhibitor back home could not
    tell whose clock the times were on. It holds a date Excel reads, the column
    naming the fair's time zone (also in the CSV)."""
    lead = _one_lead(scanning, login_as)
    local = lead.captured_at.astimezone(scanning.event.tz)
    staff = login_as("exhibitor_staff")
    sheet = load_workbook(
        io.BytesIO(staff.get("/e/test-expo/leads/export.xlsx?lang=en").data)
    ).active
    assert sheet["A1"].value == "Scanned at (South Korea Time)"
    cell = sheet["A2"]
    assert cell.is_date and cell.number_format == "yyyy-mm-dd hh:mm"
    assert cell.value == local.replace(tzinfo=None, microsecond=0)
    korean = load_workbook(
        io.BytesIO(staff.get("/e/test-expo/leads/export.xlsx?lang=ko").data)
    ).active
    assert korean["A1"].value == "스캔 일시 (대한민국 시간)"
    text = staff.get("/e/test-expo/leads/export.csv?lang=en").get_data(as_text=True)
    header, row = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    assert header[0] == "Scanned at (South Korea Time)"
    assert row[0] == local.strftime("%Y-%m-%d %H:%M")


def test_organizers_cannot_open_the_leads_of_a_company_not_at_the_fair(scanning, login_as):
    from eventapp.organizations.models import Organization
    from tests.conftest import add_other_event

    add_other_event()
    stranger = Organization(
        name_ko="남의회사", name_en="Stranger Corp", kind="startup", sector="ai"
    )
    db.session.add(stranger)
    db.session.commit()
    client = login_as("organizer")
    for path in ("/e/test-expo/leads/", "/e/test-expo/leads/export.csv"):
        answer = client.get(f"{path}?org={stranger.id}&lang=en")
        assert answer.status_code == 404, path
    # A company of the fair opens, leads or not yet.
    beta = scanning.companies["beta"].id
    assert client.get(f"/e/test-expo/leads/?org={beta}&lang=en").status_code == 200
