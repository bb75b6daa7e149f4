"""The JSON API of the scanners (mounted under /api/checkin by views.bp).

Authentication: a set-up device sends its token in the `X-Device-Token`
header; a signed-in person uses the session cookie. The API is exempt from
CSRF (a cross-site form cannot send JSON with that header, and session use
needs the same-site session cookie).
"""

import gzip
from datetime import timedelta

from flask import Blueprint, Response, abort, current_app, jsonify, request
from flask_login import current_user
from sqlalchemy.exc import DBAPIError
from werkzeug.http import HTTP_STATUS_CODES

from eventapp.checkin import openapi, services
from eventapp.checkin.models import ScanDevice, ScanPoint
from eventapp.core import periods
from eventapp.core.db import is_conflict
from eventapp.core.i18n import current_language, language_without_database
from eventapp.extensions import csrf, db

api_bp = Blueprint("api", __name__, url_prefix="/api/checkin")

DEVICE_HEADER = "X-Device-Token"
MAX_BATCH = 500
# A full batch of the longest codes the scanner page sends (2,001 characters) is
# about 1.2 MB; anything larger is refused before it is read (HTTP 413), whoever
# sends it.
MAX_BODY_BYTES = 2 * 1024 * 1024


@api_bp.errorhandler(services.ScanRequestError)
def request_not_usable(error):
    """400 (or the error's status): the reason in the reader's language, and both."""
    db.session.rollback()
    language = language_without_database()
    body = {
        "error": HTTP_STATUS_CODES[error.status],
        "message": error.messages[f"message_{language}"],
    }
    return jsonify({**body, **error.messages}), error.status


def _point_id(value):
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**31:
        raise services.ScanRequestError("bad_scan_point")
    return value


def scan_context(point_id, badge_id=None, scanned_at=None, uploading=False):
    """The scan context for the request's device token or signed-in person
    (with the badge `badge_id` and its check-in of the day read along, when given);
    `uploading` scans queued offline."""
    token = request.headers.get(DEVICE_HEADER)
    if token:
        ctx = services.context_for_device_token(token, badge_id=badge_id, scanned_at=scanned_at)
        if ctx is None:
            abort(401, "the device token is invalid, expired or revoked")
        if ctx.point_id != point_id:
            abort(403, "this device is set up for another scan point")
        return ctx
    if not current_user.is_authenticated:
        abort(401, "sign in or send a device token")
    point = db.session.get(ScanPoint, point_id)
    if point is None:
        abort(404, "no such scan point")
    company_stopped = False
    if not services.may_scan(current_user, point):
        if not (uploading and services.may_scan(current_user, point, uploading=True)):
            abort(403, "you may not scan at this scan point")
        company_stopped = True
    ctx = services.context_for_point(
        point.id, user=current_user, badge_id=badge_id, scanned_at=scanned_at
    )
    if ctx is None:
        # Deleted since it was read above: the context read waited for the deletion.
        abort(404, "no such scan point")
    ctx.company_stopped = company_stopped
    return ctx


def _point_gone(ctx):
    """Answer a scan whose point was deleted since its context was read as one sent
    after the deletion (see scan_context)."""
    if ctx.device_id is not None:
        abort(401, "the device token is invalid, expired or revoked")
    abort(404, "no such scan point")


def _json_body():
    request.max_content_length = MAX_BODY_BYTES
    if not request.is_json:
        raise services.ScanRequestError("not_json_content", status=415)
    try:
        body = request.get_json(silent=True)
    except RecursionError:
        raise services.ScanRequestError("json_too_deep") from None
    if not isinstance(body, dict):
        raise services.ScanRequestError("not_a_json_object")
    _optional_text(body, "not_before")
    return body


def _optional_text(body, field):
    """A time the client may send, or leave out: text when sent (an unusable one is
    set aside where it is used, not refused)."""
    if body.get(field) is not None and not isinstance(body[field], str):
        raise services.ScanRequestError("not_text", field=field)


def _language(ctx):
    # A set-up device is nobody's account: its language is the request's (browser,
    # session), read without loading a user.
    return language_without_database() if ctx.device_id else current_language()


