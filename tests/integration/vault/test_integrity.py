"""IntegrityService: what `memvault check` finds on real damage, and what --repair fixes."""

import pytest
from sqlalchemy import text

from memvault.domain.enums import EmbeddingStatus, SearchMode
from memvault.domain.errors import VaultCorrupt, VaultReadOnly
from memvault.domain.models import MemoryCreate, MemoryUpdate, SearchQuery
from memvault.service.container import create_vault, open_vault
from memvault.vault.vault import db_path
from tests.helpers import PASSPHRASE, fast_settings
from tests.helpers.storage import damage_page, remount, small_disk


def _fill(services, n=12):
    made = [services.memories.create(MemoryCreate(content=f"integrity sample {i} about {w}")).memory
            for i, w in enumerate(["sailing", "baking", "chess", "cycling"] * (n // 4))]
    services.worker.drain()
    return made


def test_a_healthy_vault_checks_clean_with_counts(services):
    made = _fill(services)
    services.lifecycle.delete(made[0].id)
    report = services.integrity.check()
    assert report.ok and report.problems == () and report.skipped == {}
    c = report.counts
    assert (c["memories"], c["trashed"], c["ready"], c["fts_rows"], c["jobs"]) == (12, 1, 12, 12, 0)
    assert c["chunks"] == c["vectors"] >= 12


def test_fts_damage_is_found_and_rebuilt(services):
    made = _fill(services)
    with services.vault.db.write() as conn:
        conn.execute(text("DELETE FROM memory_fts WHERE rowid = :r"), {"r": made[1].rowid})
        conn.execute(text("UPDATE memory_fts SET content = 'something else' WHERE rowid = :r"), {"r": made[2].rowid})
        conn.execute(text("INSERT INTO memory_fts(rowid, content) VALUES (99999, 'left over')"))
    report = services.integrity.check()
    [problem] = report.problems
    assert problem.check == "fts" and problem.repairable
    # The index reads the memories' text (it keeps no copy): an out-of-date row is found by FTS5's own check
    # against that text, as a whole, not row by row.
    assert "1 missing, 1 left over" in problem.message
    assert any("does not match its stored text" in d for d in problem.details), problem.details
    hits = services.search.search(SearchQuery(made[1].content, mode=SearchMode.KEYWORD)).hits
    assert made[1].id not in [h.memory.id for h in hits]

    repaired = services.integrity.repair()
    assert repaired.ok, repaired.problems
    assert any("rebuilt the full-text index (12 memories)" in line for line in repaired.repaired)
    hits = services.search.search(SearchQuery("integrity sample 1 about baking", mode=SearchMode.KEYWORD)).hits
    assert hits and hits[0].memory.id == made[1].id
    assert not services.search.search(SearchQuery("something else", mode=SearchMode.KEYWORD)).hits


def test_text_changed_under_the_keyword_index_is_found(services):
    made = _fill(services)
    with services.vault.db.write() as conn:
        conn.execute(text("UPDATE memory_fts SET content = 'something else' WHERE rowid = :r"), {"r": made[2].rowid})
    [problem] = services.integrity.check().problems
    assert problem.check == "fts" and problem.repairable
    assert services.integrity.repair().ok


def test_missing_and_orphaned_vectors_are_found_requeued_and_removed(services):
    made = _fill(services)
    with services.vault.db.write() as conn:
        chunk = conn.execute(text("SELECT id FROM chunks WHERE memory_id = :m"), {"m": made[3].rowid}).scalar_one()
        conn.execute(text("DELETE FROM chunk_vectors WHERE chunk_id = :r"), {"r": chunk})
        # A memory left "processing" without a job (it would never become ready).
        conn.execute(text("DELETE FROM embedding_jobs"))
        conn.execute(text("UPDATE memories SET embedding_status = 'processing' WHERE id = :m"), {"m": made[4].rowid})
    # A vector whose chunk and memory are gone (foreign keys forbid it: damage, or a file edited by hand).
    with services.vault.db.outside_transaction() as raw:
        raw.execute("PRAGMA foreign_keys = OFF")
        try:
            raw.execute("INSERT INTO chunk_vectors(chunk_id, vector) SELECT 777777, vector FROM chunk_vectors LIMIT 1")
        finally:
            raw.execute("PRAGMA foreign_keys = ON")
    report = services.integrity.check()
    messages = " | ".join(p.message for p in report.problems)
    assert not report.ok and all(p.repairable for p in report.problems)
    assert "1 memories marked ready lack vectors" in messages
    assert "1 vectors or chunks belong to no memory" in messages
    assert "1 memories wait for an embedding that is not queued" in messages

    repaired = services.integrity.repair()
    assert any("queued 2 memories" in line for line in repaired.repaired)
    services.worker.drain()
    after = services.integrity.check()
    assert after.ok, after.problems
    assert services.memories.get(made[3].id).embedding_status is EmbeddingStatus.READY
    assert services.memories.get(made[4].id).embedding_status is EmbeddingStatus.READY


def test_vectors_no_model_makes_are_found_and_embedded_again(services):
    """A NaN vector (a crafted bundle's, before imports checked them) ranked its memory first for any query;
    `memvault check` said the vault was intact."""
    import numpy as np

    made = _fill(services)
    with services.vault.db.write() as conn:
        chunks = conn.execute(text("SELECT id, length(vector) FROM chunks JOIN chunk_vectors ON chunk_id = id "
                                   "WHERE memory_id IN (:a, :b)"), {"a": made[5].rowid, "b": made[6].rowid}).all()
        for (chunk, size), value in zip(chunks, (np.nan, 7.0)):
            conn.execute(text("UPDATE chunk_vectors SET vector = :v WHERE chunk_id = :c"),
                         {"v": np.full(size // 2, value, dtype=np.float16).tobytes(), "c": chunk})
    report = services.integrity.check()
    [problem] = report.problems
    assert problem.check == "vectors" and problem.repairable and "2 memories have vectors no model makes" in \
        problem.message
    repaired = services.integrity.repair()
    assert any("queued 2 memories" in line for line in repaired.repaired)
    services.worker.drain()
    assert services.integrity.check().ok
    assert services.memories.get(made[5].id).embedding_status is EmbeddingStatus.READY


def test_a_flipped_byte_is_found_and_not_offered_for_repair(settings, embedder):
    svc = create_vault(settings, PASSPHRASE, embedder, background=False)
    made = _fill(svc, 40)
    with svc.vault.db.read() as conn:
        fts_page = conn.execute(text("SELECT rootpage FROM sqlite_master WHERE name = 'memory_fts_data'")).scalar_one()
    svc.close()
    damage_page(db_path(settings.home_path), int(fts_page))
    svc = open_vault(settings, PASSPHRASE, embedder, background=False)
    try:
        with pytest.raises(VaultCorrupt, match="the vault file is damaged"):
            svc.search.search(SearchQuery("sailing", mode=SearchMode.KEYWORD))
        # The connection that met the damaged page is dropped: the rest of the vault still reads.
        for _ in range(3):
            assert svc.memories.get(made[0].id).content == made[0].content
        assert svc.search.search(SearchQuery("sailing", mode=SearchMode.SEMANTIC)).hits

        report = svc.integrity.check()
        pages = [p for p in report.problems if p.check == "pages"]
        assert pages and not pages[0].repairable and "backup" in pages[0].message
        assert pages[0].details == (f"HMAC verification failed for page {fts_page}",)
        assert not report.repairable
        repaired = svc.integrity.repair()
        assert not repaired.ok and len(repaired.repaired) == 1
        assert repaired.repaired[0].startswith("nothing was repaired: the vault file is damaged")
    finally:
        svc.close()


def test_read_only_vault_checks_what_it_can_and_refuses_repair(tmp_path, embedder):
    with small_disk(tmp_path / "disk") as disk:
        svc = create_vault(fast_settings(disk / "vault"), PASSPHRASE, embedder, background=False)
        _fill(svc)
        svc.close()
        remount(disk, "ro")
        svc = open_vault(fast_settings(disk / "vault"), PASSPHRASE, embedder, background=False)
        try:
            report = svc.integrity.check()
            assert report.ok and report.skipped == {"fts": "vault_read_only"}
            assert report.counts["memories"] == 12
            with pytest.raises(VaultReadOnly):
                svc.integrity.repair()
        finally:
            svc.close()
            remount(disk, "rw")


def test_pages_a_race_fails_are_read_again_under_the_writer_and_not_reported(services, monkeypatch):
    """SQLCipher's page check reads the file itself: a checkpoint that shortens the file while it reads (a
    background compaction) failed pages past the new end, and the vault was then marked damaged and written no
    more. What a first pass finds is read again holding the writer; only damage found twice is reported."""
    from memvault.service import integrity as integrity_service

    made = _fill(services)
    real = integrity_service.checks.check_cipher
    passes = []

    def racing(conn, found):
        passes.append(getattr(services.vault.db._local, "writing", False))  # inside the writer's transaction
        if len(passes) == 1:
            found.damaged_pages = ["error reading 4096 bytes from file page 2248 at offset 9203712"]
            return
        real(conn, found)

    monkeypatch.setattr(integrity_service.checks, "check_cipher", racing)
    report = services.integrity.check()
    assert passes == [False, True] and report.ok, report.problems
    services.memories.update(made[0].id, MemoryUpdate(content="still writable after the check"))
    assert services.memories.get(made[0].id).content == "still writable after the check"
