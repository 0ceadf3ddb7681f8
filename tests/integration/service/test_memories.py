"""Creating, reading, listing and editing memories through the service."""

import time

import pytest
from sqlalchemy import text
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from memvault.domain import limits
from memvault.domain.enums import EmbeddingStatus, MemoryType, TagMatch, Tier, Visibility
from memvault.domain.errors import Conflict, InvalidInput, NotFound
from memvault.domain.models import MemoryCreate, MemoryFilter, MemoryUpdate, SearchMode, SearchQuery
from memvault.embedding.lazy import LazyEmbedder
from memvault.embedding.manifest import load_manifest
from memvault.service import memories
from memvault.service.container import create_vault
from tests.helpers import PASSPHRASE


def test_create_applies_documented_defaults(services):
    result = services.memories.create(MemoryCreate(content="The user prefers dark mode"))
    m = result.memory
    assert result.created and not result.is_duplicate
    assert m.namespace == "default" and m.memory_type is MemoryType.GENERAL
    assert m.importance == 0.5 and m.tier is Tier.WARM and m.visibility is Visibility.PRIVATE
    assert m.version == 1 and m.embedding_status is EmbeddingStatus.READY
    assert m.tags == () and m.metadata == {} and m.expires_at is None


def test_a_short_text_is_searchable_when_stored_and_a_long_one_is_queued(services):
    short = services.memories.create(MemoryCreate(content="The spare key is under the blue flowerpot")).memory
    assert short.embedding_status is EmbeddingStatus.READY and short.model_id == services.embedder.model_id
    assert services.jobs.depth() == 0
    hits = services.search.search(SearchQuery("spare key flowerpot", mode=SearchMode.SEMANTIC)).hits
    assert [h.memory.id for h in hits] == [short.id]
    long_text = "The garden shed holds the lawn mower. " * 40
    assert len(long_text) > memories.INLINE_EMBED_MAX_CHARS
    queued = services.memories.create(MemoryCreate(content=long_text)).memory
    assert queued.embedding_status is EmbeddingStatus.PROCESSING and services.jobs.depth() == 1
    services.worker.drain()
    assert services.memories.get(queued.id).embedding_status is EmbeddingStatus.READY


def _ops(services, memory_id: str) -> list[str]:
    with services.vault.db.read() as conn:
        return [r.op for r in conn.execute(text("SELECT op FROM oplog WHERE memory_uuid = :u ORDER BY id"),
                                           {"u": memory_id})]


def test_a_short_edit_is_searchable_when_made_and_a_long_one_is_queued(services):
    m = services.memories.create(MemoryCreate(content="The spare key is under the blue flowerpot")).memory
    edited = services.memories.update(m.id, MemoryUpdate(content="The spare key now hangs in the garage"))
    assert edited.embedding_status is EmbeddingStatus.READY and edited.version == 2
    assert services.jobs.depth() == 0
    # The same entries the queue would have written later: the edit, then its vectors; one transaction.
    assert _ops(services, m.id) == ["create", "update", "vectors"]
    hits = services.search.search(SearchQuery("spare key hangs in the garage", mode=SearchMode.SEMANTIC)).hits
    assert hits and hits[0].memory.id == m.id and hits[0].memory.content.endswith("garage")
    with services.vault.db.read() as conn:
        chunks = conn.execute(text("SELECT count(*) FROM chunks WHERE memory_id = :m"), {"m": m.rowid}).scalar()
    assert chunks == 1, "the old content's vectors were replaced, not kept beside the new"
    long_text = "The garden shed holds the lawn mower. " * 40
    queued = services.memories.update(m.id, MemoryUpdate(content=long_text))
    assert queued.embedding_status is EmbeddingStatus.PROCESSING and services.jobs.depth() == 1
    services.worker.drain()
    assert services.memories.get(m.id).embedding_status is EmbeddingStatus.READY


def test_an_edit_that_changes_no_text_embeds_nothing(services, monkeypatch):
    m = services.memories.create(MemoryCreate(content="The boiler is serviced every October")).memory
    monkeypatch.setattr(services.memories._embedder, "embed_documents", lambda texts: pytest.fail("embedded"))
    same = services.memories.update(m.id, MemoryUpdate(content=m.content, tags=["home"]))
    assert same.tags == ("home",) and same.embedding_status is EmbeddingStatus.READY
    assert _ops(services, m.id) == ["create", "update"]


