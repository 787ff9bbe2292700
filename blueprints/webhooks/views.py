"""Views of the webhooks area."""

from blueprints.webhooks import bp  # noqa: F401
