"""What an assistant did for the user: "I've booked you an initial assessment with Rhys Carver next Thursday at
18:00", "I cancelled your hotel booking and moved you to Hotel Kade 9", "I booked Hotel Maasview for 9 to 12 June".

An assistant that runs a user's errands reports them in its own voice, and what it booked, paid, moved or
cancelled for a single user is that user's record as much as "your dentist appointment is on Tuesday"
(:mod:`~memvault.extraction.second_person`). Such a report is restated in the user's voice and read like the
user's own statement: the assistant's "I" is the user, the "you" the errand was done for is left out ("I booked
you a seat" → "I booked a seat"), "your" is "my". Only a plain report counts: the subject of its first clause is
"I", its verb an errand (:data:`ERRANDS`) in the past or the present perfect, not negated, with no offer, promise
or guess ("I'll book", "I can move it", "I'd cancel"), and what was done names something a record keeps besides
when (a name, a number or an amount), or a thing and when ("I cancelled your spin class on Thursday"): "I've sent
the form" or "I registered you tonight" says nothing a later question could ask for. A thing the assistant reports
booked ("Trains are booked for 18 July at 10:04", "the ferry to Bryher is booked for Tuesday") is the user's too
("my trains are booked …"), its date enough; not a person
("Pippa is booked there too") and not someone's ("Pippa's room is booked"). A report that leaves its "I've" out, as
a task list does ("Booked with Dr Amara Nwosu for Tuesday 18 February at 8:40", "Bought: a £48 voucher for Clay
Corner"), is read with it written in (:func:`with_unsaid_i`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from memvault.extraction import reparse
from memvault.extraction.clause import subject_of
from memvault.extraction.clause_edges import SUBJECTS

if TYPE_CHECKING:  # spaCy takes seconds to import; only the pipeline (nlp.py) loads it, on first use
    from spacy.tokens import Span, Token

#: Verbs (lemmas) of what an assistant does for a user's calendar, bookings and accounts.
ERRANDS = frozenset({"book", "reserve", "add", "put", "move", "reschedule", "cancel", "pay", "register", "renew",
                     "send", "order", "buy", "submit", "file", "arrange", "confirm", "transfer", "switch", "schedule",
                     "change", "dispute", "claim", "extend", "freeze", "lodge", "enter", "sign", "set", "return",
                     "accept", "hold", "request", "apply"})
#: A sentence worth parsing: "I" among its first words, or a booking reported done ("Trains are booked: …").
OPENS_WITH_I = re.compile(r"^\W*(?:\w+\W+){0,5}?(?:I|I've|I'd|I'll)\b|\b(?:is|are|'s|'re|has been|have been)\s+"
                          r"(?:now |all |also )?(?:booked|reserved|confirmed|scheduled|arranged|set|renewed|paid)\b")
#: An errand reported without its "I've": a past participle of :data:`ERRANDS` opening the sentence, maybe with a
#: colon after it ("Booked with …", "Paid: £95 on Friday"), then what a verb takes (not "Booked flights are …").
_UNSAID_I = re.compile(r"^(\W*)((?i:booked|reserved|paid|bought|ordered|cancell?ed|renewed|registered|moved|"
                       r"submitted|rescheduled|arranged|lodged|disputed|filed|transferred))"
                       r"(?::[ \t]*|[ \t]+(?=(?i:with|for|in|on|at|a|an|the|your|you|it|them|both|that|this|and)\b"
                       r"|[0-9£$€A-Z]))")
#: Errand verbs whose past tense is written as their present ("put", "set").
_PAST_AS_PRESENT = frozenset({"put", "set"})
_MODALS = frozenset({"could", "can", "ca", "should", "might", "may", "must", "would", "will", "wo", "'ll", "'d",
                     "shall", "ought", "gonna"})
_RECORDED = frozenset({"MONEY", "CARDINAL", "QUANTITY", "GPE", "ORG", "FAC", "PERSON"})
_SWAPPED = {"you": "me", "your": "my", "yours": "mine", "yourself": "myself"}


#: A request to do an errand to one of the user's things ("can you book my boiler service", "could you renew my
#: parking permit?"), or a question whether it was done ("did you pay the gas bill", "have you renewed my permit"):
#: the verb, and the thing as the user named it.
_REQUEST = re.compile(r"^(?:\W*(?:and|also|ok|so)\W+)?(?:(?:can|could|would|will) you (?:please )?|(?:did|have) you "
                      r"(?:already |ever )?)(\w+) ((?:my|the)(?: [\w'-]+){1,3}?)"
                      r"(?=\W*$|\s+(?:for|on|at|to|with|in|from|by|before|please|asap|yet)\b)", re.IGNORECASE)


def requested(sentence: str | None) -> tuple[str, str] | None:
    """The errand and the user's thing ``sentence`` asks the assistant to do it to, or ``None``."""
    found = _REQUEST.match(sentence.strip()) if sentence else None
    return (found.group(1).lower(), found.group(2)) if found else None


