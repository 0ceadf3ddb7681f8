"""A deterministic fake embedder for tests whose logic does not depend on meaning.

Words are hashed into a fixed number of dimensions (a signed bag of words), so
texts that share words are close and nothing else is: fast, repeatable, and
unable to fake meaning (a test that needs meaning fails with it, and is marked
``slow`` to run on the real model instead).
"""

from __future__ import annotations

import hashlib
import re

import numpy as np

from memvault.embedding.model import Chunked, PendingDocuments

_WORD = re.compile(r"\w+", re.UNICODE)
#: Characters per chunk, so that long texts still produce several chunks as the real model's windows do.
CHUNK_CHARS = 1200


class FakeEmbedder:
    """Same interface as :class:`memvault.embedding.model.Embedder`; 384 dimensions like the real model."""

    model_id = "fake-hashed-words-v1"
    dimension = 384

    def _vector(self, text: str) -> np.ndarray:
        vec = np.zeros(self.dimension, dtype=np.float32)
        for word in _WORD.findall(text.lower()):
            digest = hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest()
            index = int.from_bytes(digest[:4], "little") % self.dimension
            vec[index] += 1.0 if digest[4] & 1 else -1.0
        norm = float(np.linalg.norm(vec))
        if norm == 0.0:
            vec[0] = 1.0
            return vec
        return vec / norm

    def embed_query(self, text: str) -> np.ndarray:
        return self._vector(text)

    def embed_texts(self, texts: list[str], *, sort: bool = True) -> np.ndarray:
        return np.vstack([self._vector(t) for t in texts]) if texts else np.zeros((0, self.dimension), np.float32)

    def embed_documents(self, texts: list[str]) -> list[Chunked]:
        out = []
        for text in texts:
            spans = [(start, min(len(text), start + CHUNK_CHARS)) for start in range(0, max(len(text), 1), CHUNK_CHARS)]
            out.append(Chunked(spans, np.vstack([self._vector(text[a:b]) for a, b in spans])))
        return out

    def start_documents(self, texts: list[str]) -> PendingDocuments:
        return PendingDocuments.done(self.embed_documents(texts))

    def count_tokens(self, text: str) -> int:
        return len(_WORD.findall(text))
