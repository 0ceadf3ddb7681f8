"""Conversation → facts about its people, on the device, with the pinned spaCy pipeline.

User turns and turns whose speaker the caller named give facts (an unnamed
assistant's turns are context, except what they tell the user about the user:
"You have a dentist appointment on Tuesday"; see :mod:`~memvault.extraction.speakers`).
Each such turn is split into sentences and clauses
(:mod:`~memvault.extraction.clauses`), first-person statements become third-person
facts that name the speaker (:mod:`~memvault.extraction.rewrite`) with pronouns resolved within the
conversation (:mod:`~memvault.extraction.coref`) and relative dates resolved
against the conversation's time (:mod:`~memvault.extraction.dates`). Each fact is
**episodic** when it is time-bound (a resolved date, or an event verb in the
past or future: moved, started, bought, will fly) with the date in
``event_at``, else **semantic**; it gets categories from the fixed set
(:mod:`~memvault.extraction.categories`), the single-valued attribute it sets, if
any (:mod:`~memvault.extraction.attributes`), and its provenance: the message's
index in the conversation and the character span of the clause in it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from memvault.extraction import (answers, attributes, chat_forms, clause_dates, clauses, dates, language_gate, names,
                                 other_side, questions, record_answers, reparse, second_person, truecase)
from memvault.extraction.categories import categorize
from memvault.extraction.clause import Clause, has_subject
from memvault.extraction.worth import worth_storing
from memvault.extraction.coref import Antecedents, Mention
from memvault.extraction.dates import Tense
from memvault.extraction.mention_tokens import speakers_role, untyped_names
from memvault.extraction.naming import name_given, name_given_to
from memvault.extraction.nlp import NlpPipeline
from memvault.extraction.rewrite import places_for_there, render, subject_mention
from memvault.extraction.speakers import SPEAKERS, Message, telling, voices
from memvault.extraction.turn_docs import TurnDocs
from memvault.extraction.voice import Voice, for_clause, gender_of

if TYPE_CHECKING:  # spaCy takes seconds to import; only the pipeline (nlp.py) loads it, on first use
    from spacy.tokens import Doc, Span

SEMANTIC = "semantic"
EPISODIC = "episodic"
#: Verbs that make a past or future clause an event ("moved", "will start").
EVENT_VERBS = frozenset(["move", "visit", "go", "travel", "start", "begin", "finish", "complete", "graduate", "marry", "adopt", "buy", "sell", "meet", "get", "run", "attend", "fly", "return", "break", "lose", "win", "join", "quit", "leave", "retire", "hire", "fire", "bear", "celebrate", "book", "schedule", "arrive", "launch", "sign", "pass", "fail", "injure", "sprain", "undergo", "diagnose", "promote", "pay", "order", "turn", "open", "close", "die", "born", "give", "take", "make", "send", "receive", "break", "switch", "drive", "cancel", "host", "throw", "enrol", "enroll", "apply", "accept", "decline", "propose", "divorce", "relocate", "wake", "fall", "crash", "transfer", "publish", "release", "build", "renovate", "sprain", "tear", "fracture", "land", "rent", "plan"])


@dataclass(frozen=True)
class Fact:
    """One extracted fact with where it came from."""

    text: str
    kind: str
    categories: tuple[str, ...]
    subject: str
    message_index: int
    start: int
    end: int
    quote: str
    event_at: str | None = None
    event_precision: str | None = None
    attribute: str | None = None
    value: str | None = None
    #: Whose fact it is: the display name of the person it is about, ``None`` for an unnamed user.
    person: str | None = None
    #: Where ``text`` names an unnamed user ("the user", "The user", the "the user" of "the user's"):
    #: ``(start, end)`` character spans, so the fact can be given the user's name once it is known
    #: (:func:`named`) and read as it would have been written with it.
    name_slots: tuple[tuple[int, int], ...] = ()


#: Stands for an unnamed user's name while a fact is rendered, so the spans "the user" fills are known
#: (a private-use character: no letter case, no whitespace, never in a conversation that uses it).
UNNAMED = "\ue000"
UNNAMED_TEXT = "the user"


def filled(template: str, name: str) -> tuple[str, tuple[tuple[int, int], ...]]:
    """``template`` with each :data:`UNNAMED` replaced by ``name``, its first letter capitalised as
    :func:`~memvault.extraction.rewrite.render` capitalises a fact; and the spans ``name`` took."""
    pieces: list[str] = []
    slots: list[tuple[int, int]] = []
    at = 0
    for i, part in enumerate(template.split(UNNAMED)):
        if i:
            slots.append((at, at + len(name)))
            pieces.append(name)
            at += len(name)
        pieces.append(part)
        at += len(part)
    text = "".join(pieces)
    return (text[:1].upper() + text[1:]), tuple(slots)


def named(text: str, slots: Sequence[Sequence[int]], name: str) -> str:
    """A fact written for an unnamed user (``text``, with its :attr:`Fact.name_slots`) as the extractor
    would have written it knowing the user's ``name``: the same render, the name in each slot."""
    template, last = "", 0
    for start, end in sorted(slots):
        template += text[last:start] + UNNAMED
        last = end
    return filled(template + text[last:], name)[0]


