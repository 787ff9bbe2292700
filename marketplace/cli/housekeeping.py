"""`flask housekeeping`: remove what is past its retention, queue stalled photo renditions
again, and refresh SQLite's planner statistics (run daily by a timer)."""

import click

from marketplace import images
from marketplace.clock import utcnow
from marketplace.database import write_intent
from marketplace.extensions import db
from marketplace.services import staff
from marketplace.services.programme import PAYOUTS_FILE_DAYS


@click.command("housekeeping")
@click.option("--idempotency-hours", type=click.IntRange(min=1),
              default=staff.IDEMPOTENCY_HOURS, show_default=True,
              help="Hours an API Idempotency-Key is remembered.")
@click.option("--upload-days", type=click.IntRange(min=1), default=staff.UPLOAD_DAYS,
              show_default=True, help="Days an ended CSV import's upload is kept.")
@click.option("--payouts-days", type=click.IntRange(min=1), default=PAYOUTS_FILE_DAYS,
              show_default=True, help="Days a payouts list for the bank stays downloadable.")
def housekeeping_command(idempotency_hours: int, upload_days: int, payouts_days: int) -> None:
    """Delete old API idempotency records, leftover import uploads and old payouts lists;
    queue again the renditions of photos stalled as pending; refresh SQLite's planner
    statistics."""
    with write_intent():
        swept = staff.sweep(idempotency_hours=idempotency_hours,
                            upload_days=upload_days, payouts_days=payouts_days)
        db.session.commit()
        requeued = images.requeue_stalled_renditions(utcnow())
        db.session.commit()
        analysed = staff.refresh_planner_statistics()
        db.session.commit()
    click.echo(f"Removed {swept.idempotency_records} idempotency record(s), {swept.uploads} "
               f"import upload(s), {swept.payouts_lists} payouts list(s).")
    if requeued:
        click.echo(f"Queued the renditions of {requeued} photo(s) again (still pending).")
    if analysed:
        click.echo("Refreshed the database's planner statistics.")


commands = [housekeeping_command]
