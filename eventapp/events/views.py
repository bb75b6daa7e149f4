from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, or_, select

from eventapp.booths.models import EXHIBITOR_STATUSES, Booth, BoothAllocation, Exhibitor
from eventapp.core.audit import AuditEntry
from eventapp.core.db import utcnow
from eventapp.core.i18n import gettext as _
from eventapp.core.nav import HOME_PANELS, OVERVIEW_PANELS
from eventapp.core.permissions import event_view, load_event, organizer_view
from eventapp.events import services
from eventapp.events.models import ROLES, Event
from eventapp.extensions import db

bp = Blueprint("events", __name__)


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
    events = db.session.scalars(select(Event).order_by(Event.starts_on.desc())).all()
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
        exhibitor_total=sum(
            n for status, n in exhibitors.items() if status in ("approved", "placed", "confirmed")
        ),
    )


@bp.post("/e/<slug>/join")
@login_required
def join(slug):
    event = load_event(slug)
    services.register_attendee(event, current_user)
    flash(_("You are registered for %(event)s.", event=event.name), "success")
    return redirect(url_for("events.home", slug=event.slug))


@bp.get("/e/<slug>/manage/")
@organizer_view
def overview(event):
    recent = db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.event_id == event.id)
        .order_by(AuditEntry.id.desc())
        .limit(20)
    ).all()
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
    )


@bp.get("/e/<slug>/manage/audit")
@organizer_view
def audit_log(event):
    entries = db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.event_id == event.id)
        .order_by(AuditEntry.id.desc())
        .limit(500)
    ).all()
    return render_template("events/audit.html", event=event, entries=entries)
