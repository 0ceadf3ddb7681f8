"""``memvault bench --sync`` on a small vault: every figure is measured (speed is not asserted)."""

import pytest

from memvault.bench.sync import run_sync_benchmark
from tests.helpers import fast_settings

# Embeds the seed texts with the bundled model: the slow tier.
pytestmark = pytest.mark.slow


def test_sync_benchmark_measures_a_join_its_cpu_the_first_search_and_idle_cycles(tmp_path):
    lines: list[str] = []
    report = run_sync_benchmark(fast_settings(tmp_path / "unused"), n=300, progress=lines.append)
    assert report.joined_memories == 300 and report.embedded_again == 0 and report.searchable_hits > 0
    assert report.join_s > 0 and 0 < report.join_cpu_s and report.first_search_ms > 0
    assert report.idle_cycle_cpu_ms > 0 and report.idle_cycle_wall_ms > 0 and report.target_mb > 0
    assert report.first_search_cpu_ms > 0 and report.idle_cycle_thread_cpu_ms > 0
    text = report.as_text()
    assert "CPU" in text and "first search" in text and "idle sync cycle" in text and "syncing thread" in text
    assert lines
