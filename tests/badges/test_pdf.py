"""Badge PDFs, read back with poppler and zbar."""

import hashlib
import io
import os
import re
import tracemalloc
import zlib

import pytest
from reportlab.pdfbase.pdfdoc import PDFArray, PDFDictionary, PDFName, PDFStream
from reportlab.pdfgen.canvas import Canvas
from sqlalchemy import insert, select

from eventapp.accounts.models import User
from eventapp.badges import pdf, services
from eventapp.badges.models import Badge
from eventapp.booths.models import BoothAllocation
from eventapp.core import pdf as core_pdf
from eventapp.events.models import EventRole
from eventapp.extensions import db
from eventapp.organizations.models import Organization
from tests.badges.readers import pdf_text, qr_codes, words_with_boxes

LONG_NAME = "Maximilian Alexander Bartholomew Friedrich von Hohenzollern-Sigmaringen-Altenburg"
LONG_ORG = "주식회사 대한민국산업단지글로벌오픈이노베이션스마트제조융합기술연구개발센터"


def _single(badge, tmp_path):
    out = tmp_path / "badge.pdf"
    pdf.badge_pdf(badge, str(out))
    return out


def test_single_badge_reads_back(small_event, tmp_path):
    event = small_event.event
    db.session.add(
        BoothAllocation(
            booth=small_event.booths["A-04"],
            exhibitor=small_event.exhibitors["alpha"],
            state="confirmed",
        )
    )
    small_event.exhibitor_admin.name_ko = "김하늘"
    badge = services.issue_badge(event, small_event.exhibitor_admin)
    db.session.commit()
    out = _single(badge, tmp_path)

    pages = qr_codes(out)
    assert len(pages) == 1 and len(pages[0]) == 1
    verdict = services.verify_code(pages[0][0], event)
    assert verdict.status == "valid" and verdict.badge.id == badge.id

    text = pdf_text(out)
    for expected in (
        "김하늘",
        "Exhibitor_Admin",
        "알파로보틱스",
        "Alpha Robotics",
        "A-04",
        "참가기업",
        "테스트 엑스포",
    ):
        assert expected in text, expected
    sizes, _words = words_with_boxes(out)
    width, height = sizes[0]
    assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (105, 148)  # A6


def test_the_country_is_printed_by_name_in_both_languages(small_event, tmp_path):
    """The badge printed the holder's country as its code ("JP"), which not every
    reader at the gate or the booth knows."""
    small_event.companies["gamma"].country = "JP"
    badge = services.issue_badge(small_event.event, small_event.attendee)
    db.session.commit()
    text = pdf_text(_single(badge, tmp_path))
    assert "일본 Japan" in " ".join(text.split())
    assert not re.search(r"\bJP\b", text), text


def test_long_names_shrink_and_never_overflow(small_event, tmp_path):
    person = small_event.attendee
    person.name_ko = "남궁" * 14
    person.name_en = LONG_NAME
    person.job_title = "Senior Vice President of Global Open Innovation and Strategic Partnerships"
    small_event.companies["gamma"].name_ko = LONG_ORG
    small_event.companies["gamma"].name_en = "Global Open Innovation " * 6
    badge = services.issue_badge(small_event.event, person)
    db.session.commit()
    out = _single(badge, tmp_path)
    code, above = _laid_out_within_the_badge(out)
    assert len(above) > 20
    text = pdf_text(out)
    # Shrunk, not cut: the whole English name is still on the badge.
    assert LONG_NAME in " ".join(text.split())
    assert services.verify_code(code, small_event.event).ok


def test_letters_nanum_gothic_lacks_are_printed(small_event, tmp_path):
    """NanumGothic has no š, ř, Å, ş or ễ: a visitor from Czechia printed as
    "árka Dvo áková", the missing letters left blank on the badge."""
    if not os.path.exists(core_pdf.DEJAVU_SANS):
        pytest.skip("needs DejaVu Sans (apt-get install fonts-dejavu-core)")
    person = small_event.attendee
    person.name_ko = ""
    person.name_en = "Šárka Dvořáková"
    person.job_title = "Nguyễn Åsa Şahin"
    small_event.companies["gamma"].name_en = "Škoda Auto"
    badge = services.issue_badge(small_event.event, person)
    db.session.commit()
    out = _single(badge, tmp_path)
    text = " ".join(pdf_text(out).split())
    for expected in ("Šárka Dvořáková", "Škoda Auto", "Nguyễn Åsa Şahin"):
        assert expected in text, text
    code, _above = _laid_out_within_the_badge(out)
    assert services.verify_code(code, small_event.event).ok


