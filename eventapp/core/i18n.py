"""Language choice and bilingual fields.

Every record that people read in both languages stores `<field>_ko` and
`<field>_en`; `localized()` picks the one of the current language and falls
back to the other when it is empty.
"""

from flask import current_app, has_request_context, request, session
from flask_babel import get_locale, gettext, lazy_gettext, ngettext  # noqa: F401
from flask_login import current_user


def current_language():
    # Flask-Babel's locale, also outside a request: a mail rendered by a command or
    # worker inside `force_locale(recipient's language)` names events and companies in
    # that language too. Otherwise the selector answers the default language there.
    locale = get_locale()
    return locale.language if locale else current_app.config["BABEL_DEFAULT_LOCALE"]


def _request_language(user_locale):
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # commands and workers speak the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = request.args.get("lang")
    if chosen in languages:
        return chosen
    preferred = user_locale()
    if preferred in languages:
        return preferred
    if session.get("lang") in languages:
        return session["lang"]
    return (
        request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]
    )


def _signed_in_user_locale():
    if current_user and current_user.is_authenticated:
        return current_user.locale
    return None


def select_locale():
    """Flask-Babel's locale selector: the user's choice, then the browser's."""
    return _request_language(_signed_in_user_locale)


def language_without_database():
    """The request's language for the page that reports a failure, which may
    be the database's: the signed-in user is not loaded. Signing in and the
    language switch copy the user's choice into the session, so it still counts."""
    return _request_language(lambda: None)


class LocalizedMixin:
    def localized(self, field, language=None):
        language = language or current_language()
        other = "en" if language == "ko" else "ko"
        return getattr(self, f"{field}_{language}", None) or getattr(self, f"{field}_{other}", "")
