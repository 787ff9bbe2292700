"""`flask orders ...`: scheduled order jobs (expire unpaid orders, auto-complete after delivery)."""

import click
from flask.cli import AppGroup

from marketplace.database import write_intent
from marketplace.extensions import db
from marketplace.services.orders import auto_complete
from marketplace.services.payments import expire_unpaid

orders = AppGroup("orders", help="Order jobs run by cron.")


@orders.command("auto-complete")
@click.option("--days", type=click.IntRange(min=0), default=None,
              help="Days after delivery (default: AUTO_COMPLETE_DAYS, 3).")
def auto_complete_command(days: int | None) -> None:
    """Complete delivered orders the buyer did not confirm within N days."""
    with write_intent():
        count = auto_complete(days=days)
        db.session.commit()
    click.echo(f"Completed {count} order(s).")


@orders.command("expire-unpaid")
@click.option("--hours", type=click.IntRange(min=0), default=None,
              help="Hours an order may wait for payment (default: UNPAID_ORDER_TTL_HOURS, 24).")
def expire_unpaid_command(hours: int | None) -> None:
    """Cancel card and transfer orders still unpaid after the window; stock goes back once."""
    with write_intent():
        count = expire_unpaid(hours=hours)
        db.session.commit()
    click.echo(f"Cancelled {count} unpaid order(s).")


commands = [orders]
