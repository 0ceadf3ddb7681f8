"""Schema 22 (issue 46): one lifecycle index instead of two, no index by fact subject, the creation-time indexes
ascending and the own-time index holding stated times only. A vault at schema 21 migrated to 22 answers every list,
count, filter and search as before, from fewer pages, and embeds nothing again."""

import random
import time

import pytest

from sqlalchemy import text

from memvault.domain.enums import MemoryType, Tier
from memvault.domain.models import MemoryCreate, MemoryFilter, SearchQuery
from memvault.service.container import open_vault
from memvault.vault import entities, filters, migrations
from tests.helpers import PASSPHRASE
from tests.helpers.schema21 import set_back_to_schema_21

WORDS = [f"w{i}" for i in range(300)]
TYPES = [MemoryType.FACT, MemoryType.TASK, MemoryType.EVENT, MemoryType.PREFERENCE]


def _fill(services) -> list[str]:
    rng = random.Random(5)
    items = []
    for i in range(600):
        metadata = {"event_at": f"2026-02-{10 + i % 9:02d}T09:00"} if i % 7 == 0 else {}
        if i % 11 == 0:
            metadata = {"fact": {"subject": f"s{i % 3}", "person_id": "p1", "attribute": f"a{i % 4}"}}
        items.append(MemoryCreate(content=" ".join(rng.sample(WORDS, 6)), namespace="a" if i % 5 else "b",
                                  memory_type=TYPES[i % 4], agent_id=f"agent{i % 3}",
                                  tags=rng.sample(["x", "y", "z"], i % 3), importance=round(rng.random(), 2),
                                  metadata=metadata))
    ids = [item.memory_id for at in range(0, len(items), 100)
           for item in services.memories.create_batch(items[at:at + 100]).items]
    services.worker.drain()
    for memory_id in ids[3:60:9]:
        services.lifecycle.delete(memory_id)
    for memory_id in ids[5:60:11]:
        services.lifecycle.archive(memory_id)
    return ids


FILTERS = [MemoryFilter(namespace="a"), MemoryFilter(namespace=None),
           MemoryFilter(namespace="a", memory_types=(MemoryType.FACT,)),
           MemoryFilter(namespace="a", memory_types=(MemoryType.TASK, MemoryType.EVENT), tags=("x",)),
           MemoryFilter(namespace="a", agent_id="agent1"), MemoryFilter(namespace="a", tier=Tier.HOT),
           MemoryFilter(namespace="a", only_deleted=True), MemoryFilter(namespace="a", include_archived=True),
           MemoryFilter(namespace="a", include_deleted=True, memory_types=(MemoryType.FACT,))]


def _answers(services) -> dict:
    out: dict = {}
    for i, f in enumerate(FILTERS):
        page = services.memories.list(f, limit=25)
        out[f"list {i}"] = ([m.id for m in page.items], page.total)
        if page.next_cursor:
            out[f"next {i}"] = [m.id for m in services.memories.list(f, limit=25, cursor=page.next_cursor).items]
        out[f"count {i}"] = services.memories.count(f)
    for mode in ("semantic", "keyword", "hybrid"):
        for q in ("w1 w2 w3", "w40 w41", "what happened on 13 February 2026"):
            # Not across namespaces: a reopened vault's index merges namespaces' ties in another order, as it does
            # without a migration.
            for f in FILTERS[:1] + FILTERS[2:6]:
                out[f"{mode} {q} {f}"] = [h.memory.id for h in services.search.search(
                    SearchQuery(q, mode=mode, limit=10, filter=f)).hits]
    st = services.stats.stats("a")  # not the file's bytes: a close checkpoints the log
    out["stats"] = (st.total, st.by_type, st.by_tier, st.by_namespace, st.archived, st.deleted, st.created_per_day)
    out["namespaces"] = services.stats.namespaces()
    with services.vault.db.read() as conn:
        where = filters.full(MemoryFilter(namespace="a"), time.time())
        out["dated"] = entities.dated_memories(conn, "2026-02-13T00:00", "2026-02-15T00:00", where, 100,
                                               prefix="2026-02-13")
    return out


