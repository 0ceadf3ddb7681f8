"""The import dialog's summary counts what was left out, in the singular for one."""

from memvault.gui.tool_import_dialog import summary
from memvault.service.importers.run import ToolImportReport


def test_notes_and_deleted_memories_left_out_are_counted():
    report = ToolImportReport("mcp-memory-service", "m.db", 3, 2, 0, 0, 0, 1, 0, 0, 0, ("work",), False, deleted=1)
    assert summary(report) == ("3 memories in m.db: 2 were added, 0 updated, 0 skipped. 1 empty note left out. "
                               "1 memory the source had deleted left out.")


def test_memories_held_in_another_namespace_are_said_to_be_there():
    report = ToolImportReport("jsonl", "default.jsonl", 6, 0, 0, 6, 6, 0, 0, 0, 0, (), False, held_elsewhere=6)
    assert summary(report) == ("6 memories in default.jsonl: 0 were added, 0 updated, 6 skipped. 6 memories are "
                               "already in another namespace of this vault, and an import never moves one.")
