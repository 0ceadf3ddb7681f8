"""One stored copy of each vector (issue 46, schema 21): float16 rows in ``chunk_vectors``, an index snapshot that
keeps only its graph, history that keeps no copy of the current version, and migration 21 that brings a schema-20
vault there without re-embedding."""

import random

import numpy as np
import pytest
from sqlalchemy import text

from memvault.domain.models import MemoryCreate, MemoryFilter, MemoryUpdate, SearchQuery
from memvault.service.container import open_vault
from memvault.vault import migrations, vectors
from memvault.vault import search as vsearch
from memvault.vault.knn import IndexState, VectorIndex, layout, planner
from memvault.vault.knn import log as knn_log
from tests.helpers import PASSPHRASE
from tests.helpers.knn import assert_same_answer, index_keys, stored_chunks
from tests.helpers.schema20 import set_back_to_schema_20, snapshot_is_whole

WORDS = [f"w{i}" for i in range(400)]


def _fill(services, n: int, seed: int = 3) -> list[tuple[str, str]]:
    """``n`` embedded memories, as ``(id, namespace)``: three in four in "a", the rest in "b"."""
    rng = random.Random(seed)
    made = []
    for at in range(0, n, 100):
        spaces = ["a" if i % 4 else "b" for i in range(at, min(n, at + 100))]
        items = services.memories.create_batch([MemoryCreate(content=" ".join(rng.sample(WORDS, 6)), namespace=ns)
                                                for ns in spaces]).items
        made += [(item.memory_id, ns) for item, ns in zip(items, spaces, strict=True)]
    services.worker.drain()
    return made


def _used_pages(services) -> int:
    with services.vault.db.read() as conn:
        return int(conn.exec_driver_sql("PRAGMA page_count").scalar_one()) - int(
            conn.exec_driver_sql("PRAGMA freelist_count").scalar_one())


def _answers(services, queries: list[str]) -> list[list[tuple[str, float]]]:
    return [[(h.memory.id, round(h.score, 6)) for h in services.search.search(
        SearchQuery(q, mode="semantic", limit=10, filter=MemoryFilter(namespace="a"))).hits] for q in queries]


def test_a_schema_20_vault_shrinks_searches_identically_and_embeds_nothing(services, settings, embedder):
    made = _fill(services, 400)
    edited = made[7]
    services.memories.update(edited[0], MemoryUpdate(content="w1 w2 w3 edited once"), namespace=edited[1])
    services.worker.drain()
    services.lifecycle.delete(made[9][0], namespace=made[9][1])
    services.lifecycle.archive(made[10][0], namespace=made[10][1])
    assert services.vector_index.ensure_open() is IndexState.READY
    assert services.vector_index.snapshot()
    queries = [" ".join(random.Random(i).sample(WORDS, 4)) for i in range(12)]
    answers = _answers(services, queries)
    histories = {m: services.memories.history(m[0], namespace=m[1]) for m in (made[0], edited, made[9])}
    assert [len(h) for h in histories.values()] == [1, 2, 2]
    with services.vault.db.read() as conn:
        stored = dict(conn.execute(text("SELECT chunk_id, vector FROM chunk_vectors")).all())
    with services.vault.db.write() as conn:
        moved = set_back_to_schema_20(conn, embedder.dimension)
        assert moved == len(stored) and snapshot_is_whole(conn)
        assert conn.execute(text("SELECT count(*) FROM memory_history WHERE snapshot = ''")).scalar_one() == 0
        old_snapshot = conn.execute(text("SELECT sum(length(bytes)) FROM knn_snapshot")).scalar_one()
    services.vector_index.CLOSE_MIN_CHANGES = 10**9  # leave the schema-20 snapshot as it is
    old_pages = _used_pages(services)
    services.close()

    built = []
    again = open_vault(settings, PASSPHRASE, embedder, background=False)
    original_build = again.vector_index.build
    again.vector_index.build = lambda: built.append(1) or original_build()
    try:
        with again.vault.db.read() as conn:
            assert migrations.current_version(conn) == migrations.LATEST
            assert not conn.execute(text("SELECT name FROM sqlite_master WHERE name LIKE 'memory_vectors%'")).all()
            assert dict(conn.execute(text("SELECT chunk_id, vector FROM chunk_vectors")).all()) == stored
            assert conn.execute(text("SELECT count(*) FROM embedding_jobs")).scalar_one() == 0, "nothing re-embedded"
            new_snapshot = conn.execute(text("SELECT sum(length(bytes)) FROM knn_snapshot")).scalar_one()
            # An unedited memory's first version keeps no entry; a changed memory's current version keeps no copy
            # (edited, trashed, archived: each has its first version's entry with a copy, and one without).
            rows = conn.execute(text("SELECT snapshot = '' FROM memory_history ORDER BY id")).scalars().all()
            assert sorted(rows) == [0, 0, 0, 1, 1, 1]
        assert new_snapshot < old_snapshot - len(stored) * 2 * embedder.dimension * 0.99
        assert again.vector_index.ensure_open() is IndexState.READY
        assert not built, "the graph is restored from the snapshot, not rebuilt"
        assert index_keys(again) == stored_chunks(again)
        assert _answers(again, queries) == answers
        assert {m: again.memories.history(m[0], namespace=m[1]) for m in histories} == histories
        assert _used_pages(again) * 4096 < old_pages * 4096 - len(stored) * (4 * embedder.dimension)
        assert again.integrity.check().ok
    finally:
        again.close()


