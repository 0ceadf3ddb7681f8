"""A memory shown before its entities were extracted: the pane says they are being found, then shows them."""

from __future__ import annotations

import threading

from memvault.domain.models import MemoryCreate
from memvault.gui.entity_chips import FINDING, NONE
from memvault.gui.memory_model import PAGE_SIZE


def test_chips_appear_once_the_queued_extraction_is_done(qtbot, desktop, monkeypatch):
    services, browser = desktop.services, desktop.window.browser
    entities = services.entities
    # Queued rather than parsed in the store (as while the pipeline loads, or requests crowd the machine), and
    # held until the memory is on show.
    monkeypatch.setattr(entities, "_crowded", lambda: True)
    gate = threading.Event()
    extract = entities._extractor.extract
    monkeypatch.setattr(entities._extractor, "extract", lambda *args, **kw: (gate.wait(30), extract(*args, **kw))[1])
    memory = services.memories.create(MemoryCreate(content="Bob Martinez lives in Lisbon and plays the cello.")).memory
    assert not memory.entities and entities.queue_depth() == 1
    qtbot.waitUntil(lambda: browser.model.total == 1 and browser.model.rowCount() == min(1, PAGE_SIZE)
                    and not browser.model.is_loading(), timeout=20_000)
    browser.table.selectRow(0)
    chips = browser.detail.entities
    qtbot.waitUntil(lambda: chips.empty is not None and chips.empty.text() == FINDING, timeout=10_000)
    gate.set()
    qtbot.waitUntil(lambda: any(c.text() == "Lisbon" for c in chips.chips), timeout=30_000)
    # The list keeps the memory as read again: selected anew, it shows its chips at once.
    browser.table.clearSelection()
    assert chips.empty is not None and not chips.chips
    browser.table.selectRow(0)
    assert any(c.text() == "Lisbon" for c in chips.chips)


def test_a_memory_with_nothing_queued_says_no_entities(qtbot, desktop):
    services, browser = desktop.services, desktop.window.browser
    services.entities.drain()
    services.memories.create(MemoryCreate(content="ok then"))
    qtbot.waitUntil(lambda: browser.model.total == 1 and not browser.model.is_loading(), timeout=20_000)
    browser.table.selectRow(0)
    chips = browser.detail.entities
    qtbot.waitUntil(lambda: not desktop.runner.is_busy(), timeout=10_000)
    assert chips.empty is not None and chips.empty.text() == NONE and not chips.chips


def test_a_memory_in_another_language_says_why_it_has_no_entities(qtbot, desktop):
    services, browser = desktop.services, desktop.window.browser
    services.memories.create(MemoryCreate(content="Meine Schwester wohnt seit dem Sommer in Hamburg und arbeitet "
                                                  "dort als Ärztin."))
    services.entities.drain()
    qtbot.waitUntil(lambda: browser.model.total == 1 and not browser.model.is_loading(), timeout=20_000)
    browser.table.selectRow(0)
    chips = browser.detail.entities
    qtbot.waitUntil(lambda: chips.empty is not None and "English text only" in chips.empty.text(), timeout=10_000)
    assert not chips.chips
