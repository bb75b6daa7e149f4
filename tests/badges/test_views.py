"""Badge pages: content and the organizer's actions."""

import re

from sqlalchemy import select, update

from eventapp.badges import services
from eventapp.badges.models import Badge
from eventapp.core.audit import AuditEntry
from eventapp.extensions import db
from eventapp.organizations.models import Organization
from tests.badges.readers import pdf_text, qr_codes


def test_my_badge_page_and_pdf(login_as, small_event):
    client = login_as("attendee")
    page = client.get("/e/test-expo/badge")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "attendee 님" in html and "Gamma Group" in html and "<svg" in html
    assert "/e/test-expo/badge.pdf" in html
    # The menu offers the page.
    assert 'href="/e/test-expo/badge"' in client.get("/e/test-expo/").get_data(as_text=True)

    response = client.get("/e/test-expo/badge.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    [[code]] = qr_codes(response.data)
    verdict = services.verify_code(code, small_event.event)
    assert verdict.ok and verdict.badge.user_id == small_event.attendee.id
    assert "attendee 님" in pdf_text(response.data)


def test_a_badges_country_is_named_in_the_readers_language(login_as, small_event):
    """The holder's and the organizer's badge pages said "US"."""
    small_event.companies["gamma"].country = "US"
    badge = services.issue_badge(small_event.event, small_event.attendee)
    db.session.commit()
    assert badge.country == "US"
    pages = (
        ("attendee", "/e/test-expo/badge"),
        ("organizer", f"/e/test-expo/manage/badges/{badge.id}"),
    )
    for role, path in pages:
        client = login_as(role)
        for lang, name in (("en", "United States"), ("ko", "미국")):
            html = client.get(f"{path}?lang={lang}").get_data(as_text=True)
            assert f"<dd>{name}</dd>" in html and "<dd>US</dd>" not in html, (path, lang)


def test_revoked_badge_page_shows_no_code_and_serves_no_pdf(login_as, small_event):
    badge = services.issue_badge(small_event.event, small_event.attendee)
    services.revoke_badge(badge)
    db.session.commit()
    client = login_as("attendee")
    html = client.get("/e/test-expo/badge").get_data(as_text=True)
    assert "<svg" not in html and "revoked" in html
    assert "/e/test-expo/badge.pdf" not in html
    # Typing the PDF's address gives no printable badge either, only the page again.
    response = client.get("/e/test-expo/badge.pdf")
    assert response.status_code == 302 and response.location.endswith("/e/test-expo/badge")
    assert response.mimetype != "application/pdf" and not response.data.startswith(b"%PDF")


def test_revoked_badges_are_left_out_of_company_and_batch_prints(login_as, small_event):
    event = small_event.event
    services.sync_badges(event)
    revoked = services.badge_of(event, small_event.exhibitor_staff)
    services.revoke_badge(revoked)
    db.session.commit()

    client = login_as("exhibitor_admin")
    alpha = small_event.companies["alpha"].id
    # The company page still lists the revoked badge, saying so ...
    html = client.get(f"/e/test-expo/badges/company/{alpha}").get_data(as_text=True)
    assert "exhibitor_staff 님" in html and "revoked" in html
    # ... but its PDF carries only the valid one.
    printed = qr_codes(client.get(f"/e/test-expo/badges/company/{alpha}.pdf").data)
    assert [services.verify_code(c, event).badge.user_id for page in printed for c in page] == [
        small_event.exhibitor_admin.id
    ]

    organizer = login_as("organizer")
    sheets = organizer.get("/e/test-expo/manage/badges/print.pdf?category=exhibitor")
    verdicts = [services.verify_code(c, event) for page in qr_codes(sheets.data) for c in page]
    assert all(v.ok for v in verdicts)
    assert {v.badge.user_id for v in verdicts} == {
        small_event.exhibitor_admin.id,
        small_event.other_exhibitor.id,
    }
    # The organizer's list keeps showing it (to reissue it from there).
    listing = organizer.get("/e/test-expo/manage/badges/?category=exhibitor")
    assert "exhibitor_staff 님" in listing.get_data(as_text=True)

    # Its own print is refused until it is reissued.
    single = organizer.get(f"/e/test-expo/manage/badges/{revoked.id}.pdf")
    assert single.status_code == 302 and single.location.endswith(f"/badges/{revoked.id}")
    detail = organizer.get(single.location).get_data(as_text=True)
    assert "not printed" in detail and f"/badges/{revoked.id}.pdf" not in detail
    assert "<svg" not in detail.split("badge-card", 1)[1].split("</figure>", 1)[0]
    organizer.post(f"/e/test-expo/manage/badges/{revoked.id}/reissue")
    db.session.rollback()
    [[code]] = qr_codes(organizer.get(f"/e/test-expo/manage/badges/{revoked.id}.pdf").data)
    assert services.verify_code(code, event).ok


def test_company_page_lists_the_company_people(login_as, small_event):
    client = login_as("exhibitor_admin")
    response = client.get("/e/test-expo/badges/company")
    alpha = small_event.companies["alpha"].id
    assert response.status_code == 302 and response.location.endswith(f"/badges/company/{alpha}")
    html = client.get(response.location).get_data(as_text=True)
    assert "exhibitor_admin 님" in html and "exhibitor_staff 님" in html
    assert "other_exhibitor" not in html and "attendee 님" not in html
    pdf = client.get(f"/e/test-expo/badges/company/{alpha}.pdf")
    users = {
        services.verify_code(c, small_event.event).badge.user_id for c in qr_codes(pdf.data)[0]
    }
    assert users == {small_event.exhibitor_admin.id, small_event.exhibitor_staff.id}


def test_organizer_list_filters_and_prints(login_as, small_event):
    client = login_as("organizer")
    assert client.post("/e/test-expo/manage/badges/issue").status_code == 302
    html = client.get("/e/test-expo/manage/badges/").get_data(as_text=True)
    for name in ("organizer 님", "attendee 님", "exhibitor_staff 님", "other_exhibitor 님"):
        assert name in html
    html = client.get("/e/test-expo/manage/badges/?category=exhibitor").get_data(as_text=True)
    assert "exhibitor_staff 님" in html and "attendee 님" not in html
    beta = small_event.companies["beta"].id
    html = client.get(f"/e/test-expo/manage/badges/?company={beta}").get_data(as_text=True)
    assert "other_exhibitor 님" in html and "exhibitor_staff 님" not in html
    html = client.get("/e/test-expo/manage/badges/?q=ATTENDEE@example").get_data(as_text=True)
    assert "attendee 님" in html and "organizer 님" not in html
    found = client.get("/e/test-expo/manage/badges/?q=ATTENDEE@example&lang=en")
    assert "1 badge matches." in found.get_data(as_text=True)
    # "_" is the character itself, not any one character ("r@e" of organizer@example).
    html = client.get("/e/test-expo/manage/badges/?q=r_e").get_data(as_text=True)
    assert "other_exhibitor 님" in html and "organizer 님" not in html
    assert "print.pdf?category=exhibitor" in client.get(
        "/e/test-expo/manage/badges/?category=exhibitor"
    ).get_data(as_text=True)

    pdf = client.get(f"/e/test-expo/manage/badges/print.pdf?company={beta}")
    assert pdf.status_code == 200
    [[code]] = qr_codes(pdf.data)
    assert (
        services.verify_code(code, small_event.event).badge.user_id
        == small_event.other_exhibitor.id
    )
    # The overview shows the panel.
    assert "/e/test-expo/manage/badges/" in client.get("/e/test-expo/manage/").get_data(
        as_text=True
    )


def test_organizer_reissues_revokes_and_sets_category(login_as, small_event):
    badge = services.issue_badge(small_event.event, small_event.attendee)
    db.session.commit()
    old = services.badge_code(badge)
    client = login_as("organizer")
    base = f"/e/test-expo/manage/badges/{badge.id}"
    assert client.get(base).status_code == 200

    assert client.post(f"{base}/reissue").status_code == 302
    db.session.rollback()
    badge = db.session.get(Badge, badge.id)
    assert badge.issue == 2
    assert services.verify_code(old, small_event.event).status == "revoked"
    [[printed]] = qr_codes(client.get(f"{base}.pdf").data)
    assert services.verify_code(printed, small_event.event).ok

    assert client.post(f"{base}/category", data={"category": "vip"}).status_code == 302
    db.session.rollback()
    assert db.session.get(Badge, badge.id).category == "vip"
    assert client.post(f"{base}/category", data={"category": "alien"}).status_code == 400
    assert client.post(f"{base}/category", data={"category": ""}).status_code == 302
    db.session.rollback()
    assert db.session.get(Badge, badge.id).category == "large_firm"

    assert client.post(f"{base}/revoke", data={"reason": "lost and found twice"}).status_code == 302
    db.session.rollback()
    assert services.verify_code(printed, small_event.event).status == "revoked"
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"badge.reissued", "badge.revoked", "badge.category_changed"} <= actions
    # Another event's badge id is not found under this event.
    assert client.get("/e/test-expo/manage/badges/999999").status_code == 404


