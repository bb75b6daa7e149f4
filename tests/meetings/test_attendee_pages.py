"""What a participant reads on the meetup pages: where they are, and what each
form asks of them."""

import re

from eventapp.extensions import db
from tests.conftest import login
from tests.meetings.conftest import booked_meeting

BASE = "/e/test-expo/meetings"


def _current_tabs(page):
    return re.findall(r'<a class="button small" href="([^"]+)" aria-current="(\w+)"', page)


def test_the_meetup_tabs_mark_the_page_one_is_on(meetup, client):
    """The six tabs above every meetup page looked alike: nothing told which page was
    open, nor, on a request's or a meeting's page, which list it belonged to."""
    meeting = booked_meeting(meetup)
    gamma_id, request_id, meeting_id = (
        meetup.profiles["gamma"].id,
        meeting.request_id,
        meeting.id,
    )
    db.session.commit()
    login(client, meetup.exhibitor_admin)
    for path, tab, current in (
        ("/", "/", "page"),
        ("/partners", "/partners", "page"),
        (f"/partners/{gamma_id}", "/partners", "true"),
        ("/requests", "/requests", "page"),
        (f"/requests/{request_id}", "/requests", "true"),
        ("/availability", "/availability", "page"),
        ("/agenda", "/agenda", "page"),
        (f"/m/{meeting_id}", "/agenda", "true"),
        ("/profile", "/profile", "page"),
    ):
        page = client.get(f"{BASE}{path}?lang=en").get_data(as_text=True)
        assert _current_tabs(page) == [(f"{BASE}{tab}", current)], path


def _label(page, name):
    return re.search(rf'<label for="{name}">([^<]*)</label>', page).group(1)


def test_the_reasons_say_what_they_are_for(meetup, client):
    """Between "Accept" and "Decline" a box was labelled only "Reason" (사유): required
    to decline, yet nothing said so nor what it was for; the box above "Withdraw the
    request" or "Cancel the meeting" had the same label and was optional."""
    from eventapp.meetings import services

    alpha, beta = meetup.profiles["alpha"], meetup.profiles["beta"]
    asked = services.send_request(meetup.event, beta, alpha, meetup.other_exhibitor)
    meeting = booked_meeting(meetup)  # alpha's, with gamma
    asked_id, meeting_id = asked.id, meeting.id
    db.session.commit()
    login(client, meetup.exhibitor_admin)  # alpha's: answers beta's request
    for lang, declining, optional in (
        ("en", "Reason for declining", "Reason (optional)"),
        ("ko", "거절 사유", "사유 (선택)"),
    ):
        page = client.get(f"{BASE}/requests/{asked_id}?lang={lang}").get_data(as_text=True)
        assert 'id="accept-request"' in page
        assert _label(page, "reason") == declining
        page = client.get(f"{BASE}/m/{meeting_id}?lang={lang}").get_data(as_text=True)
        assert _label(page, "reason") == optional


def _side_line(page):
    # The line under the company's name, atop the profile form.
    line = re.search(
        r'<section class="card">\s*<h2>[^<]*</h2>\s*<p class="muted"[^>]*>(.*?)</p>', page, re.S
    ).group(1)
    return " ".join(re.sub(r"<[^>]+>", " ", line).split())


def test_the_profile_says_a_startup_is_a_startup_once(meetup, client):
    """A startup's profile page opened with "스타트업 · 스타트업(기술 공급기업)으로서
    대기업·중견기업 및 바이어와 만납니다." ("startup · ... as a startup"): its kind,
    then a sentence naming it again."""
    login(client, meetup.exhibitor_admin)  # alpha's, a startup
    page = client.get(f"{BASE}/profile?lang=ko").get_data(as_text=True)
    assert _side_line(page) == "스타트업(기술 공급기업)으로서 대기업·중견기업 및 바이어와 만납니다."
    page = client.get(f"{BASE}/profile?lang=en").get_data(as_text=True)
    assert _side_line(page) == (
        "You meet large and mid-size firms and buyers as a startup (technology supplier)."
    )
    client.post("/logout")
    login(client, meetup.attendee)  # gamma's, a large firm: its kind says which
    page = client.get(f"{BASE}/profile?lang=en").get_data(as_text=True)
    assert _side_line(page) == "Large firm You meet startups as a firm."


