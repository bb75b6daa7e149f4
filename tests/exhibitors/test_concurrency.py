"""Real concurrent requests against a live server: a company is registered once."""

import http.cookiejar
import threading
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import delete, func, select

from eventapp.accounts.models import User
from eventapp.booths.models import Exhibitor
from eventapp.events.models import EventRole
from eventapp.extensions import db
from eventapp.organizations.models import Organization
from tests.conftest import PASSWORD
from tests.exhibitors.conftest import registration_data

ROUNDS = 6
WORKERS = 3


def session(base_url, email):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    body = urllib.parse.urlencode({"email": email, "password": PASSWORD}).encode()
    opener.open(base_url + "/login", body, timeout=30).read()
    return opener


def post(opener, url, data):
    body = urllib.parse.urlencode(data, doseq=True).encode()
    with opener.open(url, body, timeout=60) as response:
        return response.status, response.geturl(), response.read().decode()


def posted_at_once(calls):
    """Post each (opener, url, data), each from a thread of its own, all let go at once."""
    barrier = threading.Barrier(len(calls))

    def send(call):
        opener, url, data = call
        barrier.wait()
        return post(opener, url, data)

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(send, calls))


def test_colleagues_registering_their_company_at_once_get_one_registration(
    live_server, small_event
):
    for round_number in range(ROUNDS):
        org = Organization(
            name_ko=f"동시{round_number}",
            name_en=f"Race {round_number}",
            kind="startup",
            sector="ai",
        )
        emails = [f"race{round_number}.{i}@example.org" for i in range(WORKERS)]
        for email in emails:
            user = User(email=email, name_en=email, locale="en", organization=org)
            user.set_password(PASSWORD)
            db.session.add(user)
        db.session.commit()
        org_id = org.id
        db.session.remove()  # hold no lock while the server works
        openers = [session(live_server.url, email) for email in emails]
        data = registration_data(name_ko=f"동시{round_number}", name_en=f"Race {round_number}")
        url = live_server.url + "/e/test-expo/exhibit?lang=en"
        answers = posted_at_once([(opener, url, data) for opener in openers])
        assert all(status == 200 for status, _url, _page in answers)
        winners = [url for _status, url, _page in answers if "/exhibitors/" in url]
        assert len(winners) == 1, [url for _status, url, _page in answers]
        for _status, url, page in answers:
            if url not in winners:  # the others are told, whichever way they lost
                assert "already registered" in page or "a moment ago" in page
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(Exhibitor)
                .where(Exhibitor.organization_id == org_id)
            )
            == 1
        )
        admins = db.session.scalar(
            select(func.count())
            .select_from(EventRole)
            .where(EventRole.organization_id == org_id, EventRole.role == "exhibitor_admin")
        )
        assert admins == 1
        db.session.remove()


def _invited(exhibitor_id, user_id, role="exhibitor_staff"):
    """A pending invitation made as the company admin would (its id), committed."""
    from eventapp.exhibitors import services as exhibitor_services

    exhibitor = db.session.get(Exhibitor, exhibitor_id)
    user = db.session.get(User, user_id)
    invitation_id = exhibitor_services.invite_member(exhibitor, user, role).id
    db.session.commit()
    return invitation_id


def _reset_invitee(user_id):
    from sqlalchemy import delete

    from eventapp.core.audit import AuditEntry
    from eventapp.exhibitors.models import TeamInvitation

    # Invitation ids may be used again once deleted (SQLite): so are their entries.
    db.session.execute(delete(AuditEntry))
    db.session.execute(delete(EventRole).where(EventRole.user_id == user_id))
    db.session.execute(delete(TeamInvitation).where(TeamInvitation.user_id == user_id))
    db.session.get(User, user_id).organization_id = None
    db.session.commit()


def _invitee_state(user_id):
    from eventapp.exhibitors.models import TeamInvitation

    db.session.remove()
    roles = db.session.execute(
        select(EventRole.role, EventRole.organization_id).where(EventRole.user_id == user_id)
    ).all()
    statuses = db.session.scalars(
        select(TeamInvitation.status)
        .where(TeamInvitation.user_id == user_id)
        .order_by(TeamInvitation.id)
    ).all()
    return roles, statuses


