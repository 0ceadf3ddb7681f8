"""Sendryx Memory API under ``/compat/sendryx``: integer ids, TTLs, forget, ``{success, message}`` errors."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from memvault.api import documented as d
from memvault.api.compat.field_view import field_view
from memvault.api.compat.limits import profile_limit
from memvault.api.deps import ReadKey, ServicesDep, WriteKey, origin_of
from memvault.api.routes import StrictJsonRoute
from memvault.domain import limits
from memvault.domain.enums import SearchMode
from memvault.domain.enums import Scope
from memvault.domain.errors import Forbidden, InvalidInput, NotFound
from memvault.domain.models import ApiKey, Memory, MemoryCreate, MemoryFilter, SearchQuery
from memvault.ranking import good_match
from memvault.service import validation as v
from memvault.service.container import Services

router = APIRouter(prefix="/compat/sendryx/v1/memory", tags=["compat: sendryx"], route_class=StrictJsonRoute,
                   responses=d.error_responses(d.SendryxError), dependencies=[profile_limit("sendryx")])
#: "Embedding bytes estimated at 1536 floats × 4 bytes per memory" (the document's own figure, whatever
#: this model's dimension: a client compares it with what Sendryx would report).
EMBEDDING_BYTES_PER_MEMORY = 1536 * 4
MAX_CHARS = 8191
#: Sendryx's documented default, a cosine of text-embedding-3-small; mapped onto this model's scale.
DEFAULT_THRESHOLD = 0.3
#: Ids are rowids; this bound keeps them exact in every JSON reader (2^53 - 1, far beyond any vault).
MAX_ID = 2**53 - 1


def _memory(m: Memory) -> dict[str, Any]:
    return field_view("sendryx", m, time=int)


class StoreIn(BaseModel):
    content: Annotated[str, d.doc(**{**d.CONTENT, "maxLength": MAX_CHARS})]
    metadata: Annotated[dict[str, Any], d.doc(**d.METADATA)] = {}
    expires_in_seconds: Annotated[d.Int | None, d.doc(minimum=1, maximum=limits.TTL_MAX_SECONDS)] = None


@router.post("", status_code=201)
def store(body: StoreIn, key: WriteKey, services: ServicesDep) -> dict:
    content = body.content.strip()
    v.content(content, max_chars=MAX_CHARS)
    result = services.memories.create(MemoryCreate(content=content, namespace=key.namespace,
                                                   metadata=body.metadata,
                                                   expires_in_seconds=body.expires_in_seconds), origin=origin_of(key))
    services.usage.record(key.id, memories_created=1)
    memory = _memory(result.memory)
    # A key without the read scope gets the id, never the content it (or another writer) stored.
    return {"success": True, "memory": memory if key.allows(Scope.READ) else {"id": memory["id"]}}


@router.get("/search")
def search(key: ReadKey, services: ServicesDep, query: Annotated[str, d.doc_query(**d.QUERY)],
           limit: Annotated[int, d.doc_query(minimum=1, maximum=limits.SEARCH_LIMIT_MAX)] = 10,
           threshold: Annotated[float, d.doc_query(**d.UNIT)] = DEFAULT_THRESHOLD) -> dict:
    # Sendryx's threshold is a relevance cut whose default must mean a good match here: hybrid relevance,
    # as for StateBase (this model's cosines miss half of the right answers to "my ..." questions).
    result = services.search.search(SearchQuery(
        query, mode=SearchMode.HYBRID, limit=limit,
        min_score=good_match.provider_threshold(v.unit_float(threshold, "threshold"), DEFAULT_THRESHOLD,
                                                SearchMode.HYBRID),
        filter=MemoryFilter(namespace=key.namespace, include_confidential=False)))
    services.usage.record(key.id, searches=1)
    return {"success": True, "query": query, "count": len(result.hits),
            "results": [{**_memory(h.memory),
                         "similarity": round(good_match.provider_score(h.score, DEFAULT_THRESHOLD, SearchMode.HYBRID), 6)}
                        for h in result.hits]}


@router.get("")
def list_memories(key: ReadKey, services: ServicesDep, limit: Annotated[int, d.doc_query(minimum=1, maximum=200)] = 50,
                  offset: Annotated[int, d.doc_query(minimum=0, maximum=10**9)] = 0,
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
    if isinstance(value, float) and value.is_integer():  # 987.0 is 987 in JSON; 987.9 is no id
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_ID:
        raise InvalidInput("id must be a positive integer")
    return value


async def _forget_args(request: Request) -> tuple[Any, bool]:
    body: dict[str, Any] = {}
    raw = await request.body()
    if raw.strip():
        body = v.parse_json(raw)
        if not isinstance(body, dict):
            raise InvalidInput("the request body must be a JSON object")
    if "wipe" in body and not isinstance(body["wipe"], bool):
        raise InvalidInput("wipe must be true or false")
    if "id" in body and (isinstance(body["id"], bool) or not isinstance(body["id"], (int, float))):
        raise InvalidInput("id must be a positive integer")
    memory_id = body.get("id", request.query_params.get("id"))
    return memory_id, body["wipe"] if "wipe" in body else _flag(request.query_params.get("wipe"))


async def forget(request: Request, key: WriteKey, services: ServicesDep) -> dict:
    """Forget one memory by integer ``id``, or every memory of the namespace with ``wipe``."""
    memory_id, wipe = await _forget_args(request)
    # The body is read on the event loop; the vault work (which may wait on a lock) is not.
    return await run_in_threadpool(_forget, memory_id, wipe, key, services)


def _forget(memory_id: Any, wipe: bool, key: ApiKey, services: Services) -> dict:
    if wipe:
        # The native twin, DELETE /v1/namespaces/{namespace}, asks for the admin scope: so does this.
        if not key.allows(Scope.ADMIN):
            raise Forbidden("wiping a namespace needs a key with the 'admin' scope")
        removed = services.lifecycle.wipe_namespace(key.namespace, confirm=key.namespace, origin=origin_of(key))
        return {"success": True, "wiped": True, "deleted": removed}
    if memory_id is None:
        raise InvalidInput("say what to forget: {\"id\": N} or {\"wipe\": true}")
    rowid = _memory_id(memory_id)
    try:
        memory = services.memories.get_by_rowid(rowid, key.namespace)
    except NotFound:
        raise NotFound(f"Memory {rowid} not found in this namespace") from None
    services.lifecycle.hard_delete(memory.id, key.namespace, origin=origin_of(key))
    return {"success": True, "deleted": 1, "id": rowid}


#: The body ``forget`` reads itself (the id may also come from the query string, as the hosted API allows).
_FORGET_BODY = {"requestBody": {"required": True, "content": {"application/json": {"schema": {"oneOf": [
    {"type": "object", "required": ["id"], "properties": {
        "id": {"type": "integer", "minimum": 1, "maximum": MAX_ID}, "wipe": {"const": False}}},
    {"type": "object", "required": ["wipe"], "properties": {"wipe": {"const": True}}},
]}}}}}
router.add_api_route("", forget, methods=["DELETE"], operation_id="sendryx_forget", openapi_extra=_FORGET_BODY)
router.add_api_route("/forget", forget, methods=["POST"], operation_id="sendryx_forget_post",
                     openapi_extra=_FORGET_BODY)


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
    # "Content bytes are exact character length": summed over the namespace's memories.
    total, content_chars = services.profiles.stored(key.namespace)
    return {"success": True, "namespace": key.namespace,
            "api_calls": {r.day: r.calls for r in rows},
            "storage": {"memories": total, "content_bytes": content_chars,
                        "embedding_bytes_estimate": total * EMBEDDING_BYTES_PER_MEMORY,
                        "database_bytes": s.storage_bytes}}
