import base64
import csv
import html
import io
import re
import zipfile
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from sqlalchemy import func, select

from eventapp.accounts.models import User
from eventapp.booths.models import Exhibitor, ExhibitorAvoid
from eventapp.core import columns
from eventapp.core.audit import AuditEntry
from eventapp.core.db import utcnow
from eventapp.events.models import EventRole
from eventapp.exhibitors import importer, services
from eventapp.exhibitors.models import TeamInvitation
from eventapp.extensions import db
from eventapp.organizations.models import ORGANIZATION_KINDS, SECTORS, Organization

HEADER = list(importer.SAMPLE_COLUMNS)
UPLOAD = "/e/test-expo/manage/exhibitors/import"
APPLY = "/e/test-expo/manage/exhibitors/import/apply"


def row(**cells):
    base = {
        "name_ko": "델타인공지능",
        "name_en": "Delta AI",
        "kind": "startup",
        "sector": "ai",
        "country": "KR",
        "website": "delta.example",
        "booths": "2",
        "zones": "ai",
        "wishes": "A-03;A-04",
        "corner": "yes",
        "avoid": "Alpha Robotics",
        "contact_email": "delta@example.org",
        "contact_name": "김델타",
    }
    base.update(cells)
    return base


GOOD_ROWS = [
    row(),
    row(
        name_ko="",
        name_en="Epsilon Energy, Inc.",
        kind="midsize_firm",
        sector="eco",
        country="de",
        website="",
        booths="1",
        zones="",
        wishes="",
        corner="no",
        avoid="델타인공지능",
        contact_email="Eps@Example.org",
        contact_name="Eva Eps",
    ),
    row(
        name_ko="감마그룹",
        name_en="Gamma Group",
        kind="Large Firm",
        sector="bio",
        booths="4",
        zones="bio; ai",
        wishes="B-05 b-06",
        corner="",
        avoid="",
        contact_email="attendee@example.org",
        contact_name="",
    ),
]


# A row of another company than row()'s, with its own contact.
OTHER_COMPANY = {
    "name_ko": "제타",
    "name_en": "Zeta",
    "avoid": "",
    "contact_email": "zeta@example.org",
}


def csv_bytes(rows, header=HEADER, encoding="utf-8-sig", delimiter=","):
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    for cells in rows:
        writer.writerow([cells.get(column, "") for column in header])
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows, header=HEADER):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for cells in rows:
        sheet.append([cells.get(column) for column in header])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def counts():
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Organization, Exhibitor, User, EventRole, ExhibitorAvoid)
    )


def upload(client, data, filename="exhibitors.csv", status="approved"):
    return client.post(
        UPLOAD + "?lang=en",
        data={"file": (io.BytesIO(data), filename), "status": status},
        content_type="multipart/form-data",
    )


def hidden(page, name):
    return re.search(rf'name="{name}" type="hidden" value="([^"]*)"', page).group(1)


def apply_preview(client, page, lang="en"):
    """Post the preview's import form as the page sends it."""
    return client.post(
        f"{APPLY}?lang={lang}",
        data={name: hidden(page, name) for name in ("payload", "filename", "status")},
    )


def test_good_csv_is_previewed_then_imported(login_as, small_event, outbox):
    client = login_as("organizer")
    before = counts()
    response = upload(client, csv_bytes(GOOD_ROWS))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Preview: 3 exhibitors will be imported" in page
    assert "Existing company: Gamma Group" in page
    assert "Existing account, invited to the team as company admin" in page
    assert counts() == before  # nothing written by the preview
    response = apply_preview(client, page)
    assert response.status_code == 302
    flashed = client.get(response.location).get_data(as_text=True)
    assert "3 exhibitors imported." in flashed
    assert "1 contact already had an account: invited to their company&#39;s team" in flashed
    db.session.expire_all()
    by_name = {
        e.organization.name_en: e
        for e in db.session.scalars(select(Exhibitor).where(Exhibitor.status == "approved"))
    }
    delta, epsilon, gamma = (
        by_name["Delta AI"],
        by_name["Epsilon Energy, Inc."],
        by_name["Gamma Group"],
    )
    assert (delta.booth_count, delta.zones, delta.wishes, delta.wants_corner) == (
        2,
        ["ai"],
        ["A-03", "A-04"],
        True,
    )
    assert delta.organization.website == "https://delta.example"
    assert (epsilon.organization.country, epsilon.organization.name_ko) == (
        "DE",
        "Epsilon Energy, Inc.",
    )
    assert (gamma.booth_count, sorted(gamma.zones), gamma.wishes) == (
        4,
        ["ai", "bio"],
        ["B-05", "B-06"],
    )
    assert gamma.organization_id == small_event.companies["gamma"].id  # reused
    assert gamma.organization.kind == "large_firm"
    assert [o.id for o in delta.avoids] == [small_event.exhibitors["alpha"].id]
    assert [o.id for o in epsilon.avoids] == [delta.id]
    admins = dict(
        db.session.execute(
            select(User.email, EventRole.organization_id)
            .join(EventRole)
            .where(EventRole.role == "exhibitor_admin")
        ).all()
    )
    assert admins["delta@example.org"] == delta.organization_id
    assert admins["eps@example.org"] == epsilon.organization_id
    # The visitor of Gamma Group had an account: invited, not put on the team.
    assert "attendee@example.org" not in admins
    delta_user = db.session.scalar(select(User).where(User.email == "delta@example.org"))
    assert delta_user.name_ko == "김델타" and delta_user.organization_id == delta.organization_id
    assert delta_user.email_confirmed  # the organizers gave the address
    mails = {m[0]: m for m in outbox("exhibitor_member")}
    assert set(mails) == {"delta@example.org", "eps@example.org"}
    assert "/reset/" in mails["delta@example.org"][2]
    invitation = db.session.scalar(select(TeamInvitation))
    assert (invitation.exhibitor_id, invitation.user.email) == (gamma.id, "attendee@example.org")
    assert (invitation.role, invitation.status) == ("exhibitor_admin", "pending")
    (mail,) = outbox("exhibitor_invitation")
    assert mail[0] == "attendee@example.org"
    assert f"/e/test-expo/team-invitations/{invitation.id}" in mail[2]
    assert "registered Gamma Group as an exhibitor, with you as its contact" in mail[2]
    actions = db.session.scalars(select(AuditEntry.action)).all()
    assert actions.count("exhibitor.imported") == 3 and actions.count("exhibitor.import") == 1
    assert actions.count("exhibitor.member_invited") == 1


