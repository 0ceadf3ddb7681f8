"""Native request and response schemas (MemoryRelay-shaped objects)."""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import Path
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool

from memvault.api import documented as d
from memvault.api.documented import Int, Number, RequestBody, doc
from memvault.api.memory_inputs import MemoryCreateIn, MemoryUpdateIn
from memvault.domain import fields, limits
from memvault.domain.enums import DEFAULT_SEARCH_MODE, Scope, SearchMode, TagMatch
from memvault.domain.models import (
    ApiKey,
    BatchResult,
    HistoryEntry,
    Memory,
    MemoryCreate,
    MemoryUpdate,
    SearchHit,
    Stats,
    UsageDay,
)
from memvault.ranking import good_match
from memvault.service.receipts import WriteReceipt


def _digits_only(value: Any) -> Any:
    # pydantic reads "1.0", "+1" and " 1" as 1: one entity would answer to many spellings of its id.
    if isinstance(value, str) and not (value.isascii() and value.isdigit() and value[0] != "0"):
        raise ValueError("an id is a whole number from 1, written in digits, without sign, spaces or leading zeros")
    return value


#: SQLite integers are 64-bit; larger ids cannot exist, so they are refused as input.
IntId = Annotated[int, Path(ge=1, le=2**63 - 1), BeforeValidator(_digits_only)]


def ts(value: float | None) -> int | None:
    return None if value is None else int(value)


class EntityRef(BaseModel):
    """An entity a memory mentions, as MemoryRelay shows it."""

    type: str
    value: str
    confidence: float


_NATIVE_FIELDS = tuple(spec for spec in fields.FIELDS if "native" in spec.api)


def _native(spec: fields.FieldSpec, value: Any) -> Any:
    if spec.kind is fields.Kind.TIME:
        return int(value)
    if spec.kind is fields.Kind.OPTIONAL_TIME:
        return ts(value)
    return fields.plain(spec, value)


#: Kinds whose values :func:`_native` returns as they are.
_AS_THEY_ARE = frozenset({fields.Kind.TEXT, fields.Kind.OPTIONAL_TEXT, fields.Kind.NUMBER, fields.Kind.INTEGER,
                          fields.Kind.METADATA})


def _converter(spec: fields.FieldSpec) -> Callable[[Any], Any] | None:
    """What :func:`_native` does to a value of ``spec`` (``None``: nothing), chosen once per field."""
    if spec.kind is fields.Kind.TIME:
        return int
    if spec.kind is fields.Kind.OPTIONAL_TIME:
        return ts
    if spec.kind is fields.Kind.CHOICE:
        return operator.attrgetter("value")
    if spec.kind in _AS_THEY_ARE:
        return None
    return functools.partial(fields.plain, spec)


#: ``(name in the answer, attribute of Memory, converter)`` per native field: every memory a page or a search
#: answers goes through :meth:`MemoryPublic.of`, and looking each field's rules up per memory cost half its time.
_NATIVE_PLAN = tuple((spec.api["native"], spec.name, _converter(spec)) for spec in _NATIVE_FIELDS)


class MemoryPublic(BaseModel):
    id: str
    object: Literal["memory"] = "memory"
    content: str
    namespace: str
    agent_id: str | None
    user_id: str | None
    session_id: str | None
    project: str | None
    memory_type: str
    tags: list[str]
    metadata: dict[str, Any]
    importance: float
    tier: str
    visibility: str
    client_id: str | None
    embedding_status: str
    version: int
    created_at: int
    updated_at: int
    expires_at: int | None
    deleted_at: int | None
    archived_at: int | None
    memory_type_source: str = Field(description="explicit (the caller named it), inferred (classified from the "
                                                "memory's embedding) or default (not classified yet)")
    entities: list[EntityRef] = []

    @classmethod
    def of(cls, m: Memory) -> MemoryPublic:
        # The fields and their names come from the field table (domain/fields.py); the test there checks
        # that the annotations above name the same fields.
        # Validated from one dict (entities too) in pydantic's core: the same model, built in half the time.
        data = {name: getattr(m, attr) if convert is None else convert(getattr(m, attr))
                for name, attr, convert in _NATIVE_PLAN}
        data["entities"] = [{"type": e.type.value, "value": e.value, "confidence": e.confidence} for e in m.entities]
        return cls.model_validate(data)


class MemoryCreated(MemoryPublic):
    created: bool
    is_duplicate: bool
    duplicate_of: str | None = None
    similarity: float | None = None
    extraction_skipped: str | None = Field(None, description="why entities were not extracted (the text is in a "
                                                                "language the on-device pipeline does not read)")


