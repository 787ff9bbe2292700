"""Views of the vendor area."""

from blueprints.vendor import bp  # noqa: F401
