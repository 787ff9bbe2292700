"""Training and technical guidance: events, attendance, and trained vs not-yet-trained outcomes."""

from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from itertools import chain
from typing import TypeVar

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, inspect, select

from marketplace import versions
from marketplace.errors import NotFound, PermissionDenied, ValidationError
from marketplace.extensions import db
from marketplace.models import MonthlyStoreSales, Store, SummaryRefresh, User
from marketplace.models.people import GroupMember, TrainingAttendance, TrainingEvent
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
T = TypeVar("T")
#: The version of the programme's people figures (training outcomes, households above the
#: line): they read the monthly summaries, training, group shares and which stores are
#: verified, and take up to a second to compute at 10,000 stores.
FIGURES = "programme-people-figures"
_FIGURES_READ = (SummaryRefresh, MonthlyStoreSales, TrainingAttendance, TrainingEvent,
                 GroupMember, Store)


def _figures_changes(thing) -> tuple[str, ...]:
    if isinstance(thing, Store):  # only a change of status moves a store in or out
        return (FIGURES,) if inspect(thing).attrs.status.history.has_changes() else ()
    kind = thing if isinstance(thing, type) else type(thing)
    return (FIGURES,) if kind in _FIGURES_READ else ()


versions.watch(_figures_changes)


def cached_figures(name: str, province_code: str, compute: Callable[[], T]) -> T:
    """One of the people figures of a province ("" for all), kept until what it reads
    changes."""
    return versions.cached(f"{FIGURES}:{name}:{province_code}", compute, of=(FIGURES,))


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


@dataclass
class _Tally:
    """Store-months with a sales row: their net sales (sorted once all are in) and how many
    had reached the UMP for DEFAULT_MONTHS in a row."""

    nets: list[int] = field(default_factory=list)
    graduated: int = 0

    @property
    def selling(self) -> int:
        return len(self.nets) - bisect_right(self.nets, 0)


def _median(ordered: list[int], zeros: int) -> int:
    """The median of `ordered` (sorted) with `zeros` more zeros in their place, without
    building that list (many stores sell nothing in a month)."""
    count = len(ordered) + zeros
    at = bisect_left(ordered, 0)

    def nth(i: int) -> int:
        return ordered[i] if i < at else 0 if i < at + zeros else ordered[i - zeros]

    middle = count // 2
    return nth(middle) if count % 2 else int((nth(middle - 1) + nth(middle)) / 2)


def _figures(tallies: list[_Tally], count: int) -> tuple[int, float | None, int | None,
                                                         float | None]:
    # `count` store-months; those without a row in the tallies sold nothing.
    if not count:
        return 0, None, None, None
    nets = sorted(chain.from_iterable(t.nets for t in tallies))  # sorted runs: a merge
    selling = 100 * sum(t.selling for t in tallies) / count
    graduated = 100 * sum(t.graduated for t in tallies) / count
    return count, round(selling, 1), _median(nets, count - len(nets)), round(graduated, 1)


def outcomes(actor: User, province_code: str = "") -> list[OutcomeRow]:
    """Trained vs not-yet-trained stores by month since the owner's first training.

    For month k after a training in month T, trained stores are compared with the stores whose
    owner had no training by then, in the same calendar month T+k. Not a causal estimate: who
    attends training is not random.

    :raises PermissionDenied: neither staff nor a facilitator.
    """
    return outcomes_of(region_of(actor) or province_code)


def outcomes_of(province_code: str) -> list[OutcomeRow]:
    """`outcomes` of a province ("" for all), for a caller that checked who asks."""
    return cached_figures("outcomes", province_code, lambda: _outcomes(province_code))


def _outcomes(province_code: str) -> list[OutcomeRow]:
    in_scope = [Store.status == "verified"]
    if province_code:
        in_scope.append(Store.province_code == province_code)
    stores = db.session.scalar(select(func.count()).select_from(Store).where(*in_scope))
    trained_at = {store_id: month_index(held_on) for store_id, held_on in db.session.execute(
        select(Store.id, func.min(TrainingEvent.held_on))
        .join(TrainingAttendance, TrainingAttendance.user_id == Store.owner_id)
        .join(TrainingEvent, TrainingEvent.id == TrainingAttendance.event_id)
        .where(*in_scope).group_by(Store.id))}
    # Only the calendar months some comparison looks at (none when nobody was trained), each
    # read once: a store-month goes to the trained side or, before her training, to the
    # others' tally of that month, which every k looking at that month shares.
    calendar = {t + k for t in trained_at.values() for k in range(MONTHS_AFTER)}
    trained_months: dict[tuple[int, int], tuple[int, int]] = {}
    others = {m: _Tally() for m in calendar}
    if calendar:
        # Core rows: the ORM's handling of ~200,000 rows (10,000 stores) costs more than SQL.
        # Iterated, not .all(): the list of Rows cost 400 ms against 140 ms, the collector
        # scanning it again and again as it grew.
        for store_id, month, net, streak in db.session.connection().execute(
                select(MonthlyStoreSales.store_id, MonthlyStoreSales.month_index,
                       MonthlyStoreSales.net_sales, MonthlyStoreSales.streak_ump)
                .join(Store, Store.id == MonthlyStoreSales.store_id)
                .where(*in_scope, MonthlyStoreSales.month_index.in_(sorted(calendar)))):
            if trained_at.get(store_id, month + 1) <= month:
                trained_months[store_id, month] = (net, streak)
            else:
                tally = others[month]
                tally.nets.append(net)
                if streak >= DEFAULT_MONTHS:
                    tally.graduated += 1
        for tally in others.values():
            tally.nets.sort()
    starts = sorted(trained_at.values())
    rows = []
    for k in range(MONTHS_AFTER):
        trained = _Tally()
        for store_id, start in trained_at.items():
            net, streak = trained_months.get((store_id, start + k), (0, 0))
            trained.nets.append(net)
            trained.graduated += streak >= DEFAULT_MONTHS
        trained.nets.sort()
        looked_at = {t + k for t in starts}
        not_yet = sum(stores - bisect_right(starts, m) for m in looked_at)
        rows.append(OutcomeRow(k, *_figures([trained], len(trained_at)),
                               *_figures([others[m] for m in looked_at], not_yet)))
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

