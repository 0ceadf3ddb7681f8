"""Native memory routes under ``/v1`` (MemoryRelay-shaped)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from starlette.concurrency import run_in_threadpool

from memvault.api import documented as d
from memvault.api.deps import ReadKey, ServicesDep, WriteKey, declared_query_only, namespace_for, origin_of
from memvault.api.routes import StrictJsonRoute
from memvault.api.schemas import (
    BatchIn,
    BatchOut,
    HistoryOut,
    IntId,
    ListOut,
    MemoryCreated,
    MemoryCreateIn,
    MemoryPublic,
    MemoryReceipt,
    MemoryUpdateIn,
    SearchHitOut,
    SearchIn,
    SearchOut,
    WriteReceiptOut,
    memory_view,
)
from memvault.domain.enums import MemoryType, Scope, TagMatch, Tier
from memvault.domain.errors import InvalidInput
from memvault.domain.models import ApiKey, MemoryFilter, SearchQuery
from memvault.service import receipts
from memvault.service import validation as v

router = APIRouter(prefix="/v1/memories", tags=["memories"], route_class=StrictJsonRoute,
                   responses=d.error_responses(d.NativeError), dependencies=[Depends(declared_query_only)])
#: The most memories a page of the list holds (the MemoryRelay document: "1-100").
LIST_PAGE_MAX = 100


def _types(single: str | None, many: list[str] | None) -> tuple[MemoryType, ...]:
    """Types from a single value and a list whose items may join several with commas; none may be empty."""
    names = [part for item in (many or []) for part in item.split(",")] + ([single] if single is not None else [])
    return tuple(v.choice(MemoryType, t, "memory_type") for t in names)


def _metadata_param(raw: str | None) -> dict[str, Any]:
    if not raw:
        return {}
    value = v.parse_json(raw, field="metadata_filter")
    if not isinstance(value, dict):
        raise InvalidInput("metadata_filter must be a JSON object", field="metadata_filter")
    return v.metadata_filter(value)


@router.post("", status_code=201, response_model=MemoryCreated | WriteReceiptOut,
             responses={200: {"model": MemoryCreated | WriteReceiptOut,
                              "description": "An existing memory: a repeated client_id or a near-duplicate"}})
async def create_memory(body: MemoryCreateIn, key: WriteKey, services: ServicesDep,
                        response: Response) -> MemoryCreated | WriteReceiptOut:
    """Store a memory; it is searchable by keyword at once and by meaning once embedded.

    A repeated ``client_id`` or a near-duplicate answers 200 with the existing
    memory; a key without the read scope gets a receipt instead: ``stored`` with
    the new memory's id, or ``already_stored`` without any id.
    """
    # Async for the reason the hot reads below are: a plain route's answer is checked on the pool, one more hop.
    return await run_in_threadpool(_create, body, key, services, response)


def _create(body: MemoryCreateIn, key: ApiKey, services, response: Response) -> MemoryCreated | WriteReceiptOut:
    result = services.memories.create(body.to_domain(namespace_for(key, body.namespace)), origin=origin_of(key))
    if result.created:
        services.usage.record(key.id, memories_created=1)
    else:
        response.status_code = 200
    if not key.allows(Scope.READ):
        return WriteReceiptOut.of(receipts.receipt_of(result))
    return MemoryCreated(**MemoryPublic.of(result.memory).model_dump(), created=result.created,
                         is_duplicate=result.is_duplicate, duplicate_of=result.duplicate_of,
                         similarity=result.similarity, extraction_skipped=result.extraction_skipped)


@router.post("/batch", response_model=BatchOut)
def create_batch(body: BatchIn, key: WriteKey, services: ServicesDep) -> BatchOut:
    """Store 1-100 memories with a result per item and timings."""
    namespace = namespace_for(key, body.namespace)
    items = []
    for item in body.memories:
        if item.agent_id is None and body.agent_id is not None:
            item = item.model_copy(update={"agent_id": body.agent_id})
        items.append(item.to_domain(namespace_for(key, item.namespace or namespace)))
    result = services.memories.create_batch(items, origin=origin_of(key))
    services.usage.record(key.id, memories_created=result.succeeded)
    if not key.allows(Scope.READ):
        return BatchOut.of(receipts.batch_for_writer(result))
    return BatchOut.of(result)


def search_filter(body: SearchIn, namespace: str) -> MemoryFilter:
    return MemoryFilter(
        namespace=namespace, agent_id=body.agent_id, user_id=body.user_id, session_id=body.session_id,
        project=body.project, memory_types=_types(body.memory_type, body.memory_types), tags=tuple(body.tags),
        tag_match=body.tag_match, tier=v.choice(Tier, body.tier, "tier") if body.tier else None,
        min_importance=body.min_importance, created_after=body.created_after, created_before=body.created_before,
        metadata=v.metadata_filter(body.metadata_filter), include_archived=body.include_archived,
        include_confidential=body.include_confidential, changed_by=body.changed_by,
    )


# The hot reads (searches, a read by id, a page of the list) are async routes that run their service call on the
# thread pool themselves: FastAPI checks a plain route's answer on the pool too, one more hop for every request.
@router.post("/search", response_model=SearchOut)
async def search(body: SearchIn, key: ReadKey, services: ServicesDep) -> SearchOut:
    """Search by meaning (semantic), by words (keyword) or both (hybrid: one calibrated 0..1 relevance)."""
    return await run_in_threadpool(_search, body, key, services)


def _search(body: SearchIn, key: ApiKey, services) -> SearchOut:
    f = search_filter(body, namespace_for(key, body.namespace))
    if {"mode", "search_mode"} <= body.model_fields_set and body.mode != body.search_mode:
        raise InvalidInput("mode and search_mode name the same setting: give one (they differ here)", field="mode")
    if body.max_context_tokens is not None and not body.compress:
        # Refused as a field the body does not know is: it budgets the packing compress does, and was ignored.
        raise InvalidInput("max_context_tokens budgets compress: send it with \"compress\": true",
                           field="max_context_tokens")
    mode = body.mode or body.search_mode
    result = services.search.search(SearchQuery(body.query, mode=mode, limit=body.limit, min_score=body.min_score,
                                                filter=f, debug=body.debug))
    services.usage.record(key.id, searches=1)
    data = [SearchHitOut.of(h, result.mode) for h in result.hits]
    meta: dict[str, Any] = {}
    if body.compress:
        packed = services.compressor.compress(result.hits, body.query, body.max_context_tokens)
        out = {h.memory.id: h for h in data}
        data = [out[c.memory_id].model_copy(update={"context": c.context, "context_tokens": c.tokens})
                for c in packed.hits]
        meta["compression"] = packed.summary()
    return SearchOut(query=body.query, data=data, meta={
        "recalled_count": len(data), "total_evaluated": result.total_evaluated, "threshold": body.min_score,
        "top_scores": [h.score for h in data[:5]], "mode": result.mode.value,
        "took_ms": round(result.took_ms, 2), **meta})


@router.get("", response_model=ListOut)
async def list_memories(
    key: ReadKey, services: ServicesDep,
    namespace: Annotated[str | None, d.doc_query(**d.NAMESPACE)] = None, agent_id: str | None = None,
    user_id: str | None = None, session_id: str | None = None, project: str | None = None,
    memory_type: Annotated[list[str] | None, Query(json_schema_extra={
        "items": {"type": "string", "pattern": d.TYPES_PATTERN}})] = None,
    tags: str | None = None, tag_match: TagMatch = TagMatch.ANY,
    tier: Annotated[str | None, d.doc_query(**d.TIER)] = None,
    min_importance: float | None = None,
    created_after: Annotated[str | None, d.doc_query(**d.MOMENT)] = None,
    created_before: Annotated[str | None, d.doc_query(**d.MOMENT)] = None,
    metadata_filter: Annotated[str | None, Query(
        description="A JSON object: metadata keys and the values they must have")] = None,
    include_expired: bool = False, include_deleted: bool = False,
    only_deleted: bool = False, include_archived: bool = False,
    changed_by: Annotated[str | None, Query(pattern="^[0-9a-f]{32}$", description=(
        "Only memories this person (a person id) created or changed in a shared namespace"))] = None,
    limit: Annotated[int, d.doc_query(minimum=1, maximum=LIST_PAGE_MAX)] = 20,
    offset: Annotated[int, d.doc_query(minimum=0, maximum=10**9)] = 0,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page",
                                        json_schema_extra=d.CURSOR)] = None,
) -> ListOut:
    """Memories newest first, with every filter; page with offset or the opaque cursor."""
    # Checked as a body's fields are: a query string reaches here with NaN, infinities and any count of tags.
    v.int_range(limit, "limit", 1, LIST_PAGE_MAX)
    after, before = d.query_seconds(created_after, "created_after"), d.query_seconds(created_before, "created_before")
    f = MemoryFilter(
        namespace=namespace_for(key, namespace), agent_id=agent_id, user_id=user_id, session_id=session_id,
        project=project, memory_types=_types(None, memory_type),
        tags=v.tags([t for t in (tags or "").split(",") if t.strip()]), tag_match=tag_match,
        tier=v.choice(Tier, tier, "tier") if tier else None, min_importance=min_importance,
        created_after=after, created_before=before, metadata=_metadata_param(metadata_filter),
        include_expired=include_expired, include_deleted=include_deleted, only_deleted=only_deleted,
        include_archived=include_archived, changed_by=changed_by)
    page = await run_in_threadpool(services.memories.list, f, limit=limit, offset=offset, cursor=v.cursor(cursor))
    return ListOut(data=[MemoryPublic.of(m) for m in page.items], has_more=page.has_more,
                   next_cursor=page.next_cursor, total_count=page.total)


@router.get("/{memory_id}", response_model=MemoryPublic)
async def get_memory(memory_id: str, key: ReadKey, services: ServicesDep) -> MemoryPublic:
    return MemoryPublic.of(await run_in_threadpool(services.memories.get, memory_id, _scope(key)))


@router.patch("/{memory_id}", response_model=MemoryPublic | MemoryReceipt)
def update_memory(memory_id: str, body: MemoryUpdateIn, key: WriteKey,
                  services: ServicesDep) -> MemoryPublic | MemoryReceipt:
    """Change fields: content re-embeds, metadata merges (null removes a key), tags replace."""
    return memory_view(key, services.memories.update(memory_id, body.to_domain(), _scope(key), origin=origin_of(key)))


# PATCH as the MemoryRelay document says; PUT as its official SDK sends (left out of the document: one update).
router.add_api_route("/{memory_id}", update_memory, methods=["PUT"], response_model=MemoryPublic | MemoryReceipt,
                     include_in_schema=False)


@router.delete("/{memory_id}", status_code=204)
def delete_memory(memory_id: str, key: WriteKey, services: ServicesDep, hard: bool = False) -> Response:
    """Soft delete (restorable); ``?hard=true`` deletes for good. A retried soft delete is 204 too (idempotent)."""
    if hard:
        services.lifecycle.hard_delete(memory_id, _scope(key), origin=origin_of(key))
    else:
        services.lifecycle.trash(memory_id, _scope(key), origin=origin_of(key))
    return Response(status_code=204)


@router.post("/{memory_id}/restore", response_model=MemoryPublic | MemoryReceipt)
def restore_memory(memory_id: str, key: WriteKey, services: ServicesDep) -> MemoryPublic | MemoryReceipt:
    return memory_view(key, services.lifecycle.restore(memory_id, _scope(key), origin=origin_of(key)))


@router.post("/{memory_id}/archive", response_model=MemoryPublic | MemoryReceipt)
def archive_memory(memory_id: str, key: WriteKey, services: ServicesDep) -> MemoryPublic | MemoryReceipt:
    return memory_view(key, services.lifecycle.archive(memory_id, _scope(key), origin=origin_of(key)))


@router.post("/{memory_id}/unarchive", response_model=MemoryPublic | MemoryReceipt)
def unarchive_memory(memory_id: str, key: WriteKey, services: ServicesDep) -> MemoryPublic | MemoryReceipt:
    return memory_view(key, services.lifecycle.unarchive(memory_id, _scope(key), origin=origin_of(key)))


@router.get("/{memory_id}/history", response_model=HistoryOut)
def history(memory_id: str, key: ReadKey, services: ServicesDep) -> HistoryOut:
    entries = services.memories.history(memory_id, _scope(key))
    return HistoryOut.of(entries, services.sharing.changes_of(memory_id) if services.sharing else [])


@router.post("/{memory_id}/history/{version}/restore", response_model=MemoryPublic | MemoryReceipt)
def restore_version(memory_id: str, version: IntId, key: WriteKey,
                    services: ServicesDep) -> MemoryPublic | MemoryReceipt:
    """Make an earlier version current again (recorded as a new version)."""
    return memory_view(key, services.memories.restore_version(memory_id, version, _scope(key), origin=origin_of(key)))


def _scope(key: ApiKey) -> str:
    """Every key, admin keys included, reaches only memories of its own namespace."""
    return key.namespace
