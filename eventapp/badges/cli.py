"""`flask badges ...`: print badge PDFs and check codes from the shell."""

import click
from sqlalchemy import select

from eventapp.core.cli import RECORD_ID
from eventapp.events.models import Event
from eventapp.extensions import db


def _event(slug):
    event = db.session.scalar(select(Event).where(Event.slug == slug))
    if event is None:
        raise click.ClickException(f"no event {slug!r}")
    return event


def _badge(badge_id):
    from eventapp.badges.models import Badge

    badge = db.session.get(Badge, badge_id)
    if badge is None:
        raise click.ClickException(f"no badge {badge_id}")
    return badge


def _write(make_pdf, out, *args, **kwargs):
    """`make_pdf(*args, out, **kwargs)`, told as a message when the file cannot be
    written (a folder that does not exist, no permission) rather than a traceback."""
    try:
        return make_pdf(*args, out, **kwargs)
    except OSError as error:
        raise click.ClickException(f"cannot write {out}: {error.strerror or error}") from None


def describe(badge):
    names = badge.name_en or badge.name_ko
    if badge.name_ko and badge.name_ko != badge.name_en:
        names = f"{badge.name_en} ({badge.name_ko})" if badge.name_en else badge.name_ko
    parts = [f"badge {badge.id} (issue {badge.issue}) of {names}"]
    if badge.organization_en or badge.organization_ko:
        parts.append(badge.organization_en or badge.organization_ko)
    parts.append(badge.category_info.label_en)
    if badge.booth:
        parts.append(f"booth {badge.booth}")
    return ", ".join(parts)


