"""On-site scanning pages: scan points and devices (organizers), the scanner
(staff, exhibitor staff, set-up devices), leads (exhibitors) and contact
sharing (visitors). The JSON API lives in api.py, mounted here."""

import csv
import hashlib
import io
import secrets
from datetime import UTC, date, datetime

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import or_, select

from eventapp.badges.models import CATEGORIES
from eventapp.booths.models import Exhibitor
from eventapp.checkin import meetings_link, messages, services
from eventapp.checkin.api import DEVICE_HEADER, api_bp
from eventapp.checkin.forms import ContactSharingForm, DeviceForm, LeadForm, ScanPointForm
from eventapp.checkin.models import (
    DEVICE_HOURS_MAX,
    LEAD_NOTES_MAX,
    LEAD_RATINGS,
    SCAN_POINT_KINDS,
    SCAN_RESULTS,
    Lead,
    ScanDevice,
    ScanPoint,
    scan_reason_label,
    scan_result_choices,
    scan_result_label,
)
from eventapp.core.forms import field_errors, select_choices
from eventapp.core.i18n import current_language, ngettext
from eventapp.core.i18n import gettext as _
from eventapp.core.i18n import lazy_gettext as _l
from eventapp.core.nav import add_nav_item, add_overview_panel
from eventapp.core.permissions import (
    company_of,
    event_object_or_404,
    event_view,
    has_role,
    is_organizer,
    load_event,
    organizer_view,
    parse_id,
    require_same_company,
)
from eventapp.core.spreadsheets import csv_cell, keep_as_text, xlsx_row
from eventapp.core.templating import country_name, fair_day, local_time, zone_name
from eventapp.core.urls import safe_redirect_target
from eventapp.extensions import db, login_manager
from eventapp.organizations.models import Organization

bp = Blueprint("checkin", __name__)
bp.register_blueprint(api_bp)

DEVICE_COOKIE = "checkin_device"
# Who may agree to share their contact details with the exhibitors who scan them.
SHARING_ROLES = ("attendee", "exhibitor_admin", "exhibitor_staff", "staff")


def _former_member_sharing(event):
    """Shares their contact details at the event, though no longer part of it."""
    return (
        current_user.is_authenticated
        and not has_role(current_user, event, *SHARING_ROLES)
        and services.shares_contact(event, current_user)
    )


add_nav_item(_l("Scanning"), "checkin.manage", "organizer", order=70)
add_nav_item(
    _l("Scanner"), "checkin.scanner_home", "staff", "exhibitor_admin", "exhibitor_staff", order=71
)
add_nav_item(_l("Leads"), "checkin.leads", "exhibitor_admin", "exhibitor_staff", order=72)
add_nav_item(
    _l("Contact sharing"),
    "checkin.contact_sharing",
    *SHARING_ROLES,  # exhibitor staff and on-site staff get scanned at booths too
    order=73,
    also=_former_member_sharing,
)
add_overview_panel("checkin/_overview_panel.html")


@bp.app_template_global("checkins_by_day")
def checkins_by_day_global(event):
    return services.checkins_by_day(event)


@bp.app_template_global("checkin_shares_contact")
def shares_contact_global(event):
    return current_user.is_authenticated and services.shares_contact(event, current_user)


def _point_or_404(event, point_id):
    return event_object_or_404(ScanPoint, point_id, event)


def _device_or_404(event, device_id):
    return event_object_or_404(ScanDevice, device_id, event)


# -- organizers: scan points and devices ----------------------------------------------------


@bp.get("/e/<slug>/checkin/")
@organizer_view
def manage(event):
    points = services.event_points(event)
    devices = db.session.scalars(
        select(ScanDevice)
        .where(ScanDevice.event_id == event.id)
        .order_by(ScanDevice.created_at.desc())
    ).all()
    return render_template(
        "checkin/manage.html",
        event=event,
        points=points,
        devices=devices,
        counts=services.point_counts(event),
        by_day=services.checkins_by_day(event),
        kinds=SCAN_POINT_KINDS,
        categories=CATEGORIES,
        refused=services.REFUSED,
        now=services.utcnow(),
    )


def _day_label(iso_day, event):
    """A fair day as the other check-in pages give it ("Sep 17", "9월 17일")."""
    try:
        return fair_day(date.fromisoformat(iso_day), event)
    except (TypeError, ValueError):
        return iso_day


