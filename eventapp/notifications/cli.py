import click
from flask.cli import AppGroup

from eventapp.core.cli import rounds_options, run_rounds

MAX_BATCH = 10_000

outbox = AppGroup("outbox", help="The outgoing mail queue.")


@outbox.command("send")
# A batch of none sends nothing, and a negative one is no limit at all on SQLite and
# a database error on PostgreSQL; a number longer than the database's integers was
# a traceback.
@click.option(
    "--limit",
    default=100,
    show_default=True,
    type=click.IntRange(1, MAX_BATCH),
    help="Messages per batch.",
)
@rounds_options(5.0, "batches")
def send_command(limit, loop, interval):
    """Deliver pending messages (SMTP if configured, else .eml files)."""
    from eventapp.notifications.services import send_pending

    def one_batch():
        sent, failed = send_pending(limit)
        if sent or failed or not loop:
            click.echo(f"sent {sent}, failed {failed}")

    run_rounds(one_batch, loop=loop, interval=interval, name="batch")


@outbox.command("retry")
@click.option(
    "--hours",
    default=24,
    show_default=True,
    type=click.IntRange(1, 24 * 30),
    help="Retry the messages queued this many hours ago or since.",
)
def retry_command(hours):
    """Queue the messages given up on again, e.g. after the mail server was down."""
    from eventapp.notifications.services import requeue_failed

    click.echo(f"queued again: {requeue_failed(hours)}")


@outbox.command("status")
def status_command():
    """Count messages by status."""
    from sqlalchemy import func, select

    from eventapp.extensions import db
    from eventapp.notifications.models import OutboxMessage

    # Ordered: the lines came in whatever order the database grouped them, changing
    # between runs on PostgreSQL; an empty queue printed nothing at all.
    rows = db.session.execute(
        select(OutboxMessage.status, func.count())
        .group_by(OutboxMessage.status)
        .order_by(OutboxMessage.status)
    ).all()
    if not rows:
        click.echo("no messages")
    for status, count in rows:
        click.echo(f"{status}: {count}")


def register(app):
    app.cli.add_command(outbox)
