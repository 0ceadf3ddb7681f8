"""The batched write functions leave exactly the state their one-at-a-time forms leave, and write all or nothing.

Two vaults get the same memories (same ids, stamps, vectors and entity plans):
one through N single calls, the other through one batched call; every table a
write touches must then hold the same rows, byte for byte.
"""

from __future__ import annotations

import numpy as np
import pytest

from memvault.domain.entities import EntityMention, EntityType, TypeSource
from memvault.domain.enums import EmbeddingStatus, MemoryType, Tier, Visibility
from memvault.domain.errors import ClientIdTaken
from memvault.domain.models import NewMemory
from memvault.vault import memories as writes
from memvault.vault import memory_parts, memory_vectors
from memvault.vault.oplog import Stamp
from memvault.vault.vectors import Embedded
from tests.helpers.vault_state import table_rows

TABLES = {
    "memories": "SELECT * FROM memories ORDER BY id",
    "memory_history": "SELECT * FROM memory_history ORDER BY id",
    "memory_tags": "SELECT * FROM memory_tags ORDER BY memory_id, tag",
    "memory_fts": "SELECT rowid, content FROM memory_fts ORDER BY rowid",
    "fts_match": "SELECT rowid FROM memory_fts WHERE memory_fts MATCH 'kyoto' ORDER BY rowid",
    "chunks": "SELECT * FROM chunks ORDER BY id",
    "chunk_vectors": "SELECT * FROM chunk_vectors ORDER BY chunk_id",
    "knn_log": "SELECT * FROM knn_log ORDER BY seq",
    "oplog": "SELECT * FROM oplog ORDER BY id",
    "embedding_jobs": "SELECT * FROM embedding_jobs ORDER BY memory_id",
    "entity_jobs": "SELECT * FROM entity_jobs ORDER BY memory_id",
    "entities": "SELECT * FROM entities ORDER BY id",
    "memory_entities": "SELECT * FROM memory_entities ORDER BY memory_id, entity_id",
    "namespaces": "SELECT * FROM namespaces ORDER BY name",
}


def state(services) -> dict[str, list[tuple]]:
    return table_rows(services, TABLES)


def _vector(seed: int, dim: int = 384) -> np.ndarray:
    v = np.random.default_rng(seed).standard_normal(dim).astype(np.float32)
    return v / np.linalg.norm(v)


def _items(n: int, base: float = 1_700_000_000.0) -> list[writes.NewItem]:
    """Varied memories: tags, metadata, sessions, client ids, confidential, expiring, some with vectors,
    every kind of entity plan; two namespaces."""
    plans: list[writes.Entities] = ["queue", "force", "skip",
                                    [EntityMention(EntityType.LOCATION, "kyoto", 0.9),
                                     EntityMention(EntityType.PERSON, "ana", 0.7)]]
    out = []
    for i in range(n):
        at = base + i * 0.001
        new = NewMemory(
            id=f"0190a000-0000-7000-8000-{i:012d}", namespace="alpha" if i % 3 else "beta",
            content=f"memory {i} about kyoto and ünïcode 日本" if i % 2 else f"plain memory {i}",
            memory_type=MemoryType.FACT if i % 4 == 0 else MemoryType.GENERAL,
            tags=tuple(["a", "b", "c"][: i % 4]), metadata={"k": i, "nested": {"x": [i, "y"]}} if i % 2 else {},
            importance=0.5 + (i % 5) / 10, tier=Tier.WARM, visibility=Visibility.CONFIDENTIAL if i % 7 == 0
            else Visibility.PRIVATE, agent_id="agent" if i % 2 else None, user_id=None,
            session_id="s1" if i % 5 == 0 else None, project=None, client_id=f"c{i}" if i % 6 == 0 else None,
            created_at=at, expires_at=at + 3600 if i % 8 == 0 else None, origin_device="device-1",
            memory_type_source=TypeSource.EXPLICIT if i % 4 == 0 else TypeSource.DEFAULT)
        embedded = None
        if i % 5 == 1:
            chunks = 1 + i % 2
            embedded = Embedded([(0, 10), (10, 20)][:chunks],
                                np.vstack([_vector(i * 10 + c) for c in range(chunks)]), "model-x")
        out.append((new, Stamp(f"{int(at * 1000):015d}-0000-device-1", "device-1", at), embedded, plans[i % 4]))
    return out


