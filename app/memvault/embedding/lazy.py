"""An embedder that knows its model from the manifest and loads the ONNX session only when first asked to embed.

Opening a vault needs the model's id and dimension, which the manifest holds;
loading the session (verifying the weights' sha256, parsing the graph) takes
seconds and a few hundred MB. Commands that only read (``list``, ``get``,
``stats``) or that stop at bad input never pay for it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from memvault.embedding import tokenizer_threads
from memvault.embedding.manifest import Manifest

if TYPE_CHECKING:
    from memvault.embedding.model import Embedder


class LazyEmbedder:
    """Stands in for :class:`~memvault.embedding.model.Embedder`; builds the real one on first use.

    ``model_id``, ``dimension`` and ``max_tokens`` come from the manifest at
    once; every other attribute is the loaded embedder's, loaded once even when
    several threads (the worker and a command) ask at the same moment.
    """

    def __init__(self, manifest: Manifest, **options: Any) -> None:
        self.manifest = manifest
        self.model_id = manifest.model_id
        self.dimension = manifest.dimension
        self.max_tokens = manifest.max_tokens
        #: What the real embedder is created with (threads, batches, precision).
        self.options = options
        self._embedder: Embedder | None = None
        self._lock = threading.Lock()
        self._foreground_busy: Callable[[], bool] | None = None
        # Now, on the thread that makes this one: the model may load on a lowered loop's thread.
        tokenizer_threads.start()

    @property
    def loaded(self) -> bool:
        """Whether the ONNX session has been created."""
        return self._embedder is not None

    def load(self) -> Embedder:
        """The real embedder, created (model files verified, session loaded) on the first call."""
        if self._embedder is None:
            with self._lock:
                if self._embedder is None:
                    # Imported here: onnxruntime itself takes a noticeable time to import.
                    from memvault.embedding.model import Embedder

                    embedder = Embedder(self.manifest, **self.options)
                    embedder.yield_background_to(self._foreground_busy)
                    self._embedder = embedder
        return self._embedder

    def yield_background_to(self, busy: Callable[[], bool] | None) -> None:
        """As :meth:`Embedder.yield_background_to`, without loading the model (kept for when it loads)."""
        self._foreground_busy = busy
        if self._embedder is not None:
            self._embedder.yield_background_to(busy)

    def __getattr__(self, name: str) -> Any:
        # Only reached for attributes not set in __init__: the embedding methods and batch settings.
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.load(), name)
