"""Calendar invites of meetings, private feeds and the event calendar.

Invites
    Every scheduled meeting is e-mailed as an iCalendar invitation (METHOD:REQUEST) to
    the people of both organizations: the contacts of each meetup profile
    (`MeetingProfile.contacts()`, the organization's users with a role at the event; the
    same people the meetings package mails). A move sends an update (same UID, higher
    SEQUENCE), a cancellation a METHOD:CANCEL with STATUS:CANCELLED. This is the only
    mail of a booking, move or cancellation: one per recipient, in the recipient's
    language, its text telling what happened (who cancelled, why; an agreed new time)
    next to a `text/calendar; method=...` alternative part and an `.ics` attachment,
    queued in the outbox in the caller's transaction (receivers of
    `eventapp.meetings.signals`, connected at import time). With CALENDAR_INVITES off
    the same mails go out with the text alone.

    ATTENDEEs: the person who sent the request and the person who answered it are
    REQ-PARTICIPANT with PARTSTAT=ACCEPTED (they agreed in the app); their colleagues are
    OPT-PARTICIPANT with PARTSTAT=NEEDS-ACTION; when nobody of a side took part in the
    request (e.g. they left the company), all of that side's people are REQ-PARTICIPANT
    with NEEDS-ACTION. RSVP=FALSE for everybody: the app is the source of truth, changes
    and cancellations are made on the agenda page, replies to the invitation are not read.
    The ORGANIZER is the event's address (`event.contact_email`, else MAIL_FROM) as the
    meeting's first invitation named it (`Meeting.organizer_email`): calendars take an
    update or a cancellation from another organizer for somebody else's, so the
    address stays when organizers change the event's.

    Who attends follows the team: a person leaving a company's team gets a CANCEL of
    its meetings still to come, a person joining it their invitations, and everybody
    else of both sides an update listing who attends now (`team_change`). An attendee
    acts for their account's company at every event: an account linked to a company,
    or unlinked, at one event is followed at the others too (`account_link_change`).

Feeds
    Each user has one private feed per event (`CalendarFeed`): a METHOD:PUBLISH calendar
    of the fair days and their active meetings, at a URL with a signed token naming the
    feed row and its random secret. Rotating draws a new secret; old URLs then give 404.
"""

import hmac
from contextlib import contextmanager
from datetime import timedelta
from email.utils import parseaddr

from flask import current_app, render_template
from flask_babel import force_locale
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from eventapp.calendar import ical
from eventapp.calendar.models import CalendarFeed, new_feed_secret
from eventapp.core import audit
from eventapp.core.db import utcnow
from eventapp.core.i18n import gettext as _
from eventapp.core.permissions import roles_of
from eventapp.events.models import Event, EventRole
from eventapp.extensions import db
from eventapp.meetings import services as meetings
from eventapp.meetings import signals
from eventapp.meetings.models import Meeting, MeetingProfile
from eventapp.notifications.services import absolute_url, mail_link, queue_mail

# Each change of a meeting: the outbox kind of its mail and the iTIP method it carries.
CHANGES = {
    "new": ("meeting_scheduled", "REQUEST"),
    "update": ("meeting_moved", "REQUEST"),
    "cancel": ("meeting_cancelled", "CANCEL"),
    # A person who left the team: the meeting goes on, but no longer in their calendar.
    "left": ("meeting_left", "CANCEL"),
    # A person who joined the team: the meeting goes into their calendar.
    "joined": ("meeting_joined", "REQUEST"),
    # Everybody else when a person left or joined: the update lists who attends now.
    "team": ("meeting_team_changed", "REQUEST"),
}
FEED_REFRESH = timedelta(hours=1)
ALARM_MINUTES = 15
_FEED_SALT = "eventapp.calendar.feed"


# --------------------------------------------------------------------------- helpers


def language_of(user):
    languages = current_app.config["LANGUAGES"]
    locale = getattr(user, "locale", None)
    return locale if locale in languages else current_app.config["BABEL_DEFAULT_LOCALE"]


