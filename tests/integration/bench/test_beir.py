"""BEIR evaluation: the metric functions and a small real run through a vault."""

import json
from pathlib import Path

import pytest

from app.domain.errors import InvalidInput
from app.bench.beir import load_beir, ndcg_at, recall_at, run_beir
from tests.helpers import fast_settings

# Runs the bundled model (in this process or a subprocess): the slow tier.
pytestmark = pytest.mark.slow

SCIFACT = Path(__file__).resolve().parents[4] / "shared" / "data" / "scifact"


def test_ndcg_and_recall_on_hand_made_rankings():
    rel = {"a": 1, "b": 1}
    assert ndcg_at(["a", "b", "c"], rel, 10) == pytest.approx(1.0)
    assert ndcg_at(["c", "a", "b"], rel, 10) == pytest.approx((1 / 1.5849625 + 1 / 2) / (1 + 1 / 1.5849625))
    assert ndcg_at(["c", "d"], rel, 10) == 0.0
    assert recall_at(["a", "x"], rel, 10) == 0.5
    assert recall_at(["x", "a"], rel, 1) == 0.0


def test_missing_files_are_invalid_input(tmp_path):
    with pytest.raises(InvalidInput, match="corpus.jsonl"):
        load_beir(tmp_path, "test")


def _mini_beir(tmp_path: Path, queries: int = 12, distractors: int = 60) -> Path:
    """A real slice of SciFact: some test queries, their relevant documents and distractors."""
    corpus = {d["_id"]: d for d in map(json.loads, (SCIFACT / "corpus.jsonl").read_text().splitlines())}
    lines = (SCIFACT / "qrels" / "test.tsv").read_text().splitlines()
    pairs = [line.split("\t") for line in lines[1:]]
    chosen = list(dict.fromkeys(q for q, _, _ in pairs))[:queries]
    keep = {d for q, d, _ in pairs if q in chosen}
    keep |= set(list(corpus)[:distractors])
    out = tmp_path / "mini"
    (out / "qrels").mkdir(parents=True)
    (out / "corpus.jsonl").write_text("\n".join(json.dumps(corpus[d]) for d in keep))
    qs = [q for q in map(json.loads, (SCIFACT / "queries.jsonl").read_text().splitlines()) if q["_id"] in chosen]
    (out / "queries.jsonl").write_text("\n".join(json.dumps(q) for q in qs))
    (out / "qrels" / "test.tsv").write_text(
        "\n".join([lines[0]] + [line for line in lines[1:] if line.split("\t")[0] in chosen]))
    return out


def test_a_small_scifact_slice_retrieves_its_relevant_documents(tmp_path):
    report = run_beir(fast_settings(tmp_path / "unused"), _mini_beir(tmp_path))
    assert report.queries == 12
    assert set(report.metrics) == {"semantic", "keyword", "hybrid"}
    for mode, m in report.metrics.items():
        assert 0.5 < m["ndcg@10"] <= 1.0, (mode, m)
        assert m["recall@100"] >= m["recall@10"]
    assert 0.5 < report.truncated["ndcg@10"] <= 1.0
    assert "nDCG@10" in report.as_text() and "published setup" in report.as_text()
