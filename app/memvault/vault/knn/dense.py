"""Small graphs' vectors kept as one half-precision matrix, for exact search.

Every search of a namespace up to the planner's selective cap is exact over its eligible chunks, and a
filtered search of a large one is exact over at most that many. Gathering those rows from the graph one key
at a time (usearch's ``get_many`` makes an array per key, then they are joined) took ~1.3 ms of the
interpreter lock for 4,000 keys, twice a hybrid search: more than the brute force itself. A graph small
enough keeps its rows here in one matrix, sorted by key, so that any subset is one ``searchsorted`` and a
gather. The copy lives in memory only (the encrypted database holds the one stored copy), is made on the
first exact search after the graph changes, and is dropped at every change; the budget bounds what all
namespaces' copies hold together, the least recently searched going first.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np

# Before usearch, as in ann.py: once usearch's compiled module is loaded, importing onnxruntime segfaults.
import onnxruntime  # noqa: F401
from usearch.index import Index, ScalarKind

#: A graph with more vectors than this is gathered per search (a copy would be large, and its exact
#: searches cover a small share of it).
MAX_ROWS = 16_384
#: What the copies of every namespace hold together (half precision: 384 dimensions at 768 bytes a row,
#: ~87,000 rows).
BUDGET_BYTES = 64 * 1024 * 1024


def pick_rows(keys: np.ndarray, rows: np.ndarray, wanted: np.ndarray, sorter: np.ndarray | None = None
              ) -> tuple[np.ndarray, np.ndarray]:
    """``(the keys of ``wanted`` found in ``keys``, in ``wanted``'s order, as int64; their ``rows``)``, where row
    ``i`` belongs to ``keys[i]``; ``sorter`` orders ``keys`` when they are not sorted (as ``np.searchsorted``)."""
    wanted = np.asarray(wanted, dtype=keys.dtype)
    at = np.searchsorted(keys, wanted, sorter=sorter)
    inside = at < len(keys)
    at = at[inside] if sorter is None else sorter[at[inside]]
    found = keys[at] == wanted[inside]
    inside[inside] = found
    return wanted[inside].astype(np.int64), rows[at[found]]


def held_rows(idx: Index, keys: np.ndarray, dim: int) -> np.ndarray:
    """The half-precision rows ``idx`` holds for ``keys`` (each one present), in their order: the compiled call,
    one bytes object a key, without the public ``get``'s views."""
    if not len(keys):
        return np.zeros((0, dim), dtype=np.float16)
    return np.frombuffer(b"".join(idx._compiled.get_many(keys, ScalarKind.F16)), dtype=np.float16).reshape(-1, dim)


class DenseRows:
    """Per namespace: ``(keys sorted, rows in that order)`` of its graph, made on demand, dropped on change.

    Not locked: its owner (:class:`~memvault.vault.knn.ann.NamespaceIndexes`) is used under one lock.
    """

    def __init__(self, budget_bytes: int = BUDGET_BYTES, max_rows: int = MAX_ROWS) -> None:
        self._budget = budget_bytes
        self._max_rows = max_rows
        self._by_ns: OrderedDict[str, tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._bytes = 0

    @property
    def held_bytes(self) -> int:
        return self._bytes

    def forget(self, namespace: str) -> None:
        """Drop ``namespace``'s copy (its graph changed)."""
        dropped = self._by_ns.pop(namespace, None)
        if dropped is not None:
            self._bytes -= dropped[1].nbytes

    def gather(self, namespace: str, idx: Index, dim: int, keys: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray] | None:
        """``(keys of ``keys`` that the graph holds, in ``keys``' order, as int64; their rows)``, or ``None``
        when the graph is too large to keep a copy of (the caller gathers from it)."""
        held = self._held(namespace, idx, dim)
        if held is None:
            return None
        sorted_keys, matrix = held
        wanted = np.asarray(keys, dtype=np.uint64)
        if len(wanted) == len(sorted_keys) and np.array_equal(wanted, sorted_keys):
            return sorted_keys.astype(np.int64), matrix  # the whole graph, in key order: no gather at all
        return pick_rows(sorted_keys, matrix, wanted)

    def _held(self, namespace: str, idx: Index, dim: int) -> tuple[np.ndarray, np.ndarray] | None:
        found = self._by_ns.get(namespace)
        if found is not None:
            self._by_ns.move_to_end(namespace)
            return found
        if len(idx) > self._max_rows or len(idx) * dim * 2 > self._budget:
            return None
        sorted_keys = np.sort(np.asarray(idx.keys, dtype=np.uint64))
        matrix = held_rows(idx, sorted_keys, dim)
        self._by_ns[namespace] = (sorted_keys, matrix)
        self._bytes += matrix.nbytes
        while self._bytes > self._budget and len(self._by_ns) > 1:
            _, (_, evicted) = self._by_ns.popitem(last=False)
            self._bytes -= evicted.nbytes
        return sorted_keys, matrix
