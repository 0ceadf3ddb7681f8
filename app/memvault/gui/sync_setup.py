"""The sync set-up dialog: a target (folder, S3 or WebDAV), a test, the sync passphrase and the namespaces.

The same choices as ``memvault sync setup``. Credentials typed here go into the
target description that the sync service keeps inside the encrypted vault.
Testing and setting up reach the target, so both run on the TaskRunner.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from memvault.domain.errors import InvalidInput, MemvaultError
from memvault.domain.models import Namespace
from memvault.gui.tasks import TaskRunner
from memvault.gui.unlock import strength
from memvault.gui.widgets import problem_label
from memvault.service.container import Services
from memvault.gui.wording import plural, sentence
from memvault.service.sync import SyncStatus, TargetConfig

KINDS = ("Folder", "S3-compatible storage", "WebDAV")
#: Wide enough for the WebDAV placeholder URL, and for the paragraph to take three lines. With the spacings
#: below the dialog stays under 600 px tall in its tallest state (S3, the meter, a problem), on a 768-px screen
#: whose taskbar hid the buttons of the 673 px it reached.
DIALOG_WIDTH = 680
#: Between the form, the namespaces, the paragraph and the buttons; between the form's rows (px).
SPACING, ROW_SPACING = 10, 6
#: Four namespaces in view before the list scrolls (px).
NAMESPACES_HEIGHT = 90


def _secret() -> QLineEdit:
    edit = QLineEdit()
    edit.setEchoMode(QLineEdit.Password)
    return edit


class SyncSetupDialog(QDialog):
    """Choose where to sync and the sync passphrase; joining a target another device set up works the same way.

    Signals:
        set_up(SyncStatus): sync was set up (the dialog closes).
    """

    set_up = Signal(object)

    def __init__(self, services: Services, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Set up sync")
        self._services = services
        self._runner = runner
        self.kind = QComboBox()
        self.kind.setAccessibleName("Target kind")
        self.kind.addItems(KINDS)
        self.folder = QLineEdit()
        self.folder.setAccessibleName("Folder")
        self.folder.setPlaceholderText("a folder Syncthing, Dropbox or a NAS syncs")  # whole at the dialog's width
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._on_browse_clicked)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(browse)
        self.s3_url, self.s3_endpoint = QLineEdit(), QLineEdit()
        self.s3_url.setPlaceholderText("s3://bucket/prefix")
        self.s3_endpoint.setPlaceholderText("empty for AWS; https://… for B2, R2 or MinIO")
        self.s3_key, self.s3_secret = QLineEdit(), _secret()
        self.s3_key.setPlaceholderText("empty: the AWS environment or profile")
        self.dav_url, self.dav_user, self.dav_password = QLineEdit(), QLineEdit(), _secret()
        self.dav_url.setPlaceholderText("https://cloud.example.org/remote.php/dav/files/me/memvault")
        # One form for every row, so the labels share one column; the rows of the kinds not chosen are hidden
        # (a stack of pages kept the tallest page's height: a gap under the folder's one row).
        self.form = form = QFormLayout()
        form.setLabelAlignment(Qt.AlignRight | Qt.AlignVCenter)
        form.setFieldGrowthPolicy(QFormLayout.ExpandingFieldsGrow)
        form.setHorizontalSpacing(16)
        form.setVerticalSpacing(ROW_SPACING)
        form.addRow("Sync through", self.kind)
        #: The form rows of each kind (folder, S3, WebDAV), shown when that kind is chosen.
        self._kind_rows: list[list[int]] = []
        for rows in ((("Folder", folder_row),),
                     (("Bucket", self.s3_url), ("Endpoint", self.s3_endpoint), ("Access key id", self.s3_key),
                      ("Secret key", self.s3_secret)),
                     (("URL", self.dav_url), ("User", self.dav_user), ("Password", self.dav_password))):
            indexes = []
            for label, field in rows:
                form.addRow(label, field)
                indexes.append(form.rowCount() - 1)
            self._kind_rows.append(indexes)
        self.kind.currentIndexChanged.connect(self._on_kind_current_index_changed)
        self.passphrase, self.confirm = _secret(), _secret()
        self.passphrase.setAccessibleName("Sync passphrase")
        self.confirm.setAccessibleName("Repeat the sync passphrase")
        self.hint = QLabel()
        self.hint.setAccessibleName("Sync passphrase strength")
        self.passphrase.textChanged.connect(self._on_passphrase_text_changed)
        self.device_name = QLineEdit()
        self.device_name.setPlaceholderText("e.g. laptop (shown on your other devices)")
        form.addRow("Sync passphrase", self.passphrase)
        form.addRow("Repeat", self.confirm)
        self._repeat_row = form.rowCount() - 1
        form.addRow("", self.hint)
        self._hint_row = form.rowCount() - 1
        #: Test connection found a group on the target: the passphrase is its, checked there (not chosen here, so
        #: neither repeated nor rated). Any change of the target undoes it.
        self._joining = False
        for field in (self.folder, self.s3_url, self.s3_endpoint, self.dav_url):
            field.textChanged.connect(self._on_target_text_changed)
        form.setRowVisible(self._hint_row, False)  # no blank row before anything is typed
        form.addRow("This device", self.device_name)
        self.all_namespaces = QCheckBox("All namespaces")
        self.all_namespaces.setChecked(True)
        self.all_namespaces.toggled.connect(self._on_all_namespaces_toggled)
        self.namespaces = QListWidget()
        self.namespaces.setAccessibleName("Namespaces to sync")
        self.namespaces.setMaximumHeight(NAMESPACES_HEIGHT)
        self.other_namespaces = QLineEdit()
        self.other_namespaces.setAccessibleName("Other namespaces to sync")
        self.other_namespaces.setPlaceholderText("others, comma-separated (namespaces your other devices have)")
        scope = QGroupBox("Namespaces to sync")
        scope_box = QVBoxLayout(scope)
        for widget in (self.all_namespaces, self.namespaces, self.other_namespaces):
            scope_box.addWidget(widget)
        self._on_all_namespaces_toggled(True)
        self.message = QLabel(
            "The target only ever holds encrypted files. The sync passphrase is not your vault's: every "
            "device that joins needs it. If another device already syncs here, enter its sync passphrase. "
            "Namespaces you share with people stay out of device sync: each device joins them itself "
            "(File → Share namespace…).")
        self.message.setWordWrap(True)
        # Beneath the paragraph, never instead of it: what is missing (red, as in the other dialogs) or under way.
        self.status = problem_label("Sync setup status")
        self.test_button = QPushButton("Test connection")
        self._test_had_focus = False
        self.test_button.clicked.connect(self._on_test_button_clicked)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        setup = self.buttons.button(QDialogButtonBox.Ok)
        setup.setText("Set up")
        self.buttons.addButton(self.test_button, QDialogButtonBox.ActionRole)
        # Enter always sets up: a button that takes the focus (Cancel, once Test connection disabled itself
        # while testing) would otherwise take Enter with it and throw the form away.
        for button in (browse, self.test_button, self.buttons.button(QDialogButtonBox.Cancel)):
            button.setAutoDefault(False)
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setSpacing(SPACING)
        layout.addLayout(form)
        layout.addWidget(scope)
        layout.addWidget(self.message)
        # A problem or the news of a test sits beside the buttons, in the room they leave, not on a row of its own.
        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.buttons)
        layout.addLayout(bottom)
        # Always as tall as the rows it shows, whatever appears (a kind's rows, the meter, a problem): a resizable
        # dialog squeezed its fields when a problem appeared, and kept a gap when rows went.
        layout.setSizeConstraint(QLayout.SetFixedSize)
        margins = layout.contentsMargins()
        self.message.setMinimumWidth(DIALOG_WIDTH - margins.left() - margins.right())
        setup.setDefault(True)  # once inside the dialog: QDialog then returns to it (unlock.py)
        self._on_kind_current_index_changed(0)
        runner.run(services.stats.namespaces, self._on_namespaces_loaded, owner=self)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        # It grows downwards as rows and problems appear: its bottom and buttons stay above the taskbar.
        if self.isVisible() and self.screen() is not None:
            area, frame = self.screen().availableGeometry(), self.frameGeometry()
            if frame.bottom() > area.bottom():
                self.move(frame.left(), max(area.top(), frame.top() - (frame.bottom() - area.bottom())))

    def _set_joining(self, joining: bool) -> None:
        self._joining = joining
        self.form.setRowVisible(self._repeat_row, not joining)
        self.form.setRowVisible(self._hint_row, not joining and bool(self.passphrase.text()))

    def _on_target_text_changed(self, _text: str) -> None:
        if self._joining:
            self._set_joining(False)
        self._say("")  # what a test said was about the target as it was ("Choose a folder…" stayed beside one)

    def _on_kind_current_index_changed(self, index: int) -> None:
        self._say("")  # a problem with the kind left behind ("Choose a folder…") is not this one's
        self._set_joining(False)
        for kind, rows in enumerate(self._kind_rows):
            for row in rows:
                self.form.setRowVisible(row, kind == index)

    def _on_namespaces_loaded(self, namespaces: list[Namespace]) -> None:
        for ns in namespaces:
            item = QListWidgetItem(f"{ns.name}  ({plural(ns.memory_count, 'memory')})")
            item.setData(Qt.UserRole, ns.name)
            item.setFlags(item.flags() | Qt.ItemIsUserCheckable)
            item.setCheckState(Qt.Unchecked)
            self.namespaces.addItem(item)

    def _on_all_namespaces_toggled(self, checked: bool) -> None:
        # Hidden, not greyed: "All namespaces" ticked above a list of unticked ones read as a contradiction.
        self.namespaces.setVisible(not checked)
        self.other_namespaces.setVisible(not checked)

    def chosen_namespaces(self) -> list[str] | None:
        """The namespaces to sync (``None``: all); :class:`InvalidInput` when none is chosen."""
        if self.all_namespaces.isChecked():
            return None
        chosen = [self.namespaces.item(i).data(Qt.UserRole) for i in range(self.namespaces.count())
                  if self.namespaces.item(i).checkState() == Qt.Checked]
        chosen += [n.strip() for n in self.other_namespaces.text().split(",") if n.strip() and n.strip() not in chosen]
        if not chosen:
            raise InvalidInput("choose the namespaces to sync, or all namespaces", field="namespaces")
        return chosen

    def config(self) -> TargetConfig:
        """The target as typed; :class:`InvalidInput` names what is missing."""
        index = self.kind.currentIndex()
        if index == 0:
            folder = self.folder.text().strip()
            if not folder:
                raise InvalidInput("choose a folder to sync through", field="folder")
            return TargetConfig("folder", folder)
        if index == 1:
            url = self.s3_url.text().strip()
            if not url or url == "s3://":
                raise InvalidInput("enter the bucket: s3://bucket or s3://bucket/prefix", field="s3")
            if not url.startswith("s3://"):
                raise InvalidInput("the bucket is written s3://bucket or s3://bucket/prefix", field="s3")
            creds = {}
            if self.s3_key.text().strip():
                creds = {"AWS_ACCESS_KEY_ID": self.s3_key.text().strip(),
                         "AWS_SECRET_ACCESS_KEY": self.s3_secret.text()}
            return TargetConfig("s3", url, self.s3_endpoint.text().strip() or None, creds)
        url = self.dav_url.text().strip()
        if not url:
            raise InvalidInput("enter the WebDAV URL (https://…)", field="webdav")
        if not url.startswith(("http://", "https://")):
            raise InvalidInput("the WebDAV URL starts with https:// (or http:// on your own network)",
                               field="webdav")
        creds = {"user": self.dav_user.text(), "password": self.dav_password.text()} if self.dav_user.text() else {}
        return TargetConfig("webdav", url, None, creds)

    def _say(self, text: str, *, error: bool = False) -> None:
        self.status.setText(text)
        self.status.setStyleSheet("color:#c0392b" if error else "")
        self.status.setVisible(bool(text))

    def _on_browse_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder to sync through", self.folder.text())
        if folder:
            self.folder.setText(folder)

    def _on_test_button_clicked(self) -> None:
        try:
            config = self.config()
        except InvalidInput as exc:
            self._say(sentence(exc.message), error=True)
            return
        self._say("Testing…")
        # Disabled, it hands the keyboard to Cancel, where Space would throw the form away: it gets it back after.
        self._test_had_focus = self.test_button.hasFocus()
        self.test_button.setEnabled(False)

        sync, passphrase = self._services.sync, self.passphrase.text()
        self._runner.run(lambda: sync.test_target(config, passphrase or None),
                         lambda files: self._on_test_passed(files, bool(passphrase)), on_error=self._on_test_failed,
                         owner=self)

    def _test_ended(self) -> None:
        self.test_button.setEnabled(True)
        if self._test_had_focus:
            self.test_button.setFocus(Qt.OtherFocusReason)

    def _on_test_passed(self, files: int, checked_passphrase: bool = False) -> None:
        self._test_ended()
        self._set_joining(files > 0)
        if not files:
            self._say("The target answers. It is empty: this device starts the sync group.")
        elif checked_passphrase:
            self._say(f"The target answers. It holds {files} sync file(s), and the passphrase opens their key: this "
                      "device will join.")
        else:
            self._say(f"The target answers. It holds {files} sync file(s) already: this device will join with the "
                      "group's sync passphrase.")

    def _on_test_failed(self, error: MemvaultError) -> None:
        self._test_ended()
        # A folder is not asked anything: it is missing, refused or no place for sync files.
        lead = "This folder cannot be used" if self.kind.currentIndex() == 0 else "The target does not answer"
        self._say(sentence(error.message, lead), error=True)

    def _on_passphrase_text_changed(self, text: str) -> None:
        show_strength(self.hint, text)
        self.form.setRowVisible(self._hint_row, bool(text) and not self._joining)

    def _on_buttons_accepted(self) -> None:
        try:
            config = self.config()
            namespaces = self.chosen_namespaces()
        except InvalidInput as exc:
            self._say(sentence(exc.message), error=True)
            return
        passphrase = self.passphrase.text()
        if self._joining and not passphrase:
            self._say("Give the sync passphrase of the group on the target.", error=True)
            return
        if not self._joining and strength(passphrase)[0] == 0:
            self._say(f"{strength(passphrase)[1]} for the sync passphrase.", error=True)
            return
        if not self._joining and passphrase != self.confirm.text():
            self._say("The two sync passphrases differ.", error=True)
            return
        name = self.device_name.text().strip() or None
        self.buttons.setEnabled(False)
        self._say("Setting up (deriving the key, reaching the target)…")
        sync = self._services.sync
        self._runner.run(lambda: sync.setup(config, passphrase, device_name=name, namespaces=namespaces),
                         self._on_setup_finished, on_error=self._on_setup_failed, owner=self)

    def _on_setup_finished(self, status: SyncStatus) -> None:
        self.set_up.emit(status)
        self.accept()

    def _on_setup_failed(self, error: MemvaultError) -> None:
        self.buttons.setEnabled(True)
        self._say(sentence(error.message), error=True)


def show_strength(label: QLabel, text: str) -> None:
    """The vault's passphrase meter, for a sync passphrase (the same minimum applies)."""
    if not text:
        label.clear()
        return
    score, hint = strength(text)
    colour = ["#c0392b", "#d35400", "#b7950b", "#27ae60", "#1e8449"][score]
    label.setText(f"<span style='color:{colour}'>{'●' * score}{'○' * (4 - score)}  {hint}</span>")
