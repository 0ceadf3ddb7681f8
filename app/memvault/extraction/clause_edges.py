"""Where a clause's words begin and end: discourse words, a label, an answer said first and the person spoken to
come off the front, tags and punctuation off the end (:func:`trim`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # spaCy takes seconds to import; only the pipeline (nlp.py) loads it, on first use
    from spacy.tokens import Token

SUBJECTS = frozenset({"nsubj", "nsubjpass", "expl", "csubj"})
DISCOURSE = frozenset({
    "yes", "no", "yeah", "yep", "nope", "well", "oh", "ok", "okay", "so", "also", "actually", "honestly", "anyway",
    "btw", "haha", "hahaha", "lol", "hmm", "um", "uh", "and", "but", "plus", "sure", "right", "oops", "wow", "ah",
    "anyways", "alright", "basically", "now", "then", "though", "sorry", "thanks", "hey", "hi", "hello", "sadly",
    "luckily", "fortunately", "unfortunately", "again", "weirdly", "oddly", "strangely", "funnily", "surprisingly",
    "thankfully", "ugh", "argh", "urgh", "meh", "phew", "yay", "woohoo",
})


def trim(tokens: list[Token]) -> list[Token]:
    """Leading discourse words and punctuation off; trailing punctuation and tags ("though", "lol") off."""
    start = 0
    while start < len(tokens):
        t = tokens[start]
        if t.is_punct or t.lower_ in DISCOURSE or t.pos_ == "INTJ" and not _named_with_me(tokens, start) or t.is_space:
            start += 1
        elif (phrase := _phrase_at(tokens, start)) is not None:
            start += len(phrase)
        elif (name := _name_before_comma(tokens, start)) and (_is_clause_start(tokens, start + name + 1)
                                                               or _subject_starts(tokens, start + name + 1)):
            start += name + 1  # "Sofia, I'm away from Friday": the person spoken to (or "Lou Pritchard, we paid …",
            # the name an answer gave)
        elif (label := _label_end(tokens, start)) is not None:
            start = label  # "Update: ...", "Quick one: ...", "Big news: ..."
        elif (start + 1 < len(tokens) and tokens[start + 1].text == "," and t.dep_ not in SUBJECTS
              and t.pos_ in ("ADJ", "ADV", "INTJ", "NOUN", "NUM")):
            start += 2  # "Great, ...", "Perfect, ...", "four, she retired from racing" (an answer said first)
        elif (start + 2 < len(tokens) and tokens[start + 2].text in (",", ".", "!") and t.dep_ not in SUBJECTS
              and t.pos_ in ("ADJ", "VERB") and tokens[start + 1].pos_ in ("ADJ", "ADV", "NOUN")
              and tokens[start + 1].ent_type_ not in ("DATE", "TIME")):  # not "Last week, …"
            start += 3  # "Sounds good, ...", "Good idea."
        elif (opener := _opener_end(tokens, start)) is not None:
            start = opener  # "bad news here, the landlord …", "not yet, our contract …", "flights booked, I …"
        else:
            break
    end = len(tokens)
    while end > start:
        if end - start > 3 and [x.lower_ for x in tokens[end - 3:end]] == ["by", "the", "way"]:
            end -= 3
        elif (tokens[end - 1].lower_ in DISCOURSE and tokens[end - 1].dep_ in ("pobj", "pcomp") and end - start > 2
              and tokens[end - 2].i == tokens[end - 1].head.i):
            end -= 2  # "since then", "until now": the preposition goes with the word it takes
        elif (tokens[end - 1].is_punct or tokens[end - 1].is_space or tokens[end - 1].pos_ == "INTJ"
              or tokens[end - 1].lower_ in DISCOURSE and not (
                  tokens[end - 1].lower_ in ("ok", "okay", "alright") and tokens[end - 1].dep_ in ("acomp", "attr"))):
            # (not what a verb says a thing is: "if the survey is ok")
            end -= 1
        elif tokens[end - 1].lower_ == "here" and tokens[end - 1].dep_ == "advmod":
            end -= 1  # "a job at the university here": where the speaker is, which the fact cannot say
        else:
            break
    return tokens[start:end]


#: Phrases that only move the talk along ("in other news dev got the offer"), taken off a clause's front.
DISCOURSE_PHRASES = (("by", "the", "way"), ("guess", "what"), ("in", "other", "news"), ("on", "another", "note"),
                     ("on", "a", "different", "note"), ("to", "be", "honest"), ("in", "any", "case"),
                     ("random", "but"), ("on", "the", "plus", "side"), ("on", "the", "bright", "side"),
                     ("on", "the", "upside"), ("on", "the", "downside"), ("on", "the", "other", "hand"),
                     ("long", "story", "short"), ("to", "cut", "a", "long", "story", "short"), ("all", "in", "all"),
                     ("quick", "one"))


def _name_before_comma(tokens: list[Token], start: int) -> int:
    """How many words a name said first runs to before a comma, none of them the sentence's subject or head."""
    end = start
    while end < len(tokens) and tokens[end].pos_ == "PROPN" and tokens[end].head.i != tokens[end].i and (
            tokens[end].dep_ not in SUBJECTS or _another_subject(tokens, end)):
        end += 1
    return end - start if end > start and end < len(tokens) and tokens[end].text == "," else 0


