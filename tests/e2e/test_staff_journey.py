"""A ministry staff member verifies a new store, features it for the next week, sees it on the
home page, hides a reported review, and finds the store's sales on the programme dashboard."""

import re
from datetime import date, timedelta

from playwright.sync_api import expect

from marketplace.clock import to_jakarta, utcnow
from marketplace.models import OrderStatus
from marketplace.services import moderation
from marketplace.services.ledger import record_sale
from marketplace.services.orderflow import transition
from marketplace.services.reviews import create_review
from tests.fixtures.accounts import PASSWORD


def test_verify_feature_moderate_and_count(page, live_server, a11y, db, make_user, make_store,
                                           make_product, make_order):
    staff = make_user("staff", name="Staf Kemensos")
    store = make_store(verified=False, name="Batik Bu Ratna", participant_code="PKH-3375-0042")

    page.goto(live_server + "/login")
    a11y.check()
    page.get_by_label("Email").fill(staff.email)
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    a11y.check()
    page.get_by_role("link", name="Staf").click()
    a11y.check()
    page.get_by_role("link", name="Batik Bu Ratna").click()
    expect(page.get_by_text("PKH-3375-0042")).to_be_visible()
    a11y.check()
    page.get_by_label("Catatan (tidak wajib)").fill("Kode peserta cocok dengan data PKH")
    page.get_by_role("button", name="Setujui toko").click()
    expect(page.get_by_text("Toko sudah diverifikasi")).to_be_visible()
    a11y.check()

    # Feature it from now for a week.
    page.get_by_role("link", name="Penjual pilihan").click()
    a11y.check()
    now = to_jakarta(utcnow())
    page.get_by_label("Toko", exact=True).select_option(label="Batik Bu Ratna")
    page.get_by_label("Posisi di beranda").fill("1")
    page.get_by_label("Mulai (WIB)").fill((now - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Selesai (WIB)").fill((now + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Catatan (tidak wajib)").fill("Juara pameran batik")
    page.get_by_role("button", name="Jadwalkan").click()
    expect(page.get_by_text("Toko dijadwalkan tampil di beranda.")).to_be_visible()
    a11y.check()
    page.get_by_role("link", name="Pasar Mandiri", exact=True).click()
    featured = page.get_by_role("region", name="Penjual pilihan")
    expect(featured.get_by_role("link", name="Batik Bu Ratna")).to_be_visible()
    a11y.check()

    # A buyer bought from the store, received it, reviewed it; another buyer reported the review.
    db.session.rollback()
    product = make_product(store=store, title="Kain Batik Tulis Lasem", price=350_000)
    buyer = make_user(name="Pembeli Setia")
    order = make_order(buyer=buyer, items=[(product, 1)]).orders[0]
    for status in (OrderStatus.PROCESSING, OrderStatus.SHIPPED, OrderStatus.DELIVERED):
        transition(order, status, store.owner)
    record_sale(order)
    review = create_review(buyer, order.lines[0], 1, "Penjualnya penipu, hubungi 0812xxxx")
    moderation.report(make_user(), "review", review.id, "Menuduh tanpa bukti dan ada nomor HP")
    db.session.commit()

    page.goto(live_server + "/staff/")
    a11y.check()
    page.get_by_role("navigation", name="Area staf").get_by_role("link", name="Laporan").click()
    a11y.check()
    page.get_by_role("link", name="Ulasan untuk Kain Batik Tulis Lasem").click()
    expect(page.get_by_text("Menuduh tanpa bukti dan ada nomor HP")).to_be_visible()
    a11y.check()
    page.get_by_label("Alasan (dilihat oleh penjual)").fill("Berisi tuduhan dan nomor telepon")
    page.get_by_role("button", name="Sembunyikan").click()
    expect(page.get_by_text("Disembunyikan dari pembeli.")).to_be_visible()
    a11y.check()

    page.get_by_role("link", name="Dasbor program").click()
    a11y.check()
    page.get_by_role("button", name="Perbarui angka sekarang").click()
    expect(page.get_by_text("Angka sudah diperbarui.")).to_be_visible()
    a11y.check()
    stats = page.locator(".stats")
    expect(stats).to_contain_text("Rp350.000")
    by_province = page.get_by_role("table").filter(has_text="Jawa Tengah")
    expect(by_province.get_by_role("row", name=re.compile("Jawa Tengah"))).to_contain_text(
        "Rp350.000")


def test_every_staff_page_passes_the_accessibility_check(page, live_server, a11y, db,
                                                         make_user, make_store, make_product):
    admin = make_user("admin")
    store = make_store(verified=False, name="Tenun Ikat Sumba Ibu Maria")
    make_product(store=make_store(), pirt_number="206337401012324",
                 pirt_expires_on=date.today() + timedelta(days=20))
    page.goto(live_server + "/login")
    a11y.check()
    page.get_by_label("Email").fill(admin.email)
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    a11y.check()
    at = (to_jakarta(utcnow()) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    for path in ("/staff/", "/staff/stores", f"/staff/stores/{store.id}", "/staff/permits",
                 "/staff/featured", f"/staff/featured/preview?at={at}", "/staff/moderation",
                 "/staff/audit", "/staff/accounts", "/staff/programme",
                 "/staff/programme/thresholds", "/staff/exports"):
        page.goto(live_server + path)
        expect(page.locator("h1").first).to_be_visible()
        a11y.check()
