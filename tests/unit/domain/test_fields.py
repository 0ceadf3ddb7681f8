"""The field table (``domain/fields.py``) against every place that lists a memory's fields.

Each test fails when a field is added to one place only: to the table without the dataclass, to a dataclass
or the schema without the table, to the table without a codec carrying it (the round trips compare every
field, so a codec that forgets one loses its value and fails).
"""

from __future__ import annotations

import dataclasses
import enum
import json

import pytest

from memvault.api.documented import field_schema as documented_schema
from memvault.api.schemas import HistoryOut, MemoryCreateIn, MemoryPublic, MemoryUpdateIn
from memvault.bundle import records
from memvault.domain import fields
from memvault.domain.fields import FIELDS, Kind, Merge
from memvault.domain.models import FieldChanges, HistoryEntry, Memory, MemoryCreate, MemoryUpdate, NewMemory
from memvault.domain.transfer import MemoryRecord
from memvault.sync import merge, op_shape
from memvault.vault import export_queries, rows, schema

#: Dataclass fields that are not fields of a memory (what the dataclass carries besides).
NOT_FIELDS = {
    fields.MEMORY: {"entities"},
    fields.NEW: set(),
    fields.RECORD: {"history", "vectors"},
}
HISTORY_ENTRY_OWN = {"memory_id", "version", "change", "changed_at"}
HLC = "1700000000000-00001-device-a"


def _choice(spec: fields.FieldSpec) -> enum.Enum:
    # The last member: never the dataclass default, so a codec that drops the field is seen.
    assert spec.choices is not None
    return list(spec.choices)[-1]


def sample(spec: fields.FieldSpec, i: int) -> object:
    """A value of ``spec`` that no default or neighbouring field has."""
    match spec.kind:
        case Kind.TEXT:
            return HLC if spec.name == "hlc" else f"{spec.name}-value"
        case Kind.OPTIONAL_TEXT:
            return f"{spec.name}-value"
        case Kind.NUMBER:
            return 0.25
        case Kind.TIME | Kind.OPTIONAL_TIME:
            return 1_700_000_000.5 + i
        case Kind.INTEGER:
            return 7 + i
        case Kind.CHOICE:
            return _choice(spec)
        case Kind.TAGS:
            return ("alpha", spec.name)
        case Kind.METADATA:
            return {"field": spec.name, "nested": {"n": i}}
    raise AssertionError(spec.kind)


def values(model: str) -> dict[str, object]:
    return {f.name: sample(f, i) for i, f in enumerate(FIELDS) if model in f.models}


@pytest.mark.parametrize("model, cls", [(fields.MEMORY, Memory), (fields.NEW, NewMemory),
                                        (fields.RECORD, MemoryRecord)])
def test_each_dataclass_carries_exactly_the_fields_the_table_gives_it(model, cls):
    declared = {f.name for f in dataclasses.fields(cls)} - NOT_FIELDS[model]
    assert declared == set(fields.names(model))


def test_history_entries_keep_exactly_the_fields_history_keeps():
    assert {f.name for f in dataclasses.fields(HistoryEntry)} - HISTORY_ENTRY_OWN == \
        {f.name for f in fields.historic()}
    assert rows.SNAPSHOT_FIELDS == tuple(f.name for f in fields.historic())


def test_every_stored_field_has_its_column_and_every_column_a_field():
    # content_hash is derived from content on every write; it is no field of its own.
    assert set(schema.memories.c.keys()) - {"content_hash"} == set(fields.columns())


def test_a_row_read_back_fills_every_field_of_a_memory():
    expected = values(fields.MEMORY)
    columns = {}
    for spec in FIELDS:
        if fields.MEMORY in spec.models:
            value = expected[spec.name]
            columns[spec.column] = json.dumps(list(value) if spec.kind is Kind.TAGS else value) \
                if spec.kind in (Kind.TAGS, Kind.METADATA) else fields.plain(spec, value)
    memory = rows.memory_from_row(tuple(columns.values()))
    assert {name: getattr(memory, name) for name in expected} == expected
    assert rows.MEMORY_COLUMNS.split(", ") == [f"m.{c}" for c in columns]


