"""One in-memory HNSW index per namespace (usearch, half-precision vectors, cosine distance).

Keys are chunk ids, which are unique across namespaces at any
moment. Nothing here touches SQL or disk: the owner (:mod:`.index`) decides
what goes in and where the bytes are kept. Callers serialise access with their
own lock: usearch allows concurrent searches, but not a removal during a search.
Vectors may also wait beside a namespace's graph (``fresh``), found by brute
force until :meth:`NamespaceIndexes.settle` moves them in.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable

import numpy as np

# Load order matters: once usearch's compiled module is loaded, importing onnxruntime segfaults
# (usearch 2.26 with onnxruntime 1.31 on Linux x86-64; the other order is fine). A process that
# builds an index also embeds, so loading onnxruntime first costs nothing it would not pay anyway.
import onnxruntime  # noqa: F401
from usearch.compiled import ScalarKind
from usearch.index import Index, MetricKind
from usearch.index import search as exact_search

from memvault.vault.knn import layout
from memvault.vault.knn.centroid import VectorSums
from memvault.vault.knn.dense import DenseRows, held_rows, pick_rows

#: Graph degree, build-time and search beams. A wider build beam makes a graph whose walks find the true
#: neighbours with a narrower search beam, and the search is what every query pays: on one saved 1M graph of
#: generated vectors (50 queries) a build beam of 160 recalled 0.996 at a search beam of 256 in 1.73 ms,
#: where the same vectors built with 96 needed 576 for 0.994 in 2.88 ms. Inserting costs ~1.6x as much CPU
#: (5,000 vectors into an empty index: 0.66 s against 0.42; into 100k: 2.9 s against 1.7), paid once per
#: vector by the index loop.
#:
#: A degree of 24 did not pay: on one set of 1M generated vectors (the bench's 77 questions, fetching 45) it
#: recalled 0.996 strict at a beam of 352 in 2.56 ms where 16 recalled 0.986 at 384 in 2.50 ms, but on a
#: second set 16 recalled as much at 352 (0.984 against 0.983 strict) in 1.96 ms against 2.71, and at 100k
#: it cost more time at the same beam (2% on real embeddings, 7-12% on generated ones).
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
#: against exact search over the stored vectors) the KNN step recalled 0.985 / 0.990 / 0.993 / 0.993 at beams of
#: 256 / 320 / 384 / 448, in ~2.3 ms at 384: past it only half-precision ties are missed.
EXPANSION_GROWS_FROM = 50_000
EXPANSION_SEARCH_MAX = 384
#: A query whose nearest found vector is farther than this (cosine distance) is searched again with a wider
#: beam (:func:`far_beam`). Far from everything, a query's neighbours lie at near-equal distances and a walk
#: stops among the wrong ones: on 1M vectors generated from 100k real bench embeddings (beam 384, fetching 45),
#: 300 memory texts as queries recalled 1.0 and the 77 bench questions 0.987 strict, while 178 out-of-domain
#: queries (SciFact claims, small talk) recalled 0.919; on the 100k real embeddings themselves (beam 181)
#: 1.0 / 0.997 / 0.889, and at 50k (beam 128) 0.906 for the out-of-domain ones. Over the 607 queries of all
#: four sets the misses lie past this distance (the nearest found below 0.60 cosine similarity): at 1M, 1 of the
#: 4,070 results of the queries nearer than it was missed. About 1 bench question in 6 is that far.
FAR_QUERY = 0.40
#: The far query's second beam: three times its first, and at least :data:`FAR_BEAM_MIN`. Measured as above:
#: at 1M (1,152) the bench questions recalled 0.996 strict with their p50 1.87 -> 1.98 ms (mean 2.70), the
#: out-of-domain ones 0.984 in ~9.5 ms; at 100k (768) the out-of-domain ones 0.985 in ~1.9 ms, at 50k 0.997.
FAR_BEAM_FACTOR = 3
FAR_BEAM_MIN = 768
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


#: Vectors a namespace holds outside its graph before the graph must take them in (:meth:`NamespaceIndexes.add`
#: with ``fresh``). Until then they are found by brute force, ~0.03 us each (0.25 ms a query at the cap on a
#: 2-core Xeon), where a graph insert costs ~60 us of CPU at 5k vectors and ~300 us at 100k: inserting a burst
#: while it is being embedded took that CPU from the embedder (5,000 memories into a 100k vault: 1.6 CPU-s beside
#: the embedder's ~18), so the index's owner settles them when the embedding queue is idle, or at this many.
FRESH_MAX = 8192


class _Fresh:
    """One namespace's vectors not in its graph yet, in arrival order.

    Held rounded to half precision, as the graph holds them, so that a vector's distance to a query is the
    same before and after it moves into the graph.
    """

    def __init__(self) -> None:
        self.rows: dict[int, np.ndarray] = {}
        self._stacked: tuple[np.ndarray, np.ndarray] | None = None

    def __len__(self) -> int:
        return len(self.rows)

    def add(self, keys: np.ndarray, vectors: np.ndarray) -> None:
        self.rows.update(zip(np.asarray(keys, dtype=np.int64).tolist(), np.asarray(vectors, dtype=np.float16)))
        self._stacked = None

    def discard(self, keys: list[int]) -> list[np.ndarray]:
        """Drop ``keys`` (absent ones are ignored); the rows dropped."""
        dropped = [row for row in (self.rows.pop(key, None) for key in keys) if row is not None]
        if dropped:
            self._stacked = None
        return dropped

    def take(self, count: int) -> tuple[np.ndarray, np.ndarray]:
        """The ``count`` oldest, as ``(keys, vectors)``, no longer held here."""
        keys = list(itertools.islice(self.rows, count))
        vectors = np.vstack([self.rows.pop(k) for k in keys]).astype(np.float32)
        self._stacked = None
        return np.asarray(keys, dtype=np.int64), vectors

    def stacked(self) -> tuple[np.ndarray, np.ndarray]:
        """``(keys, half-precision rows)`` in arrival order, kept until the rows change."""
        if self._stacked is None:
            keys = np.fromiter(self.rows, dtype=np.int64, count=len(self.rows))
            self._stacked = keys, np.vstack(list(self.rows.values())) if self.rows else \
                np.zeros((0, 0), dtype=np.float16)
        return self._stacked

    def search(self, query: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
        """The ``count`` nearest by cosine distance (``query`` rounded to half precision, as the graph rounds it)."""
        keys, matrix = self.stacked()
        # usearch's half-precision brute force on this thread (8,192 rows: 0.9 ms of CPU on the bench's EPYC), not a
        # numpy float32 product: that ran on OpenBLAS's threads, which spun for ~0.1 s after each search and took
        # the embedder's core during the very bursts that fill this buffer.
        rows, distances = nearest_rows(matrix, query, count)
        return keys[rows], distances


def far_beam(beam: int) -> int:
    """The wider beam a far query (:data:`FAR_QUERY`) searches a graph with again, after its search at ``beam``."""
    return max(FAR_BEAM_MIN, beam * FAR_BEAM_FACTOR)


def _graph_search(idx: Index, query: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
    """``count`` nearest of one graph, searched again with a wider beam when even the nearest found is far.

    The beam lives on the index, not the call: the caller's lock (which serialises searches) keeps another
    search from seeing the wider one.
    """
    def found() -> tuple[np.ndarray, np.ndarray]:
        m = idx.search(query, count)
        return np.asarray(m.keys, dtype=np.int64), np.asarray(m.distances, dtype=np.float32)

    keys, dist = found()
    if len(dist) == 0 or dist[0] <= FAR_QUERY:
        return keys, dist
    beam = idx.expansion_search
    idx.expansion_search = far_beam(beam)
    try:
        return found()
    finally:
        idx.expansion_search = beam


def nearest_rows(matrix: np.ndarray, query: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``count`` rows of a half-precision ``matrix`` nearest ``query`` by cosine distance, as ``(row
    positions, distances)``, nearest first.

    usearch's compiled brute force over the rows as stored (the query rounded to half precision, as the graph
    search rounds it), on the calling thread: numpy has no fast half-precision arithmetic (widening 100k rows
    to float32 and normalising them took 0.65 of a 1.7 s exact search, this 0.012 s), and its float32
    product ran on OpenBLAS's thread, which then spun for a tenth of a second after each search.
    """
    count = min(count, len(matrix))
    if count <= 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    m = exact_search(matrix, np.asarray(query, dtype=np.float32).reshape(1, -1), count, MetricKind.Cos,
                     exact=True, threads=1)
    return np.asarray(m.keys, dtype=np.int64), np.asarray(m.distances, dtype=np.float32)


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
        self._fresh: dict[str, _Fresh] = {}
        self._dense = DenseRows()
        self._sums = VectorSums()

    @property
    def namespaces(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys([*self._by_ns, *self._fresh]))

    def size(self, namespace: str | None = None) -> int:
        """Vectors held for ``namespace`` (``None``: all namespaces), in its graph or not yet."""
        if namespace is not None:
            idx, fresh = self._by_ns.get(namespace), self._fresh.get(namespace)
            return (0 if idx is None else len(idx)) + (0 if fresh is None else len(fresh))
        return sum(len(i) for i in self._by_ns.values()) + self.pending

    @property
    def pending(self) -> int:
        """Vectors not in a graph yet (:meth:`settle` moves them)."""
        return sum(len(f) for f in self._fresh.values())

    def add(self, namespace: str, keys: np.ndarray, vectors: np.ndarray, *, threads: int = 1,
            fresh: bool = False) -> None:
        """Insert (or replace) vectors under ``keys``: into the graph, or with ``fresh`` beside it until
        :meth:`settle` (searched by brute force meanwhile; see :data:`FRESH_MAX`)."""
        if len(keys) == 0:
            return
        self.remove(keys)
        if fresh:
            self._fresh.setdefault(namespace, _Fresh()).add(keys, vectors)
            self._sums.add(namespace, vectors)
            return
        self._graph_add(namespace, keys, vectors, threads)

    def settle(self, limit: int | None = None, *, threads: int = 1) -> int:
        """Move up to ``limit`` vectors added ``fresh`` (oldest first; ``None``: all) into their graphs;
        returns how many moved."""
        moved = 0
        for namespace, fresh in list(self._fresh.items()):
            count = len(fresh) if limit is None else min(len(fresh), limit - moved)
            if count:
                keys, vectors = fresh.take(count)
                self._sums.subtract(namespace, vectors)
                self._graph_add(namespace, keys, vectors, threads)
                moved += count
            if not fresh:
                del self._fresh[namespace]
        return moved

    def _graph_add(self, namespace: str, keys: np.ndarray, vectors: np.ndarray, threads: int) -> None:
        idx = self._by_ns.get(namespace)
        if idx is None:
            idx = self._by_ns[namespace] = _new_index(self.dim)
        self._dense.forget(namespace)
        idx.expansion_add = expansion_add_for(len(idx), self.graph)
        keys = np.asarray(keys, dtype=np.uint64)
        idx.add(keys, np.asarray(vectors, dtype=np.float32), threads=threads)
        idx.expansion_search = expansion_for(len(idx), self.graph)
        # As the graph holds them: its rounding to half precision is the one that counts.
        self._sums.add(namespace, held_rows(idx, keys, self.dim))

    def remove(self, keys: Iterable[int]) -> None:
        """Drop ``keys`` from whichever namespace holds them (absent keys are ignored)."""
        keys = np.asarray(list(keys) if not isinstance(keys, np.ndarray) else keys, dtype=np.uint64)
        if len(keys) == 0:
            return
        for ns, idx in self._by_ns.items():
            present = keys[np.asarray(idx.contains(keys), dtype=bool).reshape(-1)]
            if len(present):
                self._sums.subtract(ns, held_rows(idx, present, self.dim))
                idx.remove(present)
                self._dense.forget(ns)
        if self._fresh:
            as_ints = keys.astype(np.int64).tolist()
            for ns, fresh in self._fresh.items():
                dropped = fresh.discard(as_ints)
                if dropped:
                    self._sums.subtract(ns, np.vstack(dropped))

    def keys(self, namespace: str) -> np.ndarray:
        idx, fresh = self._by_ns.get(namespace), self._fresh.get(namespace)
        graph = np.zeros(0, dtype=np.uint64) if idx is None else np.asarray(idx.keys, dtype=np.uint64)
        return graph if fresh is None else np.concatenate([graph, np.fromiter(fresh.rows, np.uint64, len(fresh))])

    def search(self, namespace: str | None, query: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
        """The ``count`` nearest keys of ``namespace`` (``None``: all) as ``(keys, cosine distances)``, nearest first."""
        found_keys, found_dist = [], []
        q = np.asarray(query, dtype=np.float32)
        for ns in self._names(namespace):
            idx, fresh = self._by_ns.get(ns), self._fresh.get(ns)
            if idx is not None and len(idx):
                keys, dist = _graph_search(idx, q, min(count, len(idx)))
                found_keys.append(keys)
                found_dist.append(dist)
            if fresh:
                keys, dist = fresh.search(q, count)
                found_keys.append(keys)
                found_dist.append(dist)
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
        names = self._names(namespace)
        sources = [(ns, self._by_ns[ns]) for ns in names if ns in self._by_ns]
        # Arrays throughout: this runs under the interpreter lock for every search of a small namespace (all
        # of it is eligible), and per-key Python over its ~2,000 keys was a sixth of a loaded port's lock time.
        kept_keys: list[np.ndarray] = []
        kept_rows: list[np.ndarray] = []
        in_graph = keys
        for fresh in (self._fresh[ns] for ns in names if ns in self._fresh):
            fresh_keys, fresh_rows = fresh.stacked()
            found_fresh, rows = pick_rows(fresh_keys, fresh_rows, keys.astype(np.int64),
                                          np.argsort(fresh_keys, kind="stable"))
            if len(found_fresh):
                kept_keys.append(found_fresh)
                kept_rows.append(rows)
                in_graph = in_graph[~np.isin(in_graph.astype(np.int64), found_fresh)]  # a fresh key is in no graph
        for ns, idx in sources:
            gathered = self._dense.gather(ns, idx, self.dim, in_graph)
            if gathered is not None:
                if len(gathered[0]):
                    kept_keys.append(gathered[0])
                    kept_rows.append(gathered[1])
                continue
            # A key outside this graph (in another namespace's, or not in a graph yet) comes back as None.
            present = in_graph if len(sources) == 1 else \
                in_graph[np.asarray(idx.contains(in_graph), dtype=bool).reshape(-1)]
            if not len(present):
                continue
            # One array per key (a key removed meanwhile gives None), read as stored, from the compiled index:
            # the public `get` wraps each in a view (1000 keys: 0.53 ms against 0.26), and widening each to
            # float32 on the way out cost twice the whole gather. Joined into one matrix at once (np.vstack
            # over a thousand small arrays cost 0.28 ms, this 0.04); a None refuses to join.
            rows = idx._compiled.get_many(present, ScalarKind.F16)
            try:
                joined = b"".join(rows)
            except TypeError:
                kept = [i for i, v in enumerate(rows) if v is not None]
                present, joined = present[kept], b"".join(rows[i] for i in kept)
            if len(present):
                kept_keys.append(present.astype(np.int64))
                kept_rows.append(np.frombuffer(joined, dtype=np.float16).reshape(len(present), self.dim))
        if not kept_keys:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        found = np.concatenate(kept_keys)
        matrix = kept_rows[0] if len(kept_rows) == 1 else np.concatenate(kept_rows)
        rows, dist = nearest_rows(matrix, query, count)
        return found[rows], dist

    def similarity_sum(self, namespace: str | None, query: np.ndarray) -> tuple[float, int]:
        """``(the sum of the cosine similarities of ``query`` to every vector of ``namespace`` (``None``: all
        namespaces), graphs and fresh vectors alike, how many vectors)`` (:mod:`.centroid`)."""
        return self._sums.similarity_sum(self._names(namespace), query)

    def _names(self, namespace: str | None) -> list[str]:
        return [namespace] if namespace is not None else list(self.namespaces)

    def serialized_bytes(self) -> int:
        """What :meth:`serialize` would produce, in bytes (without producing it)."""
        return sum(idx.serialized_length for idx in self._by_ns.values() if len(idx))

    def serialize(self) -> dict[str, bytearray]:
        """Each namespace's graph as bytes (to be stored encrypted, never as a file); vectors not settled
        (:meth:`settle`) are not in them."""
        return {ns: idx.save() for ns, idx in self._by_ns.items() if len(idx)}

    @classmethod
    def restore(cls, dim: int, blobs: dict[str, bytearray | np.ndarray], graph: str = GRAPH) -> NamespaceIndexes:
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
            # From the bytes, not the graph: reading 100k vectors back one key at a time took half a restore.
            out._sums.add(ns, layout.live_rows(blob, dim))
        return out

