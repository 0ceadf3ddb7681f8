"""Vault → Re-embed memories… and Search model…: the offer after unlock, the menu's choices, the cancellable run."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QInputDialog, QMainWindow, QMessageBox

from memvault.domain.models import MemoryFilter
from memvault.gui.tasks import TaskRunner
from memvault.gui.widgets import run_cancellable
from memvault.service.container import Services
from memvault.service.reembed import ReembedReport
from memvault.gui.wording import plural


class Reembedding(QObject):
    """Re-embeds memories in the background behind a progress dialog that can cancel.

    Signals:
        finished(object): a run ended (its :class:`ReembedReport`), cancelled or not.
        model_switched(): the vault now records another model; it must be reopened to embed with it.

    Attributes:
        progress: the progress dialog of the last run (for tests: it appears by itself after 300 ms).
    """

    finished = Signal(object)
    model_switched = Signal()

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
        """The menu's question: stale and failed memories only, or every memory (counted off the GUI thread first:
        the question said neither, and "Stale and failed only" with none ended in "Re-embedded 0 of 0 memories")."""
        services = self._services
        self._runner.run(lambda: (services.reembed.stale_count(), services.memories.count(MemoryFilter())),
                         self._on_counted_for_ask, owner=self._window)

    def _on_counted_for_ask(self, counts: tuple[int, int]) -> None:
        stale, total = counts
        said = (f"{plural(stale, 'memory')} {'has' if stale == 1 else 'have'} vectors from another model or failed "
                "to embed" if stale else "Every memory has this model's vectors")
        box = QMessageBox(QMessageBox.Question, "Re-embed memories",
                          f"Embed memories again with the bundled model? {said}; {plural(total, 'memory')} in all.",
                          parent=self._window)
        only_stale = box.addButton(f"Stale and failed only ({stale:,})", QMessageBox.AcceptRole)
        only_stale.setEnabled(stale > 0)
        every = box.addButton(f"Every memory ({total:,})", QMessageBox.AcceptRole)
        every.setEnabled(total > 0)
        box.addButton(QMessageBox.Cancel)
        self.question = box
        box.exec()
        if box.clickedButton() in (only_stale, every):
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

    def choose_model(self) -> None:
        """Vault → Search model…: the bundled models (read off the GUI thread), then the choice."""
        models = self._services.models
        self._runner.run(lambda: [(m.name, m.summary, m.model_id) for m in models.available()],
                         self._on_models_listed, owner=self._window)

    def _on_models_listed(self, listed: list[tuple[str, str, str]]) -> None:
        current = next((i for i, (_n, _s, model_id) in enumerate(listed)
                        if model_id == self._services.models.current), 0)
        labels = [f"{name} — {summary}" for name, summary, _id in listed]
        label, chosen = QInputDialog.getItem(
            self._window, "Search model",
            "The model that finds memories by meaning. After a change the vault locks and opens with the new\n"
            "model; its memories are then re-embedded in the background (cancel at any time, continue later).\n"
            "Until then they are still found by their words.", labels, current, False)
        if not chosen or label not in labels or labels.index(label) == current:
            return
        name = listed[labels.index(label)][0]
        self._runner.run(lambda: self._services.models.switch(name), self._on_model_switch_done, owner=self._window)

    def _on_model_switch_done(self, _manifest) -> None:
        self.model_switched.emit()
