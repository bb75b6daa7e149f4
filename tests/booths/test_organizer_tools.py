"""Organizer tools: block, place, move, swap, unassign, lock, and the violations
their manual edits may cause."""

import re
from datetime import UTC, timedelta

import pytest
from sqlalchemy import select

from eventapp.booths import services, state
from eventapp.booths.models import Booth, ExhibitorAvoid
from eventapp.core.audit import AuditEntry
from eventapp.core.db import utcnow
from eventapp.extensions import db
from tests.booths.conftest import (
    add_exhibitor,
    allocations,
    audit_actions,
    delete_booth_before_lock,
    place,
)


def commit(result=None):
    db.session.commit()
    return result


def kinds(event):
    return {v.exhibitor.id: sorted(b.kind for b in v.breaches) for v in state.violations(event)}


def test_block_and_unblock(small_event):
    event = small_event.event
    commit(services.block_booths(event, "A-05 A-10", "pillar"))
    booth = db.session.scalar(select(Booth).where(Booth.code == "A-05"))
    assert booth.blocked and booth.blocked_reason == "pillar"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "booth.blocked"))
    assert entry.data == {"booths": ["A-05", "A-10"], "reason": "pillar"}
    commit(services.unblock_booths(event, ["A-05"]))
    db.session.refresh(booth)
    assert not booth.blocked and booth.blocked_reason == ""
    assert "booth.unblocked" in audit_actions()


def test_unblocking_a_booth_that_is_not_blocked_says_so(login_as, small_event):
    """ "Unblocked A-01." was said of a booth that was never blocked; of several
    selected, only those blocked are unblocked and named."""
    commit(services.block_booths(small_event.event, "A-05", "pillar"))
    client = login_as("organizer")
    url = "/e/test-expo/manage/booths/unblock"
    page = client.post(url, data={"booths": "A-01"}, follow_redirects=True)
    assert "A-01 is not blocked." in page.get_data(as_text=True)
    page = client.post(url + "?lang=ko", data={"booths": "A-01 A-02"}, follow_redirects=True)
    assert "A-01, A-02 부스는 차단된 상태가 아닙니다." in page.get_data(as_text=True)
    page = client.post(url + "?lang=en", data={"booths": "A-04 A-05"}, follow_redirects=True)
    assert "Unblocked A-05." in page.get_data(as_text=True)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "booth.unblocked"))
    assert entry.data == {"booths": ["A-05"]}
    db.session.expire_all()
    assert not db.session.scalar(select(Booth).where(Booth.code == "A-05")).blocked


def test_allocated_booths_cannot_be_blocked(small_event):
    place(small_event.exhibitors["alpha"], ["A-01", "A-02"])
    with pytest.raises(services.BoothError) as refused:
        services.block_booths(small_event.event, ["A-02", "A-03"])
    db.session.rollback()
    assert "A-02" in refused.value.message
    assert not db.session.scalar(select(Booth.blocked).where(Booth.code == "A-03"))


def test_refusals_for_booths_in_use_name_whose_they_are(login_as, picking_open):
    """ "Booths A-02 are allocated; unassign them first." and "Booths A-02 belong to
    other exhibitors." left the organizer to find on the plan whom to unassign or move."""
    alpha, beta = picking_open.exhibitors["alpha"], picking_open.exhibitors["beta"]
    services.hold_booths(alpha, ["A-01", "A-02"])
    commit(services.place_exhibitor(beta, ["A-03"]))
    gamma, _user = add_exhibitor(picking_open.event, "gamma", count=2)
    client = login_as("organizer")
    client.post("/e/test-expo/manage/booths/block", data={"booths": "A-02 A-04"})
    page = client.get("/e/test-expo/manage/booths/?lang=en").get_data(as_text=True)
    assert "Booth A-02 (Alpha Robotics, held) is allocated; unassign it first." in page
    client.post(
        "/e/test-expo/manage/booths/place",
        data={"booths": "A-02 A-03", "exhibitor": gamma.id},
    )
    page = client.get("/e/test-expo/manage/booths/?lang=en").get_data(as_text=True)
    assert (
        "Booths A-02 (Alpha Robotics, held), A-03 (Beta Bio, placed) belong to other "
        "exhibitors." in page
    )
    assert not db.session.scalar(select(Booth.blocked).where(Booth.code == "A-04"))


