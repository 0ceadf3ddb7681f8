"""The window level of the desktop app: dialogs, geometry, tray, port, task errors, banner, icons."""

from __future__ import annotations

import dataclasses
import os
import socket
import subprocess
import sys

import httpx
import pytest
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPalette
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox, QSystemTrayIcon

from memvault.domain.errors import NotFound, StorageFull
from memvault.domain.models import MemoryCreate
from memvault.gui.banner import HealthWatch
from memvault.gui.bridge import REFRESH_INTERVAL_MS
from memvault.gui.icons import GLYPHS, icon
from memvault.gui.reporting import CrashDialog
from memvault.gui.tray import Tray
from memvault.gui.unlock import CreateVaultDialog, UnlockDialog
from tests.e2e.gui.conftest import close_windows
from tests.helpers import PASSPHRASE, ROOT, fast_settings


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


def test_icons_draw_the_glyphs_qtawesome_draws(qapp):
    # The reference: qtawesome itself, which the app no longer imports, with the colours it was given.
    import qtawesome

    palette = QGuiApplication.palette()
    colours = dict(color=palette.color(QPalette.Active, QPalette.WindowText),
                   color_disabled=palette.color(QPalette.Disabled, QPalette.WindowText),
                   # Selected keeps the text colour: the theme's selection is a light tint, not the highlight.
                   color_selected=palette.color(QPalette.Active, QPalette.WindowText))
    for name, glyph in GLYPHS.items():
        for mode in (QIcon.Normal, QIcon.Disabled, QIcon.Selected):
            for size in (16, 24):
                ours = icon(name).pixmap(QSize(size, size), mode).toImage()
                theirs = qtawesome.icon(glyph, **colours).pixmap(QSize(size, size), mode).toImage()
                assert ours == theirs, (name, mode, size)
    fixed = qtawesome.icon(GLYPHS["warning"], color="#b03a2e", color_disabled=colours["color_disabled"])
    for mode in (QIcon.Normal, QIcon.Disabled, QIcon.Selected):
        assert icon("warning", "#b03a2e").pixmap(QSize(20, 20), mode).toImage() == \
            fixed.pixmap(QSize(20, 20), mode).toImage(), mode


ICONS_CHILD = """
import sys
from PySide6.QtWidgets import QApplication
import memvault.gui.app
from memvault.gui.icons import GLYPHS, icon
qapp = QApplication([])
painted = [not icon(name).pixmap(24, 24).isNull() for name in GLYPHS]
print("painted", all(painted), "qtawesome imported", "qtawesome" in sys.modules)
"""


@pytest.mark.seconds
def test_the_app_draws_its_icons_without_importing_qtawesome():
    # Importing qtawesome and its first icon cost the app ~30 MB (Qt star-imports, eleven fonts).
    child = subprocess.run([sys.executable, "-c", ICONS_CHILD], cwd=ROOT, capture_output=True, text=True,
                           timeout=120, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert child.returncode == 0, child.stderr
    assert "painted True qtawesome imported False" in child.stdout


# -- the vault gate: focus, Enter, errors ------------------------------------------------


def _new_desktop(qapp, settings, embedder, **kwargs):
    from memvault.api.server import start_api_server
    from memvault.gui.app import DesktopApp

    app = DesktopApp(qapp, settings, server_factory=kwargs.pop("server_factory", start_api_server),
                     use_tray=kwargs.pop("use_tray", False), **kwargs)
    app._embedder = embedder
    return app


def _wait_for_dialog(qtbot, app, kind):
    qtbot.waitUntil(lambda: isinstance(app.dialog, kind) and app.dialog.isVisible(), timeout=10_000)
    dialog = app.dialog
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog, timeout=5_000)
    return dialog


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
    parked = app.api.release()
    if parked is not None:
        parked.stop()
    close_windows(app)


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


