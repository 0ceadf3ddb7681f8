"""Entities of a memory: the pinned spaCy pipeline's named entities, the vault's own names, recurring nouns.

For each text:

- named entities from the pipeline's tagger, folded into :class:`EntityType`
  (PERSON; ORG; GPE/LOC/FAC as locations; PRODUCT/WORK_OF_ART as products;
  EVENT; DATE resolved to an ISO value against the memory's own time by
  :mod:`memvault.extraction.date_spans`; times, amounts and nationalities are left out);
- every entity the namespace already knows, found by the gazetteer
  (:mod:`memvault.extraction.gazetteer`), which also links a tagged name to the
  known entity of the same name or alias, whatever type the tagger guessed
  this time ("Maya" -> the person "maya okafor");
- nouns (lemmas; a compound such as "client presentation" as one) as
  ``concept`` entities: the user's own recurring nouns. Every one is linked;
  the entity list shows those mentioned by at least two memories, and search
  weighs each by how rare it is (:mod:`memvault.service.graph_search`).

What is not an entity (filler nouns, idioms, common nouns the tagger took for
a name) is decided by the rules of :mod:`memvault.extraction.noise`.

Confidences are fixed by where a mention came from (the small pipeline gives
no per-entity scores): an exact known name 0.9, a tagged entity 0.85, a known
alias 0.75, a resolved date 0.9, an untagged proper noun (read as a person:
chat names first names the small tagger misses) 0.6, a noun 0.5.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from memvault.domain.conversations import ROLE_SPEAKERS
from memvault.domain.entities import EntityMention, EntityType
from memvault.extraction import dates, language_gate
from memvault.extraction.date_spans import comes_round_yearly, resolve, yearly
from memvault.extraction.gazetteer import LEGAL_FORMS, Gazetteer, normalise
from memvault.extraction.nlp import NlpPipeline
from memvault.extraction.truecase import TITLES, read_as_said, to_read_again
from memvault.extraction.noise import NON_CONTENT_NOUNS, Lexicon, names_a_place, plausible_name
from memvault.extraction.name_kinds import kind_of_name, labelled_span, with_model
from memvault.extraction.mention_tokens import (acts_as_person, names_an_activity, names_where_one_goes,
                                                shows_a_person, thing_named_with_the)

if TYPE_CHECKING:  # spaCy takes seconds to import; only the pipeline (nlp.py) loads it, on first use
    from spacy.tokens import Span

_LABELS = {
    "PERSON": EntityType.PERSON, "ORG": EntityType.ORGANIZATION, "GPE": EntityType.LOCATION,
    "LOC": EntityType.LOCATION, "FAC": EntityType.LOCATION, "PRODUCT": EntityType.PRODUCT,
    "WORK_OF_ART": EntityType.PRODUCT, "EVENT": EntityType.EVENT, "DATE": EntityType.DATE,
}
CONFIDENCE_KNOWN = 0.9
CONFIDENCE_TAGGED = 0.85
CONFIDENCE_ALIAS = 0.75
CONFIDENCE_DATE = 0.9
CONFIDENCE_NOUN = 0.5
CONFIDENCE_PROPER = 0.6
#: Nouns that say nothing about what a memory is about, however often they recur (search ignores them too).
GENERIC_NOUNS = NON_CONTENT_NOUNS
#: Tagger labels that name someone or somewhere: held to the name rules of :mod:`memvault.extraction.noise`.
_NAME_LABELS = frozenset({"PERSON", "ORG", "GPE", "LOC", "FAC"})
#: Pipe batch size: long enough to amortise the model's per-batch cost, short enough to bound memory.
BATCH = 64


@dataclass(frozen=True)
class ExtractionInput:
    """One text to read, the epoch seconds its relative dates are resolved against, and the names its memory says
    are people's (:func:`people_named`)."""

    text: str
    reference: float
    people: tuple[str, ...] = ()


#: Metadata that names a person besides a fact's person: a turn's speaker (``speaker``, as conversation sets and
#: agents write it; a ``name`` may name anything, a product or a place).
_SPEAKER_KEYS = ("speaker",)


