"""Creating events and granting people their part in them."""

import hashlib
import re
from datetime import date, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from email_validator import EmailNotValidError, validate_email
from flask_babel import format_date
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from eventapp.badges.services import revoke_organizer_badge
from eventapp.core import audit
from eventapp.core.i18n import gettext as _
from eventapp.core.i18n import ngettext
from eventapp.events.models import EXHIBITOR_ROLES, ROLES, Event, EventRole, Hall, fair_over
from eventapp.extensions import db


class EventError(Exception):
    pass


class EventConflict(EventError):
    """Another organizer saved the event since this one loaded it."""


# What an organizer sets on an event (create and edit), with the longest text each
# column holds; the dates and times are checked apart.
TEXT_FIELDS = {
    "slug": 64,
    "name_ko": 200,
    "name_en": 200,
    "fair_name_ko": 200,
    "fair_name_en": 200,
    "venue_ko": 200,
    "venue_en": 200,
    "city": 100,
    "description_ko": 4000,
    "description_en": 4000,
    "timezone": 64,
    "contact_email": 254,
}
# The venue as every meeting's invitation names it (calendar.services.meeting_location).
VENUE_FIELDS = {"venue_ko", "venue_en", "city"}
DETAIL_FIELDS = (*TEXT_FIELDS, "starts_on", "ends_on", "opens_at", "closes_at")
# Lower-case letters, digits and single hyphens inside: the address /e/<slug>/
# reads the same everywhere and needs no escaping in links, badges or file names.
SLUG_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
MIN_SLUG_LENGTH = 3
MAX_EVENT_DAYS = 31
# The years a fair's days may fall in. Dates at the calendar's end cannot be
# computed with (the moment the last day ends is the next day's midnight), and
# no fair of ours lies outside these; a mistyped year is refused, not stored.
FIRST_YEAR, LAST_YEAR = 2000, 2100
DEFAULT_TIMEZONE = "Asia/Seoul"


@cache
def time_zones():
    return frozenset(available_timezones())


@cache
def _time_zones_by_folded_name():
    return {zone.casefold(): zone for zone in time_zones()}


def time_zone_named(name):
    """The time zone `name` names, spelt as the database of zones does
    ("asia/seoul" is Asia/Seoul), or None."""
    return _time_zones_by_folded_name().get(name.strip().casefold())


def slug_problem(slug, event=None):
    """Why `slug` cannot name an event (None when it can); `event` is the one being
    edited, which may keep its own."""
    if not (MIN_SLUG_LENGTH <= len(slug) <= TEXT_FIELDS["slug"]) or not SLUG_PATTERN.fullmatch(
        slug
    ):
        return _(
            "The address %(slug)s is not usable: use %(min)s to %(max)s lower-case letters "
            "a-z, digits and hyphens, starting and ending with a letter or digit.",
            slug=slug,
            min=MIN_SLUG_LENGTH,
            max=TEXT_FIELDS["slug"],
        )
    taken = db.session.scalar(select(Event.id).where(Event.slug == slug))
    if taken is not None and (event is None or taken != event.id):
        return _("The address %(slug)s is taken by another event.", slug=slug)
    return None


