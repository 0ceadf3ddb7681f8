"""The embedder's background batches give the cores to the threads a user waits on.

On two cores a search shares the machine with whatever the background is
doing. An ingest's embedding batch takes a core for a tenth of a second, and
the search's own work (its query's ONNX run, the keyword list read on a second
thread, the reads and the ranking) then waited for a share of what was left:
``service/foreground.py`` makes the next background step wait for a search,
but not a step already running. The kernel can do that part: on Linux each
thread has a nice value of its own, and the threads that run the embedder's
background batches raise theirs to :data:`BACKGROUND_NICE`
(``embedding/scheduler.py``), so the kernel runs a search's threads first and
those batches on what is left (all of it while nobody searches: an idle
machine runs nice threads at full speed).

Only those threads, which hold no lock of Memvault's and spend their time in
ONNX Runtime with the interpreter lock released. Lowering the loops'
threads as well (entity and fact extraction, the index's upkeep) measured no
better and risks the inversion a low-priority thread brings: holding the
vault's write lock, or the interpreter lock inside a parse, while
normal-priority threads keep the cores. A thread cannot take a lowered
priority back without privilege and the threads it starts inherit it, so a
lowered thread starts none. Elsewhere (macOS, Windows) nothing changes, and the
bounded waits of ``service/foreground.py`` are all there is. Measured in
``docs/benchmarks.md``, "Stop 91".
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
