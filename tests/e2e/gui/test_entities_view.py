"""Entity chips on a memory (a click shows the entity's memories) and the Entities page with counts."""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QPushButton

from memvault.domain.entities import EntityMention, EntityType
from memvault.domain.models import MemoryCreate
from memvault.gui.entity_chips import EntityChips
from memvault.gui.memory_model import PAGE_SIZE


def _row_of(browser, text):
    model = browser.model
    return next(r for r in range(model.rowCount()) if model.memory_at(r).content == text)


def test_chips_lead_to_the_entities_page_and_its_memories(qtbot, desktop):
    services = desktop.services
    services.entities.drain()  # the pipeline is loaded: entities are linked as memories are stored
    for text in ("Greg took up fishing in Kenora", "Karen drove to Kenora for the walleye opener",
                 "The quarterly report is due on Friday"):
        services.memories.create(MemoryCreate(content=text))
    browser = desktop.window.browser
    browser.refresh()
    qtbot.waitUntil(lambda: browser.model.total == 3 and browser.model.rowCount() == min(3, PAGE_SIZE)
                    and not browser.model.is_loading(), timeout=20_000)
    browser.table.selectRow(_row_of(browser, "Greg took up fishing in Kenora"))
    chips = browser.detail.entities
    # Names read as the memory writes them ("Kenora"), not as the key they are matched by ("kenora").
    qtbot.waitUntil(lambda: any(c.text() == "Kenora" for c in chips.chips), timeout=10_000)
    chip = next(c for c in chips.chips if c.text() == "Kenora")
    qtbot.mouseClick(chip, Qt.LeftButton)
    page = desktop.window.entities
    assert desktop.window.pages.currentWidget() is page
    # The rail shows the page it went to (it kept "Memories" highlighted).
    assert desktop.window.rail.currentRow() == desktop.window.pages.indexOf(page)
    qtbot.waitUntil(lambda: page.memories.count() == 2, timeout=20_000)
    selected = page.table.selectionModel().selectedRows()
    assert page.table.item(selected[0].row(), 0).text() == "Kenora"
    assert page.memories_title.text().startswith("Memories mentioning Kenora")
    assert page.table.item(selected[0].row(), 2).text() == "2"
    contents = {page.memories.item(i).text() for i in range(page.memories.count())}
    assert contents == {"Greg took up fishing in Kenora", "Karen drove to Kenora for the walleye opener"}
    # Only locations: the type filter reloads the list.
    page.kind.setCurrentText("location")
    qtbot.waitUntil(lambda: page.table.rowCount() >= 1 and all(
        page.table.item(r, 1).text() == "location" for r in range(page.table.rowCount())), timeout=20_000)
    # Enter on a memory opens it in the browser (keyboard; a double click is the same activation).
    page.kind.setCurrentText("All types")
    page.show_entity("default", "kenora")
    qtbot.waitUntil(lambda: page.memories.count() == 2, timeout=20_000)
    page.memories.setCurrentRow(0)
    page.memories.setFocus()
    qtbot.keyClick(page.memories, Qt.Key_Return)
    assert desktop.window.pages.currentWidget() is browser
    qtbot.waitUntil(lambda: browser.detail.memory() is not None and "Kenora" in browser.detail.memory().content,
                    timeout=20_000)


def _rows(page):
    return {(page.table.item(r, 0).text(), page.table.item(r, 1).text()):
            (int(page.table.item(r, 2).text().replace(",", "")), page.table.item(r, 3).text())
            for r in range(page.table.rowCount())}


