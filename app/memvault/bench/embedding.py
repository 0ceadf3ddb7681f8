"""``memvault bench --embedding``: Memvault's embedder against a PyTorch fp32 run of the same model.

Both sides get the same texts, cut into the same token-budget batches of
length-sorted sequences (the same padding, so neither side is handed less
work), and run with the same number of threads. Rounds are interleaved, and
which side goes first alternates, so a machine that gets busier or quieter
mid-run affects both alike. The reference is Hugging Face ``BertModel`` on
the very safetensors file the embedder builds its graph from, with the same
mean pooling; it needs the ``bench`` extra (CPU torch and transformers),
which the app itself never imports.

The reference is a plain run: one batch after another on all threads, as a
PyTorch user gets it. The embedder runs separate batches side by side, one
thread each (``app/embedding/model.py``); PyTorch gains from that scheme too,
so the report also gives PyTorch run that way, and the ratio to it.

Ingest until searchable is measured on the same texts as the main bench
measures it (:mod:`memvault.bench.ingest`): stored in batches through the memory
service while the background worker and index loop run, as an agent's writes are.
"""

from __future__ import annotations

import os
import random
import statistics
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from memvault.bench import ingest, workload
from memvault.config import Settings
from memvault.domain.errors import ModelError
from memvault.domain.models import MemoryCreate
from memvault.service.container import load_embedder

PASSPHRASE = "memvault-bench-temporary"
#: The quality gate: every bench text's vector within this cosine of the fp32 reference.
MIN_COSINE = 0.999


@dataclass
class EmbeddingReport:
    """What ``memvault bench --embedding`` measured (rates in texts per second)."""

    machine: str
    model_id: str
    texts: int
    tokens: int
    threads: int
    rounds: int
    memvault_tps: list[float]
    pytorch_tps: list[float]
    #: PyTorch given the embedder's scheme: batches side by side, one thread each.
    pytorch_side_by_side_tps: list[float]
    torch_version: str
    torch_wait_policy: str
    cosine_mean: float
    cosine_min: float
    documents_tps: float
    ingest_tps: float

    @property
    def ratio(self) -> float:
        """Memvault's median rate over PyTorch's."""
        return statistics.median(self.memvault_tps) / statistics.median(self.pytorch_tps)

    @property
    def ratio_side_by_side(self) -> float:
        """Memvault's median rate over PyTorch's with batches side by side."""
        return statistics.median(self.memvault_tps) / statistics.median(self.pytorch_side_by_side_tps)

    @property
    def ingest_share(self) -> float:
        """Ingest-until-searchable rate as a share of the embedding rate on the same texts."""
        return self.ingest_tps / self.documents_tps

    @property
    def quality_ok(self) -> bool:
        return self.cosine_min >= MIN_COSINE

    def as_text(self) -> str:
        def rates(values: list[float]) -> str:
            return ", ".join(f"{v:.1f}" for v in values)

        side_by_side = self.pytorch_side_by_side_tps
        return "\n".join([
            f"machine: {self.machine}",
            (f"embedding {self.texts} mixed-length texts ({self.tokens} tokens), {self.threads} threads, "
             f"{self.rounds} interleaved rounds, texts/s (median):"),
            f"  Memvault ({self.model_id}): {rates(self.memvault_tps)} ({statistics.median(self.memvault_tps):.1f})",
            (f"  PyTorch {self.torch_version} fp32 (OMP_WAIT_POLICY={self.torch_wait_policy}): "
             f"{rates(self.pytorch_tps)} ({statistics.median(self.pytorch_tps):.1f})"),
            (f"  PyTorch with batches side by side, one thread each, as the embedder runs them: "
             f"{rates(side_by_side)} ({statistics.median(side_by_side):.1f})"),
            (f"  ratio {self.ratio:.2f}x (to PyTorch side by side: {self.ratio_side_by_side:.2f}x); "
             f"cosine to the fp32 reference mean {self.cosine_mean:.5f}, "
             f"min {self.cosine_min:.5f} ({'meets' if self.quality_ok else 'FAILS'} the {MIN_COSINE} gate)"),
            (f"ingest until searchable (background loops running): {self.ingest_tps:.1f} memories/s = "
             f"{self.ingest_share:.0%} of the embedding rate on the same texts ({self.documents_tps:.1f} texts/s, "
             f"long ones chunked)"),
        ])


