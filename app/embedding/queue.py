"""The worker that drains the durable embedding queue.

It claims due jobs in batches, embeds them with the shared :class:`Embedder`
and hands the vectors back to the job store. Failures to embed are recorded by
the store and retried with backoff; leases make a crashed worker's jobs due
again. The worker owns no thread: :meth:`EmbeddingWorker.step` is one turn of
the background loop (``app/service/background.py`` runs it, backs off when it
raises and reports it in the vault's health), and :meth:`drain` and
:meth:`embed_now` run on the caller's thread.

When storing vectors fails (a full disk), the embedded batch is kept and its
write is retried first on the next turn, so nothing is embedded twice and no
job waits for its lease to run out.

A turn of the loop overlaps two claims: once a claim's vectors are ready,
the next claim starts embedding (on a runner thread of its own) while this
one is written, so the embedder's threads do not wait for the database. A
stopping loop calls :meth:`EmbeddingWorker.finish`, which writes the claim
still in flight.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol

import numpy as np

from app.embedding.model import Embedder

log = logging.getLogger(__name__)


class JobStore(Protocol):
    def claim(self, limit: int) -> list[Any]: ...
    def complete(self, results: list[tuple[Any, list[tuple[int, int]], np.ndarray]]) -> list[Any]: ...
    def fail(self, jobs: list[Any], error: str) -> None: ...
    def load(self, memory_ids: list[int]) -> list[Any]: ...
    def next_due_in(self) -> float | None: ...
    def depth(self) -> int: ...


@dataclass(frozen=True)
class _Claim:
    jobs: list[Any]
    vectors: Future  # the embedder's chunks for ``jobs``, in order


class EmbeddingWorker:
    """Embeds queued memories, one batch per call.

    Args:
        store: where jobs come from and vectors go.
        embedder: the shared embedder.
        batch_size: jobs claimed at once.
        on_ready: called (on the worker's thread) with the memories that got vectors.
    """

    IDLE_POLL_SECONDS = 1.0

    def __init__(
        self,
        store: JobStore,
        embedder: Embedder,
        *,
        batch_size: int = 64,
        on_ready: Callable[[list[Any]], None] | None = None,
    ) -> None:
        self._store = store
        self._embedder = embedder
        self._batch_size = batch_size
        self._on_ready = on_ready
        #: Set when new jobs wait; the background loop sleeps on it.
        self.wake_event = threading.Event()
        self._idle = threading.Event()
        self._lock = threading.Lock()
        self._unsaved: Callable[[], None] | None = None
        self._claimed: _Claim | None = None
        self._runner: ThreadPoolExecutor | None = None

    def wake(self) -> None:
        """Tell the worker new jobs are waiting."""
        self._idle.clear()
        self.wake_event.set()

    def run_once(self) -> int:
        """Claim and process one batch (or the one a loop turn left in flight); returns how many jobs it took.

        Raises whatever stops the job store (a domain storage error); the
        batch's result is kept and saved first on the next call.
        """
        return self._turn(overlap=False)

    def finish(self) -> None:
        """Write the claim a loop turn left in flight (its loop is stopping), and free the runner thread."""
        try:
            self._turn(overlap=False, claim_more=False)
        finally:
            if self._runner is not None:
                self._runner.shutdown(wait=False)
                self._runner = None

    def _turn(self, *, overlap: bool, claim_more: bool = True) -> int:
        with self._lock:
            if self._unsaved is not None:
                self._save(self._unsaved)
            claim, self._claimed = self._claimed, None
            if claim is not None:
                jobs, vectors = claim.jobs, claim.vectors.result
            else:
                jobs = self._store.claim(self._batch_size) if claim_more else []
                if not jobs:
                    return 0
                vectors = partial(self._embed, jobs)
            # Kept before anything else can raise: a failed claim below must not lose these vectors.
            self._unsaved = self._outcome(jobs, vectors)
            if overlap:
                self._claimed = self._start(self._store.claim(self._batch_size))
            self._save(self._unsaved)
            return len(jobs)

    def _embed(self, jobs: list[Any]) -> list[Any]:
        return self._embedder.embed_documents([j.content for j in jobs])

    def _start(self, jobs: list[Any]) -> _Claim | None:
        """Start embedding ``jobs`` on the runner thread."""
        if not jobs:
            return None
        if self._runner is None:
            self._runner = ThreadPoolExecutor(1, thread_name_prefix="memvault-embedding-claim")
        return _Claim(jobs, self._runner.submit(self._embed, jobs))

    def _outcome(self, jobs: list[Any], vectors: Callable[[], list[Any]]) -> Callable[[], None]:
        """The write that ends a claim of ``jobs`` once ``vectors`` gives their chunks: those, or the failure."""
        try:
            chunked = vectors()
        except Exception as exc:  # noqa: BLE001 - a failing batch must not kill the queue; it is retried
            log.warning("embedding batch of %d failed: %s", len(jobs), exc.__class__.__name__)
            error = f"{exc.__class__.__name__}: {exc}"  # kept inside the vault only
            return lambda: self._store.fail(jobs, error)
        results = [(j, c.spans, c.vectors) for j, c in zip(jobs, chunked)]
        return lambda: self._finish(results)

    def _save(self, write: Callable[[], None]) -> None:
        self._unsaved = write
        write()
        self._unsaved = None

    def _finish(self, results: list) -> None:
        ready = self._store.complete(results)
        if ready and self._on_ready is not None:
            self._on_ready(ready)

    def step(self) -> float:
        """One turn of the background loop; returns the seconds to sleep before the next."""
        if self._turn(overlap=True):
            return 0.0
        due = self._store.next_due_in()
        if due is None or due > 0:
            self._idle.set()
        return self.IDLE_POLL_SECONDS if due is None else min(max(due, 0.05), self.IDLE_POLL_SECONDS)

    def embed_now(self, memory_ids: list[int]) -> list[Any]:
        """Embed these memories (rowids) on the calling thread, ahead of the queue; returns those that became ready.

        Their queued jobs are completed by this (a worker that claimed one too
        finds it done). A failure to embed leaves the jobs queued for the worker.
        """
        jobs = self._store.load(memory_ids)
        if not jobs:
            return []
        try:
            chunked = self._embedder.embed_documents([j.content for j in jobs])
        except Exception as exc:  # noqa: BLE001 - the queued jobs stay; the worker retries them with backoff
            log.warning("embedding %d memories now failed: %s", len(jobs), exc.__class__.__name__)
            return []
        ready = self._store.complete([(j, c.spans, c.vectors) for j, c in zip(jobs, chunked)])
        if ready and self._on_ready is not None:
            self._on_ready(ready)
        return ready

    def drain(self, timeout: float | None = None) -> bool:
        """Process jobs on the calling thread until none is due; False on timeout."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            if self.run_once() == 0:
                due = self._store.next_due_in()
                if due is None or due > 0:
                    return due is None
            if deadline is not None and time.monotonic() > deadline:
                return False

    def wait_idle(self, timeout: float) -> bool:
        """Block until the background loop finds nothing due."""
        return self._idle.wait(timeout)
