"""The badge page in a real browser, on a phone-sized screen."""

import re
import subprocess

import pytest

from eventapp.badges import services
from eventapp.extensions import db
from eventapp.organizations.models import Organization
from tests.conftest import PASSWORD, browser_signed_in, page_width

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


def test_print_badges_matching_none_says_so_on_the_list(small_event, live_server, browser):
    """The "Print these badges" link was a download link: a print refused came back
    as the list page saved to a file, its message unseen."""
    services.sync_badges(small_event.event)
    email = small_event.organizer.email
    db.session.commit()
    db.session.remove()  # the browser's requests must not wait for this session
    page = browser_signed_in(browser, live_server.url, email, accept_downloads=True)
    page.goto("/e/test-expo/manage/badges/?category=press&lang=en")
    downloads = []
    page.on("download", lambda download: downloads.append(download))
    page.get_by_role("link", name="Print these badges (PDF, 4 per A4 sheet)").click()
    page.wait_for_url(re.compile(r"/manage/badges/\?category=press$"))
    assert "No badge to print matches category Press." in page.locator(".flash").inner_text()
    assert page.locator("select[name=category]").input_value() == "press"
    # A batch with badges is still saved as a file, the list staying open.
    page.goto("/e/test-expo/manage/badges/?category=exhibitor&lang=en")
    with page.expect_download() as printed:
        page.get_by_role("link", name="Print these badges (PDF, 4 per A4 sheet)").click()
    assert printed.value.suggested_filename == "badges-test-expo-exhibitor.pdf"
    assert downloads == [printed.value]