def test_enter_creates_the_vault_even_after_tab_went_round_past_cancel(qtbot, qapp, tmp_path, embedder):
    """Cancel stayed the default button once Tab had passed over it: Enter then cancelled and quit the app."""
    app = _new_desktop(qapp, fast_settings(tmp_path / "vault", api_port=0, idle_lock_minutes=0), embedder)
    app.start()
    dialog = _wait_for_dialog(qtbot, app, CreateVaultDialog)
    _type_into_focus(qtbot, PASSPHRASE)
    dialog.confirm.setText(PASSPHRASE)
    cancel = dialog.buttons.button(QDialogButtonBox.Cancel)
    passed_cancel = False
    for _ in range(20):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key_Tab)
        passed_cancel |= QApplication.focusWidget() is cancel
        if passed_cancel and QApplication.focusWidget() is dialog.passphrase:
            break
    assert passed_cancel and QApplication.focusWidget() is dialog.passphrase
    assert dialog.buttons.button(QDialogButtonBox.Ok).isDefault() and not cancel.isDefault()
    qtbot.keyClick(dialog.passphrase, Qt.Key_Return)
    try:
        qtbot.waitUntil(lambda: app.window is not None, timeout=30_000)
    finally:
        _finish(qtbot, app)


def test_create_dialog_judges_nothing_before_typing_and_keeps_its_intro(qtbot, tmp_path):
    dialog = CreateVaultDialog(str(tmp_path / "my vault"), keychain_available=False)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog, timeout=5_000)
    assert "Too short" not in dialog.hint.text() and dialog.hint.text() == ""
    assert not dialog.message.isVisible()
    intro = dialog.intro.text()
    assert "my vault" in intro and "no way to recover the memories without the passphrase" in intro
    qtbot.keyClicks(dialog.passphrase, "short")
    assert "Too short" in dialog.hint.text() and not dialog.message.isVisible()  # a hint, not yet an error
    dialog.confirm.setFocus()
    qtbot.keyClick(dialog.confirm, Qt.Key_Return)
    assert dialog.message.isVisible() and "at least" in dialog.message.text()
    assert "at least" not in dialog.hint.text() and "Too short" in dialog.hint.text()  # said once, not twice
    assert dialog.intro.isVisible() and dialog.intro.text() == intro
    qtbot.keyClicks(dialog.passphrase, " but now long enough")
    assert dialog.message.isVisible() and "differ" in dialog.message.text()
    qtbot.keyClicks(dialog.confirm, "short but now long enough")
    assert not dialog.message.isVisible() and dialog.message.text() == ""
    assert dialog.intro.text() == intro


# -- size, place and what is remembered ---------------------------------------------------


def _lock_and_unlock(qtbot, app):
    with qtbot.waitSignal(app.locked, timeout=30_000):
        app.lock()
    dialog = _wait_for_dialog(qtbot, app, UnlockDialog)
    dialog.passphrase.setText(PASSPHRASE)
    dialog.buttons.accepted.emit()
    qtbot.waitUntil(lambda: app.window is not None, timeout=30_000)


def test_window_fits_a_1366x768_screen_with_its_status_bar_visible(qtbot, desktop):
    window = desktop.window
    qtbot.waitExposed(window)
    screen = window.screen().availableGeometry()
    assert (screen.width(), screen.height()) == (1366, 768)
    assert screen.contains(window.frameGeometry()), (window.frameGeometry(), screen)
    assert window.minimumSizeHint().height() <= screen.height() and window.minimumSizeHint().width() <= screen.width()
    bar = window.statusBar()
    assert bar.isVisible()
    top_left = bar.mapToGlobal(bar.rect().topLeft())
    bottom_right = bar.mapToGlobal(bar.rect().bottomRight())
    assert screen.contains(top_left) and screen.contains(bottom_right)


