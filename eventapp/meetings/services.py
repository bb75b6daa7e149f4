"""Every change of the global meetup: profiles, requests, booking, cancelling, moving,
attendance, reminders and the organizer's settings.

Functions add to the current session and write an audit entry in the same transaction;
the caller commits (views do, after a successful call). On a lost race they raise
`SlotTaken`/`MeetingError` and the caller rolls back.

Concurrency. Double booking is prevented by the UNIQUE constraints of `MeetingSeat`
(see models.py); every write that places a meeting inserts its seats in a savepoint so
that a taken table can be retried with the next one. Writes that count a participant's
meetings (caps), change its availability or cap, or create a request for a pair first
lock the participant rows with SELECT ... FOR UPDATE on PostgreSQL (always in
profile-id order, so no deadlock); saving the settings (slots, tables) and applying a
plan lock every participant row of the event. On SQLite every transaction is BEGIN
IMMEDIATE, which serializes them anyway.
"""

import hashlib
import json
from datetime import UTC, date, datetime, timedelta

from flask import current_app, render_template
from flask_babel import force_locale
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import flag_modified

from eventapp.accounts.models import User
from eventapp.booths.models import Booth, BoothAllocation, Exhibitor
from eventapp.core import audit
from eventapp.core.db import utcnow
from eventapp.core.i18n import gettext as _
from eventapp.core.permissions import company_of, roles_of
from eventapp.core.templating import local_time, zone_name
from eventapp.events.models import EXHIBITOR_ROLES, EventRole
from eventapp.events.services import lock_event, reaches_past_the_fair
from eventapp.extensions import db
from eventapp.meetings import signals
from eventapp.meetings.models import (
    ACTIVE_MEETING_STATUSES,
    MAX_MEETINGS_LIMIT,
    MUTUAL_WEIGHT,
    NO_SHOW_SIDES,
    ONE_SIDED_WEIGHT,
    OPEN_REQUEST_STATUSES,
    SIDES,
    ColleagueInvitation,
    Meeting,
    MeetingProfile,
    MeetingRequest,
    MeetingSeat,
    MeetingSettings,
    MeetingSlot,
    MeetingTable,
    MeetingTimeProposal,
    Unavailability,
    side_for_kind,
)
from eventapp.meetings.recommend import normalize_keywords
from eventapp.notifications.services import mail_link, queue_mail

PARTICIPANT_ROLES = ("attendee", "exhibitor_admin", "exhibitor_staff")
BOOTH_CODE_LENGTH = MeetingProfile.booth_code.type.length


class MeetingError(Exception):
    """A refused meetup action; the message is meant for the person who tried."""


class SlotTaken(MeetingError):
    """Somebody else got the slot, person or table first."""


class AlreadyDone(MeetingError):
    """What was asked for exists already (`done`: the request sent, the meeting
    booked), after a second tap, from another tab or by the other side: not a
    failure to show as one."""

    category = "info"

    def __init__(self, message, done):
        super().__init__(message)
        self.done = done


class ProposalClosed(MeetingError):
    """A time proposal could no longer be accepted and is closed by the call: the caller
    commits (so that it stays closed) instead of rolling back."""


# --------------------------------------------------------------------------- lookups


def get_settings(event):
    return db.session.get(MeetingSettings, event.id)


def default_settings(event):
    """Unsaved settings with the defaults for `event`: every fair day during opening
    hours, 30-minute slots, a lunch break."""
    return MeetingSettings(
        event_id=event.id,
        meeting_days=[d.isoformat() for d in event.days],
        slot_minutes=30,
        day_starts_at=event.opens_at,
        day_ends_at=event.closes_at,
        breaks=[["12:00", "13:00"]],
        table_count=0,
        table_label="",
        table_label_en="",
        first_meeting_bonus=3,
    )


def ensure_settings(event):
    settings = get_settings(event)
    if settings is None:
        settings = default_settings(event)
        db.session.add(settings)
    return settings


def participant_organization(user, event):
    """The organization `user` acts for in the meetup of `event`, or None.

    Exhibitor roles name their company; attendees act for `user.organization`.
    """
    if user is None or not user.is_authenticated:
        return None
    roles = db.session.execute(
        select(EventRole.role, EventRole.organization_id).where(
            EventRole.event_id == event.id, EventRole.user_id == user.id
        )
    ).all()
    for role, organization_id in sorted(roles):
        if role in EXHIBITOR_ROLES and organization_id is not None:
            from eventapp.organizations.models import Organization

            return db.session.get(Organization, organization_id)
    if any(role == "attendee" for role, _org in roles) and user.organization_id:
        return user.organization
    return None


COMPANY_FIELDS = ("name_ko", "name_en", "kind", "sector", "country", "website")


def name_company(event, user, fields):
    """An attendee with no company (signed up on their own, not on an exhibitor's
    team) names the one they take part in the meetup for: a new organization, linked
    to the account, as an exhibitor registration would make it. Returns it."""
    from eventapp.exhibitors.services import exhibitor_named, lock_person, team_open
    from eventapp.organizations.models import Organization
    from eventapp.organizations.services import attendee_company_named

    # Two attendees naming one company at the same moment would both find it not yet
    # named: namings of the event's companies go one at a time (they are rare).
    lock_event(event)
    # Re-read under the lock: a second tap on the form names no second company.
    lock_person(user)
    if participant_organization(user, event) is not None or user.organization_id is not None:
        raise MeetingError(
            _("Your account is already linked to %(company)s.", company=user.organization.name)
            if user.organization is not None
            else _("Your account is already linked to a company at this event.")
        )
    if "attendee" not in roles_of(user, event):
        raise MeetingError(_("Register for the event first."))
    exhibiting = exhibitor_named(event, [fields.get("name_ko"), fields.get("name_en")])
    if exhibiting is not None and team_open(exhibiting):
        # A second company of that name would split its meetings, and claiming the
        # exhibitor's own is for its team: its admins add their colleagues. (A
        # company that no longer takes part has no team to join.)
        raise MeetingError(
            _(
                "%(company)s exhibits at %(event)s. If you work there, ask the colleague "
                "who registered it to add you to its team: you then take part in the "
                "meetup for it.",
                company=exhibiting.organization.name,
                event=event.name,
            )
        )
    named = attendee_company_named(event, [fields.get("name_ko"), fields.get("name_en")])
    if named is not None:
        # Named twice, it would be two companies in the meetup, each with its own
        # profile, requests and meetings: it takes part once, through the first.
        raise MeetingError(
            _(
                "%(company)s is already registered for %(event)s by another attendee. A "
                "company takes part in the meetup once: if you work there, ask the "
                "colleague who registered it to invite you from its meetup profile.",
                company=named.name,
                event=event.name,
            )
        )
    organization = Organization(**{key: fields.get(key) for key in COMPANY_FIELDS})
    db.session.add(organization)
    user.organization = organization
    db.session.flush()
    audit.record(
        "organization.named",
        organization,
        event=event,
        data={"name": organization.name_en or organization.name_ko, "kind": organization.kind},
    )
    return organization


# -- colleagues of a company named by an attendee -------------------------------------

COLLEAGUE_LINK_DAYS = 14
_COLLEAGUE_SALT = "eventapp.meetings.colleague"


def _colleague_serializer():
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_COLLEAGUE_SALT)


def named_company(user, event):
    """The company `user` takes part in the meetup for as an attendee, when it does not
    exhibit at `event`: nobody has a team page for it, so its people add their
    colleagues with a link (invite_colleague). None otherwise."""
    from eventapp.exhibitors.services import exhibitor_for

    organization = participant_organization(user, event)
    if organization is None or company_of(user, event) is not None:
        return None
    return None if exhibitor_for(event, organization) is not None else organization


def invite_colleague(event, user, email):
    """Mail the account of `email` a link to take part in the meetup for the company
    `user` named: an account is linked to a company only by its owner's click, so no
    one is added to a company they do not work for. Returns the colleague."""
    from eventapp.accounts.services import normalize_email
    from eventapp.exhibitors.services import mail_user

    organization = named_company(user, event)
    if organization is None:
        raise MeetingError(
            _(
                "Colleagues are added here for a company that does not exhibit; an "
                "exhibitor's company admins add them on its team page."
            )
        )
    email = normalize_email(email)
    colleague = db.session.scalar(select(User).where(User.email == email))
    if colleague is None or not colleague.active:
        raise MeetingError(
            _(
                "No account uses %(email)s. Ask your colleague to sign up with it, then "
                "invite them again.",
                email=email,
            )
        )
    current = participant_organization(colleague, event)
    if current is not None and current.id == organization.id:
        raise MeetingError(
            _(
                "%(email)s already takes part for %(company)s.",
                email=email,
                company=organization.name,
            )
        )
    if current is not None or colleague.organization_id not in (None, organization.id):
        raise MeetingError(_("The account of %(email)s is linked to another company.", email=email))
    token = _colleague_serializer().dumps(
        {"e": event.id, "o": organization.id, "u": colleague.id, "by": user.id}
    )
    sent_at = utcnow()
    expires_at = sent_at + timedelta(days=COLLEAGUE_LINK_DAYS)
    mail_user(
        colleague,
        lambda: _(
            "%(event)s: %(person)s invites you to the meetup for %(company)s",
            event=event.name,
            person=user.name,
            company=organization.name,
        ),
        "meetings/mail/colleague_invitation.txt",
        event=event,
        kind="meeting_colleague_invitation",
        company=organization,
        inviter=user,
        link=mail_link("meetings.join_company", slug=event.slug, token=token),
        expires_at=expires_at,
    )
    _record_colleague_invitation(event, organization, colleague, user, sent_at, expires_at)
    audit.record(
        "organization.colleague_invited",
        organization,
        event=event,
        data={"user": colleague.id, "email": colleague.email, "by": user.id},
    )
    return colleague


def _record_colleague_invitation(event, organization, colleague, user, sent_at, expires_at):
    """The invitation, for the card of the company's colleagues: inviting again is the
    newest link, sent now, waiting again."""
    invitation = db.session.scalar(
        select(ColleagueInvitation).where(
            ColleagueInvitation.event_id == event.id,
            ColleagueInvitation.organization_id == organization.id,
            ColleagueInvitation.user_id == colleague.id,
        )
    )
    if invitation is None:
        invitation = ColleagueInvitation(
            event_id=event.id, organization_id=organization.id, user_id=colleague.id
        )
        db.session.add(invitation)
    invitation.invited_by_id = user.id
    invitation.created_at = sent_at
    invitation.expires_at = expires_at
    invitation.accepted_at = None
    db.session.flush()
    return invitation


def _unanswered_colleague_invitations(event, organization):
    """The colleague links of `organization` not accepted. Nor those of people already
    with the company another way (added by its admin, or by a link of another event)
    who never opened theirs: they were listed as invited, not joined, beside themselves
    among the colleagues."""
    return (
        select(ColleagueInvitation)
        .join(User, User.id == ColleagueInvitation.user_id)
        .where(
            ColleagueInvitation.event_id == event.id,
            ColleagueInvitation.organization_id == organization.id,
            ColleagueInvitation.accepted_at.is_(None),
            or_(User.organization_id.is_(None), User.organization_id != organization.id),
        )
    )


def waiting_colleague_invitations(event, organization, now=None):
    """The colleague links of `organization` neither accepted nor expired, newest first."""
    return db.session.scalars(
        _unanswered_colleague_invitations(event, organization)
        .where(ColleagueInvitation.expires_at > (now or utcnow()))
        .order_by(ColleagueInvitation.created_at.desc(), ColleagueInvitation.id.desc())
    ).all()


# How long a link that ran out unopened stays on the company's card: long enough to
# notice and invite again, short enough that the card does not fill with people who
# never came.
EXPIRED_INVITATIONS_SHOWN_DAYS = 30


def expired_colleague_invitations(event, organization, now=None):
    """The colleague links of `organization` that ran out unopened within the last
    EXPIRED_INVITATIONS_SHOWN_DAYS, the latest to run out first: without them the
    person who invited could not tell the invitation lapsed, and the colleague was
    simply no longer listed."""
    now = now or utcnow()
    return db.session.scalars(
        _unanswered_colleague_invitations(event, organization)
        .where(
            ColleagueInvitation.expires_at <= now,
            ColleagueInvitation.expires_at > now - timedelta(days=EXPIRED_INVITATIONS_SHOWN_DAYS),
        )
        .order_by(ColleagueInvitation.expires_at.desc(), ColleagueInvitation.id.desc())
    ).all()


def colleague_invitation(event, token, user):
    """The company a colleague link offers `user`, checked: signed by us, for this
    event and this account, not older than COLLEAGUE_LINK_DAYS."""
    from eventapp.organizations.models import Organization

    try:
        data = _colleague_serializer().loads(token, max_age=COLLEAGUE_LINK_DAYS * 86400)
    except SignatureExpired as error:
        raise MeetingError(
            _("This link has expired. Ask your colleague to invite you again.")
        ) from error
    except BadSignature as error:
        raise MeetingError(_("This link is not valid. Check that it was copied whole.")) from error
    if data.get("e") != event.id:
        raise MeetingError(_("This link is not valid. Check that it was copied whole."))
    if data.get("u") != user.id:
        raise MeetingError(
            _("This invitation is for another account. Sign in with the address it was sent to.")
        )
    organization = db.session.get(Organization, data.get("o"))
    if organization is None:
        raise MeetingError(_("This link is not valid. Check that it was copied whole."))
    return organization


