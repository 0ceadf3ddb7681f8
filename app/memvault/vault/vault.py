"""A vault's lifecycle: create, unlock, lock and change passphrase.

A vault is a folder holding ``vault.db`` (SQLCipher) and ``vault.header``
(the wrapped data key). Opening never creates anything: a missing vault is
:class:`VaultMissing`, never a silently new empty one.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import uuid
from pathlib import Path

from sqlalchemy import text

from memvault.config import Settings
from memvault.crypto.digest import random_bytes
from memvault.crypto.kdf import KdfParams
from memvault.domain.errors import (
    InvalidInput,
    StorageError,
    StorageFull,
    VaultCorrupt,
    VaultError,
    VaultExists,
    VaultLocked,
    VaultMissing,
    VaultReadOnly,
)
from memvault.vault import compaction
from memvault.vault import header as key_header
from memvault.vault import migrations
from memvault.vault.engine import Database

DB_NAME = "vault.db"
HEADER_NAME = "vault.header"


def db_path(home: Path) -> Path:
    return home / DB_NAME


def header_path(home: Path) -> Path:
    return home / HEADER_NAME


def vault_exists(home: Path) -> bool:
    return header_path(home).exists() or db_path(home).exists()


def _os_error(exc: OSError, home: Path) -> VaultError:
    """The domain error for a file operation on the vault folder that the OS refused."""
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return VaultReadOnly(f"cannot write in {home}: the folder is read-only (or not yours)")
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return StorageFull(f"the disk holding {home} is full: nothing was created")
    return StorageError(f"cannot write the vault's files in {home}: {exc.strerror}")


class Vault:
    """An unlocked vault. Use :meth:`create` or :meth:`unlock` to get one."""

    def __init__(self, home: Path, db: Database, device_id: str, data_key: bytes, model_id: str | None = None) -> None:
        self.home = home
        self._db: Database | None = db
        self.device_id = device_id
        self._data_key: bytes | None = data_key
        #: The embedding model this vault's vectors are made with (recorded at creation, changed by a switch).
        self.model_id = model_id

    def set_model_id(self, model_id: str) -> None:
        """Record that the vault's vectors are to come from ``model_id`` (those made by another go stale)."""
        with self.db.write() as conn:
            conn.execute(text("INSERT INTO settings(key, value) VALUES ('model_id', :v) "
                              "ON CONFLICT(key) DO UPDATE SET value = excluded.value"), {"v": model_id})
        self.model_id = model_id

    @property
    def db(self) -> Database:
        if self._db is None:
            raise VaultLocked("the vault is locked")
        return self._db

    @property
    def data_key(self) -> bytes:
        """The raw database key (for the OS keychain's automatic unlock)."""
        if self._data_key is None:
            raise VaultLocked("the vault is locked")
        return self._data_key

    @classmethod
    def create(cls, home: Path, passphrase: str, settings: Settings, *, dim: int, model_id: str) -> Vault:
        """Create a new vault in ``home``; refuses to overwrite an existing one."""
        key_header.check_passphrase(passphrase)
        params = KdfParams.fresh(settings.kdf_memory_kib, settings.kdf_iterations)
        if vault_exists(home):
            raise VaultExists(f"a vault already exists in {home}")
        if home.exists() and not home.is_dir():
            raise InvalidInput(f"{home} is a file, not a folder: a vault is a folder (give a new folder's path)")
        created_dir = not home.exists()
        try:
            home.mkdir(parents=True, exist_ok=True)
            os.chmod(home, 0o700)
        except OSError as exc:
            raise _os_error(exc, home) from None
        data_key = random_bytes(32)
        db: Database | None = None
        try:
            # Owner-only from the start; SQLite gives the WAL and shm files the same mode.
            db_path(home).touch(mode=0o600, exist_ok=False)
            db = Database(db_path(home), data_key, readers=settings.reader_connections,
                          reader_cache_mib=settings.reader_cache_mib)
            device_id = str(uuid.uuid4())
            with db.write() as conn:
                migrations.create_schema(conn, dim)
                for k, v in (("device_id", device_id), ("model_id", model_id), ("embedding_dim", str(dim))):
                    conn.execute(text("INSERT INTO settings(key, value) VALUES (:k, :v)"), {"k": k, "v": v})
            compaction.ensure_incremental(db)
            key_header.write_header(header_path(home), key_header.wrap(data_key, passphrase, params))
        except BaseException as exc:
            if db is not None:
                db.dispose()
            for p in (db_path(home), Path(f"{db_path(home)}-wal"), Path(f"{db_path(home)}-shm"), header_path(home)):
                with contextlib.suppress(OSError):
                    p.unlink(missing_ok=True)
            if created_dir:
                shutil.rmtree(home, ignore_errors=True)
            if isinstance(exc, OSError):
                raise _os_error(exc, home) from None
            raise
        return cls(home, db, device_id, data_key, model_id)

    @staticmethod
    def _check_files(home: Path) -> None:
        hp, dp = header_path(home), db_path(home)
        if home.exists() and not home.is_dir():
            raise VaultMissing(f"{home} is a file, not a vault's folder: give the vault's folder (--vault or "
                               "MEMVAULT_HOME)")
        if not hp.exists() and not dp.exists():
            raise VaultMissing(f"no vault in {home}; create one with `memvault init`")
        if not hp.exists():
            raise VaultCorrupt(f"the key header {hp} is missing; the database cannot be opened without it")
        if not dp.exists():
            raise VaultCorrupt(f"the database {dp} is missing")

    @classmethod
    def unlock(cls, home: Path, passphrase: str, settings: Settings, *, dim: int) -> Vault:
        """Open an existing vault with its passphrase."""
        cls._check_files(home)
        data_key = key_header.unlock(header_path(home), passphrase)
        return cls.unlock_with_key(home, data_key, settings, dim=dim)

    @classmethod
    def unlock_with_key(cls, home: Path, data_key: bytes, settings: Settings, *, dim: int) -> Vault:
        """Open an existing vault with its raw data key (from the OS keychain)."""
        cls._check_files(home)
        dp = db_path(home)
        # Opening writes page 1 of an empty file, so refuse one before it is touched:
        # every real vault's database has at least that page from its creation.
        if dp.stat().st_size == 0:
            raise VaultCorrupt(f"the database {dp} is empty (0 bytes): the vault's data is not there; "
                               "restore it from a backup", path=str(dp))
        db = Database(dp, data_key, readers=settings.reader_connections, reader_cache_mib=settings.reader_cache_mib)
        try:
            stored = cls._prepare_schema(db, dim)
            if "device_id" not in stored:
                raise VaultCorrupt(f"the database {dp} lacks this vault's identity (settings.device_id); "
                                   "it is damaged", path=str(dp))
        except BaseException:
            db.dispose()
            raise
        if int(stored.get("embedding_dim", dim)) != dim:
            db.dispose()
            raise VaultCorrupt(
                f"this vault holds {stored['embedding_dim']}-dimensional vectors but the model makes {dim}"
            )
        return cls(home, db, stored["device_id"], data_key, stored.get("model_id"))

    @staticmethod
    def _prepare_schema(db: Database, dim: int) -> dict[str, str]:
        """Upgrade the schema if needed; returns the stored settings.

        A vault that cannot be written now (read-only folder, full disk) opens
        for reading when its schema is current, and says why when it is not.
        """
        try:
            if db.read_only or db.write_failure is not None:
                with db.read() as conn:
                    if migrations.needs_upgrade(conn):
                        reason = "its folder is read-only" if db.read_only else "its disk is full"
                        raise (VaultReadOnly if db.read_only else StorageFull)(
                            f"this vault was written by an older Memvault and must be upgraded, "
                            f"which needs a write, but {reason}")
                    return dict(conn.execute(text("SELECT key, value FROM settings")).all())
            with db.write() as conn:
                migrations.upgrade(conn, dim)
                stored = dict(conn.execute(text("SELECT key, value FROM settings")).all())
            compaction.ensure_incremental(db)
            return stored
        except VaultCorrupt as exc:
            if exc.details.get("sqlite_error"):
                raise  # a damaged page: the engine's message already says what to do
            raise VaultCorrupt(f"the database {db.path}: {exc.message}", path=str(db.path)) from None

    def change_passphrase(self, old: str, new: str, settings: Settings) -> None:
        """Re-wrap the data key under ``new``; the database is not rewritten."""
        key_header.check_passphrase(new)
        params = KdfParams.fresh(settings.kdf_memory_kib, settings.kdf_iterations)
        hp = header_path(self.home)
        data_key = key_header.unwrap(key_header.read_header(hp), old, hp)
        key_header.write_header(hp, key_header.wrap(data_key, new, params))

    def lock(self) -> None:
        """Close every connection; the key leaves memory with them."""
        if self._db is not None:
            self._db.dispose()
            self._db = None
        self._data_key = None
