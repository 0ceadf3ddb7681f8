"""Frozen dataclasses that every layer passes around."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from memvault.domain.entities import EntityMention, TypeSource
from memvault.domain.enums import (
    DEFAULT_SEARCH_MODE,
    EmbeddingStatus,
    MemoryType,
    Scope,
    SearchMode,
    TagMatch,
    Tier,
    Visibility,
)
from memvault.domain.limits import DEDUP_THRESHOLD_DEFAULT, DEFAULT_NAMESPACE


@dataclass(frozen=True)
class Memory:
    """One stored memory as read back from the vault."""

    id: str
    rowid: int
    namespace: str
    content: str
    memory_type: MemoryType
    tags: tuple[str, ...]
    metadata: dict[str, Any]
    importance: float
    tier: Tier
    visibility: Visibility
    agent_id: str | None
    user_id: str | None
    session_id: str | None
    project: str | None
    client_id: str | None
    created_at: float
    updated_at: float
    expires_at: float | None
    deleted_at: float | None
    archived_at: float | None
    version: int
    embedding_status: EmbeddingStatus
    model_id: str | None
    memory_type_source: TypeSource = TypeSource.EXPLICIT
    #: The entities the memory mentions (filled by reads that ask for them).
    entities: tuple[EntityMention, ...] = ()


def successor_of(memory: Memory) -> str | None:
    """The id of the newer fact that superseded ``memory`` (``metadata.superseded_by``), else ``None``."""
    successor = memory.metadata.get("superseded_by")
    return successor if isinstance(successor, str) else None


@dataclass(frozen=True, slots=True)
class EmbeddedMemory:
    """A memory whose vectors were just stored: what the embedding worker's listeners (change events, the type
    classifier) read, without the worker reading each memory whole."""

    id: str
    rowid: int
    namespace: str
    model_id: str
    memory_type_source: TypeSource


@dataclass(frozen=True)
class NewMemory:
    """A validated memory about to be written: every field decided, nothing left to default.

    The service builds it from a :class:`MemoryCreate`; an import or a remote
    device supplies one with its own id, times and origin.
    """

    id: str
    namespace: str
    content: str
    memory_type: MemoryType
    tags: tuple[str, ...]
    metadata: dict[str, Any]
    importance: float
    tier: Tier
    visibility: Visibility
    agent_id: str | None
    user_id: str | None
    session_id: str | None
    project: str | None
    client_id: str | None
    created_at: float
    expires_at: float | None
    origin_device: str
    memory_type_source: TypeSource = TypeSource.EXPLICIT


@dataclass(frozen=True)
class FieldChanges:
    """Validated changes to a memory's fields; ``None`` (or empty) leaves a field as it is.

    Metadata changes are per key (``metadata_set`` and ``metadata_unset``) and
    tags are a new set, so that the change can be recorded (and later merged)
    field by field.
    """

    content: str | None = None
    memory_type: MemoryType | None = None
    tags: tuple[str, ...] | None = None
    metadata_set: dict[str, Any] = field(default_factory=dict)
    metadata_unset: tuple[str, ...] = ()
    importance: float | None = None
    tier: Tier | None = None
    visibility: Visibility | None = None
    agent_id: str | None = None
    user_id: str | None = None
    session_id: str | None = None
    project: str | None = None
    expires_at: float | None = None
    memory_type_source: TypeSource | None = None


@dataclass(frozen=True)
class MemoryCreate:
    """What a caller may give when storing a memory. Validated by the service."""

    content: str
    namespace: str = DEFAULT_NAMESPACE
    agent_id: str | None = None
    user_id: str | None = None
    session_id: str | None = None
    project: str | None = None
    #: ``None``: classified from the memory's embedding once it has one (``general`` until then).
    memory_type: MemoryType | str | None = None
    tags: tuple[str, ...] | list[str] = ()
    metadata: dict[str, Any] | None = None
    importance: float | None = None
    tier: Tier | str | None = None
    visibility: Visibility | str = Visibility.PRIVATE
    client_id: str | None = None
    deduplicate: bool = False
    dedup_threshold: float = DEDUP_THRESHOLD_DEFAULT
    expires_in_seconds: int | None = None
    #: ``True`` always extracts entities, ``False`` never, ``None`` when the content is short enough.
    auto_extract_entities: bool | None = None


@dataclass(frozen=True)
class MemoryUpdate:
    """A partial change. ``None`` leaves a field as it is.

    Metadata merges into the existing object (a key set to ``None`` is
    removed); tags replace the existing list.
    """

    content: str | None = None
    memory_type: MemoryType | str | None = None
    tags: tuple[str, ...] | list[str] | None = None
    metadata: dict[str, Any] | None = None
    importance: float | None = None
    tier: Tier | str | None = None
    visibility: Visibility | str | None = None
    agent_id: str | None = None
    user_id: str | None = None
    session_id: str | None = None
    project: str | None = None
    expires_in_seconds: int | None = None


@dataclass(frozen=True)
class MemoryFilter:
    """Filters shared by listing and every search mode."""

    namespace: str | None = DEFAULT_NAMESPACE
    agent_id: str | None = None
    user_id: str | None = None
    session_id: str | None = None
    project: str | None = None
    memory_types: tuple[MemoryType, ...] = ()
    tags: tuple[str, ...] = ()
    tag_match: TagMatch = TagMatch.ANY
    tier: Tier | None = None
    min_importance: float | None = None
    created_after: float | None = None
    created_before: float | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    include_expired: bool = False
    include_deleted: bool = False
    only_deleted: bool = False
    include_archived: bool = False
    include_confidential: bool = True
    #: Only memories with a version that lost a concurrent edit on sync and is not resolved yet.
    only_conflicts: bool = False
    #: Only memories that this person (a person id, see :mod:`memvault.sharing.person`) created or changed in a
    #: namespace shared with other people.
    changed_by: str | None = None
    #: With ``agent_id``: memories stored with no agent match it too (a profile that shows them under a name).
    agent_id_or_none: bool = False


@dataclass(frozen=True)
class CreateResult:
    """The outcome of storing one memory.

    ``created`` is false when an idempotency key or the dedup check matched an
    existing memory, which is then returned as ``memory``. ``extraction_skipped`` says why the
    memory's entities are not extracted when its language is one the on-device pipeline does not read.
    """

    memory: Memory
    created: bool
    is_duplicate: bool = False
    duplicate_of: str | None = None
    similarity: float | None = None
    extraction_skipped: str | None = None


@dataclass(frozen=True)
class BatchItemResult:
    """One item of a batch create."""

    index: int
    status: str  # "success" | "duplicate" | "error"
    memory_id: str | None = None
    error: str | None = None
    error_code: str | None = None
    content_preview: str | None = None


@dataclass(frozen=True)
class BatchResult:
    """A batch create with a result per item and timings in milliseconds."""

    items: tuple[BatchItemResult, ...]
    total_ms: float
    embedding_ms: float
    database_ms: float

    @property
    def succeeded(self) -> int:
        return sum(1 for i in self.items if i.status == "success")

    @property
    def failed(self) -> int:
        return sum(1 for i in self.items if i.status == "error")

    @property
    def skipped(self) -> int:
        return sum(1 for i in self.items if i.status == "duplicate")


@dataclass(frozen=True)
class Page:
    """A page of a listing with the total that matched (``None`` when not counted) and a cursor for the next."""

    items: tuple[Memory, ...]
    total: int | None
    next_cursor: str | None
    has_more: bool


@dataclass(frozen=True)
class HistoryEntry:
    """A snapshot of a memory as it was after one change."""

    memory_id: str
    version: int
    change: str
    changed_at: float
    content: str
    memory_type: MemoryType
    tags: tuple[str, ...]
    metadata: dict[str, Any]
    importance: float
    tier: Tier
    visibility: Visibility


@dataclass(frozen=True)
class SearchQuery:
    """A search request."""

    query: str
    mode: SearchMode = DEFAULT_SEARCH_MODE
    limit: int = 10
    min_score: float = 0.0
    filter: MemoryFilter = field(default_factory=lambda: MemoryFilter(include_confidential=False))
    debug: bool = False


@dataclass(frozen=True)
class ScoreBreakdown:
    """How a hit's score came about (returned when ``debug`` is asked).

    ``semantic`` is the cosine similarity of the nearest chunk (``best_chunk``),
    ``keyword_bm25`` FTS5's BM25 (lower is better); the ranks are each list's own.
    ``semantic_upper_bound`` marks a hybrid hit found by keyword only and beyond
    the nearest chunks read: its ``semantic`` is the farthest of those, a bound.
    In hybrid mode ``coverage`` is the share of the query's content words in the
    memory, ``graph`` its evidence from the entities and dates it shares with
    the query (``graph_rank`` its rank in that list; see
    ``memvault/ranking/graph.py``), and ``relevance`` (the hit's score)
    combines them as documented in ``memvault/ranking/fusion.py``.
    """

    semantic: float | None = None
    semantic_rank: int | None = None
    semantic_upper_bound: bool | None = None
    keyword_bm25: float | None = None
    keyword_rank: int | None = None
    coverage: float | None = None
    graph: float | None = None
    graph_rank: int | None = None
    #: Hybrid's turn inputs (``memvault/ranking/turn_context.py``): the memory is a question, and the
    #: similarity of the previous and next turn of its session minus its own.
    question: bool | None = None
    previous_turn_gain: float | None = None
    next_turn_gain: float | None = None
    relevance: float | None = None
    best_chunk: int | None = None
    #: Hybrid: how far the query's mean similarity to everything searched stands above where unrelated texts
    #: sit on the scale (negative: below it, for a query in another language than its nearest memory),
    #: subtracted from ``semantic`` for ``relevance`` (``memvault/ranking/similarity.py``).
    background: float | None = None
    #: Hybrid: the mean similarity of the other keyword hits that contain every query word this one does, where
    #: there are at least two; as much of it as stands above the background is taken off too
    #: (``memvault/ranking/peers.py``).
    peers: float | None = None
    #: Hybrid: who said this turn, when the query names them: its ``semantic`` is read against the query without
    #: the name, and the name counts among the words ``coverage`` found (``memvault/ranking/speakers.py``).
    speaker: str | None = None


@dataclass(frozen=True)
class SearchHit:
    """One search result: the memory, a 0..1 score and a snippet."""

    memory: Memory
    score: float
    snippet: str
    breakdown: ScoreBreakdown | None = None
    #: Ids of the extracted facts shown with this turn (read from it), best first; the snippet is the first's.
    facts: tuple[str, ...] = ()
    #: Whether the hit is about the query, not only the closest memory (:func:`memvault.ranking.good_match.flags`;
    #: every keyword hit holds the words asked for).
    good_match: bool = False


@dataclass(frozen=True)
class SearchResult:
    """Hits plus how many candidates were considered.

    ``good_match`` (hybrid mode only, else ``None``) is the best hit's
    :attr:`SearchHit.good_match`: surfaces show "no good match" when it is false.
    """

    hits: tuple[SearchHit, ...]
    mode: SearchMode
    total_evaluated: int
    took_ms: float
    good_match: bool | None = None


@dataclass(frozen=True)
class Namespace:
    """A namespace and how many live memories it holds."""

    name: str
    memory_count: int
    created_at: float | None = None
    description: str | None = None


@dataclass(frozen=True)
class Stats:
    """Vault-wide or namespace-wide statistics."""

    total: int
    by_namespace: dict[str, int]
    by_type: dict[str, int]
    by_tier: dict[str, int]
    permanent: int
    with_ttl: int
    expired: int
    deleted: int
    archived: int
    oldest_at: float | None
    newest_at: float | None
    storage_bytes: int
    queue_depth: int
    failed_embeddings: int
    #: Memories stored per day, by the local date (this machine's time zone) they were stored on.
    created_per_day: dict[str, int]
    #: The file's bytes over every stored memory (trash and archive included: they take space too).
    bytes_per_memory: float = 0.0
    #: Pages freed and not yet handed back to the file system, in bytes.
    free_bytes: int = 0


@dataclass(frozen=True)
class ApiKey:
    """An API key as stored (the secret itself is never kept, only its hash)."""

    id: int
    name: str
    namespace: str
    scopes: frozenset[Scope]
    prefix: str
    per_minute: int
    per_hour: int
    created_at: float
    last_used_at: float | None
    revoked_at: float | None

    def allows(self, scope: Scope) -> bool:
        """Each scope stands alone: ``admin`` manages keys and the namespace, and reads no content."""
        return scope in self.scopes


@dataclass(frozen=True)
class UsageDay:
    """One key's counters for one UTC day."""

    key_id: int
    key_name: str
    namespace: str
    day: str
    calls: int
    errors: int
    memories_created: int
    searches: int