def _another_subject(tokens: list[Token], at: int) -> bool:
    """Whether the verb ``tokens[at]`` is a subject of has another one after it: "Sam, my wife Noor is flying"
    read Sam and the wife both as who flies, so Sam is the person spoken to."""
    head = tokens[at].head.i
    return any(t.dep_ in SUBJECTS and t.head.i == head for t in tokens[at + 1:])


def _named_with_me(tokens: list[Token], start: int) -> bool:
    """Whether the word at ``start`` is a name said with the speaker ("Fi and I are getting married", "Fi" read as
    an interjection): a capitalised word that is no discourse word, before "and I"."""
    t = tokens[start]
    return t.is_alpha and t.text[:1].isupper() and t.lower_ not in DISCOURSE and start + 2 < len(tokens) \
        and tokens[start + 1].lower_ == "and" and tokens[start + 2].lower_ == "i"


def _phrase_at(tokens: list[Token], start: int) -> tuple[str, ...] | None:
    said = tuple(x.lower_ for x in tokens[start:start + 4])
    return next((p for p in DISCOURSE_PHRASES if said[:len(p)] == p), None)


def _is_clause_start(tokens: list[Token], at: int) -> bool:
    """Whether a clause with its own subject begins at ``tokens[at]`` (after a name said to someone)."""
    return at < len(tokens) and (tokens[at].dep_ in SUBJECTS or tokens[at].lower_ in DISCOURSE)


#: The most words a label before a colon may have ("Update:", "Quick one:", "Big news:").
_LABEL_WORDS = 4


def _label_end(tokens: list[Token], start: int) -> int | None:
    """Where the words after a short label and its colon begin, if ``tokens`` open with one at ``start``."""
    for j in range(start + 1, min(start + _LABEL_WORDS + 1, len(tokens))):
        if tokens[j].text == ":":
            label = tokens[start:j]
            # One word before the colon is a label whatever the tagger makes of it ("Work: I broke production").
            # ... and a pronoun in it only after a preposition ("news from me: got a placement")
            # ... and a verb only as its first word, in its base form ("note for later: switched energy to …")
            first = tokens[start].i
            if all((t.dep_ not in SUBJECTS and t.pos_ not in ("VERB", "AUX") or t.i == first and t.tag_ == "VB")
                   and (t.pos_ != "PRON" or t.dep_ == "pobj") for t in label) or \
                    len(label) == 1 and label[0].pos_ != "PRON":
                return j + 1
            return None
    return None


#: The most words an opener before a comma may have (:func:`_opener_end`).
_OPENER_WORDS = 4


def _opener_end(tokens: list[Token], start: int) -> int | None:
    """Where the clause begins after a short opener and its comma ("bad news here, …", "not yet, …", "flights
    booked, …", "fine with big ones, …"): a few words with no subject, name, pronoun, date or time, not a phrase
    that sets the scene ("On Saturday, …", "After work, …"), followed by a clause with its own subject."""
    # (a noun phrase "the …" answering the question before may run longer: "the leisure centre on Park Lane, …")
    words = _OPENER_WORDS + 3 * (tokens[start].lower_ in ("the", "a", "an"))
    for j in range(start + 1, min(start + words + 1, len(tokens))):
        if tokens[j].text == ",":
            opener = tokens[start:j]
            negated = opener[0].lower_ in ("not", "no")  # "not tonight, I'm …" sets no scene: it declines
            told = opener[0].tag_ == "VB" and opener[0].pos_ == "VERB"  # "tell her, she'll want to …": an imperative
            # (a word in lower case the tagger calls a name is none: "good news, my friend got …")
            # (a name in a place said after a preposition is no one spoken to: "the leisure centre on Park Lane, …")
            if opener[0].pos_ in ("ADP", "SCONJ") or any(
                    t.dep_ in SUBJECTS or t.pos_ == "NUM" or t.pos_ == "PRON" and not (told and t.dep_ in (
                        "dobj", "dative")) or t.pos_ == "PROPN" and not t.text.islower()
                    and not any(a.pos_ == "ADP" and a.i >= start for a in t.ancestors)
                    or t.ent_type_ in ("DATE", "TIME") and not negated for t in opener):
                return None
            # (or another opener after it: "really well, lots of questions, someone from NIVA asked …")
            return j + 1 if _subject_starts(tokens, j + 1) else _opener_end(tokens, j + 1) if j + 1 < len(
                tokens) else None
    return None


def _subject_starts(tokens: list[Token], at: int) -> bool:
    """Whether ``tokens[at]`` is where a subject begins ("the landlord", "our contract", "I")."""
    return at < len(tokens) and any(t.dep_ in SUBJECTS and t.left_edge.i == tokens[at].i for t in tokens[at:])
