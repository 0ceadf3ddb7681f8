"""The process's heaps after a one-off burst of allocations: C memory handed back, Python objects settled.

glibc keeps freed blocks in its arenas for reuse; after a one-off burst of
large allocations (building the embedding graph, restoring the vector index
from its stored bytes) that is tens of MB the process holds but never uses.

Loading the models leaves ~140,000 long-lived Python objects (spaCy's
pipeline most of them) that Python's cyclic collector would walk at every
full collection, holding the interpreter lock for ~110 ms each time: during a
5,000-memory ingest two such pauses stopped the embedder's threads from
starting their next batch (and would stall a search or the GUI as long).
"""

from __future__ import annotations

import ctypes
import gc
import sys


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
    """
    gc.collect()
    gc.freeze()