def clean_details(values, event=None):
    """The event's details from `values` (a dict of DETAIL_FIELDS; on edit, missing
    keys keep the event's), checked; raises EventError naming the first problem."""
    current = {key: getattr(event, key) for key in DETAIL_FIELDS} if event is not None else {}
    cleaned = {**current, **{k: v for k, v in values.items() if k in DETAIL_FIELDS}}
    for key, limit in TEXT_FIELDS.items():
        text = cleaned.get(key)
        text = "" if text is None else str(text).strip()
        if key != "description_ko" and key != "description_en":
            text = " ".join(text.split())
        if len(text) > limit:
            raise EventError(
                _(
                    "%(field)s is too long (at most %(max)s characters).",
                    field=key.replace("_", "-"),
                    max=limit,
                )
            )
        cleaned[key] = text
    cleaned["slug"] = cleaned["slug"].lower()
    cleaned["timezone"] = cleaned["timezone"] or DEFAULT_TIMEZONE
    problem = slug_problem(cleaned["slug"], event)
    if problem:
        raise EventError(problem)
    if not cleaned["name_ko"] or not cleaned["name_en"]:
        raise EventError(_("The event needs a name in Korean and in English."))
    zone = time_zone_named(cleaned["timezone"])
    if zone is None:
        raise EventError(
            _("%(zone)s is not a time zone; use a name like Asia/Seoul.", zone=cleaned["timezone"])
        )
    cleaned["timezone"] = zone
    if cleaned["contact_email"]:
        try:
            cleaned["contact_email"] = validate_email(
                cleaned["contact_email"], check_deliverability=False
            ).normalized
        except EmailNotValidError:
            raise EventError(
                _("%(email)s is not an e-mail address.", email=cleaned["contact_email"])
            ) from None
    starts, ends = cleaned.get("starts_on"), cleaned.get("ends_on")
    if not isinstance(starts, date) or not isinstance(ends, date):
        raise EventError(_("The event needs a first and a last day."))
    if ends < starts:
        raise EventError(_("The last day cannot come before the first day."))
    if starts.year < FIRST_YEAR or ends.year > LAST_YEAR:
        raise EventError(
            _(
                "The days of the fair must fall between the years %(first)s and %(last)s.",
                first=FIRST_YEAR,
                last=LAST_YEAR,
            )
        )
    if (ends - starts).days + 1 > MAX_EVENT_DAYS:
        raise EventError(_("An event lasts at most %(num)s days.", num=MAX_EVENT_DAYS))
    opens, closes = cleaned.get("opens_at"), cleaned.get("closes_at")
    if not isinstance(opens, time) or not isinstance(closes, time):
        raise EventError(_("The event needs an opening and a closing time."))
    if closes <= opens:
        raise EventError(_("The fair must close after it opens."))
    return cleaned


def add_event(values, organizer_emails=()):
    """Create an event from an administrator's form or command line, checked, and
    appoint its organizers. Nothing is stored when anything is refused."""
    cleaned = clean_details(values)
    organizers = organizers_by_email(organizer_emails)
    event = create_event(**cleaned)
    for user in organizers:
        grant_role(event, user, "organizer")
    return event


def organizers_by_email(emails):
    """The accounts of `emails`, all or none: an address without an account is refused
    (an organizer signs up first; appointing makes no account)."""
    from eventapp.accounts.services import find_user, normalize_email

    users = []
    for email in dict.fromkeys(normalize_email(e) for e in emails if e and e.strip()):
        user = find_user(email)
        if user is None:
            raise EventError(
                _(
                    "No account uses the e-mail address %(email)s: ask them to sign up, "
                    "then appoint them.",
                    email=email,
                )
            )
        # Neither can sign in: an address someone else signed up with (unconfirmed)
        # would become an organizer the moment its owner takes the account over, and
        # a deactivated account was shut for a reason.
        if not user.is_active:
            raise EventError(_("The account of %(email)s is deactivated.", email=user.email))
        if not user.email_confirmed:
            raise EventError(
                _(
                    "%(email)s has not confirmed the address yet: ask them to open the "
                    "link in the sign-up mail, then appoint them.",
                    email=user.email,
                )
            )
        users.append(user)
    return users


def appoint_organizers(event, emails):
    users = organizers_by_email(emails)
    if not users:
        raise EventError(_("Give the e-mail address of the organizer to appoint."))
    return [grant_role(event, user, "organizer") for user in users]