def agenda_url(event):
    """The participant's agenda page (the meetings package), else "My calendar", in
    the current (forced) language, the reader's (`mail_link`)."""
    endpoint = "meetings.agenda"
    if endpoint not in current_app.view_functions:
        endpoint = "calendar.my_calendar"
    return str(mail_link(endpoint, slug=event.slug))


def event_url(event):
    return str(mail_link("events.home", slug=event.slug))


def _person_name(user, language):
    return user.localized("name", language) or user.email


def organizer_address(event, language, meeting=None):
    """The event as ORGANIZER; for a meeting, the address its first invitation named."""
    email = getattr(meeting, "organizer_email", None) or (
        event.contact_email or parseaddr(current_app.config["MAIL_FROM"])[1]
    )
    return ical.Address(email=email, name=event.localized("name", language))


def _local(moment, event):
    return moment.astimezone(event.tz)


def _when(meeting):
    event = meeting.event
    start, end = _local(meeting.starts_at, event), _local(meeting.ends_at, event)
    return f"{start:%Y-%m-%d %H:%M}–{end:%H:%M}"


def _venue(event, language):
    venue = event.localized("venue", language)
    if venue and event.city:
        return _("%(venue)s, %(city)s", venue=venue, city=event.city)
    return venue or event.city or ""


def meeting_location(meeting, language):
    """Where the meeting takes place, for LOCATION: the table and its hall/zone, or the
    firm's booth and its hall; then the venue. In the current (forced) locale."""
    event = meeting.event
    if meeting.table is not None:
        if meeting.table.place(language):
            place = _(
                "Table %(code)s, %(place)s",
                code=meeting.table.code,
                place=meeting.table.place(language),
            )
        else:
            place = _("Table %(code)s", code=meeting.table.code)
    elif meeting.booth_code:
        hall = _booth_hall(event, meeting.booth_code)
        if hall is not None:
            place = _(
                "Booth %(code)s, %(hall)s",
                code=meeting.booth_code,
                hall=hall.localized("name", language),
            )
        else:
            place = _("Booth %(code)s", code=meeting.booth_code)
    else:
        place = ""
    venue = _venue(event, language)
    if place and venue:
        return _("%(place)s — %(venue)s", place=place, venue=venue)
    return place or venue


def _booth_hall(event, code):
    from eventapp.booths.models import Booth

    # Whatever the case: a floor plan imported again may spell the booth "a-03" that
    # the meetings at it call A-03 (meetings._booth_key).
    booth = db.session.scalar(
        select(Booth).where(Booth.event_id == event.id, func.upper(Booth.code) == code.upper())
    )
    return booth.hall if booth is not None else None


# --------------------------------------------------------------------------- meetings


def meeting_people(meeting):
    """[(user, profile)]: the contacts of the startup, then of the firm (no duplicates)."""
    people, seen = [], set()
    for profile in (meeting.request.startup, meeting.request.firm):
        for user in profile.contacts():
            key = user.email.lower()
            if key not in seen:
                seen.add(key)
                people.append((user, profile))
    return people


def attendee_addresses(meeting, people, language):
    """ATTENDEE values for `people` (see the module docstring for ROLE/PARTSTAT/RSVP)."""
    request = meeting.request
    key_ids = {request.requested_by_id, request.responded_by_id} - {None}
    sides_with_key = {profile.id for user, profile in people if user.id in key_ids}
    result = []
    for user, profile in people:
        if user.id in key_ids:
            role, partstat = "REQ-PARTICIPANT", "ACCEPTED"
        elif profile.id in sides_with_key:
            role, partstat = "OPT-PARTICIPANT", "NEEDS-ACTION"
        else:
            role, partstat = "REQ-PARTICIPANT", "NEEDS-ACTION"
        result.append(
            ical.Address(
                email=user.email,
                name=_person_name(user, language),
                role=role,
                partstat=partstat,
                rsvp=False,
            )
        )
    return result


