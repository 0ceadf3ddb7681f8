"""Entities of a memory: the pinned spaCy pipeline's named entities, the vault's own names, recurring nouns.

For each text:

- named entities from the pipeline's tagger, folded into :class:`EntityType`
  (PERSON; ORG; GPE/LOC/FAC as locations; PRODUCT/WORK_OF_ART as products;
  EVENT; DATE resolved to an ISO value against the memory's own time by
  :mod:`app.extraction.date_spans`; times, amounts and nationalities are left out);
- every entity the namespace already knows, found by the gazetteer
  (:mod:`app.extraction.gazetteer`), which also links a tagged name to the
  known entity of the same name or alias, whatever type the tagger guessed
  this time ("Maya" -> the person "maya okafor");
- nouns (lemmas; a compound such as "client presentation" as one) as
  ``concept`` entities: the user's own recurring nouns. Every one is linked;
  the entity list shows those mentioned by at least two memories, and search
  weighs each by how rare it is (:mod:`app.service.graph_search`).

Confidences are fixed by where a mention came from (the small pipeline gives
no per-entity scores): an exact known name 0.9, a tagged entity 0.85, a known
alias 0.75, a resolved date 0.9, an untagged proper noun (read as a person:
chat names first names the small tagger misses) 0.6, a noun 0.5.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from app.domain.entities import EntityMention, EntityType
from app.extraction.date_spans import resolve
from app.extraction.gazetteer import Gazetteer, normalise
from app.extraction.nlp import NlpPipeline

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
#: Nouns that say nothing about what a memory is about, however often they recur.
GENERIC_NOUNS = frozenset("""
thing things stuff lot lots bit way time times day days week weeks month months year years today tonight morning
evening night afternoon moment minute minutes hour hours kind sort part point idea question answer something
anything everything nothing one ones people person guy guys fact case number plan plans sense end start place
user users assistant
""".split())
#: Pipe batch size: long enough to amortise the model's per-batch cost, short enough to bound memory.
BATCH = 64


@dataclass(frozen=True)
class ExtractionInput:
    """One text to read, and the epoch seconds its relative dates are resolved against."""

    text: str
    reference: float


class EntityExtractor:
    """Reads texts with the pinned pipeline; thread-safe (the pipeline is shared, read-only)."""

    def __init__(self, nlp: NlpPipeline) -> None:
        self._nlp = nlp

    def warm(self) -> None:
        """Load and verify the pipeline now (raises :class:`ExtractionModelError` if it cannot be used)."""
        self._nlp.get()

    @property
    def loaded(self) -> bool:
        return self._nlp.loaded

    def extract(self, items: Sequence[ExtractionInput], gazetteer: Gazetteer) -> list[list[EntityMention]]:
        """The mentions of each item, in order, each entity once (its most confident mention)."""
        nlp = self._nlp.get()
        with self._nlp.parse_lock:
            docs = list(nlp.pipe((i.text for i in items), batch_size=BATCH))
        return [_mentions(doc, item, gazetteer) for doc, item in zip(docs, items, strict=True)]


def _mentions(doc, item: ExtractionInput, gazetteer: Gazetteer) -> list[EntityMention]:
    found: dict[tuple[EntityType, str], float] = {}

    def add(etype: EntityType, value: str, confidence: float) -> None:
        key = (etype, value)
        found[key] = max(found.get(key, 0.0), confidence)

    for m in gazetteer.find(item.text):
        add(m.type, m.value, CONFIDENCE_ALIAS if m.alias else CONFIDENCE_KNOWN)
    in_entity = set()
    for ent in doc.ents:
        etype = _LABELS.get(ent.label_)
        if etype is None:
            continue
        in_entity.update(range(ent.start, ent.end))
        if etype is EntityType.DATE:
            span = resolve(ent.text, item.reference)
            if span is not None:
                add(EntityType.DATE, span.value, CONFIDENCE_DATE)
            continue
        value = normalise(ent.text)
        if len(value) < 2 or not any(c.isalpha() for c in value):
            continue
        known = gazetteer.known(value)
        if known is not None:
            add(known[0], known[1], CONFIDENCE_KNOWN if known[1] == value else CONFIDENCE_ALIAS)
        else:
            add(etype, value, CONFIDENCE_TAGGED)
    for run in _proper_runs(doc, in_entity):
        # Proper nouns the small tagger left untagged are mostly first names in chat ("Aiko", "Lars").
        value = normalise(run)
        known = gazetteer.known(value)
        if known is not None:
            add(known[0], known[1], CONFIDENCE_KNOWN if known[1] == value else CONFIDENCE_ALIAS)
        elif len(value) >= 3 and value.replace(" ", "").isalpha():
            add(EntityType.PERSON, value, CONFIDENCE_PROPER)
    for token in doc:
        if token.pos_ != "NOUN" or token.i in in_entity or token.dep_ == "compound":
            continue
        lemma = token.lemma_.lower()
        if len(lemma) < 3 or not lemma.isalpha() or lemma in GENERIC_NOUNS or token.is_stop:
            continue
        modifiers = [c for c in token.children if c.dep_ == "compound" and c.pos_ == "NOUN" and c.i == token.i - 1]
        value = f"{modifiers[0].lemma_.lower()} {lemma}" if modifiers and modifiers[0].lemma_.isalpha() else lemma
        known = gazetteer.known(value)
        add(known[0] if known else EntityType.CONCEPT, known[1] if known else value, CONFIDENCE_NOUN)
    return [EntityMention(t, v, c) for (t, v), c in found.items()]


def _proper_runs(doc, covered: set[int]) -> list[str]:
    """Runs of capitalised proper nouns outside the tagged entities (not a sentence's first word alone)."""
    runs: list[str] = []
    current: list = []
    for token in [*doc, None]:
        if (token is not None and token.pos_ == "PROPN" and token.i not in covered and token.text[:1].isupper()
                and token.text.isalpha() and len(token.text) > 1 and not token.is_stop):
            current.append(token)
            continue
        if current and not (len(current) == 1 and current[0].is_sent_start and current[0].dep_ not in ("nsubj",)):
            runs.append(" ".join(t.text for t in current))
        current = []
    return runs
