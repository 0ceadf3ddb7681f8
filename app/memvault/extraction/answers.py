"""A short answer read with the question it answers: "Where are you from?" "From Cardiff." → "I am from Cardiff".

A person often answers the other side's question with a fragment that states
nothing alone ("From Cardiff.", "Two.", "At Siemens."). When the other side's
turn ends with a question to them (a *wh* question whose subject is "you" or
"your …", nothing negated, no "I" of the asker's in it), the question is turned
round into the speaker's own first-person statement with the fragment where its
question word stood; extraction then reads that statement as if they had said
it (before the sentence itself, read as said, where a clause of their own follows the fragment: "Cardiff, but I
live in Bristol now"). A question about what "you" did ("Did you buy shoes yet?") answered "yes"
with a fragment ("yes, La Sportiva, 89 euros") is said as done, the fragment
after it ("I bought shoes, La Sportiva"), and so is one answered by a yes alone ("Yes!", "Yes, I did." → "I bought
shoes"), and so is one answered by a yes and a clause, before the clause ("yes, picked it up on Tuesday" → "I got a
car. yes, I picked it up on Tuesday"). Anything else (other yes/no questions,
"why", a fragment with a verb of its own, a "no") is left as it was: a wrong
statement would put words in someone's mouth.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import TYPE_CHECKING

from memvault.extraction.clause import FIRST_PERSON, has_subject
from memvault.extraction.rewrite import IRREGULAR_PAST, MOTION_VERBS, SAME_IN_PAST, third_person

if TYPE_CHECKING:
    from spacy.tokens import Span, Token

#: Longest fragment read as an answer, in words as written (after leading "oh", "yes", …): a noun phrase with its
#: place ("the repeat prescriptions flow in the NHS app"), not a sentence; measured on tuning data, docs/benchmarks.md.
MAX_ANSWER_WORDS = 8
#: Pronouns that open a clause about the short answer before it.
_TAKING_UP = frozenset({"he", "she", "they", "it"})
_QUESTION_WORDS = frozenset({"what", "which", "who", "whom", "where", "when", "how"})
#: "How" asks for an amount or a measure only with one of these after it ("how are you" asks nothing to store).
_HOW_MEASURES = frozenset({"many", "much", "old", "long", "often", "far", "big", "tall"})
_LEADING = frozenset({"so", "and", "but", "oh", "ok", "okay", "well", "then", "also", "anyway", "hey"})
_ANSWER_OPENERS = frozenset({"yes", "yeah", "yep", "oh", "well", "um", "uh", "hmm", "haha", "lol", "ah", "honestly",
                             "mostly", "probably", "just"})
_NEGATIVE = frozenset({"no", "nope", "not", "never", "nah", "none", "nothing", "nobody", "nowhere"})
#: Places answered without a preposition ("Where do you live?" "Nearby."): no "in" written before them.
_PLACE_ADVERBS = frozenset({"home", "here", "there", "abroad", "nearby", "downtown", "upstairs", "downstairs", "away",
                            "overseas", "locally", "outside", "inside", "everywhere", "somewhere"})
#: Verbs whose "where" is a workplace unless the answer is a place by its tag ("Where do you work?" "Corvane." → "at
#: Corvane"; "Leeds." → "in Leeds").
_AT_WORK = frozenset({"work", "intern", "volunteer", "teach", "train"})
_TIME_UNITS = frozenset({"year", "month", "week", "day", "hour", "minute", "decade"})
_SECOND_TO_FIRST = {"you": "me", "your": "my", "yours": "mine", "yourself": "myself"}
_FIRST_PERSON_BE = {"are": "am", "'re": "am", "were": "was", "'s": "is"}
_IRREGULAR_PAST = IRREGULAR_PAST | {verb: verb for verb in SAME_IN_PAST}
#: Words that open a yes ("yes, La Sportiva", "Correct, on 15 June").
YES = frozenset({"yes", "yeah", "yep", "yup", "correct"})
#: Questions about what "you" did, do or are doing, by their first word, with the tag their verb has:
#: "Did you buy shoes?", "Have you booked the ferry?", "Are you taking A2?", "Do you have the logger data?".
_DONE = {"did": "VB", "have": "VBN", "are": "VBG", "do": "VB"}
#: Words that ask when or whether at all ("Did you buy shoes yet?"), left out of the answer said as done.
_ASKED_WHEN = frozenset({"yet", "ever", "already"})
_CLAUSE_BREAK = re.compile(r"[,;:.!?\u2014\u2013]| - ")
#: Entity labels whose words keep their capitals when an answer opens with them ("Tuesday", "Siemens").
_NAMED = frozenset({"PERSON", "GPE", "LOC", "ORG", "NORP", "FAC", "PRODUCT", "WORK_OF_ART", "EVENT", "DATE",
                    "LANGUAGE"})
_CLITIC = re.compile(r" ('s|'re|'m|'ve|'ll|'d)\b")


def past(verb: str) -> str:
    """The simple past of a base form: the common irregular verbs by name, the rest by rule ("move" → "moved")."""
    lower = verb.lower()
    if lower in _IRREGULAR_PAST:
        return _IRREGULAR_PAST[lower]
    if lower.endswith("e"):
        return verb + "d"
    if lower.endswith("y") and len(lower) > 1 and lower[-2] not in "aeiou":
        return verb[:-1] + "ied"
    return verb + "ed"


def fragment(sent: Span, *, before_clause: bool = False) -> tuple[int, int] | None:
    """The character span (in ``sent.doc``) of the short answer ``sent`` opens with, or ``None`` when ``sent``
    says something of its own (a verb), says no, or runs longer than :data:`MAX_ANSWER_WORDS`. ``before_clause``:
    the short answer before a clause of the speaker's own instead ("Cardiff, but I live in Bristol now"), which
    is then read as said after the answer's statement; ``None`` where no clause follows."""
    tokens = [t for t in sent if not t.is_space]
    while tokens and (tokens[0].lower_ in _ANSWER_OPENERS or tokens[0].is_punct):
        tokens = tokens[1:]
    end = next((i for i, t in enumerate(tokens) if _CLAUSE_BREAK.fullmatch(t.text) and not _listing(t)), len(tokens))
    if any(t.pos_ in ("VERB", "AUX") for t in tokens[end:]) is not before_clause:
        return None  # restating the whole sentence would lose its clause, or there is none to keep
    words = [t for t in tokens[:end] if not t.is_punct or t.text == ","]
    while words and words[-1].is_punct:
        words.pop()
    if not words or _written_words(words) > MAX_ANSWER_WORDS or any(t.lower_ in _NEGATIVE for t in words):
        return None
    if any(t.pos_ in ("VERB", "AUX") and t.tag_ != "VBG" or t.lower_ in _SECOND_TO_FIRST for t in words):
        return None
    return words[0].idx, words[-1].idx + len(words[-1])


