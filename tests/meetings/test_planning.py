""" "Schedule all accepted requests": the problem built from the database, the preview,
applying in one transaction, and the stale check."""

import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from eventapp.extensions import db
from eventapp.meetings import planning, scheduler, services
from eventapp.meetings.models import Meeting, MeetingPlan, MeetingSeat
from tests.conftest import login, run_command_as_flask_does
from tests.meetings.conftest import accepted_request, add_company


@pytest.fixture
def quick_solver(app, monkeypatch):
    monkeypatch.setitem(app.config, "MEETINGS_SOLVER_SECONDS", 2)
    monkeypatch.setitem(app.config, "MEETINGS_SOLVER_WORKERS", 1)


def _crowd(meetup, startups=4):
    """Extra startups, each with accepted requests to beta and gamma."""
    people = [add_company(meetup.event, f"s{i}", "startup") for i in range(startups)]
    requests = []
    for user, startup in people:
        for firm in (meetup.profiles["beta"], meetup.profiles["gamma"]):
            requests.append(accepted_request(meetup.event, startup, firm, user))
    db.session.commit()
    return people, requests


def test_problem_from_the_database(meetup):
    alpha, beta, gamma = (meetup.profiles[k] for k in ("alpha", "beta", "gamma"))
    r_beta = accepted_request(meetup.event, alpha, beta, meetup.exhibitor_admin)
    r_gamma = accepted_request(meetup.event, alpha, gamma, meetup.exhibitor_admin)
    # A request that is only "requested" is not part of the problem.
    _u, delta = add_company(meetup.event, "delta", "startup")
    services.send_request(meetup.event, delta, gamma, _u)
    meeting = services.book(r_gamma, meetup.slots[1], meetup.attendee)
    services.set_unavailable(beta, [meetup.slots[0].id, meetup.slots[5].id])
    services.set_booth_reception(meetup.event, meetup.organizer, beta, True, "B-07")
    meetup.settings.startup_cap = 5
    gamma.max_meetings = 2
    db.session.commit()

    data = planning.build_problem(meetup.event)
    problem = scheduler.parse_problem(data)  # valid for the solver
    codes = [s.code for s in meetup.slots]
    assert [s["id"] for s in data["slots"]] == codes
    assert data["slots"][0]["start"].endswith("+09:00")  # local time: days are right
    assert data["tables"] == ["T01", "T02"]
    people = {p["id"]: p for p in data["participants"]}
    assert set(people) == {f"S{alpha.id}", f"F{beta.id}", f"F{gamma.id}"}
    assert people[f"S{alpha.id}"]["max_meetings"] == 5
    assert people[f"F{gamma.id}"]["max_meetings"] == 2
    assert people[f"F{beta.id}"]["max_meetings"] is None
    assert people[f"F{beta.id}"]["location"] == "B-07"
    assert people[f"F{gamma.id}"]["location"] is None
    assert codes[0] not in people[f"F{beta.id}"]["available"]
    assert codes[5] not in people[f"F{beta.id}"]["available"]
    assert len(people[f"F{beta.id}"]["available"]) == len(codes) - 2
    assert sorted(r["id"] for r in data["requests"]) == sorted([f"R{r_beta.id}", f"R{r_gamma.id}"])
    assert data["fixed"] == [{"request": f"R{r_gamma.id}", "slot": codes[1], "table": "T01"}]
    assert meeting.table.code == "T01"
    assert len(problem.requests) == 2


def test_started_slots_are_unavailable_but_fixed_meetings_stay(meetup):
    alpha, gamma = meetup.profiles["alpha"], meetup.profiles["gamma"]
    request = accepted_request(meetup.event, alpha, gamma, meetup.exhibitor_admin)
    services.book(request, meetup.slots[0], meetup.attendee)
    db.session.commit()
    later = meetup.slots[2].starts_at + timedelta(minutes=1)
    data = planning.build_problem(meetup.event, now=later)
    scheduler.parse_problem(data)
    for person in data["participants"]:
        assert meetup.slots[1].code not in person["available"]
        assert meetup.slots[2].code not in person["available"]
    alpha_available = next(p for p in data["participants"] if p["id"] == f"S{alpha.id}")
    assert alpha_available["available"][0] == meetup.slots[0].code  # its fixed meeting