def test_an_existing_contact_is_invited_as_company_admin_and_joins_once_they_accept(
    login_as, small_event, outbox
):
    """An account belongs to its owner: the import no longer puts it on the team
    it names, it invites it, with the company admin role of the contact."""
    rows = [
        row(avoid="", contact_email="outsider@example.org", contact_name=""),
        dict(GOOD_ROWS[1], avoid=""),
    ]
    plan = importer.prepare(small_event.event, "x.csv", csv_bytes(rows))
    assert plan.ok, plan.problems
    result = importer.apply(small_event.event, plan, "approved")
    db.session.commit()
    assert result.invited == 1
    delta = next(e for e in result.exhibitors if e.organization.name_en == "Delta AI")
    outsider = small_event.outsider
    db.session.expire_all()
    roles = select(EventRole).where(EventRole.user_id == outsider.id)
    assert db.session.scalars(roles).all() == []
    assert outsider.organization_id is None
    assert services.company_people(delta) == []
    (invitation,) = services.invitations_for(outsider, small_event.event)
    assert (invitation.exhibitor_id, invitation.role) == (delta.id, "exhibitor_admin")
    assert invitation.invited_by_id is None  # no signed-in organizer here
    assert [m[0] for m in outbox("exhibitor_invitation")] == ["outsider@example.org"]
    assert [m[0] for m in outbox("exhibitor_member")] == ["eps@example.org"]
    entry = db.session.scalar(
        select(AuditEntry).where(
            AuditEntry.action == "exhibitor.imported", AuditEntry.object_id == str(delta.id)
        )
    )
    assert entry.data["contact_invited"] is True
    summary = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "exhibitor.import"))
    assert (summary.data["new_accounts"], summary.data["invited"]) == (1, 1)
    # Until they accept, the company has nobody: the organizers' page of it says who
    # is invited, as what.
    page = login_as("organizer").get(f"/e/test-expo/manage/exhibitors/{delta.id}?lang=en")
    waiting = page.get_data(as_text=True).split('id="invitations"', 1)[1].split("</table>")[0]
    assert "outsider@example.org" in waiting and "Company admin" in waiting

    client = login_as("outsider")
    response = client.post(
        f"/e/test-expo/team-invitations/{invitation.id}/accept",
        data={"role": "exhibitor_admin"},
    )
    assert response.status_code == 302 and f"/exhibitors/{delta.id}/" in response.location
    db.session.expire_all()
    (role,) = db.session.scalars(roles).all()
    assert (role.role, role.organization_id) == ("exhibitor_admin", delta.organization_id)
    assert outsider.organization_id == delta.organization_id


def test_an_imported_contact_whose_invitation_expired_is_sent_to_the_organizers(
    login_as, small_event
):
    """The company has no admin but the contact: asking its company admin for a new
    invitation would lead nowhere."""
    plan = importer.prepare(
        small_event.event, "x.csv", csv_bytes([row(avoid="", contact_email="outsider@example.org")])
    )
    importer.apply(small_event.event, plan, "approved")
    db.session.commit()
    (invitation,) = services.invitations_for(small_event.outsider, small_event.event)
    invitation.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    shown = invitation.expires_at.astimezone(ZoneInfo("Asia/Seoul")).strftime("%Y-%m-%d %H:%M")
    refusal = f"This invitation expired on {shown}. Ask the organizers of Test Expo for a new one."
    client = login_as("outsider")
    url = f"/e/test-expo/team-invitations/{invitation.id}"
    assert refusal in client.get(url + "?lang=en").get_data(as_text=True)
    page = client.post(
        f"{url}/accept?lang=en", data={"role": "exhibitor_admin"}, follow_redirects=True
    ).get_data(as_text=True)
    assert refusal in page
    db.session.expire_all()
    assert invitation.status == "pending"
    assert services.company_people(invitation.exhibitor) == []


def test_an_import_that_fails_leaves_no_invitation(small_event, english, outbox):
    """One transaction: a conflict met while writing takes the invitations back too."""
    rows = [
        row(avoid="", contact_email="outsider@example.org"),
        dict(GOOD_ROWS[1], avoid=""),
    ]
    plan = importer.prepare(small_event.event, "x.csv", csv_bytes(rows))
    assert plan.ok, plan.problems
    before = counts()
    # The contact joins Beta's team between the check and the writing.
    from eventapp.events.services import grant_role

    beta = small_event.exhibitors["beta"]
    grant_role(small_event.event, small_event.outsider, "exhibitor_staff", beta.organization)
    with pytest.raises(services.ExhibitorError, match="already represents another company"):
        importer.apply(small_event.event, plan, "approved")
    db.session.rollback()
    assert counts() == before
    assert db.session.scalar(select(func.count()).select_from(TeamInvitation)) == 0
    assert outbox() == []


def test_good_xlsx_imports_as_pending(login_as, small_event):
    client = login_as("organizer")
    rows = [dict(r) for r in GOOD_ROWS]
    rows[0]["booths"] = 2  # numbers and booleans as Excel stores them
    rows[0]["corner"] = True
    rows[1]["booths"] = 1.0
    rows[1]["website"] = None
    page = upload(client, xlsx_bytes(rows), "list.xlsx", status="pending").get_data(as_text=True)
    assert "Preview: 3 exhibitors" in page
    response = client.post(
        APPLY,
        data={"payload": hidden(page, "payload"), "filename": "list.xlsx", "status": "pending"},
    )
    assert response.status_code == 302
    statuses = db.session.scalars(
        select(Exhibitor.status)
        .join(Organization)
        .where(Organization.name_en.in_(["Delta AI", "Epsilon Energy, Inc.", "Gamma Group"]))
    ).all()
    assert statuses == ["pending"] * 3
    delta = db.session.scalar(
        select(Exhibitor).join(Organization).where(Organization.name_en == "Delta AI")
    )
    assert (delta.booth_count, delta.wants_corner) == (2, True)


BAD_ROWS = [
    ({"kind": "giant"}, "kind", "Unknown kind"),
    ({"sector": "space"}, "sector", "Unknown sector"),
    ({"zones": "ai;moon"}, "zones", "Unknown zone"),
    ({"booths": "0"}, "booths", "1 to 4"),
    ({"booths": "5"}, "booths", "1 to 4"),
    ({"booths": "two"}, "booths", "1 to 4"),
    ({"booths": ""}, "booths", "1 to 4"),
    ({"wishes": "Z-99"}, "wishes", "no booth Z-99"),
    ({"wishes": "B-01"}, "wishes", "outside the zones"),
    ({"wishes": "A-10"}, "wishes", "not available"),
    ({"wishes": "A-01;A-02;A-03;A-04;A-05;A-06"}, "wishes", "At most 5"),
    ({"wishes": "A-01;a-01"}, "wishes", "wished twice"),
    ({"avoid": "Nobody Inc"}, "avoid", "Unknown company"),
    ({"avoid": "Delta AI"}, "avoid", "cannot avoid itself"),
    ({"name_en": "Alpha Robotics", "avoid": ""}, "name_en", "already an exhibitor"),
    ({"name_ko": "", "name_en": ""}, "name_ko", "company name"),
    ({"contact_email": "not-an-email"}, "contact_email", "Not a valid e-mail"),
    ({"contact_email": ""}, "contact_email", "required"),
    ({"contact_email": "other_exhibitor@example.org"}, "contact_email", "already represents"),
    ({"corner": "maybe"}, "corner", "yes or no"),
    ({"priority_tier": "2"}, "priority_tier", "from 0 to 1"),
    ({"priority_tier": "sponsor"}, "priority_tier", "from 0 to 1"),
    ({"country": "Korea"}, "country", "two-letter"),
    ({"website": "no site"}, "website", "Not a web address"),
]


def test_every_bad_row_is_reported_with_line_and_column(small_event, english):
    small_event.booths["A-10"].blocked = True
    db.session.commit()
    before = counts()
    for cells, column, fragment in BAD_ROWS:
        rows = [dict(GOOD_ROWS[1], avoid="감마그룹"), row(**cells), GOOD_ROWS[2]]
        header = HEADER + ["priority_tier"] if "priority_tier" in cells else HEADER
        plan = importer.prepare(small_event.event, "x.csv", csv_bytes(rows, header=header))
        assert not plan.ok, cells
        assert {(p.line, p.column) for p in plan.problems} == {(3, column)}, plan.problems
        assert all(fragment in p.message for p in plan.problems), plan.problems
    assert counts() == before