#: What may follow a yes that says only yes ("Yes, I did.", "yep, I have"): the question's own auxiliary, echoed.
_ECHOED = frozenset({"did", "have", "'ve", "am", "'m", "do"})


def taken_up(sent: Span, lead: tuple[int, int]) -> int | None:
    """Where the clause after a short answer ``lead`` (a character span of ``sent``) starts when a pronoun opens it
    and so takes the answer up ("my sister Hanna, she drove"), else ``None``: read with the answer in it, the
    clause would say its subject twice."""
    rest = [t for t in sent if t.idx >= lead[1] and not t.is_punct]
    return rest[0].idx if rest and rest[0].lower_ in _TAKING_UP and len(rest) > 1 else None


_YOU = re.compile(r"\byou\b", re.IGNORECASE)


def in_ing(sent: Span, question: str | None) -> bool:
    """Whether ``sent``, a verb in "-ing" with no subject, answers ``question`` ("What's your routine?"
    "Weightlifting on Monday"), rather than saying what the speaker is doing: not after a yes to a question about
    them ("Are you coming?" "yes, flying out on the 12th"), which is both."""
    return question is not None and not (sent[0].lower_ in YES and _YOU.search(question) is not None)


def after(sent: Span, lead: tuple[int, int]) -> int | None:
    """Where the clause after a short answer ``lead`` starts when the answer only says when ("the 13th, I've got the
    board meeting on the 12th"): read with the clause, it would date it twice. ``None`` for any other answer (read
    whole, "the kelp symposium in Lisbon, I submitted an abstract" still says to what)."""
    said = [t for t in sent if lead[0] <= t.idx < lead[1]]
    rest = [t for t in sent if t.idx >= lead[1] and not t.is_punct]
    if not rest or not all(t.ent_type_ in ("DATE", "TIME", "ORDINAL") or t.lower_ == "the" for t in said):
        return None
    return rest[0].idx


