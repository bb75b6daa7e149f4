"""The small link between meeting-zone scans and the global meetup.

Optional: without the meetings package (or its tables) every function here
does nothing. A scan at a meeting zone marks the scanned person's company's
meeting of the current (or next, within EARLY) slot as attended; meetings whose
slot is over and that nobody attended are the no-shows.
"""

import importlib
from datetime import timedelta

from sqlalchemy import select

from eventapp.core.db import utcnow
from eventapp.extensions import db

# A person may arrive this long before their slot starts.
EARLY = timedelta(minutes=15)
# A meeting counts as a no-show this long after its slot ended.
NO_SHOW_AFTER = timedelta(minutes=10)


def _meetings():
    try:
        models = importlib.import_module("eventapp.meetings.models")
        services = importlib.import_module("eventapp.meetings.services")
    except ModuleNotFoundError:
        return None
    needed = ("Meeting", "MeetingSeat", "MeetingSlot", "MeetingProfile")
    if not all(hasattr(models, name) for name in needed) or not hasattr(
        services, "mark_attendance"
    ):
        return None
    return models, services


def mark_attended(ctx, badge_row, scanned_at):
    """Mark the scanned company's meeting around `scanned_at` attended; a dict about it or None."""
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
    meeting = db.session.scalar(
        select(Meeting)
        .join(MeetingSeat, MeetingSeat.meeting_id == Meeting.id)
        .join(MeetingProfile, MeetingProfile.id == MeetingSeat.profile_id)
        .join(MeetingSlot, MeetingSlot.id == Meeting.slot_id)
        .where(
            Meeting.event_id == ctx.event_id,
            MeetingProfile.organization_id == badge_row.organization_id,
            Meeting.status.in_(("scheduled", "attended")),
            MeetingSlot.starts_at <= scanned_at + EARLY,
            MeetingSlot.ends_at >= scanned_at,
        )
        .order_by(MeetingSlot.starts_at)
    )
    if meeting is None:
        return None
    if meeting.status == "scheduled":
        # The person is here for it: record it from the slot's start at the latest.
        services.mark_attendance(meeting, "attended", None, now=max(scanned_at, meeting.starts_at))
    request = meeting.request
    mine = request.startup if request.startup.organization_id == badge_row.organization_id else None
    partner = request.firm if mine is not None else request.startup
    return {
        "id": meeting.id,
        "status": meeting.status,
        "slot": meeting.slot.code,
        "starts_at": meeting.starts_at.isoformat(),
        "place": meeting.location_label,
        "partner_ko": partner.organization.name_ko,
        "partner_en": partner.organization.name_en,
    }


def zone_meetings(event, day=None):
    """Meetings at the meeting tables (not at booths), with their slot, for a day."""
    found = _meetings()
    if found is None:
        return []
    models, _services = found
    query = (
        select(models.Meeting)
        .join(models.MeetingSlot, models.MeetingSlot.id == models.Meeting.slot_id)
        .where(
            models.Meeting.event_id == event.id,
            models.Meeting.status != "cancelled",
            models.Meeting.table_id.is_not(None),
        )
        .order_by(models.MeetingSlot.starts_at, models.Meeting.id)
    )
    meetings = db.session.scalars(query).all()
    if day is not None:
        meetings = [m for m in meetings if m.starts_at.astimezone(event.tz).date() == day]
    return meetings


def no_shows(event, now=None):
    """Scheduled table meetings whose slot ended NO_SHOW_AFTER ago: nobody checked in."""
    now = now or utcnow()
    return [
        m
        for m in zone_meetings(event)
        if m.status == "scheduled" and m.ends_at + NO_SHOW_AFTER <= now
    ]


def mark_no_shows(event, user=None, now=None):
    """Set the no-shows' status; returns how many. The caller commits."""
    found = _meetings()
    if found is None:
        return 0
    _models, services = found
    now = now or utcnow()
    missed = no_shows(event, now)
    for meeting in missed:
        services.mark_attendance(meeting, "no_show", user, now=now)
    return len(missed)
