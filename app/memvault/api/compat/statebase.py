"""StateBase (``/v1/memory``) under ``/compat/statebase``: ``mem_<12 hex>`` ids (not guessable), threshold 0.7, ``starting_after``."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel, StrictBool

from memvault.api import documented as d
from memvault.api.compat.field_view import field_view
from memvault.api.compat.public_ids import IdPermutation
from memvault.api.deps import ReadKey, ServicesDep, WriteKey, origin_of
from memvault.api.errors import PayloadTooLarge
from memvault.api.routes import StrictJsonRoute
from memvault.domain.enums import EmbeddingStatus, MemoryType, Scope, SearchMode
from memvault.domain.errors import NotFound
from memvault.domain.models import (
    ApiKey,
    Memory,
    MemoryCreate,
    MemoryFilter,
    MemoryUpdate,
    SearchQuery,
)
from memvault.ranking import good_match
from memvault.service import receipts
from memvault.service import validation as v
from memvault.service.container import Services

router = APIRouter(prefix="/compat/statebase", tags=["compat: statebase"], route_class=StrictJsonRoute,
                   responses=d.error_responses(d.StatebaseError))
#: The document's path, and the one the official SDK sends (``/v1/memories``): both answer.
PATHS = ("/v1/memory", "/v1/memories")
MAX_CHARS = 10_000
#: StateBase's documented default similarity threshold; mapped onto this model's scale.
DEFAULT_THRESHOLD = 0.7
_ID = re.compile(r"^mem_([0-9a-f]{12})$")


class MemoryNotFound(NotFound):
    code = "memory_not_found"


def id_permutation(services: Services) -> IdPermutation:
    return IdPermutation(services.keys.public_id_secret())


def public_id(m: Memory, ids: IdPermutation) -> str:
    """``mem_`` and 12 hex digits that do not reveal the rowid or the ids of other memories."""
    return f"mem_{ids.encode(m.rowid):012x}"


def _get(services: Services, memory_id: str, namespace: str) -> Memory:
    match = _ID.match(memory_id)
    if match is None:
        raise MemoryNotFound(f"memory {memory_id} not found")
    try:
        return services.memories.get_by_rowid(id_permutation(services).decode(int(match.group(1), 16)), namespace)
    except NotFound:
        raise MemoryNotFound(f"memory {memory_id} not found") from None


def iso(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.timezone.utc).isoformat().replace("+00:00", "Z")


def memory_out(m: Memory, ids: IdPermutation, **extra: Any) -> dict[str, Any]:
    ready = m.embedding_status is EmbeddingStatus.READY
    pid = public_id(m, ids)
    # The SDK's types require a session id; a memory stored without one (natively) shows "".
    return {"object": "memory", **field_view("statebase", m, time=iso, id=pid, session_id=m.session_id or ""),
            "embedding_id": f"vec_{pid[4:]}" if ready else None, "vector_available": ready, **extra}


def _written(m: Memory, ids: IdPermutation, key: ApiKey, *, sent_type: str | None = None,
             sent_session: str | None = None) -> dict[str, Any]:
    """The memory for a key that may read; for a write-only key a receipt (:mod:`memvault.service.receipts`).

    The receipt carries the fields the SDK's ``MemoryResponse`` requires, empty or what the caller itself sent:
    without them ``memory.add`` raised after the write had succeeded, and a retry stored it again. (This profile
    takes no idempotency key and asks for no dedup check, so its writes are never another memory.)"""
    if key.allows(Scope.READ):
        return memory_out(m, ids)
    return {"object": "memory_receipt", "id": public_id(m, ids), "status": receipts.STORED, "content": "",
            "type": sent_type or "", "session_id": sent_session or "",
            "vector_available": m.embedding_status is EmbeddingStatus.READY, "created_at": iso(m.created_at)}


def _content(text: str) -> str:
    if len(text) > MAX_CHARS:
        raise PayloadTooLarge(f"content has {len(text)} characters; the limit is {MAX_CHARS}", field="content")
    return text


_CONTENT = {**d.CONTENT, "maxLength": MAX_CHARS}


class CreateIn(BaseModel):
    # Required as the document says, but null is taken: the official SDK's memory.add sends "session_id": null
    # unless given one (its parameter is optional), and its first call then failed with a 400.
    session_id: Annotated[str | None, d.doc(**d.ID_FIELD)]
    content: Annotated[str, d.doc(**_CONTENT)]
    type: Annotated[str | None, d.doc(**d.MEMORY_TYPE)] = "general"
    # The official SDK sends null for tags and metadata it was not given.
    tags: Annotated[list[str] | None, d.doc(**d.TAGS)] = None
    metadata: Annotated[dict[str, Any] | None, d.doc(**d.METADATA)] = None
    user_id: Annotated[str | None, d.doc(**d.ID_FIELD)] = None
    embed: StrictBool = True


class UpdateIn(BaseModel):
    content: Annotated[str | None, d.doc(**_CONTENT)] = None
    type: Annotated[str | None, d.doc(**d.MEMORY_TYPE)] = None
    tags: Annotated[list[str] | None, d.doc(**d.TAGS)] = None
    metadata: Annotated[dict[str, Any] | None, d.doc(**d.METADATA)] = None


class SearchIn(BaseModel):
    query: Annotated[str, d.doc(**d.QUERY)]
    session_id: str | None = None
    user_id: str | None = None
    type: Annotated[str | None, d.doc(**d.MEMORY_TYPE)] = None
    tags: list[str] | None = None
    limit: Annotated[d.Int, d.doc(minimum=1, maximum=50)] = 10
    threshold: Annotated[d.Number, d.doc(**d.UNIT)] = DEFAULT_THRESHOLD


def _user_of(services: Services, namespace: str, session_id: str | None) -> str | None:
    """The user of the session a memory is added to: the SDK's memory.add takes no user, and search by
    ``user_id`` (the document's filter) found none of a user's memories otherwise."""
    if not session_id:
        return None
    try:
        return services.profiles.sessions.get(namespace, session_id).user_id
    except NotFound:  # a memory may name a session this vault never saw (the README's first example does)
        return None


def create(body: CreateIn, key: WriteKey, services: ServicesDep) -> dict:
    # Memvault embeds every memory on the device (it costs no API call), so embed=false changes nothing.
    session_id = v.optional_id(body.session_id, "session_id")
    user_id = body.user_id if body.user_id is not None else _user_of(services, key.namespace, session_id)
    result = services.memories.create(MemoryCreate(
        content=_content(body.content), namespace=key.namespace, session_id=session_id,
        user_id=user_id, memory_type=body.type or "general", tags=body.tags or [], metadata=body.metadata or {}),
        origin=origin_of(key))
    services.usage.record(key.id, memories_created=1)
    return _written(result.memory, id_permutation(services), key, sent_type=body.type, sent_session=session_id)


def search(body: SearchIn, key: ReadKey, services: ServicesDep) -> dict:
    return _search(body, key, services, (v.choice(MemoryType, body.type, "type"),) if body.type else ())


def _search(body: SearchIn, key: ApiKey, services: Services, types: tuple[MemoryType, ...]) -> dict:
    v.int_range(body.limit, "limit", 1, 50)
    f = MemoryFilter(namespace=key.namespace, session_id=body.session_id, user_id=body.user_id,
                     memory_types=types, tags=tuple(body.tags or ()), include_confidential=False)
    # StateBase's threshold is a relevance cut: its default must mean a good match here, and this model's
    # cosines for a "my ..." question fall below the similarity point for half of the right answers, where
    # hybrid relevance flags them (docs/benchmarks.md, "Compatibility thresholds on the relevance scale").
    result = services.search.search(SearchQuery(
        body.query, mode=SearchMode.HYBRID, limit=body.limit,
        min_score=good_match.provider_threshold(v.unit_float(body.threshold, "threshold"), DEFAULT_THRESHOLD,
                                                SearchMode.HYBRID),
        filter=f))
    services.usage.record(key.id, searches=1)
    ids = id_permutation(services)
    return {"query": body.query, "data": [
        memory_out(h.memory, ids, score=round(good_match.provider_score(h.score, DEFAULT_THRESHOLD, SearchMode.HYBRID), 6))
        for h in result.hits]}


def get(memory_id: str, key: ReadKey, services: ServicesDep) -> dict:
    return memory_out(_get(services, memory_id, key.namespace), id_permutation(services))


def update(memory_id: str, body: UpdateIn, key: WriteKey, services: ServicesDep) -> dict:
    memory = _get(services, memory_id, key.namespace)
    change = MemoryUpdate(content=None if body.content is None else _content(body.content),
                          memory_type=body.type, tags=body.tags, metadata=body.metadata)
    changed = services.memories.update(memory.id, change, key.namespace, origin=origin_of(key))
    return _written(changed, id_permutation(services), key, sent_type=body.type)


def delete(memory_id: str, key: WriteKey, services: ServicesDep) -> dict:
    memory = _get(services, memory_id, key.namespace)
    services.lifecycle.hard_delete(memory.id, key.namespace, origin=origin_of(key))
    return {"id": memory_id, "deleted": True}


def list_memories(key: ReadKey, services: ServicesDep, session_id: str | None = None, user_id: str | None = None,
                  type: Annotated[str | None, d.doc_query(**d.MEMORY_TYPE)] = None, tags: str | None = None,
                  limit: Annotated[int, d.doc_query(minimum=1, maximum=100)] = 20,
                  starting_after: Annotated[str | None, d.doc_query(pattern=r"^mem_[0-9a-f]{12}$")] = None,
                  query: Annotated[str | None, d.doc_query(**d.QUERY)] = None,
                  types: Annotated[str | None, d.doc_query(description="Comma-separated types (with query)",
                                                           pattern=d.TYPES_PATTERN)] = None,
                  threshold: Annotated[float, d.doc_query(**d.UNIT)] = DEFAULT_THRESHOLD) -> dict:
    """List memories; with ``query``, search them (the official SDK's ``memory.search`` sends a GET)."""
    if query is not None:
        names = [t for t in (types or type or "").split(",") if t]
        body = SearchIn(query=query, session_id=session_id, user_id=user_id, limit=limit, threshold=threshold,
                        tags=[t for t in (tags or "").split(",") if t] or None)
        return _search(body, key, services, tuple(v.choice(MemoryType, t, "types") for t in names))
    v.int_range(limit, "limit", 1, 100)
    f = MemoryFilter(namespace=key.namespace, session_id=session_id, user_id=user_id,
                     memory_types=(v.choice(MemoryType, type, "type"),) if type else (),
                     tags=tuple(t for t in (tags or "").split(",") if t))
    cursor = None
    if starting_after is not None:
        cursor = services.memories.cursor_after(_get(services, starting_after, key.namespace).id, key.namespace)
    page = services.memories.list(f, limit=limit, cursor=cursor)
    ids = id_permutation(services)
    return {"object": "list", "data": [memory_out(m, ids) for m in page.items], "has_more": page.has_more}


for _path in PATHS:
    router.add_api_route(_path, create, methods=["POST"], status_code=201, operation_id=f"statebase_create{_path[9:]}")
    router.add_api_route(f"{_path}/search", search, methods=["POST"], operation_id=f"statebase_search{_path[9:]}")
    router.add_api_route(_path, list_memories, methods=["GET"], operation_id=f"statebase_list{_path[9:]}")
    router.add_api_route(f"{_path}/{{memory_id}}", get, methods=["GET"], operation_id=f"statebase_get{_path[9:]}")
    router.add_api_route(f"{_path}/{{memory_id}}", update, methods=["PATCH"],
                         operation_id=f"statebase_update{_path[9:]}")
    router.add_api_route(f"{_path}/{{memory_id}}", delete, methods=["DELETE"],
                         operation_id=f"statebase_delete{_path[9:]}")
