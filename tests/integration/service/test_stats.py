import pytest

from memvault.domain.models import MemoryCreate


@pytest.mark.usefixtures("queued_stores")
def test_stats_count_by_namespace_type_tier_and_lifecycle(services, clock):
    services.memories.create(MemoryCreate(content="a", memory_type="fact", importance=0.9))
    services.memories.create(MemoryCreate(content="b", memory_type="fact", namespace="work"))
    services.memories.create(MemoryCreate(content="c", memory_type="task", expires_in_seconds=600))
    gone = services.memories.create(MemoryCreate(content="d")).memory
    services.memories.create(MemoryCreate(content="e", expires_in_seconds=60))
    services.lifecycle.delete(gone.id)
    clock.advance(120)
    s = services.stats.stats()
    assert s.total == 3
    assert s.by_namespace == {"default": 2, "work": 1}
    assert s.by_type == {"fact": 2, "task": 1}
    assert s.by_tier == {"hot": 1, "warm": 2}
    assert (s.permanent, s.with_ttl, s.expired, s.deleted) == (2, 1, 1, 1)
    assert s.queue_depth == 5 and s.failed_embeddings == 0
    assert s.storage_bytes > 0 and s.oldest_at <= s.newest_at <= clock.value
    assert sum(s.created_per_day.values()) == 3
    scoped = services.stats.stats("work")
    assert scoped.total == 1 and scoped.by_namespace == {"work": 1} and scoped.queue_depth == 1
    services.worker.drain()
    assert services.stats.stats().queue_depth == 0
    assert {n.name: n.memory_count for n in services.stats.namespaces()} == {"default": 2, "work": 1}
    clock.advance(600)
    later = services.stats.stats()
    assert (later.total, later.with_ttl, later.expired) == (2, 0, 2)


def test_stats_report_bytes_per_memory_and_free_pages(services):
    from memvault.cli.format import stats_text

    services.memories.create_batch([MemoryCreate(content=f"note number {i} about storage") for i in range(40)])
    services.worker.drain()
    s = services.stats.stats()
    assert s.bytes_per_memory == s.storage_bytes / 40
    assert s.free_bytes == 0, "a new vault hands freed pages back"
    assert f"{s.bytes_per_memory:,.0f} bytes per stored memory" in stats_text(s)
    space = services.stats.file_space()
    assert space.pages * space.page_size <= s.storage_bytes


def _plans_of_unindexed_counts(services, namespace):
    """The query plans of the Stats page's per-day and per-tier counts for ``namespace``."""
    from sqlalchemy import Engine, event, text

    seen = []

    def record(_conn, _cursor, statement, parameters, _context, _many):
        if "GROUP BY d" in statement or "GROUP BY tier" in statement:
            seen.append((statement, parameters))

    event.listen(Engine, "before_cursor_execute", record)
    try:
        services.stats.stats(namespace)
    finally:
        event.remove(Engine, "before_cursor_execute", record)
    assert len(seen) == 2
    with services.stats._db.read() as conn:
        return [" ".join(r[-1] for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + s, p).all()) for s, p in seen]


def test_stats_of_a_namespace_holding_most_memories_scan_the_table_once(services):
    # Through the namespace's index, each memory's day and tier cost a row lookup: ~4x a scanned row.
    services.memories.create_batch([MemoryCreate(content=f"note {i}") for i in range(12)])
    services.memories.create(MemoryCreate(content="elsewhere", namespace="small"))
    for plan in _plans_of_unindexed_counts(services, "default"):
        assert "SCAN memories" in plan and "INDEX" not in plan, plan
    for plan in _plans_of_unindexed_counts(services, "small"):  # a small namespace is read through its index
        assert "USING INDEX" in plan, plan
    scoped = services.stats.stats("default")
    assert sum(scoped.by_tier.values()) == 12 and sum(scoped.created_per_day.values()) == 12


@pytest.mark.parametrize(("zone", "day"), [("Pacific/Auckland", "2026-01-02"), ("America/Los_Angeles", "2026-01-01"),
                                          ("UTC", "2026-01-01")])
def test_memories_are_counted_on_the_local_day_they_were_stored(settings, embedder, monkeypatch, zone, day):
    """20:00 UTC on 1 January is 09:00 on the 2nd in Auckland and noon on the 1st in Los Angeles: the Stats page's
    bar for the day (whose "today" is local) is the local one, not the UTC one."""
    import time

    from memvault.service.container import create_vault
    from tests.helpers import PASSPHRASE, ManualClock

    monkeypatch.setenv("TZ", zone)
    time.tzset()
    try:
        services = create_vault(settings, PASSPHRASE, embedder, background=False,
                                wall=ManualClock(1767297600.0))  # 2026-01-01T20:00:00Z
        services.memories.create(MemoryCreate(content="a note made that evening"))
        assert services.stats.stats().created_per_day == {day: 1}
        services.close()
    finally:
        monkeypatch.undo()
        time.tzset()
