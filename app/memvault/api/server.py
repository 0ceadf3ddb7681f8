"""Running the HTTP app with uvicorn, in the foreground or on a background thread."""

from __future__ import annotations

import ipaddress
import logging
import socket
import threading

import uvicorn

from memvault.api import connections
from memvault.api.app import create_app
from memvault.api.connections import GuardedH11Protocol
from memvault.api.guards import LOOPBACK_NAMES
from memvault.domain.errors import InvalidInput
from memvault.service.container import Services

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


class ApiServer:
    """A uvicorn server for ``services``; ``port=0`` picks a free port.

    Attributes:
        url: the base URL once started.
    """

    def __init__(self, services: Services, *, host: str = "127.0.0.1", port: int = 7411,
                 allow_remote: bool = False) -> None:
        if not is_loopback(host) and not allow_remote:
            raise InvalidInput(f"binding to {host} exposes your memories to the network; "
                               "pass --allow-remote if you really mean it")
        allowed = set(LOOPBACK_NAMES) | ({host} if host not in LOOPBACK_NAMES else set())
        # Bind the address that was checked, not the name again (it could resolve elsewhere the second time).
        address = (resolve(host) or [host])[0]
        self._sock = socket.socket(socket.AF_INET6 if ":" in address else socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
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
        config = uvicorn.Config(create_app(services, allowed_hosts=allowed), log_level="warning",
                                access_log=False, lifespan="on", timeout_graceful_shutdown=5,
                                http=GuardedH11Protocol, timeout_keep_alive=connections.KEEP_ALIVE_TIMEOUT,
                                limit_concurrency=connections.MAX_CONNECTIONS + 1,
                                h11_max_incomplete_event_size=connections.MAX_HEAD_BYTES)
        self._server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    def serve_forever(self) -> None:
        """Run in the calling thread until interrupted."""
        self._server.run(sockets=[self._sock])

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

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(10)
            self._thread = None
        self._sock.close()


def start_api_server(services, port: int) -> ApiServer:
    """Start the agent API for ``services`` on a background thread (the desktop app's server factory)."""
    server = ApiServer(services, port=port)
    server.start()
    return server
