"""Search results packed into a token budget (``compress: true`` with ``max_context_tokens``).

Tokens are counted with the embedding model's own tokenizer
(``models/all-MiniLM-L6-v2/tokenizer.json`` through ``tokenizers``), the
same count the model sees. The packing, best hit first:

1. each hit's text is split into sentences; a sentence whose content words
   (5-letter stems) are already said by a sentence kept from a better hit
   (Jaccard >= :data:`REDUNDANT_JACCARD`) is redundant and removed;
2. sentences are ranked within their hit by the share of the query's content
   words they hold (ties: earlier first);
3. first pass: every hit, best first, gets its most relevant sentence while
   the budget lasts; a sentence longer than what is left is cut at a word
   boundary (never inside a word) and marked with "…"; a hit that cannot get
   even :data:`MIN_PIECE_TOKENS` (or the whole budget, when that is smaller)
   is dropped, and so is every hit after it: a weaker hit's short sentence never
   takes the place of a better hit's;
4. second pass: hits, best first, get their further sentences in order of
   relevance while they fit.

A hit's context shows its kept sentences in their original order, joined by
" … " where sentences were left out. The result says how many tokens were
used (the sum of the hits' contexts, each counted as it is returned), which
hits were dropped, and how many sentences were removed as redundant or for
the budget.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

from tokenizers import Tokenizer

from memvault.domain.errors import InvalidInput
from memvault.domain.models import SearchHit
from memvault.embedding.manifest import load_manifest
from memvault.ranking.keyword import content_stems

#: Two sentences saying this much of the same thing are one too many.
REDUNDANT_JACCARD = 0.8
#: A hit gets at least this many tokens or is dropped.
MIN_PIECE_TOKENS = 8
MAX_CONTEXT_TOKENS_LIMIT = 100_000
DEFAULT_CONTEXT_TOKENS = 1_000
GAP = " … "
_SENTENCES = re.compile(r"(?<=[.!?…])\s+|\n+")
#: Words whose full stop ends no sentence ("Dr. Okafor", "e.g. tea"); a lone capital is an initial ("J. Smith").
_ABBREVIATIONS = frozenset({"dr", "mr", "mrs", "ms", "prof", "st", "mt", "jr", "sr", "vs", "etc", "e.g", "i.e", "approx",
                            "fig", "dept", "inc", "ltd"})


@dataclass
class CompressedHit:
    """One hit's share of the budget: its context text and token count."""

    memory_id: str
    context: str
    tokens: int
    sentences_kept: int
    sentences_total: int
    cut: bool = False


@dataclass
class Compression:
    """The packed hits (best first) and what the budget cost."""

    hits: list[CompressedHit]
    max_context_tokens: int
    tokens_used: int
    dropped_hits: list[str] = field(default_factory=list)
    redundant_sentences: int = 0
    sentences_over_budget: int = 0

    def summary(self) -> dict:
        return {"max_context_tokens": self.max_context_tokens, "tokens_used": self.tokens_used,
                "dropped_hits": list(self.dropped_hits), "redundant_sentences_removed": self.redundant_sentences,
                "sentences_dropped_for_budget": self.sentences_over_budget,
                "tokenizer": "all-MiniLM-L6-v2 (tokenizer.json)"}


@dataclass
class _Sentence:
    index: int
    text: str
    tokens: int
    score: float


class TokenCounter:
    """The embedding model's tokenizer, loaded once (from the verified model manifest's folder)."""

    def __init__(self, tokenizer: Tokenizer | None = None) -> None:
        self._tokenizer = tokenizer
        self._lock = threading.Lock()

    def _get(self) -> Tokenizer:
        with self._lock:
            if self._tokenizer is None:
                tok = Tokenizer.from_file(str(load_manifest().tokenizer_path))
                tok.no_truncation()
                tok.no_padding()
                self._tokenizer = tok
            return self._tokenizer

    def count(self, text: str) -> int:
        return len(self._get().encode(text, add_special_tokens=False).ids)

    def cut(self, text: str, budget: int) -> str:
        """The longest prefix of ``text`` ending at a word boundary, plus "…", within ``budget`` tokens."""
        enc = self._get().encode(text, add_special_tokens=False)
        words = [m.end() for m in re.finditer(r"\S+", text)]
        ends = [end for _, end in enc.offsets]
        best = ""
        for w_end in words:
            used = sum(1 for e in ends if e <= w_end)
            candidate = text[:w_end].rstrip(",;:") + "…"
            if used + 1 > budget:  # the ellipsis is a token too
                break
            best = candidate
        return best


