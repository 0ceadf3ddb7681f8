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


def test_a_parse_in_a_fresh_context_does_not_pick_thincs_backend_again(pipeline, monkeypatch):
    """Every HTTP request runs on a copy of the event loop's context; thinc keeps its backend in a context
    variable, and a context without one chose it again at the parser's first step (entry points read, optional
    packages looked for on disk: ~0.4 ms of a store)."""
    import contextvars

    import thinc.backends

    picked = []
    real = thinc.backends.get_ops
    monkeypatch.setattr(thinc.backends, "get_ops", lambda *a, **k: picked.append(1) or real(*a, **k))

    def parse() -> list[tuple[str, str]]:
        doc = pipeline.get()("My sister Anna moved to Zurich in March to work at Google.")
        return [(e.text, e.label_) for e in doc.ents]

    assert ("Zurich", "GPE") in contextvars.Context().run(parse)
    assert picked == []
    # Without the pipeline's help the same parse does pick one (so the test can tell).
    contextvars.Context().run(lambda: list(pipeline._nlp("Anna moved to Zurich.").ents))
    assert picked
