"""Search while busy: idle and busy times of both modes, over an ingest that really ran beside them."""

import random

import pytest

from memvault.bench import busy
from memvault.bench.service import _ingest_items
from memvault.service.container import create_vault, open_vault
from tests.helpers import PASSPHRASE, fast_settings

# The background loops with the entity pipeline run for many seconds: the slow tier.
pytestmark = pytest.mark.slow


def test_searches_are_timed_idle_and_while_an_ingest_and_its_extraction_run(tmp_path, embedder):
    rng = random.Random(3)
    seen: set[str] = set()
    base, items = _ingest_items(rng, 100, seen), _ingest_items(rng, 150, seen)
    settings = fast_settings(tmp_path / "vault")
    create_vault(settings, PASSPHRASE, embedder, background=False).close()
    lines: list[str] = []
    figures = busy.search_while_busy(settings, embedder, items, base=base, passphrase=PASSPHRASE,
                                     progress=lines.append)
    assert figures.base == 100 and figures.memories == 150 and figures.busy_s > 0
    for mode in ("semantic", "hybrid"):
        assert figures.idle[mode]["p95_ms"] >= figures.idle[mode]["p50_ms"] > 0
        assert figures.busy_queries[mode] >= 1 and figures.busy[mode]["p50_ms"] > 0
    text = figures.as_text()
    assert "idle p50" in text and "busy p50" in text and "x idle" in text and lines
    # Everything was stored, embedded and linked by the time the busy rounds ended.
    again = open_vault(settings, PASSPHRASE, embedder, background=False)
    try:
        assert again.stats.stats().total == 250 and again.jobs.depth() == 0
        assert again.entities.queue_depth() == 0
    finally:
        again.close()
