"""Both catalogs are complete, and the language follows the user's choice."""

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def extracted_messages():
    method_map = [
        ("eventapp/**.py", "python"),
        ("templates/**.html", "jinja2"),
        ("templates/**.txt", "jinja2"),
    ]
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
    ids = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=method_map, keywords=keywords
    ):
        ids.add(message if isinstance(message, str) else message[0])
    return ids


def catalog(language):
    with open(ROOT / "translations" / language / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle)


@pytest.fixture(scope="module")
def source_ids():
    return extracted_messages()


def test_korean_catalog_translates_every_visible_string(source_ids):
    korean = catalog("ko")
    missing = sorted(i for i in source_ids if not (korean.get(i) and korean.get(i).string))
    assert not missing, f"{len(missing)} strings lack a Korean translation, e.g. {missing[:10]}"


def test_english_catalog_knows_every_string(source_ids):
    english = catalog("en")
    missing = sorted(i for i in source_ids if english.get(i) is None)
    assert not missing, (
        f"{len(missing)} strings are missing from the English catalog: {missing[:10]}"
    )


def test_no_message_is_translated_inside_an_f_string():
    """The catalog's extraction does not look into f-strings: a message marked there
    never reaches the catalogs and shows in English on Korean pages (as "times in
    Asia/Seoul" did on the Korean agenda PDF)."""
    marked = re.compile(r"""\bf(["']).*?\{\s*(_|_l|gettext|ngettext|lazy_gettext)\(""")
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted((ROOT / "eventapp").rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if marked.search(line)
    ]
    assert not found, f"messages marked inside f-strings: {found}"


def test_translations_keep_their_placeholders():
    for message in catalog("ko"):
        if not message.id or not message.string:
            continue
        source = message.id if isinstance(message.id, str) else message.id[0]
        target = message.string if isinstance(message.string, str) else message.string[0]
        assert set(PLACEHOLDER.findall(source)) == set(PLACEHOLDER.findall(target)), source


# One Korean word per expo term (shared glossary), so a page never calls the
# same thing by two names.
GLOSSARY_TERMS = {
    "cap": "상한",
    "caps": "상한",
    "badge": "출입증",
    "lead": "리드",
    "scan point": "스캔 지점",
    "time slot": "시간대",
    "exhibitor": "참가기업",
    "exhibitors": "참가기업",
}


@pytest.mark.parametrize("term", sorted(GLOSSARY_TERMS))
def test_korean_catalog_calls_each_expo_term_by_one_name(term):
    word = re.compile(rf"\b{term}\b", re.IGNORECASE)
    korean = GLOSSARY_TERMS[term]
    astray = []
    for message in catalog("ko"):
        sources = message.id if isinstance(message.id, tuple) else (message.id,)
        targets = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.id and any(word.search(source) for source in sources):
            astray += [target for target in targets if target and korean not in target]
    assert not astray, f"{term!r} should read {korean!r} in: {astray}"


def test_header_language_switch_is_remembered_for_the_user(login_as, small_event):
    from eventapp.extensions import db

    client = login_as("attendee")  # the fixture's users prefer English
    assert "Sign out" in client.get("/e/test-expo/").get_data(as_text=True)
    client.post("/language", data={"lang": "ko", "next": "/e/test-expo/"})
    assert "로그아웃" in client.get("/e/test-expo/").get_data(as_text=True)
    db.session.refresh(small_event.attendee)
    assert small_event.attendee.locale == "ko"
    # A new session of the same user starts in Korean.
    fresh = login_as("attendee")
    assert "로그아웃" in fresh.get("/e/test-expo/").get_data(as_text=True)


