"""Floor plan, booth list, self-service picking and the organizers' booth tools.

Views stay thin: they check who may act, call eventapp.booths.services and
commit, or roll back and say why.
"""

import unicodedata
from datetime import UTC

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import selectinload

from eventapp.booths import exports, rules, services, state
from eventapp.booths.forms import (
    BoothActionForm,
    FloorPlanImportForm,
    PlaceRestForm,
    SettingsForm,
    SwapForm,
)
from eventapp.booths.models import (
    ALLOCATION_STATES,
    BoothPlanProposal,
    Exhibitor,
)
from eventapp.core.db import is_conflict
from eventapp.core.forms import select_choices
from eventapp.core.i18n import gettext as _
from eventapp.core.i18n import label, ngettext
from eventapp.core.i18n import lazy_gettext as _l
from eventapp.core.nav import add_nav_item, add_overview_panel
from eventapp.core.permissions import (
    company_of,
    event_object_or_404,
    event_view,
    has_role,
    is_organizer,
    organizer_view,
    require_same_company,
)
from eventapp.core.templating import zone_name
from eventapp.extensions import db
from eventapp.meetings.services import astray_meetings
from eventapp.organizations.models import SECTORS

bp = Blueprint("booths", __name__)

add_nav_item(_l("Floor plan"), "booths.floorplan", public=True, order=20)
add_nav_item(_l("My booths"), "booths.my_booths", "exhibitor_admin", "exhibitor_staff", order=30)
add_nav_item(_l("Booths"), "booths.manage", "organizer", order=80)
add_overview_panel("booths/_overview_panel.html")


@bp.context_processor
def _plan_helpers():
    return {
        "zone_label": state.zone_label,
        # The plan's script shows these alone (booth details, labels read out).
        "statuses_json": lambda statuses: {k: label(v) for k, v in statuses.items()},
        "zones_json": lambda zones: {z: label(state.zone_label(z)) for z in zones},
        "halls_json": lambda halls: {hall.code: hall.name for hall in halls},
    }


LOST_RACE = _l(
    "Someone else has just taken one of these booths. The floor plan now shows the booths "
    "still free; please choose again."
)


def _wants_json():
    return request.is_json or request.accept_mimetypes.best == "application/json"


def _commit_or_explain(action):
    """Run `action()` and commit; returns (ok, message or result, http status)."""
    try:
        result = action()
        db.session.commit()
        return True, result, 200
    except services.BoothConflict as error:
        db.session.rollback()
        return False, error, 409
    except services.BoothError as error:
        db.session.rollback()
        return False, error, 422
    except (IntegrityError, OperationalError) as error:
        db.session.rollback()
        if not is_conflict(error):
            raise
        return False, services.BoothConflict(str(LOST_RACE)), 409


def _error_text(error):
    return error.message if isinstance(error, services.BoothError) else str(error)


def _flash_error(error):
    flash(_error_text(error), "error")
    for detail in getattr(error, "details", ()):
        flash(detail, "error")


def _viewer_exhibitor(event):
    company = company_of(current_user, event)
    if company is None:
        return None
    return db.session.scalar(
        select(Exhibitor).where(
            Exhibitor.event_id == event.id, Exhibitor.organization_id == company.id
        )
    )


def _expire(event):
    """Delete lapsed holds before showing the floor (reads treat them as free anyway)."""
    try:
        if services.expire_holds(event=event):
            db.session.commit()
    except OperationalError as error:
        db.session.rollback()
        if not is_conflict(error):
            raise


# --------------------------------------------------------------------------- public


@bp.get("/e/<slug>/floorplan")
@event_view(public=True)
def floorplan(event):
    _expire(event)
    viewer = _viewer_exhibitor(event)
    plan = state.plan_view(
        event,
        viewer_exhibitor_id=viewer.id if viewer else None,
        show_holders=is_organizer(current_user, event),
    )
    return render_template(
        "booths/floorplan.html", event=event, plan=plan, mode="view", statuses=state.STATUSES
    )


@bp.get("/e/<slug>/floorplan.json")
@event_view(public=True)
def floorplan_json(event):
    _expire(event)
    # The picking page an organizer opens for a company refreshes its plan as that
    # company's: asked as the organizer's, the company's held booths turned into
    # someone else's hold, could not be picked and were dropped from the selection.
    viewer = _acting_exhibitor(event) if request.args.get("exhibitor") else _viewer_exhibitor(event)
    plan = state.plan_view(
        event,
        viewer_exhibitor_id=viewer.id if viewer else None,
        show_holders=is_organizer(current_user, event),
    )
    response = jsonify(state.plan_json(event, plan, mine=state.mine_summary(viewer)))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/e/<slug>/floorplan.pdf")
