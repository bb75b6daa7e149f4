import re

import pytest
from sqlalchemy import func, select

from eventapp.accounts.models import User
from eventapp.booths.models import BoothAllocation, Exhibitor, ExhibitorAvoid
from eventapp.core.audit import AuditEntry
from eventapp.events.models import EventRole
from eventapp.exhibitors import services
from eventapp.extensions import db
from eventapp.organizations.models import Organization
from tests.conftest import PASSWORD, add_other_event, errors_under, login
from tests.exhibitors.conftest import registration_data

REGISTER = "/e/test-expo/exhibit"


def exhibitor_of(org_name):
    return db.session.scalar(
        select(Exhibitor).join(Organization).where(Organization.name_en == org_name)
    )


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_new_user_registers_a_new_company(client, small_event, newcomer, outbox):
    login(client, newcomer)
    assert client.get(REGISTER).status_code == 200
    alpha = small_event.exhibitors["alpha"]
    response = client.post(REGISTER, data=registration_data(avoid=[str(alpha.id)]))
    assert response.status_code == 302
    db.session.expire_all()
    exhibitor = exhibitor_of("Delta AI")
    assert response.location.endswith(f"/e/test-expo/exhibitors/{exhibitor.id}/")
    assert exhibitor.status == "pending"
    assert exhibitor.booth_count == 2
    assert exhibitor.zones == ["ai"]
    assert exhibitor.wishes == ["A-03", "A-04"]
    assert exhibitor.wants_corner is True
    assert [other.id for other in exhibitor.avoids] == [alpha.id]
    org = exhibitor.organization
    assert (org.name_ko, org.kind, org.sector, org.country) == (
        "델타인공지능",
        "startup",
        "ai",
        "KR",
    )
    assert org.website == "https://delta.example"
    user = db.session.get(User, newcomer.id)
    assert user.organization_id == org.id
    role = db.session.scalar(
        select(EventRole).where(EventRole.user_id == user.id, EventRole.role == "exhibitor_admin")
    )
    assert role is not None and role.organization_id == org.id
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "exhibitor.registered"))
    assert entry.object_id == str(exhibitor.id) and entry.user_id == user.id
    mails = outbox("exhibitor_registered")
    assert [m[0] for m in mails] == ["newcomer@example.org"]
    assert f"/e/test-expo/exhibitors/{exhibitor.id}/" in mails[0][2]
    # The company page shows the registration to its admin.
    page = client.get(response.location).get_data(as_text=True)
    assert "Delta AI" in page and 'data-status="pending"' in page


def test_registration_reuses_the_users_organization(login_as, small_event):
    client = login_as("attendee")  # works for Gamma Group
    organizations = count(Organization)
    response = client.post(
        REGISTER,
        data=registration_data(name_ko="감마그룹", name_en="Gamma Group", kind="large_firm"),
    )
    assert response.status_code == 302
    assert count(Organization) == organizations
    exhibitor = exhibitor_of("Gamma Group")
    assert exhibitor.organization_id == small_event.companies["gamma"].id
    assert exhibitor.organization.website == "https://delta.example"


def test_form_is_prefilled_from_the_users_organization(login_as, small_event):
    page = login_as("attendee").get(REGISTER).get_data(as_text=True)
    assert 'value="Gamma Group"' in page


INVALID = [
    ({"wishes-0": "Z-99"}, "There is no booth Z-99"),
    ({"wishes-0": "B-01"}, "outside the zones chosen"),
    ({"wishes-1": "A-03"}, "wished twice"),
    ({"wishes-0": "A-05"}, "is not available"),  # blocked below
    ({"booth_count": "5"}, "The value sent is not one of the choices"),
    ({"name_ko": "", "name_en": ""}, "company name in Korean or English"),
    ({"zones": ["moon"]}, "'moon' is not one of the choices"),
    ({"website": "not a site"}, "Give a web address"),
    ({"kind": "pirate"}, "The value sent is not one of the choices"),
]


def test_invalid_registrations_are_refused(client, small_event, newcomer):
    small_event.booths["A-05"].blocked = True
    db.session.commit()
    login(client, newcomer)
    before = count(Exhibitor), count(Organization)
    for overrides, message in INVALID:
        response = client.post(REGISTER + "?lang=en", data=registration_data(**overrides))
        assert response.status_code == 200, overrides
        # Under the field it concerns.
        (field,) = {key.split("-")[0] for key in overrides} - {"name_ko"}
        errors = errors_under(response.get_data(as_text=True), field)
        assert any(message in error for error in errors), (overrides, errors)
        assert (count(Exhibitor), count(Organization)) == before, overrides