def _people_names(profile, language, contacts=None):
    users = contacts.get(profile.id, []) if contacts is not None else profile.contacts()
    return ", ".join(_person_name(user, language) for user in users)


def _contacts_by_profile(people):
    contacts = {}
    for user, profile in people:
        contacts.setdefault(profile.id, []).append(user)
    return contacts


def meeting_summary(meeting, language, viewer=None):
    if viewer is not None and meeting.request.side_of(viewer) is not None:
        partner = meeting.request.other(viewer)
        return _(
            "Meeting with %(partner)s", partner=partner.organization.localized("name", language)
        )
    return _(
        "Meeting: %(startup)s – %(firm)s",
        startup=meeting.startup.organization.localized("name", language),
        firm=meeting.firm.organization.localized("name", language),
    )


def meeting_description(meeting, language, viewer=None, contacts=None):
    """Plain text: the meetup, the partner (organization and people), time, place and
    the link to the agenda page. `contacts`: {profile id: [users]} when known."""
    event = meeting.event
    lines = [_("Global meetup of %(event)s", event=event.localized("name", language)), ""]
    if viewer is not None and meeting.request.side_of(viewer) is not None:
        partner = meeting.request.other(viewer)
        lines.append(
            _(
                "Partner: %(organization)s",
                organization=partner.organization.localized("name", language),
            )
        )
        names = _people_names(partner, language, contacts)
        if names:
            lines.append(_("Partner contacts: %(names)s", names=names))
    else:
        for label, profile in ((_("Startup"), meeting.startup), (_("Firm"), meeting.firm)):
            names = _people_names(profile, language, contacts)
            organization = profile.organization.localized("name", language)
            lines.append(
                _(
                    "%(side)s: %(organization)s (%(names)s)",
                    side=label,
                    organization=organization,
                    names=names,
                )
                if names
                else _("%(side)s: %(organization)s", side=label, organization=organization)
            )
    lines.append(_("Time: %(time)s (%(zone)s)", time=_when(meeting), zone=event.timezone))
    location = meeting_location(meeting, language)
    if location:
        lines.append(_("Place: %(place)s", place=location))
    if meeting.status == "cancelled":
        lines.append(_("This meeting is cancelled."))
    lines += [
        "",
        _("Your agenda: %(url)s", url=agenda_url(event)),
        _(
            "Changes and cancellations are made on the agenda page, not by answering this invitation."
        ),
    ]
    return "\n".join(lines)


def meeting_vevent(
    meeting, language, *, viewer=None, stamp=None, method="PUBLISH", attendees=(), contacts=None
):
    """The VEVENT of a meeting as seen by `viewer` (a profile taking part, or None for
    an organizer's view). Call inside `force_locale(language)`."""
    event = meeting.event
    cancelled = method == "CANCEL" or meeting.status == "cancelled"
    return ical.timed_event(
        uid=meeting.uid,
        sequence=meeting.sequence,
        start=_local(meeting.starts_at, event),
        end=_local(meeting.ends_at, event),
        stamp=stamp or utcnow(),
        summary=meeting_summary(meeting, language, viewer),
        description=meeting_description(meeting, language, viewer, contacts),
        location=meeting_location(meeting, language),
        url=agenda_url(event),
        status="CANCELLED" if cancelled else "CONFIRMED",
        organizer=organizer_address(event, language, meeting),
        attendees=attendees,
        created=meeting.created_at,
        last_modified=meeting.updated_at,
        alarm_minutes=None if cancelled else ALARM_MINUTES,
    )


def invite_calendar(meeting, method, language, *, viewer, attendees, stamp=None, contacts=None):
    """The iTIP message (REQUEST or CANCEL) of `meeting` for a person of `viewer`."""
    if method not in ("REQUEST", "CANCEL"):
        raise ValueError(f"invites are REQUEST or CANCEL, not {method!r}")
    calendar = ical.new_calendar(method)
    calendar.add_component(
        meeting_vevent(
            meeting,
            language,
            viewer=viewer,
            stamp=stamp,
            method=method,
            attendees=attendees,
            contacts=contacts,
        )
    )
    return ical.finish(calendar)