def test_geometry_page_and_namespace_are_remembered_across_unlocks_and_launches(
        qtbot, qapp, desktop, embedder, ui_settings_folder):
    desktop.services.memories.create(MemoryCreate(content="a work note", namespace="work-secret-name"))
    window = desktop.window
    window.refresh_namespaces()
    sidebar = window.sidebar
    qtbot.waitUntil(lambda: any(sidebar.item(i).data(256) == "work-secret-name" for i in range(sidebar.count())),
                    timeout=10_000)
    window.setGeometry(40, 50, 1100, 640)
    sidebar.setCurrentItem(next(sidebar.item(i) for i in range(sidebar.count())
                                if sidebar.item(i).data(256) == "work-secret-name"))
    window.pages.setCurrentWidget(window.stats)
    _lock_and_unlock(qtbot, desktop)
    window = desktop.window
    qtbot.waitUntil(lambda: window.scope() == ("work-secret-name", False), timeout=10_000)
    assert window.pages.currentWidget() is window.stats
    assert (window.geometry().width(), window.geometry().height()) == (1100, 640)
    assert (window.geometry().x(), window.geometry().y()) == (40, 50)
    qtbot.waitUntil(lambda: window.browser.model.total == 1, timeout=10_000)
    # The namespace's name is vault data: the settings file holds a digest of it, not the name.
    files = list(ui_settings_folder.rglob("*.ini"))
    assert files and all("work-secret-name" not in f.read_text() for f in files)
    # A new launch (a second app object over the same settings) comes back the same way.
    window.pages.setCurrentWidget(window.agents)
    with qtbot.waitSignal(desktop.locked, timeout=30_000):
        desktop.lock(then=lambda: None)
    again = _new_desktop(qapp, desktop.settings, embedder)
    again.start()
    try:
        dialog = _wait_for_dialog(qtbot, again, UnlockDialog)
        dialog.passphrase.setText(PASSPHRASE)
        dialog.buttons.accepted.emit()
        qtbot.waitUntil(lambda: again.window is not None, timeout=30_000)
        qtbot.waitUntil(lambda: again.window.scope() == ("work-secret-name", False), timeout=10_000)
        assert again.window.pages.currentWidget() is again.window.agents
        assert again.window.geometry().size() == QSize(1100, 640)
    finally:
        _finish(qtbot, again)


# -- the tray, a locked app, a taken port ----------------------------------------------------


def _created_desktop(qtbot, qapp, embedder, settings, **kwargs):
    app = _new_desktop(qapp, settings, embedder, **kwargs)
    app.start()
    dialog = _wait_for_dialog(qtbot, app, CreateVaultDialog)
    dialog.passphrase.setText(PASSPHRASE)
    dialog.confirm.setText(PASSPHRASE)
    dialog.buttons.accepted.emit()
    qtbot.waitUntil(lambda: app.window is not None, timeout=30_000)
    return app


@pytest.fixture
def with_tray(monkeypatch):
    """A desktop with a system tray (the offscreen platform has none); tray messages are recorded."""
    messages = []
    monkeypatch.setattr(QSystemTrayIcon, "isSystemTrayAvailable", staticmethod(lambda: True))
    monkeypatch.setattr(Tray, "showMessage", lambda self, title, text, *a: messages.append((title, text)))
    return messages


def test_escape_on_the_prompt_after_a_tray_lock_keeps_the_app_locked_in_the_tray(
        qtbot, qapp, tmp_path, embedder, with_tray, monkeypatch):
    quits = []
    monkeypatch.setattr(qapp, "quit", lambda: quits.append(True))
    app = _created_desktop(qtbot, qapp, embedder, fast_settings(tmp_path / "vault", api_port=0, idle_lock_minutes=0),
                           use_tray=True)
    try:
        assert app.tray is not None
        qtbot.waitUntil(lambda: app.server is not None, timeout=30_000)
        url = app.server.url
        with qtbot.waitSignal(app.locked, timeout=30_000):
            app.tray.menu_actions["Lock"].trigger()
        dialog = _wait_for_dialog(qtbot, app, UnlockDialog)
        assert app.tray.toolTip() == "Memvault (locked)" and not app.tray.menu_actions["Lock"].isEnabled()
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key_Escape)
        qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5_000)
        desktop_runner_idle(qtbot, app)
        assert quits == [] and app.services is None and app.server is None
        # The agent API keeps its port while locked and says why it refuses (nothing of the vault is served).
        assert httpx.get(f"{url}/healthz", timeout=2).status_code == 423
        app.tray.menu_actions["Open Memvault"].trigger()  # now labelled "Unlock Memvault…"
        dialog = _wait_for_dialog(qtbot, app, UnlockDialog)
        _type_into_focus(qtbot, PASSPHRASE)
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key_Return)
        qtbot.waitUntil(lambda: app.window is not None and app.server is not None, timeout=30_000)
        assert quits == []
    finally:
        _finish(qtbot, app)


