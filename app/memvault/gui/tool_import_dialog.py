"""File → Import from…: a Memvault readable export, a ChatGPT or Claude export, mem0, mcp-memory-service, Basic
Memory or an Obsidian folder. Preview (a dry run) says what would be added, updated and skipped; Import writes it
all or nothing. Both run off the GUI thread with progress."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from memvault.domain.errors import MemvaultError
from memvault.gui.icons import icon
from memvault.gui.reporting import show_error
from memvault.gui.tasks import CancelToken, TaskRunner
from memvault.gui.transfer_widgets import ProgressRow, TransferDialog, documents_folder
from memvault.gui.wording import plural
from memvault.service.container import Services
from memvault.service.importers.run import ToolImportReport, ToolImportRequest
from memvault.service.importers.sources import FOLDERS, OWN_FORMATS, Source

#: What each source is called in the list, and the files the chooser shows.
SOURCES: tuple[tuple[Source, str, str], ...] = (
    (Source.CHATGPT, "ChatGPT export (conversations.json or the zip)", "ChatGPT export (*.json *.zip)"),
    (Source.CLAUDE, "Claude export (conversations.json or the zip)", "Claude export (*.json *.zip)"),
    (Source.MEM0, "mem0 (export JSON or history database)", "mem0 (*.json *.db *.sqlite)"),
    (Source.MCP_MEMORY_SERVICE, "mcp-memory-service (its SQLite file)", "SQLite (*.db *.sqlite *.sqlite3)"),
    (Source.BASIC_MEMORY, "Basic Memory (a folder of notes)", ""),
    (Source.OBSIDIAN, "Obsidian or any folder of Markdown notes", ""),
    (Source.JSONL, "Memvault readable copy, JSON Lines", "JSON Lines (*.jsonl)"),
    (Source.MARKDOWN, "Memvault readable copy, Markdown folder", ""),
)
_CHATS = (Source.CHATGPT, Source.CLAUDE)


def summary(report: ToolImportReport) -> str:
    """What an import did or would do, in a sentence or two."""
    verb = "would be" if report.dry_run else "were"
    text = (f"{report.records:,} memories in {report.file}: {report.new:,} {verb} added, {report.updated:,} "
            f"updated, {report.skipped:,} skipped.")
    if report.empty:
        text += f" {plural(report.empty, 'empty note')} left out."
    if report.deleted:
        text += f" {plural(report.deleted, 'memory')} the source had deleted left out."
    if report.held_elsewhere:
        text += (f" {plural(report.held_elsewhere, 'memory')} {'is' if report.held_elsewhere == 1 else 'are'} already "
                 "in another namespace of this vault, and an import never moves one.")
    if report.conversations:
        todo = report.conversations - report.conversations_skipped
        if report.dry_run:
            text += (f" {todo:,} of {report.conversations:,} conversations would go through fact extraction "
                     f"(the others were imported before).")
        else:
            text += f" {report.facts:,} facts extracted from {todo:,} conversations."
    if report.stopped:
        text += f" Not finished: {report.stopped}."
    return text


class ToolImportDialog(TransferDialog):
    """Pick a source and its file or folder, preview, import.

    Signals:
        imported(object): the :class:`ToolImportReport` of a finished (not dry-run) import.

    Attributes:
        file_dialog: the last "Choose…" dialog; preview: the last dry run's report.
    """

    imported = Signal(object)

    def __init__(self, services: Services, runner: TaskRunner, current: str | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(services, runner, parent)
        self.setWindowTitle("Import from…")
        self.setMinimumWidth(560)
        self.preview: ToolImportReport | None = None

        self.source = QComboBox()
        self.source.setAccessibleName("What to import")
        for source, label, _filter in SOURCES:
            self.source.addItem(label, source)
        self.source.currentIndexChanged.connect(self._on_source_current_index_changed)
        self.path = QLineEdit()
        self.path.setAccessibleName("File or folder to import")
        self.path.textChanged.connect(lambda _text: self._forget_preview())
        self.choose_button = QPushButton("Choose…")
        self.choose_button.setAccessibleName("Choose the file or folder to import")
        self.choose_button.clicked.connect(self._on_choose_button_clicked)
        where = QHBoxLayout()
        where.addWidget(self.path, 1)
        where.addWidget(self.choose_button)
        self.namespace = QLineEdit(current or "default")
        self.namespace.setAccessibleName("Namespace to import into")
        self.namespace.textChanged.connect(lambda _text: self._forget_preview())
        self.turns = QCheckBox("Also keep each chat turn as a memory (facts are always extracted)")
        self.turns.toggled.connect(lambda _on: self._forget_preview())
        form = QFormLayout()
        form.addRow("Import", self.source)
        form.addRow("From", where)
        form.addRow("Into namespace", self.namespace)
        form.addRow("", self.turns)

        self.result = QLabel()
        self.result.setAccessibleName("Import result")
        self.result.setWordWrap(True)
        self.progress = ProgressRow()
        self.buttons = QDialogButtonBox()
        self.preview_button = self.buttons.addButton("Preview", QDialogButtonBox.ActionRole)
        self.import_button = self.buttons.addButton("Import", QDialogButtonBox.AcceptRole)
        self.import_button.setIcon(icon("import"))
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.Cancel)
        self.preview_button.clicked.connect(self._on_preview_button_clicked)
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self._on_buttons_rejected)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.result)
        layout.addWidget(self.progress)
        layout.addWidget(self.buttons)
        self._on_source_current_index_changed()

    def chosen_source(self) -> Source:
        return self.source.currentData()

    def set_source(self, source: Source) -> None:
        self.source.setCurrentIndex(self.source.findData(source))

    def _on_source_current_index_changed(self, _index: int = 0) -> None:
        source = self.chosen_source()
        self.turns.setVisible(source in _CHATS)
        # A Memvault copy knows each memory's namespace; a name here moves them all into it.
        self.namespace.setPlaceholderText("each memory's own" if source in OWN_FORMATS else "default")
        self._forget_preview()

    def _forget_preview(self) -> None:
        """The form changed: an earlier preview no longer describes what Import would do."""
        self.preview = None
        self.result.clear()
        self._update_buttons()

    def _on_choose_button_clicked(self) -> None:
        source = self.chosen_source()
        dialog = self.file_dialog = QFileDialog(self, "Import from", documents_folder())
        dialog.setAcceptMode(QFileDialog.AcceptOpen)
        if source in FOLDERS:
            dialog.setFileMode(QFileDialog.Directory)
            dialog.setOption(QFileDialog.ShowDirsOnly, True)
        else:
            dialog.setFileMode(QFileDialog.ExistingFile)
            dialog.setNameFilter(next(f for s, _label, f in SOURCES if s is source))
        dialog.fileSelected.connect(self.path.setText)
        dialog.open()

    def _update_buttons(self) -> None:
        running = self._token is not None
        ready = not running and bool(self.path.text().strip())
        for widget in (self.source, self.path, self.choose_button, self.namespace, self.turns):
            widget.setEnabled(not running)
        self.preview_button.setEnabled(ready)
        self.import_button.setEnabled(ready)

    def _request(self, dry_run: bool) -> ToolImportRequest:
        namespace = self.namespace.text().strip() or None
        return ToolImportRequest(self.chosen_source(), namespace=namespace, dry_run=dry_run,
                                 with_turns=self.turns.isChecked() and self.chosen_source() in _CHATS)

    def _start(self, dry_run: bool) -> None:
        path, request = self.path.text().strip(), self._request(dry_run)
        token = self._token = CancelToken()
        self._tokens[:] = [token]
        self._update_buttons()
        self.result.clear()
        self.progress.start("Checking the file…" if dry_run else "Importing…")
        readable, relay = self._services.readable, self.relay
        self._runner.run(lambda: readable.import_from(path, request, progress=relay.report,
                                                      cancelled=lambda: token.cancelled),
                         self._on_import_finished, self._on_import_failed, owner=self)

    def _on_preview_button_clicked(self) -> None:
        self._start(dry_run=True)

    def _on_buttons_accepted(self) -> None:
        self._start(dry_run=False)

    def _on_relay_progressed(self, stage: str, done: int, total: int) -> None:
        if self._token is not None and not self._token.cancelled:
            if total > 0:
                self.progress.update_stage(stage, done, total)
            else:
                self.progress.say(f"{stage.capitalize()}: {done:,} read")

    def _on_import_finished(self, report: ToolImportReport) -> None:
        self._token = None
        self.progress.stop()
        self._update_buttons()
        if report.cancelled:
            self.result.setText("Cancelled: nothing was imported.")
            return
        self.result.setText(summary(report))
        if report.dry_run:
            self.preview = report
            return
        self.imported.emit(report)

    def _on_import_failed(self, exc: MemvaultError) -> None:
        self._token = None
        self.progress.stop()
        self._update_buttons()
        self.result.setText("Nothing was imported.")
        show_error(self, exc, "Import from…")
