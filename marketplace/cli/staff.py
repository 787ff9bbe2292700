"""`flask programme refresh`: rebuild the programme dashboard's monthly summaries."""

import click
from flask.cli import AppGroup

from marketplace.database import write_intent
from marketplace.extensions import db
from marketplace.services.programme import REFRESH_STEPS, refresh_summaries, warm_figures

programme = AppGroup("programme", help="The ministries' programme figures.")


@programme.command("refresh")
def refresh() -> None:
    """Rebuild the monthly store, category and buyer summaries from orders and the ledger."""
    with write_intent(), click.progressbar(length=REFRESH_STEPS,
                                           label="Refreshing summaries") as bar:
        result = refresh_summaries(on_step=lambda: bar.update(1))
        db.session.commit()
    # The commit queued this as a job, but without Redis that job's thread dies with the
    # command: computed here, into the cache the web processes share.
    warm_figures()
    click.echo(f"{result.rows} summary rows written in {result.duration_ms} ms.")


commands = [programme]