def test_revoking_a_badge_revoked_meanwhile_says_nothing_changed(login_as, small_event):
    """Revoked meanwhile by another organizer, the badge was "revoked" again from a page
    opened before: the page said "Badge revoked", as if done now with the reason just
    typed, which was not kept."""
    event = small_event.event
    badge = services.issue_badge(event, small_event.attendee)
    db.session.commit()
    client = login_as("organizer")
    base = f"/e/test-expo/manage/badges/{badge.id}"
    client.post(f"{base}/revoke", data={"reason": "reported lost"})
    assert "Badge revoked:" in client.get(f"{base}?lang=en").get_data(as_text=True)
    db.session.rollback()
    revoked_at = db.session.get(Badge, badge.id).revoked_at
    when = f"{revoked_at.astimezone(event.tz):%Y-%m-%d %H:%M}"

    client.post(f"{base}/revoke", data={"reason": "stolen"})
    page = client.get(f"{base}?lang=en").get_data(as_text=True)
    assert (
        f"This badge was already revoked on {when} (South Korea Time); nothing changed, "
        "and the reason given now is not kept." in page
    )
    assert "Badge revoked:" not in page
    reasons = db.session.scalars(
        select(AuditEntry.data["reason"].as_string())
        .where(AuditEntry.action == "badge.revoked")
        .order_by(AuditEntry.id)
    ).all()
    assert reasons == ["reported lost"]


