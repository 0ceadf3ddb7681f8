"""Device records are opened once per change (memvault/sync/device_records.py): an unchanged record is not
verified and decrypted again, and nothing about the cache lets a changed, forged or no-longer-trusted one through."""

from __future__ import annotations

import dataclasses

import pytest

from memvault.domain.errors import DamagedData
from memvault.sync import device_records, identity, segments
from memvault.sync.identity import DeviceIdentity

PASSPHRASE = "a long sync passphrase"


@pytest.fixture
def group(monkeypatch):
    a, b = DeviceIdentity.new(), DeviceIdentity.new()
    ring_a, data = identity.create("group-records", PASSPHRASE, 1024, 1, "A", a)
    ring_b, data = identity.join(data, PASSPHRASE, "B", b)
    ring_a = identity.accept(data, ring_a, "A", a)
    opened = []
    real = segments.open_record

    def counting(ring, device, data):
        opened.append(device)
        return real(ring, device, data)

    monkeypatch.setattr(device_records, "open_record", counting)
    monkeypatch.setattr(device_records, "_RECORDS", {})
    return a, b, ring_a, ring_b, opened


def test_an_unchanged_record_is_opened_once_and_a_changed_one_again(group):
    _, b, ring_a, ring_b, opened = group
    first = segments.seal_record(ring_b, "B", {"seen_at": 1.0}, b.sign_private)
    assert device_records.opened(ring_a, "B", first) == {"seen_at": 1.0}
    got = device_records.opened(ring_a, "B", first)
    got["seen_at"] = 99.0  # a caller's change does not reach the remembered record
    assert device_records.opened(ring_a, "B", first) == {"seen_at": 1.0} and opened == ["B"]
    second = segments.seal_record(ring_b, "B", {"seen_at": 2.0}, b.sign_private)
    assert device_records.opened(ring_a, "B", second) == {"seen_at": 2.0} and opened == ["B", "B"]


def test_a_forged_record_after_a_good_one_is_refused_and_so_is_the_good_one_for_a_ring_without_its_key(group):
    a, b, ring_a, ring_b, _ = group
    good = segments.seal_record(ring_b, "B", {"seen_at": 1.0}, b.sign_private)
    device_records.opened(ring_a, "B", good)
    forged = segments.seal_record(ring_b, "B", {"seen_at": 5.0}, a.sign_private)  # signed by another member
    with pytest.raises(DamagedData):
        device_records.opened(ring_a, "B", forged)
    without_b = dataclasses.replace(ring_a, members={k: v for k, v in ring_a.members.items() if k != "B"})
    with pytest.raises(DamagedData):
        device_records.opened(without_b, "B", good)
