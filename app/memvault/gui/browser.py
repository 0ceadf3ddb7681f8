"""The memory browser: filters, a lazily paged table, the detail pane and trash actions."""

from __future__ import annotations

import html

from PySide6.QtCore import QItemSelection, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from memvault.domain.changes import ChangeEvent, ChangeKind
from memvault.domain.errors import MemvaultError
from memvault.domain.models import CreateResult, Memory, MemoryFilter
from memvault.gui.detail import DetailPane
from memvault.gui.filter_bar import FilterBar
from memvault.gui.icons import icon
from memvault.gui.memory_list import MemoryListView, make_quiet
from memvault.gui.memory_model import MemoryTableModel, preview
from memvault.gui.new_memory import NewMemoryFlow
from memvault.gui.tasks import TaskRunner
from memvault.gui import widgets
from memvault.gui.widgets import NoticeBar, empty_state_over, run_cancellable
from memvault.service.container import Services
from memvault.gui.wording import plural, sentence, short

EMPTY_VAULT = ("<p style='font-size:130%'><b>Nothing remembered yet</b></p>"
               "<p>1. Write a memory: <b>New</b> (Ctrl+N) or Quick capture (Ctrl+Shift+Space).<br>"
               "2. Connect an agent: the <b>Agents</b> page (Ctrl+4) sets up Claude, Cursor or VS Code.<br>"
               "3. Find anything by meaning: <b>Search</b> (Ctrl+F), or any command with Ctrl+K.</p>"
               "<p>Help → Getting started explains more.</p>")
EMPTY_TRASH = "The trash is empty."
#: A namespace with nothing in it, in a vault that holds memories elsewhere (getting started would mislead).
EMPTY_NAMESPACE = ("<p style='font-size:130%'><b>Nothing in {name} yet</b></p>"
                   "<p>Write a memory here with <b>New</b> (Ctrl+N), or choose another namespace on the left.</p>")
NO_MATCH = 'No memories match these filters. <a href="clear">Clear filters</a>'


