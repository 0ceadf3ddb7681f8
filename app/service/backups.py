"""Whole-vault backups: a consistent copy of the encrypted vault while it keeps serving, and restoring one.

A backup stays encrypted under the vault's own key and opens with the
passphrase the vault had when it was made (its key header travels with it).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from app.vault import backup as files
from app.vault.vault import Vault

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
        info = files.write_backup(self._vault.db, self._vault.data_key, self._vault.home, Path(target),
                                  self._vault.device_id)
        return info, time.perf_counter() - started


def inspect_backup(source: Path) -> BackupInfo:
    """Check a backup file from end to end (its digest) and describe it."""
    return files.read_backup_info(Path(source))


def restore_backup(source: Path, home: Path, *, replace: bool = False) -> RestoreReport:
    """Make the backup at ``source`` the vault in ``home`` (the vault must be closed everywhere).

    Refuses to replace an existing vault unless ``replace`` is given; the
    replaced files are moved aside, not deleted.
    """
    info = files.read_backup_info(Path(source))
    kept = files.restore_backup(Path(source), Path(home), replace=replace)
    return RestoreReport(Path(home), info, kept)
