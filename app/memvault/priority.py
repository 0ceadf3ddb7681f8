"""Background threads give the cores to the threads a user waits on.

On two cores a search shares the machine with whatever the background is
doing: an ingest's embedding batch takes a core for a tenth of a second, the
embedding loop tokenizes the next claim and writes vectors, the index's loop
adds them, and the search's own work (its query's ONNX run, the keyword list
read on a second thread, the reads and the ranking) waited for a share of what
was left. ``service/foreground.py`` makes a background step wait for a search,
but not a step already running. The kernel can do that part: on Linux each
thread has a nice value of its own, and every background loop's thread and the
embedder's background batch threads raise theirs to :data:`BACKGROUND_NICE`,
so the kernel runs a search's threads first and the background on what is left
(all of it while nobody searches: an idle machine runs nice threads at full
speed). Lowering the batch threads alone measured no better than lowering
nothing; the loops' threads are where it counts (``docs/benchmarks.md``,
"Stop 91").

Lowering is off unless asked for (``MEMVAULT_LOWER_BACKGROUND``, :func:`lower_background`). A lowered thread
still takes Python's interpreter lock, and the kernel does not know that the threads a user waits on wait for
it: when other programs keep the cores busy, a nice-19 thread holding the lock gets ~1% of a core and the whole
process waits for it (four busy processes on two cores: search requests over a second, a server that did not
stop in 20 s after SIGTERM; at the process's own priority p99 135-184 ms, ``docs/benchmarks.md``, "Stop 93").
On a machine nothing else loads it buys searches a few milliseconds while an ingest is processed.

A thread cannot take a lowered priority back without privilege, and the
threads it starts inherit it. So only threads that do nothing but background
work lower themselves, and a thread that serves callers is never started from
one: the embedder's callers' threads are started by callers, and the tokenizer
library's pool when an embedder is made (``embedding/tokenizer_threads.py``;
:func:`lowered` tells). Elsewhere (macOS, Windows) nothing changes, and the
bounded waits of ``service/foreground.py`` are all there is.
"""

from __future__ import annotations

import os
import sys
import threading

#: The nice value the background threads take, the kernel's lowest: such a thread keeps ~1.5% of a core that a
#: search wants (the kernel's weight for 19 against 0's), and every core nobody else wants. At 10, searches while
#: an ingest ran were 1-2 ms slower (``docs/benchmarks.md``).
BACKGROUND_NICE = 19

_PER_THREAD = sys.platform.startswith("linux")
#: Whether background threads lower themselves at all (:func:`lower_background`).
_LOWER = False


def lower_background() -> None:
    """From now on, background threads of this process lower themselves (``MEMVAULT_LOWER_BACKGROUND``)."""
    global _LOWER
    _LOWER = True


def lower_this_thread() -> bool:
    """Run the calling thread at :data:`BACKGROUND_NICE` from now on; returns whether it does.

    Only on Linux (elsewhere a priority is the whole process's, or set another way), and never above what
    the thread runs at already (a process started with ``nice -n 19`` keeps its 19)."""
    if not (_PER_THREAD and _LOWER):
        return False
    tid = threading.get_native_id()
    try:
        if os.getpriority(os.PRIO_PROCESS, tid) < BACKGROUND_NICE:
            os.setpriority(os.PRIO_PROCESS, tid, BACKGROUND_NICE)
        return True
    except OSError:
        return False  # a sandbox that forbids it: the thread runs as it did


def lowered() -> bool:
    """Whether the calling thread runs below the process's own priority (it lowered itself, or was started by a
    thread that had): the threads it starts would too."""
    if not _PER_THREAD:
        return False
    try:
        # On Linux the process id names its first thread: the priority the process was started with.
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) > os.getpriority(os.PRIO_PROCESS,
                                                                                            os.getpid())
    except OSError:
        return False
