"""Whether vectors that arrive from elsewhere (a bundle, another device) could have come from an embedding model.

Stored vectors are unit length and searched by cosine. A crafted vector of NaN or infinite values came out
of every comparison as the closest memory: one memory imported that way ranked first, at relevance 0.95,
for every query in its namespace. Every bundled model normalises what it embeds, so a vector whose length
is far from 1 did not come from one either.
"""

from __future__ import annotations

import numpy as np

#: How far from unit length a vector may be: float16 storage and a float32 round trip stay within 1e-3.
LENGTH_TOLERANCE = 0.05


def finite(data: bytes) -> bool:
    """Whether every float32 value of ``data`` is a number (not NaN, not infinite)."""
    return len(data) % 4 == 0 and bool(np.isfinite(np.frombuffer(data, dtype="<f4")).all())


def sound_rows(rows: np.ndarray) -> np.ndarray:
    """Per row of ``rows`` (any float type): whether it is finite and of unit length."""
    wide = rows.astype(np.float64)
    finite = np.isfinite(wide).all(axis=1)
    lengths = np.linalg.norm(np.where(np.isfinite(wide), wide, 0.0), axis=1)
    return finite & (np.abs(lengths - 1.0) <= LENGTH_TOLERANCE)


def sound(data: bytes, dimension: int) -> bool:
    """Whether ``data`` (rows of ``dimension`` little-endian float32 values) holds finite, unit-length vectors."""
    if dimension < 1 or len(data) % (4 * dimension):
        return False
    return bool(sound_rows(np.frombuffer(data, dtype="<f4").reshape(-1, dimension)).all())
