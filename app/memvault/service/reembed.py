"""Re-embedding: new vectors for memories another model (or a failed run) left behind.

Vectors record the model that made them. After a model change, or to retry
memories whose embedding failed for good, this embeds them again in batches
outside the queue, so the work can report progress and be cancelled. Each
batch is its own transaction: a memory keeps its old vectors (still
searchable) until its new ones are written, so cancelling or quitting halfway
loses nothing, and running it again continues with what is left.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from memvault.domain.changes import USER, ChangeKind, ChangeOrigin
from memvault.embedding.model import Embedder
from memvault.service import validation as v
from memvault.service.events import EventHub, event_for
from memvault.vault.jobs import EmbeddingJobStore

BATCH = 64


@dataclass(frozen=True)
class ReembedReport:
    """What a re-embedding run did."""

    done: int
    total: int
    cancelled: bool


class ReembedService:
    """Finds memories whose vectors are stale and embeds them again."""

    def __init__(self, jobs: EmbeddingJobStore, embedder: Embedder, events: EventHub) -> None:
        self._jobs = jobs
        self._embedder = embedder
        self._events = events

    @property
    def model_id(self) -> str:
        """The model new vectors come from."""
        return self._embedder.model_id

    def stale_count(self, namespace: str | None = None) -> int:
        """Memories whose vectors another model made, or whose embedding failed."""
        if namespace is not None:
            v.namespace(namespace)
        return self._jobs.count_stale(namespace)

    def waiting(self, namespace: str | None = None) -> int:
        """How many memories are not embedded yet (semantic search does not find them until they are)."""
        return self._jobs.count_waiting(namespace)

    def reembed(self, namespace: str | None = None, *, everything: bool = False, waiting: bool = False,
                progress: Callable[[int, int], None] | None = None,
                cancelled: Callable[[], bool] | None = None, origin: ChangeOrigin = USER) -> ReembedReport:
        """Embed stale memories (``everything``: all of them) again with the current model.

        Args:
            namespace: only this namespace (``None``: every namespace).
            everything: rebuild every memory's vectors, not only stale ones.
            waiting: also embed the memories still in the queue (a command that ends before the queue's worker
                reaches them: ``memvault add --no-wait``).
            progress: called with ``(done, total)`` after each batch.
            cancelled: checked before each batch; when it returns True the run stops.
        """
        if namespace is not None:
            v.namespace(namespace)
        ids = self._jobs.stale_memory_ids(namespace, everything=everything, waiting=waiting)
        done = 0
        if progress is not None:
            progress(0, len(ids))
        for start in range(0, len(ids), BATCH):
            if cancelled is not None and cancelled():
                return ReembedReport(done, len(ids), cancelled=True)
            batch = ids[start:start + BATCH]
            jobs = self._jobs.load(batch)
            chunked = self._embedder.embed_documents([j.content for j in jobs])
            ready = self._jobs.complete([(j, c.spans, c.vectors) for j, c in zip(jobs, chunked)])
            if ready:
                self._events.emit(event_for(ChangeKind.EMBEDDED, ready, origin))
            done += len(batch)
            if progress is not None:
                progress(done, len(ids))
        return ReembedReport(done, len(ids), cancelled=False)
