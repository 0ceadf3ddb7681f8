"""The one bridge from service change events to Qt signals.

Service events arrive on whatever thread made the change (an HTTP worker, the
embedding worker); the bridge re-emits them as Qt signals, which Qt queues to
the GUI thread, so views refresh when an agent stores a memory over HTTP.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from app.domain.changes import ChangeEvent
from app.service.events import EventHub


class ServiceBridge(QObject):
    """Re-emits service events as signals.

    Signals:
        memories_changed(str, list, str): kind, memory ids and namespace ('' for several).
    """

    memories_changed = Signal(str, list, str)

    def __init__(self, events: EventHub, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._unsubscribe = events.subscribe(self._on_event)

    def _on_event(self, event: ChangeEvent) -> None:
        namespace = event.namespaces[0] if len(event.namespaces) == 1 else ""
        self.memories_changed.emit(event.kind.value, list(event.memory_ids), namespace)

    def close(self) -> None:
        self._unsubscribe()
