"""Place the rest: the problem built from the database, proposals, applying them
in one transaction, and refusing stale ones."""

import re
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from eventapp.booths import assigner, planning, services
from eventapp.booths.models import BoothAllocation, BoothPlanProposal, ExhibitorAvoid
from eventapp.core.audit import AuditEntry
from eventapp.core.db import utcnow
from eventapp.extensions import db
from tests.booths.conftest import (
    add_exhibitor,
    allocations,
    audit_actions,
    change_before_lock,
    delete_booth_before_lock,
    open_window,
    place,
)
from tests.conftest import statements_of


def eid(exhibitor):
    return planning.problem_id(exhibitor.id)


def test_problem_from_the_database(small_event):
    event = small_event.event
    alpha, beta = small_event.exhibitors["alpha"], small_event.exhibitors["beta"]
    fixed, _ = add_exhibitor(event, "fixed", count=2)
    place(fixed, ["A-09", "A-10"], state="confirmed")
    fixed.locked = True
    holder, _ = add_exhibitor(event, "holder", count=1)
    db.session.add(
        BoothAllocation(
            booth_id=small_event.booths["A-05"].id,
            exhibitor_id=holder.id,
            state="hold",
            expires_at=utcnow() + timedelta(minutes=5),
        )
    )
    stale, _ = add_exhibitor(event, "stale", count=1)
    db.session.add(
        BoothAllocation(
            booth_id=small_event.booths["A-04"].id,
            exhibitor_id=stale.id,
            state="hold",
            expires_at=utcnow() - timedelta(minutes=5),
        )
    )
    locked, _ = add_exhibitor(event, "locked", count=1)
    locked.locked = True
    pending, _ = add_exhibitor(event, "pending", status="pending")
    alpha.wishes = ["A-01", "Z-99", "A-02"]
    alpha.wants_corner = True
    db.session.add(ExhibitorAvoid(exhibitor_id=fixed.id, avoided_id=alpha.id))
    # A competitor who holds booths while picking is kept apart like a placed one.
    db.session.add(ExhibitorAvoid(exhibitor_id=stale.id, avoided_id=holder.id))
    small_event.booths["B-10"].blocked = True
    db.session.commit()

    built = planning.build_problem(event)
    problem = built.problem
    assert problem["format"] == "kicxup-booths/1"
    assert len(problem["booths"]) == 20
    assert ["A-01", "A-02"] in problem["adjacent"] and ["A-01", "A-06"] in problem["adjacent"]
    assert problem["blocked"] == ["B-10"]
    # Placed (even locked) exhibitors and those holding booths right now stay where they are.
    assert problem["fixed"] == [
        {"exhibitor": eid(fixed), "booths": ["A-09", "A-10"]},
        {"exhibitor": eid(holder), "booths": ["A-05"]},
    ]
    by_id = {e["id"]: e for e in problem["exhibitors"]}
    # Locked ones without booths and pending ones are not in the problem; an expired
    # hold does not count.
    assert set(by_id) == {eid(alpha), eid(beta), eid(fixed), eid(holder), eid(stale)}
    assert by_id[eid(alpha)] == {
        "id": eid(alpha),
        "size": 2,
        "zones": ["ai"],
        "wishes": ["A-01", "A-02"],
        "corner": True,
        "avoid": [eid(fixed)],
    }
    assert by_id[eid(fixed)]["avoid"] == [eid(alpha)]
    assert by_id[eid(holder)] == {
        "id": eid(holder),
        "size": 1,
        "zones": ["ai"],
        "avoid": [eid(stale)],
    }
    assert by_id[eid(stale)]["avoid"] == [eid(holder)]
    assert {e.id for e in built.to_place} == {alpha.id, beta.id, stale.id}
    assert built.to_place_ids == [alpha.id, beta.id, stale.id]
    parsed = assigner.parse_problem(problem)  # the assigner accepts it
    assert parsed.fixed == {eid(fixed): ("A-09", "A-10"), eid(holder): ("A-05",)}


