"""The background worker that drains the durable embedding queue.

It claims due jobs in batches, embeds them with the shared :class:`Embedder`
and hands the vectors back to the job store. Failures are recorded by the
store and retried with backoff; leases make a crashed worker's jobs due again.
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
    def next_due_in(self) -> float | None: ...
    def depth(self) -> int: ...


class EmbeddingWorker:
    """Runs the queue in a daemon thread.

    Args:
        store: where jobs come from and vectors go.
        embedder: the shared embedder.
        batch_size: jobs claimed at once.
        on_ready: called (on the worker thread) with the memories that got vectors.
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
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._idle = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="embedding-worker", daemon=True)
            self._thread.start()

    def wake(self) -> None:
        """Tell the worker new jobs are waiting."""
        self._idle.clear()
        self._wake.set()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def run_once(self) -> int:
        """Claim and process one batch; returns how many jobs it took."""
        jobs = self._store.claim(self._batch_size)
        if not jobs:
            return 0
        try:
            chunked = self._embedder.embed_documents([j.content for j in jobs])
        except Exception as exc:  # a failing batch must not kill the queue; it is retried
            log.warning("embedding batch of %d failed: %s", len(jobs), exc.__class__.__name__)
            self._store.fail(jobs, f"{exc.__class__.__name__}: {exc}")
            return len(jobs)
        ready = self._store.complete([(j, c.spans, c.vectors) for j, c in zip(jobs, chunked)])
        if ready and self._on_ready is not None:
            self._on_ready(ready)
        return len(jobs)

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
        """Block until the background thread finds nothing due."""
        return self._idle.wait(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            if self.run_once():
                continue
            due = self._store.next_due_in()
            if due is None or due > 0:
                self._idle.set()
            wait = self.IDLE_POLL_SECONDS if due is None else min(max(due, 0.05), self.IDLE_POLL_SECONDS)
            self._wake.wait(wait)
            self._wake.clear()
