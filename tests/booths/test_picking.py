"""Self-service picking: the rules, the window, holds that expire, confirming."""

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from eventapp.booths import services
from eventapp.booths.models import Booth, BoothAllocation, ExhibitorAvoid
from eventapp.core.audit import AuditEntry
from eventapp.core.db import utcnow
from eventapp.extensions import db
from eventapp.notifications.models import OutboxMessage
from tests.booths.conftest import (
    add_exhibitor,
    allocations,
    audit_actions,
    delete_booth_before_lock,
    move_booth_before_lock,
    open_window,
    place,
)
from tests.conftest import fair_to_come


def hold(exhibitor, codes, now=None):
    try:
        result = services.hold_booths(exhibitor, codes, now=now)
    except services.BoothError:
        db.session.rollback()
        raise
    db.session.commit()
    return result


def test_hold_two_touching_booths(picking_open):
    alpha = picking_open.exhibitors["alpha"]
    before = utcnow()
    expires = hold(alpha, ["A-01", "A-02"])
    assert allocations() == {"A-01": (alpha.id, "hold"), "A-02": (alpha.id, "hold")}
    assert timedelta(minutes=9) < expires - before <= timedelta(minutes=10, seconds=5)
    db.session.refresh(alpha)
    assert alpha.status == "approved"
    assert "booth.held" in audit_actions()


BAD_SELECTIONS = [
    (["A-01", "A-03"], "do not touch"),  # same row, one booth between them
    (["A-01", "A-07"], "do not touch"),  # diagonal neighbours share only a point
    (["B-01", "B-02"], "outside the zones"),
    (["A-01"], "Select exactly 2 booths"),
    (["A-01", "A-02", "A-03"], "Select exactly 2 booths"),
    (["A-01", "Z-99"], "Unknown booth: Z-99."),
    (["Y-98", "Z-99"], "Unknown booths: Y-98, Z-99."),
]


def test_rules_refuse_bad_selections(picking_open):
    alpha = picking_open.exhibitors["alpha"]
    for codes, fragment in BAD_SELECTIONS:
        with pytest.raises(services.BoothError) as refused:
            hold(alpha, codes)
        assert fragment in refused.value.message, codes
    assert allocations() == {}


def test_blocked_and_taken_booths_cannot_be_held(picking_open):
    alpha, beta = picking_open.exhibitors["alpha"], picking_open.exhibitors["beta"]
    services.block_booths(picking_open.event, ["A-05"], "pillar")
    db.session.commit()
    with pytest.raises(services.BoothConflict) as refused:
        hold(alpha, ["A-04", "A-05"])
    # One booth is one booth: it said "Booths A-05 are not available."
    assert refused.value.message == "Booth A-05 is not available."
    beta.zones = ["ai"]
    db.session.commit()
    hold(beta, ["A-03"])
    with pytest.raises(services.BoothConflict) as refused:
        hold(alpha, ["A-03", "A-04"])
    assert "A-03" in refused.value.message
    assert allocations() == {"A-03": (beta.id, "hold")}


@pytest.mark.parametrize("named_by", ["alpha", "beta"])
def test_avoided_competitor_is_never_a_neighbour(picking_open, named_by):
    """The avoid relation works in both directions, whoever named it."""
    alpha, beta = picking_open.exhibitors["alpha"], picking_open.exhibitors["beta"]
    beta.zones = ["ai"]
    first, second = (alpha, beta) if named_by == "alpha" else (beta, alpha)
    db.session.add(ExhibitorAvoid(exhibitor_id=first.id, avoided_id=second.id))
    db.session.commit()
    hold(alpha, ["A-01", "A-02"])
    for next_door in ("A-03", "A-06", "A-07"):
        with pytest.raises(services.BoothError) as refused:
            hold(beta, [next_door])
        assert "Alpha Robotics" in refused.value.message
    hold(beta, ["A-04"])  # one booth away is fine
    assert allocations()["A-04"] == (beta.id, "hold")


def test_avoid_also_counts_placed_booths(picking_open):
    alpha, beta = picking_open.exhibitors["alpha"], picking_open.exhibitors["beta"]
    beta.zones = ["ai"]
    db.session.add(ExhibitorAvoid(exhibitor_id=beta.id, avoided_id=alpha.id))
    db.session.commit()
    place(alpha, ["A-09", "A-10"], state="confirmed")
    with pytest.raises(services.BoothError):
        hold(beta, ["A-05"])
    hold(beta, ["A-01"])


def test_window_not_scheduled_not_yet_and_closed(small_event):
    alpha = small_event.exhibitors["alpha"]
    now = utcnow()
    with pytest.raises(services.BoothError) as refused:
        hold(alpha, ["A-01", "A-02"])
    assert "not been opened" in refused.value.message
    open_window(small_event.event, opens=now + timedelta(hours=2))
    with pytest.raises(services.BoothError) as refused:
        hold(alpha, ["A-01", "A-02"])
    assert "opens at" in refused.value.message
    open_window(small_event.event, opens=now - timedelta(days=2), closes=now - timedelta(days=1))
    with pytest.raises(services.BoothError) as refused:
        hold(alpha, ["A-01", "A-02"])
    assert "closed" in refused.value.message
    open_window(
        small_event.event, opens=now - timedelta(minutes=1), closes=now + timedelta(hours=1)
    )
    hold(alpha, ["A-01", "A-02"])


