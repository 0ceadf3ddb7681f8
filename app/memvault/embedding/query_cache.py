"""Query vectors remembered for repeated searches, so asking the same thing again skips inference.

Agents search on every turn and often with the same words; embedding a query
is most of a search's time. The cache is a bounded LRU keyed by the model id
and the exact query text. It lives in memory only (a query's text is memory
content's cousin: never written anywhere) and belongs to one unlocked vault's
services, which clear it when the vault locks.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

import numpy as np

#: Queries kept; each costs its vector (1.5 KB at 384 dimensions) plus its text.
DEFAULT_CAPACITY = 1024


class QueryVectorCache:
    """An embedder whose :meth:`embed_query` answers repeated queries from memory.

    Every other attribute is the wrapped embedder's.

    Args:
        embedder: what computes vectors the cache does not hold.
        capacity: most queries kept; the least recently used goes first.
    """

    def __init__(self, embedder: Any, capacity: int = DEFAULT_CAPACITY) -> None:
        self._embedder = embedder
        self._capacity = max(1, capacity)
        self._vectors: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    @property
    def model_id(self) -> str:
        return self._embedder.model_id

    @property
    def dimension(self) -> int:
        return self._embedder.dimension

    def __len__(self) -> int:
        return len(self._vectors)

    def embed_query(self, text: str) -> np.ndarray:
        """The query's vector: from the cache when the same model embedded the same text before."""
        key = (self._embedder.model_id, text)
        with self._lock:
            cached = self._vectors.get(key)
            if cached is not None:
                self._vectors.move_to_end(key)
                self.hits += 1
                return cached.copy()
            self.misses += 1
        # Outside the lock: inference takes milliseconds and other queries must not wait on it.
        vector = np.asarray(self._embedder.embed_query(text), dtype=np.float32)
        with self._lock:
            self._vectors[key] = vector.copy()
            self._vectors.move_to_end(key)
            while len(self._vectors) > self._capacity:
                self._vectors.popitem(last=False)
        return vector

    def clear(self) -> None:
        """Forget every query (the vault is locking)."""
        with self._lock:
            self._vectors.clear()

    def __getattr__(self, name: str) -> Any:
        # Only reached for attributes not defined here: the rest of the embedder's interface.
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self._embedder, name)
