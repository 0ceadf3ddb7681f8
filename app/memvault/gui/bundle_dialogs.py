"""The window's transfer commands: File → Export namespaces…, File → Import bundle… (and dropped bundles),
Vault → Back up…. Each opens its dialog; the work runs on the task runner.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import shiboken6
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMessageBox, QProgressDialog

from memvault.domain.errors import MemvaultError
from memvault.gui.export_dialog import ExportDialog
from memvault.gui.import_dialog import ImportDialog
from memvault.gui.reporting import show_error
from memvault.gui.tasks import TaskRunner
from memvault.gui.transfer_widgets import file_dialog
from memvault.service.backups import SUFFIX as BACKUP_SUFFIX
from memvault.service.backups import BackupInfo
from memvault.service.bundle_import import ImportReport
from memvault.service.bundles import SUFFIX, ExportReport
from memvault.service.container import Services
from memvault.gui.wording import plural, size


def _alive(widget) -> bool:
    return widget is not None and shiboken6.isValid(widget)


class TransferCommands:
    """Opens the export, import and backup dialogs of one window.

    Attributes:
        export_dialog, import_dialog: the dialog last opened (``None`` before).
        file_dialog: the last file dialog opened by a menu command (tests choose a file in it).
        backup_progress, backup_box: the backup's progress dialog and its result.
    """

    def __init__(self, window: QMainWindow, runner: TaskRunner, services: Services,
                 current_namespace: Callable[[], str | None]) -> None:
        self._window = window
        self._runner = runner
        self._services = services
        self._current = current_namespace
        self.export_dialog: ExportDialog | None = None
        self.import_dialog: ImportDialog | None = None
        self.file_dialog: QFileDialog | None = None
        self.backup_progress: QProgressDialog | None = None
        self.backup_box: QMessageBox | None = None

    def _say(self, text: str) -> None:
        self._window.statusBar().showMessage(text, 15_000)

    # -- export ------------------------------------------------------------------------------------------

    def export(self) -> None:
        if _alive(self.export_dialog) and self.export_dialog.isVisible():
            self.export_dialog.raise_()
            return
        self.export_dialog = ExportDialog(self._services, self._runner, self._current(), self._window)
        self.export_dialog.exported.connect(self._on_export_dialog_exported)
        self.export_dialog.open()

    def _on_export_dialog_exported(self, report: ExportReport, target: str) -> None:
        self._say(f"Exported {plural(report.memories, 'memory')} from {', '.join(report.namespaces)} to {target} "
                  f"({size(report.bytes)})")

    # -- import ------------------------------------------------------------------------------------------

    def choose_bundle(self) -> None:
        self.file_dialog = file_dialog(self._window, "Import bundle", f"Memvault bundles (*{SUFFIX})",
                                       self.import_file)

    def import_file(self, path: str) -> None:
        """Preview the import of the bundle at ``path`` (a second one waits until an import in progress ends)."""
        dialog = self.import_dialog
        if _alive(dialog) and dialog.isVisible():
            if dialog.is_importing():
                dialog.raise_()
                self._say("An import is running: drop the next bundle when it has finished.")
                return
            dialog.close()
        self.import_dialog = ImportDialog(path, self._services, self._runner, self._window)
        self.import_dialog.imported.connect(self._on_import_dialog_imported)
        self.import_dialog.open()

    def _on_import_dialog_imported(self, report: ImportReport) -> None:
        self._say(f"Imported {plural(report.new + report.updated, 'memory')} into {', '.join(report.namespaces) or 'no namespace'}")

    # -- backup ------------------------------------------------------------------------------------------

    def back_up(self) -> None:
        name = time.strftime("memvault-%Y%m%d-%H%M") + BACKUP_SUFFIX
        self.file_dialog = file_dialog(self._window, "Back up the vault", f"Memvault backups (*{BACKUP_SUFFIX})",
                                       self.back_up_to, save_as=name)

    def back_up_to(self, path: str) -> None:
        """Write a backup of the whole vault to ``path`` (agents and this window keep working meanwhile)."""
        if not path.lower().endswith(BACKUP_SUFFIX):
            path += BACKUP_SUFFIX
        progress = self.backup_progress = QProgressDialog("Backing up the vault… Memvault keeps working meanwhile.",
                                                          "", 0, 0, self._window)
        progress.setCancelButton(None)  # the copy is one SQLite backup step: there is nothing to stop halfway
        progress.setWindowTitle("Back up")
        progress.setAccessibleName("Backing up")
        progress.setMinimumDuration(0)
        progress.show()
        backups = self._services.backups
        self._runner.run(lambda: backups.backup(Path(path)), self._on_backed_up, self._on_backup_failed,
                         owner=self._window)

    def _on_backed_up(self, result: tuple[BackupInfo, float]) -> None:
        info, seconds = result
        self._close_backup_progress()
        box = self.backup_box = QMessageBox(QMessageBox.Information, "Back up", "The backup is written.",
                                            QMessageBox.Ok, self._window)
        box.setInformativeText(
            f"{info.path}\n{size(info.file_bytes)} in {seconds:,.1f} s.\n\nIt stays encrypted and opens with "
            "the vault passphrase you use now. To restore it, close Memvault and run "
            "memvault restore-backup FILE.")
        box.open()
        self._say(f"Backed up the vault to {info.path}")

    def _on_backup_failed(self, exc: MemvaultError) -> None:
        self._close_backup_progress()
        self.backup_box = show_error(self._window, exc, "Back up")

    def _close_backup_progress(self) -> None:
        if _alive(self.backup_progress):
            self.backup_progress.reset()
            self.backup_progress.hide()
