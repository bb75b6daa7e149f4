"""The audit log: who changed what, when, on which object.

Service functions call `record()` inside the transaction that makes the change,
so the entry is committed (or rolled back) together with it.
"""

from flask import has_request_context
from flask_login import current_user
from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventapp.core.db import UTCDateTime, utcnow
from eventapp.core.i18n import gettext as _
from eventapp.core.i18n import in_language, ngettext
from eventapp.core.i18n import lazy_gettext as _l
from eventapp.extensions import db

# What each recorded action did, in the reader's language: organizers read the log,
# and "meeting_request.declined" is a code, not Korean or English.
ACTIONS = {
    "badge.category_changed": _l("Badge category changed"),
    "badge.issued": _l("Badge issued"),
    "badge.key_created": _l("Badge signing key created"),
    "badge.refreshed": _l("Badge details refreshed"),
    "badge.reissued": _l("Badge reissued"),
    "badge.revoked": _l("Badge revoked"),
    "badge.synced": _l("Badges issued and refreshed"),
    "booth.blocked": _l("Booths blocked"),
    "booth.confirmed": _l("Booths confirmed"),
    "booth.held": _l("Booths held"),
    "booth.hold_expired": _l("Booth hold expired"),
    "booth.hold_released": _l("Booth hold released"),
    "booth.moved": _l("Booths moved"),
    "booth.placed": _l("Booths placed"),
    "booth.plan_applied": _l("Booth placement applied"),
    "booth.plan_proposed": _l("Booth placement proposed"),
    "booth.settings_changed": _l("Booth settings changed"),
    "booth.swapped": _l("Booths swapped"),
    "booth.unassigned": _l("Booths unassigned"),
    "booth.unblocked": _l("Booths unblocked"),
    "calendar.invites_queued": _l("Calendar invitations queued"),
    "calendar_feed.created": _l("Calendar feed created"),
    "calendar_feed.rotated": _l("Calendar feed address renewed"),
    "checkin.contact_sharing": _l("Contact sharing changed"),
    "checkin.device_created": _l("Scanner device created"),
    "checkin.device_deleted": _l("Scanner device deleted"),
    "checkin.device_extended": _l("Scanner device extended"),
    "checkin.device_revoked": _l("Scanner device revoked"),
    "checkin.device_set_up": _l("Scanner device set up"),
    "checkin.device_set_up_again": _l("Scanner device set up again"),
    "checkin.lead_removed": _l("Lead removed"),
    "checkin.lead_updated": _l("Lead updated"),
    "checkin.point_changed": _l("Scan point changed"),
    "checkin.point_created": _l("Scan point created"),
    "checkin.point_deleted": _l("Scan point deleted"),
    "event.created": _l("Event created"),
    "event.demo_loaded": _l("Demo data loaded"),
    "event.updated": _l("Event details changed"),
    "exhibitor.import": _l("Exhibitors imported"),
    "exhibitor.imported": _l("Exhibitor imported"),
    "exhibitor.invitation_declined": _l("Team invitation declined"),
    "exhibitor.invitation_withdrawn": _l("Team invitation withdrawn"),
    "exhibitor.locked": _l("Exhibitor locked"),
    "exhibitor.member_added": _l("Team member added"),
    "exhibitor.member_invited": _l("Team member invited"),
    "exhibitor.member_removed": _l("Team member removed"),
    "exhibitor.priority_changed": _l("Exhibitor priority changed"),
    "exhibitor.registered": _l("Exhibitor registered"),
    "exhibitor.status_changed": _l("Exhibitor status changed"),
    "exhibitor.unlocked": _l("Exhibitor unlocked"),
    "exhibitor.updated": _l("Exhibitor details changed"),
    "floorplan.imported": _l("Floor plan imported"),
    "meeting.attendance": _l("Meeting attendance recorded"),
    "meeting.cancelled": _l("Meeting cancelled"),
    "meeting.moved": _l("Meeting moved"),
    "meeting.notes": _l("Meeting notes saved"),
    "meeting.reminders_sent": _l("Meeting reminders sent"),
    "meeting.scheduled": _l("Meeting scheduled"),
    "meeting_plan.applied": _l("Meeting schedule applied"),
    "meeting_plan.computed": _l("Meeting schedule computed"),
    "meeting_profile.availability": _l("Meeting availability changed"),
    "meeting_profile.booth_reception": _l("Meetings at the booth changed"),
    "meeting_profile.cap": _l("Meeting limit changed"),
    "meeting_profile.created": _l("Meetup profile created"),
    "meeting_profile.updated": _l("Meetup profile changed"),
    "meeting_request.accepted": _l("Meeting request accepted"),
    "meeting_request.cancelled": _l("Meeting request cancelled"),
    "meeting_request.created": _l("Meeting requested"),
    "meeting_request.declined": _l("Meeting request declined"),
    "meeting_request.mutual": _l("Mutual meeting requests joined"),
    "meeting_settings.saved": _l("Meetup settings saved"),
    "meeting_time_proposal.accepted": _l("Proposed meeting time accepted"),
    "meeting_time_proposal.closed": _l("Proposed meeting time closed"),
    "meeting_time_proposal.declined": _l("Proposed meeting time declined"),
    "meeting_time_proposal.made": _l("Another meeting time proposed"),
    "meeting_time_proposal.withdrawn": _l("Proposed meeting time withdrawn"),
    "organization.named": _l("Company named for the meetup"),
    "organization.colleague_invited": _l("Colleague invited to the meetup"),
    "organization.colleague_joined": _l("Colleague joined the meetup"),
    "role.granted": _l("Role granted"),
    "role.revoked": _l("Role removed"),
    "user.confirmation_sent": _l("Address confirmation mailed"),
    "user.created": _l("Account created"),
    "user.email_confirmed": _l("E-mail address confirmed"),
    "user.login": _l("Signed in"),
    "user.password_changed": _l("Password changed"),
    "user.password_reset": _l("Password reset"),
    "user.reset_requested": _l("Password reset requested"),
    "user.signup_attempted": _l("Sign-up tried with the address of an account"),
    "user.signup_replaced": _l("Unconfirmed sign-up replaced by a new one"),
    "user.unconfirmed_purged": _l("Unconfirmed accounts removed"),
    "user.updated": _l("Account details changed"),
}


