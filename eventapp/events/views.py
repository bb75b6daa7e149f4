from datetime import time

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import selectinload

from eventapp.accounts.models import User
from eventapp.booths.models import EXHIBITOR_STATUSES, Booth, BoothAllocation, Exhibitor
from eventapp.core.audit import ACTIONS, AuditEntry
from eventapp.core.db import contains_text, is_conflict, utcnow
from eventapp.core.i18n import gettext as _
from eventapp.core.i18n import ngettext
from eventapp.core.nav import HOME_PANELS, OVERVIEW_PANELS
from eventapp.core.paging import page_window
from eventapp.core.permissions import event_view, is_organizer, load_event, organizer_view
from eventapp.events import services
from eventapp.events.audit_objects import name_objects
from eventapp.events.forms import AuditFilterForm, EventSettingsForm, NewEventForm, OrganizerForm
from eventapp.events.models import ROLES, Event, EventRole
from eventapp.extensions import db

bp = Blueprint("events", __name__)

AUDIT_PAGE_SIZE = 100


def booth_counts(event):
    total = db.session.scalar(select(func.count()).where(Booth.event_id == event.id))
    blocked = db.session.scalar(
        select(func.count()).where(Booth.event_id == event.id, Booth.blocked.is_(True))
    )
    # A hold past its time frees the booth at once (the floor plan shows it free),
    # though its row stays until the clean-up deletes it: it counts as free here too.
    by_state = dict(
        db.session.execute(
            select(BoothAllocation.state, func.count())
            .join(Booth)
            .where(
                Booth.event_id == event.id,
                or_(
                    BoothAllocation.state != "hold",
                    BoothAllocation.expires_at.is_(None),
                    BoothAllocation.expires_at > utcnow(),
                ),
            )
            .group_by(BoothAllocation.state)
        ).all()
    )
    taken = sum(by_state.values())
    return {
        "total": total,
        "blocked": blocked,
        "free": total - blocked - taken,
        "held": by_state.get("hold", 0),
        "taken": by_state.get("placed", 0) + by_state.get("confirmed", 0),
    }


def exhibitor_counts(event):
    return dict(
        db.session.execute(
            select(Exhibitor.status, func.count())
            .where(Exhibitor.event_id == event.id)
            .group_by(Exhibitor.status)
        ).all()
    )


def hall_counts(event):
    return dict(
        db.session.execute(
            select(Booth.hall_id, func.count())
            .where(Booth.event_id == event.id)
            .group_by(Booth.hall_id)
        ).all()
    )


@bp.get("/events")
def list_events():
    # The latest first; events starting the same day came in no fixed order, shuffling
    # between visits: they follow each other by the name the page shows, in its language.
    events = sorted(
        db.session.scalars(select(Event)),
        key=lambda event: (-event.starts_on.toordinal(), event.name.casefold(), event.id),
    )
    return render_template("events/list.html", events=events)


@bp.get("/e/<slug>/")
@event_view(public=True)
def home(event):
    exhibitors = exhibitor_counts(event)
    return render_template(
        "events/home.html",
        event=event,
        booths=booth_counts(event),
        hall_booths=hall_counts(event),
        home_panels=HOME_PANELS,
        role_labels=ROLES,
        exhibitor_total=sum(
            n for status, n in exhibitors.items() if status in ("approved", "placed", "confirmed")
        ),
    )


@bp.post("/e/<slug>/join")
@login_required
def join(slug):
    event = load_event(slug)
    try:
        services.check_registration_open(event)
    except services.EventError as error:
        flash(str(error), "error")
        return redirect(url_for("events.home", slug=event.slug))
    services.register_attendee(event, current_user)
    flash(_("You are registered for %(event)s.", event=event.name), "success")
    return redirect(url_for("events.home", slug=event.slug))


@bp.get("/e/<slug>/manage/")
@organizer_view
def overview(event):
    recent = db.session.scalars(
        select(AuditEntry)
        .options(selectinload(AuditEntry.user))
        .where(AuditEntry.event_id == event.id)
        .order_by(AuditEntry.id.desc())
        .limit(20)
    ).all()
    name_objects(event, recent)
    return render_template(
        "events/overview.html",
        event=event,
        booths=booth_counts(event),
        exhibitors=exhibitor_counts(event),
        roles=services.role_counts(event),
        recent=recent,
        exhibitor_statuses=EXHIBITOR_STATUSES,
        role_labels=ROLES,
        overview_panels=OVERVIEW_PANELS,
        now=utcnow(),
    )


@bp.get("/e/<slug>/manage/audit")
@organizer_view
def audit_log(event):
    # Newest first, a page at a time: the log of a whole fair runs to thousands of
    # entries, and the oldest (who set the event up, who was appointed) must stay
    # within reach.
    form = AuditFilterForm(request.args)
    query = select(AuditEntry).where(AuditEntry.event_id == event.id)
    action = form.action.data if form.action.data in ACTIONS else None
    if action:
        query = query.where(AuditEntry.action == action)
    who = (form.who.data or "").strip()[:100]
    if who:
        query = query.where(
            AuditEntry.user_id.in_(
                select(User.id).where(contains_text(who, User.email, User.name_ko, User.name_en))
            )
        )
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    page, pages, offset = page_window(total, AUDIT_PAGE_SIZE)
    entries = db.session.scalars(
        query.options(selectinload(AuditEntry.user))
        .order_by(AuditEntry.id.desc())
        .limit(AUDIT_PAGE_SIZE)
        .offset(offset)
    ).all()
    name_objects(event, entries)
    args = {key: value for key, value in (("action", action), ("who", who)) if value}
    return render_template(
        "events/audit.html",
        event=event,
        entries=entries,
        page=page,
        pages=pages,
        total=total,
        form=form,
        args=args,
    )


