"""Short journeys by links for the programme's other roles: a raw-material supplier applies,
is verified by staff and posts an offer that a vendor finds; the vendor records her group
business (KUBE); a facilitator records a training and who attended it."""

import re
from datetime import date, timedelta

from playwright.sync_api import expect


def test_supplier_offer_found_by_a_vendor_who_runs_a_kube(page, visitor, a11y, db, make_user,
                                                          make_store):
    supplier = make_user(name="Pak Darto")
    tini = make_user(name="Bu Tini")
    staff = make_user("staff")
    store = make_store(name="Tempe Bu Sri", province_code="33")
    emails = {"supplier": supplier.email, "tini": tini.email, "staff": staff.email,
              "vendor": store.owner.email}
    owner = store.owner.name
    db.session.rollback()  # no open transaction may hold SQLite's lock while the server writes

    visitor.arrive()
    visitor.become(emails["supplier"], "Profil")
    visitor.follow(page.get_by_role("link", name="Pemasok bahan baku"))
    page.get_by_label("Nama usaha").fill("Kedelai Pak Darto")
    page.get_by_label("Provinsi").select_option("33")
    page.get_by_label("Nomor WhatsApp").fill("0813 2222 3333")
    page.get_by_role("button", name="Daftar sebagai pemasok").click()
    expect(page.get_by_text("Menunggu pemeriksaan petugas")).to_be_visible()
    a11y.check()

    visitor.become(emails["staff"], "Staf")
    staff_menu = page.get_by_role("navigation", name="Area staf")
    visitor.follow(staff_menu.get_by_role("link", name="Bahan baku"))
    page.get_by_role("button", name="Verifikasi Kedelai Pak Darto").click()
    expect(page.get_by_role("button", name="Verifikasi Kedelai Pak Darto")).to_have_count(0)
    a11y.check()

    visitor.become(emails["supplier"], "Profil")
    visitor.follow(page.get_by_role("link", name="Pemasok bahan baku"))
    page.get_by_label("Bahan", exact=True).fill("Kedelai")
    page.get_by_label("Harga per satuan (Rp)").fill("12000")
    page.get_by_label("Provinsi yang dilayani").select_option("33")
    page.get_by_role("button", name="Pasang penawaran").click()
    expect(page.get_by_text("Kedelai · Rp12.000")).to_be_visible()
    a11y.check()

    visitor.become(emails["vendor"], "Toko saya")
    vendor_nav = page.get_by_role("navigation", name="Toko saya")
    visitor.follow(vendor_nav.get_by_role("link", name="Bahan baku"))
    page.get_by_label("Bahan", exact=True).fill("Kedelai")
    page.get_by_label("Jumlah").fill("50")
    page.get_by_label("Dibutuhkan paling lambat").fill(
        (date.today() + timedelta(days=30)).isoformat())
    visitor.follow(page.get_by_role("button", name="Pasang kebutuhan saya"))
    expect(page.get_by_role("link", name="Hubungi Kedelai Pak Darto lewat WhatsApp"))\
        .to_have_attribute("href", re.compile(r"^https://wa\.me/6281322223333\?text="))
    visitor.follow(vendor_nav.get_by_role("link", name="Kelompok (KUBE)"))
    page.get_by_label("Email atau nomor HP anggota").fill(emails["tini"])
    page.get_by_label("Bagian pendapatan (%)").fill("40")
    visitor.follow(page.get_by_role("button", name="Simpan anggota"))
    expect(page.get_by_role("row", name="Bu Tini")).to_contain_text("40.00%")
    expect(page.get_by_role("row", name=owner)).to_contain_text("60.00%")  # the rest is hers


def test_facilitator_records_a_training_and_who_attended(page, visitor, a11y, db,
                                                        registered_by_phone):
    facilitator, _sari = registered_by_phone("0812-3456-7001")
    email = facilitator.email
    db.session.rollback()

    visitor.arrive()
    visitor.become(email, "Pendamping")
    workspace = page.get_by_role("navigation", name="Ruang kerja pendamping")
    visitor.follow(workspace.get_by_role("link", name="Pelatihan"))
    page.get_by_label("Topik").fill("Foto produk dengan ponsel")
    page.get_by_label("Tanggal").fill("2026-11-20")
    page.get_by_label("Tempat (jika tidak daring)").fill("Balai Desa Kradenan")
    page.get_by_label("Pelatih").fill("Dinas Koperasi Kota Pekalongan")
    page.get_by_label("Provinsi").select_option("33")
    page.get_by_role("button", name="Simpan pelatihan").click()
    expect(page.get_by_role("heading", name="Foto produk dengan ponsel")).to_be_visible()
    a11y.check()
    page.get_by_label("Email atau nomor HP peserta").fill("0812-3456-7001")
    page.get_by_role("button", name="Catat kehadiran").click()
    expect(page.get_by_text("Ibu Sari")).to_be_visible()
    a11y.check()
    workspace.get_by_role("link", name="Angka wilayah saya").click()
    expect(page.locator("h1")).to_be_visible()
    a11y.check()
