"""Fact-extraction quality and speed on a labelled conversation set (``memvault eval --extraction FILE``).

Every conversation goes through the on-device extractor alone (no vault): its
facts are matched to the hand-written expected facts by the documented rule
(``tests/data/extraction/README.md``): cosine similarity of the vault model's
embeddings at least :data:`SIMILARITY_THRESHOLD` and at least half of the
expected fact's key terms in the extracted fact, one-to-one, best similarity
first. Reported per half of the set: precision, recall, semantic/episodic
accuracy and category accuracy over matched pairs, and throughput in turns per
second (every turn counts, assistant turns included; the pipeline is loaded
and warmed up before the clock starts).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from memvault.domain.errors import InvalidInput
from memvault.extraction.facts import Fact, FactExtractor, Message, TurnDocs

SIMILARITY_THRESHOLD = 0.70
#: Issue 47's measure: one-to-one matches by cosine similarity alone, at each of these.
SEMANTIC_THRESHOLDS = (0.7, 0.8)
KEY_TERM_SHARE = 0.5
PREFIX = 5
HALVES = ("tune", "heldout")
_STOP = frozenset(["the", "and", "for", "with", "from", "that", "this", "their", "they", "them", "his", "her", "its", "was", "were", "are", "has", "have", "had", "been", "being", "into", "about", "over", "after", "before", "when", "while", "than", "then", "also", "just", "very", "some", "each", "every", "user", "user's", "users", "not", "but", "all", "any", "can", "will", "would", "could", "should", "our", "your", "you", "she", "him", "who", "what", "which", "where", "why", "how", "there", "here"])


_POINTERS = frozenset({"he", "she", "it", "they", "him", "her", "them", "his", "its", "their", "this", "that", "these",
                       "those"})
_FIRST_PERSON = frozenset({"i", "me", "my", "mine", "myself", "we", "us", "our", "ours", "ourselves"})
_SECOND_PERSON = frozenset({"you", "your", "yours", "yourself"})
_AUXILIARIES = frozenset({"is", "are", "was", "were", "am", "be", "been", "has", "have", "had", "does", "do", "did",
                          "will", "would", "can", "could", "should", "may", "might", "must", "shall"})


def self_contained(text: str) -> bool:
    """Whether a fact reads on its own, judged from its words alone (issue 47's measure): it does not start
    with a pronoun or a demonstrative ("Those moments ..."), starts with a subject rather than a verb ("Is
    doing fine"), has no first- or second-person word (outside a hyphenated one: "me-time") and no object
    pronoun or place word that can only point outside it ("... told him", "... about it", "... studying there")."""
    tokens = re.findall(r"[A-Za-z0-9']+(?:-[A-Za-z0-9']+)*", text)
    if not tokens:
        return False
    words = [t.lower() for t in tokens]
    first = words[0]
    if first in _POINTERS or first in _AUXILIARIES:
        return False
    if any(w in _FIRST_PERSON or w in _SECOND_PERSON for w in words):
        return False
    # "there" after the first word is a place said elsewhere ("Freja is studying medicine there"); at the start it
    # says something exists ("There is a tailor in Moss Side").
    return not (any(w in ("him", "them") for w in words) or words[-1] == "it" or "there" in words[1:])


@dataclass(frozen=True)
class Labelled:
    id: str
    split: str
    time: dt.datetime
    messages: tuple[Message, ...]
    expected: tuple[dict, ...]


def load_set(path: Path) -> list[Labelled]:
    """Read and check a set in the documented format."""
    try:
        doc = json.loads(path.read_text("utf-8"))
        items = []
        for c in doc["conversations"]:
            when = dt.datetime.fromisoformat(c["time"])
            items.append(Labelled(c["id"], c["split"], when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc),
                                  tuple(Message(m["role"], m["content"], m.get("name")) for m in c["messages"]),
                                  tuple(c["expected"])))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InvalidInput(f"{path} is not an extraction set ({exc.__class__.__name__}: {exc})") from None
    if not items:
        raise InvalidInput(f"{path} holds no conversations")
    return items


def key_terms(text: str) -> set[str]:
    """Lower-cased words of 3+ letters and all numbers, minus stop words, cut to their first five letters."""
    words = re.findall(r"[a-z][a-z'\-]{2,}|\d+", text.lower())
    return {w[:PREFIX] for w in words if w not in _STOP and w.rstrip("'s") not in _STOP}


def terms_overlap(expected: str, extracted: str) -> bool:
    wanted = key_terms(expected)
    if not wanted:
        return True
    return len(wanted & key_terms(extracted)) >= KEY_TERM_SHARE * len(wanted)


def _similarities(expected: Sequence[str], extracted: Sequence[str],
                  embed: Callable[[list[str]], np.ndarray]) -> np.ndarray:
    vectors = embed(list(expected) + list(extracted))
    vectors = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors[: len(expected)] @ vectors[len(expected):].T


def _pair_up(sims: np.ndarray, threshold: float, ok: Callable[[int, int], bool]) -> list[tuple[int, int, float]]:
    candidates = sorted(((float(sims[i, j]), i, j) for i in range(sims.shape[0]) for j in range(sims.shape[1])
                         if sims[i, j] >= threshold and ok(i, j)), key=lambda c: (-c[0], c[1], c[2]))
    used_e: set[int] = set()
    used_x: set[int] = set()
    pairs = []
    for sim, i, j in candidates:
        if i not in used_e and j not in used_x:
            used_e.add(i)
            used_x.add(j)
            pairs.append((i, j, sim))
    return pairs


def match(expected: Sequence[str], extracted: Sequence[str], embed: Callable[[list[str]], np.ndarray]
          ) -> list[tuple[int, int, float]]:
    """One-to-one ``(expected index, extracted index, similarity)`` pairs that satisfy the matching rule."""
    if not expected or not extracted:
        return []
    sims = _similarities(expected, extracted, embed)
    return _pair_up(sims, SIMILARITY_THRESHOLD, lambda i, j: terms_overlap(expected[i], extracted[j]))


@dataclass
class HalfScore:
    extracted: int = 0
    expected: int = 0
    matched: int = 0
    kind_right: int = 0
    category_right: int = 0
    turns: int = 0
    seconds: float = 0.0
    #: Matches by cosine similarity alone (issue 47's measure), per threshold.
    semantic: dict[float, int] = field(default_factory=dict)
    alone: int = 0

    def semantic_precision(self, threshold: float) -> float:
        return self.semantic.get(threshold, 0) / self.extracted if self.extracted else 0.0

    def semantic_recall(self, threshold: float) -> float:
        return self.semantic.get(threshold, 0) / self.expected if self.expected else 0.0

    @property
    def self_contained_share(self) -> float:
        return self.alone / self.extracted if self.extracted else 0.0

    @property
    def precision(self) -> float:
        return self.matched / self.extracted if self.extracted else 0.0

    @property
    def recall(self) -> float:
        return self.matched / self.expected if self.expected else 0.0

    @property
    def kind_accuracy(self) -> float:
        return self.kind_right / self.matched if self.matched else 0.0

    @property
    def category_accuracy(self) -> float:
        return self.category_right / self.matched if self.matched else 0.0

    @property
    def turns_per_second(self) -> float:
        return self.turns / self.seconds if self.seconds else 0.0


@dataclass
class ExtractionReport:
    conversations: int
    halves: dict[str, HalfScore]
    median_conversation_ms: float
    max_conversation_ms: float
    rows: list[dict] = field(default_factory=list)

    def as_text(self) -> str:
        lines = [(f"fact extraction: {self.conversations} conversations; similarity >= {SIMILARITY_THRESHOLD} and "
                  f">= {KEY_TERM_SHARE:.0%} key terms"),
                 (f"{'half':8} {'facts':>6} {'expected':>8} {'matched':>8} {'precision':>9} {'recall':>7} "
                  f"{'kind acc':>8} {'cat acc':>8} {'turns/s':>8}")]
        for name, h in self.halves.items():
            lines.append(f"{name:8} {h.extracted:>6} {h.expected:>8} {h.matched:>8} {h.precision:>9.3f} "
                         f"{h.recall:>7.3f} {h.kind_accuracy:>8.3f} {h.category_accuracy:>8.3f} "
                         f"{h.turns_per_second:>8.0f}")
        lines.append("by cosine alone: " + "; ".join(
            f"{name} P/R@{t} {h.semantic_precision(t):.3f}/{h.semantic_recall(t):.3f}"
            for name, h in self.halves.items() for t in SEMANTIC_THRESHOLDS))
        lines.append("self-contained: " + ", ".join(f"{name} {h.self_contained_share:.3f}"
                                                    for name, h in self.halves.items()))
        lines.append(f"per conversation: median {self.median_conversation_ms:.1f} ms, "
                     f"slowest {self.max_conversation_ms:.1f} ms")
        return "\n".join(lines)


def evaluate(items: Sequence[Labelled], extractor: FactExtractor, embed: Callable[[list[str]], np.ndarray],
             progress: Callable[[str], None] | None = None) -> ExtractionReport:
    """Score ``extractor`` on ``items``; ``embed`` gives one vector per text (the matching rule's embeddings)."""
    say = progress or (lambda _msg: None)
    # Warm-up: the pipeline and dateparser's language data load on first use, outside the measured time.
    extractor.extract([Message("user", "I moved to Zurich last week and I fly to Oslo on May 10.")],
                      dt.datetime.now(dt.UTC))
    halves = {name: HalfScore() for name in sorted({c.split for c in items}, key=_half_order)}
    times: list[float] = []
    extracted: list[list[Fact]] = []
    # Every conversation is extracted before any is scored: the embedding model's threads would
    # otherwise compete with the pipeline for the cores while the clock runs.
    for n, c in enumerate(items, 1):
        started = time.perf_counter()
        docs = TurnDocs()
        extracted.append(extractor.extract(named_as_served(extractor, c.messages, docs), c.time, docs))
        elapsed = time.perf_counter() - started
        times.append(elapsed)
        halves[c.split].turns += len(c.messages)
        halves[c.split].seconds += elapsed
        if n % 10 == 0:
            say(f"extraction: {n}/{len(items)} conversations")
    say("matching facts")
    rows = [_score(c, facts, embed, halves[c.split]) for c, facts in zip(items, extracted)]
    all_half = HalfScore()
    for h in halves.values():
        for name in ("extracted", "expected", "matched", "kind_right", "category_right", "turns", "seconds", "alone"):
            setattr(all_half, name, getattr(all_half, name) + getattr(h, name))
        for t, n in h.semantic.items():
            all_half.semantic[t] = all_half.semantic.get(t, 0) + n
    halves["all"] = all_half
    return ExtractionReport(len(items), halves, statistics.median(times) * 1000, max(times) * 1000, rows)


def named_as_served(extractor: FactExtractor, messages: Sequence[Message], docs: TurnDocs | None = None
                    ) -> list[Message]:
    """``messages`` as the conversation service hands them to the extractor: when no user turn is named, the
    user's turns carry the name the chat gives the user, if it gives one (:mod:`memvault.extraction.names`);
    ``docs`` keeps the turns parsed for it, for extraction (the service shares them so)."""
    if any(m.name for m in messages if m.role == "user"):
        return list(messages)
    name = extractor.read_user_name(messages, docs)
    return [Message(m.role, m.content, name if m.role == "user" else m.name) for m in messages]


def _half_order(name: str) -> tuple[int, str]:
    return (HALVES.index(name) if name in HALVES else len(HALVES), name)


def _score(c: Labelled, facts: list[Fact], embed: Callable[[list[str]], np.ndarray], h: HalfScore) -> dict:
    expected = [e["fact"] for e in c.expected]
    extracted = [f.text for f in facts]
    sims = _similarities(expected, extracted, embed) if expected and extracted else np.zeros((0, 0))
    pairs = _pair_up(sims, SIMILARITY_THRESHOLD, lambda i, j: terms_overlap(expected[i], extracted[j]))
    h.extracted += len(facts)
    h.expected += len(expected)
    h.matched += len(pairs)
    h.alone += sum(self_contained(t) for t in extracted)
    for t in SEMANTIC_THRESHOLDS:
        h.semantic[t] = h.semantic.get(t, 0) + len(_pair_up(sims, t, lambda i, j: True))
    for i, j, _ in pairs:
        h.kind_right += c.expected[i]["kind"] == facts[j].kind
        h.category_right += bool(set(c.expected[i]["categories"]) & set(facts[j].categories))
    matched_x = {j for _, j, _ in pairs}
    matched_e = {i for i, _, _ in pairs}
    return {"id": c.id, "split": c.split, "matched": [[expected[i], facts[j].text, round(s, 3)] for i, j, s in pairs],
            "missed": [expected[i] for i in range(len(expected)) if i not in matched_e],
            "extra": [f.text for j, f in enumerate(facts) if j not in matched_x]}


def run_extraction_eval(path: Path, progress: Callable[[str], None] | None = None,
                        half: str | None = None) -> ExtractionReport:
    """Load the set, the pinned pipeline and the vault's embedding model, and score (only ``half``'s
    conversations when given: tuning never prints a held-out figure)."""
    from memvault.config import Settings
    from memvault.extraction.nlp import NlpPipeline
    from memvault.service.container import load_embedder

    items = [item for item in load_set(path) if half is None or item.split == half]
    if not items:
        raise InvalidInput(f"{path} holds no conversations in the half {half!r}")
    embedder = load_embedder(Settings())
    return evaluate(items, FactExtractor(NlpPipeline()), lambda texts: embedder.embed_texts(texts), progress)
