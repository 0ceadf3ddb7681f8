"""Retrieval and the good-match flag on small vaults of notes (``memvault eval --notes FILE``).

A notes set is what agents and people keep outside a conversation: one short note per fact, about one
named person (the name in every note, or in some), about the user in the first person or as "the user", or
about a household of several people. Each vault goes into its own namespace of a temporary vault, one
memory per note, through the memory service and the embedding queue. Questions are of two sorts: those one
note answers (scored on R@1 and R@5) and those nothing stored answers. The flag is scored both ways, per
kind of vault and search mode:

- ``recall``: of the questions whose best hit is the note that answers, the share flagged a good match;
- ``false alarms``: of the questions nothing answers, the share whose best hit is flagged, counting also each
  answerable question asked again with its note in the trash (nothing stored answers it then either);
- ``precision``: of the flagged best hits, the share that answers the question.

The file format is described in ``tests/data/notes-tune/README.md``.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from memvault.bench.conversations import HALVES, PASSPHRASE, read_set
from memvault.config import Settings
from memvault.domain.enums import SearchMode
from memvault.domain.errors import InvalidInput
from memvault.domain.models import MemoryCreate, MemoryFilter, SearchQuery

#: Hits asked for per question: as many as R@5 reads.
LIMIT = 5


@dataclass(frozen=True)
class NoteQuestion:
    id: str
    text: str
    #: The note that answers it; None when nothing stored does.
    answer: str | None


@dataclass(frozen=True)
class NoteVault:
    id: str
    split: str
    kind: str
    notes: tuple[tuple[str, str], ...]
    questions: tuple[NoteQuestion, ...]

    @property
    def namespace(self) -> str:
        return f"notes-{self.id}"


def _parse_vault(raw: dict) -> NoteVault:
    split = str(raw["split"])
    if split not in HALVES:
        raise ValueError(f"split must be one of {', '.join(HALVES)}, not {split!r}")
    notes = tuple((str(n["id"]), str(n["text"])) for n in raw["notes"])
    known = {note_id for note_id, _ in notes}
    if len(known) != len(notes) or not all(text.strip() for _, text in notes):
        raise ValueError("each note needs its own id and some text")
    questions = []
    for q in raw["questions"]:
        evidence = [str(e) for e in q["evidence"]]
        if len(evidence) > 1 or not set(evidence) <= known:
            raise ValueError(f"question {q['id']} needs one note of this vault as evidence, or none")
        questions.append(NoteQuestion(str(q["id"]), str(q["question"]), evidence[0] if evidence else None))
    return NoteVault(str(raw["id"]), split, str(raw.get("kind", "notes")), notes, tuple(questions))


def load_notes(path: Path) -> list[NoteVault]:
    """The vaults of a notes set, checked; :class:`InvalidInput` says what is wrong with the file."""
    vaults = read_set(path, "notes", "vaults", "vault", _parse_vault)
    if not any(v.questions for v in vaults):
        raise InvalidInput(f"{path} has no vaults with questions")
    if len({v.id for v in vaults}) != len(vaults):
        raise InvalidInput(f"{path}: vault ids repeat")
    return vaults


def flag_figures(rows: list[dict]) -> dict[str, float]:
    """R@1, R@5 and the good-match figures (see the module) over ``rows`` of one mode."""
    answered = [r for r in rows if r["answer"] is not None]
    correct = [r for r in answered if r["rank1"]]
    unanswered = [r for r in rows if r["answer"] is None]
    flagged = [r for r in rows if r["good_match"]]
    return {"answerable": len(answered), "unanswerable": len(unanswered),
            "r@1": len(correct) / max(1, len(answered)),
            "r@5": sum(r["r@5"] for r in answered) / max(1, len(answered)),
            "recall": sum(r["good_match"] for r in correct) / max(1, len(correct)),
            "false_alarms": sum(r["good_match"] for r in unanswered) / max(1, len(unanswered)),
            "precision": sum(r["rank1"] for r in flagged) / max(1, len(flagged))}


@dataclass
class NotesReport:
    """Per half, mode and kind of vault (``all`` for every kind): :func:`flag_figures`."""

    dataset: str
    vaults: int
    notes: int
    ingest_seconds: float
    figures: dict[str, dict[str, dict[str, dict[str, float]]]] = field(default_factory=dict)
    per_question: list[dict] = field(default_factory=list)

    def as_text(self) -> str:
        lines = [f"{self.dataset}: {self.vaults} vaults, {self.notes} notes; ingested and embedded in "
                 f"{self.ingest_seconds:.0f} s",
                 f"{'half':8} {'mode':9} {'kind':18} {'asked':>9} {'R@1':>6} {'R@5':>6} {'flag recall':>12} "
                 f"{'false alarms':>13} {'precision':>10}"]
        for half, modes in self.figures.items():
            for mode, kinds in modes.items():
                for i, (kind, f) in enumerate(kinds.items()):
                    lead = f"{half:8} {mode:9}" if i == 0 else " " * 18
                    asked = f"{int(f['answerable'])}+{int(f['unanswerable'])}"
                    lines.append(f"{lead} {kind:18} {asked:>9} {f['r@1']:6.3f} {f['r@5']:6.3f} {f['recall']:12.3f} "
                                 f"{f['false_alarms']:13.3f} {f['precision']:10.3f}")
        lines.append("asked: answerable + unanswerable (nothing stored, or the answer's note in the trash)")
        return "\n".join(lines)


def _ask(services, vault: NoteVault, text: str, mode: SearchMode, notes_of: dict[str, str]) -> dict:
    result = services.search.search(SearchQuery(text, mode=mode, limit=LIMIT,
                                                filter=MemoryFilter(namespace=vault.namespace)))
    best = result.hits[0].score if result.hits else None
    return {"top": [notes_of.get(h.memory.id, "?") for h in result.hits], "best_score": best,
            "scores": [round(h.score, 4) for h in result.hits],
            "good_match": best is not None and result.hits[0].good_match}


def _rows(services, vault: NoteVault, ids: dict[str, str], modes: list[SearchMode]) -> list[dict]:
    notes_of = {memory_id: note_id for note_id, memory_id in ids.items()}
    rows = []
    for question in vault.questions:
        for mode in modes:
            asked = _ask(services, vault, question.text, mode, notes_of)
            rows.append({"id": question.id, "half": vault.split, "kind": vault.kind, "mode": mode.value,
                         "answer": question.answer, **asked,
                         "rank1": question.answer is not None and asked["top"][:1] == [question.answer],
                         "r@5": float(question.answer in asked["top"])})
        if question.answer is None:
            continue
        services.lifecycle.delete(ids[question.answer])
        try:
            for mode in modes:
                rows.append({"id": question.id + "/trashed", "half": vault.split, "kind": vault.kind,
                             "mode": mode.value, "answer": None, **_ask(services, vault, question.text, mode, notes_of),
                             "rank1": False, "r@5": 0.0})
        finally:
            services.lifecycle.restore(ids[question.answer])
    return rows


def run_notes(settings: Settings, path: Path, *, progress: Callable[[str], None] | None = None,
              model: str | None = None, half: str | None = None) -> NotesReport:
    """Store ``path``'s vaults of notes in a temporary vault and score each search mode on their questions
    (``half``: only that half's vaults are stored and asked, so tuning never prints a held-out figure)."""
    from memvault.service.container import create_vault, load_embedder

    say = progress or (lambda _msg: None)
    vaults = [v for v in load_notes(path) if half is None or v.split == half]
    if not vaults:
        raise InvalidInput(f"{path} holds no vaults in the half {half!r}")
    modes = list(SearchMode)
    with tempfile.TemporaryDirectory(prefix="memvault-eval-") as tmp:
        cfg = settings.with_overrides(home=str(Path(tmp) / "vault"), kdf_memory_kib=8192, kdf_iterations=1)
        services = create_vault(cfg, PASSPHRASE, load_embedder(cfg, model), background=False)
        try:
            started = time.perf_counter()
            ids: dict[str, dict[str, str]] = {}
            for vault in vaults:
                stored = [services.memories.create(MemoryCreate(content=text, namespace=vault.namespace,
                                                                client_id=f"{vault.id}/{note_id}")).memory.id
                          for note_id, text in vault.notes]
                ids[vault.id] = dict(zip((n for n, _ in vault.notes), stored, strict=True))
            services.worker.drain()
            services.entities.drain()
            report = NotesReport(path.name, len(vaults), sum(len(v.notes) for v in vaults),
                                 time.perf_counter() - started)
            for vault in vaults:
                say(f"asking vault {vault.id}'s {len(vault.questions)} questions…")
                report.per_question += _rows(services, vault, ids[vault.id], modes)
        finally:
            services.close()
    for split in HALVES:
        for mode in modes:
            mine = [r for r in report.per_question if r["half"] == split and r["mode"] == mode.value]
            for kind in ("all", *dict.fromkeys(r["kind"] for r in mine)):
                some = [r for r in mine if kind in ("all", r["kind"])]
                if some:
                    report.figures.setdefault(split, {}).setdefault(mode.value, {})[kind] = flag_figures(some)
    return report
