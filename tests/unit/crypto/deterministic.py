"""Reproducible "randomness" for fixed test vectors (never used outside tests).

``fixed_rng(seed)`` returns a function like ``os.urandom`` whose k-th call
yields SHAKE-256(seed || u32 k) truncated to the requested length.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable


def fixed_rng(seed: bytes) -> Callable[[int], bytes]:
    counter = itertools.count()

    def rng(n: int) -> bytes:
        return hashlib.shake_256(seed + next(counter).to_bytes(4, "big")).digest(n)

    return rng
