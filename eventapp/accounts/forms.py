from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from eventapp.core.forms import ChoiceField, select_choices
from eventapp.core.i18n import current_language
from eventapp.core.i18n import lazy_gettext as _l

LANGUAGE_CHOICES = select_choices([("ko", "한국어"), ("en", "English")])


def stripped(value):
    """Without surrounding spaces (phone keyboards add one): a name of spaces alone
    is no name, and would be shown in its language instead of the other one."""
    return value.strip() if isinstance(value, str) else value


STRIPPED = [stripped]

PASSWORD_MIN = 10
# Told before the first try: on a phone, a refusal after typing it twice costs both.
PASSWORD_HINT = _l("At least %(num)s characters.", num=PASSWORD_MIN)


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email()], filters=STRIPPED)
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    remember = BooleanField(_l("Keep me signed in"))


class NamesMixin:
    """A form with `name_ko` and `name_en`: at least one of the two is required,
    since badges print them."""

    def validate(self, extra_validators=None):
        if not super().validate(extra_validators):
            return False
        if not ((self.name_ko.data or "").strip() or (self.name_en.data or "").strip()):
            self.name_en.errors.append(_l("Give your name in Korean or English."))
            return False
        return True


class SignupForm(NamesMixin, FlaskForm):
    # SMTPUTF8 is not offered by every mail server; an address that needs it
    # could never receive the reset link or the meeting invites.
    email = EmailField(
        _l("E-mail"),
        validators=[DataRequired(), Email(allow_smtputf8=False), Length(max=254)],
        filters=STRIPPED,
    )
    name_ko = StringField(
        _l("Name (Korean)"), validators=[Optional(), Length(max=100)], filters=STRIPPED
    )
    name_en = StringField(
        _l("Name (English)"), validators=[Optional(), Length(max=100)], filters=STRIPPED
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(min=PASSWORD_MIN, max=128)],
        description=PASSWORD_HINT,
    )
    confirm = PasswordField(
        _l("Repeat password"),
        validators=[DataRequired(), EqualTo("password", message=_l("Passwords do not match."))],
    )
    # Preset to the language the page is read in: whoever signs up from the English
    # page and leaves the field alone reads English mails, from the confirmation on.
    locale = ChoiceField(
        _l("Preferred language"), choices=LANGUAGE_CHOICES, default=current_language
    )


class ResetRequestForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email()], filters=STRIPPED)


class ConfirmEmailForm(FlaskForm):
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired()],
        description=_l("The password you chose when signing up."),
    )


class ResendConfirmationForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email()], filters=STRIPPED)


class ResetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(min=PASSWORD_MIN, max=128)],
        description=PASSWORD_HINT,
    )
    confirm = PasswordField(
        _l("Repeat password"),
        validators=[DataRequired(), EqualTo("password", message=_l("Passwords do not match."))],
    )


class ChangePasswordForm(ResetPasswordForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=128)])


class ProfileForm(NamesMixin, FlaskForm):
    name_ko = StringField(
        _l("Name (Korean)"), validators=[Optional(), Length(max=100)], filters=STRIPPED
    )
    name_en = StringField(
        _l("Name (English)"), validators=[Optional(), Length(max=100)], filters=STRIPPED
    )
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40)], filters=STRIPPED)
    job_title = StringField(
        _l("Job title"), validators=[Optional(), Length(max=100)], filters=STRIPPED
    )
    locale = ChoiceField(_l("Preferred language"), choices=LANGUAGE_CHOICES)