def test_changing_a_badge_category_says_to_print_it_again(login_as, small_event):
    """The category changed, the print the holder carries still showed the old band
    (its code, unchanged, admits by the new one): the page said only "Category saved"."""
    badge = services.issue_badge(small_event.event, small_event.attendee)
    db.session.commit()
    client = login_as("organizer")
    base = f"/e/test-expo/manage/badges/{badge.id}"
    client.post(f"{base}/category", data={"category": "vip"})
    page = client.get(f"{base}?lang=en").get_data(as_text=True)
    assert (
        "Category saved: VIP. Print this badge again: the prints made before show Large / mid-size firm."
        in page
    )
    # Saved again unchanged, nothing is to be printed anew.
    client.post(f"{base}/category", data={"category": "vip"})
    page = client.get(f"{base}?lang=en").get_data(as_text=True)
    assert "Category saved: VIP." in page and "Print this badge again" not in page


def test_company_filter_lists_the_companies_by_name_in_the_page_language(login_as, small_event):
    client = login_as("organizer")
    assert client.post("/e/test-expo/manage/badges/issue").status_code == 302

    def companies(language):
        html = client.get(f"/e/test-expo/manage/badges/?lang={language}").get_data(as_text=True)
        select = html[html.index('name="company"') :]
        select = select[: select.index("</select>")]
        return [name for value, name in re.findall(r'value="(\d+)"[^>]*>([^<]+)<', select)]

    # By the English names the Korean list would read 알파, 베타, 감마.
    assert companies("ko") == ["감마그룹", "베타바이오", "알파로보틱스"]
    assert companies("en") == ["Alpha Robotics", "Beta Bio", "Gamma Group"]