def _point_form(event, point=None, from_request=True):
    """The scan point form; without `from_request`, filled from the point alone (the
    page shown again after another form on it was sent)."""
    form = ScanPointForm(obj=point) if from_request else ScanPointForm(formdata=None, obj=point)
    fair_days = [d.isoformat() for d in event.days]
    # Days kept from before the fair's dates moved: shown ticked, so that the form
    # does not look like "every fair day" while the point admits on none of them.
    stale = [d for d in (point.valid_days or []) if d not in fair_days] if point else []
    form.valid_days.choices = select_choices(
        [(d, _day_label(d, event)) for d in fair_days]
        + [(d, _("%(day)s (not a fair day any more)", day=_day_label(d, event))) for d in stale]
    )
    form.allowed_categories.choices = select_choices(
        (key, c.label) for key, c in sorted(CATEGORIES.items(), key=lambda kv: kv[1].order)
    )
    exhibitors = db.session.execute(
        select(Organization.id, Organization.name_ko, Organization.name_en)
        .join(Exhibitor, Exhibitor.organization_id == Organization.id)
        .where(
            Exhibitor.event_id == event.id,
            # The point's own company stays a choice after it withdrew, so that the
            # organizer can still edit (or close) the point.
            or_(
                Exhibitor.status.in_(services.LEAD_EXHIBITOR_STATUSES),
                Organization.id == (point.organization_id if point is not None else None),
            ),
        )
    ).all()
    form.organization_id.choices = select_choices([(0, "—"), *_in_reading_order(exhibitors)])
    if (request.method == "GET" or not from_request) and point is not None:
        form.organization_id.data = point.organization_id or 0
    return form


def _point_fields(form):
    return {
        "name_ko": form.name_ko.data.strip(),
        "name_en": form.name_en.data.strip(),
        "kind": form.kind.data,
        "organization_id": form.organization_id.data or None,
        "entrance_group": form.entrance_group.data,
        "valid_days": form.valid_days.data or [],
        "allowed_categories": form.allowed_categories.data or [],
        "active": bool(form.active.data),
    }


@bp.route("/e/<slug>/checkin/points/new", methods=["GET", "POST"])
@organizer_view
def point_new(event):
    form = _point_form(event)
    if form.validate_on_submit():
        try:
            point = services.create_scan_point(event, **_point_fields(form))
        except services.CheckinError as error:
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("Scan point %(name)s created.", name=point.name), "success")
            return redirect(url_for("checkin.manage", slug=event.slug))
    return render_template(
        "checkin/point_form.html",
        event=event,
        form=form,
        point=None,
        entrance_groups=services.entrance_groups(event),
    )


def _in_reading_order(companies):
    """(id, name) of (id, name_ko, name_en) rows, in the reader's language and its
    order: 가나다 in Korean, A-Z in English."""
    language = current_language()
    return sorted(
        (
            (org_id, (name_ko if language == "ko" else name_en) or name_en or name_ko)
            for org_id, name_ko, name_en in companies
        ),
        key=lambda choice: choice[1].casefold(),
    )


@bp.route("/e/<slug>/checkin/points/<int:point_id>", methods=["GET", "POST"])
@organizer_view
def point_edit(event, point_id):
    point = _point_or_404(event, point_id)
    form = _point_form(event, point)
    if form.validate_on_submit():
        was_booth = point.kind == "booth"
        try:
            revoked = len(services.update_scan_point(point, **_point_fields(form)))
        except services.CheckinError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("Scan point %(name)s saved.", name=point.name), "success")
            if revoked and was_booth:
                flash(
                    ngettext(
                        "Its scanner device was revoked: it was set up for the company's "
                        "staff. Set up a new one where the point still needs one.",
                        "Its %(num)d scanner devices were revoked: they were set up for the "
                        "company's staff. Set up new ones where the point still needs them.",
                        revoked,
                    ),
                    "warning",
                )
            elif revoked:
                flash(
                    ngettext(
                        "Its scanner device was revoked: it was set up for on-site staff. "
                        "Set up a new one for the company's staff.",
                        "Its %(num)d scanner devices were revoked: they were set up for "
                        "on-site staff. Set up new ones for the company's staff.",
                        revoked,
                    ),
                    "warning",
                )
            return redirect(url_for("checkin.manage", slug=event.slug))
    return _point_page(event, point, form)


def _point_page(event, point, form, device_form=None, status=200):
    devices = db.session.scalars(
        select(ScanDevice)
        .where(ScanDevice.scan_point_id == point.id)
        .order_by(ScanDevice.created_at.desc())
    ).all()
    return render_template(
        "checkin/point_form.html",
        event=event,
        form=form,
        point=point,
        devices=devices,
        entrance_groups=services.entrance_groups(event),
        # Offered only where it would be done: refused, the button only misled.
        deletable=services.why_kept(point) is None,
        max_hours=DEVICE_HOURS_MAX,
        # What saving another company (or kind) would do to the phones handed out.
        in_use=len(services.active_devices(point)),
        device_form=device_form or DeviceForm(formdata=None),
        now=services.utcnow(),
    ), status


@bp.post("/e/<slug>/checkin/points/<int:point_id>/delete")
@organizer_view
def point_delete(event, point_id):
    point = _point_or_404(event, point_id)
    name = point.name
    try:
        services.delete_scan_point(point)
    except services.CheckinError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("checkin.point_edit", slug=event.slug, point_id=point_id))
    db.session.commit()
    flash(_("Scan point %(name)s deleted.", name=name), "success")
    return redirect(url_for("checkin.manage", slug=event.slug))