def test_place_the_rest_keeps_competitors_away_from_a_hold(small_event):
    """A competitor holding booths (and confirming them later) gets no rival next door."""
    event = small_event.event
    beta = small_event.exhibitors["beta"]
    holder, _ = add_exhibitor(event, "holder", count=1, zones=("bio",))
    db.session.add(
        BoothAllocation(
            booth_id=small_event.booths["B-03"].id,
            exhibitor_id=holder.id,
            state="hold",
            expires_at=utcnow() + timedelta(minutes=10),
        )
    )
    # Beta would love the booth right beside the hold.
    beta.wishes = ["B-02", "B-04", "B-08"]
    db.session.add(ExhibitorAvoid(exhibitor_id=beta.id, avoided_id=holder.id))
    small_event.exhibitors["alpha"].status = "withdrawn"
    db.session.commit()
    proposal = services.propose_plan(event, time_limit=2, workers=1)
    db.session.commit()
    (booth,) = proposal.assignments[str(beta.id)]
    assert booth not in {"B-02", "B-04", "B-08"}
    services.apply_proposal(proposal)
    db.session.commit()
    from eventapp.booths import state

    assert state.violations(event) == []


def test_wishes_match_booth_codes_whatever_their_case(small_event):
    """Wishes are stored upper-case while the floor plan may name booths in lower case."""
    event = small_event.event
    alpha = small_event.exhibitors["alpha"]
    small_event.booths["A-03"].code = "a-03"
    small_event.booths["A-04"].code = "a-04"
    alpha.wishes = ["A-03", "A-04"]
    db.session.commit()
    entry = next(
        e for e in planning.build_problem(event).problem["exhibitors"] if e["id"] == eid(alpha)
    )
    assert entry["wishes"] == ["a-03", "a-04"]
    proposal = services.propose_plan(event, time_limit=2, workers=1)
    db.session.commit()
    assert sorted(proposal.assignments[str(alpha.id)]) == ["a-03", "a-04"]


def test_rule_breaking_placements_stay_fixed_or_become_blocked(small_event):
    event = small_event.event
    alpha, beta = small_event.exhibitors["alpha"], small_event.exhibitors["beta"]
    apart, _ = add_exhibitor(event, "apart", count=2)
    place(beta, ["A-01"])  # outside its zone: kept, zones relaxed
    place(apart, ["A-03", "A-05"])  # not touching: kept as two groups
    db.session.add(ExhibitorAvoid(exhibitor_id=alpha.id, avoided_id=apart.id))
    db.session.commit()
    built = planning.build_problem(event)
    assert {"exhibitor": eid(beta), "booths": ["A-01"]} in built.problem["fixed"]
    by_id = {e["id"]: e for e in built.problem["exhibitors"]}
    assert by_id[eid(beta)]["zones"] == []
    assert eid(apart) not in by_id
    pieces = [f"{eid(apart)}.1", f"{eid(apart)}.2"]
    assert [f for f in built.problem["fixed"] if f["exhibitor"] in pieces] == [
        {"exhibitor": pieces[0], "booths": ["A-03"]},
        {"exhibitor": pieces[1], "booths": ["A-05"]},
    ]
    # The occupied booths keep the holder's competitors away.
    assert by_id[eid(alpha)]["avoid"] == pieces
    assert built.problem["blocked"] == []
    assert built.fixed[apart.id] == ["A-03", "A-05"]
    assert any("break the rules" in planning.warning_text(w) for w in built.warnings)
    parsed = assigner.parse_problem(built.problem)
    solution = assigner.solve(parsed, time_limit=2, workers=1)
    assert not set(solution.assignments[eid(alpha)]) & {"A-02", "A-04", "A-08", "A-10"}


def test_competitors_already_side_by_side_stay_fixed(small_event):
    event = small_event.event
    alpha, beta = small_event.exhibitors["alpha"], small_event.exhibitors["beta"]
    other, _ = add_exhibitor(event, "other", count=1, zones=("ai",))
    place(alpha, ["A-01", "A-02"])
    place(other, ["A-03"])
    db.session.add(ExhibitorAvoid(exhibitor_id=alpha.id, avoided_id=other.id))
    db.session.add(ExhibitorAvoid(exhibitor_id=beta.id, avoided_id=other.id))
    db.session.commit()
    built = planning.build_problem(event)
    by_id = {e["id"]: e for e in built.problem["exhibitors"]}
    assert "avoid" not in by_id[eid(alpha)]  # the pair that already touches is dropped
    assert by_id[eid(other)]["avoid"] == [eid(beta)]  # others are still kept apart
    assert {f["exhibitor"] for f in built.problem["fixed"]} == {eid(alpha), eid(other)}
    assert any("stand next to each other" in planning.warning_text(w) for w in built.warnings)
    assigner.parse_problem(built.problem)


