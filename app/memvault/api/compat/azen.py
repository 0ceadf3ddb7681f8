"""Azen (``/api/v1/memory``) under ``/compat/azen``: ``text`` in, camelCase out, ``{status, ...}`` envelopes."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel

from memvault.api import documented as d
from memvault.api.deps import KeyDep, ReadKey, ServicesDep, WriteKey, origin_of
from memvault.api.routes import StrictJsonRoute
from memvault.domain import limits
from memvault.domain.enums import EmbeddingStatus, SearchMode
from memvault.domain.errors import InvalidInput
from memvault.domain.models import Memory, MemoryCreate, MemoryFilter, SearchQuery

router = APIRouter(prefix="/compat/azen/api/v1", tags=["compat: azen"], route_class=StrictJsonRoute,
                   responses=d.error_responses(d.AzenError))


def iso(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + \
        f"{int(ts * 1000) % 1000:03d}Z"


def _memory(m: Memory) -> dict[str, Any]:
    return {"id": m.id, "content": m.content, "metadata": m.metadata or None, "createdAt": iso(m.created_at),
            "embedded": m.embedding_status is EmbeddingStatus.READY}


class CreateIn(BaseModel):
    text: Annotated[str, d.doc(**d.CONTENT)]
    metadata: Annotated[dict[str, Any] | None, d.doc(**d.METADATA)] = None


class SearchIn(BaseModel):
    query: Annotated[str, d.doc(**d.QUERY)]
    limit: Annotated[d.Int, d.doc(minimum=1, maximum=limits.SEARCH_LIMIT_MAX)] = 10


@router.post("/memory", status_code=201)
def create(body: CreateIn, key: WriteKey, services: ServicesDep) -> dict:
    if not body.text.strip():
        raise InvalidInput("Invalid request body: text must be a non-empty string", field="text")
    result = services.memories.create(MemoryCreate(content=body.text, namespace=key.namespace,
                                                   metadata=body.metadata), origin=origin_of(key))
    if result.created:
        services.usage.record(key.id, memories_created=1)
    m = result.memory
    return {"status": "success", "memoryId": m.id, "createdAt": iso(m.created_at),
            "embedding": "completed" if m.embedding_status is EmbeddingStatus.READY else "processing"}


@router.get("/memory/{memory_id}")
def get(memory_id: str, key: ReadKey, services: ServicesDep) -> dict:
    return {"status": "success", "memory": _memory(services.memories.get(memory_id, key.namespace))}


@router.get("/memory")
def list_memories(key: ReadKey, services: ServicesDep,
                  limit: Annotated[int, d.doc_query(minimum=1, maximum=limits.LIST_LIMIT_MAX)] = 20,
                  offset: Annotated[int, d.doc_query(minimum=0, maximum=10**9)] = 0) -> dict:
    page = services.memories.list(MemoryFilter(namespace=key.namespace), limit=limit, offset=offset)
    return {"status": "success", "memories": [_memory(m) for m in page.items],
            "pagination": {"limit": limit, "offset": offset, "total": page.total,
                           "hasMore": offset + len(page.items) < page.total}}


@router.post("/memory/search")
def search(body: SearchIn, key: ReadKey, services: ServicesDep) -> dict:
    result = services.search.search(SearchQuery(body.query, mode=SearchMode.SEMANTIC, limit=body.limit,
                                                filter=MemoryFilter(namespace=key.namespace,
                                                                    include_confidential=False)))
    services.usage.record(key.id, searches=1)
    return {"status": "success", "results": [{**_memory(h.memory), "score": h.score} for h in result.hits]}


@router.delete("/memory/{memory_id}")
def delete(memory_id: str, key: WriteKey, services: ServicesDep) -> dict:
    services.lifecycle.delete(memory_id, key.namespace, origin=origin_of(key))
    return {"status": "success", "memoryId": memory_id}


@router.get("/usage")
def usage(key: KeyDep, services: ServicesDep, days: int = 30) -> dict:
    """The key's own daily counters; like the native /v1/usage, any key may read its own."""
    rows = services.usage.usage([key.id], days=max(1, min(days, 366)))
    return {"status": "success", "usage": [
        {"date": r.day, "apiCalls": r.calls, "memoryCount": r.memories_created, "searchCount": r.searches,
         "errorCount": r.errors} for r in rows]}
