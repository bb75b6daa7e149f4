"""Sign-up confirms the e-mail address: nobody acts in the name of an address that
is not theirs (meeting requests and badges mail it)."""

import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from itsdangerous.timed import TimestampSigner
from sqlalchemy import func, select
from sqlalchemy.orm.attributes import set_committed_value

from eventapp.accounts import services
from eventapp.accounts.models import LoginAttempt, User
from eventapp.core.audit import AuditEntry
from eventapp.extensions import db
from eventapp.notifications.models import OutboxMessage
from tests.accounts.test_auth import _reset_link
from tests.conftest import PASSWORD, confirmation_link, login

ADDRESS = "new.person@example.org"
SECRET = "a long enough secret"


def sign_up(client, address, password=SECRET, url="/signup?lang=en", **fields):
    data = {"email": address, "name_en": "New Person", "locale": "en"}
    data.update(fields, password=password, confirm=password)
    return client.post(url, data=data)


def _user(address=ADDRESS):
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == address))


def _confirmation_mails(address=ADDRESS):
    return db.session.scalar(
        select(func.count()).where(
            OutboxMessage.kind == "email_confirmation", OutboxMessage.recipient == address
        )
    )


def _confirmations():
    return db.session.scalar(
        select(func.count()).where(AuditEntry.action == "user.email_confirmed")
    )


def test_signing_in_before_confirming_is_refused_with_a_way_to_get_the_mail(client, app_ctx):
    sign_up(client, ADDRESS)
    response = client.post("/login?lang=en", data={"email": ADDRESS, "password": SECRET})
    assert response.status_code == 401
    page = response.get_data(as_text=True)
    assert "open the link in the mail" in page
    assert 'id="resend-confirmation"' in page and f'value="{ADDRESS}"' in page
    assert client.get("/account").status_code == 302
    # The right password is no failed attempt; no sign-in is recorded either.
    assert db.session.scalar(select(func.count()).select_from(LoginAttempt)) == 0
    assert not db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.login"))
    # A wrong password tells nothing about the account.
    response = client.post("/login?lang=en", data={"email": ADDRESS, "password": "wrong guess"})
    page = response.get_data(as_text=True)
    assert "Wrong e-mail address or password." in page and "resend-confirmation" not in page

    # The button sends the mail again; its link confirms and signs in.
    client.post("/confirm?lang=en", data={"email": ADDRESS})
    assert _confirmation_mails() == 2
    client.post(confirmation_link(ADDRESS), data={"password": SECRET})
    assert client.get("/account").status_code == 200
    client.post("/logout")
    login(client, _user(), password=SECRET)


def test_the_confirmation_mail_speaks_the_accounts_language(client, app_ctx, outbox):
    # Signed up from a Korean page, for an account in English.
    sign_up(client, ADDRESS, url="/signup?lang=ko", locale="en")
    ((recipient, subject, text),) = outbox("email_confirmation")
    assert (recipient, subject) == (ADDRESS, "Confirm your e-mail address for KICXUP")
    assert "within 72 hours" in text


def test_an_opened_link_confirms_once_and_then_signs_nobody_in(app, client, app_ctx):
    sign_up(client, ADDRESS)
    link = confirmation_link(ADDRESS)
    assert client.post(link, data={"password": SECRET}).status_code == 302
    assert _user().email_confirmed
    # Opened again, elsewhere: harmless, and no key to the account.
    other = app.test_client()
    for opened in (other.get, other.post):
        response = opened(link)
        assert response.status_code == 302 and "/login" in response.location
        assert other.get("/account").status_code == 302
    assert _confirmations() == 1