def test_a_proposals_warnings_are_read_in_the_readers_language(login_as, small_event):
    """A proposal kept its warnings as text in the language of whoever proposed
    it: an organizer reading it in English later saw them in Korean."""
    alpha = small_event.exhibitors["alpha"]
    other, _ = add_exhibitor(small_event.event, "other", count=1, zones=("ai",))
    place(alpha, ["A-01", "A-02"])
    place(other, ["A-03"])
    db.session.add(ExhibitorAvoid(exhibitor_id=alpha.id, avoided_id=other.id))
    db.session.commit()
    client = login_as("organizer")
    response = client.post(
        "/e/test-expo/manage/booths/place-rest?lang=ko", data={"time_limit": "1"}
    )
    assert response.status_code == 302
    proposal = response.location.split("?")[0]
    page = client.get(proposal + "?lang=en").get_data(as_text=True)
    assert (
        "Alpha Robotics and Other Ltd stand next to each other although they avoid "
        "each other; the assigner leaves them where they are."
    ) in page
    page = client.get(proposal + "?lang=ko").get_data(as_text=True)
    assert "알파로보틱스와 other 주식회사는 서로 피하도록 설정되어 있지만" in page
    assert "stand next to each other" not in page


@pytest.mark.parametrize(
    ("status", "lang", "said"),
    [
        ("OPTIMAL", "en", "(the best plan possible)"),
        ("FEASIBLE", "en", "(the best plan found within the time limit, not proven the best)"),
        ("GREEDY", "ko", "(선착순 배치: 제한 시간 안에 더 나은 배치를 찾지 못했습니다)"),
        ("OPTIMAL", "ko", "(가능한 최선의 배치)"),
    ],
)
def test_a_proposal_says_how_good_it_is_in_words(login_as, small_event, status, lang, said):
    """It showed the solver's own word (OPTIMAL, FEASIBLE, GREEDY), in English
    capitals on the Korean page too."""
    proposal = services.propose_plan(small_event.event, time_limit=1, workers=1)
    proposal.solver_status = status
    db.session.commit()
    url = f"/e/test-expo/manage/booths/proposals/{proposal.id}?lang={lang}"
    page = login_as("organizer").get(url).get_data(as_text=True)
    assert said in page
    assert status not in page


def test_propose_and_apply(small_event):
    event = small_event.event
    alpha, beta = small_event.exhibitors["alpha"], small_event.exhibitors["beta"]
    nowhere, _ = add_exhibitor(event, "nowhere", count=1, zones=("eco",))  # no eco booths
    rival, _ = add_exhibitor(event, "rival", count=2, zones=("ai",))
    db.session.add(ExhibitorAvoid(exhibitor_id=rival.id, avoided_id=alpha.id))
    db.session.commit()
    proposal = services.propose_plan(event, time_limit=2, workers=1)
    db.session.commit()
    assert set(proposal.assignments) == {str(alpha.id), str(beta.id), str(rival.id)}
    assert proposal.left_out_ids == [nowhere.id]
    assert proposal.solver_status in ("OPTIMAL", "FEASIBLE", "GREEDY")
    assert proposal.score >= 3000
    assert allocations() == {}  # proposing changes nothing
    assert services.apply_proposal(proposal) == 3
    db.session.commit()
    found = allocations()
    assert sorted(c for c, (e, _s) in found.items() if e == alpha.id) == sorted(
        proposal.assignments[str(alpha.id)]
    )
    assert all(state == "placed" for _e, state in found.values())
    db.session.refresh(beta)
    assert beta.status == "placed"
    assert {"booth.plan_proposed", "booth.plan_applied"} <= set(audit_actions())
    from eventapp.booths import state

    assert state.violations(event) == []  # the assigner follows every rule
    with pytest.raises(services.StaleProposal):
        services.apply_proposal(proposal)  # applied once only
    db.session.rollback()


