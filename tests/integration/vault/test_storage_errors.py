"""SQLite's failures as domain errors (vault/engine.py): busy, full, read-only, damaged; no parameters in errors.

Full disks and read-only folders are real: a small tmpfs that is filled up or
remounted read-only (these tests need root and skip without it).
"""

import os
import shutil
import threading
import time
import traceback

import pytest
import sqlcipher3
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from memvault.domain.errors import (
    StorageError,
    StorageFull,
    VaultBusy,
    VaultCorrupt,
    VaultReadOnly,
)
from memvault.domain.models import MemoryCreate, MemoryFilter, SearchQuery
from memvault.service.container import create_vault, open_vault
from memvault.vault import engine, sqlite_errors
from memvault.vault.vault import db_path
from tests.helpers import PASSPHRASE, fast_settings
from tests.helpers.storage import damage_page, fill, remount, small_disk

MARKER = "QQ-STORAGE-MARKER-51c9"


def _sqlite_error(code: int, name: str, message: str) -> sqlcipher3.OperationalError:
    exc = sqlcipher3.OperationalError(message)
    exc.sqlite_errorcode, exc.sqlite_errorname = code, name
    return exc


@pytest.mark.parametrize(("code", "name", "message", "expected"), [
    (5, "SQLITE_BUSY", "database is locked", VaultBusy),
    (6, "SQLITE_LOCKED", "database table is locked", VaultBusy),
    (13, "SQLITE_FULL", "database or disk is full", StorageFull),
    (8, "SQLITE_READONLY", "attempt to write a readonly database", VaultReadOnly),
    (10 | (4 << 8), "SQLITE_IOERR_WRITE", "disk I/O error", StorageError),
    (11, "SQLITE_CORRUPT", "database disk image is malformed", VaultCorrupt),
    (26, "SQLITE_NOTADB", "file is not a database", VaultCorrupt),
    (14, "SQLITE_CANTOPEN", "unable to open database file", StorageError),
])
def test_sqlite_errors_are_classified_by_code(tmp_path, code, name, message, expected):
    mapped = sqlite_errors.classify(_sqlite_error(code, name, message), tmp_path / "vault.db")
    assert type(mapped) is expected
    if expected is VaultCorrupt:
        assert "damaged" in mapped.message and "memvault check" in mapped.message and "backup" in mapped.message


def test_constraint_and_syntax_errors_are_left_alone(tmp_path):
    assert sqlite_errors.classify(_sqlite_error(19, "SQLITE_CONSTRAINT", "UNIQUE constraint failed"), tmp_path) is None
    assert sqlite_errors.classify(_sqlite_error(1, "SQLITE_ERROR", "no such table: x"), tmp_path) is None


def test_database_errors_never_carry_statement_parameters(services):
    """A failing statement's error (and its traceback) shows the SQL, never the values bound to it."""
    with pytest.raises(DBAPIError) as caught, services.vault.db.write() as conn:
        conn.execute(text("INSERT INTO no_such_table(content) VALUES (:c)"), {"c": MARKER})
    report = "".join(traceback.format_exception(caught.value))
    assert "no_such_table" in report
    assert MARKER not in report
    with pytest.raises(DBAPIError) as caught, services.vault.db.read() as conn:
        conn.execute(text("SELECT * FROM memories WHERE nope = :c"), {"c": MARKER})
    assert MARKER not in "".join(traceback.format_exception(caught.value))


def test_a_write_waiting_on_another_process_lock_is_vault_busy(settings, embedder, monkeypatch):
    monkeypatch.setattr(sqlite_errors, "BUSY_TIMEOUT_MS", 300)
    svc = create_vault(settings, PASSPHRASE, embedder, background=False)
    try:
        other = sqlcipher3.connect(str(db_path(settings.home_path)), isolation_level=None)
        other.execute(f"PRAGMA key = \"x'{svc.vault.data_key.hex()}'\"")
        other.execute("BEGIN IMMEDIATE")
        started = time.monotonic()
        with pytest.raises(VaultBusy, match="busy") as caught:
            svc.memories.create(MemoryCreate(content=MARKER))
        assert time.monotonic() - started >= 0.25
        assert caught.value.retry_after_seconds > 0
        assert svc.memories.list(MemoryFilter()).total == 0, "reads go on while another process writes"
        other.execute("ROLLBACK")
        other.close()
        svc.memories.create(MemoryCreate(content="after the lock was released"))
    finally:
        svc.close()


