"""File → Export namespaces…: which namespaces, who may open the bundle (a passphrase or recipient keys), where
to write it; the export runs off the GUI thread with progress, and a cancel leaves no file."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from memvault.domain.errors import MemvaultError
from memvault.domain.limits import MIN_PASSPHRASE_CHARS
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
from memvault.service.bundles import SUFFIX, ExportReport, ExportRequest
from memvault.service.container import Services



class ExportDialog(TransferDialog):
    """Choose and export namespaces to one ``.mvbundle`` file.

    Signals:
        exported(object, str): the :class:`ExportReport` and the file written.

    Attributes:
        file_dialog: the last "Choose…" file dialog (tests pick a file in it).
    """

    exported = Signal(object, str)

    def __init__(self, services: Services, runner: TaskRunner, current: str | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(services, runner, parent)
        self.setWindowTitle("Export namespaces")
        self.setMinimumWidth(560)
        self._current = current
        #: The file the save dialog last chose: it asked before replacing one that exists; a typed name is not replaced.
        self._confirmed: str | None = None

        self.namespaces = NamespaceChecklist()
        self.namespaces.itemChanged.connect(lambda _item: self._update_buttons())
        pick = QGroupBox("Namespaces")
        QVBoxLayout(pick).addWidget(self.namespaces)

        self.by_passphrase = QRadioButton("A passphrase (tell it to whoever imports the bundle)")
        self.by_recipient = QRadioButton("Recipient keys: only the vaults with these keys can open it")
        self.by_passphrase.setChecked(True)
        ways = QButtonGroup(self)
        ways.addButton(self.by_passphrase)
        ways.addButton(self.by_recipient)
        self.passphrase = self._secret("Bundle passphrase")
        self.repeat = self._secret("Repeat the bundle passphrase")
        self.recipients = QPlainTextEdit()
        self.recipients.setAccessibleName("Recipient keys")
        self.recipients.setPlaceholderText("One key a line, as the other vault shows it (mvpub1…)")
        self.recipients.setTabChangesFocus(True)
        self.recipients.setFixedHeight(64)
        secret = QFormLayout()
        secret.addRow("Passphrase", self.passphrase)
        secret.addRow("Repeat", self.repeat)
        protect = QGroupBox("Who can open it")
        box = QVBoxLayout(protect)
        box.addWidget(self.by_passphrase)
        box.addLayout(secret)
        box.addWidget(self.by_recipient)
        box.addWidget(self.recipients)
        for widget in (self.by_passphrase, self.by_recipient):
            widget.toggled.connect(lambda _on: self._update_buttons())

        self.history = QCheckBox("Earlier versions of each memory")
        self.history.setChecked(True)
        self.deleted = QCheckBox("Memories in the Trash")
        self.path = QLineEdit()
        self.path.setAccessibleName("Export file")
        self.path.setPlaceholderText(f"Where to write the bundle ({SUFFIX})")
        self.path.textChanged.connect(lambda _text: self._update_buttons())
        self.choose_button = QPushButton("Choose…")
        self.choose_button.setAccessibleName("Choose the export file")
        self.choose_button.clicked.connect(self._on_choose_button_clicked)
        # Enter anywhere in the form exports; it never reopens the file dialog.
        self.choose_button.setAutoDefault(False)
        where = QHBoxLayout()
        where.addWidget(self.path, 1)
        where.addWidget(self.choose_button)
        options = QFormLayout()
        options.addRow("Include", self.history)
        options.addRow("", self.deleted)
        options.addRow("Save to", where)

        self.problem = QLabel()
        self.problem.setAccessibleName("Export problem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color:#c0392b")
        self.progress = ProgressRow()
        self.buttons = QDialogButtonBox()
        self.export_button = self.buttons.addButton("Export", QDialogButtonBox.AcceptRole)
        self.export_button.setIcon(icon("export"))
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.Cancel)
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self._on_buttons_rejected)

        layout = QVBoxLayout(self)
        layout.addWidget(pick, 1)
        layout.addWidget(protect)
        layout.addLayout(options)
        layout.addWidget(self.problem)
        layout.addWidget(self.progress)
        layout.addWidget(self.buttons)
        self.export_button.setDefault(True)  # once inside the dialog: QDialog then returns to it (unlock.py)
        self._update_buttons()
        runner.run(services.stats.namespaces, self._on_namespaces_loaded, owner=self)

    @staticmethod
    def _secret(name: str) -> QLineEdit:
        edit = QLineEdit()
        edit.setEchoMode(QLineEdit.Password)
        edit.setAccessibleName(name)
        return edit

    # -- choosing ----------------------------------------------------------------------------------------

    def _on_namespaces_loaded(self, namespaces: list[Namespace]) -> None:
        self.namespaces.fill(namespaces, self._current)
        self._update_buttons()

    def chosen_namespaces(self) -> tuple[str, ...]:
        return self.namespaces.chosen()

    def set_checked(self, names: set[str]) -> None:
        self.namespaces.set_checked(names)

    def _suggested_name(self) -> str:
        chosen = self.chosen_namespaces()
        return f"{chosen[0] if len(chosen) == 1 else 'memvault-export'}{SUFFIX}"

    def _on_choose_button_clicked(self) -> None:
        self.file_dialog = file_dialog(self, "Export to", f"Memvault bundles (*{SUFFIX})", self._on_file_chosen,
                                       save_as=self._suggested_name())

    def _on_file_chosen(self, path: str) -> None:
        self._confirmed = path  # the save dialog asked before choosing a file that exists
        self.path.setText(path)
        self.export_button.setFocus()  # the next Enter exports

    def _update_buttons(self) -> None:
        running = self._token is not None
        self.passphrase.setEnabled(self.by_passphrase.isChecked() and not running)
        self.repeat.setEnabled(self.by_passphrase.isChecked() and not running)
        self.recipients.setEnabled(self.by_recipient.isChecked() and not running)
        self.export_button.setEnabled(not running and bool(self.chosen_namespaces()))

    # -- exporting ---------------------------------------------------------------------------------------

    def request(self) -> ExportRequest | None:
        """What the form asks for, or ``None`` with the reason shown when something is missing."""
        namespaces = self.chosen_namespaces()
        if not namespaces:
            return self._refuse("Tick at least one namespace.")
        if self.by_passphrase.isChecked():
            if not self.passphrase.text():
                return self._refuse("Type a passphrase for the bundle.", self.passphrase)
            if len(self.passphrase.text()) < MIN_PASSPHRASE_CHARS:
                return self._refuse(f"Use at least {MIN_PASSPHRASE_CHARS} characters for the bundle passphrase.",
                                    self.passphrase)
            if self.passphrase.text() != self.repeat.text():
                return self._refuse("The two passphrases differ.", self.repeat)
            return ExportRequest(namespaces, passphrase=self.passphrase.text(),
                                 include_history=self.history.isChecked(), include_deleted=self.deleted.isChecked())
        keys = tuple(line.strip() for line in self.recipients.toPlainText().splitlines() if line.strip())
        if not keys:
            return self._refuse("Paste at least one recipient key (mvpub1…).", self.recipients)
        return ExportRequest(namespaces, recipients=keys, include_history=self.history.isChecked(),
                             include_deleted=self.deleted.isChecked())

    def _refuse(self, reason: str, focus: QWidget | None = None) -> None:
        self.problem.setText(reason)
        if focus is not None:
            focus.setFocus()

    def _target(self) -> str | None:
        text = self.path.text().strip()
        if not text:
            return None
        if not text.lower().endswith(SUFFIX):
            text += SUFFIX
        return text if Path(text).is_absolute() else str(Path(documents_folder()) / text)

    def _on_buttons_accepted(self) -> None:
        request = self.request()
        if request is None:
            return
        target = self._target()
        if target is None:
            self.problem.setText("Choose where to write the bundle.")
            self._on_choose_button_clicked()
            return
        self.problem.clear()
        token = self._token = CancelToken()
        self._tokens[:] = [token]
        self._update_buttons()
        self.progress.start("Preparing the export…")
        bundles, relay = self._services.bundles, self.relay
        replace = target == self._confirmed
        self._runner.run(lambda: bundles.export_to_file(Path(target), request, replace=replace,
                                                        progress=relay.report, cancelled=lambda: token.cancelled),
                         lambda report: self._on_export_finished(report, target), self._on_export_failed, owner=self)

    def _on_relay_progressed(self, stage: str, done: int, total: int) -> None:
        if self._token is not None and not self._token.cancelled:
            self.progress.update_stage(stage, done, total)

    def _on_export_finished(self, report: ExportReport, target: str) -> None:
        self._token = None
        self.progress.stop()
        self._update_buttons()
        if report.cancelled:
            self.problem.setText("Export cancelled: no file was written.")
            return
        self.exported.emit(report, target)
        self.accept()

    def _on_export_failed(self, exc: MemvaultError) -> None:
        self._token = None
        self.progress.stop()
        self._update_buttons()
        show_error(self, exc, "Export namespaces")
