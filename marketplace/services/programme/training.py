"""Training and technical guidance: events, attendance, and trained vs not-yet-trained outcomes."""

import statistics
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from marketplace.errors import NotFound, PermissionDenied, ValidationError
from marketplace.extensions import db
from marketplace.models import MonthlyStoreSales, Store, User
from marketplace.models.people import TrainingAttendance, TrainingEvent
from marketplace.permissions import is_facilitator, is_staff
from marketplace.regions import check_province
from marketplace.services.programme import facilitation
from marketplace.services.programme.indicators import DEFAULT_MONTHS, month_index
from marketplace.services.staff import audit
from marketplace.validation import clean_text

MINISTRIES = {"kemensos": _l("Ministry of Social Affairs"),
              "kemenperin": _l("Ministry of Industry")}
#: Months since training compared on the dashboard (0 = the month of the training).
MONTHS_AFTER = 6


def region_of(actor: User) -> str | None:
    """None: every province (staff); else the facilitator's province.

    :raises PermissionDenied: neither staff nor a facilitator.
    """
    if is_staff(actor):
        return None
    if is_facilitator(actor):
        return facilitation.require_facilitator(actor).province_code
    raise PermissionDenied()


def _check_region(actor: User, province_code: str) -> None:
    region = region_of(actor)
    if region is not None and region != province_code:
        raise PermissionDenied(_("You record trainings for your own region only."))


def create_event(actor: User, *, topic: str, ministry: str, held_on: date | None,
                 online: bool, place: str | None, trainer: str,
                 province_code: str) -> TrainingEvent:
    """Record a training event (staff anywhere, facilitators in their province).

    :raises PermissionDenied: not staff, or a facilitator outside their province.
    :raises ValidationError: a bad field.
    """
    errors = {}

    def take(field, check):
        try:
            return check()
        except ValidationError as exc:
            errors[field] = exc.message

    topic = take("topic", lambda: clean_text(topic, 200, "topic"))
    trainer = take("trainer", lambda: clean_text(trainer, 120, "trainer"))
    place = take("place", lambda: clean_text(place, 200, "place", required=not online) or None)
    province_code = take("province_code", lambda: check_province(province_code))
    if ministry not in MINISTRIES:
        errors["ministry"] = _("Choose the organising ministry.")
    if not isinstance(held_on, date):
        errors["held_on"] = _("Enter the date of the training.")
    if errors:
        raise ValidationError(next(iter(errors.values())), errors=errors)
    _check_region(actor, province_code)
    event = TrainingEvent(topic=topic, ministry=ministry, held_on=held_on, online=bool(online),
                          place=None if online else place, trainer=trainer,
                          province_code=province_code, created_by_id=actor.id)
    db.session.add(event)
    db.session.flush()
    audit.record(actor, "training.create", event, after={"topic": topic,
                                                         "province": province_code})
    return event


def events(actor: User) -> list[tuple[TrainingEvent, int]]:
    """Events the actor may see (staff: all; a facilitator: their province), newest first,
    with the number who attended.

    :raises PermissionDenied: neither staff nor a facilitator.
    """
    region = region_of(actor)
    count = (select(func.count(TrainingAttendance.id))
             .where(TrainingAttendance.event_id == TrainingEvent.id)
             .correlate(TrainingEvent).scalar_subquery())
    stmt = select(TrainingEvent, count).order_by(TrainingEvent.held_on.desc(),
                                                 TrainingEvent.id.desc())
    if region is not None:
        stmt = stmt.where(TrainingEvent.province_code == region)
    return [(event, n) for event, n in db.session.execute(stmt.limit(500))]


def get_event(actor: User, event_id: int) -> TrainingEvent:
    """:raises NotFound: no such event in the actor's region."""
    event = db.session.get(TrainingEvent, event_id)
    region = region_of(actor)
    if event is None or (region is not None and event.province_code != region):
        raise NotFound()
    return event