def test_stale_proposal_is_refused_as_a_whole(small_event):
    event = small_event.event
    alpha, beta = small_event.exhibitors["alpha"], small_event.exhibitors["beta"]
    proposal = services.propose_plan(event, time_limit=1, workers=1)
    db.session.commit()
    taken = proposal.assignments[str(beta.id)][0]
    intruder, _ = add_exhibitor(event, "intruder", count=1, zones=("bio",))
    place(intruder, [taken])
    with pytest.raises(services.StaleProposal) as refused:
        services.apply_proposal(proposal)
    db.session.rollback()
    assert any(taken in d for d in refused.value.details)
    assert allocations() == {taken: (intruder.id, "placed")}  # nobody else was placed
    db.session.refresh(alpha)
    assert alpha.status == "approved"


def test_a_stale_plan_names_who_took_its_booths_meanwhile(small_event):
    """ "Booths B-01 have been taken meanwhile." said neither who took the booth nor
    how, and spoke of one booth as of several."""
    event = small_event.event
    alpha, beta = small_event.exhibitors["alpha"], small_event.exhibitors["beta"]
    proposal = services.propose_plan(event, time_limit=1, workers=1)
    db.session.commit()
    (held,) = proposal.assignments[str(beta.id)]
    first, second = proposal.assignments[str(alpha.id)]
    holder, _ = add_exhibitor(event, "holder", count=1, zones=("bio",))
    place(holder, [held], state="hold")
    db.session.execute(update(BoothAllocation).values(expires_at=utcnow() + timedelta(minutes=5)))
    db.session.commit()
    with pytest.raises(services.StaleProposal) as refused:
        services.apply_proposal(proposal)
    db.session.rollback()
    assert f"Booth {held} (Holder Ltd, held) has been taken meanwhile." in refused.value.details
    intruder, _ = add_exhibitor(event, "intruder", count=2, zones=("ai",))
    place(intruder, [first, second])
    with pytest.raises(services.StaleProposal) as refused:
        services.apply_proposal(proposal)
    db.session.rollback()
    taken = [d for d in refused.value.details if "taken meanwhile" in d]
    holders = {held: "Holder Ltd, held", first: "Intruder Ltd, placed"}
    holders[second] = "Intruder Ltd, placed"
    named = ", ".join(f"{code} ({holders[code]})" for code in sorted(holders))
    assert taken == [f"Booths {named} have been taken meanwhile."]


def test_a_proposed_booth_whose_code_changed_case_meanwhile_is_still_placed(login_as, small_event):
    """The floor plan imported again writes booth A-01 as "a-01": the plan proposing
    A-01 was refused, "Booth A-01 no longer exists.", though it stands where it stood,
    and its page no longer showed the booth as proposed."""
    from eventapp.booths.models import Booth

    event = small_event.event
    alpha = small_event.exhibitors["alpha"]
    proposal = services.propose_plan(event, time_limit=1, workers=1)
    db.session.commit()
    code = proposal.assignments[str(alpha.id)][0]
    booth = db.session.scalar(select(Booth).where(Booth.code == code))
    booth.code = code.lower()
    db.session.commit()
    page = login_as("organizer").get(f"/e/test-expo/manage/booths/proposals/{proposal.id}")
    highlighted = re.findall(
        r'class="booth [^"]*\bproposed"\s+data-booth="([^"]+)"', page.get_data(as_text=True)
    )
    assert code.lower() in highlighted
    assert services.apply_proposal(proposal) == len(proposal.assignments)
    db.session.commit()
    assert allocations()[code.lower()] == (alpha.id, "placed")


def test_newer_proposal_supersedes_older(small_event):
    event = small_event.event
    first = services.propose_plan(event, time_limit=1, workers=1)
    db.session.commit()
    services.propose_plan(event, time_limit=1, workers=1)
    db.session.commit()
    with pytest.raises(services.StaleProposal):
        services.apply_proposal(first)
    db.session.rollback()


