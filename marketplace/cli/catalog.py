"""`flask featured ...` (the home page's featured vendors) and `flask search reindex`."""

from datetime import UTC, datetime

import click
from flask.cli import AppGroup
from sqlalchemy import select

from marketplace.clock import utcnow
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.models import Store
from marketplace.permissions import is_staff
from marketplace.search import schema
from marketplace.services.stores import active_slots, schedule_feature
from marketplace.services.users import find_user_by_email

featured = AppGroup("featured", help="Schedule the featured vendors of the home page.")
search = AppGroup("search", help="Maintain the product search index.")


def _when(value: str) -> datetime:
    """An ISO date or date-time; without a zone it is UTC."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not a date such as 2026-12-01T08:00") from exc
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


@featured.command("set")
@click.argument("slug")
@click.option("--position", type=int, required=True, help="1 is shown first.")
@click.option("--starts", "starts_at", required=True, help="ISO date-time (UTC if no zone).")
@click.option("--ends", "ends_at", required=True, help="ISO date-time (UTC if no zone).")
@click.option("--note", default="", help="Why this store is featured (kept and audited).")
@click.option("--staff", "staff_email", required=True, help="Email of the staff member.")
def set_featured(slug, position, starts_at, ends_at, note, staff_email) -> None:
    """Feature the verified store SLUG at a position for a time window."""
    staff = find_user_by_email(staff_email)
    if not is_staff(staff):
        raise click.ClickException(f"{staff_email} is not a staff account.")
    store = db.session.scalar(select(Store).where(Store.slug == slug))
    if store is None:
        raise click.ClickException(f"No store with the address {slug}.")
    try:
        slot = schedule_feature(staff, store, position, _when(starts_at), _when(ends_at), note)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc.message)) from exc
    click.echo(f"Featured {store.slug} at position {slot.position} from "
               f"{slot.starts_at:%Y-%m-%d %H:%M} to {slot.ends_at:%Y-%m-%d %H:%M} UTC.")


@featured.command("list")
@click.option("--at", "at", default=None, help="ISO date-time to look at (default: now).")
def list_featured(at: str | None) -> None:
    """Show the featured vendors the home page shows at a moment."""
    slots = active_slots(_when(at) if at else utcnow())
    if not slots:
        click.echo("No featured vendors at that time.")
    for slot in slots:
        click.echo(f"{slot.position:>3}  {slot.store.slug}  until {slot.ends_at:%Y-%m-%d %H:%M}"
                   f"  {slot.note}")


@search.command("reindex")
def reindex() -> None:
    """(Re)create the search index and its triggers, then index every product."""
    with click.progressbar(length=2, label="Rebuilding the search index") as bar:
        connection = db.session.connection()
        schema.install(connection)
        bar.update(1)
        count = schema.rebuild(connection)
        db.session.commit()
        bar.update(1)
    click.echo(f"Indexed {count} products.")


commands: list = [featured, search]
