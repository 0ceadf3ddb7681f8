"""The Entities page: entities with how many memories mention each, and those memories.

One row per entity name and type: with one namespace in scope, that namespace's; with all of them, the
namespaces' entities of the same name counted together, the namespaces named in their own column
(:meth:`memvault.service.entities.EntityService.summaries` groups them; the page only shows rows).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QSplitter,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from memvault.domain.entities import SETTABLE_TYPES, EntitySummary, EntityType
from memvault.domain.errors import MemvaultError
from memvault.domain.models import Memory
from memvault.gui.entity_watch import RECHECK_MS
from memvault.gui.row_table import RowTable
from memvault.gui.tasks import TaskRunner
from memvault.gui.wording import in_scope, plural, short
from memvault.gui.widgets import empty_state_over
from memvault.service.container import Services
from memvault.service.entities import RECURRING_MIN, SummaryPage

ALL_TYPES = "All types"
#: Entities listed at most (the most mentioned first).
LIST_LIMIT = 500
ROLE = int(Qt.ItemDataRole.UserRole.value)
#: Pixels an entity's name keeps before the namespaces column gives way (never narrower than its own title).
NAME_ROOM = 150
HEADER_PADDING = 12
#: An empty list says why: concepts a single memory mentions are linked (chips show them) but not listed.
CONCEPTS_RECUR = (f"Concepts are listed once {RECURRING_MIN} or more memories mention them; a memory's chips "
                  "show every concept it mentions.")


def empty_text(kind: str) -> str:
    """The line an empty list shows for the type filter ``kind`` (:data:`ALL_TYPES` or a type's value)."""
    if kind == EntityType.CONCEPT.value:
        return f"No concept recurs here yet. {CONCEPTS_RECUR}"
    if kind == ALL_TYPES:
        return f"No entities to list here yet. {CONCEPTS_RECUR}"
    return f"No {kind} is mentioned here yet."


def summary_text(page: SummaryPage, namespace: str | None = None) -> str:
    """The footer: how many entities the list shows, and how many concepts it leaves out and why.

    "14 entities; 14 concepts … not listed" read as a contradiction (concepts are entities too): both halves say
    "listed" now, and "mentioned", as the empty list does.
    """
    shown = len(page.items)
    listed = (f"{plural(page.total, 'entity')} listed" if shown >= page.total
              else f"{shown:,} of {plural(page.total, 'entity')} listed (the most mentioned)")
    # Which namespace's: the page follows the rail's choice, and said nothing of it ("In work: 19 entities …").
    where = in_scope(namespace)
    text = f"{where[0].upper()}{where[1:]}: {listed}"
    unlisted = page.unlisted_concepts
    if unlisted:
        # Said as the rule it is: "mentioned by only one memory are not listed" read as contradicting the people
        # listed with one memory (names are listed from their first mention, concepts from their second).
        one = unlisted == 1
        text += (f"; {plural(unlisted, 'concept')} {'is' if one else 'are'} listed once a second memory mentions "
                 f"{'it' if one else 'them'}")
    return text


class EntitiesView(QWidget):
    """Entities of the namespace in scope (or of all, grouped by name); selecting one lists its memories.

    Signals:
        open_requested(str): a memory (by id) to open in the browser (Enter or double-click in the list).
    """

    open_requested = Signal(str)

    def __init__(self, services: Services, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._services = services
        self._runner = runner
        self._namespace: str | None = None
        self._wanted: str | None = None
        #: Bumped by every reload: only the latest one's answer is shown (an older one may arrive after it).
        self._generation = 0
        self._selected: EntitySummary | None = None
        # Entities are linked by the vault's own loop after memories are stored, and no change event says when:
        # while some are still queued, the page reads the list again now and then (it showed 20 entities where
        # the vault had 24, until something else reloaded it).
        self._recheck = QTimer(self, singleShot=True, interval=RECHECK_MS)
        self._recheck.timeout.connect(self._on_recheck_timeout)
        self.kind = QComboBox()
        self.kind.setAccessibleName("Entity type")
        self.kind.addItems([ALL_TYPES, *(t.value for t in EntityType)])
        self.kind.currentTextChanged.connect(lambda _t: self.refresh())
        self.summary = QLabel()
        self.table = RowTable(0, 4)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table; arrows move in it
        self.table.setAccessibleName("Entities")
        self.table.setHorizontalHeaderLabels(["Entity", "Type", "Memories", "Namespaces"])
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.Stretch)
        for column in (1, 2):
            self.table.horizontalHeader().setSectionResizeMode(column, QHeaderView.ResizeToContents)
        # The namespaces whole ("default, research, work") while the entity's name keeps room of its own; in a
        # narrow window they shorten instead of the names ("status…", "discus…"), whole in their tooltip.
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.Interactive)
        self._namespaces_width = 0
        self.table.viewport().installEventFilter(self)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.itemSelectionChanged.connect(self._on_table_item_selection_changed)
        # Over the table's viewport, as the memory list's empty state is.
        self.empty = empty_state_over(self.table, "No entities")
        self.memories = QListWidget()
        self.memories.setAccessibleName("Memories of the entity")
        self.memories.setWordWrap(True)
        self.memories.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)  # wrapped: nothing to scroll to
        # Enter or a double click opens the memory (Qt reports both as activated).
        self.memories.itemActivated.connect(self._on_memories_item_activated)
        self.memories_title = QLabel("Select an entity to see its memories")
        self.memories_title.setObjectName("sectionTitle")
        # The tagger's first guess at a name is what the namespace keeps (a known name keeps its type): a dog it
        # took for an organisation stayed one, and only the person reading the list can say otherwise. A menu, not a
        # combo box: a closed combo box took an arrow key or a letter as the choice, and saved it at once.
        self.type_menu = QMenu(self)
        self._type_actions = QActionGroup(self)
        for t in SETTABLE_TYPES:
            action = self.type_menu.addAction(t.value)
            action.setCheckable(True)
            action.setData(t.value)
            self._type_actions.addAction(action)
        self._type_actions.triggered.connect(self._on_type_actions_triggered)
        self.type_choice = QPushButton("—")
        self.type_choice.setAccessibleName("Type of the entity")
        self.type_choice.setMenu(self.type_menu)
        self.type_choice.setToolTip("Change what the selected entity is; its later mentions keep the type you choose")
        self.type_choice.setEnabled(False)
        self.type_label = QLabel("Type")
        self.type_label.setBuddy(self.type_choice)
        self.type_choice.installEventFilter(self)
        type_row = QHBoxLayout()
        type_row.addWidget(self.type_label)
        type_row.addWidget(self.type_choice)
        type_row.addStretch(1)
        top = QHBoxLayout()
        top.addWidget(QLabel("Show"))
        top.addWidget(self.kind)
        top.addStretch(1)
        top.addWidget(self.summary)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.memories_title)
        right_layout.addLayout(type_row)
        right_layout.addWidget(self.memories, 1)
        split = QSplitter()
        split.addWidget(self.table)
        split.addWidget(right)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setSizes([640, 420])  # the table's four columns unclipped at 1366 px; the memories beside them
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(split, 1)
        # In reading order (once all are in this page): Tab went from the table to the memories, past the type.
        QWidget.setTabOrder(self.table, self.type_choice)
        QWidget.setTabOrder(self.type_choice, self.memories)

    def _on_memories_item_activated(self, item: QListWidgetItem) -> None:
        self.open_requested.emit(item.data(ROLE))

    def set_namespace(self, namespace: str | None) -> None:
        self._namespace = namespace
        self.refresh()

    def show_entity(self, namespace: str | None, value: str) -> None:
        """Show ``namespace``'s entities (every namespace's: ``None``) with ``value`` selected (a chip was
        clicked)."""
        self._wanted = value
        self.kind.blockSignals(True)
        self.kind.setCurrentText(ALL_TYPES)
        self.kind.blockSignals(False)
        self.set_namespace(namespace)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if watched is self.table.viewport():
            if event.type() == QEvent.Resize:
                self._fit_namespaces()
        elif event.type() == QEvent.KeyPress and event.key() == Qt.Key_Down and event.modifiers() & Qt.AltModifier:
            self.type_choice.showMenu()  # the type's button: Alt+Down opens it, as it opens any list of choices
            return True
        return super().eventFilter(watched, event)

    def _fit_namespaces(self) -> None:
        """The namespaces column as wide as its text, but never taking an entity name's :data:`NAME_ROOM`, nor
        narrower than its title."""
        header = self.table.horizontalHeader()
        room = self.table.viewport().width() - header.sectionSize(1) - header.sectionSize(2) - NAME_ROOM
        title = header.fontMetrics().horizontalAdvance(self.table.horizontalHeaderItem(3).text()) + 2 * HEADER_PADDING
        header.resizeSection(3, max(title, min(self._namespaces_width, room)))

    def refresh(self) -> None:
        namespace, kind = self._namespace, self.kind.currentText()
        entity_type = None if kind == ALL_TYPES else kind
        wanted = self._wanted
        self._generation += 1
        generation = self._generation
        entities = self._services.entities

        def read() -> tuple[SummaryPage, bool]:
            page = entities.summaries(namespace, entity_type, limit=LIST_LIMIT, keep=wanted)
            # (With extraction off the queue never empties: nothing more is coming.)
            return page, entities.unavailable is None and entities.queue_depth() > 0

        self._runner.run(read, lambda found: self._on_entities_loaded(generation, *found), owner=self)

    def reload(self) -> None:
        """Read the list again, the entity on show kept on show (the vault changed under it)."""
        if self._selected is not None and self._wanted is None:
            self._wanted = self._selected.value
        self.refresh()

    def _on_recheck_timeout(self) -> None:
        if self.isVisible():
            self.reload()

    def _on_entities_loaded(self, generation: int, page: SummaryPage, queued: bool = False) -> None:
        if generation != self._generation:
            return
        if queued:
            self._recheck.start()
        # A new list selects afresh (selecting the row that was selected before would not say so). Quiet while it is
        # rebuilt: resizing the table selected its first row while that row still held the old list's entity, whose
        # memories then showed beside the new list (seen by keyboard through the type filter).
        self.table.blockSignals(True)
        self.table.clearSelection()
        self.table.setCurrentItem(None)
        self._selected = None
        self.table.setRowCount(len(page.items))
        select = None
        for row, e in enumerate(page.items):
            name = QTableWidgetItem(e.name)
            name.setData(ROLE, e)
            count = QTableWidgetItem(f"{e.memory_count:,}")  # grouped like every other count in the window
            count.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
            self.table.setItem(row, 0, name)
            self.table.setItem(row, 1, QTableWidgetItem(e.type.value))
            self.table.setItem(row, 2, count)
            namespaces = QTableWidgetItem(", ".join(e.namespaces))
            namespaces.setToolTip(namespaces.text())
            self.table.setItem(row, 3, namespaces)
            if self._wanted is not None and e.value == self._wanted:
                select = row
        self.table.clearSelection()
        self.table.blockSignals(False)
        self.table.resizeColumnToContents(3)
        self._namespaces_width = self.table.horizontalHeader().sectionSize(3)
        self._fit_namespaces()
        self.summary.setText(summary_text(page, self._namespace))
        self.empty.setText(empty_text(self.kind.currentText()))
        self.empty.setVisible(not page.items)
        self.memories.clear()
        self.memories_title.setText("Select an entity to see its memories")
        self._show_type(None)
        if select is not None:
            self.table.selectRow(select)
            self.table.scrollToItem(self.table.item(select, 0))
        self._wanted = None

    def _on_table_item_selection_changed(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return
        entity: EntitySummary = self.table.item(rows[0].row(), 0).data(ROLE)
        self.memories_title.setText(f"Memories mentioning {entity.name} ({entity.type.value})")
        self._selected = entity
        self._show_type(entity)
        self._runner.run(lambda: self._services.entities.summary_memories(entity, limit=100),
                         lambda found: self._on_memories_loaded(entity, found), owner=self)

    def _on_memories_loaded(self, entity: EntitySummary, found: tuple[list[Memory], int]) -> None:
        if entity != self._selected:
            return
        memories, total = found
        self.memories.clear()
        # From several namespaces, the same words twice are two memories: each says where it is.
        several = len({m.namespace for m in memories}) > 1
        for m in memories:
            text = (f"{short(m.namespace)} · " if several else "") + " ".join(m.content.split())
            item = QListWidgetItem(text if len(text) <= 240 else text[:239] + "…")
            item.setData(ROLE, m.id)
            item.setToolTip("Double-click to open it in Memories")
            self.memories.addItem(item)
        more = f" (newest {len(memories)} of {total})" if total > len(memories) else ""
        self.memories_title.setText(f"Memories mentioning {entity.name} ({entity.type.value}){more}")

    def _show_type(self, entity: EntitySummary | None) -> None:
        """The type chooser on ``entity``'s type (a date's is not a person's to change; nothing selected: off and
        blank, where a greyed type read as the last entity's)."""
        settable = entity is not None and entity.type in SETTABLE_TYPES
        self.type_label.setText(f"Type of {entity.name}" if entity is not None else "Type")
        self.type_choice.setText(entity.type.value if entity is not None else "—")
        for action in self._type_actions.actions():
            action.setChecked(entity is not None and action.data() == entity.type.value)
        self.type_choice.setEnabled(settable)

    def _on_type_actions_triggered(self, action: QAction) -> None:
        entity = self._selected
        chosen = EntityType(action.data())
        if entity is None or chosen is entity.type:
            return
        entities = self._services.entities
        self._runner.run(lambda: entities.retype(entity.entity_ids, chosen),
                         lambda _done: self._on_entity_retyped(entity, chosen), self._on_retype_failed, owner=self)

    def _on_retype_failed(self, exc: MemvaultError) -> None:
        # Refused (the vault locked meanwhile): the chooser goes back to what is stored, and the app says why.
        self._show_type(self._selected)
        self._runner.unhandled_error.emit(exc)

    def _on_entity_retyped(self, entity: EntitySummary, chosen: EntityType) -> None:
        if self.kind.currentText() not in (ALL_TYPES, chosen.value):
            # Listed under its new type, it would leave a list of the old one, and the pane empty with no word why.
            self.kind.blockSignals(True)
            self.kind.setCurrentText(chosen.value)
            self.kind.blockSignals(False)
        self._wanted = entity.value
        self.refresh()
