"""The organizer's "schedule all accepted requests": database <-> scheduler problem.

1. `build_problem(event)` turns the database into a `kicxup-meetings/1` problem (see
   the meetings spec): slots and active tables; every profile with an accepted request
   as a participant (available = the slots it has not marked unavailable and that have
   not started; `max_meetings` = its cap; `location` = its booth when it receives
   there, one location for firms at one stand); accepted requests with their weight;
   meetings already scheduled as `fixed`.
2. `run_plan(event, user)` solves it and stores a `MeetingPlan` to preview: how many
   meetings are placed, who is left out and why. No transaction stays open while the
   solver runs (seconds; on SQLite an open transaction holds the write lock).
3. `apply_plan(plan, user)` re-builds the problem under locks and refuses a stale plan
   (the data changed since the preview), and one that puts two firms' meetings at one
   stand in one slot (a stand lent twice); otherwise it creates every new meeting with its
   seats in the caller's transaction (one commit), and mails each participant once.
   Meetings whose slot has started by then are left out.

Ids in the problem: participants "S<profile id>" / "F<profile id>", requests
"R<request id>", slots by their code, tables by their code.
"""

import hashlib
import json
from collections import defaultdict

from flask import current_app
from sqlalchemy import select

from eventapp.core import audit
from eventapp.core.db import utcnow
from eventapp.core.i18n import gettext as _
from eventapp.extensions import db
from eventapp.meetings import scheduler, services, signals
from eventapp.meetings.models import (
    ACTIVE_MEETING_STATUSES,
    Meeting,
    MeetingPlan,
    MeetingProfile,
    MeetingRequest,
    MeetingSeat,
    Unavailability,
)

REASON_LABELS = {
    scheduler.NO_COMMON_SLOT: "no common free slot",
    scheduler.STARTUP_CAP: "startup cap reached",
    scheduler.FIRM_CAP: "firm cap reached",
    scheduler.SLOTS_TAKEN: "common slots taken by other meetings",
    scheduler.NO_TABLE: "no table/slot capacity left",
}


class StalePlan(services.MeetingError):
    """The data changed after the plan was computed."""


def participant_id(profile):
    return f"{'S' if profile.side == 'startup' else 'F'}{profile.id}"


def request_id(request):
    return f"R{request.id}"


def _iso(moment, event):
    return moment.astimezone(event.tz).isoformat()