def test_the_proposer_reads_of_its_own_proposal_as_its_own(meetup, client):
    """The startup's people read of their own proposal in the third person, as of
    another company's ("알파로보틱스가 다른 시간을 제안했습니다"); the firm is told
    who proposed."""
    from eventapp.meetings import services

    meeting = booked_meeting(meetup)
    services.propose_time(
        meeting, meetup.slots[3], meetup.profiles["alpha"], meetup.exhibitor_admin
    )
    meeting_id = meeting.id
    db.session.commit()
    login(client, meetup.exhibitor_admin)  # alpha's, the proposer
    for path in (f"/m/{meeting_id}", "/agenda"):
        page = client.get(f"{BASE}{path}?lang=ko").get_data(as_text=True)
        assert "<strong>다른 시간을 제안했습니다:</strong>" in page, path
        assert "알파로보틱스이(가)" not in page and "알파로보틱스가" not in page
    client.post("/logout")
    login(client, meetup.attendee)  # gamma's, which answers
    page = client.get(f"{BASE}/m/{meeting_id}?lang=en").get_data(as_text=True)
    assert "proposes another time:" in page and "You proposed" not in page


def test_a_partners_match_does_not_start_a_line_with_a_dot(meetup, client):
    """Each reason of a recommendation wraps as a block of its own; the score was
    written "· 일치도 69%", so on a phone a line began with the dot."""
    login(client, meetup.exhibitor_admin)
    page = client.get(f"{BASE}/partners?lang=ko").get_data(as_text=True)
    scores = re.findall(r'<span class="muted[^"]*">\s*([^<]*일치도[^<]*)</span>', page)
    assert scores and all(re.fullmatch(r"일치도 \d+%", score.strip()) for score in scores)


def test_a_booked_request_reads_as_its_meeting_alone(meetup, client):
    """It showed two green labels, "accepted" and "scheduled" (수락됨 확정됨)."""
    booked_meeting(meetup)
    login(client, meetup.exhibitor_admin)
    page = client.get(f"{BASE}/requests?lang=en").get_data(as_text=True)
    status = page.split('data-label="Status">', 1)[1].split("</td>", 1)[0]
    assert re.findall(r'class="badge-pill[^"]*">([^<]*)<', status) == ["Scheduled"]


def test_the_home_page_counts_open_the_lists_they_count(meetup, client):
    """The four tiles looked tappable and were not."""
    booked_meeting(meetup)
    login(client, meetup.exhibitor_admin)
    page = client.get(f"{BASE}/?lang=en").get_data(as_text=True)
    tiles = re.findall(
        r'<a class="stat" href="([^"]+)"><span class="stat-num">(\d+)</span>'
        r'<span class="stat-label">([^<]+)</span></a>',
        page,
    )
    assert tiles == [
        (f"{BASE}/requests", "0", "requests to answer"),
        (f"{BASE}/requests", "0", "requests waiting"),
        (f"{BASE}/requests", "0", "accepted, to book"),
        (f"{BASE}/agenda", "1", "meetings"),
    ]


def test_a_meeting_under_way_is_no_longer_offered_for_the_calendar(meetup, client, monkeypatch):
    from eventapp.meetings import services

    meeting = booked_meeting(meetup)
    login(client, meetup.exhibitor_admin)
    url = f"{BASE}/m/{meeting.id}?lang=en"
    assert 'id="meeting-ics"' in client.get(url).get_data(as_text=True)
    started = meeting.starts_at
    monkeypatch.setattr(services, "_now", lambda: started)
    assert 'id="meeting-ics"' not in client.get(url).get_data(as_text=True)


def test_requests_waiting_on_the_reader_come_first(meetup, client):
    """In date order alone, a request to answer sank below newer ones the company sent."""
    from eventapp.meetings import services
    from tests.meetings.conftest import add_company

    gamma = meetup.profiles["gamma"]
    booked_meeting(meetup)  # alpha and gamma, booked
    s1_user, s1 = add_company(meetup.event, "s1", "startup")
    services.send_request(meetup.event, s1, gamma, s1_user, "Hello")  # to answer
    _s2_user, s2 = add_company(meetup.event, "s2", "startup")
    db.session.commit()
    services.send_request(meetup.event, gamma, s2, meetup.attendee, "Hi")  # sent, newest
    db.session.commit()
    login(client, meetup.attendee)
    page = client.get(f"{BASE}/requests?lang=en").get_data(as_text=True)
    companies = [name for name in ("S1 Co", "S2 Co", "Alpha Robotics") if name in page]
    assert sorted(companies, key=page.index) == ["S1 Co", "S2 Co", "Alpha Robotics"]


