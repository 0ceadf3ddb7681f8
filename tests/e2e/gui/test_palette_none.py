"""The command palette says so when no command matches what was typed."""

from PySide6.QtCore import Qt


def test_the_palette_says_no_command_matches(qtbot, desktop):
    window = desktop.window
    window.activateWindow()
    qtbot.waitUntil(lambda: window.isActiveWindow(), timeout=5_000)
    qtbot.keyClick(window, Qt.Key_K, Qt.ControlModifier)
    palette = window.command_palette
    qtbot.waitUntil(lambda: palette.isVisible(), timeout=5_000)
    assert not palette.none.isVisible()
    qtbot.keyClicks(palette.query, "zebra")
    assert palette.results.count() == 0
    assert palette.none.isVisible() and palette.none.text() == "No command matches “zebra”."
    palette.query.clear()
    assert palette.results.count() > 0 and not palette.none.isVisible()
    palette.close()


def test_a_command_that_cannot_run_now_is_listed_greyed_and_enter_does_nothing(qtbot, desktop):
    """Typing "trash" with nothing selected said no command matches, as if "Move to trash" did not exist."""
    window = desktop.window
    window.activateWindow()
    qtbot.waitUntil(lambda: window.isActiveWindow(), timeout=5_000)
    assert window.browser.selected() is None
    qtbot.keyClick(window, Qt.Key_K, Qt.ControlModifier)
    palette = window.command_palette
    qtbot.waitUntil(lambda: palette.isVisible(), timeout=5_000)
    qtbot.keyClicks(palette.query, "move to trash")
    assert palette.results.count() == 1 and not palette.none.isVisible()
    item = palette.results.item(0)
    assert item.text().endswith("(not available now)") and not item.flags() & Qt.ItemIsEnabled
    qtbot.keyClick(palette.query, Qt.Key_Return)
    assert palette.isVisible()  # nothing ran
    palette.close()
