"""An attendee who signed up on their own (no exhibitor's team, no company) names
the company they come for, and can then take part in the meetup."""

import pytest
from sqlalchemy import func, select

from eventapp.accounts.models import User
from eventapp.core.audit import AuditEntry
from eventapp.events.models import EventRole
from eventapp.extensions import db
from eventapp.meetings.models import MeetingProfile
from eventapp.organizations.models import Organization
from tests.conftest import PASSWORD, add_other_event, login

COMPANY = "/e/test-expo/meetings/company"


def _visitor(event, key="buyer"):
    """An account registered for the event as attendee, with no company."""
    user = User(email=f"{key}@example.org", name_ko=f"{key} 님", name_en=key.title(), locale="en")
    user.set_password(PASSWORD)
    db.session.add_all([user, EventRole(event=event, user=user, role="attendee")])
    db.session.commit()
    return user


def _organizations():
    return db.session.scalar(select(func.count()).select_from(Organization))


def test_an_attendee_with_no_company_names_one_and_joins_the_meetup(meetup, client):
    visitor = _visitor(meetup.event)
    login(client, visitor)
    page = client.get("/e/test-expo/meetings/?lang=en").get_data(as_text=True)
    assert "Name your company" in page and COMPANY in page
    assert "기업 정보 입력" in client.get("/e/test-expo/meetings/?lang=ko").get_data(as_text=True)
    # Refused with the field that is missing; nothing made.
    before = _organizations()
    response = client.post(COMPANY + "?lang=en", data={"kind": "investor", "sector": "ai"})
    assert response.status_code == 200
    assert "Give the company name in Korean or English." in response.get_data(as_text=True)
    assert _organizations() == before

    response = client.post(
        COMPANY,
        data={
            "name_ko": "한빛벤처스",
            "name_en": "Hanbit Ventures",
            "kind": "investor",
            "sector": "robotics",
            "country": "KR",
            "website": "hanbit.example.org",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/e/test-expo/meetings/profile")
    db.session.expire_all()
    visitor = db.session.get(User, visitor.id)
    company = visitor.organization
    assert (company.name_en, company.kind, company.sector, company.website) == (
        "Hanbit Ventures",
        "investor",
        "robotics",
        "https://hanbit.example.org",
    )
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "organization.named"))
    assert entry.user_id == visitor.id and entry.data["name"] == "Hanbit Ventures"

    response = client.post(
        "/e/test-expo/meetings/profile",
        data={"offer_en": "Series A funding", "sector": "robotics", "country": "KR"},
    )
    assert response.status_code == 302
    profile = db.session.scalar(
        select(MeetingProfile).where(MeetingProfile.organization_id == company.id)
    )
    assert profile is not None and profile.offer_en == "Series A funding"
    # The page now is the participant's, with no offer to name a company.
    page = client.get("/e/test-expo/meetings/?lang=en").get_data(as_text=True)
    assert "Name your company" not in page


def test_a_second_company_is_not_named(meetup, client):
    """A second tap on the form (or an old tab) names no second company."""
    visitor = _visitor(meetup.event)
    login(client, visitor)
    form = {"name_en": "Hanbit Ventures", "kind": "investor", "sector": "ai", "country": "KR"}
    assert client.post(COMPANY, data=form).status_code == 302
    before = _organizations()
    # The page itself sends a linked account on to its profile.
    response = client.get(COMPANY)
    assert response.headers["Location"].endswith("/e/test-expo/meetings/profile")
    from eventapp.meetings import services

    visitor = db.session.get(User, visitor.id)
    with pytest.raises(services.MeetingError, match="Hanbit Ventures"):
        services.name_company(meetup.event, visitor, {**form, "name_en": "Another"})
    db.session.rollback()
    assert _organizations() == before