def people_named(metadata: dict | None) -> tuple[str, ...]:
    """The people ``metadata`` names: a fact's person ("Jordan" is the user, whatever the tagger makes of the word,
    a country), a turn's named speaker."""
    meta = metadata or {}
    fact = meta.get("fact")
    found = [fact.get("person")] if isinstance(fact, dict) else []
    found += [meta.get(key) for key in _SPEAKER_KEYS]
    return tuple(dict.fromkeys(n.strip() for n in found if isinstance(n, str) and n.strip()
                               and n.strip().lower() not in ROLE_SPEAKERS))


class EntityExtractor:
    """Reads texts with the pinned pipeline; thread-safe (the pipeline is shared, read-only)."""

    def __init__(self, nlp: NlpPipeline) -> None:
        self._nlp = nlp
        self._lexicon: Lexicon | None = None

    def warm(self) -> None:
        """Load and verify the pipeline now (raises :class:`ExtractionModelError` if it cannot be used)."""
        self._nlp.get()

    @property
    def loaded(self) -> bool:
        return self._nlp.loaded

    def extract(self, items: Sequence[ExtractionInput], gazetteer: Gazetteer) -> list[list[EntityMention]]:
        """The mentions of each item, in order, each entity once (its most confident mention).

        Text the English pipeline does not fit (:mod:`memvault.extraction.language_gate`) is not parsed: it
        gets only the names the namespace already knows, found literally.
        """
        readable = [i for i in items if language_gate.reads(i.text)]
        found: dict[int, list[EntityMention]] = {}
        if readable:
            nlp = self._nlp.get()
            with self._nlp.parse_lock:
                if self._lexicon is None:
                    self._lexicon = Lexicon.of(nlp)
                docs = list(nlp.pipe((i.text for i in readable), batch_size=BATCH))
            # A chat written in lower case names its people in lower case ("dev got the job", "uncle rob"): the
            # tagger finds them once their capitals are written in (as extraction reads the same turns).
            again = to_read_again(docs, self._nlp.known_words())
            with self._nlp.parse_lock:
                for k, doc in zip(again, nlp.pipe(list(again.values())), strict=True):
                    docs[k] = read_as_said(doc, docs[k].text)
                # The matcher shares the pipeline's vocabulary (its string store grows): run it under the same lock.
                idioms = [self._lexicon.idiom_tokens(doc) for doc in docs]
            found = {id(item): _mentions(doc, item, gazetteer, self._lexicon, idiom)
                     for doc, item, idiom in zip(docs, readable, idioms, strict=True)}
        return [found[id(item)] if id(item) in found else _known_names(item, gazetteer) for item in items]


def _known_names(item: ExtractionInput, gazetteer: Gazetteer) -> list[EntityMention]:
    """The namespace's known entities named in ``item`` word for word (no pipeline: any language)."""
    found: dict[tuple[EntityType, str], float] = {}
    for m in gazetteer.find(item.text):
        if m.type is EntityType.CONCEPT and m.value in NON_CONTENT_NOUNS:
            continue
        key = (m.type, m.value)
        found[key] = max(found.get(key, 0.0), CONFIDENCE_ALIAS if m.alias else CONFIDENCE_KNOWN)
    return [EntityMention(t, v, c) for (t, v), c in found.items()]


