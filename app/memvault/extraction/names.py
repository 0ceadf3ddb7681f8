"""The user's name as the chat itself gives it, when the caller gives none.

Two ways a conversation names its user, both read from the parse, not from any
wording of a data set:

- **self-introduction** in the user's own turn: the name is what "I" or "my name"
  is ("I'm Priya", "My name is Priya") or what the user asks to be called
  ("call me Priya");
- **a vocative** in the other side's turn (the assistant, or the other person
  of a two-person chat): the name stands apart from the sentence, so it can only
  be the person spoken to: between a comma and the sentence's end ("Thanks,
  Priya!"), first and set off by a comma ("Priya, that is great"), or
  right after a greeting ("Hi Priya", "Good night, Priya").

A name mentioned anywhere else ("my sister Anna", "say hi to Anna") is somebody
else's, and so is a name that the user's own turns mention or address, or that
the other side gives as its own: such a name is struck from the candidates.
More than one candidate left is ambiguous: no name. A name is a run of
capitalised proper nouns that the tagger types as a PERSON, or as nothing, an
organisation or a nationality (the small tagger reads many first names so); a
name it types as a place or a thing is not taken, but one in a vocative still
makes the chat ambiguous.

Except a place-typed single word that stands where only a name can: what the
user introduces themselves as ("I'm Marta", "My name is Marta", "Call me
Marta"), or right after
a greeting, thanks or farewell with only punctuation after it ("Congratulations,
Marta!", "Thanks, Marta."; not after an interjection: "Oh, Paris!"), or set off
by a comma at the very start or end of the other side's turn with a clause on
the comma's other side ("Marta, how did it go?", "See you soon, Marta."; not
"Honestly, Prague."). The small
tagger types many first names as places there. It is still not taken when the
namespace knows it as a place (``known_place``: the vault's entities), or when
the chat speaks of it anywhere but in such a vocative (the user's turns strike
it; the other side's mention of it elsewhere marks it a place).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # spaCy takes seconds to import; the pipeline (nlp.py) loads it
    from spacy.tokens import Doc, Span, Token

#: Words that open a greeting or thanks addressed to someone: "Hi Priya", "Thanks Priya", "Good night, Priya".
GREETINGS = frozenset({"hi", "hello", "hey", "hiya", "dear", "thanks", "thank", "cheers", "bye", "goodbye",
                       "morning", "afternoon", "evening", "night", "welcome", "congratulations", "congrats",
                       "sorry", "okay", "ok", "yes", "no", "sure", "well", "oh", "ah", "great", "right"})
#: The greetings that address someone (not interjections like "oh" or "well", which also open "Oh, Paris!").
ADDRESSES = frozenset({"hi", "hello", "hey", "hiya", "dear", "thanks", "thank", "cheers", "bye", "goodbye",
                       "morning", "afternoon", "evening", "night", "welcome", "congratulations", "congrats"})
#: Words between a greeting and the name that keep it a greeting: "Thank you, Priya", "Good morning Priya".
_GREETING_FILLER = frozenset({"you", "good", "so", "much", "again", "there", "back", ",", "!", "very", "a", "lot"})
#: The tagger's types a person's name gets (it often reads first names as organisations or nationalities).
_PERSON_LIKE = frozenset({"PERSON", "", "ORG", "NORP"})
_END = frozenset({".", "!", "?", "…", "...", ";", ":"})
#: The tagger's types of a place: a one-word name of one of these is taken only where nothing but a name
#: can stand (:func:`_only_a_name`).
_PLACE_LIKE = frozenset({"GPE", "LOC", "FAC"})


#: A run of letters: an alphabetic token starts one and, but for a tokenizer exception ("Im" is "I" and "m",
#: "Can't" is "Ca" and "n't"), is all of it (see may_name).
_RUN = re.compile(r"[^\W\d_]+")
#: What follows a name's first word in "Priya, that is great" (a name set off by a comma): the comma, or the
#: name's second word (checked to be capitalised) and the comma.
_COMMA_AFTER = re.compile(r"\s*(?:([^\W\d_]+)\s*)?,")
#: The words an introduction needs as whole tokens: "I" ("I'm Priya"), "my name" ("my name is Priya"), "me"
#: ("call me Priya"); each starts a run of letters (the tokenizer never splits one off a word's end).
_INTRODUCING = re.compile(r"(?<![^\W\d_])(?:i|my|name|me)", re.IGNORECASE)


def _greeted_before(text: str, start: int) -> bool:
    """Whether the words right before ``start`` may be a greeting and its fillers ("Thank you so much, "):
    at least one greeting in the run of greeting and filler words that ends there."""
    rest = text[:start].rstrip()
    while rest:
        tail = rest.lower()
        if any(tail.endswith(g) for g in GREETINGS):
            return True
        filler = next((f for f in _GREETING_FILLER if tail.endswith(f)), None)
        if filler is None:
            return False
        rest = rest[:-len(filler)].rstrip()
    return False


def _comma_after(text: str, end: int) -> bool:
    """Whether a comma follows the name whose first word ends at ``end``, at most one more name word between."""
    found = _COMMA_AFTER.match(text, end)
    return found is not None and (found.group(1) is None or _capitalised(found.group(1)))


def _capitalised(word: str) -> bool:
    return word[0].isupper() and word.lower() not in GREETINGS


def may_name(text: str, by_user: bool) -> bool:
    """Whether a turn may give the user a name: an introduction when the user says it (``by_user``), a vocative
    when the other side does; checked before parsing it, so never false when the parse would name someone.

    Each rule needs a name: a capitalised alphabetic token that is no greeting, so a run of letters that
    starts with a capital (a tokenizer exception only ever splits a word's first token off its end, and never
    off a greeting: a test checks the pipeline's exceptions). An introduction also needs the token "I", "my"
    with "name", or "me". A vocative needs the token before the name to be a comma, or a greeting or its
    filler (with a greeting in the run of them), or the name's last word to be followed by a comma: what
    follows it otherwise is the end of the sentence, and the parse alone says where that is.
    """
    names = [m for m in _RUN.finditer(text) if _capitalised(m.group())]
    if not names:
        return False
    if by_user:
        found = {w.lower() for w in _INTRODUCING.findall(text)}
        return "i" in found or "me" in found or {"my", "name"} <= found
    return any(text[:m.start()].rstrip().endswith(",") or _comma_after(text, m.end())
               or _greeted_before(text, m.start()) for m in names)


def _names(sent: Span) -> list[tuple[Span, bool]]:
    """The sentence's names (runs of capitalised proper nouns or PERSON tokens), each with whether it may be a person's: the
    tagger's PERSON, or a type it gives person names by mistake (none, an organisation or a nationality: the
    small tagger misses many first names). A name it types as a place or a thing is never taken, though one
    in a vocative still makes the chat ambiguous."""
    found: list[tuple[Span, bool]] = []
    start = None
    for t in [*sent, None]:
        name = t is not None and (t.pos_ == "PROPN" or t.ent_type_ == "PERSON") and t.is_alpha and t.text[:1].isupper() \
            and t.lower_ not in GREETINGS  # the tagger reads a capitalised "Congratulations" as a name too
        if name and start is None:
            start = t.i
        elif not name and start is not None:
            span = sent.doc[start:t.i if t is not None else sent.end]
            found.append((span, all(x.ent_type_ in _PERSON_LIKE for x in span)))
            start = None
    return found


def _prev(sent: Span, span: Span) -> Token | None:
    return sent.doc[span.start - 1] if span.start > sent.start else None


def _next(sent: Span, span: Span) -> Token | None:
    return sent.doc[span.end] if span.end < sent.end else None


def _greeted(sent: Span, span: Span) -> bool:
    """Whether only a greeting comes before ``span`` in its sentence: "Hi Priya", "Thank you so much, Priya"."""
    before = [t for t in sent if t.i < span.start]
    words = [t.lower_ for t in before if t.lower_ not in _GREETING_FILLER]
    return bool(before) and len(words) == 1 and words[0] in GREETINGS


def _sole_subject(span: Span) -> bool:
    """Whether ``span`` is its verb's subject ("Anna, my sister, is here"); the parser also makes a vocative
    a subject when the verb has a subject of its own ("Priya, that plan sounds good"), which it then is not."""
    root = span.root
    return root.dep_ in ("nsubj", "nsubjpass") and not any(
        c.dep_ in ("nsubj", "nsubjpass") and c.i != root.i for c in root.head.children)


def vocative(sent: Span, span: Span) -> bool:
    """Whether ``span`` (a name) addresses the listener: set apart from the rest of its sentence. People are
    addressed by one or two names ("Priya", "Priya Nair"): a longer run is an institution's or a place's."""
    if len(span) > 2:
        return False
    prev, nxt = _prev(sent, span), _next(sent, span)
    ends = nxt is None or nxt.text in _END or (nxt.text == "," and _greeted(sent, span))
    if prev is not None and prev.text == "," and ends:
        # "..., my sister, Anna." and "the Goethe-Institut, Max Mueller Bhavan." are appositions: to a
        # possessed noun or to another name, something spoken of, not to.
        # A proper noun opening the sentence is its greeting ("Buongiorno, Priya."), not a name.
        head = span.root.head
        named = head.pos_ == "PROPN" and head.i != sent.start
        return not (span.root.dep_ == "appos" and (named or any(c.dep_ == "poss" for c in head.children)))
    if prev is None and nxt is not None and nxt.text == "," and not _sole_subject(span) \
            and any(t.pos_ in ("VERB", "AUX") for t in sent if t.i > nxt.i):
        return True  # "Priya, that is great": a name alone before a comma, a clause after it
    return _greeted(sent, span) and (nxt is None or nxt.text in _END or nxt.text == ",")


def _only_a_name(sent: Span, span: Span) -> bool:
    """Whether ``span`` (one word, a vocative) stands where nothing but a name can: right after a greeting,
    thanks or farewell (not an interjection: "Oh, Paris!") with only punctuation after it; or set off by a
    comma at the very start or the very end of its turn, a clause on the comma's other side ("See you soon,
    Marta." but not "Honestly, Prague.")."""
    doc = sent.doc
    nxt, prev = _next(sent, span), _prev(sent, span)
    before = [t.lower_ for t in sent if t.i < span.start and t.lower_ not in _GREETING_FILLER]
    if len(before) == 1 and before[0] in ADDRESSES and (nxt is None or nxt.is_punct):
        return True
    first = all(t.is_punct or t.is_space for t in doc[:span.start])
    last = all(t.is_punct or t.is_space for t in doc[span.end:])
    if first and nxt is not None and nxt.text == ",":
        return any(t.pos_ in ("VERB", "AUX") for t in sent if t.i > nxt.i)
    if last and prev is not None and prev.text == ",":
        return any(t.pos_ in ("VERB", "AUX") for t in sent if t.i < prev.i)
    return False


