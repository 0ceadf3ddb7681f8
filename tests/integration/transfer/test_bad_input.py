"""A truncated or malformed file of each kind is refused with one line naming the file and the line or record, and
the vault is left exactly as it was (good records before the bad one included)."""

from __future__ import annotations

import gc
import json
import re
import shutil
import time
from pathlib import Path

import pytest

from memvault.domain.errors import InvalidInput
from memvault.domain.models import MemoryCreate, MemoryFilter
from memvault.service.importers.run import ToolImportRequest
from memvault.service.importers.sources import Source
from memvault.service.importers.streams import Upload
from memvault.service.readable_export import ReadableExportRequest, ReadableFormat
from tests.integration.transfer.test_importers import SAMPLES, sqlite_from


def _cut(src: Path, dst: Path, fraction: float) -> Path:
    data = src.read_bytes()
    dst.write_bytes(data[:int(len(data) * fraction)])
    return dst


def _exported(services, tmp_path: Path, fmt: ReadableFormat) -> Path:
    for i in range(3):
        services.memories.create(MemoryCreate(content=f"memory number {i}", namespace="src"))
    path = tmp_path / ("out.jsonl" if fmt is ReadableFormat.JSONL else "out")
    services.readable.export(path, ReadableExportRequest(("src",), fmt, unencrypted_ok=True))
    return path


def jsonl_cut(services, tmp_path):
    path = _exported(services, tmp_path, ReadableFormat.JSONL)
    data = path.read_bytes()
    path.write_bytes(data[:len(data) - 20])  # the third line loses its end
    return path, Source.JSONL, r"out\.jsonl line 3: not valid JSON .*ends in the middle"


def jsonl_wrong_field(services, tmp_path):
    path = _exported(services, tmp_path, ReadableFormat.JSONL)
    lines = path.read_text("utf-8").splitlines()
    lines[1] = lines[1].replace('"importance":0.5', '"importance":"high"')
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path, Source.JSONL, r"out\.jsonl line 2: importance is not a number"


def jsonl_repeated_id(services, tmp_path):
    # A correction added at the end of the file under the first line's id: refused, not settled silently.
    path = _exported(services, tmp_path, ReadableFormat.JSONL)
    lines = path.read_text("utf-8").splitlines()
    first, third = json.loads(lines[0]), json.loads(lines[2])
    lines[2] = json.dumps(dict(third, id=first["id"], content="the corrected text"))
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path, Source.JSONL, r"out\.jsonl line 3: the id \S+ is also out\.jsonl line 1's"


def jsonl_shared_client_id(services, tmp_path):
    path = _exported(services, tmp_path, ReadableFormat.JSONL)
    docs = [dict(json.loads(line), client_id="cid-1") for line in path.read_text("utf-8").splitlines()]
    path.write_text("".join(json.dumps(d) + "\n" for d in docs), "utf-8")
    return path, Source.JSONL, r"out\.jsonl line 2: the client_id 'cid-1' is also out\.jsonl line 1's"


def jsonl_control_character(services, tmp_path):
    path = _exported(services, tmp_path, ReadableFormat.JSONL)
    lines = path.read_text("utf-8").splitlines()
    lines[1] = lines[1].replace("memory number", "memory\tnumber")  # a raw tab inside a JSON string
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path, Source.JSONL, r"out\.jsonl line 2: not valid JSON \(Invalid control character at column \d+\)$"


def markdown_repeated_id(services, tmp_path):
    folder = _exported(services, tmp_path, ReadableFormat.MARKDOWN)
    note = sorted(folder.rglob("*.md"))[0]
    (note.parent / "zz-copy.md").write_text(note.read_text("utf-8").replace("memory number", "edited"), "utf-8")
    return folder, Source.MARKDOWN, r"src/zz-copy\.md: the id \S+ is also src/.+\.md's"


def markdown_unclosed(services, tmp_path):
    folder = _exported(services, tmp_path, ReadableFormat.MARKDOWN)
    note = sorted(folder.rglob("*.md"))[-1]
    note.write_text(note.read_text("utf-8").replace("\n---\nmemory", "\nmemory"), "utf-8")
    return folder, Source.MARKDOWN, rf"src/{re.escape(note.name)}: the front matter .* never closed"


