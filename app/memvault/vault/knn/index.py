"""The process's approximate index over the vault's vectors, kept at the committed state.

Lifecycle: :meth:`VectorIndex.ensure_open` restores the snapshot stored in the
encrypted database and replays the change log after it; with no usable
snapshot the index is rebuilt from the stored vectors in the background (:meth:`maintain`,
with progress) while searches go exact. A snapshot of graphs built with an older
recipe (:data:`~memvault.vault.knn.ann.GRAPH`) answers at once and is rebuilt the
same way, then replaced. Every query first calls
:meth:`catch_up` inside its own read transaction: the log's head is the
watermark of every process's committed vector writes, so an index that has
applied the log up to it answers as the stored vectors would; one that cannot catch up
cheaply (a large backlog) says so and the query goes exact. Snapshots are
written after enough changes and on close, never as a file.

While memories are being embedded, the vectors applied wait beside the
graphs, searched by brute force (:data:`~memvault.vault.knn.ann.FRESH_MAX`), and
the background loop moves them into the graphs once embedding has ended. An
insert into a large graph costs a tenth of the CPU that embedding a short
memory does (5,000 into a 100k vault: 1.6 CPU-s beside the embedder's 17),
and on two cores that CPU is the embedder's.
"""

from __future__ import annotations

import contextlib
import enum
import logging
import threading
import time
from collections.abc import Callable, Iterator

import numpy as np
from sqlalchemy import Connection

from memvault.heap import return_freed_memory
from memvault.vault import vectors
from memvault.vault.engine import Database
from memvault.vault.knn import log
from memvault.vault.knn.ann import FRESH_MAX, GRAPH, LEGACY_GRAPH, NamespaceIndexes

_log = logging.getLogger(__name__)


class IndexState(enum.Enum):
    CLOSED = "closed"  # not loaded yet (loaded on first need)
    BUILDING = "building"  # no usable snapshot: being rebuilt from the stored vectors, searches go exact
    READY = "ready"


Progress = Callable[[int, int], None]


