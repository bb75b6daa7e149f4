"""A firm that receives its meetings at its booth and loses that booth (moved,
swapped, booths taken away, withdrawn): its meetings still to come follow it, so that
partners do not walk to a booth that is empty or somebody else's."""

import pytest
from sqlalchemy import select

from eventapp.booths import services as booths
from eventapp.core.audit import AuditEntry
from eventapp.exhibitors import services as exhibitors
from eventapp.extensions import db
from eventapp.meetings import services
from eventapp.meetings.models import Meeting, MeetingProfile
from eventapp.organizations.models import Organization
from tests.conftest import login, statements_of
from tests.meetings.conftest import accepted_request, add_company


def _receiving_beta(meetup, code="B-03", slots=(0, 1)):
    """Beta placed on `code`, receiving there, with a meeting with alpha in each of
    `slots`, committed."""
    beta = meetup.profiles["beta"]
    booths.place_exhibitor(meetup.exhibitors["beta"], code)
    services.set_booth_reception(meetup.event, meetup.organizer, beta, True)
    db.session.commit()
    assert beta.location == code
    meetings = []
    for n, index in enumerate(slots):
        user, startup = meetup.exhibitor_admin, meetup.profiles["alpha"]
        if n:  # one request per pair: another startup
            user, startup = add_company(meetup.event, f"s{n}", "startup")
        request = accepted_request(meetup.event, startup, beta, user)
        meetings.append(services.book(request, meetup.slots[index], meetup.other_exhibitor))
    db.session.commit()
    assert {m.booth_code for m in meetings} == {code}
    return beta, [m.id for m in meetings]


def _places(ids):
    db.session.expire_all()
    return [
        (m.booth_code, m.table.code if m.table else None, m.sequence)
        for m in (db.session.get(Meeting, i) for i in ids)
    ]


def test_moved_to_another_booth_the_meetings_follow(meetup, outbox):
    beta, ids = _receiving_beta(meetup)
    assert outbox("meeting_moved") == []
    booths.move_exhibitor(meetup.exhibitors["beta"], "B-07")
    db.session.commit()
    assert beta.location == "B-07"
    assert _places(ids) == [("B-07", None, 1), ("B-07", None, 1)]
    # Both sides are told of each move, in their calendars too (sequence raised).
    told = outbox("meeting_moved")
    assert {to for to, _subject, _text in told} >= {
        "exhibitor_admin@example.org",
        "other_exhibitor@example.org",
        "s1@example.org",
    }
    assert all("B-07" in text for _to, _subject, text in told)
    assert services.astray_meetings(meetup.event) == []
    entry = db.session.scalar(
        select(AuditEntry)
        .where(AuditEntry.action == "meeting_profile.booth_reception")
        .order_by(AuditEntry.id.desc())
        .limit(1)
    )
    assert entry.data == {"receives": True, "booth": "B-07", "lost": "B-03"}


def test_withdrawn_the_firm_receives_at_the_tables(meetup):
    beta, ids = _receiving_beta(meetup)
    exhibitors.withdraw(meetup.exhibitors["beta"], "budget cut")
    db.session.commit()
    assert (beta.receives_at_booth, beta.location) == (False, None)
    places = _places(ids)
    assert [p[0] for p in places] == [None, None]
    assert all(p[1] in {t.code for t in meetup.tables} for p in places)
    assert services.astray_meetings(meetup.event) == []


def test_paused_the_firm_s_meetings_at_a_booth_lost_go_to_the_tables(meetup, outbox):
    """Beta paused its reception at B-03, so its meetings booked there stayed there.
    Moved to B-07, those meetings would send partners to a booth no longer beta's:
    they go to the tables, where a paused firm receives, both sides told. Beta's
    reception stays paused."""
    beta, ids = _receiving_beta(meetup)
    assert _reception(beta.id, receives_at_booth=False) is None
    assert [p[0] for p in _places(ids)] == ["B-03", "B-03"]
    booths.move_exhibitor(meetup.exhibitors["beta"], "B-07")
    db.session.commit()
    beta = db.session.get(MeetingProfile, beta.id)
    assert (beta.receives_at_booth, beta.location) == (False, None)
    places = _places(ids)
    assert [p[0] for p in places] == [None, None]
    assert all(p[1] in {t.code for t in meetup.tables} for p in places)
    assert services.astray_meetings(meetup.event) == []
    told = outbox("meeting_moved")
    assert {to for to, _subject, _text in told} >= {"exhibitor_admin@example.org", "s1@example.org"}
    assert all("Meeting zone" in text for _to, _subject, text in told)


