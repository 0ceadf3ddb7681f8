"""Starting the desktop app: the Qt application, the palette and the composition root."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication

from memvault.config import Settings
from memvault.gui.app import DesktopApp, ServerFactory, app_icon
from memvault.gui.preferences import apply_saved
from memvault.gui.single_instance import CAPTURE, SHOW, SingleInstance, signal_running, socket_name
from memvault.gui.termination import TerminationWatcher
from memvault.gui.theme import apply_theme


def run_gui(settings: Settings, server_factory: ServerFactory | None, argv: list[str] | None = None, *,
            capture: bool = False) -> int:
    """Run the desktop app until the user quits; returns the exit status.

    ``server_factory`` starts the agent API for an unlocked vault; the composition
    root (the CLI) passes it, so the GUI never imports the HTTP layer.
    """
    qapp = QApplication.instance() or QApplication(argv or sys.argv[:1])
    qapp.setApplicationName("Memvault")
    qapp.setDesktopFileName("memvault")
    qapp.setWindowIcon(app_icon())
    apply_theme(qapp)
    # Closing the window keeps the app in the tray; quitting is explicit.
    qapp.setQuitOnLastWindowClosed(False)
    name = socket_name(settings.home_path)
    if signal_running(name, CAPTURE if capture else SHOW):
        if not capture:
            print("Memvault is already running for this vault; its window is brought forward.")
        return 0
    instance = SingleInstance(name)
    desktop = DesktopApp(qapp, apply_saved(settings), server_factory=server_factory)
    instance.activation_requested.connect(desktop.on_launched_again)
    watcher = TerminationWatcher(qapp)
    watcher.termination_requested.connect(desktop.quit)
    desktop.start()
    try:
        return qapp.exec()
    finally:
        instance.close()
        watcher.close()
