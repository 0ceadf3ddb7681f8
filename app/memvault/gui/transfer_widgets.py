"""Pieces the export, import and backup dialogs share: a progress row that names its stage, the relay that
brings a service's ``progress(stage, done, total)`` to the GUI thread, and non-blocking file dialogs."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QStandardPaths, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QWidget,
)

from memvault.domain.models import Namespace
from memvault.gui.icons import icon
from memvault.gui.tasks import CancelToken, TaskRunner
from memvault.gui.wording import plural

if TYPE_CHECKING:
    from memvault.service.container import Services

#: The bar counts in thousandths: byte counts of a large bundle do not fit a Qt int.
_SCALE = 1000

_STAGES = {
    "verifying": "Checking the bundle",
    "importing": "Importing memories",
    "exporting": "Exporting memories",
}


class StageRelay(QObject):
    """Carries progress from a pool thread to the GUI thread (a queued signal).

    Signals:
        progressed(str, object, object): stage, done and total, as the service reported them.
    """

    progressed = Signal(str, object, object)

    def report(self, stage: str, done: int, total: int) -> None:
        """The service's progress callback; runs on the pool thread."""
        try:
            self.progressed.emit(stage, done, total)
        except RuntimeError:
            pass  # the dialog (and this relay with it) closed while the work was still running


def describe(stage: str, done: int, total: int) -> str:
    """``"Checking the bundle: 3.1 of 12.0 MB"``, ``"Importing memories: 1,200 of 5,000"``."""
    name = _STAGES.get(stage, stage.capitalize())
    if stage == "verifying":
        return f"{name}: {done / 1e6:,.1f} of {total / 1e6:,.1f} MB"
    return f"{name}: {done:,} of {total:,}"


class ProgressRow(QWidget):
    """A bar and a line saying what is being done; hidden until work starts."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bar = QProgressBar()
        self.bar.setAccessibleName("Progress")
        self.bar.setRange(0, 0)
        self.bar.setTextVisible(False)
        self.label = QLabel()
        self.label.setAccessibleName("Progress stage")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.bar, 1)
        self.hide()

    def start(self, text: str) -> None:
        self.bar.setRange(0, 0)
        self.label.setText(text)
        self.show()

    def update_stage(self, stage: str, done: int, total: int) -> None:
        self.bar.setRange(0, _SCALE)
        self.bar.setValue(round(_SCALE * done / total) if total else 0)
        self.label.setText(describe(stage, done, total))

    def say(self, text: str) -> None:
        """Replace the stage line (e.g. "Cancelling…") and keep the bar."""
        self.label.setText(text)

    def stop(self) -> None:
        self.hide()


def documents_folder() -> str:
    return QStandardPaths.writableLocation(QStandardPaths.DocumentsLocation) or QStandardPaths.writableLocation(
        QStandardPaths.HomeLocation)


def file_dialog(parent: QWidget, title: str, name_filter: str, chosen: Callable[[str], None], *,
                save_as: str | None = None) -> QFileDialog:
    """A file dialog opened window-modal (it never blocks the event loop); ``chosen(path)`` runs on accept.

    With ``save_as`` it asks where to write a new file of that name (and for
    permission to replace an existing one); without, which file to open.
    """
    dialog = QFileDialog(parent, title, documents_folder(), name_filter)
    if save_as is not None:
        dialog.setAcceptMode(QFileDialog.AcceptSave)
        dialog.setFileMode(QFileDialog.AnyFile)
        dialog.setDefaultSuffix(save_as.rsplit(".", 1)[-1])
        dialog.selectFile(save_as)
    else:
        dialog.setAcceptMode(QFileDialog.AcceptOpen)
        dialog.setFileMode(QFileDialog.ExistingFile)
    dialog.fileSelected.connect(chosen)
    dialog.open()
    return dialog


class TransferDialog(QDialog):
    """A dialog that runs one cancellable transfer off the GUI thread (export, readable export, import from…).

    Subclasses define ``progress`` (a :class:`ProgressRow`), ``_on_relay_progressed(stage, done, total)`` and
    ``_update_buttons()``; they set ``_token`` while their transfer runs and keep it in ``_tokens``.
    Cancel, Escape or the close button during a transfer stops it first and closes only once it stopped.
    """

    def __init__(self, services: Services, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._services = services
        self._runner = runner
        self._token: CancelToken | None = None
        self.file_dialog: QFileDialog | None = None
        self.relay = StageRelay(self)
        self.relay.progressed.connect(self._on_relay_progressed)
        # Locking the vault deletes its dialogs: work still running stops with them.
        self._tokens: list[CancelToken] = []
        self.destroyed.connect(lambda *_, tokens=self._tokens: [t.cancel() for t in tokens])

    def _on_buttons_rejected(self) -> None:
        if self._token is not None:
            self._token.cancel()
            self.progress.say("Cancelling…")
            return
        self.reject()

    def reject(self) -> None:
        if self._token is not None:
            self._on_buttons_rejected()
            return
        super().reject()


class NamespaceChecklist(QListWidget):
    """The namespaces an export may take, each with its memory count and a check box."""

    _NAME_ROLE = Qt.UserRole
    #: Rows shown in full before the list scrolls.
    VISIBLE_ROWS = 5

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Namespaces to export")

    def fill(self, namespaces: list[Namespace], current: str | None) -> None:
        """List ``namespaces``, ticking ``current`` (or the only one), without an ``itemChanged`` per row."""
        self.blockSignals(True)
        for ns in namespaces:
            item = QListWidgetItem(icon("namespace"), f"{ns.name}  ({plural(ns.memory_count, 'memory')})")
            item.setData(self._NAME_ROLE, ns.name)
            item.setFlags(item.flags() | Qt.ItemIsUserCheckable)
            item.setCheckState(Qt.Checked if ns.name == current or len(namespaces) == 1 else Qt.Unchecked)
            self.addItem(item)
        self.blockSignals(False)
        # Whole rows, up to VISIBLE_ROWS before it scrolls: a half-cut last row read as a broken list.
        row = self.sizeHintForRow(0) if self.count() else self.fontMetrics().height()
        shown = min(max(self.count(), 1), self.VISIBLE_ROWS)
        self.setMinimumHeight(shown * row + 2 * self.frameWidth() + 2 * self.spacing())

    def chosen(self) -> tuple[str, ...]:
        return tuple(self.item(i).data(self._NAME_ROLE) for i in range(self.count())
                     if self.item(i).checkState() == Qt.Checked)

    def set_checked(self, names: set[str]) -> None:
        for i in range(self.count()):
            item = self.item(i)
            item.setCheckState(Qt.Checked if item.data(self._NAME_ROLE) in names else Qt.Unchecked)
