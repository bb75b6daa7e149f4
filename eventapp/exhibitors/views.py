import base64
import binascii
import csv
import io

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, OperationalError
from werkzeug.routing import BuildError

from eventapp.booths.models import (
    ALLOCATION_STATES,
    EXHIBITOR_STATUSES,
    Booth,
    Exhibitor,
)
from eventapp.booths.services import allocations_of
from eventapp.core.audit import AuditEntry
from eventapp.core.db import is_conflict
from eventapp.core.forms import field_errors
from eventapp.core.i18n import gettext as _
from eventapp.core.i18n import lazy_gettext as _l
from eventapp.core.i18n import ngettext
from eventapp.core.nav import add_home_panel, add_nav_item, add_overview_panel
from eventapp.core.paging import page_window
from eventapp.core.permissions import (
    company_of,
    event_object_or_404,
    event_view,
    is_organizer,
    organizer_view,
    require_same_company,
)
from eventapp.core.urls import safe_redirect_target
from eventapp.events.models import EventRole
from eventapp.exhibitors import importer, services
from eventapp.exhibitors.forms import (
    DecisionForm,
    ImportApplyForm,
    ImportForm,
    MemberForm,
    PriorityForm,
    RegistrationForm,
    WithdrawForm,
)
from eventapp.exhibitors.models import TeamInvitation
from eventapp.extensions import db, login_manager
from eventapp.meetings.services import meetup_left_behind, meetup_profile_to_come
from eventapp.organizations.models import ORGANIZATION_KINDS, SECTORS, Organization

bp = Blueprint("exhibitors", __name__)

add_nav_item(_l("Exhibit"), "exhibitors.register", public=True, order=20, until_over=True)
add_nav_item(
    _l("My company"), "exhibitors.my_company", "exhibitor_admin", "exhibitor_staff", order=21
)
add_nav_item(_l("Exhibitors"), "exhibitors.manage_list", "organizer", order=60)
add_overview_panel("exhibitors/_overview_panel.html")
add_home_panel("exhibitors/_home_invitations.html")

# The booths package's picking page ("My booths"); looked up by name so that this
# package works (without the link) where that page is absent.
PICKING_ENDPOINTS = ("booths.my_booths",)
PAGE_SIZE = 50


def picking_url(event):
    """The floor plan where the company picks its booths, once that page exists."""
    for endpoint in PICKING_ENDPOINTS:
        if endpoint in current_app.view_functions:
            try:
                return url_for(endpoint, slug=event.slug)
            except BuildError:
                continue
    return None


def _exhibitor_or_404(event, exhibitor_id):
    return event_object_or_404(Exhibitor, exhibitor_id, event)


def is_company_admin(user, exhibitor):
    if is_organizer(user, exhibitor.event):
        return True
    return (
        db.session.scalar(
            select(EventRole.id).where(
                EventRole.event_id == exhibitor.event_id,
                EventRole.user_id == user.id,
                EventRole.role == "exhibitor_admin",
                EventRole.organization_id == exhibitor.organization_id,
            )
        )
        is not None
    )


def _company_exhibitor(event, exhibitor_id, *, admin=False):
    """The registration a company member (or an organizer) works on; 403 for others."""
    exhibitor = _exhibitor_or_404(event, exhibitor_id)
    require_same_company(current_user, event, exhibitor.organization_id)
    if admin and not is_company_admin(current_user, exhibitor):
        abort(403)
    return exhibitor


def _to_dashboard(exhibitor):
    return redirect(
        url_for("exhibitors.dashboard", slug=exhibitor.event.slug, exhibitor_id=exhibitor.id)
    )


# -- registration ----------------------------------------------------------------------------


@bp.route("/e/<slug>/exhibit", methods=["GET", "POST"])
@event_view(public=True)
def register(event):
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    mine = services.exhibitor_of_user(current_user, event)
    if mine is not None:
        return _to_dashboard(mine)
    taken = (
        current_user.organization is not None
        and services.exhibitor_for(event, current_user.organization) is not None
    )
    form = RegistrationForm.for_user(event, current_user)
    if not taken and not event.is_over and form.validate_on_submit():
        try:
            exhibitor = services.register(event, current_user, form.profile(), form.booth_request())
        except services.AlreadyRegistered as sent_before:
            flash(str(sent_before), "info")
            return _to_dashboard(sent_before.exhibitor)
        except services.ExhibitorError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            flash(_("Thank you! Your registration is received and will be reviewed."), "success")
            return _to_dashboard(exhibitor)
    return render_template(
        "exhibitors/register.html",
        event=event,
        form=form,
        taken=taken,
        booth_codes=_booth_codes(event),
    )