def _quote(clause: Clause, doc: Doc) -> str:
    """The turn's words, as said, from the clause's first token to its last (``doc.text`` joins the whole turn)."""
    return truecase.as_said(doc[clause.tokens[0].i:clause.tokens[-1].i + 1])


def _kind(clause: Clause, tense: Tense, event: dates.ResolvedDate | None, recurring: bool, since: bool) -> str:
    if recurring or since:
        return SEMANTIC
    if event is not None:
        return EPISODIC
    root = clause.root
    verb = root.lemma_.lower()
    if tense in (Tense.PAST, Tense.FUTURE) and verb in EVENT_VERBS:
        return EPISODIC
    if verb in EVENT_VERBS and any(c.lower_ == "just" for c in root.children):
        return EPISODIC
    return SEMANTIC


def _subject_key(clause: Clause, antecedents: Antecedents, voice: Voice) -> tuple[str, str | None]:
    """The fact's subject relative to its person ("user", "user's sister") and that person."""
    subject = clause.subject()
    if subject is None:
        return "user", voice.person
    mention = subject_mention(clause, antecedents)
    if mention is not None:
        return mention.key, _whose(mention, voice)
    kin = next((c for c in subject.children if c.dep_ == "compound" and c.pos_ == "NOUN"), None)
    owner = next((c for c in (*subject.children, *(kin.children if kin is not None else ())) if c.dep_ == "poss"),
                 None)
    if owner is not None and owner.lower_ in ("my", "our") and subject.lemma_ not in ("name", "age") and not any(
            c.lower_ in ("favorite", "favourite") for c in subject.children):
        noun = kin if kin is not None and subject.pos_ == "PROPN" else subject  # "my dog Rex" is about the dog
        return f"user's {noun.lemma_.lower()}", voice.person
    if owner is not None:
        mention = antecedents.resolve(owner.lower_)  # "Her plane ..." is about whoever "her" is
        if mention is not None:
            return mention.key, _whose(mention, voice)
    return "user", voice.person


def _whose(mention: Mention, voice: Voice) -> str | None:
    """The person a fact about ``mention`` is filed under: whoever's relation it is ("Ben's sister"); a bare
    name ("Zainab", "Ravi") is no one's, so the fact is the speaker's, whoever named them first."""
    return mention.owner if mention.key.startswith("user's ") else voice.person



def _moved(text: str, offset: int, back: Callable[[int], int]) -> Callable[[Fact], Fact]:
    """What puts a fact read from the sentence ``text`` parsed again as another text back onto the turn's own
    text (``offset``: where the sentence starts there; ``back``: a character of the other text → of ``text``)."""
    def moved(fact: Fact) -> Fact:
        start, end = back(fact.start), back(fact.end)
        return dataclasses.replace(fact, start=offset + start, end=offset + end, quote=text[start:end])
    return moved


def _before_implied(ats: Sequence[int], length: int) -> Callable[[int], int]:
    """A character of a sentence with ``length`` characters ("I ", "my ") written in at each of ``ats`` (offsets
    in the sentence as said, ascending) → of the sentence as it was said."""
    def back(j: int) -> int:
        for k, at in enumerate(ats):
            start = at + k * length
            if j <= start:
                return j - k * length
            if j < start + length:
                return at
        return j - len(ats) * length
    return back