@event_view(public=True)
def floorplan_pdf(event):
    _expire(event)
    data = exports.floorplan_pdf(event)
    return Response(
        data,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{event.slug}-floorplan.pdf"'},
    )


@bp.get("/e/<slug>/booths")
@event_view(public=True)
def booth_list(event):
    _expire(event)
    viewer = _viewer_exhibitor(event)
    plan = state.plan_view(
        event,
        viewer_exhibitor_id=viewer.id if viewer else None,
        show_holders=is_organizer(current_user, event),
    )
    filters = {
        "hall": request.args.get("hall", ""),
        "zone": request.args.get("zone", ""),
        "status": request.args.get("status", ""),
        "q": request.args.get("q", "").strip(),
    }
    rows = plan.booths
    if filters["hall"]:
        rows = [b for b in rows if b.hall == filters["hall"]]
    if filters["zone"]:
        rows = [b for b in rows if b.zone == filters["zone"]]
    if filters["status"]:
        rows = [b for b in rows if b.status == filters["status"]]
    if filters["q"]:
        needle = _searchable(filters["q"])
        rows = [
            b
            for b in rows
            if needle in _searchable(b.code) or needle in _searchable(b.exhibitor_names)
        ]
    return render_template(
        "booths/list.html",
        event=event,
        plan=plan,
        rows=rows,
        filters=filters,
        statuses=state.STATUSES,
        zone_label=state.zone_label,
        # The hall's name, as the filter and the plan say it, not its code in the CSV.
        hall_names={hall.code: hall.name for hall in plan.halls},
    )


def _searchable(text):
    """`text` as the booth list's search compares it: a Korean input method in
    full-width mode types "Ａ－０１" or "ＡＬＰＨＡ", the same letters as the plan's
    "A-01" and "Alpha", and Hangul pasted from a Mac may be decomposed."""
    return unicodedata.normalize("NFKC", text).casefold()


# --------------------------------------------------------------------------- picking


def _json_body():
    """The object a JSON request sent ({} when it sent nothing). Any other body, or a
    `booths` field that holds no booth codes, ends the request with a 400 saying so."""
    if not request.get_data():
        return {}
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        text = _('Send a JSON object, such as {"booths": ["A-01", "A-02"]}.')
        abort(make_response(jsonify({"ok": False, "message": text}), 400))
    try:
        services.parse_codes(data.get("booths"))
    except services.BoothError as error:
        abort(make_response(jsonify({"ok": False, "message": error.message}), 400))
    return data


def _acting_exhibitor(event):
    """The exhibitor the request acts for: `exhibitor` parameter (organizers, or one's own
    company) or the company the user represents."""
    requested = request.values.get("exhibitor", type=int)
    if request.is_json:
        body = _json_body()
        if requested is None:
            requested = body.get("exhibitor")
    if requested:
        exhibitor = event_object_or_404(Exhibitor, requested, event)
        require_same_company(current_user, event, exhibitor.organization_id)
        return exhibitor
    return _viewer_exhibitor(event)


def _pick_redirect(event, exhibitor):
    return redirect(url_for(".my_booths", slug=event.slug, exhibitor=_acting_for(event, exhibitor)))


def _acting_for(event, exhibitor):
    """The exhibitor's id when the user acts for a company not their own (an organizer
    on its picking page), else None."""
    if exhibitor is not None and company_of(current_user, event) is None:
        return exhibitor.id
    return None


def _plan_url(event, exhibitor):
    """The plan state as the picking page of `exhibitor` shows it."""
    return url_for(".floorplan_json", slug=event.slug, exhibitor=_acting_for(event, exhibitor))


def _pick_answer(event, exhibitor, ok, message, status):
    if _wants_json():
        payload = {"ok": ok, "message": str(message)}
        if not ok:
            payload["details"] = getattr(message, "details", [])
        payload["mine"] = state.mine_summary(exhibitor) if exhibitor is not None else None
        payload["plan_url"] = _plan_url(event, exhibitor)
        return jsonify(payload), status
    session["booth_message"] = {"ok": ok, "text": _error_text(message) if not ok else message}
    return _pick_redirect(event, exhibitor)


