"""How many requests compute at once, and in which order the others wait.

FastAPI runs every blocking route on anyio's worker threads, 40 at a time by
default. On a small machine that lets 16 agents' searches all run together:
they take turns at Python's interpreter lock and the two database readers, each
finishes late, and the slowest wait longest of all. The port admits as many
requests to compute as the machine has cores, plus one that waits on I/O, and
queues the rest first come, first served (anyio's limiter wakes its waiters in
order), which cuts the tail (``memvault bench``'s 16-client row; figures in
``docs/benchmarks.md``).

Work that takes seconds by design (a bundle or file import, a conversation
ingested with ``wait``) runs under a limiter of its own, so that two such
requests cannot hold every turn while quick ones queue behind them.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import TypeVar

import anyio
import anyio.to_thread
import psutil
from anyio.lowlevel import RunVar

T = TypeVar("T")

#: Long requests running at once (each also holds a database writer or reader while it works).
LONG_WORK_TOKENS = 8
#: The long-work limiter of each event loop (anyio's own default limiter is kept the same way).
_long_work: RunVar[anyio.CapacityLimiter] = RunVar("memvault_long_work")


def foreground_tokens(cores: int | None = None) -> int:
    """Requests that compute at once: one per core, plus one for a request that waits on the disk."""
    if cores is None:
        cores = psutil.cpu_count(logical=False) or os.cpu_count() or 1
    return max(1, cores) + 1


def install(state) -> None:
    """Limit the running event loop's worker threads (call inside the app's lifespan); ``state.foreground`` is
    that limiter, for whoever watches the queue."""
    state.foreground = anyio.to_thread.current_default_thread_limiter()
    state.foreground.total_tokens = foreground_tokens()


def _long_work_limiter() -> anyio.CapacityLimiter:
    try:
        return _long_work.get()
    except LookupError:
        limiter = anyio.CapacityLimiter(LONG_WORK_TOKENS)
        _long_work.set(limiter)
        return limiter


async def long_work(fn: Callable[..., T], *args, **kwargs) -> T:
    """``fn(*args, **kwargs)`` on a worker thread outside the foreground's turns (see the module docstring)."""
    return await anyio.to_thread.run_sync(functools.partial(fn, *args, **kwargs), limiter=_long_work_limiter())
