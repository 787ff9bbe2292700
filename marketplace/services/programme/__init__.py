"""The PKH programme: its figures, the roster, facilitators, onboarding, training, raw
materials, and data exchange with ministry systems.

The web layer and the CLI use only what is exported here (tests/unit/test_layers.py).
"""

from marketplace.services.programme.exports import (
    PAYOUTS_ATTEMPTS,
    PAYOUTS_FILE_DAYS,
    check_filters,
    export,
    payouts_export,
    payouts_export_file,
    payouts_exports,
    start_payouts_export,
)
from marketplace.services.programme.facilitation import (
    NEEDS,
    assign,
    case_for,
    caseload,
    caseload_of,
    create_facilitator,
    facilitators,
    get_facilitator,
    invite,
    require_facilitator,
    set_consent,
    store_activity,
    store_for_case,
    store_to_act_for,
    store_to_work_on,
    stores_to_act_for,
)
from marketplace.services.programme.indicators import (
    DEFAULT_MONTHS,
    REFRESH_STEPS,
    add_threshold,
    dashboard,
    delete_threshold,
    queue_refresh,
    refresh_in_progress,
    refresh_summaries,
    thresholds,
)
from marketplace.services.programme.materials import (
    UNITS,
    apply_as_supplier,
    close_need,
    decide_supplier,
    demand,
    group_purchases,
    join_group_purchase,
    needs_of,
    offers_for,
    offers_of,
    open_group_purchase,
    post_need,
    post_offer,
    supplier_of,
    supplier_queue,
)
from marketplace.services.programme.ministry import (
    figures,
    monthly_sales,
    stores_changed,
    training_attendance,
)
from marketplace.services.programme.onboarding import (
    add_email,
    issue_setup_code,
    open_store_for,
    redeem_setup_code,
    register_entrepreneur,
    whatsapp_link,
)
from marketplace.services.programme.outbound import (
    CATCH_UP_DAYS,
    add_subscription,
    deliveries,
    replay,
    send_daily_counts,
    set_active,
    subscriptions,
)
from marketplace.services.programme.people import (
    facilitator_areas,
    facilitator_figures,
    facilitators_csv,
    households,
)
from marketplace.services.programme.roster import (
    MAX_ROWS,
    RosterRejected,
    import_roster,
    match_owner,
    read_rows,
    roster_figures,
)
from marketplace.services.programme.training import (
    MINISTRIES,
    OutcomeRow,
    create_event,
    events,
    get_event,
    outcomes,
    outcomes_csv,
    record_attendance,
    trainings_of,
)

__all__ = [
    "CATCH_UP_DAYS", "DEFAULT_MONTHS", "MAX_ROWS", "MINISTRIES", "NEEDS", "OutcomeRow",
    "PAYOUTS_ATTEMPTS", "PAYOUTS_FILE_DAYS", "REFRESH_STEPS", "RosterRejected", "UNITS",
    "add_email", "add_subscription", "add_threshold", "apply_as_supplier", "assign",
    "case_for", "caseload", "caseload_of", "check_filters", "close_need", "create_event",
    "create_facilitator", "dashboard", "decide_supplier", "delete_threshold", "deliveries",
    "demand", "events", "export", "facilitator_areas", "facilitator_figures", "facilitators",
    "facilitators_csv", "figures", "get_event", "get_facilitator", "group_purchases",
    "households", "import_roster", "invite", "issue_setup_code", "join_group_purchase",
    "match_owner", "monthly_sales", "needs_of", "offers_for", "offers_of",
    "open_group_purchase", "open_store_for", "outcomes", "outcomes_csv", "payouts_export",
    "payouts_export_file", "payouts_exports", "post_need", "post_offer", "queue_refresh",
    "read_rows", "record_attendance", "redeem_setup_code", "refresh_in_progress",
    "refresh_summaries", "register_entrepreneur", "replay", "require_facilitator",
    "roster_figures", "send_daily_counts", "set_active", "set_consent", "start_payouts_export",
    "store_activity", "store_for_case", "store_to_act_for", "store_to_work_on", "stores_changed",
    "stores_to_act_for", "subscriptions", "supplier_of", "supplier_queue", "thresholds",
    "training_attendance", "trainings_of", "whatsapp_link",
]