def _no_exhibitor(event):
    if is_organizer(current_user, event):
        text = _("Choose the exhibitor to act for.")
    else:
        text = _("Your company is not registered as an exhibitor of this event.")
    if _wants_json():
        return jsonify({"ok": False, "message": text}), 400
    flash(text, "error")
    return redirect(
        url_for(".manage" if is_organizer(current_user, event) else ".my_booths", slug=event.slug)
    )


@bp.get("/e/<slug>/my-booths")
@event_view("exhibitor_admin", "exhibitor_staff")
def my_booths(event):
    exhibitor = _acting_exhibitor(event)
    if exhibitor is None and is_organizer(current_user, event):
        return redirect(url_for(".manage", slug=event.slug))
    _expire(event)
    message = session.pop("booth_message", None)
    settings = services.settings_for(event)
    db.session.commit()
    plan = state.plan_view(event, viewer_exhibitor_id=exhibitor.id if exhibitor else None)
    mine = state.mine_summary(exhibitor)
    can_act = has_role(current_user, event, "exhibitor_admin")
    window = services.picking_status(settings, exhibitor) if exhibitor else None
    can_pick = bool(
        exhibitor
        and can_act
        and exhibitor.status == "approved"
        and mine["state"] in (None, "hold")
        and window == "open"
    )
    can_confirm = bool(exhibitor and can_act and mine["state"] in ("hold", "placed"))
    zones = set(exhibitor.zones or ()) if exhibitor else set()
    if can_pick:
        for booth in plan.booths:
            if booth.status in ("free", "yours") and (not zones or booth.zone in zones):
                booth.extra.add("pickable")
    # On a phone the plan opens on the company's booths or zone, its hall's name out
    # of view: the facts above it say which hall to look for.
    own = [b for b in plan.booths if b.status == "yours"]
    halls = plan.hall_names(own or [b for b in plan.booths if b.zone in zones])
    return render_template(
        "booths/my_booths.html",
        event=event,
        exhibitor=exhibitor,
        plan=plan,
        halls=halls,
        mine=mine,
        settings=settings,
        window=window,
        opens_at=services.picking_opens_for(settings, exhibitor) if exhibitor else None,
        can_act=can_act,
        can_pick=can_pick,
        can_confirm=can_confirm,
        message=message,
        mode="pick" if can_pick else "view",
        statuses=state.STATUSES,
        allocation_states=ALLOCATION_STATES,
        acting_for=_acting_for(event, exhibitor),
        state_url=_plan_url(event, exhibitor),
    )


def _requested_codes():
    if request.is_json:
        return services.parse_codes(_json_body().get("booths"))
    return services.parse_codes(request.form.getlist("booths"))


def _pick_said(event, exhibitor, codes, yours, theirs, **values):
    """What a pick did to the booths `codes`: said to the company's own people by
    `yours`, and by `theirs`, naming the company, to an organizer acting on its page,
    whose booths they are not. Both are functions (count, **values) -> text."""
    values["booths"] = ", ".join(codes)
    if _acting_for(event, exhibitor):
        return theirs(len(codes), name=services.exhibitor_name(exhibitor), **values)
    return yours(len(codes), **values)


@bp.post("/e/<slug>/my-booths/hold")
@event_view("exhibitor_admin")
def hold(event):
    exhibitor = _acting_exhibitor(event)
    if exhibitor is None:
        return _no_exhibitor(event)
    codes = _requested_codes()
    ok, result, status = _commit_or_explain(lambda: services.hold_booths(exhibitor, codes))
    if ok:
        from eventapp.core.templating import local_clock

        # The booths as stored, not as typed ("a-01", twice): read back what is held.
        codes = [a.booth.code for a in services.allocations_of(exhibitor)]
        # Exhibitors from abroad read "until 16:46" by their own clock.
        when = _(
            "%(time)s (%(zone)s)",
            time=local_clock(result, event=event),
            zone=zone_name(event.timezone),
        )
        message = _pick_said(
            event,
            exhibitor,
            codes,
            lambda n, **v: ngettext(
                "Booth %(booths)s is held for you until %(when)s. Confirm it before then.",
                "Booths %(booths)s are held for you until %(when)s. Confirm them before then.",
                n,
                **v,
            ),
            lambda n, **v: ngettext(
                "Booth %(booths)s is held for %(name)s until %(when)s. Confirm it before then.",
                "Booths %(booths)s are held for %(name)s until %(when)s. Confirm them before then.",
                n,
                **v,
            ),
            when=when,
        )
        return _pick_answer(event, exhibitor, True, message, 200)
    return _pick_answer(event, exhibitor, False, result, status)


