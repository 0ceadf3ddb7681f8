"""The FastAPI application: routers, guards, error handlers and the MCP endpoint."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable

from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi_offline import FastAPIOffline
from starlette.requests import Request
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from memvault import __version__
from memvault.api import admin, admission, bundles, conversations, entities, errors, native, readable
from memvault.api.compat import (
    azen,
    memoryrelay,
    memoryrelay_more,
    memsync,
    sendryx,
    statebase,
    statebase_sessions,
)
from memvault.api.deps import api_key_from
from memvault.api.guards import LOOPBACK_NAMES, BodyLimit, HostGuard, LiteralPaths
from memvault.api.mcp_endpoint import LazyMcp
from memvault.domain import limits
from memvault.domain.errors import InvalidInput, MemvaultError
from memvault.service import validation as v
from memvault.service.container import Services


class CountErrors:
    """Count 4xx/5xx answers against the key that made the request."""

    def __init__(self, app: ASGIApp, services: Services) -> None:
        self.app = app
        self.services = services

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def watch(message) -> None:
            if message["type"] == "http.response.start" and message["status"] >= 400:
                key = scope.get("state", {}).get("api_key")
                if key is not None:
                    self.services.usage.record(key.id, errors=1)
            await send(message)

        await self.app(scope, receive, watch)


#: The MCP SDK's own cap (``DEFAULT_MAX_REQUEST_BODY_SIZE``), answered here in the JSON-RPC envelope.
MCP_MAX_BODY_BYTES = 4 * 1024 * 1024


class McpAuth:
    """Authenticate MCP requests with the same keys, limits and usage as REST."""

    def __init__(self, app: ASGIApp, services: Services) -> None:
        self.app = app
        self.services = services

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope)
        try:
            key = self.services.keys.authenticate(api_key_from(request))
            self.services.rate_limiter.check(key)
        except MemvaultError as exc:
            await errors.render_domain(scope["path"], exc)(scope, receive, send)
            return
        scope.setdefault("state", {})["api_key"] = key
        self.services.usage.record(key.id, calls=1)
        # The SDK parses the body with pydantic, which spent 0.9 CPU-s on 4 MiB of empty lists: the body is
        # counted first, as the REST routes count theirs.
        body, replay = await _buffered(receive)
        try:
            v.refuse_many_values(body, "the request body", limits.JSON_BODY_MAX_VALUES)
        except InvalidInput as exc:
            await errors.render_domain(scope["path"], exc)(scope, replay, send)
            return
        await self.app(scope, replay, send)


async def _buffered(receive: Receive) -> tuple[bytes, Receive]:
    """The whole request body, and a ``receive`` that hands it on as one message and then reads on."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    pending = [{"type": "http.request", "body": body, "more_body": False}]

    async def replay() -> Message:
        return pending.pop() if pending else await receive()

    return body, replay


#: FastAPI (0.165 and later) traces requests, counts them and logs their failures "including the original input
#: values" to whatever OpenTelemetry provider the process has, and exports to an endpoint named by the environment
#: when FASTAPI_OTEL_AUTO_CONFIGURE is set. Memvault promises no telemetry, whatever a user's shell exports.
NO_TELEMETRY = {"tracing": False, "metrics": False, "logs": False, "operation_spans": False, "auto_configure": False}


def create_app(services: Services, *, allowed_hosts: Iterable[str] = LOOPBACK_NAMES) -> FastAPI:
    """The whole HTTP surface over ``services``."""
    mcp_endpoint = LazyMcp(services)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        admission.install(app.state)
        async with mcp_endpoint.running():
            yield

    # Swagger UI and ReDoc from files installed with Memvault (fastapi-offline): no CDN, and
    # like every route they sit behind the Host check. validatorUrl: no badge fetched from outside.
    app = FastAPIOffline(title="Memvault", version=__version__, lifespan=lifespan,
                         description="Local, encrypted, on-device memory for AI agents.",
                         swagger_ui_parameters={"validatorUrl": None}, telemetry=NO_TELEMETRY)
    app.state.services = services
    errors.install(app)
    # (router, prefix, in the OpenAPI document); the MemoryRelay profile's own routes first, then the native
    # routes it does not redefine (restore, archive, history).
    included = [(admin.health, "", True)] + [(m.router, "", True) for m in (admin, bundles, readable, conversations,
                                                                           native, entities)]
    included += [(memoryrelay.router, "", False), (memoryrelay_more.router, "", False),
                 (native.router, "/compat/memoryrelay", False)]
    included += [(m.router, "", True) for m in (azen, sendryx, memsync, statebase, statebase_sessions)]
    for router, prefix, documented in included:
        app.include_router(router, prefix=prefix, include_in_schema=documented)
    # No GET: the server is stateless and sends nothing unasked, so a GET event stream would only
    # hold a connection open for ever. The MCP transport allows 405 for it.
    app.router.routes.append(
        Route("/mcp", endpoint=McpAuth(mcp_endpoint, services),
              methods=["POST", "DELETE"]))
    app.add_middleware(CountErrors, services=services)
    app.add_middleware(LiteralPaths, routes=[(prefix + route.path, route.methods) for router, prefix, _ in included
                                             for route in router.routes if isinstance(route, APIRoute)])
    app.add_middleware(BodyLimit, routes={("POST", bundles.IMPORT_PATH): services.bundles.upload_limit_bytes,
                                          ("POST", "/mcp"): MCP_MAX_BODY_BYTES})
    app.add_middleware(HostGuard, allowed=allowed_hosts)
    # Outermost: whatever goes wrong below still gets the JSON envelope, and counts as the key's error.
    app.add_middleware(errors.CatchAll, on_error=lambda scope: _count_error(services, scope))
    return app


def _count_error(services: Services, scope: Scope) -> None:
    key = scope.get("state", {}).get("api_key")
    if key is not None:
        services.usage.record(key.id, errors=1)
