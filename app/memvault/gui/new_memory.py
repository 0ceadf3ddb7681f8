"""Memory → New memory… (Ctrl+N): the dialog, and storing what it asks for off the GUI thread."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from memvault.domain.errors import MemvaultError
from memvault.domain.models import CreateResult, MemoryCreate
from memvault.gui.tasks import TaskRunner
from memvault.gui.widgets import NewMemoryDialog
from memvault.gui.wording import sentence
from memvault.service.container import Services


class NewMemoryFlow(QObject):
    """Opens the New memory dialog over ``parent`` and stores the memory it describes.

    The dialog closes once the memory is stored: a refused one (a bad namespace) is still there to correct.

    Signals:
        created(object): the :class:`CreateResult` of a memory stored from the dialog.
    """

    created = Signal(object)

    def __init__(self, services: Services, runner: TaskRunner, parent: QWidget, *, return_to: QWidget) -> None:
        """``return_to`` gets the keyboard back when the dialog closes."""
        super().__init__(parent)
        self._services = services
        self._runner = runner
        self._parent = parent
        self._return_to = return_to

    def open(self, namespace: str) -> NewMemoryDialog:
        """Open the dialog with ``namespace`` chosen (the namespaces offered arrive in the background)."""
        dialog = NewMemoryDialog(namespace, self._parent)
        dialog.save_requested.connect(lambda data: self._on_dialog_save_requested(dialog, data))
        dialog.finished.connect(self._on_dialog_finished)
        self._runner.run(self._services.stats.namespaces,
                         lambda found: dialog.form.set_namespaces([n.name for n in found]), owner=dialog)
        dialog.open()
        return dialog

    def _on_dialog_finished(self, _result: int) -> None:
        # The keyboard comes back to where it left from (the list, where the new memory is selected); without
        # a window manager nothing would hand the window its focus back.
        self._parent.window().activateWindow()
        self._return_to.setFocus(Qt.OtherFocusReason)

    def _on_dialog_save_requested(self, dialog: NewMemoryDialog, data: MemoryCreate) -> None:
        self._runner.run(lambda: self._services.memories.create(data),
                         lambda result: self._on_stored(dialog, result),
                         lambda exc: self._on_refused(dialog, exc), owner=self._parent)

    def _on_stored(self, dialog: NewMemoryDialog, result: CreateResult) -> None:
        if dialog.isVisible():
            dialog.accept()
        self.created.emit(result)

    def _on_refused(self, dialog: NewMemoryDialog, exc: MemvaultError) -> None:
        if dialog.isVisible():
            dialog.refuse(exc.message, exc.details.get("field"))
        else:  # cancelled while it was being stored
            QMessageBox.warning(self._parent, "Memvault", sentence(exc.message))
