"""MemoryRelay (``/v1/memories``) under ``/compat/memoryrelay``, as its document and its official SDK expect.

Differences from the native routes: ``agent_id`` is required on create (batch
items inherit it), the seven memory types, semantic search by default with
scores on MemoryRelay's scale, ``project_id``, PUT as well as PATCH, the
SDK's context, maintenance, importance and async (``/v2``) calls, and
validation errors as 422 with ``detail`` (the SDK raises its
``ValidationError`` on 422).
"""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from memvault.api import documented as d
from memvault.api.compat import memoryrelay_view as view
from memvault.api.compat.limits import profile_limit
from memvault.api.deps import ReadKey, ServicesDep, WriteKey, origin_of
from memvault.api.routes import StrictJsonRoute
from memvault.domain import limits
from memvault.domain.enums import EmbeddingStatus, Scope, SearchMode, Tier
from memvault.domain.errors import InvalidInput, NotFound
from memvault.domain.models import ApiKey, Memory, MemoryCreate, MemoryFilter, MemoryUpdate, SearchQuery
from memvault.service import maintenance, receipts
from memvault.service import validation as v

PREFIX = "/compat/memoryrelay"
router = APIRouter(prefix=PREFIX, tags=["compat: memoryrelay"], route_class=StrictJsonRoute,
                   responses=d.error_responses(d.NativeError), dependencies=[profile_limit("memoryrelay")])
LIMIT_MAX = 100


class Lenient(BaseModel):
    # The hosted API ignores fields it does not know (the SDK sends some the document does not list).
    model_config = ConfigDict(extra="ignore")


class CreateIn(Lenient):
    content: Annotated[str, d.doc(**d.CONTENT)]
    agent_id: Annotated[str, d.doc(**d.ID_FIELD)]
    metadata: Annotated[dict[str, Any] | None, d.doc(**d.METADATA)] = None
    memory_type: str | None = None
    session_id: Annotated[str | None, d.doc(**d.ID_FIELD)] = None
    user_id: Annotated[str | None, d.doc(**d.ID_FIELD)] = None
    project: Annotated[str | None, d.doc(**d.ID_FIELD)] = None
    project_id: Annotated[str | None, d.doc(**d.ID_FIELD)] = None
    importance: Annotated[d.Number | None, d.doc(**d.UNIT)] = None
    tier: Annotated[str | None, d.doc(**d.TIER)] = None
    visibility: Annotated[str | None, d.doc(**d.VISIBILITY)] = None
    client_id: Annotated[str | None, d.doc(**d.ID_FIELD)] = None
    deduplicate: StrictBool = False
    dedup_threshold: Annotated[d.Number, d.doc(minimum=limits.DEDUP_THRESHOLD_MIN, maximum=1)] = \
        limits.DEDUP_THRESHOLD_DEFAULT
    auto_extract_entities: StrictBool | None = None

    def to_domain(self, namespace: str) -> MemoryCreate:
        return MemoryCreate(
            content=self.content, namespace=namespace, agent_id=self.agent_id, user_id=self.user_id,
            session_id=self.session_id, project=self.project_id or self.project,
            memory_type=view.given_type(self.memory_type), metadata=self.metadata, importance=self.importance,
            tier=self.tier, visibility=self.visibility or "private", client_id=self.client_id,
            deduplicate=self.deduplicate, dedup_threshold=self.dedup_threshold,
            auto_extract_entities=self.auto_extract_entities)


class BatchItemIn(CreateIn):
    agent_id: Annotated[str | None, d.doc(**d.ID_FIELD)] = None  # type: ignore[assignment]


class BatchIn(Lenient):
    memories: Annotated[list[BatchItemIn], d.doc(minItems=1, maxItems=limits.BATCH_MAX)]
    agent_id: Annotated[str | None, d.doc(**d.ID_FIELD)] = None
    #: Embeddings are made on the device by one worker; the flag is accepted and changes nothing.
    parallel_embeddings: StrictBool = True


