"""The embedder's threads, and the order in which they take batches: a caller waiting for its vectors first,
then the background worker's claims, each in the order they came.

The worker keeps its next claim queued behind the one running, so that the
threads go straight from one claim's last batch to the next claim's first
(waiting for the next claim to be read and tokenized left a core idle at every
claim). A store or a search that embeds meanwhile must not wait behind that
queue, only for the batches already running; and a stopping worker cancels the
batches it queued instead of waiting for them.

While searches are in flight, background batches run on one thread fewer than
the embedder has (at least one): a search embeds its query on its own thread and
then reads and ranks, and with every core in a background batch it waited for
a share of one (each run computes on one thread; see ``model.session_options``).
The threads left keep taking callers' batches at once, and the background never
stalls: one thread goes on with it.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any


#: The longest a thread holds back from a background batch while searches run.
HOLD_MAX_SECONDS = 0.05
_HOLD_POLL_SECONDS = 0.005


class BatchScheduler:
    """``threads`` daemon threads, started as work arrives, running submitted calls by priority."""

    def __init__(self, threads: int, name: str) -> None:
        self._threads = max(1, threads)
        self._name = name
        self._cond = threading.Condition()
        # Index 0: callers waiting on the result; 1: background work.
        self._queues: tuple[deque, deque] = (deque(), deque())
        self._workers: list[threading.Thread] = []
        self._idle = 0
        self._closed = False
        #: Whether searches are in flight: a thread about to take background work waits for them, at most
        #: :data:`HOLD_MAX_SECONDS`, so that they get the cores (see ``service/foreground.py``).
        self.foreground_busy: Callable[[], bool] | None = None
        self._holding = 0
        self._background_running = 0
        _stop_at_exit(self)

    def submit(self, fn: Callable[[], Any], *, background: bool = False) -> Future:
        """Run ``fn`` on one of the threads; a pending call can be cancelled through its future."""
        future: Future = Future()
        with self._cond:
            if self._closed:
                raise RuntimeError("the embedder's threads have been shut down")
            self._queues[1 if background else 0].append((future, fn))
            if self._idle:
                self._idle -= 1  # spoken for: the next call must not count on the same waiting thread
                self._cond.notify()
            elif self._holding and not background:
                self._cond.notify_all()  # a thread holding back from background work takes this at once
            elif len(self._workers) < self._threads:
                worker = threading.Thread(target=self._work, name=f"{self._name}_{len(self._workers)}", daemon=True)
                self._workers.append(worker)
                worker.start()
        return future

    def shutdown(self, *, cancel_queued: bool = False, wait: bool = False) -> None:
        """Let the threads end once the queued calls have run (``cancel_queued``: cancel those instead;
        ``wait``: return when the threads have ended, the calls running now finished)."""
        with self._cond:
            self._closed = True
            if cancel_queued:
                for queue in self._queues:
                    for future, _fn in queue:
                        future.cancel()
                    queue.clear()
            self._idle = 0
            self._cond.notify_all()
            workers = list(self._workers)
        if wait:
            for worker in workers:
                if worker is not threading.current_thread():
                    worker.join()

    def _next(self) -> tuple[Future, Callable[[], Any], bool] | None:
        """The next call to run, and whether it is background work; ``None`` once shut down."""
        with self._cond:
            deadline: float | None = None
            while True:
                if self._queues[0]:
                    return (*self._queues[0].popleft(), False)
                if self._queues[1]:
                    busy = self.foreground_busy
                    if busy is None or self._closed or not busy():
                        return self._background()
                    now = time.monotonic()
                    if self._background_running >= self._background_cap():
                        # Not bounded: the threads already in background batches carry it on meanwhile.
                        wait = _HOLD_POLL_SECONDS
                    else:
                        deadline = now + HOLD_MAX_SECONDS if deadline is None else deadline
                        if now >= deadline:
                            return self._background()
                        wait = min(_HOLD_POLL_SECONDS, deadline - now)
                    self._holding += 1
                    self._cond.wait(wait)
                    self._holding -= 1
                    continue
                if self._closed:
                    return None
                self._idle += 1
                self._cond.wait()

    def _background_cap(self) -> int:
        """Threads that may run background batches while searches are in flight."""
        return max(1, self._threads - 1)

    def _background(self) -> tuple[Future, Callable[[], Any], bool]:
        self._background_running += 1
        future, fn = self._queues[1].popleft()
        return future, fn, True

    def _work(self) -> None:
        while (task := self._next()) is not None:
            future, fn, background = task
            _run(future, fn)
            task = future = fn = None  # a finished call's inputs are not kept alive while the thread waits
            if background:
                with self._cond:
                    self._background_running -= 1
                    if self._holding:
                        self._cond.notify_all()  # a thread held back by the cap may take the next batch now


def _stop_at_exit(scheduler: BatchScheduler) -> None:
    """Have the interpreter's exit cancel ``scheduler``'s queued calls and wait for those running.

    Its threads are daemons, so that an idle one never holds up the exit; but one that is still inside an
    ONNX Runtime run when the interpreter goes away aborts the process ("terminate called without an
    active exception"). Registered like ``concurrent.futures``' own pools: before the interpreter joins its
    threads, while a daemon thread can still finish.
    """
    ref = weakref.ref(scheduler)

    def stop() -> None:
        live = ref()
        if live is not None:
            live.shutdown(cancel_queued=True, wait=True)

    threading._register_atexit(stop)  # the hook concurrent.futures uses for the same reason


def _run(future: Future, fn: Callable[[], Any]) -> None:
    if not future.set_running_or_notify_cancel():
        return  # cancelled while queued
    try:
        result = fn()
    except BaseException as exc:  # noqa: BLE001 - handed to whoever waits on the future
        future.set_exception(exc)
    else:
        future.set_result(result)