def _memories_root_page(svc) -> int:
    with svc.vault.db.read() as conn:
        return int(conn.execute(text("SELECT rootpage FROM sqlite_master WHERE name = 'memories'")).scalar_one())


@pytest.mark.seconds
def test_a_damaged_page_is_reported_as_a_damaged_vault_with_what_to_do(settings, embedder):
    svc = create_vault(settings, PASSPHRASE, embedder, background=False)
    for i in range(40):
        svc.memories.create(MemoryCreate(content=f"{MARKER} {i} " + "words " * 100))
    root = _memories_root_page(svc)
    svc.close()
    damage_page(db_path(settings.home_path), root)
    svc = open_vault(settings, PASSPHRASE, embedder, background=False)
    try:
        for work in (lambda: svc.memories.list(MemoryFilter()),
                     lambda: svc.search.search(SearchQuery(MARKER, mode="keyword")),
                     lambda: svc.memories.create(MemoryCreate(content=MARKER))):
            with pytest.raises(VaultCorrupt) as caught:
                work()
            assert "the vault file is damaged" in caught.value.message
            assert "memvault check" in caught.value.message
            assert MARKER not in "".join(traceback.format_exception(caught.value))
    finally:
        svc.close()


def test_full_disk_refuses_writes_keeps_reads_and_survives_a_restart(tmp_path, embedder):
    with small_disk(tmp_path / "disk") as disk:
        settings = fast_settings(disk / "vault")
        svc = create_vault(settings, PASSPHRASE, embedder, background=False)
        kept = [svc.memories.create(MemoryCreate(content=f"kept {i} " + "text " * 50)).memory for i in range(5)]
        svc.worker.drain()
        ballast = fill(disk)
        with pytest.raises(StorageFull, match="full") as caught:
            for i in range(200):  # the WAL may still hold a few free pages
                svc.memories.create(MemoryCreate(content=f"{MARKER} {i} " + "more " * 2000))
        assert MARKER not in "".join(traceback.format_exception(caught.value))
        assert svc.vault.db.write_failure.code == "storage_full"
        assert svc.memories.list(MemoryFilter()).total >= 5
        assert svc.search.search(SearchQuery("kept", mode="keyword")).hits
        svc.close()

        # Restarting while still full: opens (read-only until space is freed) and reads.
        ballast.unlink()
        svc = open_vault(settings, PASSPHRASE, embedder, background=False)
        svc.close()  # a clean close removes the WAL: the next open has to create it
        ballast = fill(disk)
        svc = open_vault(settings, PASSPHRASE, embedder, background=False)
        try:
            assert {m.id for m in kept} <= {m.id for m in svc.memories.list(MemoryFilter(), limit=500).items}
            assert svc.search.search(SearchQuery("kept", mode="keyword")).hits
            with pytest.raises(StorageFull):
                svc.memories.create(MemoryCreate(content="refused while full"))
            ballast.unlink()
            time.sleep(engine.REOPEN_WRITER_SECONDS)
            stored = svc.memories.create(MemoryCreate(content="stored once space was freed")).memory
            assert svc.memories.get(stored.id).content == "stored once space was freed"
            assert svc.vault.db.write_failure is None
        finally:
            svc.close()


def _read_only_vault(tmp_path, embedder, *, unclean: bool):
    """A vault on a tmpfs that is then remounted read-only; ``unclean`` leaves a WAL full of commits."""
    disk = tmp_path / "disk"
    home = disk / "vault"
    svc = create_vault(fast_settings(home), PASSPHRASE, embedder, background=False)
    ids = [svc.memories.create(MemoryCreate(content=f"read only {i} about gardening")).memory.id for i in range(6)]
    svc.worker.drain()
    if unclean:
        # What a killed process leaves: the database, its WAL and shm, copied while open.
        copy = disk / "copy"
        copy.mkdir()
        for name in os.listdir(home):
            shutil.copy2(home / name, copy / name)
        assert (copy / "vault.db-wal").stat().st_size > 0
        home = copy
    svc.close()
    remount(disk, "ro")
    return home, ids


