"""The int8 graph: quantization helpers, calibration probes, and its distance from the fp32 graph."""

import random

import numpy as np
import onnxruntime as ort
import pytest

from memvault.bench import workload
from memvault.domain.errors import ModelError
from memvault.embedding import int8
from memvault.embedding.graph import WEIGHTS_FILE, build_bert_graph, probe_tensors
from memvault.embedding.manifest import load_manifest
from memvault.embedding.model import Embedder
from tests.integration.embedding.test_graph import _padded, _tiny_bert


def _session(graph):
    options = ort.SessionOptions()
    options.add_external_initializers_from_files_in_memory([WEIGHTS_FILE], [graph.weights], [len(graph.weights)])
    return ort.InferenceSession(graph.model, sess_options=options, providers=["CPUExecutionProvider"])


def test_column_quantization_keeps_each_column_within_half_a_step():
    rng = np.random.default_rng(1)
    weight = (rng.normal(size=(64, 48)) * rng.uniform(0.01, 3, size=48)).astype(np.float32)
    weight[:, 5] = 0  # an all-zero column must not divide by zero
    q = int8.quantize_columns(weight)
    assert q.values.dtype == np.int8 and q.scales.shape == (48,)
    assert np.abs(q.values).max() <= 127
    assert np.all(np.abs(q.values * q.scales - weight) <= q.scales / 2 + 1e-7)
    unsigned = int8.quantize_columns(weight, unsigned=True)
    assert unsigned.values.dtype == np.uint8 and np.array_equal(unsigned.scales, q.scales)
    assert np.array_equal(unsigned.values.astype(np.int16) - 128, q.values)


def test_block_quantization_keeps_each_block_within_half_a_step_and_pads_the_last():
    rng = np.random.default_rng(3)
    weight = (rng.normal(size=(40, 6)) * rng.uniform(0.01, 3, size=(40, 1))).astype(np.float32)
    weight[32:, 2] = 0  # an all-zero block must not divide by zero
    b = int8.quantize_blocks(weight, block=32)
    assert b.values.dtype == np.uint8 and b.values.shape == (6, 2, 32) and b.scales.shape == (12,)
    restored = ((b.values.astype(np.float64) - 128) * b.scales.reshape(6, 2, 1)).reshape(6, 64).T
    steps = np.repeat(b.scales.reshape(6, 2).T, 32, axis=0)
    assert np.all(np.abs(restored[:40] - weight) <= steps[:40] / 2 + 1e-7)
    assert np.all(restored[40:] == 0)


def test_onnx_runtime_reads_the_block_layout_as_the_weight_it_came_from():
    from memvault.embedding import onnx_proto as pb

    rng = np.random.default_rng(4)
    weight = rng.normal(size=(96, 8)).astype(np.float32)
    b = int8.quantize_blocks(weight)
    node = pb.node("MatMulNBits", ["x", "w", "s"], ["y"], domain="com.microsoft", K=96, N=8, bits=8,
                   block_size=int8.BLOCK, accuracy_level=0)
    inits = [pb.tensor("w", pb.UINT8, b.values.shape, b.values.ravel().tolist()),
             pb.tensor("s", pb.FLOAT, b.scales.shape, b.scales.tolist())]
    graph = pb.graph([node], "one_product", [pb.value_info("x", pb.FLOAT, [3, 96])],
                     [pb.value_info("y", pb.FLOAT, [3, 8])], inits)
    model = pb.model(graph, ir_version=8, opsets={"": 17, "com.microsoft": 1}, producer_name="test",
                     producer_version="1")
    x = rng.normal(size=(3, 96)).astype(np.float32)
    got = ort.InferenceSession(model, providers=["CPUExecutionProvider"]).run(None, {"x": x})[0]
    dequantized = ((b.values.astype(np.float64) - 128) * b.scales.reshape(8, 3, 1)).reshape(8, 96).T
    assert np.allclose(got, x @ dequantized, atol=1e-4)
    assert np.abs(got - x @ weight).max() < 0.05 * np.abs(x @ weight).max()


