"""The benchmark command's machinery, on a small vault (speed is not asserted)."""

import pytest

from app.bench.service import run_benchmark
from tests.helpers import fast_settings

# Runs the bundled model (in this process or a subprocess): the slow tier.
pytestmark = pytest.mark.slow


def test_benchmark_measures_every_figure(tmp_path):
    lines: list[str] = []
    report = run_benchmark(fast_settings(tmp_path / "unused"), n=400, embed_sample=48, progress=lines.append)
    e = report.embedding
    assert e["raw_session_tps"] > 0 and e["sorted_tps"] > 0 and e["unsorted_tps"] > 0
    assert report.ingest["memories"] == 400 and report.ingest["per_second"] > 0
    assert set(report.search["400"]) == {"semantic", "keyword", "hybrid", "filtered semantic"}
    assert all(t["p95_ms"] >= t["p50_ms"] > 0 for t in report.search["400"].values())
    # Exact KNN: recall against brute force is complete.
    assert report.recall_at_10["400"] >= 0.99
    assert report.rss_mb > 0
    text = report.as_text()
    assert "p50" in text and "recall@10" in text and lines
    assert not list(tmp_path.glob("unused*"))
