"""Python's garbage collection, run on the GUI thread only while the desktop app runs.

A collection triggered on a worker thread could free a cycle that holds a Qt object and so destroy that
QObject outside its thread (:mod:`memvault.heap` says more); the timer here collects what the interpreter's
thresholds say is due, on the thread every widget lives in.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer

from memvault import heap

#: Often enough that a worker's garbage never waits long; a tick that finds nothing due costs a microsecond.
INTERVAL_MS = 250


class GuiThreadCollector(QObject):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setInterval(INTERVAL_MS)
        self._timer.timeout.connect(self._on_timer_timeout)

    def start(self) -> None:
        """Call on the GUI thread: automatic collection stops and this timer takes over."""
        heap.collect_only_on_this_thread()
        self._timer.start()

    def stop(self) -> None:
        """Collection goes back to the interpreter."""
        self._timer.stop()
        heap.stop_collecting_on_this_thread()

    def _on_timer_timeout(self) -> None:
        heap.collect_due()
