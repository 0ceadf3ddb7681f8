"""Sentences the small parser reads wrong unless they are parsed again, written another way.

Chat leaves out the "I" of a sentence ("passed the theory exam": :func:`dropped_first_person`) and the
"my" of what the speaker has ("due date is 2 September": :func:`dropped_possessive`), an
opening "by the way" can become the head the whole sentence hangs off (:func:`misparsed_lead`), and a verb
in "-s" after a noun can be read as one more noun ("my home insurance with Brightcover renews on 1 April":
:func:`verb_read_as_noun`); each reads right once parsed again with the "I" or "my" written in, without the opening
words, or with the verb written "will renew". The extractor does the
parsing again and moves the facts found back onto the turn as it was said. Whole sentences chat says in a form
the parser reads as no statement are :mod:`~memvault.extraction.chat_forms`'s.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from memvault.extraction.clause import has_subject
from memvault.extraction.clause_edges import DISCOURSE, SUBJECTS, trim
from memvault.extraction.dates import WEEKDAYS
from memvault.extraction.kin import FEMALE, MALE, NEUTRAL, PETS, SERVICE_ROLES
from memvault.extraction.mention_tokens import PERSON_STATES

if TYPE_CHECKING:  # spaCy takes seconds to import; only the pipeline (nlp.py) loads it, on first use
    from spacy.tokens import Span, Token


#: What a sentence that leaves out its "I" is read with, by the tag of the verb it opens with.
PROGRESSIVE = "I'm "
_IMPLIED = {"VBD": "I ", "VBG": PROGRESSIVE}


def dropped_first_person(sent: Span, previous: Span | None) -> str | None:
    """The words ``sent`` leaves out before its verb ("I ", "I'm "), as chat and diaries do ("found a flat in
    Chorlton", "passed the theory exam", "flying Jetstar to Denpasar on 6 April"): it opens with a past-tense verb
    or an "-ing" with no subject, and the sentence before it in the same turn (if any) was not about someone else
    ("Claire came to the party. met the kids" is Claire's). ``None`` for any other sentence."""
    verb = verb_without_subject(sent)
    if verb is None:
        return None
    subject = _subject_before(previous)
    if verb.tag_ == "VBZ":  # "she's quitting the agency. starts in january": hers, as no "I" says "starts"
        return f"{subject.lower_} " if subject is not None and subject.lower_ in ("he", "she") else None
    return _IMPLIED.get(verb.tag_, "I ") if not _someone_else(subject) else None


def _subject_before(previous: Span | None) -> Token | None:
    """The subject of the sentence ``previous`` (a day the parser made one is none: "tuesday had the chat")."""
    return next((c for c in previous.root.children if c.dep_ in SUBJECTS and c.ent_type_ != "DATE"), None) \
        if previous is not None else None


def _someone_else(subject: Token | None) -> bool:
    """Whether ``subject`` is a person other than the speaker; a thing's sentence is no one else's ("training's
    going ok. did 16k on sunday")."""
    return subject is not None and (subject.lower_ in ("he", "she", "they") or subject.pos_ == "PROPN"
                                    or subject.lemma_.lower() in _PEOPLE | FAMILY)


def implied_at(sent: Span) -> Token:
    """Where the left-out subject goes in a sentence :func:`verb_without_subject` finds a verb in: before that verb,
    or before the adverbs said just before it ("finally booked Japan" → "I finally booked Japan")."""
    at = verb_without_subject(sent)
    while at.i > sent.start and at.nbor(-1).tag_ == "RB" and at.nbor(-1).head.i == at.i and \
            at.nbor(-1).lower_ not in DISCOURSE:
        at = at.nbor(-1)
    return at


def verb_without_subject(sent: Span) -> Token | None:
    """The verb ``sent`` opens with and leaves its "I" out before (:func:`dropped_first_person`): the sentence's own,
    or one in the past that the parser hung on the next clause after a comma ("went down to leeds last weekend for
    isla's christening, she's nearly five months": the trip is the speaker's, and "she" no part of it)."""
    if sent.text.rstrip().endswith("?"):
        return None
    root = sent.root
    words = [t for t in sent if not t.is_punct and not t.is_space and t.lower_ not in DISCOURSE and t.pos_ != "INTJ"
             and not _reaction(t)]
    while len(words) > 1 and (words[0].ent_type_ == "DATE" or words[0].tag_ == "RB" and words[0].head.i == root.i
                              and words[0].lower_ not in ("not", "never")) and words[0].i < root.i:
        words = words[1:]  # "tuesday had the leaving chat with Marcus", "finally booked Japan!!": the speaker's verb
    if not words:
        return None
    colon = next((t for t in sent[:7] if t.text == ":"), None)
    if colon is not None and (root.i > colon.i or not any(t.pos_ in ("VERB", "AUX") for t in words if t.i < colon.i)):
        # ("note for later: switched energy to Octopus": a label with a verb, the sentence's head after it)
        words = [t for t in words if t.i > colon.i]  # "news from me: got a placement!": a label, then the news
        if not words or words[0].i != root.i or any(c.dep_ in SUBJECTS and c.i > colon.i for c in root.children):
            return None
        return words[0] if words[0].tag_ in _IMPLIED and words[0].lemma_.lower() not in WEATHER else None
    verb = words[0]
    after = verb.right_edge.i + 1
    spliced = verb.tag_ == "VBD" and verb.dep_ in ("advcl", "ccomp", "parataxis") and verb.head.i == root.i \
        and root.i > verb.right_edge.i and after < len(verb.doc) and verb.doc[after].text in (",", ";")
    # The tagger takes a past for a participle where nothing came before it ("sprained my wrist bouldering", after
    # "rough week."): one with an object and no auxiliary is that past.
    past = verb.tag_ == "VBN" and not any(c.dep_ in ("aux", "auxpass") for c in verb.children) and any(
        c.dep_ == "dobj" for c in verb.children)
    dated = any(c.dep_ in SUBJECTS for c in verb.children) and all(  # the parser's "subject" a day ("tuesday had")
        c.ent_type_ == "DATE" and c.i < verb.i for c in verb.children if c.dep_ in SUBJECTS)
    if verb.i != root.i and not spliced or verb.tag_ not in _IMPLIED and verb.tag_ != "VBZ" and not past or \
            has_subject(verb) and not dated or verb.lemma_.lower() in WEATHER or verb.tag_ == "VBZ" and \
            verb.lemma_ in _REMARKS:
        return None  # "rained 3 days out of 5": the weather's, not the speaker's; "sounds good": a remark
    return verb


#: Verbs whose left-out subject in the third person is the talk's "it" ("sounds good", "depends on the weather").
_REMARKS = frozenset({"sound", "look", "seem", "depend", "make", "mean", "matter", "happen", "help"})
#: Verbs whose left-out subject is the weather's "it", never "I".
WEATHER = frozenset({"rain", "snow", "pour", "drizzle", "hail", "sleet", "thunder", "freeze", "bucket"})


def _reaction(t: Token) -> bool:
    """An adjective alone before a comma that opens the sentence: the speaker's reaction ("great, did 60km to
    Cromer yesterday", "good, finished the draft"), no part of what they did."""
    doc = t.doc
    return t.i == t.sent.start and t.pos_ == "ADJ" and t.i + 1 < len(doc) and doc[t.i + 1].text == ","


#: What a person has that chat names without its "my" ("due date is 2 September", "new salary is 92k", "lease starts
#: June 1", "last shift was yesterday"): said by the speaker, it is theirs. Things anyone may speak of without
#: owning them ("the weather", "school", "customers") are not here, nor people (:mod:`memvault.extraction.kin`).
OWNED = frozenset({"appointment", "salary", "rent", "lease", "mortgage", "loan", "shift", "flight", "visa", "passport",
                   "job", "interview", "exam", "surgery", "operation", "birthday", "wedding", "contract", "deadline",
                   "training", "race", "presentation", "meeting", "class", "course", "lesson", "rehearsal",
                   "application", "check-up", "checkup", "holiday", "vacation", "trip", "date", "commute", "thesis",
                   "defence", "defense", "scan", "treatment", "physio", "therapy", "budget", "pension", "bonus",
                   "raise", "goal",
                   # what one owns and gets mended ("car failed its MOT yesterday"), and a body's parts
                   "car", "bike", "laptop", "phone", "boiler", "knee", "wrist", "ankle", "shoulder", "hip"})
#: What the rest of such a sentence names for it to state something ("due date is 2 September", not "rent is high").
_CONCRETE = frozenset({"DATE", "MONEY", "CARDINAL", "QUANTITY", "PERCENT", "GPE", "LOC", "FAC", "ORG", "PERSON"})


#: Who serves the speaker, named without "my" ("electrician's booked for thursday", "insurer paid £1,850 for the
#: cellar"): theirs, as "the electrician" is (:func:`~memvault.extraction.mention_tokens.speakers_role`).
_ROLES = SERVICE_ROLES | {"insurer"}
#: Family said without "my" ("mum is lobbying for Lagos", "Dad is retiring"): the speaker's own, wherever it stands.
FAMILY = FEMALE | MALE | {"parents", "grandparents", "in-laws", "kids", "children", "siblings", "twins"}


def dropped_possessive(sent: Span, previous: Span | None = None) -> tuple[int, ...]:
    """Where ``sent`` leaves out the "my" of a subject (characters into it, ascending), as chat does ("mum is
    lobbying for Lagos", "due date is 2 September", "visa appointment at the consulate is on 27 July"): each
    family word with no determiner or owner of its own (:data:`FAMILY`), anywhere; or the sentence opens with its
    subject, a noun for something a person has (:data:`OWNED`) with no determiner, owner or number of its own, and
    names a date, an amount, a number, a clock time or a name after it, and the sentence ``previous`` was not about
    someone else ("he plays left back. training is sunday mornings": his). ``()`` for any other sentence ("water hit
    22.4 at 8 metres", "rent is high", "the lease starts in June", "presentation overran by an hour")."""
    if sent.text.rstrip().endswith("?"):
        return ()
    # Not in a clause that only qualifies another ("in Lagos like mum wanted"): that one has no subject to read.
    # ... or the owner of one ("mum's birthday is on the 21st").
    family = tuple(t.idx - sent.start_char for t in sent if t.lower_ in FAMILY and (subject := t if t.dep_ in (
        "nsubj", "nsubjpass") else t.head if t.dep_ == "poss" and t.head.dep_ in ("nsubj", "nsubjpass") else None)
                   and subject.head.dep_ in ("ROOT", "conj", "ccomp")
                   and not any(c.dep_ == "mark" for c in subject.head.children)
                   and not any(c.dep_ in ("det", "poss", "compound", "nummod") for c in t.children))
    if family:
        return family
    words = [t for t in sent if not t.is_punct and not t.is_space and t.lower_ not in DISCOURSE and t.pos_ != "INTJ"]
    subject = next((c for c in sent.root.children if c.dep_ in ("nsubj", "nsubjpass", "csubj")), None)
    if subject is not None and subject.dep_ == "csubj":
        # "start date is 1 October" read as "to start a date": the noun is the verb's object, right after it.
        subject = next((c for c in subject.children if c.dep_ == "dobj" and c.i == subject.i + 1), None)
    # "Rent's going up in June": a sentence's first word the tagger took for a name for its capital.
    if not words or subject is None or subject.lemma_.lower() not in OWNED | _ROLES or subject.pos_ != "NOUN" and not (
            subject.pos_ == "PROPN" and subject.i == words[0].i) or _someone_else(_subject_before(previous)):
        return ()
    if any(c.dep_ in ("det", "poss", "nummod") or c.pos_ == "PROPN" and c.text[:1].isupper()
           or c.dep_ == "prep" and c.lower_ == "of"
           for c in subject.children):
        return ()  # "the lease", "our trip", "two flights", "Lisa's birthday", "the date of the party"
    opening = min((t.i for t in subject.head.subtree if t.i <= subject.i and t in words), default=None) \
        if subject.dep_ == "dobj" else min(t.i for t in subject.subtree if t in words)
    if opening != words[0].i:
        return ()
    own = {t.i for t in subject.subtree}
    # A clock time counts ("flight is at 6am"), a length of time does not ("presentation overran by an hour"); a day
    # of the week the tagger left untyped does ("rehearsals are mondays and thursdays").
    if not any(t.ent_type_ in _CONCRETE or t.like_num or t.ent_type_ == "TIME" and any(ch.isdigit() for ch in t.text)
               or t.lower_.removesuffix("s") in WEEKDAYS for t in sent if t.i > subject.i and t.i not in own):
        return ()
    return (words[0].idx - sent.start_char,)


def misparsed_lead(sent: Span) -> int | None:
    """Where the words after ``sent``'s opening discourse words begin (characters into it), when the parser made
    one of those words the sentence's head ("by the way my sister is moving to Porto" parsed as "by" and what
    hangs off it) or hung a clause on them ("By the way I hate cilantro" read as "the way I hate cilantro"): the
    rest then reads right only parsed on its own. ``None`` for any other sentence."""
    kept = trim(list(sent))
    cut = sent.doc[sent.start:kept[0].i] if kept else ()
    interjected = all(t.pos_ in ("INTJ", "CCONJ", "PUNCT") or t.lower_ in DISCOURSE for t in cut)
    hung = [t for t in kept if sent.start <= t.head.i < kept[0].i and not t.is_punct]
    # "By the way I hate cilantro": "I hate …" read as "the way I hate"; "oh and Noah's obsessed with dinosaurs":
    # Noah hung on "oh", and "obsessed" left without a subject
    misread = cut and (any(t.dep_ in ("relcl", "acl") for t in hung) or interjected and hung and any(
        t.pos_ in ("VERB", "AUX") for t in kept))
    if not misread and (not kept or sent.root.i >= kept[0].i or kept[0].i == sent.start or not any(
            t.pos_ in ("VERB", "AUX") for t in kept)):
        return None  # nothing cut, the head kept, or no verb left to read a statement from ("Leeds, mostly.")
    if kept[0].lower_ == "because" and len(kept) > 1:
        kept = kept[1:]  # "SCHUFA no, because I have no credit history here": the reason is the statement
    return kept[0].idx - sent.start_char


#: Pronouns that take up a noun phrase said before them ("my new bike, it cost 500"), by what that phrase must be.
_TAKEN_UP = {"it": "thing", "she": "person", "he": "person", "they": "people"}
_PEOPLE = FEMALE | MALE | NEUTRAL | SERVICE_ROLES


#: Past participles that say a state after "'s" ("she's called Pip", "he's married"), where others say what was
#: done ("he's moved to Leeds").
_STATES = frozenset({"call", "name", "base", "marry", "engage", "bear", "locate", "divorce", "scare", "bore", "tire",
                     "worry", "excite", "interest", "allow", "suppose", "use", "injure", "hurt"})
#: A contracted verb after the pronoun, written out once the pronoun is gone: as itself, or (a tuple) before a past
#: participle and otherwise.
_CONTRACTED: dict[str, str | tuple[str, str]] = {"'s": ("has", "is"), "'re": "are", "'ve": "have", "'ll": "will",
                                                 "'d": ("had", "would")}


def dislocated_subject(sent: Span) -> tuple[int, int, str] | None:
    """Where the comma and the pronoun stand (characters into ``sent``, start and end, and what is written there: a
    contracted verb after the pronoun, written out) that take up the noun phrase
    ``sent`` opens with as its subject ("a proper Kryptonite D-lock, it cost almost a third of what the bike did",
    "my sister Hanna, she drove us"): the parser hangs the phrase on the verb as anything but a subject, so "it" was
    read as the last thing named ("the user's coffee cost …") and "she" as whoever was. Without them the phrase is
    the subject. ``None`` for any other sentence (the phrase must be all that comes before the comma, or after a
    clause of its own and a comma, hold no verb, and be what the pronoun can be: a thing for "it", a person for
    "she" or "he", people for "they")."""
    root = sent.root
    pronoun = next((c for c in root.children if c.dep_ in ("nsubj", "nsubjpass") and c.lower_ in _TAKEN_UP), None)
    if pronoun is None or pronoun.i < sent.start + 2 or sent.doc[pronoun.i - 1].text != ",":
        return None
    head = next((c for c in root.children if c.i < pronoun.i - 1 and c.dep_ in ("dep", "intj", "npadvmod", "nsubj",
                                                                                 "nsubjpass")
                 and (c.pos_ in ("NOUN", "PROPN") or c.lower_ in _PEOPLE)), None)  # "neighbour" tagged an adjective
    # ... or after a clause of its own and a comma: "we've got a 2 year old, Tobi, he starts nursery in january"
    before = next((t for t in reversed(sent.doc[sent.start:head.i]) if t.text == ","), None) if head else None
    start = before.i + 1 if before is not None and any(
        t.pos_ in ("VERB", "AUX") and has_subject(t) for t in sent.doc[sent.start:before.i]) else sent.start
    words = [t for t in sent if start <= t.i < pronoun.i - 1 and not t.is_space]
    if head is None or {t.i for t in head.subtree} != {t.i for t in words} or any(
            t.pos_ in ("VERB", "AUX") for t in words):
        return None
    if _kind(head, pronoun.lower_) != _TAKEN_UP[pronoun.lower_]:
        return None
    comma, end, written = sent.doc[pronoun.i - 1], pronoun, ""
    after = sent.doc[pronoun.i + 1] if pronoun.i + 1 < sent.end else None
    contracted = _CONTRACTED.get(after.lower_.replace("\u2019", "'")) if after is not None else None
    if contracted is not None:
        # "my neighbour Ruth, she's the one": "Ruth's" would read as Ruth's own; the verb is written out
        verb = sent.doc[after.i + 1] if after.i + 1 < sent.end else None
        # "he's moved": has (the parser calls both a passive); "she's called Pip", "he's married": is
        perfect = verb is not None and verb.tag_ == "VBN" and verb.lemma_ not in _STATES
        end, written = after, " " + (contracted if isinstance(contracted, str) else contracted[0 if perfect else 1])
    return comma.idx - sent.start_char, end.idx + len(end.text) - sent.start_char, written


def _kind(head: Token, pronoun: str) -> str:
    """What the noun phrase ``head`` heads is for :func:`dislocated_subject`: a pet is whatever ``pronoun`` says ("our
    dog, she is 12"); a common noun is a person only by what it means (the tagger calls "a Kryptonite D-lock" a
    person); a name "she" or "he" takes up is a person's whatever the tagger typed it ("Hanna, she …", an ORG)."""
    lemma = head.lemma_.lower()
    if lemma in PETS and pronoun != "they":
        return _TAKEN_UP[pronoun]
    if head.tag_ in ("NNS", "NNPS"):
        return "people"
    named = head.pos_ == "PROPN" and (head.ent_type_ == "PERSON" or pronoun in ("she", "he") and head.ent_type_ not in (
        "GPE", "LOC", "FAC", "DATE", "TIME"))
    return "person" if lemma in _PEOPLE or named else "thing"


def verb_read_as_noun(sent: Span) -> tuple[int, int, str] | None:
    """Where a verb the parser read as a plural noun stands in ``sent`` (characters into it, start and end) and
    how to write it so it reads as a verb ("renews" → "will renew"): the first plural noun in "-s" that is not
    its first word, with a preposition, number or date right after it ("the flight lands on Saturday", "the
    insurance renews on 1 April"), when ``sent`` has no verb at all, it is the sentence's head ("my achilles flares
    up if I do hills"), it is one of two subjects of a later verb
    (:func:`_second_subject`), or it stands in a first part with no verb before a comma
    (:func:`_verbless_before_comma`); or the "'s" of a state said of a name ("Priya's pregnant!" → "Priya is
    pregnant!"), or of any state in a sentence with no verb ("my sister's due on 17 March"). ``None`` for any
    other sentence."""
    if sent.text.rstrip().endswith("?"):
        return None
    verbless = not any(t.pos_ in ("VERB", "AUX") for t in sent)
    for t in sent:  # ... or the "is" of "Priya's pregnant!", read as Priya's owning a "pregnant" (not "… sister"),
        # and in a sentence with no verb, of any state ("my sister's due on 17 March")
        if t.tag_ != "POS" or t.lower_ not in ("'s", "’s") or t.i + 1 >= sent.end or t.i == 0:
            continue
        person = t.nbor(-1).pos_ == "PROPN" or t.nbor(-1).lemma_.lower() in _PEOPLE
        no_noun_after = t.i + 2 >= sent.end or t.nbor(2).pos_ not in ("NOUN", "PROPN") \
            or t.nbor(2).lower_ in _DIET_STATES
        if person and (t.nbor().pos_ == "ADP" and t.nbor().lower_ != "of" or t.nbor().tag_ == "VBG" and (t.nbor(
                ).dep_ not in ("amod", "compound", "ROOT") or _goes_on(t.nbor())) or t.nbor().lower_ in (
                "the", "a", "an")) or (
                no_noun_after and (
                person and _state_after(t) or verbless and t.head.dep_ == "ROOT" and t.nbor().pos_ == "ADJ")):
            # (an "'s" before a preposition or an article owns nothing: "Alfie's in year 2", "Sophie's the bride"; nor
            # one before a verb in "-ing" the parser hung elsewhere: "mum's coming to stay next weekend, she …")
            owner = t.nbor(-1)
            if owner.lower_ in FAMILY and not any(c.dep_ in ("det", "poss") for c in owner.children):
                # ... and a family word before it said without its "my" is the speaker's ("mum's coming …")
                return owner.idx - sent.start_char, t.idx - sent.start_char + len(t.text), f"my {owner.lower_} is"
            return t.idx - sent.start_char, t.idx - sent.start_char + len(t.text), " is"
    words = [t for t in sent if not t.is_punct and not t.is_space]
    for t, after in zip(words[1:], words[2:], strict=False):
        if t.pos_ == "NOUN" and t.tag_ == "NNS" and t.is_lower and t.text.endswith("s") and not t.text.endswith(
                "ss") and not t.ent_type_ and not any(c.dep_ == "nummod" for c in t.children) and (
                after.pos_ in ("ADP", "NUM") and after.lower_ != "of" or after.ent_type_ in ("DATE", "TIME")) and (
                # (not "5 years old", nor an amount: "lots of questions")
                verbless or t.dep_ == "ROOT" or _second_subject(t) or _verbless_before_comma(t)):
            return t.idx - sent.start_char, t.idx - sent.start_char + len(t.text), f"will {_base(t.text)}"
    return None


def _goes_on(verb: Token) -> bool:
    """Whether the "-ing" ``verb`` the parser made its sentence's head after a name's "'s" goes on as a verb does,
    to where or for how long ("no, Beth's staying in Bristol for uni"), not a name's pastime said alone; the name
    opens the sentence (in "Friday works, Mira's making maqluba" the parser reads the rest around it)."""
    name = verb.nbor(-2)
    said_first = all(w.is_punct or w.lower_ in DISCOURSE or w.pos_ == "INTJ" for w in verb.doc[verb.sent.start:name.i])
    return verb.dep_ == "ROOT" and said_first and any(c.dep_ in ("prep", "dobj", "prt") for c in verb.children)


def _verbless_before_comma(t: Token) -> bool:
    """Whether ``t`` stands in a first part of its sentence with no verb, before a comma and a clause with a
    subject of its own ("car insurance renews on the 9th, it went up to £640": "renews" hung on "went")."""
    sent = t.sent
    comma = next((x for x in t.doc[t.i + 1:sent.end] if x.text == ","), None)
    return comma is not None and not any(x.pos_ in ("VERB", "AUX") for x in t.doc[sent.start:comma.i]) and any(
        x.dep_ in ("nsubj", "nsubjpass") for x in t.doc[comma.i + 1:sent.end])


_DIET_STATES = frozenset({"free", "intolerant"})


def _state_after(s: Token) -> bool:
    """Whether a state only a person is in follows the "'s" ``s``: "pregnant", or a diet's two words ("Sue's gluten
    free", "my husband's lactose intolerant")."""
    after = s.nbor()
    return after.lower_ in PERSON_STATES or after.i + 1 < len(s.doc) and after.pos_ in ("NOUN", "VERB", "PROPN") \
        and after.nbor().lower_ in _DIET_STATES


def _second_subject(t: Token) -> bool:
    """Whether ``t`` is one of two subjects the parser gave a later verb, the first right after a noun of its
    own ("Jess's flight lands at 6 so I'm picking her up": "lands" and "I" both subjects of "picking")."""
    return t.dep_ == "nsubj" and t.i > 0 and t.doc[t.i - 1].pos_ == "NOUN" and t.head.i > t.i and any(
        c.dep_ in ("nsubj", "nsubjpass") and c.i > t.i for c in t.head.children)


def _base(verb: str) -> str:
    """The base form of a third-person "-s" verb ("renews" → "renew", "flies" → "fly", "watches" → "watch")."""
    if verb.endswith("ies") and len(verb) > 4:
        return verb[:-3] + "y"
    if verb.endswith(("ches", "shes", "xes", "sses", "zes", "oes")):
        return verb[:-2]
    return verb[:-1]


def back_from(start: int, end: int, written: str) -> Callable[[int], int]:
    """A character of a sentence with ``written`` in place of its ``start:end`` → of the sentence as said."""
    grown = len(written) - (end - start)
    return lambda j: j if j <= start else min(j, start + (end - start)) if j < start + len(written) else j - grown


def reworded(sent: Span, word_of: Callable[[Token], str | None]) -> tuple[str, Callable[[int], int]]:
    """``sent`` with each token said as ``word_of`` gives it (``None``: left out), and what takes a character of
    that text back to ``sent``'s own text."""
    pieces: list[str] = []
    starts: list[tuple[int, int, int]] = []  # per token kept: start in the new text, start in sent, its length there
    at = 0
    for t in sent:
        if (word := word_of(t)) is None:
            continue
        starts.append((at, t.idx - sent.start_char, len(t.text)))
        pieces.append(word + t.whitespace_)
        at += len(word) + len(t.whitespace_)

    def back(j: int) -> int:
        new, old, length = next((s for s in reversed(starts) if s[0] <= j), starts[0])
        return old + min(j - new, length)

    return "".join(pieces).rstrip(), back
