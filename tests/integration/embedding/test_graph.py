"""The fused fp32 ONNX graph built from safetensors weights, against a plain numpy BERT."""

import json
import struct

import numpy as np
import onnxruntime as ort
import pytest

from memvault.domain.errors import ModelError
from memvault.embedding import safetensors
from memvault.embedding.graph import WEIGHTS_FILE, build_bert_graph
from memvault.embedding.manifest import load_manifest
from memvault.embedding.model import Embedder
from tests.helpers import numpy_bert


def _tiny_bert(seed=0, hidden=32, layers=2, vocab=50, inner=64):
    """Random weights with BertModel's names and shapes (small enough for the fast tier)."""
    rng = np.random.default_rng(seed)

    def r(*shape, scale=0.2):
        return (rng.normal(size=shape) * scale).astype(np.float32)

    w = {"embeddings.word_embeddings.weight": r(vocab, hidden, scale=1.0),
         "embeddings.position_embeddings.weight": r(16, hidden),
         "embeddings.token_type_embeddings.weight": r(2, hidden),
         "embeddings.LayerNorm.weight": 1 + r(hidden), "embeddings.LayerNorm.bias": r(hidden)}
    for i in range(layers):
        p = f"encoder.layer.{i}."
        for name, (out, inp) in {"attention.self.query": (hidden, hidden), "attention.self.key": (hidden, hidden),
                                 "attention.self.value": (hidden, hidden), "attention.output.dense": (hidden, hidden),
                                 "intermediate.dense": (inner, hidden), "output.dense": (hidden, inner)}.items():
            w[p + name + ".weight"], w[p + name + ".bias"] = r(out, inp), r(out)
        for ln in ("attention.output.LayerNorm", "output.LayerNorm"):
            w[p + ln + ".weight"], w[p + ln + ".bias"] = 1 + r(hidden), r(hidden)
    return w


def _session(graph):
    options = ort.SessionOptions()
    options.add_external_initializers_from_files_in_memory([WEIGHTS_FILE], [graph.weights], [len(graph.weights)])
    return ort.InferenceSession(graph.model, sess_options=options, providers=["CPUExecutionProvider"])


def _padded(seqs):
    length = max(map(len, seqs))
    ids = np.zeros((len(seqs), length), np.int64)
    mask = np.zeros((len(seqs), length), np.int64)
    for i, s in enumerate(seqs):
        ids[i, :len(s)], mask[i, :len(s)] = s, 1
    return ids, mask


def test_fused_graph_computes_what_a_plain_bert_computes_on_padded_batches():
    w = _tiny_bert()
    seqs = [[1, 5, 9, 2], [1, 7, 2], [1, 3, 4, 6, 8, 10, 11, 2], [1, 2]]
    ids, mask = _padded(seqs)
    got = _session(build_bert_graph(w, num_heads=4)).run(None, {"input_ids": ids, "attention_mask": mask})[0]
    want = numpy_bert.last_hidden_state(w, ids, mask, num_heads=4)
    real = mask.astype(bool)
    assert np.allclose(got[real], want[real], atol=2e-4), np.abs(got[real] - want[real]).max()


def test_building_is_deterministic_and_touches_no_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    w = _tiny_bert(seed=3)
    first, second = build_bert_graph(w, num_heads=4), build_bert_graph(dict(reversed(w.items())), num_heads=4)
    assert first.model == second.model and first.weights == second.weights
    assert list(tmp_path.iterdir()) == []


def test_missing_tensor_or_bad_head_count_is_a_model_error():
    w = _tiny_bert()
    with pytest.raises(ModelError, match="heads"):
        build_bert_graph(w, num_heads=5)
    del w["encoder.layer.1.output.dense.bias"]
    with pytest.raises(ModelError, match="output.dense.bias"):
        build_bert_graph(w, num_heads=4)


def test_safetensors_reader_round_trips_and_refuses_garbage():
    tensors = {"a": np.arange(6, dtype=np.float32).reshape(2, 3), "b": np.array([7, 8], dtype=np.int64)}
    header, blob = {}, b""
    for name, array in tensors.items():
        header[name] = {"dtype": {"float32": "F32", "int64": "I64"}[array.dtype.name], "shape": list(array.shape),
                        "data_offsets": [len(blob), len(blob) + array.nbytes]}
        blob += array.tobytes()
    raw = json.dumps(header).encode()
    data = struct.pack("<Q", len(raw)) + raw + blob
    parsed = safetensors.parse(data)
    for name, array in tensors.items():
        assert np.array_equal(parsed[name], array)
    with pytest.raises(ModelError, match="safetensors"):
        safetensors.parse(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json")


def test_installed_weights_match_the_pinned_sha256():
    manifest = load_manifest()
    data = safetensors.read_checked(manifest.weights_path, manifest.weights_sha256)
    assert len(data) == manifest.weights_size


@pytest.mark.slow  # the real model's weights, through the real session
def test_real_model_vectors_match_the_fp32_reference():
    real_embedder = Embedder(load_manifest(), precision="fp32")
    texts = ["hello world", "The cat sits on the mat",
             "Quarterly revenue grew by eight percent in the last year, the CFO said on Tuesday's call."]
    manifest = load_manifest()
    weights = safetensors.parse(manifest.weights_path.read_bytes())
    ids, mask = _padded(real_embedder.tokenize(texts))
    want = numpy_bert.sentence_vectors(
        numpy_bert.last_hidden_state(weights, ids, mask, num_heads=manifest.num_heads), mask)
    cosine = (real_embedder.embed_texts(texts, sort=False) * want).sum(axis=1)
    assert cosine.min() >= 0.9999, cosine
