"""Test harness: each service's real migrations on SQLite (default) or a fresh PostgreSQL database
(AICITY_TEST_POSTGRES_URL), rows removed after each test; helpers for tokens and device keys."""

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlmodel import Session

from services.common import migrate
from services.common.auth import issue_token
from services.common.db import make_engine
from services.common.settings import DEV_AUTH_SECRET
from services.identity.accounts.service import create_account
from services.identity.devices.service import create_device
from services.identity.models import IdentityModel, load_all_tables
from services.suite import SERVICES
from tests.dashboard.live_suite import start_suite, stop
from tools.hardening import drop_database, new_database_url

POSTGRES_ADMIN_URL = os.environ.get("AICITY_TEST_POSTGRES_URL")
MQTT_URL = os.environ.get("AICITY_TEST_MQTT_URL")
BACKEND = "postgres" if POSTGRES_ADMIN_URL else "sqlite"


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the xdist_group marks
def pytest_collection_modifyitems(config, items):
    for item in items:
        _keep_module_fixtures_on_one_worker(item)
        if "postgres" in item.keywords and not POSTGRES_ADMIN_URL:
            item.add_marker(pytest.mark.skip(reason="set AICITY_TEST_POSTGRES_URL to run PostgreSQL tests"))
        if "mqtt" in item.keywords and not MQTT_URL:
            item.add_marker(pytest.mark.skip(reason="set AICITY_TEST_MQTT_URL to run MQTT tests"))


def _keep_module_fixtures_on_one_worker(item) -> None:
    """Under pytest-xdist (`-n auto`, with `--dist loadgroup` from pyproject): the tests on the live suite run on one
    worker, and so do the tests of a module sharing a module-scoped fixture (a browser, a walk through one seeded
    world in order); every other test is spread one by one. Isolation needs nothing more: databases, temporary
    folders, ports, MQTT groups and Redis keys are already unique per test or per worker."""
    if item.get_closest_marker("xdist_group"):
        return
    if "running_suite" in getattr(item, "fixturenames", ()):
        # the whole suite in subprocesses (tests/dashboard/conftest.py): started once, by one worker; two at once
        # on a busy 2-core machine did not answer /healthz within 90 s
        item.add_marker(pytest.mark.xdist_group("live_suite"))
        return
    info = getattr(item, "_fixtureinfo", None)
    for defs in (info.name2fixturedefs.values() if info else ()):
        if defs and defs[-1].scope == "module":
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::", 1)[0]))
            return


class DatabaseFactory:
    """Makes empty databases of the session's backend and drops them at the end."""

    def __init__(self, tmp_dir):
        self.tmp_dir = tmp_dir
        self.created: list[str] = []

    def new_url(self, label: str) -> str:
        url = new_database_url(label, work_dir=self.tmp_dir, postgres_url=POSTGRES_ADMIN_URL, prefix="aicity_test")
        self.created.append(url)
        return url

    def drop_all(self) -> None:
        for url in self.created:
            drop_database(url, POSTGRES_ADMIN_URL)


@pytest.fixture(scope="session")
def databases(tmp_path_factory) -> Iterator[DatabaseFactory]:
    factory = DatabaseFactory(tmp_path_factory.mktemp("db"))
    yield factory
    factory.drop_all()


def _clear(engine, metadata) -> None:
    tables = list(reversed(metadata.sorted_tables))
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            if names:
                conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())


class MigratedDatabase:
    def __init__(self, package: str, url: str, metadata):
        self.package, self.url, self.metadata = package, url, metadata
        self.engine = make_engine(url)

    def clear(self) -> None:
        _clear(self.engine, self.metadata)


@pytest.fixture(scope="session")
def _migrated(databases) -> Iterator[dict[str, MigratedDatabase]]:
    cache: dict[str, MigratedDatabase] = {}
    yield cache
    for db in cache.values():
        db.engine.dispose()


