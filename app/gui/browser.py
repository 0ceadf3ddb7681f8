"""The memory browser: filters, a lazily paged table, the detail pane and trash actions."""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView, QCheckBox, QComboBox, QDoubleSpinBox, QHBoxLayout, QHeaderView, QInputDialog, QLabel,
    QLineEdit, QMessageBox, QPushButton, QSplitter, QTableView, QVBoxLayout, QWidget,
)

from app.domain.enums import MemoryType, TagMatch, Tier
from app.domain.errors import MemvaultError
from app.domain.models import Memory, MemoryCreate, MemoryFilter
from app.gui.detail import DetailPane
from app.gui.memory_model import MemoryTableModel
from app.gui.tasks import TaskRunner
from app.service.container import Services

ALL = "(any)"


class BrowserView(QWidget):
    """Browse, filter, edit, delete and restore memories of one namespace (or the trash).

    Signals:
        counts_changed(): memories were added, removed or restored.
    """

    counts_changed = Signal()

    def __init__(self, services: Services, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._services = services
        self._runner = runner
        self._namespace: str | None = "default"
        self._trash = False
        self.model = MemoryTableModel(services, runner, self)
        self.model.loaded.connect(self._on_model_loaded)
        self.model.load_failed.connect(lambda message: QMessageBox.warning(self, "Memvault", message))
        self._build_filters()
        self.table = QTableView()
        self.table.setAccessibleName("Memories")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 10)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.Stretch)
        self.table.selectionModel().selectionChanged.connect(self._on_table_selection_changed)
        self.detail = DetailPane(services, runner)
        self.detail.memory_saved.connect(self._on_detail_memory_saved)
        self.count = QLabel()
        self.count.setAccessibleName("Number of memories")
        self.new_button = QPushButton("New")
        self.new_button.setToolTip("New memory (Ctrl+N)")
        self.delete_button = QPushButton("Delete")
        self.delete_button.setToolTip("Move to the trash (Delete)")
        self.restore_button = QPushButton("Restore")
        self.purge_button = QPushButton("Empty trash")
        for b, name in ((self.new_button, "New memory"), (self.delete_button, "Delete memory"),
                        (self.restore_button, "Restore memory"), (self.purge_button, "Empty trash")):
            b.setAccessibleName(name)
        self.new_button.clicked.connect(self.new_memory)
        self.delete_button.clicked.connect(self.delete_selected)
        self.restore_button.clicked.connect(self.restore_selected)
        self.purge_button.clicked.connect(self._on_purge_clicked)
        QShortcut(QKeySequence.New, self, activated=self.new_memory)
        QShortcut(QKeySequence.Delete, self.table, activated=self.delete_selected)
        actions = QHBoxLayout()
        actions.addWidget(self.count, 1)
        for b in (self.new_button, self.delete_button, self.restore_button, self.purge_button):
            actions.addWidget(b)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addLayout(self.filters)
        left_layout.addWidget(self.table)
        left_layout.addLayout(actions)
        splitter = QSplitter(Qt.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)
        self._debounce = QTimer(self, singleShot=True, interval=250)
        self._debounce.timeout.connect(self.apply_filters)
        self._update_buttons()

    def _build_filters(self) -> None:
        self.type_filter = QComboBox()
        self.type_filter.addItems([ALL] + [t.value for t in MemoryType])
        self.tier_filter = QComboBox()
        self.tier_filter.addItems([ALL] + [t.value for t in Tier])
        self.tags_filter = QLineEdit()
        self.tags_filter.setPlaceholderText("tags, comma-separated")
        self.tag_match = QComboBox()
        self.tag_match.addItems([m.value for m in TagMatch])
        self.agent_filter = QLineEdit()
        self.agent_filter.setPlaceholderText("agent")
        self.min_importance = QDoubleSpinBox()
        self.min_importance.setRange(0.0, 1.0)
        self.min_importance.setSingleStep(0.1)
        self.min_importance.setPrefix("importance ≥ ")
        self.include_archived = QCheckBox("archived")
        self.include_expired = QCheckBox("expired")
        named = ((self.type_filter, "Filter by type"), (self.tier_filter, "Filter by tier"),
                 (self.tags_filter, "Filter by tags"), (self.tag_match, "Tags match any or all"),
                 (self.agent_filter, "Filter by agent"), (self.min_importance, "Minimum importance"),
                 (self.include_archived, "Include archived"), (self.include_expired, "Include expired"))
        self.filters = QHBoxLayout()
        for widget, name in named:
            widget.setAccessibleName(name)
            self.filters.addWidget(widget)
        for combo in (self.type_filter, self.tier_filter, self.tag_match):
            combo.currentIndexChanged.connect(lambda _i: self.apply_filters())
        for edit in (self.tags_filter, self.agent_filter):
            edit.textChanged.connect(lambda _t: self._debounce.start())
        self.min_importance.valueChanged.connect(lambda _v: self._debounce.start())
        for box in (self.include_archived, self.include_expired):
            box.toggled.connect(lambda _b: self.apply_filters())

    # -- filters and scope --------------------------------------------------------

    def current_filter(self) -> MemoryFilter:
        kind, tier = self.type_filter.currentText(), self.tier_filter.currentText()
        return MemoryFilter(
            namespace=self._namespace, agent_id=self.agent_filter.text().strip() or None,
            memory_types=() if kind == ALL else (MemoryType(kind),),
            tags=tuple(t.strip() for t in self.tags_filter.text().split(",") if t.strip()),
            tag_match=TagMatch(self.tag_match.currentText()), tier=None if tier == ALL else Tier(tier),
            min_importance=self.min_importance.value() or None, include_archived=self.include_archived.isChecked(),
            include_expired=self.include_expired.isChecked(), only_deleted=self._trash)

    def show_scope(self, namespace: str | None, trash: bool = False) -> None:
        """Browse one namespace (``None``: all of them) or the trash."""
        self._namespace, self._trash = namespace, trash
        self.apply_filters()

    def apply_filters(self) -> None:
        self.model.set_filter(self.current_filter())
        self._update_buttons()

    def select_memory(self, memory_id: str) -> None:
        """Select a memory once it is on screen (used by "open in browser")."""
        row = self.model.row_of(memory_id)
        if row >= 0:
            self.table.selectRow(row)
            self.table.scrollTo(self.model.index(row, 0))
            return
        self._runner.run(lambda: self._services.memories.get(memory_id), self.detail.show_memory)

    def refresh(self) -> None:
        self.model.reload()

    # -- slots ---------------------------------------------------------------------

    def _on_model_loaded(self, total: int) -> None:
        where = "in the trash" if self._trash else (f"in {self._namespace}" if self._namespace else "in all namespaces")
        self.count.setText(f"{total:,} memories {where}")
        self.detail.show_memory(self.selected())

    def selected(self) -> Memory | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.memory_at(rows[0].row()) if rows else None

    def _on_table_selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        self.detail.show_memory(self.selected())
        self._update_buttons()

    def _on_detail_memory_saved(self, memory: Memory) -> None:
        self.model.replace_memory(memory)

    def _update_buttons(self) -> None:
        has = self.selected() is not None
        self.delete_button.setVisible(not self._trash)
        self.new_button.setVisible(not self._trash)
        self.restore_button.setVisible(self._trash)
        self.purge_button.setVisible(self._trash)
        self.delete_button.setEnabled(has)
        self.restore_button.setEnabled(has)

    def _error(self, exc: MemvaultError) -> None:
        QMessageBox.warning(self, "Memvault", exc.message)

    def _after_change(self, _result: object = None) -> None:
        self.refresh()
        self.counts_changed.emit()

    def new_memory(self) -> None:
        if self._trash:
            return
        text, ok = QInputDialog.getMultiLineText(self, "New memory", "What should be remembered?")
        if ok and text.strip():
            data = MemoryCreate(content=text, namespace=self._namespace or "default")
            self._runner.run(lambda: self._services.memories.create(data), self._after_change, self._error)

    def delete_selected(self) -> None:
        memory = self.selected()
        if memory is not None and not self._trash:
            self._runner.run(lambda: self._services.lifecycle.delete(memory.id), self._after_change, self._error)

    def restore_selected(self) -> None:
        memory = self.selected()
        if memory is not None and self._trash:
            self._runner.run(lambda: self._services.lifecycle.restore(memory.id), self._after_change, self._error)

    def _on_purge_clicked(self) -> None:
        answer = QMessageBox.question(self, "Empty trash", "Delete every memory in the trash for good?")
        if answer == QMessageBox.Yes:
            namespace = self._namespace
            self._runner.run(lambda: self._services.lifecycle.empty_trash(namespace), self._after_change,
                             self._error)

