"""The detail pane's fields at the window's least size, and how its values line up (themed, as the app is)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint
from PySide6.QtGui import QTextLayout, QTextOption
from PySide6.QtWidgets import QApplication, QLabel

from memvault.domain.models import MemoryCreate
from memvault.gui.detail_meta import facts_of



def _settled() -> None:
    for _ in range(3):
        QApplication.sendPostedEvents(None, QEvent.LayoutRequest)
        QApplication.processEvents()


def _shown(qtbot, desktop, **fields):
    memory = desktop.services.memories.create(MemoryCreate(**fields)).memory
    window = desktop.window
    window.show()
    qtbot.waitExposed(window)
    browser = window.browser
    browser.refresh()
    qtbot.waitUntil(lambda: browser.model.row_of(memory.id) >= 0 and not browser.model.is_loading(), timeout=20_000)
    browser.select_memory(memory.id)
    qtbot.waitUntil(lambda: browser.detail.memory() is not None and browser.detail.memory().id == memory.id,
                    timeout=20_000)
    _settled()
    return browser.detail


def _text_left(edit, block) -> int:
    """Where a line edit's first character starts, in ``block``'s coordinates (Qt's cursor rectangle reaches
    five pixels left of the cursor)."""
    edit.setCursorPosition(0)
    return edit.mapTo(block, QPoint(edit.cursorRect().left() + 5, 0)).x()


def test_the_tags_text_starts_where_the_values_beneath_it_start(qtbot, themed, desktop):
    """An outside QA pass: the Tags value was indented further than the Agent, Namespace, … values in the
    same block (the line edit's frame and padding came before its text)."""
    detail = _shown(qtbot, desktop, content="The user waters the plants on Sundays", tags=["home", "plants"],
                    agent_id="planner")
    block = detail.meta
    agent = block.values["Agent"]
    value_left = agent.mapTo(block, agent.contentsRect().topLeft()).x()
    for width in (1366, desktop.window.minimumSizeHint().width()):
        desktop.window.resize(width, 740)
        _settled()
        assert abs(_text_left(detail.tags, block) - value_left) <= 1, width
        # The label column still comes first: the field's frame (drawn on hover and focus) starts after it.
        tags_label_right = max(w.geometry().right() for w in block.findChildren(QLabel)
                               if w.text() == "Tags" and w.isVisible())
        assert detail.tags.geometry().left() > tags_label_right


LONG = {"content": "The user prefers dark themes in every editor and wants the detail pane to fit the window. " * 3,
        "agent_id": "claude-desktop-assistant", "project": "memvault-desktop-qa", "user_id": "user-12345",
        "session_id": "sess-abcdef-long-session-id", "tags": ["work", "ui", "qa-pass", "desktop-app", "long-tag"],
        "metadata": {"source": "chat-session-with-a-very-long-source-name https://example.org/"
                               "a_path_with_no_place_to_break_it_anywhere_at_all_1234567890"}}


def _at_least_size(qtbot, desktop):
    detail = _shown(qtbot, desktop, **LONG)
    window = desktop.window
    window.resize(window.minimumSizeHint())
    _settled()
    assert window.width() == window.minimumSizeHint().width()
    return detail


def _outside(parent) -> list[str]:
    """The visible widgets laid out in ``parent`` that reach past its right edge."""
    return [f"{type(w).__name__} {w.accessibleName() or w.objectName()} ends at {w.geometry().right()}"
            for w in parent.children() if hasattr(w, "isVisibleTo") and w.isVisibleTo(parent)
            and w.geometry().right() >= parent.width()]


def test_at_the_windows_least_size_the_pane_lays_out_every_field_within_its_width(qtbot, themed, desktop):
    """An outside QA pass at 963x686: the pane's content ran past the window's edge. Type and Importance side
    by side needed ~380 px of a pane held to 320, so the type read "prefere" and the rest was pushed off."""
    detail = _at_least_size(qtbot, desktop)
    block = detail.meta
    assert detail.minimumSizeHint().width() <= detail.minimumWidth()
    assert _outside(detail) == [] and _outside(block) == []
    viewport = detail.parentWidget()
    for field in (block.memory_type, block.importance):
        assert field.width() >= field.minimumSizeHint().width(), field.accessibleName()
        # One beneath the other they keep their own width: stretched, their arrows ran under the scroll bar.
        assert field.mapTo(viewport, field.rect().topRight()).x() < viewport.width(), field.accessibleName()
    # Nothing the facts say is cut: a value wraps to the lines it needs, and a run too long for a line is
    # shortened with "…" (the whole value is in its tooltip).
    for name, whole in facts_of(detail.memory()):
        value = block.values[name]
        assert value.height() >= value.heightForWidth(value.width()), name
        assert _widest_line(value) <= value.width(), (name, value.text())
        assert value.toolTip() == whole
    assert "…" in block.values["Source"].text() and "…" not in block.values["Session"].text()


def _widest_line(label) -> float:
    """The widest line of ``label``'s text wrapped to its width as a label wraps it (at word boundaries only)."""
    layout = QTextLayout(label.text(), label.font())
    option = QTextOption()
    option.setWrapMode(QTextOption.WordWrap)
    layout.setTextOption(option)
    layout.beginLayout()
    widest = 0.0
    while (line := layout.createLine()).isValid():
        line.setLineWidth(label.width())
        widest = max(widest, line.naturalTextWidth())
    layout.endLayout()
    return widest


def test_at_the_windows_least_size_no_part_of_the_pane_is_under_its_scroll_bar(qtbot, themed, desktop):
    detail = _at_least_size(qtbot, desktop)
    viewport = detail.parentWidget()
    assert detail.width() <= viewport.width()


def test_only_a_run_wider_than_the_line_is_shortened_and_an_emoji_stays_whole(qapp):
    from PySide6.QtGui import QFont, QFontMetrics

    from memvault.gui.detail_meta import shortened_runs

    metrics = QFontMetrics(QFont())
    long_run = "a_path_with_no_place_to_break_it_anywhere_at_all_1234567890"
    text = f"🙂 chat-session-with-a-very-long-source-name {long_run} 🙂 end"
    width = metrics.horizontalAdvance("chat-session-") + 10
    fitted = shortened_runs(text, metrics, width)
    assert fitted.startswith("🙂 chat-session-with-a-very-long-source-name ") and fitted.endswith(" 🙂 end")
    shortened = fitted.split(" ")[2]
    assert "…" in shortened and shortened[0] == "a" and shortened[-1] == "0"
    assert metrics.horizontalAdvance(shortened) <= width


def test_at_1366x768_an_edited_memory_shows_restore_without_scrolling(qtbot, themed, desktop):
    """An outside walkthrough: after the first save the pane grew a scroll bar and "Restore this version" went
    below the window's edge (the version list asked for ~190 px whatever it held)."""
    from memvault.domain.models import MemoryUpdate

    desktop.window.resize(1366, 768)
    detail = _shown(qtbot, desktop, content="The user prefers dark mode in every editor", tags=["ui"])
    memory = detail.memory()
    desktop.services.memories.update(memory.id, MemoryUpdate(content="The user prefers dark mode everywhere"))
    qtbot.waitUntil(lambda: detail.memory().version == 2 and detail.history.count() == 2, timeout=20_000)
    _settled()
    viewport = detail.parentWidget()
    assert detail.height() <= viewport.height()
    assert detail.restore.mapTo(viewport, detail.restore.rect().bottomLeft()).y() < viewport.height()
    assert detail.history.height() >= detail.history.minimumHeight()


def test_another_memory_opens_at_the_top_of_the_pane(qtbot, desktop):
    """An outside walkthrough: a memory shown after another opened where the pane had been scrolled to, its first
    lines hidden."""
    detail = _shown(qtbot, desktop, content="A short note about tea", metadata={"k": "v" * 40})
    garden = desktop.services.memories.create(MemoryCreate(content="A note about the garden")).memory
    window, browser = desktop.window, desktop.window.browser
    window.resize(window.minimumSizeHint())
    detail.meta.metadata_toggle.setChecked(True)  # the pane taller than its room
    _settled()
    bar = browser.detail_scroll.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0, timeout=5_000)
    bar.setValue(bar.maximum())
    browser.refresh()
    qtbot.waitUntil(lambda: browser.model.row_of(garden.id) >= 0 and not browser.model.is_loading(), timeout=20_000)
    browser.select_memory(garden.id)
    qtbot.waitUntil(lambda: detail.memory() is not None and detail.memory().id == garden.id, timeout=5_000)
    assert bar.value() == 0
    _settled()
    bar.setValue(bar.maximum())
    detail.show_memory(detail.memory())  # the same memory again (a refresh) keeps the place
    assert bar.value() == bar.maximum() > 0


