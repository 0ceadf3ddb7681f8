"""Folder sync without waiting for the interval: notice another device's files within seconds.

A folder target (often a folder another program syncs, such as Syncthing or a
cloud drive) is polled cheaply while the desktop app runs: the names, sizes
and modification times of its files, every few seconds. A difference starts a
sync cycle at once. Other targets keep the background interval; polling a
remote server every few seconds would cost requests.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path

from memvault.domain.errors import MemvaultError

log = logging.getLogger(__name__)

POLL_SECONDS = 3.0
# The target is looked up again now and then (sync may be set up, changed or turned off meanwhile).
_RECHECK_TARGET_EVERY = 10


def folder_of(target: str | None) -> Path | None:
    """The folder of a target as :meth:`SyncService.status` describes it (``"folder /path"``), else ``None``."""
    if not target or not target.startswith("folder "):
        return None
    return Path(target[len("folder "):])


def fingerprint(folder: Path) -> frozenset[tuple[str, int, int]]:
    """Names, sizes and modification times of the folder's files (hidden ones left out, as the target does)."""
    found = set()
    try:
        for parent, dirs, files in os.walk(folder):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            for name in files:
                if not name.startswith("."):
                    try:
                        st = os.stat(os.path.join(parent, name))
                    except OSError:
                        continue
                    found.add((os.path.join(parent, name), st.st_size, st.st_mtime_ns))
    except OSError:
        return frozenset()
    return frozenset(found)


class FolderSyncWatch:
    """Polls a folder target on a thread of its own and syncs when its files change.

    Args:
        sync: the vault's sync service (``status()``, ``sync_now()``).
        on_error: told about a sync that failed (the service records it for the Sync page in any case).
    """

    def __init__(self, sync, *, interval: float = POLL_SECONDS,
                 on_error: Callable[[MemvaultError], None] | None = None) -> None:
        self._sync = sync
        self._interval = interval
        self._on_error = on_error
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._folder: Path | None = None
        self._seen: frozenset | None = None
        #: Cycles started because the folder changed (for tests and the curious).
        self.cycles = 0

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="memvault-folder-watch", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)
            self._thread = None

    def _loop(self) -> None:
        turn = 0
        while not self._stop.wait(self._interval if turn else 0):
            try:
                if turn % _RECHECK_TARGET_EVERY == 0:
                    folder = folder_of(self._sync.status().target)
                    if folder != self._folder:
                        self._folder, self._seen = folder, None
                self.poll()
            except MemvaultError as exc:
                if self._on_error is not None:
                    self._on_error(exc)
            except Exception as exc:  # noqa: BLE001 - a watcher must not die; the next turn tries again
                # The type only: an exception's text may quote a file or a memory.
                log.warning("the folder sync watch failed a turn (%s)", type(exc).__name__)
            turn += 1

    def poll(self) -> bool:
        """One look at the folder; syncs (and returns true) when its files changed since the last look."""
        if self._folder is None:
            return False
        now = fingerprint(self._folder)
        changed = self._seen is not None and now != self._seen
        self._seen = now
        if changed:
            self.cycles += 1
            self._sync.sync_now()
            self._seen = fingerprint(self._folder)  # this cycle's own uploads are not news
        return changed
