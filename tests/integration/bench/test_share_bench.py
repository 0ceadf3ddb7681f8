"""``memvault bench --share`` on a small vault: every figure is measured (speed is not asserted)."""

import pytest

from memvault.bench.share import CYCLES, MEMBER_COUNTS, run_share_benchmark
from tests.helpers import fast_settings

# Embeds the seed texts with the bundled model: the slow tier.
pytestmark = pytest.mark.slow


def test_share_benchmark_measures_joins_and_cycles_as_members_grow(tmp_path):
    lines: list[str] = []
    report = run_share_benchmark(fast_settings(tmp_path / "unused"), n=200, progress=lines.append)
    fifth, tenth = report.joins
    assert (fifth.members, tenth.members) == (5, 10)
    # The fifth joins after the admin's cycles alone; the tenth after the five-member cycles too.
    assert fifth.memories == 200 + CYCLES and tenth.memories == 200 + 2 * CYCLES
    for join in report.joins:
        assert join.embedded_again == 0 and join.hits > 0 and join.refused == 0
        assert join.wall_s > 0 and join.cpu_s > 0 and join.first_search_ms > 0
    assert report.target_mb > report.snapshot_mb > 0
    assert sorted(report.cycles) == list(MEMBER_COUNTS)
    assert report.cycles[1][1] is None and all(report.cycles[m][1] > 0 for m in MEMBER_COUNTS[1:])
    text = report.as_text()
    assert "joining at 10 members" in text and "20 members" in text and lines
