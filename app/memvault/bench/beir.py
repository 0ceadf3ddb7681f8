"""Retrieval quality on BEIR-format data, measured through a fresh vault.

Documents go in through the memory service and the embedding queue, queries
through the search service, exactly as an agent's would.
"""

from __future__ import annotations

import csv
import json
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from memvault.bench.ground_truth import GroundTruth
from memvault.bench.metrics import ndcg_at, recall_at
from memvault.config import Settings
from memvault.domain.enums import SearchMode
from memvault.domain.errors import InvalidInput
from memvault.domain.models import MemoryCreate, MemoryFilter, SearchQuery

NAMESPACE = "beir"
PASSPHRASE = "memvault-eval-temporary"


@dataclass
class EvalReport:
    """Mean nDCG@10, Recall@10 and Recall@100 per search mode."""

    dataset: str
    documents: int
    queries: int
    ingest_seconds: float
    metrics: dict[str, dict[str, float]] = field(default_factory=dict)
    truncated: dict[str, float] = field(default_factory=dict)

    def as_text(self) -> str:
        lines = [f"{self.dataset}: {self.documents} documents, {self.queries} queries, "
                 f"ingested and embedded in {self.ingest_seconds:.0f} s",
                 f"{'mode':10} {'nDCG@10':>8} {'R@10':>8} {'R@100':>8} {'p50 ms':>8}"]
        for mode, m in self.metrics.items():
            lines.append(f"{mode:10} {m['ndcg@10']:8.4f} {m['recall@10']:8.4f} {m['recall@100']:8.4f} "
                         f"{m['p50_ms']:8.1f}")
        if self.truncated:
            t = self.truncated
            lines.append(f"model check, first 256 tokens only (the published setup): nDCG@10 {t['ndcg@10']:.4f}, "
                         f"R@10 {t['recall@10']:.4f}, R@100 {t['recall@100']:.4f}")
        return "\n".join(lines)


def load_beir(folder: Path, split: str) -> tuple[dict[str, str], dict[str, str], dict[str, dict[str, int]]]:
    """Corpus (id -> text), queries (id -> text) and qrels (query -> doc -> grade)."""
    try:
        corpus: dict[str, str] = {}
        with (folder / "corpus.jsonl").open(encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    doc = json.loads(line)
                    corpus[str(doc["_id"])] = (doc.get("title", "") + " " + doc["text"]).strip()
        qrels: dict[str, dict[str, int]] = {}
        with (folder / "qrels" / f"{split}.tsv").open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh, delimiter="\t"):
                qrels.setdefault(str(row["query-id"]), {})[str(row["corpus-id"])] = int(row["score"])
        queries: dict[str, str] = {}
        with (folder / "queries.jsonl").open(encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    q = json.loads(line)
                    if str(q["_id"]) in qrels:
                        queries[str(q["_id"])] = q["text"]
    except FileNotFoundError as exc:
        raise InvalidInput(f"not a BEIR folder: {exc.filename} is missing") from None
    except (KeyError, ValueError) as exc:
        raise InvalidInput(f"the BEIR files in {folder} are malformed: {exc}") from None
    return corpus, queries, qrels


def run_beir(settings: Settings, folder: Path, *, split: str = "test", max_queries: int | None = None,
             progress: Callable[[str], None] | None = None, model: str | None = None) -> EvalReport:
    """Ingest ``folder``'s corpus into a temporary vault and score every search mode (``model``: the bundled
    embedding model the vault uses; default the English one)."""
    from memvault.service.container import create_vault, load_embedder

    say = progress or (lambda _msg: None)
    corpus, queries, qrels = load_beir(folder, split)
    if max_queries is not None:
        queries = dict(list(queries.items())[:max_queries])
    if not corpus or not queries:
        raise InvalidInput(f"{folder} has no documents or no {split} queries")
    with tempfile.TemporaryDirectory(prefix="memvault-eval-") as tmp:
        cfg = settings.with_overrides(home=str(Path(tmp) / "vault"), kdf_memory_kib=8192, kdf_iterations=1)
        services = create_vault(cfg, PASSPHRASE, load_embedder(cfg, model), background=False)
        try:
            started = time.perf_counter()
            ids = list(corpus)
            for b in range(0, len(ids), 100):
                services.memories.create_batch([
                    MemoryCreate(content=corpus[d], namespace=NAMESPACE, client_id=d) for d in ids[b : b + 100]])
            say(f"stored {len(ids)} documents; embedding…")
            services.worker.drain()
            services.entities.drain()
            ingest = time.perf_counter() - started
            say(f"embedded in {ingest:.0f} s; running {len(queries)} queries per mode")
            report = EvalReport(folder.name, len(corpus), len(queries), ingest)
            for mode in SearchMode:
                scores = {"ndcg@10": 0.0, "recall@10": 0.0, "recall@100": 0.0}
                times = []
                for qid, text in queries.items():
                    result = services.search.search(SearchQuery(
                        text, mode=mode, limit=100, filter=MemoryFilter(namespace=NAMESPACE)))
                    times.append(result.took_ms)
                    ranked = [h.memory.client_id or "" for h in result.hits]
                    scores["ndcg@10"] += ndcg_at(ranked, qrels[qid], 10)
                    scores["recall@10"] += recall_at(ranked, qrels[qid], 10)
                    scores["recall@100"] += recall_at(ranked, qrels[qid], 100)
                report.metrics[mode.value] = {k: v / len(queries) for k, v in scores.items()}
                report.metrics[mode.value]["p50_ms"] = sorted(times)[len(times) // 2]
                say(f"{mode.value}: nDCG@10 {report.metrics[mode.value]['ndcg@10']:.4f}")
            report.truncated = _truncated_check(services, queries, qrels)
        finally:
            services.close()
    return report


def _truncated_check(services, queries: dict[str, str], qrels: dict[str, dict[str, int]]) -> dict[str, float]:
    """Exact search over each document's first chunk only.

    Published figures for this model truncate documents at 256 tokens; scoring
    that way checks tokenization, pooling and normalisation against them,
    apart from our best-chunk scoring.
    """
    truth = GroundTruth(services)
    rowids, matrix = truth.vectors(NAMESPACE, first_chunk_only=True)
    doc_of = truth.client_ids(rowids.tolist())
    names = [doc_of[r] for r in rowids.tolist()]
    scores = {"ndcg@10": 0.0, "recall@10": 0.0, "recall@100": 0.0}
    for qid, text in queries.items():
        sims = matrix @ services.embedder.embed_query(text)
        ranked = [names[i] for i in sims.argsort()[::-1][:100]]
        scores["ndcg@10"] += ndcg_at(ranked, qrels[qid], 10)
        scores["recall@10"] += recall_at(ranked, qrels[qid], 10)
        scores["recall@100"] += recall_at(ranked, qrels[qid], 100)
    return {k: v / len(queries) for k, v in scores.items()}