class UpdateIn(Lenient):
    content: Annotated[str | None, d.doc(**d.CONTENT)] = None
    metadata: Annotated[dict[str, Any] | None, d.doc(**d.METADATA)] = None
    memory_type: str | None = None
    importance: Annotated[d.Number | None, d.doc(**d.UNIT)] = None
    tier: Annotated[str | None, d.doc(**d.TIER)] = None
    visibility: Annotated[str | None, d.doc(**d.VISIBILITY)] = None


class SearchIn(Lenient):
    query: Annotated[str, d.doc(**d.QUERY)]
    agent_id: str | None = None
    search_mode: SearchMode = SearchMode.SEMANTIC
    limit: Annotated[d.Int, d.doc(minimum=1, maximum=LIMIT_MAX)] = 10
    min_score: Annotated[d.Number, d.doc(**d.UNIT)] = 0.0
    metadata_filter: Annotated[dict[str, Any] | None, d.doc(**d.METADATA_FILTER)] = None
    tier: Annotated[str | None, d.doc(**d.TIER)] = None
    min_importance: Annotated[d.Number | None, d.doc(**d.UNIT)] = None
    include_confidential: StrictBool = False
    include_archived: StrictBool = False
    compress: StrictBool = False
    max_context_tokens: Annotated[d.Int | None, d.doc(minimum=1, maximum=100_000)] = None
    debug: StrictBool = False


class ContextIn(Lenient):
    query: Annotated[str, d.doc(**d.QUERY)]
    limit: Annotated[d.Int, d.doc(minimum=1, maximum=50)] = 10
    threshold: Annotated[d.Number, d.doc(**d.UNIT)] = 0.5
    max_tokens: Annotated[d.Int | None, d.doc(minimum=1, maximum=100_000)] = None
    agent_id: str | None = None


class PromoteIn(Lenient):
    importance: Annotated[d.Number, d.doc(**d.UNIT)]
    tier: Annotated[str | None, d.doc(**d.TIER)] = None


class MaintenanceIn(Lenient):
    action: str = Field(description="demote_cold: memories whose importance puts them in the cold tier move there")


def _written(key: ApiKey, m: Memory, sent_agent: str | None = None, *, is_duplicate: bool = False) -> dict[str, Any]:
    """The memory for a key that may read it; only its id and statuses for a write-only key.

    The receipt carries the fields the SDK's Memory requires, empty or what the caller itself sent (content "",
    agent_id the one it gave, else the namespace): without them the SDK raised after the write had succeeded,
    and a retry stored it again. Never the stored memory's own agent: a duplicate may be another agent's. A
    duplicate is someone's memory, not the caller's: its receipt has no id ("") and no times of its own, as the
    native routes answer ``already_stored`` (:mod:`memvault.service.receipts`)."""
    if key.allows(Scope.READ):
        return view.memory(m, is_duplicate=is_duplicate)
    if is_duplicate:
        now = int(time.time())
        return {"id": "", "object": "memory_receipt", "status": receipts.ALREADY_STORED, "content": "",
                "agent_id": sent_agent or key.namespace, "created_at": now, "updated_at": now, "is_duplicate": True}
    return {"id": m.id, "object": "memory_receipt", "embedding_status": m.embedding_status.value,
            "content": "", "agent_id": sent_agent or key.namespace, "created_at": int(m.created_at),
            "updated_at": int(m.updated_at), "is_duplicate": False}


@router.post("/v1/memories", status_code=201)
def create(body: CreateIn, key: WriteKey, services: ServicesDep, response: Response) -> dict:
    result = services.memories.create(body.to_domain(key.namespace), origin=origin_of(key))
    if result.created:
        services.usage.record(key.id, memories_created=1)
    else:
        response.status_code = 200
    return _written(key, result.memory, body.agent_id, is_duplicate=result.is_duplicate)


