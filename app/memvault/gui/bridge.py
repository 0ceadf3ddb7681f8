"""The one bridge from service change events to Qt signals, and the one source of view refreshes.

Service events arrive on whatever thread made the change (the GUI's task
runner, an HTTP worker, the embedding worker); the bridge hands each one to the
GUI thread as a signal. Views never reload after their own changes: they reload
when the bridge says the lists are stale, which it says once per change (or
once per burst of changes, when an agent stores many memories at once).

Another process with the vault open (a command, a separate ``memvault serve``, the ``memvault mcp`` an MCP
client starts) announces nothing here. So the bridge also looks, every :data:`ELSEWHERE_INTERVAL_MS`, at the
vault's count of committed changes (:meth:`memvault.service.stats.StatsService.changes_made`): when it moved
with no change of this process's announced since the last look, the views are stale too. A look that finds this
process's own changes keeps the count it had, so changes made elsewhere in the same interval are not lost: the
next quiet look refreshes once more.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal

from memvault.domain.changes import ChangeEvent, ChangeKind
from memvault.gui.tasks import TaskRunner
from memvault.service.events import EventHub

#: Changes that alter no list, count or chart (a vector became ready).
_INVISIBLE_KINDS = frozenset({ChangeKind.EMBEDDED})
#: At most one refresh per this many milliseconds while changes keep coming.
REFRESH_INTERVAL_MS = 500
#: How often the vault is asked whether another process changed it.
ELSEWHERE_INTERVAL_MS = 2_000


class ServiceBridge(QObject):
    """Re-emits service events as signals on the GUI thread.

    Signals:
        memories_changed(object): every :class:`ChangeEvent`, one signal per change (activity
            feeds, the detail pane of a memory that was embedded or edited elsewhere).
        views_stale(bool): lists and charts no longer show the vault: reload them, once. The
            argument says whether counts may have moved too (sidebar, totals): False when every
            change since the last refresh only edited memories. Emitted at once for the first
            change, then at most every ``REFRESH_INTERVAL_MS`` while more arrive; never for
            changes no view shows (embedding). Also emitted (True) when another process changed
            the vault (:meth:`look_elsewhere`).
    """

    memories_changed = Signal(object)
    views_stale = Signal(bool)
    _received = Signal(object)  # from the changing thread to the GUI thread (a queued connection)

    def __init__(self, events: EventHub, parent: QObject | None = None, *, runner: TaskRunner | None = None,
                 changes_made: Callable[[], int] | None = None,
                 elsewhere_interval_ms: int | None = None) -> None:
        super().__init__(parent)
        self._pending = False
        self._pending_counts = False
        self._throttle = QTimer(self, singleShot=True, interval=REFRESH_INTERVAL_MS)
        self._throttle.timeout.connect(self._on_throttle_timeout)
        self._received.connect(self._on_received)
        self._unsubscribe = events.subscribe(self._forward)
        self._runner, self._changes_made = runner, changes_made
        #: The vault's change count when it last matched what the views show (``None`` before the first look).
        self._seen: int | None = None
        self._heard = False  # a change of this process's was announced since the last look
        self._looking = False
        self._elsewhere = QTimer(self, interval=elsewhere_interval_ms or ELSEWHERE_INTERVAL_MS)
        self._elsewhere.timeout.connect(self.look_elsewhere)
        if runner is not None and changes_made is not None:
            self._elsewhere.start()
            self.look_elsewhere()

    def look_elsewhere(self) -> None:
        """Ask the vault (off the GUI thread) whether another process changed it since the last look."""
        if self._looking or self._runner is None or self._changes_made is None:
            return
        self._looking = True
        self._runner.run(self._changes_made, self._on_changes_made_read, self._on_changes_made_failed, owner=self,
                         quiet=True)

    def _on_changes_made_read(self, count: int) -> None:
        self._looking = False
        if self._changes_made is None:
            return  # closed while the look was on its way (the vault locked)
        heard, self._heard = self._heard, False
        if self._seen is None:
            self._seen = count
        elif count != self._seen and not heard:
            self._seen = count
            self._stale(True)

    def _on_changes_made_failed(self, _exc) -> None:
        self._looking = False  # the health banner says what is wrong with the vault; the next look tries again

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
        self._heard = True
        self._stale(event.changes_counts)

    def _stale(self, counts: bool) -> None:
        if self._throttle.isActive():
            # Folded into the refresh at the end of the interval.
            self._pending = True
            self._pending_counts = self._pending_counts or counts
            return
        self.views_stale.emit(counts)
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
        self._elsewhere.stop()
        self._changes_made = None  # a look still on its way finds nothing to ask next time
        self._pending = self._pending_counts = False
