"""One in-memory HNSW index per namespace (usearch, half-precision vectors, cosine distance).

Keys are chunk ids (vec0 rowids), which are unique across namespaces at any
moment. Nothing here touches SQL or disk: the owner (:mod:`.index`) decides
what goes in and where the bytes are kept. Callers serialise access with their
own lock: usearch allows concurrent searches, but not a removal during a search.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

# Load order matters: once usearch's compiled module is loaded, importing onnxruntime segfaults
# (usearch 2.26 with onnxruntime 1.31 on Linux x86-64; the other order is fine). A process that
# builds an index also embeds, so loading onnxruntime first costs nothing it would not pay anyway.
import onnxruntime  # noqa: F401
from usearch.compiled import ScalarKind
from usearch.index import Index, MetricKind
from usearch.index import search as exact_search

#: Graph degree, build-time and search beams. A wider build beam makes a graph whose walks find the true
#: neighbours with a narrower search beam, and the search is what every query pays: on one saved 1M graph of
#: generated vectors (50 queries) a build beam of 160 recalled 0.996 at a search beam of 256 in 1.73 ms,
#: where the same vectors built with 96 needed 576 for 0.994 in 2.88 ms. Inserting costs ~1.6x as much CPU
#: (5,000 vectors into an empty index: 0.66 s against 0.42; into 100k: 2.9 s against 1.7), paid once per
#: vector by the index loop.
CONNECTIVITY = 16
EXPANSION_ADD = 160
EXPANSION_SEARCH = 128
#: A namespace's first vectors go in with a narrower build beam: in a small graph a narrow walk already finds
#: each new vector's true neighbours, and the wide beam only pays off as the graph grows. On 100,000 vectors
#: generated from 20,000 real embeddings (400 queries, search beam as the app sets it, incremental adds of
#: 1,000), a graph whose first 10k (or 20k, or 50k) went in at 64 recalled exactly what the graph built at
#: 160 throughout did at 50k and 100k (0.9952 / 0.9938 strict), and 1.0 at 10k; its first 5,000 inserts took
#: 0.41 CPU-s against 0.88, the CPU a fresh vault's ingest takes from the embedder.
EXPANSION_ADD_SMALL = 64
SMALL_GRAPH = 10_000
#: Past this many vectors in one namespace the search beam grows with the index (:func:`expansion_for`):
#: a walk's recall at a fixed beam falls as the graph grows. The bench's short questions are the hard
#: queries. On 100k real bench embeddings (its 77 distinct questions, 500 draws, k=19 as the service asks),
#: the beam of 128 recalled 0.988-0.991 strict whether the graph was built in one batch, in the worker's
#: claims of 1,024 or in a rebuild's batches of 4,096; 181 (this schedule's beam there) recalled
#: 0.995-0.998, in 0.37 against 0.29 ms. At 50k and 20k, 128 recalled 1.0; documents as queries (1,000
#: held out) recalled 0.999 at any beam. On the 1M vault of ``bench --scale`` (its own graph, 200 queries,
#: against exact search over vec0) the KNN step recalled 0.985 / 0.990 / 0.993 / 0.993 at beams of
#: 256 / 320 / 384 / 448, in ~2.3 ms at 384: past it only half-precision ties are missed.
EXPANSION_GROWS_FROM = 50_000
EXPANSION_SEARCH_MAX = 384
#: Which graph recipe an index was built with, stored beside its snapshot: a graph built with another recipe
#: (before this one) is searched with the beams it needs (:data:`LEGACY_BEAMS`) until the background loop
#: has rebuilt it.
GRAPH = f"hnsw-m{CONNECTIVITY}-ea{EXPANSION_ADD}"
#: Graphs built with a build beam of 96 (snapshots stored without a recipe), and their search beams: 128,
#: doubling with each doubling past 100k, up to 576 (recall 0.994 at 1M).
LEGACY_GRAPH = f"hnsw-m{CONNECTIVITY}-ea96"
LEGACY_EXPANSION_ADD = 96
LEGACY_BEAMS = (128, 576)
LEGACY_GROWS_FROM = 100_000


def expansion_for(size: int, graph: str = GRAPH) -> int:
    """The search beam for an index of ``size`` vectors built with ``graph``: fixed up to
    :data:`EXPANSION_GROWS_FROM` vectors (a wider beam buys nothing measurable there), then growing with the
    square root of the size up to :data:`EXPANSION_SEARCH_MAX` (reached at 450k)."""
    if graph != GRAPH:
        base, cap = LEGACY_BEAMS
        return base if size <= LEGACY_GROWS_FROM else min(cap, int(base * size / LEGACY_GROWS_FROM))
    if size <= EXPANSION_GROWS_FROM:
        return EXPANSION_SEARCH
    return min(EXPANSION_SEARCH_MAX, int(EXPANSION_SEARCH * (size / EXPANSION_GROWS_FROM) ** 0.5))


def expansion_add_for(size: int, graph: str = GRAPH) -> int:
    """The build beam for vectors joining a graph of ``size`` vectors built with ``graph``."""
    if graph != GRAPH:
        return LEGACY_EXPANSION_ADD
    return EXPANSION_ADD_SMALL if size < SMALL_GRAPH else EXPANSION_ADD


def _new_index(dim: int) -> Index:
    # Beams are set per add and per restore for the graph's size (expansion_add_for, expansion_for).
    return Index(ndim=dim, metric="cos", dtype="f16", connectivity=CONNECTIVITY,
                 expansion_add=expansion_add_for(0), expansion_search=EXPANSION_SEARCH)


class NamespaceIndexes:
    """The HNSW graphs of every namespace with vectors.

    ``graph``: the recipe the graphs were built with (:data:`GRAPH` for new ones; a restored snapshot's may
    be older, and its vectors added later still join a graph of that recipe).
    """

    def __init__(self, dim: int, graph: str = GRAPH) -> None:
        self.dim = dim
        self.graph = graph
        self._by_ns: dict[str, Index] = {}

    @property
    def namespaces(self) -> tuple[str, ...]:
        return tuple(self._by_ns)

    def size(self, namespace: str | None = None) -> int:
        """Vectors held for ``namespace`` (``None``: all namespaces)."""
        if namespace is not None:
            idx = self._by_ns.get(namespace)
            return 0 if idx is None else len(idx)
        return sum(len(i) for i in self._by_ns.values())

    def add(self, namespace: str, keys: np.ndarray, vectors: np.ndarray, *, threads: int = 1) -> None:
        """Insert (or replace) vectors under ``keys``."""
        if len(keys) == 0:
            return
        self.remove(keys)
        idx = self._by_ns.get(namespace)
        if idx is None:
            idx = self._by_ns[namespace] = _new_index(self.dim)
        idx.expansion_add = expansion_add_for(len(idx), self.graph)
        idx.add(np.asarray(keys, dtype=np.uint64), np.asarray(vectors, dtype=np.float32), threads=threads)
        idx.expansion_search = expansion_for(len(idx), self.graph)

    def remove(self, keys: Iterable[int]) -> None:
        """Drop ``keys`` from whichever namespace holds them (absent keys are ignored)."""
        keys = np.asarray(list(keys) if not isinstance(keys, np.ndarray) else keys, dtype=np.uint64)
        if len(keys) == 0:
            return
        for idx in self._by_ns.values():
            present = keys[np.asarray(idx.contains(keys), dtype=bool).reshape(-1)]
            if len(present):
                idx.remove(present)

    def keys(self, namespace: str) -> np.ndarray:
        idx = self._by_ns.get(namespace)
        return np.zeros(0, dtype=np.uint64) if idx is None else np.asarray(idx.keys, dtype=np.uint64)

    def search(self, namespace: str | None, query: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
        """The ``count`` nearest keys of ``namespace`` (``None``: all) as ``(keys, cosine distances)``, nearest first."""
        indexes = list(self._by_ns.values()) if namespace is None else [self._by_ns[namespace]] \
            if namespace in self._by_ns else []
        found_keys, found_dist = [], []
        q = np.asarray(query, dtype=np.float32)
        for idx in indexes:
            if len(idx) == 0:
                continue
            m = idx.search(q, min(count, len(idx)))
            found_keys.append(np.asarray(m.keys, dtype=np.int64))
            found_dist.append(np.asarray(m.distances, dtype=np.float32))
        if not found_keys:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        keys, dist = np.concatenate(found_keys), np.concatenate(found_dist)
        order = np.argsort(dist, kind="stable")[:count]
        return keys[order], dist[order]

    def exact(self, namespace: str | None, query: np.ndarray, keys: np.ndarray, count: int
              ) -> tuple[np.ndarray, np.ndarray]:
        """Brute force over ``keys`` only (the eligible set of a selective filter), nearest first."""
        if len(keys) == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        keys = np.asarray(keys, dtype=np.uint64)
        sources = [self._by_ns[namespace]] if namespace in self._by_ns else [] if namespace is not None \
            else list(self._by_ns.values())
        kept_keys, kept_rows = [], []
        for idx in sources:
            present = keys if len(sources) == 1 else keys[np.asarray(idx.contains(keys), dtype=bool).reshape(-1)]
            # One array per key (a key removed meanwhile gives None), read as stored, from the compiled index:
            # the public `get` wraps each in a view (1000 keys: 0.53 ms against 0.26), and widening each to
            # float32 on the way out cost twice the whole gather.
            rows = idx._compiled.get_many(present, ScalarKind.F16)
            if any(v is None for v in rows):
                kept = [i for i, v in enumerate(rows) if v is not None]
                present, rows = present[kept], [rows[i] for i in kept]
            if len(present):
                kept_keys.append(present.astype(np.int64))
                kept_rows.extend(rows)
        if not kept_keys:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        # The rows' bytes joined into one matrix: np.vstack over a thousand small arrays cost 0.28 ms, this 0.04.
        found = np.concatenate(kept_keys)
        matrix = np.frombuffer(b"".join(kept_rows), dtype=np.float16).reshape(len(found), self.dim)
        # usearch's compiled brute force over the half-precision rows (the query rounded to half precision
        # as in the graph search), on this thread: numpy has no fast half-precision arithmetic.
        m = exact_search(matrix, np.asarray(query, dtype=np.float32).reshape(1, -1), min(count, len(found)),
                         MetricKind.Cos, exact=True, threads=1)
        return found[np.asarray(m.keys, dtype=np.int64)], np.asarray(m.distances, dtype=np.float32)

    def serialized_bytes(self) -> int:
        """What :meth:`serialize` would produce, in bytes (without producing it)."""
        return sum(idx.serialized_length for idx in self._by_ns.values() if len(idx))

    def serialize(self) -> dict[str, bytearray]:
        """Each namespace's index as bytes (to be stored encrypted, never as a file)."""
        return {ns: idx.save() for ns, idx in self._by_ns.items() if len(idx)}

    @classmethod
    def restore(cls, dim: int, blobs: dict[str, bytearray], graph: str = GRAPH) -> NamespaceIndexes:
        """Indexes from :meth:`serialize`'s bytes (copied: the caller may free them), built with ``graph``.

        Bytes holding no graph (a new vault's empty snapshot) have no recipe to be out of date with: the
        indexes are then of this release's recipe.
        """
        out = cls(dim, graph if blobs else GRAPH)
        for ns, blob in blobs.items():
            idx = Index.restore(blob, view=False)
            if idx is None or idx.ndim != dim:
                raise ValueError(f"the stored index of a namespace is unreadable or has {getattr(idx, 'ndim', '?')} "
                                 f"dimensions, not {dim}")
            # Neither beam is in the bytes: a restored graph would otherwise take later vectors with usearch's
            # default build beam, not the one its recipe names.
            idx.expansion_add = expansion_add_for(len(idx), out.graph)
            idx.expansion_search = expansion_for(len(idx), out.graph)
            out._by_ns[ns] = idx
        return out
