"""`flask seed-demo`: realistic Indonesian demo data; running it twice changes nothing."""

import click

from marketplace.database import write_intent


@click.command("seed-demo")
@click.option("--stores", default=12, show_default=True, help="Number of demo stores.")
@click.option("--products", default=120, show_default=True, help="Number of demo products.")
@click.option("--orders", default=60, show_default=True, help="Number of demo orders.")
@click.option("--quiet", is_flag=True, help="No progress bars.")
def seed_demo_command(stores: int, products: int, orders: int, quiet: bool) -> None:
    """Seed the demo data (only what is missing) and print the demo accounts."""
    from marketplace.seed import seed_demo  # here: its data and drawing cost a web worker ~3 MB

    # The seed writes while the job thread sends its emails: on SQLite every transaction must
    # queue for the write lock up front, or it is refused with "database is locked".
    with write_intent():
        for line in seed_demo(stores=stores, products=products, orders=orders,
                              progress=not quiet):
            click.echo(line)


commands = [seed_demo_command]
