"""Where a vault's bytes go: the vector log in float16, freed pages handed back to the file system, and an
older vault (float32 log, no auto-vacuum) shrinking when this release opens it, without re-embedding."""

import random

import numpy as np
from sqlalchemy import text

from memvault.domain.models import MemoryCreate, MemoryUpdate, SearchQuery
from memvault.service.container import create_vault, open_vault
from memvault.vault import compaction, fts, integrity, migrations, oplog
from memvault.vault import stats as vstats
from memvault.vault.knn import IndexState, log
from tests.helpers import PASSPHRASE, fast_settings
from tests.helpers.knn import index_keys, stored_chunks
from tests.helpers.schema20 import set_back_to_schema_20

WORDS = [f"w{i}" for i in range(400)]
OLD_SEGMENTED_DDL = ("CREATE VIRTUAL TABLE memory_fts_segmented USING fts5(words, "
                     "tokenize = 'unicode61 remove_diacritics 2 categories ''L* N* Co M*''')")


def _widen_log(conn) -> None:
    """What an older release left in the log: the same vectors in float32."""
    conn.connection.dbapi_connection.executemany(
        "UPDATE knn_log SET vector = ? WHERE seq = ?",
        [(np.frombuffer(v, np.float16).astype(np.float32).tobytes(), seq) for seq, v in conn.execute(text(
            "SELECT seq, vector FROM knn_log WHERE vector IS NOT NULL")).all()])


def _fill(services, n: int, seed: int = 1) -> list[tuple[str, str]]:
    """``n`` stored and embedded memories, as ``(id, content)``."""
    rng = random.Random(seed)
    texts = [" ".join(rng.sample(WORDS, 6)) for _ in range(n)]
    ids = [item.memory_id for at in range(0, n, 100)
           for item in services.memories.create_batch([MemoryCreate(content=t) for t in texts[at:at + 100]]).items]
    services.worker.drain()
    return list(zip(ids, texts, strict=True))


def _file_space(services) -> vstats.FileSpace:
    with services.vault.db.read() as conn:
        return vstats.file_space(conn)


def test_the_log_keeps_vectors_in_float16_and_the_index_reads_them(services, embedder):
    _fill(services, 20)
    dim = embedder.dimension
    with services.vault.db.read() as conn:
        lengths = {r[0] for r in conn.execute(text("SELECT length(vector) FROM knn_log WHERE vector IS NOT NULL"))}
        first = conn.execute(text("SELECT chunk_id, vector FROM knn_log ORDER BY seq LIMIT 1")).one()
        stored = conn.execute(text("SELECT vector FROM chunk_vectors WHERE chunk_id = :r"), {"r": first[0]}).scalar()
    assert lengths == {2 * dim}
    assert first[1] == stored, "the log carries the stored float16 bytes"
    assert np.array_equal(log.vector_of(first[1], dim), np.frombuffer(stored, np.float16).astype(np.float32))
    services.vector_index.ensure_open()
    assert index_keys(services) == stored_chunks(services)


def test_a_float32_log_written_before_is_still_replayed(services, settings, embedder):
    made = _fill(services, 10)
    services.vector_index.ensure_open()
    services.vector_index.snapshot()
    late = services.memories.create(MemoryCreate(content="a late note about w7 w8 w9")).memory
    services.worker.drain()
    # What an older release left in the log: the same vectors in float32.
    with services.vault.db.write() as conn:
        _widen_log(conn)
        assert conn.execute(text("SELECT count(*) FROM knn_log WHERE length(vector) = :n"),
                            {"n": 4 * embedder.dimension}).scalar_one() >= 1
    services.vector_index.CLOSE_MIN_CHANGES = 10**9  # close without a snapshot: the reopen replays the log
    services.close()
    again = open_vault(settings, PASSPHRASE, embedder, background=False)
    try:
        assert again.vector_index.ensure_open() is IndexState.READY
        assert index_keys(again) == stored_chunks(again)
        hits = again.search.search(SearchQuery("a late note about w7 w8 w9", mode="semantic")).hits
        assert hits[0].memory.id == late.id
        assert len(made) == 10
    finally:
        again.close()


def test_a_new_vault_is_incremental_from_its_first_page_without_rewriting_the_file(tmp_path, monkeypatch, embedder):
    rewrote = []
    real = compaction.ensure_incremental
    monkeypatch.setattr(compaction, "ensure_incremental", lambda db: rewrote.append(real(db)) or rewrote[-1])
    services = create_vault(fast_settings(tmp_path / "vault"), PASSPHRASE, embedder)
    try:
        with services.vault.db.read() as conn:
            assert compaction.auto_vacuum(conn) == compaction.INCREMENTAL
    finally:
        services.close()
    assert rewrote == [False]  # the check ran, and found nothing to rewrite


