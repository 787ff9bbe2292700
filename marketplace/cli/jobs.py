"""`flask worker`: run background jobs from Redis (REDIS_URL), or report that none is set."""

import click
from flask import current_app
from flask.cli import with_appcontext

from marketplace import jobs


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@with_appcontext
def worker(burst: bool) -> None:
    """Run jobs (email, imports, refreshes) from the Redis queue until stopped."""
    app = current_app._get_current_object()
    if not app.config.get("REDIS_URL"):
        raise click.ClickException("REDIS_URL is not set: jobs run inside the web process.")
    jobs.run_worker(app, burst=burst)


commands = [worker]
