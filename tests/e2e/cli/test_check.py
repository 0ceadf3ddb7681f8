"""`memvault check`, damaged and full vaults at the command line, `stats` health, and `add` waiting for its own memory.

Commands run as subprocesses, so what a user sees (stderr, exit status, a
crash's traceback if there were one) is what is checked.
"""

import json
import os
import subprocess
import sys
import time

import pytest
from sqlalchemy import text

from memvault.domain.enums import EmbeddingStatus
from memvault.domain.models import MemoryCreate, MemoryFilter
from memvault.service.container import create_vault, open_vault
from memvault.vault.vault import db_path
from tests.helpers import PASSPHRASE, ROOT, fast_settings
from tests.helpers.storage import damage_page, fill, small_disk

# The commands run in subprocesses with the real model, so the vaults are made with it too.
pytestmark = pytest.mark.slow

MARKER = "QQ-CLI-MARKER-a83e"


def memvault(home, *argv, timeout=300):
    env = dict(os.environ, MEMVAULT_HOME=str(home), MEMVAULT_PASSPHRASE=PASSPHRASE, MEMVAULT_KDF_MEMORY_KIB="1024",
               MEMVAULT_KDF_ITERATIONS="1", MEMVAULT_READER_CACHE_MIB="32")
    return subprocess.run([sys.executable, "-m", "memvault", *argv], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)


def _vault(tmp_path, embedder, n=12, home=None):
    settings = fast_settings(home or tmp_path / "vault")
    svc = create_vault(settings, PASSPHRASE, embedder, background=False)
    made = [svc.memories.create(MemoryCreate(content=f"{MARKER} note {i} about {w}")).memory
            for i, w in enumerate(["sailing", "baking", "chess"] * (n // 3))]
    svc.worker.drain()
    return settings, svc, made


def test_check_on_a_healthy_vault(tmp_path, embedder):
    settings, svc, _ = _vault(tmp_path, embedder)
    svc.close()
    proc = memvault(settings.home_path, "check")
    assert proc.returncode == 0, proc.stderr
    assert "The vault is intact" in proc.stdout and "12 memories" in proc.stdout
    proc = memvault(settings.home_path, "check", "--json")
    report = json.loads(proc.stdout)
    assert report["ok"] and report["counts"]["vectors"] >= 12


def test_check_finds_a_broken_index_and_repair_fixes_it(tmp_path, embedder):
    settings, svc, made = _vault(tmp_path, embedder)
    with svc.vault.db.write() as conn:
        conn.execute(text("DELETE FROM memory_fts WHERE rowid = :r"), {"r": made[0].rowid})
    svc.close()
    proc = memvault(settings.home_path, "check")
    assert proc.returncode == 3
    assert "PROBLEM (fts)" in proc.stdout and "memvault check --repair" in proc.stdout
    proc = memvault(settings.home_path, "check", "--repair")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "rebuilt the full-text index" in proc.stdout and "intact" in proc.stdout
    assert MARKER not in proc.stdout + proc.stderr


def test_a_damaged_vault_gives_one_line_and_no_memory_text(tmp_path, embedder):
    settings, svc, _ = _vault(tmp_path, embedder, n=60)
    with svc.vault.db.read() as conn:
        root = conn.execute(text("SELECT rootpage FROM sqlite_master WHERE name = 'memories'")).scalar_one()
    svc.close()
    damage_page(db_path(settings.home_path), int(root))
    for argv in (("list",), ("search", MARKER, "--mode", "keyword"), ("add", f"{MARKER} new", "--no-wait"),
                 ("search", "anything", "--metadata", json.dumps({"k": MARKER}))):
        proc = memvault(settings.home_path, *argv)
        assert proc.returncode == 1, (argv, proc.stdout, proc.stderr)
        assert proc.stderr.startswith("memvault: the vault file is damaged"), proc.stderr
        assert "memvault check" in proc.stderr
        assert "Traceback" not in proc.stderr and MARKER not in proc.stderr + proc.stdout
        assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    proc = memvault(settings.home_path, "check")
    assert proc.returncode == 3 and "fail their authentication check" in proc.stdout
    assert MARKER not in proc.stdout + proc.stderr


def test_a_full_disk_gives_one_line_and_reads_still_work(tmp_path, embedder):
    with small_disk(tmp_path / "disk") as disk:
        settings, svc, _ = _vault(tmp_path, embedder, home=disk / "vault")
        svc.close()
        ballast = fill(disk)
        proc = memvault(settings.home_path, "add", f"{MARKER} " + "long text " * 3000)
        assert proc.returncode == 1, proc.stdout + proc.stderr
        assert proc.stderr.startswith("memvault: the disk holding the vault") and "full" in proc.stderr
        assert "Traceback" not in proc.stderr and MARKER not in proc.stderr
        proc = memvault(settings.home_path, "list", "--limit", "3")
        assert proc.returncode == 0 and "of 12" in proc.stdout
        proc = memvault(settings.home_path, "stats", "--json")
        assert proc.returncode == 0, proc.stderr
        health = json.loads(proc.stdout)["health"]
        assert health["status"] == "degraded" and health["reasons"][0]["error"] == "storage_full"
        ballast.unlink()
        proc = memvault(settings.home_path, "stats")
        assert proc.returncode == 0 and "health: ok" in proc.stdout


def test_add_waits_for_its_own_memory_not_the_backlog(tmp_path, embedder):
    """20 long memories queued by earlier runs: `add` embeds its own and leaves the backlog to the worker."""
    settings = fast_settings(tmp_path / "vault")
    svc = create_vault(settings, PASSPHRASE, embedder, background=False)
    for i in range(20):
        svc.memories.create(MemoryCreate(content=f"backlog item {i}: " + "a long paragraph of text " * 400))
    assert svc.jobs.depth() == 20
    svc.close()
    started = time.monotonic()
    proc = memvault(settings.home_path, "add", "The user's cat is called Miso", "--json")
    took = time.monotonic() - started
    assert proc.returncode == 0, proc.stderr
    added = json.loads(proc.stdout)["memory"]
    assert added["embedding_status"] == "ready"
    svc = open_vault(settings, PASSPHRASE, embedder, background=False)
    try:
        assert svc.jobs.depth() == 20, "the backlog is left for the background worker"
        waiting = svc.memories.list(MemoryFilter(), limit=50).items
        assert sum(m.embedding_status is EmbeddingStatus.PROCESSING for m in waiting) == 20
    finally:
        svc.close()
    print(f"add with 20 long memories queued returned in {took:.1f} s")
