"""The dialogs by keyboard alone: Enter does what the dialog is for, never a side button."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from memvault.domain.models import MemoryCreate
from memvault.service.bundles import ExportRequest
from tests.e2e.gui.test_bundles import BUNDLE_PASSPHRASE, _choose_file, _seed, source  # noqa: F401 (fixture)


def _focus_is(qtbot, widget):
    qtbot.waitUntil(lambda: QApplication.focusWidget() is widget, timeout=10_000)


def test_export_by_keyboard_typed_path_and_enter_after_choose(qtbot, desktop, tmp_path):
    desktop.services.memories.create(MemoryCreate(content="kept for the handover", namespace="work"))
    desktop.window.activateWindow()
    desktop.window.export_action.trigger()
    export = desktop.window.transfers.export_dialog
    qtbot.waitUntil(lambda: export.namespaces.count() >= 1, timeout=20_000)
    export.set_checked({"work"})
    export.passphrase.setText(BUNDLE_PASSPHRASE)
    export.repeat.setText(BUNDLE_PASSPHRASE)
    # "Save to" takes a typed path; Enter in it exports, also after the focus passed over Cancel (which then
    # stayed the default button: Enter cancelled).
    export.cancel_button.setFocus()
    _focus_is(qtbot, export.cancel_button)
    export.path.setFocus()
    _focus_is(qtbot, export.path)
    assert export.export_button.isDefault() and not export.cancel_button.isDefault()
    typed = tmp_path / "typed.mvbundle"
    qtbot.keyClicks(export.path, str(typed))
    with qtbot.waitSignal(export.exported, timeout=30_000):
        qtbot.keyClick(export.path, Qt.Key_Return)
    assert typed.is_file()

    desktop.window.export_action.trigger()
    export = desktop.window.transfers.export_dialog
    qtbot.waitUntil(lambda: export.namespaces.count() >= 1, timeout=20_000)
    export.set_checked({"work"})
    export.passphrase.setText(BUNDLE_PASSPHRASE)
    export.repeat.setText(BUNDLE_PASSPHRASE)
    export.choose_button.setFocus()
    _focus_is(qtbot, export.choose_button)
    qtbot.keyClick(export.choose_button, Qt.Key_Space)
    chosen = tmp_path / "chosen.mvbundle"
    _choose_file(qtbot, export.file_dialog, chosen)
    _focus_is(qtbot, export.export_button)
    first_dialog = export.file_dialog
    with qtbot.waitSignal(export.exported, timeout=30_000):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key_Return)
    assert chosen.is_file() and export.file_dialog is first_dialog  # Enter exported; no second file dialog


def test_import_enter_after_the_passphrase_then_enter_imports(qtbot, desktop, source, tmp_path):  # noqa: F811
    _seed(source, "work", 3)
    bundle = tmp_path / "in.mvbundle"
    source.bundles.export_to_file(bundle, ExportRequest(("work",), passphrase=BUNDLE_PASSPHRASE))
    desktop.window.activateWindow()
    desktop.window.transfers.import_file(str(bundle))
    dialog = desktop.window.transfers.import_dialog
    qtbot.waitUntil(lambda: dialog.passphrase_row.isVisible(), timeout=20_000)
    _focus_is(qtbot, dialog.passphrase)
    qtbot.keyClicks(dialog.passphrase, BUNDLE_PASSPHRASE)
    qtbot.keyClick(dialog.passphrase, Qt.Key_Return)
    qtbot.waitUntil(lambda: dialog.preview is not None, timeout=20_000)
    _focus_is(qtbot, dialog.import_button)  # not the conflict combo
    with qtbot.waitSignal(dialog.imported, timeout=30_000):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key_Return)
    assert desktop.services.stats.stats("work").total == 3


def test_tab_goes_round_every_page_and_back_to_the_rail(qtbot, desktop):
    window = desktop.window
    window.activateWindow()
    qtbot.waitUntil(lambda: window.isActiveWindow(), timeout=5_000)
    for index in range(window.pages.count()):
        window.pages.setCurrentIndex(index)
        window.rail.setFocus()
        qtbot.waitUntil(lambda: window.rail.hasFocus(), timeout=5_000)
        visited = []
        for _ in range(80):
            qtbot.keyClick(QApplication.focusWidget(), Qt.Key_Tab)
            if QApplication.focusWidget() is window.rail:
                break
            visited.append(QApplication.focusWidget())
        assert QApplication.focusWidget() is window.rail, (index, visited[-3:])  # no trap on the way
        assert any(window.pages.currentWidget().isAncestorOf(w) for w in visited), index  # the page is reachable


def test_after_the_passphrase_the_keyboard_is_in_the_list(qtbot, desktop):
    # Enter in the create/unlock dialog hands the keyboard to the window's list, with no window manager to do it.
    window = desktop.window
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=10_000)
    _focus_is(qtbot, window.browser.table)
