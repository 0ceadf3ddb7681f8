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

A turn of the loop keeps the next claim queued behind the one it waits for
(:meth:`Embedder.start_documents`), so the embedder's threads go straight from
one claim to the next and embed it while the last is written. A stopping loop
calls :meth:`EmbeddingWorker.interrupt` from the stopping thread, which
cancels the batches not started of every claim (the one the turn waits for
too), then :meth:`EmbeddingWorker.finish` on its own thread, which gives the
claims' jobs back: a lock waits for the batches running, not for a claim
(which, of long documents, can take a minute or more).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import CancelledError
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol

import numpy as np

from memvault.embedding.model import Embedder

log = logging.getLogger(__name__)


class JobStore(Protocol):
    def claim(self, limit: int) -> list[Any]: ...
    def complete(self, results: list[tuple[Any, list[tuple[int, int]], np.ndarray]]) -> list[Any]: ...
    def fail(self, jobs: list[Any], error: str) -> None: ...
    def release(self, jobs: list[Any]) -> None: ...
    def load(self, memory_ids: list[int]) -> list[Any]: ...
    def next_due_in(self) -> float | None: ...
    def depth(self) -> int: ...


@dataclass(frozen=True)
class _Claim:
    jobs: list[Any]
    vectors: Callable[[], list[Any]]  # the embedder's chunks for ``jobs``, in order (waits for them)
    cancel: Callable[[], None] = lambda: None  # drops the embedding not started yet


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
        #: Claimed and not yet written, oldest first: during a loop's turn the one it waits for, and the next.
        self._claims: deque[_Claim] = deque()
        self._waiting: _Claim | None = None  # the claim a loop's turn waits for
        self._interrupted = threading.Event()

    def wake(self) -> None:
        """Tell the worker new jobs are waiting."""
        self._idle.clear()
        self.wake_event.set()

    def run_once(self) -> int:
        """Claim and process one batch (first any claim a loop turn left); returns how many jobs it took.

        Raises whatever stops the job store (a domain storage error); the
        batch's result is kept and saved first on the next call.
        """
        return self._turn(overlap=False)

    def interrupt(self) -> None:
        """The loop is asked to stop (called on the stopping thread): drop the batches not started yet.

        The turn in progress gives its claim's jobs back instead of waiting for
        them, and no turn claims more until :meth:`finish`.
        """
        self._interrupted.set()
        for claim in [self._waiting, *list(self._claims)]:
            if claim is not None:
                claim.cancel()

    def finish(self) -> None:
        """The loop is stopping: write what a failed write left, cancel the queued claim and give its jobs back."""
        with self._lock:
            try:
                if self._unsaved is not None:
                    self._save(self._unsaved)
            finally:
                dropped, self._claims = list(self._claims), deque()
                for claim in dropped:
                    claim.cancel()
                self._interrupted.clear()
                self._store.release([job for claim in dropped for job in claim.jobs])

    def _turn(self, *, overlap: bool) -> int:
        with self._lock:
            if self._unsaved is not None:
                self._save(self._unsaved)
            if overlap and self._interrupted.is_set():
                return 0  # stopping: finish() gives back what is claimed
            if not self._claims and not self._claim(background=overlap):
                return 0
            if overlap and len(self._claims) == 1:
                # Queued behind the one we wait for; if claiming raises, that one stays for the next turn.
                self._claim(background=True)
            claim = self._waiting = self._claims.popleft()
            if overlap and self._interrupted.is_set():
                claim.cancel()  # the stop came while claiming: interrupt() may have missed this one
            try:
                # Kept before anything else can raise: a failed write must not lose these vectors.
                self._unsaved = self._outcome(claim.jobs, claim.vectors)
            finally:
                self._waiting = None
            self._save(self._unsaved)
            return len(claim.jobs)

    def _claim(self, *, background: bool) -> bool:
        """Claim due jobs and start embedding them (``background``: queued on the embedder's threads, else when
        their vectors are asked for, on the asking thread); False when none is due."""
        jobs = self._store.claim(self._batch_size)
        if not jobs:
            return False
        texts = [j.content for j in jobs]
        if background:
            try:
                pending = self._embedder.start_documents(texts)
            except Exception as exc:  # noqa: BLE001 - this claim's failure, recorded when its vectors are asked for
                self._claims.append(_Claim(jobs, partial(_raise, exc)))
            else:
                self._claims.append(_Claim(jobs, pending.result, pending.cancel))
        else:
            self._claims.append(_Claim(jobs, partial(self._embedder.embed_documents, texts)))
        return True

    def _outcome(self, jobs: list[Any], vectors: Callable[[], list[Any]]) -> Callable[[], None]:
        """The write that ends a claim of ``jobs`` once ``vectors`` gives their chunks: those, or the failure."""
        try:
            chunked = vectors()
        except CancelledError:
            return lambda: self._store.release(jobs)  # a stop dropped them: due again, no attempt counted
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


def _raise(exc: Exception) -> list[Any]:
    raise exc
