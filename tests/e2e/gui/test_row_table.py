"""Tables read row by row: Home and End go to the first and last row (app/memvault/gui/row_table.py)."""

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QTableWidgetItem

from memvault.gui.row_table import RowTable


def test_home_and_end_go_to_the_first_and_last_row(qtbot):
    # An outside walkthrough: End in the Entities table went to the last column of the row, and nothing moved.
    table = RowTable(4, 3)
    qtbot.addWidget(table)
    table.setSelectionBehavior(QAbstractItemView.SelectRows)
    for row in range(4):
        for column in range(3):
            table.setItem(row, column, QTableWidgetItem(f"{row}/{column}"))
    table.show()
    table.setFocus()
    table.selectRow(1)
    qtbot.keyClick(table, Qt.Key_End)
    assert table.currentRow() == 3 and table.selectionModel().isRowSelected(3)
    qtbot.keyClick(table, Qt.Key_Home)
    assert table.currentRow() == 0 and table.selectionModel().isRowSelected(0)


def test_the_entities_and_the_keys_are_such_tables(qtbot, desktop):
    assert isinstance(desktop.window.entities.table, RowTable)
    assert isinstance(desktop.window.agents.keys, RowTable)