def join_company(event, user, token):
    """`user` accepts a colleague link: their account is linked to the company, and
    they are registered for the event as its attendee if they were not. Returns the
    company. In the caller's transaction."""
    from eventapp.calendar.services import account_link_change, team_change
    from eventapp.events.services import check_registration_open, grant_role
    from eventapp.exhibitors.services import lock_person

    organization = colleague_invitation(event, token, user)
    lock_person(user)
    current = participant_organization(user, event)
    if current is not None and current.id == organization.id:
        # Linked meanwhile (the account's company counts at every event): the card
        # stops listing the invitation as waiting.
        _accept_colleague_invitation(event, organization, user)
        return organization
    if current is not None or user.organization_id not in (None, organization.id):
        raise MeetingError(
            _(
                "Your account is already linked to %(company)s.",
                company=(current or user.organization).name,
            )
        )
    if "attendee" not in roles_of(user, event):
        check_registration_open(event, MeetingError)
    with team_change(user, organization, event):
        with account_link_change(user, organization, event):
            user.organization = organization
        if "attendee" not in roles_of(user, event):
            grant_role(event, user, "attendee", organization=organization)
    _accept_colleague_invitation(event, organization, user)
    audit.record(
        "organization.colleague_joined",
        organization,
        event=event,
        data={"user": user.id, "email": user.email},
    )
    return organization


def _accept_colleague_invitation(event, organization, user):
    db.session.execute(
        update(ColleagueInvitation)
        .where(
            ColleagueInvitation.event_id == event.id,
            ColleagueInvitation.organization_id == organization.id,
            ColleagueInvitation.user_id == user.id,
            ColleagueInvitation.accepted_at.is_(None),
        )
        .values(accepted_at=utcnow())
    )


def profile_of(event, organization):
    if organization is None:
        return None
    return db.session.scalar(
        select(MeetingProfile).where(
            MeetingProfile.event_id == event.id,
            MeetingProfile.organization_id == organization.id,
        )
    )


def acting_profile(user, event):
    """The meetup profile `user` acts for at `event` (None if they have none yet)."""
    return profile_of(event, participant_organization(user, event))


def own_booth_codes(event, organization):
    """Codes of the booths allocated to the organization as exhibitor at `event`.
    Holds do not count: a held booth may still go to somebody else."""
    return db.session.scalars(
        select(Booth.code)
        .join(BoothAllocation, BoothAllocation.booth_id == Booth.id)
        .join(Exhibitor, Exhibitor.id == BoothAllocation.exhibitor_id)
        .where(Exhibitor.event_id == event.id, Exhibitor.organization_id == organization.id)
        .where(BoothAllocation.state.in_(("placed", "confirmed")))
        .order_by(Booth.code)
    ).all()


def booth_code_of(event, organization):
    """The first booth of the organization's exhibitor allocation at `event`, if any."""
    codes = own_booth_codes(event, organization)
    return codes[0] if codes else None


def slots_of(event, include_retired=False):
    query = select(MeetingSlot).where(MeetingSlot.event_id == event.id)
    if not include_retired:
        query = query.where(MeetingSlot.retired.is_(False))
    return db.session.scalars(query.order_by(MeetingSlot.starts_at)).all()


def table_order():
    """Tables in number order: T99 before T100. Codes are "T" and the number with two
    digits at least, so by text alone T100 to T109 came between T10 and T11, on the
    grid and when the first free table is handed out."""
    return (func.length(MeetingTable.code), MeetingTable.code)


def tables_of(event, active_only=True):
    query = select(MeetingTable).where(MeetingTable.event_id == event.id)
    if active_only:
        query = query.where(MeetingTable.active.is_(True))
    return db.session.scalars(query.order_by(*table_order())).all()


def _meeting_count(profile, *conditions):
    """How many of `profile`'s meetings meet `conditions` (on Meeting, MeetingSlot)."""
    return db.session.scalar(
        select(func.count())
        .select_from(Meeting)
        .join(MeetingRequest, MeetingRequest.id == Meeting.request_id)
        .join(MeetingSlot, MeetingSlot.id == Meeting.slot_id)
        .where(or_(MeetingRequest.startup_id == profile.id, MeetingRequest.firm_id == profile.id))
        .where(*conditions)
    )


def left_alone_by(user, event, organization_id):
    """The company whose part in the meetup `user` alone carries (an attendee acting
    for it), with requests open or meetings still to come, that their acting for
    the company `organization_id` instead would leave with nobody; else None."""
    organization = participant_organization(user, event)
    if organization is None or organization.id == organization_id:
        return None
    profile = profile_of(event, organization)
    if profile is None or any(other.id != user.id for other in profile.contacts()):
        return None
    open_requests = db.session.scalar(
        select(func.count())
        .select_from(MeetingRequest)
        .where(or_(MeetingRequest.startup_id == profile.id, MeetingRequest.firm_id == profile.id))
        .where(MeetingRequest.status.in_(OPEN_REQUEST_STATUSES))
    )
    to_come = _meeting_count(profile, Meeting.status == "scheduled", MeetingSlot.starts_at > _now())
    return organization if open_requests or to_come else None


def active_meeting_count(profile):
    return _meeting_count(profile, Meeting.status.in_(ACTIVE_MEETING_STATUSES))


def busy_slot_ids(profile):
    return set(
        db.session.scalars(select(MeetingSeat.slot_id).where(MeetingSeat.profile_id == profile.id))
    )


def unavailable_slot_ids(profile):
    return set(
        db.session.scalars(
            select(Unavailability.slot_id).where(Unavailability.profile_id == profile.id)
        )
    )


def unavailable_in(slot, *profiles):
    """Those of `profiles` that marked `slot` as unavailable, in the order given."""
    away = set(
        db.session.scalars(
            select(Unavailability.profile_id).where(
                Unavailability.slot_id == slot.id,
                Unavailability.profile_id.in_([p.id for p in profiles]),
            )
        )
    )
    return [p for p in profiles if p.id in away]


def meetings_of(profile, include_cancelled=False):
    # Agendas, day sheets and calendars name each meeting's partner: both sides come
    # with the meetings, not one query a meeting.
    request = joinedload(Meeting.request)
    query = (
        select(Meeting)
        .join(MeetingRequest, MeetingRequest.id == Meeting.request_id)
        .join(MeetingSlot, MeetingSlot.id == Meeting.slot_id)
        .where(or_(MeetingRequest.startup_id == profile.id, MeetingRequest.firm_id == profile.id))
        .options(
            request.joinedload(MeetingRequest.startup), request.joinedload(MeetingRequest.firm)
        )
        .order_by(MeetingSlot.starts_at)
    )
    if not include_cancelled:
        query = query.where(Meeting.status.in_(ACTIVE_MEETING_STATUSES))
    return db.session.scalars(query).unique().all()


def meetings_by_profile(event):
    """{profile id: `meetings_of(profile)`} of every profile with an active meeting at
    `event`, with both sides of each meeting, in one query: the organizers' agendas of
    everybody read them one company at a time."""
    request = joinedload(Meeting.request)
    meetings = db.session.scalars(
        select(Meeting)
        .join(MeetingSlot, MeetingSlot.id == Meeting.slot_id)
        .where(Meeting.event_id == event.id, Meeting.status.in_(ACTIVE_MEETING_STATUSES))
        .options(
            request.joinedload(MeetingRequest.startup), request.joinedload(MeetingRequest.firm)
        )
        .order_by(MeetingSlot.starts_at, Meeting.id)
    ).unique()
    found = {}
    for meeting in meetings:
        found.setdefault(meeting.request.startup_id, []).append(meeting)
        found.setdefault(meeting.request.firm_id, []).append(meeting)
    return found


def meetup_profile_to_come(event, organization, now=None):
    """(the company's meetup profile, its number of scheduled meetings still to come),
    or (None, 0) when it takes no part."""
    profile = profile_of(event, organization)
    if profile is None:
        return None, 0
    count = _meeting_count(
        profile, Meeting.status == "scheduled", MeetingSlot.starts_at > (now or _now())
    )
    return profile, count


def meetup_left_behind(user, event, organization):
    """The meetup profile `user` acts for at `event`, when joining the team of
    `organization` would make them act for that one instead while their present
    company still has requests waiting (for an answer or a time slot) or meetings to
    come: those stay with it, out of their sight. None otherwise."""
    present = participant_organization(user, event)
    if present is None or present.id == organization.id:
        return None
    profile, meetings = meetup_profile_to_come(event, present)
    if profile is None:
        return None
    waiting = db.session.scalar(
        select(func.count())
        .select_from(MeetingRequest)
        .outerjoin(Meeting, Meeting.request_id == MeetingRequest.id)
        .where(or_(MeetingRequest.startup_id == profile.id, MeetingRequest.firm_id == profile.id))
        .where(
            (MeetingRequest.status == "requested")
            | ((MeetingRequest.status == "accepted") & Meeting.id.is_(None))
        )
    )
    return profile if waiting or meetings else None


def requests_of(profile):
    """The profile's requests, newest first, each with both sides and its meeting: the
    pages listing them name the partner and the meeting's time on every row."""
    return (
        db.session.scalars(
            select(MeetingRequest)
            .where(
                or_(MeetingRequest.startup_id == profile.id, MeetingRequest.firm_id == profile.id)
            )
            .options(
                joinedload(MeetingRequest.startup),
                joinedload(MeetingRequest.firm),
                joinedload(MeetingRequest.meeting),
            )
            .order_by(MeetingRequest.created_at.desc(), MeetingRequest.id.desc())
        )
        .unique()
        .all()
    )


# --------------------------------------------------------------------------- locking


def _lock_profiles(*profile_ids):
    """Lock participant rows (PostgreSQL) in id order; SQLite is serialized already.

    The profiles are re-read as locked: one loaded before (by the view, say) may hold
    a cap or a booth an organizer changed meanwhile."""
    ids = sorted({i for i in profile_ids if i is not None})
    if ids and db.engine.dialect.name == "postgresql":
        db.session.scalars(
            select(MeetingProfile)
            .where(MeetingProfile.id.in_(ids))
            .order_by(MeetingProfile.id)
            .with_for_update(of=MeetingProfile)  # not the organization joined along
            .execution_options(populate_existing=True)
        ).all()


def _lock_event_profiles(event):
    """Lock every participant row of `event` (PostgreSQL), in id order like
    _lock_profiles: no booking of the event (it locks its two participants) runs
    until the caller commits, and none that started before is still deciding."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(
            select(MeetingProfile.id)
            .where(MeetingProfile.event_id == event.id)
            .order_by(MeetingProfile.id)
            .with_for_update()
        ).all()


def _fresh(obj):
    """Re-read a row after taking locks, so decisions use committed state."""
    db.session.refresh(obj)
    return obj


def _lock_request(request):
    _lock_profiles(request.startup_id, request.firm_id)
    return _fresh(request)


def _lock_meeting(meeting):
    """Lock the meeting's row, the lock attendance takes (a check-in scan holds it while
    it records both sides' arrival), and re-read it: attendance recorded meanwhile is
    seen rather than overwritten. Taken after the pair's lock; attendance takes no
    participant lock, so the order cannot deadlock."""
    db.session.execute(select(Meeting.id).where(Meeting.id == meeting.id).with_for_update())
    return _fresh(meeting)


# --------------------------------------------------------------------------- mail


def _notify(profile, kind, subject, template, **context):
    """Mail every contact of `profile` in their own language. `subject` is a callable
    returning the (translated) subject, evaluated inside each recipient's locale."""
    for user in profile.contacts():
        with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
            text = render_template(
                f"meetings/mail/{template}.txt", user=user, profile=profile, **context
            )
            queue_mail(user.email, subject(), text, event=profile.event_id, kind=kind)


def _agenda_link(event):
    return mail_link("meetings.agenda", slug=event.slug)


# --------------------------------------------------------------------------- profiles


PROFILE_FIELDS = (
    "offer_ko",
    "offer_en",
    "need_ko",
    "need_en",
    "poc_themes_ko",
    "poc_themes_en",
    "stage",
    "sector",
    "keywords",
    "country",
    "receives_at_booth",
    "booth_code",
)


def create_profile(event, organization, **fields):
    """A meetup profile for `organization`; side from its kind, sector/country copied."""
    profile = MeetingProfile(
        event=event,
        organization=organization,
        side=side_for_kind(organization.kind),
        sector=organization.sector,
        country=organization.country or "KR",
        keywords=[],
    )
    db.session.add(profile)
    _apply_profile_fields(profile, fields)
    db.session.flush()
    audit.record(
        "meeting_profile.created",
        profile,
        event=event,
        data={"organization": organization.id, "side": profile.side},
    )
    return profile


def _hold_for_profile(profile, fields):
    """The locks a change of a firm's booth takes before its profile row's."""
    if profile.side == "firm" and {"booth_code", "receives_at_booth"} & set(fields):
        _hold_registration(profile)
        # The stand kept may be taken up again below (_kept_stand_lost): exclusively,
        # as an organizer lending it to another firm at this moment does.
        _hold_booths(profile.event_id, [profile.booth_code], exclusive=True)


def _form_values(profile, fields):
    """(key, value) of the profile form's `fields` as they would be stored; the booth
    is only a firm's."""
    for key, value in fields.items():
        if key not in PROFILE_FIELDS:
            raise ValueError(f"unknown profile field {key!r}")
        if key in ("receives_at_booth", "booth_code") and profile.side != "firm":
            continue
        if key == "keywords":
            value = normalize_keywords(value)
        elif key == "country":
            value = (value or "KR").upper()[:2]
        elif key == "booth_code":
            value = (value or "").strip() or None
        yield key, value


def _apply_profile_fields(profile, fields):
    changed = []
    code_before = profile.booth_code
    _hold_for_profile(profile, fields)
    for key, value in _form_values(profile, fields):
        if key == "booth_code" and value is not None and value != profile.booth_code:
            value = _own_booth(profile, value)
        if getattr(profile, key) != value:
            setattr(profile, key, value)
            changed.append(key)
    kept, lost = None, None
    if "receives_at_booth" in changed:
        if not profile.receives_at_booth:
            _forget_own_booth(profile)
        elif "booth_code" not in changed:
            kept, lost = profile.booth_code, _kept_stand_lost(profile)
            if lost:
                profile.booth_code = None  # given to another company, or gone, since
    if profile.receives_at_booth and not profile.booth_code:
        profile.booth_code = booth_code_of(profile.event, profile.organization)
        if not profile.booth_code and lost:
            # "No booth of its own" alone left the firm wondering why the stand it was
            # lent, still shown on its profile, no longer counts.
            raise MeetingError(
                " ".join(
                    (
                        _(
                            "Your company has no booth of its own and cannot receive "
                            "again at stand %(code)s, which the organizers lent it.",
                            code=kept,
                        ),
                        lost,
                        _("Ask the organizer for another stand."),
                    )
                )
            )
        if not profile.booth_code:
            # "Give the booth code" sent a firm with no booth to type one, only to be
            # told then that it has none.
            raise _no_booth_of_its_own()
    if profile.booth_code != code_before and "booth_code" not in changed:
        # Forgotten, replaced or found here rather than typed: the audit trail names it.
        changed.append("booth_code")
    return changed