def meeting_calendar(meeting, language, viewer=None):
    """A single meeting to download (METHOD:PUBLISH)."""
    with force_locale(language):
        calendar = ical.new_calendar("PUBLISH")
        calendar.add_component(meeting_vevent(meeting, language, viewer=viewer))
        return ical.finish(calendar)


def _subject(change, partner, when):
    if change == "team":
        return _("Who attends: meeting with %(partner)s, %(time)s", partner=partner, time=when)
    if change == "left":
        return _(
            "Off your calendar: meeting with %(partner)s, %(time)s", partner=partner, time=when
        )
    if change in ("new", "joined"):
        return _("Invitation: meeting with %(partner)s, %(time)s", partner=partner, time=when)
    if change == "update":
        return _("Updated: meeting with %(partner)s, now %(time)s", partner=partner, time=when)
    return _("Cancelled: meeting with %(partner)s, %(time)s", partner=partner, time=when)


def _cancelled_by(profile, by):
    """Who called the meeting off, as `profile`'s people read it: "own" (their company),
    "partner", or None (the organizer)."""
    if by is None:
        return None
    return "own" if by.id == profile.id else "partner"


def queue_invites(
    meeting, change, *, proposal=None, by=None, booth_lost=None, new_place=None, person=None
):
    """Queue the one mail per person of both organizations that tells of `change`: the
    text, and the calendar invitation unless invites are switched off. Returns the rows.

    change: "new" (REQUEST), "update" (REQUEST after a move), "cancel" (CANCEL), or
    for `person`, (user, profile), who left or joined the team of the profile's
    company: "left" (CANCEL to them alone), "joined" (REQUEST to them alone) and
    "team" (REQUEST to everybody else, listing who attends now).

    proposal: the accepted time proposal a move follows; booth_lost: the booth a move
    left, its firm no longer receiving there; new_place: the meeting kept its time and
    seats, but the organizer renamed the tables' zone ("tables") or changed the
    event's venue ("venue"); by: the profile that cancelled (None for an organizer).
    Runs in the caller's transaction; never commits.
    """
    if change not in CHANGES:
        raise ValueError(f"unknown change {change!r}")
    kind, method = CHANGES[change]
    invitation = invites_enabled()
    if invitation and meeting.organizer_email is None:
        meeting.organizer_email = organizer_address(meeting.event, None).email
    people = meeting_people(meeting)
    contacts = _contacts_by_profile(people)
    recipients = people
    if change == "left":
        # Their cancellation names them alone: no calendar is told of anyone else.
        people = recipients = [person]
    elif change == "joined":
        recipients = [person]
    elif change == "team":
        recipients = [(user, profile) for user, profile in people if user.id != person[0].id]
    event = meeting.event
    stamp = utcnow()
    rows = []
    for user, profile in recipients:
        language = language_of(user)
        parts = {}
        with force_locale(language):
            if invitation:
                data = invite_calendar(
                    meeting,
                    method,
                    language,
                    viewer=profile,
                    attendees=attendee_addresses(meeting, people, language),
                    stamp=stamp,
                    contacts=contacts,
                )
                filename = "cancel.ics" if method == "CANCEL" else "invite.ics"
                # The alternative is what mail clients show as an invitation; the
                # attachment serves those that only import files.
                parts = {
                    "alternatives": [(data.decode("utf-8"), "calendar", {"method": method})],
                    "attachments": [(data, "application", "ics", filename)],
                }
            partner = meeting.request.other(profile)
            partner_name = partner.organization.localized("name", language)
            when = _when(meeting)
            subject = _subject(change, partner_name, when)
            text = render_template(
                "calendar/mail/invite.txt",
                change=change,
                invitation=invitation,
                proposal=proposal,
                booth_lost=booth_lost,
                new_place=new_place,
                team_left=change == "team" and all(u.id != person[0].id for u, _p in people),
                person_name=_person_name(person[0], language) if person else "",
                team_name=person[1].organization.localized("name", language) if person else "",
                firm_name=meeting.firm.organization.localized("name", language),
                cancelled_by=_cancelled_by(profile, by),
                user_name=_person_name(user, language),
                event_name=event.localized("name", language),
                company_name=profile.organization.localized("name", language),
                partner_name=partner_name,
                partner_people=_people_names(partner, language, contacts),
                when=when,
                zone=event.timezone,
                place=meeting_location(meeting, language),
                reason=meeting.cancel_reason if change == "cancel" else "",
                link=agenda_url(event),
            )
        rows.append(queue_mail(user.email, subject, text, event=event.id, kind=kind, **parts))
    if rows and invitation:
        audit.record(
            "calendar.invites_queued",
            meeting,
            event=event,
            data={
                "change": change,
                "method": method,
                "sequence": meeting.sequence,
                "recipients": len(rows),
            },
        )
    return rows


