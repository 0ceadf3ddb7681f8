"""The quiet list: each memory as its first line and a secondary line (type, agent, when), like a note list."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QFont, QFontMetrics, QKeyEvent, QPainter, QPalette
from PySide6.QtWidgets import QAbstractItemView, QStyle, QStyledItemDelegate, QStyleOptionViewItem, QTableView

from memvault.domain.enums import Visibility
from memvault.gui.memory_model import MemoryTableModel
from memvault.gui.wording import ago


def isolated(text: str) -> str:
    """``text`` as a unit of its own direction (Unicode's first-strong isolate): an Arabic tag in a line of
    English otherwise pulled its neighbours into its right-to-left run ("#1 · عمل# لغة min ago")."""
    return f"\u2068{text}\u2069"


def secondary_line(memory, with_namespace: bool) -> str:
    parts = [memory.memory_type.value]
    if memory.visibility is Visibility.CONFIDENTIAL:
        parts.append("confidential")  # left out of searches unless asked for: say so where it is listed
    if with_namespace:
        parts.insert(0, memory.namespace)
    if memory.agent_id:
        parts.append(isolated(memory.agent_id))
    if memory.tags:
        # Commas between tags: a facts' category of three words ("#hobbies and interests #food") read as one tag and
        # two words.
        shown = ", ".join(f"#{isolated(t)}" for t in memory.tags[:3])
        # How many more: three of twenty read as all of them.
        parts.append(shown + (f" +{len(memory.tags) - 3}" if len(memory.tags) > 3 else ""))
    # In the trash, when it went there: an outside walkthrough read "2 min ago" beside a memory made last week.
    parts.append(f"deleted {ago(memory.deleted_at)}" if memory.deleted_at else ago(memory.created_at))
    return "  ·  ".join(parts)


def title_line(text: str, bold: QFont, width: int) -> str:
    """``text`` elided with "…" to ``width`` pixels as drawn in the ``bold`` title font.

    Measured in the regular font, a title that just fit in it overran in the bold one and lost its last letters
    with no "…" (once the scroll bar took its width).
    """
    return QFontMetrics(bold).elidedText(text, Qt.ElideRight, width)


class MemoryLineDelegate(QStyledItemDelegate):
    """Paints the first column as two lines; the other columns stay in the model (and for screen readers)."""

    def __init__(self, model: MemoryTableModel, parent=None) -> None:
        super().__init__(parent)
        self._model = model

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        line = option.fontMetrics.height()
        return QSize(200, 2 * line + 16)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        memory = self._model.memory_at(index.row())
        self.initStyleOption(option, index)
        text = option.text
        option.text = ""
        style = option.widget.style() if option.widget else None
        if style is not None:
            style.drawControl(QStyle.CE_ItemViewItem, option, painter, option.widget)
        if memory is None:
            return
        rect = option.rect.adjusted(12, 8, -12, -8)
        line = option.fontMetrics.height()
        painter.save()
        # Each line's box reaches a few pixels below its font's height: an underscore sits at the very bottom of
        # it, and clipped there "entity_reference" read "entity reference".
        first = QRect(rect.left(), rect.top(), rect.width(), line + 3)
        font = painter.font()
        font.setWeight(font.Weight.DemiBold)
        painter.setFont(font)
        painter.setPen(option.palette.color(QPalette.Text))
        painter.drawText(first, Qt.AlignLeft | Qt.AlignTop, title_line(text, font, rect.width()))
        font.setWeight(font.Weight.Normal)
        painter.setFont(font)
        muted = option.palette.color(QPalette.PlaceholderText)
        painter.setPen(muted)
        second = QRect(rect.left(), rect.top() + line + 2, rect.width(), line + 3)
        detail = secondary_line(memory, self._model.columnCount() > 7)
        painter.drawText(second, Qt.AlignLeft | Qt.AlignTop,
                         option.fontMetrics.elidedText(detail, Qt.ElideRight, rect.width()))
        painter.restore()


class MemoryListView(QTableView):
    """The list's view: a table underneath, but Home and End go to the first and last memory as in a list
    (a table's go to the first and last column of the row, and the list shows one column).

    With nothing selected, the first Up or Down selects the row with the focus frame (the first one, when the
    keyboard lands on the list) instead of moving past it: the first memory was skipped, and in a one-row list
    (a trash with one memory) no arrow selected anything.

    A reload keeps the memory at the top of the view at the top when the new rows still hold it: a change an
    agent made sent a user reading far down the list back to its start. A user at the very top stays there and
    sees what arrived (a quick capture's memory was put above the view, and the keyboard then selected it
    unseen). Home and End select the first and last memory, and every row the keyboard selects is scrolled to.
    """

    _top_memory: str | None = None

    def setModel(self, model) -> None:  # noqa: N802 (Qt's name)
        super().setModel(model)
        if isinstance(model, MemoryTableModel):
            model.modelAboutToBeReset.connect(self._on_model_about_to_be_reset)
            model.modelReset.connect(self._on_model_reset)

    def _on_model_about_to_be_reset(self) -> None:
        memory = self.model().memory_at(self.indexAt(QPoint(0, 0)).row())
        at_start = self.verticalScrollBar().value() == 0
        self._top_memory = memory.id if memory is not None and not at_start else None

    def _on_model_reset(self) -> None:
        top, self._top_memory = self._top_memory, None
        row = self.model().row_of(top) if top is not None else -1
        if row > 0:
            self.scrollTo(self.model().index(row, 0), QAbstractItemView.PositionAtTop)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt's name)
        model = self.model()
        plain = not event.modifiers() & ~Qt.KeypadModifier
        if plain and model is not None and model.rowCount():
            row = None
            if event.key() == Qt.Key_Home:
                row = 0  # also when the focus frame is on the first row already: select it
            elif event.key() == Qt.Key_End:
                row = model.rowCount() - 1
            elif event.key() in (Qt.Key_Up, Qt.Key_Down) and not self.selectionModel().hasSelection():
                current = self.currentIndex()
                row = current.row() if current.isValid() else 0
            if row is not None:
                self.selectRow(row)
                self.scrollTo(model.index(row, 0))
                event.accept()
                return
        super().keyPressEvent(event)

    def moveCursor(self, action: QAbstractItemView.CursorAction,  # noqa: N802 (Qt's name)
                   modifiers: Qt.KeyboardModifier) -> QModelIndex:
        if action in (QAbstractItemView.MoveHome, QAbstractItemView.MoveEnd):
            modifiers = modifiers | Qt.ControlModifier
        return super().moveCursor(action, modifiers)


def make_quiet(table: QTableView, model: MemoryTableModel) -> None:
    """Show ``table`` as the quiet list: one two-line column, no grid, no header."""
    table.setItemDelegateForColumn(0, MemoryLineDelegate(model, table))
    table.setShowGrid(False)
    table.setAlternatingRowColors(False)
    table.horizontalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(2 * table.fontMetrics().height() + 16)

    def hide_detail_columns() -> None:
        for column in range(1, model.columnCount()):
            table.setColumnHidden(column, True)

    model.modelReset.connect(hide_detail_columns)
    model.layoutChanged.connect(hide_detail_columns)
    hide_detail_columns()
