"""The durable embedding queue: batching, retries with backoff, crash recovery."""

import signal
import subprocess
import sys
import textwrap
import time

from sqlalchemy import text

from app.domain.enums import EmbeddingStatus
from app.domain.models import MemoryCreate, MemoryFilter
from app.embedding.queue import EmbeddingWorker
from app.service.container import open_vault
from app.vault.jobs import FAILED_AFTER_ATTEMPTS, MAX_BACKOFF_SECONDS
from tests.helpers import PASSPHRASE, ROOT, fast_settings, wait_for


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


def test_an_edit_during_embedding_is_not_overwritten_by_the_stale_vector(services):
    from app.domain.models import MemoryUpdate

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
    from app.config import load_settings
    from app.domain.models import MemoryCreate
    from app.service.container import create_vault, load_embedder
    settings = load_settings(environ={}, home=sys.argv[1], kdf_memory_kib=1024, kdf_iterations=1)
    services = create_vault(settings, sys.argv[2], load_embedder(settings), background=False)
    for i in range(60):
        services.memories.create(MemoryCreate(content=f"memory number {i} about crash recovery"))
    services.jobs.claim(16)   # leased by this process, as if mid-batch
    print("ready", flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
""")


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