def test_the_export_reads_every_column_a_bundle_carries():
    read = {c.strip() for c in export_queries._EXPORT_COLUMNS.split(",")}
    assert {f.column for f in fields.bundled()} <= read


def _record() -> MemoryRecord:
    history = HistoryEntry(memory_id="id-value", version=3, change="update", changed_at=1_700_000_100.0,
                           **{f.name: sample(f, 40 + i) for i, f in enumerate(fields.historic())})
    return MemoryRecord(**values(fields.RECORD), history=(history,))


def test_a_bundle_line_carries_every_field_the_table_says_travels():
    record = _record()
    lines = list(records.encode(record))
    assert set(lines[0]) - {"type", "vectors"} == {f.name for f in fields.bundled()}
    assert set(lines[1]) - {"type"} == HISTORY_ENTRY_OWN | {f.name for f in fields.historic()}
    assert list(records.decode(json.loads(json.dumps(lines)))) == [record]


def test_the_careful_bundle_reader_reads_every_field_too():
    record = _record()
    line = next(records.encode(record))
    line["importance"] = 1  # an int: the one-pass reader leaves it to the field-by-field one
    decoded = records.decode_memory(json.loads(json.dumps(line)), 1)
    assert decoded == dataclasses.replace(record, importance=1.0, history=())


def test_sync_groups_are_the_table_groups_and_an_op_carries_every_synced_field():
    assert merge.ATTRS == fields.merge_group(Merge.ATTRS)
    assert merge.CONTEXT == fields.merge_group(Merge.CONTEXT)
    assert merge.BORN == fields.merge_group(Merge.BORN)
    synced = [f for f in FIELDS if f.merge is not None and f.merge is not Merge.KEY]
    row = {f.name: fields.plain(f, sample(f, i)) for i, f in enumerate(FIELDS)}
    op = op_shape.validate_op({"u": "id-value", **merge.delta(None, None, row, HLC)})
    shown = merge.render(op, None)
    assert shown is not None
    assert {f.name: shown[f.name] for f in synced} == {f.name: row[f.name] for f in synced}
    assert set(shown) == {f.name for f in synced} | {"namespace"}


def test_the_native_memory_object_shows_the_fields_the_table_names():
    own = {"object", "entities"}
    assert set(MemoryPublic.model_fields) - own == set(fields.api_fields("native").values())
    memory = Memory(**values(fields.MEMORY))
    shown = MemoryPublic.of(memory).model_dump()
    for name, api_name in fields.api_fields("native").items():
        expected = fields.plain(fields.BY_NAME[name], getattr(memory, name))
        if fields.BY_NAME[name].kind in (Kind.TIME, Kind.OPTIONAL_TIME):
            expected = int(expected)
        assert shown[api_name] == expected, name


def test_native_history_shows_every_field_history_keeps():
    entry = _record().history[0]
    out = HistoryOut.of([entry]).data[0]
    assert set(out) == {"version", "change", "changed_at", "changed_by"} | {f.name for f in fields.historic()}


def test_the_table_is_consistent():
    assert len(fields.BY_NAME) == len(FIELDS)
    for spec in FIELDS:
        assert (spec.kind is Kind.CHOICE) == (spec.choices is not None), spec.name
        assert not spec.history or spec.bundle, f"{spec.name}: history keeps it, so history lines carry it"
        assert spec.merge is None or spec.bundle, f"{spec.name}: sync carries it but bundles do not"
        assert spec.bundle == (fields.RECORD in spec.models), f"{spec.name}: bundles carry what MemoryRecord holds"


