"""Change notifications from the service layer to whoever listens (GUI bridge, API).

Listeners are called on the thread that made the change, after it committed;
a GUI listener must hop to its own thread (e.g. by emitting a Qt signal).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ChangeEvent:
    """What changed: ``kind`` is created, updated, deleted, restored, purged or embedded."""

    kind: str
    memory_ids: tuple[str, ...]
    namespace: str | None = None


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
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            listener(event)
