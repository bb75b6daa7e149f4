"""An existing account joins a company's team only once its owner accepts."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from eventapp.badges import services as badges
from eventapp.core.audit import AuditEntry
from eventapp.core.db import utcnow
from eventapp.core.permissions import company_of
from eventapp.events.models import EXHIBITOR_ROLES, EventRole
from eventapp.exhibitors import services
from eventapp.exhibitors.models import TeamInvitation
from eventapp.extensions import db


def invite(client, exhibitor, email, role="exhibitor_staff"):
    return client.post(
        f"/e/test-expo/exhibitors/{exhibitor.id}/team?lang=en",
        data={"email": email, "role": role},
        follow_redirects=True,
    )


def exhibitor_roles(user):
    return db.session.scalars(
        select(EventRole).where(EventRole.user_id == user.id, EventRole.role.in_(EXHIBITOR_ROLES))
    ).all()


def the_invitation(user):
    return db.session.scalar(select(TeamInvitation).where(TeamInvitation.user_id == user.id))


def actions():
    return db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()


def test_another_companys_visitor_is_not_pulled_onto_a_team_without_accepting(
    login_as, small_event, outbox
):
    alpha = small_event.exhibitors["alpha"]
    visitor = small_event.attendee  # a visitor of Gamma Group
    gamma = small_event.companies["gamma"]
    page = invite(login_as("exhibitor_admin"), alpha, visitor.email).get_data(as_text=True)
    assert "is invited; they join your team once they accept" in page
    db.session.expire_all()
    assert exhibitor_roles(visitor) == []
    assert visitor.organization_id == gamma.id
    assert company_of(visitor, small_event.event) is None
    # Their badge still names their own company, as a visitor.
    badge = badges.issue_badge(small_event.event, visitor)
    assert (badge.organization_id, badge.category) == (gamma.id, "large_firm")
    # The team page lists them as invited, not on the team.
    page = login_as("exhibitor_admin").get(f"/e/test-expo/exhibitors/{alpha.id}/?lang=en")
    html = page.get_data(as_text=True)
    assert 'id="invitations"' in html and visitor.email in html
    (mail,) = outbox("exhibitor_invitation")
    assert mail[0] == visitor.email and "Alpha Robotics" in mail[1]
    assert "/e/test-expo/team-invitations/" in mail[2]
    assert "exhibitor.member_invited" in actions()
    assert "exhibitor.member_added" not in actions()


def test_the_invited_person_sees_the_invitation_where_they_land_and_accepts(login_as, small_event):
    alpha = small_event.exhibitors["alpha"]
    visitor = small_event.attendee
    gamma = small_event.companies["gamma"]
    invite(login_as("exhibitor_admin"), alpha, visitor.email, role="exhibitor_admin")
    invitation = the_invitation(visitor)
    client = login_as("attendee")
    home = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert 'id="team-invitations"' in home and "Alpha Robotics" in home
    assert f"/team-invitations/{invitation.id}" in home
    response = client.post(f"/e/test-expo/team-invitations/{invitation.id}/accept")
    assert response.status_code == 302 and f"/exhibitors/{alpha.id}/" in response.location
    db.session.expire_all()
    (role,) = exhibitor_roles(visitor)
    assert (role.role, role.organization_id) == ("exhibitor_admin", alpha.organization_id)
    # They had a company: the account keeps it (add_member did the same).
    assert visitor.organization_id == gamma.id
    assert invitation.status == "accepted" and invitation.answered_at is not None
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "exhibitor.member_added")
    )
    assert entry.data["user"] == visitor.id and entry.data["invitation"] == invitation.id
    assert client.get(f"/e/test-expo/exhibitors/{alpha.id}/").status_code == 200
    home = client.get("/e/test-expo/").get_data(as_text=True)
    assert 'id="team-invitations"' not in home


def test_an_account_without_a_company_is_linked_when_it_accepts(login_as, small_event):
    alpha = small_event.exhibitors["alpha"]
    outsider = small_event.outsider
    invite(login_as("exhibitor_admin"), alpha, outsider.email)
    db.session.expire_all()
    assert outsider.organization_id is None
    services.accept_invitation(the_invitation(outsider).id, outsider)
    db.session.expire_all()
    assert outsider.organization_id == alpha.organization_id
    assert company_of(outsider, small_event.event).id == alpha.organization_id


def test_declining_changes_nothing_but_is_recorded(login_as, small_event):
    alpha = small_event.exhibitors["alpha"]
    outsider = small_event.outsider
    invite(login_as("exhibitor_admin"), alpha, outsider.email)
    invitation = the_invitation(outsider)
    client = login_as("outsider")
    response = client.post(f"/e/test-expo/team-invitations/{invitation.id}/decline")
    assert response.status_code == 302
    db.session.expire_all()
    assert invitation.status == "declined"
    assert exhibitor_roles(outsider) == [] and outsider.organization_id is None
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "exhibitor.invitation_declined")
    )
    assert entry.object_id == str(alpha.id) and entry.data["user"] == outsider.id
    # Declined is final: accepting afterwards is refused.
    page = client.post(
        f"/e/test-expo/team-invitations/{invitation.id}/accept?lang=en", follow_redirects=True
    ).get_data(as_text=True)
    assert "no longer open" in page
    assert exhibitor_roles(outsider) == []
    listed = login_as("exhibitor_admin").get(f"/e/test-expo/exhibitors/{alpha.id}/")
    assert 'id="invitations"' not in listed.get_data(as_text=True)


def test_the_company_admin_withdraws_an_invitation(login_as, small_event):
    alpha = small_event.exhibitors["alpha"]
    outsider = small_event.outsider
    invite(login_as("exhibitor_admin"), alpha, outsider.email)
    invitation = the_invitation(outsider)
    url = f"/e/test-expo/exhibitors/{alpha.id}/team/invitations/{invitation.id}/withdraw"
    # Not by another company's admin, nor by the company's staff.
    assert login_as("other_exhibitor").post(url).status_code == 403
    assert login_as("exhibitor_staff").post(url).status_code == 403
    response = login_as("exhibitor_admin").post(url)
    assert response.status_code == 302
    db.session.expire_all()
    assert invitation.status == "withdrawn"
    assert "exhibitor.invitation_withdrawn" in actions()
    client = login_as("outsider")
    assert 'id="team-invitations"' not in client.get("/e/test-expo/").get_data(as_text=True)
    page = client.post(
        f"/e/test-expo/team-invitations/{invitation.id}/accept?lang=en", follow_redirects=True
    ).get_data(as_text=True)
    assert "no longer open" in page
    assert exhibitor_roles(outsider) == []


def test_the_organizers_see_the_invitations_waiting_on_their_page_of_the_exhibitor(
    login_as, small_event
):
    """Who is invited, as what, since when and until when (in the event's time zone),
    with a Withdraw button that comes back to the organizers' page, and a way to
    invite again on the company page."""
    alpha = small_event.exhibitors["alpha"]
    outsider = small_event.outsider
    invite(login_as("exhibitor_admin"), alpha, outsider.email, role="exhibitor_admin")
    invitation = the_invitation(outsider)
    seoul = ZoneInfo("Asia/Seoul")
    sent, until = (
        moment.astimezone(seoul).strftime("%Y-%m-%d %H:%M")
        for moment in (invitation.created_at, invitation.expires_at)
    )
    client = login_as("organizer")
    detail = f"/e/test-expo/manage/exhibitors/{alpha.id}"
    page = client.get(detail + "?lang=en").get_data(as_text=True)
    table = page.split('id="invitations"', 1)[1].split("</table>", 1)[0]
    assert outsider.email in table and outsider.name in table
    assert "Company admin" in table and sent in table and until in table
    withdraw = f"/e/test-expo/exhibitors/{alpha.id}/team/invitations/{invitation.id}/withdraw"
    assert f'action="{withdraw}"' in table and f'name="next" value="{detail}"' in table
    assert f'href="/e/test-expo/exhibitors/{alpha.id}/#add-person"' in page
    assert 'id="add-person"' in client.get(f"/e/test-expo/exhibitors/{alpha.id}/").get_data(
        as_text=True
    )

    response = client.post(withdraw, data={"next": detail})
    assert response.status_code == 302 and response.location == detail
    db.session.expire_all()
    assert invitation.status == "withdrawn"
    assert 'id="invitations"' not in client.get(detail).get_data(as_text=True)
    # Not somewhere else, though: only a page of the site.
    invite(client, alpha, outsider.email)
    invitation = the_invitation(outsider)
    response = client.post(withdraw, data={"next": "https://elsewhere.example/"})
    assert response.location == f"/e/test-expo/exhibitors/{alpha.id}/"


def test_an_invitation_of_another_company_is_not_withdrawn_through_ones_own(login_as, small_event):
    alpha, beta = small_event.exhibitors["alpha"], small_event.exhibitors["beta"]
    invite(login_as("other_exhibitor"), beta, small_event.outsider.email)
    invitation = the_invitation(small_event.outsider)
    login_as("exhibitor_admin").post(
        f"/e/test-expo/exhibitors/{alpha.id}/team/invitations/{invitation.id}/withdraw"
    )
    db.session.expire_all()
    assert invitation.status == "pending"


def test_only_the_invited_account_accepts(login_as, small_event):
    alpha = small_event.exhibitors["alpha"]
    outsider = small_event.outsider
    invite(login_as("exhibitor_admin"), alpha, outsider.email)
    invitation = the_invitation(outsider)
    url = f"/e/test-expo/team-invitations/{invitation.id}"
    client = login_as("staff")
    page = client.get(url + "?lang=en")
    assert page.status_code == 403
    assert "for another account" in page.get_data(as_text=True)
    assert outsider.email not in page.get_data(as_text=True)
    for answer in ("accept", "decline"):
        client.post(f"{url}/{answer}")
    db.session.expire_all()
    assert invitation.status == "pending"
    assert exhibitor_roles(small_event.staff) == [] and exhibitor_roles(outsider) == []
    with pytest.raises(services.ExhibitorError):
        services.accept_invitation(invitation.id, small_event.staff)
    assert login_as("anonymous").get(url).status_code == 302


def test_an_acceptance_is_of_the_role_the_person_read(login_as, small_event):
    """The admin withdraws an invitation as company staff and invites the person again
    as company admin (same row, same link) while its page is open. Accepting from that
    page made the person company admin, an offer they never read."""
    alpha = small_event.exhibitors["alpha"]
    outsider = small_event.outsider
    invite(login_as("exhibitor_admin"), alpha, outsider.email)
    invitation = the_invitation(outsider)
    url = f"/e/test-expo/team-invitations/{invitation.id}"
    client = login_as("outsider")
    page = client.get(url + "?lang=en").get_data(as_text=True)
    assert "as company staff" in page
    services.withdraw_invitation(alpha, invitation.id)
    services.invite_member(alpha, outsider, "exhibitor_admin")
    db.session.commit()
    page = client.post(
        f"{url}/accept?lang=en", data={"role": "exhibitor_staff"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "This invitation changed while you were reading it" in page
    # The page shows the offer as it is now, and its button answers that one.
    assert "as company admin" in page and 'name="role" value="exhibitor_admin"' in page
    db.session.expire_all()
    assert invitation.status == "pending" and exhibitor_roles(outsider) == []
    client.post(f"{url}/accept", data={"role": "exhibitor_admin"})
    db.session.expire_all()
    (role,) = exhibitor_roles(outsider)
    assert role.role == "exhibitor_admin" and invitation.status == "accepted"


def test_inviting_the_same_person_twice_makes_one_invitation(login_as, small_event, outbox):
    alpha = small_event.exhibitors["alpha"]
    outsider = small_event.outsider
    client = login_as("exhibitor_admin")
    invite(client, alpha, outsider.email)
    page = invite(client, alpha, outsider.email.upper()).get_data(as_text=True)
    assert "already invited" in page
    count = select(func.count()).select_from(TeamInvitation)
    assert db.session.scalar(count) == 1
    assert len(outbox("exhibitor_invitation")) == 1
    # After a decline the company may ask again: the same invitation is pending again.
    services.decline_invitation(the_invitation(outsider).id, outsider)
    invite(client, alpha, outsider.email, role="exhibitor_admin")
    db.session.expire_all()
    invitation = the_invitation(outsider)
    assert db.session.scalar(count) == 1
    assert (invitation.status, invitation.role) == ("pending", "exhibitor_admin")
    assert len(outbox("exhibitor_invitation")) == 2
    services.accept_invitation(invitation.id, outsider)
    with pytest.raises(services.ExhibitorError, match="no longer open"):
        services.accept_invitation(invitation.id, outsider)
    assert len(exhibitor_roles(outsider)) == 1


def test_accepting_is_refused_once_the_person_represents_another_company(login_as, small_event):
    alpha, beta = small_event.exhibitors["alpha"], small_event.exhibitors["beta"]
    outsider = small_event.outsider
    invite(login_as("exhibitor_admin"), alpha, outsider.email)
    invite(login_as("other_exhibitor"), beta, outsider.email)
    first, second = db.session.scalars(select(TeamInvitation).order_by(TeamInvitation.id)).all()
    services.accept_invitation(second.id, outsider)
    with pytest.raises(services.ExhibitorError, match="another company"):
        services.accept_invitation(first.id, outsider)
    db.session.expire_all()
    assert [role.organization_id for role in exhibitor_roles(outsider)] == [beta.organization_id]
    assert first.status == "pending"
    # Nor can a member of another company be invited in the first place.
    page = invite(login_as("exhibitor_admin"), alpha, outsider.email).get_data(as_text=True)
    assert "already represents another company" in page


def test_the_invitation_is_written_in_the_invited_persons_language(login_as, small_event, outbox):
    outsider = small_event.outsider
    outsider.locale = "ko"
    db.session.commit()
    invite(login_as("exhibitor_admin"), small_event.exhibitors["alpha"], outsider.email)
    (mail,) = outbox("exhibitor_invitation")
    # The company's and the event's names come in the person's language.
    assert "알파로보틱스" in mail[1] and "테스트 엑스포" in mail[1]


@pytest.mark.parametrize(
    ("role", "korean"), [("exhibitor_staff", "기업 직원으로"), ("exhibitor_admin", "기업 관리자로")]
)
def test_the_korean_invitation_names_the_role_as_the_team_list_does(
    login_as, small_event, outbox, role, korean
):
    """The team list says 기업 직원 / 기업 관리자: the invitation said 회사 직원 / 회사 관리자."""
    outsider = small_event.outsider
    outsider.locale = "ko"
    db.session.commit()
    invite(login_as("exhibitor_admin"), small_event.exhibitors["alpha"], outsider.email, role)
    (mail,) = outbox("exhibitor_invitation")
    assert korean in mail[2] and "회사 직원" not in mail[2] and "회사 관리자" not in mail[2]
    page = login_as("outsider").get(f"/e/test-expo/team-invitations/{the_invitation(outsider).id}")
    page = page.get_data(as_text=True)
    assert korean in page and "회사 직원" not in page and "회사 관리자" not in page


@pytest.mark.parametrize("leaving", ["withdrawn", "rejected"])
def test_a_company_leaving_the_event_withdraws_its_invitations(login_as, small_event, leaving):
    alpha, beta = small_event.exhibitors["alpha"], small_event.exhibitors["beta"]
    outsider = small_event.outsider
    invite(login_as("exhibitor_admin"), alpha, outsider.email)
    invite(login_as("other_exhibitor"), beta, small_event.staff.email)
    invitation = the_invitation(outsider)
    if leaving == "withdrawn":
        services.withdraw(alpha, "We cannot come.")
    else:
        services.change_status(alpha, "rejected", "Not a fit.")
    db.session.expire_all()
    assert invitation.status == "withdrawn" and invitation.answered_at is not None
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "exhibitor.invitation_withdrawn")
    )
    assert entry.object_id == str(alpha.id)
    assert (entry.data["invitation"], entry.data["registration"]) == (invitation.id, leaving)
    # Another company's invitation is not touched.
    assert the_invitation(small_event.staff).status == "pending"
    client = login_as("outsider")
    assert 'id="team-invitations"' not in client.get("/e/test-expo/").get_data(as_text=True)
    page = client.post(
        f"/e/test-expo/team-invitations/{invitation.id}/accept?lang=en", follow_redirects=True
    ).get_data(as_text=True)
    assert "Alpha Robotics no longer takes part in" in page
    assert f"(its registration is {leaving})" in page
    db.session.expire_all()
    assert exhibitor_roles(outsider) == [] and outsider.organization_id is None
    # Back at the event, the company invites afresh: the old invitation stays withdrawn.
    if leaving == "withdrawn":
        services.register_again(alpha)
    else:
        services.change_status(alpha, "approved")
    with pytest.raises(services.ExhibitorError, match="no longer open"):
        services.accept_invitation(invitation.id, outsider)
    assert exhibitor_roles(outsider) == []


def test_a_pending_invitation_of_a_company_no_longer_taking_part_is_not_accepted(
    login_as, small_event
):
    """However it stayed pending (made before leaving withdrew invitations), it
    cannot let anyone join a company that has left."""
    alpha = small_event.exhibitors["alpha"]
    outsider = small_event.outsider
    invite(login_as("exhibitor_admin"), alpha, outsider.email)
    invitation = the_invitation(outsider)
    alpha.status = "withdrawn"
    db.session.commit()
    with pytest.raises(services.ExhibitorError, match="no longer takes part"):
        services.accept_invitation(invitation.id, outsider)
    db.session.expire_all()
    assert invitation.status == "pending" and exhibitor_roles(outsider) == []


def test_the_companys_admins_hear_of_each_answer_in_their_language(login_as, small_event, outbox):
    from eventapp.events.services import grant_role

    alpha = small_event.exhibitors["alpha"]
    korean_admin = small_event.staff
    korean_admin.locale = "ko"
    grant_role(small_event.event, korean_admin, "exhibitor_admin", organization=alpha.organization)
    db.session.commit()
    outsider, visitor = small_event.outsider, small_event.attendee
    admin = login_as("exhibitor_admin")
    invite(admin, alpha, outsider.email, role="exhibitor_admin")
    invite(admin, alpha, visitor.email)
    assert outbox("exhibitor_invitation_answer") == []

    url = f"/e/test-expo/team-invitations/{the_invitation(outsider).id}/accept"
    assert login_as("outsider").post(url).status_code == 302
    mails = outbox("exhibitor_invitation_answer")
    # To the admins who were admins before, not to the person who just became one.
    assert sorted(recipient for recipient, _subject, _text in mails) == [
        "exhibitor_admin@example.org",
        "staff@example.org",
    ]
    english = next(mail for mail in mails if mail[0] == "exhibitor_admin@example.org")
    assert english[1] == "Test Expo: Outsider accepted your team invitation"
    assert "Outsider (outsider@example.org) accepted the invitation" in english[2]
    assert "is now a company admin" in english[2]
    assert f"/e/test-expo/exhibitors/{alpha.id}/" in english[2]
    korean = next(mail for mail in mails if mail[0] == "staff@example.org")
    # The event's and the person's names come in the admin's language.
    assert "테스트 엑스포" in korean[1] and "outsider 님" in korean[1]

    url = f"/e/test-expo/team-invitations/{the_invitation(visitor).id}/decline"
    assert login_as("attendee").post(url).status_code == 302
    mails = outbox("exhibitor_invitation_answer")[2:]
    assert sorted(recipient for recipient, _subject, _text in mails) == [
        "exhibitor_admin@example.org",
        "outsider@example.org",
        "staff@example.org",
    ]
    english = next(mail for mail in mails if mail[0] == "exhibitor_admin@example.org")
    assert english[1] == "Test Expo: Attendee declined your team invitation"
    assert "Attendee (attendee@example.org) declined the invitation" in english[2]


# -- expiry ------------------------------------------------------------------------------------


def an_expired_invitation(login_as, small_event):
    """Alpha's admin (a signed-in client) and their invitation of the outsider, whose
    end is moved just into the past, as if its days had gone by."""
    admin = login_as("exhibitor_admin")
    invite(admin, small_event.exhibitors["alpha"], small_event.outsider.email)
    invitation = the_invitation(small_event.outsider)
    invitation.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    return admin, invitation


def test_an_invitation_is_open_for_the_days_set_and_says_until_when(
    app, login_as, small_event, outbox, monkeypatch
):
    monkeypatch.setitem(app.config, "TEAM_INVITATION_DAYS", 3)
    event = small_event.event
    # Shown in the event's time zone, not the server's default (Seoul).
    event.timezone = "America/New_York"
    db.session.commit()
    alpha = small_event.exhibitors["alpha"]
    outsider = small_event.outsider
    invite(login_as("exhibitor_admin"), alpha, outsider.email)
    invitation = the_invitation(outsider)
    assert invitation.expires_at - invitation.created_at == timedelta(days=3)
    until = invitation.expires_at.astimezone(ZoneInfo("America/New_York"))
    shown = until.strftime("%Y-%m-%d %H:%M")
    assert shown != invitation.expires_at.astimezone(ZoneInfo("Asia/Seoul")).strftime(
        "%Y-%m-%d %H:%M"
    )
    # The invited person, who may read it abroad, is told whose clock it is on.
    (mail,) = outbox("exhibitor_invitation")
    assert f"Answer by {shown} (America/New_York); after that, the invitation expires." in mail[2]
    team = login_as("exhibitor_admin").get(f"/e/test-expo/exhibitors/{alpha.id}/?lang=en")
    assert "Open until" in team.get_data(as_text=True)
    assert f"<td>{shown}</td>" in team.get_data(as_text=True)
    client = login_as("outsider")
    home = client.get("/e/test-expo/?lang=en").get_data(as_text=True)
    assert f"Answer by {shown} (United States (New York) Time)." in home
    page = client.get(f"/e/test-expo/team-invitations/{invitation.id}?lang=en")
    assert f"Answer by {shown} (United States (New York) Time)." in page.get_data(as_text=True)
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "exhibitor.member_invited")
    )
    assert entry.data["expires_at"] == invitation.expires_at.isoformat()


def test_an_expired_invitation_is_neither_answered_nor_listed(login_as, small_event, outbox):
    alpha = small_event.exhibitors["alpha"]
    outsider = small_event.outsider
    admin, invitation = an_expired_invitation(login_as, small_event)
    shown = invitation.expires_at.astimezone(ZoneInfo("Asia/Seoul")).strftime("%Y-%m-%d %H:%M")
    refusal = (
        f"This invitation expired on {shown}. "
        "Ask the company admin of Alpha Robotics for a new one."
    )
    client = login_as("outsider")
    assert 'id="team-invitations"' not in client.get("/e/test-expo/").get_data(as_text=True)
    page = client.get(f"/e/test-expo/team-invitations/{invitation.id}?lang=en")
    html = page.get_data(as_text=True)
    assert refusal in html and "Accept" not in html
    for answer in ("accept", "decline"):
        page = client.post(
            f"/e/test-expo/team-invitations/{invitation.id}/{answer}?lang=en",
            data={"role": "exhibitor_staff"},
            follow_redirects=True,
        ).get_data(as_text=True)
        assert refusal in page
    db.session.expire_all()
    assert invitation.status == "pending" and invitation.answered_at is None
    assert exhibitor_roles(outsider) == [] and outsider.organization_id is None
    assert outbox("exhibitor_invitation_answer") == []
    # Not waiting on the team page, nor to be withdrawn any more.
    team = login_as("exhibitor_admin").get(f"/e/test-expo/exhibitors/{alpha.id}/")
    assert 'id="invitations"' not in team.get_data(as_text=True)
    with pytest.raises(services.ExhibitorError, match="no longer open: it is expired"):
        services.withdraw_invitation(alpha, invitation.id)
    assert services.pending_invitations(alpha) == []
    assert services.invitations_for(outsider, small_event.event) == []


def test_an_expired_invitation_is_sent_again_and_its_time_starts_again(
    login_as, small_event, outbox
):
    alpha = small_event.exhibitors["alpha"]
    outsider = small_event.outsider
    admin, invitation = an_expired_invitation(login_as, small_event)
    page = invite(admin, alpha, outsider.email, role="exhibitor_admin").get_data(as_text=True)
    assert "is invited; they join your team once they accept" in page
    db.session.expire_all()
    count = select(func.count()).select_from(TeamInvitation)
    assert db.session.scalar(count) == 1
    assert (invitation.status, invitation.role) == ("pending", "exhibitor_admin")
    assert invitation.expires_at - invitation.created_at == timedelta(days=14)
    assert invitation.created_at > utcnow() - timedelta(minutes=1)
    assert len(outbox("exhibitor_invitation")) == 2
    assert services.pending_invitations(alpha) == [invitation]
    # Open again: not invited twice, and its owner answers it.
    assert "already invited" in invite(admin, alpha, outsider.email).get_data(as_text=True)
    services.accept_invitation(invitation.id, outsider, role="exhibitor_admin")
    db.session.expire_all()
    (role,) = exhibitor_roles(outsider)
    assert role.role == "exhibitor_admin" and invitation.status == "accepted"


@pytest.mark.parametrize("leaving", ["withdrawn", "rejected"])
def test_no_one_is_added_to_the_team_of_a_company_no_longer_taking_part(
    login_as, small_event, outbox, leaving
):
    """Neither a new account told it is on the team nor an invitation that could only
    answer that there is no team to join; the company page offers no form then."""
    alpha = small_event.exhibitors["alpha"]
    if leaving == "withdrawn":
        services.withdraw(alpha, "We cannot come.")
    else:
        services.change_status(alpha, "rejected", "Not a fit.")
    client = login_as("exhibitor_admin")
    users = db.session.scalar(select(func.count()).select_from(services.User))
    page = client.post(
        f"/e/test-expo/exhibitors/{alpha.id}/team?lang=en",
        data={"email": "new.person@example.org", "name": "New Person"},
        follow_redirects=True,
    ).get_data(as_text=True)
    message = (
        f"Alpha Robotics does not take part in Test Expo (its registration is {leaving}): "
        "no one can be added to its team."
    )
    assert message in page
    page = invite(client, alpha, small_event.outsider.email).get_data(as_text=True)
    assert message in page
    assert db.session.scalar(select(func.count()).select_from(services.User)) == users
    assert db.session.scalar(select(func.count()).select_from(TeamInvitation)) == 0
    assert exhibitor_roles(small_event.outsider) == []
    assert outbox("exhibitor_member") == [] and outbox("exhibitor_invitation") == []
    page = client.get(f"/e/test-expo/exhibitors/{alpha.id}/?lang=en").get_data(as_text=True)
    assert 'id="add-person"' not in page and 'id="team-closed"' in page
    assert f"While the registration is {leaving}, no one can be added to the team." in page
    # Registered again (pending), the company builds its team again.
    if leaving == "withdrawn":
        services.register_again(alpha)
        page = client.get(f"/e/test-expo/exhibitors/{alpha.id}/").get_data(as_text=True)
        assert 'id="add-person"' in page
        invite(client, alpha, small_event.outsider.email)
        assert the_invitation(small_event.outsider).status == "pending"


def test_no_one_joins_a_team_once_the_fair_is_over(login_as, small_event, outbox):
    from tests.exhibitors.conftest import end_the_fair

    alpha = small_event.exhibitors["alpha"]
    visitor = small_event.attendee
    invite(login_as("exhibitor_admin"), alpha, visitor.email)
    invitation = the_invitation(visitor)
    assert invitation.status == "pending"
    end_the_fair(small_event.event)
    # The invitation sent before the end is not accepted after it.
    with pytest.raises(services.ExhibitorError, match="no one can join a team any more"):
        services.accept_invitation(invitation.id, visitor)
    db.session.rollback()
    db.session.expire_all()
    assert exhibitor_roles(visitor) == [] and the_invitation(visitor).status == "pending"
    # Nor is anyone added, new account or existing one.
    sent = len(outbox())
    page = invite(login_as("exhibitor_admin"), alpha, "late@example.org").get_data(as_text=True)
    assert "no one can join a team any more" in page
    page = invite(login_as("exhibitor_admin"), alpha, small_event.outsider.email)
    assert "no one can join a team any more" in page.get_data(as_text=True)
    db.session.expire_all()
    assert the_invitation(small_event.outsider) is None
    assert len(outbox()) == sent


def test_a_deactivated_account_is_not_invited(login_as, small_event, outbox):
    """Its owner cannot sign in to answer: the company admin was told the person was
    invited and would join once they accept, and waited for an answer never to come."""
    alpha = small_event.exhibitors["alpha"]
    small_event.outsider.active = False
    db.session.commit()
    client = login_as("exhibitor_admin")
    response = client.post(
        f"/e/test-expo/exhibitors/{alpha.id}/team?lang=en",
        data={"email": "outsider@example.org", "role": "exhibitor_staff"},
    )
    assert response.status_code == 200
    assert (
        "The account of outsider@example.org is deactivated: nobody can sign in with it "
        "to join the team."
    ) in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(TeamInvitation)) == 0
    assert outbox("exhibitor_invitation") == []


def test_an_accepted_invitation_of_someone_taken_off_the_team_says_so(login_as, small_event):
    """The page of an invitation accepted by someone the company admin has taken off the
    team since said only "This invitation is accepted.", as if they were still on it."""
    alpha = small_event.exhibitors["alpha"]
    outsider = small_event.outsider
    invite(login_as("exhibitor_admin"), alpha, outsider.email)
    invitation = the_invitation(outsider)
    services.accept_invitation(invitation.id, outsider)
    page = f"/e/test-expo/team-invitations/{invitation.id}?lang=en"
    text = login_as("outsider").get(page).get_data(as_text=True)
    assert "This invitation is accepted." in text and 'id="left-team"' not in text
    admin = login_as("exhibitor_admin")
    response = admin.post(f"/e/test-expo/exhibitors/{alpha.id}/team/{outsider.id}/remove")
    assert response.status_code == 302
    db.session.expire_all()
    assert company_of(outsider, small_event.event) is None
    text = login_as("outsider").get(page).get_data(as_text=True)
    assert "This invitation is accepted." not in text
    assert "you are no longer on the team of Alpha Robotics" in text


def test_an_address_with_spaces_around_it_is_invited(login_as, small_event):
    """A team member's address pasted with spaces around it (by a form not sent from a
    browser, which strips them) was refused as not an e-mail address."""
    outsider = small_event.outsider
    invite(login_as("exhibitor_admin"), small_event.exhibitors["alpha"], f"  {outsider.email} ")
    assert the_invitation(outsider) is not None
