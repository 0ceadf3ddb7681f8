"""The main window's status bar: sync state, the agent API's address (or why it stopped) and a busy bar."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QProgressBar, QPushButton, QStatusBar

from memvault.gui.icons import icon
from memvault.gui.wording import sentence


class StatusLine:
    """The permanent widgets of ``bar``; the window wires their signals (port button, busy, sync state)."""

    def __init__(self, bar: QStatusBar) -> None:
        self._bar = bar
        self.api_status = QLabel()
        self.api_status.setAccessibleName("Agent API status")
        self.api_port_button = QPushButton(icon("port"), "Use another port…")
        self.api_port_button.setAccessibleName("Use another port for the agent API")
        self.api_port_button.setFlat(True)
        self.api_port_button.setVisible(False)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(120)
        self.busy.setVisible(False)
        self.busy.setAccessibleName("Working")
        self.sync_status = QLabel()
        self.sync_status.setAccessibleName("Sync status")
        for widget in (self.sync_status, self.api_status, self.api_port_button, self.busy):
            bar.addPermanentWidget(widget)

    def api_running(self, url: str) -> None:
        self.api_status.setText(f"Agent API: {url}")
        self.api_status.setStyleSheet("")
        self.api_port_button.setVisible(False)

    def api_stopped(self, reason: str, *, offer_other_port: bool) -> None:
        self.api_status.setText(sentence(reason, "Agent API stopped"))
        self.api_status.setStyleSheet("color:#c0392b")
        self.api_port_button.setVisible(offer_other_port)
        self._bar.showMessage(sentence(reason, "The agent API could not start"), 15_000)