def _laid_out_within_the_badge(out):
    """Check every word of the one-badge PDF `out` lies within the margins and none in
    the QR code's quiet zone, however long the texts; (the code read, the words above
    the code)."""
    [(width, height)], words = words_with_boxes(out)
    assert words
    for _page, x0, _y0, x1, _y1, word in words:
        assert pdf.MARGIN - 0.5 <= x0 and x1 <= width - pdf.MARGIN + 0.5, (word, x0, x1)
    [[code]] = qr_codes(out)
    qr_top = (
        height
        - pdf.QR_SIZE
        - (pdf.MARGIN + pdf.BAND_HEIGHT + 5 * pdf.mm + pdf.QR_QUIET_ZONE * 2 / 3)
    )
    above = [w for w in words if w[4] <= qr_top + 1]
    assert max(y1 for *_, y1, _w in above) <= qr_top - pdf.QR_QUIET_ZONE + 0.5
    return code, above


LONG_TITLES = {
    "ko": (
        "글로벌오픈이노베이션전략파트너십사업본부총괄수석부사장겸해외수출시장개발담당최고기술책임자"
        * 3
    )[:100],
    "en": (
        "Senior Vice President, Global Open Innovation, Strategic Partnerships "
        "and Export Market Development"
    ),
}


@pytest.mark.parametrize("language", sorted(LONG_TITLES))
def test_a_long_job_title_leaves_the_country_whole(small_event, tmp_path, language):
    """The job title and the country shared one line, cut with an ellipsis where it
    did not fit: a long title cut the country off the printed badge."""
    title = LONG_TITLES[language]
    assert 99 <= len(title) <= 100  # a badge keeps 100 characters
    person = small_event.attendee
    person.job_title = title
    small_event.companies["gamma"].country = "JP"
    small_event.companies["gamma"].name_ko = LONG_ORG
    badge = services.issue_badge(small_event.event, person)
    db.session.commit()
    out = _single(badge, tmp_path)
    text = " ".join(pdf_text(out).split())
    assert "일본 Japan" in text, text
    assert title[:12] in text, text
    code, _above = _laid_out_within_the_badge(out)
    assert services.verify_code(code, small_event.event).ok


def test_lines_below_the_names_give_up_size_before_the_names(small_event, tmp_path):
    """A job title or a company name that needed two lines printed the names smaller
    (24 pt down to 19 pt): every line shrank alike. The names, read across a table,
    now keep their size while the lines below them have room to shrink."""
    db.session.add(
        BoothAllocation(
            booth=small_event.booths["A-04"],
            exhibitor=small_event.exhibitors["alpha"],
            state="confirmed",
        )
    )
    person = small_event.exhibitor_admin
    person.name_ko, person.name_en = "김민수", "Minsu Kim"
    person.job_title = "CTO"
    alpha = small_event.companies["alpha"]
    alpha.country = "KR"
    alpha.name_ko = "한국스마트팩토리솔루션 주식회사"
    alpha.name_en = "Korea Smart Factory Solutions Co., Ltd."

    def name_heights():
        badge = services.issue_badge(small_event.event, person)
        db.session.commit()
        out = _single(badge, tmp_path)
        _laid_out_within_the_badge(out)
        _pages, words = words_with_boxes(out)
        heights = {w[5]: w[4] - w[2] for w in words if w[5] in ("김민수", "Minsu", "Kim")}
        return heights, " ".join(pdf_text(out).split())

    plain, _text = name_heights()
    assert set(plain) == {"김민수", "Minsu", "Kim"}
    person.job_title = "Senior Vice President, Global Open Innovation and Strategic Partnerships"
    alpha.name_ko = "한국스마트팩토리솔루션 주식회사 글로벌사업본부 해외영업팀 오픈이노베이션센터"
    crowded, text = name_heights()
    assert crowded == pytest.approx(plain, abs=0.05)
    # Everything is still there, whole: both lines of the title and of the company.
    assert "해외영업팀 오픈이노베이션센터" in text and "Strategic Partnerships" in text
    assert "A-04" in text and "South Korea" in text


def test_a_short_job_title_shares_its_line_with_the_country(small_event, tmp_path):
    small_event.attendee.job_title = "CTO"
    small_event.companies["gamma"].country = "JP"
    badge = services.issue_badge(small_event.event, small_event.attendee)
    db.session.commit()
    assert "CTO · 일본 Japan" in pdf_text(_single(badge, tmp_path)).splitlines()


