"""Forms of the meetup that colleagues of one company share (its meetup profile, the
follow-up notes of its meetings): one loaded before a colleague saved is refused
rather than put the older text back, and keeps what was typed."""

import html
import re
from datetime import timedelta

from sqlalchemy import func, select

from eventapp.core.audit import AuditEntry
from eventapp.extensions import db
from eventapp.meetings import services
from eventapp.meetings.models import Meeting, MeetingProfile
from tests.conftest import login
from tests.meetings.conftest import booked_meeting

BASE = "/e/test-expo/meetings"
PROFILE = f"{BASE}/profile?lang=en"


def version_on(page):
    return re.search(r'name="version" type="hidden" value="(\w+)"', page).group(1)


def profile_form(client, profile, **changes):
    """The profile form as the page shows it, with `changes` typed in."""
    page = client.get(PROFILE).get_data(as_text=True)
    data = {"version": version_on(page)}
    for key in ("offer_en", "offer_ko", "need_en", "need_ko", "stage", "sector", "country"):
        data[key] = getattr(profile, key) or ""
    data["keywords"] = ", ".join(profile.keywords or ())
    data.update(changes)
    return data


def audited(action):
    return db.session.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action)
    )


def sign_in(client, meetup, role):
    client.post("/logout")
    login(client, meetup[role])
    return client


def test_a_profile_form_opened_before_a_colleague_saved_is_refused_and_keeps_the_text(
    meetup, client
):
    """Two colleagues of alpha edit its meetup profile at once: the later save put the
    offer it was loaded with back over the colleague's, without a word."""
    alpha = meetup.profiles["alpha"]
    admin_form = profile_form(
        sign_in(client, meetup, "exhibitor_admin"), alpha, need_en="Pilot sites in steel plants"
    )
    staff_form = profile_form(
        sign_in(client, meetup, "exhibitor_staff"), alpha, offer_en="Vision robots, now with X-ray"
    )
    assert client.post(PROFILE, data=staff_form).status_code == 302

    response = sign_in(client, meetup, "exhibitor_admin").post(PROFILE, data=admin_form)
    assert response.status_code == 409
    page = html.unescape(response.get_data(as_text=True))
    assert "was changed since you opened the page" in page
    # What was typed stays in the form; the colleague's offer is shown beside it.
    assert "Pilot sites in steel plants</textarea>" in page
    saved_now = page[page.index('id="profile-saved-now"') :]
    saved_now = saved_now[: saved_now.index("<form")]
    assert "What we offer (English)" in saved_now and "Vision robots, now with X-ray" in saved_now
    db.session.expire_all()
    saved = db.session.get(MeetingProfile, alpha.id)
    assert saved.offer_en == "Vision robots, now with X-ray"
    assert saved.need_en is None or "steel" not in saved.need_en
    # Sent again from the refused page (now carrying the version it showed), it is saved:
    # the colleague's offer is then put back knowingly.
    admin_form["version"] = version_on(page)
    assert client.post(PROFILE, data=admin_form).status_code == 302
    db.session.expire_all()
    saved = db.session.get(MeetingProfile, alpha.id)
    assert saved.need_en == "Pilot sites in steel plants"


def test_a_profile_form_sent_twice_is_saved_once_without_a_conflict(meetup, client):
    alpha = meetup.profiles["alpha"]
    data = profile_form(sign_in(client, meetup, "exhibitor_admin"), alpha, offer_en="Robots, twice")
    assert client.post(PROFILE, data=data).status_code == 302
    assert client.post(PROFILE, data=data).status_code == 302
    db.session.expire_all()
    assert db.session.get(MeetingProfile, meetup.profiles["alpha"].id).offer_en == "Robots, twice"
    assert audited("meeting_profile.updated") == 1


def _met(meetup):
    """An alpha-gamma meeting that took place (its notes form is on the page)."""
    meeting = booked_meeting(meetup)
    services.mark_attendance(
        meeting, "attended", meetup.attendee, now=meeting.starts_at + timedelta(minutes=5)
    )
    db.session.commit()
    return meeting


def _notes_version(client, meeting):
    page = client.get(f"{BASE}/m/{meeting.id}?lang=en").get_data(as_text=True)
    return version_on(page)


def test_notes_opened_before_a_colleague_saved_theirs_are_refused_and_kept(meetup, client):
    """Alpha's follow-up notes are the company's, its two people write them: the later
    save replaced the colleague's notes with no trace."""
    meeting = _met(meetup)
    url = f"{BASE}/m/{meeting.id}/notes?lang=en"
    admin_version = _notes_version(sign_in(client, meetup, "exhibitor_admin"), meeting)
    staff = sign_in(client, meetup, "exhibitor_staff")
    staff_notes = {"notes": "Send the X-ray demo video", "version": _notes_version(staff, meeting)}
    assert client.post(url, data=staff_notes).status_code == 302

    response = sign_in(client, meetup, "exhibitor_admin").post(
        url, data={"notes": "Call back about the pilot", "version": admin_version}
    )
    assert response.status_code == 409
    page = html.unescape(response.get_data(as_text=True))
    assert "These notes were changed since you opened the page" in page
    assert "Call back about the pilot</textarea>" in page
    shown = page[page.index('id="notes-saved-now"') :]
    assert shown.index("Send the X-ray demo video") < shown.index("<textarea")
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).startup_notes == "Send the X-ray demo video"
    # The same notes sent twice (a double click): saved once, not refused.
    sign_in(client, meetup, "exhibitor_staff")
    assert client.post(url, data=staff_notes).status_code == 302
    assert audited("meeting.notes") == 1
    # Gamma's notes on the same meeting are its own: alpha's do not stand in their way.
    gamma = sign_in(client, meetup, "attendee")
    gamma_notes = {"notes": "Ask for a quote", "version": _notes_version(gamma, meeting)}
    assert client.post(url, data=gamma_notes).status_code == 302
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).firm_notes == "Ask for a quote"
