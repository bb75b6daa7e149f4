"""The issue's "done means": from sign-up to confirmed booths, in a real browser."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from eventapp.booths.models import Booth, BoothAllocation, BoothSettings, Exhibitor
from eventapp.core.db import utcnow
from eventapp.extensions import db
from eventapp.organizations.models import Organization
from tests.conftest import confirmation_link, sign_in_page

pytestmark = pytest.mark.browser


def new_page(browser, base_url):
    context = browser.new_context(base_url=base_url, locale="en-US")
    context.set_default_timeout(15000)
    return context.new_page()


def test_sign_up_register_approve_pick_and_confirm(live_server, small_event, browser):
    from playwright.sync_api import expect

    # The organizers opened booth picking an hour ago.
    settings = db.session.get(BoothSettings, small_event.event.id)
    settings.picking_opens_at = utcnow() - timedelta(hours=1)
    # The fair is still to come: one that is over offers no "Exhibit".
    event = small_event.event
    event.starts_on = event.ends_on = utcnow().date() + timedelta(days=30)
    db.session.commit()
    db.session.remove()  # the browser's requests must not wait for this session

    # A new person signs up and registers their company, asking for 2 booths in zone ai.
    exhibitor = new_page(browser, live_server.url)
    exhibitor.goto("/signup")
    exhibitor.fill("#email", "founder@newco.example")
    exhibitor.fill("#name_en", "Founder Kim")
    exhibitor.fill("#password", "a long new password")
    exhibitor.fill("#confirm", "a long new password")
    exhibitor.select_option("#locale", "en")
    exhibitor.click("main button[type=submit]")
    expect(exhibitor.locator(".flash-success")).to_be_visible()
    # They open the link mailed to them and confirm the address: they are signed in.
    link = confirmation_link("founder@newco.example")
    db.session.remove()
    exhibitor.goto(link)
    exhibitor.fill("#password", "a long new password")
    exhibitor.click("#confirm-address")
    expect(exhibitor.locator(".flash-success")).to_contain_text("confirmed")
    exhibitor.goto("/e/test-expo/")
    exhibitor.get_by_role("link", name="Exhibit", exact=True).click()
    exhibitor.fill("#name_ko", "뉴코")
    exhibitor.fill("#name_en", "NewCo Vision")
    exhibitor.select_option("#kind", "startup")
    exhibitor.select_option("#sector", "ai")
    exhibitor.select_option("#booth_count", "2")
    exhibitor.check("input[name=zones][value=ai]")
    exhibitor.click("#register-submit")
    expect(exhibitor.locator("#registration-status [data-status]")).to_have_attribute(
        "data-status", "pending"
    )
    dashboard_url = exhibitor.url

    # An organizer, in another browser context, approves it.
    organizer = new_page(browser, live_server.url)
    sign_in_page(organizer, "organizer@example.org")
    organizer.goto("/e/test-expo/manage/exhibitors/?status=pending&lang=en")
    organizer.get_by_role("link", name="NewCo Vision").click()
    organizer.click("#approve-button")
    expect(organizer.locator("h1 [data-status]")).to_have_attribute("data-status", "approved")

    # The exhibitor opens the floor plan from its company page and picks two touching booths.
    exhibitor.goto(dashboard_url)
    # Until the page has loaded, its script has not made the booths pickable: a click
    # then would do nothing.
    with exhibitor.expect_navigation():
        exhibitor.click("#pick-booths")
    for code in ("A-03", "A-04"):
        booth = exhibitor.locator(f'svg g.booth[data-booth="{code}"]')
        booth.click()
        expect(booth).to_have_attribute("aria-pressed", "true")
    exhibitor.click("#hold-button")
    expect(exhibitor.locator("#pick-message")).to_contain_text("held")
    exhibitor.click("#confirm-button")
    expect(exhibitor.locator("#pick-message")).to_contain_text("confirmed")
    for code in ("A-03", "A-04"):
        expect(exhibitor.locator(f'svg g.booth[data-booth="{code}"]')).to_have_attribute(
            "data-status", "yours"
        )
    # The company page lists them as theirs.
    exhibitor.goto(dashboard_url)
    expect(exhibitor.locator("#my-booths tbody tr")).to_have_count(2)
    expect(exhibitor.locator("#registration-status [data-status]")).to_have_attribute(
        "data-status", "confirmed"
    )

    # And the database agrees.
    registered = db.session.scalar(
        select(Exhibitor).join(Organization).where(Organization.name_en == "NewCo Vision")
    )
    assert registered.status == "confirmed"
    allocations = db.session.execute(
        select(Booth.code, BoothAllocation.state)
        .join(BoothAllocation, BoothAllocation.booth_id == Booth.id)
        .where(BoothAllocation.exhibitor_id == registered.id)
        .order_by(Booth.code)
    ).all()
    assert [tuple(a) for a in allocations] == [("A-03", "confirmed"), ("A-04", "confirmed")]
    db.session.rollback()
