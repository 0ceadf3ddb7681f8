"""The real ONNX model: pooling, normalisation, batching and chunking."""

import json
import os
import shutil
import subprocess
import sys
from concurrent.futures import CancelledError

import numpy as np
import pytest

from memvault.domain.errors import ModelError
from memvault.embedding.manifest import load_manifest, models_root, verify
from memvault.embedding.model import CHUNK_OVERLAP, Embedder
from tests.helpers import ROOT


@pytest.mark.slow  # the real model itself is under test
def test_vectors_are_unit_length_and_384_wide(embedder):
    vecs = embedder.embed_texts(["hello world", "a much longer sentence about encrypted local memory"])
    assert vecs.shape == (2, 384)
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)


@pytest.mark.slow  # the real model itself is under test
def test_similar_meaning_scores_higher_than_unrelated(embedder):
    cat, feline, revenue = embedder.embed_texts(
        ["The cat sits on the mat", "A feline is resting on a rug", "Quarterly revenue grew by eight percent"])
    assert cat @ feline > 0.4
    assert cat @ feline > cat @ revenue + 0.3


@pytest.mark.slow  # the real model itself is under test
def test_batching_and_sorting_do_not_change_vectors(embedder):
    texts = ["short", "a medium length sentence with several words in it", "x " * 200, "another one"]
    one_by_one = np.vstack([embedder.embed_texts([t]) for t in texts])
    assert np.allclose(embedder.embed_texts(texts, sort=True), one_by_one, atol=1e-4)
    assert np.allclose(embedder.embed_texts(texts, sort=False), one_by_one, atol=1e-4)


@pytest.mark.slow  # the real model itself is under test
def test_batches_run_side_by_side_give_each_text_its_own_vector(embedder):
    import threading

    texts = [f"memory number {i}: " + "word " * (i % 37) for i in range(90)]
    alone = Embedder(load_manifest(), threads=1, batch_tokens=256)
    side_by_side = Embedder(load_manifest(), threads=2, batch_tokens=256)
    assert len(side_by_side.batches(side_by_side.tokenize(texts))) > 4
    seen: set[str] = set()
    real_run = side_by_side._run

    def run(seqs):
        seen.add(threading.current_thread().name)
        return real_run(seqs)

    side_by_side._run = run
    # One thread per run either way, so the same batch gives the same bits.
    assert np.array_equal(side_by_side.embed_texts(texts), alone.embed_texts(texts))
    assert all(name.startswith("embedder") for name in seen) and len(seen) == 2
    assert np.allclose(side_by_side.embed_texts(texts[:1])[0], embedder.embed_texts(texts[:1])[0], atol=1e-4)


@pytest.mark.slow  # the real model itself is under test
def test_documents_started_in_the_background_get_the_same_vectors_and_can_be_cancelled():
    texts = [f"background memory {i}: " + "word " * (i % 300) for i in range(40)]
    side_by_side = Embedder(load_manifest(), threads=2, batch_tokens=256)
    pending = side_by_side.start_documents(texts)
    # A caller that waits meanwhile is served ahead of the queued batches, and gets its own vectors.
    ahead = side_by_side.embed_documents(texts[:3])
    started = pending.result()
    direct = side_by_side.embed_documents(texts)
    assert [c.spans for c in started] == [c.spans for c in direct]
    assert all(np.array_equal(a.vectors, b.vectors) for a, b in zip(started, direct))
    assert all(np.array_equal(a.vectors, b.vectors) for a, b in zip(ahead, direct[:3]))
    cancelled = side_by_side.start_documents(texts)
    cancelled.cancel()
    with pytest.raises(CancelledError):
        cancelled.result()
    assert side_by_side.start_documents([]).result() == []


EXIT_WHILE_EMBEDDING = """
import time
from memvault.config import load_settings
from memvault.service.container import load_embedder
embedder = load_embedder(load_settings(environ={}))
pending = embedder.start_documents(["a text still being embedded when the program ends " * 8] * 400)
time.sleep(0.2)
print("exiting", flush=True)
"""


@pytest.mark.slow  # the real model itself is under test
def test_a_program_that_ends_while_batches_run_in_the_background_exits_cleanly(tmp_path):
    # A daemon thread still inside an ONNX Runtime run when the interpreter goes away aborts the process.
    done = subprocess.run([sys.executable, "-c", EXIT_WHILE_EMBEDDING], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, check=False, env={**os.environ, "HOME": str(tmp_path)})
    assert done.stdout.strip() == "exiting"
    assert done.returncode == 0, done.stderr[-500:]


