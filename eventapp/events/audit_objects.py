"""What the audit log's entries are about, named as organizers know them.

An entry stores its object as a type and an id ("Badge", "1057"): the log shows
the badge's printed number and holder, the scan point's name, the device's label,
a meeting's two companies and time, linked to the object's page; an object deleted
since, by the name its deletion entry kept. A page of entries reads the names with
one query per type of object on it, and one for those deleted, not one per row.
"""

from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import aliased

from eventapp.accounts.models import User
from eventapp.badges.models import Badge
from eventapp.booths.models import BoothPlanProposal, Exhibitor
from eventapp.checkin.models import Lead, ScanDevice, ScanPoint, lead_names
from eventapp.core.audit import DELETIONS, AuditEntry, deleted_name
from eventapp.core.i18n import in_language
from eventapp.core.templating import fair_day, local_time
from eventapp.events.models import Hall
from eventapp.extensions import db
from eventapp.meetings.models import (
    Meeting,
    MeetingPlan,
    MeetingProfile,
    MeetingRequest,
    MeetingSlot,
    MeetingTimeProposal,
)
from eventapp.organizations.models import Organization


def _badges(event, ids):
    for badge in db.session.scalars(
        select(Badge).where(Badge.event_id == event.id, Badge.id.in_(ids))
    ):
        # The number printed under the QR code, and whose badge it is.
        name = f"{badge.number} · {badge.name}" if badge.name else badge.number
        yield badge.id, name, url_for("badges.detail", slug=event.slug, badge_id=badge.id)


def _scan_points(event, ids):
    for point in db.session.scalars(
        select(ScanPoint).where(ScanPoint.event_id == event.id, ScanPoint.id.in_(ids))
    ):
        yield (
            point.id,
            point.name,
            url_for("checkin.point_edit", slug=event.slug, point_id=point.id),
        )


def _devices(event, ids):
    for device in db.session.scalars(
        select(ScanDevice).where(ScanDevice.event_id == event.id, ScanDevice.id.in_(ids))
    ):
        # One without a label keeps its number: "Scanner device 3" says it all.
        yield (
            device.id,
            device.label or None,
            url_for("checkin.device_show", slug=event.slug, device_id=device.id),
        )


def _exhibitors(event, ids):
    rows = db.session.execute(
        select(Exhibitor.id, Organization.name_ko, Organization.name_en)
        .join(Organization, Organization.id == Exhibitor.organization_id)
        .where(Exhibitor.event_id == event.id, Exhibitor.id.in_(ids))
    )
    for exhibitor_id, name_ko, name_en in rows:
        url = url_for("exhibitors.manage_detail", slug=event.slug, exhibitor_id=exhibitor_id)
        yield exhibitor_id, in_language(name_ko, name_en), url


def _halls(event, ids):
    for hall in db.session.scalars(select(Hall).where(Hall.event_id == event.id, Hall.id.in_(ids))):
        yield hall.id, hall.name, None


def _booth_plans(event, ids):
    rows = db.session.scalars(
        select(BoothPlanProposal.id).where(
            BoothPlanProposal.event_id == event.id, BoothPlanProposal.id.in_(ids)
        )
    )
    for plan_id in rows:
        yield plan_id, None, url_for("booths.proposal", slug=event.slug, proposal_id=plan_id)


def _meeting_plans(event, ids):
    rows = db.session.scalars(
        select(MeetingPlan.id).where(MeetingPlan.event_id == event.id, MeetingPlan.id.in_(ids))
    )
    for plan_id in rows:
        yield plan_id, None, url_for("meetings.plan", slug=event.slug, plan_id=plan_id)


def _profiles(event, ids):
    rows = db.session.execute(
        select(MeetingProfile.id, Organization.name_ko, Organization.name_en)
        .join(Organization, Organization.id == MeetingProfile.organization_id)
        .where(MeetingProfile.event_id == event.id, MeetingProfile.id.in_(ids))
    )
    for profile_id, name_ko, name_en in rows:
        yield profile_id, in_language(name_ko, name_en), None