def _forget_own_booth(profile):
    """A firm that stops receiving at its own booth forgets the code: the company's
    booths may change before it receives there again, and then the code would send
    partners to a booth no longer its own. A stand the organizers lent it is kept,
    for it to take up again."""
    code = profile.booth_code
    own = own_booth_codes(profile.event, profile.organization)
    if code and _booth_key(code) in {_booth_key(c) for c in own}:
        profile.booth_code = None


def _kept_stand_lost(profile, batch=(), taken=None):
    """Why the code kept while the firm did not receive at a booth (a stand the
    organizers lent it) cannot be taken up again, as a sentence; None when it can: it
    is the company's own now, or free, not blocked and not lent to a firm of another
    company since (firms of `batch` aside: see _stand_lent_to), nor in the same save:
    `taken` is {booth key: the firm a save of several firms names it for}."""
    if not profile.booth_code:
        return None
    key = _booth_key(profile.booth_code)
    holder = _booth_holders(profile.event_id, {key}).get(key, -1)  # -1: gone from the plan
    if holder == -1:
        return _("It is no longer on the floor plan.")
    blocked = db.session.scalar(
        select(Booth.blocked).where(
            Booth.event_id == profile.event_id, func.upper(Booth.code) == key
        )
    )
    if blocked:
        # Blocked since the firm paused (a pillar, a service point): blocking moved only
        # the firms receiving there at the time.
        return _("It is now blocked on the floor plan.")
    if holder is None:
        lent = _stand_lent_to(profile, key, batch) or (taken or {}).get(key)
        if lent is None or lent.id == profile.id:
            return None
        return _("It is now lent to %(company)s for the meetup.", company=lent.name)
    if holder != profile.organization_id:
        from eventapp.organizations.models import Organization

        company = db.session.get(Organization, holder).name
        return _("It is now a booth of %(company)s.", company=company)
    return None


def _stand_lent_to(profile, key, batch=()):
    """The firm of another company that receives at the free stand `key` (_booth_key)
    now, or None. One stand receives one firm's partners: two firms lent it would both
    have meetings there in the same slot. The caller holds the booth exclusively
    (_hold_booths), so a lending at this moment waits and is then seen here.

    Firms whose ids are in `batch` are left out: saved in one form with `profile`,
    they may give the stand up further on, and the batch is judged on the state it
    leaves (_check_stands_lent_once)."""
    organization_id = profile.organization_id or profile.organization.id
    query = _firms_at_stand(profile.event_id, key).where(
        MeetingProfile.organization_id != organization_id
    )
    if batch:
        query = query.where(MeetingProfile.id.not_in(batch))
    return db.session.scalar(query.limit(1))


def _firms_at_stand(event_id, key):
    """The firms receiving at the booth `key` (_booth_key), in id order (a query)."""
    return (
        select(MeetingProfile)
        .where(
            MeetingProfile.event_id == event_id,
            MeetingProfile.side == "firm",
            MeetingProfile.receives_at_booth.is_(True),
            func.upper(MeetingProfile.booth_code) == key,
        )
        .order_by(MeetingProfile.id)
    )


def _lent_elsewhere(profile, booth, lent):
    return MeetingError(
        _(
            "%(firm)s cannot receive at stand %(booth)s: it is lent to %(name)s "
            "for the meetup. One stand receives one company's meetings.",
            firm=profile.name,
            booth=booth,
            name=lent.name,
        )
    )


def _hold_registration(profile):
    """Share-lock the firm's exhibitor registration before its booths are read. A
    move of the company's booths locks it first: a move at this moment waits and
    then takes the firm's new choice along (follow_booths), or is seen here. The
    same order as a move's (the registration, then the profile rows)."""
    with db.session.no_autoflush:
        # A profile being created has its ids only once flushed.
        event_id = profile.event_id or profile.event.id
        _hold_registrations(event_id, {profile.organization_id or profile.organization.id})


def _hold_registrations(event_id, organization_ids):
    """_hold_registration for several companies at once, in id order."""
    if organization_ids:
        db.session.execute(
            select(Exhibitor.id)
            .where(Exhibitor.event_id == event_id, Exhibitor.organization_id.in_(organization_ids))
            .order_by(Exhibitor.id)
            .with_for_update(read=True)
        ).all()


def _hold_booths(event_id, codes, exclusive=False):
    """Share-lock the event's booths among `codes` (any case), in id order, before who
    holds them is read: a placement or a floor plan import, which lock them, waits
    or is seen. Taken after the registrations and before any profile row is written
    (no autoflush here), in the order of a move. `exclusive` when a firm may take up
    a free stand: two lendings of one stand, each under a share lock, would both
    find it free and send two firms' partners there."""
    keys = sorted({_booth_key(code.strip()) for code in codes if code and code.strip()})
    if not keys or event_id is None:
        return
    with db.session.no_autoflush:
        db.session.execute(
            select(Booth.id)
            .where(Booth.event_id == event_id, func.upper(Booth.code).in_(keys))
            .order_by(Booth.id)
            .with_for_update(read=not exclusive)
        ).all()


def _own_booth(profile, code):
    """`code` as the firm's own booth code, or MeetingError: partners would walk to
    whatever booth a firm names, so it must be one the firm was given. (A code the
    organizer set is kept as it is: see set_booth_reception.)"""
    codes = own_booth_codes(profile.event, profile.organization)
    match = next((c for c in codes if c.casefold() == code.casefold()), None)
    if match is not None:
        return match
    if not codes:
        raise _no_booth_of_its_own()
    raise MeetingError(
        _(
            "Booth %(code)s is not your company's booth. Your booths: %(codes)s.",
            code=code,
            codes=", ".join(codes),
        )
    )


def _no_booth_of_its_own():
    return MeetingError(
        _(
            "Your company has no booth at this event, so it cannot receive meetings "
            "at a booth. Ask the organizer if you have a stand of your own."
        )
    )


class StaleForm(MeetingError):
    """A form loaded before what it changes was changed by someone else: refused
    rather than put the older text back."""


class ProfileConflict(StaleForm):
    """The profile changed since the form was loaded (see `profile_version`)."""


def _profile_values(profile, fields=None):
    """What the profile form shows of `profile`: as stored, or as `fields` would store
    them."""
    values = {key: getattr(profile, key) for key in PROFILE_FIELDS}
    values.update(_form_values(profile, fields or {}))
    values["keywords"] = list(values["keywords"] or ())
    return values


def profile_version(profile):
    """A fingerprint of the profile as its form shows it: the form carries the one it
    was loaded with, and saving over a profile changed since is refused (see
    update_profile). "new" for a company without a profile yet."""
    if profile is None:
        return "new"
    return fingerprint(_profile_values(profile))