def test_a_new_vault_hands_freed_pages_back_when_a_snapshot_drops_the_log(services):
    with services.vault.db.write() as conn:
        assert compaction.auto_vacuum(conn) == compaction.INCREMENTAL
    _fill(services, 300)
    services.vector_index.ensure_open()
    before = _file_space(services)
    with services.vault.db.read() as conn:
        log_bytes = conn.execute(text("SELECT sum(length(vector)) FROM knn_log")).scalar_one()
    assert services.vector_index.snapshot()
    after = _file_space(services)
    with services.vault.db.read() as conn:
        assert conn.execute(text("SELECT count(*) FROM knn_log")).scalar_one() == 0
        snapshot_bytes = conn.execute(text("SELECT sum(length(bytes)) FROM knn_snapshot")).scalar_one()
    assert after.free_pages == 0
    # Without the reclaim the file keeps the log's pages as free ones and grows by the whole snapshot.
    grown = (after.pages - before.pages) * after.page_size
    assert grown < snapshot_bytes - 0.8 * log_bytes, (grown, snapshot_bytes, log_bytes)


def _make_old(services, settings, embedder) -> tuple[int, int]:
    """Turn ``services``'s vault into what schema 16 left: float32 log, no auto-vacuum, free pages, the oplog's
    two indexes and every entry, a segmented keyword index holding its text."""
    dim = embedder.dimension
    with services.vault.db.write() as conn:
        set_back_to_schema_20(conn, dim)
        conn.execute(text("CREATE INDEX ix_oplog_hlc ON oplog(hlc)"))
        conn.execute(text("CREATE INDEX ix_oplog_memory ON oplog(memory_uuid, id)"))
        conn.execute(text("DROP TABLE memory_fts"))
        conn.execute(text("CREATE VIRTUAL TABLE memory_fts USING fts5(content, tokenize = 'porter unicode61')"))
        conn.execute(text("INSERT INTO memory_fts(rowid, content) SELECT id, content FROM memories"))
        conn.execute(text("DROP TABLE memory_fts_segmented"))
        conn.execute(text(OLD_SEGMENTED_DDL))
        fts.index_rows(conn.connection.dbapi_connection,
                       conn.execute(text("SELECT id, content FROM memories")).all())
        _widen_log(conn)
        conn.execute(text("CREATE TABLE filler (b BLOB)"))
        conn.execute(text("INSERT INTO filler SELECT randomblob(4000) FROM memory_vectors"))
    with services.vault.db.outside_transaction() as raw:
        raw.execute("PRAGMA auto_vacuum = NONE")
        raw.execute("VACUUM")
    with services.vault.db.write() as conn:
        conn.execute(text("DROP TABLE filler"))
        conn.execute(text("PRAGMA user_version = 16"))
        f32 = conn.execute(text("SELECT count(*) FROM knn_log WHERE length(vector) = :n"), {"n": 4 * dim}).scalar_one()
        assert compaction.auto_vacuum(conn) == 0
    with services.vault.db.outside_transaction() as raw:
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    space = _file_space(services)
    assert f32 > 0 and space.free_pages > 0
    return f32, (settings.home_path / "vault.db").stat().st_size


def test_an_older_vault_shrinks_on_upgrade_without_reembedding(services, settings, embedder):
    made = _fill(services, 200)
    cjk = services.memories.create(MemoryCreate(content="我们明天去北京开会")).memory
    services.worker.drain()
    services.vector_index.CLOSE_MIN_CHANGES = 10**9  # keep the log: the old vault has one to convert
    f32, old_size = _make_old(services, settings, embedder)
    with services.vault.db.read() as conn:
        vectors_before = dict(conn.execute(text("SELECT rowid, embedding FROM memory_vectors")).all())
        newest_entry = conn.execute(text("SELECT max(id) FROM oplog")).scalar_one()
    services.close()
    again = open_vault(settings, PASSPHRASE, embedder, background=False)
    try:
        with again.vault.db.read() as conn:
            assert migrations.current_version(conn) == migrations.LATEST
            assert compaction.auto_vacuum(conn) == compaction.INCREMENTAL
            assert conn.execute(text("SELECT count(*) FROM knn_log WHERE length(vector) = :n"),
                                {"n": 2 * embedder.dimension}).scalar_one() == f32
            assert conn.execute(text("SELECT count(*) FROM embedding_jobs")).scalar_one() == 0, "nothing re-embedded"
            # Migration 21: one float16 copy of each vector, the float32 one gone.
            assert dict(conn.execute(text("SELECT chunk_id, vector FROM chunk_vectors")).all()) == {
                c: np.frombuffer(b, np.float32).astype(np.float16).tobytes() for c, b in vectors_before.items()}
            assert not conn.execute(text("SELECT name FROM sqlite_master WHERE name LIKE 'memory_vectors%'")).all()
            # Migration 20: the spent oplog and its indexes go, the segmented index keeps no text.
            assert conn.execute(text("SELECT id FROM oplog")).scalars().all() == [newest_entry]
            assert not conn.execute(text("SELECT name FROM sqlite_master WHERE name LIKE 'ix_oplog%'")).all()
            assert conn.execute(text("SELECT count(*) FROM memory_fts_segmented")).scalar_one() == 201
            assert conn.execute(text("SELECT count(*) FROM memory_fts_segmented WHERE words IS NOT NULL")
                                ).scalar_one() == 0
            assert not conn.execute(text("SELECT name FROM sqlite_master WHERE name LIKE 'memory_fts%_content'")).all()
            assert conn.execute(text("SELECT count(*) FROM memory_fts_docsize")).scalar_one() == 201
        assert _file_space(again).free_pages == 0
        new_size = (settings.home_path / "vault.db").stat().st_size
        assert new_size < old_size * 0.8, (old_size, new_size)
        assert again.vector_index.ensure_open() is IndexState.READY
        assert index_keys(again) == stored_chunks(again)
        probe_id, probe_text = made[5]
        hits = again.search.search(SearchQuery(probe_text, mode="semantic")).hits
        assert hits[0].memory.id == probe_id
        assert [h.memory.id for h in again.search.search(SearchQuery("北京", mode="keyword")).hits] == [cjk.id]
        assert again.search.search(SearchQuery(probe_text, mode="keyword")).hits[0].memory.id == probe_id
        assert again.integrity.check().ok
    finally:
        again.close()


