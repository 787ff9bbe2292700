"""Staff's week, by links from the staff menu: verify a new store and feature it on the home
page, hide a reported review, confirm a bank transfer, pay a store out, and read the programme
dashboard; and every page of the staff menu passes the accessibility check."""

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from marketplace.models import OrderStatus, PaymentMethod
from marketplace.services.reviews import moderation
from marketplace.services.reviews.ratings import create_review


def test_staff_week(page, visitor, a11y, db, make_user, make_store, make_product, make_order,
                    order_in):
    staff = make_user("staff", name="Staf Kemensos")
    make_store(verified=False, name="Batik Bu Ratna", participant_code="PKH-3375-0042")
    tenun = make_product(store=make_store(name="Tenun Ibu Maria", province_code="53"),
                         title="Kain Tenun Ikat Sumba", price=300_000, stock=5)
    received = order_in(OrderStatus.COMPLETED, items=[(tenun, 1)])
    review = create_review(received.buyer, received.lines[0], 1,
                           "Penjualnya penipu, hubungi 0812xxxx")
    moderation.report(make_user(), "review", review.id, "Menuduh tanpa bukti dan ada nomor HP")
    transfer = make_order(items=[(tenun, 1)], method=PaymentMethod.BANK_TRANSFER).reference
    email = staff.email
    db.session.commit()
    db.session.rollback()  # no open transaction may hold SQLite's lock while the server writes

    visitor.arrive()
    visitor.become(email, "Staf")
    staff_menu = page.get_by_role("navigation", name="Area staf")

    # Monday: a new store is verified, then featured from now for a month (dates filled in).
    page.get_by_role("link", name="Batik Bu Ratna").click()
    expect(page.get_by_text("PKH-3375-0042")).to_be_visible()
    a11y.check()
    page.get_by_label("Catatan (tidak wajib)").fill("Kode peserta cocok dengan data PKH")
    page.get_by_role("button", name="Setujui toko").click()
    expect(page.get_by_text("Toko sudah diverifikasi")).to_be_visible()
    a11y.check()
    visitor.follow(staff_menu.get_by_role("link", name="Penjual pilihan"))
    page.get_by_label("Toko", exact=True).select_option(label="Batik Bu Ratna")
    page.get_by_label("Catatan (tidak wajib)").fill("Juara pameran batik")
    page.get_by_role("button", name="Jadwalkan").click()
    expect(page.get_by_text("Toko dijadwalkan tampil di beranda.")).to_be_visible()
    a11y.check()
    page.get_by_role("link", name="Pasar Mandiri", exact=True).click()
    featured = page.get_by_role("region", name="Penjual pilihan")
    expect(featured.get_by_role("link", name="Batik Bu Ratna")).to_be_visible()
    a11y.check()

    # Tuesday: the most reported review is hidden.
    visitor.menu("Staf")
    page.get_by_role("link", name="Ulasan untuk Kain Tenun Ikat Sumba").click()
    expect(page.get_by_text("Menuduh tanpa bukti dan ada nomor HP")).to_be_visible()
    a11y.check()
    page.get_by_label("Alasan (dilihat oleh penjual)").fill("Berisi tuduhan dan nomor telepon")
    page.get_by_role("button", name="Sembunyikan").click()
    expect(page.get_by_text("Disembunyikan dari pembeli.")).to_be_visible()
    a11y.check()

    # Wednesday: a bank transfer came in; Friday: the store is paid out.
    visitor.follow(staff_menu.get_by_role("link", name="Transfer bank"))
    page.get_by_role("button", name=f"Konfirmasi transfer {transfer}").click()
    expect(page.get_by_text("Transfer dikonfirmasi.")).to_be_visible()
    a11y.check()
    visitor.follow(staff_menu.get_by_role("link", name="Pencairan"))
    visitor.follow(page.get_by_role("button", name="Siapkan daftar untuk bank (CSV)"))
    with page.expect_download() as got:
        page.get_by_role("link", name="Unduh daftar untuk bank (CSV)").click()
    assert "Tenun Ibu Maria" in got.value.path().read_text(encoding="utf-8-sig")
    visitor.follow(staff_menu.get_by_role("link", name="Pencairan"))
    card = page.locator("article", has_text="Tenun Ibu Maria")
    card.get_by_label("Nomor referensi transfer bank").fill("BRI-20261127-0001")
    card.get_by_role("button", name=re.compile("Tandai Tenun Ibu Maria")).click()
    expect(page.get_by_text("Pencairan ke Tenun Ibu Maria dicatat.")).to_be_visible()
    expect(page.locator("article", has_text="Tenun Ibu Maria")).to_have_count(0)
    a11y.check()

    # And the week's figures for the ministry.
    visitor.follow(staff_menu.get_by_role("link", name="Dasbor program"))
    page.get_by_role("button", name="Perbarui angka sekarang").click()
    expect(page.get_by_text("Angka sudah diperbarui.")).to_be_visible()
    a11y.check()
    by_province = page.get_by_role("table").filter(has_text="Nusa Tenggara Timur")
    expect(by_province.get_by_role("row", name=re.compile("Nusa Tenggara Timur"))).to_contain_text(
        "Rp600.000")


@pytest.mark.timeout(300)  # some twenty pages, each with an axe run
def test_every_page_of_the_staff_menu_passes_the_accessibility_check(
        page, visitor, a11y, db, make_user, make_store, make_product):
    admin = make_user("admin")
    make_store(verified=False, name="Tenun Ikat Sumba Ibu Maria")
    make_product(store=make_store(), pirt_number="206337401012324",
                 pirt_expires_on=date.today() + timedelta(days=20))
    email = admin.email
    db.session.rollback()

    visitor.arrive()
    visitor.become(email, "Staf")
    staff_menu = page.get_by_role("navigation", name="Area staf")
    names = staff_menu.get_by_role("link").all_inner_texts()
    assert len(names) == len(set(names)), names  # one menu, no entry twice
    for name in names:
        staff_menu.get_by_role("link", name=name, exact=True).click()
        expect(page.locator("h1").first).to_be_visible()
        a11y.check()
    visitor.follow(staff_menu.get_by_role("link", name="Verifikasi", exact=True))
    visitor.follow(page.get_by_role("link", name="Tenun Ikat Sumba Ibu Maria"))
    visitor.follow(staff_menu.get_by_role("link", name="Penjual pilihan", exact=True))
    page.get_by_role("button", name="Pratinjau").click()
    expect(page.locator("h1").first).to_be_visible()
    a11y.check()
    visitor.follow(staff_menu.get_by_role("link", name="Dasbor program", exact=True))
    page.get_by_role("link", name=re.compile("^Garis pendapatan")).click()
    expect(page.locator("h1").first).to_be_visible()
    a11y.check()
