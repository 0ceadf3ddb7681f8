"""Names written in lower case, as much chat is ("dev flew to zurich on tuesday", "did uncle rob ring you",
"isla's christening"), given their capitals before a turn is read.

The small English pipeline learned names from edited text: "uncle rob ring you" parses as a noun "ring", "kirsty"
is an organisation and "dev" a noun, so a later "he" or "she" reaches back to whoever was last named with a capital
(on a tuning chat written in lower case, about one fact in three named the wrong person). In a turn whose writer
does not capitalise (no word of it has a capital but where a sentence opens), each lower-case word is capitalised
that no English word list knows (the pipeline's WordNet index, every part of speech, and its stop list; chat's own
shorthand such as "lol" or "tbh" is no name either) and that stands where a person's name can (a subject, an
owner, a name beside another, "with …"), with the first name before it ("eleri vaughan": WordNet knows many
surnames); so is a name after a family title said without "my", with its title ("uncle rob" → "Uncle Rob"), and
after one said with it when the name does something ("her uncle owen says hi", not "my uncle rang"). The turn is
then parsed again with those capitals; the text keeps its length, so every offset stays the turn's own, and a fact
quotes the turn as said (:func:`as_said`). Entities are read from the same capitals
(:mod:`memvault.extraction.entities`): a lower-case chat's people are people there too.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING

from memvault.extraction.dates import BEFORE_MONTH, BEFORE_WEEKDAY, HOLIDAYS, MONTH_WORDS, short_weekday

if TYPE_CHECKING:  # spaCy takes seconds to import; only the pipeline (nlp.py) loads it, on first use
    from spacy.tokens import Doc, Span, Token

#: A doc parsed with capitals written in keeps the text as said here (its ``user_data``).
SAID = "memvault.said"

#: Family and courtesy titles said before a first name ("uncle rob", "auntie jo", "dr okafor").
TITLES = frozenset({"uncle", "aunt", "auntie", "aunty", "cousin", "grandma", "grandpa", "gran", "granny", "grandad",
                    "nan", "nana", "nanna", "dr", "mr", "mrs", "ms", "miss", "prof"})
#: Chat's shorthand and spellings that no word list holds and that are no names.
SHORTHAND = frozenset({"lol", "lmao", "omg", "tbh", "ngl", "imo", "imho", "btw", "fyi", "idk", "irl", "asap", "rsvp",
                       "gonna", "wanna", "gotta", "kinda", "sorta", "dunno", "lemme", "gimme", "innit", "aint",
                       "yeah", "yep", "yup", "nah", "nope", "haha", "hahaha", "hehe", "hmm", "hmmm", "ugh", "aww",
                       "ooh", "oof", "yay", "whoa", "wow", "cos", "coz", "cuz", "tho", "thx", "pls", "plz", "ppl",
                       "msg", "okay", "ok", "etc", "vs", "xmas", "mins", "hrs", "tmrw", "tmr", "tonite", "ffs",
                       "jk", "smh", "wtf", "bday", "uni", "telly", "footy", "brekkie", "arvo", "selfie", "emoji"})
#: Where a person's name stands in a parse of lower-case text (the tagger calls it anything there): someone doing
#: something, someone's something, someone named beside another; with someone.
_NAME_ROLES = frozenset({"nsubj", "nsubjpass", "poss", "appos"})
#: Words before a family title that make it a relation, not part of a name ("my uncle", "the aunt").
_OWNERS = frozenset({"my", "your", "his", "her", "our", "their", "the", "a"})


def writes_lower_case(doc: Doc) -> bool:
    """Whether ``doc``'s writer leaves out capitals: no word of it has one but where a sentence opens, "I" and
    words written all in capitals ("OWEN. amazing"); a turn that writes "Maya" or "NHS app" names its own."""
    return not any(t.text[:1].isupper() and not t.is_sent_start and t.lower_ not in ("i", "i'm", "i've", "i'd", "i'll")
                   and not t.text.isupper() for t in doc if t.is_alpha) and any(t.text.islower() for t in doc)


#: Endings of a known word's forms ("towing", "bookings", "rescheduled"), with what restores its stem.
_ENDINGS = (("ing", ("", "e")), ("ed", ("", "e")), ("es", ("", "e")), ("s", ("",)), ("er", ("", "e")))


def _known(word: str, words: Collection[str]) -> bool:
    return word in words or any(word.endswith(end) and len(word) > len(end) + 2 and word[:-len(end)] + tail in words
                                for end, tails in _ENDINGS for tail in tails)


def _unknown(t: Token, words: Collection[str]) -> bool:
    """A word no list knows, with no determiner or owner before it ("the physio", "my flatshare" are things)."""
    return not _known(t.lower_, words) and t.lemma_.lower() not in words and not t.is_stop \
        and t.lower_ not in SHORTHAND and len(t.text) >= 3 and not any(c.dep_ in ("det", "poss") for c in t.children)


#: What a word the chat knows as a name is not where it stands as one ("will", "may" are stop words anyway).
_NOT_NAMES = frozenset({"VERB", "AUX", "ADP", "DET", "PRON", "CCONJ", "SCONJ", "PART", "NUM", "PUNCT"})


def names(doc: Doc, words: Collection[str], known: Collection[str] = ()) -> list[int]:
    """The character offsets in ``doc`` of the lower-case words that are names (module docstring); ``known``: names
    the conversation or its namespace already gave someone, in lower case ("dev"), a name wherever they stand as
    one ("in other news dev got the offer", where the parser took "dev" for the object of "in")."""
    if not writes_lower_case(doc):
        return []
    out = []
    for t in doc:
        if not (t.is_alpha and t.text.islower()):
            continue
        owned = t.i > 1 and doc[t.i - 2].lower_ in _OWNERS
        # (not a verb said in a form no name has: "gran turns 90 on boxing day")
        after_title = t.i > 0 and doc[t.i - 1].lower_ in TITLES and not t.is_stop and t.pos_ != "ADP" and not (
            t.tag_ in ("VBZ", "VBD", "VBG", "VBN") and _known(t.lower_, words))
        with_someone = t.dep_ == "pobj" and t.head.lower_ == "with"
        if t.lower_ in known and not t.is_stop and t.pos_ not in _NOT_NAMES and not (
                t.i > 0 and doc[t.i - 1].lower_ in _OWNERS):
            out.append(t.idx)  # "the dev team" is no one's name
        elif after_title and not owned:
            out += [doc[t.i - 1].idx, t.idx]  # the title too: "Uncle Rob" is what the family calls him
        elif after_title and t.pos_ == "PROPN" and (t.dep_ == "poss" or t.i + 1 < len(doc)
                                                     and doc[t.i + 1].pos_ in ("VERB", "AUX")):
            # "her uncle owen says hi": her uncle, Owen, doing something ("my uncle rang" is the uncle's doing)
            out.append(t.idx)
        elif t.dep_ in _NAME_ROLES or with_someone:
            # A first name before a surname is its compound ("eleri vaughan"): the two are one name, known
            # to a word list or not (WordNet holds many surnames: "vaughan", "owen").
            given = [c for c in t.children if c.dep_ == "compound" and c.is_alpha and c.text.islower()
                     and c.i == t.i - 1 and c.pos_ == "PROPN" and t.pos_ == "PROPN"]
            if _unknown(t, words) or given and _unknown(given[0], words):
                out += [c.idx for c in given] + [t.idx]
    return sorted(set(out))


def shouted(doc: Doc, words: Collection[str]) -> list[tuple[int, int]]:
    """The character spans in ``doc`` of the known words written in capitals for emphasis ("I GOT THE JOB", "GUESS
    WHO HAS A DOG"): two or more such words in a row, one of three letters or more. The tagger reads shouted words
    as names and verbs as nouns ("The user Gots THE JOB"); a word no list knows keeps its capitals ("CFE")."""
    runs: list[list[Token]] = [[]]
    for t in doc:
        if t.is_alpha and t.text.isupper() and len(t.text) >= 2 or t.text in ("I", "A") and runs[-1]:
            runs[-1].append(t)
        elif runs[-1]:
            runs.append([])
    out = []
    for run in runs:
        caps = [t for t in run if t.text != "I"]
        # ("A" only goes with a shouted run, it makes none: "HAS A DOG", not "A BBC crew")
        if len([t for t in caps if t.text != "A"]) >= 2 and any(len(t.text) >= 3 for t in caps):
            out += [(t.idx, t.idx + len(t.text)) for t in caps if _known(t.lower_, words) or t.is_stop]
    return out


def months(doc: Doc) -> list[int]:
    """The character offsets in ``doc`` of month names written in lower case after a day of the month ("now 16 may",
    "setting off 17 may", "the 3rd of march") or a word a month follows ("expires in march"): "may" there is no
    verb, yet read in lower case the date was lost (and with it the words around it). Not before a verb ("the 16
    may come", "this may be")."""
    out = []
    for t in doc:
        if t.lower_ not in MONTH_WORDS or not t.text.islower() or t.i == 0:
            continue
        day = doc[t.i - 2] if doc[t.i - 1].lower_ == "of" and t.i > 1 else doc[t.i - 1]
        after = doc[t.i + 1] if t.i + 1 < len(doc) else None
        if (_day_number(day.lower_) or doc[t.i - 1].lower_ in BEFORE_MONTH) and (
                after is None or after.pos_ not in ("VERB", "AUX") or after.lower_ in ("is", "was", "'s")) \
                and not (after is not None and after.lower_ in ("be", "have", "not")):
            out.append(t.idx)
    return out


def weekdays(doc: Doc) -> list[int]:
    """The character offsets in ``doc`` of weekdays shortened in lower case after a word a day follows ("coming on
    wed", "stuck at work till fri"): capitalised, "wed" is one word, not the "we'd" the tokenizer splits it into
    (:mod:`~memvault.extraction.nlp`), and read as a day. Not "we'd" in full, nor one before a noun ("after sun
    cream")."""
    return [t.idx for t in doc if t.text.islower() and (short_weekday(t) or t.text == "we" and t.i > 0 and doc[
        t.i - 1].lower_ in BEFORE_WEEKDAY and t.i + 1 < len(doc) and not t.whitespace_ and doc[t.i + 1].text == "d")]


_HOLIDAY_SAID = re.compile(r"\b(?:" + "|".join(
    key.replace("years", "year['’]?s").replace("valentines", "valentine['’]?s").replace("patricks", "patrick['’]?s")
    .replace("st ", r"st\.? ") for key in HOLIDAYS) + r")\b")


def holidays(doc: Doc) -> list[int]:
    """The character offsets of each word of a holiday written in lower case ("gran turns 90 on boxing day"): with
    capitals it is the day it names."""
    return [m.start() + k for m in _HOLIDAY_SAID.finditer(doc.text) for k, ch in enumerate(m.group())
            if ch.isalpha() and (k == 0 or m.group()[k - 1] == " ")]


def _day_number(word: str) -> bool:
    digits = word[:-2] if word[-2:] in ("st", "nd", "rd", "th") else word
    return digits.isdigit() and 1 <= int(digits) <= 31 and len(digits) <= 2


def capitalised(text: str, offsets: list[int]) -> str:
    """``text`` with the letter at each of ``offsets`` made a capital (the text keeps its length)."""
    chars = list(text)
    for at in offsets:
        chars[at] = chars[at].upper()
    return "".join(chars)


def named_in(docs: Sequence[Doc], words: Collection[str], known: Collection[str] = ()) -> frozenset[str]:
    """The lower-case words :func:`names` takes for names in any of ``docs`` (one conversation's turns), and
    ``known``: a name one turn shows ("dev is the producer") is a name in the others too ("… news dev got …")."""
    found = set(known)
    for doc in docs:
        for at in names(doc, words, known):
            word = doc.char_span(at, at + 1, alignment_mode="expand")
            if word is not None and word[0].lower_ not in TITLES:
                found.add(word[0].lower_)
    return frozenset(found)


def to_read_again(docs: Sequence[Doc], words: Collection[str], known: Collection[str] = ()) -> dict[int, str]:
    """Which of ``docs`` (parses of turns) to parse again, by position, and the text to parse: the turn with its
    names' capitals written in and its shouted words in lower case (only where that keeps its length, so offsets
    stay the turn's), and its months after a day of the month (:func:`months`); ``known``: names in lower case that
    are names wherever they stand (:func:`names`)."""
    out = {}
    for k, doc in enumerate(docs):
        at = sorted(set(names(doc, words, known)) | set(months(doc)) | set(weekdays(doc)) | set(holidays(doc)))
        loud = shouted(doc, words)
        if at or loud:
            written = capitalised(doc.text, at)
            for start, end in loud:
                written = written[:start] + written[start:end].lower() + written[end:]
            if len(written) == len(doc.text):
                out[k] = written
    return out


def read_as_said(doc: Doc, said: str) -> Doc:
    """``doc``, a parse of ``said`` with capitals written in, marked to quote ``said`` (:func:`as_said`)."""
    doc.user_data[SAID] = said
    return doc


def as_said(span: Span) -> str:
    """``span``'s text as the turn said it, without the capitals written in for the parser."""
    said = span.doc.user_data.get(SAID)
    return span.text if said is None else said[span.start_char:span.end_char]
