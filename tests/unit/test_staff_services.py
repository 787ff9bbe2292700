"""Staff services: verification with emails, permits, featuring rules, moderation, accounts,
the append-only audit log, the summary refresh and exports."""

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import delete, func, select, update

from marketplace.clock import utcnow
from marketplace.errors import Conflict, NotFound, PermissionDenied, ValidationError
from marketplace.models import (
    AuditEvent,
    FeaturedSlot,
    OutboxMessage,
    Report,
    ReportStatus,
    StoreStatus,
)
from marketplace.models.staff import AuditLogIsAppendOnly
from marketplace.services.programme import exports, indicators
from marketplace.services.reviews import moderation
from marketplace.services.staff import team
from marketplace.services.stores import featured, verification


def audit_count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent))


def outbox(db, to):
    # Oldest first: PostgreSQL returns rows in no fixed order once the sender has updated them.
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.to == to)
                                   .order_by(OutboxMessage.id)))


# --- verification -----------------------------------------------------------------------------

def test_decisions_email_the_owner_and_leave_one_audit_row_each(db, staff, make_store):
    store = make_store(verified=False)
    before = audit_count(db)
    verification.reject_store(staff, store, "Kode peserta tidak ditemukan")
    db.session.commit()
    assert store.status == StoreStatus.REJECTED and audit_count(db) == before + 1
    mail = outbox(db, store.owner.email)[-1]
    assert "Kode peserta tidak ditemukan" in mail.body and "tidak disetujui" in mail.subject
    with pytest.raises(Conflict):
        verification.verify_store(staff, store)  # approving an already rejected store
    db.session.rollback()
    assert audit_count(db) == before + 1 and len(outbox(db, store.owner.email)) == 1

    other = make_store(verified=False)
    for action, args, status in [
            (verification.verify_store, (), StoreStatus.VERIFIED),
            (verification.suspend_store, ("Produk palsu",), StoreStatus.SUSPENDED),
            (verification.reinstate_store, (), StoreStatus.VERIFIED)]:
        count = audit_count(db)
        action(staff, other, *args)
        db.session.commit()
        assert other.status == status and audit_count(db) == count + 1
    assert len(outbox(db, other.owner.email)) == 3


def test_buyers_cannot_decide(db, buyer, make_store):
    store = make_store(verified=False)
    with pytest.raises(PermissionDenied):
        verification.verify_store(buyer, store)
    db.session.rollback()
    assert db.session.get(type(store), store.id).status == StoreStatus.PENDING


def test_permits_are_verified_and_expiry_alerts_start_30_days_ahead(db, staff, make_product):
    today = verification.today_jakarta()
    soon = make_product(pirt_number="206337401012324", pirt_expires_on=today + timedelta(days=30),
                        halal_number="ID31110000159150421",
                        halal_expires_on=today + timedelta(days=400))
    later = make_product(pirt_number="206337401099924", pirt_expires_on=today + timedelta(days=31))
    expired = make_product(halal_number="ID31110000159150999",
                           halal_expires_on=today + timedelta(days=10))
    expired.halal_expires_on = today - timedelta(days=1)  # a year went by
    db.session.commit()
    alerts = verification.permit_alerts(today=today)
    assert [(a.product.id, a.kind) for a in alerts] == [(expired.id, "halal"), (soon.id, "pirt")]
    assert alerts[0].expired and not alerts[1].expired
    assert verification.permit_alerts(soon.store, today=today)[0].product.id == soon.id
    assert later.id not in {a.product.id for a in alerts}

    verification.verify_permit(staff, soon, "pirt")
    db.session.commit()
    assert soon.pirt_verified and not soon.halal_verified
    for product, kind in [(soon, "pirt"), (expired, "halal"), (later, "halal"), (soon, "x")]:
        with pytest.raises(ValidationError):
            verification.verify_permit(staff, product, kind)
    db.session.rollback()
    assert {p.id for p in verification.unverified_permits(staff)} == {soon.id, later.id,
                                                                      expired.id}


# --- featured vendors -------------------------------------------------------------------------

def _window(days_from_now: float, length_days: float = 7):
    start = utcnow() + timedelta(days=days_from_now)
    return start, start + timedelta(days=length_days)


