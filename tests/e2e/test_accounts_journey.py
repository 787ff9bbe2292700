"""A new buyer registers, logs out, logs in and switches language, on a phone-sized screen."""

from playwright.sync_api import expect


def test_register_logout_login_and_switch_language(page, visitor, a11y):
    visitor.arrive()
    visitor.follow(page.get_by_role("link", name="Daftar"))
    page.get_by_label("Nama lengkap").fill("Sri Wahyuni")
    page.get_by_label("Email").fill("sri@contoh.id")
    page.get_by_label("Nomor telepon (tidak wajib)").fill("081234567890")
    page.get_by_label("Kata sandi", exact=True).fill("Batik2026tulis")
    page.get_by_label("Ulangi kata sandi").fill("Batik2026tulis")
    page.get_by_role("button", name="Buat akun").click()
    expect(page.get_by_text("Selamat datang di Pasar Mandiri, Sri Wahyuni!")).to_be_visible()
    a11y.check()

    visitor.follow(page.get_by_role("link", name="Keluar"))
    page.get_by_role("button", name="Keluar sekarang").click()
    expect(page.get_by_text("Anda sudah keluar.")).to_be_visible()
    a11y.check()

    visitor.follow(page.get_by_role("link", name="Masuk"))
    page.get_by_label("Email").fill("sri@contoh.id")
    page.get_by_label("Kata sandi").fill("salah-sekali-1")
    page.get_by_role("button", name="Masuk").click()
    expect(page.get_by_text("Email atau kata sandi salah.")).to_be_visible()
    a11y.check()
    page.get_by_label("Kata sandi").fill("Batik2026tulis")
    page.get_by_role("button", name="Masuk").click()
    expect(page.get_by_role("link", name="Profil")).to_be_visible()
    a11y.check()

    page.get_by_role("navigation", name="Bahasa").get_by_role("link", name="EN").click()
    expect(page.get_by_role("link", name="Profile")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    a11y.check()
    page.get_by_role("link", name="Profile").click()
    expect(page.get_by_role("combobox", name="Preferred language")).to_have_value("en")
    a11y.check()
