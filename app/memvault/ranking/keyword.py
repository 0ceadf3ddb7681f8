"""Keyword evidence: how much of the query's wording a memory shares (coverage) and FTS5's BM25 on a 0..1 scale."""

from __future__ import annotations

import functools
import re
import threading

import snowballstemmer

from memvault.domain.language import fold, function_words, query_terms, unspaced_family
from memvault.domain.irregular_verbs import BASE_OF_PAST
from memvault.vault.search import STOPWORDS

#: Content read per hit for coverage: enough for any claim or chat turn, bounded for 50k-character memories.
COVERAGE_CHARS = 20_000
#: The BM25 (absolute) at which :func:`bm25_evidence` is one half.
BM25_HALF = 20.0

_WORD = re.compile(r"\w+", re.UNICODE)
#: Below this code point no script is written without spaces (see :func:`memvault.domain.language.unspaced_family`).
_FIRST_UNSPACED = "\u0e00"


def _unspaced(stem: str) -> bool:
    return unspaced_family(stem[0]) is not None


#: Snowball's stemmer object keeps its state between calls, so threads searching at once take turns.
_ENGLISH = snowballstemmer.stemmer("english")
_ENGLISH_LOCK = threading.Lock()


@functools.lru_cache(maxsize=1 << 16)
def word_stem(word: str) -> str:
    """The stem of one lowercase spaced word: English Snowball's, cut to five letters. The stemmer joins
    inflections a prefix cannot ("work"/"works", "lives"/"live", "running"/"run": "Where does Priya work?" did
    not count "Priya works as a designer"), the cut joins derivations it leaves apart ("marriage"/"married"). An
    irregular past is read as its verb first ("bought" as "buy", :data:`BASE_OF`).
    Read for every language written with spaces: in another language it strips an "-s" or "-e" from both
    sides alike, which loses nothing a five-letter prefix kept.

    One derivation the cut misses is joined by hand: a person named by "-ist" after a four-letter stem
    ("bassist", "cyclist", "tourist") is that stem, as "guitarist" already meets "guitar" by its first five
    letters ("who plays bass in the band" and "they lost their bassist"). A shorter root is
    left alone: "assist" is no "ass"."""
    with _ENGLISH_LOCK:
        stem = _ENGLISH.stemWord(BASE_OF.get(word, word))
    if len(stem) == _AGENT_ROOT + 3 and stem.endswith("ist"):
        return stem[:_AGENT_ROOT]
    return stem[:5]


#: Irregular past forms read as their verb (:mod:`memvault.domain.irregular_verbs`), but not those of "be", "do",
#: "have" and "say", which say nothing of their own, or "rose", as often a flower or a name as the past of "rise".
BASE_OF = {form: base for form, base in BASE_OF_PAST.items() if base not in ("be", "do", "have", "say", "rise")}
#: The root length at which an "-ist" noun meets its root (:func:`word_stem`); a longer one already meets it by the
#: five-letter cut.
_AGENT_ROOT = 4


@functools.cache
def _forms_by_stem() -> dict[str, tuple[str, ...]]:
    """The irregular past forms (:data:`~memvault.ranking.irregular.BASE_OF`) by their base's stem: they share no
    prefix with it, so the scan for a query's stems looks for them by name ("bought" for "buy")."""
    out: dict[str, tuple[str, ...]] = {}
    for form, base in BASE_OF.items():
        out[word_stem(base)] = (*out.get(word_stem(base), ()), form)
    return out


def _lookup_prefix(stem: str) -> str:
    # The letters every word with this stem starts with: the stemmer changes only a word's end (a last "y" may
    # become "i": "happy" is "happi"), so all but a short stem's last letter, and at most four.
    return stem[:3] if len(stem) <= 4 else stem[:4]


def content_stems(text: str) -> frozenset[str]:
    """Stems of the words of ``text`` that carry meaning (no stopwords of English or of the language ``text`` is
    in, no 1-2 letter words), cut as the multilingual keyword index cuts them: a Chinese, Japanese or Thai run
    gives its character bigrams, each a stem of its own (the run is not one long word)."""
    if max(text, default="") < _FIRST_UNSPACED:  # the common case, by one regular expression
        words = _WORD.findall(text.lower())
    else:
        words = [t.text for t in query_terms(text, limit=len(text))]
    own = function_words(text)
    return frozenset(w if _unspaced(w) else word_stem(w) for w in words
                     if _unspaced(w) or (len(w) > 2 and w not in STOPWORDS and w not in own))


@functools.lru_cache(maxsize=64)
def _stem_pattern(query_stems: frozenset[str]) -> re.Pattern[str]:
    # The words that may have a stem s start with its lookup prefix; their stems are then read (and cached).
    # A bigram of an unspaced script sits inside a run of word characters and overlaps its neighbours, so it is
    # looked ahead for at every character, without word boundaries.
    spaced = sorted({re.escape(_lookup_prefix(s)) + r"\w*" for s in query_stems if not _unspaced(s)}
                    | {form for s in query_stems for form in _forms_by_stem().get(s, ())}, key=len, reverse=True)
    unspaced = sorted((re.escape(s) for s in query_stems if _unspaced(s)), key=len, reverse=True)
    parts = ([r"(?=(" + "|".join(unspaced) + "))"] if unspaced else []) + \
        ([r"\b(" + "|".join(spaced) + r")\b"] if spaced else [])
    return re.compile("|".join(parts))


@functools.lru_cache(maxsize=64)
def _any_unspaced(query_stems: frozenset[str]) -> bool:
    return any(_unspaced(s) for s in query_stems)


def matched_stems(query_stems: frozenset[str], text: str) -> frozenset[str]:
    """The ``query_stems`` found in ``text``: the same as intersecting with :func:`content_stems` of ``text``, by
    one regular-expression scan instead of splitting every word (hybrid reads it for up to a hundred candidates
    per query)."""
    if not query_stems:
        return frozenset()
    head = text[:COVERAGE_CHARS]
    if not _any_unspaced(query_stems):
        # One group, every match a spaced word that may have one of the stems.
        return frozenset(map(word_stem, _stem_pattern(query_stems).findall(head.lower()))) & query_stems
    head = fold(head)  # as the query's bigrams were cut from folded text
    return frozenset(w if _unspaced(w) else word_stem(w)
                     for m in _stem_pattern(query_stems).finditer(head.lower()) for w in m.groups() if w) & query_stems


def coverage(query_stems: frozenset[str], text: str) -> float:
    """The share of ``query_stems`` found in ``text`` (0 when the query has none)."""
    if not query_stems:
        return 0.0
    return len(matched_stems(query_stems, text)) / len(query_stems)


def bm25_evidence(bm25: float | None) -> float:
    """FTS5's BM25 (negative, lower is better) mapped onto 0..1 for hybrid; 0 for no keyword match."""
    if bm25 is None:
        return 0.0
    s = abs(bm25)
    return s / (s + BM25_HALF)


def keyword_score(bm25: float) -> float:
    """Keyword mode's score: FTS5's BM25 (lower is better, usually negative) mapped onto 0..1."""
    s = abs(bm25)
    return s / (1.0 + s)