def chatgpt_cut(services, tmp_path):
    path = _cut(SAMPLES / "chatgpt" / "conversations.json", tmp_path / "conversations.json", 0.8)
    return path, Source.CHATGPT, r"conversations\.json line \d+ \(record 2\): the file ends inside this record"


def claude_cut(services, tmp_path):
    path = _cut(SAMPLES / "claude" / "conversations.json", tmp_path / "conversations.json", 0.95)
    return path, Source.CLAUDE, r"conversations\.json line \d+ \(record 2\)"


def claude_not_claude(services, tmp_path):
    path = shutil.copy(SAMPLES / "chatgpt" / "conversations.json", tmp_path / "conversations.json")
    return Path(path), Source.CLAUDE, r"conversations\.json line 2 \(record 1\): the conversation has no uuid"


def mem0_cut(services, tmp_path):
    path = _cut(SAMPLES / "mem0" / "export.json", tmp_path / "export.json", 0.7)
    return path, Source.MEM0, r"export\.json line \d+ \(record 2\): the file ends inside"


def mem0_bad_time(services, tmp_path):
    path = tmp_path / "export.json"
    path.write_text((SAMPLES / "mem0" / "export.json").read_text("utf-8").replace(
        '"2024-09-15T18:45:12Z"', '"yesterday"', 1), "utf-8")
    return path, Source.MEM0, r"export\.json line 24 \(record 3\): created_at 'yesterday' is not a date and time"


def mem0_db_cut(services, tmp_path):
    db = sqlite_from(SAMPLES / "mem0" / "history.sql", tmp_path / "full.db")
    return _cut(db, tmp_path / "history.db", 0.5), Source.MEM0, r"history\.db: the SQLite file is damaged"


def mcp_cut(services, tmp_path):
    db = sqlite_from(SAMPLES / "mcp-memory-service" / "memories.sql", tmp_path / "full.db")
    return (_cut(db, tmp_path / "sqlite_vec.db", 0.5), Source.MCP_MEMORY_SERVICE,
            r"sqlite_vec\.db: the SQLite file is damaged")


def mcp_not_sqlite(services, tmp_path):
    path = tmp_path / "sqlite_vec.db"
    path.write_text("hello", "utf-8")
    return path, Source.MCP_MEMORY_SERVICE, r"sqlite_vec\.db is not an SQLite database"


def basic_memory_bad_yaml(services, tmp_path):
    folder = shutil.copytree(SAMPLES / "basic-memory", tmp_path / "bm")
    note = folder / "projects" / "search-design.md"
    note.write_text(note.read_text("utf-8").replace("tags: search, backend", "tags: [search, backend"), "utf-8")
    return folder, Source.BASIC_MEMORY, r"projects/search-design\.md line \d+: the front matter is not valid YAML"


def obsidian_not_utf8(services, tmp_path):
    folder = shutil.copytree(SAMPLES / "obsidian", tmp_path / "notes")
    (folder / "Daily" / "zz.md").write_bytes(b"caf\xe9 au lait")
    return folder, Source.OBSIDIAN, r"Daily/zz\.md: not UTF-8 text"


def mem0_time_beyond_9999(services, tmp_path):
    # Once stored, every later list and get of the vault failed on it.
    path = tmp_path / "export.json"
    path.write_text('{"results":[{"id":"far","memory":"far away","created_at":1e300}]}', "utf-8")
    return path, Source.MEM0, r"export\.json line 1 \(record 1\): created_at .* outside the times a vault holds"


def jsonl_time_beyond_9999(services, tmp_path):
    path = _exported(services, tmp_path, ReadableFormat.JSONL)
    lines = path.read_text("utf-8").splitlines()
    doc = json.loads(lines[1])
    lines[1] = json.dumps(dict(doc, created_at=1e15, updated_at=1e15))
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path, Source.JSONL, r"out\.jsonl line 2: created_at .* outside the times a vault holds"


