"""The vault lifecycle on real SQLCipher files."""

import json
import os
import tempfile
import threading
import time

import pytest
from sqlalchemy import inspect, text

from memvault.domain.errors import (
    InvalidInput,
    VaultCorrupt,
    VaultExists,
    VaultMissing,
    WrongPassphrase,
)
from memvault.domain.models import MemoryCreate, MemoryFilter, MemoryUpdate, SearchQuery
from memvault.service.container import create_vault, open_vault
from memvault.vault import migrations, schema
from memvault.vault.vault import Vault, db_path, header_path
from tests.helpers import PASSPHRASE, fast_settings
from tests.helpers.schema20 import set_back_to_schema_20


def test_create_then_unlock_with_the_same_passphrase(settings, embedder):
    svc = create_vault(settings, PASSPHRASE, embedder, background=False)
    stored = svc.memories.create(MemoryCreate(content="kept across unlocks")).memory
    svc.close()
    again = open_vault(settings, PASSPHRASE, embedder, background=False)
    try:
        assert again.memories.get(stored.id).content == "kept across unlocks"
    finally:
        again.close()


def test_wrong_passphrase_is_refused_and_nothing_changes(settings, embedder):
    create_vault(settings, PASSPHRASE, embedder, background=False).close()
    before = header_path(settings.home_path).read_bytes()
    with pytest.raises(WrongPassphrase, match="wrong passphrase"):
        open_vault(settings, "not the passphrase", embedder, background=False)
    assert header_path(settings.home_path).read_bytes() == before


def test_missing_vault_is_reported_not_created(tmp_path, embedder):
    settings = fast_settings(tmp_path / "nothing-here")
    with pytest.raises(VaultMissing, match="memvault init"):
        open_vault(settings, PASSPHRASE, embedder)
    assert not (tmp_path / "nothing-here").exists()


def test_a_vault_path_that_is_a_file_is_said_to_be_one(tmp_path, embedder):
    """It said "File exists" (init) and "no vault …; create one with `memvault init`" (every other command)."""
    afile = tmp_path / "afile"
    afile.write_text("hi")
    with pytest.raises(InvalidInput, match="is a file, not a folder"):
        create_vault(fast_settings(afile), PASSPHRASE, embedder, background=False)
    with pytest.raises(VaultMissing, match="is a file, not a vault's folder"):
        open_vault(fast_settings(afile), PASSPHRASE, embedder)
    assert afile.read_text() == "hi"


def test_create_refuses_to_overwrite(settings, embedder):
    create_vault(settings, PASSPHRASE, embedder, background=False).close()
    with pytest.raises(VaultExists):
        create_vault(settings, PASSPHRASE, embedder, background=False)


def test_short_passphrase_is_invalid_and_leaves_no_files(settings, embedder):
    with pytest.raises(InvalidInput):
        create_vault(settings, "short", embedder)
    assert not settings.home_path.exists()


def test_damaged_database_names_the_file(settings, embedder):
    create_vault(settings, PASSPHRASE, embedder, background=False).close()
    path = db_path(settings.home_path)
    data = bytearray(path.read_bytes())
    data[:4096] = os.urandom(4096)
    path.write_bytes(bytes(data))
    with pytest.raises(VaultCorrupt, match=str(path)):
        open_vault(settings, PASSPHRASE, embedder, background=False)


@pytest.mark.parametrize("damage", ["garbage", "truncated", "wrong-format", "missing"])
def test_damaged_header_names_the_file(settings, embedder, damage):
    create_vault(settings, PASSPHRASE, embedder, background=False).close()
    hp = header_path(settings.home_path)
    if damage == "garbage":
        hp.write_bytes(os.urandom(200))
    elif damage == "truncated":
        hp.write_text(hp.read_text()[:40])
    elif damage == "wrong-format":
        doc = json.loads(hp.read_text())
        doc["format"] = "something-else"
        hp.write_text(json.dumps(doc))
    else:
        hp.unlink()
    with pytest.raises(VaultCorrupt, match=str(hp)):
        open_vault(settings, PASSPHRASE, embedder, background=False)


def test_change_passphrase_rewraps_without_touching_the_database(settings, embedder):
    svc = create_vault(settings, PASSPHRASE, embedder, background=False)
    svc.memories.create(MemoryCreate(content="still readable"))
    svc.close()
    db_before = db_path(settings.home_path).read_bytes()
    vault = Vault.unlock(settings.home_path, PASSPHRASE, settings, dim=embedder.dimension)
    vault.change_passphrase(PASSPHRASE, "a brand new passphrase", settings)
    vault.lock()
    assert db_path(settings.home_path).read_bytes() == db_before
    with pytest.raises(WrongPassphrase):
        open_vault(settings, PASSPHRASE, embedder, background=False)
    svc = open_vault(settings, "a brand new passphrase", embedder, background=False)
    try:
        assert svc.memories.list(MemoryFilter()).total == 1
    finally:
        svc.close()