def test_a_snapshot_restores_after_chunks_were_removed_and_their_ids_used_again(services, settings, embedder):
    made = _fill(services, 120)
    services.vector_index.ensure_open()
    assert services.vector_index.snapshot()
    # After the snapshot: the newest memory's chunk goes (its id is free again), and an edit takes new vectors,
    # which take the freed chunk id: the snapshot's graph holds that key with the old vector.
    services.lifecycle.hard_delete(made[-1][0], namespace=made[-1][1])
    services.memories.update(made[5][0], MemoryUpdate(content="w9 w8 w7 a different text"), namespace=made[5][1])
    services.worker.drain()
    services.vector_index.CLOSE_MIN_CHANGES = 10**9  # close without a snapshot: the reopen replays the log
    services.close()
    again = open_vault(settings, PASSPHRASE, embedder, background=False)
    try:
        assert again.vector_index.ensure_open() is IndexState.READY
        assert index_keys(again) == stored_chunks(again)
        hit = again.search.search(SearchQuery("w9 w8 w7 a different text", mode="semantic", limit=1,
                                              filter=MemoryFilter(namespace=made[5][1]))).hits[0]
        assert hit.memory.id == made[5][0] and hit.score > 0.99
    finally:
        again.close()


def test_the_snapshot_layout_round_trips_with_removed_slots():
    from usearch.index import Index

    rng = np.random.default_rng(5)
    idx = Index(ndim=64, metric="cos", dtype="f16", connectivity=16)
    keys = rng.permutation(100_000)[:500].astype(np.uint64)
    vectors = rng.standard_normal((500, 64)).astype(np.float32)
    idx.add(keys, vectors)
    idx.remove(keys[10:20])
    whole = bytes(idx.save())
    stripped = layout.without_vectors(whole)
    assert len(stripped) == len(whole) - 500 * 64 * 2
    slots = layout.slot_keys(stripped)
    assert set(slots.tolist()) == set(keys[20:].tolist()) | set(keys[:10].tolist()) | {int(layout.FREE_KEY)}
    half = vectors.astype(np.float16)
    order = rng.permutation(500)
    pieces = [("a", stripped[:100]), ("a", stripped[100:1000]), ("a", stripped[1000:])]  # stored in parts
    back = layout.with_vectors(pieces, {"a": len(stripped)}, [(keys[order[:200]], half[order[:200]]),
                                                              (keys[order[200:]], half[order[200:]])])["a"]
    restored = Index.restore(back)
    assert len(restored) == 490
    for i in (0, 25, 499):
        # Exact: the vectors came back under their keys. The graph's own search is approximate, and a graph
        # built by several threads differs from run to run (its first hit missed once in a full run).
        assert restored.search(vectors[i], 1, exact=True).keys[0] == keys[i]
        assert keys[i] in restored.search(vectors[i], 10).keys


def test_the_exact_path_reads_the_stored_vectors_and_leaves_out_what_must_not_show(services, clock):
    rng = random.Random(9)
    services.memories.create_batch([MemoryCreate(content=" ".join(rng.sample(WORDS, 6))) for _ in range(40)])
    probe = "zebra quartz lantern"
    gone = services.memories.create(MemoryCreate(content=probe)).memory
    shelved = services.memories.create(MemoryCreate(content=probe + " shelved")).memory
    secret = services.memories.create(MemoryCreate(content=probe + " secret", visibility="confidential")).memory
    fleeting = services.memories.create(MemoryCreate(content=probe + " fleeting", expires_in_seconds=60)).memory
    kept = services.memories.create(MemoryCreate(content=probe + " kept")).memory
    services.worker.drain()
    services.lifecycle.delete(gone.id)
    services.lifecycle.archive(shelved.id)
    clock.advance(120)
    query = services.embedder.embed_query(probe)
    now = clock()
    with services.vault.db.read() as conn:
        searched = MemoryFilter(include_confidential=False)  # as a search asks
        hits, plan = planner.nearest(conn, None, query, searched, 5, now)
        assert plan.path == "exact_stored"
        ids = [h.memory_id for h in hits]
        assert ids[0] == kept.rowid and not {gone.rowid, shelved.rowid, secret.rowid, fleeting.rowid} & set(ids)
        archived = vsearch.knn(conn, query, MemoryFilter(include_archived=True), 5, now)
        assert shelved.rowid in {h.memory_id for h in archived}
        # The same answer the index gives once it is loaded.
        index: VectorIndex = services.vector_index
        index.ensure_open()
        assert_same_answer(planner.nearest(conn, index, query, searched, 5, now)[0], hits)