@pytest.mark.parametrize("unclean", [False, True], ids=["clean", "with-wal"])
def test_read_only_folder_opens_for_reading_and_says_so(tmp_path, embedder, unclean):
    with small_disk(tmp_path / "disk"):
        home, ids = _read_only_vault(tmp_path, embedder, unclean=unclean)
        assert not os.access(home, os.W_OK)
        svc = open_vault(fast_settings(home), PASSPHRASE, embedder, background=True)
        try:
            assert svc.vault.db.read_only
            assert {m.id for m in svc.memories.list(MemoryFilter()).items} == set(ids)
            assert svc.search.search(SearchQuery("gardening", mode="keyword")).hits
            with pytest.raises(VaultReadOnly, match="read-only"):
                svc.memories.create(MemoryCreate(content="cannot be stored"))
            assert svc.background.names == (), "no loop that writes runs on a read-only vault"
            health = svc.health.check()
            assert health.status == "degraded" and [r.code for r in health.reasons] == ["read_only"]
        finally:
            svc.close()
        remount(tmp_path / "disk", "rw")


def test_concurrent_failing_writes_do_not_break_the_writer(services):
    """After errors of every kind the one writer connection still works (no leaked transaction)."""
    errors = []

    def bad() -> None:
        try:
            with services.vault.db.write() as conn:
                conn.execute(text("INSERT INTO no_such_table VALUES (1)"))
        except DBAPIError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=bad) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(errors) == 4
    services.memories.create(MemoryCreate(content="the writer still works"))


def test_creating_a_vault_on_a_full_or_read_only_disk_says_so_and_leaves_nothing(tmp_path, embedder):
    with small_disk(tmp_path / "disk", size="1m") as disk:
        ballast = fill(disk)
        with pytest.raises(StorageFull, match="full"):
            create_vault(fast_settings(disk / "vault"), PASSPHRASE, embedder, background=False)
        assert not (disk / "vault").exists()
        ballast.unlink()
        remount(disk, "ro")
        try:
            with pytest.raises(VaultReadOnly, match="read-only"):
                create_vault(fast_settings(disk / "vault"), PASSPHRASE, embedder, background=False)
        finally:
            remount(disk, "rw")


def _fresh_read(database: engine.Database) -> BaseException | None:
    """A read that needs a connection of its own: the one pooled connection is held meanwhile."""
    with database.read():
        try:
            with database.read() as conn:
                conn.execute(text("SELECT count(*) FROM t")).scalar_one()
        except BaseException as exc:  # noqa: BLE001 - returned for the assertion
            return exc
    return None


@pytest.mark.parametrize("how", ["folder deleted", "file replaced by another"])
def test_a_connection_opened_after_the_file_went_says_files_missing_not_a_disk_or_damage(tmp_path, how):
    # Seen in CI: under load the server's background loop held the pooled reader, the request opened a
    # second one, and the client got storage_error instead of vault_files_missing.
    home = tmp_path / "home"
    home.mkdir()
    database = engine.Database(home / "vault.db", os.urandom(32), readers=2, reader_cache_mib=1)
    try:
        with database.write() as conn:
            conn.execute(text("CREATE TABLE t (x INTEGER)"))
        with database.read() as conn:
            conn.execute(text("SELECT 1"))
        if how == "folder deleted":
            shutil.rmtree(home)
        else:
            (home / "vault.db").rename(home / "moved-away.db")
            (home / "vault.db").write_bytes(os.urandom(8192))
        failure = _fresh_read(database)
        assert failure is not None and getattr(failure, "code", None) == "vault_files_missing", repr(failure)
        assert not database.damaged
    finally:
        database.dispose()