def test_an_idle_lock_of_a_window_hidden_in_the_tray_pops_up_nothing(qtbot, qapp, tmp_path, embedder, with_tray):
    app = _created_desktop(qtbot, qapp, embedder, fast_settings(tmp_path / "vault", api_port=0, idle_lock_minutes=0),
                           use_tray=True)
    try:
        app.window.close()  # to the tray
        assert app.window is not None and not app.window.isVisible()
        assert any("keeps running in the tray" in text for _title, text in with_tray)
        with qtbot.waitSignal(app.locked, timeout=30_000):
            app.idle.timer.start(50)
        assert isinstance(app.dialog, UnlockDialog) and not app.dialog.isVisible()
        app.tray.open_requested.emit()
        _wait_for_dialog(qtbot, app, UnlockDialog)
    finally:
        _finish(qtbot, app)


@pytest.mark.seconds
def test_activity_postpones_the_idle_lock_and_a_locked_app_stops_watching_events(qtbot, qapp, tmp_path, embedder):
    app = _created_desktop(qtbot, qapp, embedder, fast_settings(tmp_path / "vault", api_port=0, idle_lock_minutes=1))
    try:
        assert app.idle.timer.isActive() and app.idle.timer.interval() == 60_000
        app.idle.timer.start(400)  # armed as after unlock, with a shorter wait
        for _ in range(6):  # 0.9 s of typing: each key press starts the wait again
            qtbot.wait(150)
            qtbot.keyClick(app.window, Qt.Key_Shift)
        assert app.services is not None
        with qtbot.waitSignal(app.locked, timeout=5_000):
            pass  # no more keys: the lock comes
        filtered = []
        monkey = app.idle.eventFilter
        app.idle.eventFilter = lambda watched, event: filtered.append(event) or monkey(watched, event)
        qtbot.keyClick(app.dialog, Qt.Key_Shift)
        assert filtered == []  # the application-wide filter went with the lock
    finally:
        _finish(qtbot, app)


def desktop_runner_idle(qtbot, app):
    qtbot.waitUntil(lambda: not app.runner.is_busy(), timeout=30_000)


def test_without_a_tray_escape_on_the_first_prompt_quits(qtbot, qapp, tmp_path, embedder, monkeypatch):
    settings = fast_settings(tmp_path / "vault", api_port=0, idle_lock_minutes=0)
    first = _created_desktop(qtbot, qapp, embedder, settings)
    _finish(qtbot, first)
    quits = []
    monkeypatch.setattr(qapp, "quit", lambda: quits.append(True))
    app = _new_desktop(qapp, settings, embedder)
    app.start()
    try:
        _wait_for_dialog(qtbot, app, UnlockDialog)
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key_Escape)
        qtbot.waitUntil(lambda: quits == [True], timeout=5_000)
    finally:
        _finish(qtbot, app)


