"""MemSync under ``/compat/memsync``: store a conversation, search what was stored.

As MemSync does, storing a conversation extracts facts about the user from its
user turns, classifies each one semantic (lasting) or episodic (time-bound),
gives it categories, and stores it as a searchable memory; the answer comes
after extraction with ``memories_extracted``, ``categories`` and
``processing_time``, plus the facts themselves and any duplicates or
superseded facts. Memvault does this on the device (``app/extraction``), with
no language model; the conversation goes through the same durable queue as
``POST /v1/conversations``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, StrictFloat, StrictInt, StrictStr

from memvault.api import documented as d
from memvault.api.admission import long_work
from memvault.api.compat.limits import profile_limit
from memvault.api.compat.memsync_profile import profile
from memvault.api.deps import ReadKey, ServicesDep, WriteKey, origin_of
from memvault.api.routes import StrictJsonRoute
from memvault.domain import limits
from memvault.domain.conversations import ChatMessage, ConversationSubmission, JobStatus
from memvault.domain.enums import Scope
from memvault.domain.errors import ExtractionFailed, InvalidInput
from memvault.domain.models import MemoryFilter, SearchQuery
from memvault.service import receipts

router = APIRouter(prefix="/compat/memsync", tags=["compat: memsync"], route_class=StrictJsonRoute,
                   responses=d.error_responses(d.MemsyncError), dependencies=[profile_limit("memsync")])
#: The store waits this long for its facts' embeddings so that they are searchable when it answers.
EMBED_WAIT_SECONDS = 30.0


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
    #: When the conversation took place (ISO 8601 or Unix seconds): "yesterday" in it resolves against this date.
    occurred_at: Annotated[StrictStr | StrictInt | StrictFloat | None,
                           d.doc(description="ISO 8601 time or Unix seconds")] = None
    user_id: Annotated[str | None, d.doc(**d.ID_FIELD)] = None


def _when(value: str | float | None) -> float | None:
    return None if value is None else float(d.seconds_of(value, "occurred_at"))


class SearchIn(BaseModel):
    query: Annotated[str, d.doc(**d.QUERY)]
    limit: Annotated[d.Int, d.doc(minimum=1, maximum=limits.SEARCH_LIMIT_MAX)] = 10
    agent_id: str | None = None


@router.post("/v1/memories")
async def store(body: StoreIn, key: WriteKey, services: ServicesDep) -> dict:
    # Extraction and embedding take seconds: outside the quick requests' turns (api/admission.py).
    return await long_work(_store, body, key, services)


def _store(body: StoreIn, key, services) -> dict:
    if not any(m.role == "user" and m.content.strip() for m in body.messages):
        raise InvalidInput("messages must contain at least one non-empty user message", field="messages")
    job = services.conversations.ingest(ConversationSubmission(
        messages=tuple(ChatMessage(m.role, m.content) for m in body.messages), namespace=key.namespace,
        conversation_id=body.thread_id, agent_id=body.agent_id, source=body.source, metadata=body.metadata,
        occurred_at=_when(body.occurred_at), user_id=body.user_id, origin=origin_of(key),
        reads_namespace=key.allows(Scope.READ)))
    if job.status is not JobStatus.DONE or job.result is None:
        raise ExtractionFailed("memory extraction did not finish; the conversation stays queued and is retried"
                               if job.status is not JobStatus.FAILED else "memory extraction failed")
    result = job.result if key.allows(Scope.READ) else receipts.extraction_for_writer(job.result)
    services.usage.record(key.id, memories_created=result["memories_extracted"])
    # Searchable when the answer comes: the facts are embedded now, ahead of the queue (a failure leaves
    # them queued for the worker; keyword search finds them meanwhile).
    services.embed_facts_now(result["facts"], key.namespace)
    return {"success": True, "memories_extracted": result["memories_extracted"],
            "processing_time": f"{result['processing_time_ms'] / 1000:.2f}s", "categories": result["categories"],
            "memory_ids": [f["id"] for f in result["facts"]],
            "memories": [{"id": f["id"], "memory": f["content"], "type": f["kind"], "categories": f["categories"],
                          "event_at": f["event_at"]} for f in result["facts"]],
            "duplicates": result["duplicates"], "superseded": result["superseded"],
            # Turns the on-device pipeline did not read (another language), and why: nothing of them is kept.
            "not_read": result.get("not_read", [])}


@router.post("/v1/memories/search")
def search(body: SearchIn, key: ReadKey, services: ServicesDep) -> dict:
    f = MemoryFilter(namespace=key.namespace, agent_id=body.agent_id, include_confidential=False)
    result = services.search.search(SearchQuery(body.query, limit=body.limit, filter=f))
    services.usage.record(key.id, searches=1)
    return {"success": True, "memories": [
        {"id": h.memory.id, "memory": h.memory.content, "score": h.score, "agent_id": h.memory.agent_id,
         "thread_id": h.memory.session_id or h.memory.metadata.get("conversation_id"), "created_at": int(h.memory.created_at)} for h in result.hits]}


def _listed(m) -> dict:
    fact = m.metadata.get("fact") or {}
    return {"id": m.id, "memory": m.content, "type": fact.get("kind"), "categories": list(m.tags),
            "agent_id": m.agent_id, "user_id": m.user_id, "thread_id": m.metadata.get("conversation_id"),
            "event_at": fact.get("event_at"), "created_at": int(m.created_at), "updated_at": int(m.updated_at)}


@router.get("/v1/memories")
def list_memories(key: ReadKey, services: ServicesDep, limit: Annotated[int, Query(ge=1, le=100)] = 20,
                  offset: Annotated[int, Query(ge=0, le=10**9)] = 0, agent_id: str | None = None,
                  category: str | None = None) -> dict:
    """The stored memories, newest first ("List Memories")."""
    f = MemoryFilter(namespace=key.namespace, agent_id=agent_id, tags=(category,) if category else ())
    page = services.memories.list(f, limit=limit, offset=offset)
    return {"success": True, "memories": [_listed(m) for m in page.items], "total": page.total, "limit": limit,
            "offset": offset, "has_more": page.has_more}


def get_profile(key: ReadKey, services: ServicesDep, user_id: str | None = None) -> dict:
    """The user's profile ("Get User Profile"), built from the stored facts on the device."""
    return {"success": True, **profile(services, key.namespace, user_id)}


router.add_api_route("/v1/profile", get_profile, methods=["GET"], operation_id="memsync_profile")
router.add_api_route("/profile", get_profile, methods=["GET"], operation_id="memsync_profile_root")
