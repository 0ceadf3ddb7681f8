"""The dates of one clause: which words are a date, what day or month they mean, and the words a fact says them in.

"I booked a week in the Dolomites for August", said in May 2025, becomes "… for August 2025"; "every December" is
a habit, not a date; "a 2015 Toyota Corolla" names a car. The facts keep the clause's other words
(:mod:`memvault.extraction.facts`).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from memvault.extraction import dates
from memvault.extraction.clause import Clause, subject_of
from memvault.extraction.dates import Tense

if TYPE_CHECKING:  # spaCy takes seconds to import; only the pipeline (nlp.py) loads it, on first use
    from spacy.tokens import Doc, Span, Token

_PREPOSITIONS = frozenset({"since", "until", "till", "before", "after", "by", "on", "in", "at", "during", "from",
                           "to"})
#: Prepositions before "the 14th" that make it a day of the month.
_DAY_PREPOSITIONS = frozenset({"on", "for", "by", "until", "till", "from", "to", "since", "before", "after"})
#: Adverbs that make a clause's weekdays a weekly habit rather than one day.
_HABITUAL = frozenset({"usually", "always", "often", "normally", "generally", "typically", "sometimes",
                       "regularly", "mostly"})
#: What comes back on the same day each year: its day and month said without a year are every year's ("my birthday
#: is on 3 May" is not the 3 May to come alone).
_ANNUAL = frozenset({"birthday", "anniversary", "nameday"})
#: Parts of a day said in the plural: after a weekday, a weekly habit ("Tuesday evenings").
_DAY_PARTS = frozenset({"mornings", "afternoons", "evenings", "nights"})
#: Auxiliaries that put a clause in the future.
_FUTURE_MARKERS = frozenset({"will", "'ll", "shall", "gonna"})
#: Verbs whose "for <date>" is when what was arranged takes place, whatever the verb's own tense.
_ARRANGED = frozenset({"book", "reserve", "schedule", "plan", "arrange", "order", "set", "sign", "register", "enter",
                       "enrol", "enroll", "confirm"})
#: A time that names its day ("tonight", "this morning", "last night"): said in a chat, the day it was said.
_DAY_PART = re.compile(r"\b(?:tonight|today|tomorrow|yesterday|(?:this|last) (?:morning|afternoon|evening|night))\b",
                       re.IGNORECASE)
#: Verbs whose "to <date>" is the new date of what was moved, whatever the verb's own tense.
_MOVED = frozenset({"move", "postpone", "reschedule", "push", "change", "delay", "bring", "shift", "slip"})


def _of_thing_arranged(preposition: Token) -> bool:
    """Whether the date after ``preposition`` is that of a thing booked or moved to rather than of the booking:
    it hangs on that thing ("booked the 9:15 train on Friday"), or follows where it was moved to ("moved you to
    the 14:10 flight on 20 February")."""
    head = preposition.head
    verb = head if head.pos_ in ("VERB", "AUX") else next((t for t in head.ancestors if t.pos_ in ("VERB", "AUX")),
                                                           None)
    if verb is None or verb.lemma_ not in _ARRANGED | _MOVED:
        return False
    # Moved to a thing, not to a place: "moved from Leeds to Bristol in January" is a move made in January.
    return head is not verb or any(c.lower_ in ("to", "for") and c.i < preposition.i and any(
        o.dep_ == "pobj" and o.pos_ == "NOUN" for o in c.children) for c in verb.children)


def _entities_starting_in(clause: Clause, doc: Doc) -> Iterator[tuple[str, Span]]:
    """``(label, span)`` of each entity that starts among ``clause``'s tokens, read from the tokens themselves:
    ``doc.ents`` builds every entity of the whole turn, and one clause at a time made a long turn quadratic."""
    for t in clause.tokens:
        if t.ent_iob_ == "O" and dates.ORDINAL_DAY.fullmatch(t.text):
            yield "ORDINAL", doc[t.i:t.i + 1]  # "on the 17th" the tagger left untyped
        if t.ent_type_ not in ("DATE", "PERSON") and t.text[:1].isupper() and t.lower_ in dates.MONTH_WORDS \
                and t.i > 0 and doc[t.i - 1].lower_ in dates.BEFORE_MONTH and (
                    t.i + 1 == len(doc) or t.nbor().tag_ != "POS"):  # (not "one of May's friends")
            yield "DATE", doc[t.i - 1 if doc[t.i - 1].lower_ in ("next", "this", "last") else t.i:t.i + 1]
            continue  # "moving back to Krakow in Feb": a month the tagger left untyped
        if t.lower_ in _DAYS_NAMED and t.ent_type_ not in ("DATE", "TIME"):
            yield "DATE", doc[t.i:t.i + 1]  # "at Atkins today": the tagger ran the day into a place's name
            continue
        if dates.short_weekday(t):  # "on Fri", "next tues": the tagger left it untyped or took it for a name
            yield "DATE", doc[t.i - 1 if doc[t.i - 1].lower_ in ("next", "this", "last") else t.i:t.i + 1]
            continue  # (what the tagger had is read with it: "thurs morning" a time)
        if t.ent_type_ not in ("DATE", "EVENT") and (named := _holiday_at(t)) is not None:
            yield "EVENT", named  # "Gran turns 90 on Boxing Day, we're …": the tagger saw no day in it
            continue
        if t.ent_type_ == "CARDINAL" and t.ent_iob_ == "B" and dates.day_number(t.text) and t.i + 1 < len(doc) \
                and doc[t.i + 1].text in _MONTH_NAMES and doc[t.i + 1].ent_iob_ == "O":
            yield "DATE", doc[t.i:t.i + 2]  # "setting off 17 May": the tagger called the day a number, the month nothing
            continue
        if t.ent_iob_ == "B":
            end = t.i + 1
            while end < len(doc) and doc[end].ent_iob_ == "I":
                end += 1
            yield t.ent_type_, doc[t.i:end]


def _dated_word(t: Token) -> bool:
    """Whether ``t`` can go on a date after a comma: a month, a weekday, a day of the month or a year."""
    return t.lower_ in dates.MONTHS or t.lower_ in dates.WEEKDAYS or dates.day_number(t.text) \
        or dates.YEAR.fullmatch(t.text) is not None


def _holiday_at(t: Token) -> Span | None:
    """The holiday whose name starts at ``t`` ("Boxing Day", "New Year's Eve"), or ``None``."""
    if t.lower_.replace("'", "") not in _HOLIDAY_FIRST_WORDS:
        return None
    return next((t.doc[t.i:end] for end in range(min(t.i + 4, len(t.doc)), t.i, -1)
                 if dates.holiday(t.doc[t.i:end].text) is not None), None)


_HOLIDAY_FIRST_WORDS = frozenset(key.split()[0] for key in dates.HOLIDAYS) | {"valentine"}


def _date_core(ent: Span, doc: Doc) -> Span:
    """``ent`` without a name the parser ran into it ("Manchester two weeks ago"), with the day of the month
    before it, and with the "ago" or "from now" that follows it ("two weeks" + "from now")."""
    while len(ent) > 1 and ent[0].pos_ == "PROPN" and ent[0].lower_ not in dates.WEEKDAYS \
            and ent[0].lower_ not in dates.MONTHS and dates.holiday(ent.text) is None:
        ent = ent[1:]
    if after := _month_after(ent, doc):
        return doc[ent.start:ent.end + after]
    if (ent[-1].lower_ in dates.WEEKDAYS or ent[-1].lower_ in dates.WEEKDAYS_SHORT) and ent.end < len(doc) \
            and doc[ent.end].lower_ in dates.DAY_PARTS:
        # "booked for Thursday morning", "free next thursday afternoon": the part of the day, and the "next" the
        # tagger left out, are the date's
        start = ent.start - (ent.start > 0 and doc[ent.start - 1].lower_ in ("next", "this", "last"))
        return doc[start:ent.end + 1]
    if len(ent) == 1 and ent[0].lower_ in dates.WEEKDAYS:
        comma = ent.end < len(doc) and doc[ent.end].text == ","  # "on Friday, 3 March"
        if ent.end + 1 + comma < len(doc) and dates.day_number(doc[ent.end + comma].text) \
                and doc[ent.end + 1 + comma].lower_ in dates.MONTHS:
            return doc[ent.start:ent.end + 2 + comma]  # "to Thursday 24 September": the tagger's date ended there
    after = next((t.i for t in ent[1:] if t.lower_ in ("after", "before")), None)
    if after is not None and (ent[0].lower_ in dates.WEEKDAYS or ent[0].lower_ in _DAYS_NAMED):
        ent = doc[ent.start:after]  # "on tuesday after three weeks of cold showers": the day, not a sum
    hyphen = ent.start > 1 and doc[ent.start - 1].text == "-"
    if ent.start > hyphen and doc[ent.start - 1 - hyphen].lower_ in ("early", "mid", "late") \
            and ent[0].lower_ in dates.MONTHS:
        ent = doc[ent.start - 1 - hyphen:ent.end]  # "booked for mid-June": the part of the month is the date's
    day = doc[ent.start - 1] if ent.start > 0 else None
    if day is not None and day.text.isdigit() and 1 <= int(day.text) <= 31 and ent[0].lower_ in dates.MONTHS:
        ent = doc[day.i:ent.end]  # "to 10 February": the tagger may call the day a number of its own
    end = ent.end
    if end < len(doc) and doc[end].lower_ == "ago" or doc[end - 1].lower_ == "ago":
        end += doc[end - 1].lower_ != "ago"
        # "two weeks ago yesterday": one day, counted from the day named after it
        return doc[ent.start:end + (end < len(doc) and doc[end].lower_ in _DAYS_NAMED)]
    if end + 1 < len(doc) and doc[end].lower_ == "from" and doc[end + 1].lower_ == "now":
        return doc[ent.start:end + 2]
    if ent.start > 0 and doc[ent.start - 1].lower_ == "in" and len(ent) == 2 and ent[1].lower_.rstrip("s") in (
            "day", "week", "month") and (ent[0].like_num or ent[0].lower_ in ("a", "an")):
        return doc[ent.start - 1:ent.end]  # "in two weeks": as far from now (dates.py reads whether it is a date)
    if end + 1 < len(doc) and doc[end].lower_ in ("next", "last") and doc[end + 1].lower_ == "year" and any(
            t.lower_ in dates.MONTHS for t in ent):
        return doc[ent.start:end + 2]  # "March 31st next year": the tagger's two dates are one
    return ent


def _taken_off(ent: Span, doc: Doc) -> bool:
    """Whether ``ent`` is a time taken off, the "off" after it or after the dates joined to it ("took monday and
    tuesday off")."""
    k = ent.end
    while k < len(doc) and (doc[k].lower_ in ("and", "or", ",") or doc[k].ent_type_ == "DATE"):
        k += 1
    return k < len(doc) and doc[k].lower_ == "off"


#: Months as a date writes them, capitalised ("may" in lower case is a verb).
_MONTH_NAMES = frozenset(name for name in (*calendar.month_name, *calendar.month_abbr) if name) | {"Sept"}
#: Days named by a word, from which "two weeks ago" may count ("two weeks ago yesterday").
_DAYS_NAMED = frozenset({"yesterday", "today", "tomorrow"})


def _month_after(ent: Span, doc: Doc) -> int:
    """How many words after ``ent`` (one token, an ordinal) say its month: 2 for "of" and the month ("the 19th of
    july", which the tagger leaves a bare ordinal after a word such as "around"), 1 for the month alone ("on 13th
    sept", the month untyped), else 0."""
    if len(ent) != 1 or dates.ORDINAL_DAY.fullmatch(ent.text) is None or ent.end >= len(doc):
        return 0
    if doc[ent.end].lower_.rstrip(".") in dates.MONTH_WORDS:
        return 1
    return 2 if ent.end + 1 < len(doc) and doc[ent.end].lower_ == "of" and doc[ent.end + 1].lower_ in dates.MONTHS \
        else 0


def _tense_below(ent: Span, root: Token) -> Tense | None:
    """The tense of the verb ``ent`` belongs to when that verb is below the clause's own, ``None`` otherwise: "Brisa
    still owes invoice 2025-031, which was due on 30 December" (the December gone, whatever "owes" says), "fergus
    got the job, starts in april" (the April to come, whatever "got" says)."""
    verb = ent.root.head
    if verb.lower_ == "due" and verb.dep_ == "amod":
        return Tense.PRESENT  # "switched supplier last week, first bill due 3 October": what is due, said bare
    while verb.pos_ not in ("VERB", "AUX") and verb.head.i != verb.i:
        verb = verb.head
    while verb.tag_ == "VB" and verb.dep_ in ("ccomp", "xcomp") and verb.head.i != root.i and not any(
            c.dep_ in ("aux", "auxpass") for c in verb.children):
        verb = verb.head  # "… I'd help him move flat on saturday": the tense is the helping's
    if verb.tag_ == "VBN" and verb.dep_ == "acl" and verb.i != root.i and not any(
            c.dep_ in ("aux", "auxpass") for c in verb.children):
        return Tense.PAST  # "deposit of £1,200 paid on 3 November": what was done to it, whatever "is" says
    if verb.i == root.i or verb.pos_ not in ("VERB", "AUX") or verb.dep_ not in ("relcl", "advcl", "ccomp", "conj"):
        return None
    aux = [c for c in verb.children if c.dep_ in ("aux", "auxpass")]
    if any(a.lower_ in ("would", "'d") and a.tag_ == "MD" for a in aux) and verb.dep_ == "ccomp":
        return Tense.FUTURE  # "I promised Jonah I'd help him on saturday": the Saturday to come
    if verb.tag_ == "VBD" or any(a.tag_ == "VBD" for a in aux):
        return Tense.PAST
    if verb.tag_ in ("VBZ", "VBP") or any(a.tag_ == "MD" and a.lower_ in ("will", "'ll") for a in aux):
        return Tense.PRESENT
    if verb.tag_ == "VB" and not aux and verb.dep_ == "conj" and not any(
            c.dep_ in ("nsubj", "nsubjpass") for c in verb.children):
        return Tense.FUTURE  # "entered the ballot, find out in december": what is still to come, its "will" unsaid
    if verb.tag_ == "VBG" and not aux and verb.lemma_ in _SETTING_OUT and not any(
            c.dep_ in ("nsubj", "nsubjpass") for c in verb.children):
        return Tense.FUTURE  # "found a flat in Ancoats, moving on the 2nd": the move to come, said bare
    return None


#: Verbs of a start, said bare in "-ing" after what made it possible ("got the job, starting in april").
_SETTING_OUT = frozenset({"move", "start", "begin", "relocate"})


def tense_of(root: Token) -> Tense:
    """The tense of the clause whose verb is ``root``: what its dates without a year lean to."""
    aux = [c for c in root.children if c.dep_ in ("aux", "auxpass")]
    if any(a.lower_ in _FUTURE_MARKERS for a in aux):
        return Tense.FUTURE
    if root.lemma_ == "go" and root.tag_ == "VBG" and any(c.dep_ == "xcomp" for c in root.children):
        return Tense.FUTURE
    if root.lower_ == "got" and root.i > 0 and root.doc[root.i - 1].lower_ in ("'s", "’s", "'ve", "’ve"):
        return Tense.PRESENT  # "Leo's got a dentist appointment on thursday": has, the Thursday to come
    if root.tag_ == "VBD" or any(a.tag_ == "VBD" for a in aux):
        return Tense.PAST
    if root.tag_ == "VBG" and any(a.lemma_ == "be" for a in aux) and not any(a.lower_ == "been" for a in aux):
        return Tense.FUTURE  # "I'm flying to Lisbon on May 10": a plan, when it carries a date
    return Tense.PRESENT


def _part_of_code(ent: Span, doc: Doc) -> bool:
    """Whether ``ent`` is joined by a hyphen, with no space, to a number or code after or before it ("2026-004"; not
    a year's: "2019-2021" is a span of years)."""
    after = doc[ent.end:ent.end + 2] if ent.end + 1 < len(doc) else None
    before = doc[ent.start - 2:ent.start] if ent.start >= 2 else None
    return after is not None and after[0].text == "-" and not ent[-1].whitespace_ and not after[0].whitespace_ \
        and after[1].text[:1].isalnum() and not dates.YEAR.fullmatch(after[1].text) or before is not None \
        and before[1].text == "-" and not before[0].whitespace_ and not before[1].whitespace_ \
        and before[0].text[:1].isalnum() and not dates.YEAR.fullmatch(before[0].text)


def _model_year(ent: Span, doc: Doc) -> bool:
    """Whether ``ent`` is a year alone set off by commas after the name of a thing ("a red Specialized Allez, 2019,
    280 quid"): what it was made in, as a listing says it."""
    before = doc[ent.start - 2:ent.start] if ent.start >= 2 else None
    return len(ent) == 1 and dates.YEAR.fullmatch(ent.text) is not None and before is not None \
        and before[1].text == "," and before[0].pos_ in ("NOUN", "PROPN") and before[0].ent_type_ not in (
            "DATE", "GPE", "LOC") and (ent.end == len(doc) or doc[ent.end].text in (",", ".", ";"))


def _names_a_day(ent: Span, doc: Doc) -> bool:
    """Whether an ordinal is a day of the month: "on the 14th", "for the 21st", "around the 19th of july" (not
    "the 3rd time", "came 2nd")."""
    if _month_after(ent, doc):
        return True
    before = doc[ent.start - 2:ent.start] if ent.start >= 2 else None
    after = doc[ent.end] if ent.end < len(doc) else None
    # ... or what something "is" ("it's the 14th not the 12th"), not "the 2nd time", "the 3rd biggest"
    return len(ent) == 1 and before is not None and before[1].lower_ == "the" and (
        before[0].lower_ in _DAY_PREPOSITIONS or before[0].lemma_ == "be" and ent.root.dep_ == "attr") and (
        after is None or after.pos_ not in ("NOUN", "PROPN", "ADJ"))


def _day_and_month(ent: Span) -> bool:
    """Whether ``ent`` names a day of a month and no year ("3 May", "May 3rd", "the 3rd of May")."""
    words = ent.text.lower().replace(",", " ").replace(".", " ").split()
    return any(w in dates.MONTHS for w in words) and any(dates.day_number(w) for w in words) \
        and not any(dates.YEAR.fullmatch(w) for w in words)


def _told_by_another(ent: Span, doc: Doc) -> bool:
    """Whether ``ent`` is a weekday told by another day or event ("the Friday before the wedding", "the Saturday
    after her exams", "the Monday of the conference week"): not the coming one, and kept as said."""
    return ent.text.lower() in dates.WEEKDAYS and ent.start > 0 and doc[ent.start - 1].lower_ == "the" \
        and ent.end < len(doc) and doc[ent.end].lower_ in ("before", "after", "of")


def read(clause: Clause, doc: Doc, now: dt.datetime, tense: Tense, month: int | None = None
         ) -> tuple[dict[int, str], dates.ResolvedDate | None, bool, bool]:
    """(token replacements, the event date, whether a recurring time was seen, whether the date follows "since");
    ``month``: the month the talk is about, for "the 14th" said alone."""
    replacements: dict[int, str] = {}
    event: dates.ResolvedDate | None = None
    recurring = since = False
    subject = subject_of(clause.root)
    annual = subject is not None and subject.lemma_.lower() in _ANNUAL
    # "tuesday and thursday evenings": weekdays before a part of the day in the plural are every week's.
    habitual = any(t.lower_ in _HABITUAL or t.i > 0 and (t.lower_ in _DAY_PARTS and doc[t.i - 1].lower_ in
                   dates.WEEKDAYS or t.lower_ == "usual" and doc[t.i - 1].lower_ == "as") for t in clause.tokens)
    read_to = 0  # the end of the last date read: an entity inside it was read with it ("… ago yesterday")
    arranged = False  # a date of what was booked was read: the dates after it are of that too
    for label, ent in _entities_starting_in(clause, doc):
        if ent.start < read_to:
            continue
        if label == "ORDINAL" and (not _names_a_day(ent, doc) or annual and month is None):
            continue  # (a birthday "on the 14th" of no month the talk is about: the 14th of when)
        if label not in ("DATE", "TIME", "ORDINAL") and not (label == "EVENT" and dates.holiday(ent.text)):
            continue  # (the tagger calls "New Year's Day" an event)
        cut = next((t.i + 1 for t in ent[:-1] if t.text.endswith(".") and t.lower_.rstrip(".") in dates.MONTHS), None)
        # ... and a comma before what is no part of a date ("since the 1st, day 30 today"; not "Friday, 3 March")
        cut = cut or next((t.i for t in ent[1:-1] if t.text == "," and not _dated_word(doc[t.i + 1])), None)
        ent = ent if cut is None else doc[ent.start:cut]  # "22 Feb. 11 kids": the month's full stop ends the date
        if ent.root.dep_ in ("nummod", "compound", "amod", "poss") and ent.root.head.pos_ in ("NOUN", "PROPN") \
                and not _day_and_month(ent) and ent.root.head.lower_ not in dates.DAY_PARTS:
            continue  # part of a name: "a 2015 Toyota Corolla", "an annual pass"
        if _part_of_code(ent, doc):
            continue  # "invoice 2026-004", "ref 2025-031": a number written with a year in it
        if _model_year(ent, doc):
            continue  # "a used Fiat Panda, 2020, red": the car's year, not when it was bought
        lead = next((k for k, x in enumerate(ent) if k and x.lower_ in ("next", "last", "this")), 0)
        if lead and not any(x.lower_ in dates.MONTHS or x.lower_ in dates.WEEKDAYS or x.pos_ == "DET"
                            for x in ent[:lead]):
            ent = ent[lead:]  # "turning 60 next week", "upped to 75mcg last month": the amount is no part of the date
        ent = _date_core(ent, doc)
        if _told_by_another(ent, doc):
            continue
        if habitual and (ent.text.lower() in dates.WEEKDAYS or dates.ORDINAL_DAY.fullmatch(
                ent.text.lower().removeprefix("the "))):
            # "I usually run on Tuesday and Thursday evenings", "the direct debit goes out on the 1st as usual":
            # every week's or month's, no one date
            recurring = True
            continue
        # "missed the 14 March deadline", "at the 6 May session": a date said of the noun after it keeps its "the"
        # and takes no "on" of its own
        head = ent.root.head
        attributive = ent.root.dep_ in ("compound", "nmod", "amod", "nummod") and head.pos_ == "NOUN" \
            and head.i >= ent.end and _day_and_month(ent) and not doc[ent.end - 1].text.endswith(".") and all(
                doc[k].dep_ in ("compound", "amod") and doc[k].head.i == head.i for k in range(ent.end, head.i))
        if attributive and ent[0].lower_ == "the":
            ent = ent[1:]
        before = doc[ent.start - 1] if ent.start > 0 else None
        if not attributive and before is not None and before.lower_ == "the" and before.i > 0 and (
                doc[before.i - 1].pos_ == "ADP" or doc[before.i - 1].lower_ in _PREPOSITIONS
                or label == "ORDINAL" and doc[before.i - 1].lemma_ == "be"):
            # "on the Thursday" → "on Thursday 30 April", not "on the on ..."; "it's the 14th" → "it's on 14 May"
            replacements[before.i] = ""
            before = doc[before.i - 1]
        # A verb's particle is no preposition: "put the deposit down yesterday" → "down on 1 October"
        preposition = before is not None and before.dep_ != "prt" and (before.pos_ == "ADP" or before.lower_ in
                                                                       _PREPOSITIONS) and not (
            before.lower_ == "in" and ent.text.lower() in _DAYS_NAMED) or (  # "handed my notice in today": a particle
            _taken_off(ent, doc)) or attributive  # "taken next week off", "took monday and tuesday off": said bare
        if before is not None and before.lower_ in ("every", "each") or annual and _day_and_month(ent):
            recurring = True  # "every December", "each Sunday"; "my birthday is on 3 May", every year
            continue
        below = _tense_below(ent, clause.root)
        hint = Tense.PAST if before is not None and before.lower_ == "since" else below if below is not None else \
            Tense.PAST if tense is Tense.PAST else tense
        if before is not None and before.lower_ in ("for", "from") and (clause.root.lemma_ in _ARRANGED
                                                                       or before.head.lemma_ in _ARRANGED) \
                or arranged and below is None:
            # "I booked a week in the Dolomites for August", "we got a cottage booked for …", "confirmed a carer
            # from 4 July"; and the dates said after it ("booked the bunkhouse for the Friday and Saturday night,
            # 21st and 22nd")
            hint, arranged = Tense.FUTURE, below is None
        if before is not None and before.lower_ == "now" and hint is Tense.PAST:
            hint = Tense.PRESENT  # "the demo slipped again, now 16 May": where it stands now, not a May gone
        if before is not None and before.lower_ == "to" and clause.root.lemma_ in _MOVED:
            hint = Tense.FUTURE  # "the dentist moved the check-up to 30 April": the April to come
        if clause.root.lemma_ in _ARRANGED and ent.root.head.tag_ == "VBG" and ent.root.head.dep_ in ("advcl", "acl") \
                and ent.root.head.head.i == clause.root.i:
            hint = Tense.FUTURE  # "booked the bike trip, setting off 17 May": when what was booked sets off
        if clause.root.lemma_ in _ARRANGED and ent.root.dep_ in ("appos", "npadvmod") and ent.start > 0 \
                and doc[ent.start - 1].text == "," and any(c.dep_ == "dobj" and c.i < ent.start for c in (
                    ent.root.head.head if ent.root.head.dep_ == "dobj" else ent.root.head).children):
            hint = Tense.FUTURE  # "I finally booked my driving test, 14 jan at 9.40": the test's day
        if clause.root.lemma_ in _ARRANGED and _taken_off(ent, doc):
            hint = Tense.FUTURE  # "I booked Friday off": the Friday to come
        if before is not None and before.pos_ == "ADP" and _of_thing_arranged(before):
            hint = Tense.FUTURE  # "moved you to the 14:10 flight on 20 February": that flight's date, to come
        resolved = dates.resolve(ent.text, now, hint, month)
        if event is not None and before is not None and before.lower_ in ("to", "till", "until", "-", "through"):
            resolved = dates.weekday_after(resolved, event)  # "from Monday to Thursday": the Thursday after it
        if resolved.recurring:
            recurring = True
            continue
        if resolved.words is None or label == "TIME" and not _DAY_PART.search(ent.text):
            continue  # "at 8:30", "two hours": a time of day or a length, no date; "tonight" is today's date
        replacements[ent.start] = dates.phrase_for(resolved, preposition)
        replacements.update({i: "" for i in range(ent.start + 1, ent.end)})
        read_to = ent.end
        if event is None:
            event = resolved
            since = before is not None and before.lower_ == "since"
    return replacements, event, recurring, since