@pytest.mark.parametrize(
    ("lang", "one", "two", "not_a_number"),
    [
        (
            "en",
            "'moon' is not one of the choices; choose again.",
            "are not among the choices; choose again.",
            "A value sent is not one of the choices; choose again.",
        ),
        (
            "ko",
            "'moon'은 선택지에 없습니다. 다시 선택해 주세요.",
            "'은 선택지에 없습니다. 다시 선택해 주세요.",
            "보내신 값 중 선택지에 없는 것이 있습니다. 다시 선택해 주세요.",
        ),
    ],
    ids=["en", "ko"],
)
def test_a_tampered_multiple_choice_is_refused_in_words_of_our_own(
    client, small_event, newcomer, lang, one, two, not_a_number
):
    """WTForms' own Korean for these was garbled ("이와 같은 부분을 위해 유효한 선택이
    없습니다" twice over, one plural form on two lines)."""
    login(client, newcomer)
    url = f"{REGISTER}?lang={lang}"
    page = client.post(url, data=registration_data(zones=["moon"])).get_data(as_text=True)
    assert errors_under(page, "zones") == [one]
    page = client.post(url, data=registration_data(zones=["moon", "sun"])).get_data(as_text=True)
    (error,) = errors_under(page, "zones")
    assert two in error and "moon" in error and "sun" in error
    page = client.post(url, data=registration_data(avoid=["abc"])).get_data(as_text=True)
    assert errors_under(page, "avoid") == [not_a_number]
    assert "유효한 선택" not in page and "변화할 수 없습니다" not in page
    assert count(Exhibitor) == 2


def test_a_wish_outside_the_zones_names_its_zone_in_the_pages_language(
    client, small_event, newcomer
):
    login(client, newcomer)
    data = registration_data(**{"wishes-0": "B-01"})  # B-01 is a bio-health booth
    page = client.post(REGISTER + "?lang=ko", data=data).get_data(as_text=True)
    assert "부스 B-01은 바이오헬스 구역에 있어 선택한 구역을 벗어납니다." in page
    page = client.post(REGISTER + "?lang=en", data=data).get_data(as_text=True)
    assert "Booth B-01 lies in zone bio-health, outside the zones chosen." in page


def test_wishes_may_lie_anywhere_when_no_zone_is_chosen(client, small_event, newcomer):
    login(client, newcomer)
    response = client.post(REGISTER, data=registration_data(zones=None, **{"wishes-0": "B-01"}))
    assert response.status_code == 302
    assert exhibitor_of("Delta AI").wishes == ["B-01", "A-04"]


def test_an_avoided_company_must_be_another_exhibitor_of_the_event(client, small_event, newcomer):
    login(client, newcomer)
    response = client.post(REGISTER, data=registration_data(avoid=["999999"]))
    assert response.status_code == 200
    assert count(Exhibitor) == 2


def test_an_exhibitor_is_sent_to_its_company_page(login_as, small_event):
    response = login_as("exhibitor_staff").get(REGISTER)
    assert response.status_code == 302
    assert response.location.endswith(f"/exhibitors/{small_event.exhibitors['alpha'].id}/")
    response = login_as("exhibitor_admin").post(REGISTER, data=registration_data())
    assert response.status_code == 302
    assert count(Exhibitor) == 2


def test_a_registered_company_is_not_registered_twice(client, small_event):
    colleague = User(
        email="colleague@example.org",
        name_en="Colleague",
        organization=small_event.companies["beta"],
    )
    colleague.set_password(PASSWORD)
    db.session.add(colleague)
    db.session.commit()
    login(client, colleague)
    page = client.get(REGISTER + "?lang=en").get_data(as_text=True)
    assert "already registered" in page
    client.post(REGISTER, data=registration_data())
    assert count(Exhibitor) == 2
    assert db.session.scalar(select(EventRole).where(EventRole.user_id == colleague.id)) is None


def _first_send_lands_meanwhile(monkeypatch, client, data, answers):
    """A double click: the second send has passed the page's checks (no registration
    yet) when the first one lands; the first is sent, and answered, at that moment."""
    register = services.register

    def first_send_then_this_one(*args):
        monkeypatch.setattr(services, "register", register)
        answers.append(client.post(REGISTER + "?lang=en", data=data))
        return register(*args)

    monkeypatch.setattr(services, "register", first_send_then_this_one)


def test_a_registration_sent_twice_takes_the_second_send_to_the_company_page(
    client, small_event, newcomer, outbox, monkeypatch
):
    login(client, newcomer)
    exhibitors = count(Exhibitor)
    data = registration_data()
    answers = []
    _first_send_lands_meanwhile(monkeypatch, client, data, answers)
    second = client.post(REGISTER + "?lang=en", data=data)
    (first,) = answers
    exhibitor = exhibitor_of("Delta AI")
    company_page = f"/e/test-expo/exhibitors/{exhibitor.id}/"
    assert first.status_code == 302 and company_page in first.location
    assert second.status_code == 302 and company_page in second.location
    page = client.get(second.location).get_data(as_text=True)
    assert "Your company is registered." in page
    assert "already represent" not in page
    assert count(Exhibitor) == exhibitors + 1
    registered = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "exhibitor.registered")
    ).all()
    assert [entry.object_id for entry in registered] == [str(exhibitor.id)]
    assert len(outbox("exhibitor_registered")) == 1
    roles = db.session.scalars(select(EventRole.role).where(EventRole.user_id == newcomer.id))
    assert list(roles) == ["exhibitor_admin"]


