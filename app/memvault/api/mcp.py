"""MCP tools over the service layer, for Streamable HTTP (``/mcp``) and stdio.

Over HTTP the caller's API key decides the namespace and scopes, exactly as
for REST; over stdio the process was started by the user for one namespace.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from typing import Annotated, Any, Literal

import anyio
from mcp.server._otel import OpenTelemetryMiddleware
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult, TextContent, ToolAnnotations
from pydantic import AliasChoices, Field

from memvault import __version__
from memvault.api.admission import long_work
from memvault.api.deps import origin_of
from memvault.api.documented import at_most, seconds_of
from memvault.api.mcp_arguments import hold_to_schema
from memvault.api.schemas import MemoryReceipt
from memvault.domain import errors as e
from memvault.domain import limits
from memvault.domain.conversations import ChatMessage, ConversationSubmission
from memvault.domain.enums import DEFAULT_SEARCH_MODE, MemoryType, Scope, SearchMode
from memvault.domain.models import (
    ApiKey,
    MemoryCreate,
    MemoryFilter,
    MemoryUpdate,
    SearchQuery,
)
from memvault.domain.words import plural
from memvault.ranking import good_match
from memvault.service import receipts
from memvault.service import validation as v
from memvault.service.container import Services
from memvault.service.conversations import MESSAGES_MAX

INSTRUCTIONS = (
    "Memvault is the user's private, encrypted, on-device memory. Use `remember` to store durable facts, "
    "preferences, decisions and events worth recalling in later conversations; use `recall` before answering "
    "questions that may depend on what was said before."
)

Principal = Callable[[Context], ApiKey]

# Literal types give each tool's JSON schema an inline "enum" a client can show and a model can follow.
MemoryTypeName = Literal[tuple(t.value for t in MemoryType)]  # type: ignore[valid-type]
SearchModeName = Literal[tuple(m.value for m in SearchMode)]  # type: ignore[valid-type]

MemoryId = Annotated[str, Field(description="The memory's id, as returned by remember, recall or list_memories.",
                                validation_alias=AliasChoices("memory_id", "id"))]
Content = Annotated[str, Field(description="The memory itself: one self-contained statement in plain language, "
                               f"at most {limits.CONTENT_MAX_CHARS:,} characters.")]
TypeArg = Annotated[MemoryTypeName | None, Field(
    description="What kind of memory it is (default: classified from its meaning once it is embedded).")]
TypeFilter = Annotated[MemoryTypeName | None, Field(description="Only memories of this type (default: any type).")]
# Each list and object is refused past its limit before the SDK validates its items.
Tags = Annotated[list[str] | None, at_most(limits.TAGS_MAX, "tags", error=ValueError),
                 Field(description=f"Short labels for filtering, at most {limits.TAGS_MAX}.")]
TagFilter = Annotated[list[str] | None, at_most(limits.FILTER_LIST_MAX, "tags", error=ValueError),
                      Field(description="Only memories carrying any of these tags.")]
Metadata = Annotated[dict[str, Any] | None, at_most(limits.METADATA_MAX_KEYS, "metadata", error=ValueError),
                     Field(description="Extra JSON fields to keep with the memory (e.g. {\"source\": \"chat\"}).")]
Importance = Annotated[float | None, Field(ge=0, le=1, description="How much it matters, 0 to 1 "
                                           f"(default {limits.DEFAULT_IMPORTANCE}).")]


def _types(memory_type: str | None) -> tuple[MemoryType, ...]:
    return (v.choice(MemoryType, memory_type, "memory_type"),) if memory_type else ()


def _hit(h) -> dict[str, Any]:
    # good_match lets an agent tell "the closest memory" from "a memory that answers": a recall
    # always returns its best hits, even when none is about the question.
    hit = {"id": h.memory.id, "score": round(h.score, 4), "good_match": h.good_match,
           "content": h.memory.content, "memory_type": h.memory.memory_type.value, "tags": list(h.memory.tags),
           "created_at": int(h.memory.created_at)}
    if "superseded_by" in h.memory.metadata:
        # An older fact a newer one contradicted: still found, flagged so the model prefers the newer one.
        hit["superseded_by"] = h.memory.metadata["superseded_by"]
    return hit


def _nothing_recalled(services: Services, namespace: str, tags: list[str] | None, memory_type: str | None,
                      min_score: float) -> CallToolResult:
    """An empty recall, with text that says why (a host that shows only text content saw an empty answer)."""
    stored = services.memories.count(MemoryFilter(namespace=namespace))
    if stored == 0:
        why = f"namespace {namespace!r} holds no memories yet"
    else:
        narrowed = [f"tags {', '.join(tags)}" if tags else "", f"type {memory_type}" if memory_type else "",
                    f"min_score {min_score}" if min_score else ""]
        why = f"namespace {namespace!r} holds {plural(stored, 'memory')}; none matched" + (
            f" with {' and '.join(n for n in narrowed if n)}" if any(narrowed) else "")
    return CallToolResult(content=[TextContent(type="text", text=f"No memories recalled: {why}.")],
                          structured_content={"result": []})


def _stored_count(out: dict[str, Any]) -> dict[str, int]:
    """The usage a ``remember`` answer adds: a memory created (a reader's answer says ``created``, a writer's
    receipt ``stored``)."""
    return {"memories_created": int(bool(out.get("created")) or out.get("status") == receipts.STORED)}


def _memory(m) -> dict[str, Any]:
    return {"id": m.id, "content": m.content, "memory_type": m.memory_type.value, "tags": list(m.tags),
            "metadata": m.metadata, "importance": m.importance, "namespace": m.namespace,
            "version": m.version, "embedding_status": m.embedding_status.value,
            "created_at": int(m.created_at), "updated_at": int(m.updated_at),
            # A memory in the trash is still found by id: say so, as REST does.
            "deleted_at": None if m.deleted_at is None else int(m.deleted_at),
            "memory_type_source": m.memory_type_source.value,
            "entities": [{"type": e.type.value, "value": e.value, "confidence": e.confidence} for e in m.entities]}


class _WithholdCallerText(logging.Filter):
    """The SDK logs a handler's exception with its traceback, whose message may quote the caller (an unknown
    prompt's name, a tool's arguments): keep the line, drop what the caller wrote."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info:
            kind = record.exc_info[0].__name__ if record.exc_info[0] is not None else "error"
            record.msg = f"{record.getMessage()} ({kind}; details withheld: they may quote the caller)"
            record.args = None
            record.exc_info = None
            record.exc_text = None
        return True


