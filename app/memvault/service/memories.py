"""Storing, reading, listing and editing memories.

Validation and decisions (defaults, dedup, idempotency) happen here; every
write is one call into :mod:`memvault.vault.memories`, which records the change in
the oplog with the same transaction.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np

from memvault.domain import limits
from memvault.domain.changes import USER, ChangeKind, ChangeOrigin
from memvault.domain.clock import Clock, system_clock
from memvault.domain.entities import TypeSource
from memvault.domain.enums import EmbeddingStatus, MemoryType, Tier
from memvault.domain.errors import ClientIdTaken, Conflict, InvalidInput, MemvaultError, NotFound
from memvault.domain.hlc import HybridClock
from memvault.domain.models import (
    BatchItemResult,
    BatchResult,
    CreateResult,
    FieldChanges,
    HistoryEntry,
    Memory,
    MemoryCreate,
    MemoryFilter,
    MemoryUpdate,
    Page,
)
from memvault.embedding.model import Chunked, Embedder
from memvault.extraction import language_gate
from memvault.service import validation as v
from memvault.service.entities import EntityService
from memvault.service.memory_requests import Prepared, checked_changes, checked_create, preview, replace_fields
from memvault.service.events import EventHub, event_for
from memvault.vault import memories as writes
from memvault.vault import memory_vectors
from memvault.vault import memory_queries as repo
from memvault.vault import search as vsearch
from memvault.vault import share_store
from memvault.vault.engine import Database
from memvault.vault.memory_parts import content_hash
from memvault.vault.oplog import Stamp
from memvault.vault.vectors import Embedded

log = logging.getLogger(__name__)

#: Texts up to this long are embedded while they are stored (a few windows at most: ~3-10 ms on two cores),
#: so the memory is searchable when the call returns and takes one commit instead of three (the queue's claim
#: and completion each make every reader read its pages again: under many clients that is the cost).
INLINE_EMBED_MAX_CHARS = 1000


class MemoryService:
    """Create, read, list, update and version memories.

    Args:
        db: the open database.
        embedder: the shared embedder (a short text and a deduplicated one are embedded as they are stored).
        clock: the device's hybrid logical clock.
        events: where change events go.
        wake_worker: called after new embedding jobs are committed.
        wall: the wall clock (injectable so tests can move time).
        entities: extracts a memory's entities on store (without it they are queued for the worker).
        type_of: the type an omitted one gets from a memory's first vector and its model (``None``: none).
    """

    def __init__(self, db: Database, embedder: Embedder, clock: HybridClock, events: EventHub,
                 wake_worker: Any = None, wall: Clock = system_clock, entities: EntityService | None = None,
                 type_of: Callable[[np.ndarray, str], MemoryType | None] | None = None) -> None:
        self._db = db
        self._embedder = embedder
        self._clock = clock
        self._events = events
        self._wake = wake_worker or (lambda: None)
        self._wall = wall
        self._entities = entities
        self._type_of = type_of

    def _entity_plan(self, prepared: list[Prepared], *, inline: bool = True) -> list[writes.Entities]:
        items = [(p.new.namespace, p.new.content, p.new.metadata, p.new.created_at, p.auto_extract_entities)
                 for p in prepared]
        if self._entities is None:
            return ["skip" if f is False else ("force" if f else "queue") for *_, f in items]
        return self._entities.plan(items, inline=inline)

    def _entities_queued(self, plans: list[writes.Entities]) -> None:
        # After the commit: a loop woken earlier could look for the jobs before they exist, and sleep on.
        if self._entities is not None:
            self._entities.queued(plans)

    def _stamp(self, now: float) -> Stamp:
        return Stamp(self._clock.now(), self._clock.device_id, now)

    # -- create -------------------------------------------------------------

    def _find_duplicate(self, p: Prepared, chunked: Chunked, now: float) -> tuple[Memory, float] | None:
        f = MemoryFilter(namespace=p.new.namespace, include_confidential=True)
        with self._db.read() as conn:
            hits = vsearch.knn(conn, chunked.vectors[0], f, 1, now)
            if not hits:
                return None
            similarity = max(0.0, 1.0 - hits[0].distance)
            if similarity < p.dedup_threshold:
                return None
            found = repo.get_by_rowid(conn, hits[0].memory_id)
        return (found, similarity) if found else None

    def _existing(self, p: Prepared) -> Memory | None:
        """The memory stored under ``p``'s client_id; :class:`Conflict` when it is in the trash (answering with a
        memory nobody sees would drop what this request carries without a word)."""
        if p.new.client_id is None:
            return None
        with self._db.read() as conn:
            found = repo.find_by_client_id(conn, p.new.namespace, p.new.client_id)
        if found is not None and found.deleted_at is not None:
            # Without the memory's id: a write-only key learns no other writer's ids.
            raise Conflict(f"client_id {p.new.client_id!r} belongs to a memory in the trash: restore it, or delete it "
                           "for good, to store under that client_id again")
        return found

    def _embedded(self, chunked: Chunked | None) -> Embedded | None:
        return None if chunked is None else Embedded(chunked.spans, chunked.vectors, self._embedder.model_id)

    def _insert(self, conn: Any, p: Prepared, chunked: Chunked | None, now: float,
                entities: writes.Entities = "queue") -> Memory:
        share_store.refuse_read_only(conn, [p.new.namespace])
        return writes.create(conn, p.new, self._stamp(now), embedded=self._embedded(chunked), entities=entities)

    def create(self, data: MemoryCreate, *, origin: ChangeOrigin = USER) -> CreateResult:
        """Store one memory; returns at once with embedding status ``processing``.

        With ``client_id`` the same key in a namespace returns the existing
        memory. With ``deduplicate`` the content is embedded now and compared
        through the vector index; a near-duplicate is returned instead.
        """
        now = self._wall()
        p = checked_create(data, now, self._clock.device_id)
        existing = self._existing(p)
        if existing is not None:
            return CreateResult(existing, created=False)
        if p.deduplicate:
            chunked: Chunked | None = self._embedder.embed_documents([p.new.content])[0]
            dup = self._find_duplicate(p, chunked, now)
            if dup is not None:
                return CreateResult(dup[0], created=False, is_duplicate=True, duplicate_of=dup[0].id,
                                    similarity=dup[1])
        else:
            chunked = self._embedded_now(p.new.content)
        p = self._typed(p, chunked)
        entities = self._entity_plan([p])[0]
        try:
            with self._db.write() as conn:
                memory = self._insert(conn, p, chunked, now, entities)
        except ClientIdTaken:
            # Another writer stored the same client_id between our check and insert.
            existing = self._existing(p)
            if existing is None:
                raise
            return CreateResult(existing, created=False)
        self._entities_queued([entities])
        self._after_create([memory], origin)
        return CreateResult(memory, created=True, extraction_skipped=language_gate.skip_reason(memory.content))

    def _embedded_now(self, content: str) -> Chunked | None:
        """``content``'s vectors computed now, or ``None`` to queue it: a long text, a model still loading, or
        an embedding that failed (the queue retries it with backoff, so nothing is lost)."""
        if len(content) > INLINE_EMBED_MAX_CHARS or not getattr(self._embedder, "loaded", True):
            return None
        try:
            return self._embedder.embed_documents([content])[0]
        except Exception as exc:  # noqa: BLE001 - the queue embeds it later and records a failure that lasts
            log.warning("embedding a memory as it was stored failed (%s): it is queued", type(exc).__name__)
            return None

    def _type_guess(self, chunked: Chunked | None, source: TypeSource) -> MemoryType | None:
        """The type a memory's first vector suggests when nobody chose one (``None``: keep what it has)."""
        if chunked is None or self._type_of is None or source is not TypeSource.DEFAULT:
            return None
        return self._type_of(chunked.vectors[0], self._embedder.model_id)

    def _typed(self, p: Prepared, chunked: Chunked | None) -> Prepared:
        """``p`` with the type its first vector suggests, when the caller left the type out."""
        guess = self._type_guess(chunked, p.new.memory_type_source)
        if guess is None:
            return p
        return replace(p, new=replace(p.new, memory_type=guess, memory_type_source=TypeSource.INFERRED))

    def _after_create(self, created: list[Memory], origin: ChangeOrigin) -> None:
        if any(m.embedding_status is EmbeddingStatus.PROCESSING for m in created):
            self._wake()
        self._events.emit(event_for(ChangeKind.CREATED, created, origin))

    def create_batch(self, items: list[MemoryCreate], *, origin: ChangeOrigin = USER) -> BatchResult:
        """Store 1-100 memories with a result per item; one bad item sinks nothing else."""
        started = time.perf_counter()
        if not 1 <= len(items) <= limits.BATCH_MAX:
            raise InvalidInput(f"a batch holds 1 to {limits.BATCH_MAX} memories (got {len(items)})", field="memories")
        now = self._wall()
        results: dict[int, BatchItemResult] = {}
        prepared: dict[int, Prepared] = {}
        for i, item in enumerate(items):
            try:
                prepared[i] = checked_create(item, now, self._clock.device_id)
            except MemvaultError as exc:
                results[i] = BatchItemResult(i, "error", error=exc.message, error_code=exc.code)
        embed_started = time.perf_counter()
        dedup_idx = [i for i, p in prepared.items() if p.deduplicate]
        chunked = dict(zip(dedup_idx, self._embedder.embed_documents([prepared[i].new.content for i in dedup_idx])))
        embedding_ms = (time.perf_counter() - embed_started) * 1000
        db_started = time.perf_counter()
        to_insert: list[int] = []
        for i, p in prepared.items():
            try:
                existing = self._existing(p)
            except Conflict as exc:
                results[i] = BatchItemResult(i, "error", error=exc.message, error_code=exc.code)
                continue
            dup = (existing, None) if existing else (self._find_duplicate(p, chunked[i], now) if i in chunked else None)
            if dup is not None:
                results[i] = BatchItemResult(i, "duplicate", memory_id=dup[0].id, content_preview=preview(dup[0].content))
            else:
                to_insert.append(i)
        # A batch is about throughput: its entities are queued for the loop, which extracts them once the
        # batch is embedded (inline, ~3 ms a memory on two cores would cost more than embedding it).
        plans = dict(zip(to_insert, self._entity_plan([prepared[i] for i in to_insert], inline=False), strict=True))
        with self._db.write() as conn:
            share_store.refuse_read_only(conn, {prepared[i].new.namespace for i in to_insert})
            fresh: list[int] = []
            first_with: dict[tuple[str, str], int] = {}
            for i in to_insert:
                p = prepared[i]
                key = (p.new.namespace, p.new.client_id or "")
                if p.new.client_id is not None:
                    # The same client_id earlier in this batch, or stored by another writer since the check
                    # above: idempotent, not an error (checked under the write lock, so it cannot race).
                    same = repo.find_by_client_id(conn, *key) if key not in first_with else None
                    if key in first_with or same is not None:
                        earlier = prepared[first_with[key]].new if same is None else same
                        results[i] = BatchItemResult(i, "duplicate", memory_id=earlier.id,
                                                     content_preview=preview(earlier.content))
                        continue
                    first_with[key] = i
                fresh.append(i)
            # One batched write for all of them (all or nothing), as many single creates would leave it.
            created = writes.create_many(conn, [
                (prepared[i].new, self._stamp(now), self._embedded(chunked.get(i)), plans[i]) for i in fresh])
        for i, memory in zip(fresh, created, strict=True):
            results[i] = BatchItemResult(i, "success", memory_id=memory.id, content_preview=preview(memory.content))
        database_ms = (time.perf_counter() - db_started) * 1000
        if created:
            self._entities_queued([plans[i] for i in fresh])
            self._after_create(created, origin)
        total_ms = (time.perf_counter() - started) * 1000
        return BatchResult(tuple(results[i] for i in range(len(items))), total_ms, embedding_ms, database_ms)

    # -- read ---------------------------------------------------------------

    def get(self, memory_id: str, namespace: str | None = None) -> Memory:
        """One memory by id; ``namespace`` restricts which memories are visible."""
        with self._db.read() as conn:
            memory = repo.get_by_uuid(conn, memory_id) if isinstance(memory_id, str) else None
        if memory is None or (namespace is not None and memory.namespace != namespace):
            raise NotFound(f"no memory with id {memory_id}")
        return memory

    def get_by_rowid(self, rowid: int, namespace: str | None = None) -> Memory:
        """One memory by its local integer id (for profiles with integer ids)."""
        with self._db.read() as conn:
            memory = repo.get_by_rowid(conn, rowid)
        if memory is None or (namespace is not None and memory.namespace != namespace):
            raise NotFound(f"no memory with id {rowid}")
        return memory

    def list(self, f: MemoryFilter, *, limit: int = 20, offset: int = 0, cursor: str | None = None,
             count_total: bool = True) -> Page:
        """Memories matching ``f``, newest first.

        Args:
            f: the filter.
            limit: most memories on the page.
            offset: memories to skip (offset pagination).
            cursor: continue after the page that returned it (cursor pagination).
            count_total: count every match (``Page.total``); without it the total
                is ``None`` and the page comes back sooner (see :meth:`count`).
        """
        v.int_range(limit, "limit", 1, limits.LIST_LIMIT_MAX)
        v.int_range(offset, "offset", 0, 10**9)
        cursor = v.cursor(cursor)
        if cursor is not None and offset:
            # Both were taken and added up: "--cursor C --offset 2" skipped two more after the page, silently.
            raise InvalidInput("a page is asked for with an offset or a cursor, not both", field="offset")
        v.filter_lists(f)
        if f.namespace is not None:
            v.namespace(f.namespace)
        with self._db.read() as conn:
            items, total = repo.list_page(conn, f, self._wall(), limit=limit + 1, offset=offset, cursor=cursor,
                                          count=count_total)
        has_more = len(items) > limit
        items = items[:limit]
        next_cursor = repo.encode_cursor(items[-1]) if has_more and items else None
        return Page(tuple(items), total, next_cursor, has_more)

    def count(self, f: MemoryFilter) -> int:
        """How many memories match ``f``."""
        v.filter_lists(f)
        if f.namespace is not None:
            v.namespace(f.namespace)
        with self._db.read() as conn:
            return repo.count_matching(conn, f, self._wall())

    def cursor_after(self, memory_id: str, namespace: str | None = None) -> str:
        """A list cursor that continues right after ``memory_id`` (for ``starting_after`` pagination)."""
        return repo.encode_cursor(self.get(memory_id, namespace))

    def history(self, memory_id: str, namespace: str | None = None) -> list[HistoryEntry]:
        memory = self.get(memory_id, namespace)
        with self._db.read() as conn:
            return repo.history(conn, memory)

    # -- update -------------------------------------------------------------

    def update(self, memory_id: str, changes: MemoryUpdate, namespace: str | None = None, *,
               origin: ChangeOrigin = USER) -> Memory:
        """Apply a partial change: content re-embeds (a short text at once, as a store's), metadata merges,
        tags replace."""
        now = self._wall()
        fields = checked_changes(changes, now)
        entities: writes.Entities = "queue"
        chunked: Chunked | None = None
        if fields.content is not None:
            before = self.get(memory_id, namespace)
            entities = self._entity_plan([Prepared(replace_fields(before, fields.content), False, 1.0)])[0]
            if fields.content != before.content:
                chunked = self._embedded_now(fields.content)
        with self._db.write() as conn:
            current = repo.get_by_uuid(conn, memory_id)
            if current is None or (namespace is not None and current.namespace != namespace):
                raise NotFound(f"no memory with id {memory_id}")
            if current.deleted_at is not None and fields != FieldChanges():
                raise Conflict(f"memory {memory_id} is in the trash: restore it before changing it")
            share_store.refuse_read_only(conn, [current.namespace])
            if fields.metadata_set or fields.metadata_unset:
                # The merged object must still fit the limits on metadata.
                v.metadata({k: val for k, val in current.metadata.items() if k not in fields.metadata_unset}
                           | fields.metadata_set)
            if fields.memory_type is current.memory_type:
                # Naming the type it has already (a restored version does) does not make a guess a choice.
                fields = replace(fields, memory_type_source=None)
            if fields.importance is not None and fields.tier is None \
                    and current.tier is Tier.from_importance(current.importance):
                # A tier that only followed the importance follows it still (an edit to 0.9 left "warm"); one
                # set apart from it (promoted, demoted) stays.
                fields = replace(fields, tier=Tier.from_importance(fields.importance))
            updated = writes.update(conn, current, fields, self._stamp(now), entities=entities)
            if chunked is not None and updated.content == fields.content != current.content:
                updated = self._vectors_stored(conn, updated, chunked, now)
        if updated is current:
            return current
        if fields.content is not None:
            self._entities_queued([entities])
        if updated.embedding_status is EmbeddingStatus.PROCESSING and current.content != updated.content:
            self._wake()
        self._events.emit(event_for(ChangeKind.UPDATED, [updated], origin))
        return updated

    def _vectors_stored(self, conn: Any, updated: Memory, chunked: Chunked, now: float) -> Memory:
        """``updated`` with the vectors of its new content, in the edit's transaction: the same entries the queue
        would write later (the vectors, then the type a memory without one gets from them), without its commits."""
        ready = memory_vectors.store_vectors(conn, updated.rowid, content_hash(updated.content),
                                             self._embedded(chunked), self._stamp(now))
        if ready is None:
            return updated
        guess = self._type_guess(chunked, ready.memory_type_source)
        if guess is None:
            return ready
        typed = FieldChanges(memory_type=guess, memory_type_source=TypeSource.INFERRED)
        return writes.update_derived_many(conn, [(ready, typed, self._stamp(now))])[0]

    def restore_version(self, memory_id: str, version: int, namespace: str | None = None, *,
                        origin: ChangeOrigin = USER) -> Memory:
        """Make an earlier version current again (as a new version)."""
        entries = {e.version: e for e in self.history(memory_id, namespace)}
        if version not in entries:
            raise NotFound(f"memory {memory_id} has no version {version}")
        e = entries[version]
        current = self.get(memory_id, namespace)
        patch = {k: None for k in current.metadata if k not in e.metadata} | e.metadata
        return self.update(memory_id, MemoryUpdate(
            content=e.content, memory_type=e.memory_type, tags=list(e.tags), metadata=patch,
            importance=e.importance, tier=e.tier, visibility=e.visibility), namespace, origin=origin)
