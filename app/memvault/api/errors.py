"""The one place that turns errors into HTTP responses.

Each compatibility profile has its own envelope; the profile is chosen by the
request path (``/compat/<profile>/...``); ``/mcp`` answers a JSON-RPC error, and
everything else gets the native one.
Anything that is not a known error is a bug: :class:`CatchAll` answers it with
a 500 in the same envelope and logs the stack without any exception message
(messages of driver or library errors can carry memory text).
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from memvault.domain import errors as e

log = logging.getLogger(__name__)

STATUS: dict[type[e.MemvaultError], int] = {
    e.InvalidInput: 400,
    e.Unauthorized: 401,
    e.Forbidden: 403,
    e.NotFound: 404,
    e.Conflict: 409,
    e.RateLimited: 429,
    e.VaultLocked: 503,
    e.VaultBusy: 503,
    e.VaultReadOnly: 503,
    e.StorageError: 503,
    e.StorageFull: 507,
    e.VaultCorrupt: 500,
    e.VaultError: 503,
    e.ModelError: 503,
    e.ExtractionFailed: 503,
    # An uploaded bundle that is damaged, for other recipients, of a newer format or under another passphrase.
    e.DamagedData: 422,
    e.DecryptionFailed: 422,
    e.UnsupportedVersion: 422,
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
    names = {400: "invalid_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
             409: "conflict", 413: "payload_too_large", 429: "rate_limited"}
    return {"status": names.get(status, "internal_server_error" if status >= 500 else code),
            "message": message, "code": status, **extra}


def _sendryx(status: int, code: str, message: str, extra: dict) -> dict:
    return {"success": False, "message": message, **extra}


def _memsync(status: int, code: str, message: str, extra: dict) -> dict:
    # The document's four codes; PROCESSING_ERROR is for a failed extraction only.
    names = {400: "VALIDATION_ERROR", 401: "AUTHENTICATION_ERROR", 403: "AUTHENTICATION_ERROR", 404: "NOT_FOUND",
             405: "METHOD_NOT_ALLOWED", 409: "CONFLICT", 413: "VALIDATION_ERROR", 422: "VALIDATION_ERROR",
             429: "RATE_LIMIT_EXCEEDED"}
    if code in ("extraction_failed", "extraction_model_error"):
        name = "PROCESSING_ERROR"
    else:
        name = names.get(status, "SERVICE_UNAVAILABLE" if status == 503 else "INTERNAL_ERROR")
    return {"success": False, "error": {"code": name, "message": message}, **extra}


def _statebase(status: int, code: str, message: str, extra: dict) -> dict:
    # 404: memory_not_found and session_not_found name what is missing; any other path is plain not_found.
    names = {400: "invalid_request", 401: "unauthorized", 403: "forbidden", 413: "content_too_large",
             422: "invalid_request", 429: "rate_limit_exceeded"}
    return {"error": {"code": names.get(status, code), "message": message}, **extra}


def _memoryrelay(status: int, code: str, message: str, extra: dict) -> dict:
    # The official SDK reads ``detail`` (FastAPI's key); the native envelope stays beside it.
    return {"detail": message, **_native(status, code, message, extra)}


def _json_rpc(status: int, code: str, message: str, extra: dict) -> dict:
    # An MCP client reads a refused request's body only when it is a JSON-RPC error (the official SDK shows
    # "Server returned an error response" otherwise); the native envelope's fields travel in ``data``.
    # The request's id is unknown here (refused before the body was read): null, as JSON-RPC allows.
    number = -32600 if status in (400, 405, 413, 422) else -32001
    return {"jsonrpc": "2.0", "id": None,
            "error": {"code": number, "message": message, "data": {"code": code, "status": status, **extra}}}


RENDERERS: dict[str, Callable[[int, str, str, dict], dict]] = {
    "azen": _azen, "sendryx": _sendryx, "memsync": _memsync, "statebase": _statebase, "memoryrelay": _memoryrelay,
}
#: Profiles whose clients expect a refused request body as 422 (the MemoryRelay SDK's ValidationError).
INVALID_AS_422 = {"memoryrelay"}


def _printable(value: object) -> object:
    # A message may quote the caller's input, and input may hold lone surrogates
    # that UTF-8 cannot encode: escape them rather than fail while answering.
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    return value


def render(path: str, status: int, code: str, message: str, headers: dict[str, str] | None = None,
           **extra: object) -> JSONResponse:
    """A JSON error response in the envelope of the profile that ``path`` belongs to."""
    profile = path.split("/")[2] if path.startswith("/compat/") and path.count("/") >= 2 else ""
    extra = {k: _printable(v) for k, v in extra.items()}
    if status == 400 and profile in INVALID_AS_422:
        status = 422
    renderer = _json_rpc if path == "/mcp" or path.startswith("/mcp/") else RENDERERS.get(profile, _native)
    body = renderer(status, code, str(_printable(message)), extra)
    out = dict(headers or {})
    if "retry_after_seconds" in extra:
        out["Retry-After"] = str(max(1, round(float(extra["retry_after_seconds"]))))
    if status == 401:
        out["WWW-Authenticate"] = "Bearer"
    return JSONResponse(body, status_code=status, headers=out)


def render_domain(path: str, exc: e.MemvaultError) -> JSONResponse:
    """The response for a domain error, with ``Retry-After`` where the error says when to retry."""
    extra: dict[str, object] = {}
    retry = getattr(exc, "retry_after_seconds", None)
    if retry is not None:
        extra["retry_after_seconds"] = retry
    # Storage errors say what happened and what to do (vault/engine.py words them); they pass as they are.
    return render(path, status_of(exc), exc.code, exc.message, **extra)


def _validation_message(exc: RequestValidationError, content_type: str = "application/json") -> str:
    parts = []
    errors = exc.errors()
    if any(err.get("type") == "json_invalid" for err in errors):
        return "the request body is not valid JSON"
    media = content_type.split(";")[0].strip().lower()
    for err in errors[:5]:
        loc = tuple(err.get("loc", ()))
        if loc == ("body",) and err.get("type") != "missing" and media != "application/json" and not media.endswith(
                "+json"):
            # The body was never read as JSON: its Content-Type said otherwise (curl -d sends a form's).
            parts.append("this route takes a JSON object as its request body: send it with Content-Type: "
                         f"application/json (this request said {media or 'none'})")
            continue
        if loc == ("body",):
            # The whole body: missing, or not an object ("Field required" alone named nothing).
            parts.append("this route takes a JSON object as its request body" if err.get("type") != "missing"
                         else "the request body is missing: send a JSON object (Content-Type: application/json)")
            continue
        # The first part says where the value was (body, query string, path); a field may be named "query" too.
        where = ".".join(str(p) for p in (loc[1:] if loc[:1] and loc[0] in ("body", "query", "path", "header")
                                          else loc))
        parts.append(f"{where}: {err.get('msg', 'invalid')}" if where else err.get("msg", "invalid"))
    return "; ".join(parts) or "the request is not valid"


def scrubbed_traceback(exc: BaseException) -> str:
    """The stack of ``exc`` and its causes with exception types but no messages (no memory text)."""
    lines: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        stack = traceback.extract_tb(current.__traceback__)
        block = ["Traceback (most recent call last):\n", *traceback.format_list(stack),
                 f"{type(current).__module__}.{type(current).__qualname__} (message withheld)\n"]
        lines[:0] = block if not lines else [*block, "\nwhich led to:\n\n"]
        current = current.__cause__ or current.__context__
    return "".join(lines).rstrip()


class CatchAll:
    """Answer any unexpected exception with a 500 in the JSON envelope, and log it without its message."""

    def __init__(self, app: ASGIApp, on_error: Callable[[Scope], None] | None = None) -> None:
        self.app = app
        self.on_error = on_error or (lambda _scope: None)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception as exc:  # noqa: BLE001 - the last line of defence: everything is answered
            log.error("unexpected error in %s %s\n%s", scope.get("method"), scope.get("route_path", scope["path"]),
                      scrubbed_traceback(exc))
            self.on_error(scope)
            if started:
                return  # too late for an answer: the client sees the connection end
            if isinstance(exc, e.MemvaultError):
                response = render_domain(scope["path"], exc)
            elif isinstance(exc, StarletteHTTPException):
                response = render(scope["path"], exc.status_code, HTTP_CODES.get(exc.status_code, "error"),
                                  exc.detail if isinstance(exc.detail, str) else "error", dict(exc.headers or {}))
            else:
                response = render(scope["path"], 500, "internal_error",
                                  "an unexpected error occurred; it was logged without its details")
            await response(scope, receive, send)


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""

    @app.exception_handler(e.MemvaultError)
    async def _domain(request: Request, exc: e.MemvaultError) -> JSONResponse:
        return render_domain(request.url.path, exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        # The hosted APIs answer a malformed body with 400; the native API keeps FastAPI's 422.
        status = 400 if request.url.path.startswith("/compat/") else 422
        return render(request.url.path, status, "invalid_input",
                      _validation_message(exc, request.headers.get("content-type", "")))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = HTTP_CODES.get(exc.status_code, "error")
        message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
        if exc.status_code == 404 and message == "Not Found":  # the router's own: no route has this path
            message = f"no route {request.method} {request.url.path} (the routes are listed at /docs)"
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = _allowed_methods(request) or headers.get("Allow", "")
            if message == "Method Not Allowed" and headers["Allow"]:  # the router's own, as LiteralPaths words it
                message = f"{request.url.path} takes {headers['Allow']}, not {request.method}"
        return render(request.url.path, exc.status_code, code, message, headers)


_METHODS = ("delete", "get", "head", "options", "patch", "post", "put", "trace")


def _allowed_methods(request: Request) -> str:
    """The methods of the path's most specific documented route (Starlette names only the first route's).

    ``/v1/memories/batch`` also fits ``/v1/memories/{memory_id}``; the literal
    path is what the client addressed, so its methods are the ones allowed.
    """
    path = request.url.path.removeprefix("/compat/memoryrelay")
    parts = path.strip("/").split("/")
    best: tuple[int, list[str]] | None = None
    for template, operations in request.app.openapi().get("paths", {}).items():
        tparts = template.strip("/").split("/")
        if len(tparts) != len(parts):
            continue
        if all(t == p or (t.startswith("{") and t.endswith("}")) for t, p in zip(tparts, parts)):
            literal = sum(1 for t in tparts if not t.startswith("{"))
            methods = sorted(m.upper() for m in operations if m in _METHODS)
            if best is None or literal > best[0]:
                best = (literal, methods)
    if best is not None:
        return ", ".join(best[1])
    allowed = []  # routes left out of the document (the MCP endpoint): ask the router
    for method in ("DELETE", "GET", "PATCH", "POST", "PUT"):
        probe = dict(request.scope, method=method)
        if any(route.matches(probe)[0] is Match.FULL for route in request.app.router.routes):
            allowed.append(method)
    return ", ".join(allowed)