# What the entries are about, named for the organizers who read the log (the
# model's class name is what the entry stores).
OBJECT_TYPES = {
    "Badge": _l("Badge"),
    "Booth": _l("Booth"),
    "BoothAllocation": _l("Booth allocation"),
    "BoothPlanProposal": _l("Booth plan"),
    "BoothSettings": _l("Booth settings"),
    "CalendarFeed": _l("Calendar feed"),
    "CheckIn": _l("Check-in"),
    "Event": _l("Event"),
    "EventKey": _l("Badge signing key"),
    "EventRole": _l("Role"),
    "Exhibitor": _l("Exhibitor"),
    "Hall": _l("Hall"),
    "Lead": _l("Lead"),
    "LeadConsent": _l("Contact sharing"),
    "Meeting": _l("Meeting"),
    "MeetingPlan": _l("Meeting plan"),
    "MeetingProfile": _l("Meetup profile"),
    "MeetingRequest": _l("Meeting request"),
    "MeetingSettings": _l("Meetup settings"),
    "MeetingTimeProposal": _l("Proposed meeting time"),
    "Organization": _l("Company"),
    "ScanDevice": _l("Scanner device"),
    "ScanPoint": _l("Scan point"),
    "TeamInvitation": _l("Team invitation"),
    "User": _l("Account"),
}


