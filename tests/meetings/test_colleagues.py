"""The people of a company named by an attendee (one that does not exhibit, so has
no team page) add their colleagues: a link mailed to the colleague's account links
it to the company once its owner accepts."""

import email
import email.policy
import re
from datetime import timedelta

import time_machine
from sqlalchemy import func, select

from eventapp.accounts.models import User
from eventapp.core.audit import AuditEntry
from eventapp.events.models import EventRole
from eventapp.extensions import db
from eventapp.meetings import services
from tests.conftest import PASSWORD, login, mailed_path

BASE = "/e/test-expo/meetings"


def _account(key, organization=None, *, attendee_of=None, locale="en"):
    user = User(
        email=f"{key}@example.org", name_en=key.title(), locale=locale, organization=organization
    )
    user.set_password(PASSWORD)
    db.session.add(user)
    if attendee_of is not None:
        db.session.add(EventRole(event=attendee_of, user=user, role="attendee"))
    db.session.commit()
    return user


def _link(outbox, email):
    (mail,) = [m for m in outbox("meeting_colleague_invitation") if m[0] == email]
    return mail, mailed_path(mail[2])


def _invited_by_link(client, outbox, inviter, email):
    """The path of the link `inviter` mailed to `email`, signed out again."""
    login(client, inviter)
    _invite(client, email)
    _mail, path = _link(outbox, email)
    client.post("/logout")
    return path


def _invite(client, email):
    return client.post(
        f"{BASE}/colleagues?lang=en", data={"email": email}, follow_redirects=True
    ).get_data(as_text=True)


def test_a_colleague_invited_by_link_takes_part_for_the_company(meetup, client, outbox):
    gamma = meetup.profiles["gamma"]  # Gamma Group does not exhibit; its attendee named it
    colleague = _account("colleague", attendee_of=meetup.event)
    login(client, meetup.attendee)
    page = client.get(f"{BASE}/profile?lang=en").get_data(as_text=True)
    assert 'id="colleagues"' in page and "Attendee" in page
    page = _invite(client, "Colleague@Example.org ")
    assert "An invitation is sent to colleague@example.org." in page
    (recipient, subject, text), path = _link(outbox, "colleague@example.org")
    assert subject == "Test Expo: Attendee invites you to the meetup for Gamma Group"
    assert "(Asia/Seoul)" in text and "ignore this message" in text
    # Not linked before its owner accepts.
    db.session.expire_all()
    assert services.participant_organization(colleague, meetup.event) is None

    client.post("/logout")
    login(client, colleague)
    page = client.get(path + "?lang=en").get_data(as_text=True)
    assert "Take part for Gamma Group" in page
    response = client.post(path)
    assert response.status_code == 302 and response.location.endswith(f"{BASE}/profile")
    db.session.expire_all()
    colleague = db.session.get(User, colleague.id)
    assert services.participant_organization(colleague, meetup.event).name_en == "Gamma Group"
    assert {u.email for u in gamma.contacts()} == {"attendee@example.org", "colleague@example.org"}
    actions = db.session.scalars(
        select(AuditEntry.action)
        .where(AuditEntry.action.like("organization.colleague%"))
        .order_by(AuditEntry.id)
    ).all()
    assert actions == ["organization.colleague_invited", "organization.colleague_joined"]
    # The colleague's meetup pages are the company's.
    page = client.get(f"{BASE}/profile?lang=en").get_data(as_text=True)
    assert "<h2>Gamma Group</h2>" in page and "Name your company" not in page


def test_a_colleague_who_joins_gets_the_invitations_of_the_company_s_meetings(
    meetup, client, outbox
):
    """Taking part for the company, the colleague attends its meetings still to come:
    they got no invitation of those, and the partner's calendar did not list them."""
    from tests.meetings.conftest import booked_meeting

    meeting = booked_meeting(meetup)
    colleague = _account("colleague", attendee_of=meetup.event)
    path = _invited_by_link(client, outbox, meetup.attendee, "colleague@example.org")
    login(client, colleague)
    assert client.post(path).status_code == 302
    (joined,) = outbox("meeting_joined")
    assert joined[0] == "colleague@example.org"
    assert joined[1].startswith("Invitation: meeting with Alpha Robotics")
    db.session.expire_all()
    assert db.session.get(type(meeting), meeting.id).sequence == 1
    assert sorted(m[0] for m in outbox("meeting_team_changed")) == [
        "attendee@example.org",
        "exhibitor_admin@example.org",
        "exhibitor_staff@example.org",
    ]
    assert "Colleague joined the team of Gamma Group" in outbox("meeting_team_changed")[0][2]