def test_smoothing_factors_follow_smoothquant_and_cancel_exactly_in_real_arithmetic():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(10, 8))
    x[:, 3] *= 30  # an outlier channel
    weight = rng.normal(size=(8, 5))
    s = int8.smoothing_factors(np.abs(x).max(axis=0), weight, alpha=0.5)
    expected = np.sqrt(np.abs(x).max(axis=0)) / np.sqrt(np.abs(weight).max(axis=1))
    assert np.allclose(s, expected, rtol=1e-6)
    assert np.allclose((x / s) @ (weight * s[:, None]), x @ weight)
    smoothed = np.abs(x / s).max(axis=0)
    assert smoothed.max() / smoothed.min() < np.abs(x).max(axis=0).max() / np.abs(x).max(axis=0).min()


def _maxima(weights, ids, mask, layers):
    probes = probe_tensors(layers)
    outputs = _session(build_bert_graph(weights, num_heads=4, probes=True)).run(
        list(probes.values()), {"input_ids": ids, "attention_mask": mask})
    real = mask.astype(bool)
    return {name: np.abs(values[real]).max(axis=0) for name, values in zip(probes, outputs)}


@pytest.mark.parametrize("sign", ["unsigned", "signed"])
def test_int8_graph_stays_close_to_the_fp32_graph_on_padded_batches(sign):
    w = _tiny_bert(seed=4)
    seqs = [[1, 5, 9, 2], [1, 7, 2], [1, 3, 4, 6, 8, 10, 11, 2], [1, 2]]
    ids, mask = _padded(seqs)
    feeds = {"input_ids": ids, "attention_mask": mask}
    fp32 = _session(build_bert_graph(w, num_heads=4)).run(None, feeds)[0]
    maxima = _maxima(w, ids, mask, layers=2)
    assert set(maxima) == {f"l{i}_{k}" for i in range(2) for k in ("qkv", "ao", "in", "out")}
    unsigned = sign == "unsigned"
    graph = build_bert_graph(w, num_heads=4, int8_maxima=maxima, unsigned_weights=unsigned)
    assert graph.model != build_bert_graph(w, num_heads=4).model
    assert graph.model != build_bert_graph(w, num_heads=4, int8_maxima=maxima, unsigned_weights=not unsigned).model
    assert graph == build_bert_graph(w, num_heads=4, int8_maxima=maxima, unsigned_weights=unsigned)  # deterministic
    got = _session(graph).run(None, feeds)[0]
    real = mask.astype(bool)
    a, b = got[real], fp32[real]
    cosine = (a * b).sum(axis=1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
    assert not np.array_equal(a, b)  # it really is another computation
    if sign == "signed" and sign not in int8.weight_signs_to_try()[:1]:
        # ONNX Runtime's uint8 x int8 kernel saturates on an x86 CPU without VNNI (int8.WEIGHT_SIGNS): what
        # holds there is only that the embedder does not use it (test_the_embedder_passes_its_probes...).
        assert cosine.min() > 0.9, cosine
        return
    assert cosine.min() > 0.995, cosine


def test_unknown_precision_is_a_model_error():
    with pytest.raises(ModelError, match="precision"):
        Embedder(load_manifest(), precision="fp8")


@pytest.mark.slow  # the real model in both precisions
def test_real_int8_embedder_stays_within_the_quality_gate_of_fp32(real_embedder):
    fp32 = Embedder(load_manifest(), precision="fp32")
    assert real_embedder.precision == "int8"
    texts = workload.mixed_lengths(random.Random(11), 300) + [
        "hello world", "What are the side effects of long-term ibuprofen use?",
        "Mitochondria are the powerhouse of the cell. " * 30]
    seqs = real_embedder.tokenize(texts)
    cosine = (real_embedder.embed_sequences(seqs) * fp32.embed_sequences(seqs)).sum(axis=1)
    assert cosine.min() >= 0.999, cosine.min()


@pytest.mark.slow  # loads the real model
def test_the_precision_setting_reaches_the_embedder(tmp_path):
    from memvault.service.container import load_embedder
    from tests.helpers import fast_settings

    settings = fast_settings(tmp_path / "vault", embed_precision="fp32")
    assert load_embedder(settings).precision == "fp32"
    assert fast_settings(tmp_path / "vault").embed_precision == "int8"


def _cpuinfo(tmp_path, flags):
    path = tmp_path / "cpuinfo"
    path.write_text(f"processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t\t: {flags}\n\nprocessor\t: 1\n")
    return path


def test_an_x86_cpu_without_vnni_tries_unsigned_weights_first(tmp_path, monkeypatch):
    monkeypatch.setattr(int8.platform, "machine", lambda: "x86_64")
    assert int8.weight_signs_to_try(_cpuinfo(tmp_path, "fpu sse2 avx2 fma")) == ("unsigned", "signed")
    for vnni in ("avx512f avx512_vnni", "avx2 avx_vnni", "amx_tile amx_int8"):
        assert int8.weight_signs_to_try(_cpuinfo(tmp_path, vnni)) == int8.WEIGHT_SIGNS, vnni
    assert int8.weight_signs_to_try(tmp_path / "absent") == int8.WEIGHT_SIGNS
    no_flags = tmp_path / "no_flags"
    no_flags.write_text("processor\t: 0\nmodel name\t: a CPU Linux says nothing about\n")
    assert int8.weight_signs_to_try(no_flags) == int8.WEIGHT_SIGNS
    monkeypatch.setattr(int8.platform, "machine", lambda: "arm64")
    assert int8.weight_signs_to_try(_cpuinfo(tmp_path, "fpu sse2 avx2")) == int8.WEIGHT_SIGNS


@pytest.mark.slow  # the real model in both precisions
def test_the_embedder_passes_its_probes_on_this_cpu(monkeypatch):
    from memvault.embedding import calibration, model

    monkeypatch.setattr(model, "_PASSED_WEIGHT_SIGN", {})
    embedder = Embedder(load_manifest())
    assert embedder.precision == "int8" and embedder.int8_weights in int8.WEIGHT_SIGNS
    shipped = calibration.read(load_manifest()).probes
    cosine = (embedder.embed_texts(list(int8.PROBE_TEXTS)) * shipped).sum(axis=1)
    assert cosine.min() >= int8.PROBE_GATE, cosine
    fp32 = Embedder(load_manifest(), precision="fp32").embed_texts(list(int8.PROBE_TEXTS))
    assert np.abs(fp32 - shipped).max() < 1e-5  # the shipped vectors are this model's fp32 vectors


@pytest.mark.slow  # builds the real int8 graph in every encoding
def test_an_int8_graph_that_misses_its_probes_is_replaced_and_the_choice_logged(monkeypatch, caplog):
    from memvault.embedding import model

    monkeypatch.setattr(model, "_PASSED_WEIGHT_SIGN", {})
    monkeypatch.setattr(int8, "PROBE_GATE", 1.01)  # no int8 graph reaches it
    with caplog.at_level("INFO", logger="memvault.embedding.model"):
        embedder = Embedder(load_manifest())
    assert embedder.precision == "fp32" and embedder.int8_weights is None
    tried = [r.getMessage() for r in caplog.records if r.levelname == "INFO"]
    assert [m.split(" weights")[0] for m in tried] == [f"int8 products with {s}" for s in int8.weight_signs_to_try()]
    assert any("embedding in fp32" in r.getMessage() for r in caplog.records if r.levelname == "WARNING")
    assert model._PASSED_WEIGHT_SIGN == {}
    reference = Embedder(load_manifest(), precision="fp32").embed_texts(["the exact graph"])
    assert np.array_equal(embedder.embed_texts(["the exact graph"]), reference)


@pytest.mark.slow  # the real model
def test_a_sign_that_passed_is_reused_without_probing_again(monkeypatch):
    from memvault.embedding import model

    monkeypatch.setattr(model, "_PASSED_WEIGHT_SIGN", {})
    first = Embedder(load_manifest())
    assert model._PASSED_WEIGHT_SIGN == {first.model_id: first.int8_weights}
    monkeypatch.setattr(int8, "PROBE_GATE", 1.01)  # would fail, were the probes run again
    assert Embedder(load_manifest()).int8_weights == first.int8_weights
