"""Staff area: payments views (registered on the staff blueprint)."""

from blueprints.staff import bp  # noqa: F401
