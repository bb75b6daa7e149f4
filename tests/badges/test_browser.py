"""The badge page in a real browser, on a phone-sized screen."""

import subprocess

import pytest

from eventapp.badges import services
from eventapp.extensions import db
from tests.conftest import PASSWORD, page_width

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    return context.new_page()


def test_badge_on_a_phone_screen_scans(page, live_server, small_event, tmp_path):
    page.goto(f"{live_server.url}/login")
    page.fill("input[name=email]", small_event.exhibitor_staff.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit], form input[type=submit]").last.click()
    page.goto(f"{live_server.url}/e/test-expo/badge")
    assert page.get_by_role("heading", name="My badge").is_visible()
    # Nothing sticks out sideways on a phone.
    assert page_width(page) <= 390
    shot = tmp_path / "qr.png"
    page.locator(".badge-card-qr svg").screenshot(path=str(shot))
    result = subprocess.run(["zbarimg", "--raw", "-q", str(shot)], capture_output=True, timeout=60)
    [code] = result.stdout.decode().split()
    db.session.rollback()  # see what the server committed (the badge, the event key)
    verdict = services.verify_code(code, small_event.event)
    assert verdict.ok and verdict.badge.user_id == small_event.exhibitor_staff.id
    # The download link is there and reachable by keyboard.
    link = page.get_by_role("link", name="Download my badge (PDF)")
    link.focus()
    assert page.evaluate("document.activeElement.textContent").strip() == "Download my badge (PDF)"
