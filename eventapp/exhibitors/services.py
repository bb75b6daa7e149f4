"""Exhibitor registrations: sign-up, review, status changes and company staff.

Every function here that changes data writes an audit entry in the same
transaction. `set_status()` is the building block that other domains call too
(the booths package sets "placed" and "confirmed"): it checks the transition,
locks the registration row and never commits. The other functions commit their
own change and turn a lost race into an `ExhibitorError` with a clear message.
"""

import hashlib
import json
import re
import secrets
import unicodedata
from dataclasses import dataclass, field
from datetime import timedelta
from functools import wraps

from flask import current_app, render_template
from flask_babel import force_locale, format_date
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import contains_eager

from eventapp.accounts.models import User
from eventapp.accounts.services import make_reset_token, normalize_email
from eventapp.badges.services import (
    reissue_company_badges,
    revoke_company_badges,
    revoke_team_badge,
)
from eventapp.booths.models import (
    EXHIBITING_STATUSES,
    EXHIBITOR_STATUSES,
    RELEASING_STATUSES,
    Booth,
    BoothAllocation,
    Exhibitor,
    ExhibitorAvoid,
)
from eventapp.calendar.services import (
    account_link_change,
    lock_teams,
    take_off_calendar,
    team_change,
)
from eventapp.core import audit, periods
from eventapp.core.db import contains_text, is_conflict, utcnow
from eventapp.core.i18n import gettext as _
from eventapp.core.i18n import lazy_gettext as _l
from eventapp.core.permissions import company_of
from eventapp.core.templating import local_time
from eventapp.events.models import EXHIBITOR_ROLES, EventRole
from eventapp.events.services import check_registration_open, grant_role, lock_event
from eventapp.exhibitors.models import TeamInvitation
from eventapp.extensions import db
from eventapp.meetings.services import follow_booths, left_alone_by, participant_organization
from eventapp.notifications.services import mail_link
from eventapp.organizations.models import SECTORS, Organization
from eventapp.organizations.services import attendee_company_named

# Which status may follow which. "placed" and "confirmed" are set by the booths
# package (assigner, self-service picking, moves; taking the booths away brings a
# company back to "approved"); organizers approve and reject; companies withdraw
# and may register again after withdrawing.
STATUS_TRANSITIONS = {
    "pending": frozenset({"approved", "rejected", "withdrawn"}),
    "approved": frozenset({"placed", "confirmed", "rejected", "withdrawn"}),
    "placed": frozenset({"confirmed", "approved", "withdrawn"}),
    "confirmed": frozenset({"placed", "approved", "withdrawn"}),
    # Only the organizers reopen a rejected registration (by approving it).
    "rejected": frozenset({"approved"}),
    "withdrawn": frozenset({"pending"}),
}
# The decisions organizers take on the registration page (a subset of the table;
# booths are given and taken back on the booths pages).
ORGANIZER_DECISIONS = {
    "pending": ("approved", "rejected"),
    "approved": ("rejected",),
    "rejected": ("approved",),
}
# A company may change its registration only before its booths are settled.
EDITABLE_STATUSES = frozenset({"pending", "approved"})
# Registrations that still take part (shown as possible competitors to avoid).
ACTIVE_STATUSES = ("pending", "approved", "placed", "confirmed")
# Statuses in which the company picks its booths on the floor plan.
PICKING_STATUSES = frozenset({"approved", "placed"})

HANGUL = re.compile(r"[\uac00-\ud7a3]")
MAX_BOOTHS = 4
MAX_WISHES = 5
# Tier 1 and above may pick booths from the priority opening time (booth settings).
PRIORITY_TIERS = {0: _l("regular"), 1: _l("priority (may pick early, e.g. sponsors)")}
# Changing these makes a hold picked for the old request possibly break the rules.
HOLD_FIELDS = frozenset({"booth_count", "zones", "avoid"})
PROFILE_FIELDS = (
    "name_ko",
    "name_en",
    "kind",
    "sector",
    "country",
    "website",
    "description_ko",
    "description_en",
)


class ExhibitorError(Exception):
    """An operation refused, with a message to show to the person."""


class StatusError(ExhibitorError):
    """A status change that the transition table does not allow."""


class AlreadyRegistered(ExhibitorError):
    """A registration sent again (a double click) after its first send registered the
    company (`exhibitor`): nothing to do but show the person their company's page."""

    def __init__(self, exhibitor):
        super().__init__(_("Your company is registered."))
        self.exhibitor = exhibitor


@dataclass
class RegistrationChange:
    """What `update_registration()` changed, and the booths a hold gave back because of it."""

    fields: list = field(default_factory=list)
    released_booths: list = field(default_factory=list)


@dataclass
class BoothRequest:
    """What a company asks for: booths, zones, ranked wishes, corner, competitors."""

    booth_count: int = 1
    zones: list = field(default_factory=list)
    wishes: list = field(default_factory=list)
    wants_corner: bool = False
    avoid_ids: list = field(default_factory=list)


# -- lookups ---------------------------------------------------------------------------------


def exhibitor_for(event, organization):
    if organization is None:
        return None
    return db.session.scalar(
        select(Exhibitor).where(
            Exhibitor.event_id == event.id, Exhibitor.organization_id == organization.id
        )
    )


def exhibitor_of_user(user, event):
    """The registration of the company `user` represents at `event`, if any."""
    return exhibitor_for(event, company_of(user, event))


def _invisible(char):
    """A space, or a character that shows nothing (zero-width space, byte order mark,
    soft hyphen): names copied from a web page or a word processor bring them along."""
    return char.isspace() or unicodedata.category(char) == "Cf"


def company_name_key(name):
    """How company names are compared to tell a duplicate: whatever the case and the
    spaces ("가온 인텔리전스" and "가온인텔리전스", "ACME" and "Acme"), and whatever the
    form of the letters: Korean input methods type full-width Latin ("ＡＣＭＥ") and
    "㈜" for "(주)", and text from a Mac may hold Hangul as decomposed jamo. Characters
    that show nothing do not count: "Beta\u200bBio" reads as Beta Bio."""
    text = unicodedata.normalize("NFKC", name or "")
    return "".join(char for char in text if not _invisible(char)).casefold()


def clean_company_name(name):
    """`name` without the spaces and invisible characters around it: a name made of
    them alone is no name, and one pasted with them is stored as it reads."""
    name = name or ""
    start, end = 0, len(name)
    while start < end and _invisible(name[start]):
        start += 1
    while end > start and _invisible(name[end - 1]):
        end -= 1
    return name[start:end]


