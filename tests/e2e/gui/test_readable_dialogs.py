"""File → Export readable copy… and File → Import from…, through the running app's menu and dialogs: the copy
needs the user's confirmation that it is unencrypted; a preview writes nothing; an import arrives and shows."""

from __future__ import annotations

import json
import shutil

from PySide6.QtCore import Qt

from memvault.domain.models import MemoryCreate, MemoryFilter
from memvault.service.importers.sources import Source
from memvault.service.readable_export import ReadableFormat
from tests.integration.transfer.test_importers import SAMPLES


def _menu_action(window, text):
    [file_menu] = [a.menu() for a in window.menuBar().actions() if a.text() == "&File"]
    [action] = [a for a in file_menu.actions() if a.text() == text]
    return action


def _click(qtbot, button):
    qtbot.waitUntil(button.isEnabled, timeout=20_000)
    qtbot.mouseClick(button, Qt.LeftButton)


def test_export_a_readable_copy_only_after_confirming_it_is_unencrypted(qtbot, desktop, tmp_path):
    services = desktop.services
    for i in range(3):
        services.memories.create(MemoryCreate(content=f"copy me {i}", namespace="notes"))
    _menu_action(desktop.window, "Export readable copy…").trigger()
    dialog = desktop.window.readable.export_dialog
    qtbot.waitUntil(lambda: dialog.namespaces.count() >= 1, timeout=20_000)
    dialog.set_checked({"notes"})
    # The empty field's hint is read whole (it was cut: "…a new folder for Mark…").
    field = dialog.path
    assert field.fontMetrics().horizontalAdvance(field.placeholderText()) < field.contentsRect().width() - 8
    target = tmp_path / "notes.jsonl"
    dialog.path.setText(str(target))
    assert not dialog.export_button.isEnabled() and "NOT encrypted" in dialog.warning.text()
    dialog.understood.setChecked(True)
    with qtbot.waitSignal(dialog.exported, timeout=20_000) as done:
        _click(qtbot, dialog.export_button)
    assert done.args[0].memories == 3 and done.args[0].format == ReadableFormat.JSONL.value
    assert sorted(json.loads(line)["content"] for line in target.read_text("utf-8").splitlines()) == [
        f"copy me {i}" for i in range(3)]
    qtbot.waitUntil(lambda: "not encrypted" in desktop.window.statusBar().currentMessage(), timeout=5_000)


def test_markdown_copy_goes_to_a_new_folder(qtbot, desktop, tmp_path):
    desktop.services.memories.create(MemoryCreate(content="a note", namespace="notes"))
    _menu_action(desktop.window, "Export readable copy…").trigger()
    dialog = desktop.window.readable.export_dialog
    qtbot.waitUntil(lambda: dialog.namespaces.count() >= 1, timeout=20_000)
    dialog.set_checked({"notes"})
    dialog.as_markdown.setChecked(True)
    dialog.path.setText(str(tmp_path / "vault-notes"))
    dialog.understood.setChecked(True)
    with qtbot.waitSignal(dialog.exported, timeout=20_000):
        _click(qtbot, dialog.export_button)
    [note] = (tmp_path / "vault-notes" / "notes").glob("*.md")
    assert note.read_text("utf-8").startswith("---\n") and note.read_text("utf-8").endswith("---\na note\n")


def test_import_from_an_obsidian_folder_previews_then_imports(qtbot, desktop, tmp_path):
    folder = shutil.copytree(SAMPLES / "obsidian", tmp_path / "notes")
    services = desktop.services
    _menu_action(desktop.window, "Import from…").trigger()
    dialog = desktop.window.readable.import_dialog
    dialog.set_source(Source.OBSIDIAN)
    assert not dialog.turns.isVisibleTo(dialog)
    dialog.path.setText(str(folder))
    dialog.namespace.setText("obsidian")
    _click(qtbot, dialog.preview_button)
    qtbot.waitUntil(lambda: dialog.preview is not None, timeout=20_000)
    assert "2 would be added" in dialog.result.text()
    assert services.memories.count(MemoryFilter(namespace="obsidian")) == 0
    with qtbot.waitSignal(dialog.imported, timeout=20_000) as done:
        _click(qtbot, dialog.import_button)
    assert done.args[0].new == 2 and "2 were added" in dialog.result.text()
    assert services.memories.count(MemoryFilter(namespace="obsidian")) == 2


def test_a_bad_file_is_reported_and_nothing_is_imported(qtbot, desktop, tmp_path):
    broken = tmp_path / "conversations.json"
    broken.write_bytes((SAMPLES / "claude" / "conversations.json").read_bytes()[:500])
    _menu_action(desktop.window, "Import from…").trigger()
    dialog = desktop.window.readable.import_dialog
    dialog.set_source(Source.CLAUDE)
    assert dialog.turns.isVisibleTo(dialog)
    dialog.path.setText(str(broken))
    _click(qtbot, dialog.import_button)
    qtbot.waitUntil(lambda: dialog.result.text() == "Nothing was imported.", timeout=20_000)
    assert desktop.services.memories.count(MemoryFilter(namespace=None)) == 0
