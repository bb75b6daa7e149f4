"""The organizers' overview and scanning page keep their figures up to date while
they stay open at the fair (static/js/live.js)."""

import pytest

from eventapp.extensions import db
from tests.checkin.conftest import scan
from tests.checkin.test_scanner_browser import _sign_in


def _first_stat(page, selector):
    return page.locator(f"{selector} .stat-num").first.inner_text()


@pytest.mark.browser
@pytest.mark.parametrize(
    ("path", "stats"),
    [
        ("/e/test-expo/checkin/?lang=en", "#scanning-live"),
        ("/e/test-expo/manage/?lang=en", "#overview-checkins"),
    ],
)
def test_the_figures_follow_the_gates_while_the_page_is_open(
    scanning, login_as, live_server, launch_chromium, path, stats
):
    """Left open on the organizers' laptop, the page showed the morning's counts all day."""
    gate, code, email = scanning.points["gate"], scanning.code("attendee"), scanning.organizer.email
    db.session.commit()
    page = launch_chromium().new_context(locale="en-US").new_page()
    _sign_in(page, live_server.url, email)
    page.goto(live_server.url + path)
    before = int(_first_stat(page, stats))
    typed = page.locator("#main input").count()
    answer = scan(login_as("staff"), gate, code)
    assert answer.get_json()["status"] == "ok"
    db.session.remove()
    page.evaluate("window.kicxupLive.refresh()")
    assert int(_first_stat(page, stats)) == before + 1
    assert page.locator("#main input").count() == typed


def test_reading_the_figures_again_leaves_the_message_for_the_next_page(scanning, login_as):
    organizer = login_as("organizer")
    side = scanning.points["side_gate"]
    organizer.post(f"/e/test-expo/checkin/points/{side.id}/delete?lang=en")
    live = organizer.get("/e/test-expo/checkin/?lang=en", headers={"X-Live-Refresh": "1"})
    assert "Scan point Side gate deleted." not in live.get_data(as_text=True)
    page = organizer.get("/e/test-expo/checkin/?lang=en").get_data(as_text=True)
    assert "Scan point Side gate deleted." in page
