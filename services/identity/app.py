"""A service's app with identity in it: common's factory (plumbing only) given the `/v1/auth` routes and the
directory its auth reads accounts and devices from. Every service's `create_app` builds through this; it is the
one module of identity a service may import (tests/test_boundaries.py)."""

from fastapi import FastAPI

from services.common.app import build_app as build_plumbing
from services.identity.directory import IdentityDirectory
from services.identity.router import router as auth_router


def build_app(*, routers, **parts) -> FastAPI:
    """`services.common.app.build_app`'s arguments; `/v1/auth` is mounted before the service's routers."""
    return build_plumbing(routers=[auth_router, *routers], directory=IdentityDirectory, **parts)
