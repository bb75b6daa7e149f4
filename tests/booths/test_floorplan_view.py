"""The floor plan as SVG, as JSON and as a list: booths, statuses, who sees what."""

import json
import re
import time
from datetime import timedelta

from eventapp.booths import services
from eventapp.booths.models import Booth, BoothAllocation
from eventapp.core.db import utcnow
from eventapp.extensions import db
from tests.booths.conftest import place


def svg_statuses(page):
    """booth code -> status, read from the <g data-booth> elements of the SVG."""
    found = {}
    for match in re.finditer(
        r'<g class="booth ([^"]*)"\s+data-booth="([^"]+)"[^>]*data-status="(\w+)"', page
    ):
        classes, code, status = match.groups()
        assert f"s-{status}" in classes.split()
        found[code] = status
    return found


def with_floor(small_event):
    alpha, beta = small_event.exhibitors["alpha"], small_event.exhibitors["beta"]
    place(alpha, ["A-01", "A-02"], state="confirmed")
    db.session.add(
        BoothAllocation(
            booth_id=small_event.booths["B-05"].id,
            exhibitor_id=beta.id,
            state="hold",
            expires_at=utcnow() + timedelta(minutes=5),
        )
    )
    small_event.booths["B-10"].blocked = True
    small_event.booths["B-10"].blocked_reason = "pillar"
    db.session.commit()
    return alpha, beta


def test_public_svg_shows_every_booth_with_its_status(client, small_event):
    with_floor(small_event)
    page = client.get("/e/test-expo/floorplan?lang=en").get_data(as_text=True)
    statuses = svg_statuses(page)
    assert len(statuses) == 20
    assert statuses["A-01"] == statuses["A-02"] == "taken"
    assert statuses["B-05"] == "held" and statuses["B-10"] == "blocked"
    assert statuses["A-03"] == "free"
    assert 'id="floorplan"' in page and "Hall A" in page and "Hall B" in page
    assert 'data-name="Alpha Robotics"' in page
    assert 'data-name="Beta Bio"' not in page  # whose hold it is stays private
    assert 'id="zone-filter"' in page and 'id="exhibitor-search"' in page
    assert 'tabindex="0"' in page and 'role="button"' in page
    # Halls that share the site-plan origin are drawn apart: two 40 m x 20 m
    # halls one above the other (nearer a screen's shape than side by side).
    boxes = re.findall(r'<g class="hall" data-hall="(\w)" data-box="([\d. ]+)"', page)
    (_a, box_a), (_b, box_b) = boxes
    ax, ay, aw, ah = map(float, box_a.split())
    bx, by, _bw, _bh = map(float, box_b.split())
    assert bx == ax and by >= ay + ah


def test_exhibitor_sees_its_own_booths_and_organizer_sees_holders(login_as, small_event):
    with_floor(small_event)
    beta_view = svg_statuses(
        login_as("other_exhibitor").get("/e/test-expo/floorplan").get_data(as_text=True)
    )
    assert beta_view["B-05"] == "yours" and beta_view["A-01"] == "taken"
    alpha_view = svg_statuses(
        login_as("exhibitor_staff").get("/e/test-expo/floorplan").get_data(as_text=True)
    )
    assert alpha_view["A-01"] == "yours" and alpha_view["B-05"] == "held"
    organizer_page = login_as("organizer").get("/e/test-expo/floorplan").get_data(as_text=True)
    assert 'data-name="Beta Bio"' in organizer_page


