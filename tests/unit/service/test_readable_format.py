"""The readable formats' pure parts: every field to JSON and back, notes' front matter, streamed JSON arrays."""

from __future__ import annotations

import dataclasses
import io
import json
import zipfile

import pytest

from memvault.domain.entities import TypeSource
from memvault.domain.enums import MemoryType, Tier, Visibility
from memvault.domain.errors import InvalidInput
from memvault.domain.models import HistoryEntry
from memvault.domain.transfer import MemoryRecord
from memvault.service.importers import streams
from memvault.service.importers.items import Conversation, Turn, unix_time
from memvault.service.importers.run import _windows
from memvault.service.importers.streams import Upload, iter_json_array, iter_json_lines
from memvault.service.readable_format import RECORD_FIELDS, Where, doc_to_record, record_to_doc
from memvault.service.readable_markdown import exported_body, render_note, split_note

ID = "0190a1b2-0000-7000-8000-000000000001"
RECORD = MemoryRecord(
    id=ID, namespace="work", content="line one\n---\nline three\n", memory_type=MemoryType.PREFERENCE,
    tags=("a b", "ü"), metadata={"nested": {"list": [1, 2.5, None, True]}, "null": "null"}, importance=0.1 + 0.2,
    tier=Tier.COLD, visibility=Visibility.CONFIDENTIAL, agent_id="agent", user_id=None, session_id="s",
    project=None, client_id="c-1", created_at=1714557601.123456, updated_at=1714557602.5, expires_at=None,
    deleted_at=1714557700.0, archived_at=None, version=3, hlc="1714557602500-00002-device", origin_device="device",
    history=(HistoryEntry(ID, 1, "created", 1714557601.123456, "before", MemoryType.FACT, ("x",), {}, 0.5, Tier.WARM,
                          Visibility.PRIVATE),),
    memory_type_source=TypeSource.INFERRED)


def test_a_record_survives_json_and_front_matter_field_for_field():
    doc = record_to_doc(RECORD, include_history=True)
    assert doc_to_record(json.loads(json.dumps(doc)), Where("x")) == RECORD
    front, body = split_note(render_note(doc), "n.md")
    assert doc_to_record(dict(front, content=exported_body(body)), Where("n.md")) == RECORD


def test_without_history_the_record_has_none_and_an_absent_defaulted_field_is_forgiven():
    doc = record_to_doc(RECORD, include_history=False)
    assert "history" not in doc and set(doc) == set(RECORD_FIELDS)
    del doc["memory_type_source"]
    assert doc_to_record(doc, Where("x")) == dataclasses.replace(RECORD, history=(),
                                                                 memory_type_source=TypeSource.EXPLICIT)


@pytest.mark.parametrize(("change", "message"), [
    ({"version": "3"}, "f line 7: version is not a whole number"),
    ({"tags": "a"}, "f line 7: tags is not a list of text"),
    ({"tier": "lukewarm"}, "f line 7: tier has an unknown value 'lukewarm'"),
    ({"created_at": float("nan")}, "f line 7: created_at is not a number"),
    ({"hlc": "yesterday"}, "f line 7: hlc is not a clock stamp"),
    ({"history": [{"version": 1}]}, "f line 7: history entry lacks change"),
])
def test_a_bad_field_is_named_with_its_place(change, message):
    doc = record_to_doc(RECORD, include_history=True) | change
    with pytest.raises(InvalidInput) as refused:
        doc_to_record(doc, Where("f line 7"))
    assert refused.value.message == message


def test_a_missing_field_is_named():
    doc = record_to_doc(RECORD, include_history=False)
    del doc["namespace"]
    with pytest.raises(InvalidInput, match="lacks the field namespace"):
        doc_to_record(doc, Where("f"))


def test_every_missing_field_is_named_at_once():
    doc = {k: v for k, v in record_to_doc(RECORD, include_history=False).items()
           if k in ("id", "namespace", "content")}
    with pytest.raises(InvalidInput) as refused:
        doc_to_record(doc, Where("f line 1"))
    message = refused.value.message
    assert message.startswith("f line 1: lacks the fields memory_type, tags, ") and "hlc" in message


