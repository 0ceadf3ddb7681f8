"""A table read row by row (entities, API keys): Home and End go to the first and last row, as in a list.

A table's own Home and End go to the first and last column of the row, which in a table selecting whole rows
moved nothing a user could see (an outside walkthrough: End in the Entities table "did nothing"). The memory list
does the same for its rows (:class:`memvault.gui.memory_list.MemoryListView`).
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QAbstractItemView, QTableWidget


class RowTable(QTableWidget):
    """A :class:`QTableWidget` whose Home and End move between rows (Ctrl+Home and Ctrl+End's moves)."""

    def moveCursor(self, action: QAbstractItemView.CursorAction,  # noqa: N802 (Qt's name)
                   modifiers: Qt.KeyboardModifier) -> QModelIndex:
        if action in (QAbstractItemView.MoveHome, QAbstractItemView.MoveEnd):
            modifiers = modifiers | Qt.ControlModifier
        return super().moveCursor(action, modifiers)