def test_all_namespaces_show_an_entity_once_with_its_namespaces_and_one_namespace_its_own(qtbot, desktop):
    services, window = desktop.services, desktop.window
    services.entities.drain()
    for namespace, text in (("default", "Greg took up fishing in Kenora and caught a walleye"),
                            ("work", "At the offsite, Greg from accounts caught a walleye"),
                            ("work", "Greg asked about the sourdough at lunch")):
        services.memories.create(MemoryCreate(content=text, namespace=namespace))
    page = window.entities
    window.sidebar.setCurrentRow(0)  # all namespaces
    window.pages.setCurrentWidget(page)
    qtbot.waitUntil(lambda: ("Kenora", "location") in _rows(page), timeout=20_000)
    rows = _rows(page)
    greg = [r for r in range(page.table.rowCount()) if page.table.item(r, 0).text() == "Greg"]
    # One row for the person and for the noun both namespaces have, counted together, both named.
    assert len(greg) == 1 and rows[("Greg", "person")] == (3, "default, work")
    assert rows[("walleye", "concept")] == (2, "default, work")
    # A noun one memory uses is no recurring concept; a place is listed from one mention.
    assert not any(value == "sourdough" for value, _ in rows) and rows[("Kenora", "location")] == (1, "default")
    page.table.selectRow(greg[0])
    qtbot.waitUntil(lambda: page.memories.count() == 3, timeout=20_000)
    # From several namespaces each memory says where it is (alike texts read as duplicates).
    assert {page.memories.item(i).text() for i in range(3)} == {
        "default · Greg took up fishing in Kenora and caught a walleye",
        "work · At the offsite, Greg from accounts caught a walleye", "work · Greg asked about the sourdough at lunch"}
    # The sidebar's namespace narrows the page to that namespace's own rows and counts.
    window.sidebar.setCurrentRow(1)
    qtbot.waitUntil(lambda: _rows(page).get(("Greg", "person")) == (1, "default"), timeout=20_000)
    assert ("walleye", "concept") not in _rows(page)  # one memory of this namespace mentions it
    # A clicked chip's entity is shown even when it is a noun of one memory.
    page.show_entity("work", "sourdough")
    qtbot.waitUntil(lambda: page.memories.count() == 1, timeout=20_000)
    assert _rows(page)[("sourdough", "concept")] == (1, "work")


def test_the_last_memorys_chips_are_gone_at_once(qtbot, desktop):
    # Inside a nested event loop (a modal dialog's) deferred deletes wait; the old chips were drawn under the new.
    memory = desktop.services.memories.create(MemoryCreate(content="a note")).memory
    mention = lambda v: EntityMention(EntityType.CONCEPT, v, 0.9)  # noqa: E731
    chips = EntityChips()
    qtbot.addWidget(chips)
    chips.resize(430, 80)
    chips.show()
    chips.show_memory(dataclasses.replace(memory, entities=(mention("latency"), mention("rollback"), mention("audit"))))
    QApplication.processEvents()
    chips.show_memory(dataclasses.replace(memory, entities=(mention("upgrade"),)))
    assert not [b.text() for b in chips.findChildren(QPushButton) if b.isVisible()]  # the old ones, hidden
    QApplication.processEvents()
    assert [b.text() for b in chips.findChildren(QPushButton) if b.isVisible()] == ["upgrade"]


def test_entity_counts_are_grouped_like_every_other_count(qtbot, desktop):
    from memvault.domain.entities import EntitySummary
    from memvault.service.entities import SummaryPage

    page = desktop.window.entities
    loud = EntitySummary(EntityType.CONCEPT, "team", 22695, ("default",), (1,), "team")
    page._generation += 1
    page._on_entities_loaded(page._generation, SummaryPage((loud,), 1))
    assert page.table.item(0, 2).text() == "22,695"
    assert page.table.item(0, 2).textAlignment() & Qt.AlignRight


def _entities_page(desktop, text: str, kind: str):
    """The Entities page on ``kind``, after ``text`` was stored with the pipeline loaded."""
    desktop.services.entities.drain()
    desktop.services.memories.create(MemoryCreate(content=text))
    page = desktop.window.entities
    desktop.window.pages.setCurrentWidget(page)
    page.kind.setCurrentText(kind)
    return page