def test_notes_without_front_matter_and_with_windows_line_ends():
    assert split_note("just text\n", "a.md") == ({}, "just text\n")
    # Windows line ends are no part of the text (a copy saved by a Windows editor re-imports unchanged).
    assert split_note("---\r\ntags: [a]\r\n---\r\nbody\r\nline two\r\n", "a.md") == ({"tags": ["a"]}, "body\nline two\n")
    with pytest.raises(InvalidInput, match=r"^a\.md: the front matter opened on line 1 is never closed"):
        split_note("---\ntags: [a]\nbody\n", "a.md")


def test_a_json_array_is_read_a_record_at_a_time_across_chunk_boundaries(monkeypatch):
    monkeypatch.setattr(streams, "_CHUNK", 7)
    docs = [{"n": i, "text": "é" * i, "x": 12345.678} for i in range(40)] + [123456789, 2.5e-7]
    data = json.dumps({"results": docs}, indent=2).encode()
    got = list(iter_json_array(Upload("m.json", data), key="results"))
    assert [d for _, d in got] == docs
    assert got[1][0] == "m.json line 8 (record 2)"


def test_a_zip_member_is_read_in_place():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("export/conversations.json", json.dumps([{"a": 1}]))
    got = list(iter_json_array(Upload("export.zip", buffer.getvalue()), member="conversations.json"))
    assert got == [("export.zip:export/conversations.json line 1 (record 1)", {"a": 1})]
    with pytest.raises(InvalidInput, match="holds no conversations.json"):
        list(iter_json_array(Upload("other.zip", _zip_with("notes.txt")), member="conversations.json"))


def _zip_with(name: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, "x")
    return buffer.getvalue()


def test_json_lines_name_the_line_and_a_cut_end():
    with pytest.raises(InvalidInput, match=r"^f\.jsonl line 3: not valid JSON .*ends in the middle of it$"):
        list(iter_json_lines(Upload("f.jsonl", b'{"a":1}\n\n{"a":')))


def test_times_in_seconds_milliseconds_and_iso():
    assert unix_time(1714557601.5, "p", "t") == 1714557601.5
    assert unix_time(1714557601500, "p", "t") == 1714557601.5
    assert unix_time("2024-05-01T10:00:01.5Z", "p", "t") == 1714557601.5
    assert unix_time("2024-05-01 12:00:01.5+02:00", "p", "t") == 1714557601.5
    with pytest.raises(InvalidInput, match="^p: t 'soon' is not a date and time$"):
        unix_time("soon", "p", "t")


def test_long_conversations_are_cut_into_windows_each_with_a_user_turn():
    turns = tuple(Turn("user" if i % 2 == 0 else "assistant", f"turn {i}", None) for i in range(1201))
    windows = list(_windows(Conversation("c", "t", 0.0, turns + (Turn("assistant", "late", None),))))
    assert [len(w) for w in windows] == [500, 500, 202]
    assert list(_windows(Conversation("c", "t", 0.0, (Turn("assistant", "only me", None),)))) == []


def test_a_note_longer_than_a_memory_is_cut_between_paragraphs():
    from memvault.domain import limits
    from memvault.service.importers.items import Note
    from memvault.service.importers.run import note_parts

    paragraph = "word " * 8_000  # 40,000 characters
    note = Note("notes/long.md", f"{paragraph}\n\n{paragraph}\n\n{'x' * 120_000}", 1.0, 2.0, metadata={"title": "t"})
    parts = note_parts(note)
    assert [len(p.content) for p in parts] == [len(paragraph), len(paragraph), limits.CONTENT_MAX_CHARS,
                                               limits.CONTENT_MAX_CHARS, 20_000]
    assert "".join(p.content for p in parts[2:]) == "x" * 120_000
    assert [p.source_id for p in parts] == [f"notes/long.md#{i}" for i in range(1, 6)]
    assert parts[0].metadata == {"title": "t", "part": 1, "parts": 5}
    short = Note("a", "short", 1.0, 1.0)
    assert note_parts(short) == [short]


def test_a_damaged_zip_is_refused_with_one_line():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("conversations.json", json.dumps([{"a": "x" * 5000}]))
    data = bytearray(buffer.getvalue())
    data[60] ^= 0xFF  # inside the compressed member
    with pytest.raises(InvalidInput, match=r"^c\.zip: the zip archive is damaged or cannot be read$"):
        list(iter_json_array(Upload("c.zip", bytes(data)), member="conversations.json"))
    with pytest.raises(InvalidInput, match=r"^c\.zip: the zip archive is damaged or cannot be read$"):
        list(iter_json_array(Upload("c.zip", b"PK\x03\x04 not really"), member="conversations.json"))


