"""The navigation rail: the pages with icons and counts, above the namespaces, in one sidebar."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import QApplication, QLabel, QListWidget, QListWidgetItem, QTabWidget, QVBoxLayout, QWidget

from memvault.gui.icons import icon
from memvault.gui.theme import DARK, LIGHT, is_dark

_TITLE = int(Qt.ItemDataRole.UserRole.value)


class NavRail(QListWidget):
    """One row per page of ``pages`` (its tab bar hidden); the rail and the pages follow each other.

    Signals:
        page_chosen(int): the user moved to another page in the rail.
        page_clicked(int): the user clicked a page's row (the keyboard then goes to the page: arrows keep it
            on the rail, to move on through the pages).
    """

    page_chosen = Signal(int)
    page_clicked = Signal(int)

    def __init__(self, pages: QTabWidget, entries: list[tuple[str, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("rail")
        self.setAccessibleName("Pages")
        self.setIconSize(QSize(16, 16))
        self.setFrameShape(QListWidget.NoFrame)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self._pages = pages
        for title, glyph in entries:
            item = QListWidgetItem(icon(glyph), title)
            item.setData(_TITLE, title)
            self.addItem(item)
        pages.tabBar().hide()
        # The hidden tab bar is the tab widget's focus proxy: left in the Tab chain, Tab would stop there
        # for good (a keyboard trap). The rail is where the keyboard picks pages now.
        pages.tabBar().setFocusPolicy(Qt.NoFocus)
        pages.setFocusPolicy(Qt.NoFocus)
        # Exactly as tall as its rows: the namespaces start right below.
        self.setFixedHeight(self.sizeHintForRow(0) * self.count() + 2 * self.frameWidth() + 16)
        self.setCurrentRow(pages.currentIndex())
        self.currentRowChanged.connect(self._on_current_row_changed)
        self.itemClicked.connect(lambda item: self.page_clicked.emit(self.row(item)))
        pages.currentChanged.connect(self._on_pages_current_changed)

    def set_count(self, row: int, count: int | None) -> None:
        """Show ``count`` after the page's title (``None`` or 0: nothing)."""
        item = self.item(row)
        title = item.data(_TITLE)
        item.setText(f"{title}    {count:,}" if count else title)
        item.setToolTip(f"{title}: {count:,}" if count else title)

    def _on_current_row_changed(self, row: int) -> None:
        if row >= 0 and row != self._pages.currentIndex():
            self._pages.setCurrentIndex(row)
            self.page_chosen.emit(row)

    def _on_pages_current_changed(self, index: int) -> None:
        if index != self.currentRow():
            self.blockSignals(True)
            self.setCurrentRow(index)
            self.blockSignals(False)


class NamespaceList(QListWidget):
    """The namespaces under the rail: arrows and clicks choose the scope, typed letters do not.

    A letter typed there (meant for a page the keyboard had not reached) jumped to a namespace starting with it
    and rescoped every page without a word; the scope is too weighty a choice for type-ahead.
    """

    def keyboardSearch(self, _search: str) -> None:  # noqa: N802 (Qt's name)
        pass


#: The sidebar column's width (px).
SIDEBAR_WIDTH = 220
#: A namespace row's width (px) besides its text: the icon, the row's padding and a scroll bar.
_ROW_EXTRA = 56


def scope_item(namespaces: QListWidget, glyph: str, name: str, count: str = "") -> QListWidgetItem:
    """A row of the namespaces list: ``name (count)`` in the width the column gives it. A long name gives way
    in its middle and the count stays (a 64-character namespace pushed the count out and a scroll bar in);
    the whole name is in the tooltip."""
    metrics = namespaces.fontMetrics()
    tail = f" ({count})" if count else ""
    room = SIDEBAR_WIDTH - _ROW_EXTRA - metrics.horizontalAdvance(tail)
    shown = metrics.elidedText(name, Qt.ElideMiddle, room)
    item = QListWidgetItem(icon(glyph), shown + tail)
    if shown != name:
        item.setToolTip(name)
    return item


def sidebar(rail: NavRail, namespaces: QListWidget) -> QWidget:
    """The rail, a quiet heading, and the namespaces, as one column."""
    namespaces.setObjectName("namespaces")
    namespaces.setFrameShape(QListWidget.NoFrame)
    namespaces.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)  # rows fit the column (scope_item)
    # Lists in the sidebar show focus as a ring on their current row, not as a frame around the column. The style
    # sheet's ":focus::item:selected" never matched (Qt reads a row's focus as the item's own state), so the rail
    # showed no focus at all; the padding shrinks by the ring's width so the row keeps its size.
    focus = (DARK if is_dark(QApplication.palette()) else LIGHT)["focus"]
    for widget in (rail, namespaces):
        widget.setStyleSheet("QListWidget { border: none; } "
                             f"QListWidget::item:focus {{ border: 2px solid {focus}; padding: 4px 6px; }}")
    column = QWidget()
    column.setObjectName("sidebar")
    column.setAttribute(Qt.WA_StyledBackground, True)
    column.setFixedWidth(SIDEBAR_WIDTH)
    layout = QVBoxLayout(column)
    layout.setContentsMargins(0, 8, 0, 8)
    layout.setSpacing(0)
    layout.addWidget(rail)
    heading = QLabel("NAMESPACES")
    heading.setObjectName("railHeading")
    layout.addWidget(heading)
    layout.addWidget(namespaces, 1)
    return column
