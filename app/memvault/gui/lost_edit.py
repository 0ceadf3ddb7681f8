"""An edit saved on the way to another memory that the vault refused: it exists nowhere else, so it is offered back.

The detail pane saves a memory's edits when the user moves on (another row, a refresh after an agent's change).
When that save fails after the pane has gone on, the typing is no longer on screen: most often because an
agent or another process moved the memory to the trash while the user typed. The user is told, and for a memory
in the trash offered to restore it with the edit; nothing is dropped without a word.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QMessageBox, QWidget

from memvault.domain.errors import MemvaultError
from memvault.domain.models import Memory, MemoryUpdate
from memvault.gui.memory_model import preview
from memvault.gui.tasks import TaskRunner
from memvault.gui.wording import sentence
from memvault.service.container import Services


class LostEdit:
    """Tells the user that an edit of ``memory_id`` was not saved, and restores the memory with it if asked.

    ``on_restored`` gets the memory as restored and saved.
    """

    def __init__(self, parent: QWidget, runner: TaskRunner, services: Services, memory_id: str,
                 change: MemoryUpdate, refused: MemvaultError, on_restored: Callable[[Memory], None]) -> None:
        self._parent, self._runner, self._services = parent, runner, services
        self._memory_id, self._change, self._refused = memory_id, change, refused
        self._on_restored = on_restored
        self.box: QMessageBox | None = None
        self.restore_button = None
        runner.run(lambda: services.memories.get(memory_id), self._on_memory_read, self._on_memory_gone, owner=parent)

    def _on_memory_gone(self, _exc: MemvaultError) -> None:
        self._ask(None)  # deleted for good meanwhile: nothing to restore it into

    def _on_memory_read(self, memory: Memory) -> None:
        self._ask(memory)

    def _ask(self, memory: Memory | None) -> None:
        what = f"“{preview(memory.content, 60)}”" if memory is not None else "a memory"
        trashed = memory is not None and memory.deleted_at is not None
        reason = "it was moved to the trash while you edited it" if trashed else \
            "it was deleted for good while you edited it" if memory is None else sentence(self._refused.message)
        box = QMessageBox(QMessageBox.Warning, "Edit not saved", f"Your edit of {what} was not saved: {reason}.",
                          parent=self._parent)
        typed = self._change.content
        if typed is not None:
            box.setDetailedText(typed)  # the text as typed, to copy, whatever is chosen
        if trashed:
            box.setInformativeText("Restore it from the trash with your edit?")
            self.restore_button = box.addButton("Restore with my edit", QMessageBox.AcceptRole)
            box.addButton("Leave it in the trash", QMessageBox.RejectRole)
        else:
            box.addButton(QMessageBox.Close)
        box.setAccessibleName("Edit not saved")
        box.finished.connect(lambda _result: self._on_box_finished(box))
        box.open()
        self.box = box

    def _on_box_finished(self, box: QMessageBox) -> None:
        if self.restore_button is None or box.clickedButton() is not self.restore_button:
            return
        services, memory_id, change = self._services, self._memory_id, self._change

        def restore() -> Memory:
            services.lifecycle.restore(memory_id)
            return services.memories.update(memory_id, change)

        self._runner.run(restore, self._on_restored, lambda exc: QMessageBox.warning(
            self._parent, "Memvault", sentence(exc.message)), owner=self._parent)
