"""Published test vectors: the primitives under app/memvault/crypto/ compute what the standards say."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.x25519 import (
    X25519PrivateKey,
    X25519PublicKey,
)
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from memvault.crypto import aead, kdf
from memvault.crypto.hkdf import hkdf_sha256
from memvault.crypto.recipients import key_pair_from_private

h = bytes.fromhex


def test_argon2id_rfc9106_section_5_3():
    # KdfParams cannot express the RFC's secret/ad inputs (nor its 32 KiB memory, below BOUNDS), so the
    # vector checks the primitive KdfParams.derive calls; test_kdf checks derive() maps onto it 1:1.
    tag = Argon2id(salt=b"\x02" * 16, length=32, iterations=3, lanes=4, memory_cost=32,
                   secret=b"\x03" * 8, ad=b"\x04" * 12).derive(b"\x01" * 32)
    assert tag == h("0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659")


def test_kdf_params_derive_is_plain_argon2id():
    params = kdf.KdfParams(salt=b"\x02" * 16, memory_kib=1024, iterations=2, lanes=4)
    expected = Argon2id(salt=b"\x02" * 16, length=32, iterations=2, lanes=4, memory_cost=1024).derive(
        "pässphrase".encode())
    assert params.derive("pässphrase") == expected
    assert params.derive("pässphrase".encode()) == expected


def test_aes_256_gcm_nist_gcm_spec_test_case_16():
    # McGrew & Viega, "The Galois/Counter Mode of Operation", test case 16 (AES-256, 60-byte P, 20-byte A).
    key = h("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308")
    nonce = h("cafebabefacedbaddecaf888")
    plaintext = h("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
                  "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39")
    ad = h("feedfacedeadbeeffeedfacedeadbeefabaddad2")
    ciphertext = h("522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
                   "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662")
    tag = h("76fc6ece0f4e1768cddf8853bb2d551b")
    assert AESGCM(key).encrypt(nonce, plaintext, ad) == ciphertext + tag
    # seal() is exactly nonce || AES-GCM(key, nonce, P, its documented associated data).
    sealed = aead.seal(key, plaintext, context=b"ctx", version=7, aad=ad, rng=lambda n: nonce)
    assert sealed == nonce + AESGCM(key).encrypt(nonce, plaintext, aead.associated_data(b"ctx", 7, ad))
    assert aead.open_sealed(key, sealed, context=b"ctx", version=7, aad=ad) == plaintext


def test_hkdf_sha256_rfc5869_test_cases_1_and_3():
    okm1 = hkdf_sha256(b"\x0b" * 22, salt=h("000102030405060708090a0b0c"), info=h("f0f1f2f3f4f5f6f7f8f9"),
                       length=42)
    assert okm1 == h("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865")
    okm3 = hkdf_sha256(b"\x0b" * 22, salt=b"", info=b"", length=42)
    assert okm3 == h("8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8")


def test_x25519_rfc7748_section_6_1():
    alice = key_pair_from_private(h("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"))
    bob = key_pair_from_private(h("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"))
    assert alice.public == h("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a")
    assert bob.public == h("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f")
    shared = X25519PrivateKey.from_private_bytes(alice.private).exchange(X25519PublicKey.from_public_bytes(bob.public))
    assert shared == h("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742")
