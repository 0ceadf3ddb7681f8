"""Change notifications from the service layer to whoever listens (GUI bridge, API).

Listeners are called on the thread that made the change, after it committed;
a GUI listener must hop to its own thread (e.g. by emitting a Qt signal).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable

from memvault.domain.changes import ChangeEvent, ChangeKind, ChangeOrigin
from memvault.domain.models import EmbeddedMemory, Memory


def events_of_arrivals(changes: Iterable[tuple[ChangeKind, str, str]], origin: ChangeOrigin) -> list[ChangeEvent]:
    """One event per kind for changes that arrived from elsewhere (sync, a shared namespace): ``(kind, memory
    id, namespace)`` each, as the incoming side reports them."""
    by_kind: dict[ChangeKind, list[tuple[str, str]]] = {}
    for kind, memory_id, namespace in changes:
        by_kind.setdefault(kind, []).append((memory_id, namespace))
    return [ChangeEvent(kind, tuple(m for m, _ in items), tuple(sorted({n for _, n in items})), origin)
            for kind, items in by_kind.items()]


def event_for(kind: ChangeKind, memories: Iterable[Memory | EmbeddedMemory], origin: ChangeOrigin) -> ChangeEvent:
    """One event naming ``memories`` by UUID, with the namespaces they live in."""
    items = list(memories)
    return ChangeEvent(kind, tuple(m.id for m in items), tuple(sorted({m.namespace for m in items})), origin)


class EventHub:
    """A small publish/subscribe hub owned by the :class:`Services` container."""

    def __init__(self) -> None:
        self._listeners: list[Callable[[ChangeEvent], None]] = []
        self._lock = threading.Lock()

    def subscribe(self, listener: Callable[[ChangeEvent], None]) -> Callable[[], None]:
        """Register ``listener``; returns a function that unsubscribes it."""
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def emit(self, event: ChangeEvent) -> None:
        """Tell every listener, on this thread; an empty event (no memories, no namespace) is dropped."""
        if not event.memory_ids and not event.namespaces:
            return
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            listener(event)