class BrowserView(QWidget):
    """Browse, filter, edit, delete and restore memories of one namespace (or the trash).

    The view does not reload itself after its own changes: every change, whoever
    made it, comes back as a service event through the window's bridge, which
    calls :meth:`refresh` once.

    Signals:
        namespace_requested(str): a memory was saved into another namespace; the list should follow it there.
    """

    namespace_requested = Signal(str)

    def __init__(self, services: Services, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._services = services
        self._runner = runner
        self._namespace: str | None = "default"
        self._vault_total = 0
        self._trash = False
        #: The selection before a reload, selected again when the page arrives (once).
        self._reselect: str | None = None
        #: A memory asked for (new, undone, opened from search): selected when a page brings it.
        self._wanted: str | None = None
        self._selecting = False
        #: Ids moved to the trash from this view, newest last, for Undo (Ctrl+Z).
        self._undo_stack: list[str] = []
        #: What the notice's Undo button undoes: the last move to the trash, or the last saved edit.
        self._notice_action = self.undo_delete
        self.model = MemoryTableModel(services, runner, self)
        self.model.loaded.connect(self._on_model_loaded)
        self.model.counted.connect(self._on_model_counted)
        self.model.load_failed.connect(lambda message: QMessageBox.warning(self, "Memvault", sentence(message)))
        self.filters = FilterBar()
        self.filters.filters_changed.connect(self.apply_filters)
        #: The type filter, which the GUI benchmark (memvault/bench/gui.py) sets.
        self.type_filter = self.filters.type_filter
        self.table = MemoryListView()
        # Tab leaves the list (arrows move in it): a keyboard user is not walked through every row.
        self.table.setTabKeyNavigation(False)
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
        # Size columns by the rows on screen, not by the first thousand of every page.
        header.setResizeContentsPrecision(0)
        make_quiet(self.table, self.model)
        self.table.selectionModel().selectionChanged.connect(self._on_table_selection_changed)
        # Over the table's viewport rather than instead of the table: the empty list still paints
        # (the app starts the agent API after the first page is painted, empty or not).
        self.empty = empty_state_over(self.table, "Empty list", EMPTY_VAULT, style="font-size: 110%; padding: 24px;")
        self.empty.setTextInteractionFlags(Qt.LinksAccessibleByMouse | Qt.LinksAccessibleByKeyboard)
        self.empty.linkActivated.connect(self._on_empty_link_activated)
        self.detail = DetailPane(services, runner)
        self.detail.memory_saved.connect(self._on_detail_memory_saved)
        self.detail.version_restored.connect(self._on_detail_version_restored)
        self.detail.memory_requested.connect(self.select_memory)
        self.detail.memory_read.connect(self.model.replace_memory)  # selected again, it keeps its chips
        self.new_flow = NewMemoryFlow(services, runner, self, return_to=self.table)
        self.new_flow.created.connect(self._on_memory_created)
        self.notice = NoticeBar()
        self.notice.action_triggered.connect(self._on_notice_action_triggered)
        self.count = QLabel()
        self.count.setAccessibleName("Number of memories")
        self.new_button = QPushButton(icon("new"), "New")
        self.new_button.setToolTip("New memory (Ctrl+N)")
        self.delete_button = QPushButton(icon("delete"), "Delete")
        self.delete_button.setToolTip("Move to the trash (Delete); undo with Ctrl+Z")
        self.restore_button = QPushButton(icon("restore"), "Restore")
        self.purge_button = QPushButton(icon("empty_trash"), "Empty trash")
        for b, name in ((self.new_button, "New memory"), (self.delete_button, "Delete memory"),
                        (self.restore_button, "Restore memory"), (self.purge_button, "Empty trash")):
            b.setAccessibleName(name)
        self.new_button.clicked.connect(self.new_memory)
        self.delete_button.clicked.connect(self.delete_selected)
        self.restore_button.clicked.connect(self.restore_selected)
        self.purge_button.clicked.connect(self._on_purge_clicked)
        # Ctrl+N belongs to the window's menu (two bindings make Qt ignore both).
        QShortcut(QKeySequence.Delete, self.table, activated=self.delete_selected)
        # Text fields claim Ctrl+Z for their own undo first (ShortcutOverride), so this only
        # fires when focus is on the table, the filters' combos or the buttons.
        self.undo_shortcut = QShortcut(QKeySequence.Undo, self, activated=self.undo_delete,
                                       context=Qt.WidgetWithChildrenShortcut)
        actions = QHBoxLayout()
        # A notice takes the count's place in the buttons' row: below the whole pane, its coming and going moved
        # New, Delete and Restore up and down under the pointer (a click on Restore missed).
        actions.addWidget(self.notice, 1)
        actions.addWidget(self.count, 1)
        self.notice.setMaximumHeight(self.new_button.sizeHint().height())
        self.notice.shown.connect(self.count.hide)
        self.notice.dismissed.connect(self.count.show)
        for b in (self.new_button, self.delete_button, self.restore_button, self.purge_button):
            actions.addWidget(b)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.filters)
        left_layout.addWidget(self.table)
        left_layout.addLayout(actions)
        # The pane scrolls rather than grows: with its metadata open and the undo notice showing, its minimum
        # height made the window 800 px tall on a 768 px screen, the status bar below the edge.
        self.detail_scroll = detail_scroll = QScrollArea()
        detail_scroll.setWidget(self.detail)
        detail_scroll.setWidgetResizable(True)
        detail_scroll.setFrameShape(QFrame.NoFrame)
        detail_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        # With room for its scroll bar: at the window's least size the pane's right edge went under it.
        detail_scroll.setMinimumWidth(self.detail.minimumWidth() + detail_scroll.verticalScrollBar().sizeHint().width())
        # Not a Tab stop of its own (an unnamed stop between Delete and Save): it follows the focused field.
        detail_scroll.setFocusPolicy(Qt.NoFocus)
        splitter = QSplitter(Qt.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(detail_scroll)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        # The note pane starts wide enough to read a paragraph and its properties beneath (3:2).
        splitter.setSizes([600, 400])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        self._update_buttons()

    # -- filters and scope --------------------------------------------------------

    def current_filter(self) -> MemoryFilter:
        return self.filters.memory_filter(self._namespace, self._trash)

    def show_scope(self, namespace: str | None, trash: bool = False) -> None:
        """Browse one namespace (``None``: all of them) or the trash."""
        self._namespace, self._trash = namespace, trash
        self._wanted = None
        self.detail.set_trash(trash)
        self.apply_filters()

    def apply_filters(self) -> None:
        self._reselect = self._selected_id()
        self.model.set_filter(self.current_filter())
        self._update_buttons()

    def _on_empty_link_activated(self, _link: str) -> None:
        self.filters.clear_all()

    def filters_active(self) -> bool:
        """Whether anything beyond the namespace or trash narrows the list."""
        return self.filters.narrows()

    def select_memory(self, memory_id: str) -> None:
        """Select a memory, now or when the page being read arrives (used by "open in browser").

        A memory that is not on the first page (or not in this scope) is shown in the detail pane alone.
        """
        row = self.model.row_of(memory_id)
        if row >= 0:
            self._select_row(row)
            return
        # No row may stay highlighted as if it were the memory the pane shows.
        self.table.clearSelection()
        self._wanted = memory_id
        self._runner.run(lambda: self._services.memories.get(memory_id), self._show_in_detail, owner=self)

    def refresh(self, recount: bool = True) -> None:
        """Read the rows again (and the count unless ``recount`` is false), keeping the selected memory selected."""
        self._reselect = self._selected_id()
        self.model.reload(recount=recount, keep_read=True)

    def on_memories_changed(self, event: ChangeEvent) -> None:
        """Keep the detail pane current when the memory on show gets its vectors (lists do not change)."""
        shown = self.detail.memory()
        if event.kind is ChangeKind.EMBEDDED and shown is not None and shown.id in event.memory_ids:
            memory_id = shown.id
            self._runner.run(lambda: self._services.memories.get(memory_id), self._on_shown_memory_read,
                             lambda _exc: None, owner=self)

    def _on_shown_memory_read(self, memory: Memory) -> None:
        shown = self.detail.memory()
        if shown is not None and shown.id == memory.id:
            self.detail.show_memory(memory)

    # -- slots ---------------------------------------------------------------------

    def _where(self) -> str:
        return "in the trash" if self._trash else (f"in {short(self._namespace)}" if self._namespace
                                                   else "in all namespaces")

    def set_vault_total(self, total: int) -> None:
        """How many live memories the whole vault holds (the sidebar's count): an empty namespace of a vault
        that has some says so, instead of getting started."""
        self._vault_total = total
        if self.model.rowCount() == 0 and not self.model.is_loading():
            self.empty.setText(self._empty_text())

    def _empty_text(self) -> str:
        if self._trash:
            return EMPTY_TRASH
        if self.filters_active():
            return NO_MATCH
        if self._namespace is not None and self._vault_total:
            return EMPTY_NAMESPACE.format(name=html.escape(short(self._namespace)))
        return EMPTY_VAULT

    def _on_model_loaded(self) -> None:
        if self.model.total is None:
            shown = self.model.rowCount()
            self.count.setText(f"{shown:,}{'+' if self.model.has_more() else ''} memories {self._where()} (counting…)")
        empty = self.model.rowCount() == 0
        if empty:
            self.empty.setText(self._empty_text())
        self.empty.setVisible(empty)
        reselect, self._reselect = self._reselect, None
        row = self.model.row_of(self._wanted) if self._wanted else -1
        explicit = row >= 0 or (self._wanted is not None and self.detail.memory() is not None
                                and self.detail.memory().id == self._wanted)
        if row < 0 and reselect:
            row = self.model.row_of(reselect)
        if row >= 0:
            self._select_row(row)
        elif not explicit:
            # A memory opened from search that is not in this page stays in the detail pane.
            self._show_in_detail(self.selected())
        self._update_buttons()

    def _on_model_counted(self, total: int) -> None:
        if not self.filters_active():
            self.count.setText(f"{plural(total, 'memory')} {self._where()}")
            return
        # Filtered, the count alone read like the scope's total ("0 memories in default" of 2): say of how many.
        f, scope = self.model.filter, MemoryFilter(namespace=self._namespace, only_deleted=self._trash)
        self._runner.run(lambda: self._services.memories.count(scope),
                         lambda in_scope: self._on_scope_counted(f, total, in_scope), lambda _exc: None, owner=self)

    def _on_scope_counted(self, f: MemoryFilter, total: int, in_scope: int) -> None:
        if self.model.filter == f:
            self.count.setText(f"{total:,} of {plural(in_scope, 'memory')} {self._where()} "
                               f"{'matches' if total == 1 else 'match'} the filters")

    def selected(self) -> Memory | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.memory_at(rows[0].row()) if rows else None

    def _selected_id(self) -> str | None:
        memory = self.selected()
        return memory.id if memory is not None else None

    def _select_row(self, row: int) -> None:
        self._selecting = True
        try:
            self.table.selectRow(row)
        finally:
            self._selecting = False
        self.table.scrollTo(self.model.index(row, 0))

    def _on_table_selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        selected = self._selected_id()
        if selected is not None and (not self._selecting or selected == self._wanted):
            self._wanted = None  # found, or the user chose another memory
        self._show_in_detail(self.selected())
        self._update_buttons()

    def _show_in_detail(self, memory: Memory | None) -> None:
        before = self.detail.memory()
        if self.detail.show_memory(memory):
            if memory is not None and (before is None or before.id != memory.id):
                self.detail_scroll.verticalScrollBar().setValue(0)  # another memory reads from its top
            return
        # The pane kept a memory whose edits cannot be saved yet: the list points at it, not at another.
        self._wanted = None
        shown = self.detail.memory()
        row = self.model.row_of(shown.id) if shown is not None else -1
        if row >= 0:
            self._select_row(row)
        else:
            self.table.clearSelection()

    def _on_detail_memory_saved(self, memory: Memory, before: int) -> None:
        self.model.replace_memory(memory)
        self._notice_action = lambda: self._undo_edit(memory.id, before)
        self.notice.show_notice(f"Saved “{preview(memory.content, 48)}” (version {memory.version})", "Undo")

    def _on_detail_version_restored(self, memory: Memory, restored: int) -> None:
        self.model.replace_memory(memory)
        # The new version is a plain "update" in the history (the service's label): the notice says what it was.
        # Every field of that version came back (text, tags, importance…): Undo takes them all back, as for a save.
        self._notice_action = lambda: self._undo_edit(memory.id, memory.version - 1)
        self.notice.show_notice(f"Restored version {restored} (every field) as version {memory.version}: "
                                f"“{preview(memory.content, 48)}”", "Undo")

    def show_lasting_notice(self, text: str, memory_id: str | None = None) -> None:
        """Say ``text`` for a minute (unless dismissed), with Show for ``memory_id``'s memory when there is one."""
        if memory_id is not None:
            self._notice_action = lambda: self.select_memory(memory_id)
        self.notice.show_notice(text, "Show" if memory_id is not None else None, timeout_ms=60_000)

    def _undo_edit(self, memory_id: str, version: int) -> None:
        self._runner.run(lambda: self._services.memories.restore_version(memory_id, version),
                         self._on_edit_undone, self._error, owner=self)

    def _on_edit_undone(self, memory: Memory) -> None:
        self.model.replace_memory(memory)
        shown = self.detail.memory()
        if shown is not None and shown.id == memory.id:
            self.detail.show_memory(memory)
        self.notice.show_notice(f"Undone: “{preview(memory.content, 48)}” is as it was")

    def _update_buttons(self) -> None:
        has = self.selected() is not None
        self.delete_button.setVisible(not self._trash)
        self.new_button.setVisible(not self._trash)
        self.restore_button.setVisible(self._trash)
        self.purge_button.setVisible(self._trash)
        self.delete_button.setEnabled(has)
        self.restore_button.setEnabled(has)
        self.purge_button.setEnabled(self.model.rowCount() > 0)

    def _error(self, exc: MemvaultError) -> None:
        QMessageBox.warning(self, "Memvault", sentence(exc.message))

    # -- actions ---------------------------------------------------------------------

    def new_memory(self) -> None:
        """Open the New memory dialog (the same form as Quick capture)."""
        if self._trash:
            return
        self.new_dialog = self.new_flow.open(self._namespace or "default")

    def _on_memory_created(self, result: CreateResult) -> None:
        memory = result.memory
        where = "" if memory.namespace == self._namespace else f" in {memory.namespace}"
        if self._namespace is not None and memory.namespace != self._namespace:
            self.namespace_requested.emit(memory.namespace)  # follow it, rather than stay on a list without it
        self._wanted = memory.id
        verb = "Saved" if result.created else "Already remembered"
        text = f"{verb}{where}: “{preview(memory.content, 48)}”"
        if result.extraction_skipped:  # a memory in another language: say why it shows no entities or facts
            self.notice.show_notice(f"{text}. {sentence(result.extraction_skipped)}", timeout_ms=15_000)
        else:
            self.notice.show_notice(text)

    def delete_selected(self) -> None:
        memory = self.selected()
        if memory is not None and not self._trash:
            # The list goes on from where it was (the next memory, or the one before at the end), so Delete
            # again deletes on and the pane is not left empty.
            row = self.model.row_of(memory.id)
            after = self.model.memory_at(row + 1) or self.model.memory_at(row - 1)
            self._wanted = after.id if after is not None else None
            self._runner.run(lambda: self._services.lifecycle.delete(memory.id), self._on_memory_deleted,
                             self._error, owner=self)

    def _on_memory_deleted(self, memory: Memory) -> None:
        self._undo_stack.append(memory.id)
        self._notice_action = self.undo_delete
        self.notice.show_notice(f"Moved to the trash: “{preview(memory.content, 48)}”", "Undo")

    def _on_notice_action_triggered(self) -> None:
        self._notice_action()

    def undo_delete(self) -> None:
        """Bring back the memory this view most recently moved to the trash."""
        if not self._undo_stack:
            return
        memory_id = self._undo_stack.pop()
        self._runner.run(lambda: self._services.lifecycle.restore(memory_id), self._on_memory_restored,
                         self._error, owner=self)

    def restore_selected(self) -> None:
        memory = self.selected()
        if memory is not None and self._trash:
            self._runner.run(lambda: self._services.lifecycle.restore(memory.id), self._on_memory_restored,
                             self._error, owner=self)

    def _on_memory_restored(self, memory: Memory) -> None:
        # Back in a list it is selected in; restored from the trash it leaves the list on show, and the pane
        # lets it go too (kept as wanted, it stayed there greyed out "in trash").
        if not self._trash:
            self._wanted = memory.id
        elif self.restore_button.hasFocus():
            self.table.setFocus()  # the button goes grey with the row gone: focus fell to "Empty trash"
        self.notice.show_notice(f"Restored “{preview(memory.content, 48)}”")

    def _on_purge_clicked(self) -> None:
        count = self.model.total
        what = "every memory" if count is None else f"the {plural(count, 'memory')}"
        if not widgets.confirm_for_good(self, "Empty trash", f"Delete {what} in the trash for good?",
                                        "&Delete for good"):
            return
        namespace = self._namespace
        self.purge_progress = run_cancellable(
            self, self._runner, "Emptying the trash…",
            lambda report, cancelled: self._services.lifecycle.empty_trash(namespace, progress=report,
                                                                           cancelled=cancelled),
            self._on_trash_emptied)

    def _on_trash_emptied(self, removed: int) -> None:
        self._undo_stack.clear()  # those memories are gone for good
        self.notice.show_notice(f"Deleted {removed:,} memor{'y' if removed == 1 else 'ies'} for good")
