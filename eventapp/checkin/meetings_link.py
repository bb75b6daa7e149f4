"""The small link between meeting-zone scans and the global meetup.

Optional: without the meetings package (or its tables) every function here
does nothing.

A meeting-zone scan point covers the meeting tables (meetings at a firm's booth
happen elsewhere and are neither matched nor listed here). A scan there records
the arrival of the scanned person's side (startup or firm) for their company's
table meeting of the current (or next, within EARLY) slot; the meeting is
marked attended once both sides have arrived. A meeting whose slot is over
with a side missing is a no-show of that side ("both" when nobody came).
"""

import dataclasses
import importlib
import inspect
from dataclasses import dataclass
from datetime import timedelta
from types import SimpleNamespace

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from eventapp.checkin.models import MEETING_SIDES, MeetingArrival
from eventapp.core.db import insert_on_conflict, utcnow
from eventapp.core.i18n import lazy_gettext as _l
from eventapp.extensions import db

# A person may arrive this long before their slot starts.
EARLY = timedelta(minutes=15)
# A meeting counts as a no-show this long after its slot ended.
NO_SHOW_AFTER = timedelta(minutes=10)
# A side scanned again this soon after its arrival is the same arrival (a second tap
# at the table), not its arrival for the next meeting.
SAME_ARRIVAL = timedelta(minutes=5)
# The meetings a meeting-zone scan counts for.
ZONE_STATUSES = ("scheduled", "attended")
# The meetings a scan records an arrival for. A no-show stands once recorded (by a
# participant while the slot runs, or by the organizers after it): the arrival of
# the side said to be missing is kept all the same, and the meeting-zone page points
# it out; the status is the organizers' to change.
ARRIVAL_STATUSES = (*ZONE_STATUSES, "no_show")

# Who did not come (the same words as the meetings package's no-show sides).
MISSING_LABELS = {
    "startup": _l("the startup did not come"),
    "firm": _l("the firm did not come"),
    "both": _l("neither side came"),
}
# For the meeting-zone page: a no-show marked without naming a side, both sides scanned.
NOT_RECORDED = _l("who stayed away was not recorded")


def _meetings():
    try:
        models = importlib.import_module("eventapp.meetings.models")
        services = importlib.import_module("eventapp.meetings.services")
    except ModuleNotFoundError:
        return None
    needed = ("Meeting", "MeetingSeat", "MeetingSlot", "MeetingProfile")
    if not all(hasattr(models, name) for name in needed) or not all(
        hasattr(services, name) for name in ("mark_attendance", "MeetingError")
    ):
        return None
    return models, services


def _insert_ignoring_duplicates(values):
    """INSERT the arrival unless that side of the meeting is already in."""
    db.session.execute(
        insert_on_conflict(MeetingArrival)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["meeting_id", "slot_id", "side"])
    )


def _arrivals_of(meeting):
    """side -> when it arrived, for the meeting's current slot."""
    return dict(
        db.session.execute(
            select(MeetingArrival.side, MeetingArrival.arrived_at).where(
                MeetingArrival.meeting_id == meeting.id,
                MeetingArrival.slot_id == meeting.slot_id,
            )
        ).all()
    )


def _arrived_sides(meeting):
    return set(_arrivals_of(meeting))


def _counts_for(candidates, scanned_at, offline=False):
    """The (meeting, profile) of `candidates` (the current slot's, then the next's) a
    scan counts for: with back-to-back meetings, a scan shortly before the next slot
    counts for the next one once this side is already in for the current one, unless
    it is the same arrival scanned twice. An upload counts, as in time order, for the
    first meeting the side arrived at only later."""
    for meeting, profile in candidates:
        arrived_at = _arrivals_of(meeting).get(meeting.request.side_of(profile))
        if (
            arrived_at is None
            or abs(scanned_at - arrived_at) < SAME_ARRIVAL
            or (offline and arrived_at > scanned_at)
        ):
            return meeting, profile
    return candidates[0]