def test_place_may_break_rules_and_violations_show_it(small_event):
    event = small_event.event
    beta = small_event.exhibitors["beta"]
    breaches = commit(services.place_exhibitor(beta, ["A-01"]))
    assert [b.kind for b in breaches] == ["zone"]
    assert allocations() == {"A-01": (beta.id, "placed")}
    db.session.refresh(beta)
    assert beta.status == "placed"
    assert kinds(event) == {beta.id: ["zone"]}
    assert "booth.placed" in audit_actions()


def test_move_frees_the_old_booths(small_event):
    beta = small_event.exhibitors["beta"]
    commit(services.place_exhibitor(beta, ["B-01"]))
    commit(services.move_exhibitor(beta, ["B-05"]))
    assert allocations() == {"B-05": (beta.id, "placed")}
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "booth.moved"))
    assert entry.data == {"booths": ["B-05"], "from": ["B-01"]}


def test_place_refuses_taken_blocked_and_unapproved(small_event):
    event = small_event.event
    alpha, beta = small_event.exhibitors["alpha"], small_event.exhibitors["beta"]
    commit(services.place_exhibitor(alpha, ["A-01", "A-02"]))
    with pytest.raises(services.BoothConflict):
        services.place_exhibitor(beta, ["A-02"])
    db.session.rollback()
    commit(services.block_booths(event, ["B-01"]))
    with pytest.raises(services.BoothError):
        services.place_exhibitor(beta, ["B-01"])
    db.session.rollback()
    pending, _ = add_exhibitor(event, "pending", status="pending")
    with pytest.raises(services.BoothError):
        services.place_exhibitor(pending, ["B-02"])
    db.session.rollback()
    assert allocations() == {"A-01": (alpha.id, "placed"), "A-02": (alpha.id, "placed")}


def status_changes(exhibitor):
    return [
        (e.data["from"], e.data["to"])
        for e in db.session.scalars(
            select(AuditEntry)
            .where(
                AuditEntry.action == "exhibitor.status_changed",
                AuditEntry.object_id == str(exhibitor.id),
            )
            .order_by(AuditEntry.id)
        )
    ]


def test_swap_two_exhibitors(small_event):
    event = small_event.event
    alpha = small_event.exhibitors["alpha"]
    twin, _ = add_exhibitor(event, "twin", count=2, zones=("ai",))
    place(alpha, ["A-01", "A-02"], state="confirmed")
    place(twin, ["A-09", "A-10"], state="placed")
    commit(services.swap_exhibitors(alpha, twin))
    assert allocations() == {
        "A-01": (twin.id, "placed"),
        "A-02": (twin.id, "placed"),
        "A-09": (alpha.id, "placed"),
        "A-10": (alpha.id, "placed"),
    }
    db.session.refresh(alpha)
    # New booths want a new confirmation; the step back is audited, not silent.
    assert alpha.status == "placed"
    assert status_changes(alpha) == [("confirmed", "placed")]
    assert kinds(event) == {}
    with pytest.raises(services.BoothError):
        services.swap_exhibitors(alpha, alpha)
    db.session.rollback()


def test_swap_refuses_different_booth_counts(small_event):
    """Swapping a 2-booth exhibitor with a 1-booth one left both with the wrong count."""
    alpha, beta = small_event.exhibitors["alpha"], small_event.exhibitors["beta"]
    place(alpha, ["A-01", "A-02"], state="confirmed")
    place(beta, ["B-01"], state="confirmed")
    with pytest.raises(services.BoothError) as refused:
        services.swap_exhibitors(alpha, beta)
    db.session.rollback()
    assert "rents 2 booths" in refused.value.message and "Beta Bio" in refused.value.message
    assert allocations() == {
        "A-01": (alpha.id, "confirmed"),
        "A-02": (alpha.id, "confirmed"),
        "B-01": (beta.id, "confirmed"),
    }
    db.session.refresh(alpha)
    assert alpha.status == "confirmed"