def _mentions(doc, item: ExtractionInput, gazetteer: Gazetteer, lexicon: Lexicon,
              idioms: set[int]) -> list[EntityMention]:
    found: dict[tuple[EntityType, str], float] = {}

    def add(etype: EntityType, value: str, confidence: float) -> None:
        key = (etype, value)
        found[key] = max(found.get(key, 0.0), confidence)

    # Each person named in full and by their first name ("Jordan Lee", "Jordan").
    people = {normalise(p) for name in item.people for p in (name, name.split()[0])}

    def add_concept(value: str) -> None:
        known = gazetteer.known(value)
        add(known[0] if known else EntityType.CONCEPT, known[1] if known else value, CONFIDENCE_NOUN)

    for m in gazetteer.find(item.text):
        if m.type is EntityType.CONCEPT and m.value in NON_CONTENT_NOUNS:
            continue  # linked before the noise rules existed: not evidence of anything now
        add(m.type, m.value, CONFIDENCE_ALIAS if m.alias else CONFIDENCE_KNOWN)
    in_entity = set()
    for ent in _split_animals(doc.ents):
        if ent.start in in_entity:
            continue  # the model of a maker read before it ("Honda Civic", :func:`with_model`)
        # Left-out labels (languages, nationalities, amounts) still cover their words: the proper-noun
        # fallback below must not read "Spanish" (LANGUAGE) as a person.
        if len(ent) > 1 and ent[0].is_sent_start and (ent[0].pos_ == "VERB" and ent[0].tag_ in ("VBD", "VB", "VBN")
                                                      or lexicon.regular_past(ent[0].text)):
            # "Took Biscuit to the vet", "Walked Luna": a chat's capitalised verb (the tagger: a name's first word)
            ent = labelled_span(ent, ent.start + 1, ent.end)
        if ent.label_ == "PERSON":
            ent = _with_title(ent)
        elif ent.label_ == "ORG":
            ent = with_model(ent)  # "a blue Honda Jazz": one product, not the firm "Honda" and a "Jazz"
        in_entity.update(range(ent.start, ent.end))
        if ent.label_ == "PERSON" and all(t.lower_ in TITLES for t in ent):
            continue  # "Uncle" read apart from the "Rob" after it: a title, no one (that name is the person)
        etype = _LABELS.get(ent.label_)
        if etype is None and ent.label_ == "NORP" and kind_of_name(ent) is EntityType.PRODUCT:
            etype = EntityType.PRODUCT  # "I switched to Obsidian" (the tagger: a nationality)
        if etype is None:
            continue
        if etype is EntityType.DATE and _comes_round(ent):
            if (month := _month_of_every_year(ent.text)) is not None:
                add(EntityType.DATE, f"--{month:02d}", CONFIDENCE_DATE)  # "every March": March of any year
            continue
        if etype is EntityType.DATE or etype is EntityType.EVENT and _only_a_date(ent.text):
            # The tagger calls some written dates events ("9 November 2026"): a date is a date.
            span = resolve(ent.text, item.reference, "past" if _said_in_the_past(ent.sent) else "future")
            every_year = span and comes_round_yearly(ent.sent.text) and yearly(span, ent.text)
            if span is not None:
                add(EntityType.DATE, (every_year or span).value, CONFIDENCE_DATE)
                continue
        if etype is EntityType.DATE:
            continue
        value = normalise(ent.text)
        if len(value) < 2 or not any(c.isalpha() for c in value):
            continue
        if etype is EntityType.PERSON and (names_a_place(ent) or len(ent) == 1 and names_where_one_goes(ent[0])):
            etype = EntityType.LOCATION  # "Elm Street", "we spent a week on Skye" (the tagger: a person)
        elif etype in (EntityType.ORGANIZATION, EntityType.LOCATION) and len(ent) == 1 and shows_a_person(ent[0]):
            etype = EntityType.PERSON  # "Noor's birthday is on 9 October" (the tagger: an organisation)
        elif etype is EntityType.ORGANIZATION and len(ent) == 2 and ent[0].lower_ in TITLES and ent[1].pos_ == "PROPN":
            etype = EntityType.PERSON  # "Dr Okafor said the stitches come out on Friday" (the tagger: an organisation)
        elif etype is EntityType.ORGANIZATION and len(ent) == 1 and names_where_one_goes(ent[0]):
            etype = EntityType.LOCATION  # "she grew up in Tartu" (the tagger: an organisation)
        elif etype is not EntityType.ORGANIZATION and len(ent) > 1 and ent[-1].lower_.rstrip(".") in LEGAL_FORMS:
            etype = EntityType.ORGANIZATION  # "works at Nordlicht GmbH" (the tagger: a place)
        known = gazetteer.known_name(value, etype)
        # (a noun read before, "Luna only eats …" beginning a sentence, yields to a sentence that names it)
        if (known is None or known[0] is EntityType.CONCEPT) and value not in people and (
                kind := kind_of_name(ent)) is not None:
            add(kind, value, CONFIDENCE_TAGGED)  # "our dog Max", "the call is on Zoom" (the tagger: people)
            continue
        if etype is EntityType.PERSON and len(ent) == 1 and known is None and value not in people and (
                names_an_activity(ent[0]) or thing_named_with_the(ent[0], ())):
            add_concept(value)  # "We practise Zumba", "the Fiesta failed its MOT" (the tagger: a person)
            continue
        if ent.label_ in _NAME_LABELS and value in people and (known is None or known[0] is not EntityType.PERSON):
            add(EntityType.PERSON, value, CONFIDENCE_TAGGED)  # the memory says whose it is: no country's "Jordan"
        elif known is not None:
            add(known[0], known[1], CONFIDENCE_KNOWN if known[1] == value else CONFIDENCE_ALIAS)
        elif ent.label_ not in _NAME_LABELS or plausible_name(ent, lexicon, tagged=True, label=ent.label_):
            add(etype, value, CONFIDENCE_TAGGED)
        elif (concept := lexicon.demoted_concept(ent, idioms)) is not None:
            add_concept(concept)
    for run in _proper_runs(doc, in_entity):
        # Proper nouns the small tagger left untagged are mostly first names in chat ("Aiko", "Lars").
        value = normalise(" ".join(t.text for t in run))
        known = gazetteer.known_name(value)
        if known is not None and known[0] is EntityType.CONCEPT and value not in people and (
                kind := kind_of_name(doc[run[0].i:run[-1].i + 1])) is not None:
            add(kind, value, CONFIDENCE_PROPER)  # a noun read before that this sentence names ("our cat Luna")
        elif known is not None:
            add(known[0], known[1], CONFIDENCE_KNOWN if known[1] == value else CONFIDENCE_ALIAS)
        elif len(value) >= 3 and value.replace(" ", "").isalpha():
            if value not in people and (kind := kind_of_name(doc[run[0].i:run[-1].i + 1])) is not None:
                add(kind, value, CONFIDENCE_PROPER)  # "my cat Pepper", "I use Notion" (untagged)
            elif len(run) == 1 and acts_as_person(run[0]):
                add(EntityType.PERSON, value, CONFIDENCE_PROPER)  # "Carol prefers tea": no carol prefers anything
            elif len(run) == 1 and names_an_activity(run[0]):
                add_concept(value)  # "I started Pilates": what one does, no one
            elif len(run) > 1 and run[-1].lower_ in LEGAL_FORMS:
                add(EntityType.ORGANIZATION, value, CONFIDENCE_PROPER)  # "works for Halden Legal LLP" (untagged)
            elif names_a_place(run) or len(run) == 1 and names_where_one_goes(run[0]):
                add(EntityType.LOCATION, value, CONFIDENCE_PROPER)
            elif len(run) == 1 and run[0].text.isupper():
                add_concept(value)  # an acronym the tagger left untagged ("HNSW", "SLA") names a thing, no one
            elif plausible_name(run, lexicon, tagged=False):
                add(EntityType.PERSON, value, CONFIDENCE_PROPER)
            elif (concept := lexicon.demoted_concept(run, idioms)) is not None:
                add_concept(concept)
    for token in doc:
        if token.pos_ != "NOUN" or token.i in in_entity or token.dep_ == "compound":
            continue
        if token.text[:1].isupper() and (firm := gazetteer.known_name(token.lower_, EntityType.ORGANIZATION)):
            add(firm[0], firm[1], CONFIDENCE_ALIAS)  # "Northwind is switching to a four-day week" (a noun to the tagger)
            continue
        if token.text[:1].isupper() and token.dep_ == "nsubj" and kind_of_name(token.doc[token.i:token.i + 1]) \
                is EntityType.ANIMAL:
            add(EntityType.ANIMAL, normalise(token.text), CONFIDENCE_PROPER)  # "Pepper is our rabbit" (a noun to it)
            continue
        if not lexicon.content_noun(token, idioms):
            continue
        if token.text[:1].isupper() and token.lemma_.lower() != token.lower_ and not (
                lexicon.common_noun(token.text) or lexicon.common_noun(token.lemma_)):
            # Capitalised, cut by the lemmatizer, and no everyday noun either way: a name the tagger took for a
            # plural ("Ines seemed frustrated" gave the concept "ine"), not a concept ("Pilates" stays one).
            continue
        lemma = lexicon.concept_lemma(token)
        modifiers = [c for c in token.children if c.dep_ == "compound" and c.pos_ == "NOUN" and c.i == token.i - 1
                     and not (c.lower_ == "user" and token.dep_ == "ROOT")]  # "The user bikes to work": no "user bike"
        add_concept(f"{modifiers[0].lemma_.lower()} {lemma}" if modifiers and modifiers[0].lemma_.isalpha() else lemma)
    return [EntityMention(t, v, c) for (t, v), c in found.items()]


