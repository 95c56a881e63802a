"""Services never import one another, and the dashboard never imports a service: walk every import.

The contract, from the bottom: `services.common` (plumbing) imports only itself; `services.identity` imports common
and itself; a service imports common, itself and, of identity, only `services.identity.app` (its app factory, which
mounts /v1/auth and gives common's auth the account and device directory)."""

import ast
from pathlib import Path

import pytest

from services.suite import SERVICES

ROOT = Path(__file__).resolve().parents[1]


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module":
            if node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                found.add(node.args[0].value)
    return found


IDENTITY_ENTRY = "services.identity.app"


def crossings(folder: Path, allowed: set[str], modules: frozenset[str] = frozenset()) -> list[str]:
    """Imports of `services.<x>` from `folder` where x is not in `allowed` and the module not in `modules`."""
    bad = []
    for path in folder.rglob("*.py"):
        for module in imported_modules(path):
            parts = module.split(".")
            if parts[0] == "services" and len(parts) > 1 and parts[1] not in allowed and module not in modules:
                bad.append(f"{path.relative_to(ROOT)} imports {module}")
    return bad


@pytest.mark.parametrize("service", list(SERVICES))
def test_service_imports_only_common_itself_and_the_identity_app(service):
    assert crossings(ROOT / "services" / service, {"common", service}, frozenset({IDENTITY_ENTRY})) == []


def test_every_service_builds_through_the_identity_app():
    """Its /v1/auth and the directory its auth reads come from there; common's factory alone has neither."""
    for service in SERVICES:
        assert IDENTITY_ENTRY in imported_modules(ROOT / "services" / service / "main.py"), service


def test_identity_imports_only_common_and_itself():
    assert crossings(ROOT / "services" / "identity", {"common", "identity"}) == []


def test_common_imports_no_service_and_not_identity():
    """Plumbing: auth verifies tokens and device keys against a `Directory` it is given, never the tables."""
    assert crossings(ROOT / "services" / "common", {"common"}) == []


def test_dashboard_reaches_services_only_over_http():
    # the two exceptions, data and no service code: the shared ko/en message catalogue and the city's time zone
    shared = (" imports services.common.i18n", " imports services.common.citytime")
    assert [c for c in crossings(ROOT / "dashboard", set()) if not c.endswith(shared)] == []


def test_no_service_imports_the_tooling():
    """tools/ (demo seed, simulators, bench, load and crash runs) runs the product; the product never needs it.
    Only the command line (services/cli.py) reaches it, lazily, to start those runs."""
    bad = []
    for path in (ROOT / "services").rglob("*.py"):
        if path == ROOT / "services" / "cli.py":
            continue
        bad += [f"{path.relative_to(ROOT)} imports {m}" for m in imported_modules(path) if m.split(".")[0] == "tools"]
    assert bad == []


def test_the_walker_catches_a_crossing(tmp_path):
    (tmp_path / "bad.py").write_text("from services.health_hubs.models import Resident\nimport services.industry\n")
    global ROOT
    saved, ROOT = ROOT, tmp_path
    try:
        assert len(crossings(tmp_path, {"common", "transit"})) == 2
        (tmp_path / "bad.py").write_text("from services.identity.app import build_app\n"
                                         "from services.identity.accounts.models import Account\n")
        assert crossings(tmp_path, {"common"}, frozenset({IDENTITY_ENTRY})) == [
            "bad.py imports services.identity.accounts.models"]
    finally:
        ROOT = saved


# ---- layers inside a service (STYLE.md): domain is pure, routers do not query ----------------------------------

IMPURE = ("sqlalchemy", "sqlmodel", "fastapi", "starlette", "httpx", "requests", "services.common.db")
CLOCKS = ("datetime.now(", "utcnow(", "time.time(", "date.today(", "datetime.utcnow(")


def domain_modules() -> list[Path]:
    """domain.py, the rules-as-data modules (rules.py, sync_rules.py) and the calendars (timeutil.py)."""
    return sorted({*(ROOT / "services").rglob("domain.py"), *(ROOT / "services").rglob("*rules.py"),
                   *(ROOT / "services").rglob("timeutil.py")})


