"""The question asked when the unlock prompt is dismissed after a lock and there is no system tray."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QMessageBox


def quit_question(answered: Callable[[bool], None]) -> QMessageBox:
    """A window-modal "Quit Memvault?" (open, not exec: the event loop goes on); ``answered(True)`` for Quit,
    ``answered(False)`` for Stay locked, which Escape and Enter choose."""
    box = QMessageBox(QMessageBox.Question, "Memvault", "Quit Memvault?")
    box.setInformativeText("Memvault is locked, and this desktop has no system tray to keep it in. Quitting also "
                           "stops the agent API; staying asks for the passphrase again.")
    quit_button = box.addButton("&Quit", QMessageBox.DestructiveRole)
    stay = box.addButton("&Stay locked", QMessageBox.RejectRole)
    box.setDefaultButton(stay)
    box.setEscapeButton(stay)
    box.finished.connect(lambda _result: answered(box.clickedButton() is quit_button))
    box.open()
    return box
