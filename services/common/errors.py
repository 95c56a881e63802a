"""Errors that carry their own HTTP status and stable code, and the one envelope every response uses."""

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, OperationalError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("aicity.errors")


class DomainError(Exception):
    status_code = 400
    code = "bad_request"

    def __init__(self, detail: Any = None, *, code: str | None = None, status_code: int | None = None,
                 headers: dict[str, str] | None = None):
        super().__init__(detail if isinstance(detail, str) else code or self.code)
        self.detail = detail
        self.headers = headers
        if code:
            self.code = code
        if status_code:
            self.status_code = status_code


class NotFound(DomainError):
    status_code = 404
    code = "not_found"


class Conflict(DomainError):
    status_code = 409
    code = "conflict"


class Unprocessable(DomainError):
    status_code = 422
    code = "invalid"


class Unauthorized(DomainError):
    status_code = 401
    code = "unauthorized"


class Forbidden(DomainError):
    status_code = 403
    code = "forbidden"


class PayloadTooLarge(DomainError):
    status_code = 413
    code = "payload_too_large"


class TooManyRequests(DomainError):
    status_code = 429
    code = "rate_limited"


HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    503: "service_busy",
}


def envelope(request: Request, status: int, code: str, detail: Any, headers=None) -> JSONResponse:
    body = {"error": code, "detail": detail, "request_id": getattr(request.state, "request_id", None)}
    return JSONResponse(body, status_code=status, headers=headers)


def _jsonable_errors(errors) -> list[dict]:
    out = []
    for e in errors:
        out.append({"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": e.get("type", "")})
    return out


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError):
        headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else {}
        headers.update(getattr(exc, "headers", None) or {})
        return envelope(request, exc.status_code, exc.code, exc.detail, headers or None)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        return envelope(request, 422, "validation_error", _jsonable_errors(exc.errors()))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        code = HTTP_CODES.get(exc.status_code, f"http_{exc.status_code}")
        return envelope(request, exc.status_code, code, exc.detail, getattr(exc, "headers", None))

    @app.exception_handler(SQLAlchemyTimeoutError)
    async def _pool_exhausted(request: Request, exc: SQLAlchemyTimeoutError):
        # Overload, not a bug: every connection is busy. 503 tells a device to retry (with the same key) later.
        log.warning("database pool exhausted", extra={"request_id": getattr(request.state, "request_id", None)})
        return envelope(request, 503, "service_busy", "the service is busy; retry shortly", {"Retry-After": "2"})

    @app.exception_handler(OperationalError)
    async def _database_busy(request: Request, exc: OperationalError):
        if "database is locked" not in str(exc.orig):  # any other operational error stays a logged 500
            return await _unexpected(request, exc)
        log.warning("database locked past the busy timeout",
                    extra={"request_id": getattr(request.state, "request_id", None)})
        return envelope(request, 503, "service_busy", "the service is busy; retry shortly", {"Retry-After": "2"})

    @app.exception_handler(DataError)
    async def _data_error(request: Request, exc: DataError):
        # The database refused a value the schema let through (an id past PostgreSQL's 32-bit integer, a string
        # the type cannot hold): bad input, so 422 like any other, without the driver's text.
        log.info("database refused a value", extra={"request_id": getattr(request.state, "request_id", None)})
        return envelope(request, 422, "invalid_value", "a value is out of range for its field")

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        log.exception("unhandled error", extra={"request_id": getattr(request.state, "request_id", None)})
        return envelope(request, 500, "internal_error", "internal server error")