class VectorIndex:
    """One process's HNSW indexes (one per namespace) over ``db``'s vectors.

    Args:
        db: the vault's database.
        dim: the vectors' dimension.
        progress: told ``(done, total)`` while a rebuild runs, and ``(total, total)`` when it ends.
        embedding_busy: whether memories are being embedded. The background loop asks it each turn: while
            they are, new vectors wait beside the graphs (searched by brute force, up to
            :data:`~memvault.vault.knn.ann.FRESH_MAX`) and the graphs take them in once they are not, rather than
            take CPU from the embedder while a burst is embedded.
    """

    #: A query replays at most this many pending changes itself; a larger backlog goes exact until caught up.
    QUERY_CATCH_UP_MAX = 2000
    #: How long a query waits for the index while another thread replays or snapshots it, before going exact.
    QUERY_LOCK_WAIT_SECONDS = 0.05
    #: Changes since the last snapshot that make the background loop write a new one (or this share of the size).
    SNAPSHOT_MIN_CHANGES = 2000
    SNAPSHOT_SHARE = 0.05
    #: While changes keep arriving (a bulk ingest, a sync join), a snapshot waits for a turn that finds none, or
    #: for this many times the due changes: each one serializes the whole index and writes it under the write
    #: lock, which the store and the embedding worker wait for. A 5,000-memory ingest wrote two, ~0.2 s of CPU
    #: taken from the embedder; a restart meanwhile replays the log, as it does for any change not stored yet.
    SNAPSHOT_BUSY_FACTOR = 4
    #: On close a snapshot is written when at least this many changes are not in the stored one.
    CLOSE_MIN_CHANGES = 500
    #: How often the background loop looks for other processes' changes.
    MAINTAIN_SECONDS = 2.0
    #: Reader page cache wanted per vector: every search checks its candidates' chunk rows and their memories'
    #: entries in the index by id, at random. At 100k (~6 MB of such pages, inside the 24 MiB default) a 2 MiB
    #: cache made the KNN step 0.36 ms slower, a 3 MiB one 0.19 ms: at 1M the default holds under half of them.
    READER_CACHE_BYTES_PER_VECTOR = 96
    BUILD_BATCH = 4096
    #: Vectors moved into a graph under one hold of the lock (:meth:`settle`): a search waits for at most one
    #: slice (128 were ~40 ms at 100k vectors on a quiet machine; applying a claim of 1,024 straight into the
    #: graph held it ~0.3 s). Settling 2,000 into 20k under load 4-5 while searches ran back to back: slices of
    #: 128 kept searches waiting 94-118 ms at the median, slices of 32 27-67 ms, for the same CPU (1.5-1.7 s).
    SETTLE_SLICE = 32
    #: When embedding has ended with vectors waiting, the turn that settles them comes this soon after the last
    #: arrived (settling on that turn delayed the last apply's readers, ~50 ms of GIL and CPU at 5,000).
    SETTLE_AFTER_SECONDS = 0.25
    #: Between two slices the settling thread lets the queries waiting for the lock go first, waiting at most
    #: this long for them. Python's lock is not fair: released and taken again at once, it went back to the
    #: settling thread nearly every time, and a search waited for several slices (20k vectors, 2,000 settled
    #: under load ~9: 28 searches answered during the settle, the slowest after 2.2 s; letting them go first,
    #: 91, the slowest after one slice).
    SETTLE_GIVE_WAY_SECONDS = 0.05

    def __init__(self, db: Database, dim: int, *, progress: Progress | None = None, build_threads: int = 0,
                 embedding_busy: Callable[[], bool] | None = None,
                 searches_busy: Callable[[], bool] | None = None, pause: Callable[[], object] | None = None) -> None:
        self._db = db
        #: Whether searches are in flight (a settle's slice then takes one thread, leaving a core to them), and
        #: what a settle calls between slices to wait (bounded) for them: the searches' embedding and ranking
        #: run outside the index's lock, where :meth:`_give_way` does not see them.
        self._searches_busy = searches_busy or (lambda: False)
        self._pause = pause
        self._dim = dim
        self._progress = progress or (lambda _done, _total: None)
        self._embedding_busy = embedding_busy or (lambda: False)
        self._defer = False  # the loop's last turn found memories being embedded
        self._threads = build_threads
        self._lock = threading.RLock()
        self._queries_waiting = 0  # queries blocked on the lock (changed under _waiting_guard)
        self._waiting_guard = threading.Lock()
        self._ann = NamespaceIndexes(dim)
        self._state = IndexState.CLOSED
        self._applied = 0
        self._snapshot_at = 0
        self._outdated = False
        self._seen_by_loop = 0  # the log position the background loop's last turn ended at
        self.wake = threading.Event()

    # -- state ---------------------------------------------------------

    @property
    def state(self) -> IndexState:
        return self._state

    @property
    def ready(self) -> bool:
        """Whether searches can use the index (restored or rebuilt), rather than the exact path."""
        return self._state is IndexState.READY

    @property
    def applied(self) -> int:
        """The log position this process's index includes."""
        return self._applied

    def size(self, namespace: str | None) -> int:
        with self._query_hold():
            return self._ann.size(namespace)

    @contextlib.contextmanager
    def _query_hold(self, timeout: float = -1) -> Iterator[bool]:
        """The lock, taken for a query: counted while it waits, so that :meth:`settle` lets it go first; yields
        whether it was taken (within ``timeout`` seconds, -1: no bound)."""
        with self._waiting_guard:
            self._queries_waiting += 1
        try:
            taken = self._lock.acquire(timeout=timeout)
        finally:
            with self._waiting_guard:
                self._queries_waiting -= 1
        try:
            yield taken
        finally:
            if taken:
                self._lock.release()

    def _give_way(self) -> None:
        """Let the queries waiting for the lock take it first (at most :data:`SETTLE_GIVE_WAY_SECONDS`)."""
        deadline = time.monotonic() + self.SETTLE_GIVE_WAY_SECONDS
        while self._queries_waiting and time.monotonic() < deadline:
            time.sleep(0.0005)

    # -- opening and rebuilding ------------------------------------------

    def ensure_open(self, *, wait: bool = True) -> IndexState:
        """Load the stored snapshot if not done yet; without one, mark the index for a rebuild.

        A new vault starts with an empty snapshot (migration v5), so its log is its whole state;
        a vault that had vectors before the index existed has none, and is rebuilt once. A backlog
        larger than a query would replay (a device that just joined through sync, a large import) is
        left to the background loop: queries go exact until it has caught up.

        Args:
            wait: when another thread is opening the index, wait for it; ``False`` (a query) returns
                at once with the state as it is, and the query goes exact.
        """
        if self._state is not IndexState.CLOSED:
            return self._state
        if not self._lock.acquire(blocking=wait):
            return self._state
        try:
            if self._state is not IndexState.CLOSED:
                return self._state
            started = time.perf_counter()
            with self._db.read(discard=True) as conn:
                seq = log.snapshot_seq(conn)
                if seq is not None:
                    try:
                        ann = NamespaceIndexes.restore(self._dim, log.read_snapshot(conn),
                                                       log.snapshot_graph(conn) or LEGACY_GRAPH)
                    except (ValueError, RuntimeError) as exc:
                        _log.warning("the stored vector index could not be read (%s); rebuilding it", type(exc).__name__)
                    else:
                        self._ann, self._applied, self._snapshot_at = ann, seq, seq
                        self._state = IndexState.READY
                        # Searched with the beams its recipe needs until the background loop has rebuilt it.
                        self._outdated = ann.graph != GRAPH
                        if self._outdated:
                            self.wake.set()
                        head = log.head(conn)
                        if head - self._applied <= self.QUERY_CATCH_UP_MAX:
                            self._apply(conn, head)
                        else:
                            self.wake.set()
            if self._state is IndexState.READY:
                self._fit_reader_caches()
                # The stored bytes were read, joined and copied into the index, through a page cache the
                # closed connection has just freed: ~2x the index's size that glibc would otherwise keep.
                return_freed_memory()
                _log.info("vector index restored: %d vectors in %.2f s", self._ann.size(),
                          time.perf_counter() - started)
                return self._state
            self._state = IndexState.BUILDING
            self.wake.set()
            return self._state
        finally:
            self._lock.release()

    def build(self) -> None:
        """Rebuild every namespace's index from the stored vectors, off the lock: meanwhile searches go exact, or to the
        outdated graph being replaced."""
        ann = NamespaceIndexes(self._dim)
        with self._db.read(discard=True) as conn:
            seq = log.head(conn)
            total = int(conn.exec_driver_sql("SELECT count(*) FROM chunks").scalar_one())
            done = 0
            self._progress(0, total)
            for namespace, ids, matrix in vectors.scan_by_namespace(conn.connection.dbapi_connection,
                                                                    self.BUILD_BATCH):
                ann.add(namespace, ids, matrix, threads=self._threads)
                done += len(ids)
                self._progress(min(done, total), total)
        with self._lock:
            # The replaced graph may have applied changes past ``seq``: the log still holds them for the new one.
            self._ann, self._applied, self._snapshot_at = ann, seq, 0
            self._state, self._outdated = IndexState.READY, False
        self._progress(total, total)
        _log.info("vector index rebuilt: %d vectors", ann.size())

    # -- staying current -------------------------------------------------

    def catch_up(self, conn: Connection, *, limit: int | None = None) -> bool:
        """Apply the committed changes ``conn`` sees; False if the index cannot answer for that state now.

        Args:
            conn: the caller's read transaction (the state its answer must match).
            limit: replay at most this many changes here; a larger backlog is left to the background loop.
        """
        if self._state is not IndexState.READY:
            return False
        head = log.head(conn)
        if head == self._applied:
            return True
        # A query does not queue behind the background loop's replay of a large backlog: it goes exact.
        with self._query_hold(-1 if limit is None else self.QUERY_LOCK_WAIT_SECONDS) as taken:
            if not taken:
                self.wake.set()
                return False
            return self._catch_up_held(conn, head, limit)

    def _catch_up_held(self, conn: Connection, head: int, limit: int | None) -> bool:
        """:meth:`catch_up` once the lock is held."""
        if self._state is not IndexState.READY:
            return False
        if head <= self._applied:
            return True  # another thread caught up meanwhile (possibly past this transaction's view)
        if self._applied < log.oldest_kept(conn):
            # Another process saved a snapshot and dropped the log this index still needs.
            self._state, self._ann = IndexState.CLOSED, NamespaceIndexes(self._dim)
            self.wake.set()
            return False
        if limit is not None and head - self._applied > limit:
            self.wake.set()
            return False
        self._apply(conn, head)
        if self._ann.pending >= 2 * FRESH_MAX:
            # No background loop settles them (a process without one) or it lags behind: the brute force
            # over them must stay cheap.
            self._ann.settle(threads=self._threads)
        return True

    def _apply(self, conn: Connection, head: int) -> None:
        """Replay ``(applied, head]`` (caller holds the lock), a page of the log at a time;
        consecutive additions to one namespace go in as one batch."""
        while self._applied < head:
            page = log.changes(conn, self._applied, head, self._dim)
            if not page:
                break
            # Behind vectors already waiting too: a burst's last claim, applied once nothing is being embedded,
            # is searchable at once, and settled with the rest.
            self._apply_page(page, fresh=self._defer or self._ann.pending > 0)
            self._applied = page[-1].seq
        self._applied = head

    def _apply_page(self, page: list[log.Change], *, fresh: bool) -> None:
        batch_ns: str | None = None
        keys: dict[int, np.ndarray] = {}

        def flush() -> None:
            if keys:
                self._ann.add(batch_ns, np.fromiter(keys, dtype=np.int64, count=len(keys)),
                              np.vstack(list(keys.values())), threads=self._threads, fresh=fresh)
                keys.clear()

        for change in page:
            if change.vector is None:
                flush()
                self._ann.remove([change.chunk_id])
                continue
            if change.namespace != batch_ns or change.chunk_id in keys:
                flush()
                batch_ns = change.namespace
            keys[change.chunk_id] = change.vector
        flush()

    # -- answering -------------------------------------------------------

    def search(self, namespace: str | None, query: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
        with self._query_hold():
            return self._ann.search(namespace, query, count)

    def exact(self, namespace: str | None, query: np.ndarray, keys: np.ndarray, count: int
              ) -> tuple[np.ndarray, np.ndarray]:
        with self._query_hold():
            return self._ann.exact(namespace, query, keys, count)

    def similarity_sum(self, namespace: str | None, query: np.ndarray) -> tuple[float, int]:
        """``(the sum of the cosine similarities of ``query`` to the vectors of ``namespace`` (``None``: all),
        how many)``; ``(0.0, 0)`` while the index is not ready."""
        with self._query_hold():
            return self._ann.similarity_sum(namespace, query) if self._state is IndexState.READY else (0.0, 0)

    # -- snapshots and background work -----------------------------------

    def lag(self) -> int:
        """Committed vector changes this process's index has not applied yet."""
        with self._db.read() as conn:
            return max(0, log.head(conn) - self._applied)

    @property
    def pending(self) -> int:
        """Vectors the index holds outside its graphs (searched by brute force until :meth:`settle`)."""
        return self._ann.pending

    def settle(self) -> int:
        """Move the vectors held outside the graphs into them, :data:`SETTLE_SLICE` at a time; returns how many."""
        moved = 0
        while True:
            threads = 1 if self._searches_busy() else self._threads
            with self._lock:
                if self._state is not IndexState.READY:
                    return moved
                slice_moved = self._ann.settle(self.SETTLE_SLICE, threads=threads)
            if not slice_moved:
                return moved
            moved += slice_moved
            self._give_way()
            if self._pause is not None:
                self._pause()

    def snapshot(self) -> bool:
        """Store the index's bytes in the encrypted database; False when there is nothing to store."""
        if self._db.read_only or self._state is not IndexState.READY:
            return False
        self.settle()
        with self._lock:
            if self._state is not IndexState.READY:
                return False
            self._ann.settle(threads=self._threads)  # what a query applied since: the bytes must hold up to seq
            seq, blobs, graph = self._applied, self._ann.serialize(), self._ann.graph
        with self._db.write() as conn:
            log.write_snapshot(conn, seq, blobs, graph)
        self._snapshot_at = max(self._snapshot_at, seq)
        return True

    def unsaved_changes(self) -> int:
        return self._applied - self._snapshot_at

    def maintain(self) -> float:
        """One turn of the background loop: load or rebuild, catch up, settle once nothing is being embedded
        or arriving, snapshot when due."""
        rebuild = self.ensure_open() is IndexState.BUILDING or self._outdated
        if rebuild:
            self.build()
        self._defer = self._embedding_busy()
        with self._db.read() as conn:
            self.catch_up(conn)
        # Changes since the last turn (applied here or by a query): more are likely on their way.
        busy, self._seen_by_loop = self._applied != self._seen_by_loop, self._applied
        if self._ann.pending >= FRESH_MAX or (self._ann.pending and not self._defer and not busy):
            self.settle()
        self._fit_reader_caches()
        due = max(self.SNAPSHOT_MIN_CHANGES, int(self.SNAPSHOT_SHARE * self._ann.size()))
        if busy:
            due *= self.SNAPSHOT_BUSY_FACTOR
        # A rebuilt graph is stored at once: the next unlock would otherwise rebuild it again.
        if rebuild or self.unsaved_changes() >= due:
            self.snapshot()
        return self.SETTLE_AFTER_SECONDS if self._ann.pending and not self._defer else self.MAINTAIN_SECONDS

    def _fit_reader_caches(self) -> None:
        self._db.fit_reader_caches(self._ann.size() * self.READER_CACHE_BYTES_PER_VECTOR // 1024)

    def close(self) -> None:
        """Save a snapshot if much is unsaved, then free the index."""
        try:
            if self._state is IndexState.READY:
                with self._db.read() as conn:
                    self.catch_up(conn)
                if self.unsaved_changes() >= self.CLOSE_MIN_CHANGES:
                    self.snapshot()
        finally:
            with self._lock:
                self._ann, self._state = NamespaceIndexes(self._dim), IndexState.CLOSED