def test_an_edit_whose_embedding_fails_is_queued_not_lost(services, monkeypatch, caplog):
    m = services.memories.create(MemoryCreate(content="The boiler is serviced every October")).memory

    def broken(texts):
        raise RuntimeError("simulated inference failure")

    monkeypatch.setattr(services.memories._embedder, "embed_documents", broken)
    edited = services.memories.update(m.id, MemoryUpdate(content="The boiler is serviced every March"))
    assert edited.embedding_status is EmbeddingStatus.PROCESSING and services.jobs.depth() == 1
    assert edited.content.endswith("March") and edited.version == 2
    assert "RuntimeError" in caplog.text and "boiler" not in caplog.text
    monkeypatch.undo()
    services.worker.drain()
    assert services.memories.get(m.id).embedding_status is EmbeddingStatus.READY


def test_an_edit_of_a_missing_memory_writes_nothing(services):
    with pytest.raises(NotFound):
        services.memories.update("0190a1b2-0000-7000-8000-000000000000", MemoryUpdate(content="A new text"))
    assert services.jobs.depth() == 0


def test_a_store_does_not_wait_for_a_model_still_loading(settings, clock):
    lazy = LazyEmbedder(load_manifest())
    svc = create_vault(settings, PASSPHRASE, lazy, background=False, wall=clock)
    try:
        m = svc.memories.create(MemoryCreate(content="The boiler is serviced every October")).memory
        assert m.embedding_status is EmbeddingStatus.PROCESSING and svc.jobs.depth() == 1
        assert not lazy.loaded, "the store queued its text instead of loading the model"
    finally:
        svc.close()


def test_a_store_whose_embedding_fails_is_queued_not_lost(services, monkeypatch, caplog):
    def broken(texts):
        raise RuntimeError("simulated inference failure")

    monkeypatch.setattr(services.memories._embedder, "embed_documents", broken)
    m = services.memories.create(MemoryCreate(content="The boiler is serviced every October")).memory
    assert m.embedding_status is EmbeddingStatus.PROCESSING and services.jobs.depth() == 1
    assert "RuntimeError" in caplog.text and "boiler" not in caplog.text
    monkeypatch.undo()
    services.worker.drain()
    assert services.memories.get(m.id).embedding_status is EmbeddingStatus.READY


@pytest.mark.parametrize("importance,tier", [(0.8, Tier.HOT), (0.95, Tier.HOT), (0.79, Tier.WARM), (0.1, Tier.COLD)])
def test_tier_follows_importance_unless_given(services, importance, tier):
    assert services.memories.create(MemoryCreate(content="x", importance=importance)).memory.tier is tier
    given_tier = services.memories.create(MemoryCreate(content="y", importance=importance, tier="cold")).memory
    assert given_tier.tier is Tier.COLD


def test_an_edited_importance_moves_a_tier_that_followed_it_and_keeps_one_set_apart(services):
    followed = services.memories.create(MemoryCreate(content="x", importance=0.5)).memory
    assert services.memories.update(followed.id, MemoryUpdate(importance=0.9)).tier is Tier.HOT
    assert services.memories.update(followed.id, MemoryUpdate(importance=0.1)).tier is Tier.COLD
    # Both given: the tier asked for.
    assert services.memories.update(followed.id, MemoryUpdate(importance=0.9, tier="warm")).tier is Tier.WARM
    # A tier set apart from the importance (demoted by hand) stays when only the importance changes.
    kept = services.memories.create(MemoryCreate(content="y", importance=0.9, tier="cold")).memory
    assert services.memories.update(kept.id, MemoryUpdate(importance=0.95)).tier is Tier.COLD


def test_all_fields_round_trip(services):
    m = services.memories.create(MemoryCreate(
        content="Deploy on Fridays is forbidden", namespace="work", agent_id="agent-1", user_id="u-9",
        session_id="s-3", project="infra", memory_type="policy", tags=["ops", "rules", "ops"],
        metadata={"source": "chat", "n": 3, "nested": {"a": [1, 2]}}, importance=0.9,
        visibility="confidential", client_id="c-1", expires_in_seconds=3600)).memory
    got = services.memories.get(m.id)
    assert got == m
    assert got.tags == ("ops", "rules") and got.metadata["nested"] == {"a": [1, 2]}
    assert got.memory_type is MemoryType.POLICY and got.visibility is Visibility.CONFIDENTIAL
    assert 3590 < got.expires_at - got.created_at <= 3600


