"""Ministry staff import the PKH graduate roster and subscribe a ministry system to events; a
store owner enters her NIK and staff see her store as a verified PKH graduate."""

from playwright.sync_api import expect

from tests.web.test_roster import GOOD, NIK_WOMAN


def test_roster_nik_match_and_event_subscription(page, visitor, a11y, db, make_user,
                                                 make_store, tmp_path):
    staff = make_user("staff", name="Staf Kemensos")
    owner = make_user("buyer", name="Siti Aminah")
    store = make_store(owner=owner, name="Keripik Bu Siti")
    roster_file = tmp_path / "lulusan.csv"
    roster_file.write_bytes(GOOD)
    emails = {"staff": staff.email, "owner": owner.email}
    store_name = store.name
    db.session.rollback()  # no open transaction may hold SQLite's lock while the server writes

    visitor.arrive()
    visitor.become(emails["staff"], "Staf")
    visitor.follow(page.get_by_role("link", name="Daftar lulusan PKH"))
    page.get_by_label("Berkas daftar (CSV atau JSON)").set_input_files(str(roster_file))
    page.get_by_role("button", name="Impor daftar").click()
    expect(page.get_by_text("Daftar diimpor: 2 baris, 2 baru")).to_be_visible()
    a11y.check()

    visitor.follow(page.get_by_role("link", name="Peristiwa untuk sistem kementerian"))
    page.get_by_label("Sistem penerima").fill("SIKS-NG Kemensos")
    page.get_by_label("Alamat (URL) tujuan pengiriman peristiwa").fill(
        "https://siks.kemensos.go.id/pasar")
    page.get_by_label("Rahasia penandatanganan (16 karakter atau lebih)").fill(
        "rahasia-kemensos-0123456789")
    page.get_by_label("Toko ditangguhkan (store.suspended)").check()
    page.get_by_role("button", name="Simpan langganan").click()
    expect(page.get_by_text("Langganan disimpan.")).to_be_visible()
    a11y.check()

    visitor.become(emails["owner"], "Toko saya")
    visitor.follow(page.get_by_role("navigation", name="Toko saya").get_by_role(
        "link", name="Pengaturan toko"))
    page.get_by_label("NIK kepala keluarga (16 angka)").fill(NIK_WOMAN)
    page.get_by_role("button", name="Periksa NIK saya").click()
    expect(page.get_by_text("Keluarga Anda ada dalam daftar lulusan PKH")).to_be_visible()
    a11y.check()

    visitor.become(emails["staff"], "Staf")
    staff_menu = page.get_by_role("navigation", name="Area staf")
    visitor.follow(staff_menu.get_by_role("link", name="Verifikasi", exact=True))
    visitor.follow(page.get_by_role("link", name="Terverifikasi"))
    page.get_by_role("link", name=store_name).click()
    expect(page.get_by_text("Lulusan PKH terverifikasi")).to_be_visible()
    a11y.check()
