"""The segmented streaming AEAD: round trips, and every way to damage a stream is an error.

The property that matters: a reader either returns exactly the plaintext that
was written, or raises a domain error after yielding only a prefix of it.
"""

from __future__ import annotations

import io
import os
import tracemalloc

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from memvault.crypto import stream
from memvault.crypto.stream import (
    PREAMBLE_BYTES,
    TAG_BYTES,
    StreamReader,
    StreamWriter,
    encrypted_size,
    verify_stream,
)
from memvault.domain.errors import DamagedData, DecryptionFailed, TamperedData, TruncatedData
from tests.helpers.budget import examples

KEY = bytes(range(32))
HEADER = b"bundle header v1"


def encrypt(plaintext: bytes, segment_size: int, *, key: bytes = KEY, header: bytes = HEADER,
            rng=os.urandom) -> bytes:
    sink = io.BytesIO()
    with StreamWriter(sink, key, header=header, segment_size=segment_size, rng=rng) as writer:
        writer.write(plaintext)
    return sink.getvalue()


def decrypt(data: bytes, *, key: bytes = KEY, header: bytes = HEADER) -> bytes:
    return b"".join(StreamReader(io.BytesIO(data), key, header=header))


def outcome(data: bytes, original: bytes, *, key: bytes = KEY, header: bytes = HEADER) -> Exception | None:
    """The error reading ``data`` raises (None if it reads), checking that only a prefix was yielded."""
    seen = bytearray()
    try:
        for part in StreamReader(io.BytesIO(data), key, header=header):
            seen += part
    except (DecryptionFailed, DamagedData) as exc:
        assert original.startswith(bytes(seen)), "a reader yielded plaintext that was never written"
        return exc
    assert bytes(seen) == original, "a damaged stream decrypted to something else"
    return None


def segments_of(data: bytes, segment_size: int) -> list[bytes]:
    body, full = data[PREAMBLE_BYTES:], segment_size + TAG_BYTES
    return [body[i:i + full] for i in range(0, len(body), full)]


def payload(n: int) -> bytes:
    return bytes((i * 31 + 7) % 256 for i in range(n))


class Trickle(io.RawIOBase):
    """A source whose reads return at most a few bytes, like a pipe or socket."""

    def __init__(self, data: bytes, step: int) -> None:
        self._data, self._pos, self._step = data, 0, step

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        take = self._step if n < 0 else min(n, self._step)
        part = self._data[self._pos:self._pos + take]
        self._pos += len(part)
        return part


@settings(max_examples=examples(150), deadline=None)
@given(plaintext=st.binary(max_size=3000), segment_size=st.integers(1, 300), data=st.data())
def test_round_trip_with_any_write_pattern(plaintext, segment_size, data):
    cuts = sorted(data.draw(st.lists(st.integers(0, len(plaintext)), max_size=8)))
    sink = io.BytesIO()
    writer = StreamWriter(sink, KEY, header=HEADER, segment_size=segment_size, rng=lambda n: b"\x07" * n)
    for start, end in zip([0, *cuts], [*cuts, len(plaintext)]):
        writer.write(plaintext[start:end])
    writer.close()
    encrypted = sink.getvalue()
    # The write pattern does not show in the output, and the size is predictable.
    assert encrypted == encrypt(plaintext, segment_size, rng=lambda n: b"\x07" * n)
    assert len(encrypted) == encrypted_size(len(plaintext), segment_size) == writer.bytes_written
    parts = list(StreamReader(Trickle(encrypted, data.draw(st.integers(1, 50))), KEY, header=HEADER))
    assert b"".join(parts) == plaintext
    assert all(len(p) == segment_size for p in parts[:-1]) and len(parts[-1]) <= segment_size
    assert verify_stream(io.BytesIO(encrypted), KEY, header=HEADER) == len(plaintext)


@settings(max_examples=40, deadline=None)
@given(plaintext=st.binary(max_size=200), segment_size=st.integers(1, 40))
def test_truncation_at_every_offset_is_refused(plaintext, segment_size):
    encrypted = encrypt(plaintext, segment_size)
    for cut in range(len(encrypted)):
        assert outcome(encrypted[:cut], plaintext) is not None, f"truncation at {cut} went unnoticed"


@pytest.mark.parametrize("segment_size", [1, 8, 16])
def test_truncation_at_a_segment_boundary_says_truncated(segment_size):
    plaintext = payload(4 * segment_size + 3)
    encrypted = encrypt(plaintext, segment_size)
    boundaries = [PREAMBLE_BYTES + k * (segment_size + TAG_BYTES) for k in range(1, 5)]
    for cut in boundaries:
        exc = outcome(encrypted[:cut], plaintext)
        assert isinstance(exc, TruncatedData), (cut, exc)
        assert "without its final segment" in str(exc)
    assert isinstance(outcome(encrypted[:PREAMBLE_BYTES], plaintext), TruncatedData)
    assert isinstance(outcome(encrypted[:PREAMBLE_BYTES - 1], plaintext), TruncatedData)