def _booth_codes(event):
    return list(
        db.session.scalars(
            select(Booth.code)
            .where(Booth.event_id == event.id, Booth.blocked.is_(False))
            .order_by(Booth.code)
        )
    )


# -- the company page ------------------------------------------------------------------------


@bp.get("/e/<slug>/my-company")
@event_view("exhibitor_admin", "exhibitor_staff")
def my_company(event):
    exhibitor = services.exhibitor_of_user(current_user, event)
    if exhibitor is None:
        if is_organizer(current_user, event):
            return redirect(url_for("exhibitors.manage_list", slug=event.slug))
        abort(404)
    return _to_dashboard(exhibitor)


@bp.get("/e/<slug>/exhibitors/<int:exhibitor_id>/")
@event_view("exhibitor_admin", "exhibitor_staff")
def dashboard(event, exhibitor_id):
    return _dashboard_page(event, _company_exhibitor(event, exhibitor_id))


def _dashboard_page(event, exhibitor, member_form=None):
    """The company page; after a refused team addition, with the form as it was sent,
    so that the e-mail and name typed are not lost."""
    # Without expired holds: those booths are free for everybody else.
    allocations = allocations_of(exhibitor)
    named, _naming = services.avoid_links(exhibitor)
    return render_template(
        "exhibitors/dashboard.html",
        event=event,
        exhibitor=exhibitor,
        org=exhibitor.organization,
        allocations=allocations,
        people=services.company_people(exhibitor),
        invitations=services.pending_invitations(exhibitor),
        avoids=named,
        is_admin=is_company_admin(current_user, exhibitor),
        team_open=services.team_open(exhibitor),
        editable=services.registration_editable(exhibitor),
        can_withdraw=services.withdrawable(exhibitor),
        picking=picking_url(event) if exhibitor.status in services.PICKING_STATUSES else None,
        member_form=member_form if member_form is not None else MemberForm(),
        withdraw_form=WithdrawForm(),
        sectors=SECTORS,
        allocation_states=ALLOCATION_STATES,
        meetings_to_come=meetup_profile_to_come(event, exhibitor.organization)[1],
    )


@bp.route("/e/<slug>/exhibitors/<int:exhibitor_id>/edit", methods=["GET", "POST"])
@event_view("exhibitor_admin")
def edit(event, exhibitor_id):
    exhibitor = _company_exhibitor(event, exhibitor_id, admin=True)
    try:
        services.check_registration_editable(exhibitor)
    except services.ExhibitorError as error:
        flash(str(error), "error")
        return _to_dashboard(exhibitor)
    form = RegistrationForm.for_exhibitor(exhibitor)
    status = 200
    if form.validate_on_submit():
        try:
            change = services.update_registration(
                exhibitor, form.profile(), form.booth_request(), form.version.data
            )
        except services.RegistrationConflict as error:
            flash(str(error), "error")
            # What is saved now, with its fingerprint: saved again, it is checked
            # against this version.
            form, status = RegistrationForm.for_exhibitor(exhibitor, formdata=None), 409
        except services.ExhibitorError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            flash(_("Your registration is saved."), "success")
            if change.released_booths:
                flash(
                    _(
                        "Your hold on booths %(booths)s was released because your booth "
                        "request changed; please pick again.",
                        booths=", ".join(change.released_booths),
                    ),
                    "warning",
                )
            return _to_dashboard(exhibitor)
    return render_template(
        "exhibitors/register.html",
        event=event,
        form=form,
        exhibitor=exhibitor,
        taken=False,
        booth_codes=_booth_codes(event),
    ), status