@pytest.mark.parametrize("data,field", [
    (MemoryCreate(content=""), "content"),
    (MemoryCreate(content="   "), "content"),
    (MemoryCreate(content="x" * (limits.CONTENT_MAX_CHARS + 1)), "content"),
    (MemoryCreate(content="ok", memory_type="opinion"), "memory_type"),
    (MemoryCreate(content="ok", importance=1.5), "importance"),
    (MemoryCreate(content="ok", importance=float("nan")), "importance"),
    (MemoryCreate(content="ok", tier="lukewarm"), "tier"),
    (MemoryCreate(content="ok", visibility="public"), "visibility"),
    (MemoryCreate(content="ok", namespace="bad name!"), "namespace"),
    (MemoryCreate(content="ok", metadata={"k": "v" * 11_000}), "metadata"),
    (MemoryCreate(content="ok", metadata={f"k{i}": i for i in range(51)}), "metadata"),
    (MemoryCreate(content="ok", metadata=["not", "an", "object"]), "metadata"),
    (MemoryCreate(content="ok", tags=["ok", ""]), "tags"),
    (MemoryCreate(content="ok", tags="not-a-list"), "tags"),
    (MemoryCreate(content="ok", expires_in_seconds=0), "expires_in_seconds"),
    (MemoryCreate(content="ok", deduplicate=True, dedup_threshold=0.2), "dedup_threshold"),
    (MemoryCreate(content="ok", agent_id="a" * 300), "agent_id"),
])
def test_bad_input_is_rejected_and_nothing_is_written(services, data, field):
    with pytest.raises(InvalidInput) as err:
        services.memories.create(data)
    assert err.value.details.get("field") == field
    assert services.memories.list(MemoryFilter(namespace=None)).total == 0


def test_content_at_the_limit_is_accepted(services):
    m = services.memories.create(MemoryCreate(content="y" * limits.CONTENT_MAX_CHARS)).memory
    assert len(services.memories.get(m.id).content) == limits.CONTENT_MAX_CHARS


def test_client_id_is_idempotent_within_a_namespace(services):
    first = services.memories.create(MemoryCreate(content="once", client_id="req-1"))
    again = services.memories.create(MemoryCreate(content="twice", client_id="req-1"))
    other_ns = services.memories.create(MemoryCreate(content="elsewhere", client_id="req-1", namespace="other"))
    assert first.created and not again.created and other_ns.created
    assert again.memory.id == first.memory.id and again.memory.content == "once"


def test_a_memory_in_the_trash_neither_answers_for_its_client_id_nor_takes_edits(services):
    first = services.memories.create(MemoryCreate(content="once", client_id="req-2")).memory
    services.lifecycle.delete(first.id)
    with pytest.raises(Conflict, match="in the trash"):
        services.memories.create(MemoryCreate(content="written again", client_id="req-2"))
    [item] = services.memories.create_batch([MemoryCreate(content="written again", client_id="req-2")]).items
    assert item.status == "error" and item.error_code == "conflict"
    with pytest.raises(Conflict, match="restore it before changing it"):
        services.memories.update(first.id, MemoryUpdate(content="edited in the trash"))
    assert services.memories.update(first.id, MemoryUpdate()).content == "once"  # nothing to change: no refusal
    services.lifecycle.restore(first.id)
    assert services.memories.create(MemoryCreate(content="again", client_id="req-2")).memory.id == first.id
    assert services.memories.update(first.id, MemoryUpdate(content="edited")).content == "edited"


@pytest.mark.slow  # near-duplicate means near in meaning
def test_dedup_finds_near_duplicates_through_the_vector_index(services):
    original = services.memories.create(MemoryCreate(content="The user prefers dark mode in every app")).memory
    services.worker.drain()
    dup = services.memories.create(MemoryCreate(content="The user prefers dark mode in every application",
                                                deduplicate=True, dedup_threshold=0.9))
    assert dup.is_duplicate and not dup.created and dup.duplicate_of == original.id and dup.similarity >= 0.9
    fresh = services.memories.create(MemoryCreate(content="Quarterly revenue grew by eight percent",
                                                  deduplicate=True, dedup_threshold=0.9))
    assert fresh.created and not fresh.is_duplicate
    # Embedded during the dedup check already: no job needed.
    assert fresh.memory.embedding_status is EmbeddingStatus.READY


def test_batch_reports_each_item_and_one_bad_item_sinks_nothing(services):
    result = services.memories.create_batch([
        MemoryCreate(content="first"), MemoryCreate(content=""), MemoryCreate(content="third", client_id="k"),
        MemoryCreate(content="fourth", client_id="k"), MemoryCreate(content="fifth", memory_type="nope"),
    ])
    assert [i.status for i in result.items] == ["success", "error", "success", "duplicate", "error"]
    assert [i.index for i in result.items] == [0, 1, 2, 3, 4]
    assert result.items[3].memory_id == result.items[2].memory_id
    assert result.items[1].error_code == "invalid_input" and "content" in result.items[1].error
    assert (result.succeeded, result.failed, result.skipped) == (2, 2, 1)
    assert result.total_ms >= result.database_ms >= 0
    assert services.memories.list(MemoryFilter()).total == 2


