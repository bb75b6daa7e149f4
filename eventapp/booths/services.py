"""Operations that change booths, holds and placements.

Every function here works inside the caller's transaction and writes its audit
entry there; the view commits (or rolls back after an error). Concurrency:

- A booth can be allocated once: `booth_allocations.booth_id` is UNIQUE, so of
  two transactions inserting a row for the same booth only one can commit.
- Before checking the rules, a service locks the rows it reasons about with
  SELECT ... FOR UPDATE (PostgreSQL; ignored on SQLite, where every
  transaction is BEGIN IMMEDIATE and thus serialized): the exhibitors first,
  then the booths with their neighbours, each in id order. The locking reads
  reload the rows, so what the rules see is what was locked, not a copy read
  before another transaction changed it. Two competitors picking booths side
  by side therefore wait for each other and the second sees the first one's
  booths.
- Booth codes are matched whatever their case ("a-01" finds booth A-01); the
  code as the floor plan writes it is the one stored and shown.
- Exhibitor statuses change only through `eventapp.exhibitors.services.set_status`,
  which checks the transition table, audits the change and tells the company.
- Holds expire by themselves: every read and write treats a hold past its
  `expires_at` as free, and `expire_holds()` deletes such rows in the current
  transaction (also run by `flask booths release-holds`). No timers.
"""

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, or_, select

from eventapp.booths import rules
from eventapp.booths.floorplan import derive, parse_floorplan
from eventapp.booths.models import (
    ALLOCATION_STATES,
    Booth,
    BoothAdjacency,
    BoothAllocation,
    BoothPlanProposal,
    BoothSettings,
    Exhibitor,
    ExhibitorAvoid,
)
from eventapp.core import audit
from eventapp.core.db import insert_on_conflict, utcnow
from eventapp.core.i18n import gettext as _
from eventapp.core.i18n import ngettext
from eventapp.events.services import lock_event, reaches_past_the_fair
from eventapp.exhibitors import services as registrations
from eventapp.extensions import db
from eventapp.meetings.services import follow_booths, follow_removed_booths
from eventapp.organizations.models import SECTORS

# Statuses of exhibitors that may have booths at all.
PLACEABLE_STATUSES = ("approved", "placed", "confirmed")
MAX_HOLD_MINUTES = 24 * 60
MAX_TIME_LIMIT = 600


class BoothError(Exception):
    """A request the rules refuse; the message is shown to the person as is."""

    def __init__(self, message, details=()):
        super().__init__(str(message))
        self.message = str(message)
        self.details = [str(d) for d in details]


class BoothConflict(BoothError):
    """Someone else got there first (a lost race)."""


class FloorPlanError(BoothError):
    """An import refused; `details` lists every problem (with line numbers),
    `warnings` the columns of the file it ignored."""

    def __init__(self, message, details=(), warnings=()):
        super().__init__(message, details)
        self.warnings = [str(w) for w in warnings]


class StaleProposal(BoothError):
    """The floor changed since the assigner proposed its plan."""


# --------------------------------------------------------------------------- helpers


def settings_for(event):
    """The event's picking settings, created with the defaults on first use.

    Two first requests may both find no row: the insert does nothing when the
    other one's row is already there (or waits for it to commit), and the row
    is then loaded, whoever wrote it.
    """
    settings = db.session.get(BoothSettings, event.id)
    if settings is None:
        from flask import current_app

        db.session.execute(
            insert_on_conflict(BoothSettings)
            .values(
                event_id=event.id,
                hold_minutes=current_app.config.get("BOOTH_HOLD_MINUTES", 10),
                assigner_time_limit=20,
            )
            .on_conflict_do_nothing(index_elements=["event_id"])
        )
        settings = db.session.get(BoothSettings, event.id)
    return settings


def parse_codes(value):
    """Booth codes from a form: a list of values and/or text split on commas and spaces.

    Anything else (a number, a list of numbers, an object from a JSON body, text with
    a NUL character, which PostgreSQL cannot even compare) is a BoothError naming the
    `booths` field.
    """
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple | set | frozenset) or not all(
        item is None or (isinstance(item, str) and "\x00" not in item) for item in value
    ):
        raise BoothError(
            _('"booths" must be a booth code or a list of booth codes, such as ["A-01", "A-02"].')
        )
    codes = []
    for item in value:
        # Korean input methods in full-width mode type "Ａ－０１" and "，": the same
        # letters as the floor plan's "A-01", which were refused as unknown booths.
        text = unicodedata.normalize("NFKC", item or "")
        codes.extend(part for part in re.split(r"[\s,;]+", text) if part)
    return list(dict.fromkeys(codes))


def is_active(allocation, now=None):
    now = now or utcnow()
    return (
        allocation.state != "hold" or allocation.expires_at is None or allocation.expires_at > now
    )


