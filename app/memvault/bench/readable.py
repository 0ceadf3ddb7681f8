"""``memvault bench --readable``: a JSON Lines round trip of N memories, timed, and checked field for field.

A generated JSON Lines file (every field varied: unicode text, tags, nested
metadata, trashed and archived memories, history versions, inferred types) is
imported into a temporary vault (A); A is exported (timed, with peak RSS
growth: the export is streamed); that file is imported into an empty vault B
(timed) and B is exported again. The generated file, A's export and B's export
must hold the same memories, field for field: the round trip is lossless when
all three agree. CPU time (all threads) is given beside wall time: on a shared
machine the wall time mostly measures the neighbours.
"""

from __future__ import annotations

import json
import random
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from memvault.bench import workload
from memvault.bench.bundle import PeakRss
from memvault.bench.service import machine
from memvault.config import Settings
from memvault.domain.entities import TypeSource
from memvault.domain.enums import Tier, Visibility
from memvault.domain.hlc import Hlc
from memvault.domain.ids import uuid7
from memvault.embedding.lazy import LazyEmbedder
from memvault.embedding.manifest import load_manifest
from memvault.service.container import create_vault
from memvault.service.importers.run import ToolImportRequest
from memvault.service.importers.sources import Source
from memvault.service.readable_export import ReadableExportRequest, ReadableFormat

NAMESPACE = "bench"
PASSPHRASE = "memvault-bench-temporary"
DEVICE = "benchdevice0"
_TAGS = ["work", "home", "travel", "health", "ünïcode", "long-tag-" + "x" * 40, "café", "日本語"]


@dataclass
class ReadableBenchReport:
    """What ``memvault bench --readable`` measured (seconds, MB)."""

    machine: str
    n: int
    file_mb: float
    history: int
    first_import_s: float
    export_s: float
    export_cpu_s: float
    export_rss_growth_mb: float
    import_s: float
    import_cpu_s: float
    import_rss_growth_mb: float
    equal: bool
    differing: int

    def as_text(self) -> str:
        verdict = ("field-for-field equal (generated file = A's export = B's export)" if self.equal
                   else f"NOT equal: {self.differing:,} memories differ")
        return "\n".join([
            f"machine: {self.machine}",
            f"JSON Lines round trip of {self.n:,} memories ({self.history:,} history versions): {self.file_mb:.1f} MB",
            (f"export: {self.export_s:.2f} s ({self.n / self.export_s:,.0f} memories/s; "
             f"CPU {self.export_cpu_s:.2f} s), peak RSS growth {self.export_rss_growth_mb:.0f} MB"),
            (f"import into an empty vault: {self.import_s:.2f} s ({self.n / self.import_s:,.0f} memories/s; "
             f"CPU {self.import_cpu_s:.2f} s; dry run included), peak RSS growth {self.import_rss_growth_mb:.0f} MB"),
            f"round trip: {verdict}",
        ])


def _doc(i: int, rng: random.Random, now: float) -> dict[str, Any]:
    memory_type, text = workload.memory_text(rng)
    created = now - 86_400 * 365 + i * 3.123457 + rng.random() / 7
    versions = rng.choice((1, 1, 1, 2, 3))
    importance = round(rng.random(), 6)
    history = []
    for version in range(1, versions + 1):
        history.append({"version": version, "change": "created" if version == 1 else "updated",
                        "changed_at": created + version, "content": f"{text} (v{version}) #{i}",
                        "memory_type": memory_type.value, "tags": rng.sample(_TAGS, 2), "metadata": {"v": version},
                        "importance": importance, "tier": Tier.from_importance(importance).value,
                        "visibility": Visibility.PRIVATE.value})
    fate = rng.random()
    return {
        "id": uuid7(), "namespace": NAMESPACE, "content": f"{text} — №{i} ✓",
        "memory_type": memory_type.value, "tags": rng.sample(_TAGS, rng.randint(0, 3)),
        "metadata": {"n": i, "nested": {"list": [1, 2.5, None, True], "text": "a\nb"}, "ratio": rng.random()},
        "importance": importance, "tier": rng.choice(list(Tier)).value,
        "visibility": rng.choice(list(Visibility)).value,
        "agent_id": rng.choice((None, "planner", "coder")), "user_id": rng.choice((None, "dana")),
        "session_id": rng.choice((None, f"s-{i // 50}")), "project": rng.choice((None, "memvault")),
        "client_id": f"client-{i}" if rng.random() < 0.3 else None, "created_at": created,
        "updated_at": created + versions, "expires_at": rng.choice((None, now + 10 * 365 * 86_400)),
        "deleted_at": created + 10 if fate < 0.05 else None,
        "archived_at": created + 20 if 0.05 <= fate < 0.1 else None,
        "version": versions, "hlc": str(Hlc(int((created + versions) * 1000), 0, DEVICE)), "origin_device": DEVICE,
        "memory_type_source": rng.choice(list(TypeSource)).value, "history": history,
    }


