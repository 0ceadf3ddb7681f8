"""Simple pronoun coreference within one conversation.

The people's own turns introduce people and things ("my aunt", "my nephew
Karl", "Wiebke", "a parrot", "a canoe"), each owned by whoever said "my"; a later
"she", "he", "they" or "it" refers to the most recent one that fits (gender
for kin words, plural for "my parents", a concrete thing for "it"). A pet can
be "she", "he" or "it". A person of no known gender (a name, "my partner")
once called "he" or "she" is that from then on, so the other pronoun no
longer reaches them. A name given later ("His name is Pip") joins the
mention ("the user's parrot Pip"). Plural things said as a subject or object ("the
cherry tomatoes got aphids", "I grow chillies") are what a later "them" is ("I
sprayed them"); "they" and "their" reach only people. The one thing the other side has just
spoken of as "the ..." ("Then the scarf needs new colours!") is what an "it" of
the answer refers to ("I'll start it this weekend"), in that turn only, and the speaker's own people the other
side just asked about ("and your sister?") are whom its "she" or "they" means ("she moved to Leeds"); what the
other side said is read in :mod:`memvault.extraction.other_side`. When two fitting mentions were made within
the last few clauses the pronoun is ambiguous and stays unresolved (a dog and
a friend just named are both "he"). Nothing cleverer: a clause whose subject is
an unresolved pronoun gives no fact.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from memvault.extraction.clause import has_subject
from memvault.extraction.kin import (ANIMAL_VERBS, CALLED, FEMALE, GENDERED, MALE, NEUTRAL, OCCUPATIONS,
                                     PEOPLE_WORDS, PETS, PLURAL, POSSESSIVES)
from memvault.extraction.mention_tokens import (called, compound_text, concrete, happened, is_head_of_name, name_of,
                                                name_span, named_as_place, named_before_in, names_a_street, names_it,
                                                names_where_one_goes, others_thing, own_gender, owned_by_user,
                                                pet_named, plural_thing, shows_a_person, speakers_role,
                                                thing_named_with_the, where)
from memvault.extraction.naming import predicate_name
from memvault.extraction.voice import Voice, gender_of, possessive

if TYPE_CHECKING:  # spaCy takes seconds to import; only the pipeline (nlp.py) loads it, on first use
    from spacy.tokens import Token

    from memvault.extraction.clause import Clause


_SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass"})
#: Clauses back within which a second fitting mention makes a pronoun ambiguous.
AMBIGUITY_WINDOW = 2
#: Turns back beyond which a person, pet or thing no longer answers a pronoun (:meth:`Antecedents.resolve`).
STALE_TURNS = 3
#: Of :data:`_ACQUIRE`, what is done to a thing that a bare name may be ("bought a Polestar", "ordered Netflix").
_BOUGHT = frozenset({"buy", "order", "rent", "book", "build", "sell", "own", "receive"})
_ACQUIRE = frozenset({"buy", "get", "adopt", "order", "have", "own", "rent", "book", "find", "receive", "build",
                      "make", "start", "sell", "lose", "take", "drive", "ride"})


def _before_comma(tokens: Sequence[Token]) -> bool:
    last = tokens[-1]
    return last.text == "," or last.i + 1 < len(last.doc) and last.doc[last.i + 1].text == ","


#: Pronouns that own the word after them as often as they stand alone: "getting her dad" is parsed as "her" and
#: "dad" both objects, but the dad is hers.
_OWNING = frozenset({"her", "his", "their", "your", "its"})


def _owned_before(t: Token) -> bool:
    return t.i > 0 and t.doc[t.i - 1].lower_ in _OWNING


@dataclass
class Mention:
    """Something pronouns can point back to: how a fact says it, the subject key it files under (relative to
    its owner, "user's sister") and its owner (a display name, ``None`` for an unnamed user)."""

    text: str
    key: str
    kind: str  # female, male, neutral, plural (people), pet, thing, things (only "them" reaches them)
    order: int = 0
    owner: str | None = None
    clause: int = 0
    #: It carries a name ("Zainab", "my nephew Karl", "the user's parrot Pip"): "her name is …" is then not its.
    named: bool = False
    #: It was its clause's subject: the "she" of the next clause is most likely this person, even where a woman
    #: was named before ("my neighbour Ruth will take the dog, she has a greyhound too").
    subject: bool = False
    #: The clause that last called it "he", "she", "her" … (0: none).
    referred: int = 0
    #: The turn it was last named or referred to in.
    turn: int = 0
    #: Named in the other side's question ("do you need me to pick up Amir from school?"): the answer's "he".
    asked: bool = False
    #: Only that turn's "it" may mean it: someone else's thing ("dad's op got postponed … it's now 14 May"); a turn
    #: later the talk has most often moved on ("Did you apply to Eastgate?" "yes, sent it …").
    this_turn_only: bool = False


@dataclass
class Antecedents:
    """The conversation's mentions so far, newest wins."""

    mentions: dict[str, Mention] = field(default_factory=dict)
    _counter: itertools.count = field(default_factory=itertools.count)
    _clauses: int = 0
    #: Every named mention of the conversation by its name, also once a newer one of its kind took its place:
    #: "Ada" named again is the same sister (and a woman), not someone new of no known gender.
    _named: dict[str, Mention] = field(default_factory=dict)
    #: The people the other side named just before this turn (:meth:`observe_names`).
    _asked: list[Mention] = field(default_factory=list)
    #: The thing the other side spoke of just before this turn (:meth:`observe_thing`).
    _spoken: Mention | None = None
    #: The month the talk is about: the last one named in this turn or the two before ("the summit in October"
    #: … "I fly out on the 14th"), for a day of the month said alone.
    month: int | None = None
    #: Names of people known from before this conversation (its namespace's): a person however the tagger takes
    #: them ("Lupe did the stairs alone today!" a week after "a greyhound called Lupe").
    known: frozenset[str] = frozenset()
    #: The places named in the turns read so far, as ``(turn, clause, name, preposition)``: what a "there" may be,
    #: and how it was said to be there ("at Siemens", else "in").
    _places: list[tuple[int, int, str, str]] = field(default_factory=list)
    _turns: int = 0

    def place(self) -> tuple[str, str] | None:
        """The place a "there" refers to ("Freja flew in from Copenhagen. she's studying medicine there") and the
        preposition it takes ("in", or "at" for one said so: "at Siemens"): the last one named in this turn or the
        two read before it (the speaker's own last, between two people), unless another was named within
        :data:`AMBIGUITY_WINDOW` clauses of it."""
        if not self._places or self._turns - self._places[-1][0] > 2:
            return None
        _turn, clause, name, preposition = self._places[-1]
        if any(other != name and clause - at < AMBIGUITY_WINDOW for _t, at, other, _p in self._places[:-1]):
            return None
        return name, preposition

    def _add(self, mention: Mention, name: str | None = None, subject: bool = False) -> None:
        mention.order = next(self._counter)
        mention.clause = self._clauses
        mention.turn = self._turns
        mention.subject = subject
        self.mentions[mention.kind] = mention
        if name is not None:
            self._named[name] = mention

    def names(self) -> Collection[str]:
        """The names mentioned so far."""
        return self._named.keys()

    @property
    def turn(self) -> int:
        """The turn being read (the count of turns read before it)."""
        return self._turns

    def _add_name(self, full: str, voice: Voice, subject: bool = False) -> Mention | None:
        """A person named ``full`` is mentioned: the newest of their kind, known from before or new."""
        if full == voice.person:
            return None
        mention = self._named.get(full) or Mention(full, full.lower(), "neutral", owner=voice.person, named=True)
        self._add(mention, full, subject)
        return mention

    def resolve(self, pronoun: str, doing: str | None = None) -> Mention | None:
        """The mention ``pronoun`` (lower case) refers to, if one fits; ``doing``: the lemma of the verb it is the
        subject of. What only an animal does is the pet's, however long ago it was named, and never a person's a
        kin word or a role names ("Juniper hates the new flat. she howls when I leave", after "my manager Priti …")."""
        animal = doing in ANIMAL_VERBS and pronoun in ("she", "he", "it")
        if animal and "pet" in self.mentions:
            return self.mentions["pet"]
        kinds = {"she": ("female", "neutral", "pet"), "her": ("female", "neutral", "pet"), "hers": ("female",),
                 "he": ("male", "neutral", "pet"), "him": ("male", "neutral", "pet"), "his": ("male", "neutral", "pet"),
                 "they": ("plural",), "them": ("plural", "things"), "their": ("plural",), "theirs": ("plural",),
                 "it": ("thing", "pet"), "its": ("thing", "pet")}.get(pronoun)
        if kinds is None:
            return None
        found = [self.mentions[k] for k in kinds if k in self.mentions and not (
            animal and self.mentions[k].key.split()[-1] in FEMALE | MALE | NEUTRAL | OCCUPATIONS)]
        # A person last spoken of turns ago is no "he" or "she" now: the talk has moved on, most often to someone
        # the tagger did not take for a name ("uncle rob", "isla's christening"), and a wrong person is worse than
        # none. So with a thing: "I ordered coffee" is no "it" four turns on ("sent it the day before the deadline":
        # the application; "it's now 14 may": dad's op), where only what is owned or acquired is a thing to refer to.
        found = [m for m in found if m.kind == "plural" or self._turns - m.turn <= (
            0 if m.this_turn_only else STALE_TURNS)]
        if (gender := gender_of(pronoun)) is not None:
            # A woman (for "he", a man) mentioned before wins over a name of no known gender, unless this turn said
            # the name after her ("Is that Ingrid's father?" "yes, Knut. he has 20 hives"), the other side has named
            # that person ("Claire might enjoy it." "she's already planning a visit"), or that person was the last
            # clause's subject and the woman no part of it ("my neighbour Ruth will take the dog, she has a
            # greyhound too"; but "Noah asked her to look at it, she's a vet" is still the woman, and so is "the
            # occupational therapist is coming on the 9th. she refuses to consider a care home"). A woman the other
            # side asked about is what the answer's "her" is expected to be, which tells nothing of the next "she":
            # "Will Lupe stay with someone?" "my neighbour Ruth will take her, she has …" is either, so neither.
            woman = self.mentions.get(gender)
            found = [m for m in found if m.kind != "neutral" or woman is None or m.turn == self._turns and m.named and (
                m.order > woman.order and woman.turn < self._turns) or m.asked and m.turn == self._turns - 1 and (
                m.order > woman.order) or m.clause == self._clauses and (
                any(m is a for a in self._asked) or m.subject and m.named and (
                    woman.referred != self._clauses or any(woman is a for a in self._asked)))] or found
        # A name said only as the owner of the one named with it ("Helen's brother Sam ... He") is no rival.
        found = [m for m in found if not (m.kind == "neutral" and any(
            o.clause == m.clause and o.text.startswith(f"{m.text}'s ") for o in found))]
        if not found:
            return None
        found.sort(key=lambda m: m.order, reverse=True)
        if len(found) > 1 and found[0].clause - found[1].clause < AMBIGUITY_WINDOW:
            return None
        return found[0]

    def name(self, mention: Mention, name: str) -> None:
        """``mention`` turns out to be called ``name`` ("His name is Pip")."""
        if name.lower() not in mention.text.lower():
            mention.text = f"{mention.text} {name}"
        mention.named = True
        self._named[name] = mention

    def introduce(self, name: str, kind: str, voice: Voice) -> None:
        """Someone new called ``name`` ("I had a date. Her name is Ilse"), of the pronoun's gender (``kind``)."""
        if name != voice.person:
            self._add(Mention(name, name.lower(), kind, owner=voice.person, named=True), name)

    def named_by_predicate(self, clause: Clause, voice: Voice) -> frozenset[int]:
        """ "she's a lurcher called Juniper": "she" is Juniper from now on (someone new when no "she" was known);
        the words that name her, which the fact then leaves out as its subject says it ("Maya's dog Juniper is a
        lurcher"), or none."""
        called = predicate_name(clause)
        if called is None:
            return frozenset()
        name, kind, naming_words = called
        pronoun = clause.subject().lower_
        if (mention := self.resolve(pronoun)) is None:
            self.introduce(name, kind, voice)
        elif not mention.named:
            self.name(mention, name)
        mention = self.resolve(pronoun)
        return naming_words if mention is not None and name in mention.text else frozenset()

    def _learn_gender(self, tokens: tuple[Token, ...]) -> None:
        """A person of no known gender (a name, "my partner") whom this clause calls "he" or "she" is that from
        now on: the other pronoun no longer reaches them ("Marco ... he's an engineer ... she lives nearby")."""
        speaker = any(x.dep_ in ("nsubj", "nsubjpass") and x.lower_ in ("i", "we") for x in tokens)
        for t in tokens:
            kind = GENDERED.get(t.lower_) if t.pos_ == "PRON" else None
            if kind is not None and speaker and named_before_in(t, tokens) is not None:
                continue  # "I promised Jonah I'd help him": Jonah's, whoever was named before
            mention = self.resolve(t.lower_) if kind is not None else None
            if mention is not None:  # (the owner of someone named is not who the clause is about: "her cousin Jade")
                mention.referred = mention.referred if t.dep_ == "poss" and t.head.lemma_ in PEOPLE_WORDS else \
                    self._clauses + 1  # the clause being observed
                mention.turn = self._turns
            if mention is None or mention.kind != "neutral" or self.mentions.get("neutral") is not mention:
                continue
            del self.mentions["neutral"]
            mention.kind = kind
            other = self.mentions.get(kind)
            if other is None or other.order < mention.order:
                self.mentions[kind] = mention

    def observe(self, tokens: tuple[Token, ...], voice: Voice = Voice(), asked: bool = False) -> None:
        """Record the mentions in a person's clause (after its fact is built, so a clause never refers to itself);
        ``asked``: the clause is a question, whose "the vet" is the one asked about ("how did the vet go with
        Mochi"), no more the asker's than the other's (a "my …" is still the asker's)."""
        if not any(t.is_alpha for t in tokens):
            return  # the comma between two clauses is no clause: it must not push the first one's people back
        self._learn_gender(tokens)
        self._clauses += 1
        inside = {t.i for t in tokens}
        for t in tokens:
            if t.dep_ == "compound" and t.head.pos_ == "PROPN" and t.lemma_.lower() in PEOPLE_WORDS and any(
                    c.dep_ == "poss" and c.lower_ in POSSESSIVES for c in (*t.children, *t.head.children)):
                self._mention_owned(t, t.lemma_.lower(), name_span(t.head), voice,  # "my girlfriend Eva"
                                    subject=t.head.dep_ in _SUBJECT_DEPS)
                continue
            if t.dep_ == "compound" and t.head.pos_ == "PROPN" and t.text[:1].isupper() and t.lower_ in FEMALE | MALE \
                    and t.i + 1 == t.head.i:  # "Aunt Ilse", "Uncle Tom": a title the family calls them by
                kind = "female" if t.lower_ in FEMALE else "male"
                said = f"{t.text} {name_span(t.head)}"
                self._add(Mention(said, said.lower(), kind, owner=voice.person, named=True), name_span(t.head),
                          subject=t.head.dep_ in _SUBJECT_DEPS)
                continue
            if (t.pos_ == "PROPN" and t.lower_ in FEMALE | MALE or t.lower_ in CALLED and (
                    t.pos_ == "NOUN" or t.dep_ in _SUBJECT_DEPS | {"dobj", "pobj"})) and (
                    t.dep_ != "compound" or t.head.pos_ not in ("NOUN", "PROPN")) and not any(
                    c.dep_ in ("compound", "poss", "det") for c in t.children) and not _owned_before(t):
                # "Mum", "Dad" said as a name, in lower case too ("what's happening with dad", "I'll pick up nan",
                # "nan" read as an adverb): the speaker's own, and a woman or a man ("Mum wants a lunch ... she")
                kind = "female" if t.lower_ in FEMALE else "male"
                self._add(Mention(f"{voice.possessive} {t.lower_}", f"user's {t.lower_}", kind, owner=voice.person),
                          subject=t.dep_ in _SUBJECT_DEPS)
                continue
            if t.pos_ not in ("NOUN", "PROPN") or t.dep_ == "compound":
                continue
            if t.pos_ == "PROPN" and is_head_of_name(t) and named_as_place(t, self._named.keys() | self.known) \
                    and not shows_a_person(t):
                at = "at" if t.dep_ == "pobj" and t.head.lower_ == "at" else "in"
                whole = sorted([*(c for c in t.children if c.dep_ == "compound" and c.pos_ == "PROPN"), t],
                               key=lambda x: x.i)  # "Oakfield Primary"
                # Read on: the name may be a person's too.
                self._places.append((self._turns, self._clauses, " ".join(x.text for x in whole), at))
            if thing_named_with_the(t, self._named.keys() | self.known):
                # Something by its name ("the Fiesta failed its MOT"): no person, and what a later "it" may be, so
                # no thing named before is ("it's worth maybe 600" is not "my weekend").
                self.forget_things()
                continue
            owner = next((c for c in t.children if c.dep_ == "poss"), None)
            lemma = t.lower_ if t.lower_ in PLURAL else t.lemma_.lower()
            name = name_of(t, inside)
            owned = owner is not None and owner.lower_ in POSSESSIVES or not asked and speakers_role(t) is not None
            if owned and not (t.pos_ == "PROPN" and t.ent_type_ == "PERSON"):  # "our Ben" is Ben, a person
                self._mention_owned(t, lemma, name, voice, subject=t.dep_ in _SUBJECT_DEPS)
            elif owner is not None and t.pos_ == "NOUN" and t.dep_ != "attr" and (
                    lemma in FEMALE | MALE or name and lemma in NEUTRAL) and (
                    whose := name_span(owner) if owner.pos_ == "PROPN" else owner.lower_ in ("his", "her")
                    and (keeper := self.resolve(owner.lower_)) is not None and (name or keeper.named) and keeper.text):
                # "Helen's mum is moving in, her hip's been bad": the mum's; "her cousin Jade did. she's engaged";
                # "her dad turns 70 … he likes fishing", "her" a named person; not what someone is said to be ("if
                # Claire is going to be her stepmum"): no one new
                said = f"{possessive(whose)} {t.lower_}" + (f" {name}" if name else "")
                self._add(Mention(said, said.lower(), "female" if lemma in FEMALE else "male" if lemma in MALE else
                                  "neutral", owner=voice.person, named=name is not None), name, t.dep_ in _SUBJECT_DEPS)
            elif owner is not None and owner.lower_ in ("his", "her") and (pet := pet_named(t, lemma, name)) and (
                    keeper := self.resolve(owner.lower_)) is not None:  # "mum is bringing her dog Pip": mum's Pip
                said = f"{possessive(keeper.text)} {pet[0]} {pet[1]}"
                self._add(Mention(said, said.lower(), "pet", owner=voice.person, named=True), pet[1])
            elif (theirs := others_thing(t, voice.possessive, self._named.keys() | self.known)) is not None:
                self._add(Mention(theirs, theirs.lower(), "thing", this_turn_only=True), subject=True)
            elif t.dep_ == "ROOT" and t.pos_ == "NOUN" and concrete(t, lemma) and lemma not in PEOPLE_WORDS and not any(
                    x.pos_ in ("VERB", "AUX") and x.dep_ != "punct" for x in tokens) and _before_comma(tokens):
                # A thing said alone, then a comma and what is said of it ("a proper Kryptonite D-lock for the new
                # bike, it cost …", which the parser reads as two sentences), whatever the tagger types it; not a
                # remark on its own ("ok news overload. it's a mast cell tumour")
                self._add(Mention(f"the {compound_text(t)}", f"the {lemma}", "thing", this_turn_only=True))
            elif (t.ent_type_ == "PERSON" and not ((names_where_one_goes(t) or names_a_street(t))
                                                  and name_span(t) not in self._named)
                  or shows_a_person(t) or t.pos_ == "PROPN" and name_span(t) in self.known) \
                    and (t.dep_ != "appos" or t.head.tag_ == "NNS") and is_head_of_name(t) and not names_it(t):
                # (a name in apposition is the one named before, but one of many is someone: "the people, especially
                # Marjorie, she's 84")
                mention = self._add_name(name_span(t), voice, subject=t.dep_ in _SUBJECT_DEPS)
                if mention is not None:
                    mention.asked = asked
                if mention is not None and mention.kind == "neutral" and (gender := own_gender(t)) is not None:
                    mention.kind = gender
                    del self.mentions["neutral"]
                    self._add(mention, subject=mention.subject)
            elif t.dep_ in ("dobj", "pobj") and t.head.lemma_ in _ACQUIRE and owned_by_user(t.head) and \
                    happened(t.head):
                self._mention_acquired(t, lemma, called(t, inside), voice)
            elif plural_thing(t, lemma) and t.dep_ in ("nsubj", "nsubjpass", "dobj"):
                # "the cherry tomatoes got aphids, I sprayed them", "I grow chillies ... I pick them"
                det = next((c.lower_ for c in t.children if c.dep_ == "det"), None)
                if det in ("the", "these", "those") or det is None and t.dep_ == "dobj" and owned_by_user(t.head) \
                        and happened(t.head):
                    said = ("the " if det else "") + compound_text(t) + where(t, inside, voice.possessive)
                    self._add(Mention(said, f"the {lemma}", "things"), subject=t.dep_ in _SUBJECT_DEPS)

    def observe_names(self, tokens: Sequence[Token], voice: Voice) -> None:
        """The people the other side just named ("Will Jonah come?"), for the pronouns of ``voice``'s answer ("he
        wants to, he's a carpenter"); a person already mentioned ("my partner Jonah") becomes the newest again.
        Only names: nothing else the other side says is this person's."""
        self._clauses += 1
        self._asked = []
        for t in tokens:
            # A name mentioned before is a person's whatever the tagger calls it this time ("Hanna" an ORG), and so
            # is one the question shows a person ("How's Callum's new job going?", Callum an ORG).
            person = t.ent_type_ == "PERSON" or shows_a_person(t) or t.text in self._named or t.text in self.known
            if not person or t.pos_ != "PROPN" or t.dep_ == "compound" or not is_head_of_name(t):
                continue
            if (mention := self._add_name(name_span(t), voice)) is not None:
                self._asked.append(mention)

    def observe_yours(self, tokens: Sequence[Token], voice: Voice) -> None:
        """``voice``'s own people and pets that the other side just asked about as "your …" ("and your sister?",
        "how are your parents?"), for the pronouns of the answer ("she moved to Leeds in March"): theirs, the newest
        of their kind, as if the answer's first clause had named them. One the question says a name is ("Mochi is your
        cat?") is that name's, which :meth:`observe_names` gave already."""
        self._clauses += 1
        inside = {t.i for t in tokens}
        for t in tokens:
            lemma = t.lower_ if t.lower_ in PLURAL else t.lemma_.lower()
            # (not one the question names: "Mochi is your cat?", "Is Jonah your brother?" answered "no, …")
            named = t.head.lemma_ == "be" and any(c.pos_ == "PROPN" for c in t.head.children if c.i != t.i) or (
                t.dep_ == "appos" and t.head.pos_ == "PROPN")
            if t.pos_ == "NOUN" and lemma in PEOPLE_WORDS | PLURAL and not named and any(
                    c.dep_ == "poss" and c.lower_ == "your" for c in t.children):
                self._mention_owned(t, lemma, name_of(t, inside), voice, subject=True)

    def observe_thing(self, tokens: Sequence[Token]) -> None:
        """The one thing the other side just spoke of as "the ..." as subject or object ("Then the scarf needs new
        colours!"), for the "it" of the answer ("I'll start it this weekend"): it is what both are talking about.
        Two such things, and neither is taken."""
        self._clauses += 1
        things = [t for t in tokens if concrete(t, t.lemma_.lower()) and t.lemma_.lower() not in PEOPLE_WORDS
                  and any(c.dep_ == "det" and c.lower_ == "the" for c in t.children)
                  and (t.dep_ in ("nsubj", "nsubjpass") or t.dep_ == "dobj" and has_subject(t.head))]
        if len(things) == 1:
            t = things[0]
            self._spoken = Mention(f"the {compound_text(t)}", f"the {t.lemma_.lower()}", "thing")
            self._add(self._spoken)

    def answered(self) -> None:
        """The turn after the other side's (:meth:`observe_thing`) is read: what they spoke of was that turn's to
        refer to, not any later one's ("How heavy is the boat?" "it's a folkboat" ... "Polestar yesterday. it felt
        solid": that "it" is no boat)."""
        if self._spoken is not None and self.mentions.get("thing") is self._spoken:
            del self.mentions["thing"]
        self._spoken = None
        self._turns += 1

    def forget_things(self) -> None:
        """No "it" or "them" reaches a thing mentioned so far (people and pets stay)."""
        self.mentions.pop("thing", None)
        self.mentions.pop("things", None)

    def _mention_owned(self, t: Token, lemma: str, name: str | None, voice: Voice, subject: bool = False) -> None:
        text = f"{voice.possessive} {compound_text(t)}" + (f" {name}" if name else "")
        key = f"user's {lemma}"
        kind = ("female" if lemma in FEMALE else "male" if lemma in MALE else "plural" if lemma in PLURAL
                else "neutral" if lemma in NEUTRAL | OCCUPATIONS else "pet" if lemma in PETS
                else "thing" if concrete(t, lemma) else "things" if plural_thing(t, lemma) else None)
        if kind == "things":
            text += where(t, {x.i for x in t.sent}, voice.possessive)  # "my tomatoes on the balcony ... I water them"
        if kind is not None:
            self._add(Mention(text, key, kind, owner=voice.person, named=name is not None), name, subject)

    def _mention_acquired(self, t: Token, lemma: str, name: str | None, voice: Voice) -> None:
        text = f"{voice.possessive} {compound_text(t)}" + (f" {name}" if name else "")
        if lemma in PETS:
            self._add(Mention(text, f"user's {lemma}", "pet", owner=voice.person, named=name is not None), name)
        elif (concrete(t, lemma) or t.pos_ == "PROPN" and t.ent_type_ in ("", "PRODUCT", "ORG") and (
                t.head.lemma_ in _BOUGHT or any(c.dep_ == "det" for c in t.children))) and \
                lemma not in NEUTRAL | FEMALE | MALE:
            # (a bare name one lost, took or drove is a person's: "we lost Sophie to Google last month")
            self._add(Mention(text, f"user's {lemma}", "thing", owner=voice.person, named=name is not None), name)
