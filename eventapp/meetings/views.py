"""Pages of the global meetup: participants (profile, partners, requests, live booking,
availability, agenda) and organizers (settings, grid, scheduling, reminders, PDFs)."""

import unicodedata
from datetime import date, datetime
from itertools import groupby

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload
from werkzeug.datastructures import MultiDict

from eventapp.core.db import is_conflict
from eventapp.core.forms import field_errors, select_choices
from eventapp.core.i18n import gettext as _
from eventapp.core.i18n import lazy_gettext as _l
from eventapp.core.i18n import ngettext
from eventapp.core.nav import add_nav_item, add_overview_panel
from eventapp.core.paging import page_window
from eventapp.core.permissions import (
    event_object_or_404,
    event_view,
    is_organizer,
    organizer_view,
    parse_id,
    roles_of,
)
from eventapp.core.templating import zone_name
from eventapp.core.urls import safe_redirect_target
from eventapp.extensions import db, login_manager
from eventapp.meetings import agenda as agenda_data
from eventapp.meetings import planning, recommend, services
from eventapp.meetings.forms import (
    CancelForm,
    CapForm,
    ColleagueForm,
    CompanyForm,
    DeclineForm,
    FilterForm,
    JoinCompanyForm,
    MoveForm,
    NotesForm,
    ProfileForm,
    ProposeTimeForm,
    RequestForm,
    SettingsForm,
)
from eventapp.meetings.models import (
    MEETING_STATUSES,
    NO_SHOW_SIDES,
    OPEN_REQUEST_STATUSES,
    SIDES,
    Meeting,
    MeetingPlan,
    MeetingProfile,
    MeetingRequest,
    MeetingSeat,
    MeetingSlot,
    MeetingTable,
    MeetingTimeProposal,
    contacts_of,
)
from eventapp.organizations.models import SECTORS

bp = Blueprint("meetings", __name__)

PARTICIPANTS = services.PARTICIPANT_ROLES
PARTNERS_PER_PAGE = 60
PARTNER_FILTERS = ("sector", "country", "kind", "q")
PARTNER_FILTER_MAX = 100  # the search field's length
PARTICIPANTS_PER_PAGE = 50
PARTICIPANT_CAP_FILTERS = {
    "own": _l("with their own cap"),
    "over": _l("over the cap"),
}

add_nav_item(_l("Global meetup"), "meetings.home", *PARTICIPANTS, order=40)
add_nav_item(_l("My agenda"), "meetings.agenda", *PARTICIPANTS, order=41)
add_nav_item(_l("Meetings (organizer)"), "meetings.manage", "organizer", order=80)
add_overview_panel("meetings/_overview_panel.html")


@bp.app_template_global()
def meeting_counts(event):
    """Figures for the organizer overview panel."""

    def counted(column):
        return dict(
            db.session.execute(
                select(column, func.count())
                .where(column.class_.event_id == event.id)
                .group_by(column)
            ).all()
        )

    requests = counted(MeetingRequest.status)
    meetings = counted(Meeting.status)
    profiles = counted(MeetingProfile.side)
    return {"requests": requests, "meetings": meetings, "profiles": profiles}


@bp.app_template_global()
def astray_meeting_count(event):
    """Meetings at a booth their firm no longer receives at, for the organizer
    overview: the booth tools warn where they are used, but a company withdrawing
    itself leaves them with no organizer there to read a warning."""
    return len(services.astray_meetings(event))


# --------------------------------------------------------------------------- helpers


def _me(event):
    return services.acting_profile(current_user, event)


def _back(default):
    return safe_redirect_target(request.form.get("next") or request.args.get("next"), default)


def _attempt(action, success=None):
    """Run a service call and commit; flash the outcome. True on success."""
    try:
        result = action()
        db.session.commit()
    except services.StaleForm:
        db.session.rollback()
        raise  # the page shows what is saved now beside what was typed
    except services.ProposalClosed as error:
        db.session.commit()  # the proposal stays closed
        flash(str(error), "error")
        return False
    except services.MeetingError as error:
        db.session.rollback()
        flash(str(error), getattr(error, "category", "error"))
        return False
    except Exception as error:
        db.session.rollback()
        if not is_conflict(error):
            raise
        flash(_("Someone else changed this at the same moment. Please try again."), "error")
        return False
    if success:
        flash(success, "success")
    return result if result is not None else True


def _load_request(event, request_id):
    """The request and the profile the user acts for; 403 unless it is theirs."""
    item = event_object_or_404(MeetingRequest, request_id, event)
    me = _me(event)
    if item.side_of(me) is None and not is_organizer(current_user, event):
        abort(403)
    return item, (me if item.side_of(me) else None)


def _load_meeting(event, meeting_id):
    meeting = event_object_or_404(Meeting, meeting_id, event)
    me = _me(event)
    if meeting.request.side_of(me) is None and not is_organizer(current_user, event):
        abort(403)
    return meeting, (me if meeting.request.side_of(me) else None)


def _require_profile(event):
    me = _me(event)
    if me is None:
        flash(_("Create your meetup profile first."), "info")
    return me


# --------------------------------------------------------------------------- participants


@bp.get("/e/<slug>/meetings/")
@event_view(*PARTICIPANTS)
def home(event):
    organization = services.participant_organization(current_user, event)
    me = services.profile_of(event, organization)
    context = {"event": event, "organization": organization, "me": me}
    # Signed up on their own, an attendee has no company until they name one.
    context["can_name_company"] = (
        organization is None
        and current_user.organization_id is None
        and "attendee" in roles_of(current_user, event)
    )
    if me is not None:
        requests = services.requests_of(me)
        meetings = services.meetings_of(me)
        now = services._now()
        context.update(
            incoming=[
                r for r in requests if r.status == "requested" and r.requester_side != me.side
            ],
            outgoing=[
                r for r in requests if r.status == "requested" and r.requester_side == me.side
            ],
            to_book=[r for r in requests if r.status == "accepted" and r.meeting is None],
            meetings=meetings,
            # "Next meetings": those that have not ended (on day 2, not day 1's).
            upcoming=[m for m in meetings if m.ends_at > now],
            window_notice=services.booking_window_notice(event),
        )
    return render_template("meetings/home.html", **context)


@bp.route("/e/<slug>/meetings/company", methods=["GET", "POST"])
@event_view("attendee")
def company(event):
    """An attendee who signed up on their own names their company, to take part."""
    if services.participant_organization(current_user, event) is not None:
        return redirect(url_for("meetings.profile", slug=event.slug))
    form = CompanyForm()
    if form.validate_on_submit():
        try:
            services.name_company(event, current_user, form.profile())
            db.session.commit()
            return redirect(url_for("meetings.profile", slug=event.slug))
        except services.MeetingError as error:
            db.session.rollback()
            flash(str(error), "error")  # the form stays as typed
    return render_template("meetings/company.html", event=event, form=form)


