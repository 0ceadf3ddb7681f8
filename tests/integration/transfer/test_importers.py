"""Each importer on its hand-written sample (tests/data/imports): what arrives, with the source's own times; a dry run
writes nothing; a second run adds nothing."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sqlite3
from pathlib import Path

from memvault.domain.enums import MemoryType
from memvault.domain.models import MemoryFilter
from memvault.service.importers.run import ToolImportRequest
from memvault.service.importers.sources import Source
from tests.helpers import ROOT
from tests.helpers.vault_state import records_of

SAMPLES = ROOT / "tests" / "data" / "imports"


def utc(*parts: int) -> float:
    return dt.datetime(*parts, tzinfo=dt.UTC).timestamp()


def sqlite_from(sql: Path, target: Path) -> Path:
    """The SQLite file a sample's SQL text describes (the samples are kept as readable text)."""
    conn = sqlite3.connect(target)
    conn.executescript(sql.read_text("utf-8"))
    conn.commit()
    conn.close()
    return target


def by_content(services, namespace: str = "default") -> dict[str, object]:
    return {r.content: r for r in records_of(services, namespace)}


def import_twice(services, path: Path, source: Source, **options):
    """Dry run (nothing written), the import, then the same import again (nothing new)."""
    dry = services.readable.import_from(path, ToolImportRequest(source, dry_run=True, **options))
    assert records_of(services, options.get("namespace") or "default") == []
    report = services.readable.import_from(path, ToolImportRequest(source, **options))
    assert (dry.new, dry.updated, dry.records) == (report.new, report.updated, report.records)
    before = records_of(services, options.get("namespace") or "default")
    again = services.readable.import_from(path, ToolImportRequest(source, **options))
    assert (again.new, again.updated, again.facts) == (0, 0, 0) and again.skipped == report.new
    assert records_of(services, options.get("namespace") or "default") == before
    return report


def test_mem0_export_json(services):
    report = import_twice(services, SAMPLES / "mem0" / "export.json", Source.MEM0)
    assert report.new == 3
    found = by_content(services)
    veg = found["Is vegetarian and allergic to peanuts"]
    assert veg.created_at == utc(2024, 7, 20, 8, 30) and veg.updated_at == utc(2024, 7, 21, 16, 0)
    assert veg.tags == ("food", "health") and veg.user_id == "sample-user"
    assert veg.metadata == {"source": "onboarding",
                            "imported_from": {"source": "mem0", "id": "0b8f4a8e-0000-4000-8000-00000000e001"}}
    meetings = found["Prefers meetings before noon"]
    assert (meetings.agent_id, meetings.session_id) == ("calendar-agent", "run-42")
    assert meetings.updated_at == meetings.created_at == utc(2024, 8, 2, 10)


def test_mem0_history_database_replays_to_each_memorys_last_state(services, tmp_path):
    db = sqlite_from(SAMPLES / "mem0" / "history.sql", tmp_path / "history.db")
    report = import_twice(services, db, Source.MEM0)
    assert report.new == 2 and report.deleted == 1  # the deleted memory stays out, and the report says so
    found = by_content(services)
    assert set(found) == {"Lives in Bergen", "Has a dog named Pixel"}
    bergen = found["Lives in Bergen"]
    assert bergen.created_at == utc(2024, 5, 1, 10) and bergen.updated_at == utc(2024, 6, 12, 8, 30)


def test_mcp_memory_service_sqlite(services, tmp_path):
    db = sqlite_from(SAMPLES / "mcp-memory-service" / "memories.sql", tmp_path / "sqlite_vec.db")
    report = import_twice(services, db, Source.MCP_MEMORY_SERVICE, namespace="work")
    assert report.new == 2 and report.namespaces == ("work",) and report.deleted == 1
    found = by_content(services, "work")
    port = found["The staging database runs on port 5433"]
    assert port.created_at == 1709290800.5 and port.tags == ("infra", "postgres")
    assert port.metadata["project"] == "sample" and port.metadata["memory_type"] == "note"
    ruff = found["Decided to use ruff instead of flake8"]
    assert ruff.tags == ("decision", "tooling") and ruff.updated_at == utc(2024, 4, 2, 9)


def test_a_comma_separated_tag_keeps_its_inner_space(services, tmp_path):
    schema = (SAMPLES / "mcp-memory-service" / "memories.sql").read_text("utf-8").split("INSERT", 1)[0]
    sql = tmp_path / "spaced.sql"
    sql.write_text(schema + "INSERT INTO memories (content_hash, content, tags, created_at) VALUES "
                   "('h1', 'The deploy checklist lives in the wiki', ',, release process ,ünï,', 1709290800);\n",
                   "utf-8")
    db = sqlite_from(sql, tmp_path / "spaced.db")
    services.readable.import_from(db, ToolImportRequest(Source.MCP_MEMORY_SERVICE, namespace="work"))
    assert by_content(services, "work")["The deploy checklist lives in the wiki"].tags == ("release process", "ünï")


