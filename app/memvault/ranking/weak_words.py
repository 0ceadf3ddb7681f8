"""What hybrid's keyword side leaves out of a query beyond the lists keyword search itself uses.

Keyword search leaves out the function words of English and of the Latin-script languages
(:mod:`memvault.domain.language`). In Russian, Greek, Hebrew, Arabic, Hindi, Bengali and Tamil it searches every
word: without a stemmer for them, "с", "в" or "я" were the only words three Russian tuning questions shared
with their answers (``docs/benchmarks.md``, "Good match outside English"), so leaving them out of keyword search
cost keyword recall. As hybrid's evidence those words mislead: "Когда мне идти к зубному врачу?" shares
"когда" and "мне" with a note about knitting, and that coverage made the note a good match for a question
nothing stored answers. Hybrid's keyword side (its list, coverage and BM25) therefore reads the query without
them; the semantic side reads it whole.

The words are spaCy's stop lists for those languages, read from the installed package's data files (importing
spaCy costs ~0.6 s, too much for a first search). Japanese is indexed as character pairs, where a particle or
an inflection ("は", "ています") makes pairs of kana that any sentence shares: its hiragana runs are left out,
so the kanji and katakana words carry the evidence.
"""

from __future__ import annotations

import ast
import functools
import importlib.util
import re
from pathlib import Path

from memvault.domain.language import guess_language

#: The languages :func:`memvault.domain.language.guess_language` names by script whose stop lists spaCy ships
#: (Thai and Korean are left alone: spaCy's lists for them are of whole words, which their index does not see).
LISTED = ("ru", "el", "he", "ar", "hi", "bn", "ta")

_WORD = re.compile(r"[^\W\d_]+")
#: Runs of hiragana (and the prolonged-sound mark that follows it).
_HIRAGANA = re.compile("[\u3041-\u309f\u30fc]+")


@functools.cache
def stop_list(language: str) -> frozenset[str]:
    """spaCy's stop words for ``language`` (case-folded), or nothing when spaCy has no list for it."""
    spec = importlib.util.find_spec("spacy")  # finds the package without importing it
    if spec is None or not spec.submodule_search_locations:
        return frozenset()
    path = Path(spec.submodule_search_locations[0]) / "lang" / language / "stop_words.py"
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError):
        return frozenset()
    # Each list is one long string literal, split on white space.
    texts = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    return frozenset(w.casefold() for text in texts for w in text.split())


def evidence_text(query: str) -> str:
    """``query`` as hybrid's keyword side reads it: without the words named above, unless nothing is left."""
    language = guess_language(query)
    if language == "ja":
        kept = _HIRAGANA.sub(" ", query)
    elif language in LISTED:
        weak = stop_list(language)
        kept = _WORD.sub(lambda m: " " if m.group(0).casefold() in weak else m.group(0), query)
    else:
        return query
    kept = " ".join(kept.split())
    return kept if _WORD.search(kept) else query
