"""Damaged bundles against a real vault: a clear error, nothing written, the vault exactly as before.

The bundle is a real export with 64-byte segments (so a few memories span
dozens of segments) encrypted to the target vault's recipient key (no Argon2id
per attempt), which keeps hundreds of attempts fast. The write functions are
replaced by ones that fail the test: verification must refuse the bundle before
any of them is reached.
"""

from __future__ import annotations

import contextlib
import hashlib
import struct

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from memvault.bundle import records
from memvault.domain.errors import (
    DamagedData,
    DecryptionFailed,
    TamperedData,
    TruncatedData,
    UnsupportedVersion,
    WrongBundlePassphrase,
    WrongRecipient,
)
from memvault.domain.models import MemoryCreate
from memvault.service.bundle_import import ImportOptions
from memvault.service.bundles import ExportRequest
from memvault.service.container import create_vault
from memvault.vault.memory_imports import import_memories
from tests.helpers import PASSPHRASE, fast_settings
from tests.helpers.budget import examples
from tests.helpers.fake_embedder import FakeEmbedder
from tests.helpers.vault_state import vault_state

SEGMENT = 64
REFUSED = (DamagedData, DecryptionFailed, UnsupportedVersion)


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    root = tmp_path_factory.mktemp("corruption")
    embedder = FakeEmbedder()
    source = create_vault(fast_settings(root / "a"), PASSPHRASE, embedder, background=False)
    target = create_vault(fast_settings(root / "b"), "another passphrase", embedder, background=False)
    for i in range(4):
        source.memories.create(MemoryCreate(content=f"memory {i}: ünïcode and a longer text " * 3, namespace="ns",
                                            tags=["t"], metadata={"i": i}))
    target.memories.create(MemoryCreate(content="the target's own memory", namespace="ns"))
    source.worker.drain()
    target.worker.drain()
    source.bundles.segment_size = SEGMENT
    good = root / "good.mvbundle"
    source.bundles.export_to_file(good, ExportRequest(("ns",), recipients=(target.bundles.recipient_key(),)))
    yield source, target, good.read_bytes(), root
    source.close()
    target.close()


@contextlib.contextmanager
def nothing_may_be_written():
    def refuse(*_a, **_k):
        raise AssertionError("an import wrote before the bundle was verified")

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("memvault.vault.memory_imports.import_memories", refuse)
        mp.setattr("memvault.vault.memory_imports.import_memory", refuse)
        yield


def _refused(target, root, data: bytes, **kwargs) -> Exception:
    path = root / "damaged.mvbundle"
    path.write_bytes(data)
    before = vault_state(target)
    with nothing_may_be_written(), pytest.raises(REFUSED) as err:
        target.bundles.import_bundle(path, **kwargs)
    assert err.value.message and "Traceback" not in err.value.message
    assert vault_state(target) == before
    return err.value


def _body_start(data: bytes) -> int:
    length = struct.unpack(">I", data[10:14])[0]
    return 14 + length + 32 + 21  # prefix, header digest, stream preamble


def test_the_undamaged_bundle_imports(setup, tmp_path):
    _source, target, good, _root = setup
    fresh = create_vault(fast_settings(tmp_path / "fresh"), PASSPHRASE, FakeEmbedder(), background=False)
    try:
        path = tmp_path / "good.mvbundle"
        path.write_bytes(good)
        # Encrypted for the target only: the fresh vault may not open it...
        with pytest.raises(WrongRecipient):
            fresh.bundles.import_bundle(path)
        # ...and a dry run by the target reads it whole.
        assert target.bundles.import_bundle(path, ImportOptions(dry_run=True)).new == 4
    finally:
        fresh.close()
    assert len(good) > 20 * SEGMENT


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                    HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_truncation_at_any_byte(setup, data):
    _source, target, good, root = setup
    cut = data.draw(st.integers(0, len(good) - 1), label="cut")
    _refused(target, root, good[:cut])


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                    HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_flipped_bit_anywhere(setup, data):
    _source, target, good, root = setup
    damaged = bytearray(good)
    index = data.draw(st.integers(0, len(good) - 1), label="byte")
    damaged[index] ^= 1 << data.draw(st.integers(0, 7), label="bit")
    _refused(target, root, bytes(damaged))