def _save(action):
    """Run `action()` and commit; returns (result, None) or (None, error message)."""
    try:
        result = action()
        db.session.commit()
        return result, None
    except services.EventError as error:
        db.session.rollback()
        return None, str(error)
    except (IntegrityError, OperationalError) as error:
        db.session.rollback()
        if not is_conflict(error):
            raise
        # Two saves at once took the same address, or one waited too long on the other.
        return None, _("Someone saved at the same moment; check the page and save again.")


@bp.route("/events/new", methods=["GET", "POST"])
@login_required
def new_event():
    if not current_user.is_admin:
        abort(403)
    form = NewEventForm(
        data=None
        if request.method == "POST"
        else {"timezone": services.DEFAULT_TIMEZONE, "opens_at": time(10), "closes_at": time(17)}
    )
    if form.validate_on_submit():
        event, error = _save(lambda: services.add_event(form.details(), form.organizer_emails()))
        if error is None:
            flash(_("%(event)s is created.", event=event.name), "success")
            return redirect(url_for(".overview", slug=event.slug))
        flash(error, "error")
    return render_template("events/new.html", form=form)


def _organizers(event):
    return db.session.scalars(
        select(EventRole)
        .where(EventRole.event_id == event.id, EventRole.role == "organizer")
        .order_by(EventRole.id)
    ).all()


def _settings_form(event):
    """The form showing the event as stored. A refused form keeps what was typed and
    the fingerprint it was loaded with, so a resubmission is still checked against
    the version its author saw."""
    form = EventSettingsForm(formdata=None, obj=event)
    form.version.data = services.details_version(event)
    return form


@bp.route("/e/<slug>/manage/settings", methods=["GET", "POST"])
@organizer_view
def settings(event):
    form = EventSettingsForm()
    if form.validate_on_submit():
        result, error = _save(
            lambda: services.update_event(event, form.details(), form.version.data)
        )
        if error is None:
            event, changed, meetings_told = result
            flash(_("Event details saved."), "success")
            if meetings_told:
                flash(
                    ngettext(
                        "%(num)d meeting still to come is at the new venue: both sides got "
                        "the update for their calendars.",
                        "%(num)d meetings still to come are at the new venue: both sides got "
                        "the update for their calendars.",
                        meetings_told,
                    ),
                    "info",
                )
            badges = (
                services.printed_badges(event) if {"starts_on", "ends_on"} & set(changed) else 0
            )
            if badges:
                flash(
                    ngettext(
                        "%(num)s badge was printed with the old dates; reissue it to print "
                        "the new ones.",
                        "%(num)s badges were printed with the old dates; reissue them to print "
                        "the new ones.",
                        badges,
                    ),
                    "warning",
                )
            return redirect(url_for(".settings", slug=event.slug))
        flash(error, "error")
        db.session.refresh(event)
        if form.version.data != services.details_version(event):
            # Someone else saved meanwhile: show their version, with its fingerprint.
            form = _settings_form(event)
    elif request.method == "GET":
        form = _settings_form(event)
    return render_template(
        "events/settings.html",
        event=event,
        form=form,
        organizer_form=OrganizerForm(),
        organizers=_organizers(event),
        slug_locked=services.has_registrations(event),
    )


@bp.post("/e/<slug>/manage/organizers")
@organizer_view
def appoint_organizer(event):
    form = OrganizerForm()
    if form.validate_on_submit():
        granted, error = _save(lambda: services.appoint_organizers(event, [form.email.data]))
        if error is None:
            # Named as the account has it: " Kim@Example.org" as typed is not an address.
            (role,) = granted
            flash(_("%(email)s is an organizer of the event.", email=role.user.email), "success")
        else:
            flash(error, "error")
    elif (form.email.data or "").strip():
        # Typed, but refused (a browser takes kim@kicxup for an address): asking for
        # the address again would not tell what is wrong with this one.
        flash(_("%(email)s is not an e-mail address.", email=form.email.data.strip()), "error")
    else:
        flash(_("Give the e-mail address of the organizer to appoint."), "error")
    return redirect(url_for(".settings", slug=event.slug))


@bp.post("/e/<slug>/manage/organizers/<int:user_id>/remove")
@organizer_view
def remove_organizer(event, user_id):
    user, error = _save(lambda: services.remove_organizer(event, user_id))
    if error is not None:
        flash(error, "error")
        return redirect(url_for(".settings", slug=event.slug))
    flash(_("%(email)s is no longer an organizer of the event.", email=user.email), "success")
    if not is_organizer(current_user, event):
        # They took themselves off: the settings page is not theirs any more.
        return redirect(url_for(".home", slug=event.slug))
    return redirect(url_for(".settings", slug=event.slug))
