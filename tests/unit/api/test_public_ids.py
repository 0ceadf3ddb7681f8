"""Public StateBase ids: a keyed permutation of rowids, reversible only with the vault's secret."""

import itertools

from hypothesis import given
from hypothesis import strategies as st

from memvault.api.compat.public_ids import BITS, IdPermutation


@given(st.binary(min_size=32, max_size=32), st.integers(0, 2**BITS - 1))
def test_decode_inverts_encode(secret, rowid):
    ids = IdPermutation(secret)
    assert ids.decode(ids.encode(rowid)) == rowid


def test_consecutive_rowids_get_unrelated_ids_and_secrets_differ():
    a, b = IdPermutation(b"a" * 32), IdPermutation(b"b" * 32)
    encoded = [a.encode(r) for r in range(1, 1001)]
    assert len(set(encoded)) == 1000
    steps = {y - x for x, y in itertools.pairwise(encoded)}
    assert len(steps) > 990  # no constant stride to walk
    assert sum(e < 2**32 for e in encoded) < 10  # spread over the whole 48-bit space
    assert sum(a.encode(r) == b.encode(r) for r in range(1, 1001)) == 0
