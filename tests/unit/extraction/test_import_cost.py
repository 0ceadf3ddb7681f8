"""Starting Memvault does not import spaCy (seconds): only extraction's first use loads it."""

import os
import subprocess
import sys

import pytest


@pytest.mark.seconds
def test_the_service_container_does_not_import_spacy():
    code = "import sys, memvault.service.container, memvault.api.app, memvault.cli.parser; print('spacy' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.strip() == "False"


@pytest.mark.seconds
def test_loading_the_pipeline_does_not_import_torch_yet_leaves_it_importable(tmp_path):
    # A stand-in torch package that records each attempt to import it. thinc imports torch whenever it is
    # installed (the bench extra), which cost the app ~260 MB; the loader must keep that import from running
    # and must not leave torch unimportable for the bench's reference model afterwards.
    fake = tmp_path / "torch"
    fake.mkdir()
    marker = tmp_path / "attempts"
    (fake / "__init__.py").write_text(
        f"open({str(marker)!r}, 'a').write('x')\nraise ImportError('stand-in torch')\n", "utf-8")
    code = (
        "import importlib, os, sys\n"
        "from memvault.extraction.nlp import NlpPipeline\n"
        "NlpPipeline().get()\n"
        f"print(os.path.exists({str(marker)!r}))\n"
        "try:\n    importlib.import_module('torch')\nexcept ImportError:\n    pass\n"
        f"print(os.path.exists({str(marker)!r}))\n")
    env = {"PYTHONPATH": f"{tmp_path}{os.pathsep}{os.getcwd()}", "PATH": os.environ.get("PATH", "")}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True,
                          env=env)
    assert done.stdout.split() == ["False", "True"]
