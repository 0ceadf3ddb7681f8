"""Crash test of the vector index: SIGKILL a process at random moments while it writes, snapshots and
replays, restart, and the restored index must hold exactly the vectors vec0 holds (never a deleted
memory, never a missing stored one)."""

import random
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from sqlalchemy import text

from memvault.domain.models import MemoryFilter
from memvault.service.container import open_vault
from memvault.vault import search as vsearch
from memvault.vault.knn import IndexState, planner
from tests.helpers import PASSPHRASE, ROOT, fast_settings
from tests.helpers.knn import assert_same_answer, index_keys, stored_chunks
from tests.helpers.fake_embedder import FakeEmbedder

pytestmark = pytest.mark.slow  # real subprocesses killed again and again

CHILD = textwrap.dedent("""
    import random, sys
    from memvault.config import load_settings
    from memvault.domain.models import MemoryCreate, MemoryUpdate
    from memvault.service.container import create_vault, open_vault, vault_exists
    from memvault.vault.knn import VectorIndex
    from tests.helpers.fake_embedder import FakeEmbedder
    home, passphrase, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
    # Snapshots every few changes, so that kills land inside snapshot writes and log truncation too.
    VectorIndex.SNAPSHOT_MIN_CHANGES = 15
    VectorIndex.MAINTAIN_SECONDS = 0.02
    settings = load_settings(environ={}, home=home, kdf_memory_kib=1024, kdf_iterations=1, reader_cache_mib=32)
    opener = open_vault if vault_exists(settings) else create_vault
    services = opener(settings, passphrase, FakeEmbedder(), background=True)
    print("open", flush=True)
    rng = random.Random(seed)
    live = [m.id for m in services.memories.list(__import__("memvault.domain.models", fromlist=["MemoryFilter"])
            .MemoryFilter(namespace=None), limit=500).items]
    words = [f"w{i}" for i in range(300)]
    while True:
        roll = rng.random()
        ns = rng.choice(["a", "b"])
        if roll < 0.5 or len(live) < 10:
            batch = services.memories.create_batch([
                MemoryCreate(content=" ".join(rng.sample(words, 6)) + (" long" * 700 if rng.random() < 0.05 else ""),
                             namespace=ns) for _ in range(rng.randint(1, 8))])
            live += [item.memory_id for item in batch.items]
            services.worker.wake()
        elif roll < 0.7:
            victim = live.pop(rng.randrange(len(live)))
            services.lifecycle.hard_delete(victim, namespace=None)
        elif roll < 0.85:
            services.memories.update(live[rng.randrange(len(live))], MemoryUpdate(content=" ".join(rng.sample(words, 5))),
                                     namespace=None)
            services.worker.wake()
        else:
            services.vector_index.snapshot()
""")


def _run_and_kill(home, seed: int, rng: random.Random) -> None:
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(home), PASSPHRASE, str(seed)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "open", proc.stderr.read()
        time.sleep(rng.uniform(0.3, 2.5))
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)


def _check(services) -> None:
    assert services.vector_index.ensure_open() is IndexState.READY
    with services.vault.db.read() as conn:
        chunks = conn.execute(text("SELECT count(*) FROM chunks")).scalar_one()
    stored = stored_chunks(services)
    assert sum(map(len, stored.values())) == chunks
    assert index_keys(services) == stored, "the index holds exactly the stored vectors: nothing deleted, nothing missing"


def test_killed_processes_never_leave_an_index_that_disagrees_with_the_vault(tmp_path, monkeypatch):
    rng = random.Random(11)
    home = tmp_path / "vault"
    for round_ in range(6):
        _run_and_kill(home, round_, rng)
        services = open_vault(fast_settings(home), PASSPHRASE, FakeEmbedder(), background=False)
        try:
            services.worker.drain()
            _check(services)
            # And through search: the ANN path answers as exact search does.
            monkeypatch.setattr(planner, "SELECTIVE_CAP", 0)
            for ns in ("a", "b"):
                q = services.embedder.embed_query(" ".join(rng.sample([f"w{i}" for i in range(300)], 6)))
                f = MemoryFilter(namespace=ns)
                with services.vault.db.read() as conn:
                    exact = vsearch.knn(conn, q, f, 10, time.time())
                    got, plan = planner.nearest(conn, services.vector_index, q, f, 10, time.time())
                assert plan.path in {"ann", "ann_fallback"}
                assert_same_answer(got, exact)
        finally:
            services.vector_index.CLOSE_MIN_CHANGES = 10**9  # leave the snapshot as the kill left it
            services.close()
    last = open_vault(fast_settings(home), PASSPHRASE, FakeEmbedder(), background=False)
    try:
        with last.vault.db.read() as conn:
            saved = int(conn.execute(text("SELECT value FROM settings WHERE key = 'knn_snapshot_seq'")).scalar_one())
        assert saved > 0, "the children did write snapshots before they were killed"
    finally:
        last.close()