def test_basic_memory_notes(services, tmp_path):
    folder = shutil.copytree(SAMPLES / "basic-memory", tmp_path / "bm")
    report = import_twice(services, folder, Source.BASIC_MEMORY)
    assert report.new == 2
    [coffee] = [r for r in records_of(services, "default") if r.metadata["title"] == "Coffee Brewing Methods"]
    assert coffee.content.startswith("# Coffee Brewing Methods\n\n## Observations")
    assert set(coffee.tags) == {"coffee", "brewing", "method", "preference", "taste"}
    assert coffee.metadata["relations"] == [{"type": "relates_to", "target": "Tea Brewing Methods"},
                                            {"type": "requires", "target": "Burr Grinder"}]
    [search] = [r for r in records_of(services, "default") if r.metadata["title"] == "Search Design"]
    assert search.metadata["permalink"] == "projects/search-design"
    assert search.metadata["properties"] == {"status": "active", "last_updated": "2024-01-15"}


def test_obsidian_folder(services, tmp_path):
    folder = shutil.copytree(SAMPLES / "obsidian", tmp_path / "notes")
    report = import_twice(services, folder, Source.OBSIDIAN)
    assert (report.new, report.empty) == (2, 1)  # .obsidian/ is not a note; the empty note holds nothing
    found = {r.metadata["path"]: r for r in records_of(services, "default")}
    assert set(found) == {"Reading list.md", "Daily/2024-05-06.md"}
    books = found["Reading list.md"]
    assert books.created_at == utc(2024, 2, 3, 20, 15) and books.tags == ("books", "to-read", "holds")
    assert books.metadata["properties"]["aliases"] == ["Books"]
    assert found["Daily/2024-05-06.md"].tags == ("home/repairs",)


def test_an_edited_note_updates_its_memory_on_the_next_import(services, tmp_path):
    folder = shutil.copytree(SAMPLES / "obsidian", tmp_path / "notes")
    services.readable.import_from(folder, ToolImportRequest(Source.OBSIDIAN))
    note = folder / "Daily" / "2024-05-06.md"
    note.write_text("The plumber fixed the kitchen tap. #home/repairs\n", "utf-8")
    # Later than its first import, but not a day ahead of this clock (which would decide nothing).
    later = dt.datetime.now(dt.UTC).timestamp() + 3600
    os.utime(note, (later, later))
    report = services.readable.import_from(folder, ToolImportRequest(Source.OBSIDIAN))
    assert (report.new, report.updated, report.skipped) == (0, 1, 1)
    assert "The plumber fixed the kitchen tap. #home/repairs" in by_content(services)


def test_chatgpt_conversations_become_facts_and_optionally_turns(services):
    path = SAMPLES / "chatgpt" / "conversations.json"
    dry = services.readable.import_from(path, ToolImportRequest(Source.CHATGPT, dry_run=True, with_turns=True))
    assert (dry.conversations, dry.new, dry.facts) == (2, 6, 0)
    assert services.memories.count(MemoryFilter()) == 0
    report = services.readable.import_from(path, ToolImportRequest(Source.CHATGPT, with_turns=True))
    assert report.new == 6 and report.facts >= 2
    turns = {r.content: r for r in records_of(services, "default") if "chat_id" in r.metadata}
    assert "(an earlier answer the user regenerated)" not in turns and "(tool output, not a turn)" not in turns
    first = turns["I moved to Lisbon in April. What should I know about the tram network?"]
    assert first.created_at == 1714557601.0 and first.metadata["role"] == "user" and first.tags == ("conversation",
                                                                                                    "user")
    facts = [r for r in records_of(services, "default") if "fact" in r.metadata]
    assert {f.metadata["conversation_id"] for f in facts} == {
        "chatgpt:6a1f0c2e-0000-4000-8000-00000000c0a1", "chatgpt:6a1f0c2e-0000-4000-8000-00000000c0a2"}
    assert any("Lisbon" in f.content for f in facts) and any("green tea" in f.content for f in facts)
    # A fact's own time is its conversation's, not the time of the import.
    assert {f.created_at for f in facts if "Lisbon" in f.content} == {1714557600.25}
    assert {f.created_at for f in facts if "green tea" in f.content} == {1717236000.0}
    count = services.memories.count(MemoryFilter())
    again = services.readable.import_from(path, ToolImportRequest(Source.CHATGPT, with_turns=True))
    assert (again.new, again.facts, again.conversations_skipped) == (0, 0, 2)
    assert services.memories.count(MemoryFilter()) == count