def test_featuring_rules(db, staff, make_store):
    store, other = make_store(), make_store()
    start, end = _window(1)
    slot = featured.schedule_feature(staff, store, 1, start, end, "Juara lomba UMKM")
    db.session.commit()
    cases = [
        (store, 2, start + timedelta(days=2), end + timedelta(days=2)),  # store overlaps
        (other, 1, start + timedelta(days=2), end),  # position taken
        (other, 2, end, start),  # inverted window
        (other, 2, start, start + timedelta(days=400)),  # too long
    ]
    for args in cases:
        with pytest.raises(ValidationError):
            featured.schedule_feature(staff, *args)
        db.session.rollback()
    suspended = make_store()
    verification.suspend_store(staff, suspended, "Dilaporkan pembeli")
    db.session.commit()
    with pytest.raises(ValidationError):
        featured.schedule_feature(staff, suspended, 3, start, end)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(FeaturedSlot)) == 1
    # Right after the window, the same store and position are free again.
    featured.schedule_feature(staff, store, 1, end, end + timedelta(days=1))
    assert featured.featured_history()[-1].id == slot.id


def test_at_most_the_cap_at_once(db, staff, make_store):
    start, end = _window(1)
    for position in range(1, featured.MAX_FEATURED_AT_ONCE + 1):
        featured.schedule_feature(staff, make_store(), position, start, end)
    db.session.commit()
    with pytest.raises(ValidationError, match="8"):
        featured.schedule_feature(staff, make_store(), 20, start + timedelta(days=3),
                                  end + timedelta(days=3))
    db.session.rollback()
    featured.schedule_feature(staff, make_store(), 20, end, end + timedelta(days=2))


def test_ending_and_cancelling(db, staff, make_store):
    now = utcnow()
    running = featured.schedule_feature(staff, make_store(), 1, now - timedelta(days=1),
                                        now + timedelta(days=1))
    planned = featured.schedule_feature(staff, make_store(), 2, now + timedelta(days=2),
                                        now + timedelta(days=3))
    db.session.commit()
    count = audit_count(db)
    featured.end_feature(staff, running, now)
    featured.end_feature(staff, planned, now)
    db.session.commit()
    assert audit_count(db) == count + 2
    assert featured.active_slots(now + timedelta(seconds=1)) == []
    assert featured.active_slots(now + timedelta(days=2, hours=1)) == []
    with pytest.raises(ValidationError):
        featured.end_feature(staff, running, now + timedelta(seconds=5))


# --- moderation -------------------------------------------------------------------------------

def test_reports_are_grouped_most_reported_first(db, staff, make_user, make_product, make_store):
    quiet, noisy = make_product(), make_product()
    store = make_store()
    moderation.report(make_user(), "product", quiet.id, "Gambar tidak sesuai")
    for _ in range(3):
        moderation.report(make_user(), "product", noisy.id, "Barang palsu, bukan buatan sendiri")
    moderation.report(make_user(), "store", store.id, "Penjual tidak membalas")
    db.session.commit()
    queue = moderation.report_queue(staff)
    assert [(i.subject_type, i.subject_id, i.count) for i in queue][0] == ("product", noisy.id, 3)
    assert {i.subject_id for i in queue} == {quiet.id, noisy.id, store.id}


def test_report_rules(db, buyer, make_product, make_store):
    product = make_product()
    moderation.report(buyer, "product", product.id, "Barang palsu")
    with pytest.raises(ValidationError):
        moderation.report(buyer, "product", product.id, "Barang palsu lagi")
    with pytest.raises(ValidationError):
        moderation.report(buyer, "store", product.store_id, "    ")
    for kind, ident in [("product", 999999), ("order", product.id),
                        ("store", make_store(verified=False).id)]:
        with pytest.raises(NotFound):
            moderation.report(buyer, kind, ident, "Tidak pantas")