def test_an_expired_link_says_so_and_offers_a_new_mail(client, app_ctx, app, monkeypatch):
    sign_up(client, ADDRESS)
    age = app.config["EMAIL_CONFIRMATION_MAX_AGE_SECONDS"]
    with monkeypatch.context() as patch:
        patch.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - age - 60)
        token = services.make_confirmation_token(_user())
    response = client.get(f"/confirm/{token}?lang=en", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "This confirmation link has expired." in page
    # On the page that sends a new link (in the session's language: the redirect drops ?lang).
    assert response.request.path == "/confirm" and 'name="email"' in page
    assert client.get("/account").status_code == 302
    assert not _user().email_confirmed
    client.post("/confirm", data={"email": ADDRESS})
    assert _confirmation_mails() == 2
    client.post(confirmation_link(ADDRESS), data={"password": SECRET})
    assert client.get("/account").status_code == 200


def test_a_forged_link_is_refused(client, app_ctx):
    sign_up(client, ADDRESS)
    user = _user()
    good = confirmation_link(ADDRESS).removeprefix("/confirm/")
    forgeries = [
        "not-a-token",
        good[:-2] + ("AA" if not good.endswith("AA") else "BB"),
        # A reset link's token is signed with the same key, for another purpose.
        services.make_reset_token(user),
    ]
    for token in forgeries:
        response = client.get(f"/confirm/{token}?lang=en", follow_redirects=True)
        assert "This confirmation link is not valid." in response.get_data(as_text=True), token
        assert client.get("/account").status_code == 302
    assert not _user().email_confirmed
    # Nor does a confirmation link reset a password.
    assert client.get(f"/reset/{good}").status_code == 302


def test_confirmation_mails_are_capped_and_tell_nothing(client, small_event):
    sign_up(client, ADDRESS)
    answers = set()
    for address in [ADDRESS] * (services.CONFIRMATION_MAILS_PER_WINDOW + 3) + [
        "nobody@example.org",
        "attendee@example.org",  # confirmed already
    ]:
        response = client.post("/confirm?lang=en", data={"email": address})
        assert response.status_code == 302
        answers.add(client.get(response.location).get_data(as_text=True).count("a new link"))
    assert answers == {1}
    sent = db.session.scalars(
        select(OutboxMessage.recipient).where(OutboxMessage.kind == "email_confirmation")
    ).all()
    # The sign-up's own mail counts too.
    assert sent == [ADDRESS] * services.CONFIRMATION_MAILS_PER_WINDOW


def test_a_deactivated_account_is_mailed_no_confirmation_link(client, app_ctx):
    """Its link would only say "This confirmation link is not valid. We can send you
    a new one.", and the new one the same, as a deactivated account gets no reset
    link either."""
    sign_up(client, ADDRESS)
    user = _user()
    user.active = False
    db.session.commit()
    response = client.post("/confirm?lang=en", data={"email": ADDRESS})
    # Answered as for any address.
    assert "a new link is on its way" in client.get(response.location).get_data(as_text=True)
    assert _confirmation_mails() == 1  # the sign-up's own, sent while it was open
    assert (
        db.session.scalar(
            select(func.count()).where(
                AuditEntry.action == "user.confirmation_sent",
                AuditEntry.object_id == str(user.id),
            )
        )
        == 1
    )


def test_a_reset_link_confirms_the_address(client, app_ctx):
    """Whoever took an address at sign-up without confirming it: its owner, asking
    for a reset link, gets the account, and it is confirmed."""
    sign_up(client, ADDRESS, password="somebody else's secret")
    owner = _reset_link(client, ADDRESS)
    client.post(owner, data={"password": "the owner's secret", "confirm": "the owner's secret"})
    assert _user().email_confirmed
    assert db.session.scalar(
        select(AuditEntry.data).where(AuditEntry.action == "user.email_confirmed")
    ) == {"by": "password_reset"}
    login(client, _user(), password="the owner's secret")
    # The old confirmation link opens nothing any more.
    client.post("/logout")
    client.post(confirmation_link(ADDRESS), data={"password": SECRET})
    assert client.get("/account").status_code == 302


def test_accounts_made_otherwise_are_confirmed(app_ctx, small_event):
    from eventapp.exhibitors.services import invite_account

    invited = invite_account("hire@example.org", "New Hire", "en", None)
    made = services.create_user("admin2@example.org", SECRET, name_en="Admin")
    db.session.commit()
    assert invited.email_confirmed and made.email_confirmed
    assert small_event.attendee.email_confirmed


def test_two_confirmations_at_once_are_harmless(app, client, app_ctx):
    sign_up(client, ADDRESS)
    token = confirmation_link(ADDRESS).removeprefix("/confirm/")
    db.session.remove()
    barrier = threading.Barrier(2)

    def confirm(_number):
        # As two workers would, each with its own session: a mail scanner and the
        # person, or a double click.
        with app.test_request_context("/"):
            try:
                barrier.wait(timeout=30)
                return services.confirm_email(services.user_from_confirmation_token(token))
            finally:
                db.session.remove()

    with ThreadPoolExecutor(2) as pool:
        answers = sorted(pool.map(confirm, range(2)))
    assert answers == [False, True]
    assert _user().email_confirmed
    assert _confirmations() == 1


def _answer(client, response):
    """The message shown after a sign-up, without the address it names."""
    assert response.status_code == 302 and "/login" in response.location
    page = client.get(response.location).get_data(as_text=True)
    return re.search(r"Almost done: we sent a link to (\S+)\. Open it", page).group(0)


def test_signing_up_answers_alike_whether_the_address_has_an_account(client, small_event):
    sign_up(client, ADDRESS, password="somebody else's secret")  # left unconfirmed
    answers = {
        _answer(client, sign_up(client, address)).replace(address, "ADDRESS")
        for address in (ADDRESS, "brand.new@example.org", "attendee@example.org")
    }
    assert answers == {"Almost done: we sent a link to ADDRESS. Open it"}


def test_an_unconfirmed_sign_up_is_taken_over_by_the_next_one(app, client, app_ctx):
    """Someone signed up with another person's address and left it unconfirmed: its
    owner signs up all the same, and only the owner's link confirms."""
    sign_up(client, ADDRESS, password="somebody else's secret", name_en="Squatter", locale="ko")
    squatters_link = confirmation_link(ADDRESS)
    owner = app.test_client()
    response = sign_up(owner, ADDRESS, password="the owner's secret", name_en="Owner")
    assert response.status_code == 302
    user = _user()
    assert user.check_password("the owner's secret")
    assert not user.check_password("somebody else's secret")
    assert (user.name_en, user.locale, user.email_confirmed) == ("Owner", "en", False)
    assert _confirmation_mails() == 2
    assert (
        db.session.scalar(select(func.count()).select_from(User).where(User.email == ADDRESS)) == 1
    )
    assert (
        db.session.scalar(select(func.count()).where(AuditEntry.action == "user.signup_replaced"))
        == 1
    )
    # The earlier link confirms nothing any more.
    response = client.post(squatters_link + "?lang=en", follow_redirects=True)
    assert "This confirmation link is not valid." in response.get_data(as_text=True)
    assert not _user().email_confirmed
    assert client.get("/account").status_code == 302
    # The new one does, for the owner's password.
    owner.post(confirmation_link(ADDRESS), data={"password": "the owner's secret"})
    assert owner.get("/account").status_code == 200
    response = client.post("/login", data={"email": ADDRESS, "password": "somebody else's secret"})
    assert response.status_code == 401


def test_an_old_link_checked_before_a_take_over_confirms_nothing(client, app_ctx):
    sign_up(client, ADDRESS, password="somebody else's secret")
    old = services.user_from_confirmation_token(
        confirmation_link(ADDRESS).removeprefix("/confirm/")
    )
    old_hash = old.password_hash
    sign_up(client, ADDRESS, password="the owner's secret")
    # As if the old link's check had passed just before the take-over committed.
    old = _user()
    set_committed_value(old, "password_hash", old_hash)
    assert services.confirm_email(old) is False
    db.session.rollback()
    assert not _user().email_confirmed


def test_take_overs_are_capped_with_the_confirmation_mails(client, app_ctx):
    sign_up(client, ADDRESS, password="the first secret")
    for number in range(services.CONFIRMATION_MAILS_PER_WINDOW + 2):
        sign_up(client, ADDRESS, password=f"secret number {number}")
    assert _confirmation_mails() == services.CONFIRMATION_MAILS_PER_WINDOW
    # The account keeps the password of the last link mailed: that link still works.
    last = services.CONFIRMATION_MAILS_PER_WINDOW - 2
    assert _user().check_password(f"secret number {last}")
    client.post(confirmation_link(ADDRESS), data={"password": f"secret number {last}"})
    assert client.get("/account").status_code == 200


def test_signing_up_with_a_confirmed_address_tells_its_owner(client, small_event, outbox):
    attendee = small_event.attendee
    attendee.locale = "ko"
    db.session.commit()
    for _number in range(services.SIGNUP_NOTICE_MAILS_PER_WINDOW + 2):
        sign_up(client, attendee.email, password="an intruder's secret", name_en="Intruder")
    db.session.expire_all()
    assert attendee.check_password(PASSWORD) and attendee.name_en == "Attendee"
    assert not attendee.check_password("an intruder's secret")
    assert _confirmation_mails(attendee.email) == 0
    mails = outbox("signup_existing")
    assert len(mails) == services.SIGNUP_NOTICE_MAILS_PER_WINDOW
    recipient, subject, text = mails[0]
    assert recipient == attendee.email
    # In the account's language, pointing to the password reset.
    assert "attendee 님" in text and subject
    assert "http://testserver/reset" in text
    assert (
        db.session.scalar(select(func.count()).where(AuditEntry.action == "user.signup_attempted"))
        == services.SIGNUP_NOTICE_MAILS_PER_WINDOW
    )
    login(client, attendee)


def test_confirming_takes_the_password_chosen_at_sign_up(client, app_ctx, app):
    """Someone signs up with another person's address: its owner, opening the mail,
    must not confirm the stranger's password into an account in their name."""
    sign_up(client, ADDRESS, password="somebody else's secret")
    link = confirmation_link(ADDRESS)
    owner = app.test_client()
    response = owner.post(link + "?lang=en", data={"password": "the owner's guess"})
    assert response.status_code == 400
    assert "This is not the password chosen when signing up." in response.get_data(as_text=True)
    assert not _user().email_confirmed
    assert owner.get("/account").status_code == 302
    # Wrong guesses count against the sign-in limit, so the form is no guessing oracle.
    for number in range(app.config["LOGIN_MAX_FAILURES"]):
        owner.post(link, data={"password": f"guess {number}"})
    response = owner.post(link + "?lang=en", data={"password": "somebody else's secret"})
    assert "Too many failed attempts" in response.get_data(as_text=True)
    assert not _user().email_confirmed


def test_the_language_offered_at_sign_up_is_the_pages(client, app_ctx):
    # Read in English, the form proposes English mails; in Korean, Korean ones.
    english = client.get("/signup?lang=en").get_data(as_text=True)
    assert re.search(
        r'<option[^>]*selected[^>]*value="en"|<option[^>]*value="en"[^>]*selected', english
    )
    korean = client.get("/signup?lang=ko").get_data(as_text=True)
    assert re.search(
        r'<option[^>]*selected[^>]*value="ko"|<option[^>]*value="ko"[^>]*selected', korean
    )


def test_signing_up_from_an_events_page_leads_back_to_that_event(client, small_event):
    # A later event is the one the site's front page leads to.
    from datetime import date

    from tests.conftest import add_other_event

    add_other_event("later-expo", starts_on=date(2099, 1, 1))
    # A fair to come: one that is over offers no sign-up.
    small_event.event.starts_on = small_event.event.ends_on = date(2098, 9, 17)
    db.session.commit()
    home = client.get("/e/test-expo/?lang=en").get_data(as_text=True)
    signup = re.search(r'href="(/signup[^"]*)"[^>]*>Sign up to take part', home)
    assert signup is not None
    url = signup.group(1).replace("&amp;", "&")
    sign_up(client, ADDRESS, url=url)
    response = client.post(confirmation_link(ADDRESS), data={"password": SECRET})
    assert response.status_code == 302 and response.location.endswith("/e/test-expo/")


def test_signing_up_from_the_menu_of_an_events_page_leads_back_to_that_event(client, small_event):
    """The menu's "Sign up" led, once the address was confirmed, to the site's front
    page, which shows the newest event: another one than the page it came from."""
    from datetime import date

    from tests.conftest import add_other_event

    add_other_event("later-expo", starts_on=date(2099, 1, 1))
    db.session.commit()
    page = client.get("/e/test-expo/floorplan?lang=en").get_data(as_text=True)
    menu = page.split('<nav class="mainnav"', 1)[1].split("</nav>", 1)[0]
    signup = re.search(r'href="(/signup[^"]*)">Sign up<', menu)
    assert signup is not None
    sign_up(client, ADDRESS, url=signup.group(1).replace("&amp;", "&"))
    response = client.post(confirmation_link(ADDRESS), data={"password": SECRET})
    assert response.status_code == 302 and response.location.endswith("/e/test-expo/")


def test_an_address_at_a_domain_in_hangul_gets_its_mail_and_signs_in(client, app_ctx):
    # A domain in non-Latin letters goes to mail servers in its ASCII form; the raw
    # form made a To header no server reads and an RCPT command SMTP cannot send.
    sign_up(client, "Kim@한국.example")
    stored = "kim@xn--3e0b707e.example"
    user = _user(stored)
    assert user is not None
    row = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "email_confirmation"))
    assert row.recipient == stored and row.recipient.isascii()
    assert f"To: {stored}".encode() in row.raw
    client.post(confirmation_link(stored), data={"password": SECRET})
    client.post("/logout")
    for typed in ("kim@한국.example", stored):
        response = client.post("/login?lang=en", data={"email": typed, "password": SECRET})
        assert response.status_code == 302, typed
        client.post("/logout")
    # Signing up again with either form finds the same account.
    sign_up(client, "kim@한국.example")
    assert (
        db.session.scalar(select(func.count()).select_from(User).where(User.email.like("kim@%")))
        == 1
    )