def test_claude_conversations_become_facts(services):
    path = SAMPLES / "claude" / "conversations.json"
    report = services.readable.import_from(path, ToolImportRequest(Source.CLAUDE, namespace="chats"))
    assert (report.conversations, report.new) == (2, 0) and report.facts >= 1
    facts = records_of(services, "chats")
    assert facts and all(f.metadata["conversation_id"] == "claude:3d0e7b52-0000-4000-8000-0000000c1a01"
                         for f in facts)
    assert any("Utrecht" in f.content or "tomato" in f.content for f in facts)
    assert all(f.metadata["source"] == "claude" for f in facts)
    again = services.readable.import_from(path, ToolImportRequest(Source.CLAUDE, namespace="chats"))
    assert (again.facts, again.conversations_skipped) == (0, 1)


def test_mcp_memory_types_this_vault_knows_are_kept(services, tmp_path):
    db = sqlite_from(SAMPLES / "mcp-memory-service" / "memories.sql", tmp_path / "m.db")
    conn = sqlite3.connect(db)
    conn.execute("UPDATE memories SET memory_type = 'preference' WHERE id = 1")
    conn.commit()
    conn.close()
    services.readable.import_from(db, ToolImportRequest(Source.MCP_MEMORY_SERVICE))
    port = by_content(services)["The staging database runs on port 5433"]
    assert port.memory_type is MemoryType.PREFERENCE and "memory_type" not in port.metadata


def test_memvault_jsonl_sample_keeps_ids_times_and_history(services):
    path = SAMPLES / "memvault" / "sample.jsonl"
    report = import_twice(services, path, Source.JSONL)
    assert report.new == 2 and report.namespaces == ("travel",)
    docs = [json.loads(line) for line in path.read_text("utf-8").splitlines()]
    found = {r.id: r for r in records_of(services, "travel")}
    assert set(found) == {d["id"] for d in docs}
    seats = found[docs[0]["id"]]
    assert seats.created_at == docs[0]["created_at"] and seats.hlc == docs[0]["hlc"] and seats.version == 2
    assert [(h.version, h.content) for h in seats.history] == [
        (1, "The user prefers window seats on trains"), (2, "The user prefers window seats on long train rides")]
    moved = services.readable.import_from(path, ToolImportRequest(Source.JSONL, namespace="elsewhere"))
    assert (moved.new, moved.conflicting) == (0, 2)  # the same ids live in "travel": never moved by an import


def test_an_extraction_that_stops_halfway_is_reported_and_finished_by_running_the_import_again(services,
                                                                                               monkeypatch):
    from memvault.domain.errors import ExtractionFailed

    path = SAMPLES / "chatgpt" / "conversations.json"
    importer = services.readable._importer
    real = importer._extract
    calls = []

    def once_then_fail(submission):
        calls.append(submission.conversation_id)
        if len(calls) > 1:
            raise ExtractionFailed("the extractor broke")
        return real(submission)

    monkeypatch.setattr(importer, "_extract", once_then_fail)
    first = services.readable.import_from(path, ToolImportRequest(Source.CHATGPT))
    assert first.stopped is not None and "after 1 of 2 conversations (the extractor broke)" in first.stopped
    assert "run the same import again" in first.stopped
    monkeypatch.setattr(importer, "_extract", real)
    second = services.readable.import_from(path, ToolImportRequest(Source.CHATGPT))
    assert second.stopped is None and second.conversations_skipped == 1 and second.facts >= 1
    assert {f.metadata["conversation_id"] for f in records_of(services, "default")} == {
        "chatgpt:6a1f0c2e-0000-4000-8000-00000000c0a1", "chatgpt:6a1f0c2e-0000-4000-8000-00000000c0a2"}


def _chatgpt(cid: str, when: float, text: str) -> dict:
    return {"title": cid, "create_time": when, "id": cid, "current_node": "u", "mapping": {
        "r": {"id": "r", "message": None, "parent": None, "children": ["u"]},
        "u": {"id": "u", "parent": "r", "children": [], "message": {
            "id": "u", "author": {"role": "user"}, "create_time": when,
            "content": {"content_type": "text", "parts": [text]}}}}}


