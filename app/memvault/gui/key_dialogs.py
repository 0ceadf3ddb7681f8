"""The new-key dialogs of the Agents page: what the key is for, then the key itself, shown once."""

from __future__ import annotations

import html

from PySide6.QtCore import Signal
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from memvault.gui.widgets import problem_label, show_problem


class KeyRevealDialog(QDialog):
    """A new key for ``namespace``, shown in a read-only line field.

    A message box wrapped the key at its "-" however its text was marked up (its label's width is bounded),
    and a key selected by hand then came in two pieces; a line field never wraps and selects the key whole.
    """

    def __init__(self, namespace: str, secret: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New API key")
        self.note = QLabel(f"Key for <b>{html.escape(namespace)}</b>. Copy it now: the Agents page's HTTP snippets hold "
                           "it until you leave the page, and then it is not shown again.")
        self.note.setWordWrap(True)
        self.key = QLineEdit(secret)
        self.key.setReadOnly(True)
        self.key.setAccessibleName("New API key")
        self.key.setFont(QFontDatabase.systemFont(QFontDatabase.FixedFont))
        self.key.setMinimumWidth(self.key.fontMetrics().horizontalAdvance(secret) + 24)
        self.key.setCursorPosition(0)
        self.buttons = QDialogButtonBox()
        self.copy_button = self.buttons.addButton("Copy and close", QDialogButtonBox.AcceptRole)
        self.buttons.accepted.connect(self._on_buttons_accepted)
        layout = QVBoxLayout(self)
        layout.addWidget(self.note)
        layout.addWidget(self.key)
        layout.addWidget(self.buttons)

    def _on_buttons_accepted(self) -> None:
        QGuiApplication.clipboard().setText(self.key.text())
        self.accept()


class NewKeyDialog(QDialog):
    """Namespace, name and scopes for a new key; open until the key is made, or :meth:`refuse` says why not.

    Signals:
        create_requested(str, str, str): OK, with the namespace, name and scopes chosen.
    """

    create_requested = Signal(str, str, str)

    def __init__(self, namespaces: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New API key")
        self.namespace = QComboBox()
        self.namespace.setEditable(True)
        self.namespace.addItems(namespaces or ["default"])
        self.namespace.setAccessibleName("Key namespace")
        self.name = QLineEdit()
        self.name.setAccessibleName("Key name")
        self.scopes = QComboBox()
        self.scopes.addItems(["read,write", "read", "read,write,admin"])
        self.scopes.setAccessibleName("Key scopes")
        form = QFormLayout(self)
        form.addRow("Namespace", self.namespace)
        form.addRow("Name", self.name)
        form.addRow("Scopes", self.scopes)
        self.problem = problem_label("New key problem")
        form.addRow(self.problem)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)

    def _on_buttons_accepted(self) -> None:
        ok = self.buttons.button(QDialogButtonBox.Ok)
        if not ok.isEnabled():
            return  # already on its way
        ok.setEnabled(False)
        self.create_requested.emit(self.namespace.currentText().strip(), self.name.text(), self.scopes.currentText())

    def refuse(self, message: str) -> None:
        """The key was not made: say why, with what was typed still there to correct."""
        self.buttons.button(QDialogButtonBox.Ok).setEnabled(True)
        show_problem(self.problem, message)
