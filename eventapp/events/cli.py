"""`flask events ...`: creating events from the command line."""

import click
from flask.cli import AppGroup
from sqlalchemy import select

from eventapp.extensions import db


def register(app):
    group = AppGroup("events", help="Events and their organizers.")

    @group.command("create")
    @click.argument("slug")
    @click.option("--name-ko", required=True, help="Name in Korean.")
    @click.option("--name-en", required=True, help="Name in English.")
    @click.option(
        "--starts-on", required=True, type=click.DateTime(["%Y-%m-%d"]), help="First day."
    )
    @click.option("--ends-on", type=click.DateTime(["%Y-%m-%d"]), help="Last day [first day].")
    @click.option("--opens-at", default="10:00", type=click.DateTime(["%H:%M"]), show_default=True)
    @click.option("--closes-at", default="17:00", type=click.DateTime(["%H:%M"]), show_default=True)
    @click.option("--timezone", default="Asia/Seoul", show_default=True, help="IANA time zone.")
    @click.option("--fair-name-ko", default="")
    @click.option("--fair-name-en", default="")
    @click.option("--venue-ko", default="")
    @click.option("--venue-en", default="")
    @click.option("--city", default="")
    @click.option("--contact-email", default="")
    @click.option("--description-ko", default="")
    @click.option("--description-en", default="")
    @click.option(
        "--organizer",
        "organizers",
        multiple=True,
        metavar="EMAIL",
        help="Appoint the account with this e-mail as organizer (repeatable).",
    )
    def create_command(slug, organizers, starts_on, ends_on, opens_at, closes_at, **details):
        """Create the event SLUG, checked as on the New event page."""
        from eventapp.accounts.models import User
        from eventapp.events.models import EventRole
        from eventapp.events.services import EventError, add_event

        details.update(
            slug=slug,
            starts_on=starts_on.date(),
            ends_on=(ends_on or starts_on).date(),
            opens_at=opens_at.time(),
            closes_at=closes_at.time(),
        )
        try:
            event = add_event(details, organizers)
            db.session.commit()
        except EventError as error:
            db.session.rollback()
            raise click.ClickException(str(error)) from None
        # Named as the accounts have them: counting the addresses as typed told of two
        # organizers for the same address given twice (or of one for an empty one).
        appointed = db.session.scalars(
            select(User.email)
            .join(EventRole, EventRole.user_id == User.id)
            .where(EventRole.event_id == event.id, EventRole.role == "organizer")
            .order_by(EventRole.id)
        ).all()
        click.echo(
            f"Created {event.slug}: {event.name_en}, {event.starts_on} to {event.ends_on}"
            f"; organizers: {', '.join(appointed) or 'none yet'}."
        )

    app.cli.add_command(group)