def test_locked_vault_refuses_work(services):
    from memvault.domain.errors import VaultLocked

    services.vault.lock()
    with pytest.raises(VaultLocked):
        services.vault.db


@pytest.mark.seconds
def test_plaintext_never_reaches_disk(tmp_path, embedder, caplog, monkeypatch):
    """A unique marker written as memories appears in no file the app wrote."""
    temp_root = tmp_path / "tmp"
    temp_root.mkdir()
    monkeypatch.setenv("TMPDIR", str(temp_root))
    monkeypatch.setattr(tempfile, "tempdir", str(temp_root))
    caplog.set_level("DEBUG")
    marker = "ZQX-MARKER-7f3a9c"
    settings = fast_settings(tmp_path / "vault")
    svc = create_vault(settings, PASSPHRASE, embedder, background=False)
    for i in range(30):
        svc.memories.create(MemoryCreate(content=f"{marker} secret number {i} " + "padding " * 200,
                                         tags=[marker], metadata={"k": marker}))
    svc.worker.drain()
    first = svc.memories.list(MemoryFilter()).items[0]
    svc.memories.update(first.id, MemoryUpdate(content=f"{marker} edited"))
    svc.search.search(SearchQuery(marker))
    # The vector index's bytes go into the vault too (a snapshot, and again on close): never in the clear.
    assert svc.vector_index.snapshot()
    index_bytes = b"".join(bytes(b) for b in svc.vector_index._ann.serialize().values())
    assert len(index_bytes) > 30 * 384 * 2
    with svc.vault.db.read() as conn:
        assert conn.execute(text("SELECT count(*) FROM knn_snapshot")).scalar_one() > 0
    svc.close()
    # Windows of the serialized index (its header, half-precision vectors and graph) that a plaintext copy would hold.
    # The most varied ones: runs of zeros (sparse test vectors) could be in any file.
    windows = sorted((index_bytes[at:at + 48] for at in range(0, len(index_bytes) - 48, 48)),
                     key=lambda w: -len(set(w)))[:16]
    assert all(len(set(w)) >= 12 for w in windows)
    needles = [marker.encode(), marker.encode("utf-16-le"), marker.lower().encode(), *windows]
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.name == "vault.db" for p in files)
    for path in files:
        data = path.read_bytes()
        for needle in needles:
            assert needle not in data, f"plaintext found in {path}"
    assert marker not in caplog.text


def test_schema_matches_table_definitions_and_is_versioned(services):
    with services.vault.db.read() as conn:
        assert migrations.current_version(conn) == migrations.LATEST
        insp = inspect(conn)
        for table in schema.metadata.sorted_tables:
            columns = {c["name"] for c in insp.get_columns(table.name)}
            assert columns == {c.name for c in table.columns}, table.name
        virtual = conn.execute(text("SELECT name FROM sqlite_master WHERE sql LIKE 'CREATE VIRTUAL TABLE%'")).scalars()
        assert "memory_fts" in set(virtual) and "memory_vectors" not in set(virtual)
        assert conn.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"


def test_newer_schema_is_refused(settings, embedder):
    svc = create_vault(settings, PASSPHRASE, embedder, background=False)
    with svc.vault.db.write() as conn:
        conn.execute(text(f"PRAGMA user_version = {migrations.LATEST + 1}"))
    svc.close()
    with pytest.raises(VaultCorrupt, match="newer"):
        open_vault(settings, PASSPHRASE, embedder, background=False)


