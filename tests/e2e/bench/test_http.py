"""The HTTP benchmark's machinery on a small run (speed is not asserted)."""

import pytest

from memvault.bench.http import run_http_benchmark
from tests.helpers import fast_settings

# Runs the bundled model (in this process or a subprocess): the slow tier.
pytestmark = pytest.mark.slow


def test_http_benchmark_measures_ingest_and_concurrent_search(tmp_path):
    report = run_http_benchmark(fast_settings(tmp_path / "unused"), memories=200, clients=4, searches_per_client=5,
                                load_clients=3, load_seconds=2.0)
    assert report.service_ingest_per_second > 0 and report.http_ingest_per_second > 0
    assert report.search["requests"] == 20
    assert report.search["p99_ms"] >= report.search["p50_ms"] > 0
    assert "p99" in report.as_text() and "of the service rate" in report.as_text()
    load = report.load
    assert load is not None and load.clients == 3 and load.seconds >= 2.0
    assert load.errors == 0 and load.requests == sum(int(f["n"]) for f in load.by_kind.values()) > 0
    assert load.overall["p99_ms"] >= load.overall["p95_ms"] >= load.overall["p50_ms"] > 0
    assert "3 concurrent clients, mixed requests" in report.as_text()
    before, after = report.entities_waiting
    assert before >= 0 and after >= 0 and f"{before} memories when the load began" in report.as_text()