def record_attendance(actor: User, event: TrainingEvent, person: str) -> TrainingAttendance:
    """Record that an entrepreneur (by email or phone) attended.

    :raises PermissionDenied: not allowed to record for this event's region.
    :raises ValidationError: nobody with that email/phone, or already recorded.
    """
    _check_region(actor, event.province_code)
    user = facilitation.find_person(person)
    if user is None:
        raise ValidationError(_("No account uses that email or phone number."), field="person")
    if db.session.scalar(select(TrainingAttendance.id).where(
            TrainingAttendance.event_id == event.id, TrainingAttendance.user_id == user.id)):
        raise ValidationError(_("Already recorded for this training."), field="person")
    row = TrainingAttendance(event=event, user_id=user.id, recorded_by_id=actor.id)
    db.session.add(row)
    db.session.flush()
    return row


def trainings_of(user: User) -> list[TrainingEvent]:
    """The trainings a person attended, newest first (her own profile)."""
    return list(db.session.scalars(
        select(TrainingEvent).join(TrainingAttendance)
        .where(TrainingAttendance.user_id == user.id).order_by(TrainingEvent.held_on.desc())))


# --- outcomes -----------------------------------------------------------------------------------

@dataclass
class OutcomeRow:
    months_since: int
    trained_stores: int
    trained_selling_pct: float | None
    trained_median_sales: int | None
    trained_graduated_pct: float | None
    other_stores: int
    other_selling_pct: float | None
    other_median_sales: int | None
    other_graduated_pct: float | None


def _figures(values: list[tuple[int, int]]) -> tuple[int, float | None, int | None,
                                                     float | None]:
    # values: (net sales, UMP streak) of store-months; a store-month without a row sold nothing.
    if not values:
        return 0, None, None, None
    sales = [net for net, _streak in values]
    selling = 100 * sum(1 for net in sales if net > 0) / len(values)
    graduated = 100 * sum(1 for _net, streak in values if streak >= DEFAULT_MONTHS) / len(values)
    return len(values), round(selling, 1), int(statistics.median(sales)), round(graduated, 1)


def outcomes(actor: User, province_code: str = "") -> list[OutcomeRow]:
    """Trained vs not-yet-trained stores by month since the owner's first training.

    For month k after a training in month T, trained stores are compared with the stores whose
    owner had no training by then, in the same calendar month T+k. Not a causal estimate: who
    attends training is not random.

    :raises PermissionDenied: neither staff nor a facilitator.
    """
    region = region_of(actor)
    province_code = region or province_code
    first = dict(db.session.execute(
        select(Store.id, func.min(TrainingEvent.held_on))
        .join(TrainingAttendance, TrainingAttendance.user_id == Store.owner_id)
        .join(TrainingEvent, TrainingEvent.id == TrainingAttendance.event_id)
        .group_by(Store.id)).all())
    stmt = select(Store.id).where(Store.status == "verified")
    if province_code:
        stmt = stmt.where(Store.province_code == province_code)
    stores = list(db.session.scalars(stmt))
    months = {(s, m): (net, streak) for s, m, net, streak in db.session.execute(
        select(MonthlyStoreSales.store_id, MonthlyStoreSales.month_index,
               MonthlyStoreSales.net_sales, MonthlyStoreSales.streak_ump)
        .where(MonthlyStoreSales.store_id.in_(stores)))}
    trained_at = {s: month_index(first[s]) for s in stores if s in first}
    rows = []
    for k in range(MONTHS_AFTER):
        calendar = {t + k for t in trained_at.values()}
        trained = [months.get((s, t + k), (0, 0)) for s, t in trained_at.items()]
        others = [months.get((s, m), (0, 0)) for m in calendar for s in stores
                  if s not in trained_at or trained_at[s] > m]
        rows.append(OutcomeRow(k, *_figures(trained), *_figures(others)))
    return rows


def outcomes_csv(actor: User, province_code: str = "") -> str:
    """The comparison as CSV, with its caveat in the first line; no personal data."""
    lines = ["# " + _("Not a causal estimate: those who attend training differ from those "
                      "who do not."),
             "months_since_training,trained_stores,trained_selling_pct,trained_median_sales,"
             "trained_graduated_pct,other_stores,other_selling_pct,other_median_sales,"
             "other_graduated_pct"]
    for row in outcomes(actor, province_code):
        values = [row.months_since, row.trained_stores, row.trained_selling_pct,
                  row.trained_median_sales, row.trained_graduated_pct, row.other_stores,
                  row.other_selling_pct, row.other_median_sales, row.other_graduated_pct]
        lines.append(",".join("" if v is None else str(v) for v in values))
    return "\n".join(lines) + "\n"

