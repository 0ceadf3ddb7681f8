"""The one bridge from service change events to Qt signals, and the one source of view refreshes.

Service events arrive on whatever thread made the change (the GUI's task
runner, an HTTP worker, the embedding worker); the bridge hands each one to the
GUI thread as a signal. Views never reload after their own changes: they reload
when the bridge says the lists are stale, which it says once per change (or
once per burst of changes, when an agent stores many memories at once).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from memvault.domain.changes import ChangeEvent, ChangeKind
from memvault.service.events import EventHub

#: Changes that alter no list, count or chart (a vector became ready).
_INVISIBLE_KINDS = frozenset({ChangeKind.EMBEDDED})
#: At most one refresh per this many milliseconds while changes keep coming.
REFRESH_INTERVAL_MS = 500


class ServiceBridge(QObject):
    """Re-emits service events as signals on the GUI thread.

    Signals:
        memories_changed(object): every :class:`ChangeEvent`, one signal per change (activity
            feeds, the detail pane of a memory that was embedded or edited elsewhere).
        views_stale(bool): lists and charts no longer show the vault: reload them, once. The
            argument says whether counts may have moved too (sidebar, totals): False when every
            change since the last refresh only edited memories. Emitted at once for the first
            change, then at most every ``REFRESH_INTERVAL_MS`` while more arrive; never for
            changes no view shows (embedding).
    """

    memories_changed = Signal(object)
    views_stale = Signal(bool)
    _received = Signal(object)  # from the changing thread to the GUI thread (a queued connection)

    def __init__(self, events: EventHub, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pending = False
        self._pending_counts = False
        self._throttle = QTimer(self, singleShot=True, interval=REFRESH_INTERVAL_MS)
        self._throttle.timeout.connect(self._on_throttle_timeout)
        self._received.connect(self._on_received)
        self._unsubscribe = events.subscribe(self._forward)

    def _forward(self, event: ChangeEvent) -> None:
        # Runs on the changing thread; a listener must never fail the service call that changed.
        try:
            self._received.emit(event)
        except RuntimeError:
            pass  # the bridge was deleted (the vault locked) while this change was being announced

    def _on_received(self, event: ChangeEvent) -> None:
        self.memories_changed.emit(event)
        if event.kind in _INVISIBLE_KINDS:
            return
        if self._throttle.isActive():
            # Folded into the refresh at the end of the interval.
            self._pending = True
            self._pending_counts = self._pending_counts or event.changes_counts
            return
        self.views_stale.emit(event.changes_counts)
        self._throttle.start()

    def _on_throttle_timeout(self) -> None:
        if self._pending:
            counts, self._pending, self._pending_counts = self._pending_counts, False, False
            self.views_stale.emit(counts)
            self._throttle.start()

    def is_quiet(self) -> bool:
        """Whether no refresh is due: the last change's interval has ended with nothing folded into it."""
        return not self._throttle.isActive()

    def close(self) -> None:
        self._unsubscribe()
        self._throttle.stop()
        self._pending = self._pending_counts = False
