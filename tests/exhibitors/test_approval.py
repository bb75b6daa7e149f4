import re
from datetime import UTC, datetime, timedelta
from itertools import product

import pytest
from sqlalchemy import func, select

from eventapp.accounts.models import User
from eventapp.booths.models import EXHIBITOR_STATUSES, BoothAllocation, Exhibitor
from eventapp.booths.services import settings_for
from eventapp.core.audit import AuditEntry
from eventapp.events.models import EventRole
from eventapp.exhibitors import services
from eventapp.extensions import db
from eventapp.notifications.models import OutboxMessage
from tests.conftest import statements_of

STATUSES = list(EXHIBITOR_STATUSES)


def audit_entries(action="exhibitor.status_changed"):
    return db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
    ).all()


def test_transition_table_names_only_known_statuses():
    assert set(services.STATUS_TRANSITIONS) == set(STATUSES)
    for old, targets in services.STATUS_TRANSITIONS.items():
        assert targets <= set(STATUSES) and old not in targets


def test_set_status_follows_the_transition_table(small_event, english):
    beta = small_event.exhibitors["beta"]
    for old, new in product(STATUSES, STATUSES):
        if old == new:
            continue
        beta.status = old
        db.session.commit()
        entries = len(audit_entries())
        mails = db.session.scalar(select(func.count()).select_from(OutboxMessage))
        if new in services.STATUS_TRANSITIONS[old]:
            assert services.set_status(beta, new, reason="a reason") is True, (old, new)
            db.session.commit()
            db.session.expire_all()
            assert beta.status == new
            entry = audit_entries()[-1]
            assert (entry.data["from"], entry.data["to"]) == (old, new)
            assert len(audit_entries()) == entries + 1
            assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == mails + 1
        else:
            with pytest.raises(services.StatusError, match="cannot become"):
                services.set_status(beta, new, reason="a reason")
            db.session.rollback()
            assert beta.status == old, (old, new)
            assert len(audit_entries()) == entries


def test_set_status_leaves_the_commit_to_the_caller(small_event):
    beta = small_event.exhibitors["beta"]
    services.set_status(beta, "placed")
    db.session.rollback()
    db.session.expire_all()
    assert beta.status == "approved" and audit_entries() == []


def test_same_status_is_a_no_op(small_event):
    beta = small_event.exhibitors["beta"]
    assert services.set_status(beta, "approved") is False
    assert audit_entries() == []


def test_rejection_needs_a_reason(small_event, english):
    beta = small_event.exhibitors["beta"]
    with pytest.raises(services.StatusError, match="reason"):
        services.set_status(beta, "rejected", reason="  ")
    with pytest.raises(services.StatusError, match="Unknown status"):
        services.set_status(beta, "lost")


def pending_exhibitor(small_event, with_second_admin=True):
    alpha = small_event.exhibitors["alpha"]
    alpha.status = "pending"
    if with_second_admin:
        # A second company admin, who reads Korean.
        second = User(
            email="second.admin@example.org", name_ko="둘째", locale="ko", password_hash="!"
        )
        db.session.add(second)
        db.session.add(
            EventRole(
                event=small_event.event,
                user=second,
                role="exhibitor_admin",
                organization=alpha.organization,
            )
        )
    db.session.commit()
    return alpha


