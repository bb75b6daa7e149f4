"""Issuing, reissuing, revoking and verifying badges.

Every operation that changes data writes an audit entry in the same
transaction; callers commit.
"""

import re
import unicodedata
from dataclasses import dataclass, field

from sqlalchemy import case, func, or_, select
from sqlalchemy.exc import IntegrityError

from eventapp.accounts.models import User
from eventapp.badges import codes
from eventapp.badges.models import CATEGORIES, Badge, BadgeCategoryEnd, BadgeIssueEnd, EventKey
from eventapp.booths.models import RELEASING_STATUSES, Booth, BoothAllocation, Exhibitor
from eventapp.core import audit
from eventapp.core.db import contains_text, insert_on_conflict, utcnow
from eventapp.core.i18n import gettext as _
from eventapp.core.i18n import lazy_gettext as _l
from eventapp.events.models import EXHIBITOR_ROLES, EventRole
from eventapp.extensions import db
from eventapp.organizations.models import Organization


class BadgeError(Exception):
    pass


class ReissuedMeanwhile(BadgeError):
    """A reissue asked from a page showing an older issue: someone (or the same click
    sent twice) reissued the badge since, and its new print would stop admitting."""

    def __init__(self, issue):
        super().__init__(f"the badge is at issue {issue} now")
        self.issue = issue


class CompanyStopped(BadgeError):
    """A badge refused a new print: its holder is on the team of a company that no
    longer exhibits at the event (`organization`)."""

    def __init__(self, organization):
        super().__init__(f"{organization.name_en or organization.name_ko} no longer exhibits")
        self.organization = organization


class NoRoleLeft(BadgeError):
    """A badge refused a new print: its holder (`user`) has no role at the event any
    more (taken off a company's team or removed as organizer or staff, with nothing
    else left). Printed from no role, it would come out a visitor's (or their
    company kind's) badge for someone who never registered as one."""

    def __init__(self, user):
        super().__init__("its holder no longer has a role at the event")
        self.user = user


# -- keys ------------------------------------------------------------------------------------


def event_key(event):
    """The event's signing key pair, made on first use.

    Two workers making the first key at once: the primary key lets one insert
    win; the other reads the winner's key.
    """
    event_id = getattr(event, "id", event)
    key = db.session.get(EventKey, event_id)
    if key is not None:
        return key
    private = codes.generate_private_key()
    candidate = EventKey(
        event_id=event_id,
        private_key=codes.private_key_bytes(private),
        public_key=codes.public_key_bytes(private),
    )
    try:
        with db.session.begin_nested():
            db.session.add(candidate)
    except IntegrityError:
        key = db.session.scalar(
            select(EventKey)
            .where(EventKey.event_id == event_id)
            .execution_options(populate_existing=True)
        )
        if key is None:  # pragma: no cover - the conflicting row must exist
            raise
        return key
    audit.record(
        "badge.key_created",
        object_type="EventKey",
        object_id=event_id,
        event=event_id,
        data={"public_key": codes.public_key_b64(candidate.public_key)},
    )
    return candidate


def public_key_b64(event):
    """The event's public key for scanners (base64url of the raw 32 bytes)."""
    return codes.public_key_b64(event_key(event).public_key)


# -- categories and the snapshot ---------------------------------------------------------------

ATTENDEE_CATEGORY_BY_KIND = {
    "startup": "startup",
    "university": "startup",
    "institute": "startup",
    "large_firm": "large_firm",
    "midsize_firm": "large_firm",
    "investor": "buyer",
}

# The printed fields of a badge, copied from the person's record.
SNAPSHOT_FIELDS = (
    "name_ko",
    "name_en",
    "organization_id",
    "organization_ko",
    "organization_en",
    "country",
    "job_title",
    "booth",
)


def default_category(roles, organization_kind=None):
    """The category of a person with these roles (and this company kind)."""
    roles = set(roles)
    if "organizer" in roles:
        return "organizer"
    if "staff" in roles:
        return "staff"
    if roles & EXHIBITOR_ROLES:
        return "exhibitor"
    return ATTENDEE_CATEGORY_BY_KIND.get(organization_kind, "visitor")


def _booth_codes_by_organization(event_id, organization_ids=None):
    """Placed and confirmed booth codes of each exhibiting organization."""
    query = (
        select(Exhibitor.organization_id, Booth.code)
        .join(BoothAllocation, BoothAllocation.exhibitor_id == Exhibitor.id)
        .join(Booth, Booth.id == BoothAllocation.booth_id)
        .where(Exhibitor.event_id == event_id, BoothAllocation.state.in_(("placed", "confirmed")))
        .order_by(Booth.code)
    )
    if organization_ids is not None:
        query = query.where(Exhibitor.organization_id.in_(list(organization_ids)))
    booths = {}
    for organization_id, code in db.session.execute(query):
        booths.setdefault(organization_id, []).append(code)
    return {org: ", ".join(codes_) for org, codes_ in booths.items()}


