"""While the desktop app runs, garbage is collected on the GUI thread, never on a worker.

A cycle that holds a QObject freed by a collection a worker happened to trigger destroys that object outside
its thread: seen once in CI as a segfault while a lock closed the vault on one worker and the agent API
started on another.
"""

from __future__ import annotations

import gc
import threading

from memvault.gui.app import DesktopApp
from tests.e2e.gui.conftest import close_windows
from tests.helpers import fast_settings
from tests.helpers.threads import FreedCycle


def _drop_a_cycle_and_allocate(freed_on: list[int]) -> list:
    """A cycle left as garbage on this worker, then enough allocations to pass the youngest generation's
    threshold many times (the last ones stay alive)."""
    FreedCycle(freed_on)
    for _ in range(50):
        junk = [[] for _ in range(5_000)]
    return junk


def test_a_workers_allocations_leave_the_garbage_to_the_gui_threads_collector(qtbot, qapp, tmp_path, embedder):
    app = DesktopApp(qapp, fast_settings(tmp_path / "vault", api_port=0, idle_lock_minutes=0), use_tray=False)
    app._embedder = embedder
    app.start()
    try:
        assert not gc.isenabled()
        freed_on: list[int] = []
        done = []
        app.runner.run(lambda: _drop_a_cycle_and_allocate(freed_on), done.append)
        qtbot.waitUntil(lambda: bool(done and freed_on), timeout=10_000)
        assert freed_on == [threading.get_ident()], "a collection ran on the worker"
    finally:
        qtbot.waitUntil(lambda: not app.runner.is_busy(), timeout=30_000)
        close_windows(app)
    app.collector.stop()
    assert gc.isenabled()
