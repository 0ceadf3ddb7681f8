"""seal/open_sealed and key wrapping: every mismatch is a domain error, never a wrong plaintext."""

from __future__ import annotations

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from memvault.crypto import aead
from memvault.domain.errors import DamagedData, DecryptionFailed

KEY = bytes(range(32))


@settings(max_examples=50, deadline=None)
@given(plaintext=st.binary(max_size=2048), context=st.binary(max_size=40), version=st.integers(0, 2**32 - 1),
       aad=st.binary(max_size=64))
def test_round_trip(plaintext, context, version, aad):
    sealed = aead.seal(KEY, plaintext, context=context, version=version, aad=aad)
    assert len(sealed) == len(plaintext) + aead.OVERHEAD
    assert aead.open_sealed(KEY, sealed, context=context, version=version, aad=aad) == plaintext


def test_nonces_are_fresh():
    assert aead.seal(KEY, b"x", context=b"c", version=1) != aead.seal(KEY, b"x", context=b"c", version=1)


@pytest.mark.parametrize("change", ["key", "context", "version", "aad", "nonce", "body", "tag", "short"])
def test_any_mismatch_is_decryption_failed(change):
    sealed = aead.seal(KEY, b"secret", context=b"ctx", version=1, aad=b"a")
    key, context, version, aad = KEY, b"ctx", 1, b"a"
    if change == "key":
        key = os.urandom(32)
    elif change == "context":
        context = b"ctx2"
    elif change == "version":
        version = 2
    elif change == "aad":
        aad = b"b"
    elif change == "short":
        sealed = sealed[:27]
    else:
        at = {"nonce": 0, "body": 13, "tag": len(sealed) - 1}[change]
        sealed = sealed[:at] + bytes([sealed[at] ^ 1]) + sealed[at + 1:]
    with pytest.raises(DecryptionFailed):
        aead.open_sealed(key, sealed, context=context, version=version, aad=aad)


def test_context_and_aad_are_framed_not_concatenated():
    # "ab" + "c" and "a" + "bc" must not authenticate as each other.
    sealed = aead.seal(KEY, b"x", context=b"ab", version=1, aad=b"c")
    with pytest.raises(DecryptionFailed):
        aead.open_sealed(KEY, sealed, context=b"a", version=1, aad=b"bc")


def test_wrap_and_unwrap_key():
    kek, key = os.urandom(32), os.urandom(32)
    wrapped = aead.wrap_key(kek, key, context=b"vault-header", aad=b"params")
    assert len(wrapped) == 60
    assert aead.unwrap_key(kek, wrapped, context=b"vault-header", aad=b"params") == key
    with pytest.raises(DecryptionFailed):
        aead.unwrap_key(os.urandom(32), wrapped, context=b"vault-header", aad=b"params")
    with pytest.raises(DecryptionFailed):
        aead.unwrap_key(kek, wrapped, context=b"bundle", aad=b"params")
    # A wrapped key is not an ordinary sealed value under the same context label.
    with pytest.raises(DecryptionFailed):
        aead.open_sealed(kek, wrapped, context=b"vault-header", version=1, aad=b"params")


def test_a_wrapped_key_of_the_wrong_size_is_damage():
    kek = os.urandom(32)
    with pytest.raises(DamagedData, match="16 bytes instead of 32"):
        aead.unwrap_key(kek, aead.wrap_key(kek, bytes(16), context=b"c"), context=b"c")