@pytest.mark.parametrize("count", [0, limits.BATCH_MAX + 1])
def test_batch_size_is_limited(services, count):
    with pytest.raises(InvalidInput):
        services.memories.create_batch([MemoryCreate(content="x")] * count)


def test_get_respects_namespace_and_reports_missing(services):
    m = services.memories.create(MemoryCreate(content="private to ns a", namespace="a")).memory
    assert services.memories.get(m.id, namespace="a").id == m.id
    with pytest.raises(NotFound):
        services.memories.get(m.id, namespace="b")
    with pytest.raises(NotFound):
        services.memories.get("01900000-0000-7000-8000-000000000000")
    assert services.memories.get_by_rowid(m.rowid).id == m.id


@pytest.fixture
def varied(services):
    rows = [
        dict(content="alpha", agent_id="a1", user_id="u1", session_id="s1", project="p1", memory_type="fact",
             tags=["x", "y"], importance=0.9),
        dict(content="beta", agent_id="a2", user_id="u1", session_id="s2", project="p1", memory_type="task",
             tags=["x"], importance=0.5),
        dict(content="gamma", agent_id="a1", user_id="u2", session_id="s1", project="p2", memory_type="event",
             tags=["y"], importance=0.1, metadata={"source": "chat", "ok": True}),
        dict(content="delta", namespace="other", tags=["x"]),
    ]
    made = {}
    for r in rows:
        made[r["content"]] = services.memories.create(MemoryCreate(**r)).memory
        time.sleep(0.002)
    return made


def _contents(services, **kw):
    return sorted(m.content for m in services.memories.list(MemoryFilter(**kw), limit=100).items)


@pytest.mark.parametrize("kw,expected", [
    ({}, ["alpha", "beta", "gamma"]),
    ({"namespace": "other"}, ["delta"]),
    ({"namespace": None}, ["alpha", "beta", "delta", "gamma"]),
    ({"agent_id": "a1"}, ["alpha", "gamma"]),
    ({"user_id": "u1"}, ["alpha", "beta"]),
    ({"session_id": "s2"}, ["beta"]),
    ({"project": "p2"}, ["gamma"]),
    ({"memory_types": (MemoryType.FACT, MemoryType.TASK)}, ["alpha", "beta"]),
    ({"tags": ("x", "y")}, ["alpha", "beta", "gamma"]),
    ({"tags": ("x", "y"), "tag_match": TagMatch.ALL}, ["alpha"]),
    ({"tier": Tier.HOT}, ["alpha"]),
    ({"min_importance": 0.5}, ["alpha", "beta"]),
    ({"metadata": {"source": "chat"}}, ["gamma"]),
    ({"metadata": {"ok": True}}, ["gamma"]),
    ({"metadata": {"source": "email"}}, []),
])
def test_list_filters(services, varied, kw, expected):
    assert _contents(services, **kw) == expected


def test_list_created_range_and_order(services, varied):
    beta = varied["beta"]
    assert _contents(services, created_after=beta.created_at) == ["beta", "gamma"]
    assert _contents(services, created_before=beta.created_at) == ["alpha"]
    page = services.memories.list(MemoryFilter(), limit=10)
    assert [m.content for m in page.items] == ["gamma", "beta", "alpha"]


def test_lifecycle_flags_in_listing(services, varied):
    services.lifecycle.delete(varied["alpha"].id)
    services.lifecycle.archive(varied["beta"].id)
    assert _contents(services) == ["gamma"]
    assert _contents(services, include_deleted=True) == ["alpha", "gamma"]
    assert _contents(services, only_deleted=True) == ["alpha"]
    assert _contents(services, include_archived=True) == ["beta", "gamma"]


def test_expired_memories_are_listed_only_when_asked(services, clock):
    services.memories.create(MemoryCreate(content="short-lived", expires_in_seconds=1))
    assert _contents(services) == ["short-lived"]
    clock.advance(2)
    assert _contents(services) == []
    assert _contents(services, include_expired=True) == ["short-lived"]