def _people(event_id, user_ids=None):
    """People with a role at the event: user id -> (roles, exhibiting company id).

    The organizer roles among them are read under a share lock (PostgreSQL; held
    until the caller commits): a removal locks the role before it looks for a badge
    to revoke (events.services.remove_organizer), so one at this moment waits for
    the print and then revokes it, or has committed and the print reads the roles
    it left. Read without the lock, a badge issued then came out as an organizer's
    for someone no longer one, which nothing revoked."""
    query = select(EventRole.user_id, EventRole.role, EventRole.organization_id).where(
        EventRole.event_id == event_id
    )
    organizers = select(EventRole.id).where(
        EventRole.event_id == event_id, EventRole.role == "organizer"
    )
    if user_ids is not None:
        query = query.where(EventRole.user_id.in_(list(user_ids)))
        organizers = organizers.where(EventRole.user_id.in_(list(user_ids)))
    db.session.execute(organizers.order_by(EventRole.id).with_for_update(read=True))
    roles, companies = {}, {}
    # Ordered by role so that a company admin's company wins over a staff role.
    for user_id, role, organization_id in db.session.execute(
        query.order_by(EventRole.user_id, EventRole.role)
    ):
        roles.setdefault(user_id, set()).add(role)
        if role in EXHIBITOR_ROLES and organization_id is not None:
            companies.setdefault(user_id, organization_id)
    return {user_id: (held, companies.get(user_id)) for user_id, held in roles.items()}


def has_role(badge):
    """Whether the badge's holder has a role at its event still: without one, a new
    print is refused (NoRoleLeft), and the organizers' page says so before they try."""
    return (
        db.session.scalar(
            select(EventRole.id)
            .where(EventRole.event_id == badge.event_id, EventRole.user_id == badge.user_id)
            .limit(1)
        )
        is not None
    )


def _as_printed(roles, company_id, stopped):
    """(roles, company id) a badge prints for the person. On the team of a company
    that no longer exhibits (`stopped`), one who also comes in another role (an
    attendee's) is printed as that: they may still enter as a visitor, and the print
    neither names the company as exhibitor nor lists its booth. Organizers and staff
    stay as they are (their badge runs the event); the others keep the company's, which
    a stop revokes (_revoke_if_stopped)."""
    if company_id not in stopped or roles & EVENT_STAFF_ROLES:
        return roles, company_id
    other = roles - EXHIBITOR_ROLES
    return (other, None) if other else (roles, company_id)


def _in_chunks(ids, size=500):
    ids = list(ids)
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _organizations(ids):
    found = {}
    for chunk in _in_chunks({i for i in ids if i is not None}):
        found.update(
            (o.id, o)
            for o in db.session.scalars(select(Organization).where(Organization.id.in_(chunk)))
        )
    return found


def _snapshot(user, roles, company_id, organizations, booths):
    """The printed fields of the person's badge and the category their roles give."""
    organization_id = company_id or user.organization_id
    organization = organizations.get(organization_id)
    fields = {
        "name_ko": (user.name_ko or "")[:100],
        "name_en": (user.name_en or "")[:100],
        "organization_id": organization_id,
        "organization_ko": (organization.name_ko if organization else "")[:200],
        "organization_en": (organization.name_en if organization else "")[:200],
        "country": (organization.country if organization else "") or "",
        "job_title": (user.job_title or "")[:100],
        "booth": booths.get(company_id, "")[:100] if company_id else "",
    }
    return fields, default_category(roles, organization.kind if organization else None)


def _check_category(category):
    if category is not None and category not in CATEGORIES:
        raise BadgeError(f"unknown badge category {category!r}")


def _find_badge(event_id, user_id):
    return db.session.scalar(
        select(Badge).where(Badge.event_id == event_id, Badge.user_id == user_id)
    )


def _refresh(badge, fields, derived):
    """Copy changed printed fields onto the badge; returns the names changed."""
    changed = [name for name in SNAPSHOT_FIELDS if getattr(badge, name) != fields[name]]
    for name in changed:
        setattr(badge, name, fields[name])
    if not badge.category_manual and badge.category != derived:
        _change_category(badge, derived)
        changed.append("category")
    return changed


def _change_category(badge, category):
    """Give an issued badge another category, keeping when the old one ended (offline
    scanners' uploads are judged by the category of the scan's time)."""
    if category == badge.category:
        return
    db.session.add(BadgeCategoryEnd(badge_id=badge.id, category=badge.category, ended_at=utcnow()))
    badge.category = category


# -- issuing -------------------------------------------------------------------------------------


def _current_print(event_id, user, roles, company_id):
    """(printed fields, derived category, organizations read) of the person's badge
    from their current record and `roles` at the event."""
    organizations = _organizations([company_id, user.organization_id])
    booths = _booth_codes_by_organization(event_id, [company_id]) if company_id else {}
    fields, derived = _snapshot(user, roles, company_id, organizations, booths)
    return fields, derived, organizations


def _reprint(badge, fields, derived):
    """Refresh the badge's printed fields, with an audit entry when any changed."""
    changed = _refresh(badge, fields, derived)
    if changed:
        audit.record("badge.refreshed", badge, event=badge.event_id, data={"fields": changed})


