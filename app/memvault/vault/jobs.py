"""The durable embedding queue's storage side.

A job row is written in the same transaction as the memory it belongs to, so
a crash can never leave a memory without either a vector or a pending job.
Workers lease jobs for a while; a lease that runs out (a killed process) makes
the job due again.

A memory's stored vectors are the model's vectors of its own text, nothing
else: they do not depend on the order jobs ran in, keep no trace of a deleted
neighbour, and mean the same on every device a bundle or sync carries them to.
What a conversation's neighbouring turns add is computed at query time
(:mod:`memvault.ranking.turn_context`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import psutil
from sqlalchemy import text

from memvault.domain.clock import Clock, system_clock
from memvault.domain.enums import EmbeddingStatus
from memvault.domain.hlc import HybridClock
from memvault.domain.models import EmbeddedMemory
from memvault.vault import memories as memory_writes
from memvault.vault import filters, memory_queries, memory_vectors
from memvault.vault.engine import Database
from memvault.vault.oplog import Stamp
from memvault.vault.vectors import Embedded

LEASE_SECONDS = 120
MAX_BACKOFF_SECONDS = 3600
FAILED_AFTER_ATTEMPTS = 5


@dataclass(frozen=True)
class Job:
    memory_id: int
    content_hash: str
    content: str
    attempts: int


def _process_token(pid: int) -> str | None:
    try:
        return f"{pid}:{int(psutil.Process(pid).create_time())}"
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return None


class EmbeddingJobStore:
    """Claim, complete and fail embedding jobs, each in its own transaction."""

    def __init__(self, db: Database, model_id: str, clock: HybridClock, wall: Clock = system_clock) -> None:
        self._db = db
        self._model_id = model_id
        self._clock = clock
        self._wall = wall
        self._owner = _process_token(os.getpid()) or str(os.getpid())

    def release_orphaned(self) -> int:
        """Make jobs leased by processes that no longer run due again (e.g. after SIGKILL)."""
        with self._db.write() as conn:
            owners = conn.execute(
                text("SELECT DISTINCT leased_by FROM embedding_jobs WHERE leased_by IS NOT NULL")
            ).scalars().all()
            released = 0
            for owner in owners:
                pid = owner.split(":", 1)[0]
                if owner != self._owner and pid.isdigit() and _process_token(int(pid)) == owner:
                    continue  # another live process is working on these
                released += conn.execute(
                    text("UPDATE embedding_jobs SET leased_until = NULL, leased_by = NULL WHERE leased_by = :o"),
                    {"o": owner},
                ).rowcount
        return released

    def claim(self, limit: int, now: float | None = None) -> list[Job]:
        now = self._wall() if now is None else now
        with self._db.write() as conn:
            rows = conn.execute(
                text(
                    "SELECT j.memory_id, j.content_hash, j.attempts, m.content FROM embedding_jobs j "
                    "JOIN memories m ON m.id = j.memory_id "
                    "WHERE j.next_attempt_at <= :now AND (j.leased_until IS NULL OR j.leased_until < :now) "
                    "ORDER BY j.next_attempt_at, j.memory_id LIMIT :n"
                ),
                {"now": now, "n": limit},
            ).all()
            if rows:
                conn.execute(
                    text("UPDATE embedding_jobs SET leased_until = :u, leased_by = :o "
                         "WHERE memory_id IN (SELECT value FROM json_each(:ids))"),
                    {"u": now + LEASE_SECONDS, "o": self._owner, "ids": filters.json_ids(r.memory_id for r in rows)},
                )
        return [Job(r.memory_id, r.content_hash, r.content, r.attempts) for r in rows]

    def complete(self, results: list[tuple[Job, list[tuple[int, int]], np.ndarray]]) -> list[EmbeddedMemory]:
        """Store vectors for finished jobs; returns the memories that became ready.

        A memory deleted or edited while it was being embedded is skipped: its
        newer job (if any) stays queued.
        """
        with self._db.write() as conn:
            stamp = Stamp(self._clock.now(), self._clock.device_id, self._wall())
            currents = memory_queries.vector_targets(conn, [job.memory_id for job, _, _ in results])
            items = [(job.memory_id, job.content_hash, Embedded(spans, vecs, self._model_id))
                     for job, spans, vecs in results]
            stored = memory_vectors.store_vectors_many(conn, items, stamp, currents=currents)
        return [m for m in stored if m is not None]

    def release(self, jobs: list[Job]) -> None:
        """Give back claimed jobs unfinished (a stopping worker dropped them): due again at once, no attempt counted."""
        if not jobs:
            return
        with self._db.write() as conn:
            conn.execute(
                text("UPDATE embedding_jobs SET leased_until = NULL, leased_by = NULL "
                     "WHERE leased_by = :o AND memory_id IN (SELECT value FROM json_each(:ids))"),
                {"o": self._owner, "ids": filters.json_ids(j.memory_id for j in jobs)},
            )

    def fail(self, jobs: list[Job], error: str, now: float | None = None) -> None:
        """Record a failure and schedule a retry with exponential backoff."""
        now = self._wall() if now is None else now
        with self._db.write() as conn:
            for job in jobs:
                attempts = job.attempts + 1
                delay = min(MAX_BACKOFF_SECONDS, 2 ** attempts)
                conn.execute(
                    text(
                        "UPDATE embedding_jobs SET attempts = :a, next_attempt_at = :n, leased_until = NULL, "
                        "leased_by = NULL, last_error = :e WHERE memory_id = :m AND content_hash = :h"
                    ),
                    {"a": attempts, "n": now + delay, "e": error[:500], "m": job.memory_id, "h": job.content_hash},
                )
                if attempts >= FAILED_AFTER_ATTEMPTS:
                    memory_writes.mark_embedding_failed(conn, job.memory_id)

    def stale_memory_ids(self, namespace: str | None = None, *, everything: bool = False,
                         waiting: bool = False) -> list[int]:
        """Memories whose vectors another model made, or that failed to embed (``everything``: all;
        ``waiting``: also those never embedded yet, which a short-lived process leaves in the queue).

        Trashed and archived memories count: they can come back, and their
        vectors must then be comparable with the rest.
        """
        where, params = self._stale_where(namespace, everything, waiting)
        with self._db.read() as conn:
            return list(conn.execute(text(f"SELECT id FROM memories WHERE {where} ORDER BY id"), params).scalars())

    def count_waiting(self, namespace: str | None = None) -> int:
        """Memories never embedded yet (in the queue): semantic search cannot find them until they are."""
        where, params = "model_id IS NULL AND embedding_status != :failed", {"failed": EmbeddingStatus.FAILED.value}
        if namespace is not None:
            where += " AND namespace = :ns"
            params["ns"] = namespace
        with self._db.read() as conn:
            return int(conn.execute(text(f"SELECT count(*) FROM memories WHERE {where}"), params).scalar_one())

    def count_stale(self, namespace: str | None = None) -> int:
        """How many memories :meth:`stale_memory_ids` would return."""
        where, params = self._stale_where(namespace, everything=False)
        with self._db.read() as conn:
            return int(conn.execute(text(f"SELECT count(*) FROM memories WHERE {where}"), params).scalar_one())

    def _stale_where(self, namespace: str | None, everything: bool, waiting: bool = False) -> tuple[str, dict]:
        # Only columns of ix_memories_model, so this reads that index, not the table.
        where, params = ("1", {}) if everything else (
            # A memory with no model yet is waiting in the queue, not stale (unless ``waiting``).
            "((model_id IS NOT NULL AND model_id != :mid) OR embedding_status = :failed"
            + (" OR model_id IS NULL)" if waiting else ")"),
            {"mid": self._model_id, "failed": EmbeddingStatus.FAILED.value})
        if namespace is not None:
            where += " AND namespace = :ns"
            params["ns"] = namespace
        return where, params

    def load(self, memory_ids: list[int]) -> list[Job]:
        """Jobs for embedding these memories again now (outside the queue); gone ones are skipped."""
        if not memory_ids:
            return []
        marks = ", ".join(f":m{i}" for i in range(len(memory_ids)))
        with self._db.read() as conn:
            rows = conn.execute(
                text(f"SELECT id, content_hash, content FROM memories WHERE id IN ({marks}) ORDER BY id"),
                {f"m{i}": m for i, m in enumerate(memory_ids)},
            ).all()
        return [Job(r.id, r.content_hash, r.content, 0) for r in rows]

    def depth(self) -> int:
        with self._db.read() as conn:
            return int(conn.execute(text("SELECT count(*) FROM embedding_jobs")).scalar_one())

    def working(self, now: float | None = None) -> bool:
        """Whether a job is due now or being embedded (leased): what other background work gives way to.

        A job waiting out a backoff does not count, so one failing memory holds nothing else up.
        """
        now = self._wall() if now is None else now
        with self._db.read() as conn:
            return bool(conn.execute(
                text("SELECT EXISTS(SELECT 1 FROM embedding_jobs WHERE next_attempt_at <= :now "
                     "OR leased_until >= :now)"), {"now": now}).scalar_one())

    def next_due_in(self, now: float | None = None) -> float | None:
        """Seconds until the next job is due (0 if one is due now), or ``None`` if none wait."""
        now = self._wall() if now is None else now
        with self._db.read() as conn:
            due = conn.execute(
                text("SELECT min(max(next_attempt_at, coalesce(leased_until, 0))) FROM embedding_jobs")
            ).scalar_one()
        return None if due is None else max(0.0, float(due) - now)
