"""One small HTTP client per service, with the signed-in official's own token; GETs cached for a short time.

The dashboard reaches the services only over HTTP (base URLs from AICITY_<SERVICE>_URL). Every call answers a
`Reply` instead of raising, so a page whose service is down or not built yet says so and the rest keeps working.
`AICITY_DASHBOARD_CACHE=off` turns the cache off (the benchmark's baseline).
"""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import streamlit as st

SERVICES: dict[str, int] = {"transit": 8101, "health_hubs": 8102, "talent_academy": 8103, "industry": 8104}
LIVE_TTL_S = 15  # live figures: a bus boarding shows within this
REFERENCE_TTL_S = 300  # centres, routes, crossings, plants: change rarely
TIMEOUT_S = 8.0


def base_url(service: str) -> str:
    default = f"http://127.0.0.1:{SERVICES[service]}"
    return os.environ.get(f"AICITY_{service.upper()}_URL", default).rstrip("/")


def cache_enabled() -> bool:
    return os.environ.get("AICITY_DASHBOARD_CACHE", "on").lower() not in {"off", "0", "false", "no"}


@dataclass
class Reply:
    """What one call gave: `status` is ok | down | missing | unauthorized | forbidden | error."""

    service: str
    path: str
    status: str
    data: Any = None
    detail: str = ""
    fetched_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())

    @property
    def ok(self) -> bool:
        return self.status == "ok"


_client: httpx.Client | None = None
_client_lock = threading.Lock()


def client() -> httpx.Client:
    """One connection pool for the whole dashboard process (httpx.Client is thread-safe). A client per call built
    an SSL context and opened a new connection each time: 20-50 ms a call, more than most services take."""
    global _client
    if _client is None:
        with _client_lock:
            if _client is None:
                _client = httpx.Client(timeout=TIMEOUT_S, limits=httpx.Limits(max_connections=32,
                                                                              max_keepalive_connections=16))
    return _client


def _request(method: str, url: str, *, token: str | None, params: tuple = (), data: dict | None = None,
             json: Any = None) -> dict:
    """Plain, picklable result so st.cache_data can keep it."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        response = client().request(method, url, headers=headers, params=list(params), data=data, json=json)
    except httpx.HTTPError as exc:  # refused, timed out, reset: the service is not answering
        return {"status": "down", "data": None, "detail": type(exc).__name__}
    fetched_at = datetime.now(UTC).isoformat()
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code < 300:
        return {"status": "ok", "data": body, "detail": "", "fetched_at": fetched_at}
    code = body.get("error", "") if isinstance(body, dict) else ""
    if method != "GET" and isinstance(body, dict):  # a refused action: keep the service's detail to show it
        return {"status": "refused" if response.status_code in (409, 422) else
                {401: "unauthorized", 403: "forbidden", 404: "missing"}.get(response.status_code, "error"),
                "data": body, "detail": f"{response.status_code} {code}".strip(), "fetched_at": fetched_at}
    status = {401: "unauthorized", 403: "forbidden", 404: "missing", 405: "missing"}.get(response.status_code, "error")
    return {"status": status, "data": None, "detail": f"{response.status_code} {code}".strip(), "fetched_at": fetched_at}


@st.cache_data(ttl=LIVE_TTL_S, show_spinner=False, max_entries=2000)
def _cached_live(url: str, token: str | None, params: tuple) -> dict:
    return _request("GET", url, token=token, params=params)


@st.cache_data(ttl=REFERENCE_TTL_S, show_spinner=False, max_entries=500)
def _cached_reference(url: str, token: str | None, params: tuple) -> dict:
    return _request("GET", url, token=token, params=params)


def _params(params: dict | None) -> tuple:
    if not params:
        return ()
    items = []
    for key, value in sorted(params.items()):
        if value is None or value == "" or value == []:
            continue
        for one in value if isinstance(value, list | tuple) else [value]:
            items.append((key, str(one)))
    return tuple(items)


def get(service: str, path: str, *, token: str | None, params: dict | None = None, live: bool = True) -> Reply:
    url = base_url(service) + path
    query = _params(params)
    if cache_enabled():
        raw = (_cached_live if live else _cached_reference)(url, token, query)
    else:
        raw = _request("GET", url, token=token, params=query)
    return Reply(service=service, path=path, **raw)


def prefetch(calls: list[tuple[str, str, dict | None, bool]], *, token: str | None) -> None:
    """Puts several GETs (service, path, params, live) in the cache at once, in threads, so that the page's own
    `get`s after it are cache hits: a page that needs six answers waits for the slowest, not for their sum. The
    page code stays as it was. Without the cache there is nothing to keep the answers in, so it does nothing."""
    if not cache_enabled() or len(calls) < 2:
        return
    from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx

    ctx = get_script_run_ctx()

    def one(call: tuple[str, str, dict | None, bool]) -> None:
        add_script_run_ctx(threading.current_thread(), ctx)  # st.cache_data looks for the script run's context
        service, path, params, live = call
        get(service, path, token=token, params=params, live=live)

    with ThreadPoolExecutor(max_workers=min(len(calls), 8)) as pool:
        list(pool.map(one, calls))


def first_ok(service: str, paths: list[str], *, token: str | None, params: dict | None = None,
             live: bool = True) -> Reply:
    """The first of several candidate endpoints that answers (services name their lists slightly differently)."""
    reply = None
    for path in paths:
        reply = get(service, path, token=token, params=params, live=live)
        if reply.status not in {"missing"}:
            return reply
    return reply  # type: ignore[return-value]


@dataclass
class Session:
    token: str
    role: str
    username: str
    expires_at: str
    signed_in_at: float = field(default_factory=time.time)


def sign_in(username: str, password: str) -> tuple[Session | None, str]:
    """POST /v1/auth/token on the first service that answers; every service accepts the token it gives."""
    last = "down"
    for service in SERVICES:
        raw = _request("POST", base_url(service) + "/v1/auth/token", token=None,
                       data={"username": username, "password": password})
        if raw["status"] == "ok":
            body = raw["data"]
            return Session(token=body["access_token"], role=body.get("role", ""), username=username,
                           expires_at=str(body.get("expires_at", ""))), "ok"
        if raw["status"] == "down":
            continue
        return None, raw["status"]  # wrong password: every service would say the same
    return None, last


def send(service: str, method: str, path: str, *, token: str | None, json: Any = None) -> Reply:
    """A change (POST / PUT / DELETE) with the signed-in person's token; never cached. The cache is cleared after
    a change so the page shows what it did."""
    raw = _request(method, base_url(service) + path, token=token, json=json)
    if raw["status"] == "ok":
        clear_cache()
    return Reply(service=service, path=path, **raw)


def clear_cache() -> None:
    _cached_live.clear()
    _cached_reference.clear()
