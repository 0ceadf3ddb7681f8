"""Locking: the idle lock's watch over the app's input, and what every lock closes off the GUI thread."""

from __future__ import annotations

import logging

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication

from memvault.gui.agent_api import RunningServer
from memvault.service.container import Services
from memvault.service.sync_watch import FolderSyncWatch

log = logging.getLogger(__name__)


class IdleLock(QObject):
    """A wait that every key press, click and wheel turn in the app starts again.

    Signals:
        timed_out(): the wait ran out with no input.
    """

    timed_out = Signal()

    def __init__(self, qapp: QApplication, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._qapp = qapp
        self.timer = QTimer(self, singleShot=True)
        self.timer.timeout.connect(self.timed_out)

    def arm(self, minutes: float) -> None:
        """Wait ``minutes`` (0: never lock)."""
        if minutes > 0:
            self.timer.start(round(minutes * 60_000))
            # The filter sees every event of the application (tens of thousands while a window is built):
            # installed only while an idle lock is armed (installing it again does not add a second one).
            self._qapp.installEventFilter(self)

    def wait_again(self) -> None:
        """The same wait once more, from now."""
        self.timer.start()

    def disarm(self) -> None:
        self.timer.stop()
        self._qapp.removeEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if event.type() in (QEvent.KeyPress, QEvent.MouseButtonPress, QEvent.Wheel) and self.timer.isActive():
            self.timer.start()
        return False


def close_vault(services: Services | None, watch: FolderSyncWatch | None, server: RunningServer | None,
                keep_port: bool, parked: list[RunningServer]) -> None:
    """Stop what a lock stops (on a pool thread): the folder watch, the agent API, then the vault.

    ``keep_port``: the server is kept answering "locked" on its port, for the unlock to come, and put in
    ``parked`` (before the vault closes, so a vault that fails to close leaves it kept all the same).
    """
    if watch is not None:
        watch.stop()
    if server is not None:
        if keep_port:
            try:
                server.lock()
                parked.append(server)
            except Exception:  # noqa: BLE001 - the port could not be kept: close it rather than leak it
                log.warning("keeping the agent API port open while locked failed")
                server.stop()
        else:
            server.stop()
    if services is not None:
        services.close()
