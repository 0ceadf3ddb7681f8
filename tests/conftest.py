"""Shared fixtures: real SQLCipher vaults in temporary folders, and an embedder per test's needs.

Tests marked ``slow`` depend on meaning (or on the real model itself) and get the
bundled ONNX model; every other test gets a deterministic fake embedder, so the
fast tier (``pytest -m "not slow"``) never loads the model.
"""

from __future__ import annotations

import os
import re
import sys

# An environment may ask for no bytecode (PYTHONDONTWRITEBYTECODE=1); the suite keeps the test modules pytest
# rewrites, and the app's compiled modules, in their git-ignored __pycache__ folders anyway. Otherwise every
# xdist worker rewrites all the test modules again on every run: about 9 of the 14 CPU-s each worker spends
# collecting (docs/benchmarks.md, "Stop 64: the fast tier").
sys.dont_write_bytecode = False
# Widget tests need no screen: the README's test command runs on a machine without one (a server, CI), and Qt's
# default platform there aborts the worker. A platform the caller chose is kept.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from pathlib import Path

import pytest

from memvault.config import Settings, load_settings
from memvault.embedding.model import Embedder
from memvault.service.container import Services, create_vault, load_embedder
from tests.helpers import PASSPHRASE, ManualClock, budget, fast_settings
from tests.helpers.fake_embedder import FakeEmbedder
from tests.helpers.vault_state import vault_pair


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    # Many tests wait on servers, subprocesses and Qt event loops: two workers per core keep the cores
    # busy (the fast tier on 2 cores: 122 s with 2 workers, 109 s with 4). --maxprocesses caps it.
    return 2 * (os.cpu_count() or 1)


@pytest.fixture(autouse=True, scope="session")
def _threads_keep_their_priority():
    """The embedder's background threads run lowered only in the tests of that (``thread_priorities``): the suite
    runs up to four workers on two cores, and a nice-19 thread one worker waits for gets ~1.5% of a core while the
    others compute (a claim's overlap, waited for a second, was missed once)."""
    from memvault import priority

    kept, priority._PER_THREAD = priority._PER_THREAD, False
    yield
    priority._PER_THREAD = kept


@pytest.fixture
def thread_priorities(monkeypatch):
    """Threads lower their priority as they do outside the suite with ``MEMVAULT_LOWER_BACKGROUND`` (Linux)."""
    from memvault import priority

    monkeypatch.setattr(priority, "_PER_THREAD", sys.platform.startswith("linux"))
    monkeypatch.setattr(priority, "_LOWER", True)


def pytest_configure(config: pytest.Config) -> None:
    if re.search(r"\bnot slow\b", config.getoption("markexpr") or ""):
        budget.enter_fast_tier()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Whatever asks for the real model directly is in the slow tier too.
    fast_tier = re.search(r"\bnot slow\b", config.getoption("markexpr") or "") is not None
    for item in items:
        if {"real_embedder", "multilingual_embedder"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
        elif fast_tier and "seconds" in item.keywords:
            # Out of the fast tier's two minutes; marked only when deselected, so the whole suite still runs it
            # with the fake embedder (``slow`` would swap in the real model).
            item.add_marker(pytest.mark.slow)
    # Minutes-long runs happen only when -m names them: pytest -m long -s
    if not re.search(r"(?<!not )\blong\b", config.getoption("markexpr") or ""):
        skip = pytest.mark.skip(reason="minutes long: select with -m long")
        for item in items:
            if "long" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(scope="session")
def real_embedder() -> Embedder:
    """The bundled ONNX model (loaded once per test session)."""
    return load_embedder(load_settings(environ={}))


@pytest.fixture(scope="session")
def multilingual_embedder() -> Embedder:
    """The bundled multilingual model (multilingual-e5-small), loaded once per test session."""
    from memvault.embedding.manifest import manifest_named

    return Embedder(manifest_named("multilingual-e5-small"))


@pytest.fixture(scope="session")
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


def embedder_for(request: pytest.FixtureRequest):
    """The real model where the requesting test (or module) is marked slow, else the fake."""
    if request.node.get_closest_marker("slow"):
        return request.getfixturevalue("real_embedder")
    return request.getfixturevalue("fake_embedder")


@pytest.fixture
def embedder(request: pytest.FixtureRequest):
    return embedder_for(request)


@pytest.fixture
def queued_stores(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every single store queues its embedding, as a long text's does (for tests of the queue itself)."""
    from memvault.service import memories

    monkeypatch.setattr(memories, "INLINE_EMBED_MAX_CHARS", 0)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return fast_settings(tmp_path / "vault")


@pytest.fixture
def clock() -> ManualClock:
    """The wall clock of the ``services`` fixture; ``clock.advance(s)`` moves time (TTLs, trash age)."""
    return ManualClock()


@pytest.fixture
def services(settings: Settings, embedder, clock: ManualClock) -> Services:
    svc = create_vault(settings, PASSPHRASE, embedder, background=False, wall=clock)
    yield svc
    svc.close()


@pytest.fixture
def two_vaults(tmp_path, fake_embedder):
    """Two fresh vaults (fake embedder) for tests that compare one write path against another, table by table."""
    with vault_pair(tmp_path, fake_embedder) as pair:
        yield pair
