"""Vault → Check integrity…: the integrity check off the GUI thread, its findings in a dialog, repair on request."""

from __future__ import annotations

from PySide6.QtWidgets import QGridLayout, QMessageBox, QSizePolicy, QSpacerItem, QWidget

from memvault.gui.tasks import TaskRunner
from memvault.service.container import Services
from memvault.service.integrity import IntegrityReport
from memvault.gui.wording import plural, sentence


#: The report's least width (px): its title whole and a finding a line, not a thin column of words.
MIN_WIDTH = 480


def _findings(report: IntegrityReport) -> str:
    lines = [f"• {sentence(p.message + (' (repairable)' if p.repairable else ''))}" for p in report.problems]
    lines += [f"• {sentence(code, f'Could not check {name}')}" for name, code in report.skipped.items()]
    return "\n".join(lines)


class IntegrityCheck:
    """One check (and, if the user asks, one repair) of the open vault, reported in message boxes.

    Attributes:
        box: the dialog showing the last report (for tests and for closing it on lock).
    """

    def __init__(self, parent: QWidget, runner: TaskRunner, services: Services) -> None:
        self._parent = parent
        self._runner = runner
        self._services = services
        self.box: QMessageBox | None = None

    def start(self) -> None:
        self._runner.run(self._services.integrity.check, self._on_checked, owner=self._parent)

    def _on_checked(self, report: IntegrityReport) -> None:
        memories = report.counts.get("memories", 0)
        if report.ok and not report.skipped:
            self._show(QMessageBox.Information, "The vault is intact",
                       f"Every page, the keyword index and the vectors of {plural(memories, 'memory')} check out.")
            return
        box = self._show(QMessageBox.Warning, "The vault has problems", _findings(report), later=True)
        if report.repairable:
            repair = box.addButton("Repair", QMessageBox.AcceptRole)
            box.addButton(QMessageBox.Close)
            box.accepted.connect(lambda: self._runner.run(self._services.integrity.repair, self._on_repaired,
                                                          owner=self._parent))
            box.setDefaultButton(repair)
        else:
            box.addButton(QMessageBox.Close)
        box.open()

    def _on_repaired(self, report: IntegrityReport) -> None:
        if report.ok:
            self._show(QMessageBox.Information, "Repaired", "\n".join(f"• {r}" for r in report.repaired)
                       or "Nothing needed repairing.")
        else:
            self._show(QMessageBox.Warning, "Some problems remain", _findings(report))

    def _show(self, icon: QMessageBox.Icon, title: str, text: str, *, later: bool = False) -> QMessageBox:
        self.box = QMessageBox(icon, "Check integrity", title, parent=self._parent)
        self.box.setInformativeText(text)
        # A message box sizes itself to its text and ignores a minimum width; a spacer across its grid holds it.
        grid = self.box.layout()
        if isinstance(grid, QGridLayout):
            grid.addItem(QSpacerItem(MIN_WIDTH, 0, QSizePolicy.Minimum, QSizePolicy.Minimum), grid.rowCount(), 0,
                         1, grid.columnCount())
        if not later:
            self.box.addButton(QMessageBox.Close)
            self.box.open()
        return self.box