@bp.post("/e/<slug>/my-booths/confirm")
@event_view("exhibitor_admin")
def confirm(event):
    exhibitor = _acting_exhibitor(event)
    if exhibitor is None:
        return _no_exhibitor(event)
    seen = _requested_codes()
    on_behalf = bool(_acting_for(event, exhibitor))
    ok, result, status = _commit_or_explain(
        lambda: services.confirm_booths(exhibitor, seen=seen, on_behalf=on_behalf)
    )
    if ok:
        codes = sorted(a.booth.code for a in result)
        message = _pick_said(
            event,
            exhibitor,
            codes,
            lambda n, **v: ngettext(
                "Your booth %(booths)s is confirmed.",
                "Your booths %(booths)s are confirmed.",
                n,
                **v,
            ),
            lambda n, **v: ngettext(
                "Booth %(booths)s of %(name)s is confirmed.",
                "Booths %(booths)s of %(name)s are confirmed.",
                n,
                **v,
            ),
        )
        return _pick_answer(event, exhibitor, True, message, 200)
    return _pick_answer(event, exhibitor, False, result, status)


@bp.post("/e/<slug>/my-booths/release")
@event_view("exhibitor_admin")
def release(event):
    exhibitor = _acting_exhibitor(event)
    if exhibitor is None:
        return _no_exhibitor(event)
    ok, result, status = _commit_or_explain(lambda: services.release_hold(exhibitor))
    if ok:
        message = _pick_said(
            event,
            exhibitor,
            result,
            lambda _n, **v: _("You released booths %(booths)s.", **v),
            lambda _n, **v: _("The hold of %(name)s on booths %(booths)s is released.", **v),
        )
        return _pick_answer(event, exhibitor, True, message, 200)
    return _pick_answer(event, exhibitor, False, result, status)


# --------------------------------------------------------------------------- organizer


def _exhibitor_choices(event):
    rows = db.session.scalars(
        select(Exhibitor)
        .where(Exhibitor.event_id == event.id, Exhibitor.status.in_(services.PLACEABLE_STATUSES))
        .options(selectinload(Exhibitor.organization))
    )
    choices = [(e.id, services.exhibitor_name(e)) for e in rows]
    choices.sort(key=lambda c: c[1].casefold())
    return choices


@bp.get("/e/<slug>/manage/booths/")
@organizer_view
def manage(event):
    _expire(event)
    plan = state.plan_view(event, show_holders=True)
    choices = _exhibitor_choices(event)
    action_form = BoothActionForm()
    action_form.exhibitor.choices = select_choices([(0, _("— choose —")), *choices])
    swap_form = SwapForm()
    swap_form.first.choices = select_choices(choices)
    swap_form.second.choices = select_choices(choices)
    selected = request.args.get("booths", "")
    if selected:
        action_form.booths.data = selected
        # As the actions find them: "a-01" typed, or a full-width "Ａ－０１", is A-01.
        wanted = {code.upper() for code in services.parse_codes(selected)}
        for booth in plan.booths:
            if booth.code.upper() in wanted:
                booth.extra.add("selected")
    exhibitors = state.exhibitor_rows(event)
    settings = services.settings_for(event)
    # Where the last action was taken, to say there how it went (see _back_to_manage).
    at = request.args.get("at", "")
    if at not in ("booths", "swap") and at not in {str(r["exhibitor"].id) for r in exhibitors}:
        at = None
    return render_template(
        "booths/manage.html",
        event=event,
        plan=plan,
        mode="edit",
        statuses=state.STATUSES,
        action_form=action_form,
        swap_form=swap_form,
        exhibitors=exhibitors,
        flash_at=at,
        show=_codes_or_none(request.args.get("show", "")),
        violation_count=len(state.violations(event)),
        settings=settings,
        priority_window=services.priority_window(settings),
    )


