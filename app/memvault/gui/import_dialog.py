"""File → Import bundle… (or a ``.mvbundle`` dropped on the window): open the bundle, preview what the import
would do per namespace (a dry run: nothing written), then import with progress; Cancel rolls everything back.

The dialog only asks; the service decides. Every call (how the bundle opens, the
dry run, the import) runs on the task runner. The views refresh when the
import's change events reach the bridge, not because this dialog says so.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from memvault.domain.errors import MemvaultError, PassphraseRequired, WrongBundlePassphrase
from memvault.domain.models import Namespace
from memvault.domain.transfer import ConflictPolicy
from memvault.gui.icons import icon
from memvault.gui.tasks import CancelToken, TaskRunner
from memvault.gui.transfer_widgets import ProgressRow, StageRelay
from memvault.service.bundle_import import ImportOptions, ImportReport
from memvault.service.bundles import SUFFIX, Opening
from memvault.service.container import Services
from memvault.gui.wording import plural, sentence

POLICIES: tuple[tuple[ConflictPolicy, str], ...] = (
    (ConflictPolicy.NEWER, "Keep whichever version was changed last"),
    (ConflictPolicy.SKIP, "Keep this vault's version"),
    (ConflictPolicy.OVERWRITE, "Replace it with the bundle's version"),
    (ConflictPolicy.COPY, "Add the bundle's version as a new memory"),
)
COLUMNS = ("Namespace", "New", "Replaced", "Left as they are", "Conflicts")


def bundle_path_of(mime: QMimeData) -> str | None:
    """The first local ``.mvbundle`` file among dropped URLs (a name check only: the GUI thread opens no file)."""
    for url in mime.urls():
        if url.isLocalFile() and url.toLocalFile().lower().endswith(SUFFIX):
            return url.toLocalFile()
    return None


class ImportDialog(QDialog):
    """Preview and import one bundle file.

    Signals:
        imported(object): the :class:`ImportReport` of a finished (not cancelled) import.

    Attributes:
        preview: the last dry run shown (``None`` until one finished).
    """

    imported = Signal(object)

    def __init__(self, path: str, services: Services, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import bundle")
        self.setMinimumWidth(600)
        self.path = path
        self._services = services
        self._runner = runner
        self._passphrase: str | None = None
        self._ready_to_preview = False
        self._focus_import = False
        self._run = 0  # numbers the dry runs: only the latest one's answer is shown
        self._token: CancelToken | None = None
        self._importing = False
        self.preview: ImportReport | None = None
        self.relay = StageRelay(self)
        self.relay.progressed.connect(self._on_relay_progressed)
        # Locking the vault deletes its dialogs: work still running stops with them (the import rolls back).
        self._tokens: list[CancelToken] = []
        self.destroyed.connect(lambda *_, tokens=self._tokens: [t.cancel() for t in tokens])

        self.file_label = QLabel(f"<b>{Path(path).name}</b>")
        self.file_label.setToolTip(path)
        self.file_label.setAccessibleName("Bundle file")
        self.opening = QLabel()
        self.opening.setAccessibleName("How the bundle opens")
        self.opening.setWordWrap(True)
        self.opening.hide()  # until it is known how the bundle opens
        self.passphrase_note = QLabel("This bundle is protected by a passphrase (the one chosen when it was "
                                      "exported, not this vault's).")
        self.passphrase_note.setWordWrap(True)
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.Password)
        self.passphrase.setAccessibleName("Bundle passphrase")
        self.passphrase.returnPressed.connect(self._on_open_button_clicked)
        self.open_button = QPushButton(icon("unlock"), "Open")
        self.open_button.setAccessibleName("Open the bundle")
        self.open_button.clicked.connect(self._on_open_button_clicked)
        self.open_button.setAutoDefault(False)
        secret = QHBoxLayout()
        secret.addWidget(self.passphrase, 1)
        secret.addWidget(self.open_button)
        self.passphrase_row = QWidget()
        rows = QVBoxLayout(self.passphrase_row)
        rows.setContentsMargins(0, 0, 0, 0)
        rows.addWidget(self.passphrase_note)
        rows.addLayout(secret)
        self.passphrase_row.hide()

        self.policy = QComboBox()
        self.policy.setAccessibleName("When a memory is already in this vault")
        for policy, label in POLICIES:
            self.policy.addItem(label, policy)
        self.policy.currentIndexChanged.connect(lambda _i: self._on_options_changed())
        self.into_check = QCheckBox("Put every memory in one namespace:")
        self.into_check.toggled.connect(lambda _on: self._on_options_changed())
        self.into = QComboBox()
        self.into.setEditable(True)
        self.into.setAccessibleName("Import into namespace")
        # The options wait for a bundle that opens: for a file that cannot be read there is nothing to choose.
        for widget in (self.policy, self.into_check, self.into):
            widget.setEnabled(False)
        self.into.lineEdit().editingFinished.connect(self._on_options_changed)
        self.into.activated.connect(lambda _i: self._on_options_changed())
        into = QHBoxLayout()
        into.addWidget(self.into_check)
        into.addWidget(self.into, 1)
        options = QFormLayout()
        options.addRow("If a memory is already here", self.policy)
        options.addRow("Namespace", into)

        self.summary = QLabel("Opening the bundle…")
        self.summary.setAccessibleName("Import summary")
        self.summary.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setTabKeyNavigation(False)  # Tab leaves the table; arrows move in it
        self.table.setAccessibleName("What the import changes, per namespace")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.NoSelection)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.Stretch)
        for column in range(1, len(COLUMNS)):
            self.table.horizontalHeader().setSectionResizeMode(column, QHeaderView.ResizeToContents)
        self.table.setMinimumHeight(140)
        self.progress = ProgressRow()
        self.buttons = QDialogButtonBox()
        self.import_button = self.buttons.addButton("Import", QDialogButtonBox.AcceptRole)
        self.import_button.setIcon(icon("import"))
        self.import_button.setEnabled(False)
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.Cancel)
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self._on_buttons_rejected)

        layout = QVBoxLayout(self)
        layout.addWidget(self.file_label)
        layout.addWidget(self.opening)
        layout.addWidget(self.passphrase_row)
        layout.addLayout(options)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.progress)
        layout.addWidget(self.buttons)
        self.import_button.setDefault(True)  # once inside the dialog: QDialog then returns to it (unlock.py)
        runner.run(services.stats.namespaces, self._on_namespaces_loaded, owner=self)
        runner.run(lambda: services.bundles.how_it_opens(Path(path)), self._on_bundle_opened,
                   self._on_bundle_unreadable, owner=self)

    # -- opening -----------------------------------------------------------------------------------------

    def _on_namespaces_loaded(self, namespaces: list[Namespace]) -> None:
        typed = self.into.currentText()
        self.into.clear()
        self.into.addItems([n.name for n in namespaces])
        self.into.setCurrentText(typed or "default")

    def _on_bundle_opened(self, opening: Opening) -> None:
        if opening is Opening.OTHER_RECIPIENTS:
            self._show_opening("Made for other vaults' keys.")
            self._say("This bundle was made for other vaults' recipient keys and has no passphrase, so "
                                 "this vault cannot open it. Ask the sender to export it for this vault's key.")
            return
        self.policy.setEnabled(True)
        self.into_check.setEnabled(True)
        if opening is Opening.PASSPHRASE:
            self._ask_passphrase(again=False)
            return
        self._show_opening("Made for this vault's recipient key: it opens without a passphrase.")
        self._ready_to_preview = True
        self._start_preview()

    def _show_opening(self, text: str) -> None:
        self.opening.setText(text)
        self.opening.show()

    def _on_bundle_unreadable(self, exc: MemvaultError) -> None:
        self._say(sentence(exc.message, "This file cannot be imported"), problem=True)

    def _say(self, text: str, *, problem: bool = False) -> None:
        """The summary line; a problem in red, as the other dialogs say theirs (once: no box on top)."""
        self.summary.setText(text)
        self.summary.setStyleSheet("color:#c0392b" if problem else "")

    def _ask_passphrase(self, *, again: bool) -> None:
        self._passphrase = None
        self._ready_to_preview = False
        self.passphrase_row.show()
        self.passphrase_note.setText(
            "That passphrase does not open this bundle. Type it again (it is the one chosen when the bundle was "
            "exported, not this vault's)." if again else
            "This bundle is protected by a passphrase (the one chosen when it was exported, not this vault's).")
        self.passphrase_note.setStyleSheet("color:#c0392b" if again else "")
        self._say("Type the bundle's passphrase to see what it holds.")
        self.passphrase.clear()
        self.passphrase.setEnabled(True)
        self.open_button.setEnabled(True)
        self.passphrase.setFocus()
        self.import_button.setEnabled(False)

    def _on_open_button_clicked(self) -> None:
        if not self.passphrase.text():
            self.passphrase.setFocus()
            return
        self._passphrase = self.passphrase.text()
        self._ready_to_preview = True
        # Not the next field in the chain (the conflict combo) while the preview runs: Import takes focus when ready.
        self._focus_import = True
        self.table.setFocus()
        self.passphrase.setEnabled(False)
        self.open_button.setEnabled(False)
        self._start_preview()

    # -- the dry run -------------------------------------------------------------------------------------

    def options(self, *, dry_run: bool) -> ImportOptions:
        into = self.into.currentText().strip() if self.into_check.isChecked() else None
        return ImportOptions(into=into or None, policy=self.policy.currentData(), dry_run=dry_run)

    def _on_options_changed(self) -> None:
        self.into.setEnabled(self.into_check.isChecked() and not self._importing)
        if self._ready_to_preview and not self._importing:
            self._start_preview()

    def _begin(self, text: str) -> CancelToken:
        if self._token is not None:
            self._token.cancel()  # a dry run for options that changed since: its answer would be stale
        token = self._token = CancelToken()
        self._tokens[:] = [token]
        self.progress.start(text)
        return token

    def _start_preview(self) -> None:
        self._run += 1
        run = self._run
        self.preview = None
        self.import_button.setEnabled(False)
        token = self._begin("Checking the bundle…")
        options, passphrase, bundles, relay = self.options(dry_run=True), self._passphrase, self._services.bundles, \
            self.relay
        self._runner.run(lambda: bundles.import_bundle(Path(self.path), options, passphrase=passphrase,
                                                       progress=relay.report, cancelled=lambda: token.cancelled),
                         lambda report: self._on_preview_finished(run, report),
                         lambda exc: self._on_failed(run, exc), owner=self)

    def _on_preview_finished(self, run: int, report: ImportReport) -> None:
        if run != self._run:
            return
        self._finish()
        if report.cancelled:
            return
        self.preview = report
        if self._passphrase is not None:
            self.passphrase_row.hide()
            self._show_opening("Opened with the bundle's passphrase.")
        self._show_report(report)
        changes = report.new + report.updated
        self.import_button.setEnabled(changes > 0)
        if changes and self._focus_import:
            self._focus_import = False
            self.import_button.setFocus()
        self.import_button.setText(f"Import {plural(changes, 'memory')}" if changes else "Import")

    def _show_report(self, report: ImportReport) -> None:
        self.table.setRowCount(len(report.by_namespace))
        for row, share in enumerate(report.by_namespace):
            cells = (share.namespace, share.new, share.updated, share.skipped, share.conflicting)
            for column, value in enumerate(cells):
                item = QTableWidgetItem(value if isinstance(value, str) else f"{value:,}")
                if column:
                    item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                self.table.setItem(row, column, item)
        if report.dry_run:
            text = (f"Nothing has been written yet. Of the bundle's {plural(report.memories, 'memory')}, the import would "
                    f"add {report.new:,}, replace {report.updated:,} of this vault's and leave {report.skipped:,} as "
                    f"they are; {report.conflicting:,} conflict with a memory already here.")
            if not report.new + report.updated:
                text += " With these choices there is nothing to import."
        else:
            text = (f"Imported: of the bundle's {plural(report.memories, 'memory')}, {report.new:,} were added, "
                    f"{report.updated:,} replaced this vault's and {report.skipped:,} were left as they were.")
        if report.held_elsewhere:
            text += (f" {plural(report.held_elsewhere, 'memory')} {'is' if report.held_elsewhere == 1 else 'are'} "
                     "already in another namespace here, and an import never moves one: choose “"
                     f"{dict(POLICIES)[ConflictPolicy.COPY]}” to add them as new memories.")
        if report.to_embed:
            text += (f" {report.to_embed:,} {'need' if report.dry_run else 'get'} new vectors from this vault's "
                     "model (another model made the bundle's), in the background.")
        if report.stamped_now:
            text += (f" {plural(report.stamped_now, 'memory')} came stamped more than a day ahead of this device's "
                     "clock: new ones are stamped now; ones already here are replaced only if you choose "
                     f"\"{dict(POLICIES)[ConflictPolicy.OVERWRITE]}\".")
        self._say(text)

    # -- importing ---------------------------------------------------------------------------------------

    def _on_buttons_accepted(self) -> None:
        if self.preview is None or self._importing:
            return
        self._importing = True
        self._run += 1
        run = self._run
        for widget in (self.policy, self.into_check, self.into, self.import_button):
            widget.setEnabled(False)
        token = self._begin("Checking the bundle…")
        options, passphrase, bundles, relay = self.options(dry_run=False), self._passphrase, \
            self._services.bundles, self.relay
        self._runner.run(lambda: bundles.import_bundle(Path(self.path), options, passphrase=passphrase,
                                                       progress=relay.report, cancelled=lambda: token.cancelled),
                         lambda report: self._on_import_finished(run, report),
                         lambda exc: self._on_failed(run, exc), owner=self)

    def _on_import_finished(self, _run: int, report: ImportReport) -> None:
        self._finish()
        self.cancel_button.setEnabled(True)
        if report.cancelled:
            self._say("Import cancelled: nothing was written, the vault is as it was.")
            self.policy.setEnabled(True)
            self.into_check.setEnabled(True)
            self.into.setEnabled(self.into_check.isChecked())
            self.import_button.setEnabled(self.preview is not None)
            return
        self._show_report(report)
        self.import_button.hide()
        self.cancel_button.setText("Close")
        self.imported.emit(report)

    def _on_failed(self, run: int, exc: MemvaultError) -> None:
        if run != self._run:
            return
        self._finish()
        self.cancel_button.setEnabled(True)
        if isinstance(exc, (PassphraseRequired, WrongBundlePassphrase)):
            self._ask_passphrase(again=isinstance(exc, WrongBundlePassphrase))
            return
        self._say(sentence(exc.message, "The bundle cannot be imported"), problem=True)
        self.policy.setEnabled(True)
        self.into_check.setEnabled(True)

    def _finish(self) -> None:
        self._token = None
        self._importing = False
        self.progress.stop()

    def _on_relay_progressed(self, stage: str, done: int, total: int) -> None:
        if self._token is not None and not self._token.cancelled:
            self.progress.update_stage(stage, done, total)

    def is_importing(self) -> bool:
        return self._importing

    # -- closing -----------------------------------------------------------------------------------------

    def _on_buttons_rejected(self) -> None:
        if self._importing and self._token is not None:
            # Stay open until the transaction has rolled back, then say so.
            self._token.cancel()
            self.progress.say("Cancelling: undoing what was imported so far…")
            self.cancel_button.setEnabled(False)
            return
        if self._token is not None:
            self._token.cancel()
        super().reject()

    def reject(self) -> None:
        self._on_buttons_rejected()