def mark_attended(ctx, badge_row, scanned_at, offline=False):
    """Record the arrival of the scanned person's side for their company's table meeting
    around `scanned_at`, and mark the meeting attended once both sides are in.
    Returns a dict about the meeting, or None when there is none."""
    found = _meetings()
    if found is None or badge_row.organization_id is None:
        return None
    models, services = found
    Meeting, MeetingSeat, MeetingSlot, MeetingProfile = (
        models.Meeting,
        models.MeetingSeat,
        models.MeetingSlot,
        models.MeetingProfile,
    )
    candidates = db.session.execute(
        select(Meeting, MeetingProfile)
        .join(MeetingSeat, MeetingSeat.meeting_id == Meeting.id)
        .join(MeetingProfile, MeetingProfile.id == MeetingSeat.profile_id)
        .join(MeetingSlot, MeetingSlot.id == Meeting.slot_id)
        .where(
            Meeting.event_id == ctx.event_id,
            MeetingProfile.organization_id == badge_row.organization_id,
            Meeting.status.in_(ARRIVAL_STATUSES),
            # What the meeting zone covers: the tables, not the firms' booths.
            Meeting.table_id.is_not(None),
            MeetingSlot.starts_at <= scanned_at + EARLY,
            MeetingSlot.ends_at > scanned_at,
        )
        .order_by(MeetingSlot.starts_at, Meeting.id)
        .limit(2)
    ).all()
    if not candidates:
        return None
    meeting, profile = _counts_for(candidates, scanned_at, offline)
    request = meeting.request
    side = request.side_of(profile)
    if side is None:  # pragma: no cover - a seat always belongs to one of the two sides
        return None
    # The two sides may be scanned at the same moment at two tablets: each waits
    # for the other's transaction on the meeting's row (PostgreSQL; SQLite takes
    # one writer at a time anyway), so the second one sees both arrivals.
    db.session.execute(select(Meeting.id).where(Meeting.id == meeting.id).with_for_update())
    # The meeting may have been cancelled or marked since the lookup above, which ran
    # before the lock: judge it as committed now, as a scan a moment later would.
    db.session.refresh(meeting)
    if meeting.status not in ARRIVAL_STATUSES or meeting.table_id is None:
        return None
    # Moved meanwhile to a slot away from the scan: the arrival is not for it.
    slot = db.session.get(MeetingSlot, meeting.slot_id, populate_existing=True)
    if not (slot.starts_at <= scanned_at + EARLY and slot.ends_at > scanned_at):
        return None
    before = _arrived_sides(meeting)
    _insert_ignoring_duplicates(
        {
            "event_id": ctx.event_id,
            "meeting_id": meeting.id,
            "slot_id": meeting.slot_id,
            "side": side,
            "profile_id": profile.id,
            "badge_id": badge_row.id,
            "scan_point_id": ctx.point_id,
            "arrived_at": scanned_at,
            "recorded_at": utcnow(),
        }
    )
    if offline:
        # Uploaded late by a scanner that was offline: the side came at the earlier scan.
        later = (
            MeetingArrival.meeting_id == meeting.id,
            MeetingArrival.slot_id == meeting.slot_id,
            MeetingArrival.side == side,
            MeetingArrival.arrived_at > scanned_at,
        )
        displaced = db.session.execute(
            select(
                MeetingArrival.arrived_at, MeetingArrival.badge_id, MeetingArrival.scan_point_id
            ).where(*later)
        ).first()
        db.session.execute(
            update(MeetingArrival)
            .where(*later)
            .values(
                arrived_at=scanned_at,
                badge_id=badge_row.id,
                scan_point_id=ctx.point_id,
                recorded_at=utcnow(),
            )
        )
        if displaced is not None and displaced.arrived_at - scanned_at >= SAME_ARRIVAL:
            # That later scan was taken for this meeting only for want of an earlier
            # one: in time order it was the side's arrival for its next meeting.
            # As an upload: it may take over a still later arrival in its turn (each
            # step goes to a later time, so this ends).
            mark_attended(
                dataclasses.replace(ctx, point_id=displaced.scan_point_id),
                SimpleNamespace(id=displaced.badge_id, organization_id=badge_row.organization_id),
                displaced.arrived_at,
                offline=True,
            )
    # The meeting's row is locked: no other scan adds a side meanwhile.
    arrived = before | {side}
    complete = arrived >= set(MEETING_SIDES)
    # Only the scan that brings the second side marks it: a later one (a side scanned
    # again) must not undo an organizer's "set back to scheduled".
    if complete and side not in before and meeting.status == "scheduled":
        # Both are here: record it from the slot's start at the latest.
        try:
            services.mark_attendance(
                meeting, "attended", None, now=max(scanned_at, meeting.starts_at)
            )
        except services.MeetingError as error:
            # The meetings package has the last word on its meetings, but a refusal
            # there must not cost the scan (a 500, nothing stored): the person is
            # admitted and their arrival stays recorded, without the meeting's part.
            current_app.logger.warning(
                "meeting %s not marked attended at scan point %s: %s",
                meeting.id,
                ctx.point_id,
                error,
            )
            return None
    partner = (request.firm if side == "startup" else request.startup).organization
    local = [
        moment.astimezone(ctx.tz).strftime("%H:%M") for moment in (slot.starts_at, slot.ends_at)
    ]
    return {
        "id": meeting.id,
        "status": meeting.status,
        "slot": meeting.slot.code,
        "starts_at": meeting.starts_at.isoformat(),
        "place": meeting.location_label,
        # Staff see which of a person's meetings the scan counted for.
        "time": "–".join(local),
        # A company may have a name in one language only.
        "partner_ko": partner.name_ko or partner.name_en,
        "partner_en": partner.name_en or partner.name_ko,
        "side": side,
        "arrived": sorted(arrived),
        "complete": complete,
    }


