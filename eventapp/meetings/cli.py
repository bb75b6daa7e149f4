"""`flask meetings ...`: reminders (for cron) and the scheduler run from the shell."""

import click
from sqlalchemy import select

from eventapp.events.models import Event
from eventapp.extensions import db


def _event(slug):
    event = db.session.scalar(select(Event).where(Event.slug == slug))
    if event is None:
        raise click.ClickException(f"no event {slug!r}")
    return event


def register(app):
    group = click.Group("meetings", help="Global meetup: reminders and scheduling.")

    @group.command("remind")
    @click.argument("slug")
    @click.option("--hours", default=24, show_default=True, help="Remind meetings starting within.")
    def remind_command(slug, hours):
        """Queue reminder mails for the coming meetings of an event (run it from cron)."""
        from eventapp.meetings.services import send_reminders

        count = send_reminders(_event(slug), hours=hours)
        db.session.commit()
        click.echo(f"{count} meetings reminded")

    @group.command("export-problem")
    @click.argument("slug")
    @click.argument("output", type=click.File("w"))
    def export_problem_command(slug, output):
        """Write the event's scheduling problem (format kicxup-meetings/1) as JSON."""
        import json

        from eventapp.meetings.planning import build_problem

        json.dump(build_problem(_event(slug)), output, ensure_ascii=False, indent=1)
        db.session.rollback()

    app.cli.add_command(group)