@router.post("/v1/memories/batch")
def create_batch(body: BatchIn, key: WriteKey, services: ServicesDep) -> dict:
    items = [item.model_copy(update={"agent_id": item.agent_id or body.agent_id or key.namespace})
             for item in body.memories]
    result = services.memories.create_batch([i.to_domain(key.namespace) for i in items], origin=origin_of(key))
    services.usage.record(key.id, memories_created=result.succeeded)
    n = max(1, len(result.items))
    previews = key.allows(Scope.READ)
    if not previews:
        result = receipts.batch_for_writer(result)  # a duplicate's id is another memory's
    return {"success": result.failed == 0, "total": len(result.items), "succeeded": result.succeeded,
            "failed": result.failed, "skipped": result.skipped,
            # The document names the id memory_id, the SDK reads id: both are given.
            "results": [{"index": i.index, "status": i.status, "memory_id": i.memory_id, "id": i.memory_id,
                         "content_preview": i.content_preview if previews else None, "error": i.error}
                        for i in result.items],
            "timing": {"total_ms": round(result.total_ms, 2), "embedding_ms": round(result.embedding_ms, 2),
                       "database_ms": round(result.database_ms, 2),
                       "per_memory_avg_ms": round(result.total_ms / n, 2)}}


def _filter(key: ApiKey, body: SearchIn | ContextIn) -> MemoryFilter:
    agent = view.agent_filter(body.agent_id, key.namespace)
    if isinstance(body, ContextIn):
        return MemoryFilter(namespace=key.namespace, **agent, include_confidential=False)
    return MemoryFilter(namespace=key.namespace, **agent,
                        tier=v.choice(Tier, body.tier, "tier") if body.tier else None,
                        min_importance=body.min_importance, metadata=v.metadata_filter(body.metadata_filter or {}),
                        include_archived=body.include_archived, include_confidential=body.include_confidential)


@router.post("/v1/memories/search")
def search(body: SearchIn, key: ReadKey, services: ServicesDep) -> dict:
    mode = body.search_mode
    min_score = view.from_scale(body.min_score, mode)
    result = services.search.search(SearchQuery(body.query, mode=mode, limit=body.limit, min_score=min_score,
                                                filter=_filter(key, body), debug=body.debug))
    services.usage.record(key.id, searches=1)
    data = [{"memory": view.memory(h.memory), "score": round(view.to_scale(h.score, mode), 6)} for h in result.hits]
    meta: dict[str, Any] = {}
    if body.compress:
        packed = services.compressor.compress(result.hits, body.query, body.max_context_tokens)
        by_id = {item["memory"]["id"]: item for item in data}
        data = [{**by_id[c.memory_id], "context": c.context, "context_tokens": c.tokens} for c in packed.hits]
        meta["compression"] = packed.summary()
    return {"object": "search_results", "query": body.query, "data": data, "meta": {
        "recalled_count": len(data), "total_evaluated": result.total_evaluated, "threshold": body.min_score,
        "top_scores": [item["score"] for item in data[:5]], "mode": mode.value, **meta}}


@router.post("/v1/memories/context")
def context(body: ContextIn, key: ReadKey, services: ServicesDep) -> dict:
    """The most relevant memories as one text block for a prompt, within ``max_tokens`` when given."""
    result = services.search.search(SearchQuery(body.query, mode=SearchMode.SEMANTIC, limit=body.limit,
                                                min_score=view.from_scale(body.threshold, SearchMode.SEMANTIC),
                                                filter=_filter(key, body)))
    services.usage.record(key.id, searches=1)
    if body.max_tokens is not None:
        # Each line's "- " marker is a token of the budget too.
        packed = services.compressor.compress(result.hits, body.query, body.max_tokens, per_hit_tokens=1)
        lines = [c.context for c in packed.hits]
    else:
        lines = [h.memory.content for h in result.hits]
    text = "\n".join(f"- {line}" for line in lines)
    return {"context": text, "memories_used": len(lines), "total_chars": len(text)}


@router.post("/v1/memories/maintenance")
def run_maintenance(body: MaintenanceIn, key: WriteKey, services: ServicesDep) -> dict:
    if body.action != "demote_cold":
        raise InvalidInput("action must be demote_cold", field="action")
    demoted = maintenance.demote_cold(services.memories, key.namespace, origin=origin_of(key))
    return {"action": body.action, "demoted_count": demoted}


