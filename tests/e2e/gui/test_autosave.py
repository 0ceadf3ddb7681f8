"""Edits stick as in a note app: saved on leaving the field, on another row, on Ctrl+S; each save can be undone."""

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from memvault.domain.models import MemoryCreate


def _two_memories(qtbot, desktop):
    for text in ("The user drinks tea", "The user cycles to work"):
        desktop.services.memories.create(MemoryCreate(content=text))
    model = desktop.window.browser.model
    qtbot.waitUntil(lambda: model.total == 2 and model.rowCount() == 2 and not model.is_loading(), timeout=20_000)
    return desktop.window.browser


def _focus(qtbot, widget):
    widget.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is widget, timeout=5_000)


def test_clicking_another_row_saves_the_edit_and_undo_brings_the_old_text_back(qtbot, desktop):
    desktop.window.activateWindow()
    browser = _two_memories(qtbot, desktop)
    detail = browser.detail
    browser.table.selectRow(1)
    first = browser.selected()
    qtbot.waitUntil(lambda: detail.content.toPlainText() == first.content)
    _focus(qtbot, detail.content)
    detail.content.moveCursor(detail.content.textCursor().MoveOperation.End)
    qtbot.keyClicks(detail.content, " every morning")
    assert detail.dirty and "edited" in detail.title.text()
    browser.table.selectRow(0)  # another row: the edit is saved, not lost
    qtbot.waitUntil(lambda: desktop.services.memories.get(first.id).version == 2, timeout=20_000)
    assert desktop.services.memories.get(first.id).content == first.content + " every morning"
    qtbot.waitUntil(lambda: browser.notice.isVisible() and browser.notice.action.text() == "Undo", timeout=10_000)
    qtbot.mouseClick(browser.notice.action, Qt.LeftButton)
    qtbot.waitUntil(lambda: desktop.services.memories.get(first.id).content == first.content, timeout=20_000)


def test_leaving_the_field_saves_and_ctrl_s_saves_at_once(qtbot, desktop):
    desktop.window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is desktop.window, timeout=5_000)
    browser = _two_memories(qtbot, desktop)
    detail = browser.detail
    browser.table.selectRow(0)
    memory = browser.selected()
    qtbot.waitUntil(lambda: detail.content.toPlainText() == memory.content)
    _focus(qtbot, detail.tags)
    qtbot.keyClicks(detail.tags, "drinks")
    _focus(qtbot, browser.table)  # focus leaves the pane
    qtbot.waitUntil(lambda: desktop.services.memories.get(memory.id).tags == ("drinks",), timeout=20_000)
    qtbot.waitUntil(lambda: not detail.dirty and detail.memory().version == 2, timeout=20_000)
    # Ctrl+S, typed in the text, saves without leaving it.
    _focus(qtbot, detail.content)
    qtbot.keyClicks(detail.content, "Note: ")
    qtbot.keyClick(detail.content, Qt.Key_S, Qt.ControlModifier)
    qtbot.waitUntil(lambda: desktop.services.memories.get(memory.id).version == 3, timeout=20_000)
    assert desktop.services.memories.get(memory.id).content.startswith("Note: ")
    assert QApplication.focusWidget() is detail.content


def test_a_memory_saved_into_another_namespace_is_followed_there(qtbot, desktop):
    window = desktop.window
    browser = window.browser
    browser.new_memory()
    form = browser.new_dialog.form
    form.text.setPlainText("Sprint review on Thursday")
    form.namespace.setCurrentText("work")
    assert form.memory_type.currentText() == "automatic"
    browser.new_dialog.buttons.accepted.emit()
    qtbot.waitUntil(lambda: window.scope() == ("work", False) and browser.model.rowCount() == 1, timeout=20_000)
    qtbot.waitUntil(lambda: window.sidebar.currentItem() is not None
                    and window.sidebar.currentItem().text().startswith("work"), timeout=20_000)
    assert browser.model.memory_at(0).content == "Sprint review on Thursday"


def test_another_row_is_refused_while_the_metadata_is_invalid_so_the_text_edit_is_kept(qtbot, desktop):
    desktop.window.activateWindow()
    browser = _two_memories(qtbot, desktop)
    detail = browser.detail
    browser.table.selectRow(1)
    first = browser.selected()
    qtbot.waitUntil(lambda: detail.content.toPlainText() == first.content)
    detail.meta.metadata_toggle.setChecked(True)
    detail.metadata.setPlainText('{"source": chat')
    _focus(qtbot, detail.content)
    detail.content.moveCursor(detail.content.textCursor().MoveOperation.End)
    qtbot.keyClicks(detail.content, " (confirmed)")
    browser.table.selectRow(0)  # the edit cannot be saved: the pane and the list stay on it and say why
    assert browser.selected().id == first.id and detail.memory().id == first.id
    assert detail.content.toPlainText() == first.content + " (confirmed)" and detail.dirty
    assert "Not saved" in detail.title.text() and "not valid JSON" in detail.title.text()
    browser.show_scope("work")  # another scope does not drop it either
    qtbot.waitUntil(lambda: not browser.model.is_loading() and browser.model.rowCount() == 0, timeout=20_000)
    assert detail.memory().id == first.id and detail.content.toPlainText().endswith(" (confirmed)")
    browser.show_scope("default")
    qtbot.waitUntil(lambda: browser.selected() is not None and browser.selected().id == first.id, timeout=20_000)
    detail.metadata.setPlainText('{"source": "chat"}')
    assert "Not saved" not in detail.title.text()
    browser.table.selectRow(0 if browser.table.currentIndex().row() == 1 else 1)  # now it saves and moves on
    qtbot.waitUntil(lambda: desktop.services.memories.get(first.id).version == 2, timeout=20_000)
    saved = desktop.services.memories.get(first.id)
    assert saved.content == first.content + " (confirmed)" and saved.metadata == {"source": "chat"}
    assert detail.memory().id != first.id
