"""The memory list by keyboard: the first arrow press selects the row the keyboard is on, never skips it."""

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from memvault.domain.models import MemoryCreate
from memvault.gui.memory_model import PAGE_SIZE


def _wait_total(qtbot, desktop, n):
    model = desktop.window.browser.model
    qtbot.waitUntil(lambda: model.total == n and not model.is_loading() and model.rowCount() == min(n, PAGE_SIZE),
                    timeout=20_000)


def _land_on_the_list(qtbot, desktop):
    window, table = desktop.window, desktop.window.browser.table
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5_000)
    table.clearSelection()
    table.setCurrentIndex(table.model().index(0, 0))
    table.selectionModel().clearSelection()
    table.setFocus(Qt.TabFocusReason)
    qtbot.waitUntil(lambda: table.hasFocus(), timeout=5_000)
    assert not table.selectionModel().hasSelection()


def test_the_first_down_selects_the_first_memory(qtbot, desktop):
    for text in ("Older memory", "Newest memory"):
        desktop.services.memories.create(MemoryCreate(content=text))
    _wait_total(qtbot, desktop, 2)
    browser = desktop.window.browser
    _land_on_the_list(qtbot, desktop)
    qtbot.keyClick(browser.table, Qt.Key_Down)
    assert browser.selected() is not None and browser.selected().content == "Newest memory"
    qtbot.keyClick(browser.table, Qt.Key_Down)
    assert browser.selected().content == "Older memory"


def test_an_arrow_selects_the_only_memory_of_the_trash(qtbot, desktop):
    memory = desktop.services.memories.create(MemoryCreate(content="Temporary thought")).memory
    desktop.services.lifecycle.delete(memory.id)
    sidebar, browser = desktop.window.sidebar, desktop.window.browser
    qtbot.waitUntil(lambda: any(sidebar.item(i).text().startswith("Trash") for i in range(sidebar.count())),
                    timeout=10_000)
    sidebar.setCurrentItem(next(sidebar.item(i) for i in range(sidebar.count())
                                if sidebar.item(i).text().startswith("Trash")))
    _wait_total(qtbot, desktop, 1)
    _land_on_the_list(qtbot, desktop)
    qtbot.keyClick(browser.table, Qt.Key_Up)
    assert browser.selected() is not None and browser.restore_button.isEnabled()
    qtbot.waitUntil(lambda: browser.detail.memory() is not None and "in trash" in browser.detail.title.text(),
                    timeout=5_000)


def test_tab_goes_from_the_list_buttons_straight_to_the_note_with_no_unnamed_stop(qtbot, desktop):
    desktop.services.memories.create(MemoryCreate(content="A note to reach by Tab"))
    _wait_total(qtbot, desktop, 1)
    browser = desktop.window.browser
    _land_on_the_list(qtbot, desktop)
    qtbot.keyClick(browser.table, Qt.Key_Down)
    stops = []
    for _ in range(4):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key_Tab)
        stops.append(QApplication.focusWidget())
    assert all(w.accessibleName() for w in stops), [type(w).__name__ for w in stops if not w.accessibleName()]
    assert browser.detail.content in stops