@bp.post("/e/<slug>/exhibitors/<int:exhibitor_id>/withdraw")
@event_view("exhibitor_admin")
def withdraw(event, exhibitor_id):
    exhibitor = _company_exhibitor(event, exhibitor_id, admin=True)
    form = WithdrawForm()
    if not form.validate_on_submit():
        # The dashboard shows a new, empty form: said nowhere else, a refused withdrawal
        # (a reason too long) looked like a click that did nothing.
        for error in field_errors(form):
            flash(error, "error")
        return _to_dashboard(exhibitor)
    try:
        services.withdraw(exhibitor, form.reason.data)
    except services.ExhibitorError as error:
        flash(str(error), "error")
    else:
        flash(_("Your registration is withdrawn."), "success")
    return _to_dashboard(exhibitor)


@bp.post("/e/<slug>/exhibitors/<int:exhibitor_id>/register-again")
@event_view("exhibitor_admin")
def register_again(event, exhibitor_id):
    exhibitor = _company_exhibitor(event, exhibitor_id, admin=True)
    try:
        services.register_again(exhibitor)
    except services.ExhibitorError as error:
        flash(str(error), "error")
        return _to_dashboard(exhibitor)
    flash(_("Your registration is pending again. Check it and save."), "success")
    return redirect(url_for("exhibitors.edit", slug=event.slug, exhibitor_id=exhibitor.id))


@bp.post("/e/<slug>/exhibitors/<int:exhibitor_id>/team")
@event_view("exhibitor_admin")
def add_member(event, exhibitor_id):
    exhibitor = _company_exhibitor(event, exhibitor_id, admin=True)
    form = MemberForm()
    if not form.validate_on_submit():
        return _dashboard_page(event, exhibitor, member_form=form)
    try:
        user, created = services.add_member(
            exhibitor,
            form.email.data,
            name=form.name.data,
            role=form.role.data,
            locale=current_user.locale,
        )
    except services.ExhibitorError as error:
        db.session.rollback()
        flash(str(error), "error")
        return _dashboard_page(event, exhibitor, member_form=form)
    else:
        if created:
            flash(
                _("%(email)s is added; we sent a link to choose a password.", email=user.email),
                "success",
            )
        else:
            flash(
                _(
                    "%(email)s is invited; they join your team once they accept.",
                    email=user.email,
                ),
                "success",
            )
    return _to_dashboard(exhibitor)


@bp.post("/e/<slug>/exhibitors/<int:exhibitor_id>/team/invitations/<int:invitation_id>/withdraw")
@event_view("exhibitor_admin")
def withdraw_invitation(event, exhibitor_id, invitation_id):
    exhibitor = _company_exhibitor(event, exhibitor_id, admin=True)
    try:
        invitation = services.withdraw_invitation(exhibitor, invitation_id)
    except services.ExhibitorError as error:
        flash(str(error), "error")
    else:
        flash(
            _("The invitation of %(email)s is withdrawn.", email=invitation.user.email),
            "success",
        )
    # Organizers withdraw it from their own page of the exhibitor, and go back there.
    return redirect(
        safe_redirect_target(
            request.form.get("next"),
            url_for("exhibitors.dashboard", slug=event.slug, exhibitor_id=exhibitor.id),
        )
    )


# -- invitations, answered by the invited person ---------------------------------------------


def _invitation_url(invitation):
    return url_for("exhibitors.invitation", slug=invitation.event.slug, invitation_id=invitation.id)


@bp.get("/e/<slug>/team-invitations/<int:invitation_id>")
@event_view(public=True)
def invitation(event, invitation_id):
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    invitation = event_object_or_404(TeamInvitation, invitation_id, event)
    # Someone signed in with another account is told so, without the invitation.
    mine = invitation.user_id == current_user.id
    return render_template(
        "exhibitors/invitation.html",
        event=event,
        invitation=invitation if mine else None,
        expired=services.expired_message(invitation) if mine and invitation.expired else None,
        left_behind=(
            meetup_left_behind(current_user, event, invitation.exhibitor.organization)
            if mine
            else None
        ),
        # An accepted invitation of someone taken off the team since: "accepted" alone
        # read as if they were still on it.
        left_team=(
            mine
            and invitation.status == "accepted"
            and company_of(current_user, event) != invitation.exhibitor.organization
        ),
    ), (200 if mine else 403)


