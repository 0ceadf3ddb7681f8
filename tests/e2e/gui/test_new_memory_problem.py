"""The New memory dialog's problem line: it takes no room from the text, and the keyboard goes where the fix is."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QApplication

from memvault.gui.widgets import NewMemoryDialog

#: The service's refusal of a namespace: three lines in the dialog's width.
NAMESPACE_RULE = ("namespace must be 1-64 letters a-z or A-Z, digits, '_', '-' or '.', starting with a letter or "
                  "digit (no accented letters or other scripts)")


def _settled() -> None:
    for _ in range(3):
        QApplication.sendPostedEvents(None, QEvent.LayoutRequest)
        QApplication.processEvents()


def test_a_problem_takes_no_height_from_the_text_and_its_going_moves_nothing(qtbot):
    """An outside QA pass: the text box shrank by the problem's lines whenever one showed."""
    dialog = NewMemoryDialog("work")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    _settled()
    text = dialog.form.text
    height = text.height()
    for message in ("Write the memory first.", NAMESPACE_RULE):
        dialog.refuse(message)
        _settled()
        assert dialog.problem.isVisible() and dialog.problem.height() >= dialog.problem.heightForWidth(
            dialog.problem.width()), message
        assert text.height() >= height, message
        save = dialog.buttons.geometry()
        text.setPlainText("edited")  # the problem goes
        _settled()
        assert not dialog.problem.isVisible() and dialog.buttons.geometry() == save and text.height() >= height


def test_a_refused_namespace_takes_the_keyboard_to_the_namespace(qtbot, desktop):
    """An outside QA pass: saved from Tags with a namespace the service refused, the keyboard stayed in Tags."""
    browser = desktop.window.browser
    desktop.window.show()
    browser.new_memory()
    dialog = browser.new_dialog
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    dialog.form.text.setPlainText("Ship the beta on Friday")
    dialog.form.namespace.setCurrentText("my project!")
    tags = dialog.form.tags
    tags.setFocus()
    qtbot.waitUntil(tags.hasFocus, timeout=5_000)
    qtbot.keyClick(tags, Qt.Key_Return, Qt.ControlModifier)
    qtbot.waitUntil(lambda: dialog.problem.isVisible(), timeout=10_000)
    assert dialog.problem.text().startswith("Namespace must be")
    qtbot.waitUntil(lambda: dialog.form.namespace.hasFocus(), timeout=5_000)
    # What is there to correct is selected: typing replaces it.
    assert dialog.form.namespace.lineEdit().selectedText() == "my project!"
    dialog.reject()