class MemoryReceipt(BaseModel):
    """What a key without the read scope gets back: the memory's id and statuses, never its content."""

    id: str
    object: Literal["memory_receipt"] = "memory_receipt"
    namespace: str
    version: int
    embedding_status: str
    deleted: bool
    archived: bool

    @classmethod
    def of(cls, m: Memory) -> MemoryReceipt:
        return cls(id=m.id, namespace=m.namespace, version=m.version, embedding_status=m.embedding_status.value,
                   deleted=m.deleted_at is not None, archived=m.archived_at is not None)


class WriteReceiptOut(BaseModel):
    """A write-only key's answer to a store: ``stored`` with the new memory's id, or ``already_stored``
    (a repeated client_id or a near-duplicate) with no id, so no other memory's existence shows."""

    object: Literal["write_receipt"] = "write_receipt"
    status: Literal["stored", "already_stored"]
    created: bool
    namespace: str
    id: str | None = None
    embedding_status: str | None = None

    @classmethod
    def of(cls, r: WriteReceipt) -> WriteReceiptOut:
        return cls(status=r.status, created=r.created, namespace=r.namespace, id=r.id,
                   embedding_status=r.embedding_status)


def memory_view(key: ApiKey, m: Memory) -> MemoryPublic | MemoryReceipt:
    """The whole memory for a key that may read it; a receipt (id and statuses) for a write-only key."""
    return MemoryPublic.of(m) if key.allows(Scope.READ) else MemoryReceipt.of(m)


class BatchIn(RequestBody):
    memories: Annotated[list[MemoryCreateIn], d.at_most(limits.BATCH_MAX, "memories"),
                        doc(minItems=1, maxItems=limits.BATCH_MAX)]
    agent_id: Annotated[str | None, Field(None, description="Default agent_id for items that give none",
                                           json_schema_extra=d.ID_FIELD)] = None
    namespace: Annotated[str | None, doc(**d.NAMESPACE)] = None
    parallel_embeddings: StrictBool = Field(True, description="Accepted (MemoryRelay sends it); embeddings are "
                                                              "made on the device by one worker either way")


class BatchItemOut(BaseModel):
    index: int
    status: str
    memory_id: str | None = None
    content_preview: str | None = None
    error: str | None = None
    error_code: str | None = None


class BatchOut(BaseModel):
    success: bool
    total: int
    succeeded: int
    failed: int
    skipped: int
    results: list[BatchItemOut]
    timing: dict[str, float]

    @classmethod
    def of(cls, r: BatchResult, *, previews: bool = True) -> BatchOut:
        """The batch report; without ``previews`` (write-only keys) no item shows any content."""
        n = max(1, len(r.items))
        items = [BatchItemOut(**i.__dict__) for i in r.items]
        if not previews:
            items = [i.model_copy(update={"content_preview": None}) for i in items]
        return cls(
            success=r.failed == 0, total=len(r.items), succeeded=r.succeeded, failed=r.failed, skipped=r.skipped,
            results=items,
            timing={"total_ms": round(r.total_ms, 2), "embedding_ms": round(r.embedding_ms, 2),
                    "database_ms": round(r.database_ms, 2), "per_memory_avg_ms": round(r.total_ms / n, 2)},
        )


class SearchIn(RequestBody):
    query: Annotated[str, doc(**d.QUERY)]
    search_mode: SearchMode = DEFAULT_SEARCH_MODE
    mode: SearchMode | None = Field(None, description="Alias of search_mode")
    limit: Annotated[Int, doc(minimum=1, maximum=limits.SEARCH_LIMIT_MAX)] = 10
    min_score: Annotated[Number, doc(**d.UNIT)] = 0.0
    namespace: Annotated[str | None, doc(**d.NAMESPACE)] = None
    agent_id: str | None = None
    user_id: str | None = None
    session_id: str | None = None
    project: str | None = None
    memory_type: Annotated[str | None, doc(**d.MEMORY_TYPE)] = None
    memory_types: Annotated[list[str], d.at_most(limits.FILTER_LIST_MAX, "memory_types"),
                            doc(maxItems=limits.FILTER_LIST_MAX,
                                items={"type": "string", "pattern": d.TYPES_PATTERN})] = []
    tags: Annotated[list[str], d.at_most(limits.FILTER_LIST_MAX, "tags"), doc(maxItems=limits.FILTER_LIST_MAX)] = []
    tag_match: TagMatch = TagMatch.ANY
    tier: Annotated[str | None, doc(**d.TIER)] = None
    min_importance: Number | None = None
    created_after: d.moment("created_after") | None = None  # type: ignore[valid-type]
    created_before: d.moment("created_before") | None = None  # type: ignore[valid-type]
    metadata_filter: Annotated[dict[str, Any], d.at_most(limits.METADATA_FILTER_MAX_KEYS, "metadata_filter"),
                               doc(**d.METADATA_FILTER)] = {}
    include_confidential: StrictBool = False
    include_archived: StrictBool = False
    changed_by: Annotated[str | None, Field(None, description="Only memories this person (a person id from "
                                            "`memvault share list`) created or changed in a shared namespace",
                                            pattern="^[0-9a-f]{32}$")] = None
    debug: StrictBool = False
    #: Pack the hits into max_context_tokens (default 1000; the embedding model's tokenizer): best hits first,
    #: redundant sentences removed, each cut to its most relevant sentences, in each hit's ``context``.
    compress: StrictBool = False
    max_context_tokens: Annotated[Int | None, doc(minimum=1, maximum=100_000)] = None


