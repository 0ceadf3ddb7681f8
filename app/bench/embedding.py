"""``memvault bench --embedding``: Memvault's embedder against a PyTorch fp32 run of the same model.

Both sides get the same texts, cut into the same token-budget batches of
length-sorted sequences (the same padding, so neither side is handed less
work), and run with the same number of threads. Rounds are interleaved, and
which side goes first alternates, so a machine that gets busier or quieter
mid-run affects both alike. The reference is Hugging Face ``BertModel`` on
the very safetensors file the embedder builds its graph from, with the same
mean pooling; it needs the ``bench`` extra (CPU torch and transformers),
which the app itself never imports.

Ingest until searchable is measured on the same texts as the main bench
measures it (:mod:`app.bench.ingest`): stored in batches through the memory
service while the background worker and index loop run, as an agent's writes are.
"""

from __future__ import annotations

import os
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from app.bench import ingest, workload
from app.config import Settings
from app.domain.errors import ModelError
from app.domain.models import MemoryCreate
from app.service.container import load_embedder

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
    def ingest_share(self) -> float:
        """Ingest-until-searchable rate as a share of the embedding rate on the same texts."""
        return self.ingest_tps / self.documents_tps

    @property
    def quality_ok(self) -> bool:
        return self.cosine_min >= MIN_COSINE

    def as_text(self) -> str:
        def rates(values: list[float]) -> str:
            return ", ".join(f"{v:.1f}" for v in values)

        return "\n".join([
            f"machine: {self.machine}",
            f"embedding {self.texts} mixed-length texts ({self.tokens} tokens), {self.threads} threads, "
            f"{self.rounds} interleaved rounds, texts/s (median):",
            f"  Memvault ({self.model_id}): {rates(self.memvault_tps)} "
            f"({statistics.median(self.memvault_tps):.1f})",
            f"  PyTorch {self.torch_version} fp32 (OMP_WAIT_POLICY={self.torch_wait_policy}): "
            f"{rates(self.pytorch_tps)} "
            f"({statistics.median(self.pytorch_tps):.1f})",
            f"  ratio {self.ratio:.2f}x; cosine to the fp32 reference mean {self.cosine_mean:.5f}, "
            f"min {self.cosine_min:.5f} ({'meets' if self.quality_ok else 'FAILS'} the {MIN_COSINE} gate)",
            f"ingest until searchable (background loops running): {self.ingest_tps:.1f} memories/s = {self.ingest_share:.0%} of the "
            f"embedding rate on the same texts ({self.documents_tps:.1f} texts/s, long ones chunked)",
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
        torch.set_num_threads(threads)
        transformers_logging.disable_progress_bar()
        self._model = BertModel.from_pretrained(str(weights_folder), local_files_only=True,
                                                torch_dtype=torch.float32).eval()

    def embed(self, feeds: list[dict[str, np.ndarray]]) -> list[np.ndarray]:
        torch = self._torch
        out = []
        with torch.inference_mode():
            for f in feeds:
                mask = torch.from_numpy(f["attention_mask"])
                hidden = self._model(input_ids=torch.from_numpy(f["input_ids"]), attention_mask=mask).last_hidden_state
                weights = mask[:, :, None].to(hidden.dtype)
                pooled = (hidden * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1e-9)
                out.append(torch.nn.functional.normalize(pooled, dim=1).numpy())
        return out


def run_embedding_benchmark(settings: Settings, *, texts: int = 1000, rounds: int = 3,
                            progress: Callable[[str], None] | None = None) -> EmbeddingReport:
    """Measure the embedder against PyTorch fp32 on ``texts`` generated texts in ``rounds`` rounds."""
    from app.bench.service import machine

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

    def theirs() -> np.ndarray:
        out = np.zeros((len(seqs), embedder.dimension), dtype=np.float32)
        for idx, vectors in zip(batches, reference.embed(feeds)):
            out[idx] = vectors
        return out

    say("warming up both…")
    cosine = (ours() * theirs()).sum(axis=1)
    rates: dict[str, list[float]] = {"ours": [], "theirs": []}
    for r in range(rounds):
        say(f"round {r + 1} of {rounds}…")
        order = (("ours", ours), ("theirs", theirs)) if r % 2 == 0 else (("theirs", theirs), ("ours", ours))
        for name, run in order:
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
        torch_version=reference.version, torch_wait_policy=reference.wait_policy,
        cosine_mean=float(cosine.mean()), cosine_min=float(cosine.min()),
        documents_tps=documents_tps, ingest_tps=ingest_tps)
