"""Every documented keyboard shortcut, pressed as real key events on the running app.

README: Ctrl+N new memory, Delete moves the selection to the trash, Ctrl+F search,
Ctrl+1…4 pages, Ctrl+L lock, Ctrl+Q quit; in quick capture Ctrl+Enter saves and Esc cancels.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from memvault.domain.models import MemoryCreate
from memvault.gui.memory_model import PAGE_SIZE


def _activate(qtbot, window):
    window.show()
    window.raise_()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5_000)


def _press(qtbot, key, modifier=Qt.NoModifier):
    """A key press as the user makes it: to whichever widget has the keyboard focus."""
    target = QApplication.focusWidget() or QApplication.activeWindow()
    qtbot.keyClick(target, key, modifier)


def _wait_total(qtbot, desktop, n):
    model = desktop.window.browser.model
    qtbot.waitUntil(lambda: model.total == n and not model.is_loading() and model.rowCount() == min(n, PAGE_SIZE),
                    timeout=20_000)


def _visible_window_titled(title):
    return next((w for w in QApplication.topLevelWidgets() if w.isVisible() and title in w.windowTitle()), None)


def test_ctrl_n_opens_the_new_memory_form_on_the_memories_page(qtbot, desktop, capfd):
    window = desktop.window
    _activate(qtbot, window)
    window.pages.setCurrentWidget(window.browser)
    window.browser.table.setFocus()
    seen = []

    def close_the_form():
        form = _visible_window_titled("New memory")
        if form is None:
            QTimer.singleShot(50, close_the_form)
            return
        seen.append(form.windowTitle())
        form.close()

    QTimer.singleShot(0, close_the_form)
    _press(qtbot, Qt.Key_N, Qt.ControlModifier)
    qtbot.waitUntil(lambda: bool(seen), timeout=5_000)
    assert "Ambiguous shortcut" not in capfd.readouterr().err


def test_each_key_has_one_owner(qtbot, desktop):
    from PySide6.QtGui import QAction, QShortcut

    window = desktop.window
    owners: dict[str, list[str]] = {}
    for action in window.findChildren(QAction):
        for seq in action.shortcuts():
            owners.setdefault(seq.toString(), []).append(action.text())
    for shortcut in window.findChildren(QShortcut):
        if shortcut.isEnabled():
            for seq in shortcut.keys():  # noqa: SIM118 (QShortcut.keys)
                owners.setdefault(seq.toString(), []).append(repr(shortcut))
    assert {k: v for k, v in owners.items() if len(v) > 1} == {}
    for key in ("Ctrl+N", "Del", "Ctrl+F", "Ctrl+1", "Ctrl+2", "Ctrl+3", "Ctrl+4", "Ctrl+L", "Ctrl+Q"):
        assert key in owners, key


def test_delete_moves_the_selection_to_the_trash(qtbot, desktop):
    desktop.services.memories.create(MemoryCreate(content="Temporary thought"))
    window = desktop.window
    window.browser.refresh()
    _wait_total(qtbot, desktop, 1)
    _activate(qtbot, window)
    assert not window.delete_action.isEnabled()  # nothing selected yet
    window.browser.table.selectRow(0)
    window.browser.table.setFocus()
    assert window.delete_action.isEnabled()
    _press(qtbot, Qt.Key_Delete)
    _wait_total(qtbot, desktop, 0)
    assert desktop.services.stats.stats().deleted == 1


def test_ctrl_f_and_ctrl_1_to_4_switch_pages(qtbot, desktop):
    window = desktop.window
    _activate(qtbot, window)
    window.browser.table.setFocus()
    _press(qtbot, Qt.Key_F, Qt.ControlModifier)
    assert window.pages.currentWidget() is window.search
    assert QApplication.focusWidget() is window.search.query
    for key, page in ((Qt.Key_1, window.browser), (Qt.Key_3, window.stats), (Qt.Key_4, window.agents),
                      (Qt.Key_2, window.search), (Qt.Key_1, window.browser)):
        _press(qtbot, key, Qt.ControlModifier)
        assert window.pages.currentWidget() is page, key


def test_ctrl_l_locks(qtbot, desktop):
    _activate(qtbot, desktop.window)
    with qtbot.waitSignal(desktop.locked, timeout=30_000):
        _press(qtbot, Qt.Key_L, Qt.ControlModifier)
    assert desktop.window is None and desktop.services is None


def test_ctrl_q_quits(qtbot, desktop, monkeypatch):
    quits = []
    monkeypatch.setattr(desktop.qapp, "quit", lambda: quits.append(True))
    _activate(qtbot, desktop.window)
    with qtbot.waitSignal(desktop.locked, timeout=30_000):
        _press(qtbot, Qt.Key_Q, Qt.ControlModifier)
    qtbot.waitUntil(lambda: quits == [True], timeout=10_000)
    assert desktop.services is None


def test_quick_capture_ctrl_enter_saves_and_esc_cancels(qtbot, desktop):
    capture = desktop.quick_capture
    capture.open_for(desktop.services, ["default"])
    _activate(qtbot, capture)
    assert QApplication.focusWidget() is capture.text
    qtbot.keyClicks(capture.text, "Buy oat milk")
    with qtbot.waitSignal(capture.memory_captured, timeout=10_000) as saved:
        _press(qtbot, Qt.Key_Return, Qt.ControlModifier)
    assert desktop.services.memories.get(saved.args[0]).content == "Buy oat milk"
    assert not capture.isVisible()
    capture.open_for(desktop.services, ["default"])
    _activate(qtbot, capture)
    capture.tags.setFocus()  # Esc cancels from any field, not only the text
    qtbot.keyClicks(capture.tags, "never")
    _press(qtbot, Qt.Key_Escape)
    assert not capture.isVisible()
    desktop.runner.wait()
    assert desktop.services.stats.stats().total == 1


def test_no_two_menus_share_an_access_key(desktop):
    titles = [a.text() for a in desktop.window.menuBar().actions()]
    keys = [t[t.index("&") + 1].lower() for t in titles if "&" in t]
    assert len(keys) == len(titles), titles  # every menu has one, Alt+letter reaches each
    assert len(set(keys)) == len(keys), titles  # Alt+V opened Vault, then View on the next press
