"""SIGTERM and SIGINT quit the desktop app the way the tray's Quit does.

Python runs a signal handler only between bytecodes, and while Qt's event
loop waits (in C++) none run: `kill`, a session logging out or Ctrl-C in the
terminal was noticed at the next Python slot, which never came while the
passphrase dialog waited, so the app ignored them. ``signal.set_wakeup_fd``
writes each signal's number to a socket that a ``QSocketNotifier`` watches:
the loop wakes at once and the quit runs on the GUI thread, locking and
closing the vault and stopping the agent port first.
"""

from __future__ import annotations

import signal
import socket

from PySide6.QtCore import QObject, QSocketNotifier, Signal

#: The signals that quit the app.
QUIT_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def _noted(_signum: int, _frame: object) -> None:
    # The wake-up byte carries the signal to the GUI thread; nothing to do here.
    return None


class TerminationWatcher(QObject):
    """Turns SIGTERM and SIGINT into a Qt signal on the GUI thread (create it there).

    Signals:
        termination_requested(): one of :data:`QUIT_SIGNALS` arrived.
    """

    termination_requested = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._reader, self._writer = socket.socketpair()
        self._reader.setblocking(False)
        self._writer.setblocking(False)
        self._notifier = QSocketNotifier(self._reader.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._on_notifier_activated)
        self._previous_fd = signal.set_wakeup_fd(self._writer.fileno(), warn_on_full_buffer=False)
        self._previous = {s: signal.signal(s, _noted) for s in QUIT_SIGNALS}

    def _on_notifier_activated(self) -> None:
        try:
            received = self._reader.recv(64)
        except BlockingIOError:
            return
        if any(number in QUIT_SIGNALS for number in received):
            self.termination_requested.emit()

    def close(self) -> None:
        """Put back the handlers and wake-up descriptor found at creation."""
        if self._reader.fileno() < 0:
            return
        for number, handler in self._previous.items():
            signal.signal(number, handler)
        signal.set_wakeup_fd(self._previous_fd)
        self._notifier.setEnabled(False)
        self._reader.close()
        self._writer.close()
