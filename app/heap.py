"""Handing memory the C heap has freed back to the operating system.

glibc keeps freed blocks in its arenas for reuse; after a one-off burst of
large allocations (building the embedding graph, restoring the vector index
from its stored bytes) that is tens of MB the process holds but never uses.
"""

from __future__ import annotations

import ctypes
import sys


def return_freed_memory() -> None:
    """Give memory the C heap has freed back to the OS (glibc keeps it otherwise)."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL("libc.so.6").malloc_trim(0)
        except (OSError, AttributeError):  # not glibc (musl has no malloc_trim)
            pass