def test_only_attendees_with_no_company_are_offered_the_form(meetup, client):
    # Organizers (no attendee role) and members of a company are not offered it.
    for user in (meetup.organizer, meetup.exhibitor_admin, meetup.attendee):
        client.post("/logout")
        login(client, user)
        page = client.get("/e/test-expo/meetings/?lang=en").get_data(as_text=True)
        assert "Name your company" not in page
    before = _organizations()
    from eventapp.meetings import services

    organizer = db.session.get(User, meetup.organizer.id)
    with pytest.raises(services.MeetingError, match="Register for the event first"):
        services.name_company(meetup.event, organizer, {"name_en": "X", "kind": "startup"})
    db.session.rollback()
    assert _organizations() == before


def test_an_exhibitors_name_is_not_named_again(meetup, client):
    """Someone of an exhibiting company who signed up alone would make it twice, its
    meetings split between the two; they are sent to its team instead, and what
    they typed stays on the form."""
    visitor = _visitor(meetup.event)
    login(client, visitor)
    before = _organizations()
    for name in ({"name_en": "alpha robotics"}, {"name_ko": "베타바이오"}):
        response = client.post(
            COMPANY + "?lang=en", data={**name, "kind": "startup", "sector": "ai", "country": "KR"}
        )
        page = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "exhibits at Test Expo. If you work there, ask the colleague" in page
        assert next(iter(name.values())) in page
    assert _organizations() == before
    assert db.session.get(User, visitor.id).organization_id is None
    # A company that does not exhibit here (Gamma only attends), or no longer takes
    # part (Beta withdrew), is named as before.
    meetup.exhibitors["beta"].status = "withdrawn"
    db.session.commit()
    response = client.post(
        COMPANY, data={"name_ko": "베타바이오", "kind": "startup", "sector": "bio"}
    )
    assert response.status_code == 302


def test_a_company_another_attendee_named_is_not_named_again(meetup, client):
    """Two people of one company who signed up alone would make it twice, with two
    profiles that partners meet separately: the second is told it is registered
    already, and what they typed stays on the form."""
    first = _visitor(meetup.event, "kim")
    login(client, first)
    form = {"name_ko": "한빛벤처스", "name_en": "Hanbit Ventures", "kind": "investor"}
    assert client.post(COMPANY, data={**form, "sector": "ai", "country": "KR"}).status_code == 302
    client.post("/logout")
    second = _visitor(meetup.event, "lee")
    login(client, second)
    before = _organizations()
    # Whatever the case and the spaces, in either language; Gamma Group is the
    # company the event's attendee came for.
    for name in (
        {"name_en": "  hanbit   VENTURES "},
        {"name_ko": "한빛 벤처스", "name_en": "Hanbit VC"},
        {"name_ko": "감마 그룹"},
    ):
        response = client.post(
            COMPANY + "?lang=en", data={**name, "kind": "investor", "sector": "ai", "country": "KR"}
        )
        page = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "is already registered for Test Expo by another attendee." in page
        # The way in for a colleague: an invitation from the company's profile page.
        assert "ask the colleague who registered it to invite you from its meetup" in page
        assert 'value="' + next(iter(name.values())) + '"' in page
    korean = client.post(
        COMPANY + "?lang=ko",
        data={"name_en": "HANBIT VENTURES", "kind": "investor", "sector": "ai"},
    ).get_data(as_text=True)
    assert "다른 참가자가 이미 테스트 엑스포에 등록한 기업입니다." in korean
    assert _organizations() == before
    assert db.session.get(User, second.id).organization_id is None

    # A company named only at another event is no company of this one.
    other = add_other_event()
    elsewhere = _visitor(other, "park")
    elsewhere.organization = Organization(
        name_ko="델타", name_en="Delta Labs", kind="startup", sector="ai"
    )
    db.session.commit()
    response = client.post(
        COMPANY, data={"name_en": "Delta Labs", "kind": "startup", "sector": "ai"}
    )
    assert response.status_code == 302
    assert db.session.get(User, second.id).organization.name_en == "Delta Labs"


