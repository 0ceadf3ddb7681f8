"""The durable embedding queue: batching, retries with backoff, crash recovery."""

import signal
import subprocess
import sys
import textwrap
import threading
import time
from concurrent.futures import Future

import pytest
from sqlalchemy import text

from memvault.domain.enums import EmbeddingStatus
from memvault.domain.models import MemoryCreate, MemoryFilter
from memvault.embedding.model import PendingDocuments
from memvault.embedding.queue import EmbeddingWorker
from memvault.service.background import Background
from memvault.service.container import open_vault
from memvault.service.health import HealthMonitor
from memvault.vault.jobs import FAILED_AFTER_ATTEMPTS, MAX_BACKOFF_SECONDS
from tests.helpers import PASSPHRASE, ROOT, fast_settings, wait_for

pytestmark = pytest.mark.usefixtures("queued_stores")


def test_store_returns_processing_and_the_worker_makes_it_ready(services):
    created = services.memories.create(MemoryCreate(content="queued for embedding")).memory
    assert created.embedding_status is EmbeddingStatus.PROCESSING
    assert services.jobs.depth() == 1
    services.background.start()
    wait_for(lambda: services.memories.get(created.id).embedding_status is EmbeddingStatus.READY)
    assert services.jobs.depth() == 0
    assert services.memories.get(created.id).model_id == services.embedder.model_id


class BrokenEmbedder:
    def __init__(self, real, failures):
        self.real, self.failures = real, failures

    def embed_documents(self, texts):
        if self.failures > 0:
            self.failures -= 1
            raise RuntimeError("simulated inference failure")
        return self.real.embed_documents(texts)


def _make_due(services):
    with services.vault.db.write() as conn:
        conn.execute(text("UPDATE embedding_jobs SET next_attempt_at = 0"))


def test_failures_are_recorded_retried_with_backoff_then_succeed(services, embedder):
    memory = services.memories.create(MemoryCreate(content="will fail a few times")).memory
    worker = EmbeddingWorker(services.jobs, BrokenEmbedder(embedder, FAILED_AFTER_ATTEMPTS), batch_size=8)
    delays = []
    for attempt in range(1, FAILED_AFTER_ATTEMPTS + 1):
        assert worker.run_once() == 1
        with services.vault.db.read() as conn:
            row = conn.execute(text("SELECT attempts, next_attempt_at, last_error FROM embedding_jobs")).one()
        assert row.attempts == attempt and "simulated" in row.last_error
        delays.append(row.next_attempt_at - time.time())
        assert worker.run_once() == 0, "a failed job must wait for its backoff"
        _make_due(services)
    assert delays == sorted(delays), "backoff grows with each attempt"
    assert services.memories.get(memory.id).embedding_status is EmbeddingStatus.FAILED
    assert worker.run_once() == 1
    assert services.memories.get(memory.id).embedding_status is EmbeddingStatus.READY
    assert services.jobs.depth() == 0


def test_working_means_a_job_is_due_or_being_embedded_not_one_waiting_out_a_backoff(services, clock):
    assert not services.jobs.working()
    services.memories.create(MemoryCreate(content="due now"))
    assert services.jobs.working()
    jobs = services.jobs.claim(8)
    assert len(jobs) == 1 and services.jobs.working()  # leased: being embedded
    services.jobs.fail(jobs, "simulated")
    assert not services.jobs.working()  # one failing memory holds nothing else up
    clock.advance(MAX_BACKOFF_SECONDS + 1)
    assert services.jobs.working()


class CountingEmbedder:
    """The test embedder, counting its calls: a claim's write can tell whether the next claim started
    embedding before the write ended (the overlap), however loaded the machine."""

    def __init__(self, real):
        self.real, self.calls, self.writes = real, 0, 0
        self._cond = threading.Condition()

    def embed_documents(self, texts):
        self._count()
        return self.real.embed_documents(texts)

    def start_documents(self, texts):
        self._count()
        return self.real.start_documents(texts)

    def _count(self):
        with self._cond:
            self.calls += 1
            self._cond.notify_all()

    def writing(self) -> bool:
        """A claim's write starts: whether the next claim's embedding starts before it ends."""
        with self._cond:
            self.writes += 1
            return self._cond.wait_for(lambda: self.calls > self.writes, timeout=1)


class WatchedJobStore:
    """The real job store; each write of vectors records whether an embedding ran beside it."""

    def __init__(self, real, embedder, on_complete=None):
        self.real, self.embedder, self.on_complete, self.beside = real, embedder, on_complete, []

    def __getattr__(self, name):
        return getattr(self.real, name)

    def complete(self, results):
        if self.on_complete is not None:
            self.on_complete()
        self.beside.append(self.embedder.writing())
        return self.real.complete(results)


def _embedding_loop(services, worker):
    loops = Background(HealthMonitor(services.vault.db))
    loops.add("embedding", worker.step, wake=worker.wake_event, finish=worker.finish)
    return loops


def _all_ready(services):
    return {m.embedding_status for m in services.memories.list(MemoryFilter(), limit=100).items} == {
        EmbeddingStatus.READY}


def test_the_next_claim_is_embedded_while_the_last_one_is_written(services, embedder):
    services.memories.create_batch([MemoryCreate(content=f"overlapped claims {i}") for i in range(24)])
    counting = CountingEmbedder(embedder)
    store = WatchedJobStore(services.jobs, counting)
    loops = _embedding_loop(services, EmbeddingWorker(store, counting, batch_size=8))
    loops.start()
    try:
        wait_for(lambda: _all_ready(services))
    finally:
        loops.stop()
    # Claims one and two are written while two and three embed; nothing is left to embed beside the third.
    assert store.beside == [True, True, False]


