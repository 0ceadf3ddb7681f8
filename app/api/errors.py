"""The one place that turns errors into HTTP responses.

Each compatibility profile has its own envelope; the profile is chosen by the
request path (``/compat/<profile>/...``), everything else gets the native one.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.domain import errors as e

STATUS: dict[type[e.MemvaultError], int] = {
    e.InvalidInput: 400,
    e.Unauthorized: 401,
    e.Forbidden: 403,
    e.NotFound: 404,
    e.Conflict: 409,
    e.RateLimited: 429,
    e.VaultLocked: 503,
}

#: Stable codes for plain HTTP errors that do not come from the domain.
HTTP_CODES = {400: "invalid_input", 401: "unauthorized", 403: "forbidden", 404: "not_found",
              405: "method_not_allowed", 409: "conflict", 413: "payload_too_large", 415: "unsupported_media_type",
              422: "invalid_input", 429: "rate_limited", 503: "unavailable"}


class PayloadTooLarge(e.InvalidInput):
    """The request body (or one field of it) is larger than allowed."""

    code = "payload_too_large"


STATUS[PayloadTooLarge] = 413


def status_of(exc: e.MemvaultError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 500


def _native(status: int, code: str, message: str, extra: dict) -> dict:
    return {"error": {"code": code, "message": message, "status": status, **extra}}


def _azen(status: int, code: str, message: str, extra: dict) -> dict:
    names = {400: "invalid_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
             409: "conflict", 413: "payload_too_large", 429: "rate_limited"}
    return {"status": names.get(status, "internal_server_error" if status >= 500 else code),
            "message": message, "code": status, **extra}


def _sendryx(status: int, code: str, message: str, extra: dict) -> dict:
    return {"success": False, "message": message, **extra}


def _memsync(status: int, code: str, message: str, extra: dict) -> dict:
    names = {400: "VALIDATION_ERROR", 401: "AUTHENTICATION_ERROR", 403: "AUTHENTICATION_ERROR",
             413: "VALIDATION_ERROR", 422: "VALIDATION_ERROR", 429: "RATE_LIMIT_EXCEEDED"}
    return {"success": False, "error": {"code": names.get(status, "PROCESSING_ERROR"), "message": message},
            **extra}


def _statebase(status: int, code: str, message: str, extra: dict) -> dict:
    names = {400: "invalid_request", 401: "unauthorized", 403: "forbidden", 404: "memory_not_found",
             413: "content_too_large", 422: "invalid_request", 429: "rate_limit_exceeded"}
    return {"error": {"code": names.get(status, code), "message": message}, **extra}


RENDERERS: dict[str, Callable[[int, str, str, dict], dict]] = {
    "azen": _azen, "sendryx": _sendryx, "memsync": _memsync, "statebase": _statebase,
}


def render(path: str, status: int, code: str, message: str, **extra: object) -> JSONResponse:
    """A JSON error response in the envelope of the profile that ``path`` belongs to."""
    profile = path.split("/")[2] if path.startswith("/compat/") and path.count("/") >= 2 else ""
    body = RENDERERS.get(profile, _native)(status, code, message, dict(extra))
    headers = {}
    if "retry_after_seconds" in extra:
        headers["Retry-After"] = str(int(extra["retry_after_seconds"]))
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return JSONResponse(body, status_code=status, headers=headers)


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    if any(err.get("type") == "json_invalid" for err in exc.errors()):
        return "the request body is not valid JSON"
    for err in exc.errors()[:5]:
        where = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path"))
        parts.append(f"{where}: {err.get('msg', 'invalid')}" if where else err.get("msg", "invalid"))
    return "; ".join(parts) or "the request is not valid"


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""

    @app.exception_handler(e.MemvaultError)
    async def _domain(request: Request, exc: e.MemvaultError) -> JSONResponse:
        extra = {}
        if isinstance(exc, e.RateLimited):
            extra["retry_after_seconds"] = exc.retry_after_seconds
        return render(request.url.path, status_of(exc), exc.code, exc.message, **extra)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        # The hosted APIs answer a malformed body with 400; the native API keeps FastAPI's 422.
        status = 400 if request.url.path.startswith("/compat/") else 422
        return render(request.url.path, status, "invalid_input", _validation_message(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = HTTP_CODES.get(exc.status_code, "error")
        message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
        return render(request.url.path, exc.status_code, code, message)