def test_swap_refuses_zone_and_competitor_breaches(small_event):
    event = small_event.event
    beta = small_event.exhibitors["beta"]  # zone bio, 1 booth
    solo, _ = add_exhibitor(event, "solo", count=1, zones=("ai",))
    place(beta, ["B-01"])
    place(solo, ["A-01"])
    with pytest.raises(services.BoothError) as refused:
        services.swap_exhibitors(beta, solo)
    db.session.rollback()
    details = " ".join(refused.value.details)
    assert "Beta Bio: Booth A-01 lies outside the zones bio-health." in details
    assert "Solo Ltd: Booth B-01 lies outside the zones AI·digital." in details

    # Same zones, but the exchange would put one next to a competitor it avoids.
    other, _ = add_exhibitor(event, "other", count=1, zones=("ai",))
    rival, _ = add_exhibitor(event, "rival", count=1, zones=("ai",))
    place(other, ["A-05"])
    place(rival, ["A-02"])
    db.session.add(ExhibitorAvoid(exhibitor_id=other.id, avoided_id=rival.id))
    db.session.commit()
    with pytest.raises(services.BoothError) as refused:
        services.swap_exhibitors(solo, other)
    db.session.rollback()
    assert any("Other Ltd" in d and "Rival Ltd" in d for d in refused.value.details)
    assert allocations()["A-01"] == (solo.id, "placed")


def test_swap_refuses_locked_exhibitors(small_event):
    event = small_event.event
    alpha = small_event.exhibitors["alpha"]
    twin, _ = add_exhibitor(event, "twin", count=2, zones=("ai",))
    place(alpha, ["A-01", "A-02"])
    place(twin, ["A-09", "A-10"])
    commit(services.set_locked(twin, True))
    with pytest.raises(services.BoothError) as refused:
        services.swap_exhibitors(alpha, twin)
    db.session.rollback()
    assert "Twin Ltd is locked" in refused.value.message
    assert allocations()["A-09"] == (twin.id, "placed")


def test_unassign(small_event):
    alpha = small_event.exhibitors["alpha"]
    place(alpha, ["A-01", "A-02"], state="confirmed")
    assert commit(services.unassign_exhibitor(alpha)) == ["A-01", "A-02"]
    assert allocations() == {}
    db.session.refresh(alpha)
    assert alpha.status == "approved"
    with pytest.raises(services.BoothError):
        services.unassign_exhibitor(alpha)
    db.session.rollback()


def test_lock_and_unlock(small_event):
    alpha = small_event.exhibitors["alpha"]
    commit(services.set_locked(alpha, True))
    db.session.refresh(alpha)
    assert alpha.locked
    commit(services.set_locked(alpha, False))
    assert audit_actions()[-2:] == ["exhibitor.locked", "exhibitor.unlocked"]


def test_violations_name_the_zones_in_the_pages_language(login_as, small_event):
    beta = small_event.exhibitors["beta"]  # zone bio
    commit(services.place_exhibitor(beta, ["A-01"]))
    client = login_as("organizer")
    page = client.get("/e/test-expo/manage/booths/violations?lang=ko").get_data(as_text=True)
    assert "부스 A-01이 바이오헬스 구역을 벗어납니다." in page
    page = client.get("/e/test-expo/manage/booths/violations?lang=en").get_data(as_text=True)
    assert "Booth A-01 lies outside the zones bio-health." in page