def test_an_invitation_accepted_twice_at_once_adds_the_person_once(live_server, small_event):
    from eventapp.core.audit import AuditEntry

    alpha_id, org_id = small_event.exhibitors["alpha"].id, small_event.companies["alpha"].id
    outsider_id = small_event.outsider.id
    for _round in range(ROUNDS):
        _reset_invitee(outsider_id)
        invitation_id = _invited(alpha_id, outsider_id)
        db.session.remove()
        openers = [session(live_server.url, "outsider@example.org") for _ in range(WORKERS)]
        url = f"{live_server.url}/e/test-expo/team-invitations/{invitation_id}/accept?lang=en"
        answers = posted_at_once([(opener, url, {}) for opener in openers])
        assert all(status == 200 for status, _url, _page in answers)
        winners = [url for _status, url, _page in answers if f"/exhibitors/{alpha_id}/" in url]
        assert len(winners) == 1, [url for _status, url, _page in answers]
        roles, statuses = _invitee_state(outsider_id)
        assert roles == [("exhibitor_staff", org_id)]
        assert statuses == ["accepted"]
        added = db.session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(
                AuditEntry.action == "exhibitor.member_added",
                AuditEntry.data["invitation"].as_integer() == invitation_id,
            )
        )
        assert added == 1
        db.session.remove()


def test_an_expired_invitation_sent_again_twice_at_once_is_sent_once(live_server, small_event):
    """Two admins (or two tabs) invite again a person whose invitation expired: the
    row is reused under its lock, and the later one sees the fresh invitation."""
    from datetime import timedelta

    from eventapp.core.audit import AuditEntry
    from eventapp.core.db import utcnow
    from eventapp.exhibitors.models import TeamInvitation
    from eventapp.notifications.models import OutboxMessage

    alpha_id, outsider_id = small_event.exhibitors["alpha"].id, small_event.outsider.id
    for _round in range(ROUNDS):
        _reset_invitee(outsider_id)
        invitation_id = _invited(alpha_id, outsider_id)
        db.session.get(TeamInvitation, invitation_id).expires_at = utcnow() - timedelta(minutes=1)
        db.session.execute(delete(AuditEntry))
        db.session.execute(delete(OutboxMessage))
        db.session.commit()
        db.session.remove()
        openers = [session(live_server.url, "exhibitor_admin@example.org") for _ in range(WORKERS)]
        url = f"{live_server.url}/e/test-expo/exhibitors/{alpha_id}/team?lang=en"
        data = {"email": "outsider@example.org", "role": "exhibitor_staff"}
        answers = posted_at_once([(opener, url, data) for opener in openers])
        assert all(status == 200 for status, _url, _page in answers)
        pages = [page for _status, _url, page in answers]
        assert sum("is invited; they join your team" in page for page in pages) == 1
        assert sum("already invited" in page or "a moment ago" in page for page in pages) == (
            WORKERS - 1
        )
        invitations = db.session.scalars(
            select(TeamInvitation).where(TeamInvitation.user_id == outsider_id)
        ).all()
        assert [(i.id, i.status) for i in invitations] == [(invitation_id, "pending")]
        assert not invitations[0].expired
        invited = (
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "exhibitor.member_invited")
        )
        assert db.session.scalar(invited) == 1
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 1
        db.session.remove()


def test_an_invitation_accepted_while_it_is_withdrawn_has_one_outcome(live_server, small_event):
    alpha_id, org_id = small_event.exhibitors["alpha"].id, small_event.companies["alpha"].id
    outsider_id = small_event.outsider.id
    for _round in range(ROUNDS * 2):
        _reset_invitee(outsider_id)
        invitation_id = _invited(alpha_id, outsider_id)
        db.session.remove()
        invitee = session(live_server.url, "outsider@example.org")
        admin = session(live_server.url, "exhibitor_admin@example.org")
        calls = [
            (invitee, f"/e/test-expo/team-invitations/{invitation_id}/accept"),
            (
                admin,
                f"/e/test-expo/exhibitors/{alpha_id}/team/invitations/{invitation_id}/withdraw",
            ),
        ]
        answers = posted_at_once(
            [(opener, live_server.url + path + "?lang=en", {}) for opener, path in calls]
        )
        assert all(status == 200 for status, _url, _page in answers)
        roles, statuses = _invitee_state(outsider_id)
        if statuses == ["accepted"]:
            assert roles == [("exhibitor_staff", org_id)]
            assert "no longer open" in answers[1][2]
        else:
            assert statuses == ["withdrawn"] and roles == []
            assert "no longer open" in answers[0][2]
        db.session.remove()