@bp.post("/e/<slug>/meetings/colleagues")
@event_view(*PARTICIPANTS)
def invite_colleague(event):
    # The redirect scrolls to the card, a screen or more below the page's own messages
    # on a phone: the card shows the answer itself (at=colleagues).
    card = url_for("meetings.profile", slug=event.slug, at="colleagues", _anchor="colleagues")
    organization = services.named_company(current_user, event)
    if organization is None:
        # No card to show the answer on: the service says why (an exhibitor's people
        # add theirs on its team page).
        _attempt(lambda: services.invite_colleague(event, current_user, request.form.get("email")))
        return redirect(card)
    form = ColleagueForm()
    if form.validate_on_submit():
        try:
            colleague = services.invite_colleague(event, current_user, form.email.data)
            db.session.commit()
        except services.MeetingError as error:
            db.session.rollback()
            form.email.errors.append(str(error))
        except Exception as error:
            db.session.rollback()
            if not is_conflict(error):
                raise
            flash(_("Someone else changed this at the same moment. Please try again."), "error")
        else:
            flash(
                _(
                    "An invitation is sent to %(email)s. They take part for your company "
                    "once they open its link and accept.",
                    email=colleague.email,
                ),
                "success",
            )
            return redirect(card)
    # Refused, the card shows the address as typed with what is wrong under it: on a
    # redirect it came back empty, the address to type again.
    for field in form:
        if field is not form.email:
            for message in field.errors:
                flash(message, "error")  # an expired form, say
    me = services.profile_of(event, organization)
    return _profile_page(event, organization, me, _saved_profile_form(organization, me), form)