def test_violations_list_every_kind(small_event):
    event = small_event.event
    alpha, beta = small_event.exhibitors["alpha"], small_event.exhibitors["beta"]
    other, _ = add_exhibitor(event, "other", count=2, zones=("ai",))
    db.session.add(ExhibitorAvoid(exhibitor_id=alpha.id, avoided_id=beta.id))
    db.session.commit()
    commit(services.place_exhibitor(alpha, ["A-01", "A-03"]))  # not touching
    commit(services.place_exhibitor(beta, ["A-02"]))  # wrong zone, next to alpha
    commit(services.place_exhibitor(other, ["A-09", "A-10"]))  # fine
    found = kinds(event)
    assert found[alpha.id] == ["avoid", "touching"]
    assert found[beta.id] == ["avoid", "zone"]
    assert other.id not in found


def test_organizer_pages_drive_the_tools(login_as, small_event):
    alpha, beta = small_event.exhibitors["alpha"], small_event.exhibitors["beta"]
    client = login_as("organizer")
    base = "/e/test-expo/manage/booths"
    response = client.post(f"{base}/place", data={"booths": "A-01 A-02", "exhibitor": alpha.id})
    assert response.status_code == 302
    client.post(f"{base}/place", data={"booths": "A-06", "exhibitor": beta.id})
    page = client.get(f"{base}/?lang=en").get_data(as_text=True)
    assert "now stands on A-06" in page and "Rule broken" in page
    assert 'data-booth="A-06"' in page and 'id="place-button"' in page
    client.post(f"{base}/block", data={"booths": "B-10", "reason": "stairs"})
    # Different booth counts: refused with the reason, nothing moves.
    client.post(f"{base}/swap", data={"first": alpha.id, "second": beta.id})
    page = client.get(f"{base}/?lang=en").get_data(as_text=True)
    assert "only exhibitors renting the same number of booths can swap" in page
    twin, _ = add_exhibitor(small_event.event, "twin", count=2, zones=("ai",))
    client.post(f"{base}/place", data={"booths": "A-09 A-10", "exhibitor": twin.id})
    client.post(f"{base}/swap", data={"first": alpha.id, "second": twin.id})
    client.post(f"{base}/lock", data={"exhibitor": alpha.id, "locked": "1"})
    assert allocations() == {
        "A-01": (twin.id, "placed"),
        "A-02": (twin.id, "placed"),
        "A-06": (beta.id, "placed"),
        "A-09": (alpha.id, "placed"),
        "A-10": (alpha.id, "placed"),
    }
    violations = client.get(f"{base}/violations?lang=en").get_data(as_text=True)
    assert 'data-kind="zone"' in violations
    client.post(f"{base}/unassign", data={"exhibitor": beta.id})
    response = client.post(f"{base}/place", data={"booths": "B-10", "exhibitor": beta.id})
    page = client.get(f"{base}/?lang=en").get_data(as_text=True)
    assert "Booth B-10 is blocked." in page
    assert beta.id not in {e for e, _s in allocations().values()}
    db.session.refresh(alpha)
    assert alpha.locked
    assert {
        "booth.placed",
        "booth.blocked",
        "booth.swapped",
        "exhibitor.locked",
        "booth.unassigned",
    } <= set(audit_actions())


def test_settings_page_sets_the_window_in_seoul_time(login_as, small_event):
    from eventapp.booths.models import BoothSettings

    client = login_as("organizer")
    response = client.post(
        "/e/test-expo/manage/booths/settings",
        data={
            "picking_opens_at": "2025-08-01T10:00",
            "priority_opens_at": "2025-07-31T10:00",
            "picking_closes_at": "2025-08-15T18:00",
            "hold_minutes": "15",
            "assigner_time_limit": "5",
        },
    )
    assert response.status_code == 302
    settings = db.session.get(BoothSettings, small_event.event.id)
    db.session.refresh(settings)
    assert settings.picking_opens_at.isoformat() == "2025-08-01T01:00:00+00:00"
    assert settings.priority_opens_at.hour == 1 and settings.hold_minutes == 15
    assert settings.assigner_time_limit == 5
    bad = client.post(
        "/e/test-expo/manage/booths/settings?lang=en",
        data={
            "picking_opens_at": "2025-08-10T10:00",
            "picking_closes_at": "2025-08-01T10:00",
            "hold_minutes": "10",
            "assigner_time_limit": "20",
        },
    )
    assert bad.status_code == 200
    assert "Picking must close after it opens." in bad.get_data(as_text=True)


