"""Stores: opening one and its details, staff verification, featured vendors, group
businesses (KUBE) and the vendor's to-do page.

The web layer and the CLI use only what is exported here (tests/unit/test_layers.py).
"""

from marketplace.services.stores.featured import (
    MAX_FEATURED_AT_ONCE,
    active_slots,
    current_and_upcoming,
    end_feature,
    featured_history,
    schedule_feature,
)
from marketplace.services.stores.groups import (
    ROLES,
    members,
    my_groups,
    remove_member,
    set_member,
    statement_shares,
)
from marketplace.services.stores.storefront import (
    BANKS,
    PAYOUT_FIELDS,
    courier_fees,
    open_store,
    pickup_address,
    set_store_image,
    store_by_slug,
    store_of,
    update_shipping,
    update_store,
)
from marketplace.services.stores.todo import vendor_todo
from marketplace.services.stores.verification import (
    get_store,
    permit_alerts,
    reinstate_store,
    reject_store,
    store_products,
    store_queue,
    suspend_store,
    unverified_permits,
    verified_stores,
    verify_permit,
    verify_store,
)

__all__ = [
    "BANKS", "MAX_FEATURED_AT_ONCE", "PAYOUT_FIELDS", "ROLES", "active_slots", "courier_fees",
    "current_and_upcoming", "end_feature", "featured_history", "get_store", "members",
    "my_groups", "open_store", "permit_alerts", "pickup_address", "reinstate_store",
    "reject_store", "remove_member", "schedule_feature", "set_member", "set_store_image",
    "statement_shares", "store_by_slug", "store_of", "store_products", "store_queue",
    "suspend_store", "unverified_permits", "update_shipping", "update_store", "vendor_todo",
    "verified_stores", "verify_permit", "verify_store",
]
