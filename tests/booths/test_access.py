"""Who may reach each booth page, and exhibitors never act for another company."""

from eventapp.booths import services
from eventapp.booths.models import BoothPlanProposal
from eventapp.extensions import db
from tests.booths.conftest import allocations, open_window, place
from tests.conftest import ROLE_NAMES, add_other_event, assert_access

EVERYONE = set(ROLE_NAMES)
EXHIBITORS = {"exhibitor_admin", "exhibitor_staff", "other_exhibitor", "organizer"}
COMPANY_ADMINS = {"exhibitor_admin", "other_exhibitor", "organizer"}
ORGANIZERS = {"organizer"}
BASE = "/e/test-expo"


def test_public_pages(login_as):
    for path in ["/floorplan", "/floorplan.json", "/floorplan.pdf", "/booths", "/booths?zone=ai"]:
        assert_access(login_as, BASE + path, EVERYONE)


def test_picking_page_is_for_exhibitors(login_as):
    assert_access(login_as, BASE + "/my-booths", EXHIBITORS)


def test_picking_actions_are_for_company_admins(login_as, small_event):
    open_window(small_event.event)
    for action in ("hold", "confirm", "release"):
        assert_access(
            login_as,
            f"{BASE}/my-booths/{action}",
            COMPANY_ADMINS,
            method="post",
            data={"booths": "A-01 A-02"},
        )


ORGANIZER_PAGES = [
    "/manage/booths/",
    "/manage/booths/import",
    "/manage/booths/settings",
    "/manage/booths/violations",
    "/manage/booths/place-rest",
    "/manage/booths/export.csv",
    "/manage/booths/export.xlsx",
    "/manage/booths/floorplan.csv",
]


def test_organizer_pages(login_as):
    for path in ORGANIZER_PAGES:
        assert_access(login_as, BASE + path, ORGANIZERS)


def test_proposal_page(login_as, small_event):
    proposal = BoothPlanProposal(event_id=small_event.event.id, assignments={}, left_out=[])
    db.session.add(proposal)
    db.session.commit()
    assert_access(login_as, f"{BASE}/manage/booths/proposals/{proposal.id}", ORGANIZERS)
    assert_access(
        login_as, f"{BASE}/manage/booths/proposals/{proposal.id}/apply", ORGANIZERS, method="post"
    )


ORGANIZER_ACTIONS = [
    ("place", lambda e: {"booths": "A-03", "exhibitor": e["beta"].id}),
    ("move", lambda e: {"booths": "A-04", "exhibitor": e["alpha"].id}),
    ("block", lambda e: {"booths": "B-09", "reason": "x"}),
    ("unblock", lambda e: {"booths": "B-09"}),
    ("swap", lambda e: {"first": e["alpha"].id, "second": e["beta"].id}),
    ("unassign", lambda e: {"exhibitor": e["alpha"].id}),
    ("lock", lambda e: {"exhibitor": e["alpha"].id, "locked": "1"}),
    ("place-rest", lambda e: {"time_limit": "1"}),
    ("import", lambda e: {}),
    ("settings", lambda e: {"hold_minutes": "10", "assigner_time_limit": "5"}),
]


def test_organizer_actions(login_as, small_event):
    for action, data in ORGANIZER_ACTIONS:
        assert_access(
            login_as,
            f"{BASE}/manage/booths/{action}",
            ORGANIZERS,
            method="post",
            data=data(small_event.exhibitors),
        )


def test_exhibitor_cannot_act_for_another_company(login_as, small_event):
    open_window(small_event.event)
    beta = small_event.exhibitors["beta"]
    beta.zones = ["ai"]
    db.session.commit()
    services.hold_booths(beta, ["A-05"])
    db.session.commit()
    client = login_as("exhibitor_admin")  # alpha's admin
    assert client.get(f"{BASE}/my-booths?exhibitor={beta.id}").status_code == 403
    for action in ("hold", "confirm", "release"):
        response = client.post(
            f"{BASE}/my-booths/{action}", data={"booths": "A-09", "exhibitor": beta.id}
        )
        assert response.status_code == 403, action
        response = client.post(
            f"{BASE}/my-booths/{action}", json={"booths": ["A-09"], "exhibitor": beta.id}
        )
        assert response.status_code == 403, action
    assert allocations() == {"A-05": (beta.id, "hold")}
    # Beta's own admin can confirm, and the organizer may act for Beta too.
    assert login_as("other_exhibitor").post(f"{BASE}/my-booths/confirm").status_code == 302
    assert allocations() == {"A-05": (beta.id, "confirmed")}
    organizer = login_as("organizer")
    assert organizer.get(f"{BASE}/my-booths?exhibitor={beta.id}").status_code == 200


def test_staff_cannot_hold_for_its_own_company(login_as, small_event):
    open_window(small_event.event)
    client = login_as("exhibitor_staff")
    assert client.post(f"{BASE}/my-booths/hold", data={"booths": "A-01 A-02"}).status_code == 403
    assert allocations() == {}


def test_exhibitor_of_an_unknown_exhibitor_id_gets_404(login_as, small_event):
    client = login_as("exhibitor_admin")
    assert client.post(f"{BASE}/my-booths/hold", data={"exhibitor": 99999}).status_code == 404
    # A JSON body's id that is no whole number is not found either (not a server error).
    alpha = small_event.exhibitors["alpha"]
    for wrong in ("abc", str(alpha.id) + ".0", True, [alpha.id], {"id": alpha.id}):
        response = client.post(f"{BASE}/my-booths/hold", json={"booths": [], "exhibitor": wrong})
        assert response.status_code == 404, wrong


def test_organizer_pages_of_another_event_are_closed(login_as, small_event):
    from datetime import date

    add_other_event(ends_on=date(2026, 5, 2))
    db.session.commit()
    client = login_as("organizer")
    assert client.get("/e/other-expo/manage/booths/").status_code == 403
    place(small_event.exhibitors["alpha"], ["A-01", "A-02"])
    response = client.post(
        "/e/other-expo/manage/booths/unassign",
        data={"exhibitor": small_event.exhibitors["alpha"].id},
    )
    assert response.status_code == 403
    assert len(allocations()) == 2