def test_a_request_just_sent_says_what_happens_next(meetup, client):
    from eventapp.meetings import services

    request = services.send_request(
        meetup.event, meetup.profiles["alpha"], meetup.profiles["gamma"], meetup.exhibitor_admin, ""
    )
    db.session.commit()
    login(client, meetup.exhibitor_admin)
    page = client.get(f"{BASE}/requests/{request.id}?lang=en").get_data(as_text=True)
    assert "Gamma Group is asked to answer. You get an e-mail when it does" in page
    client.post("/logout")
    login(client, meetup.attendee)  # the invited side answers instead
    page = client.get(f"{BASE}/requests/{request.id}?lang=en").get_data(as_text=True)
    assert 'id="next-step"' not in page and "Your answer" in page


def test_every_attendee_page_says_where_one_is_before_its_tabs(meetup, client):
    """A partner's page began with the six tabs of the meetup, its heading (the
    company's name) after them: read aloud, the page said whose it was last."""
    gamma_id = meetup.profiles["gamma"].id
    login(client, meetup.exhibitor_admin)
    for path in ("/", "/partners", f"/partners/{gamma_id}", "/requests", "/agenda", "/profile"):
        page = client.get(f"{BASE}{path}?lang=en").get_data(as_text=True)
        content = page.split("<main", 1)[1]
        assert content.index("<h1") < content.index("meet-subnav"), path
    page = client.get(f"{BASE}/partners/{gamma_id}?lang=en").get_data(as_text=True)
    assert "<h1>Gamma Group</h1>" in page


def test_a_request_and_a_meeting_say_which_they_are_before_their_tabs(meetup, client):
    """A request's and a meeting's pages began with the meetup's six tabs, their
    heading (who meets whom) after them, as a partner's page did."""

    meeting = booked_meeting(meetup)
    login(client, meetup.exhibitor_admin)
    for path, heading in (
        (
            f"/requests/{meeting.request_id}",
            "<h1>Meeting request: Alpha Robotics ↔ Gamma Group</h1>",
        ),
        (f"/m/{meeting.id}", "<h1>Meeting: Alpha Robotics ↔ Gamma Group</h1>"),
    ):
        page = client.get(f"{BASE}{path}?lang=en").get_data(as_text=True)
        content = page.split("<main", 1)[1]
        assert heading in content, path
        assert content.index("<h1") < content.index("meet-subnav"), path


def test_a_partners_kind_sector_and_stage_stand_with_a_capital(meetup, client):
    """Shown on their own, the labels of a company read "startup", "ai·digital",
    "seed" in English; Korean has no capitals and reads the same."""
    alpha = meetup.profiles["alpha"]
    pill = re.compile(r'<span class="badge-pill">([^<]*)</span>')
    login(client, meetup.attendee)  # gamma, a firm, looks at alpha, a startup
    page = client.get(f"{BASE}/partners/{alpha.id}?lang=en").get_data(as_text=True)
    card = page.split("meet-profile", 1)[1].split("</p>", 1)[0]
    assert pill.findall(card) == ["Startup", "AI·digital", "South Korea", "Seed"]
    page = client.get(f"{BASE}/partners?lang=en").get_data(as_text=True)
    card = page.split(f'data-profile="{alpha.id}"', 1)[1].split("</div>", 1)[0]
    assert pill.findall(card) == ["Startup", "AI·digital", "South Korea"]
    # The filters' choices too.
    assert ">All sectors</option>" in page and ">Eco-friendly</option>" in page
    assert ">All kinds</option>" in page and ">All countries</option>" in page
    page = client.get(f"{BASE}/partners/{alpha.id}?lang=ko").get_data(as_text=True)
    card = page.split("meet-profile", 1)[1].split("</p>", 1)[0]
    assert pill.findall(card)[:2] == ["스타트업", "AI·디지털"]
    # In one's own profile form: the stage and sector choices.
    client.post("/logout")
    login(client, meetup.exhibitor_admin)
    page = client.get(f"{BASE}/profile?lang=en").get_data(as_text=True)
    assert ">Not given</option>" in page and ">Bio-health</option>" in page


def test_a_request_and_a_meeting_read_their_status_as_the_request_list_does(meetup, client):
    """The request list read "Accepted", "Scheduled" with a capital; the request's own
    page, the meeting's page and the agenda still read "accepted", "scheduled"."""
    meeting = booked_meeting(meetup)
    request_id, meeting_id = meeting.request_id, meeting.id
    db.session.commit()
    login(client, meetup.exhibitor_admin)
    page = client.get(f"{BASE}/requests/{request_id}?lang=en").get_data(as_text=True)
    assert re.search(r'id="request-status">Accepted<', page)
    assert re.search(r'<span class="badge-pill">Scheduled</span>', page)
    page = client.get(f"{BASE}/m/{meeting_id}?lang=en").get_data(as_text=True)
    assert re.search(r'id="meeting-status">Scheduled', page)
    page = client.get(f"{BASE}/agenda?lang=en").get_data(as_text=True)
    item = page.split(f'data-meeting="{meeting_id}"', 1)[1]
    assert re.findall(r'class="badge-pill[^"]*">([^<]*)<', item)[0] == "Scheduled"
    # Korean reads as before.
    page = client.get(f"{BASE}/m/{meeting_id}?lang=ko").get_data(as_text=True)
    assert re.search(r'id="meeting-status">확정됨', page)


