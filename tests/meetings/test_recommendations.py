"""Partner recommendations: the pure ranking and the partners page with its filters."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eventapp.extensions import db
from eventapp.meetings.recommend import Candidate, normalize_keywords, recommend, tokens
from tests.conftest import login
from tests.meetings.conftest import add_company


def test_tokens_split_latin_words_and_hangul_bigrams():
    assert tokens("Machine-vision for the Factory") == ["machine-vision", "factory"]
    assert tokens("배터리를 검사") == ["배터", "터리", "리를", "검사"]
    assert tokens("AI 및 로봇") == ["ai", "및", "로봇"]
    # Inflected forms share bigrams, so Korean texts match across particles.
    assert set(tokens("배터리의")) & set(tokens("배터리를"))


def test_normalize_keywords():
    # As written; the same tag in another case once, first spelling kept.
    assert normalize_keywords(" Machine  Vision, IoT,iot ,, ") == ["Machine Vision", "IoT"]
    assert normalize_keywords(["A", "a", "B"]) == ["A", "B"]


def test_keywords_match_whatever_their_case_and_show_as_written():
    """Tags were stored lower-case to match ("#iot", "#lidar" on the cards); they keep
    the company's spelling and still match a tag written in another case, such as the
    lower-case ones profiles saved before kept."""
    me = _c(1, "startup", keywords=["IoT", "LiDAR", "Edge AI"])
    other = _c(2, "firm", keywords=["iot", "lidar", "robotics", "IOT"])
    (ranked,) = recommend(me, [other])
    assert ranked.keywords == ["IoT", "LiDAR"]
    # Two of four tags, the repeat once (the tags' words count as text too).
    keyword_part = ranked.score - 0.55 * ranked.similarity
    assert keyword_part == pytest.approx(0.20 * 2 / 4, abs=1e-3)


def test_keywords_typed_with_full_width_commas_are_separate(meetup, client):
    """Korean input methods type "，" (and "、", "；"): those separate keywords too,
    which were kept as one long keyword."""
    assert normalize_keywords("모션제어，로봇") == ["모션제어", "로봇"]
    assert normalize_keywords("비전、AI；배터리; 센서") == ["비전", "AI", "배터리", "센서"]

    login(client, meetup.attendee)  # gamma
    client.post(
        "/e/test-expo/meetings/profile",
        data={
            "need_ko": "모션 제어",
            "sector": "ai",
            "country": "KR",
            "keywords": "모션제어，로봇、스마트팩토리；AI",
        },
    )
    db.session.expire_all()
    assert meetup.profiles["gamma"].keywords == ["모션제어", "로봇", "스마트팩토리", "AI"]


def _c(cid, side, sector="other", keywords=(), text=""):
    return Candidate(id=cid, side=side, sector=sector, keywords=list(keywords), text=text)


def test_ranking_and_reasons():
    me = _c(
        1,
        "startup",
        "ai",
        ["machine vision", "quality"],
        "머신비전 불량 검사 machine vision inspection",
    )
    others = [
        _c(2, "firm", "ai", ["machine vision"], "생산라인 머신비전 검사 도입 machine vision"),
        _c(3, "firm", "bio", [], "바이오 시료 자동화 lab automation"),
        _c(4, "firm", "ai", [], "ERP consulting"),
        _c(5, "startup", "ai", ["machine vision"], "machine vision"),  # same side: never
    ]
    ranked = recommend(me, others)
    assert [r.id for r in ranked] == [2, 4, 3]
    best = ranked[0]
    assert best.same_sector and best.keywords == ["machine vision"]
    assert "machine" in best.shared_words and "머신비전" in best.shared_words
    assert "검사" in best.shared_words  # whole Korean words, not bigram fragments
    assert not any(len(w) == 2 and w in ("머신", "신비", "비전") for w in best.shared_words)
    assert ranked[-1].score < best.score
    assert not ranked[-1].same_sector and ranked[-1].keywords == []


def test_korean_only_texts_match_each_other():
    me = _c(1, "firm", "other", [], "이차전지 배터리 셀 검사 기술을 찾습니다")
    ranked = recommend(
        me,
        [
            _c(2, "startup", "other", [], "배터리를 검사하는 장비"),
            _c(3, "startup", "other", [], "식품 포장 디자인"),
        ],
    )
    assert ranked[0].id == 2 and ranked[0].similarity > ranked[1].similarity


texts = st.text(alphabet="abcde 가나다라마배터리검사", max_size=40)
people = st.builds(
    Candidate,
    id=st.integers(2, 10_000),
    side=st.sampled_from(["startup", "firm"]),
    sector=st.sampled_from(["ai", "bio", "other"]),
    keywords=st.lists(st.sampled_from(["a", "b", "c"]), max_size=3),
    text=texts,
)


@settings(max_examples=60, deadline=None)
@given(me_text=texts, others=st.lists(people, max_size=12, unique_by=lambda c: c.id))
def test_recommend_properties(me_text, others):
    me = Candidate(id=1, side="startup", sector="ai", keywords=["a"], text=me_text)
    ranked = recommend(me, others)
    expected = {c.id for c in others if c.side == "firm"}
    assert {r.id for r in ranked} == expected
    scores = [r.score for r in ranked]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= r.score <= 1.0001 for r in ranked)
    assert all(0.0 <= r.similarity <= 1.0001 for r in ranked)
    assert recommend(me, list(reversed(others))) == ranked  # order of input is irrelevant


def test_partners_page_ranks_and_filters(meetup, client):
    _user, eps = add_company(
        meetup.event, "eps", "investor", sector="ai", need_en="machine vision for export"
    )
    eps.organization.country = "US"
    eps.country = "US"
    db.session.commit()
    login(client, meetup.exhibitor_admin)  # alpha: startup, machine vision
    page = client.get("/e/test-expo/meetings/partners").get_data(as_text=True)
    gamma, beta = "Gamma Group", "Beta Bio"
    assert gamma in page and beta in page and "Eps Co" in page
    assert page.index(gamma) < page.index(beta)  # shared sector + keyword + words
    assert "#machine vision" in page and "Same sector" in page

    page = client.get("/e/test-expo/meetings/partners?sector=bio").get_data(as_text=True)
    assert beta in page and gamma not in page
    page = client.get("/e/test-expo/meetings/partners?country=us").get_data(as_text=True)
    assert "Eps Co" in page and gamma not in page
    # Countries are chosen from a list and shown by name in the page's language.
    page = client.get("/e/test-expo/meetings/partners?country=us&lang=en").get_data(as_text=True)
    assert '<option selected value="US">United States</option>' in page
    assert '<span class="badge-pill">United States</span>' in page
    page = client.get("/e/test-expo/meetings/partners?country=US&lang=ko").get_data(as_text=True)
    assert '<span class="badge-pill">미국</span>' in page
    page = client.get("/e/test-expo/meetings/partners?kind=large_firm").get_data(as_text=True)
    assert gamma in page and beta not in page and "Eps Co" not in page
    page = client.get("/e/test-expo/meetings/partners?q=beta").get_data(as_text=True)
    assert beta in page and gamma not in page
    # The kinds offered are those of the other side: "startup" found nobody here.
    kinds = page.split('name="kind"', 1)[1].split("</select>", 1)[0]
    assert 'value="large_firm"' in kinds and 'value="investor"' in kinds
    assert 'value="startup"' not in kinds and 'value="university"' not in kinds
    # The startup side never sees other startups.
    assert (
        "Alpha Robotics"
        not in client.get("/e/test-expo/meetings/partners")
        .get_data(as_text=True)
        .split("<ol", 1)[1]
    )


def test_the_search_finds_the_words_the_cards_show(meetup, client):
    """The search looked at names and keywords only: "머신비전", shown on the card of
    gamma (it looks for 생산라인 머신비전 검사), found nothing."""
    login(client, meetup.exhibitor_admin)  # alpha: startup
    for query in ("머신비전", "production lines"):
        page = client.get(f"/e/test-expo/meetings/partners?q={query}").get_data(as_text=True)
        listing = page.split("<ol", 1)[1]
        assert "Gamma Group" in listing and "Beta Bio" not in listing, query
    page = client.get("/e/test-expo/meetings/partners?q=시료").get_data(as_text=True)
    listing = page.split("<ol", 1)[1]
    assert "Beta Bio" in listing and "Gamma Group" not in listing


def test_the_search_finds_words_typed_in_full_width_or_decomposed_hangul(meetup, client):
    """A Korean input method in full-width mode types "ｍａｃｈｉｎｅ" and "ＧＡＭＭＡ",
    and text from a Mac may hold Hangul as decomposed jamo: the partner search and the
    organizers' participant search found nobody; they find what the cards show."""
    import unicodedata
    from urllib.parse import quote

    decomposed = unicodedata.normalize("NFD", "머신비전")
    assert decomposed != "머신비전"
    login(client, meetup.exhibitor_admin)  # alpha: startup
    for query in ("ＧＡＭＭＡ", "ｍａｃｈｉｎｅ　ｖｉｓｉｏｎ", decomposed, "production  lines"):
        page = client.get(f"/e/test-expo/meetings/partners?q={quote(query)}").get_data(as_text=True)
        listing = page.split("<ol", 1)[1]
        assert "Gamma Group" in listing and "Beta Bio" not in listing, query

    login(client, meetup.organizer)
    gamma = meetup.profiles["gamma"]
    for query in ("ｇａｍｍａ", unicodedata.normalize("NFD", "감마")):
        url = f"/e/test-expo/meetings/manage/participants?lang=en&q={quote(query)}"
        rows = re.findall(r'<tr id="p(\d+)"', client.get(url).get_data(as_text=True))
        assert rows == [str(gamma.id)], query


