"""The look: theme tokens all filled, the rail follows the pages, filters behind one bar with chips, quiet list."""

import re
import time

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette

from memvault.domain.models import MemoryCreate
from memvault.gui.memory_list import secondary_line
from memvault.gui.theme import DARK, LIGHT, is_dark, style_sheet
from memvault.gui.wording import ago


def _contrast(a: str, b: str) -> float:
    def lum(hex_colour):
        c = QColor(hex_colour)
        channels = []
        for v in (c.redF(), c.greenF(), c.blueF()):
            channels.append(v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4)
        return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]
    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_both_style_sheets_are_complete_and_secondary_text_is_readable():
    for dark in (False, True):
        assert not re.search(r"@[a-z_]+@", style_sheet(dark))
    for tokens in (LIGHT, DARK):
        assert _contrast(tokens["secondary"], tokens["base"]) >= 4.5
        assert _contrast(tokens["secondary"], tokens["window"]) >= 4.5
        assert _contrast(tokens["text"], tokens["selected"]) >= 4.5
    palette = QPalette()
    palette.setColor(QPalette.Window, QColor("#202020"))
    assert is_dark(palette)


def test_when_reads_as_a_person_says_it():
    now = time.time()
    assert ago(now - 5, now) == "just now" and ago(now - 300, now) == "5 min ago"
    assert ago(now - 3 * 3600, now) == "3 h ago"


def test_rail_and_pages_follow_each_other_by_keyboard(qtbot, desktop):
    window = desktop.window
    rail = window.rail
    rail.setFocus()
    qtbot.waitUntil(lambda: rail.hasFocus(), timeout=5_000)
    rail.setCurrentRow(0)
    qtbot.keyClick(rail, Qt.Key_Down)
    assert window.pages.currentWidget() is window.search
    qtbot.keyClick(window, Qt.Key_3, Qt.ControlModifier)
    assert window.pages.currentWidget() is window.stats and rail.currentRow() == 2
    assert not window.pages.tabBar().isVisible()


def test_a_page_clicked_in_the_rail_takes_the_keyboard(qtbot, desktop):
    """An outside QA pass: after a click on Search, typed words went to the rail, not into the query."""
    window = desktop.window
    window.show()
    window.activateWindow()
    rail = window.rail
    rail.setFocus()
    search_row = rail.visualItemRect(rail.item(window.pages.indexOf(window.search)))
    qtbot.mouseClick(rail.viewport(), Qt.LeftButton, pos=search_row.center())
    assert window.pages.currentWidget() is window.search
    qtbot.waitUntil(lambda: window.search.query.hasFocus(), timeout=5_000)
    qtbot.keyClicks(window.search.query, "paxos")
    assert window.search.query.text() == "paxos"


def test_quiet_list_and_filter_chips(qtbot, desktop):
    desktop.services.memories.create(MemoryCreate(content="Standup moved to 9:30\nsecond line", agent_id="cal",
                                                  tags=["team"]))
    browser = desktop.window.browser
    qtbot.waitUntil(lambda: browser.model.rowCount() == 1, timeout=20_000)
    assert all(browser.table.isColumnHidden(c) for c in range(1, browser.model.columnCount()))
    line = secondary_line(browser.model.memory_at(0), False)
    # Agent and tags are each isolated for direction: an Arabic tag scrambled the line around it.
    assert line == "general  ·  \u2068cal\u2069  ·  #\u2068team\u2069  ·  just now"
    bar = browser.filters
    assert not bar.more.isVisible()
    bar.agent_filter.setText("nobody")
    qtbot.waitUntil(lambda: browser.model.rowCount() == 0 and bar.chips.count() == 2, timeout=10_000)
    chip = bar.chips.itemAt(0).widget()
    assert chip.text().startswith("agent: nobody") and bar.more_button.text() == "More filters (1)"
    chip.setFocus()
    qtbot.keyClick(chip, Qt.Key_Space)  # clears it, by keyboard
    qtbot.waitUntil(lambda: browser.model.rowCount() == 1 and bar.chips.count() == 1, timeout=10_000)
    assert bar.agent_filter.text() == ""


def test_the_sync_page_shows_where_the_keyboard_is(qtbot, qapp, desktop):
    from memvault.gui.theme import apply_theme

    palette, sheet = qapp.palette(), qapp.styleSheet()
    apply_theme(qapp)
    try:
        window = desktop.window
        window.pages.setCurrentWidget(window.sync)
        window.activateWindow()
        qtbot.waitUntil(lambda: window.isActiveWindow(), timeout=5_000)
        window.rail.setFocus()
        qtbot.waitUntil(lambda: window.rail.hasFocus(), timeout=5_000)
        from PySide6.QtWidgets import QPushButton

        def on_sync_button():
            w = qapp.focusWidget()
            return isinstance(w, QPushButton) and window.sync.isAncestorOf(w)

        for _ in range(10):  # by Tab, as a keyboard user gets there (and not stuck anywhere on the way)
            if on_sync_button():
                break
            qtbot.keyClick(qapp.focusWidget(), Qt.Key_Tab)
        assert on_sync_button(), qapp.focusWidget()
        button = qapp.focusWidget()
        focused = button.grab().toImage()
        window.rail.setFocus()
        qtbot.waitUntil(lambda: not button.hasFocus(), timeout=5_000)
        assert button.grab().toImage() != focused  # the focus ring was drawn
        assert qapp.palette().color(QPalette.PlaceholderText).name() == LIGHT["secondary"]
    finally:
        qapp.setStyleSheet(sheet)
        qapp.setPalette(palette)


def test_more_filters_shows_every_hint_whole_at_1366x768(qtbot, qapp, desktop):
    from PySide6.QtWidgets import QLineEdit

    from memvault.gui.theme import apply_theme

    palette, sheet = qapp.palette(), qapp.styleSheet()
    apply_theme(qapp)  # the padding the app's fields have
    try:
        window = desktop.window
        qtbot.waitExposed(window)
        bar = window.browser.filters
        bar.more_button.setChecked(True)
        qtbot.waitUntil(bar.more.isVisible, timeout=5_000)
        edits = [e for e in bar.findChildren(QLineEdit) if e.isVisible() and e.placeholderText()]
        assert len(edits) >= 6
        # 8 px of padding, a 1 px border and Qt's 2 px margin each side: "metadata key=v…" was clipped.
        clipped = {e.placeholderText(): e.width() for e in edits
                   if e.width() < e.fontMetrics().horizontalAdvance(e.placeholderText()) + 22}
        assert clipped == {}
        assert window.frameGeometry().width() <= 1366
    finally:
        qapp.setStyleSheet(sheet)
        qapp.setPalette(palette)
