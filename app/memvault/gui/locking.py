"""Locking: the idle lock's watch over the app's input, and what every lock closes off the GUI thread."""

from __future__ import annotations

import logging

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication

from memvault.domain.errors import MemvaultError
from memvault.gui.agent_api import RunningServer
from memvault.gui.detail import KeptEdit
from memvault.gui.window_state import WindowState, namespace_token
from memvault.service.container import Services
from memvault.service.sync_watch import FolderSyncWatch

log = logging.getLogger(__name__)

#: What the next unlock says when a lock could not store all of the edit on show (by the key the settings keep).
UNSAVED_NOTICES = {
    "metadata": "When Memvault locked, a memory's metadata was not a JSON object: its text and other fields "
                "were saved; the metadata edit was not saved.",
    "edit": "When Memvault locked, the edit of the memory on show could not be saved.",
}
#: Hashed with the vault's id: the notice is for the next unlock of this vault, not of another.
_UNSAVED_TOKEN = "unsaved edit"


class IdleLock(QObject):
    """A wait that every key press, click and wheel turn in the app starts again.

    Signals:
        timed_out(): the wait ran out with no input.
    """

    timed_out = Signal()

    def __init__(self, qapp: QApplication, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._qapp = qapp
        self.timer = QTimer(self, singleShot=True)
        self.timer.timeout.connect(self.timed_out)

    def arm(self, minutes: float) -> None:
        """Wait ``minutes`` (0: never lock)."""
        if minutes > 0:
            self.timer.start(round(minutes * 60_000))
            # The filter sees every event of the application (tens of thousands while a window is built):
            # installed only while an idle lock is armed (installing it again does not add a second one).
            self._qapp.installEventFilter(self)

    def wait_again(self) -> None:
        """The same wait once more, from now."""
        self.timer.start()

    def disarm(self) -> None:
        self.timer.stop()
        self._qapp.removeEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if event.type() in (QEvent.KeyPress, QEvent.MouseButtonPress, QEvent.Wheel) and self.timer.isActive():
            self.timer.start()
        return False


def close_vault(services: Services | None, watch: FolderSyncWatch | None, server: RunningServer | None,
                keep_port: bool, edit: KeptEdit | None = None) -> tuple[RunningServer | None, str | None]:
    """Store ``edit``, then stop what a lock stops (on a pool thread): the folder watch, the agent API, the vault.

    ``keep_port``: the server is kept answering "locked" on its port, for the unlock to come. Returns the
    server kept and why ``edit`` could not be stored (``None``: it was, or there was none).
    """
    not_stored = None
    if edit is not None and edit.update is not None and services is not None:
        try:
            services.memories.update(edit.memory_id, edit.update)
        except MemvaultError as exc:
            log.warning("storing the edit on show before the lock: %s", exc.code)
            not_stored = exc.message
    if watch is not None:
        watch.stop()
    parked = None
    if server is not None:
        if keep_port:
            try:
                server.lock()
                parked = server
            except Exception:  # noqa: BLE001 - the port could not be kept: close it rather than leak it
                log.warning("keeping the agent API port open while locked failed")
                server.stop()
        else:
            server.stop()
    if services is not None:
        try:
            services.close()
        except MemvaultError as exc:
            # The vault is locked in memory either way; the lock goes on.
            log.warning("closing the vault: %s", exc.code)
    return parked, not_stored


def remember_unsaved(state: WindowState, vault_id: str, edit: KeptEdit | None, not_stored: str | None) -> None:
    """Keep, for the next unlock (in this run or a later one), that the lock left part of ``edit`` unsaved."""
    what = "edit" if not_stored else "metadata" if edit is not None and edit.metadata_left_out else None
    if what is not None:
        state.note_unsaved_edit(namespace_token(_UNSAVED_TOKEN, vault_id), what)


def unsaved_notice(state: WindowState, vault_id: str) -> str | None:
    """What to tell after this unlock about an edit the last lock could not store (said once)."""
    return UNSAVED_NOTICES.get(state.take_unsaved_edit(namespace_token(_UNSAVED_TOKEN, vault_id)) or "")
