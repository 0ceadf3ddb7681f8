"""BEIR evaluation: a real run through a vault on the SciFact slice shipped with the tests."""

import pytest

from memvault.bench.beir import run_beir
from tests.helpers import DATA, fast_settings

# Runs the bundled model (in this process or a subprocess): the slow tier.
pytestmark = pytest.mark.slow

#: A slice of SciFact shipped with the tests (README there): a bare clone needs nothing else.
SCIFACT_MINI = DATA / "scifact-mini"


def test_the_scifact_slice_retrieves_its_relevant_documents_and_hybrid_beats_its_parts(tmp_path):
    report = run_beir(fast_settings(tmp_path / "unused"), SCIFACT_MINI)
    assert (report.documents, report.queries) == (192, 20)
    assert set(report.metrics) == {"semantic", "keyword", "hybrid"}
    for mode, m in report.metrics.items():
        assert 0.5 < m["ndcg@10"] <= 1.0, (mode, m)
        assert m["recall@100"] >= m["recall@10"]
    m = report.metrics
    # The slice has hard negatives for both sides; fusion must still beat each side alone.
    assert m["hybrid"]["ndcg@10"] > max(m["semantic"]["ndcg@10"], m["keyword"]["ndcg@10"])
    assert 0.5 < report.truncated["ndcg@10"] <= 1.0
    assert "nDCG@10" in report.as_text() and "published setup" in report.as_text()
    assert not list(tmp_path.glob("unused*"))
