"""`flask stores verify|import-products|delete-unreferenced-images`."""

from sqlalchemy import func, select

from marketplace.models import AuditEvent, OutboxMessage, Product, StoreStatus
from marketplace.services.catalog.product_import import template_csv


def test_verify_needs_a_staff_account_and_is_audited(app, db, make_store, make_user):
    store, staff, buyer = make_store(verified=False), make_user("staff"), make_user("buyer")
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["stores", "verify", store.slug, "--staff", buyer.email])
    assert refused.exit_code != 0 and "not a staff account" in refused.output
    db.session.refresh(store)
    assert store.status == StoreStatus.PENDING
    missing = runner.invoke(args=["stores", "verify", "tidak-ada", "--staff", staff.email])
    assert missing.exit_code != 0
    result = runner.invoke(args=["stores", "verify", store.slug, "--staff", staff.email,
                                 "--note", "Dokumen lengkap"])
    assert result.exit_code == 0, result.output
    db.session.refresh(store)
    assert store.status == StoreStatus.VERIFIED and store.verified_at is not None
    assert db.session.scalar(select(func.count(AuditEvent.id))) >= 1
    # The same action as the staff page: the owner hears about it.
    mail = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.to == store.owner.email)).all()
    assert [m.subject for m in mail] == ["Toko Anda sudah diverifikasi"]
    again = runner.invoke(args=["stores", "verify", store.slug, "--staff", staff.email])
    assert again.exit_code != 0


def test_import_products_command_prints_its_time(app, db, make_store, categories, tmp_path):
    store = make_store()
    path = tmp_path / "produk.csv"
    path.write_text(template_csv(example=True), encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["stores", "import-products", store.slug,
                                                str(path)])
    assert result.exit_code == 0, result.output
    assert "Imported 2 products (3 variants)" in result.output and " s." in result.output
    assert db.session.scalar(select(func.count(Product.id))) == 2
    bad = tmp_path / "bad.csv"
    bad.write_text("title,category,weight_grams,sku,price,stock\nA,x,1,S,1,1\n")
    failed = app.test_cli_runner().invoke(args=["stores", "import-products", store.slug,
                                                str(bad)])
    assert failed.exit_code != 0 and "line 2" in failed.output


def test_delete_unreferenced_images_command(app, db):
    result = app.test_cli_runner().invoke(args=["stores", "delete-unreferenced-images"])
    assert result.exit_code == 0 and "Deleted 0 unused images" in result.output
