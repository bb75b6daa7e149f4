"""Badge pages: my badge, my company's badges, and the organizer's list."""

import re
import tempfile

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from sqlalchemy import func, select

from eventapp.badges import pdf, services
from eventapp.badges.forms import ActionForm, BadgeFilterForm, CategoryForm, RevokeForm
from eventapp.badges.models import CATEGORIES, Badge
from eventapp.booths.models import Exhibitor
from eventapp.core.db import is_conflict
from eventapp.core.i18n import gettext as _
from eventapp.core.i18n import lazy_gettext as _l
from eventapp.core.i18n import ngettext
from eventapp.core.nav import add_nav_item, add_overview_panel
from eventapp.core.paging import page_window
from eventapp.core.permissions import (
    company_of,
    event_object_or_404,
    event_view,
    organizer_view,
    require_same_company,
)
from eventapp.core.templating import local_time, zone_name
from eventapp.extensions import db
from eventapp.organizations.models import Organization

bp = Blueprint("badges", __name__)

PARTICIPANT_ROLES = ("attendee", "exhibitor_admin", "exhibitor_staff", "staff")
PAGE_SIZE = 50

add_nav_item(_l("My badge"), "badges.mine", *PARTICIPANT_ROLES, order=60)
add_nav_item(_l("Company badges"), "badges.company_home", "exhibitor_admin", order=61)
add_nav_item(_l("Badges"), "badges.manage", "organizer", order=62)
add_overview_panel("badges/_overview_panel.html")


@bp.app_template_global("badge_counts")
def badge_counts(event):
    return services.badge_counts(event)


def _commit_or_retry(operation):
    """Run `operation` and commit; after a lost race run it once more."""
    for attempt in range(2):
        try:
            result = operation()
            db.session.commit()
            return result
        except Exception as error:
            db.session.rollback()
            if attempt or not is_conflict(error):
                raise
    return None  # pragma: no cover


def _file_name(text):
    # No dot at the end either: "Co., Ltd." would make "...-Ltd..pdf".
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.") or "badges"