def test_meetings_left_at_the_firm_s_other_booth_follow_it(meetup):
    """Beta stands on B-03 and B-04 and had its meetings at B-04, then named B-03. The
    organizers take B-04 away: the meetings still there move to B-03, where beta
    receives now."""
    beta, ids = _receiving_beta(meetup, code="B-04")
    meetup.exhibitors["beta"].booth_count = 2
    booths.move_exhibitor(meetup.exhibitors["beta"], "B-03,B-04")
    db.session.commit()
    _reception(beta.id, booth_code="B-03")
    assert [p[0] for p in _places(ids)] == ["B-04", "B-04"]
    booths.move_exhibitor(meetup.exhibitors["beta"], "B-03,B-02")
    db.session.commit()
    assert [p[:2] for p in _places(ids)] == [("B-03", None), ("B-03", None)]
    assert services.astray_meetings(meetup.event) == []


def test_swapped_each_firm_follows_its_booth(meetup):
    beta, ids = _receiving_beta(meetup, code="A-01", slots=(0,))
    booths.place_exhibitor(meetup.exhibitors["alpha"], "B-01,B-02")
    db.session.commit()
    # Alpha rents two booths and beta one: make them equal for the swap.
    meetup.exhibitors["beta"].booth_count = 2
    booths.place_exhibitor(meetup.exhibitors["beta"], "A-01,A-02")
    db.session.commit()
    booths.swap_exhibitors(meetup.exhibitors["beta"], meetup.exhibitors["alpha"])
    db.session.commit()
    assert beta.location == "B-01"
    assert _places(ids)[0][:2] == ("B-01", None)


