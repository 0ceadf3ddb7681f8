"""``memvault bench --scale`` on a small vault: every figure is produced (speed is not asserted)."""

import pytest

from memvault.bench.scale import run_scale_benchmark
from tests.helpers import fast_settings

# Embeds the base texts and each query with the bundled model: the slow tier.
pytestmark = pytest.mark.slow


def test_scale_bench_fills_the_vault_and_times_uncached_searches(tmp_path):
    lines: list[str] = []
    report = run_scale_benchmark(fast_settings(tmp_path / "unused"), n=700, base_texts=40, per_bundle=300,
                                 progress=lines.append)
    # Three bundles (300 + 300 + 100), every memory stored with its generated vector and searchable.
    assert report.stored == 700
    assert sum("importing memories" in line for line in lines) == 3
    s = report.semantic
    # Each timed search embedded its query: none was answered from the query-vector cache.
    assert s["cache_hits"] == 0 and s["p95_ms"] >= s["p50_ms"] > 0 and s["embed_p50_ms"] > 0
    assert set(report.knn) == {"unfiltered", "1%", "10%", "50%"}
    assert all(c["recall_at_10_ties"] >= 0.99 and c["paths"] for c in report.knn.values())
    assert report.index_build_s >= 0 and report.unlock_s > 0 and report.rss_mb > 0
    text = report.as_text()
    assert "700 memories" in text and "not cached" in text and "KNN step" in text
    assert not list(tmp_path.glob("unused*"))
