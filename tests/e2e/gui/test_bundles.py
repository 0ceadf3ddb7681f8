"""File → Export namespaces…, File → Import bundle… (and dropped bundles), Vault → Back up…: through the dialogs."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from memvault.domain.changes import OriginKind
from memvault.domain.models import MemoryCreate, MemoryFilter
from memvault.gui.bridge import REFRESH_INTERVAL_MS
from memvault.service import bundle_import
from memvault.service.backups import inspect_backup
from memvault.service.bundles import ExportRequest
from memvault.service.container import create_vault
from tests.e2e.gui.conftest import start_desktop, stop_desktop
from tests.helpers import fast_settings
from tests.helpers.vault_state import records_of, vault_state

BUNDLE_PASSPHRASE = "a passphrase for the bundle"


@pytest.fixture
def second(qtbot, qapp, tmp_path, embedder):
    """Another desktop app on another vault, created with another passphrase."""
    app = start_desktop(qtbot, qapp, tmp_path / "second", embedder, passphrase="the second vault's own passphrase")
    yield app
    stop_desktop(qtbot, app)


@pytest.fixture
def source(tmp_path, embedder):
    """A vault outside the app that makes bundles for the tests that only import."""
    svc = create_vault(fast_settings(tmp_path / "source"), "the source vault's passphrase", embedder, background=False)
    yield svc
    svc.close()


def _seed(services, namespace, n):
    services.memories.create_batch([MemoryCreate(content=f"note {i} about {namespace}", namespace=namespace,
                                                 tags=["t"]) for i in range(n)])
    services.worker.drain(20)  # vectors travel in bundles: have them made first


def _choose_file(qtbot, dialog, path):
    qtbot.waitUntil(lambda: dialog is not None and dialog.isVisible(), timeout=10_000)
    dialog.selectFile(str(path))
    dialog.accept()


def _click(qtbot, button):
    qtbot.waitUntil(button.isEnabled, timeout=20_000)
    qtbot.mouseClick(button, Qt.LeftButton)


def _rows(dialog):
    t = dialog.table
    return {t.item(r, 0).text(): tuple(int(t.item(r, c).text().replace(",", "")) for c in range(1, 5))
            for r in range(t.rowCount())}


@pytest.mark.seconds
def test_export_then_import_into_a_second_vault_through_the_dialogs(qtbot, desktop, second, tmp_path):
    a, b = desktop.services, second.services
    _seed(a, "work", 4)
    _seed(a, "home", 2)
    _seed(a, "private", 1)
    bundle = tmp_path / "handover.mvbundle"

    desktop.window.export_action.trigger()
    export = desktop.window.transfers.export_dialog
    qtbot.waitUntil(lambda: export.namespaces.count() >= 3, timeout=20_000)
    export.set_checked({"work", "home"})
    export.passphrase.setText("short")
    export.repeat.setText("short")
    _click(qtbot, export.export_button)  # checked before anything is written, beside the passphrase, not in a box
    assert export.problem.text() == "Use at least 8 characters for the bundle passphrase."
    assert export.progress.isHidden() and not bundle.exists()
    export.passphrase.setText(BUNDLE_PASSPHRASE)
    export.repeat.setText("a different one")
    _click(qtbot, export.export_button)
    assert "differ" in export.problem.text() and export.isVisible()
    export.repeat.setText(BUNDLE_PASSPHRASE)
    qtbot.mouseClick(export.choose_button, Qt.LeftButton)
    _choose_file(qtbot, export.file_dialog, bundle)
    assert export.path.text() == str(bundle)
    with qtbot.waitSignal(export.exported, timeout=30_000) as exported:
        _click(qtbot, export.export_button)
    report, target = exported.args
    assert (report.memories, target) == (6, str(bundle)) and bundle.is_file()
    assert "Exported 6 memories" in desktop.window.statusBar().currentMessage()

    window = second.window
    stale, changes = [], []
    second._bridge.views_stale.connect(stale.append)
    second._bridge.memories_changed.connect(changes.append)
    before = vault_state(b)
    window.import_action.trigger()
    _choose_file(qtbot, window.transfers.file_dialog, bundle)
    dialog = window.transfers.import_dialog
    qtbot.waitUntil(lambda: dialog.passphrase_row.isVisible(), timeout=20_000)
    assert not dialog.import_button.isEnabled()

    # A wrong passphrase asks again; the right one shows the preview.
    dialog.passphrase.setText("not the bundle's passphrase")
    qtbot.mouseClick(dialog.open_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: "does not open" in dialog.passphrase_note.text(), timeout=20_000)
    assert dialog.passphrase.text() == "" and dialog.passphrase.isEnabled() and dialog.preview is None
    assert not dialog.import_button.isEnabled()
    dialog.passphrase.setText(BUNDLE_PASSPHRASE)
    qtbot.mouseClick(dialog.open_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: dialog.preview is not None, timeout=20_000)
    assert _rows(dialog) == {"home": (2, 0, 0, 0), "work": (4, 0, 0, 0)}
    assert "Nothing has been written" in dialog.summary.text() and not dialog.passphrase_row.isVisible()
    assert dialog.import_button.text() == "Import 6 memories"

    # Options make a new dry run: one namespace for everything.
    dialog.into_check.setChecked(True)
    dialog.into.setCurrentText("from-a")
    dialog.into.lineEdit().editingFinished.emit()
    qtbot.waitUntil(lambda: dialog.preview is not None and dialog.preview.namespaces == ("from-a",), timeout=20_000)
    assert _rows(dialog) == {"from-a": (6, 0, 0, 0)}
    dialog.into_check.setChecked(False)
    qtbot.waitUntil(lambda: dialog.preview is not None and len(dialog.preview.by_namespace) == 2, timeout=20_000)
    assert vault_state(b) == before, "dry runs write nothing"

    with qtbot.waitSignal(dialog.imported, timeout=30_000):
        _click(qtbot, dialog.import_button)
    assert dialog.cancel_button.text() == "Close" and "6 were added" in dialog.summary.text()
    assert records_of(b, "work") == records_of(a, "work")
    assert records_of(b, "home") == records_of(a, "home")
    assert b.memories.list(MemoryFilter(namespace="private")).total == 0
    qtbot.waitUntil(lambda: any(window.sidebar.item(i).text() == "work (4)" for i in range(window.sidebar.count())),
                    timeout=10_000)
    qtbot.wait(REFRESH_INTERVAL_MS + 300)  # a second refresh would have come by now
    assert [c.origin.kind for c in changes] == [OriginKind.IMPORT] and len(changes[0].memory_ids) == 6
    assert stale == [True], "one import, one refresh (counts moved)"
    dialog.cancel_button.click()
    assert not dialog.isVisible()


def test_cancel_during_the_import_leaves_the_vault_unchanged(qtbot, desktop, source, tmp_path, monkeypatch):
    _seed(source, "work", 40)
    bundle = tmp_path / "big.mvbundle"
    source.bundles.export_to_file(bundle, ExportRequest(("work",), passphrase=BUNDLE_PASSPHRASE))
    monkeypatch.setattr(bundle_import, "BATCH", 5)
    services = desktop.services
    _seed(services, "work", 2)
    # Hold the import after its second batch (10 memories written in the open transaction) until Cancel is
    # pressed, so the test does not race it.
    pressed, held = threading.Event(), threading.Event()
    real = services.bundles.import_bundle

    def holding(path, options=None, *, progress=None, **kwargs):
        def report(stage, done, total):
            progress(stage, done, total)
            if stage == "importing" and done >= 10 and not options.dry_run and not held.is_set():
                held.set()
                assert pressed.wait(20), "Cancel was never pressed"
        return real(path, options, progress=report, **kwargs)

    monkeypatch.setattr(services.bundles, "import_bundle", holding)
    before = vault_state(services)
    desktop.window.transfers.import_file(str(bundle))
    dialog = desktop.window.transfers.import_dialog
    qtbot.waitUntil(lambda: dialog.passphrase_row.isVisible(), timeout=20_000)
    dialog.passphrase.setText(BUNDLE_PASSPHRASE)
    dialog.passphrase.returnPressed.emit()
    qtbot.waitUntil(lambda: dialog.preview is not None, timeout=20_000)
    assert dialog.preview.new == 40
    _click(qtbot, dialog.import_button)
    qtbot.waitUntil(held.is_set, timeout=20_000)
    qtbot.waitUntil(lambda: "Importing memories: 10 of 40" in dialog.progress.label.text(), timeout=20_000)
    qtbot.mouseClick(dialog.cancel_button, Qt.LeftButton)
    assert dialog.isVisible() and "Cancelling" in dialog.progress.label.text()
    pressed.set()
    qtbot.waitUntil(lambda: "Import cancelled" in dialog.summary.text(), timeout=20_000)
    assert vault_state(services) == before
    assert dialog.import_button.isEnabled(), "the preview still holds: the import can be started again"
    qtbot.mouseClick(dialog.cancel_button, Qt.LeftButton)
    assert not dialog.isVisible()


def test_a_bundle_dropped_on_the_window_opens_the_preview(qtbot, desktop, source, tmp_path):
    _seed(source, "notes", 3)
    bundle = tmp_path / "for-you.mvbundle"
    # Made for this vault's recipient key: it opens without a passphrase.
    source.bundles.export_to_file(bundle, ExportRequest(("notes",), recipients=(desktop.services.bundles.recipient_key(),)))
    other = tmp_path / "notes.txt"
    window = desktop.window

    def drag(path):
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(str(path))])
        enter = QDragEnterEvent(QPointF(300, 300), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
        QApplication.sendEvent(window, enter)
        return mime, enter.isAccepted()

    _, accepted = drag(other)
    assert not accepted, "only bundles are taken"
    mime, accepted = drag(bundle)
    assert accepted
    drop = QDropEvent(QPointF(300, 300), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(window, drop)
    assert drop.isAccepted()
    dialog = window.transfers.import_dialog
    assert dialog is not None and dialog.path == str(bundle)
    qtbot.waitUntil(lambda: dialog.preview is not None, timeout=20_000)
    assert not dialog.passphrase_row.isVisible() and "this vault's recipient key" in dialog.opening.text()
    assert _rows(dialog) == {"notes": (3, 0, 0, 0)}
    with qtbot.waitSignal(dialog.imported, timeout=30_000):
        _click(qtbot, dialog.import_button)
    assert records_of(desktop.services, "notes") == records_of(source, "notes")


def test_back_up_writes_an_encrypted_copy_of_the_whole_vault(qtbot, desktop, tmp_path):
    _seed(desktop.services, "work", 3)
    target = tmp_path / "copy.mvbackup"
    desktop.window.backup_action.trigger()
    _choose_file(qtbot, desktop.window.transfers.file_dialog, target)
    transfers = desktop.window.transfers
    qtbot.waitUntil(lambda: transfers.backup_box is not None and transfers.backup_box.isVisible(), timeout=30_000)
    assert transfers.backup_box.text() == "The backup is written."
    info = inspect_backup(target)
    assert info.file_bytes == target.stat().st_size and b"note 0 about work" not in target.read_bytes()
    transfers.backup_box.close()


def test_an_unreadable_file_is_a_dialog_not_a_crash(qtbot, desktop, tmp_path):
    missing = tmp_path / "gone.mvbundle"
    crashes = []
    desktop.runner.crashed.connect(crashes.append)
    desktop.window.transfers.import_file(str(missing))
    dialog = desktop.window.transfers.import_dialog
    qtbot.waitUntil(lambda: "cannot be imported" in dialog.summary.text(), timeout=20_000)
    assert "no file" in dialog.summary.text() and not crashes
    assert not dialog.import_button.isEnabled()


def test_a_file_that_is_not_a_bundle_is_said_once_inline_and_its_options_are_off(qtbot, desktop, tmp_path):
    from PySide6.QtWidgets import QMessageBox

    other = tmp_path / "notes.mvbundle"
    other.write_text("just some notes, not a bundle")
    desktop.window.transfers.import_file(str(other))
    dialog = desktop.window.transfers.import_dialog
    qtbot.waitUntil(lambda: "cannot be imported" in dialog.summary.text(), timeout=20_000)
    assert not any(box.isVisible() for box in dialog.findChildren(QMessageBox))  # not a box as well
    assert dialog.summary.text().startswith("This file cannot be imported: ") and dialog.summary.text().endswith(".")
    # Nothing to choose for a file that cannot be read: the import's options wait for a bundle.
    assert not dialog.policy.isEnabled() and not dialog.into_check.isEnabled() and not dialog.into.isEnabled()
    assert not dialog.import_button.isEnabled()


def test_the_options_are_on_once_the_bundle_opens(qtbot, desktop, source, tmp_path):
    _seed(source, "work", 2)
    path = tmp_path / "ok.mvbundle"
    source.bundles.export_to_file(path, ExportRequest(("work",), passphrase=BUNDLE_PASSPHRASE))
    desktop.window.transfers.import_file(str(path))
    dialog = desktop.window.transfers.import_dialog
    qtbot.waitUntil(lambda: dialog.passphrase_row.isVisible(), timeout=20_000)
    assert dialog.policy.isEnabled() and dialog.into_check.isEnabled()


def test_the_export_list_shows_whole_rows_up_to_five(qtbot, desktop):
    desktop.services.memories.create_batch([MemoryCreate(content=f"a note in {ns}", namespace=ns)
                                            for ns in ("work", "home", "private", "travel", "health", "books")])
    desktop.window.export_action.trigger()
    export = desktop.window.transfers.export_dialog
    listed = export.namespaces
    qtbot.waitUntil(lambda: listed.count() >= 6, timeout=20_000)
    qtbot.waitUntil(listed.isVisible, timeout=5_000)
    # Five rows in full before it scrolls: two and a half read as a broken list.
    assert listed.viewport().height() >= 5 * listed.sizeHintForRow(0)
    assert listed.visualItemRect(listed.item(4)).bottom() < listed.viewport().height()
    export.reject()


def test_the_preview_says_why_memories_held_in_another_namespace_are_left_and_what_imports_them(qtbot, desktop):
    """An outside QA pass: an import --into a new namespace left every memory and said only "conflicting"."""
    from memvault.domain.transfer import ConflictPolicy
    from memvault.gui.import_dialog import POLICIES, ImportDialog
    from memvault.service.bundle_import import ImportReport, NamespaceImport

    dialog = ImportDialog("bundle.mvbundle", desktop.services, desktop.runner)
    qtbot.addWidget(dialog)
    report = ImportReport(memories=2, new=0, updated=0, skipped=2, conflicting=2, to_embed=0, namespaces=(),
                          conflicts=("a", "b"), dry_run=True, by_namespace=(NamespaceImport("copied", 0, 0, 2, 2),),
                          held_elsewhere=2)
    dialog._show_report(report)
    text = dialog.summary.text()
    assert "2 memories are already in another namespace here" in text
    assert dict(POLICIES)[ConflictPolicy.COPY] in text