def test_the_version_the_arrow_keys_choose_is_brought_into_view(qtbot, desktop):
    """An outside walkthrough: arrowing through the versions did not scroll the pane, and the version chosen sat
    below its edge."""
    from PySide6.QtCore import Qt

    from memvault.domain.models import MemoryUpdate

    detail = _shown(qtbot, desktop, content="version 1", metadata={"k": "v" * 40})
    memory = detail.memory()
    for i in range(2, 7):
        desktop.services.memories.update(memory.id, MemoryUpdate(content=f"version {i} " + "words " * 30))
    window, browser = desktop.window, desktop.window.browser
    window.resize(window.minimumSizeHint())
    detail.meta.metadata_toggle.setChecked(True)
    qtbot.waitUntil(lambda: detail.history.count() == 6, timeout=20_000)
    _settled()
    area = browser.detail_scroll
    area.verticalScrollBar().setValue(0)
    _settled()
    detail.history.setFocus()
    detail.history.setCurrentRow(0)
    for _ in range(5):
        qtbot.keyClick(detail.history, Qt.Key_Down)
    _settled()
    assert detail.history.currentRow() == 5
    rect = detail.history.visualItemRect(detail.history.currentItem())
    centre = detail.history.viewport().mapTo(area.viewport(), rect.center())
    assert area.viewport().rect().contains(centre), (centre, area.viewport().rect())
