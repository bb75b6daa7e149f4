"""The badge page in a real browser, on a phone-sized screen."""

import subprocess

import pytest

from eventapp.badges import services
from eventapp.extensions import db
from eventapp.organizations.models import Organization
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


def test_a_very_long_company_name_stays_clear_of_the_qr_code(page, live_server, small_event):
    """A company name of 182 letters without a space wraps on the on-screen badge and
    leaves the QR code alone: it ran on under the code. The card grows for it."""
    small_event.companies["alpha"].name_en = "Gaonintelligenceindustrialautomation" * 5 + "Co"
    email = small_event.exhibitor_staff.email
    alpha_id = small_event.companies["alpha"].id
    db.session.commit()
    db.session.remove()  # the browser's requests must not wait for this session
    page.goto(f"{live_server.url}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit], form input[type=submit]").last.click()
    page.goto(f"{live_server.url}/e/test-expo/badge?lang=en")
    assert page_width(page) <= 390
    card = page.locator(".badge-card").bounding_box()
    org = page.locator(".badge-card-org").bounding_box()
    qr = page.locator(".badge-card-qr svg").bounding_box()
    assert "Gaonintelligence" in page.locator(".badge-card-org").inner_text()
    assert org["x"] >= card["x"] and org["x"] + org["width"] <= card["x"] + card["width"]
    # The booth line and the name sit above the code, the code whole inside the card.
    above = page.locator(".badge-card-person").bounding_box()
    assert above["y"] + above["height"] <= qr["y"] + 1
    assert qr["y"] + qr["height"] <= page.locator(".badge-card-band").bounding_box()["y"] + 1
    assert qr["width"] >= 100  # still a code a scanner reads
    # A badge of a usual name keeps the A6 shape.
    db.session.rollback()
    db.session.get(Organization, alpha_id).name_en = "Alpha Robotics"
    db.session.commit()
    db.session.remove()
    page.goto(f"{live_server.url}/e/test-expo/badge?lang=en")
    card = page.locator(".badge-card").bounding_box()
    assert abs(card["height"] / card["width"] - 148 / 105) < 0.01