def test_one_who_represents_another_company_meanwhile_is_still_refused(
    client, small_event, newcomer, monkeypatch
):
    """The first send named another company (the form was changed between the two):
    the second is a registration of a second company, refused."""
    login(client, newcomer)
    answers = []
    _first_send_lands_meanwhile(
        monkeypatch, client, registration_data(name_ko="오메가", name_en="Omega Works"), answers
    )
    second = client.post(REGISTER + "?lang=en", data=registration_data(), follow_redirects=True)
    assert answers[0].status_code == 302
    page = second.get_data(as_text=True)
    assert "You already represent a company at this event." in page
    assert "Your company is registered." not in page
    assert exhibitor_of("Delta AI") is None and exhibitor_of("Omega Works") is not None


def test_company_admin_edits_while_pending_or_approved(login_as, small_event):
    client = login_as("exhibitor_admin")
    alpha = small_event.exhibitors["alpha"]
    url = f"/e/test-expo/exhibitors/{alpha.id}/edit"
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        data=registration_data(
            name_ko="알파로보틱스",
            name_en="Alpha Robotics",
            booth_count="3",
            **{"wishes-0": "A-06", "wishes-1": ""},
        ),
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert (alpha.booth_count, alpha.wishes, alpha.status) == (3, ["A-06"], "approved")
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "exhibitor.updated"))
    assert set(entry.data["fields"]) >= {"booth_count", "wishes"}


def edit_form_version(client, exhibitor):
    page = client.get(f"/e/test-expo/exhibitors/{exhibitor.id}/edit?lang=en").get_data(as_text=True)
    return re.search(r'name="version" type="hidden" value="(\w+)"', page).group(1)


def test_a_stale_edit_form_does_not_undo_what_another_admin_saved(login_as, small_event):
    """A form left open in a second tab (or by a second company admin) put back the
    booth count and the wishes it was loaded with, and released the booths picked for
    the request saved meanwhile."""
    alpha = small_event.exhibitors["alpha"]
    client = login_as("exhibitor_admin")
    version = edit_form_version(client, alpha)
    # Meanwhile, in the other tab: three booths, and a hold on them.
    fresh = registration_data(name_ko="알파로보틱스", name_en="Alpha Robotics", booth_count="3")
    fresh["version"] = version
    url = f"/e/test-expo/exhibitors/{alpha.id}/edit?lang=en"
    assert client.post(url, data=fresh).status_code == 302
    for code in ("A-01", "A-02", "A-03"):
        db.session.add(
            BoothAllocation(booth=small_event.booths[code], exhibitor=alpha, state="hold")
        )
    db.session.commit()
    stale = dict(fresh, booth_count="2", description_en="Robots for warehouses.")
    response = client.post(url, data=stale)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "This registration was changed since you opened the page" in page
    # The page shows the registration as saved, with the version it now has.
    assert re.search(r'<option selected value="3">|<option value="3" selected', page)
    assert "Robots for warehouses." not in page
    db.session.expire_all()
    assert (alpha.booth_count, alpha.organization.description_en) == (
        3,
        "Vision models for factories.",
    )
    assert db.session.scalar(select(func.count()).select_from(BoothAllocation)) == 3
    # Sent from the page as it shows now, the change is saved.
    stale["version"] = edit_form_version(client, alpha)
    assert client.post(url, data=stale).status_code == 302
    db.session.expire_all()
    assert (alpha.booth_count, alpha.organization.description_en) == (2, "Robots for warehouses.")


def test_an_edit_form_sent_twice_is_saved_once_without_a_conflict(login_as, small_event):
    alpha = small_event.exhibitors["alpha"]
    client = login_as("exhibitor_admin")
    data = registration_data(name_ko="알파로보틱스", name_en="Alpha Robotics", booth_count="3")
    data["version"] = edit_form_version(client, alpha)
    url = f"/e/test-expo/exhibitors/{alpha.id}/edit?lang=en"
    assert client.post(url, data=data).status_code == 302
    assert client.post(url, data=data).status_code == 302
    db.session.expire_all()
    assert alpha.booth_count == 3
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "exhibitor.updated")
    ).all()
    assert len(entries) == 1


def test_no_edit_after_confirmation(login_as, small_event):
    alpha = small_event.exhibitors["alpha"]
    alpha.status = "confirmed"
    db.session.commit()
    client = login_as("exhibitor_admin")
    url = f"/e/test-expo/exhibitors/{alpha.id}/edit?lang=en"
    response = client.get(url)
    assert response.status_code == 302
    response = client.post(url, data=registration_data(booth_count="4"), follow_redirects=True)
    assert "can no longer be changed" in response.get_data(as_text=True)
    db.session.expire_all()
    assert alpha.booth_count == 2
    with pytest.raises(services.ExhibitorError):
        services.update_registration(alpha, {}, services.BoothRequest(booth_count=1))


