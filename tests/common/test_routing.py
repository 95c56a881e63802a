"""Sync endpoints answer on the event loop: a burst of requests queued on one write lock, with fewer
thread-pool slots than requests, completes instead of stalling until the lock times out."""

import threading
from concurrent.futures import ThreadPoolExecutor

import anyio.to_thread
import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from pydantic import BaseModel
from sqlalchemy import Column, Integer, MetaData, Table, text

from services.common.db import SessionDep
from services.common.jobs import define_job_run_table
from services.common.routing import APIRouter, SyncEndpointRoute
from services.common.settings import ServiceSettings
from services.identity.app import build_app
from services.suite import SERVICES


def api_routes(routes):
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        original = getattr(route, "original_router", None)
        if original is not None:
            yield from api_routes(original.routes)


@pytest.mark.parametrize("service", list(SERVICES))
def test_every_route_of_every_service_uses_the_sync_endpoint_route(service, service_settings):
    app = SERVICES[service].create_app(service_settings(service))
    routes = list(api_routes(app.router.routes))
    assert len(routes) > 5
    plain = [r.path for r in routes if not isinstance(r, SyncEndpointRoute)]
    assert plain == []


class CounterRead(BaseModel):
    n: int


def make_app(url: str, identity_url: str, route_class) -> tuple:
    metadata = MetaData()
    counter = Table("counter", metadata, Column("id", Integer, primary_key=True), Column("n", Integer))
    router = APIRouter(route_class=route_class)
    holding = threading.Semaphore(0)

    @router.post("/v1/counter", response_model=CounterRead)
    def bump(session: SessionDep) -> dict:
        # The write lock is taken here (BEGIN IMMEDIATE on SQLite, a row lock on PostgreSQL) and held until the
        # session dependency commits, after the response is serialised.
        session.execute(text("UPDATE counter SET n = n + 1 WHERE id = 1"))
        n = session.execute(text("SELECT n FROM counter WHERE id = 1")).scalar_one()
        holding.release()
        return {"n": n}

    settings = ServiceSettings(service_name="routing_test", database_url=url, identity_database_url=identity_url)

    app = build_app(settings=settings, title="t", description="t", routers=[router], jobs=[],
                    job_run=define_job_run_table(metadata))
    return app, metadata, counter


# With plain APIRoute this burst stalled past 300 s (measured 2026-11-21): every slot held by a waiter.
@pytest.mark.parametrize("route_class", [SyncEndpointRoute], ids=["sync_endpoint_route"])
def test_a_burst_on_one_lock_with_few_pool_slots_completes(route_class, databases, identity_db):
    url = databases.new_url("routing")
    app, metadata, counter = make_app(url, identity_db.url, route_class)
    from services.common.db import make_engine

    engine = make_engine(url)
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(counter.insert().values(id=1, n=0))
    with TestClient(app, raise_server_exceptions=False) as client:
        limiter = client.portal.call(anyio.to_thread.current_default_thread_limiter)
        limiter.total_tokens = 4
        with ThreadPoolExecutor(24) as pool:
            statuses = list(pool.map(lambda _: client.post("/v1/counter").status_code, range(48)))
    with engine.connect() as conn:
        final = conn.execute(text("SELECT n FROM counter WHERE id = 1")).scalar_one()
    engine.dispose()
    assert statuses == [200] * 48 and final == 48