def test_priority_tier_picks_earlier(small_event):
    event = small_event.event
    now = utcnow()
    sponsor, _ = add_exhibitor(event, "sponsor", count=1, tier=1)
    regular, _ = add_exhibitor(event, "regular", count=1, tier=0)
    open_window(event, opens=now + timedelta(hours=1), priority=now - timedelta(hours=1))
    hold(sponsor, ["A-01"])
    with pytest.raises(services.BoothError):
        hold(regular, ["A-05"])
    # Once everybody may pick, the regular exhibitor gets its booth too.
    hold(regular, ["A-05"], now=now + timedelta(hours=1, minutes=1))
    assert allocations()["A-05"][0] == regular.id


def test_expired_hold_is_free_for_others_and_deleted(picking_open):
    alpha = picking_open.exhibitors["alpha"]
    other, _ = add_exhibitor(picking_open.event, "other", count=1)
    start = utcnow()
    hold(alpha, ["A-01", "A-02"], now=start)
    later = start + timedelta(minutes=11)
    hold(other, ["A-02"], now=later)
    assert allocations() == {"A-02": (other.id, "hold")}  # alpha's whole hold is gone
    assert "booth.hold_expired" in audit_actions()
    with pytest.raises(services.BoothConflict):
        services.confirm_booths(alpha, now=later)
    db.session.rollback()


def test_expire_holds_and_cli(app, picking_open):
    alpha = picking_open.exhibitors["alpha"]
    start = utcnow() - timedelta(minutes=30)
    hold(alpha, ["A-01", "A-02"], now=start)
    assert len(allocations()) == 2
    result = app.test_cli_runner().invoke(args=["booths", "release-holds"])
    assert result.exit_code == 0, result.output
    assert "Released 2" in result.output
    assert allocations() == {}


def test_plan_treats_expired_hold_as_free_even_before_cleanup(picking_open, client):
    alpha = picking_open.exhibitors["alpha"]
    hold(alpha, ["A-01", "A-02"], now=utcnow() - timedelta(minutes=30))
    data = client.get("/e/test-expo/floorplan.json").get_json()
    status = {b["code"]: b["status"] for b in data["booths"]}
    assert status["A-01"] == status["A-02"] == "free"
    assert allocations() == {}  # and the read deleted the stale rows


def test_confirm_turns_hold_into_confirmed_booths(picking_open):
    alpha = picking_open.exhibitors["alpha"]
    hold(alpha, ["A-01", "A-02"])
    services.confirm_booths(alpha)
    db.session.commit()
    assert allocations() == {"A-01": (alpha.id, "confirmed"), "A-02": (alpha.id, "confirmed")}
    db.session.refresh(alpha)
    assert alpha.status == "confirmed"
    assert all(a.expires_at is None for a in db.session.scalars(db.select(BoothAllocation)))
    with pytest.raises(services.BoothError):
        services.confirm_booths(alpha)
    db.session.rollback()
    with pytest.raises(services.BoothError):  # booths already: no new hold
        hold(alpha, ["A-04", "A-05"])


def test_confirm_rechecks_the_rules(picking_open):
    """A hold was legal when taken; confirming it later must still follow the rules."""
    alpha, beta = picking_open.exhibitors["alpha"], picking_open.exhibitors["beta"]
    db.session.add(ExhibitorAvoid(exhibitor_id=alpha.id, avoided_id=beta.id))
    db.session.commit()
    hold(alpha, ["A-01", "A-02"])
    # Meanwhile the organizers put the competitor next door (they may break rules).
    services.place_exhibitor(beta, ["A-03"])
    db.session.commit()
    with pytest.raises(services.BoothError) as refused:
        services.confirm_booths(alpha)
    db.session.rollback()
    assert "no longer follows the rules" in refused.value.message
    assert "Beta Bio" in refused.value.message
    assert allocations()["A-01"] == (alpha.id, "hold")
    # An organizer confirming on the company's page is told whose selection it is.
    with pytest.raises(services.BoothError) as refused:
        services.confirm_booths(alpha, on_behalf=True)
    db.session.rollback()
    assert refused.value.message == (
        "The booths held for Alpha Robotics no longer follow the rules: Booth A-02 stands "
        "next to Beta Bio, a competitor to keep apart. Release the hold and pick again."
    )
    db.session.refresh(alpha)
    assert alpha.status == "approved"
    # With the competitor gone the same hold confirms.
    services.unassign_exhibitor(beta)
    db.session.commit()
    services.confirm_booths(alpha)
    db.session.commit()
    assert allocations()["A-01"] == (alpha.id, "confirmed")


