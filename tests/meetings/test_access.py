"""Who may open and do what in the meetup. Roles of the small event: attendee (gamma,
firm), exhibitor_admin and exhibitor_staff (alpha, startup), other_exhibitor (beta, firm),
staff (no company), organizer."""

import pytest
from sqlalchemy import select

from eventapp.extensions import db
from eventapp.meetings import planning, services
from eventapp.meetings.models import Meeting, MeetingRequest
from tests.conftest import add_other_event, assert_access, login
from tests.meetings.conftest import accepted_request

PARTICIPANTS = {"attendee", "exhibitor_admin", "exhibitor_staff", "other_exhibitor", "organizer"}
ALPHA_GAMMA = {"attendee", "exhibitor_admin", "exhibitor_staff", "organizer"}
BASE = "/e/test-expo/meetings"


@pytest.fixture
def setup(meetup):
    """An alpha-gamma meeting and an open alpha-beta request."""
    alpha, beta, gamma = (meetup.profiles[k] for k in ("alpha", "beta", "gamma"))
    request = accepted_request(meetup.event, alpha, gamma, meetup.exhibitor_admin)
    meeting = services.book(request, meetup.slots[0], meetup.attendee)
    pending = services.send_request(meetup.event, alpha, beta, meetup.exhibitor_admin)
    db.session.commit()
    return meetup, request, meeting, pending


def test_participant_pages(setup, login_as):
    for path in (
        "/",
        "/profile",
        "/partners",
        "/requests",
        "/availability",
        "/agenda",
        "/day-sheet",
    ):
        assert_access(login_as, BASE + path, PARTICIPANTS)


def test_partner_page_and_pdf(setup, login_as):
    meetup, _request, _meeting, _pending = setup
    assert_access(login_as, f"{BASE}/partners/{meetup.profiles['gamma'].id}", PARTICIPANTS)
    for role in ("attendee", "exhibitor_admin", "exhibitor_staff", "other_exhibitor"):
        assert login_as(role).get(f"{BASE}/agenda.pdf").status_code == 200
    assert login_as("staff").get(f"{BASE}/agenda.pdf").status_code == 403
    # An organizer without a company has no agenda of its own (and gets nobody else's).
    assert login_as("organizer").get(f"{BASE}/agenda.pdf").status_code == 404
    assert login_as("anonymous").get(f"{BASE}/agenda.pdf").status_code == 302


def test_request_and_meeting_pages_only_for_both_sides(setup, login_as):
    _meetup, request, meeting, _pending = setup
    assert_access(login_as, f"{BASE}/requests/{request.id}", ALPHA_GAMMA)
    assert_access(login_as, f"{BASE}/m/{meeting.id}", ALPHA_GAMMA)


def test_organizer_pages(setup, login_as):
    for path in ("/manage/", "/manage/settings", "/manage/grid", "/manage/agendas.pdf"):
        assert_access(login_as, BASE + path, {"organizer"})
    assert_access(login_as, BASE + "/manage/schedule", {"organizer"})  # GET: back to manage


def test_the_move_form_names_the_time_zone_of_its_slots(setup, login_as):
    """Other meetup pages say in which zone their times are; the organizer's move form
    listed its slots' times without, to an organizer working from another country."""
    meeting = setup[2]
    client = login_as("organizer")
    url = f"{BASE}/manage/m/{meeting.id}/move"
    for lang, zone in (("en", "Times in South Korea Time."), ("ko", "대한민국 시간")):
        page = client.get(f"{url}?lang={lang}").get_data(as_text=True)
        form = page[page.index('<form method="post">') :]
        assert zone in form[: form.index("</form>")]


def test_organizer_only_actions(setup, login_as, app, monkeypatch):
    meetup, _request, meeting, _pending = setup
    monkeypatch.setitem(app.config, "MEETINGS_SOLVER_SECONDS", 1)
    assert_access(login_as, f"{BASE}/manage/m/{meeting.id}/move", {"organizer"})
    assert_access(login_as, f"{BASE}/manage/remind", {"organizer"}, method="post")
    assert_access(login_as, f"{BASE}/manage/booths", {"organizer"}, method="post")
    plan = planning.run_plan(meetup.event, meetup.organizer, time_limit=1, workers=1)
    db.session.commit()
    assert_access(login_as, f"{BASE}/manage/plans/{plan.id}", {"organizer"})
    assert_access(login_as, f"{BASE}/manage/plans/{plan.id}/apply", {"organizer"}, method="post")


