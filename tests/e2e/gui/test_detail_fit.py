"""The detail pane's fields at the window's least size, and how its values line up (themed, as the app is)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, QPoint
from PySide6.QtWidgets import QApplication

from memvault.domain.models import MemoryCreate
from memvault.gui.theme import apply_theme


@pytest.fixture
def themed(qapp):
    """The app's style sheet, as launching applies it (its paddings are what is measured here)."""
    palette, sheet = qapp.palette(), qapp.styleSheet()
    apply_theme(qapp)
    yield
    qapp.setStyleSheet(sheet)
    qapp.setPalette(palette)


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
        tags_label_right = max(w.geometry().right() for w in block.findChildren(type(agent))
                               if w.text() == "Tags" and w.isVisible())
        assert detail.tags.geometry().left() > tags_label_right