def test_confirm_refuses_a_hold_that_no_longer_fits_the_request(picking_open):
    alpha = picking_open.exhibitors["alpha"]
    hold(alpha, ["A-01", "A-02"])
    alpha.booth_count = 3  # changed behind the registration form's back
    db.session.commit()
    with pytest.raises(services.BoothError) as refused:
        services.confirm_booths(alpha)
    db.session.rollback()
    assert "instead of the 3 rented" in refused.value.message


def test_confirm_is_an_audited_status_change(picking_open):
    alpha = picking_open.exhibitors["alpha"]
    hold(alpha, ["A-01", "A-02"])
    services.confirm_booths(alpha)
    db.session.commit()
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "exhibitor.status_changed")
    )
    assert (entry.object_id, entry.data["from"], entry.data["to"]) == (
        str(alpha.id),
        "approved",
        "confirmed",
    )
    assert db.session.scalar(
        select(func.count())
        .select_from(OutboxMessage)
        .where(OutboxMessage.kind == "exhibitor_status")
    )


def test_a_booth_blocked_after_it_was_read_is_not_held(picking_open):
    """On PostgreSQL a Booth read before the lock may predate a block committed
    meanwhile; hold_booths must judge the booth as it is once locked."""
    from sqlalchemy.orm.attributes import set_committed_value

    alpha = picking_open.exhibitors["alpha"]
    services.block_booths(picking_open.event, ["A-02"], "pillar")
    db.session.commit()
    booth = db.session.scalar(select(Booth).where(Booth.code == "A-02"))
    assert booth.blocked
    # This transaction's copy of the booth, as read before the other one blocked it.
    set_committed_value(booth, "blocked", False)
    with pytest.raises(services.BoothConflict) as refused:
        services.hold_booths(alpha, ["A-01", "A-02"])
    db.session.rollback()
    assert "A-02" in refused.value.message
    assert allocations() == {}


def test_booth_codes_are_matched_whatever_their_case(picking_open):
    alpha = picking_open.exhibitors["alpha"]
    booth = db.session.scalar(select(Booth).where(Booth.code == "A-02"))
    booth.code = "a-02"
    db.session.commit()
    hold(alpha, ["a-01", "A-02"])
    assert allocations() == {"A-01": (alpha.id, "hold"), "a-02": (alpha.id, "hold")}
    services.place_exhibitor(picking_open.exhibitors["beta"], "b-01")
    db.session.commit()
    assert allocations()["B-01"][0] == picking_open.exhibitors["beta"].id


def test_changing_the_booth_request_releases_the_hold(picking_open, login_as):
    fair_to_come(picking_open.event)
    from eventapp.exhibitors import services as registrations

    alpha = picking_open.exhibitors["alpha"]
    hold(alpha, ["A-01", "A-02"])
    # Wishes and corner do not touch the rules: the hold stays.
    change = registrations.update_registration(
        alpha, {}, registrations.BoothRequest(booth_count=2, zones=["ai"], wishes=["A-05"])
    )
    assert change.released_booths == [] and "wishes" in change.fields
    assert len(allocations()) == 2
    # Another booth count does: the hold would no longer fit.
    change = registrations.update_registration(
        alpha, {}, registrations.BoothRequest(booth_count=3, zones=["ai"])
    )
    assert change.released_booths == ["A-01", "A-02"]
    assert allocations() == {}
    entry = db.session.scalar(
        select(AuditEntry)
        .where(AuditEntry.action == "booth.hold_released")
        .order_by(AuditEntry.id.desc())
    )
    assert entry.data == {"booths": ["A-01", "A-02"], "reason": "request_changed"}


@pytest.mark.parametrize(
    "change",
    [{"zones": ["ai", "bio"]}, {"avoid": "beta"}],
    ids=["zones", "competitors"],
)
def test_changing_zones_or_competitors_releases_the_hold_too(picking_open, login_as, change):
    fair_to_come(picking_open.event)
    alpha, beta = picking_open.exhibitors["alpha"], picking_open.exhibitors["beta"]
    hold(alpha, ["A-01", "A-02"])
    client = login_as("exhibitor_admin")
    data = {
        "name_ko": "알파로보틱스",
        "name_en": "Alpha Robotics",
        "kind": "startup",
        "sector": "ai",
        "country": "KR",
        "booth_count": "2",
        "zones": change.get("zones", ["ai"]),
    }
    if "avoid" in change:
        data["avoid"] = [str(beta.id)]
    response = client.post(f"/e/test-expo/exhibitors/{alpha.id}/edit?lang=en", data=data)
    assert response.status_code == 302
    page = client.get(response.location + "?lang=en").get_data(as_text=True)
    assert "was released because your booth request changed" in page
    assert allocations() == {}