def zone_meetings(event, day=None):
    """Meetings at the meeting tables (not at booths), with their slot, for a day."""
    found = _meetings()
    if found is None:
        return []
    models, _services = found
    request = joinedload(models.Meeting.request)
    query = (
        select(models.Meeting)
        .join(models.MeetingSlot, models.MeetingSlot.id == models.Meeting.slot_id)
        .where(
            models.Meeting.event_id == event.id,
            models.Meeting.status != "cancelled",
            models.Meeting.table_id.is_not(None),
        )
        .order_by(models.MeetingSlot.starts_at, models.Meeting.id)
        # The zone's list names both companies of every meeting: with the meetings,
        # not one query each.
        .options(
            request.joinedload(models.MeetingRequest.startup),
            request.joinedload(models.MeetingRequest.firm),
        )
    )
    meetings = db.session.scalars(query).unique().all()
    if day is not None:
        meetings = [m for m in meetings if m.starts_at.astimezone(event.tz).date() == day]
    return meetings


def turned_away(point, meetings):
    """category -> how many badge holders of the meetings' companies `point` does not
    admit: people due at the tables whose badge category the organizers left out
    (their scans answer `not_allowed`, so their side never arrives)."""
    if not point.allowed_categories:
        return {}
    organizations = {profile.organization_id for m in meetings for profile in (m.startup, m.firm)}
    if not organizations:
        return {}
    from eventapp.badges.models import Badge

    rows = db.session.execute(
        select(Badge.category, func.count())
        .where(
            Badge.event_id == point.event_id,
            Badge.revoked_at.is_(None),
            Badge.organization_id.in_(organizations),
            Badge.category.not_in(point.allowed_categories),
        )
        .group_by(Badge.category)
        .order_by(Badge.category)
    ).all()
    return dict(rows)


def arrivals(meetings):
    """meeting id -> {side: MeetingArrival} for the meetings' current slots."""
    meetings = list(meetings)
    if not meetings:
        return {}
    slots = {m.id: m.slot_id for m in meetings}
    found = {m.id: {} for m in meetings}
    rows = db.session.scalars(
        select(MeetingArrival).where(MeetingArrival.meeting_id.in_(list(slots)))
    )
    for arrival in rows:
        if slots.get(arrival.meeting_id) == arrival.slot_id:
            found[arrival.meeting_id][arrival.side] = arrival
    return found


def missing_side(arrived):
    """The side missing from `arrived` ("startup" or "firm"), "both", or None if both came."""
    missing = [side for side in MEETING_SIDES if side not in arrived]
    if not missing:
        return None
    return missing[0] if len(missing) == 1 else "both"


# Who was scanned after all, where a no-show said otherwise.
SCANNED_SINCE_LABELS = {
    "startup": _l("the startup was scanned since: check it"),
    "firm": _l("the firm was scanned since: check it"),
    "both": _l("both sides were scanned since: check it"),
}


