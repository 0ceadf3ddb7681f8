"""Starting the desktop app: the Qt application, the palette and the composition root."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication

from app.config import Settings
from app.gui.app import DesktopApp, app_icon


def api_server_factory(services, port: int):
    """Start the agent API for ``services`` on a background thread (runs off the GUI thread)."""
    from app.api.server import ApiServer

    server = ApiServer(services, port=port)
    server.start()
    return server


def run_gui(settings: Settings, argv: list[str] | None = None) -> int:
    """Run the desktop app until the user quits; returns the exit status."""
    qapp = QApplication.instance() or QApplication(argv or sys.argv[:1])
    qapp.setApplicationName("Memvault")
    qapp.setDesktopFileName("memvault")
    qapp.setWindowIcon(app_icon())
    # Closing the window keeps the app in the tray; quitting is explicit.
    qapp.setQuitOnLastWindowClosed(False)
    desktop = DesktopApp(qapp, settings, server_factory=api_server_factory)
    desktop.start()
    return qapp.exec()
