"""Which embedding model a vault uses: chosen at creation, switched later.

A vault records its model (``Vault.model_id``). A process loads an embedder
before it knows which vault it opens, so the services swap it for the vault's
model when they differ (:func:`embedder_for_model`). Switching records the new
model; the memories whose vectors the old one made are then stale and are
re-embedded (``ReembedService``, with progress and cancel); until then search
leaves their vectors out of the semantic list (``SearchService``), so it never
compares vectors of two models, and keywords still find them.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from memvault.embedding.lazy import LazyEmbedder
from memvault.embedding.manifest import Manifest, available_models, manifest_named
from memvault.domain.errors import ModelError
from memvault.vault.vault import Vault

log = logging.getLogger(__name__)


def embedder_for_model(embedder: Any, model_id: str | None) -> Any:
    """An embedder of ``model_id`` (a bundled model's name or id) with ``embedder``'s settings.

    The same embedder when it is that model already, when ``model_id`` is
    ``None`` or not a bundled model (a vault from an older Memvault keeps
    today's model; its vectors are stale and re-embedded), or when
    ``embedder`` is not one of the real embedders (tests' fakes).
    """
    if model_id is None or embedder.model_id == model_id:
        return embedder
    try:
        manifest = manifest_named(model_id)
    except ModelError:
        return embedder
    if manifest.model_id == embedder.model_id:
        return embedder
    if isinstance(embedder, LazyEmbedder):
        return LazyEmbedder(manifest, **embedder.options)
    from memvault.embedding.model import Embedder

    if type(embedder) is Embedder:
        # The loaded model stays with the process for other vaults; this one loads on its first text.
        return LazyEmbedder(manifest, threads=embedder.threads, batch_size=embedder.batch_size,
                            batch_tokens=embedder.batch_tokens,
                            precision=embedder.precision if embedder.precision in Embedder.PRECISIONS else "int8")
    return embedder


def load_ahead(embedder: Any) -> threading.Thread | None:
    """Start loading ``embedder``'s model on a daemon thread if it is not loaded (a vault of another model
    than the one the process loaded ahead): the app's and the server's first search would otherwise wait
    for it (~1.3 s for multilingual-e5-small). ``None`` when nothing is to load. A model that fails to load
    is left for its first use to report."""
    if not isinstance(embedder, LazyEmbedder) or embedder.loaded:
        return None

    def load() -> None:
        try:
            embedder.load()
        except Exception as exc:  # noqa: BLE001 - the first text to embed raises it again, to its caller
            log.info("the vault's model was not loaded ahead: %s", exc.__class__.__name__)

    thread = threading.Thread(target=load, name="memvault-model-ahead", daemon=True)
    thread.start()
    return thread


def model_family(embedder: Any) -> str:
    """The prefix shared by the ids of vectors comparable with ``embedder``'s: its model's name (the
    upstream weights, whatever the export or precision), or its id when it has no manifest (tests' fakes)."""
    manifest = getattr(embedder, "manifest", None)
    if isinstance(manifest, Manifest):
        return manifest.name
    try:
        return manifest_named(embedder.model_id).name
    except ModelError:
        return embedder.model_id


class ModelService:
    """The vault's model, the bundled ones, and the switch between them."""

    def __init__(self, vault: Vault, embedder: Any) -> None:
        self._vault = vault
        self._embedder = embedder

    @property
    def current(self) -> str:
        """The model id new vectors come from in these services."""
        return self._embedder.model_id

    @staticmethod
    def available() -> list[Manifest]:
        """The bundled models, the default (English) first."""
        return available_models()

    def switch(self, name: str) -> Manifest:
        """Record ``name`` (a bundled model) as the vault's model; reopen the vault to embed with it.

        Memories keep their vectors (searched by keyword meanwhile, and by
        meaning once re-embedded); nothing is lost if the re-embedding stops.
        """
        manifest = manifest_named(name)
        if self._vault.model_id != manifest.model_id:
            self._vault.set_model_id(manifest.model_id)
        return manifest