def _back_to_manage(event, booths="", at="booths", show=()):
    """Back to the booth tools where the organizer acted: `at` is "booths" (the
    booth form above the plan), "swap" or an exhibitor's id (its row of the table);
    the page says how it went there and the browser scrolls to it (#action-result),
    instead of to the top of a page as long as the list of exhibitors. `show`: the
    booths acted on, which the plan starts zoomed on."""
    return redirect(
        url_for(
            ".manage",
            slug=event.slug,
            booths=booths or None,
            at=at,
            show=" ".join(show) or None,
            _anchor="action-result",
        )
    )


def _astray_ids(event):
    return {meeting.id for meeting in astray_meetings(event)}


def _flash_astray_meetings(event, before):
    """A firm's meetings this change left at a booth it lost (no table free at their
    time), or at a lent stand that went with a floor plan: said where the change was
    made. Those astray `before` it (ids) are not counted again: the meetup page
    lists them, and a warning after every booth action would be noise."""
    count = len(_astray_ids(event) - before)
    if count:
        flash(
            ngettext(
                "%(num)d meeting of the meetup is at a booth its firm no longer "
                "receives at: move it on the meetup page.",
                "%(num)d meetings of the meetup are at a booth their firm no longer "
                "receives at: move them on the meetup page.",
                count,
            ),
            "warning",
        )


def _organizer_action(event, action, success, booths="", at="booths"):
    astray = _astray_ids(event)
    ok, result, _status = _commit_or_explain(action)
    if ok:
        flash(success(result) if callable(success) else success, "success")
        breaches = result if isinstance(result, list) else []
        for breach in breaches:
            if isinstance(breach, rules.Breach):
                flash(_("Rule broken: %(rule)s", rule=breach.message), "warning")
        _flash_astray_meetings(event, astray)
    else:
        _flash_error(result)
    if not ok:
        return _back_to_manage(event, booths, at=at)
    return _back_to_manage(event, at=at, show=_codes_or_none(booths))


def _codes_or_none(booths):
    try:
        return services.parse_codes(booths)
    except services.BoothError:
        return ()


def _placed_codes(exhibitor):
    """The exhibitor's booths as stored ("A-01"), not as typed ("a-01", twice)."""
    return ", ".join(a.booth.code for a in services.allocations_of(exhibitor))


def _form_exhibitor(event, field="exhibitor"):
    return event_object_or_404(Exhibitor, request.form.get(field, type=int), event)


@bp.post("/e/<slug>/manage/booths/place")
@organizer_view
def place(event):
    booths = request.form.get("booths", "")
    exhibitor_id = request.form.get("exhibitor", type=int)
    if not exhibitor_id:
        flash(_("Choose the exhibitor to place."), "error")
        return _back_to_manage(event, booths)
    exhibitor = event_object_or_404(Exhibitor, exhibitor_id, event)
    name = services.exhibitor_name(exhibitor)
    return _organizer_action(
        event,
        lambda: services.place_exhibitor(exhibitor, booths),
        lambda _breaches: _(
            "%(name)s now stands on %(booths)s.", name=name, booths=_placed_codes(exhibitor)
        ),
        booths,
    )


@bp.post("/e/<slug>/manage/booths/move")
@organizer_view
def move(event):
    booths = request.form.get("booths", "")
    exhibitor = _form_exhibitor(event)
    name = services.exhibitor_name(exhibitor)
    return _organizer_action(
        event,
        lambda: services.move_exhibitor(exhibitor, booths),
        lambda _breaches: _(
            "%(name)s moved to %(booths)s.", name=name, booths=_placed_codes(exhibitor)
        ),
        booths,
    )


@bp.post("/e/<slug>/manage/booths/block")
@organizer_view
def block(event):
    booths = request.form.get("booths", "")
    return _organizer_action(
        event,
        lambda: services.block_booths(event, booths, request.form.get("reason", "")),
        lambda codes: _("Blocked %(booths)s.", booths=", ".join(codes)),
        booths,
    )


@bp.post("/e/<slug>/manage/booths/unblock")
@organizer_view
def unblock(event):
    booths = request.form.get("booths", "")
    return _organizer_action(
        event,
        lambda: services.unblock_booths(event, booths),
        lambda codes: _("Unblocked %(booths)s.", booths=", ".join(codes)),
        booths,
    )


@bp.post("/e/<slug>/manage/booths/swap")
@organizer_view
def swap(event):
    first = _form_exhibitor(event, "first")
    second = _form_exhibitor(event, "second")
    return _organizer_action(
        event,
        lambda: services.swap_exhibitors(first, second),
        _(
            "%(first)s and %(second)s swapped booths.",
            first=services.exhibitor_name(first),
            second=services.exhibitor_name(second),
        ),
        at="swap",
    )