def test_an_older_plan_after_a_newer_one_was_applied_says_so(small_event):
    """The older plan's page still offers to apply it: refused with "A newer plan has
    been proposed since; apply that one." when that one was applied already."""
    from datetime import UTC, datetime

    event = small_event.event
    first = services.propose_plan(event, time_limit=1, workers=1)
    db.session.commit()
    second = services.propose_plan(event, time_limit=1, workers=1)
    db.session.commit()
    services.apply_proposal(second, now=datetime(2025, 8, 1, 1, 30, tzinfo=UTC))
    db.session.commit()
    with pytest.raises(services.StaleProposal) as refused:
        services.apply_proposal(first)
    db.session.rollback()
    # 10:30 in Seoul, the event's time zone.
    assert refused.value.message == (
        "A newer plan was applied 2025-08-01 10:30; this one is out of date."
    )


def test_place_rest_pages(login_as, small_event):
    alpha = small_event.exhibitors["alpha"]
    client = login_as("organizer")
    page = client.get("/e/test-expo/manage/booths/place-rest?lang=en").get_data(as_text=True)
    assert '<span class="stat-num" id="to-place-count">2</span>' in page
    response = client.post("/e/test-expo/manage/booths/place-rest", data={"time_limit": "1"})
    assert response.status_code == 302
    proposal = db.session.scalar(select(BoothPlanProposal))
    assert response.location.endswith(f"/proposals/{proposal.id}")
    page = client.get(response.location + "?lang=en").get_data(as_text=True)
    assert 'id="apply-plan"' in page and 'id="proposal-table"' in page
    highlighted = re.findall(r'class="booth [^"]*\bproposed"\s+data-booth="([^"]+)"', page)
    assert sorted(highlighted) == sorted(
        c for codes in proposal.assignments.values() for c in codes
    )
    assert set(proposal.assignments[str(alpha.id)]) <= set(highlighted)
    response = client.post(f"/e/test-expo/manage/booths/proposals/{proposal.id}/apply")
    assert response.status_code == 302
    assert len(allocations()) == 3
    placed = len(proposal.assignments)
    expected = f"{placed} exhibitor placed." if placed == 1 else f"{placed} exhibitors placed."
    assert expected in client.get(response.location + "?lang=en").get_data(as_text=True)
    # Applying again only explains why not.
    response = client.post(f"/e/test-expo/manage/booths/proposals/{proposal.id}/apply")
    page = client.get(response.location + "?lang=en").get_data(as_text=True)
    assert "already been applied" in page


def test_apply_refuses_a_plan_next_to_a_competitor_who_picked_meanwhile(small_event):
    event = small_event.event
    alpha, beta = small_event.exhibitors["alpha"], small_event.exhibitors["beta"]
    open_window(event)
    proposal = services.propose_plan(event, time_limit=1, workers=1)
    db.session.commit()
    (booth,) = proposal.assignments[str(beta.id)]
    # While the plan waited, a competitor of Beta picked the booth next door.
    rival, _ = add_exhibitor(event, "rival", count=1, zones=("bio",))
    db.session.add(ExhibitorAvoid(exhibitor_id=rival.id, avoided_id=beta.id))
    db.session.commit()
    next_door = sorted(planning.neighbour_map(event)[booth])[0]
    services.hold_booths(rival, [next_door])
    db.session.commit()
    with pytest.raises(services.StaleProposal) as refused:
        services.apply_proposal(proposal)
    db.session.rollback()
    assert any(
        d.startswith("Beta Bio: ") and "Rival Ltd" in d and booth in d
        for d in refused.value.details
    ), refused.value.details
    assert allocations() == {next_door: (rival.id, "hold")}  # the whole plan was refused
    db.session.refresh(alpha)
    assert alpha.status == "approved"


def test_apply_refuses_a_plan_the_changed_request_no_longer_fits(small_event):
    event = small_event.event
    alpha = small_event.exhibitors["alpha"]
    proposal = services.propose_plan(event, time_limit=1, workers=1)
    db.session.commit()
    alpha.zones = ["bio"]  # the organizers moved Alpha to another zone meanwhile
    db.session.commit()
    with pytest.raises(services.StaleProposal) as refused:
        services.apply_proposal(proposal)
    db.session.rollback()
    assert any(
        d.startswith("Alpha Robotics: ") and "outside the zones bio-health" in d
        for d in refused.value.details
    ), refused.value.details
    assert allocations() == {}


