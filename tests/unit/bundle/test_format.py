"""The bundle format: round trips of arbitrary bodies, and a clear refusal of every kind of damage.

Bundles here use tiny segments (so that a few hundred bytes span many
segments) and the cheapest Argon2id, to keep the property tests fast.
"""

from __future__ import annotations

import io
import struct

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from memvault.bundle import format as fmt
from memvault.crypto.kdf import KdfParams
from memvault.crypto.recipients import generate_key_pair
from memvault.domain.errors import (
    DamagedData,
    DecryptionFailed,
    InvalidInput,
    TamperedData,
    TruncatedData,
    UnsupportedVersion,
    WrongBundlePassphrase,
    WrongRecipient,
)
from tests.helpers.budget import examples

PASSPHRASE = "bundle passphrase"
KDF = KdfParams(salt=b"s" * 16, memory_kib=1024, iterations=1, lanes=1)
MANIFEST = fmt.Manifest((fmt.NamespaceCounts("ns", 1),), "model", 4, True, False, "test")
RECIPIENT = generate_key_pair()
#: Every way a damaged bundle may be refused: each is a clear, typed error.
REFUSED = (DamagedData, DecryptionFailed, UnsupportedVersion)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**53, 2**53) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=10)
lines = st.lists(st.fixed_dictionaries({"type": st.sampled_from(fmt.LINE_TYPES), "value": json_values,
                                        "text": st.text(max_size=80)}), max_size=12)


def write(body_lines: list[dict], *, segment_size: int = 64, passphrase: str | None = PASSPHRASE,
          recipients: tuple[bytes, ...] = ()) -> bytes:
    sink = io.BytesIO()
    with fmt.BundleWriter(sink, MANIFEST, 1.0, "vault", "device", passphrase=passphrase,
                          kdf=KDF if passphrase else None, recipient_keys=recipients,
                          segment_size=segment_size) as writer:
        for line in body_lines:
            writer.add(line)
    return sink.getvalue()


def read_all(data: bytes, *, passphrase: str | None = PASSPHRASE, private: bytes | None = None) -> list[dict]:
    """Everything a reader does before importing: header, key, manifest, verified body, every line."""
    fh = io.BytesIO(data)
    header = fmt.read_header(fh)
    key = (fmt.file_key_from_private_key(header, private) if private is not None
           else fmt.file_key_from_passphrase(header, passphrase))
    assert fmt.open_manifest(header, key) == MANIFEST
    start = fh.tell()
    trailer = fmt.verify_body(fh, header, key)
    fh.seek(start)
    out = list(fmt.body_lines(fh, header, key))
    assert trailer.lines == {k: sum(1 for line in out if line["type"] == k) for k in {x["type"] for x in out}}
    return out


@settings(max_examples=examples(60), deadline=None)
@given(body=lines, segment_size=st.integers(1, 300))
def test_any_body_round_trips_at_any_segment_size(body, segment_size):
    assert read_all(write(body, segment_size=segment_size)) == body


def test_recipients_and_passphrase_each_open_the_same_bundle():
    other = generate_key_pair()
    data = write([{"type": "memory", "x": 1}], recipients=(RECIPIENT.public, other.public))
    assert read_all(data, private=RECIPIENT.private) == read_all(data, private=other.private) == read_all(data)


def test_wrong_passphrase_is_named_as_such():
    with pytest.raises(WrongBundlePassphrase, match="wrong passphrase"):
        read_all(write([]), passphrase="not the passphrase")


def test_bundle_for_other_recipients_says_so():
    data = write([], passphrase=None, recipients=(RECIPIENT.public,))
    with pytest.raises(WrongRecipient, match="other recipient"):
        read_all(data, private=generate_key_pair().private)
    with pytest.raises(InvalidInput, match="recipient keys only"):
        read_all(data, passphrase=PASSPHRASE)


def test_a_bundle_needs_a_way_to_open_it():
    with pytest.raises(InvalidInput):
        write([], passphrase=None)


def _segments(data: bytes, segment_size: int) -> tuple[bytes, list[bytes]]:
    fh = io.BytesIO(data)
    fmt.read_header(fh)
    head_len = fh.tell() + 21  # prefix + stream preamble
    body = data[head_len:]
    size = segment_size + 16
    return data[:head_len], [body[i:i + size] for i in range(0, len(body), size)]


