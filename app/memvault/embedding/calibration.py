"""The int8 graph's calibration data: activation maxima measured once and shipped in ``models/``.

SmoothQuant's factors (``app/embedding/int8.py``) come from each product's
largest input per channel on :data:`int8.CALIBRATION_TEXTS`. The file holds the
feed-forward output's maxima too, as every probed product's; its blockwise
product scales its activations as it runs and does not read them. They depend only on the pinned weights and
those fixed texts, so they are measured once by the fp32 graph and stored next
to the manifest (``int8_maxima.json``, pinned by sha256 like the tokenizer);
measuring them at every start cost ~0.7 s of load time. The file also records
the weights' sha256 and a digest of the calibration texts, so a file measured
on other weights or texts is refused instead of silently used.

The file also ships the fp32 graph's vectors of :data:`int8.PROBE_TEXTS`: the
embedder compares its int8 vectors of them at start, which tells it whether this
CPU's integer kernel keeps the graph within the gate (:data:`int8.WEIGHT_SIGNS`).
They are rounded to six decimals (a change of cosine below 1e-7).

Regenerate it after changing the weights, the texts or the probed products::

    python -m memvault.embedding.calibration --write
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from memvault.crypto.digest import sha256_hex
from memvault.domain.errors import ModelError
from memvault.embedding import int8
from memvault.embedding.manifest import Manifest, load_manifest, models_root

FORMAT = 2


@dataclass(frozen=True)
class Calibration:
    """What the int8 graph is built and checked with."""

    #: Per probed product, each input channel's largest absolute activation on the calibration texts.
    maxima: dict[str, np.ndarray]
    #: The fp32 graph's vectors of :data:`int8.PROBE_TEXTS`, one row each.
    probes: np.ndarray


def texts_digest() -> str:
    """The sha256 of the calibration and probe texts as they are run (each calibration text at every repeat count)."""
    texts = {"calibration": int8.calibration_texts(), "probes": list(int8.PROBE_TEXTS)}
    return sha256_hex(json.dumps(texts, ensure_ascii=False, sort_keys=True).encode("utf-8"))


def encode(maxima: dict[str, np.ndarray], weights_sha256: str, probes: np.ndarray) -> bytes:
    """The file's bytes: deterministic JSON, every maximum the shortest text that reads back as the same float32."""
    values = {name: [float(np.format_float_positional(v, unique=True, trim="0"))
                     for v in np.asarray(maxima[name], dtype=np.float32)]
              for name in sorted(maxima)}
    vectors = [[round(float(v), 6) for v in row] for row in np.asarray(probes, dtype=np.float32)]
    doc = {"format": FORMAT, "weights_sha256": weights_sha256, "texts_sha256": texts_digest(), "maxima": values,
           "probe_vectors": vectors}
    return (json.dumps(doc, separators=(",", ":"), sort_keys=True) + "\n").encode("ascii")


def decode(data: bytes, weights_sha256: str, where: Path) -> Calibration:
    """The calibration in ``data``, if it was measured on these weights and the current texts."""
    try:
        doc = json.loads(data)
        if doc["format"] != FORMAT:
            raise ValueError(f"format {doc['format']}")
        stale = [label for label, recorded, current in (("weights", doc["weights_sha256"], weights_sha256),
                                                         ("calibration texts", doc["texts_sha256"], texts_digest()))
                 if recorded != current]
        maxima = {name: np.asarray(values, dtype=np.float32) for name, values in doc["maxima"].items()}
        probes = np.asarray(doc["probe_vectors"], dtype=np.float32)
        if probes.shape[0] != len(int8.PROBE_TEXTS):
            raise ValueError(f"{probes.shape[0]} probe vectors for {len(int8.PROBE_TEXTS)} probe texts")
    except (ValueError, KeyError, TypeError) as exc:
        raise ModelError(f"the int8 calibration file {where} is damaged: {exc}") from None
    if stale:
        raise ModelError(f"the int8 calibration file {where} was measured on other {' and '.join(stale)}; "
                         "regenerate it with: python -m memvault.embedding.calibration --write")
    return Calibration(maxima, probes)


def read(manifest: Manifest) -> Calibration:
    """The shipped calibration, checked against the manifest's sha256 on the very bytes parsed."""
    path = manifest.int8_maxima_path
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ModelError(f"the model's int8 calibration file {path} is missing; reinstall Memvault") from None
    actual = sha256_hex(data)
    if actual != manifest.int8_maxima_sha256:
        raise ModelError(f"the model's int8 calibration file {path} has been altered (sha256 {actual[:12]}…, "
                         f"expected {manifest.int8_maxima_sha256[:12]}…); reinstall Memvault")
    return decode(data, manifest.weights_sha256, path)


def write(manifest: Manifest, manifest_path: Path) -> str:
    """Measure the maxima and probe vectors with the fp32 graph, write the file and pin its sha256 in the
    manifest; the new digest."""
    from memvault.embedding.model import Embedder  # the embedder needs this module: import it only here

    fp32 = Embedder(manifest, precision="fp32")
    data = encode(fp32.activation_maxima(), manifest.weights_sha256, fp32.embed_texts(list(int8.PROBE_TEXTS)))
    manifest_path.parent.joinpath(manifest.int8_maxima_path.name).write_bytes(data)
    digest = sha256_hex(data)
    text = manifest_path.read_text("utf-8")
    if manifest.int8_maxima_sha256 not in text:
        raise ModelError(f"{manifest_path} names no int8 calibration sha256 to replace")
    # Replace the digest in place: the manifest's hand-kept layout stays.
    manifest_path.write_text(text.replace(manifest.int8_maxima_sha256, digest), "utf-8")
    return digest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m memvault.embedding.calibration", description=__doc__.split("\n")[0])
    parser.add_argument("--write", action="store_true", help="measure the maxima and write them into models/")
    args = parser.parse_args(argv)
    try:
        manifest = load_manifest()
        if not args.write:
            read(manifest)
            print(f"{manifest.int8_maxima_path} matches the manifest, the weights and the calibration texts")
            return 0
        digest = write(manifest, models_root() / manifest.name / "manifest.json")
    except ModelError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {manifest.int8_maxima_path} (sha256 {digest})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
