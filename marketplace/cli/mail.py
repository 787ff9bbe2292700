"""`flask mail retry`: deliver outbox messages a mail server refused earlier."""

import click
from flask.cli import AppGroup

from marketplace.mail import retry_unsent

mail = AppGroup("mail", help="Outgoing email.")


@mail.command("retry")
def retry() -> None:
    """Send every outbox message that has not been delivered yet (run it on a timer)."""
    click.echo(f"Sent {retry_unsent()} message(s).")


commands = [mail]