@pytest.mark.seconds
def test_truncation_at_every_segment_boundary_and_in_the_last_segments(setup):
    _source, target, good, root = setup
    start = _body_start(good)
    cuts = list(range(start, len(good), SEGMENT + 16)) + list(range(len(good) - 3 * (SEGMENT + 16), len(good)))
    for cut in cuts:
        assert isinstance(_refused(target, root, good[:cut]), REFUSED)


@pytest.mark.parametrize("how", ["swap", "duplicate", "drop", "append", "reverse"])
def test_reordered_duplicated_dropped_or_appended_segments(setup, how):
    _source, target, good, root = setup
    start = _body_start(good)
    size = SEGMENT + 16
    segs = [good[i:i + size] for i in range(start, len(good), size)]
    changed = {
        "swap": segs[:3] + [segs[4], segs[3]] + segs[5:],
        "duplicate": segs[:3] + [segs[3]] + segs[3:],
        "drop": segs[:3] + segs[4:],
        "append": segs + [segs[-1]],
        "reverse": segs[::-1],
    }[how]
    err = _refused(target, root, good[:start] + b"".join(changed))
    assert isinstance(err, (TamperedData, DecryptionFailed))


def test_wrong_passphrase_and_other_recipients(setup, tmp_path):
    source, target, _good, root = setup
    with_passphrase = tmp_path / "p.mvbundle"
    source.bundles.export_to_file(with_passphrase, ExportRequest(("ns",), passphrase="the right passphrase"))
    assert isinstance(_refused(target, root, with_passphrase.read_bytes(), passphrase="the wrong passphrase"),
                      WrongBundlePassphrase)
    for_source = tmp_path / "s.mvbundle"
    source.bundles.export_to_file(for_source, ExportRequest(("ns",), recipients=(source.bundles.recipient_key(),)))
    err = _refused(target, root, for_source.read_bytes())
    assert isinstance(err, WrongRecipient) and "other recipient" in err.message


def test_a_newer_format_is_refused_with_both_versions(setup):
    _source, target, good, root = setup
    length = struct.unpack(">I", good[10:14])[0]
    head = good[:8] + struct.pack(">H", 9) + good[10:14 + length]
    newer = head + hashlib.sha256(head).digest() + good[14 + length + 32:]
    err = _refused(target, root, newer)
    assert isinstance(err, UnsupportedVersion) and "version 9" in err.message and "version 1" in err.message


def test_damage_only_a_full_read_can_see_is_rolled_back(setup, monkeypatch):
    """A bundle whose every segment authenticates but whose memory is invalid (a writer's bug, or a sender with
    the key) fails inside the import transaction: the memories before it are rolled back too."""
    source, target, _good, root = setup
    original = records.encode
    calls = {"n": 0}

    def encode_with_a_bad_last(record):
        calls["n"] += 1
        for line in original(record):
            if calls["n"] == 4 and line["type"] == "memory":
                line = dict(line, importance=7.5)
            yield line

    monkeypatch.setattr(records, "encode", encode_with_a_bad_last)
    path = root / "bad-record.mvbundle"
    source.bundles.export_to_file(path, ExportRequest(("ns",), recipients=(target.bundles.recipient_key(),)))
    monkeypatch.undo()
    monkeypatch.setattr("memvault.service.bundle_import.BATCH", 2)  # memories 1 to 3 are written before 4 is read
    written = []
    real = import_memories
    monkeypatch.setattr("memvault.vault.memory_imports.import_memories", lambda *a, **k: written.append(1) or real(*a, **k))
    before = vault_state(target)
    with pytest.raises(DamagedData, match="memory 4 .* importance"):
        target.bundles.import_bundle(path, ImportOptions(into="elsewhere"))
    assert written and vault_state(target) == before


def test_truncated_and_tampered_are_told_apart(setup):
    _source, target, good, root = setup
    assert isinstance(_refused(target, root, good[:-1]), (TruncatedData, TamperedData))
    assert isinstance(_refused(target, root, good[: _body_start(good) + SEGMENT + 16]), TruncatedData)
