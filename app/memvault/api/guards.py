"""ASGI guards in front of every route: Host check, body size cap, and methods of literal paths.

They are plain ASGI middleware so that they run before any routing or body
parsing, including for the mounted MCP app.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from memvault.api.errors import render

LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
#: 100 memories of 50,000 characters (up to 4 bytes each in UTF-8) fit.
MAX_BODY_BYTES = 24 * 1024 * 1024


def host_name(host_header: str) -> str:
    """The name part of a Host header (``[::1]:7411`` -> ``[::1]``)."""
    if host_header.startswith("["):
        return host_header.split("]", 1)[0] + "]"
    return host_header.rsplit(":", 1)[0] if host_header.count(":") == 1 else host_header


class HostGuard:
    """Refuse requests whose Host is not an allowed name (DNS rebinding defence)."""

    def __init__(self, app: ASGIApp, allowed: Iterable[str] = LOOPBACK_NAMES) -> None:
        self.app = app
        self.allowed = frozenset(h.lower() for h in allowed)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = dict(scope.get("headers") or [])
            host = host_name(headers.get(b"host", b"").decode("latin-1").strip().lower())
            if host not in self.allowed:
                response = render(scope["path"], 403, "forbidden_host",
                                  "requests must address this server by a loopback name (Host header refused)")
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _too_large(limit: int) -> str:
    return f"the request body is larger than {limit // (1024 * 1024):,} MiB"


class BodyLimit:
    """Answer 413 for bodies over ``limit`` bytes, declared or streamed (chunked).

    ``routes`` gives other limits to some ``(method, path)`` pairs (the bundle
    upload, which the route streams to a file instead of holding in memory).

    A streamed body is counted as it is read; past the limit, reading raises an
    HTTP 413 error, which FastAPI passes through to the error handlers (any
    other exception raised while reading a body it would turn into a 400).
    """

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES,
                 routes: Mapping[tuple[str, str], int] | None = None) -> None:
        self.app = app
        self.limit = limit
        self.routes = dict(routes or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.routes.get((scope.get("method", ""), scope["path"]), self.limit)
        message_text = _too_large(limit)
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await render(scope["path"], 413, "payload_too_large", message_text)(scope, receive, send)
            return
        received = 0
        started = False

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise HTTPException(413, detail=message_text)
            return message

        async def watch(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited, watch)
        except HTTPException as exc:
            # Apps that read the body outside FastAPI's handlers (the MCP endpoint) let it escape.
            if exc.status_code != 413 or started:
                raise
            await render(scope["path"], 413, "payload_too_large", message_text)(scope, receive, send)


class LiteralPaths:
    """Answer 405 for a method a literal path does not take, before routing reads it as a parameter.

    ``GET /compat/azen/api/v1/memory/search`` also fits ``GET .../memory/{memory_id}``, which answered "no memory
    with id search": the client addressed the search route with the wrong method, so it is told which ones it
    takes. ``routes``: every API route's ``(path, methods)``.
    """

    def __init__(self, app: ASGIApp, routes: Iterable[tuple[str, Iterable[str]]]) -> None:
        self.app = app
        found: dict[str, set[str]] = {}
        for path, methods in routes:
            if "{" not in path:
                found.setdefault(path, set()).update(methods)
        self._methods = {path: frozenset(methods | ({"HEAD"} if "GET" in methods else set()))
                         for path, methods in found.items()}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            allowed = self._methods.get(scope["path"])
            method = scope.get("method", "")
            if allowed is not None and method not in allowed and method != "OPTIONS":
                names = ", ".join(sorted(allowed - {"HEAD"}))
                response = render(scope["path"], 405, "method_not_allowed",
                                  f"{scope['path']} takes {names}, not {method}", {"Allow": names})
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
