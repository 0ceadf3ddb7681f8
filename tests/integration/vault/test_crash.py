"""Crash test: SIGKILL a process again and again while it stores memories and embeds them.

Each child opens the vault (with its background loops), stores memories one
at a time and in batches, and prints each id once ``create`` has returned (an
acknowledged write). The test kills it at a random moment, starts the next
one on the same vault, and at the end counts acknowledged writes that are
missing, jobs that never finish, and what ``memvault check`` finds.

The default run kills 5 times; ``pytest -m long`` runs the 50-kill version
(``-s`` prints the figures).
"""

import random
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from memvault.domain.errors import NotFound
from memvault.service.container import open_vault
from tests.helpers import PASSPHRASE, ROOT, fast_settings

# Real subprocesses, kills or timeouts of many seconds: the slow tier (the long versions are -m long).
pytestmark = pytest.mark.slow

CHILD = textwrap.dedent("""
    import sys
    from memvault.config import load_settings
    from memvault.domain.models import MemoryCreate
    from memvault.service.container import create_vault, load_embedder, open_vault, vault_exists
    home, passphrase, start = sys.argv[1], sys.argv[2], int(sys.argv[3])
    settings = load_settings(environ={}, home=home, kdf_memory_kib=1024, kdf_iterations=1, reader_cache_mib=32)
    embedder = load_embedder(settings)
    opener = open_vault if vault_exists(settings) else create_vault
    services = opener(settings, passphrase, embedder, background=True)
    print("open", flush=True)

    def text(i):
        # Mostly short; every 25th long enough for several chunks.
        return f"crash test memory {i} " + ("filler words " * 400 if i % 25 == 0 else "about the weather")

    i = start
    while True:
        if i % 5 == 0:
            batch = services.memories.create_batch([MemoryCreate(content=text(i + k)) for k in range(5)])
            for item in batch.items:
                print("ack", item.memory_id, flush=True)
            i += 5
        else:
            print("ack", services.memories.create(MemoryCreate(content=text(i))).memory.id, flush=True)
            i += 1
""")


def _drain_while_progressing(jobs, patience: float = 60.0) -> None:
    """Wait for the restarted worker to empty the queue; give up when it stops shrinking (what is left is stuck)."""
    best, since = jobs.depth(), time.monotonic()
    while best and time.monotonic() - since < patience:
        time.sleep(1)
        depth = jobs.depth()
        if depth < best:
            best, since = depth, time.monotonic()


def run_crashes(home, embedder, kills: int, rng: random.Random) -> dict[str, float]:
    acked: list[str] = []
    started = time.monotonic()
    for round_ in range(kills):
        child = subprocess.Popen([sys.executable, "-c", CHILD, str(home), PASSPHRASE, str(len(acked) * 10 + round_)],
                                 cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert child.stdout is not None
        line = child.stdout.readline()
        assert line.strip() == "open", f"round {round_}: the vault did not open: {child.stderr.read()}"
        # Kill at a random moment: during a store, a batch, an embedding, a commit.
        deadline = time.monotonic() + rng.uniform(0.1, 1.2)
        got: list[str] = []
        while time.monotonic() < deadline:
            line = child.stdout.readline()
            if not line:
                break
            if line.startswith("ack "):
                got.append(line.split()[1])
        child.send_signal(signal.SIGKILL)
        rest, err = child.communicate(timeout=30)
        assert child.returncode == -signal.SIGKILL, err
        # Lines the child had flushed before it died were acknowledged too.
        got += [ln.split()[1] for ln in rest.splitlines() if ln.startswith("ack ")]
        acked += got
    crash_seconds = time.monotonic() - started

    services = open_vault(fast_settings(home), PASSPHRASE, embedder, background=True)
    try:
        lost = []
        for memory_id in acked:
            try:
                services.memories.get(memory_id)
            except NotFound:
                lost.append(memory_id)
        _drain_while_progressing(services.jobs)
        report = services.integrity.check()
    finally:
        services.close()
    stuck = report.counts["processing"] + report.counts["failed"]
    figures = {"kills": kills, "acknowledged": len(acked), "stored": report.counts["memories"], "lost": len(lost),
               "stuck_jobs": stuck, "integrity_problems": len(report.problems),
               "crash_phase_s": round(crash_seconds, 1)}
    print("crash test:", figures)
    assert not lost, f"{len(lost)} acknowledged writes lost"
    assert not stuck, f"{stuck} memories never became ready"
    assert report.ok, report.problems
    return figures


def test_five_kills_during_ingest_lose_nothing_acknowledged(tmp_path, embedder):
    run_crashes(tmp_path / "vault", embedder, 5, random.Random(9))


@pytest.mark.long
def test_fifty_kills_during_ingest_lose_nothing_acknowledged(tmp_path, embedder):
    # About 10 minutes: runs only with -m long (tests/conftest.py).
    run_crashes(tmp_path / "vault", embedder, 50, random.Random(50))