def scanned_since(marked, came):
    """The sides that contradict a no-show (`marked`: the side said to be missing,
    "both", or None when not recorded) among those scanned since it was recorded
    (`came`): "startup", "firm", "both", or None."""
    came = set(came)
    if marked is None:
        return "both" if missing_side(came) is None else None
    said_absent = set(MEETING_SIDES) if marked == "both" else {marked}
    contradicting = said_absent & came
    if not contradicting:
        return None
    return contradicting.pop() if len(contradicting) == 1 else "both"


def came_since(arrived, marked_at):
    """The sides of `arrived` ({side: MeetingArrival}) recorded after `marked_at` (all
    when either time is unknown): an organizer who marks a side absent although it
    was scanned has decided, but an upload that comes in later is news."""
    return {
        side
        for side, arrival in arrived.items()
        if marked_at is None or arrival.recorded_at is None or arrival.recorded_at > marked_at
    }


def attendance_marked_at(meetings):
    """meeting id -> when its attendance (a no-show, say) was last recorded."""
    from eventapp.core.audit import AuditEntry

    ids = {str(m.id): m.id for m in meetings}
    if not ids:
        return {}
    rows = db.session.execute(
        select(AuditEntry.object_id, func.max(AuditEntry.created_at))
        .where(
            AuditEntry.action == "meeting.attendance",
            AuditEntry.object_type == "Meeting",
            AuditEntry.object_id.in_(list(ids)),
        )
        .group_by(AuditEntry.object_id)
    )
    return {ids[object_id]: at for object_id, at in rows}


@dataclass
class NoShow:
    meeting: object
    missing: str  # "startup", "firm" or "both"

    @property
    def label(self):
        return MISSING_LABELS[self.missing]


def no_shows(event, now=None, day=None):
    """Scheduled table meetings (of `day`, or of every fair day) whose slot ended
    NO_SHOW_AFTER ago with a side (or both) not checked in at the meeting zone, with
    the side that is missing."""
    now = now or utcnow()
    due = [
        m
        for m in zone_meetings(event, day)
        if m.status == "scheduled" and m.ends_at + NO_SHOW_AFTER <= now
    ]
    found = arrivals(due)
    result = []
    for meeting in due:
        missing = missing_side(found[meeting.id])
        if missing is not None:
            result.append(NoShow(meeting, missing))
    return result


def _still_missing(models, meeting, now):
    """The side still missing, re-read under the meeting's lock (the one a scan takes to
    record an arrival); None once the meeting is no longer a due no-show. A side
    scanned since the list was read must not be overruled (the organizer's word would
    replace the attendance the scan just recorded), nor a meeting moved meanwhile to a
    later slot or to a booth be marked before it took place."""
    db.session.execute(
        select(models.Meeting.id).where(models.Meeting.id == meeting.id).with_for_update()
    )
    db.session.refresh(meeting)
    if meeting.status != "scheduled" or meeting.table_id is None:
        return None
    slot = db.session.get(models.MeetingSlot, meeting.slot_id, populate_existing=True)
    if slot.ends_at + NO_SHOW_AFTER > now:
        return None
    return missing_side(arrivals([meeting])[meeting.id])


def _mark_no_show(services, meeting, missing, user, now):
    """Mark one no-show saying who stayed away, as far as the meetings package's
    `mark_attendance` lets us: an organizer names the side; otherwise the side
    that came counts as the one reporting the other's absence."""
    accepted = inspect.signature(services.mark_attendance).parameters
    extra = {}
    if "no_show_side" in accepted:
        extra["no_show_side"] = missing
    if "profile" in accepted and missing != "both":
        request = meeting.request
        extra["profile"] = request.firm if missing == "startup" else request.startup
    services.mark_attendance(meeting, "no_show", user, now=now, **extra)


def mark_no_shows(event, user=None, now=None, day=None):
    """Set the no-shows' status (of `day`, or of every fair day); returns how many.
    The caller commits."""
    found = _meetings()
    if found is None:
        return 0
    models, services = found
    now = now or utcnow()
    marked = 0
    for item in no_shows(event, now, day):
        missing = _still_missing(models, item.meeting, now)
        if missing is None:
            continue
        try:
            _mark_no_show(services, item.meeting, missing, user, now)
        except services.MeetingError:
            # Cancelled since the list was read (mark_attendance re-reads the locked
            # meeting and refuses before changing anything): no longer a no-show.
            continue
        marked += 1
    return marked
