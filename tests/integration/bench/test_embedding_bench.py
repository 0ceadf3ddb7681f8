"""``memvault bench --embedding``: the embedder against PyTorch fp32 on the same weights."""

import sys

import pytest

from memvault.bench.embedding import MIN_COSINE, PyTorchReference, run_embedding_benchmark
from memvault.domain.errors import ModelError
from memvault.embedding.manifest import load_manifest
from tests.helpers import fast_settings


@pytest.fixture(autouse=True)
def _wait_policy(monkeypatch):
    # The reference sets it for the process; monkeypatch puts the environment back afterwards.
    monkeypatch.setenv("OMP_WAIT_POLICY", "PASSIVE")


def test_without_the_bench_extra_the_reference_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # makes `import torch` fail
    with pytest.raises(ModelError, match=r"memvault\[bench\]"):
        PyTorchReference(load_manifest().weights_path.parent, threads=1)


@pytest.mark.slow  # the real model, and PyTorch beside it
def test_both_sides_embed_the_same_texts_and_agree(tmp_path):
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    report = run_embedding_benchmark(fast_settings(tmp_path / "unused"), texts=24, rounds=2)
    assert (report.texts, report.rounds) == (24, 2)
    assert len(report.memvault_tps) == len(report.pytorch_tps) == len(report.pytorch_side_by_side_tps) == 2
    assert all(rate > 0 for rate in report.memvault_tps + report.pytorch_tps + report.pytorch_side_by_side_tps)
    assert report.ratio_side_by_side > 0
    assert report.cosine_min >= MIN_COSINE and report.quality_ok
    assert report.ingest_tps > 0 and report.documents_tps > 0
    text = report.as_text()
    assert "ratio" in text and "PyTorch" in text and "meets" in text and "OMP_WAIT_POLICY=PASSIVE" in text
    assert "side by side" in text
    assert not list(tmp_path.glob("unused*"))