def test_company_pdf_file_name_has_no_double_dot(login_as, small_event):
    alpha = small_event.companies["alpha"]
    alpha.name_en = "Alpha Robotics Co., Ltd."
    db.session.commit()
    client = login_as("exhibitor_admin")
    response = client.get(f"/e/test-expo/badges/company/{alpha.id}.pdf")
    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    assert "filename=badges-test-expo-Alpha-Robotics-Co.-Ltd.pdf" in disposition


def test_a_reissue_sent_twice_reissues_once(login_as, small_event):
    """Two organizers at the desk, or one click sent twice: the second reissue would make
    the print just handed over stop admitting."""
    badge = services.issue_badge(small_event.event, small_event.attendee)
    db.session.commit()
    client = login_as("organizer")
    base = f"/e/test-expo/manage/badges/{badge.id}"
    page = client.get(f"{base}?lang=en").get_data(as_text=True)
    assert '<input type="hidden" name="issue" value="1">' in page
    assert client.post(f"{base}/reissue", data={"issue": "1"}).status_code == 302
    db.session.rollback()
    printed = services.badge_code(db.session.get(Badge, badge.id))
    response = client.post(f"{base}/reissue?lang=en", data={"issue": "1"}, follow_redirects=True)
    assert "This badge was reissued meanwhile (issue 2)" in response.get_data(as_text=True)
    db.session.rollback()
    assert db.session.get(Badge, badge.id).issue == 2
    assert services.verify_code(printed, small_event.event).ok
    # Reissued from the page showing issue 2, it is printed anew.
    assert client.post(f"{base}/reissue", data={"issue": "2"}).status_code == 302
    db.session.rollback()
    assert db.session.get(Badge, badge.id).issue == 3


def test_revoking_reissuing_and_unassigning_ask_first(login_as, small_event):
    """One tap on a phone revoked or reprinted a badge, took a company's booths away or
    a person off a team; deleting a scan point or withdrawing a registration asks."""
    from tests.booths.conftest import place

    badge = services.issue_badge(small_event.event, small_event.attendee)
    place(small_event.exhibitors["alpha"], ["A-01", "A-02"], state="confirmed")
    db.session.commit()
    organizer = login_as("organizer")
    page = organizer.get(f"/e/test-expo/manage/badges/{badge.id}?lang=en").get_data(as_text=True)
    assert 'data-confirm="Reissue this badge? Its current print stops admitting."' in page
    assert 'data-confirm="Revoke this badge? None of its prints admits any more."' in page
    page = organizer.get("/e/test-expo/manage/booths/?lang=en").get_data(as_text=True)
    assert 'data-confirm="Take booths A-01, A-02 away from Alpha Robotics?' in page
    admin = login_as("exhibitor_admin")
    alpha = small_event.exhibitors["alpha"].id
    page = admin.get(f"/e/test-expo/exhibitors/{alpha}/?lang=ko").get_data(as_text=True)
    assert 'data-confirm="exhibitor_staff 님 님을 팀에서 제외할까요?' in page


def test_issuing_says_how_many_in_the_right_number(login_as, small_event):
    from eventapp.events.services import grant_role

    client = login_as("organizer")
    client.post("/e/test-expo/manage/badges/issue")
    grant_role(small_event.event, small_event.outsider, "attendee")
    db.session.commit()
    page = client.post("/e/test-expo/manage/badges/issue?lang=en", follow_redirects=True)
    text = page.get_data(as_text=True)
    assert "1 badge issued." in text and "badges updated with current details." in text
    korean = client.post("/e/test-expo/manage/badges/issue?lang=ko", follow_redirects=True)
    assert "출입증 0건을 발급했습니다." in korean.get_data(as_text=True)