def test_a_taken_port_is_reported_and_another_is_offered(qtbot, qapp, tmp_path, embedder, with_tray):
    holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    taken = holder.getsockname()[1]
    settings = fast_settings(tmp_path / "vault", api_port=taken, idle_lock_minutes=0)
    try:
        app = _created_desktop(qtbot, qapp, embedder, settings, use_tray=True)
        try:
            window = app.window
            qtbot.waitUntil(lambda: app.api.offer is not None and app.api.offer.isVisible(), timeout=30_000)
            assert f"port {taken} is in use" in window.api_status.text() and window.api_port_button.isVisible()
            assert any(f"port {taken} is in use" in text for _title, text in with_tray)
            offer = app.api.offer
            assert f"Port {taken}" in offer.text()
            qtbot.mouseClick(app.api.use_port_button, Qt.LeftButton)
            qtbot.waitUntil(lambda: app.server is not None, timeout=30_000)
            port = int(app.server.url.rsplit(":", 1)[1])
            assert port != taken and f"Use port {port}" == app.api.use_port_button.text()
            assert httpx.get(f"{app.server.url}/healthz", timeout=5).status_code == 200
            assert window.api_status.text() == f"Agent API: {app.server.url}" and not window.api_port_button.isVisible()
            assert app.state.api_port_for(taken) == port and app.api.port() == port  # and at the next launch
        finally:
            _finish(qtbot, app)
    finally:
        holder.close()


# -- every task outcome is reported ---------------------------------------------------------

MARKER = "MEMORY-TEXT-MARKER-7f3a"


def _crash_in_the_database_layer():
    import sqlalchemy.exc

    content = MARKER  # a local that holds memory text must not reach the report
    try:
        raise sqlalchemy.exc.OperationalError(f"INSERT INTO memories VALUES ('{content}')", {"content": content},
                                              Exception(f"constraint failed: {content}"))
    except sqlalchemy.exc.OperationalError as exc:
        raise RuntimeError(f"could not store {content}") from exc


def _visible(kind):
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()]


def test_a_domain_error_reaches_the_callers_handler(qtbot, desktop):
    errors, done = [], []
    desktop.runner.run(lambda: desktop.services.memories.get("no-such-memory"), done.append, errors.append)
    qtbot.waitUntil(lambda: bool(errors), timeout=10_000)
    assert isinstance(errors[0], NotFound) and done == []
    qtbot.waitUntil(lambda: not desktop.runner.is_busy() and not desktop.window.busy.isVisible(), timeout=5_000)
    assert _visible(CrashDialog) == []


def test_a_domain_error_without_a_handler_is_shown(qtbot, desktop):
    desktop.runner.run(lambda: desktop.services.memories.get("no-such-memory"))
    qtbot.waitUntil(lambda: desktop.reporter.error_box is not None and desktop.reporter.error_box.isVisible(),
                    timeout=10_000)
    assert not desktop.runner.is_busy()
    text = desktop.reporter.error_box.text()  # the service's message, as a sentence
    assert text[:1].isupper() and text.endswith(".")


def test_a_bug_stops_the_busy_bar_and_shows_one_copyable_report_without_memory_text(qtbot, desktop, capfd):
    window = desktop.window
    qtbot.waitUntil(lambda: not desktop.runner.is_busy(), timeout=20_000)
    done = []
    desktop.runner.run(_crash_in_the_database_layer, done.append, done.append)
    desktop.runner.run(lambda: None, lambda _r: _crash_in_the_database_layer())  # a failing callback, too
    qtbot.waitUntil(lambda: desktop.reporter.crash_dialog is not None and desktop.reporter.crash_dialog.count == 2,
                    timeout=10_000)
    qtbot.waitUntil(lambda: not desktop.runner.is_busy(), timeout=5_000)
    assert not window.busy.isVisible() and done == []
    dialogs = _visible(CrashDialog)
    assert len(dialogs) == 1
    report = dialogs[0].report.toPlainText()
    assert MARKER not in report
    for expected in ("Memvault 0.1.0", "Python 3.", "Qt 6.", "sqlalchemy.exc.OperationalError", "builtins.RuntimeError",
                     "_crash_in_the_database_layer", "Traceback (most recent call last)"):
        assert expected in report, expected
    qtbot.mouseClick(dialogs[0].copy_button, Qt.LeftButton)
    assert QGuiApplication.clipboard().text() == report
    assert MARKER not in capfd.readouterr().err


