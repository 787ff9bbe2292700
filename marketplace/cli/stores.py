"""`flask stores ...`: verify a store, import products from CSV, clean up unused images."""

import time
from pathlib import Path

import click
from flask.cli import AppGroup

from marketplace import images
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.permissions import is_staff
from marketplace.services.catalog import ImportErrors, check_rows, import_products
from marketplace.services.stores import store_by_slug, verify_store
from marketplace.services.users import find_user_by_email

stores = AppGroup("stores", help="Manage stores and their products.")


def _fail(exc: DomainError) -> click.ClickException:
    db.session.rollback()
    return click.ClickException(str(exc.message))


@stores.command("verify")
@click.argument("slug")
@click.option("--staff", "staff_email", required=True,
              help="Email of the staff member taking the decision (it is audited).")
@click.option("--note", default=None, help="Note kept with the decision.")
def verify(slug: str, staff_email: str, note: str | None) -> None:
    """Verify a pending store so its active products become public."""
    staff = find_user_by_email(staff_email)
    if not is_staff(staff):
        raise click.ClickException(f"{staff_email} is not a staff account.")
    try:
        store = verify_store(staff, store_by_slug(slug), note)
        db.session.commit()
    except DomainError as exc:
        raise _fail(exc) from exc
    click.echo(f"Verified {store.slug} ({store.name}).")


@stores.command("import-products")
@click.argument("slug")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_products_command(slug: str, csv_file: Path) -> None:
    """Import products from a CSV file into a store, as its owner; prints the time taken."""
    data = csv_file.read_bytes()
    started = time.perf_counter()
    try:
        store = store_by_slug(slug)
        checked = check_rows(store, data)
        with click.progressbar(length=len(checked), label="Importing products") as bar:
            result = import_products(store.owner, store, data, progress=bar.update,
                                     checked=checked)
        db.session.commit()
    except ImportErrors as exc:
        db.session.rollback()
        for row in exc.rows[:50]:
            click.echo(f"line {row.line} {row.column}: {row.message}", err=True)
        raise click.ClickException(str(exc.message)) from exc
    except DomainError as exc:
        raise _fail(exc) from exc
    elapsed = time.perf_counter() - started
    click.echo(f"Imported {result.products} products ({result.variants} variants) "
               f"from {csv_file.name} in {elapsed:.2f} s.")


@stores.command("delete-unreferenced-images")
@click.option("--grace-hours", default=6, show_default=True,
              help="Keep images uploaded more recently than this.")
def delete_unreferenced_images(grace_hours: int) -> None:
    """Delete image rows and files nothing refers to any more."""
    from datetime import timedelta

    rows, files = images.delete_unreferenced(timedelta(hours=grace_hours))
    db.session.commit()
    click.echo(f"Deleted {rows} unused images and {files} files.")


commands = [stores]