def _used_pages(services) -> int:
    with services.vault.db.read() as conn:
        return int(conn.exec_driver_sql("PRAGMA page_count").scalar_one()) - int(
            conn.exec_driver_sql("PRAGMA freelist_count").scalar_one())


@pytest.mark.seconds  # builds and migrates a vault: ~2 s
def test_a_schema_21_vault_answers_the_same_from_fewer_pages(services, settings, embedder):
    _fill(services)
    answers = _answers(services)
    assert services.vector_index.snapshot()  # what a close does, so that the pages compared differ by the indexes
    services.vector_index.CLOSE_MIN_CHANGES = 10**9
    with services.vault.db.write() as conn:
        set_back_to_schema_21(conn)
    old_pages = _used_pages(services)
    services.close()

    again = open_vault(settings, PASSPHRASE, embedder, background=False)
    try:
        with again.vault.db.read() as conn:
            assert migrations.current_version(conn) == migrations.LATEST >= 22
            indexes = dict(conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'index'")).all())
            assert conn.execute(text("SELECT count(*) FROM embedding_jobs")).scalar_one() == 0, "nothing re-embedded"
        assert not {"ix_memories_ns_type", "ix_memories_fact_subject"} & set(indexes)
        assert "DESC" not in indexes["ix_memories_created"] + indexes["ix_memories_ns_created"]
        assert "IS NOT NULL" in indexes["ix_memories_own_time"]
        assert _answers(again) == answers
        # Three entries of ~20-30 bytes per memory gone (600 memories: 11 pages of 4 KiB measured), one gained
        # (visibility in the lifecycle index); the set-back indexes were built packed, as a CREATE INDEX leaves them.
        assert _used_pages(again) <= old_pages - 8, (old_pages, _used_pages(again))
        assert again.integrity.check().ok
    finally:
        again.close()


def test_a_new_vault_has_the_same_memory_indexes_as_an_upgraded_one(services, settings, embedder):
    with services.vault.db.read() as conn:
        fresh = dict(conn.execute(text(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'memories'")).all())
        with services.vault.db.write() as w:
            set_back_to_schema_21(w)
    services.close()
    again = open_vault(settings, PASSPHRASE, embedder, background=False)
    try:
        with again.vault.db.read() as conn:
            upgraded = dict(conn.execute(text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'memories'")).all())
        assert upgraded == fresh
    finally:
        again.close()


def test_a_type_shown_with_archived_or_trashed_memories_is_counted_by_state_and_seeks_its_type(services):
    """The lifecycle index has the state before the type: with archived or trashed memories shown, each state is
    counted on its own (filters.state_parts), the live one by a seek to the type; the totals and eligible chunks
    are those of the single statement."""
    from memvault.vault import memory_queries
    from memvault.vault.knn import planner

    _fill(services)
    now = time.time()
    shown = [dict(include_archived=True), dict(include_deleted=True), dict(include_deleted=True, include_archived=True)]
    with services.vault.db.read() as conn:
        for extra in shown:
            f = MemoryFilter(namespace="a", memory_types=(MemoryType.FACT, MemoryType.TASK), **extra)
            parts = filters.state_parts(f, now)
            assert len(parts) == (3 if len(extra) == 2 else 2)
            whole = filters.full(f, now)
            single = conn.execute(text(f"SELECT count(*) FROM memories m WHERE {whole.sql()}"), whole.params).scalar_one()
            assert memory_queries.count_matching(conn, f, now) == single > 0
            assert planner.eligible_memories(conn, f, now, 10_000) == single
            chunks = set(conn.execute(text(f"SELECT c.id FROM memories m CROSS JOIN chunks c ON c.memory_id = m.id "
                                           f"WHERE {whole.sql()}"), whole.params).scalars())
            assert set(planner.eligible(conn, f, now)[0].tolist()) == chunks
            sql, params = planner.count_sql(f, now)
            plan = " ".join(str(r) for r in conn.execute(text("EXPLAIN QUERY PLAN " + sql), dict(params, cap=10)))
            assert "ix_memories_live (namespace=? AND deleted_at=? AND archived_at=? AND memory_type=?)" in plan, plan
        f = MemoryFilter(namespace="a", memory_types=(MemoryType.FACT,))
        assert filters.state_parts(f, now)[0].sql() == filters.full(f, now).sql(), "nothing to split: one part"
