import email
import email.policy
import re
import time
from datetime import timedelta

from sqlalchemy import func, insert, select

from eventapp.accounts import services
from eventapp.accounts.models import LoginAttempt, User
from eventapp.core.audit import AuditEntry
from eventapp.core.db import utcnow
from eventapp.extensions import db
from eventapp.notifications.models import OutboxMessage
from tests.conftest import PASSWORD, confirmation_link, login, mailed_path


def test_signup_creates_hashed_account_signed_in_by_the_mailed_link(client, app_ctx):
    response = client.post(
        "/signup",
        data={
            "email": "New.Person@Example.org",
            "name_en": "New Person",
            "password": "a long enough secret",
            "confirm": "a long enough secret",
            "locale": "en",
        },
    )
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "new.person@example.org"))
    assert user is not None
    assert user.password_hash != "a long enough secret"
    assert user.check_password("a long enough secret")
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.created"))
    # Nobody is signed in with an address nobody has checked.
    assert not user.email_confirmed
    assert client.get("/account").status_code == 302
    # Opening the link asks for a click (a mail filter's visit confirms nothing) ...
    link = confirmation_link("new.person@example.org")
    assert 'id="confirm-address"' in client.get(link).get_data(as_text=True)
    assert client.get("/account").status_code == 302
    db.session.refresh(user)
    assert not user.email_confirmed
    # ... which confirms the address and signs in.
    response = client.post(link, data={"password": "a long enough secret"})
    assert response.status_code == 302
    assert client.get("/account").status_code == 200
    db.session.refresh(user)
    assert user.email_confirmed
    assert db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "user.email_confirmed")
    ).data == {"by": "link"}


def test_signup_leaves_an_existing_account_alone_and_rejects_a_short_password(client, small_event):
    response = client.post(
        "/signup?lang=en",
        data={
            "email": "attendee@example.org",
            "name_en": "X",
            "password": "a long enough secret",
            "confirm": "a long enough secret",
            "locale": "en",
        },
    )
    # Answered as for a new address: the answer tells nobody the account exists.
    assert response.status_code == 302
    assert "already exists" not in client.get(response.location).get_data(as_text=True)
    db.session.refresh(small_event.attendee)
    assert small_event.attendee.check_password(PASSWORD)
    assert small_event.attendee.name_en == "Attendee"
    response = client.post(
        "/signup",
        data={
            "email": "fresh@example.org",
            "name_en": "X",
            "password": "short",
            "confirm": "short",
            "locale": "en",
        },
    )
    assert response.status_code == 200
    assert db.session.scalar(select(User).where(User.email == "fresh@example.org")) is None


def test_login_and_logout(client, small_event):
    login(client, small_event.attendee)
    assert client.get("/account").status_code == 200
    client.post("/logout")
    response = client.get("/account")
    assert response.status_code == 302 and "/login" in response.location


def test_wrong_password_is_refused_and_counted(client, small_event):
    response = client.post("/login", data={"email": "attendee@example.org", "password": "nope"})
    assert response.status_code == 401
    assert db.session.scalar(
        select(LoginAttempt).where(LoginAttempt.email == "attendee@example.org")
    )


def test_login_attempts_are_rate_limited(client, small_event, app):
    limit = app.config["LOGIN_MAX_FAILURES"]
    for _ in range(limit):
        client.post("/login", data={"email": "attendee@example.org", "password": "wrong"})
    # Even the right password is refused while the account is throttled.
    response = client.post(
        "/login?lang=en", data={"email": "attendee@example.org", "password": PASSWORD}
    )
    assert response.status_code == 401
    assert "Too many failed attempts" in response.get_data(as_text=True)
    # Other accounts are not affected.
    login(client, small_event.organizer)


def test_password_reset_by_emailed_signed_link(client, small_event):
    response = client.post("/reset", data={"email": "attendee@example.org"})
    assert response.status_code == 302
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "password_reset"))
    assert message is not None and message.recipient == "attendee@example.org"
    body = (
        email.message_from_bytes(message.raw, policy=email.policy.default).get_body().get_content()
    )
    link = re.search(r"http://testserver(/reset/\S+)", body)
    assert link, body
    path = link.group(1)
    response = client.post(
        path, data={"password": "brand new secret", "confirm": "brand new secret"}
    )
    assert response.status_code == 302
    login(client, small_event.attendee, password="brand new secret")
    # The link is single-use.
    client.post("/logout")
    response = client.get(path)
    assert response.status_code == 302 and "/reset" in response.location