def _send_pdf(write, download_name):
    """Write the PDF into a temporary file (not memory) and stream it out."""
    handle = tempfile.TemporaryFile()
    try:
        write(handle)
        # End the transaction before streaming (keeping the event key, should
        # this print have been the one to make it).
        db.session.commit()
        handle.seek(0)
    except BaseException:
        handle.close()
        raise
    response = send_file(
        handle, mimetype="application/pdf", as_attachment=True, download_name=download_name
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _badge_or_404(event, badge_id):
    return event_object_or_404(Badge, badge_id, event)


def _current_badge_or_404(event, badge_id):
    """The badge with its holder's current details, as the batch print and the
    holder's own download print it: a name corrected since the last print is what the
    desk prints next. Only a holder with a role at the event is refreshed, and a
    revoked badge keeps what was printed on it (services.sync_badges)."""
    badge = _badge_or_404(event, badge_id)
    _commit_or_retry(lambda: services.sync_badges(event, user_ids=[badge.user_id]))
    return badge


# -- my badge ------------------------------------------------------------------------------------


@bp.get("/e/<slug>/badge")
@event_view(*PARTICIPANT_ROLES)
def mine(event):
    badge = _commit_or_retry(lambda: services.issue_badge(event, current_user))
    code = None if badge.is_revoked else services.badge_code(badge)
    return render_template(
        "badges/mine.html",
        event=event,
        badge=badge,
        qr=pdf.qr_svg(code, _("QR code of the badge")) if code else None,
    )


@bp.get("/e/<slug>/badge.pdf")
@event_view(*PARTICIPANT_ROLES)
def mine_pdf(event):
    badge = _commit_or_retry(lambda: services.issue_badge(event, current_user))
    if badge.is_revoked:
        # The page explains the revocation and whom to ask; no print to take along.
        return redirect(url_for("badges.mine", slug=event.slug))
    name = _file_name(f"badge-{event.slug}-{badge.name_en or badge.id}") + ".pdf"
    return _send_pdf(lambda out: pdf.badge_pdf(badge, out), name)


# -- an exhibitor's company ----------------------------------------------------------------------


@bp.get("/e/<slug>/badges/company")
@event_view("exhibitor_admin")
def company_home(event):
    company = company_of(current_user, event)
    if company is None:
        # Organizers without a company of their own pick one in the list.
        return redirect(url_for("badges.manage", slug=event.slug))
    return redirect(url_for("badges.company", slug=event.slug, organization_id=company.id))


def _company(event, organization_id):
    """The organization and its people at the event; 404 for a company that
    neither exhibits nor has people there (another event's, say)."""
    require_same_company(current_user, event, organization_id)
    organization = db.session.get(Organization, organization_id)
    people = services.company_people(event, organization_id) if organization else set()
    exhibits = organization is not None and db.session.scalar(
        select(Exhibitor.id).where(
            Exhibitor.event_id == event.id, Exhibitor.organization_id == organization_id
        )
    )
    if organization is None or not (people or exhibits):
        abort(404)
    return organization, people


@bp.get("/e/<slug>/badges/company/<int:organization_id>")
@event_view("exhibitor_admin")
def company(event, organization_id):
    organization, people = _company(event, organization_id)
    _commit_or_retry(lambda: services.sync_badges(event, user_ids=people))
    badges = db.session.scalars(services.company_badges_query(event, organization_id, people)).all()
    return render_template(
        "badges/company.html",
        event=event,
        organization=organization,
        badges=badges,
        reasons=services.revocation_reasons(badges, company=organization_id),
    )


@bp.get("/e/<slug>/badges/company/<int:organization_id>.pdf")
@event_view("exhibitor_admin")
def company_pdf(event, organization_id):
    organization, people = _company(event, organization_id)
    _commit_or_retry(lambda: services.sync_badges(event, user_ids=people))
    # As with the organizers' batch: an empty PDF read as the company's badges printed.
    if not services.printable_count(event, user_ids=people):
        said = _("No badge of %(company)s to print.", company=organization.name)
        flash(said + _revoked_note(services.badges_query(event, user_ids=people)), "error")
        return redirect(url_for("badges.company", slug=event.slug, organization_id=organization.id))
    name = _file_name(f"badges-{event.slug}-{organization.name_en}") + ".pdf"
    return _send_pdf(lambda out: pdf.batch_pdf(event, out, user_ids=people), name)


# -- organizers ----------------------------------------------------------------------------------


def _filters(form):
    category = form.category.data if form.category.data in CATEGORIES else None
    raw = form.company.data or ""
    # Only a plain id the database can hold ("²" is a digit to Python, too).
    company = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None
    return {"category": category, "organization_id": company}


@bp.get("/e/<slug>/manage/badges/")
@organizer_view
def manage(event):
    form = BadgeFilterForm(request.args, companies=services.badge_companies(event))
    filters = _filters(form)
    text = (form.q.data or "").strip()[:100]
    query = services.badges_query(event, text=text or None, **filters)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    page, pages, offset = page_window(total, PAGE_SIZE)
    badges = db.session.scalars(query.limit(PAGE_SIZE).offset(offset)).all()
    args = {k: v for k in ("q", "category", "company") if (v := request.args.get(k))}
    return render_template(
        "badges/manage.html",
        event=event,
        form=form,
        badges=badges,
        total=total,
        page=page,
        pages=pages,
        args=args,
        print_args={k: v for k, v in args.items() if k in ("category", "company")},
        counts=services.badge_counts(event),
        categories=sorted(CATEGORIES.values(), key=lambda c: c.order),
        action_form=ActionForm(),
    )


@bp.post("/e/<slug>/manage/badges/issue")
@organizer_view
def issue_all(event):
    issued, refreshed = _commit_or_retry(lambda: services.sync_badges(event))
    flash(
        " ".join(
            (
                ngettext("%(num)s badge issued.", "%(num)s badges issued.", issued),
                ngettext(
                    "%(num)s badge updated with current details.",
                    "%(num)s badges updated with current details.",
                    refreshed,
                ),
            )
        ),
        "success",
    )
    return redirect(url_for("badges.manage", slug=event.slug))


def _filter_args(filters):
    """The list's query arguments for `filters` (_filters)."""
    args = {"category": filters["category"], "company": filters["organization_id"]}
    return {name: value for name, value in args.items() if value is not None}


def _nothing_to_print(event, category, organization_id):
    """Why a batch print with these filters has no page: the category and company
    named as the form shows them, and whether revoked badges are all that match."""
    label = CATEGORIES[category].label if category else None
    company = db.session.get(Organization, organization_id).name if organization_id else None
    if label and company:
        said = _(
            "No badge to print matches category %(category)s and company %(company)s.",
            category=label,
            company=company,
        )
    elif label:
        said = _("No badge to print matches category %(category)s.", category=label)
    elif company:
        said = _("No badge to print matches company %(company)s.", company=company)
    else:
        said = _("No badge to print at this event.")
    matches = services.badges_query(event, category=category, organization_id=organization_id)
    return said + _revoked_note(matches)


def _revoked_note(matches):
    """Said after "no badge to print" when the badges of `matches` (none printable)
    are all revoked: there are badges, and why none is printed."""
    revoked = db.session.scalar(select(func.count()).select_from(matches.subquery()))
    if not revoked:
        return ""
    return " " + ngettext(
        "The %(num)s badge that matches is revoked, and revoked badges are not printed.",
        "The %(num)s badges that match are all revoked, and revoked badges are not printed.",
        revoked,
    )


@bp.get("/e/<slug>/manage/badges/print.pdf")
@organizer_view
def print_batch(event):
    form = BadgeFilterForm(request.args)
    filters = _filters(form)
    asked = request.args.get("category") or ""
    if asked and filters["category"] is None:
        # A link with a category misspelt would print every badge of the event.
        flash(_("Unknown badge category: %(names)s", names=asked[:50]), "error")
        return redirect(url_for("badges.manage", slug=event.slug))
    company = request.args.get("company") or ""
    _commit_or_retry(lambda: services.sync_badges(event))
    # As with a category: a company that is no id would print the whole event, and
    # one not at the event an empty PDF.
    if company and (
        filters["organization_id"] is None
        or not services.is_company_at(event, filters["organization_id"])
    ):
        flash(_("Unknown company: %(company)s", company=company[:50]), "error")
        return redirect(url_for("badges.manage", slug=event.slug))
    # An empty PDF read as a print job done: the form comes back saying which filter
    # matched no badge to print.
    if not services.printable_count(event, **filters):
        flash(_nothing_to_print(event, **filters), "error")
        return redirect(url_for("badges.manage", slug=event.slug, **_filter_args(filters)))
    parts = ["badges", event.slug]
    if filters["category"]:
        parts.append(filters["category"])
    if filters["organization_id"]:
        parts.append(f"org{filters['organization_id']}")
    name = _file_name("-".join(parts)) + ".pdf"
    return _send_pdf(lambda out: pdf.batch_pdf(event, out, **filters), name)


@bp.get("/e/<slug>/manage/badges/<int:badge_id>")
@organizer_view
def detail(event, badge_id):
    badge = _current_badge_or_404(event, badge_id)
    category_form = CategoryForm(category=badge.category if badge.category_manual else "")
    qr = None
    if not badge.is_revoked:
        qr = pdf.qr_svg(services.badge_code(badge), _("QR code of the badge"))
    db.session.commit()  # keeps the event key if this code was the first one ever made
    return render_template(
        "badges/detail.html",
        event=event,
        badge=badge,
        category_form=category_form,
        revoke_form=RevokeForm(),
        action_form=ActionForm(),
        qr=qr,
        reason=services.revocation_reasons([badge]).get(badge.id, ""),
        issued_at=services.current_issue_at(badge),
        has_role=services.has_role(badge),
    )


@bp.get("/e/<slug>/manage/badges/<int:badge_id>.pdf")
@organizer_view
def badge_pdf(event, badge_id):
    badge = _current_badge_or_404(event, badge_id)
    if badge.is_revoked:
        flash(_("A revoked badge is not printed. Reissue it to print a valid one."), "error")
        return redirect(url_for("badges.detail", slug=event.slug, badge_id=badge.id))
    name = _file_name(f"badge-{event.slug}-{badge.id}-{badge.name_en}") + ".pdf"
    return _send_pdf(lambda out: pdf.badge_pdf(badge, out), name)


@bp.post("/e/<slug>/manage/badges/<int:badge_id>/reissue")
@organizer_view
def reissue(event, badge_id):
    badge = _badge_or_404(event, badge_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        badge = services.reissue_badge(badge, seen_issue=request.form.get("issue", type=int))
        db.session.commit()
    except services.ReissuedMeanwhile as error:
        db.session.rollback()
        flash(
            _(
                "This badge was reissued meanwhile (issue %(n)s) and was not reissued again: "
                "print that issue, or reissue it if it is lost too.",
                n=error.issue,
            ),
            "error",
        )
    except services.CompanyStopped as error:
        db.session.rollback()
        flash(
            _(
                "%(company)s no longer exhibits at the event: the badges of its team are "
                "reissued when the organizers approve it again.",
                company=error.organization.name,
            ),
            "error",
        )
    except services.NoRoleLeft as error:
        db.session.rollback()
        flash(
            _(
                "%(name)s no longer has a role at this event, so the badge was not "
                "reissued: a new print would let them in as a visitor, which they did "
                "not register as. Once they register as attendee or are on a company's "
                "team again, reissue it.",
                name=error.user.name,
            ),
            "error",
        )
    except services.BadgeError:
        db.session.rollback()
        flash(_("This badge cannot be reissued any more."), "error")
    else:
        flash(
            _(
                "Badge reissued: print it again; earlier prints no longer admit (issue %(n)s).",
                n=badge.issue,
            ),
            "success",
        )
    return redirect(url_for("badges.detail", slug=event.slug, badge_id=badge_id))


@bp.post("/e/<slug>/manage/badges/<int:badge_id>/revoke")
@organizer_view
def revoke(event, badge_id):
    badge = _badge_or_404(event, badge_id)
    form = RevokeForm()
    if not form.validate_on_submit():
        abort(400)
    revoked_at = badge.revoked_at
    services.revoke_badge(badge, reason=form.reason.data or "")
    db.session.commit()
    if revoked_at is not None:
        # Revoked meanwhile in another tab or by another organizer: "Badge revoked"
        # read as done now, with the reason just typed, which is not kept.
        flash(
            _(
                "This badge was already revoked on %(when)s (%(zone)s); nothing changed, "
                "and the reason given now is not kept.",
                when=local_time(revoked_at, event=event),
                zone=zone_name(event.timezone),
            ),
            "warning",
        )
    else:
        flash(_("Badge revoked: none of its prints admits any more."), "success")
    return redirect(url_for("badges.detail", slug=event.slug, badge_id=badge_id))


@bp.post("/e/<slug>/manage/badges/<int:badge_id>/category")
@organizer_view
def change_category(event, badge_id):
    badge = _badge_or_404(event, badge_id)
    form = CategoryForm()
    if not form.validate_on_submit():
        abort(400)
    printed = badge.category
    services.set_category(badge, form.category.data or None)
    db.session.commit()
    said = _("Category saved: %(label)s.", label=badge.category_info.label)
    if badge.category != printed and not badge.is_revoked:
        # The code stays, so gates go by the new category at once, while the band of
        # the print the holder carries still shows the old one to the staff there.
        said += " " + _(
            "Print this badge again: the prints made before show %(label)s.",
            label=CATEGORIES[printed].label,
        )
    flash(said, "success")
    return redirect(url_for("badges.detail", slug=event.slug, badge_id=badge_id))
