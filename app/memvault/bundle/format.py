"""The bundle file format, version 1: framing, keys, manifest and the encrypted body of JSON lines.

Pure: no vault, no SQL, no service. ``FORMAT.md`` beside this module is the
specification (precise enough for a reader in another language); this module
is its reference implementation, in three modules re-exported here: :mod:`.header`
(framing and the clear header), :mod:`.keys` (file key and manifest) and
:mod:`.body` (the encrypted JSON lines)::

    file    = prefix || stream
    prefix  = "MVBUNDLE" || u16 version || u32 len(header) || header (UTF-8 JSON) || SHA-256(all before)
    stream  = memvault.crypto.stream of the body, under the file key, with ``prefix`` as its bound header
    body    = JSON lines: "memory" and "history" lines, then one "end" line with line counts and a digest

The random 256-bit file key is wrapped in the header for a passphrase
(Argon2id) and/or for X25519 recipients; the manifest (namespaces, counts,
model) is sealed under a key derived from it. Everything after the prefix is
authenticated segment by segment with the prefix bound as associated data, so
any change to the header, the manifest or the body fails authentication.

Readers of the body get lines as their segments authenticate (a verified
prefix of the body before the rest is known to be whole): callers that must
be all-or-nothing read the whole body first (:func:`verify_body`, or a full
pass of :func:`body_lines`) and only then act on it.
"""

from memvault.bundle.body import BundleWriter, body_lines, verify_body
from memvault.bundle.header import (
    DIGEST_BYTES,
    END,
    FILE_KEY_BYTES,
    KDF_CAPS,
    LINE_TYPES,
    MAGIC,
    MAX_HEADER_BYTES,
    MAX_LINE_BYTES,
    READABLE_VERSIONS,
    SUFFIX,
    VERSION,
    BundleHeader,
    Manifest,
    NamespaceCounts,
    PassphraseSlot,
    Trailer,
    bundle_kdf,
    check_kdf_caps,
    encode_prefix,
    read_header,
)
from memvault.bundle.keys import (
    file_key_from_passphrase,
    file_key_from_private_key,
    open_manifest,
    seal_manifest,
    wrap_for_passphrase,
)

__all__ = [
    "DIGEST_BYTES", "END", "FILE_KEY_BYTES", "KDF_CAPS", "LINE_TYPES", "MAGIC", "MAX_HEADER_BYTES",
    "MAX_LINE_BYTES", "READABLE_VERSIONS", "SUFFIX", "VERSION", "BundleHeader", "BundleWriter", "Manifest",
    "NamespaceCounts", "PassphraseSlot", "Trailer", "body_lines", "bundle_kdf", "check_kdf_caps", "encode_prefix",
    "file_key_from_passphrase", "file_key_from_private_key", "open_manifest", "read_header", "seal_manifest",
    "verify_body", "wrap_for_passphrase",
]
