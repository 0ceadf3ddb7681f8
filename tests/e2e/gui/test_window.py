"""The window level of the desktop app: dialogs, geometry, tray, port, task errors, banner, icons."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPalette
from PySide6.QtWidgets import QApplication

from app.gui.icons import GLYPHS, icon
from app.gui.unlock import CreateVaultDialog, UnlockDialog
from tests.helpers import PASSPHRASE, fast_settings


def _dominant_colour(pixmap) -> str | None:
    image = pixmap.toImage()
    counts: dict[str, int] = {}
    for x in range(image.width()):
        for y in range(image.height()):
            colour = image.pixelColor(x, y)
            if colour.alpha() > 200:
                counts[colour.name()] = counts.get(colour.name(), 0) + 1
    return max(counts, key=counts.get) if counts else None


def test_icons_follow_the_palette_while_the_app_runs(qapp):
    for name in GLYPHS:
        assert _dominant_colour(icon(name).pixmap(24, 24)) is not None, name
    delete = icon("delete")
    original = QGuiApplication.palette()
    light, dark = QPalette(original), QPalette(original)
    light.setColor(QPalette.WindowText, QColor("#101010"))
    dark.setColor(QPalette.WindowText, QColor("#e6e6e6"))
    dark.setColor(QPalette.Disabled, QPalette.WindowText, QColor("#777777"))
    try:
        qapp.setPalette(light)
        assert _dominant_colour(delete.pixmap(32, 32)) == "#101010"
        qapp.setPalette(dark)
        assert _dominant_colour(delete.pixmap(32, 32)) == "#e6e6e6"
        assert _dominant_colour(delete.pixmap(QSize(32, 32), QIcon.Disabled)) == "#777777"
    finally:
        qapp.setPalette(original)


# -- the vault gate: focus, Enter, errors ------------------------------------------------


def _new_desktop(qapp, settings, embedder, **kwargs):
    from app.api.server import start_api_server
    from app.gui.app import DesktopApp

    app = DesktopApp(qapp, settings, server_factory=kwargs.pop("server_factory", start_api_server),
                     use_tray=kwargs.pop("use_tray", False), **kwargs)
    app._embedder = embedder
    return app


def _wait_for_dialog(qtbot, app, kind):
    qtbot.waitUntil(lambda: isinstance(app.dialog, kind) and app.dialog.isVisible(), timeout=10_000)
    qtbot.waitActive(app.dialog)
    return app.dialog


def _type_into_focus(qtbot, text):
    widget = QApplication.focusWidget()
    assert widget is not None
    qtbot.keyClicks(widget, text)
    return widget


def _finish(qtbot, app):
    if app.services is not None:
        with qtbot.waitSignal(app.locked, timeout=30_000):
            app.lock(then=lambda: None)
    qtbot.waitUntil(lambda: not app.runner.is_busy(), timeout=30_000)
    if app.dialog is not None:
        app.dialog.hide()


def test_typing_the_passphrase_and_enter_creates_then_unlocks(qtbot, qapp, tmp_path, embedder):
    app = _new_desktop(qapp, fast_settings(tmp_path / "vault", api_port=0, idle_lock_minutes=0), embedder)
    app.start()
    dialog = _wait_for_dialog(qtbot, app, CreateVaultDialog)
    assert QApplication.focusWidget() is dialog.passphrase
    _type_into_focus(qtbot, PASSPHRASE)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key_Return)  # on to the second field
    assert QApplication.focusWidget() is dialog.confirm and not dialog.message.isVisible()
    _type_into_focus(qtbot, PASSPHRASE)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key_Return)
    qtbot.waitUntil(lambda: app.window is not None, timeout=30_000)
    try:
        with qtbot.waitSignal(app.locked, timeout=30_000):
            app.lock()
        dialog = _wait_for_dialog(qtbot, app, UnlockDialog)
        assert QApplication.focusWidget() is dialog.passphrase
        _type_into_focus(qtbot, "not it")
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key_Return)
        qtbot.waitUntil(lambda: "Wrong passphrase" in dialog.message.text(), timeout=20_000)
        assert QApplication.focusWidget() is dialog.passphrase and dialog.passphrase.text() == ""
        assert "vault" in dialog.intro.text() and dialog.intro.isVisible()
        _type_into_focus(qtbot, PASSPHRASE)
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key_Enter)
        qtbot.waitUntil(lambda: app.window is not None, timeout=30_000)
    finally:
        _finish(qtbot, app)


def test_create_dialog_judges_nothing_before_typing_and_keeps_its_intro(qtbot, tmp_path):
    dialog = CreateVaultDialog(str(tmp_path / "my vault"), keychain_available=False)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert "Too short" not in dialog.hint.text() and dialog.hint.text() == ""
    assert not dialog.message.isVisible()
    intro = dialog.intro.text()
    assert "my vault" in intro and "no way to recover" in intro
    qtbot.keyClicks(dialog.passphrase, "short")
    assert "Too short" in dialog.hint.text() and not dialog.message.isVisible()  # a hint, not yet an error
    dialog.confirm.setFocus()
    qtbot.keyClick(dialog.confirm, Qt.Key_Return)
    assert dialog.message.isVisible() and "at least" in dialog.message.text()
    assert dialog.intro.isVisible() and dialog.intro.text() == intro
    qtbot.keyClicks(dialog.passphrase, " but now long enough")
    assert dialog.message.isVisible() and "differ" in dialog.message.text()
    qtbot.keyClicks(dialog.confirm, "short but now long enough")
    assert not dialog.message.isVisible() and dialog.message.text() == ""
    assert dialog.intro.text() == intro
