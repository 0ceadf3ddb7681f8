"""Ingest until searchable, measured as the app runs it (shared by ``memvault bench`` and ``bench --embedding``).

A fresh vault with its background loops running, as in the desktop app or
``memvault serve``: the caller stores batches of 100 while the embedding
worker and the index loop work beside it, and the entity pipeline is loaded,
as it is in any session after its first store. The clock stops when every
memory has its vectors and the index has applied them (a search finds them
by meaning), and the figure is compared with embedding the same texts alone,
one length-sorted set, in the same process, before the ingest and again after
it: the mean of the two rates is the reference (on a shared 2-core VM one
8-second run moved by up to 5% from the next, which moved the share as much).
Entity links, which follow in the background once embedding is done, are
timed too but not counted. The same is measured on the bench's large vault
(unlocked again with its loops running), where each vector joins a large
graph.
"""

from __future__ import annotations

import contextlib
import tempfile
import time
from pathlib import Path

from memvault.config import Settings
from memvault.domain.models import MemoryCreate
from memvault.service.container import Services, create_vault, open_vault

PASSPHRASE = "memvault-bench-temporary"
BATCH = 100
#: How often the clock looks whether the ingest is done. A look reads the database only when the index has
#: applied something since the last one (the last change to become searchable is an index apply); counting
#: the queue and reading the log's head every 10 ms took ~0.3 s of CPU from the embedder over 5,000 memories.
_POLL_SECONDS = 0.01
#: Entity links are timed but not counted: a coarser look is enough.
_ENTITY_POLL_SECONDS = 0.05


class _Searchable:
    """Whether everything stored so far is searchable: nothing queued, the index at the log's head."""

    def __init__(self, services: Services) -> None:
        self._services = services
        self._looked_at: int | None = None

    def __call__(self) -> bool:
        index = self._services.vector_index
        applied = index.applied
        if applied == self._looked_at:
            return False
        self._looked_at = applied
        return self._services.jobs.depth() == 0 and index.lag() == 0


def until_searchable(settings: Settings, embedder, items: list[MemoryCreate], *,
                     passphrase: str | None = None) -> dict[str, float]:
    """Store ``items`` in batches on a fresh vault with its loops running; rates and times in seconds.

    ``passphrase``: into the existing vault at ``settings.home`` instead (which keeps them), once its index
    is restored."""
    texts = [item.content for item in items]
    embedder.embed_documents(texts[:32])  # warm-up: first runs allocate
    before = _embedding_rate(embedder, texts)
    with contextlib.ExitStack() as scratch:
        if passphrase is None:
            tmp = scratch.enter_context(tempfile.TemporaryDirectory(prefix="memvault-bench-ingest-"))
            cfg = settings.with_overrides(home=str(Path(tmp) / "vault"), kdf_memory_kib=8192, kdf_iterations=1)
            services = create_vault(cfg, PASSPHRASE, embedder, background=True)
        else:
            services = open_vault(settings, passphrase, embedder, background=True)
            services.vector_index.ensure_open()  # waits for the loop's restore
        try:
            services.entities.warm_up()
            started = time.perf_counter()
            for b in range(0, len(items), BATCH):
                services.memories.create_batch(items[b:b + BATCH])
            stored = time.perf_counter() - started
            searchable = _Searchable(services)
            while not searchable():
                time.sleep(_POLL_SECONDS)
            seconds = time.perf_counter() - started
            while services.entities.queue_depth():
                time.sleep(_ENTITY_POLL_SECONDS)
            linked = time.perf_counter() - started
        finally:
            services.close()
    after = _embedding_rate(embedder, texts)
    n, embed_tps = float(len(items)), (before + after) / 2
    return {"memories": n, "seconds": seconds, "per_second": n / seconds, "stored_s": stored,
            "entities_s": linked, "embed_tps": embed_tps, "embed_tps_before": before, "embed_tps_after": after,
            "share": n / seconds / embed_tps}


def _embedding_rate(embedder, texts: list[str]) -> float:
    started = time.perf_counter()
    embedder.embed_documents(texts)
    return len(texts) / (time.perf_counter() - started)


def describe(figures: dict[str, float], into: str = "a new vault") -> str:
    """One line for a bench report (``into``: the vault the memories went into)."""
    f = figures
    return (f"ingest until searchable into {into} (batches of {BATCH}, background worker and index loop running, "
            f"entity pipeline loaded): {f['memories']:.0f} memories in {f['seconds']:.1f} s = "
            f"{f['per_second']:.0f}/s = {f['share']:.0%} of embedding the same texts alone "
            f"({f['embed_tps']:.0f} texts/s, the mean of {f['embed_tps_before']:.0f} before and "
            f"{f['embed_tps_after']:.0f} after); all stored after "
            f"{f['stored_s']:.1f} s, entities linked after {f['entities_s']:.1f} s")
