"""Native libraries that crash when loaded in the wrong order are loaded in the right one."""

from __future__ import annotations

import subprocess
import sys

from tests.helpers import ROOT


def test_the_vector_index_then_the_embedder_loads_without_a_crash():
    # usearch's compiled module loaded before onnxruntime makes onnxruntime's import segfault (exit -11):
    # `memvault export` did, through the vault's index before the service container.
    done = subprocess.run([sys.executable, "-c", "import memvault.vault.knn.ann, usearch.compiled; import onnxruntime"],
                          cwd=ROOT, capture_output=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