@bp.post("/e/<slug>/team-invitations/<int:invitation_id>/<any(accept, decline):answer>")
@event_view(public=True)
def answer_invitation(event, invitation_id, answer):
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    invitation = event_object_or_404(TeamInvitation, invitation_id, event)
    user = current_user._get_current_object()
    try:
        if answer == "accept":
            services.accept_invitation(invitation.id, user, role=request.form.get("role"))
        else:
            services.decline_invitation(invitation.id, user)
    except services.ExhibitorError as error:
        flash(str(error), "error")
        return redirect(_invitation_url(invitation))
    company = invitation.exhibitor.organization.name
    if answer == "decline":
        flash(_("You declined to join the team of %(company)s.", company=company), "success")
        return redirect(url_for("events.home", slug=event.slug))
    flash(_("You are now on the team of %(company)s.", company=company), "success")
    return _to_dashboard(invitation.exhibitor)


@bp.app_template_global()
def team_invitations(event):
    """The signed-in person's invitations waiting for an answer at `event`."""
    return services.invitations_for(current_user, event)


@bp.post("/e/<slug>/exhibitors/<int:exhibitor_id>/team/<int:user_id>/remove")
@event_view("exhibitor_admin")
def remove_member(event, exhibitor_id, user_id):
    exhibitor = _company_exhibitor(event, exhibitor_id, admin=True)
    try:
        user, badge = services.remove_member(exhibitor, user_id)
    except services.ExhibitorError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        removed = _("%(email)s is no longer on your team.", email=user.email)
        if badge is not None:
            removed += " " + _(
                "Their badge printed for your company is revoked: it no longer admits anybody."
            )
        flash(removed, "success")
    return _to_dashboard(exhibitor)


# -- organizers ------------------------------------------------------------------------------


@bp.get("/e/<slug>/manage/exhibitors/")
@organizer_view
def manage_list(event):
    filters = {
        "status": request.args.get("status")
        if request.args.get("status") in EXHIBITOR_STATUSES
        else "",
        "sector": request.args.get("sector") if request.args.get("sector") in SECTORS else "",
        "kind": request.args.get("kind") if request.args.get("kind") in ORGANIZATION_KINDS else "",
        "q": (request.args.get("q") or "").strip()[:100],
    }
    others = {"sector": filters["sector"], "kind": filters["kind"], "text": filters["q"]}
    query = services.search_exhibitors(event, status=filters["status"], **others)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    page, pages, offset = page_window(total, PAGE_SIZE)
    exhibitors = db.session.scalars(query.limit(PAGE_SIZE).offset(offset)).all()
    # The status tabs keep the other filters, so each counts what it lists: counted
    # over the whole event, "approved 12" opened on a list of 3 AI firms.
    matching = services.search_exhibitors(event, **others).order_by(None).subquery()
    counts = dict(
        db.session.execute(
            select(matching.c.status, func.count()).group_by(matching.c.status)
        ).all()
    )
    return render_template(
        "exhibitors/manage_list.html",
        event=event,
        exhibitors=exhibitors,
        filters=filters,
        total=total,
        page=page,
        pages=pages,
        counts=counts,
        statuses=EXHIBITOR_STATUSES,
        sectors=SECTORS,
        kinds=ORGANIZATION_KINDS,
    )


@bp.get("/e/<slug>/manage/exhibitors/<int:exhibitor_id>")
@organizer_view
def manage_detail(event, exhibitor_id):
    exhibitor = _exhibitor_or_404(event, exhibitor_id)
    return _detail_page(event, exhibitor, DecisionForm())


# What the history's changes are of: the log keeps the keys, the page shows their
# labels in the page's language ("검토 중 → 승인", not "pending → approved").
HISTORY_CHANGE_LABELS = {
    "exhibitor.status_changed": EXHIBITOR_STATUSES,
    "exhibitor.priority_changed": services.PRIORITY_TIERS,
}


def history_change(entry):
    """(from, to) labels of an audit entry that records a change, or None."""
    data = entry.data or {}
    if "to" not in data:
        return None
    labels = HISTORY_CHANGE_LABELS.get(entry.action, {})
    return tuple(labels.get(data.get(key), data.get(key)) for key in ("from", "to"))