def test_placed_exhibitor_confirms_placement(picking_open):
    beta = picking_open.exhibitors["beta"]
    place(beta, ["B-01"])
    services.confirm_booths(beta)
    db.session.commit()
    db.session.refresh(beta)
    assert beta.status == "confirmed"
    assert allocations() == {"B-01": (beta.id, "confirmed")}


def test_new_selection_replaces_hold_but_keeps_its_clock(picking_open):
    alpha = picking_open.exhibitors["alpha"]
    start = utcnow()
    first = hold(alpha, ["A-01", "A-02"], now=start)
    second = hold(alpha, ["A-02", "A-03"], now=start + timedelta(minutes=5))
    assert second == first
    assert allocations() == {"A-02": (alpha.id, "hold"), "A-03": (alpha.id, "hold")}


def test_release_hold(picking_open):
    alpha = picking_open.exhibitors["alpha"]
    hold(alpha, ["A-01", "A-02"])
    assert services.release_hold(alpha) == ["A-01", "A-02"]
    db.session.commit()
    assert allocations() == {}
    assert "booth.hold_released" in audit_actions()
    with pytest.raises(services.BoothError):
        services.release_hold(alpha)
    db.session.rollback()


def test_pending_exhibitor_cannot_pick(picking_open):
    pending, _ = add_exhibitor(picking_open.event, "pending", status="pending")
    with pytest.raises(services.BoothError):
        hold(pending, ["A-01"])


# --------------------------------------------------------------------------- through the pages


def test_pick_page_hold_and_confirm_by_form(picking_open, login_as):
    client = login_as("exhibitor_admin")
    page = client.get("/e/test-expo/my-booths?lang=en").get_data(as_text=True)
    assert 'id="hold-button"' in page and 'data-booth="A-01"' in page
    assert 'class="booth s-free z-ai pickable"' in page
    response = client.post("/e/test-expo/my-booths/hold", data={"booths": "A-01 A-02"})
    assert response.status_code == 302
    page = client.get("/e/test-expo/my-booths?lang=en").get_data(as_text=True)
    assert "are held for you until" in page
    assert 'id="confirm-button"' in page and 'id="hold-countdown"' in page
    client.post("/e/test-expo/my-booths/confirm")
    page = client.get("/e/test-expo/my-booths?lang=en").get_data(as_text=True)
    assert "are confirmed" in page
    assert 'id="hold-button"' not in page
    alpha = picking_open.exhibitors["alpha"]
    assert allocations() == {"A-01": (alpha.id, "confirmed"), "A-02": (alpha.id, "confirmed")}


def _confirm_form(page):
    """The fields the page's Confirm button sends."""
    form = re.search(r'<form[^>]*/my-booths/confirm".*?</form>', page, re.S).group(0)
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))


def test_confirming_from_a_page_showing_other_booths_confirms_nothing(picking_open, login_as):
    """A second tab held other booths: Confirm pressed in the first tab, which showed
    A-01, A-02, confirmed the second tab's A-04, A-05, booths the company never saw
    there ("Your booths A-04, A-05 are confirmed.")."""
    alpha = picking_open.exhibitors["alpha"]
    client = login_as("exhibitor_admin")
    client.post("/e/test-expo/my-booths/hold", data={"booths": "A-01 A-02"})
    first_tab = client.get("/e/test-expo/my-booths?lang=en").get_data(as_text=True)
    client.post("/e/test-expo/my-booths/hold", data={"booths": "A-04 A-05"})

    answer = client.post("/e/test-expo/my-booths/confirm?lang=en", data=_confirm_form(first_tab))
    assert answer.status_code == 302
    page = client.get("/e/test-expo/my-booths?lang=en").get_data(as_text=True)
    assert (
        "The booths to confirm changed after this page was opened: they are now A-04, A-05. "
        "Check them and confirm again." in html.unescape(page)
    )
    assert allocations() == {"A-04": (alpha.id, "hold"), "A-05": (alpha.id, "hold")}

    # The page as it stands now confirms them.
    client.post("/e/test-expo/my-booths/confirm", data=_confirm_form(page))
    assert allocations() == {"A-04": (alpha.id, "confirmed"), "A-05": (alpha.id, "confirmed")}


def test_confirming_by_json_with_other_booths_is_refused(picking_open, login_as):
    alpha = picking_open.exhibitors["alpha"]
    client = login_as("exhibitor_admin")
    client.post("/e/test-expo/my-booths/hold", data={"booths": "A-01 A-02"})
    answer = client.post(
        "/e/test-expo/my-booths/confirm?lang=en", json={"booths": ["a-02", "A-03"]}
    )
    assert answer.status_code == 409
    assert "they are now A-01, A-02." in answer.get_json()["message"]
    assert allocations() == {"A-01": (alpha.id, "hold"), "A-02": (alpha.id, "hold")}
    answer = client.post(
        "/e/test-expo/my-booths/confirm?lang=en", json={"booths": ["a-02", "A-01"]}
    )
    assert answer.status_code == 200


