"""A vendor sets up her storefront (logo, shipping) and uploads products from a CSV file,
fixing the rows the upload refused; a hostile "photo" is refused with a clear message."""

from playwright.sync_api import expect

from marketplace.services.catalog.product_import import template_csv
from tests.fixtures.catalog import photo_bytes


def test_storefront_settings_and_csv_upload(page, visitor, a11y, db, make_store, categories):
    email = make_store(name="Tenun Ibu Maria").owner.email
    db.session.rollback()
    visitor.arrive()
    visitor.become(email, "Toko saya")
    vendor_nav = page.get_by_role("navigation", name="Toko saya")
    visitor.follow(vendor_nav.get_by_role("link", name="Pengaturan toko"))
    logo_input = page.get_by_label("Logo baru (JPEG, PNG, atau WebP, maksimal 10 MB)")
    logo_input.set_input_files(files=[{"name": "logo.jpg", "mimeType": "image/jpeg",
                                       "buffer": b"<html><script>alert(1)</script></html>"}])
    page.get_by_role("button", name="Unggah Logo").click()
    expect(page.get_by_text("Berkas ini bukan foto JPEG, PNG, atau WebP.")).to_be_visible()
    a11y.check()
    logo_input.set_input_files(files=[{"name": "logo.png", "mimeType": "image/png",
                                       "buffer": photo_bytes(400, 400, fmt="PNG")}])
    page.get_by_role("button", name="Unggah Logo").click()
    expect(page.get_by_text("Foto disimpan.")).to_be_visible()
    expect(page.get_by_role("img", name="Logo saat ini")).to_be_visible()
    a11y.check()

    visitor.follow(vendor_nav.get_by_role("link", name="Pengiriman"))
    page.get_by_label("Saya antar sendiri di dalam kabupaten/kota saya").check()
    page.get_by_label("Biaya antar sendiri (Rp)").fill("8000")
    page.get_by_label("Alamat pengambilan").fill("Jl. Kenanga 5, Waingapu")
    page.get_by_label("Kirim dengan kurir").check()
    page.get_by_text("Ongkir berbeda untuk beberapa provinsi (opsional)").click()
    page.get_by_label("Ongkir kurir ke Nusa Tenggara Timur (Rp)").fill("15000")
    page.get_by_role("button", name="Simpan pilihan pengiriman").click()
    expect(page.get_by_text("Pilihan pengiriman disimpan.")).to_be_visible()
    expect(page.get_by_label("Ongkir kurir ke Nusa Tenggara Timur (Rp)")).to_have_value("15000")
    a11y.check()

    visitor.follow(vendor_nav.get_by_role("link", name="Unggah CSV"))
    bad = (b"title,category,weight_grams,sku,price,stock\n"
           b"Kain Tenun Ikat,tenun-ikat,400,TI-1,350000,2\n"
           b"=HYPERLINK(\"http://x\"),tenun-ikat,400,TI-2,abc,1\n")
    page.get_by_label("Berkas CSV").set_input_files(files=[{
        "name": "produk.csv", "mimeType": "text/csv", "buffer": bad}])
    page.get_by_role("button", name="Unggah", exact=True).click()
    errors = page.get_by_role("table")
    expect(errors).to_contain_text("rumus spreadsheet")
    expect(page.get_by_role("heading", name="Berkas punya 2 masalah; tidak ada yang diimpor."))\
        .to_be_visible()
    expect(errors).to_contain_text("bukan bilangan bulat")
    a11y.check()
    visitor.follow(page.get_by_role("link", name="Perbaiki berkas lalu unggah lagi"))
    page.get_by_label("Berkas CSV").set_input_files(files=[{
        "name": "produk.csv", "mimeType": "text/csv",
        "buffer": template_csv(example=True).encode()}])
    page.get_by_role("button", name="Unggah", exact=True).click()
    expect(page.get_by_text("Berhasil mengimpor 2 produk dengan 3 varian.")).to_be_visible()
    a11y.check()
    page.get_by_role("link", name="Lihat produk Anda").click()
    expect(page.get_by_role("link", name="Keripik Tempe Sagu", exact=True)).to_be_visible()
    a11y.check()
