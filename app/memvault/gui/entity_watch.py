"""Chips that catch up: a memory shown before its entities were extracted gets them once they are.

Entities are extracted by the vault's own loop, after a memory is stored and embedded, and no change event
says when: the pane showed "No entities" for good (the list kept the copy it read before). While the memory on
show has no entities and extraction is still queued, the watch reads it again now and then, off the GUI thread.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from memvault.domain.models import Memory
from memvault.gui.entity_chips import EntityChips
from memvault.gui.tasks import TaskRunner
from memvault.service.container import Services

#: How often the memory on show is read again while extraction is queued.
RECHECK_MS = 1500


class EntityWatch(QObject):
    """Follows the memory on show in ``chips`` until it has entities or nothing is left queued.

    Signals:
        memory_read(object): the memory on show, read again with the entities found since it was shown.
    """

    memory_read = Signal(object)

    def __init__(self, services: Services, runner: TaskRunner, chips: EntityChips,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._services = services
        self._runner = runner
        self._chips = chips
        self._memory_id: str | None = None
        self._timer = QTimer(self, singleShot=True, interval=RECHECK_MS)
        self._timer.timeout.connect(self._on_timer_timeout)

    def follow(self, memory: Memory | None) -> None:
        """Watch ``memory`` (the one just shown) if its entities may still be coming."""
        self._timer.stop()
        self._memory_id = None
        if memory is None or memory.entities or memory.deleted_at is not None:
            return
        self._memory_id = memory.id
        self._check()

    def _on_timer_timeout(self) -> None:
        self._check()

    def _check(self) -> None:
        memory_id, services = self._memory_id, self._services
        if memory_id is None:
            return

        def read() -> tuple[Memory, bool, str | None]:
            entities = services.entities
            memory = services.memories.get(memory_id)
            why = entities.why_none(memory.content)
            # With extraction off (no pipeline) the queue never empties, and a text it does not read gets none:
            # nothing more is coming.
            return memory, why is None and entities.queue_depth() > 0, why

        self._runner.run(read, lambda found: self._on_memory_checked(memory_id, *found), lambda _exc: None,
                         owner=self)

    def _on_memory_checked(self, memory_id: str, memory: Memory, queued: bool, why: str | None = None) -> None:
        if memory_id != self._memory_id:
            return  # another memory is on show now
        if memory.entities:
            self._memory_id = None
            self.memory_read.emit(memory)
            return
        self._chips.show_finding(queued, why)
        if queued:
            self._timer.start()
        else:
            self._memory_id = None