def test_the_pick_page_names_the_hall_to_look_for(picking_open, login_as):
    """On a phone the plan opens on the company's zone, the hall's name at its far
    corner: the page named the zone, not the hall it is in."""
    client = login_as("exhibitor_admin")
    page = client.get("/e/test-expo/my-booths?lang=en").get_data(as_text=True)
    assert '<dt>Halls</dt><dd id="my-halls">Hall A</dd>' in page
    page = client.get("/e/test-expo/my-booths?lang=ko").get_data(as_text=True)
    assert '<dd id="my-halls">A홀</dd>' in page


def test_a_hold_ending_on_another_day_shows_that_day(small_event, login_as):
    """A hold may last a whole day: its end is shown with its date, not a bare time."""
    open_window(small_event.event, hold_minutes=24 * 60)
    client = login_as("exhibitor_admin")
    held = client.post("/e/test-expo/my-booths/hold?lang=en", json={"booths": ["A-01", "A-02"]})
    assert held.status_code == 200, held.get_json()
    expires = db.session.scalar(select(BoothAllocation.expires_at))
    local = expires.astimezone(small_event.event.tz)
    when = f"{local:%b} {local.day} {local:%H:%M}"
    assert held.get_json()["message"] == (
        f"Booths A-01, A-02 are held for you until {when} (South Korea Time). "
        "Confirm them before then."
    )
    alpha = small_event.exhibitors["alpha"]
    page = client.get(f"/e/test-expo/exhibitors/{alpha.id}/?lang=en").get_data(as_text=True)
    assert f"until {when}" in page
    page = client.get(f"/e/test-expo/exhibitors/{alpha.id}/?lang=ko").get_data(as_text=True)
    assert f"{local.month}월 {local.day}일 {local:%H:%M}" in page


def test_the_picking_window_says_its_time_zone(small_event, login_as):
    """An exhibitor abroad reads the window's times as the event's, not their own clock's."""
    event = small_event.event
    event.timezone = "America/New_York"
    opens = datetime(2030, 1, 14, 14, 0, tzinfo=UTC)
    open_window(event, opens=opens, closes=opens + timedelta(days=7))
    page = login_as("exhibitor_admin").get("/e/test-expo/my-booths?lang=en").get_data(as_text=True)
    window = re.search(r'<dd id="picking-window">(.*?)</dd>', page, re.S).group(1)
    assert " ".join(window.split()) == (
        "2030-01-14 09:00 – 2030-01-21 09:00 (United States (New York) Time)"
    )


def test_pick_page_reports_rule_and_race_as_json(picking_open, login_as):
    client = login_as("exhibitor_admin")
    headers = {"Accept": "application/json"}
    bad = client.post("/e/test-expo/my-booths/hold", data={"booths": "A-01,A-03"}, headers=headers)
    assert bad.status_code == 422 and bad.get_json()["ok"] is False
    beta = picking_open.exhibitors["beta"]
    beta.zones = ["ai"]
    db.session.commit()
    hold(beta, ["A-02"])
    lost = client.post("/e/test-expo/my-booths/hold", json={"booths": ["A-01", "A-02"]})
    assert lost.status_code == 409
    body = lost.get_json()
    assert "A-02" in body["message"] and body["plan_url"].endswith("/floorplan.json")
    good = client.post("/e/test-expo/my-booths/hold", json={"booths": ["A-04", "A-05"]})
    assert good.status_code == 200 and good.get_json()["mine"]["booths"] == ["A-04", "A-05"]


def test_staff_sees_but_cannot_pick(picking_open, login_as):
    client = login_as("exhibitor_staff")
    page = client.get("/e/test-expo/my-booths?lang=en").get_data(as_text=True)
    assert "Only your company admin can pick booths." in page
    assert 'id="hold-button"' not in page


def test_editing_the_profile_keeps_a_competitor_that_withdrew(picking_open, login_as):
    """A competitor that withdrew is no longer offered in the form, so the browser does
    not send it back: saving the page must not drop it (it may register again) nor
    release the hold as if the request had changed."""
    fair_to_come(picking_open.event)
    alpha, beta = picking_open.exhibitors["alpha"], picking_open.exhibitors["beta"]
    db.session.add(ExhibitorAvoid(exhibitor_id=alpha.id, avoided_id=beta.id))
    db.session.commit()
    hold(alpha, ["A-01", "A-02"])
    beta.status = "withdrawn"
    db.session.commit()
    client = login_as("exhibitor_admin")
    url = f"/e/test-expo/exhibitors/{alpha.id}/edit?lang=en"
    response = client.post(
        url,
        data={
            "name_ko": "알파로보틱스",
            "name_en": "Alpha Robotics",
            "kind": "startup",
            "sector": "ai",
            "country": "KR",
            "description_en": "Now with a description.",
            "booth_count": "2",
            "zones": ["ai"],
        },
    )
    assert response.status_code == 302
    page = client.get(response.location + "?lang=en").get_data(as_text=True)
    assert "was released" not in page
    assert set(allocations()) == {"A-01", "A-02"}
    db.session.expire_all()
    assert [other.id for other in alpha.avoids] == [beta.id]
    assert alpha.organization.description_en == "Now with a description."


