"""The "Share namespace" dialog: copy my person key, paste theirs, pick a role (``memvault share`` in a window),
or join with an invitation (``memvault share join``).

The first share of a namespace also needs a target (a folder, ``s3://bucket/prefix`` or a WebDAV URL). Reading
my key (made on first use), sharing and listing reach the vault or the target, so they run on the TaskRunner.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from memvault.domain.errors import JoinWouldShare, MemvaultError
from memvault.gui.tasks import TaskRunner
from memvault.service.container import Services
from memvault.service.share_info import ShareInfo, target_from_text
from memvault.gui.wording import sentence

ROLES = (("read", "Read only"), ("write", "Read and write"), ("admin", "Admin (adds and removes people)"))


class ShareDialog(QDialog):
    """Share a namespace with another person.

    Signals:
        shared(ShareInfo): the person was added (the invitation to send them is shown).
        joined(ShareInfo): this vault joined a shared namespace.
    """

    shared = Signal(object)
    joined = Signal(object)

    def __init__(self, services: Services, runner: TaskRunner, namespace: str | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Share namespace")
        self._services = services
        self._runner = runner
        self.my_key = QLineEdit()
        self.my_key.setReadOnly(True)
        self.my_key.setAccessibleName("Your person key")
        self.copy_key = QPushButton("Copy")
        self.copy_key.setAccessibleName("Copy your person key")
        self.copy_key.clicked.connect(self._on_copy_key_clicked)
        mine = QHBoxLayout()
        mine.addWidget(self.my_key, 1)
        mine.addWidget(self.copy_key)
        self.namespace = QLineEdit(namespace or "")
        self.their_key = QLineEdit()
        self.their_key.setPlaceholderText("mvperson1… (they get it from Share namespace… or `memvault share key`)")
        self.role = QComboBox()
        for value, label in ROLES:
            self.role.addItem(label, value)
        self.target = QLineEdit()
        self.target.setPlaceholderText("only the first time: a folder, s3://bucket/prefix or a WebDAV URL")
        self.endpoint = QLineEdit()
        self.endpoint.setPlaceholderText("S3 endpoint (MinIO, R2…), if any")
        form = QFormLayout()
        form.addRow("Your key", mine)
        form.addRow("Namespace", self.namespace)
        form.addRow("Their key", self.their_key)
        form.addRow("Role", self.role)
        form.addRow("Where", self.target)
        form.addRow("", self.endpoint)
        for label, widget in (("Namespace", self.namespace), ("Their person key", self.their_key),
                              ("Role", self.role), ("Target", self.target), ("S3 endpoint", self.endpoint)):
            widget.setAccessibleName(label)
        self.join_invite = QLineEdit()
        self.join_invite.setPlaceholderText("mvshare1:… (the invitation someone sent you)")
        self.join_invite.setAccessibleName("Invitation")
        self.join_target = QLineEdit()
        self.join_target.setPlaceholderText("the folder, s3://bucket/prefix or WebDAV URL they named")
        self.join_target.setAccessibleName("Target to join on")
        self.join_button = QPushButton("Join")
        self.join_button.clicked.connect(self._on_join_clicked)
        joining = QFormLayout()
        joining.addRow("Invitation", self.join_invite)
        joining.addRow("Where", self.join_target)
        joining.addRow("", self.join_button)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.invite = QPlainTextEdit()
        self.invite.setReadOnly(True)
        self.invite.setAccessibleName("Invitation to send")
        self.invite.setMaximumHeight(60)
        self.invite.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.Close)
        self.share_button = self.buttons.addButton("Share", QDialogButtonBox.AcceptRole)
        self.buttons.accepted.connect(self._on_share_clicked)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel("Or join a namespace someone shared with you:"))
        layout.addLayout(joining)
        layout.addWidget(self.message)
        layout.addWidget(self.invite)
        layout.addWidget(self.buttons)
        self.resize(640, self.sizeHint().height())
        sharing = services.sharing
        assert sharing is not None
        self._runner.run(sharing.my_key, self._on_my_key_read, self._on_failed, owner=self)

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt's name
        # Enter in the join section joins: the dialog's default button (Share) answered it, with an empty namespace.
        if event.key() in (Qt.Key_Return, Qt.Key_Enter) and self.focusWidget() in (self.join_invite,
                                                                                     self.join_target):
            if self.join_button.isEnabled():
                self.join_button.click()
            event.accept()
            return
        super().keyPressEvent(event)

    def _on_my_key_read(self, key: str) -> None:
        self.my_key.setText(key)
        self.my_key.setCursorPosition(0)  # its "mvperson1" start in view: setText leaves the end showing

    def _on_copy_key_clicked(self) -> None:
        QGuiApplication.clipboard().setText(self.my_key.text())
        self.message.setText("Your person key is copied: send it to whoever shares a namespace with you.")

    def _on_share_clicked(self) -> None:
        sharing = self._services.sharing
        assert sharing is not None
        namespace, key, role = self.namespace.text().strip(), self.their_key.text().strip(), self.role.currentData()
        where, endpoint = self.target.text().strip(), self.endpoint.text().strip() or None

        def share() -> ShareInfo:
            target = target_from_text(where, endpoint) if where else None
            return sharing.share(namespace, with_key=key or None, role=role, target=target)

        self.share_button.setEnabled(False)
        self.message.setText("Sharing…")
        self._runner.run(share, self._on_shared, self._on_failed, owner=self)

    def _on_join_clicked(self, _checked: bool = False, *, share_existing: bool = False) -> None:
        sharing = self._services.sharing
        assert sharing is not None
        invite, where = self.join_invite.text().strip(), self.join_target.text().strip()

        def join() -> ShareInfo:
            return sharing.join(invite, target_from_text(where), share_existing=share_existing)

        self.join_button.setEnabled(False)
        self.message.setText("Joining…")
        self._runner.run(join, self._on_joined, self._on_failed, owner=self)

    def _on_joined(self, info: ShareInfo) -> None:
        self.join_button.setEnabled(True)
        self.message.setText(f"You joined {info.namespace!r} ({info.role}); its memories are in the namespace "
                             "of that name.")
        self.joined.emit(info)

    def _on_shared(self, info: ShareInfo) -> None:
        self.share_button.setEnabled(True)
        others = sum(1 for m in info.members if not m.this_person)
        self.message.setText(f"{info.namespace!r} is shared with {others} other {'person' if others == 1 else 'people'}."
                             " Send them this invitation and the target; they join in Memvault's Share dialog (or "
                             "with `memvault share join`):")
        self.invite.setPlainText(info.invite)
        self.invite.show()
        self.their_key.clear()
        self.shared.emit(info)

    def _on_failed(self, exc: MemvaultError) -> None:
        self.share_button.setEnabled(True)
        self.join_button.setEnabled(True)
        self.message.setText(sentence(exc.message))
        if isinstance(exc, JoinWouldShare):
            answer = QMessageBox.question(self, "Share what is here?", f"{sentence(exc.message)}\n\nShare them "
                                          "with everyone in the namespace and join?",
                                          QMessageBox.Yes | QMessageBox.No, QMessageBox.No)
            if answer == QMessageBox.Yes:
                self._on_join_clicked(share_existing=True)