def test_json_plan_state(login_as, small_event):
    alpha, beta = with_floor(small_event)
    data = login_as("other_exhibitor").get("/e/test-expo/floorplan.json").get_json()
    assert data["event"] == "test-expo"
    assert [h["code"] for h in data["halls"]] == ["A", "B"]
    assert {z["code"] for z in data["zones"]} == {"ai", "bio"}
    booths = {b["code"]: b for b in data["booths"]}
    assert len(booths) == 20
    assert booths["A-01"]["status"] == "taken"
    assert booths["A-01"]["exhibitor"] == {
        "id": alpha.id,
        "name": "Alpha Robotics",
        "names": "알파로보틱스 / Alpha Robotics",  # what the plan's search looks at
    }
    assert booths["B-05"]["status"] == "yours" and booths["B-05"]["state"] == "hold"
    assert booths["B-10"]["status"] == "blocked"
    assert booths["A-01"]["corner"] is True and booths["A-02"]["corner"] is False
    assert data["mine"]["booths"] == ["B-05"] and data["mine"]["state"] == "hold"
    assert {"id": alpha.id, "name": "Alpha Robotics", "booths": ["A-01", "A-02"]} in data[
        "exhibitors"
    ]
    anonymous = login_as("anonymous").get("/e/test-expo/floorplan.json").get_json()
    assert anonymous["mine"] is None
    assert {b["code"]: b for b in anonymous["booths"]}["B-05"]["exhibitor"] is None


def test_json_follows_a_lost_race(login_as, small_event):
    """After someone else's hold the plan state shows the booth held, so the page can refresh."""
    from tests.booths.conftest import open_window

    open_window(small_event.event)
    beta = small_event.exhibitors["beta"]
    beta.zones = ["ai"]
    db.session.commit()
    services.hold_booths(beta, ["A-03"])
    db.session.commit()
    client = login_as("exhibitor_admin")
    lost = client.post("/e/test-expo/my-booths/hold", json={"booths": ["A-03", "A-04"]})
    assert lost.status_code == 409
    state = client.get(lost.get_json()["plan_url"]).get_json()
    assert {b["code"]: b["status"] for b in state["booths"]}["A-03"] == "held"


def test_hold_answer_names_the_booths_as_stored(login_as, small_event):
    from tests.booths.conftest import open_window

    open_window(small_event.event)
    client = login_as("exhibitor_admin")
    held = client.post(
        "/e/test-expo/my-booths/hold?lang=en", json={"booths": ["a-02", "A-01 a-01"]}
    )
    assert held.status_code == 200, held.get_json()
    assert held.get_json()["message"].startswith("Booths A-01, A-02 are held for you until ")


def test_booth_list_filters(client, small_event):
    with_floor(small_event)

    def rows(query):
        page = client.get(f"/e/test-expo/booths?lang=en&{query}").get_data(as_text=True)
        return re.findall(r'<tr data-booth="([^"]+)" data-status="(\w+)"', page)

    assert len(rows("")) == 20
    assert {code for code, _s in rows("zone=bio")} == {f"B-{i:02d}" for i in range(1, 11)}
    assert rows("status=taken") == [("A-01", "taken"), ("A-02", "taken")]
    assert rows("q=alpha") == [("A-01", "taken"), ("A-02", "taken")]
    assert rows("hall=B&status=blocked") == [("B-10", "blocked")]
    assert rows("q=Beta") == []  # a hold does not name its holder


def test_the_booth_list_finds_an_exhibitor_by_either_name(client, small_event):
    """The search looked at the name in the page's language only: "Alpha" found
    nothing on the Korean list, "알파" nothing on the English one."""
    with_floor(small_event)

    def rows(query):
        page = client.get(f"/e/test-expo/booths?{query}").get_data(as_text=True)
        return re.findall(r'<tr data-booth="([^"]+)"', page)

    assert rows("lang=ko&q=alpha") == rows("lang=en&q=%EC%95%8C%ED%8C%8C") == ["A-01", "A-02"]
    assert rows("lang=ko&q=Beta") == []  # a hold still does not name its holder


def test_the_booth_list_finds_what_is_typed_in_full_width(client, small_event):
    """A Korean input method in full-width mode types "Ａ－０１" and "ＡＬＰＨＡ": the
    search found no booth, though the plan holds A-01 and Alpha Robotics's booths."""
    with_floor(small_event)

    def rows(query):
        page = client.get("/e/test-expo/booths", query_string={"lang": "en", "q": query})
        return re.findall(r'<tr data-booth="([^"]+)"', page.get_data(as_text=True))

    assert rows("Ａ－０１") == ["A-01"]
    assert rows("ａｌｐｈａ") == rows("ＡＬＰＨＡ") == ["A-01", "A-02"]
    assert rows("Ｂ－０９") == ["B-09"]


