"""Where the desktop app tells the user about failures that no single view owns.

The :class:`TaskRunner` reports every outcome; this module turns the ones that
concern the whole app into dialogs: one crash report at a time (copyable, with
no memory text in it), a clear dialog when the disk is full, and a plain
message for domain errors that no view handled.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from memvault.domain.errors import MemvaultError, StorageError, StorageFull, VaultReadOnly
from memvault.gui.icons import icon
from memvault.gui.tasks import TaskRunner
from memvault.gui.wording import sentence

log = logging.getLogger(__name__)

#: Errors that mean no change can be saved at all, whichever view asked.
VAULT_WRITE_ERRORS = (StorageFull, VaultReadOnly, StorageError)


def write_problem(exc: MemvaultError) -> str:
    """One line for the banner about why the vault cannot be written."""
    if isinstance(exc, StorageFull):
        return "The disk holding the vault is full: changes are not saved until space is freed."
    if isinstance(exc, VaultReadOnly):
        return "The vault's folder cannot be written: changes are not saved. Memories can still be read."
    return sentence(exc.message, "The vault could not be written")


def show_error(parent: QWidget | None, exc: MemvaultError, title: str = "Memvault") -> QMessageBox:
    """A warning box with the error's message (never a traceback), window-modal over ``parent``."""
    box = QMessageBox(QMessageBox.Warning, title, sentence(exc.message), QMessageBox.Ok, parent)
    box.setAccessibleName(title)
    box.open()
    return box


class CrashDialog(QDialog):
    """One dialog for unexpected errors; later ones are added to it rather than stacked on top."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Memvault: unexpected error")
        self.setMinimumSize(560, 360)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.report = QPlainTextEdit()
        self.report.setReadOnly(True)
        self.report.setFont(QFontDatabase.systemFont(QFontDatabase.FixedFont))
        self.report.setAccessibleName("Error report")
        self.copy_button = QPushButton(icon("copy"), "Copy report")
        self.copy_button.setAccessibleName("Copy error report")
        self.copy_button.clicked.connect(self._on_copy_button_clicked)
        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        buttons.addButton(self.copy_button, QDialogButtonBox.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.report, 1)
        layout.addWidget(buttons)
        self.count = 0

    def add_report(self, report: str) -> None:
        self.count += 1
        if self.count > 1:
            report = f"{self.report.toPlainText()}\n\n{'-' * 60}\n\n{report}"
        self.report.setPlainText(report)
        times = "" if self.count == 1 else f" ({self.count} times)"
        self.summary.setText(
            f"Something went wrong inside Memvault{times}. What was being done did not finish; memories "
            "saved before are safe. If it happens again, please send this report to the developers: it "
            "names the code involved and holds no memory text.")

    def _on_copy_button_clicked(self) -> None:
        QGuiApplication.clipboard().setText(self.report.toPlainText())


class ErrorReporter(QObject):
    """Shows the runner's app-wide reports; emits ``vault_write_failed`` for the health banner.

    Signals:
        vault_write_failed(str): a change could not be saved for a reason that concerns the whole vault.
    """

    vault_write_failed = Signal(str)

    def __init__(self, runner: TaskRunner, parent_widget: Callable[[], QWidget | None],
                 vault_folder: Callable[[], str], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._parent_widget = parent_widget
        self._vault_folder = vault_folder
        self.crash_dialog: CrashDialog | None = None
        self.storage_full_dialog: QMessageBox | None = None
        self.error_box: QMessageBox | None = None
        runner.crashed.connect(self._on_runner_crashed)
        runner.error_seen.connect(self._on_runner_error_seen)
        runner.unhandled_error.connect(self._on_runner_unhandled_error)

    def _on_runner_crashed(self, report: str) -> None:
        log.error("%s", report)
        if self.crash_dialog is None or not self.crash_dialog.isVisible():
            self.crash_dialog = CrashDialog(self._parent_widget())
        self.crash_dialog.add_report(report)
        self.crash_dialog.show()
        self.crash_dialog.raise_()

    def _on_runner_error_seen(self, exc: MemvaultError) -> None:
        if isinstance(exc, VAULT_WRITE_ERRORS):
            self.vault_write_failed.emit(write_problem(exc))
        if isinstance(exc, StorageFull):
            self._show_storage_full()

    def _on_runner_unhandled_error(self, exc: MemvaultError) -> None:
        if isinstance(exc, StorageFull):
            return  # its own dialog is already up
        if self.error_box is not None and self.error_box.isVisible():
            self.error_box.setText(sentence(exc.message))
            return
        self.error_box = QMessageBox(QMessageBox.Warning, "Memvault", sentence(exc.message), QMessageBox.Ok,
                                     self._parent_widget())
        self.error_box.open()

    def _show_storage_full(self) -> None:
        if self.storage_full_dialog is not None and self.storage_full_dialog.isVisible():
            return  # one dialog, however many writes failed
        box = QMessageBox(QMessageBox.Warning, "Disk full",
                          "The disk holding your vault is full, so the last change was not saved.",
                          QMessageBox.Ok, self._parent_widget())
        box.setInformativeText(
            "Everything saved before is safe, and memories can still be browsed and searched. Free some space "
            f"on the disk that holds {self._vault_folder()}, then try again.")
        box.setAccessibleName("Disk full")
        box.open()
        self.storage_full_dialog = box