def test_hide_and_unhide_a_product(db, staff, buyer, make_product):
    product, other = make_product(), make_product()
    moderation.report(buyer, "product", product.id, "Produk berbahaya")
    db.session.commit()
    count = audit_count(db)
    moderation.hide_product(staff, product, "Mengandung bahan terlarang")
    db.session.commit()
    assert product.hidden and product.hidden_reason == "Mengandung bahan terlarang"
    assert audit_count(db) == count + 1
    assert db.session.scalar(select(Report.status)) == ReportStatus.ACTIONED
    assert "Mengandung bahan terlarang" in outbox(db, product.store.owner.email)[-1].body
    with pytest.raises(ValidationError):
        moderation.hide_product(staff, product, "lagi")
    with pytest.raises(ValidationError):
        moderation.hide_product(staff, other, "")
    db.session.rollback()
    moderation.unhide_product(staff, product)
    db.session.commit()
    assert not product.hidden and product.hidden_reason is None
    assert audit_count(db) == count + 2


def test_dismissing_reports(db, staff, buyer, make_store):
    store = make_store()
    moderation.report(buyer, "store", store.id, "Toko tidak ada")
    db.session.commit()
    assert moderation.dismiss_reports(staff, "store", store.id) == 1
    db.session.commit()
    assert moderation.report_queue(staff) == []
    with pytest.raises(ValidationError):
        moderation.dismiss_reports(staff, "store", store.id)


# --- accounts ---------------------------------------------------------------------------------

def test_only_admins_manage_staff(db, admin, staff, buyer):
    with pytest.raises(PermissionDenied):
        team.create_staff(staff, "baru@kemensos.go.id", "Baru", "Rahasia2026x")
    with pytest.raises(NotFound):
        team.get_staff_account(admin, buyer.id)  # another role's id
    created = team.create_staff(admin, "baru@kemensos.go.id", "Baru", "Rahasia2026x")
    db.session.commit()
    assert created.is_staff and not created.is_admin
    team.set_staff_active(admin, created, False)
    db.session.commit()
    assert not created.active
    with pytest.raises(ValidationError):
        team.set_staff_active(admin, created, False)
    with pytest.raises(PermissionDenied):
        team.set_staff_active(admin, admin, False)
    with pytest.raises(ValidationError):
        team.create_staff(admin, "x@kemensos.go.id", "X", "Rahasia2026x", "buyer")


# --- audit log --------------------------------------------------------------------------------

def test_audit_rows_cannot_be_changed_or_deleted(db, staff, make_store):
    make_store(verified=False)
    verification.verify_store(staff, verification.store_queue(staff)[0])
    db.session.commit()
    event = db.session.scalars(select(AuditEvent)).first()
    event.action = "forged"
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.scalars(select(AuditEvent)).first())
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    for statement in (update(AuditEvent).values(action="x"), delete(AuditEvent)):
        with pytest.raises(AuditLogIsAppendOnly):
            db.session.execute(statement)
        db.session.rollback()
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.id == event.id)) == \
        "store.verify"


# --- summaries and exports --------------------------------------------------------------------

def test_refresh_counts_orders_and_net_sales_by_jakarta_month(db, staff, make_store, make_sale,
                                                              make_user):
    store = make_store()
    buyer = make_user()
    # 31 January 20:00 UTC is already 1 February in Jakarta.
    make_sale(store, 40_000, datetime(2026, 1, 31, 20, 0, tzinfo=UTC), buyer=buyer)
    make_sale(store, 60_000, datetime(2026, 2, 10, 3, 0, tzinfo=UTC), buyer=buyer)
    make_sale(store, 25_000, datetime(2026, 1, 5, 3, 0, tzinfo=UTC))
    indicators.refresh_summaries(staff)
    db.session.commit()
    board = indicators.dashboard(staff, until=date(2026, 2, 1))
    months = {row["month"]: row for row in board.by_month}
    feb, jan = months[date(2026, 2, 1)], months[date(2026, 1, 1)]
    assert (feb["orders"], feb["gmv"], feb["buyers"]) == (2, 100_000, 1)
    assert (jan["orders"], jan["gmv"], jan["buyers"]) == (1, 25_000, 1)
    assert board.totals == {"gmv": 125_000, "orders": 3, "net_sales": 125_000, "buyers": 2}
    assert board.by_province[0]["code"] == "33" and board.by_province[0]["orders"] == 3
    assert board.by_category[0]["units"] == 3
    assert board.refreshed is not None