def test_applying_audits_each_status_change(small_event):
    event = small_event.event
    alpha, beta = small_event.exhibitors["alpha"], small_event.exhibitors["beta"]
    proposal = services.propose_plan(event, time_limit=1, workers=1)
    db.session.commit()
    services.apply_proposal(proposal)
    db.session.commit()
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "exhibitor.status_changed")
    ).all()
    assert sorted((e.object_id, e.data["from"], e.data["to"]) for e in entries) == sorted(
        [(str(alpha.id), "approved", "placed"), (str(beta.id), "approved", "placed")]
    )


def test_other_sessions_can_write_while_the_solver_runs(app, small_event, monkeypatch):
    """On SQLite a transaction holds the write lock: the solver must run outside one."""
    event = small_event.event
    alpha = small_event.exhibitors["alpha"]
    open_window(event)
    event_id, alpha_id = event.id, alpha.id
    db.session.remove()
    solving, release = threading.Event(), threading.Event()
    real_solve = assigner.solve

    def slow_solve(*args, **kwargs):
        solving.set()
        release.wait(30)
        return real_solve(*args, **kwargs)

    monkeypatch.setattr(assigner, "solve", slow_solve)
    outcome = {}

    def in_thread(name, work):
        def target():
            with app.app_context(), app.test_request_context("/?lang=en"):
                try:
                    outcome[name] = work()
                    db.session.commit()
                except Exception as error:  # reported by the assertions below
                    db.session.rollback()
                    outcome[name] = error
                finally:
                    db.session.remove()

        thread = threading.Thread(target=target, daemon=True)
        thread.start()
        return thread

    from eventapp.booths.models import Exhibitor
    from eventapp.events.models import Event

    planner = in_thread(
        "propose",
        lambda: services.propose_plan(db.session.get(Event, event_id), time_limit=1, workers=1).id,
    )
    picker = None
    try:
        assert solving.wait(30), "the solver never started"
        started = time.monotonic()
        picker = in_thread(
            "hold",
            lambda: services.hold_booths(db.session.get(Exhibitor, alpha_id), ["A-01", "A-02"]),
        )
        picker.join(10)
        waited = time.monotonic() - started
        assert not picker.is_alive(), "picking waited for the solver"
        assert not isinstance(outcome["hold"], Exception), outcome["hold"]
        assert waited < 5
    finally:
        release.set()
        planner.join(60)
        if picker is not None:
            picker.join(60)  # a picker stuck behind the solver must not outlive the test
    assert isinstance(outcome["propose"], int), outcome["propose"]
    proposal = db.session.get(BoothPlanProposal, outcome["propose"])
    assert proposal is not None and proposal.solver_status
    assert allocations() == {"A-01": (alpha_id, "hold"), "A-02": (alpha_id, "hold")}


def test_a_proposed_booth_deleted_meanwhile_makes_the_plan_stale(small_event, monkeypatch):
    event = small_event.event
    beta = small_event.exhibitors["beta"]
    proposal = services.propose_plan(event, time_limit=1, workers=1)
    db.session.commit()
    gone = proposal.assignments[str(beta.id)][0]
    delete_booth_before_lock(monkeypatch, gone)
    with pytest.raises(services.StaleProposal) as refused:
        services.apply_proposal(proposal)
    db.session.rollback()
    assert any(gone in d and "no longer exist" in d for d in refused.value.details)
    assert allocations() == {}


