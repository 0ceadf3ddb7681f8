"""X25519 recipients: pasteable public keys with a checksum, stanzas only the right key opens."""

from __future__ import annotations

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from memvault.crypto import recipients
from memvault.domain.errors import (
    DamagedData,
    DecryptionFailed,
    InvalidInput,
    WrongRecipient,
)


def test_public_key_text_round_trips_and_tolerates_spacing_and_case():
    pair = recipients.generate_key_pair()
    text = pair.public_text
    assert text.startswith("mvpub1") and len(text) == 64 and text == text.lower()
    assert recipients.public_key_from_text(text) == pair.public
    assert recipients.public_key_from_text(f"  {text[:30]}\n{text[30:].upper()} ") == pair.public


@settings(max_examples=60, deadline=None)
@given(position=st.integers(6, 63), replacement=st.sampled_from("abcdefghijklmnopqrstuvwxyz234567"))
def test_a_one_character_typo_is_caught(position, replacement):
    text = recipients.key_pair_from_private(bytes(range(32))).public_text
    if text[position] == replacement:
        return
    typo = text[:position] + replacement + text[position + 1:]
    with pytest.raises(InvalidInput):
        recipients.public_key_from_text(typo)


@pytest.mark.parametrize("text, message", [
    ("age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq", "should start with"),
    ("mvpub1" + "!" * 58, "cannot occur"),
    ("mvpub1abc", "wrong length"),
])
def test_foreign_or_mangled_key_text_is_invalid_input(text, message):
    with pytest.raises(InvalidInput, match=message):
        recipients.public_key_from_text(text)


def test_a_truncated_key_text_is_invalid_input():
    text = recipients.generate_key_pair().public_text
    with pytest.raises(InvalidInput):
        recipients.public_key_from_text(text[:-3])


def test_wrap_for_several_recipients_each_opens_its_own():
    file_key = os.urandom(32)
    pairs = [recipients.generate_key_pair() for _ in range(3)]
    stanzas = [recipients.wrap_for_recipient(file_key, p.public) for p in pairs]
    assert len(set(stanzas)) == 3 and all(len(s) == recipients.STANZA_BYTES for s in stanzas)
    for pair in pairs:
        mine = [s for s in stanzas if recipients.stanza_is_for(s, pair.public)]
        assert len(mine) == 1
        assert recipients.unwrap_with_private(mine[0], pair.private) == file_key


def test_wrong_recipient_is_a_clear_error():
    stanza = recipients.wrap_for_recipient(os.urandom(32), recipients.generate_key_pair().public)
    with pytest.raises(WrongRecipient, match="another recipient"):
        recipients.unwrap_with_private(stanza, recipients.generate_key_pair().private)


def test_every_flipped_bit_of_a_stanza_is_refused():
    pair = recipients.generate_key_pair()
    stanza = recipients.wrap_for_recipient(os.urandom(32), pair.public)
    for bit in range(len(stanza) * 8):
        damaged = bytearray(stanza)
        damaged[bit // 8] ^= 1 << (bit % 8)
        with pytest.raises((DecryptionFailed, DamagedData)):
            recipients.unwrap_with_private(bytes(damaged), pair.private)


def test_a_substituted_recipient_id_does_not_redirect_the_key():
    # Someone who rewrites the id to point at another key still cannot make it open there.
    alice, bob = recipients.generate_key_pair(), recipients.generate_key_pair()
    stanza = recipients.wrap_for_recipient(os.urandom(32), alice.public)
    forged = stanza[:1] + recipients.recipient_id(bob.public) + stanza[1 + recipients.RECIPIENT_ID_BYTES:]
    with pytest.raises(DecryptionFailed, match="damaged"):
        recipients.unwrap_with_private(forged, bob.private)


def test_malformed_stanzas_are_damaged_data():
    pair = recipients.generate_key_pair()
    stanza = recipients.wrap_for_recipient(os.urandom(32), pair.public)
    with pytest.raises(DamagedData, match="version"):
        recipients.unwrap_with_private(b"\x02" + stanza[1:], pair.private)
    with pytest.raises(DamagedData):
        recipients.unwrap_with_private(stanza[:-1], pair.private)


def test_degenerate_public_keys_are_refused():
    with pytest.raises(InvalidInput, match="degenerate"):
        recipients.wrap_for_recipient(os.urandom(32), bytes(32))
    with pytest.raises(InvalidInput):
        recipients.wrap_for_recipient(os.urandom(32), bytes(31))


def test_a_stored_private_key_of_the_wrong_size_is_damage():
    with pytest.raises(DamagedData):
        recipients.key_pair_from_private(bytes(31))
