"""The leads page in a real browser: a note with line breaks goes through the form
as the browser sends it (CRLF) and a save changes only what was changed."""

import re

import pytest
from sqlalchemy import select

from eventapp.checkin import services
from eventapp.checkin.models import Lead
from eventapp.extensions import db
from tests.checkin.conftest import scan
from tests.checkin.test_scanner_browser import _ready, _sign_in, _type_code
from tests.conftest import browser_signed_in

pytestmark = pytest.mark.browser


def _booth_phone(scanning, live_server, launch_chromium):
    """Alpha's staff member's phone on the booth's scanner page, installed for offline use."""
    page = launch_chromium().new_context(locale="en-US").new_page()
    _sign_in(page, live_server.url, scanning.exhibitor_staff.email)
    page.goto(f"{live_server.url}/e/test-expo/scan/{scanning.points['alpha_booth'].id}")
    _ready(page)
    page.wait_for_selector("#scanner[data-sw='ready']", timeout=15000)
    return page


def test_rating_a_lead_with_a_multi_line_note(scanning, login_as, live_server, launch_chromium):
    answer = scan(
        login_as("exhibitor_staff"), scanning.points["alpha_booth"], scanning.code("attendee")
    )
    assert answer.get_json()["status"] == "ok"
    lead = db.session.scalar(select(Lead))
    services.update_lead(lead, notes="Met at 10:00\nWants a PoC\n\nSend the deck")
    db.session.commit()
    lead_id = lead.id

    page = launch_chromium().new_context(locale="en-US").new_page()
    _sign_in(page, live_server.url, scanning.exhibitor_admin.email)
    page.goto(f"{live_server.url}/e/test-expo/leads/")
    card = page.locator(f"#lead-{lead_id}")
    # Noted, the lead shows its note and folds its form away.
    assert card.locator("textarea[name=notes]").is_hidden()
    assert "Wants a PoC" in card.locator(".lead-note").inner_text()
    card.locator("summary").click()
    card.locator("input[name=rating][value=hot]").check()
    card.get_by_role("button", name="Save").click()
    # Said in the lead's card, where the page opens: the top is far out of view.
    page.wait_for_selector(f"#lead-{lead_id} .flash-success")
    assert "Lead saved." in page.inner_text(f"#lead-{lead_id} .flash-success")
    assert page.locator(f"#lead-{lead_id} .flash-success").is_visible()

    # A second line typed in the browser counts as one character, is stored as one.
    card = page.locator(f"#lead-{lead_id}")
    card.locator("summary").click()
    card.locator("textarea[name=notes]").fill("Line one\nLine two")
    card.get_by_role("button", name="Save").click()
    page.wait_for_selector(".flash-success")
    db.session.remove()
    lead = db.session.get(Lead, lead_id)
    assert (lead.rating, lead.notes) == ("hot", "Line one\nLine two")


def test_removing_a_lead_asks_first(scanning, login_as, live_server, launch_chromium):
    staff = login_as("exhibitor_staff")
    for role in ("attendee", "outsider"):
        answer = scan(staff, scanning.points["alpha_booth"], scanning.code(role))
        assert answer.get_json()["status"] == "ok"
    leads = {lead.user_id: lead.id for lead in db.session.scalars(select(Lead))}
    kept, removed = leads[scanning.outsider.id], leads[scanning.attendee.id]

    page = launch_chromium().new_context(locale="en-US").new_page()
    _sign_in(page, live_server.url, scanning.exhibitor_admin.email)
    page.goto(f"{live_server.url}/e/test-expo/leads/")
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.locator(f"#lead-{kept}").get_by_role("button", name="Remove").click()
    page.wait_for_timeout(300)
    assert page.locator(f"#lead-{kept}").count() == 1

    page.once("dialog", lambda dialog: dialog.accept())
    page.locator(f"#lead-{removed}").get_by_role("button", name="Remove").click()
    page.wait_for_selector(".flash-success")
    assert page.locator(f"#lead-{removed}").count() == 0
    db.session.remove()
    assert set(db.session.scalars(select(Lead.id))) == {kept}


def test_a_removed_lead_scanned_again_online_is_shown_as_captured(
    scanning, live_server, launch_chromium, writing
):
    """The server captures it afresh ("ok"). With another scan still waiting on the
    phone, the page must not overrule that answer with "already captured" from its
    memory of the removed lead."""
    attendee_code, outsider_code = scanning.code("attendee"), scanning.code("outsider")
    booth_id = scanning.points["alpha_booth"].id
    page = launch_chromium().new_context(locale="en-US").new_page()
    _sign_in(page, live_server.url, scanning.exhibitor_staff.email)
    page.goto(f"{live_server.url}/e/test-expo/scan/{booth_id}")
    _ready(page)
    _type_code(page, attendee_code, "ok")

    # Another visitor scanned while the Wi-Fi dropped, its upload not through yet (the
    # server busy: a failed request would have the page judge scans itself a while).
    page.route("**/api/checkin/scans", lambda route: route.fulfill(status=503, body="busy"))
    page.context.set_offline(True)
    _type_code(page, outsider_code, "ok")
    page.context.set_offline(False)
    assert page.inner_text("#count-queue") == "1"

    with writing() as session:
        services.remove_lead(session.scalar(select(Lead)))

    page.evaluate("document.getElementById('result').dataset.status = 'waiting'")
    page.fill("#code-input", attendee_code)
    page.press("#code-input", "Enter")
    page.wait_for_function(
        "document.getElementById('result').dataset.status !== 'waiting'", timeout=10000
    )
    db.session.remove()
    assert db.session.scalar(select(Lead)) is not None  # the server captured it again
    assert page.get_attribute("#result", "data-status") == "ok", page.inner_text("#result")


