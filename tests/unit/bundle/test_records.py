"""Memories as body lines: every field survives encoding, and malformed lines are refused by name."""

from __future__ import annotations

import base64
import json
import math
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from memvault.bundle import records
from memvault.domain.entities import TypeSource
from memvault.domain.enums import MemoryType, Tier, Visibility
from memvault.domain.errors import DamagedData
from memvault.domain.models import HistoryEntry
from memvault.domain.transfer import MemoryRecord, VectorSet
from tests.helpers.budget import examples

times = st.floats(0, 4e9, allow_nan=False)
optional_text = st.none() | st.text(min_size=1, max_size=30)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**53, 2**53) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8)
metadata = st.dictionaries(st.text(max_size=10), json_values, max_size=5)
tags = st.lists(st.text(min_size=1, max_size=12), max_size=5, unique=True).map(tuple)


@st.composite
def vector_sets(draw):
    dimension = draw(st.integers(1, 8))
    n = draw(st.integers(1, 3))
    values = draw(st.lists(st.floats(width=32, allow_nan=False, allow_infinity=False), min_size=n * dimension,
                           max_size=n * dimension))
    spans = tuple(draw(st.tuples(st.integers(0, 100), st.integers(0, 100))) for _ in range(n))
    return VectorSet(draw(st.text(min_size=1, max_size=12)), dimension, spans,
                     struct.pack(f"<{len(values)}f", *values))


@st.composite
def memory_records(draw):
    memory_id = str(draw(st.uuids()))

    def history(version):
        return HistoryEntry(memory_id, version, draw(st.sampled_from(["create", "update", "deleted"])), draw(times),
                            draw(st.text(min_size=1)), draw(st.sampled_from(MemoryType)), draw(tags), draw(metadata),
                            draw(st.floats(0, 1)), draw(st.sampled_from(Tier)), draw(st.sampled_from(Visibility)))

    return MemoryRecord(
        id=memory_id, namespace=draw(st.from_regex(r"[a-z0-9][a-z0-9_.\-]{0,10}", fullmatch=True)),
        content=draw(st.text(min_size=1)), memory_type=draw(st.sampled_from(MemoryType)), tags=draw(tags),
        metadata=draw(metadata), importance=draw(st.floats(0, 1)), tier=draw(st.sampled_from(Tier)),
        visibility=draw(st.sampled_from(Visibility)), agent_id=draw(optional_text), user_id=draw(optional_text),
        session_id=draw(optional_text), project=draw(optional_text), client_id=draw(optional_text),
        created_at=draw(times), updated_at=draw(times), expires_at=draw(st.none() | times),
        deleted_at=draw(st.none() | times), archived_at=draw(st.none() | times), version=draw(st.integers(1, 99)),
        hlc=f"{draw(st.integers(0, 10**13 - 1)):013d}-{draw(st.integers(0, 99999)):05d}-{draw(st.text(max_size=8))}",
        origin_device=draw(st.text(max_size=20)),
        history=tuple(history(v) for v in range(1, draw(st.integers(0, 3)) + 1)),
        vectors=draw(st.none() | vector_sets()))


def _through_json(lines):
    return [json.loads(json.dumps(line, ensure_ascii=False, allow_nan=False)) for line in lines]


@settings(max_examples=examples(150), deadline=None)
@given(batch=st.lists(memory_records(), max_size=4))
def test_every_field_survives_the_lines(batch):
    lines = _through_json([line for record in batch for line in records.encode(record)])
    assert list(records.decode(lines)) == batch


def _one(**changes):
    record = MemoryRecord(
        id="01932a4e-7c00-7000-8000-000000000001", namespace="ns", content="c", memory_type=MemoryType.FACT,
        tags=(), metadata={}, importance=0.5, tier=Tier.WARM, visibility=Visibility.PRIVATE, agent_id=None,
        user_id=None, session_id=None, project=None, client_id=None, created_at=1.0, updated_at=1.0,
        expires_at=None, deleted_at=None, archived_at=None, version=1, hlc="0000000000001-00000-d",
        origin_device="d", vectors=VectorSet("m", 2, ((0, 1),), struct.pack("<2f", 0.6, 0.8)))
    line = _through_json(records.encode(record))[0]
    line.update(changes)
    return line


@pytest.mark.parametrize("changes, problem", [
    ({"content": 5}, "content is not text"),
    ({"memory_type": "poem"}, "memory_type has an unknown value"),
    ({"tags": "a,b"}, "tags is not a list"),
    ({"metadata": []}, "metadata is not an object"),
    ({"importance": "high"}, "importance is not a number"),
    ({"version": -1}, "version is not a whole number"),
    ({"version": 2**63}, "version is not a whole number a vault holds"),  # was an OverflowError from SQLite
    ({"importance": 10**400}, "importance is not a number"),  # was an OverflowError, as a traceback
    ({"origin_device": "d" * 10_000}, "origin_device is longer than 256 characters"),
    ({"hlc": "0000000000001-00000-" + "d" * 10_000}, "hlc is not a clock stamp"),
    ({"hlc": "yesterday"}, "hlc is not a clock stamp"),
    ({"vectors": {"model_id": "m", "dimension": 2, "spans": [[0, 1]], "data": "AAAA"}}, "vectors.data holds"),
    ({"vectors": {"model_id": "m", "dimension": 10**6, "spans": [], "data": ""}}, "out of range"),
    ({"vectors": {"model_id": "m", "dimension": 2, "spans": [[0]], "data": ""}}, "pairs"),
    # A NaN or infinite vector came first for every query (relevance 0.95).
    *[({"vectors": {"model_id": "m", "dimension": 2, "spans": [[0, 1]],
                    "data": base64.b64encode(struct.pack("<2f", *values)).decode()}}, "are not numbers")
      for values in ((math.nan, math.nan), (math.inf, 0.0), (0.0, -math.inf))],
])
def test_malformed_memory_lines_are_named(changes, problem):
    with pytest.raises(DamagedData, match=problem) as err:
        list(records.decode([_one(**changes)]))
    assert "memory 1" in err.value.message


def test_missing_field_and_stray_history_lines():
    line = _one()
    del line["origin_device"]
    with pytest.raises(DamagedData, match="origin_device is missing"):
        list(records.decode([line]))
    with pytest.raises(DamagedData, match="before any memory"):
        list(records.decode([{"type": "history"}]))
    history = {"type": "history", "memory_id": "someone else", "version": 1}
    with pytest.raises(DamagedData, match="does not name the memory"):
        list(records.decode([_one(), history]))


@pytest.mark.parametrize("source", list(TypeSource))
def test_a_usual_line_takes_the_one_pass_reader_whether_or_not_it_names_its_type_source(source):
    """An explicit type's line leaves ``memory_type_source`` out; that alone must not send it to the slow reader."""
    record = MemoryRecord(
        id="0190a000-0000-7000-8000-000000000001", namespace="work", content="a usual memory",
        memory_type=MemoryType.FACT, tags=("t",), metadata={}, importance=0.5, tier=Tier.WARM,
        visibility=Visibility.PRIVATE, agent_id=None, user_id=None, session_id=None, project=None, client_id=None,
        created_at=1.0, updated_at=2.0, expires_at=None, deleted_at=None, archived_at=None, version=1,
        hlc="0000000000001-00000-dev", origin_device="dev", memory_type_source=source)
    line = _through_json(records.encode(record))[0]
    assert ("memory_type_source" in line) == (source is not TypeSource.EXPLICIT)
    fast = records._fast_memory(line, (), None)
    assert fast == record
