"""The unlock prompt is as tall as the lines it shows: nothing of the busy bar stays once it is hidden.

QA under Openbox saw a strip under the buttons that read as a sliver of the hidden busy bar (the window
manager's resize handle), and after a wrong passphrase an empty band where the busy lines had been.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QApplication

from memvault.gui.unlock import UnlockDialog


def _locked_prompt(qtbot, desktop) -> UnlockDialog:
    with qtbot.waitSignal(desktop.locked, timeout=30_000):
        desktop.lock()
    qtbot.waitUntil(lambda: isinstance(desktop.dialog, UnlockDialog) and desktop.dialog.isVisible(), timeout=10_000)
    return desktop.dialog


def _bottom(widget, dialog) -> int:
    return widget.mapTo(dialog, QPoint(0, widget.height())).y()


def test_the_unlock_prompt_leaves_no_room_for_its_hidden_busy_bar(qtbot, desktop):
    dialog = _locked_prompt(qtbot, desktop)
    qtbot.waitExposed(dialog)
    assert not dialog.busy.isVisible() and not dialog.busy_words.isVisible()
    # A window manager draws a resize handle (Openbox: a bar under the buttons) only on a resizable window.
    assert dialog.minimumSize() == dialog.maximumSize() == dialog.size()
    spacing = dialog.layout().spacing()
    assert dialog.buttons.y() - _bottom(dialog.passphrase, dialog) <= spacing + 2  # no band above the buttons


def test_a_wrong_passphrase_leaves_no_band_where_the_busy_lines_were(qtbot, desktop):
    dialog = _locked_prompt(qtbot, desktop)
    qtbot.waitExposed(dialog)
    first_height = dialog.height()
    dialog.passphrase.setText("not the passphrase")
    dialog.buttons.accepted.emit()
    qtbot.waitUntil(lambda: "Wrong passphrase" in dialog.message.text(), timeout=20_000)
    QApplication.processEvents()  # the layout's own pass after the lines were hidden
    assert not dialog.busy.isVisible() and not dialog.busy_words.isVisible()
    spacing = dialog.layout().spacing()
    # The error line sits one spacing under the field and above the buttons, as tall as its one line.
    assert dialog.message.y() - _bottom(dialog.passphrase, dialog) <= spacing + 2
    assert dialog.buttons.y() - _bottom(dialog.message, dialog) <= spacing + 2
    assert dialog.height() == first_height + dialog.message.height() + spacing