def test_firm_sees_startups(meetup, client):
    login(client, meetup.attendee)  # gamma: firm
    page = client.get("/e/test-expo/meetings/partners").get_data(as_text=True)
    listing = page.split("<ol", 1)[1]
    assert "Alpha Robotics" in listing and "Beta Bio" not in listing


def test_without_a_profile_partners_redirects_to_the_profile_form(small_event, client):
    login(client, small_event.attendee)
    response = client.get("/e/test-expo/meetings/partners")
    assert response.status_code == 302 and response.location.endswith("/meetings/profile")


def test_repeated_keywords_count_once():
    me = Candidate(id=1, side="startup", sector="ai", keywords=["a"], text="가")
    other = Candidate(id=2, side="firm", sector="ai", keywords=["a", "a"], text="가")
    (ranked,) = recommend(me, [other])
    assert ranked.keywords == ["a"] and ranked.score == 1.0


def test_every_matching_partner_is_reachable_a_page_at_a_time(meetup, client):
    """The page said "63 companies" but listed the first 60, with no way to the rest.
    Now it pages through them all, keeping the filter."""
    import html
    import re

    for number in range(61):
        add_company(meetup.event, f"firm{number:02d}", "large_firm", sector="robotics")
    db.session.commit()
    login(client, meetup.exhibitor_admin)  # alpha: startup; 63 firms to meet
    seen, url = [], "/e/test-expo/meetings/partners?kind=large_firm"
    while url:
        page = client.get(url).get_data(as_text=True)
        assert "62 companies" in page  # gamma and the 61 new large firms
        seen += re.findall(r'data-profile="(\d+)"', page)
        after = re.search(r'href="([^"]*)">Next</a>', page)
        url = html.unescape(after.group(1)) if after else None
        assert url is None or "kind=large_firm" in url and "page=" in url
    assert len(seen) == len(set(seen)) == 62
    # A page number beyond the last shows the last page.
    last = client.get("/e/test-expo/meetings/partners?page=99").get_data(as_text=True)
    assert "Page 2 of 2" in last and 'data-profile="' in last