def test_a_booth_deleted_while_it_is_picked_is_refused_with_a_reason(picking_open, monkeypatch):
    alpha = picking_open.exhibitors["alpha"]
    delete_booth_before_lock(monkeypatch, "A-02")
    with pytest.raises(services.BoothConflict, match="A-02"):
        hold(alpha, ["A-01", "A-02"])
    assert allocations() == {}


def test_booths_a_new_floor_plan_moved_apart_while_picked_are_refused(picking_open, monkeypatch):
    """A floor plan imported while a company picked A-01 and A-02 moved A-02 away:
    the pick judged the booths by who touched whom before the import and held two
    booths that no longer touch."""
    alpha = picking_open.exhibitors["alpha"]
    move_booth_before_lock(monkeypatch, "A-02", x=60)
    with pytest.raises(services.BoothError, match="touch"):
        hold(alpha, ["A-01", "A-02"])
    assert allocations() == {}


@pytest.mark.parametrize(
    ("status", "said"),
    [
        ("pending", "Your registration is pending; booths come after approval."),
        (
            "rejected",
            "Your registration was rejected, so your company has no booths to pick. The "
            "company page gives the reason.",
        ),
        (
            "withdrawn",
            "Your company withdrew its registration. To pick booths, register again on the "
            "company page; the organizers review it afresh.",
        ),
    ],
)
def test_the_pick_page_says_why_a_company_cannot_pick(picking_open, login_as, status, said):
    """A rejected or withdrawn company read that its booths would come after approval,
    which none was coming to give."""
    alpha = picking_open.exhibitors["alpha"]
    alpha.status = status
    db.session.commit()
    page = login_as("exhibitor_admin").get("/e/test-expo/my-booths?lang=en").get_data(as_text=True)
    (shown,) = re.findall(r'<p class="muted" id="pick-closed">(.*?)</p>', page, re.S)
    assert said in " ".join(shown.split())
    assert status == "pending" or "after approval" not in page


def test_a_company_holding_booths_is_told_a_second_hold_replaces_the_first(picking_open, login_as):
    """The page went on with "Select 2 touching booths …, then hold them" and its Hold
    button: it did not say whether holding again adds booths or replaces the held ones."""
    client = login_as("exhibitor_admin")
    page = client.get("/e/test-expo/my-booths?lang=en").get_data(as_text=True)
    assert "Select 2 touching booths" in page and 'id="hold-again"' not in page
    hold(picking_open.exhibitors["alpha"], ["A-01", "A-02"])
    page = client.get("/e/test-expo/my-booths?lang=en").get_data(as_text=True)
    assert "they replace the booths you hold now" in page
    assert "Select 2 touching booths" not in page
    button = re.search(r'<button[^>]*id="hold-button">([^<]*)<', page).group(1)
    assert button == "Hold these instead"
    # And so it is: the second hold replaces the first.
    hold(picking_open.exhibitors["alpha"], ["A-03", "A-04"])
    assert set(allocations()) == {"A-03", "A-04"}


def test_an_organizer_picking_for_a_company_keeps_its_booths_its_own_on_refresh(
    picking_open, login_as
):
    """The organizers' picking page of a company drew the company's held booths as its
    own, but the plan's refresh every 30 seconds asked for the organizer's view: they
    turned into someone else's hold that could not be picked, and one selected there
    was dropped as "just taken by someone else"."""
    alpha = picking_open.exhibitors["alpha"]
    client = login_as("organizer")
    held = client.post(
        f"/e/test-expo/my-booths/hold?exhibitor={alpha.id}", json={"booths": ["A-01", "A-02"]}
    )
    assert held.status_code == 200, held.get_json()
    page = client.get(f"/e/test-expo/my-booths?exhibitor={alpha.id}").get_data(as_text=True)
    (state_url,) = re.findall(r'data-state-url="([^"]+)"', page)
    for url in (html.unescape(state_url), held.get_json()["plan_url"]):
        plan = client.get(url).get_json()
        statuses = {b["code"]: b["status"] for b in plan["booths"]}
        assert statuses["A-01"] == statuses["A-02"] == "yours", url
        assert plan["mine"]["booths"] == ["A-01", "A-02"] and plan["mine"]["state"] == "hold"
    # The organizer's own plan still names the holder; nobody else sees another's.
    plan = client.get("/e/test-expo/floorplan.json").get_json()
    assert {b["code"]: b["status"] for b in plan["booths"]}["A-01"] == "held"
    other = login_as("other_exhibitor")
    assert other.get(f"/e/test-expo/floorplan.json?exhibitor={alpha.id}").status_code == 403
    # A company's own admin is on its own page: the plan is its own as ever.
    page = login_as("exhibitor_admin").get("/e/test-expo/my-booths").get_data(as_text=True)
    assert 'data-state-url="/e/test-expo/floorplan.json"' in page