@settings(max_examples=25, deadline=None)
@given(plaintext=st.binary(min_size=1, max_size=120), segment_size=st.integers(1, 32))
def test_every_flipped_bit_is_refused(plaintext, segment_size):
    encrypted = encrypt(plaintext, segment_size)
    for bit in range(len(encrypted) * 8):
        damaged = bytearray(encrypted)
        damaged[bit // 8] ^= 1 << (bit % 8)
        assert outcome(bytes(damaged), plaintext) is not None, f"flipped bit {bit} went unnoticed"


@settings(max_examples=60, deadline=None)
@given(n_segments=st.integers(2, 6), segment_size=st.integers(1, 16), data=st.data())
def test_reordered_dropped_or_duplicated_segments_are_refused(n_segments, segment_size, data):
    plaintext = payload(n_segments * segment_size - data.draw(st.integers(0, segment_size - 1)))
    encrypted = encrypt(plaintext, segment_size)
    segments = segments_of(encrypted, segment_size)
    assert len(segments) == n_segments
    order = data.draw(st.lists(st.integers(0, n_segments - 1), min_size=1, max_size=n_segments + 2))
    if order == list(range(n_segments)):
        return
    tampered = encrypted[:PREAMBLE_BYTES] + b"".join(segments[i] for i in order)
    assert outcome(tampered, plaintext) is not None


def test_reordering_after_the_first_segment_names_the_segment():
    plaintext = payload(40)
    encrypted = encrypt(plaintext, 8)
    s = segments_of(encrypted, 8)
    swapped = encrypted[:PREAMBLE_BYTES] + s[0] + s[2] + s[1] + b"".join(s[3:])
    exc = outcome(swapped, plaintext)
    assert isinstance(exc, TamperedData) and "segment 1" in str(exc)


def test_splicing_between_streams_under_the_same_key_and_header_is_refused():
    a_plain, b_plain = payload(48), bytes(48)
    a, b = encrypt(a_plain, 16), encrypt(b_plain, 16)
    sa, sb = segments_of(a, 16), segments_of(b, 16)
    for i in range(3):
        mixed = a[:PREAMBLE_BYTES] + b"".join(sb[j] if j == i else sa[j] for j in range(3))
        assert outcome(mixed, a_plain) is not None
    # B's segments under A's preamble (salt) do not authenticate either.
    assert type(outcome(a[:PREAMBLE_BYTES] + b"".join(sb), a_plain)) is DecryptionFailed


@pytest.mark.parametrize("plain_len", [16, 20])  # a full final segment, and a short one
def test_data_after_the_final_segment_is_refused(plain_len):
    plaintext = payload(plain_len)
    encrypted = encrypt(plaintext, 16)
    for extra in (b"\x00", os.urandom(5), os.urandom(32), encrypted[PREAMBLE_BYTES:]):
        exc = outcome(encrypted + extra, plaintext)
        assert isinstance(exc, DecryptionFailed)
    exc = outcome(encrypt(payload(16), 16) + os.urandom(32), payload(16))
    assert isinstance(exc, TamperedData) and "follows the final segment" in str(exc)


def test_wrong_key_or_header_is_decryption_failed():
    plaintext = payload(50)
    encrypted = encrypt(plaintext, 16)
    for exc in (outcome(encrypted, plaintext, key=os.urandom(32)),
                outcome(encrypted, plaintext, header=HEADER + b"x"),
                outcome(encrypted, plaintext, header=b"")):
        assert type(exc) is DecryptionFailed and "wrong key or header" in str(exc)


def test_an_empty_stream_round_trips_and_its_loss_is_noticed():
    encrypted = encrypt(b"", 16)
    assert len(encrypted) == PREAMBLE_BYTES + TAG_BYTES == encrypted_size(0, 16)
    assert decrypt(encrypted) == b""
    assert isinstance(outcome(encrypted[:PREAMBLE_BYTES], b""), TruncatedData)


def test_impossible_preambles_are_damaged_data():
    encrypted = bytearray(encrypt(payload(10), 16))
    newer = bytes([2]) + encrypted[1:]
    with pytest.raises(DamagedData, match="version 2"):
        StreamReader(io.BytesIO(newer), KEY, header=HEADER)
    huge = encrypted[:1] + (stream.MAX_SEGMENT_SIZE + 1).to_bytes(4, "big") + encrypted[5:]
    with pytest.raises(DamagedData, match="segment size"):
        StreamReader(io.BytesIO(huge), KEY, header=HEADER)
    # A plausible but different segment size is bound into every segment's AD.
    other = encrypted[:1] + (17).to_bytes(4, "big") + encrypted[5:]
    assert type(outcome(bytes(other), payload(10))) is DecryptionFailed


def test_writer_abandoned_by_an_exception_leaves_a_stream_no_reader_accepts():
    sink = io.BytesIO()
    with pytest.raises(RuntimeError), StreamWriter(sink, KEY, header=HEADER, segment_size=8) as writer:
        writer.write(payload(30))
        raise RuntimeError("export failed half-way")
    assert isinstance(outcome(sink.getvalue(), payload(30)), TruncatedData)
    with pytest.raises(ValueError):
        writer.write(b"more")


def test_writer_and_reader_refuse_bad_arguments():
    with pytest.raises(ValueError):
        StreamWriter(io.BytesIO(), KEY, segment_size=0)
    with pytest.raises(ValueError):
        StreamWriter(io.BytesIO(), bytes(16))
    reader = StreamReader(io.BytesIO(encrypt(b"x", 8)), KEY, header=HEADER)
    assert list(reader) == [b"x"]
    with pytest.raises(ValueError):
        list(reader)


def test_plaintext_file_reads_lines_across_segments():
    lines = b"".join(f'{{"id": {i}, "text": "memory {i}"}}\n'.encode() for i in range(200))
    encrypted = encrypt(lines, 64)
    reader = StreamReader(io.BytesIO(encrypted), KEY, header=HEADER)
    with io.BufferedReader(stream.PlaintextFile(reader), buffer_size=50) as fh:
        assert fh.readlines() == lines.splitlines(keepends=True)


def test_constant_memory_for_large_streams(tmp_path):
    segment = 256 * 1024
    total = 24 * 1024 * 1024
    block = os.urandom(100_000)
    path = tmp_path / "big.stream"
    tracemalloc.start()
    try:
        with path.open("wb") as sink, StreamWriter(sink, KEY, header=HEADER, segment_size=segment) as writer:
            written = 0
            while written < total:
                written += writer.write(block)
        _, write_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        with path.open("rb") as source:
            assert verify_stream(source, KEY, header=HEADER) == written
        _, read_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert path.stat().st_size == encrypted_size(written, segment)
    # A few segments' worth at most, for 24 MiB of data.
    assert write_peak < 6 * segment and read_peak < 6 * segment, (write_peak, read_peak)


@pytest.mark.parametrize("plaintext_bytes", [0, 1, 63, 64, 65, 200])
def test_the_first_segment_authenticates_from_a_prefix_whatever_the_stream_length(plaintext_bytes):
    """What a reader checks before it trusts a size stated beside a stream: the first segment, as the last one
    when the stream holds one segment (exactly one full segment included)."""
    data = encrypt(os.urandom(plaintext_bytes), 64)
    prefix = data[:PREAMBLE_BYTES + 64 + TAG_BYTES]
    stream.verify_first_segment(prefix, KEY, header=HEADER, total=len(data))
    with pytest.raises(DecryptionFailed):
        stream.verify_first_segment(prefix, KEY, header=HEADER + b"!", total=len(data))
    with pytest.raises(DecryptionFailed):
        stream.verify_first_segment(prefix, bytes(32), header=HEADER, total=len(data))


def test_a_stated_size_that_is_not_the_streams_fails_the_first_segment():
    """A stream of one segment stated longer (or one of several stated as one segment) fails: the last-segment
    flag is bound into the nonce, so the stated size is checked along with the key and header."""
    one = encrypt(b"x" * 40, 64)
    with pytest.raises(DecryptionFailed):
        stream.verify_first_segment(one, KEY, header=HEADER, total=len(one) + 10_000)
    several = encrypt(b"x" * 300, 64)
    with pytest.raises(DecryptionFailed):
        stream.verify_first_segment(several, KEY, header=HEADER, total=PREAMBLE_BYTES + 64 + TAG_BYTES)


def test_a_prefix_too_short_for_the_first_segment_is_truncated():
    data = encrypt(b"x" * 300, 64)
    with pytest.raises(TruncatedData):
        stream.verify_first_segment(data[:PREAMBLE_BYTES + 30], KEY, header=HEADER, total=len(data))
    with pytest.raises(TruncatedData):
        stream.verify_first_segment(data[:PREAMBLE_BYTES - 1], KEY, header=HEADER, total=len(data))