def _detail_page(event, exhibitor, form, status=200, priority_form=None):
    named, naming = services.avoid_links(exhibitor)
    history = db.session.scalars(
        select(AuditEntry)
        .where(
            AuditEntry.event_id == event.id,
            AuditEntry.object_type == "Exhibitor",
            AuditEntry.object_id == str(exhibitor.id),
        )
        .order_by(AuditEntry.id.desc())
    ).all()
    allocations = allocations_of(exhibitor)
    decisions = services.decisions_for(exhibitor)
    return (
        render_template(
            "exhibitors/manage_detail.html",
            event=event,
            exhibitor=exhibitor,
            org=exhibitor.organization,
            people=services.company_people(exhibitor),
            invitations=services.pending_invitations(exhibitor),
            avoids=named,
            avoided_by=naming,
            allocations=allocations,
            history=history,
            history_change=history_change,
            decisions=decisions,
            kept_as_record=services.kept_as_record(exhibitor),
            form=form,
            priority_form=priority_form or PriorityForm(tier=exhibitor.priority_tier or 0),
            priority_tiers=services.PRIORITY_TIERS,
            sectors=SECTORS,
            allocation_states=ALLOCATION_STATES,
            meetup=meetup_profile_to_come(event, exhibitor.organization),
        ),
        status,
    )


