"""Ingest until searchable, measured as the app runs it (shared by ``memvault bench`` and ``bench --embedding``).

A fresh vault with its background loops running, as in the desktop app or
``memvault serve``: the caller stores batches of 100 while the embedding
worker and the index loop work beside it, and the entity pipeline is loaded,
as it is in any session after its first store. The clock stops when every
memory has its vectors and the index has applied them (a search finds them
by meaning), and the figure is compared with embedding the same texts alone,
one length-sorted set, in the same process. Entity links, which follow in
the background once embedding is done, are timed too but not counted.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from app.config import Settings
from app.domain.models import MemoryCreate
from app.service.container import Services, create_vault

PASSPHRASE = "memvault-bench-temporary"
BATCH = 100
#: Each look counts the queue and reads the index's position: every 10 ms that took ~0.3 s of CPU from the
#: embedder's two cores over a 5,000-memory run, more than the at most 50 ms a coarser look adds to it.
_POLL_SECONDS = 0.05


def _searchable(services: Services) -> bool:
    return services.jobs.depth() == 0 and services.vector_index.lag() == 0


def until_searchable(settings: Settings, embedder, items: list[MemoryCreate]) -> dict[str, float]:
    """Store ``items`` in batches on a fresh vault with its loops running; rates and times in seconds."""
    texts = [item.content for item in items]
    embedder.embed_documents(texts[:32])  # warm-up: first runs allocate
    started = time.perf_counter()
    embedder.embed_documents(texts)
    embed_tps = len(texts) / (time.perf_counter() - started)
    with tempfile.TemporaryDirectory(prefix="memvault-bench-ingest-") as tmp:
        cfg = settings.with_overrides(home=str(Path(tmp) / "vault"), kdf_memory_kib=8192, kdf_iterations=1)
        services = create_vault(cfg, PASSPHRASE, embedder, background=True)
        try:
            services.entities.warm_up()
            started = time.perf_counter()
            for b in range(0, len(items), BATCH):
                services.memories.create_batch(items[b:b + BATCH])
            stored = time.perf_counter() - started
            while not _searchable(services):
                time.sleep(_POLL_SECONDS)
            seconds = time.perf_counter() - started
            while services.entities.queue_depth():
                time.sleep(_POLL_SECONDS)
            linked = time.perf_counter() - started
        finally:
            services.close()
    n = float(len(items))
    return {"memories": n, "seconds": seconds, "per_second": n / seconds, "stored_s": stored,
            "entities_s": linked, "embed_tps": embed_tps, "share": n / seconds / embed_tps}


def describe(figures: dict[str, float]) -> str:
    """One line for a bench report."""
    f = figures
    return (f"ingest until searchable (batches of {BATCH}, background worker and index loop running, entity "
            f"pipeline loaded): {f['memories']:.0f} memories in {f['seconds']:.1f} s = {f['per_second']:.0f}/s = "
            f"{f['share']:.0%} of embedding the same texts alone ({f['embed_tps']:.0f} texts/s); all stored after "
            f"{f['stored_s']:.1f} s, entities linked after {f['entities_s']:.1f} s")
