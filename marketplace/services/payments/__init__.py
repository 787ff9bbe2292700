"""Payments: card, bank transfer and cash; the payment state machine, refunds, Stripe's
events and transfer proofs.

The web layer and the CLI use only what is exported here (tests/unit/test_layers.py).
"""

from marketplace.services.payments.methods import (
    amount_due,
    buyer_orders,
    cancel_unpaid,
    cash_due,
    checkout_for_buyer,
    confirm_transfer,
    expire_unpaid,
    is_awaiting,
    pay_by_card,
    payment_by_id,
    payment_for,
    payment_issues,
    pending_transfers,
    record_cash_received,
    refresh_card_payment,
    reject_transfer,
    resolve_issue,
    start_hosted_card_payment,
    upload_transfer_proof,
)
from marketplace.services.payments.private_media import transfer_proof
from marketplace.services.payments.stripe_events import UNUSABLE, handle_stripe_event

__all__ = [
    "UNUSABLE", "amount_due", "buyer_orders", "cancel_unpaid", "cash_due",
    "checkout_for_buyer", "confirm_transfer", "expire_unpaid", "handle_stripe_event",
    "is_awaiting", "pay_by_card", "payment_by_id", "payment_for", "payment_issues",
    "pending_transfers", "record_cash_received", "refresh_card_payment", "reject_transfer",
    "resolve_issue", "start_hosted_card_payment", "transfer_proof", "upload_transfer_proof",
]