def test_counts_read_as_words_and_an_empty_type_says_why(qtbot, desktop):
    page = _entities_page(desktop, "Greg took up fishing in Kenora", "location")
    qtbot.waitUntil(lambda: page.table.rowCount() == 1 and page.summary.text() == "In default: 1 entity listed",
                    timeout=20_000)
    assert not page.empty.isVisible()
    # A concept one memory mentions is linked but not listed: the empty list says so instead of nothing.
    page.kind.setCurrentText("concept")
    qtbot.waitUntil(lambda: page.table.rowCount() == 0 and page.summary.text().startswith("In default: 0 entities"),
                    timeout=20_000)
    assert "1 concept is listed once a second memory mentions it" in page.summary.text()
    assert page.empty.isVisible() and "once 2 or more memories mention them" in page.empty.text()


def test_in_a_narrow_window_the_namespaces_shorten_before_the_entity_names_do(qtbot, desktop):
    """At the window's least width the names were cut to "status…" beside "default, research, work" whole."""
    from memvault.gui.entities_view import NAME_ROOM

    services, window = desktop.services, desktop.window
    for namespace in ("default", "research", "work", "personal-finance"):
        services.memories.create_batch([MemoryCreate(content=f"Status update discussion about latency, week {i}",
                                                     namespace=namespace) for i in range(3)])
    services.entities.drain()
    page = window.entities
    window.sidebar.setCurrentRow(0)  # all namespaces
    window.pages.setCurrentWidget(page)
    qtbot.waitUntil(lambda: page.table.rowCount() > 0, timeout=20_000)
    header, row = page.table.horizontalHeader(), 0
    whole = page.table.item(row, 3).text()
    assert whole == "default, personal-finance, research, work"
    window.resize(1366, 740)
    QApplication.processEvents()
    assert header.sectionSize(3) >= page.table.sizeHintForColumn(3)  # room for both: the namespaces whole
    window.resize(window.minimumSizeHint().width(), 740)
    QApplication.processEvents()
    assert header.sectionSize(0) >= NAME_ROOM and header.sectionSize(3) < page.table.sizeHintForColumn(3)
    assert page.table.item(row, 3).toolTip() == whole  # what the column cannot show
    window.resize(1366, 740)
    QApplication.processEvents()
    assert header.sectionSize(3) >= page.table.sizeHintForColumn(3)


def test_a_wrong_type_is_mended_from_the_page_by_keyboard_in_every_namespace(qtbot, desktop):
    services, window = desktop.services, desktop.window
    services.entities.drain()
    for namespace in ("default", "home"):
        services.memories.create(MemoryCreate(content="Mochi threw up on the rug", namespace=namespace))
    page = window.entities
    window.sidebar.setCurrentRow(0)  # all namespaces: the row stands for both namespaces' Mochi
    window.pages.setCurrentWidget(page)
    qtbot.waitUntil(lambda: ("Mochi", "person") in _rows(page), timeout=20_000)
    assert not page.type_choice.isEnabled()  # nothing selected yet
    page.show_entity(None, "mochi")
    qtbot.waitUntil(lambda: page.type_choice.isEnabled() and page.type_label.text() == "Type of Mochi",
                    timeout=20_000)
    assert page.type_choice.text() == "person" and page.type_choice.menu() is page.type_menu
    checked = [a.text() for a in page.type_menu.actions() if a.isChecked()]
    assert checked == ["person"] and "date" not in [a.text() for a in page.type_menu.actions()]
    # A menu: browsing it changes nothing (a combo box saved an arrow key's choice at once); choosing does.
    page.type_choice.setFocus()
    qtbot.keyClick(page.type_choice, Qt.Key_Down)
    qtbot.keyClick(page.type_choice, Qt.Key_A)
    assert ("Mochi", "person") in _rows(page) and page.type_choice.text() == "person"
    next(a for a in page.type_menu.actions() if a.text() == "animal").trigger()
    qtbot.waitUntil(lambda: ("Mochi", "animal") in _rows(page), timeout=20_000)
    assert ("Mochi", "person") not in _rows(page)
    assert _rows(page)[("Mochi", "animal")] == (2, "default, home")
    # The entity stays on show with its new type, and a later mention keeps it.
    qtbot.waitUntil(lambda: page.memories_title.text().startswith("Memories mentioning Mochi (animal)"),
                    timeout=20_000)
    assert page.type_choice.text() == "animal"
    stored = services.memories.create(MemoryCreate(content="Mochi hid under the bed all afternoon", namespace="home"))
    services.entities.drain()
    assert (EntityType.ANIMAL, "mochi") in {(e.type, e.value) for e in services.memories.get(stored.memory.id).entities}