def test_the_booth_list_names_each_booths_hall_as_the_filter_does(client, small_event):
    """The list's Hall column showed the hall's code in the floor plan CSV ("A"),
    its filter the hall's name ("Hall A", "A홀")."""
    for lang, name in (("en", "Hall B"), ("ko", "B홀")):
        page = client.get(f"/e/test-expo/booths?lang={lang}&q=B-03").get_data(as_text=True)
        (row,) = re.findall(r'<tr data-booth="B-03".*?</tr>', page, re.S)
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        assert cells[1] == name


def test_large_plan_renders_quickly(client, small_event):
    """600 booths: the page and the JSON stay fast (one query per table, no per-booth work)."""
    event = small_event.event
    hall = small_event.booths["A-01"].hall
    hall.width, hall.height = 400, 200
    booths = [
        Booth(
            event=event,
            hall=hall,
            code=f"X-{i:03d}",
            zone="ai",
            x=40 + (i % 30) * 3,
            y=30 + (i // 30) * 6,
            w=3,
            h=3,
        )
        for i in range(580)
    ]
    db.session.add_all(booths)
    db.session.commit()
    started = time.perf_counter()
    page = client.get("/e/test-expo/floorplan")
    data = client.get("/e/test-expo/floorplan.json").get_json()
    elapsed = time.perf_counter() - started
    assert page.status_code == 200 and len(data["booths"]) == 600
    assert len(svg_statuses(page.get_data(as_text=True))) == 600
    assert elapsed < 5, f"600 booths took {elapsed:.2f}s"


def legend_of(page):
    legend = re.search(r'<ul class="fp-legend".*?</ul>', page, re.S).group(0)
    return [re.sub(r"<[^>]+>", "", item).strip() for item in re.findall(r"<li>.*?</li>", legend)]


def test_english_labels_on_my_booths_start_with_a_capital(login_as, picking_open):
    client = login_as("exhibitor_admin")
    page = client.get("/e/test-expo/my-booths?lang=en").get_data(as_text=True)
    legend = legend_of(page)
    assert legend[:5] == ["Free", "Held", "Taken", "Blocked", "Yours"]
    assert {"You may pick", "Selected", "AI·digital", "Bio-health"} <= set(legend)
    assert '<option value="bio">Bio-health</option>' in page
    assert re.search(r"<dt>Status</dt><dd>Approved</dd>", page)
    # What the plan's script shows in the booth details and reads out.
    strings = json.loads(re.search(r'id="fp-strings">(.*?)</script>', page, re.S).group(1))
    assert strings["statuses"]["free"] == "Free" and strings["zones"]["bio"] == "Bio-health"
    assert 'aria-label="A-03, AI·digital, Free"' in page
    # The values behind the labels are as they were: data, classes, form values.
    assert svg_statuses(page)["A-03"] == "free"
    assert 'class="sw s-free"' in page and 'data-zone="ai"' in page
    # Said within a sentence, a status stays in lower case.
    picking_open.exhibitors["alpha"].status = "pending"
    db.session.commit()
    page = client.get("/e/test-expo/my-booths?lang=en").get_data(as_text=True)
    assert "Your registration is pending; booths come after approval." in page
    assert re.search(r"<dt>Status</dt><dd>Pending</dd>", page)


def test_korean_labels_on_my_booths_are_unchanged(login_as, picking_open):
    page = login_as("exhibitor_admin").get("/e/test-expo/my-booths?lang=ko").get_data(as_text=True)
    legend = legend_of(page)
    assert legend[:2] == ["빈 부스", "임시 선점"] and "선택 가능" in legend


def test_the_booth_list_shows_capitalised_statuses(client, small_event):
    with_floor(small_event)
    page = client.get("/e/test-expo/booths?lang=en").get_data(as_text=True)
    assert re.search(r'<option value="free"\s*>Free</option>', page)
    assert re.search(r'<tr data-booth="A-03" data-status="free">.*?>Free</span>', page, re.S)
    assert re.search(r'<tr data-booth="A-01" data-status="taken">.*?>Yes</td>', page, re.S)