@bp.post("/e/<slug>/manage/exhibitors/<int:exhibitor_id>/decision")
@organizer_view
def decide(event, exhibitor_id):
    exhibitor = _exhibitor_or_404(event, exhibitor_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        # The decision travels in a hidden field: its error has no place beside it.
        for error in form.status.errors:
            flash(error, "error")
        return _detail_page(event, exhibitor, form, status=400)
    try:
        changed = services.change_status(exhibitor, form.status.data, form.reason.data)
    except services.ExhibitorError as error:
        flash(str(error), "error")
        return _detail_page(event, exhibitor, form, status=409)
    if not changed:
        # A second click, or a page left open while another organizer decided: the
        # decision stands as taken first (its reason too), and nobody was mailed again.
        flash(
            _(
                "%(company)s was already %(status)s: nothing changed, and no e-mail was sent.",
                company=exhibitor.organization.name,
                status=exhibitor.status_label,
            ),
            "info",
        )
        return redirect(
            url_for("exhibitors.manage_detail", slug=event.slug, exhibitor_id=exhibitor.id)
        )
    flash(
        _(
            "%(company)s is now %(status)s; the company was told by e-mail.",
            company=exhibitor.organization.name,
            status=exhibitor.status_label,
        ),
        "success",
    )
    return redirect(url_for("exhibitors.manage_detail", slug=event.slug, exhibitor_id=exhibitor.id))


@bp.post("/e/<slug>/manage/exhibitors/<int:exhibitor_id>/priority")
@organizer_view
def set_priority(event, exhibitor_id):
    exhibitor = _exhibitor_or_404(event, exhibitor_id)
    form = PriorityForm()
    if not form.validate_on_submit():
        return _detail_page(event, exhibitor, DecisionForm(formdata=None), 400, priority_form=form)
    try:
        changed = services.set_priority_tier(exhibitor, form.tier.data)
    except services.ExhibitorError as error:
        flash(str(error), "error")
        return _detail_page(event, exhibitor, DecisionForm(formdata=None), 409, priority_form=form)
    if changed:
        flash(
            _(
                "%(company)s now picks booths as: %(tier)s.",
                company=exhibitor.organization.name,
                tier=services.PRIORITY_TIERS[exhibitor.priority_tier],
            ),
            "success",
        )
    return redirect(url_for("exhibitors.manage_detail", slug=event.slug, exhibitor_id=exhibitor.id))


# -- import ----------------------------------------------------------------------------------


@bp.route("/e/<slug>/manage/exhibitors/import", methods=["GET", "POST"])
@organizer_view
def import_upload(event):
    form = ImportForm()
    plan = None
    apply_form = None
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read()
        try:
            plan = importer.prepare(event, upload.filename, data)
        except importer.ImportFileError as error:
            form.file.errors.append(str(error))
        else:
            if plan.ok:
                apply_form = ImportApplyForm(
                    formdata=None,
                    payload=base64.b64encode(data).decode("ascii"),
                    filename=upload.filename,
                    status=form.status.data,
                )
    return render_template(
        "exhibitors/import.html",
        event=event,
        form=form,
        plan=plan,
        apply_form=apply_form,
        reused=_reused_names(plan),
        kinds=ORGANIZATION_KINDS,
        sectors=SECTORS,
        columns=importer.COLUMNS,
        priority_tiers=services.PRIORITY_TIERS,
    )


def _reused_names(plan):
    if plan is None or not plan.reused_organizations:
        return {}
    orgs = db.session.scalars(
        select(Organization).where(Organization.id.in_(set(plan.reused_organizations.values())))
    )
    names = {org.id: org.name for org in orgs}
    return {line: names.get(org_id) for line, org_id in plan.reused_organizations.items()}


@bp.post("/e/<slug>/manage/exhibitors/import/apply")
@organizer_view
def import_apply(event):
    form = ImportApplyForm()
    if not form.validate_on_submit():
        flash(
            form.status.errors[0]
            if form.status.errors
            else _("The import form was incomplete; please upload the file again."),
            "error",
        )
        return redirect(url_for("exhibitors.import_upload", slug=event.slug))
    try:
        data = base64.b64decode(form.payload.data.encode("ascii"), validate=True)
        # The file is checked again: the event may have changed since the preview.
        plan = importer.prepare(event, form.filename.data, data)
    except (binascii.Error, ValueError, importer.ImportFileError):
        flash(_("The import form was incomplete; please upload the file again."), "error")
        return redirect(url_for("exhibitors.import_upload", slug=event.slug))
    if not plan.ok:
        flash(_("The file no longer passes the checks; nothing was imported."), "error")
        return render_template(
            "exhibitors/import.html",
            event=event,
            form=ImportForm(formdata=None),
            plan=plan,
            apply_form=None,
            reused={},
            kinds=ORGANIZATION_KINDS,
            sectors=SECTORS,
            columns=importer.COLUMNS,
        ), 409
    try:
        result = importer.apply(event, plan, form.status.data)
        db.session.commit()
    except services.ExhibitorError as error:
        # A contact's invitation refused (prepare() checks the same under the
        # contacts' row locks, so this is a safety net): the whole file stays out.
        db.session.rollback()
        flash(_("The file no longer passes the checks; nothing was imported."), "error")
        flash(str(error), "error")
        return redirect(url_for("exhibitors.import_upload", slug=event.slug))
    except (IntegrityError, OperationalError) as error:
        db.session.rollback()
        if not is_conflict(error):
            raise
        flash(
            _(
                "Someone changed the exhibitors at the same time; nothing was imported. "
                "Please try again."
            ),
            "error",
        )
        return redirect(url_for("exhibitors.import_upload", slug=event.slug))
    flash(
        ngettext(
            "%(num)s exhibitor imported.", "%(num)s exhibitors imported.", len(result.exhibitors)
        ),
        "success",
    )
    if result.invited:
        flash(
            ngettext(
                "%(num)s contact already had an account: invited to their company's team "
                "as company admin, they join it once they accept.",
                "%(num)s contacts already had an account: invited to their company's team "
                "as company admin, they join it once they accept.",
                result.invited,
            ),
            "info",
        )
    return redirect(url_for("exhibitors.manage_list", slug=event.slug))


@bp.get("/e/<slug>/manage/exhibitors/import/sample.csv")
@organizer_view
def import_sample(event):
    codes = (_booth_codes(event) + ["A-01", "A-02"])[:2]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(importer.SAMPLE_COLUMNS)
    writer.writerow(
        [
            "알파로봇",
            "Alpha Robot Inc.",
            "startup",
            "ai",
            "KR",
            "https://alpha.example",
            "2",
            "ai",
            ";".join(codes),
            "yes",
            "",
            "ceo@alpha.example",
            "김알파",
        ]
    )
    writer.writerow(
        [
            "",
            "Beta Batteries Co., Ltd.",
            "midsize_firm",
            "battery",
            "DE",
            "",
            "1",
            "",
            "",
            "no",
            "Alpha Robot Inc.",
            "sales@beta.example",
            "Anna Beta",
        ]
    )
    return Response(
        "\ufeff" + out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=exhibitors-sample.csv"},
    )


@bp.app_template_global()
def exhibitor_status_pill(status):
    return {
        "pending": "pill-warn",
        "approved": "pill-ok",
        "placed": "pill-ok",
        "confirmed": "pill-ok",
        "rejected": "pill-bad",
        "withdrawn": "pill-bad",
    }.get(status, "")
