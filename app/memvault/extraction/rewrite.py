"""First person to third person: the words of a user's clause as a fact about "the user".

"I" and "we" become "the user", "my"/"our" "the user's", and the verbs that
agree with them move to the third person singular ("I'm" → "the user is",
"I've" → "the user has", "I work" → "the user works", "I don't" → "the user
doesn't"). Resolved pronouns become what they refer to, except where they
refer to the clause's own subject ("He is marrying his girlfriend" keeps
"his"). Date phrases are replaced by their resolved words.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from memvault.extraction.clauses import Clause
from memvault.extraction.coref import Antecedents, Mention

if TYPE_CHECKING:  # spaCy takes seconds to import; only the pipeline (nlp.py) loads it, on first use
    from spacy.tokens import Token

_PRONOUNS = {"i": "the user", "we": "the user", "me": "the user", "us": "the user", "my": "the user's",
             "our": "the user's", "mine": "the user's", "ours": "the user's", "myself": "themselves",
             "ourselves": "themselves"}
_BE_HAVE_DO = {"am": "is", "'m": "is", "m": "is", "are": "is", "'re": "is", "re": "is", "were": "was", "have": "has",
               "'ve": "has", "ve": "has", "do": "does"}
_SUBJECT_PRONOUNS = frozenset({"he", "she", "it", "they"})
_OBJECT_PRONOUNS = frozenset({"him", "her", "them", "it"})
_POSSESSIVE_PRONOUNS = frozenset({"his", "her", "its", "their"})
_VOWELS = frozenset("aeiou")
_SAME_IN_PAST = frozenset({"read", "put", "cut", "hit", "set", "let", "quit", "hurt", "cost", "spread", "shut"})


def third_person(verb: str) -> str:
    """The third person singular present of a base form ("go" → "goes", "study" → "studies")."""
    lower = verb.lower()
    if lower in ("be", "am", "are"):
        return "is"
    if lower == "have":
        return "has"
    if lower in ("do", "go"):
        return verb + "es"
    if lower.endswith(("s", "sh", "ch", "x", "z", "o")):
        return verb + "es"
    if lower.endswith("y") and len(lower) > 1 and lower[-2] not in _VOWELS:
        return verb[:-1] + "ies"
    return verb + "s"


def _first_person_verbs(clause: Clause) -> set[int]:
    """Verbs (and their auxiliaries) whose subject is "I" or "we", including shared-subject conjuncts."""
    found: set[int] = set()
    for t in clause.tokens:
        if t.dep_ in ("nsubj", "nsubjpass") and t.lower_ in ("i", "we"):
            verb = t.head
            group = [verb]
            while group:
                v = group.pop()
                found.add(v.i)
                found.update(c.i for c in v.children if c.dep_ in ("aux", "auxpass", "neg"))
                group.extend(c for c in v.children if c.dep_ == "conj" and c.pos_ in ("VERB", "AUX")
                             and not any(x.dep_ in ("nsubj", "nsubjpass") for x in c.children))
    return found


def _verb_form(t: Token) -> str | None:
    lower = t.lower_
    if lower in _BE_HAVE_DO and t.tag_ in ("VBP", "VBD"):
        return _BE_HAVE_DO[lower]
    if lower in ("'d", "d"):
        return "had" if t.tag_ == "VBD" or t.head.tag_ == "VBN" else "would"
    if lower in ("'ll", "ll"):
        return "will"
    if t.tag_ == "VBP":
        return third_person(t.text)
    return None


def _expanded(t: Token) -> str:
    """A contracted verb written out ("it's" → "it is"), so a replaced subject still reads well."""
    lower = t.lower_
    if lower == "'s":
        return "has" if t.lemma_ == "have" or t.head.tag_ == "VBN" and t.dep_ == "aux" else "is"
    return {"'re": "are", "'ve": "have", "'m": "am", "'ll": "will"}.get(
        lower, "had" if lower == "'d" and t.head.tag_ == "VBN" else "would" if lower == "'d" else t.text)


def subject_mention(clause: Clause, antecedents: Antecedents) -> Mention | None:
    subject = clause.subject()
    if subject is None or subject.lower_ not in _SUBJECT_PRONOUNS:
        return None
    return antecedents.resolve(subject.lower_)


def render(clause: Clause, antecedents: Antecedents, replacements: dict[int, str], *, past: bool = False) -> str | None:
    """The clause as a third-person fact; ``None`` when its subject is a pronoun that refers to nothing known.

    ``replacements`` maps token indices to the words that stand in for them
    ("" drops a token): resolved dates. ``past``: the clause has a date in the
    past, so a verb whose past is its present ("Last year I read 12") stays as it is.
    """
    subject = clause.subject()
    own = None
    if subject is not None and subject.lower_ in _SUBJECT_PRONOUNS:
        own = antecedents.resolve(subject.lower_)
        if own is None:
            return None
    owner = None if subject is None else next((c for c in subject.children if c.dep_ == "poss"), None)
    if owner is not None and owner.lower_ in _POSSESSIVE_PRONOUNS and antecedents.resolve(owner.lower_) is None:
        return None  # "Her name is Miso" about no one known
    verbs = _first_person_verbs(clause)
    if past:
        verbs = {i for i in verbs if clause.root.doc[i].lower_ not in _SAME_IN_PAST}
    pieces: list[str] = []
    for t in clause.tokens:
        word = _word_for(t, clause, antecedents, replacements, verbs, subject, own)
        if word is None:
            continue
        joined = word + t.whitespace_
        if word and t.text.startswith("'") and word[0] != "'" and pieces and not pieces[-1].endswith(" "):
            joined = " " + joined  # "I'm" → "the user is", not "the useris"
        pieces.append(joined)
    text = "".join(pieces).strip()
    text = " ".join(text.split())
    if not text:
        return None
    return text[0].upper() + text[1:]


def _word_for(t: Token, clause: Clause, antecedents: Antecedents, replacements: dict[int, str], verbs: set[int],
              subject: Token | None, own: Mention | None) -> str | None:
    if t.i in replacements:
        return replacements[t.i] or None
    lower = t.lower_
    if lower in _PRONOUNS and t.pos_ == "PRON":
        return _PRONOUNS[lower]
    if lower == "i":
        return "the user"
    if t.i in verbs:
        form = _verb_form(t)
        if form is not None:
            return form if not t.text[0].isupper() else form.capitalize()
    if t.text.startswith("'") and t.pos_ in ("AUX", "VERB"):
        return _expanded(t)
    if subject is not None and t.i == subject.i and own is not None:
        return own.text
    if lower in _POSSESSIVE_PRONOUNS and t.dep_ == "poss" or lower in _OBJECT_PRONOUNS and t.dep_ != "poss":
        if lower == "it" and t.dep_ in ("nsubj", "nsubjpass", "expl"):
            return t.text
        mention = antecedents.resolve(lower)
        if mention is None or (own is not None and mention is own):
            return t.text
        return f"{mention.text}'s" if t.dep_ == "poss" else mention.text
    return t.text
