"""Retrieval quality on multi-session conversations (``memvault eval --conversations FILE``).

Each conversation goes into its own namespace of a temporary vault, one memory
per turn (the turn's text as content, the session as ``session_id``, the user
as ``user_id``, speaker and session date in the metadata), through the memory
service and the embedding queue as an agent's turns would. Each question is
then searched among that user's memories in the conversation's namespace, as an
agent serving that user would search, and scored on finding its evidence
turns: R@5, R@10 and nDCG@10, per half of the set, per search mode and per
question kind.

The file format is described in ``tests/data/conversations/README.md``.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TypeVar
from datetime import datetime
from pathlib import Path

from memvault.bench.metrics import ndcg_at, recall_at
from memvault.config import Settings
from memvault.domain.enums import SearchMode
from memvault.domain.errors import InvalidInput
from memvault.domain.models import MemoryCreate, MemoryFilter, SearchHit, SearchQuery

T = TypeVar("T")
PASSPHRASE = "memvault-eval-temporary"
KINDS = ("single-fact", "multi-hop", "temporal", "open-domain", "adversarial")
HALVES = ("tune", "heldout")
#: Hits asked for per question: as many as the deepest cut-off scored.
LIMIT = 10
DATE_FORMAT = "%Y-%m-%d %H:%M"


@dataclass(frozen=True)
class Turn:
    id: str
    speaker: str
    text: str


@dataclass(frozen=True)
class Session:
    id: str
    date: datetime
    turns: tuple[Turn, ...]


@dataclass(frozen=True)
class Question:
    id: str
    kind: str
    text: str
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class Conversation:
    id: str
    split: str
    user_name: str
    sessions: tuple[Session, ...]
    questions: tuple[Question, ...]

    @property
    def namespace(self) -> str:
        return f"conv-{self.id}"

    @property
    def user_id(self) -> str:
        """The user as an agent would record them: ``"Maya Okafor"`` -> ``"maya.okafor"``."""
        return ".".join(self.user_name.lower().split()) or self.id

    def session_id(self, session: Session) -> str:
        return f"{self.id}-{session.id}"

    def client_id(self, turn: Turn) -> str:
        return f"{self.id}/{turn.id}"


def _parse_conversation(raw: dict) -> Conversation:
    sessions = []
    for s in raw["sessions"]:
        turns = tuple(Turn(str(t["id"]), str(t["speaker"]), str(t["text"])) for t in s["turns"])
        # Any speaker: "user" and "assistant", or two people's names.
        bad = [t.id for t in turns if not t.speaker.strip() or not t.text.strip()]
        if bad:
            raise ValueError(f"turn {bad[0]} needs a speaker and some text")
        sessions.append(Session(str(s["id"]), datetime.strptime(s["date"], DATE_FORMAT), turns))
    turn_ids = [t.id for s in sessions for t in s.turns]
    if len(set(turn_ids)) != len(turn_ids):
        raise ValueError("turn ids repeat")
    questions = []
    for q in raw["questions"]:
        question = Question(str(q["id"]), str(q["kind"]), str(q["question"]), tuple(map(str, q["evidence"])))
        if question.kind not in KINDS:
            raise ValueError(f"question {question.id} has kind {question.kind!r}, not one of {', '.join(KINDS)}")
        missing = set(question.evidence) - set(turn_ids)
        if not question.evidence or missing:
            raise ValueError(f"question {question.id} names evidence that is not a turn: {sorted(missing)}")
        questions.append(question)
    split = str(raw["split"])
    if split not in HALVES:
        raise ValueError(f"split {split!r} is not one of {', '.join(HALVES)}")
    return Conversation(str(raw["id"]), split, str(raw.get("user_name", "")), tuple(sessions), tuple(questions))


def load_conversations(path: Path) -> list[Conversation]:
    """The conversations of a set file, checked (:class:`InvalidInput` naming the first problem)."""
    conversations = read_set(path, "conversation", "conversations", "conversation", _parse_conversation)
    if not conversations or not any(c.questions for c in conversations):
        raise InvalidInput(f"{path} has no conversations with questions")
    if len({c.id for c in conversations}) != len(conversations):
        raise InvalidInput(f"{path}: conversation ids repeat")
    return conversations


def read_set(path: Path, kind: str, key: str, item: str, parse: Callable[[dict], T]) -> list[T]:
    """The items under ``key`` of an evaluation set's JSON file, each read by ``parse``; :class:`InvalidInput`
    says which file (a ``kind`` set) is missing or unreadable, or which ``item`` is malformed."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidInput(f"no {kind} set at {path}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(f"{path} is not a readable JSON file: {exc}") from None
    out = []
    for i, entry in enumerate(raw.get(key, []) if isinstance(raw, dict) else []):
        try:
            out.append(parse(entry))
        except (KeyError, TypeError, ValueError) as exc:
            name = entry.get("id", i) if isinstance(entry, dict) else i
            raise InvalidInput(f"{path}: {item} {name} is malformed: {exc}") from None
    return out