def test_picking_times_name_the_events_time_zone(login_as, small_event):
    """The times are typed and shown in the event's time zone, which need not be Seoul's."""
    from datetime import datetime

    from eventapp.booths.models import BoothSettings

    event = small_event.event
    event.timezone = "Asia/Tokyo"
    settings = db.session.get(BoothSettings, event.id)
    settings.picking_opens_at = datetime(2025, 8, 1, 1, 0, tzinfo=UTC)
    db.session.commit()
    client = login_as("organizer")
    for lang, label, window in (
        ("en", "Picking opens (Japan Time)", "Picking: 2025-08-01 10:00 – … (Japan Time)."),
        ("ko", "선택 시작 (일본 시간)", "선택 기간: 2025-08-01 10:00 – … (일본 시간)."),
    ):
        page = client.get(f"/e/test-expo/manage/booths/settings?lang={lang}")
        page = page.get_data(as_text=True)
        assert label in page and "Seoul" not in page and "서울" not in page
        page = client.get(f"/e/test-expo/manage/booths/?lang={lang}").get_data(as_text=True)
        assert window in page
    page = client.get("/e/test-expo/meetings/manage/settings?lang=en").get_data(as_text=True)
    assert "Requests and booking open (Japan Time)" in page and "Seoul time" not in page


def test_settings_refuse_a_picking_window_past_the_fair(login_as, small_event):
    """Booths are picked for the fair: a window reaching past its last day (the 18th)
    would let exhibitors pick after it is over. Closing as the last day ends is in time."""
    from eventapp.booths.models import BoothSettings

    client = login_as("organizer")
    fields = {"hold_minutes": "12", "assigner_time_limit": "20"}
    late = [
        {"picking_opens_at": "2025-08-01T10:00", "picking_closes_at": "2025-09-19T00:01"},
        {"picking_opens_at": "2025-09-19T00:00", "picking_closes_at": ""},
        {"priority_opens_at": "2025-09-20T09:00", "picking_closes_at": ""},
    ]
    for window in late:
        page = client.post("/e/test-expo/manage/booths/settings?lang=en", data=fields | window)
        assert page.status_code == 200, window
        assert (
            "Booth picking must close by the end of the fair&#39;s last day, 2025-09-18."
            in page.get_data(as_text=True)
        ), window
    settings = db.session.get(BoothSettings, small_event.event.id)
    db.session.refresh(settings)
    assert settings.picking_closes_at is None and settings.hold_minutes != 12
    in_time = {"picking_opens_at": "2025-08-01T10:00", "picking_closes_at": "2025-09-19T00:00"}
    response = client.post("/e/test-expo/manage/booths/settings", data=fields | in_time)
    assert response.status_code == 302
    db.session.refresh(settings)
    assert settings.picking_closes_at.isoformat() == "2025-09-18T15:00:00+00:00"


def test_a_window_kept_as_it_is_does_not_block_the_hold_time(login_as, small_event):
    """The demo keeps picking open now, beside a fair of 2025: saving the booth
    settings with the window as it is (only the hold time changed) was refused for
    the window. A change of the window is still judged."""
    from datetime import UTC, datetime

    from eventapp.booths.models import BoothSettings

    settings = db.session.get(BoothSettings, small_event.event.id)
    settings.picking_opens_at = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
    settings.picking_closes_at = datetime(2027, 1, 1, 1, 0, tzinfo=UTC)
    db.session.commit()
    client = login_as("organizer")
    kept = {"picking_opens_at": "2026-12-01T10:00", "picking_closes_at": "2027-01-01T10:00"}
    fields = {"hold_minutes": "12", "assigner_time_limit": "20"}
    response = client.post("/e/test-expo/manage/booths/settings", data=fields | kept)
    assert response.status_code == 302
    db.session.refresh(settings)
    assert settings.hold_minutes == 12
    moved = kept | {"picking_closes_at": "2027-01-02T10:00"}
    page = client.post("/e/test-expo/manage/booths/settings?lang=en", data=fields | moved)
    assert "Booth picking must close by the end of the fair" in page.get_data(as_text=True)


