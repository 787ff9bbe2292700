"""Buyer catalog pages on data of their own: product and store pages, sharing, hidden
products, unknown addresses (pages over one shared catalogue: test_catalog_listings.py)."""

from datetime import date

import pytest

from marketplace.models import ProductStatus
from marketplace.services.stores.verification import suspend_store


def test_product_page_shows_variants_permits_store_and_sharing(client, make_store, make_product):
    store = make_store(name="Dapur Bu Sri", whatsapp="081234567890")
    product = make_product(
        store=store, title="Keripik Singkong Balado", option1_name="Ukuran",
        description="Pedas manis, tanpa pengawet.", pirt_number="206327301012324",
        halal_number="ID33110000123450123", halal_expires_on=date(2030, 1, 31),
        variants=[{"sku": "KS-100", "option1": "100 g", "price": 12000, "stock": 3},
                  {"sku": "KS-250", "option1": "250 g", "price": 25000, "stock": 0}],
    )
    response = client.get(f"/p/{product.id}-{product.slug}")
    page = response.get_data(as_text=True)
    assert "Rp12.000 – Rp25.000" in page
    assert "Sisa 3" in page and "Stok habis" in page
    assert "P-IRT 206327301012324" in page and "ID33110000123450123" in page
    assert "Belum ada ulasan." in page
    assert "https://wa.me/6281234567890" in page and "https://wa.me/?text=" in page
    canonical = f"http://localhost/p/{product.id}-{product.slug}"
    assert f'<link rel="canonical" href="{canonical}">' in page
    assert '<meta property="og:type" content="product">' in page
    assert '<meta property="product:price:amount" content="12000">' in page
    assert "<title>Keripik Singkong Balado – Rp12.000 · Dapur Bu Sri</title>" in page
    assert 'name="description" content="Pedas manis, tanpa pengawet."' in page


def test_product_address_variants_redirect_to_the_canonical_one(client, make_product):
    product = make_product(title="Keripik Pisang")
    for url in (f"/p/{product.id}", f"/p/{product.id}-judul-lama"):
        response = client.get(url)
        assert response.status_code == 301
        assert response.headers["Location"].endswith(f"/p/{product.id}-keripik-pisang")


def test_store_page_shows_story_region_and_only_its_products(client, make_store, make_product):
    store = make_store(name="Tenun Lestari", province_code="53", regency="Kab. Sumba Timur")
    make_product(store=store, title="Kain Tenun Ikat")
    make_product(title="Keripik Tetangga")
    page = client.get(f"/s/{store.slug}").get_data(as_text=True)
    assert "Kab. Sumba Timur, Nusa Tenggara Timur" in page
    assert "Kain Tenun Ikat" in page and "Keripik Tetangga" not in page
    assert '<meta property="og:title" content="Tenun Lestari">' in page


@pytest.fixture
def hidden_products(db, make_store, make_product, make_user, staff):
    """One product for each way of not being public; returns their titles."""
    public = make_store()
    pending = make_store(verified=False)
    suspended = make_store()
    make_product(store=public, title="Tampil Publik")
    make_product(store=public, title="Rahasia Draf", status=ProductStatus.DRAFT)
    make_product(store=public, title="Rahasia Arsip", status=ProductStatus.ARCHIVED)
    hidden = make_product(store=public, title="Rahasia Disembunyikan")
    hidden.hidden = True
    make_product(store=pending, title="Rahasia Toko Baru")
    make_product(store=suspended, title="Rahasia Toko Dibekukan")
    suspend_store(staff, suspended, "Melanggar aturan")
    db.session.commit()
    return public, pending, suspended


def test_hidden_products_never_appear(client, hidden_products, db):
    public, pending, suspended = hidden_products
    from marketplace.models import Product

    for url in ("/", "/search?q=rahasia", "/search?q=rahasi", "/search?q=rahsia", "/search",
                "/c/makanan-olahan", "/c/keripik-camilan", f"/s/{public.slug}", "/sitemap.xml"):
        page = client.get(url).get_data(as_text=True)
        assert "Rahasia" not in page, url
    assert "Tampil Publik" in client.get("/search?q=tampil").get_data(as_text=True)
    for product in db.session.query(Product).filter(Product.title.like("Rahasia%")):
        assert client.get(f"/p/{product.id}-{product.slug}").status_code == 404
    assert client.get(f"/s/{pending.slug}").status_code == 404
    assert client.get(f"/s/{suspended.slug}").status_code == 404


def test_unknown_addresses_are_404(client, db):
    for url in ("/c/tidak-ada", "/s/tidak-ada", "/p/999999-apa", "/p/abc", "/p/-1-x"):
        assert client.get(url).status_code == 404, url


def test_product_page_form_adds_the_chosen_variant_to_the_cart(client, make_product):
    product = make_product(title="Kain Tenun Ikat", option1_name="Warna", variants=[
        {"sku": "TI-M", "option1": "Merah", "price": 350000, "stock": 2},
        {"sku": "TI-B", "option1": "Biru", "price": 375000, "stock": 0}])
    page = client.get(f"/p/{product.id}-{product.slug}").get_data(as_text=True)
    assert 'action="/cart/add"' in page and '<label for="variant_id">Warna</label>' in page
    assert "Biru – " not in page  # a sold-out variant cannot be chosen
    red = next(v for v in product.variants if v.option1 == "Merah")
    response = client.post("/cart/add", data={"variant_id": red.id, "quantity": 1})
    assert response.status_code == 302
    assert "Kain Tenun Ikat" in client.get("/cart").get_data(as_text=True)