def _two_companies(query):
    """`query` (rows joined to their request) joined to the names of the request's startup and
    firm, which follow the row's own columns: ko, en of each."""
    startup, firm = aliased(MeetingProfile), aliased(MeetingProfile)
    startup_org, firm_org = aliased(Organization), aliased(Organization)
    return (
        query.add_columns(startup_org.name_ko, startup_org.name_en)
        .add_columns(firm_org.name_ko, firm_org.name_en)
        .join(startup, startup.id == MeetingRequest.startup_id)
        .join(startup_org, startup_org.id == startup.organization_id)
        .join(firm, firm.id == MeetingRequest.firm_id)
        .join(firm_org, firm_org.id == firm.organization_id)
    )


def _pair(startup_ko, startup_en, firm_ko, firm_en):
    # As the meetup's own pages put them: the startup first.
    return f"{in_language(startup_ko, startup_en)} ↔ {in_language(firm_ko, firm_en)}"


def _when(event, starts_at):
    """A meeting's day and time as the meetup pages read them ("Dec 10 10:30")."""
    local = starts_at.astimezone(event.tz)
    return f"{fair_day(local.date(), event)} {local_time(starts_at, 'HH:mm', event)}"


def _meeting_requests(event, ids):
    rows = db.session.execute(
        _two_companies(select(MeetingRequest.id)).where(
            MeetingRequest.event_id == event.id, MeetingRequest.id.in_(ids)
        )
    )
    for request_id, *names in rows:
        url = url_for("meetings.request_detail", slug=event.slug, request_id=request_id)
        yield request_id, _pair(*names), url


def _meetings(event, ids):
    # The meeting's time now: a moved meeting is found where it is, not where it was.
    rows = db.session.execute(
        _two_companies(
            select(Meeting.id, MeetingSlot.starts_at)
            .join(MeetingRequest, MeetingRequest.id == Meeting.request_id)
            .join(MeetingSlot, MeetingSlot.id == Meeting.slot_id)
        ).where(Meeting.event_id == event.id, Meeting.id.in_(ids))
    )
    for meeting_id, starts_at, *names in rows:
        url = url_for("meetings.meeting_detail", slug=event.slug, meeting_id=meeting_id)
        yield meeting_id, f"{_pair(*names)} · {_when(event, starts_at)}", url


def _time_proposals(event, ids):
    # The time proposed, and the meeting's page, where the proposal is answered.
    rows = db.session.execute(
        _two_companies(
            select(MeetingTimeProposal.id, MeetingTimeProposal.meeting_id, MeetingSlot.starts_at)
            .join(Meeting, Meeting.id == MeetingTimeProposal.meeting_id)
            .join(MeetingRequest, MeetingRequest.id == Meeting.request_id)
            .join(MeetingSlot, MeetingSlot.id == MeetingTimeProposal.slot_id)
        ).where(MeetingTimeProposal.event_id == event.id, MeetingTimeProposal.id.in_(ids))
    )
    for proposal_id, meeting_id, starts_at, *names in rows:
        url = url_for("meetings.meeting_detail", slug=event.slug, meeting_id=meeting_id)
        yield proposal_id, f"{_pair(*names)} · {_when(event, starts_at)}", url


def _leads(event, ids):
    # The visitor the company scanned, and the company: "Kim Minsu (Alpha Robotics)".
    rows = db.session.execute(
        select(Lead.id, Badge.name_ko, Badge.name_en, Organization.name_ko, Organization.name_en)
        .join(Badge, Badge.id == Lead.badge_id)
        .join(Organization, Organization.id == Lead.organization_id)
        .where(Lead.event_id == event.id, Lead.id.in_(ids))
    )
    for lead_id, *names in rows:
        yield lead_id, in_language(*lead_names(*names)), None


