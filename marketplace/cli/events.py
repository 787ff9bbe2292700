"""`flask events daily-counts`: the ended days' completed-order counts for ministry systems."""

import click
from flask.cli import AppGroup

from marketplace.clock import to_jakarta, utcnow
from marketplace.database import write_intent
from marketplace.extensions import db
from marketplace.services import programme

events = AppGroup("events", help="Signed events for ministry systems.")


@events.command("daily-counts")
@click.option("--date", "day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="One ended Jakarta day (YYYY-MM-DD); default: every ended day not sent yet, "
                   f"at most {programme.CATCH_UP_DAYS} days back.")
def daily_counts_command(day) -> None:
    """Send order.completed (orders completed that Jakarta day) once per day to subscribers."""
    day = day.date() if day else None
    if day is not None and day >= to_jakarta(utcnow()).date():
        raise click.BadParameter("the day has not ended yet in Jakarta.", param_hint="--date")
    with write_intent():
        sent = programme.send_daily_counts(day)
        db.session.commit()
    click.echo(f"Sent the completed-order count of {len(sent)} day(s)"
               + (f": {', '.join(d.isoformat() for d in sent)}." if sent else "."))


commands = [events]