def turn_memories(conversation: Conversation, session: Session, *, sessions: bool = True) -> list[MemoryCreate]:
    """One memory per turn of ``session``, in order, as an agent storing the chat would write them
    (``sessions=False``: without a session id, as a store that keeps none would)."""
    return [
        MemoryCreate(
            content=turn.text,
            namespace=conversation.namespace,
            session_id=conversation.session_id(session) if sessions else None,
            user_id=conversation.user_id,
            client_id=conversation.client_id(turn),
            metadata={"speaker": turn.speaker, "session_date": session.date.isoformat(timespec="minutes")},
        )
        for turn in session.turns
    ]


def ingest(services, conversations: Iterable[Conversation], *, sessions: bool = True) -> None:
    """Store every turn and wait until all of them are embedded."""
    for conversation in conversations:
        for session in conversation.sessions:
            result = services.memories.create_batch(turn_memories(conversation, session, sessions=sessions))
            if result.failed:
                raise InvalidInput(f"conversation {conversation.id}: {result.failed} turns were refused")
    services.worker.drain()
    services.entities.drain()


def rank(services, conversation: Conversation, question: Question,
         mode: SearchMode) -> tuple[list[str], float, SearchHit | None]:
    """Turn ids of the hits for ``question``, best first, the search time in ms, and the best hit."""
    result = services.search.search(SearchQuery(
        question.text, mode=mode, limit=LIMIT,
        filter=MemoryFilter(namespace=conversation.namespace, user_id=conversation.user_id)))
    prefix = conversation.id + "/"
    return ([(h.memory.client_id or "").removeprefix(prefix) for h in result.hits], result.took_ms,
            result.hits[0] if result.hits else None)


def good_match_figures(rows: list[dict]) -> dict[str, float]:
    """How far the good-match flag of the best hit can be trusted, over ``rows`` (one mode, one half).

    ``precision``: of the best hits flagged a good match, the share that is evidence; ``recall``: of the
    best hits that are evidence, the share flagged; ``rank1``: the share of questions whose best hit is.
    """
    correct = [r for r in rows if r["rank1"]]
    flagged = [r for r in rows if r["good_match"]]
    return {"n": len(rows), "rank1": len(correct) / max(1, len(rows)),
            "precision": sum(r["rank1"] for r in flagged) / max(1, len(flagged)),
            "recall": sum(r["good_match"] for r in correct) / max(1, len(correct))}


def score(ranked: list[str], evidence: Iterable[str]) -> dict[str, float]:
    relevant = {e: 1 for e in evidence}
    return {"recall@5": recall_at(ranked, relevant, 5), "recall@10": recall_at(ranked, relevant, 10),
            "ndcg@10": ndcg_at(ranked, relevant, 10)}


@dataclass
class ConversationReport:
    """R@5, R@10 and nDCG@10 per half, mode and question kind (``all`` for every kind)."""

    dataset: str
    conversations: int
    turns: int
    questions: dict[str, int]
    ingest_seconds: float
    metrics: dict[str, dict[str, dict[str, dict[str, float]]]] = field(default_factory=dict)
    p50_ms: dict[str, float] = field(default_factory=dict)
    per_question: list[dict] = field(default_factory=list)
    #: Per half and mode (hybrid, semantic): :func:`good_match_figures`.
    good_match: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)

    def as_text(self) -> str:
        total = sum(self.questions.values())
        halves = ", ".join(f"{h} {n}" for h, n in self.questions.items() if n)
        lines = [(f"{self.dataset}: {self.conversations} conversations, {self.turns} turns, {total} questions "
                  f"({halves}); ingested and embedded in {self.ingest_seconds:.0f} s"),
                 f"{'half':8} {'mode':9} {'kind':12} {'n':>4} {'R@5':>6} {'R@10':>6} {'nDCG@10':>8}"]
        for half, modes in self.metrics.items():
            for mode, kinds in modes.items():
                for i, (kind, m) in enumerate(kinds.items()):
                    lead = f"{half:8} {mode:9}" if i == 0 else " " * 18
                    lines.append(f"{lead} {kind:12} {int(m['n']):4d} {m['recall@5']:6.3f} {m['recall@10']:6.3f} "
                                 f"{m['ndcg@10']:8.3f}")
        for half, modes in self.good_match.items():
            for mode, g in modes.items():
                lines.append(f"good match, {half} {mode}: best hit correct {g['rank1']:.3f}; flag precision "
                             f"{g['precision']:.3f}, recall {g['recall']:.3f} ({int(g['n'])} questions)")
        lines.append("search p50: " + ", ".join(f"{mode} {ms:.1f} ms" for mode, ms in self.p50_ms.items()))
        return "\n".join(lines)


