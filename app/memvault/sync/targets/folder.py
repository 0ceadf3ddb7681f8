"""A folder target: a local directory that another tool (Syncthing, Dropbox, iCloud Drive, a NAS share) carries.

Writes go to a hidden temporary file in the same folder, are flushed to disk,
then take their name with :func:`os.link` (create-only: it fails if the name
exists) or :func:`os.replace` (replace), so no reader and no sync tool ever sees
a half-written file under a real name. The listing skips hidden files (ours
and the sync tools' own temporary files); conflict copies such as
``0000000003.sync-conflict-20250101-...`` or ``key (conflicted copy)`` have
names no reader accepts.
"""

from __future__ import annotations

import contextlib
import errno
import os
from pathlib import Path

from memvault.crypto.digest import token_hex
from memvault.domain.errors import InvalidInput, NotFound, SyncTargetError
from memvault.sync.targets.base import Limit, read_limited
from memvault.vault.vault import HEADER_NAME


class FolderTarget:
    """A target in the folder ``root``, which must exist: a sync folder that went missing (moved, deleted, its drive
    not mounted) fails every call rather than start an empty tree in its place, where this device would write back
    the key file alone. Setting up sync makes it (:meth:`make_root`) when only its last part is missing."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root).expanduser()

    def make_root(self, *, check_only: bool = False) -> None:
        """Create the folder when its parent exists; a parent that does not is most likely a mistyped path. A file,
        or a folder in a vault's own (this one's or another's), is refused: sync would write beside the database."""
        if self.root.exists() and not self.root.is_dir():
            raise InvalidInput(f"{self.root} is a file, not a folder: choose a folder to sync through")
        held = next((p for p in (self.root, *self.root.resolve().parents) if (p / HEADER_NAME).is_file()), None)
        if held is not None:
            where = "is the" if held == self.root.resolve() else "is inside the"
            raise InvalidInput(f"{self.root} {where} vault folder {held}: choose a folder outside any vault (a shared "
                               "or cloud-synced one)")
        if self.root.is_dir():
            return
        if not self.root.parent.is_dir():
            raise SyncTargetError(f"cannot use {self.root} as the sync folder: {self.root.parent} does not exist "
                                  "(check the path; Memvault creates only the last folder of it)")
        if check_only:
            return
        try:
            self.root.mkdir(exist_ok=True)
        except OSError as exc:
            raise self._fail(exc, "create the folder") from None

    def _root_present(self) -> None:
        if not self.root.is_dir():
            raise SyncTargetError(f"the sync folder {self.root} is not there (moved, deleted, or its drive is not "
                                  "mounted): nothing was read or written")

    def describe(self) -> str:
        return f"folder {self.root}"

    def _path(self, name: str) -> Path:
        parts = name.split("/")
        if any(p in ("", ".", "..") for p in parts):
            raise ValueError(f"bad target name {name!r}")
        return self.root.joinpath(*parts)

    def _fail(self, exc: OSError, what: str) -> SyncTargetError:
        return SyncTargetError(f"cannot {what} in the sync folder {self.root}: {exc.strerror or exc}")

    def list(self, prefix: str) -> list[str]:
        self._root_present()
        base = self.root / prefix if prefix else self.root
        if not base.is_dir():
            return []
        found = []
        try:
            for folder, dirs, files in os.walk(base):
                dirs[:] = [d for d in dirs if not d.startswith(".")]
                rel = Path(folder).relative_to(self.root)
                found += [(rel / f).as_posix() for f in files if not f.startswith(".")]
        except OSError as exc:
            raise self._fail(exc, "list files") from None
        return sorted(found)

    def get(self, name: str, limit: Limit = None) -> bytes:
        try:
            with self._path(name).open("rb") as file:
                return read_limited(file, name, limit)
        except FileNotFoundError:
            self._root_present()
            raise NotFound(f"{name} is not in the sync folder") from None
        except OSError as exc:
            raise self._fail(exc, f"read {name}") from None

    def _temp(self, path: Path, data: bytes) -> Path:
        self._root_present()
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.parent / f".{path.name}.{token_hex(6)}.tmp"
        with open(temp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        return temp

    def put_new(self, name: str, data: bytes) -> bool:
        path = self._path(name)
        temp = None
        try:
            temp = self._temp(path, data)
            os.link(temp, path)
            return True
        except FileExistsError:
            return False
        except OSError as exc:
            if exc.errno == errno.EEXIST:
                return False
            if exc.errno in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK):
                # No hard links here (FAT, exFAT, some network shares): exclusive creation instead. A reader
                # that meets the file half-written sees fewer bytes than its header says, and waits.
                return self._create_exclusive(path, data, name)
            raise self._fail(exc, f"write {name}") from None
        finally:
            if temp is not None:
                with contextlib.suppress(OSError):
                    temp.unlink()

    def _create_exclusive(self, path: Path, data: bytes, name: str) -> bool:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return False
        except OSError as exc:
            raise self._fail(exc, f"write {name}") from None
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        return True

    def put(self, name: str, data: bytes) -> None:
        path = self._path(name)
        try:
            temp = self._temp(path, data)
            os.replace(temp, path)
        except OSError as exc:
            raise self._fail(exc, f"write {name}") from None

    def delete(self, name: str) -> None:
        try:
            self._path(name).unlink(missing_ok=True)
        except OSError as exc:
            raise self._fail(exc, f"delete {name}") from None
