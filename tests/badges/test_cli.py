"""`flask badges ...` through click's runner."""

from datetime import date

import pytest
from sqlalchemy import func, select

from eventapp.badges import codes, services
from eventapp.badges.models import Badge
from eventapp.extensions import db
from tests.badges.readers import pdf_text, qr_codes
from tests.conftest import add_other_event


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def test_pdf_of_one_person(runner, small_event, tmp_path):
    out = tmp_path / "one.pdf"
    person = small_event.exhibitor_staff
    result = runner.invoke(
        args=[
            "badges",
            "pdf",
            "--event",
            "test-expo",
            "--out",
            str(out),
            "--person",
            str(person.id),
        ]
    )
    assert result.exit_code == 0, result.output
    assert "written to" in result.output
    [[code]] = qr_codes(out)
    verdict = services.verify_code(code, small_event.event)
    assert verdict.ok and verdict.badge.user_id == person.id
    assert "exhibitor_staff 님" in pdf_text(out)


def test_pdf_of_a_revoked_badge_is_refused(runner, small_event, tmp_path):
    badge = services.issue_badge(small_event.event, small_event.attendee)
    services.revoke_badge(badge)
    db.session.commit()
    out = tmp_path / "revoked.pdf"
    result = runner.invoke(
        args=["badges", "pdf", "--event", "test-expo", "--out", str(out)]
        + ["--person", str(small_event.attendee.id)]
    )
    assert result.exit_code != 0 and "revoked" in result.output
    assert not out.exists() or out.stat().st_size == 0


def test_pdf_batches_by_category_and_company(runner, small_event, tmp_path):
    out = tmp_path / "exhibitors.pdf"
    result = runner.invoke(
        args=["badges", "pdf", "--event", "test-expo", "--out", str(out), "--category", "exhibitor"]
    )
    assert result.exit_code == 0, result.output
    assert "3 badges on 1 pages" in result.output
    users = {services.verify_code(c, small_event.event).badge.user_id for c in qr_codes(out)[0]}
    assert users == {
        small_event.exhibitor_admin.id,
        small_event.exhibitor_staff.id,
        small_event.other_exhibitor.id,
    }
    beta = small_event.companies["beta"].id
    result = runner.invoke(
        args=["badges", "pdf", "--event", "test-expo", "--out", str(out), "--company", str(beta)]
    )
    assert result.exit_code == 0 and "1 badges" in result.output
    [[code]] = qr_codes(out)
    assert (
        services.verify_code(code, small_event.event).badge.user_id
        == small_event.other_exhibitor.id
    )


def test_pdf_usage_errors(runner, small_event, tmp_path):
    out = str(tmp_path / "x.pdf")
    assert runner.invoke(args=["badges", "pdf", "--event", "nope", "--out", out]).exit_code != 0
    bad = runner.invoke(
        args=["badges", "pdf", "--event", "test-expo", "--out", out, "--category", "alien"]
    )
    assert bad.exit_code != 0 and "unknown category" in bad.output
    missing = runner.invoke(
        args=["badges", "pdf", "--event", "test-expo", "--out", out, "--person", "999999"]
    )
    assert missing.exit_code != 0 and "no person" in missing.output


def test_verify_says_whose_badge_or_why_not(runner, small_event):
    event = small_event.event
    badge = services.issue_badge(event, small_event.exhibitor_admin)
    db.session.commit()
    code = services.badge_code(badge)

    result = runner.invoke(args=["badges", "verify", code])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("valid:")
    assert (
        "Exhibitor_Admin (exhibitor_admin 님)" in result.output
        and "Alpha Robotics" in result.output
    )
    assert runner.invoke(args=["badges", "verify", code, "--event", "test-expo"]).exit_code == 0

    result = runner.invoke(args=["badges", "verify", "not-a-code"])
    assert result.exit_code == 1 and result.output.startswith("rejected: malformed")

    forged = codes.encode(codes.generate_private_key(), event.id, badge.id, 1)
    result = runner.invoke(args=["badges", "verify", forged])
    assert result.exit_code == 1 and result.output.startswith("rejected: bad signature")

    assert runner.invoke(args=["badges", "reissue", str(badge.id)]).exit_code == 0
    result = runner.invoke(args=["badges", "verify", code])
    assert result.exit_code == 1 and result.output.startswith("rejected: revoked")
    assert "Exhibitor_Admin" in result.output  # still says whose it was

    add_other_event("other", starts_on=date(2026, 1, 1))
    db.session.commit()
    result = runner.invoke(args=["badges", "verify", code, "--event", "other"])
    assert result.exit_code == 1 and result.output.startswith("rejected: other event")

    assert (
        runner.invoke(args=["badges", "revoke", str(badge.id), "--reason", "stolen"]).exit_code == 0
    )
    current = services.badge_code(db.session.get(type(badge), badge.id))
    result = runner.invoke(args=["badges", "verify", current])
    assert result.exit_code == 1 and "rejected: revoked" in result.output


def test_issue_and_public_key(runner, small_event):
    result = runner.invoke(args=["badges", "issue", "--event", "test-expo"])
    assert result.exit_code == 0 and "6 badges issued" in result.output
    result = runner.invoke(args=["badges", "public-key", "--event", "test-expo"])
    assert result.exit_code == 0
    assert result.output.strip() == services.public_key_b64(small_event.event)