def write_input(path: Path, n: int, now: float) -> int:
    rng = random.Random(17)
    history = 0
    encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
    with open(path, "w", encoding="utf-8") as out:
        for i in range(n):
            doc = _doc(i, rng, now)
            history += len(doc["history"])
            out.write(encoder.encode(doc) + "\n")
    return history


def _docs(path: Path) -> Iterator[dict[str, Any]]:
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            yield json.loads(line)


def _differing(*paths: Path) -> int:
    """Memories that are not the same in every file (by id; each file read once, a line at a time, then sorted
    by id so the files' orders do not matter)."""
    tables = [sorted(_docs(p), key=lambda d: d["id"]) for p in paths]
    if len({len(t) for t in tables}) != 1:
        return max(len(t) for t in tables)
    return sum(1 for rows in zip(*tables, strict=True) if any(r != rows[0] for r in rows[1:]))


def run_readable_benchmark(settings: Settings, *, n: int = 10_000,
                           progress: Callable[[str], None] | None = None) -> ReadableBenchReport:
    say = progress or (lambda _msg: None)
    embedder = LazyEmbedder(load_manifest())  # nothing is embedded: the model never loads
    cfg = settings.with_overrides(kdf_memory_kib=8192, kdf_iterations=1, worker=False)
    request = ReadableExportRequest((NAMESPACE,), ReadableFormat.JSONL, include_history=True, include_deleted=True,
                                    unencrypted_ok=True)
    with tempfile.TemporaryDirectory(prefix="memvault-bench-readable-") as tmp:
        root = Path(tmp)
        say(f"writing {n:,} generated memories as JSON Lines…")
        history = write_input(root / "input.jsonl", n, time.time())
        a = create_vault(cfg.with_overrides(home=str(root / "a")), PASSPHRASE, embedder, background=False)
        try:
            say("importing them into vault A…")
            started = time.perf_counter()
            a.readable.import_from(root / "input.jsonl", ToolImportRequest(Source.JSONL))
            first_import_s = time.perf_counter() - started
            say("exporting vault A…")
            with PeakRss() as export_rss:
                started, cpu = time.perf_counter(), time.process_time()
                a.readable.export(root / "a.jsonl", request)
                export_s, export_cpu = time.perf_counter() - started, time.process_time() - cpu
        finally:
            a.close()
        b = create_vault(cfg.with_overrides(home=str(root / "b")), PASSPHRASE, embedder, background=False)
        try:
            say("importing A's export into an empty vault B…")
            with PeakRss() as import_rss:
                started, cpu = time.perf_counter(), time.process_time()
                b.readable.import_from(root / "a.jsonl", ToolImportRequest(Source.JSONL))
                import_s, import_cpu = time.perf_counter() - started, time.process_time() - cpu
            b.readable.export(root / "b.jsonl", request)
        finally:
            b.close()
        say("comparing field for field…")
        differing = _differing(root / "input.jsonl", root / "a.jsonl", root / "b.jsonl")
        size_mb = (root / "a.jsonl").stat().st_size / 1e6
    return ReadableBenchReport(machine(), n, size_mb, history, first_import_s, export_s, export_cpu,
                               export_rss.growth_mb, import_s, import_cpu, import_rss.growth_mb, differing == 0,
                               differing)
