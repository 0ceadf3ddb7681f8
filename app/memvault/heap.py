"""The process's heaps after a one-off burst of allocations: C memory handed back, Python objects settled.

glibc keeps freed blocks in its arenas for reuse; after a one-off burst of
large allocations (building the embedding graph, restoring the vector index
from its stored bytes) that is tens of MB the process holds but never uses.

Loading the models leaves ~140,000 long-lived Python objects (spaCy's
pipeline most of them) that Python's cyclic collector would walk at every
full collection, holding the interpreter lock for ~110 ms each time: during a
5,000-memory ingest two such pauses stopped the embedder's threads from
starting their next batch (and would stall a search or the GUI as long).

A collection frees every unreachable cycle in whichever thread happens to
trigger it. In the desktop app a cycle can hold a Qt object (a widget kept by
a closure connected to its own signal), and freeing it on a worker thread
destroys a QObject outside the thread it lives in, which Qt does not allow
(seen once in CI as a segfault while a lock closed the vault on one worker and
the agent API started on another). So a process can hand every collection to
one thread (:func:`collect_only_on_this_thread`), which then calls
:func:`collect_due` on a timer.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import sys
import threading
from collections.abc import Iterator

_LOCK = threading.Lock()
_pauses = 0  # collector pauses running now, in every thread
_owner: int | None = None  # the thread that runs every collection, when one was chosen
_resume = False  # whether automatic collection ran before the first pause or owner took it over
_settle_wanted = False  # a worker asked for settle_long_lived while an owner thread collects


def return_freed_memory() -> None:
    """Give memory the C heap has freed back to the OS (glibc keeps it otherwise)."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL("libc.so.6").malloc_trim(0)
        except (OSError, AttributeError):  # not glibc (musl has no malloc_trim)
            pass


def settle_long_lived() -> None:
    """Collect what loading left as garbage, then take every object alive now out of the cyclic collector's
    full collections (``gc.freeze``): they live as long as the process, so walking them finds nothing.

    Called once a model has loaded; a full collection then takes ~2 ms instead of ~110 ms. Objects frozen here
    are still freed when their last reference goes; only a reference cycle among them would be kept.
    Called on another thread than the one that owns collections, it is left to that thread's next
    :func:`collect_due`.
    """
    global _settle_wanted
    with _LOCK:
        if _owner is not None and _owner != threading.get_ident():
            _settle_wanted = True
            return
    gc.collect()
    gc.freeze()


def _take_over() -> None:
    """Called under the lock before a pause or an owner holds the collector."""
    global _resume
    if _pauses == 0 and _owner is None:
        _resume = gc.isenabled()
        gc.disable()


def _hand_back() -> None:
    """Called under the lock after a pause or an owner let go of the collector."""
    if _pauses == 0 and _owner is None and _resume:
        gc.enable()


def collect_only_on_this_thread() -> None:
    """Turn automatic collection off; from now on this thread collects, by calling :func:`collect_due`."""
    global _owner
    with _LOCK:
        _take_over()
        _owner = threading.get_ident()


def stop_collecting_on_this_thread() -> None:
    """Give collection back to the interpreter (as it was before); nothing if this thread does not own it.

    What is garbage now waits for the interpreter's next collection (a full one here cost ~0.5 s in a large
    process, once per GUI test)."""
    global _owner, _settle_wanted
    with _LOCK:
        if _owner != threading.get_ident():
            return
        _owner = None
        _settle_wanted = False
        _hand_back()


def collect_due() -> None:
    """On the owner thread: collect the generations whose thresholds were passed, as the interpreter would have.

    Skipped while a pause holds the collector, and on any other thread.
    """
    global _settle_wanted
    with _LOCK:
        if _owner != threading.get_ident() or _pauses:
            return
        settle, _settle_wanted = _settle_wanted, False
    if settle:
        gc.collect()
        gc.freeze()
        return
    young, middle, old = gc.get_count()
    limit_young, limit_middle, limit_old = gc.get_threshold()
    if young > limit_young:
        gc.collect(2 if old > limit_old else 1 if middle > limit_middle else 0)


@contextlib.contextmanager
def collections_paused() -> Iterator[None]:
    """No collection (automatic or by the owner thread) while the body runs.

    A snapshot or segment being applied becomes hundreds of thousands of small dicts that all stay alive
    until applied; every collection of the oldest generation walks all of them again, which cost about a
    fifth of a join's CPU. Those objects form no reference cycles (reference counting frees them), so
    pausing loses nothing. Pauses are counted across threads: the last one to end resumes the collector (if
    it ran before the first began), so one thread's end never resumes it under another thread that is still
    applying; a pause already in place (nested, the caller's own ``gc.disable()``) is left as it is.
    """
    global _pauses
    with _LOCK:
        _take_over()
        _pauses += 1
    try:
        yield
    finally:
        with _LOCK:
            _pauses -= 1
            _hand_back()