def _said_as(doc: Doc, start: int, end: int) -> Callable[[Fact], Fact]:
    """What gives a fact read from a restated answer the span and words of the answer as it was said."""
    return lambda fact: dataclasses.replace(fact, start=start, end=end, quote=truecase.as_said(doc[:])[start:end])


def _other_side(before: Message, now: Message) -> bool:
    return before.role != "system" and (before.role, before.name) != (now.role, now.name)


def _question_before(messages: Sequence[Message], index: int, unmarked: bool = False) -> str | None:
    """The other side's last sentence just before turn ``index``, when it is a question (``unmarked``: also one
    written without its "?", :func:`record_answers.unmarked_question`)."""
    if index == 0 or not _other_side(before := messages[index - 1], messages[index]):
        return None
    asked = record_answers.question_of(other_side.sentences(before.content), unmarked)
    return asked if asked is not None and language_gate.reads(asked) else None


class Extractor(Protocol):
    """What the conversation service needs: facts, and the name of what found them (their provenance)."""

    @property
    def extractor_id(self) -> str: ...

    def extract_with_id(self, messages: Sequence[Message], now: dt.datetime, docs: TurnDocs | None = None,
                        known: Collection[str] = ()) -> tuple[list[Fact], str]: ...

    def read_user_name(self, messages: Sequence[Message], docs: TurnDocs | None = None,
                       known_place: Callable[[str], bool] | None = None) -> str | None: ...


