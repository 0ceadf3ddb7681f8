"""Trash, archive, hard delete, wipe and TTL purge."""


import pytest
from sqlalchemy import text

from memvault.domain.changes import SYSTEM, USER, ChangeEvent, ChangeKind, ChangeOrigin
from memvault.domain.errors import Conflict, InvalidInput, NotFound
from memvault.domain.models import MemoryCreate, MemoryFilter, MemoryUpdate, SearchQuery
from tests.helpers import wait_for


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
        for table in ("memories", "chunks", "memory_history", "memory_tags", "embedding_jobs", "chunk_vectors"):
            assert conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one() == 0, table
        assert conn.execute(text("SELECT op FROM oplog ORDER BY id DESC LIMIT 1")).scalar_one() == "hard_delete"


def test_wipe_needs_the_exact_name_and_touches_only_that_namespace(services):
    services.memories.create_batch([MemoryCreate(content=f"a{i}", namespace="scratch") for i in range(5)])
    keep = services.memories.create(MemoryCreate(content="keep me")).memory
    with pytest.raises(InvalidInput):
        services.lifecycle.wipe_namespace("scratch", confirm="yes")
    assert services.lifecycle.wipe_namespace("scratch", confirm="scratch") == 5
    assert services.memories.list(MemoryFilter(namespace="scratch")).total == 0
    assert services.memories.get(keep.id)


def test_wipe_takes_the_namespaces_profile_records_and_only_its_own(services):
    from memvault.service.records import RecordService

    records = RecordService(services.vault.db)
    services.memories.create(MemoryCreate(content="a note", namespace="scratch"))
    records.put("scratch", "session", "s1", {"title": "chat"})
    records.put("scratch", "message", "m1", {"text": "hi"}, parent="s1")
    records.put("records-only", "agent", "a1", {"name": "bot"})
    records.put("default", "session", "s1", {"title": "kept"})
    services.lifecycle.wipe_namespace("scratch", confirm="scratch")
    services.lifecycle.wipe_namespace("records-only", confirm="records-only")
    with services.vault.db.read() as conn:
        left = conn.execute(text("SELECT namespace, kind, id FROM profile_records")).all()
    assert [tuple(r) for r in left] == [("default", "session", "s1")]


def test_ttl_purge_removes_only_expired_and_search_never_shows_them(services, clock):
    doomed = services.memories.create(MemoryCreate(content="temporary note about parking", expires_in_seconds=60)).memory
    lasting = services.memories.create(MemoryCreate(content="permanent note about parking")).memory
    services.worker.drain()
    assert len(services.search.search(SearchQuery("parking note", mode="hybrid")).hits) == 2
    clock.advance(61)
    hits = services.search.search(SearchQuery("parking note", mode="hybrid")).hits
    assert [h.memory.id for h in hits] == [lasting.id]
    assert services.stats.stats().expired == 1
    assert services.lifecycle.purge_expired() == 1
    with pytest.raises(NotFound):
        services.memories.get(doomed.id)
    assert services.memories.get(lasting.id)


def test_scheduled_purge_runs_by_itself(settings, embedder, clock):
    from memvault.service.container import create_vault

    svc = create_vault(settings.with_overrides(purge_interval_seconds=1), "a fine passphrase", embedder, wall=clock)
    try:
        svc.memories.create(MemoryCreate(content="expires soon", expires_in_seconds=30))
        assert svc.memories.list(MemoryFilter()).total == 1
        clock.advance(31)
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
    assert [(e.kind, e.memory_ids, e.namespaces, e.origin) for e in seen] == [
        (ChangeKind.CREATED, (m.id,), ("ns1",), USER), (ChangeKind.DELETED, (m.id,), ("ns1",), USER),
        (ChangeKind.RESTORED, (m.id,), ("ns1",), USER), (ChangeKind.PURGED, (m.id,), ("ns1",), USER)]


@pytest.mark.usefixtures("queued_stores")
def test_changes_say_who_made_them(services, clock):
    seen: list[ChangeEvent] = []
    services.events.subscribe(seen.append)
    agent = ChangeOrigin.agent(7)
    m = services.memories.create(MemoryCreate(content="from an agent", expires_in_seconds=5), origin=agent).memory
    services.memories.update(m.id, MemoryUpdate(tags=["x"]), origin=agent)
    services.worker.drain()
    clock.advance(10)
    services.lifecycle.purge_expired()
    assert [(e.kind, e.origin) for e in seen] == [
        (ChangeKind.CREATED, agent), (ChangeKind.UPDATED, agent), (ChangeKind.EMBEDDED, SYSTEM),
        (ChangeKind.PURGED, SYSTEM)]
    assert all(e.memory_ids == (m.id,) for e in seen), "events name memories by UUID, never by rowid"


def test_empty_trash_reports_progress_and_stops_when_cancelled(services):
    from memvault.service import lifecycle

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
