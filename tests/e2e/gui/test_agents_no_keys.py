"""The API keys table says when there is no key yet, and how to make one (QA found it blank)."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel


def _empty_line(agents) -> QLabel | None:
    """The line shown in the keys table itself, if one is on screen."""
    shown = [label for label in agents.keys.findChildren(QLabel) if label.isVisible() and label.text()]
    return shown[0] if shown else None


def test_the_keys_table_says_there_is_no_key_and_how_to_make_one(qtbot, desktop):
    window = desktop.window
    agents = window.agents
    window.pages.setCurrentWidget(agents)
    qtbot.waitExposed(agents.keys)
    qtbot.waitUntil(lambda: _empty_line(agents) is not None, timeout=10_000)
    line = _empty_line(agents)
    assert agents.keys.rowCount() == 0
    assert line.text().startswith("No API keys yet.") and "New key…" in line.text() and "Connect" in line.text()
    assert line.accessibleName() == "No API keys"
    assert agents.keys.viewport().rect().contains(line.geometry())  # whole, inside the table
    key, _secret = desktop.services.keys.create("default", "read", "cursor")
    agents.refresh()
    qtbot.waitUntil(lambda: agents.keys.rowCount() == 1, timeout=10_000)
    assert _empty_line(agents) is None  # not over the key's row
    desktop.services.keys.revoke(key.id)
    agents.refresh()
    qtbot.waitUntil(lambda: agents.keys.rowCount() == 0 and _empty_line(agents) is not None, timeout=10_000)