def test_create_many_writes_what_single_creates_write(two_vaults):
    single, batched = two_vaults
    items = _items(40)
    with single.vault.db.write() as conn:
        one_by_one = [writes.create(conn, new, stamp, embedded=e, entities=plan) for new, stamp, e, plan in items]
    with batched.vault.db.write() as conn:
        together = writes.create_many(conn, items)
    assert together == one_by_one
    # What a create returns is built from what it wrote, not read back: it must be what a read returns.
    with batched.vault.db.read() as conn:
        assert [writes.get_by_rowid(conn, m.rowid) for m in together] == together
    got, want = state(batched), state(single)
    for table in TABLES:
        assert got[table] == want[table], table
    # Not vacuous: every kind of row was written.
    # (A first version made at its created_at keeps no history entry: rows.with_first_version.)
    assert all(want[t] for t in TABLES if t != "memory_history"), [t for t in TABLES if not want[t]]


def test_create_many_after_deletes_takes_the_rowids_sqlite_would(two_vaults):
    single, batched = two_vaults
    first, second = _items(30)[:10], _items(30)[10:]
    for services in two_vaults:
        with services.vault.db.write() as conn:
            made = writes.create_many(conn, first)
            gone = made[-3:]
            writes.hard_delete(conn, [(m.rowid, m.id, m.namespace) for m in gone], first[-1][1], reason="deleted")
    with single.vault.db.write() as conn:
        for new, stamp, e, plan in second:
            writes.create(conn, new, stamp, embedded=e, entities=plan)
    with batched.vault.db.write() as conn:
        writes.create_many(conn, second)
    assert state(batched) == state(single)


def test_a_failure_mid_batch_writes_nothing(two_vaults, monkeypatch):
    _, services = two_vaults
    before = state(services)
    items = _items(12)
    real = writes.oplog.append_many

    def broken(conn, entries):
        real(conn, entries[:5])
        raise OSError("disk went away")

    monkeypatch.setattr(writes.oplog, "append_many", broken)
    with pytest.raises(OSError), services.vault.db.write() as conn:
        writes.create_many(conn, items)
    assert state(services) == before


def test_a_taken_client_id_sinks_the_whole_batch(two_vaults):
    _, services = two_vaults
    items = _items(13)
    with services.vault.db.write() as conn:
        writes.create_many(conn, items[:1])  # item 0 has client id c0
    before = state(services)
    clash = (items[12][0].__class__(**{**items[12][0].__dict__, "client_id": "c0", "namespace": "beta"}),
             *items[12][1:])
    with pytest.raises(ClientIdTaken), services.vault.db.write() as conn:
        writes.create_many(conn, items[1:6] + [clash])
    assert state(services) == before


def _embedded(seed: int, chunks: int, model: str = "model-y") -> Embedded:
    return Embedded([(i * 10, i * 10 + 10) for i in range(chunks)],
                    np.vstack([_vector(seed * 10 + c) for c in range(chunks)]), model)


