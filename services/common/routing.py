"""The router every service uses: sync endpoints whose response is serialised without a second thread-pool trip.

FastAPI runs a sync endpoint in the thread pool and then, for a sync endpoint, serialises its return value in
the pool again, all before the request's session dependency commits. Under a burst every pool slot can then be
held by a handler waiting for a row lock whose holder is itself waiting for a slot to serialise its answer: a
deadlock until the lock times out. Wrapping the sync endpoint in an async one that hands it to the pool keeps
the endpoint in a thread, but lets FastAPI serialise on the event loop, so the commit follows at once."""

import functools
import inspect
from typing import Any

import fastapi
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool


def _in_threadpool(endpoint):
    @functools.wraps(endpoint)
    async def run(*args: Any, **kwargs: Any):
        return await run_in_threadpool(endpoint, *args, **kwargs)

    return run


class SyncEndpointRoute(APIRoute):
    def __init__(self, path: str, endpoint, **kwargs: Any):
        if not inspect.iscoroutinefunction(endpoint):
            endpoint = _in_threadpool(endpoint)
        super().__init__(path, endpoint, **kwargs)


class APIRouter(fastapi.APIRouter):
    """`fastapi.APIRouter` with `SyncEndpointRoute` as its route class."""

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("route_class", SyncEndpointRoute)
        super().__init__(*args, **kwargs)
