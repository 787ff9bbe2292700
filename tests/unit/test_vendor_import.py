"""CSV bulk upload: all-or-nothing, every bad row reported, hostile input handled."""

import time

import pytest
from sqlalchemy import func, select

from marketplace.errors import PermissionDenied, ValidationError
from marketplace.models import Product, ProductStatus, Variant
from marketplace.services.catalog.product_import import (
    COLUMNS,
    ImportErrors,
    import_products,
    template_csv,
)

HEADER = "handle,title,category,weight_grams,sku,price,stock,option1_name,option1_value"


def _count(model) -> int:
    return products_db().session.scalar(select(func.count(model.id)))


def products_db():
    from marketplace.extensions import db

    return db


def _csv(*lines: str, header: str = HEADER) -> bytes:
    return ("\n".join((header, *lines)) + "\n").encode()


@pytest.fixture
def store(make_store, categories):
    return make_store()


def test_example_file_imports_with_variants_and_food_permits(db, store):
    result = import_products(store.owner, store, template_csv(example=True).encode())
    db.session.commit()
    assert (result.products, result.variants) == (2, 3)
    tempe = db.session.scalar(select(Product).where(Product.title == "Keripik Tempe Sagu"))
    assert tempe.status == ProductStatus.ACTIVE and tempe.option1_name == "Rasa"
    assert [(v.option1, v.price) for v in tempe.variants] == [("Original", 15000),
                                                              ("Pedas", 16000)]
    assert (tempe.price_min, tempe.price_max, tempe.stock_total) == (15000, 16000, 65)
    assert tempe.pirt_number == "206337401012324" and tempe.nib == "9120001234567"
    assert "\n" in tempe.description
    bag = db.session.scalar(select(Product).where(Product.title == "Tas Anyaman Pandan"))
    assert bag.status == ProductStatus.DRAFT


def test_template_has_every_column(db):
    assert template_csv().strip() == ",".join(COLUMNS)


def test_any_bad_row_writes_nothing_and_every_problem_is_listed(db, store):
    data = _csv(
        ",Keripik Bayam,keripik-camilan,200,KB-1,12000,10,,",
        ",Keripik Pisang,kategori-aneh,200,KP-1,12000,10,,",
        ",Sambal Roa,sambal-bumbu,abc,SR-1,25.5,-3,,",
        ",Dodol,kue-roti,300,KB-1,15000,5,,",
        ",,kue-roti,300,X-9,15000,5,,",
    )
    with pytest.raises(ImportErrors) as caught:
        import_products(store.owner, store, data)
    found = {(row.line, row.column) for row in caught.value.rows}
    assert {(3, "category"), (4, "weight_grams"), (4, "price"), (4, "stock"), (5, "sku"),
            (6, "title")} <= found
    duplicate = next(r for r in caught.value.rows if r.line == 5)
    assert "KB-1" in duplicate.message and "2" in duplicate.message
    assert _count(Product) == 0 and _count(Variant) == 0


def test_sku_already_in_the_store_is_refused(db, store, make_product):
    make_product(store=store, variants=[{"sku": "ADA-1", "price": 5000, "stock": 1}])
    with pytest.raises(ImportErrors) as caught:
        import_products(store.owner, store, _csv(",Baru,kue-roti,100,ada-1,5000,1,,"))
    assert caught.value.rows[0].column == "sku"
    assert _count(Product) == 1


@pytest.mark.parametrize("cell", ["=cmd|' /C calc'!A0", "+SUM(A1)", "@HYPERLINK(x)",
                                  "-2+3", "\tTab"])
def test_formula_injection_is_refused(db, store, cell):
    with pytest.raises(ImportErrors) as caught:
        import_products(store.owner, store, _csv(f',"{cell}",kue-roti,100,F-1,5000,1,,'))
    assert "formula" in caught.value.rows[0].message or "rumus" in caught.value.rows[0].message
    assert _count(Product) == 0


def test_wrong_encoding_is_refused_with_a_hint(db, store):
    data = _csv(",Kopi Gayo Spécial,minuman,250,KG-1,50000,3,,").decode().encode("cp1252")
    with pytest.raises(ValidationError) as caught:
        import_products(store.owner, store, data)
    assert "UTF-8" in str(caught.value.message)
    assert _count(Product) == 0


def test_utf16_and_semicolons_from_indonesian_excel_are_read(db, store):
    text = "title;category;weight_grams;sku;price;stock\nKopi Gayo;minuman;250;KG-1;Rp50.000;3\n"
    result = import_products(store.owner, store, text.encode("utf-16"))
    assert result.products == 1
    assert db.session.scalar(select(Variant.price)) == 50000


def test_missing_columns_are_named(db, store):
    with pytest.raises(ValidationError) as caught:
        import_products(store.owner, store, b"title,price\nA,1000\n")
    message = str(caught.value.message)
    assert "sku" in message and "stock" in message and "category" in message


def test_empty_and_binary_files_are_refused(db, store):
    for data in (b"", b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe\x00"):
        with pytest.raises(ValidationError):
            import_products(store.owner, store, data)
    assert _count(Product) == 0


def test_only_the_owner_can_import(db, store, make_user):
    with pytest.raises(PermissionDenied):
        import_products(make_user(), store, template_csv(example=True).encode())
    assert _count(Product) == 0


def five_thousand_rows() -> bytes:
    lines = [f",Keripik Nomor {n},keripik-camilan,{100 + n % 400},BULK-{n:05d},"
             f"{1000 + n * 10},{n % 50},," for n in range(5000)]
    return _csv(*lines)


def test_five_thousand_rows_import_time(db, store, capsys):
    """Prints the time to import 5,000 rows (run with -s, or `make bench-vendor`)."""
    data = five_thousand_rows()
    started = time.perf_counter()
    result = import_products(store.owner, store, data)
    db.session.commit()
    elapsed = time.perf_counter() - started
    assert result.products == 5000 and _count(Variant) == 5000
    with capsys.disabled():
        print(f"\nCSV import: 5,000 rows in {elapsed:.2f} s")