def test_plan_preview_and_apply(meetup, quick_solver, outbox):
    people, requests = _crowd(meetup, startups=4)
    # One meeting already booked: it must stay where it is.
    fixed = services.book(requests[0], meetup.slots[3], people[0][0])
    db.session.commit()
    fixed_place = (fixed.slot_id, fixed.table_id)

    plan = planning.run_plan(meetup.event, meetup.organizer, time_limit=2, workers=1)
    db.session.commit()
    assert plan.summary["requests"] == 8 and plan.summary["fixed"] == 1
    assert plan.summary["new"] == 7 and plan.summary["left_out"] == 0
    assert plan.status == "preview"
    assert db.session.scalar(select(func.count()).select_from(Meeting)) == 1  # nothing yet

    created = planning.apply_plan(plan, meetup.organizer)
    db.session.commit()
    assert len(created) == 7 and plan.status == "applied"
    assert all(m.scheduled_via == "planner" for m in created)
    assert (fixed.slot_id, fixed.table_id) == fixed_place
    rows = db.session.execute(select(Meeting.slot_id, Meeting.table_id, Meeting.request_id)).all()
    assert len(rows) == 8
    tables = [(s, t) for s, t, _r in rows]
    assert len(set(tables)) == 8
    seats = db.session.scalar(select(func.count()).select_from(MeetingSeat))
    assert seats == 8 * 3
    # Every participant got one digest mail listing its new meetings.
    digests = outbox("meetings_planned")
    assert {m[0] for m in digests} >= {"attendee@example.org", "other_exhibitor@example.org"}
    gamma_mail = next(m for m in digests if m[0] == "attendee@example.org")
    assert gamma_mail[2].count("T0") == 4  # gamma's 4 new meetings (one was booked)
    # The times say their zone, as every other meetup mail does: a partner from abroad
    # read "09-17 10:00" as its own clock.
    assert "Times in Asia/Seoul." in gamma_mail[2]

    with pytest.raises(services.MeetingError):
        planning.apply_plan(plan, meetup.organizer)  # only once


def test_a_plan_another_organizer_just_applied_stays_applied(meetup, quick_solver, english):
    from sqlalchemy.orm.attributes import set_committed_value

    _people, _requests = _crowd(meetup, startups=2)
    plan = planning.run_plan(meetup.event, meetup.organizer, time_limit=2, workers=1)
    db.session.commit()
    created = planning.apply_plan(plan, meetup.organizer)
    db.session.commit()
    # A second organizer pressed "apply" too: their request read the plan before the
    # first one's commit, and waits for the locks.
    set_committed_value(plan, "status", "preview")
    with pytest.raises(services.MeetingError, match="already been used"):
        planning.apply_plan(plan, meetup.organizer)
    db.session.commit()  # as the view does after a refused plan
    db.session.expire_all()
    assert db.session.get(MeetingPlan, plan.id).status == "applied"
    assert db.session.scalar(select(func.count()).select_from(Meeting)) == len(created)


def test_stale_plan_is_refused_and_nothing_changes(meetup, quick_solver):
    people, requests = _crowd(meetup, startups=2)
    plan = planning.run_plan(meetup.event, meetup.organizer, time_limit=2, workers=1)
    db.session.commit()
    # Someone books live after the preview.
    services.book(requests[0], meetup.slots[0], people[0][0])
    db.session.commit()
    with pytest.raises(planning.StalePlan):
        planning.apply_plan(plan, meetup.organizer)
    db.session.commit()
    assert plan.status == "stale"
    assert db.session.scalar(select(func.count()).select_from(Meeting)) == 1


@pytest.mark.parametrize("change", ["unavailable", "accept", "cap"])
def test_any_relevant_change_makes_a_plan_stale(meetup, quick_solver, change):
    people, requests = _crowd(meetup, startups=1)
    plan = planning.run_plan(meetup.event, meetup.organizer, time_limit=1, workers=1)
    db.session.commit()
    if change == "unavailable":
        services.set_unavailable(meetup.profiles["gamma"], [meetup.slots[4].id])
    elif change == "accept":
        accepted_request(
            meetup.event, meetup.profiles["alpha"], meetup.profiles["beta"], meetup.exhibitor_admin
        )
    else:
        meetup.settings.firm_cap = 1
    db.session.commit()
    with pytest.raises(planning.StalePlan):
        planning.apply_plan(plan, meetup.organizer)
    db.session.rollback()


