"""Money owed to stores: the ledger (balances, payouts) and sales figures.

The web layer and the CLI use only what is exported here (tests/unit/test_layers.py).
"""

from marketplace.services.payouts.ledger import (
    balance,
    entries_query,
    payouts_page,
    record_payout,
    totals_by_kind,
)
from marketplace.services.payouts.sales import (
    GRAINS,
    PERIODS,
    dashboard,
    orders_csv,
    products_csv,
    statement_for,
    statement_months,
    verify_statement,
)

__all__ = [
    "GRAINS", "PERIODS", "balance", "dashboard", "entries_query", "orders_csv", "payouts_page",
    "products_csv", "record_payout", "statement_for", "statement_months", "totals_by_kind",
    "verify_statement",
]
