"""`flask booths ...`: housekeeping for booth picking."""

import click
from flask.cli import AppGroup
from sqlalchemy import select

from eventapp.extensions import db


def register(app):
    group = AppGroup("booths", help="Booth picking and floor plans.")

    @group.command("release-holds")
    def release_holds_command():
        """Delete booth holds past their time (every event)."""
        from eventapp.booths.services import expire_holds

        released = expire_holds()
        db.session.commit()
        click.echo(f"Released {released} booth(s) from expired holds.")

    @group.command("import-floorplan")
    @click.argument("slug")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    def import_floorplan_command(slug, path):
        """Import a floor-plan CSV (or .xlsx) file into the event SLUG (all or nothing)."""
        from eventapp.booths.services import FloorPlanError, import_floorplan
        from eventapp.events.models import Event

        event = db.session.scalar(select(Event).where(Event.slug == slug))
        if event is None:
            raise click.ClickException(f"no event {slug!r}")
        with open(path, "rb") as handle:
            data = handle.read()
        try:
            summary = import_floorplan(event, data)
        except FloorPlanError as error:
            db.session.rollback()
            click.echo(error.message, err=True)
            for detail in error.details:
                click.echo(f"  {detail}", err=True)
            for warning in error.warnings:
                click.echo(f"Warning: {warning}", err=True)
            raise SystemExit(1) from None
        db.session.commit()
        for warning in summary["warnings"]:
            click.echo(f"Warning: {warning}", err=True)
        click.echo(
            "Imported {booths} booths ({created} new, {updated} kept, {removed} removed).".format(
                **summary
            )
        )

    app.cli.add_command(group)
