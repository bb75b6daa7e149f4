"""Language choice and bilingual fields.

Every record that people read in both languages stores `<field>_ko` and
`<field>_en`; `localized()` picks the one of the current language and falls
back to the other when it is empty.
"""

from urllib.parse import parse_qs, urlsplit, urlunsplit

from flask import current_app, has_request_context, request, session
from flask_babel import LazyString, get_locale, get_translations
from flask_login import current_user
from jinja2 import pass_context
from markupsafe import Markup

from eventapp.core.particles import attach_particles


def one_full_stop(text, variables):
    """`text` % `variables`, with one full stop where a value that ends in one closes
    the sentence: "sent to Alpha Co., Ltd." rather than "sent to Alpha Co., Ltd..".
    English company names often end so (Inc., Co., Ltd.). Korean particles written
    in both forms after a placeholder ("%(company)s과(와)") keep the one that fits
    the value (see particles.py)."""
    narrowed = attach_particles(str(text), variables)
    text = Markup(narrowed) if isinstance(text, Markup) else narrowed
    for name, value in variables.items():
        if isinstance(value, str) and value.endswith("."):
            text = text.replace(f"%({name})s.", f"%({name})s")
    return text % variables


# Flask-Babel's gettext, ngettext and lazy_gettext, formatting with one_full_stop.
def gettext(string, **variables):
    text = get_translations().ugettext(string)
    return one_full_stop(text, variables) if variables else text


def ngettext(singular, plural, n, /, **variables):
    # `n` positional only: a page's script passes a placeholder as num ("{num}").
    variables.setdefault("num", n)
    return one_full_stop(get_translations().ungettext(singular, plural, n), variables)


def lazy_gettext(string, **variables):
    return LazyString(gettext, string, **variables)


def label(text):
    """`text` as a label standing on its own: its first letter a capital, the rest as
    written ("Free", "Startup", "AI·digital"). The catalog keeps such values in lower
    case because sentences say them too ("Your registration is pending"); Korean has
    no capitals and reads the same."""
    if not isinstance(text, str):  # a lazy string; Markup stays Markup
        text = str(text)
    return text[:1].upper() + text[1:]


def lazy_label(text):
    """`label` of a lazy string, translated when shown (form choices)."""
    return LazyString(label, text)


def labels(pairs):
    """(value, label) pairs or a {value: label} mapping, with their labels as `label`s."""
    items = pairs.items() if isinstance(pairs, dict) else pairs
    return [(value, lazy_label(text)) for value, text in items]


# The same in templates, as Jinja's i18n extension calls them ("newstyle"): the
# translation is marked safe before the variables, which are escaped, go in.
@pass_context
def _template_gettext(context, string, **variables):
    text = get_translations().ugettext(string)
    return one_full_stop(Markup(text) if context.eval_ctx.autoescape else text, variables)


@pass_context
def _template_ngettext(context, singular, plural, num, **variables):
    variables.setdefault("num", num)
    text = get_translations().ungettext(singular, plural, num)
    return one_full_stop(Markup(text) if context.eval_ctx.autoescape else text, variables)


def install_template_gettext(jinja_env):
    """Put the template gettext and ngettext above in place of Flask-Babel's."""
    jinja_env.globals.update(
        gettext=_template_gettext, _=_template_gettext, ngettext=_template_ngettext
    )


def current_language():
    # Flask-Babel's locale, also outside a request: a mail rendered by a command or
    # worker inside `force_locale(recipient's language)` names events and companies in
    # that language too. Otherwise the selector answers the default language there.
    locale = get_locale()
    return locale.language if locale else current_app.config["BABEL_DEFAULT_LOCALE"]


def linked_language():
    """The language a link chose for this request (`?lang=`), or None.

    A form on a page opened with ?lang= posts to its own address, which has no
    ?lang= (forms.js adds it where script runs): the page it came from, named by
    the Referer of a post from this site, chose for it. Otherwise a visitor who
    read the page in English got the answer in the account's Korean."""
    languages = current_app.config["LANGUAGES"]
    chosen = request.args.get("lang")
    if chosen in languages:
        return chosen
    if request.method in ("GET", "HEAD") or not request.referrer:
        return None
    came_from = urlsplit(request.referrer)
    if came_from.netloc != request.host:
        return None
    chosen = parse_qs(came_from.query).get("lang", [None])[-1]
    return chosen if chosen in languages else None


def _request_language(user_locale):
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # commands and workers speak the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = linked_language()
    if chosen:
        return chosen
    preferred = user_locale()
    if preferred in languages:
        return preferred
    if session.get("lang") in languages:
        return session["lang"]
    return (
        request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]
    )


def remember_linked_language(chosen):
    """A visitor not signed in who came by a link in one language ("/?lang=en" on
    a poster, in a mail) keeps reading in it: the next plain link has no ?lang=, and
    the browser's Korean took over again. A signed-in person's account language is
    their own choice and stands; for them such a link chooses for its page only.

    Whether someone is signed in is read from the session, not by loading the
    user: this runs after every answer, the database's failure page included."""
    if "_user_id" not in session and session.get("lang") != chosen:
        session["lang"] = chosen


def keep_chosen_language(response):
    """A page opened with ?lang= (a link shared in one language) sends its redirects
    on in that language too: saving a form there and landing on the next page, or
    being sent to sign in, should not switch the reader back to the other one."""
    chosen = linked_language()
    if chosen and request.method == "GET" and "lang" in request.args:
        remember_linked_language(chosen)
    location = response.headers.get("Location")
    if (
        not chosen
        or not location
        or response.status_code not in (301, 302, 303, 307, 308)
        or request.endpoint == "core.set_language"  # the switch itself chooses
    ):
        return response
    target = urlsplit(location)
    if (target.netloc and target.netloc != request.host) or "lang" in parse_qs(target.query):
        return response
    query = f"{target.query}&lang={chosen}" if target.query else f"lang={chosen}"
    response.headers["Location"] = urlunsplit(target._replace(query=query))
    return response


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


def in_language(korean, english, language=None):
    """Of a text kept in both languages, the one of `language` (the current one),
    else the other."""
    if (language or current_language()) == "en":
        return english or korean or ""
    return korean or english or ""


class LocalizedMixin:
    def localized(self, field, language=None):
        return in_language(
            getattr(self, f"{field}_ko", None), getattr(self, f"{field}_en", None), language
        )
