"""The JSON API lists what the HTML pages list, and nothing that is not public."""

from marketplace.models import ProductStatus


def test_spec_describes_every_api_route(app, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.1")
    documented = {"/api/v1" + path.replace("{", "<").replace("}", ">") for path in spec["paths"]}
    routes = {rule.rule.replace("<int:", "<") for rule in app.url_map.iter_rules()
              if rule.endpoint.startswith("api.")
              and rule.endpoint not in ("api.openapi", "api.reference")}
    assert routes == documented


def test_products_search_and_detail(client, make_product):
    product = make_product(title="Keripik Singkong Balado", price=15000, stock=3,
                           option1_name="Ukuran",
                           variants=[{"sku": "KSB-1", "option1": "100 g", "price": 15000,
                                      "stock": 3}])
    listing = client.get("/api/v1/products?q=keripik").get_json()
    assert [item["id"] for item in listing["items"]] == [product.id]
    assert listing["items"][0]["price_min"] == 15000
    detail = client.get(f"/api/v1/products/{product.id}").get_json()
    assert detail["variants"][0] == {"id": product.variants[0].id, "sku": "KSB-1",
                                     "options": ["100 g"], "price": 15000, "in_stock": True,
                                     "stock": 3}
    assert detail["store"]["slug"] == product.store.slug


def test_hidden_and_draft_products_and_pending_stores_are_not_served(client, make_product,
                                                                     make_store):
    draft = make_product(title="Keripik Draf", status=ProductStatus.DRAFT)
    pending = make_product(title="Keripik Pending", store=make_store(verified=False))
    for product in (draft, pending):
        assert client.get(f"/api/v1/products/{product.id}").status_code == 404
    assert client.get("/api/v1/products?q=keripik").get_json()["items"] == []
    assert client.get(f"/api/v1/stores/{pending.store.slug}").status_code == 404


def test_errors_are_json_in_the_users_language(client):
    response = client.get("/api/v1/products/999999", headers={"Accept-Language": "en"})
    assert response.status_code == 404
    assert response.get_json() == {"error": "That page or item does not exist."}
    assert client.get("/api/v1/products?page=0").status_code == 400
    assert client.get("/api/v1/products?page=99999999999").status_code == 400


def test_categories(client, categories):
    items = client.get("/api/v1/categories").get_json()["items"]
    assert {"slug": "batik-tulis", "parent": "batik-tenun"}.items() <= next(
        c for c in items if c["slug"] == "batik-tulis").items()


def test_bad_input_is_a_json_4xx_never_a_500(client, make_product):
    product = make_product()
    for url in ("/api/v1/products/9223372036854775808", "/api/v1/products/2147483648",
                "/api/v1/stores/tidak-ada", "/api/v1/tidak-ada"):
        answer = client.get(url)
        assert answer.status_code == 404 and answer.get_json()["error"], url
    refused = client.get("/api/v1/products?sort=null&min_price=99999999999&warna=merah",
                         headers={"Accept-Language": "en"})
    assert refused.status_code == 400
    body = refused.get_json()
    assert body["errors"] == {"warna": "Unknown field."}  # unknown names are listed first
    sort = client.get("/api/v1/products?sort=null", headers={"Accept-Language": "en"})
    assert sort.status_code == 400 and "sort" in sort.get_json()["errors"]
    price = client.get("/api/v1/products?min_price=99999999999",
                       headers={"Accept-Language": "en"}).get_json()
    assert price["errors"] == {"min_price": "Enter a number of at most 2147483647."}
    not_allowed = client.delete(f"/api/v1/products/{product.id}")
    assert not_allowed.status_code == 405
    assert set(not_allowed.headers["Allow"].split(", ")) >= {"GET", "HEAD"}
    assert not_allowed.get_json()["error"]


def test_reference_page_is_served_from_the_document(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    page = client.get("/api/docs?lang=en").get_data(as_text=True)
    for path, item in spec["paths"].items():
        for method in item:
            assert f"{method.upper()} {path}" in page
    assert "<script" not in page  # nothing to fetch: readable offline


def test_the_document_is_built_once_but_speaks_the_readers_language(client):
    english = client.get("/api/v1/openapi.json?lang=en").get_json()
    indonesian = client.get("/api/v1/openapi.json?lang=id").get_json()
    scopes = [doc["components"]["securitySchemes"]["bearer"]["description"]
              for doc in (english, indonesian)]
    assert "Read the public catalogue" in scopes[0]
    assert "Membaca katalog publik" in scopes[1]
    assert english["paths"] == indonesian["paths"] and english["paths"]