def invites_enabled():
    """Whether meeting mails carry the calendar invitation (config CALENDAR_INVITES)."""
    return current_app.config.get("CALENDAR_INVITES", True)


def acts_for(user, organization, event):
    """Whether `user` is among the people the company's meetings at `event` are mailed
    to (`MeetingProfile.contacts()`); False while the company has no meetup profile."""
    profile = meetings.profile_of(event, organization)
    return profile is not None and user in profile.contacts()


def lock_teams(event, *organizations):
    """Lock the participant rows of the companies a change of one person's team moves
    them between, in id order, before it: each `follow_team` locks its company's row
    alone, and two taken one after the other, out of id order, would deadlock with a
    meeting booked between the two companies at that moment (it locks both in id
    order). None stands for no company."""
    ids = [
        profile.id
        for organization in organizations
        if organization is not None
        and (profile := meetings.profile_of(event, organization)) is not None
    ]
    meetings._lock_profiles(*ids)


@contextmanager
def team_change(user, organization, event):
    """Around a change of `user`'s roles at `event`: when it made them one of the
    company's people for its meetings, or ended that, calendars follow (see
    `follow_team`). Whether they were is read before, whether they are after."""
    before = acts_for(user, organization, event)
    yield
    db.session.flush()  # the company's people, read next, are the team as it is now
    follow_team(user, organization, event, before)


def follow_team(user, organization, event, before):
    """`user` left (`before` True) or joined the people of `organization` at `event`:
    for each of its meetings still to come, they get a CANCEL that takes it off their
    calendar, or the invitation, and everybody else of both sides an update listing
    who attends now (the sequence raised, as calendars take an update by it). Nothing
    while they still act for the company (an attendee of it, say), or acted for it
    already. In the caller's transaction. Returns the mails queued."""
    profile = meetings.profile_of(event, organization)
    if profile is None or before == (user in profile.contacts()):
        return []
    # Under the company's lock, as a move or a cancellation of its meetings: each
    # raise of the sequence counts.
    meetings._lock_profiles(profile.id)
    now = meetings._now()
    to_come = [
        meeting
        for meeting in meetings.meetings_of(profile)
        if meeting.status == "scheduled" and meeting.starts_at > now
    ]
    for meeting in to_come:
        meeting.sequence += 1
    db.session.flush()
    rows = []
    for meeting in to_come:
        rows += queue_invites(meeting, "left" if before else "joined", person=(user, profile))
        rows += queue_invites(meeting, "team", person=(user, profile))
    return rows


def take_off_calendar(user, organization, event):
    """`user` left the team of `organization` at `event` (see `follow_team`)."""
    return follow_team(user, organization, event, True)