def test_an_invitation_accepted_while_the_company_withdraws_has_one_outcome(
    live_server, small_event
):
    alpha_id, org_id = small_event.exhibitors["alpha"].id, small_event.companies["alpha"].id
    outsider_id = small_event.outsider.id
    for _round in range(ROUNDS * 2):
        _reset_invitee(outsider_id)
        db.session.get(Exhibitor, alpha_id).status = "approved"
        invitation_id = _invited(alpha_id, outsider_id)
        db.session.remove()
        invitee = session(live_server.url, "outsider@example.org")
        admin = session(live_server.url, "exhibitor_admin@example.org")
        calls = [
            (invitee, f"/e/test-expo/team-invitations/{invitation_id}/accept"),
            (admin, f"/e/test-expo/exhibitors/{alpha_id}/withdraw"),
        ]
        answers = posted_at_once(
            [(opener, live_server.url + path + "?lang=en", {}) for opener, path in calls]
        )
        assert all(status == 200 for status, _url, _page in answers)
        roles, statuses = _invitee_state(outsider_id)
        assert db.session.get(Exhibitor, alpha_id).status == "withdrawn"
        if statuses == ["accepted"]:
            # Joined just before: a member like the others of a company that left.
            assert roles == [("exhibitor_staff", org_id)]
        else:
            assert statuses == ["withdrawn"] and roles == []
            assert "no longer takes part" in answers[0][2]
        db.session.remove()


def test_invitations_of_two_companies_accepted_at_once_make_one_team(live_server, small_event):
    alpha_id, beta_id = small_event.exhibitors["alpha"].id, small_event.exhibitors["beta"].id
    outsider_id = small_event.outsider.id
    for _round in range(ROUNDS):
        _reset_invitee(outsider_id)
        # Different roles: the unique (event, person, role) of the roles table
        # cannot be what keeps them apart.
        ids = [
            _invited(alpha_id, outsider_id, "exhibitor_staff"),
            _invited(beta_id, outsider_id, "exhibitor_admin"),
        ]
        db.session.remove()
        openers = [session(live_server.url, "outsider@example.org") for _ in ids]
        base = f"{live_server.url}/e/test-expo/team-invitations"
        answers = posted_at_once(
            [
                (opener, f"{base}/{invitation_id}/accept?lang=en", {})
                for opener, invitation_id in zip(openers, ids, strict=True)
            ]
        )
        assert all(status == 200 for status, _url, _page in answers)
        roles, statuses = _invitee_state(outsider_id)
        assert len(roles) == 1, roles
        assert sorted(statuses) == ["accepted", "pending"]
        assert sum("another company" in page for _status, _url, page in answers) == 1
        db.session.remove()


def paused_at_grant(monkeypatch, pauses):
    """Make the exhibitor services' grant_role, past the checks of the operation that
    calls it, wait for the test when `pauses(user, role)`: (reached, may_commit)."""
    from eventapp.exhibitors import services as exhibitor_services

    reached, may_commit = threading.Event(), threading.Event()
    real_grant = exhibitor_services.grant_role

    def grant_role(event, user, role, organization=None):
        granted = real_grant(event, user, role, organization=organization)
        if pauses(user, role):
            reached.set()
            may_commit.wait(timeout=20)
        return granted

    monkeypatch.setattr(exhibitor_services, "grant_role", grant_role)
    return reached, may_commit


def attempted(outcomes, name, work):
    """`work()` for a thread, its outcome kept under `name`: "done", or the refusal."""
    from eventapp.exhibitors.services import ExhibitorError

    def run():
        try:
            work()
            outcomes[name] = "done"
        except ExhibitorError as error:
            outcomes[name] = str(error)

    return run


def exhibiting_names(event_id):
    """The English names of the event's exhibitors, as committed."""
    db.session.remove()
    return db.session.scalars(
        select(Organization.name_en)
        .join(Exhibitor, Exhibitor.organization_id == Organization.id)
        .where(Exhibitor.event_id == event_id)
        .order_by(Organization.name_en)
    ).all()