def build_problem(event, *, now=None):
    """The scheduling problem of `event` as plain data (JSON-ready dict).

    Slots that have started by `now` are in the problem (fixed meetings may sit there)
    but nobody is available in them. Meetings that the format cannot express as fixed
    (at a switched-off table, or at a booth of a firm that now uses the tables) still
    count: their slot is removed from both participants' availability and their cap
    lowered by one.
    """
    now = now or utcnow()
    settings = services.get_settings(event)
    slots = services.slots_of(event)
    tables = services.tables_of(event)
    table_codes = {t.id: t.code for t in tables}
    slot_code = {s.id: s.code for s in slots}
    open_slots = [s.code for s in slots if s.starts_at > now]
    order = {s.code: i for i, s in enumerate(slots)}

    accepted = db.session.scalars(
        select(MeetingRequest)
        .where(MeetingRequest.event_id == event.id, MeetingRequest.status == "accepted")
        .order_by(MeetingRequest.id)
    ).all()
    meetings = {
        m.request_id: m
        for m in db.session.scalars(
            select(Meeting).where(
                Meeting.event_id == event.id, Meeting.status.in_(ACTIVE_MEETING_STATUSES)
            )
        )
    }
    profile_ids = {r.startup_id for r in accepted} | {r.firm_id for r in accepted}
    # People with meetings of no-longer-accepted requests never happen (cancelling a
    # request cancels its meeting), but their seats still count through `meetings`.
    for meeting in meetings.values():
        profile_ids |= {meeting.request.startup_id, meeting.request.firm_id}
    profiles = {
        p.id: p
        for p in db.session.scalars(
            select(MeetingProfile).where(MeetingProfile.id.in_(profile_ids))
        )
    }
    unavailable = defaultdict(set)
    for profile_id, slot_id in db.session.execute(
        select(Unavailability.profile_id, Unavailability.slot_id).where(
            Unavailability.profile_id.in_(profile_ids)
        )
    ):
        unavailable[profile_id].add(slot_code.get(slot_id))

    # A firm receives at its booth in the problem only if none of its meetings uses a table,
    # and only at a booth a booking would send its partners to (not one given to another
    # company since it was lent).
    firm_uses_table = {m.request.firm_id for m in meetings.values() if m.table_id is not None}
    booths = services.reception_booths(event.id, [p for p in profiles.values() if p.side == "firm"])
    location = {
        p.id: booths.get(p.id) if p.id not in firm_uses_table else None for p in profiles.values()
    }
    # Firms at one stand (lent twice, before that was refused) give it as one location,
    # whatever the case of their codes: the scheduler then puts one meeting there a slot.
    spelling = {}
    for profile_id in sorted(location):
        if location[profile_id]:
            key = services._booth_key(location[profile_id])
            location[profile_id] = spelling.setdefault(key, location[profile_id])

    fixed, blocked = [], defaultdict(set)
    fixed_count = defaultdict(int)
    fixed_slots = defaultdict(set)
    every = {r.id: r for r in accepted}
    every.update({m.request_id: m.request for m in meetings.values()})
    requests = []
    for request in sorted(every.values(), key=lambda r: r.id):
        meeting = meetings.get(request.id)
        firm_location = location[request.firm_id]
        if meeting is None:
            requests.append(request)
            continue
        code = slot_code[meeting.slot_id]
        expressible = (firm_location and meeting.table_id is None) or (
            not firm_location and meeting.table_id in table_codes
        )
        if expressible:
            requests.append(request)
            fixed.append(
                {
                    "request": request_id(request),
                    "slot": code,
                    "table": None if firm_location else table_codes[meeting.table_id],
                }
            )
            for profile_id in (request.startup_id, request.firm_id):
                fixed_count[profile_id] += 1
                fixed_slots[profile_id].add(code)
        else:
            blocked[request.startup_id].add(code)
            blocked[request.firm_id].add(code)

    participants = []
    for profile in sorted(profiles.values(), key=lambda p: (p.side != "startup", p.id)):
        cap = profile.effective_cap(settings)
        if cap is not None:
            cap = max(cap - len(blocked[profile.id]), fixed_count[profile.id], 0)
        available = [
            code
            for code in open_slots
            if code not in unavailable[profile.id] and code not in blocked[profile.id]
        ]
        # Fixed meetings stay where they are, even in a slot that has started.
        available = sorted(set(available) | fixed_slots[profile.id], key=order.__getitem__)
        item = {
            "id": participant_id(profile),
            "side": profile.side,
            "available": available,
            "max_meetings": cap,
        }
        if profile.side == "firm":
            item["location"] = location[profile.id]
        participants.append(item)

    pid = {p.id: participant_id(p) for p in profiles.values()}
    return {
        "format": scheduler.FORMAT,
        "slots": [
            {"id": s.code, "start": _iso(s.starts_at, event), "end": _iso(s.ends_at, event)}
            for s in slots
        ],
        "tables": [t.code for t in tables],
        "participants": participants,
        "requests": [
            {
                "id": request_id(r),
                "startup": pid[r.startup_id],
                "firm": pid[r.firm_id],
                "weight": max(1, int(r.weight or 1)),
            }
            for r in requests
        ],
        "fixed": fixed,
        "first_meeting_bonus": settings.first_meeting_bonus if settings else 3,
    }


