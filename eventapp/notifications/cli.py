import time

import click
from flask import current_app
from flask.cli import AppGroup

outbox = AppGroup("outbox", help="The outgoing mail queue.")


@outbox.command("send")
@click.option("--limit", default=100, show_default=True, help="Messages per batch.")
@click.option("--loop", is_flag=True, help="Keep sending until interrupted.")
@click.option(
    "--interval", default=5.0, show_default=True, help="Seconds between batches with --loop."
)
def send_command(limit, loop, interval):
    """Deliver pending messages (SMTP if configured, else .eml files)."""
    from eventapp.notifications.services import send_pending

    if not loop:
        sent, failed = send_pending(limit)
        click.echo(f"sent {sent}, failed {failed}")
        return
    while True:
        try:
            sent, failed = send_pending(limit)
        except Exception as error:
            # As a service the sender must outlive a database restart or a
            # bug in one message; the claims it held are released or expire.
            current_app.logger.exception("outbox batch failed")
            click.echo(f"batch failed: {error.__class__.__name__}: {error}", err=True)
            _reset_session()
        else:
            if sent or failed:
                click.echo(f"sent {sent}, failed {failed}")
        time.sleep(interval)


def _reset_session():
    from eventapp.extensions import db

    try:
        db.session.rollback()
    except Exception:  # a dead connection; the next batch starts a new session
        pass
    db.session.remove()


@outbox.command("status")
def status_command():
    """Count messages by status."""
    from sqlalchemy import func, select

    from eventapp.extensions import db
    from eventapp.notifications.models import OutboxMessage

    rows = db.session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    ).all()
    for status, count in rows:
        click.echo(f"{status}: {count}")


def register(app):
    app.cli.add_command(outbox)