@bp.route("/e/<slug>/meetings/join/<token>", methods=["GET", "POST"])
@event_view(public=True)
def join_company(event, token):
    """A colleague link, opened by the account it was sent to (any signed-in
    account: the person may not be registered for the event yet)."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    form = JoinCompanyForm()
    try:
        company = services.colleague_invitation(event, token, current_user)
    except services.MeetingError as error:
        return render_template(
            "meetings/join.html", event=event, form=form, company=None, problem=str(error)
        ), 400
    # Joined meanwhile, the person still answers with the button: opening the link (a
    # mail client's preview fetches it too) changes nothing. The answer takes the link
    # up all the same, and the company's card no longer lists it as waiting.
    current = services.participant_organization(current_user, event)
    joined = current is not None and current.id == company.id
    if form.validate_on_submit() and _attempt(
        lambda: services.join_company(event, current_user, token),
        None if joined else _("You take part in the meetup for %(company)s.", company=company.name),
    ):
        return redirect(url_for("meetings.profile", slug=event.slug))
    return render_template(
        "meetings/join.html",
        event=event,
        form=form,
        company=company,
        joined=joined,
        problem=None,
    )


@bp.route("/e/<slug>/meetings/profile", methods=["GET", "POST"])
@event_view(*PARTICIPANTS)
def profile(event):
    organization = services.participant_organization(current_user, event)
    if organization is None:
        flash(_("Your account is not linked to a company taking part in this event."), "error")
        return redirect(url_for("meetings.home", slug=event.slug))
    me = services.profile_of(event, organization)
    if request.method == "GET":
        form = _saved_profile_form(organization, me)
    else:
        form = ProfileForm(obj=me)
    if form.validate_on_submit():
        fields = {name: getattr(form, name).data for name in services.PROFILE_FIELDS}

        def save():
            if me is None:
                return services.create_profile(event, organization, **fields)
            services.update_profile(me, form.version.data, **fields)
            return me

        try:
            if _attempt(save, _("Your meetup profile is saved.")):
                return redirect(url_for("meetings.partners", slug=event.slug))
        except services.ProfileConflict as error:
            flash(str(error), "error")
            me = services.profile_of(event, organization)
            # The typed text stays in the form; saved again, it is checked against the
            # profile shown beside it.
            form.version.data = services.profile_version(me)
            saved_now = _saved_profile_rows(form, me, services.profile_changes(me, fields))
            return _profile_page(event, organization, me, form, saved_now=saved_now), 409
    return _profile_page(event, organization, me, form)


def _saved_profile_form(organization, me):
    """The profile form as saved (a new one from the company's facts), not as posted."""
    form = ProfileForm(formdata=None, obj=me)
    if me is None:
        form.sector.data = organization.sector
        form.country.data = organization.country
    else:
        form.keywords.data = ", ".join(me.keywords or ())
    form.version.data = services.profile_version(me)
    return form


def _saved_profile_rows(form, me, keys):
    """(label, value as saved now) of the profile fields `keys`, as the form names them."""
    rows = []
    for key in keys:
        field, value = form[key], getattr(me, key)
        if key == "keywords":
            value = ", ".join(value or ())
        elif key == "receives_at_booth":
            value = _("yes") if value else _("no")
        elif getattr(field, "choices", None):
            value = {str(choice[0]): choice[1] for choice in field.choices}.get(
                str(value or ""), value
            )
        rows.append((field.label.text, value or ""))
    return rows


def _profile_page(event, organization, me, form, colleague_form=None, saved_now=None):
    """The meetup profile page; `colleague_form` is an invitation refused, shown at
    the Colleagues card as typed; `saved_now`: a save refused because a colleague
    changed the profile meanwhile, the fields that differ from the form, as saved."""
    side = me.side if me else services.side_for_kind(organization.kind)
    named = services.named_company(current_user, event) is not None
    return render_template(
        "meetings/profile.html",
        event=event,
        form=form,
        saved_now=saved_now,
        me=me,
        organization=organization,
        side=side,
        colleagues=me.contacts() if named and me else None,
        colleague_form=(colleague_form or ColleagueForm()) if named else None,
        invitations=services.waiting_colleague_invitations(event, organization) if named else (),
        expired_invitations=(
            services.expired_colleague_invitations(event, organization) if named else ()
        ),
        flash_at_colleagues=named
        and (colleague_form is not None or request.args.get("at") == "colleagues"),
    )


def _profile_texts(profile):
    """What the company offers and looks for, and its PoC themes, in both languages."""
    return [
        profile.offer_ko,
        profile.offer_en,
        profile.need_ko,
        profile.need_en,
        profile.poc_themes_ko,
        profile.poc_themes_en,
    ]


def _candidate(profile):
    org = profile.organization
    text = " ".join([*_profile_texts(profile), org.description_ko or "", org.description_en or ""])
    return recommend.Candidate(
        id=profile.id,
        side=profile.side,
        sector=profile.sector,
        keywords=list(profile.keywords or ()),
        text=text,
        country=profile.country,
        kind=org.kind,
    )


def _searchable(text):
    """`text` as searches compare it: whatever the case, the spacing and the form of
    the letters. A Korean input method in full-width mode types "ＡＩ" for AI, and
    text from a Mac may hold Hangul as decomposed jamo; neither found the company
    whose card showed the very word."""
    return " ".join(unicodedata.normalize("NFKC", text or "").casefold().split())


def _with_page(args, page):
    """A list's `args` with its page, which links name only past the first."""
    return dict(args, page=page) if page and page > 1 else args


def _remembered_partner_lists():
    """This person's partner lists as last left, by event. The browser's session
    outlives signing out and is taken over by the next sign-in: the lists are kept
    with whose they are, and the next person on a shared computer does not find the
    list filtered by the words the last one searched for."""
    kept = session.get("partner_lists") or {}
    return kept.get("lists") or {} if kept.get("user") == current_user.get_id() else {}


def _remembered_partner_list(event):
    """The filters and page of the partner list as this person last left it at `event`."""
    return _remembered_partner_lists().get(str(event.id), {})


def _remember_partner_list(event, args):
    lists = dict(_remembered_partner_lists())
    if lists.get(str(event.id), {}) == args:
        return  # the session cookie is not rewritten for nothing
    if args:
        lists[str(event.id)] = args
    else:
        lists.pop(str(event.id), None)
    session["partner_lists"] = {"user": current_user.get_id(), "lists": lists}


@bp.app_template_global()
def partner_list_url(event):
    """The partner list with the filters last used: coming back from a partner's page
    through the tab or the back link found every filter gone."""
    return url_for("meetings.partners", slug=event.slug, **_remembered_partner_list(event))


@bp.get("/e/<slug>/meetings/partners")
@event_view(*PARTICIPANTS)
def partners(event):
    me = _require_profile(event)
    if me is None:
        return redirect(url_for("meetings.profile", slug=event.slug))
    # Filters in the query win (a search just made, a link shared); without any, the
    # list is shown as last left; "clear" forgets it.
    if request.args.get("clear"):
        args = MultiDict()
    elif any(name in request.args for name in (*PARTNER_FILTERS, "page")):
        args = request.args
    else:
        args = MultiDict(_remembered_partner_list(event))
    form = FilterForm(args)
    # Partners are of the other side only: a kind of one's own side finds nobody.
    form.kind.choices = [
        choice
        for choice in form.kind.choices
        if not choice.value or services.side_for_kind(choice.value) != me.side
    ]
    others = db.session.scalars(
        select(MeetingProfile).where(
            MeetingProfile.event_id == event.id,
            MeetingProfile.side != me.side,
            MeetingProfile.active.is_(True),
        )
    ).all()
    # A company nobody acts for any more cannot answer a request: not a partner to find.
    acting = contacts_of(others)
    others = [profile for profile in others if acting[profile.id]]
    by_id = {p.id: p for p in others}
    ranked = recommend.recommend(_candidate(me), [_candidate(p) for p in others])
    sector = args.get("sector") or ""
    country = (args.get("country") or "").strip().upper()
    kind = args.get("kind") or ""
    query = _searchable(args.get("q"))
    rows = []
    for rec in ranked:
        profile = by_id[rec.id]
        if sector and profile.sector != sector:
            continue
        if country and profile.country != country:
            continue
        if kind and profile.organization.kind != kind:
            continue
        # The words the cards show (what the company offers or looks for, in either
        # language) are found too, not only its names and keywords.
        if query and not any(
            query in _searchable(text)
            for text in (
                profile.organization.name_ko,
                profile.organization.name_en,
                " ".join(profile.keywords or ()),
                *_profile_texts(profile),
            )
        ):
            continue
        rows.append((profile, rec))
    open_pairs = {
        r.other(me).id: r for r in services.requests_of(me) if r.status in ("requested", "accepted")
    }
    # The page says how many companies match: every one of them is reachable, a page
    # at a time (the list once ended after the first 60 with no way further).
    page, pages, first = page_window(len(rows), PARTNERS_PER_PAGE, args.get("page", 1, type=int))
    # Kept in the session cookie, which a browser drops past 4 KB: a value longer than
    # its field takes (a hand-made link) is searched for, not remembered.
    filters = {
        name: args[name]
        for name in PARTNER_FILTERS
        if args.get(name) and len(args[name]) <= PARTNER_FILTER_MAX
    }
    _remember_partner_list(event, _with_page(filters, page))
    return render_template(
        "meetings/partners.html",
        event=event,
        me=me,
        form=form,
        rows=rows[first : first + PARTNERS_PER_PAGE],
        total=len(rows),
        first=first,
        page=page,
        pages=pages,
        filters=filters,
        open_pairs=open_pairs,
        sectors=SECTORS,
    )


@bp.get("/e/<slug>/meetings/partners/<int:profile_id>")
@event_view(*PARTICIPANTS)
def partner(event, profile_id):
    other = event_object_or_404(MeetingProfile, profile_id, event)
    me = _me(event)
    existing = []
    if me is not None and me.side != other.side:
        startup, firm = (me, other) if me.side == "startup" else (other, me)
        existing = services.pair_requests(startup, firm)
    # A company that declined our request is not asked again (send_request refuses it):
    # the form would only lose the message typed into it.
    declined_us = any(r.status == "declined" and r.requester_side == me.side for r in existing)
    may_ask = (
        me is not None
        and me.side != other.side
        and other.active
        and not declined_us
        and not any(r.status in OPEN_REQUEST_STATUSES for r in existing)
    )
    # An old link or a bookmark may lead to a company of one's own side: the page says
    # why no request can be sent rather than leave the form out unexplained.
    same_side = None
    if me is not None and me.id != other.id and me.side == other.side:
        same_side = services.same_side_message(other)
    unreachable = None
    if may_ask and not other.contacts():
        unreachable, may_ask = services.nobody_acts_for(other), False
    # Outside the booking window requests are refused as well (organizers excepted):
    # the page says so rather than take a message it cannot send.
    window_notice = services.booking_window_notice(event)
    requests_open = window_notice is None or is_organizer(current_user, event)
    return render_template(
        "meetings/partner.html",
        event=event,
        me=me,
        other=other,
        existing=existing,
        can_request=may_ask and requests_open,
        requests_closed=may_ask and not requests_open,
        window_notice=window_notice,
        declined_us=declined_us,
        unreachable=unreachable,
        same_side=same_side,
        form=RequestForm(),
    )


@bp.post("/e/<slug>/meetings/partners/<int:profile_id>/request")
@event_view(*PARTICIPANTS)
def send_request(event, profile_id):
    other = event_object_or_404(MeetingProfile, profile_id, event)
    me = _require_profile(event)
    if me is None:
        return redirect(url_for("meetings.profile", slug=event.slug))
    form = RequestForm()
    if not form.validate_on_submit():
        for message in field_errors(form):
            flash(message, "error")
        return redirect(url_for("meetings.partner", slug=event.slug, profile_id=other.id))
    sent = []

    def send():
        try:
            return services.send_request(event, me, other, current_user, form.message.data)
        except services.AlreadyDone as error:
            sent.append(error.done)
            raise

    result = _attempt(send)
    if sent:
        # The request's page answers, where the partner's page said only that there
        # was one: after a double tap that was all the sender saw of the request sent.
        return redirect(url_for("meetings.request_detail", slug=event.slug, request_id=sent[0].id))
    if result:
        if result.mutual:
            flash(
                _(
                    "%(name)s had asked to meet you too: the meeting is agreed. "
                    "Book a time slot now.",
                    name=other.name,
                ),
                "success",
            )
        else:
            flash(_("Your meeting request was sent to %(name)s.", name=other.name), "success")
        return redirect(url_for("meetings.request_detail", slug=event.slug, request_id=result.id))
    return redirect(url_for("meetings.partner", slug=event.slug, profile_id=other.id))


@bp.get("/e/<slug>/meetings/requests")
@event_view(*PARTICIPANTS)
def requests(event):
    me = _require_profile(event)
    if me is None:
        return redirect(url_for("meetings.profile", slug=event.slug))

    # What waits on this company comes first: requests to answer, then accepted ones
    # to book; the rest newest first. In date order alone, a request to answer sank
    # below older meetings already booked.
    def waiting_on_me(item):
        if item.status == "requested" and item.requester_side != me.side:
            return 0
        return 1 if item.status == "accepted" and item.meeting is None else 2

    items = sorted(services.requests_of(me), key=waiting_on_me)  # stable: newest first
    return render_template("meetings/requests.html", event=event, me=me, items=items)


@bp.get("/e/<slug>/meetings/requests/<int:request_id>")
@event_view(*PARTICIPANTS)
def request_detail(event, request_id):
    item, me = _load_request(event, request_id)
    slots, capped = [], []
    if item.status == "accepted" and item.meeting is None:
        # A side at its cap would have every booking refused: the page says so instead
        # of offering slots.
        capped = services.capped(event, item.startup, item.firm)
        if not capped:
            slots = services.common_free_slots(item)
    window_notice = services.booking_window_notice(event)
    return render_template(
        "meetings/request.html",
        event=event,
        item=item,
        me=me,
        side=item.side_of(me),
        slots=slots,
        capped=capped,
        days=agenda_data.group_by_day(slots, event),
        window_notice=window_notice,
        decline_form=DeclineForm(),
        cancel_form=CancelForm(),
        started=item.meeting is not None and item.meeting.starts_at <= services._now(),
    )


@bp.post("/e/<slug>/meetings/requests/<int:request_id>/accept")
@event_view(*PARTICIPANTS)
def accept(event, request_id):
    item, me = _load_request(event, request_id)
    if me is None:
        abort(403)
    # Booking closed (or the meetup over), "Book a time slot now" sent people to a page
    # that said, under it, that no slot can be booked: the page says why.
    bookable = services.booking_window_notice(event) is None or is_organizer(current_user, event)
    _attempt(
        lambda: services.accept_request(item, me, current_user),
        _("Request accepted. Book a time slot now.") if bookable else _("Request accepted."),
    )
    return redirect(url_for("meetings.request_detail", slug=event.slug, request_id=item.id))


@bp.post("/e/<slug>/meetings/requests/<int:request_id>/decline")
@event_view(*PARTICIPANTS)
def decline(event, request_id):
    item, me = _load_request(event, request_id)
    if me is None:
        abort(403)
    form = DeclineForm()
    if not form.validate_on_submit():
        try:
            # Withdrawn or answered meanwhile, the request is what to hear about: a
            # reason typed then was refused as well.
            services._check_still_requested(item)
        except services.MeetingError as error:
            flash(str(error), "error")
            return redirect(url_for("meetings.request_detail", slug=event.slug, request_id=item.id))
        # A reason given but refused (too long) says why; "give a reason" read as if
        # the text had been lost.
        given = (form.reason.data or "").strip()
        problems = field_errors(form) if given else []
        flash(" ".join(problems) or _("Please give a reason for declining."), "error")
    else:
        _attempt(
            lambda: services.decline_request(item, me, current_user, form.reason.data),
            _("Request declined."),
        )
    return redirect(url_for("meetings.request_detail", slug=event.slug, request_id=item.id))


@bp.post("/e/<slug>/meetings/requests/<int:request_id>/cancel")
@event_view(*PARTICIPANTS)
def cancel(event, request_id):
    item, me = _load_request(event, request_id)
    form = CancelForm()
    form.validate_on_submit()
    _attempt(
        lambda: services.cancel_request(item, current_user, profile=me, reason=form.reason.data),
        _("Cancelled. The other side is informed."),
    )
    return redirect(_back(url_for("meetings.request_detail", slug=event.slug, request_id=item.id)))


@bp.post("/e/<slug>/meetings/requests/<int:request_id>/book")
@event_view(*PARTICIPANTS)
def book(event, request_id):
    item, me = _load_request(event, request_id)
    slot = db.session.get(MeetingSlot, parse_id(request.form.get("slot_id")) or 0)
    if slot is None or slot.event_id != event.id or slot.retired:
        flash(_("Choose a time slot."), "error")
        return redirect(url_for("meetings.request_detail", slug=event.slug, request_id=item.id))
    meeting = _attempt(lambda: services.book(item, slot, current_user))
    if meeting:
        flash(
            _(
                "Meeting booked: %(time)s, %(place)s.",
                time=slot.label,
                place=meeting.location_label,
            ),
            "success",
        )
        return redirect(url_for("meetings.meeting_detail", slug=event.slug, meeting_id=meeting.id))
    return redirect(url_for("meetings.request_detail", slug=event.slug, request_id=item.id))


@bp.route("/e/<slug>/meetings/availability", methods=["GET", "POST"])
@event_view(*PARTICIPANTS)
def availability(event):
    me = _require_profile(event)
    if me is None:
        return redirect(url_for("meetings.profile", slug=event.slug))
    if request.method == "POST":
        chosen = [i for i in map(parse_id, request.form.getlist("unavailable")) if i]
        # What the form showed as unavailable: only what was changed on it applies.
        before = request.form.get("before")
        if before is not None:
            before = [i for i in map(parse_id, before.split(",")) if i]
        kept = _attempt(lambda: services.set_unavailable(me, chosen, before) or set())
        if kept is not False:
            flash(_("Your availability is saved."), "success")
            if isinstance(kept, set) and kept:
                flash(
                    _("Slots with a meeting stay available; cancel the meeting first."), "warning"
                )
        return redirect(url_for("meetings.availability", slug=event.slug))
    slots = services.slots_of(event)
    return render_template(
        "meetings/availability.html",
        event=event,
        me=me,
        days=agenda_data.group_by_day(slots, event),
        unavailable=services.unavailable_slot_ids(me),
        busy=services.busy_slot_ids(me),
    )


def _agenda_profile(event):
    """The participant whose agenda is shown: one's own, or any (organizers, ?profile=)."""
    wanted = request.args.get("profile", type=int)
    if wanted and is_organizer(current_user, event):
        profile = event_object_or_404(MeetingProfile, wanted, event)
        return profile
    return _me(event)


@bp.get("/e/<slug>/meetings/agenda")
@event_view(*PARTICIPANTS)
def agenda(event):
    me = _agenda_profile(event)
    if me is None:
        return render_template("meetings/agenda.html", event=event, me=None, days=[])
    meetings = services.meetings_of(me, include_cancelled=True)
    mine = _me(event)
    return render_template(
        "meetings/agenda.html",
        event=event,
        me=me,
        own=mine is not None and mine.id == me.id,
        days=agenda_data.group_meetings(meetings, event),
        proposals=services.open_time_proposals(meetings),
    )


@bp.get("/e/<slug>/meetings/agenda.pdf")
@event_view(*PARTICIPANTS)
def agenda_pdf(event):
    from eventapp.meetings.agenda_pdf import agendas_pdf

    me = _agenda_profile(event)
    if me is None:
        abort(404)
    data = agendas_pdf(event, [me])
    return _pdf(data, f"agenda-{event.slug}-{me.id}.pdf")


def _pdf(data, filename):
    return Response(
        data,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{filename}"'},
    )


@bp.get("/e/<slug>/meetings/day-sheet")
@event_view(*PARTICIPANTS)
def day_sheet(event):
    me = _agenda_profile(event)
    if me is None:
        return redirect(url_for("meetings.home", slug=event.slug))
    day = _day_arg(event)
    slots = [s for s in services.slots_of(event) if s.local_start().date() == day]
    meetings = {m.slot_id: m for m in services.meetings_of(me)}
    return render_template(
        "meetings/day_sheet.html",
        contacts=contacts_of([m.request.other(me) for m in meetings.values()]),
        event=event,
        me=me,
        day=day,
        days=_meeting_days(event),
        rows=[(slot, meetings.get(slot.id)) for slot in slots],
        unavailable=services.unavailable_slot_ids(me),
    )


def _meeting_days(event):
    settings = services.get_settings(event)
    if settings and settings.meeting_days:
        return [date.fromisoformat(d) for d in sorted(settings.meeting_days)]
    return event.days


def _day_arg(event):
    return event.day_asked(request.args.get("day"), _meeting_days(event))


@bp.get("/e/<slug>/meetings/m/<int:meeting_id>")
@event_view(*PARTICIPANTS)
def meeting_detail(event, meeting_id):
    meeting, me = _load_meeting(event, meeting_id)
    return _meeting_page(event, meeting, me)


def _meeting_page(event, meeting, me, notes_form=None, saved_notes=None):
    """The meeting's page; `notes_form`: notes refused because a colleague saved theirs
    meanwhile, as typed, with `saved_notes` (the notes saved now) shown above."""
    side = meeting.request.side_of(me)
    if notes_form is None:
        notes_form = NotesForm(
            notes=services.notes_of(meeting, side),
            version=services.notes_version(meeting, side),
        )
    now = services._now()
    started = meeting.starts_at <= now
    propose_form = window_notice = None
    if me and meeting.status == "scheduled" and not started:
        # Closed, the page says until when rather than drop the form without a word.
        window_notice = services.booking_window_notice(event)
        if is_organizer(current_user, event):
            window_notice = None
        if window_notice is None:
            propose_form = ProposeTimeForm()
            free = services.common_free_slots(meeting.request, now)
            # No time chosen beforehand: the first slot, taken unread, was proposed.
            propose_form.slot_id.choices = select_choices(
                [("", _("— choose —"))] + [(str(s.id), s.label) for s in free] if free else []
            )
    return render_template(
        "meetings/meeting.html",
        event=event,
        meeting=meeting,
        me=me,
        side=side,
        partner=meeting.request.other(me) if me else None,
        notes_form=notes_form,
        saved_notes=saved_notes,
        cancel_form=CancelForm(),
        started=started,
        no_show_sides=NO_SHOW_SIDES,
        proposal=services.open_time_proposals([meeting], now).get(meeting.id),
        propose_form=propose_form,
        window_notice=window_notice,
    )


@bp.post("/e/<slug>/meetings/m/<int:meeting_id>/propose")
@event_view(*PARTICIPANTS)
def propose_time(event, meeting_id):
    meeting, me = _load_meeting(event, meeting_id)
    if me is None:
        abort(403)
    back = url_for("meetings.meeting_detail", slug=event.slug, meeting_id=meeting.id)
    form = ProposeTimeForm()
    if not form.validate_on_submit():
        for message in field_errors(form):
            flash(message, "error")
        return redirect(back)
    # Any number is posted as is (validate_choice=False): one beyond the id column's
    # range would make the database fail rather than find nothing.
    slot_id = parse_id(form.slot_id.data)
    slot = db.session.get(MeetingSlot, slot_id) if slot_id else None
    if slot is None or slot.event_id != event.id:
        flash(_("Choose a time slot."), "error")
        return redirect(back)
    partner = meeting.request.other(me).name
    _attempt(
        lambda: services.propose_time(meeting, slot, me, current_user, form.message.data),
        _(
            "Your proposal is sent to %(name)s. The meeting stays at its time until they "
            "accept it.",
            name=partner,
        ),
    )
    return redirect(back)


@bp.post("/e/<slug>/meetings/proposals/<int:proposal_id>/<any(accept, decline, withdraw):action>")
@event_view(*PARTICIPANTS)
def act_on_time_proposal(event, proposal_id, action):
    """The other side accepts or declines a proposed time; the proposing side withdraws it."""
    proposal = event_object_or_404(MeetingTimeProposal, proposal_id, event)
    meeting, me = _load_meeting(event, proposal.meeting_id)
    if me is None:
        abort(403)
    if action == "accept":
        _attempt(
            lambda: services.accept_time_proposal(proposal, me, current_user),
            _("The meeting is moved to the new time; both sides are informed."),
        )
    elif action == "withdraw":
        _attempt(
            lambda: services.withdraw_time_proposal(proposal, me, current_user),
            _(
                "Proposal withdrawn. The meeting stays at its time; %(name)s is informed.",
                name=meeting.request.other(me).name,
            ),
        )
    else:
        _attempt(
            lambda: services.decline_time_proposal(proposal, me, current_user),
            _("Proposal declined. The meeting stays at its time."),
        )
    return redirect(
        _back(url_for("meetings.meeting_detail", slug=event.slug, meeting_id=meeting.id))
    )


@bp.post("/e/<slug>/meetings/m/<int:meeting_id>/cancel")
@event_view(*PARTICIPANTS)
def meeting_cancel(event, meeting_id):
    meeting, me = _load_meeting(event, meeting_id)
    form = CancelForm()
    form.validate_on_submit()
    _attempt(
        lambda: services.cancel_meeting(meeting, current_user, profile=me, reason=form.reason.data),
        _("The meeting is cancelled and the slot is free again. The other side is informed."),
    )
    return redirect(
        _back(url_for("meetings.meeting_detail", slug=event.slug, meeting_id=meeting_id))
    )


@bp.post("/e/<slug>/meetings/m/<int:meeting_id>/attendance")
@event_view(*PARTICIPANTS)
def meeting_attendance(event, meeting_id):
    meeting, me = _load_meeting(event, meeting_id)
    status = request.form.get("status", "")
    _attempt(
        lambda: services.mark_attendance(
            meeting,
            status,
            current_user,
            profile=me,
            no_show_side=request.form.get("side") or None,
        ),
        _("Attendance recorded."),
    )
    return redirect(
        _back(url_for("meetings.meeting_detail", slug=event.slug, meeting_id=meeting_id))
    )


@bp.post("/e/<slug>/meetings/m/<int:meeting_id>/notes")
@event_view(*PARTICIPANTS)
def meeting_notes(event, meeting_id):
    meeting, me = _load_meeting(event, meeting_id)
    if me is None:
        abort(403)
    form = NotesForm()
    if form.validate_on_submit():
        try:
            _attempt(
                lambda: services.save_notes(meeting, me, form.notes.data, form.version.data),
                _("Notes saved."),
            )
        except services.NotesConflict as error:
            flash(str(error), "error")
            side = meeting.request.side_of(me)
            # Saved again, the typed notes are checked against the ones shown above.
            form.version.data = services.notes_version(meeting, side)
            saved = services.notes_of(meeting, side)
            return _meeting_page(event, meeting, me, notes_form=form, saved_notes=saved), 409
    else:
        # Say why nothing was saved, rather than show the old notes as if it had been.
        for message in field_errors(form):
            flash(message, "error")
    return redirect(url_for("meetings.meeting_detail", slug=event.slug, meeting_id=meeting_id))


# --------------------------------------------------------------------------- organizers


@bp.get("/e/<slug>/meetings/manage/")
@organizer_view
def manage(event):
    settings = services.get_settings(event)
    plans = db.session.scalars(
        select(MeetingPlan)
        .where(MeetingPlan.event_id == event.id)
        .order_by(MeetingPlan.id.desc())
        .limit(5)
    ).all()
    accepted_unscheduled = db.session.scalar(
        select(func.count())
        .select_from(MeetingRequest)
        .outerjoin(Meeting, Meeting.request_id == MeetingRequest.id)
        .where(MeetingRequest.event_id == event.id, MeetingRequest.status == "accepted")
        .where(Meeting.id.is_(None))
    )
    return render_template(
        "meetings/manage.html",
        event=event,
        settings=settings,
        counts=meeting_counts(event),
        slots=len(services.slots_of(event)),
        tables=len(services.tables_of(event)),
        plans=plans,
        accepted_unscheduled=accepted_unscheduled,
        meeting_statuses=MEETING_STATUSES,
        astray=services.astray_meetings(event),
    )


@bp.route("/e/<slug>/meetings/manage/settings", methods=["GET", "POST"])
@organizer_view
def settings(event):
    current = services.get_settings(event)
    form = SettingsForm(zone=zone_name(event.timezone))
    form.meeting_days.choices = select_choices((d.isoformat(), d.isoformat()) for d in event.days)
    if request.method == "GET":
        shown = current or services.default_settings(event)
        form.meeting_days.data = list(shown.meeting_days or ())
        form.slot_minutes.data = shown.slot_minutes
        form.day_starts_at.data = shown.day_starts_at
        form.day_ends_at.data = shown.day_ends_at
        form.breaks.data = services.format_breaks(shown.breaks)
        form.table_count.data = shown.table_count
        form.table_label.data = shown.table_label
        form.table_label_en.data = shown.table_label_en
        form.booking_opens_at.data = _local_naive(shown.booking_opens_at, event)
        form.booking_closes_at.data = _local_naive(shown.booking_closes_at, event)
        form.startup_cap.data = shown.startup_cap
        form.firm_cap.data = shown.firm_cap
        form.first_meeting_bonus.data = shown.first_meeting_bonus
    elif form.validate_on_submit():

        def save():
            breaks = services.parse_breaks(form.breaks.data)
            return services.save_settings(
                event,
                current_user,
                meeting_days=sorted(form.meeting_days.data),
                slot_minutes=form.slot_minutes.data,
                day_starts_at=form.day_starts_at.data,
                day_ends_at=form.day_ends_at.data,
                breaks=breaks,
                table_count=form.table_count.data or 0,
                table_label=form.table_label.data or "",
                table_label_en=form.table_label_en.data or "",
                booking_opens_at=_aware(form.booking_opens_at.data, event),
                booking_closes_at=_aware(form.booking_closes_at.data, event),
                startup_cap=form.startup_cap.data,
                firm_cap=form.firm_cap.data,
                first_meeting_bonus=form.first_meeting_bonus.data
                if form.first_meeting_bonus.data is not None
                else 3,
            )

        result = _attempt(save)
        if result:
            _settings, slot_changes, table_changes = result
            flash(
                _(
                    "Settings saved: %(slots)s time slots (%(added)s new, %(removed)s removed), "
                    "%(tables)s tables.",
                    slots=slot_changes["total"],
                    added=slot_changes["added"],
                    removed=slot_changes["removed"],
                    tables=table_changes["total"],
                ),
                "success",
            )
            if table_changes["meetings_told"]:
                flash(
                    ngettext(
                        "%(num)d meeting still to come is at the tables' new place: both "
                        "sides got the update for their calendars.",
                        "%(num)d meetings still to come are at the tables' new place: both "
                        "sides got the update for their calendars.",
                        table_changes["meetings_told"],
                    ),
                    "info",
                )
            return redirect(url_for("meetings.settings", slug=event.slug))
    firms = db.session.scalars(
        select(MeetingProfile)
        .where(MeetingProfile.event_id == event.id, MeetingProfile.side == "firm")
        .order_by(MeetingProfile.id)
    ).all()
    slots = services.slots_of(event)
    return render_template(
        "meetings/settings.html",
        event=event,
        form=form,
        firms=sorted(firms, key=lambda p: p.name),
        slots=slots,
        slot_days=[
            (day, list(day_slots))
            for day, day_slots in groupby(slots, key=lambda s: s.local_start().date())
        ],
        tables=services.tables_of(event),
    )


def _local_naive(moment, event):
    return moment.astimezone(event.tz).replace(tzinfo=None) if moment else None


def _aware(naive, event):
    return naive.replace(tzinfo=event.tz) if naive else None


@bp.post("/e/<slug>/meetings/manage/booths")
@organizer_view
def booth_reception(event):
    firms = db.session.scalars(
        select(MeetingProfile).where(
            MeetingProfile.event_id == event.id, MeetingProfile.side == "firm"
        )
    ).all()
    chosen = {i for i in map(parse_id, request.form.getlist("at_booth")) if i}

    def save():
        changed = services.set_booth_receptions(
            event,
            current_user,
            [
                (firm, firm.id in chosen, request.form.get(f"booth_{firm.id}", ""))
                for firm in firms
                if firm.id in chosen or firm.receives_at_booth
            ],
        )
        return changed or True

    if _attempt(save):
        flash(_("Booth reception saved. It applies to meetings booked from now on."), "success")
    return redirect(url_for("meetings.settings", slug=event.slug) + "#booths")


def _participant_filters(args):
    """The filters of the participant list that `args` ask for, unknown values dropped."""
    return {
        "q": (args.get("q") or "").strip()[:100],
        "side": args.get("side") if args.get("side") in SIDES else "",
        "sector": args.get("sector") if args.get("sector") in SECTORS else "",
        "cap": args.get("cap") if args.get("cap") in PARTICIPANT_CAP_FILTERS else "",
    }


def _participant_list_args(args):
    """The filters and page of the participant list in `args`, as its links carry them:
    a cap saved from a filtered page comes back to that page."""
    kept = {name: value for name, value in _participant_filters(args).items() if value}
    return _with_page(kept, args.get("page", 1, type=int))


@bp.get("/e/<slug>/meetings/manage/participants")
@organizer_view
def participants(event):
    filters = _participant_filters(request.args)
    # Side, sector and an own cap are asked of the database; the name is matched here in
    # either language, as the organizer may know a company by its Korean or English name.
    query = select(MeetingProfile).where(MeetingProfile.event_id == event.id)
    if filters["side"]:
        query = query.where(MeetingProfile.side == filters["side"])
    if filters["sector"]:
        query = query.where(MeetingProfile.sector == filters["sector"])
    if filters["cap"] == "own":
        query = query.where(MeetingProfile.max_meetings.is_not(None))
    profiles = db.session.scalars(query).all()
    # Seats exist for exactly the active meetings (see models.MeetingSeat).
    counts = dict(
        db.session.execute(
            select(MeetingSeat.profile_id, func.count())
            .join(MeetingProfile, MeetingProfile.id == MeetingSeat.profile_id)
            .where(MeetingProfile.event_id == event.id)
            .group_by(MeetingSeat.profile_id)
        ).all()
    )
    settings = services.get_settings(event)
    words = _searchable(filters["q"])
    if words:
        profiles = [
            p
            for p in profiles
            if words in _searchable(p.organization.name_ko)
            or words in _searchable(p.organization.name_en)
        ]
    if filters["cap"] == "over":
        profiles = [
            p
            for p in profiles
            if p.effective_cap(settings) is not None
            and counts.get(p.id, 0) > p.effective_cap(settings)
        ]
    profiles.sort(key=lambda p: (p.side != "startup", p.name))
    page, pages, first = page_window(len(profiles), PARTICIPANTS_PER_PAGE)
    shown = profiles[first : first + PARTICIPANTS_PER_PAGE]
    saved = request.args.get("saved", type=int)
    list_args = {name: value for name, value in filters.items() if value}
    return render_template(
        "meetings/participants.html",
        event=event,
        profiles=shown,
        total=len(profiles),
        page=page,
        pages=pages,
        filters=filters,
        list_args=list_args,
        # What a cap form carries back: the list as shown, this page included.
        cap_args=_with_page(list_args, page),
        sides=SIDES,
        sectors=SECTORS,
        cap_filters=PARTICIPANT_CAP_FILTERS,
        counts=counts,
        settings=settings,
        form=CapForm(),
        # The row that says what became of its cap; none (the flashes on top) if unknown.
        saved=saved if any(p.id == saved for p in shown) else None,
    )


@bp.post("/e/<slug>/meetings/manage/participants/<int:profile_id>/cap")
@organizer_view
def participant_cap(event, profile_id):
    profile = event_object_or_404(MeetingProfile, profile_id, event)
    back = (
        url_for(
            "meetings.participants",
            slug=event.slug,
            saved=profile.id,
            **_participant_list_args(request.args),
        )
        + f"#p{profile.id}"
    )
    form = CapForm()
    if not form.validate_on_submit():
        flash(
            _(
                "A cap is a number from 0 to %(limit)s, or empty.",
                limit=services.MAX_MEETINGS_LIMIT,
            ),
            "error",
        )
        return redirect(back)
    cap = form.max_meetings.data
    name = profile.name
    count = _attempt(lambda: services.set_max_meetings(event, current_user, profile, cap))
    if count is False:
        return redirect(back)
    if cap is None:
        flash(_("%(name)s follows the cap of its side again.", name=name), "success")
    else:
        flash(
            ngettext(
                "%(name)s may have at most %(num)d meeting.",
                "%(name)s may have at most %(num)d meetings.",
                cap,
                name=name,
            ),
            "success",
        )
        if count > cap:
            flash(
                ngettext(
                    "%(name)s already has %(num)s meeting. It stays; no new one can be "
                    "booked until it is below the cap.",
                    "%(name)s already has %(num)s meetings. They stay; no new ones can be "
                    "booked until it is below the cap.",
                    count,
                    name=name,
                ),
                "warning",
            )
    return redirect(back)


@bp.get("/e/<slug>/meetings/manage/grid")
@organizer_view
def grid(event):
    day = _day_arg(event)
    slots = [s for s in services.slots_of(event) if s.local_start().date() == day]
    tables = services.tables_of(event, active_only=False)
    # Each cell names both companies: read with the meetings, not one query a meeting.
    request = joinedload(Meeting.request)
    meetings = (
        db.session.scalars(
            select(Meeting)
            .where(
                Meeting.event_id == event.id,
                Meeting.status != "cancelled",
                Meeting.slot_id.in_([s.id for s in slots]),
            )
            .options(
                request.joinedload(MeetingRequest.startup),
                request.joinedload(MeetingRequest.firm),
            )
            # The booths of a slot in code order: read in whatever order the database
            # returned them, they changed places on the page after a move.
            .order_by(Meeting.booth_code, Meeting.id)
        )
        .unique()
        .all()
    )
    cells = {(m.slot_id, m.table_id): m for m in meetings if m.table_id}
    at_booths = {}
    for m in meetings:
        if m.table_id is None:
            at_booths.setdefault(m.slot_id, []).append(m)
    return render_template(
        "meetings/grid.html",
        event=event,
        day=day,
        days=_meeting_days(event),
        slots=slots,
        tables=[t for t in tables if t.active or any(k[1] == t.id for k in cells)],
        cells=cells,
        at_booths=at_booths,
        count=len(meetings),
    )


@bp.route("/e/<slug>/meetings/manage/m/<int:meeting_id>/move", methods=["GET", "POST"])
@organizer_view
def move(event, meeting_id):
    meeting = event_object_or_404(Meeting, meeting_id, event)
    form = MoveForm()
    # Only slots still to come: a meeting never moves into the past (the service refuses
    # it too, for a slot that starts while the form is open).
    now = services._now()
    slots = [s for s in services.slots_of(event) if s.starts_at > now]
    tables = services.tables_of(event)
    unavailable = services.unavailable_slot_ids(meeting.startup) | services.unavailable_slot_ids(
        meeting.firm
    )
    busy = (services.busy_slot_ids(meeting.startup) | services.busy_slot_ids(meeting.firm)) - {
        meeting.slot_id
    }
    # Not inside the f-string: Babel would not extract the message from there.
    away, taken = _("marked unavailable"), _("has another meeting")

    def slot_label(slot):
        notes = [note for note, ids in ((taken, busy), (away, unavailable)) if slot.id in ids]
        return slot.label + "".join(f" ({note})" for note in notes)

    form.slot_id.choices = select_choices((s.id, slot_label(s)) for s in slots)
    form.table_id.choices = select_choices(
        [(0, _("first free table (or the firm's booth)"))] + [(t.id, t.code) for t in tables]
    )
    if request.method == "GET":
        form.slot_id.data = meeting.slot_id
        form.table_id.data = meeting.table_id or 0
    elif form.validate_on_submit():
        slot = db.session.get(MeetingSlot, form.slot_id.data)
        table = db.session.get(MeetingTable, form.table_id.data) if form.table_id.data else None
        if _attempt(
            lambda: services.move_meeting(
                meeting,
                slot,
                current_user,
                table=table,
                override_unavailable=form.override_unavailable.data,
            ),
            _("Meeting moved; both sides are informed."),
        ):
            return redirect(
                url_for("meetings.grid", slug=event.slug, day=slot.local_start().date().isoformat())
            )
    return render_template("meetings/move.html", event=event, meeting=meeting, form=form)


@bp.route("/e/<slug>/meetings/manage/schedule", methods=["GET", "POST"])
@organizer_view
def schedule(event):
    if request.method == "POST":
        try:
            plan = planning.run_plan(event, current_user)
            db.session.commit()
        except planning.scheduler.ProblemError as error:
            db.session.rollback()
            flash(_("The scheduling problem is not valid: %(error)s", error=str(error)), "error")
            return redirect(url_for("meetings.manage", slug=event.slug))
        return redirect(url_for("meetings.plan", slug=event.slug, plan_id=plan.id))
    return redirect(url_for("meetings.manage", slug=event.slug))


@bp.get("/e/<slug>/meetings/manage/plans/<int:plan_id>")
@organizer_view
def plan(event, plan_id):
    item = event_object_or_404(MeetingPlan, plan_id, event)
    placed, left_out = planning.preview(item)
    # Computed once the fair's last slot had begun, a plan can place nobody: every
    # request is "left out" for want of a common free slot, which does not say why.
    slots_open = any(
        datetime.fromisoformat(slot["start"]) > item.created_at for slot in item.problem["slots"]
    )
    return render_template(
        "meetings/plan.html",
        event=event,
        plan=item,
        placed=[p for p in placed if not p["fixed"]],
        left_out=left_out,
        reasons=planning.REASON_LABELS,
        slots_open=slots_open,
        # The plan names slots by code ("D1-1030"); organizers read day and time.
        slots={s.code: s for s in services.slots_of(event)},
    )


@bp.post("/e/<slug>/meetings/manage/plans/<int:plan_id>/apply")
@organizer_view
def apply_plan(event, plan_id):
    item = event_object_or_404(MeetingPlan, plan_id, event)
    try:
        created = planning.apply_plan(item, current_user)
        db.session.commit()
    except planning.StalePlan as error:
        db.session.commit()  # keeps the plan marked stale
        flash(str(error), "error")
        return redirect(url_for("meetings.plan", slug=event.slug, plan_id=plan_id))
    except services.MeetingError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("meetings.plan", slug=event.slug, plan_id=plan_id))
    except Exception as error:
        db.session.rollback()
        if not is_conflict(error):
            raise
        flash(_("Meetings changed while the plan was applied. Please compute a new plan."), "error")
        return redirect(url_for("meetings.plan", slug=event.slug, plan_id=plan_id))
    flash(
        ngettext("%(num)d meeting scheduled.", "%(num)d meetings scheduled.", len(created)),
        "success",
    )
    skipped = item.summary.get("skipped_started", 0)
    if skipped:
        flash(
            ngettext(
                "%(num)d meeting of the plan was left out: its time slot had started by "
                "now. Compute a new plan to place that request again.",
                "%(num)d meetings of the plan were left out: their time slot had started "
                "by now. Compute a new plan to place those requests again.",
                skipped,
            ),
            "warning",
        )
    return redirect(url_for("meetings.grid", slug=event.slug))


@bp.post("/e/<slug>/meetings/manage/remind")
@organizer_view
def remind(event):
    count = _attempt(lambda: services.send_reminders(event))
    if count is not False:
        sent = 0 if count is True else count
        flash(
            ngettext(
                "Reminders sent for %(num)d meeting.", "Reminders sent for %(num)d meetings.", sent
            ),
            "success",
        )
    return redirect(url_for("meetings.manage", slug=event.slug))


@bp.get("/e/<slug>/meetings/manage/agendas.pdf")
@organizer_view
def agendas_pdf(event):
    from eventapp.meetings.agenda_pdf import agendas_pdf as build

    side = request.args.get("side")
    query = select(MeetingProfile).where(MeetingProfile.event_id == event.id)
    if side in ("startup", "firm"):
        query = query.where(MeetingProfile.side == side)
    meetings = services.meetings_by_profile(event)
    profiles = [p for p in db.session.scalars(query) if p.id in meetings]
    profiles.sort(key=lambda p: (p.side, p.name))
    return _pdf(build(event, profiles, meetings), f"agendas-{event.slug}.pdf")
