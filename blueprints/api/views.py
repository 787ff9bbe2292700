"""Views of the api area."""

from blueprints.api import bp  # noqa: F401