@bp.post("/e/<slug>/checkin/points/<int:point_id>/devices")
@organizer_view
def device_new(event, point_id):
    point = _point_or_404(event, point_id)
    form = DeviceForm()
    if not form.validate_on_submit():
        # Shown again as typed, each error at its field.
        point_form = _point_form(event, point, from_request=False)
        return _point_page(event, point, point_form, device_form=form, status=400)
    device = services.create_device(
        point, label=form.label.data or "", hours=form.hours.data, created_by=current_user
    )
    db.session.commit()
    return redirect(url_for("checkin.device_show", slug=event.slug, device_id=device.id))


def setup_url(event, device):
    path = url_for("checkin.device_setup", slug=event.slug, token=services.setup_token(device))
    return current_app.config.get("SERVER_URL", "").rstrip("/") + path


def qr_svg(text):
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(
        text,
        image_factory=qrcode.image.svg.SvgPathImage,
        error_correction=qrcode.ERROR_CORRECT_M,
        box_size=10,
        border=2,
    )
    svg = image.to_string(encoding="unicode")
    return Markup(svg[svg.index("<svg") :])


@bp.get("/e/<slug>/checkin/devices/<int:device_id>")
@organizer_view
def device_show(event, device_id):
    device = _device_or_404(event, device_id)
    url = setup_url(event, device)
    usable = device.is_usable(services.utcnow())
    # Once a phone opened it the code sets up nothing: no QR to photograph.
    open_code = usable and device.set_up_at is None
    return render_template(
        "checkin/device.html",
        event=event,
        device=device,
        point=device.scan_point,
        url=url if open_code else None,
        qr=qr_svg(url) if open_code else None,
        usable=usable,
        max_hours=DEVICE_HOURS_MAX,
    )


@bp.post("/e/<slug>/checkin/devices/<int:device_id>/extend")
@organizer_view
def device_extend(event, device_id):
    device = _device_or_404(event, device_id)
    form = DeviceForm()
    back = url_for("checkin.point_edit", slug=event.slug, point_id=device.scan_point_id)
    if not form.validate_on_submit():
        for error in field_errors(form):
            flash(error, "error")
        return redirect(back)
    try:
        services.extend_device(device, form.hours.data)
    except services.CheckinError as error:
        flash(str(error), "error")
        return redirect(back)
    db.session.commit()
    flash(
        _(
            "%(device)s scans until %(time)s.",
            device=device.name,
            time=local_time(device.expires_at, event=event),
        ),
        "success",
    )
    return redirect(back)


@bp.post("/e/<slug>/checkin/devices/<int:device_id>/revoke")
@organizer_view
def device_revoke(event, device_id):
    device = _device_or_404(event, device_id)
    services.revoke_device(device)
    db.session.commit()
    flash(_("The device can no longer scan."), "success")
    back = url_for("checkin.point_edit", slug=event.slug, point_id=device.scan_point_id)
    return redirect(safe_redirect_target(request.form.get("next"), back))


def _scan_log_filter(event, days):
    """The scan log's filter from the query string: point id, result, day (one of
    `days`) and text (a badge holder's name or a code)."""
    result = request.args.get("result")
    day = request.args.get("day")
    offered = {d.isoformat(): d for d in days}
    # A day not offered falls back to a fair day as on the meeting pages; the form
    # shows which.
    return {
        "point_id": parse_id(request.args.get("point")),
        "result": result if result in SCAN_RESULTS or result == services.REFUSED else None,
        "day": (offered.get(day) or event.day_asked(day)) if day else None,
        "text": (request.args.get("q") or "").strip()[:200] or None,
        "scanner": services.parse_scanner(request.args.get("scanner")),
    }


@bp.get("/e/<slug>/checkin/scans")
@organizer_view
def scans(event):
    days = services.scan_log_days(event)
    chosen = _scan_log_filter(event, days)
    point_id, result, day, text = (chosen[k] for k in ("point_id", "result", "day", "text"))
    # As the filter's choices write it ("d12", not "d012").
    scanner = services.scanner_value(*chosen["scanner"]) if chosen["scanner"] else None
    log = services.scan_log(event, **chosen, before=parse_id(request.args.get("before")))
    points = sorted(
        db.session.scalars(select(ScanPoint).where(ScanPoint.event_id == event.id)),
        key=lambda p: p.name.casefold(),
    )
    return render_template(
        "checkin/scans.html",
        event=event,
        log=log,
        points=points,
        results=scan_result_choices(
            {p.kind for p in points if point_id in (None, p.id)} or {"entrance"}
        ),
        refused=services.REFUSED,
        reason_label=scan_reason_label,
        result_label=scan_result_label,
        point_id=point_id,
        result=result,
        days=days,
        day=day,
        text=text or "",
        scanners=services.log_scanners(event, current_language()),
        scanner=scanner,
        # The filter as query arguments, for the links to the newest and older pages.
        filters={
            key: value
            for key, value in (
                ("point", point_id),
                ("result", result),
                ("day", day),
                ("q", text),
                ("scanner", scanner),
            )
            if value
        },
    )


