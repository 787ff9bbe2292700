"""Reviews and ratings, and moderation of what buyers report.

The web layer and the CLI use only what is exported here (tests/unit/test_layers.py).
"""

from marketplace.services.reviews.moderation import (
    dismiss_reports,
    get_product,
    hide_product,
    hide_review,
    report,
    report_queue,
    subject_for_report,
    subject_reports,
    unhide_product,
    unhide_review,
)
from marketplace.services.reviews.ratings import (
    REVIEWABLE,
    ReviewPage,
    create_review,
    line_for_buyer,
    reply_to_review,
    review_for_store,
    review_page,
    reviews_by_line,
    store_reviews_query,
)

__all__ = [
    "REVIEWABLE", "ReviewPage", "create_review", "dismiss_reports", "get_product",
    "hide_product", "hide_review", "line_for_buyer", "reply_to_review", "report",
    "report_queue", "review_for_store", "review_page", "reviews_by_line",
    "store_reviews_query", "subject_for_report", "subject_reports", "unhide_product",
    "unhide_review",
]
