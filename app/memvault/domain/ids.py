"""Time-ordered UUIDv7 ids, so that ids sort by creation across devices."""

from __future__ import annotations

import os
import threading
import time
import uuid

_lock = threading.Lock()
_last_ms = 0
_counter = 0
#: Random bytes from the OS, drawn a page at a time: one ``getrandom`` call per id was ~5% of storing a
#: batch's rows on a VM, where each system call costs microseconds.
_POOL_BYTES = 4096
_pool = b""
_pool_at = 0


def _random_bytes(n: int) -> bytes:
    """``n`` bytes from the OS's random source (caller holds ``_lock``)."""
    global _pool, _pool_at
    if _pool_at + n > len(_pool):
        _pool, _pool_at = os.urandom(_POOL_BYTES), 0
    _pool_at += n
    return _pool[_pool_at - n:_pool_at]


def _forget_pool() -> None:
    # A forked child would otherwise draw the same bytes as its parent: the same ids in the same millisecond.
    global _pool, _pool_at
    _pool, _pool_at = b"", 0


os.register_at_fork(after_in_child=_forget_pool)


def uuid7() -> str:
    """Return a new RFC 9562 UUIDv7 as a string.

    Within one millisecond a 12-bit counter in ``rand_a`` keeps ids from one
    process strictly increasing.
    """
    global _last_ms, _counter
    with _lock:
        ms = time.time_ns() // 1_000_000
        if ms <= _last_ms:
            ms = _last_ms
            _counter += 1
            if _counter > 0xFFF:
                ms += 1
                _counter = 0
        else:
            _counter = int.from_bytes(_random_bytes(2), "big") & 0x3FF
        _last_ms = ms
        counter = _counter
        rand_b = int.from_bytes(_random_bytes(8), "big") & ((1 << 62) - 1)
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= counter << 64
    value |= 0b10 << 62
    value |= rand_b
    return str(uuid.UUID(int=value))