def test_an_unknown_zone_is_quoted_as_typed(english):
    """The message gave the zone in lower case ("Unknown zone 'moon'" for "Moon"),
    which is not what the file holds."""
    parsed, problems = importer.parse_row(2, row(zones="AI; Moon"))
    assert parsed is None
    assert problems == [
        importer.RowProblem(
            2,
            "zones",
            "Unknown zone 'Moon'; use one of: ai, battery, bio, eco, other, robotics.",
        )
    ]
    parsed, problems = importer.parse_row(2, row(zones="AI; Bio"))
    assert problems == [] and parsed.zones == ("ai", "bio")


def test_wished_booths_are_quoted_as_typed(small_event, english):
    """Wished booths were upper-cased before they were checked, so the messages named
    codes the file does not hold ("There is no booth Z-99" for "z-99")."""
    parsed, problems = importer.parse_row(2, row(wishes="A-03; a-04; a-03"))
    assert [p.message for p in problems] == ["Booth wished twice: a-03."]
    rows = [row(wishes="a-03; z-99", avoid=""), row(wishes="b-01", **OTHER_COMPANY)]
    plan = importer.prepare(small_event.event, "x.csv", csv_bytes(rows))
    assert [(p.line, p.column, p.message) for p in plan.problems] == [
        (2, "wishes", "There is no booth z-99 at this event."),
        (3, "wishes", "Booth b-01 lies in zone bio-health, outside the zones chosen."),
    ]
    plan = importer.prepare(small_event.event, "x.csv", csv_bytes([row(wishes="a-03", avoid="")]))
    assert plan.ok and plan.rows[0].wishes == ("A-03",)


@pytest.mark.parametrize(
    "column, value",
    [
        ("name_en", "Delta\x00AI"),
        ("contact_name", "Kim\x00"),
        ("website", "delta\x00.example"),
        ("description_en", "Vision\x00models"),
    ],
)
def test_a_nul_character_in_a_cell_is_reported_not_stored(small_event, english, column, value):
    """A stray NUL byte (a damaged export) cannot be stored in PostgreSQL text: the row is
    refused with its line and column, instead of failing at the preview or the import."""
    before = counts()
    data = csv_bytes([row(avoid="", **{column: value})], header=[*HEADER, "description_en"])
    plan = importer.prepare(small_event.event, "x.csv", data)
    assert not plan.ok
    assert [(p.line, p.column) for p in plan.problems] == [(2, column)], plan.problems
    assert "NUL" in plan.problems[0].message
    assert counts() == before


def test_duplicate_company_and_contact_in_one_file(small_event):
    rows = [
        row(),
        row(name_ko="", contact_email="other@example.org"),
        row(name_ko="다른", name_en="Other", avoid=""),
    ]
    plan = importer.prepare(small_event.event, "x.csv", csv_bytes(rows))
    found = {(p.line, p.column) for p in plan.problems}
    assert (3, "name_en") in found  # same English name as line 2
    assert (4, "contact_email") in found  # the contact of line 2 again
    assert all(p.line in (3, 4) for p in plan.problems)


def test_a_deactivated_contact_is_refused_naming_its_line(small_event, english, outbox):
    """Invited as company admin, the contact of a deactivated account could never sign
    in to accept: the company was imported with nobody to act for it."""
    small_event.outsider.active = False
    db.session.commit()
    rows = [
        dict(GOOD_ROWS[1], avoid=""),
        row(avoid="", contact_email="Outsider@Example.org", contact_name=""),
    ]
    before = counts()
    plan = importer.prepare(small_event.event, "x.csv", csv_bytes(rows))
    assert [(p.line, p.column, p.message) for p in plan.problems] == [
        (
            3,
            "contact_email",
            "The account of Outsider@Example.org is deactivated: nobody can sign in with "
            "it to join the team.",
        )
    ]
    assert not plan.ok and counts() == before
    assert outbox("exhibitor_invitation") == []


def test_contact_addresses_are_quoted_as_typed(small_event, english):
    """The messages about a contact gave the address lowered ("delta@example.org"
    for "Delta@Example.org"), which is not what the file holds."""
    rows = [
        row(contact_email="delta@example.org", avoid=""),
        row(**dict(OTHER_COMPANY, contact_email="Delta@Example.org")),
        row(name_ko="에타", name_en="Eta", avoid="", contact_email="Other_Exhibitor@Example.org"),
        row(
            name_ko="세타",
            name_en="Theta",
            avoid="",
            contact_email="Theta@Example.org",
            contact_name="",  # a new account
        ),
    ]
    plan = importer.prepare(small_event.event, "x.csv", csv_bytes(rows))
    assert [(p.line, p.column, p.message) for p in plan.problems] == [
        (
            3,
            "contact_email",
            "Delta@Example.org is already the contact of line 2; one person represents "
            "one company.",
        ),
        (
            4,
            "contact_email",
            "Other_Exhibitor@Example.org already represents a company at this event.",
        ),
        (5, "contact_name", "Give the name of Theta@Example.org: it is printed on their badge."),
    ]


def test_a_new_contact_without_a_name_is_refused(login_as, small_event, english):
    """A new account would print no name on its badge; an existing account needs none."""
    client = login_as("organizer")
    before = counts()
    rows = [
        dict(GOOD_ROWS[1], avoid=""),
        row(avoid="", contact_name=""),
        GOOD_ROWS[2],  # attendee@example.org has an account: no name needed
    ]
    plan = importer.prepare(small_event.event, "x.csv", csv_bytes(rows))
    assert not plan.ok
    assert [(p.line, p.column) for p in plan.problems] == [(3, "contact_name")]
    assert plan.problems[0].message == (
        "Give the name of delta@example.org: it is printed on their badge."
    )
    page = upload(client, csv_bytes(rows)).get_data(as_text=True)
    assert "1 problem" in page and 'id="import-apply"' not in page
    assert counts() == before
    header = [c for c in HEADER if c != "contact_name"]
    plan = importer.prepare(small_event.event, "x.csv", csv_bytes(rows, header=header))
    assert [(p.line, p.column) for p in plan.problems] == [
        (2, "contact_name"),
        (3, "contact_name"),
    ]


def test_one_bad_row_stops_the_whole_file(login_as, small_event):
    client = login_as("organizer")
    before = counts()
    rows = [
        GOOD_ROWS[0],
        GOOD_ROWS[1],
        row(name_en="Broken", name_ko="", kind="giant", booths="9", contact_email="x@example.org"),
    ]
    response = upload(client, csv_bytes(rows))
    page = response.get_data(as_text=True)
    assert "2 problems: nothing was imported" in page
    assert 'id="import-apply"' not in page
    assert counts() == before
    plan = importer.prepare(small_event.event, "x.csv", csv_bytes(rows))
    with pytest.raises(ValueError):
        importer.apply(small_event.event, plan, "approved")