@contextmanager
def account_link_change(user, organization, besides):
    """Around linking `user`'s account to `organization`, or ending that link, as a
    change of team at the event `besides` does (its calendars follow `team_change`):
    an attendee acts for their account's company at every event they are registered
    for, so calendars follow at those events too (see `follow_team`)."""
    events = db.session.scalars(
        select(Event)
        .join(MeetingProfile, MeetingProfile.event_id == Event.id)
        .join(EventRole, EventRole.event_id == Event.id)
        .where(
            MeetingProfile.organization_id == organization.id,
            EventRole.user_id == user.id,
            EventRole.role == "attendee",
            Event.id != besides.id,
        )
        .order_by(Event.id)
    ).all()
    before = {event.id: acts_for(user, organization, event) for event in events}
    yield
    db.session.flush()
    for event in events:
        follow_team(user, organization, event, before[event.id])


@signals.meeting_scheduled.connect
def _on_meeting_scheduled(meeting, notify=True, **_extra):
    if notify:
        queue_invites(meeting, "new")


@signals.meeting_moved.connect
def _on_meeting_moved(meeting, proposal=None, booth_lost=None, new_place=None, **_extra):
    queue_invites(meeting, "update", proposal=proposal, booth_lost=booth_lost, new_place=new_place)


@signals.meeting_cancelled.connect
def _on_meeting_cancelled(meeting, by=None, **_extra):
    queue_invites(meeting, "cancel", by=by)


# --------------------------------------------------------------------------- event days


def _day_uid(event, kind, day):
    # By the event's id, not its slug: organizers may change the slug, and a
    # calendar that imported the days would then hold each of them twice.
    return f"event{event.id}-{kind}-{day:%Y%m%d}@{ical.UID_DOMAIN}"


def fair_day_events(event, language, stamp):
    """One timed VEVENT per fair day, opening to closing time (shown as free time)."""
    name = event.localized("name", language)
    fair = event.localized("fair_name", language)
    description = "\n".join(
        line for line in (fair, _("Opening hours of the fair day."), event_url(event)) if line
    )
    events = []
    for number, day in enumerate(event.days, start=1):
        events.append(
            ical.timed_event(
                uid=_day_uid(event, "day", day),
                start=event.local_datetime(day, event.opens_at),
                end=event.local_datetime(day, event.closes_at),
                stamp=stamp,
                summary=_("%(event)s, day %(number)s", event=name, number=number),
                description=description,
                location=_venue(event, language),
                url=event_url(event),
                transparent=True,
            )
        )
    return events


def meeting_zone_events(event, language, stamp):
    """The meeting zone's hours on each meeting day, when meetup settings exist."""
    from datetime import date

    settings = meetings.get_settings(event)
    if settings is None or not settings.meeting_days:
        return []
    place = settings.tables_place(language)
    venue = _venue(event, language)
    location = (
        _("%(place)s — %(venue)s", place=place, venue=venue) if place and venue else place or venue
    )
    lines = [_("One-on-one meetings between startups and firms.")]
    if settings.breaks:
        lines.append(_("Breaks: %(breaks)s", breaks=meetings.format_breaks(settings.breaks)))
    lines.append(agenda_url(event))
    events = []
    for iso in sorted(settings.meeting_days):
        day = date.fromisoformat(iso)
        events.append(
            ical.timed_event(
                uid=_day_uid(event, "meetup", day),
                start=event.local_datetime(day, settings.day_starts_at),
                end=event.local_datetime(day, settings.day_ends_at),
                stamp=stamp,
                summary=_("Global meetup: meeting zone open"),
                description="\n".join(lines),
                location=location,
                transparent=True,
            )
        )
    return events


def event_calendar(event, language):
    """The public calendar of the event: fair days and meeting-zone hours (PUBLISH)."""
    stamp = utcnow()
    with force_locale(language):
        calendar = ical.new_calendar(
            "PUBLISH",
            name=event.localized("name", language),
            description=event.localized("fair_name", language) or None,
            refresh=FEED_REFRESH,
        )
        for item in fair_day_events(event, language, stamp) + meeting_zone_events(
            event, language, stamp
        ):
            calendar.add_component(item)
        return ical.finish(calendar)


# --------------------------------------------------------------------------- feeds