def test_header_language_switch_on_a_page_opened_with_lang_shows_the_choice(login_as, small_event):
    """On a page opened as /...?lang=en (a link given in one language), choosing 한국어
    went back to that same address, whose ?lang=en showed the page in English again.
    The way back keeps the page and its other parameters, without ?lang."""
    client = login_as("attendee")
    response = client.post(
        "/language", data={"lang": "ko", "next": "/e/test-expo/floorplan?lang=en&hall=A"}
    )
    assert response.location == "/e/test-expo/floorplan?hall=A"
    assert "로그아웃" in client.get(response.location).get_data(as_text=True)
    back = client.post("/language", data={"lang": "en", "next": "/e/test-expo/?lang=ko"})
    assert back.location == "/e/test-expo/"
    # Elsewhere as before: a page without ?lang, and a refused target.
    assert client.post("/language", data={"lang": "ko", "next": "/e/test-expo/?"}).location in (
        "/e/test-expo/",
        "/e/test-expo/?",
    )
    assert client.post("/language", data={"lang": "ko", "next": "//evil.example/"}).location == "/"


def test_header_language_switch_is_audited(login_as, small_event):
    from sqlalchemy import select

    from eventapp.core.audit import AuditEntry
    from eventapp.extensions import db

    client = login_as("attendee")
    client.post("/language", data={"lang": "ko", "next": "/"})
    entries = list(
        db.session.scalars(select(AuditEntry).where(AuditEntry.action == "user.updated"))
    )
    assert len(entries) == 1
    entry = entries[0]
    assert (entry.object_type, entry.object_id) == ("User", str(small_event.attendee.id))
    assert entry.user_id == small_event.attendee.id
    assert entry.data == {"fields": ["locale"], "from": {"locale": "en"}, "to": {"locale": "ko"}}
    # Choosing the language already set changes nothing and records nothing.
    client.post("/language", data={"lang": "ko", "next": "/"})
    count = db.session.scalar(
        select(db.func.count()).select_from(AuditEntry).where(AuditEntry.action == "user.updated")
    )
    assert count == 1