@pytest.mark.parametrize("status", ["pending", "approved"])
def test_no_edit_once_the_fair_is_over(login_as, small_event, fair_over, status):
    """A pending or approved company was still offered Edit registration after the
    last day, to ask for booths on days that had passed."""
    alpha = small_event.exhibitors["alpha"]
    alpha.status = status
    db.session.commit()
    client = login_as("exhibitor_admin")
    dashboard = f"/e/test-expo/exhibitors/{alpha.id}/?lang=en"
    assert "Edit registration" not in client.get(dashboard).get_data(as_text=True)
    url = f"/e/test-expo/exhibitors/{alpha.id}/edit?lang=en"
    assert client.get(url).status_code == 302
    response = client.post(url, data=registration_data(booth_count="4"), follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Test Expo ended on" in page
    assert "a registration can no longer be changed" in page
    db.session.expire_all()
    assert (alpha.booth_count, alpha.status) == (2, status)
    with pytest.raises(services.ExhibitorError, match="ended on"):
        services.update_registration(alpha, {}, services.BoothRequest(booth_count=1))


def test_staff_cannot_edit(login_as, small_event):
    alpha = small_event.exhibitors["alpha"]
    client = login_as("exhibitor_staff")
    assert client.get(f"/e/test-expo/exhibitors/{alpha.id}/edit").status_code == 403
    page = client.get(f"/e/test-expo/exhibitors/{alpha.id}/").get_data(as_text=True)
    assert "/edit" not in page and "/team" not in page


def test_admin_adds_an_existing_user_as_staff_once_they_accept(login_as, small_event, outbox):
    alpha = small_event.exhibitors["alpha"]
    outsider = small_event.outsider
    client = login_as("exhibitor_admin")
    response = client.post(
        f"/e/test-expo/exhibitors/{alpha.id}/team",
        data={"email": "Outsider@Example.org", "role": "exhibitor_staff"},
    )
    assert response.status_code == 302
    # Invited only: no role and no company link until the owner of the account accepts.
    assert db.session.scalar(select(EventRole).where(EventRole.user_id == outsider.id)) is None
    mails = outbox("exhibitor_invitation")
    assert mails[0][0] == "outsider@example.org" and "/reset/" not in mails[0][2]
    link = re.search(r"http://testserver(/e/test-expo/team-invitations/\d+)", mails[0][2])
    client = login_as("outsider")
    assert client.get(link.group(1)).status_code == 200
    response = client.post(link.group(1) + "/accept")
    assert response.status_code == 302 and f"/exhibitors/{alpha.id}/" in response.location
    role = db.session.scalar(select(EventRole).where(EventRole.user_id == outsider.id))
    assert (role.role, role.organization_id) == ("exhibitor_staff", alpha.organization_id)
    db.session.expire_all()
    assert outsider.organization_id == alpha.organization_id
    assert db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "exhibitor.member_added")
    )


def test_admin_invites_a_new_person_who_sets_a_password(login_as, small_event, outbox, app):
    alpha = small_event.exhibitors["alpha"]
    client = login_as("exhibitor_admin")
    client.post(
        f"/e/test-expo/exhibitors/{alpha.id}/team",
        data={"email": "new.hire@example.org", "name": "김신입", "role": "exhibitor_staff"},
    )
    user = db.session.scalar(select(User).where(User.email == "new.hire@example.org"))
    assert user is not None and user.name_ko == "김신입"
    assert not user.check_password("")
    (mail,) = outbox("exhibitor_member")
    link = re.search(r"http://testserver(/reset/\S+)", mail[2]).group(1)
    fresh = app.test_client()
    assert fresh.get(link).status_code == 200
    response = fresh.post(
        link, data={"password": "a brand new secret", "confirm": "a brand new secret"}
    )
    assert response.status_code == 302 and "/login" in response.location
    response = fresh.post(
        "/login", data={"email": "new.hire@example.org", "password": "a brand new secret"}
    )
    assert response.status_code == 302
    assert fresh.get(f"/e/test-expo/exhibitors/{alpha.id}/").status_code == 200
    db.session.refresh(user)
    assert user.email_confirmed  # the link came to the address
    # The link works once.
    assert fresh.get(link).status_code == 302


def test_a_new_person_is_not_invited_without_a_name(login_as, small_event, outbox):
    """The name given when inviting is the only one a new account has until its
    owner edits their profile, and it is what their badge prints: a person added
    by e-mail alone got a badge with no name on it."""
    alpha = small_event.exhibitors["alpha"]
    client = login_as("exhibitor_admin")
    response = client.post(
        f"/e/test-expo/exhibitors/{alpha.id}/team?lang=en",
        data={"email": "nameless@example.org", "name": "  ", "role": "exhibitor_staff"},
        follow_redirects=True,
    )
    assert "Give the name of nameless@example.org" in response.get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.email == "nameless@example.org")) is None
    assert outbox("exhibitor_member") == []
    # An existing account needs no name: it has its own (and is invited).
    response = client.post(
        f"/e/test-expo/exhibitors/{alpha.id}/team",
        data={"email": "outsider@example.org", "role": "exhibitor_staff"},
    )
    assert [m[0] for m in outbox("exhibitor_invitation")] == ["outsider@example.org"]