def test_apply_checks_the_file_again(login_as, small_event):
    client = login_as("organizer")
    page = upload(client, csv_bytes(GOOD_ROWS[:1])).get_data(as_text=True)
    # Meanwhile the company registered itself.
    db.session.add(
        Exhibitor(
            event=small_event.event,
            organization=Organization(
                name_ko="델타인공지능", name_en="Delta AI", kind="startup", sector="ai"
            ),
        )
    )
    db.session.commit()
    before = counts()
    response = client.post(
        APPLY + "?lang=en",
        data={
            "payload": hidden(page, "payload"),
            "filename": "exhibitors.csv",
            "status": "approved",
        },
    )
    assert response.status_code == 409
    assert "already an exhibitor" in response.get_data(as_text=True)
    assert counts() == before


def test_apply_refuses_a_forged_form(login_as, small_event):
    client = login_as("organizer")
    before = counts()
    data = {
        "payload": base64.b64encode(csv_bytes(GOOD_ROWS)).decode(),
        "filename": "x.csv",
        "status": "confirmed",
    }
    assert client.post(APPLY, data=data).status_code == 302
    data.update(status="approved", payload="%%%")
    assert client.post(APPLY, data=data).status_code == 302
    assert counts() == before


def test_header_problems(small_event, english):
    header = [c for c in HEADER if c != "kind"] + ["zone"]
    plan = importer.prepare(small_event.event, "x.csv", csv_bytes([row()], header=header))
    # zones is in the file: "zone" is another column, ignored, and not kind's suggestion.
    assert [(p.line, p.column, p.message) for p in plan.problems] == [
        (1, "kind", "Required column is missing.")
    ]
    assert [(p.line, p.column, p.message) for p in plan.warnings] == [
        (1, "zone", "Column 'zone' is not read by the import and is ignored.")
    ]
    header = [c for c in HEADER if c not in ("name_ko", "name_en")]
    plan = importer.prepare(small_event.event, "x.csv", csv_bytes([row()], header=header))
    assert {(p.line, p.column) for p in plan.problems} == {(1, "name_ko")}


def test_header_problems_name_the_columns_as_typed(login_as, small_event, english):
    """An ignored or repeated column was named by its key ("phone_number" for
    "Phone Number"), which the header does not hold."""
    header = [*HEADER, "Phone Number", "Contact Email"]
    plan = importer.prepare(small_event.event, "x.csv", csv_bytes([row()], header=header))
    assert [(p.line, p.column, p.message) for p in plan.problems] == [
        (1, "Contact Email", "Column appears twice."),
    ]
    assert [p.column for p in plan.warnings] == ["Phone Number"]
    page = upload(login_as("organizer"), csv_bytes([row()], header=header)).get_data(as_text=True)
    assert "<code>Contact Email</code>" in page
    assert "Column &#39;Phone Number&#39; is not read by the import and is ignored." in page
    assert 'id="import-apply"' not in page


# An organizer's own sheet: a numbering, notes, a phone, an internal id.
EXTRA_HEADER = ["No.", *HEADER, "memo", "Contact Phone", "internal id"]
EXTRA_CELLS = {"No.": "7", "memo": "SECRET-MEMO", "Contact Phone": "010-1234-5678"}
EXTRA_WARNINGS = [
    (1, "Contact Phone", "Column 'Contact Phone' is not read by the import and is ignored."),
    (1, "No.", "Column 'No.' is not read by the import and is ignored."),
    (1, "internal id", "Column 'internal id' is not read by the import and is ignored."),
    (1, "memo", "Column 'memo' is not read by the import and is ignored."),
]


def extra_rows():
    return [{**cells, **EXTRA_CELLS, "internal id": f"ID-{i}"} for i, cells in enumerate(GOOD_ROWS)]


@pytest.mark.parametrize("make", [csv_bytes, xlsx_bytes], ids=["csv", "xlsx"])
def test_unknown_columns_are_ignored_with_a_warning(small_event, english, make):
    """A file with a column the import does not know was refused whole: organizers
    had to delete their notes, phones and numbering first."""
    filename = "x.csv" if make is csv_bytes else "x.xlsx"
    plan = importer.prepare(small_event.event, filename, make(extra_rows(), header=EXTRA_HEADER))
    assert plan.ok, plan.problems
    assert sorted((p.line, p.column, p.message) for p in plan.warnings) == EXTRA_WARNINGS
    clean = importer.prepare(small_event.event, filename, make(GOOD_ROWS))
    assert clean.warnings == []
    assert plan.rows == clean.rows


def all_stored_text():
    """Every row of every table, as text."""
    return "\n".join(
        repr(db.session.execute(select(table)).all()) for table in db.metadata.sorted_tables
    )


def test_an_ignored_column_is_shown_and_nothing_of_it_is_written(login_as, small_event, outbox):
    client = login_as("organizer")
    data = csv_bytes(extra_rows(), header=EXTRA_HEADER)
    page = upload(client, data).get_data(as_text=True)
    assert "Preview: 3 exhibitors will be imported" in page
    warnings = page.split('id="import-warnings"')[1].split("</div>")[0]
    for _line, column, _message in EXTRA_WARNINGS:
        assert f"Column &#39;{column}&#39; is not read by the import and is ignored." in warnings
    korean = client.post(
        UPLOAD + "?lang=ko",
        data={"file": (io.BytesIO(data), "x.csv"), "status": "approved"},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert "&#39;memo&#39; 열은 가져오기에서 읽지 않으므로 무시됩니다." in korean
    response = apply_preview(client, page)
    assert response.status_code == 302
    db.session.expire_all()
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(Exhibitor)
            .join(Organization)
            .where(Organization.name_en.in_(["Delta AI", "Epsilon Energy, Inc.", "Gamma Group"]))
        )
        == 3
    )
    stored = all_stored_text()
    for value in ("SECRET-MEMO", "010-1234-5678", "ID-0", "internal", "memo"):
        assert value not in stored
    assert all("SECRET-MEMO" not in mail[2] for mail in outbox())


def test_a_required_column_misspelt_is_refused_with_a_suggestion(login_as, small_event, english):
    """A required column missing was reported alone, beside an "unknown" column
    that was plainly it."""
    header = ["Name.KO", *(c if c != "kind" else "Kinds" for c in HEADER[1:])]
    header = [c if c != "contact_email" else "contact_emial" for c in header]
    rows = [
        {**r, "Name.KO": r["name_ko"], "Kinds": r["kind"], "contact_emial": r["contact_email"]}
        for r in GOOD_ROWS
    ]
    plan = importer.prepare(small_event.event, "x.csv", csv_bytes(rows, header=header))
    assert not plan.ok
    # name_en is in the file: the name columns are there, Name.KO is only ignored.
    assert [(p.column, p.message) for p in plan.problems] == [
        (
            "kind",
            "Required column is missing; the column 'Kinds' of the file is ignored: "
            "did you mean kind?",
        ),
        (
            "contact_email",
            "Required column is missing; the column 'contact_emial' of the file is ignored: "
            "did you mean contact_email?",
        ),
    ]
    assert sorted((p.column, p.message) for p in plan.warnings) == [
        (
            "Kinds",
            "Column 'Kinds' is not read by the import and is ignored: did you mean kind?",
        ),
        (
            "Name.KO",
            "Column 'Name.KO' is not read by the import and is ignored: did you mean name_ko?",
        ),
        (
            "contact_emial",
            "Column 'contact_emial' is not read by the import and is ignored: "
            "did you mean contact_email?",
        ),
    ]
    without_names = [c for c in header if c not in ("Name.KO", "name_en")] + ["nameen"]
    rows = [{**r, "nameen": r["name_en"]} for r in rows]
    plan = importer.prepare(small_event.event, "x.csv", csv_bytes(rows, header=without_names))
    assert (
        "name_en",
        "Required column is missing; the column 'nameen' of the file is ignored: "
        "did you mean name_en?",
    ) in [(p.column, p.message) for p in plan.problems]
    client = login_as("organizer")
    page = upload(client, xlsx_bytes(rows, header=header), "x.xlsx").get_data(as_text=True)
    assert "the column &#39;Kinds&#39; of the file is ignored: did you mean kind?" in page
    assert (
        "Column &#39;Name.KO&#39; is not read by the import and is ignored: did you mean name_ko?"
        in page
    )
    assert 'id="import-apply"' not in page


