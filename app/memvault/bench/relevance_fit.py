"""Refit hybrid relevance (``python -m memvault.bench.relevance_fit CONVERSATIONS BEIR_DIR``).

Stores the tuning half of a conversation set and a BEIR corpus in temporary
vaults (entities extracted, as on store), runs every tuning question and every
BEIR ``train`` query in hybrid mode, and collects each candidate that a normal
search (limit 10) would weigh: those within the first :data:`DEPTH` of the
semantic, keyword or graph list. A logistic regression on their inputs
(:data:`FEATURES`) against "is evidence / is relevant" gives the weights; the
bias is then moved by ln(negatives / positives), so that a relevance of 0.5
means "as likely relevant as not" (see :mod:`memvault.ranking.fusion`).
Held-out questions and BEIR ``test`` queries are never read here.

The turn inputs (the memory is a question, the previous and next turn's
gain) are then fitted on the conversation candidates alone, with the first
weights held at the shipped values (``fit(..., held=...)``), as they were
chosen: SciFact has no turns, so they are 0 there and its fit is not theirs.
Last, the peers' weight (:mod:`memvault.ranking.peers`) is fitted on every
candidate collected, every other weight held as shipped and one bias per set
(:func:`fit_stratified`); ``--notes FILE`` adds the tuning vaults of a notes
set to them (``memvault eval --notes``).
"""

from __future__ import annotations

import math
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from memvault.ranking import fusion as relevance
from memvault.ranking.keyword import bm25_evidence

#: The depth of each list in a limit-10 search (``max(3 x limit, HYBRID_DEPTH)``).
DEPTH = 50
FEATURES = ("similarity", "coverage", "bm25", "graph", "question", "previous_gain", "next_gain", "peer_excess")
#: The first inputs, fitted on both sets; the rest are the conversation inputs.
SHARED = 4
#: Hits asked for per question: deep enough to hold every candidate of the three lists.
LIMIT = 100


@dataclass(frozen=True)
class Candidate:
    question: str
    relevant: bool
    inputs: tuple[float, ...]


def inputs_of(breakdown) -> tuple[float, ...] | None:
    """A hit's relevance inputs, or ``None`` if no list of a limit-10 search would have held it."""
    ranks = [r for r in (breakdown.semantic_rank, breakdown.keyword_rank, breakdown.graph_rank) if r is not None]
    if not ranks or min(ranks) > DEPTH:
        return None
    # The similarity as fusion weighs it: less the query's background.
    return ((breakdown.semantic or 0.0) - (breakdown.background or 0.0), breakdown.coverage or 0.0,
            bm25_evidence(breakdown.keyword_bm25),
            breakdown.graph or 0.0, float(bool(breakdown.question)), breakdown.previous_turn_gain or 0.0,
            breakdown.next_turn_gain or 0.0, relevance.peer_excess(breakdown.peers, breakdown.background or 0.0))


def fit(candidates: list[Candidate], l2: float = 1e-4, steps: int = 60,
        held: dict[int, float] | None = None) -> tuple[np.ndarray, float, dict]:
    """Logistic regression by Newton's method; returns (weights, prior-corrected bias, counts).

    ``held`` maps input positions to fixed weights: those inputs enter as a fixed offset, and the
    returned weights hold them unchanged.
    """
    held = held or {}
    inputs = np.array([c.inputs for c in candidates], dtype=float)
    free = [i for i in range(inputs.shape[1]) if i not in held]
    offset = sum((inputs[:, i] * w for i, w in held.items()), np.zeros(len(inputs)))
    x = np.hstack([inputs[:, free], np.ones((len(inputs), 1))])
    y = np.array([float(c.relevant) for c in candidates])
    w = np.zeros(x.shape[1])
    # Newton's first step from p = 1/(1 + e^-offset) overshoots when the held inputs put every candidate far
    # from 0.5: start the bias where the mean prediction is the share of positives.
    w[-1] = math.log(max(1.0, y.sum()) / max(1.0, len(y) - y.sum())) - float(offset.mean())
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(offset + x @ w)))
        gradient = x.T @ (y - p) - l2 * w
        hessian = (x * (p * (1 - p))[:, None]).T @ x + l2 * np.eye(len(w))
        w += np.linalg.solve(hessian, gradient)
    positives = int(y.sum())
    negatives = len(y) - positives
    counts = {"questions": len({c.question for c in candidates}), "candidates": len(y), "relevant": positives,
              "fitted_bias": float(w[-1])}
    weights = np.zeros(inputs.shape[1])
    weights[free] = w[:-1]
    for i, fixed in held.items():
        weights[i] = fixed
    return weights, float(w[-1] + math.log(negatives / max(1, positives))), counts


