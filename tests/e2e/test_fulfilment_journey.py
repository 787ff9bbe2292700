"""The seller accepts and ships an order with a resi, the buyer confirms and reviews it, the
seller sees the sale on the dashboard chart and in the ledger, and staff pay it out."""

import re

from playwright.sync_api import expect

from marketplace.models import PaymentMethod, ShippingMethod
from tests.fixtures.accounts import PASSWORD
from tests.fixtures.orders import settle_payment


def _login(page, live_server, a11y, email):
    page.goto(live_server + "/login")
    a11y.check()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    expect(page.get_by_role("link", name="Keluar")).to_be_visible()
    a11y.check()


def _logout(page, a11y):
    page.get_by_role("link", name="Keluar").click()
    a11y.check()
    page.get_by_role("button", name="Keluar sekarang").click()
    a11y.check()


def test_ship_confirm_review_dashboard_ledger_payout(page, live_server, a11y, db, make_user,
                                                     shipping_store, make_product, make_order):
    store = shipping_store(name="Keripik Bu Sri")
    product = make_product(store=store, title="Keripik Tempe Sagu", price=45_000, stock=20)
    buyer = make_user(name="Rina Pembeli")
    checkout = make_order(buyer=buyer, items=[(product, 2)], method=PaymentMethod.BANK_TRANSFER,
                          shipping=ShippingMethod.COURIER)
    settle_payment(checkout)
    order = checkout.orders[0]
    reference, total = order.reference, order.total  # 2 x Rp45.000 + ongkir Rp15.000
    emails = {"seller": store.owner.email, "buyer": buyer.email,
              "staff": make_user("staff").email}
    # From here on the test only drives the browser: no open transaction may hold SQLite's
    # write lock while the live server writes.
    db.session.rollback()

    _login(page, live_server, a11y, emails["seller"])
    page.goto(live_server + "/vendor/orders")
    a11y.check()
    page.get_by_role("link", name=reference).click()
    a11y.check()
    page.get_by_role("button", name="Terima pesanan").click()
    expect(page.get_by_text("Pesanan diterima.")).to_be_visible()
    a11y.check()
    page.get_by_label("Kurir").select_option("JNE")
    page.get_by_label("Nomor resi").fill("<b>JNE</b>")
    page.get_by_role("button", name="Tandai sudah dikirim").click()
    expect(page.get_by_text("Masukkan nomor resi")).to_be_visible()
    a11y.check()
    page.get_by_label("Nomor resi").fill("JNE 0012 3456 78")
    page.get_by_role("button", name="Tandai sudah dikirim").click()
    expect(page.get_by_text("Pembeli sudah diberi tahu")).to_be_visible()
    expect(page.get_by_text("JNE0012345678").first).to_be_visible()
    a11y.check()
    _logout(page, a11y)

    _login(page, live_server, a11y, emails["buyer"])
    page.goto(f"{live_server}/account/orders/{reference}/confirm")
    expect(page.get_by_text("JNE0012345678", exact=True)).to_be_visible()
    a11y.check()
    page.get_by_role("button", name="Pesanan sudah saya terima").click()
    expect(page.get_by_text("Pesanan selesai.")).to_be_visible()
    a11y.check()
    page.get_by_role("link", name="Tulis ulasan untuk Keripik Tempe Sagu").click()
    a11y.check()
    page.get_by_label("5 dari 5 bintang").check()
    page.get_by_label("Ulasan Anda (tidak wajib)").fill("Renyah dan gurih, kemasan rapi.")
    page.get_by_role("button", name="Kirim ulasan").click()
    a11y.check()
    expect(page.get_by_text("5 dari 5 bintang")).to_be_attached()
    _logout(page, a11y)

    _login(page, live_server, a11y, emails["seller"])
    page.goto(live_server + "/vendor/sales?period=7")
    a11y.check()
    chart = page.get_by_role("img", name="Pendapatan per hari")
    expect(chart).to_be_visible()
    page.get_by_text("Tampilkan angka dalam tabel").click()
    rupiah = f"Rp{total:,}".replace(",", ".")
    expect(page.get_by_role("cell", name=rupiah).first).to_be_visible()
    a11y.check()
    page.get_by_role("navigation", name="Toko saya").get_by_role("link", name="Saldo").click()
    a11y.check()
    expect(page.get_by_text(reference)).to_be_visible()
    expect(page.locator(".balance")).to_contain_text(rupiah)
    _logout(page, a11y)

    _login(page, live_server, a11y, emails["staff"])
    page.goto(live_server + "/staff/payouts?threshold=1000")
    a11y.check()
    card = page.locator("article", has_text="Keripik Bu Sri")
    expect(card.get_by_label("Jumlah yang ditransfer (Rp)")).to_have_value(str(total))
    card.get_by_label("Nomor referensi transfer bank").fill("BRI-20261127-0001")
    card.get_by_role("button", name=re.compile("Tandai Keripik Bu Sri")).click()
    expect(page.get_by_text("Pencairan ke Keripik Bu Sri dicatat.")).to_be_visible()
    a11y.check()
