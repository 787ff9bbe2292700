"""Moderation: buyers report products, stores and reviews; staff hide, unhide or dismiss."""

from dataclasses import dataclass
from datetime import datetime

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from marketplace.clock import utcnow
from marketplace.errors import NotFound, ValidationError
from marketplace.extensions import db
from marketplace.mail import queue_email
from marketplace.models import (
    Product,
    ProductStatus,
    Report,
    ReportStatus,
    Review,
    Store,
    StoreStatus,
    User,
)
from marketplace.permissions import require
from marketplace.services.staff import audit
from marketplace.validation import clean_text

SUBJECT_TYPES = ("product", "store", "review")
_MODELS = {"product": Product, "store": Store, "review": Review}


def _public_subject(subject_type: str, subject_id: int):
    model = _MODELS.get(subject_type)
    subject = db.session.get(model, subject_id) if model and isinstance(subject_id, int) else None
    if subject is None:
        raise NotFound()
    if subject_type == "product":
        visible = (subject.status == ProductStatus.ACTIVE and not subject.hidden
                   and subject.store.status == StoreStatus.VERIFIED)
    elif subject_type == "store":
        visible = subject.status == StoreStatus.VERIFIED
    else:
        visible = not subject.hidden and not subject.product.hidden
    if not visible:
        raise NotFound()
    return subject


def subject_for_report(subject_type: str, subject_id: int):
    """The product, store or review a buyer may report (public ones only).

    :raises NotFound: unknown type or id, or the subject is not public.
    """
    return _public_subject(subject_type, subject_id)


def report(reporter: User, subject_type: str, subject_id: int, reason: str) -> Report:
    """A buyer reports something public with a reason; once per subject while it is open.

    :raises NotFound: the subject does not exist or is not public.
    :raises ValidationError: no reason, or the buyer already has an open report on it.
    """
    _public_subject(subject_type, subject_id)
    reason = clean_text(reason, 1000, "reason")
    if len(reason) < 5:
        raise ValidationError(_("Tell us in a few words what is wrong."), field="reason")
    already = db.session.scalar(select(Report.id).where(
        Report.reporter_id == reporter.id, Report.subject_type == subject_type,
        Report.subject_id == subject_id, Report.status == ReportStatus.OPEN))
    if already is not None:
        raise ValidationError(_("You have already reported this. Our staff will look at it."),
                              field="reason")
    item = Report(reporter_id=reporter.id, subject_type=subject_type, subject_id=subject_id,
                  reason=reason)
    db.session.add(item)
    db.session.flush()
    return item


@dataclass
class QueueItem:
    subject_type: str
    subject_id: int
    count: int
    first_at: datetime
    subject: object | None

    @property
    def hidden(self) -> bool:
        return bool(getattr(self.subject, "hidden", False))


def report_queue(staff: User, limit: int = 100) -> list[QueueItem]:
    """Open reports grouped by what they are about: most reported first, then oldest."""
    require(staff, "staff.work")
    count = func.count(Report.id)
    rows = db.session.execute(
        select(Report.subject_type, Report.subject_id, count, func.min(Report.created_at))
        .where(Report.status == ReportStatus.OPEN)
        .group_by(Report.subject_type, Report.subject_id)
        .order_by(count.desc(), func.min(Report.created_at), Report.subject_id)
        .limit(limit)).all()
    subjects: dict[tuple[str, int], object] = {}
    for kind, model in _MODELS.items():
        ids = [r[1] for r in rows if r[0] == kind]
        if ids:
            for obj in db.session.scalars(select(model).where(model.id.in_(ids))):
                subjects[(kind, obj.id)] = obj
    return [QueueItem(r[0], r[1], r[2], r[3], subjects.get((r[0], r[1]))) for r in rows]


def subject_reports(staff: User, subject_type: str, subject_id: int) -> tuple[object, list]:
    """The subject and all its reports, newest first.

    :raises NotFound: unknown subject.
    """
    require(staff, "staff.work")
    model = _MODELS.get(subject_type)
    subject = db.session.get(model, subject_id) if model else None
    if subject is None:
        raise NotFound()
    reports = list(db.session.scalars(
        select(Report).options(joinedload(Report.reporter))
        .where(Report.subject_type == subject_type, Report.subject_id == subject_id)
        .order_by(Report.created_at.desc(), Report.id.desc())))
    return subject, reports


