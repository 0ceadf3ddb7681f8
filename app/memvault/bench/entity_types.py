"""Entity types on a labelled set of chat sentences (``memvault eval --entities FILE``).

Each sentence goes through the on-device entity extractor alone (no vault, no
names known beforehand: the sentence must show what each name is). Only named
entities are scored, the types a person reads on the Entities page (people,
animals, organisations, places, products, events); recurring nouns and dates
have their own tests. Reported: precision (named entities found that a reader
expects or accepts), recall (expected ones found with their type), and per
expected type how many were found with it and which type the others got (the
confusions rules are written against).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from memvault.domain.entities import EntityType
from memvault.domain.errors import InvalidInput

#: What the set scores: every type with a name, not recurring nouns or dates.
NAMED = tuple(t.value for t in EntityType if t not in (EntityType.CONCEPT, EntityType.DATE))
#: Sentences are read against this time (their dates are not scored; the extractor needs one).
REFERENCE = 1_700_000_000.0


@dataclass(frozen=True)
class Labelled:
    text: str
    expected: frozenset[tuple[str, str]]
    acceptable: frozenset[tuple[str, str]]


def load_set(path: Path) -> list[Labelled]:
    """The set at ``path``: ``{"sentences": [{"text", "expected", "acceptable"}]}`` with ``[type, value]`` pairs
    (those of a recurring noun or a date left out)."""
    try:
        rows = json.loads(path.read_text("utf-8"))["sentences"]
        pairs = [(r["text"], [tuple(e) for e in r["expected"]], [tuple(e) for e in r.get("acceptable", ())])
                 for r in rows]
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise InvalidInput(f"{path} is not an entity-type set (see tests/data/entity-types/README.md): "
                           f"{exc.__class__.__name__}") from None
    unknown = {t for _, want, fine in pairs for t, _ in want + fine} - {t.value for t in EntityType}
    # A set labelling nouns and dates too (tests/data/entities/) is scored on its names.
    items = [Labelled(text, frozenset(e for e in want if e[0] in NAMED), frozenset(e for e in fine if e[0] in NAMED))
             for text, want, fine in pairs]
    if unknown or not items:
        raise InvalidInput(f"{path} names no sentences or types no extractor gives: {sorted(unknown)}")
    return items


@dataclass
class EntityTypeReport:
    sentences: int
    extracted: int
    right: int
    expected: int
    recalled: int
    #: Per expected type: found with it, and the types the rest were found as ("missing": not found at all).
    by_type: dict[str, dict[str, int]] = field(default_factory=dict)
    rows: list[dict] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.right / self.extracted if self.extracted else 0.0

    @property
    def recall(self) -> float:
        return self.recalled / self.expected if self.expected else 0.0

    def as_text(self) -> str:
        lines = [f"entity types: {self.sentences} sentences, {self.expected} named entities expected, "
                 f"{self.extracted} extracted",
                 f"precision {self.precision:.3f}  recall {self.recall:.3f}",
                 f"{'expected':13} {'found':>5} {'of':>4}  found as"]
        for etype, got in self.by_type.items():
            total = sum(got.values())
            others = ", ".join(f"{k} {n}" for k, n in sorted(got.items(), key=lambda kv: -kv[1]) if k != etype)
            lines.append(f"{etype:13} {got.get(etype, 0):>5} {total:>4}  {others}")
        return "\n".join(lines)


def evaluate(items: list[Labelled], extract: Callable[[list[str]], list[set[tuple[str, str]]]]) -> EntityTypeReport:
    """Score ``extract`` (the named entities of each text, as ``(type, value)``) on ``items``."""
    found = extract([i.text for i in items])
    report = EntityTypeReport(len(items), 0, 0, 0, 0)
    by_type: dict[str, Counter] = {t: Counter() for t in NAMED}
    for item, got in zip(items, found, strict=True):
        fine = item.expected | item.acceptable
        report.extracted += len(got)
        report.right += len(got & fine)
        report.expected += len(item.expected)
        report.recalled += len(got & item.expected)
        for etype, value in item.expected:
            as_found = [t for t, v in got if v == value]
            by_type[etype][etype if etype in as_found else (as_found[0] if as_found else "missing")] += 1
        report.rows.append({"text": item.text, "missing": sorted(item.expected - got), "wrong": sorted(got - fine)})
    report.by_type = {t: dict(c) for t, c in by_type.items() if c}
    return report


def run_entity_types(path: Path) -> EntityTypeReport:
    """Load the set and the pinned pipeline, and score the extractor."""
    from memvault.extraction.entities import EntityExtractor, ExtractionInput
    from memvault.extraction.gazetteer import Gazetteer
    from memvault.extraction.nlp import NlpPipeline

    items = load_set(path)
    extractor = EntityExtractor(NlpPipeline())

    def extract(texts: list[str]) -> list[set[tuple[str, str]]]:
        mentions = extractor.extract([ExtractionInput(t, REFERENCE) for t in texts], Gazetteer([]))
        return [{(m.type.value, m.value) for m in ms if m.type.value in NAMED} for ms in mentions]

    return evaluate(items, extract)
