"""Whole-vault backups: one file holding the key header and a consistent copy of the encrypted database.

The copy is made with SQLite's online backup API from a read connection (a
snapshot: writers carry on in the WAL meanwhile), into a database keyed with
the same data key, so it is encrypted page by page exactly like the original
and opens with the same passphrase. Layout of a ``.mvbackup`` file::

    "MVBACKUP" || u16 version (1) || u32 len(meta) || meta (UTF-8 JSON) || database bytes || SHA-256(all before)

``meta`` holds the creation time, the device id, the size of the database
and the vault header file (base64). Restoring checks the digest before it
touches the vault folder, then swaps the files in; the files it replaces are
kept in a ``replaced-<time>`` folder beside them, never deleted.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import shutil
import struct
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import sqlcipher3

from memvault.crypto.digest import equal, sha256
from memvault.domain.errors import InvalidInput, VaultCorrupt, VaultExists
from memvault.vault import header as key_header
from memvault.vault import process_lock
from memvault.vault.engine import Database
from memvault.vault.vault import DB_NAME, HEADER_NAME, db_path, header_path, vault_exists

MAGIC = b"MVBACKUP"
VERSION = 1
SUFFIX = ".mvbackup"
_FIXED = struct.Struct(">8sHI")
_MAX_META = 1024 * 1024
_COPY_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class BackupInfo:
    """What a backup file holds."""

    path: Path
    created_at: float
    device_id: str
    database_bytes: int
    file_bytes: int


def _copy_database(db: Database, data_key: bytes, target: Path) -> None:
    copy = sqlcipher3.connect(str(target))
    try:
        copy.execute(f"PRAGMA key = \"x'{data_key.hex()}'\"")
        with db.read() as conn:
            # One step (all pages) inside the read snapshot: consistent, and writers are not blocked (WAL).
            conn.connection.dbapi_connection.backup(copy)
        copy.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        copy.close()


def write_backup(db: Database, data_key: bytes, home: Path, target: Path, device_id: str) -> BackupInfo:
    """Write a backup of the open vault in ``home`` to ``target`` (atomically: the file appears when complete)."""
    target = Path(target)
    if not target.parent.is_dir():
        raise InvalidInput(f"the folder {target.parent} does not exist")
    work = Path(tempfile.mkdtemp(prefix=".memvault-backup-", dir=target.parent))
    try:
        os.chmod(work, 0o700)
        copy = work / DB_NAME
        _copy_database(db, data_key, copy)
        size = copy.stat().st_size
        meta = json.dumps({"format": "memvault-backup", "created_at": time.time(), "device_id": device_id,
                           "database_bytes": size,
                           "header": base64.b64encode(header_path(home).read_bytes()).decode("ascii")}).encode()
        partial = work / "backup.partial"
        digest = sha256()
        with open(partial, "wb") as out, open(copy, "rb") as src:
            os.chmod(partial, 0o600)
            head = _FIXED.pack(MAGIC, VERSION, len(meta)) + meta
            out.write(head)
            digest.update(head)
            while chunk := src.read(_COPY_CHUNK):
                out.write(chunk)
                digest.update(chunk)
            out.write(digest.digest())
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return read_backup_info(target)


def _parse(fh, path: Path) -> tuple[dict, int]:
    """(meta, offset of the database) after checking the framing and the whole file's digest."""
    damaged = f"the backup {path} is damaged or incomplete"
    fixed = fh.read(_FIXED.size)
    if len(fixed) < _FIXED.size or fixed[:8] != MAGIC:
        raise InvalidInput(f"{path} is not a Memvault backup")
    _magic, version, meta_len = _FIXED.unpack(fixed)
    if version > VERSION:
        raise InvalidInput(f"the backup {path} has format version {version}, newer than this Memvault reads "
                           f"(version {VERSION}); upgrade Memvault to restore it")
    if version != VERSION or meta_len > _MAX_META:
        raise VaultCorrupt(damaged)
    raw = fh.read(meta_len)
    try:
        meta = json.loads(raw.decode("utf-8"))
        size = meta["database_bytes"]
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise ValueError("database size")
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise VaultCorrupt(damaged) from None
    digest = sha256(fixed + raw)
    remaining = size
    while remaining:
        chunk = fh.read(min(_COPY_CHUNK, remaining))
        if not chunk:
            raise VaultCorrupt(f"{damaged} (it is shorter than it says)")
        digest.update(chunk)
        remaining -= len(chunk)
    stored = fh.read(33)
    if len(stored) != 32 or not equal(stored, digest.digest()):
        raise VaultCorrupt(f"{damaged} (its checksum does not match)")
    return meta, _FIXED.size + meta_len


def read_backup_info(path: Path) -> BackupInfo:
    """Check a backup file from end to end and describe it."""
    path = Path(path)
    with open(path, "rb") as fh:
        meta, _ = _parse(fh, path)
    return BackupInfo(path, float(meta.get("created_at", 0.0)), str(meta.get("device_id", "")),
                      meta["database_bytes"], path.stat().st_size)


def restore_backup(source: Path, home: Path, *, replace: bool) -> Path | None:
    """Restore the backup at ``source`` as the vault in ``home``.

    An existing vault there is replaced only with ``replace`` (else
    :class:`VaultExists`); its files are moved into ``home/replaced-<time>/``,
    whose path is returned. Nothing in ``home`` changes unless the whole
    backup checks out. While any process has the vault open (its shared lock,
    see :mod:`.process_lock`) the restore is refused with :class:`VaultBusy`
    and nothing changes.
    """
    source, home = Path(source), Path(home)
    with open(source, "rb") as fh:
        meta, offset = _parse(fh, source)
    try:
        header_bytes = base64.b64decode(meta["header"], validate=True)
    except (KeyError, TypeError, binascii.Error):
        raise VaultCorrupt(f"the backup {source} is damaged (its key header is unreadable)") from None
    key_header.parse_header(header_bytes, source)
    exists = vault_exists(home)
    if exists and not replace:
        raise VaultExists(f"a vault already exists in {home}; restoring the backup would replace it "
                          "(confirm to go ahead: the current files are kept in a replaced-… folder)")
    home.mkdir(parents=True, exist_ok=True)
    os.chmod(home, 0o700)
    with process_lock.exclusive(home):
        return _swap_in(source, home, meta, offset, header_bytes, exists)


def _swap_in(source: Path, home: Path, meta: dict, offset: int, header_bytes: bytes, exists: bool) -> Path | None:
    work = Path(tempfile.mkdtemp(prefix=".restore-", dir=home))
    try:
        with open(source, "rb") as fh, open(work / DB_NAME, "wb") as out:
            os.chmod(work / DB_NAME, 0o600)
            fh.seek(offset)
            remaining = meta["database_bytes"]
            while remaining:
                chunk = fh.read(min(_COPY_CHUNK, remaining))
                out.write(chunk)
                remaining -= len(chunk)
            out.flush()
            os.fsync(out.fileno())
        with open(work / HEADER_NAME, "wb") as out:
            os.chmod(work / HEADER_NAME, 0o600)
            out.write(header_bytes)
            out.flush()
            os.fsync(out.fileno())
        kept = None
        if exists:
            kept = Path(tempfile.mkdtemp(prefix=time.strftime("replaced-%Y%m%d-%H%M%S-"), dir=home))
            for name in (DB_NAME, f"{DB_NAME}-wal", f"{DB_NAME}-shm", HEADER_NAME):
                if (home / name).exists():
                    os.replace(home / name, kept / name)
        os.replace(work / DB_NAME, db_path(home))
        os.replace(work / HEADER_NAME, header_path(home))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return kept
