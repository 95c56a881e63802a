"""Every route of every service, called as every role and place, device kind and anonymous, must answer as
access_matrix.yaml declares: `allowed` (anything but 401/403), `401`, or else 403. A route the file does not
declare fails the test: anything not declared is denied.

Rebuild the file from the current code with AICITY_WRITE_ACCESS_MATRIX=1, then read every changed entry
(`git diff`) before committing it: the file is the reviewed policy, not a snapshot."""

import os
import warnings
from pathlib import Path

import pytest
import yaml

from services.suite import SERVICES
from tests.hardening.support import CALLERS, Harvest, RequestBuilder, caller_headers, classify, endpoints

MATRIX_FILE = Path(__file__).with_name("access_matrix.yaml")
WRITE = os.environ.get("AICITY_WRITE_ACCESS_MATRIX") == "1"
SIGNIN_UNTHROTTLED = "10000/minute"

# Who makes the set-up records (first caller that may): they all belong to the home places (C001, Buk-gu,
# steelworks, bus-101), so the second caller of each pair is the one that must be refused.
SETUP_ORDER = ["admin", "staff_C001", "nurse_Buk-gu", "academy_staff", "partner_steelworks", "official",
               "health_kiosk_C001", "bus", "enrolment_kiosk", "gateway_steelworks", "detector"]


# Routes that remove the set-up records (erasure on request): not used in the set-up, and observed after every
# other route, so the others still act on a real record.
DESTROYS_RECORDS = {"POST /v1/residents/{resident_id}/erasure"}


def load_matrix() -> dict:
    if not MATRIX_FILE.exists():
        return {}
    return yaml.safe_load(MATRIX_FILE.read_text()) or {}


def set_up_records(client, builder: RequestBuilder, eps, headers) -> None:
    """Creates one record per collection as its first permitted caller, three rounds so that records
    that need another's id (offerings need a course) find it; every answer's ids go into the harvest."""
    writes = [e for e in eps if e.method in ("POST", "PUT") and not e.path.startswith("/v1/auth")
              and e.key not in DESTROYS_RECORDS]
    for _ in range(3):
        for ep in writes:
            for caller in SETUP_ORDER:
                r = client.request(**builder.build(ep), headers=headers[caller])
                if r.status_code in (401, 403):
                    continue
                if r.status_code < 300:
                    builder.harvest.take_response(ep.path, r.json())
                break
    for ep in eps:
        if ep.method == "GET" and "{" not in ep.path and ep.path.startswith("/v1/"):
            r = client.request(**builder.build(ep), headers=headers["admin"])
            if r.status_code == 200 and "json" in r.headers.get("content-type", ""):
                body = r.json()
                builder.harvest.take_response(ep.path, body.get("items", body) if isinstance(body, dict) else body)


STATUS_DUMP = os.environ.get("AICITY_ACCESS_STATUS_DUMP")  # a file to write every status code to, for review


def destroys(ep) -> bool:
    return ep.method == "DELETE" or ep.path.rstrip("/").rsplit("/", 1)[-1] in ("erasure", "erase", "purge")


def observe(client, auth) -> dict[str, dict[str, str]]:
    headers = caller_headers(auth)
    builder = RequestBuilder(client.app.openapi(), Harvest())
    eps = sorted(endpoints(client.app), key=lambda e: e.key in DESTROYS_RECORDS)
    set_up_records(client, builder, eps, headers)
    observed: dict[str, dict[str, str]] = {}
    statuses: dict[str, dict] = {"harvest": builder.harvest.ids}
    for ep in sorted(eps, key=destroys):  # an erasure first would turn every later check into a 404
        observed[ep.key] = {}
        for caller in CALLERS:
            r = client.request(**builder.build(ep), headers=headers[caller])
            observed[ep.key][caller] = classify(r.status_code)
            if r.status_code < 300 and ep.method in ("POST", "PUT") and "json" in r.headers.get("content-type", ""):
                builder.harvest.take_response(ep.path, r.json())  # later routes then act on a real record
            if r.status_code not in (401, 403):
                error = r.json().get("error") if "json" in r.headers.get("content-type", "") and r.status_code >= 400 else ""
                statuses.setdefault(ep.key, {})[caller] = f"{r.status_code} {error or ''}".strip()
    if STATUS_DUMP:
        import json

        Path(STATUS_DUMP).write_text(json.dumps(statuses, indent=1, default=str))
    return observed


