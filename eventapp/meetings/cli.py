"""`flask meetings ...`: reminders (once, from cron, or as a service with --loop) and the
scheduler's problem exported from the shell."""

import click
from sqlalchemy import select

from eventapp.core.cli import rounds_options, run_rounds
from eventapp.events.models import Event
from eventapp.extensions import db

MAX_REMIND_HOURS = 366 * 24


def _event(slug):
    event = db.session.scalar(select(Event).where(Event.slug == slug))
    if event is None:
        raise click.ClickException(f"no event {slug!r}")
    return event


def _events_with_meetups():
    from eventapp.meetings.models import MeetingSettings

    return db.session.scalars(
        select(Event).join(MeetingSettings, MeetingSettings.event_id == Event.id).order_by(Event.id)
    ).all()


def register(app):
    group = click.Group("meetings", help="Global meetup: reminders and scheduling.")

    @group.command("remind")
    @click.argument("slug", required=False)
    # No hours would remind nothing; more than a year ahead (where no meetup is
    # planned) overflowed the date arithmetic with a traceback.
    @click.option(
        "--hours",
        default=24,
        show_default=True,
        type=click.IntRange(1, MAX_REMIND_HOURS),
        help="Remind meetings starting within.",
    )
    @rounds_options(300.0, "rounds")
    def remind_command(slug, hours, loop, interval):
        """Queue reminder mails for the coming meetings of the event SLUG, or of every
        event with a meetup. Each meeting is reminded once, even with several of these
        running; a moved meeting is reminded again for its new time."""
        from eventapp.meetings.services import get_settings, send_reminders

        if slug:
            event = _event(slug)
            # Without a meetup there is nothing it could ever remind: "0 meetings
            # reminded" read as if the reminders were working, and a service with
            # --loop would have said so every round.
            if get_settings(event) is None:
                raise click.ClickException(f"event {event.slug} has no meetup: nothing to remind")

        def one_round():
            events = [_event(slug)] if slug else _events_with_meetups()
            for event in events:
                label = event.slug  # read before the commit expires the event
                count = send_reminders(event, hours=hours)
                db.session.commit()
                if count or not loop:
                    click.echo(f"{label}: {count} meetings reminded")
            # No transaction stays open while waiting (on SQLite it would block writers).
            db.session.commit()

        run_rounds(one_round, loop=loop, interval=interval, name="reminder round")

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