def test_settings_refuse_a_time_utc_cannot_hold(login_as, small_event):
    # Midnight of 1 January of year 1 in Seoul is still in year 0 in UTC.
    page = login_as("organizer").post(
        "/e/test-expo/manage/booths/settings?lang=en",
        data={"picking_opens_at": "0001-01-01T00:00", "hold_minutes": "10"}
        | {"assigner_time_limit": "20"},
    )
    assert page.status_code == 200
    assert "Not a valid date and time." in page.get_data(as_text=True)


def test_a_booth_deleted_before_it_is_placed_is_refused_with_a_reason(small_event, monkeypatch):
    beta = small_event.exhibitors["beta"]
    delete_booth_before_lock(monkeypatch, "B-02")
    with pytest.raises(services.BoothError, match="B-02 no longer exist"):
        services.place_exhibitor(beta, ["B-01", "B-02"])
    db.session.rollback()
    assert allocations() == {}


def test_rule_messages_agree_with_the_number_of_booths():
    from eventapp.booths.rules import Breach

    one, two = ("A-01",), ("A-01", "A-02")
    zones = {"zones": ["bio"]}
    assert Breach("zone", one, zones).message == "Booth A-01 lies outside the zones bio-health."
    assert Breach("zone", two, zones).message == (
        "Booths A-01, A-02 lie outside the zones bio-health."
    )
    assert Breach("avoid", one, {"other": "Beta Bio"}).message.startswith(
        "Booth A-01 stands next to Beta Bio"
    )
    assert Breach("blocked", two).message == "Booths A-01, A-02 are blocked."


def test_after_an_action_the_editor_returns_where_it_was_taken(login_as, small_event):
    """Every action reloaded the page at its top, its message up there too: after
    locking an exhibitor far down the table the organizer scrolled back to it. The
    redirect now leads to #action-result, which holds the messages where the action
    was taken: above the booth form, above the swap form, or in the exhibitor's row."""
    alpha, beta = small_event.exhibitors["alpha"], small_event.exhibitors["beta"]
    client = login_as("organizer")
    base = "/e/test-expo/manage/booths"
    client.get(f"{base}/")  # shows what signing in had to say

    def result_then(page, marker):
        """The messages shown at #action-result, which must come right before `marker`."""
        start = page.index('id="action-result"')
        assert page.index(marker, start) - start < 600, marker
        assert page.count('id="action-result"') == 1
        return re.findall(r'<div class="flash flash-\w+" role="status">([^<]*)</div>', page)

    response = client.post(f"{base}/block", data={"booths": "B-03", "reason": "stairs"})
    assert response.location.endswith("#action-result")
    assert "at=booths" in response.location and "show=B-03" in response.location
    page = client.get(response.location.replace("?", "?lang=en&")).get_data(as_text=True)
    assert result_then(page, 'id="booth-action-form"') == ["Blocked B-03."]
    assert 'data-show="B-03"' in page
    # Nothing stays selected for the next action.
    assert 'class="booth s-blocked z-bio selected"' not in page

    response = client.post(f"{base}/lock", data={"exhibitor": beta.id, "locked": "1"})
    assert f"at={beta.id}" in response.location
    page = client.get(response.location.replace("?", "?lang=en&")).get_data(as_text=True)
    messages = result_then(page, f'<tr data-exhibitor="{beta.id}">')
    assert messages == ["Beta Bio is locked; the assigner will not touch it."]

    response = client.post(f"{base}/swap", data={"first": alpha.id, "second": beta.id})
    assert "at=swap" in response.location
    page = client.get(response.location.replace("?", "?lang=en&")).get_data(as_text=True)
    assert result_then(page, 'id="swap-form"')

    # A refused action keeps the booths typed, its reason above the form.
    response = client.post(f"{base}/unblock", data={"booths": "A-01"})
    assert "booths=A-01" in response.location
    page = client.get(response.location.replace("?", "?lang=en&")).get_data(as_text=True)
    assert result_then(page, 'id="booth-action-form"') == ["A-01 is not blocked."]

    # Opened again, or with `at` naming nothing on the page: messages at the top.
    client.post(f"{base}/block", data={"booths": "B-04"})
    page = client.get(f"{base}/?lang=en&at=nowhere").get_data(as_text=True)
    assert 'id="action-result"' not in page
    assert page.index("Blocked B-04.") < page.index("<h1>")