def test_left_out_requests_get_their_reason(meetup, quick_solver):
    alpha, beta, gamma = (meetup.profiles[k] for k in ("alpha", "beta", "gamma"))
    r1 = accepted_request(meetup.event, alpha, beta, meetup.exhibitor_admin)
    accepted_request(meetup.event, alpha, gamma, meetup.exhibitor_admin)
    every = [s.id for s in meetup.slots]
    services.set_unavailable(beta, every)
    db.session.commit()
    plan = planning.run_plan(meetup.event, meetup.organizer, time_limit=1, workers=1)
    db.session.commit()
    assert plan.solution["left_out"] == {f"R{r1.id}": scheduler.NO_COMMON_SLOT}
    placed, left_out = planning.preview(plan)
    assert [item["request"].id for item in left_out] == [r1.id]
    assert len(placed) == 1


def test_a_left_out_request_names_its_startup_on_a_phone(meetup, client, quick_solver):
    """On a phone each left-out request is a card of labelled lines, and the startup's
    had no label: "Alpha Robotics" over "Firm: Beta Bio" did not say which is which."""
    alpha, beta = meetup.profiles["alpha"], meetup.profiles["beta"]
    accepted_request(meetup.event, alpha, beta, meetup.exhibitor_admin)
    services.set_unavailable(beta, [s.id for s in meetup.slots])
    db.session.commit()
    plan = planning.run_plan(meetup.event, meetup.organizer, time_limit=1, workers=1)
    db.session.commit()
    login(client, meetup.organizer)
    for language, startup, firm in (("en", "Startup", "Firm"), ("ko", "스타트업", "대·중견기업")):
        page = client.get(f"/e/test-expo/meetings/manage/plans/{plan.id}?lang={language}")
        left_out = page.get_data(as_text=True).split("</h2>")[-1]
        name = alpha.organization.name_en if language == "en" else alpha.organization.name_ko
        assert f'<tr><td data-label="{startup}">{name}</td>' in left_out, language
        assert f'<td data-label="{firm}">' in left_out, language


def test_booth_meeting_of_a_firm_now_at_tables_still_counts(meetup):
    """A fixed meeting the format cannot express (at a booth, while the firm now uses
    tables) blocks its slot for both sides and uses up one of their meetings."""
    alpha, beta = meetup.profiles["alpha"], meetup.profiles["beta"]
    services.set_booth_reception(meetup.event, meetup.organizer, beta, True, "B-02")
    request = accepted_request(meetup.event, alpha, beta, meetup.exhibitor_admin)
    services.book(request, meetup.slots[2], meetup.exhibitor_admin)
    other = accepted_request(meetup.event, alpha, meetup.profiles["gamma"], meetup.exhibitor_admin)
    services.book(other, meetup.slots[3], meetup.exhibitor_admin)  # at a table: beta stays
    services.set_booth_reception(meetup.event, meetup.organizer, beta, False)
    meetup.settings.firm_cap = 3
    db.session.commit()
    data = planning.build_problem(meetup.event)
    scheduler.parse_problem(data)
    people = {p["id"]: p for p in data["participants"]}
    assert meetup.slots[2].code not in people[f"F{beta.id}"]["available"]
    assert meetup.slots[2].code not in people[f"S{alpha.id}"]["available"]
    assert people[f"F{beta.id}"]["max_meetings"] == 2
    assert [f["request"] for f in data["fixed"]] == [f"R{other.id}"]