# Shorthands the file may use in `allowed`.
GROUPS = {
    "everyone": list(CALLERS),
    "signed_in": [c for c in CALLERS if c != "anonymous"],
}


def _compact(callers: list[str]) -> list[str] | str:
    for name, members in GROUPS.items():
        if callers == members:
            return name
    return callers


def _expand(value) -> list[str]:
    if isinstance(value, str):
        return GROUPS[value]
    return list(value or [])


def as_entry(outcomes: dict[str, str], note: str | None = None) -> dict:
    entry: dict = {"allowed": _compact([c for c, o in outcomes.items() if o == "allowed"])}
    unauthenticated = [c for c, o in outcomes.items() if o == "401"]
    if unauthenticated:
        entry["401"] = unauthenticated
    if note:
        entry["note"] = note
    return entry


def expected(entry: dict) -> dict[str, str]:
    out = {}
    allowed = _expand(entry.get("allowed"))
    for caller in CALLERS:
        if caller in allowed:
            out[caller] = "allowed"
        elif caller in entry.get("401", []):
            out[caller] = "401"
        else:
            out[caller] = "403"
    return out


@pytest.mark.parametrize("service", list(SERVICES))
def test_every_route_answers_every_caller_as_declared(service, client_for, auth):
    # The matrix calls sign-in 17 times with the same made-up account; the throttle would answer 429 from the
    # sixth. Throttling has its own tests (test_signin.py); here sign-in is observed for access only.
    client = client_for(service, signin_account_limits=SIGNIN_UNTHROTTLED, signin_address_limits=SIGNIN_UNTHROTTLED)
    observed = observe(client, auth)
    matrix = load_matrix()
    declared: dict = matrix.get(service) or {}
    if WRITE:
        matrix[service] = {key: as_entry(outcomes, (declared.get(key) or {}).get("note"))
                           for key, outcomes in observed.items()}
        MATRIX_FILE.write_text(HEADER + yaml.safe_dump(matrix, sort_keys=False, width=120,
                                                       default_flow_style=None, allow_unicode=True))
        declared = matrix[service]
    problems = []
    for key, outcomes in observed.items():
        if key not in declared:
            problems.append(f"{key}: not declared in access_matrix.yaml (anything not declared is denied)")
            continue
        want = expected(declared[key])
        for caller, got in outcomes.items():
            if got != want[caller]:
                problems.append(f"{key} as {caller}: declared {want[caller]}, got {got}")
    stale = sorted(set(declared) - set(observed))
    if stale:  # grants nothing (the route is gone), so a warning: rebuild the file to drop them
        warnings.warn(f"{service}: declared routes the service no longer has: {', '.join(stale)}", stacklevel=1)
    assert not problems, "\n".join(problems)


def test_matrix_names_only_known_callers():
    for service, routes in load_matrix().items():
        assert service in SERVICES
        for key, entry in routes.items():
            for caller in _expand(entry.get("allowed")) + entry.get("401", []):
                assert caller in CALLERS, f"{service} {key}: unknown caller {caller}"


HEADER = """\
# Who may call what, per service and route: `allowed` = the request passes the access checks (any answer but
# 401/403: a 404 or 422 still counts), `401` = must sign in; every caller not listed must get 403.
# `everyone` = all callers incl. anonymous, `signed_in` = all but anonymous.
# Callers: see CALLERS in support.py (staff_C002, nurse_Nam-gu, partner_other, health_kiosk_C002 and
# gateway_other are the "other place" of each pair; set-up records belong to C001 / Buk-gu / steelworks).
# Checked by test_access_matrix.py; rebuilt with AICITY_WRITE_ACCESS_MATRIX=1 and then reviewed by hand.
"""