def test_reset_for_unknown_address_reveals_nothing(client, small_event):
    response = client.post("/reset", data={"email": "nobody@example.org"})
    assert response.status_code == 302
    assert db.session.scalar(select(OutboxMessage)) is None


def test_tampered_reset_token_is_rejected(client, small_event):
    response = client.get("/reset/not-a-token")
    assert response.status_code == 302
    assert "/reset" in response.location


def test_a_deactivated_account_gets_no_password_reset(client, small_event):
    """Its owner was mailed a link, chose a password, was told to sign in, and was then
    refused with "Wrong e-mail address or password"."""
    attendee = small_event.attendee
    earlier = _reset_link(client, attendee.email)
    attendee.active = False
    db.session.commit()
    sent = db.session.scalar(select(func.count()).select_from(OutboxMessage))
    response = client.post("/reset?lang=en", data={"email": attendee.email})
    # Answered as for any address, but nothing is mailed.
    assert "If an account exists for this address" in client.get(response.location).get_data(
        as_text=True
    )
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == sent
    # A link mailed before it was shut no longer sets a password.
    response = client.get(earlier + "?lang=en")
    assert response.status_code == 302 and "/reset" in response.location
    assert "This reset link is not valid." in client.get(response.location).get_data(as_text=True)
    response = client.post(
        earlier, data={"password": "brand new secret", "confirm": "brand new secret"}
    )
    db.session.expire_all()
    assert db.session.get(User, attendee.id).check_password(PASSWORD)


def test_session_cookie_flags(client, small_event):
    response = client.post("/login", data={"email": "attendee@example.org", "password": PASSWORD})
    cookie = response.headers.get("Set-Cookie")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_profile_language_is_remembered(client, small_event):
    login(client, small_event.attendee)
    client.post("/account", data={"name_en": "Attendee", "name_ko": "", "locale": "ko"})
    db.session.refresh(small_event.attendee)
    assert small_event.attendee.locale == "ko"


def test_simultaneous_signup_with_the_same_address_is_answered_alike(client, app_ctx, monkeypatch):
    """Two sign-ups with one address both find no account; the one that commits
    second gets the answer of a sign-up with a taken address, not a 500."""
    real_find_user = services.find_user
    checked = []

    def other_signup_commits_after_the_check(email):
        if checked:
            return real_find_user(email)
        checked.append(email)
        # The other request commits between this request's check and its insert.
        with db.engine.begin() as connection:
            connection.execute(
                insert(User).values(
                    email="race@example.org",
                    password_hash="x",
                    name_ko="",
                    name_en="First",
                    locale="en",
                    is_admin=False,
                    active=True,
                    created_at=utcnow(),
                )
            )
        return None

    monkeypatch.setattr(services, "find_user", other_signup_commits_after_the_check)
    response = client.post(
        "/signup?lang=en",
        data={
            "email": "race@example.org",
            "name_en": "Second",
            "password": "a long enough secret",
            "confirm": "a long enough secret",
            "locale": "en",
        },
    )
    assert response.status_code == 302
    db.session.rollback()
    users = list(db.session.scalars(select(User).where(User.email == "race@example.org")))
    assert [u.name_en for u in users] == ["First"]
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.created")) is None
    # The first account is confirmed: its owner hears of the attempt.
    assert (
        db.session.scalar(
            select(OutboxMessage.recipient).where(OutboxMessage.kind == "signup_existing")
        )
        == "race@example.org"
    )


def _failure(email, age):
    return LoginAttempt(email=email, remote_addr="192.0.2.1", created_at=utcnow() - age)