def test_anonymous_visitors_get_their_browser_language(client, small_event):
    page = client.get("/e/test-expo/", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert "Sign in" in page.get_data(as_text=True)
    page = client.get("/e/test-expo/", headers={"Accept-Language": "ko-KR,ko;q=0.9"})
    assert "로그인" in page.get_data(as_text=True)


def test_gettext_works_outside_a_request(app):
    from eventapp.core.i18n import gettext

    with app.app_context():
        assert gettext("Sign in") == "로그인"


def test_bilingual_names_follow_the_forced_language_outside_a_request(app):
    """Commands and workers write each mail inside `force_locale(recipient's language)`:
    the names of events and companies in it follow that language, not only the text."""
    from flask_babel import force_locale

    from eventapp.core.i18n import current_language, gettext
    from eventapp.organizations.models import Organization

    company = Organization(name_ko="알파로보틱스", name_en="Alpha Robotics")
    with app.app_context():
        assert current_language() == "ko" and company.name == "알파로보틱스"
        with force_locale("en"):
            assert current_language() == "en" and company.name == "Alpha Robotics"
            assert gettext("Sign in") == "Sign in"
        assert current_language() == "ko" and company.name == "알파로보틱스"


def test_a_name_ending_in_a_full_stop_closes_the_sentence_once(app_ctx):
    """ "Sent to Alpha Co., Ltd.." read like a typo: where a value that ends in a full
    stop closes the sentence, one stop is left, in Python, in templates (where the
    values are still escaped) and in the scan API's messages."""
    from flask import render_template_string

    from eventapp.checkin.messages import bilingual
    from eventapp.core.i18n import gettext, lazy_gettext, ngettext, one_full_stop

    assert one_full_stop("Sent to %(name)s.", {"name": "Alpha Co., Ltd."}) == (
        "Sent to Alpha Co., Ltd."
    )
    assert one_full_stop("Sent to %(name)s.", {"name": "Alpha"}) == "Sent to Alpha."
    # Only the stop right after the value goes.
    assert one_full_stop("%(name)s: %(n)d.", {"name": "Inc.", "n": 2}) == "Inc.: 2."
    with app_ctx.test_request_context("/?lang=en"):
        message = "Your meeting request was sent to %(name)s."
        assert gettext(message, name="Sinseong Inc.") == (
            "Your meeting request was sent to Sinseong Inc."
        )
        assert str(lazy_gettext(message, name="Sinseong Inc.")).endswith("Inc.")
        assert ngettext(
            "%(num)d seat for %(name)s.", "%(num)d seats for %(name)s.", 2, name="A."
        ) == ("2 seats for A.")
        page = render_template_string(
            "{{ _('Your meeting request was sent to %(name)s.', name=n) }}|"
            "{{ ngettext('%(num)d meeting with %(name)s.', '%(num)d meetings with %(name)s.', 3, name=n) }}|"
            "{% trans name=n %}Hello {{ name }}.{% endtrans %}",
            n="R&D <Lab> Inc.",
        )
        assert page == (
            "Your meeting request was sent to R&amp;D &lt;Lab&gt; Inc.|"
            "3 meetings with R&amp;D &lt;Lab&gt; Inc.|Hello R&amp;D &lt;Lab&gt; Inc."
        )
        assert bilingual("ok_lead", name="Sinseong Inc.")["message_en"] == (
            "Lead saved: Sinseong Inc."
        )


def test_korean_writes_the_particle_after_a_name_one_way():
    """After a name whose last syllable is not known, the Korean texts write
    "과(와)" (as in "%(partner)s과(와)의 미팅"); invitations and scan messages wrote
    "와(과)" for the same thing."""
    from eventapp.checkin.messages import MESSAGES

    texts = [
        message.string if isinstance(message.string, str) else " ".join(message.string)
        for message in catalog("ko")
        if message.id and message.string
    ]
    texts += [korean for _english, korean in MESSAGES.values()]
    assert any("과(와)" in text for text in texts)
    assert not [text for text in texts if "와(과)" in text]


def test_a_page_opened_with_lang_keeps_it_through_its_redirects(app, login_as, small_event):
    """A form saved on a page opened with ?lang=en lands on the next page in English,
    although the account reads Korean. Before, the redirect dropped ?lang."""
    from tests.events.test_settings import details

    organizer = login_as("organizer")
    organizer.post("/language", data={"lang": "ko", "next": "/"})
    saved = organizer.post(
        "/e/test-expo/manage/settings?lang=en", data=details(small_event.event, city="Busan")
    )
    assert saved.location == "/e/test-expo/manage/settings?lang=en"
    page = organizer.get(saved.location).get_data(as_text=True)
    assert "Event details saved." in page
    # Without ?lang the account's Korean stands, redirects included.
    saved = organizer.post(
        "/e/test-expo/manage/settings", data=details(small_event.event, city="Daegu")
    )
    assert saved.location == "/e/test-expo/manage/settings"
    # Sent to sign in: the sign-in page keeps the language.
    anonymous = app.test_client()
    response = anonymous.get("/e/test-expo/manage/?lang=en")
    assert response.location.startswith("/login?") and response.location.endswith("&lang=en")
    assert "Please sign in to open this page." in anonymous.get(response.location).get_data(
        as_text=True
    )
    # The language switch goes where it is told.
    switched = organizer.post("/language?lang=en", data={"lang": "ko", "next": "/e/test-expo/"})
    assert switched.location == "/e/test-expo/"


def test_a_form_posted_from_a_page_opened_with_lang_answers_in_that_language(login_as):
    """The badge list opened with ?lang=en posts "issue badges" to another address,
    which has no ?lang=: the page the post came from chose English. Before, the answer
    and the page after it came in the account's Korean."""
    organizer = login_as("organizer")
    organizer.post("/language", data={"lang": "ko", "next": "/"})
    came_from = "http://localhost/e/test-expo/manage/badges/?lang=en&q=x"
    issued = organizer.post("/e/test-expo/manage/badges/issue", headers={"Referer": came_from})
    assert issued.location == "/e/test-expo/manage/badges/?lang=en"
    page = organizer.get(issued.location).get_data(as_text=True)
    assert "badges issued." in page and '<html lang="en"' in page
    # The page a link chose the language of says so, for forms.js.
    assert 'data-linked-lang="en"' in page
    # A page the account's language chose does not.
    again = organizer.post(
        "/e/test-expo/manage/badges/issue",
        headers={"Referer": "http://localhost/e/test-expo/manage/badges/"},
    )
    assert again.location == "/e/test-expo/manage/badges/"
    page = organizer.get(again.location).get_data(as_text=True)
    assert '<html lang="ko"' in page and "data-linked-lang" not in page


@pytest.mark.parametrize(
    "referer",
    [
        # Another site's link names no language of this one.
        "http://elsewhere.example/e/test-expo/manage/badges/?lang=en",
        # Nor does a language this site does not speak.
        "http://localhost/e/test-expo/manage/badges/?lang=fr",
    ],
)
def test_only_a_page_of_this_site_in_its_languages_chooses_for_a_post(login_as, referer):
    organizer = login_as("organizer")
    organizer.post("/language", data={"lang": "ko", "next": "/"})
    issued = organizer.post("/e/test-expo/manage/badges/issue", headers={"Referer": referer})
    assert issued.location == "/e/test-expo/manage/badges/"


def test_a_get_follows_its_own_address_not_the_page_before(login_as):
    """Following a plain link from a page opened with ?lang=en leaves the language to
    the account (or the switch): a link shared in one language is for that page."""
    organizer = login_as("organizer")
    organizer.post("/language", data={"lang": "ko", "next": "/"})
    page = organizer.get(
        "/e/test-expo/manage/badges/",
        headers={"Referer": "http://localhost/e/test-expo/manage/badges/?lang=en"},
    ).get_data(as_text=True)
    assert '<html lang="ko"' in page


def test_a_visitor_who_came_by_a_link_in_one_language_keeps_it(client, small_event):
    """A visitor whose browser reads Korean opens "/?lang=en" from a poster: the
    pages behind the plain links on it come in English too. Before, the next page
    went back to the browser's Korean."""
    korean_browser = {"Accept-Language": "ko-KR,ko;q=0.9"}
    first = client.get("/e/test-expo/?lang=en", headers=korean_browser)
    assert '<html lang="en"' in first.get_data(as_text=True)
    page = client.get("/e/test-expo/", headers=korean_browser).get_data(as_text=True)
    assert '<html lang="en"' in page and "Sign in" in page
    # The language switch still chooses.
    client.post("/language", data={"lang": "ko", "next": "/e/test-expo/"})
    page = client.get("/e/test-expo/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="ko"' in page
    # So does the next link in one language.
    client.get("/e/test-expo/?lang=en")
    page = client.get("/e/test-expo/", headers=korean_browser).get_data(as_text=True)
    assert '<html lang="en"' in page


def test_a_link_in_one_language_leaves_a_signed_in_account_its_own(login_as):
    organizer = login_as("organizer")
    organizer.post("/language", data={"lang": "ko", "next": "/"})
    assert '<html lang="en"' in organizer.get("/e/test-expo/?lang=en").get_data(as_text=True)
    assert '<html lang="ko"' in organizer.get("/e/test-expo/").get_data(as_text=True)


@pytest.mark.parametrize(
    ("zone", "english", "korean"),
    [
        ("Asia/Seoul", "South Korea Time", "대한민국 시간"),
        ("Asia/Calcutta", "India Time", "인도 시간"),
        ("UTC", "UTC", "UTC"),
        ("Etc/UTC", "UTC", "UTC"),
        ("Etc/GMT-9", "UTC+09:00", "UTC+09:00"),
        ("Etc/GMT+3", "UTC-03:00", "UTC-03:00"),
    ],
)
def test_a_time_zone_reads_as_its_place_or_its_offset(app, zone, english, korean):
    """A fair held on UTC read "(Unknown Region (UTC) Time)" in its agendas and exports:
    zones that lie in no country are named by their offset."""
    from flask_babel import force_locale

    from eventapp.core.templating import zone_name

    with app.app_context():
        with force_locale("en"):
            assert zone_name(zone) == english
        with force_locale("ko"):
            assert zone_name(zone) == korean