@pytest.mark.parametrize("make", [csv_bytes, xlsx_bytes], ids=["csv", "xlsx"])
def test_data_under_an_empty_header_cell_is_refused_naming_the_column(
    login_as, small_event, english, make
):
    """The data of a column without a name in the header was dropped silently."""
    filename = "x.csv" if make is csv_bytes else "x.xlsx"
    header = [*HEADER[:2], "", *HEADER[2:]]
    rows = [{**r, "": ""} for r in GOOD_ROWS]
    rows[1][""] = "startup"
    plan = importer.prepare(small_event.event, filename, make(rows, header=header))
    assert [(p.line, p.column, p.message) for p in plan.problems] == [
        (
            1,
            "C",
            "Column C (column 3) has no name in the header but holds data, first on line 3: "
            "name it, or delete the column.",
        )
    ]
    # An empty header cell over an empty column is no problem.
    rows[1][""] = ""
    assert importer.prepare(small_event.event, filename, make(rows, header=header)).ok
    page = upload(
        login_as("organizer"), make(rows[:1] + [{**rows[1], "": "x"}], header=header), filename
    ).get_data(as_text=True)
    assert "Column C (column 3) has no name in the header but holds data" in page
    assert 'id="import-apply"' not in page


def test_data_past_the_end_of_the_header_is_refused(small_event, english):
    data = csv_bytes(GOOD_ROWS).replace("김델타".encode(), "김델타,,stray".encode())
    plan = importer.prepare(small_event.event, "x.csv", data)
    assert [(p.line, p.column) for p in plan.problems] == [(1, "O")]
    assert "column 15" in plan.problems[0].message and "line 2" in plan.problems[0].message


separator = st.sampled_from(["", "", "", " ", "-", "_", "  ", " - ", "."])


@st.composite
def column_as_typed(draw):
    """A known column as an organizer may type it: any case, separators anywhere."""
    column = draw(st.sampled_from(importer.COLUMNS))
    letters = []
    for char in column:
        if char == "_":
            letters.append(draw(st.sampled_from([" ", "-", "_", "", "  ", " _ "])))
            continue
        letters.append(char.upper() if draw(st.booleans()) else char)
        letters.append(draw(separator))
    return column, draw(st.sampled_from(["", " "])) + "".join(letters)


@settings(max_examples=300, deadline=None)
@given(typed=column_as_typed(), others=st.sets(st.sampled_from(importer.COLUMNS)))
def test_a_known_column_however_written_is_recognised_or_suggested(typed, others):
    column, as_typed = typed
    present = others - {column}
    assert importer.header_key(as_typed) == column or (
        importer.suggested_column(as_typed, present) == column
    )
    # Never a column the file holds already: the ignored one is something else.
    assert importer.suggested_column(as_typed, present | {column}) in (
        set(importer.COLUMNS) - present - {column}
    ) | {None}


# A column of the organizer's own, under any name but a known one. Tabs and
# semicolons are left out: the header line tells the CSV's separator.
own_column = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\t;"),
    min_size=1,
    max_size=20,
).filter(lambda name: importer.header_key(name) not in ("", *importer.COLUMNS))


@settings(max_examples=200, deadline=None)
@given(extra=st.lists(own_column, max_size=4))
def test_any_column_of_the_organizers_own_is_a_warning_and_never_read(extra):
    header = [*HEADER, *extra]
    cells = {**GOOD_ROWS[0], **{name: "own data" for name in extra}}
    problems, warnings, rows = importer.read_table("x.csv", csv_bytes([cells], header=header))
    assert problems == []
    assert [w.column for w in warnings] == [importer.cell_text(name) for name in extra]
    ((line, read),) = rows
    # On the header's line: where its record ends, as for any row of the CSV.
    assert all(w.line == line - 1 and w.message for w in warnings)
    assert read == {column: GOOD_ROWS[0][column] for column in HEADER}


@pytest.mark.parametrize(
    ("number", "letter"),
    [(1, "A"), (26, "Z"), (27, "AA"), (702, "ZZ"), (16384, "XFD"), (20000, "ACOF")],
)
def test_column_letters_are_those_of_a_spreadsheet(number, letter):
    assert columns.column_letter(number) == letter


def test_data_past_excels_last_column_is_named_too(small_event, english):
    """A CSV row may be longer than a sheet is wide (16384 columns)."""
    data = csv_bytes(GOOD_ROWS).replace("김델타".encode(), ("김델타" + "," * 19987 + "x").encode())
    plan = importer.prepare(small_event.event, "x.csv", data)
    assert [(p.line, p.column) for p in plan.problems] == [(1, "ACOF")]
    assert "(column 20000)" in plan.problems[0].message


def test_case_spaces_and_hyphens_are_the_known_column():
    for typed in ("Contact Email", " contact-email ", "CONTACT _ EMAIL", "Name-KO"):
        assert importer.header_key(typed) in importer.COLUMNS, typed
    assert importer.suggested_column("email") == "contact_email"
    assert importer.suggested_column("booth") == "booths"
    assert importer.suggested_column("name") is None  # name_ko or name_en: no guess
    assert importer.suggested_column("Contact Phone", {"contact_name", "contact_email"}) is None
    assert importer.suggested_column("memo") is None


def test_korean_excel_csv_with_semicolons_and_blank_lines(small_event):
    data = csv_bytes([row(avoid="")], encoding="cp949", delimiter=";")
    data = data.replace(b"\r\n", b"\r\n\r\n", 1)  # an empty line after the header
    plan = importer.prepare(small_event.event, "x.CSV", data)
    assert plan.ok, plan.problems
    assert plan.rows[0].name_ko == "델타인공지능" and plan.rows[0].line == 3


def test_line_numbers_follow_quoted_line_breaks(small_event):
    rows = [
        row(avoid="", contact_name="two\nlines"),
        row(name_ko="", name_en="X", kind="bad", contact_email="x@example.org", avoid=""),
    ]
    plan = importer.prepare(small_event.event, "x.csv", csv_bytes(rows))
    assert [(p.line, p.column) for p in plan.problems] == [(4, "kind")]


def test_unreadable_files(login_as, small_event, english):
    with pytest.raises(importer.ImportFileError):
        importer.prepare(small_event.event, "x.xlsx", b"not a zip")
    with pytest.raises(importer.ImportFileError):
        importer.prepare(small_event.event, "x.txt", b"a,b")
    with pytest.raises(importer.ImportFileError):
        importer.prepare(small_event.event, "x.csv", b"")
    plan = importer.prepare(small_event.event, "x.csv", csv_bytes([]))
    assert not plan.ok and plan.problems[0].message.startswith("The file has no rows")
    page = upload(login_as("organizer"), b"\x00\x01", "x.xlsx").get_data(as_text=True)
    assert "not a readable Excel" in page