def test_an_invitation_warns_of_the_meetup_company_left_behind(meetup, client):
    """Accepting a team invitation makes the person act for the inviting company in the
    meetup: the requests and meetings of the company they took part for stay with it,
    out of their sight. The invitation says so while any are open."""
    from eventapp.exhibitors import services as exhibitors
    from eventapp.meetings import services

    alpha, gamma = meetup.profiles["alpha"], meetup.profiles["gamma"]
    visitor = meetup.attendee  # acts for gamma in the meetup
    invitation = exhibitors.invite_member(meetup.exhibitors["beta"], visitor, "exhibitor_staff")
    db.session.commit()
    url = f"/e/test-expo/team-invitations/{invitation.id}?lang=en"
    login(client, visitor)
    assert 'id="meetup-left-behind"' not in client.get(url).get_data(as_text=True)

    request = services.send_request(meetup.event, alpha, gamma, meetup.exhibitor_admin)
    db.session.commit()
    page = client.get(url).get_data(as_text=True)
    assert 'id="meetup-left-behind"' in page
    assert "You take part in the meetup for Gamma Group, which still has" in page

    # Declined, the request no longer waits on anybody.
    services.decline_request(request, gamma, visitor, "Not this year")
    db.session.commit()
    assert 'id="meetup-left-behind"' not in client.get(url).get_data(as_text=True)


def test_two_attendees_naming_one_company_at_once_make_it_once(meetup, live_server):
    """Each checked that no attendee had named it yet, then both named it: the
    company took part twice, its meetings split between the two."""
    from tests.meetings.conftest import HttpSession
    from tests.meetings.test_booking_concurrency import _fire

    visitors = [_visitor(meetup.event, key) for key in ("buyer", "investor")]
    sessions = [HttpSession(live_server.url).login(v.email) for v in visitors]
    form = {"name_en": "Hanbit Ventures", "kind": "investor", "sector": "ai", "country": "KR"}
    db.session.commit()
    for attempt in range(3):
        named = {**form, "name_en": f"Hanbit Ventures {attempt}"}
        results = _fire([(session, COMPANY + "?lang=en", named) for session in sessions])
        assert sorted(status for status, _location in results) == [200, 302], results
        db.session.commit()  # a fresh read
        count = db.session.scalar(
            select(func.count())
            .select_from(Organization)
            .where(Organization.name_en == named["name_en"])
        )
        assert count == 1
        # One of the two is linked to it; both try again, free, on the next round.
        for visitor in visitors:
            db.session.refresh(visitor)
        assert sorted(v.organization_id is None for v in visitors) == [False, True]
        for visitor in visitors:
            visitor.organization_id = None
        db.session.commit()


def test_the_only_person_of_a_company_in_the_meetup_keeps_it_until_its_requests_end(
    meetup, english
):
    """Accepting a team invitation made the attendee act for the exhibitor instead:
    Gamma Group, which they alone represented, was left with nobody for its meetings."""
    from eventapp.exhibitors import services as exhibitors
    from eventapp.exhibitors.models import TeamInvitation
    from eventapp.meetings import services
    from tests.meetings.conftest import accepted_request

    gamma = meetup.profiles["gamma"]
    accepted_request(meetup.event, meetup.profiles["alpha"], gamma, meetup.exhibitor_admin)
    db.session.commit()
    beta = meetup.exhibitors["beta"]
    exhibitors.add_member(beta, meetup.attendee.email)
    invitation = db.session.scalar(select(TeamInvitation))
    attendee = db.session.get(User, meetup.attendee.id)
    with pytest.raises(
        exhibitors.ExhibitorError,
        match="You alone take part in the meetup for Gamma Group, which has requests",
    ):
        exhibitors.accept_invitation(invitation.id, attendee)
    db.session.rollback()
    assert services.participant_organization(attendee, meetup.event).name_en == "Gamma Group"
    assert [u.id for u in gamma.contacts()] == [attendee.id]
    # With a colleague to carry its meetings on, they may go.
    colleague = User(
        email="colleague@example.org", name_en="Colleague", organization=gamma.organization
    )
    colleague.set_password(PASSWORD)
    db.session.add_all([colleague, EventRole(event=meetup.event, user=colleague, role="attendee")])
    db.session.commit()
    exhibitors.accept_invitation(invitation.id, attendee)
    db.session.commit()
    assert services.participant_organization(attendee, meetup.event).name_en == "Beta Bio"
    assert [u.email for u in gamma.contacts()] == ["colleague@example.org"]
