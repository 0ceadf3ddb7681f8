"""What this Memvault is, for bug reports: versions of the app, the vault schema, the models, Python."""

from __future__ import annotations

import platform
import sys
from dataclasses import dataclass

from memvault import __version__
from memvault.domain.errors import MemvaultError
from memvault.embedding.manifest import load_manifest
from memvault.extraction.nlp import load_manifest as load_pipeline_manifest
from memvault.vault.migrations import LATEST


@dataclass(frozen=True)
class About:
    version: str
    schema_version: int
    embedding_model: str | None
    nlp_pipeline: str | None
    python: str
    platform: str


def about() -> About:
    """Reads only the model manifests: no vault, no model loaded, so it works when those are broken."""
    try:
        embedding = load_manifest().model_id
    except MemvaultError:
        embedding = None
    try:
        pipeline = load_pipeline_manifest().pipeline_id
    except MemvaultError:
        pipeline = None
    return About(version=__version__, schema_version=LATEST, embedding_model=embedding, nlp_pipeline=pipeline,
                 python=f"{platform.python_implementation()} {sys.version.split()[0]}",
                 platform=platform.platform())
