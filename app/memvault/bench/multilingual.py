"""Retrieval quality per language and across languages (``memvault eval --multilingual FILE``).

The set is parallel: each topic has one memory and one question in every language of the set
(``tests/data/multilingual/README.md``). Each language's memories go into a namespace of their own in a
temporary vault, through the memory service and the embedding queue. Every question is then searched:
in its own language's namespace (same-language), in the pivot language's namespace (a question in
Chinese for memories written in English) and, for pivot-language questions, in every other namespace
(an English question for memories in Chinese). A question is answered when its topic's memory is among
the hits: R@1 and R@5 per language, direction and search mode, for the vault's model.

It also measures the good-match flag: how many right first answers are flagged, per direction, and, asking
each same-language question again with its memory in the trash (so that nothing stored answers it), how many
best hits are flagged all the same (a false "good match").
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from memvault.config import Settings
from memvault.domain.enums import SearchMode
from memvault.domain.errors import InvalidInput
from memvault.domain.models import MemoryCreate, MemoryFilter, SearchQuery, SearchResult

PASSPHRASE = "memvault-eval-temporary"
LIMIT = 5
#: Directions a question is searched in, relative to its language L and the set's pivot language P.
DIRECTIONS = ("same", "to-pivot", "from-pivot")
#: Modes whose best hit carries a good-match flag (a keyword hit contains the words asked for).
FLAGGED_MODES = (SearchMode.HYBRID, SearchMode.SEMANTIC)


@dataclass(frozen=True)
class Topic:
    id: str
    memory: dict[str, str]
    question: dict[str, str]


@dataclass(frozen=True)
class MultilingualSet:
    languages: tuple[str, ...]
    pivot: str
    topics: tuple[Topic, ...]


def load_set(path: Path) -> MultilingualSet:
    """The set in ``path``, checked: every topic has a memory and a question in every language."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        languages = tuple(map(str, raw["languages"]))
        pivot = str(raw["pivot"])
        topics = tuple(Topic(str(t["id"]), {k: str(v) for k, v in t["memory"].items()},
                             {k: str(v) for k, v in t["question"].items()}) for t in raw["topics"])
    except FileNotFoundError:
        raise InvalidInput(f"no multilingual set at {path}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
        raise InvalidInput(f"{path} is not a multilingual set: {exc}") from None
    if pivot not in languages or not topics:
        raise InvalidInput(f"{path}: the pivot language must be one of the set's, and the set needs topics")
    for topic in topics:
        missing = [lang for lang in languages if not topic.memory.get(lang, "").strip()
                   or not topic.question.get(lang, "").strip()]
        if missing:
            raise InvalidInput(f"{path}: topic {topic.id} has no memory or question in {', '.join(missing)}")
    if len({t.id for t in topics}) != len(topics):
        raise InvalidInput(f"{path}: topic ids repeat")
    return MultilingualSet(languages, pivot, topics)


def _namespace(language: str) -> str:
    return f"lang-{language}"


def searches(data: MultilingualSet) -> list[tuple[str, str, str, str]]:
    """``(direction, question language, memory language, topic id)`` of every search the eval makes."""
    out = []
    for lang in data.languages:
        for topic in data.topics:
            out.append(("same", lang, lang, topic.id))
            if lang != data.pivot:
                out.append(("to-pivot", lang, data.pivot, topic.id))
                out.append(("from-pivot", data.pivot, lang, topic.id))
    return out


@dataclass
class MultilingualReport:
    """R@1 and R@5 by mode, direction and language (the language a question is not in the pivot's)."""

    dataset: str
    model_id: str
    languages: list[str]
    pivot: str
    topics: int
    ingest_seconds: float
    metrics: dict[str, dict[str, dict[str, dict[str, float]]]] = field(default_factory=dict)
    per_question: list[dict] = field(default_factory=list)
    #: Per flagged mode: ``answered`` (right first answers per direction: how many, how many flagged) and
    #: ``absent`` (the question asked with its memory in the trash: per language, how many best hits flagged).
    good_match: dict[str, dict[str, dict[str, dict[str, int]]]] = field(default_factory=dict)
    absent: list[dict] = field(default_factory=list)

    def as_text(self) -> str:
        lines = [f"{self.dataset}: {self.topics} topics in {len(self.languages)} languages ({', '.join(self.languages)}), "
                 f"model {self.model_id}; ingested and embedded in {self.ingest_seconds:.0f} s",
                 "R@5 (R@1) per language; same = question and memories in that language, to-pivot = question in it, "
                 f"memories in {self.pivot}, from-pivot = question in {self.pivot}, memories in it",
                 f"{'mode':9} {'direction':11} " + " ".join(f"{lang:>11}" for lang in self.languages) + f" {'all':>11}"]
        for mode, directions in self.metrics.items():
            for direction, per_lang in directions.items():
                cells = []
                for lang in [*self.languages, "all"]:
                    m = per_lang.get(lang)
                    cells.append(f"{m['recall@5']:.2f} ({m['recall@1']:.2f})" if m else f"{'-':>11}")
                lines.append(f"{mode:9} {direction:11} " + " ".join(f"{c:>11}" for c in cells))
        if self.good_match:
            lines.append("good match: right first answers flagged, same language / to-pivot / from-pivot; "
                         "same-language answer in the trash, best hit flagged (a false good match)")
        for mode, cells in self.good_match.items():
            answered, absent = cells["answered"], cells["absent"]
            per_lang = ", ".join(f"{lang} {absent[lang]['flagged']}" for lang in self.languages if lang in absent)
            flagged = " / ".join(f"{answered[d]['flagged']} of {answered[d]['n']}" for d in DIRECTIONS)
            lines.append(f"{mode:9} {flagged}; {absent['all']['flagged']} of {absent['all']['n']} ({per_lang})")
        return "\n".join(lines)


def _aggregate(rows: list[dict], data: MultilingualSet) -> dict:
    metrics: dict = {}
    for row in rows:
        lang = row["memory_language"] if row["direction"] == "from-pivot" else row["question_language"]
        for key in (lang, "all"):
            cell = metrics.setdefault(row["mode"], {}).setdefault(row["direction"], {}).setdefault(
                key, {"n": 0, "recall@1": 0.0, "recall@5": 0.0})
            cell["n"] += 1
            cell["recall@1"] += row["rank"] == 1
            cell["recall@5"] += row["rank"] is not None and row["rank"] <= 5
    for directions in metrics.values():
        for per_lang in directions.values():
            for cell in per_lang.values():
                cell["recall@1"] /= cell["n"]
                cell["recall@5"] /= cell["n"]
    return metrics


def _flagged(result: SearchResult, mode: SearchMode) -> bool | None:
    """Whether the best hit is flagged a good match (``None`` for a mode without the flag)."""
    if mode not in FLAGGED_MODES:
        return None
    return bool(result.hits) and result.hits[0].good_match


def _good_match(rows: list[dict], absent: list[dict]) -> dict:
    out: dict = {}
    for row in rows:
        if row["flagged"] is None or row["rank"] != 1:
            continue
        cell = out.setdefault(row["mode"], {"answered": {}, "absent": {}})["answered"].setdefault(
            row["direction"], {"n": 0, "flagged": 0})
        cell["n"] += 1
        cell["flagged"] += row["flagged"]
    for row in absent:
        per_lang = out.setdefault(row["mode"], {"answered": {}, "absent": {}})["absent"]
        for key in (row["language"], "all"):
            cell = per_lang.setdefault(key, {"n": 0, "flagged": 0})
            cell["n"] += 1
            cell["flagged"] += row["flagged"]
    for cells in out.values():
        for direction in DIRECTIONS:
            cells["answered"].setdefault(direction, {"n": 0, "flagged": 0})
    return out


def run_multilingual(settings: Settings, path: Path, *, modes: Iterable[SearchMode] | None = None, embedder=None,
                     progress: Callable[[str], None] | None = None, model: str | None = None) -> MultilingualReport:
    """Store the set's memories in a temporary vault and score each search mode on its questions.

    ``model``: the bundled embedding model the vault uses (default: English, or ``embedder``'s).
    """
    from memvault.service.container import create_vault, load_embedder

    say = progress or (lambda _msg: None)
    data = load_set(path)
    modes = list(modes or SearchMode)
    with tempfile.TemporaryDirectory(prefix="memvault-eval-") as tmp:
        cfg = settings.with_overrides(home=str(Path(tmp) / "vault"), kdf_memory_kib=8192, kdf_iterations=1)
        services = create_vault(cfg, PASSPHRASE, embedder or load_embedder(cfg, model), background=False)
        try:
            started = time.perf_counter()
            say(f"storing and embedding {len(data.topics) * len(data.languages)} memories…")
            ids: dict[tuple[str, str], str] = {}
            for lang in data.languages:
                result = services.memories.create_batch([
                    MemoryCreate(content=t.memory[lang], namespace=_namespace(lang), client_id=t.id)
                    for t in data.topics])
                if result.failed:
                    raise InvalidInput(f"{path}: {result.failed} {lang} memories were refused")
                ids.update({(lang, t.id): item.memory_id for t, item in zip(data.topics, result.items, strict=True)})
            services.worker.drain()
            report = MultilingualReport(path.name, services.embedder.model_id, list(data.languages), data.pivot,
                                        len(data.topics), time.perf_counter() - started)
            topics = {t.id: t for t in data.topics}
            for mode in modes:
                for direction, q_lang, m_lang, topic_id in searches(data):
                    result = services.search.search(SearchQuery(
                        topics[topic_id].question[q_lang], mode=mode, limit=LIMIT,
                        filter=MemoryFilter(namespace=_namespace(m_lang))))
                    found = [h.memory.id for h in result.hits]
                    want = ids[(m_lang, topic_id)]
                    report.per_question.append({
                        "topic": topic_id, "mode": mode.value, "direction": direction, "question_language": q_lang,
                        "memory_language": m_lang, "rank": found.index(want) + 1 if want in found else None,
                        "flagged": _flagged(result, mode)})
                say(f"{mode.value}: done")
            report.metrics = _aggregate(report.per_question, data)
            flagged_modes = [m for m in modes if m in FLAGGED_MODES]
            if flagged_modes:
                say("asking each question again with its answer in the trash…")
                report.absent = _answer_in_trash(services, data, ids, flagged_modes)
                report.good_match = _good_match(report.per_question, report.absent)
        finally:
            services.close()
    return report


def _answer_in_trash(services, data: MultilingualSet, ids: dict[tuple[str, str], str],
                     modes: list[SearchMode]) -> list[dict]:
    """Each same-language question asked with its topic's memory in the trash: is the best hit left flagged?"""
    rows = []
    for lang in data.languages:
        for topic in data.topics:
            memory_id = ids[(lang, topic.id)]
            services.lifecycle.delete(memory_id)
            try:
                for mode in modes:
                    result = services.search.search(SearchQuery(topic.question[lang], mode=mode, limit=LIMIT,
                                                                filter=MemoryFilter(namespace=_namespace(lang))))
                    rows.append({"topic": topic.id, "mode": mode.value, "language": lang,
                                 "flagged": bool(_flagged(result, mode)),
                                 "best": result.hits[0].score if result.hits else None})
            finally:
                services.lifecycle.restore(memory_id)
    return rows
