"""Who may reach which badge page; exhibitors only their own company's badges."""

import pytest
from sqlalchemy import select

from eventapp.badges import services
from eventapp.badges.models import Badge
from eventapp.extensions import db
from tests.badges.readers import pdf_text
from tests.conftest import assert_access

PARTICIPANTS = {
    "attendee",
    "exhibitor_admin",
    "exhibitor_staff",
    "other_exhibitor",
    "staff",
    "organizer",
}


@pytest.fixture
def badge_id(small_event):
    badge = services.issue_badge(small_event.event, small_event.attendee)
    db.session.commit()
    return badge.id


def test_own_badge_pages(login_as, small_event):
    for url in ("/e/test-expo/badge", "/e/test-expo/badge.pdf"):
        assert_access(login_as, url, PARTICIPANTS)


def test_company_pages(login_as, small_event):
    alpha = small_event.companies["alpha"].id
    beta = small_event.companies["beta"].id
    assert_access(
        login_as, "/e/test-expo/badges/company", {"exhibitor_admin", "other_exhibitor", "organizer"}
    )
    for suffix in ("", ".pdf"):
        assert_access(
            login_as,
            f"/e/test-expo/badges/company/{alpha}{suffix}",
            {"exhibitor_admin", "organizer"},
        )
        assert_access(
            login_as,
            f"/e/test-expo/badges/company/{beta}{suffix}",
            {"other_exhibitor", "organizer"},
        )


def test_organizer_pages(login_as, badge_id):
    base = "/e/test-expo/manage/badges"
    for url in (f"{base}/", f"{base}/print.pdf", f"{base}/{badge_id}", f"{base}/{badge_id}.pdf"):
        assert_access(login_as, url, {"organizer"})
    assert_access(login_as, f"{base}/issue", {"organizer"}, method="post")
    assert_access(login_as, f"{base}/{badge_id}/reissue", {"organizer"}, method="post")
    assert_access(
        login_as,
        f"{base}/{badge_id}/category",
        {"organizer"},
        method="post",
        data={"category": "vip"},
    )
    assert_access(
        login_as, f"{base}/{badge_id}/revoke", {"organizer"}, method="post", data={"reason": "x"}
    )


def test_company_download_holds_only_that_company(login_as, small_event):
    client = login_as("exhibitor_admin")
    alpha = small_event.companies["alpha"].id
    response = client.get(f"/e/test-expo/badges/company/{alpha}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    badges = db.session.scalars(select(Badge)).all()
    # Exactly the company's two people got badges; nobody else's were made or printed.
    assert {b.user_id for b in badges} == {
        small_event.exhibitor_admin.id,
        small_event.exhibitor_staff.id,
    }
    # The other company's page and PDF stay closed, also with the id in other shapes.
    beta = small_event.companies["beta"].id
    for url in (
        f"/e/test-expo/badges/company/{beta}.pdf",
        f"/e/test-expo/badges/company/{beta}",
        f"/e/test-expo/badges/company/{small_event.companies['gamma'].id}.pdf",
    ):
        assert client.get(url).status_code == 403
    # Staff of a company do not print the company's badges.
    assert (
        login_as("exhibitor_staff").get(f"/e/test-expo/badges/company/{alpha}.pdf").status_code
        == 403
    )


def test_own_badge_is_always_ones_own(login_as, small_event):
    other = services.issue_badge(small_event.event, small_event.exhibitor_admin)
    db.session.commit()
    client = login_as("attendee")
    # However the request names someone else, the badge served is one's own.
    for url in (
        "/e/test-expo/badge.pdf",
        f"/e/test-expo/badge.pdf?user={small_event.exhibitor_admin.id}",
        f"/e/test-expo/badge.pdf?badge={other.id}",
    ):
        response = client.get(url)
        assert response.status_code == 200
        text = pdf_text(response.data)
        assert "attendee 님" in text and "exhibitor_admin 님" not in text
    # The only pages that name a badge are the organizer's.
    for url in (
        f"/e/test-expo/manage/badges/{other.id}.pdf",
        f"/e/test-expo/manage/badges/{other.id}",
    ):
        assert client.get(url).status_code == 403


def test_outsider_has_no_badge_page(client, small_event):
    from tests.conftest import login

    login(client, small_event.outsider)
    assert client.get("/e/test-expo/badge").status_code == 403
    assert client.get("/e/test-expo/badge.pdf").status_code == 403
    assert db.session.scalar(select(Badge).where(Badge.user_id == small_event.outsider.id)) is None


def test_a_company_of_no_part_in_the_event_is_not_found(login_as, small_event):
    from eventapp.organizations.models import Organization

    stranger = Organization(name_ko="남", name_en="Stranger Ltd", kind="large", sector="ai")
    db.session.add(stranger)
    db.session.commit()
    organizer = login_as("organizer")
    for suffix in ("", ".pdf"):
        response = organizer.get(f"/e/test-expo/badges/company/{stranger.id}{suffix}")
        assert response.status_code == 404
        assert "Stranger Ltd" not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "query", ["company=²", "company=999999999999999999999999999999", "slug=other&page=1"]
)
def test_crafted_badge_list_queries_are_no_server_error(login_as, small_event, query):
    for n in range(60):  # more than one page, so the pager builds its links
        user = small_event.attendee.__class__(
            email=f"crowd{n}@example.org", name_en=f"Crowd {n}", password_hash="-"
        )
        db.session.add(user)
        db.session.flush()
        services.issue_badge(small_event.event, user)
    db.session.commit()
    organizer = login_as("organizer")
    assert organizer.get(f"/e/test-expo/manage/badges/?{query}").status_code == 200
    response = organizer.get(f"/e/test-expo/manage/badges/print.pdf?{query}")
    # A company that is no id prints nothing: the list says so.
    assert response.status_code == (302 if query.startswith("company=") else 200)
