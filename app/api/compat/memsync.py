"""MemSync under ``/compat/memsync``: store a conversation, search what was stored.

MemSync extracts and classifies facts with a language model. Memvault runs no
language model yet, so it stores each user message as one memory and says so
in the answer (``extraction``) instead of inventing categories.
"""

from __future__ import annotations

import time
from typing import Annotated, Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel

from app.api import documented as d
from app.api.deps import ReadKey, ServicesDep, WriteKey, origin_of
from app.api.routes import StrictJsonRoute
from app.domain import limits
from app.domain.errors import InvalidInput
from app.domain.models import MemoryCreate, MemoryFilter, SearchQuery

router = APIRouter(prefix="/compat/memsync/v1", tags=["compat: memsync"], route_class=StrictJsonRoute,
                   responses=d.error_responses(d.MemsyncError))
EXTRACTION_NOTE = "none: each user message was stored as one memory (no fact extraction or categories)"


class Message(BaseModel):
    role: Literal["user", "assistant", "system"]
    content: Annotated[str, d.doc(maxLength=limits.CONTENT_MAX_CHARS, pattern=r"^[^\u0000]*$")]


#: At least one user message with visible text, which is what gets stored.
_USER_MESSAGE = {"type": "object", "required": ["role", "content"],
                 "properties": {"role": {"const": "user"}, "content": {"type": "string", **d.CONTENT}}}


class StoreIn(BaseModel):
    messages: Annotated[list[Message], d.doc(minItems=1, maxItems=limits.BATCH_MAX, contains=_USER_MESSAGE)]
    agent_id: Annotated[str, d.doc(**d.ID_FIELD)]
    thread_id: Annotated[str, d.doc(**d.ID_FIELD)]
    source: Annotated[str, d.doc(maxLength=limits.TAG_MAX_CHARS, pattern=r"^\S(.*\S)?$")] = "chat"
    metadata: Annotated[dict[str, Any], d.doc(maxProperties=limits.METADATA_MAX_KEYS - 2)] = {}


class SearchIn(BaseModel):
    query: Annotated[str, d.doc(**d.QUERY)]
    limit: Annotated[d.Int, d.doc(minimum=1, maximum=limits.SEARCH_LIMIT_MAX)] = 10
    agent_id: str | None = None


@router.post("/memories")
def store(body: StoreIn, key: WriteKey, services: ServicesDep) -> dict:
    started = time.perf_counter()
    user_messages = [m for m in body.messages if m.role == "user" and m.content.strip()]
    if not user_messages:
        raise InvalidInput("messages must contain at least one non-empty user message", field="messages")
    items = [MemoryCreate(content=m.content, namespace=key.namespace, agent_id=body.agent_id,
                          session_id=body.thread_id, tags=[body.source],
                          metadata={**body.metadata, "source": body.source, "thread_id": body.thread_id})
             for m in user_messages]
    result = services.memories.create_batch(items, origin=origin_of(key))
    errors = [i for i in result.items if i.status == "error"]
    if errors:
        raise InvalidInput(f"message {errors[0].index}: {errors[0].error}", field="messages")
    services.usage.record(key.id, memories_created=result.succeeded)
    return {"success": True, "memories_extracted": result.succeeded,
            "processing_time": f"{time.perf_counter() - started:.2f}s", "categories": [],
            "memory_ids": [i.memory_id for i in result.items], "extraction": EXTRACTION_NOTE}


@router.post("/memories/search")
def search(body: SearchIn, key: ReadKey, services: ServicesDep) -> dict:
    f = MemoryFilter(namespace=key.namespace, agent_id=body.agent_id, include_confidential=False)
    result = services.search.search(SearchQuery(body.query, limit=body.limit, filter=f))
    services.usage.record(key.id, searches=1)
    return {"success": True, "memories": [
        {"id": h.memory.id, "memory": h.memory.content, "score": h.score, "agent_id": h.memory.agent_id,
         "thread_id": h.memory.session_id, "created_at": int(h.memory.created_at)} for h in result.hits]}
