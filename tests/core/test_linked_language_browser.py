"""A page opened by a link in one language (?lang=en) keeps it through its forms."""

import pytest

from eventapp.extensions import db
from tests.conftest import browser_signed_in

pytestmark = pytest.mark.browser


def test_forms_of_a_page_opened_with_lang_answer_in_its_language(small_event, live_server, browser):
    """An organizer whose account reads Korean opens the badge list from a link in
    English. Its filter (a GET form to the list's own address, whose fields replace
    the query) and "issue badges" (a POST to another address) both answered in
    Korean before."""
    small_event.organizer.locale = "ko"
    email = small_event.organizer.email
    db.session.commit()
    db.session.remove()  # the browser's requests must not wait for this session
    page = browser_signed_in(browser, live_server.url, email, "ko-KR")
    page.goto("/e/test-expo/manage/badges/?lang=en")
    assert page.locator("html").get_attribute("lang") == "en"

    page.fill("#q", "Alpha")
    page.click("form.badge-filters button[type=submit]")
    page.wait_for_url("**q=Alpha**")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "lang=en" in page.url

    page.click("text=Issue missing badges and update details")
    page.wait_for_selector(".flash-success")
    assert "badges issued" in page.locator(".flash-success").inner_text()
    assert page.locator("html").get_attribute("lang") == "en"
    assert "lang=en" in page.url

    # The language switch still chooses: Korean from here on, forms included.
    page.click("button[name=lang][value=ko]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "ko"
    page.locator("form[action$='/badges/issue'] button[type=submit]").click()
    page.wait_for_selector(".flash-success")
    assert page.locator("html").get_attribute("lang") == "ko"
    assert "lang=" not in page.url
