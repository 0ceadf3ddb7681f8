"""``memvault bench --gui``: launch time, memory and filter time of the desktop app.

A vault of N memories is built first (through the service, embedded). A fresh
process then starts the app on it, submits the passphrase as soon as the
dialog appears, and reports the time from process start until the browser's
first page is on screen, its RSS, and how long a filter change takes.
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


def build_vault(home: Path, n: int, progress: Callable[[str], None]) -> None:
    from app.config import load_settings
    from app.domain.models import MemoryCreate
    from app.service import workload
    from app.service.container import create_vault, load_embedder

    settings = load_settings(environ={}, home=str(home), kdf_memory_kib=8192, kdf_iterations=1)
    services = create_vault(settings, PASSPHRASE, load_embedder(settings), background=False)
    rng = random.Random(3)
    try:
        for b in range(0, n, 100):
            items = []
            for _ in range(min(100, n - b)):
                kind, text = workload.memory_text(rng)
                items.append(MemoryCreate(content=text, memory_type=kind, importance=round(rng.random(), 2),
                                          agent_id=rng.choice(["assistant", "ops-bot", "calendar"]),
                                          tags=rng.sample(["work", "todo", "team", "later"], 1)))
            services.memories.create_batch(items)
            if b % 10_000 == 0:
                progress(f"stored {b:,} memories…")
        progress("embedding…")
        services.worker.drain()
    finally:
        services.close()


def probe(home: str) -> dict[str, float]:
    """Runs in the child process: start the app, unlock, wait for the browser, filter."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from app.config import load_settings
    from app.gui.app import DesktopApp
    from app.gui.launch import api_server_factory

    started = psutil.Process().create_time()
    result: dict[str, float] = {}
    qapp = QApplication(sys.argv[:1])
    settings = load_settings(home=home, api_port=0, idle_lock_minutes=0)
    desktop = DesktopApp(qapp, settings, server_factory=api_server_factory, use_tray=False)

    def submit() -> None:
        if desktop.dialog is None:
            QTimer.singleShot(5, submit)
            return
        result["dialog_s"] = time.time() - started
        desktop.dialog.passphrase.setText(PASSPHRASE)
        desktop.dialog.buttons.accepted.emit()

    def on_unlocked() -> None:
        model = desktop.window.browser.model

        def on_first_page(_total: int) -> None:
            model.loaded.disconnect(on_first_page)
            qapp.processEvents()
            result["interactive_s"] = time.time() - started
            result["rss_mb"] = psutil.Process().memory_info().rss / 2**20
            # A user filters after start-up work (API server start, counts) has settled.
            desktop.runner.wait()
            QTimer.singleShot(300, apply_filter)

        def apply_filter() -> None:
            filter_started = time.perf_counter()

            def on_filtered(total: int) -> None:
                result["filter_ms"] = (time.perf_counter() - filter_started) * 1000
                result["filtered_total"] = float(total)
                model.loaded.disconnect(on_filtered)
                desktop.quit()

            model.loaded.connect(on_filtered)
            desktop.window.browser.type_filter.setCurrentText("task")

        model.loaded.connect(on_first_page)

    desktop.unlocked.connect(on_unlocked)
    desktop.start()
    QTimer.singleShot(0, submit)
    qapp.exec()
    return result


def run_gui_benchmark(n: int, progress: Callable[[str], None], runs: int = 3) -> dict[str, float]:
    """Build an N-memory vault and measure ``runs`` fresh launches (median of each figure)."""
    with tempfile.TemporaryDirectory(prefix="memvault-guibench-") as tmp:
        home = Path(tmp) / "vault"
        progress(f"building a vault of {n:,} memories…")
        build_vault(home, n, progress)
        results = []
        for i in range(runs):
            progress(f"launch {i + 1} of {runs}…")
            env = {**os.environ, "MEMVAULT_WORKER": "true"}
            env.setdefault("QT_QPA_PLATFORM", "offscreen")
            proc = subprocess.run([sys.executable, "-m", "app.gui.measure", str(home)], env=env,
                                  capture_output=True, text=True, timeout=600)
            if proc.returncode != 0:
                raise RuntimeError(f"the GUI probe failed: {proc.stderr[-2000:]}")
            results.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    keys = results[0].keys()
    return {k: sorted(r[k] for r in results)[len(results) // 2] for k in keys} | {"memories": float(n),
                                                                                  "runs": float(runs)}


if __name__ == "__main__":
    print(json.dumps(probe(sys.argv[1])))
