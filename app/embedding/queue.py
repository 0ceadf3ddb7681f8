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
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
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

    def wake(self) -> None:
        """Tell the worker new jobs are waiting."""
        self._idle.clear()
        self.wake_event.set()

    def run_once(self) -> int:
        """Claim and process one batch; returns how many jobs it took.

        Raises whatever stops the job store (a domain storage error); the
        batch's result is kept and saved first on the next call.
        """
        with self._lock:
            if self._unsaved is not None:
                self._save(self._unsaved)
            jobs = self._store.claim(self._batch_size)
            if not jobs:
                return 0
            try:
                chunked = self._embedder.embed_documents([j.content for j in jobs])
            except Exception as exc:  # noqa: BLE001 - a failing batch must not kill the queue; it is retried
                log.warning("embedding batch of %d failed: %s", len(jobs), exc.__class__.__name__)
                error = f"{exc.__class__.__name__}: {exc}"  # kept inside the vault only
                self._save(lambda: self._store.fail(jobs, error))
                return len(jobs)
            results = [(j, c.spans, c.vectors) for j, c in zip(jobs, chunked)]
            self._save(lambda: self._finish(results))
            return len(jobs)

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
        if self.run_once():
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
