"""Badge PDFs, read back with poppler and zbar."""

import hashlib
import re

import pytest
from sqlalchemy import insert, select

from eventapp.accounts.models import User
from eventapp.badges import pdf, services
from eventapp.badges.models import Badge
from eventapp.booths.models import BoothAllocation
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
        "전시기업",
        "테스트 엑스포",
    ):
        assert expected in text, expected
    sizes, _words = words_with_boxes(out)
    width, height = sizes[0]
    assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (105, 148)  # A6


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
    [(width, height)], words = words_with_boxes(out)
    assert words
    for _page, x0, _y0, x1, _y1, word in words:
        assert pdf.MARGIN - 0.5 <= x0 and x1 <= width - pdf.MARGIN + 0.5, (word, x0, x1)
    # Nothing is printed in the QR code's quiet zone, however long the texts.
    [[code]] = qr_codes(out)
    qr_top = (
        height
        - pdf.QR_SIZE
        - (pdf.MARGIN + pdf.BAND_HEIGHT + 5 * pdf.mm + pdf.QR_QUIET_ZONE * 2 / 3)
    )
    above = [w for w in words if w[4] <= qr_top + 1]
    assert len(above) > 20
    assert max(y1 for *_, y1, _w in above) <= qr_top - pdf.QR_QUIET_ZONE + 0.5
    text = pdf_text(out)
    # Shrunk, not cut: the whole English name is still on the badge.
    assert LONG_NAME in " ".join(text.split())
    assert services.verify_code(code, small_event.event).ok


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
    from eventapp.core import pdf as core_pdf

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