class PyTorchReference:
    """``BertModel`` in fp32 on the embedder's weights, pooled as the embedder pools.

    PyTorch's OpenMP threads busy-wait between operators by default; the
    embedder's threads do not (``app/embedding/model.py``). On a busy machine
    that default alone made PyTorch 2.7x slower (measured: 13.4 against 36.0
    texts/s for the embedder), so unless the caller chose otherwise the
    reference waits passively too, like for like; it must be set before
    OpenMP starts, that is before torch is imported.
    """

    def __init__(self, weights_folder: Path, threads: int) -> None:
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        self.wait_policy = os.environ["OMP_WAIT_POLICY"]
        try:
            import torch
            from transformers import BertModel
            from transformers.utils import logging as transformers_logging
        except ImportError:
            raise ModelError("the PyTorch reference is not installed; install the bench extra: "
                             "pip install 'memvault[bench]'") from None
        self._torch = torch
        self.version = torch.__version__
        self.threads = threads
        torch.set_num_threads(threads)
        transformers_logging.disable_progress_bar()
        self._model = BertModel.from_pretrained(str(weights_folder), local_files_only=True,
                                                torch_dtype=torch.float32).eval()

    def _one(self, feed: dict[str, np.ndarray]) -> np.ndarray:
        torch = self._torch
        with torch.inference_mode():
            mask = torch.from_numpy(feed["attention_mask"])
            hidden = self._model(input_ids=torch.from_numpy(feed["input_ids"]), attention_mask=mask).last_hidden_state
            weights = mask[:, :, None].to(hidden.dtype)
            pooled = (hidden * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, dim=1).numpy()

    def embed(self, feeds: list[dict[str, np.ndarray]]) -> list[np.ndarray]:
        """One batch after another on all threads: a plain PyTorch run."""
        return [self._one(f) for f in feeds]

    def embed_side_by_side(self, feeds: list[dict[str, np.ndarray]]) -> list[np.ndarray]:
        """The batches on ``threads`` threads at once, one thread each, costliest first (the embedder's scheme)."""
        self._torch.set_num_threads(1)
        try:
            order = sorted(range(len(feeds)), key=lambda i: feeds[i]["input_ids"].size, reverse=True)
            with ThreadPoolExecutor(self.threads) as pool:
                vectors = dict(zip(order, pool.map(lambda i: self._one(feeds[i]), order)))
            return [vectors[i] for i in range(len(feeds))]
        finally:
            self._torch.set_num_threads(self.threads)


def run_embedding_benchmark(settings: Settings, *, texts: int = 1000, rounds: int = 3,
                            progress: Callable[[str], None] | None = None) -> EmbeddingReport:
    """Measure the embedder against PyTorch fp32 on ``texts`` generated texts in ``rounds`` rounds."""
    from memvault.bench.service import machine

    say = progress or (lambda _msg: None)
    embedder = load_embedder(settings)
    threads = embedder.threads
    say(f"loading the PyTorch fp32 reference ({threads} threads)…")
    reference = PyTorchReference(embedder.manifest.weights_path.parent, threads)
    sample = workload.mixed_lengths(random.Random(7), texts)
    seqs = embedder.tokenize(sample)
    batches = embedder.batches(seqs)
    feeds = [embedder.feeds([seqs[i] for i in idx]) for idx in batches]

    def ours() -> np.ndarray:
        return embedder.embed_sequences(seqs)

    def placed(results: list[np.ndarray]) -> np.ndarray:
        out = np.zeros((len(seqs), embedder.dimension), dtype=np.float32)
        for idx, vectors in zip(batches, results):
            out[idx] = vectors
        return out

    def theirs() -> np.ndarray:
        return placed(reference.embed(feeds))

    def theirs_side_by_side() -> np.ndarray:
        return placed(reference.embed_side_by_side(feeds))

    say("warming up both…")
    cosine = (ours() * theirs()).sum(axis=1)
    if not np.allclose(theirs_side_by_side(), theirs(), atol=1e-5):
        raise RuntimeError("PyTorch gave other vectors with its batches side by side")
    rates: dict[str, list[float]] = {"ours": [], "theirs": [], "theirs_side_by_side": []}
    runs = [("ours", ours), ("theirs", theirs), ("theirs_side_by_side", theirs_side_by_side)]
    for r in range(rounds):
        say(f"round {r + 1} of {rounds}…")
        for name, run in (runs if r % 2 == 0 else runs[::-1]):
            started = time.perf_counter()
            run()
            rates[name].append(len(sample) / (time.perf_counter() - started))
    say("embedding whole documents, and ingesting them until searchable with the background loops running…")
    searchable = ingest.until_searchable(settings, embedder, [MemoryCreate(content=t, namespace="bench")
                                                              for t in sample])
    documents_tps, ingest_tps = searchable["embed_tps"], searchable["per_second"]
    return EmbeddingReport(
        machine=machine(), model_id=embedder.model_id, texts=len(sample), tokens=sum(map(len, seqs)),
        threads=threads, rounds=rounds, memvault_tps=rates["ours"], pytorch_tps=rates["theirs"],
        pytorch_side_by_side_tps=rates["theirs_side_by_side"],
        torch_version=reference.version, torch_wait_policy=reference.wait_policy,
        cosine_mean=float(cosine.mean()), cosine_min=float(cosine.min()),
        documents_tps=documents_tps, ingest_tps=ingest_tps)
