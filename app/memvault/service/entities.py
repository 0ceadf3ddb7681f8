"""Entities: deciding when a memory's are extracted, the extraction queue's worker, and reading the graph.

A memory's entities are extracted when it is stored or its content changes:
``auto_extract_entities`` true always, false never, null (the default) when
the content is at most :data:`AUTO_MAX_CHARS` long (the pipeline's cost grows
with the text; a 50,000-character document is not a memory whose names are
worth a second of a writer's time). When the pipeline is loaded the
entities are linked in the same transaction as the memory; until then (it
takes seconds to load, and a request must not wait for it), and for imports
and existing vaults, a durable queue (``entity_jobs``) holds the memory and the
``entities`` background loop extracts it. The loop loads the pipeline when it
finds a job waiting, not before: a vault with nothing queued never holds it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from memvault import priority
from memvault.domain.clock import Clock, system_clock
from memvault.domain.entities import SETTABLE_TYPES, Entity, EntityMention, EntitySummary, EntityType
from memvault.domain.errors import ExtractionModelError, InvalidInput, MemvaultError, NotFound
from memvault.domain.models import MemoryFilter
from memvault.extraction.date_spans import memory_time
from memvault.extraction.entities import EntityExtractor, ExtractionInput, people_named
from memvault.extraction import language_gate
from memvault.extraction.gazetteer import Gazetteer
from memvault.service import validation as v
from memvault.service.background import ModelLoad
from memvault.vault import entities as repo
from memvault.vault import filters, memory_queries
from memvault.vault import memories as writes
from memvault.vault.engine import Database
from memvault.vault.rows import stored_metadata

log = logging.getLogger(__name__)

#: Longest content whose entities are extracted when the caller does not say (``auto_extract_entities`` null).
AUTO_MAX_CHARS = 4000
#: Jobs :meth:`EntityService.run_once` (and so :meth:`EntityService.drain`) reads per step.
WORKER_BATCH = 64
#: Jobs the background loop claims per step (~0.3 s of a core). Each step commits twice (its claim, its results),
#: and every commit costs the next search in the vault ~8 ms of CPU at 100k (readers decrypt their pages again):
#: at 16 a step, searches while 2,000 memories' entities were extracted took 42.5-48.0 ms (p50), at 64 37.6-39.9
#: (``docs/benchmarks.md``, "Stop 92"). A burst of stores still gets the cores within a part (:data:`PAUSE_EVERY`).
LOOP_BATCH = 64
#: Memories the loop parses between two looks at the searches in flight (``pause``) and at the embedding queue: a
#: step is Python holding the interpreter lock (~3 ms a memory), and a search beside it waits for the lock at each
#: of its many reads.
PAUSE_EVERY = 4
#: A job that failed this often is left alone (its memory keeps no entities).
MAX_ATTEMPTS = 3
#: Entities a namespace may have for its gazetteer to be rebuilt on the caller's thread (larger: in the background).
SYNC_REBUILD_MAX = 5_000
#: Seconds a gazetteer is used without asking whether its namespace's entities changed (counting them
#: costs milliseconds in a large vault; a search need not pay that every time).
GENERATION_TTL = 2.0
#: Seconds the worker sleeps when the queue is empty (new jobs wake it sooner).
IDLE_SECONDS = 30.0
#: How soon the loop looks again after giving way to embedding work.
YIELD_SECONDS = 0.25
#: Memories a concept (a noun) must be mentioned by to be listed: the user's recurring nouns, not every noun
#: one memory happened to use. Every concept is linked all the same (search and a memory's chips use them).
RECURRING_MIN = 2


def _input(content: str, metadata: dict | None, created_at: float) -> ExtractionInput:
    """What the extractor reads of one memory: its text, the time it speaks from, the people its metadata names."""
    return ExtractionInput(content, memory_time(metadata, created_at), people_named(metadata))


@dataclass(frozen=True)
class EntityPage:
    items: tuple[Entity, ...]
    total: int


@dataclass(frozen=True)
class SummaryPage:
    items: tuple[EntitySummary, ...]
    total: int
    #: Concepts mentioned by fewer than :data:`RECURRING_MIN` memories: linked, searchable, not listed.
    unlisted_concepts: int = 0


class EntityService:
    """Extraction on store, the backfill worker, and the entity list (one per vault)."""

    def __init__(self, db: Database, extractor: EntityExtractor, wall: Clock = system_clock, *,
                 embedding_busy: Callable[[], bool] | None = None,
                 pause: Callable[[], object] | None = None, crowded: Callable[[], bool] | None = None) -> None:
        self._db = db
        self._embedding_busy = embedding_busy
        #: Whether requests crowd the machine: a store's entities are then queued rather than parsed in it.
        self._crowded = crowded
        #: Called by the loop's step between parts of its batch: waits (bounded) while searches run.
        self._pause = pause
        self._extractor = extractor
        self._wall = wall
        self._gazetteers: dict[str | None, tuple[tuple[int, int], Gazetteer]] = {}
        self._lock = threading.Lock()
        self._rebuilding: set[str | None] = set()
        self._checked: dict[str | None, float] = {}
        self.wake_event = threading.Event()
        #: Set while the loop is asked to stop: its step gives back the parts it has not parsed yet.
        self._stopping = threading.Event()
        self.unavailable: str | None = None
        self._model = ModelLoad(self.warm_up, self.wake_event)

    # -- on store -------------------------------------------------------------------------------------------

    def gazetteer(self, conn, namespace: str | None, *, fresh: bool = True) -> Gazetteer:
        """The namespace's gazetteer, rebuilt when its entities changed.

        A small namespace's is rebuilt at once. A large one's takes seconds (~2.5 s for 150k names on
        2 shared cores), so while it is rebuilt on a thread of its own the last one goes on serving: a
        name added meanwhile is still linked by its exact value when stored, and found in queries once
        the new gazetteer is in.
        """
        with self._lock:
            cached = self._gazetteers.get(namespace)
            checked = self._checked.get(namespace, 0.0)
        if cached is not None and not fresh and time.monotonic() - checked < GENERATION_TTL:
            return cached[1]
        gen = repo.generation(conn, namespace)
        with self._lock:
            self._checked[namespace] = time.monotonic()
            if cached is not None and cached[0] == gen:
                return cached[1]
            if cached is not None and gen[0] > SYNC_REBUILD_MAX:
                if namespace not in self._rebuilding:
                    self._rebuilding.add(namespace)
                    threading.Thread(target=self._rebuild, args=(namespace,), daemon=True,
                                     name="gazetteer-rebuild").start()
                return cached[1]
        built = Gazetteer(repo.names(conn, namespace))
        with self._lock:
            self._gazetteers[namespace] = (gen, built)
        return built

    def _rebuild(self, namespace: str | None) -> None:
        priority.lower_this_thread()  # searches use the gazetteer they have meanwhile: nobody waits for this one
        try:
            with self._db.read() as conn:
                gen = repo.generation(conn, namespace)
                rows = repo.names(conn, namespace)
            built = Gazetteer(rows)
            with self._lock:
                self._gazetteers[namespace] = (gen, built)
        except MemvaultError as exc:  # the vault was locked or failed meanwhile: the next search tries again
            log.info("gazetteer rebuild skipped: %s", exc.code)
        finally:
            with self._lock:
                self._rebuilding.discard(namespace)

    def plan(self, items: Sequence[tuple[str, str, dict, float, bool | None]], *,
             inline: bool = True) -> list[writes.Entities]:
        """What each write does about entities: ``(namespace, content, metadata, created_at, flag)`` per memory.

        Extracted mentions when the pipeline is loaded and ``inline``, else a queued job; "skip" when not wanted.
        In a crowd of requests the job is queued too: parsing in each store made every request behind it wait
        (the 16-client row, ``docs/benchmarks.md``); the loop extracts it, stepping aside while the crowd lasts.
        """
        wanted = [flag is True or (flag is None and len(content) <= AUTO_MAX_CHARS)
                  for _, content, _, _, flag in items]
        out: list[writes.Entities] = ["skip" if not w else ("force" if it[4] else "queue")
                                      for w, it in zip(wanted, items, strict=True)]
        crowded = self._crowded is not None and self._crowded()
        if not any(wanted) or not inline or crowded or not self._extractor.loaded:
            return out
        by_namespace: dict[str, list[int]] = {}
        for i, w in enumerate(wanted):
            if w:
                by_namespace.setdefault(items[i][0], []).append(i)
        with self._db.read() as conn:
            gazetteers = {ns: self.gazetteer(conn, ns) for ns in by_namespace}
        for ns, indexes in by_namespace.items():
            try:
                found = self._extractor.extract(
                    [_input(items[i][1], items[i][2], items[i][3]) for i in indexes],
                    gazetteers[ns])
            except ExtractionModelError:
                # The pipeline broke after loading: the memory is stored all the same, its entities queued.
                continue
            for i, mentions in zip(indexes, found, strict=True):
                out[i] = mentions
        return out

    def queued(self, plans: Sequence[writes.Entities]) -> None:
        """Wake the worker for the jobs ``plans`` queued (call it once they are committed)."""
        if any(p in ("queue", "force") for p in plans):
            self.wake_event.set()

    # -- the queue ------------------------------------------------------------------------------------------

    def warm_up(self) -> None:
        """Load the pipeline before the first batch (a missing one turns entity extraction off, nothing else)."""
        try:
            self._extractor.warm()
        except ExtractionModelError as exc:
            # Storing and searching go on; the queue waits for a reinstalled pipeline.
            self.unavailable = exc.message
            log.warning("entity extraction is off: %s", exc.message)

    def step(self) -> float:
        """Extract one batch of queued memories; returns the delay before the next step.

        The pipeline is loaded (beside the loop) once a job waits; the loop is woken when it is in.
        """
        if self.unavailable is not None:
            return IDLE_SECONDS * 20
        if self._embedding_busy is not None and self._embedding_busy():
            # Searchable first: the vectors make a memory findable, its entities only refine the ranking, and
            # on two cores extracting (~3 ms a memory) beside the embedder slowed ingest by a third.
            return YIELD_SECONDS
        if not self._extractor.loaded:
            with self._db.read() as conn:
                waiting = repo.has_due(conn, MAX_ATTEMPTS)
            if not waiting:
                return IDLE_SECONDS
            if not self._model.ready():
                return IDLE_SECONDS
            if self.unavailable is not None:
                return IDLE_SECONDS * 20
        jobs = self._claim(LOOP_BATCH, give_way=True)
        if jobs is None:
            return YIELD_SECONDS
        return 0.0 if self._extract(jobs, pause=self._pause) else IDLE_SECONDS

    def interrupt(self) -> None:
        """The loop is asked to stop (called on the stopping thread): its step ends after the part it parses."""
        self._stopping.set()

    def started(self) -> None:
        """The loop starts (on its thread, before its first step): a stop asked of an earlier run is forgotten.

        Cleared here rather than when a run ends: a stop's interrupt can come after its loop's last step."""
        self._stopping.clear()

    def run_once(self, limit: int = WORKER_BATCH) -> int:
        """Extract up to ``limit`` queued memories, embedded or not; returns how many jobs were finished."""
        return self._extract(self._claim(limit, give_way=False) or [])

    def _claim(self, limit: int, *, give_way: bool) -> list[repo.EntityJob] | None:
        """Up to ``limit`` queued jobs; ``None`` when ``give_way`` and memories are being embedded."""
        with self._db.write() as conn:
            # Asked again under the write lock: a store commits its memories' embedding and entity jobs together,
            # so it lands before this question (which then sees it) or after the claim (which then does not).
            # Asked only before the lock, a store landing between the two handed the loop a batch to extract
            # beside the embedder (1 in 3-6 bench ingests: 64 memories, ~1 s, at the start).
            if give_way and self._embedding_busy is not None and self._embedding_busy():
                return None
            return repo.claim(conn, limit, MAX_ATTEMPTS)

    def _extract(self, jobs: list[repo.EntityJob], *, pause: Callable[[], object] | None = None) -> int:
        """Extract and store ``jobs``' entities; returns how many were finished.

        ``pause``: called between parts of :data:`PAUSE_EVERY` memories (the parts are parsed apart); if memories
        are being embedded once it returns, or the loop is stopping, the parts not yet parsed are given back (their
        attempt uncounted) in the transaction that stores the others: a burst of stores is made searchable first,
        and a lock does not wait for a step's bounded waits in a crowd. A part the pipeline fails on keeps its
        attempt, the parts before it are stored and those after it given back, and the failure is raised."""
        if not jobs:
            return 0
        wanted = [j for j in jobs if j.forced or len(j.content) <= AUTO_MAX_CHARS]
        results: dict[int, list[EntityMention] | None] = {j.memory_id: None for j in jobs}
        with self._db.read() as conn:
            # The namespaces in the order of their oldest job: what a step gives back is the newest.
            gazetteers = {ns: self.gazetteer(conn, ns) for ns in dict.fromkeys(j.namespace for j in wanted)}
        parts: list[tuple[Gazetteer, list[repo.EntityJob]]] = []
        for ns, gazetteer in gazetteers.items():
            mine = [j for j in wanted if j.namespace == ns]
            size = PAUSE_EVERY if pause is not None else len(mine)
            parts.extend((gazetteer, mine[i:i + size]) for i in range(0, len(mine), size))
        unread: list[repo.EntityJob] = []
        failed: list[repo.EntityJob] = []
        error: Exception | None = None
        for n, (gazetteer, part) in enumerate(parts):
            if n and pause is not None:
                if not self._stopping.is_set():
                    pause()
                if self._stopping.is_set() or (self._embedding_busy is not None and self._embedding_busy()):
                    unread = [j for _, rest in parts[n:] for j in rest]
                    break
            try:
                found = self._extractor.extract(
                    [_input(j.content, stored_metadata(j.metadata), j.created_at) for j in part], gazetteer)
            except Exception as exc:  # noqa: BLE001 - raised again once the parts before it are stored
                # Only this part keeps its attempt: a memory the pipeline cannot read costs the others nothing.
                failed, unread, error = part, [j for _, rest in parts[n + 1:] for j in rest], exc
                break
            results.update({j.memory_id: m for j, m in zip(part, found, strict=True)})
        left = {j.memory_id for j in (*unread, *failed)}
        with self._db.write() as conn:
            for job in jobs:
                if job.memory_id not in left:
                    repo.complete(conn, job, results[job.memory_id])
            repo.release(conn, unread)
        if error is not None:
            raise error
        return len(jobs) - len(left)

    def drain(self, limit: int | None = None) -> int:
        """Work the queue until it is empty, or ``limit`` jobs are done (the CLI and the evaluation use it; the
        app has the loop)."""
        self._extractor.warm()
        total = 0
        while True:
            batch = WORKER_BATCH if limit is None else min(WORKER_BATCH, limit - total)
            done = self.run_once(batch) if batch > 0 else 0
            if not done:
                # Searches reuse a gazetteer unchecked for GENERATION_TTL; after a drain the next one asks again,
                # so the names found by a query do not depend on how long the ingest before it took.
                with self._lock:
                    self._checked.clear()
                return total
            total += done

    def queue_depth(self) -> int:
        with self._db.read() as conn:
            return repo.queue_depth(conn)

    def why_none(self, text: str) -> str | None:
        """Why a memory with this text has no entities when it is not only that it names none, in a user's words."""
        if self.unavailable is not None:
            return "Entity extraction is off on this device"
        if not language_gate.reads(text):
            return "No entities: they are found in English text only"
        return None

    # -- reading --------------------------------------------------------------------------------------------

    def list(self, namespace: str | None, entity_type: str | None = None, *, limit: int = 50, offset: int = 0,
             min_count: int = 1) -> EntityPage:
        """Entities with their counts of live memories, most mentioned first."""
        if namespace is not None:
            v.namespace(namespace)
        etype = v.choice(EntityType, entity_type, "type") if entity_type is not None else None
        v.int_range(limit, "limit", 1, 500)
        v.int_range(offset, "offset", 0, 10**9)
        v.int_range(min_count, "min_count", 1, 10**9)
        with self._db.read() as conn:
            items, total = repo.list_entities(conn, namespace, etype, self._wall(), limit=limit, offset=offset,
                                              min_count=min_count)
        return EntityPage(tuple(items), total)

    def summaries(self, namespace: str | None, entity_type: str | None = None, *, limit: int = 50, offset: int = 0,
                  keep: str | None = None) -> SummaryPage:
        """The Entities page's rows: one per entity name and type in ``namespace`` (``None``: every
        namespace, the memories of all counted together and the namespaces named), most mentioned first.

        Concepts are listed from :data:`RECURRING_MIN` memories; ``keep`` (a value the user asked for,
        a clicked chip) is listed whatever its count.
        """
        if namespace is not None:
            v.namespace(namespace)
        etype = v.choice(EntityType, entity_type, "type") if entity_type is not None else None
        v.int_range(limit, "limit", 1, 500)
        v.int_range(offset, "offset", 0, 10**9)
        with self._db.read() as conn:
            items, total, unlisted = repo.summarise_entities(conn, namespace, etype, self._wall(), limit=limit,
                                                             offset=offset, concept_min=RECURRING_MIN, keep=keep)
        return SummaryPage(tuple(items), total, unlisted)

    def summary_memories(self, summary: EntitySummary, *, limit: int = 20):
        """The live memories that mention any of a row's entities, newest first, and how many there are."""
        v.int_range(limit, "limit", 1, 100)
        # Every namespace's: the row's entities are already those of the namespaces in view.
        where = filters.full(MemoryFilter(namespace=None), self._wall())
        with self._db.read() as conn:
            rows = repo.memories_of(conn, list(summary.entity_ids), where)
            page = list(dict.fromkeys(mid for mid, _, _ in rows))
            found = memory_queries.get_many(conn, page[:limit])
        return [found[m] for m in page[:limit] if m in found], len(page)

    def get(self, entity_id: int, namespace: str | None = None) -> tuple[int, str, EntityType, str]:
        with self._db.read() as conn:
            found = repo.get_entity(conn, entity_id)
        if found is None or (namespace is not None and found[1] != namespace):
            raise NotFound(f"no entity with id {entity_id}")
        return found[0], found[1], EntityType(found[2]), found[3]

    def entity(self, entity_id: int, namespace: str | None = None) -> Entity:
        """One entity with its count of live memories and when they were stored and changed (none: 0, no dates)."""
        eid, ns, etype, value = self.get(entity_id, namespace)
        with self._db.read() as conn:
            found, _ = repo.list_entities(conn, ns, None, self._wall(), limit=1, offset=0, entity_id=eid)
        return found[0] if found else Entity(eid, ns, etype, value, 0)

    # -- a person's correction -----------------------------------------------------------------------------

    def retype(self, entity_ids: Sequence[int], entity_type: str | EntityType, namespace: str | None = None) -> None:
        """Say what entities are ("Biscuit" is an animal, not an organisation): the tagger's first guess is
        what a namespace keeps for a name otherwise (a known name keeps its type), so a wrong one only a person
        can mend. ``namespace``: each entity must be that namespace's (an agent's key sees its own).

        Entities are derived on each device, as vectors are: a type set here is this device's.
        """
        etype = v.choice(EntityType, entity_type, "type")
        if etype not in SETTABLE_TYPES:
            raise InvalidInput(f"type cannot be {etype.value}: a date entity is read from the text's dates",
                               field="type")
        if not entity_ids:
            raise InvalidInput("no entity to change", field="entity_id")
        with self._db.write() as conn:
            for eid in entity_ids:
                found = repo.get_entity(conn, eid)
                if found is None or (namespace is not None and found[1] != namespace):
                    raise NotFound(f"no entity with id {eid}")
                if found[2] == EntityType.DATE.value:
                    raise InvalidInput("a date entity keeps its type: it is a day, not a name", field="type")
            namespaces = repo.retype(conn, entity_ids, etype)
        with self._lock:  # the count and top id of a namespace's entities did not change: its gazetteer would stay
            for ns in (*namespaces, None):
                self._gazetteers.pop(ns, None)

    def memories(self, entity_id: int, namespace: str | None = None, *, limit: int = 20, offset: int = 0):
        """The live memories that mention an entity, newest first, and how many there are."""
        _, ns, _, _ = self.get(entity_id, namespace)
        v.int_range(limit, "limit", 1, 100)
        v.int_range(offset, "offset", 0, 10**9)
        where = filters.full(MemoryFilter(namespace=ns), self._wall())
        with self._db.read() as conn:
            rows = repo.memories_of(conn, [entity_id], where)
            page = [mid for mid, _, _ in rows[offset:offset + limit]]
            found = memory_queries.get_many(conn, page)
        return [found[m] for m in page if m in found], len(rows)
