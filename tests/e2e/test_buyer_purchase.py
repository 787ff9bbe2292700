"""A buyer's purchase, by links: she searches, buys from two stores in one checkout (cash on
delivery), tracks an order, confirms she received it, reviews it and reads the reviews on the
product page."""

from playwright.sync_api import expect
from sqlalchemy import select

from marketplace.models import Order
from marketplace.services.orders import fulfilment
from tests.fixtures.orders import ADDRESS


def _buy(visitor, words, title, quantity):
    page = visitor.page
    page.get_by_label("Cari produk").fill(words)
    visitor.follow(page.get_by_role("button", name="Cari", exact=True))
    visitor.follow(page.get_by_role("link", name=title))
    page.get_by_label("Jumlah").fill(str(quantity))
    page.get_by_role("button", name="Masukkan keranjang").click()
    expect(page.get_by_text("Ditambahkan ke keranjang.")).to_be_visible()
    visitor.a11y.check()


def _open_order(visitor, page, a11y, store_name):
    visitor.menu("Pesanan saya")
    visitor.follow(page.get_by_role("row", name=store_name).get_by_role("link"))


def test_search_two_stores_checkout_track_confirm_review(page, visitor, a11y, db, make_user,
                                                         make_store, make_product):
    keripik = make_product(store=make_store(name="Keripik Bu Sri"), title="Keripik Tempe Sagu",
                           price=20_000, stock=10)
    make_product(store=make_store(name="Batik Bu Ani"), title="Kain Batik Tulis Lasem",
                 price=150_000, stock=3)
    buyer = make_user(name="Rina Pembeli")
    email, seller = buyer.email, keripik.store.owner
    db.session.rollback()  # no open transaction may hold SQLite's lock while the server writes

    visitor.arrive()
    visitor.log_in(email)
    _buy(visitor, "keripik tempe", "Keripik Tempe Sagu", 2)
    _buy(visitor, "batik tulis", "Kain Batik Tulis Lasem", 1)
    expect(page.get_by_role("heading", name="Keripik Bu Sri")).to_be_visible()
    expect(page.get_by_role("heading", name="Batik Bu Ani")).to_be_visible()
    visitor.follow(page.get_by_role("link", name="Checkout"))
    page.get_by_label("Nama penerima").fill(ADDRESS["recipient"])
    page.get_by_label("Telepon (WhatsApp)").fill(ADDRESS["phone"])
    page.get_by_label("Provinsi").select_option(ADDRESS["province_code"])
    page.get_by_label("Kabupaten / kota").fill(ADDRESS["regency"])
    page.get_by_label("Kecamatan").fill(ADDRESS["district"])
    page.get_by_label("Jalan, nomor rumah, RT/RW").fill(ADDRESS["street"])
    page.get_by_label("Kode pos").fill(ADDRESS["postal_code"])
    page.get_by_label("Bayar di tempat (COD)").check()
    expect(page.get_by_text("Rp190.000")).to_be_visible()  # 2 x 20.000 + 150.000, pickup
    visitor.follow(page.get_by_role("button", name="Buat pesanan"))
    expect(page.get_by_text("Bayar tunai saat Anda menerima pesanan")).to_be_visible()

    # She tracks the chips: two orders, one per store, nothing to pay online for COD.
    _open_order(visitor, page, a11y, "Keripik Bu Sri")
    expect(page.get_by_text("Pesanan Baru").first).to_be_visible()
    expect(page.get_by_text("Bayar di tempat").first).to_be_visible()
    expect(page.get_by_text("Menunggu Pembayaran")).to_have_count(0)

    # The seller accepts and hands the chips over (her own journey is test_vendor_day).
    order = db.session.scalar(select(Order).where(Order.store_id == keripik.store_id))
    fulfilment.accept_order(seller, order)
    fulfilment.hand_over(seller, order)
    db.session.commit()
    db.session.rollback()

    _open_order(visitor, page, a11y, "Keripik Bu Sri")
    page.get_by_role("button", name="Pesanan sudah saya terima").click()
    expect(page.get_by_text("Pesanan selesai.")).to_be_visible()
    a11y.check()
    visitor.follow(page.get_by_role("link", name="Tulis ulasan untuk Keripik Tempe Sagu"))
    page.get_by_label("5 dari 5 bintang").check()
    page.get_by_label("Ulasan Anda (tidak wajib)").fill("Renyah dan gurih, kemasan rapi.")
    visitor.follow(page.get_by_role("button", name="Kirim ulasan"))

    visitor.follow(page.get_by_role("link", name="Keripik Tempe Sagu", exact=True))
    expect(page.get_by_role("link", name="Nilai 5,0 dari 5 oleh 1 pembeli")).to_be_visible()
    reviews = page.get_by_role("region", name="Ulasan")
    expect(reviews).to_contain_text("Renyah dan gurih, kemasan rapi.")
    expect(reviews.get_by_role("heading", name="Rina Pembeli")).to_be_visible()
