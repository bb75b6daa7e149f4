"""Who reaches which exhibitor page; an exhibitor never touches another company."""

import pytest
from sqlalchemy import select

from eventapp.booths.models import Exhibitor
from eventapp.events.models import EventRole
from eventapp.exhibitors import services
from eventapp.extensions import db
from tests.conftest import ROLE_NAMES, add_other_event, assert_access
from tests.exhibitors.conftest import registration_data

LOGGED_IN = set(ROLE_NAMES) - {"anonymous"}
ALPHA_PEOPLE = {"exhibitor_admin", "exhibitor_staff", "organizer"}
ALPHA_ADMINS = {"exhibitor_admin", "organizer"}


@pytest.fixture
def alpha(small_event):
    return small_event.exhibitors["alpha"]


def test_registration_page_is_for_every_signed_in_person(login_as, small_event):
    assert_access(login_as, "/e/test-expo/exhibit", LOGGED_IN)


def test_my_company_is_for_exhibitors(login_as, small_event):
    assert_access(
        login_as,
        "/e/test-expo/my-company",
        {"exhibitor_admin", "exhibitor_staff", "other_exhibitor", "organizer"},
    )


def test_my_company_leads_each_exhibitor_to_its_own_page(login_as, small_event):
    for role, company in (("exhibitor_staff", "alpha"), ("other_exhibitor", "beta")):
        response = login_as(role).get("/e/test-expo/my-company")
        expected = f"/e/test-expo/exhibitors/{small_event.exhibitors[company].id}/"
        assert response.location.endswith(expected)


def test_company_pages(login_as, alpha):
    base = f"/e/test-expo/exhibitors/{alpha.id}"
    assert_access(login_as, base + "/", ALPHA_PEOPLE)
    assert_access(login_as, base + "/edit", ALPHA_ADMINS)


def test_company_actions_are_for_its_admins(login_as, small_event, alpha):
    base = f"/e/test-expo/exhibitors/{alpha.id}"
    actions = [
        ("/edit", registration_data(name_ko="알파", name_en="Alpha Robotics")),
        ("/team", {"email": "someone@example.org", "role": "exhibitor_staff"}),
        (f"/team/{small_event.exhibitor_staff.id}/remove", {}),
        ("/withdraw", {"reason": "x"}),
        ("/register-again", {}),
    ]
    for path, data in actions:
        assert_access(login_as, base + path, ALPHA_ADMINS, method="post", data=data)


def test_organizer_pages(login_as, small_event):
    for path in (
        "/e/test-expo/manage/exhibitors/",
        "/e/test-expo/manage/exhibitors/import",
        "/e/test-expo/manage/exhibitors/import/sample.csv",
    ):
        assert_access(login_as, path, {"organizer"})


def test_organizer_detail_and_actions(login_as, alpha):
    base = f"/e/test-expo/manage/exhibitors/{alpha.id}"
    assert_access(login_as, base, {"organizer"})
    assert_access(
        login_as, base + "/decision", {"organizer"}, method="post", data={"status": "approved"}
    )
    assert_access(
        login_as, "/e/test-expo/manage/exhibitors/import", {"organizer"}, method="post", data={}
    )
    assert_access(
        login_as,
        "/e/test-expo/manage/exhibitors/import/apply",
        {"organizer"},
        method="post",
        data={},
    )


