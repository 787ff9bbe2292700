"""Huge numbers, far-off dates and NUL bytes get a 4xx with a message, never a 500."""

import io

import pytest
from flask import url_for

from marketplace.validation import db_int
from tests.fixtures.catalog import photo_bytes

TOO_BIG = ["2147483648", "9223372036854775808", "9" * 5000]


@pytest.mark.parametrize("number", TOO_BIG)
def test_huge_ids_in_the_path_are_404(client, make_product, number):
    product = make_product()
    assert client.get(f"/p/{product.id}", follow_redirects=True).status_code == 200
    for path in (f"/p/{number}", f"/p/{number}-keripik", f"/api/v1/products/{number}",
                 f"/report/product/{number}"):
        assert client.get(path).status_code == 404, path


def test_id_routes_still_build_urls(app, make_product):
    product = make_product()
    with app.test_request_context():
        assert url_for("vendor.edit_product", product_id=product.id) == \
            f"/vendor/products/{product.id}"


@pytest.mark.parametrize("number", TOO_BIG)
def test_huge_numbers_in_query_and_form_values_are_400(client, login, make_product, staff,
                                                       number):
    product = make_product()
    login(product.store.owner)
    for path in ("/vendor/products", "/vendor/orders", "/vendor/ledger", "/vendor/reviews"):
        response = client.get(path, query_string={"page": number})
        assert response.status_code == 400, path
        assert "tidak dapat dipahami" in response.get_data(as_text=True)
    assert client.get("/vendor/products", query_string={"page": "2"}).status_code == 200
    assert client.post("/cart/add", data={"variant_id": number, "quantity": 1}).status_code < 500
    assert client.post("/cart/add", data={"variant_id": product.variants[0].id,
                                          "quantity": number}).status_code < 500
    login(staff)
    assert client.get("/staff/payouts", query_string={"threshold": number}).status_code == 400
    assert client.get("/staff/audit", query_string={"page": number}).status_code == 400
    audit = client.get("/staff/audit", query_string={"subject_id": number})
    assert audit.status_code == 200
    assert client.post("/staff/featured/preview", data={"store_id": number}).status_code < 500
    assert client.post("/staff/featured", data={"store_id": number, "position": number,
                                                "starts_at": "2026-12-01"}).status_code < 500


def test_db_int_accepts_only_plain_digits_that_fit_an_integer_column():
    assert db_int("2147483647") == 2**31 - 1
    assert db_int("42") == 42
    for text in ("2147483648", "-1", "１２", "٣", "1e3", "", " 1", "9" * 5000):
        assert db_int(text) is None, text


@pytest.mark.parametrize("month", ["0001-01", "9999-12", "0000-00", "2026-13"])
def test_far_off_statement_months_are_404(client, login, make_store, month):
    login(make_store().owner)
    assert client.get(f"/vendor/statements/{month}").status_code == 404


def test_far_off_dates_in_forms_and_codes_are_refused_not_500(client, login, make_store, staff):
    store = make_store()
    login(store.owner)
    code = f"PMS-{store.id}-000101-AAAA-BBBB-CCCC-DDDD"
    assert client.get("/vendor/statements/verify", query_string={"code": code}).status_code == 404
    huge = "PMS-99999999999999999999-202601-AAAA-BBBB-CCCC-DDDD"
    assert client.get("/vendor/statements/verify", query_string={"code": huge}).status_code == 404
    login(staff)
    for field in ("since", "until"):
        page = client.get("/staff/audit", query_string={field: "0001-01-01"})
        assert page.status_code == 200
        assert "antara tahun 1970 dan 2999" in page.get_data(as_text=True)
    response = client.post("/staff/programme/thresholds", data={
        "kind": "ump", "province_code": "33", "amount": "2000000",
        "effective_from": "0001-01-01"})
    assert response.status_code < 500


@pytest.mark.parametrize("path", ["/p/1%00", "/s/toko%00", "/search?q=a%00b",
                                  "/c/%00", "/?lang=%00"])
def test_nul_in_path_or_query_is_400(client, path):
    response = client.get(path)
    assert response.status_code == 400
    assert "karakter yang tidak diizinkan" in response.get_data(as_text=True)


def test_nul_in_a_login_email_is_400(client, buyer):
    response = client.post("/login", data={"email": buyer.email + "\x00", "password": "x"})
    assert response.status_code == 400
    response = client.post("/register", data={"name": "A\x00", "email": "a@contoh.id",
                                               "password": "Rahasia2026x",
                                               "confirm": "Rahasia2026x"})
    assert response.status_code == 400


def test_a_long_receipt_screenshot_uploads_as_a_product_photo(client, login, make_product):
    """100 x 20000 px: more than WebP's 16383 px side, scaled to fit instead of a 500."""
    product = make_product()
    login(product.store.owner)
    response = client.post(f"/vendor/products/{product.id}/images", data={
        "image": (io.BytesIO(photo_bytes(100, 20000, fmt="PNG")), "struk.png"), "alt": "Struk"})
    assert response.status_code == 302
    assert "Struk" in client.get(f"/vendor/products/{product.id}/images").get_data(as_text=True)


def test_a_form_part_without_a_name_is_not_a_server_error(client, buyer):
    body = (b"--b\r\nContent-Disposition: form-data\r\n\r\nisi\r\n"
            b"--b\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\n"
            + buyer.email.encode() + b"\r\n--b--\r\n")
    response = client.post("/login", data=body,
                           content_type="multipart/form-data; boundary=b")
    assert response.status_code == 401  # the login form answers: no password, no entry
    assert "Kata sandi" in response.get_data(as_text=True)
