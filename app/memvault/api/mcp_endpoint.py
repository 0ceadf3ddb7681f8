"""The ``/mcp`` endpoint, with the MCP SDK imported and its server built on the first request.

The SDK and what it pulls in hold ~25 MB in a process that may never serve MCP
(the desktop app starts the API server for every session), so nothing imports
it before an authenticated request reaches ``/mcp``. Its session manager then
runs in a task group the app's lifespan owns, so shutdown stops it as before.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import anyio
from anyio.abc import TaskGroup, TaskStatus
from starlette.types import ASGIApp, Receive, Scope, Send

from memvault.service.container import Services


class LazyMcp:
    """An ASGI app that builds the MCP server once, on its first call, and then hands every call to it."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self._endpoint: ASGIApp | None = None
        self._task_group: TaskGroup | None = None
        self._lock: anyio.Lock | None = None

    @property
    def built(self) -> bool:
        """Whether a request has made the MCP server yet."""
        return self._endpoint is not None

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """For the app's lifespan: the MCP session manager, once built, lives inside this."""
        self._lock = anyio.Lock()
        async with anyio.create_task_group() as task_group:
            self._task_group = task_group
            try:
                yield
            finally:
                self._task_group = None
                self._endpoint = None
                task_group.cancel_scope.cancel()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        endpoint = self._endpoint or await self._build()
        await endpoint(scope, receive, send)

    async def _build(self) -> ASGIApp:
        if self._task_group is None or self._lock is None:
            raise RuntimeError("the MCP endpoint serves only while the app's lifespan runs")
        async with self._lock:
            # Requests that waited for the first build take the server it made.
            if self._endpoint is None:
                # Importing the SDK takes a while: off the event loop, so REST requests keep flowing.
                server, endpoint = await anyio.to_thread.run_sync(self._make)
                await self._task_group.start(self._serve, server.session_manager)
                self._endpoint = endpoint
        return self._endpoint

    def _make(self):
        from mcp.server.streamable_http_manager import StreamableHTTPASGIApp
        from mcp.server.transport_security import TransportSecuritySettings

        from memvault.api.mcp import build_server, http_principal

        server = build_server(self.services, http_principal)
        # Our HostGuard already refuses foreign Host headers for every route.
        server.streamable_http_app(
            streamable_http_path="/mcp", stateless_http=True, json_response=True,
            transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False))
        return server, StreamableHTTPASGIApp(server.session_manager)

    @staticmethod
    async def _serve(manager, *, task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        async with manager.run():
            task_status.started()
            await anyio.sleep_forever()
