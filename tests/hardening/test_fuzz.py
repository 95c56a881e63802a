"""Schemathesis against every operation of every service's OpenAPI schema, authenticated as the callers the access
matrix allows (the most place-bound first, then admin; a device key for device endpoints): no 5xx, and every
answer matches its own declared schema. Valid and invalid inputs both (positive and negative generation).

AICITY_FUZZ_EXAMPLES (default 6) sets the examples per operation and caller; derandomized so CI is repeatable."""

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import DataGenerationMethod
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from services.suite import SERVICES
from tests.hardening.support import caller_headers
from tests.hardening.test_access_matrix import _expand, load_matrix

EXAMPLES = int(os.environ.get("AICITY_FUZZ_EXAMPLES", "6"))
CALLERS_PER_OPERATION = int(os.environ.get("AICITY_FUZZ_CALLERS", "2"))
CHECKS = (not_a_server_error, response_schema_conformance)
schemathesis.experimental.OPEN_API_3_1.enable()  # FastAPI writes OpenAPI 3.1

# Operations whose generated inputs cannot be meaningful and are covered elsewhere, each with the reason.
# (Nothing is skipped silently: the test reports how many operations it fuzzed and fails if one is missing.)
NOT_FUZZED: dict[str, str] = {
    "POST /v1/auth/token": "sign-in: random credentials only ever give 401/422; the error envelope is checked in "
                           "tests/common",
}


def fuzz_callers(entry: dict) -> list[str]:
    allowed = [c for c in _expand(entry.get("allowed")) if c != "anonymous"]
    specific = [c for c in allowed if c != "admin"]
    chosen = specific[: CALLERS_PER_OPERATION - 1] + (["admin"] if "admin" in allowed else [])
    return chosen or specific[:CALLERS_PER_OPERATION] or ["anonymous"]


@pytest.mark.parametrize("service", list(SERVICES))
def test_fuzz_every_operation(service, client_for, auth):
    client = client_for(service)
    app = client.app
    headers = caller_headers(auth)
    declared = load_matrix().get(service, {})
    schema = schemathesis.from_dict(
        app.openapi(), app=app, data_generation_methods=[DataGenerationMethod.positive, DataGenerationMethod.negative]
    )
    failures: list[str] = []
    fuzzed = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        key = f"{operation.method.upper()} {operation.path}"
        if key in NOT_FUZZED:
            continue
        assert key in declared, f"{key} is not in access_matrix.yaml: declare it first"
        for caller in fuzz_callers(declared[key]):
            fuzzed += 1
            problem = _fuzz(operation, headers[caller])
            if problem:
                failures.append(f"{key} as {caller}: {problem}")
    assert fuzzed > 0
    assert not failures, "\n\n".join(failures)


def _fuzz(operation, caller_headers: dict) -> str | None:
    seen: list[str] = []

    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None, print_blob=False,
              phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck))
    def run(case):
        response = case.call_asgi(headers={**(case.headers or {}), **caller_headers})
        try:
            case.validate_response(response, checks=CHECKS)
        except AssertionError as exc:
            if not seen:
                message = " ".join(str(exc).split())[:400]
                seen.append(f"{message}\n    -> {response.status_code} {response.text[:300]}")

    run()
    return seen[0] if seen else None


# ---- the citizen screens (outside the OpenAPI schema, so described here for the fuzzer) -----------------------

MALFORMED_NAMES = ["%00.html", "kiosk.html%00", "..%2f..%2fetc%2fpasswd", "%2e%2e/%2e%2e/README.md", "a%5cb.js",
                   "%0a.css", "con.html", "%ff%fe.js", "x" * 400 + ".js", "static/", "%20",
                   "k%C3%BCche.html", "%2e%2e", "a//b.js", "a/./b.js"]


def _fuzz_screen(operation, statuses: set[int]) -> None:
    @given(case=operation.as_strategy())
    @settings(max_examples=max(EXAMPLES, 30), derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
    def run(case):
        response = case.call_asgi()
        statuses.add(response.status_code)
        assert response.status_code in (200, 404), (case.formatted_path, response.status_code, response.text[:200])

    run()


def screens_schema(app) -> dict:
    """An OpenAPI document for the app's /screens routes (kept out of the public schema): every page, and the
    static files with their `name` as a free string, so the fuzzer tries any name."""
    from tests.hardening.support import _walk

    paths = {}
    for path, methods in _walk(app.routes):
        if path.startswith("/screens") and "GET" in (methods or ()):
            path = path.replace("{name:path}", "{name}")
            params = [{"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}] \
                if "{name}" in path else []
            paths[path] = {"get": {"parameters": params, "responses": {"200": {"description": "the file"},
                                                                        "404": {"description": "no such file"}}}}
    return {"openapi": "3.1.0", "info": {"title": "screens", "version": "1"}, "paths": paths}


@pytest.mark.parametrize("service", list(SERVICES))  # every service with citizen screens (academy, near miss too)
def test_fuzz_the_screens_routes(service, client_for):
    """Schemathesis on every /screens route (pages and static files), and a list of malformed names a hostile
    tester tries: every answer 200 or 404, never 5xx."""
    client = client_for(service)
    schema_doc = screens_schema(client.app)
    assert schema_doc["paths"], "no /screens routes found"
    declared = load_matrix().get(service, {})
    for path in schema_doc["paths"]:
        raw = path.replace("{name}", "{name:path}")
        assert f"GET {raw}" in declared, f"GET {raw} is not in access_matrix.yaml"
    schema = schemathesis.from_dict(
        schema_doc, app=client.app,
        data_generation_methods=[DataGenerationMethod.positive, DataGenerationMethod.negative])
    statuses: set[int] = set()
    for result in schema.get_all_operations():
        _fuzz_screen(result.ok(), statuses)
    for name in MALFORMED_NAMES:
        r = client.get(f"/screens/static/{name}")
        assert r.status_code == 404, (name, r.status_code, r.text)
        assert r.json()["error"] in ("screen_file_not_found", "not_found")
    if any("{name}" in path for path in schema_doc["paths"]):  # the fuzzer reached the file look-up
        assert 404 in statuses
