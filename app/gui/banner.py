"""A banner across the top of the main window for problems that concern the whole vault.

Used when the vault cannot be written (disk full, read-only folder, I/O errors)
or a background loop keeps failing: the user sees it wherever they are in the
window, and it goes away by itself once the vault is healthy again.
"""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QWidget

from app.gui.icons import icon

_STYLE = ("QFrame#healthBanner { background: #fdecea; border: 1px solid #e6a39c; border-radius: 4px; }"
          "QFrame#healthBanner QLabel { color: #611a15; }")


class HealthBanner(QFrame):
    """Hidden while all is well; otherwise a warning icon and the reason, in words the user can act on."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("healthBanner")
        # Fixed colours: the banner must read as a warning on light and dark palettes alike.
        self.setStyleSheet(_STYLE)
        self.setAccessibleName("Vault health")
        self._icon = QLabel()
        self._icon.setPixmap(icon("warning", "#b03a2e").pixmap(18, 18))
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setAccessibleName("Vault problem")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(self._icon)
        layout.addWidget(self.text, 1)
        self.setVisible(False)

    def show_problem(self, reason: str) -> None:
        self.text.setText(reason)
        self.setVisible(True)

    def clear(self) -> None:
        self.text.clear()
        self.setVisible(False)