SCAN_LOG_COLUMNS = (
    _l("Scanned at"),
    _l("Received at"),
    _l("Offline"),
    _l("Scan point"),
    _l("Result"),
    _l("Reason"),
    _l("Badge"),
    _l("Badge holder"),
    _l("Badge category"),
    _l("Code scanned"),
    _l("Scanned by"),
)


@bp.get("/e/<slug>/checkin/scans.csv")
@organizer_view
def scans_export(event):
    """The scan log of the filter as CSV: the audit trail, for a spreadsheet."""
    out = io.StringIO()
    out.write("\ufeff")  # Excel opens UTF-8 CSV with Hangul correctly only with a BOM
    writer = csv.writer(out)
    writer.writerow(str(label) for label in SCAN_LOG_COLUMNS)

    def local(moment):
        return moment.astimezone(event.tz).isoformat(timespec="seconds") if moment else ""

    chosen = _scan_log_filter(event, services.scan_log_days(event))
    for scan in services.scan_log_all(event, **chosen):
        badge = scan.badge
        by = scan.user.name if scan.user else (scan.device.name if scan.device else "")
        values = (
            local(scan.scanned_at),
            local(scan.received_at),
            "1" if scan.offline else "",
            scan.scan_point.name,
            str(scan_result_label(scan.result, scan.scan_point.kind)),
            str(scan_reason_label(scan.reason)) if scan.reason else "",
            # As printed under the badge's QR code, and as the badge pages show it.
            badge.number if badge else "",
            badge.name if badge else "",
            str(CATEGORIES[badge.category].label) if badge and badge.category in CATEGORIES else "",
            "" if badge else scan.code_shown,
            by,
        )
        writer.writerow(csv_cell(v) for v in values)
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="scans-{event.slug}.csv"'},
    )


@bp.route("/e/<slug>/checkin/points/<int:point_id>/meetings", methods=["GET", "POST"])
@event_view("staff")
def meeting_zone(event, point_id):
    point = _point_or_404(event, point_id)
    if point.kind != "meeting_zone":
        abort(404)
    # The day shown, and the day whose no-shows the button marks (the list beside it).
    day = event.day_asked(request.values.get("day"))
    if request.method == "POST":
        if not is_organizer(current_user, event):
            abort(403)
        count = meetings_link.mark_no_shows(event, current_user, day=day)
        db.session.commit()
        flash(
            ngettext(
                "%(num)d meeting marked as no-show.", "%(num)d meetings marked as no-show.", count
            ),
            "success",
        )
        return redirect(
            url_for("checkin.meeting_zone", slug=event.slug, point_id=point.id, day=day.isoformat())
        )
    meetings = meetings_link.zone_meetings(event, day)
    # A long day on a phone: a link down to the meetings running now or next (none
    # while they are the first of the day, or the day is over).
    now = meetings_link.utcnow()
    current = next((m for m in meetings if m.ends_at > now), None)
    if current is not None and current.starts_at == meetings[0].starts_at:
        current = None
    arrived = meetings_link.arrivals(meetings)
    pending = {item.meeting.id: item for item in meetings_link.no_shows(event, day=day)}
    # Who stayed away, for the day's meetings that are (or are about to be) no-shows.
    missing = {}
    # No-shows of a side that was scanned after all (an offline tablet's upload came
    # in after they were marked): the organizer should look again.
    contradicted = {}
    marked_at = meetings_link.attendance_marked_at(m for m in meetings if m.status == "no_show")
    for meeting in meetings:
        if meeting.id in pending:
            missing[meeting.id] = pending[meeting.id].missing
        elif meeting.status == "no_show":
            marked = getattr(meeting, "no_show_side", None)
            # Both sides scanned, and marked without saying who stayed away: say so.
            missing[meeting.id] = (
                marked or meetings_link.missing_side(arrived[meeting.id]) or "not_recorded"
            )
            since = meetings_link.came_since(arrived[meeting.id], marked_at.get(meeting.id))
            sides = meetings_link.scanned_since(marked, since)
            if sides:
                contradicted[meeting.id] = sides
    return render_template(
        "checkin/meeting_zone.html",
        event=event,
        point=point,
        meetings=meetings,
        day=day,
        arrived=arrived,
        no_shows=pending,
        missing=missing,
        contradicted=contradicted,
        missing_labels={**meetings_link.MISSING_LABELS, "not_recorded": meetings_link.NOT_RECORDED},
        since_labels=meetings_link.SCANNED_SINCE_LABELS,
        now_meeting=current,
        now=services.utcnow(),
        # For the organizers, who can change the categories.
        turned_away=[
            f"{CATEGORIES[key].label} ({count})"
            for key, count in meetings_link.turned_away(point, meetings).items()
            if key in CATEGORIES
        ]
        if is_organizer(current_user, event)
        else [],
    )