def test_conversations_are_extracted_oldest_first_so_the_newer_fact_wins(services, tmp_path, monkeypatch):
    from memvault.service.importers import run

    monkeypatch.setattr(run, "_CONVERSATIONS_PER_READ", 1)  # one conversation in memory at a time
    path = tmp_path / "conversations.json"
    path.write_text(json.dumps([_chatgpt("later", utc(2024, 6, 1), "Big news: I live in Porto now."),
                                _chatgpt("earlier", utc(2024, 5, 1), "I live in Lisbon.")]), "utf-8")
    report = services.readable.import_from(path, ToolImportRequest(Source.CHATGPT))
    assert report.facts == 2 and report.stopped is None
    facts = {("Porto" if "Porto" in r.content else "Lisbon"): r for r in records_of(services, "default")}
    assert facts["Lisbon"].metadata["superseded_by"] == facts["Porto"].id
    assert "superseded_by" not in facts["Porto"].metadata
    assert facts["Porto"].created_at == utc(2024, 6, 1) and facts["Lisbon"].created_at == utc(2024, 5, 1)


def _infer_type(services, memory_id: str, memory_type: MemoryType) -> None:
    """What the embedding worker does once it has a memory's vector: a type of its own choosing (no version)."""
    from memvault.domain.entities import TypeSource
    from memvault.domain.models import FieldChanges
    from memvault.vault import memories as writes
    from memvault.vault.oplog import Stamp

    current = services.memories.get(memory_id)
    clock = services.memories._clock  # the service's own: the stamp sorts after the import's
    stamp = Stamp(clock.now(), clock.device_id, current.updated_at + 3600)
    with services.vault.db.write() as conn:
        writes.update_derived_many(conn, [(current, FieldChanges(memory_type=memory_type,
                                                                 memory_type_source=TypeSource.INFERRED), stamp)])


def test_a_type_the_vault_inferred_is_no_difference_and_a_later_export_still_wins(services, tmp_path):
    sample = json.loads((SAMPLES / "mem0" / "export.json").read_text("utf-8"))
    first = tmp_path / "first.json"
    first.write_text(json.dumps(sample), "utf-8")
    services.readable.import_from(first, ToolImportRequest(Source.MEM0))
    cello = next(m for m in services.memories.list(MemoryFilter(), limit=10).items if "cello" in m.content)
    _infer_type(services, cello.id, MemoryType.PREFERENCE)
    for policy in ("skip", "newer", "overwrite", "copy"):  # the same file again: nothing differs
        again = services.readable.import_from(first, ToolImportRequest(Source.MEM0, policy=policy))
        assert (again.new, again.updated, again.conflicting) == (0, 0, 0), policy
    assert services.memories.get(cello.id).memory_type is MemoryType.PREFERENCE
    item = next(r for r in sample["results"] if "cello" in r["memory"])
    item["memory"], item["updated_at"] = "Plays the viola in an amateur orchestra", "2024-10-01T00:00:00Z"
    later = tmp_path / "later.json"
    later.write_text(json.dumps(sample), "utf-8")
    report = services.readable.import_from(later, ToolImportRequest(Source.MEM0))  # the default: newer
    assert report.updated == 1 and services.memories.get(cello.id).content == "Plays the viola in an amateur orchestra"


def test_a_repeated_id_is_skipped_in_a_dry_run_as_in_the_import(services, tmp_path):
    path = tmp_path / "dup.json"
    path.write_text(json.dumps({"results": [
        {"id": "x1", "memory": "first text", "created_at": "2024-01-01T00:00:00Z"},
        {"id": "x1", "memory": "second text", "created_at": "2024-01-01T00:00:00Z"}]}), "utf-8")
    dry = services.readable.import_from(path, ToolImportRequest(Source.MEM0, dry_run=True))
    done = services.readable.import_from(path, ToolImportRequest(Source.MEM0))
    assert (dry.new, dry.updated, dry.skipped) == (done.new, done.updated, done.skipped) == (1, 0, 1)
    assert [m.content for m in services.memories.list(MemoryFilter(), limit=10).items] == ["first text"]


def test_times_in_other_units_crlf_notes_and_a_number_as_tags(services, tmp_path):
    path = tmp_path / "micro.json"
    path.write_text('{"results":[{"id":"us1","memory":"a microsecond time","created_at":1721464200000000}]}', "utf-8")
    services.readable.import_from(path, ToolImportRequest(Source.MEM0))
    [micro] = services.memories.list(MemoryFilter(), limit=10).items
    assert micro.created_at == utc(2024, 7, 20, 8, 30)  # microseconds, not the year 56521
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "crlf.md").write_bytes(b"---\r\ntags: 2024\r\n---\r\nCRLF note body\r\nsecond line\r\n")
    services.readable.import_from(notes, ToolImportRequest(Source.OBSIDIAN, namespace="notes"))
    [note] = services.memories.list(MemoryFilter(namespace="notes"), limit=10).items
    assert note.content == "CRLF note body\nsecond line" and "2024" in note.tags
