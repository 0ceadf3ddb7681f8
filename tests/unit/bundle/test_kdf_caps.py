"""A hostile bundle header cannot make an importer run a larger Argon2id than any export writes (issue 38)."""

from __future__ import annotations

import hashlib
import io
import json
import struct
import time

import pytest

from memvault.bundle import format as fmt
from memvault.crypto import kdf as kdf_module
from memvault.crypto.kdf import BOUNDS, KdfParams
from memvault.domain.errors import BundleTooDemanding, DamagedData

MANIFEST = fmt.Manifest((fmt.NamespaceCounts("ns", 1),), "model", 4, True, False, "test")
KDF = KdfParams(salt=b"s" * 16, memory_kib=1024, iterations=1, lanes=1)


def bundle() -> bytes:
    sink = io.BytesIO()
    with fmt.BundleWriter(sink, MANIFEST, 1.0, "vault", "device", passphrase="a passphrase", kdf=KDF) as w:
        w.add({"type": "memory", "text": "x"})
    return sink.getvalue()


BUNDLE = bundle()


def rewrite_kdf(data: bytes, **params: int) -> bytes:
    """The bundle with its passphrase slot asking for ``params``, the unkeyed header digest recomputed."""
    fixed = struct.Struct(">8sHI")
    magic, version, length = fixed.unpack(data[:fixed.size])
    doc = json.loads(data[fixed.size:fixed.size + length])
    doc["passphrase"].update(params)
    header = json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()
    head = fixed.pack(magic, version, len(header)) + header
    return head + hashlib.sha256(head).digest() + data[fixed.size + length + 32:]


@pytest.fixture
def no_derivation(monkeypatch):
    ran = []
    monkeypatch.setattr(kdf_module.KdfParams, "derive", lambda self, passphrase: ran.append(self) or b"\0" * 32)
    return ran


def test_the_largest_argon2id_a_vault_allows_is_refused_before_deriving(no_derivation):
    hostile = rewrite_kdf(BUNDLE, memory_kib=BOUNDS.memory_kib[1], iterations=4, lanes=16)
    started = time.process_time()
    with pytest.raises(BundleTooDemanding, match="this bundle asks for more memory than Memvault allows"):
        header = fmt.read_header(io.BytesIO(hostile))
        fmt.file_key_from_passphrase(header, "a passphrase")
    assert time.process_time() - started < 0.1 and no_derivation == []


@pytest.mark.parametrize("params", [{"iterations": 64}, {"lanes": 16},
                                    {"memory_kib": fmt.KDF_CAPS.memory_kib[1], "iterations": 8 + 1}])
def test_more_passes_or_lanes_than_an_export_writes_are_refused(no_derivation, params):
    with pytest.raises(BundleTooDemanding, match="more key-derivation work than Memvault allows"):
        fmt.read_header(io.BytesIO(rewrite_kdf(BUNDLE, **params)))
    assert no_derivation == []
    assert issubclass(BundleTooDemanding, DamagedData)  # refused like any damaged bundle, target untouched


def test_exports_clamp_the_vault_settings_to_what_imports_accept():
    biggest = fmt.bundle_kdf(BOUNDS.memory_kib[1], BOUNDS.iterations[1])
    assert fmt.check_kdf_caps(biggest) is biggest
    assert biggest.memory_kib == fmt.KDF_CAPS.memory_kib[1] and biggest.iterations == fmt.KDF_CAPS.iterations[1]
    default = fmt.bundle_kdf(65536, 3)
    assert (default.memory_kib, default.iterations, default.lanes) == (65536, 3, 4)
    # What the exporter writes at its cap still reads back.
    header = fmt.read_header(io.BytesIO(rewrite_kdf(BUNDLE, memory_kib=biggest.memory_kib,
                                                    iterations=biggest.iterations, lanes=biggest.lanes)))
    assert header.passphrase.kdf.memory_kib == biggest.memory_kib


@pytest.mark.parametrize("params", [{"memory_kib": 4 * 1024 * 1024, "iterations": 64},
                                    {"memory_kib": 2**40, "iterations": 1}, {"lanes": 1000}])
def test_a_header_beyond_even_a_vaults_bounds_is_too_demanding_not_damaged(no_derivation, params):
    with pytest.raises(BundleTooDemanding, match="more key-derivation work than Memvault allows"):
        fmt.read_header(io.BytesIO(rewrite_kdf(BUNDLE, **params)))
    assert no_derivation == []


def test_nonsense_parameters_stay_damaged():
    for params in ({"memory_kib": 0}, {"iterations": "8"}, {"lanes": True}):
        with pytest.raises(DamagedData) as raised:
            fmt.read_header(io.BytesIO(rewrite_kdf(BUNDLE, **params)))
        assert not isinstance(raised.value, BundleTooDemanding)
