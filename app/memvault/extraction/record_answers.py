"""A record-keeping assistant's short answer to the user's question about the user's own things, as the user's
statement: "and the hotel?" "Casa Azul in Alfama, four nights from 14 to 18 June." → "My hotel is Casa Azul in
Alfama, four nights from 14 to 18 June"; "did I add the tram tour?" "Yes, the Tram 28 tour on 15 June at 2 pm." →
"My tram tour is the Tram 28 tour on 15 June at 2 pm".

Such an answer states nothing alone: what it is about is in the question ("the hotel"), so a search for "where is
Sam staying in Lisbon" finds the turn only by its hotel's name. Read together they are one of the user's records.
Only in a chat where the assistant keeps the user's records (it stated the user's own facts,
:mod:`~memvault.extraction.second_person`), only for an answer whose first sentence has no clause of its own (no
subject, no "you", "I" or "we") and starts with a name, a number, a date or a noun phrase, and only for two kinds of
question: a thing of the user's named alone ("and the hotel?", "what about my car?", "Biscuit's jabs?") and "did I
add the tram tour?"/"have I paid the invoice?" answered yes (then the thing asked about is what the answer says: "My
tram tour is the Tram 28 tour on 15 June at 2 pm"). Anything else is left as it was: a wrong statement would put
words in the user's mouth.

An answer with a clause of its own whose subject stands for the one thing the question named ("did I renew the
parking permit?" "No, it expires on 31 May."; "Lily's school trip money?" "The Year 4 trip to the Eden Project is 42
pounds.") says it of that thing: "My parking permit expires on 31 May", "Lily's Year 4 trip to the Eden Project is 42
pounds" (:func:`referred`). The answer's "it" or "the trip" has no other antecedent in a record's question.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from memvault.extraction.answers import YES, past
from memvault.extraction.clause_edges import DISCOURSE, SUBJECTS
from memvault.extraction.errands import requested
from memvault.extraction.kin import FEMALE, MALE
from memvault.extraction.reparse import reworded
from memvault.extraction.worth import acronym

if TYPE_CHECKING:  # spaCy takes seconds to import; only the pipeline (nlp.py) loads it, on first use
    from spacy.tokens import Span, Token

#: Words that open a question about a thing without being part of it ("and the hotel?", "what about my car?").
_OPENERS = DISCOURSE | {"what", "how", "about", "hm", "hmm", "ok", "great", "right"}
_PEOPLE_WORDS = frozenset({"i", "me", "my", "we", "us", "our", "you", "your"})
#: The longest answer read, in words: a record's line, not a paragraph.
MAX_ANSWER_WORDS = 24


def restated(question: Span, answer: Span) -> tuple[str, int] | None:
    """The user's first-person statement that ``answer`` (the assistant's first sentence) makes of ``question``
    (the user's last sentence before it), and where the answer's own words begin in it; ``None`` when the
    question is not one this reads or the answer says something of its own."""
    if not asks(question):
        return None
    words = [t for t in question if not t.is_punct and not t.is_space]
    what = bool(words) and words[0].lower_ == "what"
    while words and words[0].lower_ in _OPENERS:
        words = words[1:]
    if len(words) >= 3 and words[0].lower_ in ("did", "have") and words[1].lower_ == "i":
        head = _confirmed(words, answer)
    elif (chosen := _chosen(words)) is not None:
        # Said in the past, a date in the answer would be read as past ("delivered on 2 June": last June).
        head = None if any(t.ent_type_ == "DATE" for t in answer) else chosen
    elif words and _thing(words):
        head = _named_thing(words)
    elif what and (head := _what_is(words)) is not None:
        pass
    else:
        return None
    said = _fragment(answer, yes=words[0].lower_ in ("did", "have"))
    if head is None or said is None:
        return None
    return f"{head} {said}.", len(head) + 1


#: A sentence that opens as a question does, read without its "?" ("what was the rule for the hotel again", "did I
#: pay the gas bill"); :func:`asks` decides on its parse.
UNMARKED_QUESTION = re.compile(r"^(?:(?:and|so|ok|okay|oh|hm+|also|right)\W+)*(?:(?:what|when|where|which|who|how)"
                               r"(?:'s|\s+(?:is|was|are|were|do|does|did|about)\b)"
                               r"|(?:did|do|does|have|has|is|are|was|were)"
                               r"\s+(?:i|my|the|that|this)\b)", re.IGNORECASE)
#: A sentence that only names a thing ("ok so the tax thing.", "and my passport."), after a few openers; a
#: trailing "thing"/"stuff" says nothing of what it is.
_TOPIC = re.compile(r"^(?:(?:and|so|ok|okay|oh|also|right|anyway)\W+)*((?:the|my)\s+(?:[a-z][\w'-]*\s+){0,2}?"
                    r"[a-z][\w'-]*?)(?:\s+(?:thing|stuff|situation|business))?\W*$", re.IGNORECASE)
_IT = re.compile(r"\bit\b", re.IGNORECASE)


def question_of(sentences: list[str], unmarked: bool = False) -> str | None:
    """The question a turn's ``sentences`` end with (``unmarked``: also one written without its "?"), or the one
    before a last sentence of remark ("remind me which one we went for? dev keeps calling it the hyundai": what an
    answer after it answers), or ``None``."""
    last = topic_question(sentences) or sentences[-1]
    if last.endswith("?") or unmarked and unmarked_question(last):
        return last
    return sentences[-2] if len(sentences) >= 2 and sentences[-2].endswith("?") else None


def unmarked_question(sentence: str) -> bool:
    """Whether ``sentence``, written without a "?", asks: it opens as a question does (:data:`UNMARKED_QUESTION`),
    only names the user's thing (:func:`names_only`), or asks for an errand to one (``errands.requested``)."""
    return UNMARKED_QUESTION.match(sentence) is not None or names_only(sentence) or requested(sentence) is not None


def names_only(sentence: str) -> bool:
    """Whether ``sentence`` only names one of the user's things, after an "and" or "so" ("and my prescription"):
    said to an assistant that keeps the user's records, it asks about that thing as "and my prescription?" does."""
    return (topic := _TOPIC.match(sentence.strip())) is not None and topic.start(1) > 0


def topic_question(sentences: list[str]) -> str | None:
    """The last of a turn's ``sentences``, a question about "it", with the thing the sentence before it only named
    written in: "ok so the tax thing. did it go in?" → "did the tax go in?" (then answered as any question about
    the user's thing). ``None`` if the turn does not end so."""
    if len(sentences) < 2 or not sentences[-1].rstrip().endswith("?") or len(_IT.findall(sentences[-1])) != 1:
        return None
    if (topic := _TOPIC.match(sentences[-2].strip())) is None:
        return None
    return _IT.sub(topic.group(1), sentences[-1], count=1)


#: Words after the thing in "what was the cancellation rule for the hotel again", asking nothing of their own.
_TRAILING = frozenset({"again", "now", "exactly", "then", "though"})
#: The question's verb, said in the present: "what was the rule again" asks what it is (said in the past, the answer's
#: "7 June" would be read as last June).
_BE = {"is": "is", "'s": "is", "was": "is", "are": "are", "were": "are"}


def asks(sent: Span) -> bool:
    """Whether ``sent`` asks a question, with or without its "?" ("what was the cancellation rule for the hotel
    again", "what about mum's birthday"): a question word before a verb or "about", a sentence that opens with an
    auxiliary before its subject ("did I renew the permit", "did that fine letter ever show up"; not "Did it!"), or
    one that only names the user's thing after an "and" (:func:`names_only`)."""
    if sent.text.rstrip().endswith("?") or names_only(sent.text):
        return True
    words = [t for t in sent if not t.is_punct and not t.is_space]
    while words and words[0].lower_ in DISCOURSE:
        words = words[1:]
    if len(words) < 3:
        return False
    first, second = words[0], words[1]
    subject = next((c for c in sent.root.children if c.dep_ in SUBJECTS), None)
    return (first.tag_ in ("WP", "WRB", "WDT") and (second.pos_ == "AUX" or second.lower_ == "about")
            or first.pos_ == "AUX" and first.head.i == sent.root.i and subject is not None
            and subject.left_edge.i == second.i and subject.right_edge.i < sent.root.i)


#: What asks the assistant to say a thing again: "remind me which one we went for", "tell me what I ordered".
_REMINDING = frozenset({"remind", "tell"})
#: Prepositions a question leaves at its end ("which one we went for"): the answer goes after them.
_STRANDED = frozenset({"for", "with", "to", "from", "on", "in", "at"})


def _chosen(words: list[Token]) -> str | None:
    """ "[remind me] which one we went for" → "We went for", "what did I order?" → "I ordered": a question about
    what the user (or the user and someone, "we") chose, ordered or did, the answer the thing asked for; ``None``
    for any other question, or one whose verb has more after it than a preposition left at its end (where the
    answer would go is not sure)."""
    if len(words) >= 2 and words[0].lower_ in _REMINDING and words[1].lower_ == "me":
        words = words[2:]
    if len(words) < 3 or words[0].lower_ not in ("which", "what"):
        return None
    rest = words[2:] if words[1].pos_ == "NOUN" or words[1].lower_ == "one" else words[1:]
    if len(rest) >= 3 and rest[0].lower_ == "did" and rest[1].lower_ in ("i", "we") and rest[2].tag_ == "VB":
        subject, verb, after = rest[1], past(rest[2].text), rest[3:]  # "what did I order?"
    elif len(rest) >= 2 and rest[0].lower_ in ("i", "we") and rest[1].tag_ == "VBD":
        subject, verb, after = rest[0], rest[1].text, rest[2:]  # "which one we went for"
    else:
        return None
    if len(after) > 1 or after and after[0].lower_ not in _STRANDED:
        return None
    return " ".join(["I" if subject.lower_ == "i" else "We", verb, *(t.lower_ for t in after)])


def _what_is(words: list[Token]) -> str | None:
    """ "[what] was the cancellation rule for the hotel again" → "My cancellation rule for the hotel is": a thing of
    the user's or a definite one asked for what it is, or ``None``."""
    if words[0].lower_ not in _BE:
        return None
    phrase = words[1:]
    while phrase and phrase[-1].lower_ in _TRAILING:
        phrase = phrase[:-1]
    inside = {t.i for t in phrase}
    heads = [t for t in phrase if t.head.i not in inside]
    if len(heads) != 1 or heads[0].pos_ != "NOUN" or heads[0].ent_type_ in ("DATE", "TIME") or \
            [t.i for t in phrase] != list(range(phrase[0].i, phrase[-1].i + 1)):
        return None
    if phrase[0].lower_ not in ("the", "my") or any(t.lower_ in _PEOPLE_WORDS - {"my"} for t in phrase):
        return None
    text = " ".join(["My", *(t.text for t in phrase[1:])])
    return f"{text} {_BE[words[0].lower_]}"


def _thing(words: list[Token]) -> bool:
    """Whether ``words`` are one noun phrase of the user's or a definite one ("the hotel", "my car", "Biscuit's
    jabs", "Lily's school trip money"): no verb, a noun at its head, "the", "my" or an owner's name before it."""
    root = words[-1]
    if root.pos_ not in ("NOUN", "PROPN") or any(t.pos_ in ("VERB", "AUX") for t in words):
        return False
    if any(t.i != root.i and not root.is_ancestor(t) for t in words):
        return False
    first = words[0]
    return first.lower_ in ("the", "my") or first.pos_ == "PROPN" and len(words) > 2 and words[1].tag_ == "POS"


def _named_thing(words: list[Token]) -> str:
    text = " ".join(("My" if i == 0 and t.lower_ in ("the", "my") else t.text) for i, t in enumerate(words))
    text = text.replace(" 's", "'s").replace(" ’s", "’s")
    return f"{text} {'are' if words[-1].tag_ in ('NNS', 'NNPS') else 'is'}"


def _confirmed(words: list[Token], answer: Span) -> str | None:
    """ "did I add the tram tour?" answered yes → "My tram tour is": what the user asked about, named as theirs (a
    statement in the past, "I added …", would date the answer's "15 June" in the past); ``None`` unless the answer
    opens with a yes and the question's verb takes a thing of its own ("the tram tour", "my passport")."""
    opener = next((t for t in answer if not t.is_punct), None)
    root = words[2]
    if opener is None or opener.lower_ not in YES or root.pos_ != "VERB" or any(t.dep_ == "neg" for t in words):
        return None
    thing = next((c for c in root.children if c.dep_ == "dobj" and c.pos_ == "NOUN"), None)
    if thing is None:
        return None
    phrase = [t for t in thing.subtree]
    if phrase[0].lower_ not in ("the", "my") or any(t.lower_ in _PEOPLE_WORDS - {"my"} for t in phrase):
        return None
    return _named_thing(phrase)


def _fragment(answer: Span, *, yes: bool) -> str | None:
    """The answer's words as said (without its "Yes," when it confirms), or ``None`` when it has a clause of its
    own, speaks of anyone, or runs long."""
    tokens = [t for t in answer if not t.is_space]
    if yes:
        while tokens and (tokens[0].lower_ in YES or tokens[0].is_punct):
            tokens = tokens[1:]
    while tokens and tokens[-1].is_punct:
        tokens = tokens[:-1]
    if not tokens or len([t for t in tokens if not t.is_punct]) > MAX_ANSWER_WORDS:
        return None
    if any(t.lower_ in _PEOPLE_WORDS or t.lower_ in ("no", "not", "n't", "never", "nothing", "none", "nobody")
           for t in tokens):
        return None
    chunk = next((tokens[:i] for i, t in enumerate(tokens) if t.text in (",", ";", ":")), tokens)
    inside = {t.i for t in chunk}
    if any(t.dep_ in SUBJECTS and t.head.pos_ in ("VERB", "AUX") and t.head.i in inside for t in chunk) or any(
            t.dep_ in SUBJECTS and t.pos_ == "PRON" for t in tokens):
        return None  # "It passed.", a name read as a verb with a subject: a clause, or a misparse
    if tokens[0].pos_ not in ("PROPN", "NUM", "NOUN", "DET", "ADJ"):
        return None
    said = answer.doc[tokens[0].i:tokens[-1].i + 1].text
    return said if tokens[0].pos_ in ("PROPN", "NUM") or tokens[0].text == "I" else said[:1].lower() + said[1:]


#: A clitic after the subject written out, as many characters long: "it's booked" → "My MOT is booked".
_CLITICS = {"'s": "is", "'re": "are"}
#: Subjects that stand for the thing a question named ("did I renew the parking permit?" "No, it expires …").
_STAND_INS = {"it": ("NN", "NNP"), "they": ("NNS", "NNPS")}


def referred(question: Span, answer: Span) -> tuple[str, int] | None:
    """``answer`` (the assistant's first sentence) with its subject written as the user's thing ``question`` (the
    user's last sentence before it) names, and where the answer's own words begin in it, moved by that (a negative
    shift when the opener and subject said were longer): "did I renew the parking permit?" "No, it expires on 31
    May." → "My parking permit expires on 31 May."; "how did the MOT go?" "It passed." → "My MOT passed."; "Lily's
    school trip money?" "The Year 4 trip to the Eden Project is 42 pounds." → "Lily's Year 4 trip to the Eden
    Project is 42 pounds." The answer's clause is its own (what :func:`restated` leaves alone); its subject opens
    it after at most a yes or no, and is "it" ("they" for things) or "the" with a word of the thing's at its head.
    ``None`` unless the question names exactly one thing as the user's or a definite one."""
    if not asks(question):
        return None
    things = [t for t in question if _owned_thing(t)]
    if len(things) != 1:
        return None
    thing = things[0]
    words = [t for t in answer if not t.is_space]
    while len(words) > 2 and (words[0].lower_ in YES or words[0].lower_ in ("no", "nope", "done")) \
            and words[1].text == ",":
        words = words[2:]
    subject = next((c for c in answer.root.children if c.dep_ in SUBJECTS), None)
    if subject is None or not words or next(iter(subject.subtree)).i != words[0].i:
        return None
    phrase, owner, named = _named(thing)
    if subject.lower_ in _STAND_INS and thing.tag_ in _STAND_INS[subject.lower_] and not acronym(subject):
        head, kept = named, subject.i + 1
    elif words[0].lower_ == "the" and subject.i == words[1].i and subject.lemma_ == thing.lemma_ and \
            subject.n_rights == 0:
        head, kept = named, subject.i + 1  # "the permit" is the question's "parking permit", said in full
    elif words[0].lower_ == "the" and subject.pos_ in ("NOUN", "PROPN") and \
            subject.lemma_ in {t.lemma_ for t in phrase if t.pos_ in ("NOUN", "PROPN")}:
        head, kept = owner, words[0].i + 1
    else:
        return None
    head = head[:1].upper() + head[1:]
    rest = answer.doc[kept:answer.end]
    cut = rest.start_char - answer.start_char
    said = rest.text
    if len(rest) and rest[0].pos_ == "AUX" and rest[0].lower_.replace("’", "'") in _CLITICS:
        # "it's booked": written out, as long as the clitic it stands for ("'s" → "is", "'re" → "are").
        said = _CLITICS[rest[0].lower_.replace("’", "'")] + said[len(rest[0].text):]
    return f"{head} {said}", len(head) + 1 - cut


def referred_object(question: Span, answer: Span) -> tuple[str, Callable[[int], int]] | None:
    """``answer`` with the "it" its verb is done to written as the user's thing ``question`` names, and what takes a
    character of that text back to ``answer``'s: "and my prescription?" "Dr Osei renewed it on Tuesday." → "Dr Osei
    renewed my prescription on Tuesday."; someone else did it, by name or role. ``None`` unless the question names
    exactly one thing, and as the user's own ("my …", "mum's …")."""
    things = [t for t in question if _owned_thing(t)] if asks(question) else []
    subject = next((c for c in answer.root.children if c.dep_ in SUBJECTS), None)
    it = next((c for c in answer.root.children if c.dep_ == "dobj" and c.lower_ == "it" and not acronym(c)), None)
    if len(things) != 1 or things[0].tag_ not in _STAND_INS["it"] or it is None or subject is None \
            or subject.pos_ not in ("NOUN", "PROPN"):
        return None
    phrase, owner, named = _named(things[0])
    if phrase[0].lower_ not in ("my", "our") and not owner.startswith("my "):
        return None  # what the Night Watch is, anyone may ask: only the user's own thing is theirs to have done
    return reworded(answer, lambda t: named if t.i == it.i else t.text)


def _named(thing: Token) -> tuple[list[Token], str, str]:
    """The user's ``thing`` as a question names it: its words up to it, its owner as the answer says it ("my",
    "Lily's", "my mum's"), and the whole ("my parking permit")."""
    phrase = [t for t in thing.subtree if t.i <= thing.i and t.dep_ not in ("cc", "punct", "intj")]
    owner = "my" if phrase[0].lower_ in ("the", "my", "that") else f"{phrase[0].text}'s"
    after_owner = phrase[1:] if owner == "my" else [t for t in phrase[1:] if t.head.i != phrase[0].i]
    if phrase[0].lower_ in FEMALE | MALE:
        owner = f"my {phrase[0].lower_}'s"  # "mum's birthday": the speaker's mum
    return phrase, owner, " ".join([owner, thing.doc[after_owner[0].i:thing.i + 1].text]) if after_owner else owner


def _owned_thing(t: Token) -> bool:
    """Whether ``t`` heads a noun phrase the user asks about as theirs or as a definite thing ("the parking permit",
    "my car", "that fine letter", "Lily's school trip money"), not a person ("the doctor" may be a thing here: the
    answer's "it" decides)."""
    if t.pos_ not in ("NOUN", "PROPN") or t.dep_ in ("compound", "poss") or t.ent_type_ in ("PERSON", "DATE", "TIME"):
        return False
    first = next((w for w in t.subtree if w.dep_ not in ("cc", "punct", "intj")), t)
    if first.lower_ in ("the", "my", "that"):
        return True  # "did that fine letter ever show up": the one the two of them know of
    # "Lily's school trip money", "mum's birthday" (a family word said as a name is the speaker's own)
    return (first.pos_ == "PROPN" or first.lower_ in FEMALE | MALE) and first.dep_ == "poss" and \
        first.head.i == t.i and any(c.tag_ == "POS" for c in first.children)