@bp.post("/e/<slug>/manage/booths/unassign")
@organizer_view
def unassign(event):
    exhibitor = _form_exhibitor(event)
    return _organizer_action(
        event,
        lambda: services.unassign_exhibitor(exhibitor),
        lambda codes: _(
            "%(name)s no longer has booths (%(booths)s freed).",
            name=services.exhibitor_name(exhibitor),
            booths=", ".join(codes),
        ),
        at=exhibitor.id,
    )


@bp.post("/e/<slug>/manage/booths/lock")
@organizer_view
def lock(event):
    exhibitor = _form_exhibitor(event)
    locked = request.form.get("locked") == "1"
    name = services.exhibitor_name(exhibitor)
    return _organizer_action(
        event,
        lambda: services.set_locked(exhibitor, locked),
        _("%(name)s is locked; the assigner will not touch it.", name=name)
        if locked
        else _("%(name)s is unlocked.", name=name),
        at=exhibitor.id,
    )


@bp.get("/e/<slug>/manage/booths/violations")
@organizer_view
def violations(event):
    _expire(event)
    return render_template(
        "booths/violations.html", event=event, violations=state.violations(event)
    )


@bp.route("/e/<slug>/manage/booths/import", methods=["GET", "POST"])
@organizer_view
def import_plan(event):
    form = FloorPlanImportForm()
    problems = None
    if form.validate_on_submit():
        data = form.file.data.read()
        astray = _astray_ids(event)
        ok, result, _status = _commit_or_explain(lambda: services.import_floorplan(event, data))
        if ok:
            flash(
                _(
                    "Floor plan imported: %(booths)s booths (%(created)s new, %(updated)s kept, "
                    "%(removed)s removed).",
                    **result,
                ),
                "success",
            )
            for warning in result["warnings"]:
                flash(warning, "warning")
            # Allocated booths cannot vanish, but a free stand lent for the meetup can.
            _flash_astray_meetings(event, astray)
            return redirect(url_for(".manage", slug=event.slug))
        problems = result
    return render_template(
        "booths/import.html",
        event=event,
        form=form,
        problems=problems,
        zones=list(SECTORS),
    ), (422 if problems else 200)


@bp.get("/e/<slug>/manage/booths/floorplan.csv")
@organizer_view
def plan_csv(event):
    from eventapp.booths.floorplan import to_csv
    from eventapp.booths.models import Booth

    booths = db.session.scalars(
        select(Booth).where(Booth.event_id == event.id).order_by(Booth.hall_id, Booth.code)
    )
    return Response(
        to_csv(booths).encode("utf-8"),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{event.slug}-floorplan.csv"'},
    )


def _to_utc(event, value):
    return value.replace(tzinfo=event.tz).astimezone(UTC) if value else None


def _to_local(event, value):
    return value.astimezone(event.tz).replace(tzinfo=None) if value else None


@bp.route("/e/<slug>/manage/booths/settings", methods=["GET", "POST"])
@organizer_view
def settings(event):
    current = services.settings_for(event)
    db.session.commit()
    form = SettingsForm(
        zone=zone_name(event.timezone),
        data=None
        if request.method == "POST"
        else {
            "picking_opens_at": _to_local(event, current.picking_opens_at),
            "priority_opens_at": _to_local(event, current.priority_opens_at),
            "picking_closes_at": _to_local(event, current.picking_closes_at),
            "hold_minutes": current.hold_minutes,
            "assigner_time_limit": current.assigner_time_limit,
        },
    )
    if form.validate_on_submit():
        ok, result, _status = _commit_or_explain(
            lambda: services.update_settings(
                event,
                picking_opens_at=_to_utc(event, form.picking_opens_at.data),
                priority_opens_at=_to_utc(event, form.priority_opens_at.data),
                picking_closes_at=_to_utc(event, form.picking_closes_at.data),
                hold_minutes=form.hold_minutes.data,
                assigner_time_limit=form.assigner_time_limit.data,
            )
        )
        if ok:
            flash(_("Booth settings saved."), "success")
            return redirect(url_for(".manage", slug=event.slug))
        _flash_error(result)
    return render_template("booths/settings.html", event=event, form=form)