def test_a_refused_team_member_keeps_what_was_typed(login_as, small_event):
    """Adding a person was refused with a flashed message on a fresh page: the e-mail
    and name typed were gone, to be typed again. The page now shows the form as sent,
    with the reason."""
    alpha = small_event.exhibitors["alpha"]
    client = login_as("exhibitor_admin")
    url = f"/e/test-expo/exhibitors/{alpha.id}/team?lang=en"

    def typed(page, name):
        tag = re.search(rf'<input [^>]*name="{name}"[^>]*>', page).group(0)
        value = re.search(r'value="([^"]*)"', tag)
        return value.group(1) if value else ""

    # Refused by the service: a new person needs a name.
    response = client.post(
        url, data={"email": "new.hire@example.org", "name": " ", "role": "exhibitor_admin"}
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Give the name of new.hire@example.org" in page
    assert typed(page, "email") == "new.hire@example.org"
    assert re.search(r'<option selected value="exhibitor_admin">', page)
    # Refused by the form: not an e-mail address; the name stays.
    response = client.post(
        url, data={"email": "new.hire@example", "name": "김신입", "role": "exhibitor_staff"}
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Invalid email address." in page
    assert (typed(page, "email"), typed(page, "name")) == ("new.hire@example", "김신입")
    assert db.session.scalar(select(User).where(User.email.like("new.hire@%"))) is None


def test_a_person_of_another_company_cannot_be_added(login_as, small_event):
    alpha = small_event.exhibitors["alpha"]
    client = login_as("exhibitor_admin")
    response = client.post(
        f"/e/test-expo/exhibitors/{alpha.id}/team?lang=en",
        data={"email": "other_exhibitor@example.org", "role": "exhibitor_staff"},
        follow_redirects=True,
    )
    assert "already represents another company" in response.get_data(as_text=True)
    roles = db.session.scalars(
        select(EventRole.organization_id).where(EventRole.user_id == small_event.other_exhibitor.id)
    ).all()
    assert roles == [small_event.companies["beta"].id]


def test_admin_removes_staff_but_not_the_last_admin(login_as, small_event):
    alpha = small_event.exhibitors["alpha"]
    client = login_as("exhibitor_admin")
    staff_id = small_event.exhibitor_staff.id
    admin_id = small_event.exhibitor_admin.id
    response = client.post(f"/e/test-expo/exhibitors/{alpha.id}/team/{staff_id}/remove")
    assert response.status_code == 302
    assert db.session.scalar(select(EventRole).where(EventRole.user_id == staff_id)) is None
    client.post(f"/e/test-expo/exhibitors/{alpha.id}/team/{admin_id}/remove")
    assert db.session.scalar(select(EventRole).where(EventRole.user_id == admin_id))
    with pytest.raises(services.ExhibitorError):
        services.remove_member(alpha, admin_id)
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "exhibitor.member_removed")
    )
    assert entry.data["user"] == staff_id


def test_removal_keeps_the_company_link_of_someone_on_its_team_at_another_event(small_event):
    from datetime import date

    alpha = small_event.exhibitors["alpha"]
    staff = small_event.exhibitor_staff
    other = add_other_event(starts_on=date(2027, 5, 1), ends_on=date(2027, 5, 2))
    db.session.add(
        EventRole(event=other, user=staff, role="exhibitor_staff", organization=alpha.organization)
    )
    db.session.commit()
    services.remove_member(alpha, staff.id)
    db.session.expire_all()
    assert staff.organization_id == alpha.organization_id


def test_withdraw_releases_booths_and_allows_registering_again(login_as, small_event, outbox):
    alpha = small_event.exhibitors["alpha"]
    for code in ("A-01", "A-02"):
        db.session.add(
            BoothAllocation(booth=small_event.booths[code], exhibitor=alpha, state="confirmed")
        )
    alpha.status = "confirmed"
    db.session.commit()
    client = login_as("exhibitor_admin")
    response = client.post(
        f"/e/test-expo/exhibitors/{alpha.id}/withdraw", data={"reason": "budget cut"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert (alpha.status, alpha.status_reason) == ("withdrawn", "budget cut")
    assert count(BoothAllocation) == 0
    assert outbox("exhibitor_status")[0][0] == "exhibitor_admin@example.org"
    response = client.post(f"/e/test-expo/exhibitors/{alpha.id}/register-again")
    assert response.status_code == 302 and response.location.endswith("/edit")
    db.session.expire_all()
    assert alpha.status == "pending"


def sent_without_its_button(login_as, exhibitor, button, action, data=None):
    """The page a company admin lands on after sending `action` of the company page
    (a page left open), which no longer offers its `button`."""
    client = login_as("exhibitor_admin")
    base = f"/e/test-expo/exhibitors/{exhibitor.id}/"
    assert button not in client.get(base + "?lang=en").get_data(as_text=True)
    response = client.post(f"{base}{action}?lang=en", data=data, follow_redirects=True)
    return response.get_data(as_text=True)


def test_a_withdrawn_company_does_not_register_again_once_the_fair_is_over(
    login_as, small_event, fair_over
):
    """A first registration is closed then; registering again reopened one all the
    same, pending a review for days that have passed."""
    alpha = small_event.exhibitors["alpha"]
    alpha.status = "withdrawn"
    db.session.commit()
    page = sent_without_its_button(login_as, alpha, "Register again", "register-again")
    assert "Test Expo ended on" in page
    assert "registration is closed" in page
    db.session.expire_all()
    assert alpha.status == "withdrawn"


def test_a_company_does_not_withdraw_once_the_fair_is_over(
    login_as, small_event, fair_over, outbox
):
    """Withdrawing after the fair it took part in took its booths off the floor plan,
    revoked its team's badges and left it in the organizers' records as withdrawn."""
    alpha = small_event.exhibitors["alpha"]
    db.session.add(
        BoothAllocation(booth=small_event.booths["A-01"], exhibitor=alpha, state="confirmed")
    )
    alpha.status = "confirmed"
    db.session.commit()
    page = sent_without_its_button(
        login_as, alpha, "Withdraw registration", "withdraw", {"reason": "changed our mind"}
    )
    assert "Test Expo ended on" in page
    assert "a registration can no longer be changed" in page
    assert "Your registration is withdrawn." not in page
    db.session.expire_all()
    assert alpha.status == "confirmed" and count(BoothAllocation) == 1
    assert outbox("exhibitor_status") == []


def test_a_refused_withdrawal_says_why(login_as, small_event):
    """A reason over the limit: the dashboard, which shows an empty form again, says so."""
    alpha = small_event.exhibitors["alpha"]
    client = login_as("exhibitor_admin")
    response = client.post(
        f"/e/test-expo/exhibitors/{alpha.id}/withdraw?lang=en",
        data={"reason": "x" * 2001},
        follow_redirects=True,
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Reason (optional): Field cannot be longer than 2000 characters." in page
    assert "Your registration is withdrawn." not in page
    db.session.expire_all()
    assert alpha.status == "approved"


def test_a_rejected_registration_cannot_be_registered_again(login_as, small_event, outbox):
    alpha = small_event.exhibitors["alpha"]
    alpha.status, alpha.status_reason = "rejected", "Not a technology company"
    db.session.commit()
    client = login_as("exhibitor_admin")
    response = client.post(
        f"/e/test-expo/exhibitors/{alpha.id}/register-again?lang=en", follow_redirects=True
    )
    assert response.status_code == 200
    assert "Only a withdrawn registration can be registered again." in response.get_data(
        as_text=True
    )
    db.session.expire_all()
    assert (alpha.status, alpha.status_reason) == ("rejected", "Not a technology company")
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "exhibitor.status_changed")
        )
        == 0
    )
    for status in ("pending", "approved", "placed", "confirmed", "rejected"):
        alpha.status = status
        db.session.commit()
        with pytest.raises(services.ExhibitorError, match="Only a withdrawn"):
            services.register_again(alpha)
        db.session.expire_all()
        assert alpha.status == status
    # The organizers may still approve a rejected company, but not make it pending.
    assert not services.can_transition("rejected", "pending")
    assert services.can_transition("rejected", "approved")


