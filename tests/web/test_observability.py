"""/healthz reports each configured part; /metrics speaks Prometheus to allowed addresses only."""


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