def _aggregate(rows: list[dict], modes: list[SearchMode]) -> dict[str, dict[str, dict[str, dict[str, float]]]]:
    metrics: dict = {}
    for half in HALVES:
        for mode in modes:
            mine = [r for r in rows if r["half"] == half and r["mode"] == mode.value]
            if not mine:
                continue
            per_kind = {}
            for kind in ("all", *KINDS):
                some = [r for r in mine if kind in ("all", r["kind"])]
                if some:
                    per_kind[kind] = {k: sum(r[k] for r in some) / len(some)
                                      for k in ("recall@5", "recall@10", "ndcg@10")}
                    per_kind[kind]["n"] = len(some)
            metrics.setdefault(half, {})[mode.value] = per_kind
    return metrics


def run_conversations(settings: Settings, path: Path, *, modes: Iterable[SearchMode] | None = None,
                      progress: Callable[[str], None] | None = None, sessions: bool = True,
                      model: str | None = None, half: str | None = None) -> ConversationReport:
    """Store ``path``'s conversations in a temporary vault and score each search mode on its questions
    (``sessions=False``: turns stored without session ids; ``model``: the bundled embedding model; ``half``: score
    only that half's questions, over the same vault, so tuning never prints a held-out figure)."""
    from memvault.service.container import create_vault, load_embedder

    say = progress or (lambda _msg: None)
    conversations = load_conversations(path)
    scored = [c for c in conversations if half is None or c.split == half]
    if not any(c.questions for c in scored):
        raise InvalidInput(f"{path} holds no questions in the half {half!r}")
    modes = list(modes or SearchMode)
    with tempfile.TemporaryDirectory(prefix="memvault-eval-") as tmp:
        cfg = settings.with_overrides(home=str(Path(tmp) / "vault"), kdf_memory_kib=8192, kdf_iterations=1)
        services = create_vault(cfg, PASSPHRASE, load_embedder(cfg, model), background=False)
        try:
            started = time.perf_counter()
            turns = sum(len(s.turns) for c in conversations for s in c.sessions)
            say(f"storing and embedding {turns} turns of {len(conversations)} conversations…")
            ingest(services, conversations, sessions=sessions)
            report = ConversationReport(
                path.name + ("" if sessions else " (no session ids)"), len(conversations), turns,
                {h: sum(len(c.questions) for c in scored if c.split == h) for h in HALVES},
                time.perf_counter() - started)
            for mode in modes:
                times = []
                for conversation in scored:
                    for question in conversation.questions:
                        ranked, ms, best = rank(services, conversation, question, mode)
                        times.append(ms)
                        good = best is not None and best.good_match
                        report.per_question.append({"id": question.id, "half": conversation.split,
                                                    "kind": question.kind, "mode": mode.value,
                                                    "top": ranked[:LIMIT],
                                                    "best_score": best.score if best else None,
                                                    "rank1": bool(ranked) and ranked[0] in question.evidence,
                                                    "good_match": good, **score(ranked, question.evidence)})
                report.p50_ms[mode.value] = statistics.median(times)
                say(f"{mode.value}: done ({len(times)} questions)")
            report.metrics = _aggregate(report.per_question, modes)
            for half in HALVES:
                for mode in (SearchMode.HYBRID, SearchMode.SEMANTIC):
                    rows = [r for r in report.per_question if r["half"] == half and r["mode"] == mode.value]
                    if rows:
                        report.good_match.setdefault(half, {})[mode.value] = good_match_figures(rows)
        finally:
            services.close()
    return report