def test_schedule_pages(meetup, client, quick_solver):
    _crowd(meetup, startups=2)
    login(client, meetup.organizer)
    response = client.post("/e/test-expo/meetings/manage/schedule")
    assert response.status_code == 302
    plan = db.session.scalar(select(MeetingPlan))
    page = client.get(response.location).get_data(as_text=True)
    assert 'id="plan-new">4<' in page and 'id="plan-left-out">0<' in page
    assert "S0 Co" in page or "S0 회사" in page
    response = client.post(f"/e/test-expo/meetings/manage/plans/{plan.id}/apply")
    assert response.status_code == 302
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Meeting)) == 4
    shown = 0
    for day in meetup.event.days:
        grid = client.get(f"/e/test-expo/meetings/manage/grid?day={day.isoformat()}")
        shown += grid.get_data(as_text=True).count('href="/e/test-expo/meetings/m/')
    assert shown == 4
    # The applied plan is listed as applied (적용됨): in Korean it read "신청함", the
    # word for having applied for something (a registration).
    manage = client.get("/e/test-expo/meetings/manage/?lang=ko").get_data(as_text=True)
    assert f"#{plan.id}</a>" in manage and "· 적용됨</li>" in manage
    assert "신청함" not in manage


def test_command_line_export_and_reminders(meetup, app, tmp_path):
    import json

    alpha, gamma = meetup.profiles["alpha"], meetup.profiles["gamma"]
    request = accepted_request(meetup.event, alpha, gamma, meetup.exhibitor_admin)
    services.book(request, meetup.slots[0], meetup.attendee)
    db.session.commit()
    runner = app.test_cli_runner()
    target = tmp_path / "problem.json"
    result = runner.invoke(args=["meetings", "export-problem", "test-expo", str(target)])
    assert result.exit_code == 0, result.output
    data = json.loads(target.read_text())
    assert scheduler.parse_problem(data).fixed[0].request == f"R{request.id}"
    # The fair is a month away: nothing to remind within 24 hours, everything within 60 days.
    result = runner.invoke(args=["meetings", "remind", "test-expo"])
    assert result.exit_code == 0 and "0 meetings reminded" in result.output
    result = runner.invoke(args=["meetings", "remind", "test-expo", "--hours", "1440"])
    assert "1 meetings reminded" in result.output
    db.session.expire_all()
    assert db.session.get(Meeting, request.meeting.id).reminded_at is not None


def test_command_line_reminders_name_things_in_each_readers_language(meetup, app, outbox):
    alpha, gamma = meetup.profiles["alpha"], meetup.profiles["gamma"]
    request = accepted_request(meetup.event, alpha, gamma, meetup.exhibitor_admin)
    services.book(request, meetup.slots[0], meetup.attendee)
    meetup.exhibitor_staff.locale = "ko"
    db.session.commit()

    result = run_command_as_flask_does(app, ["meetings", "remind", "test-expo", "--hours", "1440"])
    assert "1 meetings reminded" in result.output, result.output
    sent = outbox("meeting_reminder")
    # The command speaks English; each mail speaks its reader's language.
    subjects = {recipient: subject for recipient, subject, _text in sent}
    assert subjects == {
        "exhibitor_admin@example.org": "Reminder: your meeting with Gamma Group",
        "exhibitor_staff@example.org": "알림: 감마그룹과의 미팅",
        "attendee@example.org": "Reminder: your meeting with Alpha Robotics",
    }
    mails = {recipient: text for recipient, _subject, text in sent}
    assert set(mails) == {
        "exhibitor_admin@example.org",
        "exhibitor_staff@example.org",
        "attendee@example.org",
    }
    # The event and the companies as the reader reads them, not in the default language.
    assert "Hello Exhibitor_Admin," in mails["exhibitor_admin@example.org"]
    assert "of Alpha Robotics at Test Expo" in mails["exhibitor_admin@example.org"]
    assert "Partner: Gamma Group" in mails["exhibitor_admin@example.org"]
    assert "of Gamma Group at Test Expo" in mails["attendee@example.org"]
    assert "Partner: Alpha Robotics" in mails["attendee@example.org"]
    korean = mails["exhibitor_staff@example.org"]
    assert "알파로보틱스" in korean and "테스트 엑스포" in korean and "감마그룹" in korean
    assert "Alpha Robotics" not in korean and "Gamma Group" not in korean


