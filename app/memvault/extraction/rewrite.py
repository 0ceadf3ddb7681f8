"""First person to third person: the words of a person's clause as a fact that names them.

"I" becomes the speaker's name ("Anna", or "the user" for an unnamed user),
"my" "Anna's" ("their" after the "I" it already named), and the verbs that
agree with it move to the third person singular ("I'm" → "Anna is", "I've"
→ "Anna has", "I work" → "Anna works", "I don't" → "Anna doesn't"). "We" is both people of a two-person conversation
("Anna and Ben", verbs unchanged), else the speaker. Resolved pronouns become
what they refer to, except where they refer to the clause's own subject ("He
sold his van" keeps "his"); a clause with a pronoun that refers
to nothing known, and that its own subject cannot explain, gives no fact.
Words joined by a hyphen keep their pronoun ("me-time"). Date phrases are
replaced by their resolved words.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from memvault.domain.irregular_verbs import SIMPLE_PAST
from memvault.extraction.clause import Clause
from memvault.extraction.worth import acronym
from memvault.extraction.coref import FEMALE, MALE, NEUTRAL, PETS, Antecedents, Mention
from memvault.extraction.kin import PEOPLE_WORDS
from memvault.extraction.mention_tokens import NAMING_VERBS, concrete
from memvault.extraction.owners import (kin_subject_owns, named_earlier_in_clause, own_after_subject,
                                        owned_by_subject)
from memvault.extraction.voice import Voice, gender_of, possessive

if TYPE_CHECKING:  # spaCy takes seconds to import; only the pipeline (nlp.py) loads it, on first use
    from spacy.tokens import Token

FIRST_PERSON_WORDS = frozenset({"i", "me", "my", "mine", "myself", "we", "us", "our", "ours", "ourselves"})
_BE_HAVE_DO = {"am": "is", "'m": "is", "m": "is", "are": "is", "'re": "is", "re": "is", "were": "was", "have": "has",
               "'ve": "has", "ve": "has", "do": "does"}
_SUBJECT_PRONOUNS = frozenset({"he", "she", "it", "they"})
_OBJECT_PRONOUNS = frozenset({"him", "her", "them", "it"})
_POSSESSIVE_PRONOUNS = frozenset({"his", "her", "its", "their"})
_VOWELS = frozenset("aeiou")
#: What an impersonal "it" is ("it's raining", "it's 36 degrees", "it was a long week"): the weather, the
#: temperature, the time. Such an "it" refers to nothing said before, so the clause states no fact about it.
_IMPERSONAL_VERBS = frozenset({"rain", "snow", "pour", "drizzle", "hail", "freeze", "thunder"})
_IMPERSONAL_WORDS = frozenset({"hot", "cold", "warm", "cool", "sunny", "rainy", "snowy", "windy", "humid", "freezing",
                               "boiling", "chilly", "cloudy", "foggy", "stormy", "dark", "light", "late", "early",
                               "degree", "o'clock", "midnight", "noon", "time", "girl", "boy"})  # (a baby's sex)
#: Spans of time an impersonal "it" is ("it was a long week"); with a number they are something's length ("it's
#: three days in the office": the job's).
_IMPERSONAL_SPANS = frozenset({"morning", "afternoon", "evening", "night", "day", "week", "weekend", "month", "year"})
SAME_IN_PAST = frozenset({"read", "put", "cut", "hit", "set", "let", "quit", "hurt", "cost", "spread", "shut"})


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


def _pronouns(voice: Voice) -> dict[str, str]:
    we = voice.we or voice.name
    return {"i": voice.name, "me": voice.name, "my": voice.possessive, "mine": voice.possessive,
            "we": we, "us": we, "our": possessive(we), "ours": possessive(we), "myself": "themselves",
            "ourselves": "themselves"}


def _first_person_verbs(clause: Clause, voice: Voice) -> set[int]:
    """Verbs (and their auxiliaries) whose subject is "I" (or a "we" that reads as one person), including
    shared-subject conjuncts."""
    singular = ("i",) if voice.we else ("i", "we")
    found: set[int] = set()
    inside = {t.i for t in clause.tokens}
    for t in clause.tokens:
        if t.dep_ in ("nsubj", "nsubjpass") and t.lower_ in singular and not (
                t.i - 2 in inside and t.doc[t.i - 1].lower_ == "and" and t.doc[t.i - 2].text[:1].isupper()):
            # (not "Fi and I are …", "Fi" parsed as an interjection: the verb is both people's)
            verb = t.head
            group = [verb]
            while group:
                v = group.pop()
                found.add(v.i)
                found.update(c.i for c in v.children if c.dep_ in ("aux", "auxpass", "neg"))
                group.extend(c for c in v.children if c.dep_ == "conj" and c.pos_ in ("VERB", "AUX")
                             and not any(x.dep_ in ("nsubj", "nsubjpass") for x in c.children))
    return found


#: The past of verbs that do not add "-ed", by their base form.
IRREGULAR_PAST = SIMPLE_PAST
_PASTS = frozenset(IRREGULAR_PAST.values())


def _verb_form(t: Token) -> str | None:
    lower = t.lower_
    if lower in _BE_HAVE_DO and t.tag_ in ("VBP", "VBD"):
        return _BE_HAVE_DO[lower]
    if lower in ("'d", "d"):
        # "'d" before a past form is "had" (the tagger takes "I'd had it" for a past "had"); "would" takes a base form
        return "had" if t.tag_ == "VBD" or t.head.tag_ in ("VBN", "VBD") else "would"
    if lower in ("'ll", "ll"):
        return "will"
    # (one quits a job once: "i quit the gym" said it is done; a past the tagger read as a present stays one: "I
    # forgot to tell the dentist")
    if t.tag_ == "VBP" and lower != "quit" and lower not in _PASTS:
        return third_person(t.text)
    if t.tag_ == "VB" and lower != "be" and not any(c.dep_ in ("aux", "auxpass") for c in t.children) and any(
            c.dep_ == "nsubj" for c in t.children):
        return third_person(t.text)  # "I no longer drink coffee": a present the tagger read as a base form
    return None


def _expanded(t: Token) -> str:
    """A contracted verb written out ("it's" → "it is"), so a replaced subject still reads well."""
    lower = t.lower_
    if lower == "'s":
        after = next((w for w in t.doc[t.i + 1:] if w.pos_ != "ADV"), None)  # "he's (never) been to Europe"
        been = after is not None and after.lower_ == "been"
        if after is not None and after.lower_ == "being":
            return "is"  # "my flat's being rewired"
        return "has" if t.lemma_ == "have" or been or t.head.tag_ == "VBN" and (
            t.dep_ == "aux" or t.dep_ == "auxpass" and _takes_an_object(t.head)) else "is"
    return {"'re": "are", "'ve": "have", "'m": "am", "'ll": "will"}.get(
        lower, "had" if lower == "'d" and t.head.tag_ in ("VBN", "VBD") else "would" if lower == "'d" else t.text)


#: Participles a passive "is" takes a noun after ("it's called the Grand", "he's given a bonus each year").
_PASSIVE_WITH_NOUN = frozenset({"call", "name", "consider", "elect", "give", "offer", "send", "tell", "show", "pay"})


def _takes_an_object(participle: Token) -> bool:
    """Whether a participle the parse read as passive has an object, so its "'s" is "has" ("she's claimed the
    sofa", "he's broken his leg", "he's asked for a transfer"), not "is" ("she's married")."""
    after, then = (participle.doc[participle.i + k] if participle.i + k < len(participle.doc) else None for k in (1, 2))
    if participle.lemma_ in _PASSIVE_WITH_NOUN:  # ... but "he's given me a rhubarb crown": to someone, something
        return after is not None and after.lower_ in ("me", "us", "him", "her", "them") and then is not None and \
            then.pos_ == "DET"
    return any(c.dep_ == "dobj" for c in participle.children) or after is not None and (
        after.pos_ == "DET" or after.dep_ == "poss" or participle.lemma_ in ("ask", "apply") and after.lower_ == "for")


def impersonal(clause: Clause) -> bool:
    """Whether the clause's "it" is the weather's, the temperature's or the time's (:data:`_IMPERSONAL_WORDS`)."""
    root = clause.root
    if root.lemma_ in _IMPERSONAL_VERBS:
        return True
    said = [c for c in root.children if c.dep_ in ("attr", "acomp")] if root.lemma_ == "be" else []
    return any(c.lemma_.lower() in _IMPERSONAL_WORDS or (c.lemma_.lower() in _IMPERSONAL_SPANS and not any(
        m.dep_ == "nummod" for m in c.children)) for c in said)


#: Verbs that take two when they have no object: "we met at uni", "we split up", "we've been dating a year".
_RECIPROCAL = frozenset({"meet", "split", "separate", "date", "divorce"})


def takes_two(clause: Clause) -> bool:
    """Whether ``clause`` says what its "we" did with one another ("we met on Hinge", "we've lived together 4 years",
    "a joke between us", "we broke up"): with "we" read as the speaker alone (the other is not known) the fact
    says nothing whole ("Oliver met on Hinge")."""
    root = clause.root
    alone = not any(c.dep_ in ("dobj", "dative") or c.dep_ == "prep" and c.lower_ == "with" for c in root.children)
    return alone and (root.lemma_ in _RECIPROCAL or root.lemma_ == "break" and any(
        c.dep_ == "prt" and c.lower_ == "up" for c in root.children)) or any(
        t.lower_ in ("together", "apart") or t.lower_ == "between" and any(c.lower_ == "us" for c in t.children)
        or t.lower_ == "each" and t.i + 1 < len(t.doc) and t.doc[t.i + 1].lower_ == "other" for t in clause.tokens)


def subject_mention(clause: Clause, antecedents: Antecedents) -> Mention | None:
    subject = clause.subject()
    if subject is None or subject.lower_ not in _SUBJECT_PRONOUNS or acronym(subject):
        return None
    return antecedents.resolve(subject.lower_, clause.root.lemma_)


def render(clause: Clause, antecedents: Antecedents, replacements: dict[int, str], voice: Voice = Voice(), *,
           past: bool = False) -> str | None:
    """The clause as a third-person fact said by ``voice``; ``None`` when it would not stand alone (a pronoun
    that refers to nothing known, a first-person word left over).

    ``replacements`` maps token indices to the words that stand in for them
    ("" drops a token): resolved dates. ``past``: the clause has a date in the
    past, so a verb whose past is its present ("Last year I read 12") stays as it is.
    """
    subject = clause.subject()
    if subject is None or subject.i not in {t.i for t in clause.tokens}:
        return None  # no subject left to name
    own = None
    if subject.lower_ == "it" and impersonal(clause) or not voice.we and takes_two(clause) and (
            subject.lower_ == "we" or any(t.lower_ == "us" for t in clause.tokens)):
        return None
    if subject.lower_ in _SUBJECT_PRONOUNS and not acronym(subject):
        own = antecedents.resolve(subject.lower_, clause.root.lemma_)
        if own is None or subject.lower_ == "it" and _thing_before_of_another_turn(subject, clause, own, antecedents):
            return None
    owner = next((c for c in subject.children if c.dep_ == "poss"), None)
    if owner is not None and owner.lower_ in _POSSESSIVE_PRONOUNS and antecedents.resolve(owner.lower_) is None:
        return None  # "His name is Pip" about no one known
    verbs = _first_person_verbs(clause, voice)
    if past:
        verbs = {i for i in verbs if clause.root.doc[i].lower_ not in SAME_IN_PAST}
    pronouns = _pronouns(voice)
    # An unresolved pronoun may still be the clause's own third-person subject ("My sister loves her job").
    explained = subject.lower_ not in FIRST_PERSON_WORDS and subject.pos_ in ("NOUN", "PROPN")
    pieces: list[str] = []
    last = None  # the index of the last token kept
    for t in clause.tokens:
        word = _word_for(t, clause, antecedents, replacements, verbs, subject, own, pronouns)
        if word is None:
            continue
        if word is _DANGLING:
            # ... but never the object of its own verb ("Ruth is taking her": her is someone else, not found), nor
            # a thing no one knows ("A guy from Derby gave Owen 4,200 for it").
            if not explained or t.dep_ in ("dobj", "dative") and t.tag_ == "PRP" and t.head.i == clause.root.i \
                    or t.lower_ in ("it", "them", "that", "this"):
                return None
            word = t.text
        elif word == t.text and t.lower_ in FIRST_PERSON_WORDS and not _hyphenated(t) and not acronym(t):
            return None  # a first-person word the parse did not call a pronoun
        joined = word + t.whitespace_
        if word and t.text.startswith("'") and word[0] != "'" and pieces and not pieces[-1].endswith(" "):
            joined = " " + joined  # "I'm" → "the user is", not "the useris"
        elif word and last is not None and t.i > last + 1 and pieces and not pieces[-1].endswith(" ") \
                and word[0].isalnum():
            joined = " " + joined  # words left out between: "ailsa, she sings, plays" → "ailsa plays", not "ailsaplays"
        pieces.append(joined)
        last = t.i
    text = "".join(pieces).strip()
    # A date written in for a token that ended before a comma keeps its own space ("on 14 February 2026 ,").
    # Words left out between two commas leave one ("the demo slipped again, <…>, partly because …").
    text = _SPACE_BEFORE_PUNCT.sub(r"\1", _REPEATED_PUNCT.sub(r"\1", " ".join(text.split())))
    if text.endswith(".") and not text.endswith(".."):
        text = text[:-1]  # a full stop the tokenizer left on the last word ("seats 14A and 14B.")
    if not text:
        return None
    return text[0].upper() + text[1:]


#: Verbs whose "where" is a destination ("Where did you go?" "Crete." → "to Crete"; "moved there" → "to Porto").
MOTION_VERBS = frozenset({"go", "move", "travel", "fly", "drive", "come", "head", "return", "relocate", "emigrate",
                          "run", "walk", "sail", "ride", "commute", "get"})


def places_for_there(clause: Clause, antecedents: Antecedents) -> dict[int, str]:
    """What each "there" of ``clause`` says, by token index: the place the talk just named ("she's studying medicine
    there" → "in Copenhagen", :meth:`Antecedents.place`), or "" (left out: a fact that says "there" points outside
    itself; one that says where someone is cannot stand without it), for :func:`render`'s replacements; a "there"
    that names a place is something the fact says."""
    out = {}
    for t in clause.tokens:
        if t.lower_ == "there" and t.dep_ == "advmod" and t.head.pos_ in ("VERB", "AUX"):
            place = antecedents.place()
            # "got there" arrived, "got a job there" did not
            motion = t.head.lemma_ in MOTION_VERBS and not (t.head.lemma_ == "get" and any(
                c.dep_ == "dobj" for c in t.head.children))
            # Left out, unless it is where someone is ("he's been there 8 years"): that says nothing without it
            out[t.i] = (_DANGLING if t.head.lemma_ == "be" else "") if place is None else \
                f"{'to' if motion else place[1]} {place[0]}"
    return out


_DANGLING = "\0"
#: Chat shorthand that remarks on the talk wherever it stands ("btw", "tbh", "lol").
_ASIDES = frozenset({"btw", "fyi", "tbh", "imo", "imho", "ngl", "lol", "lmao", "haha", "hahaha", "hehe"})
#: Words that set what a clause says beside something said before it, which a fact read alone does not have.
_BESIDES = frozenset({"also", "too", "either"})
_SPACE_BEFORE_PUNCT = re.compile(r" ([,;:](?:\s|$))")
_REPEATED_PUNCT = re.compile(r"([,;:])(?:\s*[,;:])+")


def _hyphenated(t: Token) -> bool:
    """Part of a hyphenated word ("me-time"): a pronoun there is no reference to anyone."""
    doc = t.doc
    after = t.i + 1 < len(doc) and not t.whitespace_ and doc[t.i + 1].text == "-"
    before = t.i > 0 and doc[t.i - 1].text == "-" and not doc[t.i - 1].whitespace_
    return after or before


def _word_for(t: Token, clause: Clause, antecedents: Antecedents, replacements: dict[int, str], verbs: set[int],
              subject: Token | None, own: Mention | None, pronouns: dict[str, str]) -> str | None:
    if t.i in replacements:
        return replacements[t.i] or None
    if acronym(t):
        return t.text
    lower = t.lower_
    if lower in _ASIDES:
        return None  # "it's on the market now btw": a remark on the talk, no part of what it says
    if lower in _BESIDES and t.dep_ == "advmod" and t.head.pos_ in ("VERB", "AUX") and (
            lower == "also" or t.i > t.head.i):
        return None  # "I also switched to Firefox", "she has a greyhound too": beside what the talk said before
    if lower in ("that", "this") and t.pos_ == "PRON" and t.dep_ == "pobj" and t.head.lower_ not in (
            "before", "after", "since", "until", "till"):  # ("before this Priya was …" is a time)
        return _DANGLING  # "I need to shop for that": what, only the talk before says ("I'll try that on …" stays)
    if _counted_with_us(t):
        return "two" if lower == "both" else "people" if lower == "of" else None
    if _for_oneself(t, subject):
        return None
    if lower in pronouns and _hyphenated(t):
        return t.text
    if own_after_subject(t, subject, clause):
        return "their"  # "I handed my notice in": "Maya handed their notice in", as a careful reader writes it
    if lower in pronouns and (t.pos_ == "PRON" or lower == "i"):
        return pronouns[lower]
    if t.i in verbs:
        form = _verb_form(t)
        if form is not None:
            return form if not t.text[0].isupper() else form.capitalize()
    if t.text.startswith("'") and t.pos_ in ("AUX", "VERB"):
        return _expanded(t)
    if lower in ("'s", "’s") and t.tag_ == "POS" and t.head.dep_ in ("nsubj", "nsubjpass") and t.i + 1 < len(t.doc) \
            and (t.nbor().lower_ == "been" or t.nbor().tag_ == "VBG"):
        # "my sister's been promoted", read as her owning "been": the verb's "has" ("is" before "getting")
        return " has" if t.nbor().lower_ == "been" else " is"
    if subject is not None and t.i == subject.i and own is not None:
        return own.text
    if _bare_age(t, subject):
        return f"{t.text} years old"
    if lower in ("their", "its") and t.dep_ == "poss" and t.head.dep_ == "pobj" and t.head.head.lower_ == "as":
        return None  # "joining a charity as their finance lead": a role is held at what the clause names
    if lower in _POSSESSIVE_PRONOUNS and t.dep_ == "poss" and owned_by_subject(t, subject):
        return t.text  # "My car is booked in for its MOT": the fact names what "its" is
    if lower in ("he", "she", "they") and t.dep_ in ("nsubj", "nsubjpass") and subject is not None and \
            subject.lower_ in FIRST_PERSON_WORDS:  # "I'm working from home till he's better": someone else
        return (mention := antecedents.resolve(lower)) and mention.text or _DANGLING
    if lower in _POSSESSIVE_PRONOUNS and t.dep_ == "poss" or lower in _OBJECT_PRONOUNS and t.dep_ != "poss":
        if lower == "it" and t.dep_ in ("nsubj", "nsubjpass", "expl"):
            return t.text
        if lower == "it" and any(x.dep_ in ("nsubj", "nsubjpass") and x.i < t.i and x.head.i != t.head.i and
                                 x.lemma_.lower() not in PEOPLE_WORDS and concrete(x, x.lemma_.lower())
                                 for x in clause.tokens):
            # "my passport expires in march so I need to renew it": the fact says what "it" is (not a subject of
            # the same verb: "my contents insurance covers it" is another thing)
            return t.text
        if lower in ("his", "her") and t.dep_ == "poss" and kin_subject_owns(t, subject, clause):
            return f"{pronouns['my']} {subject.lower_}'s"  # "my mum's letting me borrow her Polo": mum's Polo
        if lower in ("him", "his", "her") and (name := named_earlier_in_clause(t, clause, subject)) is not None:
            # "I drove Jonah to see his mum", "I gave Jonah his keys back": the one person this clause named before
            return possessive(name) if t.dep_ == "poss" and not named_object(t) else name
        mention = antecedents.resolve(lower)
        if own is not None and mention is own:
            # "She is bringing him": one person of no known gender fits both pronouns, but they are two people.
            said, here = gender_of(subject.lower_) if subject is not None else None, gender_of(lower)
            return _DANGLING if said and here and said != here else t.text
        if mention is None or lower == "it" and mention.turn < antecedents.turn and _named_before(t, clause, True):
            # (a thing of an earlier turn is no "it" where the clause named one first: "my cousin has a van so we
            # might just do it ourselves" was "… do Maren's mortgage themselves")
            return t.text if lower == "it" and _named_before(t, clause) else _DANGLING
        if lower == "it" and _thing_before_of_another_turn(t, clause, mention, antecedents):
            return _DANGLING  # "I've given up on the guitar, my fingers couldn't take it": no thing of a turn before
        return possessive(mention.text) if t.dep_ == "poss" and not named_object(t) else mention.text
    return t.text


def _counted_with_us(t: Token) -> bool:
    """Whether ``t`` is the "of" or the "us" of a count of people the speaker is one of ("only 11 of us", "all four
    of us"), said as that many people: "us" read as the speaker gave "all four of Maren"."""
    of = t if t.lower_ == "of" else t.head if t.lower_ == "us" and t.dep_ == "pobj" else next(
        (c for c in t.children if c.lower_ == "of"), None) if t.lower_ == "both" else None
    # ... and "both of us", which is two ("a budget of 1500 for both of us": "for two people")
    return of is not None and of.lower_ == "of" and (of.head.like_num or of.head.lower_ == "both") and any(
        c.lower_ == "us" and c.dep_ == "pobj" for c in of.children)


def _for_oneself(t: Token, subject: Token | None) -> bool:
    """Whether ``t`` is the "us" or "me" the speaker did something for ("I booked us a hotel", "I got us tickets",
    which the parser may read as "us tickets"): "Maren booked Maren a hotel" says less than "Maren booked a hotel"."""
    if t.lower_ not in ("us", "me") or subject is None or subject.lower_ not in ("i", "we"):
        return False
    return t.dep_ == "dative" or t.dep_ == "compound" and t.head.dep_ == "dobj" and t.head.head.i == t.i - 1


def named_object(her: Token) -> bool:
    """Whether a "her" the parse took for a possessive is the object of a naming verb ("we named her Pip": "her"
    is who was named, not the owner of a "Pip")."""
    name = her.head
    return her.lower_ == "her" and name.pos_ == "PROPN" and name.dep_ == "dobj" and \
        name.head.lemma_ in NAMING_VERBS and not any(c.dep_ == "oprd" for c in name.head.children)


def _thing_before_of_another_turn(it: Token, clause: Clause, mention: Mention, antecedents: Antecedents) -> bool:
    """Whether the thing of an earlier turn "it" would be is not what it means: its sentence named a thing before its
    clause ("I've given up on the guitar, my fingers couldn't take it", "car insurance renews on the 9th, it …")."""
    return mention.turn < antecedents.turn and any(  # (a person is no thing: "the physio said it's a sprain")
        x.i < clause.tokens[0].i and x.pos_ == "NOUN" and concrete(x, x.lemma_.lower())
        and x.lemma_.lower() not in PEOPLE_WORDS for x in it.sent)


def _named_before(it: Token, clause: Clause, elsewhere: bool = False) -> bool:
    """Whether a thing "it" can be is named earlier in its own clause ("I twisted my knee on the boat when we took
    it out of the water"): the fact then holds what "it" is. ``elsewhere``: not as the subject of the verb "it" is
    the object of ("my contents insurance covers it" is another thing)."""
    own = {x.i for c in it.head.children if c.dep_ in ("nsubj", "nsubjpass") for x in c.subtree} if elsewhere else ()
    return any(concrete(t, t.lemma_.lower()) and t.lemma_.lower() not in PEOPLE_WORDS and t.i < it.i
               and t.i not in own and t.ent_type_ not in ("DATE", "TIME") for t in clause.tokens)  # not "the weekend"


#: Subjects whose "is 34" is an age: a person or an animal ("I", "she", "my sister", "Mia", "our dog").
_AGED_PRONOUNS = frozenset({"i", "he", "she"})
_AGED_NOUNS = FEMALE | MALE | NEUTRAL | PETS


def _bare_age(t: Token, subject: Token | None) -> bool:
    """A bare number a person or an animal "is" ("I'm 34", "my sister is 12"): their age, said as one. Read
    alone, "The user is 34" could be anything counted."""
    if subject is None or t.pos_ != "NUM" or t.dep_ not in ("attr", "acomp") or t.head.lemma_ != "be" \
            or subject.head.i != t.head.i or any(c.dep_ in ("det", "relcl") for c in t.children):
        return False  # "she's the one who told us" is no age
    return (subject.lower_ in _AGED_PRONOUNS or subject.lemma_.lower() in _AGED_NOUNS
            or subject.pos_ == "PROPN" and subject.ent_type_ in ("PERSON", ""))
