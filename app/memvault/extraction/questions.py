"""Whether a sentence asks, with or without its "?", and the statement a question may follow in one sentence.

A question states no fact (:mod:`~memvault.extraction.clauses`): chat often drops the "?" ("wait isn't that my
physio day", "the dentist wants me back at some point doesn't it"), and a statement may come before one ("I start
at the council next Monday, any tips?").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from memvault.extraction.clause_edges import DISCOURSE, SUBJECTS

if TYPE_CHECKING:  # spaCy takes seconds to import; only the pipeline (nlp.py) loads it, on first use
    from spacy.tokens import Span

_QUESTION_WORDS = frozenset({"what", "who", "whom", "whose", "which", "where", "when", "why", "how"})
_INVERTED = frozenset({"can", "could", "would", "will", "should", "shall", "do", "does", "did", "is", "are", "am",
                       "was", "were", "have", "has", "may", "might", "must"})

#: Words that hold the talk before a question ("wait isn't that …").
_HOLD_ON = frozenset({"wait", "hang", "hold", "on", "sorry"})
_NOT = frozenset({"n't", "not", "nt"})
#: Who a tag question asks about ("… doesn't it", "… wasn't she").
_TAG_SUBJECTS = frozenset({"it", "he", "she", "they", "i", "we", "you", "there", "that"})


def asks(sent: Span) -> bool:
    """Whether ``sent`` asks, with or without its "?": a question word or an inverted auxiliary first ("wait isn't
    that my physio day"), or a tag question last ("the dentist wants me back at some point doesn't it")."""
    words = [t for t in sent if not t.is_punct and not t.is_space and t.lower_ not in DISCOURSE]
    if not words:
        return True
    if sent.text.rstrip().endswith("?") or _tagged(sent) or _asked_after_comma(sent):
        return True
    while len(words) > 1 and words[0].lower_ in _HOLD_ON:
        words = words[1:]
    first = words[0].lower_
    if first in _QUESTION_WORDS and words[0].dep_ not in ("advmod",) or first in _QUESTION_WORDS and len(words) < 4:
        return True
    if first in _QUESTION_WORDS and len(words) > 2 and _inverted(sent, words[1:]):
        return True  # "how did the vet go with Mochi", not "when I moved to Leeds I …"
    if first == "how" and len(words) > 3 and words[1].pos_ in ("ADJ", "ADV") and _inverted(sent, words[2:]):
        return True  # "how old is she now", "how long is the flight", not "how lucky I was"
    return _inverted(sent, words)


def _asked_after_comma(sent: Span) -> bool:
    """Whether what follows ``sent``'s last comma asks, its auxiliary before its subject ("my sister's wedding, did
    the hotel confirm"): the words before it name what is asked about, or state what :func:`statement_before`
    keeps."""
    comma = next((t for t in reversed(sent) if t.text == ","), None)
    tail = [t for t in sent if comma is not None and t.i > comma.i and not t.is_punct and not t.is_space]
    if len(tail) < 3 or any(c.dep_ in SUBJECTS and c.i < comma.i for c in (*tail[0].children, *tail[0].head.children)):
        return False  # "stuart, my supervisor, has me chasing cables": the verb's subject is before the comma
    return _inverted(sent, tail) or tail[0].lower_ in _QUESTION_WORDS and _inverted(sent, tail[1:])


def _inverted(sent: Span, words: list) -> bool:
    """Whether ``words`` open with an auxiliary and then its subject, a word or a phrase ("did the dentist send the
    bill", "isn't that my physio day")."""
    after = words[2] if len(words) > 2 and words[1].lower_ in _NOT else words[1] if len(words) > 1 else None
    return words[0].lower_ in _INVERTED and after is not None and (after.lower_ in _TAG_SUBJECTS or any(
        t.dep_ in SUBJECTS and t.left_edge.i == after.i for t in sent))


def _tagged(sent: Span) -> bool:
    """Whether ``sent`` ends in a tag question, a negated auxiliary and a pronoun ("… at some point doesn't it"). The
    statement before a comma still counts, as before any question (:func:`statement_before`)."""
    words = [t for t in sent if not t.is_space and t.text not in (".", "!", "…")]
    return len(words) >= 4 and words[-1].lower_ in _TAG_SUBJECTS and words[-2].lower_ in _NOT and \
        words[-3].lower_ in _INVERTED


def statement_before(sent: Span) -> Span | None:
    """The statement a question follows in one sentence ("I start at the council next Monday, any tips?"):
    the words before its last comma when they are a declarative clause with a subject; else ``None``."""
    commas = [t for t in sent if t.text == ","]
    if not commas:
        return None
    head = sent.doc[sent.start:commas[-1].i]
    words = [t for t in head if not t.is_punct and not t.is_space]
    if len(words) < 3 or asks(head) or head.root.pos_ not in ("VERB", "AUX"):
        return None
    return head if any(c.dep_ in SUBJECTS for c in head.root.children) else None


#: What the other side may be asked to keep ("can you remember that …", "could you note that …"). Not "remind",
#: which the imperative of clauses' ``_KEEP_IN_MIND`` takes ("remind me that the debit moves"): asked, it asks
#: ("can you remind me when Sam's flight is").
_KEEP = frozenset({"remember", "note", "record", "save"})


def kept_in_mind(sent: Span) -> Span | None:
    """What a question asks the other side to keep ("can you remember that my locker code is 4471?", "could you
    note that the boiler service is on 12 March"): the statement it asks to have kept, which the speaker makes by
    asking; ``None`` for any other question."""
    root = sent.root
    if root.lemma_ not in _KEEP or not any(c.dep_ == "nsubj" and c.lower_ == "you" for c in root.children) or not any(
            c.dep_ == "aux" and c.lower_ in ("can", "could", "will", "would") for c in root.children):
        return None
    inner = next((c for c in root.children if c.dep_ == "ccomp" and any(x.dep_ in SUBJECTS for x in c.children)), None)
    if inner is None:
        return None
    words = [t for t in inner.subtree if not (t.dep_ == "mark" and t.head.i == inner.i)]
    end = words[-1].i + 1
    while end < sent.end and sent.doc[end].like_num:
        end += 1  # "… number is 07700 900123": the parser hung the number's second group on the question
    return sent.doc[words[0].i:end]