@pytest.mark.slow  # the real model itself is under test
def test_long_texts_are_split_into_overlapping_chunks(embedder):
    text = " ".join(f"word{i}" for i in range(900))
    [chunked] = embedder.embed_documents([text])
    assert len(chunked.spans) > 1
    assert chunked.vectors.shape == (len(chunked.spans), 384)
    assert chunked.spans[0][0] == 0 and chunked.spans[-1][1] == len(text)
    for (a0, a1), (b0, b1) in zip(chunked.spans, chunked.spans[1:]):
        assert b0 < a1, "consecutive chunks must overlap"
    for start, end in chunked.spans:
        assert embedder.count_tokens(text[start:end]) <= embedder.max_tokens - 2
    for (a0, a1), (b0, b1) in zip(chunked.spans, chunked.spans[1:]):
        shared = embedder.count_tokens(text[b0:a1])
        assert CHUNK_OVERLAP - 4 <= shared <= CHUNK_OVERLAP + 4, f"chunks share {shared} tokens, not ~{CHUNK_OVERLAP}"


@pytest.mark.slow  # the real model itself is under test
def test_short_text_is_one_chunk_covering_everything(embedder):
    [chunked] = embedder.embed_documents(["just one sentence"])
    assert chunked.spans == [(0, len("just one sentence"))]


@pytest.mark.slow  # the real model itself is under test
def test_queries_are_truncated_at_the_model_limit(embedder):
    seq = embedder.tokenize(["token " * 1000])[0]
    assert len(seq) == embedder.max_tokens


@pytest.mark.slow  # the real model itself is under test
def test_a_lone_query_gets_exactly_the_vector_the_batched_path_gives(embedder):
    """``embed_query`` skips the batching, not the model: bit-for-bit the batched path's vector, long queries
    (cut at the model's limit) included."""
    for query in ("what does the user prefer for the screen?", "Wo ist mein Reisepass?", "x", "token " * 1000,
                  "  café ☕ naïve résumé  "):
        assert np.array_equal(embedder.embed_query(query), embedder.embed_texts([query], role="query")[0])


@pytest.fixture
def model_copy(tmp_path):
    """A copy of the weights package's folder, laid out as the manifest expects."""
    manifest = load_manifest()
    relative = json.loads((models_root() / manifest.name / "manifest.json").read_text())["weights"]["file"]
    weights = tmp_path / "weights"
    (weights / relative).parent.mkdir(parents=True)
    shutil.copy(manifest.weights_path, weights / relative)
    return weights, weights / relative


def test_altered_weights_are_refused_before_any_graph_is_built(model_copy, monkeypatch):
    folder, path = model_copy
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01  # one bit of one weight: still a valid safetensors file
    path.write_bytes(bytes(data))
    built = []
    monkeypatch.setattr("memvault.embedding.model.build_bert_graph", lambda *a, **k: built.append(1))
    with pytest.raises(ModelError, match="altered"):
        Embedder(load_manifest(weights_dir=folder))
    assert built == []


def test_missing_weights_are_a_clear_error(model_copy):
    folder, path = model_copy
    path.unlink()
    with pytest.raises(ModelError, match="missing"):
        verify(load_manifest(weights_dir=folder))
    with pytest.raises(ModelError, match="missing"):
        Embedder(load_manifest(weights_dir=folder))


def test_missing_manifest_is_a_clear_error(tmp_path):
    with pytest.raises(ModelError, match="manifest"):
        load_manifest(root=tmp_path)


def test_tokenizer_shipped_in_models_matches_the_manifest():
    manifest = load_manifest()
    verify(manifest)
    assert manifest.tokenizer_path.parent.name == "all-MiniLM-L6-v2"
    assert (manifest.tokenizer_path.parent / "LICENSE").is_file()


@pytest.mark.slow  # the real model itself is under test
def test_batches_respect_the_token_budget_and_cover_every_sequence(embedder):
    import random

    rng = random.Random(3)
    seqs = [[101] + [7] * rng.randint(1, 254) + [102] for _ in range(300)]
    for sort in (True, False):
        batches = embedder.batches(seqs, sort=sort)
        assert sorted(i for b in batches for i in b) == list(range(300))
        for b in batches:
            assert len(b) <= embedder.batch_size
            assert len(b) == 1 or max(len(seqs[i]) for i in b) * len(b) <= embedder.batch_tokens
    sorted_pad = sum(max(len(seqs[i]) for i in b) * len(b) for b in embedder.batches(seqs, sort=True))
    unsorted_pad = sum(max(len(seqs[i]) for i in b) * len(b) for b in embedder.batches(seqs, sort=False))
    assert sorted_pad < unsorted_pad * 0.8, "sorting must cut padding"


def test_session_options_do_not_spin_and_leave_the_threads_float_state_alone():
    import onnxruntime as ort
    from onnx import TensorProto, helper

    from memvault.embedding.model import session_options

    options = session_options()
    assert options.get_session_config_entry("session.intra_op.allow_spinning") == "0"
    assert options.intra_op_num_threads == 1  # batches run side by side instead
    # Flushing denormals to zero is also applied to the thread that creates the session: the host's own
    # arithmetic would change with it (hypothesis refuses to generate floats then).
    graph = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "identity",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    ort.InferenceSession(model.SerializeToString(), sess_options=session_options(),
                         providers=["CPUExecutionProvider"])
    tiny = np.array([1e-30], dtype=np.float32)
    assert (tiny * np.float32(1e-10))[0] > 0, "this thread flushes denormals to zero"