def with_unsaid_i(sent: str) -> tuple[str, Callable[[int], int]] | None:
    """``sent`` with the "I've" an errand report left out written in ("Booked with Dr Nwosu …" → "I've booked with
    Dr Nwosu …"), and what takes a character of that text back to ``sent``; ``None`` if it opens otherwise."""
    if (m := _UNSAID_I.match(sent)) is None:
        return None
    written = f"{m.group(1)}I've {m.group(2).lower()} "
    return written + sent[m.end():], reparse.back_from(0, m.end(), written)


def _done(verb: Token) -> bool:
    """Whether ``verb`` reports an errand done: past ("I booked") or present perfect ("I've booked"), not negated,
    no modal ("I'll book", "I could move it")."""
    aux = [c for c in verb.children if c.dep_ in ("aux", "auxpass")]
    if any(a.lower_ in _MODALS for a in aux) or any(c.dep_ == "neg" for c in verb.children):
        return False
    # "I put in a claim this morning": a verb whose past is its present form, tagged as the present, is its past
    # in a report (an assistant does not report its habits).
    past = verb.tag_ == "VBD" or verb.tag_ == "VBP" and verb.lower_ in _PAST_AS_PRESENT
    return past and not aux or verb.tag_ == "VBN" and any(a.lemma_ == "have" for a in aux)


def _errand(sent: Span, requested: bool = False) -> Token | None:
    """The verb of ``sent``'s first clause if the sentence reports an errand the assistant did (module docstring);
    ``requested``: one the user asked for, whose thing is then named, so a date alone says enough."""
    if sent.text.rstrip().endswith("?"):
        return None
    verb = next((t for t in sent if t.pos_ in ("VERB", "AUX") and subject_of(t) is not None), None)
    if verb is None or verb.lemma_.lower() not in ERRANDS or not (subject_of(verb).lower_ == "i" and _done(verb)
                                                                    or _booked(verb)):
        return None
    if _booked(verb):  # the thing booked is its subject, so when it is for says enough ("the ferry … for Tuesday")
        return verb if any(t.pos_ in ("PROPN", "NUM") or t.ent_type_ in _RECORDED | {"DATE", "TIME"}
                           for t in sent) else None
    said = [t for c in verb.children if c.dep_ not in SUBJECTS for t in c.subtree]
    # A date alone does not say what was done ("I booked you in for Tuesday", "I registered you tonight"), nor a
    # thing alone when ("I've sent the form"); the two together do ("I cancelled your spin class on Thursday").
    named = any((t.pos_ in ("PROPN", "NUM") or t.ent_type_ in _RECORDED) and t.ent_type_ not in ("DATE", "TIME")
                for t in said)
    thing_on_a_day = any(c.dep_ == "dobj" and c.pos_ == "NOUN" for c in verb.children) and any(
        t.ent_type_ == "DATE" for t in said)
    return verb if named or thing_on_a_day or requested and any(t.ent_type_ in ("DATE", "TIME") for t in said) \
        else None