def issue_badge(event, user, category=None):
    """The person's badge at the event, made if missing (idempotent).

    An existing badge keeps its id, issue and code; its printed fields are
    refreshed from the person's current record, unless it is revoked: a revoked
    badge keeps what was printed on it, which organizers and the company look up,
    until a reissue prints it anew. A category given here is kept
    from then on; without one, the badge follows the person's roles and
    company kind (organizer, staff, exhibitor, startup, large_firm, buyer or
    visitor). One made for the team of a company that no longer exhibits is
    revoked at once (_revoke_if_stopped).
    """
    _check_category(category)
    stopped = _lock_teams(event.id, [user.id])
    roles, company_id = _people(event.id, [user.id]).get(user.id, (set(), None))
    roles, company_id = _as_printed(roles, company_id, stopped)
    fields, derived, organizations = _current_print(event.id, user, roles, company_id)

    badge = _find_badge(event.id, user.id)
    if badge is None:
        event_key(event)
        candidate = Badge(
            event_id=event.id,
            user_id=user.id,
            category=category or derived,
            category_manual=category is not None,
            **fields,
        )
        try:
            with db.session.begin_nested():
                db.session.add(candidate)
        except IntegrityError:
            # Issued by someone else at the same moment: use that one.
            badge = _find_badge(event.id, user.id)
            if badge is None:  # pragma: no cover
                raise
        else:
            audit.record(
                "badge.issued",
                candidate,
                event=event,
                data={"user": user.id, "category": candidate.category},
            )
            _revoke_if_stopped(event.id, [candidate], {user.id: company_id}, organizations, stopped)
            return candidate

    if category is not None and (category != badge.category or not badge.category_manual):
        if category != badge.category:
            audit.record(
                "badge.category_changed",
                badge,
                event=event,
                data={"from": badge.category, "to": category},
            )
        _change_category(badge, category)
        badge.category_manual = True
    if badge.revoked_at is None:
        _reprint(badge, fields, derived)
    return badge


def set_category(badge, category):
    """Give the badge a category by hand (kept when its details are refreshed);
    None returns it to the category its roles give."""
    _check_category(category)
    previous = badge.category
    if category is None:
        badge.category_manual = False
        issue_badge(badge.event, badge.user)
    else:
        _change_category(badge, category)
        badge.category_manual = True
    if badge.category != previous:
        audit.record(
            "badge.category_changed",
            badge,
            event=badge.event_id,
            data={"from": previous, "to": badge.category},
        )
    return badge


