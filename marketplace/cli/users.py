"""`flask users create`: accounts of any role, including staff and admin."""

import click
from flask.cli import AppGroup

from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.services.users import ROLES, create_user

users = AppGroup("users", help="Manage user accounts.")


@users.command("create")
@click.option("--email", required=True)
@click.option("--password", required=True)
@click.option("--role", type=click.Choice(ROLES), default="buyer", show_default=True)
@click.option("--name", default=None)
def create(email: str, password: str, role: str, name: str | None) -> None:
    """Create an account with the given role."""
    try:
        user = create_user(email, password, role, name=name)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc.message)) from exc
    click.echo(f"Created {role} {user.email} (id {user.id}).")


commands = [users]
