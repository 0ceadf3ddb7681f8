"""``memvault --version`` and ``memvault version [--json]`` say what a bug report needs."""

import json
import platform
import sys

import pytest

from memvault import __version__
from memvault.cli import main
from memvault.embedding.manifest import load_manifest
from memvault.vault.migrations import LATEST


def test_version_flag_prints_the_version(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"memvault {__version__}"


def test_version_json_names_versions_models_python_and_platform(capsys):
    assert main(["version", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info == {
        "version": __version__,
        "schema_version": LATEST,
        "embedding_model": load_manifest().model_id,
        "nlp_pipeline": "spacy-en_core_web_sm-3.8.0",
        "python": f"{platform.python_implementation()} {sys.version.split()[0]}",
        "platform": platform.platform(),
    }


def test_version_text_works_without_a_vault_or_models(capsys, monkeypatch, tmp_path):
    monkeypatch.setattr("memvault.embedding.manifest.models_root", lambda: tmp_path)
    monkeypatch.setattr("memvault.extraction.nlp.models_root", lambda: tmp_path)
    assert main(["--vault", str(tmp_path / "none"), "version"]) == 0
    text = capsys.readouterr().out
    assert f"memvault {__version__}\nvault schema {LATEST}\n" in text
    assert "embedding model missing (reinstall Memvault)" in text
    assert not (tmp_path / "none").exists()