# -- the scanner ----------------------------------------------------------------------------


@bp.get("/e/<slug>/scan/")
@event_view("staff", "exhibitor_admin", "exhibitor_staff")
def scanner_home(event):
    company = company_of(current_user, event)
    # A company that withdrew keeps its booth point, where its staff may no longer scan.
    can_capture = company is not None and services.exhibiting(event, company.id)
    upload_point = None
    if company is not None and not can_capture:
        # Its lead scanner still takes what the staff's phones queued before it stopped.
        point = services.booth_point_for(event, company, create=False)
        if point is not None and services.may_scan(current_user, point, event, uploading=True):
            upload_point = point
    return render_template(
        "checkin/scanner_home.html",
        event=event,
        points=services.points_for(current_user, event),
        company=company,
        can_capture=can_capture,
        upload_point=upload_point,
    )


@bp.post("/e/<slug>/scan/booth")
@event_view("exhibitor_admin", "exhibitor_staff")
def booth_scanner(event):
    company = company_of(current_user, event)
    if company is None:
        abort(403)
    point = None
    # booth_point_for() asks only when it makes the point: a company that withdrew
    # would be sent to its old one, and refused there.
    if services.exhibiting(event, company.id):
        try:
            point = services.booth_point_for(event, company)
        except services.CheckinError:
            pass  # it withdrew just now
    if point is None:
        flash(
            _("Your company is not (or no longer) exhibiting at this event: it captures no leads."),
            "error",
        )
        return redirect(url_for("checkin.scanner_home", slug=event.slug))
    db.session.commit()
    return redirect(url_for("checkin.scanner", slug=event.slug, point_id=point.id))


@bp.get("/e/<slug>/scan/<int:point_id>")
def scanner(slug, point_id):
    event = load_event(slug)
    point = _point_or_404(event, point_id)
    device, upload_only = None, False
    token = request.cookies.get(DEVICE_COOKIE)
    if token:
        device = services.device_from_token(token)
        withdrawn = device is None
        if device is not None and device.scan_point_id != point.id:
            device = None
    if device is None:
        if not current_user.is_authenticated:
            if token and withdrawn:
                # The phone was set up, and its set-up no longer holds: say so (the
                # sign-in page alone left staff guessing), and offer the sign-in.
                return render_template(
                    "checkin/setup_failed.html", event=event, point=point, withdrawn=True
                ), 403
            return login_manager.unauthorized()
        if not services.may_scan(current_user, point, event):
            # Staff of a company that stopped exhibiting: the page opens to upload
            # what the phone queued before (it scans nothing new).
            if not services.may_scan(current_user, point, event, uploading=True):
                abort(403)
            upload_only = True
        if services.scanner_opened(point):
            db.session.commit()
    response = Response(
        render_template(
            "checkin/scanner.html",
            event=event,
            point=point,
            upload_only=upload_only,
            # The company's end applies to its staff signed in, as to its set-up
            # phones: should it stop while the page is open, the page knows.
            company_staff=point.kind == "booth"
            and device is None
            and not has_role(current_user, event),
            device=device,
            device_token=token if device is not None else "",
            device_header=DEVICE_HEADER,
            message_templates=messages.templates(),
            sw_cache=scanner_assets()[1],
        )
    )
    response.headers["Cache-Control"] = "no-cache"
    if device is not None:
        _keep_device_cookie(response, event, token)
    return response


# The phone keeps its device token this long after its last scanner page: the device
# row says until when it scans (an organizer may give it more hours, even after it
# ran out), the cookie only has to outlast that.
DEVICE_COOKIE_DAYS = 60


def _keep_device_cookie(response, event, token):
    response.set_cookie(
        DEVICE_COOKIE,
        token,
        max_age=DEVICE_COOKIE_DAYS * 86400,
        path=f"/e/{event.slug}/scan/",
        httponly=True,
        samesite="Lax",
        secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
    )


@bp.route("/e/<slug>/scan/setup/<token>", methods=["GET", "POST"])
def device_setup(slug, token):
    """Where a set-up QR leads. Opening it claims nothing: a link preview, a
    HEAD request or a reader that fetches the address first would use the code
    up, and some of them run scripts. The page's button, tapped, sets this phone
    up: it gets the device token in a cookie and goes on to the scanner."""
    event = load_event(slug)
    device = services.setup_device(token)
    if device is None or device.event_id != event.id:
        return _setup_refused(event)
    scanner_url = url_for("checkin.scanner", slug=event.slug, point_id=device.scan_point_id)
    device_token = services.device_token(device)
    now = services.utcnow()
    if request.cookies.get(DEVICE_COOKIE) == device_token and device.is_usable(now):
        return redirect(scanner_url)  # the same phone again (the QR scanned twice)
    if request.method != "POST":  # GET, and HEAD with it
        if device.set_up_at is not None or not device.is_usable(now):
            return _setup_refused(event, device)
        response = Response(
            render_template(
                "checkin/setup.html",
                event=event,
                device=device,
                claim=secrets.token_urlsafe(24),
            )
        )
        response.headers["Cache-Control"] = "no-store"
        return response
    if services.claim_setup(token, request.form.get("claim", "")) is None:
        db.session.rollback()
        return _setup_refused(event, device)
    db.session.commit()
    response = redirect(scanner_url)
    _keep_device_cookie(response, event, device_token)
    return response


