"""``memvault bench``'s facts row: what folding facts into their turns costs a hybrid search.

The extraction row's generated chats (:mod:`.extraction_speed`), each a session of one of its eight users, go
into a vault of their own twice: their turns alone in one namespace, and their turns plus the facts the
conversation service extracts from them in another, as an agent that stores its turns and sends the chat for
extraction would. Questions made from the chats' own slots ("Where does Priya live?") are then searched,
hybrid, in the whole of each namespace (an agent serving a household), alternating the two, each query
embedded afresh. Where a namespace holds facts, every candidate is ranked so that a fact folds into its turn
however short the page (:func:`memvault.ranking.facts.ranked_for`); the difference between the two medians
is that work, and the facts' own candidates.
"""

from __future__ import annotations

import random
import tempfile
import time
from pathlib import Path

from memvault.bench import extraction_speed
from memvault.bench import knn as knn_bench
from memvault.config import Settings
from memvault.domain.conversations import ChatMessage, ConversationSubmission
from memvault.domain.enums import SearchMode
from memvault.domain.models import MemoryCreate, MemoryFilter, SearchQuery

#: Generated chats stored: ~9 turns each, so ~1,800 turns and their facts; ~10 s to store and extract.
CHATS = 200
QUERIES = 200
TURNS_NAMESPACE = "chat-turns"
FACTS_NAMESPACE = "chat-facts"
PASSPHRASE = "memvault-bench-facts"
_QUESTIONS = ("Where does {name} live?", "Where does {name} work?", "What pet did {name} adopt?",
              "Who is visiting {name}?", "Does {name} drink coffee?", "Where is {name} flying to?",
              "How often does {name} run?", "When did {name} move?")


def _store(services, chats) -> int:
    """Each chat's turns in both namespaces, and the chat sent for extraction into the facts one; the facts
    stored."""
    facts = 0
    for n, (messages, name, when) in enumerate(chats):
        for namespace in (TURNS_NAMESPACE, FACTS_NAMESPACE):
            services.memories.create_batch([MemoryCreate(
                content=m.content, namespace=namespace, session_id=f"chat-{n}", user_id=name.lower(),
                metadata={"speaker": m.role}) for m in messages])
        job = services.conversations.ingest(ConversationSubmission(
            tuple(ChatMessage(m.role, m.content) for m in messages), FACTS_NAMESPACE, conversation_id=f"chat-{n}",
            occurred_at=when.timestamp(), user_id=name.lower(), user_name=name, source="bench"))
        facts += len((job.result or {}).get("facts", []))
    services.worker.drain()
    # What the background loops do as vectors and turns arrive (this vault runs without them).
    services.vector_index.maintain()
    services.entities.drain()
    return facts


def measure(services, queries: int = QUERIES, seed: int = 11) -> dict[str, float]:
    """p50 and p95 of hybrid searches in both namespaces, the same questions in each, alternating."""
    rng = random.Random(seed)
    names = extraction_speed.NAMES
    times: dict[str, list[float]] = {TURNS_NAMESPACE: [], FACTS_NAMESPACE: []}
    for q in range(queries):
        text = rng.choice(_QUESTIONS).format(name=rng.choice(names))
        for namespace in ((TURNS_NAMESPACE, FACTS_NAMESPACE) if q % 2 == 0 else (FACTS_NAMESPACE, TURNS_NAMESPACE)):
            services.query_vectors.clear()
            started = time.perf_counter()
            services.search.search(SearchQuery(text, mode=SearchMode.HYBRID, limit=10,
                                               filter=MemoryFilter(namespace=namespace)))
            times[namespace].append((time.perf_counter() - started) * 1000)
    turns, facts = knn_bench.p50_p95(times[TURNS_NAMESPACE]), knn_bench.p50_p95(times[FACTS_NAMESPACE])
    return {"queries": float(queries), "turns_p50_ms": turns["p50_ms"], "turns_p95_ms": turns["p95_ms"],
            "facts_p50_ms": facts["p50_ms"], "facts_p95_ms": facts["p95_ms"]}


def run_fact_search(settings: Settings, embedder, chats: int = CHATS, queries: int = QUERIES) -> dict[str, float]:
    """Store ``chats`` generated chats in a temporary vault and time ``queries`` questions in both namespaces."""
    from memvault.service.container import create_vault

    generated = extraction_speed.conversations(chats)
    with tempfile.TemporaryDirectory(prefix="memvault-bench-facts-") as tmp:
        cfg = settings.with_overrides(home=str(Path(tmp) / "vault"), kdf_memory_kib=8192, kdf_iterations=1)
        services = create_vault(cfg, PASSPHRASE, embedder, background=False)
        try:
            stored = _store(services, generated)
            # Warm-up: the first searches load the pipeline's and readers' state, outside the measured time.
            measure(services, queries=10, seed=5)
            out = measure(services, queries)
        finally:
            services.close()
    return {"chats": float(chats), "turns": float(sum(len(m) for m, _, _ in generated)), "facts": float(stored),
            **out}


def describe(figures: dict[str, float]) -> str:
    f = figures
    return (f"hybrid search where facts fold into their turns ({f['chats']:.0f} generated chats, {f['turns']:.0f} "
            f"turns, {f['facts']:.0f} facts; {f['queries']:.0f} questions, each namespace searched whole): "
            f"p50 {f['facts_p50_ms']:.1f} ms (p95 {f['facts_p95_ms']:.1f}) against {f['turns_p50_ms']:.1f} ms "
            f"(p95 {f['turns_p95_ms']:.1f}) for the same turns without facts")