#: What the service's inputs carry besides a memory's fields: options of the request.
INPUT_OPTIONS = {
    fields.CREATE: {"deduplicate", "dedup_threshold", "auto_extract_entities"},
    fields.UPDATE: set(),
}


@pytest.mark.parametrize("model, cls", [(fields.CREATE, MemoryCreate), (fields.UPDATE, MemoryUpdate)])
def test_the_service_inputs_take_exactly_the_fields_a_caller_gives(model, cls):
    declared = {f.name for f in dataclasses.fields(cls)} - INPUT_OPTIONS[model]
    assert declared == {spec.given_as for spec in fields.given(model)}


def test_a_validated_change_carries_every_field_a_change_can_touch():
    declared = {f.name for f in dataclasses.fields(FieldChanges)}
    # Metadata changes key by key, so that sync can merge them key by key.
    expected = {spec.name for spec in fields.given(fields.CHANGES)} - {"metadata"} | {"metadata_set",
                                                                                       "metadata_unset"}
    assert declared == expected


@pytest.mark.parametrize("model, body, options", [
    (fields.CREATE, MemoryCreateIn, {"project_id"} | INPUT_OPTIONS[fields.CREATE]),
    (fields.UPDATE, MemoryUpdateIn, set()),
])
def test_the_native_bodies_take_the_fields_the_table_gives_callers(model, body, options):
    assert set(body.model_fields) - options == {spec.given_as for spec in fields.given(model)}
    schema = body.model_json_schema()["properties"]
    for spec in fields.given(model):
        documented = {k: v for k, v in schema[spec.given_as].items() if k not in ("anyOf", "default", "title", "type")}
        assert documented.items() >= documented_schema(spec).items(), spec.name


def test_a_body_hands_every_field_it_took_to_the_service():
    given = {"content": "a text", "memory_type": "fact", "tags": ["alpha"], "metadata": {"k": 1},
             "importance": 0.25, "tier": "hot", "visibility": "shared", "agent_id": "agent-value",
             "user_id": "user-value", "session_id": "session-value", "project": "project-value",
             "client_id": "client-value", "expires_in_seconds": 60}
    create = MemoryCreateIn(**given).to_domain("ns")
    assert {name: getattr(create, name) for name in given} == given
    update = MemoryUpdateIn(**{k: v for k, v in given.items() if k != "client_id"}).to_domain()
    assert {name: getattr(update, name) for name in given if name != "client_id"} == \
        {k: v for k, v in given.items() if k != "client_id"}


def _profile_views(memory: Memory) -> dict[str, dict[str, object]]:
    from memvault.api.compat import azen, memoryrelay_view, sendryx, statebase
    from memvault.api.compat.public_ids import IdPermutation
    return {"azen": azen._memory(memory), "sendryx": sendryx._memory(memory),
            "statebase": statebase.memory_out(memory, IdPermutation(b"k" * 32)),
            "memoryrelay": memoryrelay_view.memory(memory)}


def test_each_compatibility_profile_shows_the_fields_the_table_names_for_it():
    memory = Memory(**values(fields.MEMORY))
    views = _profile_views(memory)
    assert set(views) == {p for spec in FIELDS for p in spec.api} - {"native"}
    for profile, view in views.items():
        for name, api_name in fields.api_fields(profile).items():
            assert api_name in view, f"{profile} does not show {name} as {api_name}"


def test_a_field_named_for_a_profile_appears_in_its_view_with_its_value(monkeypatch):
    # The views read the table: naming a field for a profile is all it takes to show it there.
    spec = fields.BY_NAME["importance"]
    monkeypatch.setitem(fields.BY_NAME, "importance", dataclasses.replace(spec, api={**spec.api, "sendryx": "weight"}))
    patched = tuple(fields.BY_NAME[f.name] for f in FIELDS)
    monkeypatch.setattr(fields, "FIELDS", patched)
    memory = Memory(**values(fields.MEMORY))
    assert _profile_views(memory)["sendryx"]["weight"] == memory.importance
