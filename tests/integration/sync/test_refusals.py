"""Segments on the target that are damaged, cut short, renamed or from another sync group are refused with
a clear message and never applied; the device's cursor stays where it was, and a repaired file applies."""

from __future__ import annotations

import shutil

import pytest

from memvault.domain.models import MemoryCreate, MemoryFilter
from memvault.sync.targets.factory import TargetConfig
from tests.integration.sync.conftest import SYNC_PASSPHRASE

ALL = MemoryFilter(namespace=None, include_deleted=True, include_archived=True, include_expired=True)


@pytest.fixture
def pair(make_vault, tmp_path):
    config = TargetConfig("folder", str(tmp_path / "target"))
    a, b = make_vault("a"), make_vault("b")
    a.sync.setup(config, SYNC_PASSPHRASE)
    b.sync.setup(config, SYNC_PASSPHRASE)
    a.memories.create(MemoryCreate(namespace="n", content="sent by a"))
    a.sync.sync_now()
    segment = max((tmp_path / "target").glob(f"*/ops/{a.vault.device_id}/*"))
    return a, b, segment


def _contents(services):
    return [m.content for m in services.memories.list(ALL).items]


def _refused(b, segment, original, expect_problem=True):
    result = b.sync.sync_now()
    assert _contents(b) == []
    if expect_problem:
        assert len(result.problems) == 1 and segment.name in result.problems[0]
        assert b.sync.status().problems == result.problems
    segment.write_bytes(original)
    result = b.sync.sync_now()
    assert result.problems == () and _contents(b) == ["sent by a"]


def test_a_damaged_segment_is_refused(pair):
    _a, b, segment = pair
    original = segment.read_bytes()
    damaged = bytearray(original)
    damaged[len(damaged) // 2] ^= 0x40
    segment.write_bytes(bytes(damaged))
    _refused(b, segment, original)


def test_a_truncated_segment_waits(pair):
    _a, b, segment = pair
    original = segment.read_bytes()
    segment.write_bytes(original[:-7])
    result = b.sync.sync_now()
    assert _contents(b) == [] and result.problems == () and "incomplete" in result.waiting[0]
    _refused(b, segment, original, expect_problem=False)


def test_a_renamed_segment_is_refused(pair):
    a, b, first = pair
    b.sync.sync_now()
    a.memories.create(MemoryCreate(namespace="n", content="second from a"))
    a.sync.sync_now()
    second = first.with_name(f"{int(first.name) + 1:010d}")
    original = second.read_bytes()
    second.write_bytes(first.read_bytes())  # the first segment under the second one's name
    result = b.sync.sync_now()
    assert len(result.problems) == 1 and "moved, renamed or foreign" in result.problems[0]
    assert sorted(_contents(b)) == ["sent by a"]
    second.write_bytes(original)
    assert b.sync.sync_now().problems == ()
    assert sorted(_contents(b)) == ["second from a", "sent by a"]


def test_a_foreign_segment_is_refused(pair, make_vault, tmp_path):
    _a, b, segment = pair
    other = make_vault("other")
    other.memories.create(MemoryCreate(namespace="n", content="another group"))
    other.sync.setup(TargetConfig("folder", str(tmp_path / "elsewhere")), "another sync passphrase")
    foreign = next((tmp_path / "elsewhere").glob("*/ops/*/0000000001"))
    original = segment.read_bytes()
    shutil.copyfile(foreign, segment)
    _refused(b, segment, original)
