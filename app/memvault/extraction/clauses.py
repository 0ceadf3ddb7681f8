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

Which clauses can state a fact: :mod:`~memvault.extraction.statements`; what is worth storing once a clause is a
statement: :mod:`~memvault.extraction.worth`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from typing import TYPE_CHECKING

from memvault.extraction import questions
from memvault.extraction.clause import FIRST_PERSON, SECOND_PERSON, Clause, has_subject, subject_of
from memvault.extraction.clause_edges import SUBJECTS, trim
from memvault.extraction.kin import ADVISERS
from memvault.extraction.statements import REPORTING, TALK_VERBS, asked_for, is_statement

if TYPE_CHECKING:  # spaCy takes seconds to import; only the pipeline (nlp.py) loads it, on first use
    from spacy.tokens import Span, Token


#: The two people talking: what someone reports about them is no statement of that someone's.
_SPEAKER_WORDS = FIRST_PERSON | SECOND_PERSON
#: What a speaker asks the other to keep in mind ("remember that …", "note that …"): what follows is the statement.
_KEEP_IN_MIND = frozenset({"remember", "note", "remind", "record"})
#: Verbs that wrap the real statement ("I think I'll ..."): the statement is kept, the wrapper dropped.
_WRAPPERS = frozenset({"think", "guess", "believe", "suppose", "feel", "reckon", "figure", "mean", "say", "mention"})
#: Verbs of what was said before: "as I mentioned, ..." is talk about the conversation.
_TOLD_BEFORE = frozenset({"mention", "say", "tell", "explain", "write"})


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
    # ... nor is a request before it ("tell him to come to parkrun on saturday, we go every week"), hung as a clause
    # of circumstance
    told = child.dep_ == "advcl" and child.tag_ == "VB" and not any(c.dep_ == "mark" for c in child.children)
    return (child.dep_ in ("ccomp", "parataxis") or told) and child.pos_ in ("VERB", "AUX") and child.i < head.i and \
        not has_subject(child) and after < len(doc) and doc[after].text in _SPLICES


def _under_a_remark(child: Token) -> bool:
    """ "annoying because I signed up for the swim in June": a clause hung on a remark with no verb of its own; not a
    condition, which states nothing ("my achilles flares up if I do hills", "flares" read as a noun)."""
    return child.dep_ == "advcl" and child.pos_ in ("VERB", "AUX") and has_subject(child) and \
        child.head.dep_ == "ROOT" and child.head.pos_ not in ("VERB", "AUX") and not any(
            c.dep_ == "mark" and c.lower_ in ("if", "unless") for c in child.children)


def _before_subjectless(child: Token) -> bool:
    """ "Jamie's vegetarian so somewhere with a kitchen would help": a clause with its own subject that the parser hung
    as the object of a later verb with none ("help"), which it cannot be; it is said first, and stands alone."""
    return child.dep_ == "ccomp" and child.pos_ in ("VERB", "AUX") and child.i < child.head.i and has_subject(
        child) and child.head.pos_ in ("VERB", "AUX") and not has_subject(child.head)


def _clause_heads(root: Token) -> list[Token]:
    heads = [root]
    stack = [root]
    while stack:
        for child in stack.pop().children:
            if (child.dep_ == "conj" and child.pos_ in ("VERB", "AUX") and has_subject(child)
                    or _comma_spliced(child, child.head) or _under_a_remark(child) or _before_subjectless(child)):
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
        if child.dep_ in ("advcl", "parataxis") and (child.lemma_ in TALK_VERBS or told_before):
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
    if (kept := questions.kept_in_mind(sent)) is not None:
        sent = kept  # "can you remember that my locker code is 4471": asked as a question or not
    elif questions.asks(sent):
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
        if _before_subjectless(head):  # the words from its "so" on are the later verb's ("so somewhere … would help")
            tokens = [t for t in tokens if not any(x.lower_ == "so" and head.i < x.i <= t.i for x in tokens)]
        tokens = trim(_without_subjectless_consequence(tokens))
        while tokens and tokens[-1].i + 1 < sent.end and tokens[-1].like_num and sent.doc[tokens[-1].i + 1].like_num \
                and tokens[-1].i + 1 not in excluded:
            tokens.append(sent.doc[tokens[-1].i + 1])  # "07700 900123": a number said in groups, hung elsewhere
        if tokens:
            clause = _unwrap(Clause(tuple(tokens), head))
            # A wrapper after its statement ("His colours are purple, I think") unwraps to a clause read already.
            if clause is not None and is_statement(clause, people) and all(c.root.i != clause.root.i for c in clauses):
                clauses.append(clause)
    return sorted(clauses, key=lambda c: c.start)  # in the order they were said, for coreference


def _unwrap(clause: Clause) -> Clause | None:
    """``I think (that) X`` → ``X``; a wrapper with no statement inside is no clause. What someone else reports
    about anyone but the speaker is their statement ("my sister told me she is pregnant" → "she is pregnant",
    said by "my sister"); about the speaker ("mum says I work too much") it is their opinion, and no fact, unless
    they say it in a role that advises the speaker (:data:`~memvault.extraction.kin.ADVISERS`)."""
    root = clause.root
    subject = clause.subject()
    if root.lemma_ in REPORTING and subject is not None and subject.lower_ not in _SPEAKER_WORDS \
            and not any(c.dep_ == "neg" for c in root.children) and not asked_for(root):
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