def _place_typed(span: Span) -> bool:
    """A one-word name the tagger types as a place (taken only where only a name can stand: the module's doc)."""
    return len(span) == 1 and span[0].ent_type_ in _PLACE_LIKE


def introduced(span: Span) -> bool:
    """Whether the speaker gives ``span`` as their own name: "I'm Priya", "my name is Priya", "call me Priya"."""
    root = span.root
    head = root.head
    # The small parser makes some names after "I'm" an adjective's slot ("I'm Jamal from number 12": acomp).
    if root.dep_ in ("attr", "acomp") and head.lemma_ == "be":
        subject = next((c for c in head.children if c.dep_ in ("nsubj", "nsubjpass")), None)
        if subject is None:
            return False
        if subject.lower_ == "i":
            return True
        return subject.lower_ == "name" and any(c.lower_ == "my" for c in subject.children)
    if head.lemma_ == "call" and root.dep_ in ("oprd", "dobj", "npadvmod", "attr", "xcomp", "ccomp"):
        return any(c.lower_ == "me" and c.i < root.i for c in head.children)
    return False


def _key(name: str) -> str:
    return name.split()[0].lower()


def _nowhere(_name: str) -> bool:
    return False


def _tally(turns: Iterable[tuple[bool, Doc]], others: Sequence[str], known_place: Callable[[str], bool] = _nowhere
           ) -> tuple[dict[str, str], set[str], set[str]]:
    """The names ``turns`` give the user (key → fullest form), those of them a person's, and the struck keys."""
    candidates: dict[str, str] = {}
    personal: set[str] = set()
    addressed_places: set[str] = set()
    spoken_of: set[str] = set()
    struck = {_key(n) for n in others if n.strip()}
    for by_user, doc in turns:
        for sent in doc.sents:
            for span, person in _names(sent):
                key = _key(span.text)
                mine = introduced(span) if by_user else vocative(sent, span)
                if mine:
                    # The fullest form seen: "Priya Nair" over "Priya".
                    if len(span.text) > len(candidates.get(key, "")):
                        candidates[key] = span.text
                    if person:
                        personal.add(key)
                    elif _place_typed(span) and (by_user or _only_a_name(sent, span)):
                        addressed_places.add(key)  # an introduction is a place only a name can stand in
                    else:
                        spoken_of.add(key)
                elif by_user or introduced(span):
                    # Said by the user of someone else, or the other side's own name.
                    struck.add(key)
                else:
                    spoken_of.add(key)
    # A place-typed name taken only where nothing else can stand, never spoken of otherwise, no known place.
    personal |= {key for key in addressed_places - spoken_of if not known_place(candidates[key])}
    return candidates, personal, struck