def test_a_hold_taken_by_another_company_as_it_is_confirmed_is_a_clear_refusal(
    picking_open, login_as, monkeypatch
):
    """Confirming in the last second of a hold while another company, whose clock
    already had the hold expired, took its booths: the confirmation wrote to rows that
    were gone and the page was a server error. It now says the booths went."""
    from sqlalchemy import delete, insert

    if db.engine.dialect.name == "sqlite":
        pytest.skip("SQLite serializes writing transactions: the race cannot happen there")
    alpha, beta = picking_open.exhibitors["alpha"], picking_open.exhibitors["beta"]
    beta.zones = ["ai"]
    db.session.commit()
    hold(alpha, ["A-01", "A-02"])
    real = services.lock_booths
    done = []

    def lock_booths(ids):
        if not done:
            done.append(True)
            # Another request, whose clock has the hold run out, frees the booths and
            # takes one, before this one locks them.
            with db.engine.begin() as connection:
                connection.execute(delete(BoothAllocation))
                connection.execute(
                    insert(BoothAllocation).values(
                        booth_id=picking_open.booths["A-01"].id,
                        exhibitor_id=beta.id,
                        state="hold",
                        expires_at=utcnow() + timedelta(minutes=10),
                        created_at=utcnow(),
                    )
                )
        return real(ids)

    monkeypatch.setattr(services, "lock_booths", lock_booths)
    client = login_as("exhibitor_admin")
    answer = client.post("/e/test-expo/my-booths/confirm?lang=en", json={})
    assert answer.status_code == 409, answer.get_data(as_text=True)[:300]
    assert "A-01, A-02" in answer.get_json()["message"]
    assert allocations() == {"A-01": (beta.id, "hold")}
    db.session.refresh(alpha)
    assert alpha.status == "approved"


def test_an_organizer_holding_for_a_company_is_told_whose_hold_it_is(picking_open, login_as):
    """Held on a company's picking page, the booths are the company's, not the
    organizer's: "held for you" told the organizer the wrong thing."""
    alpha = picking_open.exhibitors["alpha"]
    client = login_as("organizer")
    url = f"/e/test-expo/my-booths/hold?exhibitor={alpha.id}"
    held = client.post(f"{url}&lang=en", json={"booths": ["a-01", "A-02"]})
    assert held.status_code == 200, held.get_json()
    message = held.get_json()["message"]
    assert message.startswith("Booths A-01, A-02 are held for Alpha Robotics until ")
    assert "for you" not in message
    held = client.post(f"{url}&lang=ko", json={"booths": ["A-01", "A-02"]})
    message = held.get_json()["message"]
    assert message.startswith("부스 A-01, A-02") and "알파로보틱스 앞으로 임시 선점" in message
    # The form on the page says it too.
    response = client.post(url, data={"booths": "A-01 A-02"})
    assert response.status_code == 302
    page = client.get(f"/e/test-expo/my-booths?exhibitor={alpha.id}&lang=en")
    assert "Booths A-01, A-02 are held for Alpha Robotics until" in page.get_data(as_text=True)
    # The company itself is still told the booths are held for it.
    client = login_as("exhibitor_admin")
    held = client.post("/e/test-expo/my-booths/hold?lang=en", json={"booths": ["A-01", "A-02"]})
    assert held.get_json()["message"].startswith("Booths A-01, A-02 are held for you until ")
    assert allocations() == {"A-01": (alpha.id, "hold"), "A-02": (alpha.id, "hold")}


def test_an_organizer_confirming_or_releasing_for_a_company_is_told_whose_booths(
    picking_open, login_as
):
    """On a company's picking page the organizer was told "Your booths A-01, A-02 are
    confirmed." and "You released booths A-01, A-02.": the booths are the company's."""
    alpha = picking_open.exhibitors["alpha"]
    client = login_as("organizer")
    query = f"?exhibitor={alpha.id}&lang=en"
    client.post(f"/e/test-expo/my-booths/hold{query}", json={"booths": ["A-01", "A-02"]})
    released = client.post(f"/e/test-expo/my-booths/release{query}", json={})
    assert released.get_json()["message"] == (
        "The hold of Alpha Robotics on booths A-01, A-02 is released."
    )
    client.post(f"/e/test-expo/my-booths/hold{query}", json={"booths": ["A-01", "A-02"]})
    confirmed = client.post(f"/e/test-expo/my-booths/confirm{query}", json={})
    assert confirmed.get_json()["message"] == "Booths A-01, A-02 of Alpha Robotics are confirmed."
    assert allocations() == {"A-01": (alpha.id, "confirmed"), "A-02": (alpha.id, "confirmed")}
    # The company itself is still told they are its own.
    client = login_as("exhibitor_admin")
    page = client.get("/e/test-expo/my-booths?lang=en").get_data(as_text=True)
    assert "Your booths A-01, A-02 are confirmed." in page