def yes_alone(sent: Span) -> tuple[int, int] | None:
    """The character span of ``sent`` when it says yes and nothing else ("Yes!", "Yep.", "Yes, I did."), else
    ``None``: a "did you …?" question it answers is then said as done (:func:`statement`)."""
    words = [t for t in sent if not t.is_space and not t.is_punct]
    if not words or words[0].lower_ not in YES:
        return None
    rest = [t.lower_ for t in words[1:]]
    if rest and (len(rest) != 2 or rest[0] != "i" or rest[1] not in _ECHOED):
        return None
    return sent.start_char, sent.end_char


#: Words by which a clause after a yes refers back to what the question asked of ("yes, sent it on Friday").
_BACK = frozenset({"it", "them", "one", "that", "those", "there"})


def yes_before(sent: Span) -> tuple[int, int] | None:
    """The character span of the yes that opens ``sent`` when a clause of the speaker's own follows it ("yes, picked
    it up on Tuesday", "yep, signed the lease for it"): a clause with no subject, or one that refers back; else
    ``None``. The "did you …?" question it answers is then also said as done, before the clause, whose "it" is then
    what was done ("I got a car. I picked it up …"). A clause that says it all itself is left to say it."""
    words = [t for t in sent if not t.is_space and not t.is_punct]
    if len(words) < 2 or words[0].lower_ not in YES or yes_alone(sent) is not None:
        return None
    if not any(t.pos_ in ("VERB", "AUX") for t in words[1:]):
        return None  # a fragment ("yes, La Sportiva"): :func:`statement` reads the answer whole
    if has_subject(sent.root) and not any(t.lower_ in _BACK for t in words[1:]):
        return None  # "Yes, I bought an annual pass last week": it says what was done itself
    return words[0].idx, words[0].idx + len(words[0])


def _says_only_yes(answer: Span) -> bool:
    return yes_alone(answer) == (answer.start_char, answer.end_char)


def _written_words(tokens: list[Token]) -> int:
    """How many words ``tokens`` are as written: "e-bike" and "Möwe-II" one each, however the tokenizer split them."""
    return sum(1 for t in tokens if not t.is_punct and (t.i == tokens[0].i or t.doc[t.i - 1].whitespace_))


def _listing(comma: Token) -> bool:
    """Whether ``comma`` separates the items of one list ("Monday, Wednesday and Friday"), not a fragment from
    an afterthought ("Leeds, mostly", "Two, a boy and a girl")."""
    doc = comma.doc
    if comma.text != "," or comma.i == 0 or comma.i + 1 >= len(doc):
        return False
    nominal = {"PROPN": "NOUN"}  # "Tomatoes, beans and courgettes": the capital of the first makes it a name
    alike = nominal.get(doc[comma.i - 1].pos_, doc[comma.i - 1].pos_) == nominal.get(doc[comma.i + 1].pos_,
                                                                                    doc[comma.i + 1].pos_)
    return alike and any(t.lower_ in ("and", "or") for t in doc[comma.i + 1:comma.sent.end])