def my_meetings(user, event):
    """The active meetings of the organization `user` acts for at `event`."""
    profile = meetings.acting_profile(user, event)
    if profile is None:
        return None, []
    return profile, meetings.meetings_of(profile)


def feed_of(user, event):
    """The user's feed for `event`, created on first use (safe against a concurrent
    first use: the UNIQUE (user, event) decides, the loser reads the winner's row)."""
    query = select(CalendarFeed).where(
        CalendarFeed.user_id == user.id, CalendarFeed.event_id == event.id
    )
    feed = db.session.scalar(query)
    if feed is not None:
        return feed
    feed = CalendarFeed(user_id=user.id, event_id=event.id, secret=new_feed_secret(), version=1)
    try:
        with db.session.begin_nested():
            db.session.add(feed)
            db.session.flush()
    except IntegrityError:
        return db.session.scalar(query)
    audit.record("calendar_feed.created", feed, event=event, user=user)
    return feed


def rotate_feed(feed, user):
    """A new secret: every URL given out before stops working. The row is locked first
    (PostgreSQL; SQLite transactions are serialized), so concurrent rotations each
    count and the last one's secret is the one that stays."""
    feed = db.session.scalar(
        select(CalendarFeed)
        .where(CalendarFeed.id == feed.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    feed.secret = new_feed_secret()
    feed.version = (feed.version or 1) + 1
    feed.rotated_at = utcnow()
    audit.record(
        "calendar_feed.rotated", feed, event=feed.event, user=user, data={"version": feed.version}
    )
    return feed


def _serializer():
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_FEED_SALT)


def feed_token(feed):
    return _serializer().dumps([feed.id, feed.secret])


def resolve_token(event, token):
    """The feed a token opens at `event`, or None (bad signature, rotated secret, other
    event, inactive user or no role at the event any more). Never raises on input."""
    try:
        data = _serializer().loads(token or "")
    except (BadSignature, UnicodeError, ValueError):
        return None
    if not (
        isinstance(data, list)
        and len(data) == 2
        and isinstance(data[0], int)
        and not isinstance(data[0], bool)
        and isinstance(data[1], str)
    ):
        return None
    feed = db.session.get(CalendarFeed, data[0])
    if feed is None or feed.event_id != event.id:
        return None
    if not hmac.compare_digest(feed.secret.encode(), data[1].encode()):
        return None
    user = feed.user
    if not user.active or not (user.is_admin or roles_of(user, event)):
        return None
    return feed


def feed_urls(feed):
    """{"https": ..., "webcal": ...}: the feed's address and its webcal:// form."""
    url = absolute_url("calendar.feed", slug=feed.event.slug, token=feed_token(feed))
    scheme, _sep, rest = url.partition("://")
    return {"https": url, "webcal": f"webcal://{rest}"}


def feed_calendar(feed):
    """The private feed: fair days and the user's active meetings (METHOD:PUBLISH)."""
    user, event = feed.user, feed.event
    language = language_of(user)
    stamp = utcnow()
    with force_locale(language):
        calendar = ical.new_calendar(
            "PUBLISH",
            name=_("%(event)s: my calendar", event=event.localized("name", language)),
            refresh=FEED_REFRESH,
        )
        for item in fair_day_events(event, language, stamp):
            calendar.add_component(item)
        profile, items = my_meetings(user, event)
        for meeting in items:
            calendar.add_component(meeting_vevent(meeting, language, viewer=profile, stamp=stamp))
        return ical.finish(calendar)


def meeting_for_download(event, meeting_id, user):
    """(meeting, viewer profile) if `user` may download it: a participant's person or an
    organizer (viewer None). Returns (None, None) for an unknown meeting, raises
    PermissionError for somebody else's."""
    from eventapp.core.permissions import is_organizer

    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None or meeting.event_id != event.id:
        return None, None
    profile = meetings.acting_profile(user, event)
    if profile is not None and meeting.request.side_of(profile) is not None:
        return meeting, profile
    if is_organizer(user, event):
        return meeting, None
    raise PermissionError("not a participant of this meeting")