@pytest.mark.parametrize("person", [False, True])
def test_pdf_into_a_missing_folder_says_so(runner, small_event, tmp_path, person):
    out = tmp_path / "no such folder" / "badges.pdf"
    args = ["badges", "pdf", "--event", "test-expo", "--out", str(out)]
    if person:
        args += ["--person", str(small_event.attendee.id)]
    result = runner.invoke(args=args)
    # A message, not a traceback.
    assert isinstance(result.exception, SystemExit) and result.exit_code == 1
    assert f"cannot write {out}: No such file or directory" in result.output


def test_pdf_of_a_person_without_a_role_is_refused(runner, small_event, tmp_path):
    """A badge admits at the gates: the command prints none for a person not
    registered at the event (a mistyped id, someone of another event)."""
    from sqlalchemy import func, select

    from eventapp.badges.models import Badge

    out = tmp_path / "outsider.pdf"
    args = ["badges", "pdf", "--event", "test-expo", "--out", str(out)]
    result = runner.invoke(args=[*args, "--person", str(small_event.outsider.id)])
    assert result.exit_code == 1
    assert "has no role at test-expo" in result.output
    assert not out.exists()
    assert db.session.scalar(select(func.count()).select_from(Badge)) == 0


def test_pdf_of_a_company_not_at_the_event_is_refused(runner, small_event, tmp_path):
    """A mistyped --company id (or another event's company) wrote a PDF with no badge
    in it and said nothing about why."""
    from eventapp.events.models import EventRole
    from eventapp.organizations.models import Organization

    stranger = Organization(name_ko="다른회사", name_en="Stranger Inc", kind="startup", sector="ai")
    small_event.outsider.organization = stranger
    other = add_other_event("other", starts_on=date(2026, 1, 1))
    db.session.add(
        EventRole(
            event=other, user=small_event.outsider, role="exhibitor_admin", organization=stranger
        )
    )
    db.session.commit()
    out = tmp_path / "company.pdf"
    args = ["badges", "pdf", "--event", "test-expo", "--out", str(out)]
    for company in (stranger.id, 999999):
        result = runner.invoke(args=[*args, "--company", str(company)])
        assert result.exit_code == 1
        assert result.output == f"Error: no company {company} at test-expo\n"
        assert not out.exists()
        # Refused before anything changed: no badge was issued for the print.
        assert db.session.scalar(select(func.count()).select_from(Badge)) == 0
    # A company at the event with no badge of the category: refused as matching nobody.
    gamma = small_event.companies["gamma"].id
    result = runner.invoke(args=[*args, "--company", str(gamma), "--category", "press"])
    assert result.exit_code == 1
    assert result.output == (
        f"Error: no badge matches --category press --company {gamma} at test-expo; "
        "no file written\n"
    )
    assert not out.exists()


@pytest.mark.parametrize(
    ("event", "filters", "told"),
    [
        ("test-expo", ["--category", "press"], "no badge matches --category press at test-expo"),
        ("other-expo", [], "no badge to print at other-expo"),
    ],
)
def test_pdf_of_no_badge_writes_no_file(runner, small_event, tmp_path, event, filters, told):
    """A filter (or an event) matching no badge wrote an empty PDF and said "0 badges",
    as if a print job were done."""
    add_other_event("other-expo")
    db.session.commit()
    out = tmp_path / "none.pdf"
    result = runner.invoke(args=["badges", "pdf", "--event", event, "--out", str(out), *filters])
    assert (result.exit_code, result.output) == (1, f"Error: {told}; no file written\n")
    assert not out.exists()


def test_pdf_of_revoked_badges_only_writes_no_file(runner, small_event, tmp_path):
    """Revoked badges are not printed, so a company whose badges are all revoked
    matches none."""
    company = small_event.companies["beta"].id
    services.sync_badges(small_event.event)
    badges = db.session.scalars(select(Badge).where(Badge.organization_id == company)).all()
    assert badges
    for badge in badges:
        services.revoke_badge(badge)
    db.session.commit()
    out = tmp_path / "revoked.pdf"
    result = runner.invoke(
        args=["badges", "pdf", "--event", "test-expo", "--out", str(out), "--company", str(company)]
    )
    assert (result.exit_code, result.output) == (
        1,
        f"Error: no badge matches --company {company} at test-expo; no file written\n",
    )
    assert not out.exists()


def test_revoke_keeps_a_reason_the_badge_page_would_keep(runner, small_event):
    """A reason of any length was written to the audit log; the badge page takes 200
    characters at most."""

    badge = services.issue_badge(small_event.event, small_event.attendee)
    db.session.commit()
    result = runner.invoke(args=["badges", "revoke", str(badge.id), "--reason", "x" * 201])
    assert result.exit_code == 2
    assert "Invalid value for --reason: at most 200 characters (given 201)" in result.output
    db.session.expire_all()
    assert badge.revoked_at is None
    result = runner.invoke(args=["badges", "revoke", str(badge.id), "--reason", "x" * 200])
    assert (result.exit_code, result.output) == (0, f"badge {badge.id} revoked\n")


def test_revoking_a_revoked_badge_says_nothing_changed(runner, small_event):
    """It answered "badge 5 revoked" as if it had been done now, with the reason given."""
    from eventapp.core.audit import AuditEntry

    badge = services.issue_badge(small_event.event, small_event.attendee)
    services.revoke_badge(badge, reason="lost")
    db.session.commit()
    result = runner.invoke(args=["badges", "revoke", str(badge.id), "--reason", "stolen"])
    assert result.exit_code == 0
    assert f"badge {badge.id} was already revoked on " in result.output
    assert result.output.endswith(" UTC; nothing changed\n")
    reasons = db.session.scalars(
        select(AuditEntry.data).where(AuditEntry.action == "badge.revoked")
    ).all()
    assert [data["reason"] for data in reasons] == ["lost"]