def test_exports_exclude_personal_data_unless_an_admin_asks(db, staff, admin, make_store):
    store = make_store(name="=HYPERLINK(\"http://evil\")", bank_account_number="9876543210")
    count = audit_count(db)
    plain = exports.export(staff, "stores", "csv", exports.check_filters("33"))
    rows = list(csv.DictReader(io.StringIO(plain.body)))
    assert rows[0]["store_id"] == str(store.id) and rows[0]["name"].startswith("'=HYPERLINK")
    assert store.participant_code is None and rows[0]["participant_code"] == ""  # not "None"
    assert "9876543210" not in plain.body and "+6281234567890" not in plain.body
    assert store.owner.email not in plain.body
    assert not set(exports.PERSONAL_STORE_FIELDS) & set(rows[0])
    with pytest.raises(PermissionDenied):
        exports.export(staff, "stores", "json", exports.check_filters(), include_personal=True)
    full = json.loads(exports.export(admin, "stores", "json", exports.check_filters(),
                                     include_personal=True).body)
    assert full["personal_data"] is True
    assert full["rows"][0]["bank_account_number"] == "9876543210"
    db.session.commit()
    actions = list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.id > count)
                                      .order_by(AuditEvent.id)))
    assert actions == ["export.stores", "export.stores"]


def test_export_filters_and_kinds(db, staff, make_store, make_sale):
    central, east = make_store(), make_store(province_code="35", regency="Kota Malang")
    make_sale(central, 30_000, datetime(2026, 3, 3, tzinfo=UTC))
    make_sale(east, 45_000, datetime(2026, 4, 3, tzinfo=UTC))
    indicators.refresh_summaries()
    filters = exports.check_filters("35", date(2026, 1, 1), date(2026, 12, 1))
    sales = json.loads(exports.export(staff, "sales", "json", filters).body)["rows"]
    assert [(r["store_id"], r["month"], r["gmv"]) for r in sales] == [(east.id, "2026-04",
                                                                       45_000)]
    totals = list(csv.DictReader(io.StringIO(exports.export(
        staff, "totals", "csv", exports.check_filters()).body)))
    assert {r["province_code"]: r["gmv"] for r in totals} == {"33": "30000", "35": "45000"}
    grads = json.loads(exports.export(staff, "graduation", "json", exports.check_filters()).body)
    assert {r["store_id"] for r in grads["rows"]} == {central.id, east.id}
    assert not any(r["graduated"] for r in grads["rows"])
    for args in [("99", None, None), ("", date(2020, 1, 1), date(2026, 1, 1)),
                 ("", date(2026, 5, 1), date(2026, 1, 1)), ("", date(2026, 1, 1), None)]:
        with pytest.raises(ValidationError):
            exports.check_filters(*args)
    with pytest.raises(ValidationError):
        exports.export(staff, "orders", "csv", exports.check_filters())


def test_hiding_a_review_tells_the_vendor_and_hides_it_from_buyers(db, staff, make_user,
                                                                   make_product, make_order):
    from marketplace.models import OrderStatus
    from marketplace.services.orders.orderflow import transition
    from marketplace.services.reviews.ratings import create_review, review_page

    product = make_product(title="Kopi Robusta Temanggung")
    buyer = make_user()
    order = make_order(buyer=buyer, items=[(product, 1)]).orders[0]
    for status in (OrderStatus.PROCESSING, OrderStatus.SHIPPED, OrderStatus.DELIVERED):
        transition(order, status, product.store.owner)
    review = create_review(buyer, order.lines[0], 1, "Kata-kata kasar")
    moderation.report(make_user(), "review", review.id, "Bahasa kasar")
    db.session.commit()
    count = audit_count(db)
    moderation.hide_review(staff, review, "Berisi kata-kata kasar")
    db.session.commit()
    assert audit_count(db) == count + 1 and review.hidden
    assert review_page(product.id).items == []
    mail = outbox(db, product.store.owner.email)[-1]
    assert "Berisi kata-kata kasar" in mail.body and "Kopi Robusta Temanggung" in mail.body
    assert moderation.report_queue(staff) == []
