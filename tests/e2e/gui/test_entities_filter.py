"""The Entities page keeps up: its type filter shows the chosen entity's memories or none, and entities linked
while it is shown join its list."""

from __future__ import annotations

import threading

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


def test_entities_linked_while_the_page_is_shown_join_the_list(qtbot, desktop, monkeypatch):
    # A walkthrough opened the app on the Entities page while a chat's entities were still queued: it listed 20
    # entities where the vault had 24, until something else reloaded it.
    services = desktop.services
    entities = services.entities
    services.entities.drain()
    services.memories.create(MemoryCreate(content="My cat Pepper hates the hoover"))
    monkeypatch.setattr(entities, "_crowded", lambda: True)  # queued rather than parsed in the store
    gate = threading.Event()
    extract = entities._extractor.extract
    monkeypatch.setattr(entities._extractor, "extract", lambda *args, **kw: (gate.wait(30), extract(*args, **kw))[1])
    services.memories.create(MemoryCreate(content="Bob Martinez lives in Lisbon and plays the cello."))
    assert entities.queue_depth() == 1
    window = desktop.window
    page = window.entities
    window.pages.setCurrentWidget(page)
    qtbot.waitUntil(lambda: page.table.rowCount() >= 1, timeout=20_000)
    names = lambda: {page.table.item(r, 0).text() for r in range(page.table.rowCount())}  # noqa: E731
    assert "Lisbon" not in names()
    page.table.selectRow(next(r for r in range(page.table.rowCount()) if page.table.item(r, 0).text() == "Pepper"))
    qtbot.waitUntil(lambda: page.memories.count() == 1, timeout=20_000)
    gate.set()
    # Nothing done: the page reads the list again while extraction is queued, the entity on show kept on show.
    qtbot.waitUntil(lambda: "Lisbon" in names(), timeout=30_000)
    assert _selected(page) == "Pepper" and page.memories_title.text().startswith("Memories mentioning Pepper")


def test_a_chip_shows_its_entity_in_the_scope_the_sidebar_shows(qtbot, desktop):
    # A walkthrough clicked a chip under "All namespaces": the page said "In default: …" with the sidebar unchanged.
    from memvault.gui.main_window import ALL_NAMESPACES

    services = desktop.services
    services.entities.drain()
    for namespace in ("default", "work"):
        services.memories.create(MemoryCreate(content="Karen drove to Kenora for the walleye opener",
                                              namespace=namespace))
    window = desktop.window
    window._select_scope(ALL_NAMESPACES)
    browser = window.browser
    qtbot.waitUntil(lambda: browser.model.rowCount() == 2 and not browser.model.is_loading(), timeout=20_000)
    browser.table.selectRow(0)
    chips = browser.detail.entities
    qtbot.waitUntil(lambda: any(c.text() == "Kenora" for c in chips.chips), timeout=10_000)
    qtbot.mouseClick(next(c for c in chips.chips if c.text() == "Kenora"), Qt.LeftButton)
    page = window.entities
    qtbot.waitUntil(lambda: page.memories.count() == 2, timeout=20_000)  # both namespaces' memories
    assert _selected(page) == "Kenora" and page.summary.text().startswith("In all namespaces")
    assert window.scope() == (None, False)
