"""A facilitator registers an entrepreneur by phone, opens her store with her consent, adds a
product with a photo; she sets her own password, sees what was done for her, withdraws consent,
and the facilitator can no longer act for her store."""

import re

from playwright.sync_api import expect

from tests.e2e.conftest import A11y
from tests.fixtures.catalog import photo_bytes


def test_assisted_onboarding_acting_and_withdrawn_consent(page, browser, visitor, a11y,
                                                          make_facilitator, categories, db):
    facilitator = make_facilitator("33")

    # The facilitator registers Ibu Sari with her phone number only, with her consent.
    visitor.arrive()
    visitor.log_in(facilitator.email)
    page.get_by_role("link", name="Pendamping", exact=True).click()
    expect(page.get_by_role("heading", name="Dampingan saya")).to_be_visible()
    a11y.check()
    visitor.follow(page.get_by_role("link", name="Daftarkan pelaku usaha"))
    page.get_by_label("Nama lengkapnya").fill("Ibu Sari")
    page.get_by_label("Nomor HP-nya").fill("0812-3456-7788")
    page.get_by_label(re.compile("Ia setuju saya membantu")).check()
    page.get_by_role("button", name="Daftar", exact=True).click()
    expect(page.get_by_text("Ibu Sari sudah terdaftar.")).to_be_visible()
    a11y.check()

    # ...opens her store (without any bank account: that is hers to give)...
    visitor.follow(page.get_by_role("link", name="Bukakan toko untuk Ibu Sari"))
    expect(page.get_by_label("Nomor rekening")).to_have_count(0)
    page.get_by_label("Nama toko").fill("Keripik Bu Sari")
    page.get_by_label("Provinsi").select_option("33")
    page.get_by_label("Kabupaten atau kota").fill("Kota Pekalongan")
    page.get_by_label("Nomor WhatsApp").fill("0812 3456 7788")
    page.get_by_role("button", name="Buka toko").click()
    expect(page.get_by_text("Toko sudah didaftarkan")).to_be_visible()
    a11y.check()

    # ...and adds a product with a photo, working on her store.
    page.get_by_role("button", name="Kelola Keripik Bu Sari").click()
    expect(page.get_by_text("Anda sedang mengelola toko ini")).to_be_visible()
    a11y.check()
    visitor.follow(page.get_by_role("link", name="Tambah produk").first)
    page.get_by_label("Nama produk").fill("Keripik Tempe Bu Sari")
    page.get_by_label("Kategori").select_option(str(categories["keripik-camilan"].id))
    page.get_by_label("Status").select_option("active")
    page.get_by_label("Berat dalam gram").fill("250")
    first = page.get_by_role("group", name="Varian 1", exact=True)
    first.get_by_label("SKU").fill("SARI-1")
    first.get_by_label("Harga (Rp)").fill("15000")
    first.get_by_label("Stok").fill("12")
    visitor.follow(page.get_by_role("button", name="Simpan produk"))
    page.get_by_label(re.compile("^Foto")).set_input_files(files=[{
        "name": "keripik.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes(800, 600)}])
    page.get_by_label("Keterangan foto").fill("Keripik tempe dalam kemasan")
    page.get_by_role("button", name="Tambah foto").click()
    expect(page.get_by_text("Foto ditambahkan.")).to_be_visible()
    a11y.check()

    # A one-time code for her password, printable and as a WhatsApp link.
    visitor.follow(page.get_by_role("button", name="Kembali ke dampingan saya"))
    page.get_by_role("button", name="Kode untuk Ibu Sari membuat kata sandi").click()
    whatsapp = page.get_by_role("link", name="Kirim kode ke Ibu Sari lewat WhatsApp")
    expect(whatsapp).to_have_attribute("href", re.compile(r"^https://wa\.me/6281234567788\?text="))
    a11y.check()
    code = page.locator("p.code strong").inner_text()
    link = re.search(r"(http://\S+/activate\S+),", page.get_by_text("Ia membuka").inner_text())[1]
    visitor.menu("Pendamping")
    page.get_by_role("button", name="Kelola Keripik Bu Sari").click()  # keeps working on it
    a11y.check()

    # She opens the link on her own phone and sets her own password.
    her_phone = browser.new_context(viewport={"width": 390, "height": 800}, locale="id-ID")
    her = her_phone.new_page()
    her_a11y = A11y(her)
    her.goto(link)  # the one-time link the facilitator handed over
    her_a11y.check()
    expect(her.get_by_label("Kode dari pendamping Anda")).to_have_value(code)
    her.get_by_label("Kata sandi baru", exact=True).fill("KeripikSari2026")
    her.get_by_label("Ulangi kata sandi baru").fill("KeripikSari2026")
    her.get_by_role("button", name="Simpan kata sandi saya").click()

    # She sees what was done for her, naming her facilitator and her store.
    expect(her.get_by_role("heading", name="Aktivitas")).to_be_visible()
    expect(her.get_by_text(f"Oleh pendamping {facilitator.name} untuk toko Keripik Bu Sari:")
           .first).to_be_visible()
    expect(her.get_by_text("menambah produk: Keripik Tempe Bu Sari")).to_be_visible()
    expect(her.get_by_text("menambah foto").first).to_be_visible()
    her_a11y.check()

    # She withdraws consent from her account.
    her.get_by_role("link", name="Profil").click()
    her_a11y.check()
    her.get_by_role("link", name=re.compile("Pendamping saya")).click()
    her_a11y.check()
    her.get_by_role("button", name="Cabut izin").click()
    expect(her.get_by_text("Pendamping Anda tidak lagi dapat mengelola toko Anda.")).to_be_visible()
    her_a11y.check()
    assert not her_a11y.unchecked()
    her_phone.close()

    # The facilitator, still on her store, can no longer act.
    page.get_by_role("navigation", name="Toko saya").get_by_role("link", name="Produk",
                                                                 exact=True).click()
    expect(page.get_by_role("heading", name="Akses ditolak")).to_be_visible()
    a11y.check()
    page.get_by_role("link", name="Pendamping", exact=True).click()
    expect(page.get_by_text("Tidak ada izin mengelola tokonya")).to_be_visible()
    expect(page.get_by_role("button", name="Kelola Keripik Bu Sari")).to_have_count(0)
    a11y.check()