def statement(question: Span, answer: Span, common: Collection[str] = frozenset()) -> str | None:
    """The speaker's first-person statement that ``answer`` (a :func:`fragment`) makes of ``question`` (the other
    side's last sentence), or ``None`` when the question is not one this reads. ``common``: everyday English nouns;
    an answer opening with a capitalised word that is none keeps its capital (a name the tagger missed)."""
    # "What kind of job would you want: a postdoc, or …?" asks its question before the colon.
    cut = next((t.i for t in question if t.text in (":", ";", "\u2014")), question.end)
    words = [t for t in question if t.i < cut and not t.is_punct and not t.is_space]
    while words and words[0].lower_ in _LEADING:
        words = words[1:]
    words, root = _past_vocative(words, question.root)
    if question.text.rstrip().endswith("?") and len(words) > 2 and words[0].lower_ in _DONE:
        return _confirmed(words, root, answer)
    if _says_only_yes(answer):
        return None  # a yes answers no "where" or "what"
    if not question.text.rstrip().endswith("?") or len(words) < 2 or words[0].lower_ not in _QUESTION_WORDS:
        return None
    if any(t.lower_ in FIRST_PERSON or t.dep_ == "neg" for t in words):
        return None
    asked = words[0]
    phrase = _question_phrase(asked, root)
    if phrase is None:
        return None
    if asked.lower_ == "how" and (len(phrase) < 2 or phrase[1].lower_ not in _HOW_MEASURES):
        return None
    rest = [t for t in words if t.i > phrase[-1].i]
    subject = next((t for t in rest if t.dep_ in ("nsubj", "nsubjpass") and t.head.i == root.i), None)
    if subject is None:
        return None
    subject_words = list(subject.subtree)
    if subject.lower_ != "you" and subject_words[0].lower_ != "your":
        return None
    auxiliaries = [t for t in rest if t.i < subject_words[0].i]
    # ("What's your budget again?": "again" asks to be reminded, it is no part of the answer)
    after = [t for t in rest if t.i > subject_words[-1].i and t.lower_ != "again"]
    me = subject.lower_ == "you"
    singular = not me and subject.tag_ in ("NN", "NNP")
    said_past = any(t.lower_ == "did" for t in auxiliaries)
    said_do = any(t.lower_ in ("do", "does") for t in auxiliaries)
    out = ["I"] if me else ["my", *(_text(t) for t in subject_words[1:])]
    for t in auxiliaries:
        if t.lower_ in ("do", "does", "did"):
            continue
        out.append(_FIRST_PERSON_BE.get(t.lower_, t.lower_) if me else ("is" if t.lower_ == "'s" else t.lower_))
    said = _answer_words(answer, asked, phrase, naming=subject.lemma_ == "name" or root.lemma_ == "call",
                         common=common)
    if said is None or asked.lower_ == "when" and answer[0].pos_ == "NOUN" and answer[0].ent_type_ not in (
            "DATE", "TIME"):
        return None  # "When can you start?" "keys on saturday": what happens then, not when the asked thing does
    if after and after[-1].dep_ == "prep" and all(c.i < after[-1].i for c in after[-1].children):
        stranded = after.pop()  # "Where are you from?" "From Cardiff." / "Cardiff."
        tail, at_end = (said if said[0].split()[0].lower() == stranded.lower_ else [stranded.lower_, *said]), True
    elif asked.lower_ == "how" and phrase[1].lower_ in ("long", "often") or _duration(phrase):
        # "How long have you kept bees?" "Six years." → "… kept bees for six years", after everything else.
        lasting = phrase[1].lower_ != "often" and said[0].split()[0].lower() not in ("for", "since", "about")
        tail, at_end = (["for", *said] if lasting else said), True
    elif asked.lower_ == "where":
        first = answer[0]
        at = first.ent_type_ == "ORG" or root.lemma_ in _AT_WORK and first.ent_type_ not in ("GPE", "LOC")
        into = "to" if root.lemma_ in MOTION_VERBS else "at" if at else "in"
        tail, at_end = (said if first.pos_ == "ADP" or first.lower_ in _PLACE_ADVERBS else [into, *said]), False
    else:
        tail, at_end = said, asked.lower_ == "when"
    body: list[str] = []
    verb = root.i if any(t.i == root.i for t in after) else None
    # "What are you planning to grow?": the question word is the object of the verb after "to", where it goes
    slot = asked.head.i if asked.dep_ == "dobj" and asked.head.dep_ == "xcomp" and any(
        t.i == asked.head.i for t in after) else verb
    # "What are you working on these days?", "Who are you going with next week?": the question word is the object
    # of a preposition before the sentence's end (the parser may give it the time after it instead), and the
    # answer goes right after that preposition ("working on a dashboard … these days").
    on = next((t.i for t in after if t.dep_ == "prep" and t.head.i == root.i and _only_time_after(t, asked, phrase)),
              None) \
        if asked.lower_ in ("what", "who", "whom", "which") and at_end is False else None
    for t in after:
        if t.i == verb:
            body.append(past(t.lemma_) if said_past else third_person(t.text) if said_do and singular else t.text)
        else:
            body.append(_text(t))
        if t.i == on:
            body.extend(tail)
            at_end = None
        elif on is None and not at_end and (t.i == slot or t.dep_ == "prt" and t.head.i == slot) \
                and not _more_particles(t, slot, after):
            body.extend(tail)  # the answer where the question word stood: right after the verb and its particles
            at_end = None
    if at_end is not None:
        body.extend(tail)
    said_it = _CLITIC.sub(r"\1", " ".join([*out, *body]))
    return said_it[:1].upper() + said_it[1:] + "."


def _past_vocative(words: list[Token], root: Token) -> tuple[list[Token], Token]:
    """``words`` after the name of the person asked, when the question opens with it ("Lena, where do you work?",
    "hey Lena, did you take the job?": a name then a comma), and the question's own root: the parser makes the
    name the sentence's root and hangs the question from it."""
    names = 0
    while names < len(words) and words[names].pos_ == "PROPN":
        names += 1
    after_names = words[names - 1].i + 1 if names else None
    if not (after_names is not None and names < len(words) and after_names < len(root.doc)
            and root.doc[after_names].text == ","):
        return words, root
    rest = words[names:]
    inside = {t.i for t in rest}
    top = next((t for t in rest if t.head.i == t.i or t.head.i not in inside), root)
    return rest, top


