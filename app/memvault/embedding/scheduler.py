"""The embedder's threads: callers waiting for their vectors on threads of their own, the background worker's
claims on others, each in the order they came.

The worker keeps its next claim queued behind the one running, so that the
threads go straight from one claim's last batch to the next claim's first
(waiting for the next claim to be read and tokenized left a core idle at every
claim). A store or a search that embeds meanwhile must not wait behind that
queue, nor for the batches running; and a stopping worker cancels the batches
it queued instead of waiting for them.

While searches are in flight, background batches run on one thread fewer than
the embedder has (at least one): a search embeds its query on its own thread and
then reads and ranks, and with every core in a background batch it waited for
a share of one (each run computes on one thread; see ``model.session_options``).
The background never stalls: one thread goes on with it.

Background batches run on threads of their own, which lower their CPU priority
(:mod:`memvault.priority`): a batch already running when a search starts no
longer keeps a core from it, the kernel hands the core to the search. Callers'
batches run on threads that keep the process's priority and take nothing else,
so a caller never waits behind a background batch, nor runs lowered; a caller
that is itself lowered (a loop) has its batches run as background work.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from memvault import priority


#: The longest a thread holds back from a background batch while searches run.
HOLD_MAX_SECONDS = 0.05
_HOLD_POLL_SECONDS = 0.005


#: The two kinds of thread, and their queues: each kind takes its own queue's calls only.
_CALLER, _BACKGROUND = 0, 1


class BatchScheduler:
    """Up to ``threads`` daemon threads for callers' batches and as many for background batches, started as
    work arrives."""

    def __init__(self, threads: int, name: str) -> None:
        self._threads = max(1, threads)
        self._name = name
        self._lock = threading.Lock()
        #: The conditions of the threads waiting for work, per kind: a call wakes one that may take it, and takes
        #: it off the list, so that the next call does not count on the same thread.
        self._sleepers: tuple[deque[threading.Condition], ...] = (deque(), deque())
        #: What background threads held back while searches run wait on.
        self._held = threading.Condition(self._lock)
        self._queues: tuple[deque, deque] = (deque(), deque())
        self._workers: tuple[list[threading.Thread], ...] = ([], [])
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
        # A caller that runs lowered is background work waiting for its vectors (a loop's): its batches run as
        # background work, and it starts no callers' thread, which would keep its priority for every later caller.
        kind = _BACKGROUND if background or priority.lowered() else _CALLER
        with self._lock:
            if self._closed:
                raise RuntimeError("the embedder's threads have been shut down")
            self._queues[kind].append((future, fn))
            if self._sleepers[kind]:
                self._sleepers[kind].popleft().notify()
            elif len(self._workers[kind]) < self._threads:
                self._start(kind)
            # Else a thread of that kind takes it when its batch ends (a held one within its poll).
        return future

    def _start(self, kind: int) -> None:
        workers = self._workers[kind]
        label = "" if kind == _CALLER else "background_"
        worker = threading.Thread(target=self._work, args=(kind,), name=f"{self._name}_{label}{len(workers)}",
                                  daemon=True)
        workers.append(worker)
        worker.start()

    def shutdown(self, *, cancel_queued: bool = False, wait: bool = False) -> None:
        """Let the threads end once the queued calls have run (``cancel_queued``: cancel those instead;
        ``wait``: return when the threads have ended, the calls running now finished)."""
        with self._lock:
            self._closed = True
            if cancel_queued:
                for queue in self._queues:
                    for future, _fn in queue:
                        future.cancel()
                    queue.clear()
            for sleepers in self._sleepers:
                while sleepers:
                    sleepers.popleft().notify()
            self._held.notify_all()
            workers = [w for kind in self._workers for w in kind]
        if wait:
            for worker in workers:
                if worker is not threading.current_thread():
                    worker.join()

    def _next(self, kind: int) -> tuple[Future, Callable[[], Any], bool] | None:
        """The next call for a thread of ``kind`` to run, and whether it is background work; ``None`` once shut
        down."""
        sleeping = threading.Condition(self._lock)
        with self._lock:
            deadline: float | None = None
            while True:
                if kind == _CALLER and self._queues[_CALLER]:
                    return (*self._queues[_CALLER].popleft(), False)
                if kind == _BACKGROUND and self._queues[_BACKGROUND]:
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
                    self._held.wait(wait)
                    self._holding -= 1
                    continue
                if self._closed:
                    return None
                self._sleepers[kind].append(sleeping)
                sleeping.wait()
                if sleeping in self._sleepers[kind]:  # woken by no call (a spurious wake-up): not spoken for
                    self._sleepers[kind].remove(sleeping)

    def _background_cap(self) -> int:
        """Threads that may run background batches while searches are in flight."""
        return max(1, self._threads - 1)

    def _background(self) -> tuple[Future, Callable[[], Any], bool]:
        self._background_running += 1
        future, fn = self._queues[_BACKGROUND].popleft()
        return future, fn, True

    def _work(self, kind: int) -> None:
        if kind == _BACKGROUND:
            priority.lower_this_thread()
        while (task := self._next(kind)) is not None:
            future, fn, background = task
            _run(future, fn)
            task = future = fn = None  # a finished call's inputs are not kept alive while the thread waits
            if background:
                with self._lock:
                    self._background_running -= 1
                    if self._holding:
                        self._held.notify_all()  # a thread held back by the cap may take the next batch now


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
