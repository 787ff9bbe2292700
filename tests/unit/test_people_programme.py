"""KUBE group stores (shares, history, income per household), training records and outcomes,
and the facilitator figures of the programme dashboard."""

import statistics
from datetime import UTC, date, datetime

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from sqlalchemy import update

from marketplace.errors import NotFound, PermissionDenied, ValidationError
from marketplace.models.people import GroupMember
from marketplace.services.programme import indicators, people, training
from marketplace.services.stores import groups

pytestmark = pytest.mark.usefixtures("db")


@pytest.fixture
def kube(db, make_store, make_user):
    """A group store: the owner keeps 50%, Ani 30%, Budi 20%."""
    store = make_store()
    ani, budi = make_user("buyer", name="Ani"), make_user("buyer", name="Budi")
    groups.set_member(store.owner, store, ani.email, "treasurer", 3000)
    groups.set_member(store.owner, store, store.owner.email, "owner", 5000)
    groups.set_member(store.owner, store, budi.email, "member", 2000)
    # As if the group had been set up long ago (the owner went from 70% to 50% back then).
    db.session.execute(update(GroupMember).values(joined_at=datetime(2025, 1, 1, tzinfo=UTC)))
    db.session.execute(update(GroupMember).where(GroupMember.left_at.is_not(None))
                       .values(left_at=datetime(2025, 1, 2, tzinfo=UTC)))
    db.session.commit()
    return store, ani, budi


def test_members_and_shares_with_history(db, kube):
    store, ani, budi = kube
    shares = {m.user_id: (m.role, m.share_bp) for m in groups.members(store)}
    assert shares == {store.owner_id: ("owner", 5000), ani.id: ("treasurer", 3000),
                      budi.id: ("member", 2000)}
    groups.remove_member(store.owner, store, next(m.id for m in groups.members(store)
                                                  if m.user_id == budi.id))
    db.session.commit()
    assert budi.id not in {m.user_id for m in groups.members(store)}
    history = groups.members(store, include_past=True)
    assert sum(1 for m in history if m.user_id == store.owner_id) == 2  # 70% then 50%
    assert any(m.user_id == budi.id and m.left_at for m in history)


def test_shares_never_exceed_the_whole(db, kube, make_user):
    store, _ani, _budi = kube
    with pytest.raises(ValidationError):
        groups.set_member(store.owner, store, make_user("buyer").email, "member", 100)
    with pytest.raises(ValidationError):  # the owner role is the owner's
        groups.set_member(store.owner, store, _ani.email, "owner", 3000)


def test_only_the_owner_or_staff_changes_members(db, kube, make_user, assisted_store):
    store, ani, _budi = kube
    for actor in (ani, make_user("buyer")):
        with pytest.raises(PermissionDenied):
            groups.set_member(actor, store, ani.email, "member", 100)
    facilitator, helped = assisted_store()
    with pytest.raises(PermissionDenied):  # acting for her store does not touch the money
        groups.set_member(facilitator, helped, ani.email, "member", 100)
    with pytest.raises(NotFound):
        groups.remove_member(helped.owner, helped, 1)


def test_statement_splits_the_income_and_the_parts_add_up(kube):
    store, ani, budi = kube
    shares = {s.member.user_id: s.amount for s in
              groups.statement_shares(store, indicators.current_month(), 1_000_001)}
    assert shares == {store.owner_id: 500_001, ani.id: 300_000, budi.id: 200_000}


def test_households_are_counted_by_their_share(db, kube, staff, monthly_net):
    store, ani, _budi = kube
    indicators.add_threshold(staff, "ump", "33", None, 2_000_000, date(2025, 1, 1))
    last = indicators.month_of_index(indicators.month_index(indicators.current_month()) - 1)
    monthly_net(store, {last: 5_000_000})
    incomes = groups.household_incomes(indicators.month_index(last))
    assert incomes[store.owner_id] == (2_500_000, 2_000_000)
    assert incomes[ani.id] == (1_500_000, 2_000_000)
    assert groups.households_above_line(indicators.month_index(last)) == (1, 3)
    figures = people.households(staff)
    assert (figures["above"], figures["earning"]) == (1, 3)


def _event(actor, province="33", **fields):
    values = {"topic": "Pengemasan produk pangan", "ministry": "kemenperin",
              "held_on": date(2026, 3, 2), "online": False, "place": "Balai Desa",
              "trainer": "Bu Rahma", "province_code": province, **fields}
    return training.create_event(actor, **values)