def _split_animals(ents) -> list:
    """The tagger's entities, with two animals' names it took for one split ("two cats, Miso and Tofu"): a firm's
    "Marks and Spencer" stays whole, as nothing says it is animals."""
    out = []
    for ent in ents:
        cut = next((t.i for t in ent if t.lower_ in ("and", "&") and ent.start < t.i < ent.end - 1), None)
        first = labelled_span(ent, ent.start, cut) if cut is not None else None
        if first is not None and kind_of_name(first) is EntityType.ANIMAL:
            out += [first, labelled_span(ent, cut + 1, ent.end)]
        else:
            out.append(ent)
    return out


def _with_title(ent: Span) -> Span:
    """A person's name with the family or courtesy title written before it ("Uncle Rob", "Dr Okafor"): what they
    are called, as a chat written in lower case gives it (:mod:`memvault.extraction.truecase`), where the tagger
    left the title out."""
    start = ent.start
    if start > 0 and ent.doc[start - 1].lower_ in TITLES and ent.doc[start - 1].text[:1].isupper() \
            and ent.doc[start - 1].ent_type_ in ("", "PERSON"):
        return labelled_span(ent, start - 1, ent.end)
    return ent


def _only_a_date(text: str) -> bool:
    """Whether every word of ``text`` is part of writing a date ("9 November 2026"; not "the Olympics 2024")."""
    words = text.lower().replace(",", " ").split()
    return any(w[:1].isdigit() for w in words) and all(
        w in dates.MONTHS or w in dates.WEEKDAYS or w in ("of", "the") or dates.day_number(w)
        or dates.YEAR.fullmatch(w) for w in words)


