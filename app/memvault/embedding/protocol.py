"""What the service needs from an embedder, so that logic unrelated to meaning can run on a fake.

:class:`memvault.embedding.model.Embedder` (the bundled ONNX model) is the one the
product uses; tests that do not depend on meaning use a deterministic fake
with the same interface (``tests/helpers/fake_embedder.py``).
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from memvault.embedding.model import Chunked, PendingDocuments


class TextEmbedder(Protocol):
    """Turns texts into unit vectors of :attr:`dimension`, recording :attr:`model_id` with them."""

    model_id: str
    dimension: int

    def embed_query(self, text: str) -> np.ndarray:
        """One vector for a search query."""
        ...

    def embed_documents(self, texts: list[str]) -> list[Chunked]:
        """Vectors for stored texts: one per chunk, with each chunk's character span."""
        ...

    def start_documents(self, texts: list[str]) -> PendingDocuments:
        """:meth:`embed_documents` as background work, queued behind any caller that waits for its vectors."""
        ...

    def count_tokens(self, text: str) -> int:
        """How many model tokens ``text`` has."""
        ...