def test_logins_prune_expired_failures_at_most_once_per_interval(
    client, small_event, app, monkeypatch
):
    window = timedelta(seconds=app.config["LOGIN_FAILURE_WINDOW_SECONDS"])
    monkeypatch.setattr(services, "_last_prune", None)
    db.session.add_all(
        [
            _failure("old@example.org", window + timedelta(minutes=1)),
            _failure("recent@example.org", timedelta(minutes=1)),
        ]
    )
    db.session.commit()

    login(client, small_event.attendee)
    remaining = set(db.session.scalars(select(LoginAttempt.email)))
    assert remaining == {"recent@example.org"}

    # Right after a prune, logins do not pay for another one.
    db.session.add(_failure("old-again@example.org", window + timedelta(minutes=1)))
    db.session.commit()
    client.post("/login", data={"email": "attendee@example.org", "password": "wrong"})
    assert "old-again@example.org" in set(db.session.scalars(select(LoginAttempt.email)))

    # Once the interval has passed, the next login prunes again.
    interval = app.config["LOGIN_PRUNE_INTERVAL_SECONDS"]
    monkeypatch.setattr(services, "_last_prune", time.monotonic() - interval - 1)
    client.post("/login", data={"email": "attendee@example.org", "password": "wrong"})
    remaining = set(db.session.scalars(select(LoginAttempt.email)))
    assert "old-again@example.org" not in remaining
    assert {"recent@example.org", "attendee@example.org"} <= remaining


def _reset_link(client, address):
    client.post("/reset", data={"email": address})
    message = db.session.scalar(
        select(OutboxMessage)
        .where(OutboxMessage.kind == "password_reset")
        .order_by(OutboxMessage.id.desc())
    )
    body = (
        email.message_from_bytes(message.raw, policy=email.policy.default).get_body().get_content()
    )
    return mailed_path(body, "/reset/")


def test_a_password_reset_signs_out_every_other_session(app, small_event):
    stolen = app.test_client()
    login(stolen, small_event.attendee)
    remembered = app.test_client()
    remembered.post(
        "/login",
        data={"email": "attendee@example.org", "password": PASSWORD, "remember": "y"},
    )
    assert stolen.get("/account").status_code == 200
    owner = app.test_client()
    owner.post(
        _reset_link(owner, "attendee@example.org"),
        data={"password": "brand new secret", "confirm": "brand new secret"},
    )
    assert stolen.get("/account").status_code == 302
    # The remember-me cookie alone no longer signs in either.
    remembered.delete_cookie("session")
    assert remembered.get("/account").status_code == 302
    login(stolen, small_event.attendee, password="brand new secret")
    assert stolen.get("/account").status_code == 200


def test_a_password_reset_lifts_the_lockout(client, small_event, app):
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        client.post("/login", data={"email": "attendee@example.org", "password": "wrong"})
    client.post(
        _reset_link(client, "attendee@example.org"),
        data={"password": "brand new secret", "confirm": "brand new secret"},
    )
    client.post("/logout")
    login(client, small_event.attendee, password="brand new secret")


def test_signup_refuses_an_address_mail_servers_may_not_carry(client, app_ctx):
    response = client.post(
        "/signup?lang=en",
        data={
            "email": "한글@example.org",
            "name_en": "X",
            "password": "a long enough secret",
            "confirm": "a long enough secret",
            "locale": "en",
        },
    )
    assert response.status_code == 200
    assert db.session.scalar(select(User).where(User.email == "한글@example.org")) is None


def test_reset_mails_are_capped_per_address(client, small_event):
    for _ in range(services.RESET_MAILS_PER_WINDOW + 3):
        assert client.post("/reset", data={"email": "attendee@example.org"}).status_code == 302
    sent = db.session.scalars(
        select(OutboxMessage.recipient).where(OutboxMessage.kind == "password_reset")
    ).all()
    assert sent == ["attendee@example.org"] * services.RESET_MAILS_PER_WINDOW


def test_reset_mail_speaks_the_accounts_language(client, small_event):
    # The fixture's attendee prefers English; the anonymous request is in Korean.
    client.post("/reset?lang=ko", data={"email": "attendee@example.org"})
    message = db.session.scalar(select(OutboxMessage))
    assert message.subject == "Reset your KICXUP password"
    body = email.message_from_bytes(message.raw, policy=email.policy.default).get_body()
    assert "within 60 minutes" in body.get_content()


def test_an_unknown_address_costs_a_password_check_too(client, small_event, monkeypatch):
    checked = []
    real = services.check_password_hash

    def counting(hash_, password):
        checked.append(password)
        return real(hash_, password)

    monkeypatch.setattr(services, "check_password_hash", counting)
    response = client.post("/login", data={"email": "nobody@example.org", "password": "guess"})
    assert response.status_code == 401
    assert checked == ["guess"]


