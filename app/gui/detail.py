"""The detail pane: edit one memory and see (and restore) its versions."""

from __future__ import annotations

import datetime as dt
import json

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.domain.errors import MemvaultError
from app.domain.models import HistoryEntry, Memory, MemoryUpdate
from app.gui.tasks import TaskRunner
from app.gui.widgets import parse_tags, tags_edit, type_combo
from app.service.container import Services


class DetailPane(QWidget):
    """Shows the selected memory with editable fields.

    Signals:
        memory_saved(object): the :class:`Memory` after a save or a version restore.
    """

    memory_saved = Signal(object)

    def __init__(self, services: Services, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._services = services
        self._runner = runner
        self._memory: Memory | None = None
        self.title = QLabel("Select a memory")
        self.content = QPlainTextEdit()
        self.content.setAccessibleName("Memory content")
        self.memory_type = type_combo()
        self.tags = tags_edit()
        self.importance = QDoubleSpinBox()
        self.importance.setRange(0.0, 1.0)
        self.importance.setSingleStep(0.05)
        self.importance.setAccessibleName("Importance")
        self.metadata = QPlainTextEdit()
        self.metadata.setAccessibleName("Metadata (JSON)")
        self.metadata.setMaximumHeight(90)
        self.save = QPushButton("Save")
        self.save.setAccessibleName("Save memory")
        self.save.clicked.connect(self._on_save_clicked)
        self.history = QListWidget()
        self.history.setAccessibleName("Version history")
        self.restore = QPushButton("Restore this version")
        self.restore.setAccessibleName("Restore selected version")
        self.restore.clicked.connect(self._on_restore_clicked)
        form = QFormLayout()
        form.addRow("Type", self.memory_type)
        form.addRow("Tags", self.tags)
        form.addRow("Importance", self.importance)
        form.addRow("Metadata", self.metadata)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.save)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.content, 3)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(QLabel("History"))
        layout.addWidget(self.history, 1)
        layout.addWidget(self.restore)
        self.show_memory(None)

    def show_memory(self, memory: Memory | None) -> None:
        self._memory = memory
        enabled = memory is not None and memory.deleted_at is None
        for w in (self.content, self.memory_type, self.tags, self.importance, self.metadata, self.save,
                  self.restore, self.history):
            w.setEnabled(enabled)
        self.history.clear()
        if memory is None:
            self.title.setText("Select a memory")
            self.content.setPlainText("")
            self.metadata.setPlainText("")
            self.tags.clear()
            return
        self.title.setText(f"<b>{memory.namespace}</b> · v{memory.version} · {memory.embedding_status.value}"
                           + (" · in trash" if memory.deleted_at else ""))
        self.content.setPlainText(memory.content)
        self.memory_type.setCurrentText(memory.memory_type.value)
        self.tags.setText(", ".join(memory.tags))
        self.importance.setValue(memory.importance)
        self.metadata.setPlainText(json.dumps(memory.metadata, indent=2, ensure_ascii=False))
        memory_id = memory.id
        self._runner.run(lambda: self._services.memories.history(memory_id),
                         lambda entries: self._on_history_loaded(memory_id, entries), owner=self)

    def _on_history_loaded(self, memory_id: str, entries: list[HistoryEntry]) -> None:
        if self._memory is None or self._memory.id != memory_id:
            return
        self.history.clear()
        for e in reversed(entries):
            when = dt.datetime.fromtimestamp(e.changed_at).strftime("%Y-%m-%d %H:%M")
            item = QListWidgetItem(f"v{e.version} · {e.change} · {when} — {' '.join(e.content.split())[:80]}")
            item.setData(256, e.version)
            self.history.addItem(item)

    def _error(self, exc: MemvaultError) -> None:
        QMessageBox.warning(self, "Memvault", exc.message)

    def _on_save_clicked(self) -> None:
        if self._memory is None:
            return
        try:
            metadata = json.loads(self.metadata.toPlainText() or "{}")
        except json.JSONDecodeError as exc:
            QMessageBox.warning(self, "Memvault", f"The metadata is not valid JSON: {exc.msg} (line {exc.lineno})")
            return
        if not isinstance(metadata, dict):
            QMessageBox.warning(self, "Memvault", "The metadata must be a JSON object, like {\"source\": \"chat\"}")
            return
        # Keys removed in the editor are removed from the memory (metadata otherwise merges).
        patch = {k: None for k in self._memory.metadata if k not in metadata} | metadata
        change = MemoryUpdate(content=self.content.toPlainText(), memory_type=self.memory_type.currentText(),
                              tags=parse_tags(self.tags.text()),
                              importance=round(self.importance.value(), 2), metadata=patch)
        memory_id = self._memory.id
        self._runner.run(lambda: self._services.memories.update(memory_id, change), self._on_saved, self._error, owner=self)

    def _on_restore_clicked(self) -> None:
        item = self.history.currentItem()
        if self._memory is None or item is None:
            return
        memory_id, version = self._memory.id, int(item.data(256))
        self._runner.run(lambda: self._services.memories.restore_version(memory_id, version), self._on_saved,
                         self._error, owner=self)

    def _on_saved(self, memory: Memory) -> None:
        self.show_memory(memory)
        self.memory_saved.emit(memory)