def _booked(verb: Token) -> bool:
    """Whether ``verb`` says a thing is booked, in the present ("Trains are booked", "the ferry is booked", "delivery
    is set for 1 May"): a thing, not a person ("Pippa is booked there too"), nobody's named ("Pippa's room is
    booked"), not negated, no modal."""
    subject = subject_of(verb)
    aux = [c for c in verb.children if c.dep_ in ("aux", "auxpass")]
    return subject.dep_ == "nsubjpass" and subject.pos_ in ("NOUN", "PROPN") and subject.ent_type_ != "PERSON" \
        and verb.tag_ == "VBN" and not any(a.lower_ in _MODALS or a.tag_ == "VBD" for a in aux) \
        and not any(c.dep_ == "neg" for c in verb.children) and not any(c.dep_ == "poss" for c in subject.children)


def _owned(t: Token, verb: Token) -> str | None:
    """What a booked thing's first word is said as, owned by the user: "the" → "my", none → "my " before it."""
    subject = subject_of(verb)
    if subject is None or subject.lower_ == "i" or t.i != subject.left_edge.i:
        return None
    if t.pos_ == "DET":
        return "my" if t.lower_ in ("the", "our") else None
    return f"my {t.text if t.pos_ == 'PROPN' else t.lower_}"  # "Trains are booked" → "my trains are booked"


def _for_whom(t: Token) -> bool:
    """Whether ``t`` is the "you" an errand was done for ("booked you a seat", "moved you to Hotel Kade 9")."""
    return t.lower_ == "you" and t.dep_ in ("dative", "dobj") and t.head.lemma_.lower() in ERRANDS


def restated(sent: Span, request: tuple[str, str] | None = None) -> tuple[str, Callable[[int], int]] | None:
    """``sent`` in the user's voice, and what takes a character of that text back to ``sent``'s own text; or
    ``None`` when it reports no errand done for the user. ``request``: the errand the user asked for and the thing
    (:func:`requested`), which a report of that errand with no object of its own is about ("can you book my boiler
    service" "Booked with Hughes Heating for Thursday 19 March" → "I've booked my boiler service with …")."""
    if (verb := _errand(sent, request is not None)) is None:
        return None
    asked_for = request is not None and request[0] in (verb.lemma_.lower(), verb.lower_)  # "have you paid"
    it = next((c for c in verb.children if c.dep_ == "dobj" and c.lower_ == "it"), None) if asked_for else None
    thing = request[1] if asked_for and it is None and not any(c.dep_ in ("dobj", "dative") for c in verb.children) \
        else None
    # What the errand lets the user do ("… posted to you by Friday so you can wrap it") is the assistant's aside:
    # said of the user, its "it" points back into the sentence and reads as pointing outside the fact.
    aside = {t.i for clause in sent if clause.dep_ == "advcl" and any(
        c.lower_ == "you" and c.dep_ in SUBJECTS for c in clause.children) for t in clause.subtree}

    def word_of(t: Token) -> str | None:
        if _for_whom(t) or t.i in aside:
            return None
        if t.i == verb.i and t.tag_ == "VBP":
            return f"have {t.text}"  # "I put in a claim" (a past, _done) is read as the past it is: "I have put in …"
        if t.i == verb.i and thing is not None:
            return f"{t.text} {thing}"
        if it is not None and t.i == it.i:
            return request[1]  # "could you renew my parking permit?" "Done, I renewed it this morning"
        word = _SWAPPED.get(t.lower_, t.text) if t.lower_ in _SWAPPED else _owned(t, verb) or t.text
        return word[:1].upper() + word[1:] if word != t.text and t.text[:1].isupper() else word

    return reparse.reworded(sent, word_of)
