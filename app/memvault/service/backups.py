"""Whole-vault backups: a consistent copy of the encrypted vault while it keeps serving, restoring one, and
backups on a schedule with a number kept.

A backup stays encrypted under the vault's own key and opens with the
passphrase the vault had when it was made (its key header travels with it).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from memvault.service.files import user_file
from memvault.vault import backup as files
from memvault.vault.vault import Vault

BackupInfo = files.BackupInfo
SUFFIX = files.SUFFIX


@dataclass(frozen=True)
class RestoreReport:
    """A restored backup: where the vault is now, and where the files it replaced were kept (if any)."""

    home: Path
    backup: BackupInfo
    replaced_kept_in: Path | None


class BackupService:
    """Backs up the open vault."""

    def __init__(self, vault: Vault) -> None:
        self._vault = vault

    def backup(self, target: Path) -> tuple[BackupInfo, float]:
        """Write a backup of the vault to ``target`` (agents and the app keep working meanwhile);
        returns what was written and the seconds it took."""
        started = time.perf_counter()
        with user_file(target, "write"):
            info = files.write_backup(self._vault.db, self._vault.data_key, self._vault.home, Path(target),
                                      self._vault.device_id)
        return info, time.perf_counter() - started


def inspect_backup(source: Path) -> BackupInfo:
    """Check a backup file from end to end (its digest) and describe it."""
    with user_file(source, "read"):
        return files.read_backup_info(Path(source))


def restore_backup(source: Path, home: Path, *, replace: bool = False) -> RestoreReport:
    """Make the backup at ``source`` the vault in ``home`` (the vault must be closed everywhere).

    Refuses to replace an existing vault unless ``replace`` is given; the
    replaced files are moved aside, not deleted.
    """
    info = inspect_backup(source)
    kept = files.restore_backup(Path(source), Path(home), replace=replace)
    return RestoreReport(Path(home), info, kept)


SCHEDULED_PREFIX = "memvault-"


class BackupSchedule:
    """Writes a backup into ``folder`` every ``interval`` seconds and keeps the newest ``keep`` of them.

    Its :meth:`step` is a loop of :mod:`memvault.service.background` (which retries
    and reports failures such as a full disk). Only files it names itself
    (``memvault-<time>.mvbackup``) are counted and deleted. The next backup is
    due one interval after the newest one in the folder, so restarting the app
    does not add one each time.
    """

    #: After unlocking, let the app start before the first backup that is due.
    FIRST_DELAY_SECONDS = 60.0

    def __init__(self, service: BackupService, folder: Path, *, interval: float, keep: int,
                 wall: Callable[[], float] = time.time) -> None:
        self._service = service
        self.folder = Path(folder)
        self._interval = max(60.0, float(interval))
        self._keep = max(1, int(keep))
        self._wall = wall

    def existing(self) -> list[Path]:
        """This schedule's backups in the folder, oldest first."""
        return sorted(self.folder.glob(f"{SCHEDULED_PREFIX}*{SUFFIX}"))

    def due_in(self) -> float:
        """Seconds until the next backup is due (0: now)."""
        found = self.existing()
        if not found:
            return 0.0
        return max(0.0, found[-1].stat().st_mtime + self._interval - self._wall())

    def run_once(self) -> Path:
        """Write one backup now and delete the oldest beyond ``keep``; returns the new file."""
        self.folder.mkdir(parents=True, exist_ok=True)
        name = time.strftime("%Y%m%d-%H%M%S", time.localtime(self._wall()))
        target = self.folder / f"{SCHEDULED_PREFIX}{name}{SUFFIX}"
        self._service.backup(target)
        for old in self.existing()[:-self._keep]:
            old.unlink(missing_ok=True)
        return target

    def step(self) -> float:
        """One turn of the loop: a backup if one is due; returns the seconds until the next is."""
        if self.due_in() <= 0:
            self.run_once()
        return max(1.0, self.due_in())