def test_profile_keeps_at_least_one_name(client, small_event):
    login(client, small_event.attendee)
    response = client.post("/account?lang=en", data={"name_en": " ", "name_ko": "", "locale": "en"})
    assert response.status_code == 200
    assert "Give your name in Korean or English." in response.get_data(as_text=True)
    db.session.refresh(small_event.attendee)
    assert small_event.attendee.name_en


def test_names_are_kept_without_surrounding_spaces(client, small_event):
    """A name field left with a space (as phone keyboards add) is no name: shown in
    English, the person was a blank, on the badge and in every list."""
    client.post(
        "/signup?lang=en",
        data={
            "email": "spaces@example.org",
            "name_ko": " 홍길동 ",
            "name_en": "  ",
            "password": "a long enough secret",
            "confirm": "a long enough secret",
            "locale": "en",
        },
    )
    user = db.session.scalar(select(User).where(User.email == "spaces@example.org"))
    assert (user.name_ko, user.name_en) == ("홍길동", "")
    assert user.localized("name", "en") == "홍길동"
    login(client, small_event.attendee)
    client.post(
        "/account", data={"name_en": " Attendee ", "name_ko": " ", "locale": "en", "phone": " "}
    )
    db.session.refresh(small_event.attendee)
    attendee = small_event.attendee
    assert (attendee.name_en, attendee.name_ko, attendee.phone) == ("Attendee", "", None)
    assert attendee.localized("name", "ko") == "Attendee"


def test_creating_an_account_from_the_sign_in_page_leads_on_to_the_page_asked_for(
    client, small_event
):
    """Someone new, sent to the sign-in page by the exhibitor registration link,
    creates an account there: they must land on the registration, not on the home
    page left to find it again."""
    response = client.get("/e/test-expo/exhibit")
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    signup = re.search(r'href="([^"]*/signup[^"]*)"', page.split("<main", 1)[-1]).group(1)
    response = client.post(
        signup.replace("&amp;", "&"),
        data={
            "email": "newcomer@example.org",
            "name_en": "Newcomer",
            "password": "a long enough secret",
            "confirm": "a long enough secret",
            "locale": "en",
        },
    )
    assert response.status_code == 302
    # The link that confirms the address carries them on to it.
    response = client.post(
        confirmation_link("newcomer@example.org"), data={"password": "a long enough secret"}
    )
    assert response.status_code == 302
    assert response.location.endswith("/e/test-expo/exhibit")
    assert client.get(response.location).status_code == 200


def test_the_site_is_named_in_the_pages_language(client, app_ctx):
    """Pages outside an event (sign-in, sign-up) named it "KICXUP Global" in the Korean
    header and title, while their footer said "KICXUP 글로벌"."""
    korean = client.get("/login?lang=ko").get_data(as_text=True)
    assert '<span class="brand-text">KICXUP 글로벌</span>' in korean
    assert "KICXUP Global" not in korean
    english = client.get("/signup?lang=en").get_data(as_text=True)
    assert '<span class="brand-text">KICXUP Global</span>' in english


def test_the_password_rule_is_told_before_the_first_try(client, small_event):
    for url in ("/signup", _reset_link(client, "attendee@example.org"), "/account"):
        if url == "/account":
            login(client, small_event.attendee)
        english = client.get(url + "?lang=en").get_data(as_text=True)
        assert '<small class="hint">At least 10 characters.</small>' in english, url
        korean = client.get(url + "?lang=ko").get_data(as_text=True)
        assert '<small class="hint">10자 이상 입력하세요.</small>' in korean, url


