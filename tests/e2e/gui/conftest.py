"""Real Qt widgets (offscreen) over a real vault and the real model."""

from __future__ import annotations

import os
from pathlib import Path

# Before any QApplication exists: no display, and no OS keychain probing over D-Bus.
# The offscreen screen is a 1366x768 laptop, the smallest screen the window must fit.
if os.environ.get("QT_QPA_PLATFORM", "offscreen") == "offscreen":
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={Path(__file__).with_name('screen-1366x768.json')}"
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")

import pytest
import shiboken6
from PySide6.QtCore import QSettings

from memvault import heap
from memvault.api.server import start_api_server
from memvault.gui.app import DesktopApp
from tests.helpers import PASSPHRASE, fast_settings


@pytest.fixture(autouse=True)
def ui_settings_folder(tmp_path_factory):
    """Window geometry, page and the chosen port go to a fresh folder per test, never to the user's."""
    folder = tmp_path_factory.mktemp("qsettings")
    QSettings.setPath(QSettings.IniFormat, QSettings.UserScope, str(folder))
    return folder


@pytest.fixture(autouse=True)
def collection_handed_back():
    """A DesktopApp a test started hands garbage collection to the GUI thread's timer; the tests after it
    (which may run no event loop) get the interpreter's own collection back."""
    yield
    heap.stop_collecting_on_this_thread()


def start_desktop(qtbot, qapp, home, embedder, passphrase=PASSPHRASE):
    """A DesktopApp on a new vault in ``home``, unlocked through the create dialog."""
    settings = fast_settings(home, api_port=0, idle_lock_minutes=0)
    app = DesktopApp(qapp, settings, server_factory=start_api_server, use_tray=False)
    app._embedder = embedder
    app.start()
    qtbot.waitUntil(lambda: app.dialog is not None, timeout=10_000)
    app.dialog.passphrase.setText(passphrase)
    app.dialog.confirm.setText(passphrase)
    # The vault records the embedder's model, so that search reads its similarities on that model's scale.
    chosen = app.dialog.model.findData(getattr(getattr(embedder, "manifest", None), "name", None))
    if chosen >= 0:
        app.dialog.model.setCurrentIndex(chosen)
    app.dialog.buttons.accepted.emit()
    qtbot.waitUntil(lambda: app.window is not None and app.server is not None, timeout=30_000)
    return app


def stop_desktop(qtbot, app):
    """Lock the vault and wait until nothing of ``app`` runs or stays on screen."""
    if app.services is not None:
        with qtbot.waitSignal(app.locked, timeout=30_000):
            app.lock(then=lambda: None)
    # Results still on their way may start more work (a server that started during the lock is stopped).
    qtbot.waitUntil(lambda: not app.runner.is_busy(), timeout=30_000)
    parked = app.api.release()  # a server left answering "locked" by an earlier lock
    if parked is not None:
        parked.stop()
    close_windows(app)


@pytest.fixture
def desktop(qtbot, qapp, tmp_path, embedder):
    """A DesktopApp on a new vault, unlocked through the create dialog."""
    app = start_desktop(qtbot, qapp, tmp_path / "vault", embedder)
    yield app
    stop_desktop(qtbot, app)


@pytest.fixture
def themed(qapp):
    """The app's style sheet, as launching applies it (its paddings are what a fit is measured with), given back
    afterwards."""
    from memvault.gui.theme import apply_theme

    palette, sheet = qapp.palette(), qapp.styleSheet()
    apply_theme(qapp)
    yield
    qapp.setPalette(palette)
    qapp.setStyleSheet(sheet)


def close_windows(app):
    """Nothing of a finished test stays on screen: a leftover modal prompt would swallow the next test's keys."""
    for widget in (app.dialog, app.quick_capture, app.reporter.crash_dialog, app.reporter.storage_full_dialog,
                   app.reporter.error_box, app.api.offer, app.quit_question):
        if widget is not None and shiboken6.isValid(widget):
            widget.hide()
            widget.deleteLater()
    if app.tray is not None:
        app.tray.hide()