def _record(ctx, item, scanned_at, offline, clock=None, bound=False, recheck=False):
    """Record one scan in its own transaction; retried once after a lost race. With
    `recheck` (a queue uploaded in one request, one transaction per scan), the device
    is checked again in each: one revoked during the upload stores nothing more."""
    for attempt in range(2):
        try:
            # The point held before the device, in delete_scan_point's order.
            if (attempt or recheck) and not services.scan_point_held(ctx.point_id):
                db.session.rollback()
                _point_gone(ctx)
            if recheck and ctx.device_id is not None and not services.device_usable(ctx.device_id):
                db.session.rollback()
                abort(401, "the device token is invalid, expired or revoked")
            answer, _replayed = services.record_scan(
                ctx,
                code=item.get("code"),
                nonce=item.get("nonce"),
                scanned_at=scanned_at,
                offline=offline,
                language=_language(ctx),
                clock=clock,
                bound=bound,
            )
            db.session.commit()
            return answer
        except DBAPIError as error:
            db.session.rollback()
            if attempt or not is_conflict(error):
                raise
    raise AssertionError("unreachable")  # pragma: no cover


# A live scan reaches the server within seconds (the scanner page gives up after
# 6 s and queues the scan). One whose time is further behind comes from a clock
# set wrong, a day behind say, which would check the visitor in for yesterday.
LIVE_SCAN_LAG = timedelta(minutes=5)


def _live_time(scanned_at, offline):
    """(time of a single scan, note for the answer): a live scan from a clock far
    behind, or years ahead, is dated on receipt. A clock that runs ahead by less is
    dealt with for every scan (services._scan_basis), and its time is kept."""
    if offline:
        return scanned_at, None
    now = services.utcnow()
    if scanned_at - now > services.MAX_SCAN_AGE:
        return now, {"scan_time_refused": "scan_time_far"}
    if now - scanned_at <= LIVE_SCAN_LAG:
        return scanned_at, None
    return now, {"scan_time_behind_s": round((now - scanned_at).total_seconds())}


@api_bp.post("/scan")
@csrf.exempt
def scan():
    body = _json_body()
    point_id = _point_id(body.get("scan_point"))
    offline = body.get("offline", False)
    if not isinstance(offline, bool):
        raise services.ScanRequestError("bad_offline")
    # A live scan's time is judged by _live_time: one from a clock reset by years is
    # dated on receipt like one a day behind, not refused (the page shows a refusal as
    # an error, and the admission is lost). A request that is not usable at all is
    # answered by request_not_usable.
    sent = services.parse_scan_time(body.get("scanned_at"), plausible=offline)
    scanned_at, clock = _live_time(sent, offline)
    ctx = scan_context(point_id, services.badge_id_of(body.get("code")), scanned_at, offline)
    return jsonify(_record(ctx, body, scanned_at, offline, clock))


# A scanner clock error below this is left alone: the measurement's own error (the
# upload's time on the way) would matter more.
CLOCK_TOLERANCE = timedelta(minutes=1)


def _clock_error(sent_at):
    """How far the uploading scanner's clock is behind the server's (a timedelta to
    add to its times), from the time it says it sent the upload; None if it is right
    or did not say."""
    if not sent_at:
        return None
    try:
        error = services.utcnow() - services.parse_scan_time(sent_at, plausible=False)
    except services.ScanRequestError:
        return None
    return error if abs(error) >= CLOCK_TOLERANCE else None


def _upload_time(value, clock_error, not_before=None):
    """(time of a queued scan, note for the answer, whether the time is only the
    earliest the scan can have been).

    A scanner whose clock was reset (a flat battery) while it was offline sends
    times decades off; the time it says it sent the upload tells by how much, as
    long as the clock ran on since the scan. Only such a time is corrected: a queue
    may also hold scans from before the reset, whose times are right, and moving
    them by the reset would put them on another day. A time that is still unusable
    counts from the upload: the scan was made, and the device deletes it once
    answered, so refusing it would lose the admission.

    The scanner page knows when its clock went back (behind the last time the
    server gave): such a scan comes with `not_before`, that last server time. Its
    own time is corrected when the clock is still as wrong at the upload; set right
    by then (automatic time, once online), the scan counts from `not_before`, the
    time the gate judged it by, not from the upload (the next morning, maybe).
    """
    floor = _not_before(not_before)
    if floor is not None:
        return _after_clock_went_back(value, clock_error, floor)
    try:
        return services.parse_scan_time(value), None, False
    except services.ScanRequestError as error:
        refused = error.key
    if clock_error is not None and refused == "scan_time_far":
        moment = _shifted(value, clock_error)
        if moment is not None:
            return moment, {"scan_time_shifted_s": round(clock_error.total_seconds())}, False
    return services.utcnow(), {"scan_time_refused": refused}, False


