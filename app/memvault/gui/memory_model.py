"""A table model over the memory list that pages lazily from the service."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, Qt, Signal
from PySide6.QtGui import QFont

from memvault.domain import limits
from memvault.domain.enums import Visibility
from memvault.domain.models import Memory, MemoryFilter, Page
from memvault.gui.fact_info import is_superseded
from memvault.gui.tasks import TaskRunner
from memvault.gui.widgets import CONFIDENTIAL_MEANS
from memvault.service.container import Services

PAGE_SIZE = 200
#: A reload after a change reads again the rows the user has scrolled through, up to this many: past it the
#: list starts again from its first page (each change elsewhere would read thousands of rows again).
KEPT_ROWS_MAX = 10 * PAGE_SIZE
COLUMNS = ("Memory", "Type", "Tags", "Tier", "Importance", "Agent", "Created")
#: Shown after "Memory" when the rows come from more than one namespace.
NAMESPACE_COLUMNS = ("Memory", "Namespace") + COLUMNS[1:]


DISPLAY = int(Qt.ItemDataRole.DisplayRole.value)
TOOLTIP = int(Qt.ItemDataRole.ToolTipRole.value)
ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole.value)
FONT = int(Qt.ItemDataRole.FontRole.value)
RIGHT_ALIGNED = int((Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter).value)
#: The invisible root: Qt's default parent for a flat table.
ROOT = QModelIndex()


def preview(text: str, width: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def display_cells(m: Memory, with_namespace: bool = False) -> tuple[str, ...]:
    """The text of each column for ``m`` (:data:`NAMESPACE_COLUMNS` with ``with_namespace``)."""
    rest = (m.memory_type.value, ", ".join(m.tags), m.tier.value, f"{m.importance:.2f}",
            m.agent_id or "", dt.datetime.fromtimestamp(m.created_at).strftime("%Y-%m-%d %H:%M"))
    return (preview(m.content),) + ((m.namespace,) if with_namespace else ()) + rest


def _first_rows(memories, f: MemoryFilter, wanted: int, through: str | None = None) -> Page:
    """The newest ``wanted`` memories matching ``f`` (fewer when fewer match), as one page with no total.

    With ``through`` (the last row loaded before) up to a page more is read until that memory is among them:
    memories stored meanwhile push the rows down, and the last one read before would otherwise drop off.
    """
    items: list[Memory] = []
    cursor, has_more, seen = None, True, through is None
    while has_more and (len(items) < wanted or (not seen and len(items) < wanted + PAGE_SIZE)):
        limit = min(limits.LIST_LIMIT_MAX, wanted - len(items)) if len(items) < wanted else PAGE_SIZE // 4
        page = memories.list(f, limit=limit, cursor=cursor, count_total=False)
        items.extend(page.items)
        seen = seen or any(m.id == through for m in page.items)
        cursor, has_more = page.next_cursor, page.has_more
    return Page(tuple(items), None, cursor, has_more)


class MemoryTableModel(QAbstractTableModel):
    """Rows of :class:`Memory`, fetched a page at a time as the view scrolls.

    The first page is shown as soon as it is read; counting every match can
    take a while at 100k memories, so the total follows in a second task.

    Signals:
        loaded(): the first page for the current filter is in the model.
        counted(int): the number of memories that match the current filter.
        load_failed(str): a message when a page could not be read.
    """

    loaded = Signal()
    counted = Signal(int)
    load_failed = Signal(str)

    def __init__(self, services: Services, runner: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._services = services
        self._runner = runner
        self._filter = MemoryFilter()
        self._rows: list[Memory] = []
        self._cells: dict[int, tuple[str, ...]] = {}
        self._cursor: str | None = None
        self._has_more = False
        self._loading = False
        self._generation = 0
        # The namespace column follows the rows on screen, not the newest filter (it changes with the reset).
        self._columns = COLUMNS
        #: Memories matching the filter; ``None`` until counted.
        self.total: int | None = None

    # -- loading -------------------------------------------------------------

    @property
    def filter(self) -> MemoryFilter:
        return self._filter

    def set_filter(self, f: MemoryFilter) -> None:
        """Show memories matching ``f`` (replaces the rows once the first page arrives)."""
        self._filter = f
        self.reload()

    def reload(self, *, recount: bool = True, keep_read: bool = False) -> None:
        """Read the first page again; with ``recount=False`` (an edit, which moves no count) keep the total.

        With ``keep_read`` (the vault changed, the filter did not) as many rows are read as are loaded now, up to
        :data:`KEPT_ROWS_MAX`, so a user scrolled past the first page keeps their place and their selection.
        """
        self._generation += 1
        generation, f = self._generation, self._filter
        wanted = min(max(PAGE_SIZE, len(self._rows)), KEPT_ROWS_MAX) if keep_read else PAGE_SIZE
        through = self._rows[wanted - 1].id if keep_read and len(self._rows) >= wanted else None
        self._loading = True
        memories = self._services.memories
        self._runner.run(lambda: _first_rows(memories, f, wanted, through),
                         lambda page: self._on_first_page(generation, page),
                         lambda exc: self._on_failed(generation, exc.message), owner=self)
        if not recount and self.total is not None:
            return
        self.total = None
        # The page and the count fail for the same reasons (the filter, a closed vault): report it once,
        # from the page, and never let a count failure touch the paging state.
        self._runner.run(lambda: memories.count(f), lambda total: self._on_counted(generation, total),
                         lambda _exc: None, owner=self)

    def _on_first_page(self, generation: int, page: Page) -> None:
        if generation != self._generation:
            return  # a newer filter was set meanwhile
        self.beginResetModel()
        self._columns = NAMESPACE_COLUMNS if self._filter.namespace is None else COLUMNS
        self._rows = list(page.items)
        self._cells.clear()
        self._cursor, self._has_more = page.next_cursor, page.has_more
        self._loading = False
        self.endResetModel()
        self.loaded.emit()

    def _on_counted(self, generation: int, total: int) -> None:
        if generation == self._generation:
            self.total = total
            self.counted.emit(total)

    def _on_failed(self, generation: int, message: str) -> None:
        if generation == self._generation:
            self._loading = False
            self.load_failed.emit(message)

    def canFetchMore(self, parent: QModelIndex = ROOT) -> bool:
        return not parent.isValid() and self._has_more and not self._loading

    def fetchMore(self, parent: QModelIndex = ROOT) -> None:
        if not self.canFetchMore(parent):
            return
        self._loading = True
        generation, f, cursor = self._generation, self._filter, self._cursor
        # The total is the count's (``reload``); counting again for every page cost a whole scan per scroll.
        self._runner.run(lambda: self._services.memories.list(f, limit=PAGE_SIZE, cursor=cursor, count_total=False),
                         lambda page: self._on_next_page(generation, page),
                         lambda exc: self._on_failed(generation, exc.message), owner=self)

    def _on_next_page(self, generation: int, page: Page) -> None:
        if generation != self._generation:
            return
        start = len(self._rows)
        self.beginInsertRows(ROOT, start, start + len(page.items) - 1)
        self._rows.extend(page.items)
        self.endInsertRows()
        self._cursor, self._has_more, self._loading = page.next_cursor, page.has_more, False

    def replace_memory(self, memory: Memory) -> None:
        """Show an edited memory in place without reloading."""
        for row, m in enumerate(self._rows):
            if m.id == memory.id:
                self._rows[row] = memory
                self._cells.pop(row, None)
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(self._columns) - 1))
                return

    # -- Qt model API --------------------------------------------------------

    def columns(self) -> tuple[str, ...]:
        """The column titles in order (a namespace column when showing several namespaces)."""
        return self._columns

    def is_loading(self) -> bool:
        """Whether a page for the current filter is still being read."""
        return self._loading

    def has_more(self) -> bool:
        return self._has_more

    def memory_at(self, row: int) -> Memory | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, memory_id: str) -> int:
        return next((i for i, m in enumerate(self._rows) if m.id == memory_id), -1)

    def rowCount(self, parent: QModelIndex = ROOT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex = ROOT) -> int:
        return 0 if parent.isValid() else len(self._columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = DISPLAY):
        if int(role) == DISPLAY and orientation == Qt.Orientation.Horizontal:
            return self._columns[section]
        return None

    def data(self, index: QModelIndex, role: int = DISPLAY):
        # Views call this thousands of times per repaint; roles compare as ints
        # (PySide's enum comparisons cost microseconds each) and rows render once.
        role = int(role)
        if role == DISPLAY:
            row = index.row()
            cells = self._cells.get(row)
            if cells is None:
                m = self.memory_at(row)
                if m is None:
                    return None
                cells = self._cells[row] = display_cells(m, self._columns is NAMESPACE_COLUMNS)
            return cells[index.column()]
        if role == TOOLTIP and index.column() == 0:
            m = self.memory_at(index.row())
            if m is None:
                return None
            return (preview(m.content, 600) + ("\n(superseded by a newer fact)" if is_superseded(m) else "")
                    + (f"\n{CONFIDENTIAL_MEANS}" if m.visibility is Visibility.CONFIDENTIAL else ""))

        if role == FONT and index.column() == 0:
            m = self.memory_at(index.row())
            if m is not None and is_superseded(m):
                # A fact a newer one contradicted: kept and searchable, shown struck through.
                font = QFont()
                font.setStrikeOut(True)
                return font
            return None
        if role == ALIGNMENT and index.column() == len(self._columns) - 3:  # Importance
            return RIGHT_ALIGNED
        return None