def test_training_records_by_staff_and_facilitators_of_the_region(db, staff, make_facilitator,
                                                                  make_store):
    facilitator = make_facilitator("33")
    event = _event(facilitator)
    store = make_store()
    training.record_attendance(facilitator, event, store.owner.email)
    db.session.commit()
    assert [e.topic for e in training.trainings_of(store.owner)] == ["Pengemasan produk pangan"]
    with pytest.raises(ValidationError):
        training.record_attendance(facilitator, event, store.owner.email)
    with pytest.raises(PermissionDenied):
        _event(facilitator, province="31")
    other = _event(staff, province="31")
    with pytest.raises(NotFound):
        training.get_event(facilitator, other.id)
    assert [e.id for e, _n in training.events(facilitator)] == [event.id]
    assert len(training.events(staff)) == 2


def test_training_input_is_checked(staff, make_user):
    with pytest.raises(ValidationError) as caught:
        _event(staff, topic="", ministry="bappenas", held_on=None, place="")
    assert {"topic", "ministry", "held_on", "place"} <= set(caught.value.errors)
    assert _event(staff, online=True, place="").place is None
    with pytest.raises(PermissionDenied):
        _event(make_user("buyer"))


def test_outcomes_compare_trained_with_not_yet_trained(db, staff, make_store, monthly_net):
    trained, other = make_store(), make_store()
    event = _event(staff, held_on=date(2026, 1, 10))
    training.record_attendance(staff, event, trained.owner.email)
    monthly_net(trained, {date(2026, 1, 1): 400_000, date(2026, 2, 1): 600_000})
    monthly_net(other, {date(2026, 2, 1): 100_000})
    rows = training.outcomes(staff)
    first, second = rows[0], rows[1]
    assert (first.trained_stores, first.trained_selling_pct, first.trained_median_sales) == (
        1, 100.0, 400_000)
    assert (first.other_stores, first.other_selling_pct) == (1, 0.0)
    assert (second.trained_median_sales, second.other_median_sales) == (600_000, 100_000)
    csv = training.outcomes_csv(staff)
    assert csv.startswith("# ") and "\n1,1,100.0,600000," in csv
    assert trained.owner.email not in csv


def test_facilitator_figures_and_their_export(db, admin, staff, assisted_store,
                                              make_facilitator):
    facilitator, _store = assisted_store()
    make_facilitator("31")
    rows = people.facilitator_figures(staff)
    mine = next(r for r in rows if r.profile.user_id == facilitator.id)
    assert (mine.caseload, mine.with_store, mine.active_pct, mine.graduated) == (1, 1, 0.0, 0)
    assert [r.profile.province_code for r in people.facilitator_figures(
        facilitator, "31")] == ["33"]  # a facilitator sees only their own province
    plain = people.facilitators_csv(staff)
    assert facilitator.email not in plain and facilitator.name not in plain
    with pytest.raises(PermissionDenied):
        people.facilitators_csv(staff, include_personal=True)
    assert facilitator.email in people.facilitators_csv(admin, include_personal=True)


def test_cached_people_figures_follow_summaries_training_and_store_status(
        db, app, monkeypatch, kube, staff, make_store, monthly_net):
    from marketplace.extensions import cache
    from marketplace.services.stores import suspend_store

    monkeypatch.setitem(app.config, "PAGE_CACHE_SECONDS", 60)
    cache.clear()
    store, _ani, _budi = kube
    indicators.add_threshold(staff, "ump", "33", None, 2_000_000, date(2025, 1, 1))
    last = indicators.month_of_index(indicators.month_index(indicators.current_month()) - 1)
    monthly_net(store, {last: 5_000_000})
    assert people.households(staff)["earning"] == 3
    monthly_net(make_store(), {last: 100_000})  # as a refresh writes a new month's row
    assert people.households(staff)["earning"] == 4

    trained = make_store()
    monthly_net(trained, {date(2026, 1, 1): 400_000})
    assert training.outcomes(staff)[0].trained_stores == 0
    assert training.outcomes(staff) == training.outcomes(staff)  # the second from the cache
    training.record_attendance(staff, _event(staff, held_on=date(2026, 1, 10)),
                               trained.owner.email)
    db.session.commit()
    first = training.outcomes(staff)[0]
    assert (first.trained_stores, first.trained_median_sales, first.other_stores) == (
        1, 400_000, 2)
    suspend_store(staff, store, "Dokumen tidak sah")
    db.session.commit()
    assert training.outcomes(staff)[0].other_stores == 1


@given(st.lists(st.integers(-10**9, 10**9)), st.integers(0, 40))
def test_the_median_counts_the_months_without_sales_as_zeros(values, zeros):
    assume(values or zeros)
    expected = int(statistics.median(values + [0] * zeros))
    assert training._median(sorted(values), zeros) == expected
