"""Which processes have a vault open: a shared lock for each, an exclusive one to replace its files.

Every process that opens a vault's database (the server, the desktop app, a
command) holds a shared ``flock`` on ``vault.lock`` in the vault folder until
it closes it. Restoring a backup swaps the database file itself, so it takes
the lock exclusively and refuses while anyone holds it: a server that kept
its open file would go on acknowledging writes into the replaced file.

The lock dies with its process (a SIGKILL included), so it never goes stale.
Without ``fcntl`` (Windows) or in a folder that cannot be written, nothing is
locked: a read-only folder cannot be restored into anyway.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from memvault.domain.errors import VaultBusy

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

LOCK_NAME = "vault.lock"


def lock_path(home: Path) -> Path:
    return Path(home) / LOCK_NAME


def _open(home: Path) -> int | None:
    if fcntl is None:
        return None
    try:
        return os.open(lock_path(home), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except OSError:
        return None


class SharedHold:
    """This process's shared hold on a vault (released by :meth:`release`, or when the process ends)."""

    def __init__(self, home: Path) -> None:
        self._fd = _open(home)
        if self._fd is None:
            return
        try:
            fcntl.flock(self._fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._fd)
            self._fd = None
            raise VaultBusy(f"a backup is being restored into the vault in {home}; open it again when that "
                            "is done") from None

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor drops the lock
            self._fd = None


@contextlib.contextmanager
def exclusive(home: Path) -> Iterator[None]:
    """Hold the vault in ``home`` exclusively (no process has it open), or raise :class:`VaultBusy`."""
    fd = _open(home)
    if fd is None:
        yield
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise VaultBusy(
                f"the vault in {home} is open in another Memvault process (a server, the desktop app or a "
                "command): stop it, then restore the backup; nothing was changed") from None
        yield
    finally:
        os.close(fd)
