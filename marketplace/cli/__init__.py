"""Flask CLI commands, one module per area; each exposes `commands` to add to the app."""

import importlib

from flask import Flask

MODULES = ("users", "seed", "mail", "stores", "catalog", "orders", "staff", "jobs",
           "housekeeping", "events")


def register(app: Flask) -> None:
    for name in MODULES:
        module = importlib.import_module(f"marketplace.cli.{name}")
        for command in module.commands:
            app.cli.add_command(command)
