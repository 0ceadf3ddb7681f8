"""Per-thread CPU of the test process, from Linux's /proc: for tests that a call leaves no other thread working."""

import os
import threading
from pathlib import Path

#: Whether this system reports per-thread CPU.
PER_THREAD_CPU = Path("/proc/self/task").is_dir()


def other_threads_cpu_ticks() -> int:
    """CPU ticks (user and system) of this process's threads other than the calling one."""
    total = 0
    me = str(threading.get_native_id())
    for tid in os.listdir("/proc/self/task"):
        if tid == me:
            continue
        try:
            stat = Path(f"/proc/self/task/{tid}/stat").read_text()
        except OSError:
            continue  # ended meanwhile
        fields = stat[stat.rindex(")") + 2:].split()
        total += int(fields[11]) + int(fields[12])
    return total


class FreedCycle:
    """A reference cycle that records the thread that freed it (only a garbage collection can)."""

    def __init__(self, freed_on: list[int]) -> None:
        self.me = self
        self.freed_on = freed_on

    def __del__(self) -> None:
        self.freed_on.append(threading.get_ident())
