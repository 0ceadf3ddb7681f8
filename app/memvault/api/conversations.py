"""Conversation routes: ``POST /v1/conversations`` queues fact extraction, ``GET /v1/extractions/{id}`` reports it,
``GET /v1/people`` lists the people the namespace's facts are about.

The POST answers 202 at once with the job id (``"wait": true`` waits for the
facts instead and answers 200 with the finished job). A job's result lists the
facts stored (with kind, categories, event date and provenance), the
duplicates that were not stored again, and the older facts it superseded.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, Field, StrictBool
from starlette.concurrency import run_in_threadpool

from memvault.api import documented as d
from memvault.api.admission import long_work
from memvault.api.deps import ReadKey, ServicesDep, WriteKey, declared_query_only, namespace_for, origin_of
from memvault.api.routes import StrictJsonRoute
from memvault.api.schemas import RequestBody
from memvault.domain import limits
from memvault.domain.enums import Scope
from memvault.domain.conversations import ChatMessage, ConversationSubmission, ExtractionJob
from memvault.service import receipts
from memvault.service.conversations import MESSAGES_MAX, NAME_MAX_CHARS

#: A display name: one line (no control character) that is not blank.
_ONE_LINE_NAME = r"^[^\u0000-\u001f]*[^\s\u0000-\u001f][^\u0000-\u001f]*$"

router = APIRouter(tags=["conversations"], route_class=StrictJsonRoute, responses=d.error_responses(d.NativeError),
                   dependencies=[Depends(declared_query_only)])


#: Facts come from user turns: a conversation without a non-empty one is refused (400), as the schema says.
_USER_MESSAGE = {"type": "object", "required": ["role", "content"],
                 "properties": {"role": {"const": "user"}, "content": {"type": "string", **d.CONTENT}}}


class ChatMessageIn(RequestBody):
    role: Literal["user", "assistant", "system"]
    content: Annotated[str, d.doc(maxLength=limits.CONTENT_MAX_CHARS, pattern=r"^[^\u0000]*$")]
    name: Annotated[str | None, d.doc(maxLength=NAME_MAX_CHARS, pattern=_ONE_LINE_NAME)] = Field(
        default=None, description="the speaker's display name; a named turn is a person's (a conversation between "
                                  "two people names both), and facts from it name that person")


class ConversationIn(RequestBody):
    """A conversation to extract facts from: the user's turns and any turn whose speaker is named (the rest is
    context)."""

    messages: Annotated[list[ChatMessageIn], d.at_most(MESSAGES_MAX, "messages"),
                        d.doc(minItems=1, maxItems=MESSAGES_MAX, contains=_USER_MESSAGE)]
    namespace: Annotated[str | None, d.doc(**d.NAMESPACE)] = None
    conversation_id: Annotated[str | None, d.no_nul("conversation_id"), d.doc(**d.ID_FIELD)] = Field(
        default=None, description="the thread's id, kept as each fact's provenance (default: a new id)")
    occurred_at: d.moment("occurred_at") | None = Field(  # type: ignore[valid-type]
        default=None, description="when the conversation took place (Unix seconds or ISO 8601); relative dates "
                                  "such as 'last week' resolve against it (default: now); over an hour back, the "
                                  "facts are dated by it and replace only what was true before it")
    agent_id: Annotated[str | None, d.no_nul("agent_id"), d.doc(**d.ID_FIELD)] = None
    user_id: Annotated[str | None, d.no_nul("user_id"), d.doc(**d.ID_FIELD)] = None
    user_name: Annotated[str | None, d.no_nul("user_name"), d.doc(maxLength=NAME_MAX_CHARS, pattern=_ONE_LINE_NAME)] = Field(
        default=None, description="the user's display name: facts about the user name them instead of 'the user' "
                                  "(never read out of user_id)")
    source: Annotated[str | None, d.no_nul("source"), d.doc(maxLength=limits.TAG_MAX_CHARS)] = None
    metadata: Annotated[dict[str, Any] | None, d.at_most(limits.METADATA_MAX_KEYS, "metadata"),
                        d.doc(**d.METADATA)] = None
    wait: StrictBool = Field(default=False, description="answer with the finished job instead of at once")


class ConversationQueued(BaseModel):
    job_id: str
    status: str
    status_url: str


class ExtractionOut(BaseModel):
    """An extraction job; ``result`` is set once it is done."""

    id: str
    job_id: str = Field(description="the same as id: the name the queued answer (202) and MCP give it")
    status: Literal["queued", "running", "done", "failed"]
    attempts: int
    created_at: float
    finished_at: float | None
    error: str | None
    result: dict[str, Any] | None

    @classmethod
    def of(cls, job: ExtractionJob) -> ExtractionOut:
        return cls(id=job.id, job_id=job.id, status=job.status.value, attempts=job.attempts, created_at=job.created_at,
                   finished_at=job.finished_at, error=job.error, result=job.result)


@router.post("/v1/conversations", status_code=202, response_model=ConversationQueued | ExtractionOut,
             responses={200: {"model": ExtractionOut, "description": "with wait: the finished job"}})
async def submit_conversation(body: ConversationIn, key: WriteKey, services: ServicesDep,
                              response: Response) -> ConversationQueued | ExtractionOut:
    """Queue a conversation for fact extraction; the answer carries the job id to poll."""
    submission = ConversationSubmission(
        messages=tuple(ChatMessage(m.role, m.content, m.name) for m in body.messages),
        namespace=namespace_for(key, body.namespace), conversation_id=body.conversation_id,
        occurred_at=body.occurred_at, agent_id=body.agent_id, user_id=body.user_id, user_name=body.user_name,
        source=body.source,
        metadata=body.metadata or {}, origin=origin_of(key), reads_namespace=key.allows(Scope.READ))
    if body.wait:
        # Extraction takes seconds: outside the quick requests' turns (api/admission.py).
        job = await long_work(services.conversations.ingest, submission)
        services.usage.record(key.id, memories_created=(job.result or {}).get("memories_extracted", 0))
        response.status_code = 200
        out = ExtractionOut.of(job)
        if not key.allows(Scope.READ):
            out = out.model_copy(update={"result": receipts.extraction_for_writer(job.result)})
        return out
    job_id = await run_in_threadpool(services.conversations.submit, submission)
    return ConversationQueued(job_id=job_id, status="queued", status_url=f"/v1/extractions/{job_id}")


@router.get("/v1/extractions/{job_id}", response_model=ExtractionOut)
def get_extraction(job_id: str, key: ReadKey, services: ServicesDep) -> ExtractionOut:
    """An extraction job's state and, once done, what it stored."""
    return ExtractionOut.of(services.conversations.get(job_id, namespace=key.namespace))


class PersonOut(BaseModel):
    object: Literal["person"] = "person"
    namespace: str
    person_id: str = Field(description="what the facts are kept apart by: the user's user_id, else the speaker's "
                                       "name; empty for an unnamed user")
    name: str | None = Field(description="the display name given with the facts, if any")
    facts: int = Field(description="how many live facts are about this person")
    last_seen: float = Field(description="when the newest of them was stored (Unix seconds)")


class PeopleOut(BaseModel):
    object: Literal["list"] = "list"
    data: list[PersonOut]


@router.get("/v1/people", response_model=PeopleOut)
def list_people(key: ReadKey, services: ServicesDep,
                namespace: Annotated[str | None, d.doc_query(**d.NAMESPACE)] = None) -> PeopleOut:
    """The people the key's namespace's extracted facts are about, most facts first."""
    people = services.conversations.people(namespace_for(key, namespace))
    return PeopleOut(data=[PersonOut(namespace=p.namespace, person_id=p.person_id, name=p.name, facts=p.facts,
                                     last_seen=p.last_seen) for p in people])