def _exhibitor_name_keys(event):
    """(exhibitor id, `company_name_key`) for each name of each exhibitor's company
    at `event`, whatever its status, the earliest registration first."""
    for exhibitor_id, name_ko, name_en in db.session.execute(
        select(Exhibitor.id, Organization.name_ko, Organization.name_en)
        .join(Organization, Exhibitor.organization_id == Organization.id)
        .where(Exhibitor.event_id == event.id)
        .order_by(Exhibitor.id)
    ):
        for name in (name_ko, name_en):
            if name:
                yield exhibitor_id, company_name_key(name)


def exhibitor_names(event):
    """The event's exhibitors by the key of each of their company's names: a company
    exhibits once at an event."""
    names = {}
    for exhibitor_id, key in _exhibitor_name_keys(event):
        names.setdefault(key, exhibitor_id)
    return names


def exhibitor_named(event, names, exclude_id=None):
    """The exhibitor of `event` (other than `exclude_id`) whose company bears one of
    `names`, compared as the exhibitor import does; None if there is none."""
    keys = {company_name_key(name) for name in names if name and name.strip()}
    found = next(
        (
            exhibitor_id
            for exhibitor_id, key in _exhibitor_name_keys(event)
            if key in keys and exhibitor_id != exclude_id
        ),
        None,
    )
    return db.session.get(Exhibitor, found) if found is not None else None


def company_people(exhibitor):
    """The exhibitor's people as (user, role) pairs, company admins first."""
    rows = db.session.execute(
        select(User, EventRole.role)
        .join(EventRole, EventRole.user_id == User.id)
        .where(
            EventRole.event_id == exhibitor.event_id,
            EventRole.organization_id == exhibitor.organization_id,
            EventRole.role.in_(EXHIBITOR_ROLES),
        )
        .order_by(EventRole.role, User.email)
    ).all()
    people = {}
    for user, role in rows:
        # A person holding both roles is listed once, as company admin.
        if user.id not in people or role == "exhibitor_admin":
            people[user.id] = (user, role)
    return sorted(people.values(), key=lambda pair: (pair[1] != "exhibitor_admin", pair[0].email))


def company_admins(exhibitor):
    return [user for user, role in company_people(exhibitor) if role == "exhibitor_admin"]


def avoid_choices(event, exclude_id=None):
    """Other active exhibitors of the event as (id, company name), by name."""
    rows = db.session.execute(
        select(Exhibitor.id, Organization)
        .join(Organization, Exhibitor.organization_id == Organization.id)
        .where(Exhibitor.event_id == event.id, Exhibitor.status.in_(ACTIVE_STATUSES))
        .where(Exhibitor.id != (exclude_id or 0))
    ).all()
    return sorted(((i, org.name) for i, org in rows), key=lambda pair: pair[1].lower())


def booths_by_code(event, codes=None):
    """The event's booths keyed by upper-case code (only `codes` when given)."""
    query = select(Booth).where(Booth.event_id == event.id)
    if codes is not None:
        wanted = sorted({code.upper() for code in codes})
        if not wanted:
            return {}
        query = query.where(func.upper(Booth.code).in_(wanted))
    return {booth.code.upper(): booth for booth in db.session.scalars(query)}


def normalize_codes(codes):
    return [code.strip().upper() for code in codes if code and code.strip()]


def check_wishes(codes, zones, booths):
    """Messages about ranked booth wishes; empty when they are fine.

    `booths` maps upper-case codes to Booth-like objects (code, zone, blocked),
    so the importer can check a whole file against one lookup.
    """
    problems = []
    if len(codes) > MAX_WISHES:
        problems.append(_("Wish at most %(count)s booths.", count=MAX_WISHES))
    seen = set()
    for code in codes:
        key = code.upper()
        if key in seen:
            problems.append(_("Booth %(code)s is wished twice.", code=code))
            continue
        seen.add(key)
        booth = booths.get(key)
        if booth is None:
            problems.append(_("There is no booth %(code)s at this event.", code=code))
        elif booth.blocked:
            problems.append(_("Booth %(code)s is not available.", code=code))
        elif zones and booth.zone not in zones:
            problems.append(
                _(
                    "Booth %(code)s lies in zone %(zone)s, outside the zones chosen.",
                    code=code,
                    zone=SECTORS.get(booth.zone, booth.zone),
                )
            )
    return problems


def can_transition(old, new):
    return new in STATUS_TRANSITIONS.get(old, ())


def status_label(status):
    return str(EXHIBITOR_STATUSES.get(status, status))


def dashboard_url(exhibitor):
    return mail_link("exhibitors.dashboard", slug=exhibitor.event.slug, exhibitor_id=exhibitor.id)


# -- mail ------------------------------------------------------------------------------------


def mail_user(user, subject, template, *, event, kind, **context):
    """Queue a mail to `user` written in the user's language.

    `subject` is a callable so that it is translated in that language too.
    """
    from eventapp.notifications.services import queue_mail

    with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        text = render_template(template, user=user, event=event, **context)
        title = str(subject())
    return queue_mail(user.email, title, text, event=event, kind=kind)


def _mail_admins(exhibitor, subject, template, kind, *, exclude=None, **context):
    for admin in company_admins(exhibitor):
        if exclude is not None and admin.id == exclude.id:
            continue
        mail_user(
            admin,
            subject,
            template,
            event=exhibitor.event,
            kind=kind,
            exhibitor=exhibitor,
            link=dashboard_url(exhibitor),
            **context,
        )


# -- status ----------------------------------------------------------------------------------


