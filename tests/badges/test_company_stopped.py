"""A company that withdraws or is rejected no longer has valid badges printed for its
team; approved again, its team gets new prints."""

from sqlalchemy import select

from eventapp.badges import services
from eventapp.core.audit import AuditEntry
from eventapp.events.models import EventRole
from eventapp.exhibitors import services as exhibitors
from eventapp.extensions import db
from tests.conftest import fair_to_come


def _entries(action):
    return db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
    ).all()


def _issued(small_event, *keys):
    """The badges of these people and their codes, printed now."""
    badges = [services.issue_badge(small_event.event, small_event[key]) for key in keys]
    db.session.commit()
    return badges, [services.badge_code(badge) for badge in badges]


def _page(client, path, lang):
    return client.get(f"{path}?lang={lang}").get_data(as_text=True)


def test_withdrawal_revokes_the_teams_badges_and_says_why(login_as, small_event, outbox):
    """The visitor who merely works for the company keeps theirs, as does the other
    exhibitor's team."""
    fair_to_come(small_event.event)  # once it is over, a company no longer withdraws
    event, alpha = small_event.event, small_event.exhibitors["alpha"]
    small_event.attendee.organization = alpha.organization
    (admin, staff, visitor, other), codes = _issued(
        small_event, "exhibitor_admin", "exhibitor_staff", "attendee", "other_exhibitor"
    )
    assert (visitor.organization_id, visitor.category) == (alpha.organization_id, "startup")
    client = login_as("exhibitor_admin")
    response = client.post(
        f"/e/test-expo/exhibitors/{alpha.id}/withdraw", data={"reason": "budget cut"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert [b.is_revoked for b in (admin, staff, visitor, other)] == [True, True, False, False]
    assert [services.verify_code(code, event).status for code in codes] == [
        "revoked",
        "revoked",
        "valid",
        "valid",
    ]
    assert services.revocation_list(event)["revoked"] == [admin.id, staff.id]
    revoked = _entries("badge.revoked")
    assert [e.object_id for e in revoked] == [str(admin.id), str(staff.id)]
    assert revoked[0].user_id == small_event.exhibitor_admin.id
    assert revoked[0].data == {
        "issue": 1,
        "reason": "Alpha Robotics withdrew from the event",
        "company_stopped": alpha.organization_id,
        "registration": "withdrawn",
    }
    (changed,) = _entries("exhibitor.status_changed")
    assert changed.data["badges_revoked"] == [admin.id, staff.id]
    assert changed.data["badges_reissued"] == []
    (mail,) = outbox("exhibitor_status")
    assert "The badges printed for your team at this event no longer admit anybody." in mail[2]

    # The company's badge list says why, in the reader's language; the visitor who
    # merely works there is not its business.
    path = f"/e/test-expo/badges/company/{alpha.organization_id}"
    page = _page(client, path, "en")
    assert page.count("Alpha Robotics withdrew from the event.") == 2
    assert "Attendee" not in page
    assert _page(client, path, "ko").count("알파로보틱스가 행사 참가를 철회했습니다.") == 2
    db.session.expire_all()
    assert staff.is_revoked  # the page's refresh of its people's badges keeps them revoked
    # So do the badge's page and the registration's history, for organizers.
    organizer = login_as("organizer")
    page = _page(organizer, f"/e/test-expo/manage/badges/{staff.id}", "en")
    assert "Reason: Alpha Robotics withdrew from the event." in page
    page = _page(organizer, f"/e/test-expo/manage/badges/{staff.id}", "ko")
    assert "알파로보틱스가 행사 참가를 철회했습니다." in page
    page = _page(organizer, f"/e/test-expo/manage/exhibitors/{alpha.id}", "en")
    assert "2 badges printed for the company are revoked." in page


def test_rejection_after_approval_revokes_them_too(login_as, small_event):
    fair_to_come(small_event.event)  # once it is over, an exhibitor is no longer rejected
    event, alpha = small_event.event, small_event.exhibitors["alpha"]
    (staff,), (code,) = _issued(small_event, "exhibitor_staff")
    services.set_category(staff, "vip")  # the print names the company all the same
    db.session.commit()
    organizer = login_as("organizer")
    response = organizer.post(
        f"/e/test-expo/manage/exhibitors/{alpha.id}/decision",
        data={"status": "rejected", "reason": "no insurance"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert alpha.status == "rejected"
    assert services.verify_code(code, event).status == "revoked"
    (revoked,) = _entries("badge.revoked")
    assert revoked.data["company_stopped"] == alpha.organization_id
    assert revoked.data["registration"] == "rejected"
    page = _page(organizer, f"/e/test-expo/manage/badges/{staff.id}", "en")
    assert "Reason: Alpha Robotics no longer exhibits at the event." in page
    page = _page(organizer, f"/e/test-expo/manage/exhibitors/{alpha.id}", "en")
    assert "1 badge printed for the company is revoked." in page
    client = login_as("exhibitor_admin")
    path = f"/e/test-expo/badges/company/{alpha.organization_id}"
    assert "Alpha Robotics no longer exhibits at the event." in _page(client, path, "en")
    assert "알파로보틱스는 더 이상 이 행사에 참가하지 않습니다." in _page(client, path, "ko")


def test_a_pending_company_rejected_loses_the_badges_printed_for_it(small_event):
    """Never approved, its team was printed badges all the same (they follow the
    roles): rejected, the company has no team at the event any more."""
    event, alpha = small_event.event, small_event.exhibitors["alpha"]
    alpha.status = "pending"
    (staff,), (code,) = _issued(small_event, "exhibitor_staff")
    assert (staff.category, staff.organization_id) == ("exhibitor", alpha.organization_id)
    exhibitors.change_status(alpha, "rejected", "not our sector")
    assert services.verify_code(code, event).status == "revoked"


def test_approved_again_the_team_gets_new_prints(small_event, outbox):
    """Registering again does not bring the old codes back, nor any new print: the
    organizers' approval does, on new codes; the old ones stay refused."""
    fair_to_come(small_event.event)
    event, alpha = small_event.event, small_event.exhibitors["alpha"]
    (admin, staff), codes = _issued(small_event, "exhibitor_admin", "exhibitor_staff")
    exhibitors.withdraw(alpha, "budget cut")
    exhibitors.register_again(alpha)
    services.sync_badges(event)
    db.session.commit()
    assert admin.is_revoked and staff.is_revoked and alpha.status == "pending"

    exhibitors.change_status(alpha, "approved")
    db.session.expire_all()
    for badge, code in zip((admin, staff), codes, strict=True):
        assert (badge.is_revoked, badge.issue) == (False, 2)
        assert (badge.category, badge.organization_en) == ("exhibitor", "Alpha Robotics")
        assert services.verify_code(services.badge_code(badge), event).status == "valid"
        assert services.verify_code(code, event).status == "revoked"
    reissued = _entries("badge.reissued")
    assert [(e.object_id, e.data["restored"]) for e in reissued] == [
        (str(admin.id), True),
        (str(staff.id), True),
    ]
    assert _entries("exhibitor.status_changed")[-1].data["badges_reissued"] == [admin.id, staff.id]
    approved = outbox("exhibitor_status")[-1][2]
    assert "The badges of your team are reissued with new codes" in approved
    assert "printed for your team at this event" not in approved


def test_approval_leaves_alone_who_left_and_what_the_organizers_revoked(small_event):
    fair_to_come(small_event.event)  # once it is over, an exhibitor is no longer rejected
    alpha = small_event.exhibitors["alpha"]
    small_event.attendee.organization = alpha.organization
    (admin, staff, visitor), _codes = _issued(
        small_event, "exhibitor_admin", "exhibitor_staff", "attendee"
    )
    services.revoke_badge(visitor, reason="resold the ticket")
    db.session.commit()
    exhibitors.change_status(alpha, "rejected", "no insurance")
    # Taken off the team meanwhile: no print for the company any more.
    exhibitors.remove_member(alpha, small_event.exhibitor_staff.id)
    services.revoke_badge(admin, reason="lost")  # already revoked: the first reason stands
    db.session.commit()

    exhibitors.change_status(alpha, "approved")
    db.session.expire_all()
    assert (admin.is_revoked, admin.issue) == (False, 2)
    assert (staff.is_revoked, staff.issue) == (True, 1)
    assert (visitor.is_revoked, visitor.issue) == (True, 1)
    assert [e.object_id for e in _entries("badge.reissued")] == [str(admin.id)]

    # A company approved for the first time: its people's badges revoked by the
    # organizers stay so.
    beta = small_event.exhibitors["beta"]
    beta.status = "pending"
    (other,), _codes = _issued(small_event, "other_exhibitor")
    services.revoke_badge(other, reason="lost")
    db.session.commit()
    exhibitors.change_status(beta, "approved")
    db.session.expire_all()
    assert (other.is_revoked, other.issue) == (True, 1)
    assert len(_entries("badge.reissued")) == 1


def test_while_it_does_not_exhibit_its_team_is_printed_no_valid_badge(app, login_as, small_event):
    """Its people keep their exhibitor role (the company may register again), so their
    own page, the company's and the organizers' bulk issue would print them one as its
    exhibitor: issued revoked, saying why. Nor does the desk reissue one; the
    organizers' approval again gives the whole team new prints."""
    fair_to_come(small_event.event)
    event, alpha = small_event.event, small_event.exhibitors["alpha"]
    (admin,), _codes = _issued(small_event, "exhibitor_admin")
    exhibitors.withdraw(alpha, "budget cut")
    # Nobody printed the staff member a badge before.
    page = _page(login_as("exhibitor_staff"), "/e/test-expo/badge", "en")
    assert "This badge has been revoked." in page
    staff = services.badge_of(event, small_event.exhibitor_staff)
    assert staff.is_revoked and staff.organization_id == alpha.organization_id
    db.session.add(
        EventRole(
            event=event,
            user=small_event.outsider,
            role="exhibitor_staff",
            organization=alpha.organization,
        )
    )
    db.session.commit()
    organizer = login_as("organizer")
    assert organizer.post("/e/test-expo/manage/badges/issue").status_code == 302
    db.session.expire_all()
    outsider = services.badge_of(event, small_event.outsider)
    assert outsider.is_revoked
    revoked = _entries("badge.revoked")
    assert [e.object_id for e in revoked] == [str(b.id) for b in (admin, staff, outsider)]
    assert {e.data["company_stopped"] for e in revoked} == {alpha.organization_id}
    page = _page(organizer, f"/e/test-expo/manage/badges/{outsider.id}", "en")
    assert "Reason: Alpha Robotics withdrew from the event." in page

    response = organizer.post(
        f"/e/test-expo/manage/badges/{admin.id}/reissue?lang=en", follow_redirects=True
    )
    assert (
        "Alpha Robotics no longer exhibits at the event: the badges of its team are "
        "reissued when the organizers approve it again."
    ) in response.get_data(as_text=True)
    db.session.expire_all()
    assert (admin.is_revoked, admin.issue) == (True, 1)
    result = app.test_cli_runner().invoke(args=["badges", "reissue", str(admin.id)])
    assert result.exit_code == 1
    assert f"badge {admin.id} not reissued: Alpha Robotics no longer exhibits" in result.output
    db.session.expire_all()
    assert (admin.is_revoked, admin.issue) == (True, 1)

    exhibitors.register_again(alpha)
    exhibitors.change_status(alpha, "approved")
    db.session.expire_all()
    for badge in (admin, staff, outsider):
        assert (badge.is_revoked, badge.issue, badge.category) == (False, 2, "exhibitor")
        assert services.verify_code(services.badge_code(badge), event).status == "valid"


def test_an_organizer_or_staff_on_the_team_keeps_their_badge(small_event):
    """They run the event: the company's leaving does not keep them out. Their badge
    is not revoked, one printed while the company does not exhibit is valid, and the
    desk may reissue it."""
    fair_to_come(small_event.event)  # once it is over, a company no longer withdraws
    event, alpha = small_event.event, small_event.exhibitors["alpha"]
    for key in ("organizer", "staff"):
        db.session.add(
            EventRole(
                event=event,
                user=small_event[key],
                role="exhibitor_staff",
                organization=alpha.organization,
            )
        )
    db.session.commit()
    (organizer, member), codes = _issued(small_event, "organizer", "exhibitor_staff")
    assert (organizer.category, organizer.organization_id) == ("organizer", alpha.organization_id)
    exhibitors.withdraw(alpha, "budget cut")
    db.session.expire_all()
    assert (organizer.is_revoked, member.is_revoked) == (False, True)
    assert services.verify_code(codes[0], event).status == "valid"

    # Printed while the company does not exhibit: valid.
    staff = services.issue_badge(event, small_event.staff)
    db.session.commit()
    assert (staff.category, staff.is_revoked) == ("staff", False)
    services.sync_badges(event)
    db.session.commit()
    db.session.expire_all()
    assert not staff.is_revoked and not organizer.is_revoked

    services.reissue_badge(organizer)
    db.session.commit()
    assert (organizer.issue, organizer.is_revoked) == (2, False)


def test_a_member_who_is_also_an_attendee_gets_an_attendees_badge(small_event):
    """On the team of a company that withdrew, and registered as an attendee too: the
    company's print is revoked, and the desk's reissue (or a first print) gives them a
    valid attendee's badge (a startup's: their company's kind) that names no booth and
    is not the exhibitor's; approved again, the team's prints name the company once
    more."""
    fair_to_come(small_event.event)
    event, alpha = small_event.event, small_event.exhibitors["alpha"]
    staff, admin = small_event.exhibitor_staff, small_event.exhibitor_admin
    for person in (staff, admin):
        db.session.add(EventRole(event=event, user=person, role="attendee"))
    db.session.commit()
    (badge,), (code,) = _issued(small_event, "exhibitor_staff")
    assert badge.category == "exhibitor"
    exhibitors.withdraw(alpha, "budget cut")
    db.session.expire_all()
    assert services.verify_code(code, event).status == "revoked"

    services.reissue_badge(badge)
    db.session.commit()
    assert (badge.is_revoked, badge.issue, badge.category, badge.booth) == (
        False,
        2,
        "startup",
        "",
    )
    assert services.verify_code(services.badge_code(badge), event).status == "valid"
    assert services.verify_code(code, event).status == "revoked"
    # Nobody printed the admin a badge before: the first print is a visitor's, valid.
    first = services.issue_badge(event, admin)
    services.sync_badges(event)
    db.session.commit()
    assert (first.is_revoked, first.category) == (False, "startup")
    assert "exhibitor" not in {b.category for b in (badge, first)}

    exhibitors.register_again(alpha)
    exhibitors.change_status(alpha, "approved")
    services.sync_badges(event)
    db.session.commit()
    db.session.expire_all()
    for person in (badge, first):
        assert (person.category, person.organization_id) == ("exhibitor", alpha.organization_id)