@pytest.mark.parametrize("lang, startup", [("ko", "스타트업"), ("en", "Startup")])
def test_a_startups_card_names_it_a_startup_once(meetup, client, lang, startup):
    """The card showed the side and the kind of the company side by side, so a
    startup read "스타트업 스타트업"; a firm keeps both ("기업", "대기업")."""
    alpha, beta = meetup.profiles["alpha"], meetup.profiles["beta"]
    pill = re.compile(r'<span class="badge-pill">([^<]*)</span>')

    login(client, meetup.attendee)  # gamma, a firm, looks at alpha, a startup
    page = client.get(f"/e/test-expo/meetings/partners/{alpha.id}?lang={lang}")
    card = page.get_data(as_text=True).split("meet-profile", 1)[1].split("</p>", 1)[0]
    assert pill.findall(card).count(startup) == 1

    client.post("/logout")
    login(client, meetup.exhibitor_admin)  # alpha looks at beta, a mid-size firm
    page = client.get(f"/e/test-expo/meetings/partners/{beta.id}?lang=ko")
    card = page.get_data(as_text=True).split("meet-profile", 1)[1].split("</p>", 1)[0]
    assert pill.findall(card)[:2] == ["기업", "중견기업"]


def _partner_tab(page):
    import html

    nav = page.split('class="toolbar meet-subnav"', 1)[1].split("</nav>", 1)[0]
    href = re.search(r'href="([^"]*)"[^>]*>(?:Find partners|파트너 찾기)<', nav).group(1)
    return html.unescape(href)


def _listing(page):
    return page.split("<ol", 1)[1].split("</ol>", 1)[0]


