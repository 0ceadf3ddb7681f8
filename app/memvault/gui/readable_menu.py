"""The window's File → Import from… and File → Export readable copy… commands: each opens its dialog (one at a
time) and says in the status bar what was done."""

from __future__ import annotations

from collections.abc import Callable

import shiboken6
from PySide6.QtWidgets import QMainWindow

from memvault.gui.readable_export_dialog import ReadableExportDialog
from memvault.gui.tasks import TaskRunner
from memvault.gui.tool_import_dialog import ToolImportDialog, summary
from memvault.service.container import Services
from memvault.service.importers.run import ToolImportReport
from memvault.service.readable_export import ReadableExportReport


def _showing(dialog) -> bool:
    return dialog is not None and shiboken6.isValid(dialog) and dialog.isVisible()


class ReadableCommands:
    """Attributes: export_dialog, import_dialog: the dialog last opened (``None`` before)."""

    def __init__(self, window: QMainWindow, runner: TaskRunner, services: Services,
                 current_namespace: Callable[[], str | None]) -> None:
        self._window = window
        self._runner = runner
        self._services = services
        self._current = current_namespace
        self.export_dialog: ReadableExportDialog | None = None
        self.import_dialog: ToolImportDialog | None = None

    def _say(self, text: str) -> None:
        self._window.statusBar().showMessage(text, 15_000)

    def export(self) -> None:
        if _showing(self.export_dialog):
            self.export_dialog.raise_()
            return
        self.export_dialog = ReadableExportDialog(self._services, self._runner, self._current(), self._window)
        self.export_dialog.exported.connect(self._on_export_dialog_exported)
        self.export_dialog.open()

    def _on_export_dialog_exported(self, report: ReadableExportReport) -> None:
        self._say(f"Exported {report.memories:,} memories from {', '.join(report.namespaces)} to {report.path} "
                  "(not encrypted)")

    def import_from(self) -> None:
        if _showing(self.import_dialog):
            self.import_dialog.raise_()
            return
        self.import_dialog = ToolImportDialog(self._services, self._runner, self._current(), self._window)
        self.import_dialog.imported.connect(self._on_import_dialog_imported)
        self.import_dialog.open()

    def _on_import_dialog_imported(self, report: ToolImportReport) -> None:
        self._say(summary(report))