def test_reordered_duplicated_or_dropped_segments_are_tampering():
    data = write([{"type": "memory", "text": "x" * 300}], segment_size=32)
    head, segs = _segments(data, 32)
    assert len(segs) >= 6
    for changed in (segs[:1] + [segs[2], segs[1]] + segs[3:], segs[:2] + [segs[1]] + segs[2:],
                    segs[:1] + segs[2:], segs + [segs[-1]]):
        with pytest.raises(TamperedData):
            read_all(head + b"".join(changed))
    with pytest.raises(TruncatedData):
        read_all(head + b"".join(segs[:-1]))


def test_a_stream_under_another_header_does_not_open():
    """Swapping the body of one bundle under the header of another fails, even with the same passphrase."""
    one, two = write([{"type": "memory", "a": 1}]), write([{"type": "memory", "a": 2}])
    fh = io.BytesIO(one)
    fmt.read_header(fh)
    cut = fh.tell()
    fh2 = io.BytesIO(two)
    fmt.read_header(fh2)
    with pytest.raises(DecryptionFailed):
        read_all(one[:cut] + two[fh2.tell():])


@settings(max_examples=examples(200), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_truncation_at_any_byte_is_refused(data):
    whole = _SAMPLE
    cut = data.draw(st.integers(0, len(whole) - 1))
    with pytest.raises(REFUSED):
        read_all(whole[:cut])


@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_flipped_bit_anywhere_is_refused(data):
    whole = bytearray(_SAMPLE)
    index = data.draw(st.integers(0, len(whole) - 1))
    whole[index] ^= 1 << data.draw(st.integers(0, 7))
    with pytest.raises(REFUSED):
        read_all(bytes(whole))


def test_every_truncation_point_is_refused_exhaustively():
    for cut in range(len(_SAMPLE)):
        with pytest.raises(REFUSED):
            read_all(_SAMPLE[:cut])


def test_bytes_appended_after_the_last_segment_are_refused():
    with pytest.raises(TamperedData):
        read_all(_SAMPLE + b"\x00")


def test_not_a_bundle_and_impossible_headers():
    with pytest.raises(DamagedData, match="not a Memvault bundle"):
        read_all(b"PK\x03\x04 a zip file")
    with pytest.raises(TruncatedData):
        read_all(b"MVBUN")
    huge = fmt.MAGIC + struct.pack(">HI", 1, fmt.MAX_HEADER_BYTES + 1)
    with pytest.raises(DamagedData, match="claims"):
        read_all(huge + b"\x00" * 64)
    with pytest.raises(DamagedData, match="never existed"):
        read_all(fmt.MAGIC + struct.pack(">HI", 0, 2) + b"{}")


def test_newer_version_names_both_versions_even_when_damaged_after():
    data = fmt.MAGIC + struct.pack(">HI", 7, 5) + b"whatever follows"
    with pytest.raises(UnsupportedVersion, match="version 7.*version 1"):
        read_all(data)


def test_end_line_counts_and_digest_are_checked(monkeypatch):
    """A writer that loses a line (the AEAD still holds) is caught by the end line."""
    original = fmt.BundleWriter.add

    def lossy(self, line):
        if line.get("drop"):
            self.lines[line["type"]] = self.lines.get(line["type"], 0) + 1  # counted, never written
            return
        original(self, line)

    monkeypatch.setattr(fmt.BundleWriter, "add", lossy)
    data = write([{"type": "memory", "a": 1}, {"type": "memory", "drop": True}])
    monkeypatch.undo()
    with pytest.raises(DamagedData, match="end line|digest"):
        read_all(data)


_SAMPLE = write([{"type": "memory", "text": "héllo wörld " * 6}, {"type": "history", "v": [1, 2, None]}],
                segment_size=48)


def test_a_line_nested_deeper_than_json_can_be_read_is_damaged_data_not_a_crash(monkeypatch):
    from memvault.bundle import body

    real = body._line_bytes
    monkeypatch.setattr(body, "_line_bytes",
                        lambda obj: b"[" * 10_000 + b"]" * 10_000 + b"\n" if obj.get("deep") else real(obj))
    data = write([{"type": "memory", "deep": True}])
    monkeypatch.undo()
    with pytest.raises(DamagedData, match="line 1 of the bundle's body is nested deeper"):
        read_all(data)
