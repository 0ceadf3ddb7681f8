"""Quick capture says that its memory was stored, keeps a refusal and its text on screen, and opens where the
user looks (Openbox left it in the screen's bottom-left corner)."""

from __future__ import annotations

import threading

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QWidget

from memvault.gui import tray


def _notes() -> list[QWidget]:
    """The notes on screen that a capture was stored (found as a screen reader finds them, by name)."""
    return [w for w in QApplication.topLevelWidgets() if w.isVisible() and w.accessibleName() == "Quick capture stored"]


def test_a_stored_capture_is_confirmed_by_a_note_that_goes_by_itself(qtbot, desktop, monkeypatch):
    monkeypatch.setattr(tray, "STORED_NOTE_MS", 1500)  # read at show time: the test waits less than 3 s
    capture = desktop.quick_capture
    capture.open_for(desktop.services, ["default", "work"])
    qtbot.waitExposed(capture)
    where = capture.frameGeometry()
    capture.namespace.setCurrentText("work")
    qtbot.keyClicks(capture.text, "Call the dentist on Monday")
    with qtbot.waitSignal(capture.memory_captured, timeout=10_000) as stored:
        qtbot.keyClick(capture.text, Qt.Key_Return, Qt.ControlModifier)
    assert desktop.services.memories.get(stored.args[0]).namespace == "work"  # said once it is true
    assert not capture.isVisible() and len(_notes()) == 1
    note = _notes()[0]
    assert note.text() == "Memory stored in work."
    assert where.contains(note.geometry().center())  # where the user was looking
    assert QGuiApplication.focusWindow() is not note.windowHandle()  # the keyboard is not taken
    qtbot.waitUntil(lambda: not note.isVisible(), timeout=10_000)


def test_a_refused_capture_says_why_keeps_the_text_and_claims_nothing(qtbot, desktop):
    capture = desktop.quick_capture
    capture.open_for(desktop.services, ["default"])
    capture.namespace.setCurrentText("my project!")
    qtbot.keyClicks(capture.text, "Ship the beta on Friday")
    qtbot.keyClick(capture.text, Qt.Key_Return, Qt.ControlModifier)
    qtbot.waitUntil(lambda: "Namespace must be" in capture.message.text(), timeout=10_000)
    assert capture.isVisible() and capture.text.toPlainText() == "Ship the beta on Friday"
    assert not _notes()
    assert desktop.services.stats.stats().total == 0


def test_a_capture_refused_after_esc_comes_back_with_its_text_and_why(qtbot, desktop):
    capture = desktop.quick_capture
    capture.open_for(desktop.services, ["default"])
    capture.namespace.setCurrentText("my project!")
    qtbot.keyClicks(capture.text, "Ship the beta on Friday")
    qtbot.keyClick(capture.text, Qt.Key_Return, Qt.ControlModifier)
    qtbot.keyClick(capture.text, Qt.Key_Escape)  # before the answer: nothing is stored, and nothing may go unseen
    assert not capture.isVisible()
    qtbot.waitUntil(capture.isVisible, timeout=10_000)
    assert "Namespace must be" in capture.message.text()
    assert capture.text.toPlainText() == "Ship the beta on Friday" and not _notes()


def test_quick_capture_opens_in_the_middle_of_the_screen_and_wholly_on_it(qtbot, desktop):
    capture = desktop.quick_capture
    capture.open_for(desktop.services, ["default"])
    qtbot.waitExposed(capture)
    area = QGuiApplication.primaryScreen().availableGeometry()  # the tests' one 1366x768 screen
    frame = capture.frameGeometry()
    assert area.contains(frame)
    assert abs(frame.center().x() - area.center().x()) <= 2 and abs(frame.center().y() - area.center().y()) <= 2
    capture.close()


def test_a_lock_takes_the_stored_note_away(qtbot, desktop):
    capture = desktop.quick_capture
    capture.open_for(desktop.services, ["default"])
    qtbot.keyClicks(capture.text, "Renew the passport")
    with qtbot.waitSignal(capture.memory_captured, timeout=10_000):
        qtbot.keyClick(capture.text, Qt.Key_Return, Qt.ControlModifier)
    assert _notes()
    with qtbot.waitSignal(desktop.locked, timeout=30_000):
        desktop.lock()
    assert not _notes()  # it names a namespace of the vault


def test_a_second_ctrl_enter_before_the_answer_stores_nothing_more(qtbot, desktop, monkeypatch):
    capture = desktop.quick_capture
    capture.open_for(desktop.services, ["default"])
    qtbot.keyClicks(capture.text, "Renew the passport before June")
    release = threading.Event()
    create = desktop.services.memories.create
    asked: list[str] = []

    def held(data):  # the store's answer waits until both key presses are in
        asked.append(data.content)
        release.wait(10)
        return create(data)

    monkeypatch.setattr(desktop.services.memories, "create", held)
    qtbot.keyClick(capture.text, Qt.Key_Return, Qt.ControlModifier)
    assert capture.message.text() == "Saving…"
    qtbot.keyClick(capture.text, Qt.Key_Return, Qt.ControlModifier)
    with qtbot.waitSignal(capture.memory_captured, timeout=10_000):
        release.set()
    # One store asked for (the vault would fold an identical second one into the first, but the window would
    # say twice that it stored it).
    assert asked == ["Renew the passport before June"]
    assert desktop.services.stats.stats().total == 1
