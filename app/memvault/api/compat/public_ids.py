"""Public integer-free ids for profiles with short ids (StateBase's ``mem_<12 hex>``).

Rowids count up, so ``mem_<rowid in hex>`` let anyone with a key walk a
namespace by guessing. Instead the 48-bit id is a keyed permutation of the
rowid: a four-round Feistel network whose round function is HMAC-SHA256 under
a random per-vault secret (a pseudorandom permutation, Luby-Rackoff). It maps
rowids one-to-one onto 48-bit values and back, with no table, and without the
secret the id of one memory says nothing about another's.
"""

from __future__ import annotations

from memvault.crypto.digest import hmac_sha256

BITS = 48
_HALF = BITS // 2
_MASK = (1 << _HALF) - 1
ROUNDS = 4


class IdPermutation:
    """A keyed bijection on ``[0, 2**48)``."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def _round(self, i: int, half: int) -> int:
        digest = hmac_sha256(self._secret, bytes([i]) + half.to_bytes(3, "big"))
        return int.from_bytes(digest[:3], "big")

    def encode(self, value: int) -> int:
        if not 0 <= value < 1 << BITS:
            raise ValueError("value out of range")
        left, right = value >> _HALF, value & _MASK
        for i in range(ROUNDS):
            left, right = right, left ^ self._round(i, right)
        return (left << _HALF) | right

    def decode(self, value: int) -> int:
        if not 0 <= value < 1 << BITS:
            raise ValueError("value out of range")
        left, right = value >> _HALF, value & _MASK
        for i in reversed(range(ROUNDS)):
            left, right = right ^ self._round(i, left), left
        return (left << _HALF) | right
