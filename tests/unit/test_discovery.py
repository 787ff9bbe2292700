"""Home page content at a given moment, and the featured-vendor schedule it reads."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from marketplace.errors import PermissionDenied, ValidationError
from marketplace.models import AuditEvent, FeaturedSlot, ProductStatus
from marketplace.services.catalog.discovery import home_content
from marketplace.services.stores.featured import active_slots, schedule_feature
from marketplace.services.stores.verification import suspend_store

NOW = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def test_featured_vendors_follow_their_windows_in_position_order(db, make_store, staff):
    first, second, later = (make_store(name=n) for n in ("Toko Satu", "Toko Dua", "Toko Nanti"))
    schedule_feature(staff, second, 2, NOW - DAY, NOW + DAY, "Dua")
    schedule_feature(staff, first, 1, NOW - DAY, NOW + DAY)
    schedule_feature(staff, later, 1, NOW + 2 * DAY, NOW + 3 * DAY, "Minggu depan")
    db.session.commit()

    assert [s.store.name for s in home_content(NOW).featured] == ["Toko Satu", "Toko Dua"]
    preview = home_content(NOW + 2 * DAY + timedelta(hours=1))  # staff preview of the future
    assert [s.store.name for s in preview.featured] == ["Toko Nanti"]
    assert home_content(NOW + DAY).featured == []  # windows end exclusive


def test_a_store_suspended_after_being_scheduled_is_not_shown(db, make_store, staff):
    store = make_store()
    schedule_feature(staff, store, 1, NOW - DAY, NOW + DAY)
    suspend_store(staff, store, "Laporan pembeli")
    db.session.commit()
    assert active_slots(NOW) == []


def test_home_lists_new_public_products_categories_and_regions(db, make_store, make_product):
    java = make_store(province_code="33")
    sumba = make_store(province_code="53")
    make_store(province_code="53")
    make_product(store=java, title="Keripik Lama")
    make_product(store=sumba, title="Kain Tenun Baru", category="tenun-ikat")
    make_product(store=java, title="Draf", status=ProductStatus.DRAFT)
    make_product(store=make_store(verified=False), title="Toko Belum Terverifikasi")
    content = home_content(NOW)
    assert [p.title for p in content.new_products] == ["Kain Tenun Baru", "Keripik Lama"]
    assert [(c.slug, c.products) for c in content.popular_categories] == [
        ("makanan-olahan", 1), ("batik-tenun", 1)]
    assert [(r.province_code, r.stores) for r in content.regions] == [("53", 2), ("33", 1)]


@pytest.mark.parametrize("change, field", [
    ({"position": 0}, "position"), ({"position": "1"}, "position"),
    ({"ends_at": NOW - DAY}, "ends_at"), ({"ends_at": NOW}, "ends_at"),
])
def test_featuring_checks_position_and_window(db, make_store, staff, change, field):
    store = make_store()
    values = {"position": 1, "starts_at": NOW, "ends_at": NOW + DAY, **change}
    with pytest.raises(ValidationError) as caught:
        schedule_feature(staff, store, values["position"], values["starts_at"], values["ends_at"])
    assert caught.value.field == field
    assert db.session.scalar(select(func.count()).select_from(FeaturedSlot)) == 0


def test_only_verified_stores_can_be_featured(db, make_store, staff):
    with pytest.raises(ValidationError) as caught:
        schedule_feature(staff, make_store(verified=False), 1, NOW, NOW + DAY)
    assert caught.value.field == "store"


def test_only_staff_can_feature_and_it_is_audited(db, make_store, make_user, staff):
    store = make_store()
    with pytest.raises(PermissionDenied):
        schedule_feature(make_user("buyer"), store, 1, NOW, NOW + DAY)
    assert db.session.scalar(select(func.count()).select_from(FeaturedSlot)) == 0
    slot = schedule_feature(staff, store, 3, NOW, NOW + DAY, "Pameran UMKM")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "featured.create"))
    assert event.actor_id == staff.id and event.subject_id == slot.id
    assert event.after["position"] == 3 and event.after["note"] == "Pameran UMKM"


def test_cli_sets_lists_featured_and_reindexes(app, db, make_store, make_product, staff):
    store = make_store(name="Toko Pameran")
    make_product(store=store, title="Kain Songket Emas")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["featured", "set", store.slug, "--position", "2",
                                 "--starts", "2026-11-01", "--ends", "2026-12-01T00:00",
                                 "--note", "Pameran", "--staff", staff.email])
    assert result.exit_code == 0, result.output
    listed = runner.invoke(args=["featured", "list", "--at", "2026-11-15T00:00"])
    assert "Toko Pameran".lower().replace(" ", "-") in listed.output
    refused = runner.invoke(args=["featured", "set", store.slug, "--position", "1",
                                  "--starts", "2026-12-01", "--ends", "2026-11-01",
                                  "--staff", staff.email])
    assert refused.exit_code != 0 and "setelah waktu mulai" in refused.output
    # The same rules as the staff page: no second slot for the store in an overlapping window.
    overlapping = runner.invoke(args=["featured", "set", store.slug, "--position", "3",
                                      "--starts", "2026-11-20", "--ends", "2026-12-10",
                                      "--staff", staff.email])
    assert overlapping.exit_code != 0 and "sudah ditampilkan" in overlapping.output
    reindexed = runner.invoke(args=["search", "reindex"])
    assert reindexed.exit_code == 0 and "Indexed 1 products." in reindexed.output
    from marketplace.search import SearchQuery, search

    assert [p.title for p in search(SearchQuery(text="songket")).items] == ["Kain Songket Emas"]
