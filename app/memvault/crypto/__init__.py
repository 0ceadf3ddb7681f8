"""The only code that touches cryptographic primitives, all from ``cryptography``.

- :mod:`~memvault.crypto.kdf`: Argon2id parameters (bounded when read from a file) and derivation.
- :mod:`~memvault.crypto.aead`: AES-256-GCM seal/open with versioned associated data; key wrapping.
- :mod:`~memvault.crypto.hkdf`: HKDF-SHA256 subkeys.
- :mod:`~memvault.crypto.stream`: segmented streaming AEAD for data of any size (bundles, sync segments).
- :mod:`~memvault.crypto.recipients`: X25519 key pairs and file keys wrapped for a recipient (per protocol).
- :mod:`~memvault.crypto.signing`: Ed25519 signatures, SHA-256 digests and HMAC tags (sync's device identity).

Failures are domain errors from :mod:`memvault.domain.errors` (``DecryptionFailed`` and its
subclasses, ``DamagedData``), never exceptions of the ``cryptography`` package.
"""