def lock_exhibitors(ids):
    """The exhibitors with these ids, locked (PostgreSQL) and freshly loaded, in id order."""
    if not ids:
        return []
    return list(
        db.session.scalars(
            select(Exhibitor)
            .where(Exhibitor.id.in_(sorted(set(ids))))
            .order_by(Exhibitor.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    )


def lock_booths(ids):
    """Lock booth rows in id order so that concurrent requests queue up instead of deadlocking.

    Returns the booths by id, reloaded under the lock: a Booth read earlier in the
    transaction may predate another transaction's change (e.g. blocking it), and
    the rules must judge the locked state, not that copy.
    """
    if not ids:
        return {}
    rows = db.session.scalars(
        select(Booth)
        .where(Booth.id.in_(sorted(set(ids))))
        .order_by(Booth.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return {b.id: b for b in rows}


def booths_by_code(event, codes):
    """The event's booths among `codes` (any case), keyed by their code as stored."""
    wanted = sorted({code.upper() for code in codes})
    if not wanted:
        return {}
    rows = db.session.scalars(
        select(Booth).where(Booth.event_id == event.id, func.upper(Booth.code).in_(wanted))
    )
    return {b.code: b for b in rows}


def resolve_codes(event, codes):
    """(codes as stored, in the order given, {code: Booth}, codes given that match no booth)."""
    codes = parse_codes(codes)
    booths = booths_by_code(event, codes)
    stored = {code.upper(): code for code in booths}
    resolved, unknown = [], []
    for code in codes:
        actual = stored.get(code.upper())
        if actual is None:
            unknown.append(code)
        elif actual not in resolved:
            resolved.append(actual)
    return resolved, booths, unknown


def refuse_unknown(unknown):
    """Refuse booth codes the floor plan does not have, naming them."""
    if unknown:
        raise BoothError(
            ngettext(
                "Unknown booth: %(booths)s.",
                "Unknown booths: %(booths)s.",
                len(unknown),
                booths=", ".join(unknown),
            )
        )


def adjacency_around(booth_ids):
    """Adjacent (id, id) pairs touching any of `booth_ids`, and the ids of the booths
    around them (not including them)."""
    if not booth_ids:
        return [], set()
    ids = list(booth_ids)
    pairs = db.session.execute(
        select(BoothAdjacency.booth_id, BoothAdjacency.neighbour_id).where(
            or_(BoothAdjacency.booth_id.in_(ids), BoothAdjacency.neighbour_id.in_(ids))
        )
    ).all()
    return pairs, {i for pair in pairs for i in pair} - set(ids)


def lock_neighbourhood(booth_ids):
    """Lock the booths and those around them, in id order; returns (adjacent pairs,
    ids around, {id: locked Booth}). The adjacency is read again under the locks: a
    floor plan imported between the first read and the locks changed which booths
    touch, and the rules must judge the plan as it stands (booths deleted meanwhile
    are simply not locked)."""
    ids = set(booth_ids)
    pairs, around = adjacency_around(ids)
    locked = lock_booths(ids | around)
    pairs, now_around = adjacency_around(ids & locked.keys())
    if now_around - around:
        locked.update(lock_booths(now_around - around))
    return pairs, now_around, locked


def neighbour_map(event):
    """code -> set of adjacent codes for the whole event."""
    code_of = dict(
        db.session.execute(select(Booth.id, Booth.code).where(Booth.event_id == event.id)).all()
    )
    neighbours = {code: set() for code in code_of.values()}
    for a, b in db.session.execute(
        select(BoothAdjacency.booth_id, BoothAdjacency.neighbour_id).where(
            BoothAdjacency.booth_id.in_(list(code_of))
        )
    ):
        if a in code_of and b in code_of:
            neighbours[code_of[a]].add(code_of[b])
            neighbours[code_of[b]].add(code_of[a])
    return neighbours


def avoided_ids(exhibitor_id):
    """Exhibitors to keep apart from this one, whichever side named the other."""
    rows = db.session.execute(
        select(ExhibitorAvoid.exhibitor_id, ExhibitorAvoid.avoided_id).where(
            or_(
                ExhibitorAvoid.exhibitor_id == exhibitor_id,
                ExhibitorAvoid.avoided_id == exhibitor_id,
            )
        )
    ).all()
    return {other for pair in rows for other in pair if other != exhibitor_id}


def allocations_of(exhibitor, now=None):
    """The exhibitor's allocations that count (expired holds left out), booths loaded."""
    now = now or utcnow()
    rows = db.session.scalars(
        select(BoothAllocation)
        .where(BoothAllocation.exhibitor_id == exhibitor.id)
        .join(Booth)
        .order_by(Booth.code)
    )
    return [a for a in rows if is_active(a, now)]


def exhibitor_name(exhibitor):
    return exhibitor.organization.name if exhibitor.organization else f"#{exhibitor.id}"


def change_status(exhibitor, status, *, notify=True):
    """Move the registration to `status` the one sanctioned way (transition table,
    audit entry, mail to the company); a transition the table refuses is a BoothError."""
    try:
        return registrations.set_status(exhibitor, status, notify=notify)
    except registrations.StatusError as error:
        raise BoothError(str(error)) from error


def avoid_map(exhibitor_ids):
    """exhibitor id -> ids of the competitors to keep apart from it (both directions)."""
    ids = list(set(exhibitor_ids))
    found = defaultdict(set)
    if not ids:
        return found
    rows = db.session.execute(
        select(ExhibitorAvoid.exhibitor_id, ExhibitorAvoid.avoided_id).where(
            or_(ExhibitorAvoid.exhibitor_id.in_(ids), ExhibitorAvoid.avoided_id.in_(ids))
        )
    )
    for a, b in rows:
        if a != b:
            found[a].add(b)
            found[b].add(a)
    return found


def _codes_of(allocations):
    return sorted(a.booth.code for a in allocations)


# --------------------------------------------------------------------------- holds


def expire_holds(event=None, now=None, booth_ids=None, exhibitor=None):
    """Delete holds past their time (of one event, some booths or one exhibitor).

    Returns the number of booths released. Each exhibitor whose hold lapsed gets
    an audit entry; DELETE ... RETURNING makes sure that of two requests
    expiring the same hold only the one that deleted it writes the entry.
    """
    now = now or utcnow()
    expired = select(BoothAllocation.id).where(
        BoothAllocation.state == "hold", BoothAllocation.expires_at <= now
    )
    if event is not None:
        expired = expired.where(
            BoothAllocation.booth_id.in_(select(Booth.id).where(Booth.event_id == event.id))
        )
    if booth_ids is not None:
        if not booth_ids:
            return 0
        expired = expired.where(BoothAllocation.booth_id.in_(list(booth_ids)))
    if exhibitor is not None:
        expired = expired.where(BoothAllocation.exhibitor_id == exhibitor.id)
    # Rows another transaction is deleting (or confirming) right now are skipped, so
    # concurrent clean-ups never wait for each other nor deadlock (PostgreSQL).
    expired = expired.with_for_update(skip_locked=True)
    stmt = (
        delete(BoothAllocation)
        .where(BoothAllocation.id.in_(expired))
        .returning(BoothAllocation.booth_id, BoothAllocation.exhibitor_id)
    )
    released = db.session.execute(stmt, execution_options={"synchronize_session": "fetch"}).all()
    if not released:
        return 0
    booths = {
        row.id: row
        for row in db.session.execute(
            select(Booth.id, Booth.code, Booth.event_id).where(
                Booth.id.in_([booth_id for booth_id, _ in released])
            )
        )
    }
    by_exhibitor = defaultdict(list)
    for booth_id, exhibitor_id in released:
        by_exhibitor[exhibitor_id].append(booth_id)
    for exhibitor_id, ids in sorted(by_exhibitor.items()):
        audit.record(
            "booth.hold_expired",
            object_type="Exhibitor",
            object_id=exhibitor_id,
            event=booths[ids[0]].event_id,
            data={"booths": sorted(booths[i].code for i in ids)},
        )
    return len(released)


def picking_opens_for(settings, exhibitor):
    """When this exhibitor may start picking (priority tier 1 may start earlier)."""
    opens = settings.picking_opens_at
    if exhibitor.priority_tier >= 1 and settings.priority_opens_at is not None:
        if opens is None or settings.priority_opens_at < opens:
            return settings.priority_opens_at
    return opens


def picking_status(settings, exhibitor, now=None):
    """'open', 'not_scheduled', 'not_yet' or 'closed' for this exhibitor right now."""
    now = now or utcnow()
    opens = picking_opens_for(settings, exhibitor)
    if opens is None:
        return "not_scheduled"
    if now < opens:
        return "not_yet"
    if settings.picking_closes_at is not None and now >= settings.picking_closes_at:
        return "closed"
    return "open"


def priority_window(settings, now=None):
    """'not_yet' or 'open' while the priority tier's window stands apart from everybody
    else's (it opens earlier, or nobody else's is set); None otherwise, or once picking
    has closed."""
    opens = settings.priority_opens_at
    if opens is None:
        return None
    if settings.picking_opens_at is not None and opens >= settings.picking_opens_at:
        return None
    now = now or utcnow()
    if settings.picking_closes_at is not None and now >= settings.picking_closes_at:
        return None
    return "not_yet" if now < opens else "open"


def _window_error(status, settings, exhibitor, event):
    from eventapp.core.templating import local_time, zone_name

    if status == "not_scheduled":
        return _("Booth picking has not been opened yet.")
    if status == "not_yet":
        when = local_time(picking_opens_for(settings, exhibitor), event=event)
        return _(
            "Booth picking opens at %(when)s (%(zone)s).", when=when, zone=zone_name(event.timezone)
        )
    when = local_time(settings.picking_closes_at, event=event)
    return _(
        "Booth picking closed at %(when)s (%(zone)s).", when=when, zone=zone_name(event.timezone)
    )


def hold_booths(exhibitor, codes, now=None):
    """Hold exactly the booths the exhibitor rented, for `hold_minutes`.

    All or nothing: the booths must exist, be free, not blocked, touch each
    other, lie in the exhibitor's zones and not stand next to a competitor it
    avoids. A previous hold of the same exhibitor is replaced. Raises
    BoothError (rule) or BoothConflict (taken meanwhile); an IntegrityError at
    flush also means a lost race (see `eventapp.core.db.is_conflict`).
    """
    now = now or utcnow()
    event = exhibitor.event
    (exhibitor,) = lock_exhibitors([exhibitor.id])
    settings = settings_for(event)
    if exhibitor.status != "approved":
        raise BoothError(_("Only approved exhibitors without booths can pick booths."))
    status = picking_status(settings, exhibitor, now)
    if status != "open":
        raise BoothError(_window_error(status, settings, exhibitor, event))
    codes, booths, unknown = resolve_codes(event, codes)
    wanted = exhibitor.booth_count
    if len(codes) + len(unknown) != wanted:
        raise BoothError(
            ngettext(
                "Select exactly %(num)s booth (you selected %(selected)s).",
                "Select exactly %(num)s booths (you selected %(selected)s).",
                wanted,
                selected=len(codes) + len(unknown),
            )
        )
    refuse_unknown(unknown)
    id_of = {code: b.id for code, b in booths.items()}
    chosen_ids = set(id_of.values())
    pairs, around, locked = lock_neighbourhood(chosen_ids)
    # A booth read before the lock may have been deleted meanwhile (the floor plan
    # imported again without it): the lock does not find it any more.
    gone = [code for code in codes if id_of[code] not in locked]
    if gone:
        raise BoothConflict(
            ngettext(
                "Booth %(booths)s no longer exists.",
                "Booths %(booths)s no longer exist.",
                len(gone),
                booths=", ".join(gone),
            )
        )
    # Judge the booths as locked: one read before the lock may miss a block made meanwhile.
    booths = {locked[i].code: locked[i] for i in chosen_ids}
    expire_holds(now=now, booth_ids=chosen_ids | around)
    expire_holds(now=now, exhibitor=exhibitor)

    mine = allocations_of(exhibitor, now)
    if any(a.state != "hold" for a in mine):
        raise BoothError(_("You already have booths; ask the organizers to change them."))

    blocked = sorted(b.code for b in booths.values() if b.blocked)
    if blocked:
        raise BoothConflict(
            ngettext(
                "Booth %(booths)s is not available.",
                "Booths %(booths)s are not available.",
                len(blocked),
                booths=", ".join(blocked),
            )
        )
    near = _neighbourhood(chosen_ids | around, pairs, now)
    taken = sorted(code for code in codes if near.holder_of.get(code, exhibitor.id) != exhibitor.id)
    if taken:
        raise BoothConflict(
            _(
                "Someone else has just taken %(booths)s. The floor plan shows the booths "
                "still free; please choose again.",
                booths=", ".join(taken),
            )
        )

    breaches = rules.check_placement(
        codes,
        wanted=wanted,
        zones=set(exhibitor.zones or ()),
        zone_of={b.code: b.zone for b in booths.values()},
        neighbours=near.neighbours,
        holder_of={c: e for c, e in near.holder_of.items() if e != exhibitor.id},
        avoided=avoided_ids(exhibitor.id),
        name_of=_name_by_id,
        hall_of={b.code: b.hall.name for b in booths.values()},
    )
    if breaches:
        raise BoothError(" ".join(b.message for b in breaches))

    for allocation in mine:
        db.session.delete(allocation)
    db.session.flush()
    expires = now + timedelta(minutes=settings.hold_minutes)
    if mine:
        # Changing one's selection keeps the clock of the first hold running.
        expires = min(expires, min(a.expires_at for a in mine))
    for code in codes:
        db.session.add(
            BoothAllocation(
                booth_id=booths[code].id,
                exhibitor_id=exhibitor.id,
                state="hold",
                expires_at=expires,
                created_at=now,
            )
        )
    db.session.flush()
    audit.record(
        "booth.held",
        exhibitor,
        event=event,
        data={"booths": codes, "expires_at": expires.isoformat(), "replaced": _codes_of(mine)},
    )
    return expires


@dataclass
class _Near:
    neighbours: dict  # code -> adjacent codes (for the pairs given)
    holder_of: dict  # code -> exhibitor id, active allocations only


def _neighbourhood(booth_ids, pairs, now):
    """Codes and holders of these booths (one query), with the adjacency `pairs` as codes."""
    rows = db.session.execute(
        select(Booth.id, Booth.code, BoothAllocation)
        .outerjoin(BoothAllocation, BoothAllocation.booth_id == Booth.id)
        .where(Booth.id.in_(list(booth_ids)))
    ).all()
    code_of, holder_of = {}, {}
    for booth_id, code, allocation in rows:
        code_of[booth_id] = code
        if allocation is not None and is_active(allocation, now):
            holder_of[code] = allocation.exhibitor_id
    neighbours = defaultdict(set)
    for a, b in pairs:
        if a in code_of and b in code_of:
            neighbours[code_of[a]].add(code_of[b])
            neighbours[code_of[b]].add(code_of[a])
    return _Near(neighbours, holder_of)


def _name_by_id(exhibitor_id):
    exhibitor = db.session.get(Exhibitor, exhibitor_id)
    return exhibitor_name(exhibitor) if exhibitor else f"#{exhibitor_id}"


def confirm_booths(exhibitor, now=None, seen=None, on_behalf=False):
    """Turn the exhibitor's hold (or the organizers' placement) into confirmed booths.

    `seen`: the booth codes the page showed when Confirm was pressed. When the
    booths are others by now (held anew in another tab, placed by the organizers),
    nothing is confirmed: the company would have confirmed booths it never saw.
    `on_behalf`: an organizer confirms on the company's picking page, and a refusal
    names the company ("The booths of Alpha Robotics are already confirmed.") where
    it tells the company's own people "Your booths are already confirmed."."""
    now = now or utcnow()
    (exhibitor,) = lock_exhibitors([exhibitor.id])
    name = exhibitor_name(exhibitor)
    expire_holds(now=now, exhibitor=exhibitor)
    if exhibitor.status not in PLACEABLE_STATUSES:
        # Withdrawn or rejected meanwhile, its booths went with it: "a hold that has
        # expired must be picked again" sent the company to pick what it no longer may.
        raise BoothError(
            _(
                "The registration of %(name)s is %(status)s, so there are no booths to confirm.",
                name=name,
                status=exhibitor.status_label,
            )
            if on_behalf
            else _(
                "Your registration is %(status)s, so there are no booths to confirm.",
                status=exhibitor.status_label,
            )
        )
    allocations = allocations_of(exhibitor, now)
    if not allocations:
        raise BoothConflict(
            _(
                "%(name)s has no booths to confirm; a hold that has expired must be picked again.",
                name=name,
            )
            if on_behalf
            else _("You have no booths to confirm; a hold that has expired must be picked again.")
        )
    if all(a.state == "confirmed" for a in allocations):
        raise BoothError(
            _("The booths of %(name)s are already confirmed.", name=name)
            if on_behalf
            else _("Your booths are already confirmed.")
        )
    seen = {code.upper() for code in parse_codes(seen)}
    if seen and seen != {code.upper() for code in _codes_of(allocations)}:
        raise BoothConflict(
            _(
                "The booths to confirm changed after this page was opened: they are now "
                "%(booths)s. Check them and confirm again.",
                booths=", ".join(_codes_of(allocations)),
            )
        )
    if any(a.state == "hold" for a in allocations):
        # A hold was legal when taken, but the floor and the request may have moved on
        # since (a competitor placed next door by the organizers, booths blocked).
        # Placements by the organizers are theirs to judge (see the violations page).
        breaches = placement_breaches(exhibitor, _codes_of(allocations), now, lock=True)
        # Locking the booths may have waited for a request whose clock had this hold
        # run out, and which freed (or took) them: its rows are gone, and confirming
        # them would write to nothing (a server error on PostgreSQL). Those that are
        # left stay locked until the commit.
        kept = set(
            db.session.scalars(
                select(BoothAllocation.id)
                .where(BoothAllocation.exhibitor_id == exhibitor.id)
                .with_for_update()
            )
        )
        lapsed = [a for a in allocations if a.id not in kept]
        if lapsed:
            booths = ", ".join(_codes_of(lapsed))
            raise BoothConflict(
                _(
                    "The hold of %(name)s on %(booths)s ran out as it was confirmed. The "
                    "floor plan shows the booths free now; please pick again.",
                    name=name,
                    booths=booths,
                )
                if on_behalf
                else _(
                    "Your hold on %(booths)s ran out as you confirmed it. The floor plan "
                    "shows the booths free now; please pick again.",
                    booths=booths,
                )
            )
        if breaches:
            problems = " ".join(b.message for b in breaches)
            raise BoothError(
                _(
                    "The booths held for %(name)s no longer follow the rules: %(problems)s "
                    "Release the hold and pick again.",
                    name=name,
                    problems=problems,
                )
                if on_behalf
                else _(
                    "Your selection no longer follows the rules: %(problems)s "
                    "Release it and pick again.",
                    problems=problems,
                )
            )
    previous = sorted({a.state for a in allocations})
    for allocation in allocations:
        allocation.state = "confirmed"
        allocation.expires_at = None
    change_status(exhibitor, "confirmed")
    audit.record(
        "booth.confirmed",
        exhibitor,
        event=exhibitor.event,
        data={"booths": _codes_of(allocations), "from": previous},
    )
    # A held stand the organizers had lent a firm for its meetings is now this one's.
    follow_booths(exhibitor, _codes_of(allocations))
    return allocations


def release_hold(exhibitor, now=None):
    """Give up the exhibitor's hold (confirmed or placed booths stay)."""
    now = now or utcnow()
    (exhibitor,) = lock_exhibitors([exhibitor.id])
    expire_holds(now=now, exhibitor=exhibitor)
    holds = [a for a in allocations_of(exhibitor, now) if a.state == "hold"]
    if not holds:
        # Said to the company's people and to an organizer on its page alike.
        raise BoothError(_("No booths are held for %(name)s.", name=exhibitor_name(exhibitor)))
    codes = _codes_of(holds)
    for allocation in holds:
        db.session.delete(allocation)
    db.session.flush()
    audit.record("booth.hold_released", exhibitor, event=exhibitor.event, data={"booths": codes})
    return codes


def drop_hold(exhibitor, reason):
    """Release the exhibitor's hold (also an expired one) because `reason` (a short
    word for the audit log, e.g. "request_changed"); returns the booth codes freed.

    A hold is only valid for the request it was picked for: with another booth
    count, other zones or other competitors it may break the rules.
    """
    holds = list(
        db.session.scalars(
            select(BoothAllocation).where(
                BoothAllocation.exhibitor_id == exhibitor.id, BoothAllocation.state == "hold"
            )
        )
    )
    if not holds:
        return []
    codes = _codes_of(holds)
    for allocation in holds:
        db.session.delete(allocation)
    db.session.flush()
    audit.record(
        "booth.hold_released",
        exhibitor,
        event=exhibitor.event,
        data={"booths": codes, "reason": reason},
    )
    return codes


# --------------------------------------------------------------------------- organizer tools


def _event_booths(event, codes, now):
    codes, booths, unknown = resolve_codes(event, codes)
    if not codes and not unknown:
        raise BoothError(_("Select at least one booth."))
    refuse_unknown(unknown)
    id_of = {code: b.id for code, b in booths.items()}
    locked = lock_booths(set(id_of.values()))
    # A booth deleted between the read and the lock (the floor plan imported again).
    gone = [code for code in codes if id_of[code] not in locked]
    if gone:
        raise BoothError(
            ngettext(
                "Booth %(booths)s no longer exists.",
                "Booths %(booths)s no longer exist.",
                len(gone),
                booths=", ".join(gone),
            )
        )
    expire_holds(now=now, booth_ids=set(locked))
    return codes, {b.code: b for b in locked.values()}


def _allocations_on(booth_ids, now):
    rows = db.session.scalars(
        select(BoothAllocation).where(BoothAllocation.booth_id.in_(list(booth_ids)))
    )
    return [a for a in rows if is_active(a, now)]


def _codes_and_holders(allocations):
    """ "A-01 (Beta Bio, held), A-02 (Beta Bio, placed)": whom the organizer must
    unassign or move first, which the codes alone left them to look up on the plan."""
    return ", ".join(
        f"{a.booth.code} ({exhibitor_name(a.exhibitor)}, {ALLOCATION_STATES[a.state]})"
        for a in sorted(allocations, key=lambda a: a.booth.code)
    )


BLOCK_REASON_MAX = Booth.blocked_reason.type.length


def block_booths(event, codes, reason="", now=None):
    """Take booths out of play (pillars, service points); allocated booths cannot be blocked."""
    now = now or utcnow()
    reason = (reason or "").strip()
    if len(reason) > BLOCK_REASON_MAX:
        # It was cut to fit without a word, and the organizers' note lost its end.
        raise BoothError(
            _(
                "The reason for blocking is %(length)s characters long; keep it to %(max)s.",
                length=len(reason),
                max=BLOCK_REASON_MAX,
            )
        )
    codes, booths = _event_booths(event, codes, now)
    busy = _allocations_on({b.id for b in booths.values()}, now)
    if busy:
        raise BoothError(
            ngettext(
                "Booth %(booths)s is allocated; unassign it first.",
                "Booths %(booths)s are allocated; unassign them first.",
                len(busy),
                booths=_codes_and_holders(busy),
            )
        )
    for booth in booths.values():
        booth.blocked = True
        booth.blocked_reason = reason
    # A free stand lent to a firm for its meetings is no longer there to receive at:
    # its partners would walk to a pillar or a service point.
    follow_removed_booths(event, set(codes))
    audit.record(
        "booth.blocked",
        object_type="Booth",
        object_id=",".join(codes)[:64],
        event=event,
        data={"booths": codes, "reason": reason},
    )
    return codes


def unblock_booths(event, codes, now=None):
    now = now or utcnow()
    codes, booths = _event_booths(event, codes, now)
    # Only the blocked ones are unblocked, and said so: "Unblocked A-01." for a booth
    # that was never blocked told the organizer something happened.
    codes = [code for code in codes if booths[code].blocked]
    if not codes:
        raise BoothError(
            ngettext(
                "%(booths)s is not blocked.",
                "None of %(booths)s is blocked.",
                len(booths),
                booths=", ".join(sorted(booths)),
            )
        )
    for code in codes:
        booths[code].blocked = False
        booths[code].blocked_reason = ""
    audit.record(
        "booth.unblocked",
        object_type="Booth",
        object_id=",".join(codes)[:64],
        event=event,
        data={"booths": codes},
    )
    return codes


def placement_breaches(exhibitor, codes=None, now=None, lock=False):
    """Rules the exhibitor's booths (or the given codes) break, as rules.Breach objects.

    With `lock`, the booths and their neighbours are locked first, so that nobody
    takes a booth next door between this check and the caller's commit.
    """
    now = now or utcnow()
    event = exhibitor.event
    if codes is None:
        codes = _codes_of(allocations_of(exhibitor, now))
    if not codes:
        return []
    booths = booths_by_code(event, codes)
    ids = {b.id for b in booths.values()}
    if lock:
        pairs, around, locked = lock_neighbourhood(ids)
        booths = {locked[b.id].code: locked[b.id] for b in booths.values() if b.id in locked}
    else:
        pairs, around = adjacency_around(ids)
    near = _neighbourhood(ids | around, pairs, now)
    return rules.check_placement(
        codes,
        wanted=exhibitor.booth_count,
        zones=set(exhibitor.zones or ()),
        zone_of={b.code: b.zone for b in booths.values()},
        neighbours=near.neighbours,
        holder_of={c: e for c, e in near.holder_of.items() if e != exhibitor.id},
        avoided=avoided_ids(exhibitor.id),
        name_of=_name_by_id,
        blocked={b.code for b in booths.values() if b.blocked},
    )


def place_exhibitor(exhibitor, codes, now=None):
    """Put an exhibitor on exactly these booths (moving it if it had others).

    Organizers may break the picking rules (the violations page lists what is
    broken); the booths must still be free and not blocked. The allocations and
    the exhibitor become `placed`. Returns the rules broken.
    """
    now = now or utcnow()
    event = exhibitor.event
    (exhibitor,) = lock_exhibitors([exhibitor.id])
    if exhibitor.status not in PLACEABLE_STATUSES:
        raise BoothError(
            _(
                "%(name)s is %(status)s; only approved exhibitors can get booths.",
                name=exhibitor_name(exhibitor),
                status=exhibitor.status_label,
            )
        )
    codes, booths = _event_booths(event, codes, now)
    blocked = sorted(b.code for b in booths.values() if b.blocked)
    if blocked:
        raise BoothError(
            ngettext(
                "Booth %(booths)s is blocked.",
                "Booths %(booths)s are blocked.",
                len(blocked),
                booths=", ".join(blocked),
            )
        )
    others = [
        a
        for a in _allocations_on({b.id for b in booths.values()}, now)
        if a.exhibitor_id != exhibitor.id
    ]
    if others:
        raise BoothConflict(
            ngettext(
                "Booth %(booths)s belongs to another exhibitor.",
                "Booths %(booths)s belong to other exhibitors.",
                len(others),
                booths=_codes_and_holders(others),
            )
        )
    before = allocations_of(exhibitor, now)
    previous = _codes_of(before)
    for allocation in before:
        db.session.delete(allocation)
    db.session.flush()
    for code in codes:
        db.session.add(
            BoothAllocation(booth_id=booths[code].id, exhibitor_id=exhibitor.id, state="placed")
        )
    db.session.flush()
    # New booths need a new confirmation, also from a company that had confirmed others.
    change_status(exhibitor, "placed")
    audit.record(
        "booth.moved" if previous else "booth.placed",
        exhibitor,
        event=event,
        data={"booths": codes, "from": previous},
    )
    follow_booths(exhibitor, previous)
    return placement_breaches(exhibitor, codes, now)


def move_exhibitor(exhibitor, codes, now=None):
    """Move an exhibitor that already has booths to other booths."""
    if not allocations_of(exhibitor, now):
        raise BoothError(_("%(name)s has no booths to move.", name=exhibitor_name(exhibitor)))
    return place_exhibitor(exhibitor, codes, now)


def swap_exhibitors(first, second, now=None):
    """Exchange the booths of two exhibitors; both become `placed` and confirm again.

    Refused when either is locked, when they rent different numbers of booths
    (each would end up with the wrong count), or when the exchange would put one
    outside its zones or next to a competitor it avoids.
    """
    now = now or utcnow()
    if first.id == second.id:
        raise BoothError(_("Choose two different exhibitors."))
    if first.event_id != second.event_id:
        raise BoothError(_("Both exhibitors must belong to this event."))
    first, second = sorted(lock_exhibitors([first.id, second.id]), key=lambda e: e.id == second.id)
    for exhibitor in (first, second):
        if exhibitor.locked:
            raise BoothError(
                _(
                    "%(name)s is locked; unlock it before swapping its booths.",
                    name=exhibitor_name(exhibitor),
                )
            )
    a_allocations, b_allocations = allocations_of(first, now), allocations_of(second, now)
    if not a_allocations or not b_allocations:
        raise BoothError(_("Both exhibitors need booths to swap them."))
    a_codes, b_codes = _codes_of(a_allocations), _codes_of(b_allocations)
    if first.booth_count != second.booth_count:
        raise BoothError(
            _(
                "%(first)s rents %(first_count)s booths and %(second)s rents %(second_count)s; "
                "only exhibitors renting the same number of booths can swap.",
                first=exhibitor_name(first),
                first_count=first.booth_count,
                second=exhibitor_name(second),
                second_count=second.booth_count,
            )
        )
    if len(a_codes) != len(b_codes):
        raise BoothError(
            _(
                "%(first)s stands on %(first_count)s booths and %(second)s on "
                "%(second_count)s; only exhibitors with the same number of booths can swap.",
                first=exhibitor_name(first),
                first_count=len(a_codes),
                second=exhibitor_name(second),
                second_count=len(b_codes),
            )
        )
    a_ids = [a.booth_id for a in a_allocations]
    b_ids = [a.booth_id for a in b_allocations]
    problems = _swap_problems(first, second, a_codes, b_codes, set(a_ids) | set(b_ids), now)
    if problems:
        raise BoothError(_("The swap would break the rules."), details=problems)
    for allocation in a_allocations + b_allocations:
        db.session.delete(allocation)
    db.session.flush()
    for booth_id in b_ids:
        db.session.add(BoothAllocation(booth_id=booth_id, exhibitor_id=first.id, state="placed"))
    for booth_id in a_ids:
        db.session.add(BoothAllocation(booth_id=booth_id, exhibitor_id=second.id, state="placed"))
    db.session.flush()
    # Both stand on booths they never confirmed; the status change is audited and mailed.
    for exhibitor in (first, second):
        change_status(exhibitor, "placed")
    audit.record(
        "booth.swapped",
        first,
        event=first.event,
        data={
            "exhibitors": [first.id, second.id],
            "booths": {str(first.id): b_codes, str(second.id): a_codes},
        },
    )
    follow_booths(first, a_codes)
    follow_booths(second, b_codes)
    return first, second


def _swap_problems(first, second, a_codes, b_codes, booth_ids, now):
    """What the exchange would break: zones and competitors, as text naming who and where."""
    pairs, around, locked = lock_neighbourhood(booth_ids)
    near = _neighbourhood(set(booth_ids) | around, pairs, now)
    zone_of = {b.code: b.zone for b in locked.values()}
    holder_of = dict(near.holder_of)
    holder_of.update({code: second.id for code in a_codes})
    holder_of.update({code: first.id for code in b_codes})
    avoids = avoid_map([first.id, second.id])
    problems = []
    for exhibitor, codes in ((first, b_codes), (second, a_codes)):
        breaches = rules.check_placement(
            codes,
            wanted=len(codes),
            zones=set(exhibitor.zones or ()),
            zone_of=zone_of,
            neighbours=near.neighbours,
            holder_of={c: e for c, e in holder_of.items() if e != exhibitor.id},
            avoided=avoids[exhibitor.id],
            name_of=_name_by_id,
        )
        for breach in breaches:
            if breach.kind in ("zone", "avoid"):
                problems.append(
                    _(
                        "%(name)s: %(problem)s",
                        name=exhibitor_name(exhibitor),
                        problem=breach.message,
                    )
                )
    return problems


def unassign_exhibitor(exhibitor, now=None):
    """Take all booths (held, placed or confirmed) away from an exhibitor."""
    now = now or utcnow()
    (exhibitor,) = lock_exhibitors([exhibitor.id])
    allocations = allocations_of(exhibitor, now)
    expire_holds(now=now, exhibitor=exhibitor)
    if not allocations:
        raise BoothError(_("%(name)s has no booths.", name=exhibitor_name(exhibitor)))
    codes = _codes_of(allocations)
    for allocation in allocations:
        db.session.delete(allocation)
    db.session.flush()
    if exhibitor.status in ("placed", "confirmed"):
        change_status(exhibitor, "approved")
    audit.record("booth.unassigned", exhibitor, event=exhibitor.event, data={"booths": codes})
    follow_booths(exhibitor, codes)
    return codes


def set_locked(exhibitor, locked):
    """Locked exhibitors are never touched by the assigner."""
    (exhibitor,) = lock_exhibitors([exhibitor.id])
    if exhibitor.locked == bool(locked):
        return exhibitor
    exhibitor.locked = bool(locked)
    audit.record(
        "exhibitor.locked" if locked else "exhibitor.unlocked",
        exhibitor,
        event=exhibitor.event,
        data={"locked": bool(locked)},
    )
    return exhibitor


def update_settings(event, **values):
    """Change the picking window, hold time or assigner time limit."""
    event = lock_event(event)
    settings = settings_for(event)
    opens = values.get("picking_opens_at", settings.picking_opens_at)
    priority = values.get("priority_opens_at", settings.priority_opens_at)
    closes = values.get("picking_closes_at", settings.picking_closes_at)
    hold = values.get("hold_minutes", settings.hold_minutes)
    limit = values.get("assigner_time_limit", settings.assigner_time_limit)
    if opens and closes and closes <= opens:
        raise BoothError(_("Picking must close after it opens."))
    if priority and closes and closes <= priority:
        raise BoothError(_("Picking must close after it opens for priority exhibitors."))
    if priority and opens and priority > opens:
        raise BoothError(_("Priority exhibitors cannot start later than everybody else."))
    window = (opens, priority, closes)
    unchanged = window == (
        settings.picking_opens_at,
        settings.priority_opens_at,
        settings.picking_closes_at,
    )
    # Judged when it changes: a window kept as it is (the demo's, open now beside a
    # fair of 2025) does not keep the organizers from changing the hold time.
    if not unchanged and reaches_past_the_fair(event, (opens, priority), closes):
        raise BoothError(
            _(
                "Booth picking must close by the end of the fair's last day, %(day)s.",
                day=event.ends_on.isoformat(),
            )
        )
    if not hold or not 1 <= hold <= MAX_HOLD_MINUTES:
        raise BoothError(_("A hold lasts from 1 to %(max)s minutes.", max=MAX_HOLD_MINUTES))
    if not limit or not 1 <= limit <= MAX_TIME_LIMIT:
        raise BoothError(_("The time limit is from 1 to %(max)s seconds.", max=MAX_TIME_LIMIT))
    changed = {}
    for key, value in (
        ("picking_opens_at", opens),
        ("priority_opens_at", priority),
        ("picking_closes_at", closes),
        ("hold_minutes", hold),
        ("assigner_time_limit", limit),
    ):
        if getattr(settings, key) != value:
            changed[key] = value.isoformat() if hasattr(value, "isoformat") else value
            setattr(settings, key, value)
    if changed:
        audit.record(
            "booth.settings_changed",
            object_type="BoothSettings",
            object_id=event.id,
            event=event,
            data=changed,
        )
    return settings


# --------------------------------------------------------------------------- floor plan import


def import_floorplan(event, data, now=None):
    """Replace the event's floor plan with the booths of a CSV (or .xlsx) file, all or nothing.

    Booths keep their id (and allocation, and blocked state) when their code is
    in the new file; others are deleted. Refused with FloorPlanError listing
    every problem when any line is bad or when allocated booths would vanish.
    Adjacency is recomputed from the geometry; empty corner cells are derived.
    Columns the format does not know are ignored: the returned summary (and a
    refusal) lists them in `warnings`, and nothing of them is stored.
    """
    now = now or utcnow()
    halls = {hall.code: hall for hall in event.halls}
    parsed = parse_floorplan(
        data, {code: (h.width or 0, h.height or 0) for code, h in halls.items()}, set(SECTORS)
    )
    if parsed.errors:
        raise FloorPlanError(
            ngettext(
                "The floor plan has %(num)s problem; nothing was imported.",
                "The floor plan has %(num)s problems; nothing was imported.",
                len(parsed.errors),
            ),
            details=[str(e) for e in parsed.errors],
            warnings=parsed.warnings,
        )

    # Two imports at once (a corrected file sent right after the first) queue up on the
    # event's settings row, and the booths are read only then: read before the other
    # import committed, they would be updated or linked after it deleted them, or
    # created again next to the ones it created.
    settings_for(event)
    db.session.execute(
        select(BoothSettings.event_id).where(BoothSettings.event_id == event.id).with_for_update()
    )
    # Keyed by upper-case code: a booth re-imported as "a-01" is still booth A-01.
    existing = {
        b.code.upper(): b
        for b in db.session.scalars(select(Booth).where(Booth.event_id == event.id))
    }
    lock_booths({b.id for b in existing.values()})
    expire_holds(event=event, now=now)
    new_codes = {row.code.upper() for row in parsed.booths}
    allocated = db.session.execute(
        select(Booth.code, BoothAllocation.exhibitor_id)
        .join(BoothAllocation, BoothAllocation.booth_id == Booth.id)
        .where(Booth.event_id == event.id)
    ).all()
    vanishing = sorted({code for code, _ in allocated if code.upper() not in new_codes})
    if vanishing:
        holders = {code: exhibitor_id for code, exhibitor_id in allocated}
        names = {
            e.id: exhibitor_name(e)
            for e in db.session.scalars(
                select(Exhibitor).where(Exhibitor.id.in_(set(holders.values())))
            )
        }
        raise FloorPlanError(
            ngettext(
                "%(num)s allocated booth is missing from the new plan; nothing was imported. "
                "Unassign it first or keep it in the file.",
                "%(num)s allocated booths are missing from the new plan; nothing was imported. "
                "Unassign them first or keep them in the file.",
                len(vanishing),
            ),
            details=[
                _("Booth %(booth)s (%(name)s)", booth=code, name=names.get(holders[code], "?"))
                for code in vanishing
            ],
            warnings=parsed.warnings,
        )

    old_ids = [b.id for b in existing.values()]
    if old_ids:
        db.session.execute(
            delete(BoothAdjacency).where(
                or_(BoothAdjacency.booth_id.in_(old_ids), BoothAdjacency.neighbour_id.in_(old_ids))
            )
        )
    removed = sorted(key for key in existing if key not in new_codes)
    removed_codes = [existing[key].code for key in removed]
    for key in removed:
        db.session.delete(existing.pop(key))
    db.session.flush()

    pairs, corner_flags = derive(parsed.booths)
    created = updated = 0
    by_code = {}
    for row in parsed.booths:
        booth = existing.get(row.code.upper())
        if booth is None:
            booth = Booth(event_id=event.id, code=row.code, blocked=False, blocked_reason="")
            db.session.add(booth)
            created += 1
        else:
            updated += 1
        booth.code = row.code
        booth.hall_id = halls[row.hall].id
        booth.zone = row.zone
        booth.x, booth.y, booth.w, booth.h = row.x, row.y, row.w, row.h
        booth.corner = corner_flags[row.code]
        booth.tier = row.tier
        by_code[row.code] = booth
    db.session.flush()
    for a, b in pairs:
        first, second = sorted((by_code[a].id, by_code[b].id))
        db.session.add(BoothAdjacency(booth_id=first, neighbour_id=second))
    db.session.flush()
    summary = {
        "booths": len(parsed.booths),
        "created": created,
        "updated": updated,
        "removed": len(removed),
        "removed_booths": removed_codes,
        "adjacent_pairs": len(pairs),
        "corners": sum(1 for flag in corner_flags.values() if flag),
    }
    audit.record("floorplan.imported", event, event=event, data=summary)
    follow_removed_booths(event, set(removed))
    return {**summary, "warnings": [str(w) for w in parsed.warnings]}


# --------------------------------------------------------------------------- place the rest


def propose_plan(event, time_limit=None, workers=2, user=None, now=None):
    """Run the assigner for the approved exhibitors without booths; store the proposal.

    Unlike the other services this one ends the caller's transaction: it commits
    after reading the floor and runs the solver with no transaction open, because
    on SQLite every transaction holds the write lock (BEGIN IMMEDIATE) and the
    solver may take minutes, during which nobody could pick a booth. The proposal
    is stored in a new transaction that the caller commits; the floor may change
    while the solver runs, which `apply_proposal()` checks.
    """
    from eventapp.booths import planning

    now = now or utcnow()
    settings = settings_for(event)
    time_limit = time_limit or settings.assigner_time_limit or 20
    event_id = event.id
    user_id = getattr(user, "id", None)
    expire_holds(event=event, now=now)
    built = planning.build_problem(event, now)
    # Nothing below may touch the database (or a loaded object, which would reload)
    # until the solver is done: the built problem is plain data.
    db.session.commit()
    result = planning.run(built, time_limit=time_limit, workers=workers)
    proposal = BoothPlanProposal(
        event_id=event_id,
        created_at=now,
        created_by_id=user_id,
        time_limit=int(time_limit),
        solver_status=result["status"],
        score=result["score"],
        seconds=round(result["seconds"], 2),
        assignments={str(k): v for k, v in result["assignments"].items()},
        left_out=result["left_out"],
        warnings=built.warnings,
    )
    db.session.add(proposal)
    db.session.flush()
    audit.record(
        "booth.plan_proposed",
        proposal,
        event=event_id,
        data={
            "placed": len(proposal.assignments),
            "left_out": len(proposal.left_out),
            "status": proposal.solver_status,
            "score": proposal.score,
            "time_limit": proposal.time_limit,
        },
    )
    return proposal


def apply_proposal(proposal, now=None):
    """Place everybody as proposed, in one transaction, or refuse when anything changed.

    Besides the booths being still free, every placement is judged by the rules
    against the floor as it is now (holds taken while the solver ran, zones and
    competitors changed since): any breach refuses the whole plan, naming it.
    """
    now = now or utcnow()
    event = proposal.event
    if proposal.applied_at is not None:
        raise StaleProposal(_("This plan has already been applied."))
    newer = db.session.execute(
        select(BoothPlanProposal.id, BoothPlanProposal.applied_at)
        .where(BoothPlanProposal.event_id == event.id, BoothPlanProposal.id > proposal.id)
        .order_by(BoothPlanProposal.id)
    ).all()
    applied = [when for _id, when in newer if when is not None]
    if applied:
        # "Apply that one" sent the organizer to a plan in force already.
        from eventapp.core.templating import local_time

        raise StaleProposal(
            _(
                "A newer plan was applied %(when)s; this one is out of date.",
                when=local_time(applied[-1], event=event),
            )
        )
    if newer:
        raise StaleProposal(_("A newer plan has been proposed since; apply that one."))
    wanted = {int(k): list(v) for k, v in proposal.assignments.items()}
    if not wanted:
        raise StaleProposal(_("This plan places nobody."))
    exhibitors = {e.id: e for e in lock_exhibitors(list(wanted))}
    # Applied twice at once (two organizers, two tabs): the second waited above for the
    # first's placements, which it would take for a changed floor ("Alpha Robotics has
    # booths by now ... run the assigner again"). Read under a lock, the plan says so.
    db.session.refresh(proposal, ["applied_at"], with_for_update=True)
    if proposal.applied_at is not None:
        raise StaleProposal(_("This plan has already been applied."))
    booths = booths_by_code(event, [c for codes in wanted.values() for c in codes])
    # The floor plan imported again since may write a proposed booth's code in another
    # case ("a-01"): the same booth, which was said to exist no longer.
    stored = {code.upper(): code for code in booths}
    wanted = {key: [stored.get(c.upper(), c) for c in codes] for key, codes in wanted.items()}
    all_codes = [c for codes in wanted.values() for c in codes]
    chosen_ids = {b.id for b in booths.values()}
    # The neighbours too: a hold taken next door while we check would slip past the rules.
    pairs, around, locked = lock_neighbourhood(chosen_ids)
    # Booths deleted since they were read are not locked; they are reported missing below.
    booths = {locked[i].code: locked[i] for i in chosen_ids if i in locked}
    expire_holds(event=event, now=now)
    problems = []
    for exhibitor_id, codes in wanted.items():
        exhibitor = exhibitors.get(exhibitor_id)
        if exhibitor is None or exhibitor.event_id != event.id:
            problems.append(_("Exhibitor #%(id)s no longer exists.", id=exhibitor_id))
            continue
        name = exhibitor_name(exhibitor)
        if exhibitor.status != "approved":
            problems.append(
                _("%(name)s is now %(status)s.", name=name, status=exhibitor.status_label)
            )
        if exhibitor.locked:
            problems.append(_("%(name)s has been locked.", name=name))
        if allocations_of(exhibitor, now):
            problems.append(_("%(name)s has booths by now.", name=name))
        if len(codes) != exhibitor.booth_count:
            problems.append(_("%(name)s now rents a different number of booths.", name=name))
    missing = sorted(c for c in all_codes if c not in booths)
    if missing:
        problems.append(
            ngettext(
                "Booth %(booths)s no longer exists.",
                "Booths %(booths)s no longer exist.",
                len(missing),
                booths=", ".join(missing),
            )
        )
    blocked = sorted(b.code for b in booths.values() if b.blocked)
    if blocked:
        problems.append(
            ngettext(
                "Booth %(booths)s has been blocked.",
                "Booths %(booths)s have been blocked.",
                len(blocked),
                booths=", ".join(blocked),
            )
        )
    taken = _allocations_on(chosen_ids, now)
    if taken:
        # Who took them, and how (held, placed): "Booths A-01 have been taken" left the
        # organizer to look each one up on the plan, and read "Booths" for one booth.
        problems.append(
            ngettext(
                "Booth %(booths)s has been taken meanwhile.",
                "Booths %(booths)s have been taken meanwhile.",
                len(taken),
                booths=_codes_and_holders(taken),
            )
        )
    if not problems:
        problems = _plan_breaches(wanted, exhibitors, booths, chosen_ids | around, pairs, now)
    if problems:
        raise StaleProposal(
            _("The floor has changed since this plan was made; run the assigner again."),
            details=problems,
        )
    for exhibitor_id, codes in wanted.items():
        for code in codes:
            db.session.add(
                BoothAllocation(booth_id=booths[code].id, exhibitor_id=exhibitor_id, state="placed")
            )
    db.session.flush()
    for exhibitor_id in wanted:
        change_status(exhibitors[exhibitor_id], "placed")
        follow_booths(exhibitors[exhibitor_id], [])  # a stand lent for meetings, given
    proposal.applied_at = now
    db.session.flush()
    audit.record(
        "booth.plan_applied",
        proposal,
        event=event,
        data={"placed": {str(k): v for k, v in wanted.items()}, "left_out": proposal.left_out_ids},
    )
    return len(wanted)


def _plan_breaches(wanted, exhibitors, booths, booth_ids, pairs, now):
    """Every rule the proposed placements break on the floor as it is now, the other
    proposed placements included, as text naming the exhibitor."""
    near = _neighbourhood(booth_ids, pairs, now)
    holder_of = dict(near.holder_of)
    for exhibitor_id, codes in wanted.items():
        holder_of.update({code: exhibitor_id for code in codes})
    avoids = avoid_map(wanted)
    problems = []
    for exhibitor_id, codes in wanted.items():
        exhibitor = exhibitors[exhibitor_id]
        breaches = rules.check_placement(
            codes,
            wanted=exhibitor.booth_count,
            zones=set(exhibitor.zones or ()),
            zone_of={c: booths[c].zone for c in codes},
            neighbours=near.neighbours,
            holder_of={c: e for c, e in holder_of.items() if e != exhibitor_id},
            avoided=avoids[exhibitor_id],
            name_of=_name_by_id,
            blocked={c for c in codes if booths[c].blocked},
        )
        problems.extend(
            _("%(name)s: %(problem)s", name=exhibitor_name(exhibitor), problem=b.message)
            for b in breaches
        )
    return problems