def test_organizer_approves_and_every_company_admin_is_told(login_as, small_event, outbox):
    alpha = pending_exhibitor(small_event)
    client = login_as("organizer")
    response = client.post(
        f"/e/test-expo/manage/exhibitors/{alpha.id}/decision", data={"status": "approved"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert alpha.status == "approved"
    mails = outbox("exhibitor_status")
    assert sorted(m[0] for m in mails) == [
        "exhibitor_admin@example.org",
        "second.admin@example.org",
    ]
    english = next(m for m in mails if m[0] == "exhibitor_admin@example.org")
    assert "approved" in english[1] and "Alpha Robotics" in english[2]
    assert f"/e/test-expo/exhibitors/{alpha.id}/" in english[2]
    (entry,) = audit_entries()
    assert entry.user_id == small_event.organizer.id
    assert (entry.data["from"], entry.data["to"]) == ("pending", "approved")
    page = client.get(f"/e/test-expo/manage/exhibitors/{alpha.id}").get_data(as_text=True)
    assert "pending → approved" in page


LATER = datetime(2099, 3, 2, 1, 0, tzinfo=UTC)  # 10:00 in Seoul
EARLIER = datetime(2020, 3, 2, 1, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("window", "tier", "said"),
    [
        ({"picking_opens_at": EARLIER}, 0, "Booth picking is open: you can now pick your booths"),
        ({}, 0, "Booth picking has not been opened yet; once it opens"),
        (
            {"picking_opens_at": LATER},
            0,
            "Booth picking opens for your company at 2099-03-02 10:00",
        ),
        (
            {"picking_opens_at": EARLIER - timedelta(days=1), "picking_closes_at": EARLIER},
            0,
            "Booth picking is closed; the organizers will place your company",
        ),
        # Picking open for the priority tier only: a regular company waits for its own.
        (
            {"priority_opens_at": EARLIER, "picking_opens_at": LATER},
            0,
            "Booth picking opens for your company at 2099-03-02 10:00 (Asia/Seoul)",
        ),
        (
            {"priority_opens_at": EARLIER, "picking_opens_at": LATER},
            1,
            "Booth picking is open: you can now pick your booths",
        ),
    ],
)
def test_the_approval_mail_says_when_the_company_picks_its_booths(
    login_as, small_event, outbox, window, tier, said
):
    """It said "You can now pick your booths" whether picking had opened, not yet,
    or closed, and whatever the company's tier."""
    alpha = pending_exhibitor(small_event, with_second_admin=False)
    alpha.priority_tier = tier
    settings = settings_for(small_event.event)
    for name in ("picking_opens_at", "picking_closes_at", "priority_opens_at"):
        setattr(settings, name, window.get(name))
    db.session.commit()
    client = login_as("organizer")
    client.post(f"/e/test-expo/manage/exhibitors/{alpha.id}/decision", data={"status": "approved"})
    (mail,) = outbox("exhibitor_status")
    text = " ".join(mail[2].split())
    assert said in text
    if "open:" not in said:
        assert "can now pick" not in text


def test_organizer_rejects_with_a_reason(login_as, small_event, outbox):
    alpha = pending_exhibitor(small_event, with_second_admin=False)
    client = login_as("organizer")
    url = f"/e/test-expo/manage/exhibitors/{alpha.id}/decision?lang=en"
    response = client.post(url, data={"status": "rejected", "reason": ""})
    assert response.status_code == 400
    assert "Give a reason" in response.get_data(as_text=True)
    db.session.expire_all()
    assert alpha.status == "pending" and outbox() == []
    response = client.post(url, data={"status": "rejected", "reason": "Not a technology company"})
    assert response.status_code == 302
    db.session.expire_all()
    assert (alpha.status, alpha.status_reason) == ("rejected", "Not a technology company")
    (mail,) = outbox("exhibitor_status")
    assert "Not a technology company" in mail[2]
    assert audit_entries()[0].data["reason"] == "Not a technology company"
    # The company sees the reason on its page.
    page = login_as("exhibitor_staff").get(f"/e/test-expo/exhibitors/{alpha.id}/")
    assert "Not a technology company" in page.get_data(as_text=True)


@pytest.mark.parametrize(
    ("first", "second", "said"),
    [
        ({"status": "approved"}, {"status": "approved"}, "already approved"),
        (
            {"status": "rejected", "reason": "Not a technology company"},
            {"status": "rejected", "reason": "Duplicate registration"},
            "already rejected",
        ),
    ],
)
def test_a_decision_sent_again_says_it_was_already_taken(
    login_as, small_event, outbox, first, second, said
):
    """A double click, or a second organizer's page left open, read "the company was
    told by e-mail" though nothing changed and no mail went out; a second reason of
    rejection was dropped without a word."""
    alpha = pending_exhibitor(small_event, with_second_admin=False)
    client = login_as("organizer")
    url = f"/e/test-expo/manage/exhibitors/{alpha.id}/decision?lang=en"
    assert client.post(url, data=first, follow_redirects=True).status_code == 200
    response = client.post(url, data=second, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert f"Alpha Robotics was {said}: nothing changed, and no e-mail was sent." in page
    assert "the company was told by e-mail" not in page
    db.session.expire_all()
    assert alpha.status_reason == first.get("reason", "")
    assert len(outbox("exhibitor_status")) == 1
    assert len(audit_entries()) == 1


def test_rejection_releases_booths(small_event):
    alpha = small_event.exhibitors["alpha"]
    db.session.add(BoothAllocation(booth=small_event.booths["A-01"], exhibitor=alpha, state="hold"))
    db.session.commit()
    services.change_status(alpha, "rejected", "duplicate registration")
    assert db.session.scalar(select(func.count()).select_from(BoothAllocation)) == 0
    assert audit_entries()[0].data["released_booths"] == 1


def test_a_company_that_exhibited_is_not_rejected_once_the_fair_is_over(
    login_as, small_event, fair_over, outbox
):
    """Rejected after the fair, an approved company lost its booths on the floor plan
    and its team's badges: the record of who exhibited where. A company only pending
    then, which exhibited nowhere, is still rejected."""
    from eventapp.badges import services as badges

    alpha, beta = small_event.exhibitors["alpha"], small_event.exhibitors["beta"]
    db.session.add(BoothAllocation(booth=small_event.booths["A-01"], exhibitor=alpha, state="hold"))
    beta.status = "pending"
    badge = badges.issue_badge(small_event.event, small_event.exhibitor_staff)
    db.session.commit()
    code = badges.badge_code(badge)
    client = login_as("organizer")
    page = client.get(f"/e/test-expo/manage/exhibitors/{alpha.id}?lang=en").get_data(as_text=True)
    assert 'id="reject-button"' not in page
    assert "its booths and its team&#39;s badges are kept as the record of the fair" in page

    def reject(exhibitor):
        return client.post(
            f"/e/test-expo/manage/exhibitors/{exhibitor.id}/decision?lang=en",
            data={"status": "rejected", "reason": "No show"},
        )

    # From a page loaded before the fair ended.
    response = reject(alpha)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Test Expo ended on" in page and "Alpha Robotics exhibited there" in page
    assert "It can no longer be rejected." in page
    db.session.expire_all()
    assert alpha.status == "approved"
    allocations = db.session.scalars(select(BoothAllocation.exhibitor_id)).all()
    assert allocations == [alpha.id]
    assert badges.verify_code(code, small_event.event).status == "valid"
    assert audit_entries() == [] and outbox("exhibitor_status") == []

    assert reject(beta).status_code == 302
    db.session.expire_all()
    assert beta.status == "rejected"


def test_illegal_decision_is_refused_with_a_message(login_as, small_event):
    alpha = small_event.exhibitors["alpha"]
    alpha.status = "withdrawn"
    db.session.commit()
    client = login_as("organizer")
    response = client.post(
        f"/e/test-expo/manage/exhibitors/{alpha.id}/decision?lang=en", data={"status": "approved"}
    )
    assert response.status_code == 409
    assert "cannot become" in response.get_data(as_text=True)
    db.session.expire_all()
    assert alpha.status == "withdrawn" and audit_entries() == []


def test_decision_buttons_follow_the_table(login_as, small_event):
    alpha = small_event.exhibitors["alpha"]
    client = login_as("organizer")
    page = client.get(f"/e/test-expo/manage/exhibitors/{alpha.id}").get_data(as_text=True)
    assert 'id="reject-button"' in page and 'id="approve-button"' not in page
    alpha.status = "confirmed"
    db.session.commit()
    page = client.get(f"/e/test-expo/manage/exhibitors/{alpha.id}").get_data(as_text=True)
    assert 'id="reject-button"' not in page and 'id="approve-button"' not in page


def organizer_list(login_as, small_event):
    """The organizers' exhibitor list with Beta pending (Alpha stays approved): the page
    of a query string, read by an organizer."""
    client = login_as("organizer")
    small_event.exhibitors["beta"].status = "pending"
    db.session.commit()
    return lambda query: client.get("/e/test-expo/manage/exhibitors/" + query).get_data(
        as_text=True
    )


def test_organizer_list_filters(login_as, small_event):
    list_page = organizer_list(login_as, small_event)

    def listed(query):
        page = list_page(query)
        return {name for name in ("Alpha Robotics", "Beta Bio") if name in page}

    assert listed("?lang=en") == {"Alpha Robotics", "Beta Bio"}
    assert listed("?lang=en&status=pending") == {"Beta Bio"}
    assert listed("?lang=en&sector=ai") == {"Alpha Robotics"}
    assert listed("?lang=en&kind=midsize_firm") == {"Beta Bio"}
    assert listed("?lang=en&q=alpha") == {"Alpha Robotics"}
    assert listed("?lang=en&q=베타") == {"Beta Bio"}
    # What was typed is looked for as it is: "%" and "_" are no wildcards.
    assert listed("?lang=en&q=%25") == set()
    assert listed("?lang=en&q=a_r") == set()  # "a R" of "Alpha Robotics" would match "_"
    assert listed("?lang=en&status=bogus") == {"Alpha Robotics", "Beta Bio"}
    assert listed("?lang=en&status=confirmed") == set()


def test_the_status_tabs_count_what_they_list_under_the_other_filters(login_as, small_event):
    """The tabs keep the sector, kind and search filters, but counted every exhibitor
    of the event: with the AI sector chosen, "approved 2" opened on a list of one."""
    list_page = organizer_list(login_as, small_event)

    def tabs(query):
        page = list_page("?lang=en" + query)
        nav = re.search(r'<nav class="status-tabs".*?</nav>', page, re.S).group(0)
        found = re.findall(r'>\s*([^<>]+?) <span class="count">(\d+)</span>', nav)
        return {label: int(count) for label, count in found}

    everything = tabs("")
    assert (everything["All"], everything["Approved"], everything["Pending"]) == (2, 1, 1)
    for query in ("&sector=ai", "&kind=startup", "&q=alpha"):
        counted = tabs(query)
        assert (counted["All"], counted["Approved"], counted["Pending"]) == (1, 1, 0), query
    assert tabs("&sector=ai&status=pending")["Approved"] == 1
    assert tabs("&q=nobody")["All"] == 0


def test_organizer_list_pages(login_as, small_event):
    from eventapp.organizations.models import Organization

    for number in range(55):
        org = Organization(
            name_ko=f"회사{number}", name_en=f"Filler {number:02d}", kind="startup", sector="eco"
        )
        db.session.add(Exhibitor(event=small_event.event, organization=org))
    db.session.commit()
    client = login_as("organizer")
    first = client.get("/e/test-expo/manage/exhibitors/?lang=en").get_data(as_text=True)
    second = client.get("/e/test-expo/manage/exhibitors/?lang=en&page=2").get_data(as_text=True)
    assert first.count("data-exhibitor=") == 50 and second.count("data-exhibitor=") == 7
    assert "Page 1 of 2" in first


def test_overview_panel_links_to_pending_registrations(login_as, small_event):
    page = login_as("organizer").get("/e/test-expo/manage/?lang=en").get_data(as_text=True)
    assert "/e/test-expo/manage/exhibitors/?status=pending" in page


def test_status_mail_outside_a_request(app, small_event):
    """The booths package may change a status from the command line."""
    beta_id = small_event.exhibitors["beta"].id
    with app.app_context():
        beta = db.session.get(Exhibitor, beta_id)
        services.set_status(beta, "placed")
        db.session.commit()
        row = db.session.scalar(select(OutboxMessage))
        assert b"http://testserver/e/test-expo/exhibitors/" in row.raw


def test_history_names_statuses_and_tiers_in_the_pages_language(login_as, small_event):
    alpha = pending_exhibitor(small_event, with_second_admin=False)
    client = login_as("organizer")
    client.post(f"/e/test-expo/manage/exhibitors/{alpha.id}/decision", data={"status": "approved"})
    for tier in ("1", "0"):
        client.post(f"/e/test-expo/manage/exhibitors/{alpha.id}/priority", data={"tier": tier})
    page = client.get(f"/e/test-expo/manage/exhibitors/{alpha.id}?lang=ko").get_data(as_text=True)
    history = page[page.index("<h2>이력</h2>") :]
    assert "검토 중 → 승인" in history  # not the stored keys, "pending → approved"
    assert "pending" not in history and "approved" not in history
    priority = "우선 (먼저 선택 가능, 예: 후원사)"
    assert f"일반 → {priority}" in history
    assert f"{priority} → 일반" in history  # a change back to the regular tier (0) too
    english = client.get(f"/e/test-expo/manage/exhibitors/{alpha.id}?lang=en").get_data(
        as_text=True
    )
    assert "pending → approved" in english
    assert "regular → priority (may pick early, e.g. sponsors)" in english
    assert "priority (may pick early, e.g. sponsors) → regular" in english


def test_withdrawal_mail_of_a_company_with_booths_and_badges(login_as, small_event, outbox):
    """The Korean mail says the company's booths (not only its holds) are free again,
    and the link stands apart from the paragraph on badges."""
    from eventapp.badges import services as badges

    alpha = small_event.exhibitors["alpha"]
    alpha.status = "confirmed"
    for code in ("A-01", "A-02"):
        db.session.add(
            BoothAllocation(booth=small_event.booths[code], exhibitor=alpha, state="confirmed")
        )
    small_event.exhibitor_admin.locale = "ko"
    badges.issue_badge(small_event.event, small_event.exhibitor_admin)
    db.session.commit()
    client = login_as("exhibitor_admin")
    response = client.post(f"/e/test-expo/exhibitors/{alpha.id}/withdraw", data={"reason": ""})
    assert response.status_code == 302
    (mail,) = outbox("exhibitor_status")
    text = mail[2].replace("\r\n", "\n")
    assert "배정받은 부스는 모두 다른 기업·기관이 선택할 수 있게 되었습니다." in text
    assert "임시 선점했던 부스는 모두 다시" not in text
    assert "더 이상 누구도 입장할 수 없습니다.\n\nhttp" in text


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        (
            "en",
            "Decision: the form sent none of the decisions this page offers; use one of its "
            "buttons.",
        ),
        (
            "ko",
            "결정: 이 페이지에서 고를 수 있는 결정이 전송되지 않았습니다. 페이지의 버튼을 눌러 주세요.",
        ),
    ],
)
@pytest.mark.parametrize("sent", ["bogus", "confirmed", ""])
def test_a_tampered_decision_is_refused_in_words_naming_the_field(
    login_as, small_event, lang, said, sent
):
    """It said "A registration that is pending cannot become bogus here", naming the
    value sent (or an internal status name) as it was; an empty one said nothing."""
    alpha = pending_exhibitor(small_event, with_second_admin=False)
    client = login_as("organizer")
    response = client.post(
        f"/e/test-expo/manage/exhibitors/{alpha.id}/decision?lang={lang}", data={"status": sent}
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert said in page
    assert "bogus" not in page and "cannot become" not in page
    db.session.expire_all()
    assert alpha.status == "pending" and audit_entries() == []


def test_the_organizer_list_reads_the_companies_with_their_registrations(login_as, small_event):
    """Each row names its company: read one row at a time, a page of 50 ran 59
    statements for the demo fair."""
    from eventapp.organizations.models import Organization

    client = login_as("organizer")
    path = "/e/test-expo/manage/exhibitors/?lang=en"

    def statements():
        # As a request of its own: the commit leaves nothing the test read loaded.
        db.session.commit()
        return statements_of(lambda: client.get(path))

    _, few = statements()
    for number in range(3):
        org = Organization(
            name_ko=f"회사{number}", name_en=f"Filler {number:02d}", kind="startup", sector="eco"
        )
        db.session.add(Exhibitor(event=small_event.event, organization=org))
    response, many = statements()
    assert many == few
    assert response.get_data(as_text=True).count("Filler 0") == 3


def test_competitors_not_next_to_and_avoided_by_are_listed_by_name(login_as, small_event):
    """The lists followed the order the links were stored in, whatever the names."""
    from eventapp.booths.models import ExhibitorAvoid
    from eventapp.organizations.models import Organization

    alpha, beta = small_event.exhibitors["alpha"], small_event.exhibitors["beta"]
    aardvark = Exhibitor(
        event=small_event.event,
        organization=Organization(
            name_ko="아드바크", name_en="Aardvark Audio", kind="startup", sector="ai"
        ),
        status="approved",
    )
    db.session.add(aardvark)
    db.session.flush()
    for exhibitor_id, avoided_id in (
        (alpha.id, beta.id),
        (alpha.id, aardvark.id),
        (beta.id, alpha.id),
        (aardvark.id, alpha.id),
    ):
        db.session.add(ExhibitorAvoid(exhibitor_id=exhibitor_id, avoided_id=avoided_id))
    db.session.commit()

    def listed(page, term):
        dd = re.search(rf"<dt>{term}</dt><dd>(.*?)</dd>", page, re.S).group(1)
        return [name.strip() for name in re.sub(r"<[^>]+>", "", dd).split(",")]

    detail = f"/e/test-expo/manage/exhibitors/{alpha.id}?lang=en"
    page = login_as("organizer").get(detail).get_data(as_text=True)
    assert listed(page, "Not next to") == ["Aardvark Audio", "Beta Bio"]
    assert listed(page, "Avoided by") == ["Aardvark Audio", "Beta Bio"]
    page = login_as("exhibitor_admin").get(f"/e/test-expo/exhibitors/{alpha.id}/?lang=en")
    assert listed(page.get_data(as_text=True), "Not next to") == ["Aardvark Audio", "Beta Bio"]