def user_name(turns: Iterable[tuple[bool, Doc]], others: Sequence[str] = (),
              known_place: Callable[[str], bool] = _nowhere) -> str | None:
    """The user's name from ``turns`` (``(said by the user, parsed turn)`` in order), or ``None`` when the
    chat names nobody as the user or names more than one; ``others`` are names known to be someone else's;
    ``known_place`` says whether a name is a place the namespace knows."""
    candidates, personal, struck = _tally(turns, others, known_place)
    left = [key for key in candidates if key not in struck]
    return candidates[left[0]] if len(left) == 1 and left[0] in personal else None


def read(turns: Sequence[tuple[bool, str]], others: Sequence[str], parse: Callable[[list[str]], list[Doc]],
         known_place: Callable[[str], bool] = _nowhere) -> str | None:
    """:func:`user_name` of ``turns`` (``(said by the user, text)``), parsing (``parse``) only the turns that can
    change it: those that may name the user (:func:`may_name`), then, if they name anyone, the other turns that
    mention a name they give (only those can strike it). The rest would add no candidate and strike none."""
    first = [i for i, (by_user, text) in enumerate(turns) if may_name(text, by_user)]
    if not first:
        return None
    docs = dict(zip(first, parse([turns[i][1] for i in first])))
    candidates, _, struck = _tally(((turns[i][0], docs[i]) for i in first), others)
    left = [key.casefold() for key in candidates if key not in struck]
    if not left:
        return None
    more = [i for i, (_, text) in enumerate(turns) if i not in docs and any(k in text.casefold() for k in left)]
    docs.update(zip(more, parse([turns[i][1] for i in more])))
    return user_name(((turns[i][0], docs[i]) for i in sorted(docs)), others, known_place)
