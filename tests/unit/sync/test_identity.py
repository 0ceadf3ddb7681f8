"""The signed key file on its own: who may change it, and what a device adopts from it."""

from __future__ import annotations

import base64
import json
import os

import pytest

from memvault.crypto import recipients
from memvault.domain.errors import DamagedData, SyncKeyError
from memvault.sync import identity
from memvault.sync.identity import DeviceIdentity

PASSPHRASE = "a long sync passphrase"


def _group():
    a, b = DeviceIdentity.new(), DeviceIdentity.new()
    ring_a, data = identity.create("group", PASSPHRASE, 1024, 1, "A", a)
    ring_b, data = identity.join(data, PASSPHRASE, "B", b)
    return a, b, identity.accept(data, ring_a, "A", a), ring_b, data


def _doc(data):
    return json.loads(json.loads(data)["doc"])


def test_a_grant_cannot_vouch_for_its_own_signer():
    _, b, _, ring_b, data = _group()
    evil, chosen = DeviceIdentity.new(), os.urandom(32)
    doc = _doc(data)
    doc["grants"]["9"] = {"B": base64.b64encode(recipients.wrap_for_recipient(
        chosen, b.member.wrap, protocol=recipients.SYNC)).decode()}
    doc["devices"]["E"] = identity._entry("group", "E", evil.member, 9, chosen)
    doc["serial"] += 1
    with pytest.raises(DamagedData, match="no member vouched"):
        identity.accept(identity._signed(doc, "E", evil), ring_b, "B", b)


def test_a_member_grants_a_new_generation_and_removes_a_device():
    a, b, ring_a, ring_b, _ = _group()
    rotated, data = identity.rotated(ring_a, "A", a, passphrase=("a newer sync passphrase", 1024, 1))
    ring_b = identity.accept(data, ring_b, "B", b)
    assert ring_b.keys == rotated.keys and ring_b.floor == 2
    with pytest.raises(SyncKeyError):
        identity.check_passphrase(data, PASSPHRASE)
    removed, data = identity.rotated(rotated, "A", a, removed="B")
    with pytest.raises(SyncKeyError, match="was removed"):
        identity.accept(data, ring_b, "B", b)
    assert 3 in removed.keys and "B" not in removed.members


def test_an_older_serial_is_a_rollback():
    a, b, ring_a, ring_b, old = _group()
    _, newer = identity.enlisted(ring_a, "A", a)
    ring_b = identity.accept(newer, ring_b, "B", b)
    with pytest.raises(DamagedData, match="rolled back"):
        identity.accept(old, ring_b, "B", b)


def test_the_kdf_parameters_are_bound_to_the_wrapped_keys():
    _, _, _, _, data = _group()
    outer = json.loads(data)
    doc = _doc(data)
    doc["kdf"]["iterations"] += 1
    altered = json.dumps(dict(outer, doc=json.dumps(doc))).encode()
    with pytest.raises(SyncKeyError):
        identity.join(altered, PASSPHRASE, "C", DeviceIdentity.new())