def _shifted(value, clock_error, plausible=True):
    """The scanner's time corrected by its clock's error; None if unusable."""
    try:
        return services.parse_scan_time(value, shift=clock_error, plausible=plausible)
    except services.ScanRequestError:
        return None


def _not_before(value):
    """The scanner's `not_before` as a moment, or None if missing or unusable (a
    time after the upload cannot bound a scan made before it)."""
    if value is None:
        return None
    try:
        moment = services.parse_scan_time(value)
    except services.ScanRequestError:
        return None
    return moment if moment <= services.utcnow() else None


def _after_clock_went_back(value, clock_error, floor):
    moment = _shifted(value, clock_error, plausible=False) if clock_error is not None else None
    if moment is not None and floor <= moment <= services.utcnow():
        return moment, {"scan_time_shifted_s": round(clock_error.total_seconds())}, False
    return floor, {"scan_time_refused": "clock_went_back"}, True


@api_bp.post("/scans")
@csrf.exempt
def scan_batch():
    body = _json_body()
    _optional_text(body, "sent_at")
    ctx = scan_context(_point_id(body.get("scan_point")), uploading=True)
    items = body.get("scans")
    if not isinstance(items, list) or len(items) > MAX_BATCH:
        raise services.ScanRequestError("bad_scans", limit=MAX_BATCH)
    clock_error = _clock_error(body.get("sent_at"))
    results = []
    for item in items:
        if not isinstance(item, dict):
            refused = services.ScanRequestError("scan_not_an_object")
            results.append(
                {"status": "error", "nonce": None, "error": str(refused), **refused.messages}
            )
            continue
        try:
            scanned_at, clock, bound = _upload_time(
                item.get("scanned_at"), clock_error, item.get("not_before")
            )
            results.append(_record(ctx, item, scanned_at, True, clock, bound, recheck=True))
        except services.ScanRequestError as error:
            db.session.rollback()
            nonce = item.get("nonce")
            results.append(
                {
                    "status": "error",
                    # Echoed so the scanner can match the item; a lone surrogate in it
                    # would make the whole answer unencodable (a 500 that blocks the queue).
                    "nonce": services.encodable(nonce[:64]) if isinstance(nonce, str) else None,
                    "error": str(error),
                    **error.messages,
                }
            )
    return jsonify({"results": results})


@api_bp.get("/points/<int:point_id>/config")
@csrf.exempt
def config(point_id):
    # Also for a page that only uploads (its company stopped exhibiting): it judges
    # what it scans by the configuration, and refuses.
    ctx = scan_context(point_id, uploading=True)
    point = db.session.get(ScanPoint, ctx.point_id)
    device = db.session.get(ScanDevice, ctx.device_id) if ctx.device_id else None
    services.device_seen(device)
    # The page asks every two minutes, and an entrance's list of badge holders runs to
    # hundreds of kilobytes: unchanged since the page's copy, only the server's time
    # (for its clock) is sent, and the list is not even read; changed, it is
    # compressed for a weak Wi-Fi.
    version = services.scanner_config_version(point, device)
    if request.if_none_match.contains(version):
        server_time = periods.iso(services.utcnow())
        response = Response(status=304)
    else:
        data = services.scanner_config(point, device)
        server_time = data["server_time"]
        response = Response(current_app.json.dumps(data), mimetype="application/json")
        if "gzip" in request.accept_encodings:
            response.set_data(gzip.compress(response.get_data(), compresslevel=6))
            response.headers["Content-Encoding"] = "gzip"
        response.vary.add("Accept-Encoding")
    db.session.commit()
    response.set_etag(version)
    response.headers["X-Server-Time"] = server_time
    response.headers["Cache-Control"] = "no-store"
    return response


@api_bp.get("/openapi.json")
def openapi_document():
    return jsonify(openapi.document())