def test_an_organizer_confirming_for_a_company_is_refused_naming_it(picking_open, login_as):
    """On a company's picking page Confirm refused the organizer with "Your booths are
    already confirmed." and "You have no booths to confirm ...": the booths are the
    company's, and so is its registration."""
    from eventapp.exhibitors import services as registrations

    alpha, beta = picking_open.exhibitors["alpha"], picking_open.exhibitors["beta"]
    client = login_as("organizer")
    query = f"?exhibitor={alpha.id}&lang=en"
    client.post(f"/e/test-expo/my-booths/hold{query}", json={"booths": ["A-01", "A-02"]})
    client.post(f"/e/test-expo/my-booths/confirm{query}", json={})
    again = client.post(f"/e/test-expo/my-booths/confirm{query}", json={})
    assert again.get_json()["message"] == "The booths of Alpha Robotics are already confirmed."
    nothing = client.post(f"/e/test-expo/my-booths/confirm?exhibitor={beta.id}&lang=en", json={})
    assert (nothing.status_code, nothing.get_json()["message"]) == (
        409,
        "Beta Bio has no booths to confirm; a hold that has expired must be picked again.",
    )
    registrations.set_status(beta, "withdrawn", notify=False)
    db.session.commit()
    gone = client.post(f"/e/test-expo/my-booths/confirm?exhibitor={beta.id}&lang=en", json={})
    assert gone.get_json()["message"] == (
        "The registration of Beta Bio is withdrawn, so there are no booths to confirm."
    )
    # The company's own people are still spoken to.
    client = login_as("exhibitor_admin")
    again = client.post("/e/test-expo/my-booths/confirm?lang=en", json={})
    assert again.get_json()["message"] == "Your booths are already confirmed."


def test_confirming_after_the_company_withdrew_says_so(picking_open, login_as):
    """Another admin of the company withdrew its registration (its hold went with it)
    while this one's page still showed the hold: Confirm answered "You have no booths to
    confirm; a hold that has expired must be picked again.", sending them to pick
    booths they no longer may."""
    from eventapp.exhibitors import services as registrations

    alpha = picking_open.exhibitors["alpha"]
    client = login_as("exhibitor_admin")
    client.post("/e/test-expo/my-booths/hold", data={"booths": "A-01 A-02"})
    page = client.get("/e/test-expo/my-booths?lang=en").get_data(as_text=True)
    registrations.set_status(alpha, "withdrawn", notify=False)
    db.session.commit()

    client.post("/e/test-expo/my-booths/confirm", data=_confirm_form(page))
    page = client.get("/e/test-expo/my-booths?lang=en").get_data(as_text=True)
    assert "Your registration is withdrawn, so there are no booths to confirm." in page
    assert "expired" not in page
    assert allocations() == {}


def test_booths_picked_in_two_halls_are_refused_naming_the_halls(picking_open):
    """Booths of two halls were refused as "do not touch each other", which read as a
    fault of the pick within one hall: the refusal says they lie in different halls."""
    alpha = picking_open.exhibitors["alpha"]
    with pytest.raises(services.BoothError) as refused:
        hold(alpha, ["A-05", "B-01"])
    assert (
        "The booths A-05, B-01 lie in different halls (Hall A, Hall B), so they cannot "
        "touch each other: choose them in one hall." in refused.value.message
    )
    with pytest.raises(services.BoothError) as refused:
        hold(alpha, ["A-01", "A-03"])
    assert "The booths A-01, A-03 do not touch each other." in refused.value.message
    assert allocations() == {}


def test_an_organizer_on_a_companys_picking_page_reads_whose_booths_it_shows(
    picking_open, login_as
):
    """The page an organizer opens for a company said "You hold booths …", "Release my
    hold", and, with nothing held, "You hold no booths.": none of it theirs."""
    alpha = picking_open.exhibitors["alpha"]
    client = login_as("organizer")
    query = f"?exhibitor={alpha.id}&lang=en"
    released = client.post(f"/e/test-expo/my-booths/release{query}", json={})
    assert released.get_json()["message"] == "No booths are held for Alpha Robotics."
    client.post(f"/e/test-expo/my-booths/hold{query}", json={"booths": ["A-01", "A-02"]})
    page = client.get(f"/e/test-expo/my-booths{query}").get_data(as_text=True)
    assert "Alpha Robotics holds booths A-01, A-02." in page and "You hold" not in page
    assert "Release the hold" in page and "Release my hold" not in page
    client.post(f"/e/test-expo/my-booths/confirm{query}", json={})
    page = client.get(f"/e/test-expo/my-booths{query}").get_data(as_text=True)
    assert "Booths A-01, A-02 of Alpha Robotics are confirmed." in page
    assert "Your booths" not in page
    # The company's own people still read them as theirs.
    client = login_as("exhibitor_admin")
    page = client.get("/e/test-expo/my-booths?lang=en").get_data(as_text=True)
    assert "Your booths A-01, A-02 are confirmed." in page
