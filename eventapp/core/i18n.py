"""Language choice and bilingual fields.

Every record that people read in both languages stores `<field>_ko` and
`<field>_en`; `localized()` picks the one of the current language and falls
back to the other when it is empty.
"""

from flask import current_app, has_request_context, request, session
from flask_babel import get_locale, gettext, lazy_gettext, ngettext  # noqa: F401
from flask_login import current_user


def current_language():
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    locale = get_locale()
    return locale.language if locale else current_app.config["BABEL_DEFAULT_LOCALE"]


def select_locale():
    """Flask-Babel's locale selector: the user's choice, then the browser's."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # commands and workers speak the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = request.args.get("lang")
    if chosen in languages:
        return chosen
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    if session.get("lang") in languages:
        return session["lang"]
    return (
        request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]
    )


class LocalizedMixin:
    def localized(self, field, language=None):
        language = language or current_language()
        other = "en" if language == "ko" else "ko"
        return getattr(self, f"{field}_{language}", None) or getattr(self, f"{field}_{other}", "")