def test_an_emoji_in_the_front_matter_is_written_as_it_is_and_read_back():
    # libyaml wrote tags: - "\U0001F408" and content-like fields escaped: legible only to a YAML parser.
    note = render_note({"id": "x", "tags": ["🐈", "ünï"], "title": "Félix 🐈 — s’appelle", "content": "Félix 🐈"})
    assert "\\U" not in note and "- 🐈" in note and "title: Félix 🐈 — s’appelle" in note
    assert split_note(note, "x.md") == ({"id": "x", "tags": ["🐈", "ünï"], "title": "Félix 🐈 — s’appelle"},
                                        "Félix 🐈\n")


def test_notes_write_times_as_dates_a_person_reads_and_read_them_back_to_the_same_float():
    doc = record_to_doc(RECORD, include_history=True, times_as_text=True)
    assert (doc["created_at"], doc["updated_at"], doc["deleted_at"], doc["expires_at"]) == (
        "2024-05-01T10:00:01.123456Z", "2024-05-01T10:00:02.5Z", "2024-05-01T10:01:40Z", None)
    assert doc["history"][0]["changed_at"] == "2024-05-01T10:00:01.123456Z"
    text = render_note(doc)
    assert "created_at: '2024-05-01T10:00:01.123456Z'" in text  # quoted: YAML would cut an unquoted one to µs
    front, body = split_note(text, "n.md")
    assert doc_to_record(dict(front, content=exported_body(body)), Where("n.md")) == RECORD
    # Every digit a float has comes back, not only microseconds (an import matches a memory by its created_at).
    for seconds in (1795888662.0308757, 0.0, 1.5, 253402300799.999, 1714557601.0000002):
        changed = dataclasses.replace(RECORD, created_at=seconds)
        assert doc_to_record(record_to_doc(changed, include_history=True, times_as_text=True),
                             Where("x")).created_at == seconds


def test_a_time_edited_by_hand_in_a_note_is_read_in_any_form_an_editor_leaves():
    doc = record_to_doc(RECORD, include_history=True, times_as_text=True)
    written = render_note(doc).replace("created_at: '2024-05-01T10:00:01.123456Z'",
                                       "created_at: 2024-05-01T12:00:01+02:00")  # unquoted: YAML reads a datetime
    front, body = split_note(written, "n.md")
    assert doc_to_record(dict(front, content=exported_body(body)), Where("n.md")).created_at == 1714557601.0
    assert doc_to_record(doc | {"created_at": "2024-05-01T10:00:01"}, Where("x")).created_at == 1714557601.0
    assert doc_to_record(doc | {"created_at": 1714557601}, Where("x")).created_at == 1714557601.0  # older copies
    with pytest.raises(InvalidInput, match=r"^n.md: created_at 'yesterday' is not a date and time \(as 2026"):
        doc_to_record(doc | {"created_at": "yesterday"}, Where("n.md"))
    with pytest.raises(InvalidInput, match=r"^n.md: history changed_at '2024-13-01T00:00:00Z' is not a date"):
        doc_to_record(doc | {"history": [doc["history"][0] | {"changed_at": "2024-13-01T00:00:00Z"}]}, Where("n.md"))


@pytest.mark.parametrize("brk", ["\x85", "\u2028", "\u2029"])
def test_a_line_break_only_yaml_knows_beside_an_emoji_survives_front_matter(brk):
    """The emitter that writes emoji as they are wrote NEL raw, and it came back as a space (a history's text)."""
    old = dataclasses.replace(RECORD.history[0], content=f"*{brk}🐈 cat")
    record = dataclasses.replace(RECORD, tags=("🐈",), history=(old,))
    doc = record_to_doc(record, include_history=True, times_as_text=True)
    front, body = split_note(render_note(doc), "n.md")
    assert doc_to_record(dict(front, content=exported_body(body)), Where("n.md")) == record
    plain = dataclasses.replace(record, history=(dataclasses.replace(old, content="🐈 cat"),))
    assert "- 🐈" in render_note(record_to_doc(plain, include_history=True))  # without one, emoji stay readable
