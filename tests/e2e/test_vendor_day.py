"""A vendor's day, by links from her to-do page: she accepts and ships a new order, looks at
her balance and sales, answers a buyer's review and sees the reply on her product's page."""

from playwright.sync_api import expect

from marketplace.models import OrderStatus, PaymentMethod, ShippingMethod
from marketplace.services.payouts.ledger import balance
from marketplace.services.reviews.ratings import create_review
from tests.fixtures.orders import settle_payment


def test_vendor_day_from_the_to_do_page(page, visitor, a11y, db, make_user, shipping_store,
                                        make_product, make_order, order_in):
    store = shipping_store(name="Keripik Bu Sri")
    product = make_product(store=store, title="Keripik Tempe Sagu", price=45_000, stock=20)
    earlier = order_in(OrderStatus.COMPLETED, items=[(product, 1)])
    create_review(earlier.buyer, earlier.lines[0], 4, "Enak, tapi kemasannya penyok.")
    checkout = make_order(buyer=make_user(name="Rina Pembeli"), items=[(product, 2)],
                          method=PaymentMethod.BANK_TRANSFER, shipping=ShippingMethod.COURIER)
    settle_payment(checkout)
    reference = checkout.orders[0].reference
    today = earlier.total + checkout.orders[0].total  # both placed today
    rupiah = f"Rp{balance(store):,}".replace(",", ".")
    seller = store.owner.email
    db.session.commit()
    db.session.rollback()  # no open transaction may hold SQLite's lock while the server writes

    visitor.arrive()
    visitor.become(seller, "Toko saya")
    expect(page.get_by_role("heading", name="Keripik Bu Sri", level=1)).to_be_visible()
    todo = page.locator("ul.todo").first
    visitor.follow(todo.get_by_role("link", name=reference))
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
    a11y.check()

    menu = page.get_by_role("navigation", name="Toko saya")
    visitor.follow(menu.get_by_role("link", name="Tugas", exact=True))
    expect(page.get_by_role("link", name=reference)).to_have_count(0)  # nothing left to do...
    expect(page.get_by_role("link", name="Menunggu konfirmasi diterima dari pembeli: 1"))\
        .to_be_visible()  # ...but wait for the buyer
    visitor.follow(page.get_by_role("link", name=f"Saldo: {rupiah}"))
    expect(page.locator(".balance")).to_contain_text(rupiah)
    expect(page.get_by_text(reference)).to_be_visible()
    visitor.follow(menu.get_by_role("link", name="Penjualan", exact=True))
    expect(page.get_by_role("img", name="Pendapatan per hari")).to_be_visible()
    page.get_by_text("Tampilkan angka dalam tabel").click()
    expect(page.get_by_role("cell", name=f"Rp{today:,}".replace(",", ".")).first).to_be_visible()

    visitor.follow(menu.get_by_role("link", name="Tugas", exact=True))
    visitor.follow(page.get_by_role("link", name="Ulasan belum dibalas: 1"))
    expect(page.get_by_text("Enak, tapi kemasannya penyok.")).to_be_visible()
    page.get_by_label("Balasan Anda").fill("Maaf, Kak. Mulai minggu ini kami pakai kardus.")
    visitor.follow(page.get_by_role("button", name="Kirim balasan"))
    expect(page.get_by_text("Mulai minggu ini kami pakai kardus.")).to_be_visible()

    # Her public page shows the reply under the review, as buyers see it.
    visitor.follow(menu.get_by_role("link", name="Tugas", exact=True))
    visitor.follow(page.get_by_role("link", name="Lihat halaman toko publik Anda"))
    visitor.follow(page.get_by_role("link", name="Keripik Tempe Sagu").first)
    reviews = page.get_by_role("region", name="Ulasan")
    expect(reviews).to_contain_text("Enak, tapi kemasannya penyok.")
    expect(reviews).to_contain_text("Mulai minggu ini kami pakai kardus.")
