"""A second unlock attempt is not answered by the first one's error while it is being checked."""

from __future__ import annotations

from PySide6.QtCore import Qt

from memvault.gui.unlock import UnlockDialog


def test_a_new_attempt_takes_the_last_wrong_passphrase_line_away(qtbot):
    dialog = UnlockDialog("/home/me/vault")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.show_error("Wrong passphrase.")
    assert dialog.message.isVisible()
    qtbot.keyClicks(dialog.passphrase, "second try")
    with qtbot.waitSignal(dialog.submitted) as sent:
        qtbot.keyClick(dialog.passphrase, Qt.Key_Return)
    assert sent.args == ["second try"]
    assert dialog.busy.isVisible() and not dialog.message.isVisible()