def remove_organizer(event, user_id):
    """Take the organizer role at `event` from a person (their account stays). The
    last organizer stays one: nobody else could run the event or appoint another."""
    # Locked like a save of the details: two organizers removing each other at once
    # would each see the other still there, and leave the event with none.
    event = lock_event(event)
    # The roles are locked before the badge is looked for: a badge printed at this
    # moment for the one removed has read their roles under a share lock
    # (badges.services._people); this waits for it and revokes it below.
    organizers = db.session.scalars(
        select(EventRole)
        .where(EventRole.event_id == event.id, EventRole.role == "organizer")
        .order_by(EventRole.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    role = next((r for r in organizers if r.user_id == user_id), None)
    if role is None:
        raise EventError(_("This person is not an organizer of the event."))
    user = role.user
    if len(organizers) == 1:
        raise EventError(
            _(
                "%(email)s is the event's last organizer and stays one: appoint another "
                "organizer first.",
                email=user.email,
            )
        )
    # The badge printed as an organizer's would go on admitting them as one.
    badge = revoke_organizer_badge(event, user)
    audit.record(
        "role.revoked",
        role,
        event=event,
        data={
            "user": user.id,
            "email": user.email,
            "role": role.role,
            "badge_revoked": badge.id if badge is not None else None,
        },
    )
    db.session.delete(role)
    return user


def details_version(event):
    """A fingerprint of the event's details: the edit form carries the one it showed,
    and saving over details that changed since is refused (see update_event)."""
    text = "\x1f".join(str(getattr(event, key)) for key in DETAIL_FIELDS)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def lock_event(event):
    """Re-read the event row locked (PostgreSQL; SQLite runs one writer at a time):
    a second organizer saving at once waits, then sees the first one's change.
    The saves of what stands on the event's days (meetup settings, scan points)
    take it too, so that a change of the days and such a save are checked one after
    the other. FOR NO KEY UPDATE: it conflicts with itself, which orders those
    saves, but not with the key-share lock that the inserts of rows naming the
    event (scans, check-ins, audit entries) take, which must not wait for them.
    (FOR KEY SHARE would not wait for this lock at all, and order nothing.)"""
    return db.session.scalar(
        select(Event)
        .where(Event.id == event.id)
        .with_for_update(key_share=True)  # FOR NO KEY UPDATE
        .execution_options(populate_existing=True)
    )


def update_event(event, values, seen_version):
    """Change the event's details. Refused (EventConflict) when they changed since
    the form showed `seen_version`, and (EventError, with what stands in the way)
    when the change would leave meetings, scan points, check-ins or the booth
    picking window on days the fair no longer has, move the time zone under
    laid-out slots and check-ins, or change the address of an event people have
    registered for. Returns (event, the names of the fields changed, the number of
    meetings still to come told of a new venue)."""
    event = lock_event(event)
    if seen_version != details_version(event):
        if _stands_already(event, values):
            # The form sent again (Back, then Save) asks for what is stored: there is
            # nobody's change to undo.
            return event, [], 0
        raise EventConflict(_conflict_message(event))
    cleaned = clean_details(values, event)
    changed = {key: value for key, value in cleaned.items() if getattr(event, key) != value}
    if "slug" in changed and has_registrations(event):
        raise EventError(
            _(
                "The address stays %(slug)s: people have registered for the event, and the "
                "links sent to them carry it.",
                slug=event.slug,
            )
        )
    obstacles = []
    if "timezone" in changed:
        obstacles += time_zone_obstacles(event)
    if changed.keys() & {"starts_on", "ends_on", "timezone"}:
        obstacles += day_obstacles(
            event, cleaned["starts_on"], cleaned["ends_on"], cleaned["timezone"]
        )
    if obstacles:
        raise EventError(" ".join(obstacles))
    moved = any(
        _place_words(getattr(event, key)) != _place_words(changed[key])
        for key in changed.keys() & VENUE_FIELDS
    )
    for key, value in changed.items():
        setattr(event, key, value)
    if changed:
        audit.record(
            "event.updated",
            event,
            event=event,
            data={k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in changed.items()},
        )
    told = 0
    if moved:
        from eventapp.meetings.services import tell_venue_moved

        db.session.flush()
        told = tell_venue_moved(event)
    return event, sorted(changed), told


def _place_words(text):
    # Spaces typed or taken out, or another case, are no new place to mail people about.
    return " ".join((text or "").split()).casefold()


def _stands_already(event, values):
    try:
        cleaned = clean_details(values, event)
    except EventError:
        return False
    return all(getattr(event, key) == value for key, value in cleaned.items())


def _conflict_message(event):
    """Who saved the details that the page did not show: the organizer's own save
    (in another tab, or before going back) is not blamed on a colleague."""
    last = db.session.scalar(
        select(audit.AuditEntry)
        .where(audit.AuditEntry.event_id == event.id, audit.AuditEntry.action == "event.updated")
        .order_by(audit.AuditEntry.id.desc())
        .limit(1)
    )
    if last is not None and last.user_id is not None and last.user_id == audit.acting_user_id():
        return _(
            "You saved other details of the event since this page was opened (in another "
            "tab, or before going back). The page now shows them as saved; make your "
            "changes again."
        )
    if last is not None and last.user is not None:
        return _(
            "%(name)s changed the event's details since you opened this page. The page "
            "now shows their version; make your changes again.",
            name=last.user.name,
        )
    return _(
        "Another organizer changed the event's details since you opened this page. "
        "The page now shows their version; make your changes again."
    )


def has_registrations(event):
    """Anyone registered (a role other than organizer, an exhibitor, a badge)."""
    from eventapp.badges.models import Badge
    from eventapp.booths.models import Exhibitor

    return any(
        db.session.scalar(query.limit(1)) is not None
        for query in (
            select(EventRole.id).where(
                EventRole.event_id == event.id, EventRole.role != "organizer"
            ),
            select(Exhibitor.id).where(Exhibitor.event_id == event.id),
            select(Badge.id).where(Badge.event_id == event.id),
        )
    )


def time_zone_obstacles(event):
    """Meeting slots are stored as UTC moments laid out in the event's zone and
    check-ins count for the day of that zone: a new zone would move every slot and
    put check-ins on the wrong day."""
    from eventapp.checkin.models import CheckIn
    from eventapp.meetings.models import MeetingSlot

    slots = db.session.scalar(
        select(func.count())
        .select_from(MeetingSlot)
        .where(MeetingSlot.event_id == event.id, MeetingSlot.retired.is_(False))
    )
    checkins = db.session.scalar(
        select(func.count()).select_from(CheckIn).where(CheckIn.event_id == event.id)
    )
    found = []
    if slots:
        found.append(
            ngettext(
                "%(num)s meeting slot is laid out in %(zone)s time.",
                "%(num)s meeting slots are laid out in %(zone)s time.",
                slots,
                zone=event.timezone,
            )
        )
    if checkins:
        found.append(
            ngettext(
                "%(num)s check-in is recorded by the days of %(zone)s.",
                "%(num)s check-ins are recorded by the days of %(zone)s.",
                checkins,
                zone=event.timezone,
            )
        )
    return found


def past_the_fair(over, openings, closes):
    """The moments of a window (booth picking, meetup booking) that lie past the fair's
    end `over`. A window closes at its closing moment, so one closing as the last day
    ends is in time; one opening then is not."""
    late = [moment for moment in openings if moment is not None and moment >= over]
    return late + ([closes] if closes is not None and closes > over else [])


def reaches_past_the_fair(event, openings, closes):
    """Whether a window (booth picking, meetup booking) reaches past the fair's last
    day. Asked under lock_event, so that a change of the days saved at the same
    moment is checked against this window, or this window against it."""
    return bool(past_the_fair(event.over_at, openings, closes))


def day_obstacles(event, starts_on, ends_on, timezone):
    """What lies on a day the fair would no longer have, each as a sentence."""
    from eventapp.booths.models import BoothSettings
    from eventapp.checkin.models import CheckIn, ScanPoint
    from eventapp.meetings.models import Meeting, MeetingSettings, MeetingSlot

    new_days = {starts_on + timedelta(days=i) for i in range((ends_on - starts_on).days + 1)}
    gone = sorted(set(event.days) - new_days)
    found = []
    if gone:
        gone_iso = {d.isoformat() for d in gone}
        meetings = {}
        for (starts_at,) in db.session.execute(
            select(MeetingSlot.starts_at)
            .join(Meeting, Meeting.slot_id == MeetingSlot.id)
            .where(Meeting.event_id == event.id, Meeting.status != "cancelled")
        ):
            day = starts_at.astimezone(event.tz).date()
            if day in gone:
                meetings[day] = meetings.get(day, 0) + 1
        for day, count in sorted(meetings.items()):
            found.append(
                ngettext(
                    "%(num)s meeting is scheduled on %(day)s.",
                    "%(num)s meetings are scheduled on %(day)s.",
                    count,
                    day=day.isoformat(),
                )
            )
        settings = db.session.get(MeetingSettings, event.id)
        meetup_days = sorted(set(settings.meeting_days or ()) & gone_iso) if settings else []
        if meetup_days:
            found.append(
                _(
                    "The meetup settings hold meetings on %(days)s; take the day out of them "
                    "first.",
                    days=", ".join(meetup_days),
                )
            )
        for point in db.session.scalars(
            select(ScanPoint).where(ScanPoint.event_id == event.id).order_by(ScanPoint.id)
        ):
            days = sorted(set(point.valid_days or ()) & gone_iso)
            if days:
                found.append(
                    _(
                        "Scan point %(point)s admits on %(days)s; change its days first.",
                        point=point.name,
                        days=", ".join(days),
                    )
                )
        checkins = db.session.execute(
            select(CheckIn.day, func.count())
            .where(CheckIn.event_id == event.id, CheckIn.day.in_(gone))
            .group_by(CheckIn.day)
            .order_by(CheckIn.day)
        ).all()
        for day, count in checkins:
            found.append(
                ngettext(
                    "%(num)s check-in is recorded on %(day)s.",
                    "%(num)s check-ins are recorded on %(day)s.",
                    count,
                    day=day.isoformat(),
                )
            )
    # Booth picking happens before the fair: a window reaching past its new last day
    # (its end, local time) would let exhibitors pick booths after the fair is over.
    booth = db.session.get(BoothSettings, event.id)
    over = fair_over(ends_on, timezone)
    if booth is not None:
        late = past_the_fair(
            over, (booth.priority_opens_at, booth.picking_opens_at), booth.picking_closes_at
        )
        if late:
            found.append(
                _(
                    "Booth picking runs until %(moment)s, after the fair's last day; change the "
                    "picking window first.",
                    moment=_moment_in(max(late), event.timezone),
                )
            )
    # Meetings are requested and booked for the fair's slots: a booking window open
    # after its new last day would take requests for a fair that is over.
    meetup = db.session.get(MeetingSettings, event.id)
    if meetup is not None:
        late = past_the_fair(over, (meetup.booking_opens_at,), meetup.booking_closes_at)
        if late:
            found.append(
                _(
                    "The meetup's booking window reaches %(moment)s, after the fair's last "
                    "day; change it in the meetup settings first.",
                    moment=_moment_in(max(late), event.timezone),
                )
            )
    return found


def _moment_in(moment, zone):
    """A window's end as the organizer set it: in the event's time zone (the one it
    has, even while a change of zone is refused), named, since it may not be Seoul."""
    return f"{moment.astimezone(ZoneInfo(zone)):%Y-%m-%d %H:%M} ({zone})"


def printed_badges(event):
    """Badges in force: printed with the event's dates on them."""
    from eventapp.badges.models import Badge

    return db.session.scalar(
        select(func.count())
        .select_from(Badge)
        .where(Badge.event_id == event.id, Badge.revoked_at.is_(None))
    )


def create_event(**fields):
    halls = fields.pop("halls", ())
    event = Event(**fields)
    db.session.add(event)
    for hall in halls:
        event.halls.append(Hall(**hall))
    audit.record("event.created", event, event=event, data={"slug": event.slug})
    return event


def grant_role(event, user, role, organization=None):
    """Give `user` a role at `event` (idempotent)."""
    if role not in ROLES:
        raise EventError(f"unknown role {role!r}")
    if role in EXHIBITOR_ROLES and organization is None:
        raise EventError("exhibitor roles need an organization")
    existing = db.session.scalar(
        select(EventRole).where(
            EventRole.event_id == event.id, EventRole.user_id == user.id, EventRole.role == role
        )
    )
    if existing is not None:
        return existing
    granted = EventRole(event=event, user=user, role=role, organization=organization)
    db.session.add(granted)
    audit.record(
        "role.granted",
        granted,
        event=event,
        data={
            "user": user.id,
            "email": user.email,
            "role": role,
            "organization": getattr(organization, "id", None),
        },
    )
    return granted


def check_registration_open(event, error=EventError):
    """Refuse (`error`) a registration for a fair that is over: a role, and later
    a badge, for days that have passed would only mislead."""
    if event.is_over:
        raise error(
            _(
                "%(event)s ended on %(date)s: registration is closed.",
                event=event.name,
                date=format_date(event.ends_on, "long"),
            )
        )


def register_attendee(event, user):
    from eventapp.calendar.services import team_change

    event_id, user_id = event.id, user.id
    try:
        # An attendee acts for their account's company in the meetup: registered
        # where it has meetings booked, they attend them.
        with team_change(user, user.organization, event):
            role = grant_role(event, user, "attendee", organization=user.organization)
        db.session.commit()
    except IntegrityError:
        # A second click raced the first, which registered the person: done all the same.
        db.session.rollback()
        role = db.session.scalar(
            select(EventRole).where(
                EventRole.event_id == event_id,
                EventRole.user_id == user_id,
                EventRole.role == "attendee",
            )
        )
        if role is None:
            raise
    return role


def role_counts(event):
    rows = db.session.execute(
        select(EventRole.role, func.count())
        .where(EventRole.event_id == event.id)
        .group_by(EventRole.role)
    )
    return dict(rows.all())