def obsidian_before_1970(services, tmp_path):
    # The real import failed deep inside the clock, after a dry run that said "1 new".
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "moon.md").write_text("---\ncreated: 1969-07-20\nupdated: 1969-07-21\n---\nApollo 11 landed\n", "utf-8")
    return folder, Source.OBSIDIAN, r"moon\.md: created '1969-07-20' is outside the times a vault holds"


def obsidian_impossible_date(services, tmp_path):
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "bad.md").write_text("---\ncreated: 2024-13-45\n---\nImpossible date\n", "utf-8")
    return folder, Source.OBSIDIAN, r"bad\.md: the front matter holds a date that does not exist"


CASES = [jsonl_cut, jsonl_wrong_field, jsonl_repeated_id, jsonl_shared_client_id, jsonl_control_character,
         markdown_repeated_id, markdown_unclosed, chatgpt_cut, claude_cut, claude_not_claude, mem0_cut,
         mem0_bad_time, mem0_db_cut, mcp_cut, mcp_not_sqlite, basic_memory_bad_yaml, obsidian_not_utf8,
         mem0_time_beyond_9999, jsonl_time_beyond_9999, obsidian_before_1970, obsidian_impossible_date]


@pytest.mark.parametrize("case", CASES, ids=[c.__name__ for c in CASES])
@pytest.mark.parametrize("dry_run", [True, False], ids=["dry-run", "import"])
def test_refused_with_one_line_and_nothing_written(services, tmp_path, case, dry_run):
    path, source, message = case(services, tmp_path)
    before = services.memories.count(MemoryFilter(namespace=None, include_deleted=True, include_archived=True))
    with pytest.raises(InvalidInput) as refused:
        services.readable.import_from(path, ToolImportRequest(source, namespace="target", dry_run=dry_run,
                                                              with_turns=True))
    text = refused.value.message
    assert "\n" not in text and re.search(message, text), text
    assert services.memories.count(MemoryFilter(namespace=None, include_deleted=True, include_archived=True)) == before
    assert services.memories.count(MemoryFilter(namespace="target", include_deleted=True)) == 0


MIB_24 = 24 * 1024 * 1024


# Bodies are built in the test, not held by the parametrization for the whole session. ~1 s each.
@pytest.mark.seconds
@pytest.mark.parametrize("source, body", [
    (Source.CHATGPT, lambda: b"[[" + b"[]," * (MIB_24 // 3) + b"[]]]"),  # 11 CPU-s before the count, 0.3 after
    (Source.CHATGPT, lambda: b"[[" + b"0," * (MIB_24 // 2) + b"0]]"),
    (Source.JSONL, lambda: b"[" + b"[]," * (MIB_24 // 3) + b"[]]\n"),
], ids=["chatgpt empty lists", "chatgpt zeros", "jsonl empty lists"])
def test_a_record_of_millions_of_tiny_values_is_refused_within_a_second(services, source, body):
    upload = Upload("x.json", body())
    started = time.process_time()
    with pytest.raises(InvalidInput, match=r"x\.json line 1 .*holds more than 1,000,000 JSON values"):
        services.readable.import_from(upload, ToolImportRequest(source, dry_run=True))
    assert time.process_time() - started < 1.0
    assert gc.isenabled()  # the parse pauses the collector, and only for the parse


@pytest.mark.seconds
def test_a_conversation_of_many_messages_is_not_refused_for_its_values(services):
    # 30,000 turns: ~510,000 values in one record, half the limit.
    mapping = {f"n{i}": {"id": f"n{i}", "parent": f"n{i - 1}" if i else None, "children": [f"n{i + 1}"],
                         "message": {"id": f"n{i}", "author": {"role": "user" if i % 2 == 0 else "assistant"},
                                     "create_time": 1_700_000_000 + i, "content": {"content_type": "text",
                                                                                   "parts": [f"turn {i}, a, b"]}}}
               for i in range(30_000)}
    record = {"id": "c1", "title": "long", "create_time": 1_700_000_000, "mapping": mapping,
              "current_node": "n29999"}
    report = services.readable.import_from(Upload("x.json", json.dumps([record]).encode()),
                                           ToolImportRequest(Source.CHATGPT, dry_run=True))
    assert report.conversations == 1