def test_the_welcome_after_confirming_speaks_the_accounts_language(app, client, app_ctx):
    """The page after confirming is in the account's language; its welcome must be
    too, even when the link was opened in a browser that reads another one."""
    sign_up(client, ADDRESS, locale="ko")
    english_browser = app.test_client()
    headers = {"Accept-Language": "en"}
    link = confirmation_link(ADDRESS)
    assert "Confirm your e-mail address" in english_browser.get(link, headers=headers).get_data(
        as_text=True
    )
    response = english_browser.post(
        link, data={"password": SECRET}, headers=headers, follow_redirects=True
    )
    page = response.get_data(as_text=True)
    assert '<html lang="ko">' in page
    assert "환영합니다! 이메일 주소가 확인되어 계정을 사용할 수 있습니다." in page
    assert "Welcome!" not in page


def test_forgetting_the_sign_up_password_is_no_dead_end(client, app_ctx):
    """The confirmation page asks for the password chosen at sign-up; whoever forgot
    it found no way on. It now leads to a new password, which confirms the address."""
    sign_up(client, ADDRESS)
    page = client.get(confirmation_link(ADDRESS) + "?lang=en").get_data(as_text=True)
    found = re.search(r'id="forgot-signup-password"><a href="([^"]+)">([^<]+)<', page)
    assert found is not None
    assert found.group(2) == (
        "Forgot the password? Choose a new one instead: that confirms your address too."
    )
    korean = client.get(confirmation_link(ADDRESS) + "?lang=ko").get_data(as_text=True)
    assert (
        "비밀번호를 잊으셨나요? 새 비밀번호를 설정하세요. 이메일 주소도 함께 확인됩니다." in korean
    )
    assert client.get(found.group(1)).status_code == 200
    client.post(
        _reset_link(client, ADDRESS),
        data={"password": "a brand new secret", "confirm": "a brand new secret"},
    )
    assert _user().email_confirmed
    response = client.post("/login", data={"email": ADDRESS, "password": "a brand new secret"})
    assert response.status_code == 302