def _confirmed(words: list[Token], root: Token, answer: Span) -> str | None:
    """ "Did you buy shoes yet?" "Yes, La Sportiva, 89 euros." → "I bought shoes, La Sportiva": a question about
    what "you" did, do or are doing (:data:`_DONE`), answered yes with a fragment, said as done; anything else (a
    "no", another subject, a negated or first-person question, a verb that is not the question's own) is
    ``None``."""
    alone = _says_only_yes(answer)  # "Yes!": said as done, with nothing after it
    before = [t for t in answer.doc[answer.sent.start:answer.start] if not t.is_punct]
    if not alone and (not before or before[0].lower_ not in YES):
        return None
    if words[1].lower_ != "you" or words[1].head.i != root.i:
        return None
    if root.pos_ != "VERB" or words[2].i != root.i or any(t.lower_ in FIRST_PERSON or t.dep_ == "neg" for t in words):
        return None
    aux = words[0].lower_
    if root.tag_ != _DONE[aux]:
        return None  # "Have you any idea?", "Do you … ?" with a verb the parser did not take as the question's
    done = past(root.lemma_) if aux == "did" else f"{_FIRST_PERSON_BE.get(aux, aux)} {root.text}" if aux != "do" \
        else root.text
    rest = [_text(t) for t in words[3:] if not (t.dep_ == "advmod" and t.lower_ in _ASKED_WHEN or t.lower_ == "any")]
    said_done = _CLITIC.sub(r"\1", " ".join(["I", done, *rest]))
    if alone:
        return said_done + "."
    return said_done + ", " + _answer_words(answer, words[0], words, naming=False)[0] + "."


def _question_phrase(asked: Token, root: Token) -> list[Token] | None:
    """The question word's phrase ("How many kids", "Which city", "What kind of music"): its subtree, contiguous
    from the question word on."""
    top = asked
    while top.head.i != top.i and top.head.i != root.i and top.head.i > top.i and \
            top.head.pos_ in ("NOUN", "PROPN", "ADJ", "ADV", "NUM", "DET", "PRON"):
        top = top.head
    phrase = list(top.subtree)
    if phrase[0].i != asked.i or [t.i for t in phrase] != list(range(asked.i, asked.i + len(phrase))):
        return None
    return phrase


def _answer_words(answer: Span, asked: Token, phrase: list[Token], *, naming: bool,
                  common: Collection[str] = frozenset()) -> list[str] | None:
    first = answer[0]
    text = answer.text
    kept = naming or first.pos_ == "PROPN" or first.text == "I" or first.ent_type_ in _NAMED or bool(common) and (
        first.is_title and first.pos_ == "NOUN" and first.lower_ not in common and first.lemma_.lower() not in common)
    said = [text if kept else text[:1].lower() + text[1:]]
    if asked.lower_ == "how" and phrase[1].lower_ in ("many", "much") and len(phrase) > 2:
        if not first.like_num:
            return None
        if len(answer) == 1:
            said += [_text(t) for t in phrase[2:]]  # "How many kids …?" "Two." → "two kids"
    return said


def _duration(phrase: list[Token]) -> bool:
    """ "How many years …": an amount of time, said as "for" an amount after the rest."""
    return len(phrase) > 2 and phrase[1].lower_ == "many" and phrase[2].lemma_ in _TIME_UNITS


def _only_time_after(prep: Token, asked: Token, phrase: list[Token]) -> bool:
    """Whether ``prep`` has no object but the question word ``asked`` (or its ``phrase``: "which amp did you go
    for in the end?") or a time the parser hung on it ("on these days", "with next week")."""
    asking = {asked.i, *(t.i for t in phrase)}
    objects = [c for c in prep.children if c.dep_ == "pobj" and c.i not in asking]
    return all(c.ent_type_ in ("DATE", "TIME") for c in objects)


def _more_particles(t: Token, verb: int, after: list[Token]) -> bool:
    return any(o.dep_ == "prt" and o.head.i == verb and o.i > t.i for o in after)


def _text(t: Token) -> str:
    return _SECOND_TO_FIRST.get(t.lower_, t.text)