_WITHHOLD = _WithholdCallerText()


def _withhold_caller_text() -> None:
    # A filter acts only on its own logger's records, so each of the SDK's loggers gets it.
    for name, logger in list(logging.root.manager.loggerDict.items()):
        if (name == "mcp" or name.startswith("mcp.")) and isinstance(logger, logging.Logger) \
                and _WITHHOLD not in logger.filters:
            logger.addFilter(_WITHHOLD)


def build_server(services: Services | None, principal: Principal, *, unavailable: str | None = None) -> MCPServer:
    """An MCP server whose tools act as the key ``principal`` resolves for each call.

    Without ``services`` (the stdio server could not open the vault) the same
    tools are listed and each call fails with ``unavailable``, the sentence
    that says what to fix: a client shows that, where a server that exited
    shows only "Connection closed".
    """
    # log_level: MCPServer calls logging.basicConfig, which would otherwise set
    # the root logger to INFO and let libraries log request URLs.
    server = MCPServer("memvault", version=__version__, instructions=INSTRUCTIONS, log_level="WARNING")
    _withhold_caller_text()
    # The SDK wraps every message in an OpenTelemetry span (tool names, and an error's message as its status)
    # for whatever provider the process has: no telemetry, as for the REST routes (api/app.py).
    server.middleware[:] = [m for m in server.middleware if not isinstance(m, OpenTelemetryMiddleware)]

    async def run(ctx: Context, scope: Scope, work: Callable[[ApiKey], Any], *, long: bool = False,
                  counted: Callable[[Any], dict[str, int]] | None = None) -> Any:
        """``work`` done as the call's key; ``counted`` gives the usage counters its result adds (a tool's
        failure is an error of its key, as a REST route's 4xx is)."""
        if services is None:
            raise ToolError(unavailable or "Memvault could not open the vault")
        key: ApiKey | None = None
        try:
            key = principal(ctx)
            if not key.allows(scope):
                raise e.Forbidden(f"this API key lacks the {scope.value!r} scope")
            # A conversation's extraction takes seconds: outside the quick requests' turns (api/admission.py).
            result = await (long_work(work, key) if long else anyio.to_thread.run_sync(lambda: work(key)))
        except e.MemvaultError as exc:
            if key is not None and key.id:
                services.usage.record(key.id, errors=1)
            # ToolError is the SDK's "anticipated failure": the model reads the message.
            raise ToolError(f"{exc.code}: {exc.message}") from None
        if counted is not None and key.id:  # a stdio client acts as no stored key (id 0): nothing to count
            services.usage.record(key.id, **counted(result))
        return result

    @server.tool(description="Store a memory (a fact, preference, event, decision...) for later recall. "
                 "Returns its id. It is searchable by keyword at once and by meaning within seconds.",
                 annotations=ToolAnnotations(title="Remember", read_only_hint=False, destructive_hint=False,
                                             idempotent_hint=False, open_world_hint=False))
    async def remember(
        ctx: Context, content: Content, memory_type: TypeArg = None, tags: Tags = None,
        metadata: Metadata = None, importance: Importance = None,
        agent_id: Annotated[str | None, Field(description="Which agent is storing it (default: none).")] = None,
        session_id: Annotated[str | None, Field(description="The conversation it came from (default: none).")] = None,
        expires_in_seconds: Annotated[int | None, Field(ge=1, le=limits.TTL_MAX_SECONDS, description=(
            "Forget it after this many seconds (default: keep until forgotten)."))] = None,
    ) -> dict[str, Any]:
        def work(key: ApiKey) -> dict[str, Any]:
            result = services.memories.create(MemoryCreate(
                content=content, namespace=key.namespace, memory_type=memory_type, tags=tags or [],
                metadata=metadata, importance=importance, agent_id=agent_id, session_id=session_id,
                expires_in_seconds=expires_in_seconds), origin=origin_of(key))
            if not key.allows(Scope.READ):
                return dataclasses.asdict(receipts.receipt_of(result))
            return {"id": result.memory.id, "created": result.created,
                    "embedding_status": result.memory.embedding_status.value}
        return await run(ctx, Scope.WRITE, work, counted=_stored_count)

    @server.tool(description="Store a conversation: facts about the user are extracted from the user's turns "
                 "(assistant turns are context; a turn with a speaker name is a person's), classified semantic or "
                 "episodic, given categories and stored as memories, searchable by meaning when it returns. Returns "
                 "the facts stored, duplicates skipped and older facts superseded.",
                 annotations=ToolAnnotations(title="Remember conversation", read_only_hint=False,
                                             destructive_hint=False, idempotent_hint=False, open_world_hint=False))
    async def remember_conversation(
        ctx: Context,
        messages: Annotated[list[dict[str, str]], at_most(MESSAGES_MAX, "messages", error=ValueError),
                            Field(description=(
                                'The turns in order, each {"role": "user" | "assistant" | "system", "content": "...", '
                                '"name": "..."}; name (optional) is the speaker\'s display name: a named turn is a '
                                'person\'s, and its facts name them.'))],
        conversation_id: Annotated[str | None, Field(description="The thread's id, kept as provenance "
                                                     "(default: a new id).")] = None,
        agent_id: Annotated[str | None, Field(description="Which agent is storing it (default: none).")] = None,
        occurred_at: Annotated[float | str | None, Field(description=(
            "When it took place, Unix seconds or an ISO 8601 time (UTC unless it says); 'last week' resolves against "
            "it (default: now). Over an hour back, its facts are dated by it and replace only what was true before "
            "it."))] = None,
        user_id: Annotated[str | None, Field(description="Whose conversation it is (default: none).")] = None,
        user_name: Annotated[str | None, Field(description=(
            "The user's display name: facts name them instead of 'the user'."))] = None,
    ) -> dict[str, Any]:
        def work(key: ApiKey) -> dict[str, Any]:
            turns = []
            for i, m in enumerate(messages):
                if not isinstance(m.get("role"), str) or not isinstance(m.get("content"), str):
                    raise e.InvalidInput(f"message {i} needs a role and a content string", field="messages")
                turns.append(ChatMessage(m["role"], m["content"], m.get("name")))
            job = services.conversations.ingest(ConversationSubmission(
                tuple(turns), key.namespace, conversation_id=conversation_id,
                occurred_at=seconds_of(occurred_at, "occurred_at"),
                agent_id=agent_id, user_id=user_id, user_name=user_name, source="mcp", origin=origin_of(key),
                reads_namespace=key.allows(Scope.READ)))
            if job.result is None:
                raise e.ExtractionFailed(f"extraction did not finish ({job.status.value})")
            result = job.result if key.allows(Scope.READ) else receipts.extraction_for_writer(job.result)
            # An agent recalls what it just told: the facts are embedded before the answer, ahead of the queue, as
            # MemSync's profile does (a recall at once ranked an unrelated note above the new fact).
            services.embed_facts_now(result["facts"], key.namespace)
            return {"job_id": job.id, **{k: result[k] for k in (
                "memories_extracted", "categories", "facts", "duplicates", "superseded")}}
        return await run(ctx, Scope.WRITE, work, long=True,
                         counted=lambda out: {"memories_created": out["memories_extracted"]})

    @server.tool(description="Search memories by meaning and keywords. Returns the best matches, best first, "
                 "each with a 0-1 relevance score and good_match. good_match: false means the hit is only the "
                 "closest memory stored, not about the query; true means it is about the query, which is not "
                 "always the answer (read the content before relying on it). Relevance is a likelihood and "
                 f"mostly low: a good match starts at {good_match.GOOD_MATCH} in hybrid mode "
                 f"({good_match.GOOD_MATCH_SIMILARITY} similarity in semantic mode), and a note (not a turn of "
                 f"a chat) below {good_match.CLEARLY_GOOD} must also stand out from the hit after it. With "
                 "compress, returns "
                 "{hits, compression}: the hits cut to their most relevant sentences to fit max_context_tokens, "
                 "and what was dropped.",
                 annotations=ToolAnnotations(title="Recall", read_only_hint=True, open_world_hint=False))
    async def recall(
        ctx: Context,
        query: Annotated[str, Field(description="What to look for, in plain words (a question works).")],
        limit: Annotated[int, Field(ge=1, le=limits.SEARCH_LIMIT_MAX, description="Most memories to return.")] = 5,
        mode: Annotated[SearchModeName, Field(description=(
            "hybrid: meaning and keywords together (best in general); semantic: meaning only; "
            "keyword: exact words only (BM25)."))] = DEFAULT_SEARCH_MODE.value,
        memory_type: TypeFilter = None, tags: TagFilter = None,
        min_score: Annotated[float, Field(ge=0, le=1, description=(
            "Leave out matches scoring below this (default 0: every hit, each flagged by good_match). Correct "
            "answers often score well under 0.5, so a high value loses them."))] = 0.0,
        compress: Annotated[bool, Field(description="Pack the hits into max_context_tokens tokens.")] = False,
        max_context_tokens: Annotated[int | None, Field(
            ge=1, le=100_000, description="Token budget for compress (default 1000), counted by the model's "
                                          "own tokenizer.")] = None,
    ) -> list[dict[str, Any]] | dict[str, Any]:
        def work(key: ApiKey) -> list[dict[str, Any]] | dict[str, Any]:
            f = MemoryFilter(namespace=key.namespace, include_confidential=False, tags=tuple(tags or ()),
                             memory_types=_types(memory_type))
            result = services.search.search(SearchQuery(query, mode=v.choice(SearchMode, mode, "mode"), limit=limit,
                                                        min_score=min_score, filter=f))
            if not compress:
                if not result.hits:
                    return _nothing_recalled(services, key.namespace, tags, memory_type, min_score)
                return [_hit(h) for h in result.hits]
            packed = services.compressor.compress(result.hits, query, max_context_tokens)
            by_id = {h.memory.id: h for h in result.hits}
            return {"hits": [_hit(by_id[c.memory_id]) | {"content": c.context, "tokens": c.tokens}
                             for c in packed.hits], "compression": packed.summary()}
        return await run(ctx, Scope.READ, work, counted=lambda _out: {"searches": 1})

    @server.tool(description="List memories, newest first. Pass the returned next_cursor to get more.",
                 annotations=ToolAnnotations(title="List memories", read_only_hint=True, open_world_hint=False))
    async def list_memories(
        ctx: Context,
        limit: Annotated[int, Field(ge=1, le=limits.LIST_LIMIT_MAX, description="Most memories to return.")] = 20,
        cursor: Annotated[str | None, Field(description=(
            "The next_cursor of the previous page, to continue after it (default: the first page)."))] = None,
        memory_type: TypeFilter = None, tags: TagFilter = None,
    ) -> dict[str, Any]:
        def work(key: ApiKey) -> dict[str, Any]:
            f = MemoryFilter(namespace=key.namespace, tags=tuple(tags or ()), memory_types=_types(memory_type))
            page = services.memories.list(f, limit=limit, cursor=cursor)
            return {"memories": [_memory(m) for m in page.items], "total": page.total,
                    "next_cursor": page.next_cursor}
        return await run(ctx, Scope.READ, work)

    @server.tool(description="Get one memory by id, with its metadata and version.",
                 annotations=ToolAnnotations(title="Get memory", read_only_hint=True, open_world_hint=False))
    async def get_memory(ctx: Context, memory_id: MemoryId) -> dict[str, Any]:
        return await run(ctx, Scope.READ, lambda key: _memory(services.memories.get(memory_id, key.namespace)))

    @server.tool(description="Correct a memory. Content changes are re-embedded; metadata merges; tags "
                 "replace. Earlier versions stay in the history.",
                 annotations=ToolAnnotations(title="Update memory", read_only_hint=False, destructive_hint=False,
                                             idempotent_hint=True, open_world_hint=False))
    async def update_memory(
        ctx: Context, memory_id: MemoryId,
        content: Annotated[str | None, Field(description="The corrected text (default: unchanged).")] = None,
        memory_type: Annotated[MemoryTypeName | None, Field(description="The new type (default: unchanged).")] = None,
        tags: Annotated[list[str] | None, Field(description="The new tags, replacing the old ones "
                                                "(default: unchanged).")] = None,
        metadata: Annotated[dict[str, Any] | None, Field(description=(
            "Fields to merge into the metadata; a field set to null is removed (default: unchanged)."))] = None,
        importance: Annotated[float | None, Field(ge=0, le=1, description=(
            "The new importance, 0 to 1 (default: unchanged)."))] = None,
    ) -> dict[str, Any]:
        change = MemoryUpdate(content=content, memory_type=memory_type, tags=tags, metadata=metadata,
                              importance=importance)

        def update(key: ApiKey) -> dict[str, Any]:
            updated = services.memories.update(memory_id, change, key.namespace, origin=origin_of(key))
            # A write-only key learns ids and statuses, never content.
            return _memory(updated) if key.allows(Scope.READ) else MemoryReceipt.of(updated).model_dump()

        return await run(ctx, Scope.WRITE, update)

    @server.tool(description="Forget a memory. By default it moves to the trash, where the user can restore "
                 "it; hard=true deletes it for good.",
                 annotations=ToolAnnotations(title="Forget", read_only_hint=False, destructive_hint=True,
                                             idempotent_hint=True, open_world_hint=False))
    async def forget(
        ctx: Context, memory_id: MemoryId,
        hard: Annotated[bool, Field(description="Delete for good instead of moving to the trash.")] = False,
    ) -> dict[str, Any]:
        def work(key: ApiKey) -> dict[str, Any]:
            if hard:
                services.lifecycle.hard_delete(memory_id, key.namespace, origin=origin_of(key))
            elif not services.lifecycle.trash(memory_id, key.namespace, origin=origin_of(key)):
                # A retry after a lost answer: what was asked is done (the tool says it is idempotent).
                return {"id": memory_id, "forgotten": True, "hard": False, "already_in_trash": True}
            return {"id": memory_id, "forgotten": True, "hard": hard}
        return await run(ctx, Scope.WRITE, work)

    hold_to_schema(server)
    return server


def http_principal(ctx: Context) -> ApiKey:
    """The key the HTTP guard authenticated for this request."""
    request = ctx.request_context.request
    key = getattr(getattr(request, "state", None), "api_key", None)
    if key is None:
        raise e.Unauthorized("an API key is required")
    return key


def stdio_principal(namespace: str) -> Principal:
    """Local stdio clients act in one namespace with read and write scopes."""
    key = ApiKey(id=0, name="stdio", namespace=namespace, scopes=frozenset({Scope.READ, Scope.WRITE}),
                 prefix="stdio", per_minute=0, per_hour=0, created_at=0, last_used_at=None, revoked_at=None)
    return lambda _ctx: key

