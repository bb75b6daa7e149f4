"""`flask accounts ...`: looking after accounts from the shell."""

import click
from flask import current_app
from flask.cli import AppGroup

from eventapp.extensions import db


def register(app):
    group = AppGroup("accounts", help="Accounts of the platform.")

    @group.command("purge-unconfirmed")
    @click.option(
        "--days",
        default=7,
        show_default=True,
        type=click.IntRange(1, 3650),
        help="Remove those signed up more than this many days ago.",
    )
    def purge_unconfirmed_command(days):
        """Remove accounts whose e-mail address was never confirmed, unless anything
        is attached to them (a role, a badge, a company, ...)."""
        from eventapp.accounts.services import purge_unconfirmed

        # An account whose confirmation link still works may be confirmed any minute.
        link_days = -(-current_app.config["EMAIL_CONFIRMATION_MAX_AGE_SECONDS"] // 86400)
        if days < link_days:
            raise click.BadParameter(
                f"at least {link_days}: a confirmation link works for {link_days} days",
                param_hint="--days",
            )
        purge = purge_unconfirmed(days)
        db.session.commit()
        click.echo(
            f"{purge.removed} unconfirmed account(s) signed up before "
            f"{purge.cutoff:%Y-%m-%d %H:%M} UTC removed, {purge.kept} kept."
        )
        if purge.mail_cancelled:
            click.echo(f"  {purge.mail_cancelled} mail(s) waiting for them cancelled")
        for reason, count in sorted(purge.reasons.items(), key=lambda item: (-item[1], item[0])):
            click.echo(f"  kept {count}: {reason}")

    app.cli.add_command(group)
