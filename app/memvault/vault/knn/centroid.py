"""Each namespace's vectors summed, for a query's summed similarity to everything a namespace holds.

Hybrid search subtracts from a hit's similarity how far the query's mean similarity to the namespace stands
above where unrelated texts sit on the ranking scale (``app/memvault/ranking/similarity.py``): a model puts
unrelated texts of one language closer together than the English pairs its scale was fitted on, and the
query's mean similarity to the whole namespace is that background, measured on the vault itself. The mean of
the dot products is the dot product with the mean, so one sum per namespace answers it for any query.

The sums are of the vectors as the index holds them (half precision), in float64: every half-precision value
is a multiple of 2^-24 below 1 in magnitude, so a float64 sum of up to 2^29 of them is exact whatever the
order they arrived and left in. Two vaults holding the same vectors hold the same sums, and a vector that
leaves takes exactly what it brought.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np


class VectorSums:
    """Per namespace: the float64 sum of its vectors and how many there are."""

    def __init__(self) -> None:
        self._sums: dict[str, np.ndarray] = {}
        self._counts: dict[str, int] = {}

    def add(self, namespace: str, rows: np.ndarray) -> None:
        """Count ``rows`` (half precision, one vector a row) in ``namespace``."""
        self._move(namespace, rows, 1)

    def subtract(self, namespace: str, rows: np.ndarray) -> None:
        """Take ``rows`` (as :meth:`add` was given them) out of ``namespace``."""
        self._move(namespace, rows, -1)

    def _move(self, namespace: str, rows: np.ndarray, sign: int) -> None:
        if len(rows) == 0:
            return
        # Widened as numpy reduces (in buffers): a restored namespace of 100k vectors widened at once took 300 MB.
        total = np.asarray(rows, dtype=np.float16).sum(axis=0, dtype=np.float64)
        held = self._sums.get(namespace)
        self._sums[namespace] = sign * total if held is None else held + sign * total
        count = self._counts.get(namespace, 0) + sign * len(rows)
        if count <= 0:
            self._sums.pop(namespace, None)
            self._counts.pop(namespace, None)
        else:
            self._counts[namespace] = count

    def similarity_sum(self, namespaces: Iterable[str], query: np.ndarray) -> tuple[float, int]:
        """``(the sum of the cosine similarities of ``query`` (unit length) to every vector of ``namespaces``,
        how many vectors)``."""
        names = [ns for ns in namespaces if ns in self._counts]
        count = sum(self._counts[ns] for ns in names)
        if not count:
            return 0.0, 0
        total = sum(self._sums[ns] for ns in names)
        return float(np.asarray(query, dtype=np.float64) @ total), count