def test_a_full_disk_shows_one_dialog_and_a_banner_and_reaches_the_handler(qtbot, desktop):
    window = desktop.window
    assert not window.banner.isVisible()
    handled = []

    def write():
        raise StorageFull("database or disk is full")

    desktop.runner.run(write, None, handled.append)
    desktop.runner.run(write, None, handled.append)
    qtbot.waitUntil(lambda: len(handled) == 2, timeout=10_000)
    boxes = [w for w in _visible(QMessageBox) if w.windowTitle() == "Disk full"]
    assert len(boxes) == 1 and "full" in boxes[0].text() and str(desktop.settings.home_path) in boxes[0].informativeText()
    assert window.banner.isVisible() and "full" in window.banner.text.text()
    assert not desktop.runner.is_busy()


def test_the_banner_follows_the_health_check(qtbot, qapp, tmp_path, embedder):
    @dataclasses.dataclass
    class Reason:
        message: str

    @dataclasses.dataclass
    class Status:
        ok: bool
        reasons: tuple = ()

    answers = {"status": Status(False, (Reason("the embedding worker has been failing since 12:00 (3 attempts, "
                                               "last error: storage_full); it keeps retrying"),))}
    seen = []

    def check(services):
        seen.append(services)
        return answers["status"]

    app = _created_desktop(qtbot, qapp, embedder, fast_settings(tmp_path / "vault", api_port=0, idle_lock_minutes=0),
                           health_check=check)
    try:
        banner = app.window.banner
        qtbot.waitUntil(lambda: banner.isVisible(), timeout=10_000)
        assert banner.text.text().startswith("The embedding worker has been failing") and seen[0] is app.services
        answers["status"] = Status(True)
        app.window.findChild(HealthWatch).check_now()
        qtbot.waitUntil(lambda: not banner.isVisible(), timeout=10_000)
    finally:
        _finish(qtbot, app)


# -- one change, one refresh ------------------------------------------------------------------


@pytest.mark.seconds
def test_one_new_memory_reloads_page_count_and_sidebar_once(qtbot, qapp, tmp_path, embedder, monkeypatch):
    # No background worker: the memory is embedded later, by hand, so "embedded" is a separate event.
    settings = fast_settings(tmp_path / "vault", api_port=0, idle_lock_minutes=0, worker=False)
    app = _created_desktop(qtbot, qapp, embedder, settings)
    try:
        services, window = app.services, app.window
        qtbot.waitUntil(lambda: window.browser.model.total == 0 and not app.runner.is_busy(), timeout=20_000)
        calls = {"list": 0, "count": 0, "namespaces": 0}

        def counted(name, fn):
            def wrapper(*args, **kwargs):
                calls[name] += 1
                return fn(*args, **kwargs)
            return wrapper

        monkeypatch.setattr(services.memories, "list", counted("list", services.memories.list))
        monkeypatch.setattr(services.memories, "count", counted("count", services.memories.count))
        monkeypatch.setattr(services.stats, "namespaces", counted("namespaces", services.stats.namespaces))
        capture = app.quick_capture
        capture.open_for(services, ["default"])
        qtbot.keyClicks(capture.text, "The user's cat is called Miso")
        with qtbot.waitSignal(capture.memory_captured, timeout=10_000):
            qtbot.keyClick(capture.text, Qt.Key_Return, Qt.ControlModifier)
        # Shown at once, not after a delay.
        qtbot.waitUntil(lambda: window.browser.model.total == 1, timeout=2_000)
        qtbot.wait(REFRESH_INTERVAL_MS * 2)
        services.worker.drain()  # the vector becomes ready: nothing any list shows changes
        qtbot.wait(REFRESH_INTERVAL_MS * 2)
        qtbot.waitUntil(lambda: not app.runner.is_busy(), timeout=10_000)
        assert calls == {"list": 1, "count": 1, "namespaces": 1}
        assert "default (1)" in [window.sidebar.item(i).text() for i in range(window.sidebar.count())]
    finally:
        _finish(qtbot, app)