def damaged_xlsx(rows):
    """An .xlsx file whose sheet XML is cut in the middle (a valid ZIP otherwise)."""
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes(rows)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = content[: len(content) // 2]
            target.writestr(item, content)
    return out.getvalue()


def test_damaged_files_are_refused_with_a_message(login_as, small_event):
    client = login_as("organizer")
    before = counts()
    too_long = row(description_en="x" * (csv.field_size_limit() + 1))
    data = csv_bytes([GOOD_ROWS[1], too_long], header=HEADER + ["description_en"])
    response = upload(client, data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Line 3 of the CSV file cannot be read" in page
    assert "longer than 131072 characters" in page
    assert 'id="import-apply"' not in page

    response = upload(client, damaged_xlsx(GOOD_ROWS), "list.xlsx")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "The Excel (.xlsx) file is damaged: its first sheet cannot be read." in page
    assert 'id="import-apply"' not in page
    assert counts() == before


def test_two_rows_naming_one_existing_company_are_refused(login_as, small_event, english):
    """One row finds Gamma Group by its Korean name, the other by its English one."""
    client = login_as("organizer")
    before = counts()
    rows = [
        row(name_ko="감마그룹", name_en="Gamma Korea", avoid="", contact_email="g1@example.org"),
        row(name_ko="감마", name_en="Gamma Group", avoid="", contact_email="g2@example.org"),
    ]
    plan = importer.prepare(small_event.event, "x.csv", csv_bytes(rows))
    assert not plan.ok
    assert [(p.line, p.column) for p in plan.problems] == [(3, "name_en")]
    assert plan.problems[0].message == "Same company as line 2."
    page = upload(client, csv_bytes(rows)).get_data(as_text=True)
    assert "Same company as line 2." in page
    assert 'id="import-apply"' not in page
    assert counts() == before


def test_sample_file_imports_cleanly(login_as, small_event):
    client = login_as("organizer")
    sample = client.get(UPLOAD + "/sample.csv")
    assert sample.mimetype == "text/csv"
    plan = importer.prepare(small_event.event, "sample.csv", sample.data)
    assert plan.ok, plan.problems
    assert len(plan.rows) == 2


# -- the row parser, on any input ------------------------------------------------------------

cell = st.one_of(st.text(max_size=40), st.sampled_from(["", "ai", "yes", "2", "A-01;A-02"]))


@settings(max_examples=300, deadline=None)
@given(raw=st.dictionaries(st.sampled_from(importer.COLUMNS), cell), line=st.integers(2, 10**6))
def test_parse_row_never_raises_and_keeps_its_invariants(raw, line):
    parsed, problems = importer.parse_row(line, raw)
    assert (parsed is None) == bool(problems)
    for problem in problems:
        assert problem.line == line and problem.column in importer.COLUMNS and problem.message
    if parsed is not None:
        assert parsed.kind in ORGANIZATION_KINDS and parsed.sector in SECTORS
        assert 1 <= parsed.booth_count <= 4
        assert set(parsed.zones) <= set(SECTORS) and len(set(parsed.zones)) == len(parsed.zones)
        assert len(parsed.wishes) <= 5 and len(set(parsed.wishes)) == len(parsed.wishes)
        assert re.fullmatch("[A-Z]{2}", parsed.country)
        assert "@" in parsed.contact_email and parsed.contact_email == parsed.contact_email.lower()
        assert parsed.name_ko or parsed.name_en


# Without characters that show nothing (Cf: zero-width space, ...): a name is stored
# without them around it, and one of them alone is no name.
names = (
    st.text(
        st.characters(blacklist_characters=";|\n\r", blacklist_categories=("Cs", "Cc", "Cf")),
        min_size=1,
        max_size=30,
    )
    .map(str.strip)
    .filter(bool)
)
codes = st.from_regex(r"[A-C]-[0-9]{2,3}", fullmatch=True)


@settings(max_examples=200, deadline=None)
@given(
    name=names,
    kind=st.sampled_from(sorted(ORGANIZATION_KINDS)),
    sector=st.sampled_from(sorted(SECTORS)),
    booths=st.integers(1, 4),
    zones=st.lists(st.sampled_from(sorted(SECTORS)), unique=True),
    wishes=st.lists(codes, unique=True, max_size=5),
    corner=st.booleans(),
    avoid=st.lists(names, unique_by=str.casefold, max_size=3),
    zone_sep=st.sampled_from([";", ",", " ; ", "|", " "]),
    upper=st.booleans(),
)
def test_parse_row_reads_back_what_was_written(
    name, kind, sector, booths, zones, wishes, corner, avoid, zone_sep, upper
):
    def case(text):
        return text.upper() if upper else text

    raw = {
        "name_en": name,
        "kind": case(kind),
        "sector": case(sector),
        "booths": str(booths),
        "zones": zone_sep.join(case(z) for z in zones),
        "wishes": zone_sep.join(w.lower() if upper else w for w in wishes),
        "corner": case("yes" if corner else "no"),
        "avoid": " ; ".join(avoid),
        "contact_email": "Someone@Example.org",
    }
    parsed, problems = importer.parse_row(7, raw)
    assert problems == []
    assert (parsed.name_en, parsed.kind, parsed.sector, parsed.booth_count) == (
        name,
        kind,
        sector,
        booths,
    )
    assert parsed.zones == tuple(zones) and parsed.wishes == tuple(wishes)
    assert parsed.corner is corner and parsed.avoid == tuple(avoid)
    assert parsed.contact_email == "someone@example.org"


def test_priority_tier_column_is_optional_and_imported(small_event):
    header = HEADER + ["priority_tier"]
    rows = [
        row(priority_tier="1"),
        dict(GOOD_ROWS[1], priority_tier=""),
        dict(GOOD_ROWS[2], priority_tier="0"),
    ]
    plan = importer.prepare(small_event.event, "x.csv", csv_bytes(rows, header=header))
    assert plan.ok, plan.problems
    assert [r.priority_tier for r in plan.rows] == [1, 0, 0]
    created = importer.apply(small_event.event, plan, "approved").exhibitors
    db.session.commit()
    assert [e.priority_tier for e in created] == [1, 0, 0]
    entry = db.session.scalar(
        select(AuditEntry).where(
            AuditEntry.action == "exhibitor.imported",
            AuditEntry.object_id == str(created[0].id),
        )
    )
    assert entry.data["priority_tier"] == 1
    # Without the column everybody is regular, as before.
    plan = importer.prepare(
        small_event.event,
        "x.csv",
        csv_bytes([row(name_en="Zeta", name_ko="제타", contact_email="z@example.org", avoid="")]),
    )
    assert plan.ok and plan.rows[0].priority_tier == 0


@pytest.mark.parametrize(
    ("mark", "corner"),
    [("x", True), ("X", True), ("o", True), ("v", True), ("예", True), ("-", False), ("", False)],
)
def test_corner_marks_mean_what_they_mean_in_the_floor_plan(mark, corner):
    """One convention for both files: a mark such as "x" means yes (as in the floor plan)."""
    from eventapp.booths.floorplan import parse_floorplan

    parsed, problems = importer.parse_row(2, row(corner=mark))
    assert problems == [] and parsed.corner is corner
    if mark:
        text = f"booth,hall,zone,x,y,w,h,corner,tier\nA-01,A,ai,0,0,3,3,{mark},\n"
        plan = parse_floorplan(text, {"A": (0, 0)}, {"ai"})
        assert plan.errors == [] and plan.booths[0].corner is corner


def test_a_company_already_exhibiting_is_refused_whatever_its_case_and_spaces(small_event, english):
    """The rule the exhibitor registration shares: "베타 바이오" is Beta Bio's 베타바이오."""
    rows = [
        row(name_ko="베타 바이오", name_en="", avoid=""),
        row(name_ko="", name_en="ALPHA robotics", avoid="", contact_email="a@example.org"),
    ]
    plan = importer.prepare(small_event.event, "x.csv", csv_bytes(rows))
    assert {(p.line, p.column) for p in plan.problems} == {(2, "name_ko"), (3, "name_en")}
    assert "is already an exhibitor of this event" in plan.problems[0].message


def test_all_the_problems_of_a_row_are_reported_at_once(small_event, english):
    """A row that fails on its own (too many booths) is still checked against the
    others and the event: correcting the file once is enough."""
    rows = [
        row(avoid=""),
        row(
            name_ko="",
            name_en="Delta AI",  # line 2's company again
            booths="5",
            wishes="A-03;Z-99",
            contact_email="delta@example.org",  # line 2's contact again
            contact_name="",
        ),
        row(
            name_ko="엡실론",
            name_en="Epsilon",
            booths="9",
            avoid="",
            contact_email="eps@example.org",
            contact_name="",
        ),
        row(
            name_ko="제타",
            name_en="Zeta",
            kind="robot",
            avoid="",
            contact_email="not an address",
            contact_name="",
        ),
    ]
    plan = importer.prepare(small_event.event, "x.csv", csv_bytes(rows))
    found = {(p.line, p.column): p.message for p in plan.problems}
    assert set(found) == {
        (3, "name_en"),
        (3, "booths"),
        (3, "wishes"),
        (3, "contact_email"),
        (3, "contact_name"),
        (4, "booths"),
        (4, "contact_name"),
        (5, "kind"),
        (5, "contact_email"),
        (5, "contact_name"),
    }, plan.problems
    assert found[(3, "name_en")] == "Duplicate company: same name as on line 2."
    assert found[(3, "wishes")] == "There is no booth Z-99 at this event."
    assert "already the contact of line 2" in found[(3, "contact_email")]
    assert found[(4, "contact_name")] == (
        "Give the name of eps@example.org: it is printed on their badge."
    )
    assert found[(5, "contact_name")] == "Give the contact's name: it is printed on their badge."
    # Each column of a row says its problem once.
    assert len(plan.problems) == len(found)
    assert [row.line for row in plan.rows] == [2]


def test_the_preview_shows_each_rows_booth_picking_tier(login_as, small_event):
    """The import reads priority_tier, but the preview left it out: an organizer
    could not see which companies would pick booths early before importing them."""
    client = login_as("organizer")
    header = HEADER + ["priority_tier"]
    rows = [row(priority_tier="1"), dict(GOOD_ROWS[1], priority_tier="")]
    page = upload(client, csv_bytes(rows, header=header)).get_data(as_text=True)
    assert "<th>Booth picking</th>" in page
    preview = page[page.index('id="import-preview"') :]
    cells = [
        re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", preview, re.S)
    ]
    assert "Priority (may pick early, e.g. sponsors)" in cells
    assert "Regular" in cells


def test_a_cell_excel_made_a_date_is_named_as_the_date(small_event, english):
    """Excel keeps "9-17" typed in a wishes cell as a date: it was read as
    "2025-09-17 00:00:00", which the list split made two wishes, a booth
    "00:00:00" among them."""
    from datetime import datetime

    rows = [row(wishes=datetime(2025, 9, 17)), row(name_ko="", name_en="Zeta", booths=None)]
    rows[1]["booths"] = datetime(2025, 1, 2)
    rows[1].update(contact_email="zeta@example.org", avoid="")
    plan = importer.prepare(small_event.event, "x.xlsx", xlsx_bytes(rows))
    assert [(p.line, p.column, p.message) for p in plan.problems] == [
        (2, "wishes", "There is no booth 2025-09-17 at this event."),
        (3, "booths", "Booths must be a whole number from 1 to 4, not '2025-01-02'."),
    ]


@pytest.mark.parametrize(
    ("lang", "imported", "waiting"),
    [
        ("en", "1 exhibitor imported.", "1 registration waits for review."),
        ("ko", "참가기업 1곳을 가져왔습니다.", "검토 대기 중인 등록 1건"),
    ],
    ids=["en", "ko"],
)
def test_one_exhibitor_is_counted_in_the_singular(login_as, small_event, lang, imported, waiting):
    """ "1 exhibitors imported." and "1 registrations wait for review.": the counts
    the organizers read had no singular."""
    client = login_as("organizer")
    page = upload(client, csv_bytes([row(avoid="")]), status="pending").get_data(as_text=True)
    response = apply_preview(client, page, lang)
    assert imported in client.get(response.location + f"?lang={lang}").get_data(as_text=True)
    overview = client.get(f"/e/test-expo/manage/?lang={lang}").get_data(as_text=True)
    assert waiting in overview


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        (
            "en",
            "Status of the imported exhibitors: the form sent none of its choices; upload the "
            "file again and choose one.",
        ),
        (
            "ko",
            "가져온 참가기업의 상태: 선택지에 없는 값이 전송되었습니다. 파일을 다시 올리고 상태를 골라 주세요.",
        ),
    ],
)
def test_a_tampered_import_status_is_refused_naming_the_field(login_as, small_event, lang, said):
    """It said only that the form was incomplete."""
    client = login_as("organizer")
    before = counts()
    data = {
        "payload": base64.b64encode(csv_bytes(GOOD_ROWS)).decode(),
        "filename": "x.csv",
        "status": "confirmed",
    }
    response = client.post(f"{APPLY}?lang={lang}", data=data, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert said in page
    assert "confirmed" not in page
    assert counts() == before


def test_a_contact_with_a_hangul_domain_is_the_account_it_names(small_event):
    """An address whose domain is written in Hangul is stored in its ASCII form
    (xn--...): the import finds that account and invites it, rather than passing the
    preview as a new account and then failing the import on it."""
    from eventapp.accounts.services import create_user, normalize_email

    person = create_user("kim@한국.kr", "a long enough password", name_ko="김한국")
    db.session.commit()
    assert person.email == normalize_email("kim@한국.kr") != "kim@한국.kr"
    rows = [row(avoid="", contact_email="Kim@한국.kr", contact_name="")]
    plan = importer.prepare(small_event.event, "x.csv", csv_bytes(rows))
    assert plan.ok, plan.problems
    assert plan.existing_accounts == {person.email}
    result = importer.apply(small_event.event, plan, "approved")
    db.session.commit()
    assert result.invited == 1
    (invitation,) = services.invitations_for(person, small_event.event)
    assert invitation.exhibitor_id == result.exhibitors[0].id
    assert db.session.scalar(select(func.count()).where(User.email.like("kim@%"))) == 1


def test_a_hangul_domain_typed_twice_in_two_forms_is_one_contact(small_event, english):
    from eventapp.accounts.services import normalize_email

    rows = [
        row(avoid="", contact_email="kim@한국.kr"),
        row(**dict(OTHER_COMPANY, contact_email=normalize_email("kim@한국.kr"))),
    ]
    plan = importer.prepare(small_event.event, "x.csv", csv_bytes(rows))
    assert [(p.line, p.column) for p in plan.problems] == [(3, "contact_email")]


def test_a_company_already_exhibiting_is_refused_in_full_width_or_decomposed_letters(
    small_event, english
):
    """Korean input methods type Latin letters in full width ("ＡＬＰＨＡ"), and a file
    saved on a Mac may hold Hangul as decomposed jamo: both are still the same
    company, as is "㈜" for "(주)"; a competitor named so is the exhibitor too."""
    import unicodedata

    rows = [
        row(name_ko=unicodedata.normalize("NFD", "베타바이오"), name_en="", avoid=""),
        row(
            name_ko="",
            name_en="ＡＬＰＨＡ Ｒｏｂｏｔｉｃｓ",
            avoid="",
            contact_email="a@example.org",
        ),
        row(
            name_ko="㈜제타",
            name_en="Zeta",
            avoid="ＢＥＴＡ ＢＩＯ",
            contact_email="z@example.org",
        ),
        row(name_ko="(주)제타", name_en="", avoid="", contact_email="z2@example.org"),
    ]
    plan = importer.prepare(small_event.event, "x.csv", csv_bytes(rows))
    assert sorted((p.line, p.column) for p in plan.problems) == [
        (2, "name_ko"),
        (3, "name_en"),
        (5, "name_ko"),
    ]
    assert "is already an exhibitor of this event" in plan.problems[0].message
    assert "same name as on line 4" in plan.problems[2].message


def test_a_company_on_the_platform_is_reused_under_another_case_or_letter_form(small_event):
    """A company already on the platform, not exhibiting at this fair, written in the
    file in another case or in full-width letters, is that company: before, only the
    very same spelling was reused and the import made a second one."""
    existing = Organization(name_ko="", name_en="DELTA AI", kind="startup", sector="ai")
    korean = Organization(name_ko="(주)엡실론", name_en="", kind="startup", sector="ai")
    db.session.add_all([existing, korean])
    db.session.commit()
    rows = [
        row(name_ko="", name_en="Delta ai"),
        row(**{**OTHER_COMPANY, "name_ko": "㈜엡실론", "name_en": ""}),
    ]
    plan = importer.prepare(small_event.event, "x.csv", csv_bytes(rows))
    assert plan.problems == []
    assert plan.reused_organizations == {2: existing.id, 3: korean.id}
    organizations = db.session.scalar(select(func.count()).select_from(Organization))
    importer.apply(small_event.event, plan, "approved")
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Organization)) == organizations
    exhibiting = db.session.scalars(
        select(Exhibitor.organization_id)
        .where(Exhibitor.event_id == small_event.event.id)
        .order_by(Exhibitor.organization_id)
    ).all()
    assert existing.id in exhibiting and korean.id in exhibiting


