"""A second embedding model's opinion on hybrid's candidates (``python -m memvault.bench.second_opinion FILE
[--no-sessions] [--apply OTHER_FILE [--heldout-look]]``).

Measures, without changing search, whether a second model's cosine (multilingual-e5-small beside the
vault's English model) would order hybrid's candidates better: every candidate a limit-10 hybrid search
weighs (each list :data:`~memvault.bench.relevance_fit.DEPTH` deep) is collected with its relevance inputs
from the tuning half of ``FILE``, the second model's cosine to the question is added, and a relevance fit
(:func:`memvault.bench.relevance_fit.fit`) with and without that input is scored leave one conversation
out: each conversation ranked by weights fitted on the others. ``--apply OTHER_FILE`` fits on all of
``FILE``'s tuning half and scores ``OTHER_FILE``'s tuning conversations with those weights instead (another
set, out of sample). Held-out conversations are never read, except with ``--heldout-look``, which scores
``OTHER_FILE``'s held-out half instead: for the one recorded look at held-out data, after every choice is
made. Figures: ``docs/benchmarks.md``.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from memvault.bench.conversations import KINDS, score
from memvault.bench.relevance_fit import FEATURES, LIMIT, Candidate, fit, inputs_of
from memvault.ranking.fusion import W_GRAPH

SECOND_MODEL = "multilingual-e5-small"
GRAPH = FEATURES.index("graph")


@dataclass
class Asked:
    """One question and the candidates hybrid weighed for it."""

    conversation: str
    kind: str
    text: str
    evidence: tuple[str, ...]
    #: (turn id, memory text, shipped relevance, relevance inputs); the second model's cosines beside them.
    candidates: list[tuple[str, str, float, tuple[float, ...]]] = field(default_factory=list)
    second: list[float] = field(default_factory=list)


def collect(settings, path: Path, *, sessions: bool, split: str = "tune") -> list[Asked]:
    from memvault.bench.conversations import ingest, load_conversations
    from memvault.domain.enums import SearchMode
    from memvault.domain.models import MemoryFilter, SearchQuery
    from memvault.service.container import create_vault, load_embedder

    tune = [c for c in load_conversations(path) if c.split == split]
    asked: list[Asked] = []
    with tempfile.TemporaryDirectory(prefix="memvault-second-") as tmp:
        cfg = settings.with_overrides(home=str(Path(tmp) / "vault"), kdf_memory_kib=8192, kdf_iterations=1)
        services = create_vault(cfg, "memvault-second-temporary", load_embedder(cfg), background=False)
        try:
            ingest(services, tune, sessions=sessions)
            for c in tune:
                for q in c.questions:
                    one = Asked(c.id, q.kind, q.text, tuple(q.evidence))
                    result = services.search.search(SearchQuery(
                        q.text, mode=SearchMode.HYBRID, limit=LIMIT, debug=True,
                        filter=MemoryFilter(namespace=c.namespace, user_id=c.user_id)))
                    for h in result.hits:
                        found = inputs_of(h.breakdown)
                        if found is not None:
                            turn = (h.memory.client_id or "").removeprefix(c.id + "/")
                            one.candidates.append((turn, h.memory.content, h.score, found))
                    asked.append(one)
        finally:
            services.close()
    return asked


def add_second_opinion(settings, asked: list[Asked], model: str = SECOND_MODEL) -> None:
    from memvault.service.container import load_embedder

    embedder = load_embedder(settings, model)
    texts = sorted({text for a in asked for _t, text, _s, _i in a.candidates})
    docs = _unit(embedder.embed_texts(texts, role="document"))
    queries = _unit(embedder.embed_texts([a.text for a in asked], role="query"))
    row = {text: i for i, text in enumerate(texts)}
    for a, q in zip(asked, queries, strict=True):
        a.second = [float(docs[row[text]] @ q) for _t, text, _s, _i in a.candidates]


def _unit(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


def _inputs(a: Asked, i: int, second: bool) -> tuple[float, ...]:
    return a.candidates[i][3] + ((a.second[i],) if second else ())


def fitted(asked: list[Asked], second: bool) -> Callable[[Asked, int], float]:
    """A candidate's relevance logit under weights fitted on ``asked`` (with the second opinion or not).

    The graph input is held at its shipped weight (0), as search holds it: its evidence for one candidate
    of 343 differed between two ingests of the same set (0.75 against 0), and a fitted graph weight turned
    that into a different order on every run."""
    weights, bias, _counts = fit([Candidate(a.text + "\0" + a.conversation, c[0] in a.evidence, _inputs(a, i, second))
                                  for a in asked for i, c in enumerate(a.candidates)], held={GRAPH: W_GRAPH})
    return lambda a, i: float(np.dot(weights, _inputs(a, i, second)) + bias)


def ranked(a: Asked, relevance: Callable[[Asked, int], float] | None) -> list[str]:
    """Turn ids best first: by ``relevance``, or as shipped when ``None``; ties by text, as search breaks them."""
    order = sorted(range(len(a.candidates)), key=lambda i: (
        -(a.candidates[i][2] if relevance is None else relevance(a, i)), a.candidates[i][1]))
    return [a.candidates[i][0] for i in order]


def per_kind(asked: list[Asked], order: Callable[[Asked], list[str]]) -> dict[str, tuple[float, float, int]]:
    """(R@5, nDCG@10, questions) per question kind and ``all``."""
    rows: dict[str, list[dict]] = {}
    for a in asked:
        s = score(order(a), a.evidence)
        rows.setdefault("all", []).append(s)
        rows.setdefault(a.kind, []).append(s)
    return {k: (statistics.fmean(r["recall@5"] for r in v), statistics.fmean(r["ndcg@10"] for r in v), len(v))
            for k, v in rows.items()}


def leave_one_conversation_out(asked: list[Asked], second: bool) -> dict[str, tuple[float, float, int]]:
    relevance = {c: fitted([a for a in asked if a.conversation != c], second) for c in {a.conversation for a in asked}}
    return per_kind(asked, lambda a: ranked(a, relevance[a.conversation]))


def _line(name: str, figures: dict[str, tuple[float, float, int]]) -> str:
    return f"{name:42s}" + "  ".join(f"{k} {figures[k][0]:.3f} ({figures[k][1]:.3f})"
                                     for k in ("all", *KINDS) if k in figures)


def main(argv: list[str]) -> int:
    from memvault.config import Settings

    settings = Settings()
    sessions = "--no-sessions" not in argv
    paths = [Path(a) for a in argv if not a.startswith("--")]
    asked = collect(settings, paths[0], sessions=sessions)
    add_second_opinion(settings, asked)
    print(_line("shipped", per_kind(asked, lambda a: ranked(a, None))))
    if "--apply" in argv:
        other = collect(settings, paths[1], sessions=sessions, split="heldout" if "--heldout-look" in argv else "tune")
        add_second_opinion(settings, other)
        print(_line("other set, shipped", per_kind(other, lambda a: ranked(a, None))))
        for second in (False, True):
            relevance = fitted(asked, second)
            print(_line(f"other set, refit{' + second opinion' if second else ''}",
                        per_kind(other, lambda a, r=relevance: ranked(a, r))))
        return 0
    for second in (False, True):
        print(_line(f"refit{' + second opinion' if second else ''}, leave one out",
                    leave_one_conversation_out(asked, second)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
