"""A buyer searches, filters, opens a product and its store, and switches to English."""

from playwright.sync_api import expect


def test_search_filter_product_store_and_language(page, visitor, a11y, search_corpus):
    visitor.arrive()
    expect(page.get_by_role("heading", name="Produk terbaru")).to_be_visible()

    page.get_by_label("Cari produk").fill("kripik")  # a typo still finds the chips
    visitor.follow(page.get_by_role("button", name="Cari"))
    expect(page.get_by_text("Tidak ada yang persis sama")).to_be_visible()
    expect(page.get_by_role("link", name="Keripik Pisang Manis")).to_be_visible()

    page.get_by_text("Filter dan urutkan").click()
    page.get_by_label("Hanya yang ada stok").check()
    page.get_by_label("Urutkan").select_option(label="Harga: termahal")
    visitor.follow(page.get_by_role("button", name="Terapkan filter"))
    expect(page.get_by_role("link", name="Keripik Pisang Manis")).to_have_count(0)  # sold out
    expect(page.get_by_role("link", name="Keripik Singkong Balado")).to_be_visible()

    visitor.follow(page.get_by_role("link", name="Keripik Singkong Balado"))
    expect(page.get_by_role("heading", name="Keripik Singkong Balado", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="Chat lewat WhatsApp")).to_have_attribute(
        "href", "https://wa.me/6281234567890?text=" + page.get_by_role(
            "link", name="Chat lewat WhatsApp").get_attribute("href").split("?text=")[1])
    expect(page.get_by_role("link", name="Bagikan ke WhatsApp")).to_be_visible()

    visitor.follow(page.get_by_role("link", name="Dapur Bu Sri"))
    expect(page.get_by_role("heading", name="Dapur Bu Sri", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="Sambal Bawang Khas Jawa")).to_be_visible()

    visitor.follow(page.get_by_role("navigation", name="Bahasa").get_by_role("link", name="EN"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("link", name="Chat on WhatsApp")).to_be_visible()
