"""Background threads give the CPU to the threads a user waits on.

On two cores a search shares the machine with whatever the background is
doing: an embedding batch of an ingest takes a core for a tenth of a second,
and the search's own work (its query's ONNX run, the keyword list read on a
second thread, the reads and the ranking) then waits for a share of what is
left. ``service/foreground.py`` makes the background's next step wait, but not
a step already running. The kernel can do better: on Linux each thread has a
nice value of its own, and a thread that does only background work (the
vault's loops, the embedder's background batches) raises its own to
:data:`BACKGROUND_NICE`, so that the kernel runs a search's threads first and
the background on what they leave (all of it while nobody searches: an idle
machine runs nice threads at full speed). Measured in ``docs/benchmarks.md``.

Two things follow from how Linux does it. A thread cannot take a lowered
priority back without privilege, so only threads that do nothing but
background work lower themselves. And a thread starts with its creator's
priority, so a thread that serves callers is never started from a lowered one
(see ``embedding/scheduler.py``; :func:`lowered` tells). Elsewhere (macOS,
Windows) nothing changes, and the bounded waits of ``service/foreground.py``
are all there is.
"""

from __future__ import annotations

import os
import sys
import threading

#: The nice value background threads take, the kernel's lowest: a background thread keeps ~1.5% of a core that a
#: search wants (the kernel's weight for 19 against 0's), and every core nobody else wants. Searches while an
#: ingest ran were as fast at 10 in the embedding phase, 1-2 ms slower overall (``docs/benchmarks.md``).
BACKGROUND_NICE = 19

_PER_THREAD = sys.platform.startswith("linux")


def lower_this_thread() -> bool:
    """Run the calling thread at :data:`BACKGROUND_NICE` from now on; returns whether it does.

    Only on Linux (elsewhere a priority is the whole process's, or set another way), and never above what
    the thread runs at already (a process started with ``nice -n 19`` keeps its 19)."""
    if not _PER_THREAD:
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
