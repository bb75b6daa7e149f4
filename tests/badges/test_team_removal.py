"""A person taken off a company's team no longer holds the badge printed for it."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from eventapp.badges import services
from eventapp.badges.models import Badge
from eventapp.core.audit import AuditEntry
from eventapp.events import services as events
from eventapp.events.models import EventRole
from eventapp.exhibitors import services as exhibitors
from eventapp.extensions import db


def _entries(action):
    return db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
    ).all()


def _staff_badge(small_event):
    badge = services.issue_badge(small_event.event, small_event.exhibitor_staff)
    db.session.commit()
    assert badge.organization_id == small_event.companies["alpha"].id
    return badge, services.badge_code(badge)


def test_removal_by_the_company_admin_revokes_the_badge_and_says_why(login_as, small_event):
    event, alpha = small_event.event, small_event.exhibitors["alpha"]
    badge, code = _staff_badge(small_event)
    client = login_as("exhibitor_admin")
    response = client.post(
        f"/e/test-expo/exhibitors/{alpha.id}/team/{small_event.exhibitor_staff.id}/remove?lang=en",
        follow_redirects=True,
    )
    assert "Their badge printed for your company is revoked" in response.get_data(as_text=True)
    db.session.expire_all()
    assert badge.is_revoked
    assert services.verify_code(code, event).status == "revoked"
    assert services.revocation_list(event)["revoked"] == [badge.id]
    (revoked,) = _entries("badge.revoked")
    assert revoked.object_id == str(badge.id)
    assert revoked.user_id == small_event.exhibitor_admin.id
    assert revoked.data["reason"] == "left the team of Alpha Robotics"
    assert revoked.data["left_team"] == alpha.organization_id
    (removed,) = _entries("exhibitor.member_removed")
    assert removed.data["badge_revoked"] == badge.id

    # The company's badge list keeps the revoked print, saying why.
    page = client.get(f"/e/test-expo/badges/company/{alpha.organization_id}?lang=en").get_data(
        as_text=True
    )
    assert "Exhibitor_Staff" in page and "Left the team of Alpha Robotics." in page
    page = client.get(f"/e/test-expo/badges/company/{alpha.organization_id}?lang=ko").get_data(
        as_text=True
    )
    assert "알파로보틱스 팀에서 제외되었습니다." in page
    # So do the badge's page and the registration's history, for organizers.
    organizer = login_as("organizer")
    page = organizer.get(f"/e/test-expo/manage/badges/{badge.id}?lang=en").get_data(as_text=True)
    assert "Reason: Left the team of Alpha Robotics." in page
    page = organizer.get(f"/e/test-expo/manage/exhibitors/{alpha.id}?lang=en").get_data(
        as_text=True
    )
    assert "exhibitor_staff@example.org: their badge printed for the company is revoked." in page


def test_a_category_set_by_hand_is_revoked_too_when_the_badge_names_the_company(small_event):
    badge, code = _staff_badge(small_event)
    services.set_category(badge, "vip")
    db.session.commit()
    exhibitors.remove_member(small_event.exhibitors["alpha"], small_event.exhibitor_staff.id)
    assert services.verify_code(code, small_event.event).status == "revoked"


def test_badges_naming_another_company_or_none_are_left_alone(small_event):
    event, alpha = small_event.event, small_event.exhibitors["alpha"]
    staff, admin = small_event.exhibitor_staff, small_event.exhibitor_admin
    # Printed before they joined, for the company they worked for then.
    badge = services.issue_badge(event, staff)
    badge.organization_id = small_event.companies["gamma"].id
    db.session.commit()
    code = services.badge_code(badge)
    exhibitors.remove_member(alpha, staff.id)
    assert services.verify_code(code, event).status == "valid"
    # Nobody printed the second admin a badge: removing them prints none either.
    db.session.add(
        EventRole(event=event, user=staff, role="exhibitor_admin", organization=alpha.organization)
    )
    db.session.commit()
    exhibitors.remove_member(alpha, admin.id)
    assert services.badge_of(event, admin) is None
    assert _entries("badge.revoked") == []
    assert [e.data["badge_revoked"] for e in _entries("exhibitor.member_removed")] == [None, None]


def test_a_visitor_too_gets_a_reissued_badge_without_the_company(small_event):
    """Still registered as visitor: the company's print stops admitting at once, and
    the desk's reissue prints the person's badge as a visitor, not as the exhibitor."""
    event, alpha = small_event.event, small_event.exhibitors["alpha"]
    staff = small_event.exhibitor_staff
    db.session.add(EventRole(event=event, user=staff, role="attendee"))
    badge, code = _staff_badge(small_event)
    assert badge.category == "exhibitor"
    _user, revoked = exhibitors.remove_member(alpha, staff.id)
    assert revoked.id == badge.id
    assert services.verify_code(code, event).status == "revoked"
    # The revoked record is the print that was revoked.
    assert (badge.organization_en, badge.category) == ("Alpha Robotics", "exhibitor")

    services.reissue_badge(badge)
    db.session.commit()
    assert not badge.is_revoked and badge.issue == 2
    assert (badge.organization_id, badge.organization_en) == (None, "")
    assert (badge.category, badge.booth) == ("visitor", "")
    assert services.verify_code(services.badge_code(badge), event).status == "valid"
    assert services.verify_code(code, event).status == "revoked"


def test_a_badge_of_one_left_with_no_role_is_not_reissued_as_a_visitors(login_as, small_event):
    """Taken off the team with no other role at the event: the desk's reissue does not
    quietly print them a visitor's badge; it says why and what to do. Registered as
    attendee, they get their badge reissued as that."""
    event, alpha = small_event.event, small_event.exhibitors["alpha"]
    staff = small_event.exhibitor_staff
    badge, code = _staff_badge(small_event)
    exhibitors.remove_member(alpha, staff.id)
    client = login_as("organizer")
    url = f"/e/test-expo/manage/badges/{badge.id}"
    page = client.post(
        f"{url}/reissue?lang=en", data={"issue": "1"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "Exhibitor_Staff no longer has a role at this event" in page
    assert "Once they register as attendee" in page
    assert "Badge reissued" not in page
    db.session.expire_all()
    assert badge.is_revoked and badge.issue == 1
    assert (badge.category, badge.organization_en) == ("exhibitor", "Alpha Robotics")
    assert _entries("badge.reissued") == []
    # The page says so before the desk tries, and offers no Reissue.
    page = client.get(f"{url}?lang=en").get_data(as_text=True)
    assert "no longer has a role at this event: a new print" in page
    assert f"/badges/{badge.id}/reissue" not in page
    assert services.verify_code(code, event).status == "revoked"
    page = client.post(
        f"{url}/reissue?lang=ko", data={"issue": "1"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "더 이상 이 행사에서 맡은 역할이 없어" in page

    events.register_attendee(event, staff)
    page = client.get(f"{url}?lang=en").get_data(as_text=True)
    assert "no-role-left" not in page and f"/badges/{badge.id}/reissue" in page
    page = client.post(
        f"{url}/reissue?lang=en", data={"issue": "1"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "Badge reissued" in page
    db.session.expire_all()
    assert not badge.is_revoked and badge.issue == 2
    assert (badge.category, badge.organization_id) == ("visitor", None)


def test_taken_back_on_the_team_a_reissue_gives_a_valid_company_badge(small_event):
    event, alpha = small_event.event, small_event.exhibitors["alpha"]
    # Ahead, as a fair that is over takes nobody onto a team.
    event.starts_on = event.ends_on = date.today() + timedelta(days=30)
    staff = small_event.exhibitor_staff
    badge, code = _staff_badge(small_event)
    exhibitors.remove_member(alpha, staff.id)
    _user, created = exhibitors.add_member(alpha, staff.email, role="exhibitor_staff")
    assert not created
    invitation = exhibitors.invitations_for(staff, event)[0]
    exhibitors.accept_invitation(invitation.id, staff)
    # The company's badge page refreshes its people's badges: still revoked.
    services.sync_badges(event, user_ids=[staff.id])
    db.session.commit()
    assert badge.is_revoked and badge.organization_id == alpha.organization_id

    services.reissue_badge(badge)
    db.session.commit()
    assert (badge.category, badge.organization_en) == ("exhibitor", "Alpha Robotics")
    assert services.verify_code(services.badge_code(badge), event).status == "valid"
    assert services.verify_code(code, event).status == "revoked"
    assert db.session.scalar(select(func.count()).select_from(Badge)) == 1


def test_the_company_sees_only_that_its_people_left_not_the_organizers_reasons(
    login_as, small_event
):
    """An organizer's reason is written for the organizers; nor does a company see
    the revoked badge of a visitor who merely works there."""
    event, alpha = small_event.event, small_event.exhibitors["alpha"]
    visitor = small_event.attendee
    visitor.organization = alpha.organization
    own = services.issue_badge(event, small_event.exhibitor_admin)
    theirs = services.issue_badge(event, visitor)
    assert theirs.organization_id == alpha.organization_id
    services.revoke_badge(own, reason="lost on day one")
    services.revoke_badge(theirs, reason="resold the ticket")
    db.session.commit()
    page = (
        login_as("exhibitor_admin")
        .get(f"/e/test-expo/badges/company/{alpha.organization_id}?lang=en")
        .get_data(as_text=True)
    )
    assert "Exhibitor_Admin" in page and "revoked" in page
    assert "lost on day one" not in page
    assert "Attendee" not in page and "resold" not in page
    page = (
        login_as("organizer")
        .get(f"/e/test-expo/manage/badges/{own.id}?lang=en")
        .get_data(as_text=True)
    )
    assert "Reason: lost on day one" in page


def test_the_company_page_reads_only_the_revocations_naming_the_company(
    login_as, monkeypatch, small_event
):
    """A large event audits many revocations: the company's badge page asks the
    database for those naming the company, not every revocation of the event."""
    event, alpha = small_event.event, small_event.exhibitors["alpha"]
    staff, _code = _staff_badge(small_event)
    others = [
        services.issue_badge(event, small_event[key])
        for key in ("attendee", "other_exhibitor", "staff")
    ]
    for badge in others:
        services.revoke_badge(badge, reason="lost")
    db.session.commit()
    exhibitors.remove_member(alpha, small_event.exhibitor_staff.id)

    read = []
    original = services._latest_revocations

    def latest_revocations(event_id, badge_ids=None):
        read.append(None if badge_ids is None else set(badge_ids))
        return original(event_id, badge_ids)

    monkeypatch.setattr(services, "_latest_revocations", latest_revocations)
    page = (
        login_as("exhibitor_admin")
        .get(f"/e/test-expo/badges/company/{alpha.organization_id}?lang=en")
        .get_data(as_text=True)
    )
    assert "Left the team of Alpha Robotics." in page
    assert None not in read
    assert read and all(ids <= {staff.id, str(staff.id)} for ids in read)


def test_the_revoked_print_keeps_its_details_until_reissued(login_as, small_event):
    """The bulk issue and the person's own badge page refresh valid badges only: the
    revoked record stays what was printed (the company, its category), which is what
    organizers and the company look up; the reissue prints the current details."""
    event, alpha = small_event.event, small_event.exhibitors["alpha"]
    staff = small_event.exhibitor_staff
    db.session.add(EventRole(event=event, user=staff, role="attendee"))
    badge, _code = _staff_badge(small_event)
    exhibitors.remove_member(alpha, staff.id)
    db.session.commit()
    printed = ("Alpha Robotics", "exhibitor", alpha.organization_id)

    issued, refreshed = services.sync_badges(event)
    assert issued > 0 and refreshed == 0
    services.issue_badge(event, staff)
    page = login_as("exhibitor_staff").get("/e/test-expo/badge?lang=en")
    assert page.status_code == 200 and "Alpha Robotics" in page.get_data(as_text=True)
    db.session.commit()
    db.session.expire_all()
    assert (badge.organization_en, badge.category, badge.organization_id) == printed
    assert _entries("badge.refreshed") == []

    services.reissue_badge(badge)
    db.session.commit()
    assert (badge.organization_en, badge.category, badge.organization_id) == ("", "visitor", None)
    (refreshed,) = _entries("badge.refreshed")
    assert set(refreshed.data["fields"]) >= {"organization_en", "category"}


@pytest.mark.parametrize("removed_after", ["badge_of", "_people"])
def test_a_reissue_while_its_holder_leaves_the_team_does_not_name_the_company(
    app, monkeypatch, small_event, removed_after
):
    """The desk reissues a badge just as the person is taken off the company's team
    (once the desk has the badge, or has read the person's roles): the reissue reads
    who they are, their account too, only once it holds the company's registration,
    so the removal either waits and revokes the new print, or has committed and the
    print no longer names the company (nor is made: the person has no role left)."""
    from tests.badges.test_concurrency import _reissued_while_the_company_withdraws

    badge = _reissued_while_the_company_withdraws(
        app,
        monkeypatch,
        small_event,
        refused=services.NoRoleLeft,
        checked_by=removed_after,
        change=exhibitors.remove_member,
    )
    assert badge.is_revoked or badge.organization_id != small_event.companies["alpha"].id
