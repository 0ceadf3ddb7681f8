"""Do extracted facts help retrieval? Turns alone against turns and facts together, on a conversation set.

Run as ``python -m memvault.bench.fact_retrieval FILE [--half tune] [--no-sessions] [--no-names] [--shared]``
(the format of ``tests/data/conversations/``). Every conversation of the half asked for (both when none) is
stored twice in a temporary vault: its turns alone in one namespace, and its turns plus the facts extracted
from each session in another (each session sent as a conversation with its date and the user's id and, unless
``--no-names``, the user's name; a speaker other than "user"/"assistant" is a named person). Each question is
searched in both among that user's memories; with ``--shared`` every conversation shares the two namespaces
and each question is searched in the whole namespace, as an agent serving a household or a team would, so
it must find its person's answer among everyone's. A hit is the turn it shows: search folds a fact into its
source turn's slot (:mod:`memvault.ranking.facts`); a fact shown on its own takes a slot and counts as no
turn ("strict"), or as the turn it was read from ("lenient", the figure measured before facts were folded).
Reported: R@5 per half and search mode.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import sys
import tempfile
import types
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

STORES = ("turns", "turns+facts", "lenient")


#: The two namespaces every conversation shares with ``--shared``.
SHARED_NAMESPACE = "shared"


def _turns_namespace(conversation: Conversation, shared: bool) -> str:
    return SHARED_NAMESPACE if shared else conversation.namespace


def _facts_namespace(conversation: Conversation, shared: bool = False) -> str:
    return f"{_turns_namespace(conversation, shared)}-facts"


def _message(conversation: Conversation, turn) -> ChatMessage:
    if turn.speaker in ("user", "assistant"):
        return ChatMessage(turn.speaker, turn.text)
    # Two people talking: the user's own turns, and the other person's, each named.
    mine = turn.speaker.lower() == conversation.user_name.split()[0].lower() if conversation.user_name else False
    return ChatMessage("user" if mine else "assistant", turn.text, name=turn.speaker)


def _store(services, conversation: Conversation, *, sessions: bool, names: bool,
           shared: bool = False) -> dict[str, str]:
    """Store the conversation in both namespaces; the source turn of each fact stored (``conversation/turn``),
    by memory id."""
    sources: dict[str, str] = {}
    for session in conversation.sessions:
        # Sessions come days apart: the entity loop has read the earlier ones, as it has in a running vault.
        services.entities.drain()
        turns = turn_memories(conversation, session, sessions=sessions)
        for namespace in (_turns_namespace(conversation, shared), _facts_namespace(conversation, shared)):
            services.memories.create_batch([dataclasses.replace(t, namespace=namespace) for t in turns])
        when = session.date if session.date.tzinfo else session.date.replace(tzinfo=dt.UTC)
        job = services.conversations.ingest(ConversationSubmission(
            tuple(_message(conversation, t) for t in session.turns),
            _facts_namespace(conversation, shared), conversation_id=f"{conversation.id}/{session.id}",
            occurred_at=when.timestamp(), user_id=conversation.user_id,
            user_name=(conversation.user_name or None) if names else None, source="bench"))
        for fact in (job.result or {}).get("facts", []):
            sources[fact["id"]] = conversation.client_id(session.turns[fact["message_index"]])
    return sources


def _ranked(services, conversation: Conversation, text: str, mode: SearchMode, namespace: str,
            sources: dict[str, str], lenient: bool, *, shared: bool = False) -> list[str]:
    """The turns shown for ``text``, best first: this conversation's by their id, anything else's by its
    conversation and id (so it matches no evidence)."""
    result = services.search.search(SearchQuery(text, mode=mode, limit=LIMIT, filter=MemoryFilter(
        namespace=namespace, user_id=None if shared else conversation.user_id)))
    prefix = conversation.id + "/"
    ranked: list[str] = []
    for hit in result.hits:
        if hit.memory.id in sources:
            turn = sources[hit.memory.id].removeprefix(prefix) if lenient else f"fact:{hit.memory.id}"
        else:
            turn = (hit.memory.client_id or "").removeprefix(prefix)
        if turn not in ranked:
            ranked.append(turn)
    return ranked


def run(path: Path, modes: tuple[SearchMode, ...] = tuple(SearchMode), halves: tuple[str, ...] = HALVES, *,
        sessions: bool = True, names: bool = True, shared: bool = False) -> dict[str, dict[str, dict[str, float]]]:
    """``{half: {mode: {store: R@5}}}`` and the number of facts stored, for the set at ``path``; only the
    conversations of ``halves`` are stored and searched (``shared``: all in one namespace, searched whole)."""
    from memvault.config import Settings
    from memvault.service.container import create_vault, load_embedder

    conversations = [c for c in load_conversations(path) if c.split in halves]
    out: dict[str, dict[str, dict[str, float]]] = {}
    with tempfile.TemporaryDirectory(prefix="memvault-eval-") as tmp:
        cfg = Settings().with_overrides(home=str(Path(tmp) / "vault"), kdf_memory_kib=8192, kdf_iterations=1)
        services = create_vault(cfg, PASSPHRASE, load_embedder(cfg), background=False)
        try:
            sources: dict[str, str] = {}
            for conversation in conversations:
                sources.update(_store(services, conversation, sessions=sessions, names=names, shared=shared))
            services.worker.drain()
            services.entities.drain()
            for half in halves:
                for mode in modes:
                    for store in STORES:
                        recalls = []
                        for c in (c for c in conversations if c.split == half):
                            namespace = (_turns_namespace(c, shared) if store == "turns"
                                         else _facts_namespace(c, shared))
                            for q in c.questions:
                                ranked = _ranked(services, c, q.text, mode, namespace, sources, store == "lenient",
                                                 shared=shared)
                                recalls.append(score(ranked, q.evidence)["recall@5"])
                        if recalls:
                            out.setdefault(half, {}).setdefault(mode.value, {})[store] = sum(recalls) / len(recalls)
            out["facts"] = {"stored": {"n": float(len(sources))}}
        finally:
            services.close()
    return out


def without_folding() -> None:
    """The ``--no-fold`` control, for the rest of the process: ranking finds no facts among a page's candidates,
    so none folds into its turn; every other look-up of facts (whose name a search serves, whether a namespace
    holds any) is the vault's own."""
    from memvault.ranking import facts as fact_ranking

    fact_ranking.fact_links = types.SimpleNamespace(**{**vars(fact_ranking.fact_links),
                                                       "facts_among": lambda _conn, _ids: {}})


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m memvault.bench.fact_retrieval")
    parser.add_argument("file", type=Path)
    parser.add_argument("--half", choices=HALVES, action="append")
    parser.add_argument("--no-sessions", action="store_true", help="store the turns without session ids")
    parser.add_argument("--no-names", action="store_true", help="send no user name with the conversations")
    parser.add_argument("--shared", action="store_true",
                        help="every conversation in one namespace, each question searched in all of it")
    parser.add_argument("--no-fold", action="store_true",
                        help="control: facts never fold into their turns (every fact is a hit of its own)")
    args = parser.parse_args(argv)
    if args.no_fold:
        without_folding()
    figures = run(args.file, halves=tuple(args.half or HALVES), sessions=not args.no_sessions,
                  names=not args.no_names, shared=args.shared)
    print(f"facts stored: {int(figures.pop('facts')['stored']['n'])}")
    for half, modes in figures.items():
        for mode, stores in modes.items():
            print(f"{half:8} {mode:9} " + "  ".join(f"{s} R@5 {r:.3f}" for s, r in stores.items()))


if __name__ == "__main__":
    main(sys.argv[1:])