def test_a_plan_applied_meanwhile_by_a_colleague_is_said_to_be_applied(small_event, monkeypatch):
    """Two organizers applying the same plan at once: the second was told the floor
    had changed ("Alpha Robotics has booths by now", "run the assigner again"), and
    ran the assigner for nobody, while the plan it applied was in place."""
    from sqlalchemy import insert, update

    from eventapp.booths.models import Booth, Exhibitor

    event = small_event.event
    proposal = services.propose_plan(event, time_limit=1, workers=1)
    db.session.commit()
    wanted = {int(k): v for k, v in proposal.assignments.items()}
    proposal_id = proposal.id  # read now: reading it in the change would begin a snapshot

    def applied(connection):
        for exhibitor_id, codes in wanted.items():
            for code in codes:
                booth_id = connection.scalar(select(Booth.id).where(Booth.code == code))
                connection.execute(
                    insert(BoothAllocation).values(
                        booth_id=booth_id, exhibitor_id=exhibitor_id, state="placed"
                    )
                )
            connection.execute(
                update(Exhibitor).where(Exhibitor.id == exhibitor_id).values(status="placed")
            )
        connection.execute(
            update(BoothPlanProposal)
            .where(BoothPlanProposal.id == proposal_id)
            .values(applied_at=utcnow())
        )

    change_before_lock(monkeypatch, applied, lock="lock_exhibitors")
    with pytest.raises(services.StaleProposal) as refused:
        services.apply_proposal(proposal)
    db.session.rollback()
    assert (refused.value.message, refused.value.details) == (
        "This plan has already been applied.",
        [],
    )
    assert len(allocations()) == sum(len(codes) for codes in wanted.values())


@pytest.mark.parametrize(
    ("lang", "no_zone_free", "too_small"),
    [
        (
            "en",
            "No booth is free in its zones (eco-friendly).",
            "It needs 2 touching booths, but no two free booths touch each other in its zones "
            "(AI·digital).",
        ),
        (
            "ko",
            "배치 가능한 구역(친환경)에 빈 부스가 없습니다.",
            "서로 붙은 부스 2개가 필요하지만, 배치 가능한 구역(AI·디지털)에는 서로 붙어 "
            "있는 빈 부스가 없습니다.",
        ),
    ],
)
def test_a_proposal_says_why_each_company_is_left_out(
    login_as, small_event, lang, no_zone_free, too_small
):
    """It named the companies left out, not why."""
    event = small_event.event
    alpha = small_event.exhibitors["alpha"]  # AI·digital, 2 booths
    nowhere, _ = add_exhibitor(event, "nowhere", count=1, zones=("eco",))  # no eco booths
    for code, booth in small_event.booths.items():
        # Hall A (AI·digital) keeps free, which do not touch.
        booth.blocked = code.startswith("A-") and code not in ("A-01", "A-10")
    db.session.commit()
    proposal = services.propose_plan(event, time_limit=1, workers=1)
    db.session.commit()
    assert sorted(proposal.left_out_ids) == sorted([alpha.id, nowhere.id])
    url = f"/e/test-expo/manage/booths/proposals/{proposal.id}?lang={lang}"
    page = login_as("organizer").get(url).get_data(as_text=True)
    items = dict(re.findall(r'<li data-exhibitor="(\d+)">(.*?)</li>', page, re.S))
    assert no_zone_free in items[str(nowhere.id)]
    assert too_small in items[str(alpha.id)]


def test_a_proposal_stored_before_reasons_were_kept_still_shows(login_as, small_event):
    alpha = small_event.exhibitors["alpha"]
    proposal = BoothPlanProposal(
        event_id=small_event.event.id, assignments={}, left_out=[alpha.id], warnings=[]
    )
    db.session.add(proposal)
    db.session.commit()
    url = f"/e/test-expo/manage/booths/proposals/{proposal.id}?lang=en"
    page = login_as("organizer").get(url).get_data(as_text=True)
    assert re.search(rf'<li data-exhibitor="{alpha.id}">Alpha Robotics · 2 booths</li>', page)


def test_the_place_rest_page_reads_the_companies_with_their_registrations(login_as, small_event):
    """The page names every company still to place: each was read on its own, some
    260 statements for the demo fair."""
    client = login_as("organizer")
    path = "/e/test-expo/manage/booths/place-rest?lang=en"

    def statements():
        # As a request of its own: the commit leaves nothing the test read loaded.
        db.session.commit()
        return statements_of(lambda: client.get(path))

    _, few = statements()
    for n in range(3):
        add_exhibitor(small_event.event, f"later{n}")
    response, many = statements()
    assert many == few
    page = response.get_data(as_text=True)
    assert all(f"Later{n} Ltd" in page for n in range(3))
