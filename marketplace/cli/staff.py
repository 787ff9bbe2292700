"""`flask programme refresh`: rebuild the programme dashboard's monthly summaries."""

import click
from flask.cli import AppGroup

from marketplace.database import write_intent
from marketplace.extensions import db
from marketplace.services.programme import REFRESH_STEPS, refresh_summaries

programme = AppGroup("programme", help="The ministries' programme figures.")


@programme.command("refresh")
def refresh() -> None:
    """Rebuild the monthly store, category and buyer summaries from orders and the ledger."""
    with write_intent(), click.progressbar(length=REFRESH_STEPS,
                                           label="Refreshing summaries") as bar:
        result = refresh_summaries(on_step=lambda: bar.update(1))
        db.session.commit()  # which queues the people figures' warm-up (people.warm_figures)
    click.echo(f"{result.rows} summary rows written in {result.duration_ms} ms.")


commands = [programme]