def test_with_no_table_free_the_meeting_stays_and_organizers_see_it(meetup, client):
    """Both tables are taken at that time: the meeting keeps its booth code, and the
    organizers' meetup page lists it with a link to move it."""
    beta, (booth_meeting,) = _receiving_beta(meetup, slots=(0,))
    _fill_tables(meetup, meetup.slots[0])
    login(client, meetup.organizer)
    response = client.post(
        "/e/test-expo/manage/booths/unassign?lang=en",
        data={"exhibitor": meetup.exhibitors["beta"].id},
        follow_redirects=True,
    )
    assert (
        "1 meeting of the meetup is at a booth its firm no longer receives at: "
        "move it on the meetup page."
    ) in response.get_data(as_text=True)
    assert _places([booth_meeting]) == [("B-03", None, 0)]
    (astray,) = services.astray_meetings(meetup.event)
    assert astray.id == booth_meeting
    page = client.get("/e/test-expo/meetings/manage/?lang=en").get_data(as_text=True)
    assert "Meetings at a booth their firm no longer receives at" in page
    assert f"/meetings/manage/m/{booth_meeting}/move" in page
    page = client.get("/e/test-expo/meetings/manage/?lang=ko").get_data(as_text=True)
    assert "기업이 더 이상 미팅을 받지 않는 부스에 잡힌 미팅" in page
    # The next booth action, which leaves no meeting astray, does not say it again.
    response = client.post(
        "/e/test-expo/manage/booths/place?lang=en",
        data={"exhibitor": meetup.exhibitors["alpha"].id, "booths": "B-09,B-10"},
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "now stands on B-09, B-10" in page
    assert "no longer receives at" not in page
    assert [m.id for m in services.astray_meetings(meetup.event)] == [booth_meeting]


def test_a_company_withdrawing_itself_leaves_the_organizers_a_warning(meetup, client):
    """Beta withdraws on its own page while no table is free for its meeting: no
    organizer saw a booth tool's warning, so their overview says it, linked to the
    list on the meetup page, until the meeting is moved."""
    beta, (booth_meeting,) = _receiving_beta(meetup, slots=(0,))
    _fill_tables(meetup, meetup.slots[0])
    login(client, meetup.organizer)
    page = client.get("/e/test-expo/manage/?lang=en").get_data(as_text=True)
    assert 'id="astray-warning"' not in page
    exhibitors.withdraw(meetup.exhibitors["beta"], "budget cut")
    db.session.commit()
    assert [m.id for m in services.astray_meetings(meetup.event)] == [booth_meeting]
    page = client.get("/e/test-expo/manage/?lang=en").get_data(as_text=True)
    assert (
        "1 meeting of the meetup is at a booth its firm no longer receives at: "
        "move it on the meetup page."
    ) in page
    assert "/e/test-expo/meetings/manage/#astray-meetings" in page
    page = client.get("/e/test-expo/manage/?lang=ko").get_data(as_text=True)
    assert 'id="astray-warning"' in page
    assert "receives at" not in page
    services.cancel_meeting(db.session.get(Meeting, booth_meeting), meetup.organizer)
    db.session.commit()
    page = client.get("/e/test-expo/manage/?lang=en").get_data(as_text=True)
    assert 'id="astray-warning"' not in page


def test_a_lent_stand_given_to_another_company_sends_the_firm_back_to_its_booth(meetup):
    beta, (meeting_id,) = _receiving_beta(meetup, slots=(0,))
    # The organizers lend beta a free stand instead: its meetings there are fine.
    services.set_booth_reception(meetup.event, meetup.organizer, beta, True, "B-09")
    meeting = db.session.get(Meeting, meeting_id)
    meeting.booth_code = "B-09"
    db.session.commit()
    assert services.astray_meetings(meetup.event) == []
    # The stand is given to alpha: beta receives at its own booth again, and its
    # meeting goes there with it.
    booths.place_exhibitor(meetup.exhibitors["alpha"], "B-09,B-10")
    db.session.commit()
    assert beta.location == "B-03"
    assert _places([meeting_id]) == [("B-03", None, 1)]
    assert services.astray_meetings(meetup.event) == []
    user, startup = add_company(meetup.event, "late", "startup")
    request = accepted_request(meetup.event, startup, beta, user)
    assert services.book(request, meetup.slots[2], user).booth_code == "B-03"


def _fill_tables(meetup, slot):
    """Both tables taken at `slot`, by gamma and by a new firm."""
    for key, firm in (("t1", meetup.profiles["gamma"]), ("t2", None)):
        user, startup = add_company(meetup.event, key, "startup")
        if firm is None:
            _firm_user, firm = add_company(meetup.event, "f2", "large_firm")
        services.book(accepted_request(meetup.event, startup, firm, user), slot, user)
    db.session.commit()


def _lent_to_beta(meetup, code="B-09"):
    """Beta, with no booth, receiving at the free stand `code`, with one meeting
    there in the first slot; committed."""
    beta = meetup.profiles["beta"]
    services.set_booth_reception(meetup.event, meetup.organizer, beta, True, code)
    request = accepted_request(meetup.event, meetup.profiles["alpha"], beta, meetup.exhibitor_admin)
    meeting = services.book(request, meetup.slots[0], meetup.exhibitor_admin)
    db.session.commit()
    assert meeting.booth_code == code
    return beta, meeting.id


def test_a_firm_leaving_a_lent_stand_waits_for_a_move_of_its_own_company(meetup):
    """Alpha is placed on the stand lent to beta while the organizers move beta's own
    booths: beta goes back to its company's booth read under a share lock of beta's
    registration, which the move holds (PostgreSQL, here until a short lock
    timeout). Unlocked, it went to the booth the move was taking away."""
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    from eventapp.booths.models import Exhibitor

    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL: SQLite runs one writing transaction at a time")
    beta, meeting_id = _lent_to_beta(meetup)
    booths.place_exhibitor(meetup.exhibitors["beta"], "B-03")
    db.session.commit()
    registration_id = meetup.exhibitors["beta"].id
    with db.engine.connect() as move:
        move.execute(
            select(Exhibitor.id).where(Exhibitor.id == registration_id).with_for_update()
        ).all()
        db.session.execute(text("SET LOCAL lock_timeout = '300ms'"))
        with pytest.raises(OperationalError, match="lock timeout"):
            booths.place_exhibitor(meetup.exhibitors["alpha"], "B-09,B-10")
        db.session.rollback()
        move.rollback()
    booths.place_exhibitor(meetup.exhibitors["alpha"], "B-09,B-10")
    db.session.commit()
    assert db.session.get(MeetingProfile, beta.id).location == "B-03"
    assert _places([meeting_id])[0][:2] == ("B-03", None)


def test_an_exhibitor_confirming_a_lent_stand_sends_its_meetings_to_the_tables(meetup, outbox):
    """Alpha picks and confirms the free stand the organizers had lent beta for the
    meetup. Beta has no booth of its own: it receives at the shared tables from then
    on, and its meeting at the stand goes to a free table, both sides told. While
    alpha only holds the stand (a hold may lapse), nothing moves."""
    from tests.booths.conftest import open_window

    beta, meeting_id = _lent_to_beta(meetup, "A-01")
    alpha = meetup.exhibitors["alpha"]
    open_window(meetup.event)
    booths.hold_booths(alpha, ["A-01", "A-02"])
    db.session.commit()
    assert _places([meeting_id]) == [("A-01", None, 0)]
    booths.confirm_booths(alpha)
    db.session.commit()
    assert beta.location is None
    ((booth, table, sequence),) = _places([meeting_id])
    assert (booth, sequence) == (None, 1)
    assert table in {t.code for t in meetup.tables}
    told = outbox("meeting_moved")
    assert {to for to, _subject, _text in told} >= {
        "exhibitor_admin@example.org",
        "other_exhibitor@example.org",
    }
    assert all(f"Place: Table {table}" in text for _to, _subject, text in told)
    # Alpha confirmed a stand: no organizer moved anything, and the mail says why.
    assert not [text for _to, _subject, text in told if "The organizer moved" in text]
    assert all(
        "Beta Bio no longer receives its meetings at booth A-01, so the meeting of" in text
        for _to, _subject, text in told
    )
    assert services.astray_meetings(meetup.event) == []


def test_a_lent_stand_given_with_no_table_free_leaves_the_meeting_listed(meetup):
    """Both tables are taken at that time: beta's meeting keeps the stand's code, and
    the organizers' meetup page lists it, the stand being alpha's now."""
    beta, meeting_id = _lent_to_beta(meetup)
    _fill_tables(meetup, meetup.slots[0])
    booths.place_exhibitor(meetup.exhibitors["alpha"], "B-09,B-10")
    db.session.commit()
    assert beta.location is None
    assert _places([meeting_id]) == [("B-09", None, 0)]
    assert [m.id for m in services.astray_meetings(meetup.event)] == [meeting_id]


def test_the_booth_plan_applied_sends_a_lent_stands_meetings_to_the_tables(meetup):
    """The assigner's plan places alpha on the stand lent to beta: as a placement by
    hand, beta's meeting there goes to a table."""
    from eventapp.booths.models import BoothPlanProposal

    beta, meeting_id = _lent_to_beta(meetup, "A-01")
    proposal = BoothPlanProposal(
        event_id=meetup.event.id,
        assignments={str(meetup.exhibitors["alpha"].id): ["A-01", "A-02"]},
        left_out=[],
    )
    db.session.add(proposal)
    db.session.flush()
    booths.apply_proposal(proposal)
    db.session.commit()
    assert beta.location is None
    assert _places([meeting_id])[0][:1] == (None,)


def test_meetings_elsewhere_and_past_ones_stay(meetup, monkeypatch):
    """Only the firm's meetings at the lost booth still to come move: one that has
    started keeps its place (it took place there)."""
    beta, ids = _receiving_beta(meetup, slots=(0, 2))
    monkeypatch.setattr(services, "_now", lambda: meetup.slots[1].starts_at)
    booths.move_exhibitor(meetup.exhibitors["beta"], "B-07")
    db.session.commit()
    assert _places(ids) == [("B-03", None, 0), ("B-07", None, 1)]


def test_a_booking_at_the_booth_and_a_move_at_once_end_at_the_new_booth(
    meetup, live_server, writing
):
    """A partner books at the firm's booth at the instant the organizers move the firm:
    whichever commits first, the meeting ends at the firm's new booth, never at the
    one it left."""
    from sqlalchemy import delete

    from eventapp.meetings.models import MeetingRequest, MeetingSeat
    from tests.meetings.test_booking_concurrency import _fire, _sessions

    beta, ids = _receiving_beta(meetup, slots=(0,))
    request_id = db.session.get(Meeting, ids[0]).request_id
    beta_exhibitor, beta_id = meetup.exhibitors["beta"].id, beta.id
    admin, organizer = meetup.exhibitor_admin, meetup.organizer
    sessions = _sessions(live_server, [admin, organizer])
    booker, organizer = sessions[admin.id], sessions[organizer.id]
    slot_ids = [slot.id for slot in meetup.slots]
    db.session.commit()
    for round_number in range(6):
        there, next_booth = ("B-03", "B-07") if round_number % 2 == 0 else ("B-07", "B-03")
        with writing() as session:
            session.execute(delete(MeetingSeat))
            session.execute(delete(Meeting))
            session.get(MeetingRequest, request_id).status = "accepted"
        assert db.session.get(MeetingProfile, beta_id).location == there
        db.session.commit()
        results = _fire(
            [
                (
                    booker,
                    f"/e/test-expo/meetings/requests/{request_id}/book",
                    {"slot_id": slot_ids[1 + round_number]},
                ),
                (
                    organizer,
                    "/e/test-expo/manage/booths/move",
                    {"exhibitor": beta_exhibitor, "booths": next_booth},
                ),
            ]
        )
        assert all(status == 302 for status, _l in results), results
        db.session.commit()  # a fresh read
        assert db.session.get(MeetingProfile, beta_id).location == next_booth
        (meeting,) = db.session.scalars(select(Meeting)).all()
        assert (meeting.booth_code, meeting.table_id) == (next_booth, None), round_number
        db.session.commit()


def test_a_company_that_stops_exhibiting_is_told_of_its_meetings(meetup, client, english):
    """Withdrawing cancels no meeting: the company admins are told before and after,
    with their agenda at hand, and the organizers see it on the company's page."""
    from tests.meetings.conftest import booked_meeting

    booked_meeting(meetup)  # alpha (startup) meets gamma
    alpha = meetup.exhibitors["alpha"]
    dashboard = f"/e/test-expo/exhibitors/{alpha.id}/?lang=en"
    login(client, meetup.exhibitor_admin)
    page = client.get(dashboard).get_data(as_text=True)
    assert "Withdrawing does not cancel your 1 meeting in the global meetup." in page
    exhibitors.withdraw(alpha, "budget cut")
    db.session.commit()
    page = client.get(dashboard).get_data(as_text=True)
    assert "Your company still has 1 meeting in the global meetup." in page
    assert "/e/test-expo/meetings/agenda" in page.split('id="meetings-to-come"', 1)[1]
    page = client.get(f"/e/test-expo/exhibitors/{alpha.id}/?lang=ko").get_data(as_text=True)
    assert "글로벌 밋업" in page.split('id="meetings-to-come"', 1)[1].split("</p>", 1)[0]

    login(client, meetup.organizer)
    page = client.get(f"/e/test-expo/manage/exhibitors/{alpha.id}?lang=en").get_data(as_text=True)
    assert "Alpha Robotics no longer exhibits, and has 1 meeting still to come" in page
    profile = meetup.profiles["alpha"]
    assert f"/e/test-expo/meetings/agenda?profile={profile.id}" in page
    # A company without meetings to come, or still exhibiting, shows nothing of it.
    beta = meetup.exhibitors["beta"]
    page = client.get(f"/e/test-expo/manage/exhibitors/{beta.id}?lang=en").get_data(as_text=True)
    assert 'id="meetings-to-come"' not in page


def test_a_booth_code_respelt_by_the_floor_plan_is_still_the_firms(meetup):
    """A floor plan imported again may write a booth's code in another case ("b-03"
    for B-03): it is the same booth. The firm's meetings there are not astray, and
    when it moves they follow it."""
    from eventapp.booths.models import Booth

    beta, ids = _receiving_beta(meetup)
    booth = db.session.scalar(select(Booth).where(Booth.code == "B-03"))
    booth.code = "b-03"  # as import_floorplan keeps a booth whose code changed case
    db.session.commit()
    assert services.astray_meetings(meetup.event) == []
    booths.move_exhibitor(meetup.exhibitors["beta"], "B-07")
    db.session.commit()
    assert beta.location == "B-07"
    assert _places(ids) == [("B-07", None, 1), ("B-07", None, 1)]
    assert services.astray_meetings(meetup.event) == []


def test_the_organizers_page_reads_the_firms_at_once(meetup):
    """Finding the meetings astray does not read each firm on its own: an event
    with hundreds of firms receiving at their stands would read them all on every
    visit to the meetup page."""

    def firms_receiving(count, start):
        for n in range(start, start + count):
            _user, firm = add_company(meetup.event, f"f{n}", "large_firm")
            # A stand lent to each firm, all meeting in the same slot.
            firm.receives_at_booth, firm.booth_code = True, f"B-{n + 1:02d}"
            user, startup = add_company(meetup.event, f"s{n}", "startup")
            services.book(
                accepted_request(meetup.event, startup, firm, user), meetup.slots[0], user
            )
        db.session.commit()

    def statements():
        db.session.expire_all()
        astray, count = statements_of(lambda: services.astray_meetings(meetup.event))
        assert astray == []
        return count

    firms_receiving(2, 0)
    few = statements()
    firms_receiving(6, 2)
    assert statements() == few


def _refused_while_a_move_holds_the_registration(meetup, save):
    """`save()` of beta's profile, on the booth B-03 beta stands on, while a move of
    beta's booths holds its registration: it waits for the move (PostgreSQL), here
    until a short lock timeout."""
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    from eventapp.booths.models import Exhibitor

    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL: SQLite runs one writing transaction at a time")
    beta_exhibitor = meetup.exhibitors["beta"]
    booths.place_exhibitor(beta_exhibitor, "B-03")
    db.session.commit()
    with db.engine.connect() as move:
        move.execute(
            select(Exhibitor.id).where(Exhibitor.id == beta_exhibitor.id).with_for_update()
        ).all()
        db.session.execute(text("SET LOCAL lock_timeout = '300ms'"))
        with pytest.raises(OperationalError, match="lock timeout"):
            save()
        db.session.rollback()
        move.rollback()


def test_a_firm_choosing_its_booth_waits_for_a_move_of_its_booths(meetup):
    """The firm names its booth while the organizers move the company's booths: the
    firm's save reads its booths under a share lock of the registration the move
    holds, so it waits for the move (and then finds the booth gone) instead of
    naming a booth the move is taking away."""
    profile_id = meetup.profiles["beta"].id

    def save():
        return services.update_profile(
            db.session.get(MeetingProfile, profile_id), receives_at_booth=True, booth_code="B-03"
        )

    _refused_while_a_move_holds_the_registration(meetup, save)
    # Once the move is done, the save goes through.
    assert save()


def test_a_booking_reads_the_firms_booth_in_one_query(meetup):
    """Every booking, move and planned meeting of a firm receiving at its booth asks
    who holds that booth: one statement, not the booth, its allocation and then the
    exhibitor one after the other."""
    beta, _ids = _receiving_beta(meetup, slots=(0,))
    db.session.expire_all()
    firm = db.session.get(MeetingProfile, beta.id)
    assert firm.location == "B-03"
    booth, count = statements_of(lambda: services._reception_booth(firm))
    assert (booth, count) == ("B-03", 1)


def test_the_planner_sends_no_meeting_to_a_lent_stand_given_to_another_company(meetup):
    """The organizers lent beta a free stand, then gave it to alpha: scheduling all
    accepted requests at once puts beta's meetings at the tables, as a booking does."""
    from eventapp.meetings import planning

    beta = meetup.profiles["beta"]
    services.set_booth_reception(meetup.event, meetup.organizer, beta, True, "B-09")
    booths.place_exhibitor(meetup.exhibitors["alpha"], "B-09,B-10")
    user, startup = add_company(meetup.event, "late", "startup")
    accepted_request(meetup.event, startup, beta, user)
    db.session.commit()
    data = planning.build_problem(meetup.event)
    (firm,) = [p for p in data["participants"] if p["id"] == f"F{beta.id}"]
    assert firm["location"] is None
    plan = planning.run_plan(meetup.event, meetup.organizer, time_limit=1, workers=1)
    db.session.commit()
    (meeting,) = planning.apply_plan(plan, meetup.organizer)
    db.session.commit()
    assert meeting.booth_code is None
    assert meeting.table.code in {t.code for t in meetup.tables}


def test_a_firm_whose_lent_stand_was_given_away_is_offered_slots_with_a_table(meetup):
    """Its bookings go to the tables, so the times offered to book are those with a
    table free: not a time where booking would then say every table is taken."""
    beta = meetup.profiles["beta"]
    services.set_booth_reception(meetup.event, meetup.organizer, beta, True, "B-09")
    booths.place_exhibitor(meetup.exhibitors["alpha"], "B-09,B-10")
    _fill_tables(meetup, meetup.slots[0])
    user, startup = add_company(meetup.event, "late", "startup")
    request = accepted_request(meetup.event, startup, beta, user)
    db.session.commit()
    offered = services.common_free_slots(request)
    assert meetup.slots[0] not in offered
    assert meetup.slots[1] in offered


def _import_without(meetup, client, code):
    """The floor plan exported and imported again without booth `code`, by the
    organizers' form; the page shown after."""
    import io

    login(client, meetup.organizer)
    exported = client.get("/e/test-expo/manage/booths/floorplan.csv").get_data(as_text=True)
    kept = [line for line in exported.splitlines() if not line.startswith(f"{code},")]
    assert len(kept) == len(exported.splitlines()) - 1
    response = client.post(
        "/e/test-expo/manage/booths/import?lang=en",
        data={"file": (io.BytesIO("\n".join(kept).encode()), "plan.csv")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "Floor plan imported" in page
    return page


def test_a_lent_stand_gone_with_a_new_floor_plan_sends_its_meetings_to_the_tables(meetup, client):
    """A free stand lent to a firm may vanish with a new floor plan (only allocated
    booths are kept): the firm receives at the tables, and its meeting goes to one."""
    beta, meeting_id = _lent_to_beta(meetup)
    page = _import_without(meetup, client, "B-09")
    db.session.expire_all()
    assert db.session.get(MeetingProfile, beta.id).location is None
    ((booth, table, sequence),) = _places([meeting_id])
    assert (booth, sequence) == (None, 1) and table is not None
    assert "no longer receives at" not in page


def test_a_lent_stand_gone_with_no_table_free_tells_of_its_meeting(meetup, client):
    """Both tables are taken then: the organizers are told where they imported the
    plan, and the meetup page lists the meeting."""
    _beta, meeting_id = _lent_to_beta(meetup)
    _fill_tables(meetup, meetup.slots[0])
    page = _import_without(meetup, client, "B-09")
    assert [m.id for m in services.astray_meetings(meetup.event)] == [meeting_id]
    assert "1 meeting of the meetup is at a booth its firm no longer receives at" in page


def test_a_firm_creating_its_profile_at_its_booth_waits_for_a_move_of_its_booths(meetup):
    """As when it changes its profile: a firm that first joins the meetup naming its
    booth reads its booths under the share lock of its registration. The move cannot
    see a profile not yet committed, so it could not take the firm's choice along."""
    db.session.delete(meetup.profiles["beta"])
    db.session.commit()
    company_id = meetup.companies["beta"].id
    _refused_while_a_move_holds_the_registration(
        meetup,
        lambda: services.create_profile(
            meetup.event,
            db.session.get(Organization, company_id),
            receives_at_booth=True,
            booth_code="B-03",
        ),
    )


def test_an_organizer_setting_a_firms_booth_waits_for_a_move_of_its_booths(meetup):
    """The organizers send beta to its booth B-03 while others move beta's booths:
    the setting reads the booths under the registration's share lock as the firm's
    own save does, so it waits for the move instead of sending partners to B-03
    after the move has taken it away."""
    profile_id = meetup.profiles["beta"].id

    def save():
        profile = db.session.get(MeetingProfile, profile_id)
        return services.set_booth_reception(meetup.event, meetup.organizer, profile, True, "B-03")

    _refused_while_a_move_holds_the_registration(meetup, save)
    assert save()


def test_an_organizer_lending_a_stand_waits_for_its_placement(meetup):
    """A free stand lent to beta while the booth tool places another company on it:
    the lending reads who holds the booth under a share lock of the booth, which the
    placement holds, so it waits and then refuses the booth given away."""
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    from eventapp.booths.models import Booth

    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL: SQLite runs one writing transaction at a time")
    beta = meetup.profiles["beta"]
    booth_id = db.session.scalar(select(Booth.id).where(Booth.code == "B-09"))
    with db.engine.connect() as placing:
        placing.execute(select(Booth.id).where(Booth.id == booth_id).with_for_update()).all()
        db.session.execute(text("SET LOCAL lock_timeout = '300ms'"))
        with pytest.raises(OperationalError, match="lock timeout"):
            services.set_booth_reception(meetup.event, meetup.organizer, beta, True, "B-09")
        db.session.rollback()
        placing.rollback()
    booths.place_exhibitor(meetup.exhibitors["alpha"], "B-09,B-10")
    db.session.commit()
    beta = db.session.get(MeetingProfile, beta.id)
    with pytest.raises(services.MeetingError, match="B-09"):
        services.set_booth_reception(meetup.event, meetup.organizer, beta, True, "B-09")


def _reception(profile_id, **fields):
    profile = db.session.get(MeetingProfile, profile_id)
    services.update_profile(profile, **fields)
    db.session.commit()
    return profile.location


def test_a_firm_back_at_its_booth_after_a_move_receives_at_the_new_one(meetup):
    """Beta stops receiving at its booth B-03, the organizers move it to B-07, and it
    turns reception on again: partners go to B-07. The old code used to be kept and
    taken up again unchecked, sending them to a booth no longer beta's."""
    beta, _ids = _receiving_beta(meetup, slots=(0,))
    assert _reception(beta.id, receives_at_booth=False) is None
    booths.move_exhibitor(meetup.exhibitors["beta"], "B-07")
    db.session.commit()
    assert _reception(beta.id, receives_at_booth=True) == "B-07"


def _profile_changes():
    entry = db.session.scalar(
        select(AuditEntry)
        .where(AuditEntry.action == "meeting_profile.updated")
        .order_by(AuditEntry.id.desc())
        .limit(1)
    )
    return entry.data["fields"]


def test_the_audit_trail_names_the_booth_code_forgotten_or_found(meetup):
    """Pausing forgets the code and resuming finds the booth held then: the entry
    names booth_code as well, not only receives_at_booth."""
    beta, _ids = _receiving_beta(meetup, slots=(0,))
    _reception(beta.id, receives_at_booth=False)
    assert _profile_changes() == ["receives_at_booth", "booth_code"]
    booths.move_exhibitor(meetup.exhibitors["beta"], "B-07")
    db.session.commit()
    _reception(beta.id, receives_at_booth=True)
    assert _profile_changes() == ["receives_at_booth", "booth_code"]
    _reception(beta.id, need_en="Pilot partners")
    assert _profile_changes() == ["need_en"]


def test_a_firm_sent_to_the_tables_takes_up_its_new_booth(meetup):
    """Unassigned, beta receives at the tables; placed again, the organizers turn
    its reception back on: at the booth it now holds, not the one it lost."""
    beta, _ids = _receiving_beta(meetup, slots=(0,))
    booths.unassign_exhibitor(meetup.exhibitors["beta"])
    db.session.commit()
    assert beta.location is None
    booths.place_exhibitor(meetup.exhibitors["beta"], "B-07")
    services.set_booth_reception(meetup.event, meetup.organizer, beta, True)
    db.session.commit()
    assert beta.location == "B-07"


def test_a_lent_stand_is_kept_while_the_firm_pauses_its_reception(meetup):
    """The stand the organizers lent stays the firm's to take up again, unless it was
    given to another company meanwhile: then the firm needs a booth of its own."""
    beta = meetup.profiles["beta"]
    services.set_booth_reception(meetup.event, meetup.organizer, beta, True, "B-09")
    db.session.commit()
    assert _reception(beta.id, receives_at_booth=False) is None
    assert _reception(beta.id, receives_at_booth=True) == "B-09"
    _reception(beta.id, receives_at_booth=False)
    booths.place_exhibitor(meetup.exhibitors["alpha"], "B-09,B-10")
    db.session.commit()

    with pytest.raises(services.MeetingError):
        _reception(beta.id, receives_at_booth=True)
    db.session.rollback()
    booths.place_exhibitor(meetup.exhibitors["beta"], "B-03")
    db.session.commit()
    assert _reception(beta.id, receives_at_booth=True) == "B-03"
    # The organizers turning it on without a code: the same.
    _reception(beta.id, receives_at_booth=False)
    beta = db.session.get(MeetingProfile, beta.id)
    services.set_booth_reception(meetup.event, meetup.organizer, beta, True)
    assert beta.location == "B-03"


def _kept_stand_taken_up_while_placed(meetup, take_up):
    """Beta was lent B-09 and paused its reception, keeping the code. `take_up()`
    (beta receiving again, with no code named) runs while the booth tool places
    another company on B-09 and holds the booth: it waits (PostgreSQL), here until a
    short lock timeout, instead of sending partners to a stand given away meanwhile."""
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    from eventapp.booths.models import Booth

    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL: SQLite runs one writing transaction at a time")
    beta = meetup.profiles["beta"]
    services.set_booth_reception(meetup.event, meetup.organizer, beta, True, "B-09")
    services.set_booth_reception(meetup.event, meetup.organizer, beta, False)
    db.session.commit()
    assert (beta.receives_at_booth, beta.booth_code) == (False, "B-09")
    booth_id = db.session.scalar(select(Booth.id).where(Booth.code == "B-09"))
    with db.engine.connect() as placing:
        placing.execute(select(Booth.id).where(Booth.id == booth_id).with_for_update()).all()
        db.session.execute(text("SET LOCAL lock_timeout = '300ms'"))
        with pytest.raises(OperationalError, match="lock timeout"):
            take_up(beta.id)
        db.session.rollback()
        placing.rollback()


def test_an_organizer_taking_up_a_kept_stand_waits_for_its_placement(meetup):
    def take_up(profile_id):
        profile = db.session.get(MeetingProfile, profile_id)
        services.set_booth_reception(meetup.event, meetup.organizer, profile, True)

    _kept_stand_taken_up_while_placed(meetup, take_up)


def test_a_firm_taking_up_its_kept_stand_waits_for_its_placement(meetup):
    def take_up(profile_id):
        services.update_profile(db.session.get(MeetingProfile, profile_id), receives_at_booth=True)

    _kept_stand_taken_up_while_placed(meetup, take_up)


def test_saving_booth_reception_takes_the_registrations_before_any_booth(meetup, client):
    """The organizers save where beta (at a stand lent it, B-09) and gamma receive
    while the booth tool places gamma's company on B-09: the placement holds gamma's
    registration and then asks for the booth. The save takes every firm's
    registration before any booth, as a placement does, so it waits on gamma's
    registration holding no lock on B-09, and the placement goes through instead of
    both waiting on each other."""
    import time
    from concurrent.futures import ThreadPoolExecutor

    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    from eventapp.booths.models import Booth, Exhibitor

    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL: SQLite runs one writing transaction at a time")
    beta, gamma = meetup.profiles["beta"], meetup.profiles["gamma"]
    registration = Exhibitor(
        event=meetup.event,
        organization=meetup.companies["gamma"],
        status="approved",
        booth_count=1,
        zones=["bio"],
    )
    db.session.add(registration)
    services.set_booth_reception(meetup.event, meetup.organizer, beta, True, "B-09")
    services.set_booth_reception(meetup.event, meetup.organizer, gamma, True, "B-10")
    db.session.commit()
    assert beta.id < gamma.id  # the form's firms are saved in this order
    form = {
        "at_booth": [str(beta.id), str(gamma.id)],
        f"booth_{beta.id}": "B-09",
        f"booth_{gamma.id}": "B-10",
    }
    login(client, meetup.organizer)
    booth_id = db.session.scalar(select(Booth.id).where(Booth.code == "B-09"))
    waiting = text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    with db.engine.connect() as placing, db.engine.connect() as watch:
        placing.execute(
            select(Exhibitor.id).where(Exhibitor.id == registration.id).with_for_update()
        ).all()
        with ThreadPoolExecutor(1) as pool:
            saved = pool.submit(client.post, "/e/test-expo/meetings/manage/booths", data=form)
            for _ in range(200):
                if watch.execute(waiting).scalar() or saved.done():
                    break
                watch.rollback()
                time.sleep(0.05)
            placing.execute(text("SET LOCAL lock_timeout = '300ms'"))
            try:
                placing.execute(
                    select(Booth.id).where(Booth.id == booth_id).with_for_update()
                ).all()
                blocked = False
            except OperationalError:
                blocked = True
            placing.rollback()
            assert saved.result(timeout=30).status_code == 302
    assert not blocked, "the save held booth B-09 while waiting for gamma's registration"


def test_blocking_a_lent_stand_sends_its_firm_to_the_tables(meetup, outbox):
    """The organizers block the free stand lent to beta (a pillar found there): beta
    kept receiving at it, and its partners were sent to a blocked booth."""
    beta, meeting_id = _lent_to_beta(meetup, "B-09")
    booths.block_booths(meetup.event, ["b-09"], "pillar")
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(MeetingProfile, beta.id).location is None
    ((booth, table, sequence),) = _places([meeting_id])
    assert (booth, sequence) == (None, 1) and table in {t.code for t in meetup.tables}
    told = outbox("meeting_moved")
    assert told and all(
        "Beta Bio no longer receives its meetings at booth B-09" in text for *_x, text in told
    )
    assert services.astray_meetings(meetup.event) == []


def test_a_blocked_booth_is_not_lent(meetup, english):
    booths.block_booths(meetup.event, ["B-09"], "pillar")
    db.session.commit()
    beta = meetup.profiles["beta"]
    with pytest.raises(services.MeetingError, match="Booth code b-09: booth B-09 is blocked."):
        services.set_booth_reception(meetup.event, meetup.organizer, beta, True, "b-09")
    db.session.rollback()
    assert db.session.get(MeetingProfile, beta.id).location is None
