"""A signed-in person changes their password on their account page."""

from sqlalchemy import select

from eventapp.accounts.models import User
from eventapp.core.audit import AuditEntry
from eventapp.extensions import db
from tests.conftest import PASSWORD, login

CHANGE = "/account/password?lang=en"


def _change(client, current, new, confirm=None):
    return client.post(
        CHANGE, data={"current": current, "password": new, "confirm": confirm or new}
    )


def test_a_password_is_changed_with_the_current_one(app, small_event):
    owner, elsewhere = app.test_client(), app.test_client()
    login(owner, small_event.attendee)
    login(elsewhere, small_event.attendee)
    page = owner.get("/account?lang=en").get_data(as_text=True)
    assert (
        'action="/account/password#password"' in page and 'autocomplete="current-password"' in page
    )

    refused = _change(owner, "not my password", "brand new secret")
    assert refused.status_code == 400
    assert "Your current password is not right." in refused.get_data(as_text=True)
    refused = _change(owner, PASSWORD, "brand new secret", "brand new secreT")
    assert "Passwords do not match." in refused.get_data(as_text=True)
    refused = _change(owner, PASSWORD, "short")
    assert refused.status_code == 400
    user = db.session.get(User, small_event.attendee.id)
    db.session.refresh(user)
    assert user.check_password(PASSWORD)

    response = _change(owner, PASSWORD, "brand new secret")
    assert response.status_code == 302 and response.location.endswith("/account?lang=en")
    assert "Your password has been changed." in owner.get("/account?lang=en").get_data(as_text=True)
    db.session.refresh(user)
    assert user.check_password("brand new secret") and not user.check_password(PASSWORD)
    # This session goes on; the one left open elsewhere ends.
    assert owner.get("/account").status_code == 200
    assert elsewhere.get("/account").status_code == 302
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "user.password_changed")
    )
    assert entry is not None and entry.user_id == user.id
    owner.post("/logout")
    login(owner, small_event.attendee, password="brand new secret")


def test_a_remembered_session_stays_remembered(app, small_event):
    client = app.test_client()
    client.post(
        "/login", data={"email": "attendee@example.org", "password": PASSWORD, "remember": "y"}
    )
    assert _change(client, PASSWORD, "brand new secret").status_code == 302
    # Only the renewed remember-me cookie: it signs in under the new password.
    client.delete_cookie("session")
    assert client.get("/account").status_code == 200


def test_guesses_of_the_current_password_count_against_the_sign_in_limit(app, small_event):
    client = app.test_client()
    login(client, small_event.attendee)
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert _change(client, "guess", "brand new secret").status_code == 400
    page = _change(client, PASSWORD, "brand new secret").get_data(as_text=True)
    assert "Too many failed attempts." in page
    user = db.session.get(User, small_event.attendee.id)
    db.session.refresh(user)
    assert user.check_password(PASSWORD)
