"""The pinned spaCy pipeline: the manifest's checks refuse altered or missing files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from memvault.domain.errors import ExtractionModelError
from memvault.extraction.nlp import NlpPipeline, load_manifest, verify


def _copy(tmp_path: Path) -> Path:
    source = load_manifest().data_dir
    target = tmp_path / "pipeline"
    shutil.copytree(source, target)
    return target


def test_installed_pipeline_matches_its_manifest():
    manifest = load_manifest()
    verify(manifest)
    assert "ner/model" in manifest.files and "tok2vec/model" in manifest.files


def test_altered_weights_are_refused(tmp_path):
    data = _copy(tmp_path)
    with (data / "ner" / "model").open("r+b") as fh:
        fh.seek(1000)
        byte = fh.read(1)
        fh.seek(1000)
        fh.write(bytes([byte[0] ^ 0x01]))
    with pytest.raises(ExtractionModelError, match="ner/model has been altered"):
        verify(load_manifest(data_dir=data))


def test_missing_file_is_refused(tmp_path):
    data = _copy(tmp_path)
    (data / "vocab" / "strings.json").unlink()
    with pytest.raises(ExtractionModelError, match="vocab/strings.json is missing"):
        NlpPipeline(load_manifest(data_dir=data)).get()


def test_missing_package_says_extraction_is_off(tmp_path):
    root = tmp_path / "models"
    (root / "en_core_web_sm").mkdir(parents=True)

    doc = json.loads((Path(__file__).resolve().parents[3] / "models/en_core_web_sm/manifest.json").read_text())
    doc["package"]["module"] = "memvault_no_such_pipeline_module"
    (root / "en_core_web_sm" / "manifest.json").write_text(json.dumps(doc))
    with pytest.raises(ExtractionModelError, match="not installed"):
        load_manifest(root=root)


def test_pipeline_loads_and_finds_entities():
    nlp = NlpPipeline().get()
    doc = nlp("My sister Anna moved to Zurich in March to work at Google.")
    labels = {(e.text, e.label_) for e in doc.ents}
    assert ("Zurich", "GPE") in labels and ("Google", "ORG") in labels
