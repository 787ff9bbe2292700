"""Buyers in a browser: a guest's two-store cart kept at login and paid by card (localstripe);
another pays by bank transfer which staff confirm, and one more chooses cash on delivery."""

import pytest
from playwright.sync_api import expect

from marketplace.database import set_write_intent
from tests.fixtures.orders import ADDRESS


@pytest.fixture
def live_stripe(live_app, localstripe_server):
    localstripe_server.reset()
    live_app.config.update(STRIPE_SECRET_KEY="sk_test_pasar",
                           STRIPE_API_BASE=localstripe_server.base)
    yield
    live_app.config.update(STRIPE_SECRET_KEY=None, STRIPE_API_BASE=None)


def _add(visitor, title, quantity):
    """From any page: the brand link home, the product among the newest, into the cart."""
    page = visitor.page
    visitor.follow(page.get_by_role("link", name="Pasar Mandiri", exact=True))
    visitor.follow(page.get_by_role("link", name=title).first)
    page.get_by_label("Jumlah").fill(str(quantity))
    page.get_by_role("button", name="Masukkan keranjang").click()
    expect(page.get_by_text("Ditambahkan ke keranjang.")).to_be_visible()
    visitor.a11y.check()


def _fill_address(page):
    page.get_by_label("Nama penerima").fill(ADDRESS["recipient"])
    page.get_by_label("Telepon (WhatsApp)").fill(ADDRESS["phone"])
    page.get_by_label("Provinsi").select_option(ADDRESS["province_code"])
    page.get_by_label("Kabupaten / kota").fill(ADDRESS["regency"])
    page.get_by_label("Kecamatan").fill(ADDRESS["district"])
    page.get_by_label("Jalan, nomor rumah, RT/RW").fill(ADDRESS["street"])
    page.get_by_label("Kode pos").fill(ADDRESS["postal_code"])


def test_guest_cart_two_stores_login_and_card_payment(page, visitor, a11y, db, live_stripe,
                                                      make_user, make_store, make_product):
    make_product(store=make_store(name="Batik Bu Ani"), title="Kain Batik Tulis",
                 price=150_000, stock=3)
    make_product(store=make_store(name="Keripik Pak Budi"), title="Keripik Pisang",
                 price=20_000, stock=10)
    buyer = make_user(name="Rina Pembeli")
    email = buyer.email
    db.session.rollback()
    set_write_intent(False)  # our reads must not hold SQLite's write lock

    visitor.arrive()
    _add(visitor, "Kain Batik Tulis", 1)
    _add(visitor, "Keripik Pisang", 2)
    expect(page.get_by_role("heading", name="Batik Bu Ani")).to_be_visible()
    visitor.become(email, "Keranjang")
    expect(page.get_by_label("Jumlah Kain Batik Tulis")).to_have_value("1")
    expect(page.get_by_label("Jumlah Keripik Pisang")).to_have_value("2")
    visitor.follow(page.get_by_role("link", name="Checkout"))
    _fill_address(page)
    visitor.follow(page.get_by_role("button", name="Perbarui pilihan pengiriman"))
    page.get_by_label("Kartu (Visa, Mastercard)").check()
    expect(page.get_by_text("Rp190.000")).to_be_visible()  # 150.000 + 2 x 20.000, pickup
    visitor.follow(page.get_by_role("button", name="Buat pesanan"))
    expect(page.get_by_role("heading", name="Bayar dengan kartu")).to_be_visible()
    page.get_by_label("Kartu uji yang ditolak").check()
    page.get_by_role("button", name="Bayar Rp190.000").click()
    expect(page.get_by_text("Kartu ditolak").first).to_be_visible()
    a11y.check()
    page.get_by_label("Kartu uji Visa yang berhasil").check()
    visitor.follow(page.get_by_role("button", name="Bayar Rp190.000"))
    expect(page.locator("#payment-status")).to_have_text("Sudah dibayar")
    expect(page.get_by_text("Pesanan Baru")).to_have_count(2)
    visitor.follow(page.get_by_role("link", name="Pesanan saya").last)
    expect(page.get_by_role("cell", name="Sudah dibayar")).to_have_count(2)


def test_bank_transfer_confirmed_by_staff_and_cod(page, visitor, a11y, db, make_user,
                                                  make_product, tmp_path):
    from tests.fixtures.catalog import photo_bytes

    make_product(title="Tenun Ikat Sumba", price=300_000, stock=2)
    buyer, staff = make_user(), make_user("staff")
    emails = (buyer.email, staff.email)
    proof = tmp_path / "bukti.jpg"
    proof.write_bytes(photo_bytes())
    db.session.rollback()
    set_write_intent(False)

    visitor.arrive()
    visitor.log_in(emails[0])
    _add(visitor, "Tenun Ikat Sumba", 1)
    visitor.follow(page.get_by_role("link", name="Checkout"))
    _fill_address(page)
    page.get_by_label("Transfer bank").check()
    visitor.follow(page.get_by_role("button", name="Buat pesanan"))
    expect(page.get_by_role("heading", name="Bayar dengan transfer bank")).to_be_visible()
    reference = page.locator("dd strong").last.inner_text()
    page.get_by_label("Foto bukti transfer").set_input_files(str(proof))
    page.get_by_role("button", name="Unggah bukti transfer").click()
    expect(page.get_by_text("Petugas akan segera memeriksa")).to_be_visible()
    a11y.check()

    visitor.become(emails[1], "Staf")
    staff_menu = page.get_by_role("navigation", name="Area staf")
    visitor.follow(staff_menu.get_by_role("link", name="Transfer bank"))
    page.get_by_role("button", name=f"Konfirmasi transfer {reference}").click()
    expect(page.get_by_text("Transfer dikonfirmasi.")).to_be_visible()
    a11y.check()

    visitor.become(emails[0], "Pesanan saya")
    expect(page.get_by_role("cell", name="Sudah dibayar")).to_have_count(1)
    # the same buyer orders the last one, cash on delivery
    _add(visitor, "Tenun Ikat Sumba", 1)
    visitor.follow(page.get_by_role("link", name="Checkout"))
    expect(page.get_by_label("Kode pos")).to_have_value(ADDRESS["postal_code"])  # saved
    page.get_by_label("Bayar di tempat (COD)").check()
    visitor.follow(page.get_by_role("button", name="Buat pesanan"))
    expect(page.get_by_text("Bayar tunai saat Anda menerima pesanan")).to_be_visible()
    expect(page.get_by_text("Pesanan Baru")).to_be_visible()