@pytest.mark.parametrize(
    ("url", "data", "said"),
    [
        (
            "/e/test-expo/manage/booths/settings",
            {"hold_minutes": "0", "assigner_time_limit": "20"},
            "Number must be between 1 and 1440.",
        ),
        (
            "/e/test-expo/manage/booths/settings",
            {"hold_minutes": "10", "assigner_time_limit": "0"},
            "Number must be between 1 and 600.",
        ),
        (
            "/e/test-expo/manage/booths/place-rest",
            {"time_limit": "0"},
            "Number must be between 1 and 600.",
        ),
    ],
)
def test_a_zero_typed_is_refused_as_out_of_range(login_as, small_event, url, data, said):
    """A 0 typed was refused with "This field is required." beside a field that held it."""
    page = login_as("organizer").post(url + "?lang=en", data=data).get_data(as_text=True)
    assert said in page
    assert "This field is required." not in page


@pytest.mark.parametrize(
    ("action", "said"), [("place", "now stands on A-01, A-02."), ("move", "moved to A-01, A-02.")]
)
def test_placing_names_the_booths_by_their_codes_not_as_typed(login_as, small_event, action, said):
    alpha = small_event.exhibitors["alpha"]
    if action == "move":
        place(alpha, ["A-09", "A-10"])
    client = login_as("organizer")
    response = client.post(
        f"/e/test-expo/manage/booths/{action}",
        data={"booths": "a-02, a-01 A-02", "exhibitor": alpha.id},
    )
    assert response.status_code == 302
    page = client.get("/e/test-expo/manage/booths/?lang=en").get_data(as_text=True)
    assert f"Alpha Robotics {said}" in page
    assert "a-0" not in page
    assert allocations() == {"A-01": (alpha.id, "placed"), "A-02": (alpha.id, "placed")}


def test_booth_codes_typed_in_full_width_find_the_booths(login_as, small_event):
    """A Korean input method in full-width mode types "Ａ－０１，ａ－０２": it was
    refused as "Unknown booths: Ａ－０１，ａ－０２." though the booths are there."""
    alpha = small_event.exhibitors["alpha"]
    client = login_as("organizer")
    response = client.post(
        "/e/test-expo/manage/booths/place",
        data={"booths": "Ａ－０１，ａ－０２", "exhibitor": alpha.id},
    )
    assert response.status_code == 302
    page = client.get("/e/test-expo/manage/booths/?lang=en").get_data(as_text=True)
    assert "Alpha Robotics now stands on A-01, A-02." in page
    assert allocations() == {"A-01": (alpha.id, "placed"), "A-02": (alpha.id, "placed")}


def _window_line(page):
    """The line under the booth tools that says when picking opens, as read (the
    page's first muted paragraph)."""
    line = re.search(r'<p class="muted"[^>]*>(.*?)</p>', page, re.S).group(1)
    return " ".join(line.split())


