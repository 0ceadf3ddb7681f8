"""``memvault bench --share`` on a small vault: every figure is measured (speed is not asserted)."""

import pytest

from memvault.bench.share import CYCLES, MEMBER_COUNTS, run_share_benchmark
from tests.helpers import fast_settings

# Embeds the seed texts with the bundled model: the slow tier.
pytestmark = pytest.mark.slow


def test_share_benchmark_measures_a_join_and_cycles_as_members_grow(tmp_path):
    lines: list[str] = []
    report = run_share_benchmark(fast_settings(tmp_path / "unused"), n=200, progress=lines.append)
    assert report.joined_memories == 200 + CYCLES and report.embedded_again == 0 and report.searchable_hits > 0
    assert report.join_s > 0 and report.join_cpu_s > 0 and report.first_search_ms > 0 and report.target_mb > 0
    assert sorted(report.cycles) == list(MEMBER_COUNTS)
    assert report.cycles[1][1] is None and all(report.cycles[m][1] > 0 for m in MEMBER_COUNTS[1:])
    text = report.as_text()
    assert "new member joining" in text and "20 members" in text and lines
