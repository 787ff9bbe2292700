"""Orders: the cart, checkout, the order state machine, fulfilment and order emails.

The web layer and the CLI use only what is exported here (tests/unit/test_layers.py).
"""

from marketplace.services.orders.cart import (
    add_to_cart,
    cart_for_user,
    guest_cart,
    merge_guest_cart,
    new_guest_cart,
    remove_line,
    set_quantity,
    view_cart,
)
from marketplace.services.orders.checkout import (
    available_methods,
    place_order,
    saved_addresses,
    shipping_choices,
)
from marketplace.services.orders.fulfilment import (
    COURIERS,
    TABS,
    accept_order,
    auto_complete,
    can_request_refund,
    cancel_order,
    confirm_receipt,
    deadline,
    decide_refund_request,
    desk_query,
    dispute_refund_request,
    disputes,
    hand_over,
    is_late,
    mark_delivered,
    order_for_buyer,
    order_for_vendor,
    orders_of_store,
    refund_requests,
    refundable,
    request_for_order,
    request_refund,
    ship_order,
    tab_counts,
)
from marketplace.services.orders.orderflow import allowed_next

__all__ = [
    "COURIERS", "TABS", "accept_order", "add_to_cart", "allowed_next", "auto_complete",
    "available_methods", "can_request_refund", "cancel_order", "cart_for_user",
    "confirm_receipt", "deadline", "decide_refund_request", "desk_query",
    "dispute_refund_request", "disputes", "guest_cart", "hand_over", "is_late",
    "mark_delivered", "merge_guest_cart", "new_guest_cart", "order_for_buyer",
    "order_for_vendor", "orders_of_store", "place_order", "refund_requests", "refundable",
    "remove_line", "request_for_order", "request_refund", "saved_addresses", "set_quantity",
    "ship_order", "shipping_choices", "tab_counts", "view_cart",
]
