"""Where the manifest finds the model weights: beside it when built, else in an installed carrier package."""

import json
import shutil
import sys

import pytest

from memvault.domain.errors import ModelError
from memvault.embedding.manifest import load_manifest, models_root, verify


@pytest.fixture
def models(tmp_path, monkeypatch):
    """A copy of models/all-MiniLM-L6-v2 (without weights) and an importable carrier package."""
    folder = tmp_path / "models" / "all-MiniLM-L6-v2"
    shutil.copytree(models_root() / "all-MiniLM-L6-v2", folder, ignore=shutil.ignore_patterns("model.safetensors"))
    doc = json.loads((folder / "manifest.json").read_text())
    doc["weights"]["installed_copies"] = [{"module": "memvault_test_carrier", "file": "data/model.safetensors"}]
    (folder / "manifest.json").write_text(json.dumps(doc))
    carrier = tmp_path / "site" / "memvault_test_carrier"
    (carrier / "data").mkdir(parents=True)
    (carrier / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    yield folder, carrier
    sys.modules.pop("memvault_test_carrier", None)


def test_weights_beside_the_manifest_come_first(models):
    folder, carrier = models
    (carrier / "data" / "model.safetensors").write_bytes(b"carrier")
    (folder / "model.safetensors").write_bytes(b"built")
    assert load_manifest(root=folder.parent).weights_path == folder / "model.safetensors"


def test_an_installed_carrier_serves_a_checkout_without_built_weights(models):
    folder, carrier = models
    (carrier / "data" / "model.safetensors").write_bytes(b"carrier")
    assert load_manifest(root=folder.parent).weights_path == carrier / "data" / "model.safetensors"
    assert "memvault_test_carrier" not in sys.modules  # found, not imported


def test_no_weights_anywhere_is_a_clear_error(models):
    folder, _ = models
    manifest = load_manifest(root=folder.parent)
    assert manifest.weights_path == folder / "model.safetensors"
    with pytest.raises(ModelError, match="weights file .* is missing; reinstall"):
        verify(manifest)