class SearchHitOut(BaseModel):
    memory: MemoryPublic
    score: float
    good_match: bool = Field(description=(
        f"whether the hit is about the query (hybrid: relevance from {good_match.GOOD_MATCH}; semantic: similarity "
        f"from {good_match.GOOD_MATCH_SIMILARITY}; keyword: every hit; in hybrid a note below "
        f"{good_match.CLEARLY_GOOD} must also stand out from the hit after it), not only the closest memory; "
        "about the question, not certainly its answer"))
    snippet: str
    score_breakdown: dict[str, Any] | None = None
    context: str | None = Field(None, description="With compress: the hit's text as packed into the budget")
    context_tokens: int | None = None
    facts: list[str] | None = Field(None, description="ids of the facts extracted from this memory that matched, "
                                                      "best first (the snippet is the first one's text)")

    @classmethod
    def of(cls, h: SearchHit, mode: SearchMode) -> SearchHitOut:
        return cls(memory=MemoryPublic.of(h.memory), score=h.score, good_match=h.good_match,
                   snippet=h.snippet,
                   score_breakdown=None if h.breakdown is None else h.breakdown.__dict__,
                   facts=list(h.facts) if h.facts else None)


class SearchOut(BaseModel):
    object: Literal["search_results"] = "search_results"
    query: str
    data: list[SearchHitOut]
    meta: dict[str, Any]


class ListOut(BaseModel):
    object: Literal["list"] = "list"
    data: list[MemoryPublic]
    has_more: bool
    next_cursor: str | None
    total_count: int


class HistoryOut(BaseModel):
    object: Literal["list"] = "list"
    data: list[dict[str, Any]]

    @classmethod
    def of(cls, entries: list[HistoryEntry], changes: list[Any] = ()) -> HistoryOut:
        """``changes``: who made the changes that arrived through a shared namespace (matched by time); a version
        without one (``changed_by`` null) was made on this vault."""
        by_time = {c.at: c for c in changes}
        return cls(data=[{
            "version": h.version, "change": h.change, "changed_at": int(h.changed_at),
            "changed_by": _changed_by(by_time.get(h.changed_at)),
            **{spec.name: fields.plain(spec, getattr(h, spec.name)) for spec in fields.historic()},
        } for h in entries])


def _changed_by(change: Any) -> dict[str, Any] | None:
    if change is None:
        return None
    return {"person": change.person, "device": change.device, "name": change.name, "this_person": change.this_person}


class KeyCreateIn(RequestBody):
    namespace: Annotated[str | None, Field(None, description="The admin key's own namespace (the only one it may name)",
                                            json_schema_extra=d.NAMESPACE)] = None
    scopes: Annotated[list[str], d.at_most(16, "scopes"), doc(**d.SCOPES)] = ["read", "write"]
    name: Annotated[str | None, doc(maxLength=100)] = None
    per_minute: Annotated[Int | None, doc(minimum=1, maximum=1_000_000)] = None
    per_hour: Annotated[Int | None, doc(minimum=1, maximum=1_000_000)] = None


class KeyPublic(BaseModel):
    id: int
    name: str
    namespace: str
    scopes: list[str]
    prefix: str
    per_minute: int
    per_hour: int
    created_at: int
    last_used_at: int | None
    revoked_at: int | None

    @classmethod
    def of(cls, k: ApiKey) -> KeyPublic:
        return cls(id=k.id, name=k.name, namespace=k.namespace, scopes=sorted(s.value for s in k.scopes),
                   prefix=k.prefix, per_minute=k.per_minute, per_hour=k.per_hour, created_at=int(k.created_at),
                   last_used_at=ts(k.last_used_at), revoked_at=ts(k.revoked_at))


class KeyCreated(KeyPublic):
    key: str = Field(description="The secret. Shown once; store it now.")


def stats_out(s: Stats) -> dict[str, Any]:
    return {"object": "stats", **s.__dict__}


def usage_out(rows: list[UsageDay]) -> dict[str, Any]:
    return {"object": "list", "data": [r.__dict__ for r in rows]}
