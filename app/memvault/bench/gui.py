"""``memvault bench --gui``: launch time, memory and filter time of the desktop app.

A vault of N memories is built first (generated vectors imported, entities extracted). A fresh
process then starts the app on it, submits the passphrase as soon as the
dialog appears, and reports the time from launch until the browser's first
page is on screen, its RSS once start-up work has settled, and how long a
filter change takes to show its first page and its count.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import psutil

PASSPHRASE = "memvault-gui-bench-temporary"


#: Real workload texts embedded for the generated vectors to mix (:func:`memvault.bench.knn.synthetic_vectors`).
#: The app's list, filters and counts never read a vector's meaning, and the first search's cost is the index's.
BASE_TEXTS = 2_000
#: Memories per imported bundle (one import transaction each).
PER_BUNDLE = 50_000
#: Each memory's one tag and its agent: a few of each, as the list's filters offer them.
GUI_TAGS = ("work", "todo", "team", "later")
GUI_AGENTS = ("assistant", "ops-bot", "calendar")


def build_vault(home: Path, n: int, progress: Callable[[str], None]) -> None:
    """A vault of ``n`` workload memories in its steady state: indexed, entities extracted.

    Filled the way ``bench --scale`` fills its vault, from bundles of generated memories with vectors
    mixed from :data:`BASE_TEXTS` real embeddings: embedding 100k texts one batch at a time took longer
    than everything the bench then measures. Entities are extracted for real, from every memory.
    """
    import numpy as np

    from memvault.bench import knn, workload
    from memvault.bench.bundle import BUNDLE_PASSPHRASE, write_bundle
    from memvault.bench.scale import generated_records
    from memvault.config import load_settings
    from memvault.domain.hlc import HybridClock
    from memvault.domain.models import DEFAULT_NAMESPACE
    from memvault.service.container import create_vault, load_embedder

    settings = load_settings(environ={}, home=str(home))
    services = create_vault(settings, PASSPHRASE, load_embedder(settings), background=False)
    rng = random.Random(3)
    try:
        progress(f"embedding {min(BASE_TEXTS, n):,} workload texts for the generated vectors to mix…")
        base = services.embedder.embed_texts([workload.memory_text(rng)[1] for _ in range(min(BASE_TEXTS, n))])
        gen = np.random.default_rng(3)
        clock = HybridClock("bench-gui")
        for start in range(0, n, PER_BUNDLE):
            count = min(PER_BUNDLE, n - start)
            progress(f"importing memories {start + 1:,}–{start + count:,} of {n:,}…")
            path = home / "part.mvbundle"
            write_bundle(path, services, DEFAULT_NAMESPACE, count,
                         generated_records(services, n, start, knn.synthetic_vectors(base, count, gen), rng, clock,
                                           namespace=DEFAULT_NAMESPACE, origin="bench-gui",
                                           tags=lambda r: tuple(r.sample(GUI_TAGS, 1)),
                                           agent=lambda r: r.choice(GUI_AGENTS)))
            services.bundles.import_bundle(path, passphrase=BUNDLE_PASSPHRASE)
            os.unlink(path)
        progress("building the vector index…")
        services.vector_index.maintain()
        services.vector_index.snapshot()
        # A vault in its steady state: otherwise the app would spend the measurement extracting entities.
        progress("extracting entities…")
        services.entities.drain()
    finally:
        services.close()


def probe(home: str, launched_at: float) -> dict[str, float]:
    """Runs in the child process: start the app, unlock, wait for the browser, filter.

    ``launched_at`` is the parent's clock just before it spawned this process
    (psutil's process start time is only as exact as the boot time, a whole second).
    """
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from memvault.config import load_settings
    from memvault.gui.app import DesktopApp
    from memvault.api.server import start_api_server

    result: dict[str, float] = {}
    qapp = QApplication(sys.argv[:1])
    settings = load_settings(home=home, api_port=0, idle_lock_minutes=0)
    desktop = DesktopApp(qapp, settings, server_factory=start_api_server, use_tray=False)
    submitted = 0.0

    def submit() -> None:
        nonlocal submitted
        if desktop.dialog is None:
            QTimer.singleShot(5, submit)
            return
        submitted = time.time()
        result["dialog_s"] = submitted - launched_at
        desktop.dialog.passphrase.setText(PASSPHRASE)
        desktop.dialog.buttons.accepted.emit()

    def on_unlocked() -> None:
        model = desktop.window.browser.model

        def on_first_page() -> None:
            model.loaded.disconnect(on_first_page)
            qapp.processEvents()  # the page is painted
            now = time.time()
            result["interactive_s"] = now - launched_at
            result["unlock_to_interactive_s"] = now - submitted
            settle()

        def settle() -> None:
            # RSS once start-up work is done: counts, the API server, the model loaded.
            desktop.runner.wait()
            if desktop.server is None:
                QTimer.singleShot(50, settle)
                return
            qapp.processEvents()
            result["rss_mb"] = psutil.Process().memory_info().rss / 2**20
            QTimer.singleShot(300, apply_filter)

        def apply_filter() -> None:
            filter_started = time.perf_counter()

            def on_filtered() -> None:
                model.loaded.disconnect(on_filtered)
                qapp.processEvents()
                result["filter_ms"] = (time.perf_counter() - filter_started) * 1000
                finish()

            def on_counted(total: int) -> None:
                model.counted.disconnect(on_counted)
                result["filter_count_ms"] = (time.perf_counter() - filter_started) * 1000
                result["filtered_total"] = float(total)
                finish()

            def finish() -> None:
                if "filter_ms" in result and "filter_count_ms" in result:
                    QTimer.singleShot(300, search)

            model.loaded.connect(on_filtered)
            model.counted.connect(on_counted)
            desktop.window.browser.type_filter.setCurrentText("task")

        def search() -> None:
            # The first semantic search pulls the vector index into the reader's page cache.
            view = desktop.window.search
            search_started = time.perf_counter()

            def on_results(_hits: int) -> None:
                view.results_shown.disconnect(on_results)
                qapp.processEvents()
                result["first_search_ms"] = (time.perf_counter() - search_started) * 1000
                desktop.runner.wait()
                result["rss_after_search_mb"] = psutil.Process().memory_info().rss / 2**20
                QTimer.singleShot(0, desktop.quit)

            view.results_shown.connect(on_results)
            desktop.window.pages.setCurrentWidget(view)
            view.query.blockSignals(True)  # search once, now, rather than after the typing debounce
            view.query.setText("what did the team decide about the release")
            view.query.blockSignals(False)
            view.run_search()

        model.loaded.connect(on_first_page)

    desktop.unlocked.connect(on_unlocked)
    desktop.start()
    QTimer.singleShot(0, submit)
    qapp.exec()
    return result


def _measure_launches(home: Path, runs: int, progress: Callable[[str], None]) -> list[dict[str, float]]:
    results = []
    for i in range(runs):
        progress(f"launch {i + 1} of {runs}…")
        env = {**os.environ, "MEMVAULT_WORKER": "true"}
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
        proc = subprocess.run([sys.executable, "-m", "memvault.bench.gui", str(home), repr(time.time())], env=env,
                              capture_output=True, text=True, timeout=600)
        if proc.returncode != 0:
            raise RuntimeError(f"the GUI probe failed: {proc.stderr[-2000:]}")
        results.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    return results


def _kept_vault(keep: Path, n: int, progress: Callable[[str], None]) -> Path:
    """The benchmark vault under ``keep``, built on first use and reused while N matches."""
    home = keep / f"vault-{n}"
    if not (home / "BUILT").exists():
        if home.exists():
            raise RuntimeError(f"{home} holds an unfinished benchmark vault; remove it and run again")
        progress(f"building a vault of {n:,} memories in {home} (kept for later runs)…")
        build_vault(home, n, progress)
        (home / "BUILT").write_text(str(n))
    return home


def run_gui_benchmark(n: int, progress: Callable[[str], None], runs: int = 3,
                      keep: Path | None = None) -> dict[str, float]:
    """Build an N-memory vault and measure ``runs`` fresh launches (median of each figure).

    Args:
        n: memories in the vault.
        progress: receives one-line progress messages.
        runs: fresh processes to launch; each figure is the median over them.
        keep: a folder to keep the built vault in, so later runs skip the build.
    """
    if keep is not None:
        results = _measure_launches(_kept_vault(keep, n, progress), runs, progress)
    else:
        with tempfile.TemporaryDirectory(prefix="memvault-guibench-") as tmp:
            home = Path(tmp) / "vault"
            progress(f"building a vault of {n:,} memories…")
            build_vault(home, n, progress)
            results = _measure_launches(home, runs, progress)
    keys = results[0].keys()
    return {k: sorted(r[k] for r in results)[len(results) // 2] for k in keys} | {"memories": float(n),
                                                                                  "runs": float(runs)}


if __name__ == "__main__":
    print(json.dumps(probe(sys.argv[1], float(sys.argv[2]))))
