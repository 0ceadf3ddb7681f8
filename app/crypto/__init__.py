"""The only code that touches cryptographic primitives, all from ``cryptography``.

- :mod:`~app.crypto.kdf`: Argon2id parameters (bounded when read from a file) and derivation.
- :mod:`~app.crypto.aead`: AES-256-GCM seal/open with versioned associated data; key wrapping.
- :mod:`~app.crypto.hkdf`: HKDF-SHA256 subkeys.
- :mod:`~app.crypto.stream`: segmented streaming AEAD for data of any size (bundles, sync segments).
- :mod:`~app.crypto.recipients`: X25519 key pairs and file keys wrapped for a recipient.

Failures are domain errors from :mod:`app.domain.errors` (``DecryptionFailed`` and its
subclasses, ``DamagedData``), never exceptions of the ``cryptography`` package.
"""