@pytest.mark.seconds
def test_concurrent_writers_and_readers_never_see_locked_errors(services):
    errors: list[BaseException] = []
    ids: list[str] = []
    lock = threading.Lock()

    def writer(n: int) -> None:
        try:
            for i in range(25):
                m = services.memories.create(MemoryCreate(content=f"writer {n} item {i}")).memory
                with lock:
                    ids.append(m.id)
        except BaseException as exc:  # collected and re-raised below
            errors.append(exc)

    def reader() -> None:
        try:
            deadline = time.monotonic() + 2
            while time.monotonic() < deadline:
                services.memories.list(MemoryFilter(), limit=5)
                services.search.search(SearchQuery("writer item", mode="keyword"))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    threads += [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    services.background.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert len(ids) == 100
    for memory_id in ids:
        services.memories.get(memory_id)


def test_vault_files_are_owner_only(services):
    services.memories.create(MemoryCreate(content="make the WAL exist"))
    home = services.vault.home
    assert home.stat().st_mode & 0o777 == 0o700
    for path in home.iterdir():
        assert path.stat().st_mode & 0o077 == 0, f"{path.name} is readable by others"


def test_a_version_1_vault_is_upgraded_in_place(settings, embedder):
    """Open a vault whose schema stopped at v1: every migration runs and nothing is lost."""
    svc = create_vault(settings, PASSPHRASE, embedder, background=False)
    kept = svc.memories.create(MemoryCreate(content="written under schema v1")).memory
    with svc.vault.db.write() as conn:
        set_back_to_schema_20(conn, embedder.dimension)  # v1 stored vectors in vec0
        conn.execute(text("DROP INDEX ix_memories_live"))
        conn.execute(text("DROP INDEX ix_memories_model"))
        conn.execute(text("CREATE INDEX ix_oplog_hlc ON oplog(hlc)"))  # v1's (v18 drops it and v2's by memory)
        conn.execute(text("ALTER TABLE oplog DROP COLUMN namespace"))
        conn.execute(text("ALTER TABLE oplog DROP COLUMN payload"))
        conn.execute(text("DROP TABLE entity_jobs"))
        conn.execute(text("DROP INDEX ix_memory_entities_entity"))
        conn.execute(text("DROP INDEX ix_entities_value"))
        conn.execute(text("ALTER TABLE memories DROP COLUMN memory_type_source"))
        conn.execute(text("DROP TABLE extraction_jobs"))
        for index in ("ix_memories_ns_created", "ix_memories_created"):  # v1's were descending (v22 turns them)
            conn.execute(text(f"DROP INDEX {index}"))
        conn.execute(text("CREATE INDEX ix_memories_ns_created ON memories(namespace, created_at DESC, id DESC)"))
        conn.execute(text("CREATE INDEX ix_memories_created ON memories(created_at DESC, id DESC)"))
        for table in ("sync_state", "sync_wipes", "sync_outbox", "sync_cursors"):
            conn.execute(text(f"DROP TABLE {table}"))
        conn.execute(text("ALTER TABLE memory_history DROP COLUMN conflict"))
        conn.execute(text("DROP TABLE knn_log"))
        conn.execute(text("DROP TABLE knn_snapshot"))
        conn.execute(text("DROP INDEX ix_memories_own_time"))
        for index in ("ix_memories_agent_id", "ix_memories_user_id", "ix_memories_session_id", "ix_memories_project",
                      "ix_memories_filter_by_id"):
            conn.execute(text(f"DROP INDEX {index}"))
        conn.execute(text("CREATE INDEX ix_memories_agent ON memories(namespace, agent_id)"))
        conn.execute(text("DELETE FROM settings WHERE key = 'knn_snapshot_seq'"))
        conn.execute(text("DROP TABLE profile_records"))
        conn.execute(text("PRAGMA user_version = 1"))
    svc.close()
    again = open_vault(settings, PASSPHRASE, embedder, background=False)
    try:
        with again.vault.db.read() as conn:
            assert migrations.current_version(conn) == migrations.LATEST >= 2
            names = conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'index'")).scalars().all()
            v1_entries = conn.execute(text("SELECT op, payload FROM oplog")).all()
            tables = conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'table'")).scalars().all()
        assert "profile_records" in tables, "v13 adds the compatibility profiles' records"
        assert {"ix_memories_live", "ix_memories_model", "ix_memories_fact_person", "ix_memories_own_time",
                "ix_memories_agent_id", "ix_memories_project", "ix_memories_filter_by_id"} <= set(names)
        assert not {"ix_memories_fact_subject", "ix_memories_ns_type"} & set(names), "v22 drops both (v5's, v8's)"
        assert "ix_memories_agent" not in names, "v10 replaces it with one holding the lifecycle state"
        assert not {"ix_oplog_hlc", "ix_oplog_memory"} & set(names), "v18: nothing looks entries up by either"
        assert "ix_memories_hash" not in names, "v11 drops it: nothing looks memories up by content hash"
        assert again.memories.get(kept.id).content == "written under schema v1"
        assert v1_entries == [("create", None)], "entries written before v3 keep their (empty) payload"
        # v5 queues every existing memory for entity extraction (the background backfill).
        assert again.entities.queue_depth() == 1
        again.memories.update(kept.id, MemoryUpdate(tags=["after-upgrade"]))
        with again.vault.db.read() as conn:
            assert json.loads(conn.execute(text("SELECT payload FROM oplog ORDER BY id DESC LIMIT 1")).scalar_one()) \
                == {"tags": {"add": ["after-upgrade"], "all": ["after-upgrade"], "remove": []}}
    finally:
        again.close()