def test_long_names_of_event_person_and_company_still_send_the_invitation(meetup, client, outbox):
    """The subject names the event, the inviter and the company, each as long as its
    column allows: together longer than the outbox keeps of a subject (PostgreSQL
    refused the row, and the invitation failed with a server error)."""
    from eventapp.notifications.models import OutboxMessage

    event, gamma = meetup.event, meetup.profiles["gamma"]
    event.name_en = ("Global Industrial Complex Innovation Expo " * 4).strip()
    meetup.attendee.name_en = ("Alexandra Konstantinopoulou-Vanderberg " * 2).strip()
    gamma.organization.name_en = ("Gamma Advanced Manufacturing and Materials Group " * 4).strip()
    db.session.commit()
    _account("colleague", attendee_of=event)
    login(client, meetup.attendee)
    page = _invite(client, "colleague@example.org")
    assert "An invitation is sent to colleague@example.org." in page
    (_recipient, subject, _text), _path = _link(outbox, "colleague@example.org")
    limit = OutboxMessage.subject.type.length
    assert len(subject) == limit
    # The mail itself carries the whole subject.
    raw = db.session.scalars(
        select(OutboxMessage.raw).where(OutboxMessage.kind == "meeting_colleague_invitation")
    ).one()
    whole = email.message_from_bytes(raw, policy=email.policy.default)["Subject"]
    assert len(whole) > limit and whole.startswith(subject[:-1])
    assert whole.endswith("for " + gamma.organization.name_en)


def test_a_colleague_not_yet_registered_is_registered_on_joining(meetup, client, outbox):
    _account("newcomer")
    login(client, meetup.attendee)
    _invite(client, "newcomer@example.org")
    _mail, path = _link(outbox, "newcomer@example.org")
    client.post("/logout")
    newcomer = db.session.scalar(select(User).where(User.email == "newcomer@example.org"))
    login(client, newcomer)
    assert client.post(path).status_code == 302
    role = db.session.scalar(
        select(EventRole).where(EventRole.user_id == newcomer.id, EventRole.role == "attendee")
    )
    assert role is not None and role.event_id == meetup.event.id


def test_invitations_that_would_mislink_are_refused(meetup, client, outbox):
    other = _account("other", meetup.companies["beta"])  # linked to another company
    login(client, meetup.attendee)
    assert "No account uses nobody@example.org." in _invite(client, "nobody@example.org")
    assert "is linked to another company" in _invite(client, other.email)
    assert "already takes part for Gamma Group" in _invite(client, meetup.attendee.email)
    assert outbox("meeting_colleague_invitation") == []
    # An exhibitor's people use its team page.
    client.post("/logout")
    login(client, meetup.exhibitor_admin)
    page = client.get(f"{BASE}/profile?lang=en").get_data(as_text=True)
    assert 'id="colleagues"' not in page
    assert "an exhibitor&#39;s company admins add them" in _invite(client, "x@example.org")


def test_a_link_works_only_for_its_account_and_its_time(meetup, client, outbox):
    _account("colleague", attendee_of=meetup.event)
    intruder = _account("intruder", attendee_of=meetup.event)
    path = _invited_by_link(client, outbox, meetup.attendee, "colleague@example.org")
    # Another account, even registered, is not let in by a forwarded link.
    login(client, intruder)
    response = client.post(path + "?lang=en")
    assert response.status_code == 400
    assert "This invitation is for another account." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, intruder.id).organization_id is None
    # A tampered link, and one older than its days, are refused.
    assert client.get(path[:-3] + "xyz?lang=en").status_code == 400
    client.post("/logout")
    colleague = db.session.scalar(select(User).where(User.email == "colleague@example.org"))
    login(client, colleague)
    later = services.COLLEAGUE_LINK_DAYS + 1
    with time_machine.travel(timedelta(days=later), tick=True):
        login(client, colleague)
        response = client.post(path + "?lang=en")
        assert "This link has expired." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, colleague.id).organization_id is None


