"""What keeps the window quick on a large vault: work that scales with the vault is done once, off the GUI thread."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QAbstractItemView

from memvault.domain.models import MemoryCreate, MemoryFilter
from memvault.gui.memory_model import PAGE_SIZE
from tests.helpers import fast_settings


@pytest.fixture
def desktop_without_worker(request, monkeypatch):
    """The ``desktop`` fixture without the embedding worker: storing a few hundred memories stays cheap."""
    from tests.e2e.gui import conftest

    monkeypatch.setattr(conftest, "fast_settings", lambda home, **kw: fast_settings(home, worker=False, **kw))
    return request.getfixturevalue("desktop")


def test_scrolling_to_the_next_page_does_not_count_the_vault_again(qtbot, desktop_without_worker, monkeypatch):
    desktop = desktop_without_worker
    n = PAGE_SIZE + 5
    for start in range(0, n, 100):
        batch = range(start, min(n, start + 100))
        desktop.services.memories.create_batch([MemoryCreate(content=f"note {i}") for i in batch])
    model = desktop.window.browser.model
    desktop.window.browser.refresh()
    # Storing them announced changes whose throttled refresh would start the list again mid-scroll.
    qtbot.waitUntil(lambda: desktop._bridge.is_quiet() and not desktop.runner.is_busy() and model.total == n
                    and not model.is_loading() and model.rowCount() == PAGE_SIZE, timeout=20_000)
    memories = desktop.services.memories
    real_list, counted = memories.list, []

    def recording_list(f, **kwargs):
        counted.append(kwargs.get("count_total", True))
        return real_list(f, **kwargs)

    monkeypatch.setattr(memories, "list", recording_list)
    assert model.canFetchMore()
    model.fetchMore()
    qtbot.waitUntil(lambda: model.rowCount() == n, timeout=20_000)
    assert counted == [False]  # one page read, and the total (already known) not counted again
    assert model.total == n and not model.canFetchMore()


def test_end_and_home_go_to_the_last_and_first_memory(qtbot, desktop_without_worker):
    desktop = desktop_without_worker
    desktop.services.memories.create_batch([MemoryCreate(content=f"note {i}") for i in range(30)])
    browser = desktop.window.browser
    browser.refresh()
    qtbot.waitUntil(lambda: browser.model.rowCount() == 30 and not browser.model.is_loading(), timeout=20_000)
    browser.table.setFocus()
    qtbot.keyClick(browser.table, Qt.Key_Down)
    qtbot.keyClick(browser.table, Qt.Key_End)
    assert browser.table.currentIndex().row() == 29 and browser.selected().content == "note 0"
    qtbot.keyClick(browser.table, Qt.Key_Home)
    assert browser.table.currentIndex().row() == 0 and browser.selected().content == "note 29"


def test_a_memory_opened_beyond_the_loaded_rows_leaves_no_other_row_highlighted(qtbot, desktop_without_worker):
    desktop = desktop_without_worker
    n = PAGE_SIZE + 5
    for start in range(0, n, 100):
        batch = range(start, min(n, start + 100))
        desktop.services.memories.create_batch([MemoryCreate(content=f"note {i}") for i in batch])
    browser = desktop.window.browser
    browser.refresh()
    qtbot.waitUntil(lambda: browser.model.rowCount() == PAGE_SIZE and not browser.model.is_loading(), timeout=20_000)
    browser.table.selectRow(0)
    assert browser.selected().content == f"note {n - 1}"
    oldest = desktop.services.memories.list(MemoryFilter(), limit=1, offset=n - 1).items[0]
    assert browser.model.row_of(oldest.id) < 0  # beyond the loaded page, as a search hit at 100k is
    browser.select_memory(oldest.id)
    qtbot.waitUntil(lambda: browser.detail.memory() is not None and browser.detail.memory().id == oldest.id,
                    timeout=10_000)
    assert browser.selected() is None


def _scrolled_past_the_first_page(qtbot, desktop, n):
    for start in range(0, n, 100):
        batch = range(start, min(n, start + 100))
        desktop.services.memories.create_batch([MemoryCreate(content=f"note {i}") for i in batch])
    browser, model = desktop.window.browser, desktop.window.browser.model
    browser.refresh()
    qtbot.waitUntil(lambda: desktop._bridge.is_quiet() and not desktop.runner.is_busy()
                    and model.rowCount() == PAGE_SIZE and not model.is_loading(), timeout=20_000)
    model.fetchMore()
    qtbot.waitUntil(lambda: model.rowCount() == n and not model.is_loading(), timeout=20_000)
    return browser, model


def test_a_change_while_scrolled_down_keeps_the_rows_read_and_the_memory_selected(qtbot, desktop_without_worker):
    desktop = desktop_without_worker
    n = PAGE_SIZE + 50
    browser, model = _scrolled_past_the_first_page(qtbot, desktop, n)
    browser.table.selectRow(n - 10)
    chosen = browser.selected()
    assert chosen.content == "note 9"
    # An agent stores a memory while the user reads far down the list: the list shows it, and stays where it was.
    desktop.services.memories.create(MemoryCreate(content="stored by an agent meanwhile"))
    qtbot.waitUntil(lambda: model.rowCount() == n + 1 and desktop._bridge.is_quiet()
                    and not desktop.runner.is_busy() and not model.is_loading(), timeout=20_000)
    assert model.memory_at(0).content == "stored by an agent meanwhile"
    assert browser.selected().id == chosen.id and browser.detail.memory().id == chosen.id
    row = browser.table.visualRect(model.index(model.row_of(chosen.id), 0))
    assert browser.table.viewport().rect().contains(row.center())


def test_a_change_while_scrolled_down_keeps_the_memory_at_the_top_of_the_list(qtbot, desktop_without_worker):
    desktop = desktop_without_worker
    n = PAGE_SIZE + 50
    browser, model = _scrolled_past_the_first_page(qtbot, desktop, n)
    table = browser.table
    table.scrollTo(model.index(PAGE_SIZE - 20, 0), QAbstractItemView.PositionAtTop)
    top = model.memory_at(table.indexAt(QPoint(0, 0)).row())
    assert browser.selected() is None and top.content == "note 69"
    desktop.services.memories.create(MemoryCreate(content="stored by an agent meanwhile"))
    qtbot.waitUntil(lambda: model.rowCount() == n + 1 and desktop._bridge.is_quiet()
                    and not desktop.runner.is_busy() and not model.is_loading(), timeout=20_000)
    assert model.memory_at(table.indexAt(QPoint(0, 0)).row()).id == top.id


def test_at_the_top_of_the_list_what_arrives_is_shown_and_the_keyboard_selects_only_what_is_seen(
        qtbot, desktop_without_worker):
    # Two quick captures arrived above the view (the list kept its old first memory at the top), Home selected
    # nothing, and Down then selected a memory out of sight that Delete trashed.
    desktop = desktop_without_worker
    desktop.services.memories.create_batch([MemoryCreate(content=f"note {i}") for i in range(40)])
    browser, model = desktop.window.browser, desktop.window.browser.model
    table = browser.table
    browser.refresh()
    qtbot.waitUntil(lambda: desktop._bridge.is_quiet() and not desktop.runner.is_busy() and model.rowCount() == 40
                    and not model.is_loading(), timeout=20_000)
    assert table.verticalScrollBar().value() == 0 and browser.selected() is None
    for text in ("call the plumber", "buy stamps"):
        desktop.services.memories.create(MemoryCreate(content=text))
    qtbot.waitUntil(lambda: model.rowCount() == 42 and desktop._bridge.is_quiet() and not desktop.runner.is_busy()
                    and not model.is_loading(), timeout=20_000)
    assert table.verticalScrollBar().value() == 0
    assert model.memory_at(table.indexAt(QPoint(0, 0)).row()).content == "buy stamps"
    table.setFocus()
    qtbot.keyClick(table, Qt.Key_Home)
    assert browser.selected().content == "buy stamps"
    table.clearSelection()
    table.scrollToBottom()
    qtbot.keyClick(table, Qt.Key_Down)  # the first arrow selects the row with the focus frame, and shows it
    chosen = table.visualRect(model.index(model.row_of(browser.selected().id), 0))
    assert table.viewport().rect().contains(chosen.center())