def _get_migrated(cache, databases, package: str) -> MigratedDatabase:
    if package not in cache:
        url = databases.new_url(package)
        migrate.upgrade(package, url)
        if package == "identity":
            load_all_tables()
        metadata = IdentityModel.metadata if package == "identity" else SERVICES[package].metadata()
        cache[package] = MigratedDatabase(package, url, metadata)
    return cache[package]


@pytest.fixture
def identity_db(_migrated, databases) -> Iterator[MigratedDatabase]:
    db = _get_migrated(_migrated, databases, "identity")
    yield db
    db.clear()


@pytest.fixture
def service_db(_migrated, databases, identity_db):
    """`service_db("transit")` -> a migrated database of that service, emptied after the test."""
    used: list[MigratedDatabase] = []

    def get(name: str) -> MigratedDatabase:
        db = _get_migrated(_migrated, databases, name)
        used.append(db)
        return db

    yield get
    for db in used:
        db.clear()


class Auth:
    """Makes accounts' tokens and devices' keys in the test identity database."""

    def __init__(self, identity: MigratedDatabase, secret: str = DEV_AUTH_SECRET):
        self.identity = identity
        self.secret = secret

    def account(self, role: str, **place):
        with Session(self.identity.engine, expire_on_commit=False) as session:
            account = create_account(session, username=f"{role}-{uuid.uuid4().hex[:8]}", password="password-123",
                                     role=role, **place)
            session.commit()
        return account

    def token(self, role: str, *, ttl_s: int = 600, now: datetime | None = None, **place) -> str:
        token, _ = issue_token(self.secret, account=self.account(role, **place), ttl_s=ttl_s, now=now)
        return token

    def headers(self, role: str, **place) -> dict:
        return {"Authorization": f"Bearer {self.token(role, **place)}"}

    def expired_headers(self, role: str, **place) -> dict:
        past = datetime.now(UTC) - timedelta(hours=2)
        return {"Authorization": f"Bearer {self.token(role, now=past, ttl_s=60, **place)}"}

    def device(self, kind: str, place: str | None = None, name: str | None = None) -> tuple[str, str]:
        """Returns (device id, key)."""
        with Session(self.identity.engine) as session:
            device, key = create_device(session, name=name or f"{kind}-{uuid.uuid4().hex[:6]}", kind=kind,
                                        place=place)
            session.commit()
            return device.id, key

    def device_headers(self, kind: str, place: str | None = None) -> dict:
        return {"Authorization": f"Bearer {self.device(kind, place)[1]}"}


@pytest.fixture
def auth(identity_db) -> Auth:
    return Auth(identity_db)


@pytest.fixture
def service_settings(service_db, identity_db):
    """`service_settings("transit", **overrides)` -> that service's settings pointing at the test databases."""

    def make(name: str, **overrides):
        db = service_db(name)
        return SERVICES[name].settings(database_url=db.url, identity_database_url=identity_db.url, **overrides)

    return make


@pytest.fixture
def client_for(service_settings):
    """`client_for("transit", **setting_overrides)` -> a started TestClient of that service."""
    clients: list[TestClient] = []

    def make(name: str, **overrides) -> TestClient:
        app = SERVICES[name].create_app(service_settings(name, **overrides))
        client = TestClient(app, raise_server_exceptions=False)
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


# ---- the live suite ---------------------------------------------------------------------------------------
# Here, not in tests/dashboard/conftest.py: a module elsewhere that imported it from there got its own copy of the
# session fixture, and started a second seeded suite (~40 s) on the same worker.

@pytest.fixture(scope="session")
def running_suite(tmp_path_factory, databases):
    var_dir = tmp_path_factory.mktemp("suite-var")
    urls = {name: databases.new_url(f"dash_{name}") for name in ["identity", *SERVICES]}
    suite = start_suite(var_dir, urls, log_dir=var_dir)
    try:
        yield suite
    finally:
        stop(suite.procs)


@pytest.fixture(scope="session")
def dashboard_env(running_suite):
    """Points the dashboard (imported in this process by AppTest) at the running suite."""
    saved = {k: os.environ.get(k) for k in running_suite.url_env()}
    os.environ.update(running_suite.url_env())
    yield running_suite
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