def test_the_partner_list_is_kept_as_filtered_on_coming_back(meetup, client):
    """Filtered by kind and words, a partner opened, then the "Find partners" tab: the
    list came back unfiltered, every filter to choose again."""
    import html

    gamma_id = meetup.profiles["gamma"].id
    base = "/e/test-expo/meetings/partners"
    login(client, meetup.exhibitor_admin)  # alpha: startup
    page = client.get(f"{base}?sector=&country=&kind=large_firm&q=vision&lang=en")
    listing = _listing(page.get_data(as_text=True))
    assert "Gamma Group" in listing and "Beta Bio" not in listing
    # The partner's page leads back to the list as it was: tab and back link alike.
    page = client.get(f"{base}/{gamma_id}?lang=en").get_data(as_text=True)
    assert _partner_tab(page) == f"{base}?kind=large_firm&q=vision"
    back = re.search(r'id="back-to-partners" href="([^"]*)">Back to the partner list<', page)
    assert html.unescape(back.group(1)) == f"{base}?kind=large_firm&q=vision"
    # The list opened with no filters in its address (another meetup link) is the same.
    page = client.get(f"{base}?lang=en").get_data(as_text=True)
    assert "Beta Bio" not in _listing(page) and "Gamma Group" in _listing(page)
    assert '<option selected value="large_firm">' in page and 'value="vision"' in page
    # Filters in the address win, and are the ones remembered from then on.
    page = client.get(f"{base}?sector=bio&lang=en").get_data(as_text=True)
    assert "Beta Bio" in _listing(page) and "Gamma Group" not in _listing(page)
    page = client.get(f"{base}/{gamma_id}?lang=en").get_data(as_text=True)
    assert _partner_tab(page) == f"{base}?sector=bio"
    # "Clear filters" forgets them: the whole list, and a bare tab.
    page = client.get(f"{base}?lang=en").get_data(as_text=True)
    clear = re.search(r'id="clear-filters" href="([^"]*)">Clear filters<', page)
    page = client.get(html.unescape(clear.group(1))).get_data(as_text=True)
    assert "Beta Bio" in _listing(page) and "Gamma Group" in _listing(page)
    assert 'id="clear-filters"' not in page
    assert _partner_tab(client.get(f"{base}/{gamma_id}").get_data(as_text=True)) == base
    # So does the form sent with every filter emptied.
    client.get(f"{base}?kind=large_firm")
    client.get(f"{base}?sector=&country=&kind=&q=")
    assert _partner_tab(client.get(f"{base}/{gamma_id}").get_data(as_text=True)) == base


def test_the_partner_list_comes_back_at_its_page(meetup, client):
    for number in range(61):
        add_company(meetup.event, f"firm{number:02d}", "large_firm", sector="robotics")
    db.session.commit()
    gamma_id = meetup.profiles["gamma"].id
    base = "/e/test-expo/meetings/partners"
    login(client, meetup.exhibitor_admin)
    client.get(f"{base}?kind=large_firm&page=2")
    page = client.get(f"{base}/{gamma_id}?lang=en").get_data(as_text=True)
    assert _partner_tab(page) == f"{base}?kind=large_firm&page=2"
    assert "Page 2 of 2" in client.get(f"{base}?lang=en").get_data(as_text=True)
    # Filtered anew, the list starts at its first page.
    client.get(f"{base}?kind=large_firm&q=co")
    page = client.get(f"{base}/{gamma_id}?lang=en").get_data(as_text=True)
    assert _partner_tab(page) == f"{base}?kind=large_firm&q=co"


def test_a_search_too_long_for_its_field_is_not_remembered(meetup, client):
    """The filters are kept in the session cookie. A hand-made link with a search of
    thousands of characters made the cookie too big for the browser, which then kept
    none of the session's later changes."""
    gamma_id = meetup.profiles["gamma"].id
    base = "/e/test-expo/meetings/partners"
    login(client, meetup.exhibitor_admin)
    client.get(f"{base}?kind=large_firm&q=vision")
    page = client.get(f"{base}?kind=large_firm&q={'x' * 3000}&lang=en")
    assert page.status_code == 200
    # The rest of the filters are remembered; the search is not.
    page = client.get(f"{base}/{gamma_id}?lang=en").get_data(as_text=True)
    assert _partner_tab(page) == f"{base}?kind=large_firm"
    client.get(f"{base}?q={'y' * 100}")
    page = client.get(f"{base}/{gamma_id}?lang=en").get_data(as_text=True)
    assert _partner_tab(page) == f"{base}?q={'y' * 100}"