def fingerprint(problem):
    canonical = json.dumps(problem, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def run_plan(event, user, *, time_limit=None, workers=None, now=None):
    """Solve the event's problem and store the result as a plan to preview.

    Ends the caller's transaction: the problem is read, that transaction is committed
    (it wrote nothing of ours), the solver runs with no transaction open, and the plan
    is added in a new one, which the caller commits. Whatever changes meanwhile makes
    the plan stale; `apply_plan` checks.
    """
    now = now or utcnow()
    time_limit = time_limit or current_app.config["MEETINGS_SOLVER_SECONDS"]
    workers = workers or current_app.config["MEETINGS_SOLVER_WORKERS"]
    event_id, user_id = event.id, getattr(user, "id", None)
    data = build_problem(event, now=now)
    # Release the database before the long part: on SQLite every transaction holds the
    # write lock (BEGIN IMMEDIATE), and on PostgreSQL an idle open transaction pins a
    # connection and old row versions. From here until the plan is stored, no ORM object
    # is touched (that would begin a new transaction).
    db.session.commit()
    problem = scheduler.parse_problem(data)
    solution = scheduler.solve(problem, time_limit=time_limit, workers=workers)
    figures = scheduler.score(problem, solution)
    fixed = {f["request"] for f in data["fixed"]}
    new = [m for m in solution.meetings if m.request not in fixed]
    summary = {
        **figures,
        "requests": len(data["requests"]),
        "fixed": len(fixed),
        "new": len(new),
        "left_out": len(solution.left_out),
        "status": solution.status,
        "upper_bound": solution.upper_bound,
    }
    plan = MeetingPlan(
        event_id=event_id,
        created_by_id=user_id,
        created_at=now,
        fingerprint=fingerprint(data),
        problem=data,
        solution={
            "meetings": [
                {"request": m.request, "slot": m.slot, "table": m.table} for m in solution.meetings
            ],
            "left_out": dict(solution.left_out),
        },
        summary=summary,
        status="preview",
    )
    db.session.add(plan)
    db.session.flush()
    audit.record("meeting_plan.computed", plan, event=event_id, data=summary)
    return plan


def preview(plan):
    """Rows for the preview page: new meetings and left-out requests with names."""
    ids = [int(m["request"][1:]) for m in plan.solution["meetings"]]
    ids += [int(r[1:]) for r in plan.solution["left_out"]]
    requests = {
        r.id: r
        for r in db.session.scalars(select(MeetingRequest).where(MeetingRequest.id.in_(ids)))
    }
    fixed = {f["request"] for f in plan.problem["fixed"]}
    placed = [
        {
            "request": requests.get(int(m["request"][1:])),
            "slot": m["slot"],
            "table": m["table"],
            "fixed": m["request"] in fixed,
        }
        for m in plan.solution["meetings"]
    ]
    left_out = [
        {"request": requests.get(int(rid[1:])), "reason": reason}
        for rid, reason in sorted(plan.solution["left_out"].items(), key=lambda i: int(i[0][1:]))
    ]
    return placed, left_out


def apply_plan(plan, user, *, now=None):
    """Create the plan's new meetings, or raise StalePlan when the data changed.

    Runs in the caller's transaction: every participant row of the event is locked
    first (PostgreSQL), so no booking can slip in between the check and the inserts;
    the seat constraints would refuse one anyway (the caller then rolls back).

    Staleness is judged on the data as of the preview, but the clock is read now: a
    meeting of the plan whose slot has started meanwhile is left out (nobody could go
    to it any more; leaving a meeting out never makes another one infeasible). Their
    number is kept as `plan.summary["skipped_started"]`. Returns the new meetings.

    MeetingError, and nothing created, when the plan puts two firms' meetings at one
    stand in one slot (_check_stands_hold_one_meeting).
    """
    now = now or services._now()
    event = plan.event
    services._lock_event_profiles(event)
    # Read under the locks: an organizer applying the same plan a moment earlier has
    # committed by now, and must not see it turned into a stale plan.
    services._fresh(plan)
    if plan.status != "preview":
        raise services.MeetingError(_("This plan has already been used."))
    current = build_problem(event, now=plan.created_at)
    if fingerprint(current) != plan.fingerprint:
        plan.status = "stale"
        raise StalePlan(
            _(
                "Requests, meetings or availability changed since this plan was computed. "
                "Please compute a new plan."
            )
        )
    slots = {s.code: s for s in services.slots_of(event)}
    tables = {t.code: t for t in services.tables_of(event)}
    # Where the solver was told each firm receives (the problem is unchanged, as checked).
    booth_of = {p["id"]: p.get("location") for p in current["participants"]}
    fixed = {f["request"] for f in plan.problem["fixed"]}
    new = [item for item in plan.solution["meetings"] if item["request"] not in fixed]
    skipped = [item["request"] for item in new if slots[item["slot"]].starts_at <= now]
    new = [item for item in new if item["request"] not in skipped]
    _check_stands_hold_one_meeting(event, new, slots, booth_of)
    created = []
    for item in new:
        slot = slots[item["slot"]]
        request = db.session.get(MeetingRequest, int(item["request"][1:]))
        meeting = Meeting(
            event_id=event.id,
            request=request,
            slot=slot,
            status="scheduled",
            scheduled_via="planner",
            scheduled_by_id=getattr(user, "id", None),
        )
        table = tables.get(item["table"]) if item["table"] else None
        meeting.table = table
        meeting.booth_code = None if table else booth_of[participant_id(request.firm)]
        db.session.add(meeting)
        db.session.flush()
        seats = [
            MeetingSeat(meeting_id=meeting.id, slot_id=slot.id, profile_id=request.startup_id),
            MeetingSeat(meeting_id=meeting.id, slot_id=slot.id, profile_id=request.firm_id),
        ]
        if table is not None:
            seats.append(MeetingSeat(meeting_id=meeting.id, slot_id=slot.id, table_id=table.id))
        db.session.add_all(seats)
        created.append(meeting)
    db.session.flush()  # a seat conflict raises here; the caller rolls back
    plan.status = "applied"
    plan.applied_at = now
    plan.summary = {**plan.summary, "skipped_started": len(skipped)}
    audit.record(
        "meeting_plan.applied",
        plan,
        event=event,
        data={"created": len(created), "skipped_started": skipped},
    )
    _mail_new_meetings(event, created)
    for meeting in created:
        signals.meeting_scheduled.send(meeting)
    return created


def _check_stands_hold_one_meeting(event, items, slots, booth_of):
    """MeetingError naming the stand, the slot and both firms when the plan's new
    meetings `items` put two firms' meetings at one booth in one slot. The solver
    takes a booth for one firm's own: a stand lent to two firms (before lending it
    twice was refused) would get both firms' partners at once."""
    at_booths = []  # (slot, booth code, firm) of each new meeting at a booth
    for item in items:
        request = db.session.get(MeetingRequest, int(item["request"][1:]))
        code = booth_of[participant_id(request.firm)]
        if not item["table"] and code:
            at_booths.append((slots[item["slot"]], code, request.firm))
    if not at_booths:
        return
    # Only the slots the plan uses, firm ids read along: no firm loaded per meeting.
    scheduled = db.session.execute(
        select(Meeting.slot_id, Meeting.booth_code, MeetingRequest.firm_id)
        .join(MeetingRequest, MeetingRequest.id == Meeting.request_id)
        .where(
            Meeting.event_id == event.id,
            Meeting.status == "scheduled",
            Meeting.table_id.is_(None),
            Meeting.booth_code.is_not(None),
            Meeting.slot_id.in_(sorted({slot.id for slot, _code, _firm in at_booths})),
        )
        .order_by(Meeting.id)
    )
    taken = {(slot_id, services._booth_key(code)): firm_id for slot_id, code, firm_id in scheduled}
    for slot, code, firm in at_booths:
        other_id = taken.setdefault((slot.id, services._booth_key(code)), firm.id)
        if other_id != firm.id:
            raise services.MeetingError(
                _(
                    "This plan puts meetings of %(first)s and %(second)s at stand %(booth)s "
                    "at %(time)s: the stand is lent to both. Give one of them another "
                    "stand, then compute a new plan.",
                    first=db.session.get(MeetingProfile, other_id).name,
                    second=firm.name,
                    booth=code,
                    time=slot.label,
                )
            )


def _mail_new_meetings(event, meetings):
    by_profile = defaultdict(list)
    for meeting in meetings:
        by_profile[meeting.request.startup].append(meeting)
        by_profile[meeting.request.firm].append(meeting)
    link = services._agenda_link(event)
    for profile, items in sorted(by_profile.items(), key=lambda i: i[0].id):
        items.sort(key=lambda m: m.slot.starts_at)
        services._notify(
            profile,
            "meetings_planned",
            lambda: _("Your meetings are scheduled"),
            "meetings_planned",
            meetings=items,
            event=event,
            link=link,
        )
