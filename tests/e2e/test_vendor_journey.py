"""A PKH graduate opens a store on her phone, is verified, lists a product with variants (named
by her own option, one SKU left for the site to make, saved by pressing Enter) and a photo,
edits its stock from the list by the variant's name, sets one courier fee for every province
with an exception, and finds the product on her public store page."""

import re

from playwright.sync_api import expect
from sqlalchemy import select

from marketplace.models import Store
from tests.fixtures.catalog import photo_bytes


def test_open_store_verify_list_product_and_see_it_public(page, visitor, a11y, app,
                                                          make_user, categories, db):
    seller = make_user("buyer", name="Sri Wahyuni")
    staff = make_user("staff")

    email = seller.email
    db.session.rollback()
    visitor.arrive()
    visitor.log_in(email)
    expect(page.get_by_role("link", name="Buka toko")).to_be_visible()  # no store yet

    page.get_by_role("link", name="Buka toko").click()
    expect(page.get_by_role("heading", name="Buka toko Anda")).to_be_visible()
    a11y.check()
    page.get_by_label("Nama toko").fill("Keripik Bu Sri")
    page.get_by_label("Cerita Anda").fill("Lulus PKH 2025, sekarang membuat keripik tempe.")
    page.get_by_label("Provinsi").select_option("33")
    page.get_by_label("Kabupaten atau kota").fill("Kabupaten Pekalongan")
    page.get_by_label("Nomor WhatsApp").fill("0812 3456 7890")
    page.get_by_label("Bank untuk pencairan dana").select_option("BRI")
    page.get_by_label("Nomor rekening").fill("0123456789")
    page.get_by_label("Nama pemilik rekening").fill("Sri Wahyuni")
    page.get_by_role("button", name="Buka toko saya").click()
    expect(page.get_by_text("Menunggu verifikasi")).to_be_visible()
    expect(page.get_by_role("link", name="Toko saya")).to_be_visible()
    a11y.check()

    db.session.rollback()  # see what the live server committed
    slug = db.session.scalar(select(Store.slug).where(Store.owner_id == seller.id))
    result = app.test_cli_runner().invoke(args=["stores", "verify", slug, "--staff",
                                                staff.email, "--note", "Data lengkap"])
    assert result.exit_code == 0, result.output

    visitor.follow(page.get_by_role("link", name="Tambah produk").first)
    page.get_by_label("Nama produk").fill("Keripik Tempe Sagu")
    page.get_by_label("Deskripsi").fill("Renyah.\nTanpa pengawet.")
    page.get_by_label("Kategori").select_option(str(categories["keripik-camilan"].id))
    page.get_by_label("Status").select_option("active")
    page.get_by_label("Berat dalam gram").fill("250")
    page.get_by_label("Jenis pilihan pertama (opsional)").fill("Ukuran")
    # Without JavaScript the variant boxes learn the option's name from the server.
    page.get_by_role("button", name="Tampilkan pilihan ini di varian").click()
    expect(page.get_by_text("Belum ada yang disimpan")).to_be_visible()
    a11y.check()
    first = page.get_by_role("group", name="Varian 1", exact=True)
    first.get_by_label("Ukuran").fill("100 g")
    first.get_by_label("Harga (Rp)").fill("12000")
    first.get_by_label("Stok").fill("10")
    first.get_by_label("SKU (opsional)").fill("KT-100")
    second = page.get_by_role("group", name="Varian 2", exact=True)
    second.get_by_label("Ukuran").fill("250 g")
    second.get_by_label("Harga (Rp)").fill("25000")
    second.get_by_label("Stok").fill("4")
    page.get_by_label("Nomor P-IRT (pangan)").fill("206337401012324")
    # Enter in a text field saves the product (not the "show options" button above it).
    page.get_by_label("Nama produk").press("Enter")
    expect(page.get_by_role("heading", name="Foto Keripik Tempe Sagu")).to_be_visible()
    a11y.check()

    page.get_by_label("Foto (JPEG, PNG, atau WebP, maksimal 10 MB)").set_input_files(files=[{
        "name": "keripik.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes(1600, 1200)}])
    page.get_by_label("Keterangan foto").fill("Keripik tempe dalam kemasan 250 g")
    page.get_by_role("button", name="Tambah foto").click()
    expect(page.get_by_text("Foto ditambahkan.")).to_be_visible()
    expect(page.get_by_role("img", name="Keripik tempe dalam kemasan 250 g")).to_be_visible()
    a11y.check()

    vendor_nav = page.get_by_role("navigation", name="Toko saya")
    visitor.follow(vendor_nav.get_by_role("link", name="Produk", exact=True))
    expect(page.get_by_text("(SKU KTS-250G)")).to_be_visible()  # made up: she left it empty
    page.get_by_label("Stok 250 g").fill("9")
    page.get_by_role("button", name="Simpan 250 g").click()
    expect(page.get_by_text("Keripik Tempe Sagu (250 g): harga dan stok disimpan.")).to_be_visible()
    expect(page.get_by_text("stok 19")).to_be_visible()
    a11y.check()

    visitor.follow(vendor_nav.get_by_role("link", name="Pengiriman"))
    expect(page.get_by_label("Saya antar sendiri di dalam kabupaten/kota saya")).to_be_checked()
    page.get_by_label("Kirim dengan kurir").check()
    page.get_by_label("Ongkir kurir ke semua provinsi (Rp)").fill("20000")
    page.get_by_text("Ongkir berbeda untuk beberapa provinsi (opsional)").click()
    page.get_by_label("Ongkir kurir ke Papua (Rp)", exact=True).fill("60000")
    page.get_by_role("button", name="Simpan pilihan pengiriman").click()
    expect(page.get_by_text("Pilihan pengiriman disimpan.")).to_be_visible()
    expect(page.get_by_label("Ongkir kurir ke semua provinsi (Rp)")).to_have_value("20000")
    expect(page.get_by_label("Ongkir kurir ke Papua (Rp)", exact=True)).to_have_value("60000")
    expect(page.get_by_label("Ongkir kurir ke Bali (Rp)", exact=True)).to_have_value("")
    a11y.check()

    visitor.follow(vendor_nav.get_by_role("link", name="Tugas", exact=True))
    visitor.follow(page.get_by_role("link", name="Lihat halaman toko publik Anda"))
    expect(page.get_by_role("heading", name="Keripik Bu Sri")).to_be_visible()
    expect(page.get_by_text("Keripik Tempe Sagu").first).to_be_visible()
    expect(page.locator("img[src*='/media/']").first).to_have_attribute(
        "srcset", re.compile(r"320w"))
