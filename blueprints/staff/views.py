"""Views of the staff area."""

from blueprints.staff import bp  # noqa: F401
