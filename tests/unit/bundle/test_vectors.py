"""The bundle format against fixed bytes: reading the stored vectors, and writing them again byte for byte."""

from __future__ import annotations

import hashlib
import io
import json

import pytest

from memvault.bundle import format as fmt
from memvault.bundle import records
from memvault.crypto import stream
from memvault.domain.errors import UnsupportedVersion
from tests.helpers import DATA
from tests.unit.bundle import vector_source as vs

FOLDER = DATA / "bundle"
EXPECTED = json.loads((FOLDER / "expected.json").read_text("utf-8"))


def _open(kind: str) -> tuple[io.BytesIO, fmt.BundleHeader, bytes]:
    fh = io.BytesIO((FOLDER / f"{kind}.mvbundle").read_bytes())
    header = fmt.read_header(fh)
    key = (fmt.file_key_from_passphrase(header, EXPECTED["passphrase"]) if kind == "passphrase"
           else fmt.file_key_from_private_key(header, bytes.fromhex(EXPECTED["recipient_private_key"])))
    return fh, header, key


@pytest.mark.parametrize("kind", ["passphrase", "recipient"])
def test_stored_vector_opens_to_the_expected_manifest_and_body(kind):
    fh, header, key = _open(kind)
    assert key.hex() == EXPECTED["file_keys"][kind]
    assert header.version == 1 and header.created_at == vs.CREATED_AT
    assert (header.source_vault, header.source_device) == (vs.SOURCE_VAULT, vs.SOURCE_DEVICE)
    assert (header.passphrase is not None) == (kind == "passphrase")
    assert fmt.open_manifest(header, key).to_json() == EXPECTED["manifest"]
    body_start = fh.tell()
    plain = b"".join(stream.StreamReader(fh, key, header=header.prefix))
    assert plain == (FOLDER / "body.jsonl").read_bytes()
    fh.seek(body_start)
    assert list(records.decode(fmt.body_lines(fh, header, key))) == vs.memory_records()


@pytest.mark.parametrize("kind", ["passphrase", "recipient"])
def test_writer_reproduces_the_stored_bytes(kind):
    assert vs.write_vector(kind) == (FOLDER / f"{kind}.mvbundle").read_bytes()


def test_the_body_spans_several_segments_and_ends_with_its_end_line():
    lines = (FOLDER / "body.jsonl").read_bytes().splitlines(keepends=True)
    assert len(b"".join(lines)) > 3 * EXPECTED["segment_size"]
    end = json.loads(lines[-1])
    assert end["type"] == "end" and end["lines"] == {"memory": 2, "history": 2}
    assert end["sha256"] == hashlib.sha256(b"".join(lines[:-1])).hexdigest()


def test_a_newer_format_version_is_refused_naming_both_versions():
    with pytest.raises(UnsupportedVersion) as err:
        fmt.read_header(io.BytesIO((FOLDER / "future-version.mvbundle").read_bytes()))
    assert "version 2" in err.value.message and "version 1" in err.value.message
