"""Quick capture and "New memory" are one form: same fields, same defaults, same memory."""

from memvault.gui.tasks import TaskRunner
from memvault.gui.tray import QuickCapture
from memvault.gui.widgets import MemoryForm, NewMemoryDialog


def _both_forms(qtbot) -> tuple[QuickCapture, NewMemoryDialog]:
    """Quick capture and the New memory dialog, each with its form."""
    capture, dialog = QuickCapture(TaskRunner()), NewMemoryDialog("work")
    qtbot.addWidget(capture)
    qtbot.addWidget(dialog)
    return capture, dialog


def test_quick_capture_and_new_memory_share_one_form(qtbot):
    capture, dialog = _both_forms(qtbot)
    assert isinstance(capture.form, MemoryForm) and isinstance(dialog.form, MemoryForm)
    for form in (capture.form, dialog.form):
        form.set_namespaces(["work", "home"], "work")
        form.text.setPlainText("The user waters the plants on Sundays")
        form.tags.setText("home, plants")
    assert capture.form.memory_create() == dialog.form.memory_create()
    # Automatic by default: the service classifies it from its meaning, as it does for agents' memories.
    assert capture.form.memory_type.currentText() == "automatic"
    assert capture.form.memory_create().memory_type is None
    dialog.form.memory_type.setCurrentText("preference")
    assert dialog.form.memory_create().memory_type == "preference"


def test_tab_leaves_the_quick_capture_text_as_it_leaves_the_new_memory_text(qtbot):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    capture, dialog = _both_forms(qtbot)
    for window, form in ((capture, capture.form), (dialog, dialog.form)):
        window.show()
        window.activateWindow()
        form.text.setFocus()
        qtbot.waitUntil(lambda: QApplication.focusWidget() is form.text, timeout=5_000)
        qtbot.keyClicks(form.text, "Standup moved to 10")
        qtbot.keyClick(form.text, Qt.Key_Tab)  # a tab typed into the text was a keyboard trap
        assert form.text.toPlainText() == "Standup moved to 10"
        qtbot.waitUntil(lambda: form.namespace.hasFocus(), timeout=5_000)
        window.hide()


def test_a_new_memory_problem_goes_once_the_memory_is_edited(qtbot):
    """An outside QA pass: "Write the memory first." stayed on screen under the text written since."""
    from PySide6.QtCore import Qt

    _capture, dialog = _both_forms(qtbot)
    dialog.show()
    qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Save), Qt.LeftButton)
    assert dialog.problem.isVisibleTo(dialog) and dialog.problem.text() == "Write the memory first."
    qtbot.keyClicks(dialog.form.text, "The user waters the plants on Sundays")
    assert not dialog.problem.isVisibleTo(dialog)
    dialog.refuse("the namespace 'a b' has a space")
    assert dialog.problem.isVisibleTo(dialog)
    dialog.form.namespace.setCurrentText("home")
    assert not dialog.problem.isVisibleTo(dialog)


def test_a_refusal_stays_when_the_namespaces_are_loaded_after_it(qtbot):
    """The namespaces arrive from the vault in the background: filled in after a refusal they re-set the same
    choice, which read as an edit and took the refusal away."""
    _capture, dialog = _both_forms(qtbot)
    dialog.show()
    dialog.form.text.setPlainText("Ship the beta on Friday")
    dialog.form.namespace.setCurrentText("my project!")
    dialog.refuse("the namespace 'my project!' has a space")
    dialog.form.set_namespaces(["work", "home"])
    assert dialog.form.namespace.currentText() == "my project!"
    assert dialog.problem.isVisibleTo(dialog)


def test_a_new_memory_can_be_made_confidential_and_the_next_one_is_not(qtbot):
    """An outside walkthrough: Search said confidential memories were left out, and nothing in the app made one."""
    from memvault.domain.enums import Visibility

    capture, dialog = _both_forms(qtbot)
    for form in (capture.form, dialog.form):
        form.text.setPlainText("The user's bank PIN hint is the cat's birthday")
        assert form.memory_create().visibility is Visibility.PRIVATE
        form.confidential.setChecked(True)
        assert form.memory_create().visibility is Visibility.CONFIDENTIAL
        assert "leave it out unless they ask" in form.confidential.toolTip()
        form.clear_entry()
        assert not form.confidential.isChecked()


def test_a_notice_cuts_the_quoted_memory_before_what_was_done_to_it(qtbot):
    """An outside walkthrough: "Undone: “The user prefers dark mode in every editor and …” is…" lost "as it was",
    and "Saved …" its version number."""
    from memvault.gui.widgets import NoticeBar

    bar = NoticeBar()
    qtbot.addWidget(bar)
    bar.message.setFixedWidth(320)
    bar.show_notice("Undone: “" + "The user prefers dark mode in every editor and terminal " * 3 + "” is as it was")
    shown = bar.message.text()
    assert shown.startswith("Undone: “The user prefers") and shown.endswith("…” is as it was"), shown
    assert bar.message.fontMetrics().horizontalAdvance(shown) <= 320
    bar.message.setFixedWidth(90)  # no room for the quote at all: cut at the end, as any text
    assert bar.message.text().startswith("Undone: ") and bar.message.text().endswith("…")
    bar.message.setFixedWidth(320)
    bar.show_notice("Deleted 2 memories for good")  # nothing quoted and room enough: whole
    assert bar.message.text() == "Deleted 2 memories for good"



def test_ctrl_enter_saves_the_new_memory_from_every_field(qtbot):
    """An outside walkthrough: Ctrl+Enter in the New memory dialog's namespace field, reached by Tab, did nothing
    (the editable box took the key), though it saved from the text and the tags."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    _capture, dialog = _both_forms(qtbot)
    dialog.form.set_namespaces(["work", "home"], "work")
    saved: list[str] = []
    dialog.save_requested.connect(lambda data: saved.append(data.namespace))
    dialog.show()
    dialog.activateWindow()
    dialog.form.text.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.form.text, timeout=5_000)
    qtbot.keyClicks(dialog.form.text, "The user waters the plants on Sundays")
    for field in ("namespace", "type", "tags"):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key_Tab)
        dialog.buttons.button(dialog.buttons.StandardButton.Save).setEnabled(True)  # as a refusal leaves it
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key_Return, Qt.ControlModifier)
        assert len(saved) == ("namespace", "type", "tags").index(field) + 1, field
    assert saved == ["work"] * 3  # the key added no namespace
