"""The shipped int8 calibration maxima: pinned, refused when stale or altered, and reproducible from the weights."""

import dataclasses
import hashlib
import json
import shutil

import numpy as np
import pytest

from memvault.domain.errors import ModelError
from memvault.embedding import calibration, int8
from memvault.embedding.manifest import load_manifest, models_root
from memvault.embedding.model import Embedder


def _maxima():
    rng = np.random.default_rng(5)
    return {"l0_qkv": rng.uniform(0.01, 30, 8).astype(np.float32),
            "l0_out": np.array([1e-7, 0.1, 25.123456, 3.0], dtype=np.float32)}


def _probes():
    vectors = np.random.default_rng(6).normal(size=(len(int8.PROBE_TEXTS), 8)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_encoding_is_deterministic_and_reads_back_the_same_float32_values():
    maxima, probes = _maxima(), _probes()
    data = calibration.encode(maxima, "ab" * 32, probes)
    assert data == calibration.encode(dict(reversed(list(maxima.items()))), "ab" * 32, probes)
    back = calibration.decode(data, "ab" * 32, models_root())
    assert set(back.maxima) == set(maxima)
    for name in maxima:
        assert back.maxima[name].dtype == np.float32 and np.array_equal(back.maxima[name], maxima[name]), name
    assert back.probes.dtype == np.float32 and back.probes.shape == probes.shape
    assert np.abs(back.probes - probes).max() <= 6e-7  # six decimals, then float32


def test_probe_vectors_for_other_probe_texts_are_refused(monkeypatch):
    data = calibration.encode(_maxima(), "ab" * 32, _probes()[:-1])
    with pytest.raises(ModelError, match="damaged.*probe vectors"):
        calibration.decode(data, "ab" * 32, models_root())
    data = calibration.encode(_maxima(), "ab" * 32, _probes())
    monkeypatch.setattr(int8, "PROBE_TEXTS", ("another probe",) + int8.PROBE_TEXTS[1:])
    with pytest.raises(ModelError, match="other calibration texts"):
        calibration.decode(data, "ab" * 32, models_root())


def test_maxima_measured_on_other_weights_or_texts_are_refused(monkeypatch):
    data = calibration.encode(_maxima(), "ab" * 32, _probes())
    with pytest.raises(ModelError, match="other weights.*--write"):
        calibration.decode(data, "cd" * 32, models_root())
    monkeypatch.setattr(int8, "CALIBRATION_TEXTS", int8.CALIBRATION_TEXTS + ("one more text",))
    with pytest.raises(ModelError, match="other calibration texts"):
        calibration.decode(data, "ab" * 32, models_root())


def test_a_damaged_file_is_a_model_error():
    with pytest.raises(ModelError, match="damaged"):
        calibration.decode(b'{"format": 2}', "ab" * 32, models_root())
    with pytest.raises(ModelError, match="damaged: format 1"):
        calibration.decode(b'{"format": 1, "maxima": {}}', "ab" * 32, models_root())


def test_the_shipped_file_matches_the_manifest_and_an_altered_or_missing_one_is_refused(tmp_path):
    manifest = load_manifest()
    shipped = calibration.read(manifest).maxima
    layers = 6
    assert set(shipped) == {f"l{i}_{k}" for i in range(layers) for k in ("qkv", "ao", "in", "out")}
    altered = tmp_path / "int8_maxima.json"
    altered.write_bytes(manifest.int8_maxima_path.read_bytes().replace(b"l0_ao", b"l0_AO", 1))
    with pytest.raises(ModelError, match="altered"):
        calibration.read(dataclasses.replace(manifest, int8_maxima_path=altered))
    with pytest.raises(ModelError, match="missing"):
        calibration.read(dataclasses.replace(manifest, int8_maxima_path=tmp_path / "absent.json"))


@pytest.mark.slow  # loads the real model
def test_the_int8_embedder_uses_the_shipped_maxima_without_measuring(monkeypatch):
    def measure(self):
        raise AssertionError("the embedder measured activations at start")

    monkeypatch.setattr(Embedder, "activation_maxima", measure)
    assert Embedder(load_manifest()).precision == "int8"


@pytest.mark.slow  # measures the real model's activations
def test_write_reproduces_the_shipped_file_from_the_weights_and_pins_it(tmp_path):
    manifest = load_manifest()
    folder = tmp_path / manifest.name
    shutil.copytree(models_root() / manifest.name, folder)
    copy = dataclasses.replace(manifest, int8_maxima_path=folder / manifest.int8_maxima_path.name)
    digest = calibration.write(copy, folder / "manifest.json")
    written = (folder / "int8_maxima.json").read_bytes()
    assert hashlib.sha256(written).hexdigest() == digest
    assert json.loads((folder / "manifest.json").read_text())["int8_maxima"]["sha256"] == digest
    measured = calibration.decode(written, manifest.weights_sha256, folder)
    shipped = calibration.read(manifest)
    assert set(measured.maxima) == set(shipped.maxima)
    for name in shipped.maxima:
        # Bit-identical on the machine that wrote the file; another CPU's GEMM
        # kernels may round the last bit differently.
        np.testing.assert_allclose(measured.maxima[name], shipped.maxima[name], rtol=1e-5, err_msg=name)
    np.testing.assert_allclose(measured.probes, shipped.probes, atol=2e-6)
