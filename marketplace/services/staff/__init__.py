"""Staff work: staff accounts, the audit trail, background work left undone, housekeeping.

The web layer and the CLI use only what is exported here (tests/unit/test_layers.py).
"""

from marketplace.services.staff.audit import acting_ip, acting_via, record
from marketplace.services.staff.audit_log import audit_events
from marketplace.services.staff.background import failed_jobs, requeue_unsent, unsent_messages
from marketplace.services.staff.housekeeping import (
    IDEMPOTENCY_HOURS,
    UPLOAD_DAYS,
    refresh_planner_statistics,
    sweep,
)
from marketplace.services.staff.team import (
    create_staff,
    get_staff_account,
    set_staff_active,
    staff_accounts,
)

__all__ = [
    "IDEMPOTENCY_HOURS", "UPLOAD_DAYS", "acting_ip", "acting_via", "audit_events",
    "create_staff", "failed_jobs", "get_staff_account", "record", "refresh_planner_statistics",
    "requeue_unsent", "set_staff_active", "staff_accounts", "sweep", "unsent_messages",
]