def test_anonymous_is_sent_to_login(client, small_event):
    response = client.get(REGISTER)
    assert response.status_code == 302 and "/login" in response.location


def test_avoid_links_are_kept_once(client, small_event, newcomer):
    login(client, newcomer)
    beta = small_event.exhibitors["beta"]
    client.post(REGISTER, data=registration_data(avoid=[str(beta.id), str(beta.id)]))
    assert db.session.scalar(select(func.count()).select_from(ExhibitorAvoid)) == 1


def test_competitors_to_avoid_are_tick_boxes_that_keep_their_ticks(login_as, small_event):
    """The competitors were a multi-select box with the hint "Hold Ctrl (or ⌘)", of no
    use on a phone: they are tick boxes, posted under the same name, and the edit page
    ticks the ones saved."""
    client = login_as("exhibitor_admin")
    alpha, beta = small_event.exhibitors["alpha"], small_event.exhibitors["beta"]
    url = f"/e/test-expo/exhibitors/{alpha.id}/edit"
    page = client.get(url).get_data(as_text=True)
    assert not re.search(r'<select [^>]*name="avoid"', page) and "Ctrl" not in page
    assert re.search(rf'<input [^>]*type="checkbox" [^>]*value="{beta.id}"', page)
    assert re.search(r'<input [^>]*name="avoid" [^>]*type="checkbox"', page)

    response = client.post(url, data=registration_data(avoid=[str(beta.id)]))
    assert response.status_code == 302
    db.session.expire_all()
    assert [other.id for other in alpha.avoids] == [beta.id]
    page = client.get(url).get_data(as_text=True)
    ticked = re.search(rf'<input [^>]*value="{beta.id}"[^>]*>', page).group(0)
    assert "checked" in ticked


def test_company_pages_leave_out_a_hold_that_has_expired(login_as, small_event):
    """An expired hold is free for everybody else: the company page must not still list
    its booths as held (until a time already past), nor the organizers' page."""
    from datetime import timedelta

    from eventapp.core.db import utcnow

    alpha = small_event.exhibitors["alpha"]
    expired = utcnow() - timedelta(minutes=5)
    for code in ("A-01", "A-02"):
        db.session.add(
            BoothAllocation(
                booth=small_event.booths[code], exhibitor=alpha, state="hold", expires_at=expired
            )
        )
    db.session.commit()
    for role, url in (
        ("exhibitor_admin", f"/e/test-expo/exhibitors/{alpha.id}/?lang=en"),
        ("organizer", f"/e/test-expo/manage/exhibitors/{alpha.id}?lang=en"),
    ):
        page = login_as(role).get(url).get_data(as_text=True)
        assert 'data-booth="A-01"' not in page and ">A-01<" not in page, role


