"""Names written in lower case, as much chat is ("dev flew to zurich on tuesday", "did uncle rob ring you",
"isla's christening"), given their capitals before a turn is read.

The small English pipeline learned names from edited text: "uncle rob ring you" parses as a noun "ring", "kirsty"
is an organisation and "dev" a noun, so a later "he" or "she" reaches back to whoever was last named with a capital
(on a tuning chat written in lower case, about one fact in three named the wrong person). In a turn whose writer
does not capitalise (no word of it has a capital but where a sentence opens), each lower-case word is capitalised
that no English word list knows (the pipeline's WordNet index, every part of speech, and its stop list; chat's own
shorthand such as "lol" or "tbh" is no name either) and that stands where a person's name can (a subject, an
owner, a name beside another, "with …"), and so is a name after a family title said without "my", with its title
("uncle rob" → "Uncle Rob"). The turn is then parsed again with those capitals; the text keeps its length, so every
offset stays the turn's own, and a fact quotes the turn as said (:func:`as_said`).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

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


def names(doc: Doc, words: Collection[str]) -> list[int]:
    """The character offsets in ``doc`` of the lower-case words that are names (module docstring)."""
    if not writes_lower_case(doc):
        return []
    out = []
    for t in doc:
        if not (t.is_alpha and t.text.islower()):
            continue
        after_title = t.i > 0 and doc[t.i - 1].lower_ in TITLES and not (
            t.i > 1 and doc[t.i - 2].lower_ in ("my", "your", "his", "her", "our", "their", "the", "a"))
        with_someone = t.dep_ == "pobj" and t.head.lower_ == "with"
        if after_title and not t.is_stop and t.pos_ != "ADP":
            out += [doc[t.i - 1].idx, t.idx]  # the title too: "Uncle Rob" is what the family calls him
        elif (t.dep_ in _NAME_ROLES or with_someone) and _unknown(t, words):
            out.append(t.idx)
    return out


def capitalised(text: str, offsets: list[int]) -> str:
    """``text`` with the letter at each of ``offsets`` made a capital (the text keeps its length)."""
    chars = list(text)
    for at in offsets:
        chars[at] = chars[at].upper()
    return "".join(chars)


def as_said(span: Span) -> str:
    """``span``'s text as the turn said it, without the capitals written in for the parser."""
    said = span.doc.user_data.get(SAID)
    return span.text if said is None else said[span.start_char:span.end_char]
