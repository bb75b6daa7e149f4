from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import Blueprint, current_app, jsonify, redirect, request, session, url_for
from flask_login import current_user
from sqlalchemy import select, text

from eventapp.accounts import services as accounts
from eventapp.core.urls import safe_redirect_target
from eventapp.events.models import Event, EventRole
from eventapp.extensions import db

bp = Blueprint("core", __name__)


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as error:  # any driver error means the database is not usable
        db.session.rollback()
        return jsonify(status="error", database=str(error.__class__.__name__)), 503
    return jsonify(status="ok", database="ok")


@bp.get("/favicon.ico")
def favicon():
    # Asked for by browsers on pages that name no icon (a PDF, a JSON answer): the
    # same mark as the pages' own, rather than a 404 in every log.
    return redirect(url_for("static", filename="favicon.svg"), code=301)


@bp.get("/")
def index():
    event = None
    if current_user.is_authenticated:
        # Where a signed-in person takes part (after signing in, or confirming the
        # address): the newest event of the site may be another one.
        event = db.session.scalar(
            select(Event)
            .join(EventRole, EventRole.event_id == Event.id)
            .where(EventRole.user_id == current_user.id)
            .order_by(Event.starts_on.desc())
            .limit(1)
        )
    if event is None:
        event = db.session.scalar(select(Event).order_by(Event.starts_on.desc()))
    # A link given in one language ("/?lang=en" on a poster) keeps it on the way.
    language = request.args.get("lang")
    keep = {"lang": language} if language in current_app.config["LANGUAGES"] else {}
    if event is None:
        return redirect(url_for("events.list_events", **keep))
    return redirect(url_for("events.home", slug=event.slug, **keep))


def _without_language(target):
    """`target` (a path on this site) without its `?lang=`, which would override the
    language just chosen: on a page opened as /...?lang=en, choosing 한국어 went
    back to that address and showed the page in English again."""
    parts = urlsplit(target)
    query = [(key, value) for key, value in parse_qsl(parts.query, True) if key != "lang"]
    return urlunsplit(parts._replace(query=urlencode(query)))


@bp.post("/language")
def set_language():
    language = request.form.get("lang")
    target = safe_redirect_target(request.form.get("next"), url_for("core.index"))
    if language in current_app.config["LANGUAGES"]:
        session["lang"] = language
        if current_user.is_authenticated:
            accounts.update_profile(current_user._get_current_object(), locale=language)
        target = _without_language(target)
    return redirect(target)
