"""Place the rest: the problem built from the database, proposals, applying them
in one transaction, and refusing stale ones."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from eventapp.booths import assigner, planning, services
from eventapp.booths.models import BoothAllocation, BoothPlanProposal, ExhibitorAvoid
from eventapp.core.db import utcnow
from eventapp.extensions import db
from tests.booths.conftest import add_exhibitor, allocations, audit_actions, place


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
    small_event.booths["B-10"].blocked = True
    db.session.commit()

    built = planning.build_problem(event)
    problem = built.problem
    assert problem["format"] == "kicxup-booths/1"
    assert len(problem["booths"]) == 20
    assert ["A-01", "A-02"] in problem["adjacent"] and ["A-01", "A-06"] in problem["adjacent"]
    assert problem["blocked"] == ["A-05", "B-10"]  # blocked booth and an active hold
    assert problem["fixed"] == [{"exhibitor": eid(fixed), "booths": ["A-09", "A-10"]}]
    by_id = {e["id"]: e for e in problem["exhibitors"]}
    # Placed (even locked) exhibitors are fixed; holders, locked ones without booths and
    # pending ones are not in the problem; an expired hold does not count.
    assert set(by_id) == {eid(alpha), eid(beta), eid(fixed), eid(stale)}
    assert by_id[eid(alpha)] == {
        "id": eid(alpha),
        "size": 2,
        "zones": ["ai"],
        "wishes": ["A-01", "A-02"],
        "corner": True,
        "avoid": [eid(fixed)],
    }
    assert by_id[eid(fixed)]["avoid"] == [eid(alpha)]
    assert {e.id for e in built.to_place} == {alpha.id, beta.id, stale.id}
    parsed = assigner.parse_problem(problem)  # the assigner accepts it
    assert parsed.fixed == {eid(fixed): ("A-09", "A-10")}


def test_rule_breaking_placements_stay_fixed_or_become_blocked(small_event):
    event = small_event.event
    beta = small_event.exhibitors["beta"]
    apart, _ = add_exhibitor(event, "apart", count=2)
    place(beta, ["A-01"])  # outside its zone: kept, zones relaxed
    place(apart, ["A-03", "A-05"])  # not touching: cannot be fixed
    built = planning.build_problem(event)
    assert {"exhibitor": eid(beta), "booths": ["A-01"]} in built.problem["fixed"]
    by_id = {e["id"]: e for e in built.problem["exhibitors"]}
    assert by_id[eid(beta)]["zones"] == []
    assert eid(apart) not in by_id
    assert {"A-03", "A-05"} <= set(built.problem["blocked"])
    assert any("break the rules" in w for w in built.warnings)
    assigner.parse_problem(built.problem)


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
    assert proposal.left_out == [nowhere.id]
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


def test_newer_proposal_supersedes_older(small_event):
    event = small_event.event
    first = services.propose_plan(event, time_limit=1, workers=1)
    db.session.commit()
    services.propose_plan(event, time_limit=1, workers=1)
    db.session.commit()
    with pytest.raises(services.StaleProposal):
        services.apply_proposal(first)
    db.session.rollback()


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
    # Applying again only explains why not.
    response = client.post(f"/e/test-expo/manage/booths/proposals/{proposal.id}/apply")
    page = client.get(response.location + "?lang=en").get_data(as_text=True)
    assert "already been applied" in page