def _epsilon():
    """A company of the platform, not at this fair, known by both its names."""
    epsilon = Organization(
        name_ko="엡실론에너지", name_en="Epsilon Energy", kind="midsize_firm", sector="eco"
    )
    db.session.add(epsilon)
    db.session.commit()
    return epsilon


def test_a_company_named_in_the_other_name_column_is_reused(small_event):
    """A row writing a company's English name in name_ko (or its Korean name in
    name_en) made a second company of the same firm, its booths and meetings split
    between the two: either name of a row is matched against both of a company's."""
    epsilon = _epsilon()
    gamma = small_event.companies["gamma"]
    rows = [
        row(name_ko="Gamma Group", name_en="", avoid="", contact_email="g@example.org"),
        row(
            name_ko="",
            name_en="엡실론 에너지",
            avoid="",
            wishes="",
            contact_email="e@example.org",
        ),
        row(**{**OTHER_COMPANY, "name_ko": "제타", "name_en": "", "wishes": ""}),
    ]
    plan = importer.prepare(small_event.event, "x.csv", csv_bytes(rows))
    assert plan.problems == []
    assert plan.reused_organizations == {2: gamma.id, 3: epsilon.id}
    organizations = db.session.scalar(select(func.count()).select_from(Organization))
    importer.apply(small_event.event, plan, "approved")
    db.session.commit()
    # Only 제타 is new; Gamma Group and Epsilon Energy keep their names.
    assert db.session.scalar(select(func.count()).select_from(Organization)) == organizations + 1
    exhibiting = set(
        db.session.scalars(
            select(Exhibitor.organization_id).where(Exhibitor.event_id == small_event.event.id)
        )
    )
    assert {gamma.id, epsilon.id} <= exhibiting
    db.session.expire_all()
    assert (gamma.name_ko, gamma.name_en) == ("감마그룹", "Gamma Group")
    assert (epsilon.name_ko, epsilon.name_en) == ("엡실론에너지", "Epsilon Energy")