def test_a_description_at_the_pages_limit_with_line_breaks_is_taken(client, small_event, newcomer):
    # The page counts each line break as one character; the browser sends CRLF.
    login(client, newcomer)
    description = "Vision.\r\n" * 400 + "x" * (4000 - 400 * 8)
    response = client.post(REGISTER, data=registration_data(description_en=description))
    assert response.status_code == 302
    organization = exhibitor_of("Delta AI").organization
    assert organization.description_en == description.replace("\r\n", "\n").strip()


@pytest.mark.parametrize(
    "names",
    [
        {"name_ko": "베타바이오", "name_en": ""},
        {"name_ko": "", "name_en": "  beta BIO "},
        {"name_ko": "베타 바이오", "name_en": "Beta Biotech"},
        # As a Korean input method types Latin letters: in full width.
        {"name_ko": "", "name_en": "ＢＥＴＡ Ｂｉｏ"},
    ],
)
def test_a_company_name_already_exhibiting_is_not_registered_again(
    client, small_event, newcomer, names
):
    """Another company of the same name (any case, any spaces), as the exhibitor
    import refuses it: the person is sent to that company's admin instead."""
    beta = small_event.exhibitors["beta"]
    beta.status = "withdrawn"  # a registration of any status keeps its name
    db.session.commit()
    login(client, newcomer)
    exhibitors = count(Exhibitor)
    response = client.post(REGISTER + "?lang=en", data=registration_data(**names))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    field = "name_ko" if names["name_ko"] else "name_en"
    error = re.search(rf'name="{field}"[^>]*>\s*<p class="error" role="alert">([^<]*)<', page)
    assert error is not None, page
    assert "Beta Bio is already registered as exhibitor of this event" in error.group(1)
    assert "company admin to add you to the team" in error.group(1)
    assert count(Exhibitor) == exhibitors
    assert db.session.scalar(select(EventRole).where(EventRole.user_id == newcomer.id)) is None
    with pytest.raises(services.ExhibitorError, match="already registered as exhibitor"):
        services.register(
            small_event.event,
            newcomer,
            {"name_ko": names["name_ko"], "name_en": names["name_en"].strip()},
            services.BoothRequest(),
        )
    assert count(Exhibitor) == exhibitors


def test_a_registration_is_not_renamed_to_another_exhibitors_name(login_as, small_event):
    client = login_as("exhibitor_admin")
    alpha = small_event.exhibitors["alpha"]
    url = f"/e/test-expo/exhibitors/{alpha.id}/edit?lang=en"
    response = client.post(url, data=registration_data(name_ko="알파로보틱스", name_en="BETA BIO"))
    assert response.status_code == 200
    assert "Beta Bio is already an exhibitor of this event." in response.get_data(as_text=True)
    db.session.expire_all()
    assert alpha.organization.name_en == "Alpha Robotics"
    # Its own name, written otherwise, is its own.
    response = client.post(
        url, data=registration_data(name_ko="알파 로보틱스", name_en="alpha robotics")
    )
    assert response.status_code == 302


def test_a_company_an_attendee_named_for_the_meetup_is_not_registered_a_second_time(
    login_as, client, small_event, newcomer
):
    """Gamma Group takes part in the meetup through its attendee (who named it). A
    registration under its name, by someone not linked to it, made a second Gamma
    Group: two companies of one name in the meetup, its meetings split between them,
    which an attendee naming an exhibitor's company is refused for."""
    gamma = small_event.companies["gamma"]
    login(client, newcomer)
    organizations, exhibitors = count(Organization), count(Exhibitor)
    response = client.post(
        REGISTER + "?lang=en", data=registration_data(name_ko="", name_en="ＧＡＭＭＡ group")
    )
    assert response.status_code == 200
    assert (
        "Gamma Group already takes part in the meetup of Test Expo, registered by an "
        "attendee. If you work there, ask that colleague to invite you from its meetup "
        "profile; once you have joined, register it as exhibitor."
    ) in response.get_data(as_text=True).replace("&#39;", "'")
    assert (count(Organization), count(Exhibitor)) == (organizations, exhibitors)
    # Nor is an exhibitor renamed to it.
    client = login_as("exhibitor_admin")
    alpha = small_event.exhibitors["alpha"]
    response = client.post(
        f"/e/test-expo/exhibitors/{alpha.id}/edit?lang=en",
        data=registration_data(name_ko="감마 그룹", name_en="Alpha Robotics"),
    )
    assert "Gamma Group already takes part in the meetup" in response.get_data(as_text=True)
    db.session.expire_all()
    assert alpha.organization.name_ko == "알파로보틱스"
    # Its own attendee registers it: the company of the meetup is the one that exhibits.
    client = login_as("attendee")
    response = client.post(
        REGISTER, data=registration_data(name_ko="감마그룹", name_en="Gamma Group")
    )
    assert response.status_code == 302
    assert exhibitor_of("Gamma Group").organization_id == gamma.id