def _set_likelihood(candidates: list[Candidate], offset_of, weight: float) -> float:
    """The log-likelihood of one set's candidates with the last input weighted ``-weight`` and the set's own
    best bias (by Newton's method in one variable)."""
    inputs = np.array([c.inputs for c in candidates], dtype=float)
    y = np.array([float(c.relevant) for c in candidates])
    z = offset_of(inputs[:, :-1]) - weight * inputs[:, -1]
    share = min(max(y.mean(), 1e-6), 1 - 1e-6)
    bias = math.log(share / (1 - share)) - float(z.mean())
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-(z + bias)))
        bias += float((y - p).sum()) / max(1e-9, float((p * (1 - p)).sum()))
    p = np.clip(1.0 / (1.0 + np.exp(-(z + bias))), 1e-12, 1 - 1e-12)
    return float((y * np.log(p) + (1 - y) * np.log(1 - p)).sum())


def fit_stratified(sets: list[list[Candidate]], held: tuple[float, ...], grid: np.ndarray) -> float:
    """The weight of the last input (subtracted) that best fits every set together, each with its own bias and
    the other inputs weighted ``held``.

    One bias for all would let the input stand in for which set a candidate came from: relevant candidates
    are one in ~36 in the conversations and one in ~60 on SciFact, and a candidate with peers is far commoner
    in the first; fitted that way the weight changes sign although each set alone fits it positive.
    """
    offset_of = lambda inputs: inputs @ np.array(held)  # noqa: E731
    totals = [sum(_set_likelihood(s, offset_of, w) for s in sets if s) for w in grid]
    return float(grid[int(np.argmax(totals))])


def collect_conversations(settings, path: Path) -> list[Candidate]:
    from memvault.bench.conversations import ingest, load_conversations
    from memvault.domain.enums import SearchMode
    from memvault.domain.models import MemoryFilter, SearchQuery
    from memvault.service.container import create_vault, load_embedder

    tune = [c for c in load_conversations(path) if c.split == "tune"]
    out: list[Candidate] = []
    with tempfile.TemporaryDirectory(prefix="memvault-fit-") as tmp:
        cfg = settings.with_overrides(home=str(Path(tmp) / "vault"), kdf_memory_kib=8192, kdf_iterations=1)
        services = create_vault(cfg, "memvault-fit-temporary", load_embedder(cfg), background=False)
        try:
            ingest(services, tune)
            for c in tune:
                for q in c.questions:
                    result = services.search.search(SearchQuery(
                        q.text, mode=SearchMode.HYBRID, limit=LIMIT, debug=True,
                        filter=MemoryFilter(namespace=c.namespace, user_id=c.user_id)))
                    for h in result.hits:
                        found = inputs_of(h.breakdown)
                        turn = (h.memory.client_id or "").removeprefix(c.id + "/")
                        if found is not None:
                            out.append(Candidate(q.id, turn in q.evidence, found))
        finally:
            services.close()
    return out


