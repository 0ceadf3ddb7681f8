"""Memory types the caller left out, classified once the memory's vector is known.

A memory embedded as it is stored gets its type in the same write (:meth:`TypeClassificationService.guess`).
One queued for embedding is ``general`` with source
``default`` until the embedding worker stores its vectors; then the classifier of
:mod:`memvault.extraction.classify` reads the first chunk's vector and the type is
set through the one write path, as a derived update made by the system (an
oplog entry like any change, but no new version: an agent that read version 1
can still update version 1) with source ``inferred``. A type named by a caller is never touched.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import numpy as np

from memvault.domain.changes import SYSTEM, ChangeKind
from memvault.domain.clock import Clock, system_clock
from memvault.domain.entities import TypeSource
from memvault.domain.enums import MemoryType
from memvault.domain.hlc import HybridClock
from memvault.domain.models import EmbeddedMemory, FieldChanges, Memory
from memvault.extraction.classify import TypeClassifier
from memvault.service.events import EventHub, event_for
from memvault.vault import memories as writes
from memvault.vault import memory_queries, vectors
from memvault.vault.engine import Database
from memvault.vault.oplog import Stamp

log = logging.getLogger(__name__)

#: Memories the backfill classifies in one turn of its loop.
BACKFILL_BATCH = 200
#: Seconds between looks for memories left untyped once none is found (a day: only a release that adds a
#: classifier leaves any).
BACKFILL_IDLE_SECONDS = 86_400.0


class TypeClassificationService:
    """Classifies newly embedded memories whose type was omitted."""

    #: Seconds after unlock before the backfill's first look (nothing waits on it; the start's requests go first).
    BACKFILL_DELAY_SECONDS = 30.0

    def __init__(self, db: Database, classifiers: Mapping[str, TypeClassifier], clock: HybridClock,
                 events: EventHub, wall: Clock = system_clock) -> None:
        self._db = db
        #: By the model id whose vectors each reads.
        self._classifiers = classifiers
        self._clock = clock
        self._events = events
        self._wall = wall
        #: The last row the backfill has looked at in its current pass.
        self._backfilled = 0

    @classmethod
    def load_classifiers(cls) -> dict[str, TypeClassifier]:
        """The shipped classifiers by model id; none (omitted types then stay ``general``) if a file is unusable."""
        try:
            return TypeClassifier.load_all()
        except (OSError, ValueError, KeyError) as exc:
            log.warning("memory-type classification is off: %s", type(exc).__name__)
            return {}

    def guess(self, vector: np.ndarray, model_id: str) -> MemoryType | None:
        """The type a memory whose first vector (of ``model_id``) is ``vector`` gets; ``None``: no classifier
        for that model."""
        classifier = self._classifiers.get(model_id)
        if classifier is None:
            return None
        return classifier.classify(vector).memory_type

    def backfill_step(self) -> float:
        """One turn of the backfill loop: classify a batch of the memories embedded before their model had a
        classifier (a multilingual vault kept every omitted type ``general``); returns the seconds to sleep."""
        if not self._classifiers:
            return BACKFILL_IDLE_SECONDS
        with self._db.read() as conn:
            waiting = memory_queries.typed_by_default(conn, list(self._classifiers), self._backfilled, BACKFILL_BATCH)
        if not waiting:
            self._backfilled = 0  # from the start at the next look
            return BACKFILL_IDLE_SECONDS
        self.classify_ready(waiting)
        # Past them whatever happened (one without a vector is not read again in this pass).
        self._backfilled = waiting[-1].rowid
        return 0.0

    def classify_ready(self, ready: Sequence[EmbeddedMemory]) -> list[Memory]:
        """Classify those of ``ready`` (just embedded) that wait for a type; returns the memories changed."""
        waiting = [m for m in ready if m.memory_type_source is TypeSource.DEFAULT and m.model_id in self._classifiers]
        if not waiting:
            return []
        with self._db.write() as conn:
            currents = memory_queries.get_many(conn, [m.rowid for m in waiting])
            # Typed by someone meanwhile, or re-embedded by another model: nothing to guess.
            still = [currents[m.rowid] for m in waiting if m.rowid in currents
                     and currents[m.rowid].memory_type_source is TypeSource.DEFAULT
                     and currents[m.rowid].model_id == m.model_id]
            found = vectors.first_vectors(conn, [m.rowid for m in still])
            items = []
            for current in still:
                if current.rowid not in found:
                    continue
                stamp = Stamp(self._clock.now(), self._clock.device_id, self._wall())
                items.append((current, FieldChanges(memory_type=self.guess(found[current.rowid], current.model_id),
                                                    memory_type_source=TypeSource.INFERRED), stamp))
            # One batched derived update for all (no new versions), as many single updates would leave it.
            changed = writes.update_derived_many(conn, items)
        if changed:
            self._events.emit(event_for(ChangeKind.UPDATED, changed, SYSTEM))
        return changed