class FactExtractor:
    """Turns a conversation's user turns into :class:`Fact` values; one per process, thread-safe."""

    def __init__(self, pipeline: NlpPipeline) -> None:
        self._pipeline = pipeline

    @property
    def extractor_id(self) -> str:
        return f"on-device/{self._pipeline.pipeline_id}"

    def extract_with_id(self, messages: Sequence[Message], now: dt.datetime, docs: TurnDocs | None = None,
                        known: Collection[str] = ()) -> tuple[list[Fact], str]:
        return self.extract(messages, now, docs, known), self.extractor_id

    def extract(self, messages: Sequence[Message], now: dt.datetime, docs: TurnDocs | None = None,
                known: Collection[str] = ()) -> list[Fact]:
        """The facts in ``messages`` (said at ``now``, timezone-aware), in the order they were said; ``docs`` holds
        the turns of this conversation already parsed (reading the user's name), and takes the ones parsed here;
        ``known``: names of people known from before this conversation (its namespace's), as the chat writes
        them: what they do is a fact however the tagger takes the name."""
        speaking = voices(messages)
        if not any(UNNAMED in m.content for m in messages):
            # An unnamed user is rendered as UNNAMED, then "the user": the fact keeps where its name goes.
            speaking = {i: Voice(UNNAMED) if v.person is None else v for i, v in speaking.items()}
        # Turns the English pipeline does not fit would give invented facts (language_gate): they give none.
        turns = [(i, messages[i].content) for i in sorted(speaking) if language_gate.reads(messages[i].content)]
        cache = TurnDocs(known) if docs is None else docs
        told_by = telling(messages, speaking)
        if told_by is not None:  # the assistant's sentences that may be about the user join the turns' batch
            cache.expect([piece for text in told_by[1].values() for _, piece in second_person.candidates(text)])
        parsed = dict(zip((i for i, _ in turns), cache.parse(self._pipeline, [text for _, text in turns]), strict=True))
        told = self._told(messages, told_by, cache, now.year) if told_by is not None else {}
        antecedents = Antecedents(known=known)
        facts: list[Fact] = []
        for index in sorted({*parsed, *told}):
            antecedents.month = dates.month_named(" ".join(m.content for m in messages[max(0, index - 2):index + 1]))
            if index in told:  # an assistant's sentences about the user, restated as the user's (second_person)
                voice, read_to = told[index][0], None
                for sent, relocate, start, end in told[index][1]:
                    # Its "it" is most often what the assistant just said, which only counts if that sentence was
                    # read here too ("Your insurance renews on 1 April. You paid 312 pounds for it").
                    if read_to is None or messages[index].content[read_to:start].strip():
                        antecedents.forget_things()
                    self._read(sent, relocate, index, now, antecedents, voice, facts,
                               (*known, *second_person.people(sent, self._pipeline.known_words())))
                    read_to = end
                continue
            doc, voice = parsed[index], speaking[index]
            if index and _other_side(messages[index - 1], messages[index]):
                other_side.read(antecedents, messages[index - 1].content, doc.text, voice,
                                lambda text: tuple(cache.parse(self._pipeline, [text])[0]),
                                read_as_turn=index - 1 in speaking)
            for sent, relocate in self._sentences(doc, cache, _question_before(messages, index)):
                self._read(sent, relocate, index, now, antecedents, voice, facts, known)
            antecedents.answered()
        return facts

    def _read(self, sent: Span, relocate: Callable[[Fact], Fact] | None, index: int, now: dt.datetime,
              antecedents: Antecedents, voice: Voice, facts: list[Fact], people: Sequence[str] = ()) -> None:
        """Add the facts of one sentence of turn ``index`` to ``facts``, and what it mentions to ``antecedents``;
        ``people``: names the sentence is known to be about besides those mentioned so far."""
        found = clauses.split(sent, [*antecedents.names(), *people, *untyped_names(sent, self._pipeline.known_words())])
        for clause, unread in zip(found, clauses.unread_before(sent, found), strict=True):
            if unread:
                antecedents.observe(unread, voice)
            if clause.reporter:
                antecedents.observe(clause.reporter, voice)  # "my sister told me she …": "she" is her
            fact = self._fact(clause, sent.doc, index, now, antecedents, voice)
            if fact is not None:
                facts.append(fact if relocate is None else relocate(fact))
            antecedents.observe(clause.tokens, voice)
        if found and (rest := clauses.unread_after(sent, found)):
            antecedents.observe(rest, voice)
        if not found:
            # A question still introduces people: "What should I get my dad? He is turning 60."
            antecedents.observe(tuple(sent), voice, asked=questions.asks(sent))

    def _told(self, messages: Sequence[Message], told_by: tuple[Voice, dict[int, str]], cache: TurnDocs, year: int
              ) -> dict[int, tuple[Voice, list[tuple[Span, Callable[[Fact], Fact], int, int]]]]:
        """The assistant's sentences about the user (:func:`~memvault.extraction.speakers.telling`), by turn
        index, restated in the first person to be read in the user's voice, each with what moves its facts back
        onto the turn, and where it starts and ends there."""
        voice, texts = told_by
        asked = {i: q for i in texts if (q := _question_before(messages, i, unmarked=True)) is not None}
        restated = second_person.told(texts, lambda batch: cache.parse(self._pipeline, batch), year, asked,
                                      self._pipeline.known_words())
        return {i: (voice, [(sent, _moved(messages[i].content[start:], start, back), start, start + length)
                            for sent, start, back, length in sents])
                for i, sents in restated.items()}

    def _sentences(self, doc: Doc, cache: TurnDocs, question: str | None
                   ) -> list[tuple[Span, Callable[[Fact], Fact] | None]]:
        """``doc``'s sentences, each with ``None``, except three kinds parsed again (a turn's in one batch) and
        given with what moves their facts back onto the turn's text: a sentence that leaves out its "I"
        (:func:`~memvault.extraction.reparse.dropped_first_person`), with it written in; one whose opening "by the
        way" the parser took for its head (:func:`~memvault.extraction.reparse.misparsed_lead`), without it; and a
        short answer that opens the turn, restated with the ``question`` it answers
        (:mod:`~memvault.extraction.answers`)."""
        sents = list(doc.sents)
        again: dict[int, tuple[str, Callable[[Fact], Fact]]] = {}
        phrase_subject: set[int] = set()  # sentences whose subject is a noun phrase a pronoun takes up
        for i, sent in enumerate(sents):
            text, quoted = sent.text, truecase.as_said(sent)  # the parser's text; the quote's, as said
            implied = reparse.dropped_first_person(sent, sents[i - 1] if i else None)
            if implied == reparse.PROGRESSIVE and i == 0 and answers.in_ing(sent, question):
                pass  # "What's your routine?" "Weightlifting on Monday": an answer (below), not "I'm weightlifting"
            elif implied is not None:
                at = reparse.implied_at(sent).idx - sent.start_char
                # A verb that opened the sentence loses its capital after "I'm" ("Hoping to submit by …")
                again[i] = (text[:at] + implied + text[at:at + 1].lower() + text[at + 1:],
                            _moved(quoted, sent.start_char, _before_implied((at,), len(implied))))
            elif ats := reparse.dropped_possessive(sent, sents[i - 1] if i else None):
                # "Mum is coming" → "my mum is coming": a family word or a thing, never a name.
                written = text
                for at in reversed(ats):
                    written = written[:at] + "my " + written[at].lower() + written[at + 1:]
                again[i] = (written, _moved(quoted, sent.start_char, _before_implied(ats, 3)))
            elif (at := reparse.misparsed_lead(sent)) is not None:
                again[i] = (text[at:], _moved(quoted, sent.start_char, lambda j, at=at: j + at))
            elif (taken := reparse.dislocated_subject(sent)) is not None:
                # "my new bike, it cost 500": the phrase is the subject, without the comma and the pronoun
                phrase_subject.add(i)
                again[i] = (text[:taken[0]] + taken[2] + text[taken[1]:],
                            _moved(quoted, sent.start_char, reparse.back_from(*taken)))
            elif (verb := reparse.verb_read_as_noun(sent) or chat_forms.guessed_who(sent)
                  or chat_forms.reduced_relative(sent)) is not None:
                start, end, written = verb
                again[i] = (text[:start] + written + text[end:],
                            _moved(quoted, sent.start_char, reparse.back_from(start, end, written)))
        yes = answers.yes_before(sents[0]) if question is not None else None
        answer = (answers.fragment(sents[0]) or answers.yes_alone(sents[0])) if question and not yes else None
        said = doc.char_span(*answer) if answer is not None else None
        if said is not None and 0 not in again:
            asked = list(cache.parse(self._pipeline, [question])[0].sents)[-1]
            restated = answers.statement(asked, said, self._pipeline.common_nouns())
            if restated is not None:
                again[0] = (restated, _said_as(doc, *answer))
        elif question is not None and answer is None and (
                (lead := yes or answers.fragment(sents[0], before_clause=True)) is not None):
            # "Cardiff, but I live in Bristol now", "yes, picked it up on Tuesday": the answer's statement, then rest
            asked = list(cache.parse(self._pipeline, [question])[0].sents)[-1]
            if (restated := answers.statement(asked, doc.char_span(*lead), self._pipeline.common_nouns())) is not None:
                again[-1] = (restated, _said_as(doc, sents[0].start_char, sents[0].end_char))
            # "my sister Hanna, she drove": the clause is read without the answer its pronoun takes up; "the 13th, I've
            # got the board meeting on the 12th" (to "you?"): nor with an answer no statement was made of
            rest = answers.taken_up(sents[0], lead) if restated else answers.after(sents[0], lead)
            if 0 not in again and rest is not None:
                again[0] = (doc.text[rest:sents[0].end_char],
                            _moved(truecase.as_said(doc[:])[rest:], rest, lambda j: j))
        if not again:
            return [(sent, None) for sent in sents]
        redone = dict(zip(again, cache.parse(self._pipeline, [text for text, _ in again.values()]), strict=True))
        out: list[tuple[Span, Callable[[Fact], Fact] | None]] = []
        out.extend((piece, again[-1][1]) for piece in (redone[-1].sents if -1 in redone else ()))
        for i, sent in enumerate(sents):
            parsed = list(redone[i].sents) if i in redone else []
            # Written another way, a sentence may parse as two ("… and my dad retired last week so he …"), and its
            # statement may be a clause under an imperative ("I hate cilantro, remember that for Friday").
            root = parsed[0].root if parsed else None
            if root is not None and (has_subject(root) or any(
                    c.dep_ in ("ccomp", "conj") and c.pos_ in ("VERB", "AUX") and has_subject(c)
                    for c in root.children)):
                out.extend((piece, again[i][1]) for piece in parsed)
            elif i not in phrase_subject:  # as said, its pronoun would be read as whatever came before
                out.append((sent, None))
        return out

    def read_user_name(self, messages: Sequence[Message], docs: TurnDocs | None = None,
                       known_place: Callable[[str], bool] | None = None) -> str | None:
        """The user's name as the chat gives it (:mod:`~memvault.extraction.names`), or ``None``; for a chat
        whose caller named no user. Only turns that may name someone are parsed; ``docs`` keeps them for
        :meth:`extract`, which needs most of them again. ``known_place``: whether the namespace knows a name
        as a place (a name the tagger calls a place is then not taken even where only a name can stand)."""
        others = [m.name for m in messages if m.name and m.role.lower() not in SPEAKERS]
        turns = [(m.role.lower() in SPEAKERS, m.content) for m in messages
                 if m.role != "system" and language_gate.reads(m.content)]
        cache = TurnDocs() if docs is None else docs
        if docs is not None:
            # Extraction parses the user's turns next: the name's first batch takes them too (one pipeline call).
            cache.expect([text for by_user, text in turns if by_user])
        return names.read(turns, others, lambda texts: cache.parse(self._pipeline, texts),
                          known_place or (lambda _name: False))

    def _fact(self, clause: Clause, doc: Doc, index: int, now: dt.datetime, antecedents: Antecedents,
              voice: Voice) -> Fact | None:
        tense = clause_dates.tense_of(clause.root)
        replacements, event, recurring, since = clause_dates.read(clause, doc, now, tense, antecedents.month)
        own = voice.person.split() if voice.person else ()
        if any((t.pos_ == "PROPN" or t.text in own) and names.introduced(doc[t.i:t.i + 1]) for t in clause.tokens):
            return None  # "I'm Marta": the user's name (names.py), no fact ("Marta is Marta")
        voice = for_clause(voice, clause.tokens, clause.root)
        if (subject := clause.subject()) is not None and (the := speakers_role(subject)) is not None:
            replacements = {**replacements, the.i: voice.possessive}  # "the surgeon" → "Selma's surgeon"
        if (given := name_given(clause)) is not None and (gender := gender_of(given[0].lower_)) is not None:
            mention = antecedents.resolve(given[0].lower_)
            if mention is None or mention.named:
                # "I had a date. Her name is Ilse": no one "her" reaches is unnamed, so Ilse is someone new (the
                # last person named, Tomas, is not renamed "Tomas Ilse"), and "she" is Ilse from now on.
                antecedents.introduce(given[1].text, gender, voice)
                return None
        if said_once := antecedents.named_by_predicate(clause, voice):
            replacements = {**replacements, **dict.fromkeys(said_once, "")}
        replacements = {**replacements, **places_for_there(clause, antecedents)}
        template = render(clause, antecedents, replacements, voice,
                          past=event is not None and event.start is not None and event.start < now.date())
        text, slots = (None, ()) if template is None else filled(template, UNNAMED_TEXT)
        if text is None or len(text.split()) < 3 or not worth_storing(clause, replacements):
            return None
        subject, person = _subject_key(clause, antecedents, voice)
        self._learn_name(clause, antecedents)
        kind = _kind(clause, tense, event, recurring, since)
        lemmas = [t.lemma_ for t in clause.tokens if not t.is_punct] + text.lower().split()
        labels = [t.ent_type_ for t in clause.tokens if t.ent_iob_ == "B"]
        if recurring:
            labels.append("TIME")
        verbs = {t.lemma_ for t in clause.tokens if t.pos_ == "VERB"} - {t.lemma_ for t in clause.tokens
                                                                          if t.pos_ in ("NOUN", "PROPN")}
        categories = categorize(lemmas, labels, dated_future=event is not None and event.start is not None
                                and event.start >= now.date(), verbs=verbs)
        attribute = attributes.read(clause)
        episodic = kind == EPISODIC and event is not None and event.start is not None
        return Fact(
            text=text, kind=kind, categories=tuple(categories), subject=subject, message_index=index,
            start=clause.start, end=clause.end, quote=_quote(clause, doc),
            event_at=event.start.isoformat() if episodic and event.start else None,
            event_precision=event.precision.value if episodic and event.precision else None,
            attribute=attribute.name if attribute else None, value=attribute.value if attribute else None,
            person=None if person == UNNAMED else person, name_slots=slots,
        )

    @staticmethod
    def _learn_name(clause: Clause, antecedents: Antecedents) -> None:
        """ "His name is Pip", "we named him Pip": the mention "his" or "him" points to is called Pip from now on."""
        given = name_given(clause)
        mention = antecedents.resolve(given[0].lower_) if given is not None else None
        if given is not None and mention is not None:
            antecedents.name(mention, given[1].text)
        elif (named := name_given_to(clause)) is not None and (mention := antecedents.resolve(named[0].lower_)):
            antecedents.name(mention, named[1])