@hsettings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(limit=st.integers(min_value=1, max_value=7))
def test_cursor_pages_cover_everything_once(services, limit):
    if services.memories.list(MemoryFilter()).total == 0:
        services.memories.create_batch([MemoryCreate(content=f"item {i}") for i in range(23)])
    seen, cursor = [], None
    while True:
        page = services.memories.list(MemoryFilter(), limit=limit, cursor=cursor)
        assert page.total == 23
        seen.extend(m.id for m in page.items)
        if not page.has_more:
            break
        cursor = page.next_cursor
    assert len(seen) == 23 == len(set(seen))
    assert seen == sorted(seen, reverse=True)


def test_offset_pagination_and_bad_cursor(services):
    services.memories.create_batch([MemoryCreate(content=f"item {i}") for i in range(5)])
    assert len(services.memories.list(MemoryFilter(), limit=2, offset=4).items) == 1
    with pytest.raises(InvalidInput, match="cursor"):
        services.memories.list(MemoryFilter(), cursor="not-a-cursor!")
    with pytest.raises(InvalidInput):
        services.memories.list(MemoryFilter(), limit=0)


def test_update_reembeds_bumps_version_merges_metadata_replaces_tags(services):
    m = services.memories.create(MemoryCreate(content="v1 text", tags=["a", "b"], metadata={"keep": 1, "drop": 2}))
    services.worker.drain()
    u = services.memories.update(m.memory.id, MemoryUpdate(
        content="v2 text", tags=["c"], metadata={"drop": None, "new": "yes"}, importance=0.85))
    assert u.version == 2 and u.content == "v2 text" and u.tags == ("c",)
    assert u.metadata == {"keep": 1, "new": "yes"}
    assert u.tier is Tier.HOT, "a tier that only followed the importance follows it (one set apart stays: below)"
    assert u.embedding_status is EmbeddingStatus.READY and services.jobs.depth() == 0  # a short text: at once
    history = services.memories.history(m.memory.id)
    assert [(h.version, h.change, h.content) for h in history] == [(1, "create", "v1 text"), (2, "update", "v2 text")]


def test_update_without_changes_keeps_the_version(services):
    m = services.memories.create(MemoryCreate(content="same")).memory
    assert services.memories.update(m.id, MemoryUpdate(content="same")).version == 1


def test_update_rejects_bad_input_and_changes_nothing(services):
    m = services.memories.create(MemoryCreate(content="stable", metadata={"a": 1})).memory
    for bad in (MemoryUpdate(content=""), MemoryUpdate(importance=7), MemoryUpdate(metadata={"x": "y" * 20_000})):
        with pytest.raises(InvalidInput):
            services.memories.update(m.id, bad)
    assert services.memories.get(m.id) == m
    with pytest.raises(NotFound):
        services.memories.update(m.id, MemoryUpdate(content="x"), namespace="elsewhere")


def test_restore_version_brings_back_an_old_state_as_a_new_version(services):
    m = services.memories.create(MemoryCreate(content="original", tags=["t1"], metadata={"a": 1})).memory
    services.memories.update(m.id, MemoryUpdate(content="changed", tags=["t2"], metadata={"b": 2}))
    restored = services.memories.restore_version(m.id, 1)
    assert restored.version == 3 and restored.content == "original"
    assert restored.tags == ("t1",) and restored.metadata == {"a": 1}
    with pytest.raises(NotFound):
        services.memories.restore_version(m.id, 99)


def test_a_page_without_its_total_and_the_count_on_its_own(services):
    from memvault.domain.enums import MemoryType

    services.memories.create_batch([MemoryCreate(content=f"task {i}", memory_type="task") for i in range(3)]
                                   + [MemoryCreate(content="a fact", memory_type="fact")])
    page = services.memories.list(MemoryFilter(memory_types=(MemoryType.TASK,)), limit=2, count_total=False)
    assert page.total is None and len(page.items) == 2 and page.has_more
    assert services.memories.count(MemoryFilter(memory_types=(MemoryType.TASK,))) == 3
    assert services.memories.count(MemoryFilter()) == 4
    assert services.memories.list(MemoryFilter(), limit=2).total == 4


def test_a_page_is_asked_for_by_offset_or_cursor_not_both(services):
    """Both were taken and added up: a cursor with an offset of 2 skipped two more after the page, silently."""
    for i in range(4):
        services.memories.create(MemoryCreate(content=f"note {i}"))
    first = services.memories.list(MemoryFilter(), limit=2)
    with pytest.raises(InvalidInput, match="an offset or a cursor, not both"):
        services.memories.list(MemoryFilter(), limit=2, offset=2, cursor=first.next_cursor)
    assert len(services.memories.list(MemoryFilter(), limit=2, offset=0, cursor=first.next_cursor).items) == 2