@router.get("/v1/memories")
def list_memories(key: ReadKey, services: ServicesDep, agent_id: str | None = None,
                  limit: Annotated[int, Query(ge=1, le=LIMIT_MAX)] = 20,
                  offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
                  memory_type: str | None = None, cursor: str | None = None) -> dict:
    f = MemoryFilter(namespace=key.namespace, **view.agent_filter(agent_id, key.namespace),
                     memory_types=view.stored_types(memory_type))
    page = services.memories.list(f, limit=limit, offset=offset, cursor=v.cursor(cursor))
    return {"object": "list", "data": [view.memory(m) for m in page.items], "has_more": page.has_more,
            "next_cursor": page.next_cursor, "total_count": page.total}


@router.get("/v1/memories/{memory_id}")
def get(memory_id: str, key: ReadKey, services: ServicesDep) -> dict:
    m = services.memories.get(memory_id, key.namespace)
    if m.deleted_at is not None:  # the document: a deleted memory "is excluded from queries"
        raise NotFound(f"memory {memory_id} not found")
    return view.memory(m)


def update(memory_id: str, body: UpdateIn, key: WriteKey, services: ServicesDep) -> dict:
    """Change content (re-embeds) or metadata (merged); the document says PATCH, the SDK sends PUT."""
    change = MemoryUpdate(content=body.content, metadata=body.metadata, memory_type=view.given_type(body.memory_type),
                          importance=body.importance, tier=body.tier, visibility=body.visibility)
    return _written(key, services.memories.update(memory_id, change, key.namespace, origin=origin_of(key)))


router.add_api_route("/v1/memories/{memory_id}", update, methods=["PATCH", "PUT"], operation_id="memoryrelay_update")


@router.delete("/v1/memories/{memory_id}", status_code=204)
def delete(memory_id: str, key: WriteKey, services: ServicesDep) -> Response:
    if services.memories.get(memory_id, key.namespace).deleted_at is not None:
        # Deleted already: not found, as a read of it is (the SDK's NotFoundError), not a conflict.
        raise NotFound(f"memory {memory_id} not found")
    services.lifecycle.delete(memory_id, key.namespace, origin=origin_of(key))
    return Response(status_code=204)


@router.put("/v1/memories/{memory_id}/importance")
def promote(memory_id: str, body: PromoteIn, key: WriteKey, services: ServicesDep) -> dict:
    """New importance; the tier follows it (>= 0.8 hot) unless one is given."""
    tier = body.tier or Tier.from_importance(body.importance).value
    change = MemoryUpdate(importance=body.importance, tier=tier)
    return _written(key, services.memories.update(memory_id, change, key.namespace, origin=origin_of(key)))


_STATUS = {EmbeddingStatus.PROCESSING: "processing", EmbeddingStatus.READY: "ready", EmbeddingStatus.FAILED: "failed"}


@router.post("/v2/memories", status_code=202)
def create_async(body: CreateIn, key: WriteKey, services: ServicesDep) -> dict:
    """Store now and answer at once; the embedding is made in the background (as every store here is)."""
    result = services.memories.create(body.to_domain(key.namespace), origin=origin_of(key))
    if result.created:
        services.usage.record(key.id, memories_created=1)
    m = result.memory
    if not result.created and not key.allows(Scope.READ):
        # Another memory's id (a duplicate) is not a write-only key's to learn, as on the routes above.
        return {"id": "", "status": receipts.ALREADY_STORED, "job_id": None, "estimated_completion_seconds": 0}
    status = "ready" if m.embedding_status is EmbeddingStatus.READY else "pending"
    # No job id (the embedding queue is the vault's own) and no estimate: poll the status.
    return {"id": m.id, "status": status, "job_id": None,
            "estimated_completion_seconds": 0 if status == "ready" else None}


@router.get("/v2/memories/{memory_id}/status")
def status(memory_id: str, key: ReadKey, services: ServicesDep) -> dict:
    m = services.memories.get(memory_id, key.namespace)
    state = _STATUS[m.embedding_status]
    return {"id": m.id, "status": state, "created_at": int(m.created_at), "updated_at": int(m.updated_at),
            "error": "the embedding failed; it is retried" if state == "failed" else None,
            "checked_at": int(time.time())}