def test_the_link_asks_for_a_sign_in_first(meetup, client, outbox):
    _account("colleague", attendee_of=meetup.event)
    login(client, meetup.attendee)
    _invite(client, "colleague@example.org")
    _mail, path = _link(outbox, "colleague@example.org")
    client.post("/logout")
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.location


def _email_field(page):
    """The value of the Colleagues card's address box and the errors under it."""
    import html

    card = page.split('id="colleagues"', 1)[1]
    box = re.search(r'<div class="field\s*([^"]*)">(.*?)</div>', card, re.S)
    value = re.search(r'<input[^>]*name="email"[^>]*value="([^"]*)"', box.group(2))
    errors = re.findall(r'<p class="error" role="alert">([^<]*)</p>', box.group(2))
    return (
        "has-error" in box.group(1),
        html.unescape(value.group(1)) if value else "",
        [html.unescape(e) for e in errors],
    )


def test_a_refused_invitation_keeps_the_address_typed(meetup, client, outbox):
    """Refused (no such account, a typo, another company's), the card came back with
    an empty box and the reason on top: the address was to be typed again."""
    other = _account("other", meetup.companies["beta"])
    login(client, meetup.attendee)
    for typed, error in (
        ("nobody@example.org", "No account uses nobody@example.org."),
        ("colleague@example", "Invalid email address."),
        (f" {other.email}", "The account of other@example.org is linked to another company."),
    ):
        response = client.post(f"{BASE}/colleagues?lang=en", data={"email": typed})
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        invalid, value, errors = _email_field(page)
        assert invalid and value == typed.strip()
        assert len(errors) == 1 and errors[0].startswith(error)
        assert 'class="flash' not in page  # said once, under the address
    assert outbox("meeting_colleague_invitation") == []
    # The profile form above is the saved one, not emptied by the colleague's form.
    assert "Machine vision inspection for our production lines" in page
    # Sent, the box is empty for the next colleague.
    _account("colleague", attendee_of=meetup.event)
    page = _invite(client, "colleague@example.org")
    assert _email_field(page) == (False, "", [])
    assert "An invitation is sent to colleague@example.org." in page


def _waiting(page):
    card = page.split('id="colleagues"', 1)[1].split("</section>", 1)[0]
    return [
        " ".join(re.sub(r"<[^>]+>", " ", item).split())
        for item in re.findall(r"<li data-invitation=\"\d+\">(.*?)</li>", card, re.S)
    ]


