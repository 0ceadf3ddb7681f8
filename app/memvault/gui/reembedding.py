"""Vault → Re-embed memories…: the offer after unlock, the menu's choice, and the cancellable run."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMainWindow, QMessageBox

from memvault.gui.tasks import TaskRunner
from memvault.gui.widgets import run_cancellable
from memvault.service.container import Services
from memvault.service.reembed import ReembedReport
from memvault.gui.wording import plural


class Reembedding(QObject):
    """Re-embeds memories in the background behind a progress dialog that can cancel.

    Signals:
        finished(object): a run ended (its :class:`ReembedReport`), cancelled or not.

    Attributes:
        progress: the progress dialog of the last run (for tests: it appears by itself after 300 ms).
    """

    finished = Signal(object)

    def __init__(self, window: QMainWindow, runner: TaskRunner, services: Services) -> None:
        super().__init__(window)
        self._window = window
        self._runner = runner
        self._services = services
        self.progress = None

    def check_stale(self) -> None:
        """Offer to re-embed when memories carry vectors of another model (or failed to embed)."""
        self._runner.run(self._services.reembed.stale_count, self._on_stale_counted, owner=self._window)

    def _on_stale_counted(self, stale: int) -> None:
        if stale == 0:
            return
        answer = QMessageBox.question(
            self._window, "Re-embed memories",
            f"{stale:,} memories have vectors from another model, or could not be embedded. Search by meaning "
            f"ranks them poorly until they are embedded again with {self._services.reembed.model_id}.\n\n"
            "Re-embed them now? You can cancel at any time and continue later from the Vault menu.")
        if answer == QMessageBox.Yes:
            self.start(everything=False)

    def ask(self) -> None:
        """The menu's question: stale and failed memories only, or every memory."""
        box = QMessageBox(QMessageBox.Question, "Re-embed memories",
                          "Embed memories again with the bundled model?", parent=self._window)
        stale = box.addButton("Stale and failed only", QMessageBox.AcceptRole)
        every = box.addButton("Every memory", QMessageBox.AcceptRole)
        box.addButton(QMessageBox.Cancel)
        box.exec()
        if box.clickedButton() in (stale, every):
            self.start(everything=box.clickedButton() is every)

    def start(self, *, everything: bool) -> None:
        reembed = self._services.reembed
        self.progress = run_cancellable(
            self._window, self._runner, "Re-embedding memories…",
            lambda report, cancelled: reembed.reembed(everything=everything, progress=report, cancelled=cancelled),
            self._on_run_finished)

    def _on_run_finished(self, report: ReembedReport) -> None:
        verb = "Stopped after re-embedding" if report.cancelled else "Re-embedded"
        self._window.statusBar().showMessage(f"{verb} {report.done:,} of {plural(report.total, 'memory')}", 10_000)
        self.finished.emit(report)