@bp.get("/e/<slug>/manage/booths/export.csv")
@organizer_view
def export_csv(event):
    _expire(event)
    return Response(
        exports.booths_csv(event),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{event.slug}-booths.csv"'},
    )


@bp.get("/e/<slug>/manage/booths/export.xlsx")
@organizer_view
def export_xlsx(event):
    _expire(event)
    return Response(
        exports.booths_xlsx(event),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{event.slug}-booths.xlsx"'},
    )


# --------------------------------------------------------------------------- place the rest


@bp.route("/e/<slug>/manage/booths/place-rest", methods=["GET", "POST"])
@organizer_view
def place_rest(event):
    from eventapp.booths import planning

    settings_row = services.settings_for(event)
    db.session.commit()
    form = PlaceRestForm(
        data=None if request.method == "POST" else {"time_limit": settings_row.assigner_time_limit}
    )
    if form.validate_on_submit():
        from flask import current_app

        workers = current_app.config.get("BOOTH_ASSIGNER_WORKERS", 2)
        ok, result, _status = _commit_or_explain(
            lambda: services.propose_plan(
                event, time_limit=form.time_limit.data, workers=workers, user=current_user
            )
        )
        if ok:
            return redirect(url_for(".proposal", slug=event.slug, proposal_id=result.id))
        _flash_error(result)
    _expire(event)
    built = planning.build_problem(event)
    return render_template(
        "booths/place_rest.html",
        event=event,
        form=form,
        built=built,
        warning_text=planning.warning_text,
        names={e.id: services.exhibitor_name(e) for e in built.to_place},
        latest=db.session.scalar(
            select(BoothPlanProposal)
            .where(BoothPlanProposal.event_id == event.id)
            .order_by(BoothPlanProposal.id.desc())
        ),
    )


@bp.get("/e/<slug>/manage/booths/proposals/<int:proposal_id>")
@organizer_view
def proposal(event, proposal_id):
    from eventapp.booths import planning

    item = event_object_or_404(BoothPlanProposal, proposal_id, event)
    _expire(event)
    plan = state.plan_view(event, show_holders=True)
    ids = [int(k) for k in item.assignments] + item.left_out_ids
    exhibitors = {
        e.id: e
        for e in db.session.scalars(
            select(Exhibitor)
            .where(Exhibitor.id.in_(ids))
            .options(selectinload(Exhibitor.organization))
        )
    }
    # As applying finds them: a booth the plan proposed as "A-01" may read "a-01" now.
    by_code = {b.code.upper(): b for b in plan.booths}
    placed = []
    for key, codes in item.assignments.items():
        exhibitor = exhibitors.get(int(key))
        name = services.exhibitor_name(exhibitor) if exhibitor else f"#{key}"
        placed.append({"id": int(key), "name": name, "booths": codes, "exhibitor": exhibitor})
        for code in codes:
            booth = by_code.get(code.upper())
            if booth is not None:
                booth.extra.add("proposed")
                booth.note = name
    placed.sort(key=lambda p: p["name"].casefold())
    left_out = sorted(
        (
            {"exhibitor": exhibitors[i], "reason": planning.left_out_text(entry)}
            for i, entry in zip(item.left_out_ids, item.left_out, strict=True)
            if i in exhibitors
        ),
        key=lambda row: services.exhibitor_name(row["exhibitor"]).casefold(),
    )
    return render_template(
        "booths/proposal.html",
        event=event,
        proposal=item,
        plan=plan,
        mode="view",
        statuses=state.STATUSES,
        placed=placed,
        left_out=left_out,
        exhibitor_name=services.exhibitor_name,
        warning_text=planning.warning_text,
        solver_statuses=planning.SOLVER_STATUSES,
    )


@bp.post("/e/<slug>/manage/booths/proposals/<int:proposal_id>/apply")
@organizer_view
def apply_proposal(event, proposal_id):
    item = event_object_or_404(BoothPlanProposal, proposal_id, event)
    astray = _astray_ids(event)
    ok, result, _status = _commit_or_explain(lambda: services.apply_proposal(item))
    if ok:
        flash(
            ngettext(
                "The plan is applied: %(num)d exhibitor placed.",
                "The plan is applied: %(num)d exhibitors placed.",
                result,
            ),
            "success",
        )
        _flash_astray_meetings(event, astray)
        return redirect(url_for(".manage", slug=event.slug))
    _flash_error(result)
    return redirect(url_for(".proposal", slug=event.slug, proposal_id=proposal_id))