def test_a_date_keeps_its_type(qtbot, desktop):
    page = _entities_page(desktop, "The lease ends on 3 May 2027", "date")
    qtbot.waitUntil(lambda: page.table.rowCount() == 1, timeout=20_000)
    page.table.selectRow(0)
    qtbot.waitUntil(lambda: page.memories.count() == 1, timeout=20_000)
    assert not page.type_choice.isEnabled()


def test_a_retyped_entity_stays_on_show_under_a_type_filter_and_nothing_selected_shows_no_type(qtbot, desktop):
    page = _entities_page(desktop, "Mochi threw up on the rug", "person")
    qtbot.waitUntil(lambda: ("Mochi", "person") in _rows(page), timeout=20_000)
    assert page.type_choice.text() == "—" and not page.type_choice.isEnabled()  # no other entity's type, greyed
    page.table.selectRow(next(r for r in range(page.table.rowCount()) if page.table.item(r, 0).text() == "Mochi"))
    qtbot.waitUntil(lambda: page.type_choice.isEnabled(), timeout=20_000)
    next(a for a in page.type_menu.actions() if a.text() == "animal").trigger()
    # The filter follows it: under "person" it left the list and the pane went blank with no word why.
    qtbot.waitUntil(lambda: page.kind.currentText() == "animal" and ("Mochi", "animal") in _rows(page),
                    timeout=20_000)
    qtbot.waitUntil(lambda: page.memories_title.text().startswith("Memories mentioning Mochi (animal)"),
                    timeout=20_000)


def test_tab_reaches_the_type_between_the_table_and_the_memories_and_alt_down_opens_it(qtbot, desktop):
    """An outside walkthrough: Tab went from the table straight to the memories list, past "Type of …" (only
    Shift+Tab reached it), and Alt+Down on it moved the focus instead of opening its choices."""
    from PySide6.QtCore import QTimer

    page = _entities_page(desktop, "Mochi threw up on the rug", "person")
    window = desktop.window
    window.activateWindow()
    qtbot.waitUntil(lambda: window.isActiveWindow(), timeout=5_000)
    qtbot.waitUntil(lambda: ("Mochi", "person") in _rows(page), timeout=20_000)
    page.table.selectRow(next(r for r in range(page.table.rowCount()) if page.table.item(r, 0).text() == "Mochi"))
    qtbot.waitUntil(lambda: page.type_choice.isEnabled(), timeout=20_000)
    page.table.setFocus()
    qtbot.waitUntil(page.table.hasFocus, timeout=5_000)
    qtbot.keyClick(page.table, Qt.Key_Tab)
    qtbot.waitUntil(page.type_choice.hasFocus, timeout=5_000)
    opened = []

    def look_and_close():
        opened.append(page.type_menu.isVisible())
        page.type_menu.close()

    QTimer.singleShot(300, look_and_close)
    qtbot.keyClick(page.type_choice, Qt.Key_Down, Qt.AltModifier)
    qtbot.waitUntil(lambda: opened == [True], timeout=5_000)
    assert ("Mochi", "person") in _rows(page)  # opened, nothing chosen
    qtbot.keyClick(page.type_choice, Qt.Key_Tab)
    qtbot.waitUntil(page.memories.hasFocus, timeout=5_000)
