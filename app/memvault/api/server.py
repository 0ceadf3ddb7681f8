"""Running the HTTP app with uvicorn, in the foreground or on a background thread."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import socket
import threading
import time

import uvicorn

from memvault.api import connections
from memvault.api.app import create_app
from memvault.api.connections import GuardedH11Protocol
from memvault.api.guards import LOOPBACK_NAMES, HostGuard
from memvault.api.locked import locked_app
from memvault.domain.errors import InvalidInput
from memvault.service.container import Services
from memvault.service.foreground import Foreground

log = logging.getLogger(__name__)
# The MCP SDK announces its session manager at INFO on every start; keep the console quiet.
logging.getLogger("mcp").setLevel(logging.WARNING)


def resolve(host: str) -> list[str]:
    """The addresses ``host`` names (itself if it is an address); empty if it names none."""
    try:
        return [str(ipaddress.ip_address(host.strip("[]")))]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return []
    return list(dict.fromkeys(info[4][0].split("%", 1)[0] for info in infos))


def is_loopback(host: str) -> bool:
    """Whether every address ``host`` resolves to is a loopback address.

    A name is resolved, not read: ``127.example.com`` may point anywhere.
    """
    addresses = resolve(host)
    return bool(addresses) and all(ipaddress.ip_address(a).is_loopback for a in addresses)


def check_host(host: str, allow_remote: bool) -> None:
    """Refuse a host that names no address, or one off this machine unless ``allow_remote``."""
    if not resolve(host):
        raise InvalidInput(f"the host {host} names no address (check its spelling, or use 127.0.0.1)")
    if not is_loopback(host) and not allow_remote:
        raise InvalidInput(f"binding to {host} exposes your memories to the network; "
                           "pass --allow-remote if you really mean it")


class _Activity:
    """Notes when the last request arrived (the desktop app's idle lock may count agents as activity), and
    counts each request as foreground work until its answer starts.

    Counted from arrival, not only while a thread works on it: under many clients most requests wait for a
    thread, and background extraction that took the interpreter meanwhile made every one of them wait longer
    (searches alone left quiet moments whenever only reads and stores were in flight). Counted until the
    response starts, so an open event stream (MCP) does not hold the background back for its whole life.
    """

    def __init__(self, app, server: ApiServer, foreground: Foreground | None) -> None:
        self.app = app
        self.server = server
        self.foreground = foreground

    async def __call__(self, scope, receive, send) -> None:
        foreground = self.foreground
        if scope["type"] == "http":
            self.server.last_request = time.monotonic()
        if scope["type"] != "http" or foreground is None:
            await self.app(scope, receive, send)
            return
        counted = True
        foreground.begin()

        async def answering(message) -> None:
            nonlocal counted
            if counted and message["type"] == "http.response.start":
                counted = False
                foreground.end()
            await send(message)

        try:
            await self.app(scope, receive, answering)
        finally:
            if counted:
                foreground.end()


class ApiServer:
    """A uvicorn server for ``services``; ``port=0`` picks a free port.

    The listening socket is this object's for its whole life: :meth:`lock` and
    :meth:`unlock` swap the app behind it (a uvicorn server each, serving a
    duplicate of the socket), so the port never closes and a client connecting
    during the swap waits in the backlog instead of being refused.

    Attributes:
        url: the base URL once started.
        last_request: ``time.monotonic()`` of the latest HTTP request (0: none yet).
    """

    def __init__(self, services: Services, *, host: str = "127.0.0.1", port: int = 7411,
                 allow_remote: bool = False) -> None:
        check_host(host, allow_remote)
        allowed = set(LOOPBACK_NAMES) | ({host} if host not in LOOPBACK_NAMES else set())
        # Bind the address that was checked, not the name again (it could resolve elsewhere the second time).
        address = (resolve(host) or [host])[0]
        # IPPROTO_TCP named, not left 0: asyncio sets TCP_NODELAY only on sockets whose protocol says TCP, and
        # the connections accepted here inherit it. Without it each answer (head and body written apart) waited
        # for the client's delayed ACK: ~40 ms a request on Linux, whatever the request cost.
        self._sock = socket.socket(socket.AF_INET6 if ":" in address else socket.AF_INET, socket.SOCK_STREAM,
                                   socket.IPPROTO_TCP)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            self._sock.bind((address, port))
        except OSError as exc:
            self._sock.close()
            raise InvalidInput(f"cannot listen on {host}:{port}: {exc.strerror}") from None
        # Listen now: a client told the URL may connect before uvicorn's loop runs,
        # and its connection should wait in the backlog rather than be refused.
        self._sock.listen(2048)
        self.port = self._sock.getsockname()[1]
        shown = f"[{host}]" if ":" in host else host
        self.url = f"http://{shown}:{self.port}"
        self._allowed = allowed
        self.last_request = 0.0
        #: The app being served (its ``state`` holds the admission limiters once the lifespan has run).
        self.app = create_app(services, allowed_hosts=allowed)
        self._server = self._uvicorn(self.app, services.foreground)
        self._thread: threading.Thread | None = None

    def _uvicorn(self, app, foreground: Foreground | None) -> PromptServer:
        config = uvicorn.Config(_Activity(app, self, foreground), log_level="warning",
                                access_log=False, lifespan="on", timeout_graceful_shutdown=5,
                                http=GuardedH11Protocol, timeout_keep_alive=connections.KEEP_ALIVE_TIMEOUT,
                                limit_concurrency=connections.MAX_CONNECTIONS + 1,
                                h11_max_incomplete_event_size=connections.MAX_HEAD_BYTES)
        return PromptServer(config)

    def serve_forever(self) -> None:
        """Run in the calling thread until interrupted."""
        # A duplicate: uvicorn closes the socket it served when it stops; the port stays open on ours.
        self._server.run(sockets=[self._sock.dup()])

    def start(self) -> None:
        """Run on a daemon thread and return once the server accepts connections."""
        self._thread = threading.Thread(target=self.serve_forever, name="api-server", daemon=True)
        self._thread.start()
        for _ in range(400):
            if self._server.started or not self._thread.is_alive():
                break
            threading.Event().wait(0.025)
        if not self._server.started:
            raise RuntimeError("the API server did not start")

    def _stop_serving(self) -> None:
        self._server.exit_soon()
        if self._thread is not None:
            self._thread.join(10)
            self._thread = None

    def lock(self) -> None:
        """Stop serving the vault and answer every request with "locked" (423) on the same port."""
        self._stop_serving()
        self._server = self._uvicorn(HostGuard(locked_app, allowed=self._allowed), None)
        self.start()

    def unlock(self, services: Services) -> None:
        """Serve ``services`` again on the same port."""
        self._stop_serving()
        self.app = create_app(services, allowed_hosts=self._allowed)
        self._server = self._uvicorn(self.app, services.foreground)
        self.start()

    def stop(self) -> None:
        self._stop_serving()
        self._sock.close()


class PromptServer(uvicorn.Server):
    """uvicorn's server, told to stop without waiting for its next look: its main loop looks at ``should_exit``
    every 0.1 s, and its shutdown gives open connections 0.1 s to close, so a stop (every lock of the desktop
    app, which serves "locked" on the port by a server of its own) took ~150 ms with nothing open. The loop here
    sleeps :data:`TICK` between ticks but wakes at once when :meth:`exit_soon` is called from another thread, and
    a shutdown with no connection or request open skips the grace period (with any, uvicorn's own runs)."""

    #: Seconds between the main loop's ticks (its date header and request limit checks), as uvicorn's.
    TICK = 0.1

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._woken: asyncio.Event | None = None

    async def main_loop(self) -> None:
        self._woken = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        counter = 0
        should_exit = await self.on_tick(counter)
        while not should_exit:
            counter = (counter + 1) % 864000
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._woken.wait(), self.TICK)
            should_exit = await self.on_tick(counter)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        if self.server_state.connections or self.server_state.tasks:
            await super().shutdown(sockets)
            return
        for server in self.servers:
            server.close()
        for sock in sockets or []:
            sock.close()
        for server in self.servers:
            await server.wait_closed()
        if not self.force_exit:
            await self.lifespan.shutdown()

    def exit_soon(self) -> None:
        """Ask the server to shut down now (from any thread); one that has not started its loop yet stops at its
        first tick."""
        self.should_exit = True
        loop, woken = self._loop, self._woken
        if loop is not None and woken is not None:
            with contextlib.suppress(RuntimeError):  # the loop has already ended
                loop.call_soon_threadsafe(woken.set)


def start_api_server(services, port: int) -> ApiServer:
    """Start the agent API for ``services`` on a background thread (the desktop app's server factory)."""
    server = ApiServer(services, port=port)
    server.start()
    return server
