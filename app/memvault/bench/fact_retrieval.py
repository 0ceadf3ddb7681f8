"""Do extracted facts help retrieval? Turns alone against turns and facts together, on a conversation set.

Run as ``python -m memvault.bench.fact_retrieval FILE`` (the format of
``tests/data/conversations/``). Every conversation is stored twice in a
temporary vault: its turns alone in one namespace, and its turns plus the
facts extracted from each session (sent as a conversation of the user and the
assistant, with the session's date and the user's id) in another. Each
question is searched in both among that user's memories; a fact hit counts as
the turn it was extracted from (its provenance), and a turn found twice counts
once. Reported: R@5 per half and search mode for both stores.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import sys
import tempfile
from pathlib import Path

from memvault.bench.conversations import (
    HALVES,
    LIMIT,
    PASSPHRASE,
    Conversation,
    load_conversations,
    score,
    turn_memories,
)
from memvault.domain.conversations import ChatMessage, ConversationSubmission
from memvault.domain.enums import SearchMode
from memvault.domain.models import MemoryFilter, SearchQuery

STORES = ("turns", "turns+facts")


def _facts_namespace(conversation: Conversation) -> str:
    return f"{conversation.namespace}-facts"


def _store(services, conversation: Conversation) -> dict[str, str]:
    """Store the conversation in both namespaces; the source turn id of each fact stored, by memory id."""
    sources: dict[str, str] = {}
    for session in conversation.sessions:
        turns = turn_memories(conversation, session)
        services.memories.create_batch(turns)
        services.memories.create_batch([dataclasses.replace(t, namespace=_facts_namespace(conversation))
                                        for t in turns])
        when = session.date if session.date.tzinfo else session.date.replace(tzinfo=dt.UTC)
        job = services.conversations.ingest(ConversationSubmission(
            tuple(ChatMessage("user" if t.speaker == "user" else "assistant", t.text) for t in session.turns),
            _facts_namespace(conversation), conversation_id=f"{conversation.id}/{session.id}",
            occurred_at=when.timestamp(), user_id=conversation.user_id, source="bench"))
        for fact in (job.result or {}).get("facts", []):
            sources[fact["id"]] = session.turns[fact["message_index"]].id
    return sources


def _ranked(services, conversation: Conversation, text: str, mode: SearchMode, namespace: str,
            sources: dict[str, str]) -> list[str]:
    result = services.search.search(SearchQuery(text, mode=mode, limit=LIMIT, filter=MemoryFilter(
        namespace=namespace, user_id=conversation.user_id)))
    prefix = conversation.id + "/"
    ranked: list[str] = []
    for hit in result.hits:
        turn = sources.get(hit.memory.id) or (hit.memory.client_id or "").removeprefix(prefix)
        if turn not in ranked:
            ranked.append(turn)
    return ranked


def run(path: Path, modes: tuple[SearchMode, ...] = tuple(SearchMode)) -> dict[str, dict[str, dict[str, float]]]:
    """``{half: {mode: {store: R@5}}}`` and the number of facts stored, for the set at ``path``."""
    from memvault.config import Settings
    from memvault.service.container import create_vault, load_embedder

    conversations = load_conversations(path)
    out: dict[str, dict[str, dict[str, float]]] = {}
    with tempfile.TemporaryDirectory(prefix="memvault-eval-") as tmp:
        cfg = Settings().with_overrides(home=str(Path(tmp) / "vault"), kdf_memory_kib=8192, kdf_iterations=1)
        services = create_vault(cfg, PASSPHRASE, load_embedder(cfg), background=False)
        try:
            sources: dict[str, str] = {}
            for conversation in conversations:
                sources.update(_store(services, conversation))
            services.worker.drain()
            services.entities.drain()
            for half in HALVES:
                for mode in modes:
                    for store in STORES:
                        recalls = []
                        for c in (c for c in conversations if c.split == half):
                            namespace = c.namespace if store == "turns" else _facts_namespace(c)
                            for q in c.questions:
                                ranked = _ranked(services, c, q.text, mode, namespace, sources)
                                recalls.append(score(ranked, q.evidence)["recall@5"])
                        if recalls:
                            out.setdefault(half, {}).setdefault(mode.value, {})[store] = sum(recalls) / len(recalls)
            out["facts"] = {"stored": {"n": float(len(sources))}}
        finally:
            services.close()
    return out


if __name__ == "__main__":
    figures = run(Path(sys.argv[1]))
    print(f"facts stored: {int(figures.pop('facts')['stored']['n'])}")
    for half, modes in figures.items():
        for mode, stores in modes.items():
            print(f"{half:8} {mode:9} " + "  ".join(f"{s} R@5 {r:.3f}" for s, r in stores.items()))