@pytest.mark.parametrize("path", domain_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_domain_layers_are_pure(path):
    """No database, no HTTP, no other layer of the service, no clock: rules take what they need as arguments."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    bad = [m for m in imported_modules(path)
           if m.startswith(IMPURE) or (m.startswith(package + ".") and m.rsplit(".", 1)[-1] in
                                       ("service", "router", "models", "jobs", "main"))]
    text = path.read_text()
    bad += [f"calls {c}" for c in CLOCKS if c in text]
    assert bad == []


QUERIES = ("select(", "session.execute(", "session.exec(", ".query(")
ROUTE = ("get", "post", "put", "patch", "delete", "api_route", "websocket")


def declares_endpoints(tree: ast.Module) -> bool:
    return any(isinstance(d, ast.Call) and isinstance(d.func, ast.Attribute) and d.func.attr in ROUTE
               for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
               for d in node.decorator_list)


def test_routers_leave_queries_to_the_services():
    """A router parses, calls its service and answers; the service reads through the caller's scope (STYLE.md).
    In a service, every module that declares an endpoint counts as a router, whatever its name (common/ is
    plumbing: only its router.py files are held to this)."""
    services = {ROOT / "services" / name for name in SERVICES}
    querying = set()
    for path in (ROOT / "services").rglob("*.py"):
        text = path.read_text()
        if "migrations" in path.parts or not any(q in text for q in QUERIES):
            continue
        in_a_service = any(folder in path.parents for folder in services)
        if path.name == "router.py" or (in_a_service and declares_endpoints(ast.parse(text))):
            querying.add(str(path.relative_to(ROOT)))
    assert querying == set()


# ---- the shape of a service (STYLE.md "Layout") -----------------------------------------------------------------

def table_modules(service: str) -> set[str]:
    """Modules of a service that define a table (`class X(..., table=True)`)."""
    found = set()
    for path in (ROOT / "services" / service).rglob("*.py"):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text())
        if any(isinstance(node, ast.ClassDef) and any(k.arg == "table" for k in node.keywords)
               for node in ast.walk(tree)):
            found.add(".".join(path.relative_to(ROOT).with_suffix("").parts))
    return found


@pytest.mark.parametrize("service", list(SERVICES))
def test_models_module_is_only_the_registry(service):
    """`<service>/models.py` holds the registry, job_run and load_all_tables(); the tables live in the
    sub-domains, and load_all_tables() imports every module that defines one (else migrations miss it)."""
    path = ROOT / "services" / service / "models.py"
    tree = ast.parse(path.read_text())
    top = {node.name: node for node in tree.body if isinstance(node, (ast.FunctionDef, ast.ClassDef))}
    assert "load_all_tables" in top and "job_run" in path.read_text()
    tables = table_modules(service)
    assert f"services.{service}.models" not in tables
    loaded = {alias.name for node in ast.walk(top["load_all_tables"]) if isinstance(node, ast.Import)
              for alias in node.names}
    assert tables - loaded == set()


@pytest.mark.parametrize("service", list(SERVICES))
def test_service_router_only_gathers(service):
    """`<service>/router.py` includes the sub-domains' routers and declares no endpoint, handler or schema."""
    tree = ast.parse((ROOT / "services" / service / "router.py").read_text())
    defined = [node.name for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                                          ast.ClassDef))]
    assert defined == []
    calls = {node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
             for node in ast.walk(tree) if isinstance(node, ast.Call)}
    assert calls <= {"APIRouter", "include_router"}


def test_the_shape_checks_catch_a_table_and_an_endpoint(tmp_path):
    global ROOT
    (tmp_path / "services" / "x").mkdir(parents=True)
    (tmp_path / "services" / "x" / "models.py").write_text(
        "job_run = None\nclass T(Base, table=True):\n    pass\ndef load_all_tables():\n    pass\n")
    (tmp_path / "services" / "x" / "router.py").write_text(
        "router = APIRouter()\n@router.get('/x')\ndef x(session):\n    return session.exec(select(T)).all()\n")
    saved, ROOT = ROOT, tmp_path
    try:
        with pytest.raises(AssertionError):
            test_models_module_is_only_the_registry("x")
        with pytest.raises(AssertionError):
            test_service_router_only_gathers("x")
        with pytest.raises(AssertionError):
            test_routers_leave_queries_to_the_services()
    finally:
        ROOT = saved


def test_the_layer_check_catches_an_impure_domain(tmp_path):
    global ROOT
    (tmp_path / "services" / "x").mkdir(parents=True)
    (tmp_path / "services" / "x" / "domain.py").write_text(
        "from sqlmodel import Session\nfrom services.x.service import f\nfrom datetime import datetime\n"
        "def now():\n    return datetime.now()\n")
    saved, ROOT = ROOT, tmp_path
    try:
        with pytest.raises(AssertionError):
            test_domain_layers_are_pure(tmp_path / "services" / "x" / "domain.py")
    finally:
        ROOT = saved


# ---- one permission vocabulary (services.common.auth.allow), declared in each service's access.py ---------------

def test_permission_aliases_live_in_access_modules():
    """Routers take aliases (`who: Official`) from their service's access.py; nobody builds a check inline."""
    bad = []
    for path in (ROOT / "services").rglob("*.py"):
        rel = path.relative_to(ROOT)
        if path.name == "access.py" or str(rel) in ("services/common/auth.py", "services/common/jobs.py"):
            continue
        text = path.read_text()
        for needle in ("allow(", "admit(", "require_roles(", "require_any(", "require_device("):
            if needle in text:
                bad.append(f"{rel} calls {needle}")
    assert bad == []


def test_every_service_uses_the_vocabulary():
    """Every alias is built on common.auth's one check: `allow(...)`, or (health_hubs, whose callers come back as an
    Actor carrying X-Purpose for the audit log) a wrapper that calls `admit(...)` and only adds to its answer."""
    for service in SERVICES:
        text = (ROOT / "services" / service / "access.py").read_text()
        assert "allow(" in text or "admit(" in text, service
        assert "def actor(" not in text, service