class AuditEntry(db.Model):
    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow, index=True)
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str] = mapped_column(String(64))
    object_id: Mapped[str | None] = mapped_column(String(64))
    data: Mapped[dict] = mapped_column(JSON, default=dict)

    user = relationship("User")

    @property
    def label(self):
        """What the entry records, in the reader's language (the code if unknown).
        An organizer appointed or removed is named: who did it is the entry's user,
        and who runs the event is what the organizers look the log up for."""
        data = self.data or {}
        if self.action in ("role.granted", "role.revoked") and data.get("role") == "organizer":
            person = data.get("email") or _email_of(data.get("user"))
            if person and self.action == "role.granted":
                return _("Organizer appointed: %(person)s", person=person)
            if person:
                return _("Organizer removed: %(person)s", person=person)
        if self.action == "floorplan.imported" and data.get("removed"):
            # Booths the new file left out are deleted: the log keeps which ones.
            codes = data.get("removed_booths")
            if codes:
                return ngettext(
                    "Floor plan imported; %(num)d booth removed: %(booths)s",
                    "Floor plan imported; %(num)d booths removed: %(booths)s",
                    len(codes),
                    booths=", ".join(codes),
                )
            return ngettext(
                "Floor plan imported; %(num)d booth removed",
                "Floor plan imported; %(num)d booths removed",
                data["removed"],
            )
        return ACTIONS.get(self.action, self.action)

    # The object's own name ("001057-1 · 김민수", "정문") and page, where the log's
    # page looked them up (events.audit_objects.name_objects); an object deleted since
    # is named as its deletion entry kept it, and marked so.
    object_name = None
    object_url = None
    object_deleted = False

    @property
    def object_label(self):
        """What the entry is about, in the reader's language, by its name where it
        was looked up ("Scan point Main gate"), else with its number: "Booth plan 3"
        ("부스 배치안 3"); the stored type where none is known."""
        if self.object_type in (None, "", "-"):
            return self.object_id or ""
        kind = OBJECT_TYPES.get(self.object_type, self.object_type)
        if self.object_name:
            label = f"{kind} {self.object_name}"
        else:
            label = f"{kind} {self.object_id}" if self.object_id else str(kind)
        if self.object_deleted:
            return _("%(object)s (deleted)", object=label)
        return label

    def __repr__(self):
        return f"<AuditEntry {self.action} {self.object_type}:{self.object_id}>"


# The entries that record an object's deletion. Each keeps the object's name in its
# data, the log's only way to name the object once the row is gone: `name_ko` and
# `name` (English) for one named in both languages, else `name` alone (see
# deleted_name).
DELETIONS = ("checkin.device_deleted", "checkin.point_deleted", "checkin.lead_removed")


def deleted_name(data):
    """The name a deletion entry's data kept, in the reader's language (None if it kept
    none: a device without a label)."""
    data = data or {}
    names = [data.get("name_ko"), data.get("name")]
    korean, other = (name if isinstance(name, str) and name else None for name in names)
    return in_language(korean, other) or None


def _email_of(user_id):
    """The address of an account (entries written before they carried it)."""
    from eventapp.accounts.models import User

    user = db.session.get(User, user_id) if user_id is not None else None
    return user.email if user is not None else None


def acting_user_id():
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user.id
    return None


def record(action, obj=None, *, event=None, data=None, user=None, object_type=None, object_id=None):
    """Add an audit entry to the current session (committed with the change)."""
    if obj is not None and getattr(obj, "id", 0) is None:
        db.session.flush()  # the entry needs the new object's id
    if obj is not None:
        object_type = object_type or obj.__class__.__name__
        object_id = object_id if object_id is not None else getattr(obj, "id", None)
    if event is None and obj is not None:
        event = getattr(obj, "event", None)
    entry = AuditEntry(
        action=action,
        object_type=object_type or "-",
        object_id=None if object_id is None else str(object_id),
        event_id=getattr(event, "id", event),
        user_id=getattr(user, "id", user) if user is not None else acting_user_id(),
        data=data or {},
    )
    db.session.add(entry)
    return entry