def split_sentences(text: str) -> list[str]:
    out: list[str] = []
    for part in (p.strip() for p in _SENTENCES.split(text) if p and p.strip()):
        last = out[-1].rsplit(None, 1)[-1] if out else ""
        if last.endswith(".") and _abbreviated(last[:-1]):
            out[-1] = f"{out[-1]} {part}"
        else:
            out.append(part)
    return out


def _abbreviated(word: str) -> bool:
    """Whether ``word`` (its full stop taken off) is an abbreviation or an initial, not a sentence's end."""
    return word.lower() in _ABBREVIATIONS or (len(word) == 1 and word.isupper())


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a and b else (1.0 if a == b else 0.0)


class ContextCompressor:
    """Packs search hits into a token budget (see the module docstring)."""

    def __init__(self, counter: TokenCounter | None = None) -> None:
        self.counter = counter or TokenCounter()

    def compress(self, hits: Sequence[SearchHit], query: str, max_context_tokens: int | None, *,
                 per_hit_tokens: int = 0) -> Compression:
        """``per_hit_tokens``: what the caller adds to each kept hit's context (a list marker), counted in."""
        budget = DEFAULT_CONTEXT_TOKENS if max_context_tokens is None else max_context_tokens
        if isinstance(budget, bool) or not isinstance(budget, int) or not 1 <= budget <= MAX_CONTEXT_TOKENS_LIMIT:
            raise InvalidInput(f"max_context_tokens must be an integer from 1 to {MAX_CONTEXT_TOKENS_LIMIT}",
                               field="max_context_tokens")
        wanted = content_stems(query)
        said: list[frozenset[str]] = []
        result = Compression([], budget, 0)
        candidates: list[tuple[SearchHit, list[_Sentence], int]] = []
        for hit in hits:
            sentences = []
            parts = split_sentences(hit.memory.content)
            for i, text in enumerate(parts):
                stems = content_stems(text)
                if stems and any(_jaccard(stems, s) >= REDUNDANT_JACCARD for s in said):
                    result.redundant_sentences += 1
                    continue
                said.append(stems)
                score = len(stems & wanted) / len(wanted) if wanted else 0.0
                sentences.append(_Sentence(i, text, self.counter.count(text), score))
            sentences.sort(key=lambda s: (-s.score, s.index))
            candidates.append((hit, sentences, len(parts)))
        left = budget
        kept: dict[int, list[_Sentence]] = {}
        cut: dict[int, bool] = {}
        floor = min(MIN_PIECE_TOKENS, budget - per_hit_tokens)
        for n, (hit, sentences, _) in enumerate(candidates):  # pass 1: each hit's best sentence
            if not sentences:
                continue
            best = sentences[0]
            room = left - per_hit_tokens
            if best.tokens <= room:
                kept[n] = [best]
                left -= best.tokens + per_hit_tokens
                continue
            piece = self.counter.cut(best.text, room) if room >= floor and floor > 0 else ""
            if not piece:
                break  # no hit after this one, weaker, takes its place
            short = _Sentence(best.index, piece, self.counter.count(piece), best.score)
            kept[n], cut[n] = [short], True
            left -= short.tokens + per_hit_tokens
        for n, (hit, sentences, _) in enumerate(candidates):  # pass 2: further sentences, best hits first
            if n not in kept or cut.get(n):
                continue
            for s in sentences[1:]:
                cost = s.tokens + 2  # the gap joining it
                if cost <= left:
                    kept[n].append(s)
                    left -= cost
        for n, (hit, sentences, total) in enumerate(candidates):
            if n not in kept:
                result.dropped_hits.append(hit.memory.id)
                result.sentences_over_budget += len(sentences)
                continue
            mine = sorted(kept[n], key=lambda s: s.index)
            pieces = [mine[0].text]
            for prev, s in zip(mine, mine[1:], strict=False):
                pieces.append(GAP if s.index != prev.index + 1 else " ")
                pieces.append(s.text)
            context = "".join(pieces)
            result.sentences_over_budget += len(sentences) - len(mine)
            result.hits.append(CompressedHit(hit.memory.id, context, self.counter.count(context), len(mine),
                                             total, cut.get(n, False)))
        self._fit(result, per_hit_tokens)
        return result

    def _fit(self, result: Compression, per_hit_tokens: int) -> None:
        """Recount the joined texts (joins can merge tokens) and drop the weakest hits until they fit."""
        def used() -> int:
            return sum(h.tokens + per_hit_tokens for h in result.hits)
        result.tokens_used = used()
        while result.hits and result.tokens_used > result.max_context_tokens:
            gone = result.hits.pop()
            result.dropped_hits.append(gone.memory_id)
            result.sentences_over_budget += gone.sentences_kept
            result.tokens_used = used()
