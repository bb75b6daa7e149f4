from itertools import chain

from flask import abort, current_app, jsonify, render_template, request
from flask_babel import force_locale
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from eventapp.core.i18n import gettext as _
from eventapp.core.i18n import language_without_database
from eventapp.extensions import db

FORM_MIMETYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}


def _wants_json():
    return request.path.startswith("/api/") or (request.accept_mimetypes.best == "application/json")


def _rollback_quietly():
    try:
        db.session.rollback()
    except Exception:  # a dead connection may not even roll back; the answer must still go
        current_app.logger.exception("Rollback after an error failed")


def server_error_page(error):
    """The 500 page, built without the database.

    The failure may be the database itself, and the normal layout loads the
    signed-in user and the event's roles from it (the template context
    processors do, before the template even starts). So the language is
    chosen without the user, and the page is rendered from the Jinja
    environment directly, which skips the context processors.
    """
    language = language_without_database()
    _rollback_quietly()
    with force_locale(language):
        page = current_app.jinja_env.get_template("errors/500.html").render(
            lang=language, error=error
        )
    return page, 500


def _reader_message(error):
    """What the generic error page says. Werkzeug's and Flask-WTF's own
    descriptions are English whatever the reader's language, and talk about
    tokens and methods; a description the app passed to abort() is its own."""
    if isinstance(error, CSRFError):
        # The token lives in the session: a browser that dropped its cookie, or a
        # form left open across a sign-out, posts one the server no longer knows.
        return _("This form has expired. Go back, reload the page and send it again.")
    if error.description != type(error).description:
        return error.description
    if error.code == 413:
        return _("What you sent is too large.")
    return _("This request could not be completed. Go back, reload the page and try again.")


def register(app):
    @app.before_request
    def refuse_nul_characters():
        # PostgreSQL text cannot hold NUL: caught here, it would fail deep in a
        # query or a flush as a server error.
        # Form fields are looked at only in form posts: reading `request.form` of a
        # JSON post costs a scan a tenth of a millisecond for nothing.
        fields = request.args.items(multi=True)
        if request.mimetype in FORM_MIMETYPES:
            fields = chain(fields, request.form.items(multi=True))
        if "\x00" in request.path or any("\x00" in value for _name, value in fields):
            abort(400, _("The request contains a NUL character."))

    @app.errorhandler(HTTPException)
    def http_error(error):
        if _wants_json():
            return jsonify(error=error.name, message=error.description), error.code
        if error.code == 500:
            return server_error_page(error)
        template = (
            f"errors/{error.code}.html" if error.code in (403, 404) else "errors/generic.html"
        )
        try:
            return (
                render_template(template, error=error, message=_reader_message(error)),
                error.code,
            )
        except Exception:
            # The layout needs the database; when it is down, say so plainly.
            app.logger.exception("Error page %s failed", error.code)
            return server_error_page(error)

    @app.errorhandler(Exception)
    def server_error(error):
        app.logger.exception("Unhandled error")
        if _wants_json():
            _rollback_quietly()
            return jsonify(error="Internal Server Error", message="unexpected error"), 500
        return server_error_page(error)
