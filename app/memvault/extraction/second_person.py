"""What an assistant tells the user about the user: "You have a dentist appointment on Tuesday 18 March",
"Your home insurance renews on 1 April", "Yes, you cancelled your membership in January".

An assistant that keeps a calendar, bookings or accounts states the user's facts itself; the user only
asks ("and the hotel?"). Such a sentence is the user's statement in the second person, so it is restated
in the first person ("I have a dentist appointment ...") and read like one of the user's own. Only a
plain statement whose subject is "you" or "your ..." counts: advice and predictions (a modal or future
auxiliary: "You could ask for a trial month", "You'll need proof"), obligations ("you have to", "you need
to"), questions, and any sentence in which the assistant speaks of itself ("I've noted ...", "we can ...")
give nothing, but an errand it reports done for the user (:mod:`~memvault.extraction.errands`).

Such an assistant keeps the user's records, so what it states about the people in them is the user's too
("Arjun's swimming gala is on Saturday 12 April", "Her dentist moved the check-up to 30 April"): a sentence
whose subject is a person by name or "he"/"she", or something of theirs, read as said in the user's voice.
Only dated statements count, no year more than one from the conversation's, and none in a chat where the
assistant stated nothing of the user's own: history and general knowledge ("Rembrandt painted it in 1642")
are not a household's facts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from typing import TYPE_CHECKING

from memvault.extraction import errands, record_answers, reparse
from memvault.extraction.clause import FIRST_PERSON
from memvault.extraction.clause_edges import SUBJECTS
from memvault.extraction.dates import MONTHS, WEEKDAYS, day_number
from memvault.extraction.kin import OCCUPATIONS, SERVICE_ROLES
from memvault.extraction.worth import acronym

if TYPE_CHECKING:  # spaCy takes seconds to import; only the pipeline (nlp.py) loads it, on first use
    from spacy.tokens import Span, Token

#: A sentence worth parsing: "you"/"your" among its first words (a cheap test before the parser runs).
_OPENS_WITH_YOU = re.compile(r"^\W*(?:\w+\W+){0,3}?(?:you|your)\b", re.IGNORECASE)
#: A few words before a colon that head a list about the user ("The big ones: your tax return is due …",
#: "Heads up: you're …", "One more thing: for the Forum I booked …"): the parser makes two sentences of it, so
#: the statement is read without them.
_HEADER = re.compile(r"^\W*(?:[\w'’-]+[ \t]+){0,3}[\w'’-]+:[ \t]+(?=(?i:you|your)\b|(?:[\w'’-]+\W+){0,5}?I\b)")
#: A few words before a colon heading a statement about someone ("Harbourside just messaged: Rhys is on a course").
_LEAD = re.compile(r"^\W*(?:[\w'’-]+,?[ \t]+){0,5}[\w'’-]+:[ \t]+")
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+")
#: Marks a sentence parsed again with a verb written as "will …" (:func:`_one_sentence`).
_VERB_WRITTEN = "memvault.verb_written"
#: A year as a token says it ("2024", "the 1500s").
_YEAR = re.compile(r"((?:1[0-9]|2[0-9])[0-9]{2})s?")
_YOU = re.compile(r"\b(?:you|your|yours|yourself)\b", re.IGNORECASE)
#: Auxiliaries that make a sentence advice, a guess or a promise rather than a state of things.
_MODALS = frozenset({"could", "can", "ca", "should", "might", "may", "must", "would", "will", "wo", "'ll", "'d",
                     "shall", "ought", "gonna"})
#: Verbs that with a "to ..." after them say what the user ought to do ("you have to", "you need to").
_OBLIGING = frozenset({"have", "need", "want", "got"})
_PEOPLE_PRONOUNS = frozenset({"he", "she", "his", "her"})
_SWAPPED = {"you": "I", "your": "my", "yours": "mine", "yourself": "myself"}
_AGREEING = {"'re": "'m", "are": "am", "were": "was"}


#: Words a full stop ends without ending the sentence ("Dr. Okafor").
_ABBREVIATIONS = frozenset({"dr", "mr", "mrs", "ms", "st", "prof", "jr", "sr", "mt", "no", "vs", "etc", "approx",
                            "dept", "ave", "rd", "e.g", "i.e"})


def _sentences(text: str) -> list[tuple[int, str]]:
    """``text``'s sentences, each with where it starts; an abbreviation's full stop ends none ("Dr. Okafor")."""
    sentences: list[tuple[int, str]] = []
    at = 0
    for piece in _SENTENCE_END.split(text):
        start = text.index(piece, at)
        at = start + len(piece)
        if sentences and sentences[-1][1].rsplit(None, 1)[-1].rstrip(".").lower() in _ABBREVIATIONS:
            begun = sentences.pop()[0]
            sentences.append((begun, text[begun:at]))
        else:
            sentences.append((start, piece))
    return [(start, piece) for start, piece in sentences if piece and not piece.rstrip().endswith("?")]


def candidates(text: str) -> list[tuple[int, str]]:
    """The sentences of an assistant's ``text`` that may be about the user or an errand done for them
    (:mod:`~memvault.extraction.errands`), each with where it starts, as they are parsed (an errand reported
    without its "I've" with it written in)."""
    return [(start, written) for start, _said, written, _back in _candidates(text)]


def _candidates(text: str) -> list[tuple[int, str, str, Callable[[int], int]]]:
    """:func:`candidates`, each also as said and with what takes a character of it as parsed back to that."""
    found = []
    for start, piece in _sentences(text):
        if (header := _HEADER.match(piece)) is not None:  # "The big ones: your tax return is due …"
            start, piece = start + header.end(), piece[header.end():]
        if (implied := errands.with_unsaid_i(piece)) is not None:
            found.append((start, piece, *implied))
        elif _OPENS_WITH_YOU.match(piece) or errands.OPENS_WITH_I.search(piece):
            found.append((start, piece, piece, _same))
    return found


def _others(text: str) -> list[tuple[int, str]]:
    """The statements of an assistant's ``text``: they may be about someone the user knows ("Maya has a check-up on
    23 April", "Her dentist moved it"), or what someone did for the user ("Rhys signed you off at the 6 May
    session"); a few words heading one before a colon are no part of it ("Harbourside just messaged: Rhys …"), but
    the sentence is also given whole, after it."""
    found = []
    for start, piece in _sentences(text):
        if (lead := _LEAD.match(piece)) is not None:  # ... and as said, for when the rest alone says nothing
            found.append((start + lead.end(), piece[lead.end():]))
        found.append((start, piece))
    return found


def _subject(verb: Token) -> Token | None:
    return next((c for c in verb.children if c.dep_ in SUBJECTS), None)


def _the_user(subject: Token | None) -> bool:
    # "your" may hang on a word before the head ("Your dentist check-up": the parser makes "up" the head and
    # "your" the owner of "dentist").
    return subject is not None and (subject.lower_ == "you" or any(
        c.dep_ == "poss" and c.lower_ == "your" for c in subject.subtree if c.i < subject.i))


def _states(verb: Token) -> bool:
    """Whether ``verb`` (its subject the user) states how things are: no advice, guess or promise (a modal or
    future auxiliary), no obligation ("you have to ..."), and no judgement ("you're in a good position", "your
    thesis is a perfect calling card", "you're clearly still going strong"): what is so now says something only
    with a name, number or date in what follows the verb ("you're on flight TP1351", "your check-up is on 24
    June", "you have an appointment with Dr. Okafor")."""
    if any(c.dep_ in ("aux", "auxpass") and c.lower_ in _MODALS for c in verb.children) and not (
            verb.doc.user_data.get(_VERB_WRITTEN) and [c.lower_ for c in verb.children if c.dep_ == "aux"] == ["will"]):
        return False
    if verb.lemma_ in _OBLIGING and any(c.dep_ == "xcomp" for c in verb.children):
        return False
    if not _present(verb):
        return True  # what the user did or has done ("you cancelled your membership in January")
    said = [t for c in verb.children if c.dep_ not in SUBJECTS for t in c.subtree]  # what it is, not who
    return any(t.pos_ in ("PROPN", "NUM") or t.ent_type_ in ("DATE", "TIME") for t in said)


def _present(verb: Token) -> bool:
    """Whether ``verb`` says how things are now ("you are", "you have", "you're still going", "your car is
    booked"), not what happened ("you cancelled", "you've paid")."""
    aux = [c for c in verb.children if c.dep_ in ("aux", "auxpass")]
    if any(a.lemma_ == "have" or a.tag_ == "VBD" for a in aux):
        return False
    return verb.tag_ in ("VBP", "VBZ") or bool(aux) and verb.tag_ in ("VBG", "VBN")


def _advice_joined(sent: Span) -> set[int]:
    """The words of the clauses joined to ``sent``'s first with "and" or "but" that advise the user rather than
    state ("Your photographer is Ines Duarte, and you still need to choose a florist"), with their "and" and comma:
    the statement before them is read without them."""
    cut: set[int] = set()
    for verb in sent:
        if verb.dep_ == "conj" and verb.pos_ in ("VERB", "AUX") and _the_user(_subject(verb)) and not _states(verb):
            cut |= {t.i for t in verb.subtree} | {c.i for c in verb.head.children if c.dep_ in ("cc", "punct")
                                                  and c.i < verb.left_edge.i}
    return cut


def _about_user(sent: Span, cut: Collection[int] = ()) -> bool:
    """Whether ``sent`` is a plain statement about the user: the subject of its first clause is "you" or "your
    ..." (whichever verb the parser made its head: "You switched to Harbour Mutual, so the Lumen policy will not
    renew"), every verb about the user states something (:func:`_states`), and the assistant never speaks of
    itself."""
    if sent.text.rstrip().endswith("?") or any(t.lower_ in FIRST_PERSON for t in sent):
        return False  # a question, or the assistant speaking of itself ("I've noted ...") or of "us"
    first = next((s for t in sent if t.pos_ in ("VERB", "AUX") and (s := _subject(t)) is not None), None)
    if not _the_user(first):
        return False  # its first clause is about someone or something else ("Many races let you defer your place")
    return all(_states(t) for t in sent if t.pos_ in ("VERB", "AUX") and _the_user(_subject(t)) and t.i not in cut)


def _someone(subject: Token | None, words: Collection[str] = ()) -> bool:
    """Whether ``subject`` is a person or a business by name, a person by pronoun, or something of theirs ("Maya",
    "Halden Legal", "Arjun's swimming gala", "she", "her dentist"): a record-keeping assistant reports what the
    user's dentist, insurer or client did as it reports what their family does ("Halden Legal paid invoice
    2026-004 in full this afternoon")."""
    if subject is None:
        return False
    if words and subject.is_alpha and (subject.pos_ in ("NOUN", "PROPN") and subject.text[:1].isupper()
                                       and subject.lower_ not in words and not subject.is_stop or acronym(subject)) \
            and not any(c.dep_ == "det" for c in subject.children):
        return True  # a name the tagger took for a noun ("Rhys signed you off"), as no English word is; "HR", "IT"
    owner = next((c for c in subject.children if c.dep_ == "poss"), None)
    return subject.lower_ in _PEOPLE_PRONOUNS or subject.pos_ == "PROPN" and subject.ent_type_ in (
        "PERSON", "ORG", "") or (
        owner is not None and (owner.lower_ in _PEOPLE_PRONOUNS or owner.pos_ == "PROPN" and owner.ent_type_ in (
            "PERSON", "ORG", "")))  # the small tagger calls many a first name an organisation ("Arjun's gala")


def people(sent: Span, words: Collection[str] = ()) -> tuple[str, ...]:
    """The names :func:`_about_someone` took ``sent`` to be about (its clauses' subjects or their owners)."""
    found: list[str] = []
    for t in sent:
        subject = _subject(t) if t.pos_ in ("VERB", "AUX") else None
        if _someone(subject, words):
            owner = next((c for c in subject.children if c.dep_ == "poss"), None)
            found += [x.text for x in (subject, owner) if x is not None and (
                x.pos_ == "PROPN" or x.lower_ not in words and x.text[:1].isupper() and x.is_alpha)]
    return tuple(found)


def _about_someone(sent: Span, year: int, things: bool = False, toward_user: bool = False,
                   words: Collection[str] = ()) -> bool:
    """Whether ``sent`` is a plain statement about someone the user knows, dated as a record is: the subject of
    its first clause is a person by name or "he"/"she", or something of theirs (with ``things``, or "the" thing
    on a day: :func:`_thing_on_a_day`), every verb about a person states
    something (:func:`_states`), and it says when, with no year more than one from ``year`` (what was so
    centuries ago, or always, is knowledge, not the household's: "Leonardo painted it in the early 1500s", "He
    also designed flying machines"); the assistant speaks neither of itself nor to the user, but with
    ``toward_user``: what someone did for the user or to their things ("Rhys signed you off at the 6 May session"),
    where that someone may also be one in a role (:func:`_serving`)."""
    if sent.text.rstrip().endswith("?") or any(t.lower_ in FIRST_PERSON or t.lower_ in _SWAPPED and not toward_user
                                               for t in sent):
        return False
    if not _dated(sent) or any(
            (said := _YEAR.fullmatch(t.text)) and abs(int(said.group(1)) - year) > 1 for t in sent):
        return False
    first = next((s for t in sent if t.pos_ in ("VERB", "AUX") and (s := _subject(t)) is not None), None)
    if not _someone(first, words) and not (things and _thing_on_a_day(first)) and not (toward_user and _serving(first)):
        return False  # a general statement ("For Portugal a passport must be valid ..."), or about a thing
    if first.ent_type_ == "ORG" and (first.head.lemma_ == "do" or sum(
            c.dep_ in SUBJECTS for c in first.head.children) > 1):
        return False  # a business does something ("Halden Legal paid …"); "Casa do Largo in Alfama" read as "do"
    return all(_states(t) for t in sent if t.pos_ in ("VERB", "AUX") and _someone(_subject(t), words)
               and not _reason(t))


#: Who acts on a user's affairs by what they are ("the vendor accepted your offer", "the bank refunded you £40").
_SERVING = SERVICE_ROLES | OCCUPATIONS | {"vendor", "seller", "buyer", "agent", "insurer", "bank", "council", "school",
                                          "airline", "garage", "clinic", "surgery", "hospital", "pharmacy", "agency"}


def _serving(subject: Token | None) -> bool:
    """Whether ``subject`` is "the" one in a role or an institution serving the user (:data:`_SERVING`)."""
    return subject is not None and subject.pos_ == "NOUN" and subject.lemma_.lower() in _SERVING and all(
        c.dep_ != "poss" and (c.dep_ != "det" or c.lower_ == "the") for c in subject.children)


def _dated(sent: Span) -> bool:
    """Whether ``sent`` says when: a date or time the tagger found, or a day of a month it missed ("6 May session")."""
    return any(t.ent_type_ in ("DATE", "TIME") or day_number(t.text) and t.i + 1 < sent.end
               and t.nbor().lower_ in MONTHS and t.nbor().text[:1].isupper() for t in sent)


def _thing_on_a_day(subject: Token | None) -> bool:
    """Whether ``subject`` is "the" thing its clause gives a day of the month or a weekday ("The old shed goes to
    the tip on the 20th"): a record of the household's as a person's is, not a date in history or a season."""
    # ("the" may hang on a word before the head: "the summer fair", "summer" read as a date of its own)
    if subject is None or subject.pos_ != "NOUN" or not any(c.dep_ == "det" and c.lower_ == "the"
                                                            for c in subject.subtree if c.i < subject.i):
        return False
    if any(c.dep_ in ("aux", "auxpass", "neg") and (c.lower_ in _MODALS or c.dep_ == "neg")
           for c in subject.head.children):
        return False  # "The hotel might be booked by Friday", "The table isn't booked yet": no record
    return any(t.ent_type_ == "DATE" and (t.lower_ in WEEKDAYS or day_number(t.text)) for t in subject.head.subtree)


_DAY_ASKED = re.compile(r"\b(?:today|tomorrow|tonight|(?:(?:this|next)\s+)?(?:week|weekend)|(?:on\s+|this\s+|next\s+)?"
                        r"(?:" + "|".join(WEEKDAYS) + r"))\b", re.IGNORECASE)


def _day_asked(question: str) -> str | None:
    """The day the user's question asks about ("what have I got on tomorrow?", "anything on Friday?"), as said:
    an answer that names no day of its own is about that one."""
    found = _DAY_ASKED.search(question)
    return None if found is None or found.group().lower() in ("week", "weekend") else found.group()


def _reason(verb: Token) -> bool:
    """Whether ``verb`` heads a clause that only gives a reason ("… moved to 10 June because Dr. Sandhu is away"):
    what it says need not be a record itself."""
    return verb.dep_ == "advcl" and any(c.dep_ == "mark" and c.lower_ in ("because", "since", "as")
                                        for c in verb.children)


def _first_person(t: Token) -> str:
    """``t`` as the user would have said it."""
    word = t.lower_
    if word == "you":
        swapped = "I" if t.dep_ in SUBJECTS else "me"
    elif word in _SWAPPED:
        swapped = _SWAPPED[word]
    elif word in _AGREEING and (subject := _subject(t if t.dep_ not in ("aux", "auxpass") else t.head)) is not None \
            and subject.lower_ == "you":
        swapped = _AGREEING[word]  # "you're" → "I'm", "you were" → "I was"
    else:
        return t.text
    if swapped != "I" and t.text[:1].isupper():
        swapped = swapped[:1].upper() + swapped[1:]
    return swapped


def restated(sent: Span) -> tuple[str, Callable[[int], int]] | None:
    """``sent`` in the first person, and what takes a character of that text back to ``sent``'s own text; or
    ``None`` when the sentence is not a plain statement about the user."""
    cut: Collection[int] = ()
    if not _about_user(sent) and not ((cut := _advice_joined(sent)) and _about_user(sent, cut)):
        return None
    return reparse.reworded(sent, lambda t: None if t.i in cut else _first_person(t))


#: A restated sentence, parsed; where it starts in its turn; what takes a character of it back onto the turn;
#: how long it was as said.
Restated = tuple["Span", int, Callable[[int], int], int]


def _one_sentence(texts: list[str], parse: Callable[[list[str]], list]
                  ) -> list[tuple[Span | None, Callable[[int], int]]]:
    """Each of ``texts`` parsed as one sentence (``None``: the parser made more of it), with what takes a
    character of that sentence back onto the text; one with a verb read as a noun is parsed again with it
    written as a verb (:func:`~memvault.extraction.reparse.verb_read_as_noun`). Two ``parse`` calls at most."""
    out: list[tuple[Span | None, Callable[[int], int]]] = []
    again: dict[int, tuple[str, Callable[[int], int]]] = {}
    for i, doc in enumerate(parse(texts)):
        sents = list(doc.sents)
        out.append((sents[0] if len(sents) == 1 else None, _same))
        verb = reparse.verb_read_as_noun(sents[0]) if len(sents) == 1 else None
        if verb is not None:
            start, end, written = verb
            again[i] = (texts[i][:start] + written + texts[i][end:], reparse.back_from(start, end, written))
    for (i, (_, back)), doc in zip(again.items(), parse([text for text, _ in again.values()]), strict=True):
        sents = list(doc.sents)
        if len(sents) == 1:
            doc.user_data[_VERB_WRITTEN] = True  # its "will" is ours, not the assistant's guess (_states)
            out[i] = (sents[0], back)
    return out


def told(texts: dict[int, str], parse: Callable[[list[str]], list], year: int,
         asked: dict[int, str] | None = None, words: Collection[str] = ()) -> dict[int, list[Restated]]:
    """For each assistant turn of ``texts`` (by index), its sentences about the user restated in the first
    person, parsed: each with where the sentence starts in the turn and what takes a character of the restated
    text back onto the sentence. An assistant that states the user's own facts keeps the user's records: its
    statements about people the user knows are the user's facts too, read as said ("Arjun's swimming gala is on
    Saturday 12 April", :func:`_about_someone`), and so are its short answers to the user's questions about the
    user's things, fragments and clauses about the thing asked (``asked``: the user's question before each turn, by
    the turn's index; :mod:`~memvault.extraction.record_answers`), and what someone did for the user ("Rhys signed you
    off at the 6 May session"; a capitalised subject no English word of ``words`` is someone's name). ``parse``:
    texts → docs (eight calls at most, each one batch)."""
    found = [(index, start, said, written, unsaid)
             for index, turn in texts.items() for start, said, written, unsaid in _candidates(turn)]
    if not found:
        return {}
    restatements: list[tuple[int, int, str, Callable[[int], int], int]] = []
    for (index, start, said, _, unsaid), (sent, fix) in zip(found, _one_sentence([f[3] for f in found], parse),
                                                           strict=True):
        request = errands.requested((asked or {}).get(index)) if start == 0 else None  # "can you book my …?"
        redone = (restated(sent) or errands.restated(sent, request)) if sent is not None else None
        if redone is not None:
            text, back = redone
            if (day := _day_asked((asked or {}).get(index, ""))) and not any(t.ent_type_ == "DATE" for t in sent):
                # "what have I got on tomorrow?" "You have a 1:1 with Priya at 10.": that one is tomorrow's (said
                # first, where it dates the whole sentence, not the last clock time)
                if sent[0].pos_ != "PROPN" and sent[0].text != "I":
                    text = text[:1].lower() + text[1:]  # "At 10 you have …" after the day: "tomorrow at 10 …"
                text, back = f"{day} {text}", lambda j, back=back, lead=len(day) + 1: back(max(0, j - lead))
            restatements.append((index, start, text, lambda j, back=back, fix=fix, unsaid=unsaid: unsaid(fix(back(j))),
                                 len(said)))
    out: dict[int, list[Restated]] = {}
    for (index, start, _, back, length), doc in zip(restatements, parse([r[2] for r in restatements]), strict=True):
        sents = list(doc.sents)
        if len(sents) == 1:
            out.setdefault(index, []).append((sents[0], start, back, length))
    if out:
        things: list[tuple[int, Restated]] = []
        others = [(index, start, text) for index, turn in texts.items() for start, text in _others(turn)]
        toward: list[tuple[int, int, str, Callable[[int], int], int]] = []
        taken: dict[int, list[tuple[int, int]]] = {}  # what this loop read, by turn: (start, length)
        for (index, start, said), (sent, fix) in zip(others, _one_sentence([t for _, _, t in others], parse),
                                                     strict=True):
            # A sentence read already (a statement about the user, an errand) keeps that reading; an answer's "it"
            # is the thing asked about (:func:`_answers`).
            read = [(s[1], s[3]) for s in out.get(index, [])] + taken.get(index, [])
            if sent is None or any(at < start + len(said) and start < at + n for at, n in read) or (
                    start == 0 and index in (asked or {}) and any(c.dep_ == "dobj" and c.lower_ == "it"
                                                                 for c in sent.root.children)):
                continue
            if _YOU.search(said):
                # Someone's doing for the user ("Rhys signed you off …"): read as the user would say it.
                if _about_someone(sent, year, toward_user=True, words=words):
                    text, back = reparse.reworded(sent, _first_person)
                    toward.append((index, start, text, lambda j, back=back, fix=fix: fix(back(j)), len(said)))
                else:
                    continue
            elif _about_someone(sent, year, words=words):
                out.setdefault(index, []).append((sent, start, fix, len(said)))
            elif _about_someone(sent, year, things=True, words=words):
                things.append((index, (sent, start, fix, len(said))))
            else:
                continue
            taken.setdefault(index, []).append((start, len(said)))
        for (index, start, _, back, length), doc in zip(toward, parse([t[2] for t in toward]) if toward else (),
                                                        strict=True):
            if len(sents := list(doc.sents)) == 1:
                out.setdefault(index, []).append((sents[0], start, back, length))
        for index, restatements in _answers(texts, asked or {}, parse).items():
            for restatement in restatements:  # a sentence read already keeps its reading
                if all(s[1] != restatement[1] for s in out.get(index, [])):
                    out.setdefault(index, []).append(restatement)
        for index, thing in things:  # ... as an answer's or an errand's reading does ("Noor's ferry is booked …")
            if all(s[1] != thing[1] for s in out.get(index, [])):
                out.setdefault(index, []).append(thing)
    return {index: sorted(sents, key=lambda s: s[1]) for index, sents in out.items()}


def _answers(texts: dict[int, str], asked: dict[int, str], parse: Callable[[list[str]], list]
             ) -> dict[int, list[Restated]]:
    """Each answered turn's first sentence restated with the user's question before it, and each later one whose
    subject is "it" or "they", the thing asked about still ("The surgery approved it this morning. It's ready to
    collect from Boots after 2pm."), parsed (two calls)."""
    found = [(index, *sentences[0]) for index, turn in texts.items()
             if index in asked and (sentences := _sentences(turn)) and sentences[0][0] == 0]
    found += [(index, start, said) for index, *_ in found for start, said in _sentences(texts[index])[1:]
              if _TAKEN_UP.match(said)]
    if not found:
        return {}
    questions = dict(zip(asked, parse(list(asked.values())), strict=True))
    restatements = []
    for (index, start, said), doc in zip(found, parse([said for _, _, said in found]), strict=True):
        question = list(questions[index].sents)[-1]
        answer = list(doc.sents)
        made = record_answers.restated(question, answer[0]) if len(answer) == 1 and start == 0 else None
        clause = made is None and len(answer) == 1
        if clause:  # an answer with a clause of its own, its subject or its object the thing asked about
            made = record_answers.referred(question, answer[0]) or (
                record_answers.referred_object(question, answer[0]) if start == 0 else None)
        if made is not None:
            text, at = made
            back = at if callable(at) else lambda j, at=at, n=len(said): max(0, min(n, j - at))
            restatements.append((index, start, text, back, len(said), clause))
    out: dict[int, list[Restated]] = {}
    for (index, start, _, back, length, clause), doc in zip(restatements, parse([r[2] for r in restatements]),
                                                            strict=True):
        sents = list(doc.sents)
        # An answer's own clause, said of the user's thing, counts only if it states how things are: "My parcel
        # might come on Monday" is a guess (:func:`_states`).
        if len(sents) == 1 and (not clause or _states(sents[0].root)):
            out.setdefault(index, []).append((sents[0], start, back, length))
    return out


#: A later sentence of an answer that opens with the pronoun standing for the thing asked about.
_TAKEN_UP = re.compile(r"^\W*(?:It|it|They|they)\b")


def _same(j: int) -> int:
    return j
