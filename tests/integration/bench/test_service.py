"""The benchmark command's machinery, on a small vault (speed is not asserted)."""

import pytest

from memvault.bench.service import run_benchmark
from tests.helpers import fast_settings

# Runs the bundled model (in this process or a subprocess): the slow tier.
pytestmark = pytest.mark.slow


def test_benchmark_measures_every_figure(tmp_path, monkeypatch):
    from memvault.vault.knn.index import VectorIndex

    # As at 100k: the bench vault's backlog is larger than a query replays, so only the index's own upkeep
    # (the loop's, which the bench does in its place) lets searches use it.
    monkeypatch.setattr(VectorIndex, "QUERY_CATCH_UP_MAX", 50)
    lines: list[str] = []
    # The least sizes at which every figure still means something (52 s at 400 memories, 35 s here).
    report = run_benchmark(fast_settings(tmp_path / "unused"), n=300, embed_sample=24, growth_sizes=(150, 300),
                           searchable_n=100, busy_n=100, extraction_n=2, fact_chats=3,
                           progress=lines.append)
    e = report.embedding
    assert e["raw_session_tps"] > 0 and e["sorted_tps"] > 0 and e["unsorted_tps"] > 0
    assert report.ingest["memories"] == 300 and report.ingest["per_second"] > 0
    assert set(report.search["300"]) == {"semantic", "keyword", "hybrid", "filtered semantic"}
    assert all(t["p95_ms"] >= t["p50_ms"] > 0 for t in report.search["300"].values())
    # Exact KNN: recall against brute force is complete.
    assert report.recall_at_10["300"] >= 0.99
    assert report.recall_at_10_ties["300"] >= report.recall_at_10["300"]
    assert report.rss_mb > 0
    # The search-at-scale figures: KNN step per selectivity against exact, growth, a fresh process's unlock.
    knn = report.knn["300"]
    assert set(knn) == {"unfiltered", "1%", "10%", "50%"}
    assert all(c["recall_at_10_ties"] >= 0.99 and c["knn_p50_ms"] > 0 and c["paths"] for c in knn.values())
    # The bench vault's index is built as it would be by the background loop: no search goes around it.
    assert all("exact_stored" not in c["paths"] for c in knn.values())
    # Until searchable, with the loops running: all stored before all were embedded and indexed, and the
    # entities (queued by the batches, extracted once embedding is done) linked last.
    sr = report.searchable
    assert sr["memories"] == 100 and 0 < sr["stored_s"] <= sr["seconds"] <= sr["entities_s"] and 0 < sr["share"]
    # The reference rate is the mean of embedding the texts alone before and after the ingest.
    assert sr["embed_tps"] == pytest.approx((sr["embed_tps_before"] + sr["embed_tps_after"]) / 2)
    assert sr["share"] == pytest.approx(sr["per_second"] / sr["embed_tps"])
    # The same into the large vault, unlocked again with its loops running (its index restored first).
    sl = report.searchable_large
    assert sl["memories"] == 100 and 0 < sl["stored_s"] <= sl["seconds"] and 0 < sl["share"]
    assert set(report.growth) == {150, 300} and all(g["recall_at_10_ties"] >= g["recall_at_10"] >= 0.9
                                                    for g in report.growth.values())
    r = report.reopen
    assert r["first_search_ms"] > 0 and r["rss_after_search_mb"] > 0 and r["index_restore_s"] >= 0
    assert report.bytes_per_memory["300"] > 0 and report.space["chunk_vectors"] > 0
    text = report.as_text()
    assert report.busy is not None and set(report.busy.busy) == {"semantic", "hybrid"}
    assert "search while busy" in text and "bytes per memory" in text and "chunk_vectors" in text
    assert "with ties" in text and "counting ties within" in text
    assert "into a new vault" in text and "into the 300-memory vault" in text
    # Fact extraction's row, last (its pipeline's memory stays out of the RSS row).
    assert report.extraction["conversations"] == 2 and report.extraction["unnamed_turns_per_s"] > 0
    assert "fact extraction (2 generated chats" in text and "names read" in text
    assert report.fact_search["chats"] == 3 and report.fact_search["facts"] > 0
    assert "hybrid search where facts fold into their turns (3 generated chats" in text
    assert "p50" in text and "recall@10" in text and "KNN step" in text and "fresh process" in text and lines
    assert not list(tmp_path.glob("unused*"))