def test_an_exhibitor_cannot_see_or_change_another_company(login_as, small_event, alpha):
    beta = small_event.exhibitors["beta"]
    client = login_as("other_exhibitor")  # company admin of Beta
    base = f"/e/test-expo/exhibitors/{alpha.id}"
    assert client.get(base + "/").status_code == 403
    assert client.get(base + "/edit").status_code == 403
    posts = {
        "/edit": registration_data(name_ko="해킹", name_en="Hacked", booth_count="4"),
        "/team": {"email": "spy@example.org", "role": "exhibitor_admin"},
        f"/team/{small_event.exhibitor_admin.id}/remove": {},
        f"/team/{small_event.exhibitor_staff.id}/remove": {},
        "/withdraw": {"reason": "sabotage"},
        "/register-again": {},
    }
    for path, data in posts.items():
        assert client.post(base + path, data=data).status_code == 403, path
    db.session.expire_all()
    assert (alpha.status, alpha.booth_count, alpha.organization.name_en) == (
        "approved",
        2,
        "Alpha Robotics",
    )
    alpha_roles = db.session.scalars(
        select(EventRole.user_id).where(EventRole.organization_id == alpha.organization_id)
    ).all()
    assert sorted(alpha_roles) == sorted(
        [small_event.exhibitor_admin.id, small_event.exhibitor_staff.id]
    )
    # Its own page is fine, and shows nothing of Alpha.
    page = client.get(f"/e/test-expo/exhibitors/{beta.id}/").get_data(as_text=True)
    assert "Beta Bio" in page and "Alpha Robotics" not in page
    assert "exhibitor_admin@example.org" not in page


def test_a_member_of_another_company_cannot_be_removed_through_ones_own_page(
    login_as, small_event, alpha
):
    client = login_as("exhibitor_admin")
    other = small_event.other_exhibitor
    response = client.post(f"/e/test-expo/exhibitors/{alpha.id}/team/{other.id}/remove")
    assert response.status_code == 302
    assert db.session.scalar(select(EventRole).where(EventRole.user_id == other.id))


def test_exhibitor_of_another_event_is_not_found(login_as, small_event):
    from datetime import date

    other = add_other_event(ends_on=date(2026, 5, 2))
    db.session.add(Exhibitor(event=other, organization=small_event.companies["gamma"]))
    db.session.commit()
    foreign = db.session.scalar(select(Exhibitor).where(Exhibitor.event_id == other.id))
    client = login_as("organizer")
    assert client.get(f"/e/test-expo/manage/exhibitors/{foreign.id}").status_code == 404
    assert client.get(f"/e/test-expo/exhibitors/{foreign.id}/").status_code == 404
    assert client.get("/e/other-expo/manage/exhibitors/").status_code == 403


def test_menu_entries(login_as, small_event):
    from datetime import date, timedelta

    # A fair to come: one that is over offers no "Exhibit".
    event = small_event.event
    event.starts_on = event.ends_on = date.today() + timedelta(days=30)
    db.session.commit()

    def menu(role):
        page = login_as(role).get("/e/test-expo/?lang=en").get_data(as_text=True)
        nav = page.split('class="mainnav"', 1)[1].split("</nav>", 1)[0]
        return {label for label in ("Exhibit<", "My company", "Exhibitors<") if label in nav}

    assert menu("anonymous") == {"Exhibit<"}
    assert menu("attendee") == {"Exhibit<"}
    assert menu("exhibitor_staff") == {"Exhibit<", "My company"}
    assert {"Exhibit<", "Exhibitors<"} <= menu("organizer")
    assert (
        login_as("organizer")
        .get("/e/test-expo/my-company")
        .location.endswith("/e/test-expo/manage/exhibitors/")
    )


def test_withdrawing_an_invitation_is_for_the_company_admins(login_as, small_event, alpha):
    services.add_member(alpha, small_event.outsider.email)
    (invitation,) = services.pending_invitations(alpha)
    path = f"/e/test-expo/exhibitors/{alpha.id}/team/invitations/{invitation.id}/withdraw"
    assert_access(login_as, path, ALPHA_ADMINS, method="post")


def test_an_invitation_is_answered_by_signed_in_people_only(login_as, small_event, alpha):
    services.add_member(alpha, small_event.outsider.email)
    (invitation,) = services.pending_invitations(alpha)
    base = f"/e/test-expo/team-invitations/{invitation.id}"
    client = login_as("anonymous")
    for response in (client.get(base), client.post(base + "/accept")):
        assert response.status_code == 302 and "/login" in response.location
    # An id of no invitation, or another answer, is not found.
    client = login_as("attendee")
    assert client.get("/e/test-expo/team-invitations/999999").status_code == 404
    assert client.post(base + "/maybe").status_code == 404
