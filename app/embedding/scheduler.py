"""The embedder's threads, and the order in which they take batches: a caller waiting for its vectors first,
then the background worker's claims, each in the order they came.

The worker keeps its next claim queued behind the one running, so that the
threads go straight from one claim's last batch to the next claim's first
(waiting for the next claim to be read and tokenized left a core idle at every
claim). A store or a search that embeds meanwhile must not wait behind that
queue, only for the batches already running; and a stopping worker cancels the
batches it queued instead of waiting for them.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any


class BatchScheduler:
    """``threads`` daemon threads, started as work arrives, running submitted calls by priority."""

    def __init__(self, threads: int, name: str) -> None:
        self._threads = max(1, threads)
        self._name = name
        self._cond = threading.Condition()
        # Index 0: callers waiting on the result; 1: background work.
        self._queues: tuple[deque, deque] = (deque(), deque())
        self._started = 0
        self._idle = 0
        self._closed = False

    def submit(self, fn: Callable[[], Any], *, background: bool = False) -> Future:
        """Run ``fn`` on one of the threads; a pending call can be cancelled through its future."""
        future: Future = Future()
        with self._cond:
            if self._closed:
                raise RuntimeError("the embedder's threads have been shut down")
            self._queues[1 if background else 0].append((future, fn))
            if self._idle:
                self._cond.notify()
            elif self._started < self._threads:
                self._started += 1
                threading.Thread(target=self._work, name=f"{self._name}_{self._started - 1}", daemon=True).start()
        return future

    def shutdown(self) -> None:
        """Let the threads end once the queued calls have run (queued calls still run: nothing waits forever)."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def _next(self) -> tuple[Future, Callable[[], Any]] | None:
        with self._cond:
            while True:
                for queue in self._queues:
                    if queue:
                        return queue.popleft()
                if self._closed:
                    return None
                self._idle += 1
                self._cond.wait()
                self._idle -= 1

    def _work(self) -> None:
        while (task := self._next()) is not None:
            _run(*task)
            task = None  # a finished call's inputs are not kept alive while the thread waits


def _run(future: Future, fn: Callable[[], Any]) -> None:
    if not future.set_running_or_notify_cancel():
        return  # cancelled while queued
    try:
        result = fn()
    except BaseException as exc:  # noqa: BLE001 - handed to whoever waits on the future
        future.set_exception(exc)
    else:
        future.set_result(result)