def test_invisible_characters_neither_make_a_name_nor_hide_a_duplicate(
    login_as, client, small_event, newcomer
):
    """A name pasted from a web page or a word processor may carry characters that
    show nothing (zero-width space, byte order mark, soft hyphen): "Beta\u200bBio" was
    a second Beta Bio, and a zero-width space alone a company without a visible name."""
    login(client, newcomer)
    exhibitors = count(Exhibitor)
    response = client.post(
        REGISTER + "?lang=en",
        data=registration_data(name_ko="\u200b", name_en="\ufeff \u200b"),
    )
    assert errors_under(response.get_data(as_text=True), "name_en") == [
        "Give the company name in Korean or English."
    ]
    response = client.post(
        REGISTER + "?lang=en",
        data=registration_data(name_ko="베타\u200b바이오", name_en="Beta\u00adBio"),
    )
    assert "Beta Bio is already registered as exhibitor" in response.get_data(as_text=True)
    assert count(Exhibitor) == exhibitors
    # Pasted around a name, they are not stored with it.
    response = client.post(
        REGISTER, data=registration_data(name_ko="\ufeff델타\u200b", name_en="\u200bDelta AI ")
    )
    assert response.status_code == 302
    org = exhibitor_of("Delta AI").organization
    assert (org.name_ko, org.name_en) == ("델타", "Delta AI")
    # An imported row is compared, and refused, alike.
    from eventapp.exhibitors import importer

    problems = importer.check_rows(
        [importer.read_row(2, {"name_en": "Alpha\u200b Robotics"})[0]],
        importer.load_facts(small_event.event),
    )
    assert [(p.line, p.column) for p in problems] == [(2, "name_en")]


def test_a_fair_that_is_over_takes_no_registration(client, small_event, newcomer, fair_over):
    login(client, newcomer)
    page = client.get(f"{REGISTER}?lang=en").get_data(as_text=True)
    assert "registration is closed" in page
    assert 'name="name_ko"' not in page
    before = count(Exhibitor), count(Organization), count(EventRole)
    page = client.post(f"{REGISTER}?lang=en", data=registration_data()).get_data(as_text=True)
    assert "registration is closed" in page
    db.session.expire_all()
    assert (count(Exhibitor), count(Organization), count(EventRole)) == before
    # The service refuses too, whatever page sends it.
    with pytest.raises(services.ExhibitorError, match="registration is closed"):
        services.register(fair_over, newcomer, {"name_ko": "델타", "name_en": "Delta"}, None)
    db.session.rollback()
    assert count(Exhibitor) == before[0]


@pytest.mark.parametrize(
    ("overrides", "focused"),
    [
        ({"wishes-1": "Z-99"}, "wishes-0"),
        ({"name_ko": "", "name_en": "", "wishes-0": "Z-99"}, "name_en"),
        ({"zones": ["moon"]}, "zones-0"),
        ({"avoid": ["abc"]}, "avoid-0"),
    ],
)
def test_a_refused_registration_opens_on_its_first_faulty_field(
    client, small_event, newcomer, overrides, focused
):
    """The form is sent from its foot, screens below its top on a phone: a refused
    one reloaded at the top, where nothing was wrong, the message of a wrong booth
    wish out of sight."""
    login(client, newcomer)
    page = client.post(REGISTER, data=registration_data(**overrides)).get_data(as_text=True)
    assert re.findall(r'<[^>]*\bid="([^"]+)"[^>]*\bautofocus\b', page) + re.findall(
        r'<[^>]*\bautofocus\b[^>]*\bid="([^"]+)"', page
    ) == [focused]
    assert "autofocus" not in client.get(REGISTER).get_data(as_text=True)


def test_english_labels_of_the_exhibitor_pages_start_with_a_capital(login_as, small_event):
    client = login_as("attendee")
    form = client.get(REGISTER + "?lang=en").get_data(as_text=True)
    assert re.search(r'<option (selected )?value="startup">Startup</option>', form)
    assert re.search(r'<option (selected )?value="midsize_firm">Mid-size firm</option>', form)
    assert re.search(r'value="eco"[^>]*> Eco-friendly</label>', form)
    assert re.search(r'<option (selected )?value="ai">AI·digital</option>', form)

    alpha = small_event.exhibitors["alpha"]
    page = (
        login_as("exhibitor_admin")
        .get(f"/e/test-expo/exhibitors/{alpha.id}/?lang=en")
        .get_data(as_text=True)
    )
    assert re.search(r'data-status="approved">Approved</span>', page)
    assert "<dt>Kind</dt><dd>Startup</dd>" in page and "<dt>Sector</dt><dd>AI·digital</dd>" in page
    assert "<dt>Corner booth</dt><dd>No preference</dd>" in page
    assert 'data-label="Role">Company admin</td>' in page
    assert re.search(r'<option (selected )?value="exhibitor_staff">Company staff</option>', page)

    organizer = login_as("organizer")
    listing = organizer.get("/e/test-expo/manage/exhibitors/?lang=en").get_data(as_text=True)
    assert re.search(r'status=pending"\s*>Pending <span class="count">', listing)
    assert 'data-label="Kind">Mid-size firm</td>' in listing
    assert '<option value="">Any</option>' in listing
    detail = organizer.get(f"/e/test-expo/manage/exhibitors/{alpha.id}?lang=en").get_data(
        as_text=True
    )
    assert '<dd id="priority-label">Regular</dd>' in detail
    assert re.search(r'<option (selected )?value="0">Regular</option>', detail)


def test_korean_labels_of_the_exhibitor_pages_are_unchanged(login_as, small_event):
    form = login_as("attendee").get(REGISTER + "?lang=ko").get_data(as_text=True)
    assert re.search(r'value="startup">스타트업</option>', form)