def test_the_card_lists_the_invitations_still_waiting(meetup, client, outbox):
    """Invitations were links in a mail only: the card could not say who was invited
    and had not joined, nor until when their link worked."""
    from eventapp.core.templating import local_time
    from eventapp.meetings.models import ColleagueInvitation

    _account("colleague", attendee_of=meetup.event)
    _account("second")
    login(client, meetup.attendee)
    page = client.get(f"{BASE}/profile?lang=en").get_data(as_text=True)
    assert _waiting(page) == [] and 'id="colleague-invitations"' not in page
    _invite(client, "colleague@example.org")
    page = _invite(client, "second@example.org")
    (second, first) = db.session.scalars(
        select(ColleagueInvitation).order_by(ColleagueInvitation.id.desc())
    ).all()
    sent, until = (
        local_time(moment, "yyyy-MM-dd HH:mm", meetup.event)
        for moment in (first.created_at, first.expires_at)
    )
    assert first.expires_at - first.created_at == timedelta(days=services.COLLEAGUE_LINK_DAYS)
    assert first.invited_by_id == meetup.attendee.id and first.accepted_at is None
    assert _waiting(page)[1] == f"Colleague colleague@example.org sent {sent}, valid until {until}"
    assert _waiting(page)[0].startswith("Second second@example.org sent ")
    page = client.get(f"{BASE}/profile?lang=ko").get_data(as_text=True)
    assert "초대했으나 아직 합류하지 않은 동료" in page
    assert _waiting(page)[1] == f"Colleague colleague@example.org {sent} 발송, {until}까지 유효"
    # Invited again: one invitation still, sent anew.
    with time_machine.travel(timedelta(days=1), tick=True):
        login(client, meetup.attendee)
        _invite(client, "colleague@example.org")
    assert db.session.scalar(select(func.count()).select_from(ColleagueInvitation)) == 2
    db.session.refresh(first)
    assert first.expires_at - first.created_at == timedelta(days=services.COLLEAGUE_LINK_DAYS)
    assert first.created_at > second.created_at

    # Joined, it is accepted, and the person is listed as a colleague instead.
    links = [m for m in outbox("meeting_colleague_invitation") if m[0] == "colleague@example.org"]
    path = mailed_path(links[0][2])  # the first link
    client.post("/logout")
    login(client, db.session.scalar(select(User).where(User.email == "colleague@example.org")))
    assert client.post(path).status_code == 302
    db.session.refresh(first)
    assert first.accepted_at is not None
    page = client.get(f"{BASE}/profile?lang=en").get_data(as_text=True)
    assert [item.split()[0] for item in _waiting(page)] == ["Second"]
    # A link past its days is no longer waiting.
    with time_machine.travel(timedelta(days=services.COLLEAGUE_LINK_DAYS + 1), tick=True):
        login(client, db.session.scalar(select(User).where(User.email == "colleague@example.org")))
        page = client.get(f"{BASE}/profile?lang=en").get_data(as_text=True)
        assert _waiting(page) == [] and 'id="colleague-invitations"' not in page


def test_a_colleague_already_with_the_company_who_opens_the_link_is_no_longer_waited_for(
    meetup, client, outbox
):
    """Linked to the company meanwhile (its link of another event: the account's company
    is one for every event), the colleague opened this event's link and was told they
    take part; the card still listed them as invited, not joined, until the link ran out."""
    from eventapp.meetings.models import ColleagueInvitation

    colleague = _account("colleague", attendee_of=meetup.event)
    login(client, meetup.attendee)
    _invite(client, "colleague@example.org")
    _mail, path = _link(outbox, "colleague@example.org")
    colleague.organization = meetup.companies["gamma"]
    db.session.commit()
    client.post("/logout")
    login(client, colleague)
    # Opening the link (a mail client's preview does too) changes nothing: the page
    # says so and offers the button; it took the invitation up on the GET.
    page = client.get(path + "?lang=en")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "You already take part in the global meetup of Test Expo for Gamma Group." in text
    assert '<form method="post">' in text and "Open the meetup profile of Gamma Group" in text
    invitation = db.session.scalar(select(ColleagueInvitation))
    db.session.refresh(invitation)
    assert invitation.accepted_at is None
    assert client.post(path).status_code == 302
    db.session.refresh(invitation)
    assert invitation.accepted_at is not None
    page = client.get(f"{BASE}/profile?lang=en").get_data(as_text=True)
    assert _waiting(page) == [] and 'id="colleague-invitations"' not in page


def test_a_colleague_who_joined_another_way_is_no_longer_listed_as_invited(meetup, client, outbox):
    """Linked to the company without opening the link (by its admin, or a link of
    another event), the colleague stood among the colleagues and, on the same card,
    among those invited who had not joined, until the link ran out."""
    colleague = _account("colleague", attendee_of=meetup.event)
    login(client, meetup.attendee)
    page = _invite(client, "colleague@example.org")
    assert [item.split()[0] for item in _waiting(page)] == ["Colleague"]
    colleague.organization = meetup.companies["gamma"]
    db.session.commit()
    page = client.get(f"{BASE}/profile?lang=en").get_data(as_text=True)
    assert _waiting(page) == [] and 'id="colleague-invitations"' not in page
    # Gone from the company again, the link still waits for them.
    colleague.organization = None
    db.session.commit()
    page = client.get(f"{BASE}/profile?lang=en").get_data(as_text=True)
    assert [item.split()[0] for item in _waiting(page)] == ["Colleague"]


