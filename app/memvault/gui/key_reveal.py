"""The dialog that shows a new API key once: on one line, whole, selectable and copied by one button."""

from __future__ import annotations

import html

from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QLineEdit, QVBoxLayout, QWidget


class KeyRevealDialog(QDialog):
    """A new key for ``namespace``, shown in a read-only line field.

    A message box wrapped the key at its "-" however its text was marked up (its label's width is bounded),
    and a key selected by hand then came in two pieces; a line field never wraps and selects the key whole.
    """

    def __init__(self, namespace: str, secret: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New API key")
        self.note = QLabel(f"Key for <b>{html.escape(namespace)}</b>. Copy it now: it is not shown again.")
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