def test_apply_leaves_out_meetings_whose_slot_has_started(meetup, quick_solver, outbox):
    _people, _requests = _crowd(meetup, startups=4)
    plan = planning.run_plan(meetup.event, meetup.organizer, time_limit=2, workers=1)
    db.session.commit()
    assert plan.summary["new"] == 8
    starts = {s.code: s.starts_at for s in meetup.slots}
    first = min(starts[m["slot"]] for m in plan.solution["meetings"])
    # The organizer applies the preview once the plan's first slot has begun.
    now = first + timedelta(minutes=1)
    late = [m for m in plan.solution["meetings"] if starts[m["slot"]] <= now]
    assert late
    created = planning.apply_plan(plan, meetup.organizer, now=now)
    db.session.commit()
    assert len(created) == 8 - len(late)
    assert all(m.slot.starts_at > now for m in created)
    assert plan.status == "applied" and plan.summary["skipped_started"] == len(late)
    left = {m["request"] for m in late}
    assert db.session.scalar(select(func.count()).select_from(Meeting)) == len(created)
    assert all(f"R{m.request_id}" not in left for m in created)


def test_apply_reads_the_clock_when_it_runs(meetup, quick_solver, monkeypatch):
    """Without `now`, apply uses the current time, not the preview's."""
    _crowd(meetup, startups=1)
    plan = planning.run_plan(meetup.event, meetup.organizer, time_limit=1, workers=1)
    db.session.commit()
    later = max(s.starts_at for s in meetup.slots)  # every slot has started
    monkeypatch.setattr(services, "_now", lambda: later)
    assert planning.apply_plan(plan, meetup.organizer) == []
    db.session.commit()
    assert plan.summary["skipped_started"] == 2


def test_no_transaction_is_open_while_the_solver_runs(meetup, client, quick_solver, monkeypatch):
    """On SQLite every transaction holds the write lock: solving inside one would stop
    every booking of the fair for the whole solve."""
    _crowd(meetup, startups=2)
    seen = []
    real = scheduler.solve

    def solve(*args, **kwargs):
        seen.append(db.session().in_transaction())
        return real(*args, **kwargs)

    monkeypatch.setattr(scheduler, "solve", solve)
    login(client, meetup.organizer)
    response = client.post("/e/test-expo/meetings/manage/schedule")
    assert response.status_code == 302 and "/plans/" in response.location
    assert seen == [False]
    plan = db.session.scalar(select(MeetingPlan))
    assert plan.summary["new"] == 4 and plan.created_by_id == meetup.organizer.id