def test_a_company_registered_while_an_invitation_is_accepted_gives_one_company(
    app, small_event, monkeypatch
):
    """The invited person accepts another company's invitation while they register their
    own. Acceptance locks the person's row to check, then grant, their one company; the
    registration checked without that lock, saw no company yet, and went on once the
    acceptance committed: the person represented two companies at the event."""
    from eventapp.events.models import Event
    from eventapp.exhibitors import services as exhibitor_services
    from tests.checkin.test_concurrency import _in_thread

    alpha_id, event_id = small_event.exhibitors["alpha"].id, small_event.event.id
    org_id, outsider_id = small_event.companies["alpha"].id, small_event.outsider.id
    _reset_invitee(outsider_id)
    invitation_id = _invited(alpha_id, outsider_id)
    db.session.remove()
    # The acceptance waits past its check.
    acceptance_checked, acceptance_may_commit = paused_at_grant(
        monkeypatch, lambda _user, role: role == "exhibitor_staff"
    )
    outcomes, errors = {}, []

    def outsider():
        return db.session.get(User, outsider_id)

    accepter = _in_thread(
        app,
        attempted(
            outcomes,
            "accept",
            lambda: exhibitor_services.accept_invitation(invitation_id, outsider()),
        ),
        errors,
    )
    assert acceptance_checked.wait(timeout=20), errors
    registrar = _in_thread(
        app,
        attempted(
            outcomes,
            "register",
            lambda: exhibitor_services.register(
                db.session.get(Event, event_id),
                outsider(),
                {"name_ko": "오메가", "name_en": "Omega Works", "kind": "startup", "sector": "ai"},
                exhibitor_services.BoothRequest(booth_count=1, zones=["ai"]),
            ),
        ),
        errors,
    )
    registrar.join(timeout=1)  # it waits for the person's row (PostgreSQL) or to begin
    acceptance_may_commit.set()
    accepter.join(timeout=30)
    registrar.join(timeout=30)
    assert not errors, errors
    assert outcomes["accept"] == "done"
    assert outcomes["register"] != "done", outcomes  # "You already represent a company ..."
    roles, statuses = _invitee_state(outsider_id)
    assert roles == [("exhibitor_staff", org_id)]
    assert statuses == ["accepted"]
    db.session.remove()


def test_an_import_naming_a_person_who_accepts_an_invitation_meanwhile_is_refused(
    app, small_event, monkeypatch
):
    """An organizer imports exhibitors, one of whose contacts accepts another company's
    invitation at that moment. The import read the contact's companies without the lock
    that acceptance takes on the person, found none yet, and made them the new
    company's admin once the acceptance committed: two companies at the event."""
    from eventapp.events.models import Event
    from eventapp.exhibitors import importer
    from eventapp.exhibitors import services as exhibitor_services
    from tests.checkin.test_concurrency import _in_thread
    from tests.exhibitors.test_import import csv_bytes, row

    alpha_id, event_id = small_event.exhibitors["alpha"].id, small_event.event.id
    org_id, outsider_id = small_event.companies["alpha"].id, small_event.outsider.id
    _reset_invitee(outsider_id)
    invitation_id = _invited(alpha_id, outsider_id)
    db.session.remove()
    data = csv_bytes([row(avoid="", contact_email="outsider@example.org")])
    acceptance_checked, acceptance_may_commit = threading.Event(), threading.Event()
    real_grant = exhibitor_services.grant_role
    outcomes, errors = {}, []

    def grant_role(event, user, role, organization=None):
        granted = real_grant(event, user, role, organization=organization)
        acceptance_checked.set()
        acceptance_may_commit.wait(timeout=20)
        return granted

    monkeypatch.setattr(exhibitor_services, "grant_role", grant_role)

    def accept():
        user = db.session.get(User, outsider_id)
        exhibitor_services.accept_invitation(invitation_id, user)

    def import_file():
        event = db.session.get(Event, event_id)
        plan = importer.prepare(event, "exhibitors.csv", data)
        outcomes["import_ok"] = plan.ok
        if plan.ok:
            importer.apply(event, plan, "approved")
            db.session.commit()

    accepter = _in_thread(app, accept, errors)
    assert acceptance_checked.wait(timeout=20), errors
    importing = _in_thread(app, import_file, errors)
    importing.join(timeout=1)  # it waits for the person's row (PostgreSQL) or to begin
    acceptance_may_commit.set()
    accepter.join(timeout=30)
    importing.join(timeout=30)
    assert not errors, errors
    assert outcomes["import_ok"] is False  # "... already represents a company ..."
    roles, statuses = _invitee_state(outsider_id)
    assert roles == [("exhibitor_staff", org_id)]
    assert statuses == ["accepted"]
    db.session.remove()


