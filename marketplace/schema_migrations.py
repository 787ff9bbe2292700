"""Flask-Migrate (Alembic), set up on an app the first time something asks for it.

Importing Flask-Migrate imports Alembic, Mako and every SQL dialect Alembic knows: ~11 MB in
each web worker, which never migrates. `flask db ...` and Flask-Migrate's functions (e.g.
`flask_migrate.upgrade()` in an app context) work as if it had been set up with the app.
"""

import logging

import click
from flask import Flask
from flask.cli import AppGroup

from marketplace.config import ROOT


def init_app(app: Flask) -> None:
    app.extensions["migrate"] = _OnFirstUse(app)
    app.cli = _Commands(app)


def set_up(app: Flask):
    """Flask-Migrate on `app`, once: its `app.extensions["migrate"]` and `flask db` commands."""
    if isinstance(app.extensions.get("migrate"), _OnFirstUse):
        # Alembic logs each plugin it loads while importing; with the app's logging set up
        # by now, that would print seven lines before every `flask db` command.
        plugins = logging.getLogger("alembic.runtime.plugins")
        level = plugins.level
        plugins.setLevel(logging.WARNING)
        try:
            from flask_migrate import Migrate
        finally:
            plugins.setLevel(level)

        from marketplace.extensions import db

        Migrate(app, db, directory=str(ROOT / "migrations"), compare_type=True)
    return app.extensions["migrate"]


class _OnFirstUse:
    """Flask-Migrate's entry in `app.extensions` until one of its attributes is read."""

    def __init__(self, app: Flask) -> None:
        self._app = app

    def __getattr__(self, name: str):
        return getattr(set_up(self._app), name)


class _Commands(AppGroup):
    """The app's `flask` commands; `db` is Flask-Migrate's group, set up when asked for."""

    def __init__(self, app: Flask) -> None:
        super().__init__(app.name)
        self._app = app

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), "db"})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name == "db":
            set_up(self._app)
        return super().get_command(ctx, name)