def _organizations(event, ids):
    rows = db.session.execute(
        select(Organization.id, Organization.name_ko, Organization.name_en).where(
            Organization.id.in_(ids)
        )
    )
    for organization_id, name_ko, name_en in rows:
        yield organization_id, in_language(name_ko, name_en), None


def _users(event, ids):
    for user in db.session.scalars(select(User).where(User.id.in_(ids))):
        yield user.id, user.name, None


def _events(event, ids):
    if event.id in ids:
        yield event.id, event.name, url_for("events.overview", slug=event.slug)


# How each type of object is named: (id, name or None, address or None) of those of
# the ids that still exist. A name of None keeps the number (a plan has no other).
NAMERS = {
    "Badge": _badges,
    "BoothPlanProposal": _booth_plans,
    "Event": _events,
    "Exhibitor": _exhibitors,
    "Hall": _halls,
    "Lead": _leads,
    "Meeting": _meetings,
    "MeetingPlan": _meeting_plans,
    "MeetingProfile": _profiles,
    "MeetingRequest": _meeting_requests,
    "MeetingTimeProposal": _time_proposals,
    "Organization": _organizations,
    "ScanDevice": _devices,
    "ScanPoint": _scan_points,
    "User": _users,
}


def name_objects(event, entries):
    """Give each entry the name and address of its object (`object_name`,
    `object_url`). An object deleted since is named by its deletion entry, for every
    entry about it (`object_deleted`, no address); one gone without such an entry
    keeps its number."""
    wanted = {}
    for entry in entries:
        if entry.object_type in NAMERS and (entry.object_id or "").isdigit():
            wanted.setdefault(entry.object_type, set()).add(int(entry.object_id))
    found = {}
    for object_type, ids in wanted.items():
        for object_id, name, url in NAMERS[object_type](event, sorted(ids)):
            found[object_type, str(object_id)] = (name, url)
    gone = {
        (object_type, str(object_id))
        for object_type, ids in wanted.items()
        for object_id in ids
        if (object_type, str(object_id)) not in found
    }
    deleted = _deleted_names(event, entries, gone)
    for entry in entries:
        key = (entry.object_type, entry.object_id)
        if entry.object_type == "Booth":
            # Booth entries (blocked, unblocked) keep the booths' codes, which are
            # their names, not row ids: "101" is a booth's code, not booth 101.
            codes = (entry.data or {}).get("booths")
            entry.object_name = ", ".join(codes) if codes else entry.object_id
            entry.object_url = None
        elif key in deleted:
            entry.object_name, entry.object_url = deleted[key], None
            entry.object_deleted = True
        elif key in found:
            entry.object_name, entry.object_url = found[key]
        else:
            entry.object_name, entry.object_url = _as_logged(entry), None
    return entries


def _as_logged(entry):
    """The name or label a scan point's or device's own entry logged, for one deleted
    before deletions were recorded by name (its devices went without an entry)."""
    if entry.object_type not in ("ScanPoint", "ScanDevice"):
        return None
    data = entry.data or {}
    recorded = data.get("name") or data.get("label")
    return recorded if isinstance(recorded, str) and recorded else None


def _deleted_names(event, entries, gone):
    """{(type, id): name or None} of the objects in `gone` that a deletion entry
    records: from the page's own entries, and the others' in one query for the page."""
    names = {}
    for entry in entries:
        key = (entry.object_type, entry.object_id)
        if key in gone and entry.action in DELETIONS:
            names[key] = deleted_name(entry.data)
    missing = gone - names.keys()
    if missing:
        rows = db.session.execute(
            select(AuditEntry.object_type, AuditEntry.object_id, AuditEntry.data).where(
                AuditEntry.event_id == event.id,
                AuditEntry.action.in_(DELETIONS),
                AuditEntry.object_id.in_(sorted({object_id for _, object_id in missing})),
            )
        )
        for object_type, object_id, data in rows:
            if (object_type, object_id) in missing:
                names[object_type, object_id] = deleted_name(data)
    return names