def test_two_people_registering_one_company_by_its_name_at_once_get_one_registration(
    app, small_event, monkeypatch
):
    """Two colleagues, neither linked to the company on their accounts, register it at
    the same moment: each found no exhibitor of that name, and the event had the
    company twice, with two company admins who each saw half of its team."""
    from flask_babel import force_locale

    from eventapp.events.models import Event
    from eventapp.exhibitors import services as exhibitor_services
    from tests.checkin.test_concurrency import _in_thread

    event_id = small_event.event.id
    colleagues = []
    for email in ("first.colleague@example.org", "second.colleague@example.org"):
        user = User(email=email, name_en=email, locale="en")
        user.set_password(PASSWORD)
        db.session.add(user)
        colleagues.append(user)
    db.session.commit()
    first_id, second_id = (user.id for user in colleagues)
    db.session.remove()
    # The first registration waits past its checks.
    first_checked, first_may_commit = paused_at_grant(
        monkeypatch, lambda user, _role: user.id == first_id
    )
    outcomes, errors = {}, []

    def registering(user_id, name_en):
        def register():
            with force_locale("en"):
                exhibitor_services.register(
                    db.session.get(Event, event_id),
                    db.session.get(User, user_id),
                    {"name_ko": "", "name_en": name_en, "kind": "startup", "sector": "ai"},
                    exhibitor_services.BoothRequest(booth_count=1, zones=["ai"]),
                )

        return attempted(outcomes, user_id, register)

    first = _in_thread(app, registering(first_id, "Omega Works"), errors)
    assert first_checked.wait(timeout=20), errors
    second = _in_thread(app, registering(second_id, "OMEGA  works"), errors)
    second.join(timeout=1)  # it waits for the first (PostgreSQL: the event's row)
    first_may_commit.set()
    first.join(timeout=30)
    second.join(timeout=30)
    assert not errors, errors
    assert outcomes[first_id] == "done"
    assert "Omega Works is already registered as exhibitor of this event" in outcomes[second_id]
    assert exhibiting_names(event_id) == ["Alpha Robotics", "Beta Bio", "Omega Works"]
    db.session.remove()


def test_a_company_renamed_while_another_registers_that_name_is_refused(
    app, small_event, monkeypatch
):
    """A company admin renaming the registration to the name another company is being
    registered under at that moment found no exhibitor of that name: the event had
    two of them."""
    from flask_babel import force_locale

    from eventapp.events.models import Event
    from eventapp.exhibitors import services as exhibitor_services
    from tests.checkin.test_concurrency import _in_thread

    event_id, alpha_id = small_event.event.id, small_event.exhibitors["alpha"].id
    newcomer = User(email="newcomer@example.org", name_en="Newcomer", locale="en")
    newcomer.set_password(PASSWORD)
    db.session.add(newcomer)
    db.session.commit()
    newcomer_id = newcomer.id
    db.session.remove()
    registered, may_commit = paused_at_grant(monkeypatch, lambda user, _r: user.id == newcomer_id)
    outcomes, errors = {}, []
    profile = {"name_ko": "", "name_en": "Omega Works", "kind": "startup", "sector": "ai"}

    def register():
        exhibitor_services.register(
            db.session.get(Event, event_id),
            db.session.get(User, newcomer_id),
            profile,
            exhibitor_services.BoothRequest(booth_count=1, zones=["ai"]),
        )

    def rename():
        with force_locale("en"):
            exhibitor_services.update_registration(
                db.session.get(Exhibitor, alpha_id),
                {**profile, "name_ko": "알파로보틱스"},
                exhibitor_services.BoothRequest(booth_count=2, zones=["ai"]),
            )

    registrar = _in_thread(app, attempted(outcomes, "register", register), errors)
    assert registered.wait(timeout=20), errors
    renamer = _in_thread(app, attempted(outcomes, "rename", rename), errors)
    renamer.join(timeout=1)  # it waits for the registration (PostgreSQL: the event's row)
    may_commit.set()
    registrar.join(timeout=30)
    renamer.join(timeout=30)
    assert not errors, errors
    assert outcomes == {
        "register": "done",
        "rename": "Omega Works is already an exhibitor of this event.",
    }
    assert exhibiting_names(event_id) == ["Alpha Robotics", "Beta Bio", "Omega Works"]
    db.session.remove()