def test_the_page_breakdown_counts_each_table(services, tmp_path):
    _fill(services, 100)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    parts = vstats.page_breakdown(services.vault.db, scratch)
    assert 100 * 2 * 384 < parts["chunk_vectors"] < 100 * 2 * 384 * 1.3, "one float16 copy of each vector"
    assert "memory_vectors" not in parts
    assert parts["memories"] > 0 and parts["memory_fts"] > 0 and "(free)" in parts
    assert "ix_memories_created" not in parts, "indexes count under their table"
    assert not list(scratch.iterdir()), "the plaintext copy is removed"


def _oplog_ids(services) -> list[int]:
    with services.vault.db.read() as conn:
        return list(conn.execute(text("SELECT id FROM oplog ORDER BY id")).scalars())


def test_a_snapshot_drops_the_oplog_entries_nothing_will_read_while_sync_is_off(services):
    _fill(services, 50)
    before = _oplog_ids(services)
    assert len(before) >= 100, "a create and a vectors entry per memory"
    services.vector_index.ensure_open()
    assert services.vector_index.snapshot()
    assert _oplog_ids(services) == [before[-1]], "the newest stays, so that ids are never handed out again"
    services.memories.create(MemoryCreate(content="written after the prune"))
    assert _oplog_ids(services)[-1] > before[-1]


def test_settings_of_a_sync_without_a_cursor_keep_every_entry(services):
    _fill(services, 5)
    before = _oplog_ids(services)
    with services.vault.db.write() as conn:
        conn.execute(text("INSERT INTO settings(key, value) VALUES ('sync_target', '{}')"))
        assert oplog.prune(conn) == 0
    assert _oplog_ids(services) == before


def test_the_keyword_indexes_keep_no_copy_of_the_text(services):
    kept = services.memories.create(MemoryCreate(content="我们明天去北京开会")).memory
    gone = services.memories.create(MemoryCreate(content="上海的天气很好")).memory
    services.memories.update(kept.id, MemoryUpdate(content="我们后天去东京开会"))
    services.lifecycle.hard_delete(gone.id)
    with services.vault.db.read() as conn:
        ddl = conn.execute(text("SELECT sql FROM sqlite_master WHERE name = 'memory_fts_segmented'")).scalar_one()
        stored = conn.execute(text("SELECT rowid, words FROM memory_fts_segmented")).all()
        findings = integrity.Findings()
        integrity.check_rows(conn, findings)
    assert "content=''" in ddl
    with services.vault.db.read() as conn:
        english = conn.execute(text("SELECT sql FROM sqlite_master WHERE name = 'memory_fts'")).scalar_one()
        copies = conn.execute(text("SELECT name FROM sqlite_master WHERE name LIKE 'memory_fts%_content'")).all()
    assert "content='memories'" in english and not copies
    # The English index reads the text it removes from the row: changed and deleted rows leave no words behind.
    note = services.memories.create(MemoryCreate(content="the quarterly budget review")).memory
    other = services.memories.create(MemoryCreate(content="the budget for the offsite")).memory
    services.memories.update(note.id, MemoryUpdate(content="the annual hiring plan"))
    services.lifecycle.hard_delete(other.id)
    assert not services.search.search(SearchQuery("budget", mode="keyword")).hits
    assert [h.memory.id for h in services.search.search(SearchQuery("hiring", mode="keyword")).hits] == [note.id]
    assert services.integrity.check().ok
    assert [tuple(r) for r in stored] == [(kept.rowid, None)], "rows by rowid only, no text"
    assert findings.fts_missing == [] and findings.fts_orphans == []
    found = [h.memory.id for h in services.search.search(SearchQuery("东京", mode="keyword")).hits]
    assert found == [kept.id]
    assert not services.search.search(SearchQuery("北京", mode="keyword")).hits, "the replaced text's words left"
    assert not services.search.search(SearchQuery("上海", mode="keyword")).hits, "the deleted memory's words left"