def test_another_company_can_never_act_on_a_request_or_meeting(setup, client):
    meetup, request, meeting, _pending = setup
    login(client, meetup.other_exhibitor)  # beta: not part of alpha-gamma
    attempts = [
        ("get", f"{BASE}/requests/{request.id}", {}),
        ("post", f"{BASE}/requests/{request.id}/accept", {}),
        ("post", f"{BASE}/requests/{request.id}/decline", {"reason": "x"}),
        ("post", f"{BASE}/requests/{request.id}/cancel", {}),
        ("post", f"{BASE}/requests/{request.id}/book", {"slot_id": meetup.slots[3].id}),
        ("get", f"{BASE}/m/{meeting.id}", {}),
        ("post", f"{BASE}/m/{meeting.id}/cancel", {}),
        ("post", f"{BASE}/m/{meeting.id}/attendance", {"status": "no_show"}),
        ("post", f"{BASE}/m/{meeting.id}/notes", {"notes": "mine"}),
        ("post", f"{BASE}/manage/m/{meeting.id}/move", {"slot_id": meetup.slots[5].id}),
    ]
    for method, path, data in attempts:
        response = getattr(client, method)(path, data=data)
        assert response.status_code == 403, (method, path, response.status_code)
    db.session.expire_all()
    assert db.session.get(MeetingRequest, request.id).status == "accepted"
    unchanged = db.session.get(Meeting, meeting.id)
    assert (unchanged.status, unchanged.slot_id, unchanged.firm_notes) == (
        "scheduled",
        meetup.slots[0].id,
        "",
    )


def test_the_requester_cannot_answer_its_own_request(setup, client):
    meetup, _request, _meeting, pending = setup
    login(client, meetup.exhibitor_staff)  # alpha sent the request to beta
    client.post(f"{BASE}/requests/{pending.id}/accept")
    client.post(f"{BASE}/requests/{pending.id}/decline", data={"reason": "no"})
    db.session.expire_all()
    assert db.session.get(MeetingRequest, pending.id).status == "requested"
    client.post("/logout")
    login(client, meetup.other_exhibitor)  # beta may
    client.post(f"{BASE}/requests/{pending.id}/accept")
    db.session.expire_all()
    assert db.session.get(MeetingRequest, pending.id).status == "accepted"


def test_objects_of_another_event_are_not_found(setup, client):
    from datetime import date

    from eventapp.events.models import EventRole

    meetup, request, meeting, _pending = setup
    other = add_other_event(starts_on=date(2027, 5, 1), ends_on=date(2027, 5, 2))
    db.session.add(EventRole(event=other, user=meetup.exhibitor_admin, role="attendee"))
    db.session.commit()
    login(client, meetup.exhibitor_admin)
    assert client.get(f"/e/other-expo/meetings/requests/{request.id}").status_code == 404
    assert client.get(f"/e/other-expo/meetings/m/{meeting.id}").status_code == 404
    profile = meetup.profiles["gamma"]
    assert client.get(f"/e/other-expo/meetings/partners/{profile.id}").status_code == 404


def test_a_user_without_a_company_cannot_create_a_profile(setup, client):
    meetup, *_ = setup
    login(client, meetup.organizer)
    response = client.post(f"{BASE}/profile", data={"sector": "ai", "country": "KR"})
    assert response.status_code == 302 and response.location.endswith("/meetings/")
    assert services.acting_profile(meetup.organizer, meetup.event) is None
    # The menu shows the meetup to participants, not to on-site staff.
    login(client, meetup.staff)
    page = client.get("/e/test-expo/").get_data(as_text=True)
    assert f"{BASE}/" not in page
    client.post("/logout")
    login(client, meetup.attendee)
    page = client.get("/e/test-expo/").get_data(as_text=True)
    assert f'href="{BASE}/"' in page and f'href="{BASE}/agenda"' in page


def test_profile_form_creates_and_updates_the_company_profile(small_event, client, request_ctx):
    login(client, small_event.attendee)  # gamma, no profile yet
    response = client.post(
        f"{BASE}/profile",
        data={
            "need_en": "Battery inspection",
            "need_ko": "배터리 검사",
            "sector": "battery",
            "country": "kr",
            "keywords": "Battery, Inspection",
        },
    )
    assert response.status_code == 302
    profile = services.acting_profile(small_event.attendee, small_event.event)
    assert profile.side == "firm" and profile.sector == "battery" and profile.country == "KR"
    assert profile.keywords == ["Battery", "Inspection"]
    found = db.session.scalar(select(MeetingRequest))
    assert found is None


def test_a_person_taken_off_the_team_no_longer_acts_for_the_company(setup, client):
    """Adding someone to a team links their account to the company; taking them off
    must end that link too, or, registered as a visitor (open to anyone), they go
    on answering, booking and reading the company's meetings."""
    meetup, request, meeting, _pending = setup
    alpha = meetup.exhibitors["alpha"]
    login(client, meetup.exhibitor_admin)
    staff = meetup.exhibitor_staff
    response = client.post(f"/e/test-expo/exhibitors/{alpha.id}/team/{staff.id}/remove")
    assert response.status_code == 302
    client.post("/logout")
    login(client, staff)
    assert client.post("/e/test-expo/join").status_code == 302
    db.session.expire_all()
    assert services.acting_profile(staff, meetup.event) is None
    assert client.get(f"{BASE}/requests/{request.id}").status_code == 403
    assert client.get(f"{BASE}/m/{meeting.id}").status_code == 403
    client.post(f"{BASE}/m/{meeting.id}/cancel")
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).status == "scheduled"
    # The company's meetup mails no longer reach them either.
    assert staff.id not in {u.id for u in meetup.profiles["alpha"].contacts()}
