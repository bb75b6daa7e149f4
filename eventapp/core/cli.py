import click

from eventapp.extensions import db


def register(app):
    @app.cli.command("seed-demo")
    def seed_demo_command():
        """Load the KICXUP Global 2025 demo event (does nothing if present)."""
        from eventapp.demo import seed_demo

        event = seed_demo(log=click.echo)
        click.echo(f"Demo event: {event.name_en} ({event.slug})")

    @app.cli.command("demo-accounts")
    def demo_accounts_command():
        """Print the demo sign-in accounts."""
        from eventapp.demo import DEMO_ACCOUNTS, DEMO_PASSWORD

        click.echo(f"Demo accounts (password: {DEMO_PASSWORD})")
        for email, role, _name_ko, name_en in DEMO_ACCOUNTS:
            click.echo(f"  {role:<16} {email:<28} {name_en}")

    @app.cli.command("create-admin")
    @click.argument("email")
    @click.password_option()
    def create_admin_command(email, password):
        """Create a platform administrator."""
        from eventapp.accounts.services import create_user

        user = create_user(email, password, name_en="Administrator", is_admin=True)
        db.session.commit()
        click.echo(f"Administrator {user.email} created.")
