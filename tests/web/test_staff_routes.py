"""The staff area through the browser's eyes: the role matrix over every /staff/ route, each
staff action leaving exactly one audit row, and bad input answered clearly."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from marketplace.clock import to_jakarta, utcnow
from marketplace.models import (
    AuditEvent,
    FeaturedSlot,
    IncomeThreshold,
    Product,
    Store,
    StoreStatus,
    User,
)
from marketplace.services.reviews import moderation

ADMIN_ONLY = {"staff.accounts", "staff.set_account_active", "staff.service_tokens",
              "staff.revoke_service_token"}


def staff_rules(app):
    return [r for r in app.url_map.iter_rules() if r.rule.startswith("/staff/")]


def url_for_rule(rule, ident: int = 999_999) -> str:
    values = {}
    for name, converter in rule._converters.items():
        items = getattr(converter, "items", None)
        values[name] = sorted(items)[0] if items else ident
    return rule.build(values, append_unknown=False)[1]


def calls(app):
    for rule in staff_rules(app):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method, url_for_rule(rule)


def audit_count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent))


def test_the_walk_covers_the_staff_area(app):
    endpoints = {r.endpoint for r in staff_rules(app)}
    assert {"staff.index", "staff.stores", "staff.store", "staff.decide_store",
            "staff.featured_vendors", "staff.moderation_queue", "staff.audit",
            "staff.accounts", "staff.programme_dashboard", "staff.export_data"} <= endpoints


def test_anonymous_visitors_are_sent_to_log_in(app, client):
    for _rule, method, url in calls(app):
        response = client.open(url, method=method)
        assert response.status_code == 302, (method, url)
        assert "/login" in response.headers["Location"], (method, url)


@pytest.mark.parametrize("role", ["buyer", "vendor"])
def test_buyers_and_vendors_get_403_everywhere_and_nothing_changes(app, client, db, login,
                                                                   make_user, make_store,
                                                                   role):
    pending = make_store(verified=False)
    user = make_user("buyer")
    if role == "vendor":
        make_store(owner=user)
    login(user)
    before = audit_count(db)
    for _rule, method, url in calls(app):
        url = url.replace("999999", str(pending.id))
        assert client.open(url, method=method, data={"reason": "x", "note": "x"}
                           ).status_code == 403, (method, url)
    db.session.expire_all()
    assert db.session.get(Store, pending.id).status == StoreStatus.PENDING
    assert audit_count(db) == before


def test_staff_may_open_every_route_except_the_admin_ones(app, client, db, login, staff):
    login(staff)
    for rule, method, url in calls(app):
        status = client.open(url, method=method).status_code
        if rule.endpoint in ADMIN_ONLY:
            assert status == 403, (method, url)
        else:
            assert status not in (401, 403) and status < 500, (method, url, status)
            if method == "GET" and not rule.arguments:
                assert status in (200, 302), (url, status)


def test_admins_open_the_account_pages(client, db, login, admin, staff, buyer):
    login(admin)
    page = client.get("/staff/accounts")
    assert page.status_code == 200 and staff.email in page.get_data(as_text=True)
    assert buyer.email not in page.get_data(as_text=True)
    # Another role's id in the URL: not a staff account, and nothing changes.
    assert client.post(f"/staff/accounts/{buyer.id}/disable").status_code == 404
    db.session.expire_all()
    assert db.session.get(User, buyer.id).active


def test_each_staff_action_leaves_exactly_one_audit_row(client, db, login, staff, admin,
                                                        make_store, make_product, make_user):
    pending, verified, suspended = make_store(verified=False), make_store(), make_store()
    product = make_product(store=verified, pirt_number="206337401012324",
                           pirt_expires_on=date.today() + timedelta(days=200))
    reporter = make_user()
    moderation.report(reporter, "store", verified.id, "Penjual tidak pernah membalas")
    db.session.commit()
    now = to_jakarta(utcnow())
    start, end = now + timedelta(days=1), now + timedelta(days=8)
    login(staff)
    actions = [
        ("post", f"/staff/stores/{pending.id}/verify", {"note": "Kode peserta cocok"}),
        ("post", f"/staff/stores/{suspended.id}/suspend", {"reason": "Produk palsu"}),
        ("post", f"/staff/stores/{suspended.id}/reinstate", {}),
        ("post", f"/staff/products/{product.id}/permits/pirt", {}),
        ("post", "/staff/featured", {"store_id": verified.id, "position": 1,
                                     "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
                                     "ends_at": end.strftime("%Y-%m-%dT%H:%M"), "note": ""}),
        ("post", f"/staff/moderation/product/{product.id}/hide", {"reason": "Foto menyesatkan"}),
        ("post", f"/staff/moderation/product/{product.id}/unhide", {}),
        ("post", f"/staff/moderation/store/{verified.id}/dismiss", {}),
        ("post", "/staff/programme/thresholds", {
            "kind": "ump", "province_code": "33", "regency": "", "amount": "2100000",
            "effective_from": "2026-01-01", "effective_to": ""}),
        ("post", "/staff/programme/refresh", {}),
        ("post", "/staff/exports", {"kind": "stores", "fmt": "csv", "province_code": ""}),
    ]
    for method, url, data in actions:
        before = audit_count(db)
        response = getattr(client, method)(url, data=data)
        assert response.status_code in (200, 302), (url, response.get_data(as_text=True)[:300])
        assert audit_count(db) == before + 1, url
    slot = db.session.scalar(select(FeaturedSlot))
    threshold = db.session.scalar(select(IncomeThreshold))
    for url in (f"/staff/featured/{slot.id}/end",
                f"/staff/programme/thresholds/{threshold.id}/delete"):
        before = audit_count(db)
        assert client.post(url).status_code == 302
        assert audit_count(db) == before + 1, url

    client.post("/logout")
    login(admin)
    for url, data in [("/staff/accounts", {"name": "Staf Baru", "email": "baru@kemensos.go.id",
                                           "password": "Rahasia2026x", "role": "staff"})]:
        before = audit_count(db)
        assert client.post(url, data=data).status_code == 302
        assert audit_count(db) == before + 1
    new = db.session.scalar(select(User).where(User.email == "baru@kemensos.go.id"))
    for verb in ("disable", "enable"):
        before = audit_count(db)
        assert client.post(f"/staff/accounts/{new.id}/{verb}").status_code == 302
        assert audit_count(db) == before + 1
    actions_recorded = set(db.session.scalars(select(AuditEvent.action)))
    assert {"store.verify", "store.suspend", "store.reinstate", "permit.verify_pirt",
            "featured.create", "product.hide", "product.unhide", "reports.dismiss",
            "threshold.create", "programme.refresh", "export.stores", "featured.cancel",
            "threshold.delete", "user.create", "user.disable", "user.enable"} <= actions_recorded
    ip = db.session.scalar(select(AuditEvent.ip).where(AuditEvent.action == "store.verify"))
    assert ip == "127.0.0.1"


def test_bad_input_is_refused_clearly_and_writes_nothing(client, db, login, staff, make_store):
    rejected = make_store(verified=False)
    verified = make_store()
    login(staff)
    client.post(f"/staff/stores/{rejected.id}/reject", data={"reason": "Data tidak lengkap"})
    before = audit_count(db)
    response = client.post(f"/staff/stores/{rejected.id}/verify", data={"note": ""})
    assert response.status_code == 409  # approving an already rejected store
    response = client.post(f"/staff/stores/{verified.id}/suspend", data={"reason": ""})
    assert response.status_code == 422
    now = to_jakarta(utcnow())
    inverted = {"store_id": verified.id, "position": 1,
                "starts_at": (now + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"),
                "ends_at": (now + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")}
    response = client.post("/staff/featured", data=inverted)
    assert response.status_code == 422
    assert "Waktu selesai harus setelah waktu mulai." in response.get_data(as_text=True) or \
        "harus setelah" in response.get_data(as_text=True)
    response = client.post("/staff/programme/thresholds", data={
        "kind": "ump", "province_code": "33", "amount": "-100",
        "effective_from": "2026-01-01"})
    assert response.status_code == 422 and "bilangan bulat positif" in response.get_data(
        as_text=True)
    response = client.post("/staff/exports", data={"kind": "sales", "fmt": "csv",
                                                   "start": "2015-01", "end": "2026-01"})
    assert response.status_code == 422 and "paling banyak 60 bulan" in response.get_data(
        as_text=True)
    response = client.post("/staff/exports", data={"kind": "stores", "fmt": "csv",
                                                   "include_personal": "y"})
    assert response.status_code == 403
    assert client.get("/staff/programme?months=99").status_code == 422
    assert client.get("/staff/stores?status=nope").status_code == 404
    db.session.expire_all()
    assert audit_count(db) == before
    assert db.session.scalar(select(func.count()).select_from(FeaturedSlot)) == 0
    assert db.session.get(Store, verified.id).status == StoreStatus.VERIFIED


def test_pages_show_what_staff_need(client, db, login, staff, make_store, make_product,
                                    make_user):
    pending = make_store(verified=False, name="Keripik Bu Tini", participant_code="PKH-3374-001")
    product = make_product(store=make_store(), title="Rengginang Ketan")
    moderation.report(make_user(), "product", product.id, "Isi tidak sesuai foto")
    moderation.report(make_user(), "product", product.id, "Barang tidak datang")
    db.session.commit()
    login(staff)
    queue = client.get("/staff/stores").get_data(as_text=True)
    assert "Keripik Bu Tini" in queue and "PKH-3374-001" in queue
    detail = client.get(f"/staff/stores/{pending.id}").get_data(as_text=True)
    assert "Setujui toko" in detail and "Tolak toko" in detail
    reports = client.get("/staff/moderation").get_data(as_text=True)
    assert "Rengginang Ketan" in reports and ">2<" in reports
    page = client.get(f"/staff/moderation/product/{product.id}").get_data(as_text=True)
    assert "Isi tidak sesuai foto" in page and "Barang tidak datang" in page
    audit = client.get("/staff/audit?action=store.").get_data(as_text=True)
    assert "store.verify" in audit
    assert "store.verify" not in client.get("/staff/audit?action=export").get_data(as_text=True)
    preview_at = (to_jakarta(utcnow()) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    preview = client.get(f"/staff/featured/preview?at={preview_at}")
    assert preview.status_code == 200 and "Pratinjau beranda" in preview.get_data(as_text=True)
    featured = client.get("/staff/featured?q=rengginang").get_data(as_text=True)
    assert "Rengginang" not in featured  # a product title, not a store name
    store_name = product.store.name
    featured = client.get(f"/staff/featured?q={store_name[-3:]}").get_data(as_text=True)
    assert f">{store_name}</option>" in featured and "Keripik Bu Tini" not in featured
    dashboard = client.get("/staff/programme")
    assert dashboard.status_code == 200 and "Dasbor program" in dashboard.get_data(as_text=True)


def test_exports_download_as_files(client, db, login, admin, make_store):
    make_store(bank_account_number="5550001112")
    login(admin)
    plain = client.post("/staff/exports", data={"kind": "stores", "fmt": "csv"})
    assert plain.headers["Content-Disposition"].startswith("attachment;")
    assert plain.mimetype == "text/csv" and "5550001112" not in plain.get_data(as_text=True)
    full = client.post("/staff/exports", data={"kind": "stores", "fmt": "json",
                                               "include_personal": "y"})
    assert full.mimetype == "application/json"
    assert "5550001112" in full.get_data(as_text=True)


def test_buyers_report_from_the_public_site(client, db, login, buyer, make_product):
    product = make_product(title="Dodol Garut")
    url = f"/report/product/{product.id}"
    assert client.get(url).status_code == 302  # log in first
    login(buyer)
    page = client.get(url)
    assert page.status_code == 200 and "Dodol Garut" in page.get_data(as_text=True)
    assert client.post(url, data={"reason": ""}).status_code == 422
    assert client.post(url, data={"reason": "Produk kedaluwarsa dijual"}).status_code == 302
    assert client.post(url, data={"reason": "Lagi"}).status_code == 422
    assert client.get("/report/product/999999").status_code == 404
    hidden = db.session.get(Product, product.id)
    hidden.hidden = True
    db.session.commit()
    assert client.get(url).status_code == 404