def _setup_refused(event, device=None):
    """Why a set-up code sets up no phone: another phone took it, or it no longer
    works (expired, revoked, not ours)."""
    if device is not None:
        db.session.refresh(device)
    used = device is not None and device.set_up_at is not None
    used = used and device.is_usable(services.utcnow())
    retry = used and request.method != "POST"
    page = render_template("checkin/setup_failed.html", event=event, used=used, retry=retry)
    return page, 403


# What the scanner needs offline. qr-scanner loads its worker by a relative address,
# without the version: that one is cached under its plain address.
SCANNER_ASSETS = (
    "css/app.css",
    "js/forms.js",  # the base layout's
    "checkin/scanner.css",
    "checkin/scanner.js",
    "checkin/offline.js",
    "vendor/qr-scanner/qr-scanner.min.js",
    "vendor/idb/idb.js",
    "vendor/noble-ed25519/ed25519.js",
)
SCANNER_WORKER = "vendor/qr-scanner/qr-scanner-worker.min.js"


def scanner_assets():
    """The service worker's files and its cache's name. The name changes with any
    file, so after a deploy the browser installs the changed worker, which fills a
    new cache and drops the old one."""
    assets = [url_for("static", filename=name) for name in SCANNER_ASSETS]
    worker = url_for("static", filename=SCANNER_WORKER, v=None)
    versions = "|".join([*assets, url_for("static", filename=SCANNER_WORKER)])
    cache = "kicxup-scanner-" + hashlib.sha256(versions.encode()).hexdigest()[:12]
    return [*assets, worker], cache


@bp.get("/e/<slug>/scan/sw.js")
def service_worker(slug):
    """The scanner's service worker, served inside the scope it controls."""
    event = load_event(slug)
    assets, cache = scanner_assets()
    response = Response(
        render_template("checkin/sw.js", event=event, assets=assets, cache=cache),
        mimetype="text/javascript",
    )
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = f"/e/{event.slug}/scan/"
    return response


# -- leads ----------------------------------------------------------------------------------


def _lead_company(event):
    """The company whose leads the person sees: their own; organizers may choose."""
    if is_organizer(current_user, event):
        org_id = request.args.get("org", type=int)
        if org_id:
            org = db.session.get(Organization, parse_id(org_id) or 0)
            # Any company's id opened a page of its leads here, empty, under its name:
            # one of another event, or one that never exhibited, read like a company
            # of this fair that captured none.
            if org is None or not (
                services.exhibiting(event, org.id)
                or any(row.id == org.id for row in services.lead_companies(event))
            ):
                abort(404)
            return org
        company = company_of(current_user, event)
        if company is not None:
            return company
        first = db.session.scalar(
            select(ScanPoint.organization_id)
            .where(ScanPoint.event_id == event.id, ScanPoint.kind == "booth")
            .order_by(ScanPoint.id)
        )
        return db.session.get(Organization, first) if first else None
    company = company_of(current_user, event)
    if company is None:
        abort(403)
    return company


def _lead_filters():
    """The leads page's filter as the address gives it: a rating ("none": not rated
    yet) and text looked for in names, companies and notes."""
    rating = request.args.get("rating") or ""
    if rating != "none" and rating not in LEAD_RATINGS:
        rating = ""
    return {"rating": rating, "q": (request.args.get("q") or "").strip()[:100]}


def _leads_view_args(event, company, page=True):
    """The address arguments that bring the person back to the leads they were
    looking at: the company (for organizers), the filter, and with `page` the page."""
    args = {k: v for k, v in _lead_filters().items() if v}
    if company is not None and is_organizer(current_user, event):
        args["org"] = company.id
    before = parse_id(request.args.get("before")) if page else None
    if before:
        args["before"] = before
        if _lead_anchor_time() is not None:
            args["at"] = request.args["at"]
    return args


def _lead_anchor_time():
    """The time of the lead a page goes on after, as the page before showed it."""
    try:
        moment = datetime.fromisoformat(request.args.get("at") or "")
        return moment.astimezone(UTC) if moment.tzinfo is not None else None
    except (ValueError, OverflowError):  # not a time; one at the edge of the calendar
        return None


@bp.get("/e/<slug>/leads/")
@event_view("exhibitor_admin", "exhibitor_staff")
def leads(event):
    return _leads_page(event, _lead_company(event))