def _close_open_reports(staff: User, subject_type: str, subject_id: int,
                        status: ReportStatus) -> int:
    result = db.session.execute(
        update(Report).where(Report.subject_type == subject_type,
                             Report.subject_id == subject_id,
                             Report.status == ReportStatus.OPEN)
        .values(status=status, resolved_by_id=staff.id, resolved_at=utcnow())
        .execution_options(synchronize_session=False))
    return result.rowcount or 0


def _owner_of(subject) -> User:
    store = subject.store if isinstance(subject, Product) else subject.product.store
    return store.owner


def _set_hidden(staff: User, subject, subject_type: str, hidden: bool,
                reason: str | None) -> None:
    require(staff, "staff.work")
    if hidden:
        reason = clean_text(reason, 1000, "reason")
    if subject.hidden == hidden:
        raise ValidationError(_("It is already hidden.") if hidden else _("It is not hidden."))
    before = {"hidden": subject.hidden, "reason": subject.hidden_reason}
    subject.hidden, subject.hidden_reason = hidden, reason if hidden else None
    closed = _close_open_reports(staff, subject_type, subject.id, ReportStatus.ACTIONED) \
        if hidden else 0
    action = f"{subject_type}.{'hide' if hidden else 'unhide'}"
    audit.record(staff, action, subject, before,
                 {"hidden": hidden, "reason": subject.hidden_reason, "reports_closed": closed})
    owner = _owner_of(subject)
    title = subject.title if isinstance(subject, Product) else subject.product.title
    with force_locale(owner.locale or "id"):
        if hidden and subject_type == "product":
            subject_line = _("Your product has been hidden")
            body = _("Staff hid %(title)s from buyers. Reason: %(reason)s", title=title,
                     reason=reason)
        elif hidden:
            subject_line = _("A review of your product has been hidden")
            body = _("Staff hid a review of %(title)s. Reason: %(reason)s", title=title,
                     reason=reason)
        else:
            subject_line = _("Visible again")
            body = _("Staff made %(title)s (or its review) visible again.", title=title)
        queue_email(owner.email, subject_line, body)
    db.session.flush()


def hide_product(staff: User, product: Product, reason: str) -> Product:
    """Hide a product from buyers with a reason its vendor sees; closes its open reports.

    :raises PermissionDenied: not staff.
    :raises ValidationError: no reason, or already hidden.
    """
    _set_hidden(staff, product, "product", True, reason)
    return product


def unhide_product(staff: User, product: Product) -> Product:
    """Show a hidden product again.

    :raises ValidationError: it is not hidden.
    """
    _set_hidden(staff, product, "product", False, None)
    return product


def hide_review(staff: User, review: Review, reason: str) -> Review:
    """Hide a review with a reason the vendor sees; closes its open reports.

    :raises ValidationError: no reason, or already hidden.
    """
    _set_hidden(staff, review, "review", True, reason)
    return review


def unhide_review(staff: User, review: Review) -> Review:
    """Show a hidden review again.

    :raises ValidationError: it is not hidden.
    """
    _set_hidden(staff, review, "review", False, None)
    return review


def dismiss_reports(staff: User, subject_type: str, subject_id: int) -> int:
    """Close a subject's open reports without action (one audit row); returns how many.

    :raises NotFound: unknown subject.
    :raises ValidationError: no open reports.
    """
    subject, _reports = subject_reports(staff, subject_type, subject_id)
    closed = _close_open_reports(staff, subject_type, subject_id, ReportStatus.DISMISSED)
    if not closed:
        raise ValidationError(_("There are no open reports on this."))
    audit.record(staff, "reports.dismiss", subject, None, {"dismissed": closed})
    db.session.flush()
    return closed


def get_review(staff: User, review_id: int) -> Review:
    """:raises NotFound: no such review."""
    require(staff, "staff.work")
    review = db.session.get(Review, review_id)
    if review is None:
        raise NotFound()
    return review


def get_product(staff: User, product_id: int) -> Product:
    """:raises NotFound: no such product."""
    require(staff, "staff.work")
    product = db.session.get(Product, product_id)
    if product is None:
        raise NotFound()
    return product