def test_a_stopping_loop_gives_back_the_claim_it_queued_instead_of_waiting_for_it(services, embedder):
    services.memories.create_batch([MemoryCreate(content=f"queued at lock {i}") for i in range(16)])
    counting = CountingEmbedder(embedder)
    stopper = []

    def lock_now():  # the vault locks while the first claim is written and the second is queued
        if not stopper:
            stopper.append(threading.Thread(target=loops.stop))
            stopper[0].start()
            # stop() raises its event before anything else: once it is set, this turn is the loop's last.
            wait_for(lambda: loops._stop.is_set(), timeout=10)

    store = WatchedJobStore(services.jobs, counting, on_complete=lock_now)
    worker = EmbeddingWorker(store, counting, batch_size=8)
    turns = []

    def step():
        turns.append(1)
        return worker.step()

    loops = Background(HealthMonitor(services.vault.db))
    loops.add("embedding", step, wake=worker.wake_event, finish=worker.finish)
    loops.start()
    wait_for(lambda: stopper and not stopper[0].is_alive())
    assert len(turns) == 1 and store.beside == [True], "only the first claim was written"
    # The second claim's jobs are due at once (not leased until their lease runs out), and nothing is lost.
    assert services.jobs.depth() == 8
    assert len(services.jobs.claim(16)) == 8
    with services.vault.db.write() as conn:
        conn.execute(text("UPDATE embedding_jobs SET leased_until = NULL, leased_by = NULL"))
    assert worker.drain(timeout=30)
    assert _all_ready(services)


class NeverDoneEmbedder:
    """Background embedding that never finishes on its own: only a cancel ends it."""

    def __init__(self, real):
        self.real, self.started = real, threading.Event()

    def start_documents(self, texts):
        self.started.set()
        return PendingDocuments([(list(range(len(texts))), Future())], len(texts), self.real.dimension,
                                lambda vectors: [])


def test_a_lock_does_not_wait_for_the_claim_being_embedded_and_gives_every_job_back(services, embedder):
    services.memories.create_batch([MemoryCreate(content=f"long document at lock {i}") for i in range(16)])
    never = NeverDoneEmbedder(embedder)
    worker = EmbeddingWorker(services.jobs, never, batch_size=8)
    loops = Background(HealthMonitor(services.vault.db))  # registered with its interrupt, as the vault does
    loops.add("embedding", worker.step, wake=worker.wake_event, finish=worker.finish, interrupt=worker.interrupt)
    loops.start()
    assert never.started.wait(10)
    started = time.monotonic()
    loops.stop(timeout=20)
    assert time.monotonic() - started < 5, "the lock waited for a claim that never ends"
    assert not loops.is_running("embedding")
    # Both claims' jobs are due at once, and no failed attempt is counted against them.
    with services.vault.db.read() as conn:
        rows = conn.execute(text("SELECT attempts, leased_by, last_error FROM embedding_jobs")).all()
    assert len(rows) == 16 and all(r.attempts == 0 and r.leased_by is None and r.last_error is None for r in rows)
    assert services.worker.drain(timeout=30)
    assert _all_ready(services)


def test_an_edit_during_embedding_is_not_overwritten_by_the_stale_vector(services):
    from memvault.domain.models import MemoryUpdate

    memory = services.memories.create(MemoryCreate(content="first version")).memory
    [job] = services.jobs.claim(10)
    services.memories.update(memory.id, MemoryUpdate(content="second version"))
    stale = services.embedder.embed_documents([job.content])[0]
    assert services.jobs.complete([(job, stale.spans, stale.vectors)]) == []
    assert services.jobs.depth() == 1
    _make_due(services)
    with services.vault.db.write() as conn:
        conn.execute(text("UPDATE embedding_jobs SET leased_until = NULL"))
    services.worker.drain()
    assert services.memories.get(memory.id).embedding_status is EmbeddingStatus.READY


CHILD = textwrap.dedent("""
    import os, signal, sys
    from memvault.config import load_settings
    from memvault.domain.models import MemoryCreate
    from memvault.service.container import create_vault, load_embedder
    settings = load_settings(environ={}, home=sys.argv[1], kdf_memory_kib=1024, kdf_iterations=1)
    services = create_vault(settings, sys.argv[2], load_embedder(settings), background=False)
    for i in range(60):
        services.memories.create(MemoryCreate(content=f"memory number {i} about crash recovery"))
    services.jobs.claim(16)   # leased by this process, as if mid-batch
    print("ready", flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
""")


@pytest.mark.seconds
def test_jobs_pending_at_sigkill_all_complete_after_restart(tmp_path, embedder):
    home = tmp_path / "vault"
    proc = subprocess.run([sys.executable, "-c", CHILD, str(home), PASSPHRASE], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert "ready" in proc.stdout
    services = open_vault(fast_settings(home), PASSPHRASE, embedder, background=True)
    try:
        assert services.memories.list(MemoryFilter(), limit=100).total == 60
        wait_for(lambda: services.jobs.depth() == 0, timeout=60)
        statuses = {m.embedding_status for m in services.memories.list(MemoryFilter(), limit=100).items}
        assert statuses == {EmbeddingStatus.READY}
    finally:
        services.close()