def test_solver_settings_come_from_the_environment():
    root = Path(__file__).resolve().parents[2]
    environment = dict(os.environ, MEETINGS_SOLVER_SECONDS="25", MEETINGS_SOLVER_WORKERS="3")
    output = subprocess.run(
        [
            sys.executable,
            "-c",
            "import config; c = config.Config; "
            "print(c.MEETINGS_SOLVER_SECONDS, c.MEETINGS_SOLVER_WORKERS)",
        ],
        cwd=root,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert output.split() == ["25.0", "3"]


class _StopLoop(Exception):
    pass


def test_remind_loop_runs_as_a_service(meetup, app, monkeypatch):
    alpha, gamma = meetup.profiles["alpha"], meetup.profiles["gamma"]
    first = services.book(
        accepted_request(meetup.event, alpha, gamma, meetup.exhibitor_admin),
        meetup.slots[0],
        meetup.attendee,
    )
    second_request = accepted_request(
        meetup.event, alpha, meetup.profiles["beta"], meetup.exhibitor_admin
    )
    db.session.commit()
    first_id = first.id
    pauses = []

    def between_rounds(seconds):
        pauses.append(seconds)
        if len(pauses) == 1:
            # Meanwhile a new meeting is booked and the reminded one is moved.
            services.book(second_request, meetup.slots[1], meetup.exhibitor_admin)
            meeting = db.session.get(Meeting, first_id)
            services.move_meeting(meeting, meetup.slots[4], meetup.organizer)
            db.session.commit()
        else:
            raise _StopLoop

    monkeypatch.setattr("eventapp.core.cli.time.sleep", between_rounds)
    result = app.test_cli_runner().invoke(
        args=["meetings", "remind", "--hours", "1440", "--loop", "--interval", "7"]
    )
    assert isinstance(result.exception, _StopLoop), result.output
    assert pauses == [7, 7]
    # Every event with a meetup, each round: the first meeting, then the new one and the
    # moved one (reminded again for its new time).
    assert result.output.splitlines() == [
        "test-expo: 1 meetings reminded",
        "test-expo: 2 meetings reminded",
    ]


@pytest.mark.parametrize(
    "args",
    [
        ["--hours", "0"],
        ["--hours", "-5"],
        ["--hours", "999999999"],
        ["--interval", "-1", "--loop"],
        ["--interval", "1e300", "--loop"],
        ["--interval", "nan", "--loop"],
    ],
)
def test_remind_refuses_hours_or_pause_out_of_range(app, meetup, args):
    """No hours reminded nobody without a word; a negative pause ended the service
    in a traceback after its first round, as a pause too long to sleep did; hours
    reaching past the calendar's end overflowed with a traceback."""
    result = app.test_cli_runner().invoke(args=["meetings", "remind", *args])
    assert result.exit_code == 2, result.output
    assert args[0] in result.output


def test_remind_refuses_an_event_without_a_meetup(app, meetup):
    """An event with no meetup was answered "0 meetings reminded", as if its
    reminders worked and nothing was due."""
    from tests.conftest import add_other_event

    add_other_event("other-expo")
    db.session.commit()
    for args in (["other-expo"], ["other-expo", "--loop"]):
        result = app.test_cli_runner().invoke(args=["meetings", "remind", *args])
        assert (result.exit_code, result.output) == (
            1,
            "Error: event other-expo has no meetup: nothing to remind\n",
        )


def test_a_plan_that_books_nothing_offers_nothing_to_apply(meetup, client, quick_solver):
    """A plan computed after the fair's last slot had begun left every request out
    "for want of a common free slot" and still offered "Apply this plan", which
    scheduled 0 meetings. It now says why nothing can be booked."""
    _crowd(meetup, startups=1)
    after = max(s.ends_at for s in meetup.slots) + timedelta(hours=1)
    plan = planning.run_plan(meetup.event, meetup.organizer, time_limit=1, workers=1, now=after)
    db.session.commit()
    assert plan.summary["new"] == 0 and plan.summary["left_out"] == 2
    login(client, meetup.organizer)
    page = client.get(f"/e/test-expo/meetings/manage/plans/{plan.id}?lang=en").get_data(
        as_text=True
    )
    assert 'id="apply-plan"' not in page
    assert (
        "Every time slot had begun when this plan was computed: no new meeting can be "
        "scheduled any more."
    ) in page
    page = client.get(f"/e/test-expo/meetings/manage/plans/{plan.id}?lang=ko").get_data(
        as_text=True
    )
    assert "이 계획안을 계산할 때 이미 모든 시간대가 시작되어" in page
    # A plan with meetings to book still offers them.
    plan = planning.run_plan(meetup.event, meetup.organizer, time_limit=1, workers=1)
    db.session.commit()
    page = client.get(f"/e/test-expo/meetings/manage/plans/{plan.id}?lang=en").get_data(
        as_text=True
    )
    assert 'id="apply-plan"' in page and 'id="plan-nothing"' not in page


def test_a_plan_names_the_time_of_each_new_meeting(meetup, client, quick_solver):
    """Its new meetings listed their slot by its code, "D1-1030": organizers read
    the day and the time, as the grid and the meeting zone show them."""
    _crowd(meetup, startups=2)
    login(client, meetup.organizer)
    response = client.post("/e/test-expo/meetings/manage/schedule")
    page = client.get(response.location + "?lang=en").get_data(as_text=True)
    codes = {slot.code for slot in meetup.slots}
    labels = {slot.label for slot in meetup.slots}
    cells = re.findall(r'<td class="nowrap"><strong>([^<]*)</strong></td>', page)
    assert len(cells) == 4
    # The column says what its cells hold; on a phone each card is headed by it.
    assert "<th>Time</th><th>Startup</th>" in page
    assert set(cells) <= labels
    assert not any(f">{code}<" in page for code in codes)


def _stand_lent_twice(meetup, gamma_slot=0, beta_slots=(0,)):
    """Beta and gamma both at stand B-09 (lent twice before it was refused; gamma's
    code typed in lower case), beta free in `beta_slots` only and gamma in slot
    `gamma_slot` only, each with one accepted request."""
    beta, gamma = meetup.profiles["beta"], meetup.profiles["gamma"]
    for firm, free in ((beta, beta_slots), (gamma, (gamma_slot,))):
        firm.receives_at_booth, firm.booth_code = True, "B-09" if firm is beta else "b-09"
        services.set_unavailable(firm, [s.id for i, s in enumerate(meetup.slots) if i not in free])
    user, startup = add_company(meetup.event, "s1", "startup")
    accepted_request(meetup.event, meetup.profiles["alpha"], beta, meetup.exhibitor_admin)
    accepted_request(meetup.event, startup, gamma, user)
    db.session.commit()


def _at_booths():
    db.session.expire_all()
    return db.session.execute(
        select(Meeting.slot_id, Meeting.booth_code).order_by(Meeting.slot_id, Meeting.id)
    ).all()


def test_schedule_all_puts_one_meeting_at_a_stand_lent_twice_in_each_slot(
    meetup, client, quick_solver
):
    """Both firms can meet only in the first slot: the plan placed both there, each
    firm as if at a booth of its own, and applying it was refused. Now one is left
    out, and the plan applies."""
    _stand_lent_twice(meetup)
    plan = planning.run_plan(meetup.event, meetup.organizer, time_limit=1, workers=1)
    db.session.commit()
    assert plan.summary["new"] == 1
    assert list(plan.solution["left_out"].values()) == [scheduler.SLOTS_TAKEN]
    login(client, meetup.organizer)
    response = client.post(
        f"/e/test-expo/meetings/manage/plans/{plan.id}/apply?lang=en", follow_redirects=True
    )
    assert "This plan puts meetings" not in response.get_data(as_text=True)
    assert _at_booths() == [(meetup.slots[0].id, "B-09")]


def test_schedule_all_spreads_firms_at_a_stand_lent_twice_over_slots(meetup, quick_solver):
    """Beta is free in the first two slots, gamma in the first only: beta meets in the
    second, whatever case the firms' codes are typed in."""
    _stand_lent_twice(meetup, beta_slots=(0, 1))
    plan = planning.run_plan(meetup.event, meetup.organizer, time_limit=1, workers=1)
    db.session.commit()
    assert len(planning.apply_plan(plan, meetup.organizer)) == 2
    db.session.commit()
    assert _at_booths() == [(meetup.slots[0].id, "B-09"), (meetup.slots[1].id, "B-09")]


def test_a_plan_computed_before_puts_two_firms_at_one_stand_is_refused(
    meetup, client, quick_solver
):
    """A plan stored as a preview before the scheduler knew firms may share a stand:
    applying it would send both firms' partners to B-09 at once."""
    _stand_lent_twice(meetup)
    plan = planning.run_plan(meetup.event, meetup.organizer, time_limit=1, workers=1)
    (left_out,) = plan.solution["left_out"]
    code = meetup.slots[0].code
    plan.solution = {
        "meetings": [
            *plan.solution["meetings"],
            {"request": left_out, "slot": code, "table": None},
        ],
        "left_out": {},
    }
    db.session.commit()
    login(client, meetup.organizer)
    response = client.post(
        f"/e/test-expo/meetings/manage/plans/{plan.id}/apply?lang=en", follow_redirects=True
    )
    label = meetup.slots[0].label
    assert (
        f"This plan puts meetings of Beta Bio and Gamma Group at stand B-09 at {label}: "
        "the stand is lent to both. Give one of them another stand, then compute a new plan."
    ) in response.get_data(as_text=True)
    assert _at_booths() == []
    page = client.post(
        f"/e/test-expo/meetings/manage/plans/{plan.id}/apply?lang=ko", follow_redirects=True
    ).get_data(as_text=True)
    assert "부스 B-09에서 베타바이오와 감마그룹의 미팅을 함께 잡습니다." in page
    assert _at_booths() == []


def test_a_plan_may_use_a_stand_lent_twice_in_different_slots(meetup, quick_solver):
    _stand_lent_twice(meetup, gamma_slot=1)
    plan = planning.run_plan(meetup.event, meetup.organizer, time_limit=1, workers=1)
    db.session.commit()
    assert len(planning.apply_plan(plan, meetup.organizer)) == 2
    db.session.commit()
    assert _at_booths() == [(meetup.slots[0].id, "B-09"), (meetup.slots[1].id, "B-09")]
