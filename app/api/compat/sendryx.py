"""Sendryx Memory API under ``/compat/sendryx``: integer ids, TTLs, forget, ``{success, message}`` errors."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from pydantic import BaseModel

from app.api.routes import StrictJsonRoute
from app.api.deps import ReadKey, ServicesDep, WriteKey
from app.domain.errors import InvalidInput, NotFound
from app.domain.models import ApiKey, Memory, MemoryCreate, MemoryFilter, SearchQuery
from app.service import validation as v
from app.service.container import Services

router = APIRouter(prefix="/compat/sendryx/v1/memory", tags=["compat: sendryx"], route_class=StrictJsonRoute)
MAX_CHARS = 8191


def _memory(m: Memory) -> dict[str, Any]:
    return {"id": m.rowid, "content": m.content, "metadata": m.metadata, "created_at": int(m.created_at),
            "expires_at": None if m.expires_at is None else int(m.expires_at)}


class StoreIn(BaseModel):
    content: str
    metadata: dict[str, Any] = {}
    expires_in_seconds: int | None = None


@router.post("", status_code=201)
def store(body: StoreIn, key: WriteKey, services: ServicesDep) -> dict:
    content = body.content.strip()
    v.content(content, max_chars=MAX_CHARS)
    result = services.memories.create(MemoryCreate(content=content, namespace=key.namespace,
                                                   metadata=body.metadata,
                                                   expires_in_seconds=body.expires_in_seconds))
    services.usage.record(key.id, memories_created=1)
    return {"success": True, "memory": _memory(result.memory)}


@router.get("/search")
def search(key: ReadKey, services: ServicesDep, query: str, limit: int = 10, threshold: float = 0.3) -> dict:
    result = services.search.search(SearchQuery(query, limit=limit, min_score=threshold,
                                                filter=MemoryFilter(namespace=key.namespace,
                                                                    include_confidential=False)))
    services.usage.record(key.id, searches=1)
    return {"success": True, "query": query, "count": len(result.hits),
            "results": [{**_memory(h.memory), "similarity": h.score} for h in result.hits]}


@router.get("")
def list_memories(key: ReadKey, services: ServicesDep, limit: int = 50, offset: int = 0,
                  include_expired: bool = False) -> dict:
    v.int_range(limit, "limit", 1, 200)
    page = services.memories.list(MemoryFilter(namespace=key.namespace, include_expired=include_expired),
                                  limit=limit, offset=offset)
    return {"success": True, "memories": [_memory(m) for m in page.items], "total": page.total,
            "limit": limit, "offset": offset}


def _flag(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() in ("true", "1", "yes"))


def _memory_id(value: Any) -> int:
    """A Sendryx id: a JSON integer, or its digits in the query string; nothing else (987.9 is not 987)."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 19:
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= 2**63 - 1:
        raise InvalidInput("id must be a positive integer")
    return value


async def _forget_args(request: Request) -> tuple[Any, bool]:
    body: dict[str, Any] = {}
    raw = await request.body()
    if raw.strip():
        body = v.parse_json(raw)
        if not isinstance(body, dict):
            raise InvalidInput("the request body must be a JSON object")
    memory_id = body.get("id", request.query_params.get("id"))
    return memory_id, _flag(body.get("wipe", request.query_params.get("wipe")))


async def forget(request: Request, key: WriteKey, services: ServicesDep) -> dict:
    """Forget one memory by integer ``id``, or every memory of the namespace with ``wipe``."""
    memory_id, wipe = await _forget_args(request)
    # The body is read on the event loop; the vault work (which may wait on a lock) is not.
    return await run_in_threadpool(_forget, memory_id, wipe, key, services)


def _forget(memory_id: Any, wipe: bool, key: ApiKey, services: Services) -> dict:
    if wipe:
        removed = services.lifecycle.wipe_namespace(key.namespace, confirm=key.namespace)
        return {"success": True, "wiped": True, "deleted": removed}
    if memory_id is None:
        raise InvalidInput("say what to forget: {\"id\": N} or {\"wipe\": true}")
    rowid = _memory_id(memory_id)
    try:
        memory = services.memories.get_by_rowid(rowid, key.namespace)
    except NotFound:
        raise NotFound(f"Memory {rowid} not found in this namespace") from None
    services.lifecycle.hard_delete(memory.id, key.namespace)
    return {"success": True, "deleted": 1, "id": rowid}


router.add_api_route("", forget, methods=["DELETE"], operation_id="sendryx_forget")
router.add_api_route("/forget", forget, methods=["POST"], operation_id="sendryx_forget_post")


@router.get("/stats")
def stats(key: ReadKey, services: ServicesDep) -> dict:
    s = services.stats.stats(key.namespace)
    return {"success": True, "namespace": key.namespace, "stats": {
        "total": s.total + s.expired, "permanent": s.permanent, "active_ttl": s.with_ttl, "expired": s.expired,
        "oldest": None if s.oldest_at is None else int(s.oldest_at),
        "newest": None if s.newest_at is None else int(s.newest_at)}}


@router.get("/usage")
def usage(key: ReadKey, services: ServicesDep) -> dict:
    rows = services.usage.usage([key.id], days=30)
    s = services.stats.stats(key.namespace)
    page = services.memories.list(MemoryFilter(namespace=key.namespace, include_expired=True), limit=1)
    dim = services.embedder.dimension
    return {"success": True, "namespace": key.namespace,
            "api_calls": {r.day: r.calls for r in rows},
            "storage": {"memories": page.total, "embedding_bytes_estimate": page.total * dim * 4,
                        "database_bytes": s.storage_bytes}}
