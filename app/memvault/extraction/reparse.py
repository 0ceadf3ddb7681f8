"""Sentences the small parser reads wrong unless they are parsed again, written another way.

Chat leaves out the "I" of a sentence ("passed the theory exam": :func:`dropped_first_person`), and an
opening "by the way" can become the head the whole sentence hangs off (:func:`misparsed_lead`); both read
right once parsed again with the "I" written in, or without the opening words. The extractor does the
parsing again and moves the facts found back onto the turn as it was said.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from memvault.extraction.clauses import DISCOURSE, FIRST_PERSON, SUBJECTS, has_subject, trim

if TYPE_CHECKING:  # spaCy takes seconds to import; only the pipeline (nlp.py) loads it, on first use
    from spacy.tokens import Span


def dropped_first_person(sent: Span, previous: Span | None) -> bool:
    """Whether ``sent`` leaves out its subject "I", as chat and diaries do ("found a flat in Chorlton", "passed
    the theory exam"): it opens with a past-tense verb that has no subject, and the sentence before it in the
    same turn (if any) was not about someone else ("Claire came to the party. met the kids" is Claire's)."""
    if sent.text.rstrip().endswith("?"):
        return False
    root = sent.root
    words = [t for t in sent if not t.is_punct and not t.is_space and t.lower_ not in DISCOURSE and t.pos_ != "INTJ"]
    if not words or words[0].i != root.i or root.tag_ != "VBD" or has_subject(root):
        return False
    if previous is None:
        return True
    subject = next((c for c in previous.root.children if c.dep_ in SUBJECTS), None)
    return subject is None or subject.lower_ in FIRST_PERSON


def misparsed_lead(sent: Span) -> int | None:
    """Where the words after ``sent``'s opening discourse words begin (characters into it), when the parser made
    one of those words the sentence's head ("by the way my sister is moving to Porto" parsed as "by" and what
    hangs off it): the rest then reads right only parsed on its own. ``None`` for any other sentence."""
    kept = trim(list(sent))
    if not kept or sent.root.i >= kept[0].i or kept[0].i == sent.start or not any(
            t.pos_ in ("VERB", "AUX") for t in kept):
        return None  # nothing cut, the head kept, or no verb left to read a statement from ("Leeds, mostly.")
    if kept[0].lower_ == "because" and len(kept) > 1:
        kept = kept[1:]  # "SCHUFA no, because I have no credit history here": the reason is the statement
    return kept[0].idx - sent.start_char
