"""The durable extraction queue's storage side, and the lookup of extracted facts by subject.

A job row holds a submitted conversation until its facts are stored; the
facts and the job's "done" are written in one transaction (the caller's), so a
crash leaves either a queued job or stored facts, never both or neither.
Workers lease jobs; a lease that runs out (a killed process) makes the job due
again. After :data:`FAILED_AFTER_ATTEMPTS` failures a job stays failed, with
its error kind, and keeps no messages. Finished jobs are forgotten after a
while (the conversation service decides when); the facts they stored stay.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

import psutil
from sqlalchemy import Connection, text

from memvault.domain.clock import Clock, system_clock
from memvault.domain.conversations import ExtractionJob, JobStatus
from memvault.vault.engine import Database
from memvault.vault.migrations import FACT_ATTRIBUTE, FACT_PERSON, FACT_SUBJECT

LEASE_SECONDS = 120
MAX_BACKOFF_SECONDS = 3600
FAILED_AFTER_ATTEMPTS = 5


@dataclass(frozen=True)
class Claimed:
    id: str
    namespace: str
    request: dict[str, Any]
    attempts: int


def _process_token(pid: int) -> str | None:
    """The pid with its start time, so a reused pid is not taken for the process that leased a job."""
    try:
        return f"{pid}:{int(psutil.Process(pid).create_time())}"
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return None


def _row_to_job(r: Any) -> ExtractionJob:
    return ExtractionJob(r.id, r.namespace, JobStatus(r.status), r.attempts, r.created_at, r.finished_at,
                         None if r.result is None else json.loads(r.result), r.last_error)


class ExtractionJobStore:
    """Enqueue, claim, finish and fail extraction jobs."""

    def __init__(self, db: Database, wall: Clock = system_clock) -> None:
        self._db = db
        self._wall = wall
        self._owner = _process_token(os.getpid()) or str(os.getpid())

    def enqueue(self, job_id: str, namespace: str, request: dict[str, Any]) -> None:
        now = self._wall()
        with self._db.write() as conn:
            conn.execute(text(
                "INSERT INTO extraction_jobs(id, namespace, status, request, next_attempt_at, created_at) "
                "VALUES (:id, :ns, :st, :rq, :now, :now)"),
                {"id": job_id, "ns": namespace, "st": JobStatus.QUEUED.value,
                 "rq": json.dumps(request, ensure_ascii=False), "now": now})

    def _lease(self, conn: Connection, where: str, params: dict[str, Any], limit: int) -> list[Claimed]:
        now = self._wall()
        rows = conn.execute(text(
            "SELECT id, namespace, request, attempts FROM extraction_jobs WHERE status IN ('queued', 'running') "
            f"AND next_attempt_at <= :now AND (leased_until IS NULL OR leased_until < :now) AND {where} "
            "ORDER BY next_attempt_at, created_at LIMIT :n"), {"now": now, "n": limit, **params}).all()
        for r in rows:
            conn.execute(text("UPDATE extraction_jobs SET status = 'running', leased_until = :u, leased_by = :o "
                              "WHERE id = :id"), {"u": now + LEASE_SECONDS, "o": self._owner, "id": r.id})
        return [Claimed(r.id, r.namespace, json.loads(r.request), r.attempts) for r in rows]

    def claim(self, limit: int = 1) -> list[Claimed]:
        """Lease up to ``limit`` due jobs, oldest first."""
        with self._db.write() as conn:
            return self._lease(conn, "1", {}, limit)

    def claim_job(self, job_id: str) -> Claimed | None:
        """Lease this one job now (to run it on the caller's thread); ``None`` if it is not due or is leased."""
        with self._db.write() as conn:
            found = self._lease(conn, "id = :id", {"id": job_id}, 1)
        return found[0] if found else None

    def release_orphaned(self) -> int:
        """Jobs leased by processes that no longer run are due again now (after a kill), not when leases end."""
        released = 0
        with self._db.write() as conn:
            owners = conn.execute(text("SELECT DISTINCT leased_by FROM extraction_jobs "
                                       "WHERE status = 'running' AND leased_by IS NOT NULL")).scalars().all()
            for owner in owners:
                pid = owner.split(":", 1)[0]
                if owner != self._owner and pid.isdigit() and _process_token(int(pid)) == owner:
                    continue  # another live process works on these
                released += conn.execute(text(
                    "UPDATE extraction_jobs SET leased_until = NULL, leased_by = NULL, status = 'queued' "
                    "WHERE leased_by = :o AND status = 'running'"), {"o": owner}).rowcount
        return released

    def finish(self, conn: Connection, job_id: str, result: dict[str, Any]) -> None:
        """Mark a job done with its result, inside the transaction that stored its facts; its messages go."""
        conn.execute(text(
            "UPDATE extraction_jobs SET status = 'done', request = NULL, result = :r, leased_until = NULL, "
            "leased_by = NULL, last_error = NULL, finished_at = :now WHERE id = :id"),
            {"r": json.dumps(result, ensure_ascii=False), "now": self._wall(), "id": job_id})

    def fail(self, job: Claimed, error: str, *, final: bool = False) -> JobStatus:
        """Record a failure: retried with backoff, or failed for good (``final`` or too many attempts)."""
        now = self._wall()
        attempts = job.attempts + 1
        failed = final or attempts >= FAILED_AFTER_ATTEMPTS
        with self._db.write() as conn:
            conn.execute(text(
                "UPDATE extraction_jobs SET status = :st, attempts = :a, next_attempt_at = :n, leased_until = NULL, "
                "leased_by = NULL, last_error = :e, finished_at = :f, request = CASE WHEN :failed THEN NULL "
                "ELSE request END WHERE id = :id"),
                {"st": (JobStatus.FAILED if failed else JobStatus.QUEUED).value, "a": attempts,
                 "n": now + min(MAX_BACKOFF_SECONDS, 2 ** attempts), "e": error[:500], "f": now if failed else None,
                 "failed": int(failed), "id": job.id})
        return JobStatus.FAILED if failed else JobStatus.QUEUED

    def get(self, job_id: str) -> ExtractionJob | None:
        with self._db.read() as conn:
            r = conn.execute(text(
                "SELECT id, namespace, status, result, attempts, created_at, finished_at, last_error "
                "FROM extraction_jobs WHERE id = :id"), {"id": job_id}).first()
        return None if r is None else _row_to_job(r)

    def purge_finished(self, older_than: float) -> int:
        """Forget done and failed jobs that finished before ``older_than`` (their facts stay)."""
        with self._db.write() as conn:
            return conn.execute(text("DELETE FROM extraction_jobs WHERE status IN ('done', 'failed') "
                                     "AND finished_at < :t"), {"t": older_than}).rowcount

    def depth(self) -> int:
        """Jobs waiting or running."""
        with self._db.read() as conn:
            return int(conn.execute(text(
                "SELECT count(*) FROM extraction_jobs WHERE status IN ('queued', 'running')")).scalar_one())

    def next_due_in(self) -> float | None:
        """Seconds until the next job is due (0 if one is due now), or ``None`` if none waits."""
        with self._db.read() as conn:
            due = conn.execute(text(
                "SELECT min(max(next_attempt_at, coalesce(leased_until, 0))) FROM extraction_jobs "
                "WHERE status IN ('queued', 'running')")).scalar_one()
        return None if due is None else max(0.0, float(due) - self._wall())


@dataclass(frozen=True)
class StoredFact:
    """What dedup and supersession need of a stored fact."""

    rowid: int
    id: str
    content: str
    fact: dict[str, Any]
    superseded: bool
    #: The fact's own time (an imported conversation's facts are dated by it).
    created_at: float = 0.0


def facts_about(conn: Connection, namespace: str, person: str, subject: str, *, recent: int,
                attributes: set[str]) -> list[StoredFact]:
    """Live (not trashed, not superseded) facts of ``namespace`` about ``person``'s ``subject``: the ``recent``
    newest, and every one that sets one of ``attributes``; newest first.

    Both come from indexes (:func:`memvault.vault.migrations._v14`), so the cost does not grow with the number
    of facts stored about the person.
    """
    where = (f"namespace = :ns AND {FACT_PERSON} = :p AND {FACT_SUBJECT} = :s AND {FACT_SUBJECT} IS NOT NULL")
    params: dict[str, Any] = {"ns": namespace, "p": person, "s": subject, "n": recent}
    rows = list(conn.execute(text(
        f"SELECT id, uuid, content, metadata, deleted_at, created_at FROM memories WHERE {where} "
        "ORDER BY id DESC LIMIT :n"),
        params))
    if attributes:
        names = {f"a{i}": a for i, a in enumerate(sorted(attributes))}
        marks = ", ".join(f":{n}" for n in names)
        rows += conn.execute(text(
            f"SELECT id, uuid, content, metadata, deleted_at, created_at FROM memories WHERE {where} "
            f"AND {FACT_ATTRIBUTE} "
            f"IN ({marks}) AND {FACT_ATTRIBUTE} IS NOT NULL"), {**params, **names}).all()
    found: dict[int, StoredFact] = {}
    for r in rows:
        if r.deleted_at is not None or r.id in found:
            continue
        metadata = json.loads(r.metadata)
        found[r.id] = StoredFact(r.id, r.uuid, r.content, metadata.get("fact") or {}, "superseded_by" in metadata,
                                 float(r.created_at))
    return sorted((f for f in found.values() if not f.superseded), key=lambda f: -f.rowid)
