"""The agent API that the desktop app runs while the vault is unlocked.

Starting it can fail because another program holds the port. The app then says
so where the user looks (status bar, tray) and offers a free port nearby; the
port chosen replaces the configured one on later launches (as long as the
configuration names the same port).
"""

from __future__ import annotations

import dataclasses
import errno
import socket
import time
from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from memvault.config import Settings
from memvault.domain.errors import MemvaultError
from memvault.gui.tasks import TaskRunner
from memvault.gui.window_state import WindowState
from memvault.service.container import Services

# Ports tried after a taken one, so the new address stays easy to recognise.
_NEARBY = 20


class RunningServer(Protocol):
    """The agent API's server; the real one can also :meth:`lock` and :meth:`unlock` on the same port."""

    url: str

    def stop(self) -> None: ...


ServerFactory = Callable[[Services, int], RunningServer]


@dataclasses.dataclass(frozen=True)
class PortCheck:
    """Whether ``port`` is held by another program, and a free port to offer instead."""

    port: int
    taken: bool
    free: int


def port_is_taken(port: int, host: str = "127.0.0.1") -> bool:
    """Whether another socket listens on ``host:port`` (bound as the API server binds)."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        probe.bind((host, port))
    except OSError as exc:
        return exc.errno in (errno.EADDRINUSE, errno.EACCES)
    finally:
        probe.close()
    return False


def check_port(port: int) -> PortCheck:
    """Probe ``port`` and find a free one after it (or any free port). Does socket I/O: run it off the GUI thread."""
    if not port_is_taken(port):
        return PortCheck(port, False, port)
    for candidate in range(port + 1, min(port + 1 + _NEARBY, 65536)):
        if not port_is_taken(candidate):
            return PortCheck(port, True, candidate)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as any_port:
        any_port.bind(("127.0.0.1", 0))
        return PortCheck(port, True, any_port.getsockname()[1])


class AgentApi(QObject):
    """Starts and stops the agent API for one unlocked vault at a time.

    Signals:
        started(str): the API's base URL.
        failed(str, int): why it is not running, and a free port to offer (0: the port is not the problem).
    """

    started = Signal(str)
    failed = Signal(str, int)

    def __init__(self, runner: TaskRunner, factory: ServerFactory | None, settings: Settings, state: WindowState,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._factory = factory
        self._settings = settings
        self._state = state
        self._services: Services | None = None
        self.server: RunningServer | None = None
        self.offer: QMessageBox | None = None
        self._offered_port = 0
        self._attempted_port = 0
        #: The server kept answering "locked" on its port while the vault is locked.
        self._parked: RunningServer | None = None

    @property
    def enabled(self) -> bool:
        return self._factory is not None and self._settings.api_in_gui

    def port(self) -> int:
        """The configured port, or the one the user chose here when the configured one was taken."""
        configured = self._settings.api_port
        chosen = self._state.api_port_for(configured) if configured else None
        return configured if chosen is None else chosen

    def use_settings(self, settings: Settings) -> None:
        """Settings changed in the app (the port and whether to run apply at the next start)."""
        self._settings = settings

    def start(self, services: Services, port: int | None = None) -> None:
        if not self.enabled and self._parked is not None:
            parked, self._parked = self._parked, None  # turned off meanwhile: stop answering "locked" too
            self._runner.run(parked.stop)
        if not self.enabled or self.server is not None:
            return
        self._services = services
        parked, self._parked = self._parked, None
        if parked is not None and port is None:
            def reopen() -> RunningServer:
                parked.unlock(services)
                return parked

            def on_failed(exc: MemvaultError) -> None:
                self._runner.run(parked.stop)
                self._on_server_failed(services, 0, exc)

            self._runner.run(reopen, lambda server: self._on_server_started(services, server), on_failed)
            return
        if parked is not None:
            self._runner.run(parked.stop)
        factory, port = self._factory, self.port() if port is None else port
        self._attempted_port = port
        self._runner.run(lambda: factory(services, port), lambda server: self._on_server_started(services, server),
                         lambda exc: self._on_server_failed(services, port, exc))

    def detach(self) -> RunningServer | None:
        """Forget the vault (it is locking); returns the server for the caller to stop off the GUI thread."""
        server, self.server, self._services = self.server, None, None
        if self.offer is not None:
            self.offer.close()
        return server

    def park(self, server: RunningServer) -> None:
        """Keep ``server`` (now answering "locked") for the next unlock."""
        self._parked = server

    def release(self) -> RunningServer | None:
        """The parked server, for the caller to stop off the GUI thread (quitting)."""
        server, self._parked = self._parked, None
        return server

    def seconds_since_request(self) -> float | None:
        """How long ago an agent last called the API; ``None`` if none has (or the server cannot say)."""
        last = getattr(self.server, "last_request", 0.0)
        return time.monotonic() - last if last else None

    def _on_server_started(self, services: Services, server: RunningServer) -> None:
        if self._services is not services:  # locked while starting
            self._runner.run(server.stop)
            return
        self.server = server
        self.started.emit(server.url)

    def _on_server_failed(self, services: Services, port: int, exc: MemvaultError) -> None:
        if self._services is not services:
            return  # locked meanwhile
        if port == 0:
            self.failed.emit(exc.message, 0)
            return
        self._runner.run(lambda: check_port(port), lambda check: self._on_port_checked(services, check, exc))

    def _on_port_checked(self, services: Services, check: PortCheck, exc: MemvaultError) -> None:
        if self._services is not services:
            return
        if check.taken:
            self._offered_port = check.free
            self.failed.emit(f"port {check.port} is in use by another program", check.free)
        else:
            self.failed.emit(exc.message, 0)

    def offer_other_port(self, parent: QWidget | None) -> None:
        """Ask whether to run on the free port found; the answer is remembered."""
        if self._services is None or self._offered_port == 0 or self.server is not None:
            return
        if self.offer is not None and self.offer.isVisible():
            self.offer.raise_()
            return
        port, taken = self._offered_port, self._attempted_port
        box = QMessageBox(QMessageBox.Question, "Agent API port",
                          f"Port {taken} is already used by another program, so agents cannot reach "
                          "Memvault there.", parent=parent)
        box.setInformativeText(f"Start the agent API on port {port} instead? Memvault will use it from now on; "
                               "agents set up with the old address need the new one (the Agents page shows it).")
        self.use_port_button = box.addButton(f"Use port {port}", QMessageBox.AcceptRole)
        box.addButton("Not now", QMessageBox.RejectRole)
        box.setAccessibleName("Choose another port")
        box.finished.connect(lambda _r: self._on_offer_finished(box, port))
        box.open()
        self.offer = box

    def _on_offer_finished(self, box: QMessageBox, port: int) -> None:
        if box.clickedButton() is not self.use_port_button or self._services is None:
            return
        self._state.set_api_port(self._settings.api_port, port)
        self._offered_port = 0
        self.start(self._services, port)