def sync_badges(event, user_ids=None):
    """Badges for everybody with a role at the event (or those of `user_ids`):
    missing ones are issued, printed details of existing ones refreshed. Revoked
    ones stay revoked, with what was printed on them (a reissue gives a new code
    and the current details); missing ones for the team of a
    company that no longer exhibits are issued revoked (_revoke_if_stopped).

    Bulk: a handful of queries and one multi-row insert, whatever the number of
    people. Returns (issued, refreshed) counts. Callers commit.
    """
    stopped = _lock_teams(event.id, user_ids)
    people = {
        user_id: _as_printed(roles, company_id, stopped)
        for user_id, (roles, company_id) in _people(event.id, user_ids).items()
    }
    if not people:
        return 0, 0
    event_key(event)
    existing = {}
    query = select(Badge).where(Badge.event_id == event.id)
    if user_ids is not None:
        query = query.where(Badge.user_id.in_(list(people)))
    for badge in db.session.scalars(query):
        existing[badge.user_id] = badge
    users = []
    for chunk in _in_chunks(sorted(people)):
        users += db.session.scalars(select(User).where(User.id.in_(chunk)))
    organizations = _organizations(
        [people[u.id][1] for u in users] + [u.organization_id for u in users]
    )
    companies = {company for _roles, company in people.values() if company is not None}
    booths = _booth_codes_by_organization(event.id, companies) if companies else {}

    now = utcnow()
    rows, refreshed = [], 0
    for user in sorted(users, key=lambda u: u.id):
        roles, company_id = people[user.id]
        fields, derived = _snapshot(user, roles, company_id, organizations, booths)
        badge = existing.get(user.id)
        if badge is None:
            rows.append(
                {
                    **fields,
                    "event_id": event.id,
                    "user_id": user.id,
                    "category": derived,
                    "category_manual": False,
                    "issue": 1,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        elif badge.revoked_at is None and _refresh(badge, fields, derived):
            # A revoked badge keeps what was printed on it (see issue_badge).
            refreshed += 1
    issued = 0
    if rows:
        # Badges issued meanwhile by another request are left alone, not counted.
        statement = (
            insert_on_conflict(Badge)
            .on_conflict_do_nothing(index_elements=["event_id", "user_id"])
            .returning(Badge.id)
        )
        new_ids = db.session.scalars(statement, rows).all()
        issued = len(new_ids)
        if new_ids and stopped:
            companies_of = {user_id: company for user_id, (_roles, company) in people.items()}
            new = db.session.scalars(select(Badge).where(Badge.id.in_(new_ids)))
            _revoke_if_stopped(event.id, new, companies_of, organizations, stopped)
    if issued or refreshed:
        audit.record(
            "badge.synced",
            object_type="Event",
            object_id=event.id,
            event=event,
            data={"issued": issued, "refreshed": refreshed},
        )
    return issued, refreshed


def reissue_badge(badge, seen_issue=None):
    """Print the badge anew: the issue goes up and every older code stops admitting.

    `seen_issue`: the issue the organizer's page showed. Raises ReissuedMeanwhile
    when the badge has been reissued since: a second reissue would make the print
    just handed over stop admitting.

    A revoked badge reissued becomes valid again, with a new code. The new print
    carries the person's current details: a badge revoked when its holder left a
    company's team must not come back naming the company (see revoke_team_badge).
    Raises CompanyStopped while the holder is on the team of a company that no
    longer exhibits at the event, unless they are also an organizer or staff there,
    or come as an attendee too: then it prints them as that (_as_printed). Raises
    NoRoleLeft when the holder has no role at the event any more.
    """
    # The company's registration is read under a share lock, before the badge's lock
    # (a withdrawal's order): a withdrawal or a removal from the team at this moment,
    # which revokes only the badges valid when it reads them, waits for this reissue
    # and then revokes it. Who the holder is (their roles, their account's company) is
    # read only under it: one that committed while this waited has changed them.
    stopped = _lock_teams(badge.event_id, [badge.user_id])
    roles, company_id = _people(badge.event_id, [badge.user_id]).get(badge.user_id, (set(), None))
    roles, company_id = _as_printed(roles, company_id, stopped)
    db.session.refresh(badge.user)
    badge = _lock(badge)
    if seen_issue is not None and badge.issue != seen_issue:
        raise ReissuedMeanwhile(badge.issue)
    if badge.issue >= codes.MAX_ISSUE:
        raise BadgeError("this badge cannot be reissued any more")
    if company_id in stopped and not roles & EVENT_STAFF_ROLES:
        # The print would name the company as exhibitor again; approved again, the
        # company's team gets its new prints (reissue_company_badges).
        raise CompanyStopped(db.session.get(Organization, company_id))
    if not roles:
        # The badge was for a role they no longer hold: they come back with a role of
        # their own (an attendee's registration, a team), and the reissue prints it.
        raise NoRoleLeft(badge.user)
    fields, derived, _organizations_read = _current_print(
        badge.event_id, badge.user, roles, company_id
    )
    _reprint(badge, fields, derived)
    previous = badge.issue
    restored = badge.revoked_at is not None
    db.session.add(
        BadgeIssueEnd(badge_id=badge.id, issue=previous, ended_at=badge.revoked_at or utcnow())
    )
    badge.issue = previous + 1
    badge.revoked_at = None
    audit.record(
        "badge.reissued",
        badge,
        event=badge.event_id,
        data={"from_issue": previous, "issue": badge.issue, "restored": restored},
    )
    return badge


def revoke_badge(badge, reason="", *, cause=None):
    """Stop the badge admitting anybody (every issue of it). `cause`: audit data
    saying why in a form the pages put in the reader's language: {"left_team":
    company id} (revoke_team_badge), {"company_stopped": company id,
    "registration": its status} (revoke_company_badges) or {"role_removed":
    "organizer"} (revoke_organizer_badge)."""
    badge = _lock(badge)
    if badge.revoked_at is None:
        badge.revoked_at = utcnow()
        data = {"issue": badge.issue, "reason": reason or "", **(cause or {})}
        audit.record("badge.revoked", badge, event=badge.event_id, data=data)
    return badge


def revoke_team_badge(event, user, organization):
    """When `user` leaves the team of `organization` at `event`: revoke their badge
    there if it names that company, in the caller's transaction. Returns the badge
    revoked, or None (no badge, one naming another company or none, or one revoked
    already).

    Revoked even when the person keeps another role at the event (a visitor's, say),
    and even with a category an organizer set by hand: the print names the company,
    and the gate and the booths go by what is printed. The record keeps the revoked
    print's details, so organizers and the company see which print it was; the
    person gets a badge for the role they keep at the registration desk, where a
    reissue prints their current details on a new code (reissue_badge).
    """
    badge = _find_badge(event.id, user.id)
    if badge is None or badge.revoked_at is not None or badge.organization_id != organization.id:
        return None
    company = organization.name_en or organization.name_ko
    return revoke_badge(
        badge, reason=f"left the team of {company}", cause={"left_team": organization.id}
    )


def revoke_organizer_badge(event, user):
    """When `user` is no longer an organizer of `event`: revoke their badge there if it
    is printed as an organizer's, in the caller's transaction. Returns the badge
    revoked, or None (no badge, one of another category, or one revoked already).

    The bulk issue refreshes only the badges of people with a role, and a scanner's
    category rules admit the band wherever organizers go: left alone, the print would
    go on admitting the person as an organizer. Revoked even when they keep another
    role (the print says organizer) or the category was set by hand; a reissue at the
    desk prints the role they keep (reissue_badge).
    """
    badge = _find_badge(event.id, user.id)
    if badge is None or badge.revoked_at is not None or badge.category != "organizer":
        return None
    return revoke_badge(
        badge,
        reason="no longer an organizer of the event",
        cause={"role_removed": "organizer"},
    )


# Roles whose holders work the event itself: their badge admits them as such, whatever
# company's team they are also on.
EVENT_STAFF_ROLES = frozenset({"organizer", "staff"})


def _event_staff(event_id):
    """Ids of the people who are organizers or staff at the event (a subquery)."""
    return select(EventRole.user_id).where(
        EventRole.event_id == event_id, EventRole.role.in_(EVENT_STAFF_ROLES)
    )


def _team(event_id, organization_id):
    """Ids of the people on the company's team at the event (a subquery)."""
    return select(EventRole.user_id).where(
        EventRole.event_id == event_id,
        EventRole.organization_id == organization_id,
        EventRole.role.in_(EXHIBITOR_ROLES),
    )


def revoke_company_badges(event, organization, status):
    """When `organization` stops exhibiting at `event` (its registration becomes
    `status`, withdrawn or rejected): revoke, in the caller's transaction, the
    badges there printed as its exhibitor staff. Returns the badges revoked.

    Printed as its staff: a badge naming the company whose holder is on its team
    there (whatever the category, as with revoke_team_badge), or whose category is
    exhibitor. A visitor who merely works for the company holds a badge naming it
    too (the snapshot falls back to the account's company) and keeps it: they come
    as a visitor, which the company's leaving does not change. Nor does an organizer
    or the event's staff who is also on its team lose theirs: it admits them to run
    the event. A company only pending when rejected is treated alike: its team was
    printed badges too.
    """
    badges = db.session.scalars(
        select(Badge)
        .where(
            Badge.event_id == event.id,
            Badge.organization_id == organization.id,
            Badge.revoked_at.is_(None),
            Badge.user_id.in_(_team(event.id, organization.id)) | (Badge.category == "exhibitor"),
            Badge.user_id.not_in(_event_staff(event.id)),
        )
        .order_by(Badge.id)
    ).all()
    reason, cause = _stopped_revocation(organization, status)
    return [revoke_badge(badge, reason=reason, cause=cause) for badge in badges]


def _stopped_revocation(organization, status):
    """The reason and the audit cause of a revocation because `organization` stopped
    exhibiting (its registration became `status`)."""
    company = organization.name_en or organization.name_ko
    reason = (
        f"{company} withdrew from the event"
        if status == "withdrawn"
        else f"{company} no longer exhibits at the event"
    )
    return reason, {"company_stopped": organization.id, "registration": status}


def _stopped_companies(event_id, organization_ids, *, lock=False):
    """{organization id: its registration's status} of those among the companies
    that withdrew from the event or were rejected.

    `lock`: read under a share lock on the registrations (PostgreSQL), held until
    the caller commits, for a caller about to commit new badges for their teams: a
    withdrawal at the same moment (set_status locks the registration) either waits
    and then sees the new badges to revoke, or has committed and is seen here. Read
    without one, a print checked just before a withdrawal and committed just after
    it would stay valid. Every registration of the companies is locked, whatever
    its status, since it is the one about to change."""
    ids = sorted({i for i in organization_ids if i is not None})
    stopped = {}
    for chunk in _in_chunks(ids):
        query = select(Exhibitor.organization_id, Exhibitor.status).where(
            Exhibitor.event_id == event_id, Exhibitor.organization_id.in_(chunk)
        )
        if lock:
            query = query.order_by(Exhibitor.id).with_for_update(read=True)
        else:
            query = query.where(Exhibitor.status.in_(RELEASING_STATUSES))
        stopped.update(
            (organization_id, status)
            for organization_id, status in db.session.execute(query)
            if status in RELEASING_STATUSES
        )
    return stopped


def _lock_teams(event_id, user_ids=None):
    """Share-lock the registrations of the companies on whose team at the event the
    people of `user_ids` (everybody, when None) are, before their roles are read for
    a print (PostgreSQL; held until the caller commits). A withdrawal or a removal
    from the team locks the registration first, then revokes the badges it sees:
    one at this moment waits for the print and revokes it, or has committed and the
    print reads the roles and the status it left. In a withdrawal's order (its
    registration, then its team's badges), before any badge is written. Returns
    {organization id: its registration's status} of those companies that no longer
    exhibit (_stopped_companies), which the lock keeps so until the caller commits."""
    query = select(EventRole.organization_id).where(
        EventRole.event_id == event_id,
        EventRole.role.in_(EXHIBITOR_ROLES),
        EventRole.organization_id.is_not(None),
    )
    if user_ids is not None:
        query = query.where(EventRole.user_id.in_(list(user_ids)))
    return _stopped_companies(event_id, db.session.scalars(query.distinct()).all(), lock=True)


def _revoke_if_stopped(event_id, badges, companies_of, organizations, stopped):
    """Revoke the badges just issued for the team of a company that no longer exhibits
    (`companies_of`: holder's user id -> their exhibiting company id; `stopped`: what
    _lock_teams found of their companies), as its team's were when it stopped
    (revoke_company_badges). Its people keep their exhibitor role, so their page and
    the company's would print them one: issued revoked, the pages say why, and an
    approval again reissues them with the rest of the team."""
    badges = [badge for badge in badges if companies_of.get(badge.user_id) in stopped]
    # Organizers and staff also on the team keep theirs (revoke_company_badges).
    event_staff = set()
    for chunk in _in_chunks({badge.user_id for badge in badges}):
        event_staff.update(
            db.session.scalars(_event_staff(event_id).where(EventRole.user_id.in_(chunk)))
        )
    for badge in badges:
        company_id = companies_of.get(badge.user_id)
        if badge.user_id not in event_staff:
            reason, cause = _stopped_revocation(organizations[company_id], stopped[company_id])
            revoke_badge(badge, reason=reason, cause=cause)


def reissue_company_badges(event, organization):
    """When `organization` exhibits again at `event` (the organizers approve it after
    a withdrawal or a rejection): reissue, in the caller's transaction, the badges
    revoked because it had stopped, of the people still on its team. Returns the
    badges reissued.

    New codes, never the old ones restored: a print lost or handed on meanwhile
    stays refused. Done at the organizers' approval, not at the company's own
    request to register again: the organizers decide that it exhibits. The bulk
    issue on the badges page (sync_badges) only issues missing badges and
    refreshes details, so without this the team would wait for a reissue of each
    badge at the desk. A badge revoked since for another reason, or whose holder
    left the team, is left to the organizers; one at its last issue stays revoked.
    """
    stopped = _revoked_for(event.id, organization.id, ("company_stopped",))
    if not stopped:
        return []
    badges = db.session.scalars(
        select(Badge)
        .where(
            Badge.id.in_(stopped),
            Badge.revoked_at.is_not(None),
            Badge.issue < codes.MAX_ISSUE,
            Badge.user_id.in_(_team(event.id, organization.id)),
        )
        .order_by(Badge.id)
    ).all()
    return [reissue_badge(badge) for badge in badges]


# Why a badge was revoked, by the cause its audit entry names.
CAUSE_KEYS = ("left_team", "company_stopped")


def _revocations(event_id):
    """The badge revocations audited at the event (a query of object id, data)."""
    return select(audit.AuditEntry.object_id, audit.AuditEntry.data).where(
        audit.AuditEntry.action == "badge.revoked",
        audit.AuditEntry.event_id == event_id,
        audit.AuditEntry.object_type == "Badge",
    )


def current_issue_at(badge):
    """When the badge's current issue was printed: its latest reissue (audited each
    time), or, for a first issue, when the badge was made."""
    if badge.issue == 1:
        return badge.created_at
    reissued = db.session.scalar(
        select(func.max(audit.AuditEntry.created_at)).where(
            audit.AuditEntry.action == "badge.reissued",
            audit.AuditEntry.event_id == badge.event_id,
            audit.AuditEntry.object_type == "Badge",
            audit.AuditEntry.object_id == str(badge.id),
        )
    )
    return reissued or badge.created_at


def _latest_revocations(event_id, badge_ids):
    """{badge id: the audit data of its latest revocation} of the badges `badge_ids`
    at the event."""
    latest = {}
    for chunk in _in_chunks({str(i) for i in badge_ids}):
        query = _revocations(event_id).where(audit.AuditEntry.object_id.in_(chunk))
        # Oldest first: a later revocation (after a reissue) says why it is revoked now.
        for object_id, data in db.session.execute(query.order_by(audit.AuditEntry.id)):
            latest[int(object_id)] = data or {}
    return latest


def _revoked_for(event_id, organization_id, causes=CAUSE_KEYS):
    """Ids of the badges at the event whose latest revocation names `organization_id`
    under one of `causes` (its holder left its team, it stopped exhibiting).

    The database picks the revocations naming the company, so a page of the company
    reads its own few entries, not every revocation of a large event."""
    data = audit.AuditEntry.data
    named = (
        _revocations(event_id)
        .with_only_columns(audit.AuditEntry.object_id)
        .where(or_(*(data[cause].as_integer() == organization_id for cause in causes)))
    )
    candidates = set(db.session.scalars(named.distinct()))
    return [
        badge_id
        for badge_id, data in _latest_revocations(event_id, candidates).items()
        if organization_id in (data.get(cause) for cause in causes)
    ]


def revocation_reasons(badges, company=None):
    """{badge id: why it is revoked, in the reader's language} for the revoked ones
    among `badges` (one event's) that have a reason. With `company` (an
    organization id), for its admins: only that their holder left its team or that
    it stopped exhibiting, as an organizer's own reason was written for the
    organizers."""
    revoked = [badge for badge in badges if badge.revoked_at is not None]
    if not revoked:
        return {}
    latest = _latest_revocations(revoked[0].event_id, [badge.id for badge in revoked])
    companies = _organizations(data.get(key) for data in latest.values() for key in CAUSE_KEYS)
    reasons = {}
    for badge_id, data in latest.items():
        left = companies.get(data.get("left_team"))
        stopped = companies.get(data.get("company_stopped"))
        cause = left or stopped
        if company is not None and (cause is None or cause.id != company):
            continue
        if left is not None:
            reasons[badge_id] = _("Left the team of %(company)s.", company=left.name)
        elif stopped is not None and data.get("registration") == "withdrawn":
            reasons[badge_id] = _("%(company)s withdrew from the event.", company=stopped.name)
        elif stopped is not None:
            reasons[badge_id] = _(
                "%(company)s no longer exhibits at the event.", company=stopped.name
            )
        elif data.get("role_removed") == "organizer":
            reasons[badge_id] = _("No longer an organizer of the event.")
        elif data.get("reason"):
            reasons[badge_id] = data["reason"]
    return reasons


def _lock(badge):
    """Reload the badge row under a write lock (PostgreSQL), so concurrent
    reissues each count."""
    locked = db.session.scalar(
        select(Badge)
        .where(Badge.id == badge.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if locked is None:
        raise BadgeError("badge not found")
    return locked


def badge_code(badge):
    """The signed code text printed on the current issue of the badge."""
    return code_signer(badge.event_id)(badge)


def code_signer(event):
    """A function badge -> code text for many badges of one event (one key lookup)."""
    private = codes.load_private_key(event_key(event).private_key)

    def sign(badge):
        return codes.encode(private, badge.event_id, badge.id, badge.issue)

    return sign


# -- verifying -----------------------------------------------------------------------------------

VERDICT_STATUSES = (
    "valid",
    "malformed",
    "bad_signature",
    "revoked",
    "other_event",
    "unknown_badge",
)

MESSAGES = {
    "valid": _l("Valid badge."),
    "malformed": _l("Not a badge code."),
    "bad_signature": _l("Bad signature: this code was not issued by the organizer."),
    "revoked": _l("Revoked badge."),
    "superseded": _l("Revoked: this badge has been reissued; the newer print is valid."),
    "other_event": _l("Badge of another event."),
    "unknown_badge": _l("Unknown badge."),
    "unknown_issue": _l("Unknown issue of this badge."),
}


@dataclass(frozen=True)
class Verdict:
    """The outcome of checking a scanned code.

    `status` is one of VERDICT_STATUSES; `badge` is the badge the code names
    when it is genuine (also for revoked ones and other events' badges), else
    None; `message` is a short translatable reason; `code` is the decoded
    BadgeCode (None when malformed); `detail` a technical detail (English).
    """

    status: str
    badge: Badge | None = None
    message: object = field(default="", repr=False)
    code: codes.BadgeCode | None = None
    detail: str = ""

    @property
    def ok(self):
        return self.status == "valid"

    @property
    def reason(self):
        """The message in English, untranslated (usable without a request)."""
        args = getattr(self.message, "_args", None)
        return args[0] if args else str(self.message)


def _verdict(status, badge=None, code=None, message_key=None, detail=""):
    return Verdict(status, badge, MESSAGES[message_key or status], code, detail)


def verify_code(text, event):
    """Check a scanned code for `event` (an Event or its id).

    Order: the format, the signature (with the event's key, or with the key of
    the event the code names), then the badge's state.
    """
    event_id = getattr(event, "id", event)
    try:
        code = codes.decode(text)
    except codes.MalformedCode as error:
        return _verdict("malformed", detail=error.reason)

    if code.event_id != event_id:
        other_key = db.session.get(EventKey, code.event_id)
        if other_key is not None and not codes.verify_signature(
            codes.load_public_key(other_key.public_key), code
        ):
            return _verdict("bad_signature", code=code, detail="signature does not match")
        badge = None
        if other_key is not None:
            badge = db.session.scalar(
                select(Badge).where(Badge.id == code.badge_id, Badge.event_id == code.event_id)
            )
        detail = f"event {code.event_id}" if other_key else f"unknown event {code.event_id}"
        return _verdict("other_event", badge=badge, code=code, detail=detail)

    key = db.session.get(EventKey, event_id)
    if key is None or not codes.verify_signature(codes.load_public_key(key.public_key), code):
        return _verdict("bad_signature", code=code, detail="signature does not match")

    badge = db.session.scalar(
        select(Badge).where(Badge.id == code.badge_id, Badge.event_id == event_id)
    )
    if badge is None:
        return _verdict("unknown_badge", code=code, detail=f"badge {code.badge_id}")
    if badge.revoked_at is not None:
        return _verdict("revoked", badge=badge, code=code, detail="revoked")
    if code.issue < badge.issue:
        return _verdict(
            "revoked",
            badge=badge,
            code=code,
            message_key="superseded",
            detail=f"issue {code.issue} < current {badge.issue}",
        )
    if code.issue > badge.issue:
        return _verdict(
            "unknown_badge",
            badge=None,
            code=code,
            message_key="unknown_issue",
            detail=f"issue {code.issue} > current {badge.issue}",
        )
    return _verdict("valid", badge=badge, code=code)


def revocation_list(event):
    """What an offline scanner needs besides the public key.

    {"revoked": [ids of fully revoked badges], "min_issue": {badge id: current
    issue}} — a code is revoked if its badge id is in "revoked" or its issue is
    lower than min_issue[badge id]. Every badge of the event is in min_issue,
    so a badge id missing there is unknown. (Serialised as JSON, the keys of
    min_issue become strings.)
    """
    event_id = getattr(event, "id", event)
    revoked, min_issue = [], {}
    rows = db.session.execute(
        select(Badge.id, Badge.issue, Badge.revoked_at)
        .where(Badge.event_id == event_id)
        .order_by(Badge.id)
    )
    for badge_id, issue, revoked_at in rows:
        min_issue[badge_id] = issue
        if revoked_at is not None:
            revoked.append(badge_id)
    return {"revoked": revoked, "min_issue": min_issue}


# -- queries -------------------------------------------------------------------------------------


def badges_query(
    event,
    *,
    category=None,
    organization_id=None,
    user_ids=None,
    badge_ids=None,
    text=None,
    include_revoked=True,
):
    """Badges of the event in the stable print order: category, company, name, id.

    Lists show revoked badges (to say so); printing passes `include_revoked=False`,
    since a print of a revoked badge admits nobody and only causes arguments at
    the gate.
    """
    _check_category(category or None)
    query = select(Badge).where(Badge.event_id == event.id)
    if not include_revoked:
        query = query.where(Badge.revoked_at.is_(None))
    if category:
        query = query.where(Badge.category == category)
    if organization_id is not None:
        query = query.where(Badge.organization_id == organization_id)
    if user_ids is not None:
        query = query.where(Badge.user_id.in_(list(user_ids)))
    if badge_ids is not None:
        query = query.where(Badge.id.in_(list(badge_ids)))
    if text:
        found = contains_text(text, Badge.name_ko, Badge.name_en, User.email)
        number = badge_number_id(text)
        if number is not None:
            found = or_(found, Badge.id == number)
        query = query.join(User, User.id == Badge.user_id).where(found)
    order = [c.key for c in sorted(CATEGORIES.values(), key=lambda c: c.order)]
    rank = case({key: index for index, key in enumerate(order)}, value=Badge.category, else_=99)
    # Companies and people may be named in Korean only: ordered by the English names
    # alone, those fell together under "" and came out as they registered, one
    # company's badges among another's on the sheets.
    company = func.coalesce(func.nullif(Badge.organization_en, ""), Badge.organization_ko)
    name = func.coalesce(func.nullif(Badge.name_en, ""), Badge.name_ko)
    return query.order_by(rank, company, Badge.organization_id, name, Badge.id)


# The number printed under a badge's QR code: its id, six digits, and the issue
# ("000123-2"); typed with or without the zeros and the issue.
BADGE_NUMBER = re.compile(r"0*([1-9][0-9]{0,8})(?:-[0-9]{1,3})?")


def badge_number_id(text):
    """The badge id of a badge number as printed, or None for other text."""
    # Typed in full width ("０００１２３－２", a Korean input method's full-width mode)
    # it is the same number; as typed it read as a name and found no badge.
    match = BADGE_NUMBER.fullmatch(unicodedata.normalize("NFKC", text or "").strip())
    return int(match[1]) if match else None


def badge_of(event, user):
    return _find_badge(event.id, user.id)


def company_badges_query(event, organization_id, people):
    """The badges of the company's people at the event, and those revoked because
    their holder left its team or it stopped exhibiting (its admins see why), in the
    print order."""
    revoked = _revoked_for(event.id, organization_id)
    return badges_query(event).where(
        Badge.user_id.in_(list(people)) | (Badge.id.in_(revoked) & Badge.revoked_at.is_not(None))
    )


def company_people(event, organization_id):
    """Ids of the people who represent the company as exhibitor at the event."""
    return set(db.session.scalars(_team(event.id, organization_id)))


def is_company_at(event, organization_id):
    """Whether the organization exhibits at the event or a badge there names it (its
    people's, revoked ones included); badges should be in step (sync_badges)."""
    exhibits = select(Exhibitor.id).where(
        Exhibitor.event_id == event.id, Exhibitor.organization_id == organization_id
    )
    badged = select(Badge.id).where(
        Badge.event_id == event.id, Badge.organization_id == organization_id
    )
    return db.session.scalar(select(exhibits.exists() | badged.exists()))


def printable_count(event, **filters):
    """How many badges `pdf.batch_pdf` prints with these `badges_query` filters."""
    query = badges_query(event, include_revoked=False, **filters)
    return db.session.scalar(select(func.count()).select_from(query.subquery()))


def badge_counts(event):
    """{"categories": {category: n}, "total", "revoked", "reissued"}."""
    categories = dict(
        db.session.execute(
            select(Badge.category, func.count())
            .where(Badge.event_id == event.id)
            .group_by(Badge.category)
        ).all()
    )
    revoked = db.session.scalar(
        select(func.count()).where(Badge.event_id == event.id, Badge.revoked_at.is_not(None))
    )
    reissued = db.session.scalar(
        select(func.count()).where(Badge.event_id == event.id, Badge.issue > 1)
    )
    people = db.session.scalar(
        select(func.count(func.distinct(EventRole.user_id))).where(EventRole.event_id == event.id)
    )
    return {
        "categories": categories,
        "total": sum(categories.values()),
        "revoked": revoked,
        "reissued": reissued,
        "people": people,
    }


def badge_companies(event):
    """Organizations that have badges at the event, by their name in the page's
    language (the filter lists the names that way: in Korean, by the English name
    they would seem in no order at all)."""
    ids = select(Badge.organization_id).where(
        Badge.event_id == event.id, Badge.organization_id.is_not(None)
    )
    organizations = db.session.scalars(select(Organization).where(Organization.id.in_(ids)))
    return sorted(organizations, key=lambda org: (org.name.casefold(), org.id))
