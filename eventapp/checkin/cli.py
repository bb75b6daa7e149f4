import click
from sqlalchemy import select

from eventapp.checkin.models import DEVICE_HOURS_MAX, DEVICE_LABEL_MAX
from eventapp.core.cli import RECORD_ID
from eventapp.extensions import db


def _event(slug):
    from eventapp.events.models import Event

    event = db.session.scalar(select(Event).where(Event.slug == slug))
    if event is None:
        raise click.ClickException(f"no event {slug!r}")
    return event


def register(app):
    group = click.Group("checkin", help="On-site scanning: devices, no-shows, counts.")

    @group.command("device-token")
    @click.argument("slug")
    @click.argument("point_id", type=RECORD_ID)
    @click.option("--label", default="", help="A name for the device.")
    @click.option(
        "--hours",
        default=72,
        show_default=True,
        type=click.IntRange(1, DEVICE_HOURS_MAX),
        help=f"How long it may scan, in hours (1-{DEVICE_HOURS_MAX}).",
    )
    def device_token_command(slug, point_id, label, hours):
        """Register a scanner device for a scan point and print its set-up address."""
        from flask import url_for

        from eventapp.checkin import services
        from eventapp.checkin.models import ScanPoint

        # As on the scan point's page: a longer one was cut short without a word.
        if len(label.strip()) > DEVICE_LABEL_MAX:
            raise click.BadParameter(
                f"at most {DEVICE_LABEL_MAX} characters (given {len(label.strip())})",
                param_hint="--label",
            )
        event = _event(slug)
        point = db.session.get(ScanPoint, point_id)
        if point is None or point.event_id != event.id:
            raise click.ClickException(f"no scan point {point_id} at {slug}")
        device = services.create_device(point, label=label, hours=hours)
        db.session.commit()
        with app.test_request_context():
            path = url_for(
                "checkin.device_setup", slug=event.slug, token=services.setup_token(device)
            )
        click.echo(
            f"device {device.id} for {point.name_en}, valid until {device.expires_at:%Y-%m-%d %H:%M} UTC"
        )
        # For a hand scanner or a script that calls the scan API itself.
        click.echo(f"device token (X-Device-Token): {services.device_token(device)}")
        click.echo(f"set-up address (one phone): {app.config['SERVER_URL'].rstrip('/')}{path}")

    @group.command("mark-no-shows")
    @click.argument("slug")
    def mark_no_shows_command(slug):
        """Mark table meetings whose slot is over and that nobody attended as no-shows."""
        from eventapp.checkin import meetings_link

        count = meetings_link.mark_no_shows(_event(slug))
        db.session.commit()
        click.echo(f"{count} meetings marked as no-show")

    @group.command("stats")
    @click.argument("slug")
    def stats_command(slug):
        """Check-ins per day and scans per scan point."""
        from eventapp.checkin import services

        event = _event(slug)
        by_day = services.checkins_by_day(event)
        # Said, not left out: an empty answer read like a command that did nothing.
        if not by_day:
            click.echo("no check-ins yet")
        for day, count in by_day.items():
            click.echo(f"{day}: {count} check-ins")
        counts = services.point_counts(event)
        points = services.event_points(event)
        if not points:
            click.echo("no scan points")
        for point in points:
            c = counts.get(point.id, {})
            click.echo(
                f"{point.id:>4} {point.kind:<12} {point.name_en:<40} "
                f"scans={c.get('scans', 0)} ok={c.get('ok', 0)} "
                f"already={c.get('already', 0)} rejected={c.get('rejected', 0)}"
            )

    app.cli.add_command(group)