def test_a_row_whose_two_names_are_two_companies_is_refused(login_as, small_event, english):
    """name_ko names one company of the platform and name_en another: whichever the
    import took, the other firm's name would point to a company that is not it. The
    row is refused naming both, and nothing of the file is written."""
    _epsilon()
    client = login_as("organizer")
    before = counts()
    rows = [
        row(**OTHER_COMPANY),
        row(
            name_ko="GAMMA GROUP",
            name_en="엡실론에너지",
            avoid="",
            wishes="",
            contact_email="g@example.org",
        ),
    ]
    said = (
        "name_ko 'GAMMA GROUP' is the company 감마그룹 / Gamma Group on the platform, but "
        "name_en '엡실론에너지' is another one, 엡실론에너지 / Epsilon Energy: give the names "
        "of one company."
    )
    plan = importer.prepare(small_event.event, "x.csv", csv_bytes(rows))
    assert [(p.line, p.column, p.message) for p in plan.problems] == [(3, "name_en", said)]
    assert 3 not in plan.reused_organizations
    with pytest.raises(ValueError):
        importer.apply(small_event.event, plan, "approved")
    page = html.unescape(upload(client, csv_bytes(rows)).get_data(as_text=True))
    assert said in page
    assert 'id="import-apply"' not in page
    assert counts() == before


def test_a_new_accounts_mail_gives_the_set_password_links_real_lifetime(
    app, small_event, outbox, monkeypatch
):
    """The mail said the link was "valid for one hour" whatever the deployment set: with
    PASSWORD_RESET_MAX_AGE_SECONDS at 30 minutes, people were told twice as long."""
    monkeypatch.setitem(app.config, "PASSWORD_RESET_MAX_AGE_SECONDS", 30 * 60)
    rows = [dict(GOOD_ROWS[1], avoid="")]
    plan = importer.prepare(small_event.event, "x.csv", csv_bytes(rows))
    assert plan.ok, plan.problems
    importer.apply(small_event.event, plan, "approved")
    db.session.commit()
    (mail,) = outbox("exhibitor_member")
    assert "/reset/" in mail[2]
    text = " ".join(mail[2].split())
    assert "30분" in text or "within 30 minutes" in text, text
    assert "one hour" not in text and "1시간" not in text