def test_a_print_of_an_unknown_category_prints_nothing(login_as, small_event):
    """A link with a misspelt category printed every badge of the event."""
    organizer = login_as("organizer")
    response = organizer.get("/e/test-expo/manage/badges/print.pdf?category=bogus&lang=en")
    assert response.status_code == 302
    assert response.location.endswith("/e/test-expo/manage/badges/?lang=en")
    page = organizer.get("/e/test-expo/manage/badges/?lang=en").get_data(as_text=True)
    assert "Unknown badge category: bogus" in page
    organizer.get("/e/test-expo/manage/badges/print.pdf?category=bogus&lang=ko")
    page = organizer.get("/e/test-expo/manage/badges/?lang=ko").get_data(as_text=True)
    assert "알 수 없는 출입증 분류: bogus" in page
    response = organizer.get("/e/test-expo/manage/badges/print.pdf?category=exhibitor")
    assert response.status_code == 200 and response.mimetype == "application/pdf"


def test_a_print_of_a_company_that_is_no_id_prints_nothing(login_as, small_event):
    """A link whose company was mangled ("12ab") printed every badge of the event."""
    organizer = login_as("organizer")
    response = organizer.get("/e/test-expo/manage/badges/print.pdf?company=12ab&lang=en")
    assert response.status_code == 302
    assert response.location.endswith("/e/test-expo/manage/badges/?lang=en")
    page = organizer.get("/e/test-expo/manage/badges/?lang=en").get_data(as_text=True)
    assert "Unknown company: 12ab" in page
    organizer.get("/e/test-expo/manage/badges/print.pdf?company=12ab&lang=ko")
    page = organizer.get("/e/test-expo/manage/badges/?lang=ko").get_data(as_text=True)
    assert "알 수 없는 기업·기관: 12ab" in page
    alpha = small_event.companies["alpha"].id
    response = organizer.get(f"/e/test-expo/manage/badges/print.pdf?company={alpha}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"


def test_a_revoked_badge_reads_the_same_in_korean_everywhere(login_as, small_event):
    """Korean pages called a revoked badge 취소됨 (the overview, the scanner, the
    flash after revoking) and 무효화됨 (the badge list, the badge's page, the scan
    log), and its button 사용 중지 (stop using), as for a phone."""
    badge = services.issue_badge(small_event.event, small_event.attendee)
    db.session.commit()
    organizer = login_as("organizer")
    detail = f"/e/test-expo/manage/badges/{badge.id}"
    page = organizer.get(f"{detail}?lang=ko").get_data(as_text=True)
    form = page.split(f'action="{detail}/revoke"', 1)[1].split("</form>", 1)[0]
    assert ">출입증 취소</button>" in form
    assert 'data-confirm="이 출입증을 취소할까요?' in page
    organizer.post(f"{detail}/revoke?lang=ko", data={"reason": ""})
    for path in (detail, "/e/test-expo/manage/badges/", "/e/test-expo/manage/"):
        page = organizer.get(f"{path}?lang=ko").get_data(as_text=True)
        assert "취소됨" in page and "무효화" not in page and "사용 중지" not in page, path


def test_the_badge_list_finds_a_badge_by_its_printed_number(login_as, small_event):
    """A badge handed in at the help desk is looked up by the number under its QR
    code (000123-2): the search knew only names and e-mail addresses."""
    client = login_as("organizer")
    assert client.post("/e/test-expo/manage/badges/issue").status_code == 302
    badge = services.badge_of(small_event.event, small_event.attendee)
    services.reissue_badge(badge)
    db.session.commit()
    for typed in (f"{badge.id:06d}-2", f"{badge.id:06d}-1", f"{badge.id:06d}", str(badge.id)):
        html = client.get(f"/e/test-expo/manage/badges/?lang=en&q={typed}").get_data(as_text=True)
        assert "1 badge matches." in html and "attendee 님" in html, typed
    html = client.get("/e/test-expo/manage/badges/?lang=ko").get_data(as_text=True)
    assert "이름, 이메일 또는 출입증 번호" in html
    # Typed in full width by a Korean input method, it was read as a name: no badge.
    full_width = f"{badge.id:06d}-2".translate(
        str.maketrans("0123456789-", "０１２３４５６７８９－")
    )
    html = client.get(f"/e/test-expo/manage/badges/?lang=en&q={full_width}").get_data(as_text=True)
    assert "1 badge matches." in html and "attendee 님" in html
    # Other text is a name as before.
    html = client.get("/e/test-expo/manage/badges/?lang=en&q=0-").get_data(as_text=True)
    assert "No badges match." in html


def test_a_reissued_badges_page_says_when_its_print_was_made(login_as, small_event):
    """Issue 3 of a badge said "Issued" with the first issue's date: the organizer
    could not tell which print the holder carries."""
    from datetime import UTC, datetime

    badge = services.issue_badge(small_event.event, small_event.attendee)
    badge.created_at = datetime(2025, 9, 1, 1, 0, tzinfo=UTC)
    db.session.commit()
    organizer = login_as("organizer")
    page = organizer.get(f"/e/test-expo/manage/badges/{badge.id}?lang=en").get_data(as_text=True)
    assert "<dt>Issued</dt><dd>2025-09-01 10:00</dd>" in page and "Reissued" not in page
    reissued = datetime(2025, 9, 17, 0, 30, tzinfo=UTC)  # 09:30 in Seoul
    services.revoke_badge(badge)
    services.reissue_badge(badge)
    db.session.execute(
        update(AuditEntry).where(AuditEntry.action == "badge.reissued").values(created_at=reissued)
    )
    db.session.commit()
    for lang, reissue_label, first_label in (
        ("en", "Reissued", "First issued"),
        ("ko", "재발급됨", "최초 발급"),
    ):
        page = organizer.get(f"/e/test-expo/manage/badges/{badge.id}?lang={lang}").get_data(
            as_text=True
        )
        assert f"<dt>{reissue_label}</dt><dd>2025-09-17 09:30</dd>" in page, lang
        assert f"<dt>{first_label}</dt><dd>2025-09-01 10:00</dd>" in page, lang


def test_the_organizers_single_print_carries_the_holders_current_details(login_as, small_event):
    """The holder corrected their name and asked the desk for a print: the badge's A6
    PDF and its page still showed the details of the first print (the holder's own
    download and the batch print refresh them, the single print did not)."""
    event, person = small_event.event, small_event.attendee
    badge = services.issue_badge(event, person)
    db.session.commit()
    organizer = login_as("organizer")

    person.name_en = "Minji Seo-Park"
    person.job_title = "Head of Open Innovation"
    db.session.commit()
    printed = organizer.get(f"/e/test-expo/manage/badges/{badge.id}.pdf").data
    text = " ".join(pdf_text(printed).split())
    assert "Minji Seo-Park" in text and "Head of Open Innovation" in text
    [[code]] = qr_codes(printed)
    assert services.verify_code(code, event).ok

    person.name_en = "Minji Seo"
    db.session.commit()
    page = organizer.get(f"/e/test-expo/manage/badges/{badge.id}?lang=en").get_data(as_text=True)
    assert "Minji Seo<" in page and "Seo-Park" not in page


def _print_refused(organizer, query, lang):
    """The batch print of `query` as the list's button asks for it: no PDF, the list
    again with the same filters; returns that page."""
    response = organizer.get(f"/e/test-expo/manage/badges/print.pdf?{query}&lang={lang}")
    assert response.status_code == 302 and not response.data.startswith(b"%PDF")
    assert response.location.endswith(f"/e/test-expo/manage/badges/?{query}&lang={lang}")
    return organizer.get(response.location).get_data(as_text=True)


def test_a_batch_print_matching_no_badge_sends_no_pdf(login_as, small_event):
    """A category and company matching nobody sent an empty PDF, as if printed."""
    organizer = login_as("organizer")
    query = f"category=exhibitor&company={small_event.companies['gamma'].id}"
    page = _print_refused(organizer, query, "en")
    assert "No badge to print matches category Exhibitor and company Gamma Group." in page
    assert "are not printed" not in page
    page = _print_refused(organizer, query, "ko")
    assert "분류 참가기업, 기업·기관 감마그룹에 해당하는 인쇄할 출입증이 없습니다." in page
    # One filter alone is named alone.
    page = _print_refused(organizer, "category=press", "en")
    assert "No badge to print matches category Press." in page
    # A company that is neither exhibiting nor named on a badge here is not named.
    elsewhere = Organization(name_ko="델타", name_en="Delta", kind="startup", sector="ai")
    db.session.add(elsewhere)
    db.session.commit()
    response = organizer.get(f"/e/test-expo/manage/badges/print.pdf?company={elsewhere.id}&lang=en")
    assert response.status_code == 302 and not response.data.startswith(b"%PDF")
    page = organizer.get("/e/test-expo/manage/badges/?lang=en").get_data(as_text=True)
    assert f"Unknown company: {elsewhere.id}" in page and "Delta" not in page


def test_a_batch_print_of_revoked_badges_only_sends_no_pdf(login_as, small_event):
    """A company whose badges are all revoked got an empty PDF."""
    services.sync_badges(small_event.event)
    services.revoke_badge(services.badge_of(small_event.event, small_event.other_exhibitor))
    db.session.commit()
    organizer = login_as("organizer")
    query = f"company={small_event.companies['beta'].id}"
    page = _print_refused(organizer, query, "en")
    assert (
        "No badge to print matches company Beta Bio. The 1 badge that matches is revoked, "
        "and revoked badges are not printed."
    ) in page
    page = _print_refused(organizer, query, "ko")
    assert "기업·기관 베타바이오에 해당하는 인쇄할 출입증이 없습니다." in page
    assert "해당하는 출입증 1장은 취소되었습니다. 취소된 출입증은 인쇄하지 않습니다." in page


def test_a_company_download_with_every_badge_revoked_sends_no_pdf(login_as, small_event):
    """An exhibitor whose people's badges were all revoked downloaded an empty PDF,
    as if the company's badges were printed: the company's page comes back saying
    why, and its button is no download link, which would have saved that page."""
    event = small_event.event
    services.sync_badges(event)
    for person in (small_event.exhibitor_admin, small_event.exhibitor_staff):
        services.revoke_badge(services.badge_of(event, person))
    db.session.commit()
    client = login_as("exhibitor_admin")
    alpha = small_event.companies["alpha"]
    pages = {}
    for lang in ("en", "ko"):
        response = client.get(f"/e/test-expo/badges/company/{alpha.id}.pdf?lang={lang}")
        assert response.status_code == 302 and not response.data.startswith(b"%PDF")
        assert response.location.endswith(f"/e/test-expo/badges/company/{alpha.id}?lang={lang}")
        pages[lang] = client.get(response.location).get_data(as_text=True)
    assert (
        f"No badge of {alpha.name_en} to print. The 2 badges that match are all revoked, "
        "and revoked badges are not printed."
    ) in pages["en"]
    assert f"{alpha.name_ko}의 인쇄할 출입증이 없습니다." in pages["ko"]
    assert f'badges/company/{alpha.id}.pdf" download' not in pages["en"]
    # One badge issued again: the download is the PDF.
    services.reissue_badge(services.badge_of(event, small_event.exhibitor_staff))
    db.session.commit()
    response = client.get(f"/e/test-expo/badges/company/{alpha.id}.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