def test_the_booth_tools_say_when_priority_picking_opens(login_as, small_event):
    """With only the priority tier's window set, the page said "Picking has not been
    opened." and nowhere when the priority tier could start."""
    from eventapp.booths.models import BoothSettings

    event = small_event.event
    settings = db.session.get(BoothSettings, event.id)
    now = utcnow().replace(second=0, microsecond=0)

    def local(moment):
        return f"{moment.astimezone(event.tz):%Y-%m-%d %H:%M}"

    def line(lang="en"):
        page = client.get(f"/e/test-expo/manage/booths/?lang={lang}").get_data(as_text=True)
        return _window_line(page)

    client = login_as("organizer")
    assert line().startswith("Picking has not been opened.")

    soon, later = now + timedelta(days=1), now + timedelta(days=2)
    settings.priority_opens_at = soon
    db.session.commit()
    said = line()
    assert said.startswith(
        f"Picking opens for priority tier 1 at {local(soon)} (South Korea Time). "
        "Picking for everybody else has not been scheduled."
    ), said
    assert "has not been opened" not in said
    said = line("ko")
    assert f"우선순위 1등급은 {local(soon)}(대한민국 시간)에 선택을 시작합니다." in said, said

    settings.picking_opens_at = later
    settings.picking_closes_at = later + timedelta(days=1)
    db.session.commit()
    assert line().startswith(
        f"Picking opens for priority tier 1 at {local(soon)} (South Korea Time). "
        f"Picking for everybody: {local(later)} – {local(later + timedelta(days=1))} "
        "(South Korea Time)."
    )

    earlier = now - timedelta(hours=1)
    settings.priority_opens_at = earlier
    db.session.commit()
    assert line().startswith(
        f"Picking is open for priority tier 1 since {local(earlier)} (South Korea Time). "
        f"Picking for everybody: {local(later)} –"
    )

    # Without an earlier start for the priority tier, one window for all, as before.
    settings.priority_opens_at = None
    db.session.commit()
    assert line().startswith(
        f"Picking: {local(later)} – {local(later + timedelta(days=1))} (South Korea Time)."
    )


def test_a_block_reason_too_long_is_refused_not_cut(login_as, small_event):
    """A reason over the 200 characters the booth keeps was cut without a word: the
    organizers' note lost its end. It is refused, saying how long it is."""
    client = login_as("organizer")
    url = "/e/test-expo/manage/booths/block?lang=en"
    page = client.get("/e/test-expo/manage/booths/?lang=en").get_data(as_text=True)
    assert re.search(r'id="block-reason"[^>]*maxlength="200"', page)
    reason = "Fire exit: keep clear. " * 9  # 207 characters, 206 once stripped
    page = client.post(url, data={"booths": "A-05", "reason": reason}, follow_redirects=True)
    assert "The reason for blocking is 206 characters long; keep it to 200." in page.get_data(
        as_text=True
    )
    db.session.expire_all()
    assert not db.session.scalar(select(Booth).where(Booth.code == "A-05")).blocked
    reason = "Pillar " + "x" * 193  # 200 characters
    page = client.post(url, data={"booths": "A-05", "reason": reason}, follow_redirects=True)
    assert "Blocked A-05." in page.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(Booth).where(Booth.code == "A-05")).blocked_reason == reason


def test_booths_named_in_the_link_are_selected_on_the_plan_however_typed(login_as, small_event):
    """The booths page marked only "A-01" as selected from ?booths=A-01: "a-01" or a
    full-width "Ａ－０２" selected nothing without the page's script, though the actions
    find them."""
    client = login_as("organizer")
    page = client.get(
        "/e/test-expo/manage/booths/?booths=a-01,%EF%BC%A1%EF%BC%8D%EF%BC%90%EF%BC%92"
    )
    text = page.get_data(as_text=True)
    pressed = re.findall(r'data-booth="([^"]+)"[^>]*aria-pressed="true"', text)
    assert sorted(pressed) == ["A-01", "A-02"]