def collect_notes(settings, path: Path) -> list[Candidate]:
    """The candidates of every question of a notes set's tuning vaults; those nothing stored answers give
    negatives only."""
    from memvault.bench.notes import load_notes
    from memvault.domain.enums import SearchMode
    from memvault.domain.models import MemoryCreate, MemoryFilter, SearchQuery
    from memvault.service.container import create_vault, load_embedder

    out: list[Candidate] = []
    with tempfile.TemporaryDirectory(prefix="memvault-fit-") as tmp:
        cfg = settings.with_overrides(home=str(Path(tmp) / "vault"), kdf_memory_kib=8192, kdf_iterations=1)
        services = create_vault(cfg, "memvault-fit-temporary", load_embedder(cfg), background=False)
        try:
            tune = [v for v in load_notes(path) if v.split == "tune"]
            for v in tune:
                services.memories.create_batch([MemoryCreate(content=text, namespace=v.namespace,
                                                             client_id=note_id) for note_id, text in v.notes])
            services.worker.drain()
            services.entities.drain()
            for v in tune:
                for q in v.questions:
                    result = services.search.search(SearchQuery(q.text, mode=SearchMode.HYBRID, limit=LIMIT,
                                                                debug=True, filter=MemoryFilter(namespace=v.namespace)))
                    out += [Candidate(q.id, h.memory.client_id == q.answer, found) for h in result.hits
                            if (found := inputs_of(h.breakdown)) is not None]
        finally:
            services.close()
    return out


def collect_beir(settings, folder: Path) -> list[Candidate]:
    from memvault.bench.beir import NAMESPACE, load_beir
    from memvault.domain.enums import SearchMode
    from memvault.domain.models import MemoryCreate, MemoryFilter, SearchQuery
    from memvault.service.container import create_vault, load_embedder

    corpus, queries, qrels = load_beir(folder, "train")
    out: list[Candidate] = []
    with tempfile.TemporaryDirectory(prefix="memvault-fit-") as tmp:
        cfg = settings.with_overrides(home=str(Path(tmp) / "vault"), kdf_memory_kib=8192, kdf_iterations=1)
        services = create_vault(cfg, "memvault-fit-temporary", load_embedder(cfg), background=False)
        try:
            ids = list(corpus)
            for b in range(0, len(ids), 100):
                services.memories.create_batch([MemoryCreate(content=corpus[d], namespace=NAMESPACE, client_id=d)
                                                for d in ids[b:b + 100]])
            services.worker.drain()
            services.entities.drain()
            for qid, text in queries.items():
                result = services.search.search(SearchQuery(text, mode=SearchMode.HYBRID, limit=LIMIT, debug=True,
                                                            filter=MemoryFilter(namespace=NAMESPACE)))
                for h in result.hits:
                    found = inputs_of(h.breakdown)
                    if found is not None:
                        out.append(Candidate(qid, qrels[qid].get(h.memory.client_id or "", 0) > 0, found))
        finally:
            services.close()
    return out


def main(argv: list[str]) -> int:
    from memvault.config import Settings

    settings = Settings()
    notes = None
    if "--notes" in argv:
        at = argv.index("--notes")
        notes, argv = Path(argv[at + 1]), argv[:at] + argv[at + 2:]
    conversations = collect_conversations(settings, Path(argv[0]))
    beir = collect_beir(settings, Path(argv[1])) if len(argv) > 1 else []
    if beir:  # without a BEIR folder only the turn inputs and the peers are refitted
        shared = [Candidate(c.question, c.relevant, c.inputs[:SHARED]) for c in conversations + beir]
        weights, bias, counts = fit(shared)
        print(", ".join(f"{name} {w:.3f}" for name, w in zip(FEATURES, weights, strict=False)) + f"; bias {bias:.3f}")
        print(counts)
    shipped = (relevance.W_SIMILARITY, relevance.W_COVERAGE, relevance.W_BM25, relevance.W_GRAPH)
    turn_inputs = [Candidate(c.question, c.relevant, c.inputs[:-1]) for c in conversations]
    weights, _bias, counts = fit(turn_inputs, held=dict(enumerate(shipped)))
    print("conversation inputs, the others held as shipped: "
          + ", ".join(f"{name} {w:.3f}" for name, w in zip(FEATURES[SHARED:-1], weights[SHARED:], strict=True)))
    print(counts)
    sets = [conversations, beir, collect_notes(settings, notes) if notes else []]
    shipped += (relevance.W_QUESTION, relevance.W_PREVIOUS_GAIN, relevance.W_NEXT_GAIN)
    weight = fit_stratified(sets, shipped, np.arange(0.0, 12.01, 0.25))
    print(f"peers, the others held as shipped, one bias per set: W_PEERS {weight:.2f} "
          f"({', '.join(str(len(s)) for s in sets)} candidates)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
