"""Account area: fulfilment views (registered on the account blueprint)."""

from blueprints.account import bp  # noqa: F401
