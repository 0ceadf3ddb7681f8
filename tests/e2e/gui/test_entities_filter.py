"""The Entities page's type filter: the memories beside the list are the highlighted entity's, or none."""

from __future__ import annotations

from PySide6.QtCore import Qt

from memvault.domain.models import MemoryCreate


def _selected(page) -> str | None:
    rows = page.table.selectionModel().selectedRows()
    return page.table.item(rows[0].row(), 0).text() if rows else None


def test_changing_the_type_shows_no_other_entitys_memories(qtbot, desktop):
    services = desktop.services
    services.entities.drain()
    for text in ("I drive a blue Honda Civic", "We moved to Portland in May", "My cat Pepper hates the hoover"):
        services.memories.create(MemoryCreate(content=text))
    window = desktop.window
    page = window.entities
    window.pages.setCurrentWidget(page)
    page.refresh()
    qtbot.waitUntil(lambda: page.table.rowCount() >= 3, timeout=20_000)
    row = next(r for r in range(page.table.rowCount()) if page.table.item(r, 0).text() == "Pepper")
    page.table.selectRow(row)
    qtbot.waitUntil(lambda: page.memories.count() == 1, timeout=20_000)
    page.kind.setFocus()
    for _ in range(4):  # down the list of types by keyboard, as a person does, past "person" and "animal"
        qtbot.keyClick(page.kind, Qt.Key_Down)
    qtbot.waitUntil(lambda: page.table.rowCount() >= 1 and all(
        page.table.item(r, 1).text() == page.kind.currentText() for r in range(page.table.rowCount())), timeout=20_000)
    # Every list the keys passed through has loaded (or been dropped); then nothing is chosen, and nothing shown.
    qtbot.waitUntil(lambda: not page._runner.is_busy(), timeout=20_000)
    assert _selected(page) is None and page.memories.count() == 0
    assert page.memories_title.text() == "Select an entity to see its memories"
    # Choosing a row shows its memories, and only its.
    page.table.selectRow(0)
    name = page.table.item(0, 0).text()
    qtbot.waitUntil(lambda: page.memories.count() == 1, timeout=20_000)
    assert page.memories_title.text().startswith(f"Memories mentioning {name} (location)")
