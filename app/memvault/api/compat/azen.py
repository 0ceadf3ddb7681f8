"""Azen (``/api/v1/memory``) under ``/compat/azen``: ``text`` in, camelCase out, ``{status, ...}`` envelopes."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel

from memvault.api import documented as d
from memvault.api.compat import azen_parts
from memvault.api.compat.field_view import field_view
from memvault.api.deps import KeyDep, ReadKey, ServicesDep, WriteKey, origin_of
from memvault.api.routes import StrictJsonRoute
from memvault.domain import limits
from memvault.domain.enums import EmbeddingStatus, SearchMode
from memvault.domain.errors import InvalidInput, NotFound
from memvault.domain.models import Memory, MemoryCreate, MemoryFilter, SearchQuery
from memvault.service import validation as v

router = APIRouter(prefix="/compat/azen/api/v1", tags=["compat: azen"], route_class=StrictJsonRoute,
                   responses=d.error_responses(d.AzenError))


def iso(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + \
        f"{int(ts * 1000) % 1000:03d}Z"


def _memory(m: Memory, parts: list[Memory] | None = None) -> dict[str, Any]:
    """The memory as Azen shows it; a long text's ``parts`` read back as one content."""
    parts = parts or [m]
    return {**field_view("azen", m, time=iso, content="".join(p.content for p in parts),
                         metadata=azen_parts.visible_metadata(m) or None),
            "embedded": all(p.embedding_status is EmbeddingStatus.READY for p in parts)}


class CreateIn(BaseModel):
    text: Annotated[str, d.doc(**{**d.CONTENT, "maxLength": azen_parts.MAX_CHARS})]
    metadata: Annotated[dict[str, Any] | None, d.doc(**d.METADATA)] = None


class SearchIn(BaseModel):
    query: Annotated[str, d.doc(**d.QUERY)]
    limit: Annotated[d.Int, d.doc(minimum=1, maximum=limits.SEARCH_LIMIT_MAX)] = 10


@router.post("/memory", status_code=201)
def create(body: CreateIn, key: WriteKey, services: ServicesDep) -> dict:
    if not body.text.strip():
        raise InvalidInput("Invalid request body: text must be a non-empty string", field="text")
    if len(body.text) > limits.CONTENT_MAX_CHARS:
        m = azen_parts.create(services, key.namespace, body.text, body.metadata, origin_of(key))
        services.usage.record(key.id, memories_created=1)
    else:
        result = services.memories.create(MemoryCreate(content=body.text, namespace=key.namespace,
                                                       metadata=body.metadata), origin=origin_of(key))
        if result.created:
            services.usage.record(key.id, memories_created=1)
        m = result.memory
    return {"status": "success", "memoryId": m.id, "createdAt": iso(m.created_at),
            "embedding": "completed" if m.embedding_status is EmbeddingStatus.READY else "processing"}


def _shown(services, memory_id: str, namespace: str) -> Memory:
    """The memory ``memory_id`` as Azen knows it: a deleted one, or a later part of a long text, is none."""
    m = services.memories.get(memory_id, namespace)
    # Azen's shape has no deletion field, so a deleted memory read back would look alive.
    if m.deleted_at is not None or azen_parts.first_part(services, m).id != m.id:
        raise NotFound(f"memory {memory_id} not found")
    return m


@router.get("/memory/{memory_id}")
def get(memory_id: str, key: ReadKey, services: ServicesDep) -> dict:
    m = _shown(services, memory_id, key.namespace)
    return {"status": "success", "memory": _memory(m, azen_parts.parts(services, m))}


@router.get("/memory")
def list_memories(key: ReadKey, services: ServicesDep,
                  limit: Annotated[int, d.doc_query(minimum=1, maximum=limits.LIST_LIMIT_MAX)] = 20,
                  offset: Annotated[int, d.doc_query(minimum=0, maximum=10**9)] = 0) -> dict:
    v.int_range(limit, "limit", 1, limits.LIST_LIMIT_MAX)
    v.int_range(offset, "offset", 0, 10**9)
    everything = MemoryFilter(namespace=key.namespace)
    # Later parts of long texts are not memories of their own: skipped here and not counted.
    later_parts = services.memories.count(MemoryFilter(namespace=key.namespace, tags=(azen_parts.PART_TAG,)))
    if not later_parts:  # no long text: one page read, as for any listing
        page = services.memories.list(everything, limit=limit, offset=offset)
        return {"status": "success", "memories": [_memory(m) for m in page.items],
                "pagination": {"limit": limit, "offset": offset, "total": page.total,
                               "hasMore": offset + len(page.items) < page.total}}
    total = services.memories.count(everything) - later_parts
    shown: list[Memory] = []
    skipped, cursor = 0, None
    while len(shown) < limit:
        page = services.memories.list(everything, limit=limits.LIST_LIMIT_MAX, cursor=cursor, count_total=False)
        for m in page.items:
            if azen_parts.PART_TAG in m.tags:
                continue
            if skipped < offset:
                skipped += 1
            elif len(shown) < limit:
                shown.append(m)
        if not page.has_more or page.next_cursor is None:
            break
        cursor = page.next_cursor
    return {"status": "success", "memories": [_memory(m, azen_parts.parts(services, m)) for m in shown],
            "pagination": {"limit": limit, "offset": offset, "total": total,
                           "hasMore": offset + len(shown) < total}}


@router.post("/memory/search")
def search(body: SearchIn, key: ReadKey, services: ServicesDep) -> dict:
    v.int_range(body.limit, "limit", 1, limits.SEARCH_LIMIT_MAX)  # the caller's own, before it is doubled below
    # Parts of one long text are one memory: ask for more hits and keep each memory's best.
    result = services.search.search(SearchQuery(body.query, mode=SearchMode.SEMANTIC,
                                                limit=min(limits.SEARCH_LIMIT_MAX, body.limit * 2),
                                                filter=MemoryFilter(namespace=key.namespace,
                                                                    include_confidential=False)))
    services.usage.record(key.id, searches=1)
    best: dict[str, tuple[Memory, float]] = {}
    for h in result.hits:
        first = azen_parts.first_part(services, h.memory)
        if first.id not in best:
            best[first.id] = (first, h.score)
    hits = list(best.values())[:body.limit]
    return {"status": "success", "results": [{**_memory(m, azen_parts.parts(services, m)), "score": score}
                                             for m, score in hits]}


@router.delete("/memory/{memory_id}")
def delete(memory_id: str, key: WriteKey, services: ServicesDep) -> dict:
    m = _shown(services, memory_id, key.namespace)
    for part in azen_parts.parts(services, m):
        services.lifecycle.delete(part.id, key.namespace, origin=origin_of(key))
    return {"status": "success", "memoryId": memory_id}


@router.get("/usage")
def usage(key: KeyDep, services: ServicesDep, days: int = 30) -> dict:
    """The key's own daily counters; like the native /v1/usage, any key may read its own."""
    rows = services.usage.usage([key.id], days=max(1, min(days, 366)))
    return {"status": "success", "usage": [
        {"date": r.day, "apiCalls": r.calls, "memoryCount": r.memories_created, "searchCount": r.searches,
         "errorCount": r.errors} for r in rows]}
