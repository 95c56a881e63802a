"""The shared app shell: error envelope, ops endpoints, body limits, request ids, jobs, secrets."""

import json
import logging

import pytest

from services.common.jobs import Job, run_job
from services.suite import SERVICES
from tools.hardening import free_port


@pytest.mark.parametrize("service", list(SERVICES))
def test_ops_endpoints(client_for, service):
    client = client_for(service)
    assert client.get("/healthz").json() == {"status": "ok", "service": service}
    assert client.get("/readyz").json()["status"] == "ready"
    client.get("/healthz")
    metrics = client.get("/metrics")
    assert metrics.status_code == 200 and "aicity_http_requests_total" in metrics.text
    schema = client.get("/openapi.json").json()
    api_paths = [p for p in schema["paths"] if p not in ("/healthz", "/readyz")]
    assert api_paths and all(p.startswith("/v1/") for p in api_paths)


def test_readyz_reports_an_unreachable_database(client_for, tmp_path):
    client = client_for("industry")
    client.app.state.engine.dispose()
    from services.common.db import make_engine

    client.app.state.engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none", pool_pre_ping=False)
    r = client.get("/readyz")
    assert r.status_code == 503 and r.json()["status"] == "unavailable"


def test_envelopes_for_unknown_route_validation_and_method(client_for, auth):
    client = client_for("transit")
    r = client.get("/v1/no-such-thing", headers={"X-Request-ID": "abc123"})
    assert r.status_code == 404
    assert r.json() == {"error": "not_found", "detail": "Not Found", "request_id": "abc123"}
    r = client.post("/v1/auth/token", data={"username": "x"})
    body = r.json()
    assert r.status_code == 422 and body["error"] == "validation_error"
    assert body["detail"][0]["loc"][-1] == "password" and body["request_id"]
    r = client.delete("/healthz")
    assert (r.status_code, r.json()["error"]) == (405, "method_not_allowed")


def test_body_over_the_limit_is_413_declared_or_streamed(client_for):
    client = client_for("transit", max_body_bytes=1000)
    r = client.post("/v1/auth/token", content=b"x" * 5000, headers={"content-type": "application/x-www-form-urlencoded"})
    assert (r.status_code, r.json()["error"]) == (413, "payload_too_large")

    def chunks():
        for _ in range(10):
            yield b"y" * 500

    r = client.post("/v1/auth/token", content=chunks(), headers={"content-type": "application/x-www-form-urlencoded"})
    assert (r.status_code, r.json()["error"]) == (413, "payload_too_large")


def test_jobs_are_recorded_and_listed(client_for, auth, service_settings):
    client = client_for("industry")
    entry = SERVICES["industry"]

    def ok_job(engine, *, settings, now):
        return {"rows": 3}

    def failing_job(engine, *, settings, now):
        raise ValueError("sensor table missing")

    engine = client.app.state.engine
    ok = run_job(Job("industry.test_ok", ok_job), engine=engine, job_run=entry.job_run(), settings=None)
    bad = run_job(Job("industry.test_fail", failing_job), engine=engine, job_run=entry.job_run(), settings=None)
    assert ok["outcome"] == "ok" and bad["outcome"] == "error" and "sensor table missing" in bad["error"]
    assert client.get("/v1/jobs").status_code == 401
    assert client.get("/v1/jobs", headers=auth.headers("partner", company_id="c")).status_code == 403
    r = client.get("/v1/jobs", headers=auth.headers("official"))
    runs = {item["job_id"]: item for item in r.json()["items"]}
    assert runs["industry.test_ok"]["summary"] == {"rows": 3} and runs["industry.test_ok"]["ended_at"]
    assert runs["industry.test_fail"]["outcome"] == "error"


def test_default_secrets_refused_outside_dev(monkeypatch):
    monkeypatch.setenv("AICITY_ENV", "production")
    for entry in SERVICES.values():
        with pytest.raises(RuntimeError, match="default secrets"):
            entry.create_app(entry.settings())
    monkeypatch.setenv("AICITY_AUTH_SECRET", "a-real-secret-from-the-vault-0123456789")
    settings = SERVICES["industry"].settings()
    assert "AICITY_AUTH_SECRET" not in settings.default_secrets()


def test_per_service_environment_prefix(monkeypatch):
    monkeypatch.setenv("TRANSIT_DATABASE_URL", "postgresql+psycopg://city@db/transit")
    monkeypatch.setenv("INDUSTRY_MAX_BODY_BYTES", "12345")
    assert SERVICES["transit"].settings().database_url == "postgresql+psycopg://city@db/transit"
    assert SERVICES["health_hubs"].settings().database_url.endswith("var/health_hubs.db")
    assert SERVICES["industry"].settings().max_body_bytes == 12345


def test_logs_are_json_with_request_id(client_for):
    from io import StringIO

    from services.common.observability import JsonFormatter

    client = client_for("health_hubs")
    buffer = StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("aicity.access")
    logger.addHandler(handler)
    try:
        client.get("/healthz", headers={"X-Request-ID": "req42"})
    finally:
        logger.removeHandler(handler)
    entries = [json.loads(line) for line in buffer.getvalue().splitlines()]
    assert entries[-1]["request_id"] == "req42" and entries[-1]["status"] == 200
    assert entries[-1]["path"] == "/healthz" and entries[-1]["service"] == "health_hubs"


def test_metrics_and_docs_are_off_by_default_in_production(client_for, monkeypatch):
    import secrets

    monkeypatch.setenv("AICITY_ENV", "production")
    monkeypatch.setenv("AICITY_AUTH_SECRET", secrets.token_urlsafe(48))
    client = client_for("industry")
    for path in ("/metrics", "/docs", "/redoc", "/openapi.json", "/docs/oauth2-redirect"):
        assert client.get(path).status_code == 404, path
    assert client.get("/healthz").status_code == 200


def test_metrics_on_an_internal_port_and_docs_switched_on(client_for, monkeypatch):
    import base64
    import secrets

    import httpx

    port = free_port()
    monkeypatch.setenv("AICITY_ENV", "production")
    monkeypatch.setenv("AICITY_AUTH_SECRET", secrets.token_urlsafe(48))
    monkeypatch.setenv("AICITY_METRICS", "internal")
    monkeypatch.setenv("AICITY_OPS_PORT", str(port))
    monkeypatch.setenv("AICITY_DOCS", "public")
    monkeypatch.setenv("TRANSIT_BOARDING_TEMPLATE_KEY", base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())
    client = client_for("transit")
    client.get("/healthz")
    assert client.get("/metrics").status_code == 404  # not on the API port
    assert client.get("/openapi.json").status_code == 200 and client.get("/docs").status_code == 200
    scraped = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5)
    assert scraped.status_code == 200 and 'aicity_http_requests_total{' in scraped.text
    assert 'path="/healthz"' in scraped.text or "/healthz" in scraped.text


def test_internal_metrics_without_a_port_is_refused(client_for, monkeypatch):
    monkeypatch.setenv("AICITY_METRICS", "internal")
    with pytest.raises(RuntimeError, match="AICITY_OPS_PORT"):
        client_for("industry")