def _leads_page(event, company, editing=None, removed=None):
    """One page of the company's leads; `editing`, a lead's form as its editor sent
    it back (errors, or a colleague's change met), is shown filled in above its lead;
    `removed`, the form of a lead someone removed meanwhile, is shown above the list."""
    filters = _lead_filters()
    page = None
    if company is not None:
        page = services.leads_page(
            event,
            company.id,
            current_language(),
            rating=filters["rating"],
            text=filters["q"],
            before=parse_id(request.args.get("before")),
            before_at=_lead_anchor_time(),
        )
        if editing and all(row["id"] != editing["id"] for row in page.items):
            # A colleague's change may have taken the lead out of the filter, or
            # moved it to another page: what its editor typed must still show.
            (row,) = services.lead_rows_of(event, [editing["id"]], current_language())
            page.items.insert(0, row)
    companies = []
    if is_organizer(current_user, event):
        companies = _in_reading_order(services.lead_companies(event))
    return render_template(
        "checkin/leads.html",
        event=event,
        company=company,
        page=page,
        rows=page.items if page else [],
        filters=filters,
        view_args=_leads_view_args(event, company),
        list_args=_leads_view_args(event, company, page=False),
        ratings=LEAD_RATINGS,
        companies=companies,
        editing=editing,
        removed=removed,
        notes_max=LEAD_NOTES_MAX,
    ), (409 if removed or (editing and editing["conflicts"]) else 400 if editing else 200)


def _sent(form, name):
    """A field's value as sent, or None when the form left it out (kept as it is)."""
    return getattr(form, name).data if name in request.form else None


def _company_of_removed_lead(event, lead_id):
    """The company whose lead this was, when someone removed it since the page showed
    it (a colleague, another tab); None while it is still there. An id that never was
    a lead of the event is not found."""
    if parse_id(lead_id) is None or db.session.get(Lead, lead_id) is not None:
        return None
    organization_id = services.removed_lead_company(event, lead_id)
    if organization_id is None:
        abort(404)
    require_same_company(current_user, event, organization_id)
    return db.session.get(Organization, organization_id)


def _saved_nowhere(event, company):
    """The answer to a save of a lead someone removed: the page says so, with the
    notes as typed, to keep elsewhere."""
    return _leads_page(event, company, removed={"notes": request.form.get("notes") or ""})


@bp.post("/e/<slug>/leads/<int:lead_id>")
@event_view("exhibitor_admin", "exhibitor_staff")
def lead_update(event, lead_id):
    company = _company_of_removed_lead(event, lead_id)
    if company is not None:
        return _saved_nowhere(event, company)
    lead = event_object_or_404(Lead, lead_id, event)
    require_same_company(current_user, event, lead.organization_id)
    form = LeadForm()
    rating, notes = _sent(form, "rating"), _sent(form, "notes")
    conflicts = []
    if form.validate_on_submit():
        try:
            conflicts = services.update_lead(
                lead,
                rating=rating,
                notes=notes,
                rating_was=_sent(form, "rating_was"),
                notes_was=_sent(form, "notes_was"),
            )
        except services.LeadRemoved:
            # Removed by a colleague while this save was under way.
            organization_id = lead.organization_id
            db.session.rollback()
            return _saved_nowhere(event, db.session.get(Organization, organization_id))
        except services.CheckinError as error:
            form.notes.errors.append(str(error))
        else:
            db.session.commit()
            if not conflicts:
                # Said in the lead's card: the page opens there, far below the flashes.
                company = db.session.get(Organization, lead.organization_id)
                args = {**_leads_view_args(event, company), "saved": lead.id}
                url = url_for("checkin.leads", slug=event.slug, **args)
                return redirect(f"{url}#lead-{lead.id}")
    # Shown again as sent, so that nothing typed is lost.
    errors = field_errors(form)
    editing = {
        "id": lead.id,
        "rating": rating if rating is not None else (lead.rating or ""),
        "notes": notes if notes is not None else (lead.notes or ""),
        "errors": errors,
        "conflicts": conflicts,
        # Refused, the form still stands for the page its editor saw: a colleague's
        # save since then must still be met as one. After a conflict it stands for
        # what is saved now (saving again replaces it, as the warning says).
        "was": {}
        if conflicts
        else {name: _sent(form, name) for name in ("rating_was", "notes_was")},
    }
    return _leads_page(event, db.session.get(Organization, lead.organization_id), editing)


@bp.post("/e/<slug>/leads/<int:lead_id>/remove")
@event_view("exhibitor_admin", "exhibitor_staff")
def lead_remove(event, lead_id):
    company = _company_of_removed_lead(event, lead_id)
    if company is None:
        lead = event_object_or_404(Lead, lead_id, event)
        require_same_company(current_user, event, lead.organization_id)
        company = db.session.get(Organization, lead.organization_id)
        try:
            services.remove_lead(lead)
        except services.LeadRemoved:
            # By a colleague, while this removal was under way.
            db.session.rollback()
        else:
            db.session.commit()
            flash(_("Lead removed. Scanning the badge again captures it again."), "success")
            return redirect(
                url_for("checkin.leads", slug=event.slug, **_leads_view_args(event, company))
            )
    # A colleague (or another tab) removed it first: the wish is fulfilled.
    flash(_("This lead was already removed."), "info")
    return redirect(url_for("checkin.leads", slug=event.slug, **_leads_view_args(event, company)))


