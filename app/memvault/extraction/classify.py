"""Memory type from a memory's own embedding: a small softmax classifier trained at build time.

One classifier per bundled embedding model, in ``models/memory_types/<model name>.json``, written by
:mod:`memvault.extraction.train_types` from the labelled set in
``tests/data/memory_types/memory_types.tsv`` (with its cross-validated
accuracy, the model that made the training vectors, and the set's sha256).
Each applies only to vectors of its model: a vault embedded by a model without
one keeps omitted types as ``general`` (source ``default``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from memvault.domain.enums import MemoryType
from memvault.embedding.manifest import models_root

CLASSIFIER_DIR = Path("memory_types")


def classifier_file(model_name: str) -> Path:
    """Where the classifier for vectors of the bundled model ``model_name`` lives, under ``models/``."""
    return CLASSIFIER_DIR / f"{model_name}.json"

#: Below this probability the classifier's best guess is not trusted: the memory stays ``general``.
MIN_CONFIDENCE = 0.35


@dataclass(frozen=True)
class TypeGuess:
    memory_type: MemoryType
    confidence: float


class TypeClassifier:
    """Softmax regression over L2-normalised embeddings: ``p = softmax(W x + b)``."""

    def __init__(self, labels: list[MemoryType], weights: np.ndarray, bias: np.ndarray, model_id: str,
                 cv_accuracy: float | None = None) -> None:
        self.labels = labels
        self.weights = weights.astype(np.float32)
        self.bias = bias.astype(np.float32)
        self.model_id = model_id
        self.cv_accuracy = cv_accuracy

    @classmethod
    def load_all(cls, root: Path | None = None) -> dict[str, TypeClassifier]:
        """Every shipped classifier, by the ``model_id`` whose vectors it reads."""
        found = [cls.load(path) for path in sorted(((root or models_root()) / CLASSIFIER_DIR).glob("*.json"))]
        return {c.model_id: c for c in found}

    @classmethod
    def load(cls, path: Path) -> TypeClassifier:
        doc = json.loads(path.read_text("utf-8"))
        return cls([MemoryType(t) for t in doc["labels"]], np.array(doc["weights"], dtype=np.float32),
                   np.array(doc["bias"], dtype=np.float32), doc["model_id"], doc.get("cv_accuracy"))

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        x = np.atleast_2d(vectors).astype(np.float32)
        x = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
        z = x @ self.weights.T + self.bias
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        return p / p.sum(axis=1, keepdims=True)

    def classify(self, vector: np.ndarray) -> TypeGuess:
        p = self.probabilities(vector)[0]
        best = int(np.argmax(p))
        if p[best] < MIN_CONFIDENCE:
            return TypeGuess(MemoryType.GENERAL, float(p[best]))
        return TypeGuess(self.labels[best], float(p[best]))


def fit_softmax(x: np.ndarray, y: np.ndarray, classes: int, *, l2: float = 1e-3, steps: int = 400,
                rate: float = 2.0) -> tuple[np.ndarray, np.ndarray]:
    """Softmax regression by full-batch gradient descent (small sets: ~200 x 384)."""
    n, d = x.shape
    w = np.zeros((classes, d))
    b = np.zeros(classes)
    onehot = np.eye(classes)[y]
    for _ in range(steps):
        z = x @ w.T + b
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        grad = p - onehot
        w -= rate * (grad.T @ x / n + l2 * w)
        b -= rate * grad.mean(axis=0)
    return w, b