def _comes_round(ent) -> bool:
    """Whether a DATE is a time that comes round, no one date: "every Monday" ("every" is left outside it), "each
    Friday", "Mondays", or a weekday in a sentence that says so ("runs on Tuesday and Saturday mornings", "weekly
    on Thursday"). "The password rotates every Monday" was dated 23 November 2026."""
    before = ent.doc[ent.start - 1].text if ent.start else ""
    if dates.recurs(f"{before} {ent.text}"):
        return True
    return ent.text.lower() in dates.WEEKDAYS and dates.recurs(ent.sent.text)


def _month_of_every_year(text: str) -> int | None:
    """The month a recurring date names when it names no weekday ("each March", not "Mondays in March")."""
    if any(w.rstrip("s") in dates.WEEKDAYS for w in text.lower().replace(",", " ").split()):
        return None
    return dates.month_named(text)


def _said_in_the_past(sent) -> bool:
    """Whether a sentence tells of the past ("I moved on March 3"); anything else with a date and no year tells of
    the next one ("Dentist on March 14", "the deadline is June 30", "I'll visit in October")."""
    root = sent.root
    return root.tag_ in ("VBD", "VBN") or any(c.dep_ in ("aux", "auxpass") and c.tag_ == "VBD" for c in root.children)


def _proper_runs(doc, covered: set[int]) -> list[list]:
    """Runs of capitalised proper nouns outside the tagged entities (not a sentence's first word alone)."""
    runs: list[list] = []
    current: list = []
    for token in [*doc, None]:
        if (token is not None and token.pos_ == "PROPN" and token.i not in covered and token.text[:1].isupper()
                and token.text.isalpha() and len(token.text) > 1 and not token.is_stop):
            current.append(token)
            continue
        if current and not (len(current) == 1 and current[0].is_sent_start and current[0].dep_ not in ("nsubj",)
                            and kind_of_name(doc[current[0].i:current[0].i + 1]) is None):
            runs.append(current)  # ("Mabel the tortoise woke up": the parser hung the name on the verb)
        current = []
    return runs
