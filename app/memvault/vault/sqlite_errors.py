"""SQLite's failures as domain errors: what each result code means for the person using the vault.

A lock held too long (:class:`VaultBusy`), a full disk (:class:`StorageFull`),
an I/O error (:class:`StorageError`), a read-only folder
(:class:`VaultReadOnly`) and a damaged file (:class:`VaultCorrupt`). Statement
parameters never appear in an error (they may be memory text).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import sqlcipher3
from sqlalchemy.exc import DBAPIError

from memvault.domain.errors import (
    StorageError,
    StorageFull,
    VaultBusy,
    VaultCorrupt,
    VaultError,
    VaultReadOnly,
)

BUSY_TIMEOUT_MS = 15_000
#: An I/O error with less free space than this on the vault's disk is a full disk
#: (SQLite reports a -shm file it cannot grow as an I/O error, not as "full").
LOW_SPACE_BYTES = 1 << 20

# SQLite's primary result codes (the low byte of an extended code).
_BUSY, _LOCKED, _READONLY, _IOERR, _FULL, _CANTOPEN = 5, 6, 8, 10, 13, 14
#: A damaged file: the codes after which a connection is unusable.
CORRUPT, NOTADB = 11, 26


def damaged_message(path: Path) -> str:
    return (f"the vault file is damaged ({path.name} in {path.parent}): run `memvault check` to see what is "
            "affected (`memvault check --repair` fixes the search indexes), or restore the vault folder from a backup")


def full_message(path: Path) -> str:
    return (f"the disk holding the vault ({path.parent}) is full: nothing was written; "
            "free some space and try again (reading still works)")


def read_only_message(path: Path) -> str:
    return (f"the vault folder {path.parent} is read-only: memories can be listed and searched "
            "but not changed; make the folder writable to store or edit memories")


def classify(exc: BaseException, path: Path) -> VaultError | None:
    """The domain error for a SQLite failure, or ``None`` when it is not a storage problem (a bug, a constraint)."""
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    if not isinstance(orig, sqlcipher3.Error):
        return None
    primary = primary_code(exc)
    name = getattr(orig, "sqlite_errorname", None) or type(orig).__name__
    if primary in (_BUSY, _LOCKED):
        return VaultBusy(
            f"the vault is busy: another program has held its write lock for over {BUSY_TIMEOUT_MS // 1000} s; "
            "nothing was written, try again shortly")
    if primary == _FULL or (primary == _IOERR and _low_space(path)):
        return StorageFull(full_message(path), sqlite_error=name)
    if primary == _READONLY:
        return VaultReadOnly(read_only_message(path), sqlite_error=name)
    if primary in (CORRUPT, NOTADB):
        return VaultCorrupt(damaged_message(path), path=str(path), sqlite_error=name)
    if primary == _IOERR:
        return StorageError(
            f"the operating system could not read or write the vault's files in {path.parent} ({name}); "
            "check the disk, then run `memvault check`", sqlite_error=name)
    if primary == _CANTOPEN:
        return StorageError(f"the vault's files in {path.parent} cannot be opened ({name}); "
                            "check that the folder exists and is accessible", sqlite_error=name)
    return None


def primary_code(exc: BaseException) -> int | None:
    """SQLite's primary result code of a driver error (``None`` for anything else)."""
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    if not isinstance(orig, sqlcipher3.Error):
        return None
    code = getattr(orig, "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else _code_from_message(str(orig))


def _code_from_message(message: str) -> int | None:
    # Drivers without ``sqlite_errorcode`` only give SQLite's standard message text.
    known = {"database is locked": _BUSY, "database table is locked": _LOCKED, "disk is full": _FULL,
             "readonly database": _READONLY, "disk i/o error": _IOERR, "malformed": CORRUPT,
             "not a database": NOTADB, "unable to open": _CANTOPEN}
    lowered = message.lower()
    return next((code for words, code in known.items() if words in lowered), None)


def _low_space(path: Path) -> bool:
    try:
        return shutil.disk_usage(path.parent).free < LOW_SPACE_BYTES
    except OSError:
        return False


def folder_writable(path: Path) -> bool:
    """Whether the database and its folder can be written (the WAL and shm files live beside it).

    ``os.access`` honours read-only mounts and immutable files even for root.
    """
    files = [p for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists()]
    return os.access(path.parent, os.W_OK) and all(os.access(p, os.W_OK) for p in files)