def register(app):
    group = click.Group("badges", help="Badges: PDFs, codes, reissue and revoke.")

    @group.command("issue")
    @click.option("--event", "slug", required=True, help="Event slug.")
    def issue_command(slug):
        """Issue missing badges and refresh printed details for everybody with a role."""
        from eventapp.badges.services import sync_badges

        issued, refreshed = sync_badges(_event(slug))
        db.session.commit()
        click.echo(f"{issued} badges issued, {refreshed} refreshed")

    @group.command("pdf")
    @click.option("--event", "slug", required=True, help="Event slug.")
    @click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True))
    @click.option("--person", type=RECORD_ID, help="User id: one A6 badge for this person.")
    @click.option("--category", help="Only badges of this category.")
    @click.option("--company", type=RECORD_ID, help="Only badges of this organization (id).")
    def pdf_command(slug, out, person, category, company):
        """Write badges as PDF: one person's A6 badge, or A4 sheets of four A6
        badges with cut marks (all, or one category, or one company)."""
        from eventapp.accounts.models import User
        from eventapp.badges import pdf
        from eventapp.badges.models import CATEGORIES
        from eventapp.badges.services import (
            is_company_at,
            issue_badge,
            printable_count,
            sync_badges,
        )
        from eventapp.core.permissions import roles_of

        event = _event(slug)
        if category and category not in CATEGORIES:
            raise click.BadParameter(
                f"unknown category; one of {', '.join(CATEGORIES)}", param_hint="--category"
            )
        if person is not None:
            if category or company:
                raise click.UsageError("--person prints one badge; leave out --category/--company")
            user = db.session.get(User, person)
            if user is None:
                raise click.ClickException(f"no person {person}")
            # A badge admits at the gates: only for a person registered at this event
            # (a mistyped id, or someone of another event, would get in unregistered).
            if not roles_of(user, event):
                raise click.ClickException(
                    f"person {person} has no role at {event.slug}: register them first"
                )
            badge = issue_badge(event, user)
            db.session.commit()
            if badge.is_revoked:
                raise click.ClickException(
                    f"badge {badge.id} is revoked: reissue it before printing"
                )
            _write(pdf.badge_pdf, out, badge)
            click.echo(f"badge {badge.id} of {badge.name_en or badge.name_ko} written to {out}")
            return
        sync_badges(event)  # the company's people are found by their badges
        # A mistyped id (or another event's company) would print a sheet of nobody;
        # refused with the badges' issuing and refreshing undone.
        if company is not None and not is_company_at(event, company):
            db.session.rollback()
            raise click.ClickException(f"no company {company} at {event.slug}")
        db.session.commit()
        filters = {"category": category, "organization_id": company}
        # An empty PDF read as a print job done: nothing is written, and the filter
        # that matched nobody is named.
        if not printable_count(event, **filters):
            given = " ".join(
                f"--{name} {value}"
                for name, value in (("category", category), ("company", company))
                if value is not None
            )
            what = f"no badge matches {given}" if given else "no badge to print"
            raise click.ClickException(f"{what} at {event.slug}; no file written")
        count = _write(pdf.batch_pdf, out, event, **filters)
        db.session.commit()
        pages = max(1, -(-count // 4))
        click.echo(f"{count} badges on {pages} pages written to {out}")

    @group.command("verify")
    @click.argument("code")
    @click.option(
        "--event", "slug", help="Event the code is scanned at (default: the one it names)."
    )
    def verify_command(code, slug):
        """Say whose badge a code is, or why it is rejected. Exit status 0 only if valid."""
        from eventapp.badges import codes
        from eventapp.badges.services import verify_code

        if slug:
            event = _event(slug)
        else:
            try:
                event = db.session.get(Event, codes.decode(code).event_id)
            except codes.MalformedCode as error:
                click.echo(f"rejected: malformed ({error.reason})")
                raise SystemExit(1) from None
            if event is None:
                click.echo("rejected: other event (the code names an event not held here)")
                raise SystemExit(1)
        verdict = verify_code(code, event)
        db.session.rollback()
        label = verdict.status.replace("_", " ")
        if verdict.ok:
            click.echo(f"valid: {describe(verdict.badge)}, event {event.slug}")
            return
        detail = f" ({verdict.detail})" if verdict.detail else ""
        line = f"rejected: {label}{detail}: {verdict.reason}"
        if verdict.badge is not None:
            line += f" [{describe(verdict.badge)}]"
        click.echo(line)
        raise SystemExit(1)

    @group.command("reissue")
    @click.argument("badge_id", type=RECORD_ID)
    def reissue_command(badge_id):
        """Reissue a badge: older prints stop admitting."""
        from eventapp.badges.services import BadgeError, reissue_badge

        try:
            badge = reissue_badge(_badge(badge_id))
        except BadgeError as error:
            # At its last issue, on the team of a company that no longer exhibits, or
            # held by someone with no role left at the event.
            db.session.rollback()
            raise click.ClickException(f"badge {badge_id} not reissued: {error}") from error
        db.session.commit()
        click.echo(f"badge {badge.id} is now issue {badge.issue}")

    @group.command("revoke")
    @click.argument("badge_id", type=RECORD_ID)
    @click.option("--reason", default="", help="Kept in the audit log.")
    def revoke_command(badge_id, reason):
        """Revoke a badge: none of its prints admits any more."""
        from eventapp.badges.models import REVOKE_REASON_MAX
        from eventapp.badges.services import revoke_badge

        # As on the badge page: a longer one filled the audit log unchecked.
        if len(reason) > REVOKE_REASON_MAX:
            raise click.BadParameter(
                f"at most {REVOKE_REASON_MAX} characters (given {len(reason)})",
                param_hint="--reason",
            )
        badge = _badge(badge_id)
        revoked_at = badge.revoked_at
        badge = revoke_badge(badge, reason=reason)
        db.session.commit()
        if revoked_at is not None:
            # Revoking again changes nothing, the reason given now is not kept:
            # "revoked" alone read as if it had been done, with this reason.
            click.echo(
                f"badge {badge.id} was already revoked on {revoked_at:%Y-%m-%d %H:%M} UTC; "
                "nothing changed"
            )
            return
        click.echo(f"badge {badge.id} revoked")

    @group.command("public-key")
    @click.option("--event", "slug", required=True, help="Event slug.")
    def public_key_command(slug):
        """Print the event's public key for offline scanners (base64url, raw 32 bytes)."""
        from eventapp.badges.services import public_key_b64

        click.echo(public_key_b64(_event(slug)))
        db.session.commit()

    app.cli.add_command(group)