def _removed_slots_zeroed(blob: bytes) -> bytes:
    """A serialized index with its removed slots' vectors zeroed, as a restore puts them back (never read)."""
    rows, width = layout.matrix_shape(blob)
    free = np.flatnonzero(layout.slot_keys(layout.without_vectors(blob)) == layout.FREE_KEY)
    out = bytearray(blob)
    for slot in free.tolist():
        out[8 + slot * width:8 + (slot + 1) * width] = bytes(width)
    return bytes(out)


@pytest.mark.parametrize("removed_slots", [False, True])
def test_a_restored_index_is_the_index_that_was_saved(services, settings, embedder, monkeypatch, removed_slots):
    """The graph and every vector come back byte for byte, read in many batches across gaps in the chunk ids
    (memories removed), and a graph without removed slots answers exactly as before the close. A removed slot's
    vector is not stored: it comes back as zeros, and walks through it may then differ among ties."""
    made = _fill(services, 300)
    index = services.vector_index
    assert index.ensure_open() is IndexState.READY
    for memory_id, namespace in made[40:70]:
        services.lifecycle.hard_delete(memory_id, namespace=namespace)
    with services.vault.db.read() as conn:
        assert index.catch_up(conn)
    if not removed_slots:
        index.build()  # from the stored vectors: no slot of a removed chunk
    monkeypatch.setattr(knn_log, "PART_BYTES", 5000)  # each graph stored in several parts
    assert index.snapshot()
    with services.vault.db.read() as conn:
        assert conn.execute(text("SELECT count(*) FROM knn_snapshot WHERE part > 0")).scalar_one() >= 2
    saved = {ns: bytes(blob) for ns, blob in index._ann.serialize().items()}
    assert set(saved) == {"a", "b"}
    free = sum(int((layout.slot_keys(layout.without_vectors(b)) == layout.FREE_KEY).sum()) for b in saved.values())
    assert bool(free) is removed_slots
    queries = [embedder.embed_query(" ".join(random.Random(i).sample(WORDS, 4))) for i in range(8)]
    before = [[index.search(ns, q, 15) for ns in ("a", "b")] for q in queries]
    services.close()

    monkeypatch.setattr(vectors, "SCAN_BATCH", 7)  # ~40 statements, batch edges inside the removed range
    again = open_vault(settings, PASSPHRASE, embedder, background=False)
    try:
        restored = again.vector_index
        assert restored.ensure_open() is IndexState.READY and restored.applied == index.applied
        assert {ns: bytes(blob) for ns, blob in restored._ann.serialize().items()} == {
            ns: _removed_slots_zeroed(blob) for ns, blob in saved.items()}
        if not removed_slots:
            after = [[restored.search(ns, q, 15) for ns in ("a", "b")] for q in queries]
            for was, now in zip(before, after, strict=True):
                for (keys, dist), (keys2, dist2) in zip(was, now, strict=True):
                    assert keys.tolist() == keys2.tolist() and dist.tolist() == dist2.tolist()
    finally:
        again.close()


def test_the_vector_scan_returns_each_stored_vector_once_in_id_order(services):
    made = _fill(services, 60)
    for memory_id, namespace in made[10:20]:
        services.lifecycle.hard_delete(memory_id, namespace=namespace)
    with services.vault.db.read() as conn:
        stored = dict(conn.execute(text("SELECT chunk_id, vector FROM chunk_vectors")).all())
        raw = conn.connection.dbapi_connection
        for batch in (1, 4, 10_000):
            batches = list(vectors.scan(raw, batch))
            ids = np.concatenate([i for i, _ in batches])
            assert ids.tolist() == sorted(stored)
            assert all(len(i) <= batch and m.dtype == np.float16 for i, m in batches)
            assert b"".join(m.tobytes() for _, m in batches) == b"".join(stored[c] for c in sorted(stored))
