"""Calendar pages: "My calendar" (private feed URL, rotation, meeting downloads), the
private feed itself, the public event calendar and per-meeting .ics downloads.

Importing this module (create_app does) also imports `eventapp.calendar.services`,
which connects the invite receivers to the meetings package's signals.
"""

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    url_for,
)
from flask_login import current_user

from eventapp.calendar import ical, services
from eventapp.core.db import is_conflict
from eventapp.core.i18n import current_language
from eventapp.core.i18n import gettext as _
from eventapp.core.i18n import lazy_gettext as _l
from eventapp.core.nav import add_nav_item
from eventapp.core.permissions import event_view
from eventapp.extensions import db

bp = Blueprint("calendar", __name__)

# Everybody with a part in the event has a feed of the fair days (and their meetings).
FEED_ROLES = ("attendee", "exhibitor_admin", "exhibitor_staff", "staff")
# Who can take part in meetings (as the meetings package): downloads of meetings.
PARTICIPANT_ROLES = ("attendee", "exhibitor_admin", "exhibitor_staff")

add_nav_item(_l("My calendar"), "calendar.my_calendar", *FEED_ROLES, order=43)


def _ics(data, filename, *, download=False, cache="private, no-cache"):
    disposition = "attachment" if download else "inline"
    return Response(
        data,
        content_type=ical.CONTENT_TYPE,
        headers={
            "Content-Disposition": f'{disposition}; filename="{filename}"',
            "Cache-Control": cache,
        },
    )


@bp.get("/e/<slug>/calendar.ics")
@event_view(public=True)
def event_calendar(event):
    data = services.event_calendar(event, current_language())
    response = _ics(data, f"{event.slug}.ics", cache="public, max-age=300")
    # The language comes from ?lang (part of the URL), else the signed-in person's
    # or the session's choice (the cookie), else Accept-Language: a shared cache
    # must not hand one person's Korean copy to another who reads English.
    response.vary.update(("Accept-Language", "Cookie"))
    return response


@bp.get("/e/<slug>/calendar/")
@event_view(*FEED_ROLES)
def my_calendar(event):
    feed = services.feed_of(current_user, event)
    db.session.commit()
    profile, meetings = services.my_meetings(current_user, event)
    # Calendar apps subscribe without the person's cookie or language header: the
    # address itself names the language the page is read in.
    event_ics = services.absolute_url(
        "calendar.event_calendar", slug=event.slug, lang=current_language()
    )
    response = make_response(
        render_template(
            "calendar/my_calendar.html",
            event=event,
            feed=feed,
            urls=services.feed_urls(feed),
            event_urls={"https": event_ics, "webcal": "webcal://" + event_ics.partition("://")[2]},
            profile=profile,
            meetings=meetings,
        )
    )
    # The page shows the secret feed address: no copy of it may stay in a cache, for
    # the back button of a shared computer to show after sign-out or a rotation.
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/e/<slug>/calendar/rotate")
@event_view(*FEED_ROLES)
def rotate(event):
    try:
        services.rotate_feed(services.feed_of(current_user, event), current_user)
        db.session.commit()
    except Exception as error:
        db.session.rollback()
        if not is_conflict(error):
            raise
        flash(_("Someone else changed this at the same moment. Please try again."), "error")
    else:
        flash(_("Your calendar has a new address. The old address no longer works."), "success")
    return redirect(url_for("calendar.my_calendar", slug=event.slug))


@bp.get("/e/<slug>/calendar/feed/<token>.ics")
@event_view(public=True)
def feed(event, token):
    item = services.resolve_token(event, token)
    if item is None:
        abort(404)
    return _ics(services.feed_calendar(item), f"{event.slug}-my-calendar.ics")


@bp.get("/e/<slug>/calendar/meetings/<int:meeting_id>.ics")
@event_view(*PARTICIPANT_ROLES)
def meeting_ics(event, meeting_id):
    try:
        meeting, viewer = services.meeting_for_download(event, meeting_id, current_user)
    except PermissionError:
        abort(403)
    if meeting is None:
        abort(404)
    data = services.meeting_calendar(meeting, current_language(), viewer)
    return _ics(data, f"meeting-{meeting.id}.ics", download=True)
