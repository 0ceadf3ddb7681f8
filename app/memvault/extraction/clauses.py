"""Which parts of a user's sentence can state a fact: clause splitting and the filters that say no.

A sentence is split at coordinated clauses that have their own subject ("I
teach maths and my husband repairs clocks" is two clauses). A clause is
dropped when it asks (a question mark, a question word or an inverted
auxiliary first, or a question someone asked: "she asked if ..."), orders (an
imperative), greets, thanks or fills ("ok", "I see", "I don't know"), talks to
or about the assistant ("you"), or names no one the conversation can tie to a
person: no "I", "my" or pronoun, and no subject that is a person's name (the
tagger's, one the chat mentioned, or one the caller found: "Luca was born on
the 29th"), unless it says what a thing of the speaker's world did on a day
("the storm on saturday flooded the cellar"; not the weather). Small talk gives
nothing either: how the speaker feels right now with nothing it is about ("I'm
doing ok", "I feel better"), suggestions ("we could go bowling"), talk about
the conversation or the two speakers themselves ("since we last spoke", "we
make a great team"), and a subject that only points back ("Those moments ...",
"That was ..."). Leading discourse words ("Yes,", "By the way,", "Honestly")
are cut off; opinions wrapped in "I think that ..." keep only what is thought.
A sentence that leaves out its "I", as chat does ("passed the theory exam"),
is read with it (:mod:`~memvault.extraction.reparse`).

What is worth storing once a clause is a statement: :mod:`~memvault.extraction.worth`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from memvault.extraction import questions
from memvault.extraction.clause_edges import SUBJECTS, trim
from memvault.extraction.dates import MONTH_WORDS, ORDINAL_DAY, short_weekday
from memvault.extraction.kin import ADVISERS
from memvault.extraction.mention_tokens import shows_a_person, speakers_role
from memvault.extraction.noise import NON_CONTENT_NOUNS

if TYPE_CHECKING:  # spaCy takes seconds to import; only the pipeline (nlp.py) loads it, on first use
    from spacy.tokens import Span, Token


FIRST_PERSON = frozenset({"i", "me", "my", "mine", "myself", "we", "us", "our", "ours", "ourselves"})
SECOND_PERSON = frozenset({"you", "your", "yours", "yourself", "yourselves", "u", "ur"})
THIRD_PERSON = frozenset({"he", "she", "it", "they", "him", "her", "them", "his", "its", "their", "hers", "theirs"})
#: The two people talking: what someone reports about them is no statement of that someone's.
_SPEAKER_WORDS = FIRST_PERSON | SECOND_PERSON
#: Verbs whose first-person clause is talk about the conversation, not a fact ("I see", "I wonder ...").
_META_VERBS = frozenset({"agree", "wonder", "mean", "ask", "guess", "say", "appreciate", "bet", "suppose", "tell",
                         "hope", "apologize", "promise"})
#: These are talk about the conversation only without an object ("I see", "I don't know"; not "I know Go").
_BARE_META_VERBS = frozenset({"see", "know", "understand", "forget", "remember", "get", "think"})
#: A clause that reports what someone said is not a fact about them ("my husband says no").
_REPORTING = frozenset({"say", "tell", "ask", "reply", "answer"})
#: What a speaker asks the other to keep in mind ("remember that …", "note that …"): what follows is the statement.
_KEEP_IN_MIND = frozenset({"remember", "note", "remind", "record"})
#: Verbs that wrap the real statement ("I think I'll ..."): the statement is kept, the wrapper dropped.
_WRAPPERS = frozenset({"think", "guess", "believe", "suppose", "feel", "reckon", "figure", "mean", "say", "mention"})
_FILLER_PREDICATES = frozenset({"good", "fine", "okay", "ok", "well", "great", "sure", "back", "here", "ready",
                                "glad", "curious", "sorry", "done", "bored", "confused", "kidding", "joking"})
VAGUE_OBJECTS = frozenset({"it", "that", "this", "them", "one", "so"})
#: How the speaker feels right now: small talk unless the feeling is about something ("nervous about the exam").
MOODS = frozenset({"happy", "sad", "tired", "better", "worse", "excited", "nervous", "jealous", "busy", "thankful",
                   "grateful", "relieved", "lucky", "stressed", "proud", "ok", "okay", "alright", "good", "fine",
                   "great", "well", "awesome", "amazing", "exhausted", "sore", "lovely", "nice", "perfect",
                   "shattered"})
#: Verbs of what was said before: "as I mentioned, ..." is talk about the conversation.
_TOLD_BEFORE = frozenset({"mention", "say", "tell", "explain", "write"})
_TALK_VERBS = frozenset({"speak", "talk", "chat", "catch", "text", "message", "call"})
_DEMONSTRATIVES = frozenset({"this", "that", "these", "those"})
#: Nouns that make a "we" clause about the two speakers themselves ("we make a great team").
_US_NOUNS = frozenset({"team", "pair", "duo"})
_SUGGESTING = frozenset({"should", "could", "might", "must", "shall"})
_REQUEST_OBJECTS = frozenset({"help", "advice", "question", "suggestion", "idea", "recommendation", "tip", "hand",
                              "favor", "favour", "answer", "explanation"})


@dataclass(frozen=True)
class Clause:
    """Tokens of one clause of a sentence, in order, and its head verb."""

    tokens: tuple[Token, ...]
    root: Token
    #: Who said it, for a statement someone else made ("my sister told me she is pregnant": "my sister"):
    #: what its pronouns may point to, though no part of the fact.
    reporter: tuple[Token, ...] = ()

    @property
    def start(self) -> int:
        return self.tokens[0].idx

    @property
    def end(self) -> int:
        last = self.tokens[-1]
        return last.idx + len(last.text)

    def has(self, words: frozenset[str]) -> bool:
        return any(t.lower_ in words for t in self.tokens)

    def subject(self) -> Token | None:
        return subject_of(self.root)


def subject_of(verb: Token) -> Token | None:
    """``verb``'s subject; the small parser sometimes hangs it on the verb's auxiliary instead ("my sister Ada got
    engaged on new year's eve": "sister" under "got")."""
    return next((c for c in verb.children if c.dep_ in SUBJECTS), None) or next(
        (s for a in verb.children if a.dep_ in ("aux", "auxpass") for s in a.children if s.dep_ in SUBJECTS), None)


def has_subject(token: Token) -> bool:
    """Whether ``token`` (a verb) has a subject of its own: no imperative or gerund ("tell me", "keeping it")."""
    return subject_of(token) is not None


_SPLICES = frozenset({",", ";", "-", "—"})


def _comma_spliced(child: Token, head: Token) -> bool:
    """ "My sister lives in Basel, she is a nurse": two sentences joined by a comma, parsed as one inside the other."""
    if child.pos_ not in ("VERB", "AUX") or not has_subject(child):
        return False
    # A finite clause the parser hung on another as "adverbial" with no word that subordinates it ("when",
    # "because") is a sentence of its own: "the roses got blackfly, I sprayed them", "mum is moving in, her hip …".
    auxiliaries = [c for c in child.children if c.dep_ == "aux"]
    unbound = child.dep_ == "advcl" and any(t.tag_ in ("VBD", "VBZ", "VBP", "MD") for t in (child, *auxiliaries)) \
        and not any(c.dep_ in ("mark", "advmod") for c in child.children)
    if child.dep_ not in ("ccomp", "parataxis") and not unbound:
        return False
    doc = child.doc
    if child.i < head.i:
        last = child.right_edge
        after = last.i + 1
        return last.text in _SPLICES or after < len(doc) and doc[after].text in _SPLICES
    # The parser may hang the comma itself on the second sentence ("..., my shift ends at one").
    first = child.left_edge
    before = first.i - 1
    return first.text in _SPLICES or before >= 0 and doc[before].text in _SPLICES


def _in_order(tokens: Iterable[Token]) -> list[Token]:
    """``tokens`` in the order they were said: a non-projective parse gives a subtree out of order ("the rent to
    900 euros by the way, bad news", "news" hung on "rent")."""
    return sorted(tokens, key=lambda t: t.i)


def _said_before(child: Token, head: Token) -> bool:
    """ "Friday works, Mira's making maqluba": a clause before a comma that the parser hung on the next one and
    gave no subject (the tagger took "Friday" for a date) is no part of it."""
    doc = child.doc
    after = child.right_edge.i + 1
    return child.dep_ in ("ccomp", "parataxis") and child.pos_ in ("VERB", "AUX") and child.i < head.i and \
        not has_subject(child) and after < len(doc) and doc[after].text in _SPLICES


def _under_a_remark(child: Token) -> bool:
    """ "annoying because I signed up for the swim in June": a clause hung on a remark with no verb of its own; not a
    condition, which states nothing ("my achilles flares up if I do hills", "flares" read as a noun)."""
    return child.dep_ == "advcl" and child.pos_ in ("VERB", "AUX") and has_subject(child) and \
        child.head.dep_ == "ROOT" and child.head.pos_ not in ("VERB", "AUX") and not any(
            c.dep_ == "mark" and c.lower_ in ("if", "unless") for c in child.children)


def _clause_heads(root: Token) -> list[Token]:
    heads = [root]
    stack = [root]
    while stack:
        for child in stack.pop().children:
            if (child.dep_ == "conj" and child.pos_ in ("VERB", "AUX") and has_subject(child)
                    or _comma_spliced(child, child.head) or _under_a_remark(child)):
                heads.append(child)
                stack.append(child)
            elif child.dep_ == "conj":
                stack.append(child)
    return heads


def _without_second_person_asides(root: Token, tokens: list[Token]) -> list[Token]:
    """Drop side clauses that speak to the assistant ("..., just so you know")."""
    drop: set[int] = set()
    for child in root.children:
        if child.dep_ in ("advcl", "parataxis", "intj", "npadvmod", "advmod") and any(
                t.lower_ in SECOND_PERSON for t in child.subtree):
            drop.update(t.i for t in child.subtree)
    return [t for t in tokens if t.i not in drop]


def _without_talk_asides(root: Token, tokens: list[Token]) -> list[Token]:
    """Drop side clauses about the conversation itself ("since we last spoke, ...", "as I said, ...")."""
    drop: set[int] = set()
    for child in root.children:
        told_before = child.lemma_ in _TOLD_BEFORE and any(c.dep_ == "mark" and c.lower_ == "as"
                                                            for c in child.children)  # "as I mentioned, ..."
        if child.dep_ in ("advcl", "parataxis") and (child.lemma_ in _TALK_VERBS or told_before):
            drop.update(t.i for t in child.subtree)
    return [t for t in tokens if t.i not in drop]


def _without_subjectless_consequence(tokens: list[Token]) -> list[Token]:
    """Cut ", so ..." when what follows has no subject ("I'm allergic to cats, so maybe not the cat cafe"): an
    afterthought that says nothing of anyone. With a subject it is a clause of its own and stays ("..., so I
    could be near my sister")."""
    for at in range(1, len(tokens) - 1):
        if (tokens[at].text == "," and tokens[at + 1].lower_ == "so"
                and not any(t.dep_ in SUBJECTS for t in tokens[at + 2:])):
            return tokens[:at]
    return tokens


def unread_before(sent: Span, found: Sequence[Clause]) -> list[tuple[Token, ...]]:
    """For each of ``found`` (in order), the tokens of ``sent`` before it that no clause of ``found`` holds: a
    part :func:`split` leaves out still names people ("Leo has changed his mind too, he's going to Edinburgh")."""
    held = {t.i for c in found for t in (*c.tokens, *c.reporter)}
    out, cursor = [], sent.start
    for clause in found:
        first = clause.tokens[0].i
        out.append(tuple(t for t in sent.doc[cursor:first] if t.i not in held))
        cursor = max(cursor, clause.tokens[-1].i + 1)
    return out


def unread_after(sent: Span, found: Sequence[Clause]) -> tuple[Token, ...]:
    """The tokens of ``sent`` after the last of ``found`` that no clause holds: a statement :func:`split` leaves
    out at the end still names things ("my weekend wasn't great, the Fiesta failed its MOT")."""
    held = {t.i for c in found for t in (*c.tokens, *c.reporter)}
    last = max(t.i for c in found for t in c.tokens)
    return tuple(t for t in sent.doc[last + 1:sent.end] if t.i not in held)


def split(sent: Span, people: Collection[str] = ()) -> list[Clause]:
    """The clauses of ``sent`` worth reading for facts (possibly none); ``people``: the names of the people the
    conversation has mentioned so far (:func:`is_statement`)."""
    if questions.asks(sent):
        statement = questions.statement_before(sent)
        if statement is None:
            return []
        sent = statement
    heads = [h for h in _clause_heads(sent.root) if sent.start <= h.i < sent.end]
    clauses = []
    for head in heads:
        others = [h for h in heads if h is not head and h.is_ancestor(head) is False and head.is_ancestor(h)]
        excluded = {t.i for h in others for t in h.subtree}
        # The "and" before another clause goes with it; not the one before a verb of this clause's own ("she's
        # nearly five months and grabs everything", said after "I went to her christening,").
        excluded |= {c.i for c in head.children if c.dep_ == "cc" and c.i + 1 in excluded}
        excluded |= {t.i for c in head.children if _said_before(c, head) for t in c.subtree}
        # (not a "that" left before a statement said alone: "and that I switched supplier last week")
        tokens = _in_order(t for t in head.subtree if t.i not in excluded and sent.start <= t.i < sent.end and not (
            t.dep_ == "mark" and t.head.i == head.i and (t.lower_ == "that" and head.dep_ == "ROOT" or _under_a_remark(
                head))))
        tokens = _without_second_person_asides(head, tokens)
        tokens = _without_talk_asides(head, tokens)
        tokens = trim(_without_subjectless_consequence(tokens))
        if tokens:
            clause = _unwrap(Clause(tuple(tokens), head))
            # A wrapper after its statement ("His colours are purple, I think") unwraps to a clause read already.
            if clause is not None and is_statement(clause, people) and all(c.root.i != clause.root.i for c in clauses):
                clauses.append(clause)
    return sorted(clauses, key=lambda c: c.start)  # in the order they were said, for coreference


def _someone_named(clause: Clause, subject: Token, people: Collection[str]) -> bool:
    """Whether ``clause``'s subject is a person by name, one the tagger calls a person or the conversation has
    mentioned ("my son Luca" ... "Luca was born on the 29th of August"): what the people a speaker talks about do
    is part of the speaker's world, as what "he" does is. Such a clause holds no other third-person pronoun than
    its subject's own "his" or "her", or "he"/"she" said again (:func:`_subject_again`): with no "I" in it, nothing
    says who "them" or "it" is ("Marco buys them by the crate")."""
    known = subject.text[:1].isupper() and subject.text in {w for name in people for w in name.split()}
    if not known and (subject.pos_ != "PROPN" or subject.ent_type_ != "PERSON" and not shows_a_person(subject)):
        return False  # (a name the chat mentioned counts however the tagger took it: "Greta works at ...")
    return not any(t.lower_ in THIRD_PERSON and not (t.dep_ == "poss" and t.lower_ in ("his", "her") or _subject_again(
        t, subject)) for t in clause.tokens)


def _subject_again(t: Token, subject: Token) -> bool:
    """Whether ``t`` is "he" or "she" heading a clause hung on ``subject``'s own verb ("Ollie has chickenpox so he's
    off school"): the one named, said again."""
    return t.lower_ in ("he", "she") and t.dep_ in ("nsubj", "nsubjpass") and t.head.dep_ in ("advcl", "conj") \
        and t.head.head.i == subject.head.i


_NOT_EVENTS = frozenset({"PERSON", "GPE", "LOC", "NORP", "DATE", "TIME"})
#: What a dated thing does: it is on a day, or starts or ends then ("Lisbon gets really hot in August" is no event).
_SCHEDULED = frozenset({"be", "start", "begin", "end", "finish", "open", "close"})


def _named_and_dated(clause: Clause, subject: Token) -> bool:
    """Whether ``clause`` gives a date to something the speaker names ("Roundhay 10k is 24 March", "Glastonbury is
    in June"): a date in the speaker's world, whoever it belongs to. Nothing else in it may point elsewhere."""
    own = {t.i for t in subject.subtree}
    # The subject's own name, not a place or a person ("Berlin is on the 28th" is a race in Berlin), nor a date.
    named = any(t.pos_ == "PROPN" and t.text[:1].isupper() and t.ent_type_ not in _NOT_EVENTS
                for t in (subject, *(c for c in subject.children if c.dep_ == "compound")))
    return named and clause.root.lemma_ in _SCHEDULED and any(
        t.ent_type_ == "DATE" and t.i not in own for t in clause.tokens) and not any(
        t.lower_ in THIRD_PERSON or t.lower_ in _DEMONSTRATIVES for t in clause.tokens)


#: What a day is like, no one's thing: "the weather on Sunday was awful".
_AMBIENT = NON_CONTENT_NOUNS | {"weather", "traffic", "rain", "news", "sun", "wind", "snow"}
_DAY_WORDS = frozenset({"yesterday", "today", "tomorrow", "tonight", "monday", "tuesday", "wednesday", "thursday",
                        "friday", "saturday", "sunday"})


def _dated_thing(clause: Clause, subject: Token) -> bool:
    """Whether ``clause`` says what a thing of the speaker's world did or does on a day ("the storm on saturday
    flooded the cellar", "the twins start nursery on Monday"): "the" thing or a bare noun as subject,
    a day or week named in the clause (a weekday, a day of the month, yesterday, next week) or a month it is due by
    (:func:`_deadline`), nothing pointing elsewhere."""
    # (an owner counts only as a thing said with "the": "the car's MOT is due on the 30th")
    # (or a name the tagger gave a common noun in lower case, or a bare gerund: "the scan", "viewing is saturday")
    if subject.pos_ != "NOUN" and not (subject.pos_ == "PROPN" and subject.is_lower) and not (
            subject.tag_ == "VBG" and not any(c.dep_ in ("dobj", "aux", "nsubj") for c in subject.children)) \
            or subject.lemma_.lower() in _AMBIENT or any(c.dep_ == "nummod" or c.dep_ == "poss" and (
            c.pos_ != "NOUN" or not any(d.lower_ == "the" for d in c.children)) for c in subject.children) or any(
            c.dep_ == "det" and c.lower_ != "the" for c in subject.children):
        return False  # (the weather, the week: what the day was like, no one's)
    if clause.root.tag_ == "VBG" and not any(c.dep_ == "aux" for c in clause.root.children) or \
            subject.left_edge.i != clause.tokens[0].i:
        return False  # "test driving both on Saturday", "four nights from 14 June, breakfast included": notes
    day = any(t.ent_type_ == "DATE" and (t.lower_ in _DAY_WORDS or t.like_num or t.text[:-2].isdigit() or t.lower_ in (
        "week", "weekend") and t.i > 0 and t.doc[t.i - 1].lower_ in ("next", "this", "last")) or ORDINAL_DAY.fullmatch(
        t.text) and t.i > 1 and t.doc[t.i - 1].lower_ == "the" and t.doc[t.i - 2].lower_ in ("on", "by", "for")
              for t in clause.tokens)  # (a day of the month the tagger left a number: "due on the 30th")
    return (day or any(_deadline(t) or short_weekday(t) for t in clause.tokens)) and not any(
        t.lower_ in THIRD_PERSON or t.lower_ in _DEMONSTRATIVES for t in clause.tokens)


def _deadline(t: Token) -> bool:
    """Whether ``t`` is a month something is due by ("the car needs a service by the end of March", "before June"):
    a date for a thing of the speaker's, as a day is; a month alone is not ("the garden is lovely in May")."""
    if t.ent_type_ != "DATE" or t.lower_ not in MONTH_WORDS:
        return False
    preposition = next((a for a in t.ancestors if a.pos_ == "ADP" and a.lower_ != "of"), None)
    return preposition is not None and preposition.lower_ in ("by", "before", "until", "till")


def _unwrap(clause: Clause) -> Clause | None:
    """``I think (that) X`` → ``X``; a wrapper with no statement inside is no clause. What someone else reports
    about anyone but the speaker is their statement ("my sister told me she is pregnant" → "she is pregnant",
    said by "my sister"); about the speaker ("mum says I work too much") it is their opinion, and no fact, unless
    they say it in a role that advises the speaker (:data:`~memvault.extraction.kin.ADVISERS`)."""
    root = clause.root
    subject = clause.subject()
    if root.lemma_ in _REPORTING and subject is not None and subject.lower_ not in _SPEAKER_WORDS \
            and not any(c.dep_ == "neg" for c in root.children):
        inner = next((c for c in root.children if c.dep_ == "ccomp" and has_subject(c)), None)
        said = next((c for c in inner.children if c.dep_ in SUBJECTS), None) if inner is not None else None
        if said is None or said.lower_ in _SPEAKER_WORDS and subject.lemma_.lower() not in ADVISERS:
            return clause  # but what the surgeon says of the speaker is advice: "the surgeon says I can cycle"
        tokens = trim(_in_order(t for t in inner.subtree if t.dep_ != "mark" or t.head.i != inner.i))
        return Clause(tuple(tokens), inner, tuple(subject.subtree)) if tokens else None
    if root.lemma_ in _WRAPPERS and subject is not None and subject.lower_ in ("i", "we"):
        if any(c.dep_ == "neg" for c in root.children):
            return None  # "I don't think I'll get another dog": what is thought is denied, so no statement
        inner = next((c for c in root.children if c.dep_ == "ccomp" and has_subject(c)), None)
        if inner is None:  # "I feel …", "I'm thinking of Blockhelden" say something; a bare "I think so" not
            # ... as does what the speaker is thinking of doing ("I'm thinking of hiring a junior analyst")
            return clause if root.lemma_ == "feel" or any(c.dep_ == "prep" and c.lower_ in ("of", "about") and any(
                p.dep_ == "pobj" and p.pos_ == "PROPN" or p.dep_ == "pcomp" and p.tag_ == "VBG" and any(
                    o.dep_ == "dobj" for o in p.children) for p in c.children) for c in root.children) else None
        if root.tag_ == "VBG" and subject_of(inner) is not None and subject_of(inner).lower_ in ("we", "you"):
            return None  # "I was thinking we rent a cottage": a proposal, not what was done
        tokens = trim(_in_order(t for t in inner.subtree if t.dep_ != "mark" or t.head.i != inner.i))
        return Clause(tuple(tokens), inner) if tokens else None
    if root.lemma_ in _KEEP_IN_MIND and root.tag_ == "VB" and subject is None and not any(
            c.dep_ == "neg" for c in root.children):
        # "remember that my GP is Dr Idris", "remind me that the debit moves to the 15th": what the speaker asks
        # to have kept is what they state
        inner = next((c for c in root.children if c.dep_ == "ccomp" and has_subject(c)), None)
        tokens = trim(_in_order(t for t in inner.subtree if t.dep_ != "mark" or t.head.i != inner.i)) if inner else ()
        return Clause(tuple(tokens), inner) if tokens else clause
    return clause


def _promised_someone(verb: Token) -> bool:
    """ "I promised Jonah I'd help him move": a promise to someone by name is a commitment, not talk ("I promise")."""
    return verb.lemma_ == "promise" and any(c.dep_ in ("dobj", "dative") and c.pos_ == "PROPN" for c in verb.children)


def _small_talk(clause: Clause, subject: Token, first_person_subject: bool) -> bool:
    root = clause.root
    if subject.lower_ in _DEMONSTRATIVES or any(c.dep_ == "det" and c.lower_ in _DEMONSTRATIVES
                                                for c in subject.children):
        return True  # "Those moments really ...", "That was ...": points back at something not in the fact
    if root.lemma_ in ("sound", "seem") and not any(c.dep_ in ("prep", "xcomp", "ccomp") for c in root.children):
        return True  # "She sounds cool": the speaker's impression, not a fact about her
    if not first_person_subject:
        return False
    aux = {c.lower_ for c in root.children if c.dep_ == "aux"}
    if aux & _SUGGESTING or root.lemma_ in _TALK_VERBS and subject.lower_ == "we" and not any(
            c.dep_ == "dobj" for c in root.children):
        return True  # "we could go bowling", "I could try that", "we talked for hours"
    if subject.lower_ == "we" and any(c.lemma_ in _US_NOUNS for c in root.children if c.dep_ in ("dobj", "attr")):
        return True
    about = [c for c in root.children if c.dep_ in ("dobj", "attr", "prep", "xcomp", "ccomp", "agent", "npadvmod",
                                                    "advcl", "pcomp", "dative")
             or c.dep_ == "advmod" and any(g.dep_ in ("prep", "npadvmod") for g in c.children)]  # "away till …"
    moods = [c for c in root.children if c.dep_ in ("acomp", "advmod", "oprd") and c.lower_ in MOODS]
    if root.lemma_ in ("be", "feel", "do", "seem", "get") and moods and not about:
        return True  # "I'm doing ok", "I feel better", "I'm so excited"
    if root.lemma_ in ("be", "feel") and not about and not any(c.dep_ in ("acomp", "attr") for c in root.children):
        return True
    return root.lemma_ == "do" and not about and not any(c.dep_ == "acomp" for c in root.children)


def is_statement(clause: Clause, people: Collection[str] = ()) -> bool:
    """Whether ``clause`` can hold a fact (see the module docstring for what cannot)."""
    root = clause.root
    words = [t for t in clause.tokens if not t.is_punct]
    if len(words) < 2 or clause.has(SECOND_PERSON):
        return False
    if root.pos_ not in ("VERB", "AUX") or any(t.lower_ == "way" and t.dep_ == "npadvmod" and t.doc[t.i - 1].lower_
                                               == "no" for t in words):
        return False  # "no way am I leaving her": a no that said back as a statement reads as a yes
    subject = clause.subject()
    if subject is None:
        return False  # an imperative or a fragment ("Not yet", "Twelve people")
    if subject.i > root.i and root.lemma_ != "be" and subject.pos_ != "PRON":
        return False  # "…, did my first parkrun last Saturday": the parser's subject after the verb is its object
    if root.dep_ == "ccomp" and any(c.dep_ == "mark" and c.lower_ in ("if", "whether") for c in root.children):
        return False  # what someone asked ("she asked if Claire is going to be her stepmum")
    owner = next((c for c in subject.children if c.dep_ == "poss"), None)
    if not clause.has(FIRST_PERSON) and subject.lower_ not in THIRD_PERSON and (
            owner is None or owner.lower_ not in THIRD_PERSON) and not _someone_named(clause, subject, people) and not (
            owner is not None and _someone_named(clause, owner, people)) and speakers_role(subject) is None \
            and not _named_and_dated(clause, subject) and not _dated_thing(clause, subject):
        return False  # no one's: not the speaker's, a person's ("Arjun's gala"), or the speaker's surgeon's
    first_person_subject = subject.lower_ in ("i", "we")
    if first_person_subject and root.lemma_ in _META_VERBS and not _promised_someone(root) \
            or root.lemma_ in _REPORTING:
        return False
    if _small_talk(clause, subject, first_person_subject):
        return False
    if first_person_subject and root.lemma_ in _BARE_META_VERBS and not any(
            c.dep_ in ("dobj", "ccomp", "xcomp", "prep", "attr", "acomp") and c.lower_ not in VAGUE_OBJECTS
            or c.dep_ in ("advmod", "prt") and any(g.dep_ == "prep" for g in c.children) for c in root.children):
        return False  # "I see", "I didn't know that"; not "I got back from Lisbon"
    if first_person_subject and root.lemma_ in ("need", "want", "have", "would", "like") and any(
            c.dep_ in ("dobj", "attr") and c.lemma_ in _REQUEST_OBJECTS for c in root.children):
        return False
    if len(words) <= 4 and any(c.dep_ in ("dobj", "attr", "pobj") and c.lower_ in VAGUE_OBJECTS
                               for c in root.subtree) and not any(c.dep_ == "oprd" for c in root.children):
        return False  # "I love it", "I did that": says nothing without what "it" was ("I named it Bubbles" does)
    if root.lemma_ == "be" and first_person_subject:
        complements = [c for c in root.children if c.dep_ in ("acomp", "attr", "advmod", "prep")]
        content = [t for t in words if t.i != subject.i and t.i != root.i and t.dep_ not in ("neg", "advmod")]
        if complements and all(c.lower_ in _FILLER_PREDICATES for c in complements) and len(content) <= 2 \
                and not any(t.pos_ == "PROPN" or t.ent_type_ == "DATE" for t in content):
            return False  # "I'm back", "I'm here"; not "I'm back from Spain"
    return True
