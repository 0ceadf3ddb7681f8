"""Reads that the storage cannot make large: a cap per file kind, or the size a snapshot's own header states,
trusted only once its first segment authenticates (so a planted or padded file costs a reader at most a head)."""

from __future__ import annotations

import io
import json
import os
import struct

import pytest

from memvault.crypto import signing
from memvault.domain.errors import DamagedData, SyncKeyError
from memvault.sync.segments import HEAD_BYTES, MAGIC, SegmentHeader, read_file, sized_by_header, write_file
from memvault.sync.targets.base import SizedByHead, read_limited

GROUP, DEVICE = "11111111-2222-4333-8444-555555555555", "66666666-7777-4888-9999-aaaaaaaaaaaa"
KEYS = {3: os.urandom(32)}
SIGN = signing.new_private_key()


def _file(lines: int, seq: int = 1) -> bytes:
    header = SegmentHeader(GROUP, DEVICE, "snapshot", seq, 3)
    body = [json.dumps({"u": f"memory {i}", "text": os.urandom(200).hex()}) for i in range(lines)]
    return write_file(header, KEYS[3], {"count": lines}, body, SIGN)


def _expected(seq: int = 1) -> SegmentHeader:
    return SegmentHeader(GROUP, DEVICE, "snapshot", seq, 0)


class _Recorder:
    """A file read through ``read(n)``, remembering every ``n`` asked."""

    def __init__(self, data: bytes) -> None:
        self.source, self.asked = io.BytesIO(data), []

    def read(self, n: int = -1) -> bytes:
        self.asked.append(n)
        return self.source.read(n)


def test_a_capped_read_takes_one_byte_more_than_the_cap_at_most():
    assert read_limited(_Recorder(b"x" * 50), "f", 50) == b"x" * 50
    planted = _Recorder(b"x" * 10_000)
    with pytest.raises(DamagedData, match="holds more than 49 bytes"):
        read_limited(planted, "f", 49)
    assert planted.source.tell() == 50


def test_a_snapshot_is_read_to_its_stated_size_and_no_further():
    data = _file(2000)  # several stream segments: the head holds the first only
    assert len(data) > 2 * HEAD_BYTES
    recorder = _Recorder(data + b"\0" * 10_000_000)
    with pytest.raises(DamagedData, match=f"holds more than the {len(data):,} bytes its header states"):
        read_limited(recorder, "snapshot", sized_by_header(_expected(), KEYS, signing.public_key(SIGN)))
    assert sum(recorder.asked) == len(data) + 1  # the head, then the rest and one byte: not the 10 MB planted
    exact = read_limited(_Recorder(data), "snapshot",
                         sized_by_header(_expected(), KEYS, signing.public_key(SIGN)))
    assert read_file(exact, _expected(), KEYS, signing.public_key(SIGN))[0] == {"count": 2000}


def _restated(data: bytes, size: int) -> bytes:
    """``data`` with the size in its header replaced (the header kept the same length), as the storage could."""
    (length,) = struct.unpack(">H", data[len(MAGIC):len(MAGIC) + 2])
    start = len(MAGIC) + 2
    doc = json.loads(data[start:start + length])
    old = json.dumps(doc, sort_keys=True)
    doc["size"] = size
    new = json.dumps(doc, sort_keys=True)
    assert len(new) == len(old)
    return data[:start] + new.encode() + data[start + length:]


def test_a_size_the_storage_wrote_into_the_header_is_refused_after_the_head():
    data = _file(2000)
    (length,) = struct.unpack(">H", data[len(MAGIC):len(MAGIC) + 2])
    stated = json.loads(data[len(MAGIC) + 2:len(MAGIC) + 2 + length])["size"]
    raised = _restated(data, int("9" * len(str(stated))))  # same digits: the header keeps its length
    recorder = _Recorder(raised + b"\0" * 10_000_000)
    with pytest.raises(DamagedData, match="do not authenticate under the sync key"):
        read_limited(recorder, "snapshot", sized_by_header(_expected(), KEYS, signing.public_key(SIGN)))
    assert recorder.asked == [HEAD_BYTES]


def test_a_head_that_names_another_file_no_member_or_an_unknown_key_is_refused_before_decrypting():
    data = _file(10)
    first = data[:HEAD_BYTES]
    public = signing.public_key(SIGN)
    with pytest.raises(DamagedData, match="another file"):
        sized_by_header(_expected(seq=2), KEYS, public).size(first)
    with pytest.raises(DamagedData, match="not a member"):
        sized_by_header(_expected(), KEYS, None).size(first)
    with pytest.raises(SyncKeyError, match="generation 3"):
        sized_by_header(_expected(), {4: os.urandom(32)}, public).size(first)
    with pytest.raises(DamagedData, match="not a Memvault sync file"):
        sized_by_header(_expected(), KEYS, public).size(os.urandom(HEAD_BYTES))


def test_a_file_shorter_than_a_head_is_returned_whole_for_the_reader_to_judge():
    data = _file(3)
    assert len(data) < HEAD_BYTES
    asked = []

    def never(first: bytes) -> int:
        asked.append(first)
        return 0

    assert read_limited(_Recorder(data), "snapshot", SizedByHead(HEAD_BYTES, never)) == data
    assert asked == []