def test_batch_order_filters_and_reproducibility(small_event, tmp_path):
    event = small_event.event
    services.sync_badges(event)
    db.session.commit()
    expected = [b.id for b in db.session.scalars(services.badges_query(event))]

    first, second = tmp_path / "a.pdf", tmp_path / "b.pdf"
    assert pdf.batch_pdf(event, str(first)) == len(expected) == 6
    pdf.batch_pdf(event, str(second))
    assert (
        hashlib.sha256(first.read_bytes()).digest() == hashlib.sha256(second.read_bytes()).digest()
    )

    sizes, words = words_with_boxes(first)
    assert len(sizes) == 2
    assert [(round(w / 72 * 25.4), round(h / 72 * 25.4)) for w, h in sizes] == [(210, 297)] * 2
    # Reading order on each sheet: top row left to right, then the bottom row.
    numbers = [
        (page, round(y0 / 100), x0, int(word.split("-")[0]))
        for page, x0, y0, _x1, _y1, word in words
        if re.fullmatch(r"\d{6}-\d+", word)
    ]
    assert [n for *_, n in sorted(numbers)] == expected

    codes_by_page = qr_codes(first)
    assert [len(p) for p in codes_by_page] == [4, 2]
    verdicts = [services.verify_code(c, event) for page in codes_by_page for c in page]
    assert all(v.ok for v in verdicts)
    assert sorted(v.badge.id for v in verdicts) == sorted(expected)

    # Filters: one category, one company.
    exhibitors = tmp_path / "exhibitors.pdf"
    assert pdf.batch_pdf(event, str(exhibitors), category="exhibitor") == 3
    alpha = tmp_path / "alpha.pdf"
    assert pdf.batch_pdf(event, str(alpha), organization_id=small_event.companies["alpha"].id) == 2
    ids = {services.verify_code(c, event).badge.user_id for c in qr_codes(alpha)[0]}
    assert ids == {small_event.exhibitor_admin.id, small_event.exhibitor_staff.id}

    # A revoked badge is not printed, in a batch or alone.
    revoked = services.badge_of(event, small_event.exhibitor_staff)
    services.revoke_badge(revoked)
    db.session.commit()
    assert pdf.batch_pdf(event, str(alpha), organization_id=small_event.companies["alpha"].id) == 1
    [[code]] = qr_codes(alpha)
    assert services.verify_code(code, event).badge.user_id == small_event.exhibitor_admin.id
    with pytest.raises(services.BadgeError):
        pdf.badge_pdf(revoked, str(tmp_path / "revoked.pdf"))


def test_reissued_badge_prints_the_new_code(small_event, tmp_path):
    badge = services.issue_badge(small_event.event, small_event.attendee)
    db.session.commit()
    old = services.badge_code(badge)
    services.reissue_badge(badge)
    db.session.commit()
    [[printed]] = qr_codes(_single(badge, tmp_path))
    assert printed != old
    assert services.verify_code(printed, small_event.event).ok
    assert services.verify_code(old, small_event.event).status == "revoked"


def test_fallback_cid_font_still_makes_a_readable_badge(small_event, tmp_path, monkeypatch):
    def without_ttf(bold=False):
        return core_pdf.register_korean_font(path="/nonexistent/NoSuchFont.ttf")

    monkeypatch.setattr(pdf, "register_korean_font", without_ttf)
    badge = services.issue_badge(small_event.event, small_event.attendee)
    db.session.commit()
    out = _single(badge, tmp_path)
    assert b"HYSMyeongJo-Medium" in out.read_bytes()
    assert b"NanumGothic" not in out.read_bytes()
    assert services.verify_code(qr_codes(out)[0][0], small_event.event).ok


