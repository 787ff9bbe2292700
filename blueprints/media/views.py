"""Views of the media area."""

from blueprints.media import bp  # noqa: F401
