"""Trash, archive, hard delete, wipe and TTL purge."""

import time

import pytest
from sqlalchemy import text

from app.domain.errors import Conflict, InvalidInput, NotFound
from app.domain.models import MemoryCreate, MemoryFilter, SearchQuery
from app.service.events import ChangeEvent
from app.vault import vectors


def _expire(services, memory):
    with services.vault.db.write() as conn:
        conn.execute(text("UPDATE memories SET expires_at = :t WHERE id = :r"), {"t": time.time() - 5, "r": memory.rowid})
        vectors.update_vector_flags(conn, memory.rowid, state=0, confidential=False, expires_at=time.time() - 5)


def test_soft_delete_hides_and_restore_brings_back(services):
    m = services.memories.create(MemoryCreate(content="the office wifi password is in the vault")).memory
    services.worker.drain()
    services.lifecycle.delete(m.id)
    assert services.memories.list(MemoryFilter()).total == 0
    for mode in ("semantic", "keyword", "hybrid"):
        assert services.search.search(SearchQuery("office wifi password", mode=mode)).hits == ()
    with pytest.raises(Conflict):
        services.lifecycle.delete(m.id)
    services.lifecycle.restore(m.id)
    assert services.search.search(SearchQuery("office wifi password")).hits[0].memory.id == m.id
    with pytest.raises(Conflict):
        services.lifecycle.restore(m.id)


def test_archive_leaves_search_unless_asked(services):
    m = services.memories.create(MemoryCreate(content="archived knowledge about tides")).memory
    services.worker.drain()
    services.lifecycle.archive(m.id)
    assert services.search.search(SearchQuery("tides")).hits == ()
    asked = SearchQuery("tides", filter=MemoryFilter(include_archived=True, include_confidential=False))
    assert services.search.search(asked).hits[0].memory.id == m.id
    services.lifecycle.unarchive(m.id)
    assert services.search.search(SearchQuery("tides")).hits[0].memory.id == m.id


def test_hard_delete_removes_everything(services):
    m = services.memories.create(MemoryCreate(content="gone for good")).memory
    services.worker.drain()
    services.lifecycle.hard_delete(m.id)
    with pytest.raises(NotFound):
        services.memories.get(m.id)
    with services.vault.db.read() as conn:
        for table in ("memories", "chunks", "memory_history", "memory_tags", "embedding_jobs", "memory_vectors"):
            assert conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one() == 0, table
        assert conn.execute(text("SELECT op FROM oplog ORDER BY id DESC LIMIT 1")).scalar_one() == "tombstone"


def test_wipe_needs_the_exact_name_and_touches_only_that_namespace(services):
    services.memories.create_batch([MemoryCreate(content=f"a{i}", namespace="scratch") for i in range(5)])
    keep = services.memories.create(MemoryCreate(content="keep me")).memory
    with pytest.raises(InvalidInput):
        services.lifecycle.wipe_namespace("scratch", confirm="yes")
    assert services.lifecycle.wipe_namespace("scratch", confirm="scratch") == 5
    assert services.memories.list(MemoryFilter(namespace="scratch")).total == 0
    assert services.memories.get(keep.id)


def test_ttl_purge_removes_only_expired_and_search_never_shows_them(services):
    doomed = services.memories.create(MemoryCreate(content="temporary note about parking", expires_in_seconds=60)).memory
    lasting = services.memories.create(MemoryCreate(content="permanent note about parking")).memory
    services.worker.drain()
    _expire(services, doomed)
    hits = services.search.search(SearchQuery("parking note", mode="hybrid")).hits
    assert [h.memory.id for h in hits] == [lasting.id]
    assert services.stats.stats().expired == 1
    assert services.lifecycle.purge_expired() == 1
    with pytest.raises(NotFound):
        services.memories.get(doomed.id)
    assert services.memories.get(lasting.id)


def test_scheduled_purge_runs_by_itself(settings, embedder):
    from app.service.container import create_vault

    svc = create_vault(settings.with_overrides(purge_interval_seconds=1), "a fine passphrase", embedder)
    try:
        m = svc.memories.create(MemoryCreate(content="expires soon")).memory
        _expire(svc, m)
        from tests.helpers import wait_for
        wait_for(lambda: svc.memories.list(MemoryFilter(include_expired=True)).total == 0, timeout=10)
    finally:
        svc.close()


def test_empty_trash(services):
    a = services.memories.create(MemoryCreate(content="trash me")).memory
    services.memories.create(MemoryCreate(content="keep me"))
    services.lifecycle.delete(a.id)
    assert services.lifecycle.empty_trash() == 1
    assert services.memories.list(MemoryFilter(include_deleted=True)).total == 1


def test_changes_are_announced_after_commit(services):
    seen: list[ChangeEvent] = []
    services.events.subscribe(seen.append)
    m = services.memories.create(MemoryCreate(content="announce me", namespace="ns1")).memory
    services.lifecycle.delete(m.id)
    services.lifecycle.restore(m.id)
    services.lifecycle.hard_delete(m.id)
    assert [(e.kind, e.memory_ids) for e in seen] == [
        ("created", (m.id,)), ("deleted", (m.id,)), ("restored", (m.id,)), ("purged", (m.id,))]


def test_empty_trash_reports_progress_and_stops_when_cancelled(services):
    from app.service import lifecycle

    made = services.memories.create_batch([MemoryCreate(content=f"trash {i}") for i in range(30)])
    for item in made.items:
        services.lifecycle.delete(item.memory_id)
    seen: list[tuple[int, int]] = []
    original = lifecycle.PURGE_BATCH
    lifecycle.PURGE_BATCH = 10
    try:
        removed = services.lifecycle.empty_trash(progress=lambda d, t: seen.append((d, t)),
                                                 cancelled=lambda: len(seen) >= 2)
    finally:
        lifecycle.PURGE_BATCH = original
    assert removed == 20 and seen == [(10, 30), (20, 30)]
    assert services.stats.stats().deleted == 10, "what the purge did not reach stays in the trash"