def _expired(page):
    card = page.split('id="colleagues"', 1)[1].split("</section>", 1)[0]
    return [
        " ".join(re.sub(r"<[^>]+>", " ", item).split())
        for item in re.findall(r"<li data-expired-invitation=\"\d+\">(.*?)</li>", card, re.S)
    ]


def test_the_card_shows_invitations_that_ran_out_to_invite_again(meetup, client, outbox):
    """A link that ran out unopened vanished from the card: the one who invited could
    not tell it lapsed. It stays a month under those waiting, marked expired with its
    date, with a button that invites again (a new link, waiting again)."""
    from eventapp.core.templating import local_time
    from eventapp.meetings.models import ColleagueInvitation

    attendee = meetup.attendee
    _account("colleague", attendee_of=meetup.event)
    _account("second")
    login(client, attendee)
    _invite(client, "colleague@example.org")
    with time_machine.travel(timedelta(days=2), tick=True):
        login(client, attendee)
        _invite(client, "second@example.org")
    first, second = db.session.scalars(
        select(ColleagueInvitation).order_by(ColleagueInvitation.id)
    ).all()
    first_until, second_until = (
        local_time(i.expires_at, "yyyy-MM-dd HH:mm", meetup.event) for i in (first, second)
    )
    login(client, attendee)  # the session signed in two days ahead is not valid yet
    page = client.get(f"{BASE}/profile?lang=en").get_data(as_text=True)
    assert _expired(page) == [] and 'id="colleague-invitations-expired"' not in page

    with time_machine.travel(timedelta(days=services.COLLEAGUE_LINK_DAYS + 3), tick=True):
        login(client, attendee)
        page = client.get(f"{BASE}/profile?lang=en").get_data(as_text=True)
        assert _waiting(page) == []
        assert "Invitation expired, not joined" in page
        # The latest to run out first.
        assert _expired(page) == [
            f"Second second@example.org expired {second_until} Invite again",
            f"Colleague colleague@example.org expired {first_until} Invite again",
        ]
        assert 'aria-label="Invite again: Colleague"' in page
        korean = client.get(f"{BASE}/profile?lang=ko").get_data(as_text=True)
        assert "초대 기한이 지났으나 합류하지 않은 동료" in korean
        assert _expired(korean)[1] == (
            f"Colleague colleague@example.org {first_until} 만료 다시 초대"
        )
        # Its button invites again: a new link, waiting again, no longer expired.
        card = page.split(f'data-expired-invitation="{first.id}"', 1)[1].split("</li>", 1)[0]
        token = re.search(r'name="csrf_token" value="([^"]+)"', card).group(1)
        email = re.search(r'name="email" value="([^"]+)"', card).group(1)
        page = client.post(
            f"{BASE}/colleagues?lang=en",
            data={"csrf_token": token, "email": email},
            follow_redirects=True,
        ).get_data(as_text=True)
        assert "An invitation is sent to colleague@example.org." in page
        assert [item.split()[0] for item in _waiting(page)] == ["Colleague"]
        assert [item.split()[0] for item in _expired(page)] == ["Second"]
        assert len(_link_mails(outbox, "colleague@example.org")) == 2

    # A month after it ran out, the card no longer lists it; the renewed one, run out
    # since, is listed a month from then.
    days = services.COLLEAGUE_LINK_DAYS + 2 + services.EXPIRED_INVITATIONS_SHOWN_DAYS
    with time_machine.travel(timedelta(days=days, hours=1), tick=True):
        login(client, attendee)
        page = client.get(f"{BASE}/profile?lang=en").get_data(as_text=True)
        assert [item.split()[0] for item in _expired(page)] == ["Colleague"]
    renewed_expired = 2 * services.COLLEAGUE_LINK_DAYS + 3
    days = renewed_expired + services.EXPIRED_INVITATIONS_SHOWN_DAYS
    with time_machine.travel(timedelta(days=days, hours=1), tick=True):
        login(client, attendee)
        page = client.get(f"{BASE}/profile?lang=en").get_data(as_text=True)
        assert _expired(page) == [] and 'id="colleague-invitations-expired"' not in page


def _link_mails(outbox, email):
    return [m for m in outbox("meeting_colleague_invitation") if m[0] == email]