def test_shared_terms_are_shown_as_written():
    """The card's "shared terms" showed the words as matched, in lower case ("iot",
    "lidar", "ai"), not as either company wrote them."""
    me = Candidate(
        id=1, side="startup", sector="ai", text="Smart manufacturing with IoT and LiDAR. AI vision"
    )
    other = Candidate(
        id=2, side="firm", sector="bio", text="Manufacturing lines: iot, lidar and ai at each line"
    )
    (ranked,) = recommend(me, [other])
    # Matched as before, in lower case; shown as written (by `me` on a tie).
    assert ranked.similarity > 0
    assert sorted(ranked.shared_words) == ["AI", "IoT", "LiDAR", "manufacturing"]
    # A capital that only starts a sentence is not how the word is written.
    (ranked,) = recommend(
        Candidate(id=1, side="startup", sector="ai", text="Manufacturing robots"),
        [Candidate(id=2, side="firm", sector="bio", text="robots for manufacturing")],
    )
    assert sorted(ranked.shared_words) == ["manufacturing", "robots"]


def test_a_partners_card_shows_shared_terms_as_written(meetup, client):
    add_company(
        meetup.event,
        "eps",
        "large_firm",
        sector="bio",
        need_en="IoT retrofits of LiDAR scanners in our plants",
    )
    alpha = meetup.profiles["alpha"]
    alpha.offer_en = "LiDAR and IoT sensing for factory inspection"
    db.session.commit()
    login(client, meetup.exhibitor_admin)
    page = client.get("/e/test-expo/meetings/partners?q=retrofits&lang=en").get_data(as_text=True)
    terms = re.search(r"Shared terms: ([^<]*)<", _listing(page)).group(1).split(", ")
    assert "IoT" in terms and "LiDAR" in terms
    assert "iot" not in terms and "lidar" not in terms


def test_the_partner_list_is_not_kept_for_the_next_person_on_the_browser(meetup, client):
    """The filters were kept in the browser's session, which outlives signing out: the
    next person signing in on the same computer (a shared one at a stand) found the
    list filtered by the words the last one searched for."""
    _delta, _profile = add_company(meetup.event, "delta", "startup", sector="robotics")
    db.session.commit()
    gamma_id = meetup.profiles["gamma"].id
    base = "/e/test-expo/meetings/partners"
    login(client, meetup.exhibitor_admin)
    client.get(f"{base}?kind=large_firm&q=vision")
    client.post("/logout")
    login(client, _delta)
    page = client.get(f"{base}?lang=en").get_data(as_text=True)
    assert "Beta Bio" in _listing(page) and "Gamma Group" in _listing(page)
    assert 'value="vision"' not in page and 'id="clear-filters"' not in page
    assert _partner_tab(client.get(f"{base}/{gamma_id}").get_data(as_text=True)) == base
    # Nor when the last one did not sign out: the session is taken over by a new sign-in.
    client.get(f"{base}?q=inspection")
    login(client, meetup.exhibitor_admin)
    assert _partner_tab(client.get(f"{base}/{gamma_id}").get_data(as_text=True)) == base


def test_the_pages_show_keywords_as_the_company_wrote_them(meetup, client):
    """Gamma wrote "Machine Vision, LiDAR": its card read "#machine vision #lidar". It
    still matches alpha's "machine vision", shown as alpha wrote it on alpha's list."""
    gamma = meetup.profiles["gamma"]
    login(client, meetup.attendee)  # gamma
    client.post(
        "/e/test-expo/meetings/profile",
        data={
            "need_en": gamma.need_en,
            "need_ko": gamma.need_ko,
            "sector": "ai",
            "country": "KR",
            "keywords": "Machine Vision, LiDAR, lidar",
        },
    )
    db.session.expire_all()
    assert gamma.keywords == ["Machine Vision", "LiDAR"]
    form = client.get("/e/test-expo/meetings/profile?lang=en").get_data(as_text=True)
    assert 'value="Machine Vision, LiDAR"' in form
    login(client, meetup.exhibitor_admin)  # alpha: "machine vision, robotics"
    for lang in ("en", "ko"):
        card = client.get(f"/e/test-expo/meetings/partners/{gamma.id}?lang={lang}").get_data(
            as_text=True
        )
        assert '<span class="badge-pill">#Machine Vision</span>' in card, lang
        assert '<span class="badge-pill">#LiDAR</span>' in card, lang
        assert "#lidar" not in card and "#machine vision" not in card
    listing = client.get("/e/test-expo/meetings/partners?lang=en").get_data(as_text=True)
    gamma_row = listing.split(f'data-profile="{gamma.id}"', 1)[1].split("</li>", 1)[0]
    assert '<span class="badge-pill pill-ok">#machine vision</span>' in gamma_row
    # Found by its tag whatever the case typed.
    found = client.get("/e/test-expo/meetings/partners?q=LIDAR").get_data(as_text=True)
    assert f'data-profile="{gamma.id}"' in found
