"""File → Export readable copy…: namespaces as JSON Lines or as a folder of Markdown notes, NOT encrypted.

The user must tick that they understand the copy is unencrypted before Export
is enabled. The export runs off the GUI thread with progress; a cancel leaves
no file or folder behind.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from memvault.domain.errors import MemvaultError
from memvault.domain.models import Namespace
from memvault.gui.icons import icon
from memvault.gui.reporting import show_error
from memvault.gui.tasks import CancelToken, TaskRunner
from memvault.gui.transfer_widgets import (
    NamespaceChecklist,
    ProgressRow,
    TransferDialog,
    documents_folder,
    file_dialog,
)
from memvault.service.container import Services
from memvault.service.readable_export import ReadableExportReport, ReadableExportRequest, ReadableFormat

WARNING = ("This copy is NOT encrypted. Anyone who can read the file or folder can read every memory in it, "
           "and cloud folders, backups and search indexes may keep copies of it.")


class ReadableExportDialog(TransferDialog):
    """Choose namespaces, a format and a place; confirm that the copy is unencrypted; export.

    Signals:
        exported(object): the :class:`ReadableExportReport`.

    Attributes:
        file_dialog: the last "Choose…" dialog (tests pick a path in it).
    """

    exported = Signal(object)

    def __init__(self, services: Services, runner: TaskRunner, current: str | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(services, runner, parent)
        self.setWindowTitle("Export a readable copy")
        self.setMinimumWidth(560)
        self._current = current

        self.namespaces = NamespaceChecklist()
        self.namespaces.itemChanged.connect(lambda _item: self._update_buttons())
        pick = QGroupBox("Namespaces")
        QVBoxLayout(pick).addWidget(self.namespaces)

        self.as_jsonl = QRadioButton("JSON Lines: one file, one memory a line with every field")
        self.as_markdown = QRadioButton("Markdown: a folder of notes with their fields as front matter (Obsidian)")
        self.as_jsonl.setChecked(True)
        formats = QButtonGroup(self)
        formats.addButton(self.as_jsonl)
        formats.addButton(self.as_markdown)
        self.as_jsonl.toggled.connect(lambda _on: self.path.clear())
        shape = QGroupBox("Format")
        box = QVBoxLayout(shape)
        box.addWidget(self.as_jsonl)
        box.addWidget(self.as_markdown)

        self.history = QCheckBox("Earlier versions of each memory")
        self.deleted = QCheckBox("Memories in the Trash")
        self.path = QLineEdit()
        self.path.setAccessibleName("Export destination")
        self.path.setPlaceholderText("A new file, or a new folder for Markdown")  # the longer one was cut off
        self.path.textChanged.connect(lambda _text: self._update_buttons())
        self.choose_button = QPushButton("Choose…")
        self.choose_button.setAccessibleName("Choose where to write the copy")
        self.choose_button.clicked.connect(self._on_choose_button_clicked)
        where = QHBoxLayout()
        where.addWidget(self.path, 1)
        where.addWidget(self.choose_button)
        options = QFormLayout()
        options.addRow("Include", self.history)
        options.addRow("", self.deleted)
        options.addRow("Save to", where)

        self.warning = QLabel(WARNING)
        self.warning.setWordWrap(True)
        self.warning.setAccessibleName("Unencrypted copy warning")
        self.warning.setStyleSheet("color:#c0392b; font-weight:bold")
        self.understood = QCheckBox("I understand: this copy is not encrypted")
        self.understood.setAccessibleName("Confirm that the copy is not encrypted")
        self.understood.toggled.connect(lambda _on: self._update_buttons())
        self.problem = QLabel()
        self.problem.setAccessibleName("Export problem")
        self.problem.setWordWrap(True)
        self.progress = ProgressRow()
        self.buttons = QDialogButtonBox()
        self.export_button = self.buttons.addButton("Export", QDialogButtonBox.AcceptRole)
        self.export_button.setIcon(icon("export"))
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.Cancel)
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self._on_buttons_rejected)

        layout = QVBoxLayout(self)
        layout.addWidget(pick, 1)
        layout.addWidget(shape)
        layout.addLayout(options)
        layout.addWidget(self.warning)
        layout.addWidget(self.understood)
        layout.addWidget(self.problem)
        layout.addWidget(self.progress)
        layout.addWidget(self.buttons)
        self._update_buttons()
        runner.run(services.stats.namespaces, self._on_namespaces_loaded, owner=self)

    def _on_namespaces_loaded(self, namespaces: list[Namespace]) -> None:
        self.namespaces.fill(namespaces, self._current)
        self._update_buttons()

    def chosen_namespaces(self) -> tuple[str, ...]:
        return self.namespaces.chosen()

    def set_checked(self, names: set[str]) -> None:
        self.namespaces.set_checked(names)

    def chosen_format(self) -> ReadableFormat:
        return ReadableFormat.JSONL if self.as_jsonl.isChecked() else ReadableFormat.MARKDOWN

    def _on_choose_button_clicked(self) -> None:
        chosen = self.chosen_namespaces()
        stem = chosen[0] if len(chosen) == 1 else "memvault-export"
        if self.chosen_format() is ReadableFormat.JSONL:
            self.file_dialog = file_dialog(self, "Export to", "JSON Lines (*.jsonl)", self.path.setText,
                                           save_as=f"{stem}.jsonl")
            return
        dialog = self.file_dialog = QFileDialog(self, "Export to a new folder", documents_folder())
        dialog.setAcceptMode(QFileDialog.AcceptSave)
        dialog.setFileMode(QFileDialog.AnyFile)
        dialog.selectFile(f"{stem} notes")
        dialog.fileSelected.connect(self.path.setText)
        dialog.open()

    def _update_buttons(self) -> None:
        running = self._token is not None
        for widget in (self.namespaces, self.as_jsonl, self.as_markdown, self.history, self.deleted, self.path,
                       self.choose_button, self.understood):
            widget.setEnabled(not running)
        self.export_button.setEnabled(not running and bool(self.chosen_namespaces())
                                      and self.understood.isChecked())

    def _target(self) -> str | None:
        text = self.path.text().strip()
        if not text:
            return None
        if self.chosen_format() is ReadableFormat.JSONL and not text.lower().endswith(".jsonl"):
            text += ".jsonl"
        return text if Path(text).is_absolute() else str(Path(documents_folder()) / text)

    def _on_buttons_accepted(self) -> None:
        if not self.understood.isChecked() or not self.chosen_namespaces():
            return
        target = self._target()
        if target is None:
            self.problem.setText("Choose where to write the copy.")
            self._on_choose_button_clicked()
            return
        request = ReadableExportRequest(self.chosen_namespaces(), self.chosen_format(),
                                        include_history=self.history.isChecked(),
                                        include_deleted=self.deleted.isChecked(), unencrypted_ok=True)
        self.problem.clear()
        token = self._token = CancelToken()
        self._tokens[:] = [token]
        self._update_buttons()
        self.progress.start("Preparing the export…")
        readable, relay = self._services.readable, self.relay
        self._runner.run(lambda: readable.export(Path(target), request, progress=relay.report,
                                                 cancelled=lambda: token.cancelled),
                         self._on_export_finished, self._on_export_failed, owner=self)

    def _on_relay_progressed(self, stage: str, done: int, total: int) -> None:
        if self._token is not None and not self._token.cancelled:
            self.progress.update_stage(stage, done, total)

    def _on_export_finished(self, report: ReadableExportReport) -> None:
        self._token = None
        self.progress.stop()
        self._update_buttons()
        if report.cancelled:
            self.problem.setText("Export cancelled: nothing was written.")
            return
        self.exported.emit(report)
        self.accept()

    def _on_export_failed(self, exc: MemvaultError) -> None:
        self._token = None
        self.progress.stop()
        self._update_buttons()
        show_error(self, exc, "Export a readable copy")