def fingerprint(values):
    text = json.dumps(values, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def profile_changes(profile, fields):
    """The fields whose saved value differs from `fields` (as the form sent them), in
    the form's order: what a refused save would have put back or changed."""
    saved, typed = _profile_values(profile), _profile_values(profile, fields)
    return [key for key in PROFILE_FIELDS if saved[key] != typed[key]]


def update_profile(profile, seen_version=None, **fields):
    """Save the profile form. `seen_version`: the `profile_version` the form was loaded
    with; a profile changed since then (by a colleague, or in another tab) is not
    overwritten with the older text (ProfileConflict), unless the form asks for what
    is stored already (the same form sent twice)."""
    if seen_version:
        _hold_for_profile(profile, fields)  # in a booth move's order: before the profile
        _lock_profiles(profile.id)
        _fresh(profile)
        if seen_version != profile_version(profile):
            if not profile_changes(profile, fields):
                return []
            raise ProfileConflict(
                _(
                    "Your company's meetup profile was changed since you opened the page "
                    "(by a colleague, or by you in another tab), so it was not saved. "
                    "Your text is kept in the form; the profile as saved now is shown "
                    "above it where it differs. Check it and save again."
                )
            )
    changed = _apply_profile_fields(profile, fields)
    if changed:
        audit.record(
            "meeting_profile.updated", profile, event=profile.event, data={"fields": changed}
        )
    return changed


def set_unavailable(profile, slot_ids, before=None):
    """Replace the slots `profile` cannot attend. Slots holding one of its meetings stay
    available (cancel the meeting first); returns the slot ids kept for that reason.

    `before`: the slots the form showed as unavailable. Given, only what was ticked or
    unticked on it changes: a colleague's change saved while the form was open (or one
    from another tab) is kept, where the whole form replaced it without a word."""
    _lock_profiles(profile.id)
    ticked = set(slot_ids)
    current = unavailable_slot_ids(profile)
    if before is not None:
        before = set(before)
        slot_ids = (current | (ticked - before)) - (before - ticked)
    valid = set(
        db.session.scalars(
            select(MeetingSlot.id).where(
                MeetingSlot.event_id == profile.event_id,
                MeetingSlot.id.in_(set(slot_ids)),
                MeetingSlot.retired.is_(False),
            )
        )
    )
    busy = busy_slot_ids(profile)
    kept = valid & busy & ticked
    wanted = valid - busy
    for slot_id in current - wanted:
        db.session.execute(
            delete(Unavailability).where(
                Unavailability.profile_id == profile.id, Unavailability.slot_id == slot_id
            )
        )
    for slot_id in sorted(wanted - current):
        db.session.add(Unavailability(profile_id=profile.id, slot_id=slot_id))
    _close_proposals_for_unavailable(profile, wanted)
    if wanted != current:
        audit.record(
            "meeting_profile.availability",
            profile,
            event=profile.event,
            data={"unavailable": sorted(wanted)},
        )
    return kept


def _close_proposals_for_unavailable(profile, slot_ids):
    """Close the open time proposals of `profile`'s meetings for the slots it marked
    unavailable, whichever side proposed them: accepted later, they would be refused
    as taken. As when the settings remove a slot."""
    if not slot_ids:
        return
    proposals = db.session.scalars(
        select(MeetingTimeProposal)
        .join(Meeting, Meeting.id == MeetingTimeProposal.meeting_id)
        .join(MeetingRequest, MeetingRequest.id == Meeting.request_id)
        .where(
            MeetingTimeProposal.slot_id.in_(sorted(slot_ids)),
            MeetingTimeProposal.status == "open",
            or_(MeetingRequest.startup_id == profile.id, MeetingRequest.firm_id == profile.id),
        )
        .order_by(MeetingTimeProposal.id)
    ).all()
    for proposal in proposals:
        _close_proposal(proposal, "closed", "unavailable")
    db.session.flush()


# --------------------------------------------------------------------------- requests


def booking_window_notice(event, settings=None, now=None):
    """Why meeting requests and bookings are refused now, saying when they open or when
    they closed (in the event's time zone): the organizer's booking window, or the
    meetup's last time slot having begun. None while they are open. "Closed at the
    moment" alone left people guessing when to come back."""
    settings = settings or get_settings(event)
    now = now or _now()
    if settings is None:
        return None
    if not settings.booking_open(now):
        if settings.booking_opens_at and now < settings.booking_opens_at:
            return _(
                "Meeting requests and bookings open on %(time)s (%(zone)s).",
                time=local_time(settings.booking_opens_at, event=event),
                zone=zone_name(event.timezone),
            )
        return _(
            "Meeting requests and bookings closed on %(time)s (%(zone)s).",
            time=local_time(settings.booking_closes_at, event=event),
            zone=zone_name(event.timezone),
        )
    # With no closing time set, requests went on after the meetup: the other side was
    # mailed a request that no slot was left to book, and the request page sent both
    # to their availability for a free slot that could not come.
    last = _last_slot_start(event)
    if last is not None and last <= now:
        return _(
            "The meetup's last time slot began on %(time)s (%(zone)s): no more meetings "
            "can be requested or booked.",
            time=local_time(last, event=event),
            zone=zone_name(event.timezone),
        )
    return None


def _last_slot_start(event):
    """When the last time slot of the meetup starts; None before slots are made."""
    return db.session.scalar(
        select(MeetingSlot.starts_at)
        .where(MeetingSlot.event_id == event.id, MeetingSlot.retired.is_(False))
        .order_by(MeetingSlot.starts_at.desc())
        .limit(1)
    )


def _check_window(event, user):
    from eventapp.core.permissions import is_organizer

    settings = get_settings(event)
    if settings is None or is_organizer(user, event):
        return
    notice = booking_window_notice(event, settings)
    if notice:
        raise MeetingError(notice)


def _request_mail_context(request):
    # The request's own page: there it is accepted, declined or booked. The list
    # would leave the reader to find it among the others first.
    event = request.event
    link = mail_link("meetings.request_detail", slug=event.slug, request_id=request.id)
    return {"event": event, "request": request, "link": link}


def pair_requests(startup, firm):
    """Every request between two profiles, newest first."""
    return db.session.scalars(
        select(MeetingRequest)
        .where(MeetingRequest.startup_id == startup.id, MeetingRequest.firm_id == firm.id)
        .order_by(MeetingRequest.id.desc())
    ).all()


def nobody_acts_for(profile):
    """Why `profile` cannot be asked for a meeting when nobody acts for it any more
    (its one person went over to another company's team, say): a request would wait
    for an answer that nobody can give."""
    return _(
        "Nobody takes part in the meetup for %(company)s at the moment: it cannot be "
        "asked for a meeting.",
        company=profile.name,
    )


def _open_request_to(requester, startup, firm):
    """The open request the other side already sent for this pair (None if there is
    none); MeetingError when the requester may not ask (again)."""
    for old in pair_requests(startup, firm):
        if old.status in OPEN_REQUEST_STATUSES:
            if old.status == "requested" and old.requester_side == requester.side:
                # A second tap on "Send request", another tab, or a colleague's request.
                raise AlreadyDone(
                    _(
                        "Your meeting request to %(name)s was sent already and waits for "
                        "an answer.",
                        name=old.receiver.name,
                    ),
                    old,
                )
            if old.status == "accepted":
                raise AlreadyDone(_("There is already a meeting request between you."), old)
            return old
        if old.status == "declined" and old.requester_side == requester.side:
            raise MeetingError(_("This company has declined a meeting request from you."))
    return None


def _make_mutual(event, old, requester, target, user, message):
    """Both sides want this meeting: accept the other side's request at once, with the
    mutual weight, keeping both messages."""
    old.status = "accepted"
    old.mutual = True
    old.weight = MUTUAL_WEIGHT
    old.receiver_message = message
    old.responded_by_id = user.id
    old.responded_at = utcnow()
    audit.record("meeting_request.mutual", old, event=event, data={"by": requester.id})
    _notify(
        target,
        "meeting_request_accepted",
        lambda: _("%(name)s accepted your meeting request", name=requester.name),
        "request_accepted",
        partner=requester,
        message=message,
        **_request_mail_context(old),
    )
    return old


def same_side_message(target):
    """Why `target` cannot be asked by a company of its own side (a hand-made request,
    an old page, a company whose side changed): named with its side, the user sees
    which company is not a partner for them, not only the rule."""
    if target.side == "startup":
        return _("%(name)s is a startup too: meetups pair a startup with a firm.", name=target.name)
    return _("%(name)s is a firm too: meetups pair a startup with a firm.", name=target.name)


def send_request(event, requester, target, user, message=""):
    """`requester` (a profile) asks `target` (a profile of the other side) for a meeting.

    If `target` already asked `requester`, that request becomes accepted and mutual
    (weight MUTUAL_WEIGHT, the requester's message kept as its `receiver_message`)
    instead of creating a second one. Returns the request.

    Two opposite requests sent at the same moment end as one mutual request: the pair's
    rows are locked first (PostgreSQL; SQLite runs one writer at a time anyway), so the
    second sender finds the first one's request. Should both still insert (another
    isolation level), the unique index on open pairs refuses the second insert, and it
    looks again.
    """
    if requester.event_id != event.id or target.event_id != event.id:
        raise MeetingError(_("This company does not take part in the meetup."))
    if requester.side == target.side:
        raise MeetingError(same_side_message(target))
    if not (requester.active and target.active):
        raise MeetingError(_("This company does not take part in the meetup."))
    if not target.contacts():
        raise MeetingError(nobody_acts_for(target))
    _check_window(event, user)
    startup, firm = (requester, target) if requester.side == "startup" else (target, requester)
    message = (message or "").strip()[:2000]
    _lock_profiles(startup.id, firm.id)
    for attempt in range(2):
        old = _open_request_to(requester, startup, firm)
        if old is not None:
            return _make_mutual(event, old, requester, target, user, message)
        request = MeetingRequest(
            event=event,
            startup=startup,
            firm=firm,
            requested_by_id=user.id,
            requester_side=requester.side,
            message=message,
            status="requested",
            weight=ONE_SIDED_WEIGHT,
        )
        try:
            # Added inside the savepoint: begin_nested() flushes what is pending first,
            # and a failed insert must roll back to the savepoint only.
            with db.session.begin_nested():
                db.session.add(request)
                db.session.flush()
        except IntegrityError as error:
            if attempt:
                raise MeetingError(_("There is already a meeting request between you.")) from error
            continue
        break
    audit.record(
        "meeting_request.created",
        request,
        event=event,
        data={"startup": startup.id, "firm": firm.id, "side": requester.side},
    )
    _notify(
        target,
        "meeting_request",
        lambda: _("New meeting request from %(name)s", name=requester.name),
        "request_received",
        partner=requester,
        **_request_mail_context(request),
    )
    return request


def _receiver_check(request, profile):
    if request.side_of(profile) is None or request.requester_side == request.side_of(profile):
        raise MeetingError(_("Only the invited company can answer this request."))


def _check_still_requested(request):
    """The request still waits for the invited company's answer. One accepted meanwhile
    (a second tap, another tab, a colleague) says so: "no longer open" read as if it
    had been withdrawn."""
    if request.status == "accepted":
        raise MeetingError(_("This request is already accepted."))
    if request.status == "declined":
        raise MeetingError(_("This request is already declined."))
    if request.status == "cancelled":
        # Withdrawn by its sender (or the organizer) while the answer was being
        # written: "no longer open" did not say by whom nor whether to do anything.
        raise MeetingError(_("This request was withdrawn meanwhile: there is nothing to answer."))
    if request.status != "requested":
        raise MeetingError(_("This request is no longer open."))


def accept_request(request, profile, user):
    _lock_request(request)
    _receiver_check(request, profile)
    _check_still_requested(request)
    request.status = "accepted"
    request.responded_by_id = user.id
    request.responded_at = utcnow()
    audit.record("meeting_request.accepted", request, event=request.event)
    _notify(
        request.requester,
        "meeting_request_accepted",
        lambda: _("%(name)s accepted your meeting request", name=request.receiver.name),
        "request_accepted",
        partner=request.receiver,
        **_request_mail_context(request),
    )
    return request


def decline_request(request, profile, user, reason):
    reason = (reason or "").strip()
    if not reason:
        raise MeetingError(_("Please give a reason for declining."))
    _lock_request(request)
    _receiver_check(request, profile)
    _check_still_requested(request)
    request.status = "declined"
    request.decline_reason = reason[:2000]
    request.responded_by_id = user.id
    request.responded_at = utcnow()
    audit.record("meeting_request.declined", request, event=request.event, data={"reason": reason})
    _notify(
        request.requester,
        "meeting_request_declined",
        lambda: _("%(name)s declined your meeting request", name=request.receiver.name),
        "request_declined",
        partner=request.receiver,
        **_request_mail_context(request),
    )
    return request


def cancel_request(request, user, profile=None, reason=""):
    """Withdraw a request (requested or accepted); its meeting, if any, is cancelled too
    and the other side is told. `profile` is the acting side (None for an organizer)."""
    # The cancel views go on when the form is invalid, so the form's limit is not enough.
    reason = (reason or "").strip()[:2000]
    _lock_request(request)
    if request.status == "cancelled":
        # A second tap, another tab or the other side came first: "no longer open"
        # read as if the withdrawal had failed.
        if request.meeting is not None:
            raise MeetingError(_("This meeting is already cancelled."))
        raise MeetingError(_("This request is already withdrawn."))
    if request.status == "declined":
        # Declined while the sender's page was open: "no longer open" read as if the
        # withdrawal had failed.
        raise MeetingError(_("This request is already declined."))
    if request.status not in ("requested", "accepted"):
        raise MeetingError(_("This request is no longer open."))
    # A request waiting for an answer is withdrawn by its sender only: the invited
    # company declines it, with a reason, and is then not asked again.
    if (
        request.status == "requested"
        and profile is not None
        and request.side_of(profile) != request.requester_side
    ):
        raise MeetingError(
            _("Only the company that sent this request can withdraw it. Decline it instead.")
        )
    meeting = request.meeting
    if meeting is not None and meeting.status == "scheduled":
        return cancel_meeting(meeting, user, profile=profile, reason=reason).request
    if meeting is not None and meeting.status in ("attended", "no_show"):
        raise MeetingError(_("This meeting has already taken place."))
    request.status = "cancelled"
    audit.record("meeting_request.cancelled", request, event=request.event)
    for side_profile in _others(request, profile):
        _notify(
            side_profile,
            "meeting_request_cancelled",
            lambda partner=request.other(side_profile): _(
                "Meeting request with %(name)s withdrawn", name=partner.name
            ),
            "request_cancelled",
            partner=request.other(side_profile),
            reason=reason,
            **_request_mail_context(request),
        )
    return request


def _others(request, profile):
    """Who to tell about a change made by `profile` (both sides when the organizer acts)."""
    if profile is None:
        return [request.startup, request.firm]
    return [request.other(profile)]


# --------------------------------------------------------------------------- booking


def _now():
    """The clock of every "has this slot started?" decision of the meetup (booking,
    moving, applying a plan, attendance): one place to set it in tests."""
    return utcnow()


def common_free_slots(request, now=None):
    """Slots in which both sides of an accepted request are free and a place is left:
    a free table, or the firm's booth. Past slots are left out."""
    now = now or _now()
    event = request.event
    blocked = (
        busy_slot_ids(request.startup)
        | busy_slot_ids(request.firm)
        | unavailable_slot_ids(request.startup)
        | unavailable_slot_ids(request.firm)
    )
    slots = [s for s in slots_of(event) if s.starts_at > now and s.id not in blocked]
    if _reception_booth(request.firm):
        return slots
    table_total = len(tables_of(event))
    used = dict(
        db.session.execute(
            select(MeetingSeat.slot_id, func.count())
            .join(MeetingTable, MeetingTable.id == MeetingSeat.table_id)
            .where(MeetingTable.event_id == event.id, MeetingTable.active.is_(True))
            .group_by(MeetingSeat.slot_id)
        ).all()
    )
    return [s for s in slots if used.get(s.id, 0) < table_total]


def capped(event, *profiles):
    """(profile, its cap) of those of `profiles` that have as many meetings as their cap
    allows, in the order given: no meeting of theirs can be booked now."""
    settings = get_settings(event)
    full = []
    for profile in profiles:
        cap = profile.effective_cap(settings)
        if cap is not None and active_meeting_count(profile) >= cap:
            full.append((profile, cap))
    return full


def _check_caps(event, *profiles):
    full = capped(event, *profiles)
    if full:
        profile, cap = full[0]
        raise MeetingError(
            _(
                "%(name)s has reached its maximum of %(count)s meetings.",
                name=profile.name,
                count=cap,
            )
        )


def _person_seats(meeting, slot):
    """Insert both participants' seats of `meeting` in `slot` (one savepoint); raise
    SlotTaken when either is already busy there. Seats are linked by id only, so a
    rolled-back seat leaves nothing behind in any collection."""
    request = meeting.request
    try:
        with db.session.begin_nested():
            for profile_id in (request.startup_id, request.firm_id):
                db.session.add(
                    MeetingSeat(meeting_id=meeting.id, slot_id=slot.id, profile_id=profile_id)
                )
            db.session.flush()
    except IntegrityError as error:
        raise SlotTaken(
            _("This time slot has just been taken. Please choose another one.")
        ) from error


def _table_seat(meeting, slot, table):
    """Try to take `table` in `slot` for `meeting`; False when it is taken."""
    try:
        with db.session.begin_nested():
            db.session.add(MeetingSeat(meeting_id=meeting.id, slot_id=slot.id, table_id=table.id))
            db.session.flush()
    except IntegrityError:
        return False
    return True


def _free_tables(event, slot):
    taken = select(MeetingSeat.table_id).where(
        MeetingSeat.slot_id == slot.id, MeetingSeat.table_id.is_not(None)
    )
    return db.session.scalars(
        select(MeetingTable)
        .where(MeetingTable.event_id == event.id, MeetingTable.active.is_(True))
        .where(MeetingTable.id.not_in(taken))
        .order_by(*table_order())
    ).all()


def reception_booths(event_id, firms):
    """{profile id: the booth where the firm receives, or None for the shared tables}
    for `firms`: None also when the booth is gone from the floor plan or given to
    another company since (a stand the organizers lent, placed later), as partners
    would walk to somebody else's booth. One query, whatever the number of firms: a
    booking asks for its firm, the planner for every firm of the event."""
    located = {firm.id: firm.location for firm in firms}
    keys = {_booth_key(code) for code in located.values() if code}
    if not keys:
        return dict.fromkeys(located)
    holders = _booth_holders(event_id, keys)
    organization = {firm.id: firm.organization_id for firm in firms}
    booths = {}
    for firm_id, code in located.items():
        holder = holders.get(_booth_key(code), -1) if code else -1  # -1: no such booth
        booths[firm_id] = code if holder in (None, organization[firm_id]) else None
    return booths


def _reception_booth(firm):
    return reception_booths(firm.event_id, [firm])[firm.id]


def _check_stand_free(meeting, slot, booth):
    """SlotTaken when another firm's meeting takes place at `booth` (any case) in
    `slot`: a stand lent to two firms (before lending it twice was refused) would
    have both firms' partners at one stand at once."""
    other = db.session.scalar(
        select(Meeting)
        .where(
            Meeting.slot_id == slot.id,
            Meeting.status == "scheduled",
            Meeting.table_id.is_(None),
            func.upper(Meeting.booth_code) == _booth_key(booth),
            Meeting.id != meeting.id,
        )
        .order_by(Meeting.id)
        .limit(1)
    )
    if other is not None:
        raise SlotTaken(
            _(
                "Booth %(booth)s already holds a meeting of %(name)s in this time slot. "
                "Choose another slot, or give one of the firms another stand.",
                booth=booth,
                name=other.request.firm.name,
            )
        )


def _check_slot_in_grid(slot):
    """Refuse `slot` unless it is still in the grid as committed now. Called under the
    pair's lock: settings saved meanwhile (they lock every participant) may have retired
    or deleted the slot the caller loaded, and a meeting placed there would be listed
    on no grid and break the planner."""
    retired = db.session.scalar(select(MeetingSlot.retired).where(MeetingSlot.id == slot.id))
    if retired is None or retired:
        raise MeetingError(_("Unknown time slot."))


def _place(meeting, slot, table=None):
    """Give `meeting` (already flushed) its seats in `slot`: at the firm's booth, at the
    given table, or at the first free table, trying the next one when a concurrent
    booking takes it meanwhile. Raises SlotTaken when nothing is left."""
    firm = meeting.request.firm
    _person_seats(meeting, slot)
    booth = _reception_booth(firm)
    if booth:
        _check_stand_free(meeting, slot, booth)
        meeting.table = None
        meeting.booth_code = booth
        return meeting
    meeting.booth_code = None
    if table is not None:
        if table.event_id != meeting.event_id or not _table_seat(meeting, slot, table):
            raise SlotTaken(_("This table is taken in that time slot."))
        meeting.table = table
        return meeting
    for _attempt in range(3):
        candidates = _free_tables(meeting.event, slot)
        if not candidates:
            break
        for candidate in candidates:
            if _table_seat(meeting, slot, candidate):
                meeting.table = candidate
                return meeting
    raise SlotTaken(_("All meeting tables are taken in this time slot."))


def book(request, slot, user, *, via="booking", table=None, notify=True, check_window=True):
    """Schedule an accepted request in `slot` right away (live booking).

    Raises MeetingError when not allowed, SlotTaken when somebody else got a person or
    the last table of the slot first. The caller commits, or rolls back on error.
    """
    event = request.event
    if slot.event_id != event.id or slot.retired:
        raise MeetingError(_("Unknown time slot."))
    if check_window:
        _check_window(event, user)
    _lock_request(request)
    _check_slot_in_grid(slot)
    if request.status == "cancelled":
        # The other side called it off while this page still offered its slots:
        # "only accepted requests" read as if it had never been accepted.
        if request.meeting is not None:
            raise MeetingError(_("This meeting was cancelled."))
        raise MeetingError(
            _("This request was withdrawn meanwhile: no meeting can be booked for it.")
        )
    if request.status != "accepted":
        raise MeetingError(_("Only accepted requests can be scheduled."))
    if request.meeting is not None:
        meeting = request.meeting
        raise AlreadyDone(
            _(
                "This meeting is booked already: %(time)s, %(place)s.",
                time=meeting.slot.label,
                place=meeting.location_label,
            ),
            meeting,
        )
    if via == "booking" and slot.starts_at <= _now():
        raise MeetingError(_("This time slot has already started."))
    away = unavailable_in(slot, request.startup, request.firm)
    if away:
        raise MeetingError(_("%(name)s is not available in this slot.", name=away[0].name))
    _check_caps(event, request.startup, request.firm)
    # A slot the page offered as free to both, where one side has booked another
    # meeting since: the seats would refuse it as "just been taken", which sent people
    # looking for somebody else at the tables rather than at whose time is gone.
    busy = [p for p in (request.startup, request.firm) if slot.id in busy_slot_ids(p)]
    if busy:
        raise SlotTaken(
            _(
                "%(name)s has another meeting in this time slot now. Please choose another one.",
                name=busy[0].name,
            )
        )
    meeting = Meeting(
        event=event,
        request=request,
        slot=slot,
        status="scheduled",
        scheduled_via=via,
        scheduled_by_id=getattr(user, "id", None),
    )
    db.session.add(meeting)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as error:  # the other side booked this request a moment ago
        raise SlotTaken(_("This meeting is already scheduled.")) from error
    _place(meeting, slot, table)
    db.session.flush()
    audit.record(
        "meeting.scheduled",
        meeting,
        event=event,
        data={
            "request": request.id,
            "slot": slot.code,
            "table": meeting.table.code if meeting.table else None,
            "booth": meeting.booth_code,
            "via": via,
        },
    )
    # Both sides' people get one mail each from the receivers (the calendar invitation).
    signals.meeting_scheduled.send(meeting, notify=notify)
    return meeting


def cancel_meeting(meeting, user, *, profile=None, reason=""):
    """Cancel a scheduled meeting: its seats are freed, its request is cancelled, the
    other side (both, when an organizer cancels) is told, and `sequence` is raised.

    Once the meeting has started only an organizer cancels it: a participant calling
    off a meeting under way or over would erase whether it took place (a side that
    stayed away would turn its no-show into a cancellation); they record attendance."""
    from eventapp.core.permissions import is_organizer

    # The cancel views go on when the form is invalid, so the form's limit is not enough.
    reason = (reason or "").strip()[:2000]
    request = meeting.request
    _lock_request(request)
    _lock_meeting(meeting)
    if meeting.status == "cancelled":
        # Cancelled a moment ago (a second tap, the other side): "Only scheduled
        # meetings can be cancelled" read as if it had never been scheduled.
        raise MeetingError(_("This meeting is already cancelled."))
    if meeting.status != "scheduled":
        raise MeetingError(_("Only scheduled meetings can be cancelled."))
    trusted = user is None or is_organizer(user, meeting.event)
    if meeting.starts_at <= _now() and not trusted:
        raise MeetingError(
            _(
                "This meeting has already started and can no longer be cancelled. "
                "Record whether it took place instead."
            )
        )
    _close_time_proposals(meeting, "cancelled")
    db.session.execute(delete(MeetingSeat).where(MeetingSeat.meeting_id == meeting.id))
    db.session.expire(meeting, ["seats"])
    meeting.status = "cancelled"
    meeting.sequence += 1
    meeting.cancelled_at = utcnow()
    meeting.cancelled_by_id = getattr(user, "id", None)
    meeting.cancel_reason = reason
    request.status = "cancelled"
    audit.record(
        "meeting.cancelled",
        meeting,
        event=meeting.event,
        data={"slot": meeting.slot.code, "by_side": request.side_of(profile), "reason": reason},
    )
    # Both sides, the one that cancelled too: the meeting is in its calendars.
    signals.meeting_cancelled.send(meeting, by=profile)
    return meeting


def move_meeting(meeting, slot, user, table=None, *, override_unavailable=False, now=None):
    """Organizer: move a scheduled meeting to `slot` (and `table`, or the first free one).

    Refused for a slot that has started, and for a slot either participant marked as
    unavailable unless `override_unavailable` (the organizer agreed it with them).
    Raises SlotTaken when a participant or the table is busy there. A real move raises
    `sequence` and clears `reminded_at`, so the new time gets its own reminder."""
    request = meeting.request
    _lock_request(request)
    _lock_meeting(meeting)
    if meeting.status == "cancelled":
        # Called off by a participant while the grid or the move form was open.
        raise MeetingError(_("This meeting was cancelled."))
    if meeting.status != "scheduled":
        raise MeetingError(_("Only scheduled meetings can be moved."))
    if slot.event_id != meeting.event_id or slot.retired:
        raise MeetingError(_("Unknown time slot."))
    _check_slot_in_grid(slot)
    if slot.starts_at <= (now or _now()):
        raise MeetingError(
            _("This time slot has already started. Choose a slot that is still to come.")
        )
    away = [p.name for p in unavailable_in(slot, request.startup, request.firm)]
    if away and not override_unavailable:
        raise MeetingError(
            _(
                "%(names)s marked this time slot as unavailable. Choose another slot, or "
                "tick the box to move the meeting there anyway.",
                names=", ".join(away),
            )
        )
    # Refused here by name: the seats would refuse it too, but as "just been taken",
    # which sent the organizer looking for somebody booking at the same moment.
    busy = [
        profile
        for profile in (request.startup, request.firm)
        if slot.id != meeting.slot_id and slot.id in busy_slot_ids(profile)
    ]
    if busy:
        raise SlotTaken(
            _(
                "%(name)s already has another meeting in this time slot. Choose another "
                "slot, or move that meeting first.",
                name=busy[0].name,
            )
        )
    booth = _reception_booth(request.firm)
    if table is not None and booth:
        # _place seats the firm's partners at its booth whatever table is given: the
        # page said "moved" while the meeting stayed where it was.
        raise MeetingError(
            _(
                "%(firm)s receives its partners at its booth %(booth)s: meetings with it "
                "are held there. Choose only the time.",
                firm=request.firm.name,
                booth=booth,
            )
        )
    if slot.id == meeting.slot_id and (
        table.id == meeting.table_id if table is not None else booth == meeting.booth_code
    ):
        raise MeetingError(_("The meeting is already at this time and place: nothing to move."))
    overridden = {"unavailable_overridden": away or None}
    if _relocate(meeting, slot, table, via="organizer", data=overridden):
        _close_time_proposals(meeting, "moved")
    return meeting


def _relocate(meeting, slot, table=None, *, via, data=None, proposal=None):
    """Give a scheduled meeting (its request locked) new seats in `slot`, at `table` or
    the first free one (the firm's booth if it receives there), and tell both sides.

    Raises SlotTaken when a participant or every table is busy there; the caller rolls
    back (to a savepoint, when it goes on). A real change raises `sequence`, so that
    calendars update the invite, and clears `reminded_at`, so that the new time gets
    its own reminder. `proposal`: the accepted time proposal it follows, for the mail.
    Returns whether the time or place changed."""
    before = (meeting.slot.code, meeting.table.code if meeting.table else meeting.booth_code)
    db.session.execute(delete(MeetingSeat).where(MeetingSeat.meeting_id == meeting.id))
    db.session.expire(meeting, ["seats"])
    meeting.table = None
    meeting.slot = slot
    _place(meeting, slot, table)
    after = (slot.code, meeting.table.code if meeting.table else meeting.booth_code)
    if before != after:
        meeting.sequence += 1
        meeting.scheduled_via = via
        meeting.reminded_at = None
        # Written even when it was read as none: a reminder round may have claimed
        # the meeting since, for the old time.
        flag_modified(meeting, "reminded_at")
    db.session.flush()
    data = {k: v for k, v in (data or {}).items() if v is not None}
    data.update({"from": list(before), "to": list(after), "sequence": meeting.sequence})
    audit.record("meeting.moved", meeting, event=meeting.event, data=data)
    if before != after:
        signals.meeting_moved.send(meeting, proposal=proposal, booth_lost=data.get("booth_lost"))
    return before != after


# --------------------------------------------------------------------------- time proposals


def open_time_proposals(meetings, now=None):
    """{meeting id: its time proposal waiting for an answer} of `meetings`."""
    ids = [m.id for m in meetings]
    if not ids:
        return {}
    now = now or _now()
    proposals = db.session.scalars(
        select(MeetingTimeProposal).where(
            MeetingTimeProposal.meeting_id.in_(ids), MeetingTimeProposal.status == "open"
        )
    ).all()
    return {p.meeting_id: p for p in proposals if p.is_open(now) and not p.slot.retired}


def _open_proposals_of(meeting):
    return db.session.scalars(
        select(MeetingTimeProposal).where(
            MeetingTimeProposal.meeting_id == meeting.id, MeetingTimeProposal.status == "open"
        )
    ).all()


def _settle(proposal, status, user=None):
    proposal.status = status
    proposal.answered_at = utcnow()
    proposal.answered_by_id = getattr(user, "id", None)


def _close_proposal(proposal, status, why, user=None):
    _settle(proposal, status, user)
    audit.record(
        "meeting_time_proposal.closed",
        proposal,
        event=proposal.meeting.event,
        data={"meeting": proposal.meeting_id, "slot": proposal.slot.code, "why": why},
    )


def _close_time_proposals(meeting, why):
    """Close what was proposed for a meeting that is cancelled or moved by the organizer:
    it was an answer to a time the meeting no longer has."""
    for proposal in _open_proposals_of(meeting):
        _close_proposal(proposal, "closed", why)
    db.session.flush()


def _check_still_to_come(meeting, now):
    if meeting.status == "cancelled":
        # Called off while the page offering other times was open: "only scheduled
        # meetings can be moved" did not say that it had been.
        raise MeetingError(_("This meeting was cancelled."))
    if meeting.status != "scheduled":
        raise MeetingError(_("Only scheduled meetings can be moved."))
    if meeting.starts_at <= now:
        raise MeetingError(_("This meeting has already started; its time can no longer change."))


def propose_time(meeting, slot, profile, user, message=""):
    """`profile`, one side of a scheduled meeting still to come, proposes to move it to
    `slot`, one of the slots where both sides are free and a place is left (as
    `common_free_slots` decides). The meeting keeps its time until the other side
    accepts; that side is mailed.

    A proposal waiting for an answer, of either side, is replaced: a counter-proposal
    is the natural answer to a time that does not suit, and the two could never both
    be accepted. Respects the booking window like booking does."""
    request = meeting.request
    side = request.side_of(profile)
    if side is None:
        raise MeetingError(_("Only the two sides of a meeting can propose another time."))
    event = meeting.event
    if slot.event_id != event.id or slot.retired:
        raise MeetingError(_("Unknown time slot."))
    _check_window(event, user)
    # The form's limit is not enough: the view goes on with what was posted.
    message = (message or "").strip()[:500]
    _lock_request(request)
    _fresh(meeting)
    now = _now()
    _check_still_to_come(meeting, now)
    if slot.id == meeting.slot_id:
        raise MeetingError(_("The meeting is already at this time."))
    if slot.starts_at <= now:
        raise MeetingError(
            _("This time slot has already started. Choose a slot that is still to come.")
        )
    if slot.id not in {s.id for s in common_free_slots(request, now)}:
        raise MeetingError(
            _(
                "This time slot is not free for both sides. "
                "Choose one of your common free time slots."
            )
        )
    replaced = _open_proposals_of(meeting)
    for old in replaced:
        _close_proposal(old, "replaced", "replaced", user)
    db.session.flush()  # only one open proposal per meeting: the old one closes first
    proposal = MeetingTimeProposal(
        event_id=event.id,
        meeting=meeting,
        slot=slot,
        proposer_side=side,
        proposed_by_id=user.id,
        message=message,
        status="open",
    )
    db.session.add(proposal)
    db.session.flush()
    audit.record(
        "meeting_time_proposal.made",
        proposal,
        event=event,
        data={
            "meeting": meeting.id,
            "from": meeting.slot.code,
            "to": slot.code,
            "side": side,
            "replaces": [old.id for old in replaced],
        },
    )
    _notify(
        proposal.receiver,
        "meeting_time_proposed",
        lambda: _("%(name)s proposes another time for your meeting", name=profile.name),
        "time_proposed",
        proposal=proposal,
        meeting=meeting,
        partner=profile,
        event=event,
        link=_agenda_link(event),
    )
    return proposal


def _answering_side(proposal, profile):
    side = proposal.meeting.request.side_of(profile)
    if side is None or side == proposal.proposer_side:
        raise MeetingError(_("Only the other side of the meeting answers this proposal."))
    return side


def _tell_proposer(proposal, answered_by):
    """Mail the proposing side that its time was declined, or taken meanwhile."""
    meeting = proposal.meeting
    declined = proposal.status == "declined"
    _notify(
        proposal.proposer,
        "meeting_time_declined" if declined else "meeting_time_taken",
        lambda: (
            _("%(name)s declined the time you proposed", name=answered_by.name)
            if declined
            else _("The time you proposed to %(name)s was taken", name=answered_by.name)
        ),
        "time_proposal_closed",
        proposal=proposal,
        meeting=meeting,
        partner=answered_by,
        event=meeting.event,
        link=_agenda_link(meeting.event),
    )


def _check_proposal_open(proposal, by_proposer):
    """Refuse a proposal answered or closed meanwhile, saying what became of it: the
    page it was answered from was opened before. "No longer open" alone left the
    reader to guess whether the meeting had moved. `by_proposer`: the proposing side
    acts (it withdraws), else the other side (it answers)."""
    if proposal.status == "accepted":
        raise MeetingError(_("This proposal is already accepted."))
    if proposal.status == "open":
        return
    if proposal.meeting.status == "cancelled":
        raise MeetingError(_("This proposal is no longer open: the meeting was cancelled."))
    if proposal.status == "withdrawn" and not by_proposer:
        raise MeetingError(
            _(
                "This proposal is no longer open: %(name)s withdrew it. The meeting stays "
                "at its time.",
                name=proposal.proposer.name,
            )
        )
    if proposal.status == "declined" and by_proposer:
        raise MeetingError(
            _(
                "This proposal is no longer open: %(name)s declined it. The meeting stays "
                "at its time.",
                name=proposal.receiver.name,
            )
        )
    if proposal.status == "replaced":
        raise MeetingError(_("This proposal is no longer open: a newer one replaced it."))
    raise MeetingError(_("This proposal is no longer open."))


def _lock_open_proposal(proposal, user, lapsed, by_proposer=False):
    """Lock the pair's rows (the lock booking and moving take), re-read the meeting
    and the proposal, and refuse a proposal answered meanwhile, so that of two answers
    at once the second finds it no longer open, and what became of it (see
    _check_proposal_open; `by_proposer`: the proposing side withdraws). One that
    lapsed (its time or its meeting started, or attendance is recorded) is closed,
    and ProposalClosed raised with `lapsed(now)`'s message: the caller commits, so
    that it stays closed."""
    meeting = proposal.meeting
    _lock_request(meeting.request)
    # Attendance recorded meanwhile (an early check-in scan) holds the meeting's row:
    # waiting for it, the proposal finds the meeting no longer to be moved.
    _lock_meeting(meeting)
    _fresh(proposal)
    _check_proposal_open(proposal, by_proposer)
    now = _now()
    if not proposal.is_open(now):
        started = meeting.status == "scheduled"
        _close_proposal(proposal, "closed", "started" if started else meeting.status, user)
        raise ProposalClosed(lapsed(now))


def _audit_settle(action, proposal, user, side):
    """Settle an open proposal as the status `action` names (".declined": "declined"),
    under the pair's lock that accepting takes too, so that of two answers at once the
    second finds it no longer open; with its audit entry. `side`: who acted."""
    meeting = proposal.meeting
    # Lapsed: nothing to decline or withdraw any more, and nobody to mail about it.
    _lock_open_proposal(
        proposal,
        user,
        lambda now: _("This proposal is no longer open."),
        by_proposer=side == proposal.proposer_side,
    )
    _settle(proposal, action.rsplit(".", 1)[1], user)
    audit.record(
        action,
        proposal,
        event=meeting.event,
        data={"meeting": meeting.id, "slot": proposal.slot.code, "side": side},
    )


def accept_time_proposal(proposal, profile, user):
    """The other side accepts: the meeting moves to the proposed slot, as an organizer's
    move does (new seats, `sequence` raised, reminder again, both sides told).

    Takes the locks of booking and moving (the pair's rows), and the seats' UNIQUE
    constraints decide the tables, so neither two acceptances nor an acceptance and a
    booking can place two meetings on one person or table. When the slot is no longer
    free for both or no place is left, or it has started, the proposal closes and
    ProposalClosed says so: the caller commits, and the meeting stays where it was."""
    meeting = proposal.meeting
    request = meeting.request
    answering = _answering_side(proposal, profile)
    _check_window(meeting.event, user)

    def lapsed(now):
        if meeting.status != "scheduled":  # its attendance is recorded
            return _("Only scheduled meetings can be moved.")
        if meeting.starts_at > now:
            return _("That time has already started. The meeting stays at its time.")
        return _("This meeting has already started; its time can no longer change.")

    _lock_open_proposal(proposal, user, lapsed)
    slot = proposal.slot
    try:
        # A slot the organizer's settings removed meanwhile is gone like a taken one.
        if slot.retired or unavailable_in(slot, request.startup, request.firm):
            raise SlotTaken(_("This time slot has just been taken. Please choose another one."))
        # In a savepoint: when the slot is taken, the meeting keeps its seats.
        with db.session.begin_nested():
            _relocate(
                meeting, slot, via="booking", data={"proposal": proposal.id}, proposal=proposal
            )
    except SlotTaken:
        _fresh(meeting)
        _close_proposal(proposal, "taken", "taken", user)
        _tell_proposer(proposal, profile)
        raise ProposalClosed(
            _(
                "That time was taken meanwhile. The meeting stays at its time; "
                "you can propose another one."
            )
        ) from None
    _settle(proposal, "accepted", user)
    audit.record(
        "meeting_time_proposal.accepted",
        proposal,
        event=meeting.event,
        data={"meeting": meeting.id, "slot": slot.code, "side": answering},
    )
    return meeting


def decline_time_proposal(proposal, profile, user):
    """The other side declines: the meeting stays at its time; the proposer is told."""
    answering = _answering_side(proposal, profile)
    _audit_settle("meeting_time_proposal.declined", proposal, user, answering)
    _tell_proposer(proposal, profile)
    return proposal


def withdraw_time_proposal(proposal, profile, user):
    """The proposing side takes its proposal back while it waits for an answer: the
    meeting stays at its time and the other side is told, so that it does not go on
    planning around a time that is off the table.

    Takes the lock of answering, so a withdrawal and an acceptance at once give one
    outcome: whichever comes second finds the proposal no longer open."""
    meeting = proposal.meeting
    side = meeting.request.side_of(profile)
    if side is None or side != proposal.proposer_side:
        raise MeetingError(_("Only the side that proposed this time can withdraw it."))
    _audit_settle("meeting_time_proposal.withdrawn", proposal, user, side)
    _notify(
        proposal.receiver,
        "meeting_time_withdrawn",
        lambda: _("%(name)s withdrew the time it proposed", name=proposal.proposer.name),
        "time_proposal_withdrawn",
        proposal=proposal,
        meeting=meeting,
        partner=profile,
        event=meeting.event,
        link=_agenda_link(meeting.event),
    )
    return proposal


def mark_attendance(meeting, status, user, *, now=None, profile=None, no_show_side=None):
    """Record that a meeting took place ("attended") or did not ("no_show").

    Participants (`profile`: the side they act for) and check-in scans (`user` None)
    record it once the meeting has started, and what they record stands: only an
    organizer changes it again or sets it back to "scheduled", so that one side cannot
    quietly undo the other side's no-show. `no_show_side` (a key of NO_SHOW_SIDES) says
    who stayed away: an organizer or the check-in (`user` None, which knows from the
    meeting-zone scans) names it, a participant reporting a no-show means the other side.
    """
    from eventapp.core.permissions import is_organizer

    if status not in ("attended", "no_show", "scheduled"):
        raise MeetingError(_("Unknown meeting status."))
    # Both sides may record at the same moment: decide on the committed status, or the
    # second word would silently replace the first. Only the meeting's row is locked, as
    # the check-in scan (which holds it already) does.
    db.session.execute(select(Meeting.id).where(Meeting.id == meeting.id).with_for_update())
    _fresh(meeting)
    if meeting.status == "cancelled":
        raise MeetingError(_("This meeting was cancelled."))
    organizer = user is not None and is_organizer(user, meeting.event)
    if not organizer:
        if meeting.status == status:
            return meeting  # already recorded, e.g. by the other side: the first word stands
        if status == "scheduled" or meeting.status != "scheduled":
            raise MeetingError(_("Attendance is already recorded. Ask the organizer to change it."))
        if meeting.starts_at > (now or _now()):
            raise MeetingError(_("Attendance can be recorded once the meeting has started."))
    side = None
    if status == "no_show":
        own_side = meeting.request.side_of(profile)
        # Without a user the check-in names the side; only it can tell "both" apart.
        if (organizer or user is None) and no_show_side in NO_SHOW_SIDES:
            side = no_show_side
        elif own_side is not None:
            side = "firm" if own_side == "startup" else "startup"
        elif meeting.status == "no_show":
            side = meeting.no_show_side  # a plain "no-show" again keeps who it was
    if (meeting.status, meeting.no_show_side) != (status, side):
        previous = meeting.status
        meeting.status = status
        meeting.no_show_side = side
        audit.record(
            "meeting.attendance",
            meeting,
            event=meeting.event,
            data={"from": previous, "to": status, "no_show_side": side},
        )
    return meeting


class NotesConflict(StaleForm):
    """The side's notes changed since the form was loaded (see `notes_version`)."""


def notes_of(meeting, side):
    """The follow-up notes `side` keeps on `meeting`, shared by the company's colleagues."""
    if side not in SIDES:
        return ""
    return getattr(meeting, f"{side}_notes") or ""


def notes_version(meeting, side):
    return fingerprint(notes_of(meeting, side))


def save_notes(meeting, profile, notes, seen_version=None):
    """`seen_version`: the `notes_version` the form was loaded with. The notes are the
    company's, not one person's: a colleague's notes saved since are not overwritten
    (NotesConflict), unless the form holds them already (sent twice)."""
    side = meeting.request.side_of(profile)
    if side is None:
        raise MeetingError(_("Only the participants can write follow-up notes."))
    notes = (notes or "").strip()[:5000]
    if seen_version:
        _lock_meeting(meeting)
        if seen_version != notes_version(meeting, side):
            if notes == notes_of(meeting, side):
                return meeting
            raise NotesConflict(
                _(
                    "These notes were changed since you opened the page (by a colleague, "
                    "or by you in another tab), so yours were not saved. Your text is kept "
                    "in the form; the notes as saved now are shown above it."
                )
            )
    if notes == notes_of(meeting, side):
        return meeting
    setattr(meeting, f"{side}_notes", notes)
    audit.record("meeting.notes", meeting, event=meeting.event, data={"side": side})
    return meeting


def send_reminders(event, *, now=None, hours=24):
    """Remind both sides of every scheduled meeting starting within `hours`, once.

    The guarded UPDATE claims each meeting, so several workers never remind twice.
    Returns the number of meetings reminded; the caller commits.
    """
    now = now or _now()
    due = db.session.scalars(
        select(Meeting)
        .join(MeetingSlot, MeetingSlot.id == Meeting.slot_id)
        .where(Meeting.event_id == event.id, Meeting.status == "scheduled")
        .where(Meeting.reminded_at.is_(None))
        .where(MeetingSlot.starts_at > now, MeetingSlot.starts_at <= now + timedelta(hours=hours))
        .order_by(MeetingSlot.starts_at, Meeting.id)
    ).all()
    count = 0
    for meeting in due:
        # Only as read: a move or cancellation committed since (raising `sequence`)
        # leaves it to the next round, which reminds of the new time, if any.
        claimed = db.session.execute(
            update(Meeting)
            .where(
                Meeting.id == meeting.id,
                Meeting.reminded_at.is_(None),
                Meeting.sequence == meeting.sequence,
            )
            .values(reminded_at=now)
            .execution_options(synchronize_session=False)
        )
        if not claimed.rowcount:
            continue
        count += 1
        request = meeting.request
        for profile in (request.startup, request.firm):
            _notify(
                profile,
                "meeting_reminder",
                lambda partner=request.other(profile): _(
                    "Reminder: your meeting with %(name)s", name=partner.name
                ),
                "meeting_reminder",
                meeting=meeting,
                partner=request.other(profile),
                event=event,
                link=_agenda_link(event),
            )
    if count:
        audit.record(
            "meeting.reminders_sent",
            None,
            event=event,
            object_type="Event",
            object_id=event.id,
            data={"count": count},
        )
    return count


# --------------------------------------------------------------------------- settings


def parse_breaks(text):
    """ "12:00-13:00, 15:00-15:15" -> [["12:00", "13:00"], ["15:00", "15:15"]]."""
    breaks = []
    for part in (text or "").replace(";", ",").replace("\n", ",").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            start, end = (p.strip() for p in part.replace("–", "-").split("-"))
            start_t = datetime.strptime(start, "%H:%M").time()
            end_t = datetime.strptime(end, "%H:%M").time()
        except ValueError as error:
            raise MeetingError(_("Breaks look like 12:00-13:00, separated by commas.")) from error
        if end_t <= start_t:
            raise MeetingError(_("A break must end after it starts."))
        breaks.append([start_t.strftime("%H:%M"), end_t.strftime("%H:%M")])
    return sorted(breaks)


def format_breaks(breaks):
    return ", ".join(f"{a}-{b}" for a, b in breaks or ())


def planned_slots(event, settings):
    """(code, starts_at, ends_at) of every slot the settings describe, in time order."""
    from datetime import time as clock

    result = []
    step = timedelta(minutes=settings.slot_minutes)
    breaks = [(clock.fromisoformat(a), clock.fromisoformat(b)) for a, b in (settings.breaks or ())]
    days = sorted(date.fromisoformat(d) for d in settings.meeting_days or ())
    all_days = event.days
    for day in days:
        number = all_days.index(day) + 1 if day in all_days else (day - event.starts_on).days + 1
        start = event.local_datetime(day, settings.day_starts_at)
        end_of_day = event.local_datetime(day, settings.day_ends_at)
        while start + step <= end_of_day:
            finish = start + step
            clash = next(
                (
                    (a, b)
                    for a, b in breaks
                    if start < event.local_datetime(day, b)
                    and event.local_datetime(day, a) < finish
                ),
                None,
            )
            if clash is not None:
                start = max(start, event.local_datetime(day, clash[1]))
                continue
            code = f"D{number}-{start:%H%M}"
            result.append((code, start.astimezone(UTC), finish.astimezone(UTC)))
            start = finish
    return result


def save_settings(event, user, **fields):
    """Store the organizer's settings and bring slots and tables in line with them.

    Slots that no longer fit are removed unless an active meeting uses them (then the
    whole change is refused). Tables beyond the new count are switched off, not deleted,
    unless a meeting still to come sits at one (refused likewise).
    """
    # The event's days and time zone as stored, under the lock a change of them takes
    # (update_event): one saved at the same moment either comes first, and the days
    # are checked against it here, or waits and checks the days saved here.
    event = lock_event(event)
    settings = ensure_settings(event)
    for key, value in fields.items():
        if not hasattr(MeetingSettings, key) or key in ("event_id", "updated_at"):
            raise ValueError(f"unknown setting {key!r}")
        setattr(settings, key, value)
    if "meeting_days" in fields:
        fair_days = {day.isoformat() for day in event.days}
        stray = sorted(set(settings.meeting_days or ()) - fair_days)
        if stray:
            raise MeetingError(_("Not a fair day: %(days)s", days=", ".join(stray)))
    if settings.slot_minutes < 5 or settings.slot_minutes > 240:
        raise MeetingError(_("Slots last between 5 and 240 minutes."))
    if settings.day_ends_at <= settings.day_starts_at:
        raise MeetingError(_("The meeting day must end after it starts."))
    if (
        settings.booking_opens_at
        and settings.booking_closes_at
        and settings.booking_closes_at <= settings.booking_opens_at
    ):
        raise MeetingError(_("Booking must close after it opens."))
    if reaches_past_the_fair(event, (settings.booking_opens_at,), settings.booking_closes_at):
        raise MeetingError(
            _(
                "Booking must close by the end of the fair's last day, %(day)s.",
                day=event.ends_on.isoformat(),
            )
        )
    # A booking at the same moment could otherwise take a slot or a table that this
    # change removes, after the checks below found them free of meetings.
    _lock_event_profiles(event)
    db.session.flush()
    slot_changes = sync_slots(event, settings)
    table_changes = sync_tables(event, settings)
    audit.record(
        "meeting_settings.saved",
        settings,
        event=event,
        object_type="MeetingSettings",
        object_id=event.id,
        data={"slots": slot_changes, "tables": table_changes},
    )
    return settings, slot_changes, table_changes


def sync_slots(event, settings):
    """Bring the event's slots in line with `settings`.

    A slot that no longer fits is refused while it holds an active meeting. Otherwise
    it is deleted, or retired when cancelled meetings or time proposals point to it:
    they are history (their time, and the calendar UID/sequence that told people's
    calendars about the cancellation; what was proposed and answered); its open
    proposals close. A retired slot gives up its code, and comes back if the settings
    describe its period again. Who marked a removed slot as unavailable is marked
    unavailable in the new slots that overlap it.
    """
    wanted = {(start, end): code for code, start, end in planned_slots(event, settings)}
    existing = {(s.starts_at, s.ends_at): s for s in slots_of(event, include_retired=True)}
    removed = [slot for key, slot in existing.items() if key not in wanted and not slot.retired]
    removed_by_id = {slot.id: slot for slot in removed}
    meetings_there = (
        db.session.execute(
            select(Meeting.slot_id, Meeting.status).where(Meeting.slot_id.in_(list(removed_by_id)))
        ).all()
        if removed
        else []
    )
    in_use = {
        removed_by_id[slot_id].code
        for slot_id, status in meetings_there
        if status in ACTIVE_MEETING_STATUSES
    }
    if in_use:
        raise MeetingError(
            _(
                "These slots hold meetings and cannot be removed: %(codes)s. "
                "Move or cancel those meetings first.",
                codes=", ".join(sorted(in_use)),
            )
        )
    # Who marked a removed slot as unavailable is still away in that period: the new
    # slots that overlap it are marked for them below (a deleted slot takes its rows
    # along, and a new slot length or break would otherwise make them available).
    away = (
        db.session.execute(
            select(Unavailability.profile_id, MeetingSlot.starts_at, MeetingSlot.ends_at)
            .join(MeetingSlot, MeetingSlot.id == Unavailability.slot_id)
            .where(Unavailability.slot_id.in_(list(removed_by_id)))
        ).all()
        if removed
        else []
    )
    if removed:
        with_history = {slot_id for slot_id, _status in meetings_there}
        # Time proposals are history too: deleting their slot would delete them along
        # with it.
        with_history |= set(
            db.session.scalars(
                select(MeetingTimeProposal.slot_id).where(
                    MeetingTimeProposal.slot_id.in_(list(removed_by_id))
                )
            )
        )
        # A proposal of a retired slot closes now: left open, it would be acceptable
        # again once the settings bring the slot back, a time nobody offered since.
        # Closed before the slot gives up its code, which the log entry names.
        for proposal in db.session.scalars(
            select(MeetingTimeProposal).where(
                MeetingTimeProposal.slot_id.in_(with_history),
                MeetingTimeProposal.status == "open",
            )
        ):
            _close_proposal(proposal, "closed", "slot_removed")
        for slot in removed:
            if slot.id in with_history:
                slot.retired = True
                slot.code = f"~{slot.id}"  # frees the code for a new slot of that name
            else:
                db.session.delete(slot)
        db.session.flush()
    # A kept slot may take over the code of another kept one (the day numbers shift when
    # the event gains an earlier day); codes are unique, so free every changing one first.
    recoded = {
        slot: code
        for key, code in wanted.items()
        if (slot := existing.get(key)) is not None and slot.code != code
    }
    if recoded:
        for slot in recoded:
            slot.code = f"~{slot.id}"
        db.session.flush()
    fresh = []  # slots new or back in the grid
    for key, code in sorted(wanted.items()):
        slot = existing.get(key)
        if slot is None:
            slot = MeetingSlot(event_id=event.id, code=code, starts_at=key[0], ends_at=key[1])
            db.session.add(slot)
            fresh.append(slot)
            continue
        if slot.retired:
            slot.retired = False
            fresh.append(slot)
        if slot.code != code:
            slot.code = code
    db.session.flush()
    if away and fresh:
        marked = set(
            db.session.execute(
                select(Unavailability.profile_id, Unavailability.slot_id).where(
                    Unavailability.slot_id.in_([slot.id for slot in fresh])
                )
            ).all()
        )
        for slot in fresh:
            for profile_id, starts_at, ends_at in away:
                overlaps = starts_at < slot.ends_at and slot.starts_at < ends_at
                if overlaps and (profile_id, slot.id) not in marked:
                    db.session.add(Unavailability(profile_id=profile_id, slot_id=slot.id))
                    marked.add((profile_id, slot.id))
        db.session.flush()
    return {"added": len(fresh), "removed": len(removed), "total": len(wanted)}


def sync_tables(event, settings):
    """Bring the event's tables in line with `settings.table_count`.

    A table beyond the count is switched off, not deleted: meetings held there keep it.
    Refused while a scheduled meeting that has not ended sits at such a table, as its
    people would be sent to a table that is gone.
    """
    count = max(0, int(settings.table_count or 0))
    tables = {t.code: t for t in tables_of(event, active_only=False)}
    wanted = {f"T{n:02d}" for n in range(1, count + 1)}
    removed = [t.id for code, t in tables.items() if code not in wanted and t.active]
    stranded = (
        db.session.scalars(
            select(Meeting)
            .join(MeetingSlot, MeetingSlot.id == Meeting.slot_id)
            .join(MeetingTable, MeetingTable.id == Meeting.table_id)
            .where(
                Meeting.table_id.in_(removed),
                Meeting.status == "scheduled",
                MeetingSlot.ends_at > _now(),
            )
            .order_by(MeetingSlot.starts_at, *table_order())
        ).all()
        if removed
        else []
    )
    if stranded:
        listed = ", ".join(
            f"{m.table.code} {m.slot.code} {m.request.startup.name} – {m.request.firm.name}"
            for m in stranded
        )
        raise MeetingError(
            _(
                "These tables hold meetings still to come and cannot be removed: "
                "%(meetings)s. Move or cancel those meetings first.",
                meetings=listed,
            )
        )
    added = switched_off = 0
    place = (settings.table_label or "", settings.table_label_en or "")
    moved = []
    for number in range(1, count + 1):
        code = f"T{number:02d}"
        table = tables.get(code)
        if table is None:
            table = MeetingTable(event_id=event.id, code=code)
            db.session.add(table)
            added += 1
        elif [(text or "").split() for text in (table.label, table.label_en)] != [
            text.split() for text in place
        ]:
            # Spaces typed or taken out are no new place to mail everybody about.
            moved.append(table.id)
        table.active = True
        table.label, table.label_en = place
    for code, table in tables.items():
        if code not in wanted and table.active:
            table.active = False
            switched_off += 1
    db.session.flush()
    told = _tell_tables_moved(moved)
    return {"added": added, "switched_off": switched_off, "total": count, "meetings_told": told}


def _tell_tables_moved(table_ids):
    """The tables' zone was renamed (the tables went to another hall): meetings still to
    come there keep their seats, but their place is new. Returns the number told."""
    if not table_ids:
        return 0
    return _tell_new_place(Meeting.table_id.in_(table_ids), "tables")


def tell_venue_moved(event):
    """The event's venue changed: every meeting's place names it (after the table or
    the booth), so each meeting still to come is told. Returns the number told."""
    # As for the tables' new zone (save_settings): a move at the same moment raises the
    # same sequence, and one of the two updates would not replace the other.
    _lock_event_profiles(event)
    return _tell_new_place(Meeting.event_id == event.id, "venue")


def _tell_new_place(where, new_place):
    """Meetings still to come matching `where` kept their time and seats, but the place
    their invitations name is new ("tables": the tables' zone, "venue": the event's
    venue). Calendars hold the old place until they get an update, so each meeting's
    sequence is raised and both sides are told, as for a move. Returns the number of
    meetings."""
    meetings = db.session.scalars(
        select(Meeting)
        .join(MeetingSlot, MeetingSlot.id == Meeting.slot_id)
        .where(where, Meeting.status == "scheduled", MeetingSlot.starts_at > _now())
        .order_by(MeetingSlot.starts_at, Meeting.id)
        # Read afresh after the locks: a move committed meanwhile raised the sequence.
        .execution_options(populate_existing=True)
    ).all()
    for meeting in meetings:
        meeting.sequence += 1
    db.session.flush()
    for meeting in meetings:
        audit.record(
            "meeting.moved",
            meeting,
            event=meeting.event,
            data={"new_place": new_place, "sequence": meeting.sequence},
        )
        signals.meeting_moved.send(meeting, new_place=new_place)
    return len(meetings)


def _event_booth(event, profile, code, batch=()):
    """`code` as the floor plan spells it, or MeetingError. The organizer may send a firm
    to a booth that is not its own (a stand lent for the meetup), but partners walk to
    the code: a typo, or a booth another company was given, sends them astray. Firms
    of `batch` are judged afterwards (_stand_lent_to)."""
    # The caller holds the booth (_hold_booths): a placement at this moment waits.
    booth = db.session.scalar(
        select(Booth).where(Booth.event_id == event.id, func.upper(Booth.code) == code.upper())
    )
    if booth is None:
        raise MeetingError(
            _("Booth code %(code)s: the event has no booth with this code.", code=code)
        )
    if booth.blocked:
        raise MeetingError(
            _("Booth code %(code)s: booth %(booth)s is blocked.", code=code, booth=booth.code)
        )
    allocation = booth.allocation
    # Holds do not count, as in own_booth_codes: a hold may lapse.
    if (
        allocation is not None
        and allocation.state in ("placed", "confirmed")
        and allocation.exhibitor.organization_id != profile.organization_id
    ):
        raise MeetingError(
            _(
                "Booth code %(code)s: booth %(booth)s is given to %(name)s.",
                code=code,
                booth=booth.code,
                name=allocation.exhibitor.organization.name,
            )
        )
    receives_here = (
        profile.receives_at_booth
        and profile.booth_code is not None
        and _booth_key(profile.booth_code) == _booth_key(booth.code)
    )
    # A firm that receives at the stand already adds no company to it: saved again, it
    # goes through even when the stand was lent to another company's firm as well
    # (before lending it twice was refused).
    if not receives_here and (
        allocation is None or allocation.state not in ("placed", "confirmed")
    ):
        lent = _stand_lent_to(profile, _booth_key(booth.code), batch)
        if lent is not None:
            raise _lent_elsewhere(profile, booth.code, lent)
    return booth.code


def _booth_holders(event_id, keys):
    """{booth key: the organization it is placed or confirmed for, or None when free}
    of the event's booths among `keys` (_booth_key); a booth not on the plan is
    missing."""
    return {
        _booth_key(code): organization_id
        for code, organization_id in db.session.execute(
            select(Booth.code, Exhibitor.organization_id)
            .outerjoin(
                BoothAllocation,
                (BoothAllocation.booth_id == Booth.id)
                & BoothAllocation.state.in_(("placed", "confirmed")),
            )
            .outerjoin(Exhibitor, Exhibitor.id == BoothAllocation.exhibitor_id)
            .where(Booth.event_id == event_id, func.upper(Booth.code).in_(keys))
        )
    }


def _booth_key(code):
    """A booth code as the floor plan matches it, whatever its case: a plan imported
    again may spell a booth "b-03" that a firm's profile and meetings call B-03."""
    return code.upper()


def follow_booths(exhibitor, before):
    """After the company's booths changed (moved, swapped, taken away, confirmed, or
    it stopped exhibiting), in the same transaction: when its firm received its
    meetings at one of the booths it held, `before`, and no longer holds that one,
    partners would walk to a booth that is empty or somebody else's. The firm now
    receives at its first booth, or at the shared tables when it has none; its
    meetings still to come at the lost booth move there (same time, both sides told,
    calendars updated). A firm of another company that received at a booth the
    company now holds (a free stand the organizers lent it) leaves it the same way.
    Returns the meetings left where they were, because no table was free in their
    slot: the organizers' meetup page lists them (astray_meetings)."""
    event = exhibitor.event
    before = {_booth_key(code) for code in before}
    held = own_booth_codes(event, exhibitor.organization)
    held_keys = {_booth_key(code) for code in held}

    def own_lost(profile):
        lost = profile.location
        if lost is None or _booth_key(lost) not in before or _booth_key(lost) in held_keys:
            return None
        return lost

    def lent_lost(profile):
        lost = profile.location
        return lost if lost is not None and _booth_key(lost) in held_keys else None

    leaving = []
    profile = profile_of(event, exhibitor.organization)
    # Meetings booked at a booth the company lost move too when the firm no longer
    # receives there (it paused, or took another booth since): partners would walk
    # to a booth that is no longer the company's.
    gone = before - held_keys
    if profile is not None and (
        own_lost(profile) is not None or _meetings_at(profile, gone, ids_only=True)
    ):
        leaving.append((profile, own_lost, held, gone))
    for firm in _firms_receiving_at(event, held_keys):
        if firm.organization_id != exhibitor.organization_id:
            leaving.append((firm, lent_lost, None, frozenset()))
    return _leave_booths(event, leaving)


def follow_removed_booths(event, codes):
    """Booths `codes` are gone (a floor plan imported again without them) or blocked:
    a firm that received at one (a free stand lent to it; allocated booths are kept
    or cannot be blocked) leaves it as in follow_booths, in the caller's transaction.
    Returns the meetings left there."""
    keys = {_booth_key(code) for code in codes}

    def gone(profile):
        lost = profile.location
        return lost if lost is not None and _booth_key(lost) in keys else None

    firms = _firms_receiving_at(event, keys)
    return _leave_booths(event, [(firm, gone, None, frozenset()) for firm in firms])


def _firms_receiving_at(event, keys):
    if not keys:
        return []
    return db.session.scalars(
        select(MeetingProfile).where(
            MeetingProfile.event_id == event.id,
            MeetingProfile.side == "firm",
            MeetingProfile.receives_at_booth.is_(True),
            func.upper(MeetingProfile.booth_code).in_(keys),
        )
    ).all()


def _leave_booths(event, leaving):
    """Each (firm, lost_of, booths it keeps or None to read them, booth keys gone) of
    `leaving` leaves the booth lost_of(firm) names, judged again under the locks, and
    its meetings at that booth or at one gone move (_leave_booth)."""
    if not leaving:
        return []
    # Every participant, in the order bookings lock their pairs: the firms' rows and
    # those of their partners are written below, and a booking at the booth meanwhile
    # either waits and finds the firm gone from it, or is seen and moved.
    # A firm sent back to its company's booths reads them under a share lock of the
    # registration, as when it names its booth: a move of that company meanwhile is
    # waited for and then seen, instead of sending the firm to a booth it is losing
    # (or to the tables when the move gives it one). Before the profiles, in a move's
    # order.
    _hold_registrations(
        event.id, {firm.organization_id for firm, _lost_of, keep, _gone in leaving if keep is None}
    )
    _lock_event_profiles(event)
    left = []
    for firm, lost_of, keep, gone in leaving:
        _fresh(firm)
        lost = lost_of(firm)
        if lost is None and not gone:
            continue
        if keep is None:
            keep = own_booth_codes(event, firm.organization)
        left += _leave_booth(firm, lost, keep, gone)
    return left


def _meetings_at(profile, keys, ids_only=False):
    """The firm's scheduled meetings still to come at the booths `keys` (_booth_key)."""
    if not keys:
        return []
    return db.session.scalars(
        select(Meeting.id if ids_only else Meeting)
        .join(MeetingSlot, MeetingSlot.id == Meeting.slot_id)
        .join(MeetingRequest, MeetingRequest.id == Meeting.request_id)
        .where(
            Meeting.event_id == profile.event_id,
            Meeting.status == "scheduled",
            Meeting.table_id.is_(None),
            func.upper(Meeting.booth_code).in_(sorted(keys)),
            MeetingRequest.firm_id == profile.id,
            MeetingSlot.starts_at > _now(),
        )
        .order_by(MeetingSlot.starts_at, Meeting.id)
    ).all()


def _leave_booth(profile, lost, held, gone=frozenset()):
    """The firm no longer receives at booth `lost` (None: it did not receive at a
    booth it lost): at its first booth among `held`, else at the tables. Its meetings
    still to come at `lost` or at a booth in `gone` move to where it receives now.
    Returns those that found no free table."""
    event = profile.event
    keys = set(gone)
    if lost is not None:
        keys.add(_booth_key(lost))
        if held:
            profile.booth_code = held[0]
        else:
            # The lost code is forgotten: taken up again, it would send partners astray.
            profile.receives_at_booth, profile.booth_code = False, None
        audit.record(
            "meeting_profile.booth_reception",
            profile,
            event=event,
            data={"receives": profile.receives_at_booth, "booth": profile.location, "lost": lost},
        )
    left = []
    for meeting in _meetings_at(profile, keys):
        _lock_request(meeting.request)
        _fresh(meeting)
        if meeting.status != "scheduled" or _booth_key(meeting.booth_code or "") not in keys:
            continue
        try:
            with db.session.begin_nested():
                data = {"booth_lost": meeting.booth_code}
                _relocate(meeting, meeting.slot, via="organizer", data=data)
        except SlotTaken:
            _fresh(meeting)
            left.append(meeting)
    return left


def astray_meetings(event, now=None):
    """Scheduled meetings still to come at a booth where their firm no longer
    receives: one gone from the floor plan, one given to another company, or a free
    one the firm neither holds nor receives at. Partners would walk to it.

    Each meeting comes with its request and both sides in one query: the page lists
    a few, but reads every meeting at a booth, of every firm receiving at one."""
    request = joinedload(Meeting.request)
    meetings = db.session.scalars(
        select(Meeting)
        .join(MeetingSlot, MeetingSlot.id == Meeting.slot_id)
        .where(
            Meeting.event_id == event.id,
            Meeting.status == "scheduled",
            Meeting.table_id.is_(None),
            Meeting.booth_code.is_not(None),
            MeetingSlot.starts_at > (now or _now()),
        )
        .options(
            request.joinedload(MeetingRequest.firm), request.joinedload(MeetingRequest.startup)
        )
        .order_by(MeetingSlot.starts_at, Meeting.id)
    ).all()
    if not meetings:
        return []
    codes = {_booth_key(m.booth_code) for m in meetings}
    holders = _booth_holders(event.id, codes)
    astray = []
    for meeting in meetings:
        firm = meeting.request.firm
        code = _booth_key(meeting.booth_code)
        holder = holders.get(code, -1)  # -1: no such booth
        if holder == firm.organization_id:
            continue
        if holder is None and firm.location and _booth_key(firm.location) == code:
            continue  # a free stand the organizers lent the firm
        astray.append(meeting)
    return astray


def set_booth_reception(event, user, profile, receives, booth_code=None):
    """Organizer: let a firm receive its future meetings at its own booth (or not)."""
    return _set_booth_reception(event, user, profile, receives, booth_code)


def _set_booth_reception(event, user, profile, receives, booth_code, batch=(), taken=None):
    if profile.side != "firm":
        raise MeetingError(_("Only firms receive at their booth."))
    booth_code = (booth_code or "").strip() or None
    if booth_code is not None and len(booth_code) > BOOTH_CODE_LENGTH:
        raise MeetingError(
            _(
                "Booth code %(code)s is longer than %(max)s characters.",
                code=booth_code,
                max=BOOTH_CODE_LENGTH,
            )
        )
    if receives:
        # As when the firm names its booth: not one a move is taking away meanwhile,
        # nor a stand (named, or kept) a placement is giving away or another
        # organizer is lending to another firm.
        _hold_registration(profile)
        _hold_booths(event.id, [booth_code or profile.booth_code], exclusive=True)
    if receives and booth_code:
        booth_code = _event_booth(event, profile, booth_code, batch)
    if receives and not booth_code:
        lost = _kept_stand_lost(profile, batch, taken)
        booth_code = (None if lost else profile.booth_code) or booth_code_of(
            event, profile.organization
        )
        if not booth_code and lost:
            # "No booth" alone hid that the stand it was lent, and kept, is taken.
            # A firm receiving there now is not taking the stand up "again".
            cannot = (
                _(
                    "%(name)s has no booth of its own and cannot go on receiving at stand "
                    "%(code)s, which it was lent.",
                    name=profile.name,
                    code=profile.booth_code,
                )
                if profile.receives_at_booth
                else _(
                    "%(name)s has no booth of its own and cannot receive again "
                    "at stand %(code)s, which it was lent.",
                    name=profile.name,
                    code=profile.booth_code,
                )
            )
            raise MeetingError(
                " ".join(
                    (
                        cannot,
                        lost,
                        _("Give another booth code."),
                    )
                )
            )
        if not booth_code:
            raise MeetingError(_("%(name)s has no booth; give a booth code.", name=profile.name))
    before = (profile.receives_at_booth, profile.booth_code)
    profile.receives_at_booth = bool(receives)
    if receives:
        profile.booth_code = booth_code
    else:
        _forget_own_booth(profile)
    changed = (profile.receives_at_booth, profile.booth_code) != before
    if changed:
        audit.record(
            "meeting_profile.booth_reception",
            profile,
            event=event,
            data={"receives": bool(receives), "booth": profile.booth_code},
        )
    return changed


def set_booth_receptions(event, user, choices):
    """Organizer: set_booth_reception for each (firm, receives, booth code) of
    `choices`, in one transaction; returns how many changed. The rows each would
    lock are locked first, in the order of a move: every registration of the firms
    to receive at a booth, then every booth named or kept, then the profiles, firm
    by firm in id order. One firm's booth locked before the next firm's registration
    would wait on a placement of that firm's company that waits on the booth.

    The form is judged on the state it leaves, not row by row: stands swapped between
    two firms, or handed from one firm to another, are saved at once whatever the
    firms' ids. Two companies left on one free stand are refused by name, and nothing
    is saved (the caller rolls back).

    A firm whose code is left empty takes up the stand it keeps, unless another row
    names that stand: the organizer emptied the code to give the stand away, so the
    firm receives at its company's own booth, or is refused by name when it has none
    (rather than being refused for sharing the stand it was giving up)."""
    choices = sorted(choices, key=lambda choice: choice[0].id)
    receiving = [(profile, code) for profile, receives, code in choices if receives]
    _hold_registrations(event.id, {profile.organization_id for profile, _code in receiving})
    _hold_booths(
        event.id,
        [(code or "").strip() or profile.booth_code for profile, code in receiving],
        exclusive=True,
    )
    # Re-read as locked: a firm of the form lent a stand by another organizer meanwhile
    # must be seen at it, or the check below would miss it.
    batch = frozenset(profile.id for profile, _receives, _code in choices)
    _lock_profiles(*batch)
    before = {
        profile.id: _booth_key(profile.booth_code)
        for profile, _receives, _code in choices
        if profile.receives_at_booth and profile.booth_code
    }
    taken = {}
    for profile, receives, code in choices:
        if receives and (code or "").strip():
            taken.setdefault(_booth_key(code.strip()), profile)
    changed = sum(
        bool(_set_booth_reception(event, user, profile, receives, code, batch, taken))
        for profile, receives, code in choices
    )
    _check_stands_lent_once(event, [profile for profile, _receives, _code in choices], before)
    return changed


def _check_stands_lent_once(event, firms, before):
    """MeetingError when `firms` (saved together) put a firm at a free stand where a
    firm of another company receives. The firm newly there is named, and a firm that
    received there before the save, else the first by id, as the one it is lent to.
    `before`: {firm id: _booth_key it received at}.

    Firms of two companies that both received at the stand before the save (lent twice
    before that was refused) are left as they are: refusing the save would block every
    change of the form while both rows are in it."""
    db.session.flush()
    saved = {f.id for f in firms}
    keys = {_booth_key(f.booth_code) for f in firms if f.receives_at_booth and f.booth_code}
    holders = _booth_holders(event.id, keys) if keys else {}
    for key in sorted(k for k in keys if holders.get(k, -1) is None):
        at_stand = db.session.scalars(_firms_at_stand(event.id, key)).all()
        # Firms left out of the save kept their stand, so they were at it before too.
        new = [f for f in at_stand if f.id in saved and before.get(f.id) != key]
        lent = next((f for f in at_stand if f not in new), at_stand[0])
        other = next((f for f in new if f.organization_id != lent.organization_id), None)
        if other is not None:
            raise _lent_elsewhere(other, other.booth_code, lent)


def set_max_meetings(event, user, profile, max_meetings):
    """Organizer: the most meetings `profile` may have; None follows its side's cap
    in the settings. Meetings it has already stay (a lower cap only stops new ones).
    Returns its number of meetings."""
    if profile.event_id != event.id:
        raise MeetingError(_("This company does not take part in the meetup."))
    if max_meetings is not None and not 0 <= max_meetings <= MAX_MEETINGS_LIMIT:
        raise MeetingError(
            _("A cap is a number from 0 to %(limit)s, or empty.", limit=MAX_MEETINGS_LIMIT)
        )
    _lock_profiles(profile.id)
    previous = profile.max_meetings
    if previous != max_meetings:
        profile.max_meetings = max_meetings
        audit.record(
            "meeting_profile.cap",
            profile,
            event=event,
            user=user,
            data={"from": previous, "to": max_meetings},
        )
    return active_meeting_count(profile)
