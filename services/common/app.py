"""The plumbing of every service's app: engines at start-up, errors, ops endpoints, the jobs router, and the
directory auth reads credentials from (given by the caller: services build through services.identity.app)."""

from collections.abc import Callable, Sequence
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import Table, text
from sqlalchemy.engine import Engine

from services.common.auth import Directory
from services.common.db import make_engine
from services.common.errors import install_error_handlers
from services.common.jobs import Job, jobs_router
from services.common.observability import Metrics, RequestContextMiddleware, configure_logging
from services.common.routing import SyncEndpointRoute
from services.common.settings import ServiceSettings

Hook = Callable[[FastAPI], None]


def build_app(
    *,
    settings: ServiceSettings,
    title: str,
    description: str,
    routers: Sequence[APIRouter],
    jobs: Sequence[Job],
    job_run: Table,
    directory: Callable[[Engine], Directory],
    on_startup: Sequence[Hook] = (),
    on_shutdown: Sequence[Hook] = (),
) -> FastAPI:
    settings.check_secrets()
    configure_logging(settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.engine = make_engine(settings.database_url)
        app.state.identity_engine = make_engine(settings.identity_database_url)
        app.state.directory = directory(app.state.identity_engine)
        ops_server = _start_ops_server(settings, metrics) if settings.metrics_exposure == "internal" else None
        for hook in on_startup:
            hook(app)
        try:
            yield
        finally:
            for hook in on_shutdown:
                hook(app)
            if ops_server is not None:
                ops_server.shutdown()
                ops_server.server_close()
            app.state.engine.dispose()
            app.state.identity_engine.dispose()

    docs = settings.docs_exposure == "public"
    app = FastAPI(title=title, description=description, version="1.0.0", lifespan=lifespan,
                  docs_url="/docs" if docs else None, redoc_url="/redoc" if docs else None,
                  openapi_url="/openapi.json" if docs else None)
    app.router.route_class = SyncEndpointRoute
    app.state.settings = settings
    metrics = Metrics(settings.service_name)
    app.state.metrics = metrics
    install_error_handlers(app)
    app.add_middleware(
        RequestContextMiddleware, service=settings.service_name, metrics=metrics,
        max_body_bytes=settings.max_body_bytes,
    )

    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict:
        return {"status": "ok", "service": settings.service_name}

    @app.get("/readyz", tags=["ops"])
    def readyz(request: Request):
        problems = {}
        for name in ("engine", "identity_engine"):
            try:
                with getattr(request.app.state, name).connect() as conn:
                    conn.execute(text("SELECT 1"))
            except Exception as exc:  # readiness reports, never raises
                problems[name] = type(exc).__name__
        if problems:
            return JSONResponse({"status": "unavailable", "problems": problems}, status_code=503)
        return {"status": "ready", "service": settings.service_name}

    if settings.metrics_exposure == "public":
        @app.get("/metrics", tags=["ops"], include_in_schema=False)
        def prometheus_metrics() -> Response:
            body, content_type = metrics.render()
            return Response(body, media_type=content_type)

    _document_error_envelope(app)
    app.include_router(jobs_router(list(jobs), job_run))
    for router in routers:
        app.include_router(router)
    return app


def _start_ops_server(settings: ServiceSettings, metrics: Metrics):
    """/metrics on its own address (AICITY_OPS_HOST:AICITY_OPS_PORT), for a scraper on the internal network while
    the API port faces the public. A port already taken (a second uvicorn worker) is logged and skipped: one
    worker's figures are then scraped, as with `public`."""
    import logging

    from prometheus_client import start_http_server

    if not settings.ops_port:
        raise RuntimeError("AICITY_METRICS=internal needs AICITY_OPS_PORT (and AICITY_OPS_HOST, default 127.0.0.1)")
    try:
        server, _thread = start_http_server(settings.ops_port, addr=settings.ops_host, registry=metrics.registry)
    except OSError as exc:
        logging.getLogger("aicity.ops").warning("ops port %s not opened: %s", settings.ops_port, exc)
        return None
    return server


# What every 4xx body really is (services.common.errors.envelope); FastAPI documents its own 422 shape otherwise.
ERROR_ENVELOPE_SCHEMA = {
    "title": "ErrorEnvelope",
    "type": "object",
    "required": ["error", "detail", "request_id"],
    "properties": {
        "error": {"type": "string", "title": "Error"},
        "detail": {"title": "Detail"},
        "request_id": {"anyOf": [{"type": "string"}, {"type": "null"}], "title": "Request Id"},
    },
}


def _document_error_envelope(app: FastAPI) -> None:
    """The schema's 422 answers say {"error", "detail", "request_id"}, as the error handlers send them."""
    build_schema = app.openapi

    def openapi() -> dict:
        if app.openapi_schema:
            return app.openapi_schema
        schema = build_schema()
        components = schema.get("components", {}).get("schemas", {})
        if "HTTPValidationError" in components:
            components["HTTPValidationError"] = ERROR_ENVELOPE_SCHEMA
        return schema

    app.openapi = openapi
