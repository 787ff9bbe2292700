"""Vendor area: orders views (registered on the vendor blueprint)."""

from blueprints.vendor import bp  # noqa: F401