# (row key, heading, column width in the Excel sheet)
EXPORT_COLUMNS = (
    ("captured_at", _l("Scanned at"), 28),  # headed with the time zone: _export_header
    ("name", _l("Name"), 22),
    ("organization", _l("Company / organization"), 30),
    ("country", _l("Country"), 16),
    ("category", _l("Badge category"), 18),
    ("rating", _l("Rating"), 8),
    ("notes", _l("Notes"), 40),
    ("captured_by", _l("Scanned by"), 22),
    ("email", _l("E-mail"), 28),
    ("phone", _l("Phone"), 16),
    ("job_title", _l("Job title"), 20),
)


# How Excel shows the scan time, to the minute as the CSV writes it.
EXCEL_SCAN_TIME = "yyyy-mm-dd hh:mm"


def _export_header(event):
    """The exports' headings. The scan time is on the fair's clock, and says so: an
    exhibitor reads the file back home, where another clock is on the wall."""
    zone = zone_name(event.timezone)
    return [
        _("Scanned at (%(zone)s)", zone=zone) if key == "captured_at" else str(label)
        for key, label, _width in EXPORT_COLUMNS
    ]


def _export_rows(event, rows, excel=False):
    """The rows of the export; with `excel`, the scan time is a date Excel can sort
    and filter by (it holds no time zone: the fair's clock, as the heading says)."""
    for row in rows:
        values = []
        for key, _label, _width in EXPORT_COLUMNS:
            value = row[key]
            if key == "captured_at":
                value = value.astimezone(event.tz)
                if excel:
                    value = value.replace(tzinfo=None, microsecond=0)
                else:
                    value = value.strftime("%Y-%m-%d %H:%M")
            elif key == "rating":
                value = str(LEAD_RATINGS[value]) if value else ""
            elif key == "country":
                value = country_name(value)
            values.append(value)
        yield values


@bp.get("/e/<slug>/leads/export.<fmt>")
@event_view("exhibitor_admin", "exhibitor_staff")
def leads_export(event, fmt):
    if fmt not in ("csv", "xlsx"):
        abort(404)
    company = _lead_company(event)
    if company is None:
        abort(404)
    filters = _lead_filters()
    rows = services.lead_rows(
        event, company.id, current_language(), rating=filters["rating"], text=filters["q"]
    )
    header = _export_header(event)
    filename = f"leads-{event.slug}-{company.id}.{fmt}"
    if fmt == "csv":
        out = io.StringIO()
        out.write("\ufeff")  # Excel opens UTF-8 CSV with Hangul correctly only with a BOM
        writer = csv.writer(out)
        writer.writerow(header)
        for values in _export_rows(event, rows):
            writer.writerow(csv_cell(v) for v in values)
        return Response(
            out.getvalue(),
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = str(_("Leads"))[:31]  # a sheet name holds at most 31 characters
    sheet.append(header)
    scan_time = next(i for i, column in enumerate(EXPORT_COLUMNS) if column[0] == "captured_at")
    for values in _export_rows(event, rows, excel=True):
        sheet.append(
            xlsx_row(
                [v if isinstance(v, datetime) else "" if v is None else str(v) for v in values]
            )
        )
        cells = sheet[sheet.max_row]
        keep_as_text(cells)
        cells[scan_time].number_format = EXCEL_SCAN_TIME
    for index, (_key, _label, width) in enumerate(EXPORT_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return send_file(
        buffer,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        as_attachment=True,
        download_name=filename,
    )


# -- visitors: contact sharing --------------------------------------------------------------


@bp.route("/e/<slug>/contact-sharing", methods=["GET", "POST"])
@event_view(public=True)
def contact_sharing(event):
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    member = has_role(current_user, event, *SHARING_ROLES)
    # Taking a person off the event (or off a company's team) leaves their consent
    # in force, so exhibitors who scanned them go on seeing their contact details:
    # they may still withdraw it, though not give it.
    if not member and services.consent_of(event, current_user) is None:
        abort(403)
    form = ContactSharingForm()
    if form.validate_on_submit():
        if form.share_contact.data and not member:
            abort(403)
        services.set_contact_sharing(event, current_user, form.share_contact.data)
        db.session.commit()
        if form.share_contact.data:
            flash(_("Exhibitors who scan your badge will see your contact details."), "success")
        else:
            flash(
                _("Exhibitors who scan your badge will see only your name and company."), "success"
            )
        return redirect(
            safe_redirect_target(
                request.form.get("next"), url_for("checkin.contact_sharing", slug=event.slug)
            )
        )
    if request.method == "GET":
        form.share_contact.data = services.shares_contact(event, current_user)
    return render_template("checkin/contact_sharing.html", event=event, form=form, member=member)