def test_store_vectors_many_writes_what_single_stores_write(two_vaults):
    """New memories, re-embedded ones (their old chunks, the highest ids among them, are freed first),
    deleted and edited ones (skipped), several chunks, confidential and expiring flags."""
    items = _items(30)
    stamp = Stamp("000000000000009-0000-device-1", "device-1", 1_800_000_000.0)
    plans = []
    for services in two_vaults:
        with services.vault.db.write() as conn:
            made = writes.create_many(conn, items)
            by_index = {i: m for i, m in enumerate(made)}
            gone = [by_index[3]]
            writes.hard_delete(conn, [(m.rowid, m.id, m.namespace) for m in gone], stamp, reason="deleted")
        digests = {m.rowid: memory_parts.content_hash(m.content) for m in made}
        # 26 got vectors at its create (the highest chunk ids), as did 1, 6, 11, 16 and 21.
        order = [26, 0, 2, 3, 6, 29, 11, 4, 7, 5, 8, 1, 10, 9, 12, 13, 16, 15, 14, 17, 18, 19, 20, 21]
        plans.append([(by_index[i].rowid, "stale" if i == 4 else digests[by_index[i].rowid],
                       _embedded(i, 1 + i % 3)) for i in order])
    single, batched = two_vaults
    with single.vault.db.write() as conn:
        one_by_one = [memory_vectors.store_vectors(conn, m, d, e, stamp) for m, d, e in plans[0]]
    with batched.vault.db.write() as conn:
        together = memory_vectors.store_vectors_many(conn, plans[1], stamp)
    # Single stores return the memory read back (sync keeps working on it), batched ones what the worker's
    # listeners read: the same memories, ready, with the model that embedded them.
    assert [m and (m.id, m.rowid, m.namespace, m.model_id, m.memory_type_source) for m in together] == [
        m and (m.id, m.rowid, m.namespace, m.model_id, m.memory_type_source) for m in one_by_one]
    assert all(m.embedding_status is EmbeddingStatus.READY for m in one_by_one if m is not None)
    assert [m is None for m in together].count(True) == 2  # the deleted one and the edited one
    got, want = state(batched), state(single)
    for table in TABLES:
        assert got[table] == want[table], table
    # As SQLite hands out rowids: 26's old chunk was the highest (9); its new three take 9, 10, 11.
    assert [c[0] for c in got["chunks"] if c[1] == together[0].rowid] == [9, 10, 11]


def test_a_failure_while_storing_vectors_writes_nothing(two_vaults, monkeypatch):
    _, services = two_vaults
    with services.vault.db.write() as conn:
        made = writes.create_many(conn, _items(8))
    before = state(services)
    real = writes.oplog.append_many

    def broken(conn, entries):
        real(conn, entries[:3])
        raise OSError("disk went away")

    monkeypatch.setattr(writes.oplog, "append_many", broken)
    stamp = Stamp("000000000000009-0000-device-1", "device-1", 1_800_000_000.0)
    with pytest.raises(OSError), services.vault.db.write() as conn:
        memory_vectors.store_vectors_many(conn, [(m.rowid, memory_parts.content_hash(m.content), _embedded(i, 2))
                                         for i, m in enumerate(made)], stamp)
    assert state(services) == before


def test_update_derived_many_writes_what_single_derived_updates_write(two_vaults):
    from memvault.domain.models import FieldChanges

    stamp = Stamp("000000000000009-0000-device-1", "device-1", 1_800_000_000.0)
    results = []
    for services, batched in zip(two_vaults, (False, True)):
        with services.vault.db.write() as conn:
            made = writes.create_many(conn, _items(12))
            memory_vectors.store_vectors_many(conn, [(m.rowid, memory_parts.content_hash(m.content), _embedded(i, 2))
                                             for i, m in enumerate(made) if i % 5 != 1], stamp)
        with services.vault.db.read() as conn:
            made = [writes.get_by_rowid(conn, m.rowid) for m in made]
        items = []
        for i, m in enumerate(made):
            changes = FieldChanges(memory_type=[MemoryType.TASK, MemoryType.GENERAL, MemoryType.POLICY][i % 3],
                                   memory_type_source=TypeSource.INFERRED,
                                   visibility=Visibility.CONFIDENTIAL if i == 2 else None)
            items.append((m, changes, Stamp(f"00000000000001{i:x}-0000-device-1", "device-1", 1_800_000_001.0 + i)))
        items.append((made[0], FieldChanges(memory_type=made[0].memory_type), stamp))  # changes nothing
        with services.vault.db.write() as conn:
            if batched:
                results.append(writes.update_derived_many(conn, items[:-1]) + [items[-1][0]])
            else:
                results.append([writes.update(conn, m, c, s, change="classified", derived=True)
                                for m, c, s in items[:-1]] + [items[-1][0]])
    assert results[0] == results[1]
    got, want = state(two_vaults[1]), state(two_vaults[0])
    for table in TABLES:
        assert got[table] == want[table], table
    assert sum(r[3] == "update" for r in got["oplog"]) == 12
    with pytest.raises(ValueError), two_vaults[1].vault.db.write() as conn:
        writes.update_derived_many(conn, [(made[0], FieldChanges(content="new"), stamp)])
