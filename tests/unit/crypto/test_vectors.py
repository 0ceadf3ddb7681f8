"""Fixed vectors of Memvault's own formats (tests/data/crypto/vectors.json, see its README).

Each vector is read with its stored key, re-made with the stored fixed
randomness to reproduce the stored bytes, and the stream vectors are also
rebuilt from the layout documented in app/memvault/crypto/stream.py using the bare
primitives, so the documentation is checked too.
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from memvault.crypto import aead, kdf, recipients, stream
from tests.unit.crypto.deterministic import fixed_rng

VECTORS = json.loads((Path(__file__).parents[2] / "data" / "crypto" / "vectors.json").read_text())
h = bytes.fromhex


def test_kdf_vector():
    v = VECTORS["kdf"]
    params = kdf.KdfParams.from_untrusted(h(v["salt"]), v["memory_kib"], v["iterations"], v["lanes"])
    assert params.derive(v["passphrase"]).hex() == v["key"]


def test_seal_vector():
    v = VECTORS["seal"]
    args = {"context": h(v["context"]), "version": v["version"], "aad": h(v["aad"])}
    assert aead.open_sealed(h(v["key"]), h(v["sealed"]), **args) == h(v["plaintext"])
    assert aead.seal(h(v["key"]), h(v["plaintext"]), rng=fixed_rng(h(v["rng_seed"])), **args).hex() == v["sealed"]


@pytest.mark.parametrize("v", VECTORS["streams"], ids=lambda v: f"{len(v['plaintext']) // 2}B-seg{v['segment_size']}")
def test_stream_vectors(v):
    key, header, plaintext, encrypted = h(v["file_key"]), h(v["header"]), h(v["plaintext"]), h(v["stream"])
    assert b"".join(stream.StreamReader(io.BytesIO(encrypted), key, header=header)) == plaintext
    sink = io.BytesIO()
    with stream.StreamWriter(sink, key, header=header, segment_size=v["segment_size"],
                             rng=fixed_rng(h(v["rng_seed"]))) as writer:
        writer.write(plaintext)
    assert sink.getvalue().hex() == v["stream"]
    assert _stream_from_the_documented_layout(key, header, v["segment_size"], encrypted[5:21], plaintext) == encrypted


def _stream_from_the_documented_layout(file_key, header, segment_size, salt, plaintext) -> bytes:
    preamble = bytes([1]) + segment_size.to_bytes(4, "big") + salt
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=b"memvault-stream-v1").derive(file_key)
    ad = b"memvault-stream" + preamble + hashlib.sha256(header).digest()
    chunks = [plaintext[i:i + segment_size] for i in range(0, len(plaintext), segment_size)] or [b""]
    out = [preamble]
    for i, chunk in enumerate(chunks):
        nonce = i.to_bytes(11, "big") + bytes([i == len(chunks) - 1])
        out.append(AESGCM(key).encrypt(nonce, chunk, ad))
    return b"".join(out)


def test_stanza_vector():
    v = VECTORS["stanza"]
    pair = recipients.key_pair_from_private(h(v["recipient_private"]))
    assert pair.public.hex() == v["recipient_public"] and pair.public_text == v["recipient_text"]
    assert recipients.public_key_from_text(v["recipient_text"]) == pair.public
    assert recipients.unwrap_with_private(h(v["stanza"]), pair.private).hex() == v["file_key"]
    remade = recipients.wrap_for_recipient(h(v["file_key"]), pair.public, rng=fixed_rng(h(v["rng_seed"])))
    assert remade.hex() == v["stanza"]
