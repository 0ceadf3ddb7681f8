"""Build step: train the memory-type classifier (``python -m memvault.extraction.train_types``).

Embeds the labelled set (``tests/data/memory_types/memory_types.tsv``, written
for this project) with each bundled model (or the one named:
``python -m memvault.extraction.train_types multilingual-e5-small``), measures
accuracy by stratified 5-fold cross-validation, fits on the whole set and writes
``models/memory_types/<model name>.json``. Deterministic: the same set and model
give the same file.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import numpy as np

from memvault.crypto.digest import sha256_hex
from memvault.domain.enums import MemoryType
from memvault.embedding.manifest import available_models, models_root
from memvault.extraction.classify import classifier_file, fit_softmax

DATA = Path(__file__).resolve().parents[3] / "tests" / "data" / "memory_types" / "memory_types.tsv"
FOLDS = 5


def load_set(path: Path = DATA) -> tuple[list[str], list[MemoryType]]:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    return [r["text"] for r in rows], [MemoryType(r["type"]) for r in rows]


def cross_validate(x: np.ndarray, y: np.ndarray, classes: int, folds: int = FOLDS) -> float:
    """Stratified k-fold accuracy (fold i holds every k-th example of each class)."""
    fold_of = np.zeros(len(y), dtype=int)
    for c in range(classes):
        members = np.flatnonzero(y == c)
        fold_of[members] = np.arange(len(members)) % folds
    right = 0
    for k in range(folds):
        train, test = fold_of != k, fold_of == k
        w, b = fit_softmax(x[train], y[train], classes)
        right += int(((x[test] @ w.T + b).argmax(axis=1) == y[test]).sum())
    return right / len(y)


def train(model_name: str, texts: list[str], types: list[MemoryType]) -> str:
    """Fit and write the classifier for vectors of the bundled model ``model_name``; a line saying so."""
    from memvault.config import Settings
    from memvault.service.container import load_embedder

    labels = sorted(set(types), key=lambda t: list(MemoryType).index(t))
    y = np.array([labels.index(t) for t in types])
    embedder = load_embedder(Settings(), model_name)
    x = np.stack([c.vectors[0] for c in embedder.embed_documents(texts)]).astype(np.float64)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    accuracy = cross_validate(x, y, len(labels))
    w, b = fit_softmax(x, y, len(labels))
    out = {
        "labels": [t.value for t in labels], "model_id": embedder.model_id, "examples": len(texts),
        "cv_folds": FOLDS, "cv_accuracy": round(accuracy, 4),
        "training_set": "tests/data/memory_types/memory_types.tsv",
        "training_set_sha256": sha256_hex(DATA.read_bytes()),
        "weights": np.round(w, 5).tolist(), "bias": np.round(b, 5).tolist(),
    }
    target = models_root() / classifier_file(model_name)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(out) + "\n", encoding="utf-8")
    return f"{model_name}: {len(texts)} examples, {len(labels)} types; {FOLDS}-fold accuracy {accuracy:.3f}; wrote {target}"


def main(argv: list[str] | None = None) -> int:
    names = (sys.argv[1:] if argv is None else argv) or [m.name for m in available_models()]
    texts, types = load_set()
    for name in names:
        print(train(name, texts, types))
    return 0


if __name__ == "__main__":
    sys.exit(main())