def test_a_partners_shared_terms_and_match_stand_with_a_capital(meetup, client):
    """Under "Why:" and its "Same sector", the lines of a partner's card read
    "shared terms: …" and "match 69%" in lower case, each on a line of its own."""
    login(client, meetup.exhibitor_admin)
    page = client.get(f"{BASE}/partners?lang=en").get_data(as_text=True)
    why = re.findall(r'<span class="muted">([^<]*)</span>', page.split("meet-why", 1)[1])
    assert why and re.fullmatch(r"Match \d+%", why[-1].strip())
    assert re.search(r'<span class="muted">Shared terms: ', page)
    page = client.get(f"{BASE}/partners?lang=ko").get_data(as_text=True)
    assert re.search(r'<span class="muted">공통 키워드: ', page)


def test_the_agenda_names_a_partners_kind_and_sector_as_the_request_list_does(meetup, client):
    """Beside the partner's name the agenda read "large firm · AI·digital", the request
    list "Large firm · AI·digital" for the same company."""
    meeting = booked_meeting(meetup)
    meeting_id = meeting.id
    db.session.commit()
    login(client, meetup.exhibitor_admin)  # alpha meets gamma, a large firm
    page = client.get(f"{BASE}/agenda?lang=en").get_data(as_text=True)
    item = page.split(f'data-meeting="{meeting_id}"', 1)[1]
    kind = re.search(r'<span class="muted">([^<]*)</span>', item).group(1)
    assert kind.startswith("Large firm · ")
    page = client.get(f"{BASE}/agenda?lang=ko").get_data(as_text=True)
    item = page.split(f'data-meeting="{meeting_id}"', 1)[1]
    assert re.search(r'<span class="muted">대기업 · ', item)


def test_a_requests_direction_stands_with_a_capital_as_its_status_does(meetup, client):
    """Beside "Requested" and "Mutual", the direction read "sent" / "received"."""
    from eventapp.meetings import services
    from tests.meetings.conftest import add_company

    gamma = meetup.profiles["gamma"]
    s1_user, s1 = add_company(meetup.event, "s1", "startup")
    services.send_request(meetup.event, s1, gamma, s1_user, "Hello")
    _s2_user, s2 = add_company(meetup.event, "s2", "startup")
    services.send_request(meetup.event, gamma, s2, meetup.attendee, "Hi")
    db.session.commit()
    login(client, meetup.attendee)
    for lang, words in (("en", ["Received", "Sent"]), ("ko", ["받음", "보냄"])):
        page = client.get(f"{BASE}/requests?lang={lang}").get_data(as_text=True)
        cells = re.findall(r'data-label="[^"]*">(\w+)\s', page.split("<tbody>", 1)[1])
        assert [c for c in cells if c.lower() in ("received", "sent", "받음", "보냄")] == words


def test_availability_saved_from_an_older_page_keeps_a_colleagues_change(meetup, client):
    """Two people of a company (or two tabs) with "My availability" open: the page saved
    last replaced every slot with what it showed, and the slot the colleague had
    ticked or unticked meanwhile was silently undone. Only what was changed on the
    page applies now."""
    from eventapp.meetings import services

    alpha = meetup.profiles["alpha"]
    first, second, third = (slot.id for slot in meetup.slots[:3])
    services.set_unavailable(alpha, [first])
    db.session.commit()
    login(client, meetup.exhibitor_admin)  # acts for alpha
    page = client.get(f"{BASE}/availability").get_data(as_text=True)
    (shown,) = re.findall(r'name="before" value="([^"]*)"', page)
    assert shown == str(first)
    # Meanwhile a colleague (exhibitor_staff, also alpha) marks the third slot.
    services.set_unavailable(alpha, [first, third])
    db.session.commit()
    # The older page unticks the first slot and ticks the second.
    response = client.post(
        f"{BASE}/availability", data={"unavailable": [str(second)], "before": shown}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert services.unavailable_slot_ids(alpha) == {second, third}
    # A form posted without what it showed replaces the slots, as before.
    client.post(f"{BASE}/availability", data={"unavailable": [str(first)]})
    db.session.expire_all()
    assert services.unavailable_slot_ids(alpha) == {first}