def test_a_withdrawn_companys_phone_uploads_its_queue_and_scans_nothing_new(
    scanning, live_server, launch_chromium, writing
):
    """A phone signed in as the company's staff queued a scan while the Wi-Fi was
    down; the company withdrew; the phone's page, opened again, uploads it (made
    while the company exhibited, it counts) and refuses what is scanned after."""
    from eventapp.checkin.models import Scan
    from eventapp.exhibitors import services as registrations
    from tests.checkin.test_scanner_browser import _upload_queue

    attendee_code, outsider_code = scanning.code("attendee"), scanning.code("outsider")
    alpha_id = scanning.exhibitors["alpha"].id
    attendee_id, outsider_id = scanning.attendee.id, scanning.outsider.id
    page = _booth_phone(scanning, live_server, launch_chromium)
    page.context.set_offline(True)
    _type_code(page, attendee_code, "ok")
    assert page.inner_text("#count-queue") == "1"

    with writing() as session:
        registrations.withdraw(session.get(type(scanning.exhibitors["alpha"]), alpha_id))
    page.context.set_offline(False)
    # The fresh configuration does not come (weak Wi-Fi): the page has only the
    # server's page to say the company stopped, and its stored copy from before.
    page.route("**/api/checkin/points/*/config", lambda route: route.abort())
    page.reload()
    _ready(page)
    assert "no longer exhibits" in page.inner_text("#upload-only")
    _upload_queue(page)
    db.session.remove()
    assert [lead.user_id for lead in db.session.scalars(select(Lead))] == [attendee_id]

    _type_code(page, outsider_code, "not_allowed")
    page.unroute("**/api/checkin/points/*/config")
    _upload_queue(page)
    db.session.remove()
    assert db.session.scalar(select(Lead).where(Lead.user_id == outsider_id)) is None
    refused = db.session.scalar(select(Scan).order_by(Scan.id.desc()))
    assert (refused.result, refused.reason) == ("not_allowed", "not_exhibiting")


def test_a_phone_forgets_a_removed_lead_and_captures_it_again_offline(
    scanning, live_server, launch_chromium, writing
):
    """Offline, a lead the company removed since was still "already captured" on the
    phone; its next sync of the configuration makes it forget the lead."""
    attendee_code, attendee_id = scanning.code("attendee"), scanning.attendee.id
    page = _booth_phone(scanning, live_server, launch_chromium)
    _type_code(page, attendee_code, "ok")
    # The answer is shown before the phone remembers it: wait for that too.
    page.evaluate("window.kicxupScanner.handle('')")

    with writing() as session:
        services.remove_lead(session.scalar(select(Lead)))
    page.evaluate("window.kicxupScanner.loadConfig()")
    page.context.set_offline(True)
    _type_code(page, attendee_code, "ok")
    assert "captured offline" in page.inner_text("#result-message")
    page.context.set_offline(False)
    page.evaluate("window.kicxupScanner.flushQueue()")
    page.wait_for_function(
        "document.getElementById('count-queue').textContent === '0'", timeout=20000
    )
    db.session.remove()
    assert [lead.user_id for lead in db.session.scalars(select(Lead))] == [attendee_id]
    # A lead that stays is remembered: offline, it is captured already.
    page.evaluate("window.kicxupScanner.loadConfig()")
    page.context.set_offline(True)
    _type_code(page, attendee_code, "already_checked_in")


def test_a_queued_scan_of_a_lead_removed_since_is_listed(
    scanning, live_server, launch_chromium, writing
):
    """The phone captures a visitor offline ("saved"); a colleague's phone had captured
    them online meanwhile, and the exhibitor removes that lead. The upload leaves the
    lead removed, and the phone lists the scan as answered so."""
    booth = scanning.points["alpha_booth"]
    booth_id, attendee_code = booth.id, scanning.code("attendee")
    page = _booth_phone(scanning, live_server, launch_chromium)
    page.context.set_offline(True)
    page.context.route("**/api/checkin/**", lambda route: route.abort())
    _type_code(page, attendee_code, "ok")
    with writing() as session:
        point = session.get(type(booth), booth_id)
        ctx = services.context_for_point(point.id)
        services.record_scan(ctx, code=attendee_code, nonce="colleague-phone")
    with writing() as session:
        services.remove_lead(session.scalar(select(Lead)))
    page.context.unroute("**/api/checkin/**")
    page.context.set_offline(False)
    page.evaluate("window.kicxupScanner.flushQueue()")
    page.wait_for_function(
        "document.getElementById('count-queue').textContent === '0'", timeout=20000
    )
    changed = page.locator("#recent li[data-changed]")
    changed.first.wait_for(timeout=10000)
    assert "taken off your leads" in changed.first.inner_text()
    db.session.remove()
    assert db.session.scalars(select(Lead)).all() == []


def test_the_company_choice_of_the_leads_page_shows_at_once(scanning, live_server, browser):
    """Organizers pick the exhibitor whose leads they read; the list follows the
    choice without a button (the script, not an inline onchange, sends the form)."""
    beta, email = scanning.companies["beta"].id, scanning.organizer.email
    db.session.remove()
    page = browser_signed_in(browser, live_server.url, email)
    violations = []
    page.on("console", lambda m: "Content Security Policy" in m.text and violations.append(m.text))
    page.goto("/e/test-expo/leads/?lang=en")
    page.select_option("select[name=org]", str(beta))
    page.wait_for_url(re.compile(rf"org={beta}"))
    assert "Beta Bio" in page.locator("h1").inner_text()
    assert not violations, violations
