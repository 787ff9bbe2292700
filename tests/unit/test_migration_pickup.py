"""Migration 0014: stores opened when pickup was on by default, with no address, stop offering
pickup; one that offered nothing else delivers in its regency; its shipping page then saves
unchanged."""

from flask_migrate import upgrade
from sqlalchemy import select

from marketplace import create_app
from marketplace.extensions import db
from marketplace.models import CourierRate, Store
from marketplace.services.stores.storefront import update_shipping
from tests.conftest import settings_for_tests
from tests.fixtures.stores import new_store


def _old_store(**shipping) -> int:
    """A store as it was left before pickup needed an address (rows written as they were)."""
    store = new_store(verified=False)
    for name, value in {"self_delivery_enabled": False, "courier_enabled": False,
                        **shipping}.items():
        setattr(store, name, value)
    db.session.commit()
    return store.id


def test_pickup_without_address_is_switched_off(new_database_url, media_dir):
    url = new_database_url("pasar_migration_0014")
    app = create_app(settings_for_tests(url, media_dir))
    with app.app_context():
        upgrade(revision="0013")
        only_pickup = _old_store(pickup_enabled=True, pickup_address=None)
        blank = _old_store(pickup_enabled=True, pickup_address="")
        with_courier = _old_store(pickup_enabled=True, pickup_address=None, courier_enabled=True)
        db.session.add(CourierRate(store_id=with_courier, province_code="33", fee=15000))
        with_address = _old_store(pickup_enabled=True, pickup_address="Jl. Kauman 7")
        delivers = _old_store(pickup_enabled=False, pickup_address=None,
                              self_delivery_enabled=True, self_delivery_fee=5000)
        db.session.commit()
        db.session.remove()

        upgrade()

        shipping = {row.id: (row.pickup_enabled, row.self_delivery_enabled, row.courier_enabled)
                    for row in db.session.execute(select(
                        Store.id, Store.pickup_enabled, Store.self_delivery_enabled,
                        Store.courier_enabled))}
        assert shipping[only_pickup] == (False, True, False)  # delivers in her regency now
        assert shipping[blank] == (False, True, False)
        assert shipping[with_courier] == (False, False, True)
        assert shipping[with_address] == (True, False, False)  # untouched
        assert shipping[delivers] == (False, True, False)

        # Her shipping page, saved as it now stands, is accepted.
        store = db.session.get(Store, only_pickup)
        update_shipping(store.owner, store, self_delivery_enabled=store.self_delivery_enabled,
                        self_delivery_fee=store.self_delivery_fee,
                        pickup_enabled=store.pickup_enabled, pickup_address=store.pickup_address,
                        courier_enabled=store.courier_enabled, courier_rates={})
        db.session.remove()
        db.engine.dispose()

