import hmac
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import refresh
from flask_login import (
    COOKIE_NAME,
    current_user,
    login_required,
    login_url,
    login_user,
    logout_user,
)

from eventapp.accounts import services
from eventapp.accounts.forms import (
    ChangePasswordForm,
    ConfirmEmailForm,
    LoginForm,
    ProfileForm,
    ResendConfirmationForm,
    ResetPasswordForm,
    ResetRequestForm,
    SignupForm,
)
from eventapp.accounts.models import User
from eventapp.core.i18n import gettext as _
from eventapp.core.urls import safe_redirect_target
from eventapp.extensions import db, login_manager

bp = Blueprint("accounts", __name__)


@login_manager.user_loader
def load_user(user_id):
    number, _sep, stamp = user_id.partition(":")
    if not number.isascii() or not number.isdigit():
        return None
    user = db.session.get(User, int(number))
    if user is None or not hmac.compare_digest(user.session_stamp, stamp):
        return None  # the password changed since this session began
    return user


@login_manager.unauthorized_handler
def sign_in_first():
    """Flask-Login's answer (the sign-in page, then back to the page asked for), except
    for a form sent while signed out (a page left open, signed out in another tab):
    back to the page it was sent from, since a redirect cannot send the form again and
    the address it went to answers no GET (405)."""
    flash(login_manager.login_message, login_manager.login_message_category)
    if request.method in ("GET", "HEAD"):
        target = request.url
    else:
        referrer = request.referrer
        target = referrer if referrer and urlsplit(referrer).netloc == request.host else None
    return redirect(login_url(login_manager.login_view, next_url=target))


def _safe_next(default):
    return safe_redirect_target(request.args.get("next") or request.form.get("next"), default)


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(
                form.email.data, form.password.data, request.remote_addr or "-"
            )
        except services.EmailNotConfirmed as error:
            flash(str(error), "error")
            return (
                render_template("accounts/login.html", form=form, unconfirmed=form.email.data),
                401,
            )
        except services.AccountError as error:
            flash(str(error), "error")
            return render_template("accounts/login.html", form=form), 401
        login_user(user, remember=form.remember.data)
        session["lang"] = user.locale
        return redirect(_safe_next(url_for("core.index")))
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
def logout():
    logout_user()
    session.pop("partner_lists", None)  # what one searched for is not left behind
    flash(_("You are signed out."), "info")
    return redirect(url_for("core.index"))


@bp.route("/signup", methods=["GET", "POST"])
def signup():
    form = SignupForm()
    if form.validate_on_submit():
        # The same answer whether or not the address has an account (see sign_up).
        services.sign_up(
            form.email.data,
            form.password.data,
            name_ko=form.name_ko.data,
            name_en=form.name_en.data,
            locale=form.locale.data,
            next_url=_safe_next(None),
            remote_addr=request.remote_addr or "-",
        )
        flash(
            _(
                "Almost done: we sent a link to %(email)s. Open it to confirm your "
                "address and sign in.",
                email=services.normalize_email(form.email.data),
            ),
            "success",
        )
        return redirect(url_for("accounts.login"))
    return render_template("accounts/signup.html", form=form)


@bp.route("/confirm/<token>", methods=["GET", "POST"])
def confirm_email(token):
    """Opening the link shows a form; the password chosen at sign-up confirms the
    address and signs in (see services.check_confirming_password). A GET changes
    nothing: mail filters open links ahead of their reader (that would use
    up the sign-in), and a page elsewhere could load a link of an account of its
    own making and sign the visitor into it."""
    try:
        user = services.user_from_confirmation_token(token)
    except services.AccountError as error:
        flash(str(error), "error")
        return redirect(url_for("accounts.resend_confirmation"))
    form = ConfirmEmailForm()
    if not user.email_confirmed:
        if not form.validate_on_submit():
            return render_template("accounts/confirm.html", form=form, email=user.email)
        try:
            services.check_confirming_password(user, form.password.data, request.remote_addr or "-")
        except services.AccountError as error:
            form.password.errors = [str(error)]
            page = render_template("accounts/confirm.html", form=form, email=user.email)
            return page, 400
    if not user.email_confirmed and services.confirm_email(user):
        login_user(user)
        session["lang"] = user.locale
        # The request began in the browser's language, which Flask-Babel keeps for it;
        # the welcome is read on the next page, which is in the account's language.
        refresh()
        flash(_("Welcome! Your e-mail address is confirmed and your account is ready."), "success")
        return redirect(_safe_next(url_for("core.index")))
    # An old link signs nobody in: only the first confirmation proves the address.
    flash(_("Your e-mail address is already confirmed."), "info")
    if current_user.is_authenticated:
        return redirect(url_for("core.index"))
    return redirect(url_for("accounts.login"))


@bp.route("/confirm", methods=["GET", "POST"])
def resend_confirmation():
    form = ResendConfirmationForm()
    if form.validate_on_submit():
        services.request_confirmation_mail(form.email.data, request.remote_addr or "-")
        flash(
            _("If an account waits for confirmation at this address, a new link is on its way."),
            "info",
        )
        return redirect(url_for("accounts.login"))
    return render_template("accounts/confirm_resend.html", form=form)


@bp.route("/reset", methods=["GET", "POST"])
def request_reset():
    form = ResetRequestForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data, request.remote_addr or "-")
        flash(
            _("If an account exists for this address, a reset link is on its way."),
            "info",
        )
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_request.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token):
    try:
        user = services.user_from_reset_token(token)
    except services.AccountError as error:
        flash(str(error), "error")
        return redirect(url_for("accounts.request_reset"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        services.reset_password(user, form.password.data)
        flash(_("Your password has been changed. Please sign in."), "success")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form)


@bp.post("/account/password")
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            services.change_password(
                user, form.current.data, form.password.data, request.remote_addr or "-"
            )
        except services.AccountError as error:
            form.current.errors = [str(error)]
        else:
            # This session goes on (under the new password's stamp); a "remember me"
            # cookie is renewed likewise, the other sessions end.
            cookie = current_app.config.get("REMEMBER_COOKIE_NAME", COOKIE_NAME)
            remembered = cookie in request.cookies
            login_user(user, remember=remembered)
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("accounts.profile"))
    return render_template(
        "accounts/profile.html", form=ProfileForm(obj=current_user), password_form=form
    ), 400


@bp.route("/account", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        services.update_profile(
            current_user,
            name_ko=form.name_ko.data or "",
            name_en=form.name_en.data or "",
            phone=form.phone.data or None,
            job_title=form.job_title.data or None,
            locale=form.locale.data,
        )
        session["lang"] = current_user.locale
        flash(_("Your profile is saved."), "success")
        return redirect(url_for("accounts.profile"))
    return render_template("accounts/profile.html", form=form, password_form=ChangePasswordForm())