@pytest.mark.slow
def test_batch_of_300_exhibitors_every_code_verifies(small_event, tmp_path):
    """300 exhibitors' staff on 75 sheets: every printed code reads back and verifies."""
    event = small_event.event
    organizations = [
        {
            "name_ko": f"전시기업{i:03d}",
            "name_en": f"Exhibitor {i:03d} Co.",
            "kind": "startup",
            "sector": "ai",
            "country": "KR",
        }
        for i in range(60)
    ]
    db.session.execute(insert(Organization), organizations)
    org_ids = db.session.scalars(
        select(Organization.id)
        .where(Organization.name_ko.like("전시기업%"))
        .order_by(Organization.id)
    ).all()
    hash_ = small_event.attendee.password_hash
    db.session.execute(
        insert(User),
        [
            {
                "email": f"staff{i:03d}@exhibitor.example",
                "password_hash": hash_,
                "name_ko": f"직원{i:03d}",
                "name_en": f"Staff Member {i:03d}",
                "locale": "ko",
                "organization_id": org_ids[i % 60],
            }
            for i in range(300)
        ],
    )
    users = db.session.execute(
        select(User.id, User.organization_id).where(User.email.like("staff%@exhibitor.example"))
    ).all()
    db.session.execute(
        insert(EventRole),
        [
            {
                "event_id": event.id,
                "user_id": uid,
                "role": "exhibitor_staff",
                "organization_id": org,
            }
            for uid, org in users
        ],
    )
    services.sync_badges(event)
    db.session.commit()
    out = tmp_path / "batch.pdf"
    assert pdf.batch_pdf(event, str(out), category="exhibitor") == 303  # + alpha's 2, beta's 1

    found = qr_codes(out, per_page=False)
    assert len(found) == 303
    verdicts = [services.verify_code(text, event) for text in found]
    assert all(v.status == "valid" for v in verdicts), {v.status for v in verdicts}
    expected = set(
        db.session.scalars(
            select(Badge.id).where(Badge.event_id == event.id, Badge.category == "exhibitor")
        )
    )
    assert {v.badge.id for v in verdicts} == expected


# -- memory of large batches -----------------------------------------------------------------


def _synthetic_faces(count):
    """Badges as a 1,000-person batch has them: distinct names and codes (fixed key)."""
    from eventapp.badges import codes

    key = bytes(range(32))
    for i in range(count):
        yield pdf.BadgeFace(
            name_ko=f"참가자{i:04d}",
            name_en=f"Participant {i:04d}",
            organization_ko=f"회사{i % 60:02d}",
            organization_en=f"Company {i % 60:02d}",
            country_ko="대한민국",
            country_en="South Korea",
            job_title="Engineer",
            booth="A-01",
            category_ko="출품기업",
            category_en="Exhibitor",
            colour="#0b5cad",
            text_colour="#ffffff",
            code=codes.encode(key, 1, i + 1, 1),
            reference=f"{i + 1:06d}-1",
        )


_BRANDING = pdf.Branding("테스트 엑스포", "Test Expo", "수출박람회", "2025-09-17 – 09-18", "COEX")


class _PagesInMemory(Canvas):
    """The earlier canvas: pages compressed at showPage but kept until save()."""

    def showPage(self):
        super().showPage()
        page = self._doc.Pages.pages[-1]
        if page.stream and not page.Contents:
            content = page.stream
            if isinstance(content, str):
                content = content.encode("utf-8")
            dictionary = PDFDictionary()
            dictionary["Filter"] = PDFArray([PDFName("FlateDecode")])
            page.Contents = PDFStream(dictionary, zlib.compress(content))
            page.stream = None


def test_spooled_pages_give_the_same_pdf(tmp_path, monkeypatch):
    monkeypatch.setattr(pdf, "SPOOL_IN_MEMORY", 4096)  # pages go to disk after the first one
    to_path = tmp_path / "spooled.pdf"
    assert pdf.render_sheets(_synthetic_faces(22), _BRANDING, str(to_path)) == 22
    to_file = io.BytesIO()
    pdf.render_sheets(_synthetic_faces(22), _BRANDING, to_file)
    monkeypatch.setattr(pdf, "StreamingCanvas", _PagesInMemory)
    reference = io.BytesIO()
    pdf.render_sheets(_synthetic_faces(22), _BRANDING, reference)
    assert to_path.read_bytes() == to_file.getvalue() == reference.getvalue()
    assert len(qr_codes(to_path, per_page=False)) == 22


@pytest.mark.slow
def test_batch_memory_does_not_grow_with_its_pages(tmp_path):
    """Drawing 200 more badges may cost reportlab's small per-page bookkeeping, but
    not the pages themselves: the earlier canvas held every compressed page and
    then the whole file in memory, and grew by ~1.5 times the added bytes."""
    pdf.render_sheets(_synthetic_faces(4), _BRANDING, io.BytesIO())  # fonts loaded once

    def measure(count):
        out = tmp_path / f"{count}.pdf"
        tracemalloc.start()
        try:
            pdf.render_sheets(_synthetic_faces(count), _BRANDING, str(out))
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        return peak, out.stat().st_size

    small_peak, small_size = measure(24)
    large_peak, large_size = measure(224)
    added_bytes = large_size - small_size
    assert added_bytes > 150_000  # 50 more pages of real content
    assert large_peak - small_peak < 0.8 * added_bytes, (large_peak - small_peak, added_bytes)
