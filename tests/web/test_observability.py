"""/healthz reports each configured part; /metrics speaks Prometheus to allowed addresses only."""

from tests.support.postgres import free_port


def test_metrics_answer_allowed_addresses_in_prometheus_format(client):
    client.get("/")
    page = client.get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "# TYPE flask_http_request_total counter" in body
    assert 'pasar_mandiri_info{version="0.1.0"} 1.0' in body


def test_metrics_are_hidden_from_other_addresses(client):
    page = client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert page.status_code == 404
    assert "flask_http_request_total" not in page.get_data(as_text=True)


def test_healthz_reports_the_database(client):
    page = client.get("/healthz")
    assert page.status_code == 200
    assert page.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_names_redis_when_it_is_down_and_when_it_is_up(app, client, redis_server):
    app.config["REDIS_URL"] = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    try:
        down = client.get("/healthz")
        assert down.status_code == 503
        assert down.get_json() == {"status": "error", "database": "ok", "redis": "unreachable"}
        app.config["REDIS_URL"] = redis_server.url
        up = client.get("/healthz")
        assert up.status_code == 200
        assert up.get_json() == {"status": "ok", "database": "ok", "redis": "ok"}
    finally:
        app.config["REDIS_URL"] = None


def test_the_page_nginx_shows_for_a_too_large_upload_is_the_apps_own(client):
    page = client.get("/errors/413")
    assert page.status_code == 413
    assert "10 MB" in page.get_data(as_text=True) and "<html" in page.get_data(as_text=True)


def test_catalogue_pages_keep_serving_with_redis_down(database_url, media_dir, db):
    from marketplace import create_app
    from tests.conftest import settings_for_tests

    dead = f"redis://127.0.0.1:{free_port()}/0"
    settings = settings_for_tests(database_url, media_dir)
    settings.update(CACHE_REDIS_URL=dead, REDIS_URL=dead, PAGE_CACHE_SECONDS=60,
                    TESTING=False)
    client = create_app(settings).test_client()
    for path in ("/", "/search?q=keripik"):
        assert client.get(path).status_code == 200, path
    health = client.get("/healthz")
    assert health.status_code == 503 and health.get_json()["redis"] == "unreachable"
