"""The desktop application: vault gate, main window, tray, agent API, idle lock."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox, QSystemTrayIcon

from memvault.config import Settings
from memvault.domain.errors import MemvaultError, WrongPassphrase
from memvault.gui.agent_api import AgentApi, RunningServer, ServerFactory
from memvault.gui.banner import HealthStatus, HealthWatch
from memvault.gui.bridge import ServiceBridge
from memvault.gui.collector import GuiThreadCollector
from memvault.gui.locking import IdleLock, close_vault, remember_unsaved, unsaved_notice
from memvault.gui.main_window import MainWindow
from memvault.gui.paint_watch import PaintWatch
from memvault.gui.reporting import ErrorReporter
from memvault.gui.tasks import TaskRunner
from memvault.gui.quit_question import quit_question
from memvault.gui.preferences import SettingsDialog, save_setting
from memvault.gui.tray import STAY_UNLOCKED, QuickCapture, Tray, tray_message
from memvault.gui.unlock import CreateVaultDialog, UnlockDialog
from memvault.gui.window_state import WindowState
from memvault.gui.wording import sentence
from memvault.service import keychain
from memvault.service.models import ModelService
from memvault.service.sync_watch import FolderSyncWatch
from memvault.service.container import (
    Embedder,
    Services,
    create_vault,
    load_embedder,
    open_vault,
    open_vault_with_key,
    vault_exists,
)

__all__ = ["DesktopApp", "ServerFactory", "app_icon", "resources_root", "tray_message"]


def resources_root() -> Path:
    """``resources/``, in a checkout or inside an installed wheel."""
    installed = Path(__file__).resolve().parent.parent / "_resources"
    return installed if installed.is_dir() else Path(__file__).resolve().parents[3] / "resources"


def app_icon() -> QIcon:
    return QIcon(str(resources_root() / "icons" / "memvault.svg"))


class DesktopApp(QObject):
    """Owns the unlocked :class:`Services` and everything that shows them.

    With a tray icon the app outlives its windows: closing the window or
    dismissing the unlock prompt after a lock leaves it running, locked, in the
    tray. Without one, dismissing the prompt quits.

    Signals:
        unlocked(): the vault was opened and the main window shown.
        locked(): the vault was closed and nothing of it is on screen.
    """

    unlocked = Signal()
    locked = Signal()

    def __init__(self, qapp: QApplication, settings: Settings, *, server_factory: ServerFactory | None = None,
                 use_tray: bool = True, window_state: WindowState | None = None,
                 health_check: Callable[[Services], HealthStatus] | None = None) -> None:
        """``health_check(services)`` says whether the vault can write and its background loops run
        (the service's own health check unless a test gives another); the window shows a banner while it does not."""
        super().__init__()
        self._health_check = health_check or (lambda services: services.health.check())
        self.qapp = qapp
        self.settings = settings
        self.state = window_state if window_state is not None else WindowState()
        self.runner = TaskRunner(self)
        self.collector = GuiThreadCollector(self)
        self.reporter = ErrorReporter(self.runner, lambda: self.window or self.dialog,
                                      lambda: str(settings.home_path), self)
        self.reporter.vault_write_failed.connect(self._on_reporter_vault_write_failed)
        self.api = AgentApi(self.runner, server_factory, settings, self.state, self)
        self.api.started.connect(self._on_api_started)
        self.api.failed.connect(self._on_api_failed)
        self.services: Services | None = None
        self.window: MainWindow | None = None
        self.dialog: UnlockDialog | CreateVaultDialog | None = None
        self._embedder: Embedder | None = None
        self._embedder_lock = threading.Lock()
        self._bridge: ServiceBridge | None = None
        self._told_about_tray = False
        self.folder_watch: FolderSyncWatch | None = None
        self._ever_unlocked = False
        self._quitting = False
        self.quit_question: QMessageBox | None = None  # "Quit Memvault?" (a prompt dismissed with no tray)
        #: The memory whose edit the last lock stored (the notice after unlock offers to show it).
        self._kept_memory: str | None = None
        self.quick_capture = QuickCapture(self.runner)
        self.quick_capture.extraction_skipped.connect(self._on_quick_capture_extraction_skipped)
        self.tray: Tray | None = None
        if use_tray and QSystemTrayIcon.isSystemTrayAvailable():
            self.tray = Tray(app_icon(), self)
            self.tray.capture_requested.connect(self._on_tray_capture_requested)
            self.tray.open_requested.connect(self._on_tray_open_requested)
            self.tray.lock_requested.connect(self.lock)
            self.tray.quit_requested.connect(self.quit)
            self.tray.messageClicked.connect(self._on_tray_message_clicked)
            self.tray.set_locked(True)
            self.tray.show()
        self.idle = IdleLock(qapp, self)
        self.idle.timed_out.connect(self._on_idle_timed_out)

    @property
    def server(self) -> RunningServer | None:
        """The running agent API, if any."""
        return self.api.server

    # -- the vault gate ----------------------------------------------------------

    def start(self) -> None:
        """Probe the vault folder and the keychain off the GUI thread, then ask the user."""
        self.collector.start()
        home = self.settings.home_path

        def probe() -> tuple[bool, bool, bytes | None, list[tuple[str, str]]]:
            exists = vault_exists(self.settings)
            models = [] if exists else [(m.name, m.summary) for m in ModelService.available()]
            return exists, keychain.available(), keychain.load(home) if exists else None, models

        self.runner.run(probe, self._on_probed)
        # The model (ONNX session, tokenizer, sha256 check) loads while the user types; a failure
        # is reported when the unlock needs the model.
        self.runner.run(self._embedder_once, lambda _e: None, lambda _exc: None)

    def _embedder_once(self) -> Embedder:
        # Loaded ahead while the dialog is on screen; the unlock task may get here first.
        with self._embedder_lock:
            if self._embedder is None:
                self._embedder = load_embedder(self.settings)
            return self._embedder

    def _on_probed(self, probed: tuple[bool, bool, bytes | None, list[tuple[str, str]]]) -> None:
        exists, has_keychain, stored_key, models = probed
        if exists and stored_key:
            self.runner.run(lambda: open_vault_with_key(self.settings, stored_key, self._embedder_once()),
                            self._on_services_ready, self._on_auto_unlock_failed)
        elif exists:
            self._ask_passphrase()
        else:
            self.dialog = CreateVaultDialog(str(self.settings.home_path), has_keychain, models=models)
            self.dialog.submitted.connect(self._on_create_submitted)
            self.dialog.rejected.connect(self._on_dialog_rejected)
            self.dialog.show()

    def _ask_passphrase(self, message: str | None = None, *, show: bool = True) -> None:
        if self.dialog is not None:
            self.dialog.deleteLater()  # a prompt dismissed before
        self.dialog = UnlockDialog(str(self.settings.home_path))
        self.dialog.submitted.connect(self._on_unlock_submitted)
        self.dialog.rejected.connect(self._on_dialog_rejected)
        if message:
            self.dialog.show_error(message)
        if show:
            self.dialog.show()

    def _on_auto_unlock_failed(self, exc: MemvaultError) -> None:
        keychain.forget(self.settings.home_path)
        self._ask_passphrase("Automatic unlock failed; enter the passphrase.")

    def _on_unlock_submitted(self, passphrase: str) -> None:
        self.runner.run(lambda: open_vault(self.settings, passphrase, self._embedder_once()),
                        self._on_services_ready, self._on_unlock_failed)

    def _on_unlock_failed(self, exc: MemvaultError) -> None:
        if self.dialog is not None:
            text = "Wrong passphrase. Try again." if isinstance(exc, WrongPassphrase) else sentence(exc.message)
            self.dialog.show_error(text)

    def _on_create_submitted(self, passphrase: str) -> None:
        dialog = self.dialog
        remember = isinstance(dialog, CreateVaultDialog) and dialog.auto_unlock.isChecked()
        model = dialog.model_name() if isinstance(dialog, CreateVaultDialog) else None

        def create() -> Services:
            services = create_vault(self.settings, passphrase, self._embedder_once(), model=model)
            if remember:
                services.remember_in_keychain()
            return services

        self.runner.run(create, self._on_services_ready, self._on_unlock_failed)

    def _on_dialog_rejected(self) -> None:
        if self.services is not None or self._quitting:
            return
        if self.tray is not None and self._ever_unlocked:
            # Dismissing the prompt after a lock keeps the app locked in the tray; Open asks again.
            return
        if self._ever_unlocked:
            # No tray to stay in: dismissed after a lock, the prompt quit the app and its agent API. Asked first.
            self.quit_question = quit_question(self._on_quit_question_finished)
            return
        self.quit()

    def _on_quit_question_finished(self, quit_chosen: bool) -> None:
        self.quit_question.deleteLater()
        self.quit_question = None
        if quit_chosen:
            self.quit()
        else:
            self._ask_passphrase()

    # -- unlocked ------------------------------------------------------------------

    def _on_services_ready(self, services: Services) -> None:
        if self.dialog is not None:
            self.dialog.hide()
            self.dialog.deleteLater()
            self.dialog = None
        self.services = services
        self._embedder = services.embedder  # the vault's model from now on; no lock: every load ended before this
        self._ever_unlocked = True
        self._bridge = ServiceBridge(services.events, self, runner=self.runner, changes_made=services.stats.changes_made)
        self.window = MainWindow(services, self.runner, self._bridge, self.state)
        self.window.setWindowIcon(app_icon())
        self.window.lock_requested.connect(self.lock)
        self.window.quit_requested.connect(self.quit)
        self.window.close_requested.connect(self._on_window_close_requested)
        self.window.api_port_change_requested.connect(self._on_window_api_port_change_requested)
        self.window.capture_requested.connect(self._on_tray_capture_requested)
        self.window.settings_requested.connect(self.open_settings)
        self.window.setting_changed.connect(lambda name, value: self.change_settings({name: value}))
        self.window.show()
        # The keyboard follows the passphrase into the window (no window manager need hand it over).
        self.window.raise_()
        self.window.activateWindow()
        self.window.focus_current_page()
        notice = unsaved_notice(self.state, services.device_id)
        if notice is not None:
            self.window.browser.show_lasting_notice(notice, self._kept_memory)
        if self.tray is not None:
            self.tray.set_locked(False)
        check = self._health_check
        health = HealthWatch(self.runner, lambda: check(services), parent=self.window)
        health.changed.connect(self._on_health_changed)
        health.start()
        # Start the API once the first page has been painted: importing and starting
        # the web stack on another thread holds the GIL for ~0.5 s, which would
        # otherwise land between the first page arriving and reaching the screen.
        browser = self.window.browser

        def on_first_page() -> None:
            browser.model.loaded.disconnect(on_first_page)
            PaintWatch(browser.table.viewport(), lambda: self._on_first_page_painted(services), self)

        browser.model.loaded.connect(on_first_page)
        # A folder target is watched while the app runs: another device's changes arrive in seconds.
        self.folder_watch = FolderSyncWatch(services.sync)
        self.folder_watch.start()
        self._arm_idle_lock()
        self.unlocked.emit()

    def _on_first_page_painted(self, services: Services) -> None:
        if self.services is not services or self.window is None:
            return  # locked meanwhile
        self.api.start(services)
        self.window.reembedding.check_stale()

    def _on_api_started(self, url: str) -> None:
        if self.window is not None:
            self.window.show_api_running(url)

    def _on_api_failed(self, reason: str, free_port: int) -> None:
        if self.window is not None:
            self.window.show_api_stopped(reason, offer_other_port=free_port > 0)
        if self.tray is not None:
            hint = " Click here to use another port." if free_port else ""
            self.tray.showMessage("Memvault: agent API not running", sentence(reason, "The agent API is stopped") + hint,
                                  QSystemTrayIcon.Warning, 10_000)
        if free_port and self.window is not None and self.window.isVisible():
            self.api.offer_other_port(self.window)

    def _on_window_api_port_change_requested(self) -> None:
        self.api.offer_other_port(self.window)

    def _on_tray_message_clicked(self) -> None:
        self._on_tray_open_requested()
        if self.window is not None:
            self.api.offer_other_port(self.window)

    def _on_health_changed(self, ok: bool, reason: str) -> None:
        if self.window is not None:
            if ok:
                self.window.banner.clear()
            else:
                self.window.banner.show_problem(reason)

    def _on_reporter_vault_write_failed(self, reason: str) -> None:
        if self.window is not None:
            self.window.banner.show_problem(reason)

    def _on_window_close_requested(self) -> None:
        if self.tray is None:
            self.quit()
            return
        if self.window is not None:
            self.window.save_state()
            self.window.hide()
        if not self._told_about_tray:
            self._told_about_tray = True
            self.tray.showMessage("Memvault", tray_message(self.settings), app_icon(), 8000)

    def on_launched_again(self, command: str) -> None:
        """Another launch of this vault asked for the window (``show``) or Quick capture (``capture``)."""
        if command == "capture":
            self._on_tray_capture_requested()
        else:
            self._on_tray_open_requested()

    def _on_quick_capture_extraction_skipped(self, reason: str) -> None:
        text = f"Captured. {sentence(reason)}"
        if self.window is not None:
            self.window.statusBar().showMessage(text, 15_000)
        elif self.tray is not None:
            self.tray.showMessage("Memvault", text, app_icon(), 8000)

    def _on_tray_open_requested(self) -> None:
        if self.window is not None:
            self.window.show()
            self.window.raise_()
            self.window.activateWindow()
        elif self.dialog is not None:
            self.dialog.show()
            self.dialog.raise_()
            self.dialog.activateWindow()

    def _on_tray_capture_requested(self) -> None:
        if self.services is None:
            self._on_tray_open_requested()
            return
        self.runner.run(self.services.stats.namespaces,
                        lambda ns: self.quick_capture.open_for(self.services, [n.name for n in ns]))

    # -- locking ---------------------------------------------------------------------

    def lock(self, then: Callable[[], Any] | None = None) -> None:
        """Close the vault; nothing of it stays on screen. ``then`` runs afterwards.

        Without ``then``, the unlock prompt follows: on screen if the window was,
        else kept for the tray's Open (an idle lock of a window hidden in the
        tray does not pop up a prompt).
        """
        if self.services is None and then is None:
            self._on_tray_open_requested()  # already locked: just bring the prompt forward
            return
        services = self.services
        self.services = None
        watch, self.folder_watch = self.folder_watch, None
        server = self.api.detach()
        # A lock the user will come back to keeps the port, answering "locked"; quitting closes it.
        keep_port = then is None and server is not None and hasattr(server, "lock")
        self.idle.disarm()
        self.quick_capture.forget_vault()
        prompt_on_screen = self.tray is None or (self.window is not None and self.window.isVisible())
        # The edit on show is stored without the pane (hidden, it could not say why its metadata was refused).
        kept = self.window.browser.detail.edit_to_keep() if self.window is not None else None
        if self.window is not None:
            self.window.save_state()
            self.window.hide()
            self.window.deleteLater()
            self.window = None
        if self._bridge is not None:
            self._bridge.close()
            self._bridge.deleteLater()
            self._bridge = None
        if self.tray is not None:
            self.tray.set_locked(True)

        def on_closed(result: tuple[RunningServer | None, str | None]) -> None:
            parked, not_stored = result
            if parked is not None:
                self.api.park(parked)
            if services is not None:
                remember_unsaved(self.state, services.device_id, kept, not_stored)
            self._kept_memory = kept.memory_id if kept is not None else None
            self._on_locked(then, prompt_on_screen)

        self.runner.run(lambda: close_vault(services, watch, server, keep_port, kept), on_closed)

    def _on_locked(self, then: Callable[[], Any] | None, prompt_on_screen: bool) -> None:
        self.locked.emit()
        if then is not None:
            then()
        else:
            self._ask_passphrase(show=prompt_on_screen)

    def quit(self) -> None:
        self._quitting = True  # the prompt closed on the way out is no "dismissed": nothing is asked then
        if self.services is not None:
            self.lock(then=self.quit)
            return
        parked = self.api.release()
        if parked is not None:
            self.runner.run(parked.stop)
        # Tasks still running (an API server stopping after a lock) finish before the process ends.
        self.runner.wait()
        self.collector.stop()
        if self.tray is not None:
            self.tray.hide()
        self.qapp.quit()

    # -- settings ---------------------------------------------------------------------

    def open_settings(self) -> None:
        self.settings_dialog = SettingsDialog(self.settings, self.window)
        self.settings_dialog.settings_changed.connect(self.change_settings)
        self.settings_dialog.open()

    def change_settings(self, changed: dict) -> None:
        """Keep ``changed`` for later launches and apply what applies at once (the idle lock)."""
        for name, value in changed.items():
            save_setting(name, value)
        self.settings = self.settings.with_overrides(**changed)
        self.api.use_settings(self.settings)
        if "idle_lock_minutes" in changed:
            self.idle.disarm()
            self._arm_idle_lock()
        if self.window is not None and "idle_lock_agents" in changed:
            combo = self.window.agents.idle_lock_agents
            combo.setCurrentIndex(max(0, combo.findData(changed["idle_lock_agents"])))

    def _arm_idle_lock(self) -> None:
        if self.services is not None:
            self.idle.arm(self.settings.idle_lock_minutes)

    def _on_idle_timed_out(self) -> None:
        if self.services is None:
            return
        idle_ms = round(self.settings.idle_lock_minutes * 60_000)
        since = self.api.seconds_since_request()
        if self.settings.idle_lock_agents == STAY_UNLOCKED and since is not None and since * 1000 < idle_ms:
            # An agent worked within the idle time: wait once more (the lock comes one to two idle times
            # after the agent's last call; a key press here restarts the same wait).
            self.idle.wait_again()
            return
        self.lock()
