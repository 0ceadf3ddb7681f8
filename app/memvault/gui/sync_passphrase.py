"""Sync → Change sync passphrase…: the current and the new sync passphrase (twice).

The sync key stays the same: the service re-wraps it on the target, so the
other devices go on syncing, and a device that joins later needs the new one.
Re-wrapping derives keys and reaches the target, so it runs on the TaskRunner.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from memvault.domain.errors import MemvaultError
from memvault.gui.sync_setup import show_strength
from memvault.gui.tasks import TaskRunner
from memvault.gui.unlock import strength
from memvault.gui.widgets import problem_label
from memvault.service.container import Services
from memvault.gui.wording import sentence


def _secret(name: str) -> QLineEdit:
    edit = QLineEdit()
    edit.setEchoMode(QLineEdit.Password)
    edit.setAccessibleName(name)
    return edit


class SyncPassphraseDialog(QDialog):
    """Change the sync passphrase.

    Signals:
        passphrase_changed(): the target's key file now opens with the new passphrase (the dialog closes).
    """

    passphrase_changed = Signal()

    def __init__(self, services: Services, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Change sync passphrase")
        self._services = services
        self._runner = runner
        self.current = _secret("Current sync passphrase")
        self.new = _secret("New sync passphrase")
        self.repeat = _secret("Repeat the new sync passphrase")
        form = QFormLayout()
        form.addRow("Current", self.current)
        form.addRow("New", self.new)
        form.addRow("Repeat", self.repeat)
        self.hint = QLabel()
        self.hint.setAccessibleName("New sync passphrase strength")
        form.addRow("", self.hint)
        self.new.textChanged.connect(self._on_new_text_changed)
        self.message = QLabel("Your other devices keep syncing without it. A device that joins from now on "
                              "needs the new sync passphrase; the old one opens nothing new.")
        self.message.setWordWrap(True)
        # Beneath the paragraph, never instead of it: what is wrong (red, as in the other dialogs) or under way.
        self.status = problem_label("Sync passphrase status")
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        self.buttons.button(QDialogButtonBox.Ok).setText("Change")
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)

    def _say(self, text: str, *, error: bool = False) -> None:
        self.status.setText(text)
        self.status.setStyleSheet("color:#c0392b" if error else "")
        self.status.setVisible(bool(text))

    def _on_new_text_changed(self, text: str) -> None:
        show_strength(self.hint, text)

    def _on_buttons_accepted(self) -> None:
        old, new = self.current.text(), self.new.text()
        if not old or not new:
            self._say("Enter the current and the new sync passphrase.", error=True)
            return
        if new != self.repeat.text():
            self._say("The two new sync passphrases differ.", error=True)
            return
        if strength(new)[0] == 0:
            self._say(f"{strength(new)[1]} for the new sync passphrase.", error=True)
            return
        self.buttons.setEnabled(False)
        self._say("Changing (deriving keys, reaching the target)…")
        sync = self._services.sync
        self._runner.run(lambda: sync.change_passphrase(old, new), self._on_change_finished,
                         on_error=self._on_change_failed, owner=self)

    def _on_change_finished(self, _result: None) -> None:
        self.passphrase_changed.emit()
        self.accept()

    def _on_change_failed(self, error: MemvaultError) -> None:
        self.buttons.setEnabled(True)
        self._say(sentence(error.message), error=True)
