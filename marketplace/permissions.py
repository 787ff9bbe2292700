"""Who may do what: the one place where roles and ownership become yes or no.

Services call `require(actor, action, subject)` (or `can(...)` for a yes/no, such as which
buttons to show); the web's role decorators ask the same helpers. The actor is a `User`,
Flask-Login's anonymous user, or None (the system: CLI, webhooks, scheduled jobs, where a
service allows it). Anonymous users, None and disabled accounts are never staff and never
act for a store, whatever their flags say.

Acting for a store is decided by `acts_for_store` alone: the owner, or a facilitator (pendamping)
while the owner consents (noted for the audit log as "X for store Y"). Where the money goes
(the payout account) stays the owner's own: `store.payouts`.
"""

from collections.abc import Callable

from marketplace.errors import PermissionDenied
from marketplace.models.people import acting_for


def is_signed_in(actor) -> bool:
    """A real, enabled account: not None, not the anonymous user, not disabled."""
    return bool(actor is not None and getattr(actor, "is_authenticated", False)
                and getattr(actor, "is_active", False))


def is_staff(actor) -> bool:
    """Ministry staff (admins are staff too)."""
    return is_signed_in(actor) and bool(actor.is_staff or actor.is_admin)


def is_admin(actor) -> bool:
    """An admin: manages staff accounts and may export personal data."""
    return is_signed_in(actor) and bool(actor.is_admin)


def is_facilitator(actor) -> bool:
    """A facilitator (pendamping): helps the entrepreneurs of a caseload."""
    return is_signed_in(actor) and bool(actor.is_facilitator)


def owns_store(actor, store) -> bool:
    """The store's owner herself."""
    return is_signed_in(actor) and store is not None and actor.id == store.owner_id


def acts_for_store(actor, store) -> bool:
    """The actor may run this store (products, settings, orders): the owner, or her
    facilitator while she consents."""
    if owns_store(actor, store):
        return True
    return is_facilitator(actor) and store is not None and acting_for(actor, store)


def is_buyer_of(actor, subject) -> bool:
    """The actor bought this (an order, a checkout, a refund request: anything with buyer_id)."""
    return is_signed_in(actor) and subject is not None and actor.id == subject.buyer_id


def _staff(actor, _subject) -> bool:
    return is_staff(actor)


def _admin(actor, _subject) -> bool:
    return is_admin(actor)


def _end_sessions(actor, user) -> bool:
    # Staff help anyone who lost a phone; a staff account's sessions are an admin's call.
    if user is not None and (user.is_staff or user.is_admin):
        return is_admin(actor)
    return is_staff(actor)


def _store_of_order(actor, order) -> bool:
    return acts_for_store(actor, order.store)


#: Every action a service checks, and its rule (actor, subject) -> bool.
RULES: dict[str, Callable] = {
    # Staff work: verification, featured vendors, moderation, the programme, transfers,
    # payouts, refund disputes, the audit log, jobs, exports.
    "staff.work": _staff,
    # Admins only: staff accounts (and roles), personal data in exports.
    "admin.accounts": _admin,
    "admin.personal_data": _admin,
    # End every session of an account: staff for ordinary accounts, admins for staff ones.
    "accounts.sessions": _end_sessions,
    # A store's owner (or whoever acts for it): catalogue, settings, sales, replies.
    "store.manage": acts_for_store,
    # The owner only: the payout bank account.
    "store.payouts": owns_store,
    # The owner only: her own NIK, matched against the PKH graduate roster.
    "store.identity": owns_store,
    # An order seen from its sides.
    "order.sell": _store_of_order,
    "order.buy": is_buyer_of,
}


def can(actor, action: str, subject=None) -> bool:
    """Whether the actor may take `action` on `subject`.

    :raises KeyError: an action not in RULES (a typo must not quietly mean "no").
    """
    return bool(RULES[action](actor, subject))


def require(actor, action: str, subject=None) -> None:
    """:raises PermissionDenied: the actor may not take `action` on `subject`."""
    if not can(actor, action, subject):
        raise PermissionDenied()