def lock(exhibitor):
    """Re-read the registration under a row lock (PostgreSQL; SQLite's
    BEGIN IMMEDIATE already serializes writers)."""
    db.session.execute(
        select(Exhibitor)
        .where(Exhibitor.id == exhibitor.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return exhibitor


def set_status(exhibitor, status, reason=None, *, notify=True):
    """Move a registration to `status`, in the caller's transaction.

    Raises StatusError for a transition the table does not allow, or a
    rejection without a reason. Returns False when the status is unchanged.
    Rejected and withdrawn registrations give their booths back. The company
    admins get an e-mail (unless `notify` is false) and the change is audited.
    The caller commits.
    """
    if status not in EXHIBITOR_STATUSES:
        raise StatusError(_("Unknown status %(status)s.", status=status))
    lock(exhibitor)
    old = exhibitor.status
    reason = (reason or "").strip()
    if old == status:
        return False
    if not can_transition(old, status):
        raise StatusError(
            _(
                "A registration that is %(old)s cannot become %(new)s.",
                old=status_label(old),
                new=status_label(status),
            )
        )
    if status == "rejected" and not reason:
        raise StatusError(_("Give a reason for the rejection."))
    exhibitor.status = status
    exhibitor.status_reason = reason
    if status in EXHIBITING_STATUSES:
        exhibitor.exhibiting_until = None
        exhibitor.stopped_periods = periods.noted(exhibitor.stopped_periods, False, utcnow())
    elif old in EXHIBITING_STATUSES:
        exhibitor.exhibiting_until = utcnow()
        exhibitor.stopped_periods = periods.noted(
            exhibitor.stopped_periods, True, exhibitor.exhibiting_until
        )
    # A company that stops exhibiting takes its team's badges with it: printed as its
    # exhibitor staff, they would go on admitting its people at the gates and booths.
    # Approved again, the organizers' decision gives them new prints.
    revoked, reissued = [], []
    if status in RELEASING_STATUSES:
        revoked = revoke_company_badges(exhibitor.event, exhibitor.organization, status)
    elif status in EXHIBITING_STATUSES and old not in EXHIBITING_STATUSES:
        reissued = reissue_company_badges(exhibitor.event, exhibitor.organization)
    released = 0
    if status in RELEASING_STATUSES:
        held = db.session.scalars(
            select(Booth.code)
            .join(BoothAllocation, BoothAllocation.booth_id == Booth.id)
            .where(BoothAllocation.exhibitor_id == exhibitor.id)
        ).all()
        released = (
            db.session.execute(
                delete(BoothAllocation).where(BoothAllocation.exhibitor_id == exhibitor.id)
            ).rowcount
            or 0
        )
        db.session.expire(exhibitor, ["allocations"])
        _withdraw_pending_invitations(exhibitor, status)
        # Its firm's meetings at its booth go to the shared tables.
        follow_booths(exhibitor, held)
    audit.record(
        "exhibitor.status_changed",
        exhibitor,
        event=exhibitor.event,
        data={
            "from": old,
            "to": status,
            "reason": reason,
            "released_booths": released,
            "badges_revoked": [badge.id for badge in revoked],
            "badges_reissued": [badge.id for badge in reissued],
        },
    )
    if notify:
        _mail_admins(
            exhibitor,
            lambda: _(
                "%(event)s: your exhibitor registration is %(status)s",
                event=exhibitor.event.name,
                status=status_label(status),
            ),
            "exhibitors/mail/status.txt",
            kind="exhibitor_status",
            old_status=old,
            reason=reason,
            badges_revoked=len(revoked),
            badges_reissued=len(reissued),
            **(_picking_window(exhibitor) if status == "approved" else {}),
        )
    return True


def _picking_window(exhibitor):
    """Where booth picking stands for the company now, for its approval mail: an
    approved company read that it could pick its booths while picking had not opened
    yet, had closed, or opened for an earlier priority tier only."""
    # Imported here: the booths services build on this module.
    from eventapp.booths.services import picking_opens_for, picking_status, settings_for

    settings = settings_for(exhibitor.event)
    return {
        "picking": picking_status(settings, exhibitor),
        "picking_opens_at": picking_opens_for(settings, exhibitor),
    }


def _withdraw_pending_invitations(exhibitor, status):
    """A company leaving the event takes back its invitations not answered yet:
    there is no team to join any more, and registering again (or being approved
    again) does not revive them; its admins invite afresh."""
    invitations = db.session.scalars(
        select(TeamInvitation)
        .where(TeamInvitation.exhibitor_id == exhibitor.id, TeamInvitation.status == "pending")
        .order_by(TeamInvitation.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    for invitation in invitations:
        # Re-checked under the lock: an answer given meanwhile stands.
        if invitation.status != "pending":
            continue
        _mark_withdrawn(invitation, exhibitor, registration=status)


def _mark_withdrawn(invitation, exhibitor, **why):
    """Close the invitation as withdrawn, with its audit entry (`why`: what else the
    entry says, e.g. the registration status that took it back)."""
    invitation.status = "withdrawn"
    invitation.answered_at = utcnow()
    audit.record(
        "exhibitor.invitation_withdrawn",
        exhibitor,
        event=exhibitor.event,
        data={
            "user": invitation.user_id,
            "email": invitation.user.email,
            "invitation": invitation.id,
            **why,
        },
    )


def committed(conflict_message):
    """Commit what the decorated operation did. A refused operation
    (ExhibitorError) is rolled back; a lost race, at a flush inside the
    operation or at the commit, becomes an ExhibitorError with `conflict_message`."""

    def decorator(operation):
        @wraps(operation)
        def wrapper(*args, **kwargs):
            try:
                result = operation(*args, **kwargs)
                db.session.commit()
            except ExhibitorError:
                db.session.rollback()
                raise
            except (IntegrityError, OperationalError) as error:
                db.session.rollback()
                if is_conflict(error):
                    raise ExhibitorError(str(conflict_message)) from error
                raise
            return result

        return wrapper

    return decorator


def kept_as_record(exhibitor):
    """Why the organizers may no longer reject the company, or None: its fair is over
    and it exhibited there. Rejected then, it lost the booths it stood at and its
    team's badges, and the record of the fair no longer showed who exhibited where;
    the company itself may no longer withdraw (withdrawable) for the same reason."""
    if not exhibitor.event.is_over or exhibitor.status not in EXHIBITING_STATUSES:
        return None
    return _(
        "%(event)s ended on %(date)s: %(company)s exhibited there, and its booths and its "
        "team's badges are kept as the record of the fair. It can no longer be rejected.",
        event=exhibitor.event.name,
        date=format_date(exhibitor.event.ends_on, "long"),
        company=exhibitor.organization.name,
    )


def decisions_for(exhibitor):
    decisions = ORGANIZER_DECISIONS.get(exhibitor.status, ())
    if kept_as_record(exhibitor) is not None:
        return tuple(status for status in decisions if status not in RELEASING_STATUSES)
    return decisions


SAME_TIME = _l("Someone else changed this registration at the same time. Please try again.")


@committed(SAME_TIME)
def change_status(exhibitor, status, reason=None):
    """An organizer's decision (approve or reject), committed."""
    lock(exhibitor)
    if status != exhibitor.status and status in RELEASING_STATUSES:
        kept = kept_as_record(exhibitor)
        if kept is not None:
            raise ExhibitorError(kept)
    if exhibitor.status != status and status not in decisions_for(exhibitor):
        raise StatusError(
            _(
                "A registration that is %(old)s cannot become %(new)s here.",
                old=status_label(exhibitor.status),
                new=status_label(status),
            )
        )
    return set_status(exhibitor, status, reason)


def withdrawable(exhibitor):
    """Whether the company may still withdraw: not once its fair is over, which it
    took part in (withdrawn then, it lost the booths it stood at, and the record of
    the fair no longer showed it as an exhibitor)."""
    return can_transition(exhibitor.status, "withdrawn") and not exhibitor.event.is_over


@committed(SAME_TIME)
def withdraw(exhibitor, reason=None):
    """The company leaves the event; its booths become free."""
    check_fair_to_come(exhibitor)
    return set_status(exhibitor, "withdrawn", reason)


@committed(SAME_TIME)
def register_again(exhibitor):
    """A withdrawn company asks to take part again; it is reviewed afresh.

    Only a withdrawn registration may be reopened: a rejected one stays rejected
    unless the organizers approve it."""
    lock(exhibitor)
    if exhibitor.status != "withdrawn":
        raise StatusError(_("Only a withdrawn registration can be registered again."))
    # As a first registration is: a company pending review for a fair that is over
    # would wait for a decision, booths and badges for days that have passed.
    check_registration_open(exhibitor.event, ExhibitorError)
    return set_status(exhibitor, "pending", notify=False)


# -- registration ----------------------------------------------------------------------------


def _apply_profile(organization, profile):
    changed = []
    for key in PROFILE_FIELDS:
        if key in profile and getattr(organization, key) != profile[key]:
            setattr(organization, key, profile[key])
            changed.append(key)
    return changed


def _validate_request(event, booth_request, exhibitor_id=None):
    if not 1 <= int(booth_request.booth_count) <= MAX_BOOTHS:
        raise ExhibitorError(_("Ask for 1 to %(count)s booths.", count=MAX_BOOTHS))
    codes = normalize_codes(booth_request.wishes)
    problems = check_wishes(codes, booth_request.zones, booths_by_code(event, codes))
    if problems:
        raise ExhibitorError(" ".join(problems))
    allowed = {i for i, _name in avoid_choices(event, exclude_id=exhibitor_id)}
    if set(booth_request.avoid_ids) - allowed:
        raise ExhibitorError(_("Choose competitors among the other exhibitors of this event."))
    return codes


def _apply_request(exhibitor, booth_request, codes):
    before = {
        "booth_count": exhibitor.booth_count,
        "zones": list(exhibitor.zones or []),
        "wishes": list(exhibitor.wishes or []),
        "wants_corner": exhibitor.wants_corner,
        "avoid": sorted(other.id for other in exhibitor.avoids),
    }
    exhibitor.booth_count = int(booth_request.booth_count)
    exhibitor.zones = sorted(set(booth_request.zones))
    exhibitor.wishes = codes
    exhibitor.wants_corner = bool(booth_request.wants_corner)
    # Competitors that withdrew or were turned away are not offered in the form, so
    # they never come back from it: keep them (they may take part again) rather than
    # drop them and release a hold as if the company had changed its request.
    inactive = {other.id for other in exhibitor.avoids if other.status not in ACTIVE_STATUSES}
    wanted = sorted(set(booth_request.avoid_ids) | inactive)
    exhibitor.avoids = (
        list(db.session.scalars(select(Exhibitor).where(Exhibitor.id.in_(wanted))))
        if wanted
        else []
    )
    after = {
        "booth_count": exhibitor.booth_count,
        "zones": exhibitor.zones,
        "wishes": exhibitor.wishes,
        "wants_corner": exhibitor.wants_corner,
        "avoid": wanted,
    }
    return [key for key in before if before[key] != after[key]]


def _refuse_attendee_company(event, profile, organization):
    """Refuse a name that an attendee of `event` gave the company they take part in
    the meetup for (`organization`, the registering company's own, aside): a second
    company of that name would split its meetings, as naming an exhibitor's company
    is refused to attendees (meetings.services.name_company). Its people join it
    through its meetup profile's invitation; registered from there, it exhibits."""
    named = attendee_company_named(event, [profile.get("name_ko"), profile.get("name_en")])
    if named is not None and (organization is None or named.id != organization.id):
        raise ExhibitorError(
            _(
                "%(company)s already takes part in the meetup of %(event)s, registered by "
                "an attendee. If you work there, ask that colleague to invite you from its "
                "meetup profile; once you have joined, register it as exhibitor.",
                company=named.name,
                event=event.name,
            )
        )


def _refuse_registered(event, user, represented, profile):
    """Refuse a registration by a person who already represents `represented` at the
    event. The same form sent twice (a double click) passes the page's checks before
    the first send lands, then finds that send's registration: that one is the
    company the form names, which the person registered, so they go to its page
    (AlreadyRegistered) rather than read that they cannot register."""
    registered = exhibitor_for(event, represented)
    named = exhibitor_named(event, [profile.get("name_ko"), profile.get("name_en")])
    if registered is not None and named is not None and named.id == registered.id:
        admin = db.session.scalar(
            select(EventRole.id).where(
                EventRole.event_id == event.id,
                EventRole.user_id == user.id,
                EventRole.role == "exhibitor_admin",
                EventRole.organization_id == represented.id,
            )
        )
        if admin is not None:
            raise AlreadyRegistered(registered)
    raise ExhibitorError(_("You already represent a company at this event."))


@committed(_l("This company was registered a moment ago. Please reload the page."))
def register(event, user, profile, booth_request):
    """The signed-in `user` registers their company; they become its company admin.

    Reuses `user.organization` (updating its profile) or creates one. The
    registration starts as pending. Committed.
    """
    check_registration_open(event, ExhibitorError)
    # Two people registering one company by its name, neither linked to it yet, both
    # found no exhibitor of that name and the event had the company twice: the
    # registrations of an event go one at a time, as attendees naming their company
    # do (meetings.services.name_company, whose lock order this keeps: event, person).
    lock_event(event)
    # Under the person's row lock, as accept_invitation checks and grants: checked
    # without it, accepting another company's invitation at the same moment also
    # passed, and the person represented two companies.
    lock_person(user)
    represented = company_of(user, event)
    if represented is not None:
        _refuse_registered(event, user, represented, profile)
    organization = user.organization
    if organization is not None and exhibitor_for(event, organization) is not None:
        raise ExhibitorError(
            _(
                "%(company)s is already registered as exhibitor; "
                "ask its company admin to add you as staff.",
                company=organization.name,
            )
        )
    other = exhibitor_named(event, [profile.get("name_ko"), profile.get("name_en")])
    if other is not None:
        raise ExhibitorError(
            _(
                "%(company)s is already registered as exhibitor of this event. Ask its "
                "company admin to add you to the team.",
                company=other.organization.name,
            )
        )
    _refuse_attendee_company(event, profile, organization)
    codes = _validate_request(event, booth_request)
    if organization is None:
        organization = Organization(**{k: profile.get(k) for k in PROFILE_FIELDS if k in profile})
        db.session.add(organization)
        user.organization = organization
    else:
        _apply_profile(organization, profile)
    exhibitor = Exhibitor(event=event, organization=organization, status="pending")
    db.session.add(exhibitor)
    _apply_request(exhibitor, booth_request, codes)
    # The company may take part in the meetup already, with meetings booked (named by
    # an attendee, the person's account linked to it elsewhere): its admin attends them.
    with team_change(user, organization, event):
        grant_role(event, user, "exhibitor_admin", organization=organization)
    audit.record(
        "exhibitor.registered",
        exhibitor,
        event=event,
        data={
            "organization": organization.name_en or organization.name_ko,
            "booth_count": exhibitor.booth_count,
            "zones": exhibitor.zones,
            "wishes": exhibitor.wishes,
        },
    )
    mail_user(
        user,
        lambda: _("%(event)s: we received your exhibitor registration", event=event.name),
        "exhibitors/mail/registered.txt",
        event=event,
        kind="exhibitor_registered",
        exhibitor=exhibitor,
        link=dashboard_url(exhibitor),
    )
    return exhibitor


def registration_editable(exhibitor):
    """Whether the company may still change its registration: pending or approved,
    for a fair that is not over."""
    return exhibitor.status in EDITABLE_STATUSES and not exhibitor.event.is_over


def check_registration_editable(exhibitor):
    if exhibitor.status not in EDITABLE_STATUSES:
        raise ExhibitorError(
            _(
                "A registration that is %(status)s can no longer be changed; "
                "please contact the organizers.",
                status=status_label(exhibitor.status),
            )
        )
    # A booth request or profile changed after the fair would ask for booths on
    # days that have passed, and release a hold for nothing.
    check_fair_to_come(exhibitor)


def check_fair_to_come(exhibitor):
    """Refuse changing a registration once its fair is over."""
    if exhibitor.event.is_over:
        raise ExhibitorError(
            _(
                "%(event)s ended on %(date)s: a registration can no longer be changed.",
                event=exhibitor.event.name,
                date=format_date(exhibitor.event.ends_on, "long"),
            )
        )


class RegistrationConflict(ExhibitorError):
    """The registration changed since the form was loaded (see `registration_version`)."""


def _registration_values(exhibitor, profile=None, booth_request=None):
    """What the edit form shows of a registration: as stored, or as `profile` and
    `booth_request` would store it (competitors the form does not offer are kept)."""
    organization = exhibitor.organization
    avoid = {other.id for other in exhibitor.avoids}
    if booth_request is None:
        values = {key: getattr(organization, key) for key in PROFILE_FIELDS}
        values.update(
            booth_count=exhibitor.booth_count,
            zones=sorted(exhibitor.zones or []),
            wishes=list(exhibitor.wishes or []),
            wants_corner=bool(exhibitor.wants_corner),
            avoid=sorted(avoid),
        )
        return values
    inactive = {other.id for other in exhibitor.avoids if other.status not in ACTIVE_STATUSES}
    values = {key: profile.get(key, getattr(organization, key)) for key in PROFILE_FIELDS}
    values.update(
        booth_count=int(booth_request.booth_count),
        zones=sorted(set(booth_request.zones)),
        wishes=normalize_codes(booth_request.wishes),
        wants_corner=bool(booth_request.wants_corner),
        avoid=sorted(set(booth_request.avoid_ids) | inactive),
    )
    return values


def registration_version(exhibitor):
    """A fingerprint of the registration as the edit form shows it: the form carries
    the one it was loaded with, and saving over a registration changed since is
    refused (see update_registration)."""
    text = json.dumps(_registration_values(exhibitor), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


@committed(SAME_TIME)
def update_registration(exhibitor, profile, booth_request, seen_version=None):
    """Change the company profile and booth request while still pending/approved.

    A hold picked for the old request is released when the booth count, the
    zones or the competitors change: it may no longer follow the rules.
    `seen_version`: the `registration_version` the form was loaded with; a
    registration changed since then (by another company admin, or in another tab)
    is not overwritten (RegistrationConflict), unless the form asks for what is
    stored already. Returns a RegistrationChange."""
    # A new name is checked as a registration's is, one at a time (see register()).
    lock_event(exhibitor.event)
    lock(exhibitor)
    # Read again under the lock: what another admin saved a moment ago counts.
    db.session.refresh(exhibitor.organization)
    db.session.expire(exhibitor, ["avoids"])
    check_registration_editable(exhibitor)
    if seen_version and seen_version != registration_version(exhibitor):
        if _registration_values(exhibitor, profile, booth_request) == _registration_values(
            exhibitor
        ):
            # The same form sent twice (a double click, Back then Save): nothing to undo.
            return RegistrationChange()
        raise RegistrationConflict(
            _(
                "This registration was changed since you opened the page (by another "
                "company admin, or by you in another tab). The page now shows it as "
                "saved; make your changes again."
            )
        )
    names = [profile.get("name_ko"), profile.get("name_en")]
    other = exhibitor_named(exhibitor.event, names, exclude_id=exhibitor.id)
    if other is not None:
        raise ExhibitorError(
            _("%(name)s is already an exhibitor of this event.", name=other.organization.name)
        )
    _refuse_attendee_company(exhibitor.event, profile, exhibitor.organization)
    codes = _validate_request(exhibitor.event, booth_request, exhibitor_id=exhibitor.id)
    changed = _apply_profile(exhibitor.organization, profile)
    changed += _apply_request(exhibitor, booth_request, codes)
    released = []
    if changed:
        audit.record(
            "exhibitor.updated", exhibitor, event=exhibitor.event, data={"fields": changed}
        )
    if HOLD_FIELDS & set(changed):
        # Imported here: the booths services build on this module.
        from eventapp.booths.services import drop_hold

        released = drop_hold(exhibitor, "request_changed")
    return RegistrationChange(fields=changed, released_booths=released)


@committed(SAME_TIME)
def set_priority_tier(exhibitor, tier):
    """An organizer's choice of picking tier (see PRIORITY_TIERS), committed and audited.

    Returns False when the tier is unchanged."""
    lock(exhibitor)
    try:
        tier = int(tier)
    except (TypeError, ValueError):
        tier = -1
    if tier not in PRIORITY_TIERS:
        raise ExhibitorError(_("Unknown priority tier."))
    old = exhibitor.priority_tier or 0
    if old == tier:
        return False
    exhibitor.priority_tier = tier
    audit.record(
        "exhibitor.priority_changed",
        exhibitor,
        event=exhibitor.event,
        data={"from": old, "to": tier},
    )
    return True


# -- company staff ---------------------------------------------------------------------------


def invite_account(email, name, locale, organization):
    """A new account for someone added by others. Its password is unusable until
    the person chooses one through the link of the invitation mail (no costly
    hashing of a throw-away password, so a big import stays quick)."""
    email = normalize_email(email)
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise ExhibitorError(_("An account with this e-mail address already exists."))
    name = (name or "").strip()
    user = User(
        email=email,
        name_ko=name if HANGUL.search(name) else "",
        name_en="" if HANGUL.search(name) else name,
        locale=locale,
        organization=organization,
        # Not a valid hash: no password matches it; random so reset tokens differ.
        password_hash="!invited$" + secrets.token_urlsafe(24),
    )
    db.session.add(user)
    audit.record("user.created", user, data={"email": email, "invited": True})
    return user


def set_password_url(user):
    return mail_link("accounts.reset_password", token=make_reset_token(user))


def lock_person(user):
    """Lock `user`'s row (re-read) before checking, then giving, their one company at
    an event: the paths that make someone a company's member wait for each other."""
    db.session.execute(
        select(User)
        .where(User.id == user.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def _check_joinable(user, exhibitor, *, answering=False):
    """Refuse `user` for the team of `exhibitor` when they already represent a
    company at its event (another one, or this one); told to the company admin who
    invites, or (`answering`) to the person accepting."""
    current = company_of(user, exhibitor.event)
    if current is not None and current.id != exhibitor.organization_id:
        raise ExhibitorError(
            _("You already represent another company at this event.")
            if answering
            else _("%(email)s already represents another company at this event.", email=user.email)
        )
    if current is not None:
        raise ExhibitorError(
            _("You are already on the team of %(company)s.", company=current.name)
            if answering
            else _("%(email)s is already on your team.", email=user.email)
        )


def team_open(exhibitor):
    """Whether people may be added to the company's team: while it takes part (a
    rejected or withdrawn company has no team to join)."""
    return exhibitor.status in ACTIVE_STATUSES


def _check_fair_not_over(event):
    """A team joined after the fair would get badges and meetings for days that
    have passed; the organizers' import, which records a fair's exhibitors, may."""
    if event.is_over:
        raise ExhibitorError(
            _(
                "%(event)s ended on %(date)s: no one can join a team any more.",
                event=event.name,
                date=format_date(event.ends_on, "long"),
            )
        )


def _check_team_open(exhibitor):
    if not team_open(exhibitor):
        raise ExhibitorError(
            _(
                "%(company)s does not take part in %(event)s (its registration is "
                "%(status)s): no one can be added to its team.",
                company=exhibitor.organization.name,
                event=exhibitor.event.name,
                status=status_label(exhibitor.status),
            )
        )


def invitation_url(invitation):
    return mail_link(
        "exhibitors.invitation",
        slug=invitation.event.slug,
        invitation_id=invitation.id,
    )


@committed(_l("This person was added a moment ago. Please reload the page."))
def add_member(exhibitor, email, *, name="", role="exhibitor_staff", locale=None):
    """Add a person to the company's team by e-mail. A new account is created at
    once and receives a link to choose its password (choosing it is the owner's
    acceptance). An existing account belongs to someone who has not asked to
    join: it gets an invitation that its owner accepts or declines (see
    `accept_invitation`), and no role, company link or badge before. Committed.

    Returns (user, created); `created` is false when the person was invited."""
    if role not in EXHIBITOR_ROLES:
        raise ExhibitorError(_("Unknown role."))
    # Under the registration's row lock, as withdrawing or rejecting it withdraws the
    # invitations waiting: an addition at the same moment sees the outcome.
    lock(exhibitor)
    _check_team_open(exhibitor)
    event = exhibitor.event
    _check_fair_not_over(event)
    email = normalize_email(email)
    if not email or "@" not in email:
        raise ExhibitorError(_("Give a valid e-mail address."))
    user = db.session.scalar(select(User).where(User.email == email))
    if user is not None:
        invite_member(exhibitor, user, role)
        return user, False
    if not (name or "").strip():
        # The new account has no other name until its owner edits their profile, and
        # their badge prints it: without one, the badge named nobody.
        raise ExhibitorError(
            _("Give the name of %(email)s: it is printed on their badge.", email=email)
        )
    user = invite_account(
        email,
        name,
        locale or current_app.config["BABEL_DEFAULT_LOCALE"],
        exhibitor.organization,
    )
    with team_change(user, exhibitor.organization, event):
        grant_role(event, user, role, organization=exhibitor.organization)
    audit.record(
        "exhibitor.member_added",
        exhibitor,
        event=event,
        data={"user": user.id, "email": email, "role": role, "new_account": True},
    )
    mail_member_added(user, exhibitor, role, password_link=set_password_url(user))
    return user, True


def mail_member_added(user, exhibitor, role, *, password_link=None):
    """Tell `user` they are on the company's team (with the link to choose a password,
    for an account made for them)."""
    event = exhibitor.event
    mail_user(
        user,
        lambda: _(
            "%(event)s: you are on the team of %(company)s",
            event=event.name,
            company=exhibitor.organization.name,
        ),
        "exhibitors/mail/member_added.txt",
        event=event,
        kind="exhibitor_member",
        exhibitor=exhibitor,
        role=role,
        link=dashboard_url(exhibitor),
        password_link=password_link,
        # The link lasts as long as a reset link: saying "one hour" was wrong elsewhere.
        minutes=current_app.config["PASSWORD_RESET_MAX_AGE_SECONDS"] // 60,
    )


def _lock_invitation(invitation_id, exhibitor=None):
    """Re-read an invitation under a row lock: its owner's answer and the company
    admin's withdrawal wait for each other, and the later one sees the outcome."""
    query = (
        select(TeamInvitation)
        .where(TeamInvitation.id == invitation_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if exhibitor is not None:
        query = query.where(TeamInvitation.exhibitor_id == exhibitor.id)
    return db.session.scalar(query)


def deactivated_message(email):
    """Why a deactivated account is invited to no team: shut for a reason, it cannot
    sign in, and its invitation would wait for an answer that never comes."""
    return _(
        "The account of %(email)s is deactivated: nobody can sign in with it to join the team.",
        email=email,
    )


def invite_member(exhibitor, user, role, *, imported=False):
    """A pending invitation of the existing account `user`, and its e-mail
    (`imported`: the organizers' import registered the company with the person as
    its contact, which the mail says)."""
    event = exhibitor.event
    _check_team_open(exhibitor)
    if not user.is_active:
        raise ExhibitorError(deactivated_message(user.email))
    _check_joinable(user, exhibitor)
    invitation = db.session.scalar(
        select(TeamInvitation).where(
            TeamInvitation.exhibitor_id == exhibitor.id, TeamInvitation.user_id == user.id
        )
    )
    if invitation is not None:
        invitation = _lock_invitation(invitation.id)
    # Read under the row lock: of two admins inviting again an invitation that
    # expired, the later one sees the other's fresh invitation and is refused.
    if invitation is not None and invitation.status == "pending" and not invitation.expired:
        raise ExhibitorError(
            _("%(email)s is already invited and has not answered yet.", email=user.email)
        )
    if invitation is None:
        # Two admins inviting the same person at once: the unique constraint lets
        # one invitation through, the other gets the "a moment ago" message.
        invitation = TeamInvitation(event=event, exhibitor=exhibitor, user=user)
        db.session.add(invitation)
    # An earlier answer (or withdrawal, or expiry) is kept in the audit log; the row
    # is reused, and its time to answer starts again.
    invitation.role = role
    invitation.status = "pending"
    invitation.invited_by_id = audit.acting_user_id()
    invitation.created_at = utcnow()
    invitation.expires_at = invitation.created_at + timedelta(
        days=current_app.config["TEAM_INVITATION_DAYS"]
    )
    invitation.answered_at = None
    db.session.flush()
    audit.record(
        "exhibitor.member_invited",
        exhibitor,
        event=event,
        data={
            "user": user.id,
            "email": user.email,
            "role": role,
            "invitation": invitation.id,
            "expires_at": invitation.expires_at.isoformat(),
        },
    )
    mail_user(
        user,
        lambda: _(
            "%(event)s: %(company)s invites you to its team",
            event=event.name,
            company=exhibitor.organization.name,
        ),
        "exhibitors/mail/invitation.txt",
        event=event,
        kind="exhibitor_invitation",
        exhibitor=exhibitor,
        role=role,
        link=invitation_url(invitation),
        expires_at=invitation.expires_at,
        imported=imported,
    )
    return invitation


def _open_invitations():
    """Invitations waiting for an answer: pending and not expired."""
    return select(TeamInvitation).where(
        TeamInvitation.status == "pending", TeamInvitation.expires_at > utcnow()
    )


def pending_invitations(exhibitor):
    """The company's invitations waiting for an answer, oldest first."""
    return list(
        db.session.scalars(
            _open_invitations()
            .where(TeamInvitation.exhibitor_id == exhibitor.id)
            .order_by(TeamInvitation.created_at, TeamInvitation.id)
        )
    )


def invitations_for(user, event):
    """The invitations to company teams at `event` waiting for `user`'s answer."""
    if not user or not user.is_authenticated:
        return []
    return list(
        db.session.scalars(
            _open_invitations()
            .where(TeamInvitation.event_id == event.id, TeamInvitation.user_id == user.id)
            .order_by(TeamInvitation.created_at, TeamInvitation.id)
        )
    )


def expired_message(invitation):
    """Why an expired invitation cannot be answered, and whom to ask for a new one:
    a company imported with the person as its contact has no admin but them."""
    date = local_time(invitation.expires_at, event=invitation.event)
    if not company_admins(invitation.exhibitor):
        return _(
            "This invitation expired on %(date)s. Ask the organizers of %(event)s for a new one.",
            date=date,
            event=invitation.event.name,
        )
    return _(
        "This invitation expired on %(date)s. Ask the company admin of %(company)s for a new one.",
        date=date,
        company=invitation.exhibitor.organization.name,
    )


def _answerable(invitation_id, user, *, joining=False):
    """The invitation locked for its owner's answer; refused for anyone else or
    once it is answered, withdrawn or expired. `joining`: refused too, saying why,
    when the company no longer takes part (its leaving withdrew the invitation)."""
    invitation = _lock_invitation(invitation_id)
    if invitation is None or invitation.user_id != user.id:
        raise ExhibitorError(_("This invitation is for another account."))
    exhibitor = invitation.exhibitor
    if joining and invitation.status in ("pending", "withdrawn") and not team_open(exhibitor):
        raise ExhibitorError(
            _(
                "%(company)s no longer takes part in %(event)s (its registration is "
                "%(status)s): there is no team to join.",
                company=exhibitor.organization.name,
                event=exhibitor.event.name,
                status=status_label(exhibitor.status),
            )
        )
    if invitation.expired:
        raise ExhibitorError(expired_message(invitation))
    _refuse_closed(invitation)
    if joining:
        _check_fair_not_over(exhibitor.event)
    return invitation


def _refuse_closed(invitation):
    """Refuse an invitation that is answered, withdrawn or expired."""
    if invitation.status != "pending" or invitation.expired:
        raise ExhibitorError(
            _(
                "This invitation is no longer open: it is %(status)s.",
                status=invitation.status_label,
            )
        )


SAME_TIME_INVITATION = _l(
    "Someone else changed this invitation at the same time. Please reload the page."
)


@committed(SAME_TIME_INVITATION)
def accept_invitation(invitation_id, user, role=None):
    """The invited person joins the team: what adding an existing account did
    before invitations (role, company link if they have none, audit entry), with
    the checks made now, at their answer. `role`, when given, is the role the
    person read on the invitation page: the answer is to that offer. Committed.

    The person's row is locked too: two invitations of different companies
    accepted at once must not both pass the check that they represent no company."""
    invitation = _answerable(invitation_id, user, joining=True)
    if role is not None and role != invitation.role:
        # Withdrawn and made again with another role while the page was open (same row,
        # same link): accepting staff must not make the person company admin.
        raise ExhibitorError(
            _("This invitation changed while you were reading it. Please read it again.")
        )
    lock_person(user)
    exhibitor = invitation.exhibitor
    _check_joinable(user, exhibitor, answering=True)
    alone = left_alone_by(user, exhibitor.event, exhibitor.organization_id)
    if alone is not None:
        # Its partners would wait at meetings that nobody attends, and its open
        # requests would have nobody to answer them.
        raise ExhibitorError(
            _(
                "You alone take part in the meetup for %(company)s, which has requests "
                "or meetings under way. Cancel them on your meetup pages before you join "
                "the team of %(team)s.",
                company=alone.name,
                team=exhibitor.organization.name,
            )
        )
    # An attendee acting for their account's company stops acting for it on another
    # company's team: its meetings go on without them.
    acting = participant_organization(user, exhibitor.event)
    lock_teams(exhibitor.event, exhibitor.organization, acting)
    with (
        team_change(user, exhibitor.organization, exhibitor.event),
        team_change(user, acting, exhibitor.event),
    ):
        if user.organization is None:
            with account_link_change(user, exhibitor.organization, exhibitor.event):
                user.organization = exhibitor.organization
        grant_role(exhibitor.event, user, invitation.role, organization=exhibitor.organization)
    invitation.status = "accepted"
    invitation.answered_at = utcnow()
    audit.record(
        "exhibitor.member_added",
        exhibitor,
        event=exhibitor.event,
        data={
            "user": user.id,
            "email": user.email,
            "role": invitation.role,
            "new_account": False,
            "invitation": invitation.id,
        },
    )
    _mail_invitation_answer(invitation, user)
    return invitation


def _mail_invitation_answer(invitation, user):
    """Tell the inviting company's admins that `user` answered: they see the team
    page only when they visit it, and may wait on the answer to invite someone
    else. Not to `user`, whom accepting as company admin made one of them."""
    accepted = invitation.status == "accepted"
    event = invitation.event
    _mail_admins(
        invitation.exhibitor,
        lambda: (
            _(
                "%(event)s: %(person)s accepted your team invitation",
                event=event.name,
                person=user.name,
            )
            if accepted
            else _(
                "%(event)s: %(person)s declined your team invitation",
                event=event.name,
                person=user.name,
            )
        ),
        "exhibitors/mail/invitation_answer.txt",
        "exhibitor_invitation_answer",
        exclude=user,
        person=user,
        role=invitation.role,
        accepted=accepted,
    )


@committed(SAME_TIME_INVITATION)
def decline_invitation(invitation_id, user):
    """The invited person says no: nothing changes but the invitation, and the
    answer is audited. Committed."""
    invitation = _answerable(invitation_id, user)
    invitation.status = "declined"
    invitation.answered_at = utcnow()
    audit.record(
        "exhibitor.invitation_declined",
        invitation.exhibitor,
        event=invitation.event,
        data={"user": user.id, "email": user.email, "invitation": invitation.id},
    )
    _mail_invitation_answer(invitation, user)
    return invitation


@committed(SAME_TIME_INVITATION)
def withdraw_invitation(exhibitor, invitation_id):
    """A company admin takes back an invitation not answered yet. Committed."""
    invitation = _lock_invitation(invitation_id, exhibitor)
    if invitation is None:
        raise ExhibitorError(_("There is no such invitation."))
    _refuse_closed(invitation)
    _mark_withdrawn(invitation, exhibitor)
    return invitation


@committed(_l("Someone else changed this team at the same time. Please try again."))
def remove_member(exhibitor, user_id):
    """Take a person off the company's team (their account stays, their badge
    printed for the company is revoked). Committed. Returns (user, revoked badge or
    None)."""
    lock(exhibitor)
    roles = list(
        db.session.scalars(
            select(EventRole).where(
                EventRole.event_id == exhibitor.event_id,
                EventRole.organization_id == exhibitor.organization_id,
                EventRole.user_id == user_id,
                EventRole.role.in_(EXHIBITOR_ROLES),
            )
        )
    )
    if not roles:
        raise ExhibitorError(_("This person is not on your team."))
    if any(role.role == "exhibitor_admin" for role in roles):
        admins = {user.id for user in company_admins(exhibitor)}
        if admins <= {user_id}:
            raise ExhibitorError(_("A company keeps at least one company admin."))
    user = roles[0].user
    # An attendee linked to another company acts for it again, off this team.
    own = user.organization if user.organization_id != exhibitor.organization_id else None
    lock_teams(exhibitor.event, own, exhibitor.organization)
    with team_change(user, own, exhibitor.event):
        for role in roles:
            db.session.delete(role)
    # Joining the team linked the account to the company (add_member, accept_invitation),
    # and a visitor acts for their account's company in the meetup: kept, the link would
    # let the person go on answering and reading the company's meetings. It stays while
    # they are still on the company's team at another event.
    unlinked = user.organization_id == exhibitor.organization_id and (
        db.session.scalar(
            select(EventRole.id).where(
                EventRole.user_id == user_id,
                EventRole.organization_id == exhibitor.organization_id,
                EventRole.role.in_(EXHIBITOR_ROLES),
            )
        )
        is None
    )
    if unlinked:
        with account_link_change(user, exhibitor.organization, exhibitor.event):
            user.organization = None
    # The badge printed for the company would go on admitting the person as its
    # exhibitor until an organizer thought of it.
    badge = revoke_team_badge(exhibitor.event, user, exhibitor.organization)
    db.session.flush()  # the company's contacts, read next, no longer include them
    take_off_calendar(user, exhibitor.organization, exhibitor.event)
    audit.record(
        "exhibitor.member_removed",
        exhibitor,
        event=exhibitor.event,
        data={
            "user": user_id,
            "email": user.email,
            "roles": sorted(r.role for r in roles),
            "unlinked": unlinked,
            "badge_revoked": badge.id if badge is not None else None,
        },
    )
    return user, badge


def search_exhibitors(event, *, status=None, sector=None, kind=None, text=None):
    """The organizers' list: a query filtered by status, sector, kind and a name search."""
    query = (
        select(Exhibitor)
        .join(Organization, Exhibitor.organization_id == Organization.id)
        .where(Exhibitor.event_id == event.id)
        # The list names each company: from the join, not one query a row.
        .options(contains_eager(Exhibitor.organization))
    )
    if status:
        query = query.where(Exhibitor.status == status)
    if sector:
        query = query.where(Organization.sector == sector)
    if kind:
        query = query.where(Organization.kind == kind)
    if text:
        query = query.where(contains_text(text, Organization.name_ko, Organization.name_en))
    return query.order_by(Exhibitor.created_at.desc(), Exhibitor.id.desc())


def avoid_links(exhibitor):
    """Competitors named by this exhibitor, and those naming it, each by company
    name in the page's language (as the form's choices are)."""
    naming = db.session.scalars(
        select(Exhibitor)
        .join(ExhibitorAvoid, ExhibitorAvoid.exhibitor_id == Exhibitor.id)
        .where(ExhibitorAvoid.avoided_id == exhibitor.id)
    )

    def by_name(others):
        return sorted(others, key=lambda other: (other.organization.name.lower(), other.id))

    return by_name(exhibitor.avoids), by_name(naming)
