"""Checks on a vault's files from outside SQLite: is the database still the file this process opened, and
does its folder take writes.

A connection keeps its file open, so a vault folder deleted or replaced
(a restore from elsewhere, a sync tool, a user) under a running process would
take writes into a file nobody reads again; and the health probe must not
change a vault's files to learn that its disk is full.
"""

from __future__ import annotations

import contextlib
import errno
import os
import threading
from pathlib import Path

from memvault.domain.errors import StorageError, StorageFull, VaultReadOnly
from memvault.vault.sqlite_errors import full_message, read_only_message


def identity(path: Path) -> tuple[int, int] | None:
    """The file's device and inode, or ``None`` when it is gone."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return st.st_dev, st.st_ino


def files_missing_message(path: Path) -> str:
    return (f"the vault's database file {path.name} in {path.parent} was deleted or replaced while Memvault had "
            "it open: nothing was written; restart Memvault (a restored backup opens then)")


class ProbeDone(Exception):
    """Rolls the probe's transaction back."""


def probe_folder(path: Path) -> None:
    scratch = path.parent / f".probe-{os.getpid()}-{threading.get_ident()}"
    try:
        fd = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, b"\0" * 4096)
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise StorageFull(full_message(path), os_error=exc.errno) from None
        if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            raise VaultReadOnly(read_only_message(path), os_error=exc.errno) from None
        raise StorageError(f"the operating system could not write in {path.parent} ({exc.strerror}); "
                           "check the disk, then run `memvault check`", os_error=exc.errno) from None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(scratch)
