"""Views of the catalog area."""

from blueprints.catalog import bp  # noqa: F401