def test_a_form_sent_while_signed_out_leads_back_to_its_page(client, small_event):
    """Signed out in another tab, then "Register as attendee" on a page left open: the
    sign-in led on to the address the form was sent to, which answers no GET (405)."""
    from datetime import date, timedelta

    event = small_event.event
    event.starts_on = event.ends_on = date.today() + timedelta(days=30)
    db.session.commit()
    response = client.post(
        "/e/test-expo/join", headers={"Referer": "http://localhost/e/test-expo/"}
    )
    assert response.status_code == 302
    assert response.location == "/login?next=%2Fe%2Ftest-expo%2F"
    response = client.post(
        response.location, data={"email": "outsider@example.org", "password": PASSWORD}
    )
    assert response.status_code == 302 and response.location == "/e/test-expo/"
    assert client.get(response.location).status_code == 200
    # From a page elsewhere (or none named), the sign-in leads to the front page.
    client.post("/logout")
    response = client.post("/e/test-expo/join", headers={"Referer": "https://evil.example/x"})
    assert response.location == "/login"
    # A page asked for is still the one reached after signing in.
    assert client.get("/account").location == "/login?next=%2Faccount"


def test_a_locked_sign_in_says_how_long_to_wait(client, small_event, app):
    """ "Please wait a few minutes" left people guessing (the lock lasts up to 15)."""
    import time_machine

    limit = app.config["LOGIN_MAX_FAILURES"]
    with time_machine.travel("2026-03-02T09:00:00Z", tick=False) as clock:
        for _ in range(limit):
            client.post("/login", data={"email": "attendee@example.org", "password": "wrong"})
            clock.shift(timedelta(minutes=1))
        response = client.post(
            "/login?lang=en", data={"email": "attendee@example.org", "password": PASSWORD}
        )
        page = response.get_data(as_text=True)
        assert response.status_code == 401
        # The first failure leaves the window at 09:15, ten minutes from 09:05.
        assert (
            "Too many failed attempts. Try again in 10 minutes, or choose a new password "
            "with “Forgot your password?”." in page
        )
        clock.shift(timedelta(minutes=9, seconds=30))
        page = client.post(
            "/login?lang=ko", data={"email": "attendee@example.org", "password": PASSWORD}
        ).get_data(as_text=True)
        assert "1분 뒤에 다시 시도하거나 “비밀번호를 잊으셨나요?”에서" in page
        clock.shift(timedelta(minutes=1))
        login(client, small_event.attendee)

        # Held by the address's failures (many accounts mistyped), a new password of
        # one account would not help: not offered.
        client.post("/logout")
        for number in range(limit * 4):
            client.post("/login", data={"email": f"x{number}@example.org", "password": "no"})
        page = client.post(
            "/login?lang=en", data={"email": "organizer@example.org", "password": PASSWORD}
        ).get_data(as_text=True)
        assert "Too many failed attempts. Try again in 15 minutes." in page


def test_signing_in_from_the_menu_of_the_sign_up_page_leads_on(client, small_event):
    """The menu's "Sign in" on the sign-up (or sign-in, reset) page led back, once
    signed in, to that page's own form, as if signing in had not worked."""

    def menu_sign_in(url):
        page = client.get(url).get_data(as_text=True)
        menu = page.split('<nav class="mainnav"', 1)[1].split("</nav>", 1)[0]
        return re.search(r'<a href="([^"]*)">Sign in</a>', menu).group(1).replace("&amp;", "&")

    assert menu_sign_in("/signup?lang=en") == "/login"
    assert menu_sign_in("/reset?lang=en") == "/login"
    target = menu_sign_in("/signup?next=/e/test-expo/&lang=en")
    assert target == "/login?next=/e/test-expo/"
    response = client.post(target, data={"email": "attendee@example.org", "password": PASSWORD})
    assert response.location == "/e/test-expo/"
    # Elsewhere, back to the page itself.
    client.post("/logout")
    assert menu_sign_in("/e/test-expo/floorplan?lang=en").startswith(
        "/login?next=/e/test-expo/floorplan"
    )


def test_an_address_with_spaces_around_it_signs_in_and_asks_for_a_reset(client, small_event):
    """A browser strips the spaces around an e-mail address, but an address pasted into
    a form sent by an app or a password manager kept them: " attendee@example.org " was
    refused as not an e-mail address, on sign-in and on the reset form."""
    spaced = " attendee@example.org "
    response = client.post("/login?lang=en", data={"email": spaced, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert client.get("/account").status_code == 200
    client.post("/logout")
    client.post("/reset?lang=en", data={"email": spaced})
    (message,) = db.session.scalars(select(OutboxMessage)).all()
    assert message.recipient == "attendee@example.org"
