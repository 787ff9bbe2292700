"""Views of the shop area."""

from blueprints.shop import bp  # noqa: F401
