"""Argon2id parameters: bounds on what a file may ask for, and what we create."""

from __future__ import annotations

import time

import pytest

from memvault.crypto.kdf import BOUNDS, KdfParams
from memvault.domain.errors import DamagedData, InvalidInput

SALT = bytes(range(16))


def test_fresh_params_have_a_random_salt_and_derive_32_bytes():
    a, b = KdfParams.fresh(8192, 1), KdfParams.fresh(8192, 1)
    assert a.salt != b.salt and len(a.salt) == 16
    assert (a.memory_kib, a.iterations, a.lanes) == (8192, 1, 4)
    key = a.derive("correct horse")
    assert len(key) == 32 and key == a.derive("correct horse") != a.derive("correct horsf")


@pytest.mark.parametrize("memory_kib, iterations", [(512, 1), (8192, 0), (8192, 65), (8 * 1024 * 1024, 1)])
def test_fresh_refuses_settings_it_could_not_read_back(memory_kib, iterations):
    with pytest.raises(InvalidInput, match="out of range"):
        KdfParams.fresh(memory_kib, iterations)


@pytest.mark.parametrize("memory_kib, iterations, lanes, salt", [
    (8192, 10**9, 4, SALT),            # issue 9 item 15: would hang unlock
    (2**40, 1, 4, SALT),               # would allocate a terabyte
    (4 * 1024 * 1024, 64, 4, SALT),    # each bound alone is fine, the total work is not
    (8192, 1, 0, SALT),
    (8192, 1, 17, SALT),
    (8192, 1, 4, b"short"),
    (8192, 1, 4, bytes(65)),
    (512, 1, 4, SALT),
    (8192, 0, 4, SALT),
    (-1, 1, 4, SALT),
])
def test_out_of_bounds_params_from_a_file_are_damage_and_fail_fast(memory_kib, iterations, lanes, salt):
    # CPU time, not wall time: refusing must cost no derivation, whatever else the machine is running.
    start = time.process_time()
    with pytest.raises(DamagedData, match="damaged or was written by something else"):
        KdfParams.from_untrusted(salt, memory_kib, iterations, lanes)
    assert time.process_time() - start < 0.1


@pytest.mark.parametrize("value", ["8192", 8192.0, True, None, [8192]])
def test_non_integer_params_from_a_file_are_damage(value):
    with pytest.raises(DamagedData):
        KdfParams.from_untrusted(SALT, value, 1, 4)


def test_bounds_edges_are_accepted():
    low = KdfParams.from_untrusted(bytes(16), BOUNDS.memory_kib[0], BOUNDS.iterations[0], BOUNDS.lanes[0])
    assert low.derive("x") != KdfParams.from_untrusted(bytes(64), 1024, 1, 16).derive("x")
    assert KdfParams.from_untrusted(SALT, 4 * 1024 * 1024, 4, 16).memory_kib == 4 * 1024 * 1024
    assert KdfParams.from_untrusted(SALT, 1024, 64, 1).iterations == 64


def test_derivations_on_several_threads_at_once_all_succeed():
    import threading

    params = KdfParams.fresh(1024, 1)
    expected = params.derive("same passphrase")
    results, errors = [], []

    def derive():
        for _ in range(10):
            try:
                results.append(params.derive("same passphrase"))
            except Exception as exc:  # noqa: BLE001 (what failed is the finding)
                errors.append(type(exc).__name__)

    threads = [threading.Thread(target=derive) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and results == [expected] * 40


def test_a_passphrase_is_derived_in_its_composed_form_and_tried_as_typed_too():
    params = KdfParams.fresh(1024, 1)
    composed, decomposed = "Mädchen", "Ma\u0308dchen"
    assert params.derive(decomposed) == params.derive(composed)
    assert list(params.derive_each(decomposed)) == [params.derive(composed), params.derive(decomposed.encode())]
    assert list(params.derive_each(composed)) == [params.derive(composed), params.derive(decomposed.encode())]
    assert list(params.derive_each("ascii only")) == [params.derive("ascii only")]
