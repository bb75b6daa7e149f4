"""Every role's pages pass axe-core's WCAG 2.1 A and AA rules, on a phone in Korean
and on a desktop in English: text contrast, names for every control and image,
labelled form fields, headings, landmarks, the page language.

The pages are the demo fair's (loaded to run today), which fill every list,
agenda and panel; axe-core comes from npm (package.json) like the scanner's
decoder."""

from pathlib import Path

import pytest

from eventapp.core.db import utcnow
from eventapp.core.templating import SEOUL
from eventapp.extensions import db
from tests.conftest import sign_in_page

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
E = "/e/kicxup-2025"

PAGES = {
    None: ["/", "/login", "/signup", "/reset", f"{E}/"],
    "organizer@kicxup.kr": [
        f"{E}/manage/",
        f"{E}/manage/settings",
        f"{E}/manage/exhibitors/",
        f"{E}/manage/booths/",
        f"{E}/manage/booths/place-rest",
        f"{E}/floorplan",
        f"{E}/meetings/manage/",
        f"{E}/meetings/manage/grid",
        f"{E}/meetings/manage/participants",
        f"{E}/manage/badges/",
        f"{E}/checkin/",
        f"{E}/checkin/scans",
        f"{E}/manage/audit",
    ],
    "exhibitor@kicxup.kr": [f"{E}/my-company", f"{E}/my-booths", f"{E}/leads/"],
    "startup@kicxup.kr": [
        f"{E}/meetings/",
        f"{E}/meetings/partners",
        f"{E}/meetings/requests",
        f"{E}/meetings/agenda",
        f"{E}/meetings/profile",
        f"{E}/meetings/availability",
        f"{E}/badge",
        "/account",
    ],
    "staff@kicxup.kr": [f"{E}/scan/"],
}
RULES = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


@pytest.fixture(scope="module")
def axe_source():
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run make (npm ci installs axe-core)")
    return AXE.read_text(encoding="utf-8")


def violations(page, axe_source):
    """axe-core's findings on the page as shown, one line per rule and element."""
    page.wait_for_load_state("load")
    page.add_script_tag(content=axe_source)
    found = page.evaluate(
        """async (rules) => (await axe.run(document, rules)).violations.flatMap(v =>
            v.nodes.map(n => `${v.id} (${v.impact}): ${n.target.join(' ')}`))""",
        RULES,
    )
    return [f"{page.url}: {line}" for line in found]


# One test per language and screen, so that the two halves run side by side.
@pytest.mark.parametrize(
    ("language", "screen"), [("ko", PHONE), ("en", DESKTOP)], ids=["ko-phone", "en-desktop"]
)
def test_every_role_s_pages_pass_the_wcag_rules(
    app_ctx, live_server, launch_chromium, axe_source, language, screen
):
    from eventapp.demo import DEMO_PASSWORD, seed_demo

    seed_demo(log=lambda *_: None, starts_on=utcnow().astimezone(SEOUL).date())
    db.session.remove()  # the browser's requests must not wait for this session
    browser = launch_chromium()
    found = []
    for email, paths in PAGES.items():
        # axe-core is put into each page as a script of its own, which the pages'
        # content security policy (scripts from the site only) would refuse.
        context = browser.new_context(
            base_url=live_server.url, locale=f"{language}-KR", bypass_csp=True, **screen
        )
        page = context.new_page()
        page.set_default_timeout(20000)
        if email:
            sign_in_page(page, email, DEMO_PASSWORD)
        for path in paths:
            response = page.goto(f"{path}{'&' if '?' in path else '?'}lang={language}")
            assert response.status == 200, path
            found += violations(page, axe_source)
        context.close()
    assert not found, "\n".join(found)
